//! Reading UMKM from the spreadsheets offices already have: which column is which (from the
//! headers people actually write), and each row's cells turned into an [`UmkmInput`] the usual
//! validation then checks. Cells arrive as text; the reader of the file (xlsx, ods, csv, …) lives
//! outside the domain.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::region::{RegionCode, RegionLevel, RegionTree, Resolution};
use crate::umkm::{LegalDocumentInput, LegalKind, UmkmInput};

/// What a column can hold. The names are the form's field names, so that validation errors
/// (`nik`, `documents.nib.number`) point straight back at a column.
pub const TARGETS: &[&str] = &[
    "name",
    "brand",
    "owner_name",
    "nik",
    "phone",
    "address",
    "district",
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
    "documents.nib.number",
    "documents.npwp.number",
    "documents.pirt.number",
    "documents.bpom.number",
    "documents.halal.number",
    "links.whatsapp",
    "links.instagram",
    "links.website",
];

/// Headers as offices write them, normalised by [`normalize_header`].
const HEADER_SYNONYMS: &[(&str, &[&str])] = &[
    (
        "name",
        &[
            "nama usaha",
            "nama umkm",
            "nama ukm",
            "nama perusahaan",
            "nama toko",
            "nama unit usaha",
            "usaha",
            "business name",
            "name",
        ],
    ),
    (
        "brand",
        &["merek", "merk", "merek dagang", "brand", "nama merek"],
    ),
    (
        "owner_name",
        &[
            "nama pemilik",
            "pemilik",
            "nama pemilik usaha",
            "nama pelaku usaha",
            "pelaku usaha",
            "nama lengkap",
            "nama",
            "owner",
            "owner name",
        ],
    ),
    (
        "nik",
        &[
            "nik",
            "nik pemilik",
            "no nik",
            "nomor nik",
            "no ktp",
            "nomor ktp",
            "nik ktp",
        ],
    ),
    (
        "phone",
        &[
            "no hp",
            "no hp wa",
            "no wa",
            "no hp whatsapp",
            "nomor hp",
            "nomor hp wa",
            "hp",
            "hp wa",
            "wa",
            "whatsapp",
            "telepon",
            "telp",
            "no telp",
            "no telepon",
            "nomor telepon",
            "kontak",
            "phone",
        ],
    ),
    (
        "address",
        &["alamat", "alamat usaha", "alamat lengkap", "address"],
    ),
    ("district", &["kecamatan", "kec", "district"]),
    (
        "village",
        &[
            "kelurahan",
            "desa",
            "kel",
            "desa kelurahan",
            "kelurahan desa",
            "kode wilayah",
            "village",
            "region code",
        ],
    ),
    (
        "sector",
        &[
            "jenis usaha",
            "sektor",
            "sektor usaha",
            "bidang usaha",
            "kategori usaha",
            "kategori",
            "sector",
        ],
    ),
    ("kbli_code", &["kbli", "kode kbli", "no kbli"]),
    (
        "year_started",
        &[
            "tahun berdiri",
            "tahun mulai",
            "tahun mulai usaha",
            "mulai usaha",
            "tahun",
            "year started",
        ],
    ),
    (
        "modal",
        &[
            "modal",
            "modal usaha",
            "aset",
            "asset",
            "modal tahun",
            "kekayaan bersih",
            "capital",
        ],
    ),
    (
        "annual_sales",
        &[
            "omzet",
            "omset",
            "omzet tahun",
            "omset tahun",
            "omzet tahunan",
            "omset tahunan",
            "omzet per tahun",
            "omset per tahun",
            "penjualan tahunan",
            "hasil penjualan tahunan",
            "annual sales",
        ],
    ),
    (
        "employees_male",
        &[
            "tenaga kerja laki laki",
            "tenaga kerja l",
            "tk laki laki",
            "tk l",
            "karyawan laki laki",
            "karyawan l",
            "laki laki",
            "male workers",
        ],
    ),
    (
        "employees_female",
        &[
            "tenaga kerja perempuan",
            "tenaga kerja p",
            "tk perempuan",
            "tk p",
            "karyawan perempuan",
            "karyawan p",
            "perempuan",
            "female workers",
        ],
    ),
    ("latitude", &["latitude", "lat", "lintang"]),
    ("longitude", &["longitude", "long", "lng", "bujur"]),
    (
        "documents.nib.number",
        &["nib", "no nib", "nomor nib", "nomor induk berusaha"],
    ),
    ("documents.npwp.number", &["npwp", "no npwp", "nomor npwp"]),
    (
        "documents.pirt.number",
        &[
            "pirt",
            "p irt",
            "no pirt",
            "no p irt",
            "sppirt",
            "nomor pirt",
        ],
    ),
    (
        "documents.bpom.number",
        &["bpom", "bpom md", "no bpom", "izin edar bpom"],
    ),
    (
        "documents.halal.number",
        &[
            "halal",
            "sertifikat halal",
            "no sertifikat halal",
            "nomor sertifikat halal",
        ],
    ),
    ("links.whatsapp", &["link wa", "link whatsapp"]),
    ("links.instagram", &["instagram", "ig", "akun instagram"]),
    ("links.website", &["website", "situs web", "web"]),
];

