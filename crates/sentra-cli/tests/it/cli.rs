//! The `sentra` binary as an operator runs it.

use crate::common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn sentra() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sentra"));
    c.env_remove("SENTRA_DATABASE")
        .env_remove("SENTRA_LISTEN")
        .env_remove("SENTRA_HOME_REGION")
        .env("SENTRA_LOG", "error");
    c
}

fn run(args: &[&str], dir: &std::path::Path) -> (bool, String, String) {
    let out = sentra()
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run sentra");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn region_lists_the_kecamatan_of_tangerang_selatan() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out, _) = run(&["region", "36.74"], dir.path());
    assert!(ok);
    for name in [
        "Serpong",
        "Serpong Utara",
        "Pondok Aren",
        "Ciputat",
        "Ciputat Timur",
        "Pamulang",
        "Setu",
    ] {
        assert!(out.contains(&format!("\t{name}\n")), "{name} in {out}");
    }
    assert_eq!(out.lines().count(), 8);
    let (ok, out, _) = run(&["region", "serpong", "utr"], dir.path());
    assert!(ok);
    assert!(out.starts_with("36.74.02\tkecamatan"), "{out}");
    let (ok, _, err) = run(&["region", "qqqqqq"], dir.path());
    assert!(!ok);
    assert!(err.contains("no region matches"), "{err}");
}

#[test]
fn bad_database_urls_are_one_line_errors_with_the_password_hidden() {
    let dir = tempfile::tempdir().unwrap();
    for url in [
        "mysql://admin:hunter2@db/sentra",
        "postgres://admin:hunter2@127.0.0.1:1/sentra",
        "sentra.db",
    ] {
        let (ok, out, err) = run(&["migrate", "--database", url], dir.path());
        assert!(!ok, "{url}");
        assert!(out.is_empty());
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(err.starts_with("error: "), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    // Nothing was created anywhere.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn serve_help_documents_every_setting() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out, _) = run(&["serve", "--help"], dir.path());
    assert!(ok);
    for s in [
        "--listen",
        "127.0.0.1:8080",
        "SENTRA_LISTEN",
        "--database",
        "SENTRA_DATABASE",
        "sqlite://sentra-data/sentra.db",
        "--home-region",
        "--demo",
        "--config",
        "--public-url",
        "SENTRA_PUBLIC_URL",
        "--search-cache",
        "SENTRA_SEARCH_CACHE",
    ] {
        assert!(out.contains(s), "{s} missing from help:\n{out}");
    }
    // A public address that is not one: a one-line error, before anything starts.
    let (ok, _, err) = run(&["serve", "--public-url", "umkm.tangsel.go.id"], dir.path());
    assert!(!ok);
    assert!(
        err.starts_with("error: --public-url umkm.tangsel.go.id is not an http(s) address"),
        "{err}"
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[tokio::test]
async fn migrate_is_idempotent_and_demo_generates_into_the_chosen_database() {
    let db = common::test_db().await;
    let dir = tempfile::tempdir().unwrap();
    for _ in 0..2 {
        let (ok, out, err) = run(&["migrate", "--database", &db.url], dir.path());
        assert!(ok, "{err}");
        assert!(
            out.contains("Kepmendagri 300.2.2-2138/2025, 91599 regions"),
            "{out}"
        );
    }
    let (ok, out, err) = run(
        &[
            "demo",
            "--region",
            "36.74.03",
            "--umkm",
            "700",
            "--seed",
            "9",
            "--database",
            &db.url,
        ],
        dir.path(),
    );
    assert!(ok, "{err}");
    assert!(out.contains("generated 700 UMKM"), "{out}");
    let database =
        sentra_storage::Database::connect(&db.url, common::created_key(&db.url, dir.path()))
            .await
            .unwrap();
    let pondok_aren = sentra_domain::scope::Scope::region(
        sentra_domain::region::RegionCode::parse("36.74.03").unwrap(),
    );
    assert_eq!(database.count_umkm(&pondok_aren).await.unwrap(), 700);
    let serpong = sentra_domain::scope::Scope::region(
        sentra_domain::region::RegionCode::parse("36.74.01").unwrap(),
    );
    assert_eq!(database.count_umkm(&serpong).await.unwrap(), 0);
}

#[test]
fn config_file_env_and_flags_apply_in_order() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("sentra.toml"),
        "database = \"mysql://from-file/x\"\n",
    )
    .unwrap();
    let (ok, _, err) = run(&["migrate"], dir.path());
    assert!(!ok);
    assert!(err.contains("mysql://from-file/x"), "file is read: {err}");
    let out = sentra()
        .args(["migrate"])
        .env("SENTRA_DATABASE", "oracle://from-env/x")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("oracle://from-env/x"),
        "env beats file"
    );
    let out = sentra()
        .args(["migrate", "--database", "db2://from-flag/x"])
        .env("SENTRA_DATABASE", "oracle://from-env/x")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("db2://from-flag/x"),
        "flag beats env"
    );
    std::fs::write(dir.path().join("sentra.toml"), "databse = \"typo\"\n").unwrap();
    let (ok, _, err) = run(&["migrate"], dir.path());
    assert!(!ok);
    assert!(err.contains("sentra.toml"), "{err}");
}

