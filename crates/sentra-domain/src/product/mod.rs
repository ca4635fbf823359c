//! Products of a UMKM for the public catalogue and the local e-katalog: what an owner types,
//! its validation, the category tree, the certifications a product carries from its business,
//! the WhatsApp order link, and the e-katalog readiness checklist.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::{FieldErrors, Invalid};
use crate::money::parse_rupiah;
use crate::phone::Phone;
use crate::umkm::{LegalDocument, LegalKind, Link, LinkKind, clean_text, parse_link};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProductStatus {
    Draft,
    Published,
    Archived,
}

impl ProductStatus {
    pub const ALL: [ProductStatus; 3] = [Self::Draft, Self::Published, Self::Archived];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Published => "published",
            Self::Archived => "archived",
        }
    }

    pub fn parse(s: &str) -> Option<ProductStatus> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// What a price is per, as sellers quote it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PriceUnit {
    Pcs,
    Kg,
    Gram,
    Lusin,
    Box,
    Pak,
    Botol,
    Liter,
    Meter,
    Lembar,
    Set,
    Porsi,
}

impl PriceUnit {
    pub const ALL: [PriceUnit; 12] = [
        Self::Pcs,
        Self::Kg,
        Self::Gram,
        Self::Lusin,
        Self::Box,
        Self::Pak,
        Self::Botol,
        Self::Liter,
        Self::Meter,
        Self::Lembar,
        Self::Set,
        Self::Porsi,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pcs => "pcs",
            Self::Kg => "kg",
            Self::Gram => "gram",
            Self::Lusin => "lusin",
            Self::Box => "box",
            Self::Pak => "pak",
            Self::Botol => "botol",
            Self::Liter => "liter",
            Self::Meter => "meter",
            Self::Lembar => "lembar",
            Self::Set => "set",
            Self::Porsi => "porsi",
        }
    }

    pub fn parse(s: &str) -> Option<PriceUnit> {
        let s = s.trim().to_lowercase();
        let s = match s.as_str() {
            "" | "buah" | "pc" | "biji" | "unit" => "pcs",
            "dus" | "kotak" => "box",
            "pack" | "bungkus" => "pak",
            "lsn" => "lusin",
            "gr" | "g" => "gram",
            "l" | "ltr" => "liter",
            "m" => "meter",
            other => other,
        };
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// One node of the managed category tree: `makanan`, `makanan.keripik`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Category {
    pub code: String,
    pub parent: Option<String>,
    pub name_id: String,
    pub name_en: String,
    /// Processed food or drink: needs a shelf life, a food permit (P-IRT or BPOM MD) and, since
    /// 17 October 2026, a halal certificate (UU 33/2014 jo. PP 39/2021 Pasal 140).
    pub food: bool,
}

/// The tree a new deployment starts with; admins edit it after.
pub const DEFAULT_CATEGORIES: &[(&str, &str, &str, bool)] = &[
    ("makanan", "Makanan", "Food", true),
    (
        "makanan.keripik",
        "Keripik & Camilan",
        "Chips & snacks",
        true,
    ),
    ("makanan.kue", "Kue & Roti", "Cakes & bread", true),
    ("makanan.sambal", "Sambal & Bumbu", "Sambal & spices", true),
    (
        "makanan.olahan",
        "Olahan Daging & Ikan",
        "Meat & fish products",
        true,
    ),
    (
        "makanan.oleh_oleh",
        "Oleh-oleh Khas",
        "Regional specialities",
        true,
    ),
    ("minuman", "Minuman", "Drinks", true),
    ("minuman.kopi", "Kopi & Teh", "Coffee & tea", true),
    (
        "minuman.herbal",
        "Jamu & Herbal",
        "Jamu & herbal drinks",
        true,
    ),
    (
        "minuman.sirup",
        "Sirup & Sari Buah",
        "Syrups & juices",
        true,
    ),
    ("kerajinan", "Kerajinan", "Crafts", false),
    (
        "kerajinan.tenun",
        "Tenun & Songket",
        "Woven textiles",
        false,
    ),
    (
        "kerajinan.batik",
        "Batik & Wastra",
        "Batik & textiles",
        false,
    ),
    (
        "kerajinan.anyaman",
        "Anyaman",
        "Woven baskets & mats",
        false,
    ),
    ("kerajinan.kayu", "Ukiran & Kayu", "Woodcraft", false),
    (
        "kerajinan.gerabah",
        "Gerabah & Keramik",
        "Pottery & ceramics",
        false,
    ),
    ("fesyen", "Fesyen", "Fashion", false),
    ("fesyen.pakaian", "Pakaian", "Clothing", false),
    (
        "fesyen.aksesoris",
        "Tas & Aksesoris",
        "Bags & accessories",
        false,
    ),
    (
        "kecantikan",
        "Kosmetik & Perawatan",
        "Cosmetics & care",
        false,
    ),
    (
        "pertanian",
        "Hasil Pertanian & Perikanan",
        "Farm & fish produce",
        false,
    ),
    ("jasa", "Jasa", "Services", false),
    ("lainnya", "Lainnya", "Other", false),
];

