//! Size classes of PP 7/2021 Pasal 35: by modal usaha (excluding land and buildings), the
//! criterion at registration, or by annual sales when the modal is unknown. Upper limits are
//! inclusive ("paling banyak").

use serde::Serialize;

const MILIAR: i64 = 1_000_000_000;

/// The most modal a usaha mikro has (PP 7/2021 Pasal 35 ayat (3)).
pub const MIKRO_MODAL_MAX: i64 = MILIAR;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SizeClass {
    Mikro,
    Kecil,
    Menengah,
    Besar,
}

impl SizeClass {
    pub const ALL: [SizeClass; 4] = [Self::Mikro, Self::Kecil, Self::Menengah, Self::Besar];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mikro => "mikro",
            Self::Kecil => "kecil",
            Self::Menengah => "menengah",
            Self::Besar => "besar",
        }
    }

    pub fn parse(s: &str) -> Option<SizeClass> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// Which criterion decided the class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SizeBasis {
    /// PP 7/2021 Pasal 35 ayat (3): modal usaha.
    Modal,
    /// PP 7/2021 Pasal 35 ayat (5): hasil penjualan tahunan.
    Sales,
}

impl SizeBasis {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Modal => "modal",
            Self::Sales => "sales",
        }
    }

    pub fn parse(s: &str) -> Option<SizeBasis> {
        match s {
            "modal" => Some(Self::Modal),
            "sales" => Some(Self::Sales),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SizeDecision {
    pub class: SizeClass,
    pub basis: SizeBasis,
}

/// PP 7/2021 Pasal 35 ayat (3): mikro ≤ Rp1 M, kecil ≤ Rp5 M, menengah ≤ Rp10 M of modal usaha.
pub fn class_by_modal(modal: i64) -> SizeClass {
    match modal {
        m if m <= MILIAR => SizeClass::Mikro,
        m if m <= 5 * MILIAR => SizeClass::Kecil,
        m if m <= 10 * MILIAR => SizeClass::Menengah,
        _ => SizeClass::Besar,
    }
}

/// PP 7/2021 Pasal 35 ayat (5): mikro ≤ Rp2 M, kecil ≤ Rp15 M, menengah ≤ Rp50 M of annual sales.
pub fn class_by_sales(sales: i64) -> SizeClass {
    match sales {
        s if s <= 2 * MILIAR => SizeClass::Mikro,
        s if s <= 15 * MILIAR => SizeClass::Kecil,
        s if s <= 50 * MILIAR => SizeClass::Menengah,
        _ => SizeClass::Besar,
    }
}

/// Modal first (the criterion at registration, Pasal 35 ayat (4)); annual sales when modal is unknown.
pub fn classify(modal: Option<i64>, annual_sales: Option<i64>) -> Option<SizeDecision> {
    match (modal, annual_sales) {
        (Some(m), _) => Some(SizeDecision {
            class: class_by_modal(m),
            basis: SizeBasis::Modal,
        }),
        (None, Some(s)) => Some(SizeDecision {
            class: class_by_sales(s),
            basis: SizeBasis::Sales,
        }),
        (None, None) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_inclusive() {
        assert_eq!(class_by_modal(MILIAR), SizeClass::Mikro);
        assert_eq!(class_by_modal(MILIAR + 1), SizeClass::Kecil);
        assert_eq!(class_by_modal(5 * MILIAR), SizeClass::Kecil);
        assert_eq!(class_by_modal(5 * MILIAR + 1), SizeClass::Menengah);
        assert_eq!(class_by_modal(10 * MILIAR), SizeClass::Menengah);
        assert_eq!(class_by_modal(10 * MILIAR + 1), SizeClass::Besar);
        assert_eq!(class_by_sales(2 * MILIAR), SizeClass::Mikro);
        assert_eq!(class_by_sales(2 * MILIAR + 1), SizeClass::Kecil);
        assert_eq!(class_by_sales(15 * MILIAR), SizeClass::Kecil);
        assert_eq!(class_by_sales(15 * MILIAR + 1), SizeClass::Menengah);
        assert_eq!(class_by_sales(50 * MILIAR), SizeClass::Menengah);
        assert_eq!(class_by_sales(50 * MILIAR + 1), SizeClass::Besar);
    }

    #[test]
    fn modal_decides_before_sales() {
        let d = classify(Some(500_000_000), Some(20 * MILIAR)).unwrap();
        assert_eq!((d.class, d.basis), (SizeClass::Mikro, SizeBasis::Modal));
        let d = classify(None, Some(20 * MILIAR)).unwrap();
        assert_eq!((d.class, d.basis), (SizeClass::Menengah, SizeBasis::Sales));
        assert_eq!(classify(None, None), None);
    }
}
