//! The UMKM gallery's consignment (`/galeri`, issue 11): receiving items from businesses (each
//! gets a code, a printable label with a QR code that opens the counter page), the counter for
//! a phone (type or scan the code, how many, cash/QRIS/transfer — recorded only), returns to the
//! owner, stock counts whose differences become ledger entries, and the month's statement per
//! business (received, sold, returned, in stock, owed after commission) marked paid. Stock and
//! money are never edited: only ledger entries are written.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, RawForm, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Datelike;
use sentra_domain::FieldErrors;
use sentra_domain::account::Permission;
use sentra_domain::gallery::{Movement, Payment, parse_quantity, validate_intake};
use sentra_domain::money::{format_rupiah, parse_positive_rupiah};
use sentra_storage::{GalleryItem, StorageError};

use crate::AppState;
use crate::auth::{Caller, accept_form, require};
use crate::catalogue::public::site_base;
use crate::error::ApiError;
use crate::forms::form_value;
use crate::forms::query_pairs;
use crate::lang::{Lang, ReqLang};
use crate::procurement::share::day_text;
use crate::procurement::units::{Errors, worded};
use crate::routes::{Access, Routes};
use crate::ui::{Chrome, error_page};

pub fn routes() -> Routes {
    let run = Access::Role(Permission::RunGallery);
    Routes::new("")
        .get("/galeri", run, stock_page)
        .post("/galeri/titip", run, intake)
        .get("/galeri/kasir", run, counter_page)
        .get("/galeri/barang/{item}", run, item_page)
        .post("/galeri/barang/{item}/keluar", run, take_out)
        .get("/galeri/barang/{item}/label", run, label_page)
        .get("/galeri/barang/{item}/qr.svg", run, label_qr)
        .post("/galeri/stok", run, count_stock)
        .get("/galeri/laporan", run, statements_page)
        .post("/galeri/laporan/bayar", run, pay_out)
}

pub struct ItemLine {
    pub id: String,
    pub code: String,
    pub name: String,
    pub business: String,
    pub consignment: String,
    pub price: String,
    pub commission: String,
    pub stock: i64,
}

fn item_line(lang: Lang, i: &GalleryItem) -> ItemLine {
    let (c, bp) = i.terms.commission();
    ItemLine {
        id: i.id.clone(),
        code: i.code.clone(),
        name: i.name.clone(),
        business: i.umkm_name.clone(),
        consignment: format_rupiah(i.terms.consignment_price),
        price: format_rupiah(i.terms.gallery_price),
        commission: format!("{} ({})", format_rupiah(c), lang.percent(bp as f64 / 100.0)),
        stock: i.stock,
    }
}

/// The business chosen to receive from: its id, name and products (id, name).
pub type Chosen = (String, String, Vec<(String, String)>);

#[derive(Template, WebTemplate)]
#[template(path = "gallery/gallery.html")]
pub struct StockPage {
    pub c: Chrome,
    pub l: Lang,
    pub items: Vec<ItemLine>,
    pub search: String,
    /// Businesses found to receive from: (id, name, place).
    pub found: Vec<(String, String, String)>,
    pub business: String,
    pub chosen: Option<Chosen>,
    pub errors: Errors,
    pub typed: (String, String, String, String, String),
    pub notice: Option<String>,
}

impl StockPage {
    pub fn invalid(&self, field: &str) -> bool {
        self.errors.iter().any(|e| e.0 == field)
    }
}

