//! Procurement spreadsheets in the browser (`/pengadaan/impor`, issue 9): upload a file of
//! budgets or purchases, read the check (counts, every problem by row and column, units that
//! would go over their budget), then save all valid rows or nothing. The file waits on the
//! server between the check and the save, so that any server of the deployment can save it.
//! Templates with the columns the reader knows are on the page.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{DefaultBodyLimit, Path, RawForm, RawQuery, Request, State};
use axum::handler::Handler;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use sentra_domain::account::Permission;
use sentra_domain::money::format_rupiah;
use sentra_domain::procurement_sheet::SheetKind;
use sentra_domain::region::RegionCode;
use sentra_import::procurement::{Mode, ProcurementReport, error_message, read, run};

use crate::AppState;
use crate::auth::{Caller, accept_form, check_csrf, require};
use crate::error::ApiError;
use crate::forms::form_value;
use crate::forms::query_pairs;
use crate::lang::{Lang, ReqLang};
use crate::registry::export::xlsx_response;
use crate::registry::import::read_upload;
use crate::routes::{Access, Routes};
use crate::ui::{Chrome, error_page};

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
    lang: Lang,
    caller: &Caller,
    uri: &Uri,
    error: Option<String>,
    checked: Option<Checked>,
    status: StatusCode,
) -> Response {
    let mut res = ImportPage {
        c: Chrome::new(lang, lang.t("procurement.import_title").into_owned(), uri)
            .signed_in(caller),
        l: lang,
        error,
        checked,
    }
    .into_response();
    *res.status_mut() = status;
    res
}

async fn start_page(ReqLang(lang): ReqLang, caller: Caller, uri: Uri) -> Response {
    if let Err(r) = require(&caller, Permission::RecordProcurement) {
        return *r;
    }
    page(lang, &caller, &uri, None, None, StatusCode::OK)
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
    state: &AppState,
    caller: &Caller,
    lang: Lang,
    region: &RegionCode,
    file_name: &str,
    bytes: Vec<u8>,
    mode: Mode,
) -> Result<ProcurementReport, String> {
    let name = file_name.to_string();
    let read = tokio::task::spawn_blocking(move || read(&name, bytes))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("{file_name}: {}", error_message(&e, lang)))?;
    run(
        state.db(),
        &caller.scope(),
        region,
        &read,
        mode,
        lang,
        &caller.actor,
    )
    .await
    .map_err(|e| {
        tracing::error!(error = %e, "procurement import");
        lang.error("internal").into_owned()
    })
}

async fn upload(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    request: Request,
) -> Response {
    // The role is checked before the body is read.
    if let Err(r) = require(&caller, Permission::RecordProcurement) {
        return *r;
    }
    let (pairs, file) = match read_upload(request, &state).await {
        Ok(u) => u,
        Err(code) => {
            let msg = lang.error(code).into_owned();
            return page(
                lang,
                &caller,
                &uri,
                Some(msg),
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    if let Err(r) = check_csrf(&caller, &pairs) {
        return *r;
    }
    let Some((file_name, bytes)) = file else {
        let msg = lang.error("import_file_missing").into_owned();
        return page(
            lang,
            &caller,
            &uri,
            Some(msg),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    };
    let region = caller.scope().region_code().clone();
    let upload = match state
        .db()
        .save_procurement_upload(&caller.user.login, &region, &file_name, &bytes)
        .await
    {
        Ok(id) => id,
        Err(e) => return error_page(lang, &uri, e.into()),
    };
    match check_or_save(
        &state,
        &caller,
        lang,
        &region,
        &file_name,
        bytes,
        Mode::Check,
    )
    .await
    {
        Ok(report) => {
            let view = checked_view(lang, &upload, &file_name, &report, false, false);
            page(lang, &caller, &uri, None, Some(view), StatusCode::OK)
        }
        Err(msg) => page(
            lang,
            &caller,
            &uri,
            Some(msg),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    }
}

async fn save(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    Path(id): Path<String>,
    RawForm(form): RawForm,
) -> Response {
    let f = match accept_form(&caller, Permission::RecordProcurement, &form) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    // Only the uploader's own file, and only once.
    let up = match state.db().procurement_upload(&caller.user.login, &id).await {
        Ok(u) => u,
        Err(e) => return error_page(lang, &uri, e.into()),
    };
    if up.saved {
        let msg = lang.error("import_already_saved").into_owned();
        return page(lang, &caller, &uri, Some(msg), None, StatusCode::CONFLICT);
    }
    let Some(region) = RegionCode::parse(&up.region_code)
        .ok()
        .filter(|r| caller.scope().contains(r))
    else {
        return error_page(lang, &uri, ApiError::NotFound);
    };
    let all_or_nothing = form_value(&f, "mode") == "all_or_nothing";
    match check_or_save(
        &state,
        &caller,
        lang,
        &region,
        &up.file_name,
        up.data,
        if all_or_nothing {
            Mode::AllOrNothing
        } else {
            Mode::SaveValid
        },
    )
    .await
    {
        Ok(report) => {
            let saved = report.outcome.written;
            if saved && let Err(e) = state.db().mark_procurement_upload_saved(&id).await {
                return error_page(lang, &uri, e.into());
            }
            let refused = !saved && all_or_nothing && report.invalid > 0;
            let view = checked_view(lang, &id, &up.file_name, &report, saved, refused);
            let status = if refused {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::OK
            };
            page(lang, &caller, &uri, None, Some(view), status)
        }
        Err(msg) => page(
            lang,
            &caller,
            &uri,
            Some(msg),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    }
}

/// The template of a kind (`jenis=anggaran` or `jenis=pembelian`): its headers and one
/// example row.
async fn template(
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    RawQuery(query): RawQuery,
) -> Response {
    if let Err(r) = require(&caller, Permission::RecordProcurement) {
        return *r;
    }
    let q = query_pairs(query.as_deref());
    let (kind, example): (SheetKind, &[&str]) = match form_value(&q, "jenis") {
        "anggaran" => (
            SheetKind::Budgets,
            &["1.02.01", "Dinas Kesehatan", "2026", "36.000.000.000"],
        ),
        _ => (
            SheetKind::Purchases,
            &[
                "1.02.01",
                "2026-02-014",
                "Rp 12.500.000",
                "02/03/2026",
                "16/03/2026",
                "E-Purchasing",
                "Usaha Mikro",
                "9120301234567",
                "Keripik Tempe Bu Sri",
                "14/03/2026",
                "16/03/2026",
                "30/03/2026",
            ],
        ),
    };
    let headers: Vec<String> = kind
        .columns()
        .iter()
        .map(|c| c.header().to_string())
        .collect();
    let row: Vec<String> = example.iter().map(|s| s.to_string()).collect();
    let bytes =
        match sentra_sheets::write_xlsx(&lang.t("procurement.template_sheet"), &headers, &[row]) {
            Ok(b) => b,
            Err(e) => return error_page(lang, &uri, ApiError::Internal(e.to_string())),
        };
    let name = match kind {
        SheetKind::Budgets => "templat-pagu-opd.xlsx",
        SheetKind::Purchases => "templat-pembelian-opd.xlsx",
    };
    xlsx_response(name, bytes)
}
