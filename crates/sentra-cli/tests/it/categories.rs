//! The category tree edited by an admin, on SQLite and PostgreSQL: a new subcategory is offered
//! to products and shown by the public catalogue under its name; a clashing name is refused
//! with the field named and nothing added; a category with products keeps its food status and
//! is not retired; moves reorder siblings; every change is audited.

use crate::common;

use std::time::{Duration, Instant};

use common::spawn_app;
use sentra_domain::product::validate_product;
use sentra_storage::Actor;

#[tokio::test]
async fn an_admin_grows_the_tree_and_the_catalogue_follows() {
    let app = spawn_app().await;
    app.seed(1, 9).await;
    let post = |path: &'static str, fields: &[(&'static str, &'static str)]| {
        let mut form: Vec<(&str, String)> = vec![("_csrf", app.csrf.clone())];
        form.extend(fields.iter().map(|(k, v)| (*k, (*v).to_string())));
        let req = app.client.post(app.url(path)).form(&form);
        async move { req.send().await.unwrap() }
    };
    let codes = || async {
        app.db
            .product_categories()
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.code)
            .collect::<Vec<_>>()
    };

    let page = app.get("/admin/kategori").await.text().await.unwrap();
    assert!(page.contains("Keripik &#38; Camilan"), "{page}");
    let res = post(
        "/admin/kategori",
        &[
            ("parent", "makanan"),
            ("name_id", "Dodol & Wajik"),
            ("food", "1"),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    let tree = codes().await;
    let at = |code: &str| tree.iter().position(|c| c == code).unwrap();
    // The last of makanan's children, before the next top-level category.
    assert_eq!(at("makanan.dodol_wajik"), at("makanan.oleh_oleh") + 1);
    assert_eq!(at("minuman"), at("makanan.dodol_wajik") + 1);

    // The same name at the same level: refused, named, kept as typed, nothing added.
    let before = codes().await.len();
    let res = post(
        "/admin/kategori",
        &[
            ("parent", "makanan"),
            ("name_id", "dodol & wajik"),
            ("name_en", "Dodol"),
        ],
    )
    .await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(
        body.contains("Nama (Indonesia): Sudah ada kategori bernama ini di tingkat yang sama."),
        "{body}"
    );
    assert!(body.contains("value=\"dodol &#38; wajik\""), "{body}");
    assert_eq!(codes().await.len(), before);

    // Offered to products, and shown by the catalogue under its name.
    let categories = app.db.product_categories().await.unwrap();
    let umkm = app.first_umkm().await;
    // Only a verified business's products are public (DESIGN.md, "Public means verified").
    app.db
        .set_umkm_status(
            &common::city(),
            &umkm.id,
            sentra_domain::umkm::UmkmStatus::Verified,
            &Actor::system("test"),
        )
        .await
        .unwrap();
    let mut input = common::chips("published");
    input.name = "Dodol Betawi Ketan Hitam".into();
    input.category = "makanan.dodol_wajik".into();
    let data = validate_product(&input, &categories).unwrap();
    app.db
        .create_product(&common::city(), &umkm.id, &data, &Actor::system("test"))
        .await
        .unwrap();
    let started = Instant::now();
    let listed = loop {
        let body = app
            .get("/katalog?kategori=makanan")
            .await
            .text()
            .await
            .unwrap();
        if body.contains("Dodol Betawi Ketan Hitam") || started.elapsed() > Duration::from_secs(5) {
            break body;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(listed.contains("Dodol &#38; Wajik"), "{listed}");

    // Renamed: the catalogue says so at once. Its food status and being active stay, since a
    // product is in it.
    let path = "/admin/kategori/makanan.dodol_wajik";
    let res = post(
        path,
        &[
            ("name_id", "Dodol Khas"),
            ("name_en", "Dodol"),
            ("food", "1"),
            ("active", "1"),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    let renamed = app
        .get("/katalog?kategori=makanan")
        .await
        .text()
        .await
        .unwrap();
    assert!(renamed.contains("Dodol Khas"), "{renamed}");
    let res = post(path, &[("name_id", "Dodol Khas"), ("active", "1")]).await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(body.contains("Sifat pangan hanya dapat diubah"), "{body}");
    let res = post(path, &[("name_id", "Dodol Khas"), ("food", "1")]).await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Kategori masih dipakai produk")
    );
    let kept = app.db.product_categories().await.unwrap();
    let dodol = kept
        .iter()
        .find(|c| c.code == "makanan.dodol_wajik")
        .unwrap();
    assert!(dodol.food);
    assert_eq!(dodol.name_en, "Dodol");

    // An empty category retires; it is no longer offered, and comes back when restored.
    let res = post(
        "/admin/kategori/lainnya",
        &[("name_id", "Lainnya"), ("name_en", "Other")],
    )
    .await;
    assert_eq!(res.status(), 303);
    assert!(!codes().await.contains(&"lainnya".to_string()));
    let page = app.get("/admin/kategori").await.text().await.unwrap();
    assert!(page.contains("Lainnya</a> (tidak aktif)"), "{page}");

    // Up one place among its siblings.
    let res = post("/admin/kategori/makanan.dodol_wajik/naik", &[]).await;
    assert_eq!(res.status(), 303);
    let tree = codes().await;
    let at = |code: &str| tree.iter().position(|c| c == code).unwrap();
    assert_eq!(at("makanan.dodol_wajik") + 1, at("makanan.oleh_oleh"));

    let trail = app
        .db
        .audit_for("product_category", "makanan.dodol_wajik")
        .await
        .unwrap();
    let actions: Vec<&str> = trail.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions.len(), 3, "{actions:?}");
    assert!(actions.contains(&"create"), "{actions:?}");
}
