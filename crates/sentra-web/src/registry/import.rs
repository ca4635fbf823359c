//! Importing a spreadsheet in the browser: upload, check the column mapping (and save it for
//! files with the same header row), the dry run's report with the rejected rows as a workbook,
//! then commit. The dry run and the commit are jobs run by the worker of `sentra-import`; their
//! pages refresh themselves (no JavaScript needed) until the job is done.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, Request};
use axum::handler::Handler;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use sentra_domain::account::Permission;
use sentra_domain::import::{ImportOptions, Mapping, TARGETS, UpdateMode};
use sentra_import::{column_letter, headers_key, prepare, reason, rejected_xlsx, target_label};
use sentra_storage::{ImportCounts, ImportJob, JobState, NewImportJob, UndoConflict, UndoOutcome};

use crate::AppState;
use crate::auth::check_csrf;
use crate::error::{ApiError, PageResult};
use crate::extract::{FormPairs, PageCtx};
use crate::forms::form_value;
use crate::lang::Lang;
use crate::registry::export::xlsx_response;
use crate::routes::{Access, Routes};
use crate::ui::{Chrome, Opt};

/// Largest spreadsheet accepted from the browser (a kabupaten's whole list fits easily).
pub const UPLOAD_LIMIT: usize = 64 * 1024 * 1024;
/// Findings listed on the report page; all of them are in the rejected-rows workbook.
const SHOWN_FINDINGS: u32 = 200;
/// Changes to stored records listed on the report page; all of them are in the download.
const SHOWN_CHANGES: u32 = 200;

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
        .get("/umkm/import/{job}/changes.xlsx", import, changes_download)
        .post("/umkm/import/{job}/undo", import, undo)
        .post("/umkm/import/{job}/check", import, check)
        .post("/umkm/import/{job}/commit", import, commit)
        .post("/umkm/import/{job}/mapping", import, reopen)
        .post("/umkm/import/{job}/kata", import, teach_words)
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

/// The start page (the upload form and the recent jobs of the caller's area), with the upload's
/// problem when there is one.
async fn show_start(ctx: &PageCtx, error: Option<String>) -> PageResult {
    let lang = ctx.lang;
    let jobs = ctx
        .db()
        .import_jobs_within(ctx.scope().region_code(), 20)
        .await?;
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = StartPage {
        c: ctx.chrome(lang.t("import.title")),
        l: lang,
        error,
        jobs: jobs.iter().map(|j| job_row(lang, j)).collect(),
    };
    Ok((status, page).into_response())
}

fn job_row(lang: Lang, j: &ImportJob) -> JobRow {
    JobRow {
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
    }
}

async fn start_page(ctx: PageCtx) -> PageResult {
    show_start(&ctx, None).await
}

/// The registry's own column layout, empty: the export has the same columns, so an export
/// edited in Excel imports back.
async fn template(ctx: PageCtx) -> PageResult {
    let layout =
        super::export::ExportLayout::load(ctx.db(), ctx.lang, ctx.scope().region_code()).await?;
    let bytes = sentra_sheets::XlsxWriter::new("UMKM", &layout.columns())
        .and_then(|w| w.finish())
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(xlsx_response("template-impor-umkm.xlsx", bytes))
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

/// The multipart upload: `_csrf` and `file`. (The role was checked by the route before the
/// body is read.)
async fn upload(ctx: PageCtx, request: Request) -> PageResult {
    let lang = ctx.lang;
    let (pairs, file) = match read_upload(request, &ctx.state).await {
        Ok(u) => u,
        Err(code) => return show_start(&ctx, Some(lang.error(code).into_owned())).await,
    };
    check_csrf(&ctx.caller, &pairs)?;
    let Some((file_name, bytes)) = file else {
        let msg = lang.error("import_file_missing").into_owned();
        return show_start(&ctx, Some(msg)).await;
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
            return show_start(&ctx, Some(msg)).await;
        }
        Err(e) => return Err(ApiError::Internal(e.to_string()).into()),
    };
    let mapping = match ctx
        .db()
        .saved_import_mapping(&headers_key(&prepared.headers))
        .await?
    {
        Some(saved) => saved,
        None => Mapping::guess(&prepared.headers).columns,
    };
    let scope = ctx.scope();
    let job = NewImportJob {
        created_by: &ctx.caller.actor.name,
        scope_region: scope.region_code(),
        file_name: &file_name,
        file: &bytes,
        sheet: &prepared.sheet,
        detected: &prepared.detected,
        header_line: prepared.header_line,
        headers: &prepared.headers,
        mapping: &mapping,
    };
    let id = ctx.db().create_import_job(&job).await?;
    Ok(Redirect::to(&format!("/umkm/import/{id}")).into_response())
}

