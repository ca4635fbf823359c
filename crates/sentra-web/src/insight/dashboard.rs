//! The dashboard (`/dasbor`): for a region in the caller's scope, the coverage of a legality
//! document (NIB by default) in each region under it, as a chart drawn on the server (SVG, no
//! script) beside the table of its numbers; the registry counted by sector, size class and
//! status. Every figure links to the registry list it counts, which gives the same number; each
//! region drills down to its own dashboard.

use askama::Template;
use askama_web::WebTemplate;
use axum::response::{IntoResponse, Redirect};
use sentra_domain::account::Permission;
use sentra_domain::growth::Milestone;
use sentra_domain::money::format_thousands;
use sentra_domain::region::{RegionCode, RegionLevel};
use sentra_domain::scope::Scope;
use sentra_domain::targets::{Indicator, still_needed, validate_target};
use sentra_domain::umkm::LegalKind;
use sentra_storage::{
    Coverage, Dimension, GrowthFilter, GrowthSummary, Sector, StorageError, TrendYear,
};
use serde::Deserialize;

use crate::AppState;
use crate::error::{ApiError, PageResult};
use crate::extract::{FormPairs, PageCtx, PageQuery};
use crate::forms::form_value;
use crate::lang::Lang;
use crate::programme::activities::sector_label;
use crate::registry::growth::milestone_label;
use crate::routes::{Access, Routes};
use crate::ui::Chrome;
use crate::ui::area_choices;

pub fn routes() -> Routes {
    Routes::new("")
        .get(
            "/dasbor",
            Access::Role(Permission::ReadDashboards),
            dashboard,
        )
        .post(
            "/dasbor/target",
            Access::Role(Permission::ManageTargets),
            set_target,
        )
}

/// A target with where the region stands.
pub struct TargetRow {
    pub region: String,
    pub indicator: String,
    pub target: String,
    pub actual: String,
    /// "Tercapai", or "Kurang 1.600 UMKM".
    pub status: String,
    pub met: bool,
}

fn indicator_label(lang: Lang, i: Indicator) -> String {
    match i {
        Indicator::Coverage(k) => lang.tf(
            "dash.indicator_coverage",
            &[("doc", &lang.t(&format!("doc.{}", k.as_str())))],
        ),
        Indicator::Reach => lang.t("dash.indicator_reach").into_owned(),
    }
}

/// The targets of the year for the region and those under it, with progress.
async fn target_rows(
    state: &AppState,
    scope: &Scope,
    lang: Lang,
    region: &RegionCode,
    year: i32,
) -> Result<Vec<TargetRow>, StorageError> {
    let mut out = Vec::new();
    for t in state.read_db().targets(scope, region, year).await? {
        let (part, total) = match t.indicator {
            Indicator::Coverage(kind) => {
                let c = state
                    .read_db()
                    .coverage_by_child(scope, &t.region, kind, crate::clock::today())
                    .await?;
                (
                    c.iter().map(|x| x.with).sum::<i64>(),
                    c.iter().map(|x| x.total).sum::<i64>(),
                )
            }
            Indicator::Reach => state.read_db().reach_count(&t.region, year).await?,
        };
        let needed = still_needed(t.basis_points, part, total);
        out.push(TargetRow {
            region: state.region_name(t.region.as_str()),
            indicator: indicator_label(lang, t.indicator),
            target: lang.percent(f64::from(t.basis_points) / 100.0),
            actual: lang.tf(
                "dash.actual",
                &[
                    ("share", &percent(lang, part, total).1),
                    ("part", &part.to_string()),
                    ("total", &total.to_string()),
                ],
            ),
            status: if needed == 0 {
                lang.t("dash.target_met").into_owned()
            } else {
                lang.tf("dash.target_short", &[("n", &needed.to_string())])
            },
            met: needed == 0,
        });
    }
    Ok(out)
}

/// Sets a target (admins): `wilayah`, `indicator`, `year`, `share` (a percentage).
async fn set_target(ctx: PageCtx, FormPairs(pairs): FormPairs) -> PageResult {
    let scope = ctx.scope();
    let region = RegionCode::parse(form_value(&pairs, "wilayah"))
        .ok()
        .filter(|r| scope.contains(r) && ctx.state.regions().get(r).is_some());
    let value = validate_target(
        form_value(&pairs, "indicator"),
        form_value(&pairs, "year"),
        form_value(&pairs, "share"),
    );
    let (region, value) = match (region, value) {
        (Some(r), Ok(v)) => (r, v),
        (region, value) => {
            let mut e = value.err().unwrap_or_default();
            if region.is_none() {
                e.push("wilayah", "region_unknown");
            }
            return Err(e.into());
        }
    };
    ctx.db()
        .set_target(&scope, &region, &value, &ctx.caller.actor)
        .await?;
    // Back to the dashboard the form was on: the region's parent, when the caller sees it.
    let shown = region
        .parent()
        .filter(|p| scope.contains(p))
        .unwrap_or(region.clone());
    Ok(Redirect::to(&format!(
        "/dasbor?wilayah={}&tahun={}#targets",
        shown.as_str(),
        value.year
    ))
    .into_response())
}

