//! The `umkm` row as every capability reads and writes it (the registry, duplicates, the field
//! app, imports): its columns, its mapping to [`UmkmRecord`], and the record as the audit trail
//! keeps it.

use chrono::NaiveDate;
use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Row, Transaction};

use sentra_domain::region::{RegionCode, RegionLevel};
use sentra_domain::scope::Scope;
use sentra_domain::size::{SizeBasis, SizeClass};
use sentra_domain::umkm::{LegalDocument, LegalKind, UmkmData, UmkmStatus};

use super::{
    Arg, Args, JSON_ROWS_PER_STATEMENT, JsonRows, parse_day, parse_opt, parse_req, scope_admits,
    scope_condition,
};
use crate::{Database, NewUmkm, Result, StorageError, UmkmRecord, now_text};

pub(crate) const INSERT_COLUMNS: &[&str] = &[
    "id",
    "name",
    "brand",
    "owner_name",
    "owner_nik_enc",
    "owner_nik_hash",
    "owner_sex",
    "owner_birth_date",
    "owner_phone",
    "address",
    "village_code",
    "district_code",
    "regency_code",
    "province_code",
    "latitude",
    "longitude",
    "sector_code",
    "kbli_code",
    "kbli_version",
    "year_started",
    "modal_rupiah",
    "annual_sales_rupiah",
    "employees_male",
    "employees_female",
    "size_class",
    "size_basis",
    "links",
    "status",
    "verified_by",
    "verified_at",
    "created_by",
    "created_at",
    "updated_at",
    "owner_user_id",
];

/// The data columns (everything an edit may change), in `INSERT_COLUMNS` order after `id`.
pub(crate) fn data_args(d: &UmkmData, key: &crate::PersonalKey) -> Vec<Arg> {
    let code = |l| {
        d.village_code
            .at_level(l)
            .map(|c: RegionCode| c.as_str().to_string())
    };
    vec![
        Arg::Text(Some(d.name.clone())),
        Arg::Text(d.brand.clone()),
        Arg::Text(Some(d.owner_name.clone())),
        Arg::Text(Some(key.encrypt(d.nik.as_str()))),
        Arg::Text(Some(key.lookup_hash(d.nik.as_str()))),
        Arg::Text(Some(sex_str(d).to_string())),
        Arg::Text(d.owner_birth_date.map(|b| b.format("%Y-%m-%d").to_string())),
        Arg::Text(d.phone.as_ref().map(|p| p.as_str().to_string())),
        Arg::Text(d.address.clone()),
        Arg::Text(Some(d.village_code.as_str().to_string())),
        Arg::Text(code(RegionLevel::District)),
        Arg::Text(code(RegionLevel::Regency)),
        Arg::Text(code(RegionLevel::Province)),
        Arg::Float(d.coordinates.map(|c| c.lat)),
        Arg::Float(d.coordinates.map(|c| c.lon)),
        Arg::Text(Some(d.sector.clone())),
        Arg::Text(d.kbli.as_ref().map(|k| k.as_str().to_string())),
        Arg::Text(d.kbli.as_ref().map(|k| k.version().as_str().to_string())),
        Arg::Int(d.year_started.map(i64::from)),
        Arg::Int(d.modal),
        Arg::Int(d.annual_sales),
        Arg::Int(d.employees_male),
        Arg::Int(d.employees_female),
        Arg::Text(d.size.map(|s| s.class.as_str().to_string())),
        Arg::Text(d.size.map(|s| s.basis.as_str().to_string())),
        Arg::Text(Some(
            serde_json::to_string(&d.links).unwrap_or_else(|_| "[]".into()),
        )),
    ]
}

fn sex_str(d: &UmkmData) -> &'static str {
    match d.owner_sex {
        sentra_domain::ids::Sex::Male => "male",
        sentra_domain::ids::Sex::Female => "female",
    }
}

