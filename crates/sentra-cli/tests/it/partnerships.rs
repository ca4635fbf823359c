//! Partnerships, exhibitions and the gallery through the pages, on SQLite and PostgreSQL: a
//! hotel's request for "200 tenun scarves, halal not needed, packaged for a hotel, delivery in
//! 6 weeks" shortlisted with reasons and gaps, its outcome on the partner's and the business's
//! pages; a curated exhibition published for the public; and a month of gallery sales whose
//! statements reconcile with the ledger to the rupiah.

use crate::common;

use common::{TestApp, city, post, spawn_app};
use sentra_storage::Actor;
use sqlx::{Connection, Row};

/// A published product of the `n`-th business by name.
async fn product(
    app: &TestApp,
    n: usize,
    name: &str,
    price: &str,
    capacity: &str,
    packaging: &str,
) -> (String, String, String) {
    let list = app
        .db
        .list_umkm(
            &city(),
            &sentra_storage::UmkmFilter::default(),
            sentra_storage::UmkmSort::Name,
            sentra_storage::SortDirection::Asc,
            sentra_storage::PageRequest {
                page: 1,
                per_page: 20,
            },
        )
        .await
        .unwrap()
        .items;
    let owner = &list[n];
    let input = sentra_domain::product::ProductInput {
        name: name.into(),
        description: format!("{name} tenun ikat tangan, motif kuda."),
        category: "kerajinan.tenun".into(),
        price: price.into(),
        unit: "lembar".into(),
        capacity_per_month: capacity.into(),
        weight_grams: "250".into(),
        packaging: packaging.into(),
        status: "published".into(),
        ..Default::default()
    };
    let categories = app.db.product_categories().await.unwrap();
    let data = sentra_domain::product::validate_product(&input, &categories).unwrap();
    let p = app
        .db
        .create_product(&city(), &owner.id, &data, &Actor::system("test"))
        .await
        .unwrap();
    (p.id, p.slug, owner.id.clone())
}

