//! ODS `content.xml` scanned before calamine parses it. calamine keeps every cell a row pushes
//! (`number-columns-repeated` copies included, up to 16,384 a row), then builds each sheet as a
//! dense grid over the bounding box of its non-empty cells, rows repeated by
//! `number-rows-repeated` (up to 1,048,576) — values and formulas each. A few hundred bytes of
//! XML can ask for billions of cells. This walks the XML the way calamine does and adds up what
//! it would hold, refusing past [`Limit::DenseCells`] or [`Limit::Text`].
//!
//! Where the XML turns out differently from what calamine accepts, the file is refused as
//! unreadable rather than passed on: calamine would fail there too, or (for an unclosed table
//! or annotation) loop for ever.

use std::io::BufRead;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::QName;

use super::generous_count;
use crate::SheetError;
use crate::limits::Limit;

/// calamine's own caps on a row's cells and a sheet's rows.
const MAX_COLUMNS: u64 = 16_384;
const MAX_ROWS: u64 = 1_048_576;

/// What calamine would hold for the whole workbook so far.
#[derive(Debug, Default)]
struct Held {
    cells: u64,
    text: u64,
}

impl Held {
    fn check(&self, table: &Table) -> Result<(), SheetError> {
        if self.cells.saturating_add(table.cells()) > Limit::DenseCells.value() {
            return Err(Limit::DenseCells.exceeded());
        }
        if self.text.saturating_add(table.text()) > Limit::Text.value() {
            return Err(Limit::Text.exceeded());
        }
        Ok(())
    }
}

/// The bounding box of one kind of non-empty cell (values or formulas) of a table, in rows as
/// calamine expands them.
#[derive(Debug, Default)]
struct Extent {
    started: bool,
    /// Repeated rows from the first non-empty row to the current one.
    rows_so_far: u64,
    /// … to the last non-empty one: the grid's height.
    rows: u64,
    col_min: u64,
    col_max: u64,
    /// Text the grid holds (every repeated row clones its strings).
    text: u64,
}

impl Extent {
    fn row(&mut self, repeats: u64, cols: Option<Span>, text: u64) {
        if self.started {
            self.rows_so_far = self.rows_so_far.saturating_add(repeats);
        }
        if let Some((first, last)) = cols {
            if !self.started {
                self.started = true;
                self.rows_so_far = repeats;
                self.col_min = first;
            }
            self.col_min = self.col_min.min(first);
            self.col_max = self.col_max.max(last);
            self.rows = self.rows_so_far;
            self.text = self.text.saturating_add(text.saturating_mul(repeats));
        }
    }

    fn cells(&self) -> u64 {
        if !self.started {
            return 0;
        }
        self.rows
            .saturating_mul(self.col_max.saturating_sub(self.col_min) + 1)
    }
}

#[derive(Debug, Default)]
struct Table {
    /// Cells pushed row by row before the grid is built, and their text.
    pushed: u64,
    pushed_text: u64,
    values: Extent,
    formulas: Extent,
    rows: u64,
}

impl Table {
    fn cells(&self) -> u64 {
        self.pushed
            .saturating_add(self.values.cells())
            .saturating_add(self.formulas.cells())
    }

    fn text(&self) -> u64 {
        self.pushed_text
            .saturating_add(self.values.text)
            .saturating_add(self.formulas.text)
    }
}

fn unreadable(what: &str) -> SheetError {
    SheetError::Unreadable(format!("ODS content: {what}"))
}

/// Scans `content.xml` (already checked for its inflated size).
pub(crate) fn check_content<R: BufRead>(r: R) -> Result<(), SheetError> {
    let mut xml = super::zip::xml_reader(r);
    let mut buf = Vec::new();
    let mut held = Held::default();
    loop {
        match xml.read_event_into(&mut buf) {
            // calamine reads the tables that have a name; every table is counted here.
            Ok(Event::Start(e)) if e.name().as_ref() == "table:table" => {
                let table = scan_table(&mut xml, &held)?;
                held.cells = held.cells.saturating_add(table.cells());
                held.text = held.text.saturating_add(table.text());
            }
            // calamine stops with an error at the same place.
            Ok(Event::Eof) | Err(_) => return Ok(()),
            Ok(_) => {}
        }
        buf.clear();
    }
}

