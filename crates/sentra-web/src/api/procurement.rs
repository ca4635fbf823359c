//! Procurement in the JSON API (issue 9), beside the pages and with the same checks: each
//! unit's share of a year against Perpres 12/2021 Pasal 65, the purchases of a unit, and
//! recording or changing a purchase (the supplier's type from the registry for a registered
//! UMKM; over the unit's budget only with `over_budget_ok`).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Datelike;
use serde::{Deserialize, Serialize};

/// The fiscal years the API takes (as its document says).
const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;
use utoipa::ToSchema;

use sentra_domain::FieldErrors;
use sentra_domain::account::Permission;
use sentra_domain::procurement::Share;
use sentra_storage::{PurchaseFilter, PurchaseRow, StorageError};

use crate::AppState;
use crate::api::{ApiResult, parse_body, tagged, version_to_replace};
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody, LangError};
use crate::forms::query_pairs;
use crate::forms::{Amount, form_value};
use crate::lang::ReqLang;
use crate::procurement::figures::{figures, period};
use crate::procurement::rules::{Typed, budget_warning, check};
use crate::routes::{Access, Routes};

pub(crate) fn routes() -> Routes {
    let read = Access::Role(Permission::ReadProcurement);
    let record = Access::Role(Permission::RecordProcurement);
    Routes::new("/api")
        .get("/v1/procurement/shares", read, shares)
        .get("/v1/procurement/purchases", read, list)
        .post("/v1/procurement/purchases", record, create)
        .get("/v1/procurement/purchases/{purchase}", read, get)
        .put("/v1/procurement/purchases/{purchase}", record, update)
}

/// A unit's (or the total's) figures of the period.
#[derive(Debug, Serialize, ToSchema)]
pub struct ShareOut {
    /// The unit's id (none for the total).
    pub id: Option<String>,
    pub code: String,
    pub name: String,
    /// The latest goods/services budget of the year, in rupiah.
    pub budget: Option<i64>,
    /// All purchases, in rupiah.
    // i128: a total of amounts up to money::MAX_RUPIAH each may pass i64.
    pub spent: i128,
    /// What went to micro and small enterprises and cooperatives.
    pub small: i128,
    /// The share of spending in basis points (4000 = 40%), rounded down.
    pub share_bp: Option<i64>,
    /// The share of the budget in basis points, rounded down; none without a budget.
    pub budget_share_bp: Option<i64>,
    /// Perpres 12/2021 Pasal 65 ayat (3): at least 40% of the goods/services budget went to
    /// small suppliers (exactly 40% meets it); none while the budget is not known. The share
    /// of spending is progress, not this judgement.
    pub meets_minimum: Option<bool>,
    /// Packages up to Rp15 M awarded to medium or large suppliers.
    pub reserved_breaches: i64,
}

