//! The open datasets described once — names, titles, keywords, periods and files — for every
//! reader of the catalogue: the `/data` page, the Project Open Data file (`/data.json`), the
//! DCAT-AP graph (`/data/katalog.jsonld`, `.ttl`) and the CKAN Action API (`/api/3/action/*`).

use sentra_domain::region::{DECREE, RegionLevel};

use super::{
    LEVELS, LICENCE, PAST_YEARS, file_url, level_key, metadata, procurement_metadata,
    procurement_url, this_year,
};
use crate::AppState;

/// CKAN's licence id for Creative Commons Attribution (its default licence list), which the
/// files are published under ([`LICENCE`], version 4.0).
pub(super) const LICENCE_ID: &str = "cc-by";
pub(super) const LICENCE_TITLE: &str = "Creative Commons Attribution 4.0 (CC BY 4.0)";

/// The deployment's open data as one catalogue.
pub(super) struct Catalogue {
    /// `https://umkm.example.go.id`: every address below starts with it.
    pub base: String,
    pub title: String,
    pub description: String,
    /// The region publishing (`Kota Tangerang Selatan`) and its code.
    pub publisher: String,
    pub region_code: String,
    /// The organisation's name as CKAN spells names (`kota-tangerang-selatan`).
    pub organisation: String,
    /// Where people and harvesters write to about the data (`serve --data-contact`).
    pub contact_email: Option<String>,
    pub modified: String,
    pub datasets: Vec<Dataset>,
}

/// One dataset: a series of files of the same columns over periods.
pub(super) struct Dataset {
    /// CKAN's rules for names: 2–100 characters of `a-z`, `0-9`, `-` and `_`.
    pub name: &'static str,
    /// What harvesters have known it by since the first catalogue (kept: a harvester that
    /// sees a new identifier makes a second dataset).
    pub identifier: String,
    pub title: String,
    pub description: String,
    /// CKAN's rules for tags: letters, digits, spaces, `-`, `_` and `.`, 2–100 characters.
    pub keywords: Vec<String>,
    /// `YYYY-MM-DD`: the day its current figures are of.
    pub modified: String,
    /// `YYYY-MM-DD` bounds of all its periods.
    pub start: String,
    pub end: String,
    pub conforms_to: Option<&'static str>,
    pub resources: Vec<Resource>,
}

/// One downloadable file of a dataset.
pub(super) struct Resource {
    /// Unique in the catalogue (`umkm-per-kecamatan-2025-csv`), for CKAN's `resource_show`.
    pub id: String,
    pub title: String,
    /// `CSV` or `JSON`.
    pub format: &'static str,
    pub media_type: &'static str,
    pub url: String,
}

impl Catalogue {
    pub fn landing_page(&self) -> String {
        format!("{}/data", self.base)
    }

    pub fn dataset(&self, name: &str) -> Option<&Dataset> {
        self.datasets.iter().find(|d| d.name == name)
    }
}

impl Dataset {
    /// The dataset's own place on the `/data` page.
    pub fn landing_page(&self, base: &str) -> String {
        format!("{base}/data#{}", self.name)
    }

    /// A stable address naming it (its `@id` in the graph).
    pub fn uri(&self, base: &str) -> String {
        format!("{base}/data/{}", self.name)
    }
}

/// The name of a level's dataset in the catalogues.
pub(super) fn level_dataset(level: RegionLevel) -> &'static str {
    if level == RegionLevel::Village {
        "umkm-per-kelurahan"
    } else {
        "umkm-per-kecamatan"
    }
}

pub(super) const PROCUREMENT: &str = "pengadaan-per-opd";

const FORMATS: [(&str, &str, &str); 2] = [
    ("csv", "CSV", "text/csv"),
    ("json", "JSON", "application/json"),
];

