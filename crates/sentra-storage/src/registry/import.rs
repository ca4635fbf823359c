//! Importing UMKM from a spreadsheet's rows, a chunk at a time ([`ImportPlanner`]): every row
//! is converted and validated first (the dry run), matched to an existing business by NIB, then
//! by NIK, and only then written, in batches of one transaction each. Re-importing the same file changes nothing: rows that match
//! a record and carry the same values are "unchanged".

use std::collections::HashMap;

use sentra_domain::dedup::{DedupRecord, LIKELY, find_duplicates};
use sentra_domain::ids::{parse_nib, parse_nik};
use sentra_domain::import::{
    ConvertedRow, ImportContext, ImportOptions, Mapping, RowProblem, convert_row,
};
use sentra_domain::region::RegionTree;
use sentra_domain::scope::Scope;
use sentra_domain::umkm::{
    LegalKind, UmkmData, UmkmInput, UmkmStatus, ValidationContext, validate_umkm,
};
use serde::Serialize;

use crate::accounts::audit::Actor;
use crate::sql::Args;
use crate::{Database, Result};
use crate::{NewUmkm, UmkmRecord};
use sqlx::Row;

/// What will happen to one row.
#[derive(Debug, Clone)]
pub enum RowPlan {
    New(Box<UmkmData>),
    Update {
        id: String,
        version: i64,
        data: Box<UmkmData>,
        /// The record as it was, kept by the import run so that it can be undone.
        before: Box<UmkmInput>,
        /// The record's name, for the dry run's list of changes.
        name: String,
        /// Every shown field that changes, old → new.
        changes: Vec<FieldChange>,
    },
    Unchanged {
        id: String,
    },
    Invalid(Vec<RowProblem>),
}

#[derive(Debug, Clone)]
pub struct PlannedRow {
    /// The row number as the spreadsheet shows it.
    pub line: usize,
    pub plan: RowPlan,
    /// What looks like the same business: `row:N` (an earlier row of this file) or the id of a
    /// record of the same owner.
    pub possible_duplicate: Option<String>,
}

/// One field of a stored record that a row changes: the import target (`annual_sales`,
/// `documents.nib.number`), the value stored and the value the row brings (empty: none). NIKs
/// are masked (UU 27/2022 PDP: the report must not become a copy of them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    pub field: String,
    pub old: String,
    pub new: String,
}

impl FieldChange {
    /// A stored value the row empties.
    pub fn clears(&self) -> bool {
        !self.old.is_empty() && self.new.is_empty()
    }
}

#[derive(Debug, Clone, Default, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct ImportCounts {
    pub new: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub invalid: usize,
    pub possible_duplicates: usize,
    /// After writing: pairs with registry records put in the duplicate review queue.
    #[serde(default)]
    pub queued_duplicates: usize,
    /// Fields of stored records that change, and of those the ones emptied (blank cells with
    /// "clear values for blank cells" chosen).
    #[serde(default)]
    pub changed_fields: usize,
    #[serde(default)]
    pub cleared_fields: usize,
}

#[derive(Debug, Clone)]
pub struct ImportPlan {
    pub rows: Vec<PlannedRow>,
}

impl ImportPlan {
    pub fn counts(&self) -> ImportCounts {
        let mut c = ImportCounts::default();
        for r in &self.rows {
            match &r.plan {
                RowPlan::New(_) => c.new += 1,
                RowPlan::Update { changes, .. } => {
                    c.updated += 1;
                    c.changed_fields += changes.len();
                    c.cleared_fields += changes.iter().filter(|x| x.clears()).count();
                }
                RowPlan::Unchanged { .. } => c.unchanged += 1,
                RowPlan::Invalid(_) => c.invalid += 1,
            }
            if r.possible_duplicate.is_some() {
                c.possible_duplicates += 1;
            }
        }
        c
    }
}

