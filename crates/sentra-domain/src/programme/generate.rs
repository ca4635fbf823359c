//! A province's year of activities, generated deterministically for the harmonisation benchmark
//! and tests: mostly kelurahan and kecamatan sessions, fewer city and provincial ones; on working
//! days, more from June to November than in January; a few busy kecamatan; each at a hall of its
//! area or online; 25–40 UMKM of the area registered to each.

use chrono::{Datelike, NaiveDate, Weekday};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::conflicts::{DAY, Slot};
use crate::region::{RegionCode, RegionLevel, RegionTree};

/// Topics a generated activity draws from, most common first.
pub const TOPICS: usize = 12;

/// `n` activities in the province `province` (e.g. `36`) during `year`.
pub fn province_year(
    tree: &RegionTree,
    province: &RegionCode,
    year: i32,
    n: usize,
    seed: u64,
) -> Vec<Slot> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let within: Vec<&crate::region::Region> = tree
        .all()
        .iter()
        .filter(|r| r.code.is_within(province))
        .collect();
    let at_level = |level: RegionLevel| -> Vec<String> {
        within
            .iter()
            .filter(|r| r.level == level)
            .map(|r| r.code.as_str().to_string())
            .collect()
    };
    let levels = [
        (province.as_str().to_string(), Vec::new()),
        (String::new(), at_level(RegionLevel::Regency)),
        (String::new(), at_level(RegionLevel::District)),
        (String::new(), at_level(RegionLevel::Village)),
    ];
    let villages = &levels[3].1;
    // Each area's kelurahan (by position), for drawing participants.
    let mut villages_under: std::collections::HashMap<&str, Vec<usize>> = Default::default();
    for (i, v) in villages.iter().enumerate() {
        let mut at = v.as_str();
        loop {
            villages_under.entry(at).or_default().push(i);
            match at.rfind('.') {
                Some(dot) => at = &at[..dot],
                None => break,
            }
        }
    }
    // A third of the kecamatan and kelurahan are three times as busy as the rest.
    let busy = |code: &str| code.bytes().map(u32::from).sum::<u32>() % 3 == 0;
    let days = working_days(year);
    let midnight_wib = |d: NaiveDate| {
        d.and_hms_opt(0, 0, 0)
            .map_or(0, |t| t.and_utc().timestamp() - 7 * 3600)
    };
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        // Level: 1% province, 5% city, 29% kecamatan, 65% kelurahan.
        let roll = rng.random_range(0..100);
        let region = match roll {
            0 => levels[0].0.clone(),
            1..=5 => pick(&mut rng, &levels[1].1),
            6..=34 => pick(&mut rng, &levels[2].1),
            _ => pick(&mut rng, villages),
        };
        if region.is_empty() || (!busy(&region) && rng.random_range(0..3) > 0) {
            continue;
        }
        let day = days[weighted_day(&mut rng, &days)];
        let start = midnight_wib(day) + rng.random_range(8..14) * 3600;
        let end = match rng.random_range(0..100) {
            0..=69 => start + rng.random_range(3..9) * 3600,
            70..=94 => start + rng.random_range(1..3) * DAY + 8 * 3600,
            _ => start + rng.random_range(3..7) * DAY,
        };
        let mut topics = vec![zipf(&mut rng, TOPICS)];
        if rng.random_range(0..2) == 0 {
            topics.push(zipf(&mut rng, TOPICS));
        }
        topics.dedup();
        // Six sectors most programmes are for: processed food, crafts, fashion, trade,
        // accommodation and food service, other services.
        const COMMON: [u32; 6] = [2, 2, 2, 6, 8, 18];
        let sectors = if rng.random_range(0..10) < 6 {
            (0..rng.random_range(1..3)).fold(0, |m, _| m | 1 << COMMON[rng.random_range(0..6)])
        } else {
            0
        };
        // A hall of the kecamatan (five each; a kelurahan uses its own or its kecamatan's), or
        // online for one in six.
        let venue = (rng.random_range(0..6) > 0).then(|| {
            let kelurahan = region.matches('.').count() == 3;
            let (place, halls) = match region.rsplit_once('.') {
                Some((kecamatan, _)) if kelurahan && rng.random_range(0..2) == 0 => (kecamatan, 5),
                _ if kelurahan => (region.as_str(), 1),
                _ => (region.as_str(), 5),
            };
            let h = place
                .bytes()
                .fold(17u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
            h.wrapping_mul(8) + rng.random_range(0..halls)
        });
        // Participants: UMKM of the kelurahan of the area, a hundred in each.
        let capacity = rng.random_range(25..41);
        let area = villages_under
            .get(region.as_str())
            .map_or(&[][..], Vec::as_slice);
        let mut participants: Vec<u32> = (0..capacity)
            .filter_map(|_| {
                let v = *area.get(rng.random_range(0..area.len().max(1)))?;
                Some(v as u32 * 100 + rng.random_range(0..100))
            })
            .collect();
        participants.sort_unstable();
        participants.dedup();
        out.push(Slot {
            region,
            start,
            end,
            topics,
            sectors,
            venue,
            participants,
            series: None,
        });
    }
    out
}

fn pick(rng: &mut ChaCha8Rng, codes: &[String]) -> String {
    if codes.is_empty() {
        String::new()
    } else {
        codes[rng.random_range(0..codes.len())].clone()
    }
}

/// Topic `k` about twice as likely as topic `2k`.
fn zipf(rng: &mut ChaCha8Rng, n: usize) -> u16 {
    let total: f64 = (1..=n).map(|k| 1.0 / k as f64).sum();
    let mut x = rng.random_range(0.0..total);
    for k in 1..=n {
        x -= 1.0 / k as f64;
        if x <= 0.0 {
            return (k - 1) as u16;
        }
    }
    (n - 1) as u16
}

fn working_days(year: i32) -> Vec<NaiveDate> {
    let mut d = NaiveDate::from_ymd_opt(year, 1, 2).unwrap_or_default();
    let mut out = Vec::new();
    while d.year() == year {
        if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
            out.push(d);
        }
        d = d.succ_opt().unwrap_or(d);
        if d.month() == 12 && d.day() == 31 {
            break;
        }
    }
    out
}

/// A working day, weighted by month: budgets are released late, so January and February are
/// quiet and June to November busy.
fn weighted_day(rng: &mut ChaCha8Rng, days: &[NaiveDate]) -> usize {
    const MONTH: [u32; 12] = [1, 2, 4, 5, 5, 7, 8, 8, 8, 8, 7, 3];
    loop {
        let i = rng.random_range(0..days.len());
        if rng.random_range(0..8) < MONTH[days[i].month0() as usize] {
            return i;
        }
    }
}
