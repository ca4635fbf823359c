//! Fair reach (`/kegiatan/jangkauan`): per sector and size class, how many UMKM of the area the
//! year's (or a period's) activities reached and how many they never did; per topic, those
//! trained more than N times in it; and what changed for those reached.

use askama::Template;
use askama_web::WebTemplate;
use axum::response::IntoResponse;
use chrono::{Datelike, NaiveDate};
use sentra_domain::account::Permission;
use sentra_domain::money::format_thousands;
use sentra_domain::programme::activity::{Zone, instant, year_start};
use sentra_domain::region::RegionCode;
use sentra_storage::{Reach, ReachPeriod};
use serde::Deserialize;

use crate::error::{ApiError, PageResult};
use crate::extract::{PageCtx, PageQuery};
use crate::lang::Lang;
use crate::programme::activities::{sector_label, topic_label};
use crate::routes::{Access, Routes};
use crate::ui::Chrome;
use crate::ui::area_choices;

pub fn routes() -> Routes {
    Routes::new("").get(
        "/kegiatan/jangkauan",
        Access::Role(Permission::ReadProgrammes),
        reach,
    )
}

/// A group's figures, written with thousands separators (`547.969`).
pub struct ReachRow {
    pub label: String,
    pub total: String,
    pub reached: String,
    pub never: String,
    pub share: String,
    /// The registry lists behind the figures (over a calendar year, for a group the list can
    /// filter by): those reached, and those never reached, to invite.
    pub reached_href: Option<String>,
    pub never_href: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "programme/activity_reach.html")]
pub struct ReachPage {
    pub c: Chrome,
    pub l: Lang,
    pub summary: String,
    pub year: i32,
    /// The period of dates asked for, or empty (the year).
    pub range: (String, String),
    pub times: u32,
    pub region: String,
    pub regions: Vec<(String, String)>,
    /// (title, rows): by sector, by size class.
    pub tables: Vec<(String, Vec<ReachRow>)>,
    /// All those never reached in the year, to invite.
    pub never_href: Option<String>,
    pub repeated: Vec<(String, String)>,
    pub repeated_title: String,
    /// What changed for those reached: (what, how many, share of the reached).
    pub outcomes: Vec<(String, String, String)>,
}

/// `/kegiatan/jangkauan?wilayah=…&tahun=…&kali=…`, or a period `dari`–`sampai` (both days
/// included) instead of the year.
#[derive(Deserialize)]
struct ReachQuery {
    #[serde(default, rename = "wilayah")]
    region: String,
    #[serde(
        default,
        rename = "tahun",
        deserialize_with = "crate::extract::blank_as_none"
    )]
    year: Option<i32>,
    /// Trained more than this many times in a topic (2 by default).
    #[serde(
        default,
        rename = "kali",
        deserialize_with = "crate::extract::blank_as_none"
    )]
    times: Option<u32>,
    #[serde(default, rename = "dari")]
    from: String,
    #[serde(default, rename = "sampai")]
    to: String,
}

impl ReachQuery {
    /// The period of dates asked for, when both ends are dates in order.
    fn range(&self) -> Option<(NaiveDate, NaiveDate)> {
        let date = |s: &str| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok();
        match (date(&self.from), date(&self.to)) {
            (Some(f), Some(t)) if f <= t => Some((f, t)),
            _ => None,
        }
    }
}

/// The table rows of groups (key, total, reached), each labelled; with `list`, each figure
/// links to the registry list behind it (`list(key, reached)`).
fn reach_rows(
    lang: Lang,
    groups: &[(String, i64, i64)],
    label: &dyn Fn(&str) -> String,
    list: &dyn Fn(&str, bool) -> Option<String>,
) -> Vec<ReachRow> {
    groups
        .iter()
        .map(|(k, total, reached)| ReachRow {
            label: label(k),
            total: format_thousands(*total),
            reached: format_thousands(*reached),
            never: format_thousands(total - reached),
            share: lang.share(*reached, *total),
            reached_href: list(k, true),
            never_href: list(k, false),
        })
        .collect()
}

/// The registry list of the verified businesses of `region` (as reach counts them) that an
/// activity reached in `year`, or that none did, narrowed by `extra` (`sector=kuliner`).
fn reach_list(region: &RegionCode, year: i32, reached: bool, extra: &str) -> String {
    let filter = if reached { "reached" } else { "not_reached" };
    format!(
        "/umkm?region={}&status=verified{extra}&naik_kelas={filter}:{year}",
        region.as_str()
    )
}

