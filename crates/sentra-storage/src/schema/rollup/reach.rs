//! Programme reach (migration 0019): attended participations per business and year, and per
//! kelurahan, year, sector and size class the verified businesses that attended at least one
//! (the counting rules, docs/counting-rules.md; migration 0033 recounted what drafts had added
//! and added the sector and size class). Migration 0048 added the attended participations per
//! business, year and topic (`reach_topic`), and whether a reached business added a product at
//! or after its first activity of the year (`grew`, summed per group in `reach_village`).

use sentra_domain::programme::activity::{Zone, year_start};
use sqlx::Row;

use super::counted_in_on_insert;
use crate::connect::Backend;
use crate::{Database, Result};

const ATTENDED: &str = "('attended', 'completed')";

/// On an added attendance, the earlier of the kept first start and the new one.
const EARLIER: &str = "CASE WHEN reach_rollup.first_at IS NULL \
    OR excluded.first_at < reach_rollup.first_at THEN excluded.first_at \
    ELSE reach_rollup.first_at END";

/// The first start of each year of the businesses `umkm` selects (`= x` or `IN (…)`), found
/// again from their attended participations: after one is removed or an activity moves.
fn first_again(umkm: &str) -> String {
    format!(
        "UPDATE reach_rollup SET first_at = (SELECT MIN(a.starts_at) \
         FROM activity_participants p JOIN activities a ON a.id = p.activity_id \
         JOIN umkm u ON u.id = p.umkm_id \
         JOIN calendar_years c ON c.province_code = substr(u.village_code, 1, 2) \
         AND c.year = reach_rollup.year \
         WHERE p.umkm_id = reach_rollup.umkm_id AND p.state IN {ATTENDED} \
         AND a.starts_at >= c.starts_at AND a.starts_at < c.ends_at) \
         WHERE umkm_id {umkm};"
    )
}

/// The year an activity starting at `starts` falls in, for a business of kelurahan `village`.
fn reach_year(starts: &str, village: &str) -> String {
    format!(
        "(SELECT c.year FROM calendar_years c WHERE c.province_code = substr({village}, 1, 2) \
         AND {starts} >= c.starts_at AND {starts} < c.ends_at)"
    )
}

/// A business counts in reach: not merged away, verified (so active).
fn counted(u: &str) -> String {
    format!("{u}.merged_into IS NULL AND {u}.status = 'verified'")
}

/// The columns of `reach_village` and its upsert's tail.
const VILLAGE_COLUMNS: &str = "village_code, year, sector_code, size_class, n, grew";
const VILLAGE_UPSERT: &str = "ON CONFLICT (year, village_code, sector_code, size_class) \
    DO UPDATE SET n = reach_village.n + excluded.n, grew = reach_village.grew + excluded.grew;";

/// The group of business row `u` (an alias, NEW or OLD) in `reach_village`, after its year.
fn group_of(u: &str) -> String {
    format!("{u}.sector_code, COALESCE({u}.size_class, '')")
}

/// The kelurahan counts of `(village, year, sector, size)` groups whose businesses' attended
/// count is now `at` (1: just reached; 0: no longer) change by `sign` — grouped, so that one
/// statement never touches a row twice. `from` joins the business as `u`.
fn crossing(from: &str, village: &str, year: &str, at: i32, sign: i32) -> String {
    let group = group_of("u");
    format!(
        "INSERT INTO reach_village ({VILLAGE_COLUMNS}) \
         SELECT {village}, {year}, {group}, {sign} * COUNT(*), {sign} * SUM(r.grew) \
         {from} AND r.attended = {at} \
         GROUP BY {village}, {year}, {group} {VILLAGE_UPSERT}"
    )
}

/// A product `p`'s creation time (RFC 3339 UTC text) in whole Unix seconds, as activities keep
/// theirs.
fn created_unix(backend: Backend, p: &str) -> String {
    match backend {
        Backend::Sqlite => format!("unixepoch({p}.created_at)"),
        Backend::Postgres => {
            format!("FLOOR(EXTRACT(EPOCH FROM CAST({p}.created_at AS TIMESTAMPTZ)))")
        }
    }
}

