//! Naik kelas as stored: a business's reports, and the size class events and milestones derived
//! from them (rewritten with every report, in its transaction), and the counts the dashboard
//! shows for a region and year.

use sentra_domain::growth::{
    GrowthReport, Milestone, Period, SizeEvent, SizeStart, milestones, size_events,
};
use sentra_domain::region::RegionCode;
use sentra_domain::scope::Scope;
use sentra_domain::size::{SizeBasis, SizeClass, SizeDecision};
use sentra_domain::umkm::UmkmStatus;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::accounts::audit::{self, Actor};
use crate::insight::dashboard::{COUNTED, dashboard_region};
use crate::insight::rollup::Grain;
use crate::sql::Args;
use crate::{Database, Result, now_text};

/// Whether a saved report's figures change the registry record itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistryFigures {
    /// An operator's report: the record takes the latest figures at once.
    Apply,
    /// An owner's report on a verified record: kept as reported; the figures go to an operator
    /// as a change request, as the owner's edits do.
    Propose,
}

/// The latest figures the reports give for the business as it is now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LatestFigures {
    pub class: Option<SizeDecision>,
    pub modal: Option<i64>,
    pub sales: Option<i64>,
}

/// What saving a report did: the class changes along all the reports, and the latest figures.
#[derive(Debug, Clone)]
pub struct ReportSaved {
    pub events: Vec<SizeEvent>,
    pub latest: LatestFigures,
}

/// The day a record was registered, from its stored creation time (`2026-03-10T…`).
fn registered_day(created_at: &str) -> Option<chrono::NaiveDate> {
    created_at
        .get(..10)
        .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
}

/// What the registry list can be narrowed to by growth: businesses that reported in a year,
/// reached a milestone in a year, or moved down a class in a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrowthFilter {
    /// Entered into the registry in the year.
    Registered(i32),
    /// Active, and attended a programme activity in the year (what reach counts).
    ProgrammeReached(i32),
    /// Attended no programme activity in the year (with `status=verified`, the "never
    /// reached" the reach page counts, to be invited).
    NotReached(i32),
    Reported(i32),
    Reached(Milestone, i32),
    ClassDown(i32),
}

impl GrowthFilter {
    /// `reported:2025`, `class_up:2025`, `class_down:2025`, `first_online:2025`, …
    pub fn parse(s: &str) -> Option<GrowthFilter> {
        let (what, year) = s.split_once(':')?;
        let year: i32 = year.parse().ok().filter(|y| (2000..=2100).contains(y))?;
        match what {
            "registered" => Some(Self::Registered(year)),
            "reached" => Some(Self::ProgrammeReached(year)),
            "not_reached" => Some(Self::NotReached(year)),
            "reported" => Some(Self::Reported(year)),
            "class_down" => Some(Self::ClassDown(year)),
            m => Milestone::parse(m).map(|m| Self::Reached(m, year)),
        }
    }

    pub fn as_param(self) -> String {
        match self {
            Self::Registered(y) => format!("registered:{y}"),
            Self::ProgrammeReached(y) => format!("reached:{y}"),
            Self::NotReached(y) => format!("not_reached:{y}"),
            Self::Reported(y) => format!("reported:{y}"),
            Self::ClassDown(y) => format!("class_down:{y}"),
            Self::Reached(m, y) => format!("{}:{y}", m.as_str()),
        }
    }

    /// Whether the filter is a mark of `growth_milestones`, which [`GrowthFilter::condition_as`]
    /// can also write as a test per row (the other filters ignore `per_row`).
    pub(crate) fn is_mark(self) -> bool {
        match self {
            Self::Reported(_) | Self::ClassDown(_) => true,
            Self::Reached(m, _) => m != Milestone::Formalised,
            Self::Registered(_) | Self::ProgrammeReached(_) | Self::NotReached(_) => false,
        }
    }

