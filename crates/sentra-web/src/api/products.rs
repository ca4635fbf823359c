//! The catalogue in the JSON API: the public search (`/api/v1/katalog`, the parameters of the
//! `/katalog` page) and the products of a UMKM for those who manage them (owners their own,
//! operators and curators within their scope), with the same checks, audit and search-index
//! updates as the forms.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use sentra_domain::FieldErrors;
use sentra_domain::account::Permission;
use sentra_domain::product::{ProductInput, validate_product};
use sentra_storage::ProductRecord;

use crate::AppState;
use crate::api::{ApiResult, parse_body, tagged, version_to_replace};
use crate::auth::Caller;
use crate::catalogue::public::catalogue_query;
use crate::error::{ApiError, ErrorBody, LangError};
use crate::forms::query_pairs;
use crate::lang::ReqLang;
use crate::routes::{Access, Routes};

pub(crate) fn routes() -> Routes {
    let manage = Access::Role(Permission::ManageProducts);
    Routes::new("/api")
        .get("/v1/katalog", Access::Public, search)
        .get("/v1/umkm/{id}/products", manage, list)
        .post("/v1/umkm/{id}/products", manage, create)
        .get("/v1/products/{pid}", manage, get)
        .put("/v1/products/{pid}", manage, update)
}

/// The domain names a link's error by its place in the input (`links.1`); the API by its kind
/// (`links.shopee`).
fn link_errors_by_kind(body: &ProductBody, errors: FieldErrors) -> ApiError {
    let kinds: Vec<&String> = body.links.keys().collect();
    let mut named = FieldErrors::new();
    for e in errors.iter() {
        let field = e
            .field
            .strip_prefix("links.")
            .and_then(|i| i.parse::<usize>().ok())
            .and_then(|i| kinds.get(i))
            .map_or(e.field.clone(), |k| format!("links.{k}"));
        named.push(field, e.code);
    }
    ApiError::Validation(named)
}

/// A product as sent: numbers as JSON numbers (rupiah, grams, centimetres with one decimal).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductBody {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    /// A category code, e.g. `makanan.keripik`.
    pub category: String,
    #[serde(default)]
    pub price: Option<i64>,
    /// The top of a price range.
    #[serde(default)]
    pub price_max: Option<i64>,
    /// `pcs`, `kg`, `lusin`, `box`, …
    #[serde(default)]
    pub unit: Option<String>,
    #[serde(default)]
    pub min_order: Option<i64>,
    #[serde(default)]
    pub capacity_per_month: Option<i64>,
    #[serde(default)]
    pub stock: Option<i64>,
    #[serde(default)]
    pub weight_grams: Option<i64>,
    #[serde(default)]
    pub length_cm: Option<f64>,
    #[serde(default)]
    pub width_cm: Option<f64>,
    #[serde(default)]
    pub height_cm: Option<f64>,
    #[serde(default)]
    pub packaging: Option<String>,
    #[serde(default)]
    pub shelf_life_days: Option<i64>,
    /// `draft`, `published` or `archived`.
    #[serde(default)]
    pub status: Option<String>,
    /// Marketplace and shop links by kind: `tokopedia`, `shopee`, `lazada`, `tiktok`, `website`.
    #[serde(default)]
    pub links: std::collections::BTreeMap<String, String>,
    /// For a replacement: the version read (409 when the product changed since).
    #[serde(default)]
    pub version: Option<i64>,
    /// Length, width and height in millimetres, as a GET returns them (instead of the `_cm`
    /// fields; both may be sent when they agree).
    #[serde(default)]
    pub dimensions_mm: Option<[i64; 3]>,
    /// What a GET returns and a PUT may send back unchanged (a change is refused): the
    /// product's id, its business, its address and whether a curator listed it.
    #[serde(default)]
    #[schema(read_only)]
    pub id: Option<String>,
    #[serde(default)]
    #[schema(read_only)]
    pub umkm_id: Option<String>,
    #[serde(default)]
    #[schema(read_only)]
    pub slug: Option<String>,
    #[serde(default)]
    #[schema(read_only)]
    pub ekatalog: Option<bool>,
    /// Accepted and not read: `version` decides whether the product changed since it was read.
    #[serde(default, rename = "updated_at")]
    #[schema(read_only, value_type = Option<String>)]
    pub _updated_at: Option<serde::de::IgnoredAny>,
}