/// Whether the business of reach row `r` (an alias, or the table's name) has a product added at
/// or after its first activity of the year: 1 or 0.
fn grew_now(backend: Backend, r: &str) -> String {
    format!(
        "CASE WHEN EXISTS (SELECT 1 FROM products gp WHERE gp.umkm_id = {r}.umkm_id \
         AND {} >= {r}.first_at) THEN 1 ELSE 0 END",
        created_unix(backend, "gp")
    )
}

/// The `grew` marks of the businesses `umkm` selects (`= x` or `IN (…)`) found again after
/// their products or first activities changed; the kelurahan sums of the reached ones move by
/// what changed.
fn grew_again(backend: Backend, umkm: &str) -> String {
    let now = grew_now(backend, "r");
    let group = group_of("u");
    format!(
        "INSERT INTO reach_village ({VILLAGE_COLUMNS}) \
         SELECT u.village_code, r.year, {group}, 0, SUM({now} - r.grew) \
         FROM reach_rollup r JOIN umkm u ON u.id = r.umkm_id \
         WHERE r.umkm_id {umkm} AND r.attended > 0 AND {counted} AND {now} <> r.grew \
         GROUP BY u.village_code, r.year, {group} {VILLAGE_UPSERT}\n\
         UPDATE reach_rollup SET grew = {kept} WHERE umkm_id {umkm} AND grew <> {kept};",
        counted = counted("u"),
        kept = grew_now(backend, "reach_rollup"),
    )
}

/// Topic row `t` of `activity_topics` is among `topics` (comma-separated codes; `replace`
/// rather than `LIKE`, whose `_` would match any character).
fn has_topic(topics: &str, t: &str) -> String {
    format!(
        "length(replace(',' || {topics} || ',', ',' || {t}.code || ',', '')) \
         < length(',' || {topics} || ',')"
    )
}

const TOPIC_VILLAGE_UPSERT: &str = "ON CONFLICT (year, village_code, topic, attended) \
    DO UPDATE SET n = reach_topic_village.n + excluded.n;";

/// The kelurahan histogram of topic attendances (`reach_topic_village`) of the businesses `umkm`
/// selects (`= x` or `IN (…)`), as they are now, counted `sign` times: −1 before their topic
/// attendances change, +1 after.
fn topic_buckets(umkm: &str, sign: i32) -> String {
    format!(
        "INSERT INTO reach_topic_village (village_code, year, topic, attended, n) \
         SELECT u.village_code, t.year, t.topic, t.attended, {sign} * COUNT(*) \
         FROM reach_topic t JOIN umkm u ON u.id = t.umkm_id \
         WHERE t.umkm_id {umkm} AND t.attended > 0 AND {} \
         GROUP BY u.village_code, t.year, t.topic, t.attended {TOPIC_VILLAGE_UPSERT}",
        counted("u")
    )
}

/// As [`topic_buckets`] for one business row `b` (OLD or NEW) as the trigger sees it.
fn topic_buckets_of(b: &str, sign: i32) -> String {
    format!(
        "INSERT INTO reach_topic_village (village_code, year, topic, attended, n) \
         SELECT {b}.village_code, t.year, t.topic, t.attended, {sign} FROM reach_topic t \
         WHERE t.umkm_id = {b}.id AND t.attended > 0 AND {} {TOPIC_VILLAGE_UPSERT}",
        counted(b)
    )
}

