//! What the programme pages share: the activity's words (when, who organises it, its level,
//! topics and sectors by name), the code lists offered as choices, conflicts as sentences and
//! the harmonisation rules in force. The pages are beside it: the board and calendar feed
//! (`board`), the activity form (`form`), a session's participants (`participants`), the
//! invitations (`invitations`), attendance (`attendance`), fair reach (`reach`) and the public
//! agenda (`agenda`).

use chrono::NaiveDate;
use sentra_domain::programme::activity::{ActivityData, Zone, local};
use sentra_domain::programme::conflicts::{self, Reason, Rules};
use sentra_domain::programme::participants::Candidate;
use sentra_domain::region::{RegionCode, RegionLevel};
use sentra_storage::ActivityConflict;

use crate::AppState;
use crate::lang::Lang;

/// The harmonisation settings in force.
pub(crate) async fn rules(state: &AppState) -> Rules {
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

pub(crate) fn level_key(code: &RegionCode) -> &'static str {
    level_name_key(code.level())
}

pub(crate) fn level_name_key(level: RegionLevel) -> &'static str {
    match level {
        RegionLevel::Province => "activity.level_province",
        RegionLevel::Regency => "activity.level_regency",
        RegionLevel::District => "activity.level_district",
        RegionLevel::Village => "activity.level_village",
    }
}

/// Choices of a code list, each with its label `{prefix}{code}` in the page's language.
pub(crate) fn choices<'a>(
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
pub(crate) fn checked<'a>(
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
    use chrono::Timelike;
    let (s, e) = (local(d.start, d.zone), local(d.end, d.zone));
    let time = |t: chrono::NaiveDateTime| lang.time(t.hour(), t.minute());
    if s.date() == e.date() {
        format!(
            "{}, {}–{} {}",
            day_label(lang, s.date()),
            time(s),
            time(e),
            d.zone.as_str()
        )
    } else {
        format!(
            "{}, {} – {}, {} {}",
            day_label(lang, s.date()),
            time(s),
            day_label(lang, e.date()),
            time(e),
            d.zone.as_str()
        )
    }
}

/// A conflict as a sentence: its reason and the other activity.
pub(crate) fn conflict_text(
    state: &AppState,
    lang: Lang,
    rules: &Rules,
    c: &ActivityConflict,
) -> String {
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

/// `Sabtu, 5 Desember 2026`: the weekday and the date in words.
pub(crate) fn day_label(lang: Lang, day: NaiveDate) -> String {
    use chrono::Datelike;
    format!(
        "{}, {}",
        lang.t(&format!(
            "activity.wd_{}",
            day.weekday().number_from_monday()
        )),
        lang.date(day.year(), day.month(), day.day())
    )
}

pub(crate) fn weekday_names(lang: Lang) -> Vec<String> {
    (1..=7)
        .map(|d| lang.t(&format!("activity.wd_{d}")).into_owned())
        .collect()
}

/// "Belum pernah", or "2 kali, terakhir 02/06/2026": how often programmes reached an invitee.
pub(crate) fn reach_history(lang: Lang, c: &Candidate, zone: Zone) -> String {
    match c.last_reached {
        None => lang.t("activity.never_reached").into_owned(),
        Some(t) => lang.tf(
            "activity.reached_times",
            &[
                ("n", &c.reached.to_string()),
                ("last", &crate::view::day_words(lang, local(t, zone).date())),
            ],
        ),
    }
}
