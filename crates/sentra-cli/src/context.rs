//! What every command that touches the database shares: the `--database` family of flags,
//! where they lead once `sentra.toml` and the defaults fill the gaps, and opening the database.

use std::path::PathBuf;

use anyhow::{Context as _, anyhow};
use clap::Args;
use sentra_domain::region::{RegionCode, RegionTree};
use sentra_storage::Database;

use crate::config::{DEFAULT_DATABASE, FileConfig, pick};
use crate::keys;

/// The setting that remembers the deployment's home region.
pub(crate) const HOME_REGION_SETTING: &str = "home_region";

#[derive(Args, Clone)]
pub(crate) struct DbArgs {
    /// Database URL: sqlite://PATH (embedded, default sqlite://sentra-data/sentra.db) or
    /// postgres://USER:PASSWORD@HOST:PORT/DB.
    #[arg(long, env = "SENTRA_DATABASE")]
    pub(crate) database: Option<String>,
    /// File with the key that encrypts personal data (64 hex digits). Default: sentra.key beside
    /// the SQLite file (or sentra-data/sentra.key), created on first start.
    #[arg(long, env = "SENTRA_KEY_FILE")]
    pub(crate) key_file: Option<String>,
    /// Folder of this server's catalogue search index (derived data, rebuilt by `sentra
    /// reindex`). Default: `search` beside the SQLite file (or sentra-data/search).
    #[arg(long, env = "SENTRA_SEARCH_DIR")]
    pub(crate) search_dir: Option<String>,
    /// Where product photos are kept: a folder, or an object store URL such as
    /// s3://bucket/prefix (credentials and endpoint from AWS_ACCESS_KEY_ID,
    /// AWS_SECRET_ACCESS_KEY, AWS_REGION, AWS_ENDPOINT). Default: `media` beside the SQLite file
    /// (or sentra-data/media). Several servers must share one bucket.
    #[arg(long, env = "SENTRA_MEDIA")]
    pub(crate) media: Option<String>,
    /// SQLite only: `normal` (default) syncs at checkpoints, so a power cut may roll back the
    /// last transactions committed before it (the database is never corrupted); `full` syncs
    /// every commit, for a machine without a UPS or a disk that may lose power.
    #[arg(long, env = "SENTRA_DURABILITY", default_value = "normal", value_parser = parse_durability)]
    pub(crate) durability: sentra_storage::Durability,
}

fn parse_durability(s: &str) -> Result<sentra_storage::Durability, String> {
    sentra_storage::Durability::parse(s)
        .ok_or_else(|| format!("'{s}' is not a durability: use normal or full"))
}

/// Where to connect and which key to use.
pub(crate) struct Conn {
    pub(crate) url: String,
    pub(crate) key: keys::KeySource,
    pub(crate) search_dir: PathBuf,
    pub(crate) media: String,
    pub(crate) durability: sentra_storage::Durability,
}

/// What every command is run with besides its own arguments.
pub(crate) struct Context {
    /// `sentra.toml`, or empty when there is none.
    pub(crate) file: FileConfig,
}

impl Context {
    /// Flags and environment first, then the configuration file, then the defaults beside the
    /// database.
    pub(crate) fn conn(&self, db: &DbArgs) -> Conn {
        let url = pick(
            db.database.clone(),
            self.file.database.clone(),
            DEFAULT_DATABASE,
        );
        let key =
            keys::KeySource::resolve(db.key_file.clone().or(self.file.key_file.clone()), &url);
        // The search index and photos sit beside the default key, whatever key file is named.
        let beside = keys::KeySource::resolve(None, &url).path;
        let search_dir = db
            .search_dir
            .clone()
            .map_or_else(|| beside.with_file_name("search"), PathBuf::from);
        let media = db
            .media
            .clone()
            .unwrap_or_else(|| beside.with_file_name("media").display().to_string());
        Conn {
            url,
            key,
            search_dir,
            media,
            durability: db.durability,
        }
    }
}

/// Connects and migrates: every command that touches the database starts with this.
pub(crate) async fn open(conn: &Conn) -> anyhow::Result<Database> {
    let key = keys::load(&conn.key)?;
    let db =
        Database::connect_with_durability(&conn.url, key.keyring.clone(), conn.durability).await?;
    db.migrate().await?;
    db.check_personal_key().await.with_context(|| {
        format!(
            "key file {} does not fit this database",
            conn.key.path.display()
        )
    })?;
    keys::save_if_new(&conn.key, &key)?;
    Ok(db)
}

/// The region a command works in: `--region`, else the deployment's home region.
pub(crate) async fn region_or_home(
    db: &Database,
    region: Option<String>,
) -> anyhow::Result<RegionCode> {
    let region = match region {
        Some(r) => r,
        None => db.setting(HOME_REGION_SETTING).await?.ok_or_else(|| {
            anyhow!("no region: pass --region CODE (e.g. 36.74) / wilayah belum ditentukan")
        })?,
    };
    known_region(&region)
}

/// A Kemendagri region code that the embedded region data knows.
pub(crate) fn known_region(region: &str) -> anyhow::Result<RegionCode> {
    RegionCode::parse(region)
        .ok()
        .filter(|c| RegionTree::embedded().get(c).is_some())
        .ok_or_else(|| anyhow!("'{region}' is not a Kemendagri region code such as 36.74"))
}

/// Today in the machine's time zone: the day the operator running the command sees.
pub(crate) fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

/// Field errors of a form in one English line.
pub(crate) fn field_errors_text(e: &sentra_domain::FieldErrors) -> String {
    e.iter()
        .map(|f| format!("{}: {}", f.field, sentra_i18n::Lang::En.error(f.code)))
        .collect::<Vec<_>>()
        .join("; ")
}
