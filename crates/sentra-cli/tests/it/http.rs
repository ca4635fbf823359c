//! The registry through HTTP, as browsers and API clients use it, on the backend the run
//! selects (SQLite by default, PostgreSQL when SENTRA_TEST_POSTGRES_URL is set).

use crate::common;

use common::{spawn_app, valid_body};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn list_page_is_indonesian_by_default_and_english_on_request() {
    let app = spawn_app().await;
    app.seed(120, 3).await;
    let res = app.get("/umkm").await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("<html lang=\"id\">"),
        "{}",
        common::backend_name()
    );
    assert!(html.contains("Registri UMKM"));
    assert!(html.contains("120 UMKM"));
    assert!(html.contains("Kecamatan"));
    assert!(
        html.contains("Pondok Aren"),
        "kecamatan picker lists the home region's kecamatan"
    );

    let res = app.get("/umkm?lang=en").await;
    let cookie = res
        .headers()
        .get("set-cookie")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    assert!(cookie.contains("sentra_lang=en"), "{cookie}");
    let html = res.text().await.unwrap();
    assert!(html.contains("<html lang=\"en\">"));
    assert!(html.contains("UMKM registry"));
    assert!(!html.contains("Registri UMKM"));
    // The choice sticks through the cookie.
    let html = app
        .client
        .get(app.url("/umkm"))
        .header(
            "cookie",
            format!("sentra_lang=en; {}", app.session_cookie()),
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("UMKM registry"));
}

#[tokio::test]
async fn invalid_nik_is_422_naming_nik_and_stores_nothing() {
    let app = spawn_app().await;
    let mut body = valid_body();
    body["nik"] = json!("12345");
    let (status, res) = app.send_json(Method::POST, "/api/v1/umkm", &body).await;
    assert_eq!(status, 422, "{res}");
    assert_eq!(res["error"]["code"], "validation_failed");
    let fields = res["error"]["fields"].as_array().unwrap();
    assert!(
        fields
            .iter()
            .any(|f| f["field"] == "nik" && f["code"] == "nik_length"),
        "{res}"
    );
    assert_eq!(
        fields.iter().find(|f| f["field"] == "nik").unwrap()["message"],
        "NIK harus 16 digit."
    );
    assert_eq!(app.count().await, 0);

    // English on request.
    let res = app
        .api
        .post(app.url("/api/v1/umkm"))
        .header("accept-language", "en-US,en;q=0.9")
        .json(&body)
        .send()
        .await
        .unwrap();
    let res: serde_json::Value = res.json().await.unwrap();
    let nik = res["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field"] == "nik")
        .cloned()
        .unwrap();
    assert_eq!(nik["message"], "NIK must be 16 digits.");
}

