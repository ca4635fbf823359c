//! `sentra key rotate`: every NIK re-encrypted under a new personal-data key (the key file
//! itself: `crate::keys`).

use crate::context::{Context, DbArgs, open};
use crate::keys;

#[derive(clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(clap::Subcommand)]
enum Action {
    /// Re-encrypt all personal data under a newly generated key and swap the key file.
    Rotate {
        #[command(flatten)]
        db: DbArgs,
    },
}

pub(crate) async fn run(args: Args, cx: &Context) -> anyhow::Result<()> {
    let Action::Rotate { db } = args.action;
    let conn = cx.conn(&db);
    let db = open(&conn).await?;
    keys::rotate(&db, &conn.key).await
}