/// The job, if it lies within the caller's scope (otherwise it does not exist for them).
async fn visible_job(ctx: &PageCtx, id: &str) -> Result<ImportJob, ApiError> {
    match ctx.db().import_job(id).await? {
        Some(job) if ctx.scope().contains(&job.scope_region) => Ok(job),
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
    /// The options of the mapping screen, and how the report words them.
    pub fill_empty: bool,
    pub clear_blank: bool,
    pub options_text: String,
    /// The dry run's changes to stored records: the first ones, and how many in all.
    pub changes: Vec<ChangeLine>,
    /// `200 dari 1.234 ditampilkan` when there are more than shown.
    pub changes_note: String,
    /// A written import: what its undo would touch, or who undid it.
    pub undo: Option<UndoView>,
    pub conflicts: Vec<ConflictLine>,
    /// Sector words of the file the registry does not know, each with its rows and the
    /// sectors to map it to (once for the office: later files read it too).
    pub words: Vec<WordRow>,
}

pub struct WordRow {
    pub word: String,
    pub rows: i64,
    pub choices: Vec<crate::ui::Opt>,
}

pub struct ChangeLine {
    pub line: usize,
    pub umkm_id: String,
    pub name: String,
    pub field: String,
    pub old: String,
    pub new: String,
}

pub struct UndoView {
    pub undoable: bool,
    pub text: String,
}

pub struct ConflictLine {
    pub umkm_id: String,
    pub name: String,
    pub reason: String,
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
        (
            l.t("reimport.changed_fields").into_owned(),
            c.changed_fields,
        ),
        (
            l.t("reimport.cleared_fields").into_owned(),
            c.cleared_fields,
        ),
    ]
}

/// `Isi yang kosong saja` / `Perbarui; sel kosong mengosongkan nilai`.
fn options_text(l: Lang, o: ImportOptions) -> String {
    match (o.mode, o.clear_blank) {
        (UpdateMode::FillEmpty, _) => l.t("reimport.mode_fill_empty").into_owned(),
        (UpdateMode::Update, false) => l.t("reimport.mode_update_keep").into_owned(),
        (UpdateMode::Update, true) => l.t("reimport.mode_update_clear").into_owned(),
    }
}

/// The first changes of the dry run, and how many there are.
async fn change_lines(ctx: &PageCtx, job: &ImportJob) -> PageResult<Vec<ChangeLine>> {
    let lang = ctx.lang;
    let rows = ctx.db().import_changes(&job.id, SHOWN_CHANGES, 0).await?;
    Ok(rows
        .into_iter()
        .map(|r| ChangeLine {
            line: r.line,
            umkm_id: r.umkm_id,
            name: r.name,
            field: target_label(lang, &r.change.field),
            old: sentra_import::report::shown_value(lang, &r.change.old),
            new: sentra_import::report::shown_value(lang, &r.change.new),
        })
        .collect())
}

fn changes_note(lang: Lang, shown: usize, job: &ImportJob) -> String {
    let total = job.counts.as_ref().map_or(0, |c| c.changed_fields);
    if total > shown {
        lang.tf(
            "reimport.changes_shown",
            &[("shown", &shown.to_string()), ("total", &total.to_string())],
        )
    } else {
        String::new()
    }
}

