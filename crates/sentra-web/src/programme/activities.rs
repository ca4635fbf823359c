//! Programmes: the harmonisation board (`/kegiatan`: every level's activities in the caller's
//! area and those of the regions holding it, a month at a time, conflicts marked), the activity
//! form that shows every conflict with its reason before saving (saving anyway needs a note),
//! and the public iCalendar feed (`/kegiatan/kalender.ics`).

use crate::forms::query_pairs;
use crate::ui::area_choices;
use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, RawForm, RawQuery, State};
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, NaiveDate};
use sentra_domain::FieldErrors;
use sentra_domain::account::Permission;
use sentra_domain::programme::activity::{
    ActivityContext, ActivityData, ActivityInput, ActivityKind, ActivityStatus, Organiser, Repeat,
    Zone, instant, local, sessions, validate_activity, validate_repeat,
};
use sentra_domain::programme::conflicts::{self, Reason, Rules};
use sentra_domain::programme::participants::Candidate;
use sentra_domain::region::{RegionCode, RegionLevel};
use sentra_domain::size::SizeClass;
use sentra_domain::umkm::LegalKind;
use sentra_storage::{ActivityConflict, ActivityRecord, StorageError};

use crate::AppState;
use crate::auth::{Caller, accept_form, require};
use crate::error::ApiError;
use crate::forms::form_value;
use crate::lang::{Lang, ReqLang};
use crate::routes::{Access, Routes};
use crate::ui::{Chrome, FormFields, error_page};

pub fn routes() -> Routes {
    let read = Access::Role(Permission::ReadProgrammes);
    let plan = Access::Role(Permission::PlanProgrammes);
    Routes::new("")
        .get("/kegiatan", read, board)
        .get("/kegiatan/baru", plan, new_form)
        .post("/kegiatan", plan, create)
        .get("/kegiatan/kalender.ics", Access::Public, ics)
        .get("/agenda", Access::Public, agenda)
        .get("/kegiatan/jangkauan", read, reach)
        .get("/kegiatan/{activity}", plan, edit_form)
        .post("/kegiatan/{activity}", plan, update)
        .get("/kegiatan/{activity}/peserta", plan, participants_page)
        .get("/kegiatan/{activity}/daftar-hadir", plan, sheet)
        .post("/kegiatan/{activity}/peserta", plan, register)
        .post("/kegiatan/{activity}/peserta/{umkm}", plan, set_state)
}

/// The harmonisation settings in force.
async fn rules(state: &AppState) -> Rules {
    state.db().programme_rules().await.unwrap_or_default()
}

/// A topic's name in the page's language (its code when it is not a topic any more).
pub(crate) fn topic_label(lang: Lang, topics: &[sentra_storage::Topic], code: &str) -> String {
    topics
        .iter()
        .find(|t| t.code == code)
        .map_or(code, |t| lang.pick(&t.name_id, &t.name_en))
        .to_string()
}

pub(crate) fn sector_label(lang: Lang, sectors: &[sentra_storage::Sector], code: &str) -> String {
    sectors
        .iter()
        .find(|s| s.code == code)
        .map_or(code, |s| lang.pick(&s.name_id, &s.name_en))
        .to_string()
}

fn level_key(code: &RegionCode) -> &'static str {
    level_name_key(code.level())
}

fn level_name_key(level: RegionLevel) -> &'static str {
    match level {
        RegionLevel::Province => "activity.level_province",
        RegionLevel::Regency => "activity.level_regency",
        RegionLevel::District => "activity.level_district",
        RegionLevel::Village => "activity.level_village",
    }
}

/// Choices of a code list, each with its label `{prefix}{code}` in the page's language.
fn choices<'a>(
    lang: Lang,
    prefix: &str,
    codes: impl IntoIterator<Item = &'a str>,
) -> Vec<(String, String)> {
    codes
        .into_iter()
        .map(|c| (c.to_string(), lang.t(&format!("{prefix}{c}")).into_owned()))
        .collect()
}

/// [`choices`] with whether each is among `chosen` (checkboxes).
fn checked<'a>(
    lang: Lang,
    prefix: &str,
    codes: impl IntoIterator<Item = &'a str>,
    chosen: &[String],
) -> Vec<(String, String, bool)> {
    choices(lang, prefix, codes)
        .into_iter()
        .map(|(code, label)| {
            let on = chosen.contains(&code);
            (code, label, on)
        })
        .collect()
}

/// "Kecamatan · Pondok Aren": who runs the activity, and for which region.
pub(crate) fn organised_by(state: &AppState, lang: Lang, d: &ActivityData) -> String {
    format!(
        "{} · {}",
        lang.t(&format!("activity.organiser_{}", d.organiser.as_str())),
        state.region_name(d.region.as_str())
    )
}

pub(crate) fn when(lang: Lang, d: &ActivityData) -> String {
    let (s, e) = (local(d.start, d.zone), local(d.end, d.zone));
    let day = |t: chrono::NaiveDateTime| match lang {
        Lang::Id => t.format("%d/%m/%Y").to_string(),
        Lang::En => t.format("%Y-%m-%d").to_string(),
    };
    if s.date() == e.date() {
        format!(
            "{} {}–{} {}",
            day(s),
            s.format("%H:%M"),
            e.format("%H:%M"),
            d.zone.as_str()
        )
    } else {
        format!(
            "{} {} – {} {} {}",
            day(s),
            s.format("%H:%M"),
            day(e),
            e.format("%H:%M"),
            d.zone.as_str()
        )
    }
}

/// A conflict as a sentence: its reason and the other activity.
fn conflict_text(state: &AppState, lang: Lang, rules: &Rules, c: &ActivityConflict) -> String {
    let reason = match c.reason {
        Reason::SameTopicWithinWindow { .. } => std::borrow::Cow::Owned(lang.tf(
            "conflict.same_topic_within_window",
            &[("days", &(rules.topic_window / conflicts::DAY).to_string())],
        )),
        Reason::ParticipantsDoubleBooked { shared } => std::borrow::Cow::Owned(lang.tf(
            "conflict.participants_double_booked",
            &[("n", &shared.to_string())],
        )),
        r => lang.t(&format!("conflict.{}", r.code())),
    };
    match &c.with {
        Some(other) => format!(
            "{reason}: {} ({}, {}, {})",
            other.data.title,
            lang.t(level_key(&other.data.region)),
            state.region_name(other.data.region.as_str()),
            when(lang, &other.data)
        ),
        None => reason.into_owned(),
    }
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
    pub conflicts: Vec<String>,
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
}

/// A day of the month's grid.
pub struct Cell {
    pub day: u32,
    /// "Sen 9/3": the day's label when the grid is read as a list (on a phone).
    pub label: String,
    pub in_month: bool,
    pub today: bool,
    /// (id, "09:00", title, has conflicts).
    pub items: Vec<(String, String, String, bool)>,
}

