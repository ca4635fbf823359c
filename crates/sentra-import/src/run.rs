//! The two passes of an import over a file's rows, a chunk at a time, so that a million rows
//! never have their plans in memory at once: [`check`] (the dry run: counts and findings) and
//! [`commit`] (plans each chunk again, against the registry as it is now, and writes it).

use std::collections::HashSet;

use sentra_domain::import::{ImportContext, ImportOptions, Mapping, RowProblem};
use sentra_domain::scope::Scope;
use sentra_storage::{
    Actor, Database, ImportCounts, ImportPlan, JobProblem, POSSIBLE_DUPLICATE, RecordChanges,
    RowPlan, StatisticsDepth, StorageError, dedup_record, duplicates_within,
};

use crate::file::{DataRow, expand};
use crate::worker::findings;

/// Rows per chunk: one look-up of NIBs and NIKs, one batch written.
pub const CHUNK: usize = 1000;
/// Chunks written in one transaction, once the import is under way (see [`write_groups`]).
/// Each commit writes every index page it touched, and the registry's twenty indexes spread a
/// thousand rows over thousands of pages: ten chunks a commit halve the engine's work
/// (decision 0047).
pub const WRITE_GROUP: usize = 10;

/// What the dry run found.
#[derive(Debug, Clone, Default)]
pub struct CheckOutcome {
    pub counts: ImportCounts,
    /// Problems of invalid rows and possible duplicates, in row order.
    pub findings: Vec<JobProblem>,
    /// Every field of a stored record that would change, old → new, in row order.
    pub changes: Vec<RecordChanges>,
}

/// The import's setting: where, how the columns map, against what.
pub struct Setting<'a> {
    pub scope: &'a Scope,
    pub mapping: &'a Mapping,
    pub ctx: &'a ImportContext<'a>,
    /// What rows do to stored records (blank cells keep values unless told otherwise).
    pub options: ImportOptions,
    pub today: chrono::NaiveDate,
}

/// The dry run: every row converted, validated and matched; writes nothing.
pub async fn check(
    db: &Database,
    s: &Setting<'_>,
    rows: &[DataRow],
    mut progress: impl FnMut(usize),
) -> Result<CheckOutcome, StorageError> {
    let mut planner = db.import_planner(s.scope, s.mapping, s.ctx, s.options, s.today);
    let mut out = CheckOutcome::default();
    // What the duplicate rules compare of each new row, for the in-file check at the end.
    let mut news = Vec::new();
    let mut flagged: HashSet<usize> = HashSet::new();
    let mut done = 0;
    for chunk in rows.chunks(CHUNK) {
        let part = ImportPlan {
            rows: planner.plan_chunk(&expand(chunk)).await?,
        };
        add(&mut out.counts, &part.counts());
        out.findings.extend(findings(&part));
        for r in &part.rows {
            if r.possible_duplicate.is_some() {
                flagged.insert(r.line);
            }
            match &r.plan {
                RowPlan::New(d) => news.push((r.line, dedup_record(d))),
                RowPlan::Update {
                    id, name, changes, ..
                } if !changes.is_empty() => out.changes.push(RecordChanges {
                    line: r.line,
                    umkm_id: id.clone(),
                    name: name.clone(),
                    changes: changes.clone(),
                }),
                _ => {}
            }
        }
        done += chunk.len();
        progress(done);
    }
    // New rows that look like an earlier new row of the file.
    for (later, earlier) in duplicates_within(news) {
        if flagged.insert(later) {
            out.counts.possible_duplicates += 1;
            out.findings.push(JobProblem {
                line: later,
                problem: RowProblem {
                    field: String::new(),
                    code: POSSIBLE_DUPLICATE.into(),
                    hint: Some(format!("row:{earlier}")),
                    value: None,
                },
            });
        }
    }
    // Row order, and within a row the problems before the duplicate note (stable sort).
    out.findings.sort_by_key(|f| f.line);
    Ok(out)
}