pub fn default_categories() -> Vec<Category> {
    DEFAULT_CATEGORIES
        .iter()
        .map(|(code, id, en, food)| Category {
            code: (*code).to_string(),
            parent: code.rsplit_once('.').map(|(p, _)| p.to_string()),
            name_id: (*id).to_string(),
            name_en: (*en).to_string(),
            food: *food,
        })
        .collect()
}

/// A category code: lower-case words joined by `_`, levels by `.`.
pub fn parse_category_code(input: &str) -> Result<String, Invalid> {
    let s = input.trim();
    let ok = !s.is_empty()
        && s.len() <= 60
        && s.split('.').all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        });
    if ok {
        Ok(s.to_string())
    } else {
        Err(Invalid("category_code_invalid"))
    }
}

/// A product as typed into the form or an API body: every field as text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ProductInput {
    pub name: String,
    pub description: String,
    pub category: String,
    pub price: String,
    pub price_max: String,
    pub unit: String,
    pub min_order: String,
    pub capacity_per_month: String,
    pub stock: String,
    pub weight_grams: String,
    pub length_cm: String,
    pub width_cm: String,
    pub height_cm: String,
    pub packaging: String,
    pub shelf_life_days: String,
    pub status: String,
    /// (kind, url) pairs: marketplaces and other shops.
    pub links: Vec<(String, String)>,
}

/// A validated product, ready to store. Sizes are kept in millimetres (typed in cm with up to
/// one decimal), weights in grams, prices in whole rupiah.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProductData {
    pub name: String,
    pub description: Option<String>,
    pub category: String,
    pub price: Option<i64>,
    pub price_max: Option<i64>,
    pub unit: PriceUnit,
    pub min_order: i64,
    pub capacity_per_month: Option<i64>,
    pub stock: Option<i64>,
    pub weight_grams: Option<i64>,
    pub dimensions_mm: Option<[i64; 3]>,
    pub packaging: Option<String>,
    pub shelf_life_days: Option<i64>,
    pub status: ProductStatus,
    pub links: Vec<Link>,
}

pub const MAX_PRODUCT_NAME: usize = 120;
pub const MAX_DESCRIPTION: usize = 5000;
pub const MAX_PACKAGING: usize = 200;
/// Photos a product may have: enough for front, back, label, packaging and in use.
pub const MAX_PHOTOS: usize = 8;
/// Marketplaces and shops a product page links to (not social profiles: those are the
/// business's).
pub const PRODUCT_LINKS: [LinkKind; 5] = [
    LinkKind::Tokopedia,
    LinkKind::Shopee,
    LinkKind::Lazada,
    LinkKind::Tiktok,
    LinkKind::Website,
];

fn whole_number(input: &str, max: i64) -> Result<i64, Invalid> {
    let s: String = input
        .trim()
        .chars()
        .filter(|c| !matches!(c, '.' | ' ' | '_'))
        .collect();
    match s.parse::<i64>() {
        Ok(n) if (0..=max).contains(&n) => Ok(n),
        Ok(_) => Err(Invalid("number_out_of_range")),
        Err(_) => Err(Invalid("number_invalid")),
    }
}

fn optional_number(input: &str, max: i64) -> Result<Option<i64>, Invalid> {
    if input.trim().is_empty() {
        Ok(None)
    } else {
        whole_number(input, max).map(Some)
    }
}

