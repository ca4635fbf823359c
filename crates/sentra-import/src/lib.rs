//! Importing UMKM from spreadsheets, the same way from the command line and from the browser:
//! [`file`] reads an upload and finds its header row, [`report`] words the dry run's findings
//! and writes the rejected rows back as a workbook, and [`worker`] runs the browser's import
//! jobs (dry run, then commit) so that they survive a restart of the server.

pub mod file;
pub mod procurement;
pub mod report;
pub mod run;
pub mod worker;

pub use file::{DataRow, PrepareError, Prepared, expand, failure_message, headers_key, prepare};
pub use report::{column_letter, reason, rejected_xlsx, target_label};
