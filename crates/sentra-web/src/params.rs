//! Query parameters of the registry list, shared by the page and the API so both filter alike.

use sentra_domain::FieldErrors;
use sentra_domain::region::{RegionCode, RegionLevel, RegionTree};
use sentra_domain::size::SizeClass;
use sentra_domain::umkm::{LegalKind, UmkmStatus};
use sentra_storage::{LegalityFilter, PageRequest, SortDirection, UmkmFilter, UmkmSort};

pub const DEFAULT_PER_PAGE: u32 = 25;

#[derive(Debug, Clone)]
pub struct ListParams {
    pub filter: UmkmFilter,
    pub sort: UmkmSort,
    pub direction: SortDirection,
    pub page: PageRequest,
}

fn get<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .rev()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

/// `has_nib`, `no_halal`, …
pub fn parse_legality(s: &str) -> Option<LegalityFilter> {
    if let Some(k) = s.strip_prefix("has_") {
        LegalKind::parse(k).map(LegalityFilter::Has)
    } else if let Some(k) = s.strip_prefix("no_") {
        LegalKind::parse(k).map(LegalityFilter::Lacks)
    } else {
        None
    }
}

pub fn legality_str(f: LegalityFilter) -> String {
    match f {
        LegalityFilter::Has(k) => format!("has_{}", k.as_str()),
        LegalityFilter::Lacks(k) => format!("no_{}", k.as_str()),
    }
}

/// The region filter: `region=CODE`, or the deepest consistent of the drill-down selects
/// `province`, `regency`, `district`, `village` (a stale deeper choice is dropped).
fn region_filter(
    pairs: &[(String, String)],
    tree: &RegionTree,
    errors: &mut FieldErrors,
) -> Option<RegionCode> {
    if let Some(raw) = get(pairs, "region") {
        return match RegionCode::parse(raw) {
            Ok(code) if tree.get(&code).is_some() => Some(code),
            Ok(_) => {
                errors.push("region", "region_unknown");
                None
            }
            Err(e) => {
                errors.push("region", e.0);
                None
            }
        };
    }
    let mut chosen: Option<RegionCode> = None;
    for (key, level) in [
        ("province", RegionLevel::Province),
        ("regency", RegionLevel::Regency),
        ("district", RegionLevel::District),
        ("village", RegionLevel::Village),
    ] {
        let Some(raw) = get(pairs, key) else { continue };
        match RegionCode::parse(raw) {
            Ok(code) if code.level() == level && tree.get(&code).is_some() => {
                if chosen.as_ref().is_none_or(|c| code.is_within(c)) {
                    chosen = Some(code);
                }
            }
            Ok(_) => errors.push(key, "region_unknown"),
            Err(e) => errors.push(key, e.0),
        }
    }
    chosen
}

/// The most records a selection names (a list page holds at most 200).
pub const MAX_CHOSEN: usize = 500;

pub fn parse_list_params(
    pairs: &[(String, String)],
    tree: &RegionTree,
) -> Result<ListParams, FieldErrors> {
    let mut errors = FieldErrors::new();
    let region = region_filter(pairs, tree, &mut errors);
    let sector = get(pairs, "sector").map(str::to_string);
    if sector.as_ref().is_some_and(|s| s.len() > 64) {
        errors.push("sector", "sector_unknown");
    }
    let size = get(pairs, "size").and_then(|s| {
        let v = SizeClass::parse(s);
        if v.is_none() {
            errors.push("size", "size_unknown");
        }
        v
    });
    let status = get(pairs, "status").and_then(|s| {
        let v = UmkmStatus::parse(s);
        if v.is_none() {
            errors.push("status", "status_unknown");
        }
        v
    });
    let legality = get(pairs, "legality").and_then(|s| {
        let v = parse_legality(s);
        if v.is_none() {
            errors.push("legality", "legality_unknown");
        }
        v
    });
    let growth = get(pairs, "naik_kelas").and_then(|s| {
        let v = sentra_storage::GrowthFilter::parse(s);
        if v.is_none() {
            errors.push("naik_kelas", "choice_invalid");
        }
        v
    });
    let text = get(pairs, "q").map(|q| q.chars().take(200).collect::<String>());
    // A selection ticked in the list (`pilih`, repeated): the export of those alone.
    let chosen: Vec<String> = pairs
        .iter()
        .filter(|(k, v)| k == "pilih" && !v.trim().is_empty())
        .map(|(_, v)| v.trim().chars().take(64).collect())
        .collect();
    if chosen.len() > MAX_CHOSEN {
        errors.push("pilih", "number_out_of_range");
    }
    let ids = (!chosen.is_empty()).then_some(chosen);
    let sort = match get(pairs, "sort") {
        None => UmkmSort::Name,
        Some(s) => UmkmSort::parse(s).unwrap_or_else(|| {
            errors.push("sort", "sort_unknown");
            UmkmSort::Name
        }),
    };
    let direction = match get(pairs, "dir") {
        None | Some("asc") => SortDirection::Asc,
        Some("desc") => SortDirection::Desc,
        Some(_) => {
            errors.push("dir", "sort_unknown");
            SortDirection::Asc
        }
    };
    let mut number = |key: &str, default: u32, max: u32| match get(pairs, key) {
        None => default,
        Some(s) => match s.parse::<u32>() {
            Ok(n) if (1..=max).contains(&n) => n,
            _ => {
                errors.push(key, "number_out_of_range");
                default
            }
        },
    };
    let page = number("page", 1, 1_000_000);
    let per_page = number("per_page", DEFAULT_PER_PAGE, PageRequest::MAX_PER_PAGE);
    errors.into_result()?;
    Ok(ListParams {
        filter: UmkmFilter {
            region,
            sector,
            size,
            status,
            legality,
            growth,
            text,
            ids,
        },
        sort,
        direction,
        page: PageRequest::new(page, per_page),
    })
}
