//! The shared kit of the pages: the frame and its menu, pickers, the error page, the fields of a
//! form.

mod chrome;
mod error_page;
mod form_fields;
mod pickers;

pub use chrome::Chrome;
pub(crate) use error_page::{error_page, error_page_for, not_found};
pub use form_fields::FormFields;
pub(crate) use form_fields::form_fields;
pub(crate) use form_fields::{Errors, worded};
pub(crate) use pickers::{Opt, Picker, area_choices, opts, pickers, region_name, sector_opts};
