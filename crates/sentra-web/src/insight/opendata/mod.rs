//! Open data (public): aggregate counts of the deployment's UMKM per kecamatan or per
//! kelurahan — by size class, and holding an NIB or a halal certificate — and the government
//! units' procurement from small suppliers, as CSV and JSON with their metadata; a page
//! describing them (`/data`); the catalogue for harvesters (`dcat`: Project Open Data and
//! DCAT-AP) and a CKAN Action API (`ckan`), all from one description (`catalog`). No personal
//! data is read; counts under 5 are withheld (see `sentra_domain::opendata`).

mod catalog;
mod ckan;
mod dcat;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::{HeaderMap, Uri, header};
use axum::response::{IntoResponse, Response};
use sentra_domain::opendata::{Counts, Published as Shown, THRESHOLD, suppress_group};
use sentra_domain::region::{DECREE, RegionCode, RegionLevel};
use sentra_storage::{RegionStats, StorageError};
use serde::Deserialize;

use crate::AppState;
use crate::catalogue::public::site_base;
use crate::error::{ApiError, PageResult};
use crate::extract::PageQuery;
use crate::lang::{Lang, ReqLang};
use crate::routes::{Access, Routes};
use crate::ui::Chrome;

pub fn routes() -> Routes {
    Routes::new("")
        .get("/data", Access::Public, catalogue_page)
        .get("/data.json", Access::Public, dcat::pod)
        .get("/data/katalog.jsonld", Access::Public, dcat::jsonld)
        .get("/data/katalog.ttl", Access::Public, dcat::turtle)
        .get("/api/3", Access::Public, ckan::version)
        .get("/api/3/action/{name}", Access::Public, ckan::action)
        .post("/api/3/action/{name}", Access::Public, ckan::action)
        .get("/api/action/{name}", Access::Public, ckan::action)
        .post("/api/action/{name}", Access::Public, ckan::action)
        .get("/data/umkm-per-wilayah.csv", Access::Public, csv_file)
        .get("/data/umkm-per-wilayah.json", Access::Public, json_file)
        .get(
            "/data/pengadaan-per-opd.csv",
            Access::Public,
            procurement_csv,
        )
        .get(
            "/data/pengadaan-per-opd.json",
            Access::Public,
            procurement_json,
        )
}

/// Government units' spending and its share to small suppliers (Perpres 12/2021 Pasal 65):
/// public spending by unit only — no supplier, no purchase.
const PROCUREMENT_COLUMNS: [&str; 11] = [
    "kode_wilayah",
    "kode_opd",
    "nama_opd",
    "pagu_barang_jasa",
    "realisasi_belanja",
    "ke_usaha_mikro_kecil_koperasi",
    "persen_realisasi",
    "persen_pagu",
    "memenuhi_40_persen",
    "paket_sd_15m_ke_menengah_besar",
    "sampai_tanggal",
];

/// `?tingkat=…&tahun=…` of the files. The year is read as text: one that is not a year is
/// refused as out of range, like a year outside the published ones.
#[derive(Deserialize)]
struct DataQuery {
    #[serde(default, rename = "tingkat")]
    level: String,
    #[serde(default, rename = "tahun")]
    year: String,
}

/// `tahun=2025` (a whole past year) or the current year to date.
fn procurement_year(year: &str) -> Result<i32, ApiError> {
    match year.trim() {
        "" => Ok(this_year()),
        t => match t.parse::<i32>() {
            Ok(y) if (2000..=this_year()).contains(&y) => Ok(y),
            _ => {
                let mut e = sentra_domain::FieldErrors::new();
                e.push("tahun", "number_out_of_range");
                Err(ApiError::Validation(e))
            }
        },
    }
}

/// Percent with two decimals, cut like the pages (39,99 never becomes 40,00).
fn percent_text(bp: Option<i64>) -> String {
    bp.map_or(String::new(), |b| format!("{}.{:02}", b / 100, b % 100))
}

