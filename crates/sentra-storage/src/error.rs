use sentra_domain::FieldErrors;

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// Connecting failed; the message names the URL with the password hidden.
    #[error("{0}")]
    Connect(String),
    #[error("migration failed: {0}")]
    Migrate(String),
    #[error("not found")]
    NotFound,
    /// The record changed since the caller read it (optimistic concurrency).
    #[error("the record was changed by someone else")]
    Conflict,
    /// Input that passed the domain checks but clashes with the stored data.
    #[error("invalid: {0}")]
    Invalid(FieldErrors),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// The personal-data key is missing, malformed or not the one the data was encrypted with.
    #[error("personal data key: {0}")]
    Key(String),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// A task that wrote for the caller stopped without an answer (it panicked).
    #[error("a writing task failed: {0}")]
    Task(String),
}

impl StorageError {
    /// The database could not write for lack of space (SQLite `SQLITE_FULL`, PostgreSQL
    /// `53100 disk_full`): nothing was saved, and retrying will not help until there is room.
    pub fn is_storage_full(&self) -> bool {
        match self {
            StorageError::Database(sqlx::Error::Database(db)) => {
                matches!(db.code().as_deref(), Some("13" | "53100"))
                    || db.message().contains("database or disk is full")
            }
            _ => false,
        }
    }

    /// The database cannot be reached now: a refused or broken connection, a server shutting
    /// down or starting, a primary that a failover demoted (PostgreSQL class 08, 57P01–57P03,
    /// 25006). Nothing was saved unless the commit itself was under way; a retry shortly after
    /// may succeed.
    pub fn is_unavailable(&self) -> bool {
        match self {
            StorageError::Database(
                sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed,
            ) => true,
            StorageError::Database(sqlx::Error::Database(db)) => {
                db.code().as_deref().is_some_and(|code| {
                    code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03" | "25006")
                })
            }
            _ => false,
        }
    }
}

/// Input refused for one field: `code` is the message key the web layer translates.
pub(crate) fn invalid(field: &str, code: &'static str) -> StorageError {
    let mut e = FieldErrors::new();
    e.push(field, code);
    StorageError::Invalid(e)
}
