//! Reports (`/laporan`): the standard summary an office sends upward (UMKM per region under
//! the chosen one, by size class, NIB and halal holders, employees, modal, sales) and a builder
//! for ad-hoc cross-tabs (any two dimensions × a measure). Each is a page that prints cleanly
//! and an `.xlsx` with Indonesian number formats, both made from the same sheet so they agree.

use askama::Template;
use askama_web::WebTemplate;
use axum::response::IntoResponse;
use sentra_domain::FieldErrors;
use sentra_domain::account::Permission;
use sentra_domain::crosstab::{Axis, Measure, pivot};
use sentra_domain::money::format_thousands;
use sentra_domain::region::{DECREE, RegionCode, RegionLevel};
use sentra_domain::scope::Scope;
use sentra_sheets::{Cell, ReportSheet, write_report};
use sentra_storage::StorageError;
use serde::Deserialize;

use crate::AppState;
use crate::error::{ApiError, PageResult};
use crate::extract::{PageCtx, PageQuery};
use crate::forms::query_pairs;
use crate::lang::Lang;
use crate::programme::activities::sector_label;
use crate::registry::export::xlsx_response;
use crate::routes::{Access, Routes};
use crate::ui::Chrome;
use crate::ui::area_choices;

pub fn routes() -> Routes {
    let read = Access::Role(Permission::ReadDashboards);
    Routes::new("").get("/laporan", read, report_page).get(
        "/laporan/laporan.xlsx",
        read,
        report_xlsx,
    )
}

/// Which report: the standard summary per region, the year's progress per region, or a
/// cross-tab.
enum Kind {
    Regions,
    Progress(i32),
    Crosstab(Axis, Axis, Measure),
}

/// What the query asks for: `wilayah`, `jenis` (`wilayah` or `silang`), and for a cross-tab
/// `baris`, `kolom`, `ukuran`.
struct Request {
    region: RegionCode,
    kind: Kind,
}

/// `/laporan?wilayah=…&jenis=…&tahun=…&baris=…&kolom=…&ukuran=…`. The year is read as text:
/// a year that is not one is refused as out of range, as before.
#[derive(Deserialize)]
struct ReportQuery {
    #[serde(default, rename = "wilayah")]
    region: String,
    #[serde(default, rename = "jenis")]
    kind: String,
    #[serde(default, rename = "tahun")]
    year: String,
    #[serde(default, rename = "baris")]
    rows: String,
    #[serde(default, rename = "kolom")]
    columns: String,
    #[serde(default, rename = "ukuran")]
    measure: String,
}

fn crosstab_of(q: &ReportQuery) -> Result<Kind, ApiError> {
    let choice = sentra_domain::Invalid("choice_invalid");
    let mut e = FieldErrors::new();
    let rows = e.check("baris", Axis::parse(&q.rows).ok_or(choice));
    let columns = e.check("kolom", Axis::parse(&q.columns).ok_or(choice));
    let measure = e.check("ukuran", Measure::parse(&q.measure).ok_or(choice));
    if rows.is_some() && rows == columns {
        e.push("kolom", "axes_same");
    }
    match (rows, columns, measure) {
        (Some(r), Some(c), Some(m)) if e.is_empty() => Ok(Kind::Crosstab(r, c, m)),
        _ => Err(ApiError::Validation(e)),
    }
}

fn parse(q: &ReportQuery, scope: &Scope) -> Result<Option<Request>, ApiError> {
    let asked = RegionCode::parse(&q.region).ok();
    let Some(region) = scope.narrow(asked.as_ref()) else {
        return Err(ApiError::NotFound);
    };
    let kind = match q.kind.as_str() {
        "" => return Ok(None),
        "wilayah" => Kind::Regions,
        "kemajuan" => match q.year.trim().parse::<i32>() {
            Ok(y) if (2000..=2100).contains(&y) => Kind::Progress(y),
            _ => {
                let mut e = FieldErrors::new();
                e.push("tahun", "number_out_of_range");
                return Err(ApiError::Validation(e));
            }
        },
        "silang" => crosstab_of(q)?,
        _ => {
            let mut e = FieldErrors::new();
            e.push("jenis", "choice_invalid");
            return Err(ApiError::Validation(e));
        }
    };
    Ok(Some(Request { region, kind }))
}

