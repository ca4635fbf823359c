//! Sentra's storage: one API over SQLite (embedded, the default) and PostgreSQL, chosen at run
//! time by the database URL, with one migration source. Every query that lists or changes
//! registry records takes the caller's [`Scope`](sentra_domain::scope::Scope).
//!
//! The `impl Database` blocks live in one folder per capability; `sql` holds what they share
//! and `schema` the SQL generated in code (docs/decisions/0030-storage-layout.md). Everything
//! public is re-exported here, so callers name `sentra_storage::X` whatever folder X is in.

mod accounts;
mod catalogue;
mod connect;
mod error;
mod flagship;
mod insight;
mod messaging;
mod ops;
mod partnerships;
mod procurement;
mod programme;
mod registry;
mod schema;
mod sql;

pub use accounts::audit::{Actor, AuditEntry, AuditFilter, AuditHead, AuditVerdict};
pub use accounts::personal::{Keyring, PersonalKey};
pub use accounts::phone_codes::{CODE_DIGITS, CODE_TRIES, CODE_TTL, CODES_PER_HOUR, CodeCheck};
pub use accounts::users::{Session, User, hash_password, new_secret, verify_password};
pub use catalogue::catalog::{CatalogChanges, CatalogEntry, Store};
pub use catalogue::categories::CategoryRow;
pub use catalogue::product_photos::{NewPhoto, PhotoRecord};
pub use catalogue::products::ProductRecord;
pub use connect::multihost::{MultiHostUrl, ServerRole, SessionAttrs};
pub use connect::{Backend, Database, DatabaseUrl, Durability, redact_url};
pub use error::StorageError;
pub use flagship::{
    CandidateRow, ParticipantRow, RoundRecord, RoundSettings, RoundStatus, RoundSummary,
};
pub use insight::dashboard::{
    Coverage, Dimension, ProgressReportRow, RegionReportRow, RegionStats, Target,
};
pub use messaging::{Consent, NewMessage, OutboxCounts, StoredMessage};
pub use ops::transfer::CopiedTable;
pub use ops::{
    Column, ColumnKind, JobCount, PgSnapshot, PoolStats, TableCensus, Value, census_differences,
};
pub use partnerships::gallery::{BusinessStatement, GalleryItem, LedgerLine};
pub use partnerships::{
    CandidateRecord, ExhibitItem, ExhibitionRecord, NewPartner, OfferRecord, PartnerRecord,
    RequestRecord,
};
pub use procurement::import::{
    LineProblem, OverBudget, ProcurementLines, ProcurementOutcome, ProcurementUpload,
};
pub use procurement::{
    BudgetRevision, GovernmentUnit, ProductSales, PurchaseFilter, PurchaseRow, Supplier,
    SupplierCandidate, UnitShare,
};
pub use programme::activities::{
    ActivityConflict, ActivityRecord, Participant, ProgrammeHistory, Reach, ReachOutcomes,
    ReachPeriod, Taken, Topic, slots_of,
};
pub use registry::bulk_jobs::BulkJob;
pub use registry::demo::DemoSeller;
pub use registry::duplicates::{DuplicatePairRow, LikelyDuplicate, ScanOutcome};
pub use registry::export::{EXPORT_HEADERS, ExportedUmkm};
pub use registry::export_jobs::ExportJob;
pub use registry::export_profile::ProfileExport;
pub use registry::field_sync::{Applied, FieldNote, FromPhone, UmkmPhoto};
pub use registry::growth::{
    GrowthFilter, GrowthSummary, LatestFigures, RegistryFigures, ReportSaved, TrendYear,
};
pub use registry::import::{
    FieldChange, ImportCounts, ImportPlan, ImportPlanner, PlannedRow, RowPlan, StatisticsDepth,
    dedup_record, duplicates_within, field_changes, record_input,
};
pub use registry::import_jobs::{
    ImportJob, JobProblem, JobState, NewImportJob, POSSIBLE_DUPLICATE,
};
pub use registry::import_undo::{ChangeRow, RecordChanges, UndoConflict, UndoOutcome};
pub use registry::legality::ExpiringDocument;
pub use registry::umkm::{
    ChangeRequest, LegalityFilter, NewUmkm, Page, PageRequest, Registered, SortDirection,
    UmkmFilter, UmkmRecord, UmkmSort, UmkmSummary,
};
pub use registry::work::PendingChange;
pub use schema::province_keys::{PartitionReport, PartitionRows};

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