    /// The condition over `umkm u`: a set of businesses read from its own table by an index
    /// (`u.id IN (…)`), so that the list starts from the few that qualify rather than testing
    /// every business of a province (migration 0034); or with `per_row` a mark tested per
    /// business (`EXISTS` by the mark's key): for a list of many marked businesses read in the
    /// order of an index, where the set would be read whole and sorted (100,000 class-ups of a
    /// province: 0.9 s against 70 ms for a page).
    pub(crate) fn condition_as(self, args: &mut Args, per_row: bool) -> String {
        match self {
            // ISO text: the year's range, which the index on created_at can read.
            Self::Registered(y) => {
                let (from, to) = year_bounds(y, args);
                format!("u.created_at >= {from} AND u.created_at < {to}")
            }
            Self::ProgrammeReached(y) => format!(
                "u.status <> 'inactive' AND u.id IN (SELECT r.umkm_id FROM reach_rollup r \
                 WHERE r.year = {} AND r.attended > 0)",
                args.int(Some(i64::from(y)))
            ),
            // Tested per business by the rollup's key (umkm_id, year): a page of a province's
            // list reads a few hundred keys, not the year's 900,000 reached into a set.
            Self::NotReached(y) => format!(
                "NOT EXISTS (SELECT 1 FROM reach_rollup r WHERE r.umkm_id = u.id \
                 AND r.year = {} AND r.attended > 0)",
                args.int(Some(i64::from(y)))
            ),
            // The marks the dashboard counts (migration 0020): one table behind both.
            Self::Reported(y) => mark(REPORTED, y, args, per_row),
            Self::ClassDown(y) => mark(CLASS_DOWN, y, args, per_row),
            // Formalised is the NIB's issue date, whether or not the business ever reported.
            Self::Reached(Milestone::Formalised, y) => {
                let (from, to) = year_bounds(y, args);
                format!(
                    "u.id IN (SELECT d.umkm_id FROM umkm_documents d WHERE d.kind = 'nib' \
                     AND d.issued_on >= {from} AND d.issued_on < {to})"
                )
            }
            Self::Reached(m, y) => mark(m.as_str(), y, args, per_row),
        }
    }
}

/// The first day of year `y` and of the next, as ISO text arguments.
fn year_bounds(y: i32, args: &mut Args) -> (String, String) {
    (
        args.text(format!("{y}-01-01")),
        args.text(format!("{}-01-01", y + 1)),
    )
}

/// A business carries the mark (a milestone, a year reported or moved down) in year `y`: the
/// set of marked businesses, or with `per_row` a test of each business by the mark's key.
fn mark(code: &str, y: i32, args: &mut Args, per_row: bool) -> String {
    let (code, year) = (args.text(code), args.int(Some(i64::from(y))));
    if per_row {
        format!(
            "EXISTS (SELECT 1 FROM growth_milestones m WHERE m.umkm_id = u.id \
             AND m.milestone = {code} AND m.year = {year})"
        )
    } else {
        format!(
            "u.id IN (SELECT m.umkm_id FROM growth_milestones m \
             WHERE m.milestone = {code} AND m.year = {year})"
        )
    }
}

/// A region's naik-kelas figures for a year.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GrowthSummary {
    pub total: i64,
    pub reported: i64,
    pub class_down: i64,
    /// Businesses reaching each milestone in the year, in [`Milestone::ALL`] order.
    pub reached: Vec<(Milestone, i64)>,
}

/// The marks of `growth_milestones` beside the milestones: a year reported, a year moved down.
const REPORTED: &str = "reported";
const CLASS_DOWN: &str = "class_down";

fn quarter_of(p: Period) -> i64 {
    p.quarter.map_or(0, i64::from)
}

fn flag(b: bool) -> i64 {
    i64::from(b)
}

const REPORT_COLUMNS: &str = "year, quarter, sales_rupiah, modal_rupiah, employees, online, \
     ekatalog, export, financing";

