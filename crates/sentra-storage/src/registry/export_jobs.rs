//! Export jobs: a large workbook is written by a worker in the background and waits, encrypted
//! (it may hold personal data), for its download.

use sentra_domain::region::RegionCode;
use sentra_domain::scope::Scope;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::registry::import_jobs::JobState;
use crate::{Database, Result, StorageError, now_text};

#[derive(Debug, Clone)]
pub struct ExportJob {
    pub id: String,
    pub created_by: String,
    pub scope: Scope,
    /// The list page's query string: the filters of the export.
    pub query: String,
    pub format: String,
    pub reveal: bool,
    pub state: JobState,
    pub rows_total: u64,
    pub rows_done: u64,
    pub error: Option<String>,
    pub created_at: String,
}

const COLUMNS: &str = "id, created_by, scope_region, scope_owner, query, format, reveal, state, \
     rows_total, rows_done, error, created_at";

fn job_from_row(row: &AnyRow) -> Result<ExportJob> {
    let region: String = row.try_get("scope_region")?;
    let region = RegionCode::parse(&region)
        .map_err(|_| StorageError::Corrupt(format!("export job region {region}")))?;
    let owner: Option<String> = row.try_get("scope_owner")?;
    let state: String = row.try_get("state")?;
    let number = |k: &str| -> Result<u64> { Ok(row.try_get::<i64, _>(k)?.max(0) as u64) };
    Ok(ExportJob {
        id: row.try_get("id")?,
        created_by: row.try_get("created_by")?,
        scope: match owner {
            Some(o) => Scope::owned_by(region, o),
            None => Scope::region(region),
        },
        query: row.try_get("query")?,
        format: row.try_get("format")?,
        reveal: row.try_get::<i64, _>("reveal")? != 0,
        state: JobState::parse(&state)
            .ok_or_else(|| StorageError::Corrupt(format!("export job state {state}")))?,
        rows_total: number("rows_total")?,
        rows_done: number("rows_done")?,
        error: row.try_get("error")?,
        created_at: row.try_get("created_at")?,
    })
}

impl Database {
    pub async fn create_export_job(
        &self,
        created_by: &str,
        scope: &Scope,
        query: &str,
        format: &str,
        reveal: bool,
    ) -> Result<String> {
        let id = uuid::Uuid::now_v7().to_string();
        let now = now_text();
        sqlx::query(
            "INSERT INTO export_jobs (id, created_by, scope_region, scope_owner, query, format, \
             reveal, state, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'queued', $8, $8)",
        )
        .bind(&id)
        .bind(created_by)
        .bind(scope.region_code().as_str())
        .bind(scope.owner().map(str::to_string))
        .bind(query)
        .bind(format)
        .bind(i64::from(reveal))
        .bind(&now)
        .execute(&self.pool)
        .await?;
        Ok(id)
    }

    pub async fn export_job(&self, id: &str) -> Result<Option<ExportJob>> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM export_jobs WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(job_from_row).transpose()
    }

    pub async fn claim_export_job(&self, lease_seconds: i64) -> Result<Option<ExportJob>> {
        match crate::registry::jobs::claim(self, "export_jobs", &[], lease_seconds).await? {
            Some(id) => self.export_job(&id).await,
            None => Ok(None),
        }
    }

    pub async fn renew_export_job(
        &self,
        id: &str,
        done: u64,
        total: u64,
        lease_seconds: i64,
    ) -> Result<()> {
        crate::registry::jobs::renew(self, "export_jobs", id, done, total, lease_seconds).await
    }

    /// The finished file, stored encrypted.
    pub async fn finish_export_job(&self, id: &str, file: &[u8], rows: u64) -> Result<()> {
        sqlx::query(
            "UPDATE export_jobs SET state = 'done', file_data = $1, rows_done = $2, \
             rows_total = $2, claimed_until = NULL, updated_at = $3 WHERE id = $4",
        )
        .bind(self.keyring.current().encrypt_bytes(file))
        .bind(rows as i64)
        .bind(now_text())
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn fail_export_job(&self, id: &str, error: &str) -> Result<()> {
        sqlx::query(
            "UPDATE export_jobs SET state = 'failed', error = $1, claimed_until = NULL, \
             updated_at = $2 WHERE id = $3",
        )
        .bind(error)
        .bind(now_text())
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The file, decrypted; `None` before it is done or after it was purged.
    pub async fn export_job_file(&self, id: &str) -> Result<Option<Vec<u8>>> {
        let row: Option<(Option<Vec<u8>>,)> =
            sqlx::query_as("SELECT file_data FROM export_jobs WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        match row.and_then(|r| r.0) {
            Some(sealed) => Ok(Some(self.keyring.decrypt_bytes(&sealed)?)),
            None => Ok(None),
        }
    }

    /// Drops export files older than `hours`: a download link, not an archive of personal data.
    pub async fn purge_export_files(&self, hours: i64) -> Result<u64> {
        let before = (chrono::Utc::now() - chrono::Duration::hours(hours))
            .format("%Y-%m-%dT%H:%M:%S%.3fZ")
            .to_string();
        let done = sqlx::query(
            "UPDATE export_jobs SET file_data = NULL WHERE file_data IS NOT NULL \
             AND updated_at < $1",
        )
        .bind(before)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }
}