fn scan_table<R: BufRead>(xml: &mut Reader<R>, held: &Held) -> Result<Table, SheetError> {
    let mut table = Table::default();
    let mut buf = Vec::new();
    loop {
        match xml.read_event_into(&mut buf) {
            Ok(Event::Start(e)) if e.name().as_ref() == "table:table-row" => {
                let asked = repeat_count(&e, "table:number-rows-repeated").unwrap_or(1);
                let repeats = asked.min(MAX_ROWS.saturating_sub(table.rows));
                table.rows = table.rows.saturating_add(repeats);
                scan_row(xml, &mut table, repeats)?;
                held.check(&table)?;
            }
            Ok(Event::End(e)) if e.name().as_ref() == "table:table" => return Ok(table),
            Ok(Event::Eof) => return Err(unreadable("a table is not closed")),
            Err(e) => return Err(unreadable(&e.to_string())),
            Ok(_) => {}
        }
        buf.clear();
    }
}

/// First and last column of some cells of a row.
type Span = (u64, u64);

/// One row: the cells it pushes and where its non-empty ones are.
fn scan_row<R: BufRead>(
    xml: &mut Reader<R>,
    table: &mut Table,
    row_repeats: u64,
) -> Result<(), SheetError> {
    let mut buf = Vec::new();
    let mut skip = Vec::new();
    let mut pushed = 0u64;
    let mut empty_repeats = 0u64;
    // The first and last columns of the row's non-empty values, and of its formulas.
    let mut values: Option<Span> = None;
    let mut formulas: Option<Span> = None;
    let (mut value_text, mut formula_text) = (0u64, 0u64);
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf) {
            Ok(Event::Start(e))
                if matches!(
                    e.name().as_ref(),
                    "table:table-cell" | "table:covered-table-cell"
                ) =>
            {
                let repeats = repeat_count(&e, "table:number-columns-repeated").unwrap_or(1);
                let cell = CellAttrs::of(&e);
                let name = e.name().as_ref().to_string();
                let content = if cell.reads_content() {
                    Some(scan_cell_content(xml)?)
                } else {
                    None
                };
                let capped_empty = empty_repeats.min(MAX_COLUMNS - pushed);
                pushed += capped_empty;
                empty_repeats = 0;
                let capped = repeats.min(MAX_COLUMNS - pushed);
                let has_value = cell.value_set || content.is_some();
                if !has_value && !cell.formula {
                    empty_repeats = capped;
                } else if capped > 0 {
                    let span = (pushed, pushed + capped - 1);
                    // The attributes bound the value and formula text; content comes on top.
                    let text = cell.attr_len.saturating_add(content.unwrap_or(0));
                    if has_value {
                        values = Some(widen(values, span));
                        value_text = value_text.saturating_add(text.saturating_mul(capped));
                    }
                    if cell.formula {
                        formulas = Some(widen(formulas, span));
                        formula_text =
                            formula_text.saturating_add(cell.attr_len.saturating_mul(capped));
                    }
                    pushed += capped;
                }
                if content.is_none() {
                    xml.read_to_end_into(QName(&name), &mut skip)
                        .map_err(|e| unreadable(&e.to_string()))?;
                }
            }
            Ok(Event::End(e)) if e.name().as_ref() == "table:table-row" => break,
            Ok(Event::Eof) => return Err(unreadable("a row is not closed")),
            Err(e) => return Err(unreadable(&e.to_string())),
            // calamine accepts nothing else inside a row.
            Ok(_) => return Err(unreadable("unexpected content in a row")),
        }
    }
    table.pushed = table.pushed.saturating_add(pushed);
    table.pushed_text = table
        .pushed_text
        .saturating_add(value_text)
        .saturating_add(formula_text);
    table.values.row(row_repeats, values, value_text);
    table.formulas.row(row_repeats, formulas, formula_text);
    Ok(())
}

