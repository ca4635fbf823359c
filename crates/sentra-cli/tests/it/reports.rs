//! Reports through the pages, on SQLite and PostgreSQL: the standard summary per kecamatan and
//! a cross-tab agree with counts done directly in SQL by the counting rules (verified UMKM); their `.xlsx` opens in LibreOffice with
//! Indonesian formatting (converted to CSV by `soffice` here); bad choices are named.

use crate::common;

use std::path::Path;
use std::process::Command;

use common::spawn_app;
use sqlx::{Connection, Row};

/// LibreOffice's converter, when installed (scripts/test.sh installs it; CI requires it).
pub(crate) fn soffice() -> Option<&'static str> {
    let found = Command::new("soffice").arg("--version").output().is_ok();
    if !found && std::env::var("CI").as_deref() == Ok("true") {
        panic!("LibreOffice (soffice) is required in CI: scripts/test.sh installs it");
    }
    found.then_some("soffice")
}

/// The workbook's first sheet as LibreOffice shows it, converted to CSV with the formatted
/// values (the "as shown" option of the CSV filter).
pub(crate) fn rendered_csv(bytes: &[u8], dir: &Path) -> Option<String> {
    let bin = soffice()?;
    let file = dir.join("laporan.xlsx");
    std::fs::write(&file, bytes).unwrap();
    let profile = format!("-env:UserInstallation=file://{}/lo-profile", dir.display());
    let out = Command::new(bin)
        .args([
            profile.as_str(),
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true",
            "--outdir",
        ])
        .arg(dir)
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    Some(std::fs::read_to_string(dir.join("laporan.csv")).unwrap())
}

#[tokio::test]
async fn the_summary_and_a_cross_tab_match_sql_and_open_in_libreoffice() {
    let app = spawn_app().await;
    app.seed(150, 21).await;
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(app.test_db.direct())
        .await
        .unwrap();
    let row = sqlx::query(
        "SELECT COUNT(*) AS n, \
         SUM(CASE WHEN id IN (SELECT umkm_id FROM umkm_documents WHERE kind = 'nib') \
             THEN 1 ELSE 0 END) AS nib, \
         CAST(SUM(COALESCE(modal_rupiah, 0)) AS BIGINT) AS modal \
         FROM umkm WHERE merged_into IS NULL AND status = 'verified'",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    let total: i64 = row.try_get("n").unwrap();
    let nib: i64 = row.try_get("nib").unwrap();
    let modal: i64 = row.try_get("modal").unwrap();
    let dots = |n: i64| sentra_domain::money::format_thousands(n);

    // The standard summary: a line per kecamatan and the total, as SQL counts it.
    let html = app.page("/laporan?wilayah=36.74&jenis=wilayah").await;
    assert!(html.contains("Rekapitulasi UMKM per kecamatan"), "{html}");
    let foot = &html[html.find("<tfoot>").expect("a total row")..];
    assert!(
        foot.contains(&format!(">{}</td>", dots(total))),
        "{total} in {foot}"
    );
    assert!(foot.contains(&format!(">{}</td>", dots(nib))));
    assert!(foot.contains(&format!(">Rp {}</td>", dots(modal))));
    // Every kecamatan of the region data has its line, with or without UMKM.
    let districts = sentra_domain::region::RegionTree::embedded()
        .children(&sentra_domain::region::RegionCode::parse("36.74").unwrap())
        .len();
    assert_eq!(
        html.matches("<tr><th scope=\"row\">36.74.").count(),
        districts
    );

    // Its workbook as LibreOffice renders it: Indonesian separators and rupiah.
    let res = app
        .get("/laporan/laporan.xlsx?wilayah=36.74&jenis=wilayah")
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let bytes = res.bytes().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    if let Some(csv) = rendered_csv(&bytes, dir.path()) {
        assert!(csv.contains("Rekapitulasi UMKM per kecamatan"), "{csv}");
        assert!(csv.contains("Kode wilayah"), "{csv}");
        let last = csv.lines().rev().find(|l| l.contains("Jumlah")).unwrap();
        assert!(last.contains(&format!("Rp {}", dots(modal))), "{last}");
        assert!(modal > 1_000_000, "big enough to show separators");
        // The NIB share with a decimal comma.
        let share = format!("{:.1}%", nib as f64 * 100.0 / total as f64).replace('.', ",");
        assert!(last.contains(&share), "{share} in {last}");
    } else {
        eprintln!("soffice not installed: the LibreOffice rendering check was skipped");
    }
    // Read back: numbers stay numbers for the office that sums them.
    let table = sentra_sheets::read_table("laporan.xlsx", bytes.to_vec()).unwrap();
    let total_row = table
        .rows
        .iter()
        .find(|r| r.cells.get(1).is_some_and(|c| c == "Jumlah"))
        .unwrap();
    assert_eq!(
        total_row.cells[2].trim_start_matches('\u{1}'),
        total.to_string()
    );

    // A cross-tab: sector × size class, each cell as SQL counts it.
    let html = app
        .page("/laporan?jenis=silang&wilayah=36.74&baris=sector&kolom=size&ukuran=count")
        .await;
    assert!(
        html.contains("Jumlah UMKM menurut sektor dan skala usaha"),
        "{html}"
    );
    let kuliner_mikro: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM umkm WHERE merged_into IS NULL AND status = 'verified' \
         AND sector_code = 'kuliner' \
         AND size_class = 'mikro'",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap()
    .try_get("n")
    .unwrap();
    assert!(kuliner_mikro > 0);
    let line = html
        .lines()
        .find(|l| l.contains("<th scope=\"row\">Kuliner</th>"))
        .map(str::to_string)
        .or_else(|| {
            html.split("<tr>")
                .find(|l| l.contains("<th scope=\"row\">Kuliner</th>"))
                .map(str::to_string)
        })
        .expect("a kuliner row");
    assert!(
        line.contains(&format!(
            "<td data-label=\"Mikro\" class=\"num\">{}</td>",
            dots(kuliner_mikro)
        )),
        "{line}"
    );
    let foot = &html[html.find("<tfoot>").unwrap()..];
    assert!(foot.contains(&format!(">{}</td></tr></tfoot>", dots(total))));
    // The same as a workbook, rupiah this time.
    let res = app
        .get("/laporan/laporan.xlsx?jenis=silang&wilayah=36.74&baris=region&kolom=nib&ukuran=modal")
        .await;
    assert_eq!(res.status(), 200);
    let table = sentra_sheets::read_table("t.xlsx", res.bytes().await.unwrap().to_vec()).unwrap();
    let total_row = table.rows.iter().find(|r| r.cells[0] == "Jumlah").unwrap();
    assert_eq!(
        total_row.cells.last().unwrap().trim_start_matches('\u{1}'),
        modal.to_string()
    );

    // Bad choices are named; outside the caller's area is not found.
    let res = app
        .get("/laporan?jenis=silang&baris=nik&kolom=size&ukuran=count")
        .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("Baris"));
    let res = app
        .get("/laporan?jenis=silang&baris=size&kolom=size&ukuran=count")
        .await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Baris dan kolom harus berbeda")
    );
    assert_eq!(
        app.get("/laporan?jenis=wilayah&wilayah=32.73")
            .await
            .status(),
        404
    );
}