/// A written import: what its undo would do, or who undid it and when.
async fn undo_view(ctx: &PageCtx, job: &ImportJob) -> PageResult<Option<UndoView>> {
    let lang = ctx.lang;
    if job.state != JobState::Done {
        return Ok(None);
    }
    if let Some((at, by)) = &job.undone {
        let at = at.chars().take(16).collect::<String>().replace('T', " ");
        let text = lang.tf("reimport.undone", &[("by", by), ("at", &at)]);
        return Ok(Some(UndoView {
            undoable: false,
            text,
        }));
    }
    let (created, updated) = ctx.db().import_run_size(&job.id).await?;
    let text = lang.tf(
        "reimport.undo_hint",
        &[
            ("removed", &created.to_string()),
            ("restored", &updated.to_string()),
        ],
    );
    Ok(Some(UndoView {
        undoable: created + updated > 0,
        text,
    }))
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

/// The mapping screen's rows: each column with its first cells and the field it goes to.
async fn mapping_rows(ctx: &PageCtx, job: &ImportJob, mapping: &Mapping) -> Vec<MappingRow> {
    let lang = ctx.lang;
    let data = match ctx.db().import_job_file(&job.id).await {
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
    job.headers
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
        .collect()
}

/// The dry run's findings shown on the page: invalid rows, likely duplicates, and whether
/// there are more than shown.
#[derive(Default)]
struct Findings {
    invalid: Vec<Finding>,
    duplicates: Vec<Finding>,
    more: bool,
}

async fn findings(ctx: &PageCtx, job: &ImportJob, mapping: &Mapping) -> PageResult<Findings> {
    let lang = ctx.lang;
    let found = ctx
        .db()
        .import_problems(&job.id, false, SHOWN_FINDINGS + 1, 0)
        .await?;
    let mut out = Findings {
        invalid: Vec::new(),
        duplicates: Vec::new(),
        more: found.len() > SHOWN_FINDINGS as usize,
    };
    for f in found.into_iter().take(SHOWN_FINDINGS as usize) {
        if f.problem.code == sentra_storage::POSSIBLE_DUPLICATE {
            let of = f.problem.hint.unwrap_or_default();
            let text = match of.strip_prefix("row:") {
                Some(n) => format!("~ {} {n}", lang.t("import.row")),
                None => format!("~ UMKM {of}"),
            };
            out.duplicates.push(Finding { line: f.line, text });
        } else {
            out.invalid.push(Finding {
                line: f.line,
                text: reason(lang, &f.problem, &job.headers, mapping),
            });
        }
    }
    Ok(out)
}

/// The committed counts, with the duplicates queued for review.
fn result_rows(lang: Lang, c: &ImportCounts) -> Vec<(String, usize)> {
    let mut rows = count_rows(lang, c);
    rows.push((
        lang.t("import.queued_duplicates").into_owned(),
        c.queued_duplicates,
    ));
    rows
}

async fn render_job(ctx: &PageCtx, job: ImportJob, errors: Vec<String>) -> PageResult {
    render_job_with(ctx, job, errors, Vec::new()).await
}

async fn render_job_with(
    ctx: &PageCtx,
    job: ImportJob,
    errors: Vec<String>,
    conflicts: Vec<UndoConflict>,
) -> PageResult {
    let lang = ctx.lang;
    let mapping = Mapping {
        columns: job.mapping.clone(),
    };
    let (rows, saved_mapping) = if job.state == JobState::Mapping {
        let saved = ctx
            .db()
            .saved_import_mapping(&headers_key(&job.headers))
            .await;
        (
            mapping_rows(ctx, &job, &mapping).await,
            matches!(saved, Ok(Some(_))),
        )
    } else {
        (Vec::new(), false)
    };
    let found = if matches!(job.state, JobState::Checked | JobState::Failed) {
        findings(ctx, &job, &mapping).await?
    } else {
        Findings::default()
    };
    let changes = if job.state == JobState::Checked {
        change_lines(ctx, &job).await?
    } else {
        Vec::new()
    };
    let undo = undo_view(ctx, &job).await?;
    let words = if job.state == JobState::Checked {
        word_rows(ctx, &job).await?
    } else {
        Vec::new()
    };
    let title = format!("{} · {}", lang.t("import.title"), job.file_name);
    let page = JobPage {
        c: ctx.chrome(title),
        l: lang,
        id: job.id.clone(),
        file_name: job.file_name.clone(),
        detected: job.detected.clone(),
        header_line: job.header_line,
        state: state_label(lang, job.state),
        state_code: job.state.as_str(),
        refresh: job.state.is_busy(),
        errors,
        mapping_rows: rows,
        saved_mapping,
        rows_total: job.rows_total,
        rows_done: job.rows_done,
        counts: job
            .counts
            .as_ref()
            .map(|c| count_rows(lang, c))
            .unwrap_or_default(),
        has_invalid: job.counts.as_ref().is_some_and(|c| c.invalid > 0),
        invalid: found.invalid,
        duplicates: found.duplicates,
        more_findings: found.more,
        result: job
            .result
            .as_ref()
            .map(|c| result_rows(lang, c))
            .unwrap_or_default(),
        failure: job
            .error
            .as_deref()
            .map(|e| sentra_import::failure_message(lang, e))
            .unwrap_or_default(),
        fill_empty: job.options.mode == UpdateMode::FillEmpty,
        clear_blank: job.options.clear_blank,
        options_text: options_text(lang, job.options),
        changes_note: changes_note(lang, changes.len(), &job),
        changes,
        undo,
        conflicts: conflicts
            .into_iter()
            .map(|c| ConflictLine {
                umkm_id: c.umkm_id,
                name: c.name,
                reason: lang.t(c.reason).into_owned(),
            })
            .collect(),
        words,
    };
    if !page.conflicts.is_empty() {
        return Ok((StatusCode::CONFLICT, page).into_response());
    }
    Ok(with_problems_status(page).into_response())
}

/// The job page answered 422 when it shows the mapping's problems.
fn with_problems_status(page: JobPage) -> (StatusCode, JobPage) {
    let status = if page.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    (status, page)
}

async fn job_page(ctx: PageCtx, Path(id): Path<String>) -> PageResult {
    let job = visible_job(&ctx, &id).await?;
    render_job(&ctx, job, Vec::new()).await
}

/// Two columns for one field would make one of them win silently; and the mapping's own
/// rules (the fields a record needs).
fn mapping_problems(lang: Lang, columns: &[Option<String>]) -> Vec<String> {
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
    let mapping = Mapping {
        columns: columns.to_vec(),
    };
    if let Err(codes) = mapping.check() {
        errors.extend(codes.iter().map(|c| lang.error(c).into_owned()));
    }
    errors
}

/// The mapping chosen on the screen (`col.N` = target), checked; then the dry run starts.
/// Every button of the job page first checks that the job lies in the caller's scope.
async fn check(ctx: PageCtx, Path(id): Path<String>, FormPairs(pairs): FormPairs) -> PageResult {
    let mut job = visible_job(&ctx, &id).await?;
    let columns: Vec<Option<String>> = (0..job.headers.len())
        .map(|i| {
            Some(form_value(&pairs, &format!("col.{i}")).trim().to_string())
                .filter(|t| !t.is_empty())
        })
        .collect();
    let errors = mapping_problems(ctx.lang, &columns);
    if !errors.is_empty() {
        job.mapping = columns;
        return render_job(&ctx, job, errors).await;
    }
    let db = ctx.db();
    if form_value(&pairs, "save_mapping") == "1" {
        db.save_import_mapping(&headers_key(&job.headers), &columns, &ctx.caller.actor.name)
            .await?;
    }
    // Blank cells keep stored values unless clearing is ticked (issue 29).
    let options = ImportOptions {
        mode: UpdateMode::parse(form_value(&pairs, "update_mode").trim()).unwrap_or_default(),
        clear_blank: form_value(&pairs, "clear_blank") == "1",
    };
    let done = db.start_import_check(&id, &columns, options).await;
    ctx.state.wake_import_worker();
    done?;
    Ok(back_to_job(&id))
}

/// At most this many unknown words are offered at once (the most frequent first).
const WORDS_SHOWN: u32 = 30;

/// The unknown sector words of a checked file, each with the sectors to choose from.
async fn word_rows(ctx: &PageCtx, job: &ImportJob) -> PageResult<Vec<WordRow>> {
    let found = ctx
        .db()
        .import_problem_values(&job.id, "sector_unknown", WORDS_SHOWN * 8)
        .await?;
    if found.is_empty() {
        return Ok(Vec::new());
    }
    // "Ngarit" and "ngarit " are one word to the importer: one choice, their rows summed,
    // shown as most rows write it.
    let mut words: Vec<(String, String, i64)> = Vec::new();
    for (spelling, rows) in found {
        let key = sentra_domain::import::normalize_header(&spelling);
        match words.iter_mut().find(|(k, _, _)| *k == key) {
            Some(w) => w.2 += rows,
            None => words.push((key, spelling, rows)),
        }
    }
    words.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.1.cmp(&b.1)));
    words.truncate(WORDS_SHOWN as usize);
    let sectors = ctx.db().sectors().await?;
    Ok(words
        .into_iter()
        .map(|(_, word, rows)| WordRow {
            word,
            rows,
            choices: crate::ui::sector_opts(&sectors, ctx.lang, ""),
        })
        .collect())
}

