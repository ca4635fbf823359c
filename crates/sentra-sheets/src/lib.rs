//! Spreadsheet files as offices have them: xlsx, xls, ods and csv (any delimiter, UTF-8 or
//! Windows-1252) read into rows of text cells with the row number the spreadsheet shows; xlsx
//! and csv written back (rejected rows, templates, exports). Reading is bounded (issue 27): a
//! file that would take more than the [`Limit`]s is refused before it is expanded.

mod cell;
#[cfg(any(test, feature = "fixtures"))]
pub mod fixtures;
mod guard;
mod limits;
mod read;
mod report;
mod write;

pub use cell::{
    COUNT_FORMAT, Cell, Column, DATE_FORMAT, DATETIME_FORMAT, Kind, PERCENT_FORMAT, RUPIAH_FORMAT,
    at_zone,
};
pub use limits::Limit;
pub use read::{Format, Row, Shape, Table, read_rows, read_table};
pub use report::{ReportSheet, write_report};
pub use write::{CsvWriter, XlsxWriter, csv_safe, write_xlsx};

#[derive(Debug, thiserror::Error)]
pub enum SheetError {
    #[error("the file is not a spreadsheet Sentra can read (xlsx, xls, ods, csv): {0}")]
    Unreadable(String),
    #[error("the file has no rows")]
    Empty,
    /// The file would take more than a limit to read; `limit` is [`Limit::value`].
    #[error("the file is larger than Sentra reads: {what} over {limit}")]
    TooLarge { what: Limit, limit: u64 },
    #[error("cannot write the spreadsheet: {0}")]
    Write(String),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}
