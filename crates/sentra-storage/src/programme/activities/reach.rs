//! How far programmes reached the registry, and one UMKM's programme history and the
//! activities it may still join.

use sentra_domain::programme::activity::ActivityStatus;
use sentra_domain::programme::outcomes::{Change, Outcome, outcomes_after};
use sentra_domain::programme::participants::ParticipantState;
use sentra_domain::region::RegionCode;
use sentra_domain::scope::Scope;
use sentra_domain::size::SizeClass;
use sentra_domain::umkm::LegalKind;
use std::collections::HashMap;

use sqlx::Row;

use super::{ActivityRecord, activity_from_row, columns, corrupt, list};
use crate::insight::rollup::Grain;
use crate::sql::region_column;
use crate::{Database, Result};

/// How far programmes reached the UMKM of a region in a period.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reach {
    /// Verified UMKM in the region (the counting rules: drafts and inactive ones aside).
    pub total: i64,
    /// Those that attended at least one activity starting in the period.
    pub reached: i64,
    /// Per sector code: (total, reached).
    pub by_sector: Vec<(String, i64, i64)>,
    /// Per size class (`mikro`, `kecil`, `menengah`, or empty): (total, reached).
    pub by_size: Vec<(String, i64, i64)>,
    /// Per topic code: UMKM that attended more than `times` activities of it in the period.
    pub repeated: Vec<(String, i64)>,
    pub times: u32,
    /// What changed for the reached UMKM after their first activity of the period.
    pub outcomes: ReachOutcomes,
}

/// Reached UMKM with a recorded change after their first activity of the period.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReachOutcomes {
    /// Obtained a document they did not have (any kind).
    pub documents: i64,
    /// Obtained an NIB.
    pub nib: i64,
    /// Moved up a size class (from a known one).
    pub moved_up: i64,
    /// Added products to the catalogue.
    pub products: i64,
}

impl Database {
    /// Reach in one number, for dashboards and targets: the verified businesses of `region` and
    /// how many of them attended an activity in `year` (the calendar year in their province's
    /// time zone), read from the reach rollup that triggers keep exact.
    pub async fn reach_count(&self, region: &RegionCode, year: i32) -> Result<(i64, i64)> {
        let total = self
            .rollup_sums(
                region,
                &[],
                Grain::Whole,
                Some(crate::insight::dashboard::COUNTED),
            )
            .await?
            .first()
            .map_or(0, |r| r.n);
        Ok((self.reached_count(region, year).await?, total))
    }

    /// The verified businesses of `region` that attended an activity in `year`, from the reach
    /// rollup (also the total of the registry list filtered to them).
    pub(crate) async fn reached_count(&self, region: &RegionCode, year: i32) -> Result<i64> {
        let row = sqlx::query(
            "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) AS n FROM reach_village \
             WHERE year = $3 AND (village_code = $1 OR village_code LIKE $2)",
        )
        .bind(region.as_str())
        .bind(format!("{}.%", region.as_str()))
        .bind(i64::from(year))
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get("n")?)
    }
}

/// The period a reach is counted over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReachPeriod {
    /// A calendar year in the province's time zone, from `[from, to)` (its bounds): counted
    /// from the reach rollups the triggers keep.
    Year { year: i32, from: i64, to: i64 },
    /// Activities starting in `[from, to)`: counted from the participations themselves.
    Range { from: i64, to: i64 },
}

impl Database {
    /// Reach of the programmes in `region` over a period; "reached" means attended or
    /// completed, of the verified businesses (docs/counting-rules.md).
    pub async fn reach(
        &self,
        region: &RegionCode,
        period: ReachPeriod,
        times: u32,
    ) -> Result<Reach> {
        let code = region.as_str();
        let like = format!("{code}.%");
        let (by_sector, by_size) = match period {
            ReachPeriod::Year { year, .. } => (
                self.reach_groups(region, "sector_code", year).await?,
                self.reach_groups(region, "size_class", year).await?,
            ),
            ReachPeriod::Range { from, to } => (
                self.reach_groups_scanned(region, "sector_code", from, to)
                    .await?,
                self.reach_groups_scanned(region, "size_class", from, to)
                    .await?,
            ),
        };
        let mut repeated = match period {
            ReachPeriod::Year { year, .. } => self.repeated_of_year(region, year, times).await?,
            ReachPeriod::Range { from, to } => {
                self.repeated_scanned(region, from, to, times).await?
            }
        };
        repeated.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let outcomes = match period {
            ReachPeriod::Year { year, from, .. } => {
                self.reach_outcomes_of_year(region, year, from).await?
            }
            ReachPeriod::Range { from, to } => self.reach_outcomes(code, &like, from, to).await?,
        };
        Ok(Reach {
            total: by_sector.iter().map(|g| g.1).sum(),
            reached: by_sector.iter().map(|g| g.2).sum(),
            by_sector,
            by_size,
            repeated,
            times,
            outcomes,
        })
    }

