//! An uploaded file as rows of text under a header row.

use sentra_domain::import::{find_header, normalize_header};

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
}

impl PrepareError {
    /// The message code the user is shown.
    pub fn code(&self) -> &'static str {
        match self {
            PrepareError::Unreadable(_) => "import_file_unreadable",
            PrepareError::NoHeader => "import_no_header",
        }
    }
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
    })
    .map_err(|e| PrepareError::Unreadable(e.to_string()))?;
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
    fn header_key_ignores_case_and_spacing() {
        let a = headers_key(&["NAMA  USAHA ".into(), "No. HP/WA".into()]);
        let b = headers_key(&["nama usaha".into(), "no hp wa".into()]);
        assert_eq!(a, b);
    }
}
