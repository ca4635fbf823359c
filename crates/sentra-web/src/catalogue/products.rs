//! Managing a business's products (owners their own; operators and curators within their
//! scope): the list, the form, and the e-katalog readiness checklist that tells the owner
//! exactly what is missing; curators list a ready product in the e-katalog lokal.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, RawForm, RawQuery, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use sentra_domain::FieldErrors;
use sentra_domain::account::Permission;
use sentra_domain::money::format_rupiah;
use sentra_domain::product::{
    PRODUCT_LINKS, PriceUnit, ProductInput, ProductStatus, validate_product,
};
use sentra_storage::ProductRecord;

use crate::AppState;
use crate::auth::{Caller, accept_form, require};
use crate::error::ApiError;
use crate::forms::form_value;
use crate::lang::{Lang, ReqLang};
use crate::media::media_url;
use crate::routes::{Access, Routes};
use crate::ui::{Chrome, FormFields, Opt, error_page};

pub fn routes() -> Routes {
    let manage = Access::Role(Permission::ManageProducts);
    Routes::new("")
        .get("/umkm/{id}/produk", manage, list)
        .post("/umkm/{id}/toko", manage, save_store)
        .get("/umkm/{id}/produk/baru", manage, new_form)
        .post("/umkm/{id}/produk", manage, create)
        .get("/produk/{pid}", manage, edit_form)
        .post("/produk/{pid}", manage, update)
        .post(
            "/produk/{pid}/ekatalog",
            Access::Role(Permission::CurateEkatalog),
            ekatalog,
        )
}

pub struct ProductRow {
    pub href: String,
    pub public_href: Option<String>,
    pub name: String,
    pub price: String,
    pub status: String,
    pub listed: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "catalogue/product_list.html")]
pub struct ListPage {
    pub c: Chrome,
    pub l: Lang,
    pub umkm_href: String,
    pub new_href: String,
    pub rows: Vec<ProductRow>,
    /// The storefront: its public address (once the business has a product), its opening
    /// hours, and a problem with the hours just sent.
    pub store_href: Option<String>,
    pub store_action: String,
    pub opening_hours: String,
    pub hours_error: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = require(&caller, Permission::ManageProducts) {
        return *r;
    }
    show_list(&state, lang, &caller, &uri, &id, None, None).await
}

/// The business's products and storefront details; `hours` is what was typed when it was
/// refused, with the problem.
async fn show_list(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    uri: &Uri,
    id: &str,
    hours: Option<String>,
    hours_error: Option<String>,
) -> Response {
    let scope = caller.scope();
    let (umkm, products, (store_slug, saved_hours)) = match tokio::try_join!(
        state.db().get_umkm(&scope, id),
        state.db().products_of(&scope, id),
        state.db().store_details(&scope, id)
    ) {
        Ok(x) => x,
        Err(e) => return error_page(lang, uri, e.into()),
    };
    let status = if hours_error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = ListPage {
        c: Chrome::new(
            lang,
            lang.tf("product.list_title", &[("name", &umkm.name)]),
            uri,
        )
        .signed_in(caller),
        l: lang,
        umkm_href: format!("/umkm/{id}"),
        new_href: format!("/umkm/{id}/produk/baru"),
        store_href: store_slug.map(|s| format!("/toko/{s}")),
        store_action: format!("/umkm/{id}/toko"),
        opening_hours: hours.or(saved_hours).unwrap_or_default(),
        hours_error,
        rows: products
            .iter()
            .map(|p| ProductRow {
                href: format!("/produk/{}", p.id),
                public_href: (p.data.status == ProductStatus::Published)
                    .then(|| format!("/p/{}", p.slug)),
                name: p.data.name.clone(),
                price: p.data.price.map(format_rupiah).unwrap_or_default(),
                status: lang
                    .t(&format!("product.status_{}", p.data.status.as_str()))
                    .into_owned(),
                listed: p.listed(),
            })
            .collect(),
    };
    let mut res = page.into_response();
    *res.status_mut() = status;
    res
}

