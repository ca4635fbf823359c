//! `sentra duplicates`: the batch check of the registry, or (with FILE) likely duplicates inside
//! a spreadsheet, scored against the known ones when a truth file is given.

use std::collections::HashSet;
use std::path::Path;
use std::time::Instant;

use sentra_domain::dedup::{DedupRecord, LIKELY, find_duplicates};
use sentra_domain::import::{ImportContext, Mapping, convert_row};
use sentra_domain::region::{RegionCode, RegionTree};
use sentra_domain::umkm::{ValidationContext, validate_umkm};
use sentra_storage::Database;

use crate::context::{Context, DbArgs, open, region_or_home};

#[derive(clap::Args)]
pub(crate) struct Args {
    file: Option<std::path::PathBuf>,
    #[arg(long)]
    region: Option<String>,
    #[arg(long)]
    truth: Option<std::path::PathBuf>,
    #[command(flatten)]
    db: DbArgs,
}

pub(crate) async fn run(args: Args, cx: &Context) -> anyhow::Result<()> {
    let db = open(&cx.conn(&args.db)).await?;
    let region = region_or_home(&db, args.region).await?;
    match args.file {
        Some(file) => scan_file(&db, &region, &file, args.truth.as_deref()).await,
        None => scan_registry(&db, &region).await,
    }
}

/// The batch check of the registry within `region`: likely pairs join the review queue.
async fn scan_registry(db: &Database, region: &RegionCode) -> anyhow::Result<()> {
    let started = Instant::now();
    let outcome = db
        .scan_duplicates(&sentra_domain::scope::Scope::region(region.clone()))
        .await?;
    println!(
        "{} UMKM; {} likely duplicate pairs (score ≥ {LIKELY}), {} new in the review queue; {:.1} s",
        outcome.records,
        outcome.pairs,
        outcome.new_pairs,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn scan_file(
    db: &Database,
    region: &RegionCode,
    file: &Path,
    truth: Option<&Path>,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let name = file
        .file_name()
        .map_or(String::new(), |n| n.to_string_lossy().into_owned());
    let prepared = sentra_import::prepare(&name, std::fs::read(file)?)
        .map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
    let headers = &prepared.headers;
    let mapping = Mapping::guess(headers);
    let sectors = sentra_import::worker::sector_names(db).await?;
    let sector_words = db.import_words(region, "sector").await?;
    let ctx = ImportContext {
        regions: RegionTree::embedded(),
        within: region,
        sectors: &sectors,
        sector_words: &sector_words,
    };
    let read = started.elapsed();
    let codes: Vec<String> = sectors.iter().map(|s| s.code.clone()).collect();
    let vctx = ValidationContext {
        regions: ctx.regions,
        sectors: &codes,
        scope: region,
        today: chrono::Local::now().date_naive(),
    };
    // Rows the importer would reject take no part: they never reach the registry.
    let (lines, records): (Vec<usize>, Vec<DedupRecord>) = prepared
        .data
        .iter()
        .filter_map(|r| {
            let c = convert_row(&r.cells(), &mapping, &ctx, None, Default::default());
            if !c.problems.is_empty() {
                return None;
            }
            let data = validate_umkm(&c.input, &vctx).ok()?;
            Some((r.line, sentra_storage::dedup_record(&data)))
        })
        .unzip();
    drop(prepared);
    let converted = started.elapsed();
    let pairs = find_duplicates(&records, LIKELY);
    let detected = started.elapsed();
    println!(
        "{} rows; {} likely duplicate pairs (score ≥ {LIKELY}); read {:.1} s, prepared {:.1} s, compared {:.1} s",
        records.len(),
        pairs.len(),
        read.as_secs_f64(),
        (converted - read).as_secs_f64(),
        (detected - converted).as_secs_f64()
    );
    for p in pairs.iter().take(10) {
        println!(
            "  {} ~ {}  {:.2}  {}",
            lines[p.a],
            lines[p.b],
            p.score,
            p.reasons.join(", ")
        );
    }
    if let Some(t) = truth {
        let text = std::fs::read_to_string(t)?;
        let injected: HashSet<(usize, usize)> = text
            .lines()
            .skip(1)
            .filter(|l| l.ends_with(",duplicate"))
            .filter_map(|l| {
                let mut f = l.split(',');
                let a: usize = f.next()?.parse().ok()?;
                let b: usize = f.next()?.parse().ok()?;
                Some((a.min(b), a.max(b)))
            })
            .collect();
        let found: HashSet<(usize, usize)> = pairs
            .iter()
            .map(|p| {
                let (a, b) = (lines[p.a], lines[p.b]);
                (a.min(b), a.max(b))
            })
            .collect();
        // A duplicate of a duplicate pairs with both: a found pair is right when both rows
        // belong to one injected group.
        let mut group: std::collections::HashMap<usize, usize> = std::collections::HashMap::new();
        for &(a, b) in &injected {
            let root = *group.get(&a).unwrap_or(&a);
            group.insert(b, root);
            group.entry(a).or_insert(root);
        }
        let same_group = |a: usize, b: usize| match (group.get(&a), group.get(&b)) {
            (Some(x), Some(y)) => x == y,
            _ => false,
        };
        let true_found = found.iter().filter(|&&(a, b)| same_group(a, b)).count();
        let recalled = injected.iter().filter(|p| found.contains(p)).count();
        let precision = if found.is_empty() {
            1.0
        } else {
            true_found as f64 / found.len() as f64
        };
        let recall = if injected.is_empty() {
            1.0
        } else {
            recalled as f64 / injected.len() as f64
        };
        let wrong: Vec<_> = pairs
            .iter()
            .filter(|p| !same_group(lines[p.a], lines[p.b]))
            .take(5)
            .collect();
        for p in wrong {
            println!(
                "  not injected: {} ~ {}  {:.2}  {}",
                lines[p.a],
                lines[p.b],
                p.score,
                p.reasons.join(", ")
            );
        }
        println!(
            "injected {} pairs; found {}; precision {precision:.3}; recall {recall:.3}",
            injected.len(),
            found.len()
        );
    }
    Ok(())
}
