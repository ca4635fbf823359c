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
use sentra_domain::programme::activity::Zone;
use sentra_domain::region::RegionCode;
use sentra_sheets::{Cell, Column, Kind};
use sentra_storage::{ExportedUmkm, JobState, PageRequest, SortDirection, UmkmFilter, UmkmSort};
use tokio::sync::mpsc;

use crate::AppState;
use crate::error::{ApiError, PageResult};
use crate::extract::{FormPairs, PageCtx};
use crate::forms::form_value;
use crate::lang::Lang;
use crate::params::parse_list_params;
use crate::programme::activities::sector_label;
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

/// How the registry export is written (issue 29): headers and labels in the reader's language,
/// numbers as numbers, the last change in the local time of the exported region, and after the
/// labels their codes for programs that read the file. The first columns are the import
/// layout, so an edited export imports back (the importer knows the headers in both languages
/// and the sector by its name).
#[derive(Debug, Clone)]
pub struct ExportLayout {
    pub lang: Lang,
    pub zone: Zone,
    pub sectors: Vec<sentra_storage::Sector>,
}

impl ExportLayout {
    /// The layout for an export of `region` read in `lang`.
    pub async fn load(
        db: &sentra_storage::Database,
        lang: Lang,
        region: &RegionCode,
    ) -> Result<Self, sentra_storage::StorageError> {
        Ok(Self {
            lang,
            zone: Zone::of_region(region.as_str()),
            sectors: db.sectors().await?,
        })
    }

    pub fn columns(&self) -> Vec<Column> {
        let t = |k: &str| self.lang.t(&format!("xlsx_export.{k}")).into_owned();
        let mut columns: Vec<Column> = [
            ("id", Kind::Text),
            ("name", Kind::Text),
            ("brand", Kind::Text),
            ("owner_name", Kind::Text),
            ("nik", Kind::Text),
            ("phone", Kind::Text),
            ("address", Kind::Text),
            ("region_code", Kind::Text),
            ("village", Kind::Text),
            ("district", Kind::Text),
            ("sector", Kind::Text),
            ("kbli", Kind::Text),
            ("year_started", Kind::Integer),
            ("modal", Kind::Rupiah),
            ("annual_sales", Kind::Rupiah),
            ("employees_male", Kind::Count),
            ("employees_female", Kind::Count),
            ("size_class", Kind::Text),
            ("nib", Kind::Text),
            ("status", Kind::Text),
        ]
        .into_iter()
        .map(|(k, kind)| Column::new(t(k), kind))
        .collect();
        columns.push(Column::new(
            self.lang
                .tf("xlsx_export.updated", &[("zone", self.zone.as_str())]),
            Kind::DateTime,
        ));
        for k in ["sector_code", "size_class_code", "status_code"] {
            columns.push(Column::new(t(k), Kind::Text));
        }
        columns
    }

    pub fn cells(&self, r: &ExportedUmkm) -> Vec<Cell> {
        let lang = self.lang;
        let label = |prefix: &str, code: &str| {
            if code.is_empty() {
                Cell::Empty
            } else {
                Cell::Text(lang.t(&format!("{prefix}.{code}")).into_owned())
            }
        };
        let sector = if r.sector_code.is_empty() {
            Cell::Empty
        } else {
            Cell::Text(sector_label(lang, &self.sectors, &r.sector_code))
        };
        vec![
            Cell::text(r.id.clone()),
            Cell::text(r.name.clone()),
            Cell::text(r.brand.clone()),
            Cell::text(r.owner_name.clone()),
            Cell::text(r.nik.clone()),
            Cell::text(r.phone.clone()),
            Cell::text(r.address.clone()),
            Cell::text(r.village_code.clone()),
            Cell::text(r.village_name.clone()),
            Cell::text(r.district_name.clone()),
            sector,
            Cell::text(r.kbli_code.clone()),
            r.year_started.map_or(Cell::Empty, Cell::Integer),
            r.modal_rupiah
                .map_or(Cell::Empty, |n| Cell::Rupiah(n.into())),
            r.annual_sales_rupiah
                .map_or(Cell::Empty, |n| Cell::Rupiah(n.into())),
            r.employees_male.map_or(Cell::Empty, Cell::Count),
            r.employees_female.map_or(Cell::Empty, Cell::Count),
            label("size", &r.size_class),
            Cell::text(r.nib.clone()),
            label("status", &r.status),
            Cell::local_time(&r.updated_at, self.zone),
            Cell::text(r.sector_code.clone()),
            Cell::text(r.size_class.clone()),
            Cell::text(r.status.clone()),
        ]
    }
}

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

/// Starts the export task; the rows arrive on the returned channel, to be written the way
/// the returned layout says.
async fn start(
    ctx: &PageCtx,
    query: &str,
    lang: Lang,
) -> Result<(mpsc::Receiver<ExportedUmkm>, ExportLayout), ApiError> {
    let (filter, reveal) = export_params(&ctx.state, ctx.caller.user.role, query)?;
    let scope = ctx.scope();
    let layout = ExportLayout::load(ctx.db(), lang, scope.region_code()).await?;
    let rx = spawn_export(
        ctx.db().clone(),
        scope,
        filter,
        reveal,
        ctx.caller.actor.clone(),
    );
    Ok((rx, layout))
}

