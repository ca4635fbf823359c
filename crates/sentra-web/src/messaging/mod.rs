//! Messages to owners (issue 32): the outbox pages, the operator's sending list for her own
//! phone, contact consent on a business's page, the stop link, and invitations to an activity
//! queued for every invitee who consented. The sender that drains the outbox is [`worker`].

mod broadcast;
pub(crate) mod channels;
pub(crate) mod codes;
pub(crate) mod compose;
pub(crate) mod notices;
pub(crate) mod outcomes;
mod pages;
pub(crate) mod service;
mod templates;
mod webhook;
pub(crate) mod worker;

pub use channels::{
    DEFAULT_BROADCAST_LIMIT, DEFAULT_LEASE_SECONDS, MIN_LEASE_SECONDS, MessagingConfig, SmsConfig,
    WhatsappConfig,
};
pub(crate) use pages::{MessagesSection, messages_section, shown_email};

use crate::routes::Routes;

pub(crate) fn routes() -> Routes {
    pages::routes()
        .merge(templates::routes())
        .merge(broadcast::routes())
        .merge(codes::routes())
        .merge(webhook::routes())
}
