//! `sentra import FILE`: a spreadsheet of UMKM into the registry, dry run first.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};
use sentra_domain::import::{ImportContext, Mapping, RowProblem, SectorName, find_header};
use sentra_domain::region::{RegionCode, RegionTree};
use sentra_domain::scope::Scope;
use sentra_i18n::Lang;
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
    let mut table = sentra_sheets::read_table(&name, bytes)?;
    let first: Vec<Vec<String>> = table
        .rows
        .iter()
        .take(16)
        .map(|r| r.cells.clone())
        .collect();
    let Some((start, headers, height)) = find_header(&first) else {
        bail!(
            "{}: no header row found (Nama Usaha, Nama Pemilik, Kelurahan, …) / baris judul kolom tidak ditemukan",
            name
        );
    };
    let mapping = Mapping::guess(&headers);
    let header_line = table.rows[start].line;
    let sheet = std::mem::take(&mut table.sheet);
    let detected = std::mem::take(&mut table.detected);
    // The rows move out of the table: a million rows are held once, not twice.
    let data: Vec<(usize, Vec<String>)> = table
        .rows
        .into_iter()
        .skip(start + height)
        .map(|r| (r.line, r.cells))
        .collect();
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
    let sectors = crate::import::sector_names(db).await?;
    let ctx = ImportContext {
        regions: tree,
        within: args.region,
        sectors: &sectors,
    };
    let scope = Scope::region(args.region.clone());
    let today = chrono::Local::now().date_naive();
    let plan = db.plan_import(&scope, &data, &mapping, &ctx, today).await?;
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
    Ok(())
}

/// The managed sector list with both names, for matching what a file writes.
pub async fn sector_names(db: &Database) -> anyhow::Result<Vec<SectorName>> {
    Ok(db
        .sectors()
        .await?
        .into_iter()
        .map(|s| SectorName {
            code: s.code,
            name_id: s.name_id,
            name_en: s.name_en,
        })
        .collect())
}

/// `A`, `B`, …, `Z`, `AA`: columns as the spreadsheet names them.
pub fn column_letter(mut i: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    s.reverse();
    String::from_utf8_lossy(&s).into_owned()
}

fn target_label(l: Lang, target: &str) -> String {
    if let Some(kind) = target
        .strip_prefix("documents.")
        .and_then(|r| r.strip_suffix(".number"))
    {
        return format!("{} ({})", l.t(&format!("doc.{kind}")), l.t("field.number"));
    }
    if let Some(kind) = target.strip_prefix("links.") {
        return l.t(&format!("link.{kind}")).into_owned();
    }
    l.t(&format!("field.{target}")).into_owned()
}

/// `kolom B "NIK": NIK harus 16 digit.`
fn reason(l: Lang, p: &RowProblem, headers: &[String], mapping: &Mapping) -> String {
    let column = mapping.column_of(&p.field).or_else(|| {
        (p.field == "village")
            .then(|| mapping.column_of("district"))
            .flatten()
    });
    let place = match column {
        Some(c) => format!(
            "{} {} \"{}\"",
            l.t("import.column"),
            column_letter(c),
            headers.get(c).map_or("", |h| h.trim())
        ),
        None => target_label(l, &p.field),
    };
    let mut text = format!("{place}: {}", l.error(&p.code));
    if let Some(h) = &p.hint {
        if p.code == "duplicate_in_file" {
            text.push_str(&format!(" ({} {h})", l.t("import.row")));
        } else {
            text.push_str(&format!(" {}: {h}", l.t("import.maybe")));
        }
    }
    text
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

/// The rejected rows with their original cells, their row number and the reasons, so that the
/// office fixes them there and imports this file again.
fn write_rejected(
    l: Lang,
    path: &Path,
    plan: &ImportPlan,
    data: &[(usize, Vec<String>)],
    headers: &[String],
    mapping: &Mapping,
) -> anyhow::Result<()> {
    let mut out_headers: Vec<String> = headers.iter().map(|h| h.trim().to_string()).collect();
    out_headers.push(l.t("import.source_row").into_owned());
    out_headers.push(l.t("import.reason").into_owned());
    let mut w = sentra_sheets::XlsxWriter::new(&l.t("import.rejected_sheet"), &out_headers)?;
    for (row, (line, cells)) in plan.rows.iter().zip(data) {
        let RowPlan::Invalid(problems) = &row.plan else {
            continue;
        };
        let mut out: Vec<String> = (0..headers.len())
            .map(|i| sentra_domain::import::clean_cell(cells.get(i).map_or("", String::as_str)))
            .collect();
        out.push(line.to_string());
        out.push(
            problems
                .iter()
                .map(|p| reason(l, p, headers, mapping))
                .collect::<Vec<_>>()
                .join("; "),
        );
        w.push(&out)?;
    }
    let bytes = w.finish()?;
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(27), "AB");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
    }
}
