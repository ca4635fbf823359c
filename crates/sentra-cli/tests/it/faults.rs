//! Fault test (issue 13): three `sentra serve` processes on one PostgreSQL under a mixed
//! read/write load; one server is killed with SIGKILL and started again, and PostgreSQL is
//! restarted, mid-load. Afterwards every write a client was told succeeded is in the database,
//! the audit chain verifies, and every server serves again without help. Runs in the
//! PostgreSQL pass of the suite (it starts its own cluster, with fsync on, so that it can
//! restart it); figures go to stdout and `target/faults.json`.

use crate::common::sentra_in;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const LOAD: Duration = Duration::from_secs(24);
const KILL_AT: Duration = Duration::from_secs(5);
const RESTART_SERVER_AT: Duration = Duration::from_secs(9);
const RESTART_DB_AT: Duration = Duration::from_secs(14);
const CLIENTS: usize = 8;

struct Cluster {
    bin: PathBuf,
    data: PathBuf,
    port: u16,
    _dir: tempfile::TempDir,
}

fn as_postgres(bin: &Path, tool: &str) -> Command {
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false);
    if is_root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(bin.join(tool));
        c
    } else {
        Command::new(bin.join(tool))
    }
}

impl Cluster {
    fn start() -> Option<Cluster> {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
            .filter(|b| b.join("pg_ctl").exists())
            .max()?;
        let dir = tempfile::Builder::new()
            .prefix("sentra-faults")
            // Not $TMPDIR: the postgres account must reach it, and its socket path stay short.
            .tempdir_in("/tmp")
            .ok()?;
        let _ = Command::new("chown")
            .args(["postgres"])
            .arg(dir.path())
            .status();
        let data = dir.path().join("data");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .ok()?
            .local_addr()
            .ok()?
            .port();
        let ok = as_postgres(&bin, "initdb")
            .arg("-D")
            .arg(&data)
            .args([
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-locale",
            ])
            .stdout(Stdio::null())
            .status()
            .ok()?
            .success();
        assert!(ok, "initdb");
        let cluster = Cluster {
            bin,
            data,
            port,
            _dir: dir,
        };
        assert!(cluster.pg_ctl("start"), "pg_ctl start");
        Some(cluster)
    }

