//! Importing a spreadsheet in the browser: upload, check the column mapping (and save it for
//! files with the same header row), the dry run's report with the rejected rows as a workbook,
//! then commit. The dry run and the commit are jobs run by the worker of `sentra-import`; their
//! pages refresh themselves (no JavaScript needed) until the job is done.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, RawForm, Request, State};
use axum::handler::Handler;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use sentra_domain::account::Permission;
use sentra_domain::import::{Mapping, TARGETS};
use sentra_import::{column_letter, headers_key, prepare, reason, rejected_xlsx, target_label};
use sentra_storage::{EXPORT_HEADERS, ImportCounts, ImportJob, JobState, NewImportJob};

use crate::AppState;
use crate::auth::{Caller, accept_form, check_csrf, require};
use crate::error::ApiError;
use crate::forms::form_value;
use crate::lang::{Lang, ReqLang};
use crate::registry::export::xlsx_response;
use crate::routes::{Access, Routes};
use crate::ui::{Chrome, Opt, error_page};

/// Largest spreadsheet accepted from the browser (a kabupaten's whole list fits easily).
pub const UPLOAD_LIMIT: usize = 64 * 1024 * 1024;
/// Findings listed on the report page; all of them are in the rejected-rows workbook.
const SHOWN_FINDINGS: u32 = 200;

pub fn routes() -> Routes {
    let import = Access::Role(Permission::ImportRegistry);
    Routes::new("")
        .get("/umkm/import", import, start_page)
        .post(
            "/umkm/import",
            import,
            upload.layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .get("/umkm/import/template.xlsx", import, template)
        .get("/umkm/import/{job}", import, job_page)
        .get("/umkm/import/{job}/rejected.xlsx", import, rejected)
        .post("/umkm/import/{job}/check", import, check)
        .post("/umkm/import/{job}/commit", import, commit)
        .post("/umkm/import/{job}/mapping", import, reopen)
        .post("/umkm/import/{job}/cancel", import, cancel)
}

pub struct JobRow {
    pub id: String,
    pub file_name: String,
    pub state: String,
    pub created_at: String,
    pub summary: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "registry/import_start.html")]
pub struct StartPage {
    pub c: Chrome,
    pub l: Lang,
    pub error: Option<String>,
    pub jobs: Vec<JobRow>,
}

fn counts_summary(l: Lang, c: &ImportCounts) -> String {
    format!(
        "{} {}, {} {}, {} {}, {} {}",
        c.new,
        l.t("import.new"),
        c.updated,
        l.t("import.updated"),
        c.unchanged,
        l.t("import.unchanged"),
        c.invalid,
        l.t("import.invalid"),
    )
}

fn state_label(l: Lang, s: JobState) -> String {
    l.t(&format!("import.state_{}", s.as_str())).into_owned()
}