#[tokio::test]
async fn a_hotel_request_is_matched_shortlisted_and_its_order_shows_on_both_sides() {
    let app = spawn_app().await;
    app.seed(20, 6).await;
    let (big, _, big_owner) = product(
        &app,
        0,
        "Selendang Tenun Motif Kuda",
        "Rp 350.000",
        "150",
        "Kotak premium untuk hotel",
    )
    .await;
    let (small, _, _) = product(
        &app,
        1,
        "Selendang Tenun Bunga",
        "Rp 300.000",
        "40",
        "Kotak premium untuk hotel",
    )
    .await;
    let (plastic, _, _) = product(
        &app,
        2,
        "Selendang Tenun Sutra",
        "Rp 380.000",
        "300",
        "Plastik",
    )
    .await;
    let csrf = app.csrf.clone();
    // A partner; a bad e-mail is named.
    let (status, _, body) = post(
        &app.client,
        &app,
        "/mitra",
        &[
            ("_csrf", &csrf),
            ("region", "36.74"),
            ("name", "Hotel Serpong Asri"),
            ("kind", "hotel"),
            ("contact_email", "bukan-email"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(body.contains("E-mail narahubung:"), "{body}");
    let (status, location, _) = post(
        &app.client,
        &app,
        "/mitra",
        &[
            ("_csrf", &csrf),
            ("region", "36.74"),
            ("name", "Hotel Serpong Asri"),
            ("kind", "hotel"),
            ("contact_phone", "0812 1111 2222"),
            ("user_login", "partner-36-74@test.id"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let partner = location.trim_start_matches("/mitra/").to_string();
    // The request: 200 scarves, no halal, hotel packaging, six weeks.
    let deliver = (common::today() + chrono::Duration::days(42)).to_string();
    let (status, location, body) = post(
        &app.client,
        &app,
        &format!("/mitra/{partner}/permintaan"),
        &[
            ("_csrf", &csrf),
            ("title", "Selendang tenun untuk kamar hotel"),
            ("category", "kerajinan.tenun"),
            ("keywords", "selendang tenun"),
            ("quantity", "200"),
            ("deliver_by", &deliver),
            ("price_max", "400 rb"),
            ("packaging", "hotel"),
        ],
    )
    .await;
    assert_eq!(status, 303, "{body}");
    let request = location
        .trim_start_matches("/mitra/permintaan/")
        .to_string();
    let page = app.page(&format!("/mitra/permintaan/{request}")).await;
    let at = |id: &str| {
        page.find(&format!("name=\"product\" value=\"{id}\""))
            .unwrap()
    };
    assert!(
        at(&big) < at(&small) && at(&big) < at(&plastic),
        "the one meeting everything first"
    );
    assert!(page.contains("sanggup 210 sampai tanggal kirim"), "{page}");
    assert!(page.contains("hanya sanggup 56 dari 200"), "{page}");
    assert!(page.contains("kemasan belum sesuai"), "{page}");
    assert!(page.contains("tidak diwajibkan"), "no certificate asked");
    // The owner agreed to hear by WhatsApp (issue 32): she is told of the order, once.
    common::consent_to_whatsapp(&app, &big_owner).await;
    // Shortlisted, then ordered: an order needs its value.
    let (status, _, _) = post(
        &app.client,
        &app,
        &format!("/mitra/permintaan/{request}/pilih"),
        &[("_csrf", &csrf), ("product", &big)],
    )
    .await;
    assert_eq!(status, 303);
    let (status, _, body) = post(
        &app.client,
        &app,
        &format!("/mitra/permintaan/{request}/hasil"),
        &[("_csrf", &csrf), ("product", &big), ("outcome", "ordered")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(body.contains("Nilai pesanan:"), "{body}");
    let (status, _, _) = post(
        &app.client,
        &app,
        &format!("/mitra/permintaan/{request}/hasil"),
        &[
            ("_csrf", &csrf),
            ("product", &big),
            ("outcome", "ordered"),
            ("order_value", "Rp 70.000.000"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let told: Vec<_> = app
        .db
        .phone_queue(&city(), i64::MAX, 10)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.umkm_id.as_ref() == Some(&big_owner))
        .collect();
    assert_eq!(
        told.len(),
        1,
        "only the order is news to her, not the shortlisting"
    );
    assert_eq!(told[0].purpose.as_str(), "partner_outcome");
    assert!(
        told[0].body.contains("Hotel Serpong Asri")
            && told[0].body.contains("Selendang Tenun Motif Kuda: dipesan")
            && told[0].body.contains("/p/"),
        "{}",
        told[0].body
    );
    let partner_page = app.page(&format!("/mitra/{partner}")).await;
    assert!(partner_page.contains("Rp70.000.000"), "{partner_page}");
    let umkm_page = app.page(&format!("/umkm/{big_owner}")).await;
    let section = &umkm_page[umkm_page
        .find("id=\"partnerships\"")
        .expect("the business's partnerships")..];
    assert!(
        section.contains("Hotel Serpong Asri") && section.contains("Rp70.000.000"),
        "{section}"
    );
    // The partner's own account sees its request and shortlist, not the matching.
    let (partner_client, partner_api, _) = app.as_user("partner", "36.74").await;
    let res = partner_client
        .get(app.url(&format!("/mitra/permintaan/{request}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let text = res.text().await.unwrap();
    assert!(text.contains("Selendang Tenun Motif Kuda") && !text.contains("id=\"matches\""));
    // Another partner's account sees nothing of it.
    let (status, _, _) = post(
        &app.client,
        &app,
        "/mitra",
        &[
            ("_csrf", &csrf),
            ("region", "36.74"),
            ("name", "Toko Oleh-oleh"),
            ("kind", "ritel"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let list = partner_client
        .get(app.url("/mitra"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        list.contains("Hotel Serpong Asri") && !list.contains("Toko Oleh-oleh"),
        "{list}"
    );

    // The same through the API (issue 33): the partner's own account sees its partner, the
    // request and its shortlist, not the ranking; curators see the ranking with the page's
    // reasons and gaps, shortlist and record outcomes with the same checks.
    let get = |client: &reqwest::Client, path: String| {
        let (client, url) = (client.clone(), app.url(&path));
        async move {
            let res = client.get(url).send().await.unwrap();
            let status = res.status().as_u16();
            (
                status,
                res.json::<serde_json::Value>().await.unwrap_or_default(),
            )
        }
    };
    let (status, own) = get(&partner_api, "/api/v1/partners".into()).await;
    assert_eq!(status, 200);
    let names: Vec<&str> = own["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Hotel Serpong Asri"]);
    let (status, all) = app.get_json("/api/v1/partners").await;
    assert_eq!(status, 200);
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
    let (status, requests) =
        get(&partner_api, format!("/api/v1/partners/{partner}/requests")).await;
    assert_eq!(status, 200);
    assert_eq!(requests["items"][0]["id"], request.as_str());
    assert_eq!(requests["items"][0]["quantity"], 200);
    assert_eq!(requests["items"][0]["deliver_by"], deliver.as_str());
    let (status, seen) = get(&partner_api, format!("/api/v1/partner-requests/{request}")).await;
    assert_eq!(status, 200);
    assert_eq!(seen["shortlist"][0]["product_id"], big.as_str());
    assert_eq!(seen["shortlist"][0]["outcome"], "ordered");
    assert_eq!(seen["shortlist"][0]["order_value"], 70_000_000);
    assert_eq!(
        seen["matches"].as_array().unwrap().len(),
        0,
        "no ranking for partners"
    );
    let other = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "Toko Oleh-oleh")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, _) = get(&partner_api, format!("/api/v1/partners/{other}/requests")).await;
    assert_eq!(status, 404, "another partner's requests");
    let (status, ranked) = app
        .get_json(&format!("/api/v1/partner-requests/{request}"))
        .await;
    assert_eq!(status, 200);
    let matches = ranked["matches"].as_array().unwrap();
    assert_eq!(
        matches[0]["product_id"],
        big.as_str(),
        "the one meeting everything first"
    );
    let small_match = matches
        .iter()
        .find(|m| m["product_id"] == small.as_str())
        .unwrap();
    assert!(
        small_match["gaps"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["code"] == "capacity"
                && g["text"] == "hanya sanggup 56 dari 200 sampai tanggal kirim"),
        "{small_match}"
    );
    // A partner account may not shortlist; a curator may, with the page's checks.
    let res = partner_api
        .post(app.url(&format!("/api/v1/partner-requests/{request}/shortlist")))
        .json(&serde_json::json!({ "product_id": small }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let path = format!("/api/v1/partner-requests/{request}/shortlist");
    let (status, added) = app
        .send_json(
            reqwest::Method::POST,
            &path,
            &serde_json::json!({ "product_id": small }),
        )
        .await;
    assert_eq!(status, 201, "{added}");
    assert_eq!(added["outcome"], "shortlisted");
    let (status, err) = app
        .send_json(
            reqwest::Method::PUT,
            &format!("{path}/{small}"),
            &serde_json::json!({ "outcome": "ordered" }),
        )
        .await;
    assert_eq!(
        (status, err["error"]["fields"][0]["field"].as_str()),
        (422, Some("order_value")),
        "an order needs its value: {err}"
    );
    let (status, _) = app
        .send_json(
            reqwest::Method::PUT,
            &format!("{path}/{small}"),
            &serde_json::json!({ "outcome": "sample_sent", "note": "contoh dikirim" }),
        )
        .await;
    assert_eq!(status, 204);
    let (status, _) = app
        .send_json(
            reqwest::Method::PUT,
            &format!("{path}/{plastic}"),
            &serde_json::json!({ "outcome": "contacted" }),
        )
        .await;
    assert_eq!(status, 404, "not on the shortlist");
    let (_, after) = app
        .get_json(&format!("/api/v1/partner-requests/{request}"))
        .await;
    let line = after["shortlist"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["product_id"] == small.as_str())
        .unwrap();
    assert_eq!(
        (line["outcome"].as_str(), line["note"].as_str()),
        (Some("sample_sent"), Some("contoh dikirim"))
    );
}

#[tokio::test]
async fn a_curated_exhibition_is_public_once_published() {
    let app = spawn_app().await;
    app.seed(10, 2).await;
    let (pid, slug, maker) = product(
        &app,
        0,
        "Selendang Tenun Motif Kuda",
        "Rp 350.000",
        "150",
        "Kotak",
    )
    .await;
    let (pid2, _, maker2) = product(&app, 3, "Kain Tenun Ikat", "Rp 500.000", "20", "Kotak").await;
    // A public exhibition shows only public products: of verified businesses.
    for m in [&maker, &maker2] {
        app.db
            .set_umkm_status(
                &city(),
                m,
                sentra_domain::umkm::UmkmStatus::Verified,
                &Actor::system("test"),
            )
            .await
            .unwrap();
    }
    let csrf = app.csrf.clone();
    let (status, _, body) = post(
        &app.client,
        &app,
        "/kurasi/pameran",
        &[
            ("_csrf", &csrf),
            ("region", "36.74"),
            ("title", "Pekan Tenun"),
            ("kind", "offline"),
            ("starts_on", "2026-12-10"),
            ("ends_on", "2026-12-01"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        body.contains("Tempat:") && body.contains("Selesai:"),
        "{body}"
    );
    let (status, location, _) = post(
        &app.client,
        &app,
        "/kurasi/pameran",
        &[
            ("_csrf", &csrf),
            ("region", "36.74"),
            ("title", "Pekan Tenun Nusantara"),
            ("theme", "tenun"),
            ("kind", "offline"),
            ("venue", "Galeri UMKM Kota"),
            ("starts_on", "2026-12-10"),
            ("ends_on", "2026-12-14"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let id = location.trim_start_matches("/kurasi/pameran/").to_string();
    let found = app
        .page(&format!("/kurasi/pameran/{id}?cari=selendang"))
        .await;
    assert!(
        found.contains(&format!("value=\"{pid}\"")),
        "a product found to curate"
    );
    for (p, note) in [(&pid, "Pewarna alam, tenunan rapat."), (&pid2, "")] {
        let (status, _, _) = post(
            &app.client,
            &app,
            &format!("/kurasi/pameran/{id}/produk"),
            &[("_csrf", &csrf), ("product", p), ("note", note)],
        )
        .await;
        assert_eq!(status, 303);
    }
    let x = app.db.exhibition(&city(), &id).await.unwrap();
    let public = format!("/pameran/{}", x.slug);
    assert_eq!(
        reqwest::get(app.url(&public)).await.unwrap().status(),
        404,
        "a draft is not public"
    );
    let (status, _, body) = post(
        &app.client,
        &app,
        &format!("/kurasi/pameran/{id}/hasil"),
        &[
            ("_csrf", &csrf),
            (&format!("shown_{pid}"), "10"),
            (&format!("sold_{pid}"), "12"),
        ],
    )
    .await;
    assert_eq!(status, 422, "more sold than shown: {body}");
    let (status, _, _) = post(
        &app.client,
        &app,
        &format!("/kurasi/pameran/{id}/hasil"),
        &[
            ("_csrf", &csrf),
            ("published", "1"),
            ("visitors", "420"),
            (&format!("shown_{pid}"), "10"),
            (&format!("sold_{pid}"), "7"),
            (&format!("value_{pid}"), "Rp 2.450.000"),
            (&format!("shown_{pid2}"), "4"),
            (&format!("sold_{pid2}"), "1"),
            (&format!("value_{pid2}"), "500 rb"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let page = reqwest::get(app.url(&public))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(&format!("/p/{slug}")), "{page}");
    assert!(page.contains("Pewarna alam, tenunan rapat."));
    // Crafters 2, products 2, items shown 14, sold 8, sales Rp2.950.000.
    assert!(page.contains("Perajin: <strong>2</strong>"), "{page}");
    assert!(page.contains("<strong>14</strong>") && page.contains("<strong>8</strong>"));
    assert!(page.contains("Rp2.950.000"));
    let list = reqwest::get(app.url("/pameran"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(list.contains("Pekan Tenun Nusantara"));
}

#[tokio::test]
async fn a_month_of_gallery_sales_reconciles_with_the_ledger() {
    let app = spawn_app().await;
    app.seed(10, 3).await;
    let csrf = app.csrf.clone();
    let businesses = app
        .db
        .list_umkm(
            &city(),
            &sentra_storage::UmkmFilter::default(),
            sentra_storage::UmkmSort::Name,
            sentra_storage::SortDirection::Asc,
            sentra_storage::PageRequest {
                page: 1,
                per_page: 2,
            },
        )
        .await
        .unwrap()
        .items;
    // Intake: a bad price pair is named; then three items of two businesses.
    let (status, _, body) = post(
        &app.client,
        &app,
        "/galeri/titip",
        &[
            ("_csrf", &csrf),
            ("umkm", &businesses[0].id),
            ("name", "Selendang"),
            ("quantity", "5"),
            ("consignment_price", "200 rb"),
            ("gallery_price", "150 rb"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(body.contains("Harga galeri lebih rendah"), "{body}");
    let mut items = Vec::new();
    for (b, name, q, c, g) in [
        (0, "Selendang tenun", "10", "80 rb", "100 rb"),
        (0, "Tas anyaman", "6", "120 rb", "150 rb"),
        (1, "Keripik tempe", "30", "12 rb", "15 rb"),
    ] {
        let (status, location, body) = post(
            &app.client,
            &app,
            "/galeri/titip",
            &[
                ("_csrf", &csrf),
                ("umkm", &businesses[b].id),
                ("name", name),
                ("quantity", q),
                ("consignment_price", c),
                ("gallery_price", g),
            ],
        )
        .await;
        assert_eq!(status, 303, "{body}");
        items.push(
            location
                .trim_start_matches("/galeri/barang/")
                .split('?')
                .next()
                .unwrap()
                .to_string(),
        );
    }
    let sell =
        |item: &String, quantity: &'static str, price: &'static str, payment: &'static str| {
            let (app, csrf, item) = (&app, csrf.clone(), item.clone());
            async move {
                post(
                    &app.client,
                    app,
                    &format!("/galeri/barang/{item}/keluar"),
                    &[
                        ("_csrf", &csrf),
                        ("movement", "sale"),
                        ("quantity", quantity),
                        ("price", price),
                        ("payment", payment),
                        ("kembali", "kasir"),
                    ],
                )
                .await
            }
        };
    assert_eq!(sell(&items[0], "3", "", "tunai").await.0, 303);
    assert_eq!(
        sell(&items[0], "1", "90 rb", "qris").await.0,
        303,
        "a discount at the counter"
    );
    assert_eq!(sell(&items[1], "2", "", "transfer").await.0, 303);
    assert_eq!(sell(&items[2], "25", "", "tunai").await.0, 303);
    // More than is left: refused, nothing written.
    let (status, _, body) = sell(&items[2], "6", "", "tunai").await;
    assert_eq!(status, 422);
    assert!(body.contains("Stok tidak cukup"), "{body}");
    // A return to the owner and a stock count that finds one scarf missing.
    let (status, _, _) = post(
        &app.client,
        &app,
        &format!("/galeri/barang/{}/keluar", items[1]),
        &[("_csrf", &csrf), ("movement", "return"), ("quantity", "1")],
    )
    .await;
    assert_eq!(status, 303);
    let count_field = format!("count_{}", items[0]);
    let (status, _, _) = post(
        &app.client,
        &app,
        "/galeri/stok",
        &[("_csrf", &csrf), (&count_field, "5")],
    )
    .await;
    assert_eq!(status, 303);
    // The counter finds an item by its label's code.
    let code: String = sqlx::query("SELECT code FROM gallery_items WHERE id = $1")
        .bind(&items[2])
        .fetch_one(
            &mut sqlx::AnyConnection::connect(app.test_db.direct())
                .await
                .unwrap(),
        )
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
    let counter = app
        .page(&format!("/galeri/kasir?kode={}", code.to_lowercase()))
        .await;
    assert!(
        counter.contains("Keripik tempe") && counter.contains("<strong>5</strong>"),
        "{counter}"
    );

    // The month's statements against the ledger.
    let today = common::today();
    let (y, m) = (
        chrono::Datelike::year(&today),
        chrono::Datelike::month(&today),
    );
    let statements = app.db.gallery_statements(&city(), y, m).await.unwrap();
    let first = statements
        .iter()
        .find(|s| s.umkm_id == businesses[0].id)
        .unwrap();
    let s = &first.statement;
    // Scarves: 10 in, 4 sold, 1 missing; bags: 6 in, 2 sold, 1 returned.
    assert_eq!(
        (s.received, s.sold, s.returned, s.counted, s.closing),
        (16, 6, 1, -1, 8)
    );
    assert!(s.balances());
    assert_eq!(s.sales_value, 3 * 100_000 + 90_000 + 2 * 150_000);
    assert_eq!(s.owed, 4 * 80_000 + 2 * 120_000);
    assert_eq!(s.commission, s.sales_value - s.owed);
    let mut conn = sqlx::AnyConnection::connect(app.test_db.direct())
        .await
        .unwrap();
    let sql = sqlx::query(
        "SELECT CAST(SUM(l.quantity) AS BIGINT) AS stock, \
         CAST(SUM(CASE WHEN l.movement = 'sale' THEN -l.quantity * g.consignment_price ELSE 0 END) AS BIGINT) AS owed, \
         CAST(SUM(CASE WHEN l.movement = 'sale' THEN -l.quantity * l.unit_price ELSE 0 END) AS BIGINT) AS sales \
         FROM gallery_ledger l JOIN gallery_items g ON g.id = l.item_id WHERE l.umkm_id = $1",
    )
    .bind(&businesses[0].id)
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(sql.try_get::<i64, _>("stock").unwrap(), s.closing);
    assert_eq!(sql.try_get::<i64, _>("owed").unwrap(), s.owed);
    assert_eq!(sql.try_get::<i64, _>("sales").unwrap(), s.sales_value);
    let page = app
        .page(&format!("/galeri/laporan?bulan={y:04}-{m:02}"))
        .await;
    assert!(page.contains("Rp560.000"), "the owed amount: {page}");
    // The month's statements to the owners (issue 32): the first agreed to be contacted, the
    // second did not; sent twice, they reach her once.
    common::consent_to_whatsapp(&app, &businesses[0].id).await;
    assert!(page.contains("/galeri/laporan/kirim"), "{page}");
    let month_text = format!("{y:04}-{m:02}");
    let send = [("_csrf", csrf.as_str()), ("bulan", month_text.as_str())];
    let (status, location, _) = post(&app.client, &app, "/galeri/laporan/kirim", &send).await;
    assert_eq!(status, 303);
    assert_eq!(location, "/pesan?status=queued&antri=1&sudah=0&tanpa=1");
    let (_, location, _) = post(&app.client, &app, "/galeri/laporan/kirim", &send).await;
    assert_eq!(location, "/pesan?status=queued&antri=0&sudah=1&tanpa=1");
    let statement = app
        .db
        .phone_queue(&city(), i64::MAX, 10)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.purpose.as_str() == "gallery_statement")
        .expect("the statement message");
    assert_eq!(statement.umkm_id.as_ref(), Some(&businesses[0].id));
    assert!(
        statement
            .body
            .contains(&format!("terjual {} barang", s.sold))
            && statement.body.contains("hak Anda Rp560.000"),
        "{}",
        statement.body
    );

    // The same through the API (issue 33): stock, movements and the month's statements.
    let (status, found) = app.get_json("/api/v1/gallery/items?q=keripik").await;
    assert_eq!(status, 200);
    assert_eq!(found["items"].as_array().unwrap().len(), 1);
    assert_eq!(found["items"][0]["stock"], 5);
    assert_eq!(found["items"][0]["gallery_price"], 15_000);
    let (status, moves) = app
        .get_json(&format!("/api/v1/gallery/items/{}/movements", items[0]))
        .await;
    assert_eq!(status, 200);
    let kinds: Vec<(&str, i64)> = moves["movements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["movement"].as_str().unwrap(),
                l["quantity"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [("intake", 10), ("sale", -3), ("sale", -1), ("count", -1)]
    );
    assert_eq!(moves["movements"][2]["payment"], "qris");
    let (status, _) = app
        .get_json(&format!("/api/v1/gallery/items/{}/movements", "tidak-ada"))
        .await;
    assert_eq!(status, 404);
    let (status, month) = app
        .get_json(&format!("/api/v1/gallery/statements?bulan={y:04}-{m:02}"))
        .await;
    assert_eq!(status, 200);
    let mine = month["businesses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["umkm_id"] == businesses[0].id.as_str())
        .unwrap();
    assert_eq!(mine["statement"]["owed"], s.owed);
    assert_eq!(mine["statement"]["sales_value"], s.sales_value);
    assert_eq!(mine["statement"]["closing"], s.closing);
    let owed_total: i64 = month["businesses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["statement"]["owed"].as_i64().unwrap())
        .sum();
    assert_eq!(month["total"]["owed"], owed_total);
    let (status, err) = app
        .get_json("/api/v1/gallery/statements?bulan=2026-13")
        .await;
    assert_eq!(
        (status, err["error"]["fields"][0]["field"].as_str()),
        (422, Some("bulan"))
    );
    let (_, viewer_api, _) = app.as_user("viewer", "36.74").await;
    let res = viewer_api
        .get(app.url("/api/v1/gallery/items"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403, "the gallery is its keepers'");
    // Paid once; twice is refused.
    let month = format!("{y:04}-{m:02}");
    let (status, _, _) = post(
        &app.client,
        &app,
        "/galeri/laporan/bayar",
        &[
            ("_csrf", &csrf),
            ("umkm", &businesses[0].id),
            ("bulan", &month),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let (status, _, body) = post(
        &app.client,
        &app,
        "/galeri/laporan/bayar",
        &[
            ("_csrf", &csrf),
            ("umkm", &businesses[0].id),
            ("bulan", &month),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(body.contains("sudah dibayarkan"), "{body}");
    let paid: i64 = sqlx::query("SELECT CAST(SUM(amount) AS BIGINT) FROM gallery_ledger WHERE movement = 'payout' AND umkm_id = $1")
        .bind(&businesses[0].id)
        .fetch_one(&mut conn)
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
    assert_eq!(
        paid, s.owed,
        "the payout is what the statement owed, to the rupiah"
    );
    // Every movement is in the audit trail, and the chain holds.
    assert!(matches!(
        app.db.verify_audit().await.unwrap(),
        sentra_storage::AuditVerdict::Intact { .. }
    ));
}
