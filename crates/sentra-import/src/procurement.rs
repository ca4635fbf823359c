//! Procurement spreadsheets (issue 9) the same way from the command line and the browser: the
//! file read and its header found ([`read`]), every row read as typed, then checked or saved by
//! the database ([`run`]), and the findings worded with the row and the column as the
//! spreadsheet shows them ([`ProcurementReport`]).

use sentra_domain::procurement_sheet::{
    Layout, SheetKind, find_layout, read_budget, read_purchase,
};
use sentra_domain::region::RegionCode;
use sentra_domain::scope::Scope;
use sentra_i18n::Lang;
use sentra_storage::{
    Actor, Database, LineProblem, ProcurementLines, ProcurementOutcome, StorageError,
};

use crate::file::PrepareError;
use crate::report::column_letter;

/// A file read: its layout, the lines that read well and the problems of the others.
pub struct ReadFile {
    pub layout: Layout,
    pub lines: ProcurementLines,
    pub problems: Vec<LineProblem>,
    pub rows: usize,
}

/// The message code of a file that cannot be read or has no procurement header.
pub fn error_code(e: &PrepareError) -> &'static str {
    match e {
        PrepareError::NoHeader => "procurement_no_header",
        other => other.code(),
    }
}

/// The sentence for a file that cannot be read, has no procurement header or passes a limit
/// (named in it).
pub fn error_message(e: &PrepareError, lang: Lang) -> String {
    crate::file::failure_message(lang, error_code(e))
}

/// Reads the file (xlsx, xls, ods, csv) and each row under its header.
pub fn read(name: &str, bytes: Vec<u8>) -> Result<ReadFile, PrepareError> {
    let mut rows: Vec<(usize, Vec<String>)> = Vec::new();
    sentra_sheets::read_rows(name, bytes, |r| rows.push((r.line, r.cells)))?;
    let first: Vec<Vec<String>> = rows.iter().take(15).map(|(_, c)| c.clone()).collect();
    let layout = find_layout(&first).ok_or(PrepareError::NoHeader)?;
    let today = chrono::Utc::now().date_naive();
    let mut problems = Vec::new();
    let data = &rows[layout.header_row + 1..];
    let mut push = |line: usize, errors: Vec<(&'static str, &'static str)>| {
        problems.extend(
            errors
                .into_iter()
                .map(|(field, code)| LineProblem { line, field, code }),
        );
    };
    let lines = match layout.kind {
        SheetKind::Budgets => {
            let mut ok = Vec::new();
            for (line, cells) in data {
                match read_budget(&layout, cells) {
                    Ok(b) => ok.push((*line, b)),
                    Err(e) => push(*line, e),
                }
            }
            ProcurementLines::Budgets(ok)
        }
        SheetKind::Purchases => {
            let mut ok = Vec::new();
            for (line, cells) in data {
                match read_purchase(&layout, cells, today) {
                    Ok(p) => ok.push((*line, p)),
                    Err(e) => push(*line, e),
                }
            }
            ProcurementLines::Purchases(ok)
        }
    };
    Ok(ReadFile {
        layout,
        lines,
        problems,
        rows: data.len(),
    })
}

/// What a check or a save found, every problem with its row and column.
pub struct ProcurementReport {
    pub kind: SheetKind,
    pub rows: usize,
    pub outcome: ProcurementOutcome,
    /// (row, column letter and header, field, code), in row order.
    pub problems: Vec<(usize, String, String, &'static str)>,
    /// Rows with at least one problem.
    pub invalid: usize,
}

impl ProcurementReport {
    /// `baris 5, kolom C "Nilai Paket": Jumlah rupiah tidak dapat dibaca.`
    pub fn lines(&self, lang: Lang) -> Vec<String> {
        self.problems
            .iter()
            .map(|(line, column, _, code)| {
                format!(
                    "{} {line}, {column}: {}",
                    lang.t("import.row"),
                    lang.error(code)
                )
            })
            .collect()
    }
}

/// A check only, or a save (all valid rows, or nothing when any row is invalid).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Check,
    SaveValid,
    AllOrNothing,
}

/// Checks or saves a file read by [`read`]. Problems found while reading and those the
/// database finds are reported together; all or nothing keeps everything out at any of them.
pub async fn run(
    db: &Database,
    scope: &Scope,
    region: &RegionCode,
    file: &ReadFile,
    mode: Mode,
    lang: Lang,
    actor: &Actor,
) -> Result<ProcurementReport, StorageError> {
    let write = mode != Mode::Check;
    let all_or_nothing = mode == Mode::AllOrNothing;
    let refused_early = all_or_nothing && !file.problems.is_empty();
    let mut outcome = db
        .import_procurement(
            scope,
            region,
            &file.lines,
            write && !refused_early,
            all_or_nothing,
            actor,
        )
        .await?;
    let mut all: Vec<LineProblem> = file.problems.clone();
    all.append(&mut outcome.problems);
    all.sort_by_key(|p| p.line);
    let mut invalid_rows: Vec<usize> = all.iter().map(|p| p.line).collect();
    invalid_rows.dedup();
    let layout = &file.layout;
    let problems = all
        .iter()
        .map(|p| {
            let header = layout.header_of(p.field);
            let column = match layout
                .columns
                .iter()
                .position(|c| c.is_some_and(|c| c.field() == p.field))
            {
                Some(i) => format!(
                    "{} {} \"{header}\"",
                    lang.t("import.column"),
                    column_letter(i)
                ),
                None => format!("\"{header}\""),
            };
            (p.line, column, p.field.to_string(), p.code)
        })
        .collect();
    Ok(ProcurementReport {
        kind: layout.kind,
        rows: file.rows,
        outcome,
        problems,
        invalid: invalid_rows.len(),
    })
}
