//! Import jobs started in the browser: the uploaded file, its mapping, the dry-run report and
//! the progress, kept in the database so that a job outlives the server that started it. A
//! worker claims a job with a lease it keeps renewing; when a server dies its lease runs out and
//! another worker (or the same server after restart) takes the job up again.

use std::collections::HashMap;

use sentra_domain::import::{ImportOptions, RowProblem, UpdateMode};
use sentra_domain::region::RegionCode;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::registry::import::ImportCounts;
use crate::registry::import_undo::RecordChanges;
use crate::sql::Args;
use crate::{Database, Result, StorageError, now_text};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Uploaded; the user checks the column mapping.
    Mapping,
    /// The dry run is running.
    Checking,
    /// The dry run's report waits for the user's decision.
    Checked,
    /// The user committed; a worker will write it.
    Queued,
    Running,
    Done,
    Failed,
    Cancelled,
}

impl JobState {
    pub const ALL: [JobState; 8] = [
        JobState::Mapping,
        JobState::Checking,
        JobState::Checked,
        JobState::Queued,
        JobState::Running,
        JobState::Done,
        JobState::Failed,
        JobState::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Mapping => "mapping",
            JobState::Checking => "checking",
            JobState::Checked => "checked",
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Failed => "failed",
            JobState::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// A worker has something to do.
    pub fn is_busy(self) -> bool {
        matches!(
            self,
            JobState::Checking | JobState::Queued | JobState::Running
        )
    }
}

#[derive(Debug, Clone)]
pub struct ImportJob {
    pub id: String,
    pub created_by: String,
    pub scope_region: RegionCode,
    pub file_name: String,
    pub sheet: String,
    pub detected: String,
    pub header_line: usize,
    pub headers: Vec<String>,
    /// The target field of each column; `None` is ignored.
    pub mapping: Vec<Option<String>>,
    pub state: JobState,
    pub all_or_nothing: bool,
    pub rows_total: u64,
    pub rows_done: u64,
    pub counts: Option<ImportCounts>,
    pub result: Option<ImportCounts>,
    pub error: Option<String>,
    pub attempts: i64,
    pub created_at: String,
    pub updated_at: String,
    /// What the import does to stored records, chosen with the mapping before the dry run.
    pub options: ImportOptions,
    /// When and by whom the written import was undone.
    pub undone: Option<(String, String)>,
}

/// What an upload creates.
pub struct NewImportJob<'a> {
    pub created_by: &'a str,
    pub scope_region: &'a RegionCode,
    pub file_name: &'a str,
    pub file: &'a [u8],
    pub sheet: &'a str,
    pub detected: &'a str,
    pub header_line: usize,
    pub headers: &'a [String],
    pub mapping: &'a [Option<String>],
}

/// One finding of a dry run, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobProblem {
    pub line: usize,
    pub problem: RowProblem,
}

/// The code of a possible-duplicate finding (not a reason to reject the row).
pub const POSSIBLE_DUPLICATE: &str = "possible_duplicate";

const JOB_COLUMNS: &str = "id, created_by, scope_region, file_name, sheet, detected, header_line, \
     headers, mapping, state, all_or_nothing, rows_total, rows_done, counts, result, error, \
     attempts, created_at, updated_at, update_mode, clear_blank, undone_at, undone_by";

fn json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

fn from_json<T: for<'de> Deserialize<'de>>(s: &str, what: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| StorageError::Corrupt(format!("import job {what}: {e}")))
}

fn job_from_row(row: &AnyRow) -> Result<ImportJob> {
    let region: String = row.try_get("scope_region")?;
    let state: String = row.try_get("state")?;
    let counts: Option<String> = row.try_get("counts")?;
    let result: Option<String> = row.try_get("result")?;
    let number = |k: &str| -> Result<u64> { Ok(row.try_get::<i64, _>(k)?.max(0) as u64) };
    let mode: String = row.try_get("update_mode")?;
    let undone_at: Option<String> = row.try_get("undone_at")?;
    let undone_by: Option<String> = row.try_get("undone_by")?;
    Ok(ImportJob {
        id: row.try_get("id")?,
        created_by: row.try_get("created_by")?,
        scope_region: RegionCode::parse(&region)
            .map_err(|_| StorageError::Corrupt(format!("import job region {region}")))?,
        file_name: row.try_get("file_name")?,
        sheet: row.try_get("sheet")?,
        detected: row.try_get("detected")?,
        header_line: number("header_line")? as usize,
        headers: from_json(&row.try_get::<String, _>("headers")?, "headers")?,
        mapping: from_json(&row.try_get::<String, _>("mapping")?, "mapping")?,
        state: JobState::parse(&state)
            .ok_or_else(|| StorageError::Corrupt(format!("import job state {state}")))?,
        all_or_nothing: row.try_get::<i64, _>("all_or_nothing")? != 0,
        rows_total: number("rows_total")?,
        rows_done: number("rows_done")?,
        counts: counts.map(|c| from_json(&c, "counts")).transpose()?,
        result: result.map(|c| from_json(&c, "result")).transpose()?,
        error: row.try_get("error")?,
        attempts: row.try_get("attempts")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        options: ImportOptions {
            mode: UpdateMode::parse(&mode)
                .ok_or_else(|| StorageError::Corrupt(format!("import job mode {mode}")))?,
            clear_blank: row.try_get::<i64, _>("clear_blank")? != 0,
        },
        undone: undone_at.zip(undone_by),
    })
}

