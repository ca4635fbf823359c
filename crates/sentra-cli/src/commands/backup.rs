//! `sentra backup` and `sentra restore`: a folder holding the database (a SQLite snapshot taken
//! while serving, or a `pg_dump` of one exported snapshot), the local photo store, and a
//! manifest with every table's row count and checksum as of that same moment. A restore is
//! checked against the manifest before it replaces anything.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, anyhow, bail};
use sentra_storage::{Backend, Database, DatabaseUrl, TableCensus};
use serde::{Deserialize, Serialize};

use crate::context::{Context, DbArgs};

#[derive(clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    db: DbArgs,
    /// A new (or empty) folder to write the backup into.
    #[arg(long)]
    to: PathBuf,
}

pub(crate) async fn run(args: Args, cx: &Context) -> anyhow::Result<()> {
    let conn = cx.conn(&args.db);
    // Not `open`: migrating re-creates the rollup triggers, which takes table locks on a
    // database that is serving; a backup only reads (and needs no key: it copies the encrypted
    // values as they are).
    if let Ok(DatabaseUrl::Sqlite { path, .. }) = DatabaseUrl::parse(&conn.url)
        && !path.exists()
    {
        bail!("no database at {}", path.display());
    }
    let database = Database::connect(
        &conn.url,
        sentra_storage::Keyring::new(sentra_storage::PersonalKey::generate().0),
    )
    .await?;
    let started = std::time::Instant::now();
    let done = backup(&database, &conn.url, &conn.media, &args.to).await?;
    println!(
        "cadangan / backup {}: {} tables, {} rows, {} photo files, {:.1} MB in {:.1} s",
        args.to.display(),
        done.tables,
        done.rows,
        done.media_files,
        done.bytes as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    println!(
        "kunci data pribadi tidak ikut dicadangkan; simpan {} terpisah / the personal-data key is not in the backup: keep {} apart",
        conn.key.path.display(),
        conn.key.path.display()
    );
    Ok(())
}

pub const MANIFEST: &str = "manifest.json";
const SQLITE_FILE: &str = "sentra.db";
const PG_FILE: &str = "sentra.pgdump";
const MEDIA_DIR: &str = "media";

#[derive(Serialize, Deserialize)]
struct Manifest {
    format: u32,
    engine: String,
    created_at: String,
    sentra_version: String,
    tables: Vec<TableLine>,
    media_files: u64,
}

#[derive(Serialize, Deserialize)]
struct TableLine {
    table: String,
    rows: i64,
    checksum: String,
}

fn lines(census: Vec<TableCensus>) -> Vec<TableLine> {
    census
        .into_iter()
        .map(|c| TableLine {
            table: c.table,
            rows: c.rows,
            checksum: format!("{:016x}", c.checksum),
        })
        .collect()
}

pub(crate) struct Outcome {
    pub tables: usize,
    pub rows: i64,
    pub media_files: u64,
    pub bytes: u64,
}

/// A backup holds the registry's personal data: its folders are the owner's only (0700), as
/// are its files (0600, like the key file), whatever the umask would have given.
fn private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        builder.mode(0o700).create(dir)?;
        // An empty folder named by the user may have been made with a wider mode.
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
    }
    #[cfg(not(unix))]
    builder.create(dir)
}

/// A file of the backup made the owner's only (see [`private_dir`]).
fn private_file(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(())
    }
}

