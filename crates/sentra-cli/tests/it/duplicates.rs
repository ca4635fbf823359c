//! Duplicates in the registry: found when a record is written and by the batch check, reviewed
//! in the queue, merged field by field (the other record kept with its history, audited) or
//! dismissed for good; on SQLite and PostgreSQL.

use crate::common;

use reqwest::Method;
use sentra_domain::region::RegionCode;
use sentra_domain::scope::Scope;

async fn create(app: &common::TestApp, body: serde_json::Value) -> String {
    let (status, created) = app.send_json(Method::POST, "/api/v1/umkm", &body).await;
    assert_eq!(status, 201, "{created}");
    created["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_second_registration_of_one_business_is_queued_compared_and_merged() {
    let app = common::spawn_app().await;
    let scope = Scope::region(RegionCode::parse(common::HOME).unwrap());
    // The business as an operator registered it: no NIB, another phone.
    let mut first = common::valid_body();
    first["name"] = "Keripik Tempe Bu Sri".into();
    first["phone"] = "0813 1111 2222".into();
    first["documents"] = serde_json::json!([]);
    first["links"] = serde_json::json!({});
    let a = create(&app, first).await;
    // The same business from the owner's own registration: legal form in the name, its NIB.
    let mut second = common::valid_body();
    second["name"] = "UD. Keripik Tempe Sri".into();
    let b = create(&app, second).await;
    // Another business of the kelurahan, nothing alike.
    let mut other = common::valid_body();
    other["name"] = "Bengkel Las Jaya".into();
    other["owner_name"] = "Joko Santoso".into();
    other["nik"] = "3674031203850001".into();
    other["phone"] = "0857 9999 0000".into();
    other["documents"] = serde_json::json!([]);
    create(&app, other).await;

    let (pairs, total) = app.db.duplicate_queue(&scope, 10, 0).await.unwrap();
    assert_eq!(total, 1, "{pairs:?}");
    assert!(
        pairs[0].reasons.contains(&"same_nik".to_string()),
        "{pairs:?}"
    );
    assert!(pairs[0].score >= 75);
    let queue = app.get("/umkm/duplicates").await.text().await.unwrap();
    assert!(queue.contains("1 pasangan menunggu pemeriksaan"), "{queue}");
    assert!(queue.contains("NIK sama"), "{queue}");
    let pair_path = format!("/umkm/duplicates/{}~{}", pairs[0].a_id, pairs[0].b_id);
    assert!(queue.contains(&pair_path), "{queue}");
    // The record's own page points to the pair.
    let page = app.get(&format!("/umkm/{a}")).await.text().await.unwrap();
    assert!(page.contains("Mungkin duplikat dari"), "{page}");

    let compare = app.get(&pair_path).await.text().await.unwrap();
    assert!(compare.contains("UD. Keripik Tempe Sri"), "{compare}");
    // The NIB only the second record has is proposed whichever record carries on.
    assert!(compare.contains("9120301234567"), "{compare}");

    let rec_a = app.db.get_umkm(&scope, &a).await.unwrap();
    let rec_b = app.db.get_umkm(&scope, &b).await.unwrap();
    let (va, vb) = (rec_a.version.to_string(), rec_b.version.to_string());
    let (keep_side, other_side) = if pairs[0].a_id == a {
        ("a", "b")
    } else {
        ("b", "a")
    };
    let (version_a, version_b) = if pairs[0].a_id == a {
        (&va, &vb)
    } else {
        (&vb, &va)
    };
    let before = app.count().await;
    let res = app
        .post_form(
            &format!("{pair_path}/merge"),
            &[
                ("keep", keep_side),
                ("version_a", version_a),
                ("version_b", version_b),
                ("choice.name", keep_side),
                ("choice.phone", keep_side),
                ("choice.documents.nib", other_side),
                ("choice.documents.pirt", other_side),
            ],
        )
        .await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    assert_eq!(
        res.headers()["location"].to_str().unwrap(),
        format!("/umkm/{a}?done=merged")
    );
    let kept = app.db.get_umkm(&scope, &a).await.unwrap();
    assert_eq!(kept.name, "Keripik Tempe Bu Sri");
    assert_eq!(kept.owner_phone.as_deref(), Some("+6281311112222"));
    assert!(
        kept.documents.iter().any(|d| d.number == "9120301234567"),
        "{:?}",
        kept.documents
    );
    // The other record stays, with its history, out of the lists.
    let gone = app.db.get_umkm(&scope, &b).await.unwrap();
    assert_eq!(gone.merged_into.as_deref(), Some(a.as_str()));
    assert_eq!(gone.name, "UD. Keripik Tempe Sri");
    assert_eq!(app.count().await, before - 1);
    let page = app.get(&format!("/umkm/{b}")).await.text().await.unwrap();
    assert!(page.contains("sudah digabung ke"), "{page}");
    // It names the record it went into, and offers no status change: nothing to verify here.
    assert!(
        page.contains(&format!("<a href=\"/umkm/{a}\">Keripik Tempe Bu Sri</a>")),
        "{page}"
    );
    assert!(!page.contains("/status\""), "{page}");
    let res = app
        .post_form(&format!("/umkm/{b}/status"), &[("status", "verified")])
        .await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("sudah digabung ke data lain"),
        "the refusal says why"
    );
    assert_eq!(
        app.db.get_umkm(&scope, &b).await.unwrap().status,
        gone.status
    );
    // The kept record's history says it in words: the action's label, fields by their labels,
    // no keys and no ids.
    let page = app.page(&format!("/umkm/{a}")).await;
    let history = &page[page.find("id=\"history\"").expect("history section")..];
    assert!(history.contains("Digabung dengan data lain"), "{history}");
    assert!(history.contains("Digabung dari: data lain"), "{history}");
    for raw in ["audit.merge", "owner_phone", "merged_from", &b] {
        assert!(!history.contains(raw), "{raw} in {history}");
    }
    let history_a = app.db.audit_for("umkm", &a).await.unwrap();
    let merge = history_a.iter().find(|e| e.action == "merge").unwrap();
    assert!(merge.changes.contains(&b), "{}", merge.changes);
    let history_b = app.db.audit_for("umkm", &b).await.unwrap();
    assert!(history_b.iter().any(|e| e.action == "create"));
    assert!(history_b.iter().any(|e| e.action == "merged_into"));
    assert_eq!(app.db.duplicate_queue(&scope, 10, 0).await.unwrap().1, 0);

    // The same form again: the pair is decided, nothing changes.
    let res = app
        .post_form(
            &format!("{pair_path}/merge"),
            &[
                ("keep", keep_side),
                ("version_a", version_a),
                ("version_b", version_b),
            ],
        )
        .await;
    assert_eq!(res.status(), 409);
    assert_eq!(
        app.db.get_umkm(&scope, &a).await.unwrap().version,
        kept.version
    );
    // A batch check does not bring a decided pair back.
    let outcome = app.db.scan_duplicates(&scope).await.unwrap();
    assert_eq!(outcome.new_pairs, 0, "{outcome:?}");
}

