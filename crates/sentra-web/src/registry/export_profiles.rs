//! `/umkm/ekspor`: the registry list as filtered, or its businesses' products, in another
//! system's columns (issue 33) — the ministry's single UMKM data, LKPP's e-Katalog product data,
//! a deployment's own — each declared by an export profile (`sentra_domain::export_profile`).
//! Scope, masking and audit are the registry export's.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, RawQuery};
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use sentra_domain::account::Permission;
use sentra_domain::export_profile::{self as profile, ColumnType, Profile, Record, Subject};
use sentra_domain::scope::Scope;
use sentra_sheets::{Cell, Column, Kind};
use sentra_storage::ProfileExport;
use tokio::sync::mpsc;

use crate::AppState;
use crate::catalogue::public::site_base;
use crate::error::{ApiError, PageResult};
use crate::extract::PageCtx;
use crate::forms::form_value;
use crate::lang::Lang;
use crate::registry::export::{
    JobPage, csv_download, export_params, registry_total, write_workbook, xlsx_response,
};
use crate::routes::{Access, Routes};
use crate::ui::Chrome;

pub fn routes() -> Routes {
    let read = Access::Role(Permission::ReadRegistry);
    Routes::new("").get("/umkm/ekspor", read, page).get(
        "/umkm/ekspor/{export_file}",
        read,
        download,
    )
}

/// The query key that names the profile of an export job.
pub(crate) const PROFILE_KEY: &str = "profil";

/// A profile's cells as the sheet writers take them.
fn sheet_cell(c: profile::Cell) -> Cell {
    match c {
        profile::Cell::Empty => Cell::Empty,
        profile::Cell::Text(t) => Cell::Text(t),
        profile::Cell::Integer(n) => Cell::Integer(n),
        profile::Cell::Rupiah(n) => Cell::Rupiah(n.into()),
        profile::Cell::Decimal(x, d) => Cell::Decimal(x, d),
        profile::Cell::Date(d) => Cell::Date(d),
    }
}

fn sheet_columns(p: &Profile) -> Vec<Column> {
    p.columns
        .iter()
        .zip(p.column_types())
        .map(|(c, t)| {
            let kind = match t {
                ColumnType::Text => Kind::Text,
                ColumnType::Integer => Kind::Integer,
                ColumnType::Rupiah => Kind::Rupiah,
                ColumnType::Decimal => Kind::Decimal(c.decimals.unwrap_or(2)),
                ColumnType::Date => Kind::Date,
            };
            Column::new(c.header.clone(), kind)
        })
        .collect()
}

fn cells_of(p: &Profile) -> impl Fn(&Record) -> Vec<Cell> + Send + Sync + 'static {
    let p = p.clone();
    move |r| p.render(r).into_iter().map(sheet_cell).collect()
}

/// What an export of `query` takes: the list's filters, whether personal data goes out whole,
/// whether only e-katalog products.
pub(crate) fn profile_export(
    state: &AppState,
    role: sentra_domain::account::Role,
    p: &Profile,
    query: &str,
    site: String,
) -> Result<ProfileExport, ApiError> {
    let (filter, reveal) = export_params(state, role, query)?;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    Ok(ProfileExport {
        profile: p.id.clone(),
        subject: p.subject,
        filter,
        only_ekatalog: form_value(&pairs, "ekatalog") == "1",
        reveal,
        site,
    })
}

/// The export's rows, streamed from its own task.
pub(crate) fn spawn_profile_export(
    db: sentra_storage::Database,
    scope: Scope,
    export: ProfileExport,
    actor: sentra_storage::Actor,
) -> mpsc::Receiver<Record> {
    let (tx, rx) = mpsc::channel(1024);
    tokio::spawn(async move {
        if let Err(e) = db.export_profile(&scope, &export, &actor, tx).await {
            tracing::error!(error = %e, profile = %export.profile, "profile export failed");
        }
    });
    rx
}

/// How many rows the export writes.
pub(crate) async fn row_count(
    db: &sentra_storage::Database,
    scope: &Scope,
    export: &ProfileExport,
) -> Result<i64, sentra_storage::StorageError> {
    match export.subject {
        Subject::Umkm => registry_total(db, scope, &export.filter).await,
        Subject::Products => db.count_profile_products(scope, export).await,
    }
}

