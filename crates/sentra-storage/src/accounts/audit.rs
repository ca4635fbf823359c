//! The audit trail: who changed what, when and from where, with before/after values, chained
//! by keyed hashes so that an edited or deleted entry is detected
//! (docs/decisions/0028-keyed-audit-chain.md).
//!
//! Each entry's hash is an HMAC-SHA256 under the audit chain key, over the previous entry's
//! hash and the entry's fields: without the key nobody can write an entry, or a chain, that
//! verifies. Entries from before the chain was keyed keep their plain SHA-256 hash (version 1)
//! and are checked as then. A head line signed with the same key ([`AuditHead`]), kept outside
//! the database, pins the trail up to that entry even against someone who holds the key.

use std::sync::{Arc, OnceLock};

use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Row};

use crate::{Database, Keyring, PersonalKey, Result, StorageError, now_text};

/// Plain SHA-256, as every entry was hashed before migration 0028.
const UNKEYED: i64 = 1;
/// HMAC-SHA256 under the audit chain key.
const KEYED: i64 = 2;
/// The setting that holds the chain key sealed under the personal-data key, once a key
/// rotation has happened (before that the key is derived from the key file itself).
const CHAIN_KEY_SETTING: &str = "audit_chain_key";
const HEAD_TAG: &str = "sentra-audit-head";

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

/// Length-prefixed fields, so that no two different entries give the same text.
fn encode(parts: &[&str]) -> Vec<u8> {
    let mut out = Vec::new();
    for part in parts {
        out.extend_from_slice(&(part.len() as u64).to_le_bytes());
        out.extend_from_slice(part.as_bytes());
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn mac(key: &[u8; 32], message: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    mac.update(message);
    hex(&mac.finalize().into_bytes())
}

/// The fields an entry's hash covers, in order.
struct Hashed<'a> {
    prev: &'a str,
    seq: i64,
    at: &'a str,
    actor: &'a str,
    origin: &'a str,
    action: &'a str,
    entity: &'a str,
    entity_id: &'a str,
    changes: &'a str,
}

impl Hashed<'_> {
    fn text(&self) -> Vec<u8> {
        encode(&[
            self.prev,
            &self.seq.to_string(),
            self.at,
            self.actor,
            self.origin,
            self.action,
            self.entity,
            self.entity_id,
            self.changes,
        ])
    }

    /// The hash of `version`; `None` for a version this build does not know.
    fn hash(&self, version: i64, key: &[u8; 32]) -> Option<String> {
        match version {
            UNKEYED => Some(hex(&Sha256::digest(self.text()))),
            KEYED => Some(mac(key, &self.text())),
            _ => None,
        }
    }
}

/// The audit chain's MAC key: looked up once per process, then kept.
///
/// It is derived from the personal-data key (`HMAC(key, "sentra audit chain v1")`), so there is
/// no second secret to back up. A key rotation must not change it: a new chain key would make
/// every entry before the rotation fail, and every head published before it. So rotation seals
/// the same chain key under the new personal-data key into the database
/// ([`reseal_chain_key`]), where only a holder of the key file can open it — simpler than
/// keeping every retired key file around, or re-keying the chain and losing the published
/// heads.
#[derive(Clone)]
pub(crate) struct ChainKey {
    keyring: Keyring,
    resolved: Arc<OnceLock<[u8; 32]>>,
}

impl ChainKey {
    pub(crate) fn new(keyring: Keyring) -> Self {
        ChainKey {
            keyring,
            resolved: Arc::default(),
        }
    }

    pub(crate) async fn get(&self, conn: &mut AnyConnection) -> Result<[u8; 32]> {
        if let Some(key) = self.resolved.get() {
            return Ok(*key);
        }
        let sealed: Option<(String,)> = sqlx::query_as("SELECT value FROM settings WHERE key = $1")
            .bind(CHAIN_KEY_SETTING)
            .fetch_optional(&mut *conn)
            .await?;
        let key = match sealed {
            Some((sealed,)) => parse_key(&self.keyring.decrypt(&sealed)?)?,
            None => self.keyring.current().audit_chain_key(),
        };
        Ok(*self.resolved.get_or_init(|| key))
    }
}

