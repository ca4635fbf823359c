//! The dashboard (`/dasbor`): for a region in the caller's scope, the coverage of a legality
//! document (NIB by default) in each region under it, as a chart drawn on the server (SVG, no
//! script) beside the table of its numbers; the registry counted by sector, size class and
//! status. Every figure links to the registry list it counts, which gives the same number; each
//! region drills down to its own dashboard.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{RawForm, RawQuery, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Redirect, Response};
use sentra_domain::account::Permission;
use sentra_domain::growth::Milestone;
use sentra_domain::region::{RegionCode, RegionLevel};
use sentra_domain::targets::{Indicator, still_needed, validate_target};
use sentra_domain::umkm::LegalKind;
use sentra_storage::{Dimension, GrowthFilter, StorageError};

use crate::AppState;
use crate::auth::{Caller, accept_form, require};
use crate::error::ApiError;
use crate::forms::form_value;
use crate::forms::query_pairs;
use crate::lang::{Lang, ReqLang};
use crate::programme::activities::sector_label;
use crate::registry::growth::milestone_label;
use crate::routes::{Access, Routes};
use crate::ui::area_choices;
use crate::ui::{Chrome, error_page};

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
    scope: &sentra_domain::scope::Scope,
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
                    .coverage_by_child(scope, &t.region, kind)
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
async fn set_target(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    RawForm(form): RawForm,
) -> Response {
    let pairs = match accept_form(&caller, Permission::ManageTargets, &form) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let scope = caller.scope();
    let region = RegionCode::parse(form_value(&pairs, "wilayah"))
        .ok()
        .filter(|r| scope.contains(r) && state.regions().get(r).is_some());
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
            return error_page(lang, &uri, ApiError::Validation(e));
        }
    };
    match state
        .db()
        .set_target(&scope, &region, &value, &caller.actor)
        .await
    {
        Ok(()) => Redirect::to(&format!(
            "/dasbor?wilayah={}&tahun={}#targets",
            region
                .parent()
                .filter(|p| scope.contains(p))
                .unwrap_or(region.clone())
                .as_str(),
            value.year
        ))
        .into_response(),
        Err(e) => error_page(lang, &uri, e.into()),
    }
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

