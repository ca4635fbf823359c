//! `sentra export`: the registry (or a filtered part) to csv or xlsx, streamed.

use std::io::Write;
use std::path::Path;

use anyhow::{Context as _, anyhow, bail};
use sentra_domain::scope::Scope;
use sentra_storage::{Actor, Database, ExportedUmkm, UmkmFilter};
use sentra_web::{ExportLayout, Lang};
use tokio::sync::mpsc;

use crate::context::{Context, DbArgs, open, region_or_home};

#[derive(clap::Args)]
pub(crate) struct Args {
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
    /// The language of the headers and labels: id or en.
    #[arg(long, default_value = "id")]
    lang: String,
    #[command(flatten)]
    db: DbArgs,
}

pub(crate) async fn run(args: Args, cx: &Context) -> anyhow::Result<()> {
    let db = open(&cx.conn(&args.db)).await?;
    let region = region_or_home(&db, args.region).await?;
    let status = match args.status {
        Some(s) => Some(
            sentra_domain::umkm::UmkmStatus::parse(&s)
                .ok_or_else(|| anyhow!("--status must be draft, verified or inactive"))?,
        ),
        None => None,
    };
    let lang = Lang::parse(&args.lang).ok_or_else(|| anyhow!("--lang must be id or en"))?;
    let layout = ExportLayout::load(&db, lang, &region).await?;
    let filter = UmkmFilter {
        sector: args.sector,
        status,
        ..Default::default()
    };
    let n = export(
        &db,
        Scope::region(region),
        filter,
        args.personal_data,
        &layout,
        &args.out,
    )
    .await?;
    println!("{n} UMKM → {}", args.out.display());
    Ok(())
}

/// Streams the rows from the database to the file; how many were written.
async fn export(
    db: &Database,
    scope: Scope,
    filter: UmkmFilter,
    personal_data: bool,
    layout: &ExportLayout,
    out: &Path,
) -> anyhow::Result<u64> {
    let xlsx = match out.extension().and_then(|e| e.to_str()) {
        Some("xlsx") => true,
        Some("csv") => false,
        _ => bail!("--out must end in .csv or .xlsx / berkas keluaran harus .csv atau .xlsx"),
    };
    let (tx, mut rx) = mpsc::channel::<ExportedUmkm>(1024);
    let producer = {
        let db = db.clone();
        tokio::spawn(async move {
            db.export_umkm(&scope, &filter, personal_data, &Actor::system("export"), tx)
                .await
        })
    };
    let columns = layout.columns();
    if xlsx {
        let mut w = sentra_sheets::XlsxWriter::new("UMKM", &columns)?;
        while let Some(row) = rx.recv().await {
            w.push(&layout.cells(&row))?;
        }
        w.finish_to(out)?;
    } else {
        let file = std::fs::File::create(out)
            .with_context(|| format!("cannot create {}", out.display()))?;
        let mut w = sentra_sheets::CsvWriter::new(std::io::BufWriter::new(file), &columns)?;
        while let Some(row) = rx.recv().await {
            w.push(&layout.cells(&row))?;
        }
        w.finish()?.flush()?;
    }
    let sent = producer.await.context("export task")??;
    Ok(sent)
}
