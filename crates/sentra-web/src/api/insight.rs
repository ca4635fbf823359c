//! The dashboard's figures, the reports and the legality expiry list in the JSON API (issue 33: what the
//! pages show, for other systems), read with the same scope, counting rules and rollups as
//! `/dasbor` and `/legalitas/kedaluwarsa`.

use axum::Json;
use axum::extract::{RawQuery, State};
use serde::Serialize;
use utoipa::ToSchema;

use sentra_domain::account::Permission;
use sentra_domain::umkm::LegalKind;
use sentra_storage::{Dimension, PageRequest};

use crate::AppState;
use crate::api::{ApiResult, query_number, region_param};
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody, LangError};
use crate::forms::{form_value, query_pairs};
use crate::lang::ReqLang;
use crate::routes::{Access, Routes};

pub(crate) fn routes() -> Routes {
    Routes::new("/api")
        .get(
            "/v1/dashboard",
            Access::Role(Permission::ReadDashboards),
            dashboard,
        )
        .get(
            "/v1/reports",
            Access::Role(Permission::ReadDashboards),
            report,
        )
        .get(
            "/v1/legality/expiring",
            Access::Role(Permission::ReadRegistry),
            expiring,
        )
}

/// A count under a key (a sector code, a size class).
#[derive(Serialize, ToSchema)]
pub struct Count {
    pub key: String,
    pub n: i64,
}

/// A region one level down: its verified businesses and those holding the document.
#[derive(Serialize, ToSchema)]
pub struct CoverageOut {
    pub region: String,
    pub name: String,
    pub total: i64,
    pub with_document: i64,
}

/// A year of the region's trend.
#[derive(Serialize, ToSchema)]
pub struct TrendOut {
    pub year: i32,
    /// Entered the registry that year (verified now).
    pub registered: i64,
    /// NIB issued that year.
    pub formalised: i64,
    /// Moved up a size class that year.
    pub class_up: i64,
}

/// The dashboard of a region for a year, by the counting rules (`/aturan-hitung`): verified,
/// active, unmerged businesses; drafts and inactive ones beside them.
#[derive(Serialize, ToSchema)]
pub struct DashboardOut {
    pub region: String,
    pub name: String,
    pub year: i32,
    /// The document whose coverage is counted (`nib` unless asked).
    pub document: String,
    pub counted: i64,
    pub drafts: i64,
    pub inactive: i64,
    pub coverage: Vec<CoverageOut>,
    pub by_sector: Vec<Count>,
    pub by_size: Vec<Count>,
    /// Verified businesses that attended a programme activity in the year.
    pub reached: i64,
    pub trend: Vec<TrendOut>,
}

