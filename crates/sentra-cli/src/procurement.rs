//! `sentra procurement import FILE`: government units' budgets or purchases from a spreadsheet
//! (issue 9), checked in full first; the same reading and checks as the browser's upload.

use std::path::Path;

use anyhow::{Context, bail};
use sentra_domain::procurement_sheet::SheetKind;
use sentra_domain::region::RegionCode;
use sentra_domain::scope::Scope;
use sentra_i18n::Lang;
use sentra_import::procurement::{Mode, error_message, read, run};
use sentra_storage::{Actor, Database};

pub async fn import(
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
    let report = run(db, &scope, region, &read, mode, l, &actor).await?;
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
