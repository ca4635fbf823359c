//! The demo UMKM: the domain's generator, stored in batches and dated over past years.

use std::time::Instant;

use anyhow::anyhow;
use chrono::{Datelike, NaiveDate, NaiveDateTime};
use indicatif::{ProgressBar, ProgressStyle};
use sentra_domain::demo::DemoGenerator;
use sentra_domain::region::{RegionCode, RegionTree};
use sentra_domain::scope::Scope;
use sentra_storage::{Actor, Database, NewUmkm, Registered};

use crate::context::today;

/// Years back over which the demo businesses were registered: the open data's year-end files
/// of those years then have content.
const REGISTERED_OVER_YEARS: i32 = 4;

/// Generates `count` demo UMKM in batches, each batch one transaction, registered on days
/// spread over the last four years.
pub(crate) async fn generate(
    db: &Database,
    region: &RegionCode,
    count: u64,
    seed: u64,
    report: bool,
) -> anyhow::Result<()> {
    const BATCH: u64 = 5000;
    let tree = RegionTree::embedded();
    let today = today();
    let mut generator = DemoGenerator::new(tree, region, seed, today)
        .map_err(|e| anyhow!("cannot generate demo data for {region}: {}", e.0))?;
    let mut days = RegistrationDays::new(seed, today);
    let scope = Scope::region(region.clone());
    let actor = Actor::system("demo");
    let bar = ProgressBar::new(count);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} UMKM ({per_sec}, {eta} left)",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let started = Instant::now();
    let mut done = 0;
    while done < count {
        let n = BATCH.min(count - done);
        let batch: Vec<_> = (0..n).map(|_| generator.next_umkm()).collect();
        // Registered on past days, written with the record (no second pass over the batch).
        let rows: Vec<NewUmkm<'_>> = batch
            .iter()
            .map(|d| {
                let (at, verified_at) = days.next(d.data.year_started);
                NewUmkm {
                    data: &d.data,
                    status: d.status,
                    verified_by: Some("demo"),
                    owner: None,
                    registered: Some(Registered { at, verified_at }),
                }
            })
            .collect();
        db.insert_umkm_batch(&scope, &rows, &actor).await?;
        done += n;
        bar.set_position(done);
    }
    bar.finish_and_clear();
    if report {
        let secs = started.elapsed().as_secs_f64();
        println!(
            "generated {count} UMKM in {region} (seed {seed}) in {secs:.1} s ({:.0}/s) into {}",
            count as f64 / secs.max(1e-9),
            db.redacted_url()
        );
    }
    Ok(())
}

/// When each generated business was registered and verified, in office hours: the same for the
/// same seed and day, never before the business started.
struct RegistrationDays {
    state: u64,
    today: NaiveDate,
}

impl RegistrationDays {
    fn new(seed: u64, today: NaiveDate) -> Self {
        // Apart from the generator's own stream, which a seed also starts.
        Self {
            state: seed ^ 0x5E47_A0DE_0D15_7A7E,
            today,
        }
    }

    /// SplitMix64: enough randomness for dates without another dependency.
    fn random(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn next(&mut self, year_started: Option<i32>) -> (NaiveDateTime, NaiveDateTime) {
        let earliest = self
            .today
            .with_year(self.today.year() - REGISTERED_OVER_YEARS)
            .unwrap_or(self.today);
        let started = year_started
            .and_then(|y| NaiveDate::from_ymd_opt(y, 1, 1))
            .unwrap_or(earliest);
        let from = earliest.max(started).min(self.today);
        let span = (self.today - from).num_days().max(0) as u64 + 1;
        let day = from + chrono::Duration::days((self.random() % span) as i64);
        let verified = day + chrono::Duration::days((self.random() % 45) as i64);
        let registered = self.office_hours(day);
        (registered, self.office_hours(verified).max(registered))
    }

    /// A moment between 08:00 and 16:00 western Indonesian time (UTC+7), in UTC.
    fn office_hours(&mut self, day: NaiveDate) -> NaiveDateTime {
        let r = self.random();
        let (hour, minute) = (1 + (r % 8) as u32, ((r >> 8) % 60) as u32);
        day.and_hms_opt(hour, minute, 0)
            .unwrap_or_else(|| day.and_time(chrono::NaiveTime::MIN))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registration_days_are_repeatable_past_and_after_the_start() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
        let mut a = RegistrationDays::new(7, today);
        let mut b = RegistrationDays::new(7, today);
        let mut years = std::collections::BTreeSet::new();
        for i in 0..2000 {
            let started = 1995 + (i % 32);
            let (registered, verified) = a.next(Some(started));
            assert_eq!((registered, verified), b.next(Some(started)));
            let day = registered.date();
            assert!(day <= today && registered <= verified);
            assert!(day.year() >= started.min(today.year()));
            assert!(day >= NaiveDate::from_ymd_opt(2022, 12, 6).unwrap());
            years.insert(day.year());
        }
        assert_eq!(
            years.into_iter().collect::<Vec<_>>(),
            [2022, 2023, 2024, 2025, 2026]
        );
    }
}
