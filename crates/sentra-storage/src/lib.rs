//! Sentra's storage: one API over SQLite (embedded, the default) and PostgreSQL, chosen at run
//! time by the database URL, with one migration source. Every query that lists or changes
//! registry records takes the caller's [`Scope`](sentra_domain::scope::Scope).

mod accounts;
mod activities;
mod audit;
mod catalog;
mod categories;
mod connect;
mod dashboard;
mod duplicates;
mod error;
mod export;
mod export_jobs;
mod field_sync;
mod flagship;
mod gallery;
mod growth;
mod import;
mod import_jobs;
mod jobs;
mod legality;
mod multihost;
mod ops;
mod partnerships;
mod personal;
mod procurement;
mod procurement_import;
mod product_photos;
mod products;
mod province_keys;
mod regions;
mod rollup;
mod sql;
mod transfer;
mod umkm;

pub use accounts::{Session, User, hash_password, new_secret, verify_password};
pub use activities::{
    ActivityConflict, ActivityRecord, Participant, ProgrammeHistory, Reach, ReachOutcomes, Taken,
    Topic, slots_of,
};
pub use audit::{Actor, AuditEntry, AuditFilter, AuditHead, AuditVerdict};
pub use catalog::{CatalogChanges, CatalogEntry, Store};
pub use categories::CategoryRow;
pub use connect::{Backend, Database, DatabaseUrl, Durability, redact_url};
pub use dashboard::{Coverage, Dimension, ProgressReportRow, RegionReportRow, RegionStats, Target};
pub use duplicates::{DuplicatePairRow, ScanOutcome};
pub use error::StorageError;
pub use export::EXPORT_HEADERS;
pub use export_jobs::ExportJob;
pub use field_sync::{Applied, FieldNote, FromPhone, UmkmPhoto};
pub use flagship::{
    CandidateRow, ParticipantRow, RoundRecord, RoundSettings, RoundStatus, RoundSummary,
};
pub use gallery::{BusinessStatement, GalleryItem, LedgerLine};
pub use growth::{GrowthFilter, GrowthSummary, TrendYear};
pub use import::{
    ImportCounts, ImportPlan, ImportPlanner, PlannedRow, RowPlan, dedup_record, duplicates_within,
    record_input,
};
pub use import_jobs::{ImportJob, JobProblem, JobState, NewImportJob, POSSIBLE_DUPLICATE};
pub use legality::ExpiringDocument;
pub use multihost::{MultiHostUrl, ServerRole, SessionAttrs};
pub use ops::{
    Column, ColumnKind, JobCount, PgSnapshot, PoolStats, TableCensus, Value, census_differences,
};
pub use partnerships::{
    CandidateRecord, ExhibitItem, ExhibitionRecord, NewPartner, OfferRecord, PartnerRecord,
    RequestRecord,
};
pub use personal::{Keyring, PersonalKey};
pub use procurement::{
    BudgetRevision, GovernmentUnit, ProductSales, PurchaseFilter, PurchaseRow, Supplier,
    SupplierCandidate, UnitShare,
};
pub use procurement_import::{
    LineProblem, OverBudget, ProcurementLines, ProcurementOutcome, ProcurementUpload,
};
pub use product_photos::{NewPhoto, PhotoRecord};
pub use products::ProductRecord;
pub use province_keys::{PartitionReport, PartitionRows};
pub use transfer::CopiedTable;
pub use umkm::{
    ChangeRequest, LegalityFilter, NewUmkm, Page, PageRequest, SortDirection, UmkmFilter,
    UmkmRecord, UmkmSort, UmkmSummary,
};

pub type Result<T, E = StorageError> = std::result::Result<T, E>;

/// Timestamps are stored as RFC 3339 UTC text with milliseconds, which sorts correctly as text
/// on both engines.
pub fn now_text() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Sector {
    pub code: String,
    pub name_id: String,
    pub name_en: String,
}