pub(crate) async fn insert_rows(
    tx: &mut Transaction<'_, Any>,
    rows: &[NewUmkm<'_>],
    actor: &str,
    backend: crate::Backend,
    key: &crate::PersonalKey,
) -> Result<Vec<String>> {
    let mut ids = Vec::with_capacity(rows.len());
    let now = now_text();
    let now_at = chrono::Utc::now();
    // As `now_text` writes them, so that they sort with the other timestamps.
    let stamp = |at: chrono::NaiveDateTime| {
        at.and_utc()
            .min(now_at)
            .format("%Y-%m-%dT%H:%M:%S%.3fZ")
            .to_string()
    };
    for chunk in rows.chunks(JSON_ROWS_PER_STATEMENT) {
        let mut json = JsonRows::new();
        for row in chunk {
            let id = uuid::Uuid::now_v7().to_string();
            let mut values = vec![Arg::Text(Some(id.clone()))];
            values.extend(data_args(row.data, key));
            let verified = row.status == UmkmStatus::Verified;
            values.push(Arg::Text(Some(row.status.as_str().to_string())));
            values.push(Arg::Text(
                row.verified_by.filter(|_| verified).map(str::to_string),
            ));
            let (created, verified_at) = match row.registered {
                Some(r) => (stamp(r.at), stamp(r.verified_at.max(r.at))),
                None => (now.clone(), now.clone()),
            };
            values.push(Arg::Text(verified.then_some(verified_at)));
            values.push(Arg::Text(Some(actor.to_string())));
            values.push(Arg::Text(Some(created)));
            values.push(Arg::Text(Some(now.clone())));
            values.push(Arg::Text(row.owner.map(str::to_string)));
            debug_assert_eq!(values.len(), INSERT_COLUMNS.len());
            json.push(values);
            ids.push(id);
        }
        let sql = format!(
            "INSERT INTO umkm ({}) {}",
            INSERT_COLUMNS.join(","),
            json.select(backend, "")
        );
        sqlx::query(&sql)
            .bind(json.into_param())
            .execute(&mut **tx)
            .await?;
    }
    // Documents after all records.
    let docs: Vec<(&str, &LegalDocument)> = rows
        .iter()
        .zip(&ids)
        .flat_map(|(r, id)| r.data.documents.iter().map(move |d| (id.as_str(), d)))
        .collect();
    for chunk in docs.chunks(JSON_ROWS_PER_STATEMENT) {
        let mut json = JsonRows::new();
        for (id, d) in chunk {
            json.push(document_values(id, d));
        }
        let sql = format!(
            "INSERT INTO umkm_documents (umkm_id, kind, number, issued_on, expires_on) {}",
            json.select(backend, "")
        );
        sqlx::query(&sql)
            .bind(json.into_param())
            .execute(&mut **tx)
            .await?;
    }
    Ok(ids)
}

fn document_values(id: &str, d: &LegalDocument) -> Vec<Arg> {
    let day = |x: Option<NaiveDate>| Arg::Text(x.map(|v| v.format("%Y-%m-%d").to_string()));
    vec![
        Arg::Text(Some(id.to_string())),
        Arg::Text(Some(d.kind.as_str().to_string())),
        Arg::Text(Some(d.number.clone())),
        day(d.issued_on),
        day(d.expires_on),
    ]
}

fn document_tuple(args: &mut Args, id: &str, d: &LegalDocument) -> String {
    let placeholders: Vec<String> = document_values(id, d)
        .into_iter()
        .map(|v| args.push(v))
        .collect();
    format!("({})", placeholders.join(","))
}

pub(crate) async fn insert_documents(
    tx: &mut Transaction<'_, Any>,
    id: &str,
    docs: &[LegalDocument],
) -> Result<()> {
    if docs.is_empty() {
        return Ok(());
    }
    let mut args = Args::default();
    let tuples: Vec<String> = docs
        .iter()
        .map(|d| document_tuple(&mut args, id, d))
        .collect();
    let sql = format!(
        "INSERT INTO umkm_documents (umkm_id, kind, number, issued_on, expires_on) VALUES {}",
        tuples.join(",")
    );
    args.bind(sqlx::query(&sql)).execute(&mut **tx).await?;
    Ok(())
}

fn record_from_row(row: &AnyRow, keyring: &crate::Keyring) -> Result<UmkmRecord> {
    let nik_enc: String = row.try_get("owner_nik_enc")?;
    let links: String = row.try_get("links")?;
    Ok(UmkmRecord {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        brand: row.try_get("brand")?,
        owner_name: row.try_get("owner_name")?,
        owner_nik: keyring.decrypt(&nik_enc)?,
        owner_sex: row.try_get("owner_sex")?,
        owner_birth_date: parse_opt(row, "owner_birth_date", parse_day)?,
        owner_phone: row.try_get("owner_phone")?,
        address: row.try_get("address")?,
        village_code: row.try_get("village_code")?,
        district_code: row.try_get("district_code")?,
        regency_code: row.try_get("regency_code")?,
        province_code: row.try_get("province_code")?,
        latitude: row.try_get("latitude")?,
        longitude: row.try_get("longitude")?,
        sector: row.try_get("sector_code")?,
        kbli_code: row.try_get("kbli_code")?,
        kbli_version: row.try_get("kbli_version")?,
        year_started: row.try_get("year_started")?,
        modal: row.try_get("modal_rupiah")?,
        annual_sales: row.try_get("annual_sales_rupiah")?,
        employees_male: row.try_get("employees_male")?,
        employees_female: row.try_get("employees_female")?,
        size_class: parse_opt(row, "size_class", SizeClass::parse)?,
        size_basis: parse_opt(row, "size_basis", SizeBasis::parse)?,
        documents: Vec::new(),
        links: serde_json::from_str(&links)
            .map_err(|e| StorageError::Corrupt(format!("links: {e}")))?,
        status: parse_req(row, "status", UmkmStatus::parse)?,
        verified_by: row.try_get("verified_by")?,
        verified_at: row.try_get("verified_at")?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        version: row.try_get("version")?,
        merged_into: row.try_get("merged_into")?,
    })
}

/// One record inside the scope, read on the given connection (a transaction's, to see its own
/// writes).
pub(crate) async fn fetch_record(
    conn: &mut AnyConnection,
    db: &Database,
    scope: &Scope,
    id: &str,
) -> Result<UmkmRecord> {
    let keyring = &db.keyring;
    let mut args = Args::default();
    let id_p = args.text(id);
    let cond = scope_condition(
        scope.region_code(),
        scope.owner(),
        db.prunes_by_province(),
        &mut args,
    );
    let sql = format!("SELECT * FROM umkm u WHERE u.id = {id_p} AND {cond}");
    let row = args
        .bind(sqlx::query(&sql))
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StorageError::NotFound)?;
    let mut record = record_from_row(&row, keyring)?;
    let docs = sqlx::query("SELECT kind, number, issued_on, expires_on FROM umkm_documents WHERE umkm_id = $1 ORDER BY kind")
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
    for d in &docs {
        record.documents.push(document_from_row(d)?);
    }
    record.documents.sort_by_key(|d| d.kind);
    Ok(record)
}

