//! `sentra export`: the registry (or a filtered part) to csv or xlsx, streamed.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, bail};
use sentra_domain::scope::Scope;
use sentra_storage::{Actor, Database, EXPORT_HEADERS, UmkmFilter};
use tokio::sync::mpsc;

pub async fn run(
    db: &Database,
    scope: Scope,
    filter: UmkmFilter,
    personal_data: bool,
    out: &Path,
) -> anyhow::Result<u64> {
    let xlsx = match out.extension().and_then(|e| e.to_str()) {
        Some("xlsx") => true,
        Some("csv") => false,
        _ => bail!("--out must end in .csv or .xlsx / berkas keluaran harus .csv atau .xlsx"),
    };
    let (tx, mut rx) = mpsc::channel::<Vec<String>>(1024);
    let producer = {
        let db = db.clone();
        tokio::spawn(async move {
            db.export_umkm(&scope, &filter, personal_data, &Actor::system("export"), tx)
                .await
        })
    };
    let headers: Vec<String> = EXPORT_HEADERS.iter().map(|h| h.to_string()).collect();
    if xlsx {
        let mut w = sentra_sheets::XlsxWriter::new("UMKM", &headers)?;
        while let Some(row) = rx.recv().await {
            w.push(&row)?;
        }
        w.finish_to(out)?;
    } else {
        let file = std::fs::File::create(out)
            .with_context(|| format!("cannot create {}", out.display()))?;
        let mut w = sentra_sheets::CsvWriter::new(std::io::BufWriter::new(file), &headers)?;
        while let Some(row) = rx.recv().await {
            w.push(&row)?;
        }
        w.finish()?.flush()?;
    }
    let sent = producer.await.context("export task")??;
    Ok(sent)
}