#[allow(clippy::too_many_arguments)]
async fn show_stock(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    uri: &Uri,
    q: &[(String, String)],
    typed: (String, String, String, String, String),
    errors: &FieldErrors,
    notice: Option<String>,
) -> Response {
    let scope = caller.scope();
    let db = state.db();
    let search = form_value(q, "cari").to_string();
    let items = match db.gallery_items(&scope, &search).await {
        Ok(i) => i,
        Err(e) => return error_page(lang, uri, e.into()),
    };
    let business = form_value(q, "usaha").to_string();
    let found = if business.trim().chars().count() >= 2 {
        db.find_suppliers(&scope, &business, 20)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|s| (s.id, s.name, state.region_name(&s.village_code)))
            .collect()
    } else {
        Vec::new()
    };
    let umkm = match form_value(q, "umkm") {
        "" => typed.0.clone(),
        id => id.to_string(),
    };
    let chosen = if umkm.is_empty() {
        None
    } else {
        match db.supplier(&scope, &umkm).await {
            Ok(s) => {
                let products = db
                    .products_of(&scope, &s.id)
                    .await
                    .unwrap_or_default()
                    .into_iter()
                    .map(|p| (p.id, p.data.name))
                    .collect();
                Some((s.id, s.name, products))
            }
            Err(_) => None,
        }
    };
    let mut res = StockPage {
        c: Chrome::new(lang, lang.t("gallery.title").into_owned(), uri).signed_in(caller),
        l: lang,
        items: items.iter().map(|i| item_line(lang, i)).collect(),
        search,
        found,
        business,
        chosen,
        errors: worded(lang, errors, "gallery.field_"),
        typed,
        notice,
    }
    .into_response();
    if !errors.is_empty() {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    res
}

fn empty5() -> (String, String, String, String, String) {
    Default::default()
}

async fn stock_page(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    RawQuery(query): RawQuery,
) -> Response {
    if let Err(r) = require(&caller, Permission::RunGallery) {
        return *r;
    }
    let q = query_pairs(query.as_deref());
    let notice = match form_value(&q, "done") {
        d @ ("intake" | "counted") => Some(lang.t(&format!("gallery.done_{d}")).into_owned()),
        _ => None,
    };
    show_stock(
        &state,
        lang,
        &caller,
        &uri,
        &q,
        empty5(),
        &FieldErrors::new(),
        notice,
    )
    .await
}

async fn intake(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    RawForm(form): RawForm,
) -> Response {
    let f = match accept_form(&caller, Permission::RunGallery, &form) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let v = |k: &str| form_value(&f, k).to_string();
    let typed = (
        v("umkm"),
        v("name"),
        v("quantity"),
        v("consignment_price"),
        v("gallery_price"),
    );
    let checked = validate_intake(&typed.1, &typed.2, &typed.3, &typed.4);
    let mut e = checked.as_ref().err().cloned().unwrap_or_default();
    if typed.0.is_empty() {
        e.push("umkm", "required");
    }
    let (name, quantity, terms) = match checked {
        Ok(v) if e.is_empty() => v,
        _ => return show_stock(&state, lang, &caller, &uri, &[], typed, &e, None).await,
    };
    let product = Some(form_value(&f, "product")).filter(|p| !p.is_empty());
    let today = chrono::Utc::now().date_naive();
    match state
        .db()
        .consign(
            &caller.scope(),
            &typed.0,
            product,
            &name,
            quantity,
            terms,
            today,
            &caller.actor,
        )
        .await
    {
        Ok(item) => {
            Redirect::to(&format!("/galeri/barang/{}?done=intake", item.id)).into_response()
        }
        Err(StorageError::Invalid(e)) => {
            show_stock(&state, lang, &caller, &uri, &[], typed, &e, None).await
        }
        Err(StorageError::NotFound) => {
            let mut e = FieldErrors::new();
            e.push("umkm", "choice_invalid");
            show_stock(&state, lang, &caller, &uri, &[], typed, &e, None).await
        }
        Err(e) => error_page(lang, &uri, e.into()),
    }
}

pub struct LedgerView {
    pub on: String,
    pub movement: String,
    pub quantity: i64,
    pub price: String,
    pub payment: String,
    pub by: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "gallery/gallery_item.html")]
pub struct ItemPage {
    pub c: Chrome,
    pub l: Lang,
    pub item: ItemLine,
    pub ledger: Vec<LedgerView>,
    pub payments: Vec<(String, String)>,
    pub errors: Errors,
    pub notice: Option<String>,
    /// Shown as the counter page (a sale first, big buttons) rather than the item's page.
    pub counter: bool,
}

impl ItemPage {
    pub fn invalid(&self, field: &str) -> bool {
        self.errors.iter().any(|e| e.0 == field)
    }
}

fn movement_label(lang: Lang, m: Movement) -> String {
    lang.t(&format!("gallery.movement_{}", m.as_str()))
        .into_owned()
}