/// Documents whose coverage the dashboard shows.
const KINDS: [LegalKind; 5] = [
    LegalKind::Nib,
    LegalKind::Npwp,
    LegalKind::Pirt,
    LegalKind::Halal,
    LegalKind::Hki,
];

/// The registry list's parameter for a region of this level.
fn list_key(level: RegionLevel) -> &'static str {
    match level {
        RegionLevel::Province => "province",
        RegionLevel::Regency => "regency",
        RegionLevel::District => "district",
        RegionLevel::Village => "village",
    }
}

/// The registry list of a region, with more filters.
fn list_href(region: &RegionCode, more: &[(&str, &str)]) -> String {
    let mut all = vec![(list_key(region.level()), region.as_str())];
    all.extend_from_slice(more);
    format!(
        "/umkm?{}",
        serde_urlencoded::to_string(&all).unwrap_or_default()
    )
}

/// The list behind an official figure: the region's verified businesses (the counting rules,
/// docs/counting-rules.md), with more filters.
fn counted_href(region: &RegionCode, more: &[(&str, &str)]) -> String {
    let mut all = more.to_vec();
    all.push(("status", "verified"));
    list_href(region, &all)
}

/// The share as a number (for the chart) and as the language writes it.
fn percent(lang: Lang, part: i64, whole: i64) -> (f64, String) {
    let p = if whole == 0 {
        0.0
    } else {
        part as f64 * 100.0 / whole as f64
    };
    (p, lang.share(part, whole))
}

pub struct CoverageRow {
    pub name: String,
    /// Its own dashboard (none for a kelurahan: the last level).
    pub drill: Option<String>,
    pub total: i64,
    pub with: i64,
    pub without: i64,
    pub share: String,
    /// The registry lists behind the figures: all, holding, lacking.
    pub links: (String, String, String),
}

/// A bar of the chart: its label, its length in the drawing's units and the y of its row.
pub struct Bar {
    pub label: String,
    pub share: String,
    pub width: u32,
    pub y: u32,
}

pub struct CountRow {
    pub label: String,
    pub n: i64,
    pub share: String,
    pub link: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "insight/dashboard.html")]
pub struct DashboardPage {
    pub c: Chrome,
    pub l: Lang,
    /// From the caller's area down to the region shown.
    pub trail: Vec<(String, String)>,
    pub region: String,
    pub kind: String,
    pub kinds: Vec<(String, String)>,
    /// The region as a whole.
    pub overall: CoverageRow,
    pub rows: Vec<CoverageRow>,
    pub bars: Vec<Bar>,
    pub chart_height: u32,
    pub chart_title: String,
    pub child_level: String,
    /// (title, rows): by sector, by size class, by status.
    pub counts: Vec<(String, Vec<CountRow>)>,
    pub year: i32,
    pub targets: Vec<TargetRow>,
    /// Admins set targets: the regions, indicators they can choose.
    pub can_set_targets: bool,
    pub target_regions: Vec<(String, String)>,
    pub indicators: Vec<(String, String)>,
    /// Years the period can be chosen from.
    pub years: Vec<i32>,
    /// Naik kelas in the year: reported, each milestone, moved down.
    pub growth: Vec<CountRow>,
    /// Programme reach in the year: "812 dari 2.400 (33,8%)", the businesses behind it and the
    /// reach page.
    pub reach: (String, String, String),
    /// The region's years: (year, [registered, formalised, class up] as (n, link)).
    pub trend: Vec<(i32, [(i64, String); 3])>,
    pub trend_bars: Vec<TrendBar>,
    /// Drafts and inactive records, beside the totals.
    pub uncounted: Uncounted,
}

/// A year's two columns in the trend chart (entered the registry, NIB issued).
pub struct TrendBar {
    pub year: i32,
    pub x: u32,
    pub registered: u32,
    pub formalised: u32,
}

/// Trend chart geometry: columns up to this height, this wide per year.
const TREND_HEIGHT: u32 = 120;
const TREND_STEP: u32 = 90;

