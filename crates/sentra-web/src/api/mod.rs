//! The JSON API under `/api/v1/`, and its OpenAPI document at `/api/openapi.json`.

pub(crate) mod document;
mod flagship;
mod gallery;
mod insight;
pub(crate) mod messaging;
mod partnership;
pub(crate) mod procurement;
pub(crate) mod products;
mod programme;
pub(crate) mod request;
pub(crate) mod round_trip;

pub use document::openapi_json;
pub(crate) use request::{parse_body, query_number, region_param, tagged, version_to_replace};

use crate::forms::query_pairs;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use sentra_domain::region::{Region, RegionLevel, Resolution};
use sentra_domain::umkm::{UmkmStatus, ValidationContext, validate_umkm};
use sentra_storage::{UmkmRecord, UmkmSummary};

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody, LangError};
use crate::forms::UmkmBody;
use crate::lang::{Lang, ReqLang};
use crate::params::parse_list_params;
use crate::routes::{Access, Routes};
use sentra_domain::account::Permission;

pub(crate) type ApiResult<T> = Result<T, LangError>;

pub(crate) fn routes() -> Routes {
    use Permission::*;
    Routes::new("/api")
        .get("/openapi.json", Access::Public, document::openapi)
        .get("/v1/umkm", Access::Role(ReadRegistry), list_umkm)
        .post("/v1/umkm", Access::Role(WriteRegistry), create_umkm)
        .get("/v1/umkm/{id}", Access::Role(ReadRegistry), get_umkm)
        .put("/v1/umkm/{id}", Access::Role(WriteRegistry), update_umkm)
        .post(
            "/v1/umkm/{id}/status",
            Access::Role(VerifyRegistry),
            set_status,
        )
        .post(
            "/v1/umkm/{id}/reveal",
            Access::Role(RevealPersonalData),
            reveal,
        )
        .get("/v1/regions", Access::Public, search_regions)
        .get("/v1/regions/{code}", Access::Public, get_region)
        .get("/v1/sectors", Access::Public, list_sectors)
        .merge(crate::api::products::routes())
        .merge(crate::api::procurement::routes())
        .merge(insight::routes())
        .merge(programme::routes())
        .merge(flagship::routes())
        .merge(partnership::routes())
        .merge(gallery::routes())
        .merge(messaging::routes())
}

pub(crate) async fn api_fallback(lang: ReqLang) -> Response {
    api_not_found(lang).await
}

async fn api_not_found(ReqLang(lang): ReqLang) -> Response {
    ApiError::NotFound.into_response_in(lang)
}

#[derive(Serialize, ToSchema)]
pub struct UmkmList {
    pub items: Vec<UmkmItem>,
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
}

#[derive(Serialize, ToSchema)]
pub struct UmkmItem {
    pub id: String,
    pub name: String,
    pub brand: Option<String>,
    pub owner_name: String,
    pub village_code: String,
    pub sector: String,
    /// `mikro`, `kecil`, `menengah` or `besar` (PP 7/2021 Pasal 35).
    pub size_class: Option<String>,
    /// `draft`, `verified` or `inactive`.
    pub status: String,
    pub modal: Option<i64>,
    pub annual_sales: Option<i64>,
    /// Kinds of legality documents held.
    pub documents: Vec<String>,
    pub updated_at: String,
}