async fn save_store(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    Path(id): Path<String>,
    RawForm(form): RawForm,
) -> Response {
    let pairs = match accept_form(&caller, Permission::ManageProducts, &form) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let hours = form_value(&pairs, "opening_hours").to_string();
    match state
        .db()
        .set_opening_hours(&caller.scope(), &id, &hours, &caller.actor)
        .await
    {
        Ok(()) => Redirect::to(&format!("/umkm/{id}/produk?done=store")).into_response(),
        Err(sentra_storage::StorageError::Invalid(e)) => {
            let msg = e
                .iter()
                .map(|f| format!("{}: {}", lang.t("store.hours"), lang.error(f.code)))
                .collect::<Vec<_>>()
                .join("; ");
            show_list(&state, lang, &caller, &uri, &id, Some(hours), Some(msg)).await
        }
        Err(e) => error_page(lang, &uri, e.into()),
    }
}

pub struct ReadinessRow {
    pub label: String,
    pub met: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "catalogue/product_form.html")]
pub struct FormPage {
    pub c: Chrome,
    pub l: Lang,
    pub action: String,
    pub back_href: String,
    pub values: HashMap<String, String>,
    pub errors: Vec<(String, String, String)>,
    pub categories: Vec<Opt>,
    pub units: Vec<Opt>,
    pub statuses: Vec<Opt>,
    pub link_kinds: Vec<(String, String)>,
    pub version: String,
    /// The e-katalog checklist (edit form only).
    pub readiness: Vec<ReadinessRow>,
    pub ready: bool,
    pub listed: bool,
    pub can_list: bool,
    pub ekatalog_action: String,
    pub notice: Option<String>,
    /// Photos (edit form only): where to send them, those kept, and an upload's problem.
    pub photo_action: String,
    pub photos: Vec<PhotoView>,
    pub max_photos: usize,
    pub photo_error: Option<String>,
}

pub struct PhotoView {
    pub id: String,
    pub thumb: String,
}

impl FormFields for FormPage {
    fn values(&self) -> &HashMap<String, String> {
        &self.values
    }

    fn errors(&self) -> &[(String, String, String)] {
        &self.errors
    }
}

impl FormPage {
    pub fn label(&self, field: &str) -> String {
        self.l.t(&format!("product.field_{field}")).into_owned()
    }
}

/// The fields of the form, as posted.
fn input_from_pairs(pairs: &[(String, String)]) -> ProductInput {
    let v = |k: &str| form_value(pairs, k).to_string();
    ProductInput {
        name: v("name"),
        description: v("description"),
        category: v("category"),
        price: v("price"),
        price_max: v("price_max"),
        unit: v("unit"),
        min_order: v("min_order"),
        capacity_per_month: v("capacity_per_month"),
        stock: v("stock"),
        weight_grams: v("weight_grams"),
        length_cm: v("length_cm"),
        width_cm: v("width_cm"),
        height_cm: v("height_cm"),
        packaging: v("packaging"),
        shelf_life_days: v("shelf_life_days"),
        status: v("status"),
        links: PRODUCT_LINKS
            .iter()
            .map(|k| (k.as_str().to_string(), v(&format!("links.{}", k.as_str()))))
            .collect(),
    }
}

pub(crate) fn values_of(input: &ProductInput) -> HashMap<String, String> {
    let mut m: HashMap<String, String> = [
        ("name", &input.name),
        ("description", &input.description),
        ("category", &input.category),
        ("price", &input.price),
        ("price_max", &input.price_max),
        ("unit", &input.unit),
        ("min_order", &input.min_order),
        ("capacity_per_month", &input.capacity_per_month),
        ("stock", &input.stock),
        ("weight_grams", &input.weight_grams),
        ("length_cm", &input.length_cm),
        ("width_cm", &input.width_cm),
        ("height_cm", &input.height_cm),
        ("packaging", &input.packaging),
        ("shelf_life_days", &input.shelf_life_days),
        ("status", &input.status),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.clone()))
    .collect();
    for (kind, url) in &input.links {
        m.insert(format!("links.{kind}"), url.clone());
    }
    m
}