async fn procurement_rows(
    state: &AppState,
    year: i32,
) -> Result<(Vec<Vec<String>>, chrono::NaiveDate), ApiError> {
    let today = crate::clock::today();
    let until = chrono::NaiveDate::from_ymd_opt(year, 12, 31).map_or(today, |d| d.min(today));
    let home = state.home().clone();
    let shares = state
        .read_db()
        .unit_shares(
            &sentra_domain::scope::Scope::region(home.clone()),
            &home,
            year,
            until,
        )
        .await
        .map_err(ApiError::from)?;
    let rows = shares
        .iter()
        .map(|u| {
            let s = &u.share;
            vec![
                u.unit.region_code.clone(),
                u.unit.code.clone(),
                u.unit.name.clone(),
                s.budget.map_or(String::new(), |b| b.to_string()),
                s.total.to_string(),
                s.small.to_string(),
                percent_text(s.of_spending_bp()),
                percent_text(s.of_budget_bp()),
                match s.meets_minimum() {
                    Some(true) => "ya",
                    Some(false) => "tidak",
                    None => "",
                }
                .to_string(),
                u.reserved_breaches.to_string(),
                until.format("%Y-%m-%d").to_string(),
            ]
        })
        .collect();
    Ok((rows, until))
}

fn procurement_url(base: &str, ext: &str, year: Option<i32>) -> String {
    match year {
        Some(y) => format!("{base}/data/pengadaan-per-opd.{ext}?tahun={y}"),
        None => format!("{base}/data/pengadaan-per-opd.{ext}"),
    }
}

fn procurement_metadata(
    state: &AppState,
    base: &str,
    year: i32,
    until: chrono::NaiveDate,
) -> serde_json::Value {
    let region = state.region_name(state.home().as_str());
    serde_json::json!({
        "title": format!("Belanja pengadaan OPD ke usaha mikro, kecil dan koperasi, {region}, {year}"),
        "description": format!(
            "Pagu belanja barang/jasa setiap perangkat daerah (OPD) di {region}, realisasinya, dan              bagian yang diterima usaha mikro, usaha kecil dan koperasi dibandingkan dengan              minimal 40% (Perpres 12/2021 Pasal 65 ayat (3)); jumlah paket sampai dengan Rp15              miliar yang diberikan kepada usaha menengah atau besar (ayat (4)). Agregat per OPD,              tanpa nama pemasok."
        ),
        "period": {
            "year": year,
            "start": format!("{year}-01-01"),
            "as_of": until.format("%Y-%m-%d").to_string(),
        },
        "source": format!("Catatan pengadaan Sentra, {region}"),
        "licence": LICENCE,
        "columns": PROCUREMENT_COLUMNS,
        "url": procurement_url(base, "csv", Some(year)),
    })
}

/// Lines as a CSV file's bytes, each cell made safe for spreadsheets.
fn csv_bytes(lines: impl IntoIterator<Item = Vec<String>>) -> Result<Vec<u8>, ApiError> {
    let mut out = csv::Writer::from_writer(Vec::new());
    for line in lines {
        out.write_record(line.iter().map(|c| sentra_sheets::csv_safe(c).into_owned()))
            .map_err(|e| ApiError::Internal(e.to_string()))?;
    }
    out.into_inner()
        .map_err(|e| ApiError::Internal(e.to_string()))
}

/// A CSV file to download under `name`.
fn csv_response(name: &'static str, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, name),
        ],
        body,
    )
        .into_response()
}

async fn procurement_csv(
    State(state): State<AppState>,
    PageQuery(q): PageQuery<DataQuery>,
) -> PageResult {
    let year = procurement_year(&q.year)?;
    let (rows, _) = procurement_rows(&state, year).await?;
    let header = PROCUREMENT_COLUMNS.iter().map(|c| c.to_string()).collect();
    let body = csv_bytes(std::iter::once(header).chain(rows))?;
    Ok(csv_response(
        "attachment; filename=\"pengadaan-per-opd.csv\"",
        body,
    ))
}

