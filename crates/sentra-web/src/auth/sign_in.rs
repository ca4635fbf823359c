//! Signing in (throttled per account and per address), signing up as an owner, signing out.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{RawForm, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Duration;
use serde::Deserialize;

use sentra_domain::FieldErrors;
use sentra_domain::account::{NewAccount, parse_login};
use sentra_storage::{Actor, StorageError, User};

use super::{
    ClientAddr, FAILURE_WINDOW_MINUTES, MAX_FAILURES_PER_ACCOUNT, MAX_FAILURES_PER_ADDRESS,
    SESSION_COOKIE, SESSION_HOURS,
};
use crate::AppState;
use crate::error::PageResult;
use crate::extract::{FormPairs, PageCtx, PageQuery};
use crate::forms::form_value;
use crate::lang::{Lang, ReqLang, cookie_in};
use crate::ui::Chrome;

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

/// `/login?next=…`: where to go once signed in.
#[derive(Deserialize)]
pub struct LoginQuery {
    #[serde(default)]
    next: String,
}

pub async fn login_form(
    ReqLang(lang): ReqLang,
    uri: Uri,
    PageQuery(q): PageQuery<LoginQuery>,
) -> Response {
    LoginPage {
        c: Chrome::new(lang, lang.t("auth.sign_in").into_owned(), &uri),
        l: lang,
        login: String::new(),
        next: safe_next(&q.next),
        message: None,
    }
    .into_response()
}

/// The sign-in form shown again with a message and the status that goes with it.
fn login_again(
    lang: Lang,
    uri: &Uri,
    typed: &str,
    next: &str,
    key: &str,
    status: StatusCode,
) -> Response {
    let page = LoginPage {
        c: Chrome::new(lang, lang.t("auth.sign_in").into_owned(), uri),
        l: lang,
        login: typed.chars().take(200).collect(),
        next: next.to_string(),
        message: Some(lang.t(key).into_owned()),
    };
    (status, page).into_response()
}

pub async fn login(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    uri: Uri,
    ClientAddr(address): ClientAddr,
    RawForm(form): RawForm,
) -> PageResult {
    // A public form (no session yet, so no CSRF token): read leniently, as before.
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&form).unwrap_or_default();
    let typed = form_value(&pairs, "login").trim().to_string();
    let next = safe_next(form_value(&pairs, "next"));
    let again = |key: &str, status| login_again(lang, &uri, &typed, &next, key, status);
    let login = parse_login(&typed).unwrap_or_else(|_| typed.to_lowercase());
    let account_key = format!("account:{login}");
    let address_key = format!("address:{}", address.clone().unwrap_or_default());
    let window = Duration::minutes(FAILURE_WINDOW_MINUTES);
    let db = state.db();
    if db.recent_failures(&account_key, window).await? >= MAX_FAILURES_PER_ACCOUNT
        || db.recent_failures(&address_key, window).await? >= MAX_FAILURES_PER_ADDRESS
    {
        return Ok(again("auth.throttled", StatusCode::TOO_MANY_REQUESTS));
    }
    let password = form_value(&pairs, "password");
    let Some(user) = db.authenticate(&login, password).await? else {
        let _ = db.record_failure(&[account_key, address_key]).await;
        return Ok(again("auth.failed", StatusCode::UNAUTHORIZED));
    };
    let _ = db.clear_failures(&account_key).await;
    let _ = db
        .audit_sign_in(&user, &Actor::new(user.login.clone(), address))
        .await;
    start_session(&state, &user, &next).await
}

/// Starts a session for `user` and redirects to `next` with the session cookie. A new secret
/// every time: a cookie planted before sign-in is never promoted (no session fixation).
async fn start_session(state: &AppState, user: &User, next: &str) -> PageResult {
    let token = state
        .db()
        .create_session(user, Duration::hours(SESSION_HOURS))
        .await?;
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
    Ok(res)
}