fn child_level_key(region: &RegionCode) -> &'static str {
    match region.level() {
        RegionLevel::Province => "level.regency",
        RegionLevel::Regency => "level.district",
        _ => "level.village",
    }
}

fn share(part: i64, whole: i64) -> Cell {
    Cell::Percent((whole > 0).then(|| part as f64 / whole as f64))
}

fn notes(state: &AppState, lang: Lang, region: &RegionCode) -> Vec<String> {
    vec![
        lang.tf(
            "report.note_region",
            &[
                ("name", &state.region_name(region.as_str())),
                ("code", region.as_str()),
            ],
        ),
        lang.tf(
            "report.note_source",
            &[(
                "date",
                &chrono::Utc::now()
                    .date_naive()
                    .format("%d/%m/%Y")
                    .to_string(),
            )],
        ),
        lang.tf("report.note_codes", &[("decree", DECREE)]),
        lang.t("rules.report_note").into_owned(),
    ]
}

/// "Tidak termasuk dalam jumlah: draf 1.049, tidak aktif 154." — the records outside the
/// official figures, beside them (docs/counting-rules.md).
async fn uncounted_note(
    state: &AppState,
    scope: &Scope,
    lang: Lang,
    region: &RegionCode,
) -> Result<String, StorageError> {
    let (drafts, inactive) = state.read_db().uncounted(scope, region).await?;
    Ok(lang.tf(
        "rules.report_uncounted",
        &[
            ("drafts", &format_thousands(drafts)),
            ("inactive", &format_thousands(inactive)),
        ],
    ))
}

/// Every region one level under `region` in the region data, each with its line or a line of
/// zeros (`empty`), in code order; lines of regions the data does not know stay.
fn every_child_line<T>(
    state: &AppState,
    region: &RegionCode,
    found: Vec<T>,
    code: impl Fn(&T) -> String,
    empty: impl Fn(String) -> T,
) -> Vec<T> {
    let mut by_code: std::collections::BTreeMap<String, T> =
        found.into_iter().map(|r| (code(&r), r)).collect();
    if region.level() != RegionLevel::Village {
        for child in state.regions().children(region) {
            let c = child.code.as_str().to_string();
            if !by_code.contains_key(&c) {
                by_code.insert(c.clone(), empty(c));
            }
        }
    }
    by_code.into_values().collect()
}

/// A sheet of a line per region under `region` (its code and name first, then `line`'s
/// cells) and the total line; the caller names and titles it.
#[allow(clippy::too_many_arguments)]
fn per_region<T>(
    state: &AppState,
    lang: Lang,
    region: &RegionCode,
    headers: Vec<String>,
    found: &[T],
    code: impl Fn(&T) -> &String,
    all: &T,
    line: impl Fn(Cell, Cell, &T) -> Vec<Cell>,
) -> ReportSheet {
    ReportSheet {
        name: String::new(),
        title: String::new(),
        notes: notes(state, lang, region),
        headers,
        rows: found
            .iter()
            .map(|r| {
                line(
                    Cell::Text(code(r).clone()),
                    Cell::Text(state.region_name(code(r))),
                    r,
                )
            })
            .collect(),
        total: Some(line(
            Cell::Text(String::new()),
            Cell::Text(lang.t("report.total").into_owned()),
            all,
        )),
    }
}

