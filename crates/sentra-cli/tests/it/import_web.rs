//! Importing in the browser: upload, mapping, the dry run's report and rejected rows, commit,
//! and a server killed in the middle of writing, on SQLite and PostgreSQL.

use crate::common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use sentra_domain::region::RegionCode;
use sentra_domain::scope::Scope;
use sentra_storage::{Database, JobState};

/// Uploads `bytes` as `name`; returns the job id from the redirect.
pub(crate) async fn upload(
    client: &reqwest::Client,
    base: &str,
    csrf: &str,
    name: &str,
    bytes: Vec<u8>,
) -> String {
    let form = reqwest::multipart::Form::new()
        .text("_csrf", csrf.to_string())
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
        );
    let res = client
        .post(format!("{base}/umkm/import"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        303,
        "{}",
        res.text().await.unwrap_or_default()
    );
    let to = res.headers()["location"].to_str().unwrap().to_string();
    to.strip_prefix("/umkm/import/").unwrap().to_string()
}

pub(crate) async fn post_form(
    client: &reqwest::Client,
    url: String,
    fields: &[(String, String)],
) -> reqwest::Response {
    client.post(url).form(fields).send().await.unwrap()
}

/// Waits until the job leaves the busy states; returns the state it reached.
pub(crate) async fn settled(db: &Database, id: &str) -> JobState {
    let started = Instant::now();
    loop {
        let job = db.import_job(id).await.unwrap().unwrap();
        if !job.state.is_busy() {
            return job.state;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "job stuck in {:?}",
            job.state
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The mapping the page proposes, as the form sends it back.
pub(crate) async fn proposed_mapping(db: &Database, id: &str, csrf: &str) -> Vec<(String, String)> {
    let job = db.import_job(id).await.unwrap().unwrap();
    let mut fields = vec![("_csrf".to_string(), csrf.to_string())];
    for (i, t) in job.mapping.iter().enumerate() {
        fields.push((format!("col.{i}"), t.clone().unwrap_or_default()));
    }
    fields
}

#[tokio::test]
async fn an_upload_is_mapped_checked_reported_and_committed_and_reimport_changes_nothing() {
    let app = common::spawn_app().await;
    let scope = Scope::region(RegionCode::parse(common::HOME).unwrap());
    // The page: upload form, template link, and the registry's own columns in the template.
    let page = app.get("/umkm/import").await.text().await.unwrap();
    assert!(page.contains("enctype=\"multipart/form-data\""), "{page}");
    assert!(page.contains("/umkm/import/template.xlsx"), "{page}");
    let template = app.get("/umkm/import/template.xlsx").await;
    assert_eq!(template.status(), 200);
    let template = template.bytes().await.unwrap().to_vec();
    let table = sentra_sheets::read_table("t.xlsx", template).unwrap();
    let headers: Vec<String> = sentra_storage::EXPORT_HEADERS
        .iter()
        .map(|h| h.to_string())
        .collect();
    // The export's columns: the import layout first, then the codes of its labels.
    assert_eq!(table.rows[0].cells[..20], headers[..20]);
    assert_eq!(table.rows[0].cells[20], "Diperbarui (WIB)");

    // No file, and a file without a header row: clear messages, nothing stored.
    let form = reqwest::multipart::Form::new().text("_csrf", app.csrf.clone());
    let res = app
        .client
        .post(app.url("/umkm/import"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Pilih berkas spreadsheet")
    );
    let form = reqwest::multipart::Form::new()
        .text("_csrf", app.csrf.clone())
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"1;2\n3;4\n".to_vec()).file_name("angka.csv"),
        );
    let res = app
        .client
        .post(app.url("/umkm/import"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Baris judul kolom tidak ditemukan")
    );
    // Without the CSRF token the upload is refused.
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(common::messy_csv()).file_name("a.csv"),
    );
    let res = app
        .client
        .post(app.url("/umkm/import"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(
        app.db
            .import_jobs_within(scope.region_code(), 10)
            .await
            .unwrap()
            .is_empty()
    );

    let id = upload(
        &app.client,
        &app.base,
        &app.csrf,
        "pondok-aren.csv",
        common::messy_csv(),
    )
    .await;
    let page = app
        .get(&format!("/umkm/import/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Pemetaan kolom"), "{page}");
    assert!(page.contains("No. HP/WA"), "{page}");
    assert!(
        page.contains("<option value=\"phone\" selected>Telepon/WhatsApp</option>"),
        "{page}"
    );
    // Examples help recognise a column.
    assert!(page.contains("Keripik Tempe Bu Rina"), "{page}");

    // Two columns for one field, and no owner column: refused with both reasons.
    let mut fields = proposed_mapping(&app.db, &id, &app.csrf).await;
    for f in fields.iter_mut() {
        if f.1 == "owner_name" {
            f.1 = "name".into();
        }
    }
    let res = post_form(
        &app.client,
        app.url(&format!("/umkm/import/{id}/check")),
        &fields,
    )
    .await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(
        body.contains("dua kolom dipetakan ke isian yang sama"),
        "{body}"
    );
    assert!(
        body.contains("Pilih kolom yang berisi nama pemilik"),
        "{body}"
    );
    assert_eq!(
        app.db.import_job(&id).await.unwrap().unwrap().state,
        JobState::Mapping
    );

    // The proposed mapping, saved for the next file with these headers; the dry run runs.
    let mut fields = proposed_mapping(&app.db, &id, &app.csrf).await;
    fields.push(("save_mapping".into(), "1".into()));
    let res = post_form(
        &app.client,
        app.url(&format!("/umkm/import/{id}/check")),
        &fields,
    )
    .await;
    assert_eq!(res.status(), 303);
    assert_eq!(settled(&app.db, &id).await, JobState::Checked);
    assert_eq!(app.count().await, 0, "a dry run writes nothing");
    let report = app
        .get(&format!("/umkm/import/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        report.contains("baris 5, kolom D &quot;NIK&quot;: NIK harus 16 digit.")
            || report.contains("baris 5, kolom D &#34;NIK&#34;: NIK harus 16 digit."),
        "{report}"
    );
    assert!(
        report.contains("Pondok Jaya (Pondok Aren, 36.74.03.1004)"),
        "{report}"
    );
    let counts = app
        .db
        .import_job(&id)
        .await
        .unwrap()
        .unwrap()
        .counts
        .unwrap();
    assert_eq!((counts.new, counts.invalid), (3, 4));

    // The rejected rows with their row number and reason.
    let res = app.get(&format!("/umkm/import/{id}/rejected.xlsx")).await;
    assert_eq!(res.status(), 200);
    let rejected =
        sentra_sheets::read_table("r.xlsx", res.bytes().await.unwrap().to_vec()).unwrap();
    assert_eq!(rejected.rows.len(), 5, "header + 4 rejected rows");
    let width = rejected.rows[0].cells.len();
    assert_eq!(rejected.rows[0].cells[width - 2], "Baris asal");
    // The row number is a number cell (the reader marks those with \u{1}).
    assert_eq!(rejected.rows[1].cells[width - 2], "\u{1}5");
    assert!(rejected.rows[1].cells[width - 1].contains("NIK harus 16 digit"));

    // All or nothing: nothing is written while a row is invalid.
    let commit = |mode: &str| {
        vec![
            ("_csrf".to_string(), app.csrf.clone()),
            ("mode".to_string(), mode.to_string()),
        ]
    };
    let res = post_form(
        &app.client,
        app.url(&format!("/umkm/import/{id}/commit")),
        &commit("all_or_nothing"),
    )
    .await;
    assert_eq!(res.status(), 303);
    assert_eq!(settled(&app.db, &id).await, JobState::Failed);
    assert_eq!(app.count().await, 0);
    let page = app
        .get(&format!("/umkm/import/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Tidak ada yang disimpan"), "{page}");

    // Back to the mapping, check again, and write the valid rows.
    let csrf_only = vec![("_csrf".to_string(), app.csrf.clone())];
    let res = post_form(
        &app.client,
        app.url(&format!("/umkm/import/{id}/mapping")),
        &csrf_only,
    )
    .await;
    assert_eq!(res.status(), 303);
    let fields = proposed_mapping(&app.db, &id, &app.csrf).await;
    post_form(
        &app.client,
        app.url(&format!("/umkm/import/{id}/check")),
        &fields,
    )
    .await;
    assert_eq!(settled(&app.db, &id).await, JobState::Checked);
    post_form(
        &app.client,
        app.url(&format!("/umkm/import/{id}/commit")),
        &commit("valid"),
    )
    .await;
    assert_eq!(settled(&app.db, &id).await, JobState::Done);
    assert_eq!(app.count().await, 3);
    let job = app.db.import_job(&id).await.unwrap().unwrap();
    assert_eq!(job.result.unwrap().new, 3);
    let page = app
        .get(&format!("/umkm/import/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Tersimpan"), "{page}");
    // Written in the uploader's name, with the job as the origin.
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(app.test_db.direct()).await.unwrap();
    let (actor, origin): (String, String) = sqlx::query_as(
        "SELECT actor, origin FROM audit_log WHERE action = 'bulk_create' ORDER BY seq DESC LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    pool.close().await;
    assert_eq!(actor, "admin@test.id");
    assert_eq!(origin, format!("import {id}"));

    // The same file again: the saved mapping is used, and nothing changes.
    let again = upload(
        &app.client,
        &app.base,
        &app.csrf,
        "pondok-aren.csv",
        common::messy_csv(),
    )
    .await;
    let page = app
        .get(&format!("/umkm/import/{again}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Pemetaan yang tersimpan"), "{page}");
    let fields = proposed_mapping(&app.db, &again, &app.csrf).await;
    post_form(
        &app.client,
        app.url(&format!("/umkm/import/{again}/check")),
        &fields,
    )
    .await;
    assert_eq!(settled(&app.db, &again).await, JobState::Checked);
    let counts = app
        .db
        .import_job(&again)
        .await
        .unwrap()
        .unwrap()
        .counts
        .unwrap();
    assert_eq!((counts.new, counts.unchanged), (0, 3));
    post_form(
        &app.client,
        app.url(&format!("/umkm/import/{again}/commit")),
        &commit("valid"),
    )
    .await;
    assert_eq!(settled(&app.db, &again).await, JobState::Done);
    assert_eq!(app.count().await, 3);

    // An operator of another kecamatan does not see these jobs; a viewer may not import.
    let (serpong, _, _) = app.as_user("operator", "36.74.01").await;
    let res = serpong
        .get(app.url(&format!("/umkm/import/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let list = serpong
        .get(app.url("/umkm/import"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!list.contains(&id), "{list}");
    let (viewer, _, _) = app.as_user("viewer", common::HOME).await;
    let res = viewer.get(app.url("/umkm/import")).send().await.unwrap();
    assert_eq!(res.status(), 403);
}

fn sentra(dir: &Path, args: &[&str], input: Option<&str>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sentra"))
        .env("SENTRA_LOG", "error")
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(text) = input {
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `sentra serve` as its own process; returns it and its base URL.
fn serve(dir: &Path, db: &str) -> (std::process::Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sentra"))
        .env("SENTRA_LOG", "error")
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--home-region",
            "36.74",
            "--insecure-cookies",
            "--database",
            db,
        ])
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let url = loop {
        match lines.next() {
            Some(Ok(l)) if l.contains("http://") => {
                break l
                    .split_whitespace()
                    .find(|w| w.starts_with("http://"))
                    .unwrap()
                    .trim_end_matches('/')
                    .to_string();
            }
            Some(_) => {}
            None => panic!("server exited"),
        }
    };
    // Keep reading so that the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, url)
}

async fn sign_in(base: &str, login: &str, password: &str) -> (reqwest::Client, String) {
    let bare = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = bare
        .post(format!("{base}/login"))
        .form(&[("login", login), ("password", password)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let cookie = res.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let (client, _) = common::clients(cookie.trim_start_matches("sentra_session="), "x");
    let page = client
        .get(format!("{base}/umkm/import"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let at = page.find("name=\"_csrf\" value=\"").unwrap() + 20;
    let csrf = page[at..].split('"').next().unwrap().to_string();
    (client, csrf)
}

/// A `sentra serve` process writing a browser import of `rows` businesses: it has written some.
struct ImportUnderWay {
    server: std::process::Child,
    database: Database,
    id: String,
    scope: Scope,
    db: common::TestDb,
    dir: tempfile::TempDir,
}

async fn import_under_way(rows: u32) -> ImportUnderWay {
    let db = common::test_db().await;
    let dir = tempfile::tempdir().unwrap();
    sentra(dir.path(), &["migrate", "--database", &db.url], None);
    sentra(
        dir.path(),
        &[
            "user",
            "add",
            "--name",
            "Operator",
            "--login",
            "op@test.id",
            "--role",
            "operator",
            "--scope",
            "36.74.03",
            "--database",
            &db.url,
        ],
        Some("kata-sandi-uji\n"),
    );
    let csv = common::pondok_aren_rows(rows);
    let (server, base) = serve(dir.path(), &db.url);
    let (client, csrf) = sign_in(&base, "op@test.id", "kata-sandi-uji").await;
    let id = upload(&client, &base, &csrf, "besar.csv", csv.into_bytes()).await;
    let database = Database::connect(&db.url, common::created_key(&db.url, dir.path()))
        .await
        .unwrap();
    let fields = proposed_mapping(&database, &id, &csrf).await;
    post_form(&client, format!("{base}/umkm/import/{id}/check"), &fields).await;
    assert_eq!(settled(&database, &id).await, JobState::Checked);
    post_form(
        &client,
        format!("{base}/umkm/import/{id}/commit"),
        &[
            ("_csrf".into(), csrf.clone()),
            ("mode".into(), "valid".into()),
        ],
    )
    .await;
    let scope = Scope::region(RegionCode::parse("36.74").unwrap());
    let started = Instant::now();
    while database.count_umkm(&scope).await.unwrap() == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the import did not start"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    ImportUnderWay {
        server,
        database,
        id,
        scope,
        db,
        dir,
    }
}

#[tokio::test]
async fn a_server_killed_while_writing_an_import_leaves_whole_batches_and_finishes_after_restart() {
    let rows = 6000;
    let ImportUnderWay {
        mut server,
        database,
        id,
        scope,
        db,
        dir,
    } = import_under_way(rows).await;
    server.kill().unwrap();
    server.wait().unwrap();
    let written = database.count_umkm(&scope).await.unwrap();
    assert!(written > 0 && written <= rows as i64);
    assert_eq!(written % 1000, 0, "whole batches only: {written}");
    assert!(matches!(
        database.verify_audit().await.unwrap(),
        sentra_storage::AuditVerdict::Intact { .. }
    ));

    // A new server takes the job up once the dead one's lease has run out, and finishes it.
    let (mut server, _) = serve(dir.path(), &db.url);
    let state = settled(&database, &id).await;
    let job = database.import_job(&id).await.unwrap().unwrap();
    let _ = server.kill();
    let _ = server.wait();
    assert_eq!(state, JobState::Done, "{:?}", job.error);
    assert!(job.attempts >= 2, "claimed again: {}", job.attempts);
    assert_eq!(database.count_umkm(&scope).await.unwrap(), rows as i64);
    let result = job.result.unwrap();
    assert_eq!(result.new + result.unchanged, rows as usize);
    assert_eq!(result.unchanged as i64, written);
    database.close().await;
}

/// SIGTERM (a deploy, `systemctl stop`) mid-import: the server stops taking requests, finishes
/// the job it is writing, and exits cleanly — no lease left to run out, no second attempt.
#[tokio::test]
async fn a_server_stopped_gracefully_finishes_the_import_it_is_writing_first() {
    let rows = 6000;
    let ImportUnderWay {
        mut server,
        database,
        id,
        scope,
        // Kept to the end: dropping them removes the database's folder.
        db: _db,
        dir: _dir,
    } = import_under_way(rows).await;
    let claims = database.import_job(&id).await.unwrap().unwrap().attempts;
    let written_before = database.count_umkm(&scope).await.unwrap();
    let asked = Instant::now();
    let signalled = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(signalled.success());
    let status = server.wait().unwrap();
    let stopped_after = asked.elapsed();
    assert!(status.success(), "a clean exit: {status:?}");
    let job = database.import_job(&id).await.unwrap().unwrap();
    assert_eq!(job.state, JobState::Done, "{:?}", job.error);
    assert_eq!(job.attempts, claims, "finished by the server that began it");
    assert_eq!(database.count_umkm(&scope).await.unwrap(), rows as i64);
    assert!(
        written_before < rows as i64,
        "the signal came while the job was writing ({written_before} of {rows})"
    );
    // Within the drain time (20 s) and the test's margin.
    assert!(stopped_after < Duration::from_secs(25), "{stopped_after:?}");
    assert!(matches!(
        database.verify_audit().await.unwrap(),
        sentra_storage::AuditVerdict::Intact { .. }
    ));
    database.close().await;
}

/// Uploads a file as `client`, keeps the proposed mapping, and waits for the dry run's report.
async fn checked(
    app: &common::TestApp,
    client: &reqwest::Client,
    csrf: &str,
    bytes: Vec<u8>,
) -> String {
    let base = app.url("");
    let base = base.trim_end_matches('/');
    let id = upload(client, base, csrf, "daftar.csv", bytes).await;
    assert_eq!(settled(&app.db, &id).await, JobState::Mapping);
    let fields = proposed_mapping(&app.db, &id, csrf).await;
    let res = post_form(client, format!("{base}/umkm/import/{id}/check"), &fields).await;
    assert_eq!(res.status(), 303);
    assert_eq!(settled(&app.db, &id).await, JobState::Checked);
    id
}

/// An office maps the words of its lists once (issue 31: "Kue → Kuliner" had to be fixed in
/// every file): the report offers each unknown sector word with its rows, the choice is kept
/// for that office and the same file is checked again; the office's next file reads the word,
/// another kecamatan's office does not (its lists may mean something else by it).
#[tokio::test]
async fn an_office_maps_its_own_sector_words_once() {
    let app = common::spawn_app().await;
    let file = |nik_tail: &str| {
        [
            "Nama Usaha;Nama Pemilik;NIK;Kecamatan;Kelurahan;Jenis Usaha".to_string(),
            format!("Rumput Pak Dirman;Sudirman;36740312038500{nik_tail}1;Pondok Aren;Pondok Betung;Ngarit"),
            format!("Pakan Ternak Bu Ani;Ani Suryani;36740355069000{nik_tail}2;Pondok Aren;Pondok Betung;ngarit"),
            format!("Kue Bu Sari;Sari Wulandari;36740355069000{nik_tail}3;Pondok Aren;Pondok Betung;Kue"),
        ]
        .join("\r\n")
        .into_bytes()
    };
    let (operator, _, csrf) = app.as_user("operator", "36.74.03").await;
    let base = app.url("");
    let base = base.trim_end_matches('/');
    let id = checked(&app, &operator, &csrf, file("1")).await;
    let page = common::page_as(&operator, &app, &format!("/umkm/import/{id}")).await;
    for want in [
        "Kata sektor yang belum dikenal",
        "“Ngarit” (2 baris)",
        "name=\"word.Ngarit\"",
    ] {
        assert!(page.contains(want), "missing {want}: {page}");
    }
    assert!(!page.contains("“Kue”"), "a known word is not asked: {page}");
    // Nothing chosen: said so, nothing kept.
    let none = vec![
        ("_csrf".to_string(), csrf.clone()),
        ("word.Ngarit".to_string(), String::new()),
    ];
    let res = post_form(&operator, format!("{base}/umkm/import/{id}/kata"), &none).await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Belum ada kata yang dipilihkan sektornya")
    );
    let teach = vec![
        ("_csrf".to_string(), csrf.clone()),
        ("word.Ngarit".to_string(), "pertanian".to_string()),
    ];
    let res = post_form(&operator, format!("{base}/umkm/import/{id}/kata"), &teach).await;
    assert_eq!(res.status(), 303);
    assert_eq!(settled(&app.db, &id).await, JobState::Checked);
    let job = app.db.import_job(&id).await.unwrap().unwrap();
    let counts = job.counts.unwrap();
    assert_eq!((counts.new, counts.invalid), (3, 0), "{counts:?}");

    // The office's next list reads the word; another kecamatan's office is asked.
    let next = checked(&app, &operator, &csrf, file("2")).await;
    let counts = app
        .db
        .import_job(&next)
        .await
        .unwrap()
        .unwrap()
        .counts
        .unwrap();
    assert_eq!(counts.invalid, 0, "{counts:?}");
    let (other, _, other_csrf) = app.as_user("operator", "36.74.01").await;
    let elsewhere = [
        "Nama Usaha;Nama Pemilik;NIK;Kecamatan;Kelurahan;Jenis Usaha",
        "Rumput Pak Karta;Kartawijaya;3674011203850031;Serpong;Rawa Mekar Jaya;Ngarit",
    ]
    .join("\r\n")
    .into_bytes();
    let there = checked(&app, &other, &other_csrf, elsewhere).await;
    let counts = app
        .db
        .import_job(&there)
        .await
        .unwrap()
        .unwrap()
        .counts
        .unwrap();
    assert_eq!(counts.invalid, 1, "{counts:?}");
}