/// Chart geometry: a row per region, labels on the left, bars to the right.
const ROW: u32 = 26;
const BAR_MAX: f64 = 300.0;

/// `/dasbor?wilayah=…&dokumen=…&tahun=…`.
#[derive(Deserialize)]
struct DashQuery {
    #[serde(default, rename = "wilayah")]
    region: String,
    #[serde(default, rename = "dokumen")]
    document: String,
    #[serde(
        default,
        rename = "tahun",
        deserialize_with = "crate::extract::blank_as_none"
    )]
    year: Option<i32>,
}

/// A region's coverage line: its figures, each linked to the registry list behind it, and its
/// own dashboard when `drill`.
fn coverage_row(
    state: &AppState,
    lang: Lang,
    kind: LegalKind,
    code: &RegionCode,
    (total, with): (i64, i64),
    drill: bool,
) -> CoverageRow {
    let (_, share) = percent(lang, with, total);
    let has = format!("has_{}", kind.as_str());
    let lacks = format!("no_{}", kind.as_str());
    CoverageRow {
        name: state.region_name(code.as_str()),
        drill: (drill && code.level() != RegionLevel::Village).then(|| {
            format!(
                "/dasbor?wilayah={}&dokumen={}",
                code.as_str(),
                kind.as_str()
            )
        }),
        total,
        with,
        without: total - with,
        share,
        links: (
            counted_href(code, &[]),
            counted_href(code, &[("legality", &has)]),
            counted_href(code, &[("legality", &lacks)]),
        ),
    }
}

fn chart_bars(lang: Lang, coverage: &[Coverage], rows: &[CoverageRow]) -> Vec<Bar> {
    coverage
        .iter()
        .zip(rows)
        .enumerate()
        .map(|(i, (c, r))| {
            let (p, share) = percent(lang, c.with, c.total);
            Bar {
                label: r.name.clone(),
                share,
                width: (p / 100.0 * BAR_MAX).round() as u32,
                y: i as u32 * ROW,
            }
        })
        .collect()
}

/// The trail from the caller's area down to the region shown.
fn region_trail(
    state: &AppState,
    scope: &Scope,
    region: &RegionCode,
    kind: LegalKind,
) -> Vec<(String, String)> {
    let mut trail = Vec::new();
    let mut at = Some(region.clone());
    while let Some(code) = at {
        if !code.is_within(scope.region_code()) {
            break;
        }
        trail.push((
            format!(
                "/dasbor?wilayah={}&dokumen={}",
                code.as_str(),
                kind.as_str()
            ),
            state.region_name(code.as_str()),
        ));
        at = code.parent();
    }
    trail.reverse();
    trail
}

/// The verified registry counted by sector and size class, each count linked to its list.
fn count_groups(
    lang: Lang,
    sectors: &[Sector],
    region: &RegionCode,
    counts: &[Vec<(String, i64)>],
    total: i64,
) -> Vec<(String, Vec<CountRow>)> {
    let count_rows = |values: &[(String, i64)], param: &str, label: &dyn Fn(&str) -> String| {
        values
            .iter()
            .map(|(k, n)| CountRow {
                label: label(k),
                n: *n,
                share: percent(lang, *n, total).1,
                // The unknown size class has no list filter: it links to the whole region.
                link: if k.is_empty() {
                    counted_href(region, &[])
                } else {
                    counted_href(region, &[(param, k)])
                },
            })
            .collect::<Vec<_>>()
    };
    let of = |i: usize| counts.get(i).map_or(&[][..], Vec::as_slice);
    vec![
        (
            lang.t("dash.by_sector").into_owned(),
            count_rows(of(0), "sector", &|k| sector_label(lang, sectors, k)),
        ),
        (
            lang.t("dash.by_size").into_owned(),
            count_rows(of(1), "size", &|k| {
                if k.is_empty() {
                    lang.t("activity.size_unknown").into_owned()
                } else {
                    lang.t(&format!("size.{k}")).into_owned()
                }
            }),
        ),
    ]
}

/// The registry list of the region's verified businesses that grew in a way (the marks count
/// verified businesses: docs/counting-rules.md).
fn growth_link(region: &RegionCode, f: GrowthFilter) -> String {
    counted_href(region, &[("naik_kelas", &f.as_param())])
}

