//! What the messaging pages and the API both do, in one place so that they check, scope and
//! audit alike: a consent recorded, an activity's invitations queued, a broadcast's audience
//! counted and queued, a bulk job started.

use sentra_domain::FieldErrors;
use sentra_domain::account::Permission;
use sentra_domain::messaging::{Channel, MAX_TEXT, Purpose};
use sentra_domain::scope::Scope;
use sentra_storage::{Actor, NewMessage, StorageError};
use sha2::{Digest, Sha256};

use super::compose::{Draft, compose, recipient};
use super::worker::now;
use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::lang::Lang;
use crate::programme::activities::{organised_by, when};
use crate::registry::export::export_params;

pub(crate) fn invalid(field: &str, code: &'static str) -> ApiError {
    let mut e = FieldErrors::new();
    e.push(field, code);
    ApiError::Validation(e)
}

/// Ways a consent is given or withdrawn that staff record.
pub(crate) const HOWS: [&str; 4] = ["form", "spoken", "whatsapp", "letter"];

/// What staff record of a consent: the channel (as typed), given or withdrawn, how the owner
/// said so, and for e-mail the address.
pub(crate) struct ConsentChange<'a> {
    pub channel: &'a str,
    pub given: bool,
    pub how: &'a str,
    pub email: &'a str,
}

/// Gives or withdraws the business's consent as `change` says. Outside the caller's scope the
/// business does not exist.
pub(crate) async fn record_consent(
    state: &AppState,
    scope: &Scope,
    actor: &Actor,
    umkm_id: &str,
    change: ConsentChange<'_>,
) -> Result<(), ApiError> {
    let ConsentChange {
        channel,
        given,
        how,
        email,
    } = change;
    state.db().consents_of(scope, umkm_id).await?;
    if email.chars().count() > 254 {
        return Err(invalid("email", "text_too_long"));
    }
    let channel = Channel::parse(channel)
        .filter(|c| Channel::CONSENTED.contains(c))
        .ok_or_else(|| invalid("channel", "choice_invalid"))?;
    let how = HOWS
        .into_iter()
        .find(|h| *h == how.trim())
        .ok_or_else(|| invalid("how", "choice_invalid"))?;
    if !given {
        state
            .db()
            .withdraw_consent(scope, umkm_id, channel, how, actor)
            .await?;
        return Ok(());
    }
    let address = if channel == Channel::Email {
        Some(checked_email(email).map_err(|code| invalid("email", code))?)
    } else {
        None
    };
    state
        .db()
        .give_consent(scope, umkm_id, channel, address, how, actor)
        .await?;
    Ok(())
}

/// An e-mail address messages can go to (trimmed), or the problem's code.
pub(crate) fn checked_email(email: &str) -> Result<&str, &'static str> {
    let email = email.trim();
    let ok = email.split_once('@').is_some_and(|(user, host)| {
        !user.is_empty() && host.contains('.') && !email.contains(char::is_whitespace)
    });
    match email.len() {
        0 => Err("required"),
        n if n > 254 => Err("text_too_long"),
        _ if !ok => Err("email_invalid"),
        _ => Ok(email),
    }
}

/// What a queueing did: messages queued now, queued before (the same key), and records no
/// channel reaches (no consent, or no address).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Queued {
    pub queued: u64,
    pub already: u64,
    pub unreachable: u64,
}

/// Queues `messages` (a key already queued is not queued again) and wakes the sender; what
/// was done, beside the `unreachable` the caller counted while writing them.
pub(crate) async fn queue(
    state: &AppState,
    messages: &[NewMessage],
    unreachable: u64,
    actor: &Actor,
) -> Result<Queued, StorageError> {
    let (queued, already) = state.db().queue_messages(messages, actor).await?;
    if queued > 0 {
        state.wake_sender();
    }
    Ok(Queued {
        queued,
        already,
        unreachable,
    })
}

impl Queued {
    /// The outbox page that says what was done.
    pub fn outbox_link(&self) -> String {
        format!(
            "/pesan?status=queued&antri={}&sudah={}&tanpa={}",
            self.queued, self.already, self.unreachable
        )
    }
}

