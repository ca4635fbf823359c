//! The harmonisation benchmark of issue 7: a province's generated year of activities, all their
//! conflicts found the fast way and, in the same run, by comparing every pair (the peer and the
//! oracle: both must find the same), with time and the memory each allocates at its peak.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use sentra_domain::programme::conflicts::{Conflict, Reason, Rules, find, find_all_pairs};
use sentra_domain::programme::generate::province_year;
use sentra_domain::region::{RegionCode, RegionTree};

/// The system allocator, counting the bytes in use and their peak (for the memory column).
pub struct Counting;

static IN_USE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is passed to the system allocator unchanged; only counters are added.
// The one unsafe block of the workspace: the benchmark measures peak memory this way.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract is the system allocator's.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = IN_USE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) };
        IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

/// Runs `f`, returning its result, seconds and the peak bytes it allocated above what was in
/// use before.
fn measured<T>(f: impl FnOnce() -> T) -> (T, f64, usize) {
    let base = IN_USE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let started = Instant::now();
    let out = f();
    let secs = started.elapsed().as_secs_f64();
    (out, secs, PEAK.load(Ordering::Relaxed).saturating_sub(base))
}

fn counts(found: &[Conflict]) -> [usize; 5] {
    let mut n = [0; 5];
    for c in found {
        n[match c.reason {
            Reason::SameTimeRelatedRegion => 0,
            Reason::SameTopicWithinWindow { .. } => 1,
            Reason::VenueDoubleBooked => 2,
            Reason::ParticipantsDoubleBooked { .. } => 3,
            Reason::BudgetYearEnd => 4,
        }] += 1;
    }
    n
}

pub fn run(
    province: &str,
    activities: usize,
    all_pairs_max: usize,
    seed: u64,
) -> anyhow::Result<()> {
    let tree = RegionTree::embedded();
    let code = RegionCode::parse(province).map_err(|e| anyhow::anyhow!("{province}: {}", e.0))?;
    let rules = Rules::default();
    println!(
        "harmonisation benchmark: province {province}, {} cores",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!();
    println!(
        "{:>10} {:<26} {:>10} {:>10} {:>11}   {:>9} {:>9} {:>8} {:>10} {:>8}",
        "activities",
        "method",
        "seconds",
        "peak MB",
        "conflicts",
        "time",
        "topic",
        "venue",
        "people",
        "year end"
    );
    let mut sizes = vec![1_000, 10_000, activities];
    sizes.retain(|n| *n <= activities);
    sizes.dedup();
    for n in sizes {
        let (slots, gen_secs, _) = measured(|| province_year(tree, &code, 2026, n, seed));
        eprintln!("{n} activities generated in {gen_secs:.2} s");
        let (fast, secs, peak) = measured(|| find(&slots, &rules));
        let row = |method: &str, secs: f64, peak: usize, found: &[Conflict]| {
            let c = counts(found);
            println!(
                "{n:>10} {method:<26} {secs:>10.3} {:>10.1} {:>11}   {:>9} {:>9} {:>8} {:>10} {:>8}",
                peak as f64 / 1_048_576.0,
                found.len(),
                c[0],
                c[1],
                c[2],
                c[3],
                c[4]
            );
        };
        row("sentra (by region, sweep)", secs, peak, &fast);
        if n <= all_pairs_max {
            let (oracle, secs, peak) = measured(|| find_all_pairs(&slots, &rules));
            row("all pairs", secs, peak, &oracle);
            // The fast way's order is its own; the oracle's is sorted.
            let mut fast = fast;
            fast.sort_unstable();
            anyhow::ensure!(oracle == fast, "the two methods disagree on {n} activities");
        }
    }
    Ok(())
}