/// Naik kelas in the year: reported, each milestone, moved down.
fn growth_rows(lang: Lang, region: &RegionCode, g: &GrowthSummary, year: i32) -> Vec<CountRow> {
    let mut rows = vec![CountRow {
        label: lang.t("growth.reported").into_owned(),
        n: g.reported,
        share: percent(lang, g.reported, g.total).1,
        link: growth_link(region, GrowthFilter::Reported(year)),
    }];
    for (m, n) in &g.reached {
        rows.push(CountRow {
            label: milestone_label(lang, *m),
            n: *n,
            share: percent(lang, *n, g.total).1,
            link: growth_link(region, GrowthFilter::Reached(*m, year)),
        });
    }
    rows.push(CountRow {
        label: lang.t("growth.class_down").into_owned(),
        n: g.class_down,
        share: percent(lang, g.class_down, g.total).1,
        link: growth_link(region, GrowthFilter::ClassDown(year)),
    });
    rows
}

/// The trend's columns, scaled to the tallest, and its table with each figure's list.
type TrendRows = Vec<(i32, [(i64, String); 3])>;

fn trend_parts(region: &RegionCode, trend: &[TrendYear]) -> (Vec<TrendBar>, TrendRows) {
    let tallest = trend
        .iter()
        .map(|t| t.registered.max(t.formalised))
        .max()
        .unwrap_or(0)
        .max(1);
    let scale = |n: i64| (n as f64 / tallest as f64 * f64::from(TREND_HEIGHT)).round() as u32;
    let bars = trend
        .iter()
        .enumerate()
        .map(|(i, t)| TrendBar {
            year: t.year,
            x: i as u32 * TREND_STEP,
            registered: scale(t.registered),
            formalised: scale(t.formalised),
        })
        .collect();
    let link = |f| growth_link(region, f);
    let rows = trend
        .iter()
        .map(|t| {
            (
                t.year,
                [
                    (t.registered, link(GrowthFilter::Registered(t.year))),
                    (
                        t.formalised,
                        link(GrowthFilter::Reached(Milestone::Formalised, t.year)),
                    ),
                    (
                        t.class_up,
                        link(GrowthFilter::Reached(Milestone::ClassUp, t.year)),
                    ),
                ],
            )
        })
        .collect();
    (bars, rows)
}

/// Programme reach in the year: "812 dari 2.400 (33,8%)", the businesses behind it and the
/// reach page.
fn reach_line(
    lang: Lang,
    region: &RegionCode,
    (part, total): (i64, i64),
    year: i32,
) -> (String, String, String) {
    (
        lang.tf(
            "dash.actual",
            &[
                ("share", &percent(lang, part, total).1),
                ("part", &part.to_string()),
                ("total", &total.to_string()),
            ],
        ),
        growth_link(region, GrowthFilter::ProgrammeReached(year)),
        format!(
            "/kegiatan/jangkauan?wilayah={}&tahun={year}",
            region.as_str()
        ),
    )
}

/// What the dashboard reads from the database for a region, a document and a year.
struct Figures {
    coverage: Vec<Coverage>,
    counts: Vec<Vec<(String, i64)>>,
    /// Drafts and inactive records: beside the totals, not in them.
    uncounted: (i64, i64),
    targets: Vec<TargetRow>,
    growth: GrowthSummary,
    trend: Vec<TrendYear>,
    reach: (i64, i64),
    sectors: Vec<Sector>,
}

async fn figures(
    ctx: &PageCtx,
    region: &RegionCode,
    kind: LegalKind,
    year: i32,
) -> Result<Figures, StorageError> {
    let (state, scope) = (&ctx.state, ctx.scope());
    let db = state.read_db();
    let targets = target_rows(state, &scope, ctx.lang, region, year).await?;
    let growth = db.growth_summary(&scope, region, year).await?;
    let trend = db.trend(&scope, region, year - 5, year).await?;
    let reach = db.reach_count(region, year).await?;
    let coverage = db
        .coverage_by_child(&scope, region, kind, crate::clock::today())
        .await?;
    let mut counts = Vec::new();
    for d in [Dimension::Sector, Dimension::Size] {
        counts.push(db.counts_by(&scope, region, d).await?);
    }
    Ok(Figures {
        coverage: every_child(state, region, coverage),
        counts,
        uncounted: db.uncounted(&scope, region).await?,
        targets,
        growth,
        trend,
        reach,
        sectors: db.sectors().await.unwrap_or_default(),
    })
}

/// Every region one level under `region` in the region data, with its coverage or zeros (a
/// kecamatan with no UMKM yet is a row of 0, not a gap); any region only the records name
/// (not in the region data) stays too.
fn every_child(state: &AppState, region: &RegionCode, found: Vec<Coverage>) -> Vec<Coverage> {
    let mut by_code: std::collections::BTreeMap<String, Coverage> =
        found.into_iter().map(|c| (c.region.clone(), c)).collect();
    if region.level() != RegionLevel::Village {
        for child in state.regions().children(region) {
            let code = child.code.as_str().to_string();
            by_code.entry(code.clone()).or_insert(Coverage {
                region: code,
                total: 0,
                with: 0,
            });
        }
    }
    by_code.into_values().collect()
}

