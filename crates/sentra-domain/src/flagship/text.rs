//! A round's lists as an organiser types them, one item a line, so that the setup page works
//! on any phone without scripts: candidates (`Tenun ikat ; kriya`), criteria (a line starting
//! with `-` is a sub-criterion of the line above it) and reference totals per sector
//! (`kuliner ; 1.250.000`). Problems are named by line (`candidates.3`).

use super::round::{Criterion, MAX_CANDIDATES};
use crate::FieldErrors;
use crate::import::{SectorName, match_sector};
use crate::money::parse_rupiah;
use crate::umkm::clean_text;

/// Longest candidate or criterion name.
pub const MAX_NAME: usize = 120;

fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty())
}

fn name(raw: &str) -> Result<String, &'static str> {
    match clean_text(raw, MAX_NAME) {
        Ok(Some(n)) if n.chars().count() >= 2 => Ok(n),
        Ok(Some(_) | None) => Err("text_too_short"),
        Err(crate::Invalid(c)) => Err(c),
    }
}

/// Candidates, each with an optional sector (by code, name or a common word).
pub fn parse_candidates(
    text: &str,
    sectors: &[SectorName],
) -> Result<Vec<(String, Option<String>)>, FieldErrors> {
    let mut e = FieldErrors::new();
    let mut out: Vec<(String, Option<String>)> = Vec::new();
    for (no, line) in lines(text) {
        let (n, sector) = match line.split_once(';') {
            Some((n, s)) => (n, s.trim()),
            None => (line, ""),
        };
        let n = match name(n) {
            Ok(n) => n,
            Err(code) => {
                e.push(format!("candidates.{no}"), code);
                continue;
            }
        };
        let sector = if sector.is_empty() {
            None
        } else {
            match match_sector(sector, sectors) {
                Some(s) => Some(s),
                None => {
                    e.push(format!("candidates.{no}"), "sector_unknown");
                    continue;
                }
            }
        };
        if out.iter().any(|(o, _)| o.eq_ignore_ascii_case(&n)) {
            e.push(format!("candidates.{no}"), "name_repeated");
            continue;
        }
        out.push((n, sector));
    }
    if out.len() > MAX_CANDIDATES {
        e.push("candidates", "candidates_count");
    }
    e.into_result()?;
    Ok(out)
}

/// `Penyerapan tenaga kerja` → `penyerapan_tenaga_kerja`.
fn code_of(name: &str) -> String {
    let mut code = String::new();
    for c in name.to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            code.push(c);
        } else if !code.ends_with('_') && !code.is_empty() {
            code.push('_');
        }
    }
    let code = code.trim_end_matches('_').to_string();
    if code.is_empty() {
        "k".to_string()
    } else {
        code
    }
}

/// Criteria; a line starting with `-` belongs under the last line without one. Codes come
/// from the names (kept when a name stays the same).
pub fn parse_criteria(text: &str, old: &[Criterion]) -> Result<Vec<Criterion>, FieldErrors> {
    let mut e = FieldErrors::new();
    let mut out: Vec<Criterion> = Vec::new();
    let mut parent: Option<String> = None;
    for (no, line) in lines(text) {
        let (is_sub, raw) = match line.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, line),
        };
        let n = match name(raw) {
            Ok(n) => n,
            Err(code) => {
                e.push(format!("criteria.{no}"), code);
                continue;
            }
        };
        if is_sub && parent.is_none() {
            e.push(format!("criteria.{no}"), "criterion_parent_invalid");
            continue;
        }
        if out.iter().any(|c| c.name.eq_ignore_ascii_case(&n)) {
            e.push(format!("criteria.{no}"), "name_repeated");
            continue;
        }
        let mut code = old
            .iter()
            .find(|c| c.name == n)
            .map_or_else(|| code_of(&n), |c| c.code.clone());
        let base = code.clone();
        let mut k = 2;
        while out.iter().any(|c| c.code == code) {
            code = format!("{base}_{k}");
            k += 1;
        }
        let c = Criterion {
            code,
            parent: if is_sub { parent.clone() } else { None },
            name: n,
        };
        if !is_sub {
            parent = Some(c.code.clone());
        }
        out.push(c);
    }
    e.into_result()?;
    Ok(out)
}

