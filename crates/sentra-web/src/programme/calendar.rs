//! The programme board's date arithmetic, apart from its rendering: which days a view shows
//! (a month, or a week from its Monday), the periods before and after it, the month's grid of
//! whole weeks, and where an activity goes in a week. Pure functions of dates, so tested here.

use chrono::{Datelike, Duration, NaiveDate};

/// How the board shows its period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum View {
    /// `daftar`: the month as a list by day.
    List,
    /// `bulan`: the month's grid.
    Month,
    /// `minggu`: a week, day by day.
    Week,
}

impl View {
    pub(crate) const ALL: [View; 3] = [View::List, View::Month, View::Week];

    /// The view a `tampilan` parameter asks for; the list by default.
    pub(crate) fn parse(s: &str) -> View {
        match s {
            "bulan" => View::Month,
            "minggu" => View::Week,
            _ => View::List,
        }
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            View::List => "daftar",
            View::Month => "bulan",
            View::Week => "minggu",
        }
    }
}

/// The days a view shows, `first` to `last` (excluded), and its neighbours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Period {
    pub first: NaiveDate,
    pub last: NaiveDate,
    /// The period as its query parameter: `("tanggal", "2026-03-09")` or `("bulan", "2026-03")`.
    pub key: (&'static str, String),
    /// The values of the same parameter for the period before and after.
    pub prev: String,
    pub next: String,
}

/// The first day of `yyyy-mm`, or of `today`'s month.
pub(crate) fn month_start(s: &str, today: NaiveDate) -> NaiveDate {
    NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d").unwrap_or_else(|_| {
        NaiveDate::from_ymd_opt(today.year(), today.month(), 1).unwrap_or(today)
    })
}

/// The first day of the month `n` months from `d`'s (`d` itself if out of chrono's range).
pub(crate) fn add_months(d: NaiveDate, n: i32) -> NaiveDate {
    let m = d.year() * 12 + d.month0() as i32 + n;
    NaiveDate::from_ymd_opt(m.div_euclid(12), m.rem_euclid(12) as u32 + 1, 1).unwrap_or(d)
}

/// The Monday of the week holding `d`.
pub(crate) fn monday_of(d: NaiveDate) -> NaiveDate {
    d - Duration::days(i64::from(d.weekday().num_days_from_monday()))
}

/// The period a view shows: for a week the one holding `day` (`yyyy-mm-dd`, else `today`),
/// for a month `month` (`yyyy-mm`, else `this_month`'s).
pub(crate) fn period(
    view: View,
    day: &str,
    month: &str,
    today: NaiveDate,
    this_month: NaiveDate,
) -> Period {
    if view == View::Week {
        let day = NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap_or(today);
        let monday = monday_of(day);
        let week = Duration::days(7);
        let key = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
        Period {
            first: monday,
            last: monday + week,
            key: ("tanggal", key(monday)),
            prev: key(monday - week),
            next: key(monday + week),
        }
    } else {
        let first = month_start(month, this_month);
        let key = |d: NaiveDate| d.format("%Y-%m").to_string();
        Period {
            first,
            last: add_months(first, 1),
            key: ("bulan", key(first)),
            prev: key(add_months(first, -1)),
            next: key(add_months(first, 1)),
        }
    }
}

/// Where switching to `view` leads from a period: the parameter and value that keep it (a
/// week opens at the month's first day's week; a month at the week's Monday's month).
pub(crate) fn switched(view: View, p: &Period) -> (&'static str, String) {
    let (key, value) = (p.key.0, p.key.1.as_str());
    match (view, key) {
        (View::Week, "bulan") => ("tanggal", format!("{value}-01")),
        (View::Week, _) => ("tanggal", value.to_string()),
        (_, "tanggal") => ("bulan", p.first.format("%Y-%m").to_string()),
        _ => ("bulan", value.to_string()),
    }
}

/// The month's grid: whole weeks (Monday to Sunday) from the Monday on or before `first`,
/// until the week holding the day before `last`.
pub(crate) fn month_grid(first: NaiveDate, last: NaiveDate) -> Vec<[NaiveDate; 7]> {
    let mut weeks = Vec::new();
    let mut monday = monday_of(first);
    while monday < last {
        weeks.push(std::array::from_fn(|i| monday + Duration::days(i as i64)));
        monday += Duration::days(7);
    }
    weeks
}

/// The day of a week (0 = Monday) an activity listed on `day` goes under; one that began
/// before the week goes under its Monday.
pub(crate) fn week_slot(day: NaiveDate, monday: NaiveDate) -> usize {
    (day - monday).num_days().clamp(0, 6) as usize
}

