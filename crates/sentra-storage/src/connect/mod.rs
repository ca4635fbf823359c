//! Opening a database from its URL, and what each engine needs at connection time.

pub(crate) mod multihost;

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyConnection, AnyPool, Connection, Executor};

use crate::connect::multihost::{Forwarder, MultiHostUrl, ServerRole};
use crate::{Result, StorageError};
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

/// How SQLite makes a commit durable (`PRAGMA synchronous`); PostgreSQL has its own settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// `synchronous = NORMAL`: in WAL mode a commit is synced at checkpoints, not each time, so
    /// a power cut may roll back the last transactions committed before it; the database is
    /// never corrupted, and a crash of Sentra alone loses nothing.
    #[default]
    Normal,
    /// `synchronous = FULL`: each commit is synced to disk before it is answered, at the cost
    /// of a disk flush per write.
    Full,
}

impl Durability {
    pub fn parse(s: &str) -> Option<Durability> {
        match s.trim().to_ascii_lowercase().as_str() {
            "normal" => Some(Self::Normal),
            "full" => Some(Self::Full),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Normal => "normal",
            Self::Full => "full",
        }
    }
}

/// Creates `path` empty, readable and writable by its owner only (0600), unless it exists.
/// SQLite opens an empty file as a new database and gives its -wal and -shm files the
/// database's own mode, so personal data (encrypted or not: names, addresses) never lands in a
/// file other users of the machine can read. A file already there keeps its mode.
pub(crate) fn create_private_file(path: &std::path::Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// A parsed database URL: the engine it picks and, for SQLite, the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite { path: PathBuf, url: String },
    Postgres { url: String },
}

impl DatabaseUrl {
    pub fn parse(input: &str) -> Result<Self> {
        let input = input.trim();
        let Some((scheme, rest)) = input.split_once("://") else {
            return Err(StorageError::Connect(format!(
                "database URL {} has no scheme: use sqlite://PATH or postgres://USER@HOST/DB",
                redact_url(input)
            )));
        };
        match scheme.to_ascii_lowercase().as_str() {
            "sqlite" => {
                let path = rest.split('?').next().unwrap_or("");
                if path.is_empty() || path == ":memory:" {
                    return Err(StorageError::Connect(format!(
                        "database URL {input} names no file: use sqlite://PATH, e.g. sqlite://sentra-data/sentra.db"
                    )));
                }
                Ok(Self::Sqlite {
                    path: PathBuf::from(path),
                    url: input.to_string(),
                })
            }
            "postgres" | "postgresql" => Ok(Self::Postgres {
                url: input.to_string(),
            }),
            other => Err(StorageError::Connect(format!(
                "unsupported database URL scheme '{other}' in {}: use sqlite://PATH or postgres://USER@HOST/DB",
                redact_url(input)
            ))),
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Self::Sqlite { .. } => Backend::Sqlite,
            Self::Postgres { .. } => Backend::Postgres,
        }
    }

    pub fn redacted(&self) -> String {
        match self {
            Self::Sqlite { url, .. } | Self::Postgres { url } => redact_url(url),
        }
    }
}

/// The URL with any password replaced by `***`, for messages and logs.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    // userinfo ends at the last '@' before the first '/'.
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let Some(at) = authority.rfind('@') else {
        return redact_query_password(url);
    };
    let userinfo = &authority[..at];
    let user = match userinfo.split_once(':') {
        Some((user, _password)) => format!("{user}:***"),
        None => userinfo.to_string(),
    };
    redact_query_password(&format!("{scheme}://{user}{}", &rest[at..]))
}

fn redact_query_password(url: &str) -> String {
    let Some((base, query)) = url.split_once('?') else {
        return url.to_string();
    };
    let parts: Vec<String> = query
        .split('&')
        .map(|kv| match kv.split_once('=') {
            Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
            _ => kv.to_string(),
        })
        .collect();
    format!("{base}?{}", parts.join("&"))
}

/// A connection pool over one engine.
#[derive(Clone)]
pub struct Database {
    pub(crate) pool: AnyPool,
    pub(crate) keyring: crate::Keyring,
    /// The audit chain's MAC key, looked up on first use (audit.rs).
    pub(crate) audit_chain: crate::accounts::audit::ChainKey,
    backend: Backend,
    redacted_url: String,
    /// For a URL naming several PostgreSQL hosts: the forwarder the pool connects through.
    forwarder: Option<Arc<Forwarder>>,
    /// `umkm` is partitioned by province (PostgreSQL, `sentra partition`): queries scoped
    /// inside one province also say `province_code = …`, so that only its partition is read.
    pub(crate) by_province: Arc<std::sync::atomic::AtomicBool>,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("backend", &self.backend)
            .field("url", &self.redacted_url)
            .finish()
    }
}

