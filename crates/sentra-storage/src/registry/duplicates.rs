//! Duplicate records in the registry: found by the domain's duplicate rules (over the whole
//! scope, or around new records), kept as pairs in a review queue, and decided by an operator:
//! "not a duplicate" (remembered) or merged field by field into one record that carries on,
//! while the other stays, marked, with its history.

use std::collections::{HashMap, HashSet};

use sentra_domain::dedup::{DedupRecord, LIKELY, compare, find_duplicates};
use sentra_domain::scope::Scope;
use sentra_domain::umkm::UmkmData;
use serde::Serialize;
use sqlx::Row;

use crate::UmkmRecord;
use crate::accounts::audit::{self, Actor};
use crate::sql::{Args, audit_diff, fetch_record, region_column, scope_condition};
use crate::{Database, Result, StorageError, now_text};

/// One pair in the queue.
#[derive(Debug, Clone, Serialize)]
pub struct DuplicatePairRow {
    pub a_id: String,
    pub b_id: String,
    pub a_name: String,
    pub b_name: String,
    pub a_village: String,
    pub b_village: String,
    /// Percent.
    pub score: i64,
    pub reasons: Vec<String>,
    pub status: String,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct ScanOutcome {
    pub records: usize,
    pub pairs: usize,
    /// Pairs not in the queue before.
    pub new_pairs: usize,
}

/// A record that may be the business about to be registered.
#[derive(Debug, Clone, Serialize)]
pub struct LikelyDuplicate {
    pub id: String,
    pub name: String,
    pub owner_name: String,
    pub village_code: String,
    /// Percent.
    pub score: i64,
    pub reasons: Vec<&'static str>,
}

/// At most this many likely matches are shown before saving.
const LIKELY_SHOWN: usize = 5;

/// From this many records to check, the whole scope is read instead of their neighbourhoods.
const WHOLE_SCAN_FROM: usize = 2000;

/// `a` sorts before `b`.
fn ordered<'a>(x: &'a str, y: &'a str) -> (&'a str, &'a str) {
    if x <= y { (x, y) } else { (y, x) }
}

/// Rows read at once by the duplicate scan.
const DEDUP_PAGE: usize = 20_000;

impl Database {
    /// The records the duplicate rules compare, for the scope (and, if given, only those
    /// matching `extra`, a condition over `umkm u` with its arguments already in `args`).
    async fn dedup_records(
        &self,
        scope: &Scope,
        extra: Option<(String, Args)>,
    ) -> Result<Vec<(String, DedupRecord)>> {
        let (cond, args) = match extra {
            Some((cond, mut args)) => {
                let scope_cond = scope_condition(
                    scope.region_code(),
                    scope.owner(),
                    self.prunes_by_province(),
                    &mut args,
                );
                (
                    format!("{scope_cond} AND u.merged_into IS NULL AND ({cond})"),
                    args,
                )
            }
            None => {
                // The region compared as an expression, not through its index, so that the
                // engine walks the primary key in order and each page costs only its rows
                // (through the region index every page would sort the whole region again).
                let mut args = Args::default();
                let region = scope.region_code();
                let mut cond = format!(
                    "{} || '' = {} AND u.merged_into IS NULL",
                    region_column(region.level()),
                    args.text(region.as_str())
                );
                if let Some(owner) = scope.owner() {
                    cond.push_str(&format!(" AND u.owner_user_id = {}", args.text(owner)));
                }
                (cond, args)
            }
        };
        // Pages of rows in id order: a million rows held at once as driver rows would take
        // gigabytes, and a row-by-row stream is slow on SQLite.
        let mut out: Vec<(String, DedupRecord)> = Vec::new();
        loop {
            let mut args = args.clone();
            let after = match out.last() {
                Some((id, _)) => format!("AND u.id > {}", args.text(id.as_str())),
                None => String::new(),
            };
            let sql = format!(
                "SELECT u.id, u.name, u.owner_name, u.owner_nik_enc, u.owner_phone, \
                 u.village_code, (SELECT d.number FROM umkm_documents d WHERE d.umkm_id = u.id \
                 AND d.kind = 'nib' LIMIT 1) AS nib FROM umkm u WHERE {cond} {after} \
                 ORDER BY u.id LIMIT {DEDUP_PAGE}"
            );
            let rows = args.bind(sqlx::query(&sql)).fetch_all(&self.pool).await?;
            let full = rows.len() == DEDUP_PAGE;
            for r in rows {
                let nik: String = r.try_get("owner_nik_enc")?;
                let name: String = r.try_get("name")?;
                let owner: String = r.try_get("owner_name")?;
                let phone: Option<String> = r.try_get("owner_phone")?;
                let village: String = r.try_get("village_code")?;
                let nib: Option<String> = r.try_get("nib")?;
                out.push((
                    r.try_get("id")?,
                    DedupRecord::new(
                        &name,
                        &owner,
                        &self.keyring.decrypt(&nik)?,
                        phone.as_deref().unwrap_or(""),
                        &village,
                        nib.as_deref().unwrap_or(""),
                    ),
                ));
            }
            if !full {
                return Ok(out);
            }
        }
    }

