//! `sentra procurement import FILE`: government units' budgets or purchases from a spreadsheet
//! (issue 9), checked in full first; the same reading and checks as the browser's upload.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use sentra_domain::procurement_sheet::SheetKind;
use sentra_domain::region::RegionCode;
use sentra_domain::scope::Scope;
use sentra_i18n::Lang;
use sentra_import::procurement::{self as sheet, Mode, error_message, read};
use sentra_storage::{Actor, Database};

use crate::context::{Context, DbArgs, open, region_or_home};

#[derive(clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(clap::Subcommand)]
enum Action {
    /// Import budgets (Kode OPD, Nama OPD, Tahun, Pagu) or purchases (Kode OPD, No. Paket,
    /// Nilai Paket, Tanggal Pesanan, Metode, Jenis Pemasok, NIB Pemasok, Nama Pemasok, …) from
    /// .xlsx, .xls, .ods or .csv; the kind is told by the headers. Importing the same file again
    /// changes nothing; a later file with the same packages updates them (delivered, paid).
    Import {
        file: PathBuf,
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

pub(crate) async fn run(args: Args, cx: &Context) -> anyhow::Result<()> {
    let Action::Import {
        file,
        dry_run,
        all_or_nothing,
        region,
        lang,
        db,
    } = args.action;
    let db = open(&cx.conn(&db)).await?;
    let region = region_or_home(&db, region).await?;
    let lang = Lang::parse(&lang).unwrap_or_default();
    import(&db, &file, &region, dry_run, all_or_nothing, lang).await
}

async fn import(
    db: &Database,
    file: &Path,
    region: &RegionCode,
    dry_run: bool,
    all_or_nothing: bool,
    l: Lang,
) -> anyhow::Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let name = file
        .file_name()
        .map_or(String::new(), |n| n.to_string_lossy().into_owned());
    let read = match read(&name, bytes) {
        Ok(r) => r,
        Err(e) => bail!("{name}: {}", error_message(&e, l)),
    };
    let kind = match read.layout.kind {
        SheetKind::Budgets => l.t("procurement.kind_budgets"),
        SheetKind::Purchases => l.t("procurement.kind_purchases"),
    };
    println!("{name}: {kind}, {} {}", read.rows, l.t("import.data_rows"));
    let scope = Scope::region(region.clone());
    let actor = Actor::system("cli import");
    let mode = match (dry_run, all_or_nothing) {
        (true, _) => Mode::Check,
        (false, true) => Mode::AllOrNothing,
        (false, false) => Mode::SaveValid,
    };
    let report = sheet::run(db, &scope, region, &read, mode, l, &actor).await?;
    let o = &report.outcome;
    println!(
        "{}: {}  {}: {}  {}: {}  {}: {}",
        l.t("import.new"),
        o.new,
        l.t("import.updated"),
        o.updated,
        l.t("import.unchanged"),
        o.unchanged,
        l.t("import.invalid"),
        report.invalid
    );
    if o.units_created > 0 {
        println!("{}: {}", l.t("procurement.units_created"), o.units_created);
    }
    for line in report.lines(l) {
        println!("  {line}");
    }
    for w in &o.over_budget {
        println!(
            "  {}",
            l.tf(
                "procurement.over_budget_unit",
                &[
                    ("unit", &w.unit_code),
                    ("year", &w.year.to_string()),
                    ("spent", &sentra_domain::money::format_rupiah(w.spent)),
                    ("budget", &sentra_domain::money::format_rupiah(w.budget)),
                ],
            )
        );
    }
    if dry_run {
        println!("{}", l.t("import.dry_run_done"));
    } else if o.written {
        println!("{}", l.t("procurement.import_saved"));
    } else if report.invalid > 0 && all_or_nothing {
        bail!("{}", l.error("import_nothing_written"));
    } else {
        println!("{}", l.t("procurement.import_nothing_to_save"));
    }
    Ok(())
}
