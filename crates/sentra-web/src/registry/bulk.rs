//! Work on many records at once (issue 32, item 6): records chosen in the registry list — or all
//! that match its filters — verified, or sent a message, as a job any server's worker runs
//! (`/umkm/massal/{job}` shows its progress, then what was done and, record by record, what was
//! refused and why). Verifying refuses a record already verified, merged, or with a possible
//! duplicate still open (to be looked at first); a message is refused where the owner gave no
//! consent.

use std::sync::Arc;
use std::time::Duration;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, RawQuery};
use axum::response::{IntoResponse, Redirect};
use sentra_domain::account::Permission;
use sentra_domain::messaging::Purpose;
use sentra_domain::money::format_thousands;
use sentra_domain::umkm::UmkmStatus;
use sentra_storage::{Actor, BulkJob, JobState, StorageError};
use tokio::sync::Notify;

use crate::AppState;
use crate::error::{ApiError, PageResult};
use crate::extract::{FormPairs, PageCtx};
use crate::forms::form_value;
use crate::lang::Lang;
use crate::messaging::compose::{Draft, compose, recipient_of};
use crate::messaging::service::{
    BULK_MAX_RECORDS, BulkRequest, invalid, queue, queue_invitations, start_bulk,
};
use crate::routes::{Access, Routes};
use crate::ui::Chrome;

pub(super) fn routes() -> Routes {
    let verify = Access::Role(Permission::VerifyRegistry);
    Routes::new("")
        .post("/umkm/massal", verify, start)
        .get("/umkm/massal/{bulk}", verify, job_page)
}

/// Starts a job from the list's bulk form: `ids` chosen (or `all=1` for every record the
/// list's filters hold), `action`, and its parameter: a message's `text`, an `activity` to
/// invite to.
async fn start(ctx: PageCtx, RawQuery(query): RawQuery, FormPairs(pairs): FormPairs) -> PageResult {
    let query = query.unwrap_or_default();
    let all = form_value(&pairs, "all") == "1";
    let ids: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "ids")
        .map(|(_, v)| v.clone())
        .take(BULK_MAX_RECORDS)
        .collect();
    if form_value(&pairs, "action") == "export" {
        let to = export_chosen(&query, all, &ids)?;
        return Ok(Redirect::to(&to).into_response());
    }
    let job = start_bulk(
        &ctx.state,
        &ctx.caller,
        BulkRequest {
            query: &query,
            action: form_value(&pairs, "action"),
            ids: (!all).then_some(ids),
            text: form_value(&pairs, "text"),
            activity: form_value(&pairs, "activity"),
        },
    )
    .await?;
    ctx.state.wake_bulk_worker();
    Ok(Redirect::to(&format!("/umkm/massal/{job}")).into_response())
}

/// An export is no job: the export page, for the list as filtered or the ticked records alone
/// (`pilih`), offers its formats and profiles.
fn export_chosen(query: &str, all: bool, ids: &[String]) -> Result<String, ApiError> {
    let mut pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    pairs.retain(|(k, _)| k != "pilih");
    if !all {
        let chosen: Vec<&String> = ids.iter().filter(|v| !v.trim().is_empty()).collect();
        if chosen.is_empty() {
            return Err(invalid("ids", "bulk_none_chosen"));
        }
        if chosen.len() > crate::params::MAX_CHOSEN {
            return Err(invalid("ids", "number_out_of_range"));
        }
        pairs.extend(
            chosen
                .into_iter()
                .map(|v| ("pilih".to_string(), v.trim().to_string())),
        );
    }
    let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    Ok(format!("/umkm/ekspor?{query}"))
}

#[derive(Template, WebTemplate)]
#[template(path = "registry/bulk_job.html")]
pub struct BulkJobPage {
    pub c: Chrome,
    pub l: Lang,
    pub running: bool,
    pub progress: String,
    pub summary: String,
    /// (record link, name, reason) of each refusal.
    pub refused: Vec<(String, String, String)>,
    pub failed: Option<String>,
}

async fn job_page(ctx: PageCtx, Path(id): Path<String>) -> PageResult {
    let lang = ctx.lang;
    let job = match ctx.db().bulk_job(&id).await? {
        Some(j) if j.created_by == ctx.caller.actor.name => j,
        _ => return Err(StorageError::NotFound.into()),
    };
    let running = matches!(job.state, JobState::Queued | JobState::Running);
    let action = lang.t(&format!("bulk.action_{}", job.action)).into_owned();
    Ok(BulkJobPage {
        c: ctx.chrome(lang.tf("bulk.title", &[("action", &action)])),
        l: lang,
        running,
        progress: lang.tf(
            "bulk.progress",
            &[
                ("done", &format_thousands(job.rows_done)),
                ("total", &format_thousands(job.rows_total)),
            ],
        ),
        summary: lang.tf(
            &format!("bulk.summary_{}", job.action),
            &[
                ("done", &format_thousands(job.done_count)),
                ("refused", &format_thousands(job.refused.len() as u64)),
            ],
        ),
        refused: job
            .refused
            .iter()
            .map(|(id, name, reason)| {
                (
                    format!("/umkm/{id}"),
                    name.clone(),
                    lang.t(&format!("bulk.reason_{reason}")).into_owned(),
                )
            })
            .collect(),
        failed: (job.state == JobState::Failed).then(|| lang.t("bulk.failed").into_owned()),
    }
    .into_response())
}