/// The standard summary: a line per region under `region`, and the total.
async fn regions_sheet(
    state: &AppState,
    scope: &Scope,
    lang: Lang,
    region: &RegionCode,
) -> Result<ReportSheet, StorageError> {
    let found = state
        .read_db()
        .region_report(scope, region, crate::clock::today())
        .await?;
    let found = every_child_line(
        state,
        region,
        found,
        |r| r.region.clone(),
        |region| sentra_storage::RegionReportRow {
            region,
            ..Default::default()
        },
    );
    let mut headers = vec![
        lang.t("report.code").into_owned(),
        lang.t(child_level_key(region)).into_owned(),
        lang.t("report.umkm").into_owned(),
    ];
    for k in ["size.mikro", "size.kecil", "size.menengah", "size.besar"] {
        headers.push(lang.t(k).into_owned());
    }
    for k in [
        "activity.size_unknown",
        "report.with_nib",
        "report.nib_share",
        "report.with_halal",
        "field.employees",
        "report.modal",
        "report.sales",
    ] {
        headers.push(lang.t(k).into_owned());
    }
    let line = |first: Cell, second: Cell, r: &sentra_storage::RegionReportRow| {
        let mut cells = vec![first, second, Cell::Count(r.total)];
        cells.extend(r.sizes.iter().map(|n| Cell::Count(*n)));
        cells.extend([
            Cell::Count(r.with_nib),
            share(r.with_nib, r.total),
            Cell::Count(r.with_halal),
            Cell::Count(r.employees),
            Cell::Rupiah(r.modal),
            Cell::Rupiah(r.sales),
        ]);
        cells
    };
    let mut all = sentra_storage::RegionReportRow::default();
    for r in &found {
        all.total += r.total;
        for (a, b) in all.sizes.iter_mut().zip(r.sizes) {
            *a += b;
        }
        all.with_nib += r.with_nib;
        all.with_halal += r.with_halal;
        all.employees += r.employees;
        all.modal += r.modal;
        all.sales += r.sales;
    }
    let title = lang.tf(
        "report.regions_title",
        &[
            ("level", &lang.t(child_level_key(region)).to_lowercase()),
            ("region", &state.region_name(region.as_str())),
        ],
    );
    let mut sheet = per_region(
        state,
        lang,
        region,
        headers,
        &found,
        |r| &r.region,
        &all,
        line,
    );
    sheet.name = lang.t("report.sheet_regions").into_owned();
    sheet.title = title;
    sheet
        .notes
        .push(uncounted_note(state, scope, lang, region).await?);
    Ok(sheet)
}

/// The year's progress: per region under `region`, programme reach and the naik-kelas
/// milestones, with the total.
async fn progress_sheet(
    state: &AppState,
    scope: &Scope,
    lang: Lang,
    region: &RegionCode,
    year: i32,
) -> Result<ReportSheet, StorageError> {
    let found = state.read_db().progress_report(scope, region, year).await?;
    let mut headers = vec![
        lang.t("report.code").into_owned(),
        lang.t(child_level_key(region)).into_owned(),
    ];
    for k in [
        "report.active",
        "growth.reached",
        "report.reached_share",
        "growth.reported",
        "growth.m_formalised",
        "growth.m_first_online",
        "growth.m_first_ekatalog",
        "growth.m_financing",
        "growth.m_employees_added",
        "growth.m_class_up",
    ] {
        headers.push(lang.t(k).into_owned());
    }
    let line = |first: Cell, second: Cell, r: &sentra_storage::ProgressReportRow| {
        vec![
            first,
            second,
            Cell::Count(r.active),
            Cell::Count(r.reached),
            share(r.reached, r.active),
            Cell::Count(r.reported),
            Cell::Count(r.nib_issued),
            Cell::Count(r.first_online),
            Cell::Count(r.first_ekatalog),
            Cell::Count(r.financing),
            Cell::Count(r.employees_added),
            Cell::Count(r.class_up),
        ]
    };
    let mut all = sentra_storage::ProgressReportRow::default();
    for r in &found {
        all.active += r.active;
        all.reached += r.reached;
        all.reported += r.reported;
        all.nib_issued += r.nib_issued;
        all.first_online += r.first_online;
        all.first_ekatalog += r.first_ekatalog;
        all.financing += r.financing;
        all.employees_added += r.employees_added;
        all.class_up += r.class_up;
    }
    let title = lang.tf(
        "report.progress_title",
        &[
            ("level", &lang.t(child_level_key(region)).to_lowercase()),
            ("region", &state.region_name(region.as_str())),
            ("year", &year.to_string()),
        ],
    );
    let mut sheet = per_region(
        state,
        lang,
        region,
        headers,
        &found,
        |r| &r.region,
        &all,
        line,
    );
    sheet.name = lang.t("report.sheet_progress").into_owned();
    sheet.title = title;
    Ok(sheet)
}