/// Queues the invitation for every invitee of the activity's list who can be reached (and the
/// reminder for the day before, while that is still ahead); with `only`, for those businesses
/// alone (a bulk invitation), whether or not the list ranks them. Also the businesses no
/// channel reaches.
pub(crate) async fn queue_invitations(
    state: &AppState,
    scope: &Scope,
    actor: &Actor,
    activity_id: &str,
    only: Option<&[String]>,
) -> Result<(Queued, Vec<String>), StorageError> {
    let a = state.db().get_activity(scope, activity_id).await?;
    let targets: Vec<String> = match only {
        Some(ids) => ids.to_vec(),
        None => {
            let shown = (a.data.capacity as usize * 2).clamp(10, 400);
            state
                .db()
                .invitees(scope, &a, shown)
                .await?
                .into_iter()
                .map(|c| c.umkm_id)
                .collect()
        }
    };
    let d = &a.data;
    let id_lang = Lang::Id;
    let place = d
        .venue
        .clone()
        .or_else(|| d.online_link.clone())
        .unwrap_or_default();
    let base = crate::catalogue::public::site_base(state, &axum::http::HeaderMap::new());
    let link = format!("{base}/agenda#kegiatan-{}", a.id);
    let values = || {
        vec![
            // "Kecamatan · Pondok Aren" on a page; in a sentence, "Kecamatan Pondok Aren".
            (
                "organiser",
                organised_by(state, id_lang, d).replace(" · ", " "),
            ),
            ("title", d.title.clone()),
            ("when", when(id_lang, d)),
            ("place", place.clone()),
            ("link", link.clone()),
        ]
    };
    let (mut messages, mut unreachable) = (Vec::new(), Vec::new());
    let now = now();
    for umkm in &targets {
        let r = recipient(state, scope, umkm).await?;
        let invitation = Draft {
            purpose: Purpose::Invitation,
            key: format!("invitation:{}:{}", a.id, r.umkm_id),
            values: values(),
            not_before: now,
            subject: d.title.clone(),
        };
        match compose(state, &r, invitation).await? {
            Some(m) => messages.push(m),
            None => {
                unreachable.push(r.umkm_id);
                continue;
            }
        }
        let eve = d.start - 86_400;
        if eve > now {
            let reminder = Draft {
                purpose: Purpose::Reminder,
                key: format!("reminder:{}:{}", a.id, r.umkm_id),
                values: values(),
                not_before: eve,
                subject: d.title.clone(),
            };
            if let Some(m) = compose(state, &r, reminder).await? {
                messages.push(m);
            }
        }
    }
    let done = queue(state, &messages, unreachable.len() as u64, actor).await?;
    Ok((done, unreachable))
}

/// A registry list's audience for a broadcast, and what the day's limit leaves.
pub(crate) struct Audience {
    pub total: i64,
    pub ids: Vec<String>,
    pub left: i64,
    pub limit: i64,
}

impl Audience {
    /// Those a send would queue now: the consented, up to what the day leaves.
    pub fn reachable(&self) -> usize {
        self.ids.len().min(self.left as usize)
    }

    pub fn over_limit(&self) -> bool {
        self.ids.len() as i64 > self.left
    }
}

/// The audience of the registry list filtered by `query` (the list's own parameters).
pub(crate) async fn audience(
    state: &AppState,
    caller: &Caller,
    query: &str,
) -> Result<Audience, ApiError> {
    let (filter, _) = export_params(state, caller.user.role, query)?;
    let scope = caller.scope();
    let limit = state.messaging().broadcast_daily_limit;
    // The day as the caller's area counts it, from its midnight (stored times are UTC text).
    let zone = sentra_domain::programme::activity::Zone::of_region(scope.region_code().as_str());
    let midnight = crate::clock::today()
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default()
        - chrono::Duration::hours(zone.offset_hours());
    let since = midnight.format("%Y-%m-%dT%H:%M:%S").to_string();
    let used = state
        .db()
        .broadcasts_since(scope.region_code(), &since)
        .await?;
    let left = (limit - used).max(0);
    let (total, ids) = state
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

/// The most a broadcast's own words may be: the greeting and the stop line need the rest.
pub(crate) const MAX_WRITTEN: usize = MAX_TEXT - 200;

/// The broadcast's words, checked: `text` named with the problem otherwise.
pub(crate) fn broadcast_text(text: &str) -> Result<String, ApiError> {
    let text = text.replace("\r\n", "\n");
    if text.trim().is_empty() {
        return Err(invalid("text", "required"));
    }
    if text.chars().count() > MAX_WRITTEN {
        return Err(invalid("text", "text_too_long"));
    }
    Ok(text.trim().to_string())
}

fn broadcast_draft(text: &str, umkm: &str) -> Draft<'static> {
    let day = crate::clock::today();
    let digest = Sha256::digest(text.as_bytes());
    let short: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    Draft {
        purpose: Purpose::Broadcast,
        key: format!("broadcast:{day}:{short}:{umkm}"),
        values: vec![("text", text.to_string())],
        not_before: now(),
        subject: Lang::Id.t("message.subject_broadcast").into_owned(),
    }
}

