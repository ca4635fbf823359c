//! The registry counted ahead for dashboards (migration 0018): triggers keep `umkm_rollup` and
//! `umkm_doc_rollup` exact in the transaction of every write to `umkm` and `umkm_documents`,
//! whatever code path writes. Each change is an upsert that adds a record's contribution (+1,
//! its employees, modal and sales) to its bucket or takes it away (−1), so an update is "take
//! away the old, add the new". Whether a business holds an NIB or a halal certificate is kept
//! on its row (`doc_mask`, set by the document triggers), so that the move between buckets is
//! read from the row's old and new values — exact even where PostgreSQL fires the row
//! triggers of a many-row INSERT only after all its rows. The trigger text is generated here
//! for each engine (SQLite triggers, PostgreSQL PL/pgSQL functions) from the same pieces.

use sentra_domain::programme::activity::{Zone, year_start};
use sentra_domain::region::RegionCode;
use sqlx::Row;

use crate::connect::Backend;
use crate::sql::{get_wide_sum, wide_sum};
use crate::{Database, Result};

const DIMS: &str = "village_code, sector_code, size_class, status, owner_sex, entered_year, \
                    has_nib, has_halal";

/// The bits of `umkm.doc_mask`.
const NIB_BIT: i64 = 1;
const HALAL_BIT: i64 = 2;

fn year_of(text: &str) -> String {
    format!("CAST(substr({text}, 1, 4) AS BIGINT)")
}

fn issued_year(doc: &str) -> String {
    format!(
        "CASE WHEN {doc}.issued_on IS NULL OR {doc}.issued_on = '' THEN 0 ELSE {} END",
        year_of(&format!("{doc}.issued_on"))
    )
}

/// Adds `sign` times the record `r` (a row alias: NEW or OLD) to its bucket.
fn bucket(r: &str, sign: i32) -> String {
    format!(
        "INSERT INTO umkm_rollup ({DIMS}, n, employees, modal, sales) \
         SELECT {r}.village_code, {r}.sector_code, COALESCE({r}.size_class, ''), {r}.status, \
         {r}.owner_sex, {year}, CASE WHEN ({r}.doc_mask & {NIB_BIT}) <> 0 THEN 1 ELSE 0 END, \
         CASE WHEN ({r}.doc_mask & {HALAL_BIT}) <> 0 THEN 1 ELSE 0 END, {sign}, \
         {sign} * (COALESCE({r}.employees_male, 0) + COALESCE({r}.employees_female, 0)), \
         {sign} * COALESCE({r}.modal_rupiah, 0), {sign} * COALESCE({r}.annual_sales_rupiah, 0) \
         WHERE true \
         ON CONFLICT ({DIMS}) DO UPDATE SET n = umkm_rollup.n + excluded.n, \
         employees = umkm_rollup.employees + excluded.employees, \
         modal = umkm_rollup.modal + excluded.modal, sales = umkm_rollup.sales + excluded.sales;",
        year = year_of(&format!("{r}.created_at")),
    )
}

/// Adds `sign` for each document of record `id` to the kelurahan `village`'s holders.
fn documents_of(id: &str, village: &str, sign: i32) -> String {
    format!(
        "INSERT INTO umkm_doc_rollup (village_code, kind, issued_year, n) \
         SELECT {village}, d.kind, {year}, {sign} FROM umkm_documents d WHERE d.umkm_id = {id} \
         ON CONFLICT (kind, village_code, issued_year) \
         DO UPDATE SET n = umkm_doc_rollup.n + excluded.n;",
        year = issued_year("d"),
    )
}

/// Adds `sign` for one document `d` (NEW or OLD) to its kelurahan's holders, when its record
/// counts (not merged).
fn document(d: &str, sign: i32) -> String {
    format!(
        "INSERT INTO umkm_doc_rollup (village_code, kind, issued_year, n) \
         SELECT u.village_code, {d}.kind, {year}, {sign} FROM umkm u \
         WHERE u.id = {d}.umkm_id AND u.merged_into IS NULL \
         ON CONFLICT (kind, village_code, issued_year) \
         DO UPDATE SET n = umkm_doc_rollup.n + excluded.n;",
        year = issued_year(d),
    )
}