fn axis_label(lang: Lang, a: Axis) -> String {
    lang.t(&format!("report.axis_{}", a.as_str())).into_owned()
}

fn measure_label(lang: Lang, m: Measure) -> String {
    lang.t(&format!("report.measure_{}", m.as_str()))
        .into_owned()
}

/// A key of a dimension as a reader knows it.
fn key_label(
    state: &AppState,
    lang: Lang,
    sectors: &[sentra_storage::Sector],
    axis: Axis,
    key: &str,
) -> String {
    match axis {
        Axis::Region => format!("{} ({key})", state.region_name(key)),
        Axis::Sector => sector_label(lang, sectors, key),
        Axis::Size if key.is_empty() => lang.t("activity.size_unknown").into_owned(),
        Axis::Size => lang.t(&format!("size.{key}")).into_owned(),
        Axis::Status => lang.t(&format!("status.{key}")).into_owned(),
        Axis::Sex => lang.t(&format!("sex.{key}")).into_owned(),
        Axis::Nib | Axis::Halal => lang
            .t(if key == "has" {
                "report.has"
            } else {
                "report.lacks"
            })
            .into_owned(),
        Axis::Registered => key.to_string(),
    }
}

/// Keys in reading order: size classes small to large, holders before the rest, the others by
/// code (regions, years) or name.
fn key_order(axis: Axis, a: &str, b: &str) -> std::cmp::Ordering {
    let rank = |k: &str| match axis {
        Axis::Size => ["mikro", "kecil", "menengah", "besar", ""]
            .iter()
            .position(|s| *s == k)
            .unwrap_or(9),
        Axis::Nib | Axis::Halal => usize::from(k != "has"),
        _ => 0,
    };
    rank(a).cmp(&rank(b)).then_with(|| a.cmp(b))
}

async fn crosstab_sheet(
    state: &AppState,
    scope: &Scope,
    lang: Lang,
    region: &RegionCode,
    (rows, columns, measure): (Axis, Axis, Measure),
) -> Result<ReportSheet, StorageError> {
    let cells = state
        .db()
        .crosstab(
            scope,
            region,
            (rows, columns),
            measure,
            crate::clock::today(),
        )
        .await?;
    let sectors = state.read_db().sectors().await?;
    let p = pivot(
        &cells,
        |a, b| key_order(rows, a, b),
        |a, b| key_order(columns, a, b),
    );
    let value = |n: i128| {
        if measure.is_rupiah() {
            Cell::Rupiah(n)
        } else {
            // A count or employees: far inside i64 (at most 2,000,000 employees a record).
            Cell::Count(i64::try_from(n).unwrap_or(i64::MAX))
        }
    };
    let mut headers = vec![format!(
        "{} \\ {}",
        axis_label(lang, rows),
        axis_label(lang, columns)
    )];
    headers.extend(
        p.columns
            .iter()
            .map(|c| key_label(state, lang, &sectors, columns, c)),
    );
    headers.push(lang.t("report.total").into_owned());
    let mut total = vec![Cell::Text(lang.t("report.total").into_owned())];
    total.extend(p.column_totals.iter().map(|n| value(*n)));
    total.push(value(p.total));
    Ok(ReportSheet {
        name: lang.t("report.sheet_crosstab").into_owned(),
        title: lang.tf(
            "report.crosstab_title",
            &[
                ("measure", &measure_label(lang, measure)),
                ("rows", &axis_label(lang, rows).to_lowercase()),
                ("columns", &axis_label(lang, columns).to_lowercase()),
                ("region", &state.region_name(region.as_str())),
            ],
        ),
        notes: {
            let mut n = notes(state, lang, region);
            if rows != Axis::Status && columns != Axis::Status {
                n.push(uncounted_note(state, scope, lang, region).await?);
            }
            n
        },
        headers,
        rows: p
            .rows
            .iter()
            .zip(&p.values)
            .zip(&p.row_totals)
            .map(|((k, values), sum)| {
                let mut cells = vec![Cell::Text(key_label(state, lang, &sectors, rows, k))];
                cells.extend(values.iter().map(|n| value(*n)));
                cells.push(value(*sum));
                cells
            })
            .collect(),
        total: Some(total),
    })
}

