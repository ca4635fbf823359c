//! Location quotients: LQ = (eᵢ/eₜ) / (Eᵢ/Eₜ) — a sector's share of the region's total
//! (employees, sales or number of UMKM) against its share of a reference region's total. Above
//! 1 the sector is a basis sector of the region (it exports beyond local demand).

/// What the quotient counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Measure {
    /// Number of UMKM.
    #[default]
    Count,
    Employees,
    Sales,
}

impl Measure {
    pub const ALL: [Measure; 3] = [Self::Count, Self::Employees, Self::Sales];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Count => "count",
            Self::Employees => "employees",
            Self::Sales => "sales",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == s.trim())
    }
}

/// The quotient, or `None` when a total or the reference sector is zero.
pub fn location_quotient(
    local: f64,
    local_total: f64,
    reference: f64,
    reference_total: f64,
) -> Option<f64> {
    if local_total <= 0.0 || reference <= 0.0 || reference_total <= 0.0 || local < 0.0 {
        return None;
    }
    Some((local / local_total) / (reference / reference_total))
}

/// A sector's quotient with the figures behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct LqRow {
    pub sector: String,
    pub local: f64,
    pub reference: f64,
    pub lq: Option<f64>,
}

impl LqRow {
    /// A basis sector: LQ above 1.
    pub fn basis(&self) -> bool {
        self.lq.is_some_and(|q| q > 1.0)
    }
}

/// Every sector's quotient from the region's and the reference region's figures per sector
/// (sectors missing on one side count as 0 there).
pub fn quotients(local: &[(String, f64)], reference: &[(String, f64)]) -> Vec<LqRow> {
    let local_total: f64 = local.iter().map(|(_, v)| v).sum();
    let reference_total: f64 = reference.iter().map(|(_, v)| v).sum();
    let mut sectors: Vec<&String> = local.iter().chain(reference).map(|(s, _)| s).collect();
    sectors.sort();
    sectors.dedup();
    sectors
        .into_iter()
        .map(|s| {
            let l = local.iter().find(|(k, _)| k == s).map_or(0.0, |(_, v)| *v);
            let r = reference
                .iter()
                .find(|(k, _)| k == s)
                .map_or(0.0, |(_, v)| *v);
            LqRow {
                sector: s.clone(),
                local: l,
                reference: r,
                lq: location_quotient(l, local_total, r, reference_total),
            }
        })
        .collect()
}

/// Where a candidate stands on the quadrant of LQ (basis or not) × AHP priority (above the
/// average of the candidates or not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quadrant {
    /// Basis sector and a priority: the flagship.
    Flagship,
    /// A priority whose sector is not (yet) basis: to develop.
    Priority,
    /// Basis sector the FGD ranked low: to keep.
    Basis,
    Neither,
}

impl Quadrant {
    pub fn of(lq: Option<f64>, score: f64, average: f64) -> Self {
        match (lq.is_some_and(|q| q > 1.0), score >= average) {
            (true, true) => Self::Flagship,
            (false, true) => Self::Priority,
            (true, false) => Self::Basis,
            (false, false) => Self::Neither,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Flagship => "flagship",
            Self::Priority => "priority",
            Self::Basis => "basis",
            Self::Neither => "neither",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sector_twice_as_common_here_has_lq_two() {
        // Crafts: 20 of 100 UMKM here, 100 of 1000 in the province.
        assert_eq!(location_quotient(20.0, 100.0, 100.0, 1000.0), Some(2.0));
        assert_eq!(location_quotient(5.0, 100.0, 0.0, 1000.0), None);
        assert_eq!(location_quotient(5.0, 0.0, 10.0, 1000.0), None);
        let rows = quotients(
            &[("kriya".into(), 20.0), ("kuliner".into(), 80.0)],
            &[
                ("kriya".into(), 100.0),
                ("kuliner".into(), 800.0),
                ("jasa".into(), 100.0),
            ],
        );
        let by = |s: &str| rows.iter().find(|r| r.sector == s).unwrap();
        assert_eq!(by("kriya").lq, Some(2.0));
        assert!(by("kriya").basis());
        assert_eq!(by("kuliner").lq, Some(1.0));
        assert!(!by("kuliner").basis(), "exactly 1 is not basis");
        assert_eq!(by("jasa").lq, Some(0.0));
    }

    #[test]
    fn the_quadrant_needs_both_basis_and_priority() {
        assert_eq!(Quadrant::of(Some(1.4), 0.4, 0.33), Quadrant::Flagship);
        assert_eq!(Quadrant::of(Some(0.8), 0.4, 0.33), Quadrant::Priority);
        assert_eq!(Quadrant::of(Some(1.4), 0.2, 0.33), Quadrant::Basis);
        assert_eq!(Quadrant::of(None, 0.2, 0.33), Quadrant::Neither);
    }
}
