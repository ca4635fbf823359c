//! Open data: aggregate, non-personal counts per region, with small counts suppressed so that
//! no business can be singled out (the usual statistical disclosure rule: a cell under the
//! threshold is withheld — primary suppression — and further cells are withheld with it so that
//! it cannot be worked out by subtraction — complementary suppression).
//!
//! The files publish a kecamatan and its kelurahan with the same columns, so a kecamatan's
//! cells are the sums of its kelurahan's: a withheld kelurahan cell could otherwise be read off
//! as the kecamatan's figure minus the other kelurahan's. [`suppress_group`] withholds cells
//! until no withheld cell (and no small "without" count) follows from what is published by any
//! combination of the sums the files publish: within a row (total = size classes; total = with
//! NIB + without), and down the columns (kecamatan = sum of its kelurahan).

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

/// One region's counts: the total, the parts it splits into (they add up to it, e.g. the size
/// classes) and counts of subsets of it (e.g. those holding an NIB; the rest is implied).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    pub total: i64,
    pub parts: Vec<i64>,
    pub subsets: Vec<i64>,
}

impl Counts {
    /// The sum of several regions' counts (a kecamatan from its kelurahan), with `parts` and
    /// `subsets` columns each.
    pub fn sum<'a>(
        rows: impl IntoIterator<Item = &'a Counts>,
        parts: usize,
        subsets: usize,
    ) -> Self {
        let mut out = Counts {
            total: 0,
            parts: vec![0; parts],
            subsets: vec![0; subsets],
        };
        for r in rows {
            out.total += r.total;
            for (o, v) in out.parts.iter_mut().zip(&r.parts) {
                *o += v;
            }
            for (o, v) in out.subsets.iter_mut().zip(&r.subsets) {
                *o += v;
            }
        }
        out
    }
}

/// A region's counts as published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    pub total: Cell,
    pub parts: Vec<Cell>,
    pub subsets: Vec<Cell>,
}

fn small(n: i64) -> bool {
    n > 0 && n < THRESHOLD
}

/// A group's cells in one numbering: row `r` (0 the parent, then the children) has its total,
/// parts and subsets at `r * width ..`; the implied "without" count of each subset follows all
/// published cells.
struct Layout {
    rows: usize,
    parts: usize,
    subsets: usize,
}

impl Layout {
    fn width(&self) -> usize {
        1 + self.parts + self.subsets
    }
    fn total(&self, r: usize) -> usize {
        r * self.width()
    }
    fn part(&self, r: usize, i: usize) -> usize {
        r * self.width() + 1 + i
    }
    fn subset(&self, r: usize, j: usize) -> usize {
        r * self.width() + 1 + self.parts + j
    }
    fn published(&self) -> usize {
        self.rows * self.width()
    }
    fn without(&self, r: usize, j: usize) -> usize {
        self.published() + r * self.subsets + j
    }
}

/// A linear equation over cells: Σ coefficient × cell = 0.
type Equation = Vec<(usize, i64)>;

