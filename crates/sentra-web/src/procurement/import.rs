//! Procurement spreadsheets in the browser (`/pengadaan/impor`, issue 9): upload a file of
//! budgets or purchases, read the check (counts, every problem by row and column, units that
//! would go over their budget), then save all valid rows or nothing. The file waits on the
//! server between the check and the save, so that any server of the deployment can save it.
//! Templates with the columns the reader knows are on the page.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{DefaultBodyLimit, Path, Request};
use axum::handler::Handler;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use sentra_domain::account::Permission;
use sentra_domain::money::format_rupiah;
use sentra_domain::procurement_sheet::{Column as SheetColumn, SheetKind};
use sentra_domain::region::RegionCode;
use sentra_import::procurement::{Mode, ProcurementReport, error_message, read, run};
use sentra_sheets::{Cell, Kind};
use serde::Deserialize;

use crate::auth::check_csrf;
use crate::error::{ApiError, PageResult};
use crate::extract::{PageCtx, PageForm, PageQuery};
use crate::lang::Lang;
use crate::registry::export::xlsx_response;
use crate::registry::import::read_upload;
use crate::routes::{Access, Routes};
use crate::ui::Chrome;

/// Budgets and purchases of a region fit in far less than the registry's limit.
const UPLOAD_LIMIT: usize = 16 * 1024 * 1024;
/// Problems listed on the page.
const SHOWN_PROBLEMS: usize = 300;

pub fn routes() -> Routes {
    let record = Access::Role(Permission::RecordProcurement);
    Routes::new("")
        .get("/pengadaan/impor", record, start_page)
        .post(
            "/pengadaan/impor",
            record,
            upload.layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .get("/pengadaan/impor/templat.xlsx", record, template)
        .post("/pengadaan/impor/{upload}", record, save)
}

pub struct Checked {
    pub upload: String,
    pub file_name: String,
    pub kind: String,
    pub rows: usize,
    pub new: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub invalid: usize,
    pub units_created: usize,
    pub problems: Vec<String>,
    pub more_problems: usize,
    pub over_budget: Vec<String>,
    pub saved: bool,
    pub refused: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "procurement/procurement_import.html")]
pub struct ImportPage {
    pub c: Chrome,
    pub l: Lang,
    pub error: Option<String>,
    pub checked: Option<Checked>,
}

fn page(
    ctx: &PageCtx,
    error: Option<String>,
    checked: Option<Checked>,
    status: StatusCode,
) -> Response {
    let lang = ctx.lang;
    let mut res = ImportPage {
        c: ctx.chrome(lang.t("procurement.import_title")),
        l: lang,
        error,
        checked,
    }
    .into_response();
    *res.status_mut() = status;
    res
}

/// The page with a problem instead of a check (422 unless said otherwise).
fn refused(ctx: &PageCtx, message: String) -> Response {
    page(ctx, Some(message), None, StatusCode::UNPROCESSABLE_ENTITY)
}

async fn start_page(ctx: PageCtx) -> Response {
    page(&ctx, None, None, StatusCode::OK)
}

fn checked_view(
    lang: Lang,
    upload: &str,
    file_name: &str,
    report: &ProcurementReport,
    saved: bool,
    refused: bool,
) -> Checked {
    let lines = report.lines(lang);
    let o = &report.outcome;
    Checked {
        upload: upload.to_string(),
        file_name: file_name.to_string(),
        kind: lang
            .t(&format!("procurement.kind_{}", report.kind.as_str()))
            .into_owned(),
        rows: report.rows,
        new: o.new,
        updated: o.updated,
        unchanged: o.unchanged,
        invalid: report.invalid,
        units_created: o.units_created,
        more_problems: lines.len().saturating_sub(SHOWN_PROBLEMS),
        problems: lines.into_iter().take(SHOWN_PROBLEMS).collect(),
        over_budget: o
            .over_budget
            .iter()
            .map(|w| {
                lang.tf(
                    "procurement.over_budget_unit",
                    &[
                        ("unit", &w.unit_code),
                        ("year", &w.year.to_string()),
                        ("spent", &format_rupiah(w.spent)),
                        ("budget", &format_rupiah(w.budget)),
                    ],
                )
            })
            .collect(),
        saved,
        refused,
    }
}

/// Reads and checks (or saves) an upload of `region`.
async fn check_or_save(
    ctx: &PageCtx,
    region: &RegionCode,
    file_name: &str,
    bytes: Vec<u8>,
    mode: Mode,
) -> Result<ProcurementReport, String> {
    let lang = ctx.lang;
    let name = file_name.to_string();
    let read = tokio::task::spawn_blocking(move || read(&name, bytes))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("{file_name}: {}", error_message(&e, lang)))?;
    run(
        ctx.db(),
        &ctx.scope(),
        region,
        &read,
        mode,
        lang,
        &ctx.caller.actor,
    )
    .await
    .map_err(|e| {
        tracing::error!(error = %e, "procurement import");
        lang.error("internal").into_owned()
    })
}

