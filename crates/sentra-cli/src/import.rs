//! `sentra import FILE`: a spreadsheet of UMKM into the registry, dry run first.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};
use sentra_domain::import::{ImportContext, Mapping};
use sentra_domain::region::{RegionCode, RegionTree};
use sentra_domain::scope::Scope;
use sentra_i18n::Lang;
use sentra_import::{
    PrepareError, Prepared, column_letter, headers_key, prepare, reason, rejected_xlsx,
    target_label,
};
use sentra_storage::{Actor, Database, ImportPlan, RowPlan};

pub struct ImportArgs<'a> {
    pub file: &'a Path,
    pub region: &'a RegionCode,
    pub dry_run: bool,
    pub all_or_nothing: bool,
    pub rejected: Option<PathBuf>,
    pub lang: Lang,
}

/// Rows per transaction: large enough to be fast, small enough that a crash loses little work.
const BATCH: usize = 1000;

pub async fn run(db: &Database, args: ImportArgs<'_>) -> anyhow::Result<()> {
    let l = args.lang;
    let bytes =
        std::fs::read(args.file).with_context(|| format!("cannot read {}", args.file.display()))?;
    let name = args
        .file
        .file_name()
        .map_or(String::new(), |n| n.to_string_lossy().into_owned());
    let Prepared {
        sheet,
        detected,
        header_line,
        headers,
        data,
    } = match prepare(&name, bytes) {
        Ok(p) => p,
        Err(e @ PrepareError::NoHeader) => bail!("{name}: {}", l.error(e.code())),
        Err(e) => bail!("{name}: {} ({e})", l.error(e.code())),
    };
    // A mapping saved in the browser for files with this header row wins over the guess.
    let saved = db.saved_import_mapping(&headers_key(&headers)).await?;
    let mapping = match &saved {
        Some(columns) => Mapping {
            columns: columns.clone(),
        },
        None => Mapping::guess(&headers),
    };
    println!(
        "{name}{} ({}): {} {header_line}, {} {}",
        if sheet.is_empty() {
            String::new()
        } else {
            format!(" [{sheet}]")
        },
        detected,
        l.t("import.header_at"),
        data.len(),
        l.t("import.data_rows"),
    );
    if saved.is_some() {
        println!("{}", l.t("import.saved_mapping_used"));
    }
    for (i, h) in headers.iter().enumerate() {
        let target = mapping.columns.get(i).cloned().flatten();
        let shown = match &target {
            Some(t) => target_label(l, t),
            None => format!("({})", l.t("import.ignored")),
        };
        if !h.trim().is_empty() || target.is_some() {
            println!(
                "  {} {:<28} → {shown}",
                column_letter(i),
                format!("\"{}\"", h.trim())
            );
        }
    }
    if let Err(codes) = mapping.check() {
        let msgs: Vec<String> = codes.iter().map(|c| l.error(c).into_owned()).collect();
        bail!("{}", msgs.join(" "));
    }

    let tree = RegionTree::embedded();
    let sectors = sentra_import::worker::sector_names(db).await?;
    let ctx = ImportContext {
        regions: tree,
        within: args.region,
        sectors: &sectors,
    };
    let scope = Scope::region(args.region.clone());
    let today = chrono::Local::now().date_naive();
    let plan = db
        .plan_import(&scope, &data, &mapping, &ctx, today, |_| {})
        .await?;
    let counts = plan.counts();
    println!("{}:", l.t("import.result"));
    for (key, n) in [
        ("import.new", counts.new),
        ("import.updated", counts.updated),
        ("import.unchanged", counts.unchanged),
        ("import.invalid", counts.invalid),
        ("import.possible_duplicates", counts.possible_duplicates),
    ] {
        println!("  {:<34} {n:>9}", l.t(key));
    }
    report_invalid(l, &plan, &headers, &mapping);
    report_duplicates(l, &plan);
    if counts.invalid > 0 {
        let path = args
            .rejected
            .clone()
            .unwrap_or_else(|| rejected_path(args.file));
        write_rejected(l, &path, &plan, &data, &headers, &mapping)?;
        println!("{}: {}", l.t("import.rejected_file"), path.display());
    }
    if args.dry_run {
        println!("{}", l.t("import.dry_run_done"));
        return Ok(());
    }
    if counts.invalid > 0 && args.all_or_nothing {
        bail!("{}", l.t("import.nothing_written"));
    }
    let bar = ProgressBar::new(plan.rows.len() as u64);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} ({per_sec}, {eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let actor = Actor::system("import");
    let done = db
        .apply_import(&scope, &plan, &actor, BATCH, |n| bar.set_position(n as u64))
        .await?;
    bar.finish_and_clear();
    println!(
        "{}: {} {}, {} {}, {} {}",
        l.t("import.written"),
        done.new,
        l.t("import.new"),
        done.updated,
        l.t("import.updated"),
        done.unchanged,
        l.t("import.unchanged"),
    );
    if done.queued_duplicates > 0 {
        println!(
            "{} {}",
            done.queued_duplicates,
            l.t("import.queued_duplicates")
        );
    }
    Ok(())
}

fn report_invalid(l: Lang, plan: &ImportPlan, headers: &[String], mapping: &Mapping) {
    let invalid: Vec<_> = plan
        .rows
        .iter()
        .filter_map(|r| match &r.plan {
            RowPlan::Invalid(p) => Some((r.line, p)),
            _ => None,
        })
        .collect();
    if invalid.is_empty() {
        return;
    }
    println!("{}:", l.t("import.invalid_rows"));
    for (line, problems) in invalid {
        for p in problems {
            println!(
                "  {} {line}, {}",
                l.t("import.row"),
                reason(l, p, headers, mapping)
            );
        }
    }
}

fn report_duplicates(l: Lang, plan: &ImportPlan) {
    let flagged: Vec<_> = plan
        .rows
        .iter()
        .filter_map(|r| r.possible_duplicate.as_ref().map(|d| (r.line, d)))
        .collect();
    if flagged.is_empty() {
        return;
    }
    println!("{}:", l.t("import.duplicates_list"));
    for (line, of) in flagged {
        let other = match of.strip_prefix("row:") {
            Some(n) => format!("{} {n}", l.t("import.row")),
            None => format!("UMKM {of}"),
        };
        println!("  {} {line} ~ {other}", l.t("import.row"));
    }
}

fn rejected_path(file: &Path) -> PathBuf {
    let stem = file
        .file_stem()
        .map_or("import".into(), |s| s.to_string_lossy().into_owned());
    file.with_file_name(format!("{stem}-ditolak.xlsx"))
}

/// The rejected rows with their original cells, their row number and the reasons.
fn write_rejected(
    l: Lang,
    path: &Path,
    plan: &ImportPlan,
    data: &[(usize, Vec<String>)],
    headers: &[String],
    mapping: &Mapping,
) -> anyhow::Result<()> {
    let invalid = sentra_import::worker::invalid_by_line(&sentra_import::worker::findings(plan));
    let bytes = rejected_xlsx(l, &invalid, data, headers, mapping)?;
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