/// A profile's workbook ([`write_workbook`]).
pub(crate) async fn write_profile_workbook(
    p: &Profile,
    rx: mpsc::Receiver<Record>,
    progress: impl Fn(u64) + Send + 'static,
) -> std::io::Result<(Vec<u8>, u64)> {
    write_workbook(rx, p.sheet.clone(), sheet_columns(p), cells_of(p), progress).await
}

fn find<'a>(state: &'a AppState, id: &str) -> Result<&'a Profile, ApiError> {
    state
        .export_profiles()
        .iter()
        .find(|p| p.id == id)
        .ok_or(ApiError::NotFound)
}

/// `{profile}-{yyyymmdd-hhmm}.{ext}`
fn file_name(p: &Profile, ext: &str) -> String {
    format!(
        "{}-{}.{ext}",
        p.id,
        chrono::Local::now().format("%Y%m%d-%H%M")
    )
}

/// `/umkm/ekspor/{profile}.csv` or `.xlsx`, with the registry list's filters.
async fn download(
    ctx: PageCtx,
    headers: HeaderMap,
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
) -> PageResult {
    let (id, ext) = file.rsplit_once('.').ok_or(ApiError::NotFound)?;
    let p = find(&ctx.state, id)?.clone();
    let query = query.unwrap_or_default();
    let site = site_base(&ctx.state, &headers);
    let export = profile_export(&ctx.state, ctx.caller.user.role, &p, &query, site)?;
    let scope = ctx.scope();
    match ext {
        "csv" => {
            let headers = p.headers().into_iter().map(Cell::text).collect();
            let rx =
                spawn_profile_export(ctx.db().clone(), scope, export, ctx.caller.actor.clone());
            csv_download(&file_name(&p, "csv"), headers, rx, cells_of(&p)).map_err(Into::into)
        }
        "xlsx" => {
            let total = row_count(ctx.db(), &scope, &export).await?;
            if total > ctx.state.xlsx_inline_max() {
                // Written by the export worker, like a large registry export.
                let mut pairs: Vec<(String, String)> =
                    serde_urlencoded::from_str(&query).unwrap_or_default();
                pairs.retain(|(k, _)| k != PROFILE_KEY);
                pairs.push((PROFILE_KEY.into(), p.id.clone()));
                let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
                return Ok(JobPage::offer(&ctx, query, total).into_response());
            }
            let rx =
                spawn_profile_export(ctx.db().clone(), scope, export, ctx.caller.actor.clone());
            let (bytes, _) = write_profile_workbook(&p, rx, |_| {})
                .await
                .map_err(|e| ApiError::Internal(e.to_string()))?;
            Ok(xlsx_response(&file_name(&p, "xlsx"), bytes))
        }
        _ => Err(ApiError::NotFound.into()),
    }
}

pub struct ColumnRow {
    pub number: usize,
    pub header: String,
    pub content: String,
    pub required: bool,
    pub note: String,
}

pub struct DownloadLink {
    pub label: String,
    pub xlsx: String,
    pub csv: String,
}

pub struct ProfileCard {
    pub id: String,
    pub title: String,
    pub description: String,
    pub rows_are: String,
    pub downloads: Vec<DownloadLink>,
    pub personal_note: String,
    pub columns: Vec<ColumnRow>,
    pub sources: Vec<(String, String, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "registry/export_profiles.html")]
pub struct ProfilesPage {
    pub c: Chrome,
    pub l: Lang,
    pub filter_text: String,
    pub back_href: String,
    pub profiles: Vec<ProfileCard>,
}

/// The list's filters as a query to pass on (no page, sort, language or export switches).
fn passed_on(query: &str) -> Vec<(String, String)> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    pairs
        .into_iter()
        .filter(|(k, v)| {
            !v.is_empty()
                && ![
                    "page",
                    "sort",
                    "dir",
                    "lang",
                    "personal",
                    "ekatalog",
                    PROFILE_KEY,
                ]
                .contains(&k.as_str())
        })
        .collect()
}