/// The dashboard's figures for a region and year.
#[utoipa::path(get, path = "/api/v1/dashboard", tag = "insight",
    params(
        ("wilayah" = Option<String>, Query, pattern = "^$|^[0-9]{2}(\\.[0-9]{2}(\\.[0-9]{2}(\\.[0-9]{4})?)?)?$", description = "Region code inside the caller's area (default: all of it)"),
        ("dokumen" = Option<String>, Query, description = "nib, npwp, nitku, pirt, bpom, halal, sni or hki (default nib)"),
        ("tahun" = Option<i32>, Query, minimum = 2000, maximum = 2100, description = "Year (default: this year)")
    ),
    responses((status = 200, body = DashboardOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn dashboard(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<DashboardOut>> {
    let run = async {
        let pairs = query_pairs(query.as_deref());
        let region = region_param(&caller, &pairs, "wilayah")?;
        let year = query_number(&pairs, "tahun", 2000..=2100)?
            .unwrap_or_else(|| chrono::Datelike::year(&crate::clock::today()));
        let kind = match form_value(&pairs, "dokumen").trim() {
            "" => LegalKind::Nib,
            k => LegalKind::parse(k).ok_or_else(|| {
                let mut e = sentra_domain::FieldErrors::new();
                e.push("dokumen", "choice_invalid");
                ApiError::Validation(e)
            })?,
        };
        let (scope, db) = (caller.scope(), state.read_db());
        let coverage = db
            .coverage_by_child(&scope, &region, kind, crate::clock::today())
            .await?;
        let by_sector = db.counts_by(&scope, &region, Dimension::Sector).await?;
        let by_size = db.counts_by(&scope, &region, Dimension::Size).await?;
        let (drafts, inactive) = db.uncounted(&scope, &region).await?;
        let (reached, _) = db.reach_count(&region, year).await?;
        let trend = db.trend(&scope, &region, year - 5, year).await?;
        let count = |rows: Vec<(String, i64)>| {
            rows.into_iter()
                .map(|(key, n)| Count { key, n })
                .collect::<Vec<_>>()
        };
        Ok::<_, ApiError>(Json(DashboardOut {
            name: state.region_name(region.as_str()),
            region: region.as_str().to_string(),
            year,
            document: kind.as_str().to_string(),
            counted: by_size.iter().map(|(_, n)| n).sum(),
            drafts,
            inactive,
            coverage: coverage
                .into_iter()
                .map(|c| CoverageOut {
                    name: state.region_name(&c.region),
                    region: c.region,
                    total: c.total,
                    with_document: c.with,
                })
                .collect(),
            by_sector: count(by_sector),
            by_size: count(by_size),
            reached,
            trend: trend
                .into_iter()
                .map(|t| TrendOut {
                    year: t.year,
                    registered: t.registered,
                    formalised: t.formalised,
                    class_up: t.class_up,
                })
                .collect(),
        }))
    };
    run.await.map_err(|e| LangError(lang, e))
}

/// A document that ends soon (or ended), with its business.
#[derive(Serialize, ToSchema)]
pub struct ExpiringOut {
    pub umkm_id: String,
    pub name: String,
    pub village_code: String,
    pub kind: String,
    pub number: String,
    /// `YYYY-MM-DD`.
    pub expires_on: String,
}

/// A page of documents ending within `hari` days, soonest first.
#[derive(Serialize, ToSchema)]
pub struct ExpiringList {
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
    pub items: Vec<ExpiringOut>,
}

/// Documents that end within a number of days (P-IRT, halal, BPOM …), soonest first, as
/// `/legalitas/kedaluwarsa` lists them: for reminders and clinics.
#[utoipa::path(get, path = "/api/v1/legality/expiring", tag = "legality",
    params(
        ("wilayah" = Option<String>, Query, pattern = "^$|^[0-9]{2}(\\.[0-9]{2}(\\.[0-9]{2}(\\.[0-9]{4})?)?)?$", description = "Region code inside the caller's area"),
        ("hari" = Option<u32>, Query, minimum = 1, maximum = 730, description = "Days ahead (default 90)"),
        ("hal" = Option<u32>, Query, minimum = 1, maximum = 1_000_000, description = "Page, from 1"),
        ("per_page" = Option<u32>, Query, minimum = 1, maximum = 200, description = "Default 100")
    ),
    responses((status = 200, body = ExpiringList), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn expiring(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<ExpiringList>> {
    let run = async {
        let pairs = query_pairs(query.as_deref());
        let region = region_param(&caller, &pairs, "wilayah")?;
        let days = query_number(&pairs, "hari", 1i64..=730)?.unwrap_or(90);
        let page = query_number(&pairs, "hal", 1u32..=1_000_000)?.unwrap_or(1);
        let per_page = query_number(&pairs, "per_page", 1u32..=200)?.unwrap_or(100);
        let found = state
            .db()
            .expiring_documents(
                &caller.scope(),
                Some(&region),
                crate::clock::today(),
                days,
                PageRequest::new(page, per_page),
            )
            .await?;
        Ok::<_, ApiError>(Json(ExpiringList {
            total: found.total,
            page: found.page,
            per_page: found.per_page,
            items: found
                .items
                .into_iter()
                .map(|d| ExpiringOut {
                    umkm_id: d.umkm_id,
                    name: d.name,
                    village_code: d.village_code,
                    kind: d.kind.as_str().to_string(),
                    number: d.number,
                    expires_on: d.expires_on.to_string(),
                })
                .collect(),
        }))
    };
    run.await.map_err(|e| LangError(lang, e))
}

/// A column of a report: its header (in the request's language) and what its values are.
#[derive(Serialize, ToSchema)]
pub struct ReportColumn {
    pub header: String,
    /// `text`, `count`, `integer`, `rupiah` (whole rupiah), `percent` (a share from 0 to 1,
    /// `null` where there is nothing to divide by), `decimal`, `date` or `datetime`.
    #[serde(rename = "type")]
    pub kind: String,
}

/// A report as the page and the workbook show it (`/laporan`), with numbers as numbers.
#[derive(Serialize, ToSchema)]
pub struct ReportOut {
    pub title: String,
    /// What the figures count and leave out, and their sources.
    pub notes: Vec<String>,
    pub columns: Vec<ReportColumn>,
    /// A row per region (or cross-tab line), a value per column.
    pub rows: Vec<Vec<serde_json::Value>>,
    /// The total line, when the report has one.
    pub total: Option<Vec<serde_json::Value>>,
}

fn cell_kind(c: &sentra_sheets::Cell) -> Option<&'static str> {
    use sentra_sheets::Cell;
    Some(match c {
        Cell::Empty => return None,
        Cell::Text(_) => "text",
        Cell::Count(_) => "count",
        Cell::Integer(_) => "integer",
        Cell::Rupiah(_) => "rupiah",
        Cell::Percent(_) => "percent",
        Cell::Decimal(..) => "decimal",
        Cell::Date(_) => "date",
        Cell::DateTime(_) => "datetime",
    })
}

fn cell_json(c: &sentra_sheets::Cell) -> serde_json::Value {
    use sentra_sheets::Cell;
    use serde_json::Value;
    match c {
        Cell::Empty | Cell::Percent(None) => Value::Null,
        Cell::Text(t) => Value::from(t.clone()),
        Cell::Count(n) | Cell::Integer(n) => Value::from(*n),
        // A province's total in rupiah fits an i64 many times over; past it, the largest.
        Cell::Rupiah(n) => Value::from(i64::try_from(*n).unwrap_or(i64::MAX)),
        Cell::Percent(Some(p)) => Value::from(*p),
        Cell::Decimal(v, _) => Value::from(*v),
        Cell::Date(d) => Value::from(d.format("%Y-%m-%d").to_string()),
        Cell::DateTime(t) => Value::from(t.to_rfc3339()),
    }
}

/// A report: the standard summary per region (`jenis=wilayah`), the year's progress
/// (`kemajuan`, with `tahun`) or a cross-tab (`silang`, with `baris`, `kolom`, `ukuran`), of a
/// region one level down — the figures of `/laporan` and its `.xlsx`.
#[utoipa::path(get, path = "/api/v1/reports", tag = "insight",
    params(
        ("jenis" = String, Query, description = "wilayah, kemajuan or silang"),
        ("wilayah" = Option<String>, Query, pattern = "^$|^[0-9]{2}(\\.[0-9]{2}(\\.[0-9]{2}(\\.[0-9]{4})?)?)?$", description = "Region code inside the caller's area (default: all of it)"),
        ("tahun" = Option<i32>, Query, minimum = 2000, maximum = 2100, description = "Year of a progress report"),
        ("baris" = Option<String>, Query, description = "A cross-tab's rows: region, sector, size, status, sex, nib, halal or registered"),
        ("kolom" = Option<String>, Query, description = "A cross-tab's columns (another of the same)"),
        ("ukuran" = Option<String>, Query, description = "A cross-tab's measure: count, employees, modal or sales")
    ),
    responses((status = 200, body = ReportOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn report(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<ReportOut>> {
    let run = async {
        let pairs = query_pairs(query.as_deref());
        // Strict as the document says: a malformed code is named, one outside the area is 404.
        region_param(&caller, &pairs, "wilayah")?;
        query_number(&pairs, "tahun", 2000..=2100)?;
        crate::api::document::check_choices("/api/v1/reports", &pairs)?;
        let sheet =
            crate::insight::reports::report_of(&state, &caller.scope(), lang, &pairs).await?;
        let kinds: Vec<String> = (0..sheet.headers.len())
            .map(|i| {
                sheet
                    .rows
                    .iter()
                    .chain(sheet.total.iter())
                    .find_map(|r| r.get(i).and_then(cell_kind))
                    .unwrap_or("text")
                    .to_string()
            })
            .collect();
        Ok::<_, ApiError>(ReportOut {
            title: sheet.title,
            notes: sheet.notes,
            columns: sheet
                .headers
                .into_iter()
                .zip(kinds)
                .map(|(header, kind)| ReportColumn { header, kind })
                .collect(),
            rows: sheet
                .rows
                .iter()
                .map(|r| r.iter().map(cell_json).collect())
                .collect(),
            total: sheet.total.map(|t| t.iter().map(cell_json).collect()),
        })
    };
    run.await.map(Json).map_err(|e| LangError(lang, e))
}