/// An NIB or halal certificate added (`added`) or removed: the bit on its business's row
/// (whose update trigger then moves it between buckets).
fn document_sets_bit(d: &str, added: bool) -> String {
    let bit = format!("CASE {d}.kind WHEN 'nib' THEN {NIB_BIT} ELSE {HALAL_BIT} END");
    let value = if added {
        format!("doc_mask | {bit}")
    } else {
        format!("doc_mask & ~({bit})")
    };
    format!("UPDATE umkm SET doc_mask = {value} WHERE id = {d}.umkm_id;")
}

/// Something a dashboard counts changed (or the record was merged or unmerged).
const RELEVANT_CHANGE: &str = "(OLD.village_code IS NOT NEW.village_code \
    OR OLD.sector_code IS NOT NEW.sector_code OR OLD.size_class IS NOT NEW.size_class \
    OR OLD.status IS NOT NEW.status OR OLD.owner_sex IS NOT NEW.owner_sex \
    OR OLD.created_at IS NOT NEW.created_at OR OLD.employees_male IS NOT NEW.employees_male \
    OR OLD.employees_female IS NOT NEW.employees_female \
    OR OLD.modal_rupiah IS NOT NEW.modal_rupiah \
    OR OLD.annual_sales_rupiah IS NOT NEW.annual_sales_rupiah \
    OR OLD.doc_mask IS NOT NEW.doc_mask \
    OR (OLD.merged_into IS NULL) <> (NEW.merged_into IS NULL))";

/// Where the record's documents count moved: merged, unmerged or another kelurahan.
const DOCUMENTS_MOVE: &str = "(OLD.village_code IS NOT NEW.village_code \
    OR (OLD.merged_into IS NULL) <> (NEW.merged_into IS NULL))";

fn sqlite_triggers() -> String {
    let t = |name: &str, when: &str, on: &str, cond: Option<&str>, body: String| {
        format!(
            "CREATE TRIGGER IF NOT EXISTS {name} {when} ON {on}{} BEGIN\n{body}\nEND;\n",
            cond.map(|c| format!(" WHEN {c}")).unwrap_or_default()
        )
    };
    let old_counts = format!("OLD.merged_into IS NULL AND {RELEVANT_CHANGE}");
    let new_counts = format!("NEW.merged_into IS NULL AND {RELEVANT_CHANGE}");
    let docs_out = format!("OLD.merged_into IS NULL AND {DOCUMENTS_MOVE}");
    let docs_in = format!("NEW.merged_into IS NULL AND {DOCUMENTS_MOVE}");
    [
        t(
            "rollup_umkm_insert",
            "AFTER INSERT",
            "umkm",
            Some("NEW.merged_into IS NULL"),
            format!(
                "{}\n{}",
                bucket("NEW", 1),
                documents_of("NEW.id", "NEW.village_code", 1)
            ),
        ),
        t(
            "rollup_umkm_update_old",
            "AFTER UPDATE",
            "umkm",
            Some(&old_counts),
            bucket("OLD", -1),
        ),
        t(
            "rollup_umkm_update_new",
            "AFTER UPDATE",
            "umkm",
            Some(&new_counts),
            bucket("NEW", 1),
        ),
        t(
            "rollup_umkm_documents_out",
            "AFTER UPDATE",
            "umkm",
            Some(&docs_out),
            documents_of("OLD.id", "OLD.village_code", -1),
        ),
        t(
            "rollup_umkm_documents_in",
            "AFTER UPDATE",
            "umkm",
            Some(&docs_in),
            documents_of("NEW.id", "NEW.village_code", 1),
        ),
        // Before the row goes (its documents still there to say which bucket it was in).
        t(
            "rollup_umkm_delete",
            "BEFORE DELETE",
            "umkm",
            Some("OLD.merged_into IS NULL"),
            format!(
                "{}\n{}",
                bucket("OLD", -1),
                documents_of("OLD.id", "OLD.village_code", -1)
            ),
        ),
        t(
            "rollup_document_insert",
            "AFTER INSERT",
            "umkm_documents",
            None,
            document("NEW", 1),
        ),
        t(
            "rollup_document_insert_bit",
            "AFTER INSERT",
            "umkm_documents",
            Some("NEW.kind IN ('nib', 'halal')"),
            document_sets_bit("NEW", true),
        ),
        t(
            "rollup_document_delete",
            "AFTER DELETE",
            "umkm_documents",
            None,
            document("OLD", -1),
        ),
        t(
            "rollup_document_delete_bit",
            "AFTER DELETE",
            "umkm_documents",
            Some("OLD.kind IN ('nib', 'halal')"),
            document_sets_bit("OLD", false),
        ),
        // A document's kind and business are its key: the code deletes and inserts instead.
        t(
            "rollup_document_fixed",
            "BEFORE UPDATE",
            "umkm_documents",
            Some("OLD.kind IS NOT NEW.kind OR OLD.umkm_id IS NOT NEW.umkm_id"),
            "SELECT RAISE(ABORT, 'a document''s kind and business cannot change');".into(),
        ),
        t(
            "rollup_document_update",
            "AFTER UPDATE",
            "umkm_documents",
            None,
            format!("{}\n{}", document("OLD", -1), document("NEW", 1)),
        ),
    ]
    .concat()
}

