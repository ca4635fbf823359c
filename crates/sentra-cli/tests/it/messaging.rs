//! Messages to owners (issue 32) through the pages, on SQLite and PostgreSQL: an invitation
//! queued for every invitee who consented reaches the owner's mailbox at a real SMTP server
//! (aiosmtpd, installed by the test scripts) once, however often it is queued; the stop link in
//! it withdraws her consent and cancels what waits; WhatsApp goes to a local stand-in that
//! answers as the Cloud API documents (the real one cannot be reached from here, decision
//! 0044); without a provider the operator sends from her own phone; two senders never hold
//! the same message, and one that died mid-send is handled by its channel's rule.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use sentra_domain::messaging::{Channel, MessageState, SendingHours};
use sentra_storage::{Actor, Keyring, PersonalKey};
use sentra_web::{MessagingConfig, WhatsappConfig};

use crate::common;

/// aiosmtpd writing every message it takes into a maildir.
struct SmtpSink {
    child: Child,
    dir: tempfile::TempDir,
    port: u16,
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The Python with aiosmtpd: `SENTRA_TEST_PYTHON`, else the venv the test scripts make.
fn python() -> String {
    if let Ok(p) = std::env::var("SENTRA_TEST_PYTHON") {
        return p;
    }
    let target = std::env::var("CARGO_TARGET_DIR")
        .unwrap_or_else(|_| format!("{}/../../target", env!("CARGO_MANIFEST_DIR")));
    let venv = format!("{target}/interop-venv/bin/python");
    if std::path::Path::new(&venv).exists() {
        venv
    } else {
        "python3".into()
    }
}

impl SmtpSink {
    /// `None` (with a warning) where aiosmtpd is not installed; under CI a failure.
    fn start() -> Option<SmtpSink> {
        let python = python();
        let has = Command::new(&python)
            .args(["-c", "import aiosmtpd"])
            .status()
            .is_ok_and(|s| s.success());
        if !has {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "aiosmtpd is missing: scripts/test.sh installs it"
            );
            eprintln!("warning: aiosmtpd not installed ({python}); skipped the e-mail test");
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = tempfile::tempdir().unwrap();
        let child = Command::new(&python)
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(dir.path().join("mail"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let sink = SmtpSink { child, dir, port };
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(sink);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("aiosmtpd did not start on {port}");
    }

    fn messages(&self) -> Vec<String> {
        let mut out = Vec::new();
        for sub in ["new", "cur"] {
            if let Ok(entries) = std::fs::read_dir(self.dir.path().join("mail").join(sub)) {
                for e in entries.flatten() {
                    out.push(std::fs::read_to_string(e.path()).unwrap());
                }
            }
        }
        out
    }

    /// Waits until `n` messages arrived (or 20 s passed), then a little more so that an extra
    /// one would show.
    async fn wait_for(&self, n: usize) -> Vec<String> {
        for _ in 0..200 {
            if self.messages().len() >= n {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.settled().await
    }

    /// What arrived once a sender that had anything due would have sent it (it wakes when
    /// messages are queued and polls every 5 s).
    async fn settled(&self) -> Vec<String> {
        tokio::time::sleep(Duration::from_millis(2500)).await;
        self.messages()
    }
}

/// A verified business of the city with its owner's phone; its id.
pub(crate) async fn business(app: &common::TestApp, name: &str, nik: &str, phone: &str) -> String {
    let mut body = common::valid_body();
    body["name"] = name.into();
    body["nik"] = nik.into();
    body["phone"] = phone.into();
    let (status, made) = app
        .send_json(reqwest::Method::POST, "/api/v1/umkm", &body)
        .await;
    assert_eq!(status, 201, "{made}");
    let id = made["id"].as_str().unwrap().to_string();
    app.verify(&[&id]).await;
    id
}

/// A clinic of the city two months ahead; its id.
pub(crate) async fn clinic(app: &common::TestApp) -> String {
    let day = (common::today() + chrono::Duration::days(60))
        .format("%Y-%m-%d")
        .to_string();
    let res = crate::activities::plan_city_activity(app, "Klinik Kemasan Pangan", &day, 20).await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    app.db
        .activities_between(
            &sentra_domain::region::RegionCode::parse("36.74").unwrap(),
            0,
            i64::MAX,
        )
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.data.title == "Klinik Kemasan Pangan")
        .unwrap()
        .id
}

pub(crate) async fn consent(app: &common::TestApp, umkm: &str, channel: &str, email: &str) {
    let res = app
        .post_form(
            &format!("/umkm/{umkm}/persetujuan"),
            &[
                ("channel", channel),
                ("action", "give"),
                ("how", "form"),
                ("email", email),
            ],
        )
        .await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
}

/// Queues the invitations of `activity`; the outbox's address it sends to.
async fn invite(app: &common::TestApp, activity: &str) -> String {
    let res = app
        .post_form(&format!("/kegiatan/{activity}/undang-pesan"), &[])
        .await;
    assert_eq!(res.status(), 303);
    res.headers()["location"].to_str().unwrap().to_string()
}

fn any_time() -> SendingHours {
    SendingHours { from: 0, until: 24 }
}

async fn app_with(config: MessagingConfig) -> common::TestApp {
    common::spawn_app_with(
        common::test_db().await,
        Keyring::new(PersonalKey::generate().0),
        move |s| s.with_messaging(config),
    )
    .await
}

#[tokio::test]
async fn an_invitation_is_emailed_once_and_the_stop_link_ends_her_messages() {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let app = app_with(MessagingConfig {
        smtp_url: Some(format!("smtp://127.0.0.1:{}", sink.port)),
        mail_from: Some("Dinas KUKM Tangsel <noreply@umkm.test.id>".into()),
        hours: any_time(),
        ..Default::default()
    })
    .await;
    let sari = business(&app, "Keripik Sari", "3674034506900012", "0812-3456-7890").await;
    let ani = business(&app, "Tenun Bu Ani", "3674034506900029", "0813-1111-2222").await;
    consent(&app, &sari, "email", "sari@contoh.id").await;
    // A consent on e-mail without a readable address is refused, naming the field.
    let res = app
        .post_form(
            &format!("/umkm/{ani}/persetujuan"),
            &[
                ("channel", "email"),
                ("action", "give"),
                ("how", "form"),
                ("email", "bukan alamat"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("e-mail"));
    let activity = clinic(&app).await;

    // Sari consented: her invitation and the reminder the day before; Ani cannot be reached.
    let location = invite(&app, &activity).await;
    assert_eq!(location, "/pesan?status=queued&antri=2&sudah=0&tanpa=1");
    let mail = sink.wait_for(1).await;
    assert_eq!(mail.len(), 1, "only the invitation is due: {mail:?}");
    let m = &mail[0];
    assert!(m.contains("To: sari@contoh.id"), "{m}");
    assert!(m.contains("Subject: Klinik Kemasan Pangan"), "{m}");
    assert!(m.contains("List-Unsubscribe: <http"), "{m}");
    assert!(
        m.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"),
        "{m}"
    );
    let text = m.replace("=\r\n", "").replace("=\n", "");
    assert!(text.contains("Klinik Kemasan Pangan"), "{m}");
    let token = text
        .split("/berhenti/")
        .nth(1)
        .map(|t| {
            t.chars()
                .take_while(char::is_ascii_hexdigit)
                .collect::<String>()
        })
        .unwrap();
    assert_eq!(token.len(), 32, "{m}");

    // Queued again (by a second tap, or another server): nothing new goes.
    let again = invite(&app, &activity).await;
    assert_eq!(again, "/pesan?status=queued&antri=0&sudah=2&tanpa=1");
    assert_eq!(sink.settled().await.len(), 1);

    let outbox = app.page("/pesan").await;
    assert!(outbox.contains("Keripik Sari"), "{outbox}");
    assert!(outbox.contains("Terkirim") && outbox.contains("Menunggu"));
    let page = app.page(&format!("/umkm/{sari}")).await;
    assert!(
        page.contains("id=\"pesan\"") && page.contains("Setuju sejak"),
        "{page}"
    );
    assert!(page.contains("Undangan kegiatan") && page.contains("Pengingat kegiatan"));

    // The stop link: the page asks first (a link scanner stops nothing) ...
    let stop = reqwest::Client::new();
    let res = stop
        .get(app.url(&format!("/berhenti/{token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let (waiting, _) = app
        .db
        .outbox(&common::city(), Some(MessageState::Queued), None, 10)
        .await
        .unwrap();
    assert_eq!(
        waiting.len(),
        1,
        "the reminder still waits before she presses the button"
    );
    // ... and the button stops at once: her consent withdrawn, the reminder cancelled.
    let res = stop
        .post(app.url(&format!("/berhenti/{token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body = res.text().await.unwrap();
    assert!(
        body.contains("Keripik Sari") && body.contains("tidak akan lagi"),
        "{body}"
    );
    let (cancelled, _) = app
        .db
        .outbox(&common::city(), Some(MessageState::Cancelled), None, 10)
        .await
        .unwrap();
    assert_eq!(cancelled.len(), 1);
    assert_eq!(cancelled[0].error.as_deref(), Some("stopped"));
    let consents = app.db.consents_of(&common::city(), &sari).await.unwrap();
    assert!(consents.iter().all(|c| !c.active()), "{consents:?}");
    // Invited again: she is no longer reachable, nothing is queued or sent.
    assert_eq!(
        invite(&app, &activity).await,
        "/pesan?status=queued&antri=0&sudah=0&tanpa=2"
    );
    assert_eq!(sink.settled().await.len(), 1);
    let page = app.page(&format!("/umkm/{sari}")).await;
    assert!(page.contains("Berhenti sejak"), "{page}");
    assert!(page.contains("tautan berhenti di pesan"));

    // A token no message carries.
    let res = stop
        .post(app.url(&format!("/berhenti/{}", "ab".repeat(32))))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}

/// The deployment's WhatsApp account, pointed at the stand-in at `url`.
fn cloud_api(url: String) -> WhatsappConfig {
    WhatsappConfig {
        base_url: url,
        phone_number_id: "1055551234".into(),
        token: "rahasia-uji".into(),
        app_secret: None,
        verify_token: None,
    }
}

/// A stand-in for the WhatsApp Business Cloud API's message endpoint, keeping what it was sent.
async fn whatsapp_stand_in() -> (
    String,
    std::sync::Arc<std::sync::Mutex<Vec<(String, serde_json::Value)>>>,
) {
    use axum::routing::post;
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let kept = seen.clone();
    let app = axum::Router::new().route(
        "/v21.0/{phone}/messages",
        post(
            move |axum::extract::Path(phone): axum::extract::Path<String>,
                  headers: axum::http::HeaderMap,
                  axum::Json(body): axum::Json<serde_json::Value>| {
                let kept = kept.clone();
                async move {
                    let auth = headers["authorization"].to_str().unwrap_or("").to_string();
                    let mut seen = kept.lock().unwrap();
                    seen.push((format!("{phone} {auth}"), body));
                    axum::Json(serde_json::json!({
                        "messaging_product": "whatsapp",
                        "contacts": [{"input": "x", "wa_id": "x"}],
                        "messages": [{"id": format!("wamid.test{}", seen.len())}],
                    }))
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}/v21.0"), seen)
}

#[tokio::test]
async fn whatsapp_goes_through_the_cloud_api_and_is_preferred_to_email() {
    let (url, seen) = whatsapp_stand_in().await;
    let app = app_with(MessagingConfig {
        whatsapp: Some(WhatsappConfig {
            base_url: url,
            phone_number_id: "1055551234".into(),
            token: "rahasia-uji".into(),
            app_secret: Some("rahasia-aplikasi".into()),
            verify_token: Some("cek-langganan".into()),
        }),
        hours: any_time(),
        ..Default::default()
    })
    .await;
    let sari = business(&app, "Keripik Sari", "3674034506900012", "0812-3456-7890").await;
    consent(&app, &sari, "whatsapp", "").await;
    let activity = clinic(&app).await;
    assert_eq!(
        invite(&app, &activity).await,
        "/pesan?status=queued&antri=2&sudah=0&tanpa=0"
    );
    for _ in 0..100 {
        if !seen.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1, "{seen:?}");
    let (who, body) = &seen[0];
    assert_eq!(who, "1055551234 Bearer rahasia-uji");
    assert_eq!(body["messaging_product"], "whatsapp");
    assert_eq!(body["to"], "6281234567890");
    assert_eq!(body["type"], "text");
    let text = body["text"]["body"].as_str().unwrap();
    assert!(
        text.contains("Klinik Kemasan Pangan") && text.contains("Balas STOP"),
        "{text}"
    );
    // Meta checks the webhook's subscription with our token, then signs what it sends.
    let anyone = reqwest::Client::new();
    let check = |token: &str| {
        app.url(&format!(
            "/webhook/whatsapp?hub.mode=subscribe&hub.verify_token={token}&hub.challenge=1158201444"
        ))
    };
    let res = anyone.get(check("cek-langganan")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.text().await.unwrap(), "1158201444");
    let res = anyone.get(check("tebakan")).send().await.unwrap();
    assert_eq!(res.status(), 403);
    let notify = |body: serde_json::Value, secret: &'static str| {
        let anyone = anyone.clone();
        let url = app.url("/webhook/whatsapp");
        async move {
            use hmac::Mac;
            let bytes = serde_json::to_vec(&body).unwrap();
            let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
            mac.update(&bytes);
            let hex: String = mac
                .finalize()
                .into_bytes()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            anyone
                .post(url)
                .header("content-type", "application/json")
                .header("x-hub-signature-256", format!("sha256={hex}"))
                .body(bytes)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    let change = |value: serde_json::Value| {
        serde_json::json!({
            "object": "whatsapp_business_account",
            "entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}]
        })
    };
    let delivered = change(serde_json::json!({
        "messaging_product": "whatsapp",
        "statuses": [{"id": "wamid.test1", "status": "delivered", "recipient_id": "6281234567890"}]
    }));
    // Not signed with the app's secret: nothing changes.
    assert_eq!(notify(delivered.clone(), "bukan-rahasianya").await, 401);
    let state_of = || async {
        app.db
            .messages_of(&common::city(), &sari)
            .await
            .unwrap()
            .into_iter()
            .map(|m| (m.purpose.as_str(), m.state))
            .collect::<Vec<_>>()
    };
    assert!(
        state_of()
            .await
            .contains(&("invitation", MessageState::Sent))
    );
    assert_eq!(notify(delivered, "rahasia-aplikasi").await, 200);
    assert!(
        state_of()
            .await
            .contains(&("invitation", MessageState::Delivered))
    );
    // She replies STOP: her WhatsApp consent ends and the reminder is cancelled.
    let reply = change(serde_json::json!({
        "messaging_product": "whatsapp",
        "contacts": [{"wa_id": "6281234567890"}],
        "messages": [{"from": "6281234567890", "id": "wamid.in1", "type": "text",
                      "text": {"body": "Stop"}}]
    }));
    assert_eq!(notify(reply, "rahasia-aplikasi").await, 200);
    assert!(
        state_of()
            .await
            .contains(&("reminder", MessageState::Cancelled))
    );
    let consents = app.db.consents_of(&common::city(), &sari).await.unwrap();
    assert!(consents.iter().all(|c| !c.active()), "{consents:?}");
}

#[tokio::test]
async fn without_a_provider_the_operator_sends_from_her_own_phone() {
    let app = common::spawn_app().await;
    let sari = business(&app, "Keripik Sari", "3674034506900012", "0812-3456-7890").await;
    consent(&app, &sari, "whatsapp", "").await;
    let activity = clinic(&app).await;
    assert_eq!(
        invite(&app, &activity).await,
        "/pesan?status=queued&antri=2&sudah=0&tanpa=0"
    );
    // Only the invitation is due: the reminder waits for the day before.
    let outbox = app.page("/pesan").await;
    assert!(outbox.contains("href=\"/pesan/kirim\""), "{outbox}");
    assert!(outbox.contains("(1)"), "{outbox}");
    let list = app.page("/pesan/kirim").await;
    assert!(
        list.contains("Keripik Sari") && list.contains("Klinik Kemasan Pangan"),
        "{list}"
    );
    let due = app
        .db
        .phone_queue(&common::city(), chrono::Utc::now().timestamp(), 10)
        .await
        .unwrap();
    assert_eq!(due.len(), 1);
    let id = due[0].id.clone();
    let audits = || async {
        app.db
            .audit_for("umkm", &sari)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.action == "reveal_personal_data")
            .count()
    };
    let before = audits().await;
    // One tap: WhatsApp opens with the text filled in; the number's reveal is audited once.
    for _ in 0..2 {
        let res = app.post_form(&format!("/pesan/{id}/kirim"), &[]).await;
        assert_eq!(res.status(), 303);
        let to = res.headers()["location"].to_str().unwrap().to_string();
        assert!(to.starts_with("https://wa.me/6281234567890?text="), "{to}");
        assert!(to.contains("Klinik"), "{to}");
    }
    assert_eq!(audits().await, before + 1);
    let list = app.page("/pesan/kirim").await;
    assert!(
        !list.contains("Keripik Sari"),
        "sent messages leave the list: {list}"
    );

    // Another kecamatan's operator neither sees nor sends it.
    let (other, _, _) = app.as_user("operator", "36.74.01").await;
    let res = other.get(app.url("/pesan/kirim")).send().await.unwrap();
    assert!(!res.text().await.unwrap().contains("Keripik Sari"));
    let res = other
        .get(app.url(&format!("/umkm/{sari}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn two_senders_never_hold_one_message_and_an_interrupted_one_follows_its_channel() {
    let app = common::spawn_app().await;
    let sari = business(&app, "Keripik Sari", "3674034506900012", "0812-3456-7890").await;
    let village = sentra_domain::region::RegionCode::parse("36.74.03.1005").unwrap();
    let now = chrono::Utc::now().timestamp();
    let message = |key: &str, channel: Channel| sentra_storage::NewMessage {
        dedup_key: key.into(),
        umkm_id: Some(sari.clone()),
        recipient_name: "Keripik Sari".into(),
        village_code: village.clone(),
        channel,
        address: "sari@contoh.id".into(),
        purpose: sentra_domain::messaging::Purpose::Broadcast,
        lang: "id".into(),
        subject: None,
        body: "Halo".into(),
        due_at: now - 1,
        stop_token: sentra_storage::new_secret(),
    };
    let actor = Actor::system("test");
    let (queued, _) = app
        .db
        .queue_messages(
            &[
                message("a", Channel::Email),
                message("b", Channel::Whatsapp),
            ],
            &actor,
        )
        .await
        .unwrap();
    assert_eq!(queued, 2);
    // Two servers ask at once: each gets a different message, or one gets none.
    let channels = [Channel::Email, Channel::Whatsapp];
    let (one, two) = tokio::join!(
        app.db.claim_message(&channels, now, 60),
        app.db.claim_message(&channels, now, 60)
    );
    let (one, two) = (one.unwrap(), two.unwrap());
    let mut held: Vec<String> = [one, two]
        .into_iter()
        .flatten()
        .map(|m| m.dedup_key)
        .collect();
    held.sort();
    held.dedup();
    assert!(!held.is_empty());
    while let Some(m) = app.db.claim_message(&channels, now, 60).await.unwrap() {
        assert!(
            !held.contains(&m.dedup_key),
            "claimed twice: {}",
            m.dedup_key
        );
        held.push(m.dedup_key);
    }
    held.sort();
    assert_eq!(held, ["a", "b"]);
    // Both senders died mid-send; after the lease, e-mail goes again (same Message-ID),
    // WhatsApp is failed as interrupted rather than risk a second message on her phone.
    assert_eq!(
        app.db.recover_interrupted_messages(now + 30).await.unwrap(),
        (0, 0)
    );
    assert_eq!(
        app.db.recover_interrupted_messages(now + 61).await.unwrap(),
        (1, 1)
    );
    let again = app
        .db
        .claim_message(&channels, now + 61, 60)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.dedup_key, "a");
    assert_eq!(again.attempts, 2);
    // A refusal that may pass later waits; one that will not fails with its reason.
    app.db
        .message_failed(&again.id, "smtp: 451 busy", Some(now + 120))
        .await
        .unwrap();
    assert!(
        app.db
            .claim_message(&channels, now + 100, 60)
            .await
            .unwrap()
            .is_none()
    );
    let third = app
        .db
        .claim_message(&channels, now + 121, 60)
        .await
        .unwrap()
        .unwrap();
    app.db
        .message_failed(&third.id, "smtp: 550 no such user", None)
        .await
        .unwrap();
    let (failed, counts) = app
        .db
        .outbox(&common::city(), Some(MessageState::Failed), None, 10)
        .await
        .unwrap();
    assert_eq!(counts.of(MessageState::Failed), 2);
    let reasons: Vec<_> = failed.iter().filter_map(|m| m.error.clone()).collect();
    assert!(reasons.contains(&"interrupted".to_string()), "{reasons:?}");
    assert!(
        reasons.contains(&"smtp: 550 no such user".to_string()),
        "{reasons:?}"
    );
    let page = app.page("/pesan?status=failed").await;
    assert!(page.contains("server berhenti saat mengirim"), "{page}");
    assert!(
        page.contains("server e-mail menolak (550 no such user)"),
        "{page}"
    );
}

#[tokio::test]
async fn an_admin_edits_the_texts_and_the_next_message_uses_them() {
    let app = common::spawn_app().await;
    let page = app.page("/admin/pesan").await;
    assert!(
        page.contains("{owner}") && page.contains("Undangan kegiatan"),
        "{page}"
    );
    // A variable the purpose does not have (the owner's NIK, say) is refused by name, the text
    // kept as typed.
    let typed = "Halo {owner}, NIK Anda {nik}. {link}";
    let res = app
        .post_form(
            "/admin/pesan",
            &[("purpose", "invitation"), ("lang", "id"), ("text", typed)],
        )
        .await;
    assert_eq!(res.status(), 422);
    let body = common::readable(res.text().await.unwrap());
    assert!(body.contains("{nik} tidak dikenal"), "{body}");
    assert!(body.contains(typed), "the text is kept: {body}");
    let res = app
        .post_form(
            "/admin/pesan",
            &[
                ("purpose", "invitation"),
                ("lang", "id"),
                (
                    "text",
                    "Halo {owner}! Datang ke {title}, {when}. Daftar: {link}",
                ),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let sari = business(&app, "Keripik Sari", "3674034506900012", "0812-3456-7890").await;
    consent(&app, &sari, "whatsapp", "").await;
    let activity = clinic(&app).await;
    invite(&app, &activity).await;
    let list = app.page("/pesan/kirim").await;
    assert!(list.contains("Datang ke Klinik Kemasan Pangan"), "{list}");
    // A kecamatan's admin does not change what the whole city sends.
    let (kecamatan, _, csrf) = app.as_user("admin", "36.74.03").await;
    let res = kecamatan
        .post(app.url("/admin/pesan"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("purpose", "invitation"),
            ("lang", "id"),
            ("text", "{owner}"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
}

#[tokio::test]
async fn the_registry_tells_the_owner_when_she_is_verified_and_before_a_document_expires() {
    let app = common::spawn_app().await;
    // A draft with a P-IRT whose last day is a week ahead, and an NIB that does not expire.
    let mut body = common::valid_body();
    body["name"] = "Keripik Sari".into();
    body["nik"] = "3674034506900012".into();
    body["phone"] = "0812-3456-7890".into();
    let last_day = common::today() + chrono::Duration::days(7);
    body["documents"] = serde_json::json!([
        {"kind": "nib", "number": "1234567890123"},
        {"kind": "pirt", "number": "2063674010123-31",
         "issued_on": (last_day - chrono::Duration::days(700)).to_string(),
         "expires_on": last_day.to_string()},
    ]);
    let (status, made) = app
        .send_json(reqwest::Method::POST, "/api/v1/umkm", &body)
        .await;
    assert_eq!(status, 201, "{made}");
    let sari = made["id"].as_str().unwrap().to_string();
    consent(&app, &sari, "whatsapp", "").await;
    let now = || chrono::Utc::now().timestamp();
    let queue = || async {
        app.db
            .phone_queue(&common::city(), now(), 50)
            .await
            .unwrap()
            .into_iter()
            .map(|m| (m.purpose.as_str().to_string(), m.body))
            .collect::<Vec<_>>()
    };
    assert!(queue().await.is_empty());
    // Verified on her page: she hears it once, not again after leaving and coming back.
    for status in ["verified", "inactive", "verified"] {
        let res = app
            .post_form(&format!("/umkm/{sari}/status"), &[("status", status)])
            .await;
        assert_eq!(res.status(), 303);
    }
    let waiting = queue().await;
    assert_eq!(waiting.len(), 1, "{waiting:?}");
    assert_eq!(waiting[0].0, "verified");
    assert!(waiting[0].1.contains("sudah diverifikasi"), "{waiting:?}");
    // The day's expiry notices: the P-IRT's, a week ahead, once however often they are written.
    let state = sentra_web::AppState::new(
        app.db.clone(),
        sentra_domain::region::RegionCode::parse("36.74").unwrap(),
    );
    assert_eq!(sentra_web::queue_expiry_notices(&state).await.unwrap(), 1);
    assert_eq!(sentra_web::queue_expiry_notices(&state).await.unwrap(), 0);
    let waiting = queue().await;
    let expiry = waiting.iter().find(|(p, _)| p == "expiry").unwrap();
    assert!(
        expiry.1.contains("P-IRT") && expiry.1.contains("Segera perpanjang"),
        "{expiry:?}"
    );
    assert!(expiry.1.contains("/agenda?topik=legalitas"), "{expiry:?}");
}

#[tokio::test]
async fn a_broadcast_to_a_filtered_list_is_previewed_counted_and_limited_per_day() {
    let app = app_with(MessagingConfig {
        broadcast_daily_limit: 2,
        ..Default::default()
    })
    .await;
    let sari = business(&app, "Keripik Sari", "3674034506900012", "0812-3456-7890").await;
    let _ani = business(&app, "Sambal Bu Ani", "3674034506900029", "0813-1111-2222").await;
    let mut body = common::valid_body();
    body["name"] = "Anyaman Pak Budi".into();
    body["nik"] = "3674031506900037".into();
    body["phone"] = "0857-1234-5678".into();
    body["sector"] = "kriya".into();
    let (status, made) = app
        .send_json(reqwest::Method::POST, "/api/v1/umkm", &body)
        .await;
    assert_eq!(status, 201, "{made}");
    let budi = made["id"].as_str().unwrap().to_string();
    app.verify(&[&budi]).await;
    consent(&app, &sari, "whatsapp", "").await;
    consent(&app, &budi, "whatsapp", "").await;

    // The kuliner list: two businesses, one agreed to be contacted.
    let list = app.page("/umkm?sector=kuliner").await;
    assert!(list.contains("/pesan/siaran?sector=kuliner"), "{list}");
    let page = common::readable(app.page("/pesan/siaran?sector=kuliner").await);
    assert!(
        page.contains(
            "<strong>1</strong> usaha dapat dihubungi (sudah setuju) dari <strong>2</strong>"
        ),
        "{page}"
    );
    let res = app
        .post_form(
            "/pesan/siaran?sector=kuliner",
            &[("text", "  "), ("action", "preview")],
        )
        .await;
    assert_eq!(res.status(), 422);
    let text = "Pendaftaran bazar Ramadan dibuka sampai 20 Februari di kantor kecamatan.";
    let res = app
        .post_form(
            "/pesan/siaran?sector=kuliner",
            &[("text", text), ("action", "preview")],
        )
        .await;
    assert_eq!(res.status(), 200);
    let preview = common::readable(res.text().await.unwrap());
    assert!(
        preview.contains(text) && preview.contains("Balas STOP"),
        "{preview}"
    );
    assert!(preview.contains("Kirim ke 1 usaha"), "{preview}");
    assert!(
        app.db
            .phone_queue(&common::city(), i64::MAX, 10)
            .await
            .unwrap()
            .is_empty()
    );
    // The audience changed since the preview (it said 2): nothing goes, she looks again.
    let res = app
        .post_form(
            "/pesan/siaran?sector=kuliner",
            &[("text", text), ("action", "send"), ("expect", "2")],
        )
        .await;
    assert_eq!(res.status(), 409);
    let form = [("text", text), ("action", "send"), ("expect", "1")];
    let send = || app.post_form("/pesan/siaran?sector=kuliner", &form);
    let res = send().await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()["location"],
        "/pesan?status=queued&antri=1&sudah=0&tanpa=0"
    );
    let queued = app
        .db
        .phone_queue(&common::city(), i64::MAX, 10)
        .await
        .unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].umkm_id, Some(sari));
    // The same text again the same day reaches no one twice (the limit of 2 still leaves 1).
    let res = send().await;
    assert_eq!(
        res.headers()["location"],
        "/pesan?status=queued&antri=0&sudah=1&tanpa=0"
    );
    // The whole city (two reachable) is more than today's limit leaves: refused.
    let page = common::readable(app.page("/pesan/siaran").await);
    assert!(page.contains("sisa hari ini 1"), "{page}");
    assert!(page.contains("melebihi sisa batas"), "{page}");
    let res = app
        .post_form(
            "/pesan/siaran",
            &[("text", "Halo semua"), ("action", "send"), ("expect", "1")],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert_eq!(
        app.db
            .phone_queue(&common::city(), i64::MAX, 10)
            .await
            .unwrap()
            .len(),
        1
    );
}

/// The code in the last WhatsApp the stand-in took.
fn last_code(seen: &std::sync::Mutex<Vec<(String, serde_json::Value)>>) -> String {
    let seen = seen.lock().unwrap();
    let text = seen.last().unwrap().1["text"]["body"]
        .as_str()
        .unwrap()
        .to_string();
    text.split("Kode Sentra Anda: ")
        .nth(1)
        .unwrap()
        .chars()
        .take(6)
        .collect()
}

#[tokio::test]
async fn a_code_by_whatsapp_proves_her_phone_and_resets_her_password() {
    let (url, seen) = whatsapp_stand_in().await;
    let app = app_with(MessagingConfig {
        whatsapp: Some(cloud_api(url)),
        ..Default::default()
    })
    .await;
    // She signs up: the code goes to her WhatsApp at once (at any hour: she asked for it), and
    // the account exists only with it.
    let bare = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let signup = |path: &'static str, fields: Vec<(&'static str, String)>| {
        let bare = bare.clone();
        let url = app.url(path);
        async move { bare.post(url).form(&fields).send().await.unwrap() }
    };
    let who = || {
        vec![
            ("name", "Sri Lestari".to_string()),
            ("phone", "0812-3456-7890".to_string()),
        ]
    };
    let res = signup("/signup/kode", who()).await;
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("Kode sudah dikirim") && page.contains("value=\"Sri Lestari\""),
        "{page}"
    );
    assert_eq!(seen.lock().unwrap().len(), 1);
    assert_eq!(seen.lock().unwrap()[0].1["to"], "6281234567890");
    let code = last_code(&seen);
    assert_eq!(code.len(), 6);
    let with = |code: &str| {
        let mut f = who();
        f.push(("password", "kata-sandi-pemilik".into()));
        f.push(("code", code.to_string()));
        f
    };
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let res = signup("/signup", with(wrong)).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("Kode salah"));
    assert!(
        app.db
            .user_by_login("+6281234567890")
            .await
            .unwrap()
            .is_none()
    );
    let res = signup("/signup", with(&code)).await;
    assert_eq!(res.status(), 303);
    let cookie = res.headers()["set-cookie"].to_str().unwrap();
    let session = cookie
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("sentra_session=")
        .to_string();
    let owner = common::clients(&session, "none").0;
    let user = app
        .db
        .user_by_login("+6281234567890")
        .await
        .unwrap()
        .unwrap();
    assert!(app.db.account_holder_confirmed(&user.id).await.unwrap());
    let page = common::page_as(&owner, &app, "/akun/nomor").await;
    assert!(page.contains("id=\"proven\""), "{page}");
    // A number that has an account gets no second sign-up code.
    let res = signup("/signup/kode", who()).await;
    assert_eq!(res.status(), 422);
    assert_eq!(seen.lock().unwrap().len(), 1);
    // Proven, her account takes her business from the operator's hand-over without a visit.
    let sari = business(&app, "Keripik Sari", "3674034506900012", "0812-3456-7890").await;
    let res = app
        .post_form(
            &format!("/umkm/{sari}/owner"),
            &[("phone", "0812-3456-7890")],
        )
        .await;
    assert_eq!(res.status(), 200);
    let body = res.text().await.unwrap();
    assert!(
        !body.contains("holder_checked"),
        "no visit asked for: {body}"
    );
    let res = owner
        .get(app.url(&format!("/umkm/{sari}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "the business is hers now");

    // She forgot her password. A number without an account gets the same answer and no code.
    let anyone = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let ask = |phone: &'static str| {
        let anyone = anyone.clone();
        let url = app.url("/lupa-sandi");
        async move {
            let res = anyone
                .post(url)
                .form(&[("phone", phone)])
                .send()
                .await
                .unwrap();
            (res.status().as_u16(), res.text().await.unwrap())
        }
    };
    let (status, stranger) = ask("0813-9999-0000").await;
    assert_eq!(status, 200);
    assert!(stranger.contains("Bila +62813"), "{stranger}");
    assert_eq!(
        seen.lock().unwrap().len(),
        1,
        "no code to a number without an account"
    );
    let (_, page) = ask("0812-3456-7890").await;
    assert!(page.contains("Bila +62812"), "{page}");
    assert_eq!(seen.lock().unwrap().len(), 2);
    let code = last_code(&seen);
    let finish = |code: String, password: &'static str| {
        let anyone = anyone.clone();
        let url = app.url("/lupa-sandi/baru");
        async move {
            let res = anyone
                .post(url)
                .form(&[
                    ("phone", "+6281234567890"),
                    ("code", &code),
                    ("password", password),
                ])
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            (status, res.text().await.unwrap())
        }
    };
    // A short password is named, and the code is not spent by it.
    let (status, body) = finish(code.clone(), "pendek").await;
    assert_eq!(status, 422);
    assert!(body.contains("Kata sandi"), "{body}");
    // Five wrong tries spend the code: the right one after them no longer works.
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        assert_eq!(finish(wrong.into(), "kata-sandi-baru-sri").await.0, 422);
    }
    let (status, body) = finish(code, "kata-sandi-baru-sri").await;
    assert_eq!(status, 422);
    assert!(body.contains("tidak berlaku"), "{body}");
    // A new code (the second reset code this hour), and the password is set; her old session
    // ends.
    ask("0812-3456-7890").await;
    assert_eq!(seen.lock().unwrap().len(), 3);
    let (status, _) = finish(last_code(&seen), "kata-sandi-baru-sri").await;
    assert_eq!(status, 303);
    assert!(
        app.sign_in("+6281234567890", "kata-sandi-baru-sri")
            .await
            .is_some()
    );
    assert!(
        app.sign_in("+6281234567890", "kata-sandi-pemilik")
            .await
            .is_none()
    );
    let res = owner.get(app.url("/akun/nomor")).send().await.unwrap();
    assert_eq!(res.status(), 303, "the old session ended");
    // Three reset codes an hour; a fourth is not sent (the page says the same).
    ask("0812-3456-7890").await;
    assert_eq!(seen.lock().unwrap().len(), 4);
    let (status, page) = ask("0812-3456-7890").await;
    assert_eq!(status, 200);
    assert!(page.contains("Bila +62812"), "{page}");
    assert_eq!(seen.lock().unwrap().len(), 4);

    // An owner account from before codes were set up proves its number on /akun/nomor.
    let account = sentra_domain::account::validate_account(
        "Ani",
        "0813-1111-2222",
        "owner",
        "36.74",
        "kata-sandi-ani-123",
        sentra_domain::region::RegionTree::embedded(),
        None,
    )
    .unwrap();
    let ani = app
        .db
        .create_user(&account, "kata-sandi-ani-123", &Actor::system("test"))
        .await
        .unwrap();
    let (session, csrf) = app
        .sign_in("+6281311112222", "kata-sandi-ani-123")
        .await
        .unwrap();
    let client = common::clients(&session, "none").0;
    let (status, to, _) = common::post_form(&app, &client, &csrf, "/akun/nomor/kirim", &[]).await;
    assert_eq!((status, to.as_str()), (303, "/akun/nomor?kirim=ok"));
    assert_eq!(seen.lock().unwrap().len(), 5);
    let code = last_code(&seen);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let (status, _, body) =
        common::post_form(&app, &client, &csrf, "/akun/nomor", &[("code", wrong)]).await;
    assert_eq!(status, 422);
    assert!(body.contains("Kode salah"), "{body}");
    assert!(!app.db.account_holder_confirmed(&ani.id).await.unwrap());
    let (status, _, _) =
        common::post_form(&app, &client, &csrf, "/akun/nomor", &[("code", &code)]).await;
    assert_eq!(status, 303);
    assert!(app.db.account_holder_confirmed(&ani.id).await.unwrap());
}

#[tokio::test]
async fn without_whatsapp_or_sms_the_reset_page_sends_her_to_the_dinas() {
    let app = common::spawn_app().await;
    let page = reqwest::get(app.url("/lupa-sandi"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"reset-ask-staff\""), "{page}");
    let login = reqwest::get(app.url("/login"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(login.contains("href=\"/lupa-sandi\""));
}

/// A draft of the city with the owner's phone (owners and addresses apart, so that no two
/// look like one business); its id.
pub(crate) async fn draft(app: &common::TestApp, name: &str, nik: &str, phone: &str) -> String {
    let mut body = common::valid_body();
    body["name"] = name.into();
    body["owner_name"] = format!("Pemilik {name}").into();
    body["address"] = format!("Jl. {name} No. {}", &nik[12..]).into();
    let n: f64 = nik[12..].parse().unwrap();
    body["brand"] = serde_json::Value::Null;
    body["documents"] = serde_json::json!([]);
    body["links"] = serde_json::json!({});
    body["latitude"] = (-6.25 - n / 1000.0).into();
    body["longitude"] = (106.70 + n / 1000.0).into();
    body["nik"] = nik.into();
    body["phone"] = phone.into();
    let (status, made) = app
        .send_json(reqwest::Method::POST, "/api/v1/umkm", &body)
        .await;
    assert_eq!(status, 201, "{made}");
    made["id"].as_str().unwrap().to_string()
}

/// Starts a bulk job from the list's form; the job page it leads to, once the job is done.
async fn bulk(app: &common::TestApp, query: &str, fields: &[(&str, &str)]) -> String {
    let res = app.post_form(&format!("/umkm/massal{query}"), fields).await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    let job = res.headers()["location"].to_str().unwrap().to_string();
    assert!(job.starts_with("/umkm/massal/"), "{job}");
    for _ in 0..100 {
        let page = app.page(&job).await;
        if page.contains("id=\"bulk-summary\"") {
            return common::readable(page);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the bulk job did not finish: {}", app.page(&job).await);
}

/// Sari's and Ani's kuliner drafts and Pak Budi's, in that order.
async fn three_drafts(app: &common::TestApp) -> [String; 3] {
    [
        draft(app, "Keripik Sari", "3674034506900012", "0812-3456-7890").await,
        draft(app, "Sambal Bu Ani", "3674035203850021", "0813-1111-2222").await,
        draft(
            app,
            "Anyaman Pak Budi",
            "3674031506900037",
            "0857-1234-5678",
        )
        .await,
    ]
}

#[tokio::test]
async fn records_chosen_in_the_list_are_verified_or_messaged_at_once_with_the_refusals_named() {
    let app = common::spawn_app().await;
    let [a, b, c] = three_drafts(&app).await;
    app.verify(&[&c]).await;
    let list = app.page("/umkm").await;
    assert!(list.contains("id=\"bulk\"") && list.contains(&format!("value=\"{a}\" form=\"bulk\"")));
    // Nothing chosen: named, nothing started.
    let res = app.post_form("/umkm/massal", &[("action", "verify")]).await;
    assert_eq!(res.status(), 422);
    // Two chosen and one that is no record here: one verified, two refused with the reason.
    let summary = bulk(
        &app,
        "",
        &[
            ("action", "verify"),
            ("ids", &a),
            ("ids", &c),
            ("ids", "tidak-ada"),
        ],
    )
    .await;
    assert!(
        summary.contains("1 usaha diverifikasi; 2 ditolak"),
        "{summary}"
    );
    assert!(summary.contains("Anyaman Pak Budi") && summary.contains("sudah terverifikasi"));
    assert!(summary.contains("tidak ada di wilayah Anda"), "{summary}");
    let db = app.db.clone();
    let status = |id: String| {
        let db = db.clone();
        async move {
            db.get_umkm(&common::city(), &id)
                .await
                .unwrap()
                .status
                .as_str()
        }
    };
    assert_eq!(status(a.clone()).await, "verified");
    assert_eq!(status(b.clone()).await, "draft");
    // All that match the list's filters (the drafts): Ani's too.
    let summary = bulk(&app, "?status=draft", &[("action", "verify"), ("all", "1")]).await;
    assert!(
        summary.contains("1 usaha diverifikasi; 0 ditolak"),
        "{summary}"
    );
    assert_eq!(status(b.clone()).await, "verified");
    // A message to the kuliner businesses (all three): only Sari agreed to be contacted.
    consent(&app, &a, "whatsapp", "").await;
    let summary = bulk(
        &app,
        "?sector=kuliner",
        &[
            ("action", "message"),
            ("all", "1"),
            ("text", "Bazar Ramadan dibuka."),
        ],
    )
    .await;
    assert!(
        summary.contains("1 pesan diantrikan; 2 ditolak"),
        "{summary}"
    );
    assert!(
        summary.contains("pemilik belum setuju dihubungi"),
        "{summary}"
    );
    let waiting = app
        .db
        .phone_queue(&common::city(), i64::MAX, 10)
        .await
        .unwrap();
    assert!(
        waiting
            .iter()
            .any(|m| m.umkm_id.as_ref() == Some(&a) && m.body.contains("Bazar Ramadan"))
    );
    // Two records that look like one business (the same NIB, address and place) wait for the
    // duplicate check; neither is verified in bulk.
    let mut twins = Vec::new();
    for nik in ["3674034506900043", "3674034506900051"] {
        let mut body = common::valid_body();
        body["nik"] = nik.into();
        let (status, made) = app
            .send_json(reqwest::Method::POST, "/api/v1/umkm", &body)
            .await;
        assert_eq!(status, 201, "{made}");
        twins.push(made["id"].as_str().unwrap().to_string());
    }
    let summary = bulk(
        &app,
        "",
        &[("action", "verify"), ("ids", &twins[0]), ("ids", &twins[1])],
    )
    .await;
    assert!(
        summary.contains("0 usaha diverifikasi; 2 ditolak"),
        "{summary}"
    );
    assert_eq!(
        summary.matches("ada kemungkinan duplikat").count(),
        2,
        "{summary}"
    );
    // Someone else's job is not theirs to read.
    let res = app
        .post_form("/umkm/massal", &[("action", "verify"), ("ids", &a)])
        .await;
    let job = res.headers()["location"].to_str().unwrap().to_string();
    let (other, _, _) = app.as_user("admin", "36.74").await;
    let res = other.get(app.url(&job)).send().await.unwrap();
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn each_server_keeps_a_channels_rate() {
    use axum::routing::post;
    let arrived = std::sync::Arc::new(std::sync::Mutex::new(Vec::<std::time::Instant>::new()));
    let kept = arrived.clone();
    let endpoint = axum::Router::new().route(
        "/v21.0/{phone}/messages",
        post(move || {
            let kept = kept.clone();
            async move {
                kept.lock().unwrap().push(std::time::Instant::now());
                axum::Json(serde_json::json!({"messages": [{"id": "wamid.rate"}]}))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, endpoint).await;
    });
    let app = app_with(MessagingConfig {
        whatsapp: Some(WhatsappConfig {
            base_url: format!("http://{addr}/v21.0"),
            phone_number_id: "1055551234".into(),
            token: "rahasia-uji".into(),
            app_secret: None,
            verify_token: None,
        }),
        hours: any_time(),
        rates: sentra_domain::messaging::ChannelRates::parse("whatsapp=5").unwrap(),
        ..Default::default()
    })
    .await;
    for (name, nik, phone) in [
        ("Keripik Sari", "3674034506900012", "0812-3456-7890"),
        ("Sambal Bu Ani", "3674034506900029", "0813-1111-2222"),
        ("Kue Bu Rina", "3674034506900043", "0813-3333-4444"),
        ("Dodol Bu Tuti", "3674034506900051", "0813-5555-6666"),
    ] {
        let id = business(&app, name, nik, phone).await;
        consent(&app, &id, "whatsapp", "").await;
    }
    let (status, sent) = app
        .send_json(
            reqwest::Method::POST,
            "/api/v1/broadcasts",
            &serde_json::json!({"text": "Bazar dibuka.", "expect": 4}),
        )
        .await;
    assert_eq!(status, 202, "{sent}");
    for _ in 0..100 {
        if arrived.lock().unwrap().len() >= 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let times = arrived.lock().unwrap().clone();
    assert_eq!(times.len(), 4, "all four sent");
    // Five a second: never two within 200 ms of each other (a slow machine only widens them).
    for pair in times.windows(2) {
        let gap = pair[1] - pair[0];
        assert!(gap >= Duration::from_millis(190), "{gap:?}");
    }
}

/// `sentra serve` as a deployment runs it, sending WhatsApp to `whatsapp_url`; killed on drop.
struct ServerProcess(Child);

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn sending_server(
    dir: &std::path::Path,
    db_url: &str,
    whatsapp_url: &str,
    name: &str,
) -> ServerProcess {
    let child = common::sentra_in(dir)
        .args(["serve", "--listen", "127.0.0.1:0", "--home-region", "36.74"])
        .args(["--database", db_url, "--key-file", "sentra.key"])
        .args(["--search-dir", &format!("search-{name}")])
        .args([
            "--whatsapp-url",
            whatsapp_url,
            "--whatsapp-phone-id",
            "1055551234",
        ])
        .args(["--whatsapp-token", "rahasia-uji", "--sending-hours", "0-24"])
        .args(["--message-rates", "whatsapp=0", "--message-lease", "20"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("sentra serve");
    ServerProcess(child)
}

#[tokio::test]
async fn two_server_processes_send_each_message_once_when_one_is_killed_mid_send() {
    use axum::routing::post;
    use std::sync::atomic::{AtomicBool, Ordering};
    // The Cloud API's stand-in keeps every text it is sent, and never answers the first: the
    // server sending it is killed while it waits.
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let hang = std::sync::Arc::new(AtomicBool::new(true));
    let (kept, first) = (seen.clone(), hang.clone());
    let endpoint = axum::Router::new().route(
        "/v21.0/{phone}/messages",
        post(move |axum::Json(body): axum::Json<serde_json::Value>| {
            let (kept, first) = (kept.clone(), first.clone());
            async move {
                let text = body["text"]["body"].as_str().unwrap_or("").to_string();
                kept.lock().unwrap().push(text);
                if first.swap(false, Ordering::SeqCst) {
                    tokio::time::sleep(Duration::from_secs(120)).await;
                }
                axum::Json(serde_json::json!({"messages": [{"id": "wamid.proses"}]}))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let whatsapp = format!("http://{}/v21.0", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, endpoint).await;
    });

    // One database and key for the test's own server (no channel: it sends nothing) and the
    // two deployed ones.
    let dir = tempfile::tempdir().unwrap();
    let (key, hex) = PersonalKey::generate();
    std::fs::write(dir.path().join("sentra.key"), hex).unwrap();
    let test_db = common::test_db().await;
    let url = test_db.url.clone();
    let app = common::spawn_app_on(test_db, Keyring::new(key)).await;
    let sari = business(&app, "Keripik Sari", "3674034506900012", "0812-3456-7890").await;
    consent(&app, &sari, "whatsapp", "").await;
    let now = chrono::Utc::now().timestamp();
    let texts = [
        ("invitation:klinik:sari", "Undangan Klinik Kemasan Pangan"),
        (
            "reminder:klinik:sari",
            "Pengingat: Klinik Kemasan Pangan besok",
        ),
        (
            "expiry:sari:pirt",
            "P-IRT Keripik Sari berlaku sampai 14 Desember",
        ),
    ];
    let messages: Vec<_> = texts
        .iter()
        .map(|(key, text)| sentra_storage::NewMessage {
            dedup_key: (*key).into(),
            umkm_id: Some(sari.clone()),
            recipient_name: "Keripik Sari".into(),
            village_code: sentra_domain::region::RegionCode::parse("36.74.03.1005").unwrap(),
            channel: Channel::Whatsapp,
            address: "+6281234567890".into(),
            purpose: sentra_domain::messaging::Purpose::Broadcast,
            lang: "id".into(),
            subject: None,
            body: (*text).into(),
            due_at: now - 1,
            stop_token: sentra_storage::new_secret(),
        })
        .collect();
    app.db
        .queue_messages(&messages, &Actor::system("test"))
        .await
        .unwrap();

    let wait_for = |n: usize, secs: u64| {
        let seen = seen.clone();
        async move {
            for _ in 0..secs * 10 {
                if seen.lock().unwrap().len() >= n {
                    return true;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            false
        }
    };
    let mut first_server = sending_server(dir.path(), &url, &whatsapp, "a");
    assert!(wait_for(1, 60).await, "the first server never sent");
    // The second server starts while the first waits on its send, and sends the other two.
    let _second = sending_server(dir.path(), &url, &whatsapp, "b");
    wait_for(3, 8).await;
    let _ = first_server.0.kill();
    let _ = first_server.0.wait();
    assert!(
        wait_for(3, 30).await,
        "the second server sent the rest: {:?}",
        seen.lock().unwrap()
    );
    // Past the lease, the second server takes the first's send as interrupted: failed for staff
    // to check, never a second WhatsApp on her phone.
    let mut interrupted = Vec::new();
    for _ in 0..400 {
        let (failed, _) = app
            .db
            .outbox(&common::city(), Some(MessageState::Failed), None, 10)
            .await
            .unwrap();
        if !failed.is_empty() {
            interrupted = failed;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        interrupted.len(),
        1,
        "the interrupted send was never recovered"
    );
    assert_eq!(interrupted[0].error.as_deref(), Some("interrupted"));
    let (_, counts) = app
        .db
        .outbox(&common::city(), None, None, 10)
        .await
        .unwrap();
    assert_eq!(counts.of(MessageState::Sent), 2, "{counts:?}");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut got = seen.lock().unwrap().clone();
    got.sort();
    let mut wanted: Vec<String> = texts.iter().map(|(_, t)| (*t).to_string()).collect();
    wanted.sort();
    assert_eq!(got, wanted, "each message reached her phone exactly once");
}

#[tokio::test]
async fn a_stop_replied_by_sms_ends_her_sms_and_nothing_else() {
    let app = app_with(MessagingConfig {
        sms: Some(sentra_web::SmsConfig {
            // Not called: the message below is due in an hour.
            url: "http://127.0.0.1:9/send?to={to}&text={text}".into(),
            token: None,
            inbound_secret: Some("rahasia-gerbang".into()),
        }),
        hours: any_time(),
        ..Default::default()
    })
    .await;
    let sari = business(&app, "Keripik Sari", "3674034506900012", "0812-3456-7890").await;
    consent(&app, &sari, "sms", "").await;
    consent(&app, &sari, "whatsapp", "").await;
    let waiting = sentra_storage::NewMessage {
        dedup_key: "broadcast:sms:sari".into(),
        umkm_id: Some(sari.clone()),
        recipient_name: "Keripik Sari".into(),
        village_code: sentra_domain::region::RegionCode::parse("36.74.03.1005").unwrap(),
        channel: Channel::Sms,
        address: "+6281234567890".into(),
        purpose: sentra_domain::messaging::Purpose::Broadcast,
        lang: "id".into(),
        subject: None,
        body: "Bazar dibuka.".into(),
        due_at: chrono::Utc::now().timestamp() + 3600,
        stop_token: sentra_storage::new_secret(),
    };
    app.db
        .queue_messages(&[waiting], &Actor::system("test"))
        .await
        .unwrap();
    let gateway = reqwest::Client::new();
    // Another secret, or a reply that is not a stop, changes nothing.
    let res = gateway
        .post(app.url("/webhook/sms/tebakan"))
        .form(&[("from", "081234567890"), ("text", "STOP")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let res = gateway
        .post(app.url("/webhook/sms/rahasia-gerbang"))
        .json(&serde_json::json!({"msisdn": "6281234567890", "message": "Terima kasih"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let active = |consents: &[sentra_storage::Consent], ch: Channel| {
        consents.iter().any(|c| c.channel == ch && c.active())
    };
    let consents = app.db.consents_of(&common::city(), &sari).await.unwrap();
    assert!(active(&consents, Channel::Sms));
    // The gateway's own way of writing her number: the same owner.
    let res = gateway
        .post(app.url("/webhook/sms/rahasia-gerbang"))
        .form(&[("from", "0812-3456-7890"), ("text", " stop ")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let consents = app.db.consents_of(&common::city(), &sari).await.unwrap();
    assert!(!active(&consents, Channel::Sms), "{consents:?}");
    assert!(
        active(&consents, Channel::Whatsapp),
        "WhatsApp is another channel"
    );
    let (_, counts) = app
        .db
        .outbox(&common::city(), None, None, 10)
        .await
        .unwrap();
    assert_eq!(counts.of(MessageState::Cancelled), 1, "{counts:?}");
    let res = gateway
        .post(app.url("/webhook/sms/rahasia-gerbang"))
        .form(&[("text", "STOP")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
}

#[tokio::test]
async fn records_ticked_in_the_list_are_exported_alone() {
    let app = common::spawn_app().await;
    let [a, _b, c] = three_drafts(&app).await;
    let list = app.page("/umkm").await;
    assert!(list.contains("<option value=\"export\">"), "{list}");
    // Nothing ticked: named.
    let res = app.post_form("/umkm/massal", &[("action", "export")]).await;
    assert_eq!(res.status(), 422);
    let res = app
        .post_form(
            "/umkm/massal?sector=kuliner",
            &[("action", "export"), ("ids", &a), ("ids", &c)],
        )
        .await;
    assert_eq!(res.status(), 303);
    let to = res.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(
        to,
        format!("/umkm/ekspor?sector=kuliner&pilih={a}&pilih={c}")
    );
    // The export page and its downloads carry the selection, with the filters beside it.
    let page = app.page(&to).await;
    assert!(page.contains(&format!("pilih={a}")), "{page}");
    let csv = app
        .get(&format!(
            "/umkm/export.csv?sector=kuliner&pilih={a}&pilih={c}"
        ))
        .await;
    assert_eq!(csv.status(), 200);
    let rows = common::csv_body_rows(&csv.bytes().await.unwrap(), true);
    let names: Vec<&str> = rows.iter().skip(1).map(|r| r[1].as_str()).collect();
    assert_eq!(rows[0][1], "Nama Usaha");
    assert_eq!(
        names,
        ["Keripik Sari", "Anyaman Pak Budi"],
        "Ani's was not ticked"
    );
    // Another area's or an unknown id selects nothing.
    let csv = app.get("/umkm/export.csv?pilih=tidak-ada").await;
    let rows = common::csv_body_rows(&csv.bytes().await.unwrap(), true);
    assert_eq!(rows.len(), 1, "the header alone: {rows:?}");
}

/// A flagship round of the city, made through the page; its id.
async fn fgd_round(app: &common::TestApp) -> String {
    let year = chrono::Datelike::year(&chrono::Utc::now()).to_string();
    let res = app
        .post_form(
            "/unggulan",
            &[
                ("region", "36.74"),
                ("year", &year),
                ("title", "Produk unggulan 2026"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    let rest = location.trim_start_matches("/unggulan/");
    rest.split('?').next().unwrap_or(rest).to_string()
}

#[tokio::test]
async fn an_fgd_participants_link_reaches_her_phone_once_and_the_outbox_never_shows_it() {
    let (url, seen) = whatsapp_stand_in().await;
    let app = app_with(MessagingConfig {
        whatsapp: Some(cloud_api(url)),
        hours: any_time(),
        ..Default::default()
    })
    .await;
    let round = fgd_round(&app).await;
    let add = |fields: Vec<(&'static str, &'static str)>| {
        let app = &app;
        let round = round.clone();
        async move {
            let res = app
                .post_form(&format!("/unggulan/{round}/peserta"), &fields)
                .await;
            (res.status().as_u16(), res.text().await.unwrap())
        }
    };
    // A number that is no phone: named, the typed fields kept, nobody added.
    let (status, body) = add(vec![
        ("name", "Dr. Rina Wulandari"),
        ("group", "akademisi"),
        ("phone", "12ab"),
        ("email", "rina@"),
    ])
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("Nomor WhatsApp/HP peserta"), "{body}");
    assert!(body.contains("E-mail peserta"), "{body}");
    assert!(body.contains("value=\"Dr. Rina Wulandari\""), "{body}");
    assert!(body.contains("value=\"12ab\""), "{body}");
    assert!(!body.contains("/fgd/"), "{body}");
    assert!(app.db.round_participants(&round).await.unwrap().is_empty());

    let (status, body) = add(vec![
        ("name", "Dr. Rina Wulandari"),
        ("group", "akademisi"),
        ("phone", "0812 1111 2222"),
    ])
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("masuk antrean pesan (WhatsApp)"), "{body}");
    let at = body.find("/fgd/").expect("the link shown once");
    let secret = body[at + 5..].split('<').next().unwrap().to_string();
    for _ in 0..100 {
        if !seen.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let got = seen.lock().unwrap().clone();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].1["to"], "6281211112222");
    let text = got[0].1["text"]["body"].as_str().unwrap().to_string();
    assert!(
        text.contains("Yth. Dr. Rina Wulandari")
            && text.contains("Produk unggulan 2026")
            && text.contains(&format!("/fgd/{secret}"))
            && text.contains("Balas STOP"),
        "{text}"
    );
    // The link she received opens her form.
    let res = reqwest::get(app.url(&format!("/fgd/{secret}")))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    // Staff see the message, to her by name, without the secret; nor is it kept once sent.
    let outbox = app.page("/pesan").await;
    assert!(outbox.contains("Dr. Rina Wulandari"), "{outbox}");
    assert!(outbox.contains("Tautan peserta FGD"), "{outbox}");
    assert!(!outbox.contains(&secret), "the outbox shows the link");
    let (status, listed) = app.get_json("/api/v1/messages").await;
    assert_eq!(status, 200);
    let mine = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["purpose"] == "fgd_invitation")
        .unwrap()
        .clone();
    assert_eq!(mine["recipient"], "Dr. Rina Wulandari");
    assert!(mine["umkm_id"].is_null());
    assert!(!mine["text"].as_str().unwrap().contains(&secret));
    let (stored, _) = app
        .db
        .outbox(&common::city(), None, None, 10)
        .await
        .unwrap();
    let stored = stored
        .into_iter()
        .find(|m| m.purpose == sentra_domain::messaging::Purpose::FgdInvitation)
        .unwrap();
    assert_eq!(stored.state, MessageState::Sent);
    assert!(!stored.body.contains(&secret), "{}", stored.body);
    assert!(stored.body.contains("/fgd/…"), "{}", stored.body);
    // Staff of another kabupaten see none of it.
    let (_, elsewhere, _) = app.as_user("operator", "36.71").await;
    let listed: serde_json::Value = elsewhere
        .get(app.url("/api/v1/messages"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 0, "{listed}");
    let res = elsewhere
        .post(app.url(&format!("/api/v1/messages/{}/cancel", stored.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);

    // Her stop link works though she is no business.
    let res = reqwest::get(app.url(&format!("/berhenti/{}", stored.stop_token)))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = reqwest::Client::new()
        .post(app.url(&format!("/berhenti/{}", stored.stop_token)))
        .send()
        .await
        .unwrap();
    let text = res.text().await.unwrap();
    assert!(text.contains("Dr. Rina Wulandari"), "{text}");

    // An e-mail with no e-mail server here cannot go, and the page says so instead of
    // pretending.
    let (status, body) = add(vec![
        ("name", "Bapak Joko"),
        ("group", "pemerintah"),
        ("email", "joko@contoh.go.id"),
    ])
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("belum dapat dikirim sebagai pesan"), "{body}");
    let (all, _) = app
        .db
        .outbox(&common::city(), None, None, 10)
        .await
        .unwrap();
    assert_eq!(all.len(), 1, "nothing queued for Joko");
    assert_eq!(seen.lock().unwrap().len(), 1, "sent once");

    // With no WhatsApp or SMS provider, the organiser who typed the number sends it from her
    // own phone at once: the WhatsApp link carries the number, and no one else's list does.
    let bare = app_with(MessagingConfig::default()).await;
    let round = fgd_round(&bare).await;
    let res = bare
        .post_form(
            &format!("/unggulan/{round}/peserta"),
            &[
                ("name", "Ibu Dewi Bappeda"),
                ("group", "pemerintah"),
                ("phone", "+62 813 2222 3333"),
            ],
        )
        .await;
    let body = res.text().await.unwrap();
    assert!(body.contains("kirim tautannya dari HP Anda"), "{body}");
    assert!(body.contains("https://wa.me/6281322223333?text="), "{body}");
    let (none, _) = bare
        .db
        .outbox(&common::city(), None, None, 10)
        .await
        .unwrap();
    assert!(none.is_empty(), "{none:?}");

    // Outside the sending hours her link waits; removing her cancels it, and its text keeps
    // no link once it will not go.
    use chrono::Timelike;
    let wib = (chrono::Utc::now().hour() + 7) % 24;
    let from = (wib + 2) % 24;
    let (url, waiting_seen) = whatsapp_stand_in().await;
    let later = app_with(MessagingConfig {
        whatsapp: Some(cloud_api(url)),
        hours: SendingHours {
            from,
            until: from + 1,
        },
        ..Default::default()
    })
    .await;
    let round = fgd_round(&later).await;
    let res = later
        .post_form(
            &format!("/unggulan/{round}/peserta"),
            &[
                ("name", "Ibu Salah Nomor"),
                ("group", "komunitas"),
                ("phone", "0812 5555 6666"),
            ],
        )
        .await;
    assert!(res.text().await.unwrap().contains("masuk antrean pesan"));
    let (waiting, _) = later
        .db
        .outbox(&common::city(), Some(MessageState::Queued), None, 10)
        .await
        .unwrap();
    assert_eq!(waiting.len(), 1);
    assert!(!waiting[0].body.contains("/fgd/…"), "the link waits whole");
    let who = later.db.round_participants(&round).await.unwrap()[0]
        .id
        .clone();
    let res = later
        .post_form(
            &format!("/unggulan/{round}/peserta/hapus"),
            &[("participant", who.as_str())],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (ended, _) = later
        .db
        .outbox(&common::city(), None, None, 10)
        .await
        .unwrap();
    assert_eq!(ended[0].state, MessageState::Cancelled);
    assert!(ended[0].body.contains("/fgd/…"), "{}", ended[0].body);
    assert!(waiting_seen.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_curator_sends_messages_but_reads_no_owners_contact() {
    let app = app_with(MessagingConfig {
        hours: any_time(),
        ..Default::default()
    })
    .await;
    let sari = business(&app, "Keripik Sari", "3674034506900012", "0812-3456-7890").await;
    consent(&app, &sari, "email", "sari.keripik@contoh.id").await;
    consent(&app, &sari, "whatsapp", "").await;
    let (_, admin) = app.get_json(&format!("/api/v1/umkm/{sari}/consents")).await;
    assert!(
        admin.to_string().contains("sari.keripik@contoh.id"),
        "{admin}"
    );
    let (curator_pages, curator_api, _) = app.as_user("curator", "36.74").await;
    let listed: serde_json::Value = curator_api
        .get(app.url(&format!("/api/v1/umkm/{sari}/consents")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let text = listed.to_string();
    assert!(!text.contains("sari.keripik"), "{text}");
    assert!(text.contains("s•••@contoh.id"), "{text}");
    let page = curator_pages
        .get(app.url(&format!("/umkm/{sari}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Keripik Sari"), "{page}");
    assert!(!page.contains("sari.keripik"), "the page shows her e-mail");
    assert!(page.contains("s•••@contoh.id"), "{page}");
    // Sending from one's own phone shows the number: not for a curator.
    let res = curator_pages
        .get(app.url("/pesan/kirim"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = curator_pages.get(app.url("/pesan")).send().await.unwrap();
    assert_eq!(res.status(), 200);
}