/// The board's filter choices and what is chosen.
pub struct Filters {
    pub levels: Vec<(String, String)>,
    pub organisers: Vec<(String, String)>,
    pub topics: Vec<(String, String)>,
    pub districts: Vec<(String, String)>,
    pub level: String,
    pub organiser: String,
    pub topic: String,
    pub district: String,
}

/// The first day of `yyyy-mm`, or of this month.
fn month_start(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d").unwrap_or_else(|_| {
        let today = chrono::Utc::now().date_naive();
        NaiveDate::from_ymd_opt(today.year(), today.month(), 1).unwrap_or(today)
    })
}

fn add_months(d: NaiveDate, n: i32) -> NaiveDate {
    let m = d.year() * 12 + d.month0() as i32 + n;
    NaiveDate::from_ymd_opt(m.div_euclid(12), m.rem_euclid(12) as u32 + 1, 1).unwrap_or(d)
}

/// The Monday of the week holding `d`.
fn monday_of(d: NaiveDate) -> NaiveDate {
    d - chrono::Duration::days(i64::from(d.weekday().num_days_from_monday()))
}

fn day_label(lang: Lang, day: NaiveDate) -> String {
    match lang {
        Lang::Id => day.format("%d/%m/%Y").to_string(),
        Lang::En => day.format("%Y-%m-%d").to_string(),
    }
}

fn weekday_names(lang: Lang) -> Vec<String> {
    (1..=7)
        .map(|d| lang.t(&format!("activity.wd_{d}")).into_owned())
        .collect()
}

