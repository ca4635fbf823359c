//! The public catalogue: products, their photos and categories, and the catalogue entries
//! built from verified businesses.

pub(crate) mod catalog;
pub(crate) mod categories;
pub(crate) mod product_photos;
pub(crate) mod products;
