//! The UMKM registry tables. Every function takes the caller's scope; a record outside it is
//! "not found" and never counted.

use chrono::NaiveDate;
use serde::Serialize;
use sqlx::{Any, Row, Transaction};

use sentra_domain::region::RegionCode;
use sentra_domain::scope::Scope;
use sentra_domain::size::{SizeBasis, SizeClass};
use sentra_domain::umkm::{LegalDocument, LegalKind, Link, UmkmData, UmkmStatus};

use crate::accounts::audit::{self, Actor};
use crate::sql::{
    Arg, Args, INSERT_COLUMNS, audit_diff, audit_view, data_args, fetch_record, filter_where,
    insert_documents, insert_rows, parse_opt, parse_req, scope_condition,
};
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
        let count_args = args.clone();
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
