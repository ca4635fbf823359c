//! Test support: a fresh database per test (SQLite file, or a new PostgreSQL database when
//! `SENTRA_TEST_POSTGRES_URL` is set) and the real server on a free port.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU32, Ordering};

use sentra_domain::demo::DemoGenerator;
use sentra_domain::region::{RegionCode, RegionTree};
use sentra_domain::scope::Scope;
use sentra_storage::{Database, Keyring, NewUmkm, PersonalKey};
use sqlx::Connection;

pub const HOME: &str = "36.74";

pub struct TestDb {
    /// What Sentra is given: on the highly available cluster (scripts/test-ha.sh) the
    /// multi-host URL, which only Sentra's own connections and libpq tools understand.
    pub url: String,
    /// One host, for the test's own sqlx connections: the primary.
    direct: Option<String>,
    _dir: Option<tempfile::TempDir>,
    /// A PostgreSQL database of its own: the server's superuser URL and the database's name,
    /// dropped with the test.
    dropped: Option<(String, String)>,
}

/// Each test's PostgreSQL database goes with the test. Kept, the suite's 450 filled the disk of
/// the highly available pass (each with its province partitions, on two nodes: over 20 GB by
/// the 140th test, when every later one failed).
impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((admin, name)) = self.dropped.take() else {
            return;
        };
        // Off the test's runtime, which may be shutting down; FORCE ends the connections the
        // test's server still holds.
        let dropping = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async {
                let primary = primary_url(&admin).await;
                if let Ok(mut conn) = sqlx::PgConnection::connect(&primary).await {
                    let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                    let _ = sqlx::query(&drop).execute(&mut conn).await;
                }
            });
        });
        let _ = dropping.join();
    }
}

impl TestDb {
    /// The URL for a plain sqlx connection of the test's own.
    pub fn direct(&self) -> &str {
        self.direct.as_deref().unwrap_or(&self.url)
    }
}

/// The single-host URL of the host that takes writes now, for a URL that may name several.
pub async fn primary_url(url: &str) -> String {
    let Some(hosts) = sentra_storage::MultiHostUrl::parse(url).expect("database URL") else {
        return url.to_string();
    };
    // During a failover no host takes writes for some seconds: wait as Sentra's pool does.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(90);
    loop {
        for (host, port) in &hosts.hosts {
            let one = hosts.url_for(host, *port);
            if let Ok(mut conn) = sqlx::PgConnection::connect(&one).await {
                let role: Result<(bool,), _> = sqlx::query_as("SELECT pg_is_in_recovery()")
                    .fetch_one(&mut conn)
                    .await;
                if let Ok((false,)) = role {
                    return one;
                }
            }
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no host of {url} takes writes"
        );
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
}

pub fn backend_name() -> &'static str {
    if std::env::var("SENTRA_TEST_POSTGRES_URL").is_ok() {
        "postgres"
    } else {
        "sqlite"
    }
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// The built `sentra` binary run in `cwd`, with none of the caller's `SENTRA_*` settings
/// that would point it elsewhere.
pub fn sentra_in(cwd: &std::path::Path) -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_sentra"));
    c.env_remove("SENTRA_DATABASE")
        .env_remove("SENTRA_KEY_FILE")
        .env_remove("SENTRA_MEDIA")
        .env("SENTRA_LOG", "error")
        .current_dir(cwd);
    c
}

/// A SQLite database at a path the test chose (its folder kept by the test).
pub fn sqlite_at(path: &std::path::Path) -> TestDb {
    TestDb {
        url: format!("sqlite://{}", path.display()),
        direct: None,
        _dir: None,
        dropped: None,
    }
}

/// A new database for one test: empty, or with SENTRA_TEST_PARTITION=1 on PostgreSQL, the
/// schema with `umkm` partitioned by province.
pub async fn test_db() -> TestDb {
    new_test_db(std::env::var("SENTRA_TEST_PARTITION").as_deref() == Ok("1")).await
}

/// A new database without any table, e.g. to restore a backup into.
pub async fn empty_test_db() -> TestDb {
    new_test_db(false).await
}

