//! Curated exhibitions (issue 11): curators plan an exhibition (online or at a venue, a theme
//! such as tenun or kuliner oleh-oleh), curate published products into it with a note on each,
//! publish it as a page of the public catalogue (`/pameran/{slug}`), and record afterwards the
//! visitors and what each product showed and sold there.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, RawForm, RawQuery, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use sentra_domain::FieldErrors;
use sentra_domain::account::Permission;
use sentra_domain::money::format_rupiah;
use sentra_domain::partnership::{ExhibitionInput, validate_exhibition};
use sentra_domain::region::RegionCode;
use sentra_storage::{ExhibitionRecord, StorageError};

use crate::AppState;
use crate::auth::{Caller, accept_form, require};
use crate::forms::form_value;
use crate::forms::query_pairs;
use crate::lang::{Lang, ReqLang};
use crate::procurement::share::day_text;
use crate::procurement::units::{Errors, worded};
use crate::routes::{Access, Routes};
use crate::ui::area_choices;
use crate::ui::{Chrome, error_page};

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
            day_text(lang, e.starts_on),
            day_text(lang, e.ends_on)
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
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    uri: &Uri,
    typed: ExhibitionInput,
    region: String,
    errors: &FieldErrors,
) -> Response {
    let scope = caller.scope();
    let list = match state.db().exhibitions(&scope).await {
        Ok(l) => l,
        Err(e) => return error_page(lang, uri, e.into()),
    };
    let mut res = ListPage {
        c: Chrome::new(lang, lang.t("exhibition.title").into_owned(), uri).signed_in(caller),
        l: lang,
        exhibitions: list
            .iter()
            .map(|x| line(lang, x, format!("/kurasi/pameran/{}", x.id)))
            .collect(),
        regions: area_choices(state, scope.region_code()),
        errors: worded(lang, errors, "exhibition.field_"),
        typed,
        region,
    }
    .into_response();
    if !errors.is_empty() {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    res
}

async fn list_page(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
) -> Response {
    if let Err(r) = require(&caller, Permission::ManagePartnerships) {
        return *r;
    }
    let typed = ExhibitionInput {
        kind: "offline".into(),
        ..ExhibitionInput::default()
    };
    show_list(
        &state,
        lang,
        &caller,
        &uri,
        typed,
        String::new(),
        &FieldErrors::new(),
    )
    .await
}

async fn create(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    RawForm(form): RawForm,
) -> Response {
    let f = match accept_form(&caller, Permission::ManagePartnerships, &form) {
        Ok(p) => p,
        Err(r) => return *r,
    };
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
    let scope = caller.scope();
    let region = RegionCode::parse(form_value(&f, "region"))
        .ok()
        .filter(|r| scope.contains(r));
    let checked = validate_exhibition(&typed);
    let (Some(region), Ok(x)) = (region.clone(), &checked) else {
        let mut e = checked.err().unwrap_or_default();
        if region.is_none() {
            e.push("region", "choice_invalid");
        }
        return show_list(&state, lang, &caller, &uri, typed, v("region"), &e).await;
    };
    match state
        .db()
        .create_exhibition(&scope, &region, x, &caller.actor)
        .await
    {
        Ok(id) => Redirect::to(&format!("/kurasi/pameran/{id}")).into_response(),
        Err(e) => error_page(lang, &uri, e.into()),
    }
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

#[allow(clippy::too_many_arguments)]
async fn show_exhibition(
    state: &AppState,
    lang: Lang,
    caller: Option<&Caller>,
    uri: &Uri,
    x: ExhibitionRecord,
    search: String,
    errors: &FieldErrors,
    status: StatusCode,
) -> Response {
    let db = state.db();
    let items = match db.exhibit_items(&x.id).await {
        Ok(i) => i,
        Err(e) => return error_page(lang, uri, e.into()),
    };
    let found = match caller {
        Some(c) if !search.trim().is_empty() => db
            .find_published_products(&c.scope(), &search, 20)
            .await
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    let n = |v: Option<i64>| v.map_or(String::new(), |v| v.to_string());
    let chrome = Chrome::new(lang, x.exhibition.title.clone(), uri);
    let mut res = ExhibitionPage {
        c: match caller {
            Some(c) => chrome.signed_in(c),
            None => chrome,
        },
        l: lang,
        id: x.id.clone(),
        slug: x.slug.clone(),
        theme: x.exhibition.theme.clone().unwrap_or_default(),
        description: x.exhibition.description.clone().unwrap_or_default(),
        counts: counts_of(&items),
        items: items
            .iter()
            .map(|i| ItemLine {
                product_id: i.product_id.clone(),
                product: i.product_name.clone(),
                product_href: format!("/p/{}", i.product_slug),
                business: i.umkm_name.clone(),
                note: i.curator_note.clone().unwrap_or_default(),
                shown: n(i.shown),
                sold: n(i.sold),
                value: n(i.sales_value),
            })
            .collect(),
        found,
        search,
        visitors: n(x.visitors),
        public: caller.is_none(),
        errors: worded(lang, errors, "exhibition.field_"),
        x: line(lang, &x, format!("/pameran/{}", x.slug)),
    }
    .into_response();
    *res.status_mut() = status;
    res
}

async fn manage_page(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    if let Err(r) = require(&caller, Permission::ManagePartnerships) {
        return *r;
    }
    let q = query_pairs(query.as_deref());
    match state.db().exhibition(&caller.scope(), &id).await {
        Ok(x) => {
            let search = form_value(&q, "cari").to_string();
            show_exhibition(
                &state,
                lang,
                Some(&caller),
                &uri,
                x,
                search,
                &FieldErrors::new(),
                StatusCode::OK,
            )
            .await
        }
        Err(e) => error_page(lang, &uri, e.into()),
    }
}

async fn refused(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    uri: &Uri,
    id: &str,
    e: FieldErrors,
) -> Response {
    match state.db().exhibition(&caller.scope(), id).await {
        Ok(x) => {
            show_exhibition(
                state,
                lang,
                Some(caller),
                uri,
                x,
                String::new(),
                &e,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => error_page(lang, uri, e.into()),
    }
}

async fn add_product(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    Path(id): Path<String>,
    RawForm(form): RawForm,
) -> Response {
    let f = match accept_form(&caller, Permission::ManagePartnerships, &form) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let scope = caller.scope();
    if let Err(e) = state.db().exhibition(&scope, &id).await {
        return error_page(lang, &uri, e.into());
    }
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
        return refused(&state, lang, &caller, &uri, &id, e).await;
    }
    match state
        .db()
        .curate_into(&scope, &id, product, note.as_deref(), &caller.actor)
        .await
    {
        Ok(()) => Redirect::to(&format!("/kurasi/pameran/{id}#items")).into_response(),
        Err(StorageError::Invalid(e)) => refused(&state, lang, &caller, &uri, &id, e).await,
        Err(e) => error_page(lang, &uri, e.into()),
    }
}

async fn remove_product(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    Path(id): Path<String>,
    RawForm(form): RawForm,
) -> Response {
    let f = match accept_form(&caller, Permission::ManagePartnerships, &form) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    match state
        .db()
        .uncurate(
            &caller.scope(),
            &id,
            form_value(&f, "product"),
            &caller.actor,
        )
        .await
    {
        Ok(()) => Redirect::to(&format!("/kurasi/pameran/{id}#items")).into_response(),
        Err(e) => error_page(lang, &uri, e.into()),
    }
}

async fn record(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    Path(id): Path<String>,
    RawForm(form): RawForm,
) -> Response {
    let f = match accept_form(&caller, Permission::ManagePartnerships, &form) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let scope = caller.scope();
    let items = match state.db().exhibition(&scope, &id).await {
        Ok(x) => state.db().exhibit_items(&x.id).await.unwrap_or_default(),
        Err(e) => return error_page(lang, &uri, e.into()),
    };
    let mut e = FieldErrors::new();
    let count = |field: String, e: &mut FieldErrors| -> Option<i64> {
        let v = form_value(&f, &field).trim().to_string();
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
    };
    let visitors = count("visitors".into(), &mut e);
    let mut results = Vec::new();
    for i in &items {
        let shown = count(format!("shown_{}", i.product_id), &mut e);
        let sold = count(format!("sold_{}", i.product_id), &mut e);
        let value = match form_value(&f, &format!("value_{}", i.product_id)).trim() {
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
    if !e.is_empty() {
        return refused(&state, lang, &caller, &uri, &id, e).await;
    }
    let published = form_value(&f, "published") == "1";
    match state
        .db()
        .record_exhibition(&scope, &id, published, visitors, &results, &caller.actor)
        .await
    {
        Ok(()) => Redirect::to(&format!("/kurasi/pameran/{id}")).into_response(),
        Err(e) => error_page(lang, &uri, e.into()),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "gallery/exhibitions_public.html")]
pub struct PublicListPage {
    pub c: Chrome,
    pub l: Lang,
    pub exhibitions: Vec<ExhibitionLine>,
}

async fn public_list(State(state): State<AppState>, ReqLang(lang): ReqLang, uri: Uri) -> Response {
    match state.db().published_exhibitions().await {
        Ok(list) => PublicListPage {
            c: Chrome::new(lang, lang.t("exhibition.public_title").into_owned(), &uri),
            l: lang,
            exhibitions: list
                .iter()
                .map(|x| line(lang, x, format!("/pameran/{}", x.slug)))
                .collect(),
        }
        .into_response(),
        Err(e) => error_page(lang, &uri, e.into()),
    }
}

async fn public_page(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    uri: Uri,
    Path(slug): Path<String>,
) -> Response {
    match state.db().exhibition_by_slug(&slug).await {
        Ok(x) => {
            show_exhibition(
                &state,
                lang,
                None,
                &uri,
                x,
                String::new(),
                &FieldErrors::new(),
                StatusCode::OK,
            )
            .await
        }
        Err(e) => error_page(lang, &uri, e.into()),
    }
}
