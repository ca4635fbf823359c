//! Who is calling: a signed-in user (session cookie) or an API token, with CSRF protection for
//! forms and throttled sign-in.

use std::net::SocketAddr;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{ConnectInfo, FromRequestParts, OriginalUri, RawForm, RawQuery, State};
use axum::http::request::Parts;
use axum::http::{HeaderName, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Duration;

use sentra_domain::account::{Permission, parse_login};
use sentra_domain::scope::Scope;
use sentra_storage::{Actor, User};

use crate::AppState;
use crate::error::ApiError;
use crate::forms::form_value;
use crate::lang::{Lang, cookie_in, negotiate, negotiate_from};
use crate::ui::Chrome;

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
    /// A refusal or failure in the form the caller reads: the HTML error page with this
    /// user's menu on pages, JSON for the API and scripts.
    pub fn refuse(&self, e: ApiError) -> Response {
        if self.json {
            e.into_response_in(self.lang)
        } else {
            crate::ui::error_page_for(self, &self.uri, e)
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
            Err(e) => Err(crate::ui::error_page(
                lang,
                &original_uri(parts),
                ApiError::from(e),
            )),
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

/// A form post that changes something: the role must allow it and the CSRF token must match.
/// Returns the form's fields.
pub fn accept_form(
    caller: &Caller,
    p: Permission,
    form: &[u8],
) -> Result<Vec<(String, String)>, Box<Response>> {
    require(caller, p)?;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(form).unwrap_or_default();
    check_csrf(caller, &pairs)?;
    Ok(pairs)
}

/// Owners change their business freely while it is a draft; once an operator has verified it,
/// changes go through an operator.
pub fn owner_locked(caller: &Caller, status: sentra_domain::umkm::UmkmStatus) -> bool {
    caller.user.role == sentra_domain::account::Role::Owner
        && status != sentra_domain::umkm::UmkmStatus::Draft
}

/// Refuses a caller whose role lacks `p`.
pub fn require(caller: &Caller, p: Permission) -> Result<(), Box<Response>> {
    if caller.can(p) {
        Ok(())
    } else {
        Err(Box::new(caller.refuse(ApiError::Forbidden("forbidden"))))
    }
}

/// Refuses (403, an HTML page with the menu) a change to a setting kept once for the whole
/// deployment — the programme rules and topics (city-wide), the category tree and the search
/// synonyms (global) — unless the caller's scope covers the home region. Scopes nest by region
/// code and a deployment serves one home region, so its top level is a scope holding all of
/// that region (its own, or a province's above it): a kecamatan admin or curator would
/// otherwise change what every other kecamatan lives by.
pub fn require_home_wide(
    state: &AppState,
    caller: &Caller,
    uri: &Uri,
) -> Result<(), Box<Response>> {
    if caller.scope().covers(state.home()) {
        Ok(())
    } else {
        Err(Box::new(crate::ui::error_page_for(
            caller,
            uri,
            ApiError::Forbidden("settings_scope"),
        )))
    }
}

pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[derive(Template, WebTemplate)]
#[template(path = "auth/login.html")]
pub struct LoginPage {
    pub c: Chrome,
    pub l: Lang,
    pub login: String,
    pub next: String,
    pub message: Option<String>,
}

/// Only paths of this site are followed after sign-in (no open redirect): one leading `/`,
/// no `\\`, and no control or space characters at all — browsers drop tabs and newlines
/// from URLs, so `/\t/evil.com` would become `//evil.com`, another site.
/// Percent-encoded control characters, backslashes or a leading encoded slash: harmless to a
/// browser today, but a proxy or an old client that decodes before following could turn them
/// into another site.
fn encoded_trick(next: &str) -> bool {
    let lower = next.to_ascii_lowercase();
    lower.starts_with("/%2f")
        || lower.contains("%5c")
        || lower.contains("%7f")
        || ["%0", "%1"].iter().any(|p| lower.contains(p))
}

pub(crate) fn safe_next(next: &str) -> String {
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(|c| c.is_control() || c.is_whitespace())
        && !encoded_trick(next)
        && next.parse::<Uri>().is_ok_and(|u| u.authority().is_none());
    if local { next.to_string() } else { "/".into() }
}

pub async fn login_form(
    parts_uri: Uri,
    RawQuery(query): RawQuery,
    headers: axum::http::HeaderMap,
) -> Response {
    let pairs: Vec<(String, String)> = crate::forms::query_pairs(query.as_deref());
    let lang = negotiate_from(&parts_uri, &headers);
    LoginPage {
        c: Chrome::new(lang, lang.t("auth.sign_in").into_owned(), &parts_uri),
        l: lang,
        login: String::new(),
        next: safe_next(form_value(&pairs, "next")),
        message: None,
    }
    .into_response()
}

pub async fn login(
    State(state): State<AppState>,
    uri: Uri,
    headers: axum::http::HeaderMap,
    ClientAddr(address): ClientAddr,
    RawForm(form): RawForm,
) -> Response {
    let lang = negotiate_from(&uri, &headers);
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&form).unwrap_or_default();
    let typed = form_value(&pairs, "login").trim().to_string();
    let next = safe_next(form_value(&pairs, "next"));
    let page = |status: StatusCode, key: &str| {
        let mut res = LoginPage {
            c: Chrome::new(lang, lang.t("auth.sign_in").into_owned(), &uri),
            l: lang,
            login: typed.chars().take(200).collect(),
            next: next.clone(),
            message: Some(lang.t(key).into_owned()),
        }
        .into_response();
        *res.status_mut() = status;
        res
    };
    let login = parse_login(&typed).unwrap_or_else(|_| typed.to_lowercase());
    let account_key = format!("account:{login}");
    let address_key = format!("address:{}", address.clone().unwrap_or_default());
    let window = Duration::minutes(FAILURE_WINDOW_MINUTES);
    let db = state.db();
    let throttled = async {
        Ok::<_, sentra_storage::StorageError>(
            db.recent_failures(&account_key, window).await? >= MAX_FAILURES_PER_ACCOUNT
                || db.recent_failures(&address_key, window).await? >= MAX_FAILURES_PER_ADDRESS,
        )
    };
    match throttled.await {
        Ok(true) => return page(StatusCode::TOO_MANY_REQUESTS, "auth.throttled"),
        Ok(false) => {}
        Err(e) => return crate::ui::error_page(lang, &uri, ApiError::from(e)),
    }
    let password = form_value(&pairs, "password");
    let user = match db.authenticate(&login, password).await {
        Ok(Some(u)) => u,
        Ok(None) => {
            let _ = db.record_failure(&[account_key, address_key]).await;
            return page(StatusCode::UNAUTHORIZED, "auth.failed");
        }
        Err(e) => return crate::ui::error_page(lang, &uri, ApiError::from(e)),
    };
    let _ = db.clear_failures(&account_key).await;
    // A new session secret on every sign-in: a cookie planted before sign-in is never promoted.
    let _ = db
        .audit_sign_in(&user, &Actor::new(user.login.clone(), address))
        .await;
    start_session(&state, &user, lang, &next).await
}

/// Starts a session for `user` and redirects to `next` with the session cookie. A new secret
/// every time: a cookie planted before sign-in is never promoted (no session fixation).
async fn start_session(state: &AppState, user: &User, lang: Lang, next: &str) -> Response {
    let token = match state
        .db()
        .create_session(user, Duration::hours(SESSION_HOURS))
        .await
    {
        Ok(t) => t,
        Err(e) => {
            return crate::ui::error_page(lang, &Uri::from_static("/login"), ApiError::from(e));
        }
    };
    let mut res = Redirect::to(next).into_response();
    let secure = if state.secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    let value = format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
        SESSION_HOURS * 3600
    );
    if let Ok(v) = HeaderValue::from_str(&value) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

fn clear_cookie(mut res: Response) -> Response {
    res.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_static("sentra_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
    );
    res
}

pub async fn logout(
    State(state): State<AppState>,
    caller: Caller,
    headers: axum::http::HeaderMap,
    RawForm(form): RawForm,
) -> Response {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&form).unwrap_or_default();
    if let Err(r) = check_csrf(&caller, &pairs) {
        return *r;
    }
    let everywhere = !form_value(&pairs, "everywhere").is_empty();
    let result = if everywhere {
        state.db().end_all_sessions(&caller.user.id).await
    } else {
        let token = cookie_in(&headers, SESSION_COOKIE).unwrap_or_default();
        state.db().end_session(&token).await
    };
    match result {
        Ok(()) => {
            let mut res = clear_cookie(Redirect::to("/login").into_response());
            // The field app's copy of the area's records leaves the phone with the session
            // (issue 12); the app itself warns first when changes are still unsent.
            res.headers_mut().insert(
                HeaderName::from_static("clear-site-data"),
                HeaderValue::from_static("\"cache\", \"storage\""),
            );
            res
        }
        Err(e) => caller.refuse(ApiError::from(e)),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "auth/signup.html")]
pub struct SignupPage {
    pub c: Chrome,
    pub l: Lang,
    pub name: String,
    pub phone: String,
    pub errors: Vec<String>,
}

pub async fn signup_form(uri: Uri, headers: axum::http::HeaderMap) -> Response {
    let lang = negotiate_from(&uri, &headers);
    SignupPage {
        c: Chrome::new(lang, lang.t("signup.title").into_owned(), &uri),
        l: lang,
        name: String::new(),
        phone: String::new(),
        errors: Vec::new(),
    }
    .into_response()
}

/// Sign-ups allowed per client address per hour.
const MAX_SIGNUPS_PER_ADDRESS: i64 = 10;

/// An owner signs up with name, phone and password, is signed in, and registers the business
/// next (it starts as a draft until an operator verifies it).
pub async fn signup(
    State(state): State<AppState>,
    uri: Uri,
    headers: axum::http::HeaderMap,
    ClientAddr(address): ClientAddr,
    RawForm(form): RawForm,
) -> Response {
    let lang = negotiate_from(&uri, &headers);
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&form).unwrap_or_default();
    let name = form_value(&pairs, "name");
    let phone = form_value(&pairs, "phone");
    let password = form_value(&pairs, "password");
    let page = |status: StatusCode, errors: Vec<String>| {
        let mut res = SignupPage {
            c: Chrome::new(lang, lang.t("signup.title").into_owned(), &uri),
            l: lang,
            name: name.chars().take(200).collect(),
            phone: phone.chars().take(40).collect(),
            errors,
        }
        .into_response();
        *res.status_mut() = status;
        res
    };
    let db = state.db();
    let address_key = format!("signup:{}", address.clone().unwrap_or_default());
    match db.recent_failures(&address_key, Duration::hours(1)).await {
        Ok(n) if n >= MAX_SIGNUPS_PER_ADDRESS => {
            return page(
                StatusCode::TOO_MANY_REQUESTS,
                vec![lang.t("auth.throttled").into_owned()],
            );
        }
        Ok(_) => {}
        Err(e) => return crate::ui::error_page(lang, &uri, ApiError::from(e)),
    }
    let home = state.home().as_str().to_string();
    let messages = |e: &sentra_domain::FieldErrors| {
        e.iter()
            .map(|f| {
                format!(
                    "{}: {}",
                    crate::view::field_label(lang, &f.field),
                    lang.error(f.code)
                )
            })
            .collect::<Vec<_>>()
    };
    let account = match sentra_domain::account::validate_account(
        name,
        phone,
        "owner",
        &home,
        password,
        state.regions(),
        None,
    ) {
        Ok(a) => a,
        Err(e) => return page(StatusCode::UNPROCESSABLE_ENTITY, messages(&e)),
    };
    // Owners sign up with a phone number, the way they are reached.
    if !account.login.starts_with('+') {
        let mut e = sentra_domain::FieldErrors::new();
        e.push("phone", "phone_invalid_chars");
        return page(StatusCode::UNPROCESSABLE_ENTITY, messages(&e));
    }
    let actor = Actor::new(account.login.clone(), address.clone());
    let user = match db.create_user(&account, password, &actor).await {
        Ok(u) => u,
        Err(sentra_storage::StorageError::Invalid(e)) => {
            return page(StatusCode::UNPROCESSABLE_ENTITY, messages(&e));
        }
        Err(e) => return crate::ui::error_page(lang, &uri, ApiError::from(e)),
    };
    let _ = db.record_failure(&[address_key]).await;
    start_session(&state, &user, lang, "/umkm/new").await
}
