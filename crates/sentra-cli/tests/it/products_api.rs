//! The catalogue through the JSON API, on SQLite and PostgreSQL: a product added with numbers
//! is stored in the form's units and found by the public search with its facets; bad input is
//! 422 naming each field (links by their kind) and stores nothing; a replacement needs the
//! version read; the OpenAPI document lists the routes.

use crate::common;

use std::time::{Duration, Instant};

use common::spawn_app;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn products_through_the_api_and_the_public_search() {
    let app = spawn_app().await;
    app.seed(1, 11).await;
    let umkm = app.first_umkm().await;
    let path = format!("/api/v1/umkm/{}/products", umkm.id);
    let mut body = json!({
        "name": "Keripik Talas Balado",
        "description": "Talas Bogor diiris tipis, bumbu balado.",
        "category": "makanan.keripik",
        "price": 18000,
        "unit": "pcs",
        "capacity_per_month": 1500,
        "weight_grams": 200,
        "length_cm": 12.5,
        "width_cm": 4,
        "height_cm": 20,
        "packaging": "Standing pouch",
        "shelf_life_days": 120,
        "status": "published",
        "links": { "shopee": "https://shopee.co.id/keripik-talas" }
    });

    // Bad input: each field named, links by kind, nothing stored.
    let mut bad = body.clone();
    bad["price"] = json!(-5);
    bad["category"] = json!("makanan.tidak_ada");
    bad["links"] = json!({ "shopee": "bukan alamat" });
    let (status, res) = app.send_json(Method::POST, &path, &bad).await;
    assert_eq!(status, 422, "{res}");
    let fields: Vec<String> = res["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap().to_string())
        .collect();
    for field in ["price", "category", "links.shopee"] {
        assert!(fields.contains(&field.to_string()), "{field}: {res}");
    }
    let mut unknown = body.clone();
    unknown["colour"] = json!("merah");
    let (status, res) = app.send_json(Method::POST, &path, &unknown).await;
    assert!([400, 422].contains(&status), "{status} {res}");
    assert!(res.to_string().contains("colour"), "{res}");
    let (_, list) = app.get_json(&path).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 0, "{list}");

    let (status, created) = app.send_json(Method::POST, &path, &body).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["dimensions_mm"], json!([125, 40, 200]));
    assert_eq!(created["price"], 18000);
    assert_eq!(
        created["links"]["shopee"],
        "https://shopee.co.id/keripik-talas"
    );
    assert_eq!(created["version"], 1);
    let pid = created["id"].as_str().unwrap().to_string();

    // The public search (no sign-in) finds it, with facet counts.
    let anonymous = reqwest::Client::new();
    let started = Instant::now();
    let found = loop {
        let found: serde_json::Value = anonymous
            .get(app.url("/api/v1/katalog?q=kripik+talas"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if found["total"] == 1 || started.elapsed() > Duration::from_secs(5) {
            break found;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(found["total"], 1, "{found}");
    assert_eq!(found["hits"][0]["id"], pid.as_str());
    assert_eq!(
        found["hits"][0]["url"],
        format!("/p/{}", created["slug"].as_str().unwrap())
    );
    assert_eq!(found["facets"]["category"], json!([["makanan", 1]]));
    assert_eq!(found["facets"]["price_band"], json!([["lt25k", 1]]));

    // A replacement needs the version read.
    let one = format!("/api/v1/products/{pid}");
    body["name"] = json!("Keripik Talas Balado Pedas");
    let (status, res) = app.send_json(Method::PUT, &one, &body).await;
    assert_eq!(status, 422, "{res}");
    assert_eq!(res["error"]["fields"][0]["field"], "version");
    body["version"] = json!(1);
    let (status, updated) = app.send_json(Method::PUT, &one, &body).await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["version"], 2);
    let (status, res) = app.send_json(Method::PUT, &one, &body).await;
    assert_eq!(status, 409, "{res}");
    let (status, read) = app.get_json(&one).await;
    assert_eq!(status, 200);
    assert_eq!(read["name"], "Keripik Talas Balado Pedas");
    assert_eq!(
        app.db.audit_for("product", &pid).await.unwrap().len(),
        2,
        "created and updated"
    );

    // What a GET returns goes back to the PUT as it is, with one change (issue 33: `id` was
    // refused as an unknown field); what cannot change is refused when changed, by name.
    let mut round = read.clone();
    round["stock"] = json!(75);
    let (status, again) = app.send_json(Method::PUT, &one, &round).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["stock"], 75);
    assert_eq!(again["dimensions_mm"], json!([125, 40, 200]));
    assert_eq!(again["slug"], read["slug"]);
    for (field, value) in [
        ("id", json!("lain")),
        ("umkm_id", json!("lain")),
        ("slug", json!("toko-lain")),
        ("ekatalog", json!(true)),
    ] {
        let mut changed = again.clone();
        changed[field] = value;
        let (status, res) = app.send_json(Method::PUT, &one, &changed).await;
        assert_eq!(status, 422, "{field}: {res}");
        assert_eq!(res["error"]["fields"][0]["field"], field, "{res}");
        assert_eq!(res["error"]["fields"][0]["code"], "read_only", "{res}");
    }
    let mut twice = again.clone();
    twice["length_cm"] = json!(99.0);
    let (status, res) = app.send_json(Method::PUT, &one, &twice).await;
    assert_eq!(
        (status, res["error"]["fields"][0]["field"].as_str()),
        (422, Some("dimensions_mm")),
        "{res}"
    );
    // A stale body is a conflict, whatever else it carries.
    let (status, _) = app.send_json(Method::PUT, &one, &read).await;
    assert_eq!(status, 409);
    let (_, now) = app.get_json(&one).await;
    assert_eq!(
        now["version"], again["version"],
        "refused changes changed nothing"
    );

    // Unknown product: 404.
    let (status, _) = app.get_json("/api/v1/products/tidak-ada").await;
    assert_eq!(status, 404);
    let (_, doc) = app.get_json("/api/openapi.json").await;
    for p in [
        "/api/v1/katalog",
        "/api/v1/umkm/{id}/products",
        "/api/v1/products/{pid}",
    ] {
        assert!(doc["paths"].get(p).is_some(), "{p} in the OpenAPI document");
    }
}

/// Concurrent edits through HTTP's own precondition: a GET's `ETag` sent back in `If-Match`
/// replaces the record; once someone else changed it, the same `If-Match` is 412 and nothing
/// changes; `version` in the body still works, and both given must agree.
#[tokio::test]
async fn a_record_is_replaced_against_the_etag_read() {
    let app = spawn_app().await;
    let (status, created) = app
        .send_json(Method::POST, "/api/v1/umkm", &common::valid_body())
        .await;
    assert_eq!(status, 201, "{created}");
    let one = format!("/api/v1/umkm/{}", created["id"].as_str().unwrap());
    let read = app.client.get(app.url(&one)).send().await.unwrap();
    let etag = read.headers()["etag"].to_str().unwrap().to_string();
    assert_eq!(etag, "W/\"1\"");
    let mut body = common::valid_body();
    body["name"] = json!("Keripik Bu Sari");
    let put = |if_match: &str, body: serde_json::Value| {
        let req = app
            .client
            .put(app.url(&one))
            .header("x-csrf-token", &app.csrf)
            .header("if-match", if_match)
            .json(&body);
        async move {
            let res = req.send().await.unwrap();
            let status = res.status().as_u16();
            let tag = res
                .headers()
                .get("etag")
                .map(|v| v.to_str().unwrap().to_string());
            (status, tag, res.json::<serde_json::Value>().await.unwrap())
        }
    };
    let (status, tag, saved) = put(&etag, body.clone()).await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(tag.as_deref(), Some("W/\"2\""));
    assert_eq!(saved["name"], "Keripik Bu Sari");
    // The same precondition again: someone (this client) changed it since.
    body["name"] = json!("Keripik Bu Sari Lama");
    let (status, _, refused) = put(&etag, body.clone()).await;
    assert_eq!(status, 412, "{refused}");
    assert_eq!(refused["error"]["code"], "precondition_failed");
    let (_, now) = app.get_json(&one).await;
    assert_eq!(now["name"], "Keripik Bu Sari");
    // If-Match and a different body version: refused by name.
    body["version"] = json!(1);
    let (status, _, refused) = put("W/\"2\"", body.clone()).await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(refused["error"]["fields"][0]["field"], "version");
    // `*`: whatever it holds now.
    body["version"] = serde_json::Value::Null;
    let (status, tag, _) = put("*", body).await;
    assert_eq!((status, tag.as_deref()), (200, Some("W/\"3\"")));

    // Products and purchases answer the same way.
    let products = format!("{one}/products");
    let (status, product) = app
        .send_json(
            Method::POST,
            &products,
            &json!({ "name": "Keripik Talas", "category": "makanan.keripik", "price": 15000, "unit": "pcs" }),
        )
        .await;
    assert_eq!(status, 201, "{product}");
    let p = format!("/api/v1/products/{}", product["id"].as_str().unwrap());
    let got = app.client.get(app.url(&p)).send().await.unwrap();
    assert_eq!(got.headers()["etag"], "W/\"1\"");
    let mut changed: serde_json::Value = got.json().await.unwrap();
    changed["stock"] = json!(10);
    changed["version"] = serde_json::Value::Null;
    let res = app
        .client
        .put(app.url(&p))
        .header("x-csrf-token", &app.csrf)
        .header("if-match", "W/\"1\"")
        .json(&changed)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = app
        .client
        .put(app.url(&p))
        .header("x-csrf-token", &app.csrf)
        .header("if-match", "W/\"1\"")
        .json(&changed)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 412);
}