async fn new_test_db(partitioned: bool) -> TestDb {
    match std::env::var("SENTRA_TEST_POSTGRES_URL") {
        Ok(admin) => {
            let name = format!(
                "sentra_t{}_{}_{}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::SeqCst),
                chrono::Utc::now().timestamp_subsec_micros()
            );
            let primary = primary_url(&admin).await;
            let mut conn = sqlx::PgConnection::connect(&primary)
                .await
                .expect("connect to test postgres");
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut conn)
                .await
                .expect("create test database");
            let with_name = |url: &str| {
                let (path, query) = url.split_once('?').unwrap_or((url, ""));
                let base = path.rsplit_once('/').map_or(path, |(b, _)| b);
                if query.is_empty() {
                    format!("{base}/{name}")
                } else {
                    format!("{base}/{name}?{query}")
                }
            };
            let url = with_name(&admin);
            let direct = with_name(&primary);
            // SENTRA_TEST_PARTITION=1 (the HA pass of scripts/test.sh): every test runs on a
            // schema whose `umkm` is partitioned by province, as `sentra partition` leaves it.
            if partitioned {
                let db = Database::connect(&url, Keyring::new(PersonalKey::generate().0))
                    .await
                    .expect("connect to partition");
                db.migrate_schema().await.expect("schema");
                db.partition_by_province().await.expect("partition");
                db.close().await;
            }
            TestDb {
                direct: (direct != url).then_some(direct),
                url,
                _dir: None,
                dropped: Some((admin.clone(), name)),
            }
        }
        Err(_) => {
            let dir = tempfile::tempdir().expect("tempdir");
            let url = format!("sqlite://{}/sentra.db", dir.path().display());
            TestDb {
                url,
                direct: None,
                _dir: Some(dir),
                dropped: None,
            }
        }
    }
}

pub struct TestApp {
    pub base: String,
    /// Signed in as an admin of 36.74 (session cookie) for pages.
    pub client: reqwest::Client,
    /// The same admin's API token, for `/api/`.
    pub api: reqwest::Client,
    pub session: String,
    pub csrf: String,
    pub token: String,
    pub db: Database,
    pub test_db: TestDb,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

/// The key `sentra` created for a database on its first use (beside a SQLite file, or under
/// `cwd/sentra-data/`).
pub fn created_key(db_url: &str, cwd: &std::path::Path) -> Keyring {
    let path = match db_url.strip_prefix("sqlite://") {
        Some(file) => std::path::Path::new(file)
            .parent()
            .unwrap()
            .join("sentra.key"),
        None => cwd.join("sentra-data/sentra.key"),
    };
    Keyring::new(PersonalKey::parse(&std::fs::read_to_string(path).expect("key file")).unwrap())
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    fn for_path(&self, path: &str) -> &reqwest::Client {
        if path.starts_with("/api/") {
            &self.api
        } else {
            &self.client
        }
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.for_path(path)
            .get(self.url(path))
            .send()
            .await
            .expect("GET")
    }

    /// A page that must load, with the HTML entities for `&` read back.
    pub async fn page(&self, path: &str) -> String {
        let res = self.get(path).await;
        assert_eq!(res.status(), 200, "{path}");
        res.text()
            .await
            .unwrap()
            .replace("&#38;", "&")
            .replace("&amp;", "&")
    }

    /// Posts a form as this app's admin, with the session's CSRF token.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut form: Vec<(&str, &str)> = vec![("_csrf", self.csrf.as_str())];
        form.extend_from_slice(fields);
        self.client
            .post(self.url(path))
            .form(&form)
            .send()
            .await
            .unwrap()
    }

    pub fn session_cookie(&self) -> String {
        format!("sentra_session={}", self.session)
    }

    /// Signs in through the login form; returns the session secret and its CSRF token.
    pub async fn sign_in(&self, login: &str, password: &str) -> Option<(String, String)> {
        let bare = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let res = bare
            .post(self.url("/login"))
            .form(&[("login", login), ("password", password), ("next", "/umkm")])
            .send()
            .await
            .unwrap();
        let cookie = res.headers().get("set-cookie")?.to_str().ok()?.to_string();
        let token = cookie
            .strip_prefix("sentra_session=")?
            .split(';')
            .next()?
            .to_string();
        let csrf = self.db.session(&token).await.unwrap()?.csrf_token;
        Some((token, csrf))
    }

