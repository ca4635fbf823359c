//! Users, sessions, API tokens and sign-in throttling.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, SaltString};
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use chrono::{Duration, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;

use sentra_domain::FieldErrors;
use sentra_domain::account::{NewAccount, Role};
use sentra_domain::region::RegionCode;
use sentra_domain::scope::Scope;

use crate::accounts::audit::{self, Actor};
use crate::{Database, Result, StorageError, now_text};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: String,
    pub name: String,
    pub login: String,
    pub role: Role,
    pub scope: RegionCode,
    pub disabled: bool,
}

impl User {
    /// The region this user may see and change.
    /// The records this user may see: their region, and for owners only their own businesses.
    pub fn region_scope(&self) -> Scope {
        if self.role == Role::Owner {
            Scope::owned_by(self.scope.clone(), self.id.clone())
        } else {
            Scope::region(self.scope.clone())
        }
    }
}

/// argon2id with the crate's defaults (19 MiB, 2 passes), a fresh salt each time.
pub fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StorageError::Corrupt(format!("password hashing failed: {e}")))
}

pub fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// A random secret for a session cookie, CSRF field or API token (256 bits, URL-safe).
pub fn new_secret() -> String {
    let raw: [u8; 32] = rand::random();
    raw.iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn secret_hash(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn user_from_row(r: &sqlx::any::AnyRow) -> Result<User> {
    let role: String = r.try_get("role")?;
    let scope: String = r.try_get("scope")?;
    let disabled: i64 = r.try_get("disabled")?;
    Ok(User {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        login: r.try_get("login")?,
        role: Role::parse(&role).map_err(|_| StorageError::Corrupt(format!("role {role:?}")))?,
        scope: RegionCode::parse(&scope)
            .map_err(|_| StorageError::Corrupt(format!("scope {scope:?}")))?,
        disabled: disabled != 0,
    })
}

/// A session as the web layer sees it.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: User,
    pub csrf_token: String,
}

impl Database {
    pub async fn create_user(
        &self,
        account: &NewAccount,
        password: &str,
        actor: &Actor,
    ) -> Result<User> {
        let hash = hash_password(password)?;
        let id = uuid::Uuid::now_v7().to_string();
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        let taken = sqlx::query("SELECT 1 FROM users WHERE login = $1")
            .bind(account.login.clone())
            .fetch_optional(&mut *tx)
            .await?
            .is_some();
        if taken {
            let mut e = FieldErrors::new();
            e.push("login", "login_taken");
            return Err(StorageError::Invalid(e));
        }
        let now = now_text();
        sqlx::query(
            "INSERT INTO users (id, name, login, password_hash, role, scope, disabled, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8)",
        )
        .bind(id.clone())
        .bind(account.name.clone())
        .bind(account.login.clone())
        .bind(hash)
        .bind(account.role.as_str())
        .bind(account.scope.as_str().to_string())
        .bind(now.clone())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let changes = serde_json::json!({"name": account.name, "login": account.login, "role": account.role.as_str(), "scope": account.scope.as_str()});
        audit::append(
            &mut tx,
            &self.audit_chain,
            actor,
            "create",
            "user",
            Some(&id),
            &changes,
        )
        .await?;
        tx.commit().await?;
        Ok(User {
            id,
            name: account.name.clone(),
            login: account.login.clone(),
            role: account.role,
            scope: account.scope.clone(),
            disabled: false,
        })
    }

    /// Whether the account's holder is known to hold its phone number (made by an operator or
    /// admin, or confirmed in person since); self sign-ups are not.
    pub async fn account_holder_confirmed(&self, user_id: &str) -> Result<bool> {
        let row = sqlx::query("SELECT holder_confirmed FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(r) => r.try_get::<i64, _>("holder_confirmed")? != 0,
            None => false,
        })
    }

    /// Records that `actor` met the account's holder and checked who she is (audited).
    pub async fn confirm_account_holder(&self, user_id: &str, actor: &Actor) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        let done =
            sqlx::query("UPDATE users SET holder_confirmed = 1, updated_at = $1 WHERE id = $2")
                .bind(now_text())
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
        if done.rows_affected() == 0 {
            return Err(StorageError::NotFound);
        }
        audit::append(
            &mut tx,
            &self.audit_chain,
            actor,
            "confirm_holder",
            "user",
            Some(user_id),
            &serde_json::json!({"holder_confirmed": [false, true]}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The account with this sign-in name, if any.
    pub async fn user_by_login(&self, login: &str) -> Result<Option<User>> {
        let row = sqlx::query("SELECT * FROM users WHERE login = $1")
            .bind(login)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    /// Users whose scope lies inside `scope`. `None` is the operator of the machine at the
    /// command line, who sees every account.
    pub async fn list_users(&self, scope: Option<&Scope>) -> Result<Vec<User>> {
        let rows = sqlx::query("SELECT * FROM users ORDER BY login")
            .fetch_all(&self.pool)
            .await?;
        let mut out = Vec::new();
        for r in &rows {
            let u = user_from_row(r)?;
            if scope.is_none_or(|s| s.contains(&u.scope)) {
                out.push(u);
            }
        }
        Ok(out)
    }

    async fn user_in_scope(&self, scope: Option<&Scope>, login: &str) -> Result<User> {
        let u = self
            .user_by_login(login)
            .await?
            .ok_or(StorageError::NotFound)?;
        if scope.is_none_or(|s| s.contains(&u.scope)) {
            Ok(u)
        } else {
            Err(StorageError::NotFound)
        }
    }

    /// Disables (or re-enables) an account; disabling also ends all its sessions and tokens.
    pub async fn set_user_disabled(
        &self,
        scope: Option<&Scope>,
        login: &str,
        disabled: bool,
        actor: &Actor,
    ) -> Result<User> {
        let user = self.user_in_scope(scope, login).await?;
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        sqlx::query("UPDATE users SET disabled = $1, updated_at = $2 WHERE id = $3")
            .bind(i64::from(disabled))
            .bind(now_text())
            .bind(user.id.clone())
            .execute(&mut *tx)
            .await?;
        if disabled {
            for table in ["sessions", "api_tokens"] {
                sqlx::query(&format!("DELETE FROM {table} WHERE user_id = $1"))
                    .bind(user.id.clone())
                    .execute(&mut *tx)
                    .await?;
            }
        }
        let changes = serde_json::json!({"disabled": [user.disabled, disabled]});
        audit::append(
            &mut tx,
            &self.audit_chain,
            actor,
            if disabled { "disable" } else { "enable" },
            "user",
            Some(&user.id),
            &changes,
        )
        .await?;
        tx.commit().await?;
        Ok(User { disabled, ..user })
    }

    /// Changes an account's role (audited with before and after) and ends its sessions, so the
    /// new rights apply from the next sign-in.
    pub async fn set_role(
        &self,
        scope: Option<&Scope>,
        login: &str,
        role: Role,
        actor: &Actor,
    ) -> Result<User> {
        let user = self.user_in_scope(scope, login).await?;
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        sqlx::query("UPDATE users SET role = $1, updated_at = $2 WHERE id = $3")
            .bind(role.as_str())
            .bind(now_text())
            .bind(user.id.clone())
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user.id.clone())
            .execute(&mut *tx)
            .await?;
        let changes = serde_json::json!({"role": [user.role.as_str(), role.as_str()]});
        audit::append(
            &mut tx,
            &self.audit_chain,
            actor,
            "role_change",
            "user",
            Some(&user.id),
            &changes,
        )
        .await?;
        tx.commit().await?;
        Ok(User { role, ..user })
    }

    /// Sets a new password and signs the user out everywhere: sessions and API tokens end
    /// (a reset is what an admin does when an account may be in someone else's hands).
    pub async fn reset_password(
        &self,
        scope: Option<&Scope>,
        login: &str,
        password: &str,
        actor: &Actor,
    ) -> Result<User> {
        let user = self.user_in_scope(scope, login).await?;
        let hash = hash_password(password)?;
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
            .bind(hash)
            .bind(now_text())
            .bind(user.id.clone())
            .execute(&mut *tx)
            .await?;
        for table in ["sessions", "api_tokens"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE user_id = $1"))
                .bind(user.id.clone())
                .execute(&mut *tx)
                .await?;
        }
        audit::append(
            &mut tx,
            &self.audit_chain,
            actor,
            "reset_password",
            "user",
            Some(&user.id),
            &serde_json::json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(user)
    }

    /// Checks a sign-in. `None` for an unknown login, a wrong password or a disabled account
    /// alike, so the answer reveals nothing about which accounts exist.
    pub async fn authenticate(&self, login: &str, password: &str) -> Result<Option<User>> {
        let row = sqlx::query("SELECT * FROM users WHERE login = $1")
            .bind(login)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else {
            // Same work as a real check, so timing does not tell unknown logins apart.
            let _ = verify_password(
                "$argon2id$v=19$m=19456,t=2,p=1$c2VudHJhc2VudHJh$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                password,
            );
            return Ok(None);
        };
        let hash: String = row.try_get("password_hash")?;
        let user = user_from_row(&row)?;
        Ok((verify_password(&hash, password) && !user.disabled).then_some(user))
    }

    /// Starts a session; returns the secret for the cookie (only its hash is stored).
    pub async fn create_session(&self, user: &User, ttl: Duration) -> Result<String> {
        let token = new_secret();
        let now = Utc::now();
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(secret_hash(&token))
        .bind(user.id.clone())
        .bind(new_secret())
        .bind(now_text())
        .bind((now + ttl).format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .execute(&mut *self.pool.acquire().await?)
        .await?;
        Ok(token)
    }

    /// The live session for a cookie secret, if any (expired sessions and disabled users: none).
    pub async fn session(&self, token: &str) -> Result<Option<Session>> {
        let row = sqlx::query(
            "SELECT u.*, s.csrf_token AS csrf_token FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled = 0",
        )
        .bind(secret_hash(token))
        .bind(now_text())
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(r) => Ok(Some(Session {
                user: user_from_row(&r)?,
                csrf_token: r.try_get("csrf_token")?,
            })),
            None => Ok(None),
        }
    }

    pub async fn end_session(&self, token: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(secret_hash(token))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Signs a user out everywhere.
    pub async fn end_all_sessions(&self, user_id: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Issues an API token with the user's role and scope; the secret is returned once.
    pub async fn create_api_token(
        &self,
        user: &User,
        label: &str,
        ttl: Duration,
        actor: &Actor,
    ) -> Result<String> {
        let token = format!("snt_{}", new_secret());
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        sqlx::query("INSERT INTO api_tokens (token_hash, user_id, label, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(secret_hash(&token))
            .bind(user.id.clone())
            .bind(label.to_string())
            .bind(now_text())
            .bind((Utc::now() + ttl).format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
            .execute(&mut *tx)
            .await?;
        audit::append(
            &mut tx,
            &self.audit_chain,
            actor,
            "create_token",
            "user",
            Some(&user.id),
            &serde_json::json!({"label": label}),
        )
        .await?;
        tx.commit().await?;
        Ok(token)
    }

    /// The user behind a live API token.
    pub async fn token_user(&self, token: &str) -> Result<Option<User>> {
        let row = sqlx::query(
            "SELECT u.* FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.expires_at > $2 AND u.disabled = 0",
        )
        .bind(secret_hash(token))
        .bind(now_text())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    /// Counts failed sign-ins for a throttle key (an account or an address) since `window` ago.
    pub async fn recent_failures(&self, key: &str, window: Duration) -> Result<i64> {
        let since = (Utc::now() - window)
            .format("%Y-%m-%dT%H:%M:%S%.3fZ")
            .to_string();
        let row = sqlx::query(
            "SELECT COUNT(*) FROM sign_in_failures WHERE throttle_key = $1 AND at > $2",
        )
        .bind(key)
        .bind(since)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get(0)?)
    }

    pub async fn record_failure(&self, keys: &[String]) -> Result<()> {
        for key in keys {
            sqlx::query("INSERT INTO sign_in_failures (throttle_key, at) VALUES ($1, $2)")
                .bind(key.clone())
                .bind(now_text())
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    pub async fn clear_failures(&self, key: &str) -> Result<()> {
        sqlx::query("DELETE FROM sign_in_failures WHERE throttle_key = $1")
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Records a successful sign-in in the audit trail.
    pub async fn audit_sign_in(&self, user: &User, actor: &Actor) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        audit::append(
            &mut tx,
            &self.audit_chain,
            actor,
            "sign_in",
            "user",
            Some(&user.id),
            &serde_json::json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