fn postgres_triggers() -> String {
    let cond = |c: &str| c.replace(" IS NOT ", " IS DISTINCT FROM ");
    format!(
        "CREATE OR REPLACE FUNCTION sentra_rollup_umkm() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW.merged_into IS NULL THEN
      {insert_bucket}
      {insert_docs}
    END IF;
    RETURN NULL;
  ELSIF TG_OP = 'DELETE' THEN
    IF OLD.merged_into IS NULL THEN
      {delete_bucket}
      {delete_docs}
    END IF;
    RETURN OLD;
  END IF;
  IF {relevant} THEN
    IF OLD.merged_into IS NULL THEN {old_bucket} END IF;
    IF NEW.merged_into IS NULL THEN {new_bucket} END IF;
  END IF;
  IF {moved} THEN
    IF OLD.merged_into IS NULL THEN {old_docs} END IF;
    IF NEW.merged_into IS NULL THEN {new_docs} END IF;
  END IF;
  RETURN NULL;
END $fn$;

CREATE OR REPLACE FUNCTION sentra_rollup_document() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP = 'UPDATE' AND (OLD.kind IS DISTINCT FROM NEW.kind
                           OR OLD.umkm_id IS DISTINCT FROM NEW.umkm_id) THEN
    RAISE EXCEPTION 'a document''s kind and business cannot change';
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    {old_doc}
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN
    {new_doc}
  END IF;
  IF TG_OP = 'INSERT' AND NEW.kind IN ('nib', 'halal') THEN
    {insert_move}
  ELSIF TG_OP = 'DELETE' AND OLD.kind IN ('nib', 'halal') THEN
    {delete_move}
  END IF;
  RETURN NULL;
END $fn$;

DROP TRIGGER IF EXISTS rollup_umkm ON umkm;
CREATE TRIGGER rollup_umkm AFTER INSERT OR UPDATE ON umkm
  FOR EACH ROW EXECUTE FUNCTION sentra_rollup_umkm();
DROP TRIGGER IF EXISTS rollup_umkm_delete ON umkm;
CREATE TRIGGER rollup_umkm_delete BEFORE DELETE ON umkm
  FOR EACH ROW EXECUTE FUNCTION sentra_rollup_umkm();
DROP TRIGGER IF EXISTS rollup_document ON umkm_documents;
CREATE TRIGGER rollup_document AFTER INSERT OR UPDATE OR DELETE ON umkm_documents
  FOR EACH ROW EXECUTE FUNCTION sentra_rollup_document();
",
        insert_bucket = bucket("NEW", 1),
        insert_docs = documents_of("NEW.id", "NEW.village_code", 1),
        delete_bucket = bucket("OLD", -1),
        delete_docs = documents_of("OLD.id", "OLD.village_code", -1),
        relevant = cond(RELEVANT_CHANGE),
        moved = cond(DOCUMENTS_MOVE),
        old_bucket = bucket("OLD", -1),
        new_bucket = bucket("NEW", 1),
        old_docs = documents_of("OLD.id", "OLD.village_code", -1),
        new_docs = documents_of("NEW.id", "NEW.village_code", 1),
        old_doc = document("OLD", -1),
        new_doc = document("NEW", 1),
        insert_move = document_sets_bit("NEW", true),
        delete_move = document_sets_bit("OLD", false),
    )
}