    fn pg_ctl(&self, action: &str) -> bool {
        let log = self.data.parent().unwrap_or(&self.data).join("log");
        as_postgres(&self.bin, "pg_ctl")
            .arg("-D")
            .arg(&self.data)
            .arg("-l")
            .arg(log)
            .args(["-w", "-m", "fast", "-o"])
            .arg(format!(
                "-p {} -k {} -c listen_addresses=127.0.0.1 -c max_connections=200",
                self.port,
                self.data.parent().unwrap_or(&self.data).display()
            ))
            .arg(action)
            .stdout(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        as_postgres(&self.bin, "pg_ctl")
            .arg("-D")
            .arg(&self.data)
            .args(["-m", "immediate", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .ok();
    }
}

pub(crate) struct Server {
    pub child: Child,
    pub base: String,
}

/// A test that fails midway leaves no server running behind it.
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn start_server(cwd: &Path, url: &str, n: usize) -> Server {
    start_server_with(cwd, url, n, &[])
}

/// The same, with more flags for `sentra serve`.
pub(crate) fn start_server_with(cwd: &Path, url: &str, n: usize, flags: &[&str]) -> Server {
    let mut child = sentra_in(cwd)
        .args(["serve", "--listen", "127.0.0.1:0", "--database", url])
        .args(flags)
        .args(["--home-region", "36.74"])
        .arg("--search-dir")
        .arg(cwd.join(format!("search-{n}")))
        // Photos beside the work folder, not beside the database (the full-disk test's disk).
        .arg("--media")
        .arg(cwd.join("media"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("sentra serve");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let base = loop {
        match lines.next() {
            Some(Ok(l)) if l.contains("http://") => {
                let url = l
                    .split_whitespace()
                    .find(|w| w.starts_with("http://"))
                    .unwrap_or_default()
                    .trim_end_matches('/')
                    .to_string();
                break url;
            }
            Some(_) => {}
            None => panic!("server {n} exited before it was ready"),
        }
    };
    // Keep reading so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Server { child, base }
}

/// Runs one `sentra` command on the database at `url`, `stdin` fed to it; its output.
pub(crate) fn run_sentra(cwd: &Path, url: &str, args: &[&str], stdin: Option<&str>) -> String {
    let mut child = sentra_in(cwd)
        .args(args)
        .args(["--database", url])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).unwrap();
    }
    drop(input);
    let out = child.wait_with_output().unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{args:?}: {text}");
    text
}

/// A migrated database with an admin of 36.74; the admin's API token.
pub(crate) fn deploy_with_admin(cwd: &Path, url: &str) -> String {
    run_sentra(cwd, url, &["migrate"], None);
    run_sentra(
        cwd,
        url,
        &[
            "user",
            "add",
            "--name",
            "Admin Uji",
            "--login",
            "admin@uji.id",
            "--role",
            "admin",
            "--scope",
            "36.74",
        ],
        Some("kata-sandi-uji-123\n"),
    );
    let said = run_sentra(cwd, url, &["user", "token", "admin@uji.id"], None);
    said.lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty() && !l.contains(' '))
        .expect("a token line")
        .to_string()
}

#[derive(Default)]
pub(crate) struct Tally {
    pub reads_ok: u64,
    pub writes_ok: u64,
    pub errors: BTreeMap<String, u64>,
    pub acknowledged: Vec<String>,
    /// (time since start, server, ok) of every write, to find the recovery times.
    pub writes: Vec<(Duration, usize, bool)>,
}

/// A valid NIK of Kota Tangerang Selatan for each n: serial, day, month and year of birth
/// taken from n so that no two writes share one.
fn nik(n: u64) -> String {
    let serial = n % 9999 + 1;
    let day = (n / 9999) % 28 + 1;
    let month = (n / (9999 * 28)) % 12 + 1;
    let year = (n / (9999 * 28 * 12)) % 40 + 60;
    format!("367403{day:02}{month:02}{year:02}{serial:04}")
}

fn body(n: u64) -> serde_json::Value {
    serde_json::json!({
        "nik": nik(n),
        "name": format!("Usaha Uji Gangguan {n}"),
        "owner_name": "Sri Lestari",
        "phone": format!("0812{:08}", n % 100_000_000),
        "address": "Jl. Merdeka No. 5",
        "village_code": "36.74.03.1005",
        "sector": "kuliner",
        "year_started": 2019,
        "employees_male": 1,
        "employees_female": 1
    })
}

/// A client of the JSON API signed in with `token`.
pub(crate) fn api_client(token: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {token}").parse().unwrap(),
    );
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .default_headers(headers)
        .build()
        .unwrap()
}

/// A mixed load (two reads to one write) spread over the servers, for a bounded time.
pub(crate) struct Load {
    pub started: Instant,
    /// The servers' addresses, by number; a restarted server's new address goes here.
    pub bases: Arc<Mutex<Vec<String>>>,
    tally: Arc<Mutex<Tally>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Load {
    pub fn start(
        client: &reqwest::Client,
        bases: Vec<String>,
        length: Duration,
        clients: usize,
    ) -> Load {
        let servers = bases.len();
        let bases = Arc::new(Mutex::new(bases));
        let tally = Arc::new(Mutex::new(Tally::default()));
        let started = Instant::now();
        let tasks = (0..clients)
            .map(|c| {
                let client = client.clone();
                let tally = tally.clone();
                let bases = bases.clone();
                tokio::spawn(async move {
                    let mut i: u64 = 0;
                    while started.elapsed() < length {
                        i += 1;
                        let server = (c + i as usize) % servers;
                        let base = bases.lock().unwrap()[server].clone();
                        let write = i.is_multiple_of(3);
                        let result = if write {
                            client
                                .post(format!("{base}/api/v1/umkm"))
                                .json(&body((c as u64) * 1_000_000 + i))
                                .send()
                                .await
                        } else {
                            client
                                .get(format!("{base}/api/v1/umkm?per_page=20"))
                                .send()
                                .await
                        };
                        let at = started.elapsed();
                        // What happened, worked out before the tally is locked.
                        let outcome: Result<Option<String>, String> = match result {
                            Ok(r) if write && r.status() == 201 => {
                                let created: serde_json::Value = r.json().await.unwrap_or_default();
                                match created["id"].as_str() {
                                    Some(id) => Ok(Some(id.to_string())),
                                    None => Err("201 without id".into()),
                                }
                            }
                            Ok(r) if !write && r.status() == 200 => Ok(None),
                            Ok(r) => Err(format!("HTTP {}", r.status().as_u16())),
                            Err(e) if e.is_connect() => Err("connection refused".into()),
                            Err(e) if e.is_timeout() => Err("timeout".into()),
                            Err(_) => Err("connection broken".into()),
                        };
                        let mut t = tally.lock().unwrap();
                        match outcome {
                            Ok(Some(id)) => {
                                t.acknowledged.push(id);
                                t.writes_ok += 1;
                                t.writes.push((at, server, true));
                            }
                            Ok(None) => t.reads_ok += 1,
                            Err(kind) => {
                                *t.errors.entry(kind).or_default() += 1;
                                if write {
                                    t.writes.push((at, server, false));
                                }
                            }
                        }
                    }
                })
            })
            .collect();
        Load {
            started,
            bases,
            tally,
            tasks,
        }
    }

    /// Waits for the load's end; what it counted.
    pub async fn finish(self) -> Tally {
        for t in self.tasks {
            t.await.unwrap();
        }
        std::mem::take(&mut *self.tally.lock().unwrap())
    }
}

impl Tally {
    /// From a moment of the load to the first acknowledged write after it (of one server).
    pub fn first_ok_after(&self, from: Duration, server: Option<usize>) -> Option<Duration> {
        self.writes
            .iter()
            .filter(|(at, s, ok)| *ok && *at >= from && server.is_none_or(|x| x == *s))
            .map(|(at, _, _)| at.saturating_sub(from))
            .min()
    }