/// The reports in the JSON API (issue 33): the same table as the page and workbook, numbers as
/// numbers whose columns add up to the total line and to the registry, strict parameters.
#[tokio::test]
async fn reports_come_through_the_api_as_numbers_that_add_up() {
    use sqlx::{Connection, Row};
    let app = common::spawn_app().await;
    app.seed(50, 21).await;
    let (status, r) = app
        .get_json("/api/v1/reports?jenis=wilayah&wilayah=36.74")
        .await;
    assert_eq!(status, 200, "{r}");
    let columns = r["columns"].as_array().unwrap();
    let at = |header: &str| {
        columns
            .iter()
            .position(|c| c["header"] == header)
            .unwrap_or_else(|| panic!("no {header}: {columns:?}"))
    };
    let (umkm, sales) = (at("Jumlah UMKM"), at("Omzet tahunan (Rp)"));
    assert_eq!(columns[umkm]["type"], "count");
    assert_eq!(columns[sales]["type"], "rupiah");
    let rows = r["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 7, "every kecamatan of the city");
    let sum = |i: usize| -> i64 { rows.iter().map(|row| row[i].as_i64().unwrap()).sum() };
    let total = r["total"].as_array().unwrap();
    assert_eq!(total[umkm].as_i64().unwrap(), sum(umkm));
    assert_eq!(total[sales].as_i64().unwrap(), sum(sales));
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(app.test_db.direct())
        .await
        .unwrap();
    let row = sqlx::query(
        "SELECT COUNT(*) AS n, CAST(COALESCE(SUM(annual_sales_rupiah), 0) AS BIGINT) AS s \
         FROM umkm WHERE status = 'verified' AND merged_into IS NULL",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(sum(umkm), row.try_get::<i64, _>("n").unwrap());
    assert_eq!(sum(sales), row.try_get::<i64, _>("s").unwrap());
    conn.close().await.unwrap();

    // A cross-tab and a progress report; the headers in the reader's language.
    let (status, x) = app
        .get_json("/api/v1/reports?jenis=silang&baris=sector&kolom=size&ukuran=count")
        .await;
    assert_eq!(status, 200, "{x}");
    assert!(!x["rows"].as_array().unwrap().is_empty());
    let (status, p) = app
        .get_json("/api/v1/reports?jenis=kemajuan&tahun=2026")
        .await;
    assert_eq!(status, 200, "{p}");
    let english = app
        .api
        .get(app.url("/api/v1/reports?jenis=wilayah"))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    assert!(
        english["columns"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["header"] == "Annual sales (Rp)"),
        "{english}"
    );

    // Refused by name, outside the area 404, a partner 403.
    for (query, field) in [
        ("jenis=", "jenis"),
        ("jenis=grafik", "jenis"),
        ("jenis=kemajuan&tahun=1999", "tahun"),
        ("jenis=silang&baris=nik&kolom=size&ukuran=count", "baris"),
        ("jenis=wilayah&wilayah=36-74", "wilayah"),
    ] {
        let (status, err) = app.get_json(&format!("/api/v1/reports?{query}")).await;
        assert_eq!(
            (status, err["error"]["fields"][0]["field"].as_str()),
            (422, Some(field)),
            "{query}: {err}"
        );
    }
    let (status, _) = app
        .get_json("/api/v1/reports?jenis=wilayah&wilayah=32.73")
        .await;
    assert_eq!(status, 404);
    let (_, partner, _) = app.as_user("partner", "36.74").await;
    let refused = partner
        .get(app.url("/api/v1/reports?jenis=wilayah"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
}