// Programme reach (migration 0019): attended participations per business and year, and per
// kelurahan and year the active businesses that attended at least one.

const ATTENDED: &str = "('attended', 'completed')";

/// The year an activity starting at `starts` falls in, for a business of kelurahan `village`.
fn reach_year(starts: &str, village: &str) -> String {
    format!(
        "(SELECT c.year FROM calendar_years c WHERE c.province_code = substr({village}, 1, 2) \
         AND {starts} >= c.starts_at AND {starts} < c.ends_at)"
    )
}

/// A business counts in reach: not merged away, not inactive.
fn counted(u: &str) -> String {
    format!("{u}.merged_into IS NULL AND {u}.status <> 'inactive'")
}

/// The kelurahan counts of `(village, year)` groups whose businesses' attended count is now
/// `at` (1: just reached; 0: no longer) change by `sign` — grouped, so that one statement
/// never touches a row twice.
fn crossing(from: &str, village: &str, year: &str, at: i32, sign: i32) -> String {
    format!(
        "INSERT INTO reach_village (village_code, year, n) \
         SELECT {village}, {year}, {sign} * COUNT(*) {from} AND r.attended = {at} \
         GROUP BY {village}, {year} \
         ON CONFLICT (year, village_code) DO UPDATE SET n = reach_village.n + excluded.n;"
    )
}

/// One participation `p` (NEW or OLD) attended (`sign` 1) or no longer (−1).
fn participation(p: &str, sign: i32) -> String {
    let year = reach_year("a.starts_at", "u.village_code");
    let add = format!(
        "INSERT INTO reach_rollup (umkm_id, year, attended) \
         SELECT u.id, {year}, 1 FROM activities a, umkm u \
         WHERE a.id = {p}.activity_id AND u.id = {p}.umkm_id AND {year} IS NOT NULL \
         ON CONFLICT (umkm_id, year) DO UPDATE SET attended = reach_rollup.attended + 1;"
    );
    let remove = format!(
        "UPDATE reach_rollup SET attended = attended - 1 WHERE umkm_id = {p}.umkm_id \
         AND year = (SELECT {year} FROM activities a, umkm u \
                     WHERE a.id = {p}.activity_id AND u.id = {p}.umkm_id);"
    );
    let from = format!(
        "FROM activities a JOIN umkm u ON u.id = {p}.umkm_id \
         JOIN reach_rollup r ON r.umkm_id = u.id AND r.year = {year} \
         WHERE a.id = {p}.activity_id AND {}",
        counted("u")
    );
    if sign > 0 {
        format!(
            "{add}\n{}",
            crossing(&from, "u.village_code", "r.year", 1, 1)
        )
    } else {
        format!(
            "{remove}\n{}",
            crossing(&from, "u.village_code", "r.year", 0, -1)
        )
    }
}

/// An activity moved in time: each attended participation leaves the year of `OLD.starts_at`
/// and joins the year of `NEW.starts_at`.
fn activity_moved() -> String {
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
         ON CONFLICT (umkm_id, year) DO UPDATE SET attended = reach_rollup.attended + 1;\n{}",
        crossing(&from(&old_year), "u.village_code", "r.year", 0, -1),
        crossing(&from(&new_year), "u.village_code", "r.year", 1, 1),
    )
}

/// A business moved kelurahan, was merged or unmerged, or became (in)active: its reached years
/// leave the old kelurahan's counts and join the new one's; on a move its years are derived
/// again (another province may keep another time zone).
fn business_moved() -> String {
    format!(
        "INSERT INTO reach_village (village_code, year, n) \
         SELECT OLD.village_code, r.year, -1 FROM reach_rollup r \
         WHERE r.umkm_id = OLD.id AND r.attended > 0 AND {old} \
         ON CONFLICT (year, village_code) DO UPDATE SET n = reach_village.n + excluded.n;\n\
         DELETE FROM reach_rollup WHERE umkm_id = NEW.id \
         AND OLD.village_code IS NOT NEW.village_code;\n{counted_in}",
        old = counted("OLD"),
        counted_in = reach_counted_in("AND OLD.village_code IS NOT NEW.village_code"),
    )
}

