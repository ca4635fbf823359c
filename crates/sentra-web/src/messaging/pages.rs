//! The pages of the outbox: `/pesan` (what was sent, what waits, what failed and why),
//! `/pesan/kirim` (the operator's list for her own phone: one tap each opens WhatsApp with the
//! text filled in and marks it sent), consent on a business's page, the owner's stop page
//! (`/berhenti/{token}`, no sign-in: the token in her message is the key), and invitations to
//! an activity queued for every invitee who can be reached.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Redirect};
use sentra_domain::account::Permission;
use sentra_domain::messaging::{Channel, MessageState, hide_secret_links};
use sentra_domain::money::format_thousands;
use sentra_storage::{StoredMessage, UmkmRecord};
use serde::Deserialize;

use super::compose::STOP_TOKEN_LEN;
use super::service;
use super::worker::now;
use crate::AppState;
use crate::auth::Caller;
use crate::error::PageResult;
use crate::extract::{PageCtx, PageForm, PageQuery};
use crate::lang::{Lang, ReqLang};
use crate::routes::{Access, Routes};
use crate::ui::Chrome;
use crate::view::date_text;

pub(super) fn routes() -> Routes {
    let send = Access::Role(Permission::SendMessages);
    // Sending from one's own phone shows the number in full: for roles that may see it.
    let from_phone = Access::Role(Permission::RevealPersonalData);
    Routes::new("")
        .get("/pesan", send, outbox)
        .get("/pesan/kirim", from_phone, phone_list)
        .post("/pesan/{message}/kirim", from_phone, send_from_phone)
        .post("/pesan/{message}/batal", send, cancel)
        .post("/umkm/{id}/persetujuan", send, consent)
        .post("/kegiatan/{activity}/undang-pesan", send, invite_all)
        .get("/berhenti/{token}", Access::Public, stop_form)
        .post("/berhenti/{token}", Access::Public, stop)
}

/// A message as a row: when, to whom, on what, for what, where it is.
pub struct MessageRow {
    pub id: String,
    pub when: String,
    pub umkm_id: Option<String>,
    pub business: String,
    pub channel: String,
    pub purpose: String,
    pub state: String,
    pub state_code: &'static str,
    pub problem: String,
    pub text: String,
    pub pending: bool,
}

fn message_row(lang: Lang, m: StoredMessage) -> MessageRow {
    let due = chrono::DateTime::from_timestamp(m.due_at, 0)
        .map(|t| t.format("%Y-%m-%dT%H:%M").to_string())
        .unwrap_or_default();
    let when = match (&m.sent_at, m.state) {
        (Some(at), _) => at.clone(),
        (None, MessageState::Queued) => due,
        _ => m.created_at.clone(),
    };
    let zone = sentra_domain::programme::activity::Zone::of_region(&m.village_code);
    MessageRow {
        when: moment(lang, &when, zone),
        business: m.recipient_name,
        umkm_id: m.umkm_id,
        channel: lang
            .t(&format!("message.channel_{}", m.channel.as_str()))
            .into_owned(),
        purpose: lang
            .t(&format!("message.purpose_{}", m.purpose.as_str()))
            .into_owned(),
        state: lang
            .t(&format!("message.state_{}", m.state.as_str()))
            .into_owned(),
        state_code: m.state.as_str(),
        problem: m
            .error
            .as_deref()
            .map(|e| problem_text(lang, &hide_secret_links(e)))
            .unwrap_or_default(),
        pending: m.state == MessageState::Queued,
        text: hide_secret_links(&m.body),
        id: m.id,
    }
}

/// A stored moment (`2026-03-02T15:30…`, UTC) as the region's local day and time.
fn moment(lang: Lang, utc: &str, zone: sentra_domain::programme::activity::Zone) -> String {
    let parsed = chrono::DateTime::parse_from_rfc3339(utc)
        .map(|t| t.naive_utc())
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(utc, "%Y-%m-%dT%H:%M"));
    match parsed {
        Ok(t) => {
            use chrono::Timelike;
            let local = t + chrono::Duration::hours(zone.offset_hours());
            format!(
                "{} {} {}",
                date_text(lang, &local.format("%Y-%m-%d").to_string()),
                lang.time(local.hour(), local.minute()),
                zone.as_str()
            )
        }
        Err(_) => utc.to_string(),
    }
}

