//! Partnerships and matchmaking (issue 11): partners (brands, retailers, hotels and
//! restaurants, marketplaces, BUMN/BUMD, Smesco) and their requests — what they need, how much,
//! by when, at what price, with which certificates and packaging — matched to the catalogue's
//! products: each candidate ranked with the reasons it fits and what it is still missing
//! (capacity by the delivery date, certificates valid through it, price, size and weight,
//! packaging, place, past delivery record, the packaging clinic taken).

use chrono::NaiveDate;

use crate::FieldErrors;
use crate::error::Invalid;
use crate::geo::Coordinates;
use crate::money::parse_rupiah;
use crate::umkm::{LegalKind, clean_text, parse_date};

/// A partner's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartnerKind {
    Brand,
    Retailer,
    Hotel,
    Restaurant,
    Marketplace,
    StateEnterprise,
    Smesco,
    Other,
}

impl PartnerKind {
    pub const ALL: [PartnerKind; 8] = [
        Self::Brand,
        Self::Retailer,
        Self::Hotel,
        Self::Restaurant,
        Self::Marketplace,
        Self::StateEnterprise,
        Self::Smesco,
        Self::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Brand => "brand",
            Self::Retailer => "ritel",
            Self::Hotel => "hotel",
            Self::Restaurant => "restoran",
            Self::Marketplace => "marketplace",
            Self::StateEnterprise => "bumn_bumd",
            Self::Smesco => "smesco",
            Self::Other => "lainnya",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }
}

/// Where a shortlisted supplier stands with the partner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Shortlisted,
    Contacted,
    SampleSent,
    Accepted,
    Ordered,
    Delivered,
    Declined,
}

impl Outcome {
    pub const ALL: [Outcome; 7] = [
        Self::Shortlisted,
        Self::Contacted,
        Self::SampleSent,
        Self::Accepted,
        Self::Ordered,
        Self::Delivered,
        Self::Declined,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Shortlisted => "shortlisted",
            Self::Contacted => "contacted",
            Self::SampleSent => "sample_sent",
            Self::Accepted => "accepted",
            Self::Ordered => "ordered",
            Self::Delivered => "delivered",
            Self::Declined => "declined",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == s.trim())
    }

    /// An order was placed (its value counts as sales through the partnership).
    pub fn ordered(self) -> bool {
        matches!(self, Self::Ordered | Self::Delivered)
    }
}

/// A request as typed.
#[derive(Debug, Clone, Default)]
pub struct RequestInput {
    pub title: String,
    /// A category code (or its prefix: `kerajinan` takes every craft).
    pub category: String,
    /// Words that describe what is wanted (`selendang tenun`).
    pub keywords: String,
    pub quantity: String,
    pub deliver_by: String,
    pub price_min: String,
    pub price_max: String,
    /// Certificate kinds required (`halal`, `pirt`, `bpom`, `sni`).
    pub certificates: Vec<String>,
    /// Packaging wanted, in words (`kemasan hotel`, `kotak`).
    pub packaging: String,
    pub max_weight_grams: String,
    /// The largest side, in cm.
    pub max_side_cm: String,
    /// A region the supplier should be in (any level), or empty.
    pub region: String,
    pub notes: String,
}

/// A checked request.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub title: String,
    pub category: Option<String>,
    pub keywords: Vec<String>,
    pub quantity: i64,
    pub deliver_by: NaiveDate,
    pub price_min: Option<i64>,
    pub price_max: Option<i64>,
    pub certificates: Vec<LegalKind>,
    pub packaging: Vec<String>,
    pub max_weight_grams: Option<i64>,
    pub max_side_mm: Option<i64>,
    pub region: Option<String>,
    pub notes: Option<String>,
}

/// Lower-case words of at least three letters, for matching.
pub fn words(text: &str) -> Vec<String> {
    let mut out: Vec<String> = text
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 3)
        .map(str::to_string)
        .collect();
    out.dedup();
    out
}

fn positive(text: &str, field: &str, e: &mut FieldErrors) -> Option<i64> {
    if text.trim().is_empty() {
        return None;
    }
    match parse_rupiah(text) {
        Ok(n) if n > 0 => Some(n),
        _ => {
            e.push(field, "number_invalid");
            None
        }
    }
}

