//! Owners' proposed changes to verified records, kept for an operator to decide.

use sqlx::Row;

use sentra_domain::scope::Scope;
use sentra_domain::umkm::UmkmData;

use super::ChangeRequest;
use crate::accounts::audit::{self, Actor};
use crate::sql::{audit_diff, fetch_record};
use crate::{Database, Result, StorageError, now_text};

impl Database {
    /// Stores an owner's change to a verified record for an operator to decide. The change is
    /// applied in a transaction that is rolled back, only to compute the diff shown to the
    /// operator. Returns `None` when the change changes nothing.
    pub async fn request_change(
        &self,
        scope: &Scope,
        id: &str,
        expected_version: i64,
        data: &UmkmData,
        form: &serde_json::Value,
        actor: &Actor,
    ) -> Result<Option<String>> {
        let mut trial = self.pool.begin().await?;
        audit::begin_write(&mut trial).await?;
        let (before, after) = self
            .apply_update(&mut trial, scope, id, expected_version, data)
            .await?;
        trial.rollback().await?;
        let diff = audit_diff(&before, &after);
        if diff.is_empty() {
            return Ok(None);
        }
        let request = uuid::Uuid::now_v7().to_string();
        let diff = serde_json::Value::Object(diff);
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        sqlx::query(
            "INSERT INTO change_requests (id, umkm_id, requested_by, base_version, form, diff, status, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7)",
        )
        .bind(request.clone())
        .bind(id)
        .bind(actor.name.clone())
        .bind(expected_version)
        .bind(self.keyring.current().encrypt(&form.to_string()))
        .bind(diff.to_string())
        .bind(now_text())
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            &self.audit_chain,
            actor,
            "request_change",
            "umkm",
            Some(id),
            &diff,
        )
        .await?;
        tx.commit().await?;
        Ok(Some(request))
    }

    /// Pending change requests of a record inside the scope, oldest first.
    pub async fn pending_changes(&self, scope: &Scope, id: &str) -> Result<Vec<ChangeRequest>> {
        self.get_umkm(scope, id).await?;
        let rows = sqlx::query(
            "SELECT id, requested_by, base_version, form, diff, created_at FROM change_requests \
             WHERE umkm_id = $1 AND status = 'pending' ORDER BY created_at",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ChangeRequest {
                    id: r.try_get("id")?,
                    requested_by: r.try_get("requested_by")?,
                    base_version: r.try_get("base_version")?,
                    form: self.keyring.decrypt(&r.try_get::<String, _>("form")?)?,
                    diff: r.try_get("diff")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect()
    }

    /// Rejects a pending request, or approves it by applying `data` at the version the owner
    /// edited, in one transaction: the change and the decision land together or not at all.
    pub async fn decide_change(
        &self,
        scope: &Scope,
        id: &str,
        request: &ChangeRequest,
        approved: Option<&UmkmData>,
        actor: &Actor,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        fetch_record(&mut tx, self, scope, id).await?;
        let status = if approved.is_some() {
            "approved"
        } else {
            "rejected"
        };
        let done = sqlx::query(
            "UPDATE change_requests SET status = $1, decided_by = $2, decided_at = $3 \
             WHERE id = $4 AND umkm_id = $5 AND status = 'pending'",
        )
        .bind(status)
        .bind(actor.name.clone())
        .bind(now_text())
        .bind(request.id.clone())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StorageError::NotFound);
        }
        if let Some(data) = approved {
            if !scope.contains(&data.village_code) {
                return Err(StorageError::NotFound);
            }
            let (before, after) = self
                .apply_update(&mut tx, scope, id, request.base_version, data)
                .await?;
            let changes = audit_diff(&before, &after);
            audit::append(
                &mut tx,
                &self.audit_chain,
                actor,
                "update",
                "umkm",
                Some(id),
                &serde_json::Value::Object(changes),
            )
            .await?;
        }
        let action = if approved.is_some() {
            "approve_change"
        } else {
            "reject_change"
        };
        audit::append(
            &mut tx,
            &self.audit_chain,
            actor,
            action,
            "umkm",
            Some(id),
            &serde_json::json!({ "request": request.id }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
