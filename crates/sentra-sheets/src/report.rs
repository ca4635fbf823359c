//! Reports an office sends upward, as xlsx with Indonesian number formatting: counts with a
//! point between thousands (`12.000`), rupiah (`Rp 1.500.000`), percentages with a decimal
//! comma (`70,6%`). Numbers stay numbers (the receiving office sums them); the formats carry
//! the Indonesian locale (LCID 0x421), so LibreOffice and Excel show them the Indonesian way
//! whatever the reader's own settings. Printed landscape, one page wide, the header repeated.

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet};

use crate::SheetError;
use crate::cell::{Cell, Kind, Stored};

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

fn err(e: rust_xlsxwriter::XlsxError) -> SheetError {
    SheetError::Write(e.to_string())
}

struct Formats {
    bold: bool,
    text: Format,
    /// A total too long to keep exact as a number: text, right-aligned like numbers.
    big: Format,
    numbers: std::collections::HashMap<Kind, Format>,
}

impl Formats {
    fn new(bold: bool) -> Self {
        let base = Self::base(bold);
        Self {
            bold,
            text: base.clone().set_num_format("@"),
            big: base.set_num_format("@").set_align(FormatAlign::Right),
            numbers: std::collections::HashMap::new(),
        }
    }

    fn base(bold: bool) -> Format {
        let f = Format::new().set_border(FormatBorder::Thin);
        if bold { f.set_bold() } else { f }
    }

    fn number(&mut self, kind: Kind) -> &Format {
        let bold = self.bold;
        self.numbers
            .entry(kind)
            .or_insert_with(|| Self::base(bold).set_num_format(kind.number_format()))
    }
}

fn write_row(
    sheet: &mut Worksheet,
    row: u32,
    cells: &[Cell],
    f: &mut Formats,
) -> Result<(), SheetError> {
    for (i, cell) in cells.iter().enumerate() {
        let col = i as u16;
        match cell.stored() {
            Stored::Nothing => sheet.write_blank(row, col, &f.text),
            Stored::Number(n, kind) => sheet.write_number_with_format(row, col, n, f.number(kind)),
            Stored::Text(t, false) => sheet.write_string_with_format(row, col, t, &f.text),
            Stored::Text(t, true) => sheet.write_string_with_format(row, col, t, &f.big),
        }
        .map_err(err)?;
    }
    Ok(())
}

/// Column width from the longest text it will show (header or a formatted value).
fn widths(sheet: &ReportSheet) -> Vec<f64> {
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
                .map(Cell::shown_len)
                .max()
                .unwrap_or(0);
            (h.chars().count().min(24).max(longest).clamp(8, 48) + 2) as f64
        })
        .collect()
}

/// The workbook, one worksheet per report sheet.
pub fn write_report(sheets: &[ReportSheet]) -> Result<Vec<u8>, SheetError> {
    let mut book = Workbook::new();
    let mut plain = Formats::new(false);
    let mut bold = Formats::new(true);
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
            write_row(sheet, at, r, &mut plain)?;
            at += 1;
        }
        if let Some(total) = &s.total {
            write_row(sheet, at, total, &mut bold)?;
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