/// The seven days of the week from `monday`.
pub(crate) fn week_days(monday: NaiveDate) -> [NaiveDate; 7] {
    std::array::from_fn(|i| monday + Duration::days(i as i64))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn a_month_parameter_is_read_or_this_month_is_taken() {
        assert_eq!(month_start("2026-03", d(2025, 1, 5)), d(2026, 3, 1));
        assert_eq!(month_start("", d(2025, 1, 5)), d(2025, 1, 1));
        assert_eq!(month_start("2026-13", d(2025, 7, 31)), d(2025, 7, 1));
    }

    #[test]
    fn months_are_added_across_years_both_ways() {
        assert_eq!(add_months(d(2026, 12, 1), 1), d(2027, 1, 1));
        assert_eq!(add_months(d(2026, 1, 1), -1), d(2025, 12, 1));
        assert_eq!(add_months(d(2026, 5, 17), 0), d(2026, 5, 1));
        assert_eq!(add_months(d(2026, 3, 1), -15), d(2024, 12, 1));
    }

    #[test]
    fn the_monday_of_a_week() {
        // 2026-03-09 is a Monday.
        assert_eq!(monday_of(d(2026, 3, 9)), d(2026, 3, 9));
        assert_eq!(monday_of(d(2026, 3, 15)), d(2026, 3, 9));
        assert_eq!(monday_of(d(2026, 3, 1)), d(2026, 2, 23));
    }

    #[test]
    fn a_week_runs_from_its_monday_with_the_weeks_around_it() {
        let p = period(View::Week, "2026-03-12", "", d(2000, 1, 1), d(2000, 1, 1));
        assert_eq!((p.first, p.last), (d(2026, 3, 9), d(2026, 3, 16)));
        assert_eq!(p.key, ("tanggal", "2026-03-09".to_string()));
        assert_eq!(
            (p.prev.as_str(), p.next.as_str()),
            ("2026-03-02", "2026-03-16")
        );
        // A day that is not one: the week of today.
        let p = period(View::Week, "x", "", d(2026, 1, 1), d(2000, 1, 1));
        assert_eq!(p.first, d(2025, 12, 29));
    }

    #[test]
    fn a_month_runs_to_the_next_ones_first_day() {
        for view in [View::List, View::Month] {
            let p = period(view, "", "2026-12", d(2000, 1, 1), d(2000, 1, 1));
            assert_eq!((p.first, p.last), (d(2026, 12, 1), d(2027, 1, 1)));
            assert_eq!(p.key, ("bulan", "2026-12".to_string()));
            assert_eq!((p.prev.as_str(), p.next.as_str()), ("2026-11", "2027-01"));
        }
        let p = period(View::List, "", "", d(2026, 6, 30), d(2026, 7, 1));
        assert_eq!(p.first, d(2026, 7, 1));
    }

    #[test]
    fn switching_view_keeps_the_period() {
        let month = period(View::Month, "", "2026-03", d(2000, 1, 1), d(2000, 1, 1));
        assert_eq!(
            switched(View::Week, &month),
            ("tanggal", "2026-03-01".into())
        );
        assert_eq!(switched(View::List, &month), ("bulan", "2026-03".into()));
        let week = period(View::Week, "2026-04-01", "", d(2000, 1, 1), d(2000, 1, 1));
        // The week of 1 April starts on Monday 30 March: its month is March.
        assert_eq!(switched(View::Month, &week), ("bulan", "2026-03".into()));
        assert_eq!(
            switched(View::Week, &week),
            ("tanggal", "2026-03-30".into())
        );
    }

    #[test]
    fn the_month_grid_is_whole_weeks_covering_the_month() {
        // March 2026: from Monday 23 February to Sunday 5 April, six weeks.
        let weeks = month_grid(d(2026, 3, 1), d(2026, 4, 1));
        assert_eq!(weeks.len(), 6);
        assert_eq!(weeks[0][0], d(2026, 2, 23));
        assert_eq!(weeks[5][6], d(2026, 4, 5));
        // February 2027 starts on a Monday and has four weeks exactly.
        let weeks = month_grid(d(2027, 2, 1), d(2027, 3, 1));
        assert_eq!(weeks.len(), 4);
        assert_eq!(weeks[3][6], d(2027, 2, 28));
    }

    #[test]
    fn an_activity_goes_under_its_day_of_the_week() {
        let monday = d(2026, 3, 9);
        assert_eq!(week_slot(d(2026, 3, 9), monday), 0);
        assert_eq!(week_slot(d(2026, 3, 15), monday), 6);
        // Begun the week before: under Monday.
        assert_eq!(week_slot(d(2026, 3, 2), monday), 0);
        assert_eq!(week_days(monday)[6], d(2026, 3, 15));
    }

    #[test]
    fn views_are_read_from_their_parameter() {
        assert_eq!(View::parse("bulan"), View::Month);
        assert_eq!(View::parse("minggu"), View::Week);
        assert_eq!(View::parse(""), View::List);
        for v in View::ALL {
            assert_eq!(View::parse(v.as_str()), v);
        }
    }
}
