//! `sentra demo`: deterministic demo data for a region (the data itself: `crate::demo`).

use anyhow::anyhow;
use sentra_domain::region::{RegionCode, RegionLevel};

use crate::context::{Context, DbArgs, HOME_REGION_SETTING, open};
use crate::demo::{self, DEMO_REGION};

#[derive(clap::Args)]
pub(crate) struct Args {
    /// Region code to fill (any level), e.g. 36.74.
    #[arg(long, default_value = DEMO_REGION)]
    region: String,
    /// How many UMKM to generate.
    #[arg(long, default_value_t = 1000)]
    umkm: u64,
    /// Products to add to the catalogue (one to three per business, the first businesses
    /// by name), when it has none yet.
    #[arg(long, default_value_t = 0)]
    products: u64,
    /// Also plan six months of programme activities around today at every level of a
    /// kabupaten/kota region (past ones with participants), add two years of naik-kelas
    /// reports for one business in five and this year's government units, budgets and
    /// purchases, when it has none yet.
    #[arg(long)]
    activities: bool,
    /// Random seed: the same seed gives the same data.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[command(flatten)]
    db: DbArgs,
}

pub(crate) async fn run(args: Args, cx: &Context) -> anyhow::Result<()> {
    let db = open(&cx.conn(&args.db)).await?;
    let region = RegionCode::parse(&args.region)
        .map_err(|_| anyhow!("'{}' is not a region code such as 36.74", args.region))?;
    if db.setting(HOME_REGION_SETTING).await?.is_none() {
        db.set_setting(HOME_REGION_SETTING, region.as_str()).await?;
    }
    demo::generate(&db, &region, args.umkm, args.seed, true).await?;
    if args.products > 0 {
        demo::catalogue(&db, &region, args.products).await?;
    }
    if args.activities && region.level() == RegionLevel::Regency {
        demo::story(&db, &region).await?;
    }
    // The planners' statistics for the data just made (SQLite gathers none by itself).
    db.refresh_statistics(&[], sentra_storage::StatisticsDepth::Full)
        .await?;
    Ok(())
}
