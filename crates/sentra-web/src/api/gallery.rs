//! The gallery in the JSON API (issue 33): the consigned items with their stock and terms, an
//! item's movements, and each business's monthly statement — the figures of `/galeri`,
//! `/galeri/barang/{item}` and `/galeri/laporan`, in the same scope.

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use chrono::Datelike;
use serde::Serialize;
use utoipa::ToSchema;

use sentra_domain::FieldErrors;
use sentra_domain::account::Permission;
use sentra_domain::gallery::Statement;
use sentra_storage::GalleryItem;

use crate::AppState;
use crate::api::ApiResult;
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody, LangError};
use crate::forms::{form_value, query_pairs};
use crate::lang::ReqLang;
use crate::routes::{Access, Routes};

pub(crate) fn routes() -> Routes {
    let run = Access::Role(Permission::RunGallery);
    Routes::new("/api")
        .get("/v1/gallery/items", run, items)
        .get("/v1/gallery/items/{item}/movements", run, movements)
        .get("/v1/gallery/statements", run, statements)
        .post("/v1/gallery/statements/messages", run, send_statements)
}

/// A consigned item: its owner, its prices and how many are on the shelf.
#[derive(Serialize, ToSchema)]
pub struct GalleryItemOut {
    pub id: String,
    /// The short code on its label (`G1A2B3C`).
    pub code: String,
    pub region: String,
    pub umkm_id: String,
    pub business: String,
    pub product_id: Option<String>,
    pub name: String,
    /// What the owner gets for each one sold, in rupiah.
    pub consignment_price: i64,
    /// What the gallery sells it for, in rupiah.
    pub gallery_price: i64,
    pub stock: i64,
}

fn item_out(i: GalleryItem) -> GalleryItemOut {
    GalleryItemOut {
        id: i.id,
        code: i.code,
        region: i.region_code,
        umkm_id: i.umkm_id,
        business: i.umkm_name,
        product_id: i.product_id,
        name: i.name,
        consignment_price: i.terms.consignment_price,
        gallery_price: i.terms.gallery_price,
        stock: i.stock,
    }
}

#[derive(Serialize, ToSchema)]
pub struct GalleryItemList {
    pub items: Vec<GalleryItemOut>,
}

/// The gallery's items in the caller's area, found by name, code or business (`q`).
#[utoipa::path(operation_id = "list_gallery_items", get, path = "/api/v1/gallery/items", tag = "gallery",
    params(("q" = Option<String>, Query, max_length = 100, description = "Words of the name, the code or the business")),
    responses((status = 200, body = GalleryItemList), (status = 422, body = ErrorBody)))]
async fn items(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<GalleryItemList>> {
    let run = async {
        let pairs = query_pairs(query.as_deref());
        let q = form_value(&pairs, "q").trim();
        if q.chars().count() > 100 {
            let mut e = FieldErrors::new();
            e.push("q", "text_too_long");
            return Err(ApiError::Validation(e));
        }
        let found = state.db().gallery_items(&caller.scope(), q).await?;
        Ok::<_, ApiError>(GalleryItemList {
            items: found.into_iter().map(item_out).collect(),
        })
    };
    run.await.map(Json).map_err(|e| LangError(lang, e))
}

/// One movement of an item: received, sold, returned, counted.
#[derive(Serialize, ToSchema)]
pub struct MovementOut {
    /// `YYYY-MM-DD`.
    pub on: String,
    /// `intake`, `sale`, `return`, `count` or `payout`.
    pub movement: String,
    /// Items in (+) or out (−).
    pub quantity: i64,
    pub unit_price: i64,
    pub amount: i64,
    /// For a sale: `cash`, `qris` or `transfer`.
    pub payment: Option<String>,
    pub note: Option<String>,
    pub recorded_by: String,
}

#[derive(Serialize, ToSchema)]
pub struct MovementList {
    pub item: GalleryItemOut,
    pub movements: Vec<MovementOut>,
}

/// An item with its movements, oldest first.
#[utoipa::path(operation_id = "list_gallery_movements", get, path = "/api/v1/gallery/items/{item}/movements", tag = "gallery",
    params(("item" = String, Path, description = "Item id or label code")),
    responses((status = 200, body = MovementList), (status = 404, body = ErrorBody)))]
async fn movements(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    Path(item): Path<String>,
) -> ApiResult<Json<MovementList>> {
    let run = async {
        let scope = caller.scope();
        let found = state.db().gallery_item(&scope, &item).await?;
        let lines = state.db().gallery_ledger(&scope, &found.id).await?;
        Ok::<_, ApiError>(MovementList {
            item: item_out(found),
            movements: lines
                .into_iter()
                .map(|l| MovementOut {
                    on: l.on.format("%Y-%m-%d").to_string(),
                    movement: l.movement.as_str().to_string(),
                    quantity: l.quantity,
                    unit_price: l.unit_price,
                    amount: l.amount,
                    payment: l.payment.map(|p| p.as_str().to_string()),
                    note: l.note,
                    recorded_by: l.recorded_by,
                })
                .collect(),
        })
    };
    run.await.map(Json).map_err(|e| LangError(lang, e))
}

