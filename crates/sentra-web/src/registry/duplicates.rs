//! The duplicate review queue: pairs of records that look like one business, with the reasons
//! and a score; a comparison page where the operator merges them field by field or marks them
//! "not a duplicate" (remembered); and the batch check over the whole registry.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use sentra_domain::account::Permission;
use sentra_domain::merge::{Side, default_side, group_value, merge_groups, merge_inputs};
use sentra_domain::umkm::UmkmInput;
use sentra_storage::{DuplicatePairRow, UmkmRecord, record_input};
use serde::Deserialize;

use crate::AppState;
use crate::api::validated;
use crate::error::{ApiError, PageResult};
use crate::extract::{FormPairs, PageCtx, PageQuery};
use crate::forms::form_value;
use crate::lang::Lang;
use crate::routes::{Access, Routes};
use crate::ui::Chrome;

const PER_PAGE: u32 = 50;

pub fn routes() -> Routes {
    let verify = Access::Role(Permission::VerifyRegistry);
    Routes::new("")
        .get("/umkm/duplicates", verify, queue)
        .post("/umkm/duplicates/scan", verify, scan)
        .get("/umkm/duplicates/{pair}", verify, compare)
        .post("/umkm/duplicates/{pair}/merge", verify, merge)
        .post("/umkm/duplicates/{pair}/dismiss", verify, dismiss)
}

/// `a~b`: the path of a pair.
pub fn pair_href(a: &str, b: &str) -> String {
    format!("/umkm/duplicates/{a}~{b}")
}

fn split_pair(pair: &str) -> Result<(&str, &str), ApiError> {
    pair.split_once('~').ok_or(ApiError::NotFound)
}

/// The pair named by the path, with both records, if both lie in the caller's scope.
async fn find_pair(
    ctx: &PageCtx,
    pair: &str,
) -> Result<(DuplicatePairRow, UmkmRecord, UmkmRecord), ApiError> {
    let (a, b) = split_pair(pair)?;
    Ok(ctx.db().duplicate_pair(&ctx.scope(), a, b).await?)
}

pub(crate) fn reasons_text(l: Lang, reasons: &[impl AsRef<str>]) -> String {
    reasons
        .iter()
        .map(|r| l.t(&format!("dup.reason_{}", r.as_ref())).into_owned())
        .collect::<Vec<_>>()
        .join(", ")
}

pub struct QueueRow {
    pub href: String,
    pub a_name: String,
    pub b_name: String,
    pub a_place: String,
    pub b_place: String,
    pub score: i64,
    pub reasons: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "registry/duplicates.html")]
pub struct QueuePage {
    pub c: Chrome,
    pub l: Lang,
    pub rows: Vec<QueueRow>,
    pub total_text: String,
    pub notice: Option<String>,
    pub prev_href: Option<String>,
    pub next_href: Option<String>,
}

/// `/umkm/duplicates?page=…&done=…`.
#[derive(Deserialize)]
struct QueueQuery {
    #[serde(default, deserialize_with = "crate::extract::blank_as_none")]
    page: Option<u32>,
    /// What was just done, after a redirect.
    #[serde(default)]
    done: String,
}

async fn queue(ctx: PageCtx, PageQuery(q): PageQuery<QueueQuery>) -> PageResult {
    let lang = ctx.lang;
    let page_no = q.page.unwrap_or(1).clamp(1, 100_000);
    let (rows, total) = ctx
        .db()
        .duplicate_queue(&ctx.scope(), PER_PAGE, (page_no - 1) * PER_PAGE)
        .await?;
    let notice = match q.done.as_str() {
        "scan" => Some(lang.t("dup.scan_started").into_owned()),
        "merged" => Some(lang.t("dup.done_merged").into_owned()),
        "dismissed" => Some(lang.t("dup.done_dismissed").into_owned()),
        _ => None,
    };
    let pages = (total + i64::from(PER_PAGE) - 1) / i64::from(PER_PAGE);
    let state = &ctx.state;
    Ok(QueuePage {
        c: ctx.chrome(lang.t("dup.title")),
        l: lang,
        rows: rows
            .into_iter()
            .map(|p: DuplicatePairRow| QueueRow {
                href: pair_href(&p.a_id, &p.b_id),
                a_place: state.region_name(&p.a_village),
                b_place: state.region_name(&p.b_village),
                a_name: p.a_name,
                b_name: p.b_name,
                score: p.score,
                reasons: reasons_text(lang, &p.reasons),
            })
            .collect(),
        total_text: lang.tf("dup.total", &[("n", &total.to_string())]),
        notice,
        prev_href: (page_no > 1).then(|| format!("/umkm/duplicates?page={}", page_no - 1)),
        next_href: (i64::from(page_no) < pages)
            .then(|| format!("/umkm/duplicates?page={}", page_no + 1)),
    }
    .into_response())
}

