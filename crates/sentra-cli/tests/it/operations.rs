//! Running a deployment: `/metrics`, request ids, and `sentra backup` / `sentra restore` taken
//! while the server writes, on SQLite and on PostgreSQL.

use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use sentra_domain::demo::DemoGenerator;
use sentra_domain::region::{RegionCode, RegionLevel, RegionTree};
use sentra_domain::scope::Scope;
use sentra_storage::{AuditVerdict, Database, Keyring, NewUmkm, PersonalKey};

use crate::common::{
    self, HOME, TestDb, sentra_in, spawn_app, spawn_app_on, spawn_app_with, test_db,
};

/// Runs a command without holding up the test's runtime: the server and the writer run on it,
/// and a writer stopped mid-transaction would hold locks the command waits for.
async fn run(c: Command) -> Output {
    tokio::process::Command::from(c).output().await.unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The value of the first sample line starting with `prefix`.
fn sample(body: &str, prefix: &str) -> Option<f64> {
    body.lines()
        .find(|l| l.starts_with(prefix))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_every_answer_carries_a_request_id() {
    let app = spawn_app().await;
    app.seed(5, 1).await;
    let record = app.first_umkm().await;
    for _ in 0..3 {
        assert_eq!(app.get("/umkm").await.status(), 200);
    }
    let shown = app.get(&format!("/umkm/{}", record.id)).await;
    assert_eq!(shown.status(), 200);
    let id = shown
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .expect("a request id")
        .to_string();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    // A proxy's id is kept, so that its logs and ours meet.
    let kept = reqwest::Client::new()
        .get(app.url("/healthz"))
        .header("x-request-id", "lb-7f3a")
        .send()
        .await
        .unwrap();
    assert_eq!(kept.headers()["x-request-id"], "lb-7f3a");
    assert_eq!(app.get("/tidak-ada").await.status(), 404);

    // Prometheus asks for OpenMetrics and gets it.
    let open = reqwest::Client::new()
        .get(app.url("/metrics"))
        .header(
            "accept",
            "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5",
        )
        .send()
        .await
        .unwrap();
    assert!(
        open.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text")
    );
    assert!(open.text().await.unwrap().ends_with("# EOF\n"));
    // Any other scraper gets the text format 0.0.4, which a classic parser reads family by
    // family: every sample belongs to a family typed under its own name.
    let scraped = reqwest::get(app.url("/metrics")).await.unwrap();
    assert_eq!(scraped.status(), 200);
    assert_eq!(
        scraped.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    let body = scraped.text().await.unwrap();
    assert!(!body.contains("# EOF") && !body.contains("# UNIT"));
    let typed: Vec<(&str, &str)> = body
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.split_once(' '))
        .collect();
    for line in body
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let name = line.split(['{', ' ']).next().unwrap();
        let family = typed.iter().any(|(family, kind)| {
            name == *family
                || (*kind == "histogram"
                    && ["_bucket", "_sum", "_count"]
                        .iter()
                        .any(|s| name.strip_suffix(s) == Some(*family)))
        });
        assert!(family, "{name} has no family of its own name\n{body}");
    }
    let listed = sample(
        &body,
        "sentra_http_requests_total{method=\"GET\",route=\"/umkm\",status=\"200\"}",
    );
    assert_eq!(listed, Some(3.0), "{body}");
    // By the route's pattern, not each record's address.
    assert_eq!(
        sample(
            &body,
            "sentra_http_requests_total{method=\"GET\",route=\"/umkm/{id}\",status=\"200\"}"
        ),
        Some(1.0),
        "{body}"
    );
    assert!(!body.contains(&record.id.clone()), "no ids in labels");
    assert!(
        sample(
            &body,
            "sentra_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"}"
        )
        .is_some(),
        "{body}"
    );
    assert!(
        sample(
            &body,
            "sentra_http_request_duration_seconds_count{method=\"GET\",route=\"/umkm\"}"
        ) == Some(3.0),
        "{body}"
    );
    assert_eq!(sample(&body, "sentra_database_up "), Some(1.0), "{body}");
    let max = sample(&body, "sentra_db_pool_connections{state=\"max\"}").unwrap_or(0.0);
    assert!(max >= 8.0, "{body}");
    // The scrape itself is in flight while it is read.
    assert_eq!(sample(&body, "sentra_http_requests_in_flight "), Some(1.0));

    // A job appears under its state.
    let csv = common::pondok_aren_rows(3);
    let form = reqwest::multipart::Form::new()
        .text("_csrf", app.csrf.clone())
        .part(
            "file",
            reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("umkm.csv"),
        );
    let started = app
        .client
        .post(app.url("/umkm/import"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert!(started.status().is_redirection(), "{}", started.status());
    let body = reqwest::get(app.url("/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let jobs: f64 = body
        .lines()
        .filter(|l| l.starts_with("sentra_jobs{") && l.contains("kind=\"import\""))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum();
    assert_eq!(jobs, 1.0, "{body}");
}

/// Writes UMKM through the storage layer until told to stop; returns how many went in.
fn keep_writing(db: Database, stop: Arc<AtomicBool>) -> tokio::task::JoinHandle<usize> {
    tokio::spawn(async move {
        let home = RegionCode::parse(HOME).unwrap();
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let mut written = 0;
        let mut seed = 1000;
        while !stop.load(Ordering::SeqCst) {
            seed += 1;
            let mut g = DemoGenerator::new(RegionTree::embedded(), &home, seed, today).unwrap();
            let batch: Vec<_> = (0..5).map(|_| g.next_umkm()).collect();
            let rows: Vec<NewUmkm<'_>> = batch
                .iter()
                .map(|d| NewUmkm {
                    data: &d.data,
                    status: d.status,
                    verified_by: Some("test"),
                    owner: None,
                    registered: None,
                })
                .collect();
            if db
                .insert_umkm_batch(
                    &Scope::region(home.clone()),
                    &rows,
                    &sentra_storage::Actor::system("writer"),
                )
                .await
                .is_ok()
            {
                written += rows.len();
            }
        }
        written
    })
}

#[derive(serde::Deserialize)]
struct ManifestLine {
    table: String,
    rows: i64,
    checksum: String,
}

fn manifest(dir: &std::path::Path) -> Vec<ManifestLine> {
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    serde_json::from_value(v["tables"].clone()).unwrap()
}

#[tokio::test]
async fn a_backup_taken_while_the_server_writes_restores_whole_and_verified() {
    let work = tempfile::tempdir().unwrap();
    let source = test_db().await;
    let url = source.url.clone();
    // The CLI makes the database and its key; the server runs on it.
    let out = sentra_in(work.path())
        .args(["migrate", "--database", &url])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let key_path = match url.strip_prefix("sqlite://") {
        Some(file) => std::path::Path::new(file)
            .parent()
            .unwrap()
            .join("sentra.key"),
        None => work.path().join("sentra-data/sentra.key"),
    };
    let keyring = common::created_key(&url, work.path());
    let app = spawn_app_on(source, keyring).await;
    app.seed(300, 7).await;
    let before = app.count().await;

    let stop = Arc::new(AtomicBool::new(false));
    let writer = keep_writing(app.db.clone(), stop.clone());
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let backup_dir = work.path().join("cadangan-1");
    let media = work.path().join("media");
    let mut backup = sentra_in(work.path());
    backup
        .args(["backup", "--database", &url])
        .arg("--key-file")
        .arg(&key_path)
        .arg("--media")
        .arg(&media)
        .arg("--to")
        .arg(&backup_dir);
    let out = run(backup).await;
    stop.store(true, Ordering::SeqCst);
    let written = writer.await.unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("tables"), "{}", text(&out));
    assert!(written > 0, "the server was writing during the backup");
    let after = app.count().await;

    let lines = manifest(&backup_dir);
    let umkm = lines
        .iter()
        .find(|l| l.table == "umkm")
        .expect("umkm table");
    // One moment: at least what was there before, at most what was there after.
    assert!(
        umkm.rows >= before && umkm.rows <= after,
        "{} not in {before}..={after}",
        umkm.rows
    );
    assert!(lines.iter().any(|l| l.table == "audit_log" && l.rows > 0));

    // Restore into a new, empty database with the same key.
    let target: TestDb = common::empty_test_db().await;
    let restore = |force: bool, from: &std::path::Path| {
        let mut c = sentra_in(work.path());
        c.args(["restore", "--database", &target.url])
            .arg("--key-file")
            .arg(&key_path)
            .arg("--media")
            .arg(work.path().join("media-restored"))
            .arg("--from")
            .arg(from);
        if force {
            c.arg("--force");
        }
        run(c)
    };
    let out = restore(false, &backup_dir).await;
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("audit trail intact"), "{}", text(&out));
    let restored = Database::connect(&target.url, common::created_key(&url, work.path()))
        .await
        .unwrap();
    let census = restored.census().await.unwrap();
    assert_eq!(census.len(), lines.len());
    for line in &lines {
        let c = census.iter().find(|c| c.table == line.table).unwrap();
        assert_eq!(c.rows, line.rows, "{}", line.table);
        assert_eq!(
            format!("{:016x}", c.checksum),
            line.checksum,
            "{}",
            line.table
        );
    }
    assert!(matches!(
        restored.verify_audit().await.unwrap(),
        AuditVerdict::Intact { .. }
    ));
    // Personal data reads back with the key kept apart from the backup.
    restored.check_personal_key().await.unwrap();
    let home = Scope::region(RegionCode::parse(HOME).unwrap());
    assert!(restored.count_umkm(&home).await.unwrap() >= before);
    restored.close().await;

    // Over an existing database only with --force.
    let out = restore(false, &backup_dir).await;
    assert!(!out.status.success());
    assert!(text(&out).contains("--force"), "{}", text(&out));

    // A backup that does not match its manifest replaces nothing.
    let damaged = work.path().join("cadangan-rusak");
    std::fs::create_dir_all(&damaged).unwrap();
    for entry in std::fs::read_dir(&backup_dir).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), damaged.join(entry.file_name())).unwrap();
        }
    }
    let text_manifest = std::fs::read_to_string(damaged.join("manifest.json")).unwrap();
    let broken = text_manifest.replacen(&umkm.checksum, "0000000000000000", 1);
    assert_ne!(broken, text_manifest);
    std::fs::write(damaged.join("manifest.json"), broken).unwrap();
    let out = restore(true, &damaged).await;
    assert!(!out.status.success());
    assert!(text(&out).contains("umkm"), "{}", text(&out));
    let still = Database::connect(&target.url, Keyring::new(PersonalKey::generate().0))
        .await
        .unwrap();
    let census_after = still.census().await.unwrap();
    let umkm_after = census_after.iter().find(|c| c.table == "umkm").unwrap();
    assert_eq!(
        umkm_after.rows, umkm.rows,
        "the good restore is still there"
    );
    still.close().await;
}