async fn board(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    RawQuery(query): RawQuery,
) -> Response {
    if let Err(r) = require(&caller, Permission::ReadProgrammes) {
        return *r;
    }
    let q = query_pairs(query.as_deref());
    let view = match form_value(&q, "tampilan") {
        "bulan" => "bulan",
        "minggu" => "minggu",
        _ => "daftar",
    };
    let zone = Zone::of_region(caller.scope().region_code().as_str());
    let today = local(chrono::Utc::now().timestamp(), zone).date();
    // The period: a week from its Monday, or a month.
    let (first, last, period, prev, next) = if view == "minggu" {
        let day = NaiveDate::parse_from_str(form_value(&q, "tanggal"), "%Y-%m-%d").unwrap_or(today);
        let monday = monday_of(day);
        let week = chrono::Duration::days(7);
        let key = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
        (
            monday,
            monday + week,
            ("tanggal", key(monday)),
            key(monday - week),
            key(monday + week),
        )
    } else {
        let month = month_start(form_value(&q, "bulan"));
        let key = |d: NaiveDate| d.format("%Y-%m").to_string();
        (
            month,
            add_months(month, 1),
            ("bulan", key(month)),
            key(add_months(month, -1)),
            key(add_months(month, 1)),
        )
    };
    let midnight = |d: NaiveDate| instant(d.and_hms_opt(0, 0, 0).unwrap_or_default(), zone);
    let (from, to) = (midnight(first), midnight(last));
    let area = caller.scope().region_code().clone();
    // Those starting up to a month before and still running count too (a long exhibition).
    let longest = sentra_domain::programme::activity::MAX_DAYS * conflicts::DAY;
    let found: Vec<ActivityRecord> = match state
        .db()
        .activities_between(&area, from - longest, to)
        .await
    {
        Ok(a) => a.into_iter().filter(|a| a.data.end > from).collect(),
        Err(e) => return error_page(lang, &uri, e.into()),
    };
    let topics = state.db().activity_topics().await.unwrap_or_default();
    let topic_name = |code: &str| topic_label(lang, &topics, code);
    // The period's conflicts among the activities shown (cancelled ones aside).
    let live: Vec<&ActivityRecord> = found
        .iter()
        .filter(|a| a.data.status != ActivityStatus::Cancelled)
        .collect();
    let sectors = state.db().sectors().await.unwrap_or_default();
    let datas: Vec<(&ActivityData, Option<&str>)> = live
        .iter()
        .map(|a| (&a.data, a.series.as_ref().map(|s| s.0.as_str())))
        .collect();
    let slots = sentra_storage::slots_of(&datas, &topics, &sectors);
    let mut marks: HashMap<&str, Vec<String>> = HashMap::new();
    let rules = rules(&state).await;
    for c in conflicts::find(&slots, &rules) {
        let (a, b) = (live[c.a as usize], live[c.b as usize]);
        for (me, other) in [(a, b), (b, a)] {
            if c.a == c.b && me.id != other.id {
                continue;
            }
            let text = conflict_text(
                &state,
                lang,
                &rules,
                &ActivityConflict {
                    reason: c.reason,
                    with: (c.a != c.b).then(|| other.clone()),
                },
            );
            marks.entry(me.id.as_str()).or_default().push(text);
            if c.a == c.b {
                break;
            }
        }
    }
    // Filters narrow what is listed; conflicts are still found against every activity.
    let level = form_value(&q, "tingkat");
    let organiser = form_value(&q, "penyelenggara");
    let topic = form_value(&q, "topik");
    let district = RegionCode::parse(form_value(&q, "kecamatan")).ok();
    let shown = |d: &ActivityData| {
        (level.is_empty() || d.region.level().as_str() == level)
            && (organiser.is_empty() || d.organiser.as_str() == organiser)
            && (topic.is_empty() || d.topics.iter().any(|t| t == topic))
            && district
                .as_ref()
                .is_none_or(|k| d.region.is_within(k) || k.is_within(&d.region))
    };
    let district_code = district
        .as_ref()
        .map(|d| d.as_str().to_string())
        .unwrap_or_default();
    // The filters as a query, for every link that changes only the period or the view.
    let kept: Vec<(&str, &str)> = [
        ("tingkat", level),
        ("penyelenggara", organiser),
        ("topik", topic),
        ("kecamatan", district_code.as_str()),
    ]
    .into_iter()
    .filter(|(_, v)| !v.is_empty())
    .collect();
    let link = |view: &str, key: &str, value: &str| {
        let mut all = kept.clone();
        if view != "daftar" {
            all.push(("tampilan", view));
        }
        all.push((key, value));
        format!(
            "/kegiatan?{}",
            serde_urlencoded::to_string(&all).unwrap_or_default()
        )
    };
    let filters = Filters {
        levels: [
            RegionLevel::Province,
            RegionLevel::Regency,
            RegionLevel::District,
            RegionLevel::Village,
        ]
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
            .map(|t| (t.code.clone(), topic_name(&t.code)))
            .collect(),
        districts: state
            .regions()
            .children(&area)
            .into_iter()
            .map(|r| (r.code.as_str().to_string(), r.name.clone()))
            .collect(),
        level: level.to_string(),
        organiser: organiser.to_string(),
        topic: topic.to_string(),
        district: district_code.clone(),
    };
    let listed: Vec<&ActivityRecord> = found.iter().filter(|a| shown(&a.data)).collect();
    let mut rows: Vec<(NaiveDate, Row)> = Vec::new();
    for a in &listed {
        let d = &a.data;
        let mut row = Row {
            id: a.id.clone(),
            when: when(lang, d),
            level: lang.t(level_key(&d.region)).into_owned(),
            region: state.region_name(d.region.as_str()),
            title: d.title.clone(),
            kind: lang
                .t(&format!("activity.kind_{}", d.kind.as_str()))
                .into_owned(),
            organiser: lang
                .t(&format!("activity.organiser_{}", d.organiser.as_str()))
                .into_owned(),
            topics: d
                .topics
                .iter()
                .map(|t| topic_name(t))
                .collect::<Vec<_>>()
                .join(", "),
            status: lang
                .t(&format!("activity.status_{}", d.status.as_str()))
                .into_owned(),
            conflicts: marks.remove(a.id.as_str()).unwrap_or_default(),
            conflict_label: String::new(),
            note: a.conflicts_note.clone(),
            series: a
                .series
                .as_ref()
                .map(|(_, n)| lang.tf("activity.series", &[("n", &n.to_string())])),
        };
        row.conflict_label = lang.tf(
            "activity.conflict_count",
            &[("n", &row.conflicts.len().to_string())],
        );
        // Listed on its first day within the period.
        rows.push((local(d.start, d.zone).date().max(first), row));
    }
    let with_conflicts = rows.iter().filter(|(_, r)| !r.conflicts.is_empty()).count();
    // The month's grid: whole weeks from the Monday on or before the 1st; an activity on every
    // day it runs.
    let mut weeks: Vec<Vec<Cell>> = Vec::new();
    if view == "bulan" {
        let names = weekday_names(lang);
        let mut day = monday_of(first);
        while day < last {
            let mut week = Vec::with_capacity(7);
            for name in &names {
                let items = listed
                    .iter()
                    .zip(&rows)
                    .filter(|(a, _)| {
                        let (s, e) = (
                            local(a.data.start, a.data.zone),
                            local(a.data.end, a.data.zone),
                        );
                        s.date() <= day && day <= e.date()
                    })
                    .map(|(a, (_, r))| {
                        (
                            r.id.clone(),
                            local(a.data.start, a.data.zone).format("%H:%M").to_string(),
                            r.title.clone(),
                            !r.conflicts.is_empty(),
                        )
                    })
                    .collect();
                week.push(Cell {
                    day: day.day(),
                    label: format!("{name} {}", day.format("%d/%m")),
                    in_month: day >= first && day < last,
                    today: day == today,
                    items,
                });
                day += chrono::Duration::days(1);
            }
            weeks.push(week);
        }
    }
    // The list and week views: by day; a week shows each of its seven days.
    let mut days: Vec<(String, Vec<Row>)> = Vec::new();
    if view == "minggu" {
        let names = weekday_names(lang);
        for (wd, name) in names.iter().enumerate() {
            let day = first + chrono::Duration::days(wd as i64);
            days.push((format!("{name} {}", day_label(lang, day)), Vec::new()));
        }
    }
    let count = rows.len();
    for (day, row) in rows {
        if view == "minggu" {
            let at = (day - first).num_days().clamp(0, 6) as usize;
            days[at].1.push(row);
            continue;
        }
        let label = day_label(lang, day);
        match days.last_mut() {
            Some((l, rows)) if *l == label => rows.push(row),
            _ => days.push((label, vec![row])),
        }
    }
    let title = if view == "minggu" {
        lang.tf(
            "activity.board_week_title",
            &[
                ("from", &day_label(lang, first)),
                ("to", &day_label(lang, last - chrono::Duration::days(1))),
            ],
        )
    } else {
        lang.tf(
            "activity.board_title",
            &[("month", &first.format("%Y-%m").to_string())],
        )
    };
    let (key, value) = (period.0, period.1.clone());
    let views = ["daftar", "bulan", "minggu"]
        .into_iter()
        .map(|v| {
            // Switching view keeps the period: a week opens at the month's first Monday.
            let here = match (v, key) {
                ("minggu", "bulan") => link(v, "tanggal", &format!("{value}-01")),
                ("minggu", _) => link(v, "tanggal", &value),
                (_, "tanggal") => link(v, "bulan", &first.format("%Y-%m").to_string()),
                _ => link(v, "bulan", &value),
            };
            (
                here,
                lang.t(&format!("activity.view_{v}")).into_owned(),
                v == view,
            )
        })
        .collect();
    BoardPage {
        c: Chrome::new(lang, title, &uri).signed_in(&caller),
        l: lang,
        view,
        prev: (link(view, key, &prev), prev),
        next: (link(view, key, &next), next),
        views,
        days,
        weeks,
        weekdays: weekday_names(lang),
        summary: lang.tf(
            if view == "minggu" {
                "activity.board_week_summary"
            } else {
                "activity.board_summary"
            },
            &[
                ("n", &count.to_string()),
                ("k", &with_conflicts.to_string()),
            ],
        ),
        can_plan: caller.can(Permission::PlanProgrammes),
        can_manage: caller.can(Permission::ManageProgrammes),
        ics: format!("/kegiatan/kalender.ics?wilayah={}", area.as_str()),
        filters,
        period,
    }
    .into_response()
}

#[derive(Template, WebTemplate)]
#[template(path = "programme/activity_form.html")]
pub struct FormPage {
    pub c: Chrome,
    pub l: Lang,
    pub action: String,
    pub values: HashMap<String, String>,
    pub errors: Vec<(String, String, String)>,
    pub kinds: Vec<(String, String)>,
    pub organisers: Vec<(String, String)>,
    pub statuses: Vec<(String, String)>,
    pub regions: Vec<(String, String)>,
    pub topics: Vec<(String, String, bool)>,
    pub sectors: Vec<(String, String, bool)>,
    pub sizes: Vec<(String, String, bool)>,
    pub gaps: Vec<(String, String, bool)>,
    /// The kecamatan and kelurahan the audience can be narrowed to.
    pub target_regions: Vec<(String, String, bool)>,
    /// How a new activity can repeat (none when editing one session).
    pub repeats: Vec<(String, String)>,
    /// Conflicts found when saving (shown before anything is saved).
    pub conflicts: Vec<String>,
    pub version: Option<i64>,
}

impl FormFields for FormPage {
    fn values(&self) -> &HashMap<String, String> {
        &self.values
    }

    fn errors(&self) -> &[(String, String, String)] {
        &self.errors
    }
}