/// One participation `p` (NEW or OLD) attended (`sign` 1) or no longer (−1).
fn participation(backend: Backend, p: &str, sign: i32) -> String {
    let year = reach_year("a.starts_at", "u.village_code");
    let topic = has_topic("a.topics", "t");
    let before = topic_buckets(&format!("= {p}.umkm_id"), -1);
    let after = topic_buckets(&format!("= {p}.umkm_id"), 1);
    let add = format!(
        "INSERT INTO reach_rollup (umkm_id, year, attended, first_at) \
         SELECT u.id, {year}, 1, a.starts_at FROM activities a, umkm u \
         WHERE a.id = {p}.activity_id AND u.id = {p}.umkm_id AND {year} IS NOT NULL \
         ON CONFLICT (umkm_id, year) DO UPDATE SET attended = reach_rollup.attended + 1, \
         first_at = {EARLIER};\n{before}\n\
         INSERT INTO reach_topic (umkm_id, year, topic, attended) \
         SELECT u.id, {year}, t.code, 1 FROM activities a, umkm u, activity_topics t \
         WHERE a.id = {p}.activity_id AND u.id = {p}.umkm_id AND {year} IS NOT NULL AND {topic} \
         ON CONFLICT (umkm_id, year, topic) DO UPDATE SET attended = reach_topic.attended + 1;\n\
         {after}"
    );
    let remove = format!(
        "UPDATE reach_rollup SET attended = attended - 1 WHERE umkm_id = {p}.umkm_id \
         AND year = (SELECT {year} FROM activities a, umkm u \
                     WHERE a.id = {p}.activity_id AND u.id = {p}.umkm_id);\n{}\n{before}\n\
         UPDATE reach_topic SET attended = attended - 1 WHERE umkm_id = {p}.umkm_id \
         AND year = (SELECT {year} FROM activities a, umkm u \
                     WHERE a.id = {p}.activity_id AND u.id = {p}.umkm_id) \
         AND topic IN (SELECT t.code FROM activities a, activity_topics t \
                       WHERE a.id = {p}.activity_id AND {topic});\n\
         DELETE FROM reach_topic WHERE umkm_id = {p}.umkm_id AND attended = 0;\n{after}",
        first_again(&format!("= {p}.umkm_id"))
    );
    let from = format!(
        "FROM activities a JOIN umkm u ON u.id = {p}.umkm_id \
         JOIN reach_rollup r ON r.umkm_id = u.id AND r.year = {year} \
         WHERE a.id = {p}.activity_id AND {}",
        counted("u")
    );
    let grew = grew_again(backend, &format!("= {p}.umkm_id"));
    if sign > 0 {
        format!(
            "{add}\n{}\n{grew}",
            crossing(&from, "u.village_code", "r.year", 1, 1)
        )
    } else {
        format!(
            "{remove}\n{}\n{grew}",
            crossing(&from, "u.village_code", "r.year", 0, -1)
        )
    }
}

/// The attended participations of activity NEW.
const ATTENDEES: &str = "IN (SELECT p.umkm_id FROM activity_participants p \
    WHERE p.activity_id = NEW.id AND p.state IN ('attended', 'completed'))";

/// An activity moved in time: each attended participation leaves the year of `OLD.starts_at`
/// and joins the year of `NEW.starts_at`.
fn activity_moved(backend: Backend) -> String {
    let old_year = reach_year("OLD.starts_at", "u.village_code");
    let new_year = reach_year("NEW.starts_at", "u.village_code");
    let attended = format!(
        "FROM activity_participants p JOIN umkm u ON u.id = p.umkm_id \
         WHERE p.activity_id = NEW.id AND p.state IN {ATTENDED}"
    );
    let from = |year: &str| {
        format!(
            "FROM activity_participants p JOIN umkm u ON u.id = p.umkm_id \
             JOIN reach_rollup r ON r.umkm_id = u.id AND r.year = {year} \
             WHERE p.activity_id = NEW.id AND p.state IN {ATTENDED} AND {}",
            counted("u")
        )
    };
    format!(
        "UPDATE reach_rollup SET attended = attended - 1 WHERE (umkm_id, year) IN \
         (SELECT u.id, {old_year} {attended});\n{}\n\
         INSERT INTO reach_rollup (umkm_id, year, attended) \
         SELECT u.id, {new_year}, 1 {attended} AND {new_year} IS NOT NULL \
         ON CONFLICT (umkm_id, year) DO UPDATE SET attended = reach_rollup.attended + 1;\n{}\n{}\n{}",
        crossing(&from(&old_year), "u.village_code", "r.year", 0, -1),
        crossing(&from(&new_year), "u.village_code", "r.year", 1, 1),
        first_again(ATTENDEES),
        grew_again(backend, ATTENDEES),
    )
}

