//! An uploaded file as rows of text under a header row.

use sentra_domain::import::{find_header, normalize_header};
use sentra_i18n::Lang;
use sentra_sheets::{Limit, SheetError};

/// The file read: where the header is, and the data rows below it with their row numbers as the
/// spreadsheet shows them.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The worksheet read (empty for CSV).
    pub sheet: String,
    /// What was recognised: `CSV (UTF-8, ';')`, `XLSX`, …
    pub detected: String,
    pub header_line: usize,
    pub headers: Vec<String>,
    pub data: Vec<DataRow>,
}

/// One data row kept small: its cells in one string, separated by U+001F (the ASCII unit
/// separator). A million rows of fourteen cells then cost one allocation each, not fifteen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataRow {
    /// The row number as the spreadsheet shows it.
    pub line: usize,
    text: Box<str>,
}

const UNIT: char = '\u{1F}';

impl DataRow {
    pub fn new(line: usize, cells: &[String]) -> Self {
        let mut text = String::with_capacity(cells.iter().map(|c| c.len() + 1).sum());
        for (i, c) in cells.iter().enumerate() {
            if i > 0 {
                text.push(UNIT);
            }
            // A separator inside a cell (never typed, but possible) becomes a space.
            if c.contains(UNIT) {
                text.push_str(&c.replace(UNIT, " "));
            } else {
                text.push_str(c);
            }
        }
        DataRow {
            line,
            text: text.into_boxed_str(),
        }
    }

    pub fn cells(&self) -> Vec<String> {
        self.text.split(UNIT).map(str::to_string).collect()
    }

    /// One cell, or `""` beyond the row's end.
    pub fn cell(&self, column: usize) -> &str {
        self.text.split(UNIT).nth(column).unwrap_or("")
    }
}

/// Rows as the importer's planner takes them, a chunk at a time.
pub fn expand(rows: &[DataRow]) -> Vec<(usize, Vec<String>)> {
    rows.iter().map(|r| (r.line, r.cells())).collect()
}

#[derive(Debug, thiserror::Error)]
pub enum PrepareError {
    #[error("{0}")]
    Unreadable(String),
    /// No row in the first fifteen looks like a header (`Nama Usaha`, `Kelurahan`, …).
    #[error("no header row found")]
    NoHeader,
    /// The file would take more than a limit to read (issue 27): refused before it is expanded.
    #[error("larger than Sentra reads: {0}")]
    TooLarge(Limit),
}

impl From<SheetError> for PrepareError {
    fn from(e: SheetError) -> Self {
        match e {
            SheetError::TooLarge { what, .. } => PrepareError::TooLarge(what),
            other => PrepareError::Unreadable(other.to_string()),
        }
    }
}

impl PrepareError {
    /// The message code the user is shown (for a limit, its message wants the limit filled in:
    /// [`PrepareError::message`], [`failure_message`]).
    pub fn code(&self) -> &'static str {
        match self {
            PrepareError::Unreadable(_) => "import_file_unreadable",
            PrepareError::NoHeader => "import_no_header",
            PrepareError::TooLarge(limit) => limit_code(*limit),
        }
    }

    /// The sentence the user is shown, with the limit named when one was passed.
    pub fn message(&self, lang: Lang) -> String {
        failure_message(lang, self.code())
    }
}

/// The message code of each limit: `import_limit_<name>`.
fn limit_code(limit: Limit) -> &'static str {
    match limit {
        Limit::HeldPart => "import_limit_held_part",
        Limit::SheetPart => "import_limit_sheet_part",
        Limit::TotalInflated => "import_limit_total_inflated",
        Limit::Entries => "import_limit_entries",
        Limit::XmlRun => "import_limit_xml_run",
        Limit::SharedStrings => "import_limit_shared_strings",
        Limit::DenseCells => "import_limit_dense_cells",
        Limit::Cells => "import_limit_cells",
        Limit::Rows => "import_limit_rows",
        Limit::Columns => "import_limit_columns",
        Limit::Text => "import_limit_text",
    }
}

/// The sentence for a message code stored or returned for a file (`import_*`), the limit
/// filled in for the codes of [`Limit`]s.
pub fn failure_message(lang: Lang, code: &str) -> String {
    let limit = code
        .strip_prefix("import_limit_")
        .and_then(Limit::from_name);
    match limit {
        Some(limit) => lang.tf(
            &format!("error.{code}"),
            &[("limit", &limit_value(lang, limit))],
        ),
        None => lang.error(code).into_owned(),
    }
}

