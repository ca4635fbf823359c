//! The UMKM registry: the list, the form and the record page, duplicates, import and export,
//! naik-kelas reports.

pub(crate) mod duplicates;
pub(crate) mod export;
pub(crate) mod export_worker;
pub(crate) mod growth;
pub(crate) mod import;
pub(crate) mod umkm;

use crate::routes::Routes;

pub(crate) fn routes() -> Routes {
    duplicates::routes()
        .merge(export::routes())
        .merge(growth::routes())
        .merge(import::routes())
        .merge(umkm::routes())
}
