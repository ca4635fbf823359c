//! The UMKM registry tables. Every function takes the caller's scope; a record outside it is
//! "not found" and never counted.

use chrono::NaiveDate;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Row, Transaction};

use sentra_domain::region::{RegionCode, RegionLevel};
use sentra_domain::scope::Scope;
use sentra_domain::size::{SizeBasis, SizeClass};
use sentra_domain::umkm::{LegalDocument, LegalKind, Link, UmkmData, UmkmStatus};

use crate::audit::{self, Actor};
use crate::{Database, Result, StorageError, now_text};

/// Filters of the registry list; all optional and combined with AND.
#[derive(Debug, Clone, Default)]
pub struct UmkmFilter {
    pub region: Option<RegionCode>,
    pub sector: Option<String>,
    pub size: Option<SizeClass>,
    pub status: Option<UmkmStatus>,
    pub legality: Option<LegalityFilter>,
    /// Naik kelas: reported, reached a milestone or moved down in a year.
    pub growth: Option<crate::GrowthFilter>,
    /// Text in the business name or brand.
    pub text: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LegalityFilter {
    Has(LegalKind),
    Lacks(LegalKind),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UmkmSort {
    #[default]
    Name,
    Created,
    Updated,
    Modal,
    Sales,
}

impl UmkmSort {
    pub const ALL: [UmkmSort; 5] = [
        Self::Name,
        Self::Created,
        Self::Updated,
        Self::Modal,
        Self::Sales,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Created => "created",
            Self::Updated => "updated",
            Self::Modal => "modal",
            Self::Sales => "sales",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    fn column(self) -> &'static str {
        match self {
            Self::Name => "u.name",
            Self::Created => "u.created_at",
            Self::Updated => "u.updated_at",
            Self::Modal => "u.modal_rupiah",
            Self::Sales => "u.annual_sales_rupiah",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortDirection {
    #[default]
    Asc,
    Desc,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// 1-based.
    pub page: u32,
    pub per_page: u32,
}

impl PageRequest {
    pub const MAX_PER_PAGE: u32 = 200;

    pub fn new(page: u32, per_page: u32) -> Self {
        Self {
            page: page.max(1),
            per_page: per_page.clamp(1, Self::MAX_PER_PAGE),
        }
    }

    fn offset(self) -> i64 {
        i64::from(self.page - 1) * i64::from(self.per_page)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
}

impl<T> Page<T> {
    pub fn pages(&self) -> u32 {
        let per = i64::from(self.per_page.max(1));
        u32::try_from((self.total + per - 1) / per).unwrap_or(u32::MAX)
    }
}

/// One row of the registry list.
#[derive(Debug, Clone, Serialize)]
pub struct UmkmSummary {
    pub id: String,
    pub name: String,
    pub brand: Option<String>,
    pub owner_name: String,
    pub village_code: String,
    pub sector: String,
    pub size_class: Option<SizeClass>,
    pub status: UmkmStatus,
    pub modal: Option<i64>,
    pub annual_sales: Option<i64>,
    pub documents: Vec<LegalKind>,
    pub updated_at: String,
}

/// A stored registry record.
#[derive(Debug, Clone, Serialize)]
pub struct UmkmRecord {
    pub id: String,
    pub name: String,
    pub brand: Option<String>,
    pub owner_name: String,
    pub owner_nik: String,
    pub owner_sex: String,
    pub owner_birth_date: Option<NaiveDate>,
    pub owner_phone: Option<String>,
    pub address: Option<String>,
    pub village_code: String,
    pub district_code: String,
    pub regency_code: String,
    pub province_code: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub sector: String,
    pub kbli_code: Option<String>,
    pub kbli_version: Option<String>,
    pub year_started: Option<i64>,
    pub modal: Option<i64>,
    pub annual_sales: Option<i64>,
    pub employees_male: Option<i64>,
    pub employees_female: Option<i64>,
    pub size_class: Option<SizeClass>,
    pub size_basis: Option<SizeBasis>,
    pub documents: Vec<LegalDocument>,
    pub links: Vec<Link>,
    pub status: UmkmStatus,
    pub verified_by: Option<String>,
    pub verified_at: Option<String>,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
    pub version: i64,
    /// Merged into this record (a duplicate); the record stays for its history.
    pub merged_into: Option<String>,
}

/// A value bound to a `$n` placeholder. `$n` works on both engines (sqlx's SQLite driver reads
/// `$n` as the n-th parameter), so one SQL text serves both.
#[derive(Debug, Clone)]
enum Arg {
    Text(Option<String>),
    Int(Option<i64>),
    Float(Option<f64>),
}

#[derive(Default, Clone)]
pub(crate) struct Args(Vec<Arg>);

impl Args {
    fn push(&mut self, arg: Arg) -> String {
        self.0.push(arg);
        format!("${}", self.0.len())
    }

    pub(crate) fn text(&mut self, s: impl Into<String>) -> String {
        self.push(Arg::Text(Some(s.into())))
    }

    pub(crate) fn opt_text(&mut self, s: Option<String>) -> String {
        self.push(Arg::Text(s))
    }

    pub(crate) fn int(&mut self, v: Option<i64>) -> String {
        self.push(Arg::Int(v))
    }

    pub(crate) fn bind<'q>(
        self,
        mut q: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>,
    ) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>> {
        for a in self.0 {
            q = match a {
                Arg::Text(v) => q.bind(v),
                Arg::Int(v) => q.bind(v),
                Arg::Float(v) => q.bind(v),
            };
        }
        q
    }
}

pub(crate) fn region_column(level: RegionLevel) -> &'static str {
    match level {
        RegionLevel::Province => "u.province_code",
        RegionLevel::Regency => "u.regency_code",
        RegionLevel::District => "u.district_code",
        RegionLevel::Village => "u.village_code",
    }
}

/// `col = $n` for the region the caller may see, and for owners `owner_user_id = $m`. With
/// `by_province` (a partitioned `umkm`) a region inside a province also names the province:
/// PostgreSQL then reads that province's partition only.
pub(crate) fn scope_condition(
    region: &RegionCode,
    owner: Option<&str>,
    by_province: bool,
    args: &mut Args,
) -> String {
    let mut cond = format!(
        "{} = {}",
        region_column(region.level()),
        args.text(region.as_str())
    );
    if by_province
        && region.level() != RegionLevel::Province
        && let Some(province) = region.at_level(RegionLevel::Province)
    {
        cond.push_str(&format!(
            " AND u.province_code = {}",
            args.text(province.as_str())
        ));
    }
    if let Some(owner) = owner {
        cond.push_str(&format!(" AND u.owner_user_id = {}", args.text(owner)));
    }
    cond
}

/// The scope's rule checked on a record already read: its kelurahan inside the scope's region,
/// and for an owner's scope, the owner's own. (Used where a scope condition in SQL would lead
/// the planner away from a key index.)
pub(crate) fn scope_admits(scope: &Scope, village_code: &str, owner: Option<&str>) -> bool {
    RegionCode::parse(village_code).is_ok_and(|c| scope.contains(&c))
        && scope.owner().is_none_or(|o| owner == Some(o))
}

/// The WHERE clause (over `umkm u`) of a scope and a filter, with its arguments; `None` when
/// the filter's region lies outside the scope.
pub(crate) fn filter_where(
    scope: &Scope,
    filter: &UmkmFilter,
    by_province: bool,
) -> Option<(String, Args)> {
    let region = scope.narrow(filter.region.as_ref())?;
    let mut args = Args::default();
    // Records merged into another are not the registry's any more.
    let mut conds = vec![
        scope_condition(&region, scope.owner(), by_province, &mut args),
        "u.merged_into IS NULL".to_string(),
    ];
    if let Some(sector) = &filter.sector {
        conds.push(format!("u.sector_code = {}", args.text(sector.as_str())));
    }
    if let Some(size) = filter.size {
        conds.push(format!("u.size_class = {}", args.text(size.as_str())));
    }
    if let Some(status) = filter.status {
        conds.push(format!("u.status = {}", args.text(status.as_str())));
    }
    if let Some(legality) = filter.legality {
        let (not, kind) = match legality {
            LegalityFilter::Has(k) => ("", k),
            LegalityFilter::Lacks(k) => ("NOT ", k),
        };
        conds.push(format!(
            "{not}EXISTS (SELECT 1 FROM umkm_documents d WHERE d.umkm_id = u.id AND d.kind = {})",
            args.text(kind.as_str())
        ));
    }
    if let Some(growth) = filter.growth {
        conds.push(growth.condition(&mut args));
    }
    if let Some(text) = filter
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        let p = args.text(escape_like(text));
        conds.push(format!(
            "(lower(u.name) LIKE {p} ESCAPE '\\' OR lower(COALESCE(u.brand, '')) LIKE {p} ESCAPE '\\')"
        ));
    }
    Some((conds.join(" AND "), args))
}

fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('%');
    for c in s.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

const INSERT_COLUMNS: &[&str] = &[
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
fn data_args(d: &UmkmData, key: &crate::PersonalKey) -> Vec<Arg> {
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

/// An owner's proposed change to a verified record.
#[derive(Debug, Clone, Serialize)]
pub struct ChangeRequest {
    pub id: String,
    pub requested_by: String,
    pub base_version: i64,
    /// The submitted form, as JSON pairs, re-validated when approved.
    pub form: String,
    /// `{"field": [before, after]}`.
    pub diff: String,
    pub created_at: String,
}

/// A new record to insert: its data, status and who entered it.
pub struct NewUmkm<'a> {
    pub data: &'a UmkmData,
    pub status: UmkmStatus,
    pub verified_by: Option<&'a str>,
    /// The owner's account, when the owner registers the business themselves.
    pub owner: Option<&'a str>,
}

impl Database {
    /// Lists the records inside the scope that match the filter, with the total count.
    pub async fn list_umkm(
        &self,
        scope: &Scope,
        filter: &UmkmFilter,
        sort: UmkmSort,
        direction: SortDirection,
        page: PageRequest,
    ) -> Result<Page<UmkmSummary>> {
        let empty = Page {
            items: Vec::new(),
            total: 0,
            page: page.page,
            per_page: page.per_page,
        };
        let Some((where_clause, mut args)) = filter_where(scope, filter, self.prunes_by_province())
        else {
            return Ok(empty);
        };

        let count_sql = format!("SELECT COUNT(*) FROM umkm u WHERE {where_clause}");
        let count_args = Args(args.0.clone());
        let total: i64 = count_args
            .bind(sqlx::query(&count_sql))
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?;

        let dir = match direction {
            SortDirection::Asc => "ASC",
            SortDirection::Desc => "DESC",
        };
        let col = sort.column();
        let limit = args.push(Arg::Int(Some(i64::from(page.per_page))));
        let offset = args.push(Arg::Int(Some(page.offset())));
        // `(col IS NULL)` first puts empty values last on both engines.
        let list_sql = format!(
            "SELECT u.id, u.name, u.brand, u.owner_name, u.village_code, u.sector_code, u.size_class, \
             u.status, u.modal_rupiah, u.annual_sales_rupiah, u.updated_at FROM umkm u \
             WHERE {where_clause} ORDER BY ({col} IS NULL), {col} {dir}, u.id {dir} LIMIT {limit} OFFSET {offset}"
        );
        let rows = args
            .bind(sqlx::query(&list_sql))
            .fetch_all(&self.pool)
            .await?;
        let mut items = Vec::with_capacity(rows.len());
        for row in &rows {
            items.push(UmkmSummary {
                id: row.try_get("id")?,
                name: row.try_get("name")?,
                brand: row.try_get("brand")?,
                owner_name: row.try_get("owner_name")?,
                village_code: row.try_get("village_code")?,
                sector: row.try_get("sector_code")?,
                size_class: parse_opt(row, "size_class", SizeClass::parse)?,
                status: parse_req(row, "status", UmkmStatus::parse)?,
                modal: row.try_get("modal_rupiah")?,
                annual_sales: row.try_get("annual_sales_rupiah")?,
                documents: Vec::new(),
                updated_at: row.try_get("updated_at")?,
            });
        }
        if !items.is_empty() {
            let mut doc_args = Args::default();
            let placeholders: Vec<String> =
                items.iter().map(|i| doc_args.text(i.id.clone())).collect();
            let sql = format!(
                "SELECT umkm_id, kind FROM umkm_documents WHERE umkm_id IN ({}) ORDER BY kind",
                placeholders.join(",")
            );
            let docs = doc_args
                .bind(sqlx::query(&sql))
                .fetch_all(&self.pool)
                .await?;
            for d in &docs {
                let id: String = d.try_get("umkm_id")?;
                let kind = parse_req(d, "kind", LegalKind::parse)?;
                if let Some(item) = items.iter_mut().find(|i| i.id == id) {
                    item.documents.push(kind);
                }
            }
        }
        Ok(Page {
            items,
            total,
            page: page.page,
            per_page: page.per_page,
        })
    }

    /// One record, if it exists inside the scope.
    pub async fn get_umkm(&self, scope: &Scope, id: &str) -> Result<UmkmRecord> {
        let mut conn = self.pool.acquire().await?;
        fetch_record(&mut conn, self, scope, id).await
    }

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
        };
        let ids = insert_rows(
            &mut tx,
            &[row],
            &actor.name,
            self.params_per_statement(),
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
        if rows.iter().any(|r| !scope.contains(&r.data.village_code)) {
            return Err(StorageError::NotFound);
        }
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        let ids = insert_rows(
            &mut tx,
            rows,
            &actor.name,
            self.params_per_statement(),
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
            .update_umkm_unchecked(scope, id, expected_version, data, actor)
            .await?;
        if changed {
            self.queue_duplicates_of(scope, id).await;
        }
        Ok(after)
    }

    /// The update without the duplicate check (an import checks all its rows at the end);
    /// also says whether anything changed.
    pub(crate) async fn update_umkm_unchecked(
        &self,
        scope: &Scope,
        id: &str,
        expected_version: i64,
        data: &UmkmData,
        actor: &Actor,
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
        let mut args = Args(data_args(data, self.keyring.current()));
        let sets: Vec<String> = INSERT_COLUMNS[1..=args.0.len()]
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

    /// Number of records inside the scope (merged duplicates not counted).
    pub async fn count_umkm(&self, scope: &Scope) -> Result<i64> {
        let mut args = Args::default();
        let cond = scope_condition(
            scope.region_code(),
            scope.owner(),
            self.prunes_by_province(),
            &mut args,
        );
        let sql = format!("SELECT COUNT(*) FROM umkm u WHERE {cond} AND u.merged_into IS NULL");
        Ok(args
            .bind(sqlx::query(&sql))
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?)
    }
}

pub(crate) async fn insert_rows(
    tx: &mut Transaction<'_, Any>,
    rows: &[NewUmkm<'_>],
    actor: &str,
    max_params: usize,
    key: &crate::PersonalKey,
) -> Result<Vec<String>> {
    let mut ids = Vec::with_capacity(rows.len());
    let now = now_text();
    // Rows a statement: see `Database::params_per_statement`.
    for chunk in rows.chunks((max_params / INSERT_COLUMNS.len()).max(1)) {
        let mut args = Args::default();
        let mut tuples = Vec::with_capacity(chunk.len());
        for row in chunk {
            let id = uuid::Uuid::now_v7().to_string();
            let mut values = vec![Arg::Text(Some(id.clone()))];
            values.extend(data_args(row.data, key));
            let verified = row.status == UmkmStatus::Verified;
            values.push(Arg::Text(Some(row.status.as_str().to_string())));
            values.push(Arg::Text(
                row.verified_by.filter(|_| verified).map(str::to_string),
            ));
            values.push(Arg::Text(verified.then(|| now.clone())));
            values.push(Arg::Text(Some(actor.to_string())));
            values.push(Arg::Text(Some(now.clone())));
            values.push(Arg::Text(Some(now.clone())));
            values.push(Arg::Text(row.owner.map(str::to_string)));
            debug_assert_eq!(values.len(), INSERT_COLUMNS.len());
            let placeholders: Vec<String> = values.into_iter().map(|v| args.push(v)).collect();
            tuples.push(format!("({})", placeholders.join(",")));
            ids.push(id);
        }
        let sql = format!(
            "INSERT INTO umkm ({}) VALUES {}",
            INSERT_COLUMNS.join(","),
            tuples.join(",")
        );
        args.bind(sqlx::query(&sql)).execute(&mut **tx).await?;
    }
    // Documents after all records, many rows per statement.
    let docs: Vec<(&str, &LegalDocument)> = rows
        .iter()
        .zip(&ids)
        .flat_map(|(r, id)| r.data.documents.iter().map(move |d| (id.as_str(), d)))
        .collect();
    for chunk in docs.chunks(max_params / 5) {
        let mut args = Args::default();
        let tuples: Vec<String> = chunk
            .iter()
            .map(|(id, d)| document_tuple(&mut args, id, d))
            .collect();
        let sql = format!(
            "INSERT INTO umkm_documents (umkm_id, kind, number, issued_on, expires_on) VALUES {}",
            tuples.join(",")
        );
        args.bind(sqlx::query(&sql)).execute(&mut **tx).await?;
    }
    Ok(ids)
}

fn document_tuple(args: &mut Args, id: &str, d: &LegalDocument) -> String {
    let day = |x: Option<NaiveDate>| Arg::Text(x.map(|v| v.format("%Y-%m-%d").to_string()));
    format!(
        "({},{},{},{},{})",
        args.text(id),
        args.text(d.kind.as_str()),
        args.text(d.number.clone()),
        args.push(day(d.issued_on)),
        args.push(day(d.expires_on))
    )
}

async fn insert_documents(
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

fn parse_day(s: &str) -> Option<NaiveDate> {
    crate::sql::stored_day(s, "date").ok()
}

fn parse_opt<T>(row: &AnyRow, col: &str, parse: impl Fn(&str) -> Option<T>) -> Result<Option<T>> {
    let v: Option<String> = row.try_get(col)?;
    match v {
        None => Ok(None),
        Some(s) => parse(&s)
            .map(Some)
            .ok_or_else(|| StorageError::Corrupt(format!("{col} = {s:?}"))),
    }
}

fn parse_req<T>(row: &AnyRow, col: &str, parse: impl Fn(&str) -> Option<T>) -> Result<T> {
    parse_opt(row, col, parse)?.ok_or_else(|| StorageError::Corrupt(format!("{col} is empty")))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn condition(region: &str, by_province: bool) -> (String, usize) {
        let mut args = Args::default();
        let cond = scope_condition(
            &RegionCode::parse(region).unwrap(),
            None,
            by_province,
            &mut args,
        );
        (cond, args.0.len())
    }

    #[test]
    fn a_scope_inside_a_province_names_it_on_a_partitioned_table() {
        assert_eq!(
            condition("53.02.03", true),
            ("u.district_code = $1 AND u.province_code = $2".into(), 2)
        );
        // A province scope prunes by itself; an unpartitioned table needs nothing more.
        assert_eq!(condition("53", true), ("u.province_code = $1".into(), 1));
        assert_eq!(condition("53.02", false), ("u.regency_code = $1".into(), 1));
    }
}