const LEASE_SECONDS: i64 = 30;
const IDLE_POLL: Duration = Duration::from_secs(3);

/// Runs bulk jobs until `stop`, like the export worker: a job whose server died is taken up
/// again when its lease ends, and done again from the start (each action is idempotent: a
/// record verified the first time is refused as already verified, a message keyed by job and
/// record is queued once).
pub async fn run_bulk_worker(
    state: AppState,
    wake: Arc<Notify>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        if *stop.borrow() {
            return;
        }
        match state.db().claim_bulk_job(LEASE_SECONDS).await {
            Ok(Some(job)) => {
                let id = job.id.clone();
                if let Err(e) = run_job(&state, job).await {
                    tracing::error!(job = %id, error = %e, "bulk job failed");
                    let _ = state.db().fail_bulk_job(&id, &e.to_string()).await;
                }
                continue;
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "cannot look for bulk jobs"),
        }
        tokio::select! {
            () = wake.notified() => {}
            () = tokio::time::sleep(IDLE_POLL) => {}
            _ = stop.changed() => {}
        }
    }
}

async fn run_job(state: &AppState, job: BulkJob) -> Result<(), StorageError> {
    let db = state.db();
    let scope = job.scope.clone();
    let ids = match &job.ids {
        Some(ids) => ids.clone(),
        None => {
            let pairs: Vec<(String, String)> =
                serde_urlencoded::from_str(&job.query).unwrap_or_default();
            let params = crate::params::parse_list_params(&pairs, state.regions())
                .map_err(StorageError::Invalid)?;
            db.registry_ids(&scope, &params.filter, BULK_MAX_RECORDS as i64)
                .await?
        }
    };
    let total = ids.len() as u64;
    let actor = Actor::new(job.created_by.clone(), Some(format!("bulk {}", job.id)));
    let (mut done, mut refused) = (0u64, Vec::new());
    let (mut messages, mut invitees) = (Vec::new(), Vec::new());
    for (n, id) in ids.iter().enumerate() {
        if n % 50 == 0 {
            db.renew_bulk_job(&job.id, n as u64, total, LEASE_SECONDS)
                .await?;
        }
        let record = match db.get_umkm(&scope, id).await {
            Ok(r) => r,
            Err(StorageError::NotFound) => {
                refused.push((id.clone(), String::new(), "not_found".to_string()));
                continue;
            }
            Err(e) => return Err(e),
        };
        let refuse = |reason: &str| (record.id.clone(), record.name.clone(), reason.to_string());
        match job.action.as_str() {
            "verify" => {
                if record.merged_into.is_some() {
                    refused.push(refuse("merged"));
                } else if record.status == UmkmStatus::Verified {
                    refused.push(refuse("already_verified"));
                } else if !db.open_duplicates_of(&scope, &record.id).await?.is_empty() {
                    refused.push(refuse("possible_duplicate"));
                } else {
                    let before = record.status;
                    let after = db
                        .set_umkm_status(&scope, &record.id, UmkmStatus::Verified, &actor)
                        .await?;
                    crate::messaging::notices::after_status_change(
                        state, &scope, before, &after, &actor,
                    )
                    .await;
                    done += 1;
                }
            }
            "message" => {
                let r = recipient_of(state, record.clone()).await?;
                let draft = Draft {
                    purpose: Purpose::Broadcast,
                    key: format!("bulk:{}:{}", job.id, record.id),
                    values: vec![("text", job.param.clone().unwrap_or_default())],
                    not_before: crate::messaging::worker::now(),
                    subject: Lang::Id.t("message.subject_broadcast").into_owned(),
                };
                match compose(state, &r, draft).await? {
                    Some(m) => {
                        messages.push(m);
                        done += 1;
                    }
                    None => refused.push(refuse("no_consent")),
                }
            }
            "invite" => invitees.push((record.id.clone(), record.name.clone())),
            other => return Err(StorageError::Corrupt(format!("bulk action {other}"))),
        }
    }
    if !invitees.is_empty() {
        // One queueing for all; invitations queued before count as done, and only those no
        // channel reaches are refused.
        let activity = job.param.clone().unwrap_or_default();
        let ids: Vec<String> = invitees.iter().map(|(id, _)| id.clone()).collect();
        let (_, unreachable) =
            queue_invitations(state, &scope, &actor, &activity, Some(&ids)).await?;
        for (id, name) in invitees {
            if unreachable.contains(&id) {
                refused.push((id, name, "no_consent".to_string()));
            } else {
                done += 1;
            }
        }
    }
    if !messages.is_empty() {
        queue(state, &messages, 0, &actor).await?;
    }
    db.finish_bulk_job(&job.id, total, done, &refused).await
}