/// An activity moved in time or changed its topics: each attended participation leaves the
/// (year, topic) counts of the old and joins those of the new.
fn activity_retopiced() -> String {
    let old_year = reach_year("OLD.starts_at", "u.village_code");
    let new_year = reach_year("NEW.starts_at", "u.village_code");
    let attended = |topics: &str| {
        format!(
            "FROM activity_participants p JOIN umkm u ON u.id = p.umkm_id \
             JOIN activity_topics t ON {} \
             WHERE p.activity_id = NEW.id AND p.state IN {ATTENDED}",
            has_topic(topics, "t")
        )
    };
    format!(
        "{}\nUPDATE reach_topic SET attended = attended - 1 WHERE (umkm_id, year, topic) IN \
         (SELECT u.id, {old_year}, t.code {});\n\
         INSERT INTO reach_topic (umkm_id, year, topic, attended) \
         SELECT u.id, {new_year}, t.code, 1 {} AND {new_year} IS NOT NULL \
         ON CONFLICT (umkm_id, year, topic) DO UPDATE SET attended = reach_topic.attended + 1;\n\
         DELETE FROM reach_topic WHERE attended = 0 AND umkm_id {ATTENDEES};\n{}",
        topic_buckets(ATTENDEES, -1),
        attended("OLD.topics"),
        attended("NEW.topics"),
        topic_buckets(ATTENDEES, 1),
    )
}

/// A business moved kelurahan, sector or size class, was merged or unmerged, or was verified
/// or left verified: its reached years leave the old group's counts and join the new one's; on
/// a move of kelurahan its years are derived again (another province may keep another time
/// zone).
fn business_moved(backend: Backend) -> String {
    format!(
        "INSERT INTO reach_village ({VILLAGE_COLUMNS}) \
         SELECT OLD.village_code, r.year, {old_group}, -1, -r.grew FROM reach_rollup r \
         WHERE r.umkm_id = OLD.id AND r.attended > 0 AND {old} {VILLAGE_UPSERT}\n{old_topics}\n\
         DELETE FROM reach_rollup WHERE umkm_id = NEW.id \
         AND OLD.village_code IS NOT NEW.village_code;\n\
         DELETE FROM reach_topic WHERE umkm_id = NEW.id \
         AND OLD.village_code IS NOT NEW.village_code;\n{counted_in}",
        old_group = group_of("OLD"),
        old = counted("OLD"),
        old_topics = topic_buckets_of("OLD", -1),
        counted_in = reach_counted_in(backend, "AND OLD.village_code IS NOT NEW.village_code"),
    )
}

/// The business NEW's reached years and topics derived from its participations (when
/// `derive_if` holds), then counted in its kelurahan.
fn reach_counted_in(backend: Backend, derive_if: &str) -> String {
    let year = reach_year("a.starts_at", "NEW.village_code");
    format!(
        "INSERT INTO reach_rollup (umkm_id, year, attended, first_at) \
         SELECT NEW.id, {year}, COUNT(*), MIN(a.starts_at) FROM activity_participants p \
         JOIN activities a ON a.id = p.activity_id \
         WHERE p.umkm_id = NEW.id AND p.state IN {ATTENDED} AND {year} IS NOT NULL \
         {derive_if} GROUP BY {year} \
         ON CONFLICT (umkm_id, year) DO UPDATE SET attended = excluded.attended, \
         first_at = excluded.first_at;\n\
         INSERT INTO reach_topic (umkm_id, year, topic, attended) \
         SELECT NEW.id, {year}, t.code, COUNT(*) FROM activity_participants p \
         JOIN activities a ON a.id = p.activity_id JOIN activity_topics t ON {topic} \
         WHERE p.umkm_id = NEW.id AND p.state IN {ATTENDED} AND {year} IS NOT NULL \
         {derive_if} GROUP BY {year}, t.code \
         ON CONFLICT (umkm_id, year, topic) DO UPDATE SET attended = excluded.attended;\n\
         {new_topics}\n\
         INSERT INTO reach_village ({VILLAGE_COLUMNS}) \
         SELECT NEW.village_code, r.year, {new_group}, 1, r.grew FROM reach_rollup r \
         WHERE r.umkm_id = NEW.id AND r.attended > 0 AND {new} {VILLAGE_UPSERT}\n{grew}",
        topic = has_topic("a.topics", "t"),
        new_group = group_of("NEW"),
        new = counted("NEW"),
        new_topics = topic_buckets_of("NEW", 1),
        grew = grew_again(backend, "= NEW.id"),
    )
}