/// Words that say what unit a column is in or what number it has, not what it holds.
const HEADER_NOISE: &[&str] = &["rp", "idr", "rupiah", "no.", "orang", "thn"];

/// `No. HP/WA` → `no hp wa`; `Omzet/Tahun (Rp)` → `omzet tahun`; `  NAMA  USAHA ` → `nama usaha`.
pub fn normalize_header(header: &str) -> String {
    let lowered = header.to_lowercase();
    let words: Vec<&str> = lowered
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && !HEADER_NOISE.contains(w))
        .collect();
    words.join(" ")
}

/// The target a header names, if any.
pub fn guess_target(header: &str) -> Option<&'static str> {
    let h = normalize_header(header);
    if h.is_empty() {
        return None;
    }
    HEADER_SYNONYMS
        .iter()
        .find(|(_, names)| names.contains(&h.as_str()))
        .map(|(t, _)| *t)
}

/// Which target each column of the file holds (`None`: ignored). Saved and edited by users.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mapping {
    pub columns: Vec<Option<String>>,
}

impl Mapping {
    /// The automatic guess from the headers; a target claimed twice keeps its first column.
    pub fn guess(headers: &[String]) -> Self {
        let mut seen = Vec::new();
        let columns = headers
            .iter()
            .map(|h| {
                let t = guess_target(h)?;
                if seen.contains(&t) {
                    return None;
                }
                seen.push(t);
                Some(t.to_string())
            })
            .collect();
        Self { columns }
    }

    pub fn mapped(&self) -> usize {
        self.columns.iter().flatten().count()
    }

    pub fn column_of(&self, target: &str) -> Option<usize> {
        self.columns
            .iter()
            .position(|c| c.as_deref() == Some(target))
    }

    /// A mapping must name the business, its owner and where it is; targets must be known.
    pub fn check(&self) -> Result<(), Vec<&'static str>> {
        let mut missing = Vec::new();
        for t in self.columns.iter().flatten() {
            if !TARGETS.contains(&t.as_str()) {
                missing.push("mapping_target_unknown");
            }
        }
        for required in ["name", "owner_name", "village"] {
            if self.column_of(required).is_none() {
                missing.push(match required {
                    "name" => "mapping_needs_name",
                    "owner_name" => "mapping_needs_owner",
                    _ => "mapping_needs_village",
                });
            }
        }
        if missing.is_empty() {
            Ok(())
        } else {
            Err(missing)
        }
    }
}

/// Finds the header row among the first rows of a sheet (titles and blank lines often come
/// first) and, when the header spans two rows (a merged `Tenaga Kerja` over `L` and `P`),
/// combines them. Returns the headers and how many rows they take from `header_start`.
pub fn find_header(first_rows: &[Vec<String>]) -> Option<(usize, Vec<String>, usize)> {
    let mut best: Option<(usize, Vec<String>, usize, usize)> = None;
    for (i, row) in first_rows.iter().enumerate().take(15) {
        let single = row.clone();
        let single_score = Mapping::guess(&single).mapped();
        let mut candidate = (i, single, 1, single_score);
        if let Some(next) = first_rows.get(i + 1) {
            let combined = combine_header_rows(row, next);
            let score = Mapping::guess(&combined).mapped();
            if score > single_score {
                candidate = (i, combined, 2, score);
            }
        }
        if candidate.3 >= 2 && best.as_ref().is_none_or(|b| candidate.3 > b.3) {
            best = Some(candidate);
        }
    }
    best.map(|(i, h, n, _)| (i, h, n))
}

