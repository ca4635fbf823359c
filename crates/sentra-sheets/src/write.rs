use rust_xlsxwriter::{Format as CellFormat, Workbook, Worksheet};

use crate::SheetError;

/// An xlsx file built row by row: a bold header, text cells (so that NIKs and phone numbers are
/// never turned into numbers), widths that fit.
pub struct XlsxWriter {
    book: Workbook,
    sheet: Worksheet,
    next_row: u32,
    widths: Vec<usize>,
}

fn err(e: rust_xlsxwriter::XlsxError) -> SheetError {
    SheetError::Write(e.to_string())
}

impl XlsxWriter {
    pub fn new(sheet_name: &str, headers: &[String]) -> Result<Self, SheetError> {
        let mut sheet = Worksheet::new();
        sheet.set_name(sheet_name).map_err(err)?;
        let bold = CellFormat::new().set_bold();
        for (i, h) in headers.iter().enumerate() {
            sheet
                .write_string_with_format(0, i as u16, h, &bold)
                .map_err(err)?;
        }
        sheet.set_freeze_panes(1, 0).map_err(err)?;
        Ok(Self {
            book: Workbook::new(),
            sheet,
            next_row: 1,
            widths: headers.iter().map(|h| h.chars().count()).collect(),
        })
    }

    pub fn push(&mut self, cells: &[String]) -> Result<(), SheetError> {
        for (i, c) in cells.iter().enumerate() {
            if !c.is_empty() {
                self.sheet
                    .write_string(self.next_row, i as u16, c)
                    .map_err(err)?;
            }
            if let Some(w) = self.widths.get_mut(i) {
                *w = (*w).max(c.chars().count());
            } else {
                self.widths.push(c.chars().count());
            }
        }
        self.next_row += 1;
        Ok(())
    }

    pub fn finish(mut self) -> Result<Vec<u8>, SheetError> {
        let text = CellFormat::new().set_num_format("@");
        for (i, w) in self.widths.iter().enumerate() {
            let width = (*w).clamp(6, 60) as f64 + 2.0;
            self.sheet.set_column_width(i as u16, width).map_err(err)?;
            self.sheet.set_column_format(i as u16, &text).map_err(err)?;
        }
        self.book.push_worksheet(self.sheet);
        self.book.save_to_buffer().map_err(err)
    }
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