async fn procurement_json(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageQuery(q): PageQuery<DataQuery>,
) -> PageResult {
    let year = procurement_year(&q.year)?;
    let (rows, until) = procurement_rows(&state, year).await?;
    let base = site_base(&state, &headers);
    let numeric = [3, 4, 5, 9];
    let data: Vec<serde_json::Value> = rows
        .into_iter()
        .map(|r| {
            let mut o = serde_json::Map::new();
            for (i, (k, v)) in PROCUREMENT_COLUMNS.iter().zip(r).enumerate() {
                let value = if numeric.contains(&i) {
                    v.parse::<i64>().map_or(serde_json::Value::Null, Into::into)
                } else if i == 6 || i == 7 {
                    v.parse::<f64>().map_or(serde_json::Value::Null, Into::into)
                } else if i == 8 {
                    (v == "ya").into()
                } else {
                    v.into()
                };
                o.insert((*k).into(), value);
            }
            serde_json::Value::Object(o)
        })
        .collect();
    Ok(axum::Json(serde_json::json!({
        "metadata": procurement_metadata(&state, &base, year, until),
        "data": data,
    }))
    .into_response())
}

/// The datasets: counts per kecamatan and per kelurahan/desa.
const LEVELS: [RegionLevel; 2] = [RegionLevel::District, RegionLevel::Village];
const LICENCE: &str = "https://creativecommons.org/licenses/by/4.0/";
const COLUMNS: [&str; 10] = [
    "kode_wilayah",
    "nama_wilayah",
    "jumlah_umkm",
    "mikro",
    "kecil",
    "menengah",
    "besar",
    "skala_belum_diketahui",
    "punya_nib",
    "punya_sertifikat_halal",
];

/// `tingkat=kelurahan` for kelurahan/desa; kecamatan otherwise.
fn level_of(level: &str) -> RegionLevel {
    match level {
        "kelurahan" | "desa" => RegionLevel::Village,
        _ => RegionLevel::District,
    }
}

/// Past years published as periods of their own (the current figures are the default).
const PAST_YEARS: i32 = 5;

fn this_year() -> i32 {
    chrono::Datelike::year(&chrono::Utc::now())
}

/// `tahun=2025`: the registry at the end of a past year; none for the current figures. A year
/// that is not a past one is refused.
fn period_of(year: &str) -> Result<Option<i32>, ApiError> {
    match year.trim() {
        "" => Ok(None),
        t => match t.parse::<i32>() {
            Ok(y) if (2000..this_year()).contains(&y) => Ok(Some(y)),
            _ => {
                let mut e = sentra_domain::FieldErrors::new();
                e.push("tahun", "number_out_of_range");
                Err(ApiError::Validation(e))
            }
        },
    }
}

fn level_key(level: RegionLevel) -> &'static str {
    if level == RegionLevel::Village {
        "kelurahan"
    } else {
        "kecamatan"
    }
}

/// A file's address: its level, and its year when it is a past period.
fn file_url(base: &str, ext: &str, level: RegionLevel, year: Option<i32>) -> String {
    let mut url = format!(
        "{base}/data/umkm-per-wilayah.{ext}?tingkat={}",
        level_key(level)
    );
    if let Some(y) = year {
        url.push_str(&format!("&tahun={y}"));
    }
    url
}

/// A region's published row: code, name, then the counts (withheld ones as `None`).
struct Published {
    code: String,
    name: String,
    cells: Vec<Option<i64>>,
}

/// A region's counts as the suppression reads them: the size classes add up to the total;
/// NIB and halal holders are subsets of it.
fn counts(r: &RegionStats) -> Counts {
    Counts {
        total: r.total,
        parts: r.sizes.to_vec(),
        subsets: vec![r.with_nib, r.with_halal],
    }
}

fn line(state: &AppState, code: &str, shown: &Shown) -> Published {
    let mut cells = vec![shown.total.value()];
    cells.extend(shown.parts.iter().map(|c| c.value()));
    cells.extend(shown.subsets.iter().map(|c| c.value()));
    Published {
        name: state.region_name(code),
        code: code.to_string(),
        cells,
    }
}

