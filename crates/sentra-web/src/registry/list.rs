//! The registry list (`/umkm`): filters by region, sector, size, status, legality and naik
//! kelas, a search, sorting and pages, with links to export what is shown.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::RawQuery;
use axum::response::IntoResponse;

use sentra_domain::account::Permission;
use sentra_domain::size::SizeClass;
use sentra_domain::umkm::{LegalKind, UmkmStatus};
use sentra_storage::{GrowthFilter, LegalityFilter, SortDirection, UmkmSort, UmkmSummary};

use crate::error::{ApiError, PageResult};
use crate::extract::PageCtx;
use crate::forms::form_value;
use crate::lang::Lang;
use crate::params::{ListParams, legality_str, parse_list_params};
use crate::ui::{Chrome, Opt, Picker, opts, pickers, region_name, sector_opts};
use crate::view::{field_label, query_string, rupiah};

pub struct Row {
    pub id: String,
    pub name: String,
    pub brand: String,
    pub owner: String,
    pub place: String,
    pub sector: String,
    pub size: String,
    pub status: String,
    pub status_class: &'static str,
    pub modal: String,
    pub documents: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "registry/umkm_list.html")]
pub struct ListPage {
    pub c: Chrome,
    pub l: Lang,
    pub pickers: Vec<Picker>,
    pub sectors: Vec<Opt>,
    pub sizes: Vec<Opt>,
    pub statuses: Vec<Opt>,
    pub legality: Vec<Opt>,
    pub sorts: Vec<Opt>,
    pub dirs: Vec<Opt>,
    pub q: String,
    pub rows: Vec<Row>,
    pub total_text: String,
    pub page_text: String,
    pub prev_href: Option<String>,
    /// `?…` with the list's filters (not its page), for the export links.
    pub export_query: String,
    /// May message the list's businesses (`/pesan/siaran`).
    pub can_message: bool,
    /// May work on many records at once (`/umkm/massal`).
    pub can_bulk: bool,
    pub next_href: Option<String>,
    pub errors: Vec<String>,
    pub scope_name: String,
    /// The naik-kelas filter when one is on (it has no select: dashboards link to it): its
    /// value, what it means, and the list without it.
    pub growth: Option<(String, String, String)>,
    /// The list is of those no activity reached in a year: say how to invite them.
    pub invite: bool,
    /// (id, title and day) of the coming activities the chosen may be invited to.
    pub activities: Vec<(String, String)>,
}

pub(super) fn status_class(s: UmkmStatus) -> &'static str {
    match s {
        UmkmStatus::Draft => "badge draft",
        UmkmStatus::Verified => "badge verified",
        UmkmStatus::Inactive => "badge inactive",
    }
}

/// The parameters a page link keeps (all the filters and the sort; the page is added).
const KEPT: [&str; 14] = [
    "province",
    "regency",
    "district",
    "village",
    "region",
    "sector",
    "size",
    "status",
    "legality",
    "naik_kelas",
    "q",
    "sort",
    "dir",
    "per_page",
];

