//! The UMKM registry: the records themselves, how they enter (forms, imports, the field app)
//! and leave (exports), their duplicates, and what is recorded about them over time (growth,
//! legality documents).

pub(crate) mod bulk_jobs;
pub(crate) mod demo;
pub(crate) mod duplicates;
pub(crate) mod export;
pub(crate) mod export_jobs;
pub(crate) mod export_profile;
pub(crate) mod field_sync;
pub(crate) mod growth;
pub(crate) mod import;
pub(crate) mod import_jobs;
pub(crate) mod import_undo;
pub(crate) mod jobs;
pub(crate) mod legality;
pub(crate) mod regions;
pub(crate) mod umkm;
pub(crate) mod work;
