//! Reports an office sends upward, as xlsx with Indonesian number formatting: counts with a
//! point between thousands (`12.000`), rupiah (`Rp 1.500.000`), percentages with a decimal
//! comma (`70,6%`). Numbers stay numbers (the receiving office sums them); the formats carry
//! the Indonesian locale (LCID 0x421), so LibreOffice and Excel show them the Indonesian way
//! whatever the reader's own settings. Printed landscape, one page wide, the header repeated.

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet};

use crate::SheetError;

/// One cell of a report.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Count(i64),
    /// An amount or a total of amounts (`i128`: a total may pass `i64`).
    Rupiah(i128),
    /// A share from 0 to 1; `None` where there is nothing to divide by.
    Percent(Option<f64>),
}

/// A sheet: a title and lines under it (region, period, source), the column headers, the
/// rows, and an optional total row (shown bold).
#[derive(Debug, Clone, Default)]
pub struct ReportSheet {
    pub name: String,
    pub title: String,
    pub notes: Vec<String>,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    pub total: Option<Vec<Cell>>,
}

/// Spreadsheets keep 15 significant digits (Excel, and LibreOffice as it saves for Excel): an
/// amount from Rp1.000 triliun up would be shown rounded, so it is written as its exact text.
const EXACT_NUMBER_LIMIT: u128 = 1_000_000_000_000_000;

/// The formats: Indonesian separators by the locale tag, text kept as text.
pub const COUNT_FORMAT: &str = "[$-421]#,##0";
pub const RUPIAH_FORMAT: &str = "[$-421]\"Rp \"#,##0";
pub const PERCENT_FORMAT: &str = "[$-421]0.0%";

fn err(e: rust_xlsxwriter::XlsxError) -> SheetError {
    SheetError::Write(e.to_string())
}

struct Formats {
    text: Format,
    count: Format,
    rupiah: Format,
    percent: Format,
    /// A total too long to keep exact as a number: text, right-aligned like numbers.
    big: Format,
}

/// `Rp 1.500.000`, as [`RUPIAH_FORMAT`] shows it.
fn rupiah_text(n: i128) -> String {
    let digits = sentra_domain::money::format_thousands(n);
    match digits.strip_prefix('-') {
        Some(d) => format!("-Rp {d}"),
        None => format!("Rp {digits}"),
    }
}

impl Formats {
    fn new(bold: bool) -> Self {
        let base = || {
            let f = Format::new().set_border(FormatBorder::Thin);
            if bold { f.set_bold() } else { f }
        };
        Self {
            text: base().set_num_format("@"),
            count: base().set_num_format(COUNT_FORMAT),
            rupiah: base().set_num_format(RUPIAH_FORMAT),
            percent: base().set_num_format(PERCENT_FORMAT),
            big: base().set_num_format("@").set_align(FormatAlign::Right),
        }
    }
}

fn write_row(
    sheet: &mut Worksheet,
    row: u32,
    cells: &[Cell],
    f: &Formats,
) -> Result<(), SheetError> {
    for (i, cell) in cells.iter().enumerate() {
        let col = i as u16;
        match cell {
            Cell::Text(t) => sheet.write_string_with_format(row, col, t, &f.text),
            Cell::Count(n) => sheet.write_number_with_format(row, col, *n as f64, &f.count),
            Cell::Rupiah(n) if n.unsigned_abs() < EXACT_NUMBER_LIMIT => {
                sheet.write_number_with_format(row, col, *n as f64, &f.rupiah)
            }
            Cell::Rupiah(n) => sheet.write_string_with_format(row, col, rupiah_text(*n), &f.big),
            Cell::Percent(Some(p)) => sheet.write_number_with_format(row, col, *p, &f.percent),
            Cell::Percent(None) => sheet.write_string_with_format(row, col, "–", &f.text),
        }
        .map_err(err)?;
    }
    Ok(())
}

/// Column width from the longest text it will show (header or a formatted value).
fn widths(sheet: &ReportSheet) -> Vec<f64> {
    let shown = |c: &Cell| match c {
        Cell::Text(t) => t.chars().count(),
        // Digits, separators, and "Rp " for money.
        Cell::Count(n) => n.to_string().len() * 4 / 3 + 1,
        Cell::Rupiah(n) => rupiah_text(*n).chars().count(),
        Cell::Percent(_) => 6,
    };
    sheet
        .headers
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let longest = sheet
                .rows
                .iter()
                .chain(sheet.total.iter())
                .filter_map(|r| r.get(i))
                .map(shown)
                .max()
                .unwrap_or(0);
            (h.chars().count().min(24).max(longest).clamp(8, 48) + 2) as f64
        })
        .collect()
}