    /// A user with this role and scope, and clients signed in as them.
    pub async fn as_user(
        &self,
        role: &str,
        scope: &str,
    ) -> (reqwest::Client, reqwest::Client, String) {
        let login = format!("{role}-{}@test.id", scope.replace('.', "-"));
        let account = sentra_domain::account::validate_account(
            role,
            &login,
            role,
            scope,
            "kata-sandi-uji",
            RegionTree::embedded(),
            None,
        )
        .unwrap();
        let user = self
            .db
            .create_user(
                &account,
                "kata-sandi-uji",
                &sentra_storage::Actor::system("test"),
            )
            .await
            .unwrap();
        let (session, csrf) = self.sign_in(&login, "kata-sandi-uji").await.unwrap();
        let token = self
            .db
            .create_api_token(
                &user,
                "test",
                chrono::Duration::days(1),
                &sentra_storage::Actor::system("test"),
            )
            .await
            .unwrap();
        let (pages, api) = clients(&session, &token);
        (pages, api, csrf)
    }

    /// An owner signed up through `/signup`: their page client and CSRF token.
    pub async fn sign_up_owner(&self, name: &str, phone: &str) -> (reqwest::Client, String) {
        let bare = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let res = bare
            .post(self.url("/signup"))
            .form(&[
                ("name", name),
                ("phone", phone),
                ("password", "kata-sandi-pemilik"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303);
        let cookie = res.headers()["set-cookie"].to_str().unwrap();
        let session = cookie
            .split(';')
            .next()
            .unwrap()
            .trim_start_matches("sentra_session=")
            .to_string();
        let csrf = self.db.session(&session).await.unwrap().unwrap().csrf_token;
        (clients(&session, "none").0, csrf)
    }

    pub async fn get_json(&self, path: &str) -> (u16, serde_json::Value) {
        let res = self.get(path).await;
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(serde_json::Value::Null))
    }

    pub async fn send_json(
        &self,
        method: reqwest::Method,
        path: &str,
        body: &serde_json::Value,
    ) -> (u16, serde_json::Value) {
        // A page's own script: the session cookie with the session's CSRF token.
        let res = self
            .client
            .request(method, self.url(path))
            .header("x-csrf-token", &self.csrf)
            .json(body)
            .send()
            .await
            .expect("send");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(serde_json::Value::Null))
    }

    pub async fn count(&self) -> i64 {
        self.db
            .count_umkm(&Scope::region(RegionCode::parse(HOME).unwrap()))
            .await
            .unwrap()
    }

    /// The first record of the home region by name (after [`TestApp::seed`]).
    pub async fn first_umkm(&self) -> sentra_storage::UmkmSummary {
        let home = Scope::region(RegionCode::parse(HOME).unwrap());
        let page = self
            .db
            .list_umkm(
                &home,
                &sentra_storage::UmkmFilter::default(),
                sentra_storage::UmkmSort::Name,
                sentra_storage::SortDirection::Asc,
                sentra_storage::PageRequest {
                    page: 1,
                    per_page: 1,
                },
            )
            .await
            .unwrap();
        page.items.into_iter().next().expect("a seeded record")
    }

    /// Verifies the records through the status API, as an operator does (official figures
    /// count verified businesses: docs/counting-rules.md).
    pub async fn verify(&self, ids: &[&str]) {
        for id in ids {
            let (status, body) = self
                .send_json(
                    reqwest::Method::POST,
                    &format!("/api/v1/umkm/{id}/status"),
                    &serde_json::json!({"status": "verified"}),
                )
                .await;
            assert_eq!(status, 200, "verify {id}: {body}");
        }
    }