/// The rows of one level's file. Both files come from the kelurahan counts, each kecamatan
/// being the sum of its kelurahan, suppressed together (`suppress_group`): a cell withheld in
/// one file cannot be recovered from the other (a kecamatan's figure minus its other
/// kelurahan's).
fn publish(state: &AppState, villages: &[RegionStats], level: RegionLevel) -> Vec<Published> {
    let mut groups: std::collections::BTreeMap<String, Vec<&RegionStats>> =
        std::collections::BTreeMap::new();
    for v in villages {
        let district = RegionCode::parse(&v.region)
            .ok()
            .and_then(|c| c.at_level(RegionLevel::District))
            .map_or_else(|| v.region.clone(), |c| c.as_str().to_string());
        groups.entry(district).or_default().push(v);
    }
    let mut out = Vec::new();
    for (district, kids) in groups {
        let kid_counts: Vec<Counts> = kids.iter().map(|k| counts(k)).collect();
        let parent = Counts::sum(&kid_counts, 5, 2);
        let (shown, kids_shown) = suppress_group(&parent, &kid_counts);
        if level == RegionLevel::Village {
            out.extend(
                kids.iter()
                    .zip(&kids_shown)
                    .map(|(k, s)| line(state, &k.region, s)),
            );
        } else {
            out.push(line(state, &district, &shown));
        }
    }
    out
}

async fn published(
    state: &AppState,
    level: RegionLevel,
    year: Option<i32>,
) -> Result<Vec<Published>, ApiError> {
    let villages = match year {
        None => state
            .read_db()
            .region_statistics(
                state.home(),
                RegionLevel::Village,
                None,
                crate::clock::today(),
            )
            .await
            .map_err(ApiError::from)?,
        Some(y) => year_end(state, y).await.map_err(ApiError::from)?,
    };
    Ok(publish(state, &villages, level))
}

/// A past year's figures per kelurahan: counted when first asked for and kept (a closed
/// year's release does not change under the portals that harvested it; decision 0039).
async fn year_end(state: &AppState, year: i32) -> Result<Vec<RegionStats>, StorageError> {
    if let Some(kept) = state.read_db().kept_year_end(state.home(), year).await? {
        return Ok(kept);
    }
    let counted = state
        .read_db()
        .region_statistics(
            state.home(),
            RegionLevel::Village,
            Some(year),
            crate::clock::today(),
        )
        .await?;
    // Kept on the primary; if that fails the figures are still served, and counted again.
    if let Err(e) = state.db().keep_year_end(state.home(), year, &counted).await {
        tracing::warn!(error = %e, year, "keeping a past year's open data failed");
    }
    Ok(counted)
}

/// The dataset's metadata, for the JSON file and the catalogue.
fn metadata(
    state: &AppState,
    base: &str,
    level: RegionLevel,
    year: Option<i32>,
) -> serde_json::Value {
    let region = state.region_name(state.home().as_str());
    let per = if level == RegionLevel::Village {
        "kelurahan/desa"
    } else {
        "kecamatan"
    };
    let today = crate::clock::today().format("%Y-%m-%d").to_string();
    let (title_period, period) = match year {
        Some(y) => (
            format!(", akhir tahun {y}"),
            serde_json::json!({
                "year": y,
                "start": format!("{y}-01-01"),
                "end": format!("{y}-12-31"),
                "as_of": format!("{y}-12-31"),
            }),
        ),
        None => (String::new(), serde_json::json!({ "as_of": today })),
    };
    serde_json::json!({
        "title": format!("Jumlah UMKM per {per}, {region}{title_period}"),
        "description": format!(
            "Jumlah UMKM aktif dan terverifikasi dalam registri Sentra per {per} di {region}: \
             menurut skala usaha (PP 7/2021 Pasal 35) dan yang memiliki NIB serta sertifikat \
             halal yang masih berlaku pada tanggal data (aturan hitung: {base}/aturan-hitung). \
             Data agregat tanpa data pribadi; angka di bawah {THRESHOLD} tidak ditampilkan, \
             begitu pula angka pendamping secukupnya agar angka itu tidak dapat dihitung dari \
             jumlah baris, kolom atau berkas per kecamatan, sehingga tidak ada usaha yang dapat \
             dikenali."
        ),
        "period": period,
        "source": format!("Registri UMKM Sentra, {region}"),
        "licence": LICENCE,
        "region_codes": DECREE,
        "counting_rules": format!("{base}/aturan-hitung"),
        "suppression": { "threshold": THRESHOLD, "withheld_as": "kosong / null" },
        "columns": COLUMNS,
        "url": file_url(base, "csv", level, year),
    })
}