fn period_from_row(r: &AnyRow) -> Result<Period> {
    let quarter: i64 = r.try_get("quarter")?;
    Ok(Period {
        year: i32::try_from(r.try_get::<i64, _>("year")?).unwrap_or(0),
        quarter: u8::try_from(quarter).ok().filter(|q| *q > 0),
    })
}

fn report_from_row(r: &AnyRow) -> Result<GrowthReport> {
    Ok(GrowthReport {
        period: period_from_row(r)?,
        sales: r.try_get("sales_rupiah")?,
        modal: r.try_get("modal_rupiah")?,
        employees: r.try_get("employees")?,
        online: r.try_get::<i64, _>("online")? != 0,
        ekatalog: r.try_get::<i64, _>("ekatalog")? != 0,
        export: r.try_get::<i64, _>("export")? != 0,
        financing: r.try_get::<i64, _>("financing")? != 0,
    })
}

impl Database {
    /// A business's reports, oldest first (the caller has read the record in its scope).
    pub async fn growth_reports(&self, umkm_id: &str) -> Result<Vec<GrowthReport>> {
        let rows = sqlx::query(&format!(
            "SELECT {REPORT_COLUMNS} FROM growth_reports WHERE umkm_id = $1"
        ))
        .bind(umkm_id)
        .fetch_all(&self.pool)
        .await?;
        let mut out = rows
            .iter()
            .map(report_from_row)
            .collect::<Result<Vec<_>>>()?;
        out.sort_by_key(|r| r.period.sort_key());
        Ok(out)
    }

