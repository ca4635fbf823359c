//! `sentra demo-file`: a messy spreadsheet with known invalid and duplicate rows, to try the
//! importer and the duplicate check on.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use sentra_domain::demo_file::{DEMO_FILE_HEADERS, DemoFileGenerator, RowKind};
use sentra_domain::region::{RegionCode, RegionTree};

use crate::context::known_region;
use crate::demo::DEMO_REGION;

#[derive(clap::Args)]
pub(crate) struct Args {
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
    out: PathBuf,
    /// Also write which rows are broken and which repeat which (row,of_row,kind).
    #[arg(long)]
    truth: Option<PathBuf>,
}

pub(crate) fn run(args: Args) -> anyhow::Result<()> {
    let region = known_region(&args.region)?;
    demo_file(
        &region,
        args.rows,
        args.seed,
        args.invalid_per_mille,
        args.duplicate_per_mille,
        &args.out,
        args.truth.as_deref(),
    )?;
    println!("{} rows → {}", args.rows, args.out.display());
    Ok(())
}

fn demo_file(
    region: &RegionCode,
    rows: u64,
    seed: u64,
    invalid_per_mille: u32,
    duplicate_per_mille: u32,
    out: &Path,
    truth: Option<&Path>,
) -> anyhow::Result<()> {
    let today = chrono::Local::now().date_naive();
    let mut generator = DemoFileGenerator::new(
        RegionTree::embedded(),
        region,
        seed,
        today,
        invalid_per_mille,
        duplicate_per_mille,
    )
    .map_err(|e| anyhow::anyhow!("cannot generate for {region}: {}", e.0))?;
    let headers: Vec<String> = DEMO_FILE_HEADERS.iter().map(|h| h.to_string()).collect();
    let xlsx = out.extension().is_some_and(|e| e == "xlsx");
    let mut truth_rows = Vec::new();
    let mut push_all =
        |push: &mut dyn FnMut(&[String]) -> anyhow::Result<()>| -> anyhow::Result<()> {
            for i in 0..rows {
                let (cells, kind) = generator.next_row();
                // Row numbers as the spreadsheet shows them: the header is row 1.
                match kind {
                    RowKind::Duplicate { of } => {
                        truth_rows.push(format!("{},{},duplicate", i + 2, of + 2));
                    }
                    RowKind::Invalid => truth_rows.push(format!("{},,invalid", i + 2)),
                    RowKind::Valid => {}
                }
                push(&cells)?;
            }
            Ok(())
        };
    // The cells are as offices type them ("Rp 1.500.000", "0812…"): text, which is what the
    // importer is tested against, not numbers Sentra writes.
    let columns = sentra_sheets::Column::texts(&headers);
    let texts = |c: &[String]| -> Vec<sentra_sheets::Cell> {
        c.iter()
            .map(|t| sentra_sheets::Cell::text(t.clone()))
            .collect()
    };
    if xlsx {
        let mut w = sentra_sheets::XlsxWriter::new("UMKM", &columns)?;
        push_all(&mut |c| Ok(w.push(&texts(c))?))?;
        w.finish_to(out)?;
    } else {
        let file = std::fs::File::create(out)
            .with_context(|| format!("cannot create {}", out.display()))?;
        let mut w = sentra_sheets::CsvWriter::new(std::io::BufWriter::new(file), &columns)?;
        push_all(&mut |c| Ok(w.push(&texts(c))?))?;
        std::io::Write::flush(&mut w.finish()?)?;
    }
    if let Some(t) = truth {
        let mut text = String::from("row,of_row,kind\n");
        for line in &truth_rows {
            text.push_str(line);
            text.push('\n');
        }
        std::fs::write(t, text).with_context(|| format!("cannot write {}", t.display()))?;
    }
    Ok(())
}
