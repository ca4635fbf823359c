//! The registry's counts (migration 0018): `umkm_rollup` per kelurahan and dimension, and
//! `umkm_doc_rollup`, the holders of each document kind per kelurahan, year of issue, the
//! business's status and the month the document expires (migration 0031: the counting rules,
//! docs/counting-rules.md, count verified businesses and documents valid on the day).

use super::DOCUMENTS_MOVE;

/// Where the record's documents count moved: [`DOCUMENTS_MOVE`], or its status changed (the
/// holders are kept per status).
fn holders_move() -> String {
    format!("({DOCUMENTS_MOVE} OR OLD.status IS NOT NEW.status)")
}

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

/// Adds `sign` times the record `r` (NEW or OLD) to the row of `table` whose key columns are
/// `keys` (column, value expression): a business, its employees, modal and sales.
fn add_sums(table: &str, keys: &[(&str, String)], r: &str, sign: i32) -> String {
    let columns: Vec<&str> = keys.iter().map(|(c, _)| *c).collect();
    let values: Vec<&str> = keys.iter().map(|(_, v)| v.as_str()).collect();
    let key = columns.join(", ");
    format!(
        "INSERT INTO {table} ({key}, n, employees, modal, sales) \
         SELECT {}, {sign}, \
         {sign} * (COALESCE({r}.employees_male, 0) + COALESCE({r}.employees_female, 0)), \
         {sign} * COALESCE({r}.modal_rupiah, 0), {sign} * COALESCE({r}.annual_sales_rupiah, 0) \
         WHERE true \
         ON CONFLICT ({key}) DO UPDATE SET n = {table}.n + excluded.n, \
         employees = {table}.employees + excluded.employees, \
         modal = {table}.modal + excluded.modal, sales = {table}.sales + excluded.sales;",
        values.join(", ")
    )
}

/// Adds `sign` times the record `r` (a row alias: NEW or OLD) to its bucket of the kelurahan
/// rollup and to its rows of the coarse and narrow ones (migrations 0035 and 0038).
fn bucket(r: &str, sign: i32) -> String {
    let size = format!("COALESCE({r}.size_class, '')");
    let col = |c: &str| format!("{r}.{c}");
    [
        add_sums(
            "umkm_district_rollup",
            &[
                ("district_code", col("district_code")),
                ("sector_code", col("sector_code")),
                ("size_class", size.clone()),
                ("status", col("status")),
            ],
            r,
            sign,
        ),
        add_sums(
            "umkm_year_rollup",
            &[
                ("district_code", col("district_code")),
                ("status", col("status")),
                ("entered_year", year_of(&col("created_at"))),
            ],
            r,
            sign,
        ),
        add_sums(
            "umkm_village_rollup",
            &[
                ("village_code", col("village_code")),
                ("size_class", size.clone()),
                ("status", col("status")),
            ],
            r,
            sign,
        ),
        add_sums(
            "umkm_rollup",
            &[
                ("village_code", col("village_code")),
                ("sector_code", col("sector_code")),
                ("size_class", size),
                ("status", col("status")),
                ("owner_sex", col("owner_sex")),
                ("entered_year", year_of(&col("created_at"))),
                (
                    "has_nib",
                    format!("CASE WHEN ({r}.doc_mask & {NIB_BIT}) <> 0 THEN 1 ELSE 0 END"),
                ),
                (
                    "has_halal",
                    format!("CASE WHEN ({r}.doc_mask & {HALAL_BIT}) <> 0 THEN 1 ELSE 0 END"),
                ),
            ],
            r,
            sign,
        ),
    ]
    .concat()
}

/// `YYYY-MM` of a document's expiry, '' when it has none.
fn expires_month(doc: &str) -> String {
    format!(
        "CASE WHEN {doc}.expires_on IS NULL OR {doc}.expires_on = '' THEN '' \
         ELSE substr({doc}.expires_on, 1, 7) END"
    )
}

const DOC_DIMS: &str = "kind, village_code, issued_year, status, expires_month";

const DISTRICT_DOC_DIMS: &str = "kind, district_code, issued_year, status, expires_month";

/// Adds `sign` for each document of record `r` (NEW or OLD) to its kelurahan's and its
/// kecamatan's holders.
fn documents_of(r: &str, sign: i32) -> String {
    let year = issued_year("d");
    let month = expires_month("d");
    format!(
        "INSERT INTO umkm_doc_rollup ({DOC_DIMS}, n) \
         SELECT d.kind, {r}.village_code, {year}, {r}.status, {month}, {sign} \
         FROM umkm_documents d WHERE d.umkm_id = {r}.id \
         ON CONFLICT ({DOC_DIMS}) DO UPDATE SET n = umkm_doc_rollup.n + excluded.n;\
         INSERT INTO umkm_doc_district_rollup ({DISTRICT_DOC_DIMS}, n) \
         SELECT d.kind, {r}.district_code, {year}, {r}.status, {month}, {sign} \
         FROM umkm_documents d WHERE d.umkm_id = {r}.id \
         ON CONFLICT ({DISTRICT_DOC_DIMS}) DO UPDATE \
         SET n = umkm_doc_district_rollup.n + excluded.n;",
    )
}