    /// Adds deterministic demo records.
    pub async fn seed(&self, n: usize, seed: u64) {
        let home = RegionCode::parse(HOME).unwrap();
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let mut g = DemoGenerator::new(RegionTree::embedded(), &home, seed, today).unwrap();
        let batch: Vec<_> = (0..n).map(|_| g.next_umkm()).collect();
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
        self.db
            .insert_umkm_batch(
                &Scope::region(home),
                &rows,
                &sentra_storage::Actor::system("test"),
            )
            .await
            .unwrap();
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// The real router on 127.0.0.1 with a fresh, migrated database and home region 36.74.
pub async fn spawn_app() -> TestApp {
    spawn_app_on(test_db().await, Keyring::new(PersonalKey::generate().0)).await
}

/// The real router on an existing database (e.g. one `sentra migrate` made, with its key).
pub async fn spawn_app_on(test_db: TestDb, keyring: Keyring) -> TestApp {
    spawn_app_with(test_db, keyring, |state| state).await
}

/// The same, with the server's state adjusted first (e.g. a read replica).
pub async fn spawn_app_with(
    test_db: TestDb,
    keyring: Keyring,
    adjust: impl FnOnce(sentra_web::AppState) -> sentra_web::AppState,
) -> TestApp {
    let db = Database::connect(&test_db.url, keyring)
        .await
        .expect("connect");
    db.migrate().await.expect("migrate");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    // Workbooks of more than a hundred rows go through an export job, so tests reach that path
    // without seeding tens of thousands of records.
    let state = adjust(
        sentra_web::AppState::new(db.clone(), RegionCode::parse(HOME).unwrap())
            .with_xlsx_inline_max(100),
    );
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = sentra_web::serve(listener, state, async {
            let _ = rx.await;
        })
        .await;
    });
    let admin = sentra_domain::account::validate_account(
        "Admin Uji",
        "admin@test.id",
        "admin",
        HOME,
        "kata-sandi-admin",
        RegionTree::embedded(),
        None,
    )
    .unwrap();
    let user = db
        .create_user(
            &admin,
            "kata-sandi-admin",
            &sentra_storage::Actor::system("test"),
        )
        .await
        .unwrap();
    let token = db
        .create_api_token(
            &user,
            "test",
            chrono::Duration::days(1),
            &sentra_storage::Actor::system("test"),
        )
        .await
        .unwrap();
    let mut app = TestApp {
        base: format!("http://{addr}"),
        client: reqwest::Client::new(),
        api: reqwest::Client::new(),
        session: String::new(),
        csrf: String::new(),
        token: token.clone(),
        db,
        test_db,
        shutdown: Some(tx),
    };
    let (session, csrf) = app
        .sign_in("admin@test.id", "kata-sandi-admin")
        .await
        .expect("admin signs in");
    (app.client, app.api) = clients(&session, &token);
    app.session = session;
    app.csrf = csrf;
    app
}

/// Clients that send a session cookie (pages) or a bearer token (API), never following redirects.
pub fn clients(session: &str, token: &str) -> (reqwest::Client, reqwest::Client) {
    let build = |name: reqwest::header::HeaderName, value: String| {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            name,
            reqwest::header::HeaderValue::from_str(&value).unwrap(),
        );
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(headers)
            .build()
            .unwrap()
    };
    (
        build(reqwest::header::COOKIE, format!("sentra_session={session}")),
        build(reqwest::header::AUTHORIZATION, format!("Bearer {token}")),
    )
}

/// A valid registry record for the API, in Pondok Aren (36.74.03).
pub fn valid_body() -> serde_json::Value {
    serde_json::json!({
        "name": "Keripik Tempe Bu Sri",
        "brand": "Kriukku",
        "owner_name": "Sri Lestari",
        "nik": "3674034506900012",
        "phone": "0812-3456-7890",
        "address": "Jl. Merdeka No. 5, RT 001/RW 002",
        "village_code": "36.74.03.1005",
        "latitude": -6.2701,
        "longitude": 106.7045,
        "sector": "kuliner",
        "kbli_code": "10792",
        "year_started": 2019,
        "modal": "1,5 juta",
        "annual_sales": "Rp 60.000.000",
        "employees_male": 1,
        "employees_female": 2,
        "documents": [
            {"kind": "nib", "number": "9120301234567", "issued_on": "2021-03-04"},
            {"kind": "pirt", "number": "2063674010123-29", "issued_on": "2024-02-01", "expires_on": "2029-02-01"}
        ],
        "links": {"instagram": "https://instagram.com/kriukku"}
    })
}

