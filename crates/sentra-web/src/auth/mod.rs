//! Who is calling: a signed-in user (session cookie) or an API token, with CSRF protection for
//! forms; the sign-in, sign-up and sign-out pages are in `sign_in`.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, OriginalUri};
use axum::http::request::Parts;
use axum::http::{Uri, header};
use axum::response::{IntoResponse, Redirect, Response};

use sentra_domain::account::Permission;
use sentra_domain::scope::Scope;
use sentra_storage::{Actor, User};

use crate::AppState;
use crate::error::{ApiError, PageError};
use crate::forms::form_value;
use crate::lang::{Lang, cookie_in, negotiate};

mod sign_in;

pub use sign_in::{login, login_form, logout, signup, signup_code, signup_form};

/// The first page of a role (`/` and the logo lead there): its own work, never a page it may
/// not open (a procurement officer or a partner used to land on the registry and a refusal).
pub fn start_page(role: sentra_domain::account::Role) -> &'static str {
    use sentra_domain::account::Role;
    match role {
        Role::Admin | Role::Viewer => "/dasbor",
        // What waits in her area today.
        Role::Operator => "/kerja",
        // Her own businesses and what to do next.
        Role::Owner => "/usaha",
        // The products ready for the e-katalog, and the day's other curating.
        Role::Curator => "/kurasi",
        Role::Procurement => "/pengadaan",
        Role::Partner => "/mitra",
    }
}

pub const SESSION_COOKIE: &str = "sentra_session";
/// Sessions end after 12 hours (a working day), whatever the activity.
pub const SESSION_HOURS: i64 = 12;
/// Failed sign-ins allowed per account, and per client address, in the window.
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 5;
pub const MAX_FAILURES_PER_ADDRESS: i64 = 30;
pub const FAILURE_WINDOW_MINUTES: i64 = 15;

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: User,
    /// The session's CSRF token (none for API tokens, which forms cannot carry).
    pub csrf: Option<String>,
    pub actor: Actor,
    pub lang: Lang,
    /// The address asked (for the menu and language links of an error page).
    pub uri: Uri,
    /// The caller reads JSON (the API, the field app's script): refusals are JSON, not pages.
    pub json: bool,
}

impl Caller {
    /// A refusal or failure in the form the caller reads: JSON for the API and scripts; on
    /// pages an error the route's guard draws as the HTML error page with this user's menu.
    pub fn refuse(&self, e: ApiError) -> Response {
        if self.json {
            e.into_response_in(self.lang)
        } else {
            PageError::Error(e).into_response()
        }
    }

    pub fn scope(&self) -> Scope {
        self.user.region_scope()
    }

    pub fn can(&self, p: Permission) -> bool {
        self.user.role.can(p)
    }
}

/// The client's address: the one a trusted proxy forwarded, else the peer's.
fn origin(parts: &Parts) -> Option<String> {
    if let Some(client) = parts.extensions.get::<crate::client::RealClient>() {
        return Some(client.ip.to_string());
    }
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip().to_string())
}

/// A cookie-authenticated API call that changes something must come from Sentra's own pages:
/// the session's token in `X-CSRF-Token`, or the browser's word that the request is
/// same-origin (`Sec-Fetch-Site`, else an `Origin` naming this host). A form on another site
/// can post `text/plain` with the cookie; it can set neither. Bearer tokens are not sent by
/// browsers on their own, so they need none of this.
fn api_write_allowed(parts: &Parts, csrf: &str) -> bool {
    if parts.method.is_safe() {
        return true;
    }
    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(sent) = header("x-csrf-token") {
        return constant_time_eq(sent.as_bytes(), csrf.as_bytes());
    }
    if let Some(site) = header("sec-fetch-site") {
        return site == "same-origin";
    }
    match (header("origin"), header("host")) {
        (Some(origin), Some(host)) => {
            let bare = origin
                .strip_prefix("https://")
                .or_else(|| origin.strip_prefix("http://"));
            bare.is_some_and(|b| b.eq_ignore_ascii_case(host))
        }
        _ => false,
    }
}

fn is_api(parts: &Parts) -> bool {
    original_uri(parts).path().starts_with("/api/")
}

fn original_uri(parts: &Parts) -> Uri {
    parts
        .extensions
        .get::<OriginalUri>()
        .map_or_else(|| parts.uri.clone(), |u| u.0.clone())
}

/// The field app's script calls these and reads JSON answers (its page itself is HTML).
const SCRIPT_ROUTES: [&str; 3] = ["/lapangan/data", "/lapangan/sync", "/lapangan/foto"];

impl FromRequestParts<AppState> for Caller {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        // The route's guard found the caller already.
        if let Some(caller) = parts.extensions.get::<Caller>() {
            return Ok(caller.clone());
        }
        let lang = negotiate(parts);
        let api = is_api(parts);
        let origin = origin(parts);
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .map(str::to_string);
        let found = if let Some(token) = bearer {
            state
                .db()
                .token_user(&token)
                .await
                .map(|u| u.map(|u| (u, None)))
        } else if let Some(token) = cookie_in(&parts.headers, SESSION_COOKIE) {
            state
                .db()
                .session(&token)
                .await
                .map(|s| s.map(|s| (s.user, Some(s.csrf_token))))
        } else {
            Ok(None)
        };
        match found {
            Ok(Some((_, Some(csrf)))) if api && !api_write_allowed(parts, &csrf) => {
                Err(ApiError::Forbidden("csrf_invalid").into_response_in(lang))
            }
            Ok(Some((user, csrf))) => {
                let uri = original_uri(parts);
                let json = api || SCRIPT_ROUTES.contains(&uri.path());
                Ok(Caller {
                    actor: Actor::new(user.login.clone(), origin),
                    user,
                    csrf,
                    lang,
                    uri,
                    json,
                })
            }
            Ok(None) if api => Err(ApiError::Unauthorized.into_response_in(lang)),
            Ok(None) => {
                let back = parts
                    .extensions
                    .get::<OriginalUri>()
                    .map_or_else(|| parts.uri.to_string(), |u| u.0.to_string());
                let next = serde_urlencoded::to_string([("next", back)]).unwrap_or_default();
                Err(Redirect::to(&format!("/login?{next}")).into_response())
            }
            Err(e) if api => Err(ApiError::from(e).into_response_in(lang)),
            Err(e) => Err(PageError::Error(ApiError::from(e)).into_response()),
        }
    }
}

/// The client's address, when the server knows it.
pub struct ClientAddr(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(origin(parts)))
    }
}

/// Refuses a form whose `_csrf` field is not the session's token.
pub fn check_csrf(caller: &Caller, pairs: &[(String, String)]) -> Result<(), Box<Response>> {
    let sent = form_value(pairs, "_csrf");
    match &caller.csrf {
        Some(expected)
            if !sent.is_empty() && constant_time_eq(sent.as_bytes(), expected.as_bytes()) =>
        {
            Ok(())
        }
        _ => Err(Box::new(caller.refuse(ApiError::Forbidden("csrf_invalid")))),
    }
}

/// Owners change their business freely while it is a draft; once an operator has verified it,
/// changes go through an operator.
pub fn owner_locked(caller: &Caller, status: sentra_domain::umkm::UmkmStatus) -> bool {
    caller.user.role == sentra_domain::account::Role::Owner
        && status != sentra_domain::umkm::UmkmStatus::Draft
}

pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
