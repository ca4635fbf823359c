use std::io::Cursor;

use calamine::{Data, Reader, open_workbook_auto_from_rs};
use sentra_domain::import::NUMERIC_CELL_MARK;

use crate::SheetError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    /// xlsx, xls, ods, xlsb: told apart by their content.
    Workbook,
}

impl Format {
    /// From the file name; content that is not a workbook is read as text.
    pub fn from_name(name: &str) -> Self {
        let lower = name.to_lowercase();
        if [".xlsx", ".xlsm", ".xls", ".ods", ".xlsb"]
            .iter()
            .any(|e| lower.ends_with(e))
        {
            Format::Workbook
        } else {
            Format::Csv
        }
    }
}

/// One row: its number as the spreadsheet shows it (1 = the first row) and its cells as text.
/// Numeric cells carry [`NUMERIC_CELL_MARK`] in front so that a NIK that Excel rounded can be told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub line: usize,
    pub cells: Vec<String>,
}

/// The rows of the first sheet that has any, blank rows dropped.
#[derive(Debug)]
pub struct Table {
    pub sheet: String,
    pub rows: Vec<Row>,
    /// What the text file turned out to be (`UTF-8`, `windows-1252`; delimiter), for the report.
    pub detected: String,
}

pub fn read_table(name: &str, bytes: Vec<u8>) -> Result<Table, SheetError> {
    let mut rows = Vec::new();
    let shape = read_rows(name, bytes, |r| rows.push(r))?;
    Ok(Table {
        sheet: shape.sheet,
        rows,
        detected: shape.detected,
    })
}

/// What [`read_rows`] read: the worksheet (empty for CSV), the format recognised, the rows.
#[derive(Debug, Clone)]
pub struct Shape {
    pub sheet: String,
    pub detected: String,
    pub rows: usize,
}

/// Reads the file like [`read_table`] but hands each non-empty row to `sink` as it is read,
/// so that a caller can keep rows in a smaller form than a `Vec` of cells.
pub fn read_rows(name: &str, bytes: Vec<u8>, sink: impl FnMut(Row)) -> Result<Shape, SheetError> {
    let shape = match Format::from_name(name) {
        Format::Workbook => read_workbook(bytes, sink)?,
        Format::Csv => read_csv(&bytes, sink)?,
    };
    if shape.rows == 0 {
        return Err(SheetError::Empty);
    }
    Ok(shape)
}

fn read_workbook(bytes: Vec<u8>, mut sink: impl FnMut(Row)) -> Result<Shape, SheetError> {
    let mut book = open_workbook_auto_from_rs(Cursor::new(bytes))
        .map_err(|e| SheetError::Unreadable(e.to_string()))?;
    for sheet in book.sheet_names() {
        // XLSX cells are streamed from the sheet's XML, a row at a time: a million-row sheet
        // read as one range would take more than a gigabyte.
        if let calamine::Sheets::Xlsx(xlsx) = &mut book {
            let rows = stream_xlsx(xlsx, &sheet, &mut sink)?;
            if rows > 0 {
                return Ok(Shape {
                    sheet,
                    detected: "workbook".into(),
                    rows,
                });
            }
            continue;
        }
        let range = book
            .worksheet_range(&sheet)
            .map_err(|e| SheetError::Unreadable(e.to_string()))?;
        let (top, _) = range.start().unwrap_or((0, 0));
        let mut rows = 0;
        for (i, cells) in range.rows().enumerate() {
            let row = Row {
                line: top as usize + i + 1,
                cells: cells.iter().map(cell_text).collect(),
            };
            if row.cells.iter().any(|c| !c.trim().is_empty()) {
                rows += 1;
                sink(row);
            }
        }
        // The first sheet with anything in it is the list.
        if rows > 0 {
            return Ok(Shape {
                sheet,
                detected: "workbook".into(),
                rows,
            });
        }
    }
    Err(SheetError::Empty)
}

