//! `/umkm/export.csv` and `/umkm/export.xlsx`: the registry list with its current filters,
//! inside the caller's scope, streamed. NIK and phone are masked unless the role may see them
//! and asked for them (`personal=1`); the export is audited either way.

use askama::Template;
use askama_web::WebTemplate;
use axum::body::Body;
use axum::extract::{Path, RawQuery};
use axum::http::{StatusCode, header};
use axum::response::Redirect;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use sentra_domain::account::Permission;
use sentra_storage::EXPORT_HEADERS;
use sentra_storage::{JobState, PageRequest, SortDirection, UmkmFilter, UmkmSort};
use tokio::sync::mpsc;

use crate::AppState;
use crate::error::{ApiError, PageResult};
use crate::extract::{FormPairs, PageCtx};
use crate::forms::form_value;
use crate::lang::Lang;
use crate::params::parse_list_params;
use crate::routes::{Access, Routes};
use crate::ui::Chrome;

pub fn routes() -> Routes {
    Routes::new("")
        .get(
            "/umkm/export.csv",
            Access::Role(Permission::ReadRegistry),
            csv,
        )
        .get(
            "/umkm/export.xlsx",
            Access::Role(Permission::ReadRegistry),
            xlsx,
        )
        .post(
            "/umkm/export/jobs",
            Access::Role(Permission::ReadRegistry),
            create_job,
        )
        .get(
            "/umkm/export/jobs/{export}",
            Access::Role(Permission::ReadRegistry),
            job_page,
        )
        .get(
            "/umkm/export/jobs/{export}/file",
            Access::Role(Permission::ReadRegistry),
            job_file,
        )
}

/// Larger workbooks are written by a job: they take longer than a request may.
pub const XLSX_INLINE_MAX: i64 = 20_000;

/// The filters of an export's query string, and whether the full NIK and phone go out (asked
/// for with `personal=1`, and the role may see them).
pub fn export_params(
    state: &AppState,
    role: sentra_domain::account::Role,
    query: &str,
) -> Result<(UmkmFilter, bool), ApiError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    let params = parse_list_params(&pairs, state.regions()).map_err(ApiError::Validation)?;
    let reveal = form_value(&pairs, "personal") == "1" && role.can(Permission::RevealPersonalData);
    Ok((params.filter, reveal))
}

/// Starts the export task; the rows arrive on the returned channel.
fn start(ctx: &PageCtx, query: &str) -> Result<mpsc::Receiver<Vec<String>>, ApiError> {
    let (filter, reveal) = export_params(&ctx.state, ctx.caller.user.role, query)?;
    Ok(spawn_export(
        ctx.db().clone(),
        ctx.scope(),
        filter,
        reveal,
        ctx.caller.actor.clone(),
    ))
}

/// The export running in its own task; its rows arrive on the channel.
pub fn spawn_export(
    db: sentra_storage::Database,
    scope: sentra_domain::scope::Scope,
    filter: UmkmFilter,
    reveal: bool,
    actor: sentra_storage::Actor,
) -> mpsc::Receiver<Vec<String>> {
    let (tx, rx) = mpsc::channel(1024);
    tokio::spawn(async move {
        if let Err(e) = db.export_umkm(&scope, &filter, reveal, &actor, tx).await {
            tracing::error!(error = %e, "export failed");
        }
    });
    rx
}

/// `umkm-20261123-1405.csv`
fn file_name(ext: &str) -> String {
    format!("umkm-{}.{ext}", chrono::Local::now().format("%Y%m%d-%H%M"))
}

/// The `Content-Disposition` of a download named `name`.
pub(crate) fn attachment(name: &str) -> String {
    format!("attachment; filename=\"{name}\"")
}

/// The export's query is kept as it came: it is read by the parser the list and the API share,
/// and a job stores it to run later.
async fn csv(ctx: PageCtx, RawQuery(query): RawQuery) -> PageResult {
    let rx = start(&ctx, query.as_deref().unwrap_or(""))?;
    let headers: Vec<String> = EXPORT_HEADERS.iter().map(|h| h.to_string()).collect();
    let mut first = csv_line(&headers)?;
    // Excel reads a UTF-8 CSV correctly only with the byte-order mark.
    first.splice(0..0, *b"\xEF\xBB\xBF");
    let rows = futures_util::stream::unfold((Some(first), rx), |(first, mut rx)| async move {
        if let Some(f) = first {
            return Some((Ok::<_, std::io::Error>(f), (None, rx)));
        }
        let row = rx.recv().await?;
        let line = csv_line(&row).unwrap_or_default();
        Some((Ok(line), (None, rx)))
    })
    // The compression layer polls once more after the end; an unfused stream would panic.
    .fuse();
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, attachment(&file_name("csv"))),
        ],
        Body::from_stream(rows),
    )
        .into_response())
}

fn csv_line(cells: &[String]) -> Result<Vec<u8>, ApiError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(
        cells
            .iter()
            .map(|c| sentra_sheets::csv_safe(c).into_owned()),
    )
    .map_err(|e| ApiError::Internal(e.to_string()))?;
    w.into_inner()
        .map_err(|e| ApiError::Internal(e.to_string()))
}