fn clear_cookie(mut res: Response) -> Response {
    res.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_static("sentra_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
    );
    res
}

pub async fn logout(ctx: PageCtx, headers: HeaderMap, FormPairs(pairs): FormPairs) -> PageResult {
    if form_value(&pairs, "everywhere").is_empty() {
        let token = cookie_in(&headers, SESSION_COOKIE).unwrap_or_default();
        ctx.db().end_session(&token).await?;
    } else {
        ctx.db().end_all_sessions(&ctx.caller.user.id).await?;
    }
    let mut res = clear_cookie(Redirect::to("/login").into_response());
    // The field app's copy of the area's records leaves the phone with the session
    // (issue 12); the app itself warns first when changes are still unsent.
    res.headers_mut().insert(
        HeaderName::from_static("clear-site-data"),
        HeaderValue::from_static("\"cache\", \"storage\""),
    );
    Ok(res)
}

#[derive(Template, WebTemplate)]
#[template(path = "auth/signup.html")]
pub struct SignupPage {
    pub c: Chrome,
    pub l: Lang,
    pub name: String,
    pub phone: String,
    pub errors: Vec<String>,
    /// WhatsApp or SMS is configured: the phone is proven by a code before the account exists.
    pub codes: bool,
    pub notice: Option<String>,
}

pub async fn signup_form(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    uri: Uri,
) -> Response {
    SignupPage {
        c: Chrome::new(lang, lang.t("signup.title").into_owned(), &uri),
        l: lang,
        name: String::new(),
        phone: String::new(),
        errors: Vec::new(),
        codes: state.messaging().sends_codes(),
        notice: None,
    }
    .into_response()
}

/// `/signup/kode`: the code to the number typed (its name kept for the next step).
pub async fn signup_code(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    uri: Uri,
    ClientAddr(address): ClientAddr,
    RawForm(form): RawForm,
) -> PageResult {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&form).unwrap_or_default();
    let view = SignupView {
        lang,
        uri: &uri,
        name: form_value(&pairs, "name"),
        phone: form_value(&pairs, "phone"),
        codes: state.messaging().sends_codes(),
    };
    let login = match parse_login(view.phone) {
        Ok(l) if l.starts_with('+') && view.codes => l,
        _ => {
            let mut e = FieldErrors::new();
            e.push("phone", "phone_invalid_chars");
            return Ok(view.invalid(&e));
        }
    };
    let db = state.db();
    let address_key = format!("signup:{}", address.unwrap_or_default());
    if db.recent_failures(&address_key, Duration::hours(1)).await? >= MAX_SIGNUPS_PER_ADDRESS {
        let throttled = vec![lang.t("auth.throttled").into_owned()];
        return Ok(view.again(StatusCode::TOO_MANY_REQUESTS, throttled));
    }
    if db.user_by_login(&login).await?.is_some() {
        let mut e = FieldErrors::new();
        e.push("phone", "login_taken");
        return Ok(view.invalid(&e));
    }
    match crate::messaging::codes::send_new_code(&state, &login, "signup").await {
        Ok(()) => Ok(view.sent()),
        Err(key) => Ok(view.again(
            StatusCode::UNPROCESSABLE_ENTITY,
            vec![lang.t(key).into_owned()],
        )),
    }
}

/// Sign-ups allowed per client address per hour.
const MAX_SIGNUPS_PER_ADDRESS: i64 = 10;

/// The sign-up form as typed, shown again with its problems.
struct SignupView<'a> {
    lang: Lang,
    uri: &'a Uri,
    name: &'a str,
    phone: &'a str,
    codes: bool,
}

