//! Field-level validation errors. The domain only names the field and a stable snake_case code;
//! the i18n crate turns the code into an Indonesian or English sentence (`error.<code>`).

use serde::Serialize;

/// One problem with one input field, e.g. `nik` / `nik_length`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub code: &'static str,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &'static str) -> Self {
        Self {
            field: field.into(),
            code,
        }
    }
}

/// The code of why a single value was rejected; the caller attaches the field name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Invalid(pub &'static str);

/// All problems found in one submitted form or API body. Validation collects every error before
/// answering, so the user fixes everything in one round trip.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, field: impl Into<String>, code: &'static str) {
        self.0.push(FieldError::new(field, code));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &FieldError> {
        self.0.iter()
    }

    /// Records the error of `result` under `field` and returns its value, if any.
    pub fn check<T>(&mut self, field: &str, result: Result<T, Invalid>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(Invalid(code)) => {
                self.push(field, code);
                None
            }
        }
    }

    pub fn for_field(&self, field: &str) -> impl Iterator<Item = &FieldError> {
        self.0.iter().filter(move |e| e.field == field)
    }

    pub fn into_result(self) -> Result<(), FieldErrors> {
        if self.0.is_empty() { Ok(()) } else { Err(self) }
    }
}

impl std::fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|e| format!("{}: {}", e.field, e.code))
            .collect();
        f.write_str(&parts.join(", "))
    }
}

impl std::error::Error for FieldErrors {}
