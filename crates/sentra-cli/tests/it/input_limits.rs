//! Input that cannot be real, and what it must not break (issue 27, items 9 and 13): amounts past
//! the per-record maximum and totals past `i64`, documents issued in the future or in year 9999,
//! NIKs of provinces that never were, names carrying invisible direction-changing characters;
//! and files the registry writes: owner-only database and backups, commits synced when asked.
//! On SQLite, and on PostgreSQL when SENTRA_TEST_POSTGRES_URL is set.

use crate::common;

use common::{HOME, sentra_in, spawn_app, valid_body};
use reqwest::Method;
use sentra_domain::demo::DemoGenerator;
use sentra_domain::region::{RegionCode, RegionTree};
use sentra_domain::scope::Scope;
use sentra_storage::{Database, Durability, Keyring, NewUmkm, PersonalKey};
use serde_json::json;

/// The old per-record maximum, Rp1.000 triliun: a database from before the limit may hold it.
const OLD_MAXIMUM: i64 = 1_000_000_000_000_000;

/// The (field, code, message) of each problem in a 422 answer.
fn problems(res: &serde_json::Value) -> Vec<(String, String, String)> {
    res["error"]["fields"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| {
                    let s = |k: &str| f[k].as_str().unwrap_or_default().to_string();
                    (s("field"), s("code"), s("message"))
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn totals_past_i64_are_exact_and_positive_in_the_report_its_workbook_and_the_dashboard() {
    let app = spawn_app().await;
    // The 9,400 records at Rp10^15 each (valid before the maximum came down to Rp10
    // triliun), written through the storage API as an old database holds them. Their sum,
    // 9,4 × 10^18, is past i64::MAX (9,22 × 10^18).
    let home = RegionCode::parse(HOME).unwrap();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let mut g = DemoGenerator::new(RegionTree::embedded(), &home, 27, today).unwrap();
    let n: i64 = 9_400;
    let batch: Vec<_> = (0..n)
        .map(|_| {
            let mut d = g.next_umkm();
            d.data.modal = Some(OLD_MAXIMUM);
            d.data.annual_sales = Some(OLD_MAXIMUM);
            d
        })
        .collect();
    let rows: Vec<NewUmkm<'_>> = batch
        .iter()
        .map(|d| NewUmkm {
            data: &d.data,
            // Verified: the official totals count them all (docs/counting-rules.md).
            status: sentra_domain::umkm::UmkmStatus::Verified,
            verified_by: Some("test"),
            owner: None,
            registered: None,
        })
        .collect();
    app.db
        .insert_umkm_batch(
            &Scope::region(home.clone()),
            &rows,
            &sentra_storage::Actor::system("test"),
        )
        .await
        .unwrap();
    assert_eq!(app.count().await, n);
    let total = i128::from(n) * i128::from(OLD_MAXIMUM);
    assert!(total > i128::from(i64::MAX));
    let shown = "Rp 9.400.000.000.000.000.000";
    assert_eq!(
        sentra_domain::money::format_rupiah(total),
        shown.replace(' ', "")
    );

    // The standard summary: modal and sales totals as the exact, positive number.
    let html = app.page("/laporan?wilayah=36.74&jenis=wilayah").await;
    let foot = &html[html.find("<tfoot>").expect("a total row")..];
    assert_eq!(foot.matches(&format!(">{shown}</td>")).count(), 2, "{foot}");
    assert!(!html.contains("Rp -"), "no negative total");

    // Its workbook: the total as exact text (past what a spreadsheet number keeps).
    let res = app
        .get("/laporan/laporan.xlsx?wilayah=36.74&jenis=wilayah")
        .await;
    assert_eq!(res.status(), 200);
    let table = sentra_sheets::read_table("laporan.xlsx", res.bytes().await.unwrap().to_vec())
        .expect("the workbook reads back");
    let total_row = table
        .rows
        .iter()
        .find(|r| r.cells.get(1).is_some_and(|c| c == "Jumlah"))
        .expect("a total row");
    assert_eq!(
        total_row
            .cells
            .iter()
            .filter(|c| c.as_str() == shown)
            .count(),
        2,
        "{total_row:?}"
    );

    // A cross-tab of modal: the grand total.
    let crosstab = "jenis=silang&wilayah=36.74&baris=sector&kolom=size&ukuran=modal";
    let html = app.page(&format!("/laporan?{crosstab}")).await;
    let foot = &html[html.find("<tfoot>").expect("a total row")..];
    assert!(
        foot.contains(&format!(">{shown}</td></tr></tfoot>")),
        "{foot}"
    );
    let res = app.get(&format!("/laporan/laporan.xlsx?{crosstab}")).await;
    assert_eq!(res.status(), 200);
    let table =
        sentra_sheets::read_table("silang.xlsx", res.bytes().await.unwrap().to_vec()).unwrap();
    let total_row = table.rows.iter().find(|r| r.cells[0] == "Jumlah").unwrap();
    assert_eq!(total_row.cells.last().map(String::as_str), Some(shown));

    // The dashboard and the flagship sales by sector read the same rollup.
    let html = app.page("/dasbor?wilayah=36.74").await;
    assert!(!html.contains("-9."), "no wrapped figure");
    let by_sector = app
        .db
        .sector_totals(&home, sentra_domain::flagship::lq::Measure::Sales)
        .await
        .unwrap();
    // Active businesses only: most of the 9,400, each at Rp10^15.
    let summed: f64 = by_sector.iter().map(|(_, v)| v).sum();
    assert!(summed > 8e18 && summed <= total as f64, "{summed}");
}

#[tokio::test]
async fn an_amount_above_rp10_triliun_is_refused_naming_the_field() {
    let app = spawn_app().await;
    for (field, typed) in [
        ("modal", "10.000.000.000.001"),
        ("annual_sales", "1000 T"),
        ("modal", "Rp1.000.000.000.000.000"),
    ] {
        let mut body = valid_body();
        body[field] = json!(typed);
        let (status, res) = app.send_json(Method::POST, "/api/v1/umkm", &body).await;
        assert_eq!(status, 422, "{typed}: {res}");
        assert!(
            problems(&res).contains(&(
                field.to_string(),
                "rupiah_too_large".to_string(),
                "Nilai rupiah terlalu besar (maksimal Rp10 triliun).".to_string()
            )),
            "{res}"
        );
    }
    assert_eq!(app.count().await, 0, "nothing stored");
    // In English on request; the maximum itself is accepted.
    let mut body = valid_body();
    body["modal"] = json!("10.000.000.000.001");
    let res: serde_json::Value = app
        .api
        .post(app.url("/api/v1/umkm"))
        .header("accept-language", "en")
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(problems(&res).iter().any(
        |(f, _, m)| f == "modal" && m == "Rupiah amount is too large (maximum Rp10 trillion)."
    ));
    body["modal"] = json!("10 T");
    let (status, res) = app.send_json(Method::POST, "/api/v1/umkm", &body).await;
    assert_eq!(status, 201, "{res}");
    assert_eq!(res["modal"], 10_000_000_000_000_i64);
}

#[tokio::test]
async fn document_dates_that_cannot_be_real_are_refused_naming_the_field() {
    let app = spawn_app().await;
    let tomorrow_but_one = (common::today() + chrono::Days::new(3))
        .format("%Y-%m-%d")
        .to_string();
    let cases = [
        (0, "issued_on", "9999-12-31", "nib", "date_in_future"),
        (
            0,
            "issued_on",
            tomorrow_but_one.as_str(),
            "nib",
            "date_in_future",
        ),
        (0, "issued_on", "1900-01-01", "nib", "date_too_early"),
        (1, "expires_on", "9999-12-31", "pirt", "date_too_far"),
        (1, "issued_on", "31/12/9999", "pirt", "date_in_future"),
    ];
    for (doc, part, date, kind, code) in cases {
        let mut body = valid_body();
        body["documents"][doc][part] = json!(date);
        let (status, res) = app.send_json(Method::POST, "/api/v1/umkm", &body).await;
        assert_eq!(status, 422, "{date}: {res}");
        let field = format!("documents.{kind}.{part}");
        let found = problems(&res);
        let problem = found
            .iter()
            .find(|(f, c, _)| *f == field && c == code)
            .unwrap_or_else(|| panic!("{field} {code} in {res}"));
        assert!(
            !problem.2.is_empty() && !problem.2.starts_with("error."),
            "{res}"
        );
    }
    assert_eq!(app.count().await, 0, "nothing stored");
    // A P-IRT is valid at most five years from issue (Peraturan BPOM 22/2018).
    let mut body = valid_body();
    body["documents"][1]["expires_on"] = json!("2090-01-01");
    let (status, res) = app.send_json(Method::POST, "/api/v1/umkm", &body).await;
    assert_eq!(status, 422, "{res}");
    assert!(
        problems(&res)
            .iter()
            .any(|(f, c, _)| f == "documents.pirt.expires_on" && c == "pirt_validity_too_long"),
        "{res}"
    );
    // Real dates still pass, an expiry years ahead too.
    body["documents"][1]["issued_on"] = json!("");
    let (status, res) = app.send_json(Method::POST, "/api/v1/umkm", &body).await;
    assert_eq!(status, 201, "{res}");
}

#[tokio::test]
async fn a_nik_of_a_province_that_never_was_is_refused() {
    let app = spawn_app().await;
    for province in ["99", "10", "20", "37", "54", "98"] {
        let mut body = valid_body();
        body["nik"] = json!(format!("{province}74034506900012"));
        let (status, res) = app.send_json(Method::POST, "/api/v1/umkm", &body).await;
        assert_eq!(status, 422, "{province}: {res}");
        assert!(
            problems(&res).contains(&(
                "nik".to_string(),
                "nik_province".to_string(),
                "Dua digit pertama NIK bukan kode provinsi (Kepmendagri 2025).".to_string()
            )),
            "{res}"
        );
    }
    assert_eq!(app.count().await, 0, "nothing stored");
    // A NIK first registered in another province (Papua Barat Daya, 2022) is fine.
    let mut body = valid_body();
    body["nik"] = json!("9671034506900012");
    let (status, res) = app.send_json(Method::POST, "/api/v1/umkm", &body).await;
    assert_eq!(status, 201, "{res}");
}

#[tokio::test]
async fn invisible_and_direction_changing_characters_are_dropped_from_names() {
    let app = spawn_app().await;
    let hidden = [
        '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}',
        '\u{2068}', '\u{2069}', '\u{200E}', '\u{200F}', '\u{061C}', '\u{200B}', '\u{200C}',
        '\u{200D}', '\u{2060}', '\u{FEFF}',
    ];
    let mut body = valid_body();
    body["name"] = json!("\u{FEFF}Keripik Tempe\u{202E}gnp.exe\u{200B} Bu Sri\u{2066}\u{2069}");
    body["brand"] = json!("Kri\u{200D}ukku\u{2060}");
    body["owner_name"] = json!("Sri\u{200F} Les\u{061C}tari\u{202D}");
    body["address"] = json!("Jl. Merdeka\u{200E} No. 5");
    let (status, created) = app.send_json(Method::POST, "/api/v1/umkm", &body).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap();
    let (status, got) = app.get_json(&format!("/api/v1/umkm/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(got["name"], "Keripik Tempegnp.exe Bu Sri");
    assert_eq!(got["brand"], "Kriukku");
    assert_eq!(got["owner_name"], "Sri Lestari");
    let text = got.to_string();
    for c in hidden {
        assert!(!text.contains(c), "{c:?} stored in {text}");
    }
    // A name of nothing but invisible characters is no name.
    let mut body = valid_body();
    body["name"] = json!("\u{200B}\u{202E}\u{FEFF}");
    let (status, res) = app.send_json(Method::POST, "/api/v1/umkm", &body).await;
    assert_eq!(status, 422);
    assert!(
        problems(&res)
            .iter()
            .any(|(f, c, _)| f == "name" && c == "required")
    );
}

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// Every file under `dir` has mode 0600 and every folder 0700; how many files there are.
#[cfg(unix)]
fn all_private(dir: &std::path::Path) -> usize {
    assert_eq!(mode(dir), 0o700, "{}", dir.display());
    let mut files = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files += all_private(&path);
        } else {
            assert_eq!(mode(&path), 0o600, "{}", path.display());
            files += 1;
        }
    }
    files
}

#[cfg(unix)]
#[tokio::test]
async fn the_sqlite_database_and_backups_are_readable_by_their_owner_only() {
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("data/sentra.db");
    let url = format!("sqlite://{}", file.display());
    let out = sentra_in(work.path())
        .args(["migrate", "--database", &url])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(mode(&file), 0o600, "the database file");
    for side in ["sentra.db-wal", "sentra.db-shm"] {
        let path = work.path().join("data").join(side);
        if path.exists() {
            assert_eq!(mode(&path), 0o600, "{side}");
        }
    }
    assert_eq!(
        mode(&work.path().join("data/sentra.key")),
        0o600,
        "as the key"
    );

    // A photo, so that the backup's media folder is checked too.
    let media = work.path().join("media/ab");
    std::fs::create_dir_all(&media).unwrap();
    std::fs::write(media.join("foto.webp"), b"x").unwrap();
    let backup_dir = work.path().join("cadangan");
    let out = sentra_in(work.path())
        .args(["backup", "--database", &url])
        .arg("--media")
        .arg(work.path().join("media"))
        .arg("--to")
        .arg(&backup_dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let files = all_private(&backup_dir);
    assert!(files >= 3, "database, manifest and photo: {files}");

    // A backup of the run's engine (pg_dump's file on PostgreSQL).
    let db = common::test_db().await;
    let out = sentra_in(work.path())
        .args(["migrate", "--database", &db.url])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let engine_dir = work.path().join("cadangan-2");
    let out = sentra_in(work.path())
        .args(["backup", "--database", &db.url])
        .arg("--media")
        .arg(work.path().join("tidak-ada"))
        .arg("--to")
        .arg(&engine_dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(all_private(&engine_dir) >= 2);
}

#[tokio::test]
async fn durability_full_makes_sqlite_sync_every_commit() {
    let work = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/sentra.db", work.path().display());
    let migrate = |extra: &[&str], env: Option<&str>| {
        let mut c = sentra_in(work.path());
        c.args(["migrate", "--database", &url]).args(extra);
        c.env_remove("SENTRA_DURABILITY");
        if let Some(v) = env {
            c.env("SENTRA_DURABILITY", v);
        }
        let out = c.output().unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).to_string(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let (ok, out, err) = migrate(&["--durability", "full"], None);
    assert!(ok, "{err}");
    assert!(out.contains("SQLite synchronous = 2 (full)"), "{out}");
    let (ok, out, err) = migrate(&[], Some("full"));
    assert!(ok, "{err}");
    assert!(out.contains("SQLite synchronous = 2 (full)"), "{out}");
    let (ok, out, err) = migrate(&[], None);
    assert!(ok, "{err}");
    assert!(out.contains("SQLite synchronous = 1 (normal)"), "{out}");
    let (ok, _, err) = migrate(&["--durability", "fast"], None);
    assert!(!ok);
    assert!(err.contains("normal or full"), "{err}");

    // Every connection of the pool, as the server gets them.
    let keyring = || Keyring::new(PersonalKey::generate().0);
    let db = Database::connect_with_durability(&url, keyring(), Durability::Full)
        .await
        .unwrap();
    for _ in 0..3 {
        assert_eq!(db.sqlite_synchronous().await.unwrap(), Some(2));
    }
    db.close().await;
    let db = Database::connect(&url, keyring()).await.unwrap();
    assert_eq!(db.sqlite_synchronous().await.unwrap(), Some(1));
    db.close().await;
}
