//! Imports must not erase (issue 29, item 2): the dry run's changes to stored records field by
//! field, and what a written import did record by record, so that it can be undone.
//!
//! The undo is all or nothing (decision 0033): it restores the values the import replaced,
//! removes the drafts it created, and is refused as a whole, with the list of records, when any
//! of them was changed since (its version moved on), merged, or is referenced by something
//! added since (a product, a programme, …). Half an import undone would leave the registry in
//! a state nobody chose.

use sqlx::{Any, Row, Transaction};

use sentra_domain::region::RegionTree;
use sentra_domain::scope::Scope;
use sentra_domain::umkm::{
    LegalDocumentInput, UmkmData, UmkmInput, ValidationContext, validate_umkm,
};

use crate::accounts::audit::{self, Actor};
use crate::registry::import::FieldChange;
use crate::schema::province_keys::BUSINESS_REFERENCES;
use crate::sql::{
    Arg, Args, JSON_ROWS_PER_STATEMENT, JsonRows, audit_diff, audit_view, fetch_record,
};
use crate::{Database, Result, StorageError, now_text};

/// The changes one row of a dry run makes to a stored record.
#[derive(Debug, Clone)]
pub struct RecordChanges {
    pub line: usize,
    pub umkm_id: String,
    pub name: String,
    pub changes: Vec<FieldChange>,
}

/// One stored change of a dry run, as listed and downloaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeRow {
    pub line: usize,
    pub umkm_id: String,
    pub name: String,
    pub change: FieldChange,
}

/// A record an undo cannot put back, and why (a message code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UndoConflict {
    pub umkm_id: String,
    pub name: String,
    /// A message key: `reimport.undo_changed` (edited, verified or merged since),
    /// `reimport.undo_referenced` (something was attached to a created record),
    /// `reimport.undo_gone` (no longer in the registry the caller sees), `reimport.undo_invalid`
    /// (the old values fail today's rules).
    pub reason: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UndoOutcome {
    Done {
        restored: usize,
        removed: usize,
    },
    /// Nothing changed: these records stand in the way.
    Refused(Vec<UndoConflict>),
    /// Not a written import, or undone already.
    NotUndoable,
}

