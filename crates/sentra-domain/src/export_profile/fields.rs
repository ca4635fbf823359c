//! What an export profile may name: the fields Sentra fills for each subject, with the type of
//! their value and, for closed vocabularies, every value they take (a profile's code list for
//! such a field must translate all of them, so no row goes out with a code the target does not
//! know).

use crate::product::PriceUnit;
use crate::size::SizeClass;
use crate::umkm::{LegalKind, UmkmStatus};

/// What a profile exports one row of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    /// One row per business of the registry list as filtered.
    Umkm,
    /// One row per published product of the businesses of the registry list as filtered.
    Products,
}

impl Subject {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Umkm => "umkm",
            Self::Products => "products",
        }
    }
}

/// The type of a field's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Text,
    Integer,
    Rupiah,
    Decimal,
    Date,
}

/// A field a profile may name.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    pub ty: FieldType,
    /// Personal data (UU 27/2022): masked unless the reader may see it in full and asked.
    pub personal: bool,
    /// Every value of a closed vocabulary, or empty for open text.
    pub closed: fn() -> Vec<&'static str>,
}

fn open() -> Vec<&'static str> {
    Vec::new()
}
/// As [`crate::ids::Sex`] is stored (its serde names).
fn sexes() -> Vec<&'static str> {
    vec!["male", "female"]
}
fn sizes() -> Vec<&'static str> {
    SizeClass::ALL.iter().map(|s| s.as_str()).collect()
}
fn statuses() -> Vec<&'static str> {
    UmkmStatus::ALL.iter().map(|s| s.as_str()).collect()
}
fn units() -> Vec<&'static str> {
    PriceUnit::ALL.iter().map(|u| u.as_str()).collect()
}
fn yes_no() -> Vec<&'static str> {
    vec!["yes", "no"]
}

const fn field(name: &'static str, ty: FieldType) -> Field {
    Field {
        name,
        ty,
        personal: false,
        closed: open,
    }
}
const fn personal(name: &'static str, ty: FieldType) -> Field {
    Field {
        name,
        ty,
        personal: true,
        closed: open,
    }
}
const fn closed(name: &'static str, closed: fn() -> Vec<&'static str>) -> Field {
    Field {
        name,
        ty: FieldType::Text,
        personal: false,
        closed,
    }
}

use FieldType::{Date, Decimal, Integer, Rupiah, Text};

/// A business's fields (the registry record, its region's names, its documents' numbers).
pub const UMKM_FIELDS: &[Field] = &[
    field("id", Text),
    field("name", Text),
    field("brand", Text),
    field("owner_name", Text),
    personal("nik", Text),
    closed("owner_sex", sexes),
    personal("owner_birth_date", Date),
    personal("phone", Text),
    field("address", Text),
    field("province_code", Text),
    field("province_name", Text),
    field("regency_code", Text),
    field("regency_name", Text),
    field("district_code", Text),
    field("district_name", Text),
    field("village_code", Text),
    field("village_name", Text),
    field("latitude", Decimal),
    field("longitude", Decimal),
    field("sector_code", Text),
    field("sector_name", Text),
    field("kbli_code", Text),
    field("year_started", Integer),
    field("modal", Rupiah),
    field("annual_sales", Rupiah),
    field("employees_male", Integer),
    field("employees_female", Integer),
    field("employees_total", Integer),
    closed("size_class", sizes),
    closed("status", statuses),
    field("registered_on", Date),
    closed("online", yes_no),
    field("store_url", Text),
    field("doc_nib", Text),
    field("doc_npwp", Text),
    field("doc_nitku", Text),
    field("doc_pirt", Text),
    field("doc_bpom", Text),
    field("doc_halal", Text),
    field("doc_sni", Text),
    field("doc_hki", Text),
];

