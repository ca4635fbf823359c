//! `sentra restore`: a backup folder put back, checked against its manifest first.

use std::path::PathBuf;

use crate::commands::audit::report_audit;
use crate::commands::backup;
use crate::context::{Context, DbArgs, open};

#[derive(clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    db: DbArgs,
    /// The backup folder (with manifest.json).
    #[arg(long)]
    from: PathBuf,
    /// Replace an existing database.
    #[arg(long)]
    force: bool,
}

pub(crate) async fn run(args: Args, cx: &Context) -> anyhow::Result<()> {
    let conn = cx.conn(&args.db);
    let started = std::time::Instant::now();
    let done = backup::restore(&args.from, &conn.url, &conn.media, args.force).await?;
    let database = open(&conn).await?;
    let verdict = database.verify_audit().await?;
    println!(
        "dipulihkan / restored {}: {} tables, {} rows checked against the manifest, {} photo files, in {:.1} s",
        args.from.display(),
        done.tables,
        done.rows,
        done.media_files,
        started.elapsed().as_secs_f64()
    );
    report_audit(verdict)
}
