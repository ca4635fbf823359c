//! Every route of the router × every role (and no one) × a record inside and outside the
//! caller's region. The routes come from `sentra_web::route_rules()`, which is how the router
//! is built, so a new route is tried here the moment it exists.

use crate::common;

use sentra_domain::account::Role;
use sentra_storage::Actor;
use sentra_web::Access;

/// Name, (page client, API client, CSRF token) when signed in, and role.
type Caller = (
    String,
    Option<(reqwest::Client, reqwest::Client, String)>,
    Option<Role>,
);

#[tokio::test]
async fn every_route_answers_every_role_as_its_rule_says() {
    let app = common::spawn_app().await;
    app.seed(40, 8).await;
    let (_, page) = app
        .get_json("/api/v1/umkm?region=36.74.03&per_page=1")
        .await;
    let inside = page["items"][0]["id"].as_str().unwrap().to_string();
    let (_, page) = app
        .get_json("/api/v1/umkm?region=36.74.01&per_page=1")
        .await;
    let outside = page["items"][0]["id"].as_str().unwrap().to_string();
    // An import job in Pondok Aren and one in Serpong.
    let job = |region: &'static str| {
        let db = app.db.clone();
        async move {
            let code = sentra_domain::region::RegionCode::parse(region).unwrap();
            let headers = vec!["Nama Usaha".to_string(), "Nama Pemilik".to_string()];
            db.create_import_job(&sentra_storage::NewImportJob {
                created_by: "admin@test.id",
                scope_region: &code,
                file_name: "a.csv",
                file: b"Nama Usaha,Nama Pemilik\nKeripik,Ani\n",
                sheet: "",
                detected: "CSV",
                header_line: 1,
                headers: &headers,
                mapping: &[Some("name".into()), Some("owner_name".into())],
            })
            .await
            .unwrap()
        }
    };
    let (job_inside, job_outside) = (job("36.74.03").await, job("36.74.01").await);
    // A duplicate pair in Pondok Aren and one in Serpong.
    let pair = |region: &'static str| {
        let app = &app;
        async move {
            let (_, page) = app
                .get_json(&format!("/api/v1/umkm?region={region}&per_page=2"))
                .await;
            let mut ids: Vec<String> = page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["id"].as_str().unwrap().to_string())
                .collect();
            ids.sort();
            sqlx::any::install_default_drivers();
            let pool = sqlx::AnyPool::connect(app.test_db.direct()).await.unwrap();
            sqlx::query(
                "INSERT INTO duplicate_pairs (a_id, b_id, score, reasons, status, found_at) \
                 VALUES ($1, $2, 80, '[\"similar_name\"]', 'open', '2026-01-01T00:00:00.000Z')",
            )
            .bind(&ids[0])
            .bind(&ids[1])
            .execute(&pool)
            .await
            .unwrap();
            pool.close().await;
            format!("{}~{}", ids[0], ids[1])
        }
    };
    let (pair_inside, pair_outside) = (pair("36.74.03").await, pair("36.74.01").await);
    // A product of the record inside and one of the record outside.
    let product = |umkm: String| {
        let app = &app;
        async move {
            let categories = app.db.product_categories().await.unwrap();
            let data =
                sentra_domain::product::validate_product(&common::chips("draft"), &categories)
                    .unwrap();
            let city = sentra_domain::scope::Scope::region(
                sentra_domain::region::RegionCode::parse("36.74").unwrap(),
            );
            app.db
                .create_product(&city, &umkm, &data, &sentra_storage::Actor::system("test"))
                .await
                .unwrap()
                .id
        }
    };
    let (product_inside, product_outside) = (
        product(inside.clone()).await,
        product(outside.clone()).await,
    );
    // An activity of Pondok Aren (inside) and one of Serpong (outside).
    let activity = |region: &'static str| {
        let app = &app;
        async move {
            let input = sentra_domain::programme::activity::ActivityInput {
                kind: "klinik".into(),
                title: format!("Klinik {region}"),
                topics: vec!["halal".into()],
                organiser: "kecamatan".into(),
                region: region.into(),
                venue: "Aula".into(),
                start_date: "2027-02-03".into(),
                start_time: "09:00".into(),
                end_time: "12:00".into(),
                ..Default::default()
            };
            let topics: Vec<String> = app
                .db
                .activity_topics()
                .await
                .unwrap()
                .into_iter()
                .map(|t| t.code)
                .collect();
            let ctx = sentra_domain::programme::activity::ActivityContext {
                tree: sentra_domain::region::RegionTree::embedded(),
                topics: &topics,
                sectors: &[],
            };
            let data = sentra_domain::programme::activity::validate_activity(&input, &ctx).unwrap();
            app.db
                .create_activity(&common::city(), &data, None, &Actor::system("test"))
                .await
                .unwrap()
                .id
        }
    };
    let (activity_inside, activity_outside) =
        (activity("36.74.03").await, activity("36.74.01").await);
    // A government unit of Pondok Aren (the kecamatan office) and one of Serpong, each with a
    // purchase.
    let unit = |region: &'static str| {
        let app = &app;
        async move {
            let code = sentra_domain::region::RegionCode::parse(region).unwrap();
            let actor = Actor::system("test");
            let unit = app
                .db
                .create_unit(
                    &common::city(),
                    &code,
                    "1",
                    &format!("Kantor Kecamatan {region}"),
                    &actor,
                )
                .await
                .unwrap();
            let year = chrono::Datelike::year(&chrono::Utc::now());
            let p = sentra_domain::procurement::validate_purchase(
                &sentra_domain::procurement::PurchaseInput {
                    package: "A-1",
                    value: "1 jt",
                    ordered_on: &format!("{year}-01-02"),
                    method: "pengadaan_langsung",
                    supplier_type: "mikro",
                    ..Default::default()
                },
                year,
                None,
                common::today(),
            )
            .unwrap();
            let purchase = app
                .db
                .record_purchase(
                    &common::city(),
                    &unit.id,
                    &p,
                    &sentra_storage::Supplier::Other {
                        name: "Toko".into(),
                    },
                    None,
                    &actor,
                )
                .await
                .unwrap();
            (unit.id, purchase)
        }
    };
    let ((unit_inside, purchase_inside), (unit_outside, purchase_outside)) =
        (unit("36.74.03").await, unit("36.74.01").await);
    // A flagship product round of Pondok Aren and one of Serpong.
    let round = |region: &'static str| {
        let app = &app;
        async move {
            let code = sentra_domain::region::RegionCode::parse(region).unwrap();
            app.db
                .create_round(
                    &common::city(),
                    &code,
                    2026,
                    "Produk unggulan",
                    &Actor::system("test"),
                )
                .await
                .unwrap()
        }
    };
    let (round_inside, round_outside) = (round("36.74.03").await, round("36.74.01").await);
    // A partner of Pondok Aren (its partner account is the test's partner caller) with a
    // request, and one of Serpong; an exhibition and a gallery item of each.
    let partner = |region: &'static str| {
        let app = &app;
        async move {
            let code = sentra_domain::region::RegionCode::parse(region).unwrap();
            let scope = common::city();
            let actor = Actor::system("test");
            let id = app
                .db
                .create_partner(
                    &scope,
                    &sentra_storage::NewPartner {
                        region: code.clone(),
                        name: format!("Hotel {region}"),
                        kind: sentra_domain::partnership::PartnerKind::Hotel,
                        contact_name: None,
                        contact_phone: None,
                        contact_email: None,
                        notes: None,
                        user_login: Some(format!("partner-{}@test.id", region.replace('.', "-"))),
                    },
                    &actor,
                )
                .await
                .unwrap();
            let request = sentra_domain::partnership::validate_request(
                &sentra_domain::partnership::RequestInput {
                    title: "Selendang".into(),
                    quantity: "10".into(),
                    deliver_by: "2099-01-01".into(),
                    ..Default::default()
                },
                common::today(),
            )
            .unwrap();
            let request = app
                .db
                .create_request(&scope, &id, &request, None, &actor)
                .await
                .unwrap();
            let exhibition = sentra_domain::partnership::validate_exhibition(
                &sentra_domain::partnership::ExhibitionInput {
                    title: "Pameran".into(),
                    kind: "online".into(),
                    starts_on: "2027-01-01".into(),
                    ends_on: "2027-01-02".into(),
                    ..Default::default()
                },
            )
            .unwrap();
            let exhibition = app
                .db
                .create_exhibition(&scope, &code, &exhibition, &actor)
                .await
                .unwrap();
            (id, request, exhibition)
        }
    };
    let (
        (partner_inside, request_inside, exhibition_inside),
        (partner_outside, request_outside, exhibition_outside),
    ) = (partner("36.74.03").await, partner("36.74.01").await);
    // The inside request's shortlist holds the inside product (the outcome's `{product}`).
    app.db
        .shortlist_product(
            &common::city(),
            &request_inside,
            &product_inside,
            &Actor::system("test"),
        )
        .await
        .unwrap();
    let item = |region: &'static str, umkm: String| {
        let app = &app;
        async move {
            let scope = sentra_domain::scope::Scope::region(
                sentra_domain::region::RegionCode::parse(region).unwrap(),
            );
            app.db
                .consign(
                    &scope,
                    &umkm,
                    None,
                    "Selendang",
                    3,
                    sentra_domain::gallery::Terms {
                        consignment_price: 80_000,
                        gallery_price: 100_000,
                    },
                    common::today(),
                    &Actor::system("test"),
                )
                .await
                .unwrap()
                .id
        }
    };
    let (item_inside, item_outside) = (
        item("36.74.03", inside.clone()).await,
        item("36.74.01", outside.clone()).await,
    );
    // A message waiting for the operator's phone, to the record inside and the one outside.
    let message = |umkm: String, village: &'static str, key: &'static str| {
        let db = app.db.clone();
        async move {
            let new = sentra_storage::NewMessage {
                dedup_key: key.into(),
                umkm_id: Some(umkm.clone()),
                recipient_name: "Usaha uji".into(),
                village_code: sentra_domain::region::RegionCode::parse(village).unwrap(),
                channel: sentra_domain::messaging::Channel::Phone,
                address: "+6281234567890".into(),
                purpose: sentra_domain::messaging::Purpose::Broadcast,
                lang: "id".into(),
                subject: None,
                body: "Halo".into(),
                due_at: 0,
                stop_token: sentra_storage::new_secret(),
            };
            db.queue_messages(&[new], &Actor::system("test"))
                .await
                .unwrap();
            db.messages_of(
                &sentra_domain::scope::Scope::region(
                    sentra_domain::region::RegionCode::parse("36").unwrap(),
                ),
                &umkm,
            )
            .await
            .unwrap()[0]
                .id
                .clone()
        }
    };
    let inside_village = app
        .db
        .get_umkm(&common::city(), &inside)
        .await
        .unwrap()
        .village_code;
    let outside_village = app
        .db
        .get_umkm(&common::city(), &outside)
        .await
        .unwrap()
        .village_code;
    let (message_inside, message_outside) = (
        message(
            inside.clone(),
            Box::leak(inside_village.into_boxed_str()),
            "authz-in",
        )
        .await,
        message(
            outside.clone(),
            Box::leak(outside_village.into_boxed_str()),
            "authz-out",
        )
        .await,
    );
    // A field photo of the record inside, sent the way the field app sends it.
    let res = app
        .client
        .post(app.url(&format!(
            "/lapangan/foto?umkm={inside}&key=authz-photo-0001"
        )))
        .header("x-csrf-token", &app.csrf)
        .header("content-type", "image/jpeg")
        .body(sentra_media::fixtures::phone_jpeg(640, 480, 1))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let field_photo: serde_json::Value = res.json().await.unwrap();
    let field_photo = format!("{}-sm.jpg", field_photo["photo"].as_str().unwrap());
    // Every caller below works in Pondok Aren (36.74.03).
    let before = app.count().await;

    let mut rules = sentra_web::route_rules();
    assert!(rules.len() >= 20, "{rules:?}");
    // Sign-out last, so it does not end the session the other requests use.
    rules.sort_by_key(|r| r.path == "/logout");

    let mut callers: Vec<Caller> = vec![("anonymous".into(), None, None)];
    for role in Role::ALL {
        callers.push((
            role.as_str().into(),
            Some(app.as_user(role.as_str(), "36.74.03").await),
            Some(role),
        ));
    }
    // Each caller's own export job (exports are their requester's only), and another user's.
    let scope03 = sentra_domain::scope::Scope::region(
        sentra_domain::region::RegionCode::parse("36.74.03").unwrap(),
    );
    let mut own_export: Vec<(Role, String)> = Vec::new();
    for role in Role::ALL {
        let login = format!("{}-36-74-03@test.id", role.as_str());
        let id = app
            .db
            .create_export_job(&login, &scope03, "", "xlsx", false)
            .await
            .unwrap();
        own_export.push((role, id));
    }
    let foreign_export = app
        .db
        .create_export_job("admin@test.id", &scope03, "", "xlsx", false)
        .await
        .unwrap();
    // The same for bulk jobs: each caller's own, and another user's.
    let mut own_bulk: Vec<(Role, String)> = Vec::new();
    for role in Role::ALL {
        let login = format!("{}-36-74-03@test.id", role.as_str());
        let id = app
            .db
            .create_bulk_job(&login, &scope03, "verify", "", Some(&[]), None)
            .await
            .unwrap();
        own_bulk.push((role, id));
    }
    let foreign_bulk = app
        .db
        .create_bulk_job("admin@test.id", &scope03, "verify", "", Some(&[]), None)
        .await
        .unwrap();
    // Each caller's own procurement upload (only its uploader saves it), and another user's: a
    // file whose unit is unknown, so saving it writes nothing.
    let file = b"Kode OPD,No. Paket,Nilai Paket,Tanggal Pesanan,Metode,Jenis Pemasok,Nama Pemasok\n9.9,P,1 jt,02/01/2026,PL,mikro,Toko\n";
    let mut own_upload: Vec<(Role, String)> = Vec::new();
    for role in Role::ALL {
        let login = format!("{}-36-74-03@test.id", role.as_str());
        let code = sentra_domain::region::RegionCode::parse("36.74.03").unwrap();
        let id = app
            .db
            .save_procurement_upload(&login, &code, "a.csv", file)
            .await
            .unwrap();
        own_upload.push((role, id));
    }
    let foreign_upload = app
        .db
        .save_procurement_upload(
            "admin@test.id",
            &sentra_domain::region::RegionCode::parse("36.74.03").unwrap(),
            "a.csv",
            file,
        )
        .await
        .unwrap();
    let anonymous = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut checked = 0;
    for (who, clients, role) in &callers {
        for rule in &rules {
            let fixtures: Vec<(&str, Option<&String>)> = if rule.path.contains("{id}") {
                vec![("inside", Some(&inside)), ("outside", Some(&outside))]
            } else if rule.path.contains("{job}") {
                vec![
                    ("inside", Some(&job_inside)),
                    ("outside", Some(&job_outside)),
                ]
            } else if rule.path.contains("{export}") {
                let own = own_export
                    .iter()
                    .find(|(r, _)| Some(*r) == *role)
                    .map_or(&foreign_export, |(_, id)| id);
                vec![("inside", Some(own)), ("outside", Some(&foreign_export))]
            } else if rule.path.contains("{bulk}") {
                let own = own_bulk
                    .iter()
                    .find(|(r, _)| Some(*r) == *role)
                    .map_or(&foreign_bulk, |(_, id)| id);
                vec![("inside", Some(own)), ("outside", Some(&foreign_bulk))]
            } else if rule.path.contains("{upload}") {
                let own = own_upload
                    .iter()
                    .find(|(r, _)| Some(*r) == *role)
                    .map_or(&foreign_upload, |(_, id)| id);
                vec![("inside", Some(own)), ("outside", Some(&foreign_upload))]
            } else if rule.path.contains("{partner}") {
                vec![
                    ("inside", Some(&partner_inside)),
                    ("outside", Some(&partner_outside)),
                ]
            } else if rule.path.contains("{request}") {
                vec![
                    ("inside", Some(&request_inside)),
                    ("outside", Some(&request_outside)),
                ]
            } else if rule.path.contains("{exhibition}") {
                vec![
                    ("inside", Some(&exhibition_inside)),
                    ("outside", Some(&exhibition_outside)),
                ]
            } else if rule.path.contains("{item}") {
                vec![
                    ("inside", Some(&item_inside)),
                    ("outside", Some(&item_outside)),
                ]
            } else if rule.path.contains("{round}") {
                vec![
                    ("inside", Some(&round_inside)),
                    ("outside", Some(&round_outside)),
                ]
            } else if rule.path.contains("{unit}") {
                vec![
                    ("inside", Some(&unit_inside)),
                    ("outside", Some(&unit_outside)),
                ]
            } else if rule.path.contains("{purchase}") {
                vec![
                    ("inside", Some(&purchase_inside)),
                    ("outside", Some(&purchase_outside)),
                ]
            } else if rule.path.contains("{pid}") {
                vec![
                    ("inside", Some(&product_inside)),
                    ("outside", Some(&product_outside)),
                ]
            } else if rule.path.contains("{activity}") {
                vec![
                    ("inside", Some(&activity_inside)),
                    ("outside", Some(&activity_outside)),
                ]
            } else if rule.path.contains("{message}") {
                vec![
                    ("inside", Some(&message_inside)),
                    ("outside", Some(&message_outside)),
                ]
            } else if rule.path.contains("{pair}") {
                vec![
                    ("inside", Some(&pair_inside)),
                    ("outside", Some(&pair_outside)),
                ]
            } else {
                vec![("-", None)]
            };
            for (where_, id) in fixtures {
                // A photo of the product (removed by an earlier caller's request: put back).
                let photo = match id.filter(|_| rule.path.contains("{photo}")) {
                    Some(pid) => {
                        let new = sentra_storage::NewPhoto::for_product(pid, 800, 600);
                        match app.db.product_photos(pid).await.unwrap().first() {
                            Some(kept) => kept.id.clone(),
                            None => {
                                app.db
                                    .add_product_photo(
                                        &common::city(),
                                        pid,
                                        &new,
                                        &Actor::system("test"),
                                    )
                                    .await
                                    .unwrap();
                                new.id
                            }
                        }
                    }
                    None => String::new(),
                };
                let path = rule
                    .path
                    .replace("{photo}", &photo)
                    .replace("{id}", id.map_or("", |s| s.as_str()))
                    .replace("{job}", id.map_or("", |s| s.as_str()))
                    .replace("{pair}", id.map_or("", |s| s.as_str()))
                    .replace("{pid}", id.map_or("", |s| s.as_str()))
                    .replace("{export}", id.map_or("", |s| s.as_str()))
                    .replace("{bulk}", id.map_or("", |s| s.as_str()))
                    .replace("{activity}", id.map_or("", |s| s.as_str()))
                    .replace("{unit}", id.map_or("", |s| s.as_str()))
                    .replace("{purchase}", id.map_or("", |s| s.as_str()))
                    .replace("{upload}", id.map_or("", |s| s.as_str()))
                    .replace("{round}", id.map_or("", |s| s.as_str()))
                    .replace("{secret}", "tidak-ada")
                    .replace("{message}", id.map_or("", |s| s.as_str()))
                    .replace("{token}", &"ab".repeat(32))
                    .replace("{channel}", "whatsapp")
                    .replace("{section}", "0")
                    .replace("{partner}", id.map_or("", |s| s.as_str()))
                    .replace("{request}", id.map_or("", |s| s.as_str()))
                    .replace("{exhibition}", id.map_or("", |s| s.as_str()))
                    .replace("{item}", id.map_or("", |s| s.as_str()))
                    .replace("{slug}", "tidak-ada")
                    .replace("{code}", "36.74")
                    .replace("{file}", &field_photo)
                    .replace("{export_file}", "kemenumkm-data-umkm.csv")
                    .replace("{product}", &product_inside)
                    .replace("{category}", "makanan.keripik");
                let api = path.starts_with("/api/");
                let client = match clients {
                    Some((pages, apic, _)) => {
                        if api {
                            apic
                        } else {
                            pages
                        }
                    }
                    None => &anonymous,
                };
                let csrf = clients.as_ref().map_or(String::new(), |c| c.2.clone());
                let mut req = client.request(rule.method.parse().unwrap(), app.url(&path));
                if rule.method != "GET" {
                    req = if api {
                        req.json(&serde_json::json!({}))
                    } else {
                        // Forms carry the token in a field, the field app in a header.
                        req.form(&[("_csrf", csrf.as_str())])
                            .header("x-csrf-token", csrf.as_str())
                    };
                }
                let res = req.send().await.unwrap();
                let status = res.status().as_u16();
                let to_login = status == 303
                    && res
                        .headers()
                        .get("location")
                        .and_then(|v| v.to_str().ok())
                        .is_some_and(|l| l.starts_with("/login?next="));
                let ctx = format!("{who} {} {path} ({where_}): {status}", rule.method);
                assert!(status < 500, "{ctx}");
                // A refusal on a page is a page (with the menu), never JSON; only the API and
                // the field app's script read JSON.
                let script =
                    ["/lapangan/data", "/lapangan/sync", "/lapangan/foto"].contains(&path.as_str());
                if !api && !script && status >= 400 {
                    let kind = res
                        .headers()
                        .get("content-type")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_string();
                    assert!(!kind.contains("json"), "{ctx}: {kind}");
                }
                let denied_anonymous = if api { status == 401 } else { to_login };
                match (rule.access, role) {
                    (Access::Public, _) => assert!(status != 403 && !to_login, "{ctx}"),
                    (_, None) => assert!(denied_anonymous, "{ctx}"),
                    (Access::SignedIn, Some(_)) => {
                        assert!(status != 401 && status != 403 && !to_login, "{ctx}");
                    }
                    (Access::Role(p), Some(r)) if !r.can(p) => assert_eq!(status, 403, "{ctx}"),
                    // Every caller here is a kecamatan's: what holds city-wide is not theirs to
                    // change, whatever the role.
                    (Access::HomeWide(_), Some(_)) => assert_eq!(status, 403, "{ctx}"),
                    // Owners see only businesses they own: neither record fixture is theirs (their
                    // own export job is).
                    (Access::Role(_), Some(r))
                        if where_ == "outside"
                            || *r == Role::Owner
                                && where_ == "inside"
                                && !rule.path.contains("{export}")
                                && !rule.path.contains("{upload}") =>
                    {
                        assert_eq!(status, 404, "{ctx}");
                    }
                    (Access::Role(_), Some(_)) => {
                        assert!(![401, 403, 404].contains(&status) && !to_login, "{ctx}");
                    }
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 200, "{checked}");
    // Empty bodies changed nothing (the record outside the scope above all).
    assert_eq!(app.count().await, before);
    let scope = sentra_domain::scope::Scope::region(
        sentra_domain::region::RegionCode::parse("36.74").unwrap(),
    );
    assert_eq!(app.db.get_umkm(&scope, &outside).await.unwrap().version, 1);
    assert_eq!(
        app.db
            .get_product(&scope, &product_outside)
            .await
            .unwrap()
            .version,
        1
    );
}

#[tokio::test]
async fn a_refusal_on_a_page_is_a_page_with_the_menu() {
    let app = common::spawn_app().await;
    // A procurement officer opening the registry, a viewer the new-activity form.
    for (role, path) in [("procurement", "/umkm"), ("viewer", "/kegiatan/baru")] {
        let (pages, _, _) = app.as_user(role, "36.74").await;
        let res = pages.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 403, "{role} {path}");
        assert!(
            res.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        let page = res.text().await.unwrap();
        assert!(
            page.contains("action=\"/logout\""),
            "the menu with sign-out: {page}"
        );
        assert!(!page.contains("\"error\""), "{page}");
    }
    // A form sent with a stale token.
    let res = app
        .client
        .post(app.url("/logout"))
        .form(&[("_csrf", "basi")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
}
