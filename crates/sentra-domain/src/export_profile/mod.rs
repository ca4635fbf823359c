//! Export profiles (issue 33): another system's columns — their headers, order, formats and code
//! lists — declared in a data file with the sources it follows, so that a new target is a file,
//! not code. The profiles Sentra ships are the files in `data/export-profiles/` (embedded at
//! build time); a deployment adds its own from a folder (`sentra serve --export-profiles`).
//!
//! A profile names fields from [`fields`]; storage fills a [`Record`] per row and
//! [`Profile::render`] turns it into the target's cells.

pub mod fields;

use std::collections::{BTreeMap, HashSet};

use chrono::NaiveDate;
use serde::Deserialize;

pub use fields::{Field, FieldType, Subject};

/// One value of a row as Sentra holds it, before a profile formats it.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Empty,
    Text(String),
    Integer(i64),
    Rupiah(i64),
    Decimal(f64),
    Date(NaiveDate),
}

impl Value {
    /// Text, or [`Value::Empty`] when there is none.
    pub fn text(s: impl Into<String>) -> Self {
        let s = s.into();
        if s.is_empty() {
            Self::Empty
        } else {
            Self::Text(s)
        }
    }
    pub fn integer(n: Option<i64>) -> Self {
        n.map_or(Self::Empty, Self::Integer)
    }
    pub fn rupiah(n: Option<i64>) -> Self {
        n.map_or(Self::Empty, Self::Rupiah)
    }
    pub fn decimal(n: Option<f64>) -> Self {
        n.map_or(Self::Empty, Self::Decimal)
    }
    /// A date from its ISO text (`2026-12-07`, or the date of an RFC 3339 time).
    pub fn date(iso: Option<&str>) -> Self {
        iso.and_then(|s| NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok())
            .map_or(Self::Empty, Self::Date)
    }
    pub fn yes_no(b: bool) -> Self {
        Self::Text(if b { "yes" } else { "no" }.into())
    }
}

/// A row: each field's value, by the field's name ([`fields`]).
pub type Record = BTreeMap<&'static str, Value>;

/// A cell as the target wants it: the column's type, the code translated, the date formatted.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Integer(i64),
    Rupiah(i64),
    /// With this many decimals.
    Decimal(f64, u8),
    Date(NaiveDate),
}

/// A text in Indonesian and English.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bilingual {
    pub id: String,
    pub en: String,
}

impl Bilingual {
    pub fn get(&self, english: bool) -> &str {
        if english && !self.en.is_empty() {
            &self.en
        } else {
            &self.id
        }
    }
}

/// A document the profile follows.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub title: String,
    #[serde(default)]
    pub url: String,
    /// What the profile takes from it.
    #[serde(default)]
    pub note: String,
}

/// The type a column is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnType {
    Text,
    Integer,
    Rupiah,
    Decimal,
    Date,
}

/// One column of the target.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Column {
    pub header: String,
    /// The field it is filled from; or `value`, the same text on every row.
    #[serde(default)]
    pub field: Option<String>,
    #[serde(default)]
    pub value: Option<String>,
    /// Written as; by default the field's own type.
    #[serde(default, rename = "type")]
    pub ty: Option<ColumnType>,
    /// The code list (a table under `[codes]`) that translates the field's values.
    #[serde(default)]
    pub codes: Option<String>,
    /// For a date written as text (`%d/%m/%Y`); by default ISO 8601.
    #[serde(default)]
    pub date_format: Option<String>,
    /// Decimals of a decimal column (2 unless said).
    #[serde(default)]
    pub decimals: Option<u8>,
    /// The target refuses a row without it.
    #[serde(default)]
    pub required: bool,
    /// What the target expects here, for the reader of the profile.
    #[serde(default)]
    pub note: String,
}

/// A profile as written in its file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Its address: lower-case letters, digits and hyphens.
    pub id: String,
    pub title: Bilingual,
    #[serde(default)]
    pub description: Bilingual,
    pub subject: Subject,
    /// The worksheet's name in the `.xlsx`.
    pub sheet: String,
    /// Meant to carry personal data (NIK, phone, birth date): whole for readers allowed to see
    /// them who ask, masked for everyone else.
    #[serde(default)]
    pub personal: bool,
    pub sources: Vec<Source>,
    pub columns: Vec<Column>,
    #[serde(default)]
    pub codes: BTreeMap<String, BTreeMap<String, String>>,
}

/// Why a profile file cannot be used: the column (or part) and the problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{place}: {problem}")]
pub struct ProfileError {
    pub place: String,
    pub problem: String,
}

