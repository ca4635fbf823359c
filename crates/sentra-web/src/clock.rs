//! What day it is for the people a deployment serves: the calendar day in the time zone of its
//! home region (WIB, WITA or WIT), not in UTC — a document that expired yesterday in Makassar
//! must not count as valid until 08:00 there. A province lies in one zone, so the home region
//! decides; the first [`crate::AppState`] made in a process sets it (WIB until then).

use std::sync::OnceLock;

use sentra_domain::programme::activity::Zone;

static ZONE: OnceLock<Zone> = OnceLock::new();

/// Sets the deployment's zone from its home region (once per process).
pub(crate) fn set_home(region: &str) {
    let _ = ZONE.set(Zone::of_region(region));
}

/// Today in the deployment's zone.
pub(crate) fn today() -> chrono::NaiveDate {
    ZONE.get()
        .copied()
        .unwrap_or(Zone::Wib)
        .date_at(chrono::Utc::now().timestamp())
}