    /// Per topic, the verified businesses of `region` that attended more than `times`
    /// activities of it in `year`: a sum of the kelurahan histogram the reach triggers keep
    /// (how many attended exactly so many), not a read of their participations (a province's
    /// year has 913,300 businesses reached and 5,000,000 participations).
    async fn repeated_of_year(
        &self,
        region: &RegionCode,
        year: i32,
        times: u32,
    ) -> Result<Vec<(String, i64)>> {
        let rows = sqlx::query(
            "SELECT topic, CAST(SUM(n) AS BIGINT) AS n FROM reach_topic_village \
             WHERE year = $3 AND attended > $4 AND (village_code = $1 OR village_code LIKE $2) \
             GROUP BY topic",
        )
        .bind(region.as_str())
        .bind(format!("{}.%", region.as_str()))
        .bind(i64::from(year))
        .bind(i64::from(times))
        .fetch_all(&self.pool)
        .await?;
        let mut repeated = Vec::with_capacity(rows.len());
        for r in &rows {
            let n: i64 = r.try_get("n")?;
            if n > 0 {
                repeated.push((r.try_get("topic")?, n));
            }
        }
        Ok(repeated)
    }

    /// As [`Self::repeated_of_year`] over any period, from the period's participations of the
    /// region's verified businesses.
    async fn repeated_scanned(
        &self,
        region: &RegionCode,
        from: i64,
        to: i64,
        times: u32,
    ) -> Result<Vec<(String, i64)>> {
        let counted = format!(
            "{} = $1 AND u.merged_into IS NULL AND u.status = 'verified'",
            region_column(region.level())
        );
        let rows = sqlx::query(&format!(
            "SELECT p.umkm_id, a.topics FROM activity_participants p \
             JOIN activities a ON a.id = p.activity_id \
             JOIN umkm u ON u.province_code = p.province_code AND u.id = p.umkm_id \
             WHERE p.state IN ('attended', 'completed') AND a.starts_at >= $2 \
             AND a.starts_at < $3 AND {counted}"
        ))
        .bind(region.as_str())
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        let mut per: HashMap<(String, String), u32> = HashMap::new();
        for r in &rows {
            let umkm: String = r.try_get("umkm_id")?;
            for t in list(&r.try_get::<String, _>("topics")?) {
                *per.entry((t, umkm.clone())).or_default() += 1;
            }
        }
        let mut repeated: HashMap<String, i64> = HashMap::new();
        for ((topic, _), n) in per {
            if n > times {
                *repeated.entry(topic).or_default() += 1;
            }
        }
        Ok(repeated.into_iter().collect())
    }

    /// Per value of `column` (`sector_code` or `size_class`): the verified businesses of
    /// `region` and those reached in `year`, from the rollups.
    async fn reach_groups(
        &self,
        region: &RegionCode,
        column: &str,
        year: i32,
    ) -> Result<Vec<(String, i64, i64)>> {
        let mut out: std::collections::BTreeMap<String, (i64, i64)> = Default::default();
        for r in self
            .rollup_sums(
                region,
                &[column],
                Grain::Whole,
                Some(crate::insight::dashboard::COUNTED),
            )
            .await?
        {
            out.entry(r.keys[0].clone()).or_default().0 += r.n;
        }
        let rows = sqlx::query(&format!(
            "SELECT {column} AS k, CAST(SUM(n) AS BIGINT) AS n FROM reach_village \
             WHERE year = $3 AND (village_code = $1 OR village_code LIKE $2) GROUP BY {column}"
        ))
        .bind(region.as_str())
        .bind(format!("{}.%", region.as_str()))
        .bind(i64::from(year))
        .fetch_all(&self.pool)
        .await?;
        for r in &rows {
            out.entry(r.try_get("k")?).or_default().1 += r.try_get::<i64, _>("n")?;
        }
        Ok(out
            .into_iter()
            .filter(|(_, (total, reached))| *total != 0 || *reached != 0)
            .map(|(k, (total, reached))| (k, total, reached))
            .collect())
    }

