//! The products and their public catalogue: the owner's product pages and photos, the public
//! search and storefronts, the category tree and the search synonyms.

pub(crate) mod categories;
pub mod index;
pub(crate) mod photos;
pub(crate) mod products;
pub(crate) mod public;
pub(crate) mod synonyms;

use crate::routes::Routes;

pub(crate) fn routes() -> Routes {
    categories::routes()
        .merge(photos::routes())
        .merge(products::routes())
        .merge(public::routes())
        .merge(synonyms::routes())
}
