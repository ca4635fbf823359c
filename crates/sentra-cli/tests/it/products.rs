//! Products in storage, on SQLite and PostgreSQL: created and changed within the scope,
//! validated with named problems, audited, versioned, and listed in the e-katalog only when
//! the readiness checklist is met.

use crate::common;

use common::{HOME, chips, spawn_app};
use sentra_domain::product::validate_product;
use sentra_domain::region::RegionCode;
use sentra_domain::scope::Scope;
use sentra_storage::{Actor, StorageError};

#[tokio::test]
async fn products_are_kept_within_scope_audited_and_listed_only_when_ready() {
    let app = spawn_app().await;
    app.seed(3, 11).await;
    let home = Scope::region(RegionCode::parse(HOME).unwrap());
    let first = app.first_umkm().await;
    let umkm = &first;
    let categories = app.db.product_categories().await.unwrap();
    assert!(
        categories
            .iter()
            .any(|c| c.code == "makanan.keripik" && c.food)
    );

    // Bad input is refused with the field named, before storage sees it.
    let mut bad = chips("published");
    bad.price = "lima ribu".into();
    let errors = validate_product(&bad, &categories).unwrap_err();
    let code = errors.for_field("price").next().map(|e| e.code);
    assert!(code.is_some_and(|c| c.starts_with("rupiah_")), "{code:?}");

    let data = validate_product(&chips("published"), &categories).unwrap();
    let actor = Actor::system("kurator");
    let created = app
        .db
        .create_product(&home, &umkm.id, &data, &actor)
        .await
        .unwrap();
    assert!(
        created.slug.starts_with("keripik-singkong-pedas-"),
        "{}",
        created.slug
    );
    assert_eq!(created.data.price, Some(15_000));
    assert_eq!(created.version, 1);

    // Another kecamatan's scope does not see it, nor an owner of another business.
    let village = RegionCode::parse(&umkm.village_code).unwrap();
    let other_district = if village.as_str().starts_with("36.74.01") {
        "36.74.02"
    } else {
        "36.74.01"
    };
    let elsewhere = Scope::region(RegionCode::parse(other_district).unwrap());
    assert!(matches!(
        app.db.get_product(&elsewhere, &created.id).await,
        Err(StorageError::NotFound)
    ));
    let stranger = Scope::owned_by(RegionCode::parse(HOME).unwrap(), "someone-else".into());
    assert!(matches!(
        app.db
            .create_product(&stranger, &umkm.id, &data, &actor)
            .await,
        Err(StorageError::NotFound)
    ));

    // An update at the old version is a conflict; at the current one it is audited.
    let mut cheaper = chips("published");
    cheaper.price = "12.500".into();
    let cheaper = validate_product(&cheaper, &categories).unwrap();
    let updated = app
        .db
        .update_product(&home, &created.id, 1, &cheaper, &actor)
        .await
        .unwrap();
    assert_eq!((updated.data.price, updated.version), (Some(12_500), 2));
    assert!(matches!(
        app.db
            .update_product(&home, &created.id, 1, &cheaper, &actor)
            .await,
        Err(StorageError::Conflict)
    ));
    let trail = app.db.audit_for("product", &created.id).await.unwrap();
    let actions: Vec<&str> = trail.iter().map(|e| e.action.as_str()).collect();
    // Newest first.
    assert_eq!(actions, ["update", "create"]);
    assert!(trail[0].changes.contains("12500"), "{}", trail[0].changes);

    // The readiness checklist says what is missing, and listing is refused until it is met.
    let missing: Vec<&str> = app
        .db
        .product_readiness(&home, &created.id)
        .await
        .unwrap()
        .into_iter()
        .filter(|i| !i.met)
        .map(|i| i.code)
        .collect();
    assert!(missing.contains(&"photo"), "{missing:?}");
    match app
        .db
        .set_ekatalog_listing(&home, &created.id, true, &actor)
        .await
    {
        Err(StorageError::Invalid(e)) => {
            let named: Vec<&str> = e.iter().map(|x| x.field.as_str()).collect();
            assert_eq!(named, missing);
        }
        other => panic!("listed while not ready: {other:?}"),
    }
    let still = app.db.get_product(&home, &created.id).await.unwrap();
    assert!(!still.listed());
    assert_eq!(still.version, 2, "a refused listing changes nothing");

    let listed = app.db.products_of(&home, &umkm.id).await.unwrap();
    assert_eq!(listed.len(), 1);
    let (in_scope, total) = app.db.products_in_scope(&home, 10, 0).await.unwrap();
    assert_eq!((in_scope.len(), total), (1, 1));
    assert_eq!(in_scope[0].1, umkm.name);
}