    /// The longest time between two acknowledged writes from `from` on.
    pub fn longest_write_gap_after(&self, from: Duration) -> Duration {
        let mut times: Vec<Duration> = self
            .writes
            .iter()
            .filter(|(at, _, ok)| *ok && *at >= from)
            .map(|(at, _, _)| *at)
            .collect();
        times.sort();
        times
            .windows(2)
            .map(|w| w[1] - w[0])
            .max()
            .unwrap_or_default()
    }
}

/// The acknowledged writes missing from the database at `url` (one host), and how many of the
/// load's records it holds.
pub(crate) async fn lost_writes(url: &str, acknowledged: &[String]) -> (Vec<String>, i64) {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    let mut lost = Vec::new();
    for chunk in acknowledged.chunks(500) {
        let list: Vec<String> = chunk.iter().map(|id| format!("'{id}'")).collect();
        let found: Vec<(String,)> = sqlx::query_as(&format!(
            "SELECT id FROM umkm WHERE id IN ({})",
            list.join(", ")
        ))
        .fetch_all(&pool)
        .await
        .unwrap();
        let found: std::collections::HashSet<String> = found.into_iter().map(|r| r.0).collect();
        lost.extend(chunk.iter().filter(|id| !found.contains(*id)).cloned());
    }
    let (in_db,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM umkm WHERE name LIKE 'Usaha Uji Gangguan %'")
            .fetch_one(&pool)
            .await
            .unwrap();
    pool.close().await;
    (lost, in_db)
}

/// Every server answers ready, and takes a write.
pub(crate) async fn serves_again(client: &reqwest::Client, servers: &[Server]) {
    for (n, s) in servers.iter().enumerate() {
        let ready = client
            .get(format!("{}/readyz", s.base))
            .send()
            .await
            .unwrap();
        assert_eq!(ready.status(), 200, "server {n} ready");
        let wrote = client
            .post(format!("{}/api/v1/umkm", s.base))
            .json(&body(9_000_000 + n as u64))
            .send()
            .await
            .unwrap();
        let status = wrote.status();
        let said = wrote.text().await.unwrap_or_default();
        assert_eq!(status, 201, "server {n} writes after the faults: {said}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn servers_and_the_database_fail_mid_load_and_no_acknowledged_write_is_lost() {
    if std::env::var("SENTRA_TEST_POSTGRES_URL").is_err() {
        eprintln!("fault test: runs in the PostgreSQL pass of the suite");
        return;
    }
    let Some(cluster) = Cluster::start() else {
        panic!("fault test: PostgreSQL's pg_ctl is needed (Debian package postgresql)");
    };
    let work = tempfile::tempdir().unwrap();
    let url = cluster.url();
    let token = deploy_with_admin(work.path(), &url);

    let servers: Vec<Server> = (0..3).map(|n| start_server(work.path(), &url, n)).collect();
    let client = api_client(&token);
    let load = Load::start(
        &client,
        servers.iter().map(|s| s.base.clone()).collect(),
        LOAD,
        CLIENTS,
    );
    let (started, bases) = (load.started, load.bases.clone());
    let mut servers = servers;

    // The faults, on schedule.
    tokio::time::sleep(KILL_AT).await;
    servers[1].child.kill().unwrap();
    servers[1].child.wait().unwrap();
    let killed_at = started.elapsed();
    tokio::time::sleep(RESTART_SERVER_AT.saturating_sub(started.elapsed())).await;
    let restart_from = started.elapsed();
    let restarted = tokio::task::spawn_blocking({
        let cwd = work.path().to_path_buf();
        let url = url.clone();
        move || start_server(&cwd, &url, 1)
    })
    .await
    .unwrap();
    let server_back_at = started.elapsed();
    bases.lock().unwrap()[1] = restarted.base.clone();
    servers[1] = restarted;
    tokio::time::sleep(RESTART_DB_AT.saturating_sub(started.elapsed())).await;
    let db_restart_from = started.elapsed();
    let cluster = tokio::task::spawn_blocking(move || {
        assert!(cluster.pg_ctl("restart"), "pg_ctl restart");
        cluster
    })
    .await
    .unwrap();
    let db_back_at = started.elapsed();
    let t = load.finish().await;

    // Every acknowledged write is in the database.
    let (lost, in_db) = lost_writes(&url, &t.acknowledged).await;
    // Nothing half-written, and the trail of every write verifies.
    let verified = run_sentra(work.path(), &url, &["audit", "verify"], None);
    // Every server serves again, reads and writes.
    serves_again(&client, &servers).await;
    // Recovery: from the fault to the first acknowledged write after it.
    let killed_server_recovery = t.first_ok_after(killed_at, Some(1));
    let db_recovery = t.first_ok_after(db_restart_from, None);
    let after_db_back = t.first_ok_after(db_back_at, None);
    let errors: u64 = t.errors.values().sum();
    let figures = serde_json::json!({
        "load_seconds": LOAD.as_secs(),
        "clients": CLIENTS,
        "servers": 3,
        "reads_ok": t.reads_ok,
        "writes_acknowledged": t.writes_ok,
        "writes_in_database": in_db,
        "acknowledged_lost": lost.len(),
        "errors": t.errors,
        "server_killed_at_s": killed_at.as_secs_f64(),
        "server_down_s": (server_back_at - killed_at).as_secs_f64(),
        "server_start_took_s": (server_back_at - restart_from).as_secs_f64(),
        "killed_server_first_write_after_s": killed_server_recovery.map(|d| d.as_secs_f64()),
        "db_restart_took_s": (db_back_at - db_restart_from).as_secs_f64(),
        "first_write_after_db_restart_began_s": db_recovery.map(|d| d.as_secs_f64()),
        "first_write_after_db_back_s": after_db_back.map(|d| d.as_secs_f64()),
    });
    println!("{}", serde_json::to_string_pretty(&figures).unwrap());
    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target");
    let _ = std::fs::write(
        target.join("faults.json"),
        serde_json::to_string_pretty(&figures).unwrap(),
    );
    assert!(lost.is_empty(), "acknowledged writes lost: {lost:?}");
    // Writes that failed may still have committed (the answer was lost): never fewer.
    assert!(in_db >= i64::try_from(t.writes_ok).unwrap());
    assert!(verified.contains("intact"), "{verified}");
    assert!(t.writes_ok > 50, "the load wrote: {}", t.writes_ok);
    assert!(errors > 0, "the faults were felt: {:?}", t.errors);
    assert!(
        db_recovery.is_some(),
        "writes resumed after the database restart"
    );
    assert!(
        killed_server_recovery.is_some(),
        "the restarted server took writes"
    );
    drop(servers);
    drop(cluster);
}

/// A small tmpfs mounted for one test, unmounted when dropped.
struct SmallDisk {
    path: PathBuf,
    _dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(kib: u64) -> Option<SmallDisk> {
        let dir = tempfile::Builder::new()
            .prefix("sentra-disk")
            .tempdir()
            .ok()?;
        let path = dir.path().join("disk");
        std::fs::create_dir_all(&path).ok()?;
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={kib}k"), "tmpfs"])
            .arg(&path)
            .stderr(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        ok.then_some(SmallDisk { path, _dir: dir })
    }

    fn resize(&self, kib: u64) {
        let ok = Command::new("mount")
            .args(["-o", &format!("remount,size={kib}k")])
            .arg(&self.path)
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        assert!(ok, "remount");
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.path).status();
    }
}

fn used_kib(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok()?.metadata().ok())
                .map(|m| m.len())
                .sum::<u64>()
                / 1024
        })
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_under_sqlite_refuses_writes_keeps_every_acknowledged_one_and_recovers() {
    if std::env::var("SENTRA_TEST_POSTGRES_URL").is_ok() {
        eprintln!("full-disk test: runs in the SQLite pass of the suite");
        return;
    }
    let Some(disk) = SmallDisk::mount(64 * 1024) else {
        eprintln!("full-disk test skipped: mounting a tmpfs needs root (CI runs as root)");
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/sentra.db", disk.path.display());
    let token = deploy_with_admin(work.path(), &url);
    let base_kib = used_kib(&disk.path);
    disk.resize(base_kib + 32 * 1024);

    let mut server = start_server(work.path(), &url, 0);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let write = |n: u64| {
        client
            .post(format!("{}/api/v1/umkm", server.base))
            .bearer_auth(&token)
            .json(&body(n))
            .send()
    };
    let mut acknowledged = Vec::new();
    for n in 0..20 {
        let r = write(1_000_000 + n).await.unwrap();
        assert_eq!(r.status(), 201);
        let v: serde_json::Value = r.json().await.unwrap();
        acknowledged.push(v["id"].as_str().unwrap().to_string());
    }
    // Something else fills the disk.
    let filler = disk.path.join("log-lain.bin");
    {
        let mut f = std::fs::File::create(&filler).unwrap();
        let chunk = vec![0u8; 64 * 1024];
        while f.write_all(&chunk).is_ok() {}
        let _ = f.sync_all();
    }
    let mut refused: BTreeMap<u16, u64> = BTreeMap::new();
    let mut first_refusal = String::new();
    let mut n = 0;
    let started = Instant::now();
    while refused.values().sum::<u64>() < 10 && started.elapsed() < Duration::from_secs(120) {
        n += 1;
        let r = write(n).await.unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap_or_default();
        if status == 201 {
            let v: serde_json::Value = serde_json::from_str(&text).unwrap();
            acknowledged.push(v["id"].as_str().unwrap().to_string());
        } else {
            if first_refusal.is_empty() {
                first_refusal = format!("{status} {text}");
            }
            *refused.entry(status).or_default() += 1;
        }
    }
    assert!(
        acknowledged.len() >= 20,
        "writes before the disk filled: {} then {refused:?}: {first_refusal}",
        acknowledged.len()
    );
    assert!(!refused.is_empty(), "the disk filled: {n} writes");
    // Told as what it is, in the user's language, not as a bug.
    assert_eq!(
        refused.keys().copied().collect::<Vec<_>>(),
        vec![507],
        "{first_refusal}"
    );
    assert!(
        first_refusal.contains("Penyimpanan server penuh"),
        "{first_refusal}"
    );
    // Full, yet still reading.
    let read = client
        .get(format!("{}/api/v1/umkm?per_page=5", server.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), 200, "reads go on while the disk is full");

    // Room again: writes resume without a restart.
    std::fs::remove_file(&filler).unwrap();
    let resumed = Instant::now();
    let mut back = None;
    while resumed.elapsed() < Duration::from_secs(30) {
        n += 1;
        let r = write(n).await.unwrap();
        if r.status() == 201 {
            let v: serde_json::Value = r.json().await.unwrap();
            acknowledged.push(v["id"].as_str().unwrap().to_string());
            back = Some(resumed.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let back = back.expect("writes resume once there is room");
    sqlx::any::install_default_drivers();
    let peek = sqlx::AnyPool::connect(&url).await.unwrap();
    let mut seen_live = 0;
    for id in &acknowledged {
        let (found,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM umkm WHERE id = $1")
            .bind(id)
            .fetch_one(&peek)
            .await
            .unwrap();
        seen_live += found;
    }
    peek.close().await;
    // Committed, not only answered: another connection sees them while the server runs.
    assert_eq!(
        seen_live,
        i64::try_from(acknowledged.len()).unwrap(),
        "every acknowledged write visible to another connection"
    );
    server.child.kill().unwrap();
    server.child.wait().unwrap();

    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&url).await.unwrap();
    let (check,): (String,) = sqlx::query_as("PRAGMA integrity_check")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(check, "ok");
    let mut missing = 0;
    let mut missing_at = Vec::new();
    for (i, id) in acknowledged.iter().enumerate() {
        let (found,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM umkm WHERE id = $1")
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap();
        missing += usize::from(found != 1);
        if found != 1 {
            missing_at.push(i);
        }
    }
    pool.close().await;
    let verified = run_sentra(work.path(), &url, &["audit", "verify"], None);
    println!(
        "{}",
        serde_json::json!({
            "writes_acknowledged": acknowledged.len(),
            "refused_by_status": refused,
            "first_refusal": first_refusal,
            "acknowledged_lost": missing,
            "lost_positions": missing_at,
            "writes_back_after_room_s": back.as_secs_f64(),
            "integrity_check": check,
        })
    );
    assert_eq!(missing, 0, "acknowledged writes lost");
    assert!(verified.contains("intact"), "{verified}");
}