fn widen(span: Option<Span>, (first, last): Span) -> Span {
    match span {
        Some((a, b)) => (a.min(first), b.max(last)),
        None => (first, last),
    }
}

/// The largest count any attribute named like `name` gives (a substring match: whatever way
/// calamine reads the attributes, it finds no larger one).
fn repeat_count(e: &BytesStart<'_>, name: &str) -> Option<u64> {
    let raw = e.attributes_raw();
    let mut best: Option<u64> = None;
    let mut rest = raw;
    while let Some(at) = rest.find(name) {
        rest = &rest[at + name.len()..];
        let value = rest
            .trim_start()
            .strip_prefix('=')
            .map(|v| v.trim_start().trim_start_matches(['"', '\'']));
        if let Some(n) = value.and_then(generous_count) {
            best = Some(best.map_or(n, |b| b.max(n)));
        }
    }
    best
}

/// What a cell's attributes make of it, as calamine's `get_datatype` reads them.
struct CellAttrs {
    value_set: bool,
    is_string: bool,
    is_error: bool,
    value_is_empty_string: bool,
    formula: bool,
    /// All attribute text: no value or formula string taken from it is longer.
    attr_len: u64,
}

impl CellAttrs {
    fn of(e: &BytesStart<'_>) -> Self {
        let mut c = CellAttrs {
            value_set: false,
            is_string: false,
            is_error: false,
            value_is_empty_string: false,
            formula: false,
            attr_len: e.attributes_raw().len() as u64,
        };
        for a in e.attributes().with_checks(false).flatten() {
            let key = a.key.as_ref();
            match key {
                "office:value" | "office:boolean-value" if !c.value_set => c.value_set = true,
                "office:string-value" | "office:date-value" | "office:time-value"
                    if !c.value_set =>
                {
                    c.value_set = true;
                    c.value_is_empty_string = key == "office:string-value" && a.value.is_empty();
                }
                "office:value-type" if !c.value_set => c.is_string |= a.value == "string",
                "calcext:value-type" => c.is_error = a.value == "error",
                "table:formula" => c.formula = !a.value.is_empty(),
                _ => {}
            }
        }
        c
    }

    /// calamine reads the cell's paragraphs for a string without its value in an attribute,
    /// and for an error with an empty one.
    fn reads_content(&self) -> bool {
        (!self.value_set && self.is_string) || (self.is_error && self.value_is_empty_string)
    }
}

