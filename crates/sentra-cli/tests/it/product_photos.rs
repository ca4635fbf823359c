//! Product photos through the edit page, on SQLite and PostgreSQL: a phone photo is stored in
//! three sizes without its EXIF and GPS, becomes the product's main photo in the catalogue and
//! in link previews, and meets the e-katalog's photo item; a file that is not a usable picture
//! is refused naming the file and the reason, and nothing is kept; a removed photo is gone.

use crate::common;

use std::time::{Duration, Instant};

use common::spawn_app;
use sentra_domain::product::validate_product;
use sentra_media::fixtures::phone_jpeg;
use sentra_storage::Actor;

async fn upload(app: &common::TestApp, pid: &str, files: &[(&str, Vec<u8>)]) -> reqwest::Response {
    let mut form = reqwest::multipart::Form::new().text("_csrf", app.csrf.clone());
    for (name, bytes) in files {
        form = form.part(
            "photo",
            reqwest::multipart::Part::bytes(bytes.clone()).file_name(name.to_string()),
        );
    }
    app.client
        .post(app.url(&format!("/produk/{pid}/foto")))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_phone_photo_is_kept_clean_in_three_sizes_and_shows_in_the_catalogue() {
    let app = spawn_app().await;
    app.seed(1, 4).await;
    let umkm = app.first_umkm().await;
    let categories = app.db.product_categories().await.unwrap();
    let data = validate_product(&common::chips("published"), &categories).unwrap();
    let p = app
        .db
        .create_product(&common::city(), &umkm.id, &data, &Actor::system("test"))
        .await
        .unwrap();
    let edit = app
        .get(&format!("/produk/{}", p.id))
        .await
        .text()
        .await
        .unwrap();
    assert!(edit.contains("Belum ada foto"), "{edit}");
    assert!(edit.contains("enctype=\"multipart/form-data\""), "{edit}");

    // Refused: not a picture, an iPhone HEIC; each named with its reason; nothing kept.
    let mut heic = vec![0, 0, 0, 24];
    heic.extend(b"ftypheic");
    heic.extend([0; 64]);
    for (name, bytes, reason) in [
        (
            "catatan.txt",
            b"bukan foto".to_vec(),
            "catatan.txt: bukan gambar JPEG, PNG atau WebP",
        ),
        (
            "IMG_0001.HEIC",
            heic,
            "IMG_0001.HEIC: foto HEIC (iPhone) belum bisa dibaca",
        ),
    ] {
        // Alongside a good photo: one bad file keeps none.
        let res = upload(
            &app,
            &p.id,
            &[("baik.jpg", phone_jpeg(900, 600, 1)), (name, bytes)],
        )
        .await;
        assert_eq!(res.status(), 422);
        let body = res.text().await.unwrap();
        assert!(body.contains(reason), "missing {reason}: {body}");
        assert!(app.db.product_photos(&p.id).await.unwrap().is_empty());
    }

    // A phone photo taken sideways, with a GPS position.
    let res = upload(&app, &p.id, &[("IMG_2025.jpg", phone_jpeg(2400, 1200, 6))]).await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    let photos = app.db.product_photos(&p.id).await.unwrap();
    assert_eq!(photos.len(), 1);
    assert_eq!((photos[0].width, photos[0].height), (800, 1600));
    for size in ["sm", "md", "lg"] {
        let res = app
            .get(&format!("/media/{}-{size}.jpg", photos[0].object_key))
            .await;
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["content-type"], "image/jpeg");
        assert!(
            res.headers()["cache-control"]
                .to_str()
                .unwrap()
                .contains("immutable")
        );
        let bytes = res.bytes().await.unwrap();
        assert!(!bytes.windows(4).any(|w| w == b"Exif"), "{size} keeps EXIF");
        assert!(
            bytes.starts_with(&[0xFF, 0xD8, 0xFF]),
            "{size} is not a JPEG"
        );
    }
    let readiness = app
        .db
        .product_readiness(&common::city(), &p.id)
        .await
        .unwrap();
    assert!(
        readiness.iter().any(|i| i.code == "photo" && i.met),
        "{readiness:?}"
    );

    // The public page: a gallery, and the large size in link previews (absolute).
    let page = app
        .get(&format!("/p/{}", p.slug))
        .await
        .text()
        .await
        .unwrap();
    let lg = format!("/media/{}-lg.jpg", photos[0].object_key);
    assert!(
        page.contains("<meta property=\"og:image\" content=\"https://"),
        "{page}"
    );
    assert!(page.contains(&format!("{lg}\">")), "{page}");
    assert!(page.contains("class=\"gallery\""), "{page}");
    // The catalogue's results show the small size once the index has caught up.
    let sm = format!("/media/{}-sm.jpg", photos[0].object_key);
    let started = Instant::now();
    let mut results = String::new();
    while started.elapsed() < Duration::from_secs(10) {
        results = app.get("/katalog?q=keripik").await.text().await.unwrap();
        if results.contains(&sm) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(results.contains(&sm), "{results}");

    // A second photo made the main one; then removed, and gone from the store.
    let res = upload(&app, &p.id, &[("kemasan.png", phone_jpeg(800, 800, 1))]).await;
    assert_eq!(res.status(), 303);
    let second = app.db.product_photos(&p.id).await.unwrap()[1].clone();
    let res = app
        .client
        .post(app.url(&format!("/produk/{}/foto/{}/utama", p.id, second.id)))
        .form(&[("_csrf", app.csrf.clone())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(app.db.product_photos(&p.id).await.unwrap()[0].id, second.id);
    let res = app
        .client
        .post(app.url(&format!("/produk/{}/foto/{}/hapus", p.id, second.id)))
        .form(&[("_csrf", app.csrf.clone())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(app.db.product_photos(&p.id).await.unwrap().len(), 1);
    let gone = app
        .get(&format!("/media/{}-md.jpg", second.object_key))
        .await;
    assert_eq!(gone.status(), 404);
    // Every change is in the audit trail, on the product.
    let trail = app.db.audit_for("product", &p.id).await.unwrap();
    let actions: Vec<&str> = trail.iter().map(|e| e.action.as_str()).collect();
    for want in ["photo_add", "photo_main", "photo_remove"] {
        assert!(actions.contains(&want), "{actions:?}");
    }
}

/// The new-product form takes its photos with the first save (owners used to find the photo
/// field only after saving); a refused photo shows the form again with what was typed and
/// saves nothing; the same form without photos still posts as a plain form.
#[tokio::test]
async fn a_new_product_takes_its_photos_with_the_first_save() {
    let app = spawn_app().await;
    app.seed(1, 4).await;
    let umkm = app.first_umkm().await;
    let new = app
        .get(&format!("/umkm/{}/produk/baru", umkm.id))
        .await
        .text()
        .await
        .unwrap();
    for want in [
        "enctype=\"multipart/form-data\"",
        "id=\"f-photo\" name=\"photo\" type=\"file\"",
        "Agar tampil di katalog:",
        "untuk pangan, masa simpan dalam hari",
    ] {
        assert!(new.contains(want), "missing {want}: {new}");
    }
    let form = |photo: (&str, Vec<u8>)| {
        reqwest::multipart::Form::new()
            .text("_csrf", app.csrf.clone())
            .text("name", "Keripik Singkong Balado")
            .text("category", "makanan.keripik")
            .text("price", "15.000")
            .text("unit", "pcs")
            .text("status", "draft")
            .part(
                "photo",
                reqwest::multipart::Part::bytes(photo.1).file_name(photo.0.to_string()),
            )
    };
    let post = |form: reqwest::multipart::Form| {
        app.client
            .post(app.url(&format!("/umkm/{}/produk", umkm.id)))
            .multipart(form)
            .send()
    };
    let products = || async {
        app.db
            .products_of(&common::city(), &umkm.id)
            .await
            .unwrap()
            .len()
    };
    let before = products().await;

    let res = post(form(("catatan.txt", b"bukan foto".to_vec())))
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    for want in [
        "catatan.txt: bukan gambar JPEG, PNG atau WebP",
        "Pilih fotonya lagi",
        "value=\"Keripik Singkong Balado\"",
        "href=\"#f-photo\"",
    ] {
        assert!(body.contains(want), "missing {want}: {body}");
    }
    assert_eq!(products().await, before, "nothing saved");

    let res = post(form(("IMG_2025.jpg", phone_jpeg(1200, 900, 1))))
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    let location = res.headers()["location"].to_str().unwrap().to_string();
    let pid = location
        .trim_start_matches("/produk/")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(products().await, before + 1);
    let photos = app.db.product_photos(&pid).await.unwrap();
    assert_eq!(photos.len(), 1, "the photo came with the first save");

    let plain = app
        .client
        .post(app.url(&format!("/umkm/{}/produk", umkm.id)))
        .form(&[
            ("_csrf", app.csrf.as_str()),
            ("name", "Keripik Pisang"),
            ("category", "makanan.keripik"),
            ("unit", "pcs"),
            ("status", "draft"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(plain.status(), 303);
    assert_eq!(products().await, before + 2);
}

/// A curator starts on `/kurasi`: the products she may list in the e-katalog now (every item
/// of the checklist met, not yet listed), each leading to its page; one missing its photo, or
/// already listed, is not there.
#[tokio::test]
async fn a_curator_starts_on_the_products_ready_for_the_e_katalog() {
    let app = spawn_app().await;
    let (status, created) = app
        .send_json(reqwest::Method::POST, "/api/v1/umkm", &common::valid_body())
        .await;
    assert_eq!(status, 201, "{created}");
    let umkm = created["id"].as_str().unwrap().to_string();
    app.verify(&[&umkm]).await;
    let categories = app.db.product_categories().await.unwrap();
    let mut woven = common::chips("published");
    woven.name = "Kain Tenun Ikat".into();
    woven.category = "kerajinan.tenun".into();
    woven.shelf_life_days = String::new();
    let data = validate_product(&woven, &categories).unwrap();
    let actor = Actor::system("test");
    let mut ids = Vec::new();
    for name in [
        "Kain Tenun Ikat",
        "Selendang Tenun",
        "Syal Tenun Tanpa Foto",
    ] {
        let mut d = data.clone();
        d.name = name.into();
        let p = app
            .db
            .create_product(&common::city(), &umkm, &d, &actor)
            .await
            .unwrap();
        ids.push(p.id);
    }
    for id in &ids[..2] {
        let res = upload(&app, id, &[("tenun.jpg", phone_jpeg(900, 600, 1))]).await;
        assert_eq!(res.status(), 303);
    }
    app.db
        .set_ekatalog_listing(&common::city(), &ids[1], true, &actor)
        .await
        .unwrap();

    let (curator, _, _) = app.as_user("curator", "36.74").await;
    let start = curator.get(app.url("/")).send().await.unwrap();
    assert_eq!(start.headers()["location"], "/kurasi");
    let page = common::page_as(&curator, &app, "/kurasi").await;
    let ready = page.split("id=\"ready\"").nth(1).expect(&page);
    let ready = ready.split("</ul>").next().unwrap();
    assert!(
        ready.contains(&format!(
            "<a href=\"/produk/{}#readiness\">Kain Tenun Ikat</a>",
            ids[0]
        )),
        "{ready}"
    );
    assert!(!ready.contains("Selendang"), "already listed: {ready}");
    assert!(!ready.contains("Tanpa Foto"), "no photo: {ready}");
    assert!(page.contains("href=\"/kurasi/pameran\""), "{page}");
    // Its page is where she lists it.
    let product = common::page_as(&curator, &app, &format!("/produk/{}", ids[0])).await;
    assert!(
        product.contains(&format!("action=\"/produk/{}/ekatalog\"", ids[0])),
        "{product}"
    );
}