    /// A business's recorded size class changes, oldest first.
    pub async fn size_events_of(&self, umkm_id: &str) -> Result<Vec<SizeEvent>> {
        let rows = sqlx::query(
            "SELECT year, quarter, from_class, to_class, basis FROM size_class_events \
             WHERE umkm_id = $1 ORDER BY year, quarter",
        )
        .bind(umkm_id)
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let from: String = r.try_get("from_class")?;
            let to: String = r.try_get("to_class")?;
            let basis: String = r.try_get("basis")?;
            let (Some(to), Some(basis)) = (SizeClass::parse(&to), SizeBasis::parse(&basis)) else {
                continue;
            };
            out.push(SizeEvent {
                period: period_from_row(r)?,
                from: SizeClass::parse(&from),
                to,
                basis,
            });
        }
        // Whole years after their quarters.
        out.sort_by_key(|e| e.period.sort_key());
        Ok(out)
    }

    /// Saves a report (replacing the one of the same period), re-derives the business's size
    /// class events and milestones, and brings its registry record's size class, modal and
    /// annual sales up to its latest report. Audited on the business.
    pub async fn save_growth_report(
        &self,
        scope: &Scope,
        umkm_id: &str,
        report: &GrowthReport,
        registry: RegistryFigures,
        actor: &Actor,
    ) -> Result<ReportSaved> {
        self.umkm_village(scope, umkm_id).await?;
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        let year = i64::from(report.period.year);
        let quarter = quarter_of(report.period);
        // Where the size history starts: the class before the first report, kept once.
        sqlx::query(
            "UPDATE umkm SET registered_size_class = COALESCE(registered_size_class, \
             size_class, '') WHERE id = $1",
        )
        .bind(umkm_id)
        .execute(&mut *tx)
        .await?;
        let row = sqlx::query(
            "SELECT registered_size_class, size_class, created_at FROM umkm WHERE id = $1",
        )
        .bind(umkm_id)
        .fetch_one(&mut *tx)
        .await?;
        let start: Option<String> = row.try_get("registered_size_class")?;
        let registered_on = registered_day(&row.try_get::<String, _>("created_at")?);
        let start =
            SizeStart::registered(start.as_deref().and_then(SizeClass::parse), registered_on);
        let class_before: Option<String> = row.try_get("size_class")?;
        let previous = sqlx::query(
            "SELECT sales_rupiah, modal_rupiah, employees FROM growth_reports \
             WHERE umkm_id = $1 AND year = $2 AND quarter = $3",
        )
        .bind(umkm_id)
        .bind(year)
        .bind(quarter)
        .fetch_optional(&mut *tx)
        .await?
        .is_some();
        sqlx::query("DELETE FROM growth_reports WHERE umkm_id = $1 AND year = $2 AND quarter = $3")
            .bind(umkm_id)
            .bind(year)
            .bind(quarter)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO growth_reports (umkm_id, year, quarter, sales_rupiah, modal_rupiah, \
             employees, online, ekatalog, export, financing, reported_by, reported_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(umkm_id)
        .bind(year)
        .bind(quarter)
        .bind(report.sales)
        .bind(report.modal)
        .bind(report.employees)
        .bind(flag(report.online))
        .bind(flag(report.ekatalog))
        .bind(flag(report.export))
        .bind(flag(report.financing))
        .bind(&actor.name)
        .bind(now_text())
        .execute(&mut *tx)
        .await?;

        // Everything derived is rebuilt from all the reports: a back-dated report changes
        // the history after it.
        let rows = sqlx::query(&format!(
            "SELECT {REPORT_COLUMNS} FROM growth_reports WHERE umkm_id = $1"
        ))
        .bind(umkm_id)
        .fetch_all(&mut *tx)
        .await?;
        let mut reports = rows
            .iter()
            .map(report_from_row)
            .collect::<Result<Vec<_>>>()?;
        reports.sort_by_key(|r| r.period.sort_key());
        let events = size_events(start, &reports);
        for table in ["size_class_events", "growth_milestones"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE umkm_id = $1"))
                .bind(umkm_id)
                .execute(&mut *tx)
                .await?;
        }
        for e in &events {
            sqlx::query(
                "INSERT INTO size_class_events (umkm_id, year, quarter, from_class, to_class, \
                 basis, up) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(umkm_id)
            .bind(i64::from(e.period.year))
            .bind(quarter_of(e.period))
            .bind(e.from.map_or("", SizeClass::as_str))
            .bind(e.to.as_str())
            .bind(e.basis.as_str())
            .bind(flag(e.is_up()))
            .execute(&mut *tx)
            .await?;
        }
        // Formalised comes from the NIB itself (see GrowthFilter), not from reports. Beside the
        // milestones, the years it reported and moved down are marked, for the dashboard's
        // counts per kelurahan (migration 0020).
        let mut marks: std::collections::BTreeSet<(&str, i32)> = milestones(start, &reports, None)
            .into_iter()
            .map(|(m, y)| (m.as_str(), y))
            .collect();
        marks.extend(reports.iter().map(|r| (REPORTED, r.period.year)));
        marks.extend(
            events
                .iter()
                .filter(|e| !e.is_up())
                .map(|e| (CLASS_DOWN, e.period.year)),
        );
        for (m, y) in marks {
            sqlx::query(
                "INSERT INTO growth_milestones (umkm_id, milestone, year) VALUES ($1, $2, $3)",
            )
            .bind(umkm_id)
            .bind(m)
            .bind(i64::from(y))
            .execute(&mut *tx)
            .await?;
        }
        // The registry shows the latest figures, from reports of periods since it was
        // registered (an older report is history, not the business as it is now); an owner's
        // figures only once an operator approves them.
        let current: Vec<&GrowthReport> = reports
            .iter()
            .filter(|r| registered_on.is_none_or(|day| r.period.end() >= day))
            .collect();
        let latest = LatestFigures {
            class: current.iter().rev().find_map(|r| r.size()),
            modal: current.iter().rev().find_map(|r| r.modal),
            sales: current
                .iter()
                .rev()
                .find(|r| r.period.quarter.is_none() && r.sales.is_some())
                .and_then(|r| r.sales),
        };
        let applied = registry == RegistryFigures::Apply;
        if applied {
            sqlx::query(
                "UPDATE umkm SET size_class = COALESCE($1, size_class), \
                 size_basis = COALESCE($2, size_basis), modal_rupiah = COALESCE($3, modal_rupiah), \
                 annual_sales_rupiah = COALESCE($4, annual_sales_rupiah), updated_at = $5, \
                 version = version + 1 WHERE id = $6",
            )
            .bind(latest.class.map(|d| d.class.as_str()))
            .bind(latest.class.map(|d| d.basis.as_str()))
            .bind(latest.modal)
            .bind(latest.sales)
            .bind(now_text())
            .bind(umkm_id)
            .execute(&mut *tx)
            .await?;
        }
        let class_after = if applied {
            latest.class.map(|d| d.class.as_str())
        } else {
            class_before.as_deref()
        };
        // Flat, as the history shows changes: values, and the registry's class before → after.
        let changes = serde_json::json!({
            "period": report.period.label(),
            "replaced": previous,
            "sales": report.sales,
            "modal": report.modal,
            "employees": report.employees,
            "online": report.online,
            "ekatalog": report.ekatalog,
            "export": report.export,
            "financing": report.financing,
            "size_class": [class_before.as_deref(), class_after],
        });
        audit::append(
            &mut tx,
            &self.audit_chain,
            actor,
            "growth_report",
            "umkm",
            Some(umkm_id),
            &changes,
        )
        .await?;
        tx.commit().await?;
        Ok(ReportSaved { events, latest })
    }

    /// How many businesses of `region` (of `status`, or any when `None`) a growth filter
    /// selects, from the counts the dashboards read (growth_village for the marks, per status;
    /// reach_village for programme reach, verified only): the list the dashboard links to
    /// counts without reading its 100,000 businesses one by one. `None` for a filter with no
    /// kept count.
    pub(crate) async fn growth_kept_count(
        &self,
        region: &RegionCode,
        growth: GrowthFilter,
        status: Option<UmkmStatus>,
    ) -> Result<Option<i64>> {
        let verified = status == Some(UmkmStatus::Verified);
        let (mark, year) = match growth {
            GrowthFilter::Registered(_) | GrowthFilter::Reached(Milestone::Formalised, _) => {
                return Ok(None);
            }
            GrowthFilter::ProgrammeReached(y) if verified => {
                return Ok(Some(self.reached_count(region, y).await?));
            }
            GrowthFilter::NotReached(y) if verified => {
                let (reached, total) = self.reach_count(region, y).await?;
                return Ok(Some(total - reached));
            }
            GrowthFilter::ProgrammeReached(_) | GrowthFilter::NotReached(_) => return Ok(None),
            GrowthFilter::Reported(y) => (REPORTED, y),
            GrowthFilter::ClassDown(y) => (CLASS_DOWN, y),
            GrowthFilter::Reached(m, y) => (m.as_str(), y),
        };
        let of_status = match status {
            Some(s) => format!(" AND status = '{}'", s.as_str()),
            None => String::new(),
        };
        let row = sqlx::query(&format!(
            "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) AS n FROM growth_village \
             WHERE milestone = $4 AND year = $3 AND (village_code = $1 OR village_code LIKE $2)\
             {of_status}"
        ))
        .bind(region.as_str())
        .bind(format!("{}.%", region.as_str()))
        .bind(i64::from(year))
        .bind(mark)
        .fetch_one(&self.pool)
        .await?;
        Ok(Some(row.try_get("n")?))
    }

    /// The naik-kelas figures of a year for `region` (in scope): the same businesses the
    /// registry list's growth filters give, counted from the marks per kelurahan (kept by
    /// triggers) and the rollups, not by testing every business.
    pub async fn growth_summary(
        &self,
        scope: &Scope,
        region: &RegionCode,
        year: i32,
    ) -> Result<GrowthSummary> {
        let Some(region) = dashboard_region(scope, region) else {
            return Ok(GrowthSummary::default());
        };
        // Verified businesses, as the growth marks count them (docs/counting-rules.md).
        let total = self
            .rollup_sums(&region, &[], Grain::Whole, Some(COUNTED))
            .await?
            .first()
            .map_or(0, |r| r.n);
        let rows = sqlx::query(
            "SELECT milestone AS k, CAST(SUM(n) AS BIGINT) AS n FROM growth_village \
             WHERE year = $3 AND status = 'verified' \
             AND (village_code = $1 OR village_code LIKE $2) GROUP BY milestone",
        )
        .bind(region.as_str())
        .bind(format!("{}.%", region.as_str()))
        .bind(i64::from(year))
        .fetch_all(&self.pool)
        .await?;
        let mut found = std::collections::HashMap::new();
        for r in &rows {
            found.insert(r.try_get::<String, _>("k")?, r.try_get::<i64, _>("n")?);
        }
        let reported = found.get(REPORTED).copied().unwrap_or(0);
        let class_down = found.get(CLASS_DOWN).copied().unwrap_or(0);
        let formalised: i64 = self
            .doc_holders(&region, "nib", Grain::Whole)
            .await?
            .iter()
            .filter(|(_, y, _)| *y == i64::from(year))
            .map(|(_, _, n)| n)
            .sum();
        Ok(GrowthSummary {
            total,
            reported,
            class_down,
            reached: Milestone::ALL
                .iter()
                .map(|m| {
                    let n = match m {
                        Milestone::Formalised => formalised,
                        m => found.get(m.as_str()).copied().unwrap_or(0),
                    };
                    (*m, n)
                })
                .collect(),
        })
    }
}

/// A year of the region's history: businesses entered, NIBs issued, businesses moving up.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TrendYear {
    pub year: i32,
    pub registered: i64,
    pub formalised: i64,
    pub class_up: i64,
}