impl FormPage {
    pub fn label(&self, field: &str) -> String {
        self.l.t(&format!("activity.field_{field}")).into_owned()
    }
}

fn input_from(pairs: &[(String, String)]) -> ActivityInput {
    let v = |k: &str| form_value(pairs, k).to_string();
    let all = |k: &str| {
        pairs
            .iter()
            .filter(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .collect::<Vec<_>>()
    };
    ActivityInput {
        kind: v("kind"),
        title: v("title"),
        topics: all("topics"),
        organiser: v("organiser"),
        region: v("region"),
        venue: v("venue"),
        online_link: v("online_link"),
        start_date: v("start_date"),
        start_time: v("start_time"),
        end_date: v("end_date"),
        end_time: v("end_time"),
        zone: v("zone"),
        capacity: v("capacity"),
        sectors: all("sectors"),
        sizes: all("sizes"),
        gaps: all("gaps"),
        target_regions: all("target_regions"),
        first_timers: v("first_timers"),
        funding: v("funding"),
        budget: v("budget"),
        status: v("status"),
        status_reason: v("status_reason"),
        repeat: v("repeat"),
        sessions: v("sessions"),
    }
}

fn input_of(d: &ActivityData) -> ActivityInput {
    let (s, e) = (local(d.start, d.zone), local(d.end, d.zone));
    ActivityInput {
        kind: d.kind.as_str().into(),
        title: d.title.clone(),
        topics: d.topics.clone(),
        organiser: d.organiser.as_str().into(),
        region: d.region.as_str().into(),
        venue: d.venue.clone().unwrap_or_default(),
        online_link: d.online_link.clone().unwrap_or_default(),
        start_date: s.format("%Y-%m-%d").to_string(),
        start_time: s.format("%H:%M").to_string(),
        end_date: e.format("%Y-%m-%d").to_string(),
        end_time: e.format("%H:%M").to_string(),
        zone: d.zone.as_str().into(),
        capacity: d.capacity.to_string(),
        sectors: d.sectors.clone(),
        sizes: d.sizes.clone(),
        gaps: d.gaps.clone(),
        target_regions: d
            .target_regions
            .iter()
            .map(|r| r.as_str().to_string())
            .collect(),
        first_timers: if d.first_timers { "1" } else { "" }.into(),
        funding: d.funding.clone().unwrap_or_default(),
        budget: d.budget.map(|b| b.to_string()).unwrap_or_default(),
        status: d.status.as_str().into(),
        status_reason: d.status_reason.clone().unwrap_or_default(),
        repeat: String::new(),
        sessions: String::new(),
    }
}

struct Shown<'a> {
    state: &'a AppState,
    caller: &'a Caller,
    lang: Lang,
    uri: &'a Uri,
}

impl Shown<'_> {
    #[allow(clippy::too_many_arguments)]
    async fn form(
        &self,
        status: StatusCode,
        action: String,
        input: &ActivityInput,
        extra: &[(&str, String)],
        errors: &FieldErrors,
        conflicts: Vec<String>,
        version: Option<i64>,
    ) -> Response {
        let lang = self.lang;
        let topics = self.state.db().activity_topics().await.unwrap_or_default();
        let sectors = self.state.db().sectors().await.unwrap_or_default();
        let scope = self.caller.scope();
        let home = scope.region_code();
        let tree = self.state.regions();
        let mut regions = Vec::new();
        if let Some(r) = tree.get(home) {
            regions.push((r.code.as_str().to_string(), r.name.clone()));
            for k in tree.children(home) {
                regions.push((k.code.as_str().to_string(), format!("— {}", k.name)));
                if k.level == RegionLevel::District {
                    for v in tree.children(&k.code) {
                        regions.push((v.code.as_str().to_string(), format!("— — {}", v.name)));
                    }
                }
            }
        }
        let mut values: HashMap<String, String> = [
            ("kind", &input.kind),
            ("title", &input.title),
            ("organiser", &input.organiser),
            ("region", &input.region),
            ("venue", &input.venue),
            ("online_link", &input.online_link),
            ("start_date", &input.start_date),
            ("start_time", &input.start_time),
            ("end_date", &input.end_date),
            ("end_time", &input.end_time),
            ("zone", &input.zone),
            ("capacity", &input.capacity),
            ("funding", &input.funding),
            ("budget", &input.budget),
            ("status", &input.status),
            ("status_reason", &input.status_reason),
            ("first_timers", &input.first_timers),
            ("repeat", &input.repeat),
            ("sessions", &input.sessions),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
        for (k, v) in extra {
            values.insert((*k).to_string(), v.clone());
        }
        let errors = errors
            .iter()
            .map(|e| {
                (
                    e.field.clone(),
                    lang.t(&format!("activity.field_{}", e.field)).into_owned(),
                    lang.error(e.code).into_owned(),
                )
            })
            .collect();
        let title = if version.is_some() {
            lang.t("activity.edit_title")
        } else {
            lang.t("activity.new_title")
        };
        let mut res = FormPage {
            c: Chrome::new(lang, title.into_owned(), self.uri).signed_in(self.caller),
            l: lang,
            action,
            values,
            errors,
            kinds: choices(
                lang,
                "activity.kind_",
                ActivityKind::ALL.iter().map(|k| k.as_str()),
            ),
            organisers: choices(
                lang,
                "activity.organiser_",
                Organiser::ALL.iter().map(|k| k.as_str()),
            ),
            statuses: choices(
                lang,
                "activity.status_",
                ActivityStatus::ALL.iter().map(|k| k.as_str()),
            ),
            // Active topics, and a retired one the activity already has.
            topics: topics
                .into_iter()
                .filter(|t| t.active || input.topics.contains(&t.code))
                .map(|t| {
                    let on = input.topics.contains(&t.code);
                    let name = lang.pick(&t.name_id, &t.name_en).to_string();
                    (t.code, name, on)
                })
                .collect(),
            sectors: sectors
                .into_iter()
                .map(|s| {
                    let on = input.sectors.contains(&s.code);
                    let name = lang.pick(&s.name_id, &s.name_en).to_string();
                    (s.code, name, on)
                })
                .collect(),
            sizes: checked(
                lang,
                "size.",
                SizeClass::ALL.iter().map(|c| c.as_str()),
                &input.sizes,
            ),
            gaps: checked(
                lang,
                "doc.",
                LegalKind::ALL.iter().map(|k| k.as_str()),
                &input.gaps,
            ),
            target_regions: regions
                .iter()
                .skip(1)
                .map(|(code, name)| {
                    (
                        code.clone(),
                        name.clone(),
                        input.target_regions.contains(code),
                    )
                })
                .collect(),
            regions,
            repeats: if version.is_some() {
                Vec::new()
            } else {
                choices(
                    lang,
                    "activity.repeat_",
                    Repeat::ALL.iter().map(|r| r.as_str()),
                )
            },
            conflicts,
            version,
        }
        .into_response();
        *res.status_mut() = status;
        res
    }
}

