//! The dashboard through the pages, on SQLite and PostgreSQL: the NIB coverage of each
//! kecamatan of the demo region equals a count done directly in SQL, and each figure leads to
//! the registry list that gives the same number — the exact businesses without an NIB.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};

use common::spawn_app;
use sqlx::{Connection, Row};

#[tokio::test]
async fn nib_coverage_per_kecamatan_equals_sql_and_drills_down_to_the_list() {
    let app = spawn_app().await;
    app.seed(150, 12).await;
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(app.test_db.direct())
        .await
        .unwrap();
    // Counted directly, by the counting rules: per kecamatan, the verified (not merged) and
    // those holding an NIB valid today.
    let today = chrono::Utc::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    let rows = sqlx::query(
        "SELECT district_code, COUNT(*) AS total, \
         SUM(CASE WHEN id IN (SELECT umkm_id FROM umkm_documents WHERE kind = 'nib' \
             AND (expires_on IS NULL OR expires_on = '' OR expires_on >= $1)) \
             THEN 1 ELSE 0 END) AS nib \
         FROM umkm WHERE merged_into IS NULL AND status = 'verified' GROUP BY district_code",
    )
    .bind(&today)
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let expected: BTreeMap<String, (i64, i64)> = rows
        .iter()
        .map(|r| {
            (
                r.try_get::<String, _>("district_code").unwrap(),
                (
                    r.try_get::<i64, _>("total").unwrap(),
                    r.try_get::<Option<i64>, _>("nib").unwrap().unwrap_or(0),
                ),
            )
        })
        .collect();
    assert!(expected.len() >= 5, "{expected:?}");
    assert!(
        expected.values().any(|(t, n)| n < t),
        "some without an NIB: {expected:?}"
    );

    let html = app.page("/dasbor").await;
    assert!(html.contains("Cakupan NIB per kecamatan"), "{html}");
    assert!(html.contains("<svg"), "the chart is drawn on the server");
    for (district, (total, nib)) in &expected {
        let list = format!("/umkm?district={district}");
        for (href, n) in [
            (format!("{list}&status=verified"), total),
            (format!("{list}&legality=has_nib&status=verified"), nib),
            (
                format!("{list}&legality=no_nib&status=verified"),
                &(total - nib),
            ),
        ] {
            assert!(
                html.contains(&format!("href=\"{href}\">{n}</a>")),
                "{href} → {n} in {html}"
            );
        }
    }
    let all: i64 = expected.values().map(|v| v.0).sum();
    let with: i64 = expected.values().map(|v| v.1).sum();
    assert!(
        html.contains(&format!(
            ">{with}</a> / <a href=\"/umkm?regency=36.74&status=verified\">{all}</a>"
        )),
        "{html}"
    );

    // The drill-down: the list behind "without an NIB" of the busiest kecamatan is exactly the
    // businesses SQL finds without one.
    let (district, (total, nib)) = expected
        .iter()
        .max_by_key(|(_, (t, n))| t - n)
        .map(|(d, v)| (d.clone(), *v))
        .unwrap();
    let ids: BTreeSet<String> = sqlx::query(
        "SELECT id FROM umkm WHERE merged_into IS NULL AND district_code = $1 \
         AND status = 'verified' AND id NOT IN (SELECT umkm_id FROM umkm_documents \
         WHERE kind = 'nib' AND (expires_on IS NULL OR expires_on = '' OR expires_on >= $2))",
    )
    .bind(&district)
    .bind(&today)
    .fetch_all(&mut conn)
    .await
    .unwrap()
    .iter()
    .map(|r| r.try_get("id").unwrap())
    .collect();
    assert_eq!(ids.len() as i64, total - nib);
    let list = app
        .page(&format!(
            "/umkm?district={district}&legality=no_nib&status=verified"
        ))
        .await;
    assert!(
        list.contains(&format!(">{} UMKM<", total - nib)),
        "the list counts the same: {list}"
    );
    let (_, api) = app
        .get_json(&format!(
            "/api/v1/umkm?region={district}&legality=no_nib&status=verified&per_page=100"
        ))
        .await;
    let listed: BTreeSet<String> = api["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(listed, ids);

    // The kecamatan's own dashboard: its kelurahan, the same whole.
    let inner = app
        .page(&format!("/dasbor?wilayah={district}&dokumen=nib"))
        .await;
    assert!(inner.contains("Cakupan NIB per kelurahan/desa"), "{inner}");
    assert!(inner.contains(&format!(
        ">{nib}</a> / <a href=\"/umkm?district={district}&status=verified\">{total}</a>"
    )));
    // Outside the caller's area: not found.
    assert_eq!(app.get("/dasbor?wilayah=32.73").await.status(), 404);
}

#[tokio::test]
async fn admins_set_targets_and_the_dashboard_measures_progress() {
    let app = spawn_app().await;
    app.seed(80, 5).await;
    let post = |fields: Vec<(&str, &str)>| {
        let mut form = vec![("_csrf", app.csrf.as_str())];
        form.extend(fields);
        let req = app.client.post(app.url("/dasbor/target")).form(&form);
        async move { req.send().await.unwrap() }
    };
    // Bad input: every field named, nothing set.
    let res = post(vec![
        ("wilayah", "32.73"),
        ("indicator", "coverage_sim"),
        ("year", "26"),
        ("share", "120"),
    ])
    .await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    for s in [
        "Indikator: ",
        "Tahun: Angka di luar rentang",
        "Target (%): Tulis persentase",
        "Wilayah: ",
    ] {
        assert!(body.contains(s), "{s} in {body}");
    }
    let city = common::city();
    assert!(
        app.db
            .targets(
                &city,
                &sentra_domain::region::RegionCode::parse("36.74").unwrap(),
                2026
            )
            .await
            .unwrap()
            .is_empty()
    );

    // NIB coverage 100% for the city: short by exactly those without one.
    let res = post(vec![
        ("wilayah", "36.74"),
        ("indicator", "coverage_nib"),
        ("year", "2026"),
        ("share", "100"),
    ])
    .await;
    assert_eq!(res.status(), 303);
    let coverage = app
        .db
        .coverage_by_child(
            &city,
            &sentra_domain::region::RegionCode::parse("36.74").unwrap(),
            sentra_domain::umkm::LegalKind::Nib,
            common::today(),
        )
        .await
        .unwrap();
    let without: i64 = coverage.iter().map(|c| c.total - c.with).sum();
    assert!(without > 0);
    let html = app.page("/dasbor?tahun=2026").await;
    assert!(html.contains("Cakupan NIB"), "{html}");
    assert!(html.contains("100,0%"));
    assert!(html.contains(&format!("Kurang {without} UMKM")), "{html}");
    // A low target is met; the trail records who set what.
    let res = post(vec![
        ("wilayah", "36.74"),
        ("indicator", "coverage_nib"),
        ("year", "2026"),
        ("share", "1,5"),
    ])
    .await;
    assert_eq!(res.status(), 303);
    let html = app.page("/dasbor?tahun=2026").await;
    assert!(html.contains("1,5%") && html.contains("Tercapai"), "{html}");
    let trail = app
        .db
        .audit_for("target", "coverage_nib/36.74/2026")
        .await
        .unwrap();
    assert_eq!(trail.len(), 2);
    // Viewers read the dashboard but set no target.
    let (viewer, _, csrf) = app.as_user("viewer", "36.74").await;
    let res = viewer
        .post(app.url("/dasbor/target"))
        .form(&[("_csrf", csrf.as_str()), ("wilayah", "36.74")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
}

/// The rollup as it should be, counted from the registry itself.
const ROLLUP_FROM_SCRATCH: &str = "SELECT village_code, sector_code, COALESCE(size_class, '') AS s, \
     status, owner_sex, CAST(substr(created_at, 1, 4) AS BIGINT) AS y, \
     CASE WHEN id IN (SELECT umkm_id FROM umkm_documents WHERE kind = 'nib') THEN 1 ELSE 0 END AS nib, \
     CASE WHEN id IN (SELECT umkm_id FROM umkm_documents WHERE kind = 'halal') THEN 1 ELSE 0 END AS halal, \
     COALESCE(employees_male, 0) + COALESCE(employees_female, 0) AS e, \
     COALESCE(modal_rupiah, 0) AS m, COALESCE(annual_sales_rupiah, 0) AS sales \
     FROM umkm WHERE merged_into IS NULL";

pub(crate) async fn rollup_matches_registry(conn: &mut sqlx::AnyConnection, when: &str) {
    type Key = (String, String, String, String, String, i64, i64, i64);
    let mut expected: BTreeMap<Key, [i64; 4]> = BTreeMap::new();
    for r in sqlx::query(ROLLUP_FROM_SCRATCH)
        .fetch_all(&mut *conn)
        .await
        .unwrap()
    {
        let key = (
            r.try_get("village_code").unwrap(),
            r.try_get("sector_code").unwrap(),
            r.try_get("s").unwrap(),
            r.try_get("status").unwrap(),
            r.try_get("owner_sex").unwrap(),
            r.try_get("y").unwrap(),
            r.try_get::<i64, _>("nib").unwrap(),
            r.try_get::<i64, _>("halal").unwrap(),
        );
        let v = expected.entry(key).or_default();
        v[0] += 1;
        v[1] += r.try_get::<i64, _>("e").unwrap();
        v[2] += r.try_get::<i64, _>("m").unwrap();
        v[3] += r.try_get::<i64, _>("sales").unwrap();
    }
    let mut kept: BTreeMap<Key, [i64; 4]> = BTreeMap::new();
    for r in sqlx::query(
        "SELECT * FROM umkm_rollup WHERE n <> 0 OR employees <> 0 OR modal <> 0 OR sales <> 0",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap()
    {
        kept.insert(
            (
                r.try_get("village_code").unwrap(),
                r.try_get("sector_code").unwrap(),
                r.try_get("size_class").unwrap(),
                r.try_get("status").unwrap(),
                r.try_get("owner_sex").unwrap(),
                r.try_get("entered_year").unwrap(),
                r.try_get("has_nib").unwrap(),
                r.try_get("has_halal").unwrap(),
            ),
            [
                r.try_get("n").unwrap(),
                r.try_get("employees").unwrap(),
                r.try_get("modal").unwrap(),
                r.try_get("sales").unwrap(),
            ],
        );
    }
    assert_eq!(kept, expected, "umkm_rollup after {when}");
    // The kecamatan rollup (migration 0035): the same registry per kecamatan, sector, size
    // class and status.
    let district = |sql: &'static str| sqlx::query(sql);
    let per_district = |rows: Vec<sqlx::any::AnyRow>| -> BTreeMap<[String; 4], [i64; 4]> {
        rows.iter()
            .map(|r| {
                (
                    ["d", "c", "z", "t"].map(|k| r.try_get::<String, _>(k).unwrap()),
                    ["n", "e", "m", "s"].map(|k| r.try_get::<i64, _>(k).unwrap()),
                )
            })
            .collect()
    };
    let expected = per_district(
        district(
            "SELECT district_code AS d, sector_code AS c, COALESCE(size_class, '') AS z, \
             status AS t, COUNT(*) AS n, \
             CAST(SUM(COALESCE(employees_male, 0) + COALESCE(employees_female, 0)) AS BIGINT) AS e, \
             CAST(SUM(COALESCE(modal_rupiah, 0)) AS BIGINT) AS m, \
             CAST(SUM(COALESCE(annual_sales_rupiah, 0)) AS BIGINT) AS s \
             FROM umkm WHERE merged_into IS NULL \
             GROUP BY district_code, sector_code, COALESCE(size_class, ''), status",
        )
        .fetch_all(&mut *conn)
        .await
        .unwrap(),
    );
    let kept = per_district(
        district(
            "SELECT district_code AS d, sector_code AS c, size_class AS z, status AS t, n, \
             employees AS e, modal AS m, sales AS s FROM umkm_district_rollup \
             WHERE n <> 0 OR employees <> 0 OR modal <> 0 OR sales <> 0",
        )
        .fetch_all(&mut *conn)
        .await
        .unwrap(),
    );
    assert_eq!(kept, expected, "umkm_district_rollup after {when}");
    let docs = |sql: &'static str| sqlx::query(sql);
    let count = |rows: Vec<sqlx::any::AnyRow>| -> BTreeMap<(String, String, i64), i64> {
        rows.iter()
            .map(|r| {
                (
                    (
                        r.try_get("v").unwrap(),
                        r.try_get("k").unwrap(),
                        r.try_get("y").unwrap(),
                    ),
                    r.try_get("n").unwrap(),
                )
            })
            .filter(|(_, n)| *n != 0)
            .collect()
    };
    // The holders are kept per kind, business status and month of expiry ('' for none), per
    // kelurahan and (migration 0038) per kecamatan.
    for (table, place) in [
        ("umkm_doc_rollup", "village_code"),
        ("umkm_doc_district_rollup", "district_code"),
    ] {
        let expected = count(
            sqlx::query(&format!(
                "SELECT v, k, y, COUNT(*) AS n FROM (SELECT u.{place} AS v, \
                 d.kind || '/' || u.status || '/' || CASE WHEN d.expires_on IS NULL \
                      OR d.expires_on = '' THEN '' ELSE substr(d.expires_on, 1, 7) END AS k, \
                 CASE WHEN d.issued_on IS NULL OR d.issued_on = '' THEN 0 \
                      ELSE CAST(substr(d.issued_on, 1, 4) AS BIGINT) END AS y \
                 FROM umkm_documents d JOIN umkm u ON u.id = d.umkm_id \
                 WHERE u.merged_into IS NULL) AS h GROUP BY v, k, y",
            ))
            .fetch_all(&mut *conn)
            .await
            .unwrap(),
        );
        let kept = count(
            sqlx::query(&format!(
                "SELECT {place} AS v, kind || '/' || status || '/' || expires_month AS k, \
                 issued_year AS y, n FROM {table}",
            ))
            .fetch_all(&mut *conn)
            .await
            .unwrap(),
        );
        assert_eq!(kept, expected, "{table} after {when}");
    }
    // The narrow rollups of migration 0038: per kecamatan, status and year of entry; per
    // kelurahan, size class and status.
    let sums = |rows: Vec<sqlx::any::AnyRow>| -> BTreeMap<[String; 3], [i64; 4]> {
        rows.iter()
            .map(|r| {
                (
                    ["a", "b", "c"].map(|k| r.try_get::<String, _>(k).unwrap()),
                    ["n", "e", "m", "s"].map(|k| r.try_get::<i64, _>(k).unwrap()),
                )
            })
            .filter(|(_, v)| v.iter().any(|x| *x != 0))
            .collect()
    };
    for (table, expected_sql, kept_sql) in [
        (
            "umkm_year_rollup",
            "SELECT district_code AS a, status AS b, substr(created_at, 1, 4) AS c, COUNT(*) AS n, \
             CAST(SUM(COALESCE(employees_male, 0) + COALESCE(employees_female, 0)) AS BIGINT) AS e, \
             CAST(SUM(COALESCE(modal_rupiah, 0)) AS BIGINT) AS m, \
             CAST(SUM(COALESCE(annual_sales_rupiah, 0)) AS BIGINT) AS s \
             FROM umkm WHERE merged_into IS NULL \
             GROUP BY district_code, status, substr(created_at, 1, 4)",
            "SELECT district_code AS a, status AS b, CAST(entered_year AS TEXT) AS c, n, \
             employees AS e, modal AS m, sales AS s FROM umkm_year_rollup",
        ),
        (
            "umkm_village_rollup",
            "SELECT village_code AS a, COALESCE(size_class, '') AS b, status AS c, COUNT(*) AS n, \
             CAST(SUM(COALESCE(employees_male, 0) + COALESCE(employees_female, 0)) AS BIGINT) AS e, \
             CAST(SUM(COALESCE(modal_rupiah, 0)) AS BIGINT) AS m, \
             CAST(SUM(COALESCE(annual_sales_rupiah, 0)) AS BIGINT) AS s \
             FROM umkm WHERE merged_into IS NULL \
             GROUP BY village_code, COALESCE(size_class, ''), status",
            "SELECT village_code AS a, size_class AS b, status AS c, n, \
             employees AS e, modal AS m, sales AS s FROM umkm_village_rollup",
        ),
    ] {
        let expected = sums(
            sqlx::query(expected_sql)
                .fetch_all(&mut *conn)
                .await
                .unwrap(),
        );
        let kept = sums(sqlx::query(kept_sql).fetch_all(&mut *conn).await.unwrap());
        assert_eq!(kept, expected, "{table} after {when}");
    }
    let expected = count(
        docs(
            "SELECT u.village_code AS v, m.milestone || ':' || u.status AS k, m.year AS y, \
             COUNT(*) AS n FROM growth_milestones m JOIN umkm u ON u.id = m.umkm_id \
             WHERE u.merged_into IS NULL GROUP BY u.village_code, m.milestone, m.year, u.status",
        )
        .fetch_all(&mut *conn)
        .await
        .unwrap(),
    );
    let kept = count(
        docs(
            "SELECT village_code AS v, milestone || ':' || status AS k, year AS y, n \
             FROM growth_village WHERE n <> 0",
        )
        .fetch_all(&mut *conn)
        .await
        .unwrap(),
    );
    assert_eq!(kept, expected, "growth_village after {when}");
}

/// The registry list's totals (read from the rollups when the filters allow) equal a count of
/// the records, for each filter the rollups can answer and one they cannot.
async fn list_totals_match(app: &common::TestApp, conn: &mut sqlx::AnyConnection, when: &str) {
    for (query, condition) in [
        ("", "true"),
        ("sector=kuliner", "sector_code = 'kuliner'"),
        ("status=verified", "status = 'verified'"),
        (
            "size=mikro&status=draft",
            "size_class = 'mikro' AND status = 'draft'",
        ),
        ("region=36.74.05", "district_code = '36.74.05'"),
        (
            "region=36.74.01.1001&sector=fesyen",
            "village_code = '36.74.01.1001' AND sector_code = 'fesyen'",
        ),
        ("region=36.71", "false"),
        (
            "legality=has_nib",
            "id IN (SELECT umkm_id FROM umkm_documents WHERE kind = 'nib')",
        ),
        // The naik-kelas lists the dashboard links to: counted from growth_village.
        (
            "status=verified&naik_kelas=reported:2025",
            "status = 'verified' AND id IN (SELECT umkm_id FROM growth_milestones \
             WHERE milestone = 'reported' AND year = 2025)",
        ),
        (
            "status=verified&naik_kelas=class_up:2025",
            "status = 'verified' AND id IN (SELECT umkm_id FROM growth_milestones \
             WHERE milestone = 'class_up' AND year = 2025)",
        ),
        // Any status, or another one: counted from the same marks, kept per status.
        (
            "naik_kelas=class_up:2025",
            "id IN (SELECT umkm_id FROM growth_milestones \
             WHERE milestone = 'class_up' AND year = 2025)",
        ),
        (
            "naik_kelas=reached:2026",
            "status <> 'inactive' AND id IN (SELECT umkm_id FROM reach_rollup \
             WHERE year = 2026 AND attended > 0)",
        ),
        (
            "status=verified&naik_kelas=reached:2026",
            "status = 'verified' AND id IN (SELECT umkm_id FROM reach_rollup \
             WHERE year = 2026 AND attended > 0)",
        ),
        (
            "status=draft&naik_kelas=reported:2025",
            "status = 'draft' AND id IN (SELECT umkm_id FROM growth_milestones \
             WHERE milestone = 'reported' AND year = 2025)",
        ),
    ] {
        let (status, page) = app.get_json(&format!("/api/v1/umkm?{query}")).await;
        assert_eq!(status, 200, "{query}: {page}");
        let counted: i64 = sqlx::query(&format!(
            "SELECT COUNT(*) AS n FROM umkm WHERE merged_into IS NULL AND {condition}"
        ))
        .fetch_one(&mut *conn)
        .await
        .unwrap()
        .try_get("n")
        .unwrap();
        assert_eq!(page["total"], counted, "total of ?{query} after {when}");
    }
}

#[tokio::test]
async fn the_rollup_stays_exact_through_every_kind_of_write() {
    let app = spawn_app().await;
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(app.test_db.direct())
        .await
        .unwrap();
    app.seed(60, 3).await;
    rollup_matches_registry(&mut conn, "a batch insert").await;
    list_totals_match(&app, &mut conn, "a batch insert").await;

    // Through the API: a new business with documents, then an edit that changes its kecamatan,
    // sector, modal and documents (the NIB goes, a halal certificate comes).
    let (status, sri) = app
        .send_json(reqwest::Method::POST, "/api/v1/umkm", &common::valid_body())
        .await;
    assert_eq!(status, 201, "{sri}");
    let id = sri["id"].as_str().unwrap().to_string();
    rollup_matches_registry(&mut conn, "a registration").await;
    list_totals_match(&app, &mut conn, "a registration").await;
    let mut body = common::valid_body();
    body["version"] = 1.into();
    body["village_code"] = "36.74.01.1001".into();
    body["sector"] = "fesyen".into();
    body["modal"] = "2 M".into();
    body["documents"] = serde_json::json!([
        {"kind": "halal", "number": "ID36110000123450125", "issued_on": "2025-05-05", "expires_on": "2029-05-05"}
    ]);
    let (status, res) = app
        .send_json(reqwest::Method::PUT, &format!("/api/v1/umkm/{id}"), &body)
        .await;
    assert_eq!(status, 200, "{res}");
    rollup_matches_registry(&mut conn, "an edit").await;
    list_totals_match(&app, &mut conn, "an edit").await;

    // Naik kelas moves its size class; verification changes its status.
    let form = [
        ("_csrf", app.csrf.as_str()),
        ("year", "2025"),
        ("modal", "6 M"),
    ];
    let res = app
        .client
        .post(app.url(&format!("/umkm/{id}/naik-kelas")))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    rollup_matches_registry(&mut conn, "a growth report").await;
    list_totals_match(&app, &mut conn, "a growth report").await;
    // Verified, it counts in the naik-kelas figures; the marks must show in the lists above.
    app.verify(&[&id]).await;
    let marks: i64 = sqlx::query("SELECT COUNT(*) AS n FROM growth_milestones WHERE umkm_id = $1")
        .bind(&id)
        .fetch_one(&mut conn)
        .await
        .unwrap()
        .try_get("n")
        .unwrap();
    assert!(marks >= 1, "the year reported: {marks}");
    let (_, page) = app
        .get_json("/api/v1/umkm?status=verified&naik_kelas=reported:2025")
        .await;
    assert_eq!(page["total"], 1, "{page}");
    list_totals_match(&app, &mut conn, "its verification").await;

    // Straight SQL, as a repair script would: a merge, a date fixed, documents and a business
    // removed.
    let ids: Vec<String> = sqlx::query("SELECT id FROM umkm ORDER BY id LIMIT 4")
        .fetch_all(&mut conn)
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get("id").unwrap())
        .collect();
    let (a, b, c) = (ids[0].as_str(), ids[1].as_str(), ids[3].as_str());
    for (sql, args) in [
        // The business with a growth report moves, is merged away and comes back.
        (
            "UPDATE umkm SET village_code = '36.74.05.1001', district_code = '36.74.05' WHERE id = $1",
            vec![id.as_str()],
        ),
        (
            "UPDATE umkm SET merged_into = $1 WHERE id = $2",
            vec![a, id.as_str()],
        ),
        (
            "UPDATE umkm SET merged_into = NULL WHERE id = $1",
            vec![id.as_str()],
        ),
        ("UPDATE umkm SET merged_into = $1 WHERE id = $2", vec![b, a]),
        ("UPDATE umkm SET merged_into = NULL WHERE id = $1", vec![a]),
        ("UPDATE umkm SET merged_into = $1 WHERE id = $2", vec![b, a]),
        (
            "UPDATE umkm_documents SET issued_on = '2019-01-02' WHERE umkm_id = $1",
            vec![b],
        ),
        (
            "DELETE FROM umkm_documents WHERE umkm_id = $1 AND kind = 'nib'",
            vec![b],
        ),
        (
            "UPDATE umkm SET created_at = '2023-03-03T00:00:00.000Z' WHERE id = $1",
            vec![b],
        ),
        ("DELETE FROM umkm WHERE id = $1", vec![c]),
    ] {
        let mut q = sqlx::query(sql);
        for arg in args {
            q = q.bind(arg);
        }
        q.execute(&mut conn).await.unwrap();
        rollup_matches_registry(&mut conn, sql).await;
        list_totals_match(&app, &mut conn, sql).await;
    }
    // A document's kind is its key: changing it in place is refused.
    assert!(
        sqlx::query("UPDATE umkm_documents SET kind = 'sni' WHERE umkm_id = $1")
            .bind(ids[2].as_str())
            .execute(&mut conn)
            .await
            .is_err()
            || sqlx::query("SELECT 1 FROM umkm_documents WHERE umkm_id = $1")
                .bind(ids[2].as_str())
                .fetch_optional(&mut conn)
                .await
                .unwrap()
                .is_none()
    );
    rollup_matches_registry(&mut conn, "a refused kind change").await;
    list_totals_match(&app, &mut conn, "a refused kind change").await;
}

/// The reach rollups equal a recount from the participations, activities and products: per
/// kelurahan, year, sector and size class the verified businesses reached and those of them that
/// added a product at or after their first activity of the year; per business and year the
/// attendances, first start and that mark; per business, year and topic the attendances, and
/// per kelurahan how many verified businesses attended a topic so many times.
pub(crate) async fn reach_matches_registry(conn: &mut sqlx::AnyConnection, when: &str) {
    let attended = sqlx::query(
        "SELECT p.umkm_id AS b, c.year AS y, a.starts_at AS at, a.topics AS t, \
         u.village_code AS v, u.sector_code AS s, COALESCE(u.size_class, '') AS z, \
         CASE WHEN u.merged_into IS NULL AND u.status = 'verified' THEN 1 ELSE 0 END AS counted \
         FROM activity_participants p JOIN activities a ON a.id = p.activity_id \
         JOIN umkm u ON u.id = p.umkm_id \
         JOIN calendar_years c ON c.province_code = substr(u.village_code, 1, 2) \
              AND a.starts_at >= c.starts_at AND a.starts_at < c.ends_at \
         WHERE p.state IN ('attended', 'completed')",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    let mut products: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for r in sqlx::query("SELECT umkm_id, created_at FROM products")
        .fetch_all(&mut *conn)
        .await
        .unwrap()
    {
        let at: String = r.try_get("created_at").unwrap();
        products
            .entry(r.try_get("umkm_id").unwrap())
            .or_default()
            .push(
                chrono::DateTime::parse_from_rfc3339(&at)
                    .unwrap()
                    .timestamp(),
            );
    }
    // Per business and year: (attendances, first start, grew), and its group when counted.
    type Group = (String, i64, String, String);
    let mut years: BTreeMap<(String, i64), (i64, Option<i64>, i64)> = BTreeMap::new();
    let mut group_of: BTreeMap<(String, i64), Option<Group>> = BTreeMap::new();
    let mut topics: BTreeMap<(String, i64, String), i64> = BTreeMap::new();
    for r in &attended {
        let (b, y): (String, i64) = (r.try_get("b").unwrap(), r.try_get("y").unwrap());
        let at: i64 = r.try_get("at").unwrap();
        let e = years.entry((b.clone(), y)).or_insert((0, None, 0));
        e.0 += 1;
        e.1 = Some(e.1.map_or(at, |f| f.min(at)));
        let counted: i64 = r.try_get("counted").unwrap();
        group_of.insert(
            (b.clone(), y),
            (counted == 1).then(|| {
                (
                    r.try_get("v").unwrap(),
                    y,
                    r.try_get("s").unwrap(),
                    r.try_get("z").unwrap(),
                )
            }),
        );
        let list: String = r.try_get("t").unwrap();
        for t in list.split(',').filter(|t| !t.is_empty()) {
            *topics.entry((b.clone(), y, t.to_string())).or_default() += 1;
        }
    }
    for ((b, _), (_, first, grew)) in years.iter_mut() {
        let first = first.unwrap();
        *grew = i64::from(
            products
                .get(b)
                .is_some_and(|p| p.iter().any(|t| *t >= first)),
        );
    }
    let mut expected: BTreeMap<Group, (i64, i64)> = BTreeMap::new();
    for (key, (_, _, grew)) in &years {
        if let Some(Some(group)) = group_of.get(key) {
            let e = expected.entry(group.clone()).or_default();
            e.0 += 1;
            e.1 += grew;
        }
    }
    let kept: BTreeMap<Group, (i64, i64)> = sqlx::query(
        "SELECT village_code AS v, year AS y, sector_code AS s, size_class AS z, n, grew \
         FROM reach_village WHERE n <> 0 OR grew <> 0",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap()
    .iter()
    .map(|r| {
        (
            (
                r.try_get("v").unwrap(),
                r.try_get("y").unwrap(),
                r.try_get("s").unwrap(),
                r.try_get("z").unwrap(),
            ),
            (r.try_get("n").unwrap(), r.try_get("grew").unwrap()),
        )
    })
    .collect();
    assert_eq!(kept, expected, "reach_village after {when}");
    let kept: BTreeMap<(String, i64), (i64, Option<i64>, i64)> = sqlx::query(
        "SELECT umkm_id AS b, year AS y, attended AS n, first_at AS f, grew FROM reach_rollup \
         WHERE attended <> 0",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap()
    .iter()
    .map(|r| {
        (
            (r.try_get("b").unwrap(), r.try_get("y").unwrap()),
            (
                r.try_get("n").unwrap(),
                r.try_get("f").unwrap(),
                r.try_get("grew").unwrap(),
            ),
        )
    })
    .collect();
    assert_eq!(kept, years, "reach_rollup after {when}");
    let kept: BTreeMap<(String, i64, String), i64> = sqlx::query(
        "SELECT umkm_id AS b, year AS y, topic AS t, attended AS n FROM reach_topic \
         WHERE attended <> 0",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap()
    .iter()
    .map(|r| {
        (
            (
                r.try_get("b").unwrap(),
                r.try_get("y").unwrap(),
                r.try_get("t").unwrap(),
            ),
            r.try_get("n").unwrap(),
        )
    })
    .collect();
    assert_eq!(kept, topics, "reach_topic after {when}");
    // Per kelurahan, year, topic and attendances: the verified businesses that many times there.
    let mut expected: BTreeMap<(String, i64, String, i64), i64> = BTreeMap::new();
    for ((b, y, t), n) in &topics {
        if let Some(Some((village, ..))) = group_of.get(&(b.clone(), *y)) {
            *expected
                .entry((village.clone(), *y, t.clone(), *n))
                .or_default() += 1;
        }
    }
    let kept: BTreeMap<(String, i64, String, i64), i64> = sqlx::query(
        "SELECT village_code AS v, year AS y, topic AS t, attended AS a, n \
         FROM reach_topic_village WHERE n <> 0",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap()
    .iter()
    .map(|r| {
        (
            (
                r.try_get("v").unwrap(),
                r.try_get("y").unwrap(),
                r.try_get("t").unwrap(),
                r.try_get("a").unwrap(),
            ),
            r.try_get("n").unwrap(),
        )
    })
    .collect();
    assert_eq!(kept, expected, "reach_topic_village after {when}");
}

#[tokio::test]
async fn programme_reach_stays_exact_through_participations_and_moves() {
    let app = spawn_app().await;
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(app.test_db.direct())
        .await
        .unwrap();
    app.seed(30, 4).await;
    // Two activities: 10 December 2025 and 5 March 2026 (WIB).
    for (id, starts) in [("a1", 1_765_339_200_i64), ("a2", 1_772_694_000)] {
        sqlx::query(
            "INSERT INTO activities (id, kind, title, topics, organiser, region_code, starts_at, \
             ends_at, zone, capacity, sectors, status, created_by, created_at, updated_at, version) \
             VALUES ($1, 'pelatihan', 'Kelas', 'halal', 'dinas', '36.74', $2, $3, 'WIB', 50, '', \
             'planned', 't', 't', 't', 1)",
        )
        .bind(id)
        .bind(starts)
        .bind(starts + 7200)
        .execute(&mut conn)
        .await
        .unwrap();
    }
    let ids: Vec<String> = sqlx::query("SELECT id FROM umkm ORDER BY id LIMIT 6")
        .fetch_all(&mut conn)
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get("id").unwrap())
        .collect();
    let steps: Vec<(&str, Vec<&str>)> = vec![
        // Several rows in one statement: PostgreSQL fires their triggers after all of them.
        (
            "INSERT INTO activity_participants (activity_id, umkm_id, state, updated_by, updated_at) \
             VALUES ('a1', $1, 'attended', 't', 't'), ('a2', $1, 'attended', 't', 't'), \
             ('a1', $2, 'registered', 't', 't'), ('a2', $3, 'completed', 't', 't')",
            vec![&ids[0], &ids[1], &ids[2]],
        ),
        (
            "UPDATE activity_participants SET state = 'attended' WHERE umkm_id = $1",
            vec![&ids[1]],
        ),
        (
            "UPDATE activity_participants SET state = 'absent' WHERE umkm_id = $1 AND activity_id = 'a2'",
            vec![&ids[0]],
        ),
        // Products: one added before its business's first activity (not an outcome), one
        // after; another business's added after, then moved to before, then back.
        (
            "INSERT INTO products (id, umkm_id, slug, name, category_code, unit, status, \
             created_by, created_at, updated_at, province_code) \
             SELECT 'p1', $1, 'p-1', 'Keripik', MIN(code), 'pcs', 'draft', 't', \
             '2025-06-01T00:00:00.500Z', 't', '36' FROM product_categories",
            vec![&ids[0]],
        ),
        (
            "INSERT INTO products (id, umkm_id, slug, name, category_code, unit, status, \
             created_by, created_at, updated_at, province_code) \
             SELECT 'p2', $1, 'p-2', 'Sambal', MIN(code), 'pcs', 'draft', 't', \
             '2026-04-01T00:00:00Z', 't', '36' FROM product_categories",
            vec![&ids[1]],
        ),
        (
            "UPDATE products SET created_at = '2025-01-01T00:00:00Z' WHERE id = 'p2'",
            vec![],
        ),
        (
            "UPDATE products SET created_at = '2026-12-24T00:00:00.250Z' WHERE id = 'p2'",
            vec![],
        ),
        (
            "INSERT INTO products (id, umkm_id, slug, name, category_code, unit, status, \
             created_by, created_at, updated_at, province_code) \
             SELECT 'p3', $1, 'p-3', 'Tas', MIN(code), 'pcs', 'draft', 't', \
             '2026-03-05T07:00:00Z', 't', '36' FROM product_categories",
            vec![&ids[2]],
        ),
        // Another topic: the attendances of the class count in both.
        (
            "UPDATE activities SET topics = 'halal,pembukuan' WHERE id = 'a2'",
            vec![],
        ),
        // The December class moves into January: its people are reached in 2026 instead.
        (
            "UPDATE activities SET starts_at = 1767312000 WHERE id = 'a1'",
            vec![],
        ),
        // Twice in a topic in one year, then once in it and twice in another.
        (
            "INSERT INTO activity_participants (activity_id, umkm_id, state, updated_by, updated_at) \
             VALUES ('a1', $1, 'attended', 't', 't')",
            vec![&ids[2]],
        ),
        (
            "UPDATE products SET umkm_id = $1 WHERE id = 'p1'",
            vec![&ids[1]],
        ),
        (
            "UPDATE activities SET topics = 'pembukuan' WHERE id = 'a1'",
            vec![],
        ),
        (
            "UPDATE umkm SET village_code = '36.74.02.1001', district_code = '36.74.02' WHERE id = $1",
            vec![&ids[0]],
        ),
        (
            "UPDATE umkm SET status = 'inactive' WHERE id = $1",
            vec![&ids[2]],
        ),
        // Another sector and size class: its reached years move to the new group.
        (
            "UPDATE umkm SET sector_code = 'jasa', size_class = 'kecil' WHERE id = $1",
            vec![&ids[1]],
        ),
        // Reach counts verified businesses: back to draft leaves it, verified again returns.
        (
            "UPDATE umkm SET status = 'draft' WHERE id = $1",
            vec![&ids[1]],
        ),
        (
            "UPDATE umkm SET status = 'verified' WHERE id = $1",
            vec![&ids[1]],
        ),
        (
            "UPDATE umkm SET merged_into = $1 WHERE id = $2",
            vec![&ids[3], &ids[1]],
        ),
        (
            "UPDATE umkm SET merged_into = NULL WHERE id = $1",
            vec![&ids[1]],
        ),
        (
            "DELETE FROM activity_participants WHERE umkm_id = $1 AND activity_id = 'a1'",
            vec![&ids[0]],
        ),
        ("DELETE FROM products WHERE id = 'p2'", vec![]),
    ];
    // Every business verified, so the counts below are known (the seed mixes drafts in).
    sqlx::query("UPDATE umkm SET status = 'verified'")
        .execute(&mut conn)
        .await
        .unwrap();
    reach_matches_registry(&mut conn, "no participations").await;
    for (sql, args) in steps {
        let mut q = sqlx::query(sql);
        for a in args {
            q = q.bind(a);
        }
        q.execute(&mut conn).await.unwrap();
        reach_matches_registry(&mut conn, sql).await;
    }
    // The dashboard reads it: 2026's reach of the kota.
    let (reached, total) = app
        .db
        .reach_count(
            &sentra_domain::region::RegionCode::parse("36.74").unwrap(),
            2026,
        )
        .await
        .unwrap();
    assert_eq!(total, 29, "30 seeded, one made inactive");
    assert_eq!(
        reached, 1,
        "only the second business is still reached in 2026"
    );
}

/// Naik-kelas lists read three ways (the marked set sorted, the region's index in the list's
/// order with each business's mark tested, a small region's businesses each tested) give what
/// plain SQL gives, page by page.
#[tokio::test]
async fn a_list_of_many_marked_businesses_is_the_same_read_either_way() {
    let app = spawn_app().await;
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(app.test_db.direct())
        .await
        .unwrap();
    app.seed(60, 5).await;
    sqlx::query(
        "INSERT INTO growth_milestones (umkm_id, milestone, year) \
         SELECT id, 'class_up', 2025 FROM umkm WHERE merged_into IS NULL \
         AND id NOT IN (SELECT umkm_id FROM growth_milestones \
                        WHERE milestone = 'class_up' AND year = 2025) \
         ORDER BY id LIMIT 30",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    let (_, province_api, _) = app.as_user("admin", "36").await;
    let district: String = sqlx::query(
        "SELECT u.district_code AS d FROM umkm u JOIN growth_milestones m ON m.umkm_id = u.id \
         WHERE m.milestone = 'class_up' AND m.year = 2025 \
         GROUP BY u.district_code ORDER BY COUNT(*) DESC, u.district_code LIMIT 1",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap()
    .try_get("d")
    .unwrap();
    let ids = |page: &serde_json::Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_string())
            .collect()
    };
    // (query, condition, order, page size, page): the province admin's list reads the
    // province's index and tests marks, the city admin's the city's, a kecamatan's (the
    // region filter) tests each of its businesses — each equal to the plain SQL.
    for (query, condition, order, per_page, page) in [
        ("sort=name", "true", "name, id", 7, 1),
        ("sort=name", "true", "name, id", 7, 3),
        (
            "sort=sales&dir=desc",
            "true",
            "annual_sales_rupiah DESC NULLS LAST, id DESC",
            10,
            1,
        ),
        (
            "status=verified&sort=name",
            "status = 'verified'",
            "name, id",
            5,
            2,
        ),
        ("sort=updated", "true", "updated_at, id", 25, 1),
    ] {
        for (client, region) in [
            (&province_api, None),
            (&app.api, None),
            (&app.api, Some(district.as_str())),
        ] {
            let path = format!(
                "/api/v1/umkm?naik_kelas=class_up:2025&{query}&per_page={per_page}&page={page}{}",
                region.map(|r| format!("&region={r}")).unwrap_or_default()
            );
            let got: serde_json::Value = client
                .get(app.url(&path))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let within = region
                .map(|r| format!("district_code = '{r}'"))
                .unwrap_or_else(|| "true".into());
            let marked = format!(
                "merged_into IS NULL AND {condition} AND {within} AND id IN \
                 (SELECT umkm_id FROM growth_milestones WHERE milestone = 'class_up' \
                 AND year = 2025)"
            );
            let expected: Vec<String> = sqlx::query(&format!(
                "SELECT id FROM umkm WHERE {marked} ORDER BY {order} LIMIT {per_page} OFFSET {}",
                (page - 1) * per_page
            ))
            .fetch_all(&mut conn)
            .await
            .unwrap()
            .iter()
            .map(|r| r.try_get("id").unwrap())
            .collect();
            let total: i64 = sqlx::query(&format!("SELECT COUNT(*) AS n FROM umkm WHERE {marked}"))
                .fetch_one(&mut conn)
                .await
                .unwrap()
                .try_get("n")
                .unwrap();
            // The kecamatan's later pages may be empty; the whole city's are not.
            assert!(region.is_some() || !expected.is_empty(), "{path}");
            assert!(total > 0, "{path}");
            assert_eq!(ids(&got), expected, "{path}");
            assert_eq!(got["total"], total, "{path}");
        }
    }
    list_totals_match(&app, &mut conn, "many class-ups").await;
}

/// The dashboard's figures through the API: the same counts as the rollups give the page,
/// within the caller's area only.
#[tokio::test]
async fn the_dashboard_figures_come_through_the_api() {
    let app = common::spawn_app().await;
    app.seed(60, 5).await;
    let (status, d) = app.get_json("/api/v1/dashboard?tahun=2026").await;
    assert_eq!(status, 200, "{d}");
    assert_eq!(d["region"], "36.74");
    assert_eq!(d["document"], "nib");
    let mut conn = sqlx::AnyConnection::connect(app.test_db.direct())
        .await
        .unwrap();
    let verified: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM umkm WHERE status = 'verified' AND merged_into IS NULL",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap()
    .try_get("n")
    .unwrap();
    assert_eq!(d["counted"], verified);
    let sum = |key: &str, field: &str| -> i64 {
        d[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r[field].as_i64().unwrap())
            .sum()
    };
    assert_eq!(sum("coverage", "total"), verified);
    assert_eq!(sum("by_sector", "n"), verified);
    assert_eq!(sum("by_size", "n"), verified);
    assert_eq!(
        d["coverage"].as_array().unwrap().len(),
        7,
        "every kecamatan of the city"
    );
    assert_eq!(d["trend"].as_array().unwrap().len(), 6);
    let (status, halal) = app
        .get_json("/api/v1/dashboard?wilayah=36.74.03&dokumen=halal")
        .await;
    assert_eq!(status, 200);
    assert_eq!(halal["document"], "halal");
    let (status, _) = app.get_json("/api/v1/dashboard?wilayah=32.73").await;
    assert_eq!(status, 404);
    let (status, err) = app.get_json("/api/v1/dashboard?dokumen=sim").await;
    assert_eq!(
        (status, err["error"]["fields"][0]["field"].as_str()),
        (422, Some("dokumen"))
    );
    // A partner reads no dashboards.
    let (_, partner, _) = app.as_user("partner", "36.74").await;
    let refused = partner
        .get(app.url("/api/v1/dashboard"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
}