/// The criteria written back as the setup page's text.
pub fn criteria_text(criteria: &[Criterion]) -> String {
    criteria
        .iter()
        .map(|c| {
            if c.parent.is_some() {
                format!("- {}", c.name)
            } else {
                c.name.clone()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Reference totals per sector: `sector ; number`.
pub fn parse_reference(
    text: &str,
    sectors: &[SectorName],
) -> Result<Vec<(String, f64)>, FieldErrors> {
    let mut e = FieldErrors::new();
    let mut out: Vec<(String, f64)> = Vec::new();
    for (no, line) in lines(text) {
        let Some((s, v)) = line.split_once(';') else {
            e.push(format!("reference.{no}"), "line_invalid");
            continue;
        };
        let Some(sector) = match_sector(s.trim(), sectors) else {
            e.push(format!("reference.{no}"), "sector_unknown");
            continue;
        };
        match parse_rupiah(v) {
            Ok(n) if n >= 0 => {
                if out.iter().any(|(o, _)| *o == sector) {
                    e.push(format!("reference.{no}"), "name_repeated");
                } else {
                    out.push((sector, n as f64));
                }
            }
            _ => e.push(format!("reference.{no}"), "number_invalid"),
        }
    }
    e.into_result()?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sectors() -> Vec<SectorName> {
        ["kuliner", "kriya", "fesyen"]
            .iter()
            .map(|c| SectorName {
                code: c.to_string(),
                name_id: c.to_string(),
                name_en: c.to_string(),
            })
            .collect()
    }

    #[test]
    fn candidates_are_read_a_line_each() {
        let c = parse_candidates(
            "Tenun ikat ; Kriya\n\n Sei sapi ; makanan\nKopi",
            &sectors(),
        )
        .unwrap();
        assert_eq!(
            c,
            vec![
                ("Tenun ikat".into(), Some("kriya".into())),
                ("Sei sapi".into(), Some("kuliner".into())),
                ("Kopi".into(), None),
            ]
        );
        let e = parse_candidates("Tenun ; tambang\nTenun\nX", &sectors()).unwrap_err();
        assert!(
            e.for_field("candidates.1")
                .any(|x| x.code == "sector_unknown")
        );
        assert!(
            e.for_field("candidates.3")
                .any(|x| x.code == "text_too_short")
        );
    }

    #[test]
    fn criteria_with_sub_criteria_round_trip() {
        let text = "Pasar\n- Pasar lokal\n- Pasar ekspor\nBahan baku";
        let c = parse_criteria(text, &[]).unwrap();
        assert_eq!(c.len(), 4);
        assert_eq!(c[1].parent.as_deref(), Some("pasar"));
        assert_eq!(c[3].code, "bahan_baku");
        assert_eq!(criteria_text(&c), text);
        // A name kept keeps its code.
        let old = vec![Criterion {
            code: "pasar_x".into(),
            parent: None,
            name: "Pasar".into(),
        }];
        assert_eq!(
            parse_criteria("Pasar\nHarga", &old).unwrap()[0].code,
            "pasar_x"
        );
        let e = parse_criteria("- Anak tanpa induk\nHarga\nharga", &[]).unwrap_err();
        assert!(
            e.for_field("criteria.1")
                .any(|x| x.code == "criterion_parent_invalid")
        );
        assert!(e.for_field("criteria.3").any(|x| x.code == "name_repeated"));
    }

    #[test]
    fn reference_totals_are_read_per_sector() {
        let r = parse_reference("kuliner ; 1.250.000\nKriya;300", &sectors()).unwrap();
        assert_eq!(
            r,
            vec![("kuliner".into(), 1_250_000.0), ("kriya".into(), 300.0)]
        );
        let e = parse_reference("kuliner 5\ntambang ; 3\nfesyen ; banyak", &sectors()).unwrap_err();
        assert_eq!(e.0.len(), 3);
    }
}