async fn new_form(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
) -> Response {
    if let Err(r) = require(&caller, Permission::PlanProgrammes) {
        return *r;
    }
    let input = ActivityInput {
        region: caller.scope().region_code().as_str().to_string(),
        status: "planned".into(),
        capacity: "30".into(),
        ..ActivityInput::default()
    };
    let shown = Shown {
        state: &state,
        caller: &caller,
        lang,
        uri: &uri,
    };
    shown
        .form(
            StatusCode::OK,
            "/kegiatan".into(),
            &input,
            &[],
            &FieldErrors::new(),
            Vec::new(),
            None,
        )
        .await
}

/// Checks, finds the conflicts, and saves only when there are none or the planner accepts them
/// with a note.
async fn check_and_save(
    state: &AppState,
    caller: &Caller,
    lang: Lang,
    uri: &Uri,
    pairs: &[(String, String)],
    existing: Option<&ActivityRecord>,
) -> Response {
    let input = input_from(pairs);
    let action = existing.map_or("/kegiatan".to_string(), |a| format!("/kegiatan/{}", a.id));
    let accept = form_value(pairs, "accept") == "1";
    let note = form_value(pairs, "conflicts_note").trim().to_string();
    let extra = [
        (
            "accept",
            if accept {
                "1".to_string()
            } else {
                String::new()
            },
        ),
        ("conflicts_note", note.clone()),
    ];
    let version = existing.map(|a| a.version);
    let shown = Shown {
        state,
        caller,
        lang,
        uri,
    };
    // The topics offered, and a retired one the activity being moved already has.
    let mut topics: Vec<String> = state.db().active_topic_codes().await.unwrap_or_default();
    topics.extend(existing.iter().flat_map(|a| a.data.topics.iter().cloned()));
    let sectors: Vec<String> = state
        .db()
        .sectors()
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|s| s.code)
        .collect();
    let ctx = ActivityContext {
        tree: state.regions(),
        topics: &topics,
        sectors: &sectors,
    };
    let mut errors = FieldErrors::new();
    let planned = match validate_activity(&input, &ctx) {
        Ok(d) if !caller.scope().contains(&d.region) => {
            errors.push("region", "region_outside_scope");
            None
        }
        // A new activity may repeat: its sessions are planned (and checked) together.
        Ok(d) if existing.is_none() => match validate_repeat(&input, &d) {
            Ok((repeat, n)) => Some(sessions(&d, repeat, n)),
            Err(e) => {
                errors = e;
                None
            }
        },
        Ok(d) => Some(vec![d]),
        Err(e) => {
            errors = e;
            None
        }
    };
    let Some(planned) = planned else {
        return shown
            .form(
                StatusCode::UNPROCESSABLE_ENTITY,
                action,
                &input,
                &extra,
                &errors,
                Vec::new(),
                version,
            )
            .await;
    };
    let live: Vec<ActivityData> = planned
        .iter()
        .filter(|d| d.status != ActivityStatus::Cancelled)
        .cloned()
        .collect();
    let rules = rules(state).await;
    let found = match state.db().activity_conflicts(&live, existing, &rules).await {
        Ok(c) => c,
        Err(e) => return error_page(lang, uri, e.into()),
    };
    if !found.is_empty() && (!accept || note.is_empty()) {
        if accept {
            errors.push("conflicts_note", "conflicts_note_required");
        }
        let texts = found
            .iter()
            .map(|(at, c)| {
                let text = conflict_text(state, lang, &rules, c);
                match live.get(*at).filter(|_| live.len() > 1) {
                    Some(session) => lang.tf(
                        "activity.session_conflict",
                        &[
                            ("n", &(at + 1).to_string()),
                            ("when", &when(lang, session)),
                            ("conflict", &text),
                        ],
                    ),
                    None => text,
                }
            })
            .collect();
        return shown
            .form(
                StatusCode::CONFLICT,
                action,
                &input,
                &extra,
                &errors,
                texts,
                version,
            )
            .await;
    }
    let note = (!found.is_empty()).then_some(note.as_str());
    let scope = caller.scope();
    let saved = match existing {
        None => {
            state
                .db()
                .create_activities(&scope, &planned, note, &caller.actor)
                .await
                .and_then(|mut all| {
                    // The board opens at the first session.
                    all.truncate(1);
                    all.pop().ok_or(StorageError::NotFound)
                })
        }
        Some(a) => {
            let expected = form_value(pairs, "version").parse().unwrap_or(-1);
            let Some(data) = planned.first() else {
                return error_page(lang, uri, ApiError::NotFound);
            };
            state
                .db()
                .update_activity(&scope, &a.id, expected, data, note, &caller.actor)
                .await
        }
    };
    match saved {
        Ok(a) => {
            let month = local(a.data.start, a.data.zone).format("%Y-%m").to_string();
            Redirect::to(&format!("/kegiatan?bulan={month}&done=saved#a-{}", a.id)).into_response()
        }
        Err(StorageError::Conflict) => error_page(lang, uri, ApiError::Conflict),
        Err(e) => error_page(lang, uri, e.into()),
    }
}

async fn create(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    RawForm(form): RawForm,
) -> Response {
    let pairs = match accept_form(&caller, Permission::PlanProgrammes, &form) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    check_and_save(&state, &caller, lang, &uri, &pairs, None).await
}

async fn edit_form(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = require(&caller, Permission::PlanProgrammes) {
        return *r;
    }
    let a = match state.db().get_activity(&caller.scope(), &id).await {
        Ok(a) => a,
        Err(e) => return error_page(lang, &uri, e.into()),
    };
    let shown = Shown {
        state: &state,
        caller: &caller,
        lang,
        uri: &uri,
    };
    let extra = [(
        "conflicts_note",
        a.conflicts_note.clone().unwrap_or_default(),
    )];
    shown
        .form(
            StatusCode::OK,
            format!("/kegiatan/{id}"),
            &input_of(&a.data),
            &extra,
            &FieldErrors::new(),
            Vec::new(),
            Some(a.version),
        )
        .await
}

async fn update(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    Path(id): Path<String>,
    RawForm(form): RawForm,
) -> Response {
    let pairs = match accept_form(&caller, Permission::PlanProgrammes, &form) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let a = match state.db().get_activity(&caller.scope(), &id).await {
        Ok(a) => a,
        Err(e) => return error_page(lang, &uri, e.into()),
    };
    check_and_save(&state, &caller, lang, &uri, &pairs, Some(&a)).await
}