/// The record as the form would show it, for rows that update it: columns the file lacks keep
/// these values.
pub fn record_input(r: &UmkmRecord) -> UmkmInput {
    let n = |v: Option<i64>| v.map(|x| x.to_string()).unwrap_or_default();
    UmkmInput {
        name: r.name.clone(),
        brand: r.brand.clone().unwrap_or_default(),
        owner_name: r.owner_name.clone(),
        nik: r.owner_nik.clone(),
        phone: r.owner_phone.clone().unwrap_or_default(),
        address: r.address.clone().unwrap_or_default(),
        village_code: r.village_code.clone(),
        latitude: r.latitude.map(|x| x.to_string()).unwrap_or_default(),
        longitude: r.longitude.map(|x| x.to_string()).unwrap_or_default(),
        sector: r.sector.clone(),
        kbli_code: r.kbli_code.clone().unwrap_or_default(),
        kbli_version: r.kbli_version.clone().unwrap_or_default(),
        year_started: n(r.year_started),
        modal: n(r.modal),
        annual_sales: n(r.annual_sales),
        employees_male: n(r.employees_male),
        employees_female: n(r.employees_female),
        documents: r
            .documents
            .iter()
            .map(|d| sentra_domain::umkm::LegalDocumentInput {
                kind: d.kind.as_str().into(),
                number: d.number.clone(),
                issued_on: d.issued_on.map(|x| x.to_string()).unwrap_or_default(),
                expires_on: d.expires_on.map(|x| x.to_string()).unwrap_or_default(),
            })
            .collect(),
        links: r
            .links
            .iter()
            .map(|l| (l.kind.as_str().to_string(), l.url.clone()))
            .collect(),
    }
}

fn problems_of(errors: &sentra_domain::FieldErrors) -> Vec<RowProblem> {
    errors
        .iter()
        .map(|e| RowProblem {
            field: if e.field == "village_code" {
                "village".into()
            } else {
                e.field.clone()
            },
            code: e.code.into(),
            hint: None,
            value: None,
        })
        .collect()
}

/// Plans an import a chunk at a time, remembering what earlier chunks held (the NIBs and NIKs
/// seen, for rows that repeat a business): the dry run and the commit walk a file in chunks
/// without holding every row's plan at once.
pub struct ImportPlanner<'a> {
    db: &'a Database,
    scope: &'a Scope,
    mapping: &'a Mapping,
    ctx: &'a ImportContext<'a>,
    options: ImportOptions,
    sector_codes: Vec<String>,
    today: chrono::NaiveDate,
    /// Row of each NIB and each (NIK, name) seen, by a 128-bit digest of the key: a million
    /// rows' keys as strings would take hundreds of megabytes.
    seen_nib: HashMap<u128, usize>,
    seen_nik_name: HashMap<u128, usize>,
}