/// Checks a request: a title, a quantity, a delivery date not before today, prices in order,
/// known certificate kinds.
pub fn validate_request(input: &RequestInput, today: NaiveDate) -> Result<Request, FieldErrors> {
    let mut e = FieldErrors::new();
    let title = match clean_text(&input.title, 150) {
        Ok(Some(t)) if t.chars().count() >= 3 => Some(t),
        Ok(_) => {
            e.push("title", "required");
            None
        }
        Err(Invalid(c)) => {
            e.push("title", c);
            None
        }
    };
    let quantity = positive(&input.quantity, "quantity", &mut e);
    if quantity.is_none() && input.quantity.trim().is_empty() {
        e.push("quantity", "required");
    }
    let deliver_by = if input.deliver_by.trim().is_empty() {
        e.push("deliver_by", "required");
        None
    } else {
        match parse_date(&input.deliver_by) {
            Ok(d) if d < today => {
                e.push("deliver_by", "date_in_past");
                None
            }
            Ok(d) => Some(d),
            Err(Invalid(c)) => {
                e.push("deliver_by", c);
                None
            }
        }
    };
    let price_min = positive(&input.price_min, "price_min", &mut e);
    let price_max = positive(&input.price_max, "price_max", &mut e);
    if let (Some(lo), Some(hi)) = (price_min, price_max)
        && hi < lo
    {
        e.push("price_max", "range_reversed");
    }
    let mut certificates = Vec::new();
    for c in &input.certificates {
        match LegalKind::parse(c) {
            Some(k) => certificates.push(k),
            None => e.push("certificates", "choice_invalid"),
        }
    }
    let max_weight_grams = positive(&input.max_weight_grams, "max_weight_grams", &mut e);
    let max_side_mm = positive(&input.max_side_cm, "max_side_cm", &mut e).map(|cm| cm * 10);
    let notes = match clean_text(&input.notes, 2000) {
        Ok(n) => n,
        Err(Invalid(c)) => {
            e.push("notes", c);
            None
        }
    };
    e.clone().into_result()?;
    match (title, quantity, deliver_by) {
        (Some(title), Some(quantity), Some(deliver_by)) => Ok(Request {
            title,
            category: Some(input.category.trim().to_string()).filter(|c| !c.is_empty()),
            keywords: words(&input.keywords),
            quantity,
            deliver_by,
            price_min,
            price_max,
            certificates,
            packaging: words(&input.packaging),
            max_weight_grams,
            max_side_mm,
            region: Some(input.region.trim().to_string()).filter(|r| !r.is_empty()),
            notes,
        }),
        _ => Err(e),
    }
}

/// What matching knows of a product and its business.
#[derive(Debug, Clone, Default)]
pub struct Offer {
    pub name: String,
    pub description: String,
    pub category: String,
    pub price: Option<i64>,
    pub capacity_per_month: Option<i64>,
    pub stock: Option<i64>,
    pub weight_grams: Option<i64>,
    pub dimensions_mm: Option<[i64; 3]>,
    pub packaging: Option<String>,
    /// The business's certificates and when each expires.
    pub certificates: Vec<(LegalKind, Option<NaiveDate>)>,
    pub village_code: String,
    pub position: Option<Coordinates>,
    /// Deliveries to government units judged on time, of those with a due date.
    pub on_time: (i64, i64),
    /// Programme topics the business attended (e.g. `pengemasan`).
    pub topics: Vec<String>,
}

/// Why a product fits.
#[derive(Debug, Clone, PartialEq)]
pub enum Reason {
    Category,
    Keywords(usize),
    /// Can make this many by the delivery date.
    Capacity(i64),
    Price(i64),
    Certificate(LegalKind),
    Packaging,
    Size,
    InRegion,
    Near(f64),
    OnTime(i64, i64),
    Topic(String),
}

/// What a product still lacks for the request.
#[derive(Debug, Clone, PartialEq)]
pub enum Gap {
    /// Makes only this many by the delivery date (or capacity unknown: `None`).
    Capacity(Option<i64>),
    NoPrice,
    PriceAbove(i64),
    PriceBelow(i64),
    /// Missing, or expiring before the delivery date.
    Certificate(LegalKind),
    Packaging,
    TooHeavy,
    TooLarge,
    OutsideRegion,
}

/// A product's place on the shortlist.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    /// Its index among the offers.
    pub offer: usize,
    /// 0–100: how well it fits what it meets.
    pub score: f64,
    pub reasons: Vec<Reason>,
    pub gaps: Vec<Gap>,
}

