//! Holes an outside tester found (issue 27), each tried the way an attacker would, over HTTP:
//! open redirects after sign-in, forged `Host` headers, cross-site API writes with a session
//! cookie, throttles and `/metrics` behind a proxy, owners' text breaking out of JSON-LD, an
//! owner account taken over by a phone number, a masked NIK rebuilt from what is shown beside
//! it, tokens that outlive a password reset, slow headers and missing security headers.

use crate::common;

use std::time::{Duration, Instant};

use common::{HOME, spawn_app, spawn_app_with, valid_body};
use sentra_domain::product::validate_product;
use sentra_storage::{Actor, Keyring, PersonalKey};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Another valid record: the helper's body with its own NIK and name (and phone, if given).
fn another_body(nik: &str, name: &str, phone: Option<&str>) -> serde_json::Value {
    let mut body = valid_body();
    body["nik"] = nik.into();
    body["name"] = name.into();
    if let Some(p) = phone {
        body["phone"] = p.into();
    }
    body
}

fn bare() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn sign_in_with_next(app: &common::TestApp, next: &str) -> reqwest::Response {
    bare()
        .post(app.url("/login"))
        .form(&[
            ("login", "admin@test.id"),
            ("password", "kata-sandi-admin"),
            ("next", next),
        ])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn sign_in_never_sends_anyone_to_another_site() {
    let app = spawn_app().await;
    for next in [
        "/\t/evil.com",
        "/%09/evil.com",
        "//evil.com",
        "/\\evil.com",
        "https://evil.com",
        "/\n/evil.com",
        "/\r\nSet-Cookie: x=1",
        "/\0",
        " /umkm",
    ] {
        let res = sign_in_with_next(&app, next).await;
        assert_eq!(res.status(), 303, "{next:?}");
        let to = res.headers()["location"].to_str().unwrap().to_string();
        assert!(
            to == "/" || (to.starts_with('/') && !to.starts_with("//") && !to.contains("evil")),
            "{next:?} → {to}"
        );
        assert!(!to.chars().any(|c| c.is_control()), "{next:?} → {to:?}");
    }
    // A path of this site is followed, with its query.
    let res = sign_in_with_next(&app, "/umkm?sector=kuliner").await;
    assert_eq!(res.headers()["location"], "/umkm?sector=kuliner");
    // The sign-in form carries only a safe `next` on.
    let form = app
        .get("/login?next=%2F%09%2Fevil.com")
        .await
        .text()
        .await
        .unwrap();
    let carried = form
        .split("name=\"next\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the next field");
    assert_eq!(carried, "/", "{form}");
}

/// A published product with this description, of a verified business; the product's slug.
async fn published_product(app: &common::TestApp, description: &str) -> String {
    let (status, created) = app
        .send_json(reqwest::Method::POST, "/api/v1/umkm", &valid_body())
        .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_string();
    let (status, body) = app
        .send_json(
            reqwest::Method::POST,
            &format!("/api/v1/umkm/{id}/status"),
            &serde_json::json!({"status": "verified"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let categories = app.db.product_categories().await.unwrap();
    let mut input = common::chips("published");
    input.description = description.into();
    let product = app
        .db
        .create_product(
            &common::city(),
            &id,
            &validate_product(&input, &categories).unwrap(),
            &Actor::system("test"),
        )
        .await
        .unwrap();
    product.slug
}

#[tokio::test]
async fn an_owners_text_cannot_break_out_of_the_pages_json() {
    let app = spawn_app().await;
    let hostile = "Enak <!--<script> </script><img src=x onerror=alert(1)> & 'kutip'";
    let slug = published_product(&app, hostile).await;
    let page = app.page(&format!("/p/{slug}")).await;
    let ld = page
        .split("<script type=\"application/ld+json\">")
        .nth(1)
        .and_then(|rest| rest.split("</script>").next())
        .expect("JSON-LD block");
    for bad in ["<", ">", "&"] {
        assert!(!ld.contains(bad), "{bad} inside JSON-LD: {ld}");
    }
    // The JSON still says what the owner wrote.
    let parsed: serde_json::Value = serde_json::from_str(ld).unwrap();
    assert!(parsed.to_string().contains("<!--<script>"), "{parsed}");
    // And the rest of the page is there (the comment did not swallow it).
    assert!(
        page.contains("</footer>") || page.contains("</main>"),
        "{page}"
    );
}

#[tokio::test]
async fn links_use_only_a_host_the_deployment_answers_to() {
    let app = spawn_app_with(
        common::test_db().await,
        Keyring::new(PersonalKey::generate().0),
        |s| s.with_allowed_hosts(vec!["umkm.tangsel.go.id".into()]),
    )
    .await;
    let slug = published_product(&app, "Keripik renyah.").await;
    let app = &app;
    let as_host = |path: String, host: &'static str| async move {
        let res = bare().get(app.url(&path)).header("host", host).send().await;
        res.unwrap().text().await.unwrap()
    };
    for path in [format!("/p/{slug}"), "/sitemap/toko.xml".to_string()] {
        let forged = as_host(path.clone(), "evil.example").await;
        assert!(!forged.contains("evil.example"), "{path}: {forged}");
        let allowed = as_host(path.clone(), "umkm.tangsel.go.id").await;
        assert!(allowed.contains("umkm.tangsel.go.id"), "{path}: {allowed}");
    }
}

#[tokio::test]
async fn cookie_api_writes_need_the_token_or_the_same_origin() {
    let app = spawn_app().await;
    let before = app.count().await;
    let cookie = app.session_cookie();
    let body = valid_body().to_string();
    // What a hostile page can make a signed-in browser send: a simple request with the cookie.
    for (content_type, origin) in [
        ("text/plain", Some("https://evil.example")),
        ("application/json", Some("https://evil.example")),
        ("text/plain", None),
    ] {
        let mut req = bare()
            .post(app.url("/api/v1/umkm"))
            .header("cookie", &cookie)
            .header("content-type", content_type)
            .body(body.clone());
        if let Some(o) = origin {
            req = req.header("origin", o);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), 403, "{content_type} {origin:?}");
        let text = res.text().await.unwrap();
        assert!(text.contains("csrf"), "{text}");
    }
    // Reading personal data the same way is refused too.
    let id = app.first_or_created().await;
    let res = bare()
        .post(app.url(&format!("/api/v1/umkm/{id}/reveal")))
        .header("cookie", &cookie)
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(app.count().await, before + 1, "only the helper's record");
    // The site's own script (token header) and a same-origin fetch work; bearer tokens as before.
    let res = bare()
        .post(app.url("/api/v1/umkm"))
        .header("cookie", &cookie)
        .header("x-csrf-token", &app.csrf)
        .header("content-type", "application/json")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let other = another_body("3674034506900013", "Warung Lain", None);
    let res = bare()
        .post(app.url("/api/v1/umkm"))
        .header("cookie", &cookie)
        .header("sec-fetch-site", "same-origin")
        .header("content-type", "application/json")
        .body(other.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let third = another_body("3674034506900014", "Warung Ketiga", None);
    let res = app
        .api
        .post(app.url("/api/v1/umkm"))
        .json(&third)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
}

impl common::TestApp {
    /// A record's id (one is created when the registry is empty).
    async fn first_or_created(&self) -> String {
        let (status, created) = self
            .send_json(reqwest::Method::POST, "/api/v1/umkm", &valid_body())
            .await;
        assert_eq!(status, 201, "{created}");
        created["id"].as_str().unwrap().to_string()
    }
}

async fn failed_sign_in(app: &common::TestApp, login: &str, from: &str) -> u16 {
    bare()
        .post(app.url("/login"))
        .header("x-forwarded-for", from)
        .form(&[("login", login), ("password", "salah-sekali")])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn behind_a_trusted_proxy_throttles_count_per_client_and_metrics_stay_closed() {
    let app = spawn_app_with(
        common::test_db().await,
        Keyring::new(PersonalKey::generate().0),
        |s| s.with_trusted_proxies(vec![sentra_web::ProxyRange::parse("127.0.0.1").unwrap()]),
    )
    .await;
    // One client tries 31 logins (other accounts each time, so the account limit is not hit).
    let mut last = 0;
    for i in 0..31 {
        last = failed_sign_in(&app, &format!("tebak{i}@test.id"), "203.0.113.7").await;
    }
    assert_eq!(last, 429, "the attacking client is throttled");
    // Everyone else behind the same proxy still signs in.
    let res = bare()
        .post(app.url("/login"))
        .header("x-forwarded-for", "198.51.100.20")
        .form(&[("login", "admin@test.id"), ("password", "kata-sandi-admin")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "another client is not locked out");
    // A client cannot dodge the throttle by writing its own X-Forwarded-For in front.
    let status = failed_sign_in(&app, "lagi@test.id", "10.9.9.9, 203.0.113.7").await;
    assert_eq!(status, 429);
    // /metrics: the machine itself may read it; the internet through the proxy may not.
    let direct = bare().get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(direct.status(), 200);
    for header in ["x-forwarded-for", "x-real-ip", "forwarded"] {
        let value = if header == "forwarded" {
            "for=203.0.113.7"
        } else {
            "203.0.113.7"
        };
        let proxied = bare()
            .get(app.url("/metrics"))
            .header(header, value)
            .send()
            .await
            .unwrap();
        assert_eq!(proxied.status(), 404, "{header}");
    }
}

#[tokio::test]
async fn an_untrusted_peer_cannot_pick_its_address() {
    // No trusted proxy: the forwarding header is ignored, so rotating it does not reset the
    // per-address throttle.
    let app = spawn_app().await;
    let mut last = 0;
    for i in 0..31 {
        last = failed_sign_in(
            &app,
            &format!("tebak{i}@test.id"),
            &format!("203.0.113.{i}"),
        )
        .await;
    }
    assert_eq!(last, 429);
}

#[tokio::test]
async fn a_self_made_account_is_not_linked_to_a_business_by_phone_alone() {
    let app = spawn_app().await;
    // A stranger signs up with the owner's phone number before the operator hands over.
    let (stranger, _) = app.sign_up_owner("Bukan Sri", "0812-3456-7890").await;
    let id = app.first_or_created().await;
    let hand_over = |checked: bool| {
        let mut form = vec![("_csrf", app.csrf.clone()), ("phone", String::new())];
        if checked {
            form.push(("holder_checked", "1".into()));
        }
        app.client
            .post(app.url(&format!("/umkm/{id}/owner")))
            .form(&form)
            .send()
    };
    let res = hand_over(false).await.unwrap();
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("Pastikan pemegang akun") && page.contains("holder_checked"),
        "{page}"
    );
    // Not linked: the stranger sees nothing of the business.
    let seen = stranger
        .get(app.url(&format!("/umkm/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(seen.status(), 404);
    // Once the operator confirms she met the holder, it is linked (and audited).
    let res = hand_over(true).await.unwrap();
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    assert!(page.contains("terhubung"), "{page}");
    let seen = stranger
        .get(app.url(&format!("/umkm/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(seen.status(), 200);
    // An account the operator made herself is linked at once next time.
    let second = another_body("3674034506900019", "Usaha Kedua", Some("0813-1111-2222"));
    let (_, created) = app
        .send_json(reqwest::Method::POST, "/api/v1/umkm", &second)
        .await;
    let second_id = created["id"].as_str().unwrap().to_string();
    let res = app
        .client
        .post(app.url(&format!("/umkm/{second_id}/owner")))
        .form(&[("_csrf", app.csrf.as_str()), ("phone", "")])
        .send()
        .await
        .unwrap();
    let page = res.text().await.unwrap();
    assert!(page.contains("kata sandi"), "a new account: {page}");
}

#[tokio::test]
async fn a_masked_nik_cannot_be_rebuilt_from_what_is_shown_beside_it() {
    let app = spawn_app().await;
    let mut body = valid_body();
    body["links"] = serde_json::json!({"whatsapp": "https://wa.me/6281234567890"});
    let (_, created) = app
        .send_json(reqwest::Method::POST, "/api/v1/umkm", &body)
        .await;
    let id = created["id"].as_str().unwrap().to_string();
    let nik = "3674034506900012";
    // 45-06-90: a woman born 5 June 1990; serial 0012.
    for (role, full_date) in [("admin", true), ("viewer", false)] {
        let (pages, api, _) = app.as_user(role, HOME).await;
        let page = pages
            .get(app.url(&format!("/umkm/{id}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let json: serde_json::Value = api
            .get(app.url(&format!("/api/v1/umkm/{id}")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(page.contains("3674••••••••••••"), "{role}: {page}");
        assert_eq!(json["owner_nik"], "3674••••••••••••", "{role}");
        // The serial is nowhere, so date + sex + kecamatan leave 9,999 NIKs per person.
        for text in [&page, &json.to_string()] {
            assert!(
                !text.contains(nik) && !text.contains("•0012"),
                "{role}: {text}"
            );
            // The WhatsApp link of a business not public yet is the owner's phone: masked.
            assert!(!text.contains("6281234567890"), "{role}: {text}");
        }
        if full_date {
            assert_eq!(json["owner_birth_date"], "1990-06-05");
        } else {
            assert_eq!(json["owner_birth_date"], "1990", "{role}");
            assert!(!page.contains("5 Juni 1990"), "{role}: {page}");
        }
    }
}

#[tokio::test]
async fn a_password_reset_ends_the_accounts_api_tokens() {
    let app = spawn_app().await;
    let (_, api, _) = app.as_user("operator", "36.74.03").await;
    assert_eq!(
        api.get(app.url("/api/v1/umkm"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let res = app
        .client
        .post(app.url("/admin/users/reset-password"))
        .form(&[
            ("_csrf", app.csrf.as_str()),
            ("login", "operator-36-74-03@test.id"),
        ])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success() || res.status().is_redirection());
    assert_eq!(
        api.get(app.url("/api/v1/umkm"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
}

#[tokio::test]
async fn answers_carry_the_security_headers() {
    let app = spawn_app_with(
        common::test_db().await,
        Keyring::new(PersonalKey::generate().0),
        |s| s.with_public_url(Some("https://umkm.tangsel.go.id".into())),
    )
    .await;
    let signed_in = app.get("/umkm").await;
    let h = signed_in.headers();
    assert_eq!(h["referrer-policy"], "same-origin");
    assert_eq!(h["x-frame-options"], "DENY");
    assert!(
        h["strict-transport-security"]
            .to_str()
            .unwrap()
            .contains("max-age=")
    );
    assert_eq!(h["cache-control"], "no-store");
    let api = app.get("/api/v1/umkm").await;
    assert_eq!(api.headers()["cache-control"], "no-store");
    let export = app.get("/umkm/export.csv").await;
    assert_eq!(export.headers()["cache-control"], "no-store");
    // The public catalogue may be cached.
    let public = bare().get(app.url("/katalog")).send().await.unwrap();
    assert_ne!(
        public
            .headers()
            .get("cache-control")
            .map(|v| v.to_str().unwrap()),
        Some("no-store")
    );
    assert_eq!(public.headers()["x-frame-options"], "DENY");
}

#[tokio::test]
async fn a_too_large_body_closes_the_connection_and_says_so() {
    let app = spawn_app().await;
    let res = app
        .client
        .post(app.url("/umkm"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(vec![b'a'; 300 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    assert_eq!(res.headers()["connection"], "close");
}

#[tokio::test]
async fn slow_headers_are_cut_off() {
    let app = spawn_app().await;
    let addr = app.base.trim_start_matches("http://").to_string();
    // Many clients that start a request and never finish its headers (slowloris).
    let mut held = Vec::new();
    for _ in 0..50 {
        let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
        s.write_all(b"GET /umkm HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            .await
            .unwrap();
        held.push(s);
    }
    let started = Instant::now();
    let mut closed = 0;
    for mut s in held {
        let mut buf = [0u8; 1024];
        let left = Duration::from_secs(25).saturating_sub(started.elapsed());
        // End of stream or a reset: closed either way; only a timeout means still held.
        if tokio::time::timeout(left, s.read(&mut buf)).await.is_ok() {
            closed += 1;
        }
    }
    assert_eq!(closed, 50, "every half-open connection was closed");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    // The server still answers.
    assert_eq!(app.get("/healthz").await.status(), 200);
}