impl Database {
    /// Stores an upload (the file encrypted under the personal-data key) in state `mapping`.
    pub async fn create_import_job(&self, job: &NewImportJob<'_>) -> Result<String> {
        let id = uuid::Uuid::now_v7().to_string();
        let now = now_text();
        sqlx::query(
            "INSERT INTO import_jobs (id, created_by, scope_region, file_name, file_data, sheet, \
             detected, header_line, headers, mapping, state, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'mapping', $11, $11)",
        )
        .bind(&id)
        .bind(job.created_by)
        .bind(job.scope_region.as_str())
        .bind(job.file_name)
        .bind(self.keyring.current().encrypt_bytes(job.file))
        .bind(job.sheet)
        .bind(job.detected)
        .bind(job.header_line as i64)
        .bind(json(&job.headers))
        .bind(json(&job.mapping))
        .bind(&now)
        .execute(&self.pool)
        .await?;
        Ok(id)
    }

    pub async fn import_job(&self, id: &str) -> Result<Option<ImportJob>> {
        let row = sqlx::query(&format!(
            "SELECT {JOB_COLUMNS} FROM import_jobs WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(job_from_row).transpose()
    }

    /// The latest jobs whose region lies within `region`.
    pub async fn import_jobs_within(
        &self,
        region: &RegionCode,
        limit: u32,
    ) -> Result<Vec<ImportJob>> {
        let rows = sqlx::query(&format!(
            "SELECT {JOB_COLUMNS} FROM import_jobs \
             WHERE scope_region = $1 OR scope_region LIKE $2 \
             ORDER BY created_at DESC LIMIT $3"
        ))
        .bind(region.as_str())
        .bind(format!("{}.%", region.as_str()))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(job_from_row).collect()
    }

    /// The uploaded file, decrypted; `None` once it has been purged.
    pub async fn import_job_file(&self, id: &str) -> Result<Option<Vec<u8>>> {
        let row: Option<(Option<Vec<u8>>,)> =
            sqlx::query_as("SELECT file_data FROM import_jobs WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        match row.and_then(|r| r.0) {
            Some(sealed) => Ok(Some(self.keyring.decrypt_bytes(&sealed)?)),
            None => Ok(None),
        }
    }

    /// Moves a job from one of `from` to `to`, setting the columns given; false when the job
    /// was not in one of those states (another tab or server moved it first).
    async fn move_job(
        &self,
        id: &str,
        from: &[JobState],
        to: JobState,
        set: &str,
        bind: Vec<String>,
    ) -> Result<bool> {
        let states: Vec<String> = from.iter().map(|s| format!("'{}'", s.as_str())).collect();
        let extra = if set.is_empty() {
            String::new()
        } else {
            format!(", {set}")
        };
        let sql = format!(
            "UPDATE import_jobs SET state = $1, updated_at = $2{extra} \
             WHERE id = ${} AND state IN ({})",
            bind.len() + 3,
            states.join(",")
        );
        let mut q = sqlx::query(&sql).bind(to.as_str()).bind(now_text());
        for b in bind {
            q = q.bind(b);
        }
        Ok(q.bind(id).execute(&self.pool).await?.rows_affected() == 1)
    }

    /// The user's mapping and options: the dry run starts (again).
    pub async fn start_import_check(
        &self,
        id: &str,
        mapping: &[Option<String>],
        options: ImportOptions,
    ) -> Result<bool> {
        // Clearing has no meaning when only empty fields are filled.
        let clear = options.clear_blank && options.mode == UpdateMode::Update;
        let set = format!(
            "mapping = $3, update_mode = $4, clear_blank = {}, counts = NULL, error = NULL, \
             rows_done = 0, claimed_until = NULL",
            i32::from(clear)
        );
        self.move_job(
            id,
            &[JobState::Mapping, JobState::Checked, JobState::Failed],
            JobState::Checking,
            &set,
            vec![json(&mapping), options.mode.as_str().to_string()],
        )
        .await
    }

    /// Back to the mapping screen from the report.
    pub async fn reopen_import_mapping(&self, id: &str) -> Result<bool> {
        self.move_job(
            id,
            &[JobState::Checked, JobState::Failed],
            JobState::Mapping,
            "",
            vec![],
        )
        .await
    }

    /// The user's decision after the dry run: write all valid rows, or nothing if any row is
    /// invalid.
    pub async fn queue_import_commit(&self, id: &str, all_or_nothing: bool) -> Result<bool> {
        let set = format!(
            "all_or_nothing = {}, rows_done = 0, claimed_until = NULL",
            i32::from(all_or_nothing)
        );
        self.move_job(id, &[JobState::Checked], JobState::Queued, &set, vec![])
            .await
    }

    pub async fn cancel_import_job(&self, id: &str) -> Result<bool> {
        let moved = self
            .move_job(
                id,
                &[JobState::Mapping, JobState::Checked, JobState::Failed],
                JobState::Cancelled,
                "file_data = NULL",
                vec![],
            )
            .await?;
        Ok(moved)
    }

    /// Takes the oldest import job that needs a worker and whose lease is free or ran out.
    pub async fn claim_import_job(&self, lease_seconds: i64) -> Result<Option<ImportJob>> {
        match crate::registry::jobs::claim(self, "import_jobs", &["checking"], lease_seconds)
            .await?
        {
            Some(id) => self.import_job(&id).await,
            None => Ok(None),
        }
    }

    /// Progress, and the lease extended: the worker is alive.
    pub async fn renew_import_job(
        &self,
        id: &str,
        done: u64,
        total: u64,
        lease_seconds: i64,
    ) -> Result<()> {
        crate::registry::jobs::renew(self, "import_jobs", id, done, total, lease_seconds).await
    }

    /// The dry run's report, in one transaction with the state change.
    pub async fn finish_import_check(
        &self,
        id: &str,
        counts: &ImportCounts,
        problems: &[JobProblem],
        changes: &[RecordChanges],
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM import_problems WHERE job_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        crate::registry::import_undo::store_changes(
            &mut tx,
            id,
            changes,
            self.params_per_statement(),
        )
        .await?;
        let mut seq_of_line: (usize, i64) = (usize::MAX, 0);
        // Seven values per problem, as many problems per statement as the engine allows.
        let per = (self.params_per_statement() / 7).max(1);
        for part in problems.chunks(per) {
            let mut values = Vec::with_capacity(part.len());
            for i in 0..part.len() {
                let b = i * 7;
                let marks: Vec<String> = (1..=7).map(|k| format!("${}", b + k)).collect();
                values.push(format!("({})", marks.join(", ")));
            }
            let sql = format!(
                "INSERT INTO import_problems (job_id, line, seq, field, code, hint, value) VALUES {}",
                values.join(",")
            );
            let mut q = sqlx::query(&sql);
            for p in part {
                if seq_of_line.0 == p.line {
                    seq_of_line.1 += 1;
                } else {
                    seq_of_line = (p.line, 0);
                }
                q = q
                    .bind(id)
                    .bind(p.line as i64)
                    .bind(seq_of_line.1)
                    .bind(p.problem.field.clone())
                    .bind(p.problem.code.clone())
                    .bind(p.problem.hint.clone())
                    .bind(p.problem.value.clone());
            }
            q.execute(&mut *tx).await?;
        }
        let done = sqlx::query(
            "UPDATE import_jobs SET state = 'checked', counts = $1, claimed_until = NULL, \
             updated_at = $2 WHERE id = $3 AND state = 'checking'",
        )
        .bind(json(counts))
        .bind(now_text())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 1 {
            tx.commit().await?;
        }
        Ok(())
    }

    /// Written. The file stays a while for the rejected-rows download; see
    /// [`Database::purge_import_files`].
    pub async fn finish_import_commit(&self, id: &str, result: &ImportCounts) -> Result<()> {
        sqlx::query(
            "UPDATE import_jobs SET state = 'done', result = $1, claimed_until = NULL, \
             updated_at = $2 WHERE id = $3",
        )
        .bind(json(result))
        .bind(now_text())
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Drops the uploaded files of jobs finished more than `days` ago: they hold personal data
    /// that is in the registry by now (UU 27/2022: kept no longer than needed). The reports stay.
    pub async fn purge_import_files(&self, days: i64) -> Result<u64> {
        let before = (chrono::Utc::now() - chrono::Duration::days(days))
            .format("%Y-%m-%dT%H:%M:%S%.3fZ")
            .to_string();
        let done = sqlx::query(
            "UPDATE import_jobs SET file_data = NULL WHERE file_data IS NOT NULL \
             AND state IN ('done', 'failed', 'cancelled', 'mapping', 'checked') \
             AND updated_at < $1",
        )
        .bind(before)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    /// The job stopped with a message for the user (e.g. "nothing written: invalid rows").
    pub async fn fail_import_job(&self, id: &str, error: &str) -> Result<()> {
        sqlx::query(
            "UPDATE import_jobs SET state = 'failed', error = $1, claimed_until = NULL, \
             updated_at = $2 WHERE id = $3",
        )
        .bind(error)
        .bind(now_text())
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The dry run's findings in row order; `invalid_only` leaves out possible duplicates.
    pub async fn import_problems(
        &self,
        id: &str,
        invalid_only: bool,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<JobProblem>> {
        let filter = if invalid_only {
            format!(" AND code <> '{POSSIBLE_DUPLICATE}'")
        } else {
            String::new()
        };
        let rows = sqlx::query(&format!(
            "SELECT line, field, code, hint, value FROM import_problems WHERE job_id = $1{filter} \
             ORDER BY line, seq LIMIT $2 OFFSET $3"
        ))
        .bind(id)
        .bind(i64::from(limit))
        .bind(i64::from(offset))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(JobProblem {
                    line: r.try_get::<i64, _>(0)?.max(0) as usize,
                    problem: RowProblem {
                        field: r.try_get(1)?,
                        code: r.try_get(2)?,
                        hint: r.try_get(3)?,
                        value: r.try_get(4)?,
                    },
                })
            })
            .collect()
    }

    /// A mapping remembered for files whose header row normalises to `headers_key`.
    /// The words offices taught the importer for `field` (normalised word → value), from the
    /// deployment down to `office`: a kecamatan reads its kabupaten's words, its own win.
    pub async fn import_words(
        &self,
        office: &RegionCode,
        field: &str,
    ) -> Result<HashMap<String, String>> {
        let mut offices = vec![office.clone()];
        while let Some(up) = offices.last().and_then(RegionCode::parent) {
            offices.push(up);
        }
        let mut args = Args::default();
        let list: Vec<String> = offices.iter().map(|o| args.text(o.as_str())).collect();
        let sql = format!(
            "SELECT region_code, word, value FROM import_words WHERE field = {} \
             AND region_code IN ({})",
            args.text(field),
            list.join(",")
        );
        let mut rows = Vec::new();
        for r in args.bind(sqlx::query(&sql)).fetch_all(&self.pool).await? {
            let (region, word, value): (String, String, String) =
                (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
            rows.push((region, word, value));
        }
        // Wider offices first, so that a narrower office's word replaces theirs.
        rows.sort_by_key(|(region, _, _)| region.len());
        Ok(rows.into_iter().map(|(_, w, v)| (w, v)).collect())
    }

    /// Keeps an office's words for `field` (each normalised by the caller), replacing its
    /// earlier choice for the same word.
    pub async fn save_import_words(
        &self,
        office: &RegionCode,
        field: &str,
        words: &[(String, String)],
        saved_by: &str,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        for (word, value) in words {
            sqlx::query(
                "INSERT INTO import_words (region_code, field, word, value, saved_by, saved_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (region_code, field, word) DO UPDATE \
                 SET value = excluded.value, saved_by = excluded.saved_by, \
                 saved_at = excluded.saved_at",
            )
            .bind(office.as_str())
            .bind(field)
            .bind(word)
            .bind(value)
            .bind(saved_by)
            .bind(now_text())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The distinct values of one problem in a job's findings, most frequent first, with the
    /// number of rows: the unknown sector words the office may map.
    pub async fn import_problem_values(
        &self,
        job: &str,
        code: &str,
        limit: u32,
    ) -> Result<Vec<(String, i64)>> {
        Ok(sqlx::query_as(
            "SELECT value, COUNT(*) AS n FROM import_problems WHERE job_id = $1 AND code = $2 \
             AND value IS NOT NULL GROUP BY value ORDER BY n DESC, value LIMIT $3",
        )
        .bind(job)
        .bind(code)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn saved_import_mapping(
        &self,
        headers_key: &str,
    ) -> Result<Option<Vec<Option<String>>>> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT mapping FROM import_mappings WHERE headers_key = $1")
                .bind(headers_key)
                .fetch_optional(&self.pool)
                .await?;
        row.map(|(m,)| from_json(&m, "saved mapping")).transpose()
    }

    pub async fn save_import_mapping(
        &self,
        headers_key: &str,
        mapping: &[Option<String>],
        saved_by: &str,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO import_mappings (headers_key, mapping, saved_by, saved_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (headers_key) DO UPDATE \
             SET mapping = excluded.mapping, saved_by = excluded.saved_by, \
             saved_at = excluded.saved_at",
        )
        .bind(headers_key)
        .bind(json(&mapping))
        .bind(saved_by)
        .bind(now_text())
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