async fn show_start(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    uri: &Uri,
    error: Option<String>,
) -> Response {
    let jobs = match state
        .db()
        .import_jobs_within(caller.scope().region_code(), 20)
        .await
    {
        Ok(j) => j,
        Err(e) => return error_page(lang, uri, e.into()),
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = StartPage {
        c: Chrome::new(lang, lang.t("import.title").into_owned(), uri).signed_in(caller),
        l: lang,
        error,
        jobs: jobs
            .iter()
            .map(|j| JobRow {
                id: j.id.clone(),
                file_name: j.file_name.clone(),
                state: state_label(lang, j.state),
                created_at: j
                    .created_at
                    .chars()
                    .take(16)
                    .collect::<String>()
                    .replace('T', " "),
                summary: j
                    .result
                    .as_ref()
                    .or(j.counts.as_ref())
                    .map(|c| counts_summary(lang, c))
                    .unwrap_or_default(),
            })
            .collect(),
    };
    (status, page).into_response()
}

async fn start_page(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
) -> Response {
    if let Err(r) = require(&caller, Permission::ImportRegistry) {
        return *r;
    }
    show_start(&state, lang, &caller, &uri, None).await
}

/// The registry's own column layout, empty: the export has the same columns, so an export
/// edited in Excel imports back.
async fn template(caller: Caller) -> Response {
    if let Err(r) = require(&caller, Permission::ImportRegistry) {
        return *r;
    }
    let headers: Vec<String> = EXPORT_HEADERS.iter().map(|h| h.to_string()).collect();
    match sentra_sheets::XlsxWriter::new("UMKM", &headers).and_then(|w| w.finish()) {
        Ok(bytes) => xlsx_response("template-impor-umkm.xlsx", bytes),
        Err(e) => caller.refuse(ApiError::Internal(e.to_string())),
    }
}

/// A multipart form's text fields and its file (`file`, when one was chosen and is not empty);
/// the error code when the body is not a form or is too large.
pub(crate) async fn read_upload(
    request: Request,
    state: &AppState,
) -> Result<(Vec<(String, String)>, Option<(String, Vec<u8>)>), &'static str> {
    let mut multipart = Multipart::from_request(request, state)
        .await
        .map_err(|_| "import_file_missing")?;
    let mut pairs: Vec<(String, String)> = Vec::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| "import_upload_too_large")?
    {
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field.file_name().map(str::to_string);
        let bytes = field.bytes().await.map_err(|_| "import_upload_too_large")?;
        if name == "file" {
            file = file_name
                .filter(|n| !n.is_empty() && !bytes.is_empty())
                .map(|n| (n, bytes.to_vec()));
        } else {
            pairs.push((name, String::from_utf8_lossy(&bytes).into_owned()));
        }
    }
    Ok((pairs, file))
}

/// The multipart upload: `_csrf` and `file`.
async fn upload(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    request: Request,
) -> Response {
    // The role is checked before the body is read.
    if let Err(r) = require(&caller, Permission::ImportRegistry) {
        return *r;
    }
    let (pairs, file) = match read_upload(request, &state).await {
        Ok(u) => u,
        Err(code) => {
            let msg = lang.error(code).into_owned();
            return show_start(&state, lang, &caller, &uri, Some(msg)).await;
        }
    };
    if let Err(r) = check_csrf(&caller, &pairs) {
        return *r;
    }
    let Some((file_name, bytes)) = file else {
        let msg = lang.error("import_file_missing").into_owned();
        return show_start(&state, lang, &caller, &uri, Some(msg)).await;
    };
    // Kept for the job; the copy is read here only to find the header row.
    let read = {
        let (name, bytes) = (file_name.clone(), bytes.clone());
        tokio::task::spawn_blocking(move || prepare(&name, bytes)).await
    };
    let prepared = match read {
        Ok(Ok(p)) => p,
        Ok(Err(e)) => {
            let msg = format!("{}: {}", file_name, e.message(lang));
            return show_start(&state, lang, &caller, &uri, Some(msg)).await;
        }
        Err(e) => return error_page(lang, &uri, ApiError::Internal(e.to_string())),
    };
    let mapping = match state
        .db()
        .saved_import_mapping(&headers_key(&prepared.headers))
        .await
    {
        Ok(Some(saved)) => saved,
        Ok(None) => Mapping::guess(&prepared.headers).columns,
        Err(e) => return error_page(lang, &uri, e.into()),
    };
    let scope = caller.scope();
    let job = NewImportJob {
        created_by: &caller.actor.name,
        scope_region: scope.region_code(),
        file_name: &file_name,
        file: &bytes,
        sheet: &prepared.sheet,
        detected: &prepared.detected,
        header_line: prepared.header_line,
        headers: &prepared.headers,
        mapping: &mapping,
    };
    match state.db().create_import_job(&job).await {
        Ok(id) => Redirect::to(&format!("/umkm/import/{id}")).into_response(),
        Err(e) => error_page(lang, &uri, e.into()),
    }
}

/// The job, if it lies within the caller's scope (otherwise it does not exist for them).
async fn visible_job(state: &AppState, caller: &Caller, id: &str) -> Result<ImportJob, ApiError> {
    match state.db().import_job(id).await? {
        Some(job) if caller.scope().contains(&job.scope_region) => Ok(job),
        _ => Err(ApiError::NotFound),
    }
}