/// A month's statement: items and money, as on the statement given to the owner.
#[derive(Serialize, ToSchema)]
pub struct StatementOut {
    pub opening: i64,
    pub received: i64,
    pub sold: i64,
    pub returned: i64,
    /// Stock counts' differences (+ found, − missing).
    pub counted: i64,
    pub closing: i64,
    /// What the sales took at the counter, in rupiah.
    pub sales_value: i64,
    /// What the owner earns: items sold × consignment price.
    pub owed: i64,
    /// The gallery's share: sales − owed.
    pub commission: i64,
    pub paid_out: i64,
}

fn statement_out(s: &Statement) -> StatementOut {
    StatementOut {
        opening: s.opening,
        received: s.received,
        sold: s.sold,
        returned: s.returned,
        counted: s.counted,
        closing: s.closing,
        sales_value: s.sales_value,
        owed: s.owed,
        commission: s.commission,
        paid_out: s.paid_out,
    }
}

#[derive(Serialize, ToSchema)]
pub struct BusinessStatementOut {
    pub umkm_id: String,
    pub business: String,
    pub statement: StatementOut,
    /// The payout recorded for the month: amount and `YYYY-MM-DD`.
    pub paid_amount: Option<i64>,
    pub paid_on: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct StatementsOut {
    /// `YYYY-MM`.
    pub month: String,
    pub businesses: Vec<BusinessStatementOut>,
    /// The month over all businesses.
    pub total: StatementOut,
}

/// Each business's statement for a month (`bulan`, default this month).
#[utoipa::path(operation_id = "list_gallery_statements", get, path = "/api/v1/gallery/statements", tag = "gallery",
    params(("bulan" = Option<String>, Query, pattern = "^$|^20[0-9]{2}-(0[1-9]|1[0-2])$", description = "Month, YYYY-MM")),
    responses((status = 200, body = StatementsOut), (status = 422, body = ErrorBody)))]
async fn statements(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<StatementsOut>> {
    let run = async {
        let (year, month) = month_param(query.as_deref())?;
        let found = state
            .db()
            .gallery_statements(&caller.scope(), year, month)
            .await?;
        let mut total = Statement::default();
        for b in &found {
            total.add(&b.statement);
        }
        Ok::<_, ApiError>(StatementsOut {
            month: format!("{year:04}-{month:02}"),
            businesses: found
                .iter()
                .map(|b| BusinessStatementOut {
                    umkm_id: b.umkm_id.clone(),
                    business: b.umkm_name.clone(),
                    statement: statement_out(&b.statement),
                    paid_amount: b.paid.map(|(a, _)| a),
                    paid_on: b.paid.map(|(_, d)| d.format("%Y-%m-%d").to_string()),
                })
                .collect(),
            total: statement_out(&total),
        })
    };
    run.await.map(Json).map_err(|e| LangError(lang, e))
}

/// `bulan` (`YYYY-MM`), this month when left out.
fn month_param(query: Option<&str>) -> Result<(i32, u32), ApiError> {
    let pairs = query_pairs(query);
    let text = form_value(&pairs, "bulan").trim();
    if text.is_empty() {
        let today = crate::clock::today();
        return Ok((today.year(), today.month()));
    }
    text.split_once('-')
        .filter(|(y, m)| y.len() == 4 && m.len() == 2)
        .and_then(|(y, m)| Some((y.parse::<i32>().ok()?, m.parse::<u32>().ok()?)))
        .filter(|(y, m)| (2000..=2099).contains(y) && (1..=12).contains(m))
        .ok_or_else(|| {
            let mut e = FieldErrors::new();
            e.push("bulan", "date_invalid");
            ApiError::Validation(e)
        })
}

/// Sends the month's statement to every consignor who agreed to be contacted (once per
/// business and month, however often called).
#[utoipa::path(operation_id = "send_gallery_statements", post, path = "/api/v1/gallery/statements/messages", tag = "gallery",
    params(("bulan" = Option<String>, Query, pattern = "^$|^20[0-9]{2}-(0[1-9]|1[0-2])$", description = "Month, YYYY-MM")),
    responses((status = 200, body = crate::api::messaging::QueuedOut), (status = 422, body = ErrorBody)))]
async fn send_statements(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<crate::api::messaging::QueuedOut>> {
    let run = async {
        let month = month_param(query.as_deref())?;
        let done = crate::messaging::outcomes::send_statements(
            &state,
            &caller.scope(),
            month,
            &caller.actor,
        )
        .await?;
        Ok::<_, ApiError>(Json(done.into()))
    };
    run.await.map_err(|e| LangError(lang, e))
}
