//! What import and export jobs share: a worker claims a job with a lease that it renews while it
//! works; a job whose worker died (its lease ran out) is claimed again. Any server of a
//! deployment may run any job; two never hold the same one.

use crate::{Database, Result, now_text};

/// `now + seconds` in the stored timestamp format.
pub(crate) fn lease_end(seconds: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::seconds(seconds))
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// Claims the oldest job of `table` in state `queued` (it becomes `running`), `running` or one
/// of `also` whose lease is free or ran out, for `lease_seconds`; returns its id. The update
/// only succeeds against the lease value that was read, so a race loses cleanly.
pub(crate) async fn claim(
    db: &Database,
    table: &'static str,
    also: &[&'static str],
    lease_seconds: i64,
) -> Result<Option<String>> {
    let now = now_text();
    let mut states = vec!["'queued'", "'running'"];
    let quoted: Vec<String> = also.iter().map(|s| format!("'{s}'")).collect();
    states.extend(quoted.iter().map(String::as_str));
    let candidates: Vec<(String, String, Option<String>)> = sqlx::query_as(&format!(
        "SELECT id, state, claimed_until FROM {table} \
         WHERE state IN ({}) AND (claimed_until IS NULL OR claimed_until < $1) \
         ORDER BY created_at LIMIT 5",
        states.join(", ")
    ))
    .bind(&now)
    .fetch_all(&db.pool)
    .await?;
    for (id, state, claimed) in candidates {
        let next = if state == "queued" { "running" } else { &state };
        let lease_match = if claimed.is_some() {
            "claimed_until = $6"
        } else {
            "claimed_until IS NULL"
        };
        let sql = format!(
            "UPDATE {table} SET state = $1, claimed_until = $2, attempts = attempts + 1, \
             updated_at = $3 WHERE id = $4 AND state = $5 AND {lease_match}"
        );
        let mut q = sqlx::query(&sql)
            .bind(next)
            .bind(lease_end(lease_seconds))
            .bind(&now)
            .bind(&id)
            .bind(&state);
        if let Some(c) = &claimed {
            q = q.bind(c);
        }
        if q.execute(&db.pool).await?.rows_affected() == 1 {
            return Ok(Some(id));
        }
    }
    Ok(None)
}

/// Progress, and the lease extended.
pub(crate) async fn renew(
    db: &Database,
    table: &'static str,
    id: &str,
    done: u64,
    total: u64,
    lease_seconds: i64,
) -> Result<()> {
    sqlx::query(&format!(
        "UPDATE {table} SET rows_done = $1, rows_total = $2, claimed_until = $3, \
         updated_at = $4 WHERE id = $5"
    ))
    .bind(done as i64)
    .bind(total as i64)
    .bind(lease_end(lease_seconds))
    .bind(now_text())
    .bind(id)
    .execute(&db.pool)
    .await?;
    Ok(())
}
