//! The demo region's programme: six months of activities around `today` at every level, as
//! planners would type them, so that the board, the agenda, the feed and the reach pages show
//! something real on a fresh demo. It includes the clash the harmonisation exists for (a city
//! packaging clinic on the day a kecamatan holds one) and a monthly halal clinic series.

use chrono::{Datelike, Duration, NaiveDate, Weekday};

use super::activity::ActivityInput;
use crate::region::{RegionCode, RegionLevel, RegionTree};

/// Topics the kecamatan trainings rotate through.
const ROTATION: [(&str, &str, &str); 5] = [
    ("pengemasan", "pelatihan", "Pelatihan Kemasan Produk"),
    (
        "pemasaran_digital",
        "pelatihan",
        "Pelatihan Pemasaran Digital",
    ),
    ("pembukuan", "bimtek", "Bimtek Pembukuan Sederhana"),
    ("fotografi_produk", "pelatihan", "Pelatihan Foto Produk"),
    ("legalitas", "klinik", "Klinik NIB dan P-IRT"),
];

/// The first working day on or after `d`.
fn working_day(mut d: NaiveDate) -> NaiveDate {
    while matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
        d += Duration::days(1);
    }
    d
}

fn first_of_month(today: NaiveDate, offset: i32) -> NaiveDate {
    let m = today.year() * 12 + today.month0() as i32 + offset;
    NaiveDate::from_ymd_opt(m.div_euclid(12), m.rem_euclid(12) as u32 + 1, 1).unwrap_or(today)
}

#[allow(clippy::too_many_arguments)]
fn activity(
    kind: &str,
    title: String,
    topic: &str,
    organiser: &str,
    region: &RegionCode,
    venue: String,
    day: NaiveDate,
    hours: (&str, &str),
    today: NaiveDate,
) -> ActivityInput {
    ActivityInput {
        kind: kind.into(),
        title,
        topics: vec![topic.into()],
        organiser: organiser.into(),
        region: region.as_str().into(),
        venue,
        start_date: day.format("%Y-%m-%d").to_string(),
        start_time: hours.0.into(),
        end_time: hours.1.into(),
        capacity: "30".into(),
        // Past activities were held; the coming ones are planned, the next fortnight confirmed.
        status: if day < today {
            "done"
        } else if day < today + Duration::days(14) {
            "confirmed"
        } else {
            "planned"
        }
        .into(),
        ..ActivityInput::default()
    }
}

/// The demo programme of `home` (a kabupaten/kota) from three months before `today` to three
/// after. `food` is the sector code of processed food, for the clinics aimed at it.
pub fn demo_programme(
    tree: &RegionTree,
    home: &RegionCode,
    today: NaiveDate,
    food: &str,
) -> Vec<ActivityInput> {
    let mut out = Vec::new();
    let city = tree.get(home).map_or(home.as_str(), |r| r.name.as_str());
    let districts: Vec<&crate::region::Region> = tree
        .children(home)
        .into_iter()
        .filter(|r| r.level == RegionLevel::District)
        .collect();
    // Each kecamatan: one training a month, the topics in turn, on its own week of the month.
    for offset in -3..=3 {
        let month = first_of_month(today, offset);
        for (k, district) in districts.iter().enumerate() {
            let (topic, kind, title) = ROTATION[(k + offset.rem_euclid(5) as usize) % 5];
            let day = working_day(month + Duration::days(3 + 3 * (k as i64 % 7)));
            let mut a = activity(
                kind,
                format!("{title} {}", district.name),
                topic,
                "kecamatan",
                &district.code,
                format!("Aula Kecamatan {}", district.name),
                day,
                ("09:00", "12:00"),
                today,
            );
            if topic == "pengemasan" || topic == "legalitas" {
                a.sectors = vec![food.into()];
            }
            out.push(a);
            // One kelurahan of each kecamatan holds an NIB information session.
            if let Some(village) = tree
                .children(&district.code)
                .into_iter()
                .nth(offset.rem_euclid(3) as usize)
            {
                let mut s = activity(
                    "pendampingan",
                    format!("Sosialisasi NIB Kelurahan {}", village.name),
                    "legalitas",
                    "kelurahan",
                    &village.code,
                    format!("Kantor Kelurahan {}", village.name),
                    working_day(day + Duration::days(8)),
                    ("13:00", "15:00"),
                    today,
                );
                s.gaps = vec!["nib".into()];
                out.push(s);
            }
        }
    }
    // The city: a monthly halal clinic (a series of six), the Dekranasda's exhibition, and a
    // packaging clinic on the first kecamatan's packaging training day (the clash to resolve).
    let start = working_day(first_of_month(today, -2) + Duration::days(1));
    let mut halal = activity(
        "klinik",
        format!("Klinik Sertifikasi Halal {city}"),
        "halal",
        "dinas",
        home,
        "Mal Pelayanan Publik".into(),
        start,
        ("09:00", "14:00"),
        today,
    );
    halal.sectors = vec![food.into()];
    halal.gaps = vec!["halal".into()];
    halal.repeat = "bulanan".into();
    halal.sessions = "6".into();
    out.push(halal);
    let fair = working_day(first_of_month(today, 1) + Duration::days(14));
    let mut expo = activity(
        "pameran",
        format!("Pameran Produk Unggulan {city}"),
        "pemasaran_digital",
        "dekranasda",
        home,
        "Gedung Serbaguna".into(),
        fair,
        ("09:00", "17:00"),
        today,
    );
    expo.end_date = (fair + Duration::days(2)).format("%Y-%m-%d").to_string();
    expo.topics.push("kemitraan".into());
    expo.capacity = "60".into();
    out.push(expo);
    if let Some(packaging) = out
        .iter()
        .find(|a| a.topics[0] == "pengemasan" && a.status != "done")
        .cloned()
    {
        let mut clinic = activity(
            "klinik",
            format!("Klinik Kemasan {city}"),
            "pengemasan",
            "dinas",
            home,
            "Aula Dinas Koperasi dan UKM".into(),
            NaiveDate::parse_from_str(&packaging.start_date, "%Y-%m-%d").unwrap_or(today),
            ("10:00", "13:00"),
            today,
        );
        clinic.sectors = vec![food.into()];
        out.push(clinic);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::programme::activity::{ActivityContext, DEFAULT_TOPICS, validate_activity};

    #[test]
    fn the_demo_programme_is_valid_and_spans_every_level() {
        let tree = RegionTree::embedded();
        let (Ok(home), Some(today)) = (
            RegionCode::parse("36.74"),
            NaiveDate::from_ymd_opt(2026, 11, 23),
        ) else {
            panic!("fixed inputs");
        };
        let all = demo_programme(tree, &home, today, "kuliner");
        let topics: Vec<String> = DEFAULT_TOPICS.iter().map(|t| t.0.to_string()).collect();
        let sectors = vec!["kuliner".to_string()];
        let ctx = ActivityContext {
            tree,
            topics: &topics,
            sectors: &sectors,
        };
        let mut levels = std::collections::HashSet::new();
        for input in &all {
            match validate_activity(input, &ctx) {
                Ok(d) => {
                    levels.insert(d.region.level());
                }
                Err(e) => panic!("{input:?}: {e:?}"),
            }
        }
        assert_eq!(levels.len(), 3, "city, kecamatan and kelurahan");
        // Seven months of the city's seven kecamatan and one kelurahan each, and the city's three.
        assert_eq!(all.len(), 7 * 7 * 2 + 3);
        assert!(all.iter().any(|a| a.status == "done"));
        assert!(all.iter().any(|a| a.status == "planned"));
    }
}