/// Centimetres as typed (`12`, `12,5`, `12.5`) to millimetres.
fn parse_cm(input: &str) -> Result<i64, Invalid> {
    let s = input.trim().trim_end_matches("cm").trim().replace(',', ".");
    let (whole, tenth) = match s.split_once('.') {
        Some((w, t)) if t.len() == 1 => (w, t),
        Some(_) => return Err(Invalid("number_invalid")),
        None => (s.as_str(), "0"),
    };
    let w: i64 = whole.parse().map_err(|_| Invalid("number_invalid"))?;
    let t: i64 = tenth.parse().map_err(|_| Invalid("number_invalid"))?;
    if !(0..=10_000).contains(&w) {
        return Err(Invalid("number_out_of_range"));
    }
    Ok(w * 10 + t)
}

fn optional_price(input: &str) -> Result<Option<i64>, Invalid> {
    if input.trim().is_empty() {
        return Ok(None);
    }
    match parse_rupiah(input)? {
        0 => Err(Invalid("price_zero")),
        n => Ok(Some(n)),
    }
}

/// Checks a product as typed. `categories` is the managed tree; `food` categories need a
/// shelf life before they can be published.
pub fn validate_product(
    input: &ProductInput,
    categories: &[Category],
) -> Result<ProductData, FieldErrors> {
    let mut e = FieldErrors::new();
    let name = e.check(
        "name",
        match clean_text(&input.name, MAX_PRODUCT_NAME) {
            Ok(Some(s)) if s.chars().count() >= 2 => Ok(s),
            Ok(Some(_)) => Err(Invalid("text_too_short")),
            Ok(None) => Err(Invalid("required")),
            Err(x) => Err(x),
        },
    );
    let description = e.check("description", clean_paragraphs(&input.description));
    let category = e.check(
        "category",
        if input.category.trim().is_empty() {
            Err(Invalid("required"))
        } else {
            categories
                .iter()
                .find(|c| c.code == input.category.trim())
                .ok_or(Invalid("category_unknown"))
        },
    );
    let price = e.check("price", optional_price(&input.price));
    let price_max = e.check("price_max", optional_price(&input.price_max));
    if let (Some(Some(lo)), Some(Some(hi))) = (price, price_max)
        && hi < lo
    {
        e.push("price_max", "price_max_below_price");
    }
    if let (Some(None), Some(Some(_))) = (price, price_max) {
        e.push("price", "required");
    }
    let unit = e.check(
        "unit",
        PriceUnit::parse(&input.unit).ok_or(Invalid("choice_invalid")),
    );
    let min_order = e.check(
        "min_order",
        match optional_number(&input.min_order, 1_000_000) {
            Ok(None) => Ok(1),
            Ok(Some(0)) => Err(Invalid("number_out_of_range")),
            Ok(Some(n)) => Ok(n),
            Err(x) => Err(x),
        },
    );
    let capacity = e.check(
        "capacity_per_month",
        optional_number(&input.capacity_per_month, 100_000_000),
    );
    let stock = e.check("stock", optional_number(&input.stock, 100_000_000));
    let weight = e.check(
        "weight_grams",
        optional_number(&input.weight_grams, 1_000_000),
    );
    let dims = [&input.length_cm, &input.width_cm, &input.height_cm];
    let dimensions = if dims.iter().all(|d| d.trim().is_empty()) {
        Some(None)
    } else {
        let mut out = [0i64; 3];
        let mut ok = true;
        for ((field, typed), slot) in ["length_cm", "width_cm", "height_cm"]
            .iter()
            .zip(dims)
            .zip(out.iter_mut())
        {
            let parsed = if typed.trim().is_empty() {
                Err(Invalid("dimensions_incomplete"))
            } else {
                parse_cm(typed)
            };
            match e.check(field, parsed) {
                Some(v) => *slot = v,
                None => ok = false,
            }
        }
        ok.then_some(Some(out))
    };
    let packaging = e.check("packaging", clean_text(&input.packaging, MAX_PACKAGING));
    let shelf_life = e.check(
        "shelf_life_days",
        optional_number(&input.shelf_life_days, 3650),
    );
    let status = e.check(
        "status",
        if input.status.trim().is_empty() {
            Ok(ProductStatus::Draft)
        } else {
            ProductStatus::parse(input.status.trim()).ok_or(Invalid("choice_invalid"))
        },
    );
    let mut links = Vec::new();
    for (i, (kind, url)) in input.links.iter().enumerate() {
        if url.trim().is_empty() {
            continue;
        }
        let field = format!("links.{i}");
        let Some(kind) = LinkKind::parse(kind.trim()).filter(|k| PRODUCT_LINKS.contains(k)) else {
            e.push(field, "choice_invalid");
            continue;
        };
        if let Some(url) = e.check(&field, parse_link(kind, url)) {
            links.push(Link { kind, url });
        }
    }
    // Published food must say how long it keeps: buyers and the e-katalog ask.
    if let (Some(c), Some(ProductStatus::Published), Some(None)) = (category, status, shelf_life)
        && c.food
    {
        e.push("shelf_life_days", "required_for_food");
    }
    if !e.is_empty() {
        return Err(e);
    }
    let (
        Some(name),
        Some(description),
        Some(category),
        Some(price),
        Some(price_max),
        Some(unit),
        Some(min_order),
        Some(capacity_per_month),
        Some(stock),
        Some(weight_grams),
        Some(dimensions_mm),
        Some(packaging),
        Some(shelf_life_days),
        Some(status),
    ) = (
        name,
        description,
        category,
        price,
        price_max,
        unit,
        min_order,
        capacity,
        stock,
        weight,
        dimensions,
        packaging,
        shelf_life,
        status,
    )
    else {
        return Err(e);
    };
    Ok(ProductData {
        name,
        description,
        category: category.code.clone(),
        price,
        price_max,
        unit,
        min_order,
        capacity_per_month,
        stock,
        weight_grams,
        dimensions_mm,
        packaging,
        shelf_life_days,
        status,
        links,
    })
}