/// A kecamatan's list as saved by Excel on Windows: semicolons, Windows-1252, a title row,
/// blank lines, stray spaces, phones and amounts written every which way.
pub fn messy_csv() -> Vec<u8> {
    let text = "DATA UMKM KECAMATAN PONDOK AREN 2025;;;;;;;;;;\r\n\
\r\n\
No;Nama Usaha;Nama Pemilik;NIK;No. HP/WA;Alamat;Kecamatan;Kelurahan;Omzet/Tahun;Modal;Jenis Usaha;NIB\r\n\
1;  Keripik Tempe Bu Rina ;Rina Marlina;3674035506900002;0812-1111-2222;Jl. Mawar 1;Pondok Aren;Jurangmangu Barat;Rp 150.000.000;25 jt;makanan;1234567890123\r\n\
2;Batik Ratna;Ratna;367403550690;081233334444;Jl. Melati;Pondok Aren;Pondok Jaya;1,5 jt;;Fesyen;\r\n\
3;Warung Sate;Budi;3674031203850001;+62 812 5555 6666;;Serpong;Tidak Ada;2 jt;;kuliner;\r\n\
4;Kue Lapis Jos\u{e9};Sari;3674034404880002;62 813 7777 8888;Jl. Kenanga;Pondok Aren;Pondok;500 rb;;kuliner;\r\n\
5;Keripik Tempe Bu Rina;Rina Marlina;3674035506900002;0812-1111-2222;Jl. Mawar 1;Pondok Aren;Jurangmangu Barat;Rp 150.000.000;25 jt;makanan;1234567890123\r\n\
\r\n\
6;Kopi Kenangan Ibu;Dewi  Lestari;3674036505850003;0857 1234 5678;Jl. Anggrek 2;pondok aren;PONDOK KACANG TIMUR; Rp1.500.000.000 ;Rp 300.000.000;Kuliner;\r\n\
7;Tenun Ikat;Maria;3674034107900004;0813-9999-0000;Jl. Dahlia;Pondok Aren;Parigi Baru;60 jt;10jt;Kerajinan;9120000000001\r\n";
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(text);
    assert!(!unmappable);
    bytes.into_owned()
}

/// `n` valid rows of Pondok Aren, each a different business with a valid NIK.
pub fn pondok_aren_rows(n: u32) -> String {
    let villages = [
        "Jurangmangu Barat",
        "Pondok Jaya",
        "Parigi Baru",
        "Pondok Kacang Timur",
    ];
    let mut csv =
        String::from("Nama Usaha,Nama Pemilik,NIK,Kecamatan,Kelurahan,Jenis Usaha,Omzet\n");
    for i in 1..=n {
        // Day 01..28, month 01..12, year 80..99, serial from i: all valid NIKs of Pondok Aren.
        let nik = format!(
            "367403{:02}{:02}{:02}{:04}",
            1 + i % 28,
            1 + i % 12,
            80 + i % 20,
            1 + i / 20 % 9999
        );
        csv.push_str(&format!(
            "Usaha Nomor {i},Pemilik {i},{nik},Pondok Aren,{},Kuliner,{} jt\n",
            villages[i as usize % villages.len()],
            10 + i % 90
        ));
    }
    csv
}

/// A product as an owner types it: cassava chips, published unless said otherwise.
pub fn chips(status: &str) -> sentra_domain::product::ProductInput {
    sentra_domain::product::ProductInput {
        name: "Keripik Singkong Pedas".into(),
        description: "Keripik singkong renyah dengan bumbu cabai asli, tanpa pengawet.".into(),
        category: "makanan.keripik".into(),
        price: "Rp15.000".into(),
        unit: "pcs".into(),
        capacity_per_month: "2000".into(),
        weight_grams: "250".into(),
        packaging: "Standing pouch".into(),
        shelf_life_days: "180".into(),
        status: status.into(),
        ..sentra_domain::product::ProductInput::default()
    }
}

/// Today where the deployment is (its home region's zone, WIB for 36.74), as the server
/// reckons "valid today" and "expires in N days": from 17:00 UTC it is already the next day
/// in WIB, and a test that used the UTC date failed every evening.
pub fn today() -> chrono::NaiveDate {
    sentra_domain::programme::activity::Zone::of_region(HOME)
        .date_at(chrono::Utc::now().timestamp())
}