/// A kept failure reason in words; the channel's own text after the known ones.
fn problem_text(lang: Lang, error: &str) -> String {
    let code = error.split([':', ' ']).next().unwrap_or(error);
    let key = format!("message.problem_{code}");
    if lang.has(&key) {
        let detail = error[code.len()..].trim_start_matches([':', ' ']);
        if detail.is_empty() {
            lang.t(&key).into_owned()
        } else {
            format!("{} ({detail})", lang.t(&key))
        }
    } else {
        error.to_string()
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "messaging/outbox.html")]
pub struct OutboxPage {
    pub c: Chrome,
    pub l: Lang,
    pub notice: Option<String>,
    /// (state code, label, count, link).
    pub counts: Vec<(&'static str, String, i64, String)>,
    pub showing: String,
    pub rows: Vec<MessageRow>,
    pub phone_waiting: i64,
    pub channels: String,
    /// May edit the texts (`/admin/pesan`).
    pub can_edit_texts: bool,
}

#[derive(Deserialize, Default)]
struct OutboxQuery {
    #[serde(default)]
    status: String,
    /// After queuing invitations: queued, already queued, not reachable.
    #[serde(default)]
    antri: Option<u64>,
    #[serde(default)]
    sudah: Option<u64>,
    #[serde(default)]
    tanpa: Option<u64>,
}

/// `/pesan`: the outbox of the caller's area.
async fn outbox(ctx: PageCtx, PageQuery(q): PageQuery<OutboxQuery>) -> PageResult {
    let lang = ctx.lang;
    let scope = ctx.scope();
    let state = MessageState::parse(&q.status);
    let (list, counts) = ctx.db().outbox(&scope, state, None, 200).await?;
    // The operator's own list, counted apart: it waits for her, not for a sender.
    let phone_waiting = if ctx.caller.can(Permission::RevealPersonalData) {
        ctx.db().phone_waiting(&scope, now()).await?
    } else {
        0
    };
    let notice = q.antri.map(|queued| {
        lang.tf(
            "message.invitations_queued",
            &[
                ("queued", &format_thousands(queued)),
                ("already", &format_thousands(q.sudah.unwrap_or(0))),
                ("unreachable", &format_thousands(q.tanpa.unwrap_or(0))),
            ],
        )
    });
    let configured = ctx.state.messaging().channels();
    Ok(OutboxPage {
        can_edit_texts: ctx.caller.can(Permission::ManageMessages),
        c: ctx.chrome(lang.t("message.outbox_title")),
        l: lang,
        notice,
        counts: MessageState::ALL
            .into_iter()
            .map(|s| {
                (
                    s.as_str(),
                    lang.t(&format!("message.state_{}", s.as_str()))
                        .into_owned(),
                    counts.of(s),
                    format!("/pesan?status={}", s.as_str()),
                )
            })
            .collect(),
        showing: match state {
            Some(s) => lang
                .t(&format!("message.state_{}", s.as_str()))
                .into_owned(),
            None => lang.t("message.all").into_owned(),
        },
        rows: list.into_iter().map(|m| message_row(lang, m)).collect(),
        phone_waiting,
        channels: if configured.is_empty() {
            lang.t("message.no_channels").into_owned()
        } else {
            configured
                .iter()
                .map(|c| {
                    lang.t(&format!("message.channel_{}", c.as_str()))
                        .into_owned()
                })
                .collect::<Vec<_>>()
                .join(", ")
        },
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "messaging/phone_list.html")]
pub struct PhoneListPage {
    pub c: Chrome,
    pub l: Lang,
    pub rows: Vec<MessageRow>,
}

/// `/pesan/kirim`: what waits for the operator's own phone, oldest first.
async fn phone_list(ctx: PageCtx) -> PageResult {
    let lang = ctx.lang;
    let list = ctx.db().phone_queue(&ctx.scope(), now(), 200).await?;
    Ok(PhoneListPage {
        c: ctx.chrome(lang.t("message.phone_title")),
        l: lang,
        rows: list.into_iter().map(|m| message_row(lang, m)).collect(),
    }
    .into_response())
}

/// One tap on the list: marked sent (the number's reveal audited), then WhatsApp opens with the
/// text filled in. A second tap opens it again without marking twice.
async fn send_from_phone(ctx: PageCtx, Path(id): Path<String>) -> PageResult {
    let m = ctx
        .db()
        .mark_phone_sent(&ctx.scope(), &id, &ctx.caller.actor)
        .await?;
    let digits: String = m.address.chars().filter(char::is_ascii_digit).collect();
    let query = serde_urlencoded::to_string([("text", m.body.as_str())]).unwrap_or_default();
    Ok(Redirect::to(&format!("https://wa.me/{digits}?{query}")).into_response())
}

/// Staff withdraw a waiting message; back to where they were.
async fn cancel(ctx: PageCtx, Path(id): Path<String>) -> PageResult {
    ctx.db()
        .cancel_message(&ctx.scope(), &id, &ctx.caller.actor)
        .await?;
    Ok(Redirect::to("/pesan?status=queued").into_response())
}

/// The consent form on a business's page.
#[derive(Deserialize)]
struct ConsentForm {
    #[serde(default)]
    channel: String,
    /// `give` or `withdraw`.
    #[serde(default)]
    action: String,
    #[serde(default)]
    how: String,
    #[serde(default)]
    email: String,
}

async fn consent(
    ctx: PageCtx,
    Path(id): Path<String>,
    PageForm(f): PageForm<ConsentForm>,
) -> PageResult {
    // Outside the caller's scope the business does not exist, whatever the form says.
    ctx.db().consents_of(&ctx.scope(), &id).await?;
    let given = match f.action.as_str() {
        "give" => true,
        "withdraw" => false,
        _ => return Err(service::invalid("action", "choice_invalid").into()),
    };
    service::record_consent(
        &ctx.state,
        &ctx.scope(),
        &ctx.caller.actor,
        &id,
        service::ConsentChange {
            channel: &f.channel,
            given,
            how: &f.how,
            email: &f.email,
        },
    )
    .await?;
    let done = if given {
        "consent_given"
    } else {
        "consent_withdrawn"
    };
    Ok(Redirect::to(&format!("/umkm/{id}?done={done}#pesan")).into_response())
}

/// Queues the invitation for every invitee of the list who can be reached (and the reminder for
/// the day before, while that is still ahead), then shows the outbox with what was done.
async fn invite_all(ctx: PageCtx, Path(id): Path<String>) -> PageResult {
    let (done, _) =
        service::queue_invitations(&ctx.state, &ctx.scope(), &ctx.caller.actor, &id, None).await?;
    Ok(Redirect::to(&done.outbox_link()).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "messaging/stop.html")]
pub struct StopPage {
    pub c: Chrome,
    pub l: Lang,
    pub token: String,
    /// After the stop: the business and the channel stopped.
    pub stopped: Option<(String, String)>,
    pub unknown: bool,
}

fn stop_chrome(
    lang: Lang,
    uri: &Uri,
    visitor: &Result<Caller, axum::response::Response>,
) -> Chrome {
    let c = Chrome::new(lang, lang.t("message.stop_title").into_owned(), uri);
    match visitor {
        Ok(caller) => c.signed_in(caller),
        Err(_) => c,
    }
}

/// The stop page: one button, so that a link scanner opening the link stops nothing
/// (RFC 8058's one-click POST does the same for mail programs).
async fn stop_form(
    State(_state): State<AppState>,
    ReqLang(lang): ReqLang,
    uri: Uri,
    visitor: Result<Caller, axum::response::Response>,
    Path(token): Path<String>,
) -> PageResult {
    Ok(StopPage {
        c: stop_chrome(lang, &uri, &visitor),
        l: lang,
        token: token
            .chars()
            .filter(char::is_ascii_hexdigit)
            .take(STOP_TOKEN_LEN)
            .collect(),
        stopped: None,
        unknown: false,
    }
    .into_response())
}

/// The owner's stop: her consent on that channel is withdrawn and what waits is cancelled, at
/// once and on every server (the outbox is the database).
async fn stop(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    uri: Uri,
    visitor: Result<Caller, axum::response::Response>,
    Path(token): Path<String>,
) -> PageResult {
    let found = if token.len() == STOP_TOKEN_LEN && token.chars().all(|c| c.is_ascii_hexdigit()) {
        state.db().stop_by_token(&token, "link").await?
    } else {
        None
    };
    let page = StopPage {
        c: stop_chrome(lang, &uri, &visitor),
        l: lang,
        unknown: found.is_none(),
        stopped: found.map(|(name, channel)| {
            (
                name,
                lang.t(&format!("message.channel_{}", channel.as_str()))
                    .into_owned(),
            )
        }),
        token,
    };
    if page.unknown {
        return Ok((axum::http::StatusCode::NOT_FOUND, page).into_response());
    }
    Ok(page.into_response())
}

/// A consent as the business's page shows it.
pub struct ConsentRow {
    pub channel_code: &'static str,
    pub channel: String,
    pub active: bool,
    pub text: String,
}

/// The messages part of a business's page.
pub struct MessagesSection {
    pub consents: Vec<ConsentRow>,
    pub rows: Vec<MessageRow>,
    /// (code, label) of the ways a consent is given.
    pub hows: Vec<(&'static str, String)>,
}

/// A consented e-mail address as `caller` may see it: in full for roles that see personal data,
/// masked for the others (a curator sends, but does not read owners' contacts).
pub(crate) fn shown_email(caller: &Caller, address: &str) -> String {
    if caller.can(Permission::RevealPersonalData) {
        address.to_string()
    } else {
        crate::view::mask_email(address)
    }
}

/// For staff who send messages: the business's consents and its messages.
pub(crate) async fn messages_section(
    state: &AppState,
    caller: &Caller,
    lang: Lang,
    r: &UmkmRecord,
) -> Option<MessagesSection> {
    if !caller.can(Permission::SendMessages) || r.merged_into.is_some() {
        return None;
    }
    let scope = caller.scope();
    let consents = state.db().consents_of_record(r).await.ok()?;
    let messages = state.db().messages_of(&scope, &r.id).await.ok()?;
    let how = |h: &Option<String>| {
        h.as_deref()
            .map(|h| lang.t(&format!("message.how_{h}")).into_owned())
            .unwrap_or_default()
    };
    Some(MessagesSection {
        consents: Channel::CONSENTED
            .into_iter()
            .map(|ch| {
                let found = consents.iter().find(|c| c.channel == ch);
                let label = lang
                    .t(&format!("message.channel_{}", ch.as_str()))
                    .into_owned();
                let (active, text) = match found {
                    Some(c) if c.active() => (
                        true,
                        lang.tf(
                            "message.consent_given_on",
                            &[
                                (
                                    "date",
                                    &date_text(lang, c.given_at.as_deref().unwrap_or("")),
                                ),
                                ("how", &how(&c.given_how)),
                            ],
                        ) + &c
                            .address
                            .as_deref()
                            .map(|a| format!(" · {}", shown_email(caller, a)))
                            .unwrap_or_default(),
                    ),
                    Some(c) if c.withdrawn_at.is_some() => (
                        false,
                        lang.tf(
                            "message.consent_withdrawn_on",
                            &[
                                (
                                    "date",
                                    &date_text(lang, c.withdrawn_at.as_deref().unwrap_or("")),
                                ),
                                ("how", &how(&c.withdrawn_how)),
                            ],
                        ),
                    ),
                    _ => (false, lang.t("message.consent_none").into_owned()),
                };
                ConsentRow {
                    channel_code: ch.as_str(),
                    channel: label,
                    active,
                    text,
                }
            })
            .collect(),
        rows: messages.into_iter().map(|m| message_row(lang, m)).collect(),
        hows: service::HOWS
            .into_iter()
            .map(|h| (h, lang.t(&format!("message.how_{h}")).into_owned()))
            .collect(),
    })
}