/// The packaging clinic's topic (Permendagri-free, Sentra's own list).
pub const PACKAGING_TOPIC: &str = "pengemasan";

/// Great-circle distance in km.
pub fn distance_km(a: Coordinates, b: Coordinates) -> f64 {
    let (la1, la2) = (a.lat.to_radians(), b.lat.to_radians());
    let dla = la2 - la1;
    let dlo = (b.lon - a.lon).to_radians();
    let h = (dla / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlo / 2.0).sin().powi(2);
    2.0 * 6371.0 * h.sqrt().asin()
}

/// Ranks the offers for a request: those that meet everything first, then by how few gaps
/// they have, each by score. Offers of another category (when one is asked) are left out;
/// so are offers sharing no keyword with a request that gives keywords.
pub fn shortlist(
    request: &Request,
    offers: &[Offer],
    today: NaiveDate,
    delivery_point: Option<Coordinates>,
) -> Vec<Match> {
    let days = (request.deliver_by - today).num_days().max(0);
    // Whole months of production before the delivery date (a part month counts in part).
    let months = days as f64 / 30.0;
    let mut out = Vec::new();
    for (i, o) in offers.iter().enumerate() {
        let mut reasons = Vec::new();
        let mut gaps = Vec::new();
        let mut score = 0.0;
        if let Some(c) = &request.category {
            if o.category == *c || o.category.starts_with(&format!("{c}.")) {
                reasons.push(Reason::Category);
                score += 20.0;
            } else {
                continue;
            }
        }
        if !request.keywords.is_empty() {
            let have = words(&format!("{} {}", o.name, o.description));
            let hits = request
                .keywords
                .iter()
                .filter(|k| {
                    have.iter()
                        .any(|h| h.starts_with(k.as_str()) || k.starts_with(h.as_str()))
                })
                .count();
            if hits == 0 {
                continue;
            }
            reasons.push(Reason::Keywords(hits));
            score += 20.0 * hits as f64 / request.keywords.len() as f64;
        }
        match o.capacity_per_month {
            Some(cap) => {
                let can = (cap as f64 * months).floor() as i64 + o.stock.unwrap_or(0);
                if can >= request.quantity {
                    reasons.push(Reason::Capacity(can));
                    score += 20.0;
                } else {
                    gaps.push(Gap::Capacity(Some(can)));
                    score += 20.0 * can as f64 / request.quantity as f64;
                }
            }
            None => match o.stock {
                Some(s) if s >= request.quantity => {
                    reasons.push(Reason::Capacity(s));
                    score += 20.0;
                }
                _ => gaps.push(Gap::Capacity(o.stock)),
            },
        }
        match o.price {
            None if request.price_min.is_some() || request.price_max.is_some() => {
                gaps.push(Gap::NoPrice);
            }
            None => {}
            Some(p) => match (request.price_min, request.price_max) {
                (_, Some(hi)) if p > hi => gaps.push(Gap::PriceAbove(p)),
                (Some(lo), _) if p < lo => gaps.push(Gap::PriceBelow(p)),
                (None, None) => {}
                _ => {
                    reasons.push(Reason::Price(p));
                    score += 10.0;
                }
            },
        }
        for kind in &request.certificates {
            let valid = o
                .certificates
                .iter()
                .any(|(k, until)| k == kind && until.is_none_or(|u| u >= request.deliver_by));
            if valid {
                reasons.push(Reason::Certificate(*kind));
            } else {
                gaps.push(Gap::Certificate(*kind));
            }
        }
        if !request.packaging.is_empty() {
            let have = words(&format!(
                "{} {}",
                o.packaging.clone().unwrap_or_default(),
                o.description
            ));
            if request.packaging.iter().any(|p| have.contains(p)) {
                reasons.push(Reason::Packaging);
                score += 10.0;
            } else if o.topics.iter().any(|t| t == PACKAGING_TOPIC) {
                // Not packaged so yet, but the business took the packaging clinic.
                score += 5.0;
            } else {
                gaps.push(Gap::Packaging);
            }
        }
        if let Some(max) = request.max_weight_grams {
            match o.weight_grams {
                Some(w) if w <= max => {
                    reasons.push(Reason::Size);
                }
                Some(_) => gaps.push(Gap::TooHeavy),
                None => {}
            }
        }
        if let (Some(max), Some(d)) = (request.max_side_mm, o.dimensions_mm) {
            if d.iter().any(|s| *s > max) {
                gaps.push(Gap::TooLarge);
            } else if !reasons.contains(&Reason::Size) {
                reasons.push(Reason::Size);
            }
        }
        if let Some(r) = &request.region {
            if o.village_code == *r || o.village_code.starts_with(&format!("{r}.")) {
                reasons.push(Reason::InRegion);
                score += 5.0;
            } else {
                gaps.push(Gap::OutsideRegion);
            }
        }
        if let (Some(p), Some(q)) = (delivery_point, o.position) {
            let km = distance_km(p, q);
            reasons.push(Reason::Near(km));
            score += 5.0 * (1.0 - (km / 100.0).min(1.0));
        }
        if o.on_time.1 > 0 {
            reasons.push(Reason::OnTime(o.on_time.0, o.on_time.1));
            score += 5.0 * o.on_time.0 as f64 / o.on_time.1 as f64;
        }
        if o.topics.iter().any(|t| t == PACKAGING_TOPIC) {
            reasons.push(Reason::Topic(PACKAGING_TOPIC.into()));
            score += 5.0;
        }
        out.push(Match {
            offer: i,
            score: score.min(100.0),
            reasons,
            gaps,
        });
    }
    out.sort_by(|a, b| {
        a.gaps.len().cmp(&b.gaps.len()).then(
            b.score
                .partial_cmp(&a.score)
                .unwrap_or(std::cmp::Ordering::Equal),
        )
    });
    out
}