pub(crate) async fn store_changes(
    tx: &mut Transaction<'_, Any>,
    job: &str,
    records: &[RecordChanges],
    max_params: usize,
) -> Result<()> {
    sqlx::query("DELETE FROM import_changes WHERE job_id = $1")
        .bind(job)
        .execute(&mut **tx)
        .await?;
    let rows: Vec<(&RecordChanges, usize, &FieldChange)> = records
        .iter()
        .flat_map(|r| r.changes.iter().enumerate().map(move |(i, c)| (r, i, c)))
        .collect();
    for part in rows.chunks((max_params / 8).max(1)) {
        let mut args = Args::default();
        let tuples: Vec<String> = part
            .iter()
            .map(|(r, seq, c)| {
                let line = args.push(crate::sql::Arg::Int(Some(r.line as i64)));
                let seq = args.push(crate::sql::Arg::Int(Some(*seq as i64)));
                format!(
                    "({},{line},{seq},{},{},{},{},{})",
                    args.text(job),
                    args.text(r.umkm_id.as_str()),
                    args.text(r.name.as_str()),
                    args.text(c.field.as_str()),
                    args.text(c.old.as_str()),
                    args.text(c.new.as_str()),
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO import_changes (job_id, line, seq, umkm_id, record_name, field, \
             old_value, new_value) VALUES {}",
            tuples.join(",")
        );
        args.bind(sqlx::query(&sql)).execute(&mut **tx).await?;
    }
    Ok(())
}

pub(crate) async fn record_created(
    tx: &mut Transaction<'_, Any>,
    backend: crate::Backend,
    job: &str,
    ids: &[String],
) -> Result<()> {
    for part in ids.chunks(JSON_ROWS_PER_STATEMENT) {
        let mut rows = JsonRows::new();
        for id in part {
            rows.push(vec![
                Arg::Text(Some(job.to_string())),
                Arg::Text(Some(id.clone())),
            ]);
        }
        // A job taken up again after a crash plans its rows again: a record already recorded
        // keeps its first entry.
        let sql = format!(
            "INSERT INTO import_run_records (job_id, umkm_id, action, version_after) {} \
             ON CONFLICT (job_id, umkm_id) DO NOTHING",
            rows.select(backend, "'created', 1")
        );
        sqlx::query(&sql)
            .bind(rows.into_param())
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

pub(crate) async fn record_updated(
    tx: &mut Transaction<'_, Any>,
    job: &str,
    id: &str,
    version_after: i64,
    before: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO import_run_records (job_id, umkm_id, action, version_after, before_values) \
         VALUES ($1, $2, 'updated', $3, $4) ON CONFLICT (job_id, umkm_id) DO NOTHING",
    )
    .bind(job)
    .bind(id)
    .bind(version_after)
    .bind(before)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The record's form values before an import, as stored for its undo: the NIK sealed under
/// the personal-data key (UU 27/2022 PDP), like the record's own column.
pub(crate) fn before_json(i: &UmkmInput, key: &crate::PersonalKey) -> String {
    let docs: Vec<serde_json::Value> = i
        .documents
        .iter()
        .map(|d| {
            serde_json::json!({
                "kind": d.kind, "number": d.number,
                "issued_on": d.issued_on, "expires_on": d.expires_on,
            })
        })
        .collect();
    serde_json::json!({
        "name": i.name, "brand": i.brand, "owner_name": i.owner_name,
        "nik_sealed": key.encrypt(&i.nik), "phone": i.phone, "address": i.address,
        "village_code": i.village_code, "latitude": i.latitude, "longitude": i.longitude,
        "sector": i.sector, "kbli_code": i.kbli_code, "kbli_version": i.kbli_version,
        "year_started": i.year_started, "modal": i.modal, "annual_sales": i.annual_sales,
        "employees_male": i.employees_male, "employees_female": i.employees_female,
        "documents": docs, "links": i.links,
    })
    .to_string()
}

fn before_input(text: &str, keyring: &crate::Keyring) -> Result<UmkmInput> {
    let corrupt = |e: String| StorageError::Corrupt(format!("import run values: {e}"));
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| corrupt(e.to_string()))?;
    let s = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
    let documents = v
        .get("documents")
        .and_then(|d| d.as_array())
        .map(|list| {
            list.iter()
                .map(|d| {
                    let f = |k: &str| d.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
                    LegalDocumentInput {
                        kind: f("kind"),
                        number: f("number"),
                        issued_on: f("issued_on"),
                        expires_on: f("expires_on"),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let links: Vec<(String, String)> = match v.get("links") {
        Some(l) => serde_json::from_value(l.clone()).map_err(|e| corrupt(e.to_string()))?,
        None => Vec::new(),
    };
    Ok(UmkmInput {
        name: s("name"),
        brand: s("brand"),
        owner_name: s("owner_name"),
        nik: keyring.decrypt(&s("nik_sealed"))?,
        phone: s("phone"),
        address: s("address"),
        village_code: s("village_code"),
        latitude: s("latitude"),
        longitude: s("longitude"),
        sector: s("sector"),
        kbli_code: s("kbli_code"),
        kbli_version: s("kbli_version"),
        year_started: s("year_started"),
        modal: s("modal"),
        annual_sales: s("annual_sales"),
        employees_male: s("employees_male"),
        employees_female: s("employees_female"),
        documents,
        links,
    })
}

/// One record of a run, as read back for its undo.
struct RunRecord {
    umkm_id: String,
    created: bool,
    version_after: i64,
    before: Option<String>,
}

impl Database {
    /// The dry run's changes to stored records, in row order.
    pub async fn import_changes(
        &self,
        job: &str,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<ChangeRow>> {
        let rows = sqlx::query(
            "SELECT line, umkm_id, record_name, field, old_value, new_value FROM import_changes \
             WHERE job_id = $1 ORDER BY line, seq LIMIT $2 OFFSET $3",
        )
        .bind(job)
        .bind(i64::from(limit))
        .bind(i64::from(offset))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ChangeRow {
                    line: r.try_get::<i64, _>(0)?.max(0) as usize,
                    umkm_id: r.try_get(1)?,
                    name: r.try_get(2)?,
                    change: FieldChange {
                        field: r.try_get(3)?,
                        old: r.try_get(4)?,
                        new: r.try_get(5)?,
                    },
                })
            })
            .collect()
    }

    /// How many records a written import created and changed (what its undo would touch).
    pub async fn import_run_size(&self, job: &str) -> Result<(usize, usize)> {
        let row = sqlx::query(
            "SELECT COALESCE(SUM(CASE WHEN action = 'created' THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN action = 'updated' THEN 1 ELSE 0 END), 0) \
             FROM import_run_records WHERE job_id = $1",
        )
        .bind(job)
        .fetch_one(&self.pool)
        .await?;
        let n = |i: usize| -> Result<usize> { Ok(row.try_get::<i64, _>(i)?.max(0) as usize) };
        Ok((n(0)?, n(1)?))
    }

    async fn run_records(&self, job: &str) -> Result<Vec<RunRecord>> {
        let rows = sqlx::query(
            "SELECT umkm_id, action, version_after, before_values FROM import_run_records \
             WHERE job_id = $1 ORDER BY umkm_id",
        )
        .bind(job)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(RunRecord {
                    umkm_id: r.try_get(0)?,
                    created: r.try_get::<String, _>(1)? == "created",
                    version_after: r.try_get(2)?,
                    before: r.try_get(3)?,
                })
            })
            .collect()
    }

    /// The created records something was attached to since (products, programmes, photos, a
    /// record merged into them, …): removing them would take that along or fail.
    async fn referenced(&self, ids: &[&str]) -> Result<std::collections::HashSet<String>> {
        let mut out = std::collections::HashSet::new();
        let mut sources: Vec<(&str, &str)> = BUSINESS_REFERENCES
            .iter()
            .filter(|(_, _, _, cascade)| !cascade)
            .map(|(t, c, _, _)| (*t, *c))
            .collect();
        sources.push(("umkm", "merged_into"));
        let per = self.params_per_statement().saturating_sub(8).max(1);
        for part in ids.chunks(per) {
            for (table, col) in &sources {
                let mut args = Args::default();
                let list: Vec<String> = part.iter().map(|id| args.text(*id)).collect();
                let sql = format!(
                    "SELECT DISTINCT {col} FROM {table} WHERE {col} IN ({})",
                    list.join(",")
                );
                for row in args.bind(sqlx::query(&sql)).fetch_all(&self.pool).await? {
                    out.insert(row.try_get::<String, _>(0)?);
                }
            }
        }
        Ok(out)
    }

    /// Undoes a written import inside `scope`, all or nothing: restores the values it replaced,
    /// removes the drafts it created, audited record by record and for the job. Refused, with
    /// the records in the way, when any was changed since.
    pub async fn undo_import(
        &self,
        scope: &Scope,
        job: &str,
        actor: &Actor,
        today: chrono::NaiveDate,
    ) -> Result<UndoOutcome> {
        let Some(j) = self.import_job(job).await? else {
            return Ok(UndoOutcome::NotUndoable);
        };
        if j.state != crate::JobState::Done || j.undone.is_some() {
            return Ok(UndoOutcome::NotUndoable);
        }
        let run = self.run_records(job).await?;
        let ids: Vec<String> = run.iter().map(|r| r.umkm_id.clone()).collect();
        let current = self.fetch_records(scope, &ids).await?;
        let created: Vec<&str> = run
            .iter()
            .filter(|r| r.created)
            .map(|r| r.umkm_id.as_str())
            .collect();
        let referenced = self.referenced(&created).await?;
        let sectors: Vec<String> = self.sectors().await?.into_iter().map(|s| s.code).collect();
        let vctx = ValidationContext {
            regions: RegionTree::embedded(),
            sectors: &sectors,
            scope: scope.region_code(),
            today,
        };
        let mut conflicts = Vec::new();
        let mut restore: Vec<(&RunRecord, UmkmData)> = Vec::new();
        for r in &run {
            let Some(now) = current.get(&r.umkm_id) else {
                conflicts.push(UndoConflict {
                    umkm_id: r.umkm_id.clone(),
                    name: String::new(),
                    reason: "reimport.undo_gone",
                });
                continue;
            };
            let conflict = |reason| UndoConflict {
                umkm_id: now.id.clone(),
                name: now.name.clone(),
                reason,
            };
            if now.version != r.version_after || now.merged_into.is_some() {
                conflicts.push(conflict("reimport.undo_changed"));
            } else if r.created && referenced.contains(&r.umkm_id) {
                conflicts.push(conflict("reimport.undo_referenced"));
            } else if let Some(before) = &r.before {
                match validate_umkm(&before_input(before, &self.keyring)?, &vctx) {
                    Ok(data) => restore.push((r, data)),
                    Err(_) => conflicts.push(conflict("reimport.undo_invalid")),
                }
            }
        }
        if !conflicts.is_empty() {
            return Ok(UndoOutcome::Refused(conflicts));
        }
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        for (r, data) in &restore {
            // The version check inside: a record edited since this look fails the whole undo.
            let (before, after) = self
                .apply_update(&mut tx, scope, &r.umkm_id, r.version_after, data)
                .await?;
            audit::append(
                &mut tx,
                &self.audit_chain,
                actor,
                "import_undo",
                "umkm",
                Some(&r.umkm_id),
                &serde_json::Value::Object(audit_diff(&before, &after)),
            )
            .await?;
        }
        for id in &created {
            let record = fetch_record(&mut tx, self, scope, id).await?;
            for sql in [
                "DELETE FROM umkm_documents WHERE umkm_id = $1",
                "DELETE FROM change_requests WHERE umkm_id = $1",
                "DELETE FROM duplicate_pairs WHERE a_id = $1 OR b_id = $1",
            ] {
                sqlx::query(sql).bind(*id).execute(&mut *tx).await?;
            }
            let gone = sqlx::query("DELETE FROM umkm WHERE id = $1 AND version = 1")
                .bind(*id)
                .execute(&mut *tx)
                .await?;
            if gone.rows_affected() != 1 {
                return Err(StorageError::Conflict);
            }
            audit::append(
                &mut tx,
                &self.audit_chain,
                actor,
                "import_undo_remove",
                "umkm",
                Some(id),
                &serde_json::Value::Object(audit_view(&record)),
            )
            .await?;
        }
        let marked = sqlx::query(
            "UPDATE import_jobs SET undone_at = $1, undone_by = $2, updated_at = $1 \
             WHERE id = $3 AND undone_at IS NULL",
        )
        .bind(now_text())
        .bind(&actor.name)
        .bind(job)
        .execute(&mut *tx)
        .await?;
        if marked.rows_affected() != 1 {
            return Err(StorageError::Conflict);
        }
        audit::append(
            &mut tx,
            &self.audit_chain,
            actor,
            "undo",
            "import_job",
            Some(job),
            &serde_json::json!({ "restored": restore.len(), "removed": created.len() }),
        )
        .await?;
        tx.commit().await?;
        Ok(UndoOutcome::Done {
            restored: restore.len(),
            removed: created.len(),
        })
    }
}
