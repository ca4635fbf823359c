//! The sender every server runs: it takes the next due message on a configured channel (one
//! server at a time holds it, under a lease), sends it and marks it; a failure waits longer
//! each time (the domain's backoff) until it fails for good. Messages on the operator's phone
//! are hers to send and never taken here.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use sentra_domain::messaging::{Channel, retry_after};
use tokio::sync::Notify;

use super::channels::{Sent, send};
use crate::AppState;
use crate::catalogue::public::site_base;

const IDLE_POLL: Duration = Duration::from_secs(5);

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
    let lease = config.lease_seconds;
    // The day whose expiry notices this server wrote (each server writes them; their keys
    // keep one of each).
    let mut noticed: Option<chrono::NaiveDate> = None;
    // Interrupted sends are looked for once a lease period, not before every message.
    let mut recovered: Option<Instant> = None;
    // When each channel may send next on this server (its rate, `--message-rates`).
    let mut next_on: HashMap<Channel, Instant> = HashMap::new();
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
            if recovered.is_none_or(|t| t.elapsed().as_secs() >= lease as u64) {
                match db.recover_interrupted_messages(now()).await {
                    Ok(_) => recovered = Some(std::time::Instant::now()),
                    Err(e) => tracing::warn!(error = %e, "cannot look for interrupted messages"),
                }
            }
            let at = Instant::now();
            let ready: Vec<Channel> = channels
                .iter()
                .copied()
                .filter(|c| next_on.get(c).is_none_or(|t| *t <= at))
                .collect();
            if ready.is_empty() {
                // Every channel is at its rate: wait for the first to be free again.
                let first = next_on.values().min().copied().unwrap_or(at);
                tokio::select! {
                    () = tokio::time::sleep(first.saturating_duration_since(at)) => {}
                    _ = stop.changed() => {}
                }
                continue;
            }
            match db.claim_message(&ready, now(), lease).await {
                Ok(Some(m)) => {
                    let gap = Duration::from_micros(config.rates.gap_micros(m.channel));
                    next_on.insert(m.channel, Instant::now() + gap);
                    let link = format!(
                        "{}/berhenti/{}",
                        site_base(&state, &axum::http::HeaderMap::new()),
                        m.stop_token
                    );
                    let marked = match send(&config, &m, &link).await {
                        Sent::Taken(reference) => db.message_sent(&m, reference.as_deref()).await,
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
                    continue;
                }
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, "cannot look for messages to send"),
            }
        }
        // Nothing due on the free channels; a channel at its rate may have some in a moment.
        let at = Instant::now();
        let idle = next_on
            .values()
            .filter(|t| **t > at)
            .min()
            .map_or(IDLE_POLL, |t| {
                t.saturating_duration_since(at).min(IDLE_POLL)
            });
        tokio::select! {
            () = wake.notified() => {}
            () = tokio::time::sleep(idle) => {}
            _ = stop.changed() => {}
        }
    }
}
