//! Messages and bulk work in the JSON API (issue 32): the area's outbox and a message cancelled,
//! a business's contact consents given and withdrawn, an activity's invitations queued, a
//! broadcast to a filtered registry list previewed and sent, bulk jobs started and read — the
//! checks, scope and audit of `/pesan`, `/pesan/siaran` and `/umkm/massal`, shared with those
//! pages through [`crate::messaging::service`].

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use sentra_domain::account::Permission;
use sentra_domain::messaging::{Channel, MessageState, hide_secret_links};
use sentra_storage::{BulkJob, StorageError, StoredMessage};

use crate::AppState;
use crate::api::{ApiResult, parse_body};
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody, LangError};
use crate::forms::{form_value, query_pairs};
use crate::lang::ReqLang;
use crate::messaging::service::{
    self, BulkRequest, ConsentChange, Queued, Refusal, audience, broadcast_preview, broadcast_text,
    queue_invitations, record_consent, send_broadcast, start_bulk,
};
use crate::routes::{Access, Routes};

pub(crate) fn routes() -> Routes {
    let send = Access::Role(Permission::SendMessages);
    let bulk = Access::Role(Permission::VerifyRegistry);
    Routes::new("/api")
        .get("/v1/messages", send, list)
        .post("/v1/messages/{message}/cancel", send, cancel)
        .get("/v1/umkm/{id}/consents", send, consents)
        .put("/v1/umkm/{id}/consents/{channel}", send, set_consent)
        .post(
            "/v1/activities/{activity}/invitation-messages",
            send,
            invite,
        )
        .post("/v1/broadcasts/preview", send, preview)
        .post("/v1/broadcasts", send, broadcast)
        .post("/v1/bulk-jobs", bulk, start_job)
        .get("/v1/bulk-jobs/{bulk}", bulk, job)
}

/// A message of the outbox.
#[derive(Serialize, ToSchema)]
pub struct MessageOut {
    pub id: String,
    /// The business it is for; null for a person who is not one (an FGD participant).
    pub umkm_id: Option<String>,
    /// The business's name; null for a person. Kept for clients written before `recipient`.
    #[schema(deprecated)]
    pub business: Option<String>,
    /// Whom it is addressed to: the business's name, or the person's.
    pub recipient: String,
    /// `whatsapp`, `sms`, `email` or `phone` (the operator's own phone).
    pub channel: String,
    /// `invitation`, `reminder`, `expiry`, `verified`, `broadcast`, `change_decided`,
    /// `partner_outcome`, `gallery_statement` or `fgd_invitation`.
    pub purpose: String,
    /// `queued`, `sending`, `sent`, `delivered`, `failed` or `cancelled`.
    pub state: String,
    pub text: String,
    pub attempts: i64,
    /// The earliest it goes, RFC 3339 (UTC): inside the sending hours where the owner lives.
    pub due_at: String,
    /// Why it failed or was cancelled (`interrupted`, `stopped`, the channel's answer, …).
    pub error: Option<String>,
    /// RFC 3339 (UTC).
    pub created_at: String,
    pub sent_at: Option<String>,
}

fn message_out(m: StoredMessage) -> MessageOut {
    MessageOut {
        due_at: chrono::DateTime::from_timestamp(m.due_at, 0)
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .unwrap_or_default(),
        id: m.id,
        business: m.umkm_id.is_some().then(|| m.recipient_name.clone()),
        umkm_id: m.umkm_id,
        recipient: m.recipient_name,
        channel: m.channel.as_str().to_string(),
        purpose: m.purpose.as_str().to_string(),
        state: m.state.as_str().to_string(),
        // A personal link is for its holder alone (an FGD participant's answers).
        text: hide_secret_links(&m.body),
        attempts: m.attempts,
        error: m.error.map(|e| hide_secret_links(&e)),
        created_at: m.created_at,
        sent_at: m.sent_at,
    }
}

/// How many messages of the area are in each state.
#[derive(Serialize, ToSchema)]
pub struct MessageCounts {
    pub queued: i64,
    pub sending: i64,
    pub sent: i64,
    pub delivered: i64,
    pub failed: i64,
    pub cancelled: i64,
}