/// A limit as the messages show it: megabytes for sizes, a count otherwise, grouped the way
/// the language groups thousands (`20.000.000`, `20,000,000`).
fn limit_value(lang: Lang, limit: Limit) -> String {
    let n = if limit.is_bytes() {
        limit.value() / (1024 * 1024)
    } else {
        limit.value()
    };
    let digits = n.to_string();
    let separator = match lang {
        Lang::Id => '.',
        Lang::En => ',',
    };
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(separator);
        }
        out.push(c);
    }
    out
}

/// Reads `bytes` (named `name`, whose extension picks the format) and finds the header row.
pub fn prepare(name: &str, bytes: Vec<u8>) -> Result<Prepared, PrepareError> {
    // The first rows whole, to find the header; every row small.
    let mut first: Vec<Vec<String>> = Vec::new();
    let mut rows: Vec<DataRow> = Vec::new();
    let shape = sentra_sheets::read_rows(name, bytes, |r| {
        if first.len() < 16 {
            first.push(r.cells.clone());
        }
        rows.push(DataRow::new(r.line, &r.cells));
    })?;
    let (start, headers, height) = find_header(&first).ok_or(PrepareError::NoHeader)?;
    let header_line = rows[start].line;
    let data = rows.split_off(start + height);
    Ok(Prepared {
        sheet: shape.sheet,
        detected: shape.detected,
        header_line,
        headers,
        data,
    })
}

/// The key a saved mapping is found by: the header row normalised, so that `NAMA USAHA ` and
/// `Nama Usaha` are the same file layout.
pub fn headers_key(headers: &[String]) -> String {
    headers
        .iter()
        .map(|h| normalize_header(h))
        .collect::<Vec<_>>()
        .join("|")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_header_and_keeps_row_numbers() {
        let csv = "Data UMKM Kecamatan Ciputat\n\nNama Usaha;Nama Pemilik;NIK\nKeripik;Ani;3674034506900012\n";
        let p = prepare("a.csv", csv.as_bytes().to_vec()).unwrap();
        assert_eq!(p.header_line, 3);
        assert_eq!(p.headers, vec!["Nama Usaha", "Nama Pemilik", "NIK"]);
        assert_eq!(p.data.len(), 1);
        assert_eq!(p.data[0].line, 4);
        assert_eq!(
            p.data[0].cells(),
            vec!["Keripik", "Ani", "3674034506900012"]
        );
        assert_eq!(p.data[0].cell(1), "Ani");
        assert_eq!(p.data[0].cell(9), "");
    }

    #[test]
    fn compact_rows_keep_empty_cells_and_odd_characters() {
        let cells = vec![
            "".to_string(),
            "a\u{1F}b".into(),
            "\u{1}123".into(),
            "".into(),
        ];
        let row = DataRow::new(7, &cells);
        assert_eq!(row.cells(), vec!["", "a b", "\u{1}123", ""]);
        assert_eq!(row.line, 7);
    }

    #[test]
    fn no_header_is_an_error_with_a_code() {
        let e = prepare("a.csv", b"1;2;3\n4;5;6\n".to_vec()).unwrap_err();
        assert_eq!(e.code(), "import_no_header");
    }

    #[test]
    fn a_file_past_a_limit_is_refused_with_the_limit_named() {
        let mut csv = b"Nama Usaha".to_vec();
        csv.extend(std::iter::repeat_n(b',', 1000));
        csv.extend(b"x\n");
        let e = prepare("a.csv", csv).unwrap_err();
        assert!(matches!(e, PrepareError::TooLarge(Limit::Columns)));
        assert_eq!(e.code(), "import_limit_columns");
        assert!(
            e.message(Lang::Id).contains("1.000"),
            "{}",
            e.message(Lang::Id)
        );
        assert!(
            e.message(Lang::En).contains("1,000"),
            "{}",
            e.message(Lang::En)
        );
        let stored = failure_message(Lang::Id, "import_limit_cells");
        assert!(stored.contains("20.000.000"), "{stored}");
        let held = failure_message(Lang::En, "import_limit_held_part");
        assert!(held.contains("64 MB"), "{held}");
        assert_eq!(
            failure_message(Lang::Id, "import_no_header"),
            Lang::Id.error("import_no_header")
        );
    }

    #[test]
    fn header_key_ignores_case_and_spacing() {
        let a = headers_key(&["NAMA  USAHA ".into(), "No. HP/WA".into()]);
        let b = headers_key(&["nama usaha".into(), "no hp wa".into()]);
        assert_eq!(a, b);
    }
}