fn document_from_row(d: &AnyRow) -> Result<LegalDocument> {
    Ok(LegalDocument {
        kind: parse_req(d, "kind", LegalKind::parse)?,
        number: d.try_get("number")?,
        issued_on: parse_opt(d, "issued_on", parse_day)?,
        expires_on: parse_opt(d, "expires_on", parse_day)?,
    })
}

impl Database {
    /// Many records at once, with their documents: two queries per few hundred ids instead of
    /// two per record (an import matching a whole file against the registry).
    pub(crate) async fn fetch_records(
        &self,
        scope: &Scope,
        ids: &[String],
    ) -> Result<std::collections::HashMap<String, UmkmRecord>> {
        let mut out = std::collections::HashMap::with_capacity(ids.len());
        let per = self.params_per_statement().saturating_sub(8).max(1);
        for part in ids.chunks(per) {
            let mut args = Args::default();
            let list: Vec<String> = part.iter().map(|id| args.text(id.as_str())).collect();
            // By primary key only; the scope is checked on each row (see `scope_admits`).
            let sql = format!("SELECT * FROM umkm u WHERE u.id IN ({})", list.join(","));
            for row in args.bind(sqlx::query(&sql)).fetch_all(&self.pool).await? {
                let owner: Option<String> = row.try_get("owner_user_id")?;
                let r = record_from_row(&row, &self.keyring)?;
                if scope_admits(scope, &r.village_code, owner.as_deref()) {
                    out.insert(r.id.clone(), r);
                }
            }
            let mut args = Args::default();
            let list: Vec<String> = part.iter().map(|id| args.text(id.as_str())).collect();
            let sql = format!(
                "SELECT umkm_id, kind, number, issued_on, expires_on FROM umkm_documents \
                 WHERE umkm_id IN ({})",
                list.join(",")
            );
            for d in args.bind(sqlx::query(&sql)).fetch_all(&self.pool).await? {
                let id: String = d.try_get("umkm_id")?;
                if let Some(r) = out.get_mut(&id) {
                    r.documents.push(document_from_row(&d)?);
                }
            }
        }
        for r in out.values_mut() {
            r.documents.sort_by_key(|d| d.kind);
        }
        Ok(out)
    }
}