impl SignupView<'_> {
    fn page(&self, errors: Vec<String>, notice: Option<String>) -> SignupPage {
        SignupPage {
            c: Chrome::new(
                self.lang,
                self.lang.t("signup.title").into_owned(),
                self.uri,
            ),
            l: self.lang,
            name: self.name.chars().take(200).collect(),
            phone: self.phone.chars().take(40).collect(),
            errors,
            codes: self.codes,
            notice,
        }
    }

    fn again(&self, status: StatusCode, errors: Vec<String>) -> Response {
        (status, self.page(errors, None)).into_response()
    }

    /// The form again after a code was sent, with what she typed.
    fn sent(&self) -> Response {
        let notice = self.lang.t("message.code_sent").into_owned();
        self.page(Vec::new(), Some(notice)).into_response()
    }

    fn invalid(&self, e: &FieldErrors) -> Response {
        let lang = self.lang;
        let messages = e
            .iter()
            .map(|f| {
                format!(
                    "{}: {}",
                    crate::view::field_label(lang, &f.field),
                    lang.error(f.code)
                )
            })
            .collect();
        self.again(StatusCode::UNPROCESSABLE_ENTITY, messages)
    }
}

/// The owner's account from the form, or its problems.
fn owner_account(
    state: &AppState,
    view: &SignupView,
    password: &str,
) -> Result<NewAccount, FieldErrors> {
    let home = state.home().as_str().to_string();
    let account = sentra_domain::account::validate_account(
        view.name,
        view.phone,
        "owner",
        &home,
        password,
        state.regions(),
        None,
    )?;
    // Owners sign up with a phone number, the way they are reached.
    if !account.login.starts_with('+') {
        let mut e = FieldErrors::new();
        e.push("phone", "phone_invalid_chars");
        return Err(e);
    }
    Ok(account)
}

/// An owner signs up with name, phone and password, is signed in, and registers the business
/// next (it starts as a draft until an operator verifies it).
pub async fn signup(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    uri: Uri,
    ClientAddr(address): ClientAddr,
    RawForm(form): RawForm,
) -> PageResult {
    // A public form (no session yet, so no CSRF token): read leniently, as before.
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&form).unwrap_or_default();
    let view = SignupView {
        lang,
        uri: &uri,
        name: form_value(&pairs, "name"),
        phone: form_value(&pairs, "phone"),
        codes: state.messaging().sends_codes(),
    };
    let password = form_value(&pairs, "password");
    let db = state.db();
    let address_key = format!("signup:{}", address.clone().unwrap_or_default());
    if db.recent_failures(&address_key, Duration::hours(1)).await? >= MAX_SIGNUPS_PER_ADDRESS {
        let throttled = vec![lang.t("auth.throttled").into_owned()];
        return Ok(view.again(StatusCode::TOO_MANY_REQUESTS, throttled));
    }
    let account = match owner_account(&state, &view, password) {
        Ok(a) => a,
        Err(e) => return Ok(view.invalid(&e)),
    };
    // Where codes can be sent, the account exists only once the number is proven (issue 32):
    // nobody signs up with another person's phone.
    if view.codes {
        let checked = db
            .check_phone_code(
                &account.login,
                "signup",
                form_value(&pairs, "code"),
                chrono::Utc::now().timestamp(),
            )
            .await?;
        if checked != sentra_storage::CodeCheck::Proven {
            let key = if checked == sentra_storage::CodeCheck::Wrong {
                "message.code_wrong"
            } else {
                "message.code_none_waiting"
            };
            return Ok(view.again(
                StatusCode::UNPROCESSABLE_ENTITY,
                vec![lang.t(key).into_owned()],
            ));
        }
    }
    let actor = Actor::new(account.login.clone(), address.clone());
    let user = match db.create_user(&account, password, &actor).await {
        Ok(u) => u,
        Err(StorageError::Invalid(e)) => return Ok(view.invalid(&e)),
        Err(e) => return Err(e.into()),
    };
    let _ = db.record_failure(&[address_key]).await;
    if view.codes {
        let proven = Actor::new(user.login.clone(), Some("phone code".into()));
        db.confirm_account_holder(&user.id, &proven).await?;
    }
    start_session(&state, &user, "/umkm/new").await
}