impl ProductData {
    /// The product as the form shows it, for editing.
    pub fn to_input(&self) -> ProductInput {
        let n = |v: Option<i64>| v.map(|x| x.to_string()).unwrap_or_default();
        let cm = |mm: i64| {
            if mm % 10 == 0 {
                (mm / 10).to_string()
            } else {
                format!("{},{}", mm / 10, mm % 10)
            }
        };
        let [length_cm, width_cm, height_cm] =
            self.dimensions_mm.map(|d| d.map(cm)).unwrap_or_default();
        ProductInput {
            name: self.name.clone(),
            description: self.description.clone().unwrap_or_default(),
            category: self.category.clone(),
            price: n(self.price),
            price_max: n(self.price_max),
            unit: self.unit.as_str().to_string(),
            min_order: self.min_order.to_string(),
            capacity_per_month: n(self.capacity_per_month),
            stock: n(self.stock),
            weight_grams: n(self.weight_grams),
            length_cm,
            width_cm,
            height_cm,
            packaging: self.packaging.clone().unwrap_or_default(),
            shelf_life_days: n(self.shelf_life_days),
            status: self.status.as_str().to_string(),
            links: self
                .links
                .iter()
                .map(|l| (l.kind.as_str().to_string(), l.url.clone()))
                .collect(),
        }
    }
}

/// Text with paragraphs kept (a description), control characters refused, invisible formatting
/// dropped as in [`clean_text`].
fn clean_paragraphs(input: &str) -> Result<Option<String>, Invalid> {
    let visible = crate::umkm::strip_invisible(input);
    let s = visible.trim();
    if s.is_empty() {
        return Ok(None);
    }
    if s.chars().count() > MAX_DESCRIPTION {
        return Err(Invalid("text_too_long"));
    }
    if s.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(Invalid("text_invalid_chars"));
    }
    let lines: Vec<String> = s
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    Ok(Some(lines.join("\n")))
}

/// The state of a certificate a product carries from its business.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CertStatus {
    Valid,
    /// Expires within [`EXPIRING_DAYS`].
    Expiring,
    Expired,
}

impl CertStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::Expiring => "expiring",
            Self::Expired => "expired",
        }
    }
}

pub const EXPIRING_DAYS: i64 = 90;

/// Certifications shown on a product: the business's P-IRT, BPOM, halal and SNI documents.
pub const PRODUCT_CERTS: [LegalKind; 4] = [
    LegalKind::Pirt,
    LegalKind::Bpom,
    LegalKind::Halal,
    LegalKind::Sni,
];

/// The business's certificates with their state on `today`.
pub fn certifications(docs: &[LegalDocument], today: NaiveDate) -> Vec<(LegalKind, CertStatus)> {
    PRODUCT_CERTS
        .iter()
        .filter_map(|k| docs.iter().find(|d| d.kind == *k))
        .map(|d| (d.kind, cert_status(d.expires_on, today)))
        .collect()
}

