use std::borrow::Cow;
use std::collections::HashMap;

use rust_xlsxwriter::{Format as CellFormat, FormatAlign, Workbook};

use crate::SheetError;
use crate::cell::{Cell, Column, Kind, Stored};

/// An xlsx file built row by row in constant memory (rows go to a temporary file as they come):
/// a bold header, then typed cells ([`Cell`]): numbers as numbers, dates as dates, text as
/// text (so that NIKs and phone numbers are never turned into numbers). Each column carries
/// its kind's format, also for what is typed into it later.
pub struct XlsxWriter {
    book: Workbook,
    kinds: Vec<Kind>,
    /// Formats of cells whose kind is not their column's (a `–` in a number column).
    formats: HashMap<Kind, CellFormat>,
    big: CellFormat,
    next_row: u32,
}

fn err(e: rust_xlsxwriter::XlsxError) -> SheetError {
    SheetError::Write(e.to_string())
}

impl XlsxWriter {
    pub fn new(sheet_name: &str, columns: &[Column]) -> Result<Self, SheetError> {
        let mut book = Workbook::new();
        let sheet = book.add_worksheet_with_constant_memory().map_err(err)?;
        sheet.set_name(sheet_name).map_err(err)?;
        let bold = CellFormat::new().set_bold();
        let mut formats = HashMap::new();
        // Constant-memory sheets take column settings before the rows.
        for (i, c) in columns.iter().enumerate() {
            let width = c.header.chars().count().clamp(12, 40) as f64 + 2.0;
            sheet.set_column_width(i as u16, width).map_err(err)?;
            let format = formats
                .entry(c.kind)
                .or_insert_with(|| CellFormat::new().set_num_format(c.kind.number_format()));
            sheet.set_column_format(i as u16, format).map_err(err)?;
            sheet
                .write_string_with_format(0, i as u16, &c.header, &bold)
                .map_err(err)?;
        }
        sheet.set_freeze_panes(1, 0).map_err(err)?;
        Ok(Self {
            book,
            kinds: columns.iter().map(|c| c.kind).collect(),
            formats,
            big: CellFormat::new()
                .set_num_format("@")
                .set_align(FormatAlign::Right),
            next_row: 1,
        })
    }

    pub fn push(&mut self, cells: &[Cell]) -> Result<(), SheetError> {
        let sheet = self.book.worksheet_from_index(0).map_err(err)?;
        let row = self.next_row;
        for (i, c) in cells.iter().enumerate() {
            let col = i as u16;
            let column = self.kinds.get(i).copied().unwrap_or(Kind::Text);
            match c.stored() {
                Stored::Nothing => {}
                // A cell of its column's kind takes the column's format (no lookup per cell).
                Stored::Number(n, kind) if kind == column => {
                    sheet.write_number(row, col, n).map_err(err)?;
                }
                Stored::Number(n, kind) => {
                    let f = self
                        .formats
                        .entry(kind)
                        .or_insert_with(|| CellFormat::new().set_num_format(kind.number_format()));
                    sheet
                        .write_number_with_format(row, col, n, f)
                        .map_err(err)?;
                }
                Stored::Text(t, false) => {
                    sheet.write_string(row, col, t).map_err(err)?;
                }
                Stored::Text(t, true) => {
                    sheet
                        .write_string_with_format(row, col, t, &self.big)
                        .map_err(err)?;
                }
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
    pub fn new(mut out: W, columns: &[Column]) -> Result<Self, SheetError> {
        out.write_all(b"\xEF\xBB\xBF")?;
        let mut inner = csv::Writer::from_writer(out);
        inner
            .write_record(columns.iter().map(|c| csv_safe(&c.header).into_owned()))
            .map_err(csv_err)?;
        Ok(Self { inner })
    }

    /// One row, each cell as [`Cell::csv_text`] writes it; cells Excel would take for a
    /// formula are neutralised ([`csv_safe`]).
    pub fn push(&mut self, cells: &[Cell]) -> Result<(), SheetError> {
        let texts: Vec<String> = cells.iter().map(Cell::csv_text).collect();
        let safe: Vec<Cow<'_, str>> = texts.iter().map(|c| csv_safe(c)).collect();
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
    columns: &[Column],
    rows: &[Vec<Cell>],
) -> Result<Vec<u8>, SheetError> {
    let mut w = XlsxWriter::new(sheet_name, columns)?;
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
        let Ok(mut w) = CsvWriter::new(Vec::new(), &Column::texts(&headers)) else {
            panic!("writer");
        };
        assert!(
            w.push(&[
                Cell::Text("=HYPERLINK(\"http://x\",\"klik\")".into()),
                Cell::Rupiah(-1250000)
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
        let row = vec!["Keripik".to_string(), "3674035506900002".to_string()];
        let cells = row.iter().map(|c| Cell::Text(c.clone())).collect();
        let bytes = write_xlsx("Ditolak", &Column::texts(&headers), &[cells]).unwrap();
        let t = read_table("rejected.xlsx", bytes).unwrap();
        assert_eq!(t.sheet, "Ditolak");
        assert_eq!(t.rows[0].cells, headers);
        assert_eq!(t.rows[1].cells, row, "the NIK stays 16 digits of text");
        assert_eq!(t.rows[1].line, 2);
    }

    /// The cell types as a reading library sees them: numbers are numbers (in their
    /// Indonesian formats), dates are dates, text is text.
    #[test]
    fn typed_cells_are_stored_as_numbers_dates_and_text() {
        use calamine::{Data, Reader, Xlsx};
        use sentra_domain::programme::activity::Zone;
        let columns = vec![
            Column::new("Nama", Kind::Text),
            Column::new("Modal", Kind::Rupiah),
            Column::new("Tenaga Kerja", Kind::Count),
            Column::new("Tahun", Kind::Integer),
            Column::new("Tanggal", Kind::Date),
            Column::new("Diperbarui", Kind::DateTime),
        ];
        let day = chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        let rows = vec![
            vec![
                Cell::Text("0812".into()),
                Cell::Rupiah(1_500_000),
                Cell::Count(3),
                Cell::Integer(2019),
                Cell::Date(day),
                Cell::local_time("2026-03-02T07:05:00.000Z", Zone::Wita),
            ],
            vec![
                Cell::Text("Kosong".into()),
                Cell::Percent(None),
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
            ],
        ];
        let bytes = write_xlsx("UMKM", &columns, &rows).unwrap();
        let mut book: Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let range = book.worksheet_range("UMKM").unwrap();
        assert_eq!(range.get((1, 0)), Some(&Data::String("0812".into())));
        assert_eq!(range.get((1, 1)), Some(&Data::Float(1_500_000.0)));
        assert_eq!(range.get((1, 2)), Some(&Data::Float(3.0)));
        assert_eq!(range.get((1, 3)), Some(&Data::Float(2019.0)));
        let Some(Data::DateTime(d)) = range.get((1, 4)) else {
            panic!("a date cell: {:?}", range.get((1, 4)));
        };
        assert_eq!(d.as_datetime().map(|t| t.date()), Some(day));
        let Some(Data::DateTime(t)) = range.get((1, 5)) else {
            panic!("a date-time cell: {:?}", range.get((1, 5)));
        };
        assert_eq!(
            t.as_datetime()
                .map(|t| t.format("%d/%m/%Y %H:%M").to_string()),
            Some("02/03/2026 15:05".into()),
            "in WITA"
        );
        assert_eq!(range.get((2, 1)), Some(&Data::String("–".into())));
    }
}
