//! Partnerships in the JSON API (issue 33): the area's partners and their requests, a request
//! with its shortlist (and, for curators, the catalogue's products ranked with the reasons each
//! fits and what it lacks), a product put on the shortlist and where it stands — the scope,
//! checks and audit of `/mitra`. A `partner` account sees only the partner it speaks for.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use sentra_domain::FieldErrors;
use sentra_domain::account::Permission;
use sentra_domain::partnership::{Gap, Outcome, Reason, shortlist};
use sentra_domain::region::RegionCode;
use sentra_storage::{CandidateRecord, RequestRecord};

use crate::AppState;
use crate::api::{ApiResult, parse_body};
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody, LangError};
use crate::lang::{Lang, ReqLang};
use crate::partnership::own_login;
use crate::partnership::request::{SHOWN_MATCHES, gap_text, reason_text};
use crate::routes::{Access, Routes};

pub(crate) fn routes() -> Routes {
    let read = Access::Role(Permission::ReadPartnerships);
    let manage = Access::Role(Permission::ManagePartnerships);
    Routes::new("/api")
        .get("/v1/partners", read, partners)
        .get("/v1/partners/{partner}/requests", read, requests)
        .get("/v1/partner-requests/{request}", read, request)
        .post("/v1/partner-requests/{request}/shortlist", manage, pick)
        .put(
            "/v1/partner-requests/{request}/shortlist/{product}",
            manage,
            set_outcome,
        )
}

#[derive(Serialize, ToSchema)]
pub struct PartnerOut {
    pub id: String,
    pub region: String,
    pub name: String,
    /// `brand`, `retailer`, `hotel`, `restaurant`, `marketplace`, `state_enterprise`,
    /// `smesco` or `other`.
    pub kind: String,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PartnerList {
    pub items: Vec<PartnerOut>,
}

/// The partners of the caller's area (a partner account: its own).
#[utoipa::path(operation_id = "list_partners", get, path = "/api/v1/partners", tag = "partnerships",
    responses((status = 200, body = PartnerList)))]
async fn partners(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
) -> ApiResult<Json<PartnerList>> {
    let found = state
        .db()
        .partners(&caller.scope(), own_login(&caller))
        .await
        .map_err(|e| LangError(lang, e.into()))?;
    Ok(Json(PartnerList {
        items: found
            .into_iter()
            .map(|p| PartnerOut {
                id: p.id,
                region: p.region_code,
                name: p.name,
                kind: p.kind.as_str().to_string(),
                contact_name: p.contact_name,
                contact_phone: p.contact_phone,
                contact_email: p.contact_email,
            })
            .collect(),
    }))
}

/// What a partner asks for.
#[derive(Serialize, ToSchema)]
pub struct RequestOut {
    pub id: String,
    pub partner_id: String,
    pub partner: String,
    pub region: String,
    pub title: String,
    /// A category code (or its prefix).
    pub category: Option<String>,
    pub keywords: Vec<String>,
    pub quantity: i64,
    /// `YYYY-MM-DD`.
    pub deliver_by: String,
    pub price_min: Option<i64>,
    pub price_max: Option<i64>,
    /// Certificate kinds required (`halal`, `pirt`, `bpom`, `sni`, …).
    pub certificates: Vec<String>,
    pub packaging: Vec<String>,
    pub max_weight_grams: Option<i64>,
    pub max_side_mm: Option<i64>,
    pub supplier_region: Option<String>,
    pub notes: Option<String>,
    pub open: bool,
    /// RFC 3339 (UTC).
    pub created_at: String,
}

fn request_out(r: RequestRecord) -> RequestOut {
    let q = r.request;
    RequestOut {
        id: r.id,
        partner_id: r.partner_id,
        partner: r.partner_name,
        region: r.region_code,
        title: q.title,
        category: q.category,
        keywords: q.keywords,
        quantity: q.quantity,
        deliver_by: q.deliver_by.format("%Y-%m-%d").to_string(),
        price_min: q.price_min,
        price_max: q.price_max,
        certificates: q
            .certificates
            .iter()
            .map(|k| k.as_str().to_string())
            .collect(),
        packaging: q.packaging,
        max_weight_grams: q.max_weight_grams,
        max_side_mm: q.max_side_mm,
        supplier_region: q.region,
        notes: q.notes,
        open: r.open,
        created_at: r.created_at,
    }
}

#[derive(Serialize, ToSchema)]
pub struct RequestList {
    pub items: Vec<RequestOut>,
}

/// A partner's requests, newest first.
#[utoipa::path(operation_id = "list_partner_requests", get, path = "/api/v1/partners/{partner}/requests", tag = "partnerships",
    params(("partner" = String, Path, description = "Partner id")),
    responses((status = 200, body = RequestList), (status = 404, body = ErrorBody)))]