impl ProductBody {
    /// Read-only fields sent back: each must be `current`'s own (on a new product there is
    /// none to match).
    fn read_only_errors(&self, current: Option<&ProductRecord>) -> FieldErrors {
        let mut e = FieldErrors::new();
        let same = |sent: &Option<String>, field: &str, own: Option<&str>| {
            sent.as_deref()
                .is_none_or(|s| Some(s) == own)
                .then_some(())
                .ok_or(field.to_string())
        };
        let checks = [
            same(&self.id, "id", current.map(|p| p.id.as_str())),
            same(
                &self.umkm_id,
                "umkm_id",
                current.map(|p| p.umkm_id.as_str()),
            ),
            same(&self.slug, "slug", current.map(|p| p.slug.as_str())),
            self.ekatalog
                .is_none_or(|l| Some(l) == current.map(ProductRecord::listed))
                .then_some(())
                .ok_or("ekatalog".to_string()),
        ];
        for field in checks.into_iter().filter_map(Result::err) {
            e.push(&field, "read_only");
        }
        // Both spellings of the dimensions, disagreeing.
        if let Some(mm) = self.dimensions_mm {
            let cm = [self.length_cm, self.width_cm, self.height_cm];
            let disagree = cm
                .iter()
                .zip(mm)
                .any(|(c, m)| c.is_some_and(|c| (c * 10.0).round() as i64 != m));
            if disagree {
                e.push("dimensions_mm", "given_twice");
            }
        }
        e
    }

    /// The body as the form would have it, so both go through the same checks.
    fn to_input(&self) -> ProductInput {
        let n = |v: Option<i64>| v.map(|x| x.to_string()).unwrap_or_default();
        // Centimetres in the form's way (a decimal comma), rounded to the millimetre.
        let cm = |v: Option<f64>| {
            v.map(|x| {
                let mm = (x * 10.0).round() as i64;
                if mm % 10 == 0 {
                    (mm / 10).to_string()
                } else {
                    format!("{},{}", mm / 10, (mm % 10).abs())
                }
            })
            .unwrap_or_default()
        };
        // Millimetres from a GET's `dimensions_mm` where the centimetres were left out.
        let from_mm = |i: usize| self.dimensions_mm.map(|d| d[i] as f64 / 10.0);
        let (length, width, height) = (
            self.length_cm.or(from_mm(0)),
            self.width_cm.or(from_mm(1)),
            self.height_cm.or(from_mm(2)),
        );
        ProductInput {
            name: self.name.clone(),
            description: self.description.clone().unwrap_or_default(),
            category: self.category.clone(),
            price: n(self.price),
            price_max: n(self.price_max),
            unit: self.unit.clone().unwrap_or_default(),
            min_order: n(self.min_order),
            capacity_per_month: n(self.capacity_per_month),
            stock: n(self.stock),
            weight_grams: n(self.weight_grams),
            length_cm: cm(length),
            width_cm: cm(width),
            height_cm: cm(height),
            packaging: self.packaging.clone().unwrap_or_default(),
            shelf_life_days: n(self.shelf_life_days),
            status: self.status.clone().unwrap_or_default(),
            links: self
                .links
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        }
    }
}

/// A stored product.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProductOut {
    pub id: String,
    pub umkm_id: String,
    /// The public page is `/p/{slug}`.
    pub slug: String,
    pub name: String,
    pub description: Option<String>,
    pub category: String,
    pub price: Option<i64>,
    pub price_max: Option<i64>,
    pub unit: String,
    pub min_order: i64,
    pub capacity_per_month: Option<i64>,
    pub stock: Option<i64>,
    pub weight_grams: Option<i64>,
    /// Length, width and height in millimetres.
    pub dimensions_mm: Option<[i64; 3]>,
    pub packaging: Option<String>,
    pub shelf_life_days: Option<i64>,
    pub status: String,
    pub links: std::collections::BTreeMap<String, String>,
    /// Listed in the local e-katalog.
    pub ekatalog: bool,
    pub updated_at: String,
    pub version: i64,
}

