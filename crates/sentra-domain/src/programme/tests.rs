use proptest::prelude::*;

use super::conflicts::{Conflict, DAY, Reason, Rules, Slot, find_all_pairs, related};
use super::generate::province_year;
use crate::region::{RegionCode, RegionTree};

/// The fast way's conflicts, sorted as the oracle's are.
fn find(slots: &[Slot], rules: &Rules) -> Vec<Conflict> {
    let mut found = super::conflicts::find(slots, rules);
    found.sort_unstable();
    found
}

/// 2026-03-10 09:00 WIB.
const T0: i64 = 1_773_108_000;

fn slot(region: &str, day: i64, hours: i64) -> Slot {
    Slot {
        region: region.into(),
        start: T0 + day * DAY,
        end: T0 + day * DAY + hours * 3600,
        ..Slot::default()
    }
}

#[test]
fn the_sessions_of_one_series_are_not_the_same_topic_twice() {
    // A weekly bookkeeping course in Pondok Aren: four sessions, one programme. Another
    // bookkeeping training there three weeks on is still a repeat for the same people.
    let mut slots: Vec<Slot> = (0..4)
        .map(|week| {
            let mut s = slot("36.74.03", week * 7, 3);
            s.topics = vec![4];
            s.series = Some(0);
            s
        })
        .collect();
    assert!(find(&slots, &Rules::default()).is_empty());
    let mut other = slot("36.74.03", 21 + 1, 3);
    other.topics = vec![4];
    slots.push(other);
    let found = find(&slots, &Rules::default());
    assert_eq!(found.len(), 4, "{found:?}");
    assert!(
        found
            .iter()
            .all(|c| c.b == 4 && c.reason == Reason::SameTopicWithinWindow { topic: 4 })
    );
    assert_eq!(found, find_all_pairs(&slots, &Rules::default()));
}

#[test]
fn regions_are_related_when_one_holds_the_other() {
    assert!(related("36.74", "36.74.03.1001"));
    assert!(related("36.74.03", "36.74.03"));
    assert!(related("", "36"));
    assert!(!related("36.74.03", "36.74.04"));
    assert!(!related("36.74.0", "36.74.03"));
}

#[test]
fn a_city_clinic_on_the_day_of_a_pondok_aren_clinic_for_the_same_sector() {
    // Pondok Aren (36.74.03) holds a packaging clinic for food (sector C, bit 2); the city plans
    // one the same day for food and crafts; Serpong's (36.74.01) the same day does not clash.
    let mut kecamatan = slot("36.74.03", 0, 4);
    kecamatan.sectors = 1 << 2;
    kecamatan.topics = vec![1];
    let mut city = slot("36.74", 0, 3);
    city.sectors = 1 << 2 | 1 << 18;
    city.topics = vec![1];
    let mut serpong = slot("36.74.01", 0, 4);
    serpong.topics = vec![1];
    let found = find(&[kecamatan, city, serpong], &Rules::default());
    assert_eq!(
        found,
        [
            Conflict {
                a: 0,
                b: 1,
                reason: Reason::SameTimeRelatedRegion
            },
            Conflict {
                a: 0,
                b: 1,
                reason: Reason::SameTopicWithinWindow { topic: 1 }
            },
            Conflict {
                a: 1,
                b: 2,
                reason: Reason::SameTimeRelatedRegion
            },
            Conflict {
                a: 1,
                b: 2,
                reason: Reason::SameTopicWithinWindow { topic: 1 }
            },
        ]
    );
    // For different sectors, no clash.
    let mut other = slot("36.74", 0, 3);
    other.sectors = 1 << 6;
    let mut kecamatan = slot("36.74.03", 0, 4);
    kecamatan.sectors = 1 << 2;
    assert!(find(&[kecamatan, other], &Rules::default()).is_empty());
}

#[test]
fn venues_participants_and_the_year_end() {
    let mut a = slot("36.74.03", 0, 4);
    a.venue = Some(7);
    a.participants = vec![1, 2, 3];
    a.sectors = 1;
    let mut b = slot("36.71.01", 0, 2);
    b.venue = Some(7);
    b.participants = vec![3, 2, 9];
    b.sectors = 2;
    // Late in the year: 5 December.
    let late = slot("36.74", 270, 3);
    let found = find(&[a, b, late], &Rules::default());
    assert_eq!(
        found,
        [
            Conflict {
                a: 0,
                b: 1,
                reason: Reason::VenueDoubleBooked
            },
            Conflict {
                a: 0,
                b: 1,
                reason: Reason::ParticipantsDoubleBooked { shared: 2 }
            },
            Conflict {
                a: 2,
                b: 2,
                reason: Reason::BudgetYearEnd
            },
        ]
    );
}

#[test]
fn the_same_topic_sixty_days_apart_is_not_a_conflict() {
    let mut a = slot("36.74", 0, 3);
    a.topics = vec![4];
    let mut b = slot("36.74.03.1001", 59, 3);
    b.topics = vec![4, 4];
    let mut c = slot("36.74.03", 60, 3);
    c.topics = vec![4];
    let found = find(&[a, b, c], &Rules::default());
    let topic = Reason::SameTopicWithinWindow { topic: 4 };
    assert_eq!(
        found,
        [
            Conflict {
                a: 0,
                b: 1,
                reason: topic
            },
            Conflict {
                a: 1,
                b: 2,
                reason: topic
            }
        ]
    );
}

#[test]
fn a_generated_province_week_agrees_with_the_oracle() {
    let tree = RegionTree::embedded();
    let Ok(banten) = RegionCode::parse("36") else {
        panic!("36");
    };
    let slots = province_year(tree, &banten, 2026, 3000, 7);
    let found = find(&slots, &Rules::default());
    assert!(found.len() > 100, "{}", found.len());
    assert_eq!(found, find_all_pairs(&slots, &Rules::default()));
}

fn arb_slot() -> impl Strategy<Value = Slot> {
    let regions = prop::sample::select(vec![
        "",
        "36",
        "36.74",
        "36.74.03",
        "36.74.03.1001",
        "36.74.03.1002",
        "36.74.01",
        "36.71",
    ]);
    (
        regions,
        0i64..40,
        0i64..30,
        prop::collection::vec(0u16..4, 0..3),
        0u32..8,
        prop::option::of(0u32..3),
        prop::collection::vec(0u32..6, 0..4),
        prop::option::of(0u32..2),
    )
        .prop_map(
            |(region, day, hours, topics, sectors, venue, participants, series)| Slot {
                region: region.into(),
                start: T0 + day * DAY / 2,
                end: T0 + day * DAY / 2 + hours * 3600,
                topics,
                sectors,
                venue,
                participants,
                series,
            },
        )
}

proptest! {
    #[test]
    fn the_fast_way_finds_exactly_what_every_pair_finds(slots in prop::collection::vec(arb_slot(), 0..40)) {
        let rules = Rules { topic_window: 10 * DAY, ..Rules::default() };
        prop_assert_eq!(find(&slots, &rules), find_all_pairs(&slots, &rules));
    }
}