/// The export running in its own task; its rows arrive on the channel.
pub fn spawn_export(
    db: sentra_storage::Database,
    scope: sentra_domain::scope::Scope,
    filter: UmkmFilter,
    reveal: bool,
    actor: sentra_storage::Actor,
) -> mpsc::Receiver<ExportedUmkm> {
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

/// How many businesses of the scope pass the filter (the list's total: from the rollups where
/// it can be).
pub(crate) async fn registry_total(
    db: &sentra_storage::Database,
    scope: &sentra_domain::scope::Scope,
    filter: &UmkmFilter,
) -> Result<i64, sentra_storage::StorageError> {
    Ok(db
        .list_umkm(
            scope,
            filter,
            UmkmSort::Name,
            SortDirection::Asc,
            PageRequest::new(1, 1),
        )
        .await?
        .total)
}

/// The export's query is kept as it came: it is read by the parser the list and the API share,
/// and a job stores it to run later.
async fn csv(ctx: PageCtx, RawQuery(query): RawQuery) -> PageResult {
    // For programs: the same headers and labels whatever language the browser asks for (the
    // importer's Indonesian layout), so a script reading it does not break for an English reader.
    let (rx, layout) = start(&ctx, query.as_deref().unwrap_or(""), Lang::Id).await?;
    let headers: Vec<Cell> = layout
        .columns()
        .into_iter()
        .map(|c| Cell::Text(c.header))
        .collect();
    csv_download(&file_name("csv"), headers, rx, move |r| layout.cells(r)).map_err(Into::into)
}

/// One CSV line: cells as programs read them ([`Cell::csv_text`]: plain digits, ISO dates),
/// neutralised where Excel would take them for a formula.
fn csv_line(cells: &[Cell]) -> Result<Vec<u8>, ApiError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(
        cells
            .iter()
            .map(|c| sentra_sheets::csv_safe(&c.csv_text()).into_owned()),
    )
    .map_err(|e| ApiError::Internal(e.to_string()))?;
    w.into_inner()
        .map_err(|e| ApiError::Internal(e.to_string()))
}

/// Writes the rows arriving on `rx` as a workbook of one sheet (constant memory, through a
/// temporary file), each row's cells made by `cells`, and returns its bytes and row count;
/// `progress` is told the rows written so far.
pub async fn write_workbook<T: Send + 'static>(
    mut rx: mpsc::Receiver<T>,
    sheet: String,
    columns: Vec<Column>,
    cells: impl Fn(&T) -> Vec<Cell> + Send + 'static,
    progress: impl Fn(u64) + Send + 'static,
) -> std::io::Result<(Vec<u8>, u64)> {
    let path = std::env::temp_dir().join(format!("sentra-export-{}.xlsx", uuid::Uuid::now_v7()));
    let written = {
        let path = path.clone();
        tokio::task::spawn_blocking(move || {
            let mut w = sentra_sheets::XlsxWriter::new(&sheet, &columns)?;
            let mut n = 0u64;
            while let Some(row) = rx.blocking_recv() {
                w.push(&cells(&row))?;
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

/// The registry's own layout as a workbook ([`write_workbook`]).
pub async fn write_registry_workbook(
    rx: mpsc::Receiver<ExportedUmkm>,
    layout: ExportLayout,
    progress: impl Fn(u64) + Send + 'static,
) -> std::io::Result<(Vec<u8>, u64)> {
    let columns = layout.columns();
    write_workbook(
        rx,
        "UMKM".into(),
        columns,
        move |r| layout.cells(r),
        progress,
    )
    .await
}

/// A CSV download: the header line (with the byte-order mark Excel needs to read UTF-8), then
/// a line per row arriving on `rx`, streamed.
pub(crate) fn csv_download<T: Send + 'static>(
    name: &str,
    headers: Vec<Cell>,
    rx: mpsc::Receiver<T>,
    cells: impl Fn(&T) -> Vec<Cell> + Send + Sync + 'static,
) -> Result<Response, ApiError> {
    let mut first = csv_line(&headers)?;
    first.splice(0..0, *b"\xEF\xBB\xBF");
    let cells = std::sync::Arc::new(cells);
    let rows = futures_util::stream::unfold((Some(first), rx), move |(first, mut rx)| {
        let cells = cells.clone();
        async move {
            if let Some(f) = first {
                return Some((Ok::<_, std::io::Error>(f), (None, rx)));
            }
            let row = rx.recv().await?;
            let line = csv_line(&cells(&row)).unwrap_or_default();
            Some((Ok(line), (None, rx)))
        }
    })
    // The compression layer polls once more after the end; an unfused stream would panic.
    .fuse();
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, attachment(name)),
        ],
        Body::from_stream(rows),
    )
        .into_response())
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
    let total = registry_total(ctx.db(), &ctx.scope(), &filter).await?;
    if total > ctx.state.xlsx_inline_max() {
        return Ok(JobPage::offer(&ctx, query, total).into_response());
    }
    let (rx, layout) = start(&ctx, &query, ctx.lang).await?;
    let (bytes, _) = write_registry_workbook(rx, layout, |_| {})
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
    pub(crate) fn offer(ctx: &PageCtx, query: String, total: i64) -> Self {
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
    let mut query = form_value(&pairs, "query").to_string();
    // The job is written later, by the worker: the query keeps the language it is read in.
    let mut query_pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(&query).unwrap_or_default();
    if !query_pairs.iter().any(|(k, _)| k == "lang") {
        query_pairs.push(("lang".into(), ctx.lang.code().into()));
        query = serde_urlencoded::to_string(&query_pairs).unwrap_or(query);
    }
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
    let prefix = crate::registry::export_profiles::job_profile(&ctx.state, &job.query)
        .ok()
        .flatten()
        .map_or_else(|| "umkm".to_string(), |p| p.id);
    Ok(xlsx_response(&format!("{prefix}-{stamp}.xlsx"), bytes))
}