const BUSINESS_MOVED: &str = "(OLD.village_code IS NOT NEW.village_code \
    OR OLD.sector_code IS NOT NEW.sector_code OR OLD.size_class IS NOT NEW.size_class \
    OR (OLD.merged_into IS NULL AND OLD.status = 'verified') \
       <> (NEW.merged_into IS NULL AND NEW.status = 'verified'))";

/// The SQLite triggers of this module, dropped before they are created again (their text
/// changed with the counting rules; `CREATE TRIGGER IF NOT EXISTS` would keep the old).
pub(super) const SQLITE_TRIGGERS: [&str; 11] = [
    "reach_participant_insert",
    "reach_participant_delete",
    "reach_participant_update_old",
    "reach_participant_update_new",
    "reach_activity_moved",
    "reach_activity_retopiced",
    "reach_business_moved",
    "reach_business_delete",
    "reach_product_insert",
    "reach_product_delete",
    "reach_product_update",
];

fn business_removed() -> String {
    format!(
        "INSERT INTO reach_village ({VILLAGE_COLUMNS}) \
         SELECT OLD.village_code, r.year, {}, -1, -r.grew FROM reach_rollup r \
         WHERE r.umkm_id = OLD.id AND r.attended > 0 AND {} {VILLAGE_UPSERT}\n\
         DELETE FROM reach_rollup WHERE umkm_id = OLD.id;\n{}\n\
         DELETE FROM reach_topic WHERE umkm_id = OLD.id;",
        group_of("OLD"),
        counted("OLD"),
        topic_buckets_of("OLD", -1),
    )
}

/// What a product's write changes in `grew`: its business's marks, found again.
const PRODUCT_MOVED: &str =
    "(OLD.umkm_id IS NOT NEW.umkm_id OR OLD.created_at IS NOT NEW.created_at)";

pub(super) fn sqlite_reach_triggers() -> String {
    let b = Backend::Sqlite;
    let t = |name: &str, when: &str, on: &str, cond: &str, body: String| {
        format!(
            "CREATE TRIGGER IF NOT EXISTS {name} {when} ON {on} WHEN {cond} BEGIN\n{body}\nEND;\n"
        )
    };
    [
        t(
            "reach_participant_insert",
            "AFTER INSERT",
            "activity_participants",
            &format!("NEW.state IN {ATTENDED}"),
            participation(b, "NEW", 1),
        ),
        t(
            "reach_participant_delete",
            "AFTER DELETE",
            "activity_participants",
            &format!("OLD.state IN {ATTENDED}"),
            participation(b, "OLD", -1),
        ),
        t(
            "reach_participant_update_old",
            "AFTER UPDATE",
            "activity_participants",
            &format!(
                "OLD.state IN {ATTENDED} AND (NEW.state NOT IN {ATTENDED} \
                    OR OLD.activity_id IS NOT NEW.activity_id OR OLD.umkm_id IS NOT NEW.umkm_id)"
            ),
            participation(b, "OLD", -1),
        ),
        t(
            "reach_participant_update_new",
            "AFTER UPDATE",
            "activity_participants",
            &format!(
                "NEW.state IN {ATTENDED} AND (OLD.state NOT IN {ATTENDED} \
                    OR OLD.activity_id IS NOT NEW.activity_id OR OLD.umkm_id IS NOT NEW.umkm_id)"
            ),
            participation(b, "NEW", 1),
        ),
        t(
            "reach_activity_moved",
            "AFTER UPDATE",
            "activities",
            "OLD.starts_at IS NOT NEW.starts_at",
            activity_moved(b),
        ),
        t(
            "reach_activity_retopiced",
            "AFTER UPDATE",
            "activities",
            "OLD.starts_at IS NOT NEW.starts_at OR OLD.topics IS NOT NEW.topics",
            activity_retopiced(),
        ),
        t(
            "reach_business_moved",
            "AFTER UPDATE",
            "umkm",
            BUSINESS_MOVED,
            business_moved(b),
        ),
        t(
            "reach_business_delete",
            "BEFORE DELETE",
            "umkm",
            "true",
            business_removed(),
        ),
        t(
            "reach_product_insert",
            "AFTER INSERT",
            "products",
            "true",
            grew_again(b, "= NEW.umkm_id"),
        ),
        t(
            "reach_product_delete",
            "AFTER DELETE",
            "products",
            "true",
            grew_again(b, "= OLD.umkm_id"),
        ),
        t(
            "reach_product_update",
            "AFTER UPDATE",
            "products",
            PRODUCT_MOVED,
            grew_again(b, "= OLD.umkm_id") + "\n" + &grew_again(b, "= NEW.umkm_id"),
        ),
    ]
    .concat()
}

