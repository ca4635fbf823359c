//! The dashboard through the pages, on SQLite and PostgreSQL: the NIB coverage of each
//! kecamatan of the demo region equals a count done directly in SQL, and each figure leads to
//! the registry list that gives the same number — the exact businesses without an NIB.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::spawn_app;
use sqlx::{Connection, Row};

#[tokio::test]
async fn nib_coverage_per_kecamatan_equals_sql_and_drills_down_to_the_list() {
    let app = spawn_app().await;
    app.seed(150, 12).await;
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(&app.test_db.url)
        .await
        .unwrap();
    // Counted directly: per kecamatan, all (not merged) and those holding an NIB.
    let rows = sqlx::query(
        "SELECT district_code, COUNT(*) AS total, \
         SUM(CASE WHEN id IN (SELECT umkm_id FROM umkm_documents WHERE kind = 'nib') \
             THEN 1 ELSE 0 END) AS nib \
         FROM umkm WHERE merged_into IS NULL GROUP BY district_code",
    )
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
            (list.clone(), total),
            (format!("{list}&legality=has_nib"), nib),
            (format!("{list}&legality=no_nib"), &(total - nib)),
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
            ">{with}</a> / <a href=\"/umkm?regency=36.74\">{all}</a>"
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
         AND id NOT IN (SELECT umkm_id FROM umkm_documents WHERE kind = 'nib')",
    )
    .bind(&district)
    .fetch_all(&mut conn)
    .await
    .unwrap()
    .iter()
    .map(|r| r.try_get("id").unwrap())
    .collect();
    assert_eq!(ids.len() as i64, total - nib);
    let list = app
        .page(&format!("/umkm?district={district}&legality=no_nib"))
        .await;
    assert!(
        list.contains(&format!(">{} UMKM<", total - nib)),
        "the list counts the same: {list}"
    );
    let (_, api) = app
        .get_json(&format!(
            "/api/v1/umkm?region={district}&legality=no_nib&per_page=100"
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
        ">{nib}</a> / <a href=\"/umkm?district={district}\">{total}</a>"
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