    /// As [`Self::reach_groups`] over any period: each verified business tested against the
    /// period's participations.
    async fn reach_groups_scanned(
        &self,
        region: &RegionCode,
        column: &str,
        from: i64,
        to: i64,
    ) -> Result<Vec<(String, i64, i64)>> {
        let sql = format!(
            "SELECT COALESCE(u.{column}, '') AS k, COUNT(*) AS total, \
             SUM(CASE WHEN EXISTS (SELECT 1 FROM activity_participants p \
                 JOIN activities a ON a.id = p.activity_id \
                 WHERE p.umkm_id = u.id AND p.state IN ('attended', 'completed') \
                 AND a.starts_at >= $3 AND a.starts_at < $4) THEN 1 ELSE 0 END) AS reached \
             FROM umkm u WHERE (u.village_code = $1 OR u.village_code LIKE $2) \
             AND u.merged_into IS NULL AND u.status = 'verified' \
             GROUP BY COALESCE(u.{column}, '') ORDER BY k"
        );
        let rows = sqlx::query(&sql)
            .bind(region.as_str())
            .bind(format!("{}.%", region.as_str()))
            .bind(from)
            .bind(to)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get::<String, _>("k")?,
                    r.try_get::<i64, _>("total")?,
                    r.try_get::<Option<i64>, _>("reached")?.unwrap_or(0),
                ))
            })
            .collect()
    }

    /// As [`Self::reach_outcomes`] for a calendar year, read from the other side: the changes
    /// since the year began (audited updates of businesses, indexed by time) of the businesses
    /// reached that year, each compared with the first attended start the reach rollup keeps;
    /// products added after it are counted by the reach triggers. A province reached 913,300
    /// businesses in a year; its changes of a year are far fewer.
    async fn reach_outcomes_of_year(
        &self,
        region: &RegionCode,
        year: i32,
        from: i64,
    ) -> Result<ReachOutcomes> {
        // Timestamps are RFC 3339 UTC text (`now_text`): the second the year began, a day early
        // so that no offset can drop a change; `since` below is exact.
        let day_before = chrono::DateTime::from_timestamp(from - 86_400, 0)
            .map(|t| t.format("%Y-%m-%dT%H:%M:%S").to_string())
            .ok_or_else(|| corrupt("year start", &from.to_string()))?;
        let reached = format!(
            "JOIN reach_rollup r ON r.umkm_id = u.id AND r.year = $2 AND r.attended > 0 \
             WHERE {} = $1 AND u.merged_into IS NULL AND u.status = 'verified'",
            region_column(region.level())
        );
        // Those with a product added at or after their first activity of the year, summed
        // per kelurahan by the reach triggers (migration 0048).
        let products = sqlx::query(
            "SELECT CAST(COALESCE(SUM(grew), 0) AS BIGINT) AS n FROM reach_village \
             WHERE year = $3 AND (village_code = $1 OR village_code LIKE $2)",
        )
        .bind(region.as_str())
        .bind(format!("{}.%", region.as_str()))
        .bind(i64::from(year))
        .fetch_one(&self.pool)
        .await?
        .try_get::<i64, _>("n")?;
        let rows = sqlx::query(&format!(
            "SELECT l.entity_id, l.at, l.changes, r.first_at FROM audit_log l \
             JOIN umkm u ON u.id = l.entity_id {reached} \
             AND l.entity = 'umkm' AND l.action = 'update' AND l.at >= $3 ORDER BY l.seq"
        ))
        .bind(region.as_str())
        .bind(i64::from(year))
        .bind(&day_before)
        .fetch_all(&self.pool)
        .await?;
        let mut changes: HashMap<String, (i64, Vec<Change>)> = HashMap::new();
        for r in &rows {
            let at: String = r.try_get("at")?;
            let text: String = r.try_get("changes")?;
            let since = r.try_get::<Option<i64>, _>("first_at")?.unwrap_or(i64::MAX);
            if let (Some(at), Ok(diff)) = (unix(&at), serde_json::from_str(&text)) {
                changes
                    .entry(r.try_get("entity_id")?)
                    .or_insert_with(|| (since, Vec::new()))
                    .1
                    .push(outcome_change(at, &diff));
            }
        }
        let mut out = ReachOutcomes {
            products,
            ..ReachOutcomes::default()
        };
        for (since, list) in changes.values() {
            out.add(&outcomes_after(*since, list, &[]));
        }
        Ok(out)
    }

    /// For the UMKM reached in the period: the changes recorded after their first activity of
    /// it (read from the audit trail and the catalogue, in parts of 500 records).
    async fn reach_outcomes(
        &self,
        code: &str,
        like: &str,
        from: i64,
        to: i64,
    ) -> Result<ReachOutcomes> {
        let rows = sqlx::query(
            "SELECT p.umkm_id, MIN(a.starts_at) AS first FROM activity_participants p \
             JOIN activities a ON a.id = p.activity_id JOIN umkm u ON u.province_code = p.province_code AND u.id = p.umkm_id \
             WHERE p.state IN ('attended', 'completed') AND a.starts_at >= $3 AND a.starts_at < $4 \
             AND (u.village_code = $1 OR u.village_code LIKE $2) AND u.merged_into IS NULL \
             AND u.status = 'verified' GROUP BY p.umkm_id",
        )
        .bind(code)
        .bind(like)
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        let mut first: HashMap<String, i64> = HashMap::with_capacity(rows.len());
        for r in &rows {
            first.insert(r.try_get("umkm_id")?, r.try_get("first")?);
        }
        let ids: Vec<&String> = first.keys().collect();
        let mut changes: HashMap<&str, Vec<Change>> = HashMap::new();
        let mut products: HashMap<&str, Vec<i64>> = HashMap::new();
        for part in ids.chunks(500) {
            let marks: Vec<String> = (1..=part.len()).map(|i| format!("${i}")).collect();
            let audit_sql = format!(
                "SELECT entity_id, at, changes FROM audit_log WHERE entity = 'umkm' \
                 AND action = 'update' AND entity_id IN ({}) ORDER BY seq",
                marks.join(", ")
            );
            let products_sql = format!(
                "SELECT umkm_id, created_at FROM products WHERE umkm_id IN ({})",
                marks.join(", ")
            );
            let (mut audit_q, mut products_q) =
                (sqlx::query(&audit_sql), sqlx::query(&products_sql));
            for id in part {
                audit_q = audit_q.bind(id.as_str());
                products_q = products_q.bind(id.as_str());
            }
            for r in audit_q.fetch_all(&self.pool).await? {
                let id: String = r.try_get("entity_id")?;
                let at: String = r.try_get("at")?;
                let text: String = r.try_get("changes")?;
                let Some(key) = first.get_key_value(&id).map(|(k, _)| k.as_str()) else {
                    continue;
                };
                if let (Some(at), Ok(diff)) = (unix(&at), serde_json::from_str(&text)) {
                    changes
                        .entry(key)
                        .or_default()
                        .push(outcome_change(at, &diff));
                }
            }
            for r in products_q.fetch_all(&self.pool).await? {
                let id: String = r.try_get("umkm_id")?;
                let at: String = r.try_get("created_at")?;
                let Some(key) = first.get_key_value(&id).map(|(k, _)| k.as_str()) else {
                    continue;
                };
                if let Some(at) = unix(&at) {
                    products.entry(key).or_default().push(at);
                }
            }
        }
        let mut out = ReachOutcomes::default();
        for (id, since) in &first {
            let found = outcomes_after(
                *since,
                changes.get(id.as_str()).map_or(&[][..], Vec::as_slice),
                products.get(id.as_str()).map_or(&[][..], Vec::as_slice),
            );
            out.add(&found);
        }
        Ok(out)
    }
}

