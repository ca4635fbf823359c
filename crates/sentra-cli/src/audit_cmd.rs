//! `sentra audit`: the audit chain verified, against a published head too.

use anyhow::Context;
use anyhow::anyhow;
use anyhow::bail;
use sentra_storage::AuditVerdict;
use sentra_storage::Database;

/// Entries from before the chain was keyed are only as safe as the old chain: say so.
pub(crate) async fn report_unkeyed(db: &Database) -> anyhow::Result<()> {
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
pub(crate) async fn verify_head(db: &Database, given: &str) -> anyhow::Result<()> {
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