/// `partitioned`: see [`counted_in_on_insert`].
pub(super) fn postgres_reach_triggers(partitioned: bool) -> String {
    let b = Backend::Postgres;
    let cond = |c: &str| c.replace(" IS NOT ", " IS DISTINCT FROM ");
    let (events, on_insert) = counted_in_on_insert(partitioned, &reach_counted_in(b, ""));
    format!(
        "CREATE OR REPLACE FUNCTION sentra_reach_participant() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.state IN {ATTENDED} AND (TG_OP = 'DELETE'
     OR NEW.state NOT IN {ATTENDED} OR OLD.activity_id IS DISTINCT FROM NEW.activity_id
     OR OLD.umkm_id IS DISTINCT FROM NEW.umkm_id) THEN
    {remove}
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.state IN {ATTENDED} AND (TG_OP = 'INSERT'
     OR OLD.state NOT IN {ATTENDED} OR OLD.activity_id IS DISTINCT FROM NEW.activity_id
     OR OLD.umkm_id IS DISTINCT FROM NEW.umkm_id) THEN
    {add}
  END IF;
  RETURN NULL;
END $fn$;

CREATE OR REPLACE FUNCTION sentra_reach_activity() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF OLD.starts_at IS DISTINCT FROM NEW.starts_at THEN
    {moved}
  END IF;
  IF OLD.starts_at IS DISTINCT FROM NEW.starts_at OR OLD.topics IS DISTINCT FROM NEW.topics THEN
    {retopiced}
  END IF;
  RETURN NULL;
END $fn$;

CREATE OR REPLACE FUNCTION sentra_reach_business() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP = 'DELETE' THEN
    {removed}
    RETURN OLD;
  END IF;
  {on_insert}
  IF {business_moved} THEN
    {business}
  END IF;
  RETURN NULL;
END $fn$;

CREATE OR REPLACE FUNCTION sentra_reach_product() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND {product_moved}) THEN
    {product_old}
  END IF;
  IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND {product_moved}) THEN
    {product_new}
  END IF;
  RETURN NULL;
END $fn$;

DROP TRIGGER IF EXISTS reach_participant ON activity_participants;
CREATE TRIGGER reach_participant AFTER INSERT OR UPDATE OR DELETE ON activity_participants
  FOR EACH ROW EXECUTE FUNCTION sentra_reach_participant();
DROP TRIGGER IF EXISTS reach_activity ON activities;
CREATE TRIGGER reach_activity AFTER UPDATE ON activities
  FOR EACH ROW EXECUTE FUNCTION sentra_reach_activity();
DROP TRIGGER IF EXISTS reach_business ON umkm;
CREATE TRIGGER reach_business AFTER {events} ON umkm
  FOR EACH ROW EXECUTE FUNCTION sentra_reach_business();
DROP TRIGGER IF EXISTS reach_business_delete ON umkm;
CREATE TRIGGER reach_business_delete BEFORE DELETE ON umkm
  FOR EACH ROW EXECUTE FUNCTION sentra_reach_business();
DROP TRIGGER IF EXISTS reach_product ON products;
CREATE TRIGGER reach_product AFTER INSERT OR UPDATE OR DELETE ON products
  FOR EACH ROW EXECUTE FUNCTION sentra_reach_product();
",
        remove = participation(b, "OLD", -1),
        add = participation(b, "NEW", 1),
        moved = activity_moved(b),
        retopiced = activity_retopiced(),
        removed = business_removed(),
        business_moved = cond(BUSINESS_MOVED),
        business = cond(&business_moved(b)),
        product_moved = cond(PRODUCT_MOVED),
        product_old = grew_again(b, "= OLD.umkm_id"),
        product_new = grew_again(b, "= NEW.umkm_id"),
    )
}