/// The record as the audit trail keeps it: personal numbers masked (the trail is read by
/// administrators and exported; it must not become a second copy of the NIKs), bookkeeping
/// fields left out.
pub(crate) fn audit_view(r: &UmkmRecord) -> serde_json::Map<String, serde_json::Value> {
    let mut map = match serde_json::to_value(r) {
        Ok(serde_json::Value::Object(m)) => m,
        _ => serde_json::Map::new(),
    };
    for key in [
        "id",
        "created_at",
        "updated_at",
        "version",
        "created_by",
        "merged_into",
    ] {
        map.remove(key);
    }
    let masked_nik = sentra_domain::ids::parse_nik(&r.owner_nik)
        .map(|n| n.masked())
        .unwrap_or_else(|_| "••••".into());
    map.insert("owner_nik".into(), masked_nik.into());
    if let Some(p) = &r.owner_phone {
        let masked = sentra_domain::phone::parse_phone(p)
            .map(|p| p.masked())
            .unwrap_or_else(|_| "••••".into());
        map.insert("owner_phone".into(), masked.into());
    }
    map
}

/// `{"field": [before, after]}` for every field whose value changed.
pub(crate) fn audit_diff(
    before: &UmkmRecord,
    after: &UmkmRecord,
) -> serde_json::Map<String, serde_json::Value> {
    let (b, a) = (audit_view(before), audit_view(after));
    let mut out = serde_json::Map::new();
    // Masks can hide a change (same first and last digits): compare the real values.
    for (key, changed) in [
        ("owner_nik", before.owner_nik != after.owner_nik),
        ("owner_phone", before.owner_phone != after.owner_phone),
    ] {
        if changed {
            out.insert(key.into(), serde_json::json!([b.get(key), a.get(key)]));
        }
    }
    for (k, new) in &a {
        let old = b.get(k).cloned().unwrap_or(serde_json::Value::Null);
        if &old != new {
            out.insert(k.clone(), serde_json::json!([old, new]));
        }
    }
    out
}

impl Database {
    /// The village of a UMKM the caller may see (not found otherwise).
    pub(crate) async fn umkm_village(&self, scope: &Scope, umkm_id: &str) -> Result<RegionCode> {
        let row = sqlx::query(
            "SELECT village_code, owner_user_id FROM umkm WHERE id = $1 AND merged_into IS NULL",
        )
        .bind(umkm_id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StorageError::NotFound)?;
        let village: String = row.try_get("village_code")?;
        let owner: Option<String> = row.try_get("owner_user_id")?;
        if !scope_admits(scope, &village, owner.as_deref()) {
            return Err(StorageError::NotFound);
        }
        RegionCode::parse(&village)
            .map_err(|_| StorageError::Corrupt(format!("umkm village {village:?}")))
    }
}