/// A name or keyword as CKAN accepts it: characters it refuses become spaces (`Perpres
/// 12/2021` → `Perpres 12 2021`), runs of spaces one.
pub(super) fn ckan_tag(text: &str) -> String {
    let kept: String = text
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || " -_.".contains(c) {
                c
            } else {
                ' '
            }
        })
        .collect();
    kept.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `Kota Tangerang Selatan` → `kota-tangerang-selatan` (CKAN's name rule).
pub(super) fn ckan_name(text: &str) -> String {
    let lower: String = text
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let name = lower
        .split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    if name.len() < 2 {
        format!("wilayah-{name}")
    } else {
        name.chars().take(100).collect()
    }
}

/// The catalogue as of today, its addresses under `base`.
pub(super) fn catalogue(state: &AppState, base: &str) -> Catalogue {
    let region = state.region_name(state.home().as_str());
    let today = crate::clock::today();
    let today_text = today.format("%Y-%m-%d").to_string();
    let first_year = this_year() - PAST_YEARS;
    let mut datasets: Vec<Dataset> = LEVELS
        .into_iter()
        .map(|level| {
            let m = metadata(state, base, level, None);
            let key = level_key(level);
            let years =
                std::iter::once(None).chain((1..=PAST_YEARS).map(|n| Some(this_year() - n)));
            let periods = years.map(|year| {
                let (id, title) = year.map_or_else(
                    || ("terkini".to_string(), "Terkini".to_string()),
                    |y| (y.to_string(), format!("Akhir tahun {y}")),
                );
                (id, title, year)
            });
            let resources = files(&format!("umkm-per-{key}"), periods, |ext, year| {
                file_url(base, ext, level, year)
            });
            Dataset {
                name: level_dataset(level),
                identifier: format!("{base}/data/umkm-per-wilayah?tingkat={key}"),
                title: text(&m["title"]),
                description: text(&m["description"]),
                keywords: ["UMKM", "NIB", "halal", "skala usaha", &region]
                    .iter()
                    .map(|k| ckan_tag(k))
                    .collect(),
                modified: today_text.clone(),
                start: format!("{first_year}-01-01"),
                end: today_text.clone(),
                conforms_to: Some(DECREE),
                resources,
            }
        })
        .collect();
    let m = procurement_metadata(state, base, this_year(), today);
    let periods = (0..=PAST_YEARS)
        .map(|n| this_year() - n)
        .map(|y| (y.to_string(), y.to_string(), Some(y)));
    let resources = files(PROCUREMENT, periods, |ext, year| {
        procurement_url(base, ext, year)
    });
    datasets.push(Dataset {
        name: PROCUREMENT,
        identifier: format!("{base}/data/{PROCUREMENT}"),
        title: format!("Belanja pengadaan OPD ke usaha mikro, kecil dan koperasi, {region}"),
        description: text(&m["description"]),
        keywords: ["pengadaan", "UMKM", "Perpres 12/2021", "40 persen"]
            .iter()
            .map(|k| ckan_tag(k))
            .collect(),
        modified: today_text.clone(),
        start: format!("{first_year}-01-01"),
        end: today_text.clone(),
        conforms_to: None,
        resources,
    });
    Catalogue {
        base: base.to_string(),
        title: format!("Data terbuka UMKM {region}"),
        description: format!(
            "Data agregat registri UMKM dan belanja pengadaan {region} dari Sentra, tanpa data \
             pribadi, dengan lisensi CC BY 4.0 ({LICENCE})."
        ),
        organisation: ckan_name(&region),
        publisher: region,
        region_code: state.home().as_str().to_string(),
        contact_email: state.data_contact().map(str::to_string),
        modified: today_text,
        datasets,
    }
}

/// A dataset's files: each period (its id part, title and year) in each format.
fn files(
    dataset: &str,
    periods: impl Iterator<Item = (String, String, Option<i32>)>,
    url: impl Fn(&str, Option<i32>) -> String,
) -> Vec<Resource> {
    let mut out = Vec::new();
    for (id, title, year) in periods {
        for (ext, format, media_type) in FORMATS {
            out.push(Resource {
                id: format!("{dataset}-{id}-{ext}"),
                title: format!("{title} ({format})"),
                format,
                media_type,
                url: url(ext, year),
            });
        }
    }
    out
}

fn text(v: &serde_json::Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_and_names_follow_ckans_rules() {
        assert_eq!(ckan_tag("Perpres 12/2021"), "Perpres 12 2021");
        assert_eq!(
            ckan_tag("Kab. Pangkajene  Dan Kepulauan"),
            "Kab. Pangkajene Dan Kepulauan"
        );
        assert_eq!(
            ckan_name("Kota Tangerang Selatan"),
            "kota-tangerang-selatan"
        );
        assert_eq!(ckan_name("Kab. Toba (Samosir)"), "kab-toba-samosir");
        assert_eq!(ckan_name("X"), "wilayah-x");
    }
}
