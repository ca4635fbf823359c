//! The figures of the procurement share (Perpres 12/2021 Pasal 65), which the share page, its
//! report and the JSON API all count the same way: the period asked for and each unit's, each
//! region's and the overall share of it, with the months to date.

use chrono::{Datelike, NaiveDate};
use sentra_domain::procurement::{Share, cumulative_by_month};
use sentra_domain::region::RegionCode;
use sentra_domain::scope::Scope;

use crate::AppState;

/// The fiscal year asked for, the current one by default (or when out of range).
pub(crate) fn chosen_year(asked: Option<i32>, today: NaiveDate) -> i32 {
    asked
        .filter(|y| (2000..=today.year() + 1).contains(y))
        .unwrap_or(today.year())
}

/// A number typed in a query, or nothing when it is blank or not a number — the JSON API's
/// leniency for `tahun` and `bulan`.
pub(crate) fn lenient<T: std::str::FromStr>(text: &str) -> Option<T> {
    text.trim().parse().ok()
}

/// What the share page and its report count: the region, the year, the month (0 = all) and
/// the last day counted.
pub(crate) struct Period {
    pub region: RegionCode,
    pub year: i32,
    pub month: u32,
    pub until: NaiveDate,
}

/// The period asked for: a region inside `scope` (none: outside it), a fiscal year (`None`
/// or out of range: the current one) and a month (`None` or out of range: the whole year).
pub(crate) fn period(
    scope: &Scope,
    region: &str,
    year: Option<i32>,
    month: Option<u32>,
) -> Option<Period> {
    let asked = RegionCode::parse(region).ok();
    let region = scope.narrow(asked.as_ref())?;
    let today = crate::clock::today();
    let year = chosen_year(year, today);
    let month = month.filter(|m| (1..=12).contains(m)).unwrap_or(0);
    // A past year is counted whole; the current one to date; a month to its last day.
    let end = if month == 0 {
        NaiveDate::from_ymd_opt(year, 12, 31)
    } else {
        NaiveDate::from_ymd_opt(year + i32::from(month == 12), month % 12 + 1, 1)
            .and_then(|d| d.pred_opt())
    };
    let until = end.map_or(today, |end| end.min(today));
    Some(Period {
        region,
        year,
        month,
        until,
    })
}

/// Each unit's share, the region totals under the chosen region, the overall line and the
/// months to date — what the page shows and the report writes.
pub(crate) struct Figures {
    pub units: Vec<sentra_storage::UnitShare>,
    pub regions: Vec<(String, String, Share, i64)>,
    pub overall: (Share, i64),
    pub months: [Share; 12],
}

pub(crate) async fn figures(
    state: &AppState,
    scope: &Scope,
    p: &Period,
) -> Result<Figures, sentra_storage::StorageError> {
    let db = state.db();
    let mut units = db.unit_shares(scope, &p.region, p.year, p.until).await?;
    let months = db
        .monthly_spending(scope, &p.region, p.year, p.until)
        .await?;
    // The ranking: highest share of spending first, units without spending last.
    units.sort_by_key(|s| std::cmp::Reverse(s.share.of_spending_bp().unwrap_or(-1)));
    let mut overall = Share::default();
    let mut budgets = 0;
    let mut breaches = 0;
    // Per region under the chosen one; units of the chosen region itself make their own line.
    let children: Vec<(String, String)> = state
        .regions()
        .children(&p.region)
        .into_iter()
        .map(|r| (r.code.as_str().to_string(), r.name.clone()))
        .collect();
    let mut regions: Vec<(String, String, Share, i64)> = Vec::new();
    for s in &units {
        overall.total += s.share.total;
        overall.small += s.share.small;
        budgets += s.share.budget.unwrap_or(0);
        breaches += s.reserved_breaches;
        let (code, name) = RegionCode::parse(&s.unit.region_code)
            .ok()
            .and_then(|c| {
                children
                    .iter()
                    .find(|(k, _)| RegionCode::parse(k).is_ok_and(|k| c.is_within(&k)))
                    .cloned()
            })
            .unwrap_or_else(|| {
                (
                    p.region.as_str().to_string(),
                    state.region_name(p.region.as_str()),
                )
            });
        let at = match regions.iter().position(|r| r.0 == code) {
            Some(i) => i,
            None => {
                regions.push((code, name, Share::default(), 0));
                regions.len() - 1
            }
        };
        let r = &mut regions[at];
        r.2.total += s.share.total;
        r.2.small += s.share.small;
        r.2.budget = Some(r.2.budget.unwrap_or(0) + s.share.budget.unwrap_or(0));
        r.3 += s.reserved_breaches;
    }
    regions.sort_by(|a, b| a.0.cmp(&b.0));
    overall.budget = (budgets > 0).then_some(budgets);
    Ok(Figures {
        units,
        regions,
        overall: (overall, breaches),
        months: cumulative_by_month(&months),
    })
}
