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
    pub data: Vec<(usize, Vec<String>)>,
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
    let mut table = sentra_sheets::read_table(name, bytes)
        .map_err(|e| PrepareError::Unreadable(e.to_string()))?;
    let first: Vec<Vec<String>> = table
        .rows
        .iter()
        .take(16)
        .map(|r| r.cells.clone())
        .collect();
    let (start, headers, height) = find_header(&first).ok_or(PrepareError::NoHeader)?;
    let header_line = table.rows[start].line;
    let sheet = std::mem::take(&mut table.sheet);
    let detected = std::mem::take(&mut table.detected);
    // The rows move out of the table: a million rows are held once, not twice.
    let data = table
        .rows
        .into_iter()
        .skip(start + height)
        .map(|r| (r.line, r.cells))
        .collect();
    Ok(Prepared {
        sheet,
        detected,
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
        assert_eq!(p.data[0].0, 4);
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
