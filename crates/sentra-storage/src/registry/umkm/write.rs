//! Creating and changing registry records: forms, batches, edits, status and owner. Every
//! write is audited in its transaction.

use sqlx::{Any, Transaction};

use sentra_domain::scope::Scope;
use sentra_domain::umkm::{UmkmData, UmkmStatus};

use super::{NewUmkm, UmkmRecord};
use crate::accounts::audit::{self, Actor};
use crate::sql::{
    Arg, Args, INSERT_COLUMNS, audit_diff, audit_view, data_args, fetch_record, insert_documents,
    insert_rows,
};
use crate::{Database, Result, StorageError, now_text};

impl Database {
    /// Creates one record inside the scope, audited, and returns it as stored.
    pub async fn create_umkm(
        &self,
        scope: &Scope,
        data: &UmkmData,
        actor: &Actor,
    ) -> Result<UmkmRecord> {
        if !scope.contains(&data.village_code) {
            return Err(StorageError::NotFound);
        }
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        let row = NewUmkm {
            data,
            status: UmkmStatus::Draft,
            verified_by: None,
            owner: scope.owner(),
            registered: None,
        };
        let ids = insert_rows(
            &mut tx,
            &[row],
            &actor.name,
            self.backend(),
            self.keyring.current(),
        )
        .await?;
        let id = ids.into_iter().next().ok_or(StorageError::NotFound)?;
        let record = fetch_record(&mut tx, self, scope, &id).await?;
        audit::append(
            &mut tx,
            &self.audit_chain,
            actor,
            "create",
            "umkm",
            Some(&id),
            &serde_json::Value::Object(audit_view(&record)),
        )
        .await?;
        tx.commit().await?;
        self.queue_duplicates_of(scope, &record.id).await;
        Ok(record)
    }

    /// The duplicate check of a record just written: against every record of the region, not
    /// only those the writer sees (an owner sees only their own). A failure leaves the record
    /// written; the next batch check finds the pair.
    pub(crate) async fn queue_duplicates_of(&self, scope: &Scope, id: &str) {
        let region = Scope::region(scope.region_code().clone());
        if let Err(e) = self
            .check_duplicates_of(&region, vec![id.to_string()])
            .await
        {
            tracing::warn!(error = %e, "duplicate check of a new record failed");
        }
    }