fn with_query(path: &str, pairs: &[(String, String)], extra: &[(&str, &str)]) -> String {
    let mut all: Vec<(String, String)> = pairs.to_vec();
    all.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    if all.is_empty() {
        path.to_string()
    } else {
        format!(
            "{path}?{}",
            serde_urlencoded::to_string(&all).unwrap_or_default()
        )
    }
}

/// `/umkm/ekspor`: the profiles, each with its downloads for the list as filtered, its columns
/// and its sources.
async fn page(ctx: PageCtx, RawQuery(query): RawQuery) -> PageResult {
    let lang = ctx.lang;
    let english = lang == Lang::En;
    let query = query.unwrap_or_default();
    // The filters are checked as the list checks them: a bad one is named, not ignored.
    let (filter, _) = export_params(&ctx.state, ctx.caller.user.role, &query)?;
    let total = registry_total(ctx.db(), &ctx.scope(), &filter).await?;
    let pairs = passed_on(&query);
    let may_reveal = ctx.caller.user.role.can(Permission::RevealPersonalData);
    let profiles = ctx
        .state
        .export_profiles()
        .iter()
        .map(|p| {
            let base = format!("/umkm/ekspor/{}", p.id);
            let link = |label: String, extra: &[(&str, &str)]| DownloadLink {
                label,
                xlsx: with_query(&format!("{base}.xlsx"), &pairs, extra),
                csv: with_query(&format!("{base}.csv"), &pairs, extra),
            };
            let personal = p.has_personal_fields();
            let mut downloads = match p.subject {
                Subject::Umkm => vec![link(lang.t("export_profile.all_rows").into_owned(), &[])],
                Subject::Products => vec![
                    link(
                        lang.t("export_profile.products_published").into_owned(),
                        &[],
                    ),
                    link(
                        lang.t("export_profile.products_listed").into_owned(),
                        &[("ekatalog", "1")],
                    ),
                ],
            };
            if personal && may_reveal {
                downloads.push(link(
                    lang.t("export_profile.with_personal").into_owned(),
                    &[("personal", "1")],
                ));
            }
            let personal_note = match (personal, may_reveal) {
                (false, _) => String::new(),
                (true, true) => lang.t("export_profile.personal_audited").into_owned(),
                (true, false) => lang.t("export_profile.personal_masked").into_owned(),
            };
            ProfileCard {
                id: p.id.clone(),
                title: p.title.get(english).to_string(),
                description: p.description.get(english).to_string(),
                rows_are: lang
                    .t(&format!("export_profile.rows_{}", p.subject.as_str()))
                    .into_owned(),
                downloads,
                personal_note,
                columns: p
                    .columns
                    .iter()
                    .enumerate()
                    .map(|(i, c)| ColumnRow {
                        number: i + 1,
                        header: c.header.clone(),
                        content: match (&c.value, &c.codes) {
                            (Some(v), _) if v.is_empty() => {
                                lang.t("export_profile.content_blank").into_owned()
                            }
                            (Some(v), _) => {
                                lang.tf("export_profile.content_fixed", &[("value", v)])
                            }
                            (None, Some(_)) => lang.t("export_profile.content_coded").into_owned(),
                            (None, None) => String::new(),
                        },
                        required: c.required,
                        note: c.note.clone(),
                    })
                    .collect(),
                sources: p
                    .sources
                    .iter()
                    .map(|s| (s.title.clone(), s.url.clone(), s.note.clone()))
                    .collect(),
            }
        })
        .collect();
    Ok(ProfilesPage {
        c: ctx.chrome(lang.t("export_profile.title")),
        l: lang,
        filter_text: lang.tf(
            "export_profile.filter_total",
            &[("n", &sentra_domain::money::format_thousands(total))],
        ),
        back_href: with_query("/umkm", &pairs, &[]),
        profiles,
    }
    .into_response())
}

/// The profile an export job's query names, if any (`Err`: one this server does not offer).
pub(crate) fn job_profile(state: &AppState, query: &str) -> Result<Option<Profile>, String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    let id = form_value(&pairs, PROFILE_KEY);
    if id.is_empty() {
        return Ok(None);
    }
    find(state, id)
        .cloned()
        .map(Some)
        .map_err(|_| format!("export profile {id} is not offered"))
}