/// The message the audience's first owner would read.
pub(crate) async fn broadcast_preview(
    state: &AppState,
    scope: &Scope,
    a: &Audience,
    text: &str,
) -> Result<Option<String>, ApiError> {
    let Some(first) = a.ids.first() else {
        return Ok(None);
    };
    let r = recipient(state, scope, first).await?;
    Ok(compose(state, &r, broadcast_draft(text, first))
        .await?
        .map(|m| m.body))
}

/// Why a broadcast is not sent.
pub(crate) enum Refusal {
    OverLimit,
    /// The audience is no longer the one previewed.
    Changed,
}

/// Queues the broadcast when the audience is still the `expect`ed one and within the day's
/// limit. The same words to the same business on the same day are one message.
pub(crate) async fn send_broadcast(
    state: &AppState,
    scope: &Scope,
    actor: &Actor,
    a: &Audience,
    text: &str,
    expect: Option<usize>,
) -> Result<Result<Queued, Refusal>, ApiError> {
    if a.over_limit() {
        return Ok(Err(Refusal::OverLimit));
    }
    if expect != Some(a.reachable()) {
        return Ok(Err(Refusal::Changed));
    }
    let (mut messages, mut unreachable) = (Vec::new(), 0);
    for id in &a.ids {
        let r = recipient(state, scope, id).await?;
        match compose(state, &r, broadcast_draft(text, id)).await? {
            Some(m) => messages.push(m),
            None => unreachable += 1,
        }
    }
    Ok(Ok(queue(state, &messages, unreachable, actor).await?))
}

/// The actions a bulk job runs.
pub(crate) const BULK_ACTIONS: [&str; 3] = ["verify", "message", "invite"];
/// The most records one bulk job takes (a province's drafts are done in a few).
pub(crate) const BULK_MAX_RECORDS: usize = 20_000;

/// What a bulk job is asked to do: its action, the records (`None`: all that match `query`, the
/// list's filters), and the action's parameter (a message's words, an activity's id).
pub(crate) struct BulkRequest<'a> {
    pub query: &'a str,
    pub action: &'a str,
    pub ids: Option<Vec<String>>,
    pub text: &'a str,
    pub activity: &'a str,
}

/// Checks and queues a bulk job for the caller; its id.
pub(crate) async fn start_bulk(
    state: &AppState,
    caller: &Caller,
    req: BulkRequest<'_>,
) -> Result<String, ApiError> {
    // The filters are checked as the list checks them.
    export_params(state, caller.user.role, req.query)?;
    if !BULK_ACTIONS.contains(&req.action) {
        return Err(invalid("action", "choice_invalid"));
    }
    let scope = caller.scope();
    let param = match req.action {
        "message" => {
            if !caller.can(Permission::SendMessages) {
                return Err(invalid("action", "choice_invalid"));
            }
            Some(broadcast_text(req.text)?)
        }
        "invite" => {
            if !caller.can(Permission::SendMessages) {
                return Err(invalid("action", "choice_invalid"));
            }
            let activity = req.activity.trim();
            if activity.is_empty() {
                return Err(invalid("activity", "required"));
            }
            // An activity of the caller's own area, or none.
            match state.db().get_activity(&scope, activity).await {
                Ok(a) => Some(a.id),
                Err(StorageError::NotFound) => {
                    return Err(invalid("activity", "choice_invalid"));
                }
                Err(e) => return Err(e.into()),
            }
        }
        _ => None,
    };
    let ids: Option<Vec<String>> = req.ids.map(|ids| {
        ids.into_iter()
            .map(|v| v.trim().chars().take(64).collect::<String>())
            .filter(|v| !v.is_empty())
            .take(BULK_MAX_RECORDS)
            .collect()
    });
    if ids.as_ref().is_some_and(Vec::is_empty) {
        return Err(invalid("ids", "bulk_none_chosen"));
    }
    Ok(state
        .db()
        .create_bulk_job(
            &caller.actor.name,
            &scope,
            req.action,
            req.query,
            ids.as_deref(),
            param.as_deref(),
        )
        .await?)
}
