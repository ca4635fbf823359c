//! The worker that runs browser imports: it claims a job with a lease, renews the lease while
//! it works, and either stores the dry run's report or writes the rows. Writing is the same
//! batched, resumable path as the CLI's: a job whose server died is claimed again when its
//! lease runs out, planned again (rows already written are then unchanged) and finished.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sentra_domain::import::{ImportContext, Mapping, RowProblem, SectorName};
use sentra_domain::region::RegionTree;
use sentra_domain::scope::Scope;
use sentra_storage::{
    Actor, Database, ImportJob, ImportPlan, JobProblem, JobState, POSSIBLE_DUPLICATE, RowPlan,
};
use tokio::sync::Notify;

use crate::file::prepare;
use crate::run::{Setting, check, commit};

/// How long a claim holds without renewal; the worker renews it every [`RENEW`].
pub const LEASE_SECONDS: i64 = 15;
const RENEW: Duration = Duration::from_secs(2);
/// How often an idle worker looks for jobs started by other servers or left by a dead one.
const IDLE_POLL: Duration = Duration::from_secs(3);
/// Uploaded files are kept this long after a job ends (for the rejected-rows download).
pub const KEEP_FILES_DAYS: i64 = 7;
const PURGE_EVERY: Duration = Duration::from_secs(3600);

/// Runs jobs for ever: one at a time, woken at once by `wake` (a job created on this server)
/// or every few seconds (jobs of other servers, or expired leases).
///
/// Stops between jobs once `stop` turns true (the server is shutting down); a job under way is
/// finished first, within the server's drain time.
pub async fn run_worker(
    db: Database,
    wake: Arc<Notify>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut last_purge: Option<std::time::Instant> = None;
    loop {
        if *stop.borrow() {
            return;
        }
        if last_purge.is_none_or(|t| t.elapsed() > PURGE_EVERY) {
            match db.purge_import_files(KEEP_FILES_DAYS).await {
                Ok(n) if n > 0 => tracing::info!(files = n, "purged old import files"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "cannot purge old import files"),
            }
            last_purge = Some(std::time::Instant::now());
        }
        match db.claim_import_job(LEASE_SECONDS).await {
            Ok(Some(job)) => {
                let id = job.id.clone();
                if let Err(e) = run_job(&db, job).await {
                    tracing::error!(job = %id, error = %e, "import job failed");
                    let _ = db.fail_import_job(&id, &e.to_string()).await;
                }
                continue;
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "cannot look for import jobs"),
        }
        tokio::select! {
            () = wake.notified() => {}
            () = tokio::time::sleep(IDLE_POLL) => {}
            _ = stop.changed() => {}
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error(transparent)]
    Storage(#[from] sentra_storage::StorageError),
    #[error("{0}")]
    Other(String),
}

/// The managed sector list with both names, for matching what a file writes.
pub async fn sector_names(db: &Database) -> Result<Vec<SectorName>, sentra_storage::StorageError> {
    Ok(db
        .sectors()
        .await?
        .into_iter()
        .map(|s| SectorName {
            code: s.code,
            name_id: s.name_id,
            name_en: s.name_en,
        })
        .collect())
}

/// Failures the user is told about by message code (stored as the job's error).
pub const NOTHING_WRITTEN: &str = "import_nothing_written";
pub const FILE_GONE: &str = "import_file_gone";

/// One claimed job: the dry run (state `checking`) or the commit (state `running`).
pub async fn run_job(db: &Database, job: ImportJob) -> Result<(), JobError> {
    let Some(bytes) = db.import_job_file(&job.id).await? else {
        db.fail_import_job(&job.id, FILE_GONE).await?;
        return Ok(());
    };
    let name = job.file_name.clone();
    let prepared = match tokio::task::spawn_blocking(move || prepare(&name, bytes))
        .await
        .map_err(|e| JobError::Other(e.to_string()))?
    {
        Ok(p) => p,
        // Stored as its message code, so that the job page can say why (a file uploaded
        // before a limit existed can pass one now).
        Err(e) => {
            db.fail_import_job(&job.id, e.code()).await?;
            return Ok(());
        }
    };
    let data = prepared.data;
    let total = data.len() as u64;
    let mapping = Mapping {
        columns: job.mapping.clone(),
    };
    let sectors = sector_names(db).await?;
    let sector_words = db.import_words(&job.scope_region, "sector").await?;
    let ctx = ImportContext {
        regions: RegionTree::embedded(),
        within: &job.scope_region,
        sectors: &sectors,
        sector_words: &sector_words,
    };
    let scope = Scope::region(job.scope_region.clone());
    let today = chrono::Local::now().date_naive();

    // Progress is counted by the import and written, with the renewed lease, by this task.
    let progress = Arc::new(AtomicU64::new(0));
    let heartbeat = {
        let (db, id, progress) = (db.clone(), job.id.clone(), progress.clone());
        tokio::spawn(async move {
            loop {
                let done = progress.load(Ordering::Relaxed);
                if let Err(e) = db.renew_import_job(&id, done, total, LEASE_SECONDS).await {
                    tracing::warn!(job = %id, error = %e, "cannot renew import job");
                }
                tokio::time::sleep(RENEW).await;
            }
        })
    };
    let outcome = async {
        let setting = Setting {
            scope: &scope,
            mapping: &mapping,
            ctx: &ctx,
            options: job.options,
            today,
        };
        let count = |n: usize| progress.store(n as u64, Ordering::Relaxed);
        match job.state {
            JobState::Checking => {
                let checked = check(db, &setting, &data, count).await?;
                db.finish_import_check(
                    &job.id,
                    &checked.counts,
                    &checked.findings,
                    &checked.changes,
                )
                .await?;
            }
            _ => {
                // All or nothing: checked again first, against the registry as it is now.
                if job.all_or_nothing
                    && check(db, &setting, &data, |_| {}).await?.counts.invalid > 0
                {
                    db.fail_import_job(&job.id, NOTHING_WRITTEN).await?;
                    return Ok(());
                }
                let actor = Actor::new(job.created_by.clone(), Some(format!("import {}", job.id)));
                let result =
                    commit(db, &setting, data, &actor, Some(job.id.as_str()), count).await?;
                db.finish_import_commit(&job.id, &result).await?;
            }
        }
        Ok::<(), JobError>(())
    }
    .await;
    heartbeat.abort();
    outcome
}

/// What the dry run found, row by row: the problems of invalid rows, and possible duplicates.
pub fn findings(plan: &ImportPlan) -> Vec<JobProblem> {
    let mut out = Vec::new();
    for row in &plan.rows {
        if let RowPlan::Invalid(problems) = &row.plan {
            out.extend(problems.iter().map(|p| JobProblem {
                line: row.line,
                problem: p.clone(),
            }));
        }
        if let Some(of) = &row.possible_duplicate {
            out.push(JobProblem {
                line: row.line,
                problem: RowProblem {
                    field: String::new(),
                    code: POSSIBLE_DUPLICATE.into(),
                    hint: Some(of.clone()),
                    value: None,
                },
            });
        }
    }
    out
}

/// The invalid rows' problems by row number, for the rejected-rows workbook.
pub fn invalid_by_line(problems: &[JobProblem]) -> HashMap<usize, Vec<RowProblem>> {
    let mut by_line: HashMap<usize, Vec<RowProblem>> = HashMap::new();
    for p in problems
        .iter()
        .filter(|p| p.problem.code != POSSIBLE_DUPLICATE)
    {
        by_line.entry(p.line).or_default().push(p.problem.clone());
    }
    by_line
}