impl ReachOutcomes {
    /// Counts one reached business's outcomes.
    fn add(&mut self, found: &[(i64, Outcome)]) {
        let has = |f: &dyn Fn(&Outcome) -> bool| found.iter().any(|(_, o)| f(o));
        self.documents += i64::from(has(&|o| matches!(o, Outcome::Document(_))));
        self.nib += i64::from(has(&|o| *o == Outcome::Document(LegalKind::Nib)));
        self.moved_up += i64::from(has(
            &|o| matches!(o, Outcome::SizeMoved { from: Some(f), to } if to > f),
        ));
        self.products += i64::from(has(&|o| matches!(o, Outcome::Products(_))));
    }
}

/// A UMKM's part in one activity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Taken {
    pub activity: ActivityRecord,
    pub state: ParticipantState,
    pub note: Option<String>,
}

/// A UMKM's programme history and what changed for it after the first programme reached it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProgrammeHistory {
    /// Newest first.
    pub taken: Vec<Taken>,
    /// When a programme first reached it (attended or completed).
    pub first_reached: Option<i64>,
    pub outcomes: Vec<(i64, Outcome)>,
}

/// An audit or record time (`2026-05-12T03:04:05.678Z`) as Unix seconds.
fn unix(text: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.timestamp())
}

/// The kinds of a document list as the audit trail records it.
fn document_kinds(v: &serde_json::Value) -> Vec<LegalKind> {
    v.as_array()
        .map(|docs| {
            docs.iter()
                .filter_map(|d| d.get("kind").and_then(serde_json::Value::as_str))
                .filter_map(LegalKind::parse)
                .collect()
        })
        .unwrap_or_default()
}

