//! Bulk work on registry records as jobs: created from the list with the chosen records (or
//! the list's filters), claimed by any server's worker under a lease (`jobs::claim`), finished
//! with how many were done and which were refused and why.

use sentra_domain::region::RegionCode;
use sentra_domain::scope::Scope;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::registry::import_jobs::JobState;
use crate::sql::filter_where;
use crate::{Database, Result, StorageError, UmkmFilter, now_text};

/// A bulk job as stored.
#[derive(Debug, Clone)]
pub struct BulkJob {
    pub id: String,
    pub created_by: String,
    pub scope: Scope,
    pub action: String,
    pub query: String,
    /// The chosen records; `None`: all that match the query's filters.
    pub ids: Option<Vec<String>>,
    pub param: Option<String>,
    pub state: JobState,
    pub rows_total: u64,
    pub rows_done: u64,
    pub done_count: u64,
    /// (record id, name, reason code) of each record refused.
    pub refused: Vec<(String, String, String)>,
    pub error: Option<String>,
}

const COLUMNS: &str = "id, created_by, scope_region, scope_owner, action, query, ids, param, \
     state, rows_total, rows_done, done_count, refused, error";

fn job_from_row(row: &AnyRow) -> Result<BulkJob> {
    let region: String = row.try_get("scope_region")?;
    let region = RegionCode::parse(&region)
        .map_err(|_| StorageError::Corrupt(format!("bulk job region {region}")))?;
    let owner: Option<String> = row.try_get("scope_owner")?;
    let state: String = row.try_get("state")?;
    let number = |k: &str| -> Result<u64> { Ok(row.try_get::<i64, _>(k)?.max(0) as u64) };
    let ids: Option<String> = row.try_get("ids")?;
    let refused: Option<String> = row.try_get("refused")?;
    Ok(BulkJob {
        id: row.try_get("id")?,
        created_by: row.try_get("created_by")?,
        scope: match owner {
            Some(o) => Scope::owned_by(region, o),
            None => Scope::region(region),
        },
        action: row.try_get("action")?,
        query: row.try_get("query")?,
        ids: ids.and_then(|t| serde_json::from_str(&t).ok()),
        param: row.try_get("param")?,
        state: JobState::parse(&state)
            .ok_or_else(|| StorageError::Corrupt(format!("bulk job state {state}")))?,
        rows_total: number("rows_total")?,
        rows_done: number("rows_done")?,
        done_count: number("done_count")?,
        refused: refused
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default(),
        error: row.try_get("error")?,
    })
}

impl Database {
    /// A new bulk job by `created_by` in `scope`; its id.
    pub async fn create_bulk_job(
        &self,
        created_by: &str,
        scope: &Scope,
        action: &str,
        query: &str,
        ids: Option<&[String]>,
        param: Option<&str>,
    ) -> Result<String> {
        let id = uuid::Uuid::now_v7().to_string();
        let now = now_text();
        sqlx::query(
            "INSERT INTO bulk_jobs (id, created_by, scope_region, scope_owner, action, query, ids, \
             param, state, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'queued', $9, $9)",
        )
        .bind(&id)
        .bind(created_by)
        .bind(scope.region_code().as_str())
        .bind(scope.owner().map(str::to_string))
        .bind(action)
        .bind(query)
        .bind(ids.map(|i| serde_json::to_string(i).unwrap_or_else(|_| "[]".into())))
        .bind(param)
        .bind(&now)
        .execute(&self.pool)
        .await?;
        Ok(id)
    }

    pub async fn bulk_job(&self, id: &str) -> Result<Option<BulkJob>> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM bulk_jobs WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(job_from_row).transpose()
    }

    pub async fn claim_bulk_job(&self, lease_seconds: i64) -> Result<Option<BulkJob>> {
        match crate::registry::jobs::claim(self, "bulk_jobs", &[], lease_seconds).await? {
            Some(id) => self.bulk_job(&id).await,
            None => Ok(None),
        }
    }

    pub async fn renew_bulk_job(&self, id: &str, done: u64, total: u64, lease: i64) -> Result<()> {
        crate::registry::jobs::renew(self, "bulk_jobs", id, done, total, lease).await
    }

    pub async fn finish_bulk_job(
        &self,
        id: &str,
        total: u64,
        done: u64,
        refused: &[(String, String, String)],
    ) -> Result<()> {
        sqlx::query(
            "UPDATE bulk_jobs SET state = 'done', rows_total = $1, rows_done = $1, \
             done_count = $2, refused = $3, claimed_until = NULL, updated_at = $4 WHERE id = $5",
        )
        .bind(total as i64)
        .bind(done as i64)
        .bind(serde_json::to_string(refused).unwrap_or_else(|_| "[]".into()))
        .bind(now_text())
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn fail_bulk_job(&self, id: &str, error: &str) -> Result<()> {
        sqlx::query(
            "UPDATE bulk_jobs SET state = 'failed', error = $1, claimed_until = NULL, \
             updated_at = $2 WHERE id = $3",
        )
        .bind(error)
        .bind(now_text())
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The ids of the first `limit` records the list's filters hold in `scope`, in id order.
    pub async fn registry_ids(
        &self,
        scope: &Scope,
        filter: &UmkmFilter,
        limit: i64,
    ) -> Result<Vec<String>> {
        let Some((cond, args)) = filter_where(scope, filter, self.prunes_by_province()) else {
            return Ok(Vec::new());
        };
        args.bind(sqlx::query(&format!(
            "SELECT u.id FROM umkm u WHERE {cond} ORDER BY u.id LIMIT {}",
            limit.max(0)
        )))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| Ok(r.try_get("id")?))
        .collect()
    }
}
