//! The managed topic list and the rules conflict detection works under (settings).

use sentra_domain::programme::activity::{DEFAULT_TOPICS, TopicNames, topic_code};
use sentra_domain::programme::conflicts::{self, Rules};

use sqlx::Row;

use super::{TOPIC_WINDOW_DAYS, Topic, YEAR_END_WEEKS};
use crate::accounts::audit::{self, Actor};
use crate::{Database, Result, StorageError};

impl Database {
    /// Adds the starting topics when there are none (a new deployment).
    pub(crate) async fn seed_activity_topics(&self) -> Result<()> {
        let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM activity_topics")
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?;
        if n > 0 {
            return Ok(());
        }
        let mut tx = self.pool.begin().await?;
        for (i, (code, id, en)) in DEFAULT_TOPICS.iter().enumerate() {
            sqlx::query(
                "INSERT INTO activity_topics (code, name_id, name_en, position) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(*code)
            .bind(*id)
            .bind(*en)
            .bind(i64::try_from(i).unwrap_or(0) * 10)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The coordinators' harmonisation settings (defaults until an admin sets them).
    pub async fn programme_rules(&self) -> Result<Rules> {
        let mut rules = Rules::default();
        let number = |v: Option<String>| v.and_then(|v| v.parse::<i64>().ok());
        if let Some(days) = number(self.setting(TOPIC_WINDOW_DAYS).await?) {
            rules.topic_window = days * conflicts::DAY;
        }
        if let Some(weeks) = number(self.setting(YEAR_END_WEEKS).await?) {
            rules.year_end_weeks = weeks;
        }
        Ok(rules)
    }

    /// Sets the harmonisation settings; audited (entity `programme_settings`).
    pub async fn set_programme_rules(&self, rules: &Rules, actor: &Actor) -> Result<()> {
        let before = self.programme_rules().await?;
        let days = rules.topic_window / conflicts::DAY;
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        for (key, value) in [
            (TOPIC_WINDOW_DAYS, days),
            (YEAR_END_WEEKS, rules.year_end_weeks),
        ] {
            sqlx::query(
                "INSERT INTO settings (key, value) VALUES ($1, $2) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )
            .bind(key)
            .bind(value.to_string())
            .execute(&mut *tx)
            .await?;
        }
        let changes = serde_json::json!({
            "topic_window_days": [before.topic_window / conflicts::DAY, days],
            "year_end_weeks": [before.year_end_weeks, rules.year_end_weeks],
        });
        audit::append(
            &mut tx,
            &self.audit_chain,
            actor,
            "update",
            "programme_settings",
            None,
            &changes,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every topic, the active ones first, in their order.
    pub async fn activity_topics(&self) -> Result<Vec<Topic>> {
        let rows = sqlx::query(
            "SELECT code, name_id, name_en, active FROM activity_topics \
             ORDER BY active DESC, position, code",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Topic {
                    code: r.try_get("code")?,
                    name_id: r.try_get("name_id")?,
                    name_en: r.try_get("name_en")?,
                    active: r.try_get::<i64, _>("active")? != 0,
                })
            })
            .collect()
    }

    /// The codes of the topics offered for new activities.
    pub async fn active_topic_codes(&self) -> Result<Vec<String>> {
        Ok(self
            .activity_topics()
            .await?
            .into_iter()
            .filter(|t| t.active)
            .map(|t| t.code)
            .collect())
    }

    /// Adds a topic at the end of the list; its code comes from the Indonesian name (a number
    /// added when taken: codes are never reused). Audited (entity `activity_topic`).
    pub async fn create_activity_topic(&self, names: &TopicNames, actor: &Actor) -> Result<Topic> {
        let base = topic_code(&names.name_id);
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        let taken: Vec<String> = sqlx::query("SELECT code FROM activity_topics")
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| r.try_get("code"))
            .collect::<std::result::Result<_, _>>()?;
        let code = (1..)
            .map(|n| {
                if n == 1 {
                    base.clone()
                } else {
                    format!("{base}_{n}")
                }
            })
            .find(|c| !taken.contains(c))
            .unwrap_or(base);
        let position: i64 =
            sqlx::query("SELECT COALESCE(MAX(position), 0) + 10 AS p FROM activity_topics")
                .fetch_one(&mut *tx)
                .await?
                .try_get("p")?;
        sqlx::query(
            "INSERT INTO activity_topics (code, name_id, name_en, position) VALUES ($1, $2, $3, $4)",
        )
        .bind(&code)
        .bind(&names.name_id)
        .bind(&names.name_en)
        .bind(position)
        .execute(&mut *tx)
        .await?;
        let changes = serde_json::json!({ "name_id": names.name_id, "name_en": names.name_en });
        audit::append(
            &mut tx,
            &self.audit_chain,
            actor,
            "create",
            "activity_topic",
            Some(&code),
            &changes,
        )
        .await?;
        tx.commit().await?;
        Ok(Topic {
            code,
            name_id: names.name_id.clone(),
            name_en: names.name_en.clone(),
            active: true,
        })
    }

    /// Renames a topic, or retires or restores it; audited.
    pub async fn update_activity_topic(
        &self,
        code: &str,
        names: &TopicNames,
        active: bool,
        actor: &Actor,
    ) -> Result<()> {
        let before = self
            .activity_topics()
            .await?
            .into_iter()
            .find(|t| t.code == code)
            .ok_or(StorageError::NotFound)?;
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        sqlx::query(
            "UPDATE activity_topics SET name_id = $1, name_en = $2, active = $3 WHERE code = $4",
        )
        .bind(&names.name_id)
        .bind(&names.name_en)
        .bind(i64::from(active))
        .bind(code)
        .execute(&mut *tx)
        .await?;
        let mut diff = serde_json::Map::new();
        for (k, b, a) in [
            (
                "name_id",
                serde_json::json!(before.name_id),
                serde_json::json!(names.name_id),
            ),
            (
                "name_en",
                serde_json::json!(before.name_en),
                serde_json::json!(names.name_en),
            ),
            (
                "active",
                serde_json::json!(before.active),
                serde_json::json!(active),
            ),
        ] {
            if b != a {
                diff.insert(k.into(), serde_json::json!([b, a]));
            }
        }
        if !diff.is_empty() {
            audit::append(
                &mut tx,
                &self.audit_chain,
                actor,
                "update",
                "activity_topic",
                Some(code),
                &serde_json::Value::Object(diff),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