/// "Draf: 1.049 · Tidak aktif: 154 (tidak termasuk jumlah di atas)", each linked to its list.
pub struct Uncounted {
    pub drafts: (String, String),
    pub inactive: (String, String),
}

fn uncounted_line(region: &RegionCode, (drafts, inactive): (i64, i64)) -> Uncounted {
    Uncounted {
        drafts: (
            format_thousands(drafts),
            list_href(region, &[("status", "draft")]),
        ),
        inactive: (
            format_thousands(inactive),
            list_href(region, &[("status", "inactive")]),
        ),
    }
}

fn child_level_key(region: &RegionCode) -> &'static str {
    match region.level() {
        RegionLevel::Province => "activity.level_regency",
        RegionLevel::Regency => "activity.level_district",
        _ => "activity.level_village",
    }
}

fn indicator_choices(lang: Lang) -> Vec<(String, String)> {
    Indicator::ALL
        .iter()
        .map(|i| (i.code(), indicator_label(lang, *i)))
        .collect()
}

fn kind_choices(lang: Lang) -> Vec<(String, String)> {
    KINDS
        .iter()
        .map(|k| {
            (
                k.as_str().to_string(),
                lang.t(&format!("doc.{}", k.as_str())).into_owned(),
            )
        })
        .collect()
}

/// "Kepemilikan NIB per kecamatan".
fn chart_title(lang: Lang, kind: LegalKind, child_level: &str) -> String {
    let doc_name = lang.t(&format!("doc.{}", kind.as_str())).into_owned();
    lang.tf(
        "dash.coverage_title",
        &[
            ("doc", &doc_name),
            ("level", &lang.t(child_level).to_lowercase()),
        ],
    )
}

async fn dashboard(ctx: PageCtx, PageQuery(q): PageQuery<DashQuery>) -> PageResult {
    let (state, lang, scope) = (&ctx.state, ctx.lang, ctx.scope());
    let asked = RegionCode::parse(&q.region).ok();
    let region = scope.narrow(asked.as_ref()).ok_or(ApiError::NotFound)?;
    let kind = LegalKind::parse(&q.document).unwrap_or(LegalKind::Nib);
    let this_year = chrono::Datelike::year(&chrono::Utc::now());
    let year = q
        .year
        .filter(|y| (2000..=2100).contains(y))
        .unwrap_or(this_year);
    let f = figures(&ctx, &region, kind, year).await?;
    let rows: Vec<CoverageRow> = f
        .coverage
        .iter()
        .filter_map(|c| {
            let code = RegionCode::parse(&c.region).ok()?;
            Some(coverage_row(
                state,
                lang,
                kind,
                &code,
                (c.total, c.with),
                true,
            ))
        })
        .collect();
    let whole = (
        f.coverage.iter().map(|c| c.total).sum(),
        f.coverage.iter().map(|c| c.with).sum(),
    );
    let overall = coverage_row(state, lang, kind, &region, whole, false);
    let bars = chart_bars(lang, &f.coverage, &rows);
    let (trend_bars, trend) = trend_parts(&region, &f.trend);
    let child_level = child_level_key(&region);
    let title = lang.tf(
        "dash.title",
        &[("region", &state.region_name(region.as_str()))],
    );
    Ok(DashboardPage {
        years: (this_year - 5..=this_year + 1).rev().collect(),
        growth: growth_rows(lang, &region, &f.growth, year),
        reach: reach_line(lang, &region, f.reach, year),
        trend,
        trend_bars,
        c: ctx.chrome(title),
        l: lang,
        chart_title: chart_title(lang, kind, child_level),
        child_level: lang.t(child_level).into_owned(),
        trail: region_trail(state, &scope, &region, kind),
        region: region.as_str().to_string(),
        kind: kind.as_str().to_string(),
        kinds: kind_choices(lang),
        year,
        targets: f.targets,
        can_set_targets: ctx.caller.can(Permission::ManageTargets),
        target_regions: area_choices(state, &region),
        indicators: indicator_choices(lang),
        chart_height: (bars.len() as u32).max(1) * ROW,
        bars,
        counts: count_groups(lang, &f.sectors, &region, &f.counts, overall.total),
        uncounted: uncounted_line(&region, f.uncounted),
        overall,
        rows,
    }
    .into_response())
}
