//! What waits for an operator in her area: the owners' change requests not yet decided (the
//! drafts, duplicates, expiring documents and activities have their own lists).

use sentra_domain::scope::Scope;
use sqlx::Row;

use crate::sql::{Args, scope_condition};
use crate::{Database, Result};

/// An owner's change request waiting for a decision, with the business it is for.
#[derive(Debug, Clone)]
pub struct PendingChange {
    pub umkm_id: String,
    pub name: String,
    pub village_code: String,
    pub created_at: String,
}

impl Database {
    /// The change requests waiting for a decision on businesses in the scope, oldest first
    /// (the longest wait at the top), at most `limit`; with how many there are.
    pub async fn pending_changes_in(
        &self,
        scope: &Scope,
        limit: u32,
    ) -> Result<(Vec<PendingChange>, i64)> {
        let mut args = Args::default();
        let cond = scope_condition(
            scope.region_code(),
            scope.owner(),
            self.prunes_by_province(),
            &mut args,
        );
        let from = format!(
            "FROM change_requests c JOIN umkm u ON u.id = c.umkm_id \
             WHERE c.status = 'pending' AND u.merged_into IS NULL AND {cond}"
        );
        let total: i64 = args
            .clone()
            .bind(sqlx::query(&format!("SELECT COUNT(*) AS n {from}")))
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?;
        let rows = args
            .bind(sqlx::query(&format!(
                "SELECT c.umkm_id, u.name, u.village_code, c.created_at {from} \
                 ORDER BY c.created_at, c.id LIMIT {limit}"
            )))
            .fetch_all(&self.pool)
            .await?;
        let items = rows
            .iter()
            .map(|r| {
                Ok(PendingChange {
                    umkm_id: r.try_get("umkm_id")?,
                    name: r.try_get("name")?,
                    village_code: r.try_get("village_code")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((items, total))
    }
}