/// The README's first command, minus the build: `sentra serve --demo` on the embedded database.
#[tokio::test]
async fn serve_demo_seeds_the_demo_region_and_answers() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = sentra()
        .args(["serve", "--demo", "--listen", "127.0.0.1:0"])
        .args(["--public-url", "https://umkm.tangsel.go.id/"])
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let started = Instant::now();
    let mut accounts = std::collections::HashMap::new();
    let line = loop {
        match lines.next() {
            Some(Ok(l)) if l.contains("http://") => break l,
            Some(Ok(l)) if l.contains("@demo.sentra.id") => {
                let mut words = l.split_whitespace();
                let login = words.next().unwrap().to_string();
                let password = words.next().unwrap().to_string();
                accounts.insert(login, password);
            }
            Some(_) => {}
            None => panic!("server exited"),
        }
        assert!(started.elapsed() < Duration::from_secs(300));
    };
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap()
        .to_string();
    assert!(url.ends_with('/'), "{line}");
    assert!(line.contains("Kota Tangerang Selatan"), "{line}");
    assert_eq!(accounts.len(), 7, "one demo account per role: {accounts:?}");
    let base = url.trim_end_matches('/').to_string();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    // Not signed in: the front page; the registry sends to the sign-in page.
    assert_eq!(client.get(&url).send().await.unwrap().status(), 200);
    let registry = format!("{base}/umkm");
    assert_eq!(client.get(&registry).send().await.unwrap().status(), 303);
    let mut pages = Vec::new();
    let mut cookies = Vec::new();
    for login in ["admin@demo.sentra.id", "operator@demo.sentra.id"] {
        let res = client
            .post(format!("{base}/login"))
            .form(&[("login", login), ("password", accounts[login].as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303, "{login} signs in");
        let cookie = res.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string();
        cookies.push(cookie.clone());
        pages.push(
            client
                .get(&registry)
                .header("cookie", cookie)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap(),
        );
    }
    // Shared and canonical links use the deployment's public address, not the host asked.
    let sitemap = client
        .get(format!("{base}/sitemap/toko.xml"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // The demo programme: past activities reached some UMKM, coming ones are on the agenda.
    let fetch = |path: &str, cookie: Option<&str>| {
        let mut req = client.get(format!("{base}{path}"));
        if let Some(c) = cookie {
            req = req.header("cookie", c);
        }
        async move { req.send().await.unwrap().text().await.unwrap() }
    };
    let this_year = chrono::Utc::now().format("%Y").to_string();
    let reach = fetch(
        &format!("/kegiatan/jangkauan?tahun={this_year}"),
        Some(&cookies[0]),
    )
    .await;
    let agenda = fetch("/agenda", None).await;
    let _ = child.kill();
    let _ = child.wait();
    let reached: i64 = reach
        .split("id=\"reach-summary\"><strong>")
        .nth(1)
        .and_then(|s| s.split(" dari ").next())
        .and_then(|n| n.trim().replace('.', "").parse().ok())
        .unwrap_or(0);
    assert!(
        reached > 0,
        "the demo's past activities reached UMKM: {reach}"
    );
    assert!(agenda.contains("Klinik Sertifikasi Halal"), "{agenda}");
    assert!(
        sitemap.contains("<loc>https://umkm.tangsel.go.id/katalog</loc>"),
        "{sitemap}"
    );
    assert!(pages[0].contains("3.000 UMKM"), "demo region seeded");
    let count = |html: &str| -> i64 {
        let i = html.find(" UMKM</strong>").unwrap();
        let start = html[..i].rfind('>').unwrap() + 1;
        html[start..i].replace('.', "").parse().unwrap()
    };
    let op = count(&pages[1]);
    assert!(
        op > 0 && op < 3000,
        "the operator of Pondok Aren sees only Pondok Aren: {op}"
    );
    assert!(
        dir.path().join("sentra-data/sentra.db").exists(),
        "default database location"
    );
}

#[tokio::test]
async fn key_rotation_re_encrypts_and_a_wrong_key_is_refused() {
    let db = common::test_db().await;
    let dir = tempfile::tempdir().unwrap();
    let (ok, _, err) = run(
        &["demo", "--umkm", "60", "--seed", "4", "--database", &db.url],
        dir.path(),
    );
    assert!(ok, "{err}");
    assert!(err.contains("created the personal-data key"), "{err}");
    let scope = sentra_domain::scope::Scope::region(
        sentra_domain::region::RegionCode::parse("36.74").unwrap(),
    );
    let read_niks = |keyring| {
        let url = db.url.clone();
        let scope = scope.clone();
        async move {
            let database = sentra_storage::Database::connect(&url, keyring)
                .await
                .unwrap();
            let page = database
                .list_umkm(
                    &scope,
                    &Default::default(),
                    Default::default(),
                    Default::default(),
                    sentra_storage::PageRequest::new(1, 200),
                )
                .await
                .unwrap();
            let mut niks = Vec::new();
            for item in page.items {
                niks.push(database.get_umkm(&scope, &item.id).await.unwrap().owner_nik);
            }
            niks
        }
    };
    let before = read_niks(common::created_key(&db.url, dir.path())).await;
    assert_eq!(before.len(), 60);
    let (ok, out, err) = run(&["key", "rotate", "--database", &db.url], dir.path());
    assert!(ok, "{err}");
    assert!(out.contains("re-encrypted 60 NIKs"), "{out}");
    let after = read_niks(common::created_key(&db.url, dir.path())).await;
    assert_eq!(before, after, "same NIKs under the new key");
    // Look-up by NIK goes through the keyed hash of the new key.
    let database =
        sentra_storage::Database::connect(&db.url, common::created_key(&db.url, dir.path()))
            .await
            .unwrap();
    assert!(
        !database
            .umkm_ids_by_nik(&scope, &before[0])
            .await
            .unwrap()
            .is_empty()
    );
    // Another key is refused at start, before anything is written with it.
    let other = dir.path().join("other.key");
    std::fs::write(&other, sentra_storage::PersonalKey::generate().1).unwrap();
    let (ok, _, err) = run(
        &[
            "migrate",
            "--database",
            &db.url,
            "--key-file",
            other.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert!(!ok);
    assert!(err.contains("does not fit this database"), "{err}");
    let (ok, _, err) = run(
        &[
            "migrate",
            "--database",
            &db.url,
            "--key-file",
            "/nonexistent/sentra.key",
        ],
        dir.path(),
    );
    assert!(!ok);
    assert!(err.contains("does not exist"), "{err}");
}

#[tokio::test]
async fn audit_verify_detects_edited_and_deleted_entries() {
    use sqlx::Connection;
    let db = common::test_db().await;
    let dir = tempfile::tempdir().unwrap();
    for seed in 1..=3 {
        let (ok, _, err) = run(
            &[
                "demo",
                "--umkm",
                "20",
                "--seed",
                &seed.to_string(),
                "--database",
                &db.url,
            ],
            dir.path(),
        );
        assert!(ok, "{err}");
    }
    let (ok, out, err) = run(&["audit", "verify", "--database", &db.url], dir.path());
    assert!(ok, "{err}");
    assert!(out.contains("intact: 3 entries"), "{out}");

    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(db.direct()).await.unwrap();
    sqlx::query("UPDATE audit_log SET actor = 'someone else' WHERE seq = 2")
        .execute(&mut conn)
        .await
        .unwrap();
    let (ok, _, err) = run(&["audit", "verify", "--database", &db.url], dir.path());
    assert!(!ok);
    assert!(err.contains("broken at entry 2: entry altered"), "{err}");

    sqlx::query("UPDATE audit_log SET actor = 'demo' WHERE seq = 2")
        .execute(&mut conn)
        .await
        .unwrap();
    let (ok, _, err) = run(&["audit", "verify", "--database", &db.url], dir.path());
    assert!(ok, "restored entry verifies again: {err}");

    sqlx::query("DELETE FROM audit_log WHERE seq = 3")
        .execute(&mut conn)
        .await
        .unwrap();
    let (ok, _, err) = run(&["audit", "verify", "--database", &db.url], dir.path());
    assert!(!ok);
    assert!(err.contains("removed from the end"), "{err}");

    sqlx::query("DELETE FROM audit_log WHERE seq = 1")
        .execute(&mut conn)
        .await
        .unwrap();
    let (ok, _, err) = run(&["audit", "verify", "--database", &db.url], dir.path());
    assert!(!ok);
    assert!(err.contains("broken at entry 1: entry missing"), "{err}");
}

fn run_with_stdin(args: &[&str], dir: &std::path::Path, input: &str) -> (bool, String, String) {
    use std::io::Write;
    let mut child = sentra()
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn user_accounts_from_the_command_line() {
    let db = common::test_db().await;
    let dir = tempfile::tempdir().unwrap();
    let add = [
        "user",
        "add",
        "--name",
        "Siti Operator",
        "--login",
        "Siti@Dinas.go.id",
        "--role",
        "operator",
        "--scope",
        "36.74.03",
        "--database",
        &db.url,
    ];
    let (ok, out, err) = run_with_stdin(&add, dir.path(), "kata-sandi-rahasia\n");
    assert!(ok, "{err}");
    assert!(
        out.contains("created siti@dinas.go.id (Siti Operator, operator, scope 36.74.03)"),
        "{out}"
    );
    assert!(!out.contains("password:"), "a piped password is not echoed");
    let (ok, _, err) = run_with_stdin(&add, dir.path(), "kata-sandi-lain-lagi\n");
    assert!(!ok);
    assert!(err.contains("already in use"), "{err}");
    let (ok, _, err) = run_with_stdin(
        &[
            "user",
            "add",
            "--name",
            "X",
            "--login",
            "x@y.id",
            "--role",
            "raja",
            "--scope",
            "99",
            "--database",
            &db.url,
        ],
        dir.path(),
        "pendek\n",
    );
    assert!(!ok);
    assert!(
        err.contains("role: Unknown role.") && err.contains("password:"),
        "{err}"
    );

    let database =
        sentra_storage::Database::connect(&db.url, common::created_key(&db.url, dir.path()))
            .await
            .unwrap();
    assert!(
        database
            .authenticate("siti@dinas.go.id", "kata-sandi-rahasia")
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        database
            .authenticate("siti@dinas.go.id", "salah-sandi-nya")
            .await
            .unwrap()
            .is_none()
    );

    let (ok, out, _) = run(
        &[
            "user",
            "reset-password",
            "siti@dinas.go.id",
            "--database",
            &db.url,
        ],
        dir.path(),
    );
    assert!(ok);
    let generated = out
        .lines()
        .find_map(|l| l.strip_prefix("password: "))
        .expect("generated password printed")
        .to_string();
    assert!(
        database
            .authenticate("siti@dinas.go.id", &generated)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        database
            .authenticate("siti@dinas.go.id", "kata-sandi-rahasia")
            .await
            .unwrap()
            .is_none()
    );

    let (ok, out, err) = run(
        &[
            "user",
            "set-role",
            "siti@dinas.go.id",
            "viewer",
            "--database",
            &db.url,
        ],
        dir.path(),
    );
    assert!(ok, "{err}");
    assert!(out.contains("is now viewer"), "{out}");
    let user = database
        .authenticate("siti@dinas.go.id", &generated)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.role, sentra_domain::account::Role::Viewer);
    let changes = database.audit_for("user", &user.id).await.unwrap();
    assert!(
        changes
            .iter()
            .any(|e| e.action == "role_change" && e.changes.contains(r#"["operator","viewer"]"#)),
        "{changes:?}"
    );
    let (ok, _, _) = run(
        &["user", "disable", "siti@dinas.go.id", "--database", &db.url],
        dir.path(),
    );
    assert!(ok);
    assert!(
        database
            .authenticate("siti@dinas.go.id", &generated)
            .await
            .unwrap()
            .is_none(),
        "disabled account cannot sign in"
    );
    let (ok, out, _) = run(&["user", "list", "--database", &db.url], dir.path());
    assert!(ok);
    assert!(
        out.contains("siti@dinas.go.id\tviewer\t36.74.03\tSiti Operator\t(disabled)"),
        "{out}"
    );
    let (ok, _, err) = run(
        &["user", "disable", "nobody@x.id", "--database", &db.url],
        dir.path(),
    );
    assert!(!ok, "{err}");
}

/// The server's own log, at its most verbose, never carries a NIK or a phone number.
#[tokio::test]
async fn no_personal_data_in_the_server_log() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/s.db", dir.path().display());
    let add = [
        "user",
        "add",
        "--name",
        "Admin",
        "--login",
        "admin@x.id",
        "--role",
        "admin",
        "--scope",
        "36.74",
        "--database",
        &url,
    ];
    assert!(run_with_stdin(&add, dir.path(), "kata-sandi-admin\n").0);
    let (ok, out, _) = run(
        &["user", "token", "admin@x.id", "--database", &url],
        dir.path(),
    );
    assert!(ok);
    let token = out.lines().last().unwrap().trim().to_string();
    let log = std::fs::File::create(dir.path().join("server.log")).unwrap();
    let mut child = sentra()
        .args([
            "serve",
            "--home-region",
            "36.74",
            "--listen",
            "127.0.0.1:0",
            "--database",
            &url,
        ])
        .env("SENTRA_LOG", "trace")
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = loop {
        match lines.next() {
            Some(Ok(l)) if l.contains("http://") => break l,
            Some(_) => {}
            None => panic!("server exited"),
        }
    };
    let base = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap()
        .trim_end_matches('/')
        .to_string();
    let client = reqwest::Client::new();
    let created: serde_json::Value = client
        .post(format!("{base}/api/v1/umkm"))
        .bearer_auth(&token)
        .json(&common::valid_body())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap();
    let revealed = client
        .post(format!("{base}/api/v1/umkm/{id}/reveal"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(revealed.status(), 200);
    let mut bad = common::valid_body();
    bad["nik"] = serde_json::json!("367403450690001X");
    let _ = client
        .post(format!("{base}/api/v1/umkm"))
        .bearer_auth(&token)
        .json(&bad)
        .send()
        .await
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    let log = std::fs::read_to_string(dir.path().join("server.log")).unwrap();
    assert!(log.len() > 100, "the log was written: {log}");
    for secret in [
        "3674034506900012",
        "367403450690001X",
        "81234567890",
        "kata-sandi-admin",
        token.as_str(),
    ] {
        assert!(!log.contains(secret), "{secret} in the log");
    }
}

/// Issue 9's demo: government units with budgets and a year of purchases; each unit's share
/// as the storage computes it equals SQL over the purchases, and the public works unit's Rp12 M
/// lamp package to a large contractor is flagged.
#[tokio::test]
async fn the_demo_region_buys_from_its_umkm_and_the_shares_equal_sql() {
    use sqlx::Row;
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/s.db", dir.path().display());
    let (ok, _, err) = run(
        &[
            "demo",
            "--region",
            "36.74",
            "--umkm",
            "400",
            "--products",
            "150",
            "--activities",
            "--database",
            &db,
        ],
        dir.path(),
    );
    assert!(ok, "{err}");
    assert!(err.contains("demo: 8 government units"), "{err}");
    // The key the demo created beside the database.
    let key = std::fs::read_to_string(dir.path().join("sentra.key")).unwrap();
    let keyring = sentra_storage::Keyring::new(sentra_storage::PersonalKey::parse(&key).unwrap());
    let store = sentra_storage::Database::connect(&db, keyring)
        .await
        .unwrap();
    let kota = sentra_domain::region::RegionCode::parse("36.74").unwrap();
    let scope = sentra_domain::scope::Scope::region(kota.clone());
    let today = common::today();
    let year = chrono::Datelike::year(&today);
    let shares = store.unit_shares(&scope, &kota, year, today).await.unwrap();
    assert_eq!(shares.len(), 8);
    sqlx::any::install_default_drivers();
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&db)
        .await
        .unwrap();
    // The demo catalogue is sold by verified businesses only: every product of it is public.
    let sellers = sqlx::query(
        "SELECT COUNT(*) AS products, SUM(CASE WHEN u.status = 'verified' THEN 1 ELSE 0 END) \
         AS public FROM products p JOIN umkm u ON u.id = p.umkm_id",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    let products: i64 = sellers.try_get("products").unwrap();
    assert_eq!(products, 150);
    assert_eq!(sellers.try_get::<i64, _>("public").unwrap(), products);
    let mut met = 0;
    for s in &shares {
        let row = sqlx::query(
            "SELECT COALESCE(SUM(value_rupiah), 0) AS total, COALESCE(SUM(CASE WHEN supplier_type \
             IN ('mikro', 'kecil', 'koperasi') THEN value_rupiah ELSE 0 END), 0) AS small \
             FROM purchases WHERE unit_id = $1",
        )
        .bind(&s.unit.id)
        .fetch_one(&mut conn)
        .await
        .unwrap();
        assert_eq!(
            s.share.total,
            i128::from(row.try_get::<i64, _>("total").unwrap())
        );
        assert_eq!(
            s.share.small,
            i128::from(row.try_get::<i64, _>("small").unwrap())
        );
        met += usize::from(s.share.spending_on_pace());
    }
    assert!(
        met > 0 && met < 8,
        "some units meet 40%, some do not: {met}"
    );
    let works = shares.iter().find(|s| s.unit.code == "1.03.01").unwrap();
    assert!(
        works.reserved_breaches >= 1,
        "the Rp12 M package is flagged"
    );
    // Some purchases are of e-katalog products; a dozen listed products are never bought.
    let sales = store.ekatalog_sales(&scope, &kota, year).await.unwrap();
    let sold = sales.iter().filter(|p| p.packages > 0).count();
    let never = sales.iter().filter(|p| p.ever == 0).count();
    assert!(sold > 0 && never == 12, "{sold} sold, {never} never");
    // A seller's page lists what it sold to government units.
    let seller = &sales.iter().find(|p| p.packages > 0).unwrap().umkm_id;
    assert!(
        !store
            .purchases_from(&scope, seller)
            .await
            .unwrap()
            .is_empty()
    );
}

/// `sentra ahp FILE.json` for analysts: the textbook matrix's weights and consistency as JSON;
/// a matrix that is not reciprocal is named and refused.
#[test]
fn ahp_prints_the_weights_and_consistency_of_a_matrix() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("m.json");
    std::fs::write(
        &file,
        r#"{"matrix": [[1, 3, 5], [0.3333, 1, 3], [0.2, 0.3333, 1]]}"#,
    )
    .unwrap();
    let (ok, out, err) = run(&["ahp", file.to_str().unwrap()], dir.path());
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let w: Vec<f64> = v["weights"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x.as_f64().unwrap() * 1000.0).round() / 1000.0)
        .collect();
    assert_eq!(w, vec![0.637, 0.258, 0.105]);
    assert_eq!((v["cr"].as_f64().unwrap() * 1000.0).round() / 1000.0, 0.033);
    assert!(
        (v["lambda_max"].as_f64().unwrap() - 3.0385).abs() < 0.001,
        "{v}"
    );
    assert!(v["ci"].as_f64().unwrap() > 0.0);
    std::fs::write(&file, r#"{"matrix": [[1, 3], [3, 1]]}"#).unwrap();
    let (ok, _, err) = run(&["ahp", file.to_str().unwrap()], dir.path());
    assert!(!ok);
    assert!(err.contains("1/a[i][j]"), "{err}");
}