/// The tables of reach: by sector, by size class; over a year their figures link to lists.
fn tables(
    lang: Lang,
    found: &Reach,
    sectors: &[sentra_storage::Sector],
    lists: Option<(&RegionCode, i32)>,
) -> Vec<(String, Vec<ReachRow>)> {
    let by_sector = |code: &str| sector_label(lang, sectors, code);
    let size_label = |code: &str| {
        if code.is_empty() {
            lang.t("activity.size_unknown").into_owned()
        } else {
            lang.t(&format!("size.{code}")).into_owned()
        }
    };
    // A business of no known size class has no list filter to link to.
    let list_by = |param: &'static str| {
        move |key: &str, reached: bool| {
            let (region, year) = lists?;
            (!key.is_empty()).then(|| reach_list(region, year, reached, &format!("&{param}={key}")))
        }
    };
    vec![
        (
            lang.t("activity.by_sector").into_owned(),
            reach_rows(lang, &found.by_sector, &by_sector, &list_by("sector")),
        ),
        (
            lang.t("activity.by_size").into_owned(),
            reach_rows(lang, &found.by_size, &size_label, &list_by("size")),
        ),
    ]
}

/// The page's title: the region and the year, or the period.
fn reach_title(
    lang: Lang,
    region_name: &str,
    year: i32,
    range: Option<(NaiveDate, NaiveDate)>,
) -> String {
    match range {
        Some((f, t)) => lang.tf(
            "activity.reach_title_range",
            &[
                ("region", region_name),
                ("from", &crate::view::day_words(lang, f)),
                ("to", &crate::view::day_words(lang, t)),
            ],
        ),
        None => lang.tf(
            "activity.reach_title",
            &[("region", region_name), ("year", &year.to_string())],
        ),
    }
}

/// What changed for those reached: (what, how many, share of the reached).
fn outcomes(lang: Lang, found: &Reach) -> Vec<(String, String, String)> {
    let o = &found.outcomes;
    [
        ("activity.outcomes_documents", o.documents),
        ("activity.outcomes_nib", o.nib),
        ("activity.outcomes_moved_up", o.moved_up),
        ("activity.outcomes_products", o.products),
    ]
    .into_iter()
    .map(|(key, n)| {
        (
            lang.t(key).into_owned(),
            format_thousands(n),
            lang.share(n, found.reached),
        )
    })
    .collect()
}

/// Fair reach: per sector and size class, how many UMKM of the area the year's activities
/// reached and how many they never did; and per topic, those trained more than N times in it.
async fn reach(ctx: PageCtx, PageQuery(q): PageQuery<ReachQuery>) -> PageResult {
    let (state, lang) = (&ctx.state, ctx.lang);
    let scope = ctx.scope();
    let asked = RegionCode::parse(&q.region).ok();
    let region = scope.narrow(asked.as_ref()).ok_or(ApiError::NotFound)?;
    let year = q.year.unwrap_or_else(|| chrono::Utc::now().year());
    let times = q.times.unwrap_or(2).clamp(1, 50);
    let zone = Zone::of_region(region.as_str());
    let range = q.range();
    let midnight = |d: NaiveDate| d.and_hms_opt(0, 0, 0).map_or(0, |d| instant(d, zone));
    let period = match range {
        Some((f, t)) => ReachPeriod::Range {
            from: midnight(f),
            to: midnight(t + chrono::Duration::days(1)),
        },
        None => ReachPeriod::Year {
            year,
            from: year_start(year, zone),
            to: year_start(year + 1, zone),
        },
    };
    let found = ctx.db().reach(&region, period, times).await?;
    let sectors = ctx.db().sectors().await.unwrap_or_default();
    let topics = ctx.db().activity_topics().await.unwrap_or_default();
    let day = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    Ok(ReachPage {
        c: ctx.chrome(reach_title(
            lang,
            &state.region_name(region.as_str()),
            year,
            range,
        )),
        l: lang,
        summary: lang.tf(
            "activity.reach_summary",
            &[
                ("reached", &format_thousands(found.reached)),
                ("total", &format_thousands(found.total)),
                ("share", &lang.share(found.reached, found.total)),
                ("never", &format_thousands(found.total - found.reached)),
            ],
        ),
        year,
        range: range.map(|(f, t)| (day(f), day(t))).unwrap_or_default(),
        times,
        region: region.as_str().to_string(),
        regions: area_choices(state, scope.region_code()),
        tables: tables(
            lang,
            &found,
            &sectors,
            range.is_none().then_some((&region, year)),
        ),
        never_href: range
            .is_none()
            .then(|| reach_list(&region, year, false, "")),
        repeated: found
            .repeated
            .iter()
            .map(|(code, n)| (topic_label(lang, &topics, code), format_thousands(*n)))
            .collect(),
        repeated_title: lang.tf("activity.repeated", &[("n", &times.to_string())]),
        outcomes: outcomes(lang, &found),
    }
    .into_response())
}