/// The batch check over the caller's whole scope, in the background: a large registry takes
/// longer than a request may.
async fn scan(ctx: PageCtx, FormPairs(_): FormPairs) -> Response {
    let db = ctx.db().clone();
    let scope = ctx.scope();
    tokio::spawn(async move {
        match db.scan_duplicates(&scope).await {
            Ok(o) => tracing::info!(
                records = o.records,
                pairs = o.pairs,
                new = o.new_pairs,
                "duplicate scan"
            ),
            Err(e) => tracing::error!(error = %e, "duplicate scan failed"),
        }
    });
    Redirect::to("/umkm/duplicates?done=scan").into_response()
}

pub struct CompareRow {
    pub group: String,
    pub label: String,
    pub a: String,
    pub b: String,
    pub same: bool,
    /// The side checked by default.
    pub choose_b: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "registry/duplicate_pair.html")]
pub struct ComparePage {
    pub c: Chrome,
    pub l: Lang,
    pub action: String,
    pub a_id: String,
    pub b_id: String,
    pub a_name: String,
    pub b_name: String,
    pub a_version: i64,
    pub b_version: i64,
    pub a_status: String,
    pub b_status: String,
    pub score: i64,
    pub reasons: String,
    pub open: bool,
    pub keep_b: bool,
    pub rows: Vec<CompareRow>,
    pub errors: Vec<String>,
}

fn group_label(l: Lang, group: &str) -> String {
    if let Some(kind) = group.strip_prefix("documents.") {
        return l.t(&format!("doc.{kind}")).into_owned();
    }
    if let Some(kind) = group.strip_prefix("links.") {
        return l.t(&format!("link.{kind}")).into_owned();
    }
    let key = match group {
        "location" => "coordinates",
        "kbli" => "kbli_code",
        g => g,
    };
    l.t(&format!("field.{key}")).into_owned()
}

/// A value as the comparison shows it: personal numbers masked, places and sectors named.
fn shown(
    state: &AppState,
    sectors: &[sentra_storage::Sector],
    l: Lang,
    group: &str,
    input: &UmkmInput,
) -> String {
    let v = group_value(input, group);
    match group {
        "nik" => sentra_domain::ids::parse_nik(&v).map_or(v, |n| n.masked()),
        "phone" if !v.is_empty() => sentra_domain::phone::parse_phone(&v).map_or(v, |p| p.masked()),
        "village_code" => state.region_name(&v),
        "sector" => sectors.iter().find(|s| s.code == v).map_or(v, |s| {
            if l == Lang::En {
                s.name_en.clone()
            } else {
                s.name_id.clone()
            }
        }),
        _ => v,
    }
}

/// The record kept by default: a verified one over a draft, then the older.
fn keep_b_by_default(a: &UmkmRecord, b: &UmkmRecord) -> bool {
    let verified = |r: &UmkmRecord| r.status == sentra_domain::umkm::UmkmStatus::Verified;
    match (verified(a), verified(b)) {
        (false, true) => true,
        (true, false) => false,
        _ => b.created_at < a.created_at,
    }
}

/// A pair and its two records.
struct Compared {
    pair: DuplicatePairRow,
    a: UmkmRecord,
    b: UmkmRecord,
}

/// The groups of fields side by side, each with the side checked.
fn compare_rows(
    ctx: &PageCtx,
    a: &UmkmRecord,
    b: &UmkmRecord,
    sectors: &[sentra_storage::Sector],
    keep: Side,
    chosen: Option<&[(String, String)]>,
) -> Vec<CompareRow> {
    let (state, lang) = (&ctx.state, ctx.lang);
    let (ia, ib) = (record_input(a), record_input(b));
    merge_groups()
        .into_iter()
        .filter_map(|g| {
            let (va, vb) = (
                shown(state, sectors, lang, &g, &ia),
                shown(state, sectors, lang, &g, &ib),
            );
            if va.is_empty() && vb.is_empty() {
                return None;
            }
            let choose_b = match chosen {
                Some(form) => form_value(form, &format!("choice.{g}")) == "b",
                None => default_side(&ia, &ib, keep, &g) == Side::B,
            };
            Some(CompareRow {
                label: group_label(lang, &g),
                same: va == vb,
                group: g,
                a: va,
                b: vb,
                choose_b,
            })
        })
        .collect()
}

