//! Two app servers on one database (SQLite file or PostgreSQL), each with its own search index:
//! a product added, renamed and archived through one is found, renamed and gone on the other
//! within seconds (each server's index follows the audit trail). And `sentra reindex` rebuilds
//! an index from the database.

use crate::common;

use std::time::{Duration, Instant};

use common::spawn_app;
use sentra_domain::product::validate_product;
use sentra_domain::region::RegionCode;
use sentra_storage::{Actor, Database, Keyring, PersonalKey};

/// The names the other server's public search returns for `q`, once `done` holds (or after
/// five seconds).
async fn names_when(base: &str, q: &str, done: impl Fn(&[String]) -> bool) -> Vec<String> {
    let started = Instant::now();
    loop {
        let found: serde_json::Value = reqwest::get(format!("{base}/api/v1/katalog?q={q}"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let names: Vec<String> = found["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["name"].as_str().unwrap().to_string())
            .collect();
        if done(&names) || started.elapsed() > Duration::from_secs(5) {
            return names;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_change_on_one_server_is_found_on_the_other() {
    let app = spawn_app().await;
    app.seed(1, 3).await;
    // Server B: the same database, its own (in-memory) index and follower.
    let db = Database::connect(&app.test_db.url, Keyring::new(PersonalKey::generate().0))
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let b = format!("http://{}", listener.local_addr().unwrap());
    let state = sentra_web::AppState::new(db, RegionCode::parse("36.74").unwrap());
    tokio::spawn(sentra_web::serve(listener, state, std::future::pending()));

    let umkm = app.first_umkm().await;
    // Only a verified business's products are public (DESIGN.md, "Public means verified").
    app.db
        .set_umkm_status(
            &common::city(),
            &umkm.id,
            sentra_domain::umkm::UmkmStatus::Verified,
            &Actor::system("test"),
        )
        .await
        .unwrap();
    let categories = app.db.product_categories().await.unwrap();
    let mut input = common::chips("published");
    input.name = "Kerupuk Kulit Ikan Tenggiri".into();
    let data = validate_product(&input, &categories).unwrap();
    let actor = Actor::system("test");
    let p = app
        .db
        .create_product(&common::city(), &umkm.id, &data, &actor)
        .await
        .unwrap();
    let found = names_when(&b, "tenggiri", |n| !n.is_empty()).await;
    assert_eq!(found, ["Kerupuk Kulit Ikan Tenggiri"]);

    input.name = "Kerupuk Kulit Ikan Tenggiri Pedas".into();
    let data = validate_product(&input, &categories).unwrap();
    let p = app
        .db
        .update_product(&common::city(), &p.id, p.version, &data, &actor)
        .await
        .unwrap();
    let found = names_when(&b, "tenggiri", |n| n.iter().any(|x| x.ends_with("Pedas"))).await;
    assert_eq!(found, ["Kerupuk Kulit Ikan Tenggiri Pedas"]);

    input.status = "archived".into();
    let data = validate_product(&input, &categories).unwrap();
    app.db
        .update_product(&common::city(), &p.id, p.version, &data, &actor)
        .await
        .unwrap();
    assert!(
        names_when(&b, "tenggiri", |n| n.is_empty())
            .await
            .is_empty()
    );
}

#[test]
fn reindex_rebuilds_the_index_from_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/s.db", dir.path().display());
    let index = dir.path().join("index");
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_sentra"))
            .args(args)
            .current_dir(dir.path())
            .output()
            .unwrap()
    };
    let out = run(&[
        "demo",
        "--umkm",
        "40",
        "--products",
        "60",
        "--seed",
        "5",
        "--database",
        &db,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&[
        "reindex",
        "--database",
        &db,
        "--search-dir",
        index.to_str().unwrap(),
    ]);
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{said}");
    assert!(said.contains("60 products read"), "{said}");
    let opened = sentra_search::SearchIndex::open(Some(&index)).unwrap();
    assert!(!opened.is_empty() && opened.len() <= 60, "{}", opened.len());
}
