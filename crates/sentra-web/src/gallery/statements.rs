//! The gallery's month statements per business (received, sold, returned, in stock, owed after
//! commission), each marked paid when paid out.

use askama::Template;
use askama_web::WebTemplate;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use chrono::Datelike;
use sentra_domain::FieldErrors;
use sentra_domain::account::Permission;
use sentra_domain::gallery::Statement;
use sentra_domain::money::format_rupiah;
use sentra_storage::StorageError;
use serde::Deserialize;

use crate::error::PageResult;
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
        .get("/galeri/laporan", run, statements_page)
        .post("/galeri/laporan/bayar", run, pay_out)
        .post("/galeri/laporan/kirim", run, send_out)
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

/// `YYYY-MM`, this month when it is not one.
fn month_of(text: &str) -> (i32, u32) {
    let today = crate::clock::today();
    text.split_once('-')
        .and_then(|(y, m)| Some((y.parse::<i32>().ok()?, m.parse::<u32>().ok()?)))
        .filter(|(y, m)| (2000..=2100).contains(y) && (1..=12).contains(m))
        .unwrap_or((today.year(), today.month()))
}

fn statement_line(id: String, name: String, s: &Statement, paid: Option<String>) -> StatementLine {
    StatementLine {
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
    }
}

async fn show_statements(
    ctx: &PageCtx,
    (year, month): (i32, u32),
    errors: &FieldErrors,
) -> PageResult {
    let lang = ctx.lang;
    let list = ctx
        .db()
        .gallery_statements(&ctx.scope(), year, month)
        .await?;
    let mut total = Statement::default();
    let lines = list
        .iter()
        .map(|b| {
            total.add(&b.statement);
            statement_line(
                b.umkm_id.clone(),
                b.umkm_name.clone(),
                &b.statement,
                b.paid
                    .map(|(a, d)| format!("{} · {}", format_rupiah(a), day_words(lang, d))),
            )
        })
        .collect();
    let mut res = StatementsPage {
        c: ctx.chrome(lang.t("gallery.statements")),
        l: lang,
        month: format!("{year:04}-{month:02}"),
        month_label: format!("{} {year}", lang.t(&format!("month.m{month}"))),
        total: statement_line(
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
    Ok(res)
}

/// `/galeri/laporan?bulan=YYYY-MM`.
#[derive(Deserialize)]
struct MonthQuery {
    #[serde(default, rename = "bulan")]
    month: String,
}

async fn statements_page(ctx: PageCtx, PageQuery(q): PageQuery<MonthQuery>) -> PageResult {
    show_statements(&ctx, month_of(&q.month), &FieldErrors::new()).await
}

async fn pay_out(ctx: PageCtx, FormPairs(f): FormPairs) -> PageResult {
    let (year, month) = month_of(form_value(&f, "bulan"));
    let umkm = form_value(&f, "umkm");
    if umkm.is_empty() {
        let mut e = FieldErrors::new();
        e.push("umkm", "required");
        return show_statements(&ctx, (year, month), &e).await;
    }
    let today = crate::clock::today();
    let paid = ctx
        .db()
        .pay_out(&ctx.scope(), umkm, year, month, today, &ctx.caller.actor)
        .await;
    match paid {
        Ok(_) => Ok(
            Redirect::to(&format!("/galeri/laporan?bulan={year:04}-{month:02}")).into_response(),
        ),
        Err(StorageError::Invalid(e)) => show_statements(&ctx, (year, month), &e).await,
        Err(e) => Err(e.into()),
    }
}

/// The month's statements sent to the consignors who agreed to be contacted; the outbox then
/// says how many went and how many no channel reaches.
async fn send_out(ctx: PageCtx, FormPairs(f): FormPairs) -> PageResult {
    let month = month_of(form_value(&f, "bulan"));
    let done = crate::messaging::outcomes::send_statements(
        &ctx.state,
        &ctx.scope(),
        month,
        &ctx.caller.actor,
    )
    .await?;
    Ok(Redirect::to(&done.outbox_link()).into_response())
}