/// The workbook, one worksheet per report sheet.
pub fn write_report(sheets: &[ReportSheet]) -> Result<Vec<u8>, SheetError> {
    let mut book = Workbook::new();
    let plain = Formats::new(false);
    let bold = Formats::new(true);
    let title = Format::new().set_bold().set_font_size(14);
    let header = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_border(FormatBorder::Thin)
        .set_background_color("#DDEBE4");
    for s in sheets {
        let sheet = book.add_worksheet();
        sheet.set_name(&s.name).map_err(err)?;
        sheet
            .write_string_with_format(0, 0, &s.title, &title)
            .map_err(err)?;
        for (i, note) in s.notes.iter().enumerate() {
            sheet.write_string(1 + i as u32, 0, note).map_err(err)?;
        }
        let head = 2 + s.notes.len() as u32;
        for (i, (h, w)) in s.headers.iter().zip(widths(s)).enumerate() {
            sheet.set_column_width(i as u16, w).map_err(err)?;
            sheet
                .write_string_with_format(head, i as u16, h, &header)
                .map_err(err)?;
        }
        let mut at = head + 1;
        for r in &s.rows {
            write_row(sheet, at, r, &plain)?;
            at += 1;
        }
        if let Some(total) = &s.total {
            write_row(sheet, at, total, &bold)?;
        }
        sheet.set_freeze_panes(head + 1, 0).map_err(err)?;
        sheet.set_landscape();
        sheet.set_paper_size(9); // A4
        sheet.set_print_fit_to_pages(1, 0);
        sheet.set_repeat_rows(head, head).map_err(err)?;
        sheet.set_footer("&L&A&R&P / &N");
    }
    book.save_to_buffer().map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read_table;

    #[test]
    fn a_report_reads_back_with_its_title_headers_and_numbers() {
        let sheet = ReportSheet {
            name: "Rekap".into(),
            title: "Rekapitulasi UMKM".into(),
            notes: vec!["Wilayah: Kota Tangerang Selatan (36.74)".into()],
            headers: vec![
                "Kecamatan".into(),
                "UMKM".into(),
                "Modal".into(),
                "% NIB".into(),
            ],
            rows: vec![vec![
                Cell::Text("Serpong".into()),
                Cell::Count(12_000),
                Cell::Rupiah(1_500_000),
                Cell::Percent(Some(0.706)),
            ]],
            total: Some(vec![
                Cell::Text("Jumlah".into()),
                Cell::Count(12_000),
                Cell::Rupiah(1_500_000),
                Cell::Percent(None),
            ]),
        };
        let bytes = write_report(&[sheet]).unwrap();
        let t = read_table("rekap.xlsx", bytes).unwrap();
        assert_eq!(t.sheet, "Rekap");
        assert_eq!(t.rows[0].cells[0], "Rekapitulasi UMKM");
        let row = t.rows.iter().find(|r| r.cells[0] == "Serpong").unwrap();
        // The reader marks number cells with \u{1}: they were written as numbers, not text.
        assert_eq!(row.cells[1], "\u{1}12000", "{row:?}");
        assert_eq!(row.cells[2], "\u{1}1500000");
    }

    #[test]
    fn a_total_past_fifteen_digits_is_written_exactly() {
        let sheet = ReportSheet {
            name: "Rekap".into(),
            headers: vec!["Wilayah".into(), "Modal".into()],
            total: Some(vec![
                Cell::Text("Jumlah".into()),
                // 9,400 records of Rp1.000 triliun: past i64 as well.
                Cell::Rupiah(9_400 * 1_000_000_000_000_000 + 17),
            ]),
            ..ReportSheet::default()
        };
        let t = read_table("rekap.xlsx", write_report(&[sheet]).unwrap()).unwrap();
        let row = t.rows.iter().find(|r| r.cells[0] == "Jumlah").unwrap();
        assert_eq!(row.cells[1], "Rp 9.400.000.000.000.000.017");
    }
}
