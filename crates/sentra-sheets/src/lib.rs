//! Spreadsheet files as offices have them: xlsx, xls, ods and csv (any delimiter, UTF-8 or
//! Windows-1252) read into rows of text cells with the row number the spreadsheet shows; xlsx
//! and csv written back (rejected rows, templates, exports).

mod read;
mod report;
mod write;

pub use read::{Format, Row, Shape, Table, read_rows, read_table};
pub use report::{Cell, ReportSheet, write_report};
pub use write::{CsvWriter, XlsxWriter, write_xlsx};

#[derive(Debug, thiserror::Error)]
pub enum SheetError {
    #[error("the file is not a spreadsheet Sentra can read (xlsx, xls, ods, csv): {0}")]
    Unreadable(String),
    #[error("the file has no rows")]
    Empty,
    #[error("cannot write the spreadsheet: {0}")]
    Write(String),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}