/// A product's fields; the seller's are the business's fields prefixed `seller_`.
pub const PRODUCT_FIELDS: &[Field] = &[
    field("product_id", Text),
    field("product_slug", Text),
    field("product_name", Text),
    field("description", Text),
    field("category_code", Text),
    field("category_name", Text),
    field("price", Rupiah),
    field("price_max", Rupiah),
    closed("unit", units),
    field("min_order", Integer),
    field("capacity_per_month", Integer),
    field("stock", Integer),
    field("weight_grams", Integer),
    field("length_cm", Decimal),
    field("width_cm", Decimal),
    field("height_cm", Decimal),
    field("packaging", Text),
    field("shelf_life_days", Integer),
    field("specification", Text),
    closed("ekatalog", yes_no),
    field("product_url", Text),
    field("photo_url", Text),
];

/// The seller's fields a product row carries (without their `seller_` prefix).
pub const SELLER_FIELDS: &[&str] = &[
    "id",
    "name",
    "brand",
    "phone",
    "address",
    "province_name",
    "regency_code",
    "regency_name",
    "district_name",
    "village_code",
    "village_name",
    "size_class",
    "doc_nib",
    "doc_npwp",
    "doc_pirt",
    "doc_bpom",
    "doc_halal",
    "store_url",
];

/// The field `name` of `subject`, if there is one.
pub fn lookup(subject: Subject, name: &str) -> Option<Field> {
    match subject {
        Subject::Umkm => UMKM_FIELDS.iter().find(|f| f.name == name).copied(),
        Subject::Products => PRODUCT_FIELDS
            .iter()
            .find(|f| f.name == name)
            .copied()
            .or_else(|| {
                let inner = name.strip_prefix("seller_")?;
                SELLER_FIELDS.contains(&inner).then_some(())?;
                let mut f = UMKM_FIELDS.iter().find(|f| f.name == inner).copied()?;
                f.name = SELLER_FIELDS
                    .iter()
                    .position(|s| *s == inner)
                    .map(|i| SELLER_NAMES[i])?;
                Some(f)
            }),
    }
}

/// `seller_` + each of [`SELLER_FIELDS`], as static names.
pub const SELLER_NAMES: &[&str] = &[
    "seller_id",
    "seller_name",
    "seller_brand",
    "seller_phone",
    "seller_address",
    "seller_province_name",
    "seller_regency_code",
    "seller_regency_name",
    "seller_district_name",
    "seller_village_code",
    "seller_village_name",
    "seller_size_class",
    "seller_doc_nib",
    "seller_doc_npwp",
    "seller_doc_pirt",
    "seller_doc_bpom",
    "seller_doc_halal",
    "seller_store_url",
];

/// The document fields: `doc_` + each kind.
pub fn document_field(kind: LegalKind) -> &'static str {
    match kind {
        LegalKind::Nib => "doc_nib",
        LegalKind::Npwp => "doc_npwp",
        LegalKind::Nitku => "doc_nitku",
        LegalKind::Pirt => "doc_pirt",
        LegalKind::Bpom => "doc_bpom",
        LegalKind::Halal => "doc_halal",
        LegalKind::Sni => "doc_sni",
        LegalKind::Hki => "doc_hki",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::Sex;

    #[test]
    fn seller_names_are_the_prefixed_seller_fields() {
        assert_eq!(SELLER_FIELDS.len(), SELLER_NAMES.len());
        for (f, n) in SELLER_FIELDS.iter().zip(SELLER_NAMES) {
            assert_eq!(format!("seller_{f}"), *n);
            assert!(lookup(Subject::Umkm, f).is_some(), "{f}");
            assert_eq!(lookup(Subject::Products, n).map(|f| f.name), Some(*n));
        }
        assert!(lookup(Subject::Products, "seller_nik").is_none());
        assert!(lookup(Subject::Products, "nik").is_none());
    }

    #[test]
    fn the_sexes_are_as_stored() {
        let names: Vec<String> = [Sex::Male, Sex::Female]
            .iter()
            .map(|s| serde_json::to_string(s).unwrap_or_default())
            .collect();
        assert_eq!(names, ["\"male\"", "\"female\""]);
        assert_eq!(sexes(), ["male", "female"]);
    }

    #[test]
    fn every_document_kind_has_its_field() {
        for k in LegalKind::ALL {
            assert!(lookup(Subject::Umkm, document_field(k)).is_some());
        }
    }
}
