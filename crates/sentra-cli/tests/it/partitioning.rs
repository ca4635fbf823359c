//! The province in every key (issue 13): records of a business carry its province on both
//! engines and follow it when a region change re-codes it into another province; `sentra
//! partition` turns a PostgreSQL deployment's `umkm` into one partition per province without
//! losing or changing a row. The HA pass of scripts/test.sh runs every other test on such a
//! partitioned schema as well (SENTRA_TEST_PARTITION=1).

use sentra_storage::{Database, census_differences};
use sqlx::{Connection, Row};

use crate::common::{self, empty_test_db, sentra_in, spawn_app, spawn_app_on};
use crate::dashboard::{reach_matches_registry, rollup_matches_registry};

async fn provinces_of(conn: &mut sqlx::AnyConnection, table: &str, id: &str) -> Vec<String> {
    sqlx::query(&format!(
        "SELECT COALESCE(province_code, '-') AS p FROM {table} WHERE umkm_id = $1 ORDER BY 1"
    ))
    .bind(id)
    .fetch_all(&mut *conn)
    .await
    .unwrap()
    .iter()
    .map(|r| r.try_get("p").unwrap())
    .collect()
}

async fn one_text(conn: &mut sqlx::AnyConnection, sql: &str, id: &str) -> String {
    sqlx::query(sql)
        .bind(id)
        .fetch_one(&mut *conn)
        .await
        .unwrap()
        .try_get(0)
        .unwrap()
}

/// Marks per kelurahan equal a recount from the milestones.
async fn growth_matches_registry(conn: &mut sqlx::AnyConnection, when: &str) {
    let sum = |sql: &'static str| sqlx::query(sql);
    let rows = |r: Vec<sqlx::any::AnyRow>| -> Vec<(String, i64)> {
        r.iter()
            .map(|r| (r.try_get("v").unwrap(), r.try_get("n").unwrap()))
            .collect()
    };
    let expected = rows(
        sum(
            "SELECT u.village_code AS v, COUNT(*) AS n FROM growth_milestones m \
             JOIN umkm u ON u.id = m.umkm_id WHERE u.merged_into IS NULL \
             GROUP BY u.village_code ORDER BY 1",
        )
        .fetch_all(&mut *conn)
        .await
        .unwrap(),
    );
    let kept = rows(
        sum(
            "SELECT village_code AS v, CAST(SUM(n) AS BIGINT) AS n FROM growth_village \
             GROUP BY village_code HAVING SUM(n) <> 0 ORDER BY 1",
        )
        .fetch_all(&mut *conn)
        .await
        .unwrap(),
    );
    assert_eq!(kept, expected, "growth_village after {when}");
}

#[tokio::test]
async fn a_business_recoded_into_another_province_takes_its_records_along() {
    let app = spawn_app().await;
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(app.test_db.direct())
        .await
        .unwrap();
    app.seed(20, 3).await;
    // One business with documents, a training it attended, a naik-kelas mark.
    let (status, created) = app
        .send_json(reqwest::Method::POST, "/api/v1/umkm", &common::valid_body())
        .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_string();
    let other = app.first_umkm().await.id;
    for sql in [
        "INSERT INTO activities (id, kind, title, topics, organiser, region_code, starts_at, \
         ends_at, zone, capacity, sectors, status, created_by, created_at, updated_at, version) \
         VALUES ('a1', 'pelatihan', 'Kelas', 'halal', 'dinas', '36.74', 1772694000, 1772701200, \
         'WIB', 50, '', 'planned', 't', 't', 't', 1)",
        "INSERT INTO activity_participants (activity_id, umkm_id, state, updated_by, updated_at) \
         VALUES ('a1', $1, 'attended', 't', 't')",
        "INSERT INTO growth_milestones (umkm_id, milestone, year) VALUES ($1, 'naik_kelas', 2025)",
    ] {
        let q = sqlx::query(sql);
        let q = if sql.contains("$1") { q.bind(&id) } else { q };
        q.execute(&mut conn).await.unwrap();
    }
    // Written without a province by the statements above: completed by the database.
    for table in [
        "umkm_documents",
        "activity_participants",
        "growth_milestones",
    ] {
        let p = provinces_of(&mut conn, table, &id).await;
        assert!(
            !p.is_empty() && p.iter().all(|p| p == "36"),
            "{table}: {p:?}"
        );
    }
    let directory = "SELECT province_code FROM umkm_directory WHERE id = $1";
    assert_eq!(one_text(&mut conn, directory, &id).await, "36");

    // A region split re-codes its kelurahan into another province (as Papua's in 2022).
    let village = one_text(
        &mut conn,
        "SELECT code FROM regions WHERE level = 'village' AND code LIKE $1 ORDER BY code LIMIT 1",
        "32.%",
    )
    .await;
    sqlx::query(
        "UPDATE umkm SET village_code = $1, district_code = substr($1, 1, 8), \
         regency_code = substr($1, 1, 5), province_code = '32' WHERE id = $2",
    )
    .bind(&village)
    .bind(&id)
    .execute(&mut conn)
    .await
    .unwrap();
    for (table, n) in [
        ("umkm_documents", 2),
        ("activity_participants", 1),
        ("growth_milestones", 1),
    ] {
        let p = provinces_of(&mut conn, table, &id).await;
        assert_eq!(p, vec!["32"; n], "{table} after the move");
    }
    assert_eq!(one_text(&mut conn, directory, &id).await, "32");
    if common::backend_name() == "postgres" && app.db.umkm_partitioned().await.unwrap() {
        let part = "SELECT tableoid::regclass::text FROM umkm WHERE id = $1";
        assert_eq!(one_text(&mut conn, part, &id).await, "umkm_p32");
    }
    // The dashboards' counts moved with it, exactly.
    rollup_matches_registry(&mut conn, "the move to another province").await;
    reach_matches_registry(&mut conn, "the move to another province").await;
    growth_matches_registry(&mut conn, "the move to another province").await;
    // The page and the API still find it by id alone.
    let (status, body) = app.get_json(&format!("/api/v1/umkm/{id}")).await;
    assert_eq!(status, 404, "out of the 36.74 admin's scope now: {body}");

    // A record handed to another business (a merge) takes that business's province.
    sqlx::query("UPDATE growth_milestones SET umkm_id = $1 WHERE umkm_id = $2")
        .bind(&other)
        .bind(&id)
        .execute(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        provinces_of(&mut conn, "growth_milestones", &other).await,
        vec!["36"]
    );
    growth_matches_registry(&mut conn, "the mark handed over").await;

    // A record of no business is refused, and so is a shop name taken in another province.
    let orphan = sqlx::query(
        "INSERT INTO growth_milestones (umkm_id, milestone, year) VALUES ('nope', 'naik_kelas', 2025)",
    )
    .execute(&mut conn)
    .await;
    assert!(orphan.is_err(), "a milestone of no business was kept");
    sqlx::query("UPDATE umkm SET store_slug = 'toko-sama' WHERE id = $1")
        .bind(&id)
        .execute(&mut conn)
        .await
        .unwrap();
    let twice = sqlx::query("UPDATE umkm SET store_slug = 'toko-sama' WHERE id = $1")
        .bind(&other)
        .execute(&mut conn)
        .await;
    assert!(twice.is_err(), "one shop name for two businesses");
}