/// A UMKM's GET body goes back to its PUT with one change (issue 33): read-only and derived
/// fields accepted unchanged and refused by name when changed, the masked NIK, phone and
/// WhatsApp link kept as stored, links as the read lists them.
#[tokio::test]
async fn a_umkm_read_is_sent_back_to_its_replacement() {
    let app = spawn_app().await;
    let mut body = common::valid_body();
    body["links"]["whatsapp"] = json!("0812-3456-7890");
    let (status, created) = app.send_json(Method::POST, "/api/v1/umkm", &body).await;
    assert_eq!(status, 201, "{created}");
    let one = format!("/api/v1/umkm/{}", created["id"].as_str().unwrap());
    let (_, read) = app.get_json(&one).await;
    assert!(read["owner_nik"].as_str().unwrap().contains('•'), "{read}");
    let masked_wa = read["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["kind"] == "whatsapp")
        .unwrap()["url"]
        .clone();
    assert!(masked_wa.as_str().unwrap().contains('•'), "{masked_wa}");

    let mut back = read.clone();
    back["employees_female"] = json!(3);
    let (status, saved) = app.send_json(Method::PUT, &one, &back).await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["employees_female"], 3);
    assert_eq!(saved["owner_nik"], read["owner_nik"]);
    let stored = app
        .db
        .get_umkm(&common::city(), created["id"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(
        stored.owner_nik, "3674034506900012",
        "the masked NIK kept the stored one"
    );
    assert_eq!(stored.owner_phone.as_deref(), Some("+6281234567890"));
    assert!(
        stored
            .links
            .iter()
            .any(|l| l.url.ends_with("6281234567890")),
        "{:?}",
        stored.links
    );

    for (field, value) in [
        ("status", json!("verified")),
        ("district_code", json!("36.74.01")),
        ("size_class", json!("menengah")),
        ("id", json!("lain")),
    ] {
        let mut changed = saved.clone();
        changed[field] = value;
        let (status, res) = app.send_json(Method::PUT, &one, &changed).await;
        assert_eq!(status, 422, "{field}: {res}");
        assert_eq!(res["error"]["fields"][0]["field"], field);
        assert_eq!(res["error"]["fields"][0]["code"], "read_only");
    }
    // The old read is stale: a conflict, not a read-only complaint.
    let (status, _) = app.send_json(Method::PUT, &one, &back).await;
    assert_eq!(status, 409);
}
