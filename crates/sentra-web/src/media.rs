//! Photos served from the object store at `/media/{key}`: keys are unguessable and never reused
//! (a new photo gets a new key), so browsers and proxies may keep them for a year.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::routes::{Access, Routes};

pub fn routes() -> Routes {
    Routes::new("").get("/media/{*key}", Access::Public, serve)
}

/// The address of one size (`sm`, `md`, `lg`) of a photo stored under `key`.
pub fn media_url(key: &str, size: &str) -> String {
    format!("/media/{}", sentra_media::photo_key(key, size))
}

/// Only the shape of keys Sentra writes: `produk/{id}/{id}-{size}.jpg`.
fn valid_key(key: &str) -> bool {
    let parts: Vec<&str> = key.split('/').collect();
    let id = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-');
    match parts.as_slice() {
        ["produk", product, file] => {
            id(product)
                && file.strip_suffix(".jpg").is_some_and(|stem| {
                    sentra_media::photo::SIZES.iter().any(|(size, _)| {
                        stem.strip_suffix(size)
                            .and_then(|s| s.strip_suffix('-'))
                            .is_some_and(id)
                    })
                })
        }
        _ => false,
    }
}

async fn serve(State(state): State<AppState>, Path(key): Path<String>) -> Response {
    if !valid_key(&key) {
        return StatusCode::NOT_FOUND.into_response();
    }
    match state.media().get(&key).await {
        Ok(Some(bytes)) => (
            [
                (header::CONTENT_TYPE, "image/jpeg"),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            bytes,
        )
            .into_response(),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => {
            tracing::error!(error = %e, key, "media read failed");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::valid_key;

    #[test]
    fn only_keys_sentra_writes_are_served() {
        assert!(valid_key("produk/0190a1b2-c3d4/0190a1b2-ffff-md.jpg"));
        assert!(!valid_key("produk/0190a1b2/../secret-md.jpg"));
        assert!(!valid_key("produk/0190a1b2/0190-xl.jpg"));
        assert!(!valid_key("etc/passwd"));
        assert!(!valid_key("produk/0190a1b2/0190-md.png"));
    }
}