/// An exhibition as typed.
#[derive(Debug, Clone, Default)]
pub struct ExhibitionInput {
    pub title: String,
    pub theme: String,
    /// `online` or `offline`.
    pub kind: String,
    pub venue: String,
    pub starts_on: String,
    pub ends_on: String,
    pub description: String,
}

/// A checked exhibition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exhibition {
    pub title: String,
    pub theme: Option<String>,
    pub online: bool,
    pub venue: Option<String>,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub description: Option<String>,
}

/// Checks an exhibition: a title, online or at a venue (named), dates in order.
pub fn validate_exhibition(input: &ExhibitionInput) -> Result<Exhibition, FieldErrors> {
    let mut e = FieldErrors::new();
    let text = |field: &str, v: &str, max: usize, e: &mut FieldErrors| match clean_text(v, max) {
        Ok(t) => t,
        Err(Invalid(c)) => {
            e.push(field, c);
            None
        }
    };
    let title = text("title", &input.title, 150, &mut e);
    if title.as_ref().is_none_or(|t| t.chars().count() < 3) && e.for_field("title").next().is_none()
    {
        e.push("title", "required");
    }
    let theme = text("theme", &input.theme, 100, &mut e);
    let venue = text("venue", &input.venue, 200, &mut e);
    let description = text("description", &input.description, 2000, &mut e);
    let online = match input.kind.trim() {
        "online" => true,
        "offline" => false,
        _ => {
            e.push("kind", "choice_invalid");
            false
        }
    };
    if !online && venue.is_none() && e.for_field("kind").next().is_none() {
        e.push("venue", "required");
    }
    let date = |field: &str, v: &str, e: &mut FieldErrors| {
        if v.trim().is_empty() {
            e.push(field, "required");
            return None;
        }
        e.check(field, parse_date(v))
    };
    let starts_on = date("starts_on", &input.starts_on, &mut e);
    let ends_on = date("ends_on", &input.ends_on, &mut e);
    if let (Some(a), Some(b)) = (starts_on, ends_on)
        && b < a
    {
        e.push("ends_on", "date_before_start");
    }
    e.clone().into_result()?;
    match (title, starts_on, ends_on) {
        (Some(title), Some(starts_on), Some(ends_on)) => Ok(Exhibition {
            title,
            theme,
            online,
            venue,
            starts_on,
            ends_on,
            description,
        }),
        _ => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn scarf(name: &str, capacity: i64, price: i64) -> Offer {
        Offer {
            name: name.into(),
            description: "Selendang tenun ikat motif kuda".into(),
            category: "kerajinan.tenun".into(),
            price: Some(price),
            capacity_per_month: Some(capacity),
            weight_grams: Some(250),
            dimensions_mm: Some([1800, 500, 5]),
            packaging: Some("Kotak kertas premium untuk hotel".into()),
            village_code: "36.74.03.1005".into(),
            ..Offer::default()
        }
    }

    /// "200 tenun scarves, halal not needed, packaged for a hotel, delivery in 6 weeks".
    #[test]
    fn tenun_scarves_for_a_hotel_are_shortlisted_with_reasons_and_gaps() {
        let today = day(2026, 12, 3);
        let r = validate_request(
            &RequestInput {
                title: "Selendang tenun untuk kamar hotel".into(),
                category: "kerajinan".into(),
                keywords: "selendang tenun".into(),
                quantity: "200".into(),
                deliver_by: "14/01/2027".into(),
                price_max: "Rp 400.000".into(),
                packaging: "hotel".into(),
                ..RequestInput::default()
            },
            today,
        )
        .unwrap();
        let mut bulk = scarf("Selendang Tenun Motif Kuda", 150, 350_000);
        bulk.topics = vec![PACKAGING_TOPIC.into()];
        bulk.on_time = (4, 5);
        let small = scarf("Selendang Tenun Bunga", 40, 300_000);
        let mut pricey = scarf("Selendang Tenun Sutra", 300, 900_000);
        pricey.packaging = Some("plastik".into());
        pricey.description = "Selendang tenun sutra".into();
        let keripik = Offer {
            name: "Keripik".into(),
            category: "makanan.keripik".into(),
            ..Offer::default()
        };
        let offers = vec![small, keripik, pricey, bulk];
        let list = shortlist(&r, &offers, today, None);
        assert_eq!(list.len(), 3, "other categories are left out");
        // Six weeks of 150 a month: 210 ≥ 200, priced within, packaged for hotels.
        assert_eq!(list[0].offer, 3);
        assert!(list[0].gaps.is_empty(), "{:?}", list[0].gaps);
        assert!(list[0].reasons.contains(&Reason::Packaging));
        assert!(
            list[0]
                .reasons
                .contains(&Reason::Topic(PACKAGING_TOPIC.into()))
        );
        // 40 a month makes 56 by then.
        let small = list.iter().find(|m| m.offer == 0).unwrap();
        assert_eq!(small.gaps, vec![Gap::Capacity(Some(56))]);
        let pricey = list.iter().find(|m| m.offer == 2).unwrap();
        assert!(pricey.gaps.contains(&Gap::PriceAbove(900_000)));
        assert!(pricey.gaps.contains(&Gap::Packaging));
    }

    #[test]
    fn a_certificate_expiring_before_delivery_is_a_gap() {
        let today = day(2026, 12, 3);
        let r = validate_request(
            &RequestInput {
                title: "Sambal untuk restoran".into(),
                quantity: "100".into(),
                deliver_by: "2027-03-01".into(),
                certificates: vec!["halal".into(), "pirt".into()],
                ..RequestInput::default()
            },
            today,
        )
        .unwrap();
        let offer = Offer {
            name: "Sambal".into(),
            capacity_per_month: Some(500),
            certificates: vec![
                (LegalKind::Halal, Some(day(2027, 2, 1))),
                (LegalKind::Pirt, None),
            ],
            ..Offer::default()
        };
        let m = &shortlist(&r, &[offer], today, None)[0];
        assert_eq!(m.gaps, vec![Gap::Certificate(LegalKind::Halal)]);
        assert!(m.reasons.contains(&Reason::Certificate(LegalKind::Pirt)));
    }

    #[test]
    fn a_request_is_checked() {
        let today = day(2026, 12, 3);
        let e = validate_request(
            &RequestInput {
                title: "".into(),
                quantity: "nol".into(),
                deliver_by: "2026-11-01".into(),
                price_min: "500 rb".into(),
                price_max: "100 rb".into(),
                certificates: vec!["emas".into()],
                ..RequestInput::default()
            },
            today,
        )
        .unwrap_err();
        for f in [
            "title",
            "quantity",
            "deliver_by",
            "price_max",
            "certificates",
        ] {
            assert!(e.for_field(f).next().is_some(), "{f}: {e:?}");
        }
        assert!(
            (distance_km(
                Coordinates::new(-6.2, 106.8).unwrap(),
                Coordinates::new(-6.3, 106.8).unwrap()
            ) - 11.1)
                .abs()
                < 0.2
        );
    }
}