#[derive(Serialize, ToSchema)]
pub struct MessageList {
    /// Newest first, at most 200.
    pub items: Vec<MessageOut>,
    /// The whole area's counts (every business), whatever the filters.
    pub counts: MessageCounts,
}

/// The outbox of the caller's area, newest first: all of it, one state, or one business's.
#[utoipa::path(operation_id = "list_messages", get, path = "/api/v1/messages", tag = "messages",
    params(
        ("status" = Option<String>, Query, pattern = "^(queued|sending|sent|delivered|failed|cancelled)$", description = "Only messages in this state"),
        ("umkm" = Option<String>, Query, max_length = 64, description = "Only this business's messages (its last 100)"),
    ),
    responses((status = 200, body = MessageList), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<MessageList>> {
    let run = async {
        let pairs = query_pairs(query.as_deref());
        let status = match pairs.iter().find(|(k, _)| k == "status") {
            None => None,
            Some((_, v)) => Some(
                MessageState::parse(v)
                    .ok_or_else(|| service::invalid("status", "choice_invalid"))?,
            ),
        };
        let umkm = form_value(&pairs, "umkm").trim();
        if umkm.chars().count() > 64 {
            return Err(service::invalid("umkm", "text_too_long"));
        }
        let scope = caller.scope();
        let one_business = pairs.iter().any(|(k, _)| k == "umkm");
        // The area's counts always; its list only when no business is named.
        let limit = if one_business { 0 } else { 200 };
        let (found, counts) = state.db().outbox(&scope, status, None, limit).await?;
        let items = if one_business {
            state
                .db()
                .messages_of(&scope, umkm)
                .await?
                .into_iter()
                .filter(|m| status.is_none_or(|s| m.state == s))
                .collect()
        } else {
            found
        };
        Ok::<_, ApiError>(MessageList {
            items: items.into_iter().map(message_out).collect(),
            counts: MessageCounts {
                queued: counts.of(MessageState::Queued),
                sending: counts.of(MessageState::Sending),
                sent: counts.of(MessageState::Sent),
                delivered: counts.of(MessageState::Delivered),
                failed: counts.of(MessageState::Failed),
                cancelled: counts.of(MessageState::Cancelled),
            },
        })
    };
    run.await.map(Json).map_err(|e| LangError(lang, e))
}

/// Withdraws a message that is still waiting; 409 once it is on its way or done.
#[utoipa::path(operation_id = "cancel_message", post, path = "/api/v1/messages/{message}/cancel", tag = "messages",
    params(("message" = String, Path, description = "Message id")),
    responses((status = 204, description = "Cancelled"), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn cancel(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    match state
        .db()
        .cancel_message(&caller.scope(), &id, &caller.actor)
        .await
    {
        Ok(true) => Ok(StatusCode::NO_CONTENT),
        Ok(false) => Err(LangError(lang, ApiError::Conflict)),
        Err(e) => Err(LangError(lang, e.into())),
    }
}

/// A business's consent to be contacted on one channel (UU 27/2022: when and how it was given,
/// and withdrawn).
#[derive(Serialize, ToSchema)]
pub struct ConsentOut {
    /// `whatsapp`, `sms` or `email`.
    pub channel: String,
    /// Given and not withdrawn since.
    pub active: bool,
    /// The e-mail address consented with; masked (`s•••@contoh.id`) for roles that do not
    /// see personal data.
    pub address: Option<String>,
    pub given_at: Option<String>,
    /// `form`, `spoken`, `whatsapp` or `letter`.
    pub given_how: Option<String>,
    pub given_by: Option<String>,
    pub withdrawn_at: Option<String>,
    /// As `given_how`, or `stop` for a STOP reply or the stop link.
    pub withdrawn_how: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ConsentList {
    /// One per channel, given or not.
    pub items: Vec<ConsentOut>,
}

async fn consent_list(
    state: &AppState,
    caller: &Caller,
    umkm: &str,
) -> Result<ConsentList, ApiError> {
    let found = state.db().consents_of(&caller.scope(), umkm).await?;
    Ok(ConsentList {
        items: Channel::CONSENTED
            .into_iter()
            .map(|ch| match found.iter().find(|c| c.channel == ch) {
                Some(c) => ConsentOut {
                    channel: ch.as_str().to_string(),
                    active: c.active(),
                    address: c
                        .address
                        .as_deref()
                        .map(|a| crate::messaging::shown_email(caller, a)),
                    given_at: c.given_at.clone(),
                    given_how: c.given_how.clone(),
                    given_by: c.given_by.clone(),
                    withdrawn_at: c.withdrawn_at.clone(),
                    withdrawn_how: c.withdrawn_how.clone(),
                },
                None => ConsentOut {
                    channel: ch.as_str().to_string(),
                    active: false,
                    address: None,
                    given_at: None,
                    given_how: None,
                    given_by: None,
                    withdrawn_at: None,
                    withdrawn_how: None,
                },
            })
            .collect(),
    })
}

/// The business's consents, one per channel.
#[utoipa::path(operation_id = "list_consents", get, path = "/api/v1/umkm/{id}/consents", tag = "messages",
    params(("id" = String, Path, description = "UMKM id")),
    responses((status = 200, body = ConsentList), (status = 404, body = ErrorBody)))]
async fn consents(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<ConsentList>> {
    consent_list(&state, &caller, &id)
        .await
        .map(Json)
        .map_err(|e| LangError(lang, e))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentBody {
    /// Given (`true`) or withdrawn (`false`).
    pub given: bool,
    /// How the owner said so: `form`, `spoken`, `whatsapp` or `letter`.
    #[schema(pattern = "^(form|spoken|whatsapp|letter)$")]
    pub how: String,
    /// For an e-mail consent, the address to write to.
    #[serde(default)]
    #[schema(max_length = 254)]
    pub email: Option<String>,
}

/// Records the owner's consent to a channel, or its withdrawal (what waits on it is cancelled
/// in the same step).
#[utoipa::path(operation_id = "set_consent", put, path = "/api/v1/umkm/{id}/consents/{channel}", tag = "messages",
    request_body = ConsentBody,
    params(("id" = String, Path, description = "UMKM id"),
        ("channel" = String, Path, pattern = "^(whatsapp|sms|email)$", description = "`whatsapp`, `sms` or `email`")),
    responses((status = 200, body = ConsentList), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn set_consent(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    Path((id, channel)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<Json<ConsentList>> {
    let run = async {
        // Outside the caller's scope the business does not exist, whatever the body says.
        state.db().consents_of(&caller.scope(), &id).await?;
        let body: ConsentBody = parse_body(&body)?;
        record_consent(
            &state,
            &caller.scope(),
            &caller.actor,
            &id,
            ConsentChange {
                channel: &channel,
                given: body.given,
                how: &body.how,
                email: body.email.as_deref().unwrap_or(""),
            },
        )
        .await?;
        consent_list(&state, &caller, &id).await
    };
    run.await.map(Json).map_err(|e| LangError(lang, e))
}

/// What a queueing did.
#[derive(Serialize, ToSchema)]
pub struct QueuedOut {
    /// Messages queued now.
    pub queued: u64,
    /// Queued before (the same message is never queued twice).
    pub already: u64,
    /// Businesses no channel reaches: no consent, or no address.
    pub unreachable: u64,
}

impl From<Queued> for QueuedOut {
    fn from(q: Queued) -> Self {
        QueuedOut {
            queued: q.queued,
            already: q.already,
            unreachable: q.unreachable,
        }
    }
}

/// Queues the activity's invitation for every invitee who consented, and the reminder for the
/// day before while that is ahead. Calling it again queues only the new invitees.
#[utoipa::path(operation_id = "queue_invitation_messages", post, path = "/api/v1/activities/{activity}/invitation-messages", tag = "messages",
    params(("activity" = String, Path, description = "Activity id")),
    responses((status = 200, body = QueuedOut), (status = 404, body = ErrorBody)))]
async fn invite(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<QueuedOut>> {
    queue_invitations(&state, &caller.scope(), &caller.actor, &id, None)
        .await
        .map(|(q, _)| Json(q.into()))
        .map_err(|e| LangError(lang, e.into()))
}

/// The registry list's filters, as `GET /api/v1/umkm` takes them: the audience of a broadcast,
/// the records of a bulk job.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // It describes the query in the document; the handlers read the raw query.
pub struct RegistryFilter {
    /// Region code at any level, e.g. 36.74.03
    region: Option<String>,
    /// Sector code
    sector: Option<String>,
    /// mikro, kecil, menengah, besar
    size: Option<String>,
    /// draft, verified, inactive
    status: Option<String>,
    /// has_KIND or no_KIND, e.g. has_nib, no_halal
    legality: Option<String>,
    /// Text in name or brand
    q: Option<String>,
    /// reported:YEAR, class_down:YEAR or a milestone and year, e.g. class_up:2025
    naik_kelas: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreviewBody {
    /// The words staff write; the greeting and the stop line are added.
    #[schema(min_length = 1, max_length = 824)]
    pub text: String,
}

#[derive(Serialize, ToSchema)]
pub struct BroadcastPreviewOut {
    /// Businesses the filtered list holds.
    pub total: i64,
    /// Those a send would queue now: the consented, within what the day leaves. Send it back
    /// as `expect`.
    pub reachable: u64,
    /// Messages a day the area may broadcast, and what is left of today's.
    pub daily_limit: i64,
    pub left_today: i64,
    /// More consented than the day leaves: the send is refused; narrow the filters.
    pub over_limit: bool,
    /// The message as the first owner will read it.
    pub preview: Option<String>,
}

/// How many the filtered list reaches, and the message as its first owner will read it.
#[utoipa::path(operation_id = "preview_broadcast", post, path = "/api/v1/broadcasts/preview", tag = "messages",
    params(RegistryFilter), request_body = PreviewBody,
    responses((status = 200, body = BroadcastPreviewOut), (status = 422, body = ErrorBody)))]
async fn preview(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> ApiResult<Json<BroadcastPreviewOut>> {
    let run = async {
        let a = audience(&state, &caller, query.as_deref().unwrap_or("")).await?;
        let body: PreviewBody = parse_body(&body)?;
        let text = broadcast_text(&body.text)?;
        Ok::<_, ApiError>(BroadcastPreviewOut {
            total: a.total,
            reachable: a.reachable() as u64,
            daily_limit: a.limit,
            left_today: a.left,
            over_limit: a.over_limit(),
            preview: broadcast_preview(&state, &caller.scope(), &a, &text).await?,
        })
    };
    run.await.map(Json).map_err(|e| LangError(lang, e))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BroadcastBody {
    #[schema(min_length = 1, max_length = 824)]
    pub text: String,
    /// The `reachable` of the preview: the send happens only while the audience is that one
    /// (409 otherwise).
    #[schema(minimum = 0, maximum = 1_000_000)]
    pub expect: u64,
}

/// Queues the message to every business of the filtered list that consented, when the list
/// still reaches `expect` of them and the day's limit allows. The same words to the same
/// business on the same day are one message.
#[utoipa::path(operation_id = "send_broadcast", post, path = "/api/v1/broadcasts", tag = "messages",
    params(RegistryFilter), request_body = BroadcastBody,
    responses((status = 202, body = QueuedOut), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn broadcast(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> ApiResult<Response> {
    let run = async {
        let a = audience(&state, &caller, query.as_deref().unwrap_or("")).await?;
        let body: BroadcastBody = parse_body(&body)?;
        if body.expect > 1_000_000 {
            return Err(service::invalid("expect", "number_out_of_range"));
        }
        let text = broadcast_text(&body.text)?;
        let expect = Some(body.expect as usize);
        match send_broadcast(&state, &caller.scope(), &caller.actor, &a, &text, expect).await? {
            Ok(done) => Ok((StatusCode::ACCEPTED, Json(QueuedOut::from(done))).into_response()),
            Err(Refusal::OverLimit) => Err(service::invalid("expect", "broadcast_over_limit")),
            Err(Refusal::Changed) => Err(ApiError::Conflict),
        }
    };
    run.await.map_err(|e| LangError(lang, e))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkBody {
    /// `verify`; `message` (with `text`); `invite` (with `activity`).
    #[schema(pattern = "^(verify|message|invite)$")]
    pub action: String,
    /// The chosen records; leave out and set `all` for every record the filters hold.
    #[serde(default)]
    #[schema(max_items = 20000)]
    pub ids: Option<Vec<String>>,
    /// Every record the filters hold (at most 20,000).
    #[serde(default)]
    pub all: bool,
    /// For `message`: the words.
    #[serde(default)]
    #[schema(max_length = 824)]
    pub text: Option<String>,
    /// For `invite`: the activity.
    #[serde(default)]
    #[schema(max_length = 64)]
    pub activity: Option<String>,
}

/// A bulk job and, once done, what it did.
#[derive(Serialize, ToSchema)]
pub struct BulkJobOut {
    pub id: String,
    /// `verify`, `message` or `invite`.
    pub action: String,
    /// `queued`, `running`, `done` or `failed`.
    pub state: String,
    pub rows_total: u64,
    pub rows_done: u64,
    /// Records verified, or messages queued.
    pub done: u64,
    pub refused: Vec<RefusedOut>,
}

/// A record the job did not act on, and why: `not_found`, `merged`, `already_verified`,
/// `possible_duplicate` or `no_consent`.
#[derive(Serialize, ToSchema)]
pub struct RefusedOut {
    pub umkm_id: String,
    pub name: String,
    pub reason: String,
}

fn job_out(j: BulkJob) -> BulkJobOut {
    BulkJobOut {
        state: j.state.as_str().to_string(),
        id: j.id,
        action: j.action,
        rows_total: j.rows_total,
        rows_done: j.rows_done,
        done: j.done_count,
        refused: j
            .refused
            .into_iter()
            .map(|(umkm_id, name, reason)| RefusedOut {
                umkm_id,
                name,
                reason,
            })
            .collect(),
    }
}

/// Starts a bulk job over the chosen records (or all the filters hold); it runs in the
/// background on any server — follow `Location`.
#[utoipa::path(operation_id = "start_bulk_job", post, path = "/api/v1/bulk-jobs", tag = "messages",
    params(RegistryFilter), request_body = BulkBody,
    responses((status = 202, body = BulkJobOut, headers(("Location" = String, description = "The job"))), (status = 422, body = ErrorBody)))]
async fn start_job(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> ApiResult<Response> {
    let run = async {
        let query = query.unwrap_or_default();
        let body: BulkBody = parse_body(&body)?;
        let ids = if body.all {
            None
        } else {
            Some(body.ids.unwrap_or_default())
        };
        if ids.as_ref().is_some_and(|ids| ids.len() > 20_000) {
            return Err(service::invalid("ids", "number_out_of_range"));
        }
        let id = start_bulk(
            &state,
            &caller,
            BulkRequest {
                query: &query,
                action: &body.action,
                ids,
                text: body.text.as_deref().unwrap_or(""),
                activity: body.activity.as_deref().unwrap_or(""),
            },
        )
        .await?;
        state.wake_bulk_worker();
        let job = own_job(&state, &caller, &id).await?;
        let mut response = (StatusCode::ACCEPTED, Json(job_out(job))).into_response();
        if let Ok(v) = HeaderValue::from_str(&format!("/api/v1/bulk-jobs/{id}")) {
            response.headers_mut().insert(header::LOCATION, v);
        }
        Ok::<_, ApiError>(response)
    };
    run.await.map_err(|e| LangError(lang, e))
}

/// A job is its starter's: another account does not find it.
async fn own_job(state: &AppState, caller: &Caller, id: &str) -> Result<BulkJob, ApiError> {
    match state.db().bulk_job(id).await? {
        Some(j) if j.created_by == caller.actor.name => Ok(j),
        _ => Err(StorageError::NotFound.into()),
    }
}

/// A bulk job: its progress, then what it did and what it refused with the reasons.
#[utoipa::path(operation_id = "get_bulk_job", get, path = "/api/v1/bulk-jobs/{bulk}", tag = "messages",
    params(("bulk" = String, Path, description = "Job id")),
    responses((status = 200, body = BulkJobOut), (status = 404, body = ErrorBody)))]
async fn job(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<BulkJobOut>> {
    own_job(&state, &caller, &id)
        .await
        .map(|j| Json(job_out(j)))
        .map_err(|e| LangError(lang, e))
}
