//! Harmonisation: which planned activities clash, and why. Five rules, each with its reason:
//!
//! - **same time, related region**: the times overlap, the regions are the same or one holds
//!   the other (a city event and a kecamatan event on one day), and the audiences overlap (their
//!   target sectors share one, or either targets every sector);
//! - **same topic within the window**: a shared topic, related regions, overlapping audiences,
//!   and starts less than the window apart (e.g. 60 days): the same people trained twice (the
//!   sessions of one repeating activity are one programme, not a repeat);
//! - **venue double-booked**: the same venue at overlapping times, wherever the organisers are;
//! - **participants double-booked**: a UMKM registered for both, at overlapping times;
//! - **budget year end**: starting in the last weeks of the budget year (January–December in
//!   Indonesian regional finance, PP 12/2019 Pasal 4), when sessions tend not to run.
//!
//! [`find`] does it without looking at every pair: activities are filed under their region, and
//! each one is compared only with those of its own region and of the regions that hold it (at
//! most four levels up), found by binary search on start times; venues and participants are
//! swept the same way. Its cost follows the number of conflicts found, not the square of the
//! number of activities. [`find_all_pairs`] is the straightforward version, kept as the tests'
//! oracle and the benchmark's peer.

use std::collections::HashMap;

/// What conflict detection needs of one activity.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Slot {
    /// The region code of the level the activity is for: `36.74` (the city), `36.74.03`.
    pub region: String,
    /// Unix seconds, start inclusive, end exclusive.
    pub start: i64,
    pub end: i64,
    /// Topic numbers (the managed tags).
    pub topics: Vec<u16>,
    /// Target sectors as bits (KBLI sections A–U are bits 0–20); 0: every sector.
    pub sectors: u32,
    /// The venue's number (same number, same place); none for online activities.
    pub venue: Option<u32>,
    /// Registered UMKM, by number.
    pub participants: Vec<u32>,
    /// The series of a repeating activity, by number.
    pub series: Option<u32>,
}

fn same_series(a: Option<u32>, b: Option<u32>) -> bool {
    a.is_some() && a == b
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reason {
    SameTimeRelatedRegion,
    SameTopicWithinWindow { topic: u16 },
    VenueDoubleBooked,
    ParticipantsDoubleBooked { shared: u32 },
    BudgetYearEnd,
}

impl Reason {
    /// The message key of the reason (`conflict.<code>`).
    pub fn code(self) -> &'static str {
        match self {
            Reason::SameTimeRelatedRegion => "same_time_related_region",
            Reason::SameTopicWithinWindow { .. } => "same_topic_within_window",
            Reason::VenueDoubleBooked => "venue_double_booked",
            Reason::ParticipantsDoubleBooked { .. } => "participants_double_booked",
            Reason::BudgetYearEnd => "budget_year_end",
        }
    }

    /// How much the clash costs, highest first: one room or one owner in two places cannot
    /// happen at all; two related offices at the same hour split the audience; the same topic
    /// soon again wastes a budget line. The budget year's end is no clash: a notice that such
    /// activities are often cancelled (0).
    pub fn severity(self) -> u8 {
        match self {
            Reason::VenueDoubleBooked | Reason::ParticipantsDoubleBooked { .. } => 3,
            Reason::SameTimeRelatedRegion => 2,
            Reason::SameTopicWithinWindow { .. } => 1,
            Reason::BudgetYearEnd => 0,
        }
    }

    /// A notice to weigh, not a clash to resolve.
    pub fn is_notice(self) -> bool {
        self.severity() == 0
    }
}

/// One conflict: between activities `a` and `b` (positions in the input, `a < b`), or of `a`
/// alone (`b == a`, the budget year end).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Conflict {
    pub a: u32,
    pub b: u32,
    pub reason: Reason,
}

/// The coordinators' settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    /// Seconds within which the same topic for the same audience is a conflict (60 days).
    pub topic_window: i64,
    /// Activities starting in the last this many weeks of the budget year are late.
    pub year_end_weeks: i64,
}

pub const DAY: i64 = 86_400;
/// WIB, UTC+7: the budget year's end is reckoned in western Indonesian time.
const WIB: i64 = 7 * 3600;

impl Default for Rules {
    fn default() -> Self {
        Rules {
            topic_window: 60 * DAY,
            year_end_weeks: 4,
        }
    }
}