#[tokio::test]
async fn every_problem_is_reported_at_once() {
    let app = spawn_app().await;
    let body = json!({
        "name": "",
        "owner_name": "S",
        "nik": "3674034513900012",
        "phone": "+1 555 123",
        "village_code": "36.74.03",
        "sector": "nope",
        "modal": "banyak",
        "latitude": 48.85,
        "longitude": 2.35,
        "documents": [{"kind": "nib", "number": "123"}],
        "links": {"instagram": "javascript:alert(1)"}
    });
    let (status, res) = app.send_json(Method::POST, "/api/v1/umkm", &body).await;
    assert_eq!(status, 422);
    let got: Vec<(String, String)> = res["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["field"].as_str().unwrap().to_string(),
                f["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for (field, code) in [
        ("name", "required"),
        ("owner_name", "text_too_short"),
        ("nik", "nik_birth_date"),
        ("phone", "phone_not_indonesian"),
        ("village_code", "region_not_village"),
        ("sector", "sector_unknown"),
        ("modal", "rupiah_invalid"),
        ("latitude", "coordinates_outside_indonesia"),
        ("documents.nib.number", "nib_length"),
        ("links.instagram", "url_invalid"),
    ] {
        assert!(
            got.contains(&(field.to_string(), code.to_string())),
            "missing {field}/{code} in {got:?}"
        );
    }
    assert_eq!(app.count().await, 0);
}

#[tokio::test]
async fn create_read_update_verify_through_the_api() {
    let app = spawn_app().await;
    let (status, created) = app
        .send_json(Method::POST, "/api/v1/umkm", &valid_body())
        .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(
        created["owner_phone"], "+62812•••••890",
        "masked in ordinary answers"
    );
    assert_eq!(created["owner_nik"], "3674••••••••••••");
    assert_eq!(created["owner_sex"], "female");
    assert_eq!(created["owner_birth_date"], "1990-06-05");
    assert_eq!(created["modal"], 1_500_000);
    assert_eq!(created["annual_sales"], 60_000_000);
    assert_eq!(created["size_class"], "mikro");
    assert_eq!(created["size_basis"], "modal");
    assert_eq!(created["district_code"], "36.74.03");
    assert_eq!(created["status"], "draft");
    assert_eq!(created["kbli_version"], "2020");
    assert_eq!(created["documents"].as_array().unwrap().len(), 2);
    assert_eq!(created["version"], 1);

    let (status, got) = app.get_json(&format!("/api/v1/umkm/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(got["name"], "Keripik Tempe Bu Sri");

    // Modal Rp2 M makes it small (kecil) by PP 7/2021 Pasal 35 ayat (3).
    let mut body = valid_body();
    body["modal"] = json!("2 M");
    body["version"] = json!(1);
    let (status, updated) = app
        .send_json(Method::PUT, &format!("/api/v1/umkm/{id}"), &body)
        .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["size_class"], "kecil");
    assert_eq!(updated["version"], 2);

    // A stale edit is refused and changes nothing.
    body["name"] = json!("Nama Lain");
    let (status, res) = app
        .send_json(Method::PUT, &format!("/api/v1/umkm/{id}"), &body)
        .await;
    assert_eq!(status, 409, "{res}");
    let (_, got) = app.get_json(&format!("/api/v1/umkm/{id}")).await;
    assert_eq!(got["name"], "Keripik Tempe Bu Sri");

    let (status, verified) = app
        .send_json(
            Method::POST,
            &format!("/api/v1/umkm/{id}/status"),
            &json!({"status": "verified"}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(verified["status"], "verified");
    assert!(verified["verified_at"].is_string());

    let (status, res) = app
        .send_json(
            Method::POST,
            &format!("/api/v1/umkm/{id}/status"),
            &json!({"status": "gone"}),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(res["error"]["fields"][0]["field"], "status");
}

#[tokio::test]
async fn records_outside_the_home_region_are_refused_and_unknown_ids_are_404() {
    let app = spawn_app().await;
    let mut body = valid_body();
    body["village_code"] = json!("36.71.01.1001");
    let (status, res) = app.send_json(Method::POST, "/api/v1/umkm", &body).await;
    assert_eq!(status, 422);
    assert_eq!(res["error"]["fields"][0]["code"], "region_out_of_scope");
    body["village_code"] = json!("36.74.03.9999");
    let (status, res) = app.send_json(Method::POST, "/api/v1/umkm", &body).await;
    assert_eq!(status, 422);
    assert_eq!(res["error"]["fields"][0]["code"], "region_unknown");
    let (status, res) = app
        .get_json("/api/v1/umkm/0190f4b2-0000-7000-8000-000000000000")
        .await;
    assert_eq!(status, 404);
    assert_eq!(res["error"]["code"], "not_found");
    let res = app.get("/umkm/not-an-id").await;
    assert_eq!(res.status(), 404);
    assert!(res.text().await.unwrap().contains("tidak ditemukan"));
}

#[tokio::test]
async fn filters_and_counts_agree() {
    let app = spawn_app().await;
    app.seed(400, 11).await;
    let (_, all) = app.get_json("/api/v1/umkm?per_page=1").await;
    assert_eq!(all["total"], 400);
    // The kecamatan partition the city.
    let mut sum = 0;
    for d in 1..=7 {
        let (status, page) = app
            .get_json(&format!("/api/v1/umkm?region=36.74.0{d}&per_page=200"))
            .await;
        assert_eq!(status, 200);
        for item in page["items"].as_array().unwrap() {
            assert!(
                item["village_code"]
                    .as_str()
                    .unwrap()
                    .starts_with(&format!("36.74.0{d}."))
            );
        }
        sum += page["total"].as_i64().unwrap();
    }
    assert_eq!(sum, 400);
    // Has and lacks an NIB partition the registry too, and roughly 70% have one.
    let (_, has) = app
        .get_json("/api/v1/umkm?legality=has_nib&per_page=200")
        .await;
    let (_, lacks) = app
        .get_json("/api/v1/umkm?legality=no_nib&per_page=1")
        .await;
    let has_n = has["total"].as_i64().unwrap();
    assert_eq!(has_n + lacks["total"].as_i64().unwrap(), 400);
    assert!((240..=320).contains(&has_n), "{has_n}");
    for item in has["items"].as_array().unwrap() {
        assert!(
            item["documents"]
                .as_array()
                .unwrap()
                .iter()
                .any(|d| d == "nib")
        );
    }
    // Sector, size, status and text filters, with sorting by modal descending.
    let (_, page) = app.get_json("/api/v1/umkm?sector=kuliner&size=mikro&status=verified&sort=modal&dir=desc&per_page=200").await;
    let items = page["items"].as_array().unwrap();
    assert!(!items.is_empty());
    let modals: Vec<i64> = items.iter().filter_map(|i| i["modal"].as_i64()).collect();
    assert!(modals.windows(2).all(|w| w[0] >= w[1]), "sorted descending");
    for i in items {
        assert_eq!(i["sector"], "kuliner");
        assert_eq!(i["size_class"], "mikro");
        assert_eq!(i["status"], "verified");
    }
    let first = items[0]["name"].as_str().unwrap().to_string();
    let word = first.split_whitespace().next().unwrap().to_lowercase();
    let (_, found) = app
        .get_json(&format!("/api/v1/umkm?q={word}&per_page=200"))
        .await;
    assert!(found["items"].as_array().unwrap().iter().all(|i| {
        let text = format!("{} {}", i["name"], i["brand"]).to_lowercase();
        text.contains(&word)
    }));
    // A region outside the home region yields nothing rather than an error.
    let (status, none) = app.get_json("/api/v1/umkm?region=32.01").await;
    assert_eq!(status, 200);
    assert_eq!(none["total"], 0);
    // Pages do not overlap.
    let (_, p1) = app.get_json("/api/v1/umkm?per_page=50&page=1").await;
    let (_, p2) = app.get_json("/api/v1/umkm?per_page=50&page=2").await;
    let ids1: Vec<&str> = p1["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert!(
        p2["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| !ids1.contains(&i["id"].as_str().unwrap()))
    );
    // The HTML list shows the same count for the same filter, with the drill-down kept.
    let html = app
        .get("/umkm?district=36.74.03&legality=has_nib")
        .await
        .text()
        .await
        .unwrap();
    let (_, api) = app
        .get_json("/api/v1/umkm?region=36.74.03&legality=has_nib")
        .await;
    assert!(
        html.contains(&format!("{} UMKM", api["total"])),
        "html count matches api {}",
        api["total"]
    );
    assert!(
        html.contains("Desa/kelurahan"),
        "village picker appears once a kecamatan is chosen"
    );
}

#[tokio::test]
async fn html_form_shows_errors_keeps_input_and_saves_when_valid() {
    let app = spawn_app().await;
    let form = [
        ("_csrf", app.csrf.as_str()),
        ("name", "Batik Ibu Ratna"),
        ("owner_name", "Ratna Sari"),
        ("nik", "36740345069"),
        ("phone", "0813 1111 2222"),
        ("address", "Jl. Merdeka No. 5\r\nRT 001/RW 002"),
        ("district", "36.74.03"),
        ("village_code", "36.74.03.1005"),
        ("sector", "fesyen"),
        ("modal", "25 juta"),
    ];
    let res = app
        .client
        .post(app.url("/umkm"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("Data belum tersimpan"),
        "error summary at the top"
    );
    assert!(html.contains("NIK harus 16 digit."));
    assert!(
        html.contains("value=\"Batik Ibu Ratna\""),
        "typed input is kept"
    );
    assert_eq!(app.count().await, 0);

    // The region picker works without JavaScript: refreshing lists the kecamatan's villages.
    // A village left over from another kecamatan does not pin the pickers.
    let refresh = [
        ("village_code", "36.74.03.1005"),
        ("_csrf", app.csrf.as_str()),
        ("district", "36.74.01"),
        ("_refresh", "1"),
        ("name", "X"),
    ];
    let html = app
        .client
        .post(app.url("/umkm"))
        .form(&refresh)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Rawa Mekar Jaya"),
        "villages of Serpong offered"
    );
    assert_eq!(app.count().await, 0);

    let mut good = form.to_vec();
    good[3] = ("nik", "3674034506900012");
    let res = app
        .client
        .post(app.url("/umkm"))
        .form(&good)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    // The redirect after a save says what happened; the record lives at the path.
    let (location, done) = location.split_once('?').unwrap();
    assert_eq!(done, "done=created");
    let location = location.to_string();
    let html = app
        .get(&format!("{location}?{done}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("UMKM terdaftar."));
    assert!(html.contains("Batik Ibu Ratna"));
    assert!(html.contains("Rp25.000.000"));
    assert!(html.contains("Mikro — menurut modal usaha (PP 7/2021 Pasal 35)"));
    assert!(html.contains("Perempuan"));
    assert_eq!(app.count().await, 1);

    // Edit form round trip.
    let html = app
        .get(&format!("{location}/edit"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("value=\"Batik Ibu Ratna\""));
    let mut edit: Vec<(&str, &str)> = good.clone();
    edit.push(("version", "1"));
    edit[1] = ("name", "Batik Ibu Ratna Jaya");
    let res = app
        .client
        .post(app.url(&location))
        .form(&edit)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    // The same version again is stale: the page says so and keeps the input.
    edit[1] = ("name", "Versi Lama");
    let res = app
        .client
        .post(app.url(&location))
        .form(&edit)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
    assert!(res.text().await.unwrap().contains("value=\"Versi Lama\""));
    let html = app.get(&location).await.text().await.unwrap();
    assert!(html.contains("Batik Ibu Ratna Jaya"));
}

#[tokio::test]
async fn bad_input_never_breaks_the_server() {
    let app = spawn_app().await;
    app.seed(5, 1).await;
    let (_, list) = app.get_json("/api/v1/umkm").await;
    let id = list["items"][0]["id"].as_str().unwrap().to_string();
    let huge = "x".repeat(300_000);
    let long_field = json!({"name": "y".repeat(100_000), "nik": "1".repeat(5000)});
    let bodies: Vec<(&str, Vec<u8>)> = vec![
        ("malformed", b"{\"name\": ".to_vec()),
        (
            "wrong types",
            br#"{"name": 5, "modal": {"a": 1}, "documents": "x"}"#.to_vec(),
        ),
        ("array", b"[1,2,3]".to_vec()),
        (
            "non-utf8",
            vec![
                b'{', b'"', b'n', b'a', b'm', b'e', b'"', b':', b'"', 0xff, 0xfe, b'"', b'}',
            ],
        ),
        ("huge", huge.clone().into_bytes()),
        ("long fields", serde_json::to_vec(&long_field).unwrap()),
        (
            "unknown region",
            br#"{"village_code": "99.99.99.9999"}"#.to_vec(),
        ),
        ("unknown field", br#"{"nama": "x"}"#.to_vec()),
        ("empty", Vec::new()),
    ];
    let targets = [
        (Method::POST, "/api/v1/umkm".to_string()),
        (Method::PUT, format!("/api/v1/umkm/{id}")),
        (Method::POST, format!("/api/v1/umkm/{id}/status")),
        (Method::POST, "/umkm".to_string()),
        (Method::POST, format!("/umkm/{id}")),
        (Method::POST, format!("/umkm/{id}/status")),
    ];
    for (method, path) in &targets {
        for (what, body) in &bodies {
            let client = if path.starts_with("/api") {
                &app.api
            } else {
                &app.client
            };
            let res = client
                .request(method.clone(), app.url(path))
                .header(
                    "content-type",
                    if path.starts_with("/api") {
                        "application/json"
                    } else {
                        "application/x-www-form-urlencoded"
                    },
                )
                .body(body.clone())
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            assert!(
                (400..500).contains(&status),
                "{method} {path} with {what}: {status}"
            );
        }
    }
    // Query strings too.
    for path in [
        "/api/v1/umkm?region=99.99&page=abc&per_page=100000&size=raksasa&sort=%ff",
        "/api/v1/umkm?q=%25%5f%5c%27%22",
        "/umkm?region=zz&district=36.74.99&legality=has_nothing&page=-1",
        "/api/v1/regions?q=",
        "/api/v1/regions?q=serpong&within=abc&level=planet",
        "/api/v1/regions/99.99",
        "/api/v1/regions/%ff%fe",
    ] {
        let status = app.get(path).await.status().as_u16();
        assert!(status < 500, "{path}: {status}");
    }
    assert_eq!(app.get("/readyz").await.status(), 200);
    assert_eq!(app.count().await, 5, "nothing was written");
    let (_, again) = app.get_json(&format!("/api/v1/umkm/{id}")).await;
    assert_eq!(again["version"], 1);
}

#[tokio::test]
async fn wrong_types_name_the_field() {
    let app = spawn_app().await;
    let (status, res) = app
        .send_json(
            Method::POST,
            "/api/v1/umkm",
            &json!({"year_started": "dua ribu"}),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(res["error"]["fields"][0]["field"], "year_started");
    assert_eq!(res["error"]["fields"][0]["code"], "invalid_type");
    let (_, res) = app
        .send_json(Method::POST, "/api/v1/umkm", &json!({"nama": "x"}))
        .await;
    assert_eq!(res["error"]["fields"][0]["field"], "nama");
    assert_eq!(res["error"]["fields"][0]["code"], "unknown_field");
}

#[tokio::test]
async fn regions_api_finds_by_code_and_forgiving_name() {
    let app = spawn_app().await;
    let (status, r) = app.get_json("/api/v1/regions/36.74").await;
    assert_eq!(status, 200);
    assert_eq!(r["region"]["name"], "Kota Tangerang Selatan");
    assert_eq!(r["region"]["kind"], "kota");
    assert_eq!(r["children"].as_array().unwrap().len(), 7);
    assert_eq!(r["decree"], "Kepmendagri 300.2.2-2138/2025");
    let (_, r) = app
        .get_json("/api/v1/regions?q=serpong%20utr&within=36.74")
        .await;
    assert_eq!(r["ambiguous"], false);
    assert_eq!(r["matches"][0]["code"], "36.74.02");
    let (_, r) = app.get_json("/api/v1/regions?q=ciputat&within=36.74").await;
    assert_eq!(r["ambiguous"], true);
    assert!(r["matches"].as_array().unwrap().len() >= 2);
    let (_, s) = app.get_json("/api/v1/sectors").await;
    assert!(
        s.as_array()
            .unwrap()
            .iter()
            .any(|x| x["code"] == "kuliner" && x["name"] == "Kuliner")
    );
}

#[tokio::test]
async fn health_and_readiness() {
    let app = spawn_app().await;
    assert_eq!(app.get("/healthz").await.text().await.unwrap(), "ok");
    assert_eq!(app.get("/readyz").await.status(), 200);
    app.db.close().await;
    assert_eq!(app.get("/readyz").await.status(), 503);
    assert_eq!(app.get("/healthz").await.status(), 200);
}

#[tokio::test]
async fn openapi_document_matches_the_snapshot() {
    let app = spawn_app().await;
    let (status, doc) = app.get_json("/api/openapi.json").await;
    assert_eq!(status, 200);
    assert!(doc["paths"]["/api/v1/umkm"]["post"].is_object());
    // Every operation has its own id (OpenAPI 3.1, "operationId … MUST be unique"; issue 33:
    // openapi-spec-validator refused four duplicated ones).
    let mut ids: Vec<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|ops| ops.as_object().unwrap().values())
        .filter_map(|op| op["operationId"].as_str())
        .collect();
    let count = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), count, "duplicated operationIds: {ids:?}");
    // Every link names an operation that exists, in OpenAPI's spelling.
    let links: Vec<&serde_json::Value> = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|ops| ops.as_object().unwrap().values())
        .flat_map(|op| op["responses"].as_object().unwrap().values())
        .filter_map(|r| r["links"].as_object())
        .flat_map(|l| l.values())
        .collect();
    assert!(links.len() >= 9, "{links:?}");
    for link in links {
        let target = link["operationId"].as_str().unwrap();
        assert!(ids.contains(&target), "{link}");
    }
    // How callers sign in, and what every signed-in operation may answer.
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["bearer"]["scheme"], "bearer");
    assert_eq!(schemes["session"]["in"], "cookie");
    let list = &doc["paths"]["/api/v1/umkm"]["get"];
    assert!(list["security"].is_array());
    assert!(list["responses"]["401"].is_object() && list["responses"]["403"].is_object());
    assert!(doc["paths"]["/api/v1/katalog"]["get"]["security"].is_null());
    assert!(doc["paths"]["/api/v1/umkm/{id}/reveal"]["post"].is_object());
    insta::assert_json_snapshot!("openapi", doc);
}

/// What the API document bounds, the server refuses naming the parameter (schemathesis found
/// `hal=-1` and `tahun=2147483648` answered as if valid).
#[tokio::test]
async fn numbers_outside_the_documented_bounds_are_refused() {
    let app = spawn_app().await;
    for (path, field) in [
        ("/api/v1/katalog?hal=-1", "hal"),
        ("/api/v1/katalog?hal=401", "hal"),
        ("/api/v1/katalog?hal=satu", "hal"),
        ("/api/v1/procurement/purchases?tahun=2147483648", "tahun"),
        ("/api/v1/procurement/purchases?tahun=", "tahun"),
        ("/api/v1/procurement/shares?tahun=1999", "tahun"),
        ("/api/v1/procurement/shares?bulan=13", "bulan"),
        ("/api/v1/umkm?page=0", "page"),
    ] {
        let (status, body) = app.get_json(path).await;
        assert_eq!(status, 422, "{path}: {body}");
        assert_eq!(body["error"]["fields"][0]["field"], field, "{path}: {body}");
    }
    let (status, _) = app.get_json("/api/v1/katalog?hal=2").await;
    assert_eq!(status, 200);
    let (status, _) = app
        .get_json("/api/v1/procurement/purchases?tahun=2026")
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn no_nik_is_stored_in_clear() {
    let app = spawn_app().await;
    let (status, created) = app
        .send_json(Method::POST, "/api/v1/umkm", &valid_body())
        .await;
    assert_eq!(status, 201);
    let id = created["id"].as_str().unwrap();
    let (_, full) = app
        .send_json(
            Method::POST,
            &format!("/api/v1/umkm/{id}/reveal"),
            &json!({}),
        )
        .await;
    assert_eq!(full["owner_nik"], "3674034506900012", "read back decrypted");
    app.seed(50, 2).await;
    let nik = "3674034506900012";
    if let Some(file) = app.test_db.url.strip_prefix("sqlite://") {
        app.db.close().await;
        let mut bytes = std::fs::read(file).unwrap();
        if let Ok(wal) = std::fs::read(format!("{file}-wal")) {
            bytes.extend(wal);
        }
        assert!(
            !bytes.windows(nik.len()).any(|w| w == nik.as_bytes()),
            "NIK found in the database file"
        );
        assert!(
            bytes.windows(7).any(|w| w == b"Sri Les"),
            "the file does hold the record"
        );
    } else {
        let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(app.test_db.direct())
            .await
            .unwrap();
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT owner_nik_enc, owner_nik_hash FROM umkm")
                .fetch_all(&mut conn)
                .await
                .unwrap();
        assert_eq!(rows.len(), 51);
        for (enc, hash) in rows {
            assert!(enc.starts_with("v1.") && !enc.contains(nik) && !hash.contains(nik));
        }
    }
}

#[tokio::test]
async fn every_change_is_in_the_record_history_without_the_nik() {
    let app = spawn_app().await;
    let (_, created) = app
        .send_json(Method::POST, "/api/v1/umkm", &valid_body())
        .await;
    let id = created["id"].as_str().unwrap().to_string();
    let mut body = valid_body();
    body["name"] = json!("Keripik Tempe Bu Sri Jaya");
    body["version"] = json!(1);
    let (status, _) = app
        .send_json(Method::PUT, &format!("/api/v1/umkm/{id}"), &body)
        .await;
    assert_eq!(status, 200);
    let (status, _) = app
        .send_json(
            Method::POST,
            &format!("/api/v1/umkm/{id}/status"),
            &json!({"status": "verified"}),
        )
        .await;
    assert_eq!(status, 200);
    // A refused request leaves no entry.
    body["nik"] = json!("1");
    let (status, _) = app
        .send_json(Method::PUT, &format!("/api/v1/umkm/{id}"), &body)
        .await;
    assert_eq!(status, 422);

    let entries = app.db.audit_for("umkm", &id).await.unwrap();
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["verify", "update", "create"]);
    assert!(
        entries
            .iter()
            .all(|e| e.actor == "admin@test.id" && e.origin.as_deref() == Some("127.0.0.1"))
    );
    let update: serde_json::Value = serde_json::from_str(&entries[1].changes).unwrap();
    assert_eq!(
        update["name"],
        json!(["Keripik Tempe Bu Sri", "Keripik Tempe Bu Sri Jaya"])
    );
    assert_eq!(
        update.as_object().unwrap().len(),
        1,
        "only changed fields: {update}"
    );
    for e in &entries {
        assert!(
            !e.changes.contains("3674034506900012"),
            "NIK in audit: {}",
            e.changes
        );
        assert!(
            !e.changes.contains("81234567890"),
            "phone in audit: {}",
            e.changes
        );
    }
    assert!(entries[2].changes.contains("3674••••••••••••"));
    // 3 changes of the record after the admin's creation, token and sign-in.
    assert_eq!(
        app.db.verify_audit().await.unwrap(),
        sentra_storage::AuditVerdict::Intact { entries: 6 }
    );

    let html = app.get(&format!("/umkm/{id}")).await.text().await.unwrap();
    assert!(html.contains("Riwayat perubahan"));
    assert!(
        html.contains("Nama usaha: Keripik Tempe Bu Sri → Keripik Tempe Bu Sri Jaya"),
        "diff shown"
    );
    assert!(html.contains("Diverifikasi"));
}