async fn render_compare(
    ctx: &PageCtx,
    found: Compared,
    chosen: Option<&[(String, String)]>,
    errors: Vec<String>,
) -> Response {
    let lang = ctx.lang;
    let Compared { pair, a, b } = found;
    let sectors = ctx.db().sectors().await.unwrap_or_default();
    let keep_b = match chosen {
        Some(form) => form_value(form, "keep") == "b",
        None => keep_b_by_default(&a, &b),
    };
    let keep = if keep_b { Side::B } else { Side::A };
    let rows = compare_rows(ctx, &a, &b, &sectors, keep, chosen);
    let status = |r: &UmkmRecord| {
        lang.t(&format!("status.{}", r.status.as_str()))
            .into_owned()
    };
    let page = ComparePage {
        c: ctx.chrome(lang.t("dup.compare_title")),
        l: lang,
        action: pair_href(&pair.a_id, &pair.b_id),
        a_id: a.id.clone(),
        b_id: b.id.clone(),
        a_name: a.name.clone(),
        b_name: b.name.clone(),
        a_version: a.version,
        b_version: b.version,
        a_status: status(&a),
        b_status: status(&b),
        score: pair.score,
        reasons: reasons_text(lang, &pair.reasons),
        open: pair.status == "open" && a.merged_into.is_none() && b.merged_into.is_none(),
        keep_b,
        rows,
        errors,
    };
    let code = if page.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    (code, page).into_response()
}

async fn compare(ctx: PageCtx, Path(pair): Path<String>) -> PageResult {
    let (pair, a, b) = find_pair(&ctx, &pair).await?;
    Ok(render_compare(&ctx, Compared { pair, a, b }, None, Vec::new()).await)
}

/// The merge: the kept record takes the chosen value of each group; the other is marked as
/// merged into it.
async fn merge(ctx: PageCtx, Path(pair): Path<String>, FormPairs(fields): FormPairs) -> PageResult {
    let lang = ctx.lang;
    let scope = ctx.scope();
    let (p, a, b) = find_pair(&ctx, &pair).await?;
    let version = |k: &str| form_value(&fields, k).parse::<i64>().unwrap_or(-1);
    let (ia, ib) = (record_input(&a), record_input(&b));
    let merged = merge_inputs(&ia, &ib, |g| {
        if form_value(&fields, &format!("choice.{g}")) == "b" {
            Side::B
        } else {
            Side::A
        }
    });
    let keep_b = form_value(&fields, "keep") == "b";
    let (keep, keep_v, other, other_v) = if keep_b {
        (
            b.id.clone(),
            version("version_b"),
            a.id.clone(),
            version("version_a"),
        )
    } else {
        (
            a.id.clone(),
            version("version_a"),
            b.id.clone(),
            version("version_b"),
        )
    };
    let data = match validated(&ctx.state, &scope, &merged).await {
        Ok(d) => d,
        Err(ApiError::Validation(errors)) => {
            let texts = errors
                .iter()
                .map(|e| format!("{}: {}", group_label(lang, &e.field), lang.error(e.code)))
                .collect();
            let found = Compared { pair: p, a, b };
            return Ok(render_compare(&ctx, found, Some(&fields), texts).await);
        }
        Err(e) => return Err(e.into()),
    };
    let r = ctx
        .db()
        .merge_umkm(
            &scope,
            &keep,
            keep_v,
            &other,
            other_v,
            &data,
            &ctx.caller.actor,
        )
        .await?;
    Ok(Redirect::to(&format!("/umkm/{}?done=merged", r.id)).into_response())
}

async fn dismiss(ctx: PageCtx, Path(pair): Path<String>, FormPairs(_): FormPairs) -> PageResult {
    let (a, b) = split_pair(&pair)?;
    ctx.db()
        .dismiss_duplicate(&ctx.scope(), a, b, &ctx.caller.actor)
        .await?;
    Ok(Redirect::to("/umkm/duplicates?done=dismissed").into_response())
}
