//! The UMKM registry: the list, the form and the record page, duplicates, import and export,
//! naik-kelas reports.

pub(crate) mod bulk;
pub(crate) mod detail;
pub(crate) mod duplicates;
pub(crate) mod export;
pub(crate) mod export_profiles;
pub(crate) mod export_worker;
mod form;
pub(crate) mod growth;
pub(crate) mod import;
mod list;
mod review;

use sentra_domain::account::Permission;

use crate::routes::{Access, Routes};

pub(crate) fn routes() -> Routes {
    bulk::routes()
        .merge(duplicates::routes())
        .merge(export::routes())
        .merge(export_profiles::routes())
        .merge(growth::routes())
        .merge(import::routes())
        .merge(records())
}

/// The list, the form and the record's page, and what a verifier does there.
fn records() -> Routes {
    use Permission::*;
    Routes::new("")
        .get("/umkm", Access::Role(ReadRegistry), list::list)
        .post("/umkm", Access::Role(WriteRegistry), form::create)
        .get("/umkm/new", Access::Role(WriteRegistry), form::new_form)
        .get("/umkm/{id}", Access::Role(ReadRegistry), detail::detail)
        .post("/umkm/{id}", Access::Role(WriteRegistry), form::update)
        .get(
            "/umkm/{id}/edit",
            Access::Role(WriteRegistry),
            form::edit_form,
        )
        .post(
            "/umkm/{id}/status",
            Access::Role(VerifyRegistry),
            review::set_status,
        )
        .post(
            "/umkm/{id}/reveal",
            Access::Role(RevealPersonalData),
            detail::reveal,
        )
        .post(
            "/umkm/{id}/owner",
            Access::Role(VerifyRegistry),
            review::hand_to_owner,
        )
        .post(
            "/umkm/{id}/changes",
            Access::Role(VerifyRegistry),
            review::decide_change,
        )
}
