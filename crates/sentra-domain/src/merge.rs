//! Merging two records of one business, field by field: the operator picks, for each group of
//! fields, which record's value the merged record keeps. Groups hang together (a document's
//! number with its dates, the location's latitude with its longitude) so that a merge never
//! pairs one record's number with the other's dates.

use crate::umkm::{LegalDocumentInput, LegalKind, LinkKind, UmkmInput};

/// Which record a group's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    A,
    B,
}

/// The groups an operator chooses between, in form order: plain fields by their form name,
/// `location`, `kbli`, `documents.<kind>` and `links.<kind>`.
pub fn merge_groups() -> Vec<String> {
    let mut groups: Vec<String> = [
        "name",
        "brand",
        "owner_name",
        "nik",
        "phone",
        "address",
        "village_code",
        "location",
        "sector",
        "kbli",
        "year_started",
        "modal",
        "annual_sales",
        "employees_male",
        "employees_female",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    groups.extend(
        LegalKind::ALL
            .iter()
            .map(|k| format!("documents.{}", k.as_str())),
    );
    groups.extend(
        LinkKind::ALL
            .iter()
            .map(|k| format!("links.{}", k.as_str())),
    );
    groups
}

fn document<'a>(input: &'a UmkmInput, kind: &str) -> Option<&'a LegalDocumentInput> {
    input
        .documents
        .iter()
        .find(|d| d.kind == kind && !d.number.trim().is_empty())
}

fn link<'a>(input: &'a UmkmInput, kind: &str) -> &'a str {
    input
        .links
        .iter()
        .find(|(k, _)| k == kind)
        .map_or("", |(_, v)| v.as_str())
}

/// The group's value as text, for showing side by side (empty when the record has none).
pub fn group_value(input: &UmkmInput, group: &str) -> String {
    if let Some(kind) = group.strip_prefix("documents.") {
        return document(input, kind).map_or(String::new(), |d| {
            let dates = [d.issued_on.as_str(), d.expires_on.as_str()]
                .iter()
                .filter(|s| !s.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(" – ");
            if dates.is_empty() {
                d.number.clone()
            } else {
                format!("{} ({dates})", d.number)
            }
        });
    }
    if let Some(kind) = group.strip_prefix("links.") {
        return link(input, kind).to_string();
    }
    let v = match group {
        "name" => &input.name,
        "brand" => &input.brand,
        "owner_name" => &input.owner_name,
        "nik" => &input.nik,
        "phone" => &input.phone,
        "address" => &input.address,
        "village_code" => &input.village_code,
        "location" if !input.latitude.is_empty() => {
            return format!("{}, {}", input.latitude, input.longitude);
        }
        "sector" => &input.sector,
        "kbli" if !input.kbli_code.is_empty() => {
            return format!("{} ({})", input.kbli_code, input.kbli_version);
        }
        "year_started" => &input.year_started,
        "modal" => &input.modal,
        "annual_sales" => &input.annual_sales,
        "employees_male" => &input.employees_male,
        "employees_female" => &input.employees_female,
        _ => return String::new(),
    };
    v.clone()
}

/// The side a group defaults to: the kept record's value, or the other's when the kept record
/// has none (a merge should not lose what only one of them knows).
pub fn default_side(a: &UmkmInput, b: &UmkmInput, keep: Side, group: &str) -> Side {
    let (kept, other) = match keep {
        Side::A => (a, b),
        Side::B => (b, a),
    };
    if group_value(kept, group).trim().is_empty() && !group_value(other, group).trim().is_empty() {
        match keep {
            Side::A => Side::B,
            Side::B => Side::A,
        }
    } else {
        keep
    }
}

/// The merged record: each group from the side `choose` names.
pub fn merge_inputs(a: &UmkmInput, b: &UmkmInput, choose: impl Fn(&str) -> Side) -> UmkmInput {
    let pick = |group: &str| match choose(group) {
        Side::A => a,
        Side::B => b,
    };
    let field = |group: &str, get: fn(&UmkmInput) -> &String| get(pick(group)).clone();
    let location = pick("location");
    let kbli = pick("kbli");
    UmkmInput {
        name: field("name", |i| &i.name),
        brand: field("brand", |i| &i.brand),
        owner_name: field("owner_name", |i| &i.owner_name),
        nik: field("nik", |i| &i.nik),
        phone: field("phone", |i| &i.phone),
        address: field("address", |i| &i.address),
        village_code: field("village_code", |i| &i.village_code),
        latitude: location.latitude.clone(),
        longitude: location.longitude.clone(),
        sector: field("sector", |i| &i.sector),
        kbli_code: kbli.kbli_code.clone(),
        kbli_version: kbli.kbli_version.clone(),
        year_started: field("year_started", |i| &i.year_started),
        modal: field("modal", |i| &i.modal),
        annual_sales: field("annual_sales", |i| &i.annual_sales),
        employees_male: field("employees_male", |i| &i.employees_male),
        employees_female: field("employees_female", |i| &i.employees_female),
        documents: LegalKind::ALL
            .iter()
            .filter_map(|k| document(pick(&format!("documents.{}", k.as_str())), k.as_str()))
            .cloned()
            .collect(),
        links: LinkKind::ALL
            .iter()
            .map(|k| {
                let group = format!("links.{}", k.as_str());
                (
                    k.as_str().to_string(),
                    link(pick(&group), k.as_str()).to_string(),
                )
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(name: &str, nib: &str, phone: &str) -> UmkmInput {
        UmkmInput {
            name: name.into(),
            owner_name: "Rina".into(),
            nik: "3674035506900002".into(),
            phone: phone.into(),
            village_code: "36.74.03.1001".into(),
            sector: "kuliner".into(),
            documents: if nib.is_empty() {
                vec![]
            } else {
                vec![LegalDocumentInput {
                    kind: "nib".into(),
                    number: nib.into(),
                    issued_on: "2024-01-02".into(),
                    expires_on: String::new(),
                }]
            },
            links: vec![("whatsapp".into(), String::new())],
            ..UmkmInput::default()
        }
    }

    #[test]
    fn each_group_comes_from_the_chosen_side() {
        let a = input("Keripik Bu Rina", "", "081211112222");
        let b = input("UD Keripik Rina", "1234567890123", "");
        let merged = merge_inputs(&a, &b, |g| {
            if g == "documents.nib" {
                Side::B
            } else {
                Side::A
            }
        });
        assert_eq!(merged.name, "Keripik Bu Rina");
        assert_eq!(merged.phone, "081211112222");
        assert_eq!(merged.documents.len(), 1);
        assert_eq!(merged.documents[0].number, "1234567890123");
        assert_eq!(
            merged.documents[0].issued_on, "2024-01-02",
            "the number keeps its dates"
        );
    }

    #[test]
    fn defaults_keep_the_kept_record_but_fill_its_gaps() {
        let a = input("Keripik Bu Rina", "", "081211112222");
        let b = input("UD Keripik Rina", "1234567890123", "");
        assert_eq!(default_side(&a, &b, Side::A, "name"), Side::A);
        assert_eq!(default_side(&a, &b, Side::A, "documents.nib"), Side::B);
        assert_eq!(default_side(&a, &b, Side::B, "phone"), Side::A);
        assert_eq!(
            group_value(&b, "documents.nib"),
            "1234567890123 (2024-01-02)"
        );
        assert!(merge_groups().contains(&"links.whatsapp".to_string()));
    }
}