async fn requests(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    Path(partner): Path<String>,
) -> ApiResult<Json<RequestList>> {
    let run = async {
        let p = state
            .db()
            .partner(&caller.scope(), &partner, own_login(&caller))
            .await?;
        let found = state.db().requests_of(&p.id).await?;
        Ok::<_, ApiError>(RequestList {
            items: found.into_iter().map(request_out).collect(),
        })
    };
    run.await.map(Json).map_err(|e| LangError(lang, e))
}

/// A product on the shortlist and where it stands.
#[derive(Serialize, ToSchema)]
pub struct CandidateOut {
    pub product_id: String,
    pub product: String,
    /// The product's public page: `/p/{slug}`.
    pub product_path: String,
    pub umkm_id: String,
    pub business: String,
    /// `shortlisted`, `contacted`, `sample_sent`, `accepted`, `ordered`, `delivered` or
    /// `declined`.
    pub outcome: String,
    /// The order's value in rupiah, once ordered.
    pub order_value: Option<i64>,
    pub note: Option<String>,
}

fn candidate_out(c: CandidateRecord) -> CandidateOut {
    CandidateOut {
        product_id: c.product_id,
        product: c.product_name,
        product_path: format!("/p/{}", c.product_slug),
        umkm_id: c.umkm_id,
        business: c.umkm_name,
        outcome: c.outcome.as_str().to_string(),
        order_value: c.order_value,
        note: c.note,
    }
}

/// Why a product fits, or what it lacks: a stable code and the sentence the page shows.
#[derive(Serialize, ToSchema)]
pub struct Point {
    pub code: String,
    pub text: String,
}

/// A product of the catalogue ranked for the request.
#[derive(Serialize, ToSchema)]
pub struct MatchOut {
    pub product_id: String,
    pub product: String,
    pub product_path: String,
    pub umkm_id: String,
    pub business: String,
    pub price: Option<i64>,
    /// The ranking's score (higher fits better).
    pub score: f64,
    pub reasons: Vec<Point>,
    pub gaps: Vec<Point>,
    pub shortlisted: bool,
}

/// A request, its shortlist, and for curators the ranked products (up to 30).
#[derive(Serialize, ToSchema)]
pub struct RequestDetail {
    pub request: RequestOut,
    pub shortlist: Vec<CandidateOut>,
    /// Empty for a partner account (curators rank; partners see their shortlist).
    pub matches: Vec<MatchOut>,
}

fn reason_code(r: &Reason) -> &'static str {
    match r {
        Reason::Category => "category",
        Reason::Keywords(_) => "keywords",
        Reason::Capacity(_) => "capacity",
        Reason::Price(_) => "price",
        Reason::Certificate(_) => "certificate",
        Reason::Packaging => "packaging",
        Reason::Size => "size",
        Reason::InRegion => "in_region",
        Reason::Near(_) => "near",
        Reason::OnTime(..) => "on_time",
        Reason::Topic(_) => "packaging_clinic",
    }
}

fn gap_code(g: &Gap) -> &'static str {
    match g {
        Gap::Capacity(_) => "capacity",
        Gap::NoPrice => "no_price",
        Gap::PriceAbove(_) => "price_above",
        Gap::PriceBelow(_) => "price_below",
        Gap::Certificate(_) => "certificate",
        Gap::Packaging => "packaging",
        Gap::TooHeavy => "too_heavy",
        Gap::TooLarge => "too_large",
        Gap::OutsideRegion => "outside_region",
    }
}

async fn ranked(
    state: &AppState,
    caller: &Caller,
    lang: Lang,
    r: &RequestRecord,
    list: &[CandidateOut],
) -> Result<Vec<MatchOut>, ApiError> {
    let scope = caller.scope();
    let region = RegionCode::parse(&r.region_code).unwrap_or_else(|_| scope.region_code().clone());
    let offers = state.db().offers(&scope, &region).await?;
    let plain: Vec<_> = offers.iter().map(|o| o.offer.clone()).collect();
    Ok(shortlist(&r.request, &plain, crate::clock::today(), None)
        .into_iter()
        .take(SHOWN_MATCHES)
        .map(|m| {
            let o = &offers[m.offer];
            MatchOut {
                product_id: o.product_id.clone(),
                product: o.offer.name.clone(),
                product_path: format!("/p/{}", o.product_slug),
                umkm_id: o.umkm_id.clone(),
                business: o.umkm_name.clone(),
                price: o.offer.price,
                score: (m.score * 10.0).round() / 10.0,
                reasons: m
                    .reasons
                    .iter()
                    .map(|x| Point {
                        code: reason_code(x).into(),
                        text: reason_text(lang, x),
                    })
                    .collect(),
                gaps: m
                    .gaps
                    .iter()
                    .map(|x| Point {
                        code: gap_code(x).into(),
                        text: gap_text(lang, x, r.request.quantity),
                    })
                    .collect(),
                shortlisted: list.iter().any(|c| c.product_id == o.product_id),
            }
        })
        .collect())
}

