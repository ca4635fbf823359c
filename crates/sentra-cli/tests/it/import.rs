//! `sentra import` on messy files as offices have them, on SQLite and PostgreSQL.

use crate::common;

use std::path::Path;
use std::process::Command;

use sentra_domain::region::RegionCode;
use sentra_domain::scope::Scope;

fn import(dir: &Path, db: &str, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_sentra"))
        .env_remove("SENTRA_DATABASE")
        .env("SENTRA_LOG", "error")
        .arg("import")
        .args(args)
        .args(["--region", "36.74", "--database", db])
        .current_dir(dir)
        .output()
        .expect("run sentra");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs `sentra ARGS` in `dir`, which must succeed, and returns what it printed.
fn sentra_ok(dir: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_sentra"))
        .env("SENTRA_LOG", "error")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

async fn count(db: &str, dir: &Path) -> i64 {
    let database = sentra_storage::Database::connect(db, common::created_key(db, dir))
        .await
        .unwrap();
    let n = database
        .count_umkm(&Scope::region(RegionCode::parse("36.74").unwrap()))
        .await
        .unwrap();
    database.close().await;
    n
}

#[tokio::test]
async fn a_messy_csv_is_checked_row_by_row_then_imported_and_reimport_changes_nothing() {
    let db = common::test_db().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pondok-aren.csv");
    std::fs::write(&file, common::messy_csv()).unwrap();
    let f = file.to_str().unwrap();

    let (ok, out, err) = import(dir.path(), &db.url, &[f, "--dry-run"]);
    assert!(ok, "{err}\n{out}");
    assert!(
        out.contains("(windows-1252, ';'): judul kolom di baris 3, 7 baris data"),
        "{out}"
    );
    assert!(
        out.contains("\"No. HP/WA\"") && out.contains("→ Telepon/WhatsApp"),
        "{out}"
    );
    assert!(
        out.contains("A \"No\"") && out.contains("(diabaikan)"),
        "{out}"
    );
    let lines: Vec<&str> = out.lines().collect();
    let count_of = |label: &str| -> usize {
        lines
            .iter()
            .find(|l| l.trim_start().starts_with(label))
            .and_then(|l| l.split_whitespace().last())
            .and_then(|n| n.parse().ok())
            .unwrap_or(usize::MAX)
    };
    assert_eq!(count_of("baru"), 3, "{out}");
    assert_eq!(count_of("tidak valid"), 4, "{out}");
    // Every invalid row by the row number Excel shows, its column and the reason.
    assert!(
        out.contains("baris 5, kolom D \"NIK\": NIK harus 16 digit."),
        "{out}"
    );
    assert!(
        out.contains("baris 6, kolom H \"Kelurahan\": Nama wilayah tidak ditemukan"),
        "{out}"
    );
    assert!(
        out.contains("baris 7, kolom H \"Kelurahan\": Nama wilayah cocok dengan beberapa tempat"),
        "{out}"
    );
    assert!(
        out.contains("Pondok Jaya (Pondok Aren, 36.74.03.1004)"),
        "{out}"
    );
    assert!(
        out.contains("baris 8, kolom B \"Nama Usaha\": Baris ini sama dengan baris sebelumnya"),
        "{out}"
    );
    assert!(out.contains("(baris 4)"), "{out}");
    assert!(out.contains("belum ada yang disimpan"), "{out}");
    assert_eq!(
        count(&db.url, dir.path()).await,
        0,
        "a dry run writes nothing"
    );

    // The rejected rows come back as an xlsx with their row number and reason.
    let rejected = dir.path().join("pondok-aren-ditolak.xlsx");
    let table = sentra_sheets::read_table(
        "pondok-aren-ditolak.xlsx",
        std::fs::read(&rejected).unwrap(),
    )
    .unwrap();
    assert_eq!(table.rows.len(), 5, "header + 4 rejected rows");
    let header = &table.rows[0].cells;
    assert_eq!(header[1], "Nama Usaha");
    assert_eq!(header[header.len() - 2], "Baris asal");
    assert_eq!(header[header.len() - 1], "Alasan");
    assert_eq!(table.rows[1].cells[1], "Batik Ratna");
    // The row number is a number cell (the reader marks those with \u{1}).
    assert_eq!(table.rows[1].cells[header.len() - 2], "\u{1}5");
    assert!(table.rows[1].cells[header.len() - 1].contains("NIK harus 16 digit"));
    assert_eq!(
        table.rows[3].cells[3], "3674034404880002",
        "the NIK stays text"
    );

    // --all-or-nothing refuses while any row is invalid.
    let (ok, _, err) = import(dir.path(), &db.url, &[f, "--all-or-nothing"]);
    assert!(!ok);
    assert!(err.contains("Tidak ada yang disimpan"), "{err}");
    assert_eq!(count(&db.url, dir.path()).await, 0);

    let (ok, out, err) = import(dir.path(), &db.url, &[f]);
    assert!(ok, "{err}\n{out}");
    assert!(
        out.contains("Tersimpan: 3 baru, 0 diperbarui, 0 tidak berubah"),
        "{out}"
    );
    assert_eq!(count(&db.url, dir.path()).await, 3);

    // The same file again: nothing changes.
    let (ok, out, err) = import(dir.path(), &db.url, &[f]);
    assert!(ok, "{err}\n{out}");
    assert!(
        out.contains("Tersimpan: 0 baru, 0 diperbarui, 3 tidak berubah"),
        "{out}"
    );
    assert_eq!(count(&db.url, dir.path()).await, 3);

    // Fix the rejected rows in their own file and import it: they join the registry.
    let mut fixed: Vec<Vec<String>> = table.rows[1..].iter().map(|r| r.cells.clone()).collect();
    fixed[0][3] = "3674035506900012".into(); // the NIK, now 16 digits
    fixed[1][7] = "Pondok Betung".into(); // a kelurahan of the named kecamatan
    fixed[1][6] = "Pondok Aren".into();
    fixed[2][7] = "Pondok Kacang Barat".into();
    fixed.pop(); // the repeated row is dropped
    let fixed: Vec<Vec<sentra_sheets::Cell>> = fixed
        .into_iter()
        .map(|r| r.into_iter().map(sentra_sheets::Cell::text).collect())
        .collect();
    let columns = sentra_sheets::Column::texts(header);
    let bytes = sentra_sheets::write_xlsx("Ditolak", &columns, &fixed).unwrap();
    let again = dir.path().join("diperbaiki.xlsx");
    std::fs::write(&again, bytes).unwrap();
    let (ok, out, err) = import(dir.path(), &db.url, &[again.to_str().unwrap()]);
    assert!(ok, "{err}\n{out}");
    assert!(
        out.contains("\"Baris asal\"") && out.contains("\"Alasan\""),
        "{out}"
    );
    assert!(
        out.contains("Tersimpan: 3 baru, 0 diperbarui, 0 tidak berubah"),
        "{out}"
    );
    assert_eq!(count(&db.url, dir.path()).await, 6);
}

#[tokio::test]
async fn an_xlsx_with_a_merged_header_updates_matched_rows_and_keeps_what_it_lacks() {
    use rust_xlsxwriter::{Format, Workbook};
    let db = common::test_db().await;
    let dir = tempfile::tempdir().unwrap();
    // First the full list (with phones).
    let csv = dir.path().join("awal.csv");
    std::fs::write(
        &csv,
        "Nama Usaha,Nama Pemilik,NIK,No HP,Kelurahan,Jenis Usaha,NIB,Omzet\n\
Keripik Bu Rina,Rina,3674035506900002,081211112222,Jurangmangu Barat,Kuliner,1234567890123,100 jt\n\
Batik Ratna,Ratna,3674034404880002,081233334444,Pondok Jaya,Fesyen,,50 jt\n",
    )
    .unwrap();
    let (ok, out, err) = import(dir.path(), &db.url, &[csv.to_str().unwrap()]);
    assert!(ok && out.contains("Tersimpan: 2 baru"), "{err}\n{out}");

    // Then the programme office's workbook: no phones, a title, a merged "Tenaga Kerja" header
    // over L and P, numbers in number cells, one NIK that Excel rounded.
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let bold = Format::new().set_bold();
    sheet
        .write_string(0, 0, "Rekap Peserta Pelatihan 2025")
        .unwrap();
    for (c, h) in [
        "Nama Usaha",
        "Nama Pemilik",
        "NIK",
        "Kelurahan",
        "NIB",
        "Omzet/Tahun (Rp)",
    ]
    .iter()
    .enumerate()
    {
        sheet
            .write_string_with_format(2, c as u16, *h, &bold)
            .unwrap();
    }
    sheet
        .merge_range(2, 6, 2, 7, "Tenaga Kerja", &bold)
        .unwrap();
    sheet.write_string(3, 6, "L").unwrap();
    sheet.write_string(3, 7, "P").unwrap();
    // Name, owner, NIK (empty: typed into a number cell), kelurahan, NIB; omzet, L, P.
    type Row<'a> = (&'a str, &'a str, &'a str, &'a str, &'a str, f64, f64, f64);
    let rows: [Row; 3] = [
        (
            "Keripik Bu Rina",
            "Rina",
            "3674035506900002",
            "Jurangmangu Barat",
            "1234567890123",
            180_000_000.0,
            2.0,
            3.0,
        ),
        (
            "Batik Ratna",
            "Ratna",
            "3674034404880002",
            "Pondok Jaya",
            "",
            50_000_000.0,
            0.0,
            1.0,
        ),
        (
            "Sate Pak Budi",
            "Budi",
            "",
            "Pondok Jaya",
            "",
            20_000_000.0,
            1.0,
            0.0,
        ),
    ];
    for (i, r) in rows.iter().enumerate() {
        let row = 4 + i as u32;
        sheet.write_string(row, 0, r.0).unwrap();
        sheet.write_string(row, 1, r.1).unwrap();
        if r.2.is_empty() {
            // Typed into a number cell: Excel kept 15 digits.
            sheet.write_number(row, 2, 3_674_031_203_850_000.0).unwrap();
        } else {
            sheet.write_string(row, 2, r.2).unwrap();
        }
        sheet.write_string(row, 3, r.3).unwrap();
        sheet.write_string(row, 4, r.4).unwrap();
        sheet.write_number(row, 5, r.5).unwrap();
        sheet.write_number(row, 6, r.6).unwrap();
        sheet.write_number(row, 7, r.7).unwrap();
    }
    let xlsx = dir.path().join("pelatihan.xlsx");
    book.save(&xlsx).unwrap();

    let (ok, out, err) = import(dir.path(), &db.url, &[xlsx.to_str().unwrap()]);
    assert!(ok, "{err}\n{out}");
    assert!(
        out.contains("judul kolom di baris 3, 3 baris data"),
        "{out}"
    );
    assert!(
        out.contains("\"Tenaga Kerja L\"") && out.contains("→ Tenaga kerja laki-laki"),
        "{out}"
    );
    assert!(
        out.contains("baris 7, kolom C \"NIK\": NIK tersimpan sebagai angka di Excel"),
        "{out}"
    );
    assert!(
        out.contains("Tersimpan: 0 baru, 2 diperbarui, 0 tidak berubah"),
        "{out}"
    );

    let database =
        sentra_storage::Database::connect(&db.url, common::created_key(&db.url, dir.path()))
            .await
            .unwrap();
    let scope = Scope::region(RegionCode::parse("36.74").unwrap());
    let ids = database
        .umkm_ids_by_nik(&scope, "3674035506900002")
        .await
        .unwrap();
    let rina = database.get_umkm(&scope, &ids[0]).await.unwrap();
    assert_eq!(
        rina.annual_sales,
        Some(180_000_000),
        "updated from the workbook"
    );
    assert_eq!(
        (rina.employees_male, rina.employees_female),
        (Some(2), Some(3))
    );
    assert_eq!(
        rina.owner_phone.as_deref(),
        Some("+6281211112222"),
        "kept: the workbook has no phones"
    );
    assert_eq!(rina.version, 2);
    database.close().await;

    // The same workbook again changes nothing.
    let (ok, out, _) = import(dir.path(), &db.url, &[xlsx.to_str().unwrap()]);
    assert!(
        ok && out.contains("Tersimpan: 0 baru, 0 diperbarui, 2 tidak berubah"),
        "{out}"
    );
}

#[test]
fn a_file_without_recognisable_headers_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("x.csv");
    std::fs::write(&file, "a,b,c\n1,2,3\n").unwrap();
    let db = format!("sqlite://{}/s.db", dir.path().display());
    let (ok, _, err) = import(dir.path(), &db, &[file.to_str().unwrap()]);
    assert!(!ok);
    assert!(err.contains("Baris judul kolom tidak ditemukan"), "{err}");
    let file = dir.path().join("y.csv");
    std::fs::write(&file, "Nama Usaha,NIK\nA,1\n").unwrap();
    let (ok, _, err) = import(dir.path(), &db, &[file.to_str().unwrap()]);
    assert!(!ok);
    assert!(
        err.contains("Pilih kolom yang berisi nama pemilik."),
        "{err}"
    );
}