impl Database {
    /// Opens the database. A SQLite file is created at exactly the given path (its folder too);
    /// a PostgreSQL server must exist and accept the credentials.
    pub async fn connect(url: &str, keyring: crate::Keyring) -> Result<Database> {
        Self::connect_with_durability(url, keyring, Durability::default()).await
    }

    /// [`Database::connect`] with SQLite commits made as durable as `durability` says.
    pub async fn connect_with_durability(
        url: &str,
        keyring: crate::Keyring,
        durability: Durability,
    ) -> Result<Database> {
        sqlx::any::install_default_drivers();
        let parsed = DatabaseUrl::parse(url)?;
        let redacted = parsed.redacted();
        let fail = |e: &dyn std::fmt::Display| {
            let reason = e.to_string();
            let reason = reason.lines().next().unwrap_or("").to_string();
            StorageError::Connect(format!("cannot open database {redacted}: {reason}"))
        };
        let (connect_url, max_connections) = match &parsed {
            DatabaseUrl::Sqlite { path, url } => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|e| fail(&e))?;
                }
                // Created here, owner-only, where sqlx would create it (mode=rwc, the default
                // below) with the process's umask, typically readable by everyone.
                if !url.contains("mode=") || url.contains("mode=rwc") {
                    create_private_file(path).map_err(|e| fail(&e))?;
                }
                // mode=rwc: create the file at this path if it is missing.
                let url = if url.contains("mode=") {
                    url.clone()
                } else if url.contains('?') {
                    format!("{url}&mode=rwc")
                } else {
                    format!("{url}?mode=rwc")
                };
                (url, 8)
            }
            DatabaseUrl::Postgres { url } => (url.clone(), 16),
        };
        let hosts = match &parsed {
            DatabaseUrl::Postgres { .. } => {
                MultiHostUrl::parse(&connect_url).map_err(|e| fail(&e))?
            }
            DatabaseUrl::Sqlite { .. } => None,
        };
        let forwarder = match hosts {
            Some(hosts) => Some(Arc::new(
                Forwarder::start(hosts).await.map_err(|e| fail(&e))?,
            )),
            None => None,
        };
        let connect_url = forwarder.as_ref().map_or(connect_url, |f| f.pool_url());
        let router = forwarder.as_ref().map(|f| f.router.clone());
        let options = AnyConnectOptions::from_str(&connect_url).map_err(|e| fail(&e))?;
        // One direct connection first: a pool would only report a time-out, this gives the
        // server's own reason (refused, bad password, no such database).
        let probe = tokio::time::timeout(
            Duration::from_secs(10),
            AnyConnection::connect_with(&options),
        )
        .await
        .map_err(|_| fail(&"no answer within 10 s"))?
        .map_err(|e| fail(&e))?;
        probe.close().await.map_err(|e| fail(&e))?;
        let backend = parsed.backend();
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _meta| {
                let router = router.clone();
                Box::pin(async move {
                    if let Some(router) = router {
                        // The forwarder chose by the role the host had then; a failover may
                        // have changed it since (target_session_attrs, as libpq checks it).
                        let role = ServerRole::of(conn).await?;
                        if !router.attrs().accepts(role) {
                            router.forget();
                            // An I/O error: to the pool and to callers, this host is not reachable
                            // in the wanted role.
                            return Err(sqlx::Error::Io(std::io::Error::other(format!(
                                "the PostgreSQL host is not what target_session_attrs={:?} wants \
                                 now ({role:?})",
                                router.attrs()
                            ))));
                        }
                    }
                    if backend == Backend::Sqlite {
                        // WAL lets readers run beside the writer; the busy timeout makes a second
                        // writer wait instead of failing; foreign keys are off by default in SQLite.
                        // synchronous: see `Durability`. No memory map: measured and not taken
                        // (decision 0046: faster lists, slower imports, a process four times its
                        // size to the tools that watch it).
                        let synchronous = match durability {
                            Durability::Normal => "NORMAL",
                            Durability::Full => "FULL",
                        };
                        conn.execute(
                            format!(
                                "PRAGMA journal_mode = WAL; PRAGMA synchronous = {synchronous}; \
                                 PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; \
                                 PRAGMA cache_size = -32768; PRAGMA temp_store = MEMORY;"
                            )
                            .as_str(),
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .after_release(move |conn, _meta| {
                Box::pin(async move {
                    if backend != Backend::Sqlite {
                        return Ok(true);
                    }
                    // sqlx's SQLite driver loses count of its transactions when a ROLLBACK fails
                    // (SQLite already rolled back by itself on a full disk): a later rollback then
                    // leaves a transaction open, and the commits after it only release savepoints
                    // inside it — answered as saved, never written (found by the full-disk test).
                    // A connection that comes back inside a transaction is closed, which rolls it
                    // back, instead of serving the next request.
                    if conn.execute("BEGIN").await.is_err() {
                        tracing::warn!(
                            "a database connection came back inside a transaction; closed"
                        );
                        return Ok(false);
                    }
                    conn.execute("ROLLBACK").await?;
                    Ok(true)
                })
            })
            .connect_with(options)
            .await
            .map_err(|e| fail(&e))?;
        Ok(Database {
            pool,
            audit_chain: crate::accounts::audit::ChainKey::new(keyring.clone()),
            keyring,
            backend,
            redacted_url: redacted,
            forwarder,
            by_province: Arc::default(),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// SQLite's `PRAGMA synchronous` on a connection of the pool (1 NORMAL, 2 FULL); `None` on
    /// PostgreSQL.
    pub async fn sqlite_synchronous(&self) -> Result<Option<i64>> {
        if self.backend != Backend::Sqlite {
            return Ok(None);
        }
        let row = sqlx::query("PRAGMA synchronous")
            .fetch_one(&self.pool)
            .await?;
        Ok(Some(sqlx::Row::try_get(&row, 0)?))
    }

    /// The personal-data keys, for a second connection to the same data (a replica).
    pub fn keyring(&self) -> crate::Keyring {
        self.keyring.clone()
    }

    /// How many bound parameters one multi-row statement should carry. SQLite looks named
    /// parameters (`$n`) up in a linear list, so binding costs grow with the square of their
    /// number per statement: keep its statements small (500 rows a statement made a
    /// million-row load 15 times slower than `sqlite3 .import`). PostgreSQL gains from fewer,
    /// larger statements (fewer round trips), up to its limit of 65,535.
    pub(crate) fn params_per_statement(&self) -> usize {
        match self.backend {
            Backend::Sqlite => 320,
            Backend::Postgres => 16_000,
        }
    }

    pub fn redacted_url(&self) -> &str {
        &self.redacted_url
    }

    /// Applies pending migrations and loads the region reference data when it is missing or
    /// from another decree. Safe to run any number of times.
    pub async fn migrate(&self) -> Result<()> {
        sqlx::migrate!("./migrations")
            .run(&self.pool)
            .await
            .map_err(|e| StorageError::Migrate(e.to_string()))?;
        self.load_regions(sentra_domain::region::RegionTree::embedded())
            .await?;
        // Which triggers `umkm` needs, and whether queries name the province.
        self.note_partitioning().await?;
        // After the regions: the reach rollup's calendar is per province.
        self.install_rollup_triggers().await?;
        self.install_province_keys().await?;
        self.install_sort_indexes().await?;
        self.seed_product_categories().await?;
        self.seed_activity_topics().await?;
        self.run_data_repairs().await?;
        self.keep_statistics().await?;
        Ok(())
    }

    /// For `/readyz`: the database answers a query.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// For a multi-host URL: how often new connections went to another host than before.
    pub(crate) fn host_changes(&self) -> Option<u64> {
        self.forwarder.as_ref().map(|f| f.router.host_changes())
    }

    /// PostgreSQL: whether the server a connection of the pool reaches now is a standby and
    /// refuses writes (the host a multi-host URL led to). SQLite: `None`.
    pub async fn server_role(&self) -> Result<Option<ServerRole>> {
        if self.backend == Backend::Sqlite {
            return Ok(None);
        }
        let mut conn = self.pool.acquire().await?;
        Ok(Some(ServerRole::of(&mut conn).await?))
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        let row: Option<(String,)> = sqlx::query_as("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.0))
    }

    pub async fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ($1, $2) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn sectors(&self) -> Result<Vec<crate::Sector>> {
        let rows: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT code, name_id, name_en FROM sectors WHERE active = 1 ORDER BY position, code",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(code, name_id, name_en)| crate::Sector {
                code,
                name_id,
                name_en,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_hidden() {
        assert_eq!(
            redact_url("postgres://sentra:s3cret@db.local:5432/sentra"),
            "postgres://sentra:***@db.local:5432/sentra"
        );
        assert_eq!(
            redact_url("postgres://db.local/sentra?user=a&password=x"),
            "postgres://db.local/sentra?user=a&password=***"
        );
        assert_eq!(redact_url("sqlite://a/b.db"), "sqlite://a/b.db");
    }

    #[test]
    fn unknown_scheme_is_an_error_naming_the_url() {
        let err = DatabaseUrl::parse("mysql://u:pw@h/db")
            .unwrap_err()
            .to_string();
        assert!(err.contains("mysql://u:***@h/db"), "{err}");
        assert!(!err.contains("pw"), "{err}");
    }
}
