//! WhatsApp's webhook (`/webhook/whatsapp`): the subscription check Meta makes once (GET with
//! `hub.verify_token`), then signed notifications (POST, `X-Hub-Signature-256`: HMAC-SHA256 of
//! the body with the app secret): delivery statuses of the messages we sent, and owners'
//! replies — a reply `STOP` withdraws her WhatsApp consent and cancels what waits, at once.
//! Unsigned or wrongly signed notifications change nothing (401).

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use hmac::{Hmac, Mac};
use sentra_domain::messaging::{Channel, is_stop_reply};
use serde::Deserialize;
use sha2::Sha256;

use crate::AppState;
use crate::routes::{Access, Routes};

pub(super) fn routes() -> Routes {
    Routes::new("")
        .get("/webhook/whatsapp", Access::Public, verify)
        .post("/webhook/whatsapp", Access::Public, receive)
        .post("/webhook/sms/{secret}", Access::Public, sms_reply)
}

#[derive(Deserialize)]
struct Subscribe {
    #[serde(rename = "hub.mode", default)]
    mode: String,
    #[serde(rename = "hub.verify_token", default)]
    token: String,
    #[serde(rename = "hub.challenge", default)]
    challenge: String,
}

async fn verify(State(state): State<AppState>, Query(q): Query<Subscribe>) -> Response {
    let expected = state
        .messaging()
        .whatsapp
        .as_ref()
        .and_then(|w| w.verify_token.as_deref());
    match expected {
        // No WhatsApp here: there is no webhook.
        None => StatusCode::NOT_FOUND.into_response(),
        Some(t) if q.mode == "subscribe" && constant_eq(t.as_bytes(), q.token.as_bytes()) => {
            q.challenge.into_response()
        }
        // What Meta's documentation asks for a token that does not match.
        Some(_) => StatusCode::FORBIDDEN.into_response(),
    }
}

fn constant_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Whether `signature` (`sha256=<hex>`) is the body's HMAC with `secret`.
fn signed(secret: &str, body: &[u8], signature: &str) -> bool {
    let Some(hex) = signature.strip_prefix("sha256=") else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return false;
    };
    mac.update(body);
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    constant_eq(expected.as_bytes(), hex.to_ascii_lowercase().as_bytes())
}

async fn receive(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(secret) = state
        .messaging()
        .whatsapp
        .as_ref()
        .and_then(|w| w.app_secret.clone())
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let signature = headers
        .get("x-hub-signature-256")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !signed(&secret, &body, signature) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(&body) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let db = state.db();
    let changes = json["entry"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|e| e["changes"].as_array().into_iter().flatten());
    for change in changes {
        let value = &change["value"];
        for s in value["statuses"].as_array().into_iter().flatten() {
            let Some(id) = s["id"].as_str() else { continue };
            let reported = match s["status"].as_str() {
                Some("delivered" | "read") => db.message_status_report(id, true, None).await,
                Some("failed") => {
                    let reason = s["errors"][0]["title"]
                        .as_str()
                        .or(s["errors"][0]["message"].as_str())
                        .unwrap_or("failed");
                    db.message_status_report(id, false, Some(&format!("whatsapp: {reason}")))
                        .await
                }
                _ => Ok(false),
            };
            if let Err(e) = reported {
                tracing::warn!(error = %e, "cannot record a WhatsApp status");
                return StatusCode::SERVICE_UNAVAILABLE.into_response();
            }
        }
        for m in value["messages"].as_array().into_iter().flatten() {
            let (Some(from), Some(text)) = (m["from"].as_str(), m["text"]["body"].as_str()) else {
                continue;
            };
            if is_stop_reply(text) {
                let phone = format!("+{}", from.trim_start_matches('+'));
                if let Err(e) = db
                    .stop_by_address(&phone, Channel::Whatsapp, "whatsapp_reply")
                    .await
                {
                    tracing::warn!(error = %e, "cannot record a STOP reply");
                    return StatusCode::SERVICE_UNAVAILABLE.into_response();
                }
            }
        }
    }
    StatusCode::OK.into_response()
}

/// What an SMS gateway posts when an owner replies: the number and the text, as a form or as
/// JSON, under the names gateways use (`from`/`msisdn`/`sender`, `text`/`message`/`body`). The
/// secret in the path is the deployment's (`--sms-inbound-secret`); without it the route is
/// not there. A STOP ends her SMS; anything else is acknowledged and left.
async fn sms_reply(
    State(state): State<AppState>,
    axum::extract::Path(secret): axum::extract::Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let expected = state
        .messaging()
        .sms
        .as_ref()
        .and_then(|s| s.inbound_secret.clone());
    match expected {
        Some(e) if constant_eq(e.as_bytes(), secret.as_bytes()) => {}
        _ => return StatusCode::NOT_FOUND.into_response(),
    }
    let json = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json"));
    let fields: Vec<(String, String)> = if json {
        match serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(&body) {
            Ok(map) => map
                .into_iter()
                .filter_map(|(k, v)| match v {
                    serde_json::Value::String(s) => Some((k, s)),
                    serde_json::Value::Number(n) => Some((k, n.to_string())),
                    _ => None,
                })
                .collect(),
            Err(_) => return StatusCode::BAD_REQUEST.into_response(),
        }
    } else {
        serde_urlencoded::from_bytes(&body).unwrap_or_default()
    };
    let first = |names: &[&str]| {
        fields
            .iter()
            .find(|(k, _)| names.contains(&k.to_ascii_lowercase().as_str()))
            .map(|(_, v)| v.clone())
    };
    let (Some(from), Some(text)) = (
        first(&["from", "msisdn", "sender", "phone"]),
        first(&["text", "message", "msg", "body"]),
    ) else {
        return StatusCode::UNPROCESSABLE_ENTITY.into_response();
    };
    if is_stop_reply(&text) {
        // As gateways write it (`0812…`, `62812…`, `+62 812-…`), as the outbox keeps it.
        let Ok(phone) = sentra_domain::phone::parse_phone(&from) else {
            return StatusCode::UNPROCESSABLE_ENTITY.into_response();
        };
        if let Err(e) = state
            .db()
            .stop_by_address(phone.as_str(), Channel::Sms, "sms_reply")
            .await
        {
            tracing::warn!(error = %e, "cannot record an SMS STOP reply");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    }
    StatusCode::OK.into_response()
}