impl From<UmkmSummary> for UmkmItem {
    fn from(s: UmkmSummary) -> Self {
        UmkmItem {
            id: s.id,
            name: s.name,
            brand: s.brand,
            owner_name: s.owner_name,
            village_code: s.village_code,
            sector: s.sector,
            size_class: s.size_class.map(|c| c.as_str().to_string()),
            status: s.status.as_str().to_string(),
            modal: s.modal,
            annual_sales: s.annual_sales,
            documents: s.documents.iter().map(|d| d.as_str().to_string()).collect(),
            updated_at: s.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DocumentOut {
    pub kind: String,
    pub number: String,
    pub issued_on: Option<String>,
    pub expires_on: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct LinkOut {
    pub kind: String,
    pub url: String,
}

/// A registry record.
#[derive(Serialize, ToSchema)]
pub struct UmkmOut {
    pub id: String,
    pub name: String,
    pub brand: Option<String>,
    pub owner_name: String,
    /// Masked (`3674••••••••••••`); the full value comes from `POST /api/v1/umkm/{id}/reveal`.
    pub owner_nik: String,
    /// Derived from the NIK: `male` or `female`.
    pub owner_sex: String,
    /// Derived from the NIK: `1985-03-12` for roles that may reveal personal data, the year
    /// (`1985`) for the others.
    pub owner_birth_date: Option<String>,
    /// Masked (`+62812•••••890`); see `owner_nik`.
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
    pub size_class: Option<String>,
    /// Which criterion decided the size class: `modal` or `sales`.
    pub size_basis: Option<String>,
    pub documents: Vec<DocumentOut>,
    pub links: Vec<LinkOut>,
    pub status: String,
    pub verified_by: Option<String>,
    pub verified_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub version: i64,
}

impl UmkmOut {
    /// The record as `caller` may see it: NIK and phone masked, the birth date in full only
    /// for roles that may reveal personal data, the WhatsApp link masked unless public.
    fn seen_by(r: UmkmRecord, caller: &Caller) -> Self {
        let full = caller.can(Permission::RevealPersonalData);
        let public = r.status == UmkmStatus::Verified;
        let day = |d: Option<chrono::NaiveDate>| d.map(|d| d.format("%Y-%m-%d").to_string());
        UmkmOut {
            id: r.id,
            name: r.name,
            brand: r.brand,
            owner_name: r.owner_name,
            owner_nik: crate::view::mask_nik(&r.owner_nik),
            owner_sex: r.owner_sex,
            owner_birth_date: if full {
                day(r.owner_birth_date)
            } else {
                r.owner_birth_date
                    .map(|d| chrono::Datelike::year(&d).to_string())
            },
            owner_phone: r.owner_phone.as_deref().map(crate::view::mask_phone),
            address: r.address,
            village_code: r.village_code,
            district_code: r.district_code,
            regency_code: r.regency_code,
            province_code: r.province_code,
            latitude: r.latitude,
            longitude: r.longitude,
            sector: r.sector,
            kbli_code: r.kbli_code,
            kbli_version: r.kbli_version,
            year_started: r.year_started,
            modal: r.modal,
            annual_sales: r.annual_sales,
            employees_male: r.employees_male,
            employees_female: r.employees_female,
            size_class: r.size_class.map(|c| c.as_str().to_string()),
            size_basis: r.size_basis.map(|b| b.as_str().to_string()),
            documents: r
                .documents
                .into_iter()
                .map(|d| DocumentOut {
                    kind: d.kind.as_str().to_string(),
                    number: d.number,
                    issued_on: day(d.issued_on),
                    expires_on: day(d.expires_on),
                })
                .collect(),
            links: r
                .links
                .into_iter()
                .map(|l| LinkOut {
                    kind: l.kind.as_str().to_string(),
                    url: crate::view::link_seen(l.kind, &l.url, public, false),
                })
                .collect(),
            status: r.status.as_str().to_string(),
            verified_by: r.verified_by,
            verified_at: r.verified_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
            version: r.version,
        }
    }
}

/// Lists UMKM in the caller's scope.
#[utoipa::path(get, path = "/api/v1/umkm", tag = "umkm",
    params(
        ("region" = Option<String>, Query, description = "Region code at any level, e.g. 36.74.03"),
        ("sector" = Option<String>, Query, description = "Sector code"),
        ("size" = Option<String>, Query, description = "mikro, kecil, menengah, besar"),
        ("status" = Option<String>, Query, description = "draft, verified, inactive"),
        ("legality" = Option<String>, Query, description = "has_KIND or no_KIND, e.g. has_nib, no_halal"),
        ("q" = Option<String>, Query, description = "Text in name or brand"),
        ("naik_kelas" = Option<String>, Query, description = "reported:YEAR, class_down:YEAR or a milestone and year, e.g. class_up:2025, first_online:2025"),
        ("sort" = Option<String>, Query, description = "name, created, updated, modal, sales"),
        ("dir" = Option<String>, Query, description = "asc or desc"),
        ("page" = Option<u32>, Query, minimum = 1, maximum = 1_000_000, description = "1-based page"),
        ("per_page" = Option<u32>, Query, minimum = 1, maximum = 200, description = "1 to 200, default 25"),
    ),
    responses((status = 200, body = UmkmList), (status = 422, body = ErrorBody)))]
async fn list_umkm(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<UmkmList>> {
    let pairs = query_pairs(query.as_deref());
    // The API document says these are numbers: an empty one is refused, as the pages do not.
    query_number(&pairs, "page", 1u32..=1_000_000).map_err(|e| LangError(lang, e))?;
    query_number(&pairs, "per_page", 1u32..=200).map_err(|e| LangError(lang, e))?;
    let params =
        parse_list_params(&pairs, state.regions()).map_err(|e| LangError(lang, e.into()))?;
    let page = state
        .db()
        .list_umkm(
            &caller.scope(),
            &params.filter,
            params.sort,
            params.direction,
            params.page,
        )
        .await
        .map_err(|e| LangError(lang, e.into()))?;
    Ok(Json(UmkmList {
        total: page.total,
        page: page.page,
        per_page: page.per_page,
        items: page.items.into_iter().map(UmkmItem::from).collect(),
    }))
}

pub async fn validated(
    state: &AppState,
    scope: &sentra_domain::scope::Scope,
    input: &sentra_domain::umkm::UmkmInput,
) -> Result<sentra_domain::umkm::UmkmData, ApiError> {
    let sectors: Vec<String> = state
        .db()
        .sectors()
        .await?
        .into_iter()
        .map(|s| s.code)
        .collect();
    let ctx = ValidationContext {
        regions: state.regions(),
        sectors: &sectors,
        scope: scope.region_code(),
        today: crate::clock::today(),
    };
    Ok(validate_umkm(input, &ctx)?)
}

/// Registers a UMKM (status `draft`).
#[utoipa::path(post, path = "/api/v1/umkm", tag = "umkm", request_body = UmkmBody,
    responses((status = 201, body = UmkmOut), (status = 422, body = ErrorBody)))]
async fn create_umkm(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    body: Bytes,
) -> ApiResult<Response> {
    let run = async {
        let body: UmkmBody = parse_body(&body)?;
        let data = validated(&state, &caller.scope(), &body.to_input()).await?;
        let record = state
            .db()
            .create_umkm(&caller.scope(), &data, &caller.actor)
            .await?;
        Ok::<_, ApiError>(tagged(
            StatusCode::CREATED,
            record.version,
            UmkmOut::seen_by(record, &caller),
        ))
    };
    run.await.map_err(|e| LangError(lang, e))
}

/// One UMKM by id.
#[utoipa::path(get, path = "/api/v1/umkm/{id}", tag = "umkm",
    params(("id" = String, Path, description = "Record id")),
    responses((status = 200, body = UmkmOut, headers(("ETag" = String, description = "The record's version, for If-Match"))), (status = 404, body = ErrorBody)))]