#[tokio::test]
async fn a_deployment_moves_from_sqlite_resuming_after_a_kill_and_verifies() {
    let work = tempfile::tempdir().unwrap();
    let source_path = work.path().join("lama/sentra.db");
    let source_url = format!("sqlite://{}", source_path.display());
    let out = sentra_in(work.path())
        .args(["migrate", "--database", &source_url])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let keyring = common::created_key(&source_url, work.path());
    {
        let app = spawn_app_on(common::sqlite_at(&source_path), keyring).await;
        app.seed(1500, 3).await;
        // Something through the web too: an audited edit with personal data.
        let (status, _) = app
            .send_json(reqwest::Method::POST, "/api/v1/umkm", &common::valid_body())
            .await;
        assert_eq!(status, 201);
        app.db.close().await;
    }
    // PostgreSQL when the suite runs on it, otherwise a second SQLite file.
    let target = test_db().await;
    let target_url = if target.url.starts_with("sqlite://") {
        format!("sqlite://{}", work.path().join("baru/sentra.db").display())
    } else {
        target.url.clone()
    };
    // The test's own sqlx connections need one host (the suite may run on a multi-host URL).
    let target_direct = if target.url.starts_with("sqlite://") {
        target_url.clone()
    } else {
        target.direct().to_string()
    };
    // Photos of the deployment in its default place, beside the SQLite file.
    let photos = [
        ("produk/p1/f1-md.jpg", vec![0xFF, 0xD8, 1, 2, 3]),
        (
            "lapangan/u1/foto.jpg",
            [vec![0xFF, 0xD8], vec![9; 2000]].concat(),
        ),
    ];
    for (key, bytes) in &photos {
        let path = work.path().join("lama/media").join(key);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    let media_to = work.path().join("media-baru");
    let migrate_data = || {
        let mut c = sentra_in(work.path());
        c.args(["migrate-data", "--from", &source_url, "--to", &target_url])
            .arg("--media-to")
            .arg(&media_to);
        c
    };

    // Killed once the first tables are in.
    let mut child = migrate_data()
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let probe = loop {
        if let Ok(pool) = sqlx::AnyPool::connect(&target_direct).await {
            break pool;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the copy ended before it was stopped"
        );
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    };
    let started = std::time::Instant::now();
    loop {
        let copied: Result<(i64,), _> = sqlx::query_as("SELECT COUNT(*) FROM _sentra_transfer")
            .fetch_one(&probe)
            .await;
        if matches!(copied, Ok((n,)) if n >= 3) {
            break;
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(120));
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success(), "stopped midway");
    probe.close().await;

    let out = run(migrate_data()).await;
    let said = text(&out);
    assert!(out.status.success(), "{said}");
    assert!(said.contains("copied by an earlier run"), "{said}");
    assert!(
        said.contains("every table's rows and checksum match"),
        "{said}"
    );
    assert!(said.contains("audit trail intact"), "{said}");
    assert!(said.contains("files copied: 2 ("), "{said}");
    assert!(said.contains("every file matches"), "{said}");
    for (key, bytes) in &photos {
        assert_eq!(&std::fs::read(media_to.join(key)).unwrap(), bytes, "{key}");
    }
    // Run again (as after a copy of the photos that stopped): the tables are checked, not
    // copied, and the photos there are left alone.
    std::fs::remove_file(media_to.join(photos[1].0)).unwrap();
    let out = run(migrate_data()).await;
    let said = text(&out);
    assert!(out.status.success(), "{said}");
    assert!(said.contains("holds this deployment already"), "{said}");
    assert!(
        said.contains("files copied: 1 (") && said.contains("1 there from an earlier run"),
        "{said}"
    );
    assert_eq!(
        std::fs::read(media_to.join(photos[1].0)).unwrap(),
        photos[1].1
    );

    // Checked here too, independently of the command's own check.
    let source = Database::connect(&source_url, common::created_key(&source_url, work.path()))
        .await
        .unwrap();
    let moved = Database::connect(&target_url, common::created_key(&source_url, work.path()))
        .await
        .unwrap();
    let (a, b) = (
        source.census().await.unwrap(),
        moved.census().await.unwrap(),
    );
    assert!(a.len() > 40, "{}", a.len());
    assert_eq!(a, b);
    moved.check_personal_key().await.unwrap();
    let home = Scope::region(RegionCode::parse(HOME).unwrap());
    assert_eq!(moved.count_umkm(&home).await.unwrap(), 1501);
    // The rollup triggers are in place on the new database and keep counting: the dashboard's
    // figure (from the rollup) moves with a direct count.
    let city = RegionCode::parse("36").unwrap();
    let rollup_total = |db: &Database| {
        let db = db.clone();
        let city = city.clone();
        async move {
            db.region_statistics(&city, RegionLevel::Regency, None, common::today())
                .await
                .unwrap()
                .into_iter()
                .find(|r| r.region == HOME)
                .map_or(0, |r| r.total)
        }
    };
    let pool = sqlx::AnyPool::connect(&target_direct).await.unwrap();
    let direct = || async {
        let (n,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM umkm WHERE regency_code = '36.74' AND status = 'verified' \
             AND merged_into IS NULL",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        n
    };
    assert_eq!(rollup_total(&moved).await, direct().await);
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let mut g = DemoGenerator::new(
        RegionTree::embedded(),
        &RegionCode::parse(HOME).unwrap(),
        99,
        today,
    )
    .unwrap();
    let batch: Vec<_> = (0..20).map(|_| g.next_umkm()).collect();
    let rows: Vec<NewUmkm<'_>> = batch
        .iter()
        .map(|d| NewUmkm {
            data: &d.data,
            status: d.status,
            verified_by: Some("test"),
            owner: None,
            registered: None,
        })
        .collect();
    let before_insert = direct().await;
    moved
        .insert_umkm_batch(&home, &rows, &sentra_storage::Actor::system("test"))
        .await
        .unwrap();
    assert!(direct().await > before_insert, "some of the 20 are counted");
    assert_eq!(rollup_total(&moved).await, direct().await);
    pool.close().await;
    source.close().await;
    moved.close().await;

    // A second run finds a deployment there and refuses.
    let out = run(migrate_data()).await;
    assert!(!out.status.success());
    assert!(
        text(&out).contains("already holds a deployment"),
        "{}",
        text(&out)
    );
}

/// The sum of the open-data totals per kecamatan (withheld cells count as 0).
async fn published_total(app: &common::TestApp) -> i64 {
    let csv = reqwest::get(app.url("/data/umkm-per-wilayah.csv"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    reader
        .records()
        .filter_map(|r| r.ok()?.get(2)?.parse::<i64>().ok())
        .sum()
}

#[tokio::test]
async fn dashboards_and_open_data_read_the_replica_and_writes_go_to_the_primary() {
    // The "replica" is a database of its own with more businesses, so that where each page
    // read from shows in what it says.
    let replica_db = test_db().await;
    let replica = Database::connect(&replica_db.url, Keyring::new(PersonalKey::generate().0))
        .await
        .unwrap();
    replica.migrate().await.unwrap();
    let primary_app_db = test_db().await;
    let app = spawn_app_with(
        primary_app_db,
        Keyring::new(PersonalKey::generate().0),
        |state| state.with_read_database(Some(replica.clone())),
    )
    .await;
    app.seed(40, 1).await;
    // Seed the replica through a second app on it (same helper). Kept to the end: it owns the
    // replica's temporary directory, and dropping it removed the SQLite file under the
    // replica's pool (a new connection then opened an empty database: a flaky 0).
    let on_replica = spawn_app_on(replica_db, replica.keyring()).await;
    on_replica.seed(400, 2).await;
    // About 60% of the demo's businesses are verified, the only ones open data counts.
    let published = published_total(&app).await;
    assert!(published > 200, "open data from the replica: {published}");
    // Registry pages and writes use the primary.
    assert_eq!(app.count().await, 40);
    let (status, _) = app
        .send_json(reqwest::Method::POST, "/api/v1/umkm", &common::valid_body())
        .await;
    assert_eq!(status, 201);
    assert_eq!(app.count().await, 41);
    let home = Scope::region(RegionCode::parse(HOME).unwrap());
    assert_eq!(replica.count_umkm(&home).await.unwrap(), 400);
}

/// Every server start and command migrates: on PostgreSQL the rollup triggers of the same
/// version are left alone (replacing them locks `umkm`), a changed version is replaced.
#[tokio::test]
async fn migrating_again_leaves_the_rollup_triggers_alone() {
    let db = test_db().await;
    if db.url.starts_with("sqlite://") {
        eprintln!("PostgreSQL only: SQLite's triggers are created IF NOT EXISTS");
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let migrate = || {
        let mut c = sentra_in(work.path());
        c.args(["migrate", "--database", &db.url]);
        c
    };
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(db.direct()).await.unwrap();
    let trigger = || async {
        let (oid,): (String,) =
            sqlx::query_as("SELECT oid::text FROM pg_trigger WHERE tgname = 'rollup_umkm'")
                .fetch_one(&pool)
                .await
                .unwrap();
        oid
    };
    let out = run(migrate()).await;
    assert!(out.status.success(), "{}", text(&out));
    let first = trigger().await;
    let out = run(migrate()).await;
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(trigger().await, first, "the same triggers, not re-created");
    // An older version installed: replaced.
    sqlx::query("COMMENT ON FUNCTION sentra_rollup_umkm() IS 'sentra:older'")
        .execute(&pool)
        .await
        .unwrap();
    let out = run(migrate()).await;
    assert!(out.status.success(), "{}", text(&out));
    assert_ne!(trigger().await, first, "a changed version is installed");
    pool.close().await;
}
