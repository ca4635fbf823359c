use std::borrow::Cow;

use rust_xlsxwriter::{Format as CellFormat, Workbook};

use crate::SheetError;

/// An xlsx file built row by row in constant memory (rows go to a temporary file as they come):
/// a bold header, text cells (so that NIKs and phone numbers are never turned into numbers).
pub struct XlsxWriter {
    book: Workbook,
    next_row: u32,
}

fn err(e: rust_xlsxwriter::XlsxError) -> SheetError {
    SheetError::Write(e.to_string())
}

impl XlsxWriter {
    pub fn new(sheet_name: &str, headers: &[String]) -> Result<Self, SheetError> {
        let mut book = Workbook::new();
        let sheet = book.add_worksheet_with_constant_memory().map_err(err)?;
        sheet.set_name(sheet_name).map_err(err)?;
        let bold = CellFormat::new().set_bold();
        let text = CellFormat::new().set_num_format("@");
        // Constant-memory sheets take column settings before the rows.
        for (i, h) in headers.iter().enumerate() {
            let width = h.chars().count().clamp(12, 40) as f64 + 2.0;
            sheet.set_column_width(i as u16, width).map_err(err)?;
            sheet.set_column_format(i as u16, &text).map_err(err)?;
            sheet
                .write_string_with_format(0, i as u16, h, &bold)
                .map_err(err)?;
        }
        sheet.set_freeze_panes(1, 0).map_err(err)?;
        Ok(Self { book, next_row: 1 })
    }

    pub fn push(&mut self, cells: &[String]) -> Result<(), SheetError> {
        let sheet = self.book.worksheet_from_index(0).map_err(err)?;
        for (i, c) in cells.iter().enumerate() {
            if !c.is_empty() {
                sheet
                    .write_string(self.next_row, i as u16, c)
                    .map_err(err)?;
            }
        }
        self.next_row += 1;
        Ok(())
    }

    pub fn finish(mut self) -> Result<Vec<u8>, SheetError> {
        self.book.save_to_buffer().map_err(err)
    }

    /// Writes the file to `path` without holding it in memory.
    pub fn finish_to(mut self, path: &std::path::Path) -> Result<(), SheetError> {
        self.book.save(path).map_err(err)
    }
}

/// A CSV file for Excel: UTF-8 with the byte-order mark (without it Excel reads Windows-1252),
/// comma-separated, quoted where needed.
pub struct CsvWriter<W: std::io::Write> {
    inner: csv::Writer<W>,
}

impl<W: std::io::Write> CsvWriter<W> {
    pub fn new(mut out: W, headers: &[String]) -> Result<Self, SheetError> {
        out.write_all(b"\xEF\xBB\xBF")?;
        let mut inner = csv::Writer::from_writer(out);
        inner.write_record(headers).map_err(csv_err)?;
        Ok(Self { inner })
    }

    /// One row; cells Excel would take for a formula are neutralised ([`csv_safe`]).
    pub fn push(&mut self, cells: &[String]) -> Result<(), SheetError> {
        let safe: Vec<Cow<'_, str>> = cells.iter().map(|c| csv_safe(c)).collect();
        self.inner
            .write_record(safe.iter().map(|c| c.as_bytes()))
            .map_err(csv_err)
    }

    pub fn finish(mut self) -> Result<W, SheetError> {
        self.inner.flush()?;
        self.inner
            .into_inner()
            .map_err(|e| SheetError::Write(e.to_string()))
    }
}

/// A cell as it may go into a CSV file that someone opens in a spreadsheet (OWASP, "CSV
/// Injection"): text starting with `=`, `+`, `-`, `@`, a tab or a carriage return is taken by
/// Excel for a formula (`=HYPERLINK(…)` sends the reader's data elsewhere), so it gets a `'` in
/// front, which Excel shows as text. A plain number (`-1250000`, `-3.5`, `+62`) stays as it is
/// so that it remains a number.
pub fn csv_safe(cell: &str) -> Cow<'_, str> {
    match cell.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') if !is_plain_number(cell) => {
            Cow::Owned(format!("'{cell}"))
        }
        _ => Cow::Borrowed(cell),
    }
}

/// A sign, then digits, maybe grouped or with decimals by `.` or `,` between digits.
fn is_plain_number(s: &str) -> bool {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    !digits.is_empty()
        && digits
            .split(['.', ','])
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
}

fn csv_err(e: csv::Error) -> SheetError {
    SheetError::Write(e.to_string())
}

/// A whole sheet in one call.
pub fn write_xlsx(
    sheet_name: &str,
    headers: &[String],
    rows: &[Vec<String>],
) -> Result<Vec<u8>, SheetError> {
    let mut w = XlsxWriter::new(sheet_name, headers)?;
    for r in rows {
        w.push(r)?;
    }
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read_table;

    #[test]
    fn csv_cells_that_excel_would_run_get_a_quote() {
        for (cell, written) in [
            (
                "=HYPERLINK(\"http://x\",\"klik\")",
                "'=HYPERLINK(\"http://x\",\"klik\")",
            ),
            ("+SUM(1+1)", "'+SUM(1+1)"),
            ("@SUM(1+1)", "'@SUM(1+1)"),
            ("-2+3", "'-2+3"),
            ("-", "'-"),
            ("\tx", "'\tx"),
            ("\r=1", "'\r=1"),
            ("-1250000", "-1250000"),
            ("-3.5", "-3.5"),
            ("+6281234567890", "+6281234567890"),
            ("Keripik = enak", "Keripik = enak"),
            ("", ""),
        ] {
            assert_eq!(csv_safe(cell), written, "{cell:?}");
        }
    }

    #[test]
    fn the_csv_writer_writes_safe_cells() {
        let headers = vec!["Nama".to_string(), "Omzet".to_string()];
        let Ok(mut w) = CsvWriter::new(Vec::new(), &headers) else {
            panic!("writer");
        };
        assert!(
            w.push(&[
                "=HYPERLINK(\"http://x\",\"klik\")".into(),
                "-1250000".into()
            ])
            .is_ok()
        );
        let bytes = w.finish().unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            text.ends_with("\"'=HYPERLINK(\"\"http://x\"\",\"\"klik\"\")\",-1250000\n"),
            "{text}"
        );
    }

    #[test]
    fn written_xlsx_reads_back_with_text_kept_as_text() {
        let headers = vec!["Nama Usaha".to_string(), "NIK".to_string()];
        let rows = vec![vec!["Keripik".to_string(), "3674035506900002".to_string()]];
        let bytes = write_xlsx("Ditolak", &headers, &rows).unwrap();
        let t = read_table("rejected.xlsx", bytes).unwrap();
        assert_eq!(t.sheet, "Ditolak");
        assert_eq!(t.rows[0].cells, headers);
        assert_eq!(t.rows[1].cells, rows[0], "the NIK stays 16 digits of text");
        assert_eq!(t.rows[1].line, 2);
    }
}
