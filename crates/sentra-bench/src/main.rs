//! The search benchmark of issue 6 (a harness, not a test): `bench/search.sh` builds a catalogue
//! of generated products, then this program makes the query set from it (`queries`) and runs it
//! against Sentra's index and, in the same run, the peers a deployment would pick instead
//! (`run`): SQLite FTS5 and PostgreSQL full-text search with pg_trgm for typos.

mod conflicts;
mod peers;
mod queries;
mod stats;

use std::path::PathBuf;
use std::time::Instant;

use clap::{Parser, Subcommand};

use crate::queries::Query;
use crate::stats::Samples;

#[global_allocator]
static ALLOCATOR: conflicts::Counting = conflicts::Counting;

#[derive(Parser)]
#[command(about = "Search benchmark: Sentra's catalogue index against SQLite FTS5 and PostgreSQL")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Writes the query set (queries.tsv) and the wrk path lists from a Sentra database.
    Queries {
        /// The Sentra SQLite database with the generated products.
        #[arg(long)]
        db: String,
        /// Folder for queries.tsv, search-paths.txt and product-paths.txt.
        #[arg(long)]
        out: PathBuf,
        /// Queries per class (word, phrase, typo, inflected, filtered).
        #[arg(long, default_value_t = 250)]
        per_class: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Runs the query set on each engine and prints the table.
    Run {
        #[arg(long)]
        queries: PathBuf,
        /// Sentra's search index folder.
        #[arg(long)]
        index: PathBuf,
        /// The SQLite file holding the FTS5 peer table `fts`.
        #[arg(long)]
        fts: Option<PathBuf>,
        /// PostgreSQL URL of the database holding the peer table `peer`.
        #[arg(long)]
        pg: Option<String>,
        /// Timed passes over the query set (after one warm-up pass).
        #[arg(long, default_value_t = 3)]
        passes: usize,
        /// Also list Sentra's queries of this class that missed relevant products.
        #[arg(long)]
        misses: Option<String>,
    },
    /// Harmonisation (issue 7): all conflicts of a province's generated year of activities, the
    /// fast way and every pair, at 1,000, 10,000 and the given number of activities.
    Conflicts {
        #[arg(long, default_value = "32")]
        province: String,
        #[arg(long, default_value_t = 100_000)]
        activities: usize,
        /// Largest input the all-pairs peer runs on (it takes minutes at 100,000).
        #[arg(long, default_value_t = 100_000)]
        all_pairs_max: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Queries {
            db,
            out,
            per_class,
            seed,
        } => queries::write(&db, &out, per_class, seed).await,
        Command::Run {
            queries,
            index,
            fts,
            pg,
            passes,
            misses,
        } => run(&queries, &index, fts, pg, passes, misses).await,
        Command::Conflicts {
            province,
            activities,
            all_pairs_max,
            seed,
        } => conflicts::run(&province, activities, all_pairs_max, seed),
    }
}

/// One engine's answer: the names of its first ten results.
type Top10 = Vec<String>;

async fn run(
    queries: &std::path::Path,
    index: &std::path::Path,
    fts: Option<PathBuf>,
    pg: Option<String>,
    passes: usize,
    misses: Option<String>,
) -> anyhow::Result<()> {
    let queries = queries::read(queries)?;
    eprintln!("{} queries", queries.len());
    let mut results: Vec<(String, Samples)> = Vec::new();

    let sentra = sentra_search::SearchIndex::open(Some(index))?;
    let synonyms = sentra_search::Synonyms::defaults();
    eprintln!("sentra: {} products in the index", sentra.len());
    let samples = measure(&queries, passes, |q| async {
        let query = sentra_search::SearchQuery {
            text: q.text.clone(),
            category: q.category.clone(),
            district: q.district.clone(),
            limit: 10,
            ..Default::default()
        };
        let found = sentra.search(&query, &synonyms)?;
        Ok(found.hits.into_iter().map(|h| h.name).collect())
    })
    .await?;
    results.push(("sentra (tantivy), with 5 facets + count".into(), samples));

    if let Some(path) = fts {
        let peer = peers::Fts5::open(&path).await?;
        let samples = measure(&queries, passes, |q| peer.search(q)).await?;
        results.push(("sqlite fts5 unicode61, top 10 only".into(), samples));
    }
    if let Some(url) = pg {
        let peer = peers::Postgres::open(&url).await?;
        let samples = measure(&queries, passes, |q| peer.search(q)).await?;
        results.push((
            "postgresql fts 'indonesian' + pg_trgm, top 10 only".into(),
            samples,
        ));
    }
    stats::print(&queries, &results);
    if let (Some(class), Some((_, sentra))) = (misses, results.first()) {
        stats::print_misses(&queries, &sentra.tops, &class);
    }
    Ok(())
}

/// Latency of every query over `passes` timed passes (after a warm-up pass), and each query's
/// results from the first timed pass.
async fn measure<'a, F, Fut>(
    queries: &'a [Query],
    passes: usize,
    search: F,
) -> anyhow::Result<Samples>
where
    F: Fn(&'a Query) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<Top10>>,
{
    for q in queries {
        search(q).await?;
    }
    let mut samples = Samples::default();
    for pass in 0..passes {
        for q in queries {
            let started = Instant::now();
            let top = search(q).await?;
            samples.add(&q.class, started.elapsed());
            if pass == 0 {
                samples.tops.push(top);
            }
        }
    }
    Ok(samples)
}