/// The whole home region's scope (36.74).
pub fn city() -> Scope {
    Scope::region(RegionCode::parse(HOME).unwrap())
}

/// The owner's account made from a hand-over page ("Akun pemilik dibuat: …, kata sandi …"):
/// signed in with the password shown once; their page client and CSRF token.
pub async fn owner_from_hand_over(
    app: &TestApp,
    html: &str,
    login: &str,
) -> (reqwest::Client, String) {
    let password = html
        .split("kata sandi ")
        .nth(1)
        .expect("a password on the page")
        .split(' ')
        .next()
        .unwrap()
        .to_string();
    let (session, csrf) = app
        .sign_in(login, &password)
        .await
        .expect("the owner signs in");
    (clients(&session, "none").0, csrf)
}

/// A page `client` must be able to load, with the HTML entities for `&` and `"` read back.
pub async fn page_as(client: &reqwest::Client, app: &TestApp, path: &str) -> String {
    let res = client.get(app.url(path)).send().await.unwrap();
    assert_eq!(res.status(), 200, "{path}");
    readable(res.text().await.unwrap())
}

pub fn readable(html: String) -> String {
    html.replace("&#38;", "&")
        .replace("&#34;", "\"")
        .replace("&amp;", "&")
}

/// Posts `fields` as a form from `client` (who signs the form with its own `_csrf` field):
/// the status, the `Location` (empty when none) and the body made [`readable`].
pub async fn post(
    client: &reqwest::Client,
    app: &TestApp,
    path: &str,
    fields: &[(&str, &str)],
) -> (u16, String, String) {
    let res = client
        .post(app.url(path))
        .form(fields)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let location = res
        .headers()
        .get("location")
        .map_or(String::new(), |v| v.to_str().unwrap().to_string());
    (status, location, readable(res.text().await.unwrap()))
}

/// [`post`] with `csrf` put first in the form.
pub async fn post_form(
    app: &TestApp,
    client: &reqwest::Client,
    csrf: &str,
    path: &str,
    fields: &[(&str, &str)],
) -> (u16, String, String) {
    let mut form: Vec<(&str, &str)> = vec![("_csrf", csrf)];
    form.extend_from_slice(fields);
    post(client, app, path, &form).await
}

/// The rows of a CSV download (the byte-order mark Excel needs dropped, asserted when `bom`).
pub fn csv_body_rows(body: &[u8], bom: bool) -> Vec<Vec<String>> {
    let stripped = body.strip_prefix(b"\xEF\xBB\xBF");
    assert!(
        !bom || stripped.is_some(),
        "UTF-8 byte-order mark for Excel"
    );
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(stripped.unwrap_or(body))
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

/// Starts an export job for `query` as the admin, waits until the worker has written it, and
/// returns its page's path.
pub async fn run_export_job(app: &TestApp, query: &str) -> String {
    let res = app
        .client
        .post(app.url("/umkm/export/jobs"))
        .form(&[("_csrf", app.csrf.as_str()), ("query", query)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let page_path = res.headers()["location"].to_str().unwrap().to_string();
    let id = page_path.rsplit('/').next().unwrap().to_string();
    let started = std::time::Instant::now();
    loop {
        let job = app.db.export_job(&id).await.unwrap().unwrap();
        if job.state == sentra_storage::JobState::Done {
            return page_path;
        }
        assert_ne!(
            job.state,
            sentra_storage::JobState::Failed,
            "{:?}",
            job.error
        );
        assert!(started.elapsed().as_secs() < 60, "export job stuck");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// The business's owner agreed to be contacted by WhatsApp (recorded as a form she signed): the
/// operator's own phone then reaches her where no provider is configured.
pub async fn consent_to_whatsapp(app: &TestApp, umkm: &str) {
    app.db
        .give_consent(
            &city(),
            umkm,
            sentra_domain::messaging::Channel::Whatsapp,
            None,
            "form",
            &sentra_storage::Actor::system("test"),
        )
        .await
        .unwrap();
}
