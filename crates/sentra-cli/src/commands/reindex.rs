//! `sentra reindex`: this server's catalogue search index rebuilt from the database.

use crate::context::{Context, DbArgs, open};

#[derive(clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    db: DbArgs,
}

pub(crate) async fn run(args: Args, cx: &Context) -> anyhow::Result<()> {
    let conn = cx.conn(&args.db);
    let db = open(&conn).await?;
    let index = sentra_search::SearchIndex::open(Some(&conn.search_dir))?;
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} ({per_sec}, {eta})",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let started = std::time::Instant::now();
    let n = sentra_web::catalogue::index::rebuild(&db, &index, |done, total| {
        bar.set_length(total);
        bar.set_position(done);
    })
    .await?;
    bar.finish_and_clear();
    println!(
        "search index {}: {n} products read, {} published, in {:.1} s",
        conn.search_dir.display(),
        index.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