/// Hands the non-empty rows of one XLSX worksheet to `sink` as they are read; the number of
/// rows handed on.
fn stream_xlsx<RS: std::io::Read + std::io::Seek>(
    xlsx: &mut calamine::Xlsx<RS>,
    sheet: &str,
    sink: &mut impl FnMut(Row),
) -> Result<usize, SheetError> {
    let unreadable = |e: calamine::XlsxError| SheetError::Unreadable(e.to_string());
    let mut cells = xlsx.worksheet_cells_reader(sheet).map_err(unreadable)?;
    let mut rows = 0;
    let mut current: Option<(u32, Vec<String>)> = None;
    let mut flush = |row: Option<(u32, Vec<String>)>, rows: &mut usize| {
        if let Some((index, cells)) = row
            && cells.iter().any(|c| !c.trim().is_empty())
        {
            *rows += 1;
            sink(Row {
                line: index as usize + 1,
                cells,
            });
        }
    };
    while let Some(cell) = cells.next_cell().map_err(unreadable)? {
        let (r, c) = cell.get_position();
        if current.as_ref().is_some_and(|(at, _)| *at != r) {
            flush(current.take(), &mut rows);
        }
        let (_, row) = current.get_or_insert_with(|| (r, Vec::new()));
        let c = c as usize;
        // Columns are kept where the sheet has them; a row with a gap gets empty cells.
        if row.len() <= c {
            row.resize(c + 1, String::new());
        }
        row[c] = cell_text(&Data::from(cell.get_value().clone()));
    }
    flush(current.take(), &mut rows);
    Ok(rows)
}

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty | Data::Error(_) => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => format!("{NUMERIC_CELL_MARK}{i}"),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => {
            format!("{NUMERIC_CELL_MARK}{}", *f as i64)
        }
        Data::Float(f) => format!("{NUMERIC_CELL_MARK}{f}"),
        Data::Bool(b) => if *b { "ya" } else { "tidak" }.into(),
        Data::DateTime(d) => d
            .as_datetime()
            .map(|dt| dt.date().format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
    }
}