impl Database {
    /// Per year from `from` to `to`, for `region` in scope: the counts behind the registry
    /// lists `registered:Y`, `formalised:Y` and `class_up:Y`.
    pub async fn trend(
        &self,
        scope: &Scope,
        region: &RegionCode,
        from: i32,
        to: i32,
    ) -> Result<Vec<TrendYear>> {
        let Some(region) = dashboard_region(scope, region) else {
            return Ok(Vec::new());
        };
        let mut out: Vec<TrendYear> = (from..=to)
            .map(|year| TrendYear {
                year,
                ..TrendYear::default()
            })
            .collect();
        let mut at = |year: i64| {
            i32::try_from(year)
                .ok()
                .and_then(|y| out.iter().position(|t| t.year == y))
        };
        let mut registered = Vec::new();
        for r in self
            .rollup_sums(&region, &["entered_year"], Grain::Whole, Some(COUNTED))
            .await?
        {
            if let Some(i) = r.keys[0].parse().ok().and_then(&mut at) {
                registered.push((i, r.n));
            }
        }
        let mut formalised = Vec::new();
        for (_, year, n) in self.doc_holders(&region, "nib", Grain::Whole).await? {
            if let Some(i) = at(year) {
                formalised.push((i, n));
            }
        }
        let rows = sqlx::query(
            "SELECT year AS y, CAST(SUM(n) AS BIGINT) AS n FROM growth_village \
             WHERE milestone = 'class_up' AND year >= $3 AND year <= $4 AND status = 'verified' \
             AND (village_code = $1 OR village_code LIKE $2) GROUP BY year",
        )
        .bind(region.as_str())
        .bind(format!("{}.%", region.as_str()))
        .bind(i64::from(from))
        .bind(i64::from(to))
        .fetch_all(&self.pool)
        .await?;
        let mut class_up = Vec::new();
        for r in &rows {
            if let Some(i) = at(r.try_get("y")?) {
                class_up.push((i, r.try_get::<i64, _>("n")?));
            }
        }
        for (i, n) in registered {
            out[i].registered += n;
        }
        for (i, n) in formalised {
            out[i].formalised += n;
        }
        for (i, n) in class_up {
            out[i].class_up += n;
        }
        Ok(out)
    }
}
