//! The legality path through the pages, on SQLite and PostgreSQL: a food business's steps
//! with their status and the next one, marking a step as being applied for, and the list of
//! documents that expire soon.

use crate::common;

use common::spawn_app;
use reqwest::Method;

fn in_days(n: i64) -> String {
    (chrono::Utc::now().date_naive() + chrono::Duration::days(n))
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
    assert!(row(&page, "food_permit").contains("berlaku s.d. 01/02/2029"));
    let halal = row(&page, "halal");
    // The duty for micro and small food businesses: due before 17 October 2026, late after.
    let deadline = chrono::NaiveDate::from_ymd_opt(2026, 10, 17).unwrap();
    let duty = if chrono::Utc::now().date_naive() > deadline {
        "Wajib sejak 17/10/2026 — terlambat"
    } else {
        "Wajib sebelum 17/10/2026"
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
    assert!(res.text().await.unwrap().contains("item"));
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
}