pub struct MappingRow {
    pub index: usize,
    pub letter: String,
    pub header: String,
    pub examples: String,
    pub options: Vec<Opt>,
}

pub struct Finding {
    pub line: usize,
    pub text: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "registry/import_job.html")]
pub struct JobPage {
    pub c: Chrome,
    pub l: Lang,
    pub id: String,
    pub file_name: String,
    pub detected: String,
    pub header_line: usize,
    pub state: String,
    pub state_code: &'static str,
    pub refresh: bool,
    pub errors: Vec<String>,
    pub mapping_rows: Vec<MappingRow>,
    pub saved_mapping: bool,
    pub rows_total: u64,
    pub rows_done: u64,
    pub counts: Vec<(String, usize)>,
    pub invalid: Vec<Finding>,
    pub duplicates: Vec<Finding>,
    pub more_findings: bool,
    pub has_invalid: bool,
    pub result: Vec<(String, usize)>,
    pub failure: String,
}

impl JobPage {
    fn progress_text(&self) -> String {
        self.l.tf(
            "import.progress",
            &[
                ("done", &self.rows_done.to_string()),
                ("total", &self.rows_total.to_string()),
            ],
        )
    }
}

fn count_rows(l: Lang, c: &ImportCounts) -> Vec<(String, usize)> {
    vec![
        (l.t("import.new").into_owned(), c.new),
        (l.t("import.updated").into_owned(), c.updated),
        (l.t("import.unchanged").into_owned(), c.unchanged),
        (l.t("import.invalid").into_owned(), c.invalid),
        (
            l.t("import.possible_duplicates").into_owned(),
            c.possible_duplicates,
        ),
    ]
}

/// The first cells under each column, to recognise what it holds.
fn examples(data: &[sentra_import::DataRow], column: usize) -> String {
    data.iter()
        .take(200)
        .map(|row| sentra_domain::import::clean_cell(row.cell(column)))
        .filter(|c| !c.is_empty())
        .take(3)
        .map(|c| c.chars().take(40).collect::<String>())
        .collect::<Vec<_>>()
        .join(" · ")
}

