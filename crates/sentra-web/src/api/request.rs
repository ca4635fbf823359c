//! What an API request brings, read as the document says: a JSON body, bounded numbers, a
//! region inside the caller's area, the version a replacement is made against; and the ETag
//! a record is answered with.

use axum::Json;
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::auth::Caller;
use crate::error::ApiError;

/// A record's ETag: its version, weak because what a caller sees of it depends on the role
/// (masked fields).
fn etag(version: i64) -> String {
    format!("W/\"{version}\"")
}

/// `body` as JSON with the record's version as its ETag, so that a client can send it back
/// in `If-Match`.
pub(crate) fn tagged<T: Serialize>(status: StatusCode, version: i64, body: T) -> Response {
    let mut res = (status, Json(body)).into_response();
    if let Ok(v) = axum::http::HeaderValue::from_str(&etag(version)) {
        res.headers_mut().insert(axum::http::header::ETAG, v);
    }
    res
}

/// The version a replacement is made against: `If-Match` (the ETag a GET gave; `*` for
/// whatever the record holds) or the body's `version`. An `If-Match` the record no longer
/// matches is 412 before anything is read of the body's changes; both given and different is
/// refused; neither is a missing `version`.
pub(crate) fn version_to_replace(
    headers: &axum::http::HeaderMap,
    in_body: Option<i64>,
    current: i64,
) -> Result<i64, ApiError> {
    let if_match = match headers.get(axum::http::header::IF_MATCH) {
        None => None,
        Some(value) => {
            let text = value.to_str().unwrap_or_default().trim();
            let wanted = text
                .split(',')
                .map(|tag| tag.trim().trim_start_matches("W/").trim_matches('"'))
                .find_map(|tag| {
                    if tag == "*" {
                        Some(current)
                    } else {
                        tag.parse().ok()
                    }
                });
            match wanted {
                Some(v) if v == current => Some(v),
                _ => return Err(ApiError::PreconditionFailed),
            }
        }
    };
    let mut e = sentra_domain::FieldErrors::new();
    match (if_match, in_body) {
        (Some(a), Some(b)) if a != b => e.push("version", "given_twice"),
        (Some(v), _) | (None, Some(v)) => return Ok(v),
        (None, None) => e.push("version", "required"),
    }
    Err(ApiError::Validation(e))
}

/// `key` as a region inside the caller's area: absent or empty is all of it; a code not
/// written as the document's pattern says (`36`, `36.74`, `36.74.03`, `36.74.03.1005`) is
/// refused by name; one outside the area is 404, as the pages
/// answer.
pub(crate) fn region_param(
    caller: &Caller,
    pairs: &[(String, String)],
    key: &str,
) -> Result<sentra_domain::region::RegionCode, ApiError> {
    let text = crate::forms::form_value(pairs, key).trim();
    let asked = if text.is_empty() {
        None
    } else {
        let code = sentra_domain::region::RegionCode::parse(text)
            .ok()
            .filter(|c| c.as_str() == text)
            .ok_or_else(|| {
                let mut e = sentra_domain::FieldErrors::new();
                e.push(key, "region_code_format");
                ApiError::Validation(e)
            })?;
        Some(code)
    };
    caller
        .scope()
        .narrow(asked.as_ref())
        .ok_or(ApiError::NotFound)
}

/// A query parameter as sent (the last of its name), trimmed; empty when sent empty, which the
/// document's numbers and dates do not allow; `None` when not sent.
pub(crate) fn sent<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .rev()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.trim())
}

/// A whole-number query parameter the API document bounds: absent is `None`; empty text, text
/// that is not a number, or one outside `range`, is refused naming the parameter (the pages
/// are lenient with the same parameters; a program calling the API is told).
pub(crate) fn query_number<T>(
    pairs: &[(String, String)],
    key: &str,
    range: std::ops::RangeInclusive<T>,
) -> Result<Option<T>, ApiError>
where
    T: std::str::FromStr + PartialOrd,
{
    let Some(text) = sent(pairs, key) else {
        return Ok(None);
    };
    match text.parse::<T>() {
        Ok(n) if range.contains(&n) => Ok(Some(n)),
        _ => {
            let mut e = sentra_domain::FieldErrors::new();
            e.push(key, "number_out_of_range");
            Err(ApiError::Validation(e))
        }
    }
}

/// Parses a JSON body, naming the field whose value has the wrong type.
pub(crate) fn parse_body<T: serde::de::DeserializeOwned>(bytes: &Bytes) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let code = if inner.is_syntax() || inner.is_eof() {
            "invalid_json"
        } else if inner.to_string().starts_with("unknown field") {
            "unknown_field"
        } else {
            "invalid_type"
        };
        let field = if path == "." {
            // serde names an unknown field only in its message: "unknown field `x`, expected …".
            inner
                .to_string()
                .split('`')
                .nth(1)
                .filter(|_| code == "unknown_field")
                .map(str::to_string)
                .or_else(|| Some("body".to_string()))
        } else {
            Some(path)
        };
        ApiError::BadBody { field, code }
    })
}
