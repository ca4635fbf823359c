//! Which language a request is answered in: `?lang=` first (remembered in a cookie), then the
//! cookie, then `Accept-Language`, then Indonesian.

use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Uri, header};
use axum::middleware::Next;
use axum::response::Response;

pub use sentra_i18n::Lang;

const COOKIE: &str = "sentra_lang";

fn from_query(query: Option<&str>) -> Option<Lang> {
    query?
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == "lang")
        .and_then(|(_, v)| Lang::parse(v))
}

/// The value of one cookie of the request.
pub fn cookie_in(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

pub fn negotiate(parts: &Parts) -> Lang {
    negotiate_from(&parts.uri, &parts.headers)
}

pub fn negotiate_from(uri: &Uri, headers: &HeaderMap) -> Lang {
    from_query(uri.query())
        .or_else(|| cookie_in(headers, COOKIE).and_then(|v| Lang::parse(&v)))
        .or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Lang::from_accept_language)
        })
        .unwrap_or_default()
}

/// The request's language, as an extractor.
pub struct ReqLang(pub Lang);

impl<S: Send + Sync> FromRequestParts<S> for ReqLang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(ReqLang(negotiate(parts)))
    }
}

/// Remembers an explicit `?lang=` choice in a cookie so the following pages keep it.
pub async fn remember_choice(req: Request, next: Next) -> Response {
    let chosen = from_query(req.uri().query());
    let mut res = next.run(req).await;
    if let Some(lang) = chosen {
        let cookie = format!(
            "{COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly",
            lang.code()
        );
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}