async fn sheet_for(
    state: &AppState,
    scope: &Scope,
    lang: Lang,
    r: &Request,
) -> Result<ReportSheet, StorageError> {
    match r.kind {
        Kind::Regions => regions_sheet(state, scope, lang, &r.region).await,
        Kind::Progress(y) => progress_sheet(state, scope, lang, &r.region, y).await,
        Kind::Crosstab(a, b, m) => crosstab_sheet(state, scope, lang, &r.region, (a, b, m)).await,
    }
}

/// A cell as the page shows it, the way the language writes numbers.
fn cell_text(lang: Lang, c: &Cell) -> (String, bool) {
    let number = |n: i128| match lang {
        Lang::Id => format_thousands(n),
        Lang::En => format_thousands(n).replace('.', ","),
    };
    match c {
        Cell::Text(t) => (t.clone(), false),
        Cell::Count(n) => (number(i128::from(*n)), true),
        Cell::Rupiah(n) => (format!("Rp {}", number(*n)), true),
        Cell::Percent(Some(p)) => (lang.percent(p * 100.0), true),
        Cell::Percent(None) => ("–".into(), true),
        Cell::Empty => (String::new(), false),
        Cell::Integer(n) => (n.to_string(), true),
        Cell::Decimal(v, places) => {
            let s = format!("{v:.*}", usize::from(*places));
            (
                if lang == Lang::Id {
                    s.replace('.', ",")
                } else {
                    s
                },
                true,
            )
        }
        Cell::Date(d) => {
            use chrono::Datelike;
            (lang.date(d.year(), d.month(), d.day()), false)
        }
        Cell::DateTime(t) => (t.format("%d/%m/%Y %H:%M").to_string(), false),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "insight/reports.html")]
pub struct ReportsPage {
    pub c: Chrome,
    pub l: Lang,
    pub region: String,
    pub regions: Vec<(String, String)>,
    pub axes: Vec<(String, String)>,
    pub measures: Vec<(String, String)>,
    /// The builder's choices (kept after a run).
    pub chosen: (String, String, String),
    /// The standard summary's page and workbook.
    pub regions_links: (String, String),
    /// The progress report of recent years: (year, page, workbook).
    pub progress_links: Vec<(i32, String, String)>,
    /// The report shown: its title, notes, headers, rows of (text, numeric) cells, total, and
    /// the workbook link.
    pub report: Option<Shown>,
}

pub struct Shown {
    pub title: String,
    pub notes: Vec<String>,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<(String, bool)>>,
    pub total: Vec<(String, bool)>,
    pub xlsx: String,
}

/// The report as the page shows it; `query` (as asked) makes its workbook link.
fn shown(lang: Lang, s: ReportSheet, query: &str) -> Shown {
    Shown {
        title: s.title,
        notes: s.notes,
        headers: s.headers,
        rows: s
            .rows
            .iter()
            .map(|r| r.iter().map(|c| cell_text(lang, c)).collect())
            .collect(),
        total: s
            .total
            .iter()
            .flatten()
            .map(|c| cell_text(lang, c))
            .collect(),
        xlsx: format!("/laporan/laporan.xlsx?{query}"),
    }
}

