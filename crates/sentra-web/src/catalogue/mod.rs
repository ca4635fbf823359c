//! The products and their public catalogue: the owner's product pages and photos, the public
//! search and storefronts, the category tree and the search synonyms.

pub(crate) mod categories;
pub mod index;
pub(crate) mod photos;
mod product_page;
pub(crate) mod products;
pub(crate) mod public;
mod search;
mod sitemap;
mod store;
pub(crate) mod synonyms;

use crate::routes::Routes;

pub(crate) fn routes() -> Routes {
    categories::routes()
        .merge(photos::routes())
        .merge(products::routes())
        .merge(search::routes())
        .merge(product_page::routes())
        .merge(store::routes())
        .merge(sitemap::routes())
        .merge(synonyms::routes())
}
