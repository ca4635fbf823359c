//! Who may act (users, sessions, passwords), what they did (the keyed audit chain), and the
//! keys that protect the personal data they enter.

pub(crate) mod audit;
pub(crate) mod personal;
pub(crate) mod phone_codes;
pub(crate) mod users;