/// Error rows: the domain names a link's error by its place in the input (`links.N`); the form
/// names its fields by kind.
fn error_rows(
    lang: Lang,
    input: &ProductInput,
    errors: &FieldErrors,
) -> Vec<(String, String, String)> {
    errors
        .iter()
        .map(|e| {
            let field = match e
                .field
                .strip_prefix("links.")
                .and_then(|i| i.parse::<usize>().ok())
            {
                Some(i) => input
                    .links
                    .get(i)
                    .map_or(e.field.clone(), |(k, _)| format!("links.{k}")),
                None => e.field.clone(),
            };
            let label = match field.strip_prefix("links.") {
                Some(kind) => lang.t(&format!("link.{kind}")).into_owned(),
                None => lang.t(&format!("product.field_{field}")).into_owned(),
            };
            (field, label, lang.error(e.code).into_owned())
        })
        .collect()
}

pub(crate) struct Shown<'a> {
    state: &'a AppState,
    caller: &'a Caller,
    lang: Lang,
    uri: &'a Uri,
    title: String,
    action: String,
    back_href: String,
}

impl<'a> Shown<'a> {
    /// The edit page of a product.
    pub(crate) fn editing(
        state: &'a AppState,
        caller: &'a Caller,
        lang: Lang,
        uri: &'a Uri,
        p: &ProductRecord,
    ) -> Self {
        Shown {
            state,
            caller,
            lang,
            uri,
            title: p.data.name.clone(),
            action: format!("/produk/{}", p.id),
            back_href: format!("/umkm/{}/produk", p.umkm_id),
        }
    }

    pub(crate) async fn page(
        &self,
        status: StatusCode,
        values: HashMap<String, String>,
        errors: Vec<(String, String, String)>,
        product: Option<&ProductRecord>,
        notice: Option<String>,
    ) -> Response {
        self.page_with_photo_error(status, values, errors, product, notice, None)
            .await
    }

