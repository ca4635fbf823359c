//! The legality path of one business: which documents it needs, from its sector and products,
//! where each stands (missing, in progress, obtained, expiring, expired), and the next step.
//! The order is the path offices walk owners through: NIB first (every business, PP 5/2021),
//! NPWP, the food permit for processed food (P-IRT, Peraturan BPOM 22/2018; BPOM MD for
//! high-risk food, PP 28/2004), halal for food, drink and cosmetics (UU 33/2014; mandatory for
//! micro and small food businesses from 17 October 2026, PP 39/2021 Pasal 140 as amended), the
//! label and packaging of food (PP 69/1999 on food labels), SNI where a mandatory standard
//! covers the product, and the brand (HKI/merek, UU 20/2016).

use chrono::NaiveDate;
use serde::Serialize;

use crate::product::{CertStatus, cert_status};
use crate::umkm::{LegalDocument, LegalKind};

/// One step of the path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PathItem {
    Nib,
    Npwp,
    /// P-IRT, or BPOM MD for high-risk processed food.
    FoodPermit,
    Halal,
    /// Label and packaging of packaged food.
    Label,
    Sni,
    /// A registered brand.
    Brand,
}

impl PathItem {
    pub const ALL: [PathItem; 7] = [
        Self::Nib,
        Self::Npwp,
        Self::FoodPermit,
        Self::Halal,
        Self::Label,
        Self::Sni,
        Self::Brand,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Nib => "nib",
            Self::Npwp => "npwp",
            Self::FoodPermit => "food_permit",
            Self::Halal => "halal",
            Self::Label => "label",
            Self::Sni => "sni",
            Self::Brand => "brand",
        }
    }

    pub fn parse(s: &str) -> Option<PathItem> {
        Self::ALL.into_iter().find(|i| i.as_str() == s)
    }

    /// The documents that satisfy it.
    pub fn documents(self) -> &'static [LegalKind] {
        match self {
            Self::Nib => &[LegalKind::Nib],
            Self::Npwp => &[LegalKind::Npwp],
            Self::FoodPermit => &[LegalKind::Pirt, LegalKind::Bpom],
            Self::Halal => &[LegalKind::Halal],
            Self::Sni => &[LegalKind::Sni],
            Self::Brand => &[LegalKind::Hki],
            Self::Label => &[],
        }
    }

    /// The programme topic whose clinics help with it.
    pub fn topic(self) -> &'static str {
        match self {
            Self::Halal => "halal",
            Self::Label => "pengemasan",
            Self::Sni => "kualitas_produk",
            _ => "legalitas",
        }
    }
}

/// How much a business needs a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Need {
    Required,
    Recommended,
    /// Only when a mandatory standard covers the product (SNI wajib).
    IfApplicable,
}

impl Need {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Required => "required",
            Self::Recommended => "recommended",
            Self::IfApplicable => "if_applicable",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PathStatus {
    Missing,
    InProgress,
    Obtained,
    /// Expires within [`crate::product::EXPIRING_DAYS`].
    Expiring,
    Expired,
}

impl PathStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Missing => "missing",
            Self::InProgress => "in_progress",
            Self::Obtained => "obtained",
            Self::Expiring => "expiring",
            Self::Expired => "expired",
        }
    }

    /// Whether the step is done for now (an expiring document still counts).
    pub fn done(self) -> bool {
        matches!(self, Self::Obtained | Self::Expiring)
    }
}

/// What the path is computed from.
#[derive(Debug, Clone)]
pub struct LegalityFacts<'a> {
    /// Sector code (`kuliner`, `kecantikan`, …).
    pub sector: &'a str,
    pub documents: &'a [LegalDocument],
    /// Steps an operator marked as being applied for.
    pub in_progress: &'a [PathItem],
    /// It makes processed food (its sector, or a product in a food category).
    pub food: bool,
    /// Its food products, and how many of them carry a described packaging and net weight.
    pub food_products: usize,
    pub labelled_food_products: usize,
    pub today: NaiveDate,
}

/// One step with its need and status, the document behind it, and the date it is due by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    pub item: PathItem,
    pub need: Need,
    pub status: PathStatus,
    /// The document that satisfies it (the best one held).
    pub document: Option<LegalDocument>,
    /// A legal deadline (halal for micro and small food businesses).
    pub due: Option<NaiveDate>,
}

/// Halal certification becomes mandatory for micro and small food and drink businesses.
pub fn halal_deadline() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 10, 17).unwrap_or(NaiveDate::MIN)
}

/// Sectors whose products are food, drink or cosmetics.
pub fn halal_sector(sector: &str) -> bool {
    matches!(sector, "kuliner" | "pertanian_olahan" | "kecantikan")
}

/// Sectors that make processed food.
pub fn food_sector(sector: &str) -> bool {
    matches!(sector, "kuliner" | "pertanian_olahan")
}