async fn dashboard(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    RawQuery(query): RawQuery,
) -> Response {
    if let Err(r) = require(&caller, Permission::ReadDashboards) {
        return *r;
    }
    let q = query_pairs(query.as_deref());
    let scope = caller.scope();
    let asked = RegionCode::parse(form_value(&q, "wilayah")).ok();
    let Some(region) = scope.narrow(asked.as_ref()) else {
        return error_page(lang, &uri, ApiError::NotFound);
    };
    let kind = LegalKind::parse(form_value(&q, "dokumen")).unwrap_or(LegalKind::Nib);
    let run = async {
        let coverage = state
            .read_db()
            .coverage_by_child(&scope, &region, kind)
            .await?;
        let mut counts = Vec::new();
        for d in [Dimension::Sector, Dimension::Size, Dimension::Status] {
            counts.push(state.read_db().counts_by(&scope, &region, d).await?);
        }
        Ok::<_, StorageError>((coverage, counts))
    };
    let year: i32 = form_value(&q, "tahun")
        .parse()
        .ok()
        .filter(|y| (2000..=2100).contains(y))
        .unwrap_or_else(|| chrono::Datelike::year(&chrono::Utc::now()));
    let targets = match target_rows(&state, &scope, lang, &region, year).await {
        Ok(t) => t,
        Err(e) => return error_page(lang, &uri, e.into()),
    };
    let this_year = chrono::Datelike::year(&chrono::Utc::now());
    let more = async {
        let growth = state
            .read_db()
            .growth_summary(&scope, &region, year)
            .await?;
        let trend = state
            .read_db()
            .trend(&scope, &region, year - 5, year)
            .await?;
        let reach = state.read_db().reach_count(&region, year).await?;
        Ok::<_, StorageError>((growth, trend, reach))
    };
    let (growth, trend, reach) = match more.await {
        Ok(x) => x,
        Err(e) => return error_page(lang, &uri, e.into()),
    };
    let (coverage, counts) = match run.await {
        Ok(x) => x,
        Err(e) => return error_page(lang, &uri, e.into()),
    };
    let has = format!("has_{}", kind.as_str());
    let lacks = format!("no_{}", kind.as_str());
    let row = |code: &RegionCode, total: i64, with: i64, drill: bool| {
        let (_, share) = percent(lang, with, total);
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
                list_href(code, &[]),
                list_href(code, &[("legality", &has)]),
                list_href(code, &[("legality", &lacks)]),
            ),
        }
    };
    let rows: Vec<CoverageRow> = coverage
        .iter()
        .filter_map(|c| {
            let code = RegionCode::parse(&c.region).ok()?;
            Some(row(&code, c.total, c.with, true))
        })
        .collect();
    let overall = row(
        &region,
        coverage.iter().map(|c| c.total).sum(),
        coverage.iter().map(|c| c.with).sum(),
        false,
    );
    let bars = coverage
        .iter()
        .zip(&rows)
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
        .collect::<Vec<_>>();
    // The trail from the caller's area down to the region shown.
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
    let sectors = state.read_db().sectors().await.unwrap_or_default();
    let total = overall.total;
    let count_rows = |values: &[(String, i64)], param: &str, label: &dyn Fn(&str) -> String| {
        values
            .iter()
            .map(|(k, n)| CountRow {
                label: label(k),
                n: *n,
                share: percent(lang, *n, total).1,
                // The unknown size class has no list filter: it links to the whole region.
                link: if k.is_empty() {
                    list_href(&region, &[])
                } else {
                    list_href(&region, &[(param, k)])
                },
            })
            .collect::<Vec<_>>()
    };
    let doc_name = lang.t(&format!("doc.{}", kind.as_str())).into_owned();
    let child_level = match region.level() {
        RegionLevel::Province => "activity.level_regency",
        RegionLevel::Regency => "activity.level_district",
        _ => "activity.level_village",
    };
    let growth_link = |f: GrowthFilter| list_href(&region, &[("naik_kelas", &f.as_param())]);
    let mut growth_rows = vec![CountRow {
        label: lang.t("growth.reported").into_owned(),
        n: growth.reported,
        share: percent(lang, growth.reported, growth.total).1,
        link: growth_link(GrowthFilter::Reported(year)),
    }];
    for (m, n) in &growth.reached {
        growth_rows.push(CountRow {
            label: milestone_label(lang, *m),
            n: *n,
            share: percent(lang, *n, growth.total).1,
            link: growth_link(GrowthFilter::Reached(*m, year)),
        });
    }
    growth_rows.push(CountRow {
        label: lang.t("growth.class_down").into_owned(),
        n: growth.class_down,
        share: percent(lang, growth.class_down, growth.total).1,
        link: growth_link(GrowthFilter::ClassDown(year)),
    });
    let tallest = trend
        .iter()
        .map(|t| t.registered.max(t.formalised))
        .max()
        .unwrap_or(0)
        .max(1);
    let scale = |n: i64| (n as f64 / tallest as f64 * f64::from(TREND_HEIGHT)).round() as u32;
    let trend_bars = trend
        .iter()
        .enumerate()
        .map(|(i, t)| TrendBar {
            year: t.year,
            x: i as u32 * TREND_STEP,
            registered: scale(t.registered),
            formalised: scale(t.formalised),
        })
        .collect();
    let trend_rows = trend
        .iter()
        .map(|t| {
            (
                t.year,
                [
                    (t.registered, growth_link(GrowthFilter::Registered(t.year))),
                    (
                        t.formalised,
                        growth_link(GrowthFilter::Reached(Milestone::Formalised, t.year)),
                    ),
                    (
                        t.class_up,
                        growth_link(GrowthFilter::Reached(Milestone::ClassUp, t.year)),
                    ),
                ],
            )
        })
        .collect();
    DashboardPage {
        years: (this_year - 5..=this_year + 1).rev().collect(),
        growth: growth_rows,
        reach: (
            lang.tf(
                "dash.actual",
                &[
                    ("share", &percent(lang, reach.0, reach.1).1),
                    ("part", &reach.0.to_string()),
                    ("total", &reach.1.to_string()),
                ],
            ),
            growth_link(GrowthFilter::ProgrammeReached(year)),
            format!(
                "/kegiatan/jangkauan?wilayah={}&tahun={year}",
                region.as_str()
            ),
        ),
        trend: trend_rows,
        trend_bars,
        c: Chrome::new(
            lang,
            lang.tf(
                "dash.title",
                &[("region", &state.region_name(region.as_str()))],
            ),
            &uri,
        )
        .signed_in(&caller),
        l: lang,
        chart_title: lang.tf(
            "dash.coverage_title",
            &[
                ("doc", &doc_name),
                ("level", &lang.t(child_level).to_lowercase()),
            ],
        ),
        child_level: lang.t(child_level).into_owned(),
        trail,
        region: region.as_str().to_string(),
        kind: kind.as_str().to_string(),
        kinds: KINDS
            .iter()
            .map(|k| {
                (
                    k.as_str().to_string(),
                    lang.t(&format!("doc.{}", k.as_str())).into_owned(),
                )
            })
            .collect(),
        year,
        targets,
        can_set_targets: caller.can(Permission::ManageTargets),
        target_regions: area_choices(&state, &region),
        indicators: Indicator::ALL
            .iter()
            .map(|i| (i.code(), indicator_label(lang, *i)))
            .collect(),
        chart_height: (bars.len() as u32).max(1) * ROW,
        bars,
        overall,
        rows,
        counts: vec![
            (
                lang.t("dash.by_sector").into_owned(),
                count_rows(&counts[0], "sector", &|k| sector_label(lang, &sectors, k)),
            ),
            (
                lang.t("dash.by_size").into_owned(),
                count_rows(&counts[1], "size", &|k| {
                    if k.is_empty() {
                        lang.t("activity.size_unknown").into_owned()
                    } else {
                        lang.t(&format!("size.{k}")).into_owned()
                    }
                }),
            ),
            (
                lang.t("dash.by_status").into_owned(),
                count_rows(&counts[2], "status", &|k| {
                    lang.t(&format!("status.{k}")).into_owned()
                }),
            ),
        ],
    }
    .into_response()
}