/// A merged cell's text is only in its first column: carry it right over the empty cells and
/// append the sub-header below (`Tenaga Kerja` + `L` → `Tenaga Kerja L`).
fn combine_header_rows(top: &[String], below: &[String]) -> Vec<String> {
    let width = top.len().max(below.len());
    let mut carried = String::new();
    (0..width)
        .map(|i| {
            let t = top.get(i).map_or("", |s| s.trim());
            let b = below.get(i).map_or("", |s| s.trim());
            if !t.is_empty() {
                carried = t.to_string();
            } else if b.is_empty() {
                carried.clear();
            }
            let head = if t.is_empty() && !b.is_empty() {
                carried.as_str()
            } else {
                t
            };
            match (head.is_empty(), b.is_empty()) {
                (true, _) => b.to_string(),
                (false, true) => head.to_string(),
                (false, false) => format!("{head} {b}"),
            }
        })
        .collect()
}

/// A sector of the managed list, with its names in both languages.
#[derive(Debug, Clone)]
pub struct SectorName {
    pub code: String,
    pub name_id: String,
    pub name_en: String,
}

/// Words people write for a sector instead of its name in the list.
const SECTOR_SYNONYMS: &[(&str, &str)] = &[
    ("makanan", "kuliner"),
    ("minuman", "kuliner"),
    ("makanan minuman", "kuliner"),
    ("makanan dan minuman", "kuliner"),
    ("mamin", "kuliner"),
    ("olahan pangan", "kuliner"),
    ("catering", "kuliner"),
    ("katering", "kuliner"),
    ("fashion", "fesyen"),
    ("konveksi", "fesyen"),
    ("busana", "fesyen"),
    ("pakaian", "fesyen"),
    ("kerajinan", "kriya"),
    ("kerajinan tangan", "kriya"),
    ("handicraft", "kriya"),
    ("dagang", "perdagangan"),
    ("toko", "perdagangan"),
    ("warung", "perdagangan"),
    ("kelontong", "perdagangan"),
    ("retail", "perdagangan"),
    ("jasa", "jasa"),
    ("salon", "kecantikan"),
    ("bengkel", "otomotif"),
    ("peternakan", "pertanian"),
    ("perikanan", "pertanian"),
    ("perkebunan", "pertanian"),
    ("industri", "industri"),
    ("manufaktur", "industri"),
    ("ekonomi kreatif", "digital"),
    ("kreatif", "digital"),
    ("wisata", "pariwisata"),
    // What a kecamatan's list says a business makes or does (issue 31: "Kue", "Batik",
    // "Laundry" were refused in 7 of 8 rows). A word names the sector most such businesses
    // are registered under; the office can correct one record afterwards.
    ("kue", "kuliner"),
    ("kue kering", "kuliner"),
    ("kue basah", "kuliner"),
    ("roti", "kuliner"),
    ("bakery", "kuliner"),
    ("keripik", "kuliner"),
    ("kripik", "kuliner"),
    ("camilan", "kuliner"),
    ("cemilan", "kuliner"),
    ("snack", "kuliner"),
    ("makanan ringan", "kuliner"),
    ("sambal", "kuliner"),
    ("kopi", "kuliner"),
    ("minuman kopi", "kuliner"),
    ("jamu", "kuliner"),
    ("frozen food", "kuliner"),
    ("makanan beku", "kuliner"),
    ("warung makan", "kuliner"),
    ("rumah makan", "kuliner"),
    ("kedai", "kuliner"),
    ("restoran", "kuliner"),
    ("batik", "fesyen"),
    ("jahit", "fesyen"),
    ("penjahit", "fesyen"),
    ("bordir", "fesyen"),
    ("hijab", "fesyen"),
    ("sepatu", "fesyen"),
    ("tas", "fesyen"),
    ("aksesoris", "fesyen"),
    ("tenun", "kriya"),
    ("anyaman", "kriya"),
    ("ukiran", "kriya"),
    ("gerabah", "kriya"),
    ("keramik", "kriya"),
    ("souvenir", "kriya"),
    ("suvenir", "kriya"),
    ("laundry", "jasa"),
    ("laundri", "jasa"),
    ("binatu", "jasa"),
    ("percetakan", "jasa"),
    ("sablon", "jasa"),
    ("fotokopi", "jasa"),
    ("fotocopy", "jasa"),
    ("service elektronik", "jasa"),
    ("servis", "jasa"),
    ("sembako", "perdagangan"),
    ("pulsa", "perdagangan"),
    ("konter", "perdagangan"),
    ("counter hp", "perdagangan"),
    ("toko kelontong", "perdagangan"),
    ("minimarket", "perdagangan"),
    ("grosir", "perdagangan"),
    ("kosmetik", "kecantikan"),
    ("kecantikan", "kecantikan"),
    ("barbershop", "kecantikan"),
    ("pangkas rambut", "kecantikan"),
    ("pijat", "kecantikan"),
    ("spa", "kecantikan"),
    ("cuci motor", "otomotif"),
    ("cuci mobil", "otomotif"),
    ("tambal ban", "otomotif"),
    ("sparepart", "otomotif"),
    ("suku cadang", "otomotif"),
    ("tani", "pertanian"),
    ("petani", "pertanian"),
    ("ternak", "pertanian"),
    ("ikan", "pertanian"),
    ("budidaya ikan", "pertanian"),
    ("sayur", "pertanian"),
    ("hidroponik", "pertanian"),
    ("mebel", "industri"),
    ("furniture", "industri"),
    ("meubel", "industri"),
    ("konveksi pakaian", "fesyen"),
    ("desain grafis", "digital"),
    ("fotografi", "digital"),
    ("aplikasi", "digital"),
    ("homestay", "pariwisata"),
    ("travel", "pariwisata"),
];

