//! Helpers every table's SQL shares: arguments bound to `$n` placeholders, the caller's scope
//! as a condition (`scope`), the `umkm` row read and written by many capabilities
//! (`umkm_rows`), and small conversions of stored values. One home so that modules import
//! them from here rather than from each other.

mod scope;
mod umkm_rows;

pub(crate) use scope::{
    filter_where, filter_where_as, region_column, scope_admits, scope_condition,
};
pub(crate) use umkm_rows::{
    INSERT_COLUMNS, audit_diff, audit_view, data_args, fetch_record, insert_documents, insert_rows,
};

use chrono::NaiveDate;
use sqlx::any::AnyRow;
use sqlx::{Any, Row};

use crate::{Result, StorageError};

/// A value bound to a `$n` placeholder. `$n` works on both engines (sqlx's SQLite driver reads
/// `$n` as the n-th parameter), so one SQL text serves both.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Text(Option<String>),
    Int(Option<i64>),
    Float(Option<f64>),
}

#[derive(Default, Clone)]
pub(crate) struct Args(Vec<Arg>);

impl From<Vec<Arg>> for Args {
    fn from(args: Vec<Arg>) -> Self {
        Args(args)
    }
}

impl Args {
    pub(crate) fn push(&mut self, arg: Arg) -> String {
        self.0.push(arg);
        format!("${}", self.0.len())
    }

    pub(crate) fn text(&mut self, s: impl Into<String>) -> String {
        self.push(Arg::Text(Some(s.into())))
    }

    pub(crate) fn opt_text(&mut self, s: Option<String>) -> String {
        self.push(Arg::Text(s))
    }

    pub(crate) fn int(&mut self, v: Option<i64>) -> String {
        self.push(Arg::Int(v))
    }

    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    pub(crate) fn bind<'q>(
        self,
        mut q: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>,
    ) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>> {
        for a in self.0 {
            q = match a {
                Arg::Text(v) => q.bind(v),
                Arg::Int(v) => q.bind(v),
                Arg::Float(v) => q.bind(v),
            };
        }
        q
    }
}

/// Rows a [`JsonRows`] statement carries when many are inserted: one statement's journal of
/// the pages it touches stays a few megabytes.
pub(crate) const JSON_ROWS_PER_STATEMENT: usize = 1000;

/// Many rows in one statement under one bound parameter: the rows as a JSON array of arrays,
/// unpacked by the engine (`json_each` on SQLite, `json_array_elements` on PostgreSQL).
/// SQLite finds each `$n` of a statement by a linear scan, so a multi-row `VALUES` list pays
/// for its parameters with their square, and every statement of a transaction keeps a journal
/// of the pages it touches: a thousand rows a statement cost a fraction of a thousand
/// statements of nine (decision 0047).
pub(crate) struct JsonRows {
    kinds: Vec<Arg>,
    rows: Vec<serde_json::Value>,
}

impl JsonRows {
    pub(crate) fn new() -> Self {
        JsonRows {
            kinds: Vec::new(),
            rows: Vec::new(),
        }
    }

    /// One row; every row has the same columns of the same kinds.
    pub(crate) fn push(&mut self, row: Vec<Arg>) {
        use serde_json::Value;
        if self.kinds.is_empty() {
            self.kinds = row
                .iter()
                .map(|a| match a {
                    Arg::Text(_) => Arg::Text(None),
                    Arg::Int(_) => Arg::Int(None),
                    Arg::Float(_) => Arg::Float(None),
                })
                .collect();
        }
        let values = row
            .into_iter()
            .map(|a| match a {
                Arg::Text(v) => v.map_or(Value::Null, Value::String),
                Arg::Int(v) => v.map_or(Value::Null, Value::from),
                // Not finite has no JSON form: stored as no value (coordinates are checked
                // to be finite before they get here).
                Arg::Float(v) => v
                    .and_then(serde_json::Number::from_f64)
                    .map_or(Value::Null, Value::Number),
            })
            .collect();
        self.rows.push(Value::Array(values));
    }