/// The business NEW's reached years derived from its participations (when `derive_if` holds),
/// then counted in its kelurahan.
fn reach_counted_in(derive_if: &str) -> String {
    let year = reach_year("a.starts_at", "NEW.village_code");
    format!(
        "INSERT INTO reach_rollup (umkm_id, year, attended) \
         SELECT NEW.id, {year}, COUNT(*) FROM activity_participants p \
         JOIN activities a ON a.id = p.activity_id \
         WHERE p.umkm_id = NEW.id AND p.state IN {ATTENDED} AND {year} IS NOT NULL \
         {derive_if} GROUP BY {year} \
         ON CONFLICT (umkm_id, year) DO UPDATE SET attended = excluded.attended;\n\
         INSERT INTO reach_village (village_code, year, n) \
         SELECT NEW.village_code, r.year, 1 FROM reach_rollup r \
         WHERE r.umkm_id = NEW.id AND r.attended > 0 AND {new} \
         ON CONFLICT (year, village_code) DO UPDATE SET n = reach_village.n + excluded.n;",
        new = counted("NEW"),
    )
}

const BUSINESS_MOVED: &str = "(OLD.village_code IS NOT NEW.village_code \
    OR (OLD.merged_into IS NULL AND OLD.status <> 'inactive') \
       <> (NEW.merged_into IS NULL AND NEW.status <> 'inactive'))";

fn business_removed() -> String {
    format!(
        "INSERT INTO reach_village (village_code, year, n) \
         SELECT OLD.village_code, r.year, -1 FROM reach_rollup r \
         WHERE r.umkm_id = OLD.id AND r.attended > 0 AND {} \
         ON CONFLICT (year, village_code) DO UPDATE SET n = reach_village.n + excluded.n;\n\
         DELETE FROM reach_rollup WHERE umkm_id = OLD.id;",
        counted("OLD")
    )
}

fn sqlite_reach_triggers() -> String {
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
            participation("NEW", 1),
        ),
        t(
            "reach_participant_delete",
            "AFTER DELETE",
            "activity_participants",
            &format!("OLD.state IN {ATTENDED}"),
            participation("OLD", -1),
        ),
        t(
            "reach_participant_update_old",
            "AFTER UPDATE",
            "activity_participants",
            &format!(
                "OLD.state IN {ATTENDED} AND (NEW.state NOT IN {ATTENDED} \
                    OR OLD.activity_id IS NOT NEW.activity_id OR OLD.umkm_id IS NOT NEW.umkm_id)"
            ),
            participation("OLD", -1),
        ),
        t(
            "reach_participant_update_new",
            "AFTER UPDATE",
            "activity_participants",
            &format!(
                "NEW.state IN {ATTENDED} AND (OLD.state NOT IN {ATTENDED} \
                    OR OLD.activity_id IS NOT NEW.activity_id OR OLD.umkm_id IS NOT NEW.umkm_id)"
            ),
            participation("NEW", 1),
        ),
        t(
            "reach_activity_moved",
            "AFTER UPDATE",
            "activities",
            "OLD.starts_at IS NOT NEW.starts_at",
            activity_moved(),
        ),
        t(
            "reach_business_moved",
            "AFTER UPDATE",
            "umkm",
            BUSINESS_MOVED,
            business_moved(),
        ),
        t(
            "reach_business_delete",
            "BEFORE DELETE",
            "umkm",
            "true",
            business_removed(),
        ),
    ]
    .concat()
}

/// The events a trigger on `umkm` fires on, and the branch that counts a business in on INSERT:
/// on a partitioned `umkm` a business moved to another province leaves its partition (BEFORE
/// DELETE takes it out) and enters the other (AFTER INSERT; no AFTER UPDATE fires for the move).
fn counted_in_on_insert(partitioned: bool, count_in: &str) -> (&'static str, String) {
    if partitioned {
        (
            "INSERT OR UPDATE",
            format!("IF TG_OP = 'INSERT' THEN\n    {count_in}\n    RETURN NULL;\n  END IF;"),
        )
    } else {
        ("UPDATE", String::new())
    }
}

