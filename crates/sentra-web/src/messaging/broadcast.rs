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

use super::service::{
    Audience, MAX_WRITTEN, Refusal, audience, broadcast_preview, broadcast_text, send_broadcast,
};
use crate::error::PageResult;
use crate::extract::{FormPairs, PageCtx};
use crate::forms::form_value;
use crate::lang::Lang;
use crate::routes::{Access, Routes};
use crate::ui::Chrome;

pub(super) fn routes() -> Routes {
    let send = Access::Role(Permission::SendMessages);
    Routes::new("")
        .get("/pesan/siaran", send, page)
        .post("/pesan/siaran", send, submit)
}

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
        reachable: a.reachable(),
        limit_text: lang.tf(
            "message.broadcast_limit",
            &[
                ("limit", &a.limit.to_string()),
                ("left", &a.left.to_string()),
            ],
        ),
        over_limit: a.over_limit(),
        text: text.to_string(),
        error: None,
        preview: None,
        notice: None,
    }
}

async fn page(ctx: PageCtx, RawQuery(query): RawQuery) -> PageResult {
    let query = query.unwrap_or_default();
    let a = audience(&ctx.state, &ctx.caller, &query).await?;
    Ok(render(&ctx, &query, &a, "").into_response())
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
    let a = audience(&ctx.state, &ctx.caller, &query).await?;
    let written = form_value(&pairs, "text").replace("\r\n", "\n");
    let mut out = render(&ctx, &query, &a, &written);
    let refuse = |mut page: BroadcastPage, key: &str, args: &[(&str, &str)]| {
        page.error = Some(lang.tf(key, args));
        (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
    };
    let text = match broadcast_text(&written) {
        Ok(t) => t,
        Err(_) if written.trim().is_empty() => {
            return Ok(refuse(out, "message.broadcast_text_required", &[]));
        }
        Err(_) => {
            return Ok(refuse(
                out,
                "message.broadcast_text_too_long",
                &[("max", &MAX_WRITTEN.to_string())],
            ));
        }
    };
    let (state, scope) = (&ctx.state, ctx.scope());
    if form_value(&pairs, "action") != "send" {
        out.preview = broadcast_preview(state, &scope, &a, &text).await?;
        return Ok(out.into_response());
    }
    let expect = form_value(&pairs, "expect").parse().ok();
    match send_broadcast(state, &scope, &ctx.caller.actor, &a, &text, expect).await? {
        Ok(done) => Ok(Redirect::to(&done.outbox_link()).into_response()),
        Err(Refusal::OverLimit) => Ok(refuse(out, "message.broadcast_over_limit", &[])),
        Err(Refusal::Changed) => {
            out.notice = Some(lang.t("message.broadcast_changed").into_owned());
            Ok((StatusCode::CONFLICT, out).into_response())
        }
    }
}
