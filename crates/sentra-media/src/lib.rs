//! Media of the catalogue: product photos checked, cleaned of their metadata and resized
//! ([`photo`]), and kept in an object store ([`store`]).

#[cfg(any(test, feature = "fixtures"))]
pub mod fixtures;
pub mod photo;
pub mod store;

pub use photo::{PhotoError, Rendition};
pub use store::{CopyOutcome, MediaStore, StoreError};

/// The object key of one size of a photo: `produk/{product}/{photo}-md.jpg`.
pub fn photo_key(base: &str, size: &str) -> String {
    format!("{base}-{size}.jpg")
}