/// `partitioned`: see [`counted_in_on_insert`].
fn postgres_reach_triggers(partitioned: bool) -> String {
    let cond = |c: &str| c.replace(" IS NOT ", " IS DISTINCT FROM ");
    let (events, on_insert) = counted_in_on_insert(partitioned, &reach_counted_in(""));
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
",
        remove = participation("OLD", -1),
        add = participation("NEW", 1),
        moved = activity_moved(),
        removed = business_removed(),
        business_moved = cond(BUSINESS_MOVED),
        business = cond(&business_moved()),
    )
}

// Naik kelas (migration 0020): the marks of growth_milestones counted per kelurahan and year.

/// One mark `m` (NEW or OLD) added (`sign` 1) or removed, for its business's kelurahan.
fn growth_mark(m: &str, sign: i32) -> String {
    format!(
        "INSERT INTO growth_village (village_code, milestone, year, n) \
         SELECT u.village_code, {m}.milestone, {m}.year, {sign} FROM umkm u \
         WHERE u.id = {m}.umkm_id AND u.merged_into IS NULL \
         ON CONFLICT (milestone, year, village_code) DO UPDATE SET n = growth_village.n + excluded.n;"
    )
}

/// All marks of business `r` (OLD or NEW) leave (−1) or join (1) its kelurahan's counts.
fn growth_marks_of(r: &str, sign: i32) -> String {
    format!(
        "INSERT INTO growth_village (village_code, milestone, year, n) \
         SELECT {r}.village_code, m.milestone, m.year, {sign} FROM growth_milestones m \
         WHERE m.umkm_id = {r}.id AND {r}.merged_into IS NULL \
         ON CONFLICT (milestone, year, village_code) DO UPDATE SET n = growth_village.n + excluded.n;"
    )
}

fn sqlite_growth_triggers() -> String {
    let t = |name: &str, when: &str, on: &str, cond: &str, body: String| {
        format!(
            "CREATE TRIGGER IF NOT EXISTS {name} {when} ON {on} WHEN {cond} BEGIN\n{body}\nEND;\n"
        )
    };
    [
        t(
            "growth_mark_insert",
            "AFTER INSERT",
            "growth_milestones",
            "true",
            growth_mark("NEW", 1),
        ),
        t(
            "growth_mark_delete",
            "AFTER DELETE",
            "growth_milestones",
            "true",
            growth_mark("OLD", -1),
        ),
        t(
            "growth_mark_update",
            "AFTER UPDATE",
            "growth_milestones",
            "true",
            format!("{}\n{}", growth_mark("OLD", -1), growth_mark("NEW", 1)),
        ),
        t(
            "growth_business_moved",
            "AFTER UPDATE",
            "umkm",
            DOCUMENTS_MOVE,
            format!(
                "{}\n{}",
                growth_marks_of("OLD", -1),
                growth_marks_of("NEW", 1)
            ),
        ),
        t(
            "growth_business_delete",
            "BEFORE DELETE",
            "umkm",
            "true",
            growth_marks_of("OLD", -1),
        ),
    ]
    .concat()
}

/// `partitioned`: see [`counted_in_on_insert`].
fn postgres_growth_triggers(partitioned: bool) -> String {
    let (events, on_insert) = counted_in_on_insert(partitioned, &growth_marks_of("NEW", 1));
    format!(
        "CREATE OR REPLACE FUNCTION sentra_growth_mark() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN {old} END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN {new} END IF;
  RETURN NULL;
END $fn$;

CREATE OR REPLACE FUNCTION sentra_growth_business() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP = 'DELETE' THEN
    {old_all}
    RETURN OLD;
  END IF;
  {on_insert}
  IF {moved} THEN
    {old_all}
    {new_all}
  END IF;
  RETURN NULL;
END $fn$;

DROP TRIGGER IF EXISTS growth_mark ON growth_milestones;
CREATE TRIGGER growth_mark AFTER INSERT OR UPDATE OR DELETE ON growth_milestones
  FOR EACH ROW EXECUTE FUNCTION sentra_growth_mark();
DROP TRIGGER IF EXISTS growth_business ON umkm;
CREATE TRIGGER growth_business AFTER {events} ON umkm
  FOR EACH ROW EXECUTE FUNCTION sentra_growth_business();
DROP TRIGGER IF EXISTS growth_business_delete ON umkm;
CREATE TRIGGER growth_business_delete BEFORE DELETE ON umkm
  FOR EACH ROW EXECUTE FUNCTION sentra_growth_business();
",
        old = growth_mark("OLD", -1),
        new = growth_mark("NEW", 1),
        old_all = growth_marks_of("OLD", -1),
        new_all = growth_marks_of("NEW", 1),
        moved = DOCUMENTS_MOVE.replace(" IS NOT ", " IS DISTINCT FROM "),
    )
}

