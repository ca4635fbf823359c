//! The legality path through the pages, on SQLite and PostgreSQL: a food business's steps
//! with their status and the next one, marking a step as being applied for, and the list of
//! documents that expire soon.

use crate::common;

use common::spawn_app;
use reqwest::Method;

fn in_days(n: i64) -> String {
    (common::today() + chrono::Duration::days(n))
        .format("%Y-%m-%d")
        .to_string()
}

#[tokio::test]
async fn a_food_business_sees_its_path_and_the_office_its_expiring_documents() {
    let app = spawn_app().await;
    // Bu Sri's chips: NIB and P-IRT (valid for years), no halal certificate yet.
    let (status, sri) = app
        .send_json(Method::POST, "/api/v1/umkm", &common::valid_body())
        .await;
    assert_eq!(status, 201, "{sri}");
    let sri = sri["id"].as_str().unwrap().to_string();
    let page = app.get(&format!("/umkm/{sri}")).await.text().await.unwrap();
    let row = |page: &str, item: &str| {
        let at = page.find(&format!("id=\"legal-{item}\"")).expect(item);
        page[at..at + page[at..].find("</tr>").unwrap()].to_string()
    };
    assert!(page.contains("Jalur legalitas"), "{page}");
    assert!(row(&page, "nib").contains("Sudah ada"));
    assert!(row(&page, "nib").contains("No. 9120301234567"));
    assert!(row(&page, "food_permit").contains("berlaku s.d. 1 Februari 2029"));
    let halal = row(&page, "halal");
    // The duty for micro and small food businesses: due before 17 October 2026, late after.
    let deadline = chrono::NaiveDate::from_ymd_opt(2026, 10, 17).unwrap();
    let duty = if common::today() > deadline {
        "Wajib sejak 17 Oktober 2026 — terlambat"
    } else {
        "Wajib sebelum 17 Oktober 2026"
    };
    assert!(
        halal.contains("Belum ada") && halal.contains(duty),
        "{halal}"
    );
    assert!(halal.contains("/agenda?topik=halal"));
    assert!(
        page.contains("Langkah berikutnya: Sertifikat halal."),
        "{page}"
    );

    // A bad step is named; marking halal as being applied for moves the next step on.
    let mark = |item: &str, on: bool| {
        let mut form = vec![("_csrf", app.csrf.as_str()), ("item", item)];
        if on {
            form.push(("on", "1"));
        }
        let req = app
            .client
            .post(app.url(&format!("/umkm/{sri}/legalitas")))
            .form(&form);
        async move { req.send().await.unwrap() }
    };
    let res = mark("sim", true).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("Langkah legalitas"));
    assert_eq!(mark("halal", true).await.status(), 303);
    let page = app.get(&format!("/umkm/{sri}")).await.text().await.unwrap();
    let halal = row(&page, "halal");
    assert!(
        halal.contains("Sedang diurus") && halal.contains("Diurus sejak"),
        "{halal}"
    );
    assert!(
        page.contains("Langkah berikutnya: Label dan kemasan pangan."),
        "{page}"
    );
    let trail = app.db.audit_for("umkm", &sri).await.unwrap();
    assert!(trail.iter().any(|e| e.action == "legality_progress"));
    assert_eq!(mark("halal", false).await.status(), 303);
    let page = app.get(&format!("/umkm/{sri}")).await.text().await.unwrap();
    assert!(row(&page, "halal").contains("Belum ada"));

    // A tailor: no food permit, no halal, no label.
    let mut tailor = common::valid_body();
    tailor["name"] = "Jahit Pak Budi".into();
    tailor["nik"] = "3674031203850007".into();
    tailor["sector"] = "fesyen".into();
    tailor["kbli_code"] = serde_json::Value::Null;
    tailor["documents"] = serde_json::json!([
        {"kind": "halal", "number": "ID36110000123450123", "expires_on": in_days(30)},
        {"kind": "hki", "number": "IDM000123456", "expires_on": in_days(200)}
    ]);
    let (status, budi) = app.send_json(Method::POST, "/api/v1/umkm", &tailor).await;
    assert_eq!(status, 201, "{budi}");
    let budi = budi["id"].as_str().unwrap().to_string();
    let page = app
        .get(&format!("/umkm/{budi}"))
        .await
        .text()
        .await
        .unwrap();
    for item in ["nib", "npwp", "sni", "brand"] {
        assert!(page.contains(&format!("id=\"legal-{item}\"")), "{item}");
    }
    for item in ["food_permit", "halal", "label"] {
        assert!(!page.contains(&format!("id=\"legal-{item}\"")), "{item}");
    }

    // Expiring within 90 days: the halal certificate in 30, not the brand in 200.
    let list = app
        .get("/legalitas/kedaluwarsa")
        .await
        .text()
        .await
        .unwrap();
    assert!(list.contains("1 dokumen berakhir dalam 90 hari."), "{list}");
    assert!(list.contains("Jahit Pak Budi") && list.contains("(dalam 30 hari)"));
    let year = app
        .get("/legalitas/kedaluwarsa?hari=365&wilayah=36.74.03")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        year.contains("2 dokumen berakhir dalam 365 hari."),
        "{year}"
    );
    // Another kecamatan's list is empty; outside the home region, not found.
    let serpong = app
        .get("/legalitas/kedaluwarsa?wilayah=36.74.01")
        .await
        .text()
        .await
        .unwrap();
    assert!(serpong.contains("0 dokumen berakhir"));
    assert_eq!(
        app.get("/legalitas/kedaluwarsa?wilayah=32.73")
            .await
            .status(),
        404
    );

    // The same list through the API, for reminders sent by other systems.
    let (status, api) = app.get_json("/api/v1/legality/expiring").await;
    assert_eq!(status, 200, "{api}");
    assert_eq!(api["total"], 1);
    assert_eq!(api["items"][0]["umkm_id"], budi.as_str());
    assert_eq!(api["items"][0]["kind"], "halal");
    assert_eq!(api["items"][0]["expires_on"], in_days(30));
    let (_, year) = app
        .get_json("/api/v1/legality/expiring?hari=365&wilayah=36.74.03&per_page=1")
        .await;
    assert_eq!(
        (
            year["total"].as_i64(),
            year["items"].as_array().map(Vec::len)
        ),
        (Some(2), Some(1))
    );
    let (status, _) = app
        .get_json("/api/v1/legality/expiring?wilayah=32.73")
        .await;
    assert_eq!(status, 404);
    let (status, err) = app.get_json("/api/v1/legality/expiring?hari=0").await;
    assert_eq!(
        (status, err["error"]["fields"][0]["field"].as_str()),
        (422, Some("hari"))
    );
    // A kecamatan's operator sees only her kecamatan's documents.
    let (_, operator, _) = app.as_user("operator", "36.74.01").await;
    let theirs: serde_json::Value = operator
        .get(app.url("/api/v1/legality/expiring?hari=365"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(theirs["total"], 0, "{theirs}");
    let outside = operator
        .get(app.url("/api/v1/legality/expiring?wilayah=36.74.03"))
        .send()
        .await
        .unwrap();
    assert_eq!(outside.status(), 404);
}

/// A P-IRT saved before the expiry was derived from its number gets it once, at the next
/// start, with an audit entry on the record and a count of what changed.
#[tokio::test]
async fn a_pirt_kept_without_expiry_gets_the_one_its_number_gives_once() {
    use sqlx::Connection;
    let app = spawn_app().await;
    let (status, sri) = app
        .send_json(Method::POST, "/api/v1/umkm", &common::valid_body())
        .await;
    assert_eq!(status, 201, "{sri}");
    let sri = sri["id"].as_str().unwrap().to_string();
    // As an older version stored it: no expiry, and the repair not yet run.
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(app.test_db.direct())
        .await
        .unwrap();
    sqlx::query("UPDATE umkm_documents SET expires_on = NULL WHERE kind = 'pirt'")
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::query("DELETE FROM data_repairs")
        .execute(&mut conn)
        .await
        .unwrap();
    app.db.migrate().await.unwrap();
    // Issued 1 February 2024, number ending in 29: valid to 1 February 2029.
    let (_, record) = app.get_json(&format!("/api/v1/umkm/{sri}")).await;
    let pirt = record["documents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["kind"] == "pirt")
        .unwrap()
        .clone();
    assert_eq!(pirt["expires_on"], "2029-02-01", "{pirt}");
    let (changed,): (i64,) =
        sqlx::query_as("SELECT changed FROM data_repairs WHERE name = 'pirt_expiry_from_number'")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    assert_eq!(changed, 1);
    // The record's history says what happened, in words.
    let page = app.page(&format!("/umkm/{sri}")).await;
    assert!(
        page.contains("Masa berlaku P-IRT diturunkan dari nomornya"),
        "{page}"
    );
    assert!(page.contains("1 Februari 2029"), "{page}");
    // Once only: a second start changes nothing and writes nothing.
    app.db.migrate().await.unwrap();
    let derived = app
        .db
        .audit_for("umkm", &sri)
        .await
        .unwrap()
        .iter()
        .filter(|e| e.action == "derive_pirt_expiry")
        .count();
    assert_eq!(derived, 1);
}

/// A KBLI code is checked against its edition's official list; a NIK whose kecamatan is in no
/// region list is a warning on the record, not a refusal.
#[tokio::test]
async fn kbli_codes_are_official_and_an_unknown_nik_area_is_flagged() {
    let app = spawn_app().await;
    let mut body = common::valid_body();
    body["kbli_code"] = "96011".into();
    body["kbli_version"] = "2020".into();
    let (status, err) = app.send_json(Method::POST, "/api/v1/umkm", &body).await;
    assert_eq!(status, 422, "{err}");
    assert_eq!(err["error"]["fields"][0]["field"], "kbli_code", "{err}");
    assert!(err.to_string().contains("KBLI 2020"), "{err}");
    assert_eq!(app.count().await, 0, "nothing saved");
    // Laundry is 96200 in KBLI 2020; the NIK's kecamatan 36.74.99 does not exist.
    body["kbli_code"] = "96200".into();
    body["nik"] = "3674994506900012".into();
    let (status, created) = app.send_json(Method::POST, "/api/v1/umkm", &body).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap();
    let page = app.page(&format!("/umkm/{id}")).await;
    assert!(page.contains("id=\"nik-warning\""), "{page}");
    // A NIK of a real kecamatan: no warning.
    let page = app
        .page(&format!("/umkm/{}", {
            let mut ok = common::valid_body();
            ok["nik"] = "3674034506900099".into();
            ok["name"] = "Keripik Lain".into();
            let (status, c) = app.send_json(Method::POST, "/api/v1/umkm", &ok).await;
            assert_eq!(status, 201, "{c}");
            c["id"].as_str().unwrap().to_string()
        }))
        .await;
    assert!(!page.contains("nik-warning"), "{page}");
}