/// Adds `sign` for one document `d` (NEW or OLD) to its kelurahan's and its kecamatan's
/// holders, when its record counts (not merged).
fn document(d: &str, sign: i32) -> String {
    let year = issued_year(d);
    let month = expires_month(d);
    format!(
        "INSERT INTO umkm_doc_rollup ({DOC_DIMS}, n) \
         SELECT {d}.kind, u.village_code, {year}, u.status, {month}, {sign} FROM umkm u \
         WHERE u.id = {d}.umkm_id AND u.merged_into IS NULL \
         ON CONFLICT ({DOC_DIMS}) DO UPDATE SET n = umkm_doc_rollup.n + excluded.n;\
         INSERT INTO umkm_doc_district_rollup ({DISTRICT_DOC_DIMS}, n) \
         SELECT {d}.kind, u.district_code, {year}, u.status, {month}, {sign} FROM umkm u \
         WHERE u.id = {d}.umkm_id AND u.merged_into IS NULL \
         ON CONFLICT ({DISTRICT_DOC_DIMS}) DO UPDATE \
         SET n = umkm_doc_district_rollup.n + excluded.n;",
    )
}

/// SQLite triggers of 0018 that wrote the holders without status and expiry month: replaced
/// by the `_v31` ones (`CREATE TRIGGER IF NOT EXISTS` would keep the old text).
pub(super) const SQLITE_REPLACED: [&str; 7] = [
    "rollup_umkm_insert",
    "rollup_umkm_documents_out",
    "rollup_umkm_documents_in",
    "rollup_umkm_delete",
    "rollup_document_insert",
    "rollup_document_delete",
    "rollup_document_update",
];

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
    OR OLD.district_code IS NOT NEW.district_code \
    OR OLD.sector_code IS NOT NEW.sector_code OR OLD.size_class IS NOT NEW.size_class \
    OR OLD.status IS NOT NEW.status OR OLD.owner_sex IS NOT NEW.owner_sex \
    OR OLD.created_at IS NOT NEW.created_at OR OLD.employees_male IS NOT NEW.employees_male \
    OR OLD.employees_female IS NOT NEW.employees_female \
    OR OLD.modal_rupiah IS NOT NEW.modal_rupiah \
    OR OLD.annual_sales_rupiah IS NOT NEW.annual_sales_rupiah \
    OR OLD.doc_mask IS NOT NEW.doc_mask \
    OR (OLD.merged_into IS NULL) <> (NEW.merged_into IS NULL))";

/// Every SQLite trigger of this module, dropped before they are created again: their text
/// changes with the rollups (migration 0035 added the kecamatan rollup to each bucket).
pub(super) const SQLITE_TRIGGERS: [&str; 12] = [
    "rollup_umkm_insert_v31",
    "rollup_umkm_update_old",
    "rollup_umkm_update_new",
    "rollup_umkm_documents_out_v31",
    "rollup_umkm_documents_in_v31",
    "rollup_umkm_delete_v31",
    "rollup_document_insert_v31",
    "rollup_document_insert_bit",
    "rollup_document_delete_v31",
    "rollup_document_delete_bit",
    "rollup_document_fixed",
    "rollup_document_update_v31",
];

pub(super) fn sqlite_triggers() -> String {
    let t = |name: &str, when: &str, on: &str, cond: Option<&str>, body: String| {
        format!(
            "CREATE TRIGGER IF NOT EXISTS {name} {when} ON {on}{} BEGIN\n{body}\nEND;\n",
            cond.map(|c| format!(" WHEN {c}")).unwrap_or_default()
        )
    };
    let old_counts = format!("OLD.merged_into IS NULL AND {RELEVANT_CHANGE}");
    let new_counts = format!("NEW.merged_into IS NULL AND {RELEVANT_CHANGE}");
    let docs_out = format!("OLD.merged_into IS NULL AND {}", holders_move());
    let docs_in = format!("NEW.merged_into IS NULL AND {}", holders_move());
    [
        t(
            "rollup_umkm_insert_v31",
            "AFTER INSERT",
            "umkm",
            Some("NEW.merged_into IS NULL"),
            format!("{}\n{}", bucket("NEW", 1), documents_of("NEW", 1)),
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
            "rollup_umkm_documents_out_v31",
            "AFTER UPDATE",
            "umkm",
            Some(&docs_out),
            documents_of("OLD", -1),
        ),
        t(
            "rollup_umkm_documents_in_v31",
            "AFTER UPDATE",
            "umkm",
            Some(&docs_in),
            documents_of("NEW", 1),
        ),
        // Before the row goes (its documents still there to say which bucket it was in).
        t(
            "rollup_umkm_delete_v31",
            "BEFORE DELETE",
            "umkm",
            Some("OLD.merged_into IS NULL"),
            format!("{}\n{}", bucket("OLD", -1), documents_of("OLD", -1)),
        ),
        t(
            "rollup_document_insert_v31",
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
            "rollup_document_delete_v31",
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
            "rollup_document_update_v31",
            "AFTER UPDATE",
            "umkm_documents",
            None,
            format!("{}\n{}", document("OLD", -1), document("NEW", 1)),
        ),
    ]
    .concat()
}

pub(super) fn postgres_triggers() -> String {
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
        insert_docs = documents_of("NEW", 1),
        delete_bucket = bucket("OLD", -1),
        delete_docs = documents_of("OLD", -1),
        relevant = cond(RELEVANT_CHANGE),
        moved = cond(&holders_move()),
        old_bucket = bucket("OLD", -1),
        new_bucket = bucket("NEW", 1),
        old_docs = documents_of("OLD", -1),
        new_docs = documents_of("NEW", 1),
        old_doc = document("OLD", -1),
        new_doc = document("NEW", 1),
        insert_move = document_sets_bit("NEW", true),
        delete_move = document_sets_bit("OLD", false),
    )
}
