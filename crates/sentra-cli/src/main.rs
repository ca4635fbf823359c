//! `sentra`: the Sentra server and its command line.

mod ahp;
mod audit_cmd;
mod backup;
mod config;
mod dedup;
mod demo_cmd;
mod export;
mod import;
mod keys;
mod procurement;
mod serve_cmd;
mod transfer_cmd;
mod users_cmd;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, anyhow, bail};
use clap::{Args, Parser, Subcommand};

use sentra_domain::region::{RegionCode, RegionTree, Resolution};
use sentra_domain::scope::Scope;
use sentra_storage::{Database, DatabaseUrl};

use audit_cmd::{report_audit, report_unkeyed, verify_head};
use demo_cmd::{
    demo_activities, demo_flagship, demo_growth, demo_partnerships, demo_procurement,
    demo_products, generate_demo,
};
use serve_cmd::{ServeOptions, serve};
use transfer_cmd::{migrate_data, migrate_media};
use users_cmd::user_command;

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
            let n = sentra_web::catalogue::index::rebuild(&db, &index, |done, total| {
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

fn field_errors_text(e: &sentra_domain::FieldErrors) -> String {
    e.iter()
        .map(|f| format!("{}: {}", f.field, sentra_i18n::Lang::En.error(f.code)))
        .collect::<Vec<_>>()
        .join("; ")
}