/// What of an audited UMKM change matters for outcomes (see `audit_diff`: `[before, after]`).
fn outcome_change(at: i64, diff: &serde_json::Value) -> Change {
    let pair = |field: &str| {
        diff.get(field)
            .and_then(serde_json::Value::as_array)
            .filter(|p| p.len() == 2)
            .map(|p| (p[0].clone(), p[1].clone()))
    };
    let size = |v: &serde_json::Value| v.as_str().and_then(SizeClass::parse);
    Change {
        at,
        documents: pair("documents").map(|(b, a)| (document_kinds(&b), document_kinds(&a))),
        size: pair("size_class").map(|(b, a)| (size(&b), size(&a))),
    }
}

impl Database {
    /// The activities a UMKM took part in, newest first, and the changes recorded for it
    /// (documents, size class, products) since a programme first reached it.
    pub async fn programme_history(
        &self,
        scope: &Scope,
        umkm_id: &str,
    ) -> Result<ProgrammeHistory> {
        self.umkm_village(scope, umkm_id).await?;
        let states = sqlx::query(
            "SELECT activity_id, state, note FROM activity_participants WHERE umkm_id = $1",
        )
        .bind(umkm_id)
        .fetch_all(&self.pool)
        .await?;
        let mut taken = Vec::with_capacity(states.len());
        for r in &states {
            let id: String = r.try_get("activity_id")?;
            let state: String = r.try_get("state")?;
            let row = sqlx::query(&format!(
                "SELECT {} FROM activities WHERE id = $1",
                columns()
            ))
            .bind(&id)
            .fetch_one(&self.pool)
            .await?;
            taken.push(Taken {
                activity: activity_from_row(&row)?,
                state: ParticipantState::parse(&state)
                    .ok_or_else(|| corrupt("participant state", &state))?,
                note: r.try_get("note")?,
            });
        }
        taken.sort_by_key(|t| std::cmp::Reverse(t.activity.data.start));
        let first_reached = taken
            .iter()
            .filter(|t| t.state.reached())
            .map(|t| t.activity.data.start)
            .min();
        let Some(since) = first_reached else {
            return Ok(ProgrammeHistory {
                taken,
                ..ProgrammeHistory::default()
            });
        };
        let rows = sqlx::query(
            "SELECT at, changes FROM audit_log WHERE entity = 'umkm' AND entity_id = $1 \
             AND action = 'update' ORDER BY seq",
        )
        .bind(umkm_id)
        .fetch_all(&self.pool)
        .await?;
        let mut changes = Vec::with_capacity(rows.len());
        for r in &rows {
            let at: String = r.try_get("at")?;
            let text: String = r.try_get("changes")?;
            if let (Some(at), Ok(diff)) = (unix(&at), serde_json::from_str(&text)) {
                changes.push(outcome_change(at, &diff));
            }
        }
        let products: Vec<i64> = sqlx::query("SELECT created_at FROM products WHERE umkm_id = $1")
            .bind(umkm_id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .filter_map(|r| r.try_get::<String, _>("created_at").ok())
            .filter_map(|t| unix(&t))
            .collect();
        Ok(ProgrammeHistory {
            outcomes: outcomes_after(since, &changes, &products),
            taken,
            first_reached,
        })
    }

    /// Coming activities (planned or confirmed, starting in `[from, to)`) a UMKM can still join:
    /// held for its kelurahan or a region holding it, meeting their target criteria.
    pub async fn open_activities_for(
        &self,
        scope: &Scope,
        umkm_id: &str,
        from: i64,
        to: i64,
    ) -> Result<Vec<ActivityRecord>> {
        let village = self.umkm_village(scope, umkm_id).await?;
        let mut out = Vec::new();
        for a in self.activities_between(&village, from, to).await? {
            if matches!(
                a.data.status,
                ActivityStatus::Planned | ActivityStatus::Confirmed
            ) && village.is_within(&a.data.region)
                && self.is_eligible(&a, umkm_id).await?
            {
                out.push(a);
            }
        }
        Ok(out)
    }
}
