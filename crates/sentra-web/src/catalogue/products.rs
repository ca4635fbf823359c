//! Managing a business's products (owners their own; operators and curators within their
//! scope): the list, the form, and the e-katalog readiness checklist that tells the owner
//! exactly what is missing; curators list a ready product in the e-katalog lokal.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{DefaultBodyLimit, Path, Request};
use axum::handler::Handler;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use sentra_domain::FieldErrors;
use sentra_domain::account::Permission;
use sentra_domain::money::format_rupiah;
use sentra_domain::product::{
    Category, PRODUCT_LINKS, PriceUnit, ProductInput, ProductStatus, ReadinessItem,
    validate_product,
};
use sentra_storage::ProductRecord;
use serde::Deserialize;

use crate::catalogue::photos;
use crate::error::{ApiError, PageResult};
use crate::extract::{FormPairs, PageCtx, PageQuery};
use crate::forms::form_value;
use crate::lang::Lang;
use crate::media::media_url;
use crate::routes::{Access, Routes};
use crate::ui::{Chrome, FormFields, Opt};

pub fn routes() -> Routes {
    let manage = Access::Role(Permission::ManageProducts);
    Routes::new("")
        .get("/umkm/{id}/produk", manage, list)
        .post("/umkm/{id}/toko", manage, save_store)
        .get("/umkm/{id}/produk/baru", manage, new_form)
        .post(
            "/umkm/{id}/produk",
            manage,
            create.layer(DefaultBodyLimit::max(photos::UPLOAD_LIMIT)),
        )
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

async fn list(ctx: PageCtx, Path(id): Path<String>) -> PageResult {
    show_list(&ctx, &id, None, None).await
}

fn product_row(lang: Lang, p: &ProductRecord) -> ProductRow {
    ProductRow {
        href: format!("/produk/{}", p.id),
        public_href: (p.data.status == ProductStatus::Published).then(|| format!("/p/{}", p.slug)),
        name: p.data.name.clone(),
        price: p.data.price.map(format_rupiah).unwrap_or_default(),
        status: lang
            .t(&format!("product.status_{}", p.data.status.as_str()))
            .into_owned(),
        listed: p.listed(),
    }
}

/// The business's products and storefront details; `hours` is what was typed when it was
/// refused, with the problem.
async fn show_list(
    ctx: &PageCtx,
    id: &str,
    hours: Option<String>,
    hours_error: Option<String>,
) -> PageResult {
    let lang = ctx.lang;
    let scope = ctx.scope();
    let (umkm, products, (store_slug, saved_hours)) = tokio::try_join!(
        ctx.db().get_umkm(&scope, id),
        ctx.db().products_of(&scope, id),
        ctx.db().store_details(&scope, id)
    )?;
    let status = if hours_error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = ListPage {
        c: ctx.chrome(lang.tf("product.list_title", &[("name", &umkm.name)])),
        l: lang,
        umkm_href: format!("/umkm/{id}"),
        new_href: format!("/umkm/{id}/produk/baru"),
        store_href: store_slug.map(|s| format!("/toko/{s}")),
        store_action: format!("/umkm/{id}/toko"),
        opening_hours: hours.or(saved_hours).unwrap_or_default(),
        hours_error,
        rows: products.iter().map(|p| product_row(lang, p)).collect(),
    };
    let mut res = page.into_response();
    *res.status_mut() = status;
    Ok(res)
}

async fn save_store(
    ctx: PageCtx,
    Path(id): Path<String>,
    FormPairs(pairs): FormPairs,
) -> PageResult {
    let lang = ctx.lang;
    let hours = form_value(&pairs, "opening_hours").to_string();
    let saved = ctx
        .db()
        .set_opening_hours(&ctx.scope(), &id, &hours, &ctx.caller.actor)
        .await;
    match saved {
        Ok(()) => Ok(Redirect::to(&format!("/umkm/{id}/produk?done=store")).into_response()),
        Err(sentra_storage::StorageError::Invalid(e)) => {
            let msg = e
                .iter()
                .map(|f| format!("{}: {}", lang.t("store.hours"), lang.error(f.code)))
                .collect::<Vec<_>>()
                .join("; ");
            show_list(&ctx, &id, Some(hours), Some(msg)).await
        }
        Err(e) => Err(e.into()),
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

crate::ui::form_fields!(FormPage);

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

/// The category choices, sub-categories marked under their parent.
fn category_opts(lang: Lang, categories: &[Category], chosen: &str) -> Vec<Opt> {
    categories
        .iter()
        .map(|c| Opt {
            value: c.code.clone(),
            label: match (lang, &c.parent) {
                (Lang::Id, Some(_)) => format!("— {}", c.name_id),
                (Lang::Id, None) => c.name_id.clone(),
                (Lang::En, Some(_)) => format!("— {}", c.name_en),
                (Lang::En, None) => c.name_en.clone(),
            },
            selected: c.code == chosen,
        })
        .collect()
}

fn unit_opts(lang: Lang, chosen: &str) -> Vec<Opt> {
    PriceUnit::ALL
        .iter()
        .map(|u| Opt {
            value: u.as_str().into(),
            label: lang.t(&format!("catalog.unit_{}", u.as_str())).into_owned(),
            selected: u.as_str() == chosen,
        })
        .collect()
}

fn status_opts(lang: Lang, chosen: &str) -> Vec<Opt> {
    ProductStatus::ALL
        .iter()
        .map(|s| Opt {
            value: s.as_str().into(),
            label: lang
                .t(&format!("product.status_{}", s.as_str()))
                .into_owned(),
            selected: s.as_str() == chosen,
        })
        .collect()
}

fn link_kinds(lang: Lang) -> Vec<(String, String)> {
    PRODUCT_LINKS
        .iter()
        .map(|k| {
            (
                k.as_str().to_string(),
                lang.t(&format!("link.{}", k.as_str())).into_owned(),
            )
        })
        .collect()
}

/// What the form shows of a saved product: its e-katalog checklist and its photos.
async fn saved_parts(
    ctx: &PageCtx,
    product: Option<&ProductRecord>,
) -> (Vec<ReadinessItem>, Vec<PhotoView>) {
    let Some(p) = product else {
        return (Vec::new(), Vec::new());
    };
    let readiness = ctx
        .db()
        .product_readiness(&ctx.scope(), &p.id)
        .await
        .unwrap_or_default();
    let photos = ctx
        .db()
        .product_photos(&p.id)
        .await
        .unwrap_or_default()
        .iter()
        .map(|ph| PhotoView {
            id: ph.id.clone(),
            thumb: media_url(&ph.object_key, "sm"),
        })
        .collect();
    (readiness, photos)
}

/// The product form's frame: which page, where it posts, where "back" goes.
pub(crate) struct Shown<'a> {
    ctx: &'a PageCtx,
    title: String,
    action: String,
    back_href: String,
}

impl<'a> Shown<'a> {
    /// The edit page of a product.
    pub(crate) fn editing(ctx: &'a PageCtx, p: &ProductRecord) -> Self {
        Shown {
            ctx,
            title: p.data.name.clone(),
            action: format!("/produk/{}", p.id),
            back_href: format!("/umkm/{}/produk", p.umkm_id),
        }
    }

    /// The new-product page of a business.
    fn creating(ctx: &'a PageCtx, umkm_id: &str, umkm_name: &str) -> Self {
        Shown {
            ctx,
            title: ctx.lang.tf("product.new_title", &[("name", umkm_name)]),
            action: format!("/umkm/{umkm_id}/produk"),
            back_href: format!("/umkm/{umkm_id}/produk"),
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
        let (ctx, lang) = (self.ctx, self.ctx.lang);
        let categories = ctx.db().product_categories().await.unwrap_or_default();
        let chosen = |field: &str| values.get(field).cloned().unwrap_or_default();
        let (readiness, photos) = saved_parts(ctx, product).await;
        let page = FormPage {
            c: ctx.chrome(self.title.clone()),
            l: lang,
            action: self.action.clone(),
            back_href: self.back_href.clone(),
            categories: category_opts(lang, &categories, &chosen("category")),
            units: unit_opts(lang, &chosen("unit")),
            statuses: status_opts(lang, &chosen("status")),
            link_kinds: link_kinds(lang),
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
            can_list: ctx.caller.can(Permission::CurateEkatalog),
            ekatalog_action: product
                .map(|p| format!("/produk/{}/ekatalog", p.id))
                .unwrap_or_default(),
            notice,
            values,
            errors,
            photo_action: product
                .map(|p| format!("/produk/{}/foto", p.id))
                .unwrap_or_default(),
            photos,
            max_photos: sentra_domain::product::MAX_PHOTOS,
            photo_error,
        };
        let mut res = page.into_response();
        *res.status_mut() = status;
        res
    }
}

async fn new_form(ctx: PageCtx, Path(id): Path<String>) -> PageResult {
    let umkm = ctx.db().get_umkm(&ctx.scope(), &id).await?;
    let values = values_of(&ProductInput {
        unit: "pcs".into(),
        status: "draft".into(),
        ..ProductInput::default()
    });
    Ok(Shown::creating(&ctx, &id, &umkm.name)
        .page(StatusCode::OK, values, Vec::new(), None, None)
        .await)
}

/// A new product, with its photos when the form carries them: the photos are checked with the
/// fields, and a refused photo shows the form again with everything typed, nothing saved.
async fn create(ctx: PageCtx, Path(id): Path<String>, request: Request) -> PageResult {
    let scope = ctx.scope();
    let umkm = ctx.db().get_umkm(&scope, &id).await?;
    let form = photos::read_form_with_photos(&ctx, request).await?;
    let input = input_from_pairs(&form.pairs);
    let categories = ctx.db().product_categories().await.unwrap_or_default();
    let checked = validate_product(&input, &categories);
    let mut photo_problem = form.problem;
    let mut converted = Vec::new();
    if photo_problem.is_none() && form.files.len() > sentra_domain::product::MAX_PHOTOS {
        photo_problem = Some(ctx.lang.error("photos_too_many").into_owned());
    } else if photo_problem.is_none() && !form.files.is_empty() {
        match photos::convert_all(ctx.lang, form.files).await? {
            Ok(c) => converted = c,
            Err(message) => photo_problem = Some(message),
        }
    }
    let show_again = |errors: FieldErrors, photo_problem: Option<String>| {
        let mut rows = error_rows(ctx.lang, &input, &errors);
        if let Some(message) = photo_problem {
            let label = ctx.lang.t("product.photo_add").into_owned();
            rows.push(("photo".into(), label, message));
        }
        let values = values_of(&input);
        let shown = Shown::creating(&ctx, &id, &umkm.name);
        async move {
            shown
                .page(StatusCode::UNPROCESSABLE_ENTITY, values, rows, None, None)
                .await
        }
    };
    let data = match (checked, photo_problem) {
        (Ok(data), None) => data,
        (checked, problem) => {
            return Ok(show_again(checked.err().unwrap_or_default(), problem).await);
        }
    };
    match ctx
        .db()
        .create_product(&scope, &id, &data, &ctx.caller.actor)
        .await
        .map_err(ApiError::from)
    {
        Ok(p) => {
            if !converted.is_empty() {
                photos::keep_photos(&ctx, &p.id, converted).await?;
                ctx.state.wake_search();
            }
            Ok(Redirect::to(&format!("/produk/{}?done=saved", p.id)).into_response())
        }
        Err(ApiError::Validation(errors)) => Ok(show_again(errors, None).await),
        Err(e) => Err(e.into()),
    }
}

/// `/produk/{pid}?done=…`, the notice after a change.
#[derive(Deserialize)]
struct EditQuery {
    #[serde(default)]
    done: String,
}

async fn edit_form(
    ctx: PageCtx,
    Path(pid): Path<String>,
    PageQuery(q): PageQuery<EditQuery>,
) -> PageResult {
    let p = ctx.db().get_product(&ctx.scope(), &pid).await?;
    let notice = match q.done.as_str() {
        d @ ("saved" | "listed" | "unlisted" | "photo_added" | "photo_removed" | "photo_main") => {
            Some(ctx.lang.t(&format!("product.done_{d}")).into_owned())
        }
        _ => None,
    };
    let values = values_of(&p.data.to_input());
    Ok(Shown::editing(&ctx, &p)
        .page(StatusCode::OK, values, Vec::new(), Some(&p), notice)
        .await)
}

async fn update(ctx: PageCtx, Path(pid): Path<String>, FormPairs(pairs): FormPairs) -> PageResult {
    let lang = ctx.lang;
    let scope = ctx.scope();
    let current = ctx.db().get_product(&scope, &pid).await?;
    let version: i64 = form_value(&pairs, "version").parse().unwrap_or(-1);
    let input = input_from_pairs(&pairs);
    let categories = ctx.db().product_categories().await.unwrap_or_default();
    let result = match validate_product(&input, &categories) {
        Ok(data) => ctx
            .db()
            .update_product(&scope, &pid, version, &data, &ctx.caller.actor)
            .await
            .map_err(ApiError::from),
        Err(e) => Err(ApiError::Validation(e)),
    };
    let (status, rows) = match result {
        Ok(_) => return Ok(Redirect::to(&format!("/produk/{pid}?done=saved")).into_response()),
        Err(ApiError::Validation(errors)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            error_rows(lang, &input, &errors),
        ),
        // Changed by someone else meanwhile: what was typed stays on the form, with the
        // current version, to be checked and saved again.
        Err(ApiError::Conflict) => (
            StatusCode::CONFLICT,
            vec![(
                String::new(),
                String::new(),
                lang.error("conflict").into_owned(),
            )],
        ),
        Err(e) => return Err(e.into()),
    };
    Ok(Shown::editing(&ctx, &current)
        .page(status, values_of(&input), rows, Some(&current), None)
        .await)
}

/// Listing in (or out of) the e-katalog lokal: the route lets curators only.
async fn ekatalog(
    ctx: PageCtx,
    Path(pid): Path<String>,
    FormPairs(pairs): FormPairs,
) -> PageResult {
    let listed = form_value(&pairs, "list") == "1";
    ctx.db()
        .set_ekatalog_listing(&ctx.scope(), &pid, listed, &ctx.caller.actor)
        .await?;
    let done = if listed { "listed" } else { "unlisted" };
    Ok(Redirect::to(&format!("/produk/{pid}?done={done}")).into_response())
}