async fn get_umkm(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let record = state
        .db()
        .get_umkm(&caller.scope(), &id)
        .await
        .map_err(|e| LangError(lang, e.into()))?;
    Ok(tagged(
        StatusCode::OK,
        record.version,
        UmkmOut::seen_by(record, &caller),
    ))
}

/// Replaces a UMKM's data against the version read: `If-Match` with the GET's ETag (412 when
/// it changed since) or `version` in the body (409).
#[utoipa::path(put, path = "/api/v1/umkm/{id}", tag = "umkm", request_body = UmkmBody,
    params(("id" = String, Path, description = "Record id"), ("If-Match" = Option<String>, Header, description = "The ETag a GET gave, e.g. W/\"3\"")),
    responses((status = 200, body = UmkmOut), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 412, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_umkm(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    headers: axum::http::HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let run = async {
        let scope = caller.scope();
        let current = state.db().get_umkm(&scope, &id).await?;
        if crate::auth::owner_locked(&caller, current.status) {
            return Err(ApiError::Forbidden("owner_verified_locked"));
        }
        // The body may be the record as read (read-only fields, masked data, links as a list).
        let sent_version = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v.get("version").and_then(serde_json::Value::as_i64));
        let version = version_to_replace(&headers, sent_version, current.version)?;
        let whatsapp = current
            .links
            .iter()
            .find(|l| l.kind == sentra_domain::umkm::LinkKind::Whatsapp)
            .map(|l| l.url.clone());
        let seen = serde_json::to_value(UmkmOut::seen_by(current.clone(), &caller))
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        let body = round_trip::umkm_write_body(
            &body,
            &seen,
            version == current.version,
            whatsapp.as_deref(),
        )?;
        let body: UmkmBody = parse_body(&body)?;
        let mut input = body.to_input();
        // NIK and phone are never sent back in full: left out or masked, they are kept.
        crate::forms::keep_personal_data(&mut input, &current);
        let data = validated(&state, &scope, &input).await?;
        let record = state
            .db()
            .update_umkm(&scope, &id, version, &data, &caller.actor)
            .await?;
        Ok::<_, ApiError>(tagged(
            StatusCode::OK,
            record.version,
            UmkmOut::seen_by(record, &caller),
        ))
    };
    run.await.map_err(|e| LangError(lang, e))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusBody {
    /// `draft`, `verified` or `inactive`.
    #[schema(pattern = "^(draft|verified|inactive)$")]
    pub status: String,
}

/// Verifies a record, or sets it back to draft or inactive.
#[utoipa::path(post, path = "/api/v1/umkm/{id}/status", tag = "umkm", request_body = StatusBody,
    params(("id" = String, Path, description = "Record id")),
    responses((status = 200, body = UmkmOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn set_status(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<UmkmOut>> {
    let run = async {
        // A record outside the scope is "not found" whatever the body says.
        let before = state.db().get_umkm(&caller.scope(), &id).await?.status;
        let body: StatusBody = parse_body(&body)?;
        let status = UmkmStatus::parse(body.status.trim()).ok_or_else(|| {
            let mut e = sentra_domain::FieldErrors::new();
            e.push("status", "status_unknown");
            ApiError::Validation(e)
        })?;
        let record = state
            .db()
            .set_umkm_status(&caller.scope(), &id, status, &caller.actor)
            .await?;
        crate::messaging::notices::after_status_change(
            &state,
            &caller.scope(),
            before,
            &record,
            &caller.actor,
        )
        .await;
        Ok::<_, ApiError>(Json(UmkmOut::seen_by(record, &caller)))
    };
    run.await.map_err(|e| LangError(lang, e))
}

#[derive(Serialize, ToSchema)]
pub struct RegionOut {
    pub code: String,
    pub name: String,
    /// provinsi, kabupaten, kota, kecamatan, kelurahan, desa, desa_adat
    pub kind: String,
    /// province, regency, district, village
    pub level: String,
}

impl From<&Region> for RegionOut {
    fn from(r: &Region) -> Self {
        RegionOut {
            code: r.code.as_str().to_string(),
            name: r.name.clone(),
            kind: r.kind.as_str().to_string(),
            level: r.level.as_str().to_string(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct RegionDetail {
    pub region: RegionOut,
    /// From the province down to the parent.
    pub ancestors: Vec<RegionOut>,
    pub children: Vec<RegionOut>,
    pub decree: String,
}

/// One region with its ancestors and children (Kepmendagri 300.2.2-2138/2025).
#[utoipa::path(get, path = "/api/v1/regions/{code}", tag = "regions",
    params(("code" = String, Path, description = "Region code, e.g. 36.74")),
    responses((status = 200, body = RegionDetail), (status = 404, body = ErrorBody)))]
async fn get_region(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Path(code): Path<String>,
) -> ApiResult<Json<RegionDetail>> {
    let tree = state.regions();
    let region = tree
        .get_str(&code)
        .ok_or(LangError(lang, ApiError::NotFound))?;
    let mut ancestors: Vec<RegionOut> = tree
        .lineage(&region.code)
        .into_iter()
        .map(RegionOut::from)
        .collect();
    ancestors.pop();
    Ok(Json(RegionDetail {
        region: region.into(),
        ancestors,
        children: tree
            .children(&region.code)
            .into_iter()
            .map(RegionOut::from)
            .collect(),
        decree: sentra_domain::region::DECREE.to_string(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct RegionSearch {
    /// True when the query has no single clear answer.
    pub ambiguous: bool,
    pub matches: Vec<RegionOut>,
}

/// Finds regions by code or name, forgiving case, spacing and small misspellings.
#[utoipa::path(get, path = "/api/v1/regions", tag = "regions",
    params(
        ("q" = String, Query, min_length = 1, pattern = "\\S", description = "Code or name, e.g. 'serpong utr'"),
        ("within" = Option<String>, Query, description = "Only inside this region code"),
        ("level" = Option<String>, Query, description = "province, regency, district or village"),
    ),
    responses((status = 200, body = RegionSearch), (status = 422, body = ErrorBody)))]
async fn search_regions(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<RegionSearch>> {
    let pairs = query_pairs(query.as_deref());
    let get = |k: &str| {
        pairs
            .iter()
            .rev()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    };
    let mut errors = sentra_domain::FieldErrors::new();
    let q = get("q").map(|q| q.chars().take(100).collect::<String>());
    if q.is_none() {
        errors.push("q", "required");
    }
    let within = get("within")
        .and_then(|w| errors.check("within", sentra_domain::region::RegionCode::parse(w)));
    let level = get("level").and_then(|l| {
        let v = [
            RegionLevel::Province,
            RegionLevel::Regency,
            RegionLevel::District,
            RegionLevel::Village,
        ]
        .into_iter()
        .find(|x| x.as_str() == l);
        if v.is_none() {
            errors.push("level", "level_unknown");
        }
        v
    });
    errors
        .into_result()
        .map_err(|e| LangError(lang, e.into()))?;
    let q = q.unwrap_or_default();
    let tree = state.regions();
    let (ambiguous, matches) = match tree.resolve(&q, within.as_ref(), level) {
        Resolution::Found(r) => (false, vec![RegionOut::from(r)]),
        Resolution::Ambiguous(alts) => (
            true,
            alts.into_iter()
                .map(|m| RegionOut::from(m.region))
                .collect(),
        ),
        Resolution::NotFound => (false, Vec::new()),
    };
    Ok(Json(RegionSearch { ambiguous, matches }))
}

#[derive(Serialize, ToSchema)]
pub struct SectorOut {
    pub code: String,
    pub name: String,
}

/// The managed list of sectors, named in the request's language.
#[utoipa::path(get, path = "/api/v1/sectors", tag = "umkm", responses((status = 200, body = Vec<SectorOut>)))]
async fn list_sectors(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
) -> ApiResult<Json<Vec<SectorOut>>> {
    let sectors = state
        .db()
        .sectors()
        .await
        .map_err(|e| LangError(lang, e.into()))?;
    Ok(Json(
        sectors
            .into_iter()
            .map(|s| SectorOut {
                name: if lang == Lang::En {
                    s.name_en
                } else {
                    s.name_id
                },
                code: s.code,
            })
            .collect(),
    ))
}

/// The owner's personal data in full.
#[derive(Serialize, ToSchema)]
pub struct PersonalData {
    pub owner_nik: String,
    /// E.164, e.g. `+6281234567890`.
    pub owner_phone: Option<String>,
}

/// Shows a record's NIK and phone in full, to admins and operators within scope; every reveal
/// is written to the audit trail.
#[utoipa::path(post, path = "/api/v1/umkm/{id}/reveal", tag = "umkm",
    params(("id" = String, Path, description = "Record id")),
    responses((status = 200, body = PersonalData), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn reveal(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<PersonalData>> {
    let run = async {
        let record = state.db().get_umkm(&caller.scope(), &id).await?;
        state
            .db()
            .audit_reveal(&caller.actor, "umkm", &id, &["owner_nik", "owner_phone"])
            .await?;
        Ok::<_, ApiError>(Json(PersonalData {
            owner_nik: record.owner_nik,
            owner_phone: record.owner_phone,
        }))
    };
    run.await.map_err(|e| LangError(lang, e))
}