/// The list's query is kept as pairs: it is read by the parser the API and the export share
/// (`parse_list_params`), whose problems are shown beside the list rather than as a 422.
pub(super) async fn list(ctx: PageCtx, RawQuery(query): RawQuery) -> PageResult {
    let lang = ctx.lang;
    let pairs = crate::forms::query_pairs(query.as_deref());
    let (params, errors) = list_params(lang, &pairs, &ctx)?;
    let sectors = ctx.db().sectors().await.unwrap_or_default();
    let page = ctx
        .db()
        .list_umkm(
            &ctx.scope(),
            &params.filter,
            params.sort,
            params.direction,
            params.page,
        )
        .await?;
    let sector_name: HashMap<&str, &str> = sectors
        .iter()
        .map(|s| (s.code.as_str(), lang.pick(&s.name_id, &s.name_en)))
        .collect();
    let rows: Vec<Row> = page
        .items
        .iter()
        .map(|i| list_row(&ctx, &sector_name, i))
        .collect();
    let pages = page.pages().max(1);
    let link_to = |n: u32| page_link(&pairs, n);
    let tree = ctx.state.regions();
    let home = ctx.state.home().clone();
    let chosen = params.filter.region.as_ref().filter(|c| c.is_within(&home));
    let choice = |k: &str| form_value(&pairs, k);
    let can_message = ctx.caller.can(Permission::SendMessages);
    let can_bulk = ctx.caller.can(Permission::VerifyRegistry);
    let can_invite = can_message && can_bulk;
    Ok(ListPage {
        c: ctx.chrome(lang.t("umkm.list_title")),
        l: lang,
        pickers: pickers(tree, &home, chosen, lang, None, ctx.scope().region_code()),
        sectors: sector_opts(&sectors, lang, choice("sector")),
        sizes: size_opts(lang, choice("size")),
        statuses: status_opts(lang, choice("status")),
        legality: legality_opts(lang, choice("legality")),
        sorts: sort_opts(lang, choice("sort")),
        dirs: dir_opts(lang, choice("dir")),
        q: choice("q").to_string(),
        total_text: lang.tf(
            "umkm.total",
            &[("n", &sentra_domain::money::format_thousands(page.total))],
        ),
        page_text: lang.tf(
            "pager.page_of",
            &[
                ("page", &page.page.to_string()),
                ("pages", &pages.to_string()),
            ],
        ),
        prev_href: (page.page > 1).then(|| link_to(page.page - 1)),
        export_query: export_query(&pairs),
        can_message,
        can_bulk,
        next_href: (page.page < pages).then(|| link_to(page.page + 1)),
        growth: params.filter.growth.map(|g| growth_filter(lang, g, &pairs)),
        invite: matches!(params.filter.growth, Some(GrowthFilter::NotReached(_))),
        activities: if can_invite && !rows.is_empty() {
            coming_activities(&ctx).await
        } else {
            Vec::new()
        },
        rows,
        errors,
        scope_name: region_name(tree, home.as_str()),
    }
    .into_response())
}

/// Activities of the coming 60 days (the caller's area's and those above it), for the bulk
/// form's invitation; the first 50 by start.
async fn coming_activities(ctx: &PageCtx) -> Vec<(String, String)> {
    let now = crate::messaging::worker::now();
    let found = ctx
        .db()
        .next_activities(ctx.scope().region_code(), now, now + 60 * 86_400, 50)
        .await
        .unwrap_or_default();
    found
        .into_iter()
        .filter(|a| a.data.status != sentra_domain::programme::activity::ActivityStatus::Cancelled)
        .map(|a| {
            let label = format!(
                "{} · {}",
                a.data.title,
                crate::programme::activities::when(ctx.lang, &a.data)
            );
            (a.id, label)
        })
        .collect()
}

/// The list's parameters, or (when some are wrong) the unfiltered list's with the problems to
/// show beside it rather than an empty page.
fn list_params(
    lang: Lang,
    pairs: &[(String, String)],
    ctx: &PageCtx,
) -> Result<(ListParams, Vec<String>), ApiError> {
    let tree = ctx.state.regions();
    match parse_list_params(pairs, tree) {
        Ok(p) => Ok((p, Vec::new())),
        Err(e) => {
            let msgs = e
                .iter()
                .map(|f| format!("{}: {}", field_label(lang, &f.field), lang.error(f.code)))
                .collect();
            let unfiltered = parse_list_params(&[], tree)
                .map_err(|_| ApiError::Internal("default list params".into()))?;
            Ok((unfiltered, msgs))
        }
    }
}