/// PostgreSQL trigger text that marks its version on `function` (restored with it by pg_dump),
/// and the mark.
pub(crate) fn marked(sql: String, function: &str) -> (String, String) {
    let mark = format!(
        "sentra:{}",
        &crate::accounts::users::secret_hash(&sql)[..16]
    );
    let sql = format!("{sql}\nCOMMENT ON FUNCTION {function}() IS '{mark}';\n");
    (sql, mark)
}

/// The PostgreSQL trigger functions and triggers of every rollup, and their mark.
pub(crate) fn postgres_rollup_sql(partitioned: bool) -> (String, String) {
    marked(
        postgres_triggers()
            + &postgres_reach_triggers(partitioned)
            + &postgres_growth_triggers(partitioned),
        "sentra_rollup_umkm",
    )
}

impl Database {
    /// The version mark on `function`, when its trigger `trigger` is on the current `umkm`.
    pub(crate) async fn installed_mark(
        &self,
        function: &str,
        trigger: &str,
    ) -> Result<Option<String>> {
        let row: Option<(Option<String>,)> = sqlx::query_as(
            "SELECT obj_description(p.oid, 'pg_proc') FROM pg_proc p WHERE p.proname = $1 \
             AND EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = 'umkm'::regclass \
             AND t.tgname = $2)",
        )
        .bind(function)
        .bind(trigger)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.and_then(|(d,)| d))
    }

    /// Installs (or replaces) the triggers that keep the rollups exact.
    pub(crate) async fn install_rollup_triggers(&self) -> Result<()> {
        match self.backend() {
            // `CREATE TRIGGER IF NOT EXISTS`: nothing happens when they are there.
            Backend::Sqlite => {
                let sql = sqlite_triggers() + &sqlite_reach_triggers() + &sqlite_growth_triggers();
                sqlx::raw_sql(&sql).execute(&self.pool).await?;
            }
            Backend::Postgres => {
                let (sql, mark) = postgres_rollup_sql(self.prunes_by_province());
                // Every server start and CLI command migrates; replacing the triggers takes an
                // ACCESS EXCLUSIVE lock on `umkm`, which would stall a serving database behind
                // its longest transaction. The same version on the same `umkm` (absent after
                // `migrate-data`, which copies rows only; `sentra partition` makes a new
                // `umkm`) is left alone.
                if self
                    .installed_mark("sentra_rollup_umkm", "rollup_umkm")
                    .await?
                    != Some(mark)
                {
                    // One simple query: PostgreSQL runs it as one transaction.
                    sqlx::raw_sql(&sql).execute(&self.pool).await?;
                }
            }
        }
        self.fill_reach_rollup().await
    }

    /// The calendar years of every province (2000–2100, from the domain's year start), then on
    /// first start the reach rollups from the participations already recorded.
    async fn fill_reach_rollup(&self) -> Result<()> {
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
            "INSERT INTO reach_rollup (umkm_id, year, attended) \
             SELECT u.id, {year}, COUNT(*) FROM activity_participants p \
             JOIN activities a ON a.id = p.activity_id JOIN umkm u ON u.id = p.umkm_id \
             WHERE p.state IN {ATTENDED} AND {year} IS NOT NULL GROUP BY u.id, {year}"
        ))
        .execute(&mut *tx)
        .await?;
        sqlx::query(&format!(
            "INSERT INTO reach_village (village_code, year, n) \
             SELECT u.village_code, r.year, COUNT(*) FROM reach_rollup r \
             JOIN umkm u ON u.id = r.umkm_id WHERE r.attended > 0 AND {} \
             GROUP BY u.village_code, r.year",
            counted("u")
        ))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Sums of the rollup for one group; money as `i128` (see [`wide_sum`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct RollupRow {
    /// The kelurahan, when grouped by it.
    pub village: String,
    /// The group's keys, as text, in the order asked.
    pub keys: Vec<String>,
    pub n: i64,
    pub employees: i64,
    pub modal: i128,
    pub sales: i128,
}

/// The region one level under `region` that holds `village` (the kelurahan itself when
/// `region` is a kecamatan, or is that kelurahan).
pub(crate) fn child_of(village: &str, region: &RegionCode) -> Option<String> {
    let mut at = RegionCode::parse(village).ok()?;
    if &at == region {
        return Some(at.as_str().to_string());
    }
    loop {
        let parent = at.parent()?;
        if &parent == region {
            return Some(at.as_str().to_string());
        }
        at = parent;
    }
}

impl Database {
    /// The rollup of `region` summed per group of `keys` (SQL over `umkm_rollup`, cast to
    /// text), and per kelurahan when `by_village`; groups without a business left out. `only`
    /// narrows the rows (a condition without parameters).
    pub(crate) async fn rollup_sums(
        &self,
        region: &RegionCode,
        keys: &[&str],
        by_village: bool,
        only: Option<&str>,
    ) -> Result<Vec<RollupRow>> {
        let mut group: Vec<String> = keys.iter().map(|k| format!("CAST({k} AS TEXT)")).collect();
        if by_village {
            group.insert(0, "village_code".into());
        }
        let select = if group.is_empty() {
            String::new()
        } else {
            group
                .iter()
                .enumerate()
                .map(|(i, g)| format!("{g} AS k{i}, "))
                .collect::<String>()
        };
        let group_by = if group.is_empty() {
            String::new()
        } else {
            format!("GROUP BY {}", group.join(", "))
        };
        let sql = format!(
            "SELECT {select}CAST(SUM(n) AS BIGINT) AS n, CAST(SUM(employees) AS BIGINT) AS e, \
             {}, {} \
             FROM umkm_rollup WHERE (village_code = $1 OR village_code LIKE $2){} {group_by} \
             HAVING SUM(n) <> 0",
            wide_sum("modal", "m"),
            wide_sum("sales", "s"),
            only.map(|c| format!(" AND {c}")).unwrap_or_default()
        );
        let rows = sqlx::query(&sql)
            .bind(region.as_str())
            .bind(format!("{}.%", region.as_str()))
            .fetch_all(&self.pool)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let mut texts = Vec::with_capacity(group.len());
            for i in 0..group.len() {
                texts.push(r.try_get::<String, _>(format!("k{i}").as_str())?);
            }
            let village = if by_village {
                texts.remove(0)
            } else {
                String::new()
            };
            out.push(RollupRow {
                village,
                keys: texts,
                n: r.try_get("n")?,
                employees: r.try_get("e")?,
                modal: get_wide_sum(r, "m")?,
                sales: get_wide_sum(r, "s")?,
            });
        }
        Ok(out)
    }

    /// Holders of a document kind in `region`: (kelurahan, year of issue or 0, count).
    pub(crate) async fn doc_holders(
        &self,
        region: &RegionCode,
        kind: &str,
    ) -> Result<Vec<(String, i64, i64)>> {
        let rows = sqlx::query(
            "SELECT village_code, issued_year, CAST(SUM(n) AS BIGINT) AS n FROM umkm_doc_rollup \
             WHERE kind = $1 AND (village_code = $2 OR village_code LIKE $3) \
             GROUP BY village_code, issued_year HAVING SUM(n) <> 0",
        )
        .bind(kind)
        .bind(region.as_str())
        .bind(format!("{}.%", region.as_str()))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("village_code")?,
                    r.try_get("issued_year")?,
                    r.try_get("n")?,
                ))
            })
            .collect()
    }
}
