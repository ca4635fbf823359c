//! The gallery's counter and an item's page: a code typed or scanned shows the item ready to
//! sell; a sale or a return to the owner; the item's ledger; its labels with their QR code.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect};
use sentra_domain::FieldErrors;
use sentra_domain::account::Permission;
use sentra_domain::gallery::{Movement, Payment, parse_quantity};
use sentra_domain::money::{format_rupiah, parse_positive_rupiah};
use sentra_storage::{GalleryItem, LedgerLine, StorageError};
use serde::Deserialize;

use super::items::{ItemLine, item_line};
use crate::catalogue::public::site_base;
use crate::error::{ApiError, PageResult};
use crate::extract::{FormPairs, PageCtx, PageQuery};
use crate::forms::form_value;
use crate::lang::Lang;
use crate::procurement::units::{Errors, worded};
use crate::routes::{Access, Routes};
use crate::ui::Chrome;
use crate::view::day_words;

pub fn routes() -> Routes {
    let run = Access::Role(Permission::RunGallery);
    Routes::new("")
        .get("/galeri/kasir", run, counter_page)
        .get("/galeri/barang/{item}", run, item_page)
        .post("/galeri/barang/{item}/keluar", run, take_out)
        .get("/galeri/barang/{item}/label", run, label_page)
        .get("/galeri/barang/{item}/qr.svg", run, label_qr)
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

fn ledger_view(lang: Lang, x: &LedgerLine) -> LedgerView {
    LedgerView {
        on: day_words(lang, x.on),
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
    }
}

/// The item's page (or the counter's, ready to sell), with a refused form's problems.
async fn show_item(
    ctx: &PageCtx,
    id: &str,
    errors: &FieldErrors,
    notice: Option<String>,
    counter: bool,
) -> PageResult {
    let lang = ctx.lang;
    let scope = ctx.scope();
    let item = ctx.db().gallery_item(&scope, id).await?;
    let ledger = ctx
        .db()
        .gallery_ledger(&scope, &item.id)
        .await
        .unwrap_or_default();
    let mut res = ItemPage {
        c: ctx.chrome(format!("{} · {}", item.code, item.name)),
        l: lang,
        ledger: ledger.iter().map(|x| ledger_view(lang, x)).collect(),
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
    Ok(res)
}

/// `?done=…`, the notice after a change.
#[derive(Deserialize)]
struct DoneQuery {
    #[serde(default)]
    done: String,
}

async fn item_page(
    ctx: PageCtx,
    Path(id): Path<String>,
    PageQuery(q): PageQuery<DoneQuery>,
) -> PageResult {
    let notice = match q.done.as_str() {
        d @ ("intake" | "sale" | "return") => {
            Some(ctx.lang.t(&format!("gallery.done_{d}")).into_owned())
        }
        _ => None,
    };
    show_item(&ctx, &id, &FieldErrors::new(), notice, false).await
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

/// `/galeri/kasir?kode=…&done=sale`.
#[derive(Deserialize)]
struct CounterQuery {
    #[serde(default, rename = "kode")]
    code: String,
    #[serde(default)]
    done: String,
}

/// The counter: a code typed (or opened from a label's QR code) shows the item ready to sell.
async fn counter_page(ctx: PageCtx, PageQuery(q): PageQuery<CounterQuery>) -> PageResult {
    let code = q.code.trim().to_string();
    let notice = (q.done == "sale").then(|| ctx.lang.t("gallery.done_sale").into_owned());
    if !code.is_empty()
        && let Ok(item) = ctx.db().gallery_item(&ctx.scope(), &code).await
    {
        return show_item(&ctx, &item.id, &FieldErrors::new(), notice, true).await;
    }
    Ok(CounterPage {
        c: ctx.chrome(ctx.lang.t("gallery.counter")),
        l: ctx.lang,
        missing: !code.is_empty(),
        code,
        notice,
    }
    .into_response())
}

/// A sale or a return as the form gives it.
struct Out {
    movement: Movement,
    quantity: i64,
    price: i64,
    payment: Option<Payment>,
    note: Option<String>,
}

fn out_of(f: &[(String, String)], item: &GalleryItem) -> Result<Out, FieldErrors> {
    let mut e = FieldErrors::new();
    let movement = match form_value(f, "movement") {
        "sale" => Some(Movement::Sale),
        "return" => Some(Movement::Return),
        _ => {
            e.push("movement", "choice_invalid");
            None
        }
    };
    let quantity = e.check("quantity", parse_quantity(form_value(f, "quantity")));
    let (price, payment) = if movement == Some(Movement::Sale) {
        let price = match form_value(f, "price").trim() {
            "" => Some(item.terms.gallery_price),
            p => e.check("price", parse_positive_rupiah(p)),
        };
        let payment = e.check(
            "payment",
            Payment::parse(form_value(f, "payment"))
                .ok_or(sentra_domain::Invalid("choice_invalid")),
        );
        (price.unwrap_or(0), payment)
    } else {
        (0, None)
    };
    let note = sentra_domain::umkm::clean_text(form_value(f, "note"), 300)
        .ok()
        .flatten();
    match (movement, quantity) {
        (Some(movement), Some(quantity)) if e.is_empty() => Ok(Out {
            movement,
            quantity,
            price,
            payment,
            note,
        }),
        _ => Err(e),
    }
}

async fn take_out(ctx: PageCtx, Path(id): Path<String>, FormPairs(f): FormPairs) -> PageResult {
    let scope = ctx.scope();
    let item = ctx.db().gallery_item(&scope, &id).await?;
    // Back to the counter when the sale was made there.
    let counter = form_value(&f, "kembali") == "kasir";
    let out = match out_of(&f, &item) {
        Ok(o) => o,
        Err(e) => return show_item(&ctx, &id, &e, None, counter).await,
    };
    let today = crate::clock::today();
    let taken = ctx
        .db()
        .take_out(
            &scope,
            &item.id,
            out.movement,
            out.quantity,
            out.price,
            out.payment,
            today,
            out.note.as_deref(),
            &ctx.caller.actor,
        )
        .await;
    match taken {
        Ok(()) if counter => Ok(Redirect::to("/galeri/kasir?done=sale").into_response()),
        Ok(()) => Ok(Redirect::to(&format!(
            "/galeri/barang/{}?done={}",
            item.id,
            out.movement.as_str()
        ))
        .into_response()),
        Err(StorageError::Invalid(e)) => show_item(&ctx, &id, &e, None, counter).await,
        Err(e) => Err(e.into()),
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

/// `?n=…`, how many labels (as many as in stock when not given).
#[derive(Deserialize)]
struct LabelQuery {
    #[serde(default, deserialize_with = "crate::extract::blank_as_none")]
    n: Option<usize>,
}

/// Labels to print and stick on the items: name, business, price, code and its QR code.
async fn label_page(
    ctx: PageCtx,
    Path(id): Path<String>,
    PageQuery(q): PageQuery<LabelQuery>,
) -> PageResult {
    let item = ctx.db().gallery_item(&ctx.scope(), &id).await?;
    let n = q.n.unwrap_or(item.stock.max(1) as usize).clamp(1, 60);
    Ok(LabelPage {
        c: ctx.chrome(ctx.lang.t("gallery.labels")),
        l: ctx.lang,
        item: item_line(ctx.lang, &item),
        copies: (0..n).collect(),
    }
    .into_response())
}

/// The label's QR code: the counter page with the item's code, so a phone's camera opens it.
async fn label_qr(ctx: PageCtx, headers: HeaderMap, Path(id): Path<String>) -> PageResult {
    let item = ctx.db().gallery_item(&ctx.scope(), &id).await?;
    let url = format!(
        "{}/galeri/kasir?kode={}",
        site_base(&ctx.state, &headers),
        item.code
    );
    let code = qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(120, 120)
        .quiet_zone(true)
        .build();
    Ok(([(axum::http::header::CONTENT_TYPE, "image/svg+xml")], svg).into_response())
}
