//! How long the streaming writer takes for a registry-sized export, typed cells against the
//! same values written as text (what the export did before issue 29):
//! `cargo run --release -p sentra-sheets --example export_bench -- 1000000`.

use std::time::Instant;

use sentra_domain::programme::activity::Zone;
use sentra_sheets::{Cell, Column, Kind, XlsxWriter};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rows: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200_000);
    let kinds = [
        Kind::Text,
        Kind::Text,
        Kind::Text,
        Kind::Text,
        Kind::Text,
        Kind::Text,
        Kind::Text,
        Kind::Text,
        Kind::Text,
        Kind::Text,
        Kind::Text,
        Kind::Text,
        Kind::Integer,
        Kind::Rupiah,
        Kind::Rupiah,
        Kind::Count,
        Kind::Count,
        Kind::Text,
        Kind::Text,
        Kind::Text,
        Kind::DateTime,
        Kind::Text,
        Kind::Text,
        Kind::Text,
    ];
    let row = |i: usize| -> Vec<Cell> {
        vec![
            Cell::Text(format!("0192f0c2-{i:08}")),
            Cell::Text(format!("Keripik Tempe {i}")),
            Cell::Text("Bu Sri".into()),
            Cell::Text("Sri Wahyuni".into()),
            Cell::Text("367403••••••0002".into()),
            Cell::Text("0812••••7890".into()),
            Cell::Text("Jl. Melati No. 12".into()),
            Cell::Text("36.74.03.1001".into()),
            Cell::Text("Pondok Aren".into()),
            Cell::Text("Pondok Aren".into()),
            Cell::Text("Kuliner".into()),
            Cell::Text("10794".into()),
            Cell::Integer(2015 + (i % 10) as i64),
            Cell::Rupiah(1_500_000 + i as i128),
            Cell::Rupiah(48_000_000 + i as i128),
            Cell::Count((i % 7) as i64),
            Cell::Count((i % 5) as i64),
            Cell::Text("Mikro".into()),
            Cell::Text("9120301234567".into()),
            Cell::Text("Terverifikasi".into()),
            Cell::local_time("2026-01-05T07:05:00.000Z", Zone::Wib),
            Cell::Text("kuliner".into()),
            Cell::Text("mikro".into()),
            Cell::Text("verified".into()),
        ]
    };
    let dir = std::env::temp_dir();
    for typed in [false, true] {
        let columns: Vec<Column> = kinds
            .iter()
            .enumerate()
            .map(|(i, k)| Column::new(format!("Kolom {i}"), if typed { *k } else { Kind::Text }))
            .collect();
        let path = dir.join(format!("sentra-bench-{typed}.xlsx"));
        let started = Instant::now();
        let mut w = XlsxWriter::new("UMKM", &columns)?;
        for i in 0..rows {
            let mut cells = row(i);
            if !typed {
                // The old export: every value as its text.
                cells = cells.iter().map(|c| Cell::text(c.csv_text())).collect();
            }
            w.push(&cells)?;
        }
        w.finish_to(&path)?;
        let size = std::fs::metadata(&path)?.len();
        println!(
            "{} {rows} rows: {:.1} s, {:.1} MB",
            if typed { "typed" } else { "text " },
            started.elapsed().as_secs_f64(),
            size as f64 / 1e6
        );
        std::fs::remove_file(&path)?;
    }
    Ok(())
}
