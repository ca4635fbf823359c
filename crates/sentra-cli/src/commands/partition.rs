//! `sentra partition`: PostgreSQL's UMKM table split by province.

use anyhow::bail;

use crate::context::{Context, DbArgs, open};

#[derive(clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    db: DbArgs,
}

pub(crate) async fn run(args: Args, cx: &Context) -> anyhow::Result<()> {
    let db = open(&cx.conn(&args.db)).await?;
    if db.backend() != sentra_storage::Backend::Postgres {
        bail!(
            "partisi per provinsi hanya untuk PostgreSQL; SQLite tetap satu tabel / \
             partitioning by province needs PostgreSQL; SQLite keeps one table"
        );
    }
    let done = db.partition_by_province().await?;
    if done.changed {
        println!(
            "tabel umkm dipartisi per provinsi / umkm partitioned by province: {} partitions, {} rows moved in {:.1} s",
            done.partitions,
            done.rows,
            done.millis as f64 / 1000.0
        );
        // Counting reads every row: only after the rows were just moved anyway.
        for p in db.umkm_partition_rows().await?.iter().take(5) {
            println!("  {:<16} {:>10} rows", p.partition, p.rows);
        }
    } else {
        println!(
            "tabel umkm sudah dipartisi / umkm is partitioned already ({} partitions)",
            done.partitions
        );
    }
    Ok(())
}