/// Suppresses a region published together with its children, whose counts add up to it (a
/// kecamatan and its kelurahan). Every row and column the files can add up is taken into
/// account; the cells withheld beyond the small ones are the smallest that do the job. A
/// region with no children is a row of its own.
///
/// Small counts (1 to 4) are withheld, a whole row when its total is small, and a subset's
/// count when it or the rest of the total is small. Then, while some withheld cell (or a
/// small rest) can be computed exactly from the published cells by any combination of the
/// sums, the smallest published cell of that combination is withheld too.
pub fn suppress_group(parent: &Counts, children: &[Counts]) -> (Published, Vec<Published>) {
    let rows: Vec<&Counts> = std::iter::once(parent).chain(children).collect();
    let layout = Layout {
        rows: rows.len(),
        parts: parent.parts.len(),
        subsets: parent.subsets.len(),
    };
    let cell = |v: Option<&i64>| v.copied().unwrap_or(0);
    // Values of the published cells, then of the implied rests.
    let mut value = vec![0i64; layout.published() + layout.rows * layout.subsets];
    let mut withheld = vec![false; layout.published()];
    // Rests that are small themselves: they must not follow from what is published either.
    let mut sensitive_rest = vec![false; layout.rows * layout.subsets];
    for (r, row) in rows.iter().enumerate() {
        value[layout.total(r)] = row.total;
        for i in 0..layout.parts {
            value[layout.part(r, i)] = cell(row.parts.get(i));
        }
        for j in 0..layout.subsets {
            let sub = cell(row.subsets.get(j));
            value[layout.subset(r, j)] = sub;
            value[layout.without(r, j)] = row.total - sub;
            sensitive_rest[r * layout.subsets + j] = small(row.total - sub);
        }
        if small(row.total) {
            // A tiny region: nothing of it is shown.
            let start = layout.total(r);
            withheld[start..start + layout.width()]
                .iter_mut()
                .for_each(|w| *w = true);
            continue;
        }
        for i in 0..layout.parts {
            withheld[layout.part(r, i)] = small(value[layout.part(r, i)]);
        }
        for j in 0..layout.subsets {
            withheld[layout.subset(r, j)] =
                small(value[layout.subset(r, j)]) || sensitive_rest[r * layout.subsets + j];
        }
    }

    let mut equations: Vec<Equation> = Vec::new();
    for r in 0..layout.rows {
        let mut e = vec![(layout.total(r), 1)];
        e.extend((0..layout.parts).map(|i| (layout.part(r, i), -1)));
        equations.push(e);
        // total = subset + rest; a rest that is not small is an unknown of this equation
        // alone, so the equation says nothing about the others and is left out.
        for j in 0..layout.subsets {
            if sensitive_rest[r * layout.subsets + j] {
                equations.push(vec![
                    (layout.total(r), 1),
                    (layout.subset(r, j), -1),
                    (layout.without(r, j), -1),
                ]);
            }
        }
    }
    if layout.rows > 1 {
        for c in 0..layout.width() {
            let mut e = vec![(c, 1)];
            e.extend((1..layout.rows).map(|r| (r * layout.width() + c, -1)));
            equations.push(e);
        }
    }
    // Which published cell to give up first: the smallest; on a tie a child's rather than the
    // parent's, a part rather than a total.
    let cost = |c: usize| {
        let r = c / layout.width();
        (value[c], r == 0, c.is_multiple_of(layout.width()), c)
    };

    // The cheap rule first (an equation with exactly one unknown gives it away), then any
    // combination of equations, until nothing withheld can be computed.
    loop {
        let unknown = |c: usize, withheld: &[bool]| {
            c >= layout.published() || withheld.get(c).copied().unwrap_or(false)
        };
        let single = equations.iter().find_map(|e| {
            let mut hidden = e.iter().filter(|(c, _)| unknown(*c, &withheld));
            match (hidden.next(), hidden.next()) {
                (Some(_), None) => e
                    .iter()
                    .filter(|(c, _)| !unknown(*c, &withheld))
                    .map(|(c, _)| *c)
                    .min_by_key(|c| cost(*c)),
                _ => None,
            }
        });
        if let Some(c) = single {
            withheld[c] = true;
            continue;
        }
        let unknowns: Vec<usize> = (0..value.len())
            .filter(|c| unknown(*c, &withheld))
            .collect();
        match disclosed(&equations, &unknowns) {
            Some(Disclosure::Through(combination)) => {
                let next = combination
                    .into_iter()
                    .filter(|c| !unknown(*c, &withheld))
                    .min_by_key(|c| cost(*c));
                match next {
                    Some(c) => withheld[c] = true,
                    None => break,
                }
            }
            Some(Disclosure::Overflow) => {
                // Cannot tell: withhold the whole group rather than risk it.
                withheld.iter_mut().for_each(|w| *w = true);
                break;
            }
            None => break,
        }
    }

    let published = |r: usize| {
        let shown = |c: usize| {
            if withheld[c] {
                Cell::Withheld
            } else {
                Cell::Shown(value[c])
            }
        };
        Published {
            total: shown(layout.total(r)),
            parts: (0..layout.parts)
                .map(|i| shown(layout.part(r, i)))
                .collect(),
            subsets: (0..layout.subsets)
                .map(|j| shown(layout.subset(r, j)))
                .collect(),
        }
    };
    let children = (1..layout.rows).map(published).collect();
    (published(0), children)
}

enum Disclosure {
    /// Some unknown is computable: the cells (published ones among them) of a combination of
    /// equations that gives it; withholding one of the published ones breaks that combination.
    Through(Vec<usize>),
    /// The arithmetic ran out of range.
    Overflow,
}

