//! Curated exhibitions (issue 11): curators plan an exhibition (online or at a venue, a theme
//! such as tenun or kuliner oleh-oleh), curate published products into it with a note on each,
//! publish it as a page of the public catalogue (`/pameran/{slug}`), and record afterwards the
//! visitors and what each product showed and sold there.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect};
use sentra_domain::FieldErrors;
use sentra_domain::account::Permission;
use sentra_domain::money::format_rupiah;
use sentra_domain::partnership::{ExhibitionInput, validate_exhibition};
use sentra_domain::region::RegionCode;
use sentra_storage::{ExhibitItem, ExhibitionRecord, StorageError};
use serde::Deserialize;

use crate::AppState;
use crate::auth::Caller;
use crate::error::PageResult;
use crate::extract::{FormPairs, PageCtx, PageQuery};
use crate::forms::form_value;
use crate::lang::{Lang, ReqLang};
use crate::procurement::units::{Errors, worded};
use crate::routes::{Access, Routes};
use crate::ui::Chrome;
use crate::ui::area_choices;
use crate::view::day_words;

pub fn routes() -> Routes {
    let manage = Access::Role(Permission::ManagePartnerships);
    Routes::new("")
        .get("/kurasi/pameran", manage, list_page)
        .post("/kurasi/pameran", manage, create)
        .get("/kurasi/pameran/{exhibition}", manage, manage_page)
        .post("/kurasi/pameran/{exhibition}/produk", manage, add_product)
        .post("/kurasi/pameran/{exhibition}/hapus", manage, remove_product)
        .post("/kurasi/pameran/{exhibition}/hasil", manage, record)
        .get("/pameran", Access::Public, public_list)
        .get("/pameran/{slug}", Access::Public, public_page)
}

pub struct ExhibitionLine {
    pub href: String,
    pub title: String,
    pub when: String,
    pub place: String,
    pub published: bool,
}

fn line(lang: Lang, x: &ExhibitionRecord, href: String) -> ExhibitionLine {
    let e = &x.exhibition;
    ExhibitionLine {
        href,
        title: e.title.clone(),
        when: format!(
            "{} – {}",
            day_words(lang, e.starts_on),
            day_words(lang, e.ends_on)
        ),
        place: if e.online {
            lang.t("exhibition.online").into_owned()
        } else {
            e.venue.clone().unwrap_or_default()
        },
        published: x.published,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "gallery/exhibitions.html")]
pub struct ListPage {
    pub c: Chrome,
    pub l: Lang,
    pub exhibitions: Vec<ExhibitionLine>,
    pub regions: Vec<(String, String)>,
    pub errors: Errors,
    pub typed: ExhibitionInput,
    pub region: String,
}

impl ListPage {
    pub fn invalid(&self, field: &str) -> bool {
        self.errors.iter().any(|e| e.0 == field)
    }
}