async fn render_job(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    uri: &Uri,
    job: ImportJob,
    errors: Vec<String>,
) -> Response {
    let db = state.db();
    let mapping = Mapping {
        columns: job.mapping.clone(),
    };
    let mut mapping_rows = Vec::new();
    let mut saved_mapping = false;
    if job.state == JobState::Mapping {
        let data = match db.import_job_file(&job.id).await {
            Ok(Some(bytes)) => {
                let name = job.file_name.clone();
                tokio::task::spawn_blocking(move || prepare(&name, bytes))
                    .await
                    .ok()
                    .and_then(Result::ok)
                    .map(|p| p.data)
                    .unwrap_or_default()
            }
            _ => Vec::new(),
        };
        saved_mapping = matches!(
            db.saved_import_mapping(&headers_key(&job.headers)).await,
            Ok(Some(_))
        );
        mapping_rows = job
            .headers
            .iter()
            .enumerate()
            .map(|(i, h)| {
                let chosen = mapping
                    .columns
                    .get(i)
                    .cloned()
                    .flatten()
                    .unwrap_or_default();
                let mut options = vec![Opt {
                    value: String::new(),
                    label: format!("({})", lang.t("import.ignored")),
                    selected: chosen.is_empty(),
                }];
                options.extend(TARGETS.iter().map(|t| Opt {
                    value: t.to_string(),
                    label: target_label(lang, t),
                    selected: chosen == *t,
                }));
                MappingRow {
                    index: i,
                    letter: column_letter(i),
                    header: h.trim().to_string(),
                    examples: examples(&data, i),
                    options,
                }
            })
            .collect();
    }
    let mut invalid = Vec::new();
    let mut duplicates = Vec::new();
    let mut more_findings = false;
    if matches!(job.state, JobState::Checked | JobState::Failed) {
        let found = match db
            .import_problems(&job.id, false, SHOWN_FINDINGS + 1, 0)
            .await
        {
            Ok(f) => f,
            Err(e) => return error_page(lang, uri, e.into()),
        };
        more_findings = found.len() > SHOWN_FINDINGS as usize;
        for f in found.into_iter().take(SHOWN_FINDINGS as usize) {
            if f.problem.code == sentra_storage::POSSIBLE_DUPLICATE {
                let of = f.problem.hint.unwrap_or_default();
                let text = match of.strip_prefix("row:") {
                    Some(n) => format!("~ {} {n}", lang.t("import.row")),
                    None => format!("~ UMKM {of}"),
                };
                duplicates.push(Finding { line: f.line, text });
            } else {
                invalid.push(Finding {
                    line: f.line,
                    text: reason(lang, &f.problem, &job.headers, &mapping),
                });
            }
        }
    }
    let title = format!("{} · {}", lang.t("import.title"), job.file_name);
    let page = JobPage {
        c: Chrome::new(lang, title, uri).signed_in(caller),
        l: lang,
        id: job.id.clone(),
        file_name: job.file_name.clone(),
        detected: job.detected.clone(),
        header_line: job.header_line,
        state: state_label(lang, job.state),
        state_code: job.state.as_str(),
        refresh: job.state.is_busy(),
        errors,
        mapping_rows,
        saved_mapping,
        rows_total: job.rows_total,
        rows_done: job.rows_done,
        counts: job
            .counts
            .as_ref()
            .map(|c| count_rows(lang, c))
            .unwrap_or_default(),
        has_invalid: job.counts.as_ref().is_some_and(|c| c.invalid > 0),
        invalid,
        duplicates,
        more_findings,
        result: job
            .result
            .as_ref()
            .map(|c| {
                let mut rows = count_rows(lang, c);
                rows.push((
                    lang.t("import.queued_duplicates").into_owned(),
                    c.queued_duplicates,
                ));
                rows
            })
            .unwrap_or_default(),
        failure: job
            .error
            .as_deref()
            .map(|e| sentra_import::failure_message(lang, e))
            .unwrap_or_default(),
    };
    let status = if page.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    (status, page).into_response()
}

async fn job_page(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = require(&caller, Permission::ImportRegistry) {
        return *r;
    }
    match visible_job(&state, &caller, &id).await {
        Ok(job) => render_job(&state, lang, &caller, &uri, job, Vec::new()).await,
        Err(e) => error_page(lang, &uri, e),
    }
}

/// The mapping chosen on the screen (`col.N` = target), checked; then the dry run starts.
async fn check(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    Path(id): Path<String>,
    RawForm(form): RawForm,
) -> Response {
    let pairs = match accept_job_form(&state, lang, &caller, &uri, &id, &form).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let mut job = match visible_job(&state, &caller, &id).await {
        Ok(j) => j,
        Err(e) => return error_page(lang, &uri, e),
    };
    let columns: Vec<Option<String>> = (0..job.headers.len())
        .map(|i| {
            Some(form_value(&pairs, &format!("col.{i}")).trim().to_string())
                .filter(|t| !t.is_empty())
        })
        .collect();
    let mapping = Mapping {
        columns: columns.clone(),
    };
    // Two columns for one field would make one of them win silently.
    let mut errors: Vec<String> = Vec::new();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, t) in columns.iter().enumerate() {
        if let Some(first) = t.as_deref().and_then(|t| seen.insert(t, i)) {
            errors.push(format!(
                "{} {} / {}: {}",
                lang.t("import.column"),
                column_letter(first),
                column_letter(i),
                lang.error("mapping_target_twice")
            ));
        }
    }
    if let Err(codes) = mapping.check() {
        errors.extend(codes.iter().map(|c| lang.error(c).into_owned()));
    }
    if !errors.is_empty() {
        job.mapping = columns;
        return render_job(&state, lang, &caller, &uri, job, errors).await;
    }
    let db = state.db();
    if form_value(&pairs, "save_mapping") == "1"
        && let Err(e) = db
            .save_import_mapping(&headers_key(&job.headers), &columns, &caller.actor.name)
            .await
    {
        return error_page(lang, &uri, e.into());
    }
    let done = db.start_import_check(&id, &columns).await;
    state.wake_import_worker();
    back_to_job(lang, &uri, &id, done)
}

