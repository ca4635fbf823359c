//! `sentra import FILE`: a spreadsheet of UMKM into the registry, dry run first.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use indicatif::{ProgressBar, ProgressStyle};
use sentra_domain::import::{ImportContext, ImportOptions, Mapping, UpdateMode};
use sentra_domain::region::{RegionCode, RegionTree};
use sentra_domain::scope::Scope;
use sentra_i18n::Lang;
use sentra_import::run::{Setting, check, commit};
use sentra_import::{
    PrepareError, Prepared, column_letter, headers_key, prepare, reason, rejected_xlsx,
    target_label,
};
use sentra_storage::{Actor, Database, JobProblem, POSSIBLE_DUPLICATE};

use crate::context::{Context, DbArgs, open, region_or_home};

#[derive(clap::Args)]
pub(crate) struct Args {
    /// The spreadsheet.
    file: PathBuf,
    /// Check and report only; write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Write nothing if any row is invalid.
    #[arg(long)]
    all_or_nothing: bool,
    /// Where to write the rejected rows [default: FILE-ditolak.xlsx beside FILE].
    #[arg(long)]
    rejected: Option<PathBuf>,
    /// Region the rows belong to; names are matched inside it [default: the home region].
    #[arg(long)]
    region: Option<String>,
    /// Language of the report: id or en.
    #[arg(long, default_value = "id")]
    lang: String,
    /// Blank cells clear the stored values of the records the file updates (by default a
    /// blank cell keeps the stored value).
    #[arg(long, conflicts_with = "fill_empty")]
    clear_blank: bool,
    /// Only fill the fields that are empty in the stored records; replace nothing.
    #[arg(long)]
    fill_empty: bool,
    /// Where to write every field the import changes, old and new (xlsx).
    #[arg(long)]
    changes: Option<PathBuf>,
    #[command(flatten)]
    db: DbArgs,
}

pub(crate) async fn run(args: Args, cx: &Context) -> anyhow::Result<()> {
    let db = open(&cx.conn(&args.db)).await?;
    let region = region_or_home(&db, args.region).await?;
    // Anything but `en` reads as Indonesian, the deployment's first language.
    let lang = if args.lang == "en" {
        Lang::En
    } else {
        Lang::Id
    };
    import(
        &db,
        Job {
            file: &args.file,
            region: &region,
            dry_run: args.dry_run,
            all_or_nothing: args.all_or_nothing,
            rejected: args.rejected,
            changes: args.changes,
            options: ImportOptions {
                mode: if args.fill_empty {
                    UpdateMode::FillEmpty
                } else {
                    UpdateMode::Update
                },
                clear_blank: args.clear_blank,
            },
            lang,
        },
    )
    .await
}

/// One import, with the region and language settled.
struct Job<'a> {
    file: &'a Path,
    region: &'a RegionCode,
    dry_run: bool,
    all_or_nothing: bool,
    rejected: Option<PathBuf>,
    changes: Option<PathBuf>,
    options: ImportOptions,
    lang: Lang,
}