impl From<ProductRecord> for ProductOut {
    fn from(p: ProductRecord) -> Self {
        let ekatalog = p.listed();
        let d = p.data;
        ProductOut {
            id: p.id,
            umkm_id: p.umkm_id,
            slug: p.slug,
            name: d.name,
            description: d.description,
            category: d.category,
            price: d.price,
            price_max: d.price_max,
            unit: d.unit.as_str().to_string(),
            min_order: d.min_order,
            capacity_per_month: d.capacity_per_month,
            stock: d.stock,
            weight_grams: d.weight_grams,
            dimensions_mm: d.dimensions_mm,
            packaging: d.packaging,
            shelf_life_days: d.shelf_life_days,
            status: d.status.as_str().to_string(),
            links: d
                .links
                .into_iter()
                .map(|l| (l.kind.as_str().to_string(), l.url))
                .collect(),
            ekatalog,
            updated_at: p.updated_at,
            version: p.version,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProductList {
    pub items: Vec<ProductOut>,
}

/// One page of the public catalogue's search.
#[derive(Debug, Serialize, ToSchema)]
pub struct CatalogueOut {
    pub total: usize,
    pub page: usize,
    pub per_page: usize,
    /// The words were too strict together: these results match some of them.
    pub relaxed: bool,
    pub hits: Vec<CatalogueHit>,
    /// Per facet, `[value, count]` pairs, largest first.
    pub facets: CatalogueFacets,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CatalogueHit {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub umkm_name: String,
    pub category: String,
    pub price: Option<u64>,
    pub unit: String,
    pub ekatalog: bool,
    /// The product's public page.
    pub url: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CatalogueFacets {
    pub category: Vec<(String, u64)>,
    pub district: Vec<(String, u64)>,
    pub cert: Vec<(String, u64)>,
    pub price_band: Vec<(String, u64)>,
    pub sector: Vec<(String, u64)>,
}

/// Searches the public catalogue (no sign-in), as the `/katalog` page does.
#[utoipa::path(get, path = "/api/v1/katalog", tag = "catalogue",
    params(
        ("q" = Option<String>, Query, description = "Words, in Indonesian: stems, typos and synonyms are understood"),
        ("kategori" = Option<String>, Query, description = "Category code"),
        ("kecamatan" = Option<String>, Query, description = "Kecamatan code"),
        ("sertifikat" = Option<String>, Query, description = "pirt, bpom, halal, sni"),
        ("harga" = Option<String>, Query, description = "Price band: lt25k, 25k_100k, 100k_500k, 500k_1m, gte1m"),
        ("sektor" = Option<String>, Query, description = "Sector code"),
        ("ekatalog" = Option<String>, Query, description = "1: only products in the local e-katalog"),
        ("urut" = Option<String>, Query, description = "relevance, price_asc, price_desc, newest"),
        ("hal" = Option<u32>, Query, minimum = 1, maximum = 400, description = "Page, from 1 (the catalogue shows at most 400 pages)")
    ),
    responses((status = 200, body = CatalogueOut), (status = 422, body = ErrorBody)))]
async fn search(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<CatalogueOut>> {
    let pairs = query_pairs(query.as_deref());
    crate::api::query_number(&pairs, "hal", 1u32..=400).map_err(|e| LangError(lang, e))?;
    let (q, page) = catalogue_query(&pairs);
    let per_page = q.limit;
    let found = state
        .search_catalogue(q)
        .await
        .map_err(|e| LangError(lang, e))?;
    let f = found.facets;
    Ok(Json(CatalogueOut {
        total: found.total,
        page,
        per_page,
        relaxed: found.relaxed,
        hits: found
            .hits
            .into_iter()
            .map(|h| CatalogueHit {
                url: format!("/p/{}", h.slug),
                id: h.id,
                slug: h.slug,
                name: h.name,
                umkm_name: h.umkm_name,
                category: h.category,
                price: h.price,
                unit: h.unit,
                ekatalog: h.ekatalog,
            })
            .collect(),
        facets: CatalogueFacets {
            category: f.category,
            district: f.district,
            cert: f.cert,
            price_band: f.price_band,
            sector: f.sector,
        },
    }))
}

/// The products of a UMKM.
#[utoipa::path(operation_id = "list_products", get, path = "/api/v1/umkm/{id}/products", tag = "catalogue",
    params(("id" = String, Path, description = "UMKM id")),
    responses((status = 200, body = ProductList), (status = 404, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<ProductList>> {
    let scope = caller.scope();
    let run = async {
        // Not found (rather than an empty list) outside the caller's scope.
        state.db().get_umkm(&scope, &id).await?;
        let items = state.db().products_of(&scope, &id).await?;
        Ok::<_, ApiError>(Json(ProductList {
            items: items.into_iter().map(ProductOut::from).collect(),
        }))
    };
    run.await.map_err(|e| LangError(lang, e))
}

/// Adds a product to a UMKM.
#[utoipa::path(operation_id = "create_product", post, path = "/api/v1/umkm/{id}/products", tag = "catalogue", request_body = ProductBody,
    params(("id" = String, Path, description = "UMKM id")),
    responses((status = 201, body = ProductOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let run = async {
        // Outside the caller's scope: not found, before the body is looked at.
        state.db().get_umkm(&caller.scope(), &id).await?;
        let body: ProductBody = parse_body(&body)?;
        body.read_only_errors(None).into_result()?;
        let categories = state.db().product_categories().await?;
        let data = validate_product(&body.to_input(), &categories)
            .map_err(|e| link_errors_by_kind(&body, e))?;
        let record = state
            .db()
            .create_product(&caller.scope(), &id, &data, &caller.actor)
            .await?;
        state.wake_search();
        Ok::<_, ApiError>(tagged(
            StatusCode::CREATED,
            record.version,
            ProductOut::from(record),
        ))
    };
    run.await.map_err(|e| LangError(lang, e))
}

/// One product.
#[utoipa::path(operation_id = "get_product", get, path = "/api/v1/products/{pid}", tag = "catalogue",
    params(("pid" = String, Path, description = "Product id")),
    responses((status = 200, body = ProductOut, headers(("ETag" = String, description = "The product's version, for If-Match"))), (status = 404, body = ErrorBody)))]
async fn get(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    Path(pid): Path<String>,
) -> ApiResult<Response> {
    let record = state
        .db()
        .get_product(&caller.scope(), &pid)
        .await
        .map_err(|e| LangError(lang, e.into()))?;
    Ok(tagged(
        StatusCode::OK,
        record.version,
        ProductOut::from(record),
    ))
}

/// Replaces a product's data; `version` must be the one read (409 otherwise).
#[utoipa::path(operation_id = "update_product", put, path = "/api/v1/products/{pid}", tag = "catalogue", request_body = ProductBody,
    params(("pid" = String, Path, description = "Product id"), ("If-Match" = Option<String>, Header, description = "The ETag a GET gave, e.g. W/\"3\"")),
    responses((status = 200, body = ProductOut), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 412, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    headers: axum::http::HeaderMap,
    Path(pid): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let run = async {
        let scope = caller.scope();
        let current = state.db().get_product(&scope, &pid).await?;
        let body: ProductBody = parse_body(&body)?;
        let version = version_to_replace(&headers, body.version, current.version)?;
        // A stale read is a conflict (409, below), not a change of what cannot change.
        if version == current.version {
            body.read_only_errors(Some(&current)).into_result()?;
        }
        let categories = state.db().product_categories().await?;
        let data = validate_product(&body.to_input(), &categories)
            .map_err(|e| link_errors_by_kind(&body, e))?;
        let record = state
            .db()
            .update_product(&scope, &pid, version, &data, &caller.actor)
            .await?;
        state.wake_search();
        Ok::<_, ApiError>(tagged(
            StatusCode::OK,
            record.version,
            ProductOut::from(record),
        ))
    };
    run.await.map_err(|e| LangError(lang, e))
}