fn gcd(a: i128, b: i128) -> i128 {
    let (mut a, mut b) = (a.abs(), b.abs());
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// Whether some unknown follows from the equations with every other cell known: reduces the
/// equations' matrix over the unknowns (exact integers) beside the identity, which records how
/// each reduced row combines the equations. An unknown is computable exactly when a reduced
/// row has it as its only unknown.
fn disclosed(equations: &[Equation], unknowns: &[usize]) -> Option<Disclosure> {
    let col: std::collections::HashMap<usize, usize> =
        unknowns.iter().enumerate().map(|(i, c)| (*c, i)).collect();
    let (n, m) = (unknowns.len(), equations.len());
    let mut rows: Vec<Vec<i128>> = equations
        .iter()
        .enumerate()
        .map(|(k, e)| {
            let mut row = vec![0i128; n + m];
            for (c, coef) in e {
                if let Some(i) = col.get(c) {
                    row[*i] += i128::from(*coef);
                }
            }
            row[n + k] = 1;
            row
        })
        .collect();
    let mut pivot_row = 0;
    for c in 0..n {
        let Some(p) = (pivot_row..m).find(|r| rows[*r][c] != 0) else {
            continue;
        };
        rows.swap(pivot_row, p);
        let pivot = rows[pivot_row].clone();
        for (r, row) in rows.iter_mut().enumerate() {
            if r == pivot_row || row[c] == 0 {
                continue;
            }
            let (a, b) = (pivot[c], row[c]);
            for (x, y) in row.iter_mut().zip(&pivot) {
                let Some(v) = x
                    .checked_mul(a)
                    .and_then(|xa| y.checked_mul(b).and_then(|yb| xa.checked_sub(yb)))
                else {
                    return Some(Disclosure::Overflow);
                };
                *x = v;
            }
            let g = row.iter().fold(0, |g, v| gcd(g, *v));
            if g > 1 {
                row.iter_mut().for_each(|v| *v /= g);
            }
        }
        pivot_row += 1;
    }
    for row in rows.iter().take(pivot_row) {
        if row[..n].iter().filter(|v| **v != 0).count() != 1 {
            continue;
        }
        // The combination's cells: every cell of an equation it uses whose coefficients do not
        // cancel out.
        let mut sum: std::collections::BTreeMap<usize, i128> = std::collections::BTreeMap::new();
        for (k, e) in equations.iter().enumerate() {
            let y = row[n + k];
            if y == 0 {
                continue;
            }
            for (c, coef) in e {
                let Some(v) = y.checked_mul(i128::from(*coef)) else {
                    return Some(Disclosure::Overflow);
                };
                *sum.entry(*c).or_default() += v;
            }
        }
        let cells: Vec<usize> = sum
            .into_iter()
            .filter(|(c, v)| *v != 0 && !col.contains_key(c))
            .map(|(c, _)| c)
            .collect();
        // A combination without published cells says the unknown is 0 whatever the data: it
        // tells nothing about this region.
        if !cells.is_empty() {
            return Some(Disclosure::Through(cells));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use Cell::{Shown, Withheld};
    use proptest::prelude::*;

    fn row(total: i64, parts: &[i64], subsets: &[i64]) -> Counts {
        Counts {
            total,
            parts: parts.to_vec(),
            subsets: subsets.to_vec(),
        }
    }

    fn alone(total: i64, parts: &[i64], subsets: &[i64]) -> Published {
        suppress_group(&row(total, parts, subsets), &[]).0
    }

    #[test]
    fn small_counts_are_withheld_with_a_second_cell() {
        // 3 medium businesses: withheld, and the smallest other part (0) with them.
        let p = alone(123, &[100, 20, 3, 0], &[]);
        assert_eq!(p.total, Shown(123));
        assert_eq!(p.parts, vec![Shown(100), Shown(20), Withheld, Withheld]);
        // Two small cells protect each other.
        let p = alone(110, &[100, 6, 2, 2], &[]);
        assert_eq!(p.parts, vec![Shown(100), Shown(6), Withheld, Withheld]);
        // Nothing small: all shown; a tiny region: all withheld.
        let p = alone(30, &[20, 10, 0], &[25]);
        assert_eq!(p.parts, vec![Shown(20), Shown(10), Shown(0)]);
        assert_eq!(p.subsets, vec![Shown(25)]);
        let p = alone(4, &[4, 0], &[1]);
        assert_eq!(p.total, Withheld);
        assert_eq!(p.parts, vec![Withheld, Withheld]);
        assert_eq!(p.subsets, vec![Withheld]);
        // Two without an NIB among 100: the count with one is withheld.
        assert_eq!(alone(100, &[100], &[98]).subsets, vec![Withheld]);
    }

    #[test]
    fn a_kelurahan_cell_is_not_the_kecamatan_minus_the_others() {
        // Kelurahan B has 2 medium businesses: the kecamatan's 2 would give it away, as would
        // the kecamatan's 14 minus A's 12. Another kelurahan's cell goes with it.
        let a = row(40, &[28, 12], &[30]);
        let b = row(22, &[20, 2], &[10]);
        let c = row(30, &[22, 8], &[20]);
        let parent = Counts::sum([&a, &b, &c], 2, 1);
        let (p, kids) = suppress_group(&parent, &[a, b, c]);
        let column: Vec<Cell> = kids.iter().map(|k| k.parts[1]).collect();
        assert_eq!(column.iter().filter(|c| **c == Withheld).count(), 2);
        assert_eq!(kids[1].parts[1], Withheld);
        // In B's row the partner is the other part.
        assert_eq!(kids[1].parts[0], Withheld);
        // The kecamatan's column total may stay: two unknowns under it.
        assert_eq!(p.parts[1], Shown(22));
    }

    #[test]
    fn two_withheld_in_every_row_and_column_can_still_give_one_away() {
        // Every row and column sum has none or two or more withheld cells once the simple rule
        // is done, yet a combination of the sums computes one of them: the exact check
        // withholds more (found by the property test below).
        let kids = vec![
            row(5, &[0, 0, 1, 1, 3], &[]),
            row(6, &[0, 1, 5, 0, 0], &[]),
            row(6, &[1, 0, 5, 0, 0], &[]),
            row(16, &[5, 5, 5, 1, 0], &[]),
            row(8, &[0, 0, 0, 3, 5], &[]),
        ];
        let parent = Counts::sum(&kids, 5, 0);
        let (p, out) = suppress_group(&parent, &kids);
        assert!(no_cell_computable(&parent, &kids, &p, &out));
    }

    /// Rank of a matrix modulo a large prime (independent of the code under test).
    fn rank_mod(mut m: Vec<Vec<i64>>) -> usize {
        const P: i64 = 2_147_483_647;
        let inv = |a: i64| {
            let (mut r, mut b, mut e) = (1i64, a.rem_euclid(P), P - 2);
            while e > 0 {
                if e & 1 == 1 {
                    r = r * b % P;
                }
                b = b * b % P;
                e >>= 1;
            }
            r
        };
        let cols = m.first().map_or(0, Vec::len);
        let mut rank = 0;
        for c in 0..cols {
            let Some(p) = (rank..m.len()).find(|r| m[*r][c].rem_euclid(P) != 0) else {
                continue;
            };
            m.swap(rank, p);
            let f = inv(m[rank][c]);
            let pivot: Vec<i64> = m[rank].iter().map(|v| v.rem_euclid(P) * f % P).collect();
            for (r, row) in m.iter_mut().enumerate() {
                if r != rank {
                    let k = row[c].rem_euclid(P);
                    for (x, y) in row.iter_mut().zip(&pivot) {
                        *x = (x.rem_euclid(P) - k * y % P).rem_euclid(P);
                    }
                }
            }
            m[rank] = pivot;
            rank += 1;
        }
        rank
    }

    /// With the whole system (every rest an unknown, every sum), no withheld cell and no small
    /// rest is computable: removing its column from the unknowns' matrix keeps the rank.
    fn no_cell_computable(
        parent: &Counts,
        kids: &[Counts],
        p: &Published,
        out: &[Published],
    ) -> bool {
        let rows: Vec<(&Counts, &Published)> = std::iter::once((parent, p))
            .chain(kids.iter().zip(out))
            .collect();
        let (np, ns) = (parent.parts.len(), parent.subsets.len());
        let w = 1 + np + ns + ns;
        // Unknown columns: withheld cells and every rest.
        let mut unknown = Vec::new();
        let mut sensitive = Vec::new();
        for (r, (c, pb)) in rows.iter().enumerate() {
            let cells = std::iter::once(pb.total)
                .chain(pb.parts.iter().copied())
                .chain(pb.subsets.iter().copied());
            for (i, cell) in cells.enumerate() {
                if cell == Withheld {
                    unknown.push(r * w + i);
                    sensitive.push(r * w + i);
                }
            }
            for j in 0..ns {
                let i = r * w + 1 + np + ns + j;
                unknown.push(i);
                if small(c.total - c.subsets[j]) {
                    sensitive.push(i);
                }
            }
        }
        let mut eqs: Vec<Vec<(usize, i64)>> = Vec::new();
        for r in 0..rows.len() {
            let mut e = vec![(r * w, 1)];
            e.extend((0..np).map(|i| (r * w + 1 + i, -1)));
            eqs.push(e);
            for j in 0..ns {
                eqs.push(vec![
                    (r * w, 1),
                    (r * w + 1 + np + j, -1),
                    (r * w + 1 + np + ns + j, -1),
                ]);
            }
        }
        if rows.len() > 1 {
            for c in 0..w {
                let mut e = vec![(c, 1)];
                e.extend((1..rows.len()).map(|r| (r * w + c, -1)));
                eqs.push(e);
            }
        }
        let matrix = |cols: &[usize]| -> Vec<Vec<i64>> {
            eqs.iter()
                .map(|e| {
                    cols.iter()
                        .map(|c| e.iter().filter(|(x, _)| x == c).map(|(_, k)| k).sum())
                        .collect()
                })
                .collect()
        };
        let full = rank_mod(matrix(&unknown));
        sensitive.iter().all(|s| {
            let rest: Vec<usize> = unknown.iter().copied().filter(|c| c != s).collect();
            rank_mod(matrix(&rest)) == full
        })
    }

    fn counts(parts: usize, subsets: usize) -> impl Strategy<Value = Counts> {
        (
            prop::collection::vec(prop_oneof![0i64..6, 0i64..40], parts),
            prop::collection::vec(0u32..=100, subsets),
        )
            .prop_map(|(parts, shares)| {
                let total: i64 = parts.iter().sum();
                // Subsets of the total, often near it or near zero.
                let subsets = shares
                    .iter()
                    .map(|s| match s % 4 {
                        0 => total.min(i64::from(s % 5)),
                        1 => (total - i64::from(s % 5)).max(0),
                        _ => total * i64::from(*s) / 100,
                    })
                    .collect();
                Counts {
                    total,
                    parts,
                    subsets,
                }
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn no_withheld_cell_follows_from_the_published_ones(
            kids in prop::collection::vec(counts(5, 2), 0..7)
        ) {
            let parent = if kids.is_empty() {
                row(17, &[9, 3, 0, 4, 1], &[15, 2])
            } else {
                Counts::sum(&kids, 5, 2)
            };
            let (p, out) = suppress_group(&parent, &kids);
            let rows: Vec<(&Counts, &Published)> =
                std::iter::once((&parent, &p)).chain(kids.iter().zip(&out)).collect();
            for (c, pb) in &rows {
                // What is shown is true, and nothing small is shown.
                let pairs = std::iter::once((c.total, pb.total))
                    .chain(c.parts.iter().copied().zip(pb.parts.iter().copied()))
                    .chain(c.subsets.iter().copied().zip(pb.subsets.iter().copied()));
                for (v, cell) in pairs {
                    if let Shown(s) = cell {
                        prop_assert_eq!(s, v);
                        prop_assert!(!small(v));
                    }
                }
                for (sub, cell) in c.subsets.iter().zip(&pb.subsets) {
                    if cell.value().is_some() {
                        prop_assert!(!small(c.total - sub));
                    }
                }
                // A row whose total is shown never has exactly one part withheld.
                if pb.total != Withheld {
                    prop_assert_ne!(pb.parts.iter().filter(|x| **x == Withheld).count(), 1);
                }
            }
            // Down every column: a shown parent's cell never has exactly one child withheld
            // (it would be the parent minus the published children).
            if !out.is_empty() {
                let cells = |x: &Published| -> Vec<Cell> {
                    std::iter::once(x.total)
                        .chain(x.parts.iter().copied())
                        .chain(x.subsets.iter().copied())
                        .collect()
                };
                let parent_cells = cells(&p);
                for (i, pc) in parent_cells.iter().enumerate() {
                    if *pc != Withheld {
                        let hidden = out.iter().filter(|k| cells(k)[i] == Withheld).count();
                        prop_assert_ne!(hidden, 1, "column {}", i);
                    }
                }
            }
            // And no combination of the sums gives a withheld cell or a small rest away.
            prop_assert!(no_cell_computable(&parent, &kids, &p, &out));
        }
    }
}