impl Rules {
    /// Whether an activity starting at `at` starts in the last weeks of its budget year.
    pub fn late_in_year(&self, at: i64) -> bool {
        use chrono::{Datelike, NaiveDate};
        let year = chrono::DateTime::from_timestamp(at + WIB, 0).map_or(1970, |d| d.year());
        let next_year = NaiveDate::from_ymd_opt(year + 1, 1, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map_or(i64::MAX, |d| d.and_utc().timestamp() - WIB);
        at >= next_year - self.year_end_weeks * 7 * DAY
    }
}

/// Whether one region is the other or holds it: `36.74` and `36.74.03.1001`, not `36.74.03`
/// and `36.74.04`.
pub fn related(a: &str, b: &str) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    short.is_empty()
        || long == short
        || (long.starts_with(short) && long.as_bytes().get(short.len()) == Some(&b'.'))
}

fn audiences_overlap(a: &Slot, b: &Slot) -> bool {
    a.sectors == 0 || b.sectors == 0 || a.sectors & b.sectors != 0
}

fn overlaps(a: &Slot, b: &Slot) -> bool {
    a.start < b.end && b.start < a.end
}

fn shared_topics(a: &Slot, b: &Slot) -> impl Iterator<Item = u16> {
    let b = b.topics.clone();
    let mut seen: Vec<u16> = Vec::new();
    a.topics.clone().into_iter().filter(move |t| {
        let fresh = b.contains(t) && !seen.contains(t);
        seen.push(*t);
        fresh
    })
}

fn pair(i: usize, j: usize, reason: Reason) -> Conflict {
    Conflict {
        a: i.min(j) as u32,
        b: i.max(j) as u32,
        reason,
    }
}

/// Every conflict, comparing every pair: the oracle (sorted).
pub fn find_all_pairs(slots: &[Slot], rules: &Rules) -> Vec<Conflict> {
    let mut out = Vec::new();
    for (i, a) in slots.iter().enumerate() {
        if rules.late_in_year(a.start) {
            out.push(pair(i, i, Reason::BudgetYearEnd));
        }
        for (j, b) in slots.iter().enumerate().skip(i + 1) {
            let region = related(&a.region, &b.region) && audiences_overlap(a, b);
            if region && overlaps(a, b) {
                out.push(pair(i, j, Reason::SameTimeRelatedRegion));
            }
            if region
                && (a.start - b.start).abs() < rules.topic_window
                && !same_series(a.series, b.series)
            {
                for topic in shared_topics(a, b) {
                    out.push(pair(i, j, Reason::SameTopicWithinWindow { topic }));
                }
            }
            if a.venue.is_some() && a.venue == b.venue && overlaps(a, b) {
                out.push(pair(i, j, Reason::VenueDoubleBooked));
            }
            if overlaps(a, b) {
                let mut mine = a.participants.clone();
                mine.sort_unstable();
                mine.dedup();
                let shared = mine.iter().filter(|p| b.participants.contains(p)).count() as u32;
                if shared > 0 {
                    out.push(pair(i, j, Reason::ParticipantsDoubleBooked { shared }));
                }
            }
        }
    }
    out.sort_unstable();
    out
}

/// One activity in a list sorted by start: what a comparison reads, side by side in memory.
#[derive(Debug, Clone, Copy)]
struct Entry {
    start: i64,
    end: i64,
    sectors: u32,
    at: u32,
    series: Option<u32>,
}

/// Activities sorted by start, with the longest duration among them (to bound a search back).
struct ByStart {
    items: Vec<Entry>,
    longest: i64,
}

impl ByStart {
    fn new(slots: &[Slot], positions: &[u32]) -> Self {
        let mut items: Vec<Entry> = positions
            .iter()
            .map(|&i| {
                let s = &slots[i as usize];
                Entry {
                    start: s.start,
                    end: s.end,
                    sectors: s.sectors,
                    at: i,
                    series: s.series,
                }
            })
            .collect();
        items.sort_unstable_by_key(|e| (e.start, e.at));
        let longest = items.iter().map(|e| e.end - e.start).max().unwrap_or(0);
        ByStart { items, longest }
    }

    /// Those starting in `[from, to)`.
    fn starting(&self, from: i64, to: i64) -> &[Entry] {
        let lo = self.items.partition_point(|e| e.start < from);
        let hi = self.items.partition_point(|e| e.start < to);
        &self.items[lo..hi.max(lo)]
    }

    /// Those whose time overlaps `[start, end)`.
    fn overlapping(&self, start: i64, end: i64) -> impl Iterator<Item = &Entry> {
        self.starting(start.saturating_sub(self.longest), end)
            .iter()
            .filter(move |e| e.end > start)
    }
}

fn sectors_meet(a: u32, b: u32) -> bool {
    a == 0 || b == 0 || a & b != 0
}

/// The region and the regions that hold it, the region itself first: `36.74.03`, `36.74`, `36`,
/// and the country (`""`).
fn self_and_ancestors(code: &str) -> impl Iterator<Item = &str> {
    let mut at = Some(code);
    std::iter::from_fn(move || {
        let here = at?;
        at = match here.rfind('.') {
            Some(dot) => Some(&here[..dot]),
            None if !here.is_empty() => Some(""),
            None => None,
        };
        Some(here)
    })
}