/// The names of the sectors in force, for a message that lists what a cell may say.
pub fn sector_choices(sectors: &[SectorName]) -> String {
    sectors
        .iter()
        .map(|s| s.name_id.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The sector code a cell names: a code, a name in either language, or a common synonym.
pub fn match_sector(value: &str, sectors: &[SectorName]) -> Option<String> {
    let v = normalize_header(value);
    if v.is_empty() {
        return None;
    }
    let exact = sectors.iter().find(|s| {
        s.code == v || normalize_header(&s.name_id) == v || normalize_header(&s.name_en) == v
    });
    if let Some(s) = exact {
        return Some(s.code.clone());
    }
    SECTOR_SYNONYMS
        .iter()
        .find(|(word, _)| *word == v)
        .map(|(_, code)| *code)
        .filter(|code| sectors.iter().any(|s| s.code == *code))
        .map(str::to_string)
}

/// What one row's cells say, before validation. `problems` are those found while reading
/// (a region name that fits several places, a NIK that Excel rounded); validation adds its own.
#[derive(Debug, Clone)]
pub struct ConvertedRow {
    pub input: UmkmInput,
    pub problems: Vec<RowProblem>,
}

/// One problem of one row: the target (the column it came from is found through the mapping),
/// the error code, and a hint (the candidates of an ambiguous region name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowProblem {
    pub field: String,
    pub code: String,
    pub hint: Option<String>,
    /// The cell as written, for a problem with a value the office may map (an unknown sector
    /// word).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

pub struct ImportContext<'a> {
    pub regions: &'a RegionTree,
    /// Region names are looked up inside this region (the deployment's, or the caller's scope).
    pub within: &'a RegionCode,
    pub sectors: &'a [SectorName],
    /// Words the office mapped to a sector (by [`normalize_header`]), read after the list's
    /// own names and the common synonyms.
    pub sector_words: &'a HashMap<String, String>,
}

/// Excel keeps 15 significant digits: a 16-digit NIK typed into a number cell comes back with
/// its last digit zeroed. The reader marks such cells with this prefix.
pub const NUMERIC_CELL_MARK: char = '\u{1}';

/// How a row that matches a stored record changes it (issue 29: a blank cell in a re-imported
/// file wiped 129 stored turnovers).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UpdateMode {
    /// Filled cells replace the stored values; a blank cell keeps its value unless
    /// [`ImportOptions::clear_blank`] was chosen.
    #[default]
    Update,
    /// Only fields empty in the stored record are filled; nothing stored is replaced.
    FillEmpty,
}

impl UpdateMode {
    pub fn as_str(self) -> &'static str {
        match self {
            UpdateMode::Update => "update",
            UpdateMode::FillEmpty => "fill_empty",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [UpdateMode::Update, UpdateMode::FillEmpty]
            .into_iter()
            .find(|m| m.as_str() == s)
    }
}

