//! The stylesheet and script, compiled into the binary and served under names that carry a
//! hash of their content, so browsers may keep them for a year: a new release has new names.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

pub struct Asset {
    /// `/static/app.3f2a….css`
    pub href: String,
    content_type: &'static str,
    body: &'static str,
}

/// FNV-1a: enough to tell two versions of a file apart; not a security boundary.
fn content_hash(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

impl Asset {
    fn new(stem: &str, ext: &str, content_type: &'static str, body: &'static str) -> Self {
        Self {
            href: format!(
                "/static/{stem}.{:016x}.{ext}",
                content_hash(body.as_bytes())
            ),
            content_type,
            body,
        }
    }
}

pub static CSS: LazyLock<Asset> = LazyLock::new(|| {
    Asset::new(
        "app",
        "css",
        "text/css; charset=utf-8",
        include_str!("../static/app.css"),
    )
});

pub static JS: LazyLock<Asset> = LazyLock::new(|| {
    Asset::new(
        "app",
        "js",
        "text/javascript; charset=utf-8",
        include_str!("../static/app.js"),
    )
});

/// The field app's script (issue 12), loaded by its page only.
pub static FIELD_JS: LazyLock<Asset> = LazyLock::new(|| {
    Asset::new(
        "field",
        "js",
        "text/javascript; charset=utf-8",
        include_str!("../static/field.js"),
    )
});

/// `GET /static/{file}`: the current asset under its hashed name; anything else is 404.
pub async fn serve(Path(file): Path<String>) -> Response {
    let requested = format!("/static/{file}");
    for asset in [&*CSS, &*JS, &*FIELD_JS] {
        if asset.href == requested {
            return (
                [
                    (header::CONTENT_TYPE, asset.content_type),
                    (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
                ],
                asset.body,
            )
                .into_response();
        }
    }
    StatusCode::NOT_FOUND.into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_change_with_the_content() {
        let a = Asset::new("app", "css", "text/css", "body{color:red}");
        let b = Asset::new("app", "css", "text/css", "body{color:blue}");
        assert_ne!(a.href, b.href);
        assert!(a.href.starts_with("/static/app.") && a.href.ends_with(".css"));
        assert_eq!(a.href.len(), "/static/app.".len() + 16 + ".css".len());
    }
}