    /// Inserts many records in one transaction (demo and import jobs), with one audit entry for
    /// the batch.
    pub async fn insert_umkm_batch(
        &self,
        scope: &Scope,
        rows: &[NewUmkm<'_>],
        actor: &Actor,
    ) -> Result<Vec<String>> {
        self.insert_umkm_batch_in_run(scope, rows, actor, None)
            .await
    }

    /// The batch insert, recorded (when `run` names an import job) in the same transaction as
    /// created by that import, so that the import can be undone.
    pub(crate) async fn insert_umkm_batch_in_run(
        &self,
        scope: &Scope,
        rows: &[NewUmkm<'_>],
        actor: &Actor,
        run: Option<&str>,
    ) -> Result<Vec<String>> {
        if rows.iter().any(|r| !scope.contains(&r.data.village_code)) {
            return Err(StorageError::NotFound);
        }
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        let ids = insert_rows(
            &mut tx,
            rows,
            &actor.name,
            self.backend(),
            self.keyring.current(),
        )
        .await?;
        let summary = serde_json::json!({
            "count": ids.len(),
            "first_id": ids.first(),
            "last_id": ids.last(),
            "region": scope.region_code().as_str(),
        });
        audit::append(
            &mut tx,
            &self.audit_chain,
            actor,
            "bulk_create",
            "umkm",
            None,
            &summary,
        )
        .await?;
        if let Some(job) = run {
            crate::registry::import_undo::record_created(&mut tx, self.backend(), job, &ids)
                .await?;
        }
        tx.commit().await?;
        Ok(ids)
    }

    /// Replaces the data of a record if it is still at `expected_version`; audited with the
    /// before and after values of the fields that changed.
    pub async fn update_umkm(
        &self,
        scope: &Scope,
        id: &str,
        expected_version: i64,
        data: &UmkmData,
        actor: &Actor,
    ) -> Result<UmkmRecord> {
        let (after, changed) = self
            .update_umkm_unchecked(scope, id, expected_version, data, actor, None)
            .await?;
        if changed {
            self.queue_duplicates_of(scope, id).await;
        }
        Ok(after)
    }

    /// The update without the duplicate check (an import checks all its rows at the end);
    /// also says whether anything changed. `run`: the import job and the record's values
    /// before, recorded in the same transaction for the import's undo.
    pub(crate) async fn update_umkm_unchecked(
        &self,
        scope: &Scope,
        id: &str,
        expected_version: i64,
        data: &UmkmData,
        actor: &Actor,
        run: Option<(&str, &str)>,
    ) -> Result<(UmkmRecord, bool)> {
        if !scope.contains(&data.village_code) {
            return Err(StorageError::NotFound);
        }
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        let (before, after) = self
            .apply_update(&mut tx, scope, id, expected_version, data)
            .await?;
        let changes = audit_diff(&before, &after);
        let changed = !changes.is_empty();
        if changed {
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
            if let Some((job, before)) = run {
                crate::registry::import_undo::record_updated(
                    &mut tx,
                    job,
                    id,
                    after.version,
                    before,
                )
                .await?;
            }
        }
        tx.commit().await?;
        Ok((after, changed))
    }

    /// The update itself, inside the caller's transaction: the record before and after.
    pub(crate) async fn apply_update(
        &self,
        tx: &mut Transaction<'_, Any>,
        scope: &Scope,
        id: &str,
        expected_version: i64,
        data: &UmkmData,
    ) -> Result<(UmkmRecord, UmkmRecord)> {
        let before = fetch_record(tx, self, scope, id).await?;
        if before.version != expected_version {
            return Err(StorageError::Conflict);
        }
        let mut args = Args::from(data_args(data, self.keyring.current()));
        let sets: Vec<String> = INSERT_COLUMNS[1..=args.len()]
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c} = ${}", i + 1))
            .collect();
        let now = args.text(now_text());
        let id_p = args.text(id);
        let version_p = args.push(Arg::Int(Some(expected_version)));
        let sql = format!(
            "UPDATE umkm SET {}, updated_at = {now}, version = version + 1 WHERE id = {id_p} AND version = {version_p}",
            sets.join(", ")
        );
        let done = args.bind(sqlx::query(&sql)).execute(&mut **tx).await?;
        if done.rows_affected() == 0 {
            return Err(StorageError::Conflict);
        }
        sqlx::query("DELETE FROM umkm_documents WHERE umkm_id = $1")
            .bind(id)
            .execute(&mut **tx)
            .await?;
        insert_documents(tx, id, &data.documents).await?;
        let after = fetch_record(tx, self, scope, id).await?;
        Ok((before, after))
    }

    /// Sets the status; verifying records who did it and when. Audited.
    pub async fn set_umkm_status(
        &self,
        scope: &Scope,
        id: &str,
        status: UmkmStatus,
        actor: &Actor,
    ) -> Result<UmkmRecord> {
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        let before = fetch_record(&mut tx, self, scope, id).await?;
        // A record merged into another lives on there; its own status stays as it was.
        if before.merged_into.is_some() {
            let mut e = sentra_domain::FieldErrors::new();
            e.push("status", "merged_record");
            return Err(StorageError::Invalid(e));
        }
        let verified = status == UmkmStatus::Verified;
        sqlx::query(
            "UPDATE umkm SET status = $1, verified_by = $2, verified_at = $3, updated_at = $4, \
             version = version + 1 WHERE id = $5",
        )
        .bind(status.as_str())
        .bind(verified.then(|| actor.name.clone()))
        .bind(verified.then(now_text))
        .bind(now_text())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let after = fetch_record(&mut tx, self, scope, id).await?;
        let action = if verified { "verify" } else { "set_status" };
        audit::append(
            &mut tx,
            &self.audit_chain,
            actor,
            action,
            "umkm",
            Some(id),
            &serde_json::Value::Object(audit_diff(&before, &after)),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Hands a record to an owner's account (an operator registered it on the owner's behalf).
    pub async fn assign_owner(
        &self,
        scope: &Scope,
        id: &str,
        owner_user_id: &str,
        actor: &Actor,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        let before = fetch_record(&mut tx, self, scope, id).await?;
        sqlx::query("UPDATE umkm SET owner_user_id = $1, updated_at = $2 WHERE id = $3")
            .bind(owner_user_id)
            .bind(now_text())
            .bind(before.id.clone())
            .execute(&mut *tx)
            .await?;
        audit::append(
            &mut tx,
            &self.audit_chain,
            actor,
            "assign_owner",
            "umkm",
            Some(id),
            &serde_json::json!({ "owner_user_id": owner_user_id }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
