//! A record's GET body sent back to its PUT (issue 33: a client reads, changes a field, sends the
//! whole record back). The read carries what the write does not take as such — derived and
//! kept fields, the masked NIK and phone under their read names, links as a list — and this
//! turns it into the write's shape: read-only fields accepted when unchanged and refused by
//! name when changed, masked personal data kept as stored.

use axum::body::Bytes;
use serde_json::{Map, Value};

use crate::error::ApiError;

/// Fields a read shows and a write cannot set: derived from others (the NIK, the kelurahan,
/// the money figures) or kept by the server (status, verification, times).
const READ_ONLY: [&str; 13] = [
    "id",
    "owner_sex",
    "owner_birth_date",
    "district_code",
    "regency_code",
    "province_code",
    "size_class",
    "size_basis",
    "status",
    "verified_by",
    "verified_at",
    "created_at",
    "updated_at",
];

/// The body in the write's shape. `seen` is the record as this caller reads it now;
/// `fresh` says the body was made from that version (a stale one is a conflict, answered
/// after this, not a change of read-only fields); `whatsapp` is the stored WhatsApp link,
/// kept when the body sends it back masked.
pub(crate) fn umkm_write_body(
    bytes: &Bytes,
    seen: &Value,
    fresh: bool,
    whatsapp: Option<&str>,
) -> Result<Bytes, ApiError> {
    let Ok(Value::Object(mut body)) = serde_json::from_slice::<Value>(bytes) else {
        // Not an object: the parser names what is wrong.
        return Ok(bytes.clone());
    };
    strip_read_only(&mut body, &READ_ONLY, seen, fresh)?;
    for (read, write) in [("owner_nik", "nik"), ("owner_phone", "phone")] {
        if let Some(v) = body.remove(read)
            && !body.contains_key(write)
        {
            body.insert(write.to_string(), v);
        }
    }
    if let Some(Value::Array(list)) = body.get("links") {
        let mut map = Map::new();
        for item in list {
            if let (Some(kind), Some(url)) = (item["kind"].as_str(), item["url"].as_str()) {
                map.insert(kind.to_string(), Value::String(url.to_string()));
            }
        }
        body.insert("links".into(), Value::Object(map));
    }
    // A WhatsApp link masked in the read (`https://wa.me/62812•••••890`) is the stored one.
    if let Some(Value::Object(links)) = body.get_mut("links")
        && links
            .get("whatsapp")
            .and_then(Value::as_str)
            .is_some_and(|u| u.contains('•'))
    {
        match whatsapp {
            Some(stored) => {
                links.insert("whatsapp".into(), Value::String(stored.to_string()));
            }
            None => {
                links.remove("whatsapp");
            }
        }
    }
    encode(body)
}

/// A purchase's fields that a read shows and a replacement cannot set: its id, its unit
/// (a purchase stays with the unit that made it), and what is worked out from the dates.
const PURCHASE_READ_ONLY: [&str; 6] = [
    "id",
    "unit_id",
    "unit_code",
    "days_late",
    "days_to_pay",
    "reserved_breach",
];

/// As [`umkm_write_body`] for a purchase.
pub(crate) fn purchase_write_body(
    bytes: &Bytes,
    seen: &Value,
    fresh: bool,
) -> Result<Bytes, ApiError> {
    let Ok(Value::Object(mut body)) = serde_json::from_slice::<Value>(bytes) else {
        return Ok(bytes.clone());
    };
    strip_read_only(&mut body, &PURCHASE_READ_ONLY, seen, fresh)?;
    encode(body)
}

/// Takes the read-only fields out of `body`; when it was made from the current version, each
/// must be what the read showed.
fn strip_read_only(
    body: &mut Map<String, Value>,
    fields: &[&str],
    seen: &Value,
    fresh: bool,
) -> Result<(), ApiError> {
    let mut errors = sentra_domain::FieldErrors::new();
    for key in fields {
        if let Some(sent) = body.remove(*key)
            && fresh
            && *key != "updated_at"
            && sent != seen[*key]
        {
            errors.push(*key, "read_only");
        }
    }
    Ok(errors.into_result()?)
}

fn encode(body: Map<String, Value>) -> Result<Bytes, ApiError> {
    serde_json::to_vec(&Value::Object(body))
        .map(Bytes::from)
        .map_err(|e| ApiError::Internal(e.to_string()))
}
