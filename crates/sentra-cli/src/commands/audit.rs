//! `sentra audit`: the audit chain verified, against a published head too.

use anyhow::{Context as _, anyhow, bail};
use sentra_storage::{AuditVerdict, Database};

use crate::context::{Context, DbArgs, open};

#[derive(clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(clap::Subcommand)]
enum Action {
    /// Recompute the hash chain; exits non-zero at the first edited, inserted or deleted entry.
    Verify {
        /// A head line from `sentra audit head` (or a file holding one): the trail must still
        /// hold that entry unchanged, which catches entries deleted or rewritten before it.
        #[arg(long, value_name = "FILE-or-LINE")]
        head: Option<String>,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Print the current head (entries, time and hash of the last one) as one line signed with
    /// the audit key, to keep outside the database: a mail, a ticket, a printed page.
    Head {
        #[command(flatten)]
        db: DbArgs,
    },
}

pub(crate) async fn run(args: Args, cx: &Context) -> anyhow::Result<()> {
    match args.action {
        Action::Verify { head, db } => {
            let db = open(&cx.conn(&db)).await?;
            match head {
                None => {
                    report_audit(db.verify_audit().await?)?;
                    report_unkeyed(&db).await
                }
                Some(head) => verify_head(&db, &head).await,
            }
        }
        Action::Head { db } => {
            let db = open(&cx.conn(&db)).await?;
            let (verdict, head) = db.audit_head().await?;
            match head {
                Some(head) => {
                    println!("{}", head.line());
                    eprintln!(
                        "simpan baris ini di luar basis data (surel, tiket, cetakan); periksa nanti \
                         dengan `sentra audit verify --head` / keep this line outside the database \
                         (a mail, a ticket, a printed page); check it later with \
                         `sentra audit verify --head`"
                    );
                    Ok(())
                }
                // No head for a broken trail: report why.
                None => report_audit(verdict),
            }
        }
    }
}

/// Entries from before the chain was keyed are only as safe as the old chain: say so.
async fn report_unkeyed(db: &Database) -> anyhow::Result<()> {
    let unkeyed = db.audit_unkeyed_entries().await?;
    if unkeyed > 0 {
        println!(
            "{unkeyed} entri ditulis sebelum rantai audit berkunci (SHA-256 tanpa kunci) / \
             {unkeyed} entries predate the keyed audit chain (unkeyed SHA-256)"
        );
    }
    Ok(())
}

/// `sentra audit verify --head`: the trail verifies and still holds the published head.
async fn verify_head(db: &Database, given: &str) -> anyhow::Result<()> {
    let text = if given.trim_start().starts_with("sentra-audit-head") {
        given.to_string()
    } else {
        std::fs::read_to_string(given).with_context(|| {
            format!(
                "berkas kepala audit {given} tidak terbaca / cannot read the audit head file {given}"
            )
        })?
    };
    let head = sentra_storage::AuditHead::parse(&text).ok_or_else(|| {
        anyhow!(
            "tidak ada baris kepala audit yang sah (sentra-audit-head v1 …) / no valid audit head \
             line (sentra-audit-head v1 …) in {given}"
        )
    })?;
    if !db.audit_head_authentic(&head).await? {
        bail!(
            "kepala audit tidak ditandatangani dengan kunci deployment ini, atau telah diubah / \
             the audit head is not signed with this deployment's key, or was altered"
        );
    }
    report_audit(db.verify_audit_head(&head).await?)?;
    println!(
        "memuat kepala yang diterbitkan tanpa perubahan / holds the published head unchanged: \
         entry {} ({})",
        head.entries, head.at
    );
    report_unkeyed(db).await
}

/// Prints an intact audit trail; a broken one is the command's error.
pub(crate) fn report_audit(verdict: AuditVerdict) -> anyhow::Result<()> {
    match verdict {
        AuditVerdict::Intact { entries } => {
            println!("audit trail intact: {entries} entries / jejak audit utuh");
            Ok(())
        }
        AuditVerdict::Broken { seq, reason } => {
            bail!("audit trail broken at entry {seq}: {reason} / jejak audit rusak")
        }
    }
}
