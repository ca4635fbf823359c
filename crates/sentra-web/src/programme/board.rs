//! The harmonisation board (`/kegiatan`: every level's activities in the caller's area and
//! those of the regions holding it, a month or a week at a time, conflicts marked) and the
//! public iCalendar feed (`/kegiatan/kalender.ics`). The dates it shows are worked out in
//! `calendar`.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use chrono::{Datelike, NaiveDate};
use sentra_domain::account::Permission;
use sentra_domain::programme::activity::{
    ActivityData, ActivityStatus, Organiser, Zone, instant, local,
};
use sentra_domain::programme::conflicts;
use sentra_domain::region::{RegionCode, RegionLevel};
use sentra_storage::{ActivityConflict, ActivityRecord};
use serde::Deserialize;

use crate::AppState;
use crate::error::PageResult;
use crate::extract::{PageCtx, PageQuery};
use crate::lang::{Lang, ReqLang};
use crate::programme::activities::{
    choices, conflict_text, day_label, level_key, level_name_key, organised_by, rules, topic_label,
    weekday_names, when,
};
use crate::programme::calendar::{
    Period, View, month_grid, period, switched, week_days, week_slot,
};
use crate::routes::{Access, Routes};
use crate::ui::Chrome;

pub fn routes() -> Routes {
    Routes::new("")
        .get("/kegiatan", Access::Role(Permission::ReadProgrammes), board)
        .get("/kegiatan/kalender.ics", Access::Public, ics)
}

pub struct Row {
    pub id: String,
    pub when: String,
    pub level: String,
    pub region: String,
    pub title: String,
    pub kind: String,
    pub organiser: String,
    pub topics: String,
    pub status: String,
    /// Its clashes, the most severe first.
    pub conflicts: Vec<String>,
    /// What to weigh that is no clash (planned in the budget year's last weeks).
    pub notices: Vec<String>,
    /// "2 bentrok".
    pub conflict_label: String,
    pub note: Option<String>,
    /// "Sesi 2 dari rangkaian" for a repeating activity's session.
    pub series: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "programme/activities.html")]
pub struct BoardPage {
    pub c: Chrome,
    pub l: Lang,
    /// `daftar` (the list by day), `bulan` (the month's grid) or `minggu` (a week by day).
    pub view: &'static str,
    /// Links to the period before and after, and to each view, keeping the filters.
    pub prev: (String, String),
    pub next: (String, String),
    pub views: Vec<(String, String, bool)>,
    /// The list and week views: each day with its activities (a week shows its empty days).
    pub days: Vec<(String, Vec<Row>)>,
    /// The month view: weeks of seven days.
    pub weeks: Vec<Vec<Cell>>,
    pub weekdays: Vec<String>,
    /// "12 kegiatan bulan ini; 3 bentrok."
    pub summary: String,
    pub can_plan: bool,
    pub can_manage: bool,
    pub ics: String,
    pub filters: Filters,
    /// The period shown, as its query parameter (`bulan` or `tanggal`) and value.
    pub period: (&'static str, String),
    /// A province's month holds a thousand activities and more: shown [`PER_PAGE`] at a time.
    /// Links to the page before and after, and "page 2 of 9" when there is more than one.
    pub prev_page: Option<String>,
    pub next_page: Option<String>,
    pub page_of: Option<String>,
}

/// A day of the month's grid.
pub struct Cell {
    pub day: u32,
    /// "Sen 9/3": the day's label when the grid is read as a list (on a phone).
    pub label: String,
    pub in_month: bool,
    pub today: bool,
    /// (link to its row, "09:00", title, has conflicts): the first [`CELL_ITEMS`].
    pub items: Vec<(String, String, String, bool)>,
    /// The day's other activities, and the link to its week where all are listed.
    pub more: Option<(usize, String)>,
}

/// Activities listed on one page of the board: a province's month (1,600 activities) would be
/// megabytes of HTML on a phone.
const PER_PAGE: usize = 100;

/// Activities written in one day of the month's grid; the rest are counted and linked.
const CELL_ITEMS: usize = 4;

/// The board's filter choices and what is chosen.
pub struct Filters {
    pub levels: Vec<(String, String)>,
    pub organisers: Vec<(String, String)>,
    pub topics: Vec<(String, String)>,
    /// The regions one level below the area (kabupaten/kota of a province, kecamatan of a
    /// kabupaten…), and what they are called.
    pub districts: Vec<(String, String)>,
    pub district_label: String,
    pub level: String,
    pub organiser: String,
    pub topic: String,
    pub district: String,
}

/// `/kegiatan?tampilan=…&bulan=…&tanggal=…` with the filters `tingkat`, `penyelenggara`,
/// `topik` and `kecamatan`.
#[derive(Deserialize)]
struct BoardQuery {
    #[serde(default, rename = "tampilan")]
    view: String,
    #[serde(default, rename = "bulan")]
    month: String,
    #[serde(default, rename = "tanggal")]
    day: String,
    #[serde(default, rename = "tingkat")]
    level: String,
    #[serde(default, rename = "penyelenggara")]
    organiser: String,
    #[serde(default, rename = "topik")]
    topic: String,
    #[serde(default, rename = "kecamatan")]
    district: String,
    /// The page of the period's activities (1 is the first).
    #[serde(default, rename = "hal")]
    page: String,
}

/// The filters chosen: they narrow what is listed (conflicts are still found against every
/// activity).
struct Chosen {
    level: String,
    organiser: String,
    topic: String,
    district: Option<RegionCode>,
}

impl Chosen {
    fn of(q: &BoardQuery) -> Self {
        Chosen {
            level: q.level.clone(),
            organiser: q.organiser.clone(),
            topic: q.topic.clone(),
            district: RegionCode::parse(&q.district).ok(),
        }
    }

