//! Managing products in the browser (forms without JavaScript), on SQLite and PostgreSQL: bad
//! input comes back with every problem named and nothing saved; the saved product shows the
//! e-katalog readiness checklist with exactly what is missing; a curator cannot list it until
//! it is ready; a record outside the caller's scope is not found.

use crate::common;

use common::spawn_app;

#[tokio::test]
async fn an_owner_sees_what_is_missing_for_the_e_katalog() {
    let app = spawn_app().await;
    app.seed(2, 9).await;
    let umkm = app.first_umkm().await;
    let list = app.get(&format!("/umkm/{}/produk", umkm.id)).await;
    assert_eq!(list.status(), 200);
    assert!(list.text().await.unwrap().contains("Belum ada produk"));

    let post = |fields: Vec<(&'static str, String)>| {
        let mut all = vec![("_csrf", app.csrf.clone())];
        all.extend(fields);
        let url = app.url(&format!("/umkm/{}/produk", umkm.id));
        let client = app.client.clone();
        async move { client.post(url).form(&all).send().await.unwrap() }
    };
    // Bad input: every problem named, what was typed kept, nothing saved.
    let res = post(vec![
        ("name", "K".into()),
        ("category", "makanan.keripik".into()),
        ("price", "lima ribu".into()),
        ("unit", "pcs".into()),
        ("width_cm", "12".into()),
        ("links.shopee", "shopee toko saya".into()),
        ("status", "draft".into()),
    ])
    .await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    for want in [
        "Nama produk: Terlalu pendek",
        "Harga (Rp): Nilai rupiah tidak dapat dibaca",
        "Panjang (cm): Isi panjang, lebar dan tinggi",
        "Shopee: Bukan alamat web; tulis misalnya tokopedia.com/namatoko",
        "value=\"lima ribu\"",
    ] {
        assert!(body.contains(want), "missing {want}: {body}");
    }
    assert!(
        app.db
            .products_of(&common::city(), &umkm.id)
            .await
            .unwrap()
            .is_empty()
    );

    // Saved: the edit page shows the checklist.
    let res = post(vec![
        ("name", "Keripik Singkong Pedas".into()),
        ("category", "makanan.keripik".into()),
        ("price", "Rp15.000".into()),
        ("unit", "pcs".into()),
        ("capacity_per_month", "2.000".into()),
        ("weight_grams", "250".into()),
        ("shelf_life_days", "180".into()),
        ("status", "published".into()),
        ("links.shopee", "https://shopee.co.id/toko".into()),
    ])
    .await;
    assert_eq!(res.status(), 303);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with("/produk/") && location.ends_with("?done=saved"));
    let page = app.get(&location).await.text().await.unwrap();
    for want in [
        "Produk tersimpan.",
        "Kesiapan e-katalog lokal",
        "✗ Minimal satu foto produk — <strong>belum ada</strong>",
        "✗ Keterangan kemasan — <strong>belum ada</strong>",
        "✗ Deskripsi minimal 30 huruf",
        "✓ Harga",
        "✓ Kapasitas produksi per bulan",
        // The admin may list, but not before the product is ready.
        "<button type=\"submit\" disabled>Cantumkan di e-katalog lokal</button>",
    ] {
        assert!(page.contains(want), "missing {want}: {page}");
    }
    // Listing it anyway is refused, naming what is missing.
    let pid = location
        .trim_start_matches("/produk/")
        .trim_end_matches("?done=saved")
        .to_string();
    let res = app
        .client
        .post(app.url(&format!("/produk/{pid}/ekatalog")))
        .form(&[("_csrf", app.csrf.as_str()), ("list", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Belum memenuhi syarat e-katalog")
    );
    let stored = app.db.get_product(&common::city(), &pid).await.unwrap();
    assert!(!stored.listed());

    // A kecamatan operator elsewhere does not find it.
    let district = &umkm.village_code[..8];
    let other = if district == "36.74.01" {
        "36.74.02"
    } else {
        "36.74.01"
    };
    let (pages, _, _) = app.as_user("operator", other).await;
    let res = pages
        .get(app.url(&format!("/produk/{pid}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn an_owner_sets_the_opening_hours_their_storefront_shows() {
    let app = spawn_app().await;
    app.seed(1, 11).await;
    let umkm = app.first_umkm().await;
    let page = app
        .get(&format!("/umkm/{}/produk", umkm.id))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Alamat toko dibuat otomatis"), "{page}");
    let categories = app.db.product_categories().await.unwrap();
    let data =
        sentra_domain::product::validate_product(&common::chips("published"), &categories).unwrap();
    app.db
        .create_product(
            &common::city(),
            &umkm.id,
            &data,
            &sentra_storage::Actor::system("t"),
        )
        .await
        .unwrap();
    let send = |hours: String| {
        let form = [("_csrf", app.csrf.clone()), ("opening_hours", hours)];
        let req = app
            .client
            .post(app.url(&format!("/umkm/{}/toko", umkm.id)))
            .form(&form);
        async move { req.send().await.unwrap() }
    };
    let res = send("Senin ".repeat(60)).await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(body.contains("Jam buka: Terlalu panjang."), "{body}");
    let (slug, hours) = app
        .db
        .store_details(&common::city(), &umkm.id)
        .await
        .unwrap();
    assert_eq!(hours, None);
    let res = send("Senin–Sabtu 08.00–17.00 WIB".into()).await;
    assert_eq!(res.status(), 303);
    let slug = slug.expect("a storefront after the first product");
    let store = app
        .get(&format!("/toko/{slug}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(store.contains("Senin–Sabtu 08.00–17.00 WIB"), "{store}");
    // Search engines and link previews read the same hours, and the place, as schema.org.
    let ld: serde_json::Value = serde_json::from_str(
        store
            .split("<script type=\"application/ld+json\">")
            .nth(1)
            .and_then(|rest| rest.split("</script>").next())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(ld["@type"], "LocalBusiness");
    let spec = &ld["openingHoursSpecification"][0];
    assert_eq!(
        (spec["opens"].as_str(), spec["closes"].as_str()),
        (Some("08:00"), Some("17:00"))
    );
    let days: Vec<&str> = spec["dayOfWeek"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    assert_eq!(days.len(), 6);
    assert_eq!(days[0], "https://schema.org/Monday");
    assert_eq!(days[5], "https://schema.org/Saturday");
    assert!(
        ld["address"]["addressLocality"]
            .as_str()
            .unwrap()
            .contains(", "),
        "{ld}"
    );
    assert!(
        ld["address"]["addressRegion"]
            .as_str()
            .unwrap()
            .contains("Banten"),
        "{ld}"
    );
    // Hours that do not read as days and times are shown, never guessed into the markup.
    assert_eq!(send("Hubungi dulu lewat WA".into()).await.status(), 303);
    let store = app
        .get(&format!("/toko/{slug}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(store.contains("Hubungi dulu lewat WA"));
    assert!(!store.contains("openingHoursSpecification"));
    let page = app
        .get(&format!("/umkm/{}/produk", umkm.id))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(&format!("href=\"/toko/{slug}\"")), "{page}");
}