fn problem(place: impl Into<String>, problem: impl Into<String>) -> ProfileError {
    ProfileError {
        place: place.into(),
        problem: problem.into(),
    }
}

impl Profile {
    /// Reads and checks a profile file's text.
    pub fn parse(text: &str) -> Result<Self, ProfileError> {
        let profile: Profile =
            toml::from_str(text).map_err(|e| problem("file", e.message().to_string()))?;
        profile.check()?;
        Ok(profile)
    }

    fn check(&self) -> Result<(), ProfileError> {
        if self.id.is_empty()
            || !self
                .id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(problem("id", "lower-case letters, digits and hyphens only"));
        }
        if self.title.id.trim().is_empty() {
            return Err(problem("title.id", "empty"));
        }
        // Excel's own limits on a sheet name.
        if self.sheet.is_empty()
            || self.sheet.chars().count() > 31
            || self.sheet.contains(['[', ']', ':', '*', '?', '/', '\\'])
        {
            return Err(problem("sheet", "1–31 characters, none of [ ] : * ? / \\"));
        }
        if self.sources.is_empty() {
            return Err(problem("sources", "a profile cites what it follows"));
        }
        if self.columns.is_empty() {
            return Err(problem("columns", "none"));
        }
        let mut headers = HashSet::new();
        let mut used_codes = HashSet::new();
        for (i, c) in self.columns.iter().enumerate() {
            let place = format!("columns[{}] \"{}\"", i + 1, c.header);
            if c.header.trim().is_empty() {
                return Err(problem(place, "header empty"));
            }
            if !headers.insert(c.header.as_str()) {
                return Err(problem(place, "header given twice"));
            }
            let field = match (&c.field, &c.value) {
                (Some(f), None) => Some(fields::lookup(self.subject, f).ok_or_else(|| {
                    problem(
                        &place,
                        format!("no field \"{f}\" for {}", self.subject.as_str()),
                    )
                })?),
                (None, Some(_)) => None,
                _ => return Err(problem(place, "either field or value")),
            };
            if let Some(list) = &c.codes {
                let table = self
                    .codes
                    .get(list)
                    .ok_or_else(|| problem(&place, format!("no code list \"{list}\"")))?;
                used_codes.insert(list.as_str());
                if let Some(f) = field {
                    for v in (f.closed)() {
                        if !table.contains_key(v) {
                            return Err(problem(
                                &place,
                                format!("code list \"{list}\" has no entry for \"{v}\""),
                            ));
                        }
                    }
                }
            }
            if c.decimals.is_some_and(|d| d > 10) {
                return Err(problem(place, "decimals: at most 10"));
            }
            if let Some(fmt) = &c.date_format {
                if field.is_none_or(|f| f.ty != FieldType::Date) {
                    return Err(problem(place, "date_format on a column that is no date"));
                }
                // A format chrono cannot write would fail on the first row instead.
                let probe = NaiveDate::from_ymd_opt(2026, 1, 31).unwrap_or_default();
                let mut out = String::new();
                if std::fmt::write(&mut out, format_args!("{}", probe.format(fmt))).is_err() {
                    return Err(problem(place, "date_format not understood"));
                }
            }
        }
        if let Some(unused) = self.codes.keys().find(|k| !used_codes.contains(k.as_str())) {
            return Err(problem(format!("codes.{unused}"), "no column uses it"));
        }
        Ok(())
    }

    /// Whether a reader sees this profile's rows with personal data masked.
    pub fn has_personal_fields(&self) -> bool {
        self.columns.iter().any(|c| {
            c.field
                .as_deref()
                .and_then(|f| fields::lookup(self.subject, f))
                .is_some_and(|f| f.personal)
        })
    }

    pub fn headers(&self) -> Vec<&str> {
        self.columns.iter().map(|c| c.header.as_str()).collect()
    }

    /// The type each column is written as.
    pub fn column_types(&self) -> Vec<ColumnType> {
        self.columns.iter().map(|c| self.column_type(c)).collect()
    }

    fn column_type(&self, c: &Column) -> ColumnType {
        if let Some(t) = c.ty {
            return t;
        }
        if c.codes.is_some() || c.value.is_some() {
            return ColumnType::Text;
        }
        match c
            .field
            .as_deref()
            .and_then(|f| fields::lookup(self.subject, f))
            .map(|f| f.ty)
        {
            Some(FieldType::Integer) => ColumnType::Integer,
            Some(FieldType::Rupiah) => ColumnType::Rupiah,
            Some(FieldType::Decimal) => ColumnType::Decimal,
            Some(FieldType::Date) => ColumnType::Date,
            _ => ColumnType::Text,
        }
    }

    /// The row `record` in the target's columns.
    pub fn render(&self, record: &Record) -> Vec<Cell> {
        self.columns
            .iter()
            .map(|c| {
                let value = match (&c.value, &c.field) {
                    (Some(v), _) => Value::text(v.clone()),
                    (None, Some(f)) => record.get(f.as_str()).cloned().unwrap_or(Value::Empty),
                    (None, None) => Value::Empty,
                };
                let value = match (&c.codes, value) {
                    (Some(list), v) => {
                        let key = match &v {
                            Value::Text(s) => s.clone(),
                            Value::Empty => String::new(),
                            other => plain(other, None),
                        };
                        match self.codes.get(list).and_then(|t| t.get(&key)) {
                            Some(code) => Value::text(code.clone()),
                            None => v,
                        }
                    }
                    (None, v) => v,
                };
                cell(value, self.column_type(c), c)
            })
            .collect()
    }
}