/// 64 hex digits as 32 bytes.
fn unhex32(text: &str) -> Option<[u8; 32]> {
    if text.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

fn parse_key(text: &str) -> Result<[u8; 32]> {
    unhex32(text)
        .ok_or_else(|| StorageError::Corrupt("the sealed audit chain key is malformed".into()))
}

/// Inside a key rotation's transaction: the chain key, unchanged, sealed under `new`.
pub(crate) async fn reseal_chain_key(
    conn: &mut AnyConnection,
    chain: &ChainKey,
    new: &PersonalKey,
) -> Result<()> {
    let key = chain.get(conn).await?;
    sqlx::query(
        "INSERT INTO settings (key, value) VALUES ($1, $2) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(CHAIN_KEY_SETTING)
    .bind(new.encrypt(&hex(&key)))
    .execute(&mut *conn)
    .await?;
    Ok(())
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
    chain: &ChainKey,
    actor: &Actor,
    action: &str,
    entity: &str,
    entity_id: Option<&str>,
    changes: &serde_json::Value,
) -> Result<()> {
    let entry = Entry {
        action,
        entity,
        entity_id,
        changes: changes.to_string(),
    };
    append_many(conn, chain, actor, &[entry], ONE_ENTRY).await
}

/// Parameters of one audit row.
const ONE_ENTRY: usize = 11;

/// One entry of [`append_many`].
pub(crate) struct Entry<'a> {
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: Option<&'a str>,
    pub changes: String,
}

/// Appends several entries by one actor inside the caller's transaction: the same chain as
/// that many [`append`]s (each entry hashes the one before), in a few statements instead of
/// three per entry — a batch of a hundred products is audited product by product.
pub(crate) async fn append_many(
    conn: &mut AnyConnection,
    chain: &ChainKey,
    actor: &Actor,
    entries: &[Entry<'_>],
    max_params: usize,
) -> Result<()> {
    let Ok(count) = i64::try_from(entries.len()) else {
        return Err(StorageError::Corrupt(
            "too many audit entries in one batch".into(),
        ));
    };
    if count == 0 {
        return Ok(());
    }
    let key = chain.get(conn).await?;
    let head = sqlx::query("UPDATE audit_head SET seq = seq + $1 WHERE id = 1 RETURNING seq, hash")
        .bind(count)
        .fetch_one(&mut *conn)
        .await?;
    let last: i64 = head.try_get("seq")?;
    let mut prev: String = head.try_get("hash")?;
    let at = now_text();
    let origin = actor.origin.clone().unwrap_or_default();
    let mut rows = Vec::with_capacity(entries.len());
    for (seq, e) in (last - count + 1..).zip(entries) {
        let hash = Hashed {
            prev: &prev,
            seq,
            at: &at,
            actor: &actor.name,
            origin: &origin,
            action: e.action,
            entity: e.entity,
            entity_id: e.entity_id.unwrap_or(""),
            changes: &e.changes,
        }
        .hash(KEYED, &key)
        .unwrap_or_default();
        rows.push((seq, e, std::mem::replace(&mut prev, hash.clone()), hash));
    }
    for chunk in rows.chunks((max_params / ONE_ENTRY).max(1)) {
        let mut args = crate::sql::Args::default();
        let tuples: Vec<String> = chunk
            .iter()
            .map(|(seq, e, prev, hash)| {
                let values = [
                    args.push(crate::sql::Arg::Int(Some(*seq))),
                    args.text(at.as_str()),
                    args.text(actor.name.as_str()),
                    args.push(crate::sql::Arg::Text(actor.origin.clone())),
                    args.text(e.action),
                    args.text(e.entity),
                    args.push(crate::sql::Arg::Text(e.entity_id.map(str::to_string))),
                    args.text(e.changes.as_str()),
                    args.text(prev.as_str()),
                    args.text(hash.as_str()),
                    args.push(crate::sql::Arg::Int(Some(KEYED))),
                ];
                format!("({})", values.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO audit_log (seq, at, actor, origin, action, entity, entity_id, changes, \
             prev_hash, hash, hash_version) VALUES {}",
            tuples.join(", ")
        );
        args.bind(sqlx::query(&sql)).execute(&mut *conn).await?;
    }
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(prev)
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

/// The trail's last entry as one line to keep outside the database (a mail, a ticket, a printed
/// page): `sentra-audit-head v1 <entries> <time of the last entry> <its hash> <MAC>`, the MAC
/// under the audit chain key. A later `sentra audit verify --head` checks that the trail still
/// holds that entry with that hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditHead {
    /// Entries up to and including the last one (its sequence number).
    pub entries: i64,
    /// When the last entry was written (`-` for an empty trail).
    pub at: String,
    pub hash: String,
    mac: String,
}

impl AuditHead {
    fn signed(key: &[u8; 32], entries: i64, at: String, hash: String) -> Self {
        let mac = mac(key, &head_text(entries, &at, &hash));
        AuditHead {
            entries,
            at,
            hash,
            mac,
        }
    }

    pub fn line(&self) -> String {
        format!(
            "{HEAD_TAG} v1 {} {} {} {}",
            self.entries, self.at, self.hash, self.mac
        )
    }

    /// The first head line in `text` (which may be a whole saved mail); `None` when there is
    /// none or it is malformed.
    pub fn parse(text: &str) -> Option<Self> {
        let line = text
            .lines()
            .map(str::trim)
            .find(|l| l.starts_with(HEAD_TAG))?;
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [tag, "v1", entries, at, hash, mac] = fields.as_slice() else {
            return None;
        };
        let is_hex = |s: &str| s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit());
        let entries: i64 = entries.parse().ok().filter(|n| *n >= 0)?;
        if *tag != HEAD_TAG || !(is_hex(hash) || *hash == "genesis") || !is_hex(mac) {
            return None;
        }
        Some(AuditHead {
            entries,
            at: at.to_string(),
            hash: hash.to_ascii_lowercase(),
            mac: mac.to_ascii_lowercase(),
        })
    }
}

/// What a head's MAC covers; its first field keeps it apart from any entry's text.
fn head_text(entries: i64, at: &str, hash: &str) -> Vec<u8> {
    encode(&[&format!("{HEAD_TAG} v1"), &entries.to_string(), at, hash])
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

/// One pass over the chain: the verdict, the last entry's time and hash, and the hash of the
/// entry a published head names.
struct Walk {
    verdict: AuditVerdict,
    last_at: String,
    last_hash: String,
    at_head: Option<String>,
}

impl Database {
    /// Recomputes every hash: detects an edited entry, a deleted or inserted one (gaps in the
    /// sequence or a broken link), and a removed tail (the head no longer matches). Without
    /// the key file nobody can rewrite keyed entries so that they verify; someone with both can,
    /// up to the last published head ([`Database::verify_audit_head`]).
    pub async fn verify_audit(&self) -> Result<AuditVerdict> {
        Ok(self.walk_audit(None).await?.verdict)
    }

    async fn walk_audit(&self, head_seq: Option<i64>) -> Result<Walk> {
        let key = self
            .audit_chain
            .get(&mut *self.pool.acquire().await?)
            .await?;
        let rows = sqlx::query("SELECT * FROM audit_log ORDER BY seq")
            .fetch_all(&self.pool)
            .await?;
        let mut prev = "genesis".to_string();
        let mut last_at = "-".to_string();
        let mut expected_seq = 1;
        let mut keyed_seen = false;
        let mut at_head = (head_seq == Some(0)).then(|| prev.clone());
        let broken = |seq: i64, reason: &str, last_at: String, prev: String| Walk {
            verdict: AuditVerdict::Broken {
                seq,
                reason: reason.into(),
            },
            last_at,
            last_hash: prev,
            at_head: None,
        };
        for r in &rows {
            let e = entry_from_row(r)?;
            let stored_prev: String = r.try_get("prev_hash")?;
            let stored_hash: String = r.try_get("hash")?;
            let version: i64 = r.try_get("hash_version")?;
            if e.seq != expected_seq {
                return Ok(broken(expected_seq, "entry missing", last_at, prev));
            }
            if stored_prev != prev {
                return Ok(broken(
                    e.seq,
                    "link to the previous entry broken",
                    last_at,
                    prev,
                ));
            }
            // Once keyed, always keyed: otherwise keyed entries could be rewritten as unkeyed.
            if version == UNKEYED && keyed_seen {
                return Ok(broken(
                    e.seq,
                    "unkeyed entry after keyed ones",
                    last_at,
                    prev,
                ));
            }
            keyed_seen |= version == KEYED;
            let computed = Hashed {
                prev: &prev,
                seq: e.seq,
                at: &e.at,
                actor: &e.actor,
                origin: e.origin.as_deref().unwrap_or(""),
                action: &e.action,
                entity: &e.entity,
                entity_id: e.entity_id.as_deref().unwrap_or(""),
                changes: &e.changes,
            }
            .hash(version, &key);
            match computed {
                None => {
                    return Ok(broken(e.seq, "unknown hash version", last_at, prev));
                }
                Some(c) if c != stored_hash => {
                    let reason = if version == KEYED {
                        "entry altered (or written under another audit key)"
                    } else {
                        "entry altered"
                    };
                    return Ok(broken(e.seq, reason, last_at, prev));
                }
                Some(_) => {}
            }
            if head_seq == Some(e.seq) {
                at_head = Some(stored_hash.clone());
            }
            prev = stored_hash;
            last_at = e.at;
            expected_seq += 1;
        }
        let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StorageError::Corrupt("audit head missing".into()))?;
        let stored_seq: i64 = head.try_get("seq")?;
        let stored_hash: String = head.try_get("hash")?;
        if stored_seq != expected_seq - 1 || stored_hash != prev {
            return Ok(broken(
                expected_seq,
                "entries removed from the end",
                last_at,
                prev,
            ));
        }
        Ok(Walk {
            verdict: AuditVerdict::Intact {
                entries: expected_seq - 1,
            },
            last_at,
            last_hash: prev,
            at_head,
        })
    }

    /// How many entries predate the keyed chain (hashed with plain SHA-256).
    pub async fn audit_unkeyed_entries(&self) -> Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) FROM audit_log WHERE hash_version = $1")
            .bind(UNKEYED)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get(0)?)
    }

    /// The current head, signed, when the chain verifies; a broken chain gets no head (signing
    /// it would vouch for the tampering).
    pub async fn audit_head(&self) -> Result<(AuditVerdict, Option<AuditHead>)> {
        let walk = self.walk_audit(None).await?;
        let head = match walk.verdict {
            AuditVerdict::Intact { entries } => {
                let key = self
                    .audit_chain
                    .get(&mut *self.pool.acquire().await?)
                    .await?;
                Some(AuditHead::signed(
                    &key,
                    entries,
                    walk.last_at,
                    walk.last_hash,
                ))
            }
            AuditVerdict::Broken { .. } => None,
        };
        Ok((walk.verdict, head))
    }

    /// Whether `head` was signed with this deployment's audit chain key, unchanged.
    pub async fn audit_head_authentic(&self, head: &AuditHead) -> Result<bool> {
        let key = self
            .audit_chain
            .get(&mut *self.pool.acquire().await?)
            .await?;
        let Some(given) = unhex32(&head.mac) else {
            return Ok(false);
        };
        let mut check = <Hmac<Sha256> as Mac>::new_from_slice(&key)
            .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
        check.update(&head_text(head.entries, &head.at, &head.hash));
        // In constant time, unlike comparing the hex text.
        Ok(check.verify_slice(&given).is_ok())
    }

    /// The whole chain verifies, and still holds the entry `head` names with the hash it
    /// names: entries deleted before it, or a history rewritten up to it (even by someone with
    /// the key), are caught. A head this deployment's key did not sign is refused.
    pub async fn verify_audit_head(&self, head: &AuditHead) -> Result<AuditVerdict> {
        if !self.audit_head_authentic(head).await? {
            return Ok(AuditVerdict::Broken {
                seq: head.entries,
                reason: "the published head is not signed with this deployment's audit key".into(),
            });
        }
        let walk = self.walk_audit(Some(head.entries)).await?;
        let AuditVerdict::Intact { entries } = walk.verdict else {
            return Ok(walk.verdict);
        };
        let reason = match walk.at_head {
            _ if head.entries > entries => {
                "the trail is shorter than the published head: entries removed"
            }
            Some(hash) if hash == head.hash => return Ok(walk.verdict),
            _ => "the entry differs from the published head: history rewritten",
        };
        Ok(AuditVerdict::Broken {
            seq: head.entries,
            reason: reason.into(),
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
            &self.audit_chain,
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
    /// Entries about records, accounts and flagship rounds inside the scope, newest first.
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
            "((u.id IS NOT NULL AND u.{column} = $1) OR (s.id IS NOT NULL AND (s.scope = $1 OR s.scope LIKE $2)) \
             OR (f.id IS NOT NULL AND (f.region_code = $1 OR f.region_code LIKE $2)))"
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
                    LEFT JOIN users s ON a.entity = 'user' AND s.id = a.entity_id \
                    LEFT JOIN flagship_rounds f ON a.entity = 'flagship_round' AND f.id = a.entity_id";
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
        self.record_export(actor, what, &serde_json::json!({ "rows": rows }))
            .await
    }

    /// Records an export of `what` in the trail, with what it took (`summary`: count, filter,
    /// whether personal data went out).
    pub(crate) async fn record_export(
        &self,
        actor: &Actor,
        what: &str,
        summary: &serde_json::Value,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        begin_write(&mut tx).await?;
        append(
            &mut tx,
            &self.audit_chain,
            actor,
            "export",
            what,
            None,
            summary,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_lines_round_trip_and_malformed_ones_are_refused() {
        let key = [7u8; 32];
        let head = AuditHead::signed(&key, 12, "2026-11-23T08:00:00.000Z".into(), "ab".repeat(32));
        let line = head.line();
        assert_eq!(
            AuditHead::parse(&format!("Yth. Inspektorat,\n\n  {line}  \nSalam")),
            Some(head.clone())
        );
        assert!(AuditHead::parse(&line.replace(" v1 ", " v2 ")).is_none());
        assert!(AuditHead::parse(&line.replace(" 12 ", " -1 ")).is_none());
        assert!(AuditHead::parse(&format!("{line} extra")).is_none());
        assert!(AuditHead::parse("no head here").is_none());
        let empty = AuditHead::signed(&key, 0, "-".into(), "genesis".into());
        assert_eq!(AuditHead::parse(&empty.line()), Some(empty));
    }

    #[test]
    fn keyed_hashes_depend_on_the_key_and_unkeyed_ones_do_not() {
        let e = Hashed {
            prev: "genesis",
            seq: 1,
            at: "2026-11-23T08:00:00.000Z",
            actor: "demo",
            origin: "cli",
            action: "bulk_create",
            entity: "umkm",
            entity_id: "",
            changes: "{}",
        };
        let (a, b) = ([1u8; 32], [2u8; 32]);
        assert_ne!(e.hash(KEYED, &a), e.hash(KEYED, &b));
        assert_eq!(e.hash(UNKEYED, &a), e.hash(UNKEYED, &b));
        assert_ne!(e.hash(KEYED, &a), e.hash(UNKEYED, &a));
        assert_eq!(e.hash(3, &a), None);
    }
}
