//! Messages and bulk work through the JSON API (issue 32), on SQLite and PostgreSQL, with the
//! checks, scope and audit of the pages: consent given and withdrawn with what was said, an
//! activity's invitations queued once, the outbox read and a message cancelled, a broadcast
//! previewed then sent only to the audience previewed, bulk jobs verifying and inviting with
//! their refusals — and another kecamatan's operator finding none of it.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::common;
use crate::messaging::{business, clinic, consent, draft};

fn field_codes(body: &Value) -> Vec<(String, String)> {
    body["error"]["fields"]
        .as_array()
        .map(|fields| {
            fields
                .iter()
                .map(|f| {
                    (
                        f["field"].as_str().unwrap_or("").to_string(),
                        f["code"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn active(list: &Value, channel: &str) -> bool {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["channel"] == channel)
        .map(|c| c["active"] == true)
        .unwrap()
}

#[tokio::test]
async fn consent_invitations_the_outbox_and_a_broadcast_work_through_the_api() {
    let app = common::spawn_app().await;
    let sari = business(&app, "Keripik Sari", "3674034506900012", "0812-3456-7890").await;
    let ani = business(&app, "Sambal Bu Ani", "3674034506900029", "0813-1111-2222").await;
    let consents = format!("/api/v1/umkm/{sari}/consents");

    // Consent: a way of giving it that is not on the list is named, and nothing is recorded.
    let (status, body) = app
        .send_json(
            Method::PUT,
            &format!("{consents}/whatsapp"),
            &json!({"given": true, "how": "telepati"}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        field_codes(&body),
        [("how".into(), "choice_invalid".into())]
    );
    let (status, e) = app
        .send_json(
            Method::PUT,
            &format!("{consents}/email"),
            &json!({"given": true, "how": "form", "email": "bukan alamat"}),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(field_codes(&e), [("email".into(), "email_invalid".into())]);
    let (status, list) = app.get_json(&consents).await;
    assert_eq!(status, 200);
    assert!(
        !active(&list, "whatsapp") && !active(&list, "email"),
        "{list}"
    );
    // An unknown channel, or an unknown field, changes nothing either.
    let (status, _) = app
        .send_json(
            Method::PUT,
            &format!("{consents}/merpati"),
            &json!({"given": true, "how": "form"}),
        )
        .await;
    assert_eq!(status, 422);
    let (status, _) = app
        .send_json(
            Method::PUT,
            &format!("{consents}/whatsapp"),
            &json!({"given": true, "how": "form", "nik": "3674034506900012"}),
        )
        .await;
    assert_eq!(status, 422);
    let (status, list) = app
        .send_json(
            Method::PUT,
            &format!("{consents}/whatsapp"),
            &json!({"given": true, "how": "spoken"}),
        )
        .await;
    assert_eq!(status, 200, "{list}");
    assert!(active(&list, "whatsapp"), "{list}");
    let wa = &list["items"][0];
    assert_eq!(wa["given_how"], "spoken");
    assert!(wa["given_at"].as_str().is_some_and(|t| t.len() >= 10));

    // Invitations: Sari consented, Ani did not; a second call queues nothing new.
    let activity = clinic(&app).await;
    let path = format!("/api/v1/activities/{activity}/invitation-messages");
    let (status, first) = app.send_json(Method::POST, &path, &json!({})).await;
    assert_eq!(status, 200, "{first}");
    // The invitation and the reminder for the day before (two months ahead).
    assert_eq!(first["queued"], 2, "{first}");
    assert!(first["unreachable"].as_u64().unwrap() >= 1, "{first}");
    let (_, again) = app.send_json(Method::POST, &path, &json!({})).await;
    assert_eq!(
        (again["queued"].clone(), again["already"].clone()),
        (json!(0), json!(2))
    );

    // The outbox: the waiting ones, hers alone, the counts.
    let (status, out) = app.get_json("/api/v1/messages?status=queued").await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(out["counts"]["queued"], 2, "{out}");
    let items = out["items"].as_array().unwrap();
    assert!(
        items
            .iter()
            .all(|m| m["umkm_id"] == sari.as_str() && m["channel"] == "phone")
    );
    let invitation = items
        .iter()
        .find(|m| m["purpose"] == "invitation")
        .expect("the invitation");
    assert!(
        invitation["text"]
            .as_str()
            .unwrap()
            .contains("Klinik Kemasan Pangan")
    );
    assert!(invitation["due_at"].as_str().unwrap().ends_with('Z'));
    let (status, hers) = app.get_json(&format!("/api/v1/messages?umkm={ani}")).await;
    assert_eq!(status, 200);
    assert!(hers["items"].as_array().unwrap().is_empty(), "{hers}");
    let (status, _) = app.get_json("/api/v1/messages?status=lost").await;
    assert_eq!(status, 422);

    // A waiting message cancelled; once cancelled, it cannot be again.
    let cancel = format!(
        "/api/v1/messages/{}/cancel",
        invitation["id"].as_str().unwrap()
    );
    let (status, _) = app.send_json(Method::POST, &cancel, &json!({})).await;
    assert_eq!(status, 204);
    let (status, _) = app.send_json(Method::POST, &cancel, &json!({})).await;
    assert_eq!(status, 409);
    let (_, out) = app.get_json("/api/v1/messages").await;
    assert_eq!(
        (
            out["counts"]["queued"].clone(),
            out["counts"]["cancelled"].clone()
        ),
        (json!(1), json!(1))
    );

    // A broadcast to the kuliner list: previewed, refused for another audience, then sent.
    let text = "Pendaftaran bazar Ramadan dibuka sampai 20 Februari.";
    let (status, preview) = app
        .send_json(
            Method::POST,
            "/api/v1/broadcasts/preview?sector=kuliner",
            &json!({ "text": text }),
        )
        .await;
    assert_eq!(status, 200, "{preview}");
    assert_eq!(
        (preview["total"].clone(), preview["reachable"].clone()),
        (json!(2), json!(1))
    );
    let shown = preview["preview"].as_str().unwrap();
    assert!(shown.contains(text) && shown.contains("STOP"), "{shown}");
    let (status, e) = app
        .send_json(
            Method::POST,
            "/api/v1/broadcasts/preview?sector=kuliner",
            &json!({ "text": "   " }),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(field_codes(&e), [("text".into(), "required".into())]);
    let (status, _) = app
        .send_json(
            Method::POST,
            "/api/v1/broadcasts?sector=kuliner",
            &json!({ "text": text, "expect": 2 }),
        )
        .await;
    assert_eq!(status, 409);
    let (status, sent) = app
        .send_json(
            Method::POST,
            "/api/v1/broadcasts?sector=kuliner",
            &json!({ "text": text, "expect": 1 }),
        )
        .await;
    assert_eq!(status, 202, "{sent}");
    assert_eq!(sent["queued"], 1);
    let (status, _) = app
        .send_json(
            Method::POST,
            "/api/v1/broadcasts?status=hilang",
            &json!({ "text": text, "expect": 0 }),
        )
        .await;
    assert_eq!(status, 422);

    // Withdrawn through the API: what waits for her is cancelled in the same step.
    let (status, list) = app
        .send_json(
            Method::PUT,
            &format!("{consents}/whatsapp"),
            &json!({"given": false, "how": "whatsapp"}),
        )
        .await;
    assert_eq!(status, 200);
    assert!(!active(&list, "whatsapp"));
    assert_eq!(list["items"][0]["withdrawn_how"], "whatsapp");
    let (_, out) = app.get_json("/api/v1/messages?status=queued").await;
    assert_eq!(out["counts"]["queued"], 0, "{out}");

    // Another kecamatan's operator finds neither the business, its messages nor its consents.
    let (_, api, _) = app.as_user("operator", "36.74.01").await;
    for path in [
        consents.clone(),
        format!("/api/v1/messages?umkm={sari}"),
        format!("/api/v1/activities/{activity}/invitation-messages"),
    ] {
        let res = if path.contains("invitation") {
            api.post(app.url(&path))
                .json(&json!({}))
                .send()
                .await
                .unwrap()
        } else {
            api.get(app.url(&path)).send().await.unwrap()
        };
        assert_eq!(res.status(), 404, "{path}");
    }
    let res = api
        .put(app.url(&format!("{consents}/whatsapp")))
        .json(&json!({"given": true, "how": "form"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let res = api.get(app.url("/api/v1/messages")).send().await.unwrap();
    let theirs: Value = res.json().await.unwrap();
    assert!(theirs["items"].as_array().unwrap().is_empty(), "{theirs}");
    assert_eq!(theirs["counts"]["cancelled"], 0);
}

/// Starts a job through the API and follows its `Location` until it is done.
async fn run_job(app: &common::TestApp, query: &str, body: Value) -> Value {
    let (status, started) = app
        .send_json(Method::POST, &format!("/api/v1/bulk-jobs{query}"), &body)
        .await;
    assert_eq!(status, 202, "{started}");
    let id = started["id"].as_str().unwrap().to_string();
    for _ in 0..100 {
        let (status, job) = app.get_json(&format!("/api/v1/bulk-jobs/{id}")).await;
        assert_eq!(status, 200);
        if job["state"] == "done" {
            return job;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the bulk job {id} did not finish");
}

#[tokio::test]
async fn bulk_jobs_verify_and_invite_through_the_api_with_their_refusals() {
    let app = common::spawn_app().await;
    let a = draft(&app, "Keripik Sari", "3674034506900012", "0812-3456-7890").await;
    let b = draft(&app, "Sambal Bu Ani", "3674035203850021", "0813-1111-2222").await;

    // Nothing chosen, or an action it does not know: named, nothing started.
    let (status, e) = app
        .send_json(
            Method::POST,
            "/api/v1/bulk-jobs",
            &json!({"action": "verify"}),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(field_codes(&e), [("ids".into(), "bulk_none_chosen".into())]);
    let (status, _) = app
        .send_json(
            Method::POST,
            "/api/v1/bulk-jobs",
            &json!({"action": "hapus", "all": true}),
        )
        .await;
    assert_eq!(status, 422);
    let (status, e) = app
        .send_json(
            Method::POST,
            "/api/v1/bulk-jobs",
            &json!({"action": "invite", "ids": [a], "activity": "tidak-ada"}),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(
        field_codes(&e),
        [("activity".into(), "choice_invalid".into())]
    );

    let job = run_job(
        &app,
        "",
        json!({"action": "verify", "ids": [a, "tidak-ada"]}),
    )
    .await;
    assert_eq!(
        (job["done"].clone(), job["rows_total"].clone()),
        (json!(1), json!(2)),
        "{job}"
    );
    assert_eq!(job["refused"][0]["reason"], "not_found");
    let job = run_job(
        &app,
        "?status=draft",
        json!({"action": "verify", "all": true}),
    )
    .await;
    assert_eq!(job["done"], 1, "{job}");
    for id in [&a, &b] {
        let (_, r) = app.get_json(&format!("/api/v1/umkm/{id}")).await;
        assert_eq!(r["status"], "verified");
    }

    // Invited in bulk to a clinic: Sari consented and gets the invitation with its reminder;
    // Ani is refused as not consenting; a second run adds nothing.
    consent(&app, &a, "whatsapp", "").await;
    let activity = clinic(&app).await;
    let job = run_job(
        &app,
        "?sector=kuliner",
        json!({"action": "invite", "all": true, "activity": activity}),
    )
    .await;
    assert_eq!(job["done"], 1, "{job}");
    assert_eq!(job["refused"][0]["umkm_id"], b.as_str());
    assert_eq!(job["refused"][0]["reason"], "no_consent");
    let (_, out) = app.get_json("/api/v1/messages?status=queued").await;
    let purposes: Vec<&str> = out["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["purpose"].as_str().unwrap())
        .collect();
    assert_eq!(purposes.len(), 2, "{out}");
    assert!(purposes.contains(&"invitation") && purposes.contains(&"reminder"));
    run_job(
        &app,
        "",
        json!({"action": "invite", "ids": [a], "activity": activity}),
    )
    .await;
    let (_, out) = app.get_json("/api/v1/messages?status=queued").await;
    assert_eq!(out["counts"]["queued"], 2);

    // A job is its starter's alone.
    let (status, started) = app
        .send_json(
            Method::POST,
            "/api/v1/bulk-jobs",
            &json!({"action": "verify", "ids": [a]}),
        )
        .await;
    assert_eq!(status, 202);
    let (_, api, _) = app.as_user("admin", "36.74").await;
    let res = api
        .get(app.url(&format!(
            "/api/v1/bulk-jobs/{}",
            started["id"].as_str().unwrap()
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}