/// Every conflict, without comparing every pair (see the module's notes), in no particular
/// order.
pub fn find(slots: &[Slot], rules: &Rules) -> Vec<Conflict> {
    let mut out = Vec::new();
    // Region codes as numbers, and each activity's region with those holding it (at most the
    // country, province, kabupaten/kota, kecamatan and kelurahan).
    let mut ids: HashMap<&str, u32> = HashMap::new();
    let chains: Vec<Vec<u32>> = slots
        .iter()
        .map(|s| {
            self_and_ancestors(&s.region)
                .map(|r| {
                    let next = ids.len() as u32;
                    *ids.entry(r).or_insert(next)
                })
                .collect()
        })
        .collect();
    let topics_of: Vec<Vec<u16>> = slots
        .iter()
        .map(|s| {
            let mut t = s.topics.clone();
            t.sort_unstable();
            t.dedup();
            t
        })
        .collect();
    // Activities by region, by region and topic, by venue.
    let mut by_region: Vec<Vec<u32>> = vec![Vec::new(); ids.len()];
    let mut by_topic: HashMap<(u32, u16), Vec<u32>> = HashMap::new();
    let mut by_venue: HashMap<u32, Vec<u32>> = HashMap::new();
    for (i, s) in slots.iter().enumerate() {
        let at = i as u32;
        if rules.late_in_year(s.start) {
            out.push(pair(i, i, Reason::BudgetYearEnd));
        }
        let region = chains[i][0];
        by_region[region as usize].push(at);
        for &t in &topics_of[i] {
            by_topic.entry((region, t)).or_default().push(at);
        }
        if let Some(v) = s.venue {
            by_venue.entry(v).or_default().push(at);
        }
    }
    let by_region: Vec<ByStart> = by_region.iter().map(|v| ByStart::new(slots, v)).collect();
    let by_topic: HashMap<(u32, u16), ByStart> = by_topic
        .into_iter()
        .map(|(k, v)| (k, ByStart::new(slots, &v)))
        .collect();

    for (i, s) in slots.iter().enumerate() {
        let me = i as u32;
        // With the activities of its own region (each pair once: the later position finds the
        // earlier) and of every region that holds it (found from the held side only, so once).
        for (level, &region) in chains[i].iter().enumerate() {
            let counts = |j: u32| level > 0 || j < me;
            for e in by_region[region as usize].overlapping(s.start, s.end) {
                if counts(e.at) && sectors_meet(s.sectors, e.sectors) {
                    out.push(pair(i, e.at as usize, Reason::SameTimeRelatedRegion));
                }
            }
            for &topic in &topics_of[i] {
                let Some(list) = by_topic.get(&(region, topic)) else {
                    continue;
                };
                let from = s.start.saturating_sub(rules.topic_window - 1);
                let to = s.start.saturating_add(rules.topic_window);
                for e in list.starting(from, to) {
                    if counts(e.at)
                        && sectors_meet(s.sectors, e.sectors)
                        && !same_series(s.series, e.series)
                    {
                        out.push(pair(
                            i,
                            e.at as usize,
                            Reason::SameTopicWithinWindow { topic },
                        ));
                    }
                }
            }
        }
    }
    for positions in by_venue.values() {
        let list = ByStart::new(slots, positions);
        for me in &list.items {
            for e in list.overlapping(me.start, me.end) {
                if e.at < me.at {
                    out.push(pair(
                        me.at as usize,
                        e.at as usize,
                        Reason::VenueDoubleBooked,
                    ));
                }
            }
        }
    }
    // Participants: every booking in one list sorted by UMKM and start; within each UMKM's run,
    // a booking overlaps those after it that start before it ends. Counted per pair.
    let mut bookings: Vec<(u32, i64, u32)> = slots
        .iter()
        .enumerate()
        .flat_map(|(i, s)| s.participants.iter().map(move |&p| (p, s.start, i as u32)))
        .collect();
    bookings.sort_unstable();
    bookings.dedup();
    let mut shared: HashMap<(u32, u32), u32> = HashMap::new();
    for (k, &(who, begins, at)) in bookings.iter().enumerate() {
        let ends = slots[at as usize].end;
        for &(other, start, j) in &bookings[k + 1..] {
            if other != who || start >= ends {
                break;
            }
            // Starting together, a booking of no length overlaps nothing.
            if slots[j as usize].end > begins {
                *shared.entry((at.min(j), at.max(j))).or_default() += 1;
            }
        }
    }
    out.extend(shared.into_iter().map(|((a, b), n)| {
        pair(
            a as usize,
            b as usize,
            Reason::ParticipantsDoubleBooked { shared: n },
        )
    }));
    out
}
