//! `/pesan/siaran`: a message written by staff to the registry list as filtered ("kuliner in
//! Pondok Aren without a P-IRT"): how many businesses the list holds and how many agreed to be
//! contacted, the message as the first of them will read it, then the send — within the day's
//! limit of the caller's area. Sent twice the same day, the same text reaches no one twice.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::RawQuery;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use sentra_domain::account::Permission;
use sentra_domain::messaging::{MAX_TEXT, Purpose};
use sha2::{Digest, Sha256};

use super::compose::{Draft, compose, recipient};
use super::worker::now;
use crate::error::PageResult;
use crate::extract::{FormPairs, PageCtx};
use crate::forms::form_value;
use crate::lang::Lang;
use crate::registry::export::export_params;
use crate::routes::{Access, Routes};
use crate::ui::Chrome;

pub(super) fn routes() -> Routes {
    let send = Access::Role(Permission::SendMessages);
    Routes::new("")
        .get("/pesan/siaran", send, page)
        .post("/pesan/siaran", send, submit)
}

/// The longest text staff write: room is left for the stop line and its link.
const MAX_WRITTEN: usize = MAX_TEXT - 200;

#[derive(Template, WebTemplate)]
#[template(path = "messaging/broadcast.html")]
pub struct BroadcastPage {
    pub c: Chrome,
    pub l: Lang,
    /// The list's filters as a query (`?sector=…`), for the form and the way back.
    pub query: String,
    pub total: i64,
    pub reachable: usize,
    pub limit_text: String,
    pub over_limit: bool,
    pub text: String,
    pub error: Option<String>,
    pub preview: Option<String>,
    pub notice: Option<String>,
}

struct Audience {
    total: i64,
    ids: Vec<String>,
    left: i64,
    limit: i64,
}

/// The list's audience and what the day's limit leaves.
async fn audience(ctx: &PageCtx, query: &str) -> PageResult<Audience> {
    let (filter, _) = export_params(&ctx.state, ctx.caller.user.role, query)?;
    let scope = ctx.scope();
    let limit = ctx.state.messaging().broadcast_daily_limit;
    // The day as the caller's area counts it, from its midnight (stored times are UTC text).
    let zone = sentra_domain::programme::activity::Zone::of_region(scope.region_code().as_str());
    let midnight = crate::clock::today()
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default()
        - chrono::Duration::hours(zone.offset_hours());
    let since = midnight.format("%Y-%m-%dT%H:%M:%S").to_string();
    let used = ctx
        .db()
        .broadcasts_since(scope.region_code(), &since)
        .await?;
    let left = (limit - used).max(0);
    let (total, ids) = ctx
        .db()
        .broadcast_audience(&scope, &filter, left + 1)
        .await?;
    Ok(Audience {
        total,
        ids,
        left,
        limit,
    })
}

fn render(ctx: &PageCtx, query: &str, a: &Audience, text: &str) -> BroadcastPage {
    let lang = ctx.lang;
    BroadcastPage {
        c: ctx.chrome(lang.t("message.broadcast_title")),
        l: lang,
        query: if query.is_empty() {
            String::new()
        } else {
            format!("?{query}")
        },
        total: a.total,
        reachable: a.ids.len().min(a.left as usize),
        limit_text: lang.tf(
            "message.broadcast_limit",
            &[
                ("limit", &a.limit.to_string()),
                ("left", &a.left.to_string()),
            ],
        ),
        over_limit: a.ids.len() as i64 > a.left,
        text: text.to_string(),
        error: None,
        preview: None,
        notice: None,
    }
}

async fn page(ctx: PageCtx, RawQuery(query): RawQuery) -> PageResult {
    let query = query.unwrap_or_default();
    let a = audience(&ctx, &query).await?;
    Ok(render(&ctx, &query, &a, "").into_response())
}

fn draft(text: &str, umkm: &str) -> Draft<'static> {
    let day = crate::clock::today();
    let digest = Sha256::digest(text.trim().as_bytes());
    let short: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    Draft {
        purpose: Purpose::Broadcast,
        key: format!("broadcast:{day}:{short}:{umkm}"),
        values: vec![("text", text.trim().to_string())],
        not_before: now(),
        subject: Lang::Id.t("message.subject_broadcast").into_owned(),
    }
}

/// `action=preview` shows the first recipient's message; `action=send` queues them all when
/// the audience is still the one previewed (`expect`) and within the day's limit.
async fn submit(
    ctx: PageCtx,
    RawQuery(query): RawQuery,
    FormPairs(pairs): FormPairs,
) -> PageResult {
    let lang = ctx.lang;
    let query = query.unwrap_or_default();
    let a = audience(&ctx, &query).await?;
    let text = form_value(&pairs, "text").replace("\r\n", "\n");
    let mut out = render(&ctx, &query, &a, &text);
    let refuse = |mut page: BroadcastPage, key: &str, args: &[(&str, &str)]| {
        page.error = Some(lang.tf(key, args));
        (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
    };
    if text.trim().is_empty() {
        return Ok(refuse(out, "message.broadcast_text_required", &[]));
    }
    if text.chars().count() > MAX_WRITTEN {
        return Ok(refuse(
            out,
            "message.broadcast_text_too_long",
            &[("max", &MAX_WRITTEN.to_string())],
        ));
    }
    let state = &ctx.state;
    let scope = ctx.scope();
    if form_value(&pairs, "action") != "send" {
        if let Some(first) = a.ids.first() {
            let r = recipient(state, &scope, first).await?;
            out.preview = compose(state, &r, draft(&text, first))
                .await?
                .map(|m| m.body);
        }
        return Ok(out.into_response());
    }
    if out.over_limit {
        return Ok(refuse(out, "message.broadcast_over_limit", &[]));
    }
    if form_value(&pairs, "expect") != out.reachable.to_string() {
        out.notice = Some(lang.t("message.broadcast_changed").into_owned());
        return Ok((StatusCode::CONFLICT, out).into_response());
    }
    let (mut messages, mut unreachable) = (Vec::new(), 0u64);
    for id in &a.ids {
        let r = recipient(state, &scope, id).await?;
        match compose(state, &r, draft(&text, id)).await? {
            Some(m) => messages.push(m),
            None => unreachable += 1,
        }
    }
    let (queued, already) = ctx
        .db()
        .queue_messages(&messages, &ctx.caller.actor)
        .await?;
    state.wake_sender();
    Ok(Redirect::to(&format!(
        "/pesan?status=queued&antri={queued}&sudah={already}&tanpa={unreachable}"
    ))
    .into_response())
}