/// A request with its shortlist; for curators, the catalogue's products ranked for it.
#[utoipa::path(operation_id = "get_partner_request", get, path = "/api/v1/partner-requests/{request}", tag = "partnerships",
    params(("request" = String, Path, description = "Request id")),
    responses((status = 200, body = RequestDetail), (status = 404, body = ErrorBody)))]
async fn request(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<RequestDetail>> {
    let run = async {
        let r = state
            .db()
            .partner_request(&caller.scope(), &id, own_login(&caller))
            .await?;
        let shortlist: Vec<CandidateOut> = state
            .db()
            .candidates_of(&r.id)
            .await?
            .into_iter()
            .map(candidate_out)
            .collect();
        let matches = if caller.can(Permission::ManagePartnerships) {
            ranked(&state, &caller, lang, &r, &shortlist).await?
        } else {
            Vec::new()
        };
        Ok::<_, ApiError>(RequestDetail {
            request: request_out(r),
            shortlist,
            matches,
        })
    };
    run.await.map(Json).map_err(|e| LangError(lang, e))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PickBody {
    /// A published product of the catalogue.
    #[schema(min_length = 1, max_length = 64)]
    pub product_id: String,
}

/// Puts a product on the request's shortlist (as `shortlisted`).
#[utoipa::path(operation_id = "shortlist_product", post, path = "/api/v1/partner-requests/{request}/shortlist", tag = "partnerships",
    request_body = PickBody,
    params(("request" = String, Path, description = "Request id")),
    responses((status = 201, body = CandidateOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn pick(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let run = async {
        let scope = caller.scope();
        state.db().partner_request(&scope, &id, None).await?;
        let body: PickBody = parse_body(&body)?;
        let product = body.product_id.trim();
        if product.is_empty() {
            let mut e = FieldErrors::new();
            e.push("product_id", "required");
            return Err(ApiError::Validation(e));
        }
        state
            .db()
            .shortlist_product(&scope, &id, product, &caller.actor)
            .await?;
        let added = state
            .db()
            .candidates_of(&id)
            .await?
            .into_iter()
            .find(|c| c.product_id == product)
            .ok_or(ApiError::NotFound)?;
        Ok::<_, ApiError>((StatusCode::CREATED, Json(candidate_out(added))).into_response())
    };
    run.await.map_err(|e| LangError(lang, e))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeBody {
    #[schema(
        pattern = "^(shortlisted|contacted|sample_sent|accepted|ordered|delivered|declined)$"
    )]
    pub outcome: String,
    /// The order's value in rupiah (required once ordered or delivered).
    #[serde(default)]
    #[schema(minimum = 1, maximum = 1_000_000_000_000_i64)]
    pub order_value: Option<i64>,
    #[serde(default)]
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

/// Where a shortlisted product stands: contacted, sample sent, accepted, ordered (with the
/// order's value), delivered or declined.
#[utoipa::path(operation_id = "set_shortlist_outcome", put, path = "/api/v1/partner-requests/{request}/shortlist/{product}", tag = "partnerships",
    request_body = OutcomeBody,
    params(("request" = String, Path, description = "Request id"), ("product" = String, Path, description = "Product id")),
    responses((status = 204, description = "Recorded"), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn set_outcome(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    Path((id, product)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<StatusCode> {
    let run = async {
        let scope = caller.scope();
        state.db().partner_request(&scope, &id, None).await?;
        if !state
            .db()
            .candidates_of(&id)
            .await?
            .iter()
            .any(|c| c.product_id == product)
        {
            return Err(ApiError::NotFound);
        }
        let body: OutcomeBody = parse_body(&body)?;
        let mut e = FieldErrors::new();
        let outcome = e.check(
            "outcome",
            Outcome::parse(&body.outcome).ok_or(sentra_domain::Invalid("choice_invalid")),
        );
        if body
            .order_value
            .is_some_and(|v| !(1..=1_000_000_000_000).contains(&v))
        {
            e.push("order_value", "number_out_of_range");
        }
        let note = match sentra_domain::umkm::clean_text(body.note.as_deref().unwrap_or(""), 500) {
            Ok(n) => n,
            Err(sentra_domain::Invalid(c)) => {
                e.push("note", c);
                None
            }
        };
        let Some(outcome) = outcome.filter(|_| e.is_empty()) else {
            return Err(ApiError::Validation(e));
        };
        state
            .db()
            .set_outcome(
                &scope,
                &id,
                &product,
                outcome,
                body.order_value,
                note.as_deref(),
                &caller.actor,
            )
            .await?;
        crate::messaging::outcomes::after_partner_outcome(
            &state,
            &scope,
            &id,
            &product,
            outcome,
            &caller.actor,
        )
        .await;
        Ok::<_, ApiError>(StatusCode::NO_CONTENT)
    };
    run.await.map_err(|e| LangError(lang, e))
}