/// The choices of one import about stored values.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportOptions {
    pub mode: UpdateMode,
    /// A blank cell clears the stored value: an explicit choice, never the default. Has no
    /// effect with [`UpdateMode::FillEmpty`].
    pub clear_blank: bool,
}

impl ImportOptions {
    /// Whether a cell replaces the stored value: `stored` empty or not, `cell` blank or not.
    fn replaces(self, stored_empty: bool, cell_blank: bool) -> bool {
        match self.mode {
            UpdateMode::FillEmpty => stored_empty && !cell_blank,
            UpdateMode::Update => !cell_blank || self.clear_blank,
        }
    }
}

/// Turns one row into an input. `base` is the record's current input when the row updates an
/// existing business: columns the file does not have keep their values, and so do blank cells
/// unless `options` say otherwise.
pub fn convert_row(
    cells: &[String],
    mapping: &Mapping,
    ctx: &ImportContext<'_>,
    base: Option<&UmkmInput>,
    options: ImportOptions,
) -> ConvertedRow {
    let mut problems = Vec::new();
    let mut values: HashMap<&str, String> = HashMap::new();
    for (i, target) in mapping.columns.iter().enumerate() {
        let Some(target) = target.as_deref() else {
            continue;
        };
        let raw = cells.get(i).map_or("", String::as_str);
        let numeric = raw.starts_with(NUMERIC_CELL_MARK);
        let cell = clean_cell(raw);
        if target == "nik" && numeric && cell.len() >= 16 && cell.ends_with('0') {
            problems.push(RowProblem {
                field: "nik".into(),
                code: "nik_number_cell".into(),
                hint: None,
                value: None,
            });
        }
        if let Some(t) = TARGETS.iter().find(|t| **t == target) {
            values.insert(t, cell);
        }
    }
    let mut input = base.cloned().unwrap_or_default();
    // A new record takes every mapped cell; a stored one only the cells the options let
    // replace its values.
    let updating = base.is_some();
    let takes = |t: &str, stored_empty: bool| match values.get(t) {
        None => false,
        Some(v) => !updating || options.replaces(stored_empty, v.is_empty()),
    };
    let has = |t: &str| values.contains_key(t);
    let get = |t: &str| values.get(t).cloned().unwrap_or_default();
    for (target, slot) in [
        ("name", &mut input.name),
        ("brand", &mut input.brand),
        ("owner_name", &mut input.owner_name),
        ("nik", &mut input.nik),
        ("phone", &mut input.phone),
        ("address", &mut input.address),
        ("kbli_code", &mut input.kbli_code),
        ("year_started", &mut input.year_started),
        ("modal", &mut input.modal),
        ("annual_sales", &mut input.annual_sales),
        ("employees_male", &mut input.employees_male),
        ("employees_female", &mut input.employees_female),
        ("latitude", &mut input.latitude),
        ("longitude", &mut input.longitude),
    ] {
        if takes(target, slot.is_empty()) {
            *slot = get(target);
        }
    }
    if !input.kbli_code.is_empty() && input.kbli_version.is_empty() {
        input.kbli_version = "2020".into();
    }
    if input.kbli_code.is_empty() {
        input.kbli_version.clear();
    }
    if takes("sector", input.sector.is_empty()) {
        let v = get("sector");
        let office_word = || {
            ctx.sector_words
                .get(&normalize_header(&v))
                .filter(|code| ctx.sectors.iter().any(|s| &s.code == *code))
                .cloned()
        };
        match match_sector(&v, ctx.sectors).or_else(office_word) {
            Some(code) => input.sector = code,
            None => {
                // Named with the sectors it may say, so the office fixes the file in one go.
                if !v.trim().is_empty() {
                    problems.push(RowProblem {
                        field: "sector".into(),
                        code: "sector_unknown".into(),
                        hint: Some(sector_choices(ctx.sectors)),
                        value: Some(v.trim().to_string()),
                    });
                }
                input.sector = v;
            }
        }
    }
    if takes("village", input.village_code.is_empty()) {
        let district = has("district").then(|| get("district"));
        match resolve_village(&get("village"), district.as_deref(), ctx) {
            Ok(code) => input.village_code = code,
            Err(p) => {
                input.village_code = String::new();
                problems.push(p);
            }
        }
    }
    for kind in LegalKind::ALL {
        let target = format!("documents.{}.number", kind.as_str());
        let stored_empty = !input.documents.iter().any(|d| d.kind == kind.as_str());
        if !takes(&target, stored_empty) {
            continue;
        }
        let number = get(&target);
        // The same number as the record's keeps the record's dates; the file has none.
        let same = |a: &str, b: &str| {
            let digits = |s: &str| {
                s.chars()
                    .filter(char::is_ascii_alphanumeric)
                    .collect::<String>()
            };
            digits(a).eq_ignore_ascii_case(&digits(b))
        };
        if input
            .documents
            .iter()
            .any(|d| d.kind == kind.as_str() && same(&d.number, &number))
        {
            continue;
        }
        input.documents.retain(|d| d.kind != kind.as_str());
        if !number.is_empty() {
            input.documents.push(LegalDocumentInput {
                kind: kind.as_str().into(),
                number,
                issued_on: String::new(),
                expires_on: String::new(),
            });
        }
    }
    for link in ["whatsapp", "instagram", "website"] {
        let target = format!("links.{link}");
        let stored_empty = !input.links.iter().any(|(k, _)| k == link);
        if takes(&target, stored_empty) {
            input.links.retain(|(k, _)| k != link);
            let url = get(&target);
            if !url.is_empty() {
                input.links.push((link.into(), url));
            }
        }
    }
    ConvertedRow { input, problems }
}