/// The published activities (planned or confirmed) of a region and the regions holding it, from
/// a month ago to a year ahead, as iCalendar for phones and calendar apps; `topik` and
/// `penyelenggara` narrow it.
async fn ics(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    uri: Uri,
    RawQuery(query): RawQuery,
) -> Response {
    use icalendar::{Calendar, Component, Event, EventLike, EventStatus};
    let q = query_pairs(query.as_deref());
    let region = match RegionCode::parse(form_value(&q, "wilayah")) {
        Ok(r) => r,
        Err(_) => state.home().clone(),
    };
    let topic = form_value(&q, "topik");
    let organiser = form_value(&q, "penyelenggara");
    let now = chrono::Utc::now().timestamp();
    let found = match state
        .db()
        .activities_between(&region, now - 31 * 86_400, now + 366 * 86_400)
        .await
    {
        Ok(a) => a,
        Err(e) => return error_page(lang, &uri, e.into()),
    };
    let mut cal = Calendar::new();
    cal.name(&format!(
        "Kegiatan UMKM {}",
        state.region_name(region.as_str())
    ));
    for a in found.iter().filter(|a| {
        matches!(
            a.data.status,
            ActivityStatus::Planned | ActivityStatus::Confirmed
        ) && (topic.is_empty() || a.data.topics.iter().any(|t| t == topic))
            && (organiser.is_empty() || a.data.organiser.as_str() == organiser)
    }) {
        let d = &a.data;
        let (Some(start), Some(end)) = (
            chrono::DateTime::from_timestamp(d.start, 0),
            chrono::DateTime::from_timestamp(d.end, 0),
        ) else {
            continue;
        };
        let mut e = Event::new();
        e.uid(&format!("{}@sentra", a.id))
            .summary(&d.title)
            .starts(start)
            .ends(end)
            .status(if d.status == ActivityStatus::Confirmed {
                EventStatus::Confirmed
            } else {
                EventStatus::Tentative
            })
            .description(&format!(
                "{} · {}",
                lang.t(&format!("activity.kind_{}", d.kind.as_str())),
                organised_by(&state, lang, d)
            ));
        if let Some(v) = &d.venue {
            e.location(v);
        }
        if let Some(link) = &d.online_link {
            e.url(link);
        }
        cal.push(e.done());
    }
    (
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        cal.done().to_string(),
    )
        .into_response()
}

/// Who an activity is for, from its target criteria, in one line.
fn target_text(
    state: &AppState,
    lang: Lang,
    d: &ActivityData,
    sectors: &[sentra_storage::Sector],
) -> String {
    let list = |key: &str, items: Vec<String>| {
        (!items.is_empty()).then(|| format!("{}: {}", lang.t(key), items.join(", ")))
    };
    let parts: Vec<String> = [
        list(
            "activity.field_sectors",
            d.sectors
                .iter()
                .map(|c| sector_label(lang, sectors, c))
                .collect(),
        ),
        list(
            "activity.field_sizes",
            d.sizes
                .iter()
                .map(|c| lang.t(&format!("size.{c}")).into_owned())
                .collect(),
        ),
        list(
            "activity.field_gaps",
            d.gaps
                .iter()
                .map(|c| lang.t(&format!("doc.{c}")).into_owned())
                .collect(),
        ),
        list(
            "activity.field_target_regions",
            d.target_regions
                .iter()
                .map(|r| state.region_name(r.as_str()))
                .collect(),
        ),
        d.first_timers
            .then(|| lang.t("activity.field_first_timers").into_owned()),
    ]
    .into_iter()
    .flatten()
    .collect();
    if parts.is_empty() {
        lang.tf(
            "activity.target_everyone",
            &[("region", &state.region_name(d.region.as_str()))],
        )
    } else {
        parts.join(" · ")
    }
}

/// "Belum pernah", or "2 kali, terakhir 02/06/2026": how often programmes reached an invitee.
pub(crate) fn reach_history(lang: Lang, c: &Candidate, zone: Zone) -> String {
    match c.last_reached {
        None => lang.t("activity.never_reached").into_owned(),
        Some(t) => lang.tf(
            "activity.reached_times",
            &[
                ("n", &c.reached.to_string()),
                ("last", &local(t, zone).format("%d/%m/%Y").to_string()),
            ],
        ),
    }
}

pub struct InviteeRow {
    pub umkm_id: String,
    pub name: String,
    pub place: String,
    pub sector: String,
    pub sector_match: bool,
    /// "never", or how many times and when last.
    pub history: String,
    /// A WhatsApp invitation can be sent (a phone is on record).
    pub has_phone: bool,
}

pub struct ParticipantRow {
    pub umkm_id: String,
    pub name: String,
    pub state: String,
    pub note: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "programme/activity_participants.html")]
pub struct ParticipantsPage {
    pub c: Chrome,
    pub l: Lang,
    pub id: String,
    pub summary: String,
    pub participants: Vec<ParticipantRow>,
    pub states: Vec<(String, String)>,
    pub invitees: Vec<InviteeRow>,
    /// The caller may send WhatsApp invitations (each reveals a phone number, audited).
    pub can_whatsapp: bool,
    /// "Sektor: Kuliner · Belum memiliki: NIB": who the activity is for.
    pub target: String,
    pub notice: Option<String>,
}

/// Invitees shown at once (the most deserving first).
const INVITEES_SHOWN: usize = 100;

async fn participants_page(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    if let Err(r) = require(&caller, Permission::PlanProgrammes) {
        return *r;
    }
    let scope = caller.scope();
    let run = async {
        let a = state.db().get_activity(&scope, &id).await?;
        let people = state.db().participants(&scope, &id).await?;
        let invitees = state.db().invitees(&scope, &a, INVITEES_SHOWN).await?;
        Ok::<_, StorageError>((a, people, invitees))
    };
    let (a, people, invitees) = match run.await {
        Ok(x) => x,
        Err(e) => return error_page(lang, &uri, e.into()),
    };
    let sectors = state.db().sectors().await.unwrap_or_default();
    let sector_name = |code: &str| sector_label(lang, &sectors, code);
    let taking = people.iter().filter(|p| p.state.takes_place()).count();
    let notice = match form_value(&query_pairs(query.as_deref()), "done") {
        "registered" => Some(lang.t("activity.done_registered").into_owned()),
        "state" => Some(lang.t("activity.done_state").into_owned()),
        _ => None,
    };
    ParticipantsPage {
        c: Chrome::new(
            lang,
            lang.tf("activity.participants_title", &[("title", &a.data.title)]),
            &uri,
        )
        .signed_in(&caller),
        l: lang,
        summary: lang.tf(
            "activity.participants_summary",
            &[
                ("n", &taking.to_string()),
                ("cap", &a.data.capacity.to_string()),
                ("when", &when(lang, &a.data)),
            ],
        ),
        id: a.id.clone(),
        participants: people
            .into_iter()
            .map(|p| ParticipantRow {
                state: p.state.as_str().to_string(),
                note: p.note.unwrap_or_default(),
                umkm_id: p.umkm_id,
                name: p.name,
            })
            .collect(),
        states: choices(
            lang,
            "activity.state_",
            sentra_domain::programme::participants::ParticipantState::ALL
                .iter()
                .map(|s| s.as_str()),
        ),
        invitees: invitees
            .into_iter()
            .map(|c| InviteeRow {
                place: state.region_name(&c.village_code),
                sector: sector_name(&c.sector),
                sector_match: c.sector_match,
                history: reach_history(lang, &c, a.data.zone),
                has_phone: c.has_phone,
                umkm_id: c.umkm_id,
                name: c.name,
            })
            .collect(),
        can_whatsapp: caller.can(Permission::RevealPersonalData),
        target: target_text(&state, lang, &a.data, &sectors),
        notice,
    }
    .into_response()
}