async fn show_list(
    ctx: &PageCtx,
    typed: ExhibitionInput,
    region: String,
    errors: &FieldErrors,
) -> PageResult {
    let lang = ctx.lang;
    let scope = ctx.scope();
    let list = ctx.db().exhibitions(&scope).await?;
    let mut res = ListPage {
        c: ctx.chrome(lang.t("exhibition.title")),
        l: lang,
        exhibitions: list
            .iter()
            .map(|x| line(lang, x, format!("/kurasi/pameran/{}", x.id)))
            .collect(),
        regions: area_choices(&ctx.state, scope.region_code()),
        errors: worded(lang, errors, "exhibition.field_"),
        typed,
        region,
    }
    .into_response();
    if !errors.is_empty() {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

async fn list_page(ctx: PageCtx) -> PageResult {
    let typed = ExhibitionInput {
        kind: "offline".into(),
        ..ExhibitionInput::default()
    };
    show_list(&ctx, typed, String::new(), &FieldErrors::new()).await
}

async fn create(ctx: PageCtx, FormPairs(f): FormPairs) -> PageResult {
    let v = |k: &str| form_value(&f, k).to_string();
    let typed = ExhibitionInput {
        title: v("title"),
        theme: v("theme"),
        kind: v("kind"),
        venue: v("venue"),
        starts_on: v("starts_on"),
        ends_on: v("ends_on"),
        description: v("description"),
    };
    let scope = ctx.scope();
    let region = RegionCode::parse(form_value(&f, "region"))
        .ok()
        .filter(|r| scope.contains(r));
    let checked = validate_exhibition(&typed);
    let (Some(region), Ok(x)) = (region.clone(), &checked) else {
        let mut e = checked.err().unwrap_or_default();
        if region.is_none() {
            e.push("region", "choice_invalid");
        }
        return show_list(&ctx, typed, v("region"), &e).await;
    };
    let id = ctx
        .db()
        .create_exhibition(&scope, &region, x, &ctx.caller.actor)
        .await?;
    Ok(Redirect::to(&format!("/kurasi/pameran/{id}")).into_response())
}

pub struct ItemLine {
    pub product_id: String,
    pub product: String,
    pub product_href: String,
    pub business: String,
    pub note: String,
    pub shown: String,
    pub sold: String,
    pub value: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "gallery/exhibition.html")]
pub struct ExhibitionPage {
    pub c: Chrome,
    pub l: Lang,
    pub id: String,
    pub slug: String,
    pub x: ExhibitionLine,
    pub theme: String,
    pub description: String,
    pub items: Vec<ItemLine>,
    /// Products found by name to curate in: (id, name, business).
    pub found: Vec<(String, String, String)>,
    pub search: String,
    pub visitors: String,
    /// Crafters, products, items shown, items sold, sales.
    pub counts: (usize, usize, i64, i64, String),
    pub public: bool,
    pub errors: Errors,
}

fn counts_of(items: &[sentra_storage::ExhibitItem]) -> (usize, usize, i64, i64, String) {
    let mut crafters: Vec<&str> = items.iter().map(|i| i.umkm_id.as_str()).collect();
    crafters.sort();
    crafters.dedup();
    (
        crafters.len(),
        items.len(),
        items.iter().filter_map(|i| i.shown).sum(),
        items.iter().filter_map(|i| i.sold).sum(),
        format_rupiah(sentra_domain::money::sum_rupiah(
            items.iter().filter_map(|i| i.sales_value),
        )),
    )
}

fn item_line(i: &ExhibitItem) -> ItemLine {
    let n = |v: Option<i64>| v.map_or(String::new(), |v| v.to_string());
    ItemLine {
        product_id: i.product_id.clone(),
        product: i.product_name.clone(),
        product_href: format!("/p/{}", i.product_slug),
        business: i.umkm_name.clone(),
        note: i.curator_note.clone().unwrap_or_default(),
        shown: n(i.shown),
        sold: n(i.sold),
        value: n(i.sales_value),
    }
}

/// An exhibition's page: the curator's (with products found by `search` to add) when signed in,
/// the public one without a caller.
async fn show_exhibition(
    state: &AppState,
    chrome: Chrome,
    caller: Option<&Caller>,
    x: ExhibitionRecord,
    search: String,
    errors: &FieldErrors,
    status: StatusCode,
) -> PageResult {
    let lang = chrome.lang;
    let db = state.db();
    let items = db.exhibit_items(&x.id).await?;
    let found = match caller {
        Some(c) if !search.trim().is_empty() => db
            .find_published_products(&c.scope(), &search, 20)
            .await
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    let mut res = ExhibitionPage {
        c: chrome,
        l: lang,
        id: x.id.clone(),
        slug: x.slug.clone(),
        theme: x.exhibition.theme.clone().unwrap_or_default(),
        description: x.exhibition.description.clone().unwrap_or_default(),
        counts: counts_of(&items),
        items: items.iter().map(item_line).collect(),
        found,
        search,
        visitors: x.visitors.map_or(String::new(), |v| v.to_string()),
        public: caller.is_none(),
        errors: worded(lang, errors, "exhibition.field_"),
        x: line(lang, &x, format!("/pameran/{}", x.slug)),
    }
    .into_response();
    *res.status_mut() = status;
    Ok(res)
}

/// `/kurasi/pameran/{exhibition}?cari=…`, products to curate in.
#[derive(Deserialize)]
struct ManageQuery {
    #[serde(default, rename = "cari")]
    search: String,
}

async fn manage_page(
    ctx: PageCtx,
    Path(id): Path<String>,
    PageQuery(q): PageQuery<ManageQuery>,
) -> PageResult {
    let x = ctx.db().exhibition(&ctx.scope(), &id).await?;
    let chrome = ctx.chrome(x.exhibition.title.clone());
    let (errors, status) = (FieldErrors::new(), StatusCode::OK);
    show_exhibition(
        &ctx.state,
        chrome,
        Some(&ctx.caller),
        x,
        q.search,
        &errors,
        status,
    )
    .await
}

/// The curator's page again with a form's problems (422).
async fn refused(ctx: &PageCtx, id: &str, e: FieldErrors) -> PageResult {
    let x = ctx.db().exhibition(&ctx.scope(), id).await?;
    let chrome = ctx.chrome(x.exhibition.title.clone());
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    show_exhibition(
        &ctx.state,
        chrome,
        Some(&ctx.caller),
        x,
        String::new(),
        &e,
        status,
    )
    .await
}

async fn add_product(ctx: PageCtx, Path(id): Path<String>, FormPairs(f): FormPairs) -> PageResult {
    let scope = ctx.scope();
    ctx.db().exhibition(&scope, &id).await?;
    let mut e = FieldErrors::new();
    let product = form_value(&f, "product");
    if product.is_empty() {
        e.push("product", "required");
    }
    let note = match sentra_domain::umkm::clean_text(form_value(&f, "note"), 500) {
        Ok(n) => n,
        Err(sentra_domain::Invalid(c)) => {
            e.push("note", c);
            None
        }
    };
    if !e.is_empty() {
        return refused(&ctx, &id, e).await;
    }
    let curated = ctx
        .db()
        .curate_into(&scope, &id, product, note.as_deref(), &ctx.caller.actor)
        .await;
    match curated {
        Ok(()) => Ok(Redirect::to(&format!("/kurasi/pameran/{id}#items")).into_response()),
        Err(StorageError::Invalid(e)) => refused(&ctx, &id, e).await,
        Err(e) => Err(e.into()),
    }
}

async fn remove_product(
    ctx: PageCtx,
    Path(id): Path<String>,
    FormPairs(f): FormPairs,
) -> PageResult {
    ctx.db()
        .uncurate(
            &ctx.scope(),
            &id,
            form_value(&f, "product"),
            &ctx.caller.actor,
        )
        .await?;
    Ok(Redirect::to(&format!("/kurasi/pameran/{id}#items")).into_response())
}

/// A count field: blank is not given, otherwise a whole number from 0.
fn count(f: &[(String, String)], field: String, e: &mut FieldErrors) -> Option<i64> {
    let v = form_value(f, &field).trim().to_string();
    if v.is_empty() {
        return None;
    }
    match v.parse::<i64>() {
        Ok(n) if n >= 0 => Some(n),
        _ => {
            e.push(field, "number_invalid");
            None
        }
    }
}

/// Each product's (id, shown, sold, sales value) as the form gives them.
type ItemResult = (String, Option<i64>, Option<i64>, Option<i64>);

fn item_results(
    f: &[(String, String)],
    items: &[ExhibitItem],
    e: &mut FieldErrors,
) -> Vec<ItemResult> {
    let mut results = Vec::new();
    for i in items {
        let shown = count(f, format!("shown_{}", i.product_id), e);
        let sold = count(f, format!("sold_{}", i.product_id), e);
        let value = match form_value(f, &format!("value_{}", i.product_id)).trim() {
            "" => None,
            v => e.check(
                &format!("value_{}", i.product_id),
                sentra_domain::money::parse_rupiah(v),
            ),
        };
        if let (Some(s), Some(d)) = (shown, sold)
            && d > s
        {
            e.push(format!("sold_{}", i.product_id), "sold_more_than_shown");
        }
        results.push((i.product_id.clone(), shown, sold, value));
    }
    results
}

async fn record(ctx: PageCtx, Path(id): Path<String>, FormPairs(f): FormPairs) -> PageResult {
    let scope = ctx.scope();
    let x = ctx.db().exhibition(&scope, &id).await?;
    let items = ctx.db().exhibit_items(&x.id).await.unwrap_or_default();
    let mut e = FieldErrors::new();
    let visitors = count(&f, "visitors".into(), &mut e);
    let results = item_results(&f, &items, &mut e);
    if !e.is_empty() {
        return refused(&ctx, &id, e).await;
    }
    let published = form_value(&f, "published") == "1";
    ctx.db()
        .record_exhibition(
            &scope,
            &id,
            published,
            visitors,
            &results,
            &ctx.caller.actor,
        )
        .await?;
    Ok(Redirect::to(&format!("/kurasi/pameran/{id}")).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "gallery/exhibitions_public.html")]
pub struct PublicListPage {
    pub c: Chrome,
    pub l: Lang,
    pub exhibitions: Vec<ExhibitionLine>,
}

async fn public_list(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    uri: Uri,
    visitor: Result<crate::auth::Caller, axum::response::Response>,
) -> PageResult {
    let list = state.db().published_exhibitions().await?;
    Ok(PublicListPage {
        c: Chrome::new(lang, lang.t("exhibition.public_title").into_owned(), &uri)
            .for_visitor(&visitor),
        l: lang,
        exhibitions: list
            .iter()
            .map(|x| line(lang, x, format!("/pameran/{}", x.slug)))
            .collect(),
    }
    .into_response())
}

async fn public_page(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    uri: Uri,
    visitor: Result<crate::auth::Caller, axum::response::Response>,
    Path(slug): Path<String>,
) -> PageResult {
    let x = state.db().exhibition_by_slug(&slug).await?;
    let chrome = Chrome::new(lang, x.exhibition.title.clone(), &uri).for_visitor(&visitor);
    let (errors, status) = (FieldErrors::new(), StatusCode::OK);
    show_exhibition(&state, chrome, None, x, String::new(), &errors, status).await
}