fn list_row(ctx: &PageCtx, sector_name: &HashMap<&str, &str>, i: &UmkmSummary) -> Row {
    let lang = ctx.lang;
    let tree = ctx.state.regions();
    let village = tree.get_str(&i.village_code);
    let district = village
        .and_then(|v| v.code.parent())
        .and_then(|d| tree.get(&d).map(|r| r.name.clone()));
    Row {
        id: i.id.clone(),
        name: i.name.clone(),
        brand: i.brand.clone().unwrap_or_default(),
        owner: i.owner_name.clone(),
        place: match (village, district) {
            (Some(v), Some(d)) => format!("{}, {}", v.name, d),
            _ => i.village_code.clone(),
        },
        sector: sector_name
            .get(i.sector.as_str())
            .map_or(i.sector.clone(), |s| s.to_string()),
        size: i
            .size_class
            .map(|s| lang.t(&format!("size.{}", s.as_str())).into_owned())
            .unwrap_or_else(|| "—".into()),
        status: lang
            .t(&format!("status.{}", i.status.as_str()))
            .into_owned(),
        status_class: status_class(i.status),
        modal: rupiah(i.modal),
        documents: i
            .documents
            .iter()
            .map(|d| lang.t(&format!("doc.{}", d.as_str())).into_owned())
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// Page `n` of the list with the same filters and sort.
fn page_link(pairs: &[(String, String)], n: u32) -> String {
    let mut kept: Vec<(&str, String)> = KEPT
        .iter()
        .map(|k| (*k, form_value(pairs, k).to_string()))
        .collect();
    kept.push(("page", n.to_string()));
    format!("/umkm?{}", query_string(&kept))
}

/// The naik-kelas filter that is on: its value, what it means, the list without it.
fn growth_filter(
    lang: Lang,
    g: GrowthFilter,
    pairs: &[(String, String)],
) -> (String, String, String) {
    (
        g.as_param(),
        crate::registry::growth::filter_label(lang, g),
        without_growth(pairs),
    )
}

/// `?…` with the list's filters, for the export links (no page, sort or language).
fn export_query(pairs: &[(String, String)]) -> String {
    let kept: Vec<&(String, String)> = pairs
        .iter()
        .filter(|(k, v)| !v.is_empty() && !["page", "sort", "dir", "lang"].contains(&k.as_str()))
        .collect();
    if kept.is_empty() {
        String::new()
    } else {
        format!(
            "?{}",
            serde_urlencoded::to_string(&kept).unwrap_or_default()
        )
    }
}

/// The list without its naik-kelas filter.
fn without_growth(pairs: &[(String, String)]) -> String {
    let without: Vec<&(String, String)> = pairs
        .iter()
        .filter(|(k, v)| !v.is_empty() && !["page", "naik_kelas"].contains(&k.as_str()))
        .collect();
    format!(
        "/umkm?{}",
        serde_urlencoded::to_string(&without).unwrap_or_default()
    )
}

fn size_opts(lang: Lang, current: &str) -> Vec<Opt> {
    opts(
        &SizeClass::ALL,
        |s| s.as_str().into(),
        |s| lang.t(&format!("size.{}", s.as_str())).into_owned(),
        current,
    )
}

fn status_opts(lang: Lang, current: &str) -> Vec<Opt> {
    opts(
        &UmkmStatus::ALL,
        |s| s.as_str().into(),
        |s| lang.t(&format!("status.{}", s.as_str())).into_owned(),
        current,
    )
}

fn sort_opts(lang: Lang, current: &str) -> Vec<Opt> {
    opts(
        &UmkmSort::ALL,
        |s| s.as_str().into(),
        |s| lang.t(&format!("sort.{}", s.as_str())).into_owned(),
        current,
    )
}

fn dir_opts(lang: Lang, current: &str) -> Vec<Opt> {
    let code = |d: SortDirection| {
        if d == SortDirection::Asc {
            "asc"
        } else {
            "desc"
        }
    };
    opts(
        &[SortDirection::Asc, SortDirection::Desc],
        |d| code(d).into(),
        |d| lang.t(&format!("sort.{}", code(d))).into_owned(),
        current,
    )
}

/// "Has NIB", "Lacks NIB", … for every legal document.
fn legality_opts(lang: Lang, current: &str) -> Vec<Opt> {
    LegalKind::ALL
        .iter()
        .flat_map(|&k| [LegalityFilter::Has(k), LegalityFilter::Lacks(k)])
        .map(|f| {
            let v = legality_str(f);
            let key = if v.starts_with("has_") {
                "filter.has_doc"
            } else {
                "filter.lacks_doc"
            };
            let doc = lang.t(&format!("doc.{}", v.split_once('_').map_or("", |x| x.1)));
            Opt {
                selected: v == current,
                label: lang.tf(key, &[("doc", &doc)]),
                value: v,
            }
        })
        .collect()
}
