//! `sentra migrate-data`: a whole deployment moved to another database, and its photos.

use anyhow::{Context as _, bail};
use sentra_storage::Database;

use crate::commands::audit::report_audit;
use crate::commands::serve::open_media;
use crate::context::{Conn, Context, DbArgs, open};
use crate::keys;

#[derive(clap::Args)]
pub(crate) struct Args {
    /// The deployment's database now, e.g. sqlite://sentra-data/sentra.db.
    #[arg(long)]
    from: String,
    /// The new database, e.g. postgres://sentra@db/sentra (empty, or a stopped copy).
    #[arg(long)]
    to: String,
    /// The personal-data key of the source (default: beside the SQLite file). The target
    /// uses the same key; it is copied to the target's default place when none is there.
    #[arg(long, env = "SENTRA_KEY_FILE")]
    key_file: Option<String>,
    /// Where the photos are now: a folder or an object store URL. Default: `media` beside
    /// the source SQLite file (or sentra-data/media).
    #[arg(long)]
    media_from: Option<String>,
    /// Where the photos go (a folder, or s3://bucket/prefix for several servers). Without it
    /// they stay where they are and the new servers must be given that place (--media).
    #[arg(long)]
    media_to: Option<String>,
}

pub(crate) async fn run(args: Args, cx: &Context) -> anyhow::Result<()> {
    let source = cx.conn(&DbArgs {
        database: Some(args.from),
        key_file: args.key_file,
        search_dir: None,
        media: args.media_from,
        durability: sentra_storage::Durability::default(),
    });
    migrate_data(&source, &args.to).await?;
    match args.media_to {
        Some(media_to) => migrate_media(&source.media, &media_to).await,
        None => {
            println!(
                "photos stay in {} (give the new servers --media {0}, or copy them with \
                 --media-to) / foto tetap di {0}",
                source.media
            );
            Ok(())
        }
    }
}

async fn migrate_data(source: &Conn, to: &str) -> anyhow::Result<()> {
    let key = keys::load(&source.key)?;
    if key.unsaved.is_some() {
        bail!(
            "no key file {}: the source's personal-data key is needed (--key-file)",
            source.key.path.display()
        );
    }
    let src = open(source).await?;
    let target_key = keys::KeySource::resolve(None, to);
    if target_key.path != source.key.path {
        if target_key.path.exists() {
            let theirs = std::fs::read_to_string(&target_key.path)?;
            let ours = std::fs::read_to_string(&source.key.path)?;
            if theirs.trim() != ours.trim() {
                bail!(
                    "{} holds another key: the target must use the source's key {}",
                    target_key.path.display(),
                    source.key.path.display()
                );
            }
        } else {
            if let Some(dir) = target_key
                .path
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
            {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::copy(&source.key.path, &target_key.path)?;
        }
    }
    let dst = Database::connect(to, key.keyring.clone()).await?;
    let names = dst.table_names().await?;
    if names.iter().any(|t| t == "audit_log") && !dst.copy_in_progress().await? {
        let entries = dst.count_rows("audit_log").await?;
        if entries > 0 {
            // A finished copy run again (say, to go on with the photos): checked, not copied.
            if sentra_storage::census_differences(&src.census().await?, &dst.census().await?)
                .is_empty()
            {
                println!(
                    "{} holds this deployment already: every table's rows and checksum match",
                    dst.redacted_url()
                );
                return report_audit(dst.verify_audit().await?);
            }
            bail!(
                "{} already holds a deployment ({entries} audit entries): the target must be empty",
                dst.redacted_url()
            );
        }
    }
    println!(
        "{} ({}) → {} ({})",
        src.redacted_url(),
        src.backend().as_str(),
        dst.redacted_url(),
        dst.backend().as_str()
    );
    let started = std::time::Instant::now();
    let before = src.census().await?;
    let total: i64 = before.iter().map(|c| c.rows).sum();
    let bar = indicatif::ProgressBar::new(u64::try_from(total).unwrap_or(0));
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} rows ({per_sec}, {eta}) {msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let mut finished_rows = 0u64;
    let mut current = String::new();
    let copied = src
        .copy_into(&dst, |table, done, of| {
            if table != current {
                current = table.to_string();
                bar.set_message(current.clone());
            }
            bar.set_position(finished_rows + done);
            if done == of {
                finished_rows += of;
            }
        })
        .await?;
    bar.finish_and_clear();
    let resumed = copied.iter().filter(|c| c.resumed).count();
    let after = dst.census().await?;
    let differing = sentra_storage::census_differences(&before, &after);
    if !differing.is_empty() {
        bail!(
            "the copy differs from the source: {} / salinan berbeda dari sumber",
            differing.join(", ")
        );
    }
    let verdict = dst.verify_audit().await?;
    println!(
        "copied {} tables, {total} rows in {:.1} s{}; every table's rows and checksum match / semua tabel cocok",
        before.len(),
        started.elapsed().as_secs_f64(),
        if resumed > 0 {
            format!(" ({resumed} tables copied by an earlier run)")
        } else {
            String::new()
        }
    );
    report_audit(verdict)
}

/// Copies every photo and file of the deployment to another store, resumable, then compares
/// each object byte for byte.
async fn migrate_media(from: &str, to: &str) -> anyhow::Result<()> {
    let (source, target) = (open_media(from)?, open_media(to)?);
    let started = std::time::Instant::now();
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} files ({per_sec}, {eta})",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let outcome = source
        .copy_into(&target, |done, of| {
            bar.set_length(of);
            bar.set_position(done);
        })
        .await
        .with_context(|| format!("copying the photos from {from} to {to}"))?;
    bar.finish_and_clear();
    let differing = source.differences(&target).await?;
    if !differing.is_empty() {
        bail!(
            "{} files differ after the copy, e.g. {} / berkas berbeda setelah disalin",
            differing.len(),
            differing[0]
        );
    }
    println!(
        "files copied: {} ({:.1} MB) from {from} to {to} in {:.1} s{}; every file matches / semua berkas cocok",
        outcome.copied,
        outcome.bytes as f64 / 1e6,
        started.elapsed().as_secs_f64(),
        if outcome.already_there > 0 {
            format!(" ({} there from an earlier run)", outcome.already_there)
        } else {
            String::new()
        }
    );
    Ok(())
}