/// Text files: UTF-8 (with or without BOM) or, when that fails, Windows-1252 (what Excel on
/// Windows saves as "CSV"); the delimiter is the one that splits the first lines most evenly.
fn read_csv(bytes: &[u8], mut sink: impl FnMut(Row)) -> Result<Shape, SheetError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let (text, encoding) = match std::str::from_utf8(bytes) {
        Ok(s) => (std::borrow::Cow::Borrowed(s), "UTF-8"),
        Err(_) => {
            let (s, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
            (s, "windows-1252")
        }
    };
    if text.contains('\0') {
        return Err(SheetError::Unreadable("binary content".into()));
    }
    let delimiter = sniff_delimiter(&text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut rows = 0;
    let mut record = csv::StringRecord::new();
    // The csv crate's own line numbers go wrong after blank lines: count them here, from the
    // byte where each record ends.
    let raw = text.as_bytes();
    let (mut counted_to, mut newlines) = (0usize, 0usize);
    loop {
        let start = counted_to;
        let more = reader
            .read_record(&mut record)
            .map_err(|e| SheetError::Unreadable(e.to_string()))?;
        if !more {
            break;
        }
        let end = (reader.position().byte() as usize).min(raw.len());
        let mut first = start;
        while first < end && matches!(raw[first], b'\r' | b'\n') {
            if raw[first] == b'\n' {
                newlines += 1;
            }
            first += 1;
        }
        let line = newlines + 1;
        newlines += raw[first..end].iter().filter(|&&b| b == b'\n').count();
        counted_to = end;
        let cells: Vec<String> = record.iter().map(str::to_string).collect();
        if cells.iter().any(|c| !c.trim().is_empty()) {
            rows += 1;
            sink(Row { line, cells });
        }
    }
    let shown = match delimiter {
        b'\t' => "tab".to_string(),
        d => format!("'{}'", d as char),
    };
    Ok(Shape {
        sheet: String::new(),
        detected: format!("{encoding}, {shown}"),
        rows,
    })
}

fn sniff_delimiter(text: &str) -> u8 {
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(20)
        .collect();
    let mut best = (b',', 0usize);
    for d in [b',', b';', b'\t', b'|'] {
        let counts: Vec<usize> = lines
            .iter()
            .map(|l| count_outside_quotes(l, d as char))
            .collect();
        let max = counts.iter().copied().max().unwrap_or(0);
        // The header row and most data rows should have the same number of separators.
        let agreeing = counts.iter().filter(|&&c| c == max && c > 0).count();
        let score = agreeing * 1000 + max;
        if score > best.1 {
            best = (d, score);
        }
    }
    best.0
}

fn count_outside_quotes(line: &str, d: char) -> usize {
    let mut quoted = false;
    line.chars()
        .filter(|&c| {
            if c == '"' {
                quoted = !quoted;
            }
            c == d && !quoted
        })
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(t: &Table) -> Vec<Vec<String>> {
        t.rows.iter().map(|r| r.cells.clone()).collect()
    }

    #[test]
    fn semicolon_csv_in_windows_1252_with_blank_lines() {
        // "Kopi Bu Endah ☕" cannot be 1252; "José" can: é is 0xE9.
        let bytes = b"Nama Usaha;Nama Pemilik;Omzet\r\n\r\nWarung Jos\xe9;Jos\xe9;\"Rp 1.500.000\"\r\nKue;Ani;1,5 jt\r\n".to_vec();
        let t = read_table("data.csv", bytes).unwrap();
        assert_eq!(t.detected, "windows-1252, ';'");
        assert_eq!(t.rows[1].cells, vec!["Warung José", "José", "Rp 1.500.000"]);
        assert_eq!(t.rows[1].line, 3, "blank line 2 is skipped but counted");
        assert_eq!(t.rows[2].cells[2], "1,5 jt");
        assert_eq!(t.rows[2].line, 4);
    }

    #[test]
    fn utf8_with_bom_and_commas_inside_quotes() {
        let bytes = "\u{feff}Nama Usaha,Alamat\n\"Toko A\",\"Jl. Mawar 1, RT 2\"\n"
            .as_bytes()
            .to_vec();
        let t = read_table("x.csv", bytes).unwrap();
        assert_eq!(t.detected, "UTF-8, ','");
        assert_eq!(texts(&t)[1], vec!["Toko A", "Jl. Mawar 1, RT 2"]);
    }

    #[test]
    fn an_xlsx_sheet_is_streamed_with_its_row_numbers_and_columns() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        // A title, then the list from row 3, column B, with a blank row inside.
        let ok = sheet
            .write_string(0, 0, "Daftar UMKM")
            .and_then(|s| s.write_string(2, 1, "Nama Usaha"))
            .and_then(|s| s.write_string(2, 3, "Omzet"))
            .and_then(|s| s.write_string(3, 1, "Keripik"))
            .and_then(|s| s.write_number(3, 3, 1_500_000.0))
            .and_then(|s| s.write_string(5, 1, "Kopi"))
            .is_ok();
        assert!(ok);
        let Ok(bytes) = book.save_to_buffer() else {
            panic!("xlsx");
        };
        let mut rows = Vec::new();
        let shape = read_rows("x.xlsx", bytes, |r| rows.push((r.line, r.cells)));
        assert_eq!(shape.map(|s| s.rows).ok(), Some(4));
        let lines: Vec<usize> = rows.iter().map(|r| r.0).collect();
        assert_eq!(lines, [1, 3, 4, 6]);
        assert_eq!(rows[1].1, ["", "Nama Usaha", "", "Omzet"]);
        assert_eq!(rows[2].1[3], format!("{NUMERIC_CELL_MARK}1500000"));
        assert_eq!(rows[3].1, ["", "Kopi"]);
    }

    #[test]
    fn tab_separated() {
        let t = read_table("x.txt", b"a\tb\tc\n1\t2\t3\n".to_vec()).unwrap();
        assert_eq!(texts(&t)[1], vec!["1", "2", "3"]);
    }

    #[test]
    fn an_empty_file_is_an_error() {
        assert!(matches!(
            read_table("x.csv", Vec::new()),
            Err(SheetError::Empty)
        ));
        assert!(matches!(
            read_table("x.xlsx", b"not a zip".to_vec()),
            Err(SheetError::Unreadable(_))
        ));
    }
}
