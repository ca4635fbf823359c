//! Schema written in code rather than in `migrations/`: triggers and functions generated per
//! engine, installed by `Database::migrate` after the sqlx migrations.

pub(crate) mod province_keys;
pub(crate) mod rollup;
