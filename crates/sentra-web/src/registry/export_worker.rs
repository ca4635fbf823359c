//! The worker that writes large exports: it claims a job with a lease (renewed while it works,
//! so a job whose server died is taken up again), writes the workbook and stores it for the
//! requester's download. Files are dropped after a day.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sentra_storage::{Actor, ExportJob, ProfileExport};
use tokio::sync::Notify;

use crate::AppState;
use crate::catalogue::public::site_base;
use crate::forms::form_value;
use crate::lang::Lang;
use crate::params::parse_list_params;
use crate::registry::export::{
    ExportLayout, registry_total, spawn_export, write_registry_workbook,
};
use crate::registry::export_profiles::{
    job_profile, row_count, spawn_profile_export, write_profile_workbook,
};

const LEASE_SECONDS: i64 = 15;
const RENEW: Duration = Duration::from_secs(2);
const IDLE_POLL: Duration = Duration::from_secs(3);
const KEEP_HOURS: i64 = 24;
const PURGE_EVERY: Duration = Duration::from_secs(3600);

/// Stops between jobs once `stop` turns true, like the import worker.
pub async fn run_export_worker(
    state: AppState,
    wake: Arc<Notify>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let db = state.db().clone();
    let mut last_purge: Option<std::time::Instant> = None;
    loop {
        if *stop.borrow() {
            return;
        }
        if last_purge.is_none_or(|t| t.elapsed() > PURGE_EVERY) {
            if let Err(e) = db.purge_export_files(KEEP_HOURS).await {
                tracing::warn!(error = %e, "cannot purge old export files");
            }
            last_purge = Some(std::time::Instant::now());
        }
        match db.claim_export_job(LEASE_SECONDS).await {
            Ok(Some(job)) => {
                let id = job.id.clone();
                if let Err(e) = run_job(&state, job).await {
                    tracing::error!(job = %id, error = %e, "export job failed");
                    let _ = db.fail_export_job(&id, &e).await;
                }
                continue;
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "cannot look for export jobs"),
        }
        tokio::select! {
            () = wake.notified() => {}
            () = tokio::time::sleep(IDLE_POLL) => {}
            _ = stop.changed() => {}
        }
    }
}

async fn run_job(state: &AppState, job: ExportJob) -> Result<(), String> {
    let db = state.db().clone();
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(&job.query).unwrap_or_default();
    let params = parse_list_params(&pairs, state.regions()).map_err(|e| format!("{e:?}"))?;
    let profile = job_profile(state, &job.query)?;
    let export = profile.as_ref().map(|p| ProfileExport {
        profile: p.id.clone(),
        subject: p.subject,
        filter: params.filter.clone(),
        only_ekatalog: form_value(&pairs, "ekatalog") == "1",
        reveal: job.reveal,
        // No request to take a host from: the public URL, else the first allowed host.
        site: site_base(state, &axum::http::HeaderMap::new()),
    });
    let total = match &export {
        Some(e) => row_count(&db, &job.scope, e).await,
        None => registry_total(&db, &job.scope, &params.filter).await,
    }
    .map_err(|e| e.to_string())?
    .max(0) as u64;
    let progress = Arc::new(AtomicU64::new(0));
    let heartbeat = {
        let (db, id, progress) = (db.clone(), job.id.clone(), progress.clone());
        tokio::spawn(async move {
            loop {
                let done = progress.load(Ordering::Relaxed);
                if let Err(e) = db.renew_export_job(&id, done, total, LEASE_SECONDS).await {
                    tracing::warn!(job = %id, error = %e, "cannot renew export job");
                }
                tokio::time::sleep(RENEW).await;
            }
        })
    };
    let actor = Actor::new(job.created_by.clone(), Some(format!("export {}", job.id)));
    let counter = progress.clone();
    let progress = move |n| counter.store(n, Ordering::Relaxed);
    let written = match (profile, export) {
        (Some(p), Some(export)) => {
            let rx = spawn_profile_export(db.clone(), job.scope.clone(), export, actor);
            write_profile_workbook(&p, rx, progress).await
        }
        _ => {
            // Jobs from before the language was kept with the query are in Indonesian.
            let lang = Lang::parse(form_value(&pairs, "lang")).unwrap_or(Lang::Id);
            let layout = ExportLayout::load(&db, lang, job.scope.region_code())
                .await
                .map_err(|e| e.to_string())?;
            let rx = spawn_export(
                db.clone(),
                job.scope.clone(),
                params.filter,
                job.reveal,
                actor,
            );
            write_registry_workbook(rx, layout, progress).await
        }
    };
    heartbeat.abort();
    let (bytes, rows) = written.map_err(|e| e.to_string())?;
    db.finish_export_job(&job.id, &bytes, rows)
        .await
        .map_err(|e| e.to_string())
}
