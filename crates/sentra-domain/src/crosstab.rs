//! Ad-hoc cross-tabulations for reports: any two dimensions of the registry against a measure
//! (how many UMKM, their employees, modal or sales), pivoted into a table with totals.

use std::cmp::Ordering;
use std::collections::HashMap;

/// What a table's rows or columns split the registry by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Axis {
    /// The regions one level under the report's region.
    Region,
    Sector,
    Size,
    Status,
    /// The owner's sex (GEDSI reporting).
    Sex,
    /// Holding an NIB or not.
    Nib,
    /// Holding a halal certificate or not.
    Halal,
    /// The year the record entered the registry.
    Registered,
}

impl Axis {
    pub const ALL: [Axis; 8] = [
        Self::Region,
        Self::Sector,
        Self::Size,
        Self::Status,
        Self::Sex,
        Self::Nib,
        Self::Halal,
        Self::Registered,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Region => "region",
            Self::Sector => "sector",
            Self::Size => "size",
            Self::Status => "status",
            Self::Sex => "sex",
            Self::Nib => "nib",
            Self::Halal => "halal",
            Self::Registered => "registered",
        }
    }

    pub fn parse(s: &str) -> Option<Axis> {
        Self::ALL.into_iter().find(|a| a.as_str() == s.trim())
    }
}

/// What each cell adds up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Measure {
    Count,
    Employees,
    Modal,
    Sales,
}

impl Measure {
    pub const ALL: [Measure; 4] = [Self::Count, Self::Employees, Self::Modal, Self::Sales];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Count => "count",
            Self::Employees => "employees",
            Self::Modal => "modal",
            Self::Sales => "sales",
        }
    }

    pub fn parse(s: &str) -> Option<Measure> {
        Self::ALL.into_iter().find(|m| m.as_str() == s.trim())
    }

    /// Rupiah amounts (formatted as money), as opposed to counts.
    pub fn is_rupiah(self) -> bool {
        matches!(self, Self::Modal | Self::Sales)
    }
}

/// A pivoted table: row and column keys in order, a value per pair (0 where nothing was
/// found), and the totals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pivot {
    pub rows: Vec<String>,
    pub columns: Vec<String>,
    /// `values[r][c]`.
    /// `i128`: sums of rupiah may pass `i64` (see `money::MAX_RUPIAH`).
    pub values: Vec<Vec<i128>>,
    pub row_totals: Vec<i128>,
    pub column_totals: Vec<i128>,
    pub total: i128,
}

/// Pivots `(row, column, value)` cells (each pair at most once, as a GROUP BY gives them);
/// keys are sorted with each axis's order (e.g. size classes in their legal order, regions by
/// code).
pub fn pivot(
    cells: &[(String, String, i128)],
    row_order: impl Fn(&str, &str) -> Ordering,
    column_order: impl Fn(&str, &str) -> Ordering,
) -> Pivot {
    let mut rows: Vec<String> = cells.iter().map(|c| c.0.clone()).collect();
    let mut columns: Vec<String> = cells.iter().map(|c| c.1.clone()).collect();
    rows.sort_by(|a, b| row_order(a, b));
    rows.dedup();
    columns.sort_by(|a, b| column_order(a, b));
    columns.dedup();
    let index = |keys: &[String]| -> HashMap<String, usize> {
        keys.iter()
            .enumerate()
            .map(|(i, k)| (k.clone(), i))
            .collect()
    };
    let (row_at, column_at) = (index(&rows), index(&columns));
    let mut values = vec![vec![0i128; columns.len()]; rows.len()];
    for (r, c, v) in cells {
        if let (Some(&i), Some(&j)) = (row_at.get(r), column_at.get(c)) {
            values[i][j] += v;
        }
    }
    let row_totals: Vec<i128> = values.iter().map(|r| r.iter().sum()).collect();
    let column_totals: Vec<i128> = (0..columns.len())
        .map(|j| values.iter().map(|r| r[j]).sum())
        .collect();
    Pivot {
        total: row_totals.iter().sum(),
        rows,
        columns,
        values,
        row_totals,
        column_totals,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_pivoted_with_totals_and_zeros_where_nothing_was_found() {
        let cells = vec![
            ("kuliner".to_string(), "mikro".to_string(), 5),
            ("fesyen".to_string(), "kecil".to_string(), 2),
            ("kuliner".to_string(), "kecil".to_string(), 1),
        ];
        let p = pivot(&cells, |a, b| a.cmp(b), |a, b| b.cmp(a));
        assert_eq!(p.rows, ["fesyen", "kuliner"]);
        assert_eq!(p.columns, ["mikro", "kecil"], "each axis in its own order");
        assert_eq!(p.values, vec![vec![0, 2], vec![5, 1]]);
        assert_eq!(p.row_totals, [2, 6]);
        assert_eq!(p.column_totals, [5, 3]);
        assert_eq!(p.total, 8);
    }

    #[test]
    fn axes_and_measures_round_trip() {
        for a in Axis::ALL {
            assert_eq!(Axis::parse(a.as_str()), Some(a));
        }
        for m in Measure::ALL {
            assert_eq!(Measure::parse(m.as_str()), Some(m));
        }
        assert_eq!(Axis::parse("nik"), None);
    }
}
