//! One-time codes by WhatsApp or SMS (issue 32, item 5): an owner who signed up proves her
//! phone (`/akun/nomor`) — after which an operator's hand-over may link her account to her
//! business without meeting her — and anyone whose account signs in with a phone sets a new
//! password with a code (`/lupa-sandi`) instead of waiting for an admin. Codes are six digits,
//! good for ten minutes and five tries, at most three an hour per number, kept only as a keyed
//! hash. Where no WhatsApp or SMS is configured, the pages say to ask the Dinas.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{RawForm, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Duration;
use sentra_domain::account::{check_password, parse_login};
use sentra_storage::{Actor, CodeCheck};
use serde::Deserialize;

use super::channels::{Sent, send_code};
use super::worker::now;
use crate::AppState;
use crate::auth::{Caller, ClientAddr};
use crate::error::PageResult;
use crate::extract::{PageCtx, PageForm, PageQuery};
use crate::forms::form_value;
use crate::lang::{Lang, ReqLang};
use crate::routes::{Access, Routes};
use crate::ui::Chrome;

pub(super) fn routes() -> Routes {
    Routes::new("")
        .get("/akun/nomor", Access::SignedIn, proof_page)
        .post("/akun/nomor", Access::SignedIn, proof_check)
        .post("/akun/nomor/kirim", Access::SignedIn, proof_send)
        .get("/lupa-sandi", Access::Public, reset_start)
        .post("/lupa-sandi", Access::Public, reset_send)
        .post("/lupa-sandi/baru", Access::Public, reset_finish)
}

const SIGNUP: &str = "signup";
const RESET: &str = "reset";
/// Password reset requests one address may make in an hour (codes per number are limited too).
const RESETS_PER_ADDRESS: i64 = 10;

/// Issues a code for `phone` and sends it; `Err` names why not (for the page to say).
pub(crate) async fn send_new_code(
    state: &AppState,
    phone: &str,
    purpose: &str,
) -> Result<(), &'static str> {
    let code = match state.db().issue_phone_code(phone, purpose, now()).await {
        Ok(Some(code)) => code,
        Ok(None) => return Err("message.code_too_many"),
        Err(e) => {
            tracing::warn!(error = %e, "cannot issue a phone code");
            return Err("message.code_not_sent");
        }
    };
    let text = Lang::Id.tf("message.code_text", &[("code", &code)]);
    match send_code(state.messaging(), phone, &text).await {
        Sent::Taken(_) => Ok(()),
        Sent::Failed { reason, .. } => {
            tracing::warn!(%reason, "a phone code was not sent");
            Err("message.code_not_sent")
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "messaging/phone_proof.html")]
pub struct ProofPage {
    pub c: Chrome,
    pub l: Lang,
    pub phone: String,
    pub proven: bool,
    pub can_send: bool,
    pub notice: Option<String>,
    pub error: Option<String>,
}

#[derive(Deserialize, Default)]
struct ProofQuery {
    #[serde(default)]
    kirim: String,
}

/// The signed-in account's phone (its login), masked for the page.
fn masked(login: &str) -> String {
    sentra_domain::phone::parse_phone(login)
        .map(|p| p.masked())
        .unwrap_or_default()
}

async fn proof_view(
    ctx: &PageCtx,
    notice: Option<String>,
    error: Option<String>,
) -> PageResult<ProofPage> {
    let lang = ctx.lang;
    let user = &ctx.caller.user;
    Ok(ProofPage {
        c: ctx.chrome(lang.t("message.proof_title")),
        l: lang,
        phone: masked(&user.login),
        proven: ctx.db().account_holder_confirmed(&user.id).await?,
        can_send: ctx.state.messaging().sends_codes() && user.login.starts_with('+'),
        notice,
        error,
    })
}

async fn proof_page(ctx: PageCtx, PageQuery(q): PageQuery<ProofQuery>) -> PageResult {
    let lang = ctx.lang;
    let notice = match q.kirim.as_str() {
        "ok" => Some(lang.t("message.code_sent").into_owned()),
        "" => None,
        key => Some(lang.t(&format!("message.code_{key}")).into_owned()),
    };
    Ok(proof_view(&ctx, notice, None).await?.into_response())
}

async fn proof_send(ctx: PageCtx) -> PageResult {
    let login = ctx.caller.user.login.clone();
    if !login.starts_with('+') || !ctx.state.messaging().sends_codes() {
        return Ok(Redirect::to("/akun/nomor").into_response());
    }
    let said = match send_new_code(&ctx.state, &login, SIGNUP).await {
        Ok(()) => "ok",
        Err("message.code_too_many") => "too_many",
        Err(_) => "not_sent",
    };
    Ok(Redirect::to(&format!("/akun/nomor?kirim={said}")).into_response())
}

#[derive(Deserialize)]
struct CodeForm {
    #[serde(default)]
    code: String,
}

