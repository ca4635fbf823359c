//! Small conversions every table's row mapping shares.

use chrono::NaiveDate;

use crate::{Result, StorageError};

/// A day as both engines store it (`2025-09-24` text); anything else is a corrupt row, named
/// by `what` (`gallery date`, `purchase due_on`).
pub(crate) fn stored_day(s: &str, what: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| StorageError::Corrupt(format!("{what} {s:?}")))
}

/// [`stored_day`] of a column that may be empty.
pub(crate) fn stored_day_opt(s: Option<String>, what: &str) -> Result<Option<NaiveDate>> {
    s.map(|d| stored_day(&d, what)).transpose()
}