impl ImportPlanner<'_> {
    /// Converts, validates and matches one chunk of rows (the rows of one look-up).
    pub async fn plan_chunk(&mut self, chunk: &[(usize, Vec<String>)]) -> Result<Vec<PlannedRow>> {
        let vctx = ValidationContext {
            regions: self.ctx.regions,
            sectors: &self.sector_codes,
            scope: self.scope.region_code(),
            today: self.today,
        };
        let mut planned = Vec::with_capacity(chunk.len());
        let firsts: Vec<(ConvertedRow, Option<String>, Option<String>)> = chunk
            .iter()
            .map(|(_, cells)| {
                let first = convert_row(cells, self.mapping, self.ctx, None, self.options);
                // The keys that identify the business, read before validation: a row that
                // updates a record may leave out columns (the sector, say) a new one needs.
                let nib = first
                    .input
                    .documents
                    .iter()
                    .find(|d| d.kind == LegalKind::Nib.as_str())
                    .and_then(|d| parse_nib(&d.number).ok())
                    .map(|n| n.as_str().to_string());
                // The NIK by its keyed hash, as stored (UU 27/2022 PDP), worked out once.
                let nik_hash = parse_nik(&first.input.nik)
                    .ok()
                    .map(|n| self.db.keyring.current().lookup_hash(n.as_str()));
                (first, nib, nik_hash)
            })
            .collect();
        let known = self.db.known_keys(self.scope, &firsts).await?;
        for ((line, cells), (first, nib, nik_hash)) in chunk.iter().zip(firsts) {
            let name_key = normalized_name(&first.input.name);
            let nib_key = nib.as_deref().map(|n| digest(&[n]));
            let nik_key = nik_hash.as_deref().map(|h| digest(&[h, &name_key]));
            let earlier = nib_key
                .and_then(|n| self.seen_nib.get(&n))
                .or_else(|| nik_key.and_then(|k| self.seen_nik_name.get(&k)))
                .copied();
            if let Some(earlier) = earlier {
                planned.push(invalid(
                    *line,
                    vec![RowProblem {
                        field: "name".into(),
                        code: "duplicate_in_file".into(),
                        hint: Some(earlier.to_string()),
                        value: None,
                    }],
                ));
                continue;
            }
            if let Some(n) = nib_key {
                self.seen_nib.insert(n, *line);
            }
            if let Some(k) = nik_key {
                self.seen_nik_name.insert(k, *line);
            }
            // A blank cell (a `required` village, say) does not stop a row from matching the
            // record it updates: the record keeps that value.
            let existing = if first.problems.iter().all(|p| p.code == "required") {
                known.matching(nib.as_deref(), nik_hash.as_deref(), &name_key)
            } else {
                Match::None
            };
            let possible_duplicate = existing_owner(&existing).cloned();
            let (input, problems, record) = match existing {
                Match::Same(record) => {
                    // Convert again over the record, so that columns the file lacks keep values.
                    let base = record_input(&record);
                    let ConvertedRow { input, problems } =
                        convert_row(cells, self.mapping, self.ctx, Some(&base), self.options);
                    (input, problems, Some((record, base)))
                }
                _ => (first.input, first.problems, None),
            };
            let plan = match validate_umkm(&input, &vctx) {
                Ok(_) if !problems.is_empty() => RowPlan::Invalid(problems),
                Err(e) => {
                    // A cell that could not be read is reported once, not again as empty.
                    let read: Vec<String> = problems.iter().map(|x| x.field.clone()).collect();
                    let mut p = problems;
                    p.extend(
                        problems_of(&e)
                            .into_iter()
                            .filter(|x| !read.contains(&x.field)),
                    );
                    RowPlan::Invalid(p)
                }
                Ok(data) => match record {
                    None => RowPlan::New(Box::new(data)),
                    Some((record, base)) => {
                        let current = validate_umkm(&base, &vctx).ok();
                        if current.as_ref() == Some(&data) {
                            RowPlan::Unchanged { id: record.id }
                        } else {
                            let changes = field_changes(&base, &data, self.ctx.regions);
                            RowPlan::Update {
                                id: record.id,
                                version: record.version,
                                name: record.name,
                                changes,
                                data: Box::new(data),
                                before: Box::new(base),
                            }
                        }
                    }
                },
            };
            planned.push(PlannedRow {
                line: *line,
                plan,
                possible_duplicate,
            });
        }
        Ok(planned)
    }
}

