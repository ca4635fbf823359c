//! The field app's server side (issue 12), through HTTP as the phone calls it, on SQLite and
//! PostgreSQL: the area's records kept on the phone (personal data masked), a registration
//! sent twice with one key made once, refused input naming its fields, an edit of a record
//! changed on the server since the download coming back as a conflict, the masked NIK kept,
//! a photo sent twice kept once, notes and photos on the business's page, and the scope; a
//! phone-sized photo over the global body limit kept, and keys that are each account's own, a
//! replay with other content refused.

use crate::common;

use common::{TestApp, city, spawn_app};
use serde_json::{Value, json};

async fn send(client: &reqwest::Client, app: &TestApp, csrf: &str, body: &Value) -> (u16, Value) {
    let res = client
        .post(app.url("/lapangan/sync"))
        .header("x-csrf-token", csrf)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn photo(
    client: &reqwest::Client,
    app: &TestApp,
    csrf: &str,
    umkm: &str,
    key: &str,
) -> (u16, Value) {
    let jpeg = sentra_media::fixtures::phone_jpeg(1200, 900, 6);
    photo_bytes(client, app, csrf, umkm, key, jpeg).await
}

/// A photo sent as the app sends it: the JPEG alone as the body, record and key in the query.
async fn photo_bytes(
    client: &reqwest::Client,
    app: &TestApp,
    csrf: &str,
    umkm: &str,
    key: &str,
    jpeg: Vec<u8>,
) -> (u16, Value) {
    let res = client
        .post(app.url(&format!("/lapangan/foto?umkm={umkm}&key={key}")))
        .header("x-csrf-token", csrf)
        .header("content-type", "image/jpeg")
        .body(jpeg)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

fn registration() -> Value {
    json!({
        "name": "Warung Kopi Bu Ani",
        "owner_name": "Ani Suryani",
        "nik": "3674034107850003",
        "phone": "0812 7777 1234",
        "address": "Jl. Kenanga 3, RT 002/RW 004",
        "village_code": "36.74.03.1005",
        "sector": "kuliner",
        "modal": "2,5 juta",
        "annual_sales": "Rp 90.000.000",
        "nib": "9120301239999",
        "latitude": "-6.2701",
        "longitude": "106.7045"
    })
}

#[tokio::test]
async fn a_phone_registers_edits_and_sends_photos_once_each() {
    let app = spawn_app().await;
    app.seed(40, 12).await;
    let (op, _, csrf) = app.as_user("operator", "36.74.03").await;

    // The app's page, installable: manifest, service worker, its script.
    let res = op.get(app.url("/lapangan/")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let page = res.text().await.unwrap();
    assert!(page.contains("/lapangan/manifest.webmanifest"), "{page}");
    assert!(page.contains("/static/field."), "{page}");
    assert!(
        page.contains(r#""nik_length":"NIK harus 16 digit."#),
        "messages travel with the page"
    );
    let sw = op
        .get(app.url("/lapangan/sw.js"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        sw.contains("caches.open") && sw.contains("/static/field."),
        "{sw}"
    );
    let manifest: Value = op
        .get(app.url("/lapangan/manifest.webmanifest"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(manifest["start_url"], "/lapangan/");
    assert_eq!(manifest["display"], "standalone");

    // The area's records: Pondok Aren's only, NIK and phone masked.
    let data: Value = op
        .get(app.url("/lapangan/data"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let records = data["records"].as_array().unwrap();
    assert!(!records.is_empty());
    assert_eq!(data["total"].as_i64().unwrap(), records.len() as i64);
    for r in records {
        assert!(
            r["fields"]["village_code"]
                .as_str()
                .unwrap()
                .starts_with("36.74.03."),
            "{r}"
        );
        let nik = r["fields"]["nik"].as_str().unwrap();
        // The kabupaten/kota only: neither birth date nor serial leaves the server.
        assert!(
            nik.ends_with("••••••••••••") && nik.chars().count() == 16,
            "{nik}"
        );
    }
    assert!(
        data["villages"]
            .as_array()
            .unwrap()
            .iter()
            .all(|v| v[0].as_str().unwrap().starts_with("36.74.03."))
    );
    assert_eq!(data["csrf"], csrf);
    // Another kecamatan is not the operator's to download.
    let res = op
        .get(app.url("/lapangan/data?wilayah=36.74.01"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);

    let before = app.count().await;
    let create = json!({ "key": "k-create-0001", "kind": "create", "fields": registration(), "note": "Buka pagi, tutup Jumat." });
    // Without the session's token in the header nothing happens.
    let (status, _) = send(&op, &app, "salah", &create).await;
    assert_eq!(status, 403);
    let (status, first) = send(&op, &app, &csrf, &create).await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(first["applied"], "created");
    let id = first["record"]["id"].as_str().unwrap().to_string();
    // The same key again (the answer was lost on the way back): the same record, nothing new.
    let (status, again) = send(&op, &app, &csrf, &create).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["applied"], "replayed");
    assert_eq!(again["record"]["id"], id.as_str());
    assert_eq!(app.count().await, before + 1);
    let stored = app.db.get_umkm(&city(), &id).await.unwrap();
    assert_eq!(stored.owner_nik, "3674034107850003");
    assert_eq!(stored.owner_phone.as_deref(), Some("+6281277771234"));
    assert_eq!(stored.modal, Some(2_500_000));
    assert_eq!(stored.documents.len(), 1);
    assert_eq!(stored.status.as_str(), "draft");

    // Refused with the fields named; nothing stored.
    let mut bad = registration();
    bad["nik"] = json!("3674031");
    bad["modal"] = json!("dua juta");
    bad["nib"] = json!("12345");
    let (status, refused) = send(
        &op,
        &app,
        &csrf,
        &json!({ "key": "k-bad-00001", "kind": "create", "fields": bad }),
    )
    .await;
    assert_eq!(status, 422, "{refused}");
    let fields: Vec<&str> = refused["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    for f in ["nik", "modal", "documents.nib.number"] {
        assert!(fields.contains(&f), "{f} in {refused}");
    }
    assert_eq!(
        refused["error"]["fields"][0]["message"],
        "NIK harus 16 digit."
    );
    assert_eq!(app.count().await, before + 1);

    // An edit from the phone: masked NIK and phone sent back unchanged keep the stored ones.
    let mut edit = first["record"]["fields"].clone();
    assert!(edit["nik"].as_str().unwrap().ends_with('•'));
    edit["name"] = json!("Warung Kopi Bu Ani Jaya");
    let version = first["record"]["version"].as_i64().unwrap();
    let (status, updated) = send(&op, &app, &csrf, &json!({ "key": "k-update-0001", "kind": "update", "id": id, "version": version, "fields": edit })).await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["applied"], "updated");
    let stored = app.db.get_umkm(&city(), &id).await.unwrap();
    assert_eq!(stored.name, "Warung Kopi Bu Ani Jaya");
    assert_eq!(stored.owner_nik, "3674034107850003");
    assert_eq!(stored.owner_phone.as_deref(), Some("+6281277771234"));
    let new_version = stored.version;

    // Meanwhile the office changes the record: the phone's edit from the old version conflicts.
    let mut office = first["record"]["fields"].clone();
    office["address"] = json!("Jl. Kenanga 5");
    let (status, _) = send(&op, &app, &csrf, &json!({ "key": "k-office-001", "kind": "update", "id": id, "version": new_version, "fields": { "name": "Warung Kopi Bu Ani Jaya", "owner_name": "Ani Suryani", "nik": office["nik"], "phone": office["phone"], "address": "Jl. Kenanga 5", "village_code": "36.74.03.1005", "sector": "kuliner", "modal": "2500000", "annual_sales": "90000000", "nib": "9120301239999", "latitude": "-6.2701", "longitude": "106.7045" } })).await;
    assert_eq!(status, 200);
    let mut stale = edit.clone();
    stale["annual_sales"] = json!("120 juta");
    let (status, conflict) = send(&op, &app, &csrf, &json!({ "key": "k-stale-0001", "kind": "update", "id": id, "version": new_version, "fields": stale })).await;
    assert_eq!(status, 409, "{conflict}");
    assert_eq!(conflict["server"]["fields"]["address"], "Jl. Kenanga 5");
    assert_eq!(
        conflict["server"]["version"].as_i64().unwrap(),
        new_version + 1
    );
    let unchanged = app.db.get_umkm(&city(), &id).await.unwrap();
    assert_eq!(
        unchanged.annual_sales,
        Some(90_000_000),
        "a conflict changes nothing"
    );
    // Settled on the phone (its sales, the server's address) and sent with a new key.
    stale["address"] = json!("Jl. Kenanga 5");
    let (status, _) = send(&op, &app, &csrf, &json!({ "key": "k-settled-01", "kind": "update", "id": id, "version": new_version + 1, "fields": stale })).await;
    assert_eq!(status, 200);
    let settled = app.db.get_umkm(&city(), &id).await.unwrap();
    assert_eq!(
        (settled.annual_sales, settled.address.as_deref()),
        (Some(120_000_000), Some("Jl. Kenanga 5"))
    );

    // A photo sent twice with one key is kept once; its page shows it to those who may read it.
    let (status, p) = photo(&op, &app, &csrf, &id, "k-photo-00001").await;
    assert_eq!(status, 201, "{p}");
    let (status, p2) = photo(&op, &app, &csrf, &id, "k-photo-00001").await;
    assert_eq!(status, 200, "{p2}");
    assert_eq!(p2["replayed"], true);
    let photos = app.db.umkm_photos(&city(), &id).await.unwrap();
    assert_eq!(photos.len(), 1);
    // Turned upright (EXIF orientation 6 is a quarter turn) at the largest size.
    assert_eq!((photos[0].width, photos[0].height), (900, 1200));
    let detail = app.page(&format!("/umkm/{id}")).await;
    assert!(
        detail.contains("Buka pagi, tutup Jumat."),
        "the note is on the page"
    );
    let src = format!("/umkm/{id}/foto-lapangan/{}-sm.jpg", photos[0].id);
    assert!(detail.contains(&src), "{detail}");
    let img = app.get(&src).await;
    assert_eq!(img.status(), 200);
    assert_eq!(img.headers()["content-type"], "image/jpeg");
    let bytes = img.bytes().await.unwrap();
    assert!(
        bytes.len() > 1000 && !bytes.windows(4).any(|w| w == b"Exif"),
        "no EXIF left"
    );
    // Not for an operator of another kecamatan, nor in public.
    let (serpong, _, serpong_csrf) = app.as_user("operator", "36.74.01").await;
    assert_eq!(
        serpong.get(app.url(&src)).send().await.unwrap().status(),
        404
    );
    let (status, _) = photo(&serpong, &app, &serpong_csrf, &id, "k-photo-00002").await;
    assert_eq!(status, 404);
    let anonymous = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    assert_eq!(
        anonymous.get(app.url(&src)).send().await.unwrap().status(),
        303
    );
    // An edit of a record outside the scope is not found, and changes nothing.
    let (status, _) = send(&serpong, &app, &serpong_csrf, &json!({ "key": "k-outside-01", "kind": "update", "id": id, "version": settled.version, "fields": stale })).await;
    assert_eq!(status, 404);

    // The audit trail says where the registration came from, and keeps the chain intact.
    let trail = app.db.audit_for("umkm", &id).await.unwrap();
    let created = trail.iter().find(|e| e.action == "create").unwrap();
    let changes: Value = serde_json::from_str(&created.changes).unwrap();
    assert_eq!(changes["source"], "field");
    assert_eq!(created.actor, "operator-36-74-03@test.id");
    assert!(trail.iter().any(|e| e.action == "add_photo"));
    assert_eq!(trail.iter().filter(|e| e.action == "update").count(), 3);
    assert!(matches!(
        app.db.verify_audit().await.unwrap(),
        sentra_storage::AuditVerdict::Intact { .. }
    ));

    // A viewer may not use the field app.
    let (viewer, _, viewer_csrf) = app.as_user("viewer", "36.74.03").await;
    let (status, _) = send(
        &viewer,
        &app,
        &viewer_csrf,
        &json!({ "key": "k-viewer-001", "kind": "create", "fields": registration() }),
    )
    .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn a_registration_like_one_on_record_comes_back_as_a_possible_duplicate() {
    let app = spawn_app().await;
    let (op, _, csrf) = app.as_user("operator", "36.74.03").await;
    let (status, first) = send(
        &op,
        &app,
        &csrf,
        &json!({ "key": "k-dup-000001", "kind": "create", "fields": registration() }),
    )
    .await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(first["duplicates"], json!([]));
    // The same business registered by a second operator's phone, the name typed differently.
    let mut again = registration();
    again["name"] = json!("Warung Kopi Ibu Ani");
    let (status, second) = send(
        &op,
        &app,
        &csrf,
        &json!({ "key": "k-dup-000002", "kind": "create", "fields": again }),
    )
    .await;
    assert_eq!(status, 201, "{second}");
    let dups = second["duplicates"].as_array().unwrap();
    assert_eq!(dups.len(), 1, "{second}");
    assert_eq!(dups[0]["id"], first["record"]["id"]);
    assert_eq!(dups[0]["name"], "Warung Kopi Bu Ani");
}

/// The largest photo the page tells the app it may send.
async fn photo_max(client: &reqwest::Client, app: &TestApp) -> usize {
    let page = client
        .get(app.url("/lapangan/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let at = page
        .find("\"photo_max\":")
        .expect("the page names the photo limit")
        + 12;
    let digits: String = page[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().unwrap()
}

#[tokio::test]
async fn a_phone_sized_photo_over_the_global_body_limit_is_kept() {
    let app = spawn_app().await;
    let (op, _, csrf) = app.as_user("operator", "36.74.03").await;
    let (status, created) = send(
        &op,
        &app,
        &csrf,
        &json!({ "key": "k-big-000001", "kind": "create", "fields": registration() }),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let id = created["record"]["id"].as_str().unwrap().to_string();
    let limit = photo_max(&op, &app).await;

    // What the app sends after shrinking: a 1600 px JPEG of ~400 KB, over the 256 KiB that
    // every other request is held to.
    let jpeg = sentra_media::fixtures::busy_jpeg(1600, 1200, 400 * 1024);
    assert!(
        jpeg.len() > 256 * 1024 && jpeg.len() < limit,
        "{} bytes, limit {limit}",
        jpeg.len()
    );
    let (status, body) = photo_bytes(&op, &app, &csrf, &id, "k-big-photo-1", jpeg).await;
    assert_eq!(status, 201, "{body}");
    let photos = app.db.umkm_photos(&city(), &id).await.unwrap();
    assert_eq!(photos.len(), 1);
    assert_eq!((photos[0].width, photos[0].height), (1600, 1200));

    // Over the photo route's own limit: 413 before anything is read, nothing kept.
    let (status, _) = photo_bytes(
        &op,
        &app,
        &csrf,
        &id,
        "k-big-photo-2",
        vec![0xFF; limit + 1],
    )
    .await;
    assert_eq!(status, 413);
    assert_eq!(app.db.umkm_photos(&city(), &id).await.unwrap().len(), 1);

    // The records' route keeps the global limit.
    let mut padded = registration();
    padded["address"] = json!("x".repeat(300 * 1024));
    let (status, _) = send(
        &op,
        &app,
        &csrf,
        &json!({ "key": "k-big-000002", "kind": "create", "fields": padded }),
    )
    .await;
    assert_eq!(status, 413);
}

#[tokio::test]
async fn sync_keys_are_each_accounts_own_and_a_changed_replay_is_refused() {
    let app = spawn_app().await;
    let (a, _, a_csrf) = app.as_user("operator", "36.74.03").await;
    // A kelurahan operator whose area holds the same village.
    let (b, _, b_csrf) = app.as_user("operator", "36.74.03.1005").await;
    let before = app.count().await;

    let create = json!({ "key": "k-shared-0001", "kind": "create", "fields": registration() });
    let (status, first) = send(&a, &app, &a_csrf, &create).await;
    assert_eq!(status, 201, "{first}");
    let a_id = first["record"]["id"].as_str().unwrap().to_string();

    // Same account, same key, same content (even spaced and ordered differently): the first
    // answer again, nothing new.
    let reordered = format!(
        "{{ \"fields\": {}, \"kind\": \"create\",  \"key\": \"k-shared-0001\" }}",
        serde_json::to_string_pretty(&registration()).unwrap()
    );
    let res = a
        .post(app.url("/lapangan/sync"))
        .header("x-csrf-token", &a_csrf)
        .header("content-type", "application/json")
        .body(reordered)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let again: Value = res.json().await.unwrap();
    assert_eq!(again["applied"], "replayed");
    assert_eq!(again["record"]["id"], a_id.as_str());
    assert_eq!(app.count().await, before + 1);

    // Same key, other content: refused with a translated reason, nothing changed.
    let mut other = registration();
    other["name"] = json!("Warung Kopi Lain");
    let changed = json!({ "key": "k-shared-0001", "kind": "create", "fields": other });
    let (status, refused) = send(&a, &app, &a_csrf, &changed).await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(refused["error"]["fields"][0]["field"], "key");
    assert_eq!(refused["error"]["fields"][0]["code"], "sync_key_reused");
    assert!(
        refused["error"]["fields"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("Kunci kiriman ini sudah dipakai"),
        "{refused}"
    );
    let res = a
        .post(app.url("/lapangan/sync"))
        .header("x-csrf-token", &a_csrf)
        .header("accept-language", "en")
        .json(&changed)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let english: Value = res.json().await.unwrap();
    assert!(
        english["error"]["fields"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("This sending key was already used"),
        "{english}"
    );
    assert_eq!(app.count().await, before + 1);
    assert_eq!(
        app.db.get_umkm(&city(), &a_id).await.unwrap().name,
        "Warung Kopi Bu Ani"
    );

    // An edit's key replayed with other content changes nothing either.
    let version = first["record"]["version"].as_i64().unwrap();
    let mut edit = first["record"]["fields"].clone();
    edit["name"] = json!("Warung Kopi Bu Ani Jaya");
    let update = json!({ "key": "k-shared-upd1", "kind": "update", "id": a_id, "version": version, "fields": edit });
    let (status, updated) = send(&a, &app, &a_csrf, &update).await;
    assert_eq!(status, 200, "{updated}");
    let mut edit2 = edit.clone();
    edit2["name"] = json!("Warung Kopi Lain Lagi");
    let (status, _) = send(&a, &app, &a_csrf, &json!({ "key": "k-shared-upd1", "kind": "update", "id": a_id, "version": version, "fields": edit2 })).await;
    assert_eq!(status, 422);
    let stored = app.db.get_umkm(&city(), &a_id).await.unwrap();
    assert_eq!(
        (stored.name.as_str(), stored.version),
        ("Warung Kopi Bu Ani Jaya", version + 1)
    );

    // Another account sending A's very request gets a record of its own, not A's answer.
    let (status, theirs) = send(&b, &app, &b_csrf, &create).await;
    assert_eq!(status, 201, "{theirs}");
    assert_eq!(theirs["applied"], "created");
    let b_id = theirs["record"]["id"].as_str().unwrap().to_string();
    assert_ne!(b_id, a_id);
    assert_eq!(app.count().await, before + 2);

    // Photos: the same, per account and per content.
    let (status, _) = photo(&a, &app, &a_csrf, &a_id, "k-shared-foto").await;
    assert_eq!(status, 201);
    let (status, replay) = photo(&a, &app, &a_csrf, &a_id, "k-shared-foto").await;
    assert_eq!((status, &replay["replayed"]), (200, &json!(true)));
    let other_jpeg = sentra_media::fixtures::phone_jpeg(1000, 800, 1);
    let (status, refused) =
        photo_bytes(&a, &app, &a_csrf, &a_id, "k-shared-foto", other_jpeg).await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(refused["error"]["fields"][0]["code"], "sync_key_reused");
    assert_eq!(app.db.umkm_photos(&city(), &a_id).await.unwrap().len(), 1);
    let (status, _) = photo(&b, &app, &b_csrf, &b_id, "k-shared-foto").await;
    assert_eq!(status, 201);
    assert_eq!(app.db.umkm_photos(&city(), &b_id).await.unwrap().len(), 1);
}