async fn proof_check(ctx: PageCtx, PageForm(f): PageForm<CodeForm>) -> PageResult {
    let lang = ctx.lang;
    let user = ctx.caller.user.clone();
    if ctx.db().account_holder_confirmed(&user.id).await? {
        return Ok(Redirect::to("/akun/nomor").into_response());
    }
    let checked = ctx
        .db()
        .check_phone_code(&user.login, SIGNUP, &f.code, now())
        .await?;
    match checked {
        CodeCheck::Proven => {
            let actor = Actor::new(user.login.clone(), Some("phone code".into()));
            ctx.db().confirm_account_holder(&user.id, &actor).await?;
            Ok(Redirect::to("/akun/nomor").into_response())
        }
        other => {
            let error = lang.t(code_problem(other)).into_owned();
            let page = proof_view(&ctx, None, Some(error)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

fn code_problem(check: CodeCheck) -> &'static str {
    match check {
        CodeCheck::Wrong => "message.code_wrong",
        _ => "message.code_none_waiting",
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "messaging/reset.html")]
pub struct ResetPage {
    pub c: Chrome,
    pub l: Lang,
    /// Codes can be sent here at all.
    pub can_send: bool,
    /// The second step: the number a code went to (if it has an account).
    pub phone: Option<String>,
    pub typed_phone: String,
    pub error: Option<String>,
}

fn reset_page(
    state: &AppState,
    lang: Lang,
    uri: &Uri,
    visitor: Option<&Caller>,
    phone: Option<String>,
    typed_phone: &str,
    error: Option<String>,
) -> ResetPage {
    let c = Chrome::new(lang, lang.t("message.reset_title").into_owned(), uri);
    ResetPage {
        c: match visitor {
            Some(caller) => c.signed_in(caller),
            None => c,
        },
        l: lang,
        can_send: state.messaging().sends_codes(),
        phone,
        typed_phone: typed_phone.chars().take(40).collect(),
        error,
    }
}

async fn reset_start(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    uri: Uri,
    visitor: Result<Caller, Response>,
) -> PageResult {
    Ok(reset_page(&state, lang, &uri, visitor.as_ref().ok(), None, "", None).into_response())
}

/// A code to the number when an account signs in with it; the answer is the same either way,
/// so the page tells no one which numbers have accounts.
async fn reset_send(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    uri: Uri,
    visitor: Result<Caller, Response>,
    ClientAddr(address): ClientAddr,
    RawForm(form): RawForm,
) -> PageResult {
    // Held across the awaits below: the caller alone (a refusal's response is not `Sync`).
    let visitor = visitor.ok();
    let visitor = visitor.as_ref();
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&form).unwrap_or_default();
    let typed = form_value(&pairs, "phone");
    let again = |error: &str| {
        let page = reset_page(
            &state,
            lang,
            &uri,
            visitor,
            None,
            typed,
            Some(lang.t(error).into_owned()),
        );
        (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
    };
    if !state.messaging().sends_codes() {
        return Ok(reset_page(&state, lang, &uri, visitor, None, typed, None).into_response());
    }
    let login = match parse_login(typed) {
        Ok(l) if l.starts_with('+') => l,
        _ => return Ok(again("message.reset_phone_invalid")),
    };
    let db = state.db();
    let address_key = format!("reset:{}", address.unwrap_or_default());
    if db.recent_failures(&address_key, Duration::hours(1)).await? >= RESETS_PER_ADDRESS {
        return Ok(again("auth.throttled"));
    }
    let _ = db.record_failure(&[address_key]).await;
    if let Some(user) = db.user_by_login(&login).await?
        && !user.disabled
    {
        // Refused (too many this hour, the channel down): the same page, so as to say nothing.
        let _ = send_new_code(&state, &login, RESET).await;
    }
    let masked = masked(&login);
    Ok(reset_page(&state, lang, &uri, visitor, Some(masked), &login, None).into_response())
}

/// The code and the new password: the password is set, every session of the account ends, and
/// the number counts as proven.
async fn reset_finish(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    uri: Uri,
    visitor: Result<Caller, Response>,
    RawForm(form): RawForm,
) -> PageResult {
    let visitor = visitor.ok();
    let visitor = visitor.as_ref();
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&form).unwrap_or_default();
    let login = form_value(&pairs, "phone").to_string();
    let password = form_value(&pairs, "password");
    let again = |error: String| {
        let page = reset_page(
            &state,
            lang,
            &uri,
            visitor,
            Some(masked(&login)),
            &login,
            Some(error),
        );
        (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
    };
    if let Err(e) = check_password(password) {
        return Ok(again(format!(
            "{}: {}",
            lang.t("field.password"),
            lang.t(&format!("error.{}", e.0))
        )));
    }
    let db = state.db();
    let checked = db
        .check_phone_code(&login, RESET, form_value(&pairs, "code"), now())
        .await?;
    if checked != CodeCheck::Proven {
        return Ok(again(lang.t(code_problem(checked)).into_owned()));
    }
    let actor = Actor::new(login.clone(), Some("phone code".into()));
    let user = match db.reset_password(None, &login, password, &actor).await {
        Ok(u) => u,
        // No account signs in with the number: the code was never sent, so this is not reached.
        Err(sentra_storage::StorageError::NotFound) => {
            return Ok(again(lang.t("message.code_none_waiting").into_owned()));
        }
        Err(e) => return Err(e.into()),
    };
    db.confirm_account_holder(&user.id, &actor).await?;
    Ok(Redirect::to("/login?sandi=baru").into_response())
}
