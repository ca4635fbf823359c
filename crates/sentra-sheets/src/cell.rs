//! The typed cells every workbook Sentra writes is made of (issue 29): a number is written as
//! a number and a date as a date, each with an Indonesian format, so a SUM over an exported
//! column adds up and a date column sorts by date. There is no way to hand the writers a
//! number as text: a caller says what a value is, the writer picks the cell type and format.
//!
//! The formats carry the Indonesian locale (LCID 0x421), so LibreOffice and Excel show
//! `12.000`, `Rp 1.500.000`, `70,6%` and `05/01/2026 14:05` whatever the reader's settings.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, Offset, Utc};
use sentra_domain::programme::activity::Zone;

/// One cell of a workbook (or of a CSV file, where it is written the machine-readable way).
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Nothing: the column's own format stays for what someone types later.
    Empty,
    Text(String),
    /// A count, with a point between thousands (`12.000`).
    Count(i64),
    /// A whole number without thousands separators: a year (`2019`, not `2.019`), a row number.
    Integer(i64),
    /// An amount or a total of amounts in whole rupiah (`i128`: a total may pass `i64`).
    Rupiah(i128),
    /// A share from 0 to 1; `None` where there is nothing to divide by (shown `–`).
    Percent(Option<f64>),
    /// A number with this many decimals (`0,087`).
    Decimal(f64, u8),
    /// A calendar date.
    Date(NaiveDate),
    /// A moment in the local time it carries (see [`Cell::local_time`]).
    DateTime(DateTime<FixedOffset>),
}

/// What a column holds: its format for the cells written and for those typed in later.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Text,
    Count,
    Integer,
    Rupiah,
    Percent,
    Decimal(u8),
    Date,
    DateTime,
}

/// A column: its header and what it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub header: String,
    pub kind: Kind,
}

impl Column {
    pub fn new(header: impl Into<String>, kind: Kind) -> Self {
        Self {
            header: header.into(),
            kind,
        }
    }

    /// Text columns, for sheets of text only (templates, rejected rows).
    pub fn texts(headers: &[String]) -> Vec<Column> {
        headers.iter().map(|h| Column::new(h, Kind::Text)).collect()
    }
}

/// The number formats, Indonesian separators by the locale tag.
pub const COUNT_FORMAT: &str = "[$-421]#,##0";
pub const INTEGER_FORMAT: &str = "0";
pub const RUPIAH_FORMAT: &str = "[$-421]\"Rp \"#,##0";
pub const PERCENT_FORMAT: &str = "[$-421]0.0%";
/// Day first, as Indonesians write dates.
pub const DATE_FORMAT: &str = "[$-421]dd/mm/yyyy";
pub const DATETIME_FORMAT: &str = "[$-421]dd/mm/yyyy hh:mm";
pub const TEXT_FORMAT: &str = "@";

/// Spreadsheets keep 15 significant digits (Excel, and LibreOffice as it saves for Excel): an
/// amount from Rp1.000 triliun up would be shown rounded, so it is written as its exact text.
pub(crate) const EXACT_NUMBER_LIMIT: u128 = 1_000_000_000_000_000;

impl Kind {
    /// The number format of the kind.
    pub fn number_format(self) -> String {
        match self {
            Kind::Text => TEXT_FORMAT.into(),
            Kind::Count => COUNT_FORMAT.into(),
            Kind::Integer => INTEGER_FORMAT.into(),
            Kind::Rupiah => RUPIAH_FORMAT.into(),
            Kind::Percent => PERCENT_FORMAT.into(),
            Kind::Decimal(0) => COUNT_FORMAT.into(),
            Kind::Decimal(n) => format!("[$-421]#,##0.{}", "0".repeat(n.into())),
            Kind::Date => DATE_FORMAT.into(),
            Kind::DateTime => DATETIME_FORMAT.into(),
        }
    }
}

/// What a cell goes into a workbook as.
pub(crate) enum Stored<'a> {
    Nothing,
    /// A number in the format of the kind.
    Number(f64, Kind),
    /// Text; `right` for a number too long to keep exact, aligned like numbers.
    Text(std::borrow::Cow<'a, str>, bool),
}

impl Cell {
    /// A moment stored as RFC 3339 UTC (as Sentra keeps timestamps) in the local time of
    /// `zone`; `Empty` for text that is not a moment.
    pub fn local_time(utc: &str, zone: Zone) -> Cell {
        match DateTime::parse_from_rfc3339(utc) {
            Ok(t) => Cell::DateTime(at_zone(t.with_timezone(&Utc), zone)),
            Err(_) => Cell::Empty,
        }
    }

    /// Text, or `Empty` for an empty string.
    pub fn text(s: impl Into<String>) -> Cell {
        let s = s.into();
        if s.is_empty() {
            Cell::Empty
        } else {
            Cell::Text(s)
        }
    }

    /// The kind the cell is written as.
    pub fn kind(&self) -> Kind {
        match self {
            Cell::Empty | Cell::Text(_) | Cell::Percent(None) => Kind::Text,
            Cell::Count(_) => Kind::Count,
            Cell::Integer(_) => Kind::Integer,
            Cell::Rupiah(n) if n.unsigned_abs() < EXACT_NUMBER_LIMIT => Kind::Rupiah,
            Cell::Rupiah(_) => Kind::Text,
            Cell::Percent(Some(_)) => Kind::Percent,
            Cell::Decimal(_, n) => Kind::Decimal(*n),
            Cell::Date(_) => Kind::Date,
            Cell::DateTime(_) => Kind::DateTime,
        }
    }