/// Keeps the uploaded file and shows its check. The guard checked the role before the body
/// is read.
async fn upload(ctx: PageCtx, request: Request) -> PageResult {
    let lang = ctx.lang;
    let (pairs, file) = match read_upload(request, &ctx.state).await {
        Ok(u) => u,
        Err(code) => return Ok(refused(&ctx, lang.error(code).into_owned())),
    };
    check_csrf(&ctx.caller, &pairs)?;
    let Some((file_name, bytes)) = file else {
        return Ok(refused(
            &ctx,
            lang.error("import_file_missing").into_owned(),
        ));
    };
    let region = ctx.scope().region_code().clone();
    let upload = ctx
        .db()
        .save_procurement_upload(&ctx.caller.user.login, &region, &file_name, &bytes)
        .await?;
    Ok(
        match check_or_save(&ctx, &region, &file_name, bytes, Mode::Check).await {
            Ok(report) => {
                let view = checked_view(lang, &upload, &file_name, &report, false, false);
                page(&ctx, None, Some(view), StatusCode::OK)
            }
            Err(msg) => refused(&ctx, msg),
        },
    )
}

#[derive(Deserialize)]
struct SaveForm {
    /// `all_or_nothing`, or saving the valid rows.
    #[serde(default)]
    mode: String,
}

async fn save(ctx: PageCtx, Path(id): Path<String>, PageForm(f): PageForm<SaveForm>) -> PageResult {
    let lang = ctx.lang;
    // Only the uploader's own file, and only once.
    let up = ctx
        .db()
        .procurement_upload(&ctx.caller.user.login, &id)
        .await?;
    if up.saved {
        let msg = lang.error("import_already_saved").into_owned();
        return Ok(page(&ctx, Some(msg), None, StatusCode::CONFLICT));
    }
    let region = RegionCode::parse(&up.region_code)
        .ok()
        .filter(|r| ctx.scope().contains(r))
        .ok_or(ApiError::NotFound)?;
    let all_or_nothing = f.mode == "all_or_nothing";
    let mode = if all_or_nothing {
        Mode::AllOrNothing
    } else {
        Mode::SaveValid
    };
    let report = match check_or_save(&ctx, &region, &up.file_name, up.data, mode).await {
        Ok(report) => report,
        Err(msg) => return Ok(refused(&ctx, msg)),
    };
    let saved = report.outcome.written;
    if saved {
        ctx.db().mark_procurement_upload_saved(&id).await?;
    }
    let refused = !saved && all_or_nothing && report.invalid > 0;
    let view = checked_view(lang, &id, &up.file_name, &report, saved, refused);
    let status = if refused {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(page(&ctx, None, Some(view), status))
}

/// `?jenis=anggaran` (budgets) or `jenis=pembelian` (purchases, the default).
#[derive(Deserialize)]
struct TemplateQuery {
    #[serde(default, rename = "jenis")]
    kind: String,
}

/// The template of a kind (`jenis=anggaran` or `jenis=pembelian`): its headers and one
/// example row.
async fn template(ctx: PageCtx, PageQuery(q): PageQuery<TemplateQuery>) -> PageResult {
    let lang = ctx.lang;
    let date = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).map_or(Cell::Empty, Cell::Date);
    let text = |t: &str| Cell::Text(t.into());
    // The example row as a typed-in one would be: amounts and dates as numbers and dates, so
    // that what an office types under it is summed and sorted too.
    let (kind, example): (SheetKind, Vec<Cell>) = match q.kind.as_str() {
        "anggaran" => (
            SheetKind::Budgets,
            vec![
                text("1.02.01"),
                text("Dinas Kesehatan"),
                Cell::Integer(2026),
                Cell::Rupiah(36_000_000_000),
            ],
        ),
        _ => (
            SheetKind::Purchases,
            vec![
                text("1.02.01"),
                text("2026-02-014"),
                Cell::Rupiah(12_500_000),
                date(2026, 3, 2),
                date(2026, 3, 16),
                text("E-Purchasing"),
                text("Usaha Mikro"),
                text("9120301234567"),
                text("Keripik Tempe Bu Sri"),
                date(2026, 3, 14),
                date(2026, 3, 16),
                date(2026, 3, 30),
            ],
        ),
    };
    let columns: Vec<sentra_sheets::Column> = kind
        .columns()
        .iter()
        .map(|c| {
            let cell_kind = match c {
                SheetColumn::Year => Kind::Integer,
                SheetColumn::Budget | SheetColumn::Value => Kind::Rupiah,
                SheetColumn::OrderedOn
                | SheetColumn::DueOn
                | SheetColumn::DeliveredOn
                | SheetColumn::AcceptedOn
                | SheetColumn::PaidOn => Kind::Date,
                _ => Kind::Text,
            };
            sentra_sheets::Column::new(c.header(), cell_kind)
        })
        .collect();
    let bytes =
        sentra_sheets::write_xlsx(&lang.t("procurement.template_sheet"), &columns, &[example])
            .map_err(|e| ApiError::Internal(e.to_string()))?;
    let name = match kind {
        SheetKind::Budgets => "templat-pagu-opd.xlsx",
        SheetKind::Purchases => "templat-pembelian-opd.xlsx",
    };
    Ok(xlsx_response(name, bytes))
}
