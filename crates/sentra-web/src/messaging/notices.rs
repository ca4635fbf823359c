//! Messages the registry's own events send: "your business is verified" when a record becomes
//! verified, and a legality document's expiry 90, 30 and 7 days before and on its last day. Each
//! has a key of its own, so a second server, a restart or a second run of the day sends nothing
//! twice. A message that cannot be written is logged, never a reason to refuse the verification.

use sentra_domain::messaging::Purpose;
use sentra_domain::scope::Scope;
use sentra_domain::umkm::{LegalKind, UmkmStatus};
use sentra_storage::{Actor, NewMessage, PageRequest, StorageError, UmkmRecord};

use super::compose::{Draft, compose, recipient};
use super::worker::now;
use crate::AppState;
use crate::catalogue::public::site_base;
use crate::lang::Lang;
use crate::view::day_words;

/// After a status change: the owner hears that her business is verified (once per business).
pub(crate) async fn after_status_change(
    state: &AppState,
    scope: &Scope,
    before: UmkmStatus,
    after: &UmkmRecord,
    actor: &Actor,
) {
    if before == UmkmStatus::Verified || after.status != UmkmStatus::Verified {
        return;
    }
    let written = async {
        let r = recipient(state, scope, &after.id).await?;
        let draft = Draft {
            purpose: Purpose::Verified,
            key: format!("verified:{}", after.id),
            values: vec![(
                "link",
                format!("{}/usaha", site_base(state, &axum::http::HeaderMap::new())),
            )],
            not_before: now(),
            subject: Lang::Id.t("message.subject_verified").into_owned(),
        };
        match compose(state, &r, draft).await? {
            Some(m) => state.db().queue_messages(&[m], actor).await.map(|_| ()),
            None => Ok(()),
        }
    };
    match written.await {
        Ok(()) => state.wake_sender(),
        Err(e) => tracing::warn!(umkm = %after.id, error = %e, "cannot write the verified message"),
    }
}

/// Days before a document's last day its owner is told, and on the day itself.
pub(crate) const EXPIRY_NOTICES: [i64; 4] = [90, 30, 7, 0];

/// The topic of the clinics that help with a document (the public agenda filters by it).
fn clinic_topic(kind: LegalKind) -> &'static str {
    match kind {
        LegalKind::Halal => "halal",
        _ => "legalitas",
    }
}

/// Writes the expiry notices due today in the deployment's region; returns how many were
/// queued (already queued ones are not counted again). Every server's sender runs it when its
/// day begins.
pub async fn queue_expiry_notices(state: &AppState) -> Result<u64, StorageError> {
    let scope = Scope::region(state.home().clone());
    let today = crate::clock::today();
    let lang = Lang::Id;
    let base = site_base(state, &axum::http::HeaderMap::new());
    let actor = Actor::system("expiry notices");
    let mut queued = 0;
    for days in EXPIRY_NOTICES {
        let day = today + chrono::Duration::days(days);
        let mut page = 1;
        loop {
            let found = state
                .db()
                .expiring_documents(&scope, None, day, 0, PageRequest::new(page, 500))
                .await?;
            let mut messages: Vec<NewMessage> = Vec::new();
            for d in &found.items {
                let r = recipient(state, &scope, &d.umkm_id).await?;
                if r.consented.is_empty() {
                    continue;
                }
                let next = if days == 0 {
                    lang.t("message.expiry_today")
                } else {
                    lang.t("message.expiry_soon")
                };
                let draft = Draft {
                    purpose: Purpose::Expiry,
                    key: format!(
                        "expiry:{}:{}:{}:{days}",
                        d.umkm_id,
                        d.kind.as_str(),
                        d.expires_on
                    ),
                    values: vec![
                        (
                            "document",
                            lang.t(&format!("doc.{}", d.kind.as_str())).into_owned(),
                        ),
                        ("date", day_words(lang, d.expires_on)),
                        ("next_step", next.into_owned()),
                        (
                            "link",
                            format!("{base}/agenda?topik={}", clinic_topic(d.kind)),
                        ),
                    ],
                    not_before: now(),
                    subject: lang.tf(
                        "message.subject_expiry",
                        &[("document", &lang.t(&format!("doc.{}", d.kind.as_str())))],
                    ),
                };
                if let Some(m) = compose(state, &r, draft).await? {
                    messages.push(m);
                }
            }
            queued += state.db().queue_messages(&messages, &actor).await?.0;
            if i64::from(page) * 500 >= found.total {
                break;
            }
            page += 1;
        }
    }
    if queued > 0 {
        state.wake_sender();
    }
    Ok(queued)
}