    fn district_code(&self) -> String {
        self.district
            .as_ref()
            .map(|d| d.as_str().to_string())
            .unwrap_or_default()
    }

    fn shows(&self, d: &ActivityData) -> bool {
        (self.level.is_empty() || d.region.level().as_str() == self.level)
            && (self.organiser.is_empty() || d.organiser.as_str() == self.organiser)
            && (self.topic.is_empty() || d.topics.contains(&self.topic))
            && self
                .district
                .as_ref()
                .is_none_or(|k| d.region.is_within(k) || k.is_within(&d.region))
    }

    /// A board address with these filters, the view and one period parameter.
    fn link(&self, view: View, key: &str, value: &str) -> String {
        let district = self.district_code();
        let mut all: Vec<(&str, &str)> = [
            ("tingkat", self.level.as_str()),
            ("penyelenggara", self.organiser.as_str()),
            ("topik", self.topic.as_str()),
            ("kecamatan", district.as_str()),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .collect();
        if view != View::List {
            all.push(("tampilan", view.as_str()));
        }
        all.push((key, value));
        format!(
            "/kegiatan?{}",
            serde_urlencoded::to_string(&all).unwrap_or_default()
        )
    }
}

/// Conflicts written out per activity on the board; the rest are counted. A crowded month
/// can set hundreds of activities against each other: written out in full, a province's
/// board of 453 activities held 185,722 sentences (27 MB).
const CONFLICTS_SHOWN: usize = 5;

/// An activity's conflicts, the most severe first: the first [`CONFLICTS_SHOWN`] as
/// sentences, and how many in all; and its notices (the budget year's end), which are no clash.
#[derive(Default)]
struct Marks {
    shown: Vec<String>,
    total: usize,
    notices: Vec<String>,
}

/// The period's conflicts among the activities shown (cancelled ones aside), per activity id.
async fn conflict_marks(
    state: &AppState,
    lang: Lang,
    found: &[ActivityRecord],
) -> HashMap<String, Marks> {
    let live: Vec<&ActivityRecord> = found
        .iter()
        .filter(|a| a.data.status != ActivityStatus::Cancelled)
        .collect();
    let topics = state.db().activity_topics().await.unwrap_or_default();
    let sectors = state.db().sectors().await.unwrap_or_default();
    let datas: Vec<(&ActivityData, Option<&str>)> = live
        .iter()
        .map(|a| (&a.data, a.series.as_ref().map(|s| s.0.as_str())))
        .collect();
    let slots = sentra_storage::slots_of(&datas, &topics, &sectors);
    let rules = rules(state).await;
    // Each activity's conflicts, with the other activity when there is one: borrowed, since a
    // crowded month sets hundreds against each other and only a few are written out.
    let mut found_for: HashMap<&str, Vec<(conflicts::Reason, Option<&ActivityRecord>)>> =
        HashMap::new();
    for c in conflicts::find(&slots, &rules) {
        let (a, b) = (live[c.a as usize], live[c.b as usize]);
        if c.a == c.b {
            found_for
                .entry(a.id.as_str())
                .or_default()
                .push((c.reason, None));
            continue;
        }
        for (me, other) in [(a, b), (b, a)] {
            found_for
                .entry(me.id.as_str())
                .or_default()
                .push((c.reason, Some(other)));
        }
    }
    let text = |(reason, with): &(conflicts::Reason, Option<&ActivityRecord>)| {
        let c = ActivityConflict {
            reason: *reason,
            with: with.cloned(),
        };
        conflict_text(state, lang, &rules, &c)
    };
    found_for
        .into_iter()
        .map(|(id, mut list)| {
            list.sort_by_key(|c| std::cmp::Reverse(c.0.severity()));
            let (notices, clashes): (Vec<_>, Vec<_>) =
                list.into_iter().partition(|c| c.0.is_notice());
            let marks = Marks {
                total: clashes.len(),
                shown: clashes.iter().take(CONFLICTS_SHOWN).map(text).collect(),
                notices: notices.iter().map(text).collect(),
            };
            (id.to_string(), marks)
        })
        .collect()
}

/// The filters' choices, and what is chosen.
fn filters(
    state: &AppState,
    lang: Lang,
    area: &RegionCode,
    topics: &[sentra_storage::Topic],
    chosen: &Chosen,
) -> Filters {
    let levels = [
        RegionLevel::Province,
        RegionLevel::Regency,
        RegionLevel::District,
        RegionLevel::Village,
    ];
    Filters {
        levels: levels
            .iter()
            .map(|l| {
                (
                    l.as_str().to_string(),
                    lang.t(level_name_key(*l)).into_owned(),
                )
            })
            .collect(),
        organisers: choices(
            lang,
            "activity.organiser_",
            Organiser::ALL.iter().map(|o| o.as_str()),
        ),
        topics: topics
            .iter()
            .map(|t| (t.code.clone(), topic_label(lang, topics, &t.code)))
            .collect(),
        districts: state
            .regions()
            .children(area)
            .into_iter()
            .map(|r| (r.code.as_str().to_string(), r.name.clone()))
            .collect(),
        district_label: area
            .level()
            .child()
            .map(|l| lang.t(level_name_key(l)).into_owned())
            .unwrap_or_default(),
        level: chosen.level.clone(),
        organiser: chosen.organiser.clone(),
        topic: chosen.topic.clone(),
        district: chosen.district_code(),
    }
}

/// An activity as a line of the board, with its conflicts.
fn row(
    state: &AppState,
    lang: Lang,
    topics: &[sentra_storage::Topic],
    a: &ActivityRecord,
    marks: Marks,
) -> Row {
    let d = &a.data;
    let mut conflicts = marks.shown;
    if marks.total > conflicts.len() {
        let more = (marks.total - conflicts.len()).to_string();
        conflicts.push(lang.tf("activity.conflicts_more", &[("n", &more)]));
    }
    let t = |key: String| lang.t(&key).into_owned();
    Row {
        id: a.id.clone(),
        when: when(lang, d),
        level: lang.t(level_key(&d.region)).into_owned(),
        region: state.region_name(d.region.as_str()),
        title: d.title.clone(),
        kind: t(format!("activity.kind_{}", d.kind.as_str())),
        organiser: t(format!("activity.organiser_{}", d.organiser.as_str())),
        topics: d
            .topics
            .iter()
            .map(|c| topic_label(lang, topics, c))
            .collect::<Vec<_>>()
            .join(", "),
        status: t(format!("activity.status_{}", d.status.as_str())),
        conflict_label: lang.tf(
            "activity.conflict_count",
            &[("n", &marks.total.to_string())],
        ),
        conflicts,
        notices: marks.notices,
        note: a.conflicts_note.clone(),
        series: a
            .series
            .as_ref()
            .map(|(_, n)| lang.tf("activity.series", &[("n", &n.to_string())])),
    }
}

/// The month's grid: an activity on every day it runs.
fn month_cells(
    lang: Lang,
    p: &Period,
    today: NaiveDate,
    listed: &[(&ActivityRecord, Row)],
    row_link: &dyn Fn(usize, &str) -> String,
    week_link: &dyn Fn(NaiveDate) -> String,
) -> Vec<Vec<Cell>> {
    let names = weekday_names(lang);
    month_grid(p.first, p.last)
        .into_iter()
        .map(|week| {
            week.iter()
                .zip(&names)
                .map(|(&day, name)| {
                    let on_day: Vec<(usize, &(&ActivityRecord, Row))> = listed
                        .iter()
                        .enumerate()
                        .filter(|(_, (a, _))| {
                            let d = &a.data;
                            local(d.start, d.zone).date() <= day
                                && day <= local(d.end, d.zone).date()
                        })
                        .collect();
                    let more = on_day.len().saturating_sub(CELL_ITEMS);
                    Cell {
                        day: day.day(),
                        // On a phone the cell's heading: "Sen, 1 Juni", never "Sen 01/06".
                        label: format!(
                            "{name}, {} {}",
                            day.day(),
                            lang.t(&format!("month.m{}", day.month()))
                        ),
                        in_month: day >= p.first && day < p.last,
                        today: day == today,
                        items: on_day
                            .into_iter()
                            .take(CELL_ITEMS)
                            .map(|(i, (a, r))| {
                                (
                                    row_link(i, &r.id),
                                    {
                                        use chrono::Timelike;
                                        let t = local(a.data.start, a.data.zone);
                                        lang.time(t.hour(), t.minute())
                                    },
                                    r.title.clone(),
                                    !r.conflicts.is_empty(),
                                )
                            })
                            .collect(),
                        more: (more > 0).then(|| (more, week_link(day))),
                    }
                })
                .collect()
        })
        .collect()
}

fn by_day(
    lang: Lang,
    view: View,
    p: &Period,
    rows: Vec<(NaiveDate, Row)>,
    whole: bool,
) -> Vec<(String, Vec<Row>)> {
    let mut days: Vec<(String, Vec<Row>)> = Vec::new();
    let week = view == View::Week && whole;
    if week {
        for (day, name) in week_days(p.first).iter().zip(weekday_names(lang)) {
            days.push((format!("{name} {}", day_label(lang, *day)), Vec::new()));
        }
    }
    for (day, row) in rows {
        if week {
            days[week_slot(day, p.first)].1.push(row);
            continue;
        }
        let label = day_label(lang, day);
        match days.last_mut() {
            Some((l, rows)) if *l == label => rows.push(row),
            _ => days.push((label, vec![row])),
        }
    }
    days
}

/// Links to each view, keeping the filters and the period: (link, label, current).
fn view_links(lang: Lang, chosen: &Chosen, view: View, p: &Period) -> Vec<(String, String, bool)> {
    View::ALL
        .into_iter()
        .map(|v| {
            let (key, value) = switched(v, p);
            let label = lang
                .t(&format!("activity.view_{}", v.as_str()))
                .into_owned();
            (chosen.link(v, key, &value), label, v == view)
        })
        .collect()
}

/// A period's key in words: `2026-11` → "November 2026", `2026-11-30` → "Sen, 30 November
/// 2026" (the week that starts that Monday).
fn period_words(lang: Lang, key: &str) -> String {
    use chrono::Datelike;
    if let Ok(day) = chrono::NaiveDate::parse_from_str(key, "%Y-%m-%d") {
        return day_label(lang, day);
    }
    match chrono::NaiveDate::parse_from_str(&format!("{key}-01"), "%Y-%m-%d") {
        Ok(first) => lang.month_year(first.year(), first.month()),
        Err(_) => key.to_string(),
    }
}

/// The board's title and summary line.
fn board_words(
    lang: Lang,
    view: View,
    p: &Period,
    count: usize,
    with_conflicts: usize,
) -> (String, String) {
    let counts = [("n", count.to_string()), ("k", with_conflicts.to_string())];
    let counts: Vec<(&str, &str)> = counts.iter().map(|(k, v)| (*k, v.as_str())).collect();
    if view == View::Week {
        let title = lang.tf(
            "activity.board_week_title",
            &[
                ("from", &day_label(lang, p.first)),
                ("to", &day_label(lang, p.last - chrono::Duration::days(1))),
            ],
        );
        (title, lang.tf("activity.board_week_summary", &counts))
    } else {
        let title = lang.tf(
            "activity.board_title",
            &[(
                "month",
                &lang.month_year(
                    chrono::Datelike::year(&p.first),
                    chrono::Datelike::month(&p.first),
                ),
            )],
        );
        (title, lang.tf("activity.board_summary", &counts))
    }
}

/// The activities of the period in the caller's area and the regions holding it, including
/// those begun up to the longest activity before it and still running (a long exhibition).
async fn of_period(
    ctx: &PageCtx,
    area: &RegionCode,
    p: &Period,
    zone: Zone,
) -> PageResult<Vec<ActivityRecord>> {
    let midnight = |d: NaiveDate| instant(d.and_hms_opt(0, 0, 0).unwrap_or_default(), zone);
    let (from, to) = (midnight(p.first), midnight(p.last));
    let longest = sentra_domain::programme::activity::MAX_DAYS * conflicts::DAY;
    let found = ctx
        .db()
        .activities_between(area, from - longest, to)
        .await?;
    Ok(found.into_iter().filter(|a| a.data.end > from).collect())
}

/// The harmonisation board: the period's activities with their conflicts, as a list by day,
/// the month's grid or a week.
async fn board(ctx: PageCtx, PageQuery(q): PageQuery<BoardQuery>) -> PageResult {
    let (state, lang) = (&ctx.state, ctx.lang);
    let view = View::parse(&q.view);
    let area = ctx.scope().region_code().clone();
    let zone = Zone::of_region(area.as_str());
    let today = local(chrono::Utc::now().timestamp(), zone).date();
    let p = period(view, &q.day, &q.month, today, crate::clock::today());
    let found = of_period(&ctx, &area, &p, zone).await?;
    let topics = state.db().activity_topics().await.unwrap_or_default();
    let mut marks = conflict_marks(state, lang, &found).await;
    let chosen = Chosen::of(&q);
    let listed: Vec<(&ActivityRecord, Row)> = found
        .iter()
        .filter(|a| chosen.shows(&a.data))
        .map(|a| {
            let conflicts = marks.remove(&a.id).unwrap_or_default();
            (a, row(state, lang, &topics, a, conflicts))
        })
        .collect();
    let with_conflicts = listed
        .iter()
        .filter(|(_, r)| !r.conflicts.is_empty())
        .count();
    let count = listed.len();
    let pages = count.div_ceil(PER_PAGE).max(1);
    let page = q.page.trim().parse::<usize>().unwrap_or(1).clamp(1, pages);
    let key = p.key.0;
    let page_link = |n: usize| {
        let base = chosen.link(view, key, &p.key.1);
        if n == 1 {
            base
        } else {
            format!("{base}&hal={n}")
        }
    };
    let weeks = if view == View::Month {
        let row_link = |i: usize, id: &str| {
            let on = i / PER_PAGE + 1;
            if on == page {
                format!("#a-{id}")
            } else {
                format!("{}#a-{id}", page_link(on))
            }
        };
        let week_link = |day: NaiveDate| chosen.link(View::Week, "tanggal", &day.to_string());
        month_cells(lang, &p, today, &listed, &row_link, &week_link)
    } else {
        Vec::new()
    };
    let rows: Vec<(NaiveDate, Row)> = listed
        .into_iter()
        .skip((page - 1) * PER_PAGE)
        .take(PER_PAGE)
        .map(|(a, r)| (local(a.data.start, a.data.zone).date().max(p.first), r))
        .collect();
    let (title, summary) = board_words(lang, view, &p, count, with_conflicts);
    Ok(BoardPage {
        c: ctx.chrome(title),
        l: lang,
        view: view.as_str(),
        prev: (chosen.link(view, key, &p.prev), period_words(lang, &p.prev)),
        next: (chosen.link(view, key, &p.next), period_words(lang, &p.next)),
        views: view_links(lang, &chosen, view, &p),
        // A week's free days are shown when the whole week is on the page.
        days: by_day(lang, view, &p, rows, pages == 1),
        weeks,
        weekdays: weekday_names(lang),
        summary,
        can_plan: ctx.caller.can(Permission::PlanProgrammes),
        can_manage: ctx.caller.can(Permission::ManageProgrammes),
        ics: format!("/kegiatan/kalender.ics?wilayah={}", area.as_str()),
        filters: filters(state, lang, &area, &topics, &chosen),
        period: p.key.clone(),
        prev_page: (page > 1).then(|| page_link(page - 1)),
        next_page: (page < pages).then(|| page_link(page + 1)),
        page_of: (pages > 1).then(|| {
            lang.tf(
                "pager.page_of",
                &[("page", &page.to_string()), ("pages", &pages.to_string())],
            )
        }),
    }
    .into_response())
}

/// `/kegiatan/kalender.ics?wilayah=…&topik=…&penyelenggara=…`.
#[derive(Deserialize)]
struct FeedQuery {
    #[serde(default, rename = "wilayah")]
    region: String,
    #[serde(default, rename = "topik")]
    topic: String,
    #[serde(default, rename = "penyelenggara")]
    organiser: String,
}

/// An activity as a calendar event (none when its times are out of range).
fn event(state: &AppState, lang: Lang, base: &str, a: &ActivityRecord) -> Option<icalendar::Event> {
    use icalendar::{Component, Event, EventLike, EventStatus};
    let d = &a.data;
    chrono::DateTime::from_timestamp(d.start, 0)?;
    chrono::DateTime::from_timestamp(d.end, 0)?;
    // At the local time people were told, in the zone's IANA name (issue 33: UTC without a
    // TZID showed 02:00 for a 09:00 WIB training in some calendars' agenda exports).
    let at = |t: i64| icalendar::CalendarDateTime::WithTimezone {
        date_time: sentra_domain::programme::activity::local(t, d.zone),
        tzid: tzid(d.zone).to_string(),
    };
    let mut e = Event::new();
    e.uid(&format!("{}@sentra", a.id))
        .summary(&d.title)
        .starts(at(d.start))
        .ends(at(d.end))
        .status(if d.status == ActivityStatus::Confirmed {
            EventStatus::Confirmed
        } else {
            EventStatus::Tentative
        })
        .description(&format!(
            "{} · {}",
            lang.t(&format!("activity.kind_{}", d.kind.as_str())),
            organised_by(state, lang, d)
        ));
    // URL links back to the activity on the public agenda; an online meeting's link is where
    // it takes place (RFC 5545 has one URL per event).
    e.url(&format!("{base}/agenda#kegiatan-{}", a.id));
    match (&d.venue, &d.online_link) {
        (Some(v), Some(link)) => e.location(&format!("{v} · {link}")),
        (Some(v), None) => e.location(v),
        (None, Some(link)) => e.location(link),
        (None, None) => &mut e,
    };
    Some(e.done())
}

/// The IANA name of an Indonesian time zone.
fn tzid(zone: sentra_domain::programme::activity::Zone) -> &'static str {
    use sentra_domain::programme::activity::Zone;
    match zone {
        Zone::Wib => "Asia/Jakarta",
        Zone::Wita => "Asia/Makassar",
        Zone::Wit => "Asia/Jayapura",
    }
}

/// A VTIMEZONE for a zone the feed uses (RFC 5545 §3.6.5: every TZID has one): a fixed
/// offset, as Indonesia has kept since 1988 without daylight saving.
fn vtimezone(zone: sentra_domain::programme::activity::Zone) -> String {
    let offset = format!("+{:02}00", zone.offset_hours());
    format!(
        "BEGIN:VTIMEZONE\r\nTZID:{}\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\n\
         TZOFFSETFROM:{offset}\r\nTZOFFSETTO:{offset}\r\nTZNAME:{}\r\nEND:STANDARD\r\n\
         END:VTIMEZONE\r\n",
        tzid(zone),
        zone.as_str()
    )
}

/// The published activities (planned or confirmed) of a region and the regions holding it, from
/// a month ago to a year ahead, as iCalendar for phones and calendar apps; `topik` and
/// `penyelenggara` narrow it.
async fn ics(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: axum::http::HeaderMap,
    PageQuery(q): PageQuery<FeedQuery>,
) -> PageResult {
    use icalendar::Calendar;
    let region = RegionCode::parse(&q.region).unwrap_or_else(|_| state.home().clone());
    let now = chrono::Utc::now().timestamp();
    let found = state
        .db()
        .activities_between(&region, now - 31 * 86_400, now + 366 * 86_400)
        .await?;
    let base = crate::catalogue::public::site_base(&state, &headers);
    let mut cal = Calendar::new();
    cal.name(&format!(
        "Kegiatan UMKM {}",
        state.region_name(region.as_str())
    ));
    let published = found.iter().filter(|a| {
        matches!(
            a.data.status,
            ActivityStatus::Planned | ActivityStatus::Confirmed
        ) && (q.topic.is_empty() || a.data.topics.contains(&q.topic))
            && (q.organiser.is_empty() || a.data.organiser.as_str() == q.organiser)
    });
    let mut zones = Vec::new();
    for a in published {
        if let Some(e) = event(&state, lang, &base, a) {
            cal.push(e);
            if !zones.contains(&a.data.zone) {
                zones.push(a.data.zone);
            }
        }
    }
    // The zones' definitions go before the events that name them.
    let mut text = cal.done().to_string();
    let at = text
        .find("BEGIN:VEVENT")
        .or_else(|| text.find("END:VCALENDAR"))
        .unwrap_or(text.len());
    let definitions: String = zones.into_iter().map(vtimezone).collect();
    text.insert_str(at, &definitions);
    Ok((
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        text,
    )
        .into_response())
}