/// Stray spaces (also non-breaking ones), the numeric-cell mark, a leading apostrophe that
/// forced text in Excel.
pub fn clean_cell(raw: &str) -> String {
    let s = raw.trim_start_matches(NUMERIC_CELL_MARK);
    let s = s.strip_prefix('\'').unwrap_or(s);
    s.split(|c: char| c.is_whitespace() || c == '\u{a0}')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A kelurahan given by code or by name (optionally with its kecamatan), inside `ctx.within`.
fn resolve_village(
    village: &str,
    district: Option<&str>,
    ctx: &ImportContext<'_>,
) -> Result<String, RowProblem> {
    let problem = |code: &str, hint: Option<String>| RowProblem {
        field: "village".into(),
        code: code.into(),
        hint,
        value: None,
    };
    if village.is_empty() {
        return Err(problem("required", None));
    }
    let mut within = ctx.within.clone();
    if let Some(d) = district.filter(|d| !d.is_empty()) {
        match ctx
            .regions
            .resolve(d, Some(ctx.within), Some(RegionLevel::District))
        {
            Resolution::Found(r) => within = r.code.clone(),
            Resolution::Ambiguous(list) => {
                return Err(RowProblem {
                    field: "district".into(),
                    code: "region_ambiguous".into(),
                    hint: Some(candidates(ctx, list.iter().map(|m| &m.region.code))),
                    value: None,
                });
            }
            Resolution::NotFound => {
                return Err(RowProblem {
                    field: "district".into(),
                    code: "region_not_found".into(),
                    hint: None,
                    value: None,
                });
            }
        }
    }
    match ctx
        .regions
        .resolve(village, Some(&within), Some(RegionLevel::Village))
    {
        Resolution::Found(r) if r.level == RegionLevel::Village => Ok(r.code.as_str().to_string()),
        Resolution::Found(_) => Err(problem("region_not_village", None)),
        Resolution::Ambiguous(list) => Err(problem(
            "region_ambiguous",
            Some(candidates(ctx, list.iter().map(|m| &m.region.code))),
        )),
        Resolution::NotFound => Err(problem("region_not_found", None)),
    }
}

/// `Pondok Jaya (Pondok Aren, 36.74.03.1009); Pondok Jaya (Cipayung, …)`
fn candidates<'a>(ctx: &ImportContext<'_>, codes: impl Iterator<Item = &'a RegionCode>) -> String {
    codes
        .take(5)
        .map(|c| {
            let lineage = ctx.regions.lineage(c);
            let name = lineage.last().map_or("", |r| r.name.as_str());
            let parent = lineage
                .len()
                .checked_sub(2)
                .and_then(|i| lineage.get(i))
                .map_or("", |r| r.name.as_str());
            format!("{name} ({parent}, {})", c.as_str())
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests;
