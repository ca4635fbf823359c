//! Naik kelas (migration 0020): the marks of growth_milestones counted per kelurahan, year and
//! record status (migration 0047), merged records aside; the official figures read the verified
//! ones (the counting rules, docs/counting-rules.md), the registry list any status it is asked.

use super::{DOCUMENTS_MOVE, counted_in_on_insert};

/// Where a business's marks move: [`DOCUMENTS_MOVE`], or its status changed (kept per status).
fn marks_move() -> String {
    format!("({DOCUMENTS_MOVE} OR OLD.status IS NOT NEW.status)")
}

/// The SQLite triggers of this module, dropped before they are created again.
pub(super) const SQLITE_TRIGGERS: [&str; 5] = [
    "growth_mark_insert",
    "growth_mark_delete",
    "growth_mark_update",
    "growth_business_moved",
    "growth_business_delete",
];

/// One mark `m` (NEW or OLD) added (`sign` 1) or removed, for its business's kelurahan.
fn growth_mark(m: &str, sign: i32) -> String {
    format!(
        "INSERT INTO growth_village (village_code, milestone, year, status, n) \
         SELECT u.village_code, {m}.milestone, {m}.year, u.status, {sign} FROM umkm u \
         WHERE u.id = {m}.umkm_id AND u.merged_into IS NULL \
         ON CONFLICT (milestone, year, village_code, status) \
         DO UPDATE SET n = growth_village.n + excluded.n;"
    )
}

/// All marks of business `r` (OLD or NEW) leave (−1) or join (1) its kelurahan's counts.
fn growth_marks_of(r: &str, sign: i32) -> String {
    format!(
        "INSERT INTO growth_village (village_code, milestone, year, status, n) \
         SELECT {r}.village_code, m.milestone, m.year, {r}.status, {sign} FROM growth_milestones m \
         WHERE m.umkm_id = {r}.id AND {r}.merged_into IS NULL \
         ON CONFLICT (milestone, year, village_code, status) \
         DO UPDATE SET n = growth_village.n + excluded.n;"
    )
}

pub(super) fn sqlite_growth_triggers() -> String {
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
            &marks_move(),
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
pub(super) fn postgres_growth_triggers(partitioned: bool) -> String {
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
        moved = marks_move().replace(" IS NOT ", " IS DISTINCT FROM "),
    )
}