impl Database {
    /// The calendar years of every province (2000–2100, from the domain's year start), then on
    /// first start the reach rollups from the participations already recorded.
    pub(super) async fn fill_reach_rollup(&self) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let first = sqlx::query("SELECT 1 AS x FROM calendar_years")
            .fetch_optional(&mut *tx)
            .await?
            .is_none();
        // Provinces of newer region data get their calendar too.
        let provinces: Vec<String> = sqlx::query(
            "SELECT code FROM regions WHERE level = 'province' AND code NOT IN \
             (SELECT province_code FROM calendar_years)",
        )
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| r.try_get("code"))
        .collect::<std::result::Result<_, _>>()?;
        for p in &provinces {
            let zone = Zone::of_region(p);
            let mut values = Vec::new();
            for year in 2000..=2100 {
                values.push(format!(
                    "('{p}', {year}, {}, {})",
                    year_start(year, zone),
                    year_start(year + 1, zone)
                ));
            }
            sqlx::query(&format!(
                "INSERT INTO calendar_years (province_code, year, starts_at, ends_at) VALUES {}",
                values.join(", ")
            ))
            .execute(&mut *tx)
            .await?;
        }
        if !first {
            tx.commit().await?;
            return Ok(());
        }
        let year = reach_year("a.starts_at", "u.village_code");
        sqlx::query(&format!(
            "INSERT INTO reach_rollup (umkm_id, year, attended, first_at) \
             SELECT u.id, {year}, COUNT(*), MIN(a.starts_at) FROM activity_participants p \
             JOIN activities a ON a.id = p.activity_id JOIN umkm u ON u.id = p.umkm_id \
             WHERE p.state IN {ATTENDED} AND {year} IS NOT NULL GROUP BY u.id, {year}"
        ))
        .execute(&mut *tx)
        .await?;
        sqlx::query(&format!(
            "UPDATE reach_rollup SET grew = {}",
            grew_now(self.backend(), "reach_rollup")
        ))
        .execute(&mut *tx)
        .await?;
        sqlx::query(&format!(
            "INSERT INTO reach_topic (umkm_id, year, topic, attended) \
             SELECT u.id, {year}, t.code, COUNT(*) FROM activity_participants p \
             JOIN activities a ON a.id = p.activity_id JOIN umkm u ON u.id = p.umkm_id \
             JOIN activity_topics t ON {} \
             WHERE p.state IN {ATTENDED} AND {year} IS NOT NULL GROUP BY u.id, {year}, t.code",
            has_topic("a.topics", "t")
        ))
        .execute(&mut *tx)
        .await?;
        sqlx::query(&format!(
            "INSERT INTO reach_topic_village (village_code, year, topic, attended, n) \
             SELECT u.village_code, t.year, t.topic, t.attended, COUNT(*) FROM reach_topic t \
             JOIN umkm u ON u.id = t.umkm_id WHERE t.attended > 0 AND {} \
             GROUP BY u.village_code, t.year, t.topic, t.attended",
            counted("u")
        ))
        .execute(&mut *tx)
        .await?;
        let group = group_of("u");
        sqlx::query(&format!(
            "INSERT INTO reach_village ({VILLAGE_COLUMNS}) \
             SELECT u.village_code, r.year, {group}, COUNT(*), SUM(r.grew) FROM reach_rollup r \
             JOIN umkm u ON u.id = r.umkm_id WHERE r.attended > 0 AND {} \
             GROUP BY u.village_code, r.year, {group}",
            counted("u")
        ))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        // Tables filled whole: PostgreSQL's planner would otherwise plan with the empty
        // tables' statistics until autovacuum looks (the reach page of a province took 3.4 s
        // instead of 45 ms after migration 0049 refilled them). SQLite's `PRAGMA optimize`
        // at the end of `migrate` does the same.
        if self.backend() == Backend::Postgres {
            sqlx::query("ANALYZE reach_rollup, reach_village, reach_topic, reach_topic_village")
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }
}