async fn register(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    Path(id): Path<String>,
    RawForm(form): RawForm,
) -> Response {
    let pairs = match accept_form(&caller, Permission::PlanProgrammes, &form) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let chosen: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "umkm")
        .map(|(_, v)| v.clone())
        .collect();
    match state
        .db()
        .register_participants(&caller.scope(), &id, &chosen, &caller.actor)
        .await
    {
        Ok(_) => Redirect::to(&format!("/kegiatan/{id}/peserta?done=registered")).into_response(),
        Err(e) => error_page(lang, &uri, e.into()),
    }
}

async fn set_state(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    Path((id, umkm)): Path<(String, String)>,
    RawForm(form): RawForm,
) -> Response {
    let pairs = match accept_form(&caller, Permission::PlanProgrammes, &form) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    // Outside the caller's area: not found, before the form is looked at.
    if let Err(e) = state.db().get_activity(&caller.scope(), &id).await {
        return error_page(lang, &uri, e.into());
    }
    let Some(to) = sentra_domain::programme::participants::ParticipantState::parse(form_value(
        &pairs, "state",
    )) else {
        return error_page(
            lang,
            &uri,
            ApiError::Validation({
                let mut e = FieldErrors::new();
                e.push("state", "choice_invalid");
                e
            }),
        );
    };
    // The check-in page sends the state alone: the follow-up note stays as it was.
    let note: String = if pairs.iter().any(|(k, _)| k == "note") {
        form_value(&pairs, "note")
            .trim()
            .chars()
            .take(500)
            .collect()
    } else {
        match state.db().participants(&caller.scope(), &id).await {
            Ok(people) => people
                .into_iter()
                .find(|p| p.umkm_id == umkm)
                .and_then(|p| p.note)
                .unwrap_or_default(),
            Err(e) => return error_page(lang, &uri, e.into()),
        }
    };
    let note = Some(note.as_str()).filter(|n| !n.is_empty());
    match state
        .db()
        .set_participant_state(&caller.scope(), &id, &umkm, to, note, &caller.actor)
        .await
    {
        Ok(()) if form_value(&pairs, "back") == "hadir" => {
            let q =
                serde_urlencoded::to_string([("q", form_value(&pairs, "q"))]).unwrap_or_default();
            Redirect::to(&format!("/kegiatan/{id}/hadir?{q}#p-{umkm}")).into_response()
        }
        Ok(()) => Redirect::to(&format!("/kegiatan/{id}/peserta?done=state")).into_response(),
        Err(e) => error_page(lang, &uri, e.into()),
    }
}

pub struct ReachRow {
    pub label: String,
    pub total: i64,
    pub reached: i64,
    pub never: i64,
    pub share: String,
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
    pub repeated: Vec<(String, i64)>,
    pub repeated_title: String,
    /// What changed for those reached: (what, how many, share of the reached).
    pub outcomes: Vec<(String, i64, String)>,
}

/// Fair reach: per sector and size class, how many UMKM of the area the year's activities
/// reached and how many they never did; and per topic, those trained more than N times in it.
async fn reach(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    RawQuery(query): RawQuery,
) -> Response {
    if let Err(r) = require(&caller, Permission::ReadProgrammes) {
        return *r;
    }
    let q = query_pairs(query.as_deref());
    let scope = caller.scope();
    let asked = RegionCode::parse(form_value(&q, "wilayah")).ok();
    let Some(region) = scope.narrow(asked.as_ref()) else {
        return error_page(lang, &uri, ApiError::NotFound);
    };
    let year: i32 = form_value(&q, "tahun")
        .parse()
        .unwrap_or_else(|_| chrono::Utc::now().year());
    let times: u32 = form_value(&q, "kali").parse().unwrap_or(2).clamp(1, 50);
    let zone = Zone::of_region(region.as_str());
    let at = |y: i32| sentra_domain::programme::activity::year_start(y, zone);
    // A period of dates (`dari`, `sampai`, both days included) instead of the year.
    let date = |k: &str| NaiveDate::parse_from_str(form_value(&q, k).trim(), "%Y-%m-%d").ok();
    let range = match (date("dari"), date("sampai")) {
        (Some(f), Some(t)) if f <= t => Some((f, t)),
        _ => None,
    };
    let midnight = |d: NaiveDate| d.and_hms_opt(0, 0, 0).map_or(0, |d| instant(d, zone));
    let (from, to) = match range {
        Some((f, t)) => (midnight(f), midnight(t + chrono::Duration::days(1))),
        None => (at(year), at(year + 1)),
    };
    let found = match state.db().reach(&region, from, to, times).await {
        Ok(r) => r,
        Err(e) => return error_page(lang, &uri, e.into()),
    };
    let sectors = state.db().sectors().await.unwrap_or_default();
    let topics = state.db().activity_topics().await.unwrap_or_default();
    let rows = |groups: &[(String, i64, i64)], label: &dyn Fn(&str) -> String| {
        groups
            .iter()
            .map(|(k, total, reached)| ReachRow {
                label: label(k),
                total: *total,
                reached: *reached,
                never: total - reached,
                share: lang.share(*reached, *total),
            })
            .collect::<Vec<_>>()
    };
    let by_sector = |code: &str| sector_label(lang, &sectors, code);
    let size_label = |code: &str| {
        if code.is_empty() {
            lang.t("activity.size_unknown").into_owned()
        } else {
            lang.t(&format!("size.{code}")).into_owned()
        }
    };
    let regions = area_choices(&state, scope.region_code());
    ReachPage {
        c: Chrome::new(
            lang,
            match range {
                Some((f, t)) => lang.tf(
                    "activity.reach_title_range",
                    &[
                        ("region", &state.region_name(region.as_str())),
                        ("from", &day_label(lang, f)),
                        ("to", &day_label(lang, t)),
                    ],
                ),
                None => lang.tf(
                    "activity.reach_title",
                    &[
                        ("region", &state.region_name(region.as_str())),
                        ("year", &year.to_string()),
                    ],
                ),
            },
            &uri,
        )
        .signed_in(&caller),
        l: lang,
        summary: lang.tf(
            "activity.reach_summary",
            &[
                ("reached", &found.reached.to_string()),
                ("total", &found.total.to_string()),
                ("share", &lang.share(found.reached, found.total)),
                ("never", &(found.total - found.reached).to_string()),
            ],
        ),
        year,
        range: range
            .map(|(f, t)| {
                (
                    f.format("%Y-%m-%d").to_string(),
                    t.format("%Y-%m-%d").to_string(),
                )
            })
            .unwrap_or_default(),
        times,
        region: region.as_str().to_string(),
        regions,
        tables: vec![
            (
                lang.t("activity.by_sector").into_owned(),
                rows(&found.by_sector, &by_sector),
            ),
            (
                lang.t("activity.by_size").into_owned(),
                rows(&found.by_size, &size_label),
            ),
        ],
        repeated: found
            .repeated
            .iter()
            .map(|(code, n)| (topic_label(lang, &topics, code), *n))
            .collect(),
        repeated_title: lang.tf("activity.repeated", &[("n", &times.to_string())]),
        outcomes: [
            ("activity.outcomes_documents", found.outcomes.documents),
            ("activity.outcomes_nib", found.outcomes.nib),
            ("activity.outcomes_moved_up", found.outcomes.moved_up),
            ("activity.outcomes_products", found.outcomes.products),
        ]
        .into_iter()
        .map(|(key, n)| (lang.t(key).into_owned(), n, lang.share(n, found.reached)))
        .collect(),
    }
    .into_response()
}