    pub(crate) async fn page_with_photo_error(
        &self,
        status: StatusCode,
        values: HashMap<String, String>,
        errors: Vec<(String, String, String)>,
        product: Option<&ProductRecord>,
        notice: Option<String>,
        photo_error: Option<String>,
    ) -> Response {
        let lang = self.lang;
        let categories = self
            .state
            .db()
            .product_categories()
            .await
            .unwrap_or_default();
        let chosen = |field: &str| values.get(field).cloned().unwrap_or_default();
        let (category, unit, status_v) = (chosen("category"), chosen("unit"), chosen("status"));
        let readiness = match product {
            Some(p) => self
                .state
                .db()
                .product_readiness(&self.caller.scope(), &p.id)
                .await
                .unwrap_or_default(),
            None => Vec::new(),
        };
        let photos = match product {
            Some(p) => self
                .state
                .db()
                .product_photos(&p.id)
                .await
                .unwrap_or_default(),
            None => Vec::new(),
        };
        let page = FormPage {
            c: Chrome::new(lang, self.title.clone(), self.uri).signed_in(self.caller),
            l: lang,
            action: self.action.clone(),
            back_href: self.back_href.clone(),
            categories: categories
                .iter()
                .map(|c| Opt {
                    value: c.code.clone(),
                    label: match (lang, &c.parent) {
                        (Lang::Id, Some(_)) => format!("— {}", c.name_id),
                        (Lang::Id, None) => c.name_id.clone(),
                        (Lang::En, Some(_)) => format!("— {}", c.name_en),
                        (Lang::En, None) => c.name_en.clone(),
                    },
                    selected: c.code == category,
                })
                .collect(),
            units: PriceUnit::ALL
                .iter()
                .map(|u| Opt {
                    value: u.as_str().into(),
                    label: lang.t(&format!("catalog.unit_{}", u.as_str())).into_owned(),
                    selected: u.as_str() == unit,
                })
                .collect(),
            statuses: ProductStatus::ALL
                .iter()
                .map(|s| Opt {
                    value: s.as_str().into(),
                    label: lang
                        .t(&format!("product.status_{}", s.as_str()))
                        .into_owned(),
                    selected: s.as_str() == status_v,
                })
                .collect(),
            link_kinds: PRODUCT_LINKS
                .iter()
                .map(|k| {
                    (
                        k.as_str().to_string(),
                        lang.t(&format!("link.{}", k.as_str())).into_owned(),
                    )
                })
                .collect(),
            version: product.map(|p| p.version.to_string()).unwrap_or_default(),
            ready: !readiness.is_empty() && readiness.iter().all(|i| i.met),
            readiness: readiness
                .iter()
                .map(|i| ReadinessRow {
                    label: lang.t(&format!("product.ready_{}", i.code)).into_owned(),
                    met: i.met,
                })
                .collect(),
            listed: product.is_some_and(ProductRecord::listed),
            can_list: self.caller.can(Permission::CurateEkatalog),
            ekatalog_action: product
                .map(|p| format!("/produk/{}/ekatalog", p.id))
                .unwrap_or_default(),
            notice,
            values,
            errors,
            photo_action: product
                .map(|p| format!("/produk/{}/foto", p.id))
                .unwrap_or_default(),
            photos: photos
                .iter()
                .map(|ph| PhotoView {
                    id: ph.id.clone(),
                    thumb: media_url(&ph.object_key, "sm"),
                })
                .collect(),
            max_photos: sentra_domain::product::MAX_PHOTOS,
            photo_error,
        };
        let mut res = page.into_response();
        *res.status_mut() = status;
        res
    }
}

async fn new_form(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = require(&caller, Permission::ManageProducts) {
        return *r;
    }
    let umkm = match state.db().get_umkm(&caller.scope(), &id).await {
        Ok(u) => u,
        Err(e) => return error_page(lang, &uri, e.into()),
    };
    let shown = Shown {
        state: &state,
        caller: &caller,
        lang,
        uri: &uri,
        title: lang.tf("product.new_title", &[("name", &umkm.name)]),
        action: format!("/umkm/{id}/produk"),
        back_href: format!("/umkm/{id}/produk"),
    };
    let values = values_of(&ProductInput {
        unit: "pcs".into(),
        status: "draft".into(),
        ..ProductInput::default()
    });
    shown
        .page(StatusCode::OK, values, Vec::new(), None, None)
        .await
}

async fn create(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    Path(id): Path<String>,
    RawForm(form): RawForm,
) -> Response {
    let pairs = match accept_form(&caller, Permission::ManageProducts, &form) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let scope = caller.scope();
    let umkm = match state.db().get_umkm(&scope, &id).await {
        Ok(u) => u,
        Err(e) => return error_page(lang, &uri, e.into()),
    };
    let input = input_from_pairs(&pairs);
    let categories = state.db().product_categories().await.unwrap_or_default();
    let result = match validate_product(&input, &categories) {
        Ok(data) => state
            .db()
            .create_product(&scope, &id, &data, &caller.actor)
            .await
            .map_err(ApiError::from),
        Err(e) => Err(ApiError::Validation(e)),
    };
    match result {
        Ok(p) => Redirect::to(&format!("/produk/{}?done=saved", p.id)).into_response(),
        Err(ApiError::Validation(errors)) => {
            let shown = Shown {
                state: &state,
                caller: &caller,
                lang,
                uri: &uri,
                title: lang.tf("product.new_title", &[("name", &umkm.name)]),
                action: format!("/umkm/{id}/produk"),
                back_href: format!("/umkm/{id}/produk"),
            };
            let rows = error_rows(lang, &input, &errors);
            shown
                .page(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    values_of(&input),
                    rows,
                    None,
                    None,
                )
                .await
        }
        Err(e) => error_page(lang, &uri, e),
    }
}

