//! Sentra's domain: the types, rules and algorithms of UMKM development, with no I/O and no async.
//! Everything here is deterministic and testable without a database or a network.

pub mod error;
pub mod export_profile;
pub mod flagship;
pub mod gallery;
pub mod geo;
pub mod ids;
pub mod money;
pub mod phone;

pub use error::{FieldError, FieldErrors, Invalid};
pub mod account;
pub mod category;
pub mod crosstab;
pub mod dedup;
pub mod demo;
pub mod demo_file;
pub mod demo_products;
pub mod growth;
pub mod import;
pub mod legality;
pub mod merge;
pub mod messaging;
pub mod opendata;
pub mod partnership;
pub mod procurement;
pub mod procurement_sheet;
pub mod product;
pub mod programme;
pub mod region;
pub mod scope;
pub mod size;
pub mod targets;
pub mod umkm;