/// The text calamine builds from a cell's content, up to the end of the cell: text, a newline
/// between paragraphs, `text:s` spaces (`text:c` of them: a count in an attribute, so a few
/// bytes can ask for gigabytes), tabs and line breaks.
fn scan_cell_content<R: BufRead>(xml: &mut Reader<R>) -> Result<u64, SheetError> {
    let mut buf = Vec::new();
    let mut len = 0u64;
    let mut first_paragraph = true;
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf) {
            Ok(Event::Text(t)) => len = len.saturating_add(t.len() as u64),
            // An entity is at most one character, four bytes.
            Ok(Event::GeneralRef(_)) => len = len.saturating_add(4),
            Ok(Event::End(e))
                if matches!(
                    e.name().as_ref(),
                    "table:table-cell" | "table:covered-table-cell"
                ) =>
            {
                return Ok(len);
            }
            Ok(Event::Start(e)) if e.name().as_ref() == "office:annotation" => loop {
                buf.clear();
                match xml.read_event_into(&mut buf) {
                    Ok(Event::End(e)) if e.name().as_ref() == "office:annotation" => break,
                    Ok(Event::Eof) => return Err(unreadable("an annotation is not closed")),
                    Err(e) => return Err(unreadable(&e.to_string())),
                    Ok(_) => {}
                }
            },
            Ok(Event::Start(e)) if e.name().as_ref() == "text:p" => {
                if !first_paragraph {
                    len = len.saturating_add(1);
                }
                first_paragraph = false;
            }
            Ok(Event::Start(e)) if e.name().as_ref() == "text:s" => {
                len = len.saturating_add(repeat_count(&e, "text:c").unwrap_or(1));
            }
            Ok(Event::Start(e)) if matches!(e.name().as_ref(), "text:tab" | "text:line-break") => {
                len = len.saturating_add(1);
            }
            Ok(Event::Eof) => return Err(unreadable("a cell is not closed")),
            Err(e) => return Err(unreadable(&e.to_string())),
            Ok(_) => {}
        }
        if len > Limit::Text.value() {
            return Err(Limit::Text.exceeded());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content(body: &str) -> String {
        format!(
            "<?xml version=\"1.0\"?><office:document-content><office:body><office:spreadsheet>{body}</office:spreadsheet></office:body></office:document-content>"
        )
    }

    fn scan(body: &str) -> Result<(), SheetError> {
        check_content(std::io::Cursor::new(content(body).into_bytes()))
    }

    fn refused(r: Result<(), SheetError>) -> Option<Limit> {
        match r {
            Err(SheetError::TooLarge { what, .. }) => Some(what),
            _ => None,
        }
    }

    const CELL: &str = "<table:table-cell office:value-type=\"float\" office:value=\"1\"/>";

    #[test]
    fn an_ordinary_sheet_passes() {
        let rows: String = (0..200)
            .map(|_| format!("<table:table-row>{CELL}{CELL}<table:table-cell table:number-columns-repeated=\"1020\"/></table:table-row>"))
            .collect();
        let body = format!(
            "<table:table table:name=\"A\">{rows}<table:table-row table:number-rows-repeated=\"1048000\"><table:table-cell table:number-columns-repeated=\"1024\"/></table:table-row></table:table>"
        );
        assert!(scan(&body).is_ok());
    }

    #[test]
    fn repeated_rows_and_columns_are_counted_as_calamine_expands_them() {
        // One row of 16,384 cells, repeated to a million rows: a 150-byte bomb.
        let body = "<table:table table:name=\"A\"><table:table-row table:number-rows-repeated=\"1000000\"><table:table-cell office:value-type=\"float\" office:value=\"1\" table:number-columns-repeated=\"16384\"/></table:table-row></table:table>";
        assert_eq!(refused(scan(body)), Some(Limit::DenseCells));
    }

    #[test]
    fn empty_rows_between_two_far_cells_are_counted() {
        let body = format!(
            "<table:table table:name=\"A\"><table:table-row>{CELL}</table:table-row><table:table-row table:number-rows-repeated=\"1000000\"><table:table-cell/></table:table-row><table:table-row><table:table-cell table:number-columns-repeated=\"16000\"/>{CELL}</table:table-row></table:table>"
        );
        assert_eq!(refused(scan(&body)), Some(Limit::DenseCells));
    }

    #[test]
    fn spaces_asked_for_by_count_are_text() {
        let body = "<table:table table:name=\"A\"><table:table-row><table:table-cell office:value-type=\"string\"><text:p>a<text:s text:c=\"2000000000\"/></text:p></table:table-cell></table:table-row></table:table>";
        assert_eq!(refused(scan(body)), Some(Limit::Text));
    }

    #[test]
    fn a_long_string_repeated_across_columns_is_text() {
        let long = "x".repeat(100_000);
        let body = format!(
            "<table:table table:name=\"A\"><table:table-row table:number-rows-repeated=\"3\"><table:table-cell office:value-type=\"string\" office:string-value=\"{long}\" table:number-columns-repeated=\"16384\"/></table:table-row></table:table>"
        );
        assert_eq!(refused(scan(&body)), Some(Limit::Text));
    }

    #[test]
    fn an_unclosed_table_is_unreadable_not_a_hang() {
        let body =
            "<table:table table:name=\"A\"><table:table-row><table:table-cell/></table:table-row>";
        let xml = format!("<office:document-content>{body}");
        assert!(matches!(
            check_content(std::io::Cursor::new(xml.into_bytes())),
            Err(SheetError::Unreadable(_))
        ));
    }
}