/// Writes a backup of `db` into the new folder `to`.
async fn backup(db: &Database, url: &str, media: &str, to: &Path) -> anyhow::Result<Outcome> {
    if to.exists() && std::fs::read_dir(to)?.next().is_some() {
        bail!(
            "{} already exists and is not empty: name a new folder",
            to.display()
        );
    }
    private_dir(to).with_context(|| format!("cannot create {}", to.display()))?;
    let census = match db.backend() {
        Backend::Sqlite => {
            let file = to.join(SQLITE_FILE);
            db.sqlite_snapshot(&file).await?;
            // The census of the copy itself: that is what a restore will compare with.
            let copy = Database::connect(
                &format!("sqlite://{}", file.display()),
                sentra_storage::Keyring::new(sentra_storage::PersonalKey::generate().0),
            )
            .await?;
            let census = copy.census().await?;
            copy.close().await;
            census
        }
        Backend::Postgres => {
            let mut snapshot = db.pg_snapshot().await?;
            let file = to.join(PG_FILE);
            // pg_dump truncates and keeps the mode of a file that is there.
            std::fs::File::create(&file)?;
            private_file(&file)?;
            let out = Command::new("pg_dump")
                .args(["--format=custom", "--no-owner", "--snapshot", &snapshot.id])
                .arg("--file")
                .arg(&file)
                .arg("--dbname")
                .arg(url)
                .output()
                .context("cannot run pg_dump (Debian package postgresql-client)")?;
            if !out.status.success() {
                bail!(
                    "pg_dump failed: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                );
            }
            let census = snapshot.census().await?;
            snapshot.finish().await?;
            census
        }
    };
    let media_files = match local_media(media) {
        Some(dir) if dir.exists() => copy_tree(&dir, &to.join(MEDIA_DIR), true)?,
        _ => 0,
    };
    let tables = lines(census);
    let manifest = Manifest {
        format: 1,
        engine: db.backend().as_str().to_string(),
        created_at: chrono::Utc::now().to_rfc3339(),
        sentra_version: env!("CARGO_PKG_VERSION").to_string(),
        media_files,
        tables,
    };
    let text = serde_json::to_string_pretty(&manifest)?;
    // Written last: a folder without a manifest is an unfinished backup.
    {
        use std::io::Write;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        options
            .open(to.join(MANIFEST))?
            .write_all(text.as_bytes())?;
    }
    // The snapshot's own -wal and -shm, left by the census, have its mode (SQLite gives them
    // the database's); checked here so that no file of the folder is left readable.
    for entry in std::fs::read_dir(to)? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            private_file(&entry.path())?;
        }
    }
    Ok(Outcome {
        tables: manifest.tables.len(),
        rows: manifest.tables.iter().map(|t| t.rows).sum(),
        media_files,
        bytes: folder_size(to)?,
    })
}

