//! The duplicate review queue: pairs of records that look like one business, with the reasons
//! and a score; a comparison page where the operator merges them field by field or marks them
//! "not a duplicate" (remembered); and the batch check over the whole registry.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, RawForm, RawQuery, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use sentra_domain::account::Permission;
use sentra_domain::merge::{Side, default_side, group_value, merge_groups, merge_inputs};
use sentra_domain::umkm::UmkmInput;
use sentra_storage::{DuplicatePairRow, UmkmRecord, record_input};

use crate::AppState;
use crate::api::validated;
use crate::auth::{Caller, accept_form, require};
use crate::error::ApiError;
use crate::forms::form_value;
use crate::lang::{Lang, ReqLang};
use crate::routes::{Access, Routes};
use crate::ui::{Chrome, error_page};

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
    state: &AppState,
    caller: &Caller,
    pair: &str,
) -> Result<(DuplicatePairRow, UmkmRecord, UmkmRecord), ApiError> {
    let (a, b) = split_pair(pair)?;
    Ok(state.db().duplicate_pair(&caller.scope(), a, b).await?)
}

fn reasons_text(l: Lang, reasons: &[String]) -> String {
    reasons
        .iter()
        .map(|r| l.t(&format!("dup.reason_{r}")).into_owned())
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

async fn queue(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    RawQuery(query): RawQuery,
) -> Response {
    if let Err(r) = require(&caller, Permission::VerifyRegistry) {
        return *r;
    }
    let pairs: Vec<(String, String)> = crate::forms::query_pairs(query.as_deref());
    let page_no: u32 = form_value(&pairs, "page")
        .parse()
        .unwrap_or(1)
        .clamp(1, 100_000);
    let (rows, total) = match state
        .db()
        .duplicate_queue(&caller.scope(), PER_PAGE, (page_no - 1) * PER_PAGE)
        .await
    {
        Ok(x) => x,
        Err(e) => return error_page(lang, &uri, e.into()),
    };
    let notice = match form_value(&pairs, "done") {
        "scan" => Some(lang.t("dup.scan_started").into_owned()),
        "merged" => Some(lang.t("dup.done_merged").into_owned()),
        "dismissed" => Some(lang.t("dup.done_dismissed").into_owned()),
        _ => None,
    };
    let pages = (total + i64::from(PER_PAGE) - 1) / i64::from(PER_PAGE);
    let page = QueuePage {
        c: Chrome::new(lang, lang.t("dup.title").into_owned(), &uri).signed_in(&caller),
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
    };
    page.into_response()
}

/// The batch check over the caller's whole scope, in the background: a large registry takes
/// longer than a request may.
async fn scan(State(state): State<AppState>, caller: Caller, RawForm(form): RawForm) -> Response {
    if let Err(r) = accept_form(&caller, Permission::VerifyRegistry, &form) {
        return *r;
    }
    let db = state.db().clone();
    let scope = caller.scope();
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

#[allow(clippy::too_many_arguments)]
async fn render_compare(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    uri: &Uri,
    pair: DuplicatePairRow,
    a: UmkmRecord,
    b: UmkmRecord,
    chosen: Option<&[(String, String)]>,
    errors: Vec<String>,
) -> Response {
    let sectors = state.db().sectors().await.unwrap_or_default();
    let (ia, ib) = (record_input(&a), record_input(&b));
    let keep_b = match chosen {
        Some(form) => form_value(form, "keep") == "b",
        None => keep_b_by_default(&a, &b),
    };
    let keep = if keep_b { Side::B } else { Side::A };
    let rows = merge_groups()
        .into_iter()
        .filter_map(|g| {
            let (va, vb) = (
                shown(state, &sectors, lang, &g, &ia),
                shown(state, &sectors, lang, &g, &ib),
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
        .collect();
    let status = |r: &UmkmRecord| {
        lang.t(&format!("status.{}", r.status.as_str()))
            .into_owned()
    };
    let page = ComparePage {
        c: Chrome::new(lang, lang.t("dup.compare_title").into_owned(), uri).signed_in(caller),
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

async fn compare(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    Path(pair): Path<String>,
) -> Response {
    if let Err(r) = require(&caller, Permission::VerifyRegistry) {
        return *r;
    }
    match find_pair(&state, &caller, &pair).await {
        Ok((p, a, b)) => {
            render_compare(&state, lang, &caller, &uri, p, a, b, None, Vec::new()).await
        }
        Err(e) => error_page(lang, &uri, e),
    }
}

/// The merge: the kept record takes the chosen value of each group; the other is marked as
/// merged into it.
async fn merge(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    Path(pair): Path<String>,
    RawForm(form): RawForm,
) -> Response {
    let fields = match accept_form(&caller, Permission::VerifyRegistry, &form) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let scope = caller.scope();
    let (p, a, b) = match find_pair(&state, &caller, &pair).await {
        Ok(x) => x,
        Err(e) => return error_page(lang, &uri, e),
    };
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
        (&b.id, version("version_b"), &a.id, version("version_a"))
    } else {
        (&a.id, version("version_a"), &b.id, version("version_b"))
    };
    let data = match validated(&state, &scope, &merged).await {
        Ok(d) => d,
        Err(ApiError::Validation(errors)) => {
            let texts = errors
                .iter()
                .map(|e| format!("{}: {}", group_label(lang, &e.field), lang.error(e.code)))
                .collect();
            return render_compare(&state, lang, &caller, &uri, p, a, b, Some(&fields), texts)
                .await;
        }
        Err(e) => return error_page(lang, &uri, e),
    };
    match state
        .db()
        .merge_umkm(&scope, keep, keep_v, other, other_v, &data, &caller.actor)
        .await
    {
        Ok(r) => Redirect::to(&format!("/umkm/{}?done=merged", r.id)).into_response(),
        Err(e) => error_page(lang, &uri, e.into()),
    }
}

async fn dismiss(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    Path(pair): Path<String>,
    RawForm(form): RawForm,
) -> Response {
    if let Err(r) = accept_form(&caller, Permission::VerifyRegistry, &form) {
        return *r;
    }
    let done = match split_pair(&pair) {
        Ok((a, b)) => state
            .db()
            .dismiss_duplicate(&caller.scope(), a, b, &caller.actor)
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    match done {
        Ok(()) => Redirect::to("/umkm/duplicates?done=dismissed").into_response(),
        Err(e) => error_page(lang, &uri, e),
    }
}