#[tokio::test]
async fn sentra_partition_splits_a_deployment_by_province_and_keeps_every_record() {
    let work = tempfile::tempdir().unwrap();
    // Never pre-partitioned: this test makes the move itself.
    let target = empty_test_db().await;
    let url = target.url.clone();
    let run = |args: &[&str]| {
        let out = sentra_in(work.path())
            .args(args)
            .args(["--database", &url])
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    };
    if common::backend_name() != "postgres" {
        let (ok, text) = run(&["partition"]);
        assert!(!ok, "{text}");
        assert!(
            text.contains("hanya untuk PostgreSQL") && text.contains("needs PostgreSQL"),
            "{text}"
        );
        return;
    }
    let (ok, text) = run(&["demo", "--umkm", "400", "--products", "60", "--activities"]);
    assert!(ok, "{text}");
    let keyring = common::created_key(&url, work.path());
    let db = Database::connect(&url, keyring.clone()).await.unwrap();
    assert!(!db.umkm_partitioned().await.unwrap());
    let before = db.census().await.unwrap();
    db.close().await;

    let (ok, text) = run(&["partition"]);
    assert!(ok, "{text}");
    assert!(
        text.contains("39 partitions, 400 rows") && text.contains("umkm_p36"),
        "{text}"
    );
    let db = Database::connect(&url, keyring.clone()).await.unwrap();
    assert!(db.umkm_partitioned().await.unwrap());
    let parts = db.umkm_partition_rows().await.unwrap();
    assert_eq!(parts.len(), 1);
    assert_eq!(
        (parts[0].partition.as_str(), parts[0].rows),
        ("umkm_p36", 400)
    );
    // Every table: the same rows, the same values; the audit chain still verifies.
    let after = db.census().await.unwrap();
    assert_eq!(census_differences(&before, &after), Vec::<String>::new());
    assert_eq!(before.len(), after.len(), "partitions counted as tables");
    assert!(matches!(
        db.verify_audit().await.unwrap(),
        sentra_storage::AuditVerdict::Intact { .. }
    ));
    // Run again: nothing to do.
    let (ok, text) = run(&["partition"]);
    assert!(ok && text.contains("sudah dipartisi"), "{text}");
    db.close().await;

    // Served as before: a business by id, a new one written, the dashboard's totals.
    let app = spawn_app_on(target, keyring).await;
    let some = app.first_umkm().await;
    let (status, body) = app.get_json(&format!("/api/v1/umkm/{}", some.id)).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = app
        .send_json(reqwest::Method::POST, "/api/v1/umkm", &common::valid_body())
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(app.count().await, 401);
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(app.test_db.direct())
        .await
        .unwrap();
    rollup_matches_registry(&mut conn, "sentra partition").await;
    reach_matches_registry(&mut conn, "sentra partition").await;
    growth_matches_registry(&mut conn, "sentra partition").await;
}