#[tokio::test]
async fn not_a_duplicate_is_remembered_and_the_queue_keeps_to_the_scope() {
    let app = common::spawn_app().await;
    let scope = Scope::region(RegionCode::parse(common::HOME).unwrap());
    // Two namesakes' shops in one kelurahan: same generic name and owner name, no NIK or phone
    // told apart... only the NIKs differ by one digit, which the rules read as a typo.
    let mut one = common::valid_body();
    one["documents"] = serde_json::json!([]);
    one["phone"] = "".into();
    let mut two = one.clone();
    two["nik"] = "3674034506900013".into();
    let a = create(&app, one).await;
    let b = create(&app, two).await;
    let (pairs, total) = app.db.duplicate_queue(&scope, 10, 0).await.unwrap();
    assert_eq!(total, 1, "{pairs:?}");
    let pair_path = format!("/umkm/duplicates/{}~{}", pairs[0].a_id, pairs[0].b_id);

    // An operator of another kecamatan sees neither the pair nor the queue entry.
    let (serpong, _, _) = app.as_user("operator", "36.74.01").await;
    let res = serpong.get(app.url(&pair_path)).send().await.unwrap();
    assert_eq!(res.status(), 404);
    let queue = serpong
        .get(app.url("/umkm/duplicates"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(queue.contains("0 pasangan"), "{queue}");
    // A viewer may not review.
    let (viewer, _, _) = app.as_user("viewer", common::HOME).await;
    assert_eq!(
        viewer
            .get(app.url("/umkm/duplicates"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );

    let res = app.post_form(&format!("{pair_path}/dismiss"), &[]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(app.db.duplicate_queue(&scope, 10, 0).await.unwrap().1, 0);
    for id in [&a, &b] {
        let history = app.db.audit_for("umkm", id).await.unwrap();
        assert!(
            history.iter().any(|e| e.action == "not_duplicate"),
            "{history:?}"
        );
    }
    // Neither the batch check nor an edit of one of them proposes the pair again.
    assert_eq!(app.db.scan_duplicates(&scope).await.unwrap().new_pairs, 0);
    let mut edit = common::valid_body();
    edit["documents"] = serde_json::json!([]);
    edit["phone"] = "".into();
    edit["address"] = "Jl. Merdeka No. 7".into();
    edit["version"] = 1.into();
    let (status, body) = app
        .send_json(Method::PUT, &format!("/api/v1/umkm/{a}"), &edit)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(app.db.duplicate_queue(&scope, 10, 0).await.unwrap().1, 0);
    // Both records stay in the registry.
    assert_eq!(app.count().await, 2);
}

#[tokio::test]
async fn the_batch_check_fills_the_queue() {
    let app = common::spawn_app().await;
    let scope = Scope::region(RegionCode::parse(common::HOME).unwrap());
    app.seed(300, 5).await;
    // Seeding writes in bulk, without the per-record check; the queue starts empty.
    assert_eq!(app.db.duplicate_queue(&scope, 10, 0).await.unwrap().1, 0);
    // A copy of a seeded record under a reworded name.
    let (_, page) = app.get_json("/api/v1/umkm?per_page=1").await;
    let id = page["items"][0]["id"].as_str().unwrap();
    let original = app.db.get_umkm(&scope, id).await.unwrap();
    let mut copy = sentra_storage::record_input(&original);
    copy.name = format!("Toko {}", original.name);
    let data = sentra_domain::umkm::validate_umkm(
        &copy,
        &sentra_domain::umkm::ValidationContext {
            regions: sentra_domain::region::RegionTree::embedded(),
            sectors: &app
                .db
                .sectors()
                .await
                .unwrap()
                .into_iter()
                .map(|s| s.code)
                .collect::<Vec<_>>(),
            scope: scope.region_code(),
            today: chrono::Local::now().date_naive(),
        },
    )
    .unwrap();
    let rows = [sentra_storage::NewUmkm {
        data: &data,
        status: sentra_domain::umkm::UmkmStatus::Draft,
        verified_by: None,
        owner: None,
        registered: None,
    }];
    let copy_id = app
        .db
        .insert_umkm_batch(&scope, &rows, &sentra_storage::Actor::system("test"))
        .await
        .unwrap()
        .remove(0);

    // The button runs the check in the background; the pair appears in the queue.
    let res = app.post_form("/umkm/duplicates/scan", &[]).await;
    assert_eq!(res.status(), 303);
    let started = std::time::Instant::now();
    while app.db.duplicate_queue(&scope, 10, 0).await.unwrap().1 == 0 {
        assert!(
            started.elapsed().as_secs() < 60,
            "the batch check found nothing"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let (pairs, _) = app.db.duplicate_queue(&scope, 100, 0).await.unwrap();
    assert!(
        pairs.iter().any(|p| [&p.a_id, &p.b_id].contains(&&copy_id)
            && [&p.a_id, &p.b_id].contains(&&id.to_string())),
        "{pairs:?}"
    );
}

/// The registry form checks for the business before saving it (it used to save first and list
/// raw ids after): an operator sees the registered business by name and kelurahan, beside what
/// she typed, saves nothing until she says it is another business; an owner registering a
/// business like someone else's sees nothing of the other's (her scope is her own businesses).
#[tokio::test]
async fn the_form_shows_a_registered_look_alike_before_saving_and_saves_on_request() {
    let app = common::spawn_app().await;
    let registered = create(&app, common::valid_body()).await;
    let (operator, _, csrf) = app.as_user("operator", "36.74.03").await;
    let form = |csrf: &str, anyway: bool| {
        let mut f = vec![
            ("_csrf", csrf.to_string()),
            ("name", "UD Keripik Tempe Sri".to_string()),
            ("owner_name", "Sri Lestari".to_string()),
            ("nik", "3674034506900012".to_string()),
            ("sector", "kuliner".to_string()),
            ("village_code", "36.74.03.1005".to_string()),
        ];
        if anyway {
            f.push(("_new_anyway", "1".to_string()));
        }
        f
    };
    let res = operator
        .post(app.url("/umkm"))
        .form(&form(&csrf, false))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    for want in [
        "Mungkin sudah terdaftar",
        &format!(
            "<a href=\"/umkm/{registered}\" target=\"_blank\" rel=\"noopener\">Keripik Tempe Bu Sri</a>, Pondok Aren, Pondok Aren"
        ),
        "NIK sama",
        "<th scope=\"row\">Nama usaha</th><td>UD Keripik Tempe Sri</td><td>Keripik Tempe Bu Sri</td>",
        "name=\"_new_anyway\" value=\"1\"",
        "value=\"UD Keripik Tempe Sri\"",
    ] {
        assert!(page.contains(want), "missing {want}: {page}");
    }
    // Side by side only name, owner and place: not the registered NIK or phone.
    let panel = page.split("id=\"likely\"").nth(1).unwrap();
    let panel = panel.split("</section>").next().unwrap();
    assert!(
        !panel.contains("3674034506900012") && !panel.contains("3456"),
        "{panel}"
    );
    assert_eq!(app.count().await, 1, "nothing saved yet");

    let res = operator
        .post(app.url("/umkm"))
        .form(&form(&csrf, true))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    assert_eq!(app.count().await, 2);

    // An owner typing the same NIK learns nothing of the registered business.
    let (owner, _, owner_csrf) = app.as_user("owner", "36.74").await;
    let res = owner
        .post(app.url("/umkm"))
        .form(&form(&owner_csrf, false))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    assert_eq!(app.count().await, 3);
}