#[tokio::test]
async fn an_export_with_personal_data_imports_back_as_unchanged() {
    let db = common::test_db().await;
    let dir = tempfile::tempdir().unwrap();
    let sentra = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(["--database", db.url.as_str()]);
        sentra_ok(dir.path(), &all)
    };
    sentra(&[
        "demo", "--region", "36.74.03", "--umkm", "300", "--seed", "3",
    ]);
    for name in ["semua.xlsx", "semua.csv"] {
        let out = sentra(&[
            "export",
            "--out",
            name,
            "--region",
            "36.74",
            "--personal-data",
        ]);
        assert!(out.starts_with("300 UMKM"), "{out}");
        let (ok, out, err) = import(dir.path(), &db.url, &[name, "--dry-run"]);
        assert!(ok, "{err}\n{out}");
        assert!(
            out.contains("tidak berubah                            300"),
            "{out}"
        );
    }
    // A masked export cannot stand in for the registry: its NIKs are rejected, nothing changes.
    sentra(&["export", "--out", "masked.csv", "--region", "36.74"]);
    let (ok, out, _) = import(dir.path(), &db.url, &["masked.csv", "--dry-run"]);
    assert!(ok);
    assert!(
        out.contains("tidak valid                              300"),
        "{out}"
    );
}

/// `kill -9` in the middle of an import leaves whole batches written, an intact audit trail,
/// and running the import again finishes it without duplicating anything.
#[tokio::test]
async fn an_import_killed_midway_leaves_whole_batches_and_resumes() {
    let db = common::test_db().await;
    let dir = tempfile::tempdir().unwrap();
    // 6,000 valid rows: six batches of 1,000.
    let csv = common::pondok_aren_rows(6000);
    let file = dir.path().join("besar.csv");
    std::fs::write(&file, csv).unwrap();

    let mut child = Command::new(env!("CARGO_BIN_EXE_sentra"))
        .env("SENTRA_LOG", "error")
        .args([
            "import",
            file.to_str().unwrap(),
            "--region",
            "36.74",
            "--database",
            &db.url,
        ])
        .current_dir(dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the first batch is in, then kill without warning.
    let started = std::time::Instant::now();
    loop {
        if count_quiet(&db.url, dir.path()).await > 0 {
            break;
        }
        assert!(started.elapsed().as_secs() < 60, "the import did not start");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();

    let written = count(&db.url, dir.path()).await;
    assert!(written > 0 && written <= 6000);
    assert_eq!(written % 1000, 0, "whole batches only: {written}");
    let database =
        sentra_storage::Database::connect(&db.url, common::created_key(&db.url, dir.path()))
            .await
            .unwrap();
    assert!(matches!(
        database.verify_audit().await.unwrap(),
        sentra_storage::AuditVerdict::Intact { .. }
    ));
    database.close().await;

    let (ok, out, err) = import(dir.path(), &db.url, &[file.to_str().unwrap()]);
    assert!(ok, "{err}\n{out}");
    assert!(
        out.contains(&format!(
            "Tersimpan: {} baru, 0 diperbarui, {written} tidak berubah",
            6000 - written
        )),
        "{out}"
    );
    assert_eq!(count(&db.url, dir.path()).await, 6000);
}

/// The count, or 0 while the database or its key does not exist yet.
async fn count_quiet(db: &str, dir: &Path) -> i64 {
    let key = match db.strip_prefix("sqlite://") {
        Some(f) => Path::new(f).parent().unwrap().join("sentra.key"),
        None => dir.join("sentra-data/sentra.key"),
    };
    if !key.exists() {
        return 0;
    }
    let Ok(text) = std::fs::read_to_string(&key) else {
        return 0;
    };
    let Ok(k) = sentra_storage::PersonalKey::parse(&text) else {
        return 0;
    };
    let Ok(database) = sentra_storage::Database::connect(db, sentra_storage::Keyring::new(k)).await
    else {
        return 0;
    };
    let n = database
        .count_umkm(&Scope::region(RegionCode::parse("36.74").unwrap()))
        .await
        .unwrap_or(0);
    database.close().await;
    n
}

/// The generated messy file's injected repeats are found: by the scan with precision and recall
/// of at least 0.95, and by the import as possible duplicates or repeated rows.
#[tokio::test]
async fn injected_duplicates_are_found_in_a_generated_file() {
    let db = common::test_db().await;
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| sentra_ok(dir.path(), args);
    run(&[
        "demo-file",
        "--rows",
        "5000",
        "--seed",
        "8",
        "--duplicate-per-mille",
        "20",
        "--out",
        "messy.csv",
        "--truth",
        "truth.csv",
    ]);
    let truth = std::fs::read_to_string(dir.path().join("truth.csv")).unwrap();
    let injected = truth.lines().filter(|l| l.ends_with(",duplicate")).count();
    assert!(injected > 50, "{injected}");
    let out = run(&[
        "duplicates",
        "messy.csv",
        "--truth",
        "truth.csv",
        "--region",
        "36.74",
        "--database",
        &db.url,
    ]);
    let last = out.lines().last().unwrap();
    let figure = |name: &str| -> f64 {
        last.split("; ")
            .find_map(|p| p.strip_prefix(&format!("{name} ")))
            .and_then(|v| v.parse().ok())
            .unwrap()
    };
    assert!(figure("precision") >= 0.95, "{out}");
    assert!(figure("recall") >= 0.95, "{out}");

    let (ok, out, err) = import(dir.path(), &db.url, &["messy.csv", "--dry-run"]);
    assert!(ok, "{err}");
    let flagged = out.lines().filter(|l| l.contains(" ~ baris ")).count();
    let repeated = out
        .matches("Baris ini sama dengan baris sebelumnya")
        .count();
    assert!(flagged > 0, "{out}");
    assert!(
        flagged + repeated >= injected * 9 / 10,
        "{flagged} + {repeated} of {injected}"
    );
}

/// Omzet and modal of the only record of the city.
async fn money(db: &str, dir: &Path) -> (Option<i64>, Option<i64>) {
    let database = sentra_storage::Database::connect(db, common::created_key(db, dir))
        .await
        .unwrap();
    let scope = Scope::region(RegionCode::parse("36.74").unwrap());
    let list = database
        .list_umkm(
            &scope,
            &sentra_storage::UmkmFilter::default(),
            sentra_storage::UmkmSort::Name,
            sentra_storage::SortDirection::Asc,
            sentra_storage::PageRequest {
                page: 1,
                per_page: 10,
            },
        )
        .await
        .unwrap()
        .items;
    assert_eq!(list.len(), 1);
    let r = database.get_umkm(&scope, &list[0].id).await.unwrap();
    database.close().await;
    (r.annual_sales, r.modal)
}

/// The number the report prints after `label`.
fn reported(out: &str, label: &str) -> usize {
    out.lines()
        .find(|l| l.trim_start().starts_with(label))
        .and_then(|l| l.split_whitespace().last())
        .and_then(|n| n.parse().ok())
        .unwrap_or(usize::MAX)
}

#[tokio::test]
async fn a_reimport_keeps_what_blank_cells_leave_out_clears_only_when_told_and_can_fill_only_gaps()
{
    let db = common::test_db().await;
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, omzet: &str, modal: &str| {
        let path = dir.path().join(name);
        std::fs::write(
            &path,
            format!(
                "Nama Usaha;Nama Pemilik;NIK;Kecamatan;Kelurahan;Omzet/Tahun;Modal;Jenis Usaha;NIB\n\
                 Keripik Tempe Bu Rina;Rina Marlina;3674035506900002;Pondok Aren;Jurangmangu Barat;\
                 {omzet};{modal};kuliner;1234567890123\n"
            ),
        )
        .unwrap();
        path.to_str().unwrap().to_string()
    };
    let first = write("awal.csv", "150000000", "25000000");
    let (ok, out, err) = import(dir.path(), &db.url, &[&first]);
    assert!(ok, "{err}\n{out}");

    // Blank cells keep the stored values.
    let blank = write("kosong.csv", "", "");
    let (ok, out, err) = import(dir.path(), &db.url, &[&blank]);
    assert!(ok, "{err}\n{out}");
    assert_eq!(reported(&out, "Isian yang akan dikosongkan"), 0, "{out}");
    assert_eq!(reported(&out, "Isian UMKM yang berubah"), 0, "{out}");
    assert_eq!(
        money(&db.url, dir.path()).await,
        (Some(150_000_000), Some(25_000_000))
    );

    // Clearing asked for: counted and listed first, every change in the --changes workbook.
    let changes = dir.path().join("perubahan.xlsx");
    let (ok, out, err) = import(
        dir.path(),
        &db.url,
        &[
            &blank,
            "--dry-run",
            "--clear-blank",
            "--changes",
            changes.to_str().unwrap(),
        ],
    );
    assert!(ok, "{err}\n{out}");
    assert_eq!(reported(&out, "Isian yang akan dikosongkan"), 2, "{out}");
    assert!(
        out.contains("baris 2, Keripik Tempe Bu Rina: Omzet tahunan: 150000000 → (kosong)"),
        "{out}"
    );
    let table = sentra_sheets::read_table("p.xlsx", std::fs::read(&changes).unwrap()).unwrap();
    assert_eq!(table.rows.len(), 3, "header and two changes");
    assert_eq!(
        table.rows[1].cells[3],
        "Modal usaha (di luar tanah dan bangunan)"
    );
    assert_eq!(
        money(&db.url, dir.path()).await,
        (Some(150_000_000), Some(25_000_000)),
        "a dry run writes nothing"
    );
    let (ok, out, err) = import(dir.path(), &db.url, &[&blank, "--clear-blank"]);
    assert!(ok, "{err}\n{out}");
    assert_eq!(money(&db.url, dir.path()).await, (None, None));

    // Fill empty fields only: the gaps are filled, nothing stored is replaced.
    let (ok, out, err) = import(
        dir.path(),
        &db.url,
        &[&write("omzet.csv", "999000000", ""), "--fill-empty"],
    );
    assert!(ok, "{err}\n{out}");
    let (ok, out, err) = import(
        dir.path(),
        &db.url,
        &[&write("lengkap.csv", "1000", "5000000"), "--fill-empty"],
    );
    assert!(ok, "{err}\n{out}");
    assert_eq!(
        money(&db.url, dir.path()).await,
        (Some(999_000_000), Some(5_000_000))
    );
    // The two choices contradict each other.
    let (ok, _, err) = import(
        dir.path(),
        &db.url,
        &[&blank, "--fill-empty", "--clear-blank"],
    );
    assert!(!ok);
    assert!(err.contains("--clear-blank"), "{err}");
}

/// An office's list says what a business makes ("Kue", "Batik", "Laundry") and spaces a
/// kelurahan's name its own way ("Jurang Mangu Barat"): those rows are read; a word that names
/// no sector is refused with the sectors it may say (issue 31: 7 of 8 such rows were refused
/// without the list of valid values).
#[tokio::test]
async fn everyday_sector_words_and_spaced_names_are_read_and_the_choices_named() {
    let db = common::test_db().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("daftar-kelurahan.csv");
    let rows = [
        "Nama Usaha;Nama Pemilik;NIK;Kecamatan;Kelurahan;Jenis Usaha",
        "Kue Bu Sari;Sari Wulandari;3674035506900011;Pondok Aren;Jurang Mangu Barat;Kue",
        "Batik Ratna;Ratna Sari;3674035506900012;Pondok Aren;Kel. Pondok Kacang Timur;Batik",
        "Laundry Bersih;Budi Santoso;3674031203850013;Pondok Aren;Jurangmangu Timur;Laundry",
        "Sablon Kaos Jaya;Joko Susilo;3674031203850014;Pondok Aren;Pondok Betung;Sablon",
        "Rumput Pak Dirman;Sudirman;3674031203850015;Pondok Aren;Pondok Betung;Ngarit",
    ];
    std::fs::write(&file, rows.join("\r\n")).unwrap();
    let f = file.to_str().unwrap();
    let (ok, out, err) = import(dir.path(), &db.url, &[f, "--dry-run"]);
    assert!(ok, "{err}\n{out}");
    assert_eq!(reported(&out, "baru"), 4, "{out}");
    assert_eq!(reported(&out, "tidak valid"), 1, "{out}");
    assert!(
        out.contains(
            "baris 6, kolom F \"Jenis Usaha\": Sektor tidak dikenal. Pilihan: Kuliner, Fesyen, Kriya"
        ),
        "{out}"
    );
    assert!(!out.contains("baris 2,"), "{out}");
}