    pub(crate) fn stored(&self) -> Stored<'_> {
        use std::borrow::Cow::{Borrowed, Owned};
        let kind = self.kind();
        match self {
            Cell::Empty => Stored::Nothing,
            Cell::Text(t) => Stored::Text(Borrowed(t), false),
            Cell::Count(n) | Cell::Integer(n) => Stored::Number(*n as f64, kind),
            Cell::Rupiah(n) if kind == Kind::Rupiah => Stored::Number(*n as f64, kind),
            Cell::Rupiah(n) => Stored::Text(Owned(rupiah_text(*n)), true),
            Cell::Percent(Some(p)) | Cell::Decimal(p, _) => Stored::Number(*p, kind),
            Cell::Percent(None) => Stored::Text(Borrowed("–"), false),
            Cell::Date(d) => Stored::Number(excel_serial(d.and_time(chrono::NaiveTime::MIN)), kind),
            Cell::DateTime(t) => Stored::Number(excel_serial(t.naive_local()), kind),
        }
    }

    /// The cell in a CSV file, for the programs that read it: digits without separators,
    /// a decimal point, ISO 8601 dates and moments with their offset (`2026-01-05T14:05:00+07:00`).
    pub fn csv_text(&self) -> String {
        match self {
            Cell::Empty | Cell::Percent(None) => String::new(),
            Cell::Text(t) => t.clone(),
            Cell::Count(n) | Cell::Integer(n) => n.to_string(),
            Cell::Rupiah(n) => n.to_string(),
            Cell::Percent(Some(p)) => format!("{p}"),
            Cell::Decimal(v, n) => format!("{v:.*}", usize::from(*n)),
            Cell::Date(d) => d.format("%Y-%m-%d").to_string(),
            Cell::DateTime(t) => t.format("%Y-%m-%dT%H:%M:%S%:z").to_string(),
        }
    }

    /// Roughly how many characters the cell shows, for column widths.
    pub(crate) fn shown_len(&self) -> usize {
        match self {
            Cell::Empty => 0,
            Cell::Text(t) => t.chars().count(),
            // Digits, separators, and "Rp " for money.
            Cell::Count(n) => n.to_string().len() * 4 / 3 + 1,
            Cell::Integer(n) => n.to_string().len(),
            Cell::Rupiah(n) => rupiah_text(*n).chars().count(),
            Cell::Percent(_) => 6,
            Cell::Decimal(v, n) => format!("{v:.*}", usize::from(*n)).len() + 2,
            Cell::Date(_) => 10,
            Cell::DateTime(_) => 16,
        }
    }
}

/// A UTC moment as the clock shows it in `zone`.
pub fn at_zone(t: DateTime<Utc>, zone: Zone) -> DateTime<FixedOffset> {
    // Whole hours from UTC (7, 8, 9): always a valid offset.
    let offset = FixedOffset::east_opt(zone.offset_hours() as i32 * 3600)
        .unwrap_or_else(|| FixedOffset::east_opt(7 * 3600).unwrap_or(Utc.fix()));
    t.with_timezone(&offset)
}

/// The spreadsheet's day number: days since 30 December 1899, the time of day as a fraction
/// (the 1900 date system of Excel and LibreOffice, right from March 1900 on).
fn excel_serial(t: NaiveDateTime) -> f64 {
    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30)
        .unwrap_or_default()
        .and_time(chrono::NaiveTime::MIN);
    let seconds = (t - epoch).num_seconds();
    seconds as f64 / 86_400.0
}

/// `Rp 1.500.000`, as [`RUPIAH_FORMAT`] shows it.
pub(crate) fn rupiah_text(n: i128) -> String {
    let digits = sentra_domain::money::format_thousands(n);
    match digits.strip_prefix('-') {
        Some(d) => format!("-Rp {d}"),
        None => format!("Rp {digits}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_day_numbers_and_moments_the_local_clock() {
        let d = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
        let Stored::Number(n, Kind::Date) = Cell::Date(d).stored() else {
            panic!("a date is a number");
        };
        assert_eq!(n, 46027.0, "LibreOffice's day number of 5 January 2026");
        // 07:05 UTC is 14:05 WIB, 15:05 WITA, 16:05 WIT.
        for (zone, hour) in [(Zone::Wib, 14.0), (Zone::Wita, 15.0), (Zone::Wit, 16.0)] {
            let c = Cell::local_time("2026-01-05T07:05:00.000Z", zone);
            let Stored::Number(n, Kind::DateTime) = c.stored() else {
                panic!("a moment is a number");
            };
            assert!(
                (n - (46027.0 + (hour + 5.0 / 60.0) / 24.0)).abs() < 1e-9,
                "{n}"
            );
        }
        assert_eq!(
            Cell::local_time("2026-01-05T07:05:00.000Z", Zone::Wita).csv_text(),
            "2026-01-05T15:05:00+08:00"
        );
        assert_eq!(Cell::local_time("kemarin", Zone::Wib), Cell::Empty);
    }

    #[test]
    fn csv_cells_are_plain() {
        assert_eq!(Cell::Rupiah(1_500_000).csv_text(), "1500000");
        assert_eq!(Cell::Count(12_000).csv_text(), "12000");
        assert_eq!(Cell::Decimal(0.0874, 3).csv_text(), "0.087");
        assert_eq!(
            Cell::Date(NaiveDate::from_ymd_opt(2026, 3, 2).unwrap()).csv_text(),
            "2026-03-02"
        );
    }

    #[test]
    fn formats_are_indonesian() {
        assert_eq!(Kind::Decimal(3).number_format(), "[$-421]#,##0.000");
        assert_eq!(Kind::Rupiah.number_format(), RUPIAH_FORMAT);
    }
}
