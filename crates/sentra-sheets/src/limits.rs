//! How much of a spreadsheet Sentra agrees to read (issue 27). A workbook is a small file that
//! can stand for a great deal: zip parts that inflate a thousandfold, shared strings that every
//! cell repeats, repeat counts and far-away cells that make calamine build a dense grid. Each
//! limit below is checked before the memory it guards is taken, and a file past one is refused
//! with [`crate::SheetError::TooLarge`] naming it.

const MIB: u64 = 1024 * 1024;

/// One limit, named in the refusal; [`Limit::value`] is its number (bytes or a count).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Limit {
    /// Inflated size of a zip part calamine keeps whole in memory (shared strings, workbook,
    /// styles, relationships, ODS `content.xml`, xlsb binary parts).
    HeldPart,
    /// Inflated size of an xlsx/xlsb worksheet part, which is read a cell at a time.
    SheetPart,
    /// Inflated size of all parts together.
    TotalInflated,
    /// Number of parts in the zip.
    Entries,
    /// Longest stretch of an XML part without a `<` (one text node or one tag), which the XML
    /// reader holds whole.
    XmlRun,
    /// Strings in an xlsx shared-string table (declared or present); calamine reserves room for
    /// the declared count up front.
    SharedStrings,
    /// Cells calamine would hold for an xls or ods workbook (dense sheets, repeats expanded).
    DenseCells,
    /// Non-empty cells read from a streamed sheet (xlsx, xlsb, csv).
    Cells,
    /// Rows read.
    Rows,
    /// Highest column a cell may be in.
    Columns,
    /// Bytes of cell text, shared strings counted every time a cell uses them.
    Text,
}

impl Limit {
    pub const ALL: [Limit; 11] = [
        Limit::HeldPart,
        Limit::SheetPart,
        Limit::TotalInflated,
        Limit::Entries,
        Limit::XmlRun,
        Limit::SharedStrings,
        Limit::DenseCells,
        Limit::Cells,
        Limit::Rows,
        Limit::Columns,
        Limit::Text,
    ];

    /// The number: bytes for sizes, a count otherwise.
    pub const fn value(self) -> u64 {
        match self {
            // Shared strings are held as Strings: a part this size costs about twice as much.
            Limit::HeldPart => 64 * MIB,
            // A worksheet is streamed, so this bounds work rather than memory: room for the
            // 1,000,000-row demo file (`sentra demo-file --rows 1000000`, inline strings).
            Limit::SheetPart => 2048 * MIB,
            Limit::TotalInflated => 3072 * MIB,
            Limit::Entries => 10_000,
            // Excel's longest cell is 32,767 characters; escaped as XML still under 1 MiB.
            Limit::XmlRun => 16 * MIB,
            Limit::SharedStrings => 5_000_000,
            // About 300,000 rows of 15 columns as one dense grid (32 bytes a cell, values and
            // formulas); longer lists go as xlsx or csv, which are streamed.
            Limit::DenseCells => 5_000_000,
            // 1,048,576 rows (Excel's last row) of 15 columns, with room.
            Limit::Cells => 20_000_000,
            Limit::Rows => 1_048_576,
            Limit::Columns => 1_000,
            Limit::Text => 256 * MIB,
        }
    }

    /// Whether [`Limit::value`] is a number of bytes (shown in MB) or a count.
    pub const fn is_bytes(self) -> bool {
        matches!(
            self,
            Limit::HeldPart | Limit::SheetPart | Limit::TotalInflated | Limit::XmlRun | Limit::Text
        )
    }

    /// The short name used in message codes (`import_limit_<name>`).
    pub const fn name(self) -> &'static str {
        match self {
            Limit::HeldPart => "held_part",
            Limit::SheetPart => "sheet_part",
            Limit::TotalInflated => "total_inflated",
            Limit::Entries => "entries",
            Limit::XmlRun => "xml_run",
            Limit::SharedStrings => "shared_strings",
            Limit::DenseCells => "dense_cells",
            Limit::Cells => "cells",
            Limit::Rows => "rows",
            Limit::Columns => "columns",
            Limit::Text => "text",
        }
    }

    pub fn from_name(name: &str) -> Option<Limit> {
        Limit::ALL.into_iter().find(|l| l.name() == name)
    }

    /// The refusal for this limit.
    pub fn exceeded(self) -> crate::SheetError {
        crate::SheetError::TooLarge {
            what: self,
            limit: self.value(),
        }
    }
}

impl std::fmt::Display for Limit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.is_bytes() {
            write!(f, "{} ({} MiB)", self.name(), self.value() / MIB)
        } else {
            write!(f, "{} ({})", self.name(), self.value())
        }
    }
}

/// Counts against the limits of what is read from a streamed sheet (xlsx, xlsb, csv) and
/// refuses the first one passed.
#[derive(Debug, Default)]
pub(crate) struct Budget {
    cells: u64,
    rows: u64,
    text: u64,
}

impl Budget {
    /// One non-empty cell of `text_len` bytes in column `column` (0-based).
    pub(crate) fn cell(&mut self, column: usize, text_len: usize) -> Result<(), crate::SheetError> {
        if column as u64 >= Limit::Columns.value() {
            return Err(Limit::Columns.exceeded());
        }
        self.cells += 1;
        if self.cells > Limit::Cells.value() {
            return Err(Limit::Cells.exceeded());
        }
        self.text += text_len as u64;
        if self.text > Limit::Text.value() {
            return Err(Limit::Text.exceeded());
        }
        Ok(())
    }

    pub(crate) fn row(&mut self) -> Result<(), crate::SheetError> {
        self.rows += 1;
        if self.rows > Limit::Rows.value() {
            return Err(Limit::Rows.exceeded());
        }
        Ok(())
    }
}