async fn edit_form(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    Path(pid): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    if let Err(r) = require(&caller, Permission::ManageProducts) {
        return *r;
    }
    let p = match state.db().get_product(&caller.scope(), &pid).await {
        Ok(p) => p,
        Err(e) => return error_page(lang, &uri, e.into()),
    };
    let pairs: Vec<(String, String)> = crate::forms::query_pairs(query.as_deref());
    let notice = match form_value(&pairs, "done") {
        "saved" => Some(lang.t("product.done_saved").into_owned()),
        "listed" => Some(lang.t("product.done_listed").into_owned()),
        "unlisted" => Some(lang.t("product.done_unlisted").into_owned()),
        "photo_added" => Some(lang.t("product.done_photo_added").into_owned()),
        "photo_removed" => Some(lang.t("product.done_photo_removed").into_owned()),
        "photo_main" => Some(lang.t("product.done_photo_main").into_owned()),
        _ => None,
    };
    let shown = Shown::editing(&state, &caller, lang, &uri, &p);
    shown
        .page(
            StatusCode::OK,
            values_of(&p.data.to_input()),
            Vec::new(),
            Some(&p),
            notice,
        )
        .await
}

async fn update(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    Path(pid): Path<String>,
    RawForm(form): RawForm,
) -> Response {
    let pairs = match accept_form(&caller, Permission::ManageProducts, &form) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let scope = caller.scope();
    let current = match state.db().get_product(&scope, &pid).await {
        Ok(p) => p,
        Err(e) => return error_page(lang, &uri, e.into()),
    };
    let version: i64 = form_value(&pairs, "version").parse().unwrap_or(-1);
    let input = input_from_pairs(&pairs);
    let categories = state.db().product_categories().await.unwrap_or_default();
    let result = match validate_product(&input, &categories) {
        Ok(data) => state
            .db()
            .update_product(&scope, &pid, version, &data, &caller.actor)
            .await
            .map_err(ApiError::from),
        Err(e) => Err(ApiError::Validation(e)),
    };
    let shown = Shown::editing(&state, &caller, lang, &uri, &current);
    match result {
        Ok(_) => Redirect::to(&format!("/produk/{pid}?done=saved")).into_response(),
        Err(ApiError::Validation(errors)) => {
            let rows = error_rows(lang, &input, &errors);
            shown
                .page(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    values_of(&input),
                    rows,
                    Some(&current),
                    None,
                )
                .await
        }
        // Changed by someone else meanwhile: what was typed stays on the form, with the
        // current version, to be checked and saved again.
        Err(ApiError::Conflict) => {
            let rows = vec![(
                String::new(),
                String::new(),
                lang.error("conflict").into_owned(),
            )];
            shown
                .page(
                    StatusCode::CONFLICT,
                    values_of(&input),
                    rows,
                    Some(&current),
                    None,
                )
                .await
        }
        Err(e) => error_page(lang, &uri, e),
    }
}

async fn ekatalog(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    Path(pid): Path<String>,
    RawForm(form): RawForm,
) -> Response {
    let pairs = match accept_form(&caller, Permission::CurateEkatalog, &form) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let listed = form_value(&pairs, "list") == "1";
    match state
        .db()
        .set_ekatalog_listing(&caller.scope(), &pid, listed, &caller.actor)
        .await
    {
        Ok(_) => {
            let done = if listed { "listed" } else { "unlisted" };
            Redirect::to(&format!("/produk/{pid}?done={done}")).into_response()
        }
        Err(e) => error_page(lang, &uri, e.into()),
    }
}