impl Database {
    pub fn import_planner<'a>(
        &'a self,
        scope: &'a Scope,
        mapping: &'a Mapping,
        ctx: &'a ImportContext<'a>,
        options: ImportOptions,
        today: chrono::NaiveDate,
    ) -> ImportPlanner<'a> {
        ImportPlanner {
            db: self,
            scope,
            mapping,
            ctx,
            options,
            sector_codes: ctx.sectors.iter().map(|s| s.code.clone()).collect(),
            today,
            seen_nib: HashMap::new(),
            seen_nik_name: HashMap::new(),
        }
    }

    /// Brings the planner's table statistics up to date after a bulk write (an import, a demo
    /// load). With statistics from when the tables were small, or none, the planners choose
    /// scans over the key indexes: PostgreSQL's look-ups grow with the table during a large
    /// import; SQLite, which never gathers statistics by itself, walks every published product
    /// for one storefront (8 requests a second at a province's scale, 4,000 with statistics).
    /// On SQLite, [`StatisticsDepth`] says how much to read; `ANALYZE` changes the schema
    /// cookie, so every pooled connection reads the new statistics at its next statement.
    /// `tables`: those to analyse (names from the code, not input); none: all.
    pub async fn refresh_statistics(&self, tables: &[&str], depth: StatisticsDepth) -> Result<()> {
        let analyse = if tables.is_empty() {
            "ANALYZE;".to_string()
        } else {
            tables.iter().map(|t| format!("ANALYZE {t};")).collect()
        };
        let limit = match depth {
            StatisticsDepth::Sampled => 1000,
            StatisticsDepth::Full => 0,
        };
        let sql = match self.backend() {
            crate::Backend::Postgres => analyse,
            crate::Backend::Sqlite => format!("PRAGMA analysis_limit = {limit}; {analyse}"),
        };
        sqlx::raw_sql(&sql).execute(&self.pool).await?;
        Ok(())
    }

    /// Statistics kept current without a full pass: on SQLite `PRAGMA optimize` analyses the
    /// tables never analysed or grown or shrunk much since (SQLite's recommended upkeep, at
    /// start and periodically); PostgreSQL's autovacuum does this by itself.
    pub async fn keep_statistics(&self) -> Result<()> {
        if self.backend() == crate::Backend::Sqlite {
            sqlx::query("PRAGMA optimize = 0x10002")
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    /// The records of the scope that hold a chunk's NIBs and NIKs.
    async fn known_keys(
        &self,
        scope: &Scope,
        rows: &[(ConvertedRow, Option<String>, Option<String>)],
    ) -> Result<Known> {
        let mut known = Known::default();
        let nibs: Vec<&String> = rows.iter().filter_map(|r| r.1.as_ref()).collect();
        let hashes: Vec<&String> = rows.iter().filter_map(|r| r.2.as_ref()).collect();
        let per = self.params_per_statement().saturating_sub(8).max(1);
        // The scope is checked here rather than in SQL: with a region condition beside the key
        // list, the engines' planners tend to scan the region instead of using the key index,
        // which makes a large import quadratic.
        for part in nibs.chunks(per) {
            let mut args = Args::default();
            let list: Vec<String> = part.iter().map(|n| args.text(n.as_str())).collect();
            let sql = format!(
                "SELECT d.number, d.umkm_id, u.village_code, u.owner_user_id, u.merged_into \
                 FROM umkm_documents d JOIN umkm u ON u.province_code = d.province_code AND u.id = d.umkm_id \
                 WHERE d.kind = 'nib' AND d.number IN ({})",
                list.join(",")
            );
            for row in args.bind(sqlx::query(&sql)).fetch_all(&self.pool).await? {
                if admits(scope, &row)? {
                    known.by_nib.insert(row.try_get(0)?, row.try_get(1)?);
                }
            }
        }
        for part in hashes.chunks(per) {
            let mut args = Args::default();
            let list: Vec<String> = part.iter().map(|h| args.text(h.as_str())).collect();
            let sql = format!(
                "SELECT u.owner_nik_hash, u.id, u.name, u.village_code, u.owner_user_id, \
                 u.merged_into FROM umkm u WHERE u.owner_nik_hash IN ({}) ORDER BY u.id",
                list.join(",")
            );
            for row in args.bind(sqlx::query(&sql)).fetch_all(&self.pool).await? {
                if !admits(scope, &row)? {
                    continue;
                }
                let name: String = row.try_get(2)?;
                known
                    .by_nik
                    .entry(row.try_get(0)?)
                    .or_default()
                    .push((row.try_get(1)?, normalized_name(&name)));
            }
        }
        // The records a row may update, fetched together.
        let mut ids: Vec<String> = known.by_nib.values().cloned().collect();
        ids.extend(known.by_nik.values().flatten().map(|(id, _)| id.clone()));
        ids.sort();
        ids.dedup();
        known.records = self.fetch_records(scope, &ids).await?;
        Ok(known)
    }

    /// Writes the valid rows of a plan, `batch` rows per transaction; `progress` is told after
    /// each. A crash leaves whole batches written or not; running the import again finishes it
    /// (the written rows are then unchanged). Returns the counts and the ids written (for the
    /// duplicate check against the registry).
    ///
    /// `run` names the import job: what it creates and changes is recorded with the writes,
    /// for its undo.
    pub async fn apply_import_rows(
        &self,
        scope: &Scope,
        plan: &ImportPlan,
        actor: &Actor,
        run: Option<&str>,
        batch: usize,
        mut progress: impl FnMut(usize),
    ) -> Result<(ImportCounts, Vec<String>)> {
        let mut done = ImportCounts::default();
        let mut news: Vec<&UmkmData> = Vec::new();
        let mut written: Vec<String> = Vec::new();
        for (i, row) in plan.rows.iter().enumerate() {
            match &row.plan {
                RowPlan::New(data) => news.push(data),
                RowPlan::Update {
                    id,
                    version,
                    data,
                    before,
                    ..
                } => {
                    let values = run.map(|_| {
                        crate::registry::import_undo::before_json(before, self.keyring.current())
                    });
                    let recorded = run.zip(values.as_deref());
                    self.update_umkm_unchecked(scope, id, *version, data, actor, recorded)
                        .await?;
                    written.push(id.clone());
                    done.updated += 1;
                }
                RowPlan::Unchanged { .. } => done.unchanged += 1,
                RowPlan::Invalid(_) => done.invalid += 1,
            }
            if news.len() >= batch || i + 1 == plan.rows.len() {
                let rows: Vec<NewUmkm<'_>> = news
                    .iter()
                    .map(|d| NewUmkm {
                        data: d,
                        status: UmkmStatus::Draft,
                        verified_by: None,
                        owner: None,
                        registered: None,
                    })
                    .collect();
                if !rows.is_empty() {
                    written.extend(
                        self.insert_umkm_batch_in_run(scope, &rows, actor, run)
                            .await?,
                    );
                }
                done.new += news.len();
                news.clear();
                progress(i + 1);
            }
        }
        let planned = plan.counts();
        done.possible_duplicates = planned.possible_duplicates;
        done.changed_fields = planned.changed_fields;
        done.cleared_fields = planned.cleared_fields;
        Ok((done, written))
    }
}

/// A row (with `village_code`, `owner_user_id`, `merged_into`) of a record the scope holds and
/// the registry still lists.
fn admits(scope: &Scope, row: &sqlx::any::AnyRow) -> Result<bool> {
    let village: String = row.try_get("village_code")?;
    let owner: Option<String> = row.try_get("owner_user_id")?;
    let merged: Option<String> = row.try_get("merged_into")?;
    Ok(merged.is_none() && crate::sql::scope_admits(scope, &village, owner.as_deref()))
}

fn existing_owner(m: &Match) -> Option<&String> {
    match m {
        Match::SameOwner(id) => Some(id),
        _ => None,
    }
}

/// Existing records by NIB, and by NIK hash with their normalised names; the records
/// themselves.
#[derive(Default)]
struct Known {
    by_nib: HashMap<String, String>,
    by_nik: HashMap<String, Vec<(String, String)>>,
    records: HashMap<String, UmkmRecord>,
}

impl Known {
    /// NIB first (one business, one NIB), then the owner's NIK with a similar business name.
    /// The same NIK with another name is the same owner's other business: new, but flagged.
    fn matching(&self, nib: Option<&str>, nik_hash: Option<&str>, name_key: &str) -> Match {
        let same = |id: &String| {
            self.records
                .get(id)
                .map_or(Match::None, |r| Match::Same(Box::new(r.clone())))
        };
        if let Some(id) = nib.and_then(|n| self.by_nib.get(n)) {
            return same(id);
        }
        let Some(hash) = nik_hash else {
            return Match::None;
        };
        let owned = self.by_nik.get(hash).map_or(&[][..], Vec::as_slice);
        if let Some((id, _)) = owned.iter().find(|(_, name)| name == name_key) {
            return same(id);
        }
        owned
            .first()
            .map_or(Match::None, |(id, _)| Match::SameOwner(id.clone()))
    }
}

enum Match {
    Same(Box<UmkmRecord>),
    SameOwner(String),
    None,
}

/// What the duplicate rules compare of a new row.
pub fn dedup_record(d: &UmkmData) -> DedupRecord {
    DedupRecord::new(
        &d.name,
        &d.owner_name,
        d.nik.as_str(),
        d.phone.as_ref().map_or("", |p| p.as_str()),
        d.village_code.as_str(),
        d.documents
            .iter()
            .find(|x| x.kind == LegalKind::Nib)
            .map_or("", |x| x.number.as_str()),
    )
}

/// New rows of a file (row number, record, in file order) that look like an earlier one: the
/// later row's number with the earlier row's.
pub fn duplicates_within(news: Vec<(usize, DedupRecord)>) -> Vec<(usize, usize)> {
    let (lines, records): (Vec<usize>, Vec<DedupRecord>) = news.into_iter().unzip();
    find_duplicates(&records, LIKELY)
        .into_iter()
        .map(|p| (lines[p.b], lines[p.a]))
        .collect()
}

fn invalid(line: usize, problems: Vec<RowProblem>) -> PlannedRow {
    PlannedRow {
        line,
        plan: RowPlan::Invalid(problems),
        possible_duplicate: None,
    }
}

/// A 128-bit digest of a key's parts (two 64-bit hashes): a collision between two rows of one
/// file is as likely as guessing a random 128-bit number.
fn digest(parts: &[&str]) -> u128 {
    use std::hash::Hasher;
    let half = |seed: u8| {
        let mut h = std::hash::DefaultHasher::new();
        h.write_u8(seed);
        for p in parts {
            h.write(p.as_bytes());
            h.write_u8(0xff);
        }
        h.finish()
    };
    (u128::from(half(1)) << 64) | u128::from(half(2))
}

/// Lower case, letters and digits only: `Keripik "Bu Ani"` and `keripik bu ani` are one name.
fn normalized_name(name: &str) -> String {
    name.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The fields an import shows, by target, as the record stores them: the stored record's
/// values (its form input, read from the stored columns) and the row's validated data compare
/// without spurious differences of spelling (`0812-…` and `62812…`).
fn shown_input(i: &UmkmInput, regions: &RegionTree) -> Vec<(&'static str, String)> {
    let doc = |k: LegalKind| {
        i.documents
            .iter()
            .find(|d| d.kind == k.as_str())
            .map(|d| d.number.clone())
            .unwrap_or_default()
    };
    let link = |k: &str| {
        i.links
            .iter()
            .find(|(kind, _)| kind == k)
            .map(|(_, u)| u.clone())
            .unwrap_or_default()
    };
    shown(
        [
            i.name.clone(),
            i.brand.clone(),
            i.owner_name.clone(),
            i.nik.clone(),
            i.phone.clone(),
            i.address.clone(),
            village_name(&i.village_code, regions),
            i.sector.clone(),
            i.kbli_code.clone(),
            i.year_started.clone(),
            i.modal.clone(),
            i.annual_sales.clone(),
            i.employees_male.clone(),
            i.employees_female.clone(),
            i.latitude.clone(),
            i.longitude.clone(),
        ],
        doc,
        link,
    )
}

fn shown_data(d: &UmkmData, regions: &RegionTree) -> Vec<(&'static str, String)> {
    let n = |v: Option<i64>| v.map(|x| x.to_string()).unwrap_or_default();
    let doc = |k: LegalKind| {
        d.documents
            .iter()
            .find(|x| x.kind == k)
            .map(|x| x.number.clone())
            .unwrap_or_default()
    };
    let link = |k: &str| {
        d.links
            .iter()
            .find(|l| l.kind.as_str() == k)
            .map(|l| l.url.clone())
            .unwrap_or_default()
    };
    shown(
        [
            d.name.clone(),
            d.brand.clone().unwrap_or_default(),
            d.owner_name.clone(),
            d.nik.as_str().to_string(),
            d.phone
                .as_ref()
                .map(|p| p.as_str().to_string())
                .unwrap_or_default(),
            d.address.clone().unwrap_or_default(),
            village_name(d.village_code.as_str(), regions),
            d.sector.clone(),
            d.kbli
                .as_ref()
                .map(|k| k.as_str().to_string())
                .unwrap_or_default(),
            n(d.year_started.map(i64::from)),
            n(d.modal),
            n(d.annual_sales),
            n(d.employees_male),
            n(d.employees_female),
            d.coordinates.map(|c| c.lat.to_string()).unwrap_or_default(),
            d.coordinates.map(|c| c.lon.to_string()).unwrap_or_default(),
        ],
        doc,
        link,
    )
}

/// The plain fields in [`SHOWN_FIELDS`] order, then the documents and links.
const SHOWN_FIELDS: [&str; 16] = [
    "name",
    "brand",
    "owner_name",
    "nik",
    "phone",
    "address",
    "village",
    "sector",
    "kbli_code",
    "year_started",
    "modal",
    "annual_sales",
    "employees_male",
    "employees_female",
    "latitude",
    "longitude",
];

fn shown(
    plain: [String; 16],
    doc: impl Fn(LegalKind) -> String,
    link: impl Fn(&str) -> String,
) -> Vec<(&'static str, String)> {
    let mut out: Vec<(&'static str, String)> = SHOWN_FIELDS.into_iter().zip(plain).collect();
    for kind in LegalKind::ALL {
        let name = format!("documents.{}.number", kind.as_str());
        let target = sentra_domain::import::TARGETS
            .iter()
            .copied()
            .find(|t| *t == name);
        if let Some(t) = target {
            out.push((t, doc(kind)));
        }
    }
    for (t, k) in [
        ("links.whatsapp", "whatsapp"),
        ("links.instagram", "instagram"),
        ("links.website", "website"),
    ] {
        out.push((t, link(k)));
    }
    out
}

/// `Pondok Jaya (36.74.03.1004)`: the name people know, with the code that is unambiguous.
fn village_name(code: &str, regions: &RegionTree) -> String {
    let Ok(c) = sentra_domain::region::RegionCode::parse(code) else {
        return code.to_string();
    };
    match regions.lineage(&c).last() {
        Some(r) => format!("{} ({code})", r.name),
        None => code.to_string(),
    }
}

/// Every shown field whose value the row changes; NIKs masked (compared unmasked: two NIKs
/// can share their shown digits).
pub fn field_changes(
    before: &UmkmInput,
    after: &UmkmData,
    regions: &RegionTree,
) -> Vec<FieldChange> {
    let mask = |v: &str| {
        if v.is_empty() {
            String::new()
        } else {
            parse_nik(v).map_or_else(|_| "••••".into(), |n| n.masked())
        }
    };
    shown_input(before, regions)
        .into_iter()
        .zip(shown_data(after, regions))
        .filter(|((_, old), (_, new))| old != new)
        .map(|((field, old), (_, new))| {
            let (old, new) = if field == "nik" {
                (mask(&old), mask(&new))
            } else {
                (old, new)
            };
            FieldChange {
                field: field.to_string(),
                old,
                new,
            }
        })
        .collect()
}

/// How much of each index SQLite's `ANALYZE` reads (PostgreSQL samples by itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatisticsDepth {
    /// A thousand rows per index: milliseconds, enough to keep an import's look-ups on their
    /// indexes while the table grows.
    Sampled,
    /// Every row: seconds at a province's scale (5.9 s for 1,000,000 UMKM with their
    /// activities), and the only way to see that one province holds all the rows — sampled,
    /// SQLite took 1,001 rows per province and sorted a million for one list page (3.1 s
    /// instead of 0.35 s). After a bulk load.
    Full,
}
