//! `sentra`: the Sentra server and its command line.

mod ahp;
mod backup;
mod config;
mod dedup;
mod export;
mod import;
mod keys;
mod procurement;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, anyhow, bail};
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use sentra_domain::demo::DemoGenerator;
use sentra_domain::region::{RegionCode, RegionTree, Resolution};
use sentra_domain::scope::Scope;
use sentra_storage::{Actor, AuditVerdict, Database, DatabaseUrl, NewUmkm};

use config::{DEFAULT_DATABASE, DEFAULT_LISTEN, FileConfig, pick};

const HOME_REGION_SETTING: &str = "home_region";
const DEMO_REGION: &str = "36.74";
const DEMO_UMKM: u64 = 3000;

#[derive(Parser)]
#[command(
    name = "sentra",
    version,
    about = "Sentra: platform pengembangan UMKM daerah / regional UMKM development platform"
)]
struct Cli {
    /// Configuration file (TOML with keys listen, database, home_region).
    #[arg(long, global = true, env = "SENTRA_CONFIG", default_value = config::DEFAULT_CONFIG)]
    config: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct DbArgs {
    /// Database URL: sqlite://PATH (embedded, default sqlite://sentra-data/sentra.db) or
    /// postgres://USER:PASSWORD@HOST:PORT/DB.
    #[arg(long, env = "SENTRA_DATABASE")]
    database: Option<String>,
    /// File with the key that encrypts personal data (64 hex digits). Default: sentra.key beside
    /// the SQLite file (or sentra-data/sentra.key), created on first start.
    #[arg(long, env = "SENTRA_KEY_FILE")]
    key_file: Option<String>,
    /// Folder of this server's catalogue search index (derived data, rebuilt by `sentra
    /// reindex`). Default: `search` beside the SQLite file (or sentra-data/search).
    #[arg(long, env = "SENTRA_SEARCH_DIR")]
    search_dir: Option<String>,
    /// Where product photos are kept: a folder, or an object store URL such as
    /// s3://bucket/prefix (credentials and endpoint from AWS_ACCESS_KEY_ID,
    /// AWS_SECRET_ACCESS_KEY, AWS_REGION, AWS_ENDPOINT). Default: `media` beside the SQLite file
    /// (or sentra-data/media). Several servers must share one bucket.
    #[arg(long, env = "SENTRA_MEDIA")]
    media: Option<String>,
    /// SQLite only: `normal` (default) syncs at checkpoints, so a power cut may roll back the
    /// last transactions committed before it (the database is never corrupted); `full` syncs
    /// every commit, for a machine without a UPS or a disk that may lose power.
    #[arg(long, env = "SENTRA_DURABILITY", default_value = "normal", value_parser = parse_durability)]
    durability: sentra_storage::Durability,
}

fn parse_durability(s: &str) -> Result<sentra_storage::Durability, String> {
    sentra_storage::Durability::parse(s)
        .ok_or_else(|| format!("'{s}' is not a durability: use normal or full"))
}

/// Where to connect and which key to use.
struct Conn {
    url: String,
    key: keys::KeySource,
    search_dir: std::path::PathBuf,
    media: String,
    durability: sentra_storage::Durability,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (migrates the database first).
    Serve {
        /// Address and port to listen on [default: 127.0.0.1:8080].
        #[arg(long, env = "SENTRA_LISTEN")]
        listen: Option<String>,
        #[command(flatten)]
        db: DbArgs,
        /// The deployment's home region code (e.g. 36.74); the UI is scoped to it.
        /// Remembered in the database after the first start.
        #[arg(long, env = "SENTRA_HOME_REGION")]
        home_region: Option<String>,
        /// Demo mode: home region Kota Tangerang Selatan (36.74), seeded with demo UMKM on
        /// first start.
        #[arg(long, env = "SENTRA_DEMO")]
        demo: bool,
        /// Send the session cookie without `Secure`, for plain HTTP on a local network.
        /// Without it browsers only keep the cookie over HTTPS or on localhost.
        #[arg(long, env = "SENTRA_INSECURE_COOKIES")]
        insecure_cookies: bool,
        /// The deployment's public address, e.g. https://umkm.example.go.id: canonical URLs,
        /// sitemap and shared-link previews use it whatever host name a request came by.
        /// Default: the request's own host.
        #[arg(long, env = "SENTRA_PUBLIC_URL")]
        public_url: Option<String>,
        /// Catalogue searches whose results are kept until the catalogue changes (0: none).
        #[arg(long, env = "SENTRA_SEARCH_CACHE", default_value_t = sentra_web::DEFAULT_KEPT_SEARCHES)]
        search_cache: usize,
        /// Bearer token a Prometheus on another machine shows to read /metrics (the machine
        /// itself may always read it).
        #[arg(long, env = "SENTRA_METRICS_TOKEN", hide_env_values = true)]
        metrics_token: Option<String>,
        /// A read-only PostgreSQL replica (streaming replication) for the dashboards, reports,
        /// open data and the public catalogue; everything else uses --database.
        #[arg(long, env = "SENTRA_READ_DATABASE", hide_env_values = true)]
        read_database: Option<String>,
        /// A reverse proxy (address or range, e.g. 127.0.0.1 or 10.0.0.0/8) whose
        /// X-Forwarded-For / Forwarded headers name the real client: sign-in throttles then
        /// count per client, not per proxy. Repeat, or separate with commas.
        #[arg(
            long = "trusted-proxy",
            env = "SENTRA_TRUSTED_PROXIES",
            value_delimiter = ','
        )]
        trusted_proxies: Vec<String>,
        /// A host name the server answers to (e.g. umkm.example.go.id), for links when
        /// --public-url is not set; other Host headers are not trusted. Repeat, or separate
        /// with commas. The listening address is always allowed.
        #[arg(
            long = "allowed-host",
            env = "SENTRA_ALLOWED_HOSTS",
            value_delimiter = ','
        )]
        allowed_hosts: Vec<String>,
    },
    /// Back up the database while it serves (SQLite: an online snapshot; PostgreSQL: pg_dump of
    /// one exported snapshot), the local photo store, and a manifest of every table's rows and
    /// checksum. The personal-data key is not included: keep it apart from the backups.
    Backup {
        #[command(flatten)]
        db: DbArgs,
        /// A new (or empty) folder to write the backup into.
        #[arg(long)]
        to: PathBuf,
    },
    /// Put a backup back (stop the servers first). Checked against its manifest before the
    /// old database is replaced (SQLite) or in one transaction (PostgreSQL); the audit chain
    /// is verified after.
    Restore {
        #[command(flatten)]
        db: DbArgs,
        /// The backup folder (with manifest.json).
        #[arg(long)]
        from: PathBuf,
        /// Replace an existing database.
        #[arg(long)]
        force: bool,
    },
    /// Copy a whole deployment to another database (e.g. SQLite to PostgreSQL), table by table
    /// with a progress bar; a stopped copy resumes with the next table. Verified after by every
    /// table's rows and checksum and the audit chain. Stop the servers first.
    MigrateData {
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
    },
    /// Rebuild this server's catalogue search index from the database, with a progress bar.
    Reindex {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Apply database migrations and load the region reference data (idempotent).
    Migrate {
        #[command(flatten)]
        db: DbArgs,
    },
    /// PostgreSQL: partition the UMKM table by province (one partition per province, key
    /// (province_code, id)), in one transaction; writers wait while it runs. Idempotent.
    Partition {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Generate deterministic demo UMKM for a region, and optionally products for the catalogue.
    Demo {
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
    },
    /// Import UMKM from a spreadsheet (xlsx, xls, ods, csv): checks every row first, writes the
    /// rejected rows with their reasons to FILE-ditolak.xlsx, then imports the valid rows.
    Import {
        /// The spreadsheet.
        file: std::path::PathBuf,
        /// Check and report only; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Write nothing if any row is invalid.
        #[arg(long)]
        all_or_nothing: bool,
        /// Where to write the rejected rows [default: FILE-ditolak.xlsx beside FILE].
        #[arg(long)]
        rejected: Option<std::path::PathBuf>,
        /// Region the rows belong to; names are matched inside it [default: the home region].
        #[arg(long)]
        region: Option<String>,
        /// Language of the report: id or en.
        #[arg(long, default_value = "id")]
        lang: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Export the registry to .csv or .xlsx (headers the importer reads back). NIK and phone are
    /// masked unless --personal-data is given; every export is audited.
    Export {
        /// The file to write: .csv or .xlsx.
        #[arg(long)]
        out: std::path::PathBuf,
        /// Only this region (code, any level) [default: the home region].
        #[arg(long)]
        region: Option<String>,
        /// Only this sector code, e.g. kuliner.
        #[arg(long)]
        sector: Option<String>,
        /// Only this status: draft, verified or inactive.
        #[arg(long)]
        status: Option<String>,
        /// Write NIK and phone numbers whole.
        #[arg(long)]
        personal_data: bool,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Write a messy demo spreadsheet (.csv or .xlsx) to try the importer: rows as offices type
    /// them, a share broken on purpose, a share the same business again written differently.
    DemoFile {
        #[arg(long, default_value = DEMO_REGION)]
        region: String,
        #[arg(long, default_value_t = 1000)]
        rows: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Broken rows per thousand.
        #[arg(long, default_value_t = 20)]
        invalid_per_mille: u32,
        /// Repeated businesses per thousand.
        #[arg(long, default_value_t = 10)]
        duplicate_per_mille: u32,
        #[arg(long)]
        out: std::path::PathBuf,
        /// Also write which rows are broken and which repeat which (row,of_row,kind).
        #[arg(long)]
        truth: Option<std::path::PathBuf>,
    },
    /// Likely duplicates: without FILE, the batch check of the registry (pairs go to the review
    /// queue); with FILE, inside a spreadsheet, with precision and recall against --truth.
    Duplicates {
        file: Option<std::path::PathBuf>,
        #[arg(long)]
        region: Option<String>,
        #[arg(long)]
        truth: Option<std::path::PathBuf>,
        #[command(flatten)]
        db: DbArgs,
    },
    /// AHP priorities and consistency of one pairwise comparison matrix: FILE.json holds
    /// {"matrix": [[1, 3, 5], [0.333, 1, 3], [0.2, 0.333, 1]]} (and optionally "method":
    /// "geometric_mean"); prints {"weights", "lambda_max", "ci", "cr"} as JSON. `-` reads stdin.
    Ahp { file: PathBuf },
    /// Government procurement (Perpres 12/2021 Pasal 65): `sentra procurement import FILE`
    /// reads units' budgets or purchases from a spreadsheet.
    Procurement {
        #[command(subcommand)]
        action: ProcurementAction,
    },
    /// Look up regions: `sentra region 36.74` lists its kecamatan; a name finds the region.
    /// Accounts: add, list, disable, enable, reset-password.
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// The audit trail: `sentra audit verify` checks the keyed hash chain; `sentra audit head`
    /// prints a signed line to keep elsewhere, which `verify --head` checks later.
    Audit {
        #[command(subcommand)]
        action: AuditAction,
    },
    /// Manage the personal-data key: `sentra key rotate` re-encrypts every NIK under a new key.
    Key {
        #[command(subcommand)]
        action: KeyAction,
    },
    Region {
        /// A code (36.74) or a name ("serpong utr").
        query: Vec<String>,
        /// Only search inside this region code.
        #[arg(long)]
        within: Option<String>,
    },
}

#[derive(Subcommand)]
enum UserAction {
    /// Create an account. The password is read from standard input when piped, otherwise a
    /// strong one is generated and printed once.
    Add {
        /// Full name.
        #[arg(long)]
        name: String,
        /// Sign-in name: e-mail address or phone number.
        #[arg(long)]
        login: String,
        /// admin, operator, curator, procurement, partner, owner or viewer.
        #[arg(long)]
        role: String,
        /// Region code the account may see and change, e.g. 36.74 or 36.74.03.
        #[arg(long)]
        scope: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// List accounts.
    List {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Disable an account and end its sessions and tokens.
    Disable {
        login: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Re-enable a disabled account.
    Enable {
        login: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Change an account's role (ends its sessions).
    SetRole {
        login: String,
        role: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Issue an API token for an account (shown once; stored hashed).
    Token {
        login: String,
        /// What the token is for, e.g. "dashboard sync".
        #[arg(long, default_value = "api")]
        label: String,
        /// Days until it expires.
        #[arg(long, default_value_t = 90)]
        days: i64,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Set a new password (from standard input, or generated and printed) and end all sessions.
    ResetPassword {
        login: String,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Subcommand)]
enum ProcurementAction {
    /// Import budgets (Kode OPD, Nama OPD, Tahun, Pagu) or purchases (Kode OPD, No. Paket,
    /// Nilai Paket, Tanggal Pesanan, Metode, Jenis Pemasok, NIB Pemasok, Nama Pemasok, …) from
    /// .xlsx, .xls, .ods or .csv; the kind is told by the headers. Importing the same file again
    /// changes nothing; a later file with the same packages updates them (delivered, paid).
    Import {
        file: std::path::PathBuf,
        /// Check and report only; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Write nothing if any row is invalid.
        #[arg(long)]
        all_or_nothing: bool,
        /// The region whose units these are [default: the home region].
        #[arg(long)]
        region: Option<String>,
        /// Language of the report: id or en.
        #[arg(long, default_value = "id")]
        lang: String,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Subcommand)]
enum AuditAction {
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

#[derive(Subcommand)]
enum KeyAction {
    /// Re-encrypt all personal data under a newly generated key and swap the key file.
    Rotate {
        #[command(flatten)]
        db: DbArgs,
    },
}

fn main() -> ExitCode {
    let logs = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SENTRA_LOG").unwrap_or_else(|_| {
                tracing_subscriber::EnvFilter::new("info,sqlx=error,tower_http=info")
            }),
        )
        .with_writer(std::io::stderr);
    // SENTRA_LOG_FORMAT=json: one JSON object a line (with the request's id in its span) for
    // log collectors; otherwise lines for people.
    if std::env::var("SENTRA_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json")) {
        logs.json()
            .with_current_span(true)
            .with_span_list(false)
            .init();
    } else {
        logs.init();
    }
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line: the cause chain joined, no backtrace.
            let chain: Vec<String> = e.chain().map(|c| c.to_string()).collect();
            eprintln!("error: {}", chain.join(": "));
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let explicit_config = std::env::var_os("SENTRA_CONFIG").is_some()
        || std::env::args().any(|a| a == "--config" || a.starts_with("--config="));
    let file = FileConfig::load(explicit_config.then_some(cli.config.as_path()))?;
    let conn = |db: &DbArgs| {
        let url = pick(db.database.clone(), file.database.clone(), DEFAULT_DATABASE);
        let key = keys::KeySource::resolve(db.key_file.clone().or(file.key_file.clone()), &url);
        let search_dir = db.search_dir.clone().map_or_else(
            || {
                keys::KeySource::resolve(None, &url)
                    .path
                    .with_file_name("search")
            },
            std::path::PathBuf::from,
        );
        let media = db.media.clone().unwrap_or_else(|| {
            keys::KeySource::resolve(None, &url)
                .path
                .with_file_name("media")
                .display()
                .to_string()
        });
        Conn {
            url,
            key,
            search_dir,
            media,
            durability: db.durability,
        }
    };
    match cli.command {
        Command::Serve {
            listen,
            db,
            home_region,
            demo,
            insecure_cookies,
            public_url,
            search_cache,
            metrics_token,
            read_database,
            trusted_proxies,
            allowed_hosts,
        } => {
            let listen = pick(listen, file.listen.clone(), DEFAULT_LISTEN);
            let home = home_region.or(file.home_region.clone());
            let public_url = match public_url.or(file.public_url.clone()) {
                None => None,
                Some(url) => Some(sentra_web::parse_public_url(&url).ok_or_else(|| {
                    anyhow!("--public-url {url} is not an http(s) address, e.g. https://umkm.example.go.id")
                })?),
            };
            let options = ServeOptions {
                secure_cookies: !insecure_cookies,
                public_url,
                search_cache,
                metrics_token,
                read_database,
                trusted_proxies: trusted_proxies
                    .iter()
                    .filter(|p| !p.trim().is_empty())
                    .map(|p| {
                        sentra_web::ProxyRange::parse(p).ok_or_else(|| {
                            anyhow!("--trusted-proxy {p} is not an address or range, e.g. 127.0.0.1 or 10.0.0.0/8")
                        })
                    })
                    .collect::<anyhow::Result<_>>()?,
                allowed_hosts: allowed_hosts
                    .into_iter()
                    .map(|h| h.trim().to_string())
                    .filter(|h| !h.is_empty())
                    .collect(),
            };
            serve(&listen, &conn(&db), home, demo, options).await
        }
        Command::Reindex { db } => {
            let conn = conn(&db);
            let db = open(&conn).await?;
            let index = sentra_search::SearchIndex::open(Some(&conn.search_dir))?;
            let bar = indicatif::ProgressBar::new(0);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} ({per_sec}, {eta})",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            let started = std::time::Instant::now();
            let n = sentra_web::catalog_index::rebuild(&db, &index, |done, total| {
                bar.set_length(total);
                bar.set_position(done);
            })
            .await?;
            bar.finish_and_clear();
            println!(
                "search index {}: {n} products read, {} published, in {:.1} s",
                conn.search_dir.display(),
                index.len(),
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Partition { db } => {
            let db = open(&conn(&db)).await?;
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
        Command::Migrate { db } => {
            let db = open(&conn(&db)).await?;
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
        Command::DemoFile {
            region,
            rows,
            seed,
            invalid_per_mille,
            duplicate_per_mille,
            out,
            truth,
        } => {
            let region = RegionCode::parse(&region)
                .ok()
                .filter(|c| RegionTree::embedded().get(c).is_some())
                .ok_or_else(|| {
                    anyhow!("'{region}' is not a Kemendagri region code such as 36.74")
                })?;
            dedup::demo_file(
                &region,
                rows,
                seed,
                invalid_per_mille,
                duplicate_per_mille,
                &out,
                truth.as_deref(),
            )?;
            println!("{rows} rows → {}", out.display());
            Ok(())
        }
        Command::Duplicates {
            file,
            region,
            truth,
            db,
        } => {
            let db = open(&conn(&db)).await?;
            let region = region_or_home(&db, region).await?;
            match file {
                Some(file) => dedup::scan_file(&db, &region, &file, truth.as_deref()).await,
                None => dedup::scan_registry(&db, &region).await,
            }
        }
        Command::Export {
            out,
            region,
            sector,
            status,
            personal_data,
            db,
        } => {
            let db = open(&conn(&db)).await?;
            let region = region_or_home(&db, region).await?;
            let status = match status {
                Some(s) => Some(
                    sentra_domain::umkm::UmkmStatus::parse(&s)
                        .ok_or_else(|| anyhow!("--status must be draft, verified or inactive"))?,
                ),
                None => None,
            };
            let filter = sentra_storage::UmkmFilter {
                sector,
                status,
                ..Default::default()
            };
            let n = export::run(&db, Scope::region(region), filter, personal_data, &out).await?;
            println!("{n} UMKM → {}", out.display());
            Ok(())
        }
        Command::Import {
            file,
            dry_run,
            all_or_nothing,
            rejected,
            region,
            lang,
            db,
        } => {
            let db = open(&conn(&db)).await?;
            let region = region_or_home(&db, region).await?;
            let lang = if lang == "en" {
                sentra_i18n::Lang::En
            } else {
                sentra_i18n::Lang::Id
            };
            import::run(
                &db,
                import::ImportArgs {
                    file: &file,
                    region: &region,
                    dry_run,
                    all_or_nothing,
                    rejected,
                    lang,
                },
            )
            .await
        }
        Command::Ahp { file } => {
            println!("{}", ahp::run(&file)?);
            Ok(())
        }
        Command::Procurement {
            action:
                ProcurementAction::Import {
                    file,
                    dry_run,
                    all_or_nothing,
                    region,
                    lang,
                    db,
                },
        } => {
            let db = open(&conn(&db)).await?;
            let region = region_or_home(&db, region).await?;
            let lang = sentra_i18n::Lang::parse(&lang).unwrap_or_default();
            procurement::import(&db, &file, &region, dry_run, all_or_nothing, lang).await
        }
        Command::Demo {
            region,
            umkm,
            products,
            activities,
            seed,
            db,
        } => {
            let db = open(&conn(&db)).await?;
            let region = RegionCode::parse(&region)
                .map_err(|_| anyhow!("'{region}' is not a region code such as 36.74"))?;
            if db.setting(HOME_REGION_SETTING).await?.is_none() {
                db.set_setting(HOME_REGION_SETTING, region.as_str()).await?;
            }
            generate_demo(&db, &region, umkm, seed, true).await?;
            if products > 0 {
                demo_products(&db, &region, products).await?;
            }
            // A city's or regency's programme across its kecamatan and kelurahan, naik-kelas
            // reports and its government units' purchases.
            if activities && region.level() == sentra_domain::region::RegionLevel::Regency {
                demo_activities(&db, &region).await?;
                demo_growth(&db, &region).await?;
                demo_procurement(&db, &region).await?;
                demo_flagship(&db, &region).await?;
                demo_partnerships(&db, &region).await?;
            }
            Ok(())
        }
        Command::User { action } => user_command(action, &conn).await,
        Command::MigrateData {
            from,
            to,
            key_file,
            media_from,
            media_to,
        } => {
            let source = conn(&DbArgs {
                database: Some(from),
                key_file,
                search_dir: None,
                media: media_from,
                durability: sentra_storage::Durability::default(),
            });
            migrate_data(&source, &to).await?;
            match media_to {
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
        Command::Backup { db, to } => {
            let conn = conn(&db);
            // Not `open`: migrating re-creates the rollup triggers, which takes table locks on
            // a database that is serving; a backup only reads (and needs no key: it copies the
            // encrypted values as they are).
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
            let done = backup::backup(&database, &conn.url, &conn.media, &to).await?;
            println!(
                "cadangan / backup {}: {} tables, {} rows, {} photo files, {:.1} MB in {:.1} s",
                to.display(),
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
        Command::Restore { db, from, force } => {
            let conn = conn(&db);
            let started = std::time::Instant::now();
            let done = backup::restore(&from, &conn.url, &conn.media, force).await?;
            let database = open(&conn).await?;
            let verdict = database.verify_audit().await?;
            println!(
                "dipulihkan / restored {}: {} tables, {} rows checked against the manifest, {} photo files, in {:.1} s",
                from.display(),
                done.tables,
                done.rows,
                done.media_files,
                started.elapsed().as_secs_f64()
            );
            report_audit(verdict)
        }
        Command::Audit {
            action: AuditAction::Verify { head, db },
        } => {
            let db = open(&conn(&db)).await?;
            match head {
                None => {
                    report_audit(db.verify_audit().await?)?;
                    report_unkeyed(&db).await
                }
                Some(head) => verify_head(&db, &head).await,
            }
        }
        Command::Audit {
            action: AuditAction::Head { db },
        } => {
            let db = open(&conn(&db)).await?;
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
        Command::Key {
            action: KeyAction::Rotate { db },
        } => {
            let conn = conn(&db);
            let db = open(&conn).await?;
            keys::rotate(&db, &conn.key).await
        }
        Command::Region { query, within } => region_command(&query.join(" "), within.as_deref()),
    }
}

/// The region a command works in: `--region`, else the deployment's home region.
async fn region_or_home(db: &Database, region: Option<String>) -> anyhow::Result<RegionCode> {
    let region = match region {
        Some(r) => r,
        None => db.setting(HOME_REGION_SETTING).await?.ok_or_else(|| {
            anyhow!("no region: pass --region CODE (e.g. 36.74) / wilayah belum ditentukan")
        })?,
    };
    RegionCode::parse(&region)
        .ok()
        .filter(|c| RegionTree::embedded().get(c).is_some())
        .ok_or_else(|| anyhow!("'{region}' is not a Kemendagri region code such as 36.74"))
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
fn report_audit(verdict: AuditVerdict) -> anyhow::Result<()> {
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

/// Connects and migrates: every command that touches the database starts with this.
async fn open(conn: &Conn) -> anyhow::Result<Database> {
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

/// How the web server behaves toward its users (from `serve`'s flags).
struct ServeOptions {
    secure_cookies: bool,
    public_url: Option<String>,
    search_cache: usize,
    metrics_token: Option<String>,
    read_database: Option<String>,
    trusted_proxies: Vec<sentra_web::ProxyRange>,
    allowed_hosts: Vec<String>,
}

async fn serve(
    listen: &str,
    conn: &Conn,
    home: Option<String>,
    demo: bool,
    options: ServeOptions,
) -> anyhow::Result<()> {
    let addr: std::net::SocketAddr = listen
        .parse()
        .map_err(|_| anyhow!("--listen {listen} is not ADDRESS:PORT, e.g. 127.0.0.1:8080"))?;
    let db = open(conn).await?;
    let tree = RegionTree::embedded();
    let home = match (home, demo) {
        (Some(h), _) => Some(h),
        (None, true) => Some(DEMO_REGION.to_string()),
        (None, false) => db.setting(HOME_REGION_SETTING).await?,
    };
    let Some(home) = home else {
        bail!(
            "no home region: start with --home-region CODE (e.g. 36.74), set home_region in sentra.toml, or try --demo"
        );
    };
    let home = RegionCode::parse(&home)
        .ok()
        .filter(|c| tree.get(c).is_some())
        .ok_or_else(|| anyhow!("home region '{home}' is not a Kemendagri 2025 region code"))?;
    db.set_setting(HOME_REGION_SETTING, home.as_str()).await?;
    if demo {
        let existing = db.count_umkm(&Scope::region(home.clone())).await?;
        if existing == 0 {
            eprintln!(
                "demo: generating {DEMO_UMKM} UMKM in {} …",
                tree.get(&home).map_or(home.as_str(), |r| r.name.as_str())
            );
            generate_demo(&db, &home, DEMO_UMKM, 1, false).await?;
        }
    }
    if demo {
        demo_accounts(&db, &home).await?;
        demo_products(&db, &home, DEMO_PRODUCTS).await?;
        demo_activities(&db, &home).await?;
        demo_growth(&db, &home).await?;
        demo_procurement(&db, &home).await?;
        demo_flagship(&db, &home).await?;
        demo_partnerships(&db, &home).await?;
    }
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let bound = listener.local_addr().context("listener address")?;
    let region_name = tree.get(&home).map_or(String::new(), |r| r.name.clone());
    println!(
        "Sentra siap / ready: http://{bound}/umkm  ({region_name}, {}, database {})",
        home,
        db.redacted_url()
    );
    let _ = std::io::stdout().flush();
    // The catalogue's index on disk; the follower brings it up to date from where it stopped.
    let index = sentra_search::SearchIndex::open(Some(&conn.search_dir))
        .with_context(|| format!("search index in {}", conn.search_dir.display()))?
        .keep_results(options.search_cache);
    let media = open_media(&conn.media)?;
    // The replica is only read: no migrations there (they arrive by replication).
    let replica = match &options.read_database {
        Some(url) => Some(
            Database::connect(url, db.keyring())
                .await
                .context("--read-database")?,
        ),
        None => None,
    };
    // Links are built from the public URL, else from a host on this list: the listening
    // address first, then the names given.
    let mut allowed_hosts = vec![bound.to_string()];
    if bound.ip().is_loopback() {
        allowed_hosts.push(format!("localhost:{}", bound.port()));
    }
    allowed_hosts.extend(options.allowed_hosts.iter().cloned());
    if options.public_url.is_none() && options.allowed_hosts.is_empty() {
        eprintln!(
            "catatan / note: --public-url is not set: links in pages, the sitemap and previews use {} \
             (requests for other host names are not trusted); set --public-url https://… or --allowed-host",
            allowed_hosts[0]
        );
    }
    let state = sentra_web::AppState::new(db.clone(), home)
        .with_trusted_proxies(options.trusted_proxies)
        .with_allowed_hosts(allowed_hosts)
        .with_read_database(replica)
        .with_secure_cookies(options.secure_cookies)
        .with_public_url(options.public_url)
        .with_metrics_token(options.metrics_token)
        .with_search_index(index)
        .with_media(media);
    sentra_web::serve(listener, state, shutdown_signal())
        .await
        .context("server")?;
    db.close().await;
    Ok(())
}

/// The photo store: an object store URL (`s3://…`, `file://…`) or a local folder.
fn open_media(spec: &str) -> anyhow::Result<sentra_media::MediaStore> {
    let store = if spec.contains("://") {
        sentra_media::MediaStore::from_url(spec)
    } else {
        sentra_media::MediaStore::local(std::path::Path::new(spec))
    };
    store.with_context(|| format!("photo store {spec}"))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

/// Generates `count` demo UMKM in batches, each batch one transaction.
async fn generate_demo(
    db: &Database,
    region: &RegionCode,
    count: u64,
    seed: u64,
    report: bool,
) -> anyhow::Result<()> {
    const BATCH: u64 = 5000;
    let tree = RegionTree::embedded();
    let today = chrono_today();
    let mut generator = DemoGenerator::new(tree, region, seed, today)
        .map_err(|e| anyhow!("cannot generate demo data for {region}: {}", e.0))?;
    let scope = Scope::region(region.clone());
    let bar = ProgressBar::new(count);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} UMKM ({per_sec}, {eta} left)",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let started = Instant::now();
    let mut done = 0;
    while done < count {
        let n = BATCH.min(count - done);
        let batch: Vec<_> = (0..n).map(|_| generator.next_umkm()).collect();
        let rows: Vec<NewUmkm<'_>> = batch
            .iter()
            .map(|d| NewUmkm {
                data: &d.data,
                status: d.status,
                verified_by: Some("demo"),
                owner: None,
            })
            .collect();
        db.insert_umkm_batch(&scope, &rows, &Actor::system("demo"))
            .await?;
        done += n;
        bar.set_position(done);
    }
    bar.finish_and_clear();
    if report {
        let secs = started.elapsed().as_secs_f64();
        println!(
            "generated {count} UMKM in {region} (seed {seed}) in {secs:.1} s ({:.0}/s) into {}",
            count as f64 / secs.max(1e-9),
            db.redacted_url()
        );
    }
    Ok(())
}

fn chrono_today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

fn region_command(query: &str, within: Option<&str>) -> anyhow::Result<()> {
    let tree = RegionTree::embedded();
    let within = within
        .map(|w| RegionCode::parse(w).map_err(|_| anyhow!("--within '{w}' is not a region code")))
        .transpose()?;
    if query.trim().is_empty() {
        for p in tree.provinces() {
            println!("{}\t{}\t{}", p.code, p.kind.as_str(), p.name);
        }
        return Ok(());
    }
    match tree.resolve(query, within.as_ref(), None) {
        Resolution::Found(r) => {
            let lineage: Vec<String> = tree
                .lineage(&r.code)
                .iter()
                .map(|x| x.name.clone())
                .collect();
            println!("{}\t{}\t{}", r.code, r.kind.as_str(), lineage.join(" › "));
            for c in tree.children(&r.code) {
                println!("  {}\t{}\t{}", c.code, c.kind.as_str(), c.name);
            }
            Ok(())
        }
        Resolution::Ambiguous(alts) => {
            println!("'{query}' could mean / bisa berarti:");
            for m in alts {
                let lineage: Vec<String> = tree
                    .lineage(&m.region.code)
                    .iter()
                    .map(|x| x.name.clone())
                    .collect();
                println!(
                    "  {}\t{}\t{}",
                    m.region.code,
                    m.region.kind.as_str(),
                    lineage.join(" › ")
                );
            }
            Ok(())
        }
        Resolution::NotFound => bail!("no region matches '{query}' / wilayah tidak ditemukan"),
    }
}

/// A password from standard input when it is piped, otherwise a generated one (printed once).
fn password_from_stdin_or_generated() -> anyhow::Result<(String, bool)> {
    use std::io::IsTerminal;
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        let mut line = String::new();
        stdin.read_line(&mut line)?;
        let pw = line.trim_end_matches(['\n', '\r']).to_string();
        if !pw.is_empty() {
            return Ok((pw, false));
        }
    }
    Ok((sentra_storage::new_secret()[..20].to_string(), true))
}

async fn user_command(action: UserAction, conn: &impl Fn(&DbArgs) -> Conn) -> anyhow::Result<()> {
    // The command line acts with the authority of whoever runs the server: no region limit.
    let cli = Actor::system("cli");
    match action {
        UserAction::Add {
            name,
            login,
            role,
            scope,
            db,
        } => {
            let db = open(&conn(&db)).await?;
            let (password, generated) = password_from_stdin_or_generated()?;
            let account = sentra_domain::account::validate_account(
                &name,
                &login,
                &role,
                &scope,
                &password,
                RegionTree::embedded(),
                None,
            )
            .map_err(|e| anyhow!("{}", field_errors_text(&e)))?;
            let user = db
                .create_user(&account, &password, &cli)
                .await
                .map_err(|e| match e {
                    sentra_storage::StorageError::Invalid(f) => {
                        anyhow!("{}", field_errors_text(&f))
                    }
                    other => other.into(),
                })?;
            println!(
                "created {} ({}, {}, scope {})",
                user.login,
                user.name,
                user.role.as_str(),
                user.scope
            );
            if generated {
                println!("password: {password}");
            }
            Ok(())
        }
        UserAction::List { db } => {
            let db = open(&conn(&db)).await?;
            for u in db.list_users(None).await? {
                println!(
                    "{}\t{}\t{}\t{}{}",
                    u.login,
                    u.role.as_str(),
                    u.scope,
                    u.name,
                    if u.disabled { "\t(disabled)" } else { "" }
                );
            }
            Ok(())
        }
        UserAction::Disable { login, db } => {
            let db = open(&conn(&db)).await?;
            let login = sentra_domain::account::parse_login(&login)
                .map_err(|_| anyhow!("'{login}' is not an e-mail address or phone number"))?;
            let user = db.set_user_disabled(None, &login, true, &cli).await?;
            println!("disabled {} and ended its sessions", user.login);
            Ok(())
        }
        UserAction::Enable { login, db } => {
            let db = open(&conn(&db)).await?;
            let login = sentra_domain::account::parse_login(&login)
                .map_err(|_| anyhow!("'{login}' is not an e-mail address or phone number"))?;
            let user = db.set_user_disabled(None, &login, false, &cli).await?;
            println!("enabled {}", user.login);
            Ok(())
        }
        UserAction::SetRole { login, role, db } => {
            let db = open(&conn(&db)).await?;
            let login = sentra_domain::account::parse_login(&login)
                .map_err(|_| anyhow!("'{login}' is not an e-mail address or phone number"))?;
            let role = sentra_domain::account::Role::parse(&role)
                .map_err(|e| anyhow!("role: {}", sentra_i18n::Lang::En.error(e.0)))?;
            let user = db.set_role(None, &login, role, &cli).await?;
            println!(
                "{} is now {}; its sessions ended",
                user.login,
                user.role.as_str()
            );
            Ok(())
        }
        UserAction::Token {
            login,
            label,
            days,
            db,
        } => {
            let db = open(&conn(&db)).await?;
            let login = sentra_domain::account::parse_login(&login)
                .map_err(|_| anyhow!("'{login}' is not an e-mail address or phone number"))?;
            if !(1..=3650).contains(&days) {
                bail!("--days must be between 1 and 3650");
            }
            let user = db
                .user_by_login(&login)
                .await?
                .filter(|u| !u.disabled)
                .ok_or_else(|| anyhow!("no active account {login}"))?;
            let token = db
                .create_api_token(&user, &label, chrono::Duration::days(days), &cli)
                .await?;
            println!(
                "token for {} (expires in {days} days; shown only now):\n{token}",
                user.login
            );
            Ok(())
        }
        UserAction::ResetPassword { login, db } => {
            let db = open(&conn(&db)).await?;
            let login = sentra_domain::account::parse_login(&login)
                .map_err(|_| anyhow!("'{login}' is not an e-mail address or phone number"))?;
            let (password, generated) = password_from_stdin_or_generated()?;
            sentra_domain::account::check_password(&password)
                .map_err(|e| anyhow!("password: {}", sentra_i18n::Lang::En.error(e.0)))?;
            let user = db.reset_password(None, &login, &password, &cli).await?;
            println!(
                "new password set for {}; all its sessions ended",
                user.login
            );
            if generated {
                println!("password: {password}");
            }
            Ok(())
        }
    }
}

fn field_errors_text(e: &sentra_domain::FieldErrors) -> String {
    e.iter()
        .map(|f| format!("{}: {}", f.field, sentra_i18n::Lang::En.error(f.code)))
        .collect::<Vec<_>>()
        .join("; ")
}

/// One account per role for the demo region, with fresh passwords printed at every start.
/// Products in the demo deployment's catalogue.
const DEMO_PRODUCTS: u64 = 400;

/// About `count` products for the demo catalogue, one to three for each business (in id
/// order), once.
async fn demo_products(db: &Database, home: &RegionCode, count: u64) -> anyhow::Result<()> {
    use sentra_domain::demo_products::ProductGenerator;
    use sentra_domain::product::validate_product;
    if db.count_products().await? > 0 {
        return Ok(());
    }
    let scope = Scope::region(home.clone());
    let categories = db.product_categories().await?;
    let mut generator = ProductGenerator::new(1);
    let actor = Actor::system("demo");
    let mut made = 0;
    let mut after = String::new();
    while made < count {
        let Some((last, ids)) = db.umkm_ids_after(&scope, &after, 100).await? else {
            break;
        };
        after = last;
        // One transaction per page of businesses: a million products in minutes, not hours.
        let mut batch = Vec::new();
        for (i, id) in ids.iter().enumerate() {
            for _ in 0..=(i % 3) {
                if made + batch.len() as u64 >= count {
                    break;
                }
                let input = generator.next_product();
                // The generator makes valid products; one that is not is skipped, not stored.
                if let Ok(data) = validate_product(&input, &categories) {
                    batch.push((id.clone(), data));
                }
            }
        }
        db.create_products(&scope, &batch, &actor).await?;
        made += batch.len() as u64;
    }
    eprintln!("demo: {made} products in the catalogue");
    Ok(())
}

/// The demo region's programme (see `sentra_domain::programme::demo`), once: the past
/// activities with their participants (most attended, a few absent), the coming ones planned.
async fn demo_activities(db: &Database, home: &RegionCode) -> anyhow::Result<()> {
    use sentra_domain::programme::activity::{
        ActivityContext, sessions, validate_activity, validate_repeat,
    };
    use sentra_domain::programme::participants::ParticipantState;
    if !db
        .activities_between(home, i64::MIN, i64::MAX)
        .await?
        .is_empty()
    {
        return Ok(());
    }
    let scope = Scope::region(home.clone());
    let actor = Actor::system("demo");
    let topics: Vec<String> = db.active_topic_codes().await?;
    let sectors: Vec<String> = db.sectors().await?.into_iter().map(|s| s.code).collect();
    let food = if sectors.iter().any(|s| s == "kuliner") {
        "kuliner"
    } else {
        ""
    };
    let ctx = ActivityContext {
        tree: RegionTree::embedded(),
        topics: &topics,
        sectors: &sectors,
    };
    let today = chrono::Utc::now().date_naive();
    let now = chrono::Utc::now().timestamp();
    let mut planned = 0;
    for input in sentra_domain::programme::demo::demo_programme(ctx.tree, home, today, food) {
        // The demo's own inputs are valid; one that is not (another home region) is skipped.
        let Ok(first) = validate_activity(&input, &ctx) else {
            continue;
        };
        let Ok((repeat, n)) = validate_repeat(&input, &first) else {
            continue;
        };
        let mut all = sessions(&first, repeat, n);
        // A series' past sessions were held, its coming ones planned.
        for s in all.iter_mut().filter(|_| n > 1) {
            if s.start > now {
                s.status = sentra_domain::programme::activity::ActivityStatus::Planned;
            } else {
                s.status = sentra_domain::programme::activity::ActivityStatus::Done;
            }
        }
        // Conflicts are left for the coordinators to see on the board.
        for saved in db.create_activities(&scope, &all, None, &actor).await? {
            planned += 1;
            if saved.data.start > now {
                continue;
            }
            let invited: Vec<String> = db
                .invitees(&scope, &saved, 20)
                .await?
                .into_iter()
                .map(|c| c.umkm_id)
                .collect();
            db.register_participants(&scope, &saved.id, &invited, &actor)
                .await?;
            for (i, id) in invited.iter().enumerate() {
                let state = if i % 7 == 6 {
                    ParticipantState::Absent
                } else {
                    ParticipantState::Attended
                };
                db.set_participant_state(&scope, &saved.id, id, state, None, &actor)
                    .await?;
            }
        }
    }
    eprintln!("demo: {planned} programme activities");
    Ok(())
}

/// Naik-kelas reports for the last two years of one business in five (the first 1,000 by
/// name), once, so that the dashboard's naik-kelas figures and the businesses' pages show
/// something.
async fn demo_growth(db: &Database, home: &RegionCode) -> anyhow::Result<()> {
    use sentra_storage::{PageRequest, SortDirection, UmkmFilter, UmkmSort};
    let scope = Scope::region(home.clone());
    let filter = UmkmFilter {
        growth: Some(sentra_storage::GrowthFilter::Reported(
            chrono::Datelike::year(&chrono::Utc::now()) - 1,
        )),
        ..UmkmFilter::default()
    };
    let page = PageRequest::new(1, 1);
    if db
        .list_umkm(&scope, &filter, UmkmSort::Name, SortDirection::Asc, page)
        .await?
        .total
        > 0
    {
        return Ok(());
    }
    let actor = Actor::system("demo");
    let last_year = chrono::Datelike::year(&chrono::Utc::now()) - 1;
    let mut reported = 0;
    for n in 1..=5 {
        let page = db
            .list_umkm(
                &scope,
                &UmkmFilter::default(),
                UmkmSort::Name,
                SortDirection::Asc,
                PageRequest::new(n, PageRequest::MAX_PER_PAGE),
            )
            .await?;
        for (i, b) in page.items.iter().enumerate() {
            let seq = (n as usize - 1) * PageRequest::MAX_PER_PAGE as usize + i;
            if !seq.is_multiple_of(5) {
                continue;
            }
            for r in
                sentra_domain::growth::demo_reports(seq / 5, b.modal, b.annual_sales, last_year)
            {
                db.save_growth_report(&scope, &b.id, &r, &actor).await?;
            }
            reported += 1;
        }
    }
    eprintln!("demo: naik-kelas reports for {reported} UMKM");
    Ok(())
}

/// The demo region's government units with this year's budgets and purchases (issue 9), once:
/// small packages from registered micro and small businesses, the rest from other suppliers.
async fn demo_procurement(db: &Database, home: &RegionCode) -> anyhow::Result<()> {
    use sentra_domain::procurement::{DEMO_UNITS, DemoSupplier, SupplierType, demo_purchases};
    use sentra_storage::{PageRequest, SortDirection, Supplier, UmkmFilter, UmkmSort};
    let scope = Scope::region(home.clone());
    let today = chrono::Utc::now().date_naive();
    let year = chrono::Datelike::year(&today);
    if !db.unit_shares(&scope, home, year, today).await?.is_empty() {
        return Ok(());
    }
    let small = db
        .list_umkm(
            &scope,
            &UmkmFilter {
                size: Some(sentra_domain::size::SizeClass::Mikro),
                ..UmkmFilter::default()
            },
            UmkmSort::Name,
            SortDirection::Asc,
            PageRequest::new(1, PageRequest::MAX_PER_PAGE),
        )
        .await?
        .items;
    if small.is_empty() {
        return Ok(());
    }
    let actor = Actor::system("demo");
    // Businesses with catalogue products (micro or small ones) sell some of them: those
    // products go into the e-katalog lokal, with a dozen more that no unit buys.
    let (catalogue, _) = db.products_in_scope(&scope, 400, 0).await?;
    let mut sellers: Vec<(String, String, SupplierType)> = Vec::new();
    for (p, _) in &catalogue {
        if sellers.iter().any(|s| s.0 == p.umkm_id) {
            continue;
        }
        let class = db.supplier(&scope, &p.umkm_id).await?.size_class;
        let kind = class.map_or(SupplierType::Micro, SupplierType::of_size);
        if kind.counts_for_share() {
            sellers.push((p.umkm_id.clone(), p.id.clone(), kind));
        }
    }
    let mut listed: Vec<String> = Vec::new();
    let mut purchases = 0;
    for (i, (code, name, budget)) in DEMO_UNITS.iter().enumerate() {
        let unit = db.create_unit(&scope, home, code, name, &actor).await?;
        db.set_budget(&scope, &unit.id, year, *budget, &actor)
            .await?;
        for (mut p, supplier) in demo_purchases(i, year, today) {
            let supplier = match supplier {
                DemoSupplier::Registered(n) if n % 2 == 0 && !sellers.is_empty() => {
                    let (umkm, product, kind) = &sellers[(n / 2) % sellers.len()];
                    p.supplier_type = *kind;
                    if !listed.contains(product) {
                        listed.push(product.clone());
                    }
                    Supplier::Registered {
                        umkm_id: umkm.clone(),
                        product_id: Some(product.clone()),
                    }
                }
                DemoSupplier::Registered(n) => {
                    let b = &small[n % small.len()];
                    p.supplier_type = b
                        .size_class
                        .map_or(SupplierType::Micro, SupplierType::of_size);
                    Supplier::Registered {
                        umkm_id: b.id.clone(),
                        product_id: None,
                    }
                }
                DemoSupplier::Other(_, name) => Supplier::Other { name: name.into() },
            };
            db.record_purchase(&scope, &unit.id, &p, &supplier, None, &actor)
                .await?;
            purchases += 1;
        }
    }
    let never_bought = catalogue
        .iter()
        .map(|(p, _)| p.id.clone())
        .filter(|id| !listed.contains(id))
        .take(12);
    listed.extend(never_bought.collect::<Vec<_>>());
    db.demo_list_in_ekatalog(&listed, &actor).await?;
    eprintln!(
        "demo: {} government units, {purchases} purchases",
        DEMO_UNITS.len()
    );
    Ok(())
}

/// The demo region's flagship product round (issue 10), once: three candidates, six criteria,
/// five FGD participants who answered (one inconsistently), published.
async fn demo_flagship(db: &Database, home: &RegionCode) -> anyhow::Result<()> {
    use sentra_domain::flagship::ahp::Method;
    use sentra_domain::flagship::lq::Measure;
    use sentra_domain::flagship::round::{CandidateMode, candidates_node, demo_round};
    use sentra_domain::flagship::text::parse_criteria;
    use sentra_storage::{CandidateRow, RoundSettings, RoundStatus};
    let scope = Scope::region(home.clone());
    if !db.rounds(&scope).await?.is_empty() {
        return Ok(());
    }
    let d = demo_round();
    let actor = Actor::system("demo");
    let year = chrono::Datelike::year(&chrono::Utc::now());
    let title = format!("Pemilihan produk unggulan daerah {year}");
    let id = db.create_round(&scope, home, year, &title, &actor).await?;
    let version = db.round(&scope, &id).await?.version;
    let criteria =
        parse_criteria(&d.criteria.join("\n"), &[]).map_err(|e| anyhow!("demo criteria: {e}"))?;
    let candidates: Vec<CandidateRow> = d
        .candidates
        .iter()
        .map(|(name, sector)| CandidateRow {
            name: name.to_string(),
            sector: Some(sector.to_string()),
        })
        .collect();
    let reference: Vec<(String, f64)> = d
        .reference
        .iter()
        .map(|(s, v)| (s.to_string(), *v))
        .collect();
    let settings = RoundSettings {
        title,
        purpose: Some(
            "Menetapkan produk yang diprioritaskan dalam pembinaan, promosi dan pengadaan daerah."
                .into(),
        ),
        year,
        mode: CandidateMode::Pairwise,
        method: Method::Eigenvector,
        measure: Measure::Count,
        reference_region: None,
        group_weights: None,
    };
    db.update_round(
        &scope,
        &id,
        version,
        &settings,
        &candidates,
        &criteria,
        &reference,
        &actor,
    )
    .await?;
    let mut people = Vec::new();
    for (name, group, organisation) in &d.participants {
        let (p, _) = db
            .add_participant(&scope, &id, name, *group, Some(organisation), &actor)
            .await?;
        people.push(p);
    }
    db.set_round_status(&scope, &id, RoundStatus::Open, &actor)
        .await?;
    for (p, response) in people.iter().zip(&d.responses) {
        for (node, m) in &response.matrices {
            // The demo's candidate nodes are named by the criteria's places (c0, c1, …).
            let node = match node
                .strip_prefix("alt:c")
                .and_then(|i| i.parse::<usize>().ok())
            {
                Some(i) => candidates_node(&criteria[i].code),
                None => node.clone(),
            };
            let mut given = Vec::new();
            for i in 0..m.size() {
                for j in i + 1..m.size() {
                    if let Some(v) = m.get(i, j) {
                        given.push((i, j, v));
                    }
                }
            }
            db.save_judgements(p, &node, &given).await?;
        }
        db.submit_answers(p).await?;
    }
    db.set_round_status(&scope, &id, RoundStatus::Closed, &actor)
        .await?;
    db.set_round_status(&scope, &id, RoundStatus::Published, &actor)
        .await?;
    eprintln!(
        "demo: a flagship product round with {} participants",
        people.len()
    );
    Ok(())
}

/// The demo region's partnerships (issue 11), once: a hotel asking for 200 tenun scarves in six
/// weeks (the best matches shortlisted, one ordered), a past curated exhibition with its
/// results, and the gallery's consignment over last month and this one (last month paid out).
async fn demo_partnerships(db: &Database, home: &RegionCode) -> anyhow::Result<()> {
    use chrono::Datelike;
    use sentra_domain::gallery::{Movement, Payment, Terms};
    use sentra_domain::partnership::{
        ExhibitionInput, Offer, Outcome, PartnerKind, RequestInput, shortlist, validate_exhibition,
        validate_request,
    };
    use sentra_storage::NewPartner;
    let scope = Scope::region(home.clone());
    if !db.partners(&scope, None).await?.is_empty() {
        return Ok(());
    }
    let actor = Actor::system("demo");
    let today = chrono::Utc::now().date_naive();
    let day = |d: i64| today + chrono::Duration::days(d);
    let partner = |name: &str, kind: PartnerKind, login: Option<&str>| NewPartner {
        region: home.clone(),
        name: name.to_string(),
        kind,
        contact_name: Some("Bagian pembelian".into()),
        contact_phone: None,
        contact_email: None,
        notes: None,
        user_login: login.map(str::to_string),
    };
    let hotel = db
        .create_partner(
            &scope,
            &partner(
                "Hotel Serpong Asri",
                PartnerKind::Hotel,
                Some("partner@demo.sentra.id"),
            ),
            &actor,
        )
        .await?;
    db.create_partner(
        &scope,
        &partner("Smesco Indonesia", PartnerKind::Smesco, None),
        &actor,
    )
    .await?;
    let request = validate_request(
        &RequestInput {
            title: "Selendang tenun untuk kamar hotel".into(),
            category: "kerajinan".into(),
            keywords: "selendang tenun".into(),
            quantity: "200".into(),
            deliver_by: day(42).to_string(),
            price_max: "400000".into(),
            packaging: "kotak hotel".into(),
            ..RequestInput::default()
        },
        today,
    )
    .map_err(|e| anyhow!("demo request: {e}"))?;
    let request_id = db
        .create_request(&scope, &hotel, &request, None, &actor)
        .await?;
    let offers = db.offers(&scope, home).await?;
    let plain: Vec<Offer> = offers.iter().map(|o| o.offer.clone()).collect();
    for (k, m) in shortlist(&request, &plain, today, None)
        .iter()
        .take(2)
        .enumerate()
    {
        let o = &offers[m.offer];
        db.shortlist_product(&scope, &request_id, &o.product_id, &actor)
            .await?;
        let (outcome, value) = if k == 0 {
            (Outcome::Ordered, o.offer.price.map(|p| p * 120))
        } else {
            (Outcome::SampleSent, None)
        };
        if value.is_some() || outcome == Outcome::SampleSent {
            db.set_outcome(
                &scope,
                &request_id,
                &o.product_id,
                outcome,
                value,
                None,
                &actor,
            )
            .await?;
        }
    }
    // A curated exhibition three weeks ago, published with what it sold.
    let x = validate_exhibition(&ExhibitionInput {
        title: "Pekan Tenun dan Kriya Kota".into(),
        theme: "tenun dan kriya".into(),
        kind: "offline".into(),
        venue: "Galeri UMKM Kota".into(),
        starts_on: day(-22).to_string(),
        ends_on: day(-18).to_string(),
        description: "Tenun, anyaman dan kerajinan tangan pilihan kurator Dekranasda.".into(),
    })
    .map_err(|e| anyhow!("demo exhibition: {e}"))?;
    let exhibition = db.create_exhibition(&scope, home, &x, &actor).await?;
    let crafts: Vec<&sentra_storage::OfferRecord> = offers
        .iter()
        .filter(|o| o.offer.category.starts_with("kerajinan"))
        .take(6)
        .collect();
    let mut results = Vec::new();
    for o in offers
        .iter()
        .filter(|o| o.offer.category.starts_with("kerajinan"))
    {
        if results.len() == 6 {
            break;
        }
        match db
            .curate_into(
                &scope,
                &exhibition,
                &o.product_id,
                Some("Dipilih untuk kerapian dan motif khas daerah."),
                &actor,
            )
            .await
        {
            Ok(()) => {}
            // Not public (a business not yet verified): not in a public exhibition.
            Err(sentra_storage::StorageError::Invalid(_)) => continue,
            Err(e) => return Err(e.into()),
        }
        let sold = (results.len() % 4) as i64 + 1;
        results.push((
            o.product_id.clone(),
            Some(8),
            Some(sold),
            o.offer.price.map(|p| p * sold),
        ));
    }
    db.record_exhibition(&scope, &exhibition, true, Some(380), &results, &actor)
        .await?;
    // The gallery: items received at the start of last month, sold through both months.
    let last_month = (today.with_day(1).unwrap_or(today) - chrono::Duration::days(1))
        .with_day(1)
        .unwrap_or(today);
    let mut items = Vec::new();
    for o in crafts.iter().take(4) {
        let price = o.offer.price.unwrap_or(100_000).max(10_000);
        let terms = Terms {
            consignment_price: price * 8 / 10,
            gallery_price: price,
        };
        let item = db
            .consign(
                &scope,
                &o.umkm_id,
                Some(&o.product_id),
                &o.offer.name,
                12,
                terms,
                last_month,
                &actor,
            )
            .await?;
        items.push(item);
    }
    for (k, item) in items.iter().enumerate() {
        for (d, q) in [(3, 2), (10, 1), (24, 3)] {
            let on = last_month + chrono::Duration::days(d);
            let pay = [Payment::Cash, Payment::Qris, Payment::Transfer][(k + d as usize) % 3];
            db.take_out(
                &scope,
                &item.id,
                Movement::Sale,
                q,
                item.terms.gallery_price,
                Some(pay),
                on,
                None,
                &actor,
            )
            .await?;
        }
        if today.day() > 2 {
            db.take_out(
                &scope,
                &item.id,
                Movement::Sale,
                1,
                item.terms.gallery_price,
                Some(Payment::Cash),
                today.with_day(2).unwrap_or(today),
                None,
                &actor,
            )
            .await?;
        }
    }
    let (y, m) = (last_month.year(), last_month.month());
    for umkm in items
        .iter()
        .map(|i| i.umkm_id.clone())
        .collect::<std::collections::BTreeSet<_>>()
    {
        db.pay_out(
            &scope,
            &umkm,
            y,
            m,
            today.with_day(1).unwrap_or(today),
            &actor,
        )
        .await?;
    }
    eprintln!(
        "demo: 2 partners with a request, an exhibition, {} gallery items",
        items.len()
    );
    Ok(())
}

async fn demo_accounts(db: &Database, home: &RegionCode) -> anyhow::Result<()> {
    use sentra_domain::account::{NewAccount, Role};
    let cli = Actor::system("demo");
    let pondok_aren = RegionCode::parse("36.74.03")
        .ok()
        .filter(|k| k.is_within(home));
    let existing = db.list_users(None).await?;
    println!("Akun demo / demo accounts (passwords change at every start):");
    for role in Role::ALL {
        let login = format!("{}@demo.sentra.id", role.as_str());
        // The operator works in one kecamatan, to show region scope.
        let scope = match (role, &pondok_aren) {
            (Role::Operator, Some(k)) => k.clone(),
            _ => home.clone(),
        };
        let password = sentra_storage::new_secret()[..16].to_string();
        if existing.iter().any(|u| u.login == login) {
            db.reset_password(None, &login, &password, &cli).await?;
        } else {
            let account = NewAccount {
                name: format!("Demo {}", role.as_str()),
                login: login.clone(),
                role,
                scope: scope.clone(),
            };
            db.create_user(&account, &password, &cli).await?;
        }
        println!("  {:<28} {password}  ({}, {scope})", login, role.as_str());
    }
    Ok(())
}
