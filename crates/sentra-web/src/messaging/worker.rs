//! The sender every server runs: it takes the next due message on a configured channel (one
//! server at a time holds it, under a lease), sends it and marks it; a failure waits longer
//! each time (the domain's backoff) until it fails for good. Messages on the operator's phone
//! are hers to send and never taken here.

use std::sync::Arc;
use std::time::Duration;

use sentra_domain::messaging::retry_after;
use tokio::sync::Notify;

use super::channels::{Sent, send};
use crate::AppState;
use crate::catalogue::public::site_base;

/// Seconds a sender holds a message: longer than a send may take (30 s).
const LEASE: i64 = 60;
const IDLE_POLL: Duration = Duration::from_secs(5);
/// Between two messages on one server: a channel's rate limit is the deployment's to set at
/// the provider; this keeps a broadcast from sending faster than ten a second.
const PACE: Duration = Duration::from_millis(100);

pub(crate) fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Sends until `stop` turns true.
pub async fn run_sender(
    state: AppState,
    wake: Arc<Notify>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let db = state.db().clone();
    let config = state.messaging().clone();
    let channels = config.channels();
    // The day whose expiry notices this server wrote (each server writes them; their keys
    // keep one of each).
    let mut noticed: Option<chrono::NaiveDate> = None;
    // Interrupted sends are looked for once a lease period, not before every message.
    let mut recovered: Option<std::time::Instant> = None;
    loop {
        if *stop.borrow() {
            return;
        }
        let today = crate::clock::today();
        if noticed != Some(today) {
            match super::notices::queue_expiry_notices(&state).await {
                Ok(n) => {
                    noticed = Some(today);
                    if n > 0 {
                        tracing::info!(queued = n, "expiry notices written");
                    }
                }
                Err(e) => tracing::warn!(error = %e, "cannot write the expiry notices"),
            }
        }
        if !channels.is_empty() {
            if recovered.is_none_or(|t| t.elapsed().as_secs() >= LEASE as u64) {
                match db.recover_interrupted_messages(now()).await {
                    Ok(_) => recovered = Some(std::time::Instant::now()),
                    Err(e) => tracing::warn!(error = %e, "cannot look for interrupted messages"),
                }
            }
            match db.claim_message(&channels, now(), LEASE).await {
                Ok(Some(m)) => {
                    let link = format!(
                        "{}/berhenti/{}",
                        site_base(&state, &axum::http::HeaderMap::new()),
                        m.stop_token
                    );
                    let marked = match send(&config, &m, &link).await {
                        Sent::Taken(reference) => {
                            db.message_sent(&m.id, reference.as_deref()).await
                        }
                        Sent::Failed { reason, again } => {
                            tracing::warn!(message = %m.id, channel = m.channel.as_str(), %reason, "message not sent");
                            let attempts = u32::try_from(m.attempts).unwrap_or(u32::MAX);
                            let retry = again
                                .then(|| retry_after(attempts))
                                .flatten()
                                .map(|wait| now() + wait);
                            db.message_failed(&m.id, &reason, retry).await
                        }
                    };
                    if let Err(e) = marked {
                        tracing::error!(message = %m.id, error = %e, "cannot mark a message");
                    }
                    tokio::time::sleep(PACE).await;
                    continue;
                }
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, "cannot look for messages to send"),
            }
        }
        tokio::select! {
            () = wake.notified() => {}
            () = tokio::time::sleep(IDLE_POLL) => {}
            _ = stop.changed() => {}
        }
    }
}