/// A button on the job page: the role, the CSRF token and the job's scope are checked.
async fn accept_job_form(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    uri: &Uri,
    id: &str,
    form: &[u8],
) -> Result<Vec<(String, String)>, Response> {
    let pairs = accept_form(caller, Permission::ImportRegistry, form).map_err(|r| *r)?;
    visible_job(state, caller, id)
        .await
        .map_err(|e| error_page(lang, uri, e))?;
    Ok(pairs)
}

/// After a button: the job's page, or the page of an error.
fn back_to_job(lang: Lang, uri: &Uri, id: &str, done: sentra_storage::Result<bool>) -> Response {
    match done {
        Ok(_) => Redirect::to(&format!("/umkm/import/{id}")).into_response(),
        Err(e) => error_page(lang, uri, e.into()),
    }
}

async fn commit(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    Path(id): Path<String>,
    RawForm(form): RawForm,
) -> Response {
    let pairs = match accept_job_form(&state, lang, &caller, &uri, &id, &form).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let all_or_nothing = form_value(&pairs, "mode") == "all_or_nothing";
    let done = state.db().queue_import_commit(&id, all_or_nothing).await;
    state.wake_import_worker();
    back_to_job(lang, &uri, &id, done)
}

async fn reopen(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    Path(id): Path<String>,
    RawForm(form): RawForm,
) -> Response {
    if let Err(r) = accept_job_form(&state, lang, &caller, &uri, &id, &form).await {
        return r;
    }
    back_to_job(lang, &uri, &id, state.db().reopen_import_mapping(&id).await)
}

async fn cancel(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    Path(id): Path<String>,
    RawForm(form): RawForm,
) -> Response {
    if let Err(r) = accept_job_form(&state, lang, &caller, &uri, &id, &form).await {
        return r;
    }
    match state.db().cancel_import_job(&id).await {
        Ok(_) => Redirect::to("/umkm/import").into_response(),
        Err(e) => error_page(lang, &uri, e.into()),
    }
}

/// The rejected rows of the dry run with their reasons, to fix and upload again.
async fn rejected(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = require(&caller, Permission::ImportRegistry) {
        return *r;
    }
    let job = match visible_job(&state, &caller, &id).await {
        Ok(j) => j,
        Err(e) => return error_page(lang, &uri, e),
    };
    let db = state.db();
    let problems = match db.import_problems(&id, true, u32::MAX, 0).await {
        Ok(p) => p,
        Err(e) => return error_page(lang, &uri, e.into()),
    };
    let bytes = match db.import_job_file(&id).await {
        Ok(Some(b)) => b,
        Ok(None) => return error_page(lang, &uri, ApiError::Gone("import_file_gone")),
        Err(e) => return error_page(lang, &uri, e.into()),
    };
    let built = tokio::task::spawn_blocking(move || {
        let prepared = prepare(&job.file_name, bytes).map_err(|e| e.to_string())?;
        let invalid = sentra_import::worker::invalid_by_line(&problems);
        let mapping = Mapping {
            columns: job.mapping.clone(),
        };
        let stem = job
            .file_name
            .rsplit_once('.')
            .map_or(job.file_name.as_str(), |(s, _)| s)
            .to_string();
        rejected_xlsx(lang, &invalid, &prepared.data, &job.headers, &mapping)
            .map(|b| (stem, b))
            .map_err(|e| e.to_string())
    })
    .await;
    match built {
        Ok(Ok((stem, bytes))) => {
            // Only ASCII in the header's file name; browsers keep the rest of the name.
            let safe: String = stem
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            xlsx_response(&format!("{safe}-ditolak.xlsx"), bytes)
        }
        Ok(Err(e)) => error_page(lang, &uri, ApiError::Internal(e)),
        Err(e) => error_page(lang, &uri, ApiError::Internal(e.to_string())),
    }
}