/// A value as plain text: digits without separators, dates ISO or as formatted.
fn plain(v: &Value, date_format: Option<&str>) -> String {
    match v {
        Value::Empty => String::new(),
        Value::Text(s) => s.clone(),
        Value::Integer(n) | Value::Rupiah(n) => n.to_string(),
        Value::Decimal(x) => x.to_string(),
        Value::Date(d) => d.format(date_format.unwrap_or("%Y-%m-%d")).to_string(),
    }
}

fn cell(v: Value, ty: ColumnType, c: &Column) -> Cell {
    let date_format = c.date_format.as_deref();
    let decimals = c.decimals.unwrap_or(2);
    match (ty, v) {
        (_, Value::Empty) => Cell::Empty,
        (ColumnType::Text, v) => Cell::Text(plain(&v, date_format)),
        (ColumnType::Integer, Value::Integer(n) | Value::Rupiah(n)) => Cell::Integer(n),
        (ColumnType::Rupiah, Value::Integer(n) | Value::Rupiah(n)) => Cell::Rupiah(n),
        (ColumnType::Decimal, Value::Decimal(x)) => Cell::Decimal(x, decimals),
        (ColumnType::Decimal, Value::Integer(n) | Value::Rupiah(n)) => {
            Cell::Decimal(n as f64, decimals)
        }
        (ColumnType::Date, Value::Date(d)) => Cell::Date(d),
        // A code list turned a number into text, or the profile typed a text field as a number:
        // the text is written as it is rather than lost.
        (_, v) => Cell::Text(plain(&v, date_format)),
    }
}

/// A product's specification as one text, from its record's measures (what catalogues ask as
/// "spesifikasi"): `Berat 250 g; Ukuran 10 × 5 × 3 cm; Kemasan: standing pouch; Masa simpan 90
/// hari`. Empty when none is known.
pub fn specification(r: &Record) -> String {
    let number = |f: &str| match r.get(f) {
        Some(Value::Integer(n)) => Some(n.to_string()),
        Some(Value::Decimal(x)) => Some(trim_decimal(*x)),
        _ => None,
    };
    let mut parts = Vec::new();
    if let Some(w) = number("weight_grams") {
        parts.push(format!("Berat {w} g"));
    }
    let dims: Vec<String> = ["length_cm", "width_cm", "height_cm"]
        .iter()
        .filter_map(|f| number(f))
        .collect();
    if dims.len() == 3 {
        parts.push(format!("Ukuran {} cm", dims.join(" × ")));
    }
    if let Some(Value::Text(p)) = r.get("packaging") {
        parts.push(format!("Kemasan: {p}"));
    }
    if let Some(d) = number("shelf_life_days") {
        parts.push(format!("Masa simpan {d} hari"));
    }
    parts.join("; ")
}

/// `12.5` → "12,5", `12.0` → "12": Indonesian decimals.
fn trim_decimal(x: f64) -> String {
    let s = format!("{x:.1}");
    s.strip_suffix(".0").unwrap_or(&s).replace('.', ",")
}

/// The profiles Sentra ships: the files of `data/export-profiles/`, embedded.
pub fn shipped() -> Vec<(&'static str, Result<Profile, ProfileError>)> {
    embedded::FILES
        .iter()
        .map(|(name, text)| (*name, Profile::parse(text)))
        .collect()
}

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/export_profiles.rs"));
}

#[cfg(test)]
mod tests;
