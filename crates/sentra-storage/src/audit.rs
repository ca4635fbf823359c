//! The audit trail: who changed what, when and from where, with before/after values, chained
//! by hashes so that an edited or deleted entry is detected.

use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Row};

use crate::{Database, Result, StorageError, now_text};

/// Who makes a change: a user or token name, and the client address when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub name: String,
    pub origin: Option<String>,
}

impl Actor {
    pub fn new(name: impl Into<String>, origin: Option<String>) -> Self {
        Actor {
            name: name.into(),
            origin,
        }
    }

    /// A command-line or system actor (demo generator, migrations, key rotation).
    pub fn system(name: &str) -> Self {
        Actor {
            name: name.to_string(),
            origin: Some("cli".to_string()),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub origin: Option<String>,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    /// JSON: `{"field": [before, after], …}` for updates, the new values for creates.
    pub changes: String,
}

#[allow(clippy::too_many_arguments)]
fn entry_hash(
    prev: &str,
    seq: i64,
    at: &str,
    actor: &str,
    origin: &str,
    action: &str,
    entity: &str,
    entity_id: &str,
    changes: &str,
) -> String {
    let mut h = Sha256::new();
    for part in [
        prev,
        &seq.to_string(),
        at,
        actor,
        origin,
        action,
        entity,
        entity_id,
        changes,
    ] {
        // Length-prefixed, so no two different entries hash the same text.
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Takes the write lock first thing in a write transaction: on SQLite a transaction that reads
/// before it writes could fail at once instead of waiting for another writer; on PostgreSQL it
/// orders appenders on the audit head row.
pub(crate) async fn begin_write(conn: &mut AnyConnection) -> Result<()> {
    sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1")
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Appends one entry inside the caller's transaction, so the entry exists exactly when the
/// change does.
pub(crate) async fn append(
    conn: &mut AnyConnection,
    actor: &Actor,
    action: &str,
    entity: &str,
    entity_id: Option<&str>,
    changes: &serde_json::Value,
) -> Result<()> {
    let head = sqlx::query("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
        .fetch_one(&mut *conn)
        .await?;
    let seq: i64 = head.try_get("seq")?;
    let prev: String = head.try_get("hash")?;
    let at = now_text();
    let changes = changes.to_string();
    let origin = actor.origin.clone().unwrap_or_default();
    let hash = entry_hash(
        &prev,
        seq,
        &at,
        &actor.name,
        &origin,
        action,
        entity,
        entity_id.unwrap_or(""),
        &changes,
    );
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor, origin, action, entity, entity_id, changes, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(seq)
    .bind(at)
    .bind(actor.name.clone())
    .bind(actor.origin.clone())
    .bind(action.to_string())
    .bind(entity.to_string())
    .bind(entity_id.map(str::to_string))
    .bind(changes)
    .bind(prev)
    .bind(hash.clone())
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(hash)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Result of checking the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditVerdict {
    Intact {
        entries: i64,
    },
    /// The first entry (by sequence number) where the chain breaks, and why.
    Broken {
        seq: i64,
        reason: String,
    },
}

fn entry_from_row(r: &sqlx::any::AnyRow) -> Result<AuditEntry> {
    Ok(AuditEntry {
        seq: r.try_get("seq")?,
        at: r.try_get("at")?,
        actor: r.try_get("actor")?,
        origin: r.try_get("origin")?,
        action: r.try_get("action")?,
        entity: r.try_get("entity")?,
        entity_id: r.try_get("entity_id")?,
        changes: r.try_get("changes")?,
    })
}

impl Database {
    /// Recomputes every hash: detects an edited entry, a deleted or inserted one (gaps in the
    /// sequence or a broken link), and a removed tail (the head no longer matches).
    pub async fn verify_audit(&self) -> Result<AuditVerdict> {
        let rows = sqlx::query("SELECT * FROM audit_log ORDER BY seq")
            .fetch_all(&self.pool)
            .await?;
        let mut prev = "genesis".to_string();
        let mut expected_seq = 1;
        for r in &rows {
            let e = entry_from_row(r)?;
            let stored_prev: String = r.try_get("prev_hash")?;
            let stored_hash: String = r.try_get("hash")?;
            if e.seq != expected_seq {
                return Ok(AuditVerdict::Broken {
                    seq: expected_seq,
                    reason: "entry missing".into(),
                });
            }
            if stored_prev != prev {
                return Ok(AuditVerdict::Broken {
                    seq: e.seq,
                    reason: "link to the previous entry broken".into(),
                });
            }
            let computed = entry_hash(
                &prev,
                e.seq,
                &e.at,
                &e.actor,
                e.origin.as_deref().unwrap_or(""),
                &e.action,
                &e.entity,
                e.entity_id.as_deref().unwrap_or(""),
                &e.changes,
            );
            if computed != stored_hash {
                return Ok(AuditVerdict::Broken {
                    seq: e.seq,
                    reason: "entry altered".into(),
                });
            }
            prev = stored_hash;
            expected_seq += 1;
        }
        let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StorageError::Corrupt("audit head missing".into()))?;
        let head_seq: i64 = head.try_get("seq")?;
        let head_hash: String = head.try_get("hash")?;
        if head_seq != expected_seq - 1 || head_hash != prev {
            return Ok(AuditVerdict::Broken {
                seq: expected_seq,
                reason: "entries removed from the end".into(),
            });
        }
        Ok(AuditVerdict::Intact {
            entries: expected_seq - 1,
        })
    }

    /// Records that `actor` saw a record's personal data in full (UU 27/2022: access is traceable).
    pub async fn audit_reveal(
        &self,
        actor: &Actor,
        entity: &str,
        entity_id: &str,
        fields: &[&str],
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        begin_write(&mut tx).await?;
        append(
            &mut tx,
            actor,
            "reveal_personal_data",
            entity,
            Some(entity_id),
            &serde_json::json!({ "fields": fields }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The history of one record, newest first. Callers check the record is in scope first.
    pub async fn audit_for(&self, entity: &str, entity_id: &str) -> Result<Vec<AuditEntry>> {
        let rows = sqlx::query("SELECT * FROM audit_log WHERE entity = $1 AND entity_id = $2 ORDER BY seq DESC LIMIT 200")
            .bind(entity)
            .bind(entity_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(entry_from_row).collect()
    }
}

/// Filters of the audit log page; all optional.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub entity: Option<String>,
    /// `YYYY-MM-DD`, inclusive.
    pub from: Option<String>,
    /// `YYYY-MM-DD`, inclusive.
    pub to: Option<String>,
}

impl Database {
    /// Entries about records and accounts inside the scope, newest first.
    pub async fn audit_entries(
        &self,
        scope: &sentra_domain::scope::Scope,
        filter: &AuditFilter,
        limit: u32,
        offset: u32,
    ) -> Result<(Vec<AuditEntry>, i64)> {
        let region = scope.region_code();
        let column = match region.level() {
            sentra_domain::region::RegionLevel::Province => "province_code",
            sentra_domain::region::RegionLevel::Regency => "regency_code",
            sentra_domain::region::RegionLevel::District => "district_code",
            sentra_domain::region::RegionLevel::Village => "village_code",
        };
        let mut binds: Vec<String> = vec![
            region.as_str().to_string(),
            format!("{}.%", region.as_str()),
        ];
        let mut conds = vec![format!(
            "((u.id IS NOT NULL AND u.{column} = $1) OR (s.id IS NOT NULL AND (s.scope = $1 OR s.scope LIKE $2)))"
        )];
        let mut push = |cond: &str, value: String| {
            binds.push(value);
            conds.push(cond.replace("$?", &format!("${}", binds.len())));
        };
        if let Some(a) = &filter.actor {
            push("a.actor = $?", a.clone());
        }
        if let Some(e) = &filter.entity {
            push("a.entity = $?", e.clone());
        }
        if let Some(f) = &filter.from {
            push("a.at >= $?", f.clone());
        }
        if let Some(t) = &filter.to {
            // Dates are compared as text: everything up to the end of that day.
            push("a.at < $?", format!("{t}T99"));
        }
        let from = "FROM audit_log a LEFT JOIN umkm u ON a.entity = 'umkm' AND u.id = a.entity_id \
                    LEFT JOIN users s ON a.entity = 'user' AND s.id = a.entity_id";
        let where_ = conds.join(" AND ");
        let count_sql = format!("SELECT COUNT(*) {from} WHERE {where_}");
        let mut q = sqlx::query(&count_sql);
        for b in &binds {
            q = q.bind(b.clone());
        }
        let total: i64 = q.fetch_one(&self.pool).await?.try_get(0)?;
        let list_sql = format!(
            "SELECT a.* {from} WHERE {where_} ORDER BY a.seq DESC LIMIT {} OFFSET {}",
            limit.clamp(1, 1000),
            offset
        );
        let mut q = sqlx::query(&list_sql);
        for b in &binds {
            q = q.bind(b.clone());
        }
        let rows = q.fetch_all(&self.pool).await?;
        Ok((
            rows.iter()
                .map(entry_from_row)
                .collect::<Result<Vec<_>>>()?,
            total,
        ))
    }

    /// Records an export (of the audit trail or of personal data) in the trail itself.
    pub async fn audit_export(&self, actor: &Actor, what: &str, rows: usize) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        begin_write(&mut tx).await?;
        append(
            &mut tx,
            actor,
            "export",
            what,
            None,
            &serde_json::json!({ "rows": rows }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
