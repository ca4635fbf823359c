//! What the public sees and who changes what holds for everyone, through the attacker's path
//! (HTTP), on SQLite and PostgreSQL: a self-registered business is public (catalogue, search,
//! API, storefront, product page, sitemap, open data) only once verified and not after it is
//! deactivated, while its owner previews it; a kecamatan admin or curator cannot change the
//! city-wide programme rules or the global category tree and synonyms; the open-data files per
//! kelurahan and per kecamatan never leave a withheld count computable from the other.

use crate::common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use common::spawn_app;

/// Anyone on the internet: no cookie, no token.
fn anonymous() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn status_and_body(client: &reqwest::Client, url: String) -> (u16, String, String) {
    let res = client.get(url).send().await.unwrap();
    let status = res.status().as_u16();
    let kind = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap_or("").to_string())
        .unwrap_or_default();
    (status, kind, res.text().await.unwrap())
}

/// Polls the public search page for `q` until `done` holds (the index follows within a second).
async fn search_until(app: &common::TestApp, q: &str, done: impl Fn(&str) -> bool) -> String {
    let started = Instant::now();
    loop {
        let (_, _, body) = status_and_body(&anonymous(), app.url(&format!("/katalog?q={q}"))).await;
        if done(&body) || started.elapsed() > Duration::from_secs(10) {
            return body;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// What the public gets of the draft's pages and listings.
struct Seen {
    store: u16,
    product: u16,
    search: bool,
    api: bool,
    sitemap_store: bool,
    sitemap_product: bool,
    open_data: bool,
}

async fn seen(app: &common::TestApp, store: &str, product: &str, name: &str) -> Seen {
    let public = anonymous();
    let (store_status, kind, _) =
        status_and_body(&public, app.url(&format!("/toko/{store}"))).await;
    if store_status == 404 {
        assert!(
            kind.starts_with("text/html"),
            "a 404 page, not JSON: {kind}"
        );
    }
    let (product_status, kind, _) =
        status_and_body(&public, app.url(&format!("/p/{product}"))).await;
    if product_status == 404 {
        assert!(
            kind.starts_with("text/html"),
            "a 404 page, not JSON: {kind}"
        );
    }
    let (_, _, api) = status_and_body(&public, app.url("/api/v1/katalog?q=rengginang")).await;
    let (_, _, toko_xml) = status_and_body(&public, app.url("/sitemap/toko.xml")).await;
    let (_, _, produk_xml) = status_and_body(&public, app.url("/sitemap/produk-1.xml")).await;
    let (_, _, data) = status_and_body(
        &public,
        app.url("/data/umkm-per-wilayah.json?tingkat=kelurahan"),
    )
    .await;
    let data: serde_json::Value = serde_json::from_str(&data).unwrap();
    let search = search_until(app, "rengginang", |b| b.contains("Rengginang Kontrol")).await;
    assert!(
        search.contains("Rengginang Kontrol"),
        "the control is found: {search}"
    );
    Seen {
        store: store_status,
        product: product_status,
        search: search.contains(name),
        api: api.contains(name),
        sitemap_store: toko_xml.contains(&format!("/toko/{store}<")),
        sitemap_product: produk_xml.contains(&format!("/p/{product}<")),
        open_data: data["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["kode_wilayah"] == "36.74.03.1005"),
    }
}

#[tokio::test]
async fn a_business_is_public_only_while_verified_and_its_owner_previews_it() {
    use reqwest::Method;
    let app = spawn_app().await;
    let city = common::city();

    // A control: a verified business in Serpong with a published product, so that search
    // results are known to be up to date when the draft's product is looked for.
    let mut body = common::valid_body();
    body["name"] = "Kontrol Serpong".into();
    body["village_code"] = "36.74.01.1001".into();
    let (status, made) = app.send_json(Method::POST, "/api/v1/umkm", &body).await;
    assert_eq!(status, 201, "{made}");
    let control = made["id"].as_str().unwrap().to_string();
    let res = app
        .client
        .post(app.url(&format!("/umkm/{control}/status")))
        .form(&[("_csrf", app.csrf.as_str()), ("status", "verified")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);

    // Sri signs up and registers her business: a draft, in Pondok Aren (36.74.03.1005).
    let (owner, owner_csrf) = app.sign_up_owner("Sri Lestari", "0812-3456-7890").await;
    let res = owner
        .post(app.url("/umkm"))
        .form(&[
            ("_csrf", owner_csrf.as_str()),
            ("name", "Rengginang Sri"),
            ("owner_name", "Sri Lestari"),
            ("nik", "3674034506900012"),
            ("phone", "0812-3456-7890"),
            ("village_code", "36.74.03.1005"),
            ("sector", "kuliner"),
            ("modal", "Rp 50 juta"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let sri = res.headers()["location"].to_str().unwrap()[6..]
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let product = |client: &reqwest::Client, csrf: &str, umkm: &str, name: &str| {
        let req = client
            .post(app.url(&format!("/umkm/{umkm}/produk")))
            .form(&[
                ("_csrf", csrf),
                ("name", name),
                ("category", "makanan.keripik"),
                ("price", "Rp12.000"),
                ("unit", "pcs"),
                ("weight_grams", "250"),
                ("shelf_life_days", "90"),
                ("status", "published"),
            ]);
        async move {
            let res = req.send().await.unwrap();
            let status = res.status().as_u16();
            assert_eq!(status, 303, "{}", res.text().await.unwrap());
            status
        }
    };
    assert_eq!(
        product(&owner, &owner_csrf, &sri, "Rengginang Ungu Sri").await,
        303
    );
    assert_eq!(
        product(&app.client, &app.csrf, &control, "Rengginang Kontrol").await,
        303
    );
    let slug = app.db.products_of(&city, &sri).await.unwrap()[0]
        .slug
        .clone();
    let store = app
        .db
        .store_details(&city, &sri)
        .await
        .unwrap()
        .0
        .expect("a storefront address after the first product");
    let name = "Rengginang Ungu Sri";

    // A draft: nowhere in public.
    let s = seen(&app, &store, &slug, name).await;
    assert_eq!((s.store, s.product), (404, 404), "draft pages");
    assert!(!s.search && !s.api, "draft in search or API");
    assert!(
        !s.sitemap_store && !s.sitemap_product,
        "draft in the sitemap"
    );
    assert!(!s.open_data, "a draft counted in open data");
    // Her own preview says why.
    for path in [format!("/toko/{store}"), format!("/p/{slug}")] {
        let (status, _, page) = status_and_body(&owner, app.url(&path)).await;
        assert_eq!(status, 200, "{path}");
        assert!(
            page.contains("Belum tayang: menunggu verifikasi"),
            "{path}: {page}"
        );
        assert!(page.contains("noindex"));
    }
    // Another owner is not shown it.
    let (other, _) = app.sign_up_owner("Bukan Sri", "0813-1111-2222").await;
    let (status, _, _) = status_and_body(&other, app.url(&format!("/toko/{store}"))).await;
    assert_eq!(status, 404);

    // Verified by the city admin: public everywhere.
    let set_status = |status: &'static str| {
        let req = app
            .client
            .post(app.url(&format!("/umkm/{sri}/status")))
            .form(&[("_csrf", app.csrf.as_str()), ("status", status)]);
        async move { req.send().await.unwrap().status() }
    };
    assert_eq!(set_status("verified").await, 303);
    search_until(&app, "rengginang", |b| b.contains(name)).await;
    let s = seen(&app, &store, &slug, name).await;
    assert_eq!((s.store, s.product), (200, 200), "verified pages");
    assert!(s.search && s.api, "verified in search and API");
    assert!(
        s.sitemap_store && s.sitemap_product,
        "verified in the sitemap"
    );
    assert!(s.open_data, "verified counted in open data");
    let (_, _, page) = status_and_body(&anonymous(), app.url(&format!("/toko/{store}"))).await;
    assert!(!page.contains("Belum tayang"));

    // Deactivated: gone again; the owner's preview says so.
    assert_eq!(set_status("inactive").await, 303);
    search_until(&app, "rengginang", |b| !b.contains(name)).await;
    let s = seen(&app, &store, &slug, name).await;
    assert_eq!((s.store, s.product), (404, 404), "inactive pages");
    assert!(!s.search && !s.api, "inactive in search or API");
    assert!(
        !s.sitemap_store && !s.sitemap_product,
        "inactive in the sitemap"
    );
    assert!(!s.open_data, "inactive counted in open data");
    let (status, _, page) = status_and_body(&owner, app.url(&format!("/toko/{store}"))).await;
    assert_eq!(status, 200);
    assert!(page.contains("Tidak tayang: usaha ini nonaktif"), "{page}");
}

#[tokio::test]
async fn city_wide_and_global_settings_are_changed_only_from_the_city_up() {
    let app = spawn_app().await;
    let post = |client: &reqwest::Client, csrf: &str, path: &str, fields: &[(&str, &str)]| {
        let mut form = vec![("_csrf".to_string(), csrf.to_string())];
        form.extend(fields.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let req = client.post(app.url(path)).form(&form);
        async move {
            let res = req.send().await.unwrap();
            let status = res.status().as_u16();
            let kind = res
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap_or("").to_string())
                .unwrap_or_default();
            (status, kind, res.text().await.unwrap())
        }
    };
    let refused = |(status, kind, page): (u16, String, String)| {
        assert_eq!(status, 403, "{page}");
        assert!(
            kind.starts_with("text/html"),
            "an HTML page, not JSON: {kind}"
        );
        assert!(page.contains("wilayah layanan"), "{page}");
        // The menu is there (signed in, with the role's links): somewhere to go.
        assert!(page.contains("action=\"/logout\""), "{page}");
        assert!(page.contains("href=\"/kegiatan\""), "{page}");
    };
    let rules = || async { app.db.programme_rules().await.unwrap() };
    let tree = || async {
        app.db
            .product_categories()
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.code)
            .collect::<Vec<_>>()
    };
    let synonyms = || async { app.db.catalog_setting("synonyms").await.unwrap() };
    let topics = || async { app.db.activity_topics().await.unwrap().len() };
    let (rules0, tree0, synonyms0, topics0) = (
        rules().await,
        tree().await,
        synonyms().await,
        topics().await,
    );

    // A kecamatan admin (Pondok Aren) and a kecamatan curator.
    let (kec_admin, _, kec_admin_csrf) = app.as_user("admin", "36.74.03").await;
    let (kec_curator, _, kec_curator_csrf) = app.as_user("curator", "36.74.03").await;
    let new_rules = [("window_days", "21"), ("year_end_weeks", "2")];
    refused(
        post(
            &kec_admin,
            &kec_admin_csrf,
            "/kegiatan/pengaturan",
            &new_rules,
        )
        .await,
    );
    refused(
        post(
            &kec_admin,
            &kec_admin_csrf,
            "/kegiatan/topik",
            &[("name_id", "Ekspor"), ("name_en", "Export")],
        )
        .await,
    );
    refused(
        post(
            &kec_curator,
            &kec_curator_csrf,
            "/admin/kategori/minuman/naik",
            &[],
        )
        .await,
    );
    refused(
        post(
            &kec_curator,
            &kec_curator_csrf,
            "/admin/kategori",
            &[("parent", "makanan"), ("name_id", "Dodol"), ("food", "1")],
        )
        .await,
    );
    refused(
        post(
            &kec_curator,
            &kec_curator_csrf,
            "/admin/sinonim",
            &[("synonyms", "kripik, keripik, kerupuk")],
        )
        .await,
    );
    // Nothing changed.
    assert_eq!(rules().await, rules0);
    assert_eq!(tree().await, tree0);
    assert_eq!(synonyms().await, synonyms0);
    assert_eq!(topics().await, topics0);

    // The city admin and a city curator can.
    let (status, _, _) = post(&app.client, &app.csrf, "/kegiatan/pengaturan", &new_rules).await;
    assert_eq!(status, 303);
    assert_eq!(rules().await.year_end_weeks, 2);
    assert_eq!(rules().await.topic_window, 21 * 86_400);
    let (city_curator, _, city_curator_csrf) = app.as_user("curator", "36.74").await;
    let (status, _, _) = post(
        &city_curator,
        &city_curator_csrf,
        "/admin/kategori/minuman/naik",
        &[],
    )
    .await;
    assert_eq!(status, 303);
    let moved = tree().await;
    assert_ne!(moved, tree0);
    let at = |t: &[String], c: &str| t.iter().position(|x| x == c).unwrap();
    assert!(at(&moved, "minuman") < at(&tree0, "minuman"));
}

/// The numeric columns of an open-data row, withheld ones as `None`.
fn cells(row: &serde_json::Value) -> Vec<Option<i64>> {
    [
        "jumlah_umkm",
        "mikro",
        "kecil",
        "menengah",
        "besar",
        "skala_belum_diketahui",
        "punya_nib",
        "punya_sertifikat_halal",
    ]
    .iter()
    .map(|k| row[*k].as_i64())
    .collect()
}

#[tokio::test]
async fn no_withheld_kelurahan_count_is_the_kecamatan_minus_the_others() {
    let app = spawn_app().await;
    // About six verified businesses per kelurahan: many small cells.
    app.seed(500, 27).await;
    let public = anonymous();
    let file = |level: &'static str| {
        let url = app.url(&format!("/data/umkm-per-wilayah.json?tingkat={level}"));
        let public = public.clone();
        async move {
            let (status, _, body) = status_and_body(&public, url).await;
            assert_eq!(status, 200);
            let v: serde_json::Value = serde_json::from_str(&body).unwrap();
            v["data"].as_array().unwrap().clone()
        }
    };
    let kelurahan = file("kelurahan").await;
    let kecamatan = file("kecamatan").await;
    let mut children: BTreeMap<String, Vec<Vec<Option<i64>>>> = BTreeMap::new();
    for r in &kelurahan {
        let code = r["kode_wilayah"].as_str().unwrap();
        children
            .entry(code[..8].to_string())
            .or_default()
            .push(cells(r));
    }
    assert!(!kecamatan.is_empty());
    let mut withheld_seen = 0;
    for k in &kecamatan {
        let code = k["kode_wilayah"].as_str().unwrap();
        let parent = cells(k);
        let kids = children.get(code).cloned().unwrap_or_default();
        for (col, p) in parent.iter().enumerate() {
            let hidden: Vec<usize> = (0..kids.len())
                .filter(|i| kids[*i][col].is_none())
                .collect();
            withheld_seen += hidden.len();
            // A published kecamatan figure: its kelurahan add up to it, and none of them is left
            // alone withheld (it would be the figure minus the others).
            if let Some(total) = p {
                assert_ne!(
                    hidden.len(),
                    1,
                    "{code}, column {col}: {parent:?} / {kids:?}"
                );
                if hidden.is_empty() {
                    let sum: i64 = kids.iter().map(|r| r[col].unwrap_or(0)).sum();
                    assert_eq!(sum, *total, "{code}, column {col}");
                }
            }
        }
    }
    for r in kecamatan.iter().chain(&kelurahan) {
        let c = cells(r);
        // Within a row: the size classes add up to a published total, none alone withheld.
        if c[0].is_some() {
            assert_ne!(c[1..6].iter().filter(|x| x.is_none()).count(), 1, "{r}");
        }
        for v in c.iter().flatten() {
            assert!(*v == 0 || *v >= 5, "a small count published: {r}");
        }
    }
    assert!(withheld_seen > 0, "the data exercise suppression");
}