/// Puts the backup in `from` back as the database at `url` (and the photo store). The SQLite
/// file is checked before it replaces the old one; PostgreSQL is restored in one transaction
/// and checked after.
pub(crate) async fn restore(
    from: &Path,
    url: &str,
    media: &str,
    force: bool,
) -> anyhow::Result<Outcome> {
    let manifest: Manifest = serde_json::from_str(
        &std::fs::read_to_string(from.join(MANIFEST)).with_context(|| {
            format!(
                "{} has no {MANIFEST}: not a Sentra backup, or an unfinished one",
                from.display()
            )
        })?,
    )
    .with_context(|| format!("{} is damaged", from.join(MANIFEST).display()))?;
    let target = DatabaseUrl::parse(url)?;
    if manifest.engine != target.backend().as_str() {
        bail!(
            "the backup is of {} and the target is {}: use `sentra migrate-data` to move between engines",
            manifest.engine,
            target.backend().as_str()
        );
    }
    let throwaway = || sentra_storage::Keyring::new(sentra_storage::PersonalKey::generate().0);
    match &target {
        DatabaseUrl::Sqlite { path, .. } => {
            if path.exists() && !force {
                bail!(
                    "{} exists: stop the server, then restore with --force to replace it",
                    path.display()
                );
            }
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)?;
            }
            let staged = path.with_extension("restoring");
            std::fs::copy(from.join(SQLITE_FILE), &staged)
                .with_context(|| format!("cannot copy the backup to {}", staged.display()))?;
            // The restored database is the owner's only, as a new one is (the backup may be
            // older than that rule, its file readable by all).
            private_file(&staged)?;
            let copy =
                Database::connect(&format!("sqlite://{}", staged.display()), throwaway()).await?;
            let census = copy.census().await;
            copy.close().await;
            if let Err(e) = compare(&manifest.tables, &census?) {
                let _ = std::fs::remove_file(&staged);
                return Err(e);
            }
            for suffix in ["-wal", "-shm"] {
                let side = PathBuf::from(format!("{}{suffix}", path.display()));
                if side.exists() {
                    std::fs::remove_file(&side)?;
                }
            }
            std::fs::rename(&staged, path)?;
        }
        DatabaseUrl::Postgres { .. } => {
            let db = Database::connect(url, throwaway()).await?;
            let existing = db.table_names().await?;
            if !existing.is_empty() && !force {
                db.close().await;
                bail!(
                    "the target database has {} tables: restore into an empty database, or use --force to replace them",
                    existing.len()
                );
            }
            db.close().await;
            let out = Command::new("pg_restore")
                .args([
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--single-transaction",
                    "--exit-on-error",
                ])
                .arg("--dbname")
                .arg(url)
                .arg(from.join(PG_FILE))
                .output()
                .context("cannot run pg_restore (Debian package postgresql-client)")?;
            if !out.status.success() {
                bail!(
                    "pg_restore failed, nothing was changed: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                );
            }
            let db = Database::connect(url, throwaway()).await?;
            let census = db.census().await;
            db.close().await;
            compare(&manifest.tables, &census?)?;
        }
    }
    let media_files = match local_media(media) {
        Some(dir) if from.join(MEDIA_DIR).exists() => {
            copy_tree(&from.join(MEDIA_DIR), &dir, false)?
        }
        _ => 0,
    };
    Ok(Outcome {
        tables: manifest.tables.len(),
        rows: manifest.tables.iter().map(|t| t.rows).sum(),
        media_files,
        bytes: folder_size(from)?,
    })
}

/// The restored census against the manifest's, or the tables that differ.
fn compare(expected: &[TableLine], found: &[TableCensus]) -> anyhow::Result<()> {
    let expected = expected
        .iter()
        .map(|l| {
            Ok(TableCensus {
                table: l.table.clone(),
                rows: l.rows,
                checksum: u64::from_str_radix(&l.checksum, 16)
                    .map_err(|_| anyhow!("{MANIFEST}: checksum of {} is not hex", l.table))?,
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let differing = sentra_storage::census_differences(&expected, found);
    if differing.is_empty() {
        Ok(())
    } else {
        Err(anyhow!(
            "the restored data does not match the backup's manifest: {}",
            differing.join(", ")
        ))
    }
}

/// The photo store's folder when it is a local one (an object store is backed up by its own
/// tools).
fn local_media(media: &str) -> Option<PathBuf> {
    if media.contains("://") && !media.starts_with("file://") {
        return None;
    }
    Some(PathBuf::from(media.trim_start_matches("file://")))
}

/// Copies the folder `from` into `to`; `private`: into a backup (see [`private_dir`]).
fn copy_tree(from: &Path, to: &Path, private: bool) -> anyhow::Result<u64> {
    if private {
        private_dir(to)?;
    } else {
        std::fs::create_dir_all(to)?;
    }
    let mut n = 0;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            n += copy_tree(&entry.path(), &target, private)?;
        } else {
            std::fs::copy(entry.path(), &target)
                .with_context(|| format!("cannot copy {}", entry.path().display()))?;
            if private {
                private_file(&target)?;
            }
            n += 1;
        }
    }
    Ok(n)
}

fn folder_size(dir: &Path) -> anyhow::Result<u64> {
    let mut total = 0;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        total += if entry.file_type()?.is_dir() {
            folder_size(&entry.path())?
        } else {
            entry.metadata()?.len()
        };
    }
    Ok(total)
}