pub fn cert_status(expires_on: Option<NaiveDate>, today: NaiveDate) -> CertStatus {
    match expires_on {
        Some(end) if end < today => CertStatus::Expired,
        Some(end) if (end - today).num_days() <= EXPIRING_DAYS => CertStatus::Expiring,
        _ => CertStatus::Valid,
    }
}

/// Price bands of the catalogue's facet, in rupiah: `[from, to)`.
pub const PRICE_BANDS: [(&str, i64, i64); 5] = [
    ("lt25k", 0, 25_000),
    ("25k_100k", 25_000, 100_000),
    ("100k_500k", 100_000, 500_000),
    ("500k_1m", 500_000, 1_000_000),
    ("gte1m", 1_000_000, i64::MAX),
];

pub fn price_band(price: i64) -> &'static str {
    PRICE_BANDS
        .iter()
        .find(|(_, lo, hi)| (*lo..*hi).contains(&price))
        .map_or("gte1m", |b| b.0)
}

/// A URL slug: `Keripik Singkong "Pedas"!` → `keripik-singkong-pedas`; at most 60 characters,
/// never empty.
pub fn slugify(text: &str) -> String {
    let mut out = String::new();
    for word in text
        .to_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if out.len() + word.len() + 1 > 60 {
            break;
        }
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(word);
    }
    if out.is_empty() {
        out.push_str("produk");
    }
    out
}

/// The WhatsApp click-to-chat link with the order message filled in, in Indonesian (buyers and
/// sellers are local): `https://wa.me/62812…?text=Halo%2C%20saya%20ingin%20memesan…`.
pub fn whatsapp_order_link(phone: &Phone, product: &str, page_url: &str) -> String {
    let message = format!("Halo, saya ingin memesan {product}. {page_url}");
    format!(
        "{}?text={}",
        phone.whatsapp_link(),
        percent_encode(&message)
    )
}

/// Percent-encoding of everything outside the unreserved set (RFC 3986 §2.3).
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// What the e-katalog readiness check looks at, besides the product.
pub struct ReadinessFacts<'a> {
    pub business_docs: &'a [LegalDocument],
    pub photos: usize,
    pub food: bool,
    pub today: NaiveDate,
}

/// One item of the e-katalog readiness checklist, with whether it is met.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ReadinessItem {
    /// `nib`, `price`, `capacity`, `food_permit`, `halal`, `photo`, `packaging`, `weight`,
    /// `description`, `published`.
    pub code: &'static str,
    pub met: bool,
}

/// The e-katalog lokal readiness checklist: a curator may list a product only when every item
/// is met. A government buyer needs a registered business (NIB, PP 5/2021), a firm price and
/// the capacity to deliver; processed food needs a valid permit (P-IRT or BPOM MD, PP 28/2004)
/// and, from 17 October 2026, a halal certificate (PP 39/2021 Pasal 140).
pub fn readiness(p: &ProductData, f: &ReadinessFacts<'_>) -> Vec<ReadinessItem> {
    let valid = |kind: LegalKind| {
        f.business_docs
            .iter()
            .any(|d| d.kind == kind && cert_status(d.expires_on, f.today) != CertStatus::Expired)
    };
    let mut items = vec![
        ReadinessItem {
            code: "nib",
            met: valid(LegalKind::Nib),
        },
        ReadinessItem {
            code: "price",
            met: p.price.is_some(),
        },
        ReadinessItem {
            code: "capacity",
            met: p.capacity_per_month.is_some_and(|c| c > 0),
        },
    ];
    if f.food {
        items.push(ReadinessItem {
            code: "food_permit",
            met: valid(LegalKind::Pirt) || valid(LegalKind::Bpom),
        });
        items.push(ReadinessItem {
            code: "halal",
            met: valid(LegalKind::Halal),
        });
    }
    items.extend([
        ReadinessItem {
            code: "photo",
            met: f.photos > 0,
        },
        ReadinessItem {
            code: "packaging",
            met: p.packaging.is_some(),
        },
        ReadinessItem {
            code: "weight",
            met: p.weight_grams.is_some_and(|w| w > 0),
        },
        ReadinessItem {
            code: "description",
            met: p
                .description
                .as_ref()
                .is_some_and(|d| d.chars().count() >= 30),
        },
        ReadinessItem {
            code: "published",
            met: p.status == ProductStatus::Published,
        },
    ]);
    items
}

#[cfg(test)]
mod tests;
