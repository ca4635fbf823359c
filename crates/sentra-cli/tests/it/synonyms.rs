//! Search synonyms edited by an admin, on SQLite and PostgreSQL: a bad line is named and nothing
//! changes; a saved group applies to the next search without a reindex, and is audited.

use crate::common;

use std::time::{Duration, Instant};

use common::spawn_app;
use sentra_domain::product::validate_product;
use sentra_storage::Actor;

#[tokio::test]
async fn an_admin_adds_a_spelling_and_buyers_find_the_product_with_it() {
    let app = spawn_app().await;
    app.seed(1, 5).await;
    let umkm = app.first_umkm().await;
    let categories = app.db.product_categories().await.unwrap();
    let mut input = common::chips("published");
    input.name = "Bumbu Rendang Padang".into();
    input.description = "Bumbu rendang siap masak, resep keluarga.".into();
    input.category = "makanan.sambal".into();
    let data = validate_product(&input, &categories).unwrap();
    app.db
        .create_product(&common::city(), &umkm.id, &data, &Actor::system("test"))
        .await
        .unwrap();
    let search = |q: &'static str| {
        let app = &app;
        async move {
            let started = Instant::now();
            loop {
                let body = app
                    .get(&format!("/katalog?q={q}"))
                    .await
                    .text()
                    .await
                    .unwrap();
                if body.contains("Bumbu Rendang Padang")
                    || started.elapsed() > Duration::from_secs(5)
                {
                    return body;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    };
    assert!(search("rendang").await.contains("Bumbu Rendang Padang"));
    // Not a typo the index forgives (two letters apart): unknown before the admin says so.
    assert!(
        !app.get("/katalog?q=randank+")
            .await
            .text()
            .await
            .unwrap()
            .contains("Bumbu Rendang")
    );

    let page = app.get("/admin/sinonim").await.text().await.unwrap();
    assert!(page.contains("keripik, kripik"), "{page}");
    let post = |text: &'static str| {
        let form = [("_csrf", app.csrf.clone()), ("synonyms", text.to_string())];
        let req = app.client.post(app.url("/admin/sinonim")).form(&form);
        async move { req.send().await.unwrap() }
    };
    let res = post("keripik, kripik\nbatik\nrendang, randank").await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(
        body.contains("Baris 2: perlu dua kata atau lebih"),
        "{body}"
    );
    assert!(
        body.contains("rendang, randank"),
        "what was typed stays: {body}"
    );
    assert_eq!(app.db.catalog_setting("synonyms").await.unwrap(), None);

    let res = post("keripik, kripik\nrendang, randank").await;
    assert_eq!(res.status(), 303);
    let found = app.get("/katalog?q=randank+").await.text().await.unwrap();
    assert!(found.contains("Bumbu Rendang Padang"), "{found}");
    let trail = app
        .db
        .audit_for("catalog_setting", "synonyms")
        .await
        .unwrap();
    assert_eq!(trail.len(), 1);
}