/// Writes the valid rows, a group of chunks at a time (one transaction per group: a crash
/// leaves whole groups), then checks the written records against the registry for
/// duplicates. The rows are taken by value and let go before that check, the import's largest
/// use of memory. `run` names the import job whose writes are recorded for its undo.
pub async fn commit(
    db: &Database,
    s: &Setting<'_>,
    rows: Vec<DataRow>,
    actor: &Actor,
    run: Option<&str>,
    mut progress: impl FnMut(usize),
) -> Result<ImportCounts, StorageError> {
    let mut planner = db.import_planner(s.scope, s.mapping, s.ctx, s.options, s.today);
    let mut total = ImportCounts::default();
    let mut written = Vec::new();
    let mut done = 0;
    let groups = write_groups(&rows);
    let mut planned = match groups.first() {
        Some(g) => plan_group(&mut planner, g).await?,
        None => Vec::new(),
    };
    for n in 0..groups.len() {
        // The table grows as the import writes: its statistics are refreshed at 1, 2, 4, 8, …
        // groups, so that look-ups keep using the indexes (a few refreshes in all).
        if n > 0 && n.is_power_of_two() {
            db.refresh_statistics(&["umkm", "umkm_documents"], StatisticsDepth::Sampled)
                .await?;
        }
        // A group is written by its own task while this one plans the next: the engine's work
        // and the checking overlap on two cores. Planning group n + 1 does not need group n
        // written: a row that repeats a business of an earlier group is caught by the
        // planner's memory of the file, not by the registry.
        let part = ImportPlan {
            rows: std::mem::take(&mut planned),
        };
        let (db2, scope, actor2) = (db.clone(), s.scope.clone(), actor.clone());
        let run2 = run.map(str::to_string);
        let writing = tokio::spawn(async move {
            let rows = CHUNK * WRITE_GROUP;
            db2.apply_import_rows(&scope, &part, &actor2, run2.as_deref(), rows, |_| {})
                .await
        });
        if let Some(g) = groups.get(n + 1) {
            planned = plan_group(&mut planner, g).await?;
        }
        let (counts, ids) = writing
            .await
            .map_err(|e| StorageError::Task(e.to_string()))??;
        add(&mut total, &counts);
        written.extend(ids);
        done += groups[n].len();
        progress(done);
    }
    // A large import changes the tables' shape: statistics for every query after it, not only
    // the import's look-ups.
    if groups.len() > 1 {
        db.refresh_statistics(&[], StatisticsDepth::Full).await?;
    }
    drop(groups);
    drop(rows);
    total.queued_duplicates = db.check_duplicates_of(s.scope, written).await?.new_pairs;
    Ok(total)
}

/// The rows cut into write groups of 1, 2, 4, 8 and then [`WRITE_GROUP`] chunks: the first
/// rows are in the registry (and the job's progress moves) within a chunk's time, the rest go
/// in large commits.
fn write_groups(rows: &[DataRow]) -> Vec<&[DataRow]> {
    let mut groups = Vec::new();
    let (mut at, mut chunks) = (0, 1);
    while at < rows.len() {
        let end = (at + chunks * CHUNK).min(rows.len());
        groups.push(&rows[at..end]);
        at = end;
        chunks = (chunks * 2).min(WRITE_GROUP);
    }
    groups
}

/// Plans a group's rows a chunk at a time (one look-up of NIBs and NIKs per chunk).
async fn plan_group(
    planner: &mut sentra_storage::ImportPlanner<'_>,
    group: &[DataRow],
) -> Result<Vec<sentra_storage::PlannedRow>, StorageError> {
    let mut rows = Vec::with_capacity(group.len());
    for chunk in group.chunks(CHUNK) {
        rows.extend(planner.plan_chunk(&expand(chunk)).await?);
    }
    Ok(rows)
}

fn add(to: &mut ImportCounts, c: &ImportCounts) {
    to.new += c.new;
    to.updated += c.updated;
    to.unchanged += c.unchanged;
    to.invalid += c.invalid;
    to.possible_duplicates += c.possible_duplicates;
    to.changed_fields += c.changed_fields;
    to.cleared_fields += c.cleared_fields;
}
