//! What the dashboards and reports read: counts and sums from the rollups.

pub(crate) mod dashboard;
pub(crate) mod rollup;
pub(crate) mod year_end;
