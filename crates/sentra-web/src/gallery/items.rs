//! The UMKM gallery's consignment (`/galeri`, issue 11): receiving items from businesses (each
//! gets a code, a printable label with a QR code that opens the counter page), the counter for
//! a phone (type or scan the code, how many, cash/QRIS/transfer — recorded only), returns to the
//! owner, stock counts whose differences become ledger entries, and the month's statement per
//! business (received, sold, returned, in stock, owed after commission) marked paid. Stock and
//! money are never edited: only ledger entries are written.
//!
//! This file: the stock list, receiving items, stock counts. The counter and an item's page are
//! in `counter`, the month's statements in `statements`.

use askama::Template;
use askama_web::WebTemplate;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use sentra_domain::FieldErrors;
use sentra_domain::account::Permission;
use sentra_domain::gallery::validate_intake;
use sentra_domain::money::format_rupiah;
use sentra_storage::{GalleryItem, StorageError};
use serde::Deserialize;

use crate::error::PageResult;
use crate::extract::{FormPairs, PageCtx, PageQuery};
use crate::forms::form_value;
use crate::lang::Lang;
use crate::procurement::units::{Errors, worded};
use crate::routes::{Access, Routes};
use crate::ui::Chrome;

pub fn routes() -> Routes {
    let run = Access::Role(Permission::RunGallery);
    Routes::new("")
        .get("/galeri", run, stock_page)
        .post("/galeri/titip", run, intake)
        .post("/galeri/stok", run, count_stock)
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

pub(super) fn item_line(lang: Lang, i: &GalleryItem) -> ItemLine {
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

/// The intake form as typed: business, name, quantity, consignment price, gallery price.
type IntakeTyped = (String, String, String, String, String);

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
    pub typed: IntakeTyped,
    pub notice: Option<String>,
}

impl StockPage {
    pub fn invalid(&self, field: &str) -> bool {
        self.errors.iter().any(|e| e.0 == field)
    }
}

/// `/galeri?cari=…&usaha=…&umkm=…&done=…`: items searched, a business searched or chosen to
/// receive from, the notice after a change.
#[derive(Deserialize, Default)]
struct StockQuery {
    #[serde(default, rename = "cari")]
    search: String,
    #[serde(default, rename = "usaha")]
    business: String,
    #[serde(default)]
    umkm: String,
    #[serde(default)]
    done: String,
}

/// The business to receive from, with its products; none when it is not the caller's.
async fn chosen(ctx: &PageCtx, umkm: &str) -> Option<Chosen> {
    if umkm.is_empty() {
        return None;
    }
    let scope = ctx.scope();
    let s = ctx.db().supplier(&scope, umkm).await.ok()?;
    let products = ctx
        .db()
        .products_of(&scope, &s.id)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|p| (p.id, p.data.name))
        .collect();
    Some((s.id, s.name, products))
}

async fn show_stock(
    ctx: &PageCtx,
    q: &StockQuery,
    typed: IntakeTyped,
    errors: &FieldErrors,
    notice: Option<String>,
) -> PageResult {
    let lang = ctx.lang;
    let scope = ctx.scope();
    let db = ctx.db();
    let items = db.gallery_items(&scope, &q.search).await?;
    let found = if q.business.trim().chars().count() >= 2 {
        db.find_suppliers(&scope, &q.business, 20)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|s| (s.id, s.name, ctx.state.region_name(&s.village_code)))
            .collect()
    } else {
        Vec::new()
    };
    let umkm = if q.umkm.is_empty() {
        typed.0.clone()
    } else {
        q.umkm.clone()
    };
    let mut res = StockPage {
        c: ctx.chrome(lang.t("gallery.title")),
        l: lang,
        items: items.iter().map(|i| item_line(lang, i)).collect(),
        search: q.search.clone(),
        found,
        business: q.business.clone(),
        chosen: chosen(ctx, &umkm).await,
        errors: worded(lang, errors, "gallery.field_"),
        typed,
        notice,
    }
    .into_response();
    if !errors.is_empty() {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

async fn stock_page(ctx: PageCtx, PageQuery(q): PageQuery<StockQuery>) -> PageResult {
    let notice = match q.done.as_str() {
        d @ ("intake" | "counted") => Some(ctx.lang.t(&format!("gallery.done_{d}")).into_owned()),
        _ => None,
    };
    show_stock(
        &ctx,
        &q,
        IntakeTyped::default(),
        &FieldErrors::new(),
        notice,
    )
    .await
}

async fn intake(ctx: PageCtx, FormPairs(f): FormPairs) -> PageResult {
    let v = |k: &str| form_value(&f, k).to_string();
    let typed = (
        v("umkm"),
        v("name"),
        v("quantity"),
        v("consignment_price"),
        v("gallery_price"),
    );
    let none = StockQuery::default();
    let checked = validate_intake(&typed.1, &typed.2, &typed.3, &typed.4);
    let mut e = checked.as_ref().err().cloned().unwrap_or_default();
    if typed.0.is_empty() {
        e.push("umkm", "required");
    }
    let (name, quantity, terms) = match checked {
        Ok(v) if e.is_empty() => v,
        _ => return show_stock(&ctx, &none, typed, &e, None).await,
    };
    let product = Some(form_value(&f, "product")).filter(|p| !p.is_empty());
    let today = crate::clock::today();
    let consigned = ctx
        .db()
        .consign(
            &ctx.scope(),
            &typed.0,
            product,
            &name,
            quantity,
            terms,
            today,
            &ctx.caller.actor,
        )
        .await;
    match consigned {
        Ok(item) => {
            Ok(Redirect::to(&format!("/galeri/barang/{}?done=intake", item.id)).into_response())
        }
        Err(StorageError::Invalid(e)) => show_stock(&ctx, &none, typed, &e, None).await,
        Err(StorageError::NotFound) => {
            let mut e = FieldErrors::new();
            e.push("umkm", "choice_invalid");
            show_stock(&ctx, &none, typed, &e, None).await
        }
        Err(e) => Err(e.into()),
    }
}

/// A stock count: each `count_{item}` filled in makes a count entry of the difference.
async fn count_stock(ctx: PageCtx, FormPairs(f): FormPairs) -> PageResult {
    let scope = ctx.scope();
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
        let none = StockQuery::default();
        return show_stock(&ctx, &none, IntakeTyped::default(), &e, None).await;
    }
    let today = crate::clock::today();
    for (item, n) in counts {
        ctx.db()
            .count_stock(&scope, &item, n, today, &ctx.caller.actor)
            .await?;
    }
    Ok(Redirect::to("/galeri?done=counted").into_response())
}