    /// `SELECT <columns> FROM <the rows>`, the rows bound as `$1`, to follow `INSERT INTO t
    /// (…)`; `extra` are constant columns appended after the row's own (`'created', 1`).
    pub(crate) fn select(&self, backend: crate::Backend, extra: &str) -> String {
        let columns: Vec<String> = self
            .kinds
            .iter()
            .enumerate()
            .map(|(i, k)| match k {
                Arg::Text(_) => format!("r.value ->> {i}"),
                Arg::Int(_) => format!("CAST(r.value ->> {i} AS BIGINT)"),
                Arg::Float(_) => format!("CAST(r.value ->> {i} AS DOUBLE PRECISION)"),
            })
            .collect();
        let source = match backend {
            crate::Backend::Sqlite => "json_each($1) AS r",
            crate::Backend::Postgres => "json_array_elements(CAST($1 AS json)) AS r",
        };
        let extra = if extra.is_empty() {
            String::new()
        } else {
            format!(", {extra}")
        };
        // `WHERE true`: SQLite reads an `ON CONFLICT` after `FROM …` as a join's `ON`.
        format!(
            "SELECT {}{extra} FROM {source} WHERE true",
            columns.join(", ")
        )
    }

    /// The rows as the one parameter of [`JsonRows::select`].
    pub(crate) fn into_param(self) -> String {
        serde_json::Value::Array(self.rows).to_string()
    }
}

/// A day as both engines store it (`2025-09-24` text); anything else is a corrupt row, named
/// by `what` (`gallery date`, `purchase due_on`).
pub(crate) fn stored_day(s: &str, what: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| StorageError::Corrupt(format!("{what} {s:?}")))
}

/// [`stored_day`] of a column that may be empty.
pub(crate) fn stored_day_opt(s: Option<String>, what: &str) -> Result<Option<NaiveDate>> {
    s.map(|d| stored_day(&d, what)).transpose()
}

/// A stored day read leniently: `None` for anything but `2025-09-24` text (the caller decides
/// whether that is a corrupt row, see [`parse_opt`]).
pub(crate) fn parse_day(s: &str) -> Option<NaiveDate> {
    stored_day(s, "date").ok()
}

/// [`parse_day`] of a column that may be empty; an unreadable day reads as none (documents
/// shown beside a product, where a bad date must not hide the product).
pub(crate) fn parse_day_opt(v: Option<String>) -> Option<NaiveDate> {
    v.as_deref().and_then(parse_day)
}

/// A day as both engines store it, for binding.
pub(crate) fn day_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// A text column parsed by `parse`; a value it refuses is a corrupt row.
pub(crate) fn parse_opt<T>(
    row: &AnyRow,
    col: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<Option<T>> {
    let v: Option<String> = row.try_get(col)?;
    match v {
        None => Ok(None),
        Some(s) => parse(&s)
            .map(Some)
            .ok_or_else(|| StorageError::Corrupt(format!("{col} = {s:?}"))),
    }
}

/// [`parse_opt`] of a column that must hold a value.
pub(crate) fn parse_req<T>(
    row: &AnyRow,
    col: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<T> {
    parse_opt(row, col, parse)?.ok_or_else(|| StorageError::Corrupt(format!("{col} is empty")))
}

/// What [`wide_sum`] splits a value by: the millions and the rest.
const WIDE_SPLIT: i64 = 1_000_000;

/// Select items summing the integer expression `expr` without overflowing, for
/// [`get_wide_sum`] to read back as `{alias}_hi` and `{alias}_lo`. SQLite's SUM fails with
/// "integer overflow" past `i64::MAX` and PostgreSQL's CAST of its numeric SUM to BIGINT fails
/// alike; Rp10 triliun a record (`MAX_RUPIAH`) passes it at 922,338 records. So the millions
/// and the remainders are summed apart: each sum stays a millionth of the total, or under a
/// million per row, far inside `i64` for any registry, and the two are joined as `i128`.
pub(crate) fn wide_sum(expr: &str, alias: &str) -> String {
    format!(
        "CAST(COALESCE(SUM(({expr}) / {WIDE_SPLIT}), 0) AS BIGINT) AS {alias}_hi, \
         CAST(COALESCE(SUM(({expr}) % {WIDE_SPLIT}), 0) AS BIGINT) AS {alias}_lo"
    )
}

/// The exact sum a [`wide_sum`] selected as `alias`.
pub(crate) fn get_wide_sum(row: &AnyRow, alias: &str) -> Result<i128> {
    let hi: i64 = row.try_get(format!("{alias}_hi").as_str())?;
    let lo: i64 = row.try_get(format!("{alias}_lo").as_str())?;
    Ok(i128::from(hi) * i128::from(WIDE_SPLIT) + i128::from(lo))
}