fn progress_bar(len: usize) -> ProgressBar {
    let bar = ProgressBar::new(len as u64);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} ({per_sec}, {eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

async fn import(db: &Database, args: Job<'_>) -> anyhow::Result<()> {
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
        Err(e) => bail!("{name}: {} ({e})", e.message(l)),
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
    let sector_words = db.import_words(args.region, "sector").await?;
    let ctx = ImportContext {
        regions: tree,
        within: args.region,
        sectors: &sectors,
        sector_words: &sector_words,
    };
    let scope = Scope::region(args.region.clone());
    let today = chrono::Local::now().date_naive();
    let setting = Setting {
        scope: &scope,
        mapping: &mapping,
        ctx: &ctx,
        options: args.options,
        today,
    };
    let bar = progress_bar(data.len());
    let checked = check(db, &setting, &data, |n| bar.set_position(n as u64)).await?;
    bar.finish_and_clear();
    let counts = &checked.counts;
    println!("{}:", l.t("import.result"));
    for (key, n) in [
        ("import.new", counts.new),
        ("import.updated", counts.updated),
        ("import.unchanged", counts.unchanged),
        ("import.invalid", counts.invalid),
        ("import.possible_duplicates", counts.possible_duplicates),
        ("reimport.changed_fields", counts.changed_fields),
        ("reimport.cleared_fields", counts.cleared_fields),
    ] {
        println!("  {:<34} {n:>9}", l.t(key));
    }
    report_changes(l, &checked.changes);
    if let Some(path) = &args.changes {
        let rows = sentra_import::report::change_rows(&checked.changes);
        let bytes = sentra_import::report::changes_xlsx(l, &rows)?;
        std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
        println!("{}: {}", l.t("reimport.changes_file"), path.display());
    }
    report_invalid(l, &checked.findings, &headers, &mapping);
    report_duplicates(l, &checked.findings);
    if counts.invalid > 0 {
        let path = args
            .rejected
            .clone()
            .unwrap_or_else(|| rejected_path(args.file));
        write_rejected(l, &path, &checked.findings, &data, &headers, &mapping)?;
        println!("{}: {}", l.t("import.rejected_file"), path.display());
    }
    if args.dry_run {
        println!("{}", l.t("import.dry_run_done"));
        return Ok(());
    }
    if counts.invalid > 0 && args.all_or_nothing {
        bail!("{}", l.t("import.nothing_written"));
    }
    let bar = progress_bar(data.len());
    let actor = Actor::system("import");
    let done = commit(db, &setting, data, &actor, None, |n| {
        bar.set_position(n as u64);
    })
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

fn report_invalid(l: Lang, findings: &[JobProblem], headers: &[String], mapping: &Mapping) {
    let mut invalid = findings
        .iter()
        .filter(|f| f.problem.code != POSSIBLE_DUPLICATE)
        .peekable();
    if invalid.peek().is_none() {
        return;
    }
    println!("{}:", l.t("import.invalid_rows"));
    for f in invalid {
        println!(
            "  {} {}, {}",
            l.t("import.row"),
            f.line,
            reason(l, &f.problem, headers, mapping)
        );
    }
}

/// The changes to stored records, the first [`SHOWN_CHANGES`] of them (all are in the file
/// written with `--changes`).
const SHOWN_CHANGES: usize = 50;

fn report_changes(l: Lang, records: &[sentra_storage::RecordChanges]) {
    let rows = sentra_import::report::change_rows(records);
    if rows.is_empty() {
        return;
    }
    println!("{}:", l.t("reimport.changes_list"));
    for r in rows.iter().take(SHOWN_CHANGES) {
        println!(
            "  {} {}, {}: {}",
            l.t("import.row"),
            r.line,
            r.name,
            sentra_import::report::change_text(l, &r.change)
        );
    }
    if rows.len() > SHOWN_CHANGES {
        println!(
            "  {}",
            l.tf(
                "reimport.changes_more",
                &[("n", &(rows.len() - SHOWN_CHANGES).to_string())]
            )
        );
    }
}

fn report_duplicates(l: Lang, findings: &[JobProblem]) {
    let mut flagged = findings
        .iter()
        .filter(|f| f.problem.code == POSSIBLE_DUPLICATE)
        .peekable();
    if flagged.peek().is_none() {
        return;
    }
    println!("{}:", l.t("import.duplicates_list"));
    for f in flagged {
        let of = f.problem.hint.as_deref().unwrap_or_default();
        let other = match of.strip_prefix("row:") {
            Some(n) => format!("{} {n}", l.t("import.row")),
            None => format!("UMKM {of}"),
        };
        println!("  {} {} ~ {other}", l.t("import.row"), f.line);
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
    findings: &[JobProblem],
    data: &[sentra_import::DataRow],
    headers: &[String],
    mapping: &Mapping,
) -> anyhow::Result<()> {
    let invalid = sentra_import::worker::invalid_by_line(findings);
    let bytes = rejected_xlsx(l, &invalid, data, headers, mapping)?;
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