/// The progress report of the last three years: (year, page, workbook).
fn progress_links(region: &RegionCode) -> Vec<(i32, String, String)> {
    let this_year = chrono::Datelike::year(&chrono::Utc::now());
    (this_year - 2..=this_year)
        .rev()
        .map(|y| {
            let q = format!("wilayah={}&jenis=kemajuan&tahun={y}", region.as_str());
            (
                y,
                format!("/laporan?{q}#report"),
                format!("/laporan/laporan.xlsx?{q}"),
            )
        })
        .collect()
}

/// The report a query asks for (`jenis` required), as the page and workbook make it: for the
/// JSON API.
pub(crate) async fn report_of(
    state: &AppState,
    scope: &Scope,
    lang: Lang,
    pairs: &[(String, String)],
) -> Result<ReportSheet, ApiError> {
    let get = |k: &str| crate::forms::form_value(pairs, k).to_string();
    let q = ReportQuery {
        region: get("wilayah"),
        kind: get("jenis"),
        year: get("tahun"),
        rows: get("baris"),
        columns: get("kolom"),
        measure: get("ukuran"),
    };
    let asked = parse(&q, scope)?.ok_or_else(|| {
        let mut e = FieldErrors::new();
        e.push("jenis", "required");
        ApiError::Validation(e)
    })?;
    Ok(sheet_for(state, scope, lang, &asked).await?)
}

async fn report_page(ctx: PageCtx, PageQuery(q): PageQuery<ReportQuery>) -> PageResult {
    let (lang, scope) = (ctx.lang, ctx.scope());
    let asked = parse(&q, &scope)?;
    let region = asked
        .as_ref()
        .map_or_else(|| scope.region_code().clone(), |r| r.region.clone());
    let report = match &asked {
        None => None,
        Some(r) => {
            let sheet = sheet_for(&ctx.state, &scope, lang, r).await?;
            // The workbook of the same report: the query as asked, re-encoded.
            let query =
                serde_urlencoded::to_string(query_pairs(ctx.uri.query())).unwrap_or_default();
            Some(shown(lang, sheet, &query))
        }
    };
    let base = format!("wilayah={}&jenis=wilayah", region.as_str());
    Ok(ReportsPage {
        c: ctx.chrome(lang.t("report.title")),
        l: lang,
        regions: area_choices(&ctx.state, scope.region_code()),
        region: region.as_str().to_string(),
        axes: Axis::ALL
            .iter()
            .map(|a| (a.as_str().to_string(), axis_label(lang, *a)))
            .collect(),
        measures: Measure::ALL
            .iter()
            .map(|m| (m.as_str().to_string(), measure_label(lang, *m)))
            .collect(),
        chosen: (q.rows, q.columns, q.measure),
        regions_links: (
            format!("/laporan?{base}#report"),
            format!("/laporan/laporan.xlsx?{base}"),
        ),
        progress_links: progress_links(&region),
        report,
    }
    .into_response())
}

async fn report_xlsx(ctx: PageCtx, PageQuery(q): PageQuery<ReportQuery>) -> PageResult {
    let (lang, scope) = (ctx.lang, ctx.scope());
    let asked = parse(&q, &scope)?.ok_or_else(|| {
        let mut e = FieldErrors::new();
        e.push("jenis", "choice_invalid");
        ApiError::Validation(e)
    })?;
    let sheet = sheet_for(&ctx.state, &scope, lang, &asked).await?;
    let name = match asked.kind {
        Kind::Regions => format!("rekap-umkm-{}.xlsx", asked.region.as_str()),
        Kind::Progress(y) => format!("kemajuan-umkm-{}-{y}.xlsx", asked.region.as_str()),
        Kind::Crosstab(a, b, m) => format!(
            "tabulasi-{}-{}-{}-{}.xlsx",
            m.as_str(),
            a.as_str(),
            b.as_str(),
            asked.region.as_str()
        ),
    };
    let bytes = write_report(&[sheet]).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(xlsx_response(&name, bytes))
}