/// "Kue → Kuliner": the words chosen on the report, kept for the caller's office (its scope's
/// region, read by every later import of that office and the offices under it); then the same
/// file is checked again with them.
async fn teach_words(
    ctx: PageCtx,
    Path(id): Path<String>,
    FormPairs(pairs): FormPairs,
) -> PageResult {
    let job = visible_job(&ctx, &id).await?;
    let sectors = ctx.db().sectors().await?;
    let words: Vec<(String, String)> = pairs
        .iter()
        .filter_map(|(k, v)| {
            let word = k.strip_prefix("word.")?;
            let sector = v.trim();
            let known = sectors.iter().any(|s| s.code == sector);
            let key = sentra_domain::import::normalize_header(word);
            (known && !key.is_empty()).then(|| (key, sector.to_string()))
        })
        .collect();
    if words.is_empty() {
        let errors = vec![ctx.lang.t("import.words_none_chosen").into_owned()];
        return render_job(&ctx, job, errors).await;
    }
    let office = ctx.scope().region_code().clone();
    ctx.db()
        .save_import_words(&office, "sector", &words, &ctx.caller.actor.name)
        .await?;
    let done = ctx
        .db()
        .start_import_check(&id, &job.mapping, job.options)
        .await;
    ctx.state.wake_import_worker();
    done?;
    Ok(back_to_job(&id))
}

