//! `sentra`: the Sentra server and its command line. This file holds the list of commands and
//! hands each to its module in `commands/`, which owns its arguments and its `run`.

mod commands;
mod config;
mod context;
mod demo;
mod keys;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use commands::{
    ahp, audit, backup, demo_file, duplicates, export, import, key, migrate, migrate_data,
    partition, procurement, region, reindex, restore, serve, user,
};
use config::FileConfig;
use context::Context;

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

// The doc comments below are the commands' help texts: `sentra --help` prints their first
// lines, `sentra COMMAND --help` all of it.
#[derive(Subcommand)]
enum Command {
    /// Run the web server (migrates the database first).
    Serve(Box<serve::Args>),
    /// Back up the database while it serves (SQLite: an online snapshot; PostgreSQL: pg_dump of
    /// one exported snapshot), the local photo store, and a manifest of every table's rows and
    /// checksum. The personal-data key is not included: keep it apart from the backups.
    Backup(backup::Args),
    /// Put a backup back (stop the servers first). Checked against its manifest before the
    /// old database is replaced (SQLite) or in one transaction (PostgreSQL); the audit chain
    /// is verified after.
    Restore(restore::Args),
    /// Copy a whole deployment to another database (e.g. SQLite to PostgreSQL), table by table
    /// with a progress bar; a stopped copy resumes with the next table. Verified after by every
    /// table's rows and checksum and the audit chain. Stop the servers first.
    MigrateData(migrate_data::Args),
    /// Rebuild this server's catalogue search index from the database, with a progress bar.
    Reindex(reindex::Args),
    /// Apply database migrations and load the region reference data (idempotent).
    Migrate(migrate::Args),
    /// PostgreSQL: partition the UMKM table by province (one partition per province, key
    /// (province_code, id)), in one transaction; writers wait while it runs. Idempotent.
    Partition(partition::Args),
    /// Generate deterministic demo UMKM for a region, and optionally products for the catalogue.
    Demo(commands::demo::Args),
    /// Import UMKM from a spreadsheet (xlsx, xls, ods, csv): checks every row first, writes the
    /// rejected rows with their reasons to FILE-ditolak.xlsx, then imports the valid rows.
    Import(import::Args),
    /// Export the registry to .csv or .xlsx (headers the importer reads back). NIK and phone are
    /// masked unless --personal-data is given; every export is audited.
    Export(export::Args),
    /// Write a messy demo spreadsheet (.csv or .xlsx) to try the importer: rows as offices type
    /// them, a share broken on purpose, a share the same business again written differently.
    DemoFile(demo_file::Args),
    /// Likely duplicates: without FILE, the batch check of the registry (pairs go to the review
    /// queue); with FILE, inside a spreadsheet, with precision and recall against --truth.
    Duplicates(duplicates::Args),
    /// AHP priorities and consistency of one pairwise comparison matrix: FILE.json holds
    /// {"matrix": [[1, 3, 5], [0.333, 1, 3], [0.2, 0.333, 1]]} (and optionally "method":
    /// "geometric_mean"); prints {"weights", "lambda_max", "ci", "cr"} as JSON. `-` reads stdin.
    Ahp(ahp::Args),
    /// Government procurement (Perpres 12/2021 Pasal 65): `sentra procurement import FILE`
    /// reads units' budgets or purchases from a spreadsheet.
    Procurement(procurement::Args),
    /// Look up regions: `sentra region 36.74` lists its kecamatan; a name finds the region.
    /// Accounts: add, list, disable, enable, reset-password.
    User(user::Args),
    /// The audit trail: `sentra audit verify` checks the keyed hash chain; `sentra audit head`
    /// prints a signed line to keep elsewhere, which `verify --head` checks later.
    Audit(audit::Args),
    /// Manage the personal-data key: `sentra key rotate` re-encrypts every NIK under a new key.
    Key(key::Args),
    Region(region::Args),
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
    // The default file may be missing; one named by flag or environment must exist.
    let explicit_config = std::env::var_os("SENTRA_CONFIG").is_some()
        || std::env::args().any(|a| a == "--config" || a.starts_with("--config="));
    let cx = Context {
        file: FileConfig::load(explicit_config.then_some(cli.config.as_path()))?,
    };
    match cli.command {
        Command::Serve(args) => serve::run(*args, &cx).await,
        Command::Backup(args) => backup::run(args, &cx).await,
        Command::Restore(args) => restore::run(args, &cx).await,
        Command::MigrateData(args) => migrate_data::run(args, &cx).await,
        Command::Reindex(args) => reindex::run(args, &cx).await,
        Command::Migrate(args) => migrate::run(args, &cx).await,
        Command::Partition(args) => partition::run(args, &cx).await,
        Command::Demo(args) => commands::demo::run(args, &cx).await,
        Command::Import(args) => import::run(args, &cx).await,
        Command::Export(args) => export::run(args, &cx).await,
        Command::DemoFile(args) => demo_file::run(args),
        Command::Duplicates(args) => duplicates::run(args, &cx).await,
        Command::Ahp(args) => ahp::run(args),
        Command::Procurement(args) => procurement::run(args, &cx).await,
        Command::User(args) => user::run(args, &cx).await,
        Command::Audit(args) => audit::run(args, &cx).await,
        Command::Key(args) => key::run(args, &cx).await,
        Command::Region(args) => region::run(args),
    }
}