#[derive(Template, WebTemplate)]
#[template(path = "programme/activity_sheet.html")]
pub struct SheetPage {
    pub c: Chrome,
    pub l: Lang,
    pub title: String,
    pub when: String,
    pub place: String,
    pub organiser: String,
    /// (number, business, kelurahan) of those registered, attended or completed.
    pub rows: Vec<(usize, String, String)>,
    /// Empty lines for walk-ins.
    pub blank: Vec<usize>,
}

/// The attendance sheet (daftar hadir) to print: the registered participants with a column to
/// sign, and empty lines for walk-ins.
async fn sheet(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    uri: Uri,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = require(&caller, Permission::PlanProgrammes) {
        return *r;
    }
    let scope = caller.scope();
    let run = async {
        let a = state.db().get_activity(&scope, &id).await?;
        let people = state.db().participant_places(&scope, &id).await?;
        Ok::<_, StorageError>((a, people))
    };
    let (a, people) = match run.await {
        Ok(x) => x,
        Err(e) => return error_page(lang, &uri, e.into()),
    };
    let d = &a.data;
    let place = d
        .venue
        .clone()
        .or_else(|| d.online_link.clone())
        .unwrap_or_default();
    let rows: Vec<(usize, String, String)> = people
        .into_iter()
        .enumerate()
        .map(|(i, (name, village))| (i + 1, name, state.region_name(&village)))
        .collect();
    let first_blank = rows.len() + 1;
    SheetPage {
        c: Chrome::new(
            lang,
            lang.tf("activity.sheet_title", &[("title", &d.title)]),
            &uri,
        )
        .signed_in(&caller),
        l: lang,
        title: d.title.clone(),
        when: when(lang, d),
        place,
        organiser: organised_by(&state, lang, d),
        rows,
        blank: (first_blank..first_blank + 5).collect(),
    }
    .into_response()
}

pub struct AgendaRow {
    pub title: String,
    pub when: String,
    pub place: String,
    pub organiser: String,
    pub topics: String,
    pub places_left: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "programme/activity_agenda.html")]
pub struct AgendaPage {
    pub c: Chrome,
    pub l: Lang,
    pub rows: Vec<AgendaRow>,
    pub ics: String,
}

/// Days ahead the public agenda lists.
const AGENDA_DAYS: i64 = 90;

/// The public agenda (no sign-in): activities planned or confirmed in the deployment's region
/// (or `wilayah` inside it) for the coming three months, with the places left.
async fn agenda(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    uri: Uri,
    RawQuery(query): RawQuery,
) -> Response {
    let q = query_pairs(query.as_deref());
    let home = state.home().clone();
    let region = RegionCode::parse(form_value(&q, "wilayah"))
        .ok()
        .filter(|r| r.is_within(&home))
        .unwrap_or(home);
    let now = chrono::Utc::now().timestamp();
    let found = match state
        .db()
        .activities_between(&region, now, now + AGENDA_DAYS * 86_400)
        .await
    {
        Ok(a) => a,
        Err(e) => return error_page(lang, &uri, e.into()),
    };
    let topics = state.db().activity_topics().await.unwrap_or_default();
    // `topik` narrows it (the legality path links to the clinics of a step's topic).
    let topic = form_value(&q, "topik");
    let open: Vec<&ActivityRecord> = found
        .iter()
        .filter(|a| {
            matches!(
                a.data.status,
                ActivityStatus::Planned | ActivityStatus::Confirmed
            ) && (topic.is_empty() || a.data.topics.iter().any(|t| t == topic))
        })
        .collect();
    // The places held in all of them, in one query.
    let ids: Vec<&str> = open.iter().map(|a| a.id.as_str()).collect();
    let mut held: HashMap<String, i64> = HashMap::new();
    for (activity, _) in state.db().places_taken(&ids).await.unwrap_or_default() {
        *held.entry(activity).or_default() += 1;
    }
    let mut rows = Vec::new();
    for a in open {
        let d = &a.data;
        let taken = held.get(&a.id).copied().unwrap_or(0);
        let left = i64::from(d.capacity) - taken;
        rows.push(AgendaRow {
            title: d.title.clone(),
            when: when(lang, d),
            place: d
                .venue
                .clone()
                .unwrap_or_else(|| lang.t("activity.online").into_owned()),
            organiser: organised_by(&state, lang, d),
            topics: d
                .topics
                .iter()
                .map(|t| topic_label(lang, &topics, t))
                .collect::<Vec<_>>()
                .join(", "),
            places_left: if left > 0 {
                lang.tf("activity.places_left", &[("n", &left.to_string())])
            } else {
                lang.t("activity.full").into_owned()
            },
        });
    }
    AgendaPage {
        c: Chrome::new(
            lang,
            lang.tf(
                "activity.agenda_title",
                &[("region", &state.region_name(region.as_str()))],
            ),
            &uri,
        ),
        l: lang,
        rows,
        ics: format!("/kegiatan/kalender.ics?wilayah={}", region.as_str()),
    }
    .into_response()
}