fn payment_choices(lang: Lang) -> Vec<(String, String)> {
    Payment::ALL
        .iter()
        .map(|p| {
            (
                p.as_str().to_string(),
                lang.t(&format!("gallery.payment_{}", p.as_str()))
                    .into_owned(),
            )
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
async fn show_item(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    uri: &Uri,
    id: &str,
    errors: &FieldErrors,
    notice: Option<String>,
    counter: bool,
) -> Response {
    let scope = caller.scope();
    let db = state.db();
    let item = match db.gallery_item(&scope, id).await {
        Ok(i) => i,
        Err(e) => return error_page(lang, uri, e.into()),
    };
    let ledger = db
        .gallery_ledger(&scope, &item.id)
        .await
        .unwrap_or_default();
    let mut res = ItemPage {
        c: Chrome::new(lang, format!("{} · {}", item.code, item.name), uri).signed_in(caller),
        l: lang,
        ledger: ledger
            .iter()
            .map(|x| LedgerView {
                on: day_text(lang, x.on),
                movement: movement_label(lang, x.movement),
                quantity: x.quantity,
                price: if x.unit_price > 0 {
                    format_rupiah(x.unit_price)
                } else {
                    "–".into()
                },
                payment: x.payment.map_or("–".into(), |p| {
                    lang.t(&format!("gallery.payment_{}", p.as_str()))
                        .into_owned()
                }),
                by: x.recorded_by.clone(),
            })
            .collect(),
        item: item_line(lang, &item),
        payments: payment_choices(lang),
        errors: worded(lang, errors, "gallery.field_"),
        notice,
        counter,
    }
    .into_response();
    if !errors.is_empty() {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    res
}

async fn item_page(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    if let Err(r) = require(&caller, Permission::RunGallery) {
        return *r;
    }
    let q = query_pairs(query.as_deref());
    let notice = match form_value(&q, "done") {
        d @ ("intake" | "sale" | "return") => {
            Some(lang.t(&format!("gallery.done_{d}")).into_owned())
        }
        _ => None,
    };
    show_item(
        &state,
        lang,
        &caller,
        &uri,
        &id,
        &FieldErrors::new(),
        notice,
        false,
    )
    .await
}

#[derive(Template, WebTemplate)]
#[template(path = "gallery/gallery_counter.html")]
pub struct CounterPage {
    pub c: Chrome,
    pub l: Lang,
    pub code: String,
    pub missing: bool,
    pub notice: Option<String>,
}

/// The counter: a code typed (or opened from a label's QR code) shows the item ready to sell.
async fn counter_page(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    RawQuery(query): RawQuery,
) -> Response {
    if let Err(r) = require(&caller, Permission::RunGallery) {
        return *r;
    }
    let q = query_pairs(query.as_deref());
    let code = form_value(&q, "kode").trim().to_string();
    let notice =
        (form_value(&q, "done") == "sale").then(|| lang.t("gallery.done_sale").into_owned());
    if !code.is_empty()
        && let Ok(item) = state.db().gallery_item(&caller.scope(), &code).await
    {
        return show_item(
            &state,
            lang,
            &caller,
            &uri,
            &item.id,
            &FieldErrors::new(),
            notice,
            true,
        )
        .await;
    }
    CounterPage {
        c: Chrome::new(lang, lang.t("gallery.counter").into_owned(), &uri).signed_in(&caller),
        l: lang,
        missing: !code.is_empty(),
        code,
        notice,
    }
    .into_response()
}

async fn take_out(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    Path(id): Path<String>,
    RawForm(form): RawForm,
) -> Response {
    let f = match accept_form(&caller, Permission::RunGallery, &form) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let scope = caller.scope();
    let item = match state.db().gallery_item(&scope, &id).await {
        Ok(i) => i,
        Err(e) => return error_page(lang, &uri, e.into()),
    };
    let counter = form_value(&f, "kembali") == "kasir";
    let mut e = FieldErrors::new();
    let movement = match form_value(&f, "movement") {
        "sale" => Some(Movement::Sale),
        "return" => Some(Movement::Return),
        _ => {
            e.push("movement", "choice_invalid");
            None
        }
    };
    let quantity = e.check("quantity", parse_quantity(form_value(&f, "quantity")));
    let (price, payment) = if movement == Some(Movement::Sale) {
        let price = match form_value(&f, "price").trim() {
            "" => Some(item.terms.gallery_price),
            p => e.check("price", parse_positive_rupiah(p)),
        };
        let payment = e.check(
            "payment",
            Payment::parse(form_value(&f, "payment"))
                .ok_or(sentra_domain::Invalid("choice_invalid")),
        );
        (price.unwrap_or(0), payment)
    } else {
        (0, None)
    };
    let note = sentra_domain::umkm::clean_text(form_value(&f, "note"), 300)
        .ok()
        .flatten();
    let (Some(movement), Some(quantity)) = (movement, quantity) else {
        return show_item(&state, lang, &caller, &uri, &id, &e, None, counter).await;
    };
    if !e.is_empty() {
        return show_item(&state, lang, &caller, &uri, &id, &e, None, counter).await;
    }
    let today = chrono::Utc::now().date_naive();
    match state
        .db()
        .take_out(
            &scope,
            &item.id,
            movement,
            quantity,
            price,
            payment,
            today,
            note.as_deref(),
            &caller.actor,
        )
        .await
    {
        Ok(()) if counter => Redirect::to("/galeri/kasir?done=sale").into_response(),
        Ok(()) => Redirect::to(&format!(
            "/galeri/barang/{}?done={}",
            item.id,
            movement.as_str()
        ))
        .into_response(),
        Err(StorageError::Invalid(e)) => {
            show_item(&state, lang, &caller, &uri, &id, &e, None, counter).await
        }
        Err(e) => error_page(lang, &uri, e.into()),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "gallery/gallery_label.html")]
pub struct LabelPage {
    pub c: Chrome,
    pub l: Lang,
    pub item: ItemLine,
    pub copies: Vec<usize>,
}

/// Labels to print and stick on the items: name, business, price, code and its QR code.
async fn label_page(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    if let Err(r) = require(&caller, Permission::RunGallery) {
        return *r;
    }
    let item = match state.db().gallery_item(&caller.scope(), &id).await {
        Ok(i) => i,
        Err(e) => return error_page(lang, &uri, e.into()),
    };
    let q = query_pairs(query.as_deref());
    let n = form_value(&q, "n")
        .parse::<usize>()
        .unwrap_or(item.stock.max(1) as usize)
        .clamp(1, 60);
    LabelPage {
        c: Chrome::new(lang, lang.t("gallery.labels").into_owned(), &uri).signed_in(&caller),
        l: lang,
        item: item_line(lang, &item),
        copies: (0..n).collect(),
    }
    .into_response()
}

/// The label's QR code: the counter page with the item's code, so a phone's camera opens it.
async fn label_qr(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = require(&caller, Permission::RunGallery) {
        return *r;
    }
    let item = match state.db().gallery_item(&caller.scope(), &id).await {
        Ok(i) => i,
        Err(e) => return error_page(lang, &uri, e.into()),
    };
    let url = format!(
        "{}/galeri/kasir?kode={}",
        site_base(&state, &headers),
        item.code
    );
    let code = match qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M)
    {
        Ok(c) => c,
        Err(e) => return error_page(lang, &uri, ApiError::Internal(e.to_string())),
    };
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(120, 120)
        .quiet_zone(true)
        .build();
    ([(axum::http::header::CONTENT_TYPE, "image/svg+xml")], svg).into_response()
}

/// A stock count: each `count_{item}` filled in makes a count entry of the difference.
async fn count_stock(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    RawForm(form): RawForm,
) -> Response {
    let f = match accept_form(&caller, Permission::RunGallery, &form) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let scope = caller.scope();
    let mut e = FieldErrors::new();
    let mut counts = Vec::new();
    for (k, v) in &f {
        let Some(item) = k.strip_prefix("count_") else {
            continue;
        };
        if v.trim().is_empty() {
            continue;
        }
        match v.trim().parse::<i64>() {
            Ok(n) if n >= 0 => counts.push((item.to_string(), n)),
            _ => e.push(k.clone(), "number_invalid"),
        }
    }
    if !e.is_empty() {
        return show_stock(&state, lang, &caller, &uri, &[], empty5(), &e, None).await;
    }
    let today = chrono::Utc::now().date_naive();
    for (item, n) in counts {
        if let Err(err) = state
            .db()
            .count_stock(&scope, &item, n, today, &caller.actor)
            .await
        {
            return error_page(lang, &uri, err.into());
        }
    }
    Redirect::to("/galeri?done=counted").into_response()
}

pub struct StatementLine {
    pub umkm_id: String,
    pub business: String,
    pub opening: i64,
    pub received: i64,
    pub sold: i64,
    pub returned: i64,
    pub counted: i64,
    pub closing: i64,
    pub sales: String,
    pub commission: String,
    pub owed: String,
    pub owed_amount: i64,
    pub paid: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "gallery/gallery_statements.html")]
pub struct StatementsPage {
    pub c: Chrome,
    pub l: Lang,
    pub month: String,
    pub month_label: String,
    pub lines: Vec<StatementLine>,
    pub total: StatementLine,
    pub errors: Errors,
}

fn month_of(q: &[(String, String)]) -> (i32, u32) {
    let today = chrono::Utc::now().date_naive();
    form_value(q, "bulan")
        .split_once('-')
        .and_then(|(y, m)| Some((y.parse::<i32>().ok()?, m.parse::<u32>().ok()?)))
        .filter(|(y, m)| (2000..=2100).contains(y) && (1..=12).contains(m))
        .unwrap_or((today.year(), today.month()))
}

async fn show_statements(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    uri: &Uri,
    (year, month): (i32, u32),
    errors: &FieldErrors,
) -> Response {
    let list = match state
        .db()
        .gallery_statements(&caller.scope(), year, month)
        .await
    {
        Ok(l) => l,
        Err(e) => return error_page(lang, uri, e.into()),
    };
    let mut total = sentra_domain::gallery::Statement::default();
    let line = |id: String,
                name: String,
                s: &sentra_domain::gallery::Statement,
                paid: Option<String>| StatementLine {
        umkm_id: id,
        business: name,
        opening: s.opening,
        received: s.received,
        sold: s.sold,
        returned: s.returned,
        counted: s.counted,
        closing: s.closing,
        sales: format_rupiah(s.sales_value),
        commission: format_rupiah(s.commission),
        owed: format_rupiah(s.owed),
        owed_amount: s.owed,
        paid,
    };
    let lines = list
        .iter()
        .map(|b| {
            total.add(&b.statement);
            line(
                b.umkm_id.clone(),
                b.umkm_name.clone(),
                &b.statement,
                b.paid
                    .map(|(a, d)| format!("{} · {}", format_rupiah(a), day_text(lang, d))),
            )
        })
        .collect();
    let mut res = StatementsPage {
        c: Chrome::new(lang, lang.t("gallery.statements").into_owned(), uri).signed_in(caller),
        l: lang,
        month: format!("{year:04}-{month:02}"),
        month_label: format!("{} {year}", lang.t(&format!("month.m{month}"))),
        total: line(
            String::new(),
            lang.t("report.total").into_owned(),
            &total,
            None,
        ),
        lines,
        errors: worded(lang, errors, "gallery.field_"),
    }
    .into_response();
    if !errors.is_empty() {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    res
}

async fn statements_page(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    RawQuery(query): RawQuery,
) -> Response {
    if let Err(r) = require(&caller, Permission::RunGallery) {
        return *r;
    }
    let q = query_pairs(query.as_deref());
    show_statements(
        &state,
        lang,
        &caller,
        &uri,
        month_of(&q),
        &FieldErrors::new(),
    )
    .await
}

async fn pay_out(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    RawForm(form): RawForm,
) -> Response {
    let f = match accept_form(&caller, Permission::RunGallery, &form) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let (year, month) = month_of(&f);
    if form_value(&f, "umkm").is_empty() {
        let mut e = FieldErrors::new();
        e.push("umkm", "required");
        return show_statements(&state, lang, &caller, &uri, (year, month), &e).await;
    }
    let today = chrono::Utc::now().date_naive();
    match state
        .db()
        .pay_out(
            &caller.scope(),
            form_value(&f, "umkm"),
            year,
            month,
            today,
            &caller.actor,
        )
        .await
    {
        Ok(_) => {
            Redirect::to(&format!("/galeri/laporan?bulan={year:04}-{month:02}")).into_response()
        }
        Err(StorageError::Invalid(e)) => {
            show_statements(&state, lang, &caller, &uri, (year, month), &e).await
        }
        Err(e) => error_page(lang, &uri, e.into()),
    }
}
