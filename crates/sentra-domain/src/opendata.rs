//! Open data: aggregate, non-personal counts per region, with small counts suppressed so that
//! no business can be singled out (the usual statistical disclosure rule: a cell under the
//! threshold is withheld, and when a row's total is published, a second cell is withheld with
//! it so the first cannot be worked out by subtraction).

/// Counts under this (and above zero) are withheld.
pub const THRESHOLD: i64 = 5;

/// A published count: its value, or withheld.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    Shown(i64),
    Withheld,
}

impl Cell {
    /// As a CSV or JSON field: the number, or empty.
    pub fn value(self) -> Option<i64> {
        match self {
            Cell::Shown(n) => Some(n),
            Cell::Withheld => None,
        }
    }
}

/// Suppresses one row: `total` and the parts that add up to it (a partition, e.g. the size
/// classes). A total under the threshold withholds the whole row; a part under it is withheld,
/// and if only one part of the partition is withheld, the next smallest is withheld too.
pub fn suppress_partition(total: i64, parts: &[i64]) -> (Cell, Vec<Cell>) {
    if total > 0 && total < THRESHOLD {
        return (
            Cell::Withheld,
            parts.iter().map(|_| Cell::Withheld).collect(),
        );
    }
    let small = |n: i64| n > 0 && n < THRESHOLD;
    let mut cells: Vec<Cell> = parts
        .iter()
        .map(|&n| {
            if small(n) {
                Cell::Withheld
            } else {
                Cell::Shown(n)
            }
        })
        .collect();
    if cells.iter().filter(|c| **c == Cell::Withheld).count() == 1 {
        // The smallest other part (a zero is worth withholding too: it is not known to be zero).
        if let Some(i) = parts
            .iter()
            .enumerate()
            .filter(|(i, _)| cells[*i] != Cell::Withheld)
            .min_by_key(|(_, n)| **n)
            .map(|(i, _)| i)
        {
            cells[i] = Cell::Withheld;
        }
    }
    (Cell::Shown(total), cells)
}

/// Suppresses a count that stands alone beside a total (e.g. those holding an NIB): withheld
/// when it, or what is left of the total, is under the threshold.
pub fn suppress_subset(total: i64, part: i64) -> Cell {
    let small = |n: i64| n > 0 && n < THRESHOLD;
    if small(total) || small(part) || small(total - part) {
        Cell::Withheld
    } else {
        Cell::Shown(part)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Cell::{Shown, Withheld};

    #[test]
    fn small_counts_are_withheld_with_a_second_cell() {
        // 3 medium businesses: withheld, and the smallest other (kecil, 20) with them.
        assert_eq!(
            suppress_partition(123, &[100, 20, 3]),
            (Shown(123), vec![Shown(100), Withheld, Withheld])
        );
        // Two small cells protect each other.
        assert_eq!(
            suppress_partition(110, &[100, 6, 2, 2]),
            (Shown(110), vec![Shown(100), Shown(6), Withheld, Withheld])
        );
        // Nothing small: all shown; a tiny region: all withheld.
        assert_eq!(
            suppress_partition(30, &[20, 10, 0]),
            (Shown(30), vec![Shown(20), Shown(10), Shown(0)])
        );
        assert_eq!(
            suppress_partition(4, &[4, 0]),
            (Withheld, vec![Withheld, Withheld])
        );
        assert_eq!(suppress_subset(100, 98), Withheld, "two without: withheld");
        assert_eq!(suppress_subset(100, 60), Shown(60));
        assert_eq!(suppress_subset(0, 0), Shown(0));
    }
}
