//! `sentra migrate`: the schema brought up to date and the region data loaded.

use crate::context::{Context, DbArgs, open};

#[derive(clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    db: DbArgs,
}

pub(crate) async fn run(args: Args, cx: &Context) -> anyhow::Result<()> {
    let db = open(&cx.conn(&args.db)).await?;
    println!(
        "database {} ({}) is up to date",
        db.redacted_url(),
        db.backend().as_str()
    );
    // Read back from a connection, so what is printed is what SQLite runs with.
    if let Some(synchronous) = db.sqlite_synchronous().await? {
        let name = match synchronous {
            2 => "full",
            1 => "normal",
            _ => "other",
        };
        println!("SQLite synchronous = {synchronous} ({name})");
    }
    if let Some((decree, rows)) = db.region_dataset().await? {
        println!("region data: {decree}, {rows} regions");
    }
    Ok(())
}
