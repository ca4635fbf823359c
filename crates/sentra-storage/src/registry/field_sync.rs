//! Changes an operator's phone made offline, applied once (issue 12): each carries a key the
//! phone made, written in the same transaction as the change, so a retry after a dropped link
//! — or a sync resumed where it stopped — finds the key and changes nothing again. A change to
//! a record someone else changed since the phone downloaded it is a conflict, resolved by the
//! operator field by field. Photos taken in the field are kept with their record.

use sentra_domain::FieldErrors;
use sentra_domain::scope::Scope;
use sentra_domain::umkm::{UmkmData, UmkmStatus};
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::accounts::audit::{self, Actor};
use sentra_domain::region::RegionCode;

use crate::NewUmkm;
use crate::sql::{audit_diff, audit_view, fetch_record, filter_where, insert_rows};
use crate::{Database, Result, StorageError, UmkmFilter, UmkmRecord, now_text};

/// What a sent change did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    Created,
    Updated,
    /// The key was seen before: nothing was changed again.
    Replayed,
}

/// The hash kept with a key: a replay must say the same (parts length-prefixed, so no two
/// different contents hash alike).
fn content_hash(parts: &[&[u8]]) -> String {
    let mut h = Sha256::new();
    for part in parts {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// A key sent again with other content: refused, so that a phone that changed a change after
/// sending it learns that the first content may have been applied.
fn key_reused() -> StorageError {
    let mut e = FieldErrors::new();
    e.push("key", "sync_key_reused");
    StorageError::Invalid(e)
}

/// Writes the key (and the operator's note, if any) in the change's transaction.
async fn remember(
    conn: &mut sqlx::AnyConnection,
    from: &FromPhone<'_>,
    hash: &str,
    login: &str,
    umkm_id: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO sync_keys (account_id, key, body_hash, login, umkm_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(from.account)
    .bind(from.key)
    .bind(hash)
    .bind(login)
    .bind(umkm_id)
    .bind(now_text())
    .execute(&mut *conn)
    .await?;
    if let Some(note) = from.note.map(str::trim).filter(|n| !n.is_empty()) {
        sqlx::query(
            "INSERT INTO umkm_field_notes (id, umkm_id, note, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(umkm_id)
        .bind(note)
        .bind(login)
        .bind(now_text())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// A key already used by this account: its record, and the hash of what it said (none for
/// keys kept before hashes were).
async fn seen_key(
    conn: &mut sqlx::AnyConnection,
    from: &FromPhone<'_>,
) -> Result<Option<(Option<String>, Option<String>)>> {
    let row =
        sqlx::query("SELECT umkm_id, body_hash FROM sync_keys WHERE account_id = $1 AND key = $2")
            .bind(from.account)
            .bind(from.key)
            .fetch_optional(&mut *conn)
            .await?;
    match row {
        Some(r) => Ok(Some((r.try_get("umkm_id")?, r.try_get("body_hash")?))),
        None => Ok(None),
    }
}

/// What a change from the phone carries besides the record: its key, the account that sent it
/// (keys are the account's own), what it says (hashed with the key), and the operator's note.
#[derive(Debug, Clone, Copy)]
pub struct FromPhone<'a> {
    pub key: &'a str,
    /// The sending account's id.
    pub account: &'a str,
    /// The change as sent, in a stable form: the same change sent again gives the same bytes.
    pub content: &'a [u8],
    pub note: Option<&'a str>,
}

/// A note written in the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldNote {
    pub note: String,
    pub created_by: String,
    pub created_at: String,
}

/// A field photo of a business.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct UmkmPhoto {
    pub id: String,
    pub object_key: String,
    pub width: i64,
    pub height: i64,
}

impl Database {
    /// The record a key already made or changed, if any (inside the writer's transaction);
    /// the key sent with other content is refused.
    async fn replayed(
        &self,
        conn: &mut sqlx::AnyConnection,
        scope: &Scope,
        from: &FromPhone<'_>,
        hash: &str,
    ) -> Result<Option<UmkmRecord>> {
        match seen_key(conn, from).await? {
            Some((_, Some(kept))) if kept != hash => Err(key_reused()),
            Some((Some(id), _)) => Ok(Some(fetch_record(conn, self, scope, &id).await?)),
            Some((None, _)) => Err(StorageError::Corrupt(format!(
                "sync key {} without a record",
                from.key
            ))),
            None => Ok(None),
        }
    }

    /// Registers a business from the field as a draft, once per key. Audited.
    pub async fn create_umkm_once(
        &self,
        scope: &Scope,
        from: FromPhone<'_>,
        data: &UmkmData,
        actor: &Actor,
    ) -> Result<(UmkmRecord, Applied)> {
        if !scope.contains(&data.village_code) {
            return Err(StorageError::NotFound);
        }
        let hash = content_hash(&[from.content]);
        let mut tx = self.pool.begin().await?;
        // The audit head's lock serialises writers: a second send of the key waits, then sees it.
        audit::begin_write(&mut tx).await?;
        if let Some(r) = self.replayed(&mut tx, scope, &from, &hash).await? {
            tx.commit().await?;
            return Ok((r, Applied::Replayed));
        }
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
        let mut view = audit_view(&record);
        view.insert("source".into(), serde_json::json!("field"));
        audit::append(
            &mut tx,
            &self.audit_chain,
            actor,
            "create",
            "umkm",
            Some(&id),
            &serde_json::Value::Object(view),
        )
        .await?;
        remember(&mut tx, &from, &hash, &actor.name, &id).await?;
        tx.commit().await?;
        self.queue_duplicates_of(scope, &record.id).await;
        Ok((record, Applied::Created))
    }

    /// Changes a record from the field if it is still at `version` (else a conflict), once
    /// per key. Audited with what changed.
    pub async fn update_umkm_once(
        &self,
        scope: &Scope,
        from: FromPhone<'_>,
        (id, version): (&str, i64),
        data: &UmkmData,
        actor: &Actor,
    ) -> Result<(UmkmRecord, Applied)> {
        if !scope.contains(&data.village_code) {
            return Err(StorageError::NotFound);
        }
        let hash = content_hash(&[from.content]);
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        if let Some(r) = self.replayed(&mut tx, scope, &from, &hash).await? {
            tx.commit().await?;
            return Ok((r, Applied::Replayed));
        }
        let (before, after) = self.apply_update(&mut tx, scope, id, version, data).await?;
        let changes = audit_diff(&before, &after);
        if !changes.is_empty() {
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
        remember(&mut tx, &from, &hash, &actor.name, id).await?;
        tx.commit().await?;
        self.queue_duplicates_of(scope, id).await;
        Ok((after, Applied::Updated))
    }

    /// Keeps a field photo of a business (its sizes already in the object store), once per
    /// key (`from.content` is the uploaded file). Returns whether it was new; the key sent
    /// again with another file or for another business is refused. Audited on the business.
    pub async fn add_umkm_photo(
        &self,
        scope: &Scope,
        umkm_id: &str,
        from: FromPhone<'_>,
        photo: &UmkmPhoto,
        actor: &Actor,
    ) -> Result<bool> {
        self.umkm_village(scope, umkm_id).await?;
        let hash = content_hash(&[umkm_id.as_bytes(), from.content]);
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        match seen_key(&mut tx, &from).await? {
            Some((_, Some(kept))) if kept != hash => return Err(key_reused()),
            Some(_) => {
                tx.commit().await?;
                return Ok(false);
            }
            None => {}
        }
        sqlx::query(
            "INSERT INTO umkm_photos (id, umkm_id, object_key, width, height, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&photo.id)
        .bind(umkm_id)
        .bind(&photo.object_key)
        .bind(photo.width)
        .bind(photo.height)
        .bind(&actor.name)
        .bind(now_text())
        .execute(&mut *tx)
        .await?;
        remember(&mut tx, &from, &hash, &actor.name, umkm_id).await?;
        let changes = serde_json::json!({ "photo": photo.id });
        audit::append(
            &mut tx,
            &self.audit_chain,
            actor,
            "add_photo",
            "umkm",
            Some(umkm_id),
            &changes,
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// A business's field photos, oldest first (the caller may read the business).
    pub async fn umkm_photos(&self, scope: &Scope, umkm_id: &str) -> Result<Vec<UmkmPhoto>> {
        self.umkm_village(scope, umkm_id).await?;
        Ok(sqlx::query_as(
            "SELECT id, object_key, width, height FROM umkm_photos WHERE umkm_id = $1 \
             ORDER BY created_at, id",
        )
        .bind(umkm_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// A business's field notes, oldest first (the caller may read the business).
    pub async fn umkm_field_notes(&self, scope: &Scope, umkm_id: &str) -> Result<Vec<FieldNote>> {
        self.umkm_village(scope, umkm_id).await?;
        let rows = sqlx::query(
            "SELECT note, created_by, created_at FROM umkm_field_notes WHERE umkm_id = $1 \
             ORDER BY created_at, id",
        )
        .bind(umkm_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(FieldNote {
                    note: r.try_get("note")?,
                    created_by: r.try_get("created_by")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect()
    }

    /// The records of `region` (inside the scope) a phone keeps, by name, at most `limit`,
    /// with how many there are in all.
    pub async fn field_records(
        &self,
        scope: &Scope,
        region: &RegionCode,
        limit: u32,
    ) -> Result<(Vec<UmkmRecord>, i64)> {
        let filter = UmkmFilter {
            region: Some(region.clone()),
            ..UmkmFilter::default()
        };
        let Some((where_clause, mut args)) =
            filter_where(scope, &filter, self.prunes_by_province())
        else {
            return Ok((Vec::new(), 0));
        };
        let count_sql = format!("SELECT COUNT(*) AS n FROM umkm u WHERE {where_clause}");
        let total: i64 = args
            .clone()
            .bind(sqlx::query(&count_sql))
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?;
        let lim = args.int(Some(i64::from(limit)));
        let sql = format!(
            "SELECT u.id FROM umkm u WHERE {where_clause} ORDER BY u.name, u.id LIMIT {lim}"
        );
        let ids: Vec<String> = args
            .bind(sqlx::query(&sql))
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| r.try_get("id"))
            .collect::<std::result::Result<_, _>>()?;
        let mut found = self.fetch_records(scope, &ids).await?;
        let records = ids.iter().filter_map(|id| found.remove(id)).collect();
        Ok((records, total))
    }
}
