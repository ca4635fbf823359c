//! Open data through the public URLs, on SQLite and PostgreSQL: per-kecamatan and
//! per-kelurahan counts as CSV and JSON with metadata, a DCAT catalogue, no personal data, and
//! no published count under the suppression threshold.

use crate::common;

use std::collections::BTreeMap;

use common::spawn_app;
use reqwest::Method;
use sqlx::{Connection, Row};

/// The CSV's header and rows.
async fn csv_rows(url: String) -> (Vec<String>, Vec<Vec<String>>) {
    let res = reqwest::get(url).await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = res.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

#[tokio::test]
async fn aggregates_are_published_without_personal_data_or_small_counts() {
    let app = spawn_app().await;
    app.seed(150, 9).await;
    // A business whose details must not appear anywhere in the open data.
    let (status, _) = app
        .send_json(Method::POST, "/api/v1/umkm", &common::valid_body())
        .await;
    assert_eq!(status, 201);

    let (header, rows) = csv_rows(app.url("/data/umkm-per-wilayah.csv")).await;
    assert_eq!(header[0], "kode_wilayah");
    assert_eq!(header.len(), 10);
    // Every count is empty (withheld), zero, or at least the threshold.
    let counts = |rows: &[Vec<String>]| {
        rows.iter()
            .flat_map(|r| r[2..].to_vec())
            .filter(|c| !c.is_empty())
            .map(|c| c.parse::<i64>().unwrap())
            .collect::<Vec<_>>()
    };
    assert!(counts(&rows).iter().all(|n| *n == 0 || *n >= 5));
    // Totals per kecamatan as SQL counts them (verified, so active; not merged).
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(app.test_db.direct())
        .await
        .unwrap();
    let expected: BTreeMap<String, i64> = sqlx::query(
        "SELECT district_code, COUNT(*) AS n FROM umkm WHERE merged_into IS NULL \
         AND status = 'verified' GROUP BY district_code",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap()
    .iter()
    .map(|r| (r.try_get("district_code").unwrap(), r.try_get("n").unwrap()))
    .collect();
    assert_eq!(rows.len(), expected.len());
    for r in &rows {
        let n = expected[&r[0]];
        if n >= 5 {
            assert_eq!(r[2], n.to_string(), "{r:?}");
            // The size classes add up when none is withheld.
            let sizes: Vec<&String> = r[3..8].iter().collect();
            if sizes.iter().all(|c| !c.is_empty()) {
                let sum: i64 = sizes.iter().map(|c| c.parse::<i64>().unwrap()).sum();
                assert_eq!(sum, n, "{r:?}");
            } else {
                // Never a single withheld cell that subtraction would reveal.
                assert!(sizes.iter().filter(|c| c.is_empty()).count() >= 2, "{r:?}");
            }
        }
    }
    // Per kelurahan the counts are small: some are withheld.
    let (_, villages) = csv_rows(app.url("/data/umkm-per-wilayah.csv?tingkat=kelurahan")).await;
    assert!(villages.len() > rows.len());
    assert!(villages.iter().any(|r| r[2..].iter().any(String::is_empty)));
    assert!(counts(&villages).iter().all(|n| *n == 0 || *n >= 5));

    // JSON: the same rows with their metadata; nothing personal in any of it.
    let json: serde_json::Value = reqwest::get(app.url("/data/umkm-per-wilayah.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let meta = &json["metadata"];
    assert!(
        meta["title"]
            .as_str()
            .unwrap()
            .contains("Kota Tangerang Selatan")
    );
    assert_eq!(
        meta["licence"],
        "https://creativecommons.org/licenses/by/4.0/"
    );
    assert_eq!(meta["region_codes"], "Kepmendagri 300.2.2-2138/2025");
    assert_eq!(meta["suppression"]["threshold"], 5);
    assert!(meta["period"]["as_of"].is_string());
    assert_eq!(json["data"].as_array().unwrap().len(), rows.len());
    let all = format!(
        "{json}{}",
        reqwest::get(app.url("/data/umkm-per-wilayah.csv?tingkat=kelurahan"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    );
    for personal in [
        "Sri Lestari",
        "3674034506900012",
        "Keripik Tempe",
        "0812",
        "Merdeka",
    ] {
        assert!(!all.contains(personal), "{personal} published");
    }

    // The DCAT catalogue a portal harvests, and the page describing it (no sign-in).
    let catalogue: serde_json::Value = reqwest::get(app.url("/data.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        catalogue["conformsTo"],
        "https://project-open-data.cio.gov/v1.1/schema"
    );
    let datasets = catalogue["dataset"].as_array().unwrap();
    // UMKM per kecamatan, per kelurahan, and the units' procurement spending.
    assert_eq!(datasets.len(), 3);
    assert!(
        datasets[2]["identifier"]
            .as_str()
            .unwrap()
            .ends_with("/data/pengadaan-per-opd")
    );
    let url = datasets[0]["distribution"][0]["downloadURL"]
        .as_str()
        .unwrap();
    assert!(
        url.starts_with("http") && url.ends_with("/data/umkm-per-wilayah.csv?tingkat=kecamatan")
    );
    let page = reqwest::get(app.url("/data")).await.unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(page.contains("CC BY 4.0"));
    assert!(
        page.contains("tingkat=kecamatan&#38;tahun=2025")
            || page.contains("tingkat=kecamatan&amp;tahun=2025"),
        "{page}"
    );
    let years: Vec<&str> = datasets[0]["distribution"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["downloadURL"].as_str().unwrap())
        .collect();
    assert!(
        years
            .iter()
            .any(|u| u.ends_with("tingkat=kecamatan&tahun=2025")),
        "{years:?}"
    );

    // Per period: the registry at the end of 2024. Half the businesses entered in 2024 (with
    // NIBs issued then), the rest this year.
    sqlx::query(
        "UPDATE umkm SET created_at = '2024-06-01T08:00:00.000Z' \
         WHERE id IN (SELECT id FROM umkm ORDER BY id LIMIT 80)",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    sqlx::query("UPDATE umkm_documents SET issued_on = '2024-07-01' WHERE kind = 'nib'")
        .execute(&mut conn)
        .await
        .unwrap();
    let by_2024: BTreeMap<String, (i64, i64)> = sqlx::query(
        "SELECT district_code, COUNT(*) AS n, \
         SUM(CASE WHEN id IN (SELECT umkm_id FROM umkm_documents WHERE kind = 'nib') \
             THEN 1 ELSE 0 END) AS nib \
         FROM umkm WHERE merged_into IS NULL AND status = 'verified' \
         AND created_at < '2025-01-01' GROUP BY district_code",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap()
    .iter()
    .map(|r| {
        (
            r.try_get("district_code").unwrap(),
            (
                r.try_get("n").unwrap(),
                r.try_get::<Option<i64>, _>("nib").unwrap().unwrap_or(0),
            ),
        )
    })
    .collect();
    let (_, past) = csv_rows(app.url("/data/umkm-per-wilayah.csv?tahun=2024")).await;
    assert_eq!(past.len(), by_2024.len());
    assert!(counts(&past).iter().all(|n| *n == 0 || *n >= 5));
    let mut checked = 0;
    for r in &past {
        let (n, nib) = by_2024[&r[0]];
        assert!(n <= expected[&r[0]]);
        if n >= 5 {
            assert_eq!(r[2], n.to_string(), "{r:?}");
            if nib >= 5 && n - nib >= 5 {
                assert_eq!(r[8], nib.to_string(), "{r:?}");
            }
            checked += 1;
        }
    }
    assert!(checked > 0, "some kecamatan published for 2024: {past:?}");
    let json: serde_json::Value = reqwest::get(app.url("/data/umkm-per-wilayah.json?tahun=2024"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(json["metadata"]["period"]["year"], 2024);
    assert_eq!(json["metadata"]["period"]["end"], "2024-12-31");
    assert!(
        json["metadata"]["title"]
            .as_str()
            .unwrap()
            .contains("akhir tahun 2024")
    );
    // A closed year is counted once and kept: a later change to the registry (here every NIB
    // withdrawn) leaves the published release as it was, on every level and format.
    let kept: i64 = sqlx::query("SELECT COUNT(*) AS n FROM year_end_counted WHERE year = 2024")
        .fetch_one(&mut conn)
        .await
        .unwrap()
        .try_get("n")
        .unwrap();
    assert_eq!(kept, 1);
    sqlx::query("DELETE FROM umkm_documents WHERE kind = 'nib'")
        .execute(&mut conn)
        .await
        .unwrap();
    let (_, again) = csv_rows(app.url("/data/umkm-per-wilayah.csv?tahun=2024")).await;
    assert_eq!(again, past);
    let (_, now) = csv_rows(app.url("/data/umkm-per-wilayah.csv")).await;
    assert!(
        now.iter().all(|r| r[8].is_empty() || r[8] == "0"),
        "{now:?}"
    );
    // Only past years are periods.
    for bad in ["2099", "tahun-lalu"] {
        let res = reqwest::get(app.url(&format!("/data/umkm-per-wilayah.csv?tahun={bad}")))
            .await
            .unwrap();
        assert_eq!(res.status(), 422, "{bad}");
    }
}