/// The path, in order. Steps that do not apply to the business are left out (no food permit
/// for a tailor); SNI appears only as "if applicable".
pub fn legality_path(f: &LegalityFacts<'_>) -> Vec<Step> {
    let food = f.food || food_sector(f.sector);
    let halal = food || halal_sector(f.sector);
    let mut steps = Vec::new();
    let mut push = |item: PathItem, need: Need, due: Option<NaiveDate>| {
        let held = f
            .documents
            .iter()
            .filter(|d| item.documents().contains(&d.kind))
            // The best held: valid over expiring over expired.
            .min_by_key(|d| match cert_status(d.expires_on, f.today) {
                CertStatus::Valid => 0,
                CertStatus::Expiring => 1,
                CertStatus::Expired => 2,
            })
            .cloned();
        let status = match (&held, item) {
            (Some(d), _) => match cert_status(d.expires_on, f.today) {
                CertStatus::Valid => PathStatus::Obtained,
                CertStatus::Expiring => PathStatus::Expiring,
                CertStatus::Expired if f.in_progress.contains(&item) => PathStatus::InProgress,
                CertStatus::Expired => PathStatus::Expired,
            },
            (None, PathItem::Label) if f.food_products > 0 => {
                if f.labelled_food_products == f.food_products {
                    PathStatus::Obtained
                } else if f.in_progress.contains(&item) {
                    PathStatus::InProgress
                } else {
                    PathStatus::Missing
                }
            }
            (None, _) if f.in_progress.contains(&item) => PathStatus::InProgress,
            (None, _) => PathStatus::Missing,
        };
        steps.push(Step {
            item,
            need,
            status,
            document: held,
            due,
        });
    };
    push(PathItem::Nib, Need::Required, None);
    push(PathItem::Npwp, Need::Recommended, None);
    if food {
        push(PathItem::FoodPermit, Need::Required, None);
    }
    if halal {
        push(PathItem::Halal, Need::Required, Some(halal_deadline()));
    }
    if food {
        push(PathItem::Label, Need::Required, None);
    }
    push(PathItem::Sni, Need::IfApplicable, None);
    push(PathItem::Brand, Need::Recommended, None);
    steps
}

/// The first step still to take (not done, not already applied for): a required one, else a
/// recommended one.
pub fn next_step(steps: &[Step]) -> Option<&Step> {
    let open = |need: Need| {
        steps.iter().find(|s| {
            s.need == need && matches!(s.status, PathStatus::Missing | PathStatus::Expired)
        })
    };
    open(Need::Required).or_else(|| open(Need::Recommended))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
    }

    fn doc(kind: LegalKind, expires: Option<NaiveDate>) -> LegalDocument {
        LegalDocument {
            kind,
            number: "1".into(),
            issued_on: None,
            expires_on: expires,
        }
    }

    fn facts<'a>(
        sector: &'a str,
        documents: &'a [LegalDocument],
        in_progress: &'a [PathItem],
    ) -> LegalityFacts<'a> {
        LegalityFacts {
            sector,
            documents,
            in_progress,
            food: false,
            food_products: 0,
            labelled_food_products: 0,
            today: day(2026, 11, 24),
        }
    }

    fn statuses(steps: &[Step]) -> Vec<(&'static str, &'static str)> {
        steps
            .iter()
            .map(|s| (s.item.as_str(), s.status.as_str()))
            .collect()
    }

    #[test]
    fn a_food_business_walks_the_whole_path() {
        let docs = [
            doc(LegalKind::Nib, None),
            // A P-IRT expiring in a month, and an expired one: the better counts.
            doc(LegalKind::Pirt, Some(day(2026, 12, 20))),
            doc(LegalKind::Pirt, Some(day(2025, 1, 1))),
        ];
        let mut f = facts("kuliner", &docs, &[PathItem::Halal]);
        f.food_products = 3;
        f.labelled_food_products = 2;
        let steps = legality_path(&f);
        assert_eq!(
            statuses(&steps),
            [
                ("nib", "obtained"),
                ("npwp", "missing"),
                ("food_permit", "expiring"),
                ("halal", "in_progress"),
                ("label", "missing"),
                ("sni", "missing"),
                ("brand", "missing"),
            ]
        );
        assert_eq!(steps[3].due, Some(halal_deadline()));
        // Halal is in progress, so the next required step is the label.
        assert_eq!(next_step(&steps).map(|s| s.item), Some(PathItem::Label));
    }

    #[test]
    fn a_tailor_needs_no_food_permit_and_a_salon_needs_halal() {
        let tailor = legality_path(&facts("fesyen", &[], &[]));
        assert_eq!(
            tailor.iter().map(|s| s.item).collect::<Vec<_>>(),
            [
                PathItem::Nib,
                PathItem::Npwp,
                PathItem::Sni,
                PathItem::Brand
            ]
        );
        assert_eq!(next_step(&tailor).map(|s| s.item), Some(PathItem::Nib));
        let salon = legality_path(&facts("kecantikan", &[], &[]));
        assert!(salon.iter().any(|s| s.item == PathItem::Halal));
        assert!(!salon.iter().any(|s| s.item == PathItem::FoodPermit));
        // A trader selling packaged snacks is on the food path through its products.
        let mut trader = facts("perdagangan", &[], &[]);
        trader.food = true;
        assert!(
            legality_path(&trader)
                .iter()
                .any(|s| s.item == PathItem::FoodPermit)
        );
    }

    #[test]
    fn expired_documents_are_expired_unless_renewal_is_under_way() {
        let docs = [doc(LegalKind::Halal, Some(day(2026, 1, 1)))];
        let steps = legality_path(&facts("kuliner", &docs, &[]));
        let halal = steps.iter().find(|s| s.item == PathItem::Halal);
        assert_eq!(halal.map(|s| s.status), Some(PathStatus::Expired));
        let steps = legality_path(&facts("kuliner", &docs, &[PathItem::Halal]));
        let halal = steps.iter().find(|s| s.item == PathItem::Halal);
        assert_eq!(halal.map(|s| s.status), Some(PathStatus::InProgress));
        // Everything required done: the next step is a recommended one.
        let all = [doc(LegalKind::Nib, None), doc(LegalKind::Npwp, None)];
        let steps = legality_path(&facts("jasa", &all, &[]));
        assert_eq!(next_step(&steps).map(|s| s.item), Some(PathItem::Brand));
    }
}
