use std::io::Cursor;

use calamine::{Data, DataRef, Reader, Sheets, open_workbook_auto_from_rs};
use sentra_domain::import::NUMERIC_CELL_MARK;

use crate::SheetError;
use crate::limits::{Budget, Limit};

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
    // What calamine would take is measured first: it reads parts and sheets whole (issue 27).
    crate::guard::check(&bytes)?;
    // A borrowed cursor: calamine clones the reader for every format it tries.
    let mut book = open_workbook_auto_from_rs(Cursor::new(bytes.as_slice()))
        .map_err(|e| SheetError::Unreadable(e.to_string()))?;
    let mut budget = Budget::default();
    for sheet in book.sheet_names() {
        // XLSX and XLSB cells are streamed from the sheet, a row at a time: a million-row sheet
        // read as one range would take more than a gigabyte.
        let streamed = match &mut book {
            Sheets::Xlsx(xlsx) => {
                let mut cells = xlsx
                    .worksheet_cells_reader(&sheet)
                    .map_err(|e| SheetError::Unreadable(e.to_string()))?;
                let next = || {
                    cells
                        .next_cell()
                        .map(|c| c.map(|c| (c.get_position(), c.get_value().clone())))
                        .map_err(|e| SheetError::Unreadable(e.to_string()))
                };
                Some(stream_cells(next, &mut sink, &mut budget)?)
            }
            Sheets::Xlsb(xlsb) => {
                let mut cells = xlsb
                    .worksheet_cells_reader(&sheet)
                    .map_err(|e| SheetError::Unreadable(e.to_string()))?;
                let next = || {
                    cells
                        .next_cell()
                        .map(|c| c.map(|c| (c.get_position(), c.get_value().clone())))
                        .map_err(|e| SheetError::Unreadable(e.to_string()))
                };
                Some(stream_cells(next, &mut sink, &mut budget)?)
            }
            _ => None,
        };
        let rows = match streamed {
            Some(rows) => rows,
            // xls and ods: calamine has built the sheets already, within the limits the guard
            // checked.
            None => {
                let range = book
                    .worksheet_range(&sheet)
                    .map_err(|e| SheetError::Unreadable(e.to_string()))?;
                let (top, left) = range.start().unwrap_or((0, 0));
                let mut rows = 0;
                for (i, cells) in range.rows().enumerate() {
                    let row = Row {
                        line: top as usize + i + 1,
                        cells: cells.iter().map(cell_text).collect(),
                    };
                    if row.cells.iter().any(|c| !c.trim().is_empty()) {
                        for (j, c) in row.cells.iter().enumerate() {
                            if !c.is_empty() {
                                budget.cell(left as usize + j, c.len())?;
                            }
                        }
                        budget.row()?;
                        rows += 1;
                        sink(row);
                    }
                }
                rows
            }
        };
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

/// Hands the non-empty rows of one streamed worksheet (cells in sheet order, from `next`) to
/// `sink` as they are read; the number of rows handed on.
fn stream_cells<'a>(
    mut next: impl FnMut() -> Result<Option<((u32, u32), DataRef<'a>)>, SheetError>,
    sink: &mut impl FnMut(Row),
    budget: &mut Budget,
) -> Result<usize, SheetError> {
    let mut rows = 0;
    let mut current: Option<(u32, Vec<String>)> = None;
    let mut flush = |row: Option<(u32, Vec<String>)>,
                     rows: &mut usize,
                     budget: &mut Budget|
     -> Result<(), SheetError> {
        if let Some((index, cells)) = row
            && cells.iter().any(|c| !c.trim().is_empty())
        {
            budget.row()?;
            *rows += 1;
            sink(Row {
                line: index as usize + 1,
                cells,
            });
        }
        Ok(())
    };
    while let Some(((r, c), value)) = next()? {
        if current.as_ref().is_some_and(|(at, _)| *at != r) {
            flush(current.take(), &mut rows, budget)?;
        }
        if matches!(value, DataRef::Empty) {
            continue;
        }
        // Counted before the text is copied: a shared string may be long, and used by every
        // cell; the column is checked before the row grows to it.
        let len = match &value {
            DataRef::SharedString(s) => s.len(),
            DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.len(),
            _ => 24,
        };
        let c = c as usize;
        budget.cell(c, len)?;
        let text = cell_text(&Data::from(value));
        if text.is_empty() {
            continue;
        }
        let (_, row) = current.get_or_insert_with(|| (r, Vec::new()));
        // Columns are kept where the sheet has them; a row with a gap gets empty cells.
        if row.len() <= c {
            row.resize(c + 1, String::new());
        }
        row[c] = text;
    }
    flush(current.take(), &mut rows, budget)?;
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
    check_csv_width(text.as_bytes(), delimiter)?;
    let columns = Limit::Columns.value() as usize;
    let mut budget = Budget::default();
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
        // Fields past the last column are empty (checked above) and dropped.
        let cells: Vec<String> = record.iter().take(columns).map(str::to_string).collect();
        if cells.iter().any(|c| !c.trim().is_empty()) {
            for (i, c) in cells.iter().enumerate() {
                if !c.is_empty() {
                    budget.cell(i, c.len())?;
                }
            }
            budget.row()?;
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

/// Refuses a CSV with text past [`Limit::Columns`], or with so many (empty) fields in a record
/// that the csv reader's own bookkeeping would grow large (it keeps 8 bytes a field): a 64 MB
/// line of commas is 64 million fields. Fields are counted as the csv reader splits them:
/// a quote opens a quoted field only at the start of one, and `""` inside it is a quote.
fn check_csv_width(text: &[u8], delimiter: u8) -> Result<(), SheetError> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        Start,
        Plain,
        Quoted,
        QuoteInQuoted,
    }
    let columns = Limit::Columns.value();
    let most_fields = 16 * columns;
    let (mut state, mut field, mut filled) = (State::Start, 0u64, false);
    for &b in text {
        let end_of_field = match state {
            State::Quoted => {
                if b == b'"' {
                    state = State::QuoteInQuoted;
                }
                filled = true;
                false
            }
            _ if b == delimiter => true,
            _ if b == b'\n' || b == b'\r' => {
                (state, field, filled) = (State::Start, 0, false);
                continue;
            }
            State::Start if b == b'"' => {
                state = State::Quoted;
                false
            }
            State::QuoteInQuoted if b == b'"' => {
                state = State::Quoted;
                false
            }
            _ => {
                state = State::Plain;
                filled = true;
                false
            }
        };
        if field >= columns && filled {
            return Err(Limit::Columns.exceeded());
        }
        if end_of_field {
            (state, filled) = (State::Start, false);
            field += 1;
            if field > most_fields {
                return Err(Limit::Columns.exceeded());
            }
        }
    }
    Ok(())
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

/// Hostile workbooks through the path an upload takes (issue 27): each is refused naming the
/// limit it passes, before the memory it asks for is taken.
#[cfg(test)]
mod bomb_tests {
    use super::*;
    use crate::fixtures;
    use std::time::Instant;

    fn limit_of(name: &str, bytes: Vec<u8>) -> Option<Limit> {
        let started = Instant::now();
        let result = read_rows(name, bytes, |_| {});
        eprintln!(
            "{name}: {:?} in {:?}",
            result.as_ref().err(),
            started.elapsed()
        );
        match result {
            Err(SheetError::TooLarge { what, limit }) => {
                assert_eq!(limit, what.value());
                Some(what)
            }
            _ => None,
        }
    }

    fn rows(name: &str, bytes: Vec<u8>) -> Vec<Vec<String>> {
        let mut out = Vec::new();
        if let Err(e) = read_rows(name, bytes, |r| out.push(r.cells)) {
            panic!("{name}: {e}");
        }
        out
    }

    #[test]
    fn an_xlsx_whose_shared_strings_inflate_past_the_limit_is_refused() {
        // 200 MiB of shared strings in a few hundred kilobytes.
        let bomb = fixtures::xlsx_shared_strings_bomb(200 * 1024 * 1024);
        assert!(bomb.len() < 1024 * 1024, "{} bytes", bomb.len());
        assert_eq!(limit_of("bom.xlsx", bomb), Some(Limit::HeldPart));
    }

    #[test]
    fn an_xlsx_declaring_billions_of_shared_strings_is_refused() {
        let bomb = fixtures::xlsx_declared_shared_strings(4_000_000_000);
        assert_eq!(limit_of("bom.xlsx", bomb), Some(Limit::SharedStrings));
    }

    #[test]
    fn one_long_shared_string_copied_into_every_cell_is_refused() {
        // 8 MiB used by 60 rows: 480 MiB of cell text from a file of a few kilobytes.
        let bomb = fixtures::xlsx_repeated_shared_string(8 * 1024 * 1024, 60);
        assert_eq!(limit_of("bom.xlsx", bomb), Some(Limit::Text));
    }

    #[test]
    fn an_xlsx_cell_far_to_the_right_is_refused() {
        assert_eq!(
            limit_of("kolom.xlsx", fixtures::xlsx_cell_in_column("XFD")),
            Some(Limit::Columns)
        );
        let ok = rows("kolom.xlsx", fixtures::xlsx_cell_in_column("ALL"));
        assert_eq!(ok[0].len(), 1000);
    }

    #[test]
    fn an_ods_of_repeated_rows_and_columns_is_refused() {
        // 6,000 rows of 16,384 cells: 98 million, under calamine's own cap of 100 million.
        let bomb = fixtures::ods_repeat_bomb(6_000, 16_384);
        assert!(bomb.len() < 4096, "{} bytes", bomb.len());
        assert_eq!(limit_of("bom.ods", bomb), Some(Limit::DenseCells));
    }

    #[test]
    fn an_xls_with_cells_in_far_corners_is_refused() {
        let bomb = fixtures::xls_corner_bomb(20);
        assert!(bomb.len() < 16 * 1024, "{} bytes", bomb.len());
        assert_eq!(limit_of("bom.xls", bomb), Some(Limit::DenseCells));
    }

    #[test]
    fn a_csv_line_of_commas_is_refused() {
        let mut line = b"Nama Usaha".to_vec();
        line.extend(std::iter::repeat_n(b',', 2_000_000));
        assert_eq!(limit_of("koma.csv", line), Some(Limit::Columns));
        let mut far = b"Nama Usaha".to_vec();
        far.extend(std::iter::repeat_n(b',', 1000));
        far.extend(b"x\n");
        assert_eq!(limit_of("koma.csv", far), Some(Limit::Columns));
        // Quoted commas are inside one field.
        let mut quoted = b"Nama Usaha,\"".to_vec();
        quoted.extend(std::iter::repeat_n(b',', 5000));
        quoted.extend(b"\"\n");
        assert_eq!(rows("koma.csv", quoted)[0].len(), 2);
    }

    #[test]
    fn ordinary_xlsx_ods_and_xls_files_still_read() {
        let table: &[&[&str]] = &[
            &["Nama Usaha", "Nama Pemilik", "NIK", "Omzet"],
            &["Keripik Bu Ani", "Ani", "3674035506900002", "1500000"],
            &["Kopi & Teh", "Budi", "3674035506900003", "-250000"],
        ];
        for (name, bytes) in [
            ("a.xlsx", fixtures::xlsx_rows(table)),
            ("a.ods", fixtures::ods_rows(table)),
            ("a.xls", fixtures::xls_rows(table)),
        ] {
            let got = rows(name, bytes);
            assert_eq!(got.len(), 3, "{name}: {got:?}");
            assert_eq!(
                got[0][..4],
                ["Nama Usaha", "Nama Pemilik", "NIK", "Omzet"],
                "{name}"
            );
            assert_eq!(got[2][0], "Kopi & Teh", "{name}");
            assert!(got[1][3].ends_with("1500000"), "{name}: {:?}", got[1]);
        }
    }
}