fn share_out(id: Option<String>, code: &str, name: &str, s: &Share, breaches: i64) -> ShareOut {
    ShareOut {
        id,
        code: code.to_string(),
        name: name.to_string(),
        budget: s.budget,
        spent: s.total,
        small: s.small,
        share_bp: s.of_spending_bp(),
        budget_share_bp: s.of_budget_bp(),
        meets_minimum: s.meets_minimum(),
        reserved_breaches: breaches,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SharesOut {
    pub region: String,
    pub year: i32,
    /// The last day counted (`YYYY-MM-DD`).
    pub until: String,
    /// Ranked: the highest share first.
    pub units: Vec<ShareOut>,
    pub total: ShareOut,
}

/// Each government unit's spending of a year against the 40% minimum.
#[utoipa::path(get, path = "/api/v1/procurement/shares", tag = "procurement",
    params(
        ("wilayah" = Option<String>, Query, description = "Region code inside the caller's scope"),
        ("tahun" = Option<i32>, Query, minimum = 2000, maximum = 2100, description = "Fiscal year (default: this year, to date)"),
        ("bulan" = Option<u32>, Query, minimum = 1, maximum = 12, description = "To the end of this month (1-12)")
    ),
    responses((status = 200, body = SharesOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn shares(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<SharesOut>> {
    let scope = caller.scope();
    let q = query_pairs(query.as_deref());
    let year = crate::api::query_number(&q, "tahun", YEARS).map_err(|e| LangError(lang, e))?;
    let month = crate::api::query_number(&q, "bulan", 1u32..=12).map_err(|e| LangError(lang, e))?;
    let p = period(&scope, form_value(&q, "wilayah"), year, month)
        .ok_or(LangError(lang, ApiError::NotFound))?;
    let f = figures(&state, &scope, &p)
        .await
        .map_err(|e| LangError(lang, e.into()))?;
    Ok(Json(SharesOut {
        region: p.region.as_str().to_string(),
        year: p.year,
        until: p.until.to_string(),
        units: f
            .units
            .iter()
            .map(|u| {
                share_out(
                    Some(u.unit.id.clone()),
                    &u.unit.code,
                    &u.unit.name,
                    &u.share,
                    u.reserved_breaches,
                )
            })
            .collect(),
        total: share_out(None, "", "", &f.overall.0, f.overall.1),
    }))
}

/// A stored purchase.
#[derive(Debug, Serialize, ToSchema)]
pub struct PurchaseOut {
    pub id: String,
    pub unit_id: String,
    pub unit_code: String,
    pub package: String,
    pub value: i64,
    pub year: i32,
    pub ordered_on: String,
    pub due_on: Option<String>,
    /// `e_purchasing`, `pengadaan_langsung`, `marketplace` or `lainnya`.
    pub method: String,
    /// `mikro`, `kecil`, `menengah`, `besar` or `koperasi`.
    pub supplier_type: String,
    pub umkm_id: Option<String>,
    pub product_id: Option<String>,
    pub supplier_name: String,
    pub delivered_on: Option<String>,
    pub accepted_on: Option<String>,
    pub paid_on: Option<String>,
    /// Days delivered after the due date (0: on time).
    pub days_late: Option<i64>,
    pub days_to_pay: Option<i64>,
    /// Up to Rp15 M to a medium or large supplier (Pasal 65 ayat (4)).
    pub reserved_breach: bool,
    pub note: Option<String>,
    pub version: i64,
}

impl From<&PurchaseRow> for PurchaseOut {
    fn from(r: &PurchaseRow) -> Self {
        let p = &r.purchase;
        let d = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string());
        PurchaseOut {
            id: r.id.clone(),
            unit_id: r.unit_id.clone(),
            unit_code: r.unit_code.clone(),
            package: p.package.clone(),
            value: p.value,
            year: p.ordered_on.year(),
            ordered_on: p.ordered_on.to_string(),
            due_on: d(p.due_on),
            method: p.method.as_str().into(),
            supplier_type: p.supplier_type.as_str().into(),
            umkm_id: r.umkm_id.clone(),
            product_id: r.product_id.clone(),
            supplier_name: r.supplier_label().to_string(),
            delivered_on: d(p.delivered_on),
            accepted_on: d(p.accepted_on),
            paid_on: d(p.paid_on),
            days_late: p.days_late(),
            days_to_pay: p.days_to_pay(),
            reserved_breach: p.reserved_package_breached(),
            note: r.note.clone(),
            version: r.version,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PurchaseList {
    pub items: Vec<PurchaseOut>,
}

/// Purchases of the caller's area, newest first.
#[utoipa::path(operation_id = "list_purchases", get, path = "/api/v1/procurement/purchases", tag = "procurement",
    params(
        ("opd" = Option<String>, Query, description = "A unit's id"),
        ("umkm" = Option<String>, Query, description = "A registered supplier's id"),
        ("tahun" = Option<i32>, Query, minimum = 2000, maximum = 2100, description = "Fiscal year")
    ),
    responses((status = 200, body = PurchaseList), (status = 422, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<PurchaseList>> {
    let q = query_pairs(query.as_deref());
    let some = |k: &str| Some(form_value(&q, k).to_string()).filter(|v| !v.is_empty());
    let filter = PurchaseFilter {
        unit_id: some("opd"),
        umkm_id: some("umkm"),
        year: crate::api::query_number(&q, "tahun", YEARS).map_err(|e| LangError(lang, e))?,
        ..PurchaseFilter::default()
    };
    let rows = state
        .db()
        .purchases(&caller.scope(), &filter)
        .await
        .map_err(|e| LangError(lang, e.into()))?;
    Ok(Json(PurchaseList {
        items: rows.iter().map(PurchaseOut::from).collect(),
    }))
}

/// A purchase as sent. A registered supplier by `umkm_id` (its type from the registry), or
/// another by `supplier_name` and `supplier_type`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct PurchaseBody {
    /// The unit's id (for a new purchase).
    pub unit_id: Option<String>,
    /// The fiscal year (default: the order date's).
    pub year: Option<i32>,
    pub package: Option<String>,
    /// Rupiah: a number, or as typed (`"12,5 jt"`).
    pub value: Option<Amount>,
    /// `YYYY-MM-DD` (or `24/09/2025`).
    pub ordered_on: Option<String>,
    pub due_on: Option<String>,
    pub method: Option<String>,
    pub umkm_id: Option<String>,
    pub product_id: Option<String>,
    pub supplier_name: Option<String>,
    pub supplier_type: Option<String>,
    pub delivered_on: Option<String>,
    pub accepted_on: Option<String>,
    pub paid_on: Option<String>,
    pub note: Option<String>,
    /// Save although the unit's spending goes over its budget.
    pub over_budget_ok: bool,
    /// For a change: the version read (409 when it changed since).
    pub version: Option<i64>,
}

impl PurchaseBody {
    fn typed(&self) -> Typed {
        let s = |v: &Option<String>| v.clone().unwrap_or_default();
        Typed {
            year: self.year.map_or(String::new(), |y| y.to_string()),
            unit: s(&self.unit_id),
            package: s(&self.package),
            value: match &self.value {
                Some(Amount::Rupiah(n)) => n.to_string(),
                Some(Amount::Text(t)) => t.clone(),
                None => String::new(),
            },
            ordered_on: s(&self.ordered_on),
            due_on: s(&self.due_on),
            method: s(&self.method),
            umkm: s(&self.umkm_id),
            product: s(&self.product_id),
            supplier_name: s(&self.supplier_name),
            supplier_type: s(&self.supplier_type),
            delivered_on: s(&self.delivered_on),
            accepted_on: s(&self.accepted_on),
            paid_on: s(&self.paid_on),
            note: s(&self.note),
        }
    }
}

/// Over the budget without `over_budget_ok`: the value is named.
fn over_budget() -> ApiError {
    let mut e = FieldErrors::new();
    e.push("value", "over_budget");
    ApiError::Validation(e)
}

/// Records a purchase of a unit.
#[utoipa::path(operation_id = "create_purchase", post, path = "/api/v1/procurement/purchases", tag = "procurement", request_body = PurchaseBody,
    responses((status = 201, body = PurchaseOut), (status = 422, body = ErrorBody)))]
async fn create(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    body: Bytes,
) -> ApiResult<Response> {
    let run = async {
        let scope = caller.scope();
        let body: PurchaseBody = parse_body(&body)?;
        let typed = body.typed();
        let unit = typed.unit.trim().to_string();
        let (purchase, supplier) = check(state.db(), &scope, &typed, &unit, true)
            .await
            .map_err(ApiError::Validation)?;
        if !body.over_budget_ok
            && budget_warning(state.db(), lang, &unit, &purchase, None)
                .await?
                .is_some()
        {
            return Err(over_budget());
        }
        let id = state
            .db()
            .record_purchase(
                &scope,
                &unit,
                &purchase,
                &supplier,
                typed.note(),
                &caller.actor,
            )
            .await?;
        let row = state.db().purchase(&scope, &id).await?;
        let out = PurchaseOut::from(&row);
        Ok::<_, ApiError>(tagged(StatusCode::CREATED, out.version, out))
    };
    run.await.map_err(|e| LangError(lang, e))
}

/// One purchase.
#[utoipa::path(operation_id = "get_purchase", get, path = "/api/v1/procurement/purchases/{purchase}", tag = "procurement",
    params(("purchase" = String, Path, description = "Purchase id")),
    responses((status = 200, body = PurchaseOut, headers(("ETag" = String, description = "The purchase's version, for If-Match"))), (status = 404, body = ErrorBody)))]
async fn get(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let row = state
        .db()
        .purchase(&caller.scope(), &id)
        .await
        .map_err(|e| LangError(lang, e.into()))?;
    let out = PurchaseOut::from(&row);
    Ok(tagged(StatusCode::OK, out.version, out))
}

/// Replaces a purchase's data (its life: delivered, accepted, paid; or a correction) against
/// the version read: `If-Match` with the GET's ETag (412 when it changed since) or `version`
/// in the body (409). Its unit stays.
#[utoipa::path(operation_id = "update_purchase", put, path = "/api/v1/procurement/purchases/{purchase}", tag = "procurement", request_body = PurchaseBody,
    params(("purchase" = String, Path, description = "Purchase id"), ("If-Match" = Option<String>, Header, description = "The ETag a GET gave, e.g. W/\"3\"")),
    responses((status = 200, body = PurchaseOut), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 412, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    headers: axum::http::HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let run = async {
        let scope = caller.scope();
        // Outside the caller's scope: not found, before the body is looked at.
        let old = state.db().purchase(&scope, &id).await?;
        // The body may be the purchase as read (its id, unit and worked-out figures).
        let sent_version = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v.get("version").and_then(serde_json::Value::as_i64));
        let version = version_to_replace(&headers, sent_version, old.version)?;
        let seen = serde_json::to_value(PurchaseOut::from(&old))
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        let body =
            crate::api::round_trip::purchase_write_body(&body, &seen, version == old.version)?;
        let body: PurchaseBody = parse_body(&body)?;
        let mut typed = body.typed();
        typed.unit = old.unit_id.clone();
        let (purchase, supplier) = check(state.db(), &scope, &typed, &old.unit_id, false)
            .await
            .map_err(ApiError::Validation)?;
        if !body.over_budget_ok
            && purchase.value > old.purchase.value
            && budget_warning(state.db(), lang, &old.unit_id, &purchase, Some(&id))
                .await?
                .is_some()
        {
            return Err(over_budget());
        }
        match state
            .db()
            .update_purchase(
                &scope,
                &id,
                version,
                &purchase,
                &supplier,
                typed.note(),
                &caller.actor,
            )
            .await
        {
            Ok(()) => {}
            Err(StorageError::Conflict) => return Err(ApiError::Conflict),
            Err(e) => return Err(e.into()),
        }
        let row = state.db().purchase(&scope, &id).await?;
        let out = PurchaseOut::from(&row);
        Ok::<_, ApiError>(tagged(StatusCode::OK, out.version, out))
    };
    run.await.map_err(|e| LangError(lang, e))
}