async fn csv_file(State(state): State<AppState>, PageQuery(q): PageQuery<DataQuery>) -> PageResult {
    let level = level_of(&q.level);
    let year = period_of(&q.year)?;
    let rows = published(&state, level, year).await?;
    let mut lines = vec![COLUMNS.iter().map(|c| c.to_string()).collect::<Vec<_>>()];
    for r in rows {
        let mut line = vec![r.code, r.name];
        line.extend(
            r.cells
                .iter()
                .map(|c| c.map(|n| n.to_string()).unwrap_or_default()),
        );
        lines.push(line);
    }
    let body = csv_bytes(lines)?;
    Ok(csv_response(
        "attachment; filename=\"umkm-per-wilayah.csv\"",
        body,
    ))
}

async fn json_file(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageQuery(q): PageQuery<DataQuery>,
) -> PageResult {
    let level = level_of(&q.level);
    let year = period_of(&q.year)?;
    let rows = published(&state, level, year).await?;
    let base = site_base(&state, &headers);
    let data: Vec<serde_json::Value> = rows
        .into_iter()
        .map(|r| {
            let mut o = serde_json::Map::new();
            o.insert(COLUMNS[0].into(), r.code.into());
            o.insert(COLUMNS[1].into(), r.name.into());
            for (k, v) in COLUMNS[2..].iter().zip(r.cells) {
                o.insert((*k).into(), v.into());
            }
            serde_json::Value::Object(o)
        })
        .collect();
    Ok(axum::Json(serde_json::json!({
        "metadata": metadata(&state, &base, level, year),
        "data": data,
    }))
    .into_response())
}

pub struct DatasetLinks {
    /// Its name in the catalogues, the anchor of its section.
    pub name: &'static str,
    pub title: String,
    pub description: String,
    pub csv: String,
    pub json: String,
    pub years: Vec<(i32, String, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "insight/opendata.html")]
pub struct OpenDataPage {
    pub c: Chrome,
    pub l: Lang,
    /// (title, description, csv, json, past years as (year, csv, json)) per dataset.
    pub datasets: Vec<DatasetLinks>,
    pub licence: &'static str,
    pub decree: &'static str,
    /// How small counts are withheld.
    pub suppression: String,
}

/// A dataset's links on the page: its files now, and each past year's.
fn dataset_links(
    name: &'static str,
    m: &serde_json::Value,
    url: impl Fn(&str, Option<i32>) -> String,
) -> DatasetLinks {
    DatasetLinks {
        name,
        title: m["title"].as_str().unwrap_or_default().to_string(),
        description: m["description"].as_str().unwrap_or_default().to_string(),
        csv: url("csv", None),
        json: url("json", None),
        years: (1..=PAST_YEARS)
            .map(|n| {
                let y = this_year() - n;
                (y, url("csv", Some(y)), url("json", Some(y)))
            })
            .collect(),
    }
}

async fn catalogue_page(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    uri: Uri,
    visitor: Result<crate::auth::Caller, axum::response::Response>,
) -> Response {
    let base = site_base(&state, &headers);
    let mut datasets: Vec<DatasetLinks> = LEVELS
        .into_iter()
        .map(|level| {
            let m = metadata(&state, &base, level, None);
            dataset_links(catalog::level_dataset(level), &m, |ext, y| {
                file_url("", ext, level, y)
            })
        })
        .collect();
    let procurement = procurement_metadata(&state, &base, this_year(), crate::clock::today());
    datasets.push(dataset_links(
        catalog::PROCUREMENT,
        &procurement,
        |ext, y| procurement_url("", ext, y),
    ));
    OpenDataPage {
        c: Chrome::new(lang, lang.t("data.title").into_owned(), &uri).for_visitor(&visitor),
        l: lang,
        datasets,
        licence: LICENCE,
        decree: DECREE,
        suppression: lang.tf("data.suppression", &[("n", &THRESHOLD.to_string())]),
    }
    .into_response()
}