    /// Compares `records` and queues the likely pairs; with `only`, just the pairs that
    /// involve one of those ids.
    async fn queue_pairs(
        &self,
        records: Vec<(String, DedupRecord)>,
        only: Option<&HashSet<String>>,
    ) -> Result<ScanOutcome> {
        let (ids, recs): (Vec<String>, Vec<DedupRecord>) = records.into_iter().unzip();
        let pairs = tokio::task::spawn_blocking(move || find_duplicates(&recs, LIKELY))
            .await
            .map_err(|e| StorageError::Corrupt(format!("duplicate scan: {e}")))?;
        let mut outcome = ScanOutcome {
            records: ids.len(),
            ..ScanOutcome::default()
        };
        let now = now_text();
        for chunk in pairs.chunks(500) {
            let mut tx = self.pool.begin().await?;
            for p in chunk {
                let (a, b) = ordered(&ids[p.a], &ids[p.b]);
                if only.is_some_and(|o| !o.contains(a) && !o.contains(b)) {
                    continue;
                }
                outcome.pairs += 1;
                let reasons = serde_json::to_string(&p.reasons).unwrap_or_default();
                let score = (p.score * 100.0).round() as i64;
                // A decided pair keeps its decision; an open one gets the latest score.
                let done = sqlx::query(
                    "INSERT INTO duplicate_pairs (a_id, b_id, score, reasons, status, found_at) \
                     VALUES ($1, $2, $3, $4, 'open', $5) ON CONFLICT (a_id, b_id) DO NOTHING",
                )
                .bind(a)
                .bind(b)
                .bind(score)
                .bind(&reasons)
                .bind(&now)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 1 {
                    outcome.new_pairs += 1;
                } else {
                    sqlx::query(
                        "UPDATE duplicate_pairs SET score = $1, reasons = $2 \
                         WHERE a_id = $3 AND b_id = $4 AND status = 'open'",
                    )
                    .bind(score)
                    .bind(&reasons)
                    .bind(a)
                    .bind(b)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            tx.commit().await?;
        }
        Ok(outcome)
    }

    /// The records in `scope` that likely are the business `data` about to be registered, most
    /// likely first: those of its kelurahan and those sharing its NIK, phone or NIB, compared by
    /// the same rules as the review queue. An owner's scope holds only her own businesses.
    pub async fn likely_duplicates_of_new(
        &self,
        scope: &Scope,
        data: &UmkmData,
    ) -> Result<Vec<LikelyDuplicate>> {
        let nib = data
            .documents
            .iter()
            .find(|d| d.kind == sentra_domain::umkm::LegalKind::Nib)
            .map(|d| d.number.clone());
        let phone = data.phone.as_ref().map(|p| p.as_str().to_string());
        let mut args = Args::default();
        let mut cond = vec![
            format!("u.village_code = {}", args.text(data.village_code.as_str())),
            format!(
                "u.owner_nik_hash = {}",
                args.text(self.keyring.current().lookup_hash(data.nik.as_str()))
            ),
        ];
        if let Some(phone) = &phone {
            cond.push(format!("u.owner_phone = {}", args.text(phone)));
        }
        if let Some(nib) = &nib {
            cond.push(format!(
                "u.id IN (SELECT d.umkm_id FROM umkm_documents d WHERE d.kind = 'nib' AND d.number = {})",
                args.text(nib)
            ));
        }
        let found = self
            .dedup_records(scope, Some((cond.join(" OR "), args)))
            .await?;
        let new = DedupRecord::new(
            &data.name,
            &data.owner_name,
            data.nik.as_str(),
            phone.as_deref().unwrap_or(""),
            data.village_code.as_str(),
            nib.as_deref().unwrap_or(""),
        );
        let mut likely: Vec<(String, f64, Vec<&'static str>)> = found
            .into_iter()
            .filter_map(|(id, r)| {
                let (score, reasons) = compare(&new, &r);
                (score >= LIKELY).then_some((id, score, reasons))
            })
            .collect();
        likely.sort_by(|x, y| y.1.total_cmp(&x.1).then_with(|| x.0.cmp(&y.0)));
        likely.truncate(LIKELY_SHOWN);
        let mut out = Vec::with_capacity(likely.len());
        for (id, score, reasons) in likely {
            let record = self.get_umkm(scope, &id).await?;
            out.push(LikelyDuplicate {
                id,
                name: record.name,
                owner_name: record.owner_name,
                village_code: record.village_code,
                score: (score * 100.0).round() as i64,
                reasons,
            });
        }
        Ok(out)
    }

    /// The batch check over the whole scope.
    pub async fn scan_duplicates(&self, scope: &Scope) -> Result<ScanOutcome> {
        let records = self.dedup_records(scope, None).await?;
        self.queue_pairs(records, None).await
    }

    /// The check of new or changed records: compared with the records of their kelurahan and
    /// with every record sharing their NIK, phone or NIB.
    pub async fn check_duplicates_of(
        &self,
        scope: &Scope,
        ids: Vec<String>,
    ) -> Result<ScanOutcome> {
        if ids.is_empty() {
            return Ok(ScanOutcome::default());
        }
        let many = ids.len() > WHOLE_SCAN_FROM;
        // Taken by value: after a large import these are a million ids, not to be held twice.
        let only: HashSet<String> = ids.into_iter().collect();
        // Many records (a large import): one pass over the scope is cheaper than the look-ups.
        if many {
            let records = self.dedup_records(scope, None).await?;
            return self.queue_pairs(records, Some(&only)).await;
        }
        let mut records: HashMap<String, DedupRecord> = HashMap::new();
        let per = self.params_per_statement().saturating_sub(16).max(1) / 3;
        let mut ids: Vec<&String> = only.iter().collect();
        ids.sort();
        for part in ids.chunks(per.max(1)) {
            let mut args = Args::default();
            let list: Vec<String> = part.iter().map(|id| args.text(id.as_str())).collect();
            let list = list.join(",");
            let cond = format!(
                "u.village_code IN (SELECT village_code FROM umkm WHERE id IN ({list})) \
                 OR u.owner_nik_hash IN (SELECT owner_nik_hash FROM umkm WHERE id IN ({list})) \
                 OR u.owner_phone IN (SELECT owner_phone FROM umkm WHERE id IN ({list}) \
                    AND owner_phone IS NOT NULL) \
                 OR u.id IN (SELECT d.umkm_id FROM umkm_documents d WHERE d.kind = 'nib' AND \
                    d.number IN (SELECT number FROM umkm_documents WHERE kind = 'nib' AND \
                    umkm_id IN ({list})))"
            );
            for (id, r) in self.dedup_records(scope, Some((cond, args))).await? {
                records.insert(id, r);
            }
        }
        let mut records: Vec<(String, DedupRecord)> = records.into_iter().collect();
        records.sort_by(|x, y| x.0.cmp(&y.0));
        self.queue_pairs(records, Some(&only)).await
    }

    /// Open pairs whose two records both lie in the scope, most likely first.
    pub async fn duplicate_queue(
        &self,
        scope: &Scope,
        limit: u32,
        offset: u32,
    ) -> Result<(Vec<DuplicatePairRow>, i64)> {
        let mut args = Args::default();
        let ca = scope_condition(
            scope.region_code(),
            scope.owner(),
            self.prunes_by_province(),
            &mut args,
        );
        let cb = ca.replace("u.", "v.");
        let from = format!(
            "FROM duplicate_pairs p JOIN umkm u ON u.province_code = p.a_province_code AND u.id = p.a_id JOIN umkm v ON v.province_code = p.b_province_code AND v.id = p.b_id \
             WHERE p.status = 'open' AND {ca} AND {cb} \
             AND u.merged_into IS NULL AND v.merged_into IS NULL"
        );
        let total: i64 = args
            .clone()
            .bind(sqlx::query(&format!("SELECT COUNT(*) AS n {from}")))
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?;
        let sql = format!(
            "SELECT p.a_id, p.b_id, u.name AS a_name, v.name AS b_name, \
             u.village_code AS a_village, v.village_code AS b_village, p.score, p.reasons, \
             p.status {from} ORDER BY p.score DESC, p.a_id, p.b_id \
             LIMIT {limit} OFFSET {offset}"
        );
        let rows = args.bind(sqlx::query(&sql)).fetch_all(&self.pool).await?;
        let pairs = rows
            .iter()
            .map(|r| {
                let reasons: String = r.try_get("reasons")?;
                Ok(DuplicatePairRow {
                    a_id: r.try_get("a_id")?,
                    b_id: r.try_get("b_id")?,
                    a_name: r.try_get("a_name")?,
                    b_name: r.try_get("b_name")?,
                    a_village: r.try_get("a_village")?,
                    b_village: r.try_get("b_village")?,
                    score: r.try_get("score")?,
                    reasons: serde_json::from_str(&reasons).unwrap_or_default(),
                    status: r.try_get("status")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((pairs, total))
    }

    /// One pair with both records (both must lie in the scope).
    pub async fn duplicate_pair(
        &self,
        scope: &Scope,
        a: &str,
        b: &str,
    ) -> Result<(DuplicatePairRow, UmkmRecord, UmkmRecord)> {
        let (a, b) = ordered(a, b);
        let ra = self.get_umkm(scope, a).await?;
        let rb = self.get_umkm(scope, b).await?;
        let row = sqlx::query(
            "SELECT score, reasons, status FROM duplicate_pairs WHERE a_id = $1 AND b_id = $2",
        )
        .bind(a)
        .bind(b)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StorageError::NotFound)?;
        let reasons: String = row.try_get("reasons")?;
        let pair = DuplicatePairRow {
            a_id: a.to_string(),
            b_id: b.to_string(),
            a_name: ra.name.clone(),
            b_name: rb.name.clone(),
            a_village: ra.village_code.clone(),
            b_village: rb.village_code.clone(),
            score: row.try_get("score")?,
            reasons: serde_json::from_str(&reasons).unwrap_or_default(),
            status: row.try_get("status")?,
        };
        Ok((pair, ra, rb))
    }

    /// Open pairs that involve a record (for its page).
    pub async fn open_duplicates_of(&self, scope: &Scope, id: &str) -> Result<Vec<String>> {
        let rows = sqlx::query(
            "SELECT a_id, b_id FROM duplicate_pairs WHERE status = 'open' AND (a_id = $1 OR b_id = $1) \
             ORDER BY score DESC",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        let mut others = Vec::new();
        for r in rows {
            let (a, b): (String, String) = (r.try_get(0)?, r.try_get(1)?);
            let other = if a == id { b } else { a };
            if self
                .get_umkm(scope, &other)
                .await
                .is_ok_and(|o| o.merged_into.is_none())
            {
                others.push(other);
            }
        }
        Ok(others)
    }

    /// "Not a duplicate": remembered, and audited on both records.
    pub async fn dismiss_duplicate(
        &self,
        scope: &Scope,
        a: &str,
        b: &str,
        actor: &Actor,
    ) -> Result<()> {
        let (pair, _, _) = self.duplicate_pair(scope, a, b).await?;
        if pair.status != "open" {
            return Err(StorageError::Conflict);
        }
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        sqlx::query(
            "UPDATE duplicate_pairs SET status = 'not_duplicate', decided_by = $1, decided_at = $2 \
             WHERE a_id = $3 AND b_id = $4",
        )
        .bind(&actor.name)
        .bind(now_text())
        .bind(&pair.a_id)
        .bind(&pair.b_id)
        .execute(&mut *tx)
        .await?;
        for (id, other) in [(&pair.a_id, &pair.b_id), (&pair.b_id, &pair.a_id)] {
            audit::append(
                &mut tx,
                &self.audit_chain,
                actor,
                "not_duplicate",
                "umkm",
                Some(id),
                &serde_json::json!({ "other": other }),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Merges `other` into `keep`: `keep` takes `data` (chosen field by field), `other` stays
    /// with its history, marked as merged into `keep` and out of the registry lists. The owner's
    /// account follows the business. One transaction, audited on both records; either version
    /// having moved on since the operator compared them is a conflict.
    #[allow(clippy::too_many_arguments)]
    pub async fn merge_umkm(
        &self,
        scope: &Scope,
        keep: &str,
        keep_version: i64,
        other: &str,
        other_version: i64,
        data: &UmkmData,
        actor: &Actor,
    ) -> Result<UmkmRecord> {
        if keep == other || !scope.contains(&data.village_code) {
            return Err(StorageError::NotFound);
        }
        let (a, b) = ordered(keep, other);
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        let gone = fetch_record(&mut tx, self, scope, other).await?;
        if gone.version != other_version || gone.merged_into.is_some() {
            return Err(StorageError::Conflict);
        }
        let (before, after) = self
            .apply_update(&mut tx, scope, keep, keep_version, data)
            .await?;
        if before.merged_into.is_some() {
            return Err(StorageError::Conflict);
        }
        let now = now_text();
        sqlx::query(
            "UPDATE umkm SET merged_into = $1, status = 'inactive', updated_at = $2, \
             version = version + 1 WHERE id = $3 AND version = $4",
        )
        .bind(keep)
        .bind(&now)
        .bind(other)
        .bind(other_version)
        .execute(&mut *tx)
        .await?;
        // The owner's account follows the business when the kept record has none.
        sqlx::query(
            "UPDATE umkm SET owner_user_id = (SELECT owner_user_id FROM umkm WHERE id = $1) \
             WHERE id = $2 AND owner_user_id IS NULL",
        )
        .bind(other)
        .bind(keep)
        .execute(&mut *tx)
        .await?;
        // Rows that point at a business move from `other` to `keep` in this transaction:
        // products, government purchases, and programme places (an activity both attended
        // keeps `other`'s place where it was). The audit entries of the merge (entity `umkm`)
        // tell search indexes to read them again.
        for sql in [
            "UPDATE products SET umkm_id = $1 WHERE umkm_id = $2",
            "UPDATE purchases SET umkm_id = $1 WHERE umkm_id = $2",
            "UPDATE activity_participants SET umkm_id = $1 WHERE umkm_id = $2 \
             AND activity_id NOT IN (SELECT k.activity_id FROM activity_participants k \
                                     WHERE k.umkm_id = $1)",
        ] {
            sqlx::query(sql)
                .bind(keep)
                .bind(other)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(
            "INSERT INTO duplicate_pairs (a_id, b_id, score, reasons, status, found_at) \
             VALUES ($1, $2, 100, '[]', 'merged', $3) ON CONFLICT (a_id, b_id) DO NOTHING",
        )
        .bind(a)
        .bind(b)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE duplicate_pairs SET status = 'merged', decided_by = $1, decided_at = $2 \
             WHERE a_id = $3 AND b_id = $4",
        )
        .bind(&actor.name)
        .bind(&now)
        .bind(a)
        .bind(b)
        .execute(&mut *tx)
        .await?;
        let mut changes = audit_diff(&before, &after);
        changes.insert("merged_from".into(), serde_json::json!(other));
        audit::append(
            &mut tx,
            &self.audit_chain,
            actor,
            "merge",
            "umkm",
            Some(keep),
            &serde_json::Value::Object(changes),
        )
        .await?;
        audit::append(
            &mut tx,
            &self.audit_chain,
            actor,
            "merged_into",
            "umkm",
            Some(other),
            &serde_json::json!({ "into": keep }),
        )
        .await?;
        tx.commit().await?;
        self.get_umkm(scope, keep).await
    }
}