/// Writes the rows arriving on `rx` as a workbook (constant memory, through a temporary file)
/// and returns its bytes; `progress` is told the rows written so far.
pub async fn write_workbook(
    mut rx: mpsc::Receiver<Vec<String>>,
    progress: impl Fn(u64) + Send + 'static,
) -> std::io::Result<(Vec<u8>, u64)> {
    let path = std::env::temp_dir().join(format!("sentra-export-{}.xlsx", uuid::Uuid::now_v7()));
    let written = {
        let path = path.clone();
        tokio::task::spawn_blocking(move || {
            let headers: Vec<String> = EXPORT_HEADERS.iter().map(|h| h.to_string()).collect();
            let mut w = sentra_sheets::XlsxWriter::new("UMKM", &headers)?;
            let mut n = 0u64;
            while let Some(row) = rx.blocking_recv() {
                w.push(&row)?;
                n += 1;
                if n.is_multiple_of(1000) {
                    progress(n);
                }
            }
            w.finish_to(&path).map(|()| n)
        })
        .await
    };
    let result = match written {
        Ok(Ok(n)) => tokio::fs::read(&path).await.map(|b| (b, n)),
        Ok(Err(e)) => Err(std::io::Error::other(e.to_string())),
        Err(e) => Err(std::io::Error::other(e.to_string())),
    };
    let _ = tokio::fs::remove_file(&path).await;
    result
}

/// A workbook download named `name`.
pub(crate) fn xlsx_response(name: &str, bytes: Vec<u8>) -> Response {
    (
        StatusCode::OK,
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (header::CONTENT_DISPOSITION, attachment(name)),
        ],
        bytes,
    )
        .into_response()
}

/// A workbook of up to [`XLSX_INLINE_MAX`] rows (by default) is sent at once; a larger one is offered as a
/// job (its page has the button that starts it).
async fn xlsx(ctx: PageCtx, RawQuery(query): RawQuery) -> PageResult {
    let query = query.unwrap_or_default();
    let (filter, _) = export_params(&ctx.state, ctx.caller.user.role, &query)?;
    let total = ctx
        .db()
        .list_umkm(
            &ctx.scope(),
            &filter,
            UmkmSort::Name,
            SortDirection::Asc,
            PageRequest::new(1, 1),
        )
        .await?
        .total;
    if total > ctx.state.xlsx_inline_max() {
        return Ok(JobPage::offer(&ctx, query, total).into_response());
    }
    let rx = start(&ctx, &query)?;
    let (bytes, _) = write_workbook(rx, |_| {})
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(xlsx_response(&file_name("xlsx"), bytes))
}

#[derive(Template, WebTemplate)]
#[template(path = "registry/export_job.html")]
pub struct JobPage {
    pub c: Chrome,
    pub l: Lang,
    /// No job yet: the offer to start one for this query.
    pub offer: Option<String>,
    pub rows_text: String,
    pub state: String,
    pub refresh: bool,
    pub download: Option<String>,
    pub failure: String,
}

impl JobPage {
    fn offer(ctx: &PageCtx, query: String, total: i64) -> Self {
        let lang = ctx.lang;
        JobPage {
            c: ctx.chrome(lang.t("export.job_title")),
            l: lang,
            offer: Some(query),
            rows_text: lang.tf("export.large", &[("n", &total.to_string())]),
            state: String::new(),
            refresh: false,
            download: None,
            failure: String::new(),
        }
    }
}

async fn create_job(ctx: PageCtx, FormPairs(pairs): FormPairs) -> PageResult {
    let query = form_value(&pairs, "query").to_string();
    let (_, reveal) = export_params(&ctx.state, ctx.caller.user.role, &query)?;
    let id = ctx
        .db()
        .create_export_job(&ctx.caller.actor.name, &ctx.scope(), &query, "xlsx", reveal)
        .await?;
    ctx.state.wake_export_worker();
    Ok(Redirect::to(&format!("/umkm/export/jobs/{id}")).into_response())
}

/// An export is its requester's: it may hold personal data they were allowed to see.
async fn own_job(ctx: &PageCtx, id: &str) -> Result<sentra_storage::ExportJob, ApiError> {
    match ctx.db().export_job(id).await? {
        Some(j) if j.created_by == ctx.caller.actor.name => Ok(j),
        _ => Err(ApiError::NotFound),
    }
}

async fn job_page(ctx: PageCtx, Path(id): Path<String>) -> PageResult {
    let lang = ctx.lang;
    let job = own_job(&ctx, &id).await?;
    let done = job.state == JobState::Done;
    Ok(JobPage {
        c: ctx.chrome(lang.t("export.job_title")),
        l: lang,
        offer: None,
        rows_text: lang.tf(
            "import.progress",
            &[
                ("done", &job.rows_done.to_string()),
                ("total", &job.rows_total.to_string()),
            ],
        ),
        state: lang
            .t(&format!("import.state_{}", job.state.as_str()))
            .into_owned(),
        refresh: job.state.is_busy(),
        download: done.then(|| format!("/umkm/export/jobs/{id}/file")),
        failure: job.error.unwrap_or_default(),
    }
    .into_response())
}

async fn job_file(ctx: PageCtx, Path(id): Path<String>) -> PageResult {
    let job = own_job(&ctx, &id).await?;
    let bytes = ctx
        .db()
        .export_job_file(&job.id)
        .await?
        .ok_or(ApiError::Gone("export_file_gone"))?;
    let stamp = job
        .created_at
        .get(..16)
        .unwrap_or("")
        .replace([':', 'T'], "");
    Ok(xlsx_response(&format!("umkm-{stamp}.xlsx"), bytes))
}
