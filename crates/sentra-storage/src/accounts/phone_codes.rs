//! One-time codes that prove a phone: issued (at most a few an hour per number), checked (at
//! most a few tries per code, before it lapses), used once. Stored as a keyed hash only.

use rand::Rng;
use sqlx::Row;

use crate::{Database, Result, now_text};

/// Digits in a code.
pub const CODE_DIGITS: usize = 6;
/// Seconds a code is good for.
pub const CODE_TTL: i64 = 600;
/// Tries of one code before it is spent.
pub const CODE_TRIES: i64 = 5;
/// Codes one number may be sent in an hour.
pub const CODES_PER_HOUR: i64 = 3;

/// What checking a code came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeCheck {
    /// Right, and now used.
    Proven,
    /// Wrong; tries are left.
    Wrong,
    /// No code waiting for this number: never sent, used, lapsed or tried too often.
    NoneWaiting,
}

impl Database {
    fn code_hash(&self, id: &str, code: &str) -> String {
        self.keyring
            .current()
            .lookup_hash(&format!("phone-code:{id}:{code}"))
    }

    /// A new code for `phone` (+62…) and `purpose` (`signup`, `reset`), or `None` when the number
    /// had its codes for the hour. Earlier codes of the same purpose stop counting.
    pub async fn issue_phone_code(
        &self,
        phone: &str,
        purpose: &str,
        now: i64,
    ) -> Result<Option<String>> {
        let hour_ago = (chrono::Utc::now() - chrono::Duration::hours(1))
            .format("%Y-%m-%dT%H:%M:%S%.3fZ")
            .to_string();
        let sent: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM phone_codes WHERE phone = $1 AND purpose = $2 \
             AND created_at >= $3",
        )
        .bind(phone)
        .bind(purpose)
        .bind(&hour_ago)
        .fetch_one(&self.pool)
        .await?
        .try_get("n")?;
        if sent >= CODES_PER_HOUR {
            return Ok(None);
        }
        let code: String = {
            let mut rng = rand::rng();
            (0..CODE_DIGITS)
                .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
                .collect()
        };
        let id = uuid::Uuid::now_v7().to_string();
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "UPDATE phone_codes SET attempts = $1 WHERE phone = $2 AND purpose = $3 \
             AND used_at IS NULL",
        )
        .bind(CODE_TRIES)
        .bind(phone)
        .bind(purpose)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO phone_codes (id, phone, purpose, code_hash, expires_at, attempts, \
             created_at) VALUES ($1, $2, $3, $4, $5, 0, $6)",
        )
        .bind(&id)
        .bind(phone)
        .bind(purpose)
        .bind(self.code_hash(&id, &code))
        .bind(now + CODE_TTL)
        .bind(now_text())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(code))
    }

    /// Checks `code` against the number's waiting code; a try is counted before the answer, so
    /// two tries at once cannot both pass the limit.
    pub async fn check_phone_code(
        &self,
        phone: &str,
        purpose: &str,
        code: &str,
        now: i64,
    ) -> Result<CodeCheck> {
        let Some(row) = sqlx::query(
            "SELECT id, code_hash FROM phone_codes WHERE phone = $1 AND purpose = $2 \
             AND used_at IS NULL AND expires_at > $3 AND attempts < $4 \
             ORDER BY created_at DESC LIMIT 1",
        )
        .bind(phone)
        .bind(purpose)
        .bind(now)
        .bind(CODE_TRIES)
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(CodeCheck::NoneWaiting);
        };
        let id: String = row.try_get("id")?;
        let stored: String = row.try_get("code_hash")?;
        let counted = sqlx::query(
            "UPDATE phone_codes SET attempts = attempts + 1 WHERE id = $1 AND attempts < $2 \
             AND used_at IS NULL",
        )
        .bind(&id)
        .bind(CODE_TRIES)
        .execute(&self.pool)
        .await?
        .rows_affected();
        if counted == 0 {
            return Ok(CodeCheck::NoneWaiting);
        }
        let typed: String = code.chars().filter(char::is_ascii_digit).collect();
        let given = self.code_hash(&id, &typed);
        let same = given.len() == stored.len()
            && given
                .bytes()
                .zip(stored.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
        if !same {
            return Ok(CodeCheck::Wrong);
        }
        let used =
            sqlx::query("UPDATE phone_codes SET used_at = $1 WHERE id = $2 AND used_at IS NULL")
                .bind(now_text())
                .bind(&id)
                .execute(&self.pool)
                .await?
                .rows_affected();
        Ok(if used == 1 {
            CodeCheck::Proven
        } else {
            CodeCheck::NoneWaiting
        })
    }
}
