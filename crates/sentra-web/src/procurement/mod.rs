//! Procurement from UMKM: the share dashboard, government units and their purchases, suppliers,
//! import of purchase lists. `figures` and `rules` hold what the pages and the JSON API both
//! count and check.

pub(crate) mod figures;
pub(crate) mod import;
pub(crate) mod purchase;
pub(crate) mod rules;
pub(crate) mod share;
pub(crate) mod suppliers;
pub(crate) mod units;

use crate::routes::Routes;

pub(crate) fn routes() -> Routes {
    import::routes()
        .merge(purchase::routes())
        .merge(share::routes())
        .merge(suppliers::routes())
        .merge(units::routes())
}
