//! Sign-in, sessions, CSRF, throttling, tokens, roles and region scope, through HTTP.

use crate::common;

use common::{spawn_app, valid_body};
use reqwest::Method;
use sentra_domain::region::RegionCode;
use sentra_domain::scope::Scope;
use serde_json::json;

#[tokio::test]
async fn nothing_of_the_registry_without_signing_in() {
    let app = spawn_app().await;
    app.seed(10, 1).await;
    let anon = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = anon
        .get(app.url("/umkm?district=36.74.03"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()["location"],
        "/login?next=%2Fumkm%3Fdistrict%3D36.74.03"
    );
    for (method, path) in [
        ("GET", "/api/v1/umkm"),
        ("POST", "/api/v1/umkm"),
        ("GET", "/api/v1/umkm/x"),
    ] {
        let res = anon
            .request(method.parse().unwrap(), app.url(path))
            .json(&valid_body())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401, "{method} {path}");
    }
    let res = anon
        .get(app.url("/api/v1/umkm"))
        .header("authorization", "Bearer snt_forged")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    // Region reference data is public.
    assert_eq!(
        anon.get(app.url("/api/v1/regions/36.74"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        anon.get(app.url("/login")).send().await.unwrap().status(),
        200
    );
    assert_eq!(app.count().await, 10);
}

#[tokio::test]
async fn operator_of_pondok_aren_sees_only_pondok_aren() {
    let app = spawn_app().await;
    app.seed(300, 5).await;
    let (pages, api, csrf) = app.as_user("operator", "36.74.03").await;
    let (_, all) = app.get_json("/api/v1/umkm?per_page=200").await;
    let (_, mine) = {
        let res = api
            .get(app.url("/api/v1/umkm?per_page=200"))
            .send()
            .await
            .unwrap();
        (res.status(), res.json::<serde_json::Value>().await.unwrap())
    };
    let (_, pondok) = app
        .get_json("/api/v1/umkm?region=36.74.03&per_page=1")
        .await;
    assert_eq!(mine["total"], pondok["total"]);
    assert!(mine["total"].as_i64().unwrap() < all["total"].as_i64().unwrap());
    assert!(
        mine["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["village_code"].as_str().unwrap().starts_with("36.74.03."))
    );
    // Her form offers her kecamatan alone, already chosen, and its kelurahan (issue 31: all
    // seven were offered and six failed after submit).
    let form = common::page_as(&pages, &app, "/umkm/new").await;
    let district = form
        .split("name=\"district\"")
        .nth(1)
        .and_then(|rest| rest.split("</select>").next())
        .expect("the kecamatan picker");
    assert_eq!(
        district.matches("<option value=\"36.").count(),
        1,
        "{district}"
    );
    assert!(
        district.contains("<option value=\"36.74.03\" selected>Pondok Aren</option>"),
        "{district}"
    );
    let villages = form
        .split("name=\"village_code\"")
        .nth(1)
        .and_then(|rest| rest.split("</select>").next())
        .expect("the kelurahan picker");
    assert!(villages.contains("36.74.03.1001") && !villages.contains("36.74.01."));
    // Asking for another kecamatan gives an empty answer, not an error that reveals anything.
    let res: serde_json::Value = api
        .get(app.url("/api/v1/umkm?region=36.74.01"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(res["total"], 0);
    // A Serpong record's URL is 404 on the page and in the API, and cannot be changed.
    let (_, serpong) = app
        .get_json("/api/v1/umkm?region=36.74.01&per_page=1")
        .await;
    let id = serpong["items"][0]["id"].as_str().unwrap();
    assert_eq!(
        pages
            .get(app.url(&format!("/umkm/{id}")))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        api.get(app.url(&format!("/api/v1/umkm/{id}")))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let res = api
        .post(app.url(&format!("/api/v1/umkm/{id}/status")))
        .json(&json!({"status": "inactive"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let res = pages
        .post(app.url(&format!("/umkm/{id}/status")))
        .form(&[("_csrf", csrf.as_str()), ("status", "inactive")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    // Registering in Serpong is refused; in Pondok Aren it works.
    let mut body = valid_body();
    body["village_code"] = json!("36.74.01.1001");
    let res: serde_json::Value = api
        .post(app.url("/api/v1/umkm"))
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(res["error"]["fields"][0]["code"], "region_out_of_scope");
    let res = api
        .post(app.url("/api/v1/umkm"))
        .json(&valid_body())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    // The page count matches.
    let html = pages
        .get(app.url("/umkm"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(&format!("{} UMKM", mine["total"].as_i64().unwrap() + 1)));
}

#[tokio::test]
async fn roles_that_may_only_read_cannot_write() {
    let app = spawn_app().await;
    app.seed(5, 1).await;
    let (pages, api, csrf) = app.as_user("viewer", "36.74").await;
    assert_eq!(
        api.get(app.url("/api/v1/umkm"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        api.post(app.url("/api/v1/umkm"))
            .json(&valid_body())
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(
        pages
            .get(app.url("/umkm/new"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let res = pages
        .post(app.url("/umkm"))
        .form(&[("_csrf", csrf.as_str()), ("name", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    // Procurement officers and partners have no access to the registry at all.
    let (_, api, _) = app.as_user("partner", "36.74").await;
    assert_eq!(
        api.get(app.url("/api/v1/umkm"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(app.count().await, 5);
}

#[tokio::test]
async fn forms_without_the_csrf_token_are_refused() {
    let app = spawn_app().await;
    let mut form: Vec<(&str, &str)> = vec![
        ("name", "Batik Ibu Ratna"),
        ("owner_name", "Ratna Sari"),
        ("nik", "3674034506900012"),
        ("village_code", "36.74.03.1005"),
        ("sector", "fesyen"),
    ];
    let res = app
        .client
        .post(app.url("/umkm"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    form.push(("_csrf", "0000"));
    let res = app
        .client
        .post(app.url("/umkm"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(app.count().await, 0);
    form.pop();
    form.push(("_csrf", app.csrf.as_str()));
    let res = app
        .client
        .post(app.url("/umkm"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(app.count().await, 1);
}

#[tokio::test]
async fn sign_in_is_throttled_and_sessions_are_fresh_and_revocable() {
    let app = spawn_app().await;
    let bare = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let attempt = |password: &'static str| {
        let bare = bare.clone();
        let url = app.url("/login");
        async move {
            bare.post(url)
                .form(&[("login", "admin@test.id"), ("password", password)])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    for _ in 0..5 {
        assert_eq!(attempt("salah-salah-salah").await, 401);
    }
    // The sixth try is refused even with the right password.
    assert_eq!(attempt("kata-sandi-admin").await, 429);

    // Session fixation: a cookie planted before sign-in is never the session afterwards.
    let other = common::spawn_app().await;
    let res = bare
        .post(other.url("/login"))
        .header("cookie", "sentra_session=planted-by-attacker")
        .form(&[("login", "admin@test.id"), ("password", "kata-sandi-admin")])
        .send()
        .await
        .unwrap();
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Secure"),
        "{cookie}"
    );
    assert!(!cookie.contains("planted-by-attacker"));
    let planted = bare
        .get(other.url("/umkm"))
        .header("cookie", "sentra_session=planted-by-attacker")
        .send()
        .await
        .unwrap();
    assert_eq!(planted.status(), 303);

    // Sign out everywhere ends every session of the user.
    let (second, _) = other
        .sign_in("admin@test.id", "kata-sandi-admin")
        .await
        .unwrap();
    let res = other
        .client
        .post(other.url("/logout"))
        .form(&[("_csrf", other.csrf.as_str()), ("everywhere", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    for session in [other.session.clone(), second] {
        let res = bare
            .get(other.url("/umkm"))
            .header("cookie", format!("sentra_session={session}"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303, "session ended");
    }
}

#[tokio::test]
async fn tokens_expire_and_die_with_their_account() {
    let app = spawn_app().await;
    let account = sentra_domain::account::validate_account(
        "Robot",
        "robot@test.id",
        "operator",
        "36.74",
        "kata-sandi-robot",
        sentra_domain::region::RegionTree::embedded(),
        None,
    )
    .unwrap();
    let actor = sentra_storage::Actor::system("test");
    let user = app
        .db
        .create_user(&account, "kata-sandi-robot", &actor)
        .await
        .unwrap();
    let expired = app
        .db
        .create_api_token(&user, "old", chrono::Duration::seconds(-1), &actor)
        .await
        .unwrap();
    let live = app
        .db
        .create_api_token(&user, "new", chrono::Duration::days(1), &actor)
        .await
        .unwrap();
    let get = |token: String| {
        let url = app.url("/api/v1/umkm");
        async move {
            reqwest::Client::new()
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(get(expired).await, 401);
    assert_eq!(get(live.clone()).await, 200);
    app.db
        .set_user_disabled(None, "robot@test.id", true, &actor)
        .await
        .unwrap();
    assert_eq!(get(live).await, 401);
    let (status, _) = app.send_json(Method::GET, "/api/v1/umkm", &json!({})).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn personal_data_is_masked_and_every_reveal_is_audited() {
    let app = spawn_app().await;
    let (_, created) = app
        .send_json(Method::POST, "/api/v1/umkm", &valid_body())
        .await;
    let id = created["id"].as_str().unwrap().to_string();
    let nik = "3674034506900012";
    let phone_digits = "81234567890";
    // A viewer sees the record but never the NIK or phone, on the page or in the API.
    let (pages, api, csrf) = app.as_user("viewer", "36.74").await;
    let html = pages
        .get(app.url(&format!("/umkm/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let json = api
        .get(app.url(&format!("/api/v1/umkm/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let list = api
        .get(app.url("/api/v1/umkm"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for body in [&html, &json, &list] {
        assert!(
            !body.contains(nik) && !body.contains(phone_digits),
            "personal data leaked: {body}"
        );
    }
    assert!(html.contains("3674••••••••••••"));
    assert!(!html.contains("/reveal"), "no reveal button for a viewer");
    assert_eq!(
        api.post(app.url(&format!("/api/v1/umkm/{id}/reveal")))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let res = pages
        .post(app.url(&format!("/umkm/{id}/reveal")))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    // The edit form does not carry it either.
    let edit = app
        .get(&format!("/umkm/{id}/edit"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!edit.contains(nik));

    // An operator of the kecamatan may reveal; it is audited with who and from where.
    let (pages, api, csrf) = app.as_user("operator", "36.74.03").await;
    let html = pages
        .post(app.url(&format!("/umkm/{id}/reveal")))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(nik));
    let full: serde_json::Value = api
        .post(app.url(&format!("/api/v1/umkm/{id}/reveal")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(full["owner_nik"], nik);
    let reveals: Vec<_> = app
        .db
        .audit_for("umkm", &id)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "reveal_personal_data")
        .collect();
    assert_eq!(reveals.len(), 2);
    assert!(
        reveals
            .iter()
            .all(|e| e.actor == "operator-36-74-03@test.id" && e.origin.is_some())
    );
    // An operator of another kecamatan gets 404, and nothing is recorded.
    let (_, api, _) = app.as_user("operator", "36.74.01").await;
    assert_eq!(
        api.post(app.url(&format!("/api/v1/umkm/{id}/reveal")))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );

    // An update that leaves the NIK out keeps it.
    let mut body = valid_body();
    body.as_object_mut().unwrap().remove("nik");
    body["owner_phone"] = serde_json::Value::Null;
    body.as_object_mut().unwrap().remove("owner_phone");
    body["phone"] = json!("+62812•••••890");
    body["name"] = json!("Nama Baru");
    // Without the version read, an update is refused rather than overwriting blindly.
    let (status, res) = app
        .send_json(Method::PUT, &format!("/api/v1/umkm/{id}"), &body)
        .await;
    assert_eq!(status, 422, "{res}");
    assert_eq!(res["error"]["fields"][0]["field"], "version");
    body["version"] = json!(1);
    let (status, _) = app
        .send_json(Method::PUT, &format!("/api/v1/umkm/{id}"), &body)
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        app.db
            .get_umkm(
                &sentra_domain::scope::Scope::region(
                    sentra_domain::region::RegionCode::parse("36.74").unwrap()
                ),
                &id
            )
            .await
            .unwrap()
            .owner_nik,
        nik
    );
}

#[tokio::test]
async fn admins_browse_and_export_the_audit_trail_within_their_scope() {
    let app = spawn_app().await;
    let (_, created) = app
        .send_json(Method::POST, "/api/v1/umkm", &valid_body())
        .await;
    let id = created["id"].as_str().unwrap().to_string();
    let html = app.get("/audit?entity=umkm").await.text().await.unwrap();
    assert!(html.contains("Jejak audit"));
    assert!(html.contains(&format!("/umkm/{id}")));
    assert!(html.contains("1 catatan"), "only the one UMKM entry");
    let html = app
        .get("/audit?actor=nobody%40x.id")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("0 catatan"));
    let csv = app.get("/audit.csv?entity=umkm").await;
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let text = csv.text().await.unwrap();
    assert!(text.starts_with("seq,at,actor,origin,action,entity,entity_id,changes"));
    assert!(text.contains(&id) && !text.contains("3674034506900012"));
    // The export itself is recorded: admin creation, token, sign-in, create, export.
    assert_eq!(
        app.db.verify_audit().await.unwrap(),
        sentra_storage::AuditVerdict::Intact { entries: 5 }
    );
    // An admin of another kecamatan does not see Pondok Aren's entries; operators see no trail.
    let (pages, _, _) = app.as_user("admin", "36.74.01").await;
    let html = pages
        .get(app.url("/audit?entity=umkm"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("0 catatan") && !html.contains(&id));
    let (pages, _, _) = app.as_user("operator", "36.74.03").await;
    assert_eq!(
        pages.get(app.url("/audit")).send().await.unwrap().status(),
        403
    );
}

#[tokio::test]
async fn admins_manage_accounts_but_never_beyond_their_region() {
    let app = spawn_app().await;
    let form = |login: &'static str, scope: &'static str, password: &'static str| {
        vec![
            ("_csrf", app.csrf.clone()),
            ("name", "Budi Operator".to_string()),
            ("login", login.to_string()),
            ("role", "operator".to_string()),
            ("scope", scope.to_string()),
            ("password", password.to_string()),
        ]
    };
    let res = app
        .client
        .post(app.url("/admin/users"))
        .form(&form("budi@dinas.go.id", "36.74.03", ""))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("budi@dinas.go.id"));
    let password = html
        .split("<code>")
        .nth(1)
        .and_then(|s| s.split("</code>").next())
        .expect("generated password shown once")
        .to_string();
    assert!(app.sign_in("budi@dinas.go.id", &password).await.is_some());
    // Same login again, a bad role or scope: 422 with the problem named, nothing created.
    let res = app
        .client
        .post(app.url("/admin/users"))
        .form(&form("budi@dinas.go.id", "36.74.03", "kata-sandi-lagi"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Nama masuk ini sudah dipakai.")
    );
    // An admin of one kecamatan cannot create an account for the whole city.
    let (pages, _, csrf) = app.as_user("admin", "36.74.03").await;
    let mut escalate = form("siti@dinas.go.id", "36.74", "kata-sandi-siti");
    escalate[0].1 = csrf.clone();
    let res = pages
        .post(app.url("/admin/users"))
        .form(&escalate)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("di luar wilayah kerja"));
    // … and does not see or disable accounts outside their kecamatan.
    let listing = pages
        .get(app.url("/admin/users"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(listing.contains("budi@dinas.go.id") && !listing.contains("admin@test.id"));
    let res = pages
        .post(app.url("/admin/users/disable"))
        .form(&[("_csrf", csrf.as_str()), ("login", "admin@test.id")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    // A new password from the page: shown once, the old one stops working.
    let html = pages
        .post(app.url("/admin/users/reset-password"))
        .form(&[("_csrf", csrf.as_str()), ("login", "budi@dinas.go.id")])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let new_password = html
        .split("<code>")
        .nth(1)
        .and_then(|s| s.split("</code>").next())
        .expect("new password shown")
        .to_string();
    assert!(app.sign_in("budi@dinas.go.id", &password).await.is_none());
    let password = new_password;
    // Disabling ends the account's sessions.
    let (budi_session, _) = app.sign_in("budi@dinas.go.id", &password).await.unwrap();
    let res = pages
        .post(app.url("/admin/users/disable"))
        .form(&[("_csrf", csrf.as_str()), ("login", "budi@dinas.go.id")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert!(app.sign_in("budi@dinas.go.id", &password).await.is_none());
    let res = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(app.url("/umkm"))
        .header("cookie", format!("sentra_session={budi_session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
}

#[tokio::test]
async fn owners_sign_up_register_a_draft_and_see_only_their_own() {
    let app = spawn_app().await;
    app.seed(30, 3).await;
    let bare = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    // Bad input: named problems, no account.
    let res = bare
        .post(app.url("/signup"))
        .form(&[
            ("name", "Sri"),
            ("phone", "sri@mail"),
            ("password", "pendek"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("Kata sandi minimal 10 karakter."), "{html}");
    let res = bare
        .post(app.url("/signup"))
        .form(&[
            ("name", "Sri Lestari"),
            ("phone", "0812-3456-7890"),
            ("password", "kata-sandi-sri"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/umkm/new");
    let cookie = res.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let session = cookie.trim_start_matches("sentra_session=").to_string();
    let csrf = app.db.session(&session).await.unwrap().unwrap().csrf_token;
    let owner = common::clients(&session, "none").0;
    // Signed up owners start with nothing: the 30 records of others are invisible.
    let html = owner
        .get(app.url("/umkm"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(">0 UMKM<"),
        "owner sees none of the others: {html}"
    );
    // Her first form: the name and phone she signed up with are filled in, why the NIK is
    // asked is said before she types it, and what may wait is folded away.
    let first = common::page_as(&owner, &app, "/umkm/new").await;
    for want in [
        "id=\"f-owner_name\" name=\"owner_name\" value=\"Sri Lestari\"",
        "id=\"f-phone\" name=\"phone\" value=\"0812-3456-7890\"",
        "NIK dipakai petugas untuk memastikan satu usaha tercatat sekali",
        "<details class=\"section\">\n<summary>Dokumen legalitas",
        "<details class=\"section\">\n<summary>WhatsApp, toko daring",
    ] {
        assert!(first.contains(want), "missing {want}: {first}");
    }
    let form = [
        ("_csrf", csrf.as_str()),
        ("name", "Keripik Sri"),
        ("owner_name", "Sri Lestari"),
        ("nik", "3674034506900012"),
        ("village_code", "36.74.03.1005"),
        ("sector", "kuliner"),
        // As owners write them: a number, an address without https://, a handle.
        ("links.whatsapp", "0812-3456-7890"),
        ("links.tokopedia", "tokopedia.com/keripiksri"),
        ("links.instagram", "@keripik.sri"),
    ];
    let res = owner
        .post(app.url("/umkm"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    // The redirect after a save says what happened; the record lives at the path.
    let (location, done) = location.split_once('?').unwrap();
    assert_eq!(done, "done=created");
    let location = location.to_string();
    let html = owner
        .get(app.url("/umkm"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("1 UMKM") && html.contains("Keripik Sri") && html.contains("Draf"));
    let detail = owner
        .get(app.url(&location))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!detail.contains("/status"), "owners cannot verify");
    for want in [
        // A business not yet public shows its WhatsApp number masked, as its phone.
        "href=\"https://wa.me/62812•••••890\"",
        "href=\"https://tokopedia.com/keripiksri\"",
        "href=\"https://www.instagram.com/keripik.sri\"",
    ] {
        assert!(detail.contains(want), "missing {want}: {detail}");
    }
    // Editing shows the WhatsApp link as the number she typed.
    let id = location.trim_start_matches("/umkm/");
    let edit = common::page_as(&owner, &app, &format!("/umkm/{id}/edit")).await;
    assert!(
        edit.contains("name=\"links.whatsapp\" value=\"0812-3456-7890\""),
        "{edit}"
    );
    // Her start: her business, where it stands and what to do next (a kuliner business needs
    // its NIB and food permit; it has no product yet).
    let start = owner.get(app.url("/")).send().await.unwrap();
    assert_eq!(start.headers()["location"], "/usaha");
    let mine = common::page_as(&owner, &app, "/usaha").await;
    for want in [
        &format!("<a href=\"{location}\">Keripik Sri</a> <span class=\"badge draft\">Draf</span>"),
        "Menunggu pemeriksaan petugas kecamatan.",
        &format!("<li class=\"urgent\"><a href=\"/umkm/{id}#legal-"),
        &format!("<a href=\"/umkm/{id}/produk/baru\">Tambahkan produk pertama Anda"),
        &format!("<a href=\"/umkm/{id}/edit\">Perbarui data usaha"),
    ] {
        assert!(mine.contains(want), "missing {want}: {mine}");
    }
    assert!(
        !mine.contains("/cetak"),
        "no storefront before verification"
    );
    let steps = mine.split("class=\"next-steps\"").nth(1).unwrap();
    let steps = steps.split("</ul>").next().unwrap();
    for step in steps.split("<li").skip(1) {
        let href = step
            .split("href=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        let res = owner.get(app.url(href)).send().await.unwrap();
        assert_eq!(res.status(), 200, "{href} opens for the owner");
    }
    // Another record's page is 404 for the owner.
    let (_, page) = app
        .get_json("/api/v1/umkm?region=36.74.01&per_page=1")
        .await;
    let other = page["items"][0]["id"].as_str().unwrap();
    assert_eq!(
        owner
            .get(app.url(&format!("/umkm/{other}")))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    // While a draft the owner edits freely; once verified, the owner's edits are refused.
    let mut edit = form.to_vec();
    edit.push(("version", "1"));
    edit[1] = ("name", "Keripik Sri Renyah");
    assert_eq!(
        owner
            .post(app.url(&location))
            .form(&edit)
            .send()
            .await
            .unwrap()
            .status(),
        303
    );
    let id = location.trim_start_matches("/umkm/");
    let (status, _) = app
        .send_json(
            Method::POST,
            &format!("/api/v1/umkm/{id}/status"),
            &json!({"status": "verified"}),
        )
        .await;
    assert_eq!(status, 200);
    let last = edit.len() - 1;
    edit[last] = ("version", "3");
    edit[1] = ("name", "Nama Sendiri");
    // With her phone, so that she can hear of the decision.
    edit.push(("phone", "0812-3456-7890"));
    // … now the owner's edit waits as a change request; the record is unchanged.
    assert_eq!(
        owner
            .post(app.url(&location))
            .form(&edit)
            .send()
            .await
            .unwrap()
            .status(),
        303
    );
    let (_, got) = app.get_json(&format!("/api/v1/umkm/{id}")).await;
    assert_eq!(got["name"], "Keripik Sri Renyah");
    // The operator finds it waiting on her work page (another kecamatan's operator does not),
    // sees the diff and approves it.
    let (pages, _, op_csrf) = app.as_user("operator", "36.74.03").await;
    let work = common::page_as(&pages, &app, "/kerja").await;
    assert!(
        work.contains("<strong>1</strong> perubahan dari pemilik menunggu keputusan"),
        "{work}"
    );
    assert!(
        work.contains(&format!(
            "<a href=\"/umkm/{id}#perubahan\">Keripik Sri Renyah</a>"
        )),
        "{work}"
    );
    let (elsewhere, _, _) = app.as_user("operator", "36.74.01").await;
    let theirs = common::page_as(&elsewhere, &app, "/kerja").await;
    assert!(!theirs.contains("Keripik Sri Renyah"), "{theirs}");
    assert!(
        theirs.contains("<strong>0</strong> perubahan dari pemilik"),
        "{theirs}"
    );
    let html = pages
        .get(app.url(&location))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Nama usaha: Keripik Sri Renyah → Nama Sendiri"),
        "diff shown to the operator"
    );
    let request = html
        .split("name=\"request\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    common::consent_to_whatsapp(&app, id).await;
    let res = pages
        .post(app.url(&format!("{location}/changes")))
        .form(&[
            ("_csrf", op_csrf.as_str()),
            ("request", request.as_str()),
            ("decision", "approve"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    // She hears of the decision (issue 32), where she agreed to be contacted.
    let told = app
        .db
        .phone_queue(&common::city(), i64::MAX, 10)
        .await
        .unwrap();
    assert!(
        told.iter().any(|m| m.umkm_id.as_deref() == Some(id)
            && m.purpose.as_str() == "change_decided"
            && m.body.contains("sudah disetujui dan berlaku")),
        "{told:?}"
    );
    let (_, got) = app.get_json(&format!("/api/v1/umkm/{id}")).await;
    assert_eq!(got["name"], "Nama Sendiri");
    assert_eq!(got["status"], "verified");
    let work = common::page_as(&pages, &app, "/kerja").await;
    assert!(
        work.contains("Tidak ada perubahan yang menunggu."),
        "{work}"
    );
    // A second decision on the same request finds nothing pending.
    let res = pages
        .post(app.url(&format!("{location}/changes")))
        .form(&[
            ("_csrf", op_csrf.as_str()),
            ("request", request.as_str()),
            ("decision", "reject"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let actions: Vec<String> = app
        .db
        .audit_for("umkm", id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(
        actions.contains(&"request_change".to_string())
            && actions.contains(&"approve_change".to_string())
    );
    // The same phone cannot sign up twice.
    let res = bare
        .post(app.url("/signup"))
        .form(&[
            ("name", "Sri Lagi"),
            ("phone", "+62 812 3456 7890"),
            ("password", "kata-sandi-lain"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
}

#[tokio::test]
async fn an_operator_hands_a_registered_business_to_its_owner() {
    let app = spawn_app().await;
    let (_, created) = app
        .send_json(Method::POST, "/api/v1/umkm", &valid_body())
        .await;
    let id = created["id"].as_str().unwrap().to_string();
    let (pages, _, csrf) = app.as_user("operator", "36.74.03").await;
    // Blank phone: the stored number (0812-3456-7890) becomes the owner's sign-in name.
    let html = pages
        .post(app.url(&format!("/umkm/{id}/owner")))
        .form(&[("_csrf", csrf.as_str()), ("phone", "")])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Akun pemilik dibuat: +6281234567890"),
        "{html}"
    );
    let (owner, _) = common::owner_from_hand_over(&app, &html, "+6281234567890").await;
    let list = owner
        .get(app.url("/umkm"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(list.contains(">1 UMKM<") && list.contains("Keripik Tempe Bu Sri"));
    // An operator outside the kecamatan cannot hand it over.
    let (pages, _, csrf) = app.as_user("operator", "36.74.01").await;
    let res = pages
        .post(app.url(&format!("/umkm/{id}/owner")))
        .form(&[("_csrf", csrf.as_str()), ("phone", "08131112222")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}

/// How many records of `region` the registry lists with `status`.
async fn listed_with_status(
    app: &common::TestApp,
    region: &str,
    status: sentra_domain::umkm::UmkmStatus,
) -> i64 {
    app.db
        .list_umkm(
            &Scope::region(RegionCode::parse(region).unwrap()),
            &sentra_storage::UmkmFilter {
                status: Some(status),
                ..Default::default()
            },
            sentra_storage::UmkmSort::Name,
            sentra_storage::SortDirection::Asc,
            sentra_storage::PageRequest {
                page: 1,
                per_page: 1,
            },
        )
        .await
        .unwrap()
        .total
}

#[tokio::test]
async fn every_role_starts_on_a_page_it_may_open() {
    let app = spawn_app().await;
    let bare = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    // Signed out: the region's front page, not a sign-in wall: what Sentra is for, its
    // figures (verified businesses as the registry counts them), and the ways in.
    app.seed(6, 3).await;
    let first = app.first_umkm().await;
    app.verify(&[first.id.as_str()]).await;
    let verified =
        listed_with_status(&app, "36.74", sentra_domain::umkm::UmkmStatus::Verified).await;
    assert!(verified >= 1);
    let res = bare.get(app.url("/")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let front = res.text().await.unwrap();
    for want in [
        "<h1>UMKM Kota Tangerang Selatan</h1>",
        &format!("<strong>{verified}</strong> UMKM terverifikasi"),
        "action=\"/katalog\" role=\"search\"",
        "href=\"/agenda\"",
        "href=\"/data\"",
        "href=\"/pameran\"",
        "href=\"/signup\"",
        "href=\"/login\"",
    ] {
        assert!(front.contains(want), "missing {want}: {front}");
    }
    let (mut admin, mut operator) = (None, None);
    for (role, scope, start) in [
        ("admin", "36.74", "/dasbor"),
        ("viewer", "36.74", "/dasbor"),
        ("operator", "36.74.03", "/kerja"),
        ("curator", "36.74", "/kurasi"),
        ("procurement", "36.74", "/pengadaan"),
        ("partner", "36.74", "/mitra"),
    ] {
        let (pages, _, _) = app.as_user(role, scope).await;
        let res = pages.get(app.url("/")).send().await.unwrap();
        assert_eq!(res.headers()["location"], start, "{role}");
        let page = pages.get(app.url(start)).send().await.unwrap();
        assert_eq!(page.status(), 200, "{role} on {start}");
        let html = page.text().await.unwrap();
        // The session's own header: the menu and the way out; the logo leads back here.
        assert!(html.contains("action=\"/logout\""), "{role}: {html}");
        assert!(
            html.contains("class=\"brand\" href=\"/\""),
            "{role}: {html}"
        );
        match role {
            "admin" => admin = Some(pages),
            "operator" => operator = Some(pages),
            _ => {}
        }
    }
    // The operator's work page counts her kecamatan's drafts as the registry lists them.
    let drafts = listed_with_status(&app, "36.74.03", sentra_domain::umkm::UmkmStatus::Draft).await;
    let work = common::page_as(&operator.unwrap(), &app, "/kerja").await;
    assert!(
        work.contains(&format!(
            "<a href=\"/umkm?status=draft\"><strong>{drafts}</strong> draf menunggu verifikasi"
        )),
        "{drafts}: {work}"
    );
    assert!(work.contains("href=\"/umkm/new\""), "{work}");
    // Public pages keep a signed-in visitor's header too; signed out, the sign-in link.
    let admin = admin.unwrap();
    for path in ["/katalog", "/agenda", "/data", "/pameran"] {
        let html = common::page_as(&admin, &app, path).await;
        assert!(html.contains("action=\"/logout\""), "{path}: {html}");
        assert!(
            html.contains("href=\"/dasbor\""),
            "{path}: the admin's menu"
        );
        let public = common::page_as(&bare, &app, path).await;
        assert!(!public.contains("action=\"/logout\""), "{path}");
        assert!(public.contains("href=\"/login\""), "{path}");
    }
}