/// After a button: the job's page.
fn back_to_job(id: &str) -> Response {
    Redirect::to(&format!("/umkm/import/{id}")).into_response()
}

async fn commit(ctx: PageCtx, Path(id): Path<String>, FormPairs(pairs): FormPairs) -> PageResult {
    visible_job(&ctx, &id).await?;
    let all_or_nothing = form_value(&pairs, "mode") == "all_or_nothing";
    let done = ctx.db().queue_import_commit(&id, all_or_nothing).await;
    ctx.state.wake_import_worker();
    done?;
    Ok(back_to_job(&id))
}

/// "Batalkan impor": all or nothing; refused with the records changed since.
async fn undo(ctx: PageCtx, Path(id): Path<String>, FormPairs(_): FormPairs) -> PageResult {
    let job = visible_job(&ctx, &id).await?;
    let today = crate::clock::today();
    let outcome = ctx
        .db()
        .undo_import(&ctx.scope(), &id, &ctx.caller.actor, today)
        .await;
    match outcome {
        Ok(UndoOutcome::Done { .. }) => Ok(back_to_job(&id)),
        Ok(UndoOutcome::Refused(conflicts)) => {
            let errors = vec![ctx.lang.t("reimport.undo_refused").into_owned()];
            render_job_with(&ctx, job, errors, conflicts).await
        }
        Ok(UndoOutcome::NotUndoable) | Err(sentra_storage::StorageError::Conflict) => {
            let job = visible_job(&ctx, &id).await?;
            let errors = vec![ctx.lang.t("reimport.undo_not_possible").into_owned()];
            render_job_with(&ctx, job, errors, Vec::new())
                .await
                .map(|r| (StatusCode::CONFLICT, r).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// Every change of the dry run to stored records, as a workbook.
async fn changes_download(ctx: PageCtx, Path(id): Path<String>) -> PageResult {
    let lang = ctx.lang;
    let job = visible_job(&ctx, &id).await?;
    let rows = ctx.db().import_changes(&id, u32::MAX, 0).await?;
    let built =
        tokio::task::spawn_blocking(move || sentra_import::report::changes_xlsx(lang, &rows)).await;
    let bytes = match built {
        Ok(Ok(b)) => b,
        Ok(Err(e)) => return Err(ApiError::Internal(e.to_string()).into()),
        Err(e) => return Err(ApiError::Internal(e.to_string()).into()),
    };
    Ok(xlsx_response(
        &format!("{}-perubahan.xlsx", ascii_stem(&job.file_name)),
        bytes,
    ))
}

async fn reopen(ctx: PageCtx, Path(id): Path<String>, FormPairs(_): FormPairs) -> PageResult {
    visible_job(&ctx, &id).await?;
    ctx.db().reopen_import_mapping(&id).await?;
    Ok(back_to_job(&id))
}

async fn cancel(ctx: PageCtx, Path(id): Path<String>, FormPairs(_): FormPairs) -> PageResult {
    visible_job(&ctx, &id).await?;
    ctx.db().cancel_import_job(&id).await?;
    Ok(Redirect::to("/umkm/import").into_response())
}

/// The rejected rows of the dry run with their reasons, to fix and upload again.
async fn rejected(ctx: PageCtx, Path(id): Path<String>) -> PageResult {
    let lang = ctx.lang;
    let job = visible_job(&ctx, &id).await?;
    let db = ctx.db();
    let problems = db.import_problems(&id, true, u32::MAX, 0).await?;
    let bytes = db
        .import_job_file(&id)
        .await?
        .ok_or(ApiError::Gone("import_file_gone"))?;
    let built = tokio::task::spawn_blocking(move || {
        let prepared = prepare(&job.file_name, bytes).map_err(|e| e.to_string())?;
        let invalid = sentra_import::worker::invalid_by_line(&problems);
        let mapping = Mapping {
            columns: job.mapping.clone(),
        };
        rejected_xlsx(lang, &invalid, &prepared.data, &job.headers, &mapping)
            .map(|b| (ascii_stem(&job.file_name), b))
            .map_err(|e| e.to_string())
    })
    .await;
    let (stem, bytes) = match built {
        Ok(Ok(built)) => built,
        Ok(Err(e)) => return Err(ApiError::Internal(e).into()),
        Err(e) => return Err(ApiError::Internal(e.to_string()).into()),
    };
    Ok(xlsx_response(&format!("{stem}-ditolak.xlsx"), bytes))
}

/// The file's name without its extension, in ASCII only for the download header (browsers
/// keep the rest of the name).
fn ascii_stem(file_name: &str) -> String {
    file_name
        .rsplit_once('.')
        .map_or(file_name, |(s, _)| s)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}
