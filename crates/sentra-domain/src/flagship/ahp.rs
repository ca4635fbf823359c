//! The Analytic Hierarchy Process on one pairwise comparison matrix (Saaty): judgements on the
//! 1–9 scale with their reciprocals, priorities by the principal eigenvector or by the
//! geometric mean, λmax, CI = (λmax − n)/(n − 1) and CR = CI/RI with Saaty's random indices
//! (accepted below 0.10), the judgements that make a matrix inconsistent with the value that
//! would fit, and group judgements combined by weighted geometric mean.
//!
//! Missing judgements are allowed when every element is still compared, directly or through
//! others (the comparison graph is connected). The eigenvector of an incomplete matrix follows
//! Harker (1987): a missing aᵢⱼ is 0 and the diagonal of row i holds 1 + the row's missing
//! count. Its eigenvector is the one of the matrix completed with wᵢ/wⱼ (the same λmax), so
//! λmax, CI and CR are those of that completed matrix. The geometric mean of an incomplete
//! matrix is its logarithmic least squares solution over the judgements given.

// Matrix arithmetic reads as the formulas do with indices.
#![allow(clippy::needless_range_loop)]

/// Saaty's random consistency indices for n = 1…15 (Saaty 1980; extended table).
pub const RANDOM_INDEX: [f64; 15] = [
    0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51, 1.48, 1.56, 1.57, 1.59,
];

/// The largest matrix compared (Saaty's table ends at 15; people manage far fewer).
pub const MAX_ELEMENTS: usize = 15;

/// CR at or above this asks the participant to revise (Saaty's 10% rule).
pub const CR_LIMIT: f64 = 0.10;

/// The 17 values of the scale from 1/9 to 9, as judgements are given.
pub const SCALE: [f64; 17] = [
    1.0 / 9.0,
    1.0 / 8.0,
    1.0 / 7.0,
    1.0 / 6.0,
    1.0 / 5.0,
    1.0 / 4.0,
    1.0 / 3.0,
    1.0 / 2.0,
    1.0,
    2.0,
    3.0,
    4.0,
    5.0,
    6.0,
    7.0,
    8.0,
    9.0,
];

/// A judgement as written: `3`, `1/5`, `0.2` (positive, within 1/9…9).
pub fn parse_judgement(text: &str) -> Option<f64> {
    let t = text.trim().replace(',', ".");
    let v = match t.split_once('/') {
        Some((a, b)) => a.trim().parse::<f64>().ok()? / b.trim().parse::<f64>().ok()?,
        None => t.parse::<f64>().ok()?,
    };
    (v.is_finite() && (1.0 / 9.0 - 1e-9..=9.0 + 1e-9).contains(&v)).then_some(v)
}

/// A value of the scale written as the form writes it: `3`, `1`, `1/5`.
pub fn judgement_text(v: f64) -> String {
    let s = nearest_scale(v);
    if s >= 1.0 {
        format!("{}", s.round() as i64)
    } else {
        format!("1/{}", (1.0 / s).round() as i64)
    }
}

/// The scale value closest to `v` on the logarithmic scale judgements live on.
pub fn nearest_scale(v: f64) -> f64 {
    let lv = v.max(1e-12).ln();
    SCALE
        .iter()
        .copied()
        .min_by(|a, b| {
            (a.ln() - lv)
                .abs()
                .partial_cmp(&(b.ln() - lv).abs())
                .unwrap_or(std::cmp::Ordering::Equal)
        })
        .unwrap_or(1.0)
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AhpError {
    #[error("a matrix needs 1 to {MAX_ELEMENTS} rows, each as long as the matrix is tall")]
    Shape,
    #[error("row {0}, column {1}: judgements must be positive numbers")]
    NotPositive(usize, usize),
    #[error("row {0}: the diagonal must be 1")]
    Diagonal(usize),
    #[error("rows {0} and {1}: a[j][i] must be 1/a[i][j]")]
    NotReciprocal(usize, usize),
    /// Some elements are not compared with the others, even indirectly.
    #[error("not every element is compared with the others")]
    Disconnected,
}

/// How priorities are derived from a matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Method {
    /// Saaty's principal right eigenvector.
    #[default]
    Eigenvector,
    /// The rows' geometric means (logarithmic least squares).
    GeometricMean,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Eigenvector => "eigenvector",
            Self::GeometricMean => "geometric_mean",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "eigenvector" => Some(Self::Eigenvector),
            "geometric_mean" => Some(Self::GeometricMean),
            _ => None,
        }
    }
}

/// A reciprocal pairwise comparison matrix, possibly with missing judgements.
#[derive(Debug, Clone, PartialEq)]
pub struct PairwiseMatrix {
    n: usize,
    /// Row-major; `None` where no judgement was given (the diagonal is always 1).
    a: Vec<Option<f64>>,
}

impl PairwiseMatrix {
    /// `n` elements, no judgement yet.
    pub fn new(n: usize) -> Self {
        let mut a = vec![None; n * n];
        for i in 0..n {
            a[i * n + i] = Some(1.0);
        }
        Self { n, a }
    }

    /// A full matrix as numbers, e.g. from `sentra ahp`: square, positive, 1 on the diagonal,
    /// reciprocal (to 2% — people write 0.33 for 1/3).
    pub fn from_rows(rows: &[Vec<f64>]) -> Result<Self, AhpError> {
        let n = rows.len();
        if n == 0 || n > MAX_ELEMENTS || rows.iter().any(|r| r.len() != n) {
            return Err(AhpError::Shape);
        }
        let mut m = Self::new(n);
        for (i, row) in rows.iter().enumerate() {
            for (j, &v) in row.iter().enumerate() {
                if !(v.is_finite() && v > 0.0) {
                    return Err(AhpError::NotPositive(i, j));
                }
                if i == j && (v - 1.0).abs() > 1e-9 {
                    return Err(AhpError::Diagonal(i));
                }
                if j > i && (v * rows[j][i] - 1.0).abs() > 0.02 {
                    return Err(AhpError::NotReciprocal(i, j));
                }
                m.a[i * n + j] = Some(v);
            }
        }
        Ok(m)
    }

    pub fn size(&self) -> usize {
        self.n
    }

    /// Sets aᵢⱼ = `v` and aⱼᵢ = 1/`v` (`None` removes the judgement).
    pub fn set(&mut self, i: usize, j: usize, v: Option<f64>) {
        if i == j || i >= self.n || j >= self.n {
            return;
        }
        let v = v.filter(|x| x.is_finite() && *x > 0.0);
        self.a[i * self.n + j] = v;
        self.a[j * self.n + i] = v.map(|x| 1.0 / x);
    }

    pub fn get(&self, i: usize, j: usize) -> Option<f64> {
        self.a.get(i * self.n + j).copied().flatten()
    }

    /// The pairs (i < j) without a judgement.
    pub fn missing(&self) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        for i in 0..self.n {
            for j in i + 1..self.n {
                if self.get(i, j).is_none() {
                    out.push((i, j));
                }
            }
        }
        out
    }

    /// Every element compared with every other, directly or through others.
    pub fn connected(&self) -> bool {
        if self.n <= 1 {
            return true;
        }
        let mut seen = vec![false; self.n];
        let mut stack = vec![0];
        seen[0] = true;
        while let Some(i) = stack.pop() {
            for j in 0..self.n {
                if !seen[j] && self.get(i, j).is_some() {
                    seen[j] = true;
                    stack.push(j);
                }
            }
        }
        seen.iter().all(|s| *s)
    }

    /// The matrix with each missing aᵢⱼ filled by wᵢ/wⱼ.
    fn completed(&self, w: &[f64]) -> Vec<f64> {
        let n = self.n;
        let mut out = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                out[i * n + j] = self.get(i, j).unwrap_or(w[i] / w[j]);
            }
        }
        out
    }
}

/// What a matrix says: the priorities (summing to 1), λmax, CI and CR.
#[derive(Debug, Clone, PartialEq)]
pub struct Priorities {
    pub weights: Vec<f64>,
    pub lambda_max: f64,
    pub ci: f64,
    pub cr: f64,
    /// Judgements not given (pairs i < j).
    pub missing: usize,
}

impl Priorities {
    /// CR below 0.10 (Saaty): acceptable.
    pub fn consistent(&self) -> bool {
        self.cr < CR_LIMIT
    }
}

fn normalise(v: &mut [f64]) {
    let s: f64 = v.iter().sum();
    if s > 0.0 {
        for x in v.iter_mut() {
            *x /= s;
        }
    }
}

/// The principal eigenvector and eigenvalue of a positive (or irreducible non-negative)
/// n×n matrix, by power iteration.
fn principal(m: &[f64], n: usize) -> (Vec<f64>, f64) {
    let mut w = vec![1.0 / n as f64; n];
    let mut lambda = n as f64;
    for _ in 0..10_000 {
        let mut next = vec![0.0; n];
        for i in 0..n {
            next[i] = (0..n).map(|j| m[i * n + j] * w[j]).sum();
        }
        lambda = next.iter().sum::<f64>() / w.iter().sum::<f64>();
        normalise(&mut next);
        let change = next
            .iter()
            .zip(&w)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        w = next;
        if change < 1e-13 {
            break;
        }
    }
    (w, lambda)
}

fn random_index(n: usize) -> f64 {
    RANDOM_INDEX
        .get(n.saturating_sub(1))
        .copied()
        .unwrap_or(1.59)
}

/// Priorities of a matrix by `method`, with its consistency.
pub fn priorities(m: &PairwiseMatrix, method: Method) -> Result<Priorities, AhpError> {
    let n = m.n;
    if n == 0 || n > MAX_ELEMENTS {
        return Err(AhpError::Shape);
    }
    if !m.connected() {
        return Err(AhpError::Disconnected);
    }
    let weights = match method {
        Method::Eigenvector => {
            // Harker's matrix: missing entries 0, the row's missing count added to its diagonal.
            let mut b = vec![0.0; n * n];
            for i in 0..n {
                let mut missing = 0.0;
                for j in 0..n {
                    match m.get(i, j) {
                        Some(v) => b[i * n + j] = v,
                        None => missing += 1.0,
                    }
                }
                b[i * n + i] += missing;
            }
            principal(&b, n).0
        }
        Method::GeometricMean => log_least_squares(m),
    };
    let (_, lambda_max) = principal(&m.completed(&weights), n);
    let ci = if n > 2 {
        ((lambda_max - n as f64) / (n as f64 - 1.0)).max(0.0)
    } else {
        0.0
    };
    let ri = random_index(n);
    Ok(Priorities {
        weights,
        lambda_max,
        ci,
        cr: if ri > 0.0 { ci / ri } else { 0.0 },
        missing: m.missing().len(),
    })
}

/// The logarithmic least squares priorities over the judgements given: for a complete matrix
/// the rows' geometric means. Solves L·x = r (L the comparison graph's Laplacian, r the sums
/// of ln aᵢⱼ) with x₀ fixed at 0, then w = exp(x) normalised.
fn log_least_squares(m: &PairwiseMatrix) -> Vec<f64> {
    let n = m.n;
    if n == 1 {
        return vec![1.0];
    }
    // The system without row/column 0 (x₀ = 0): (n−1)×(n−1), augmented.
    let k = n - 1;
    let mut s = vec![0.0; k * (k + 1)];
    for i in 1..n {
        let row = i - 1;
        for j in 0..n {
            if i == j {
                continue;
            }
            if let Some(v) = m.get(i, j) {
                s[row * (k + 1) + row] += 1.0;
                if j > 0 {
                    s[row * (k + 1) + (j - 1)] -= 1.0;
                }
                s[row * (k + 1) + k] += v.ln();
            }
        }
    }
    // Gaussian elimination with partial pivoting (the Laplacian minor of a connected graph is
    // positive definite).
    for col in 0..k {
        let pivot = (col..k)
            .max_by(|&a, &b| {
                s[a * (k + 1) + col]
                    .abs()
                    .partial_cmp(&s[b * (k + 1) + col].abs())
                    .unwrap_or(std::cmp::Ordering::Equal)
            })
            .unwrap_or(col);
        if pivot != col {
            for c in 0..=k {
                s.swap(col * (k + 1) + c, pivot * (k + 1) + c);
            }
        }
        let p = s[col * (k + 1) + col];
        if p.abs() < 1e-12 {
            continue;
        }
        for r in 0..k {
            if r == col {
                continue;
            }
            let f = s[r * (k + 1) + col] / p;
            if f != 0.0 {
                for c in col..=k {
                    s[r * (k + 1) + c] -= f * s[col * (k + 1) + c];
                }
            }
        }
    }
    let mut w = vec![1.0];
    for r in 0..k {
        let p = s[r * (k + 1) + r];
        let x = if p.abs() < 1e-12 {
            0.0
        } else {
            s[r * (k + 1) + k] / p
        };
        w.push(x.exp());
    }
    normalise(&mut w);
    w
}

/// A judgement that makes the matrix inconsistent and the value that fits the others.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    pub i: usize,
    pub j: usize,
    pub current: f64,
    /// The scale value that, put in its place, makes the matrix most consistent.
    pub suggested: f64,
    /// The matrix's CR with this one judgement changed.
    pub cr_after: f64,
}

/// Up to `limit` judgements whose change lowers CR the most, the lowest CR after first (none
/// when the matrix is already consistent). For each judgement given, every value of the scale
/// is tried in its place and the one giving the lowest CR is proposed.
pub fn suggestions(m: &PairwiseMatrix, method: Method, limit: usize) -> Vec<Suggestion> {
    let Ok(p) = priorities(m, method) else {
        return Vec::new();
    };
    if p.consistent() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for i in 0..m.n {
        for j in i + 1..m.n {
            let Some(current) = m.get(i, j) else {
                continue;
            };
            let mut best: Option<(f64, f64)> = None;
            for v in SCALE {
                if (v - current).abs() < 1e-9 {
                    continue;
                }
                let mut changed = m.clone();
                changed.set(i, j, Some(v));
                if let Ok(after) = priorities(&changed, method)
                    && best.is_none_or(|(_, cr)| after.cr < cr - 1e-12)
                {
                    best = Some((v, after.cr));
                }
            }
            if let Some((suggested, cr_after)) = best.filter(|(_, cr)| *cr < p.cr) {
                out.push(Suggestion {
                    i,
                    j,
                    current,
                    suggested,
                    cr_after,
                });
            }
        }
    }
    out.sort_by(|a, b| {
        a.cr_after
            .partial_cmp(&b.cr_after)
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    out.truncate(limit);
    out
}

/// What a participant is told about a section once saved: its consistency, the one change that
/// helps most with the judgements that show the contradiction, and whether one change cannot
/// fix it (the section is far off and is better answered again).
#[derive(Debug, Clone, PartialEq)]
pub struct Guidance {
    pub cr: f64,
    pub consistent: bool,
    /// The change that lowers CR the most (none when consistent or nothing helps).
    pub suggestion: Option<Suggestion>,
    /// The element `k` through which the suggested pair contradicts the others: the participant
    /// judged i against k and k against j, which together say something else of i against j.
    pub via: Option<usize>,
    /// Inconsistent even with the best single change: several judgements disagree.
    pub far_off: bool,
}

/// A section's guidance, one suggestion at a time (none when the matrix cannot be computed).
pub fn guidance(m: &PairwiseMatrix, method: Method) -> Option<Guidance> {
    let p = priorities(m, method).ok()?;
    let suggestion = suggestions(m, method, 1).into_iter().next();
    let via = suggestion
        .as_ref()
        .and_then(|s| contradiction_via(m, s.i, s.j));
    let far_off = !p.consistent() && suggestion.as_ref().is_none_or(|s| s.cr_after >= CR_LIMIT);
    Some(Guidance {
        cr: p.cr,
        consistent: p.consistent(),
        suggestion,
        via,
        far_off,
    })
}

/// The element k whose two judgements (i to k, k to j) imply a value for i to j furthest from
/// the one given, on the logarithmic scale: the plainest way to show a contradiction.
pub fn contradiction_via(m: &PairwiseMatrix, i: usize, j: usize) -> Option<usize> {
    let given = m.get(i, j)?;
    (0..m.n)
        .filter(|&k| k != i && k != j)
        .filter_map(|k| {
            let implied = m.get(i, k)? * m.get(k, j)?;
            Some((k, (implied.ln() - given.ln()).abs()))
        })
        .max_by(|a, b| a.1.partial_cmp(&b.1).unwrap_or(std::cmp::Ordering::Equal))
        .map(|(k, _)| k)
}

/// Group judgements by weighted geometric mean (aggregation of individual judgements): each
/// aᵢⱼ over the participants who gave it, weighted; a pair nobody judged stays missing. The
/// result is reciprocal because the geometric mean of reciprocals is the reciprocal.
pub fn aggregate(individual: &[(&PairwiseMatrix, f64)]) -> Option<PairwiseMatrix> {
    let n = individual.first()?.0.n;
    if individual
        .iter()
        .any(|(m, w)| m.n != n || w.is_nan() || *w < 0.0)
    {
        return None;
    }
    let mut out = PairwiseMatrix::new(n);
    for i in 0..n {
        for j in i + 1..n {
            let (mut sum, mut weight) = (0.0, 0.0);
            for (m, w) in individual {
                if let Some(v) = m.get(i, j) {
                    sum += w * v.ln();
                    weight += w;
                }
            }
            if weight > 0.0 {
                out.set(i, j, Some((sum / weight).exp()));
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn matrix(upper: &[(usize, usize, f64)], n: usize) -> PairwiseMatrix {
        let mut m = PairwiseMatrix::new(n);
        for &(i, j, v) in upper {
            m.set(i, j, Some(v));
        }
        m
    }

    fn round3(v: &[f64]) -> Vec<f64> {
        v.iter().map(|x| (x * 1000.0).round() / 1000.0).collect()
    }

    /// Equal to three decimals as published: within a unit of the third decimal (the leader
    /// example's .547 is 0.54757 cut, not rounded).
    fn close3(computed: &[f64], published: &[f64]) -> bool {
        computed.len() == published.len()
            && computed
                .iter()
                .zip(published)
                .all(|(a, b)| (a - b).abs() < 0.001)
    }

    /// Saaty's textbook 3×3 example: (0.637, 0.258, 0.105), λmax 3.039, CR 0.033.
    #[test]
    fn a_textbook_three_by_three_matrix() {
        let m = PairwiseMatrix::from_rows(&[
            vec![1.0, 3.0, 5.0],
            vec![1.0 / 3.0, 1.0, 3.0],
            vec![0.2, 1.0 / 3.0, 1.0],
        ])
        .unwrap();
        let p = priorities(&m, Method::Eigenvector).unwrap();
        assert_eq!(round3(&p.weights), vec![0.637, 0.258, 0.105]);
        assert_eq!((p.lambda_max * 1000.0).round() / 1000.0, 3.039);
        assert_eq!((p.cr * 1000.0).round() / 1000.0, 0.033);
    }

    /// The "choosing a leader" worked example (Wikipedia, Analytic hierarchy process – leader
    /// example): criteria .547/.127/.270/.056 (CR .044); Tom .358, Dick .493, Harry .149.
    #[test]
    fn the_leader_example_reproduces_its_published_priorities() {
        let criteria = matrix(
            &[
                (0, 1, 4.0),
                (0, 2, 3.0),
                (0, 3, 7.0),
                (1, 2, 1.0 / 3.0),
                (1, 3, 3.0),
                (2, 3, 5.0),
            ],
            4,
        );
        let c = priorities(&criteria, Method::Eigenvector).unwrap();
        assert!(
            close3(&c.weights, &[0.547, 0.127, 0.270, 0.056]),
            "{:?}",
            c.weights
        );
        assert_eq!((c.cr * 1000.0).round() / 1000.0, 0.044);
        // Tom, Dick, Harry under each criterion.
        let under = [
            (
                matrix(&[(0, 1, 0.25), (0, 2, 4.0), (1, 2, 9.0)], 3),
                [0.217, 0.717, 0.066],
            ),
            (
                matrix(&[(0, 1, 3.0), (0, 2, 0.2), (1, 2, 1.0 / 7.0)], 3),
                [0.188, 0.081, 0.731],
            ),
            (
                matrix(&[(0, 1, 5.0), (0, 2, 9.0), (1, 2, 4.0)], 3),
                [0.743, 0.194, 0.063],
            ),
            (
                matrix(&[(0, 1, 1.0 / 3.0), (0, 2, 5.0), (1, 2, 9.0)], 3),
                [0.265, 0.672, 0.063],
            ),
        ];
        let mut total = [0.0; 3];
        for (k, (m, expected)) in under.iter().enumerate() {
            let p = priorities(m, Method::Eigenvector).unwrap();
            assert!(
                close3(&p.weights, expected),
                "criterion {k}: {:?}",
                p.weights
            );
            assert!(p.consistent());
            for a in 0..3 {
                total[a] += c.weights[k] * p.weights[a];
            }
        }
        assert!(close3(&total, &[0.358, 0.493, 0.149]), "{total:?}");
    }

    #[test]
    fn a_consistent_matrix_has_cr_zero_and_exact_weights() {
        let w = [0.5, 0.25, 0.15, 0.1];
        let mut m = PairwiseMatrix::new(4);
        for i in 0..4 {
            for j in i + 1..4 {
                m.set(i, j, Some(w[i] / w[j]));
            }
        }
        for method in [Method::Eigenvector, Method::GeometricMean] {
            let p = priorities(&m, method).unwrap();
            assert!(p.cr.abs() < 1e-9, "{method:?}: {}", p.cr);
            assert!((p.lambda_max - 4.0).abs() < 1e-9);
            for (a, b) in p.weights.iter().zip(w) {
                assert!((a - b).abs() < 1e-9);
            }
            assert!(suggestions(&m, method, 3).is_empty());
        }
        // With judgements missing, a consistent rest still gives the exact weights.
        let mut sparse = m.clone();
        sparse.set(0, 3, None);
        sparse.set(1, 2, None);
        for method in [Method::Eigenvector, Method::GeometricMean] {
            let p = priorities(&sparse, method).unwrap();
            assert_eq!(p.missing, 2);
            for (a, b) in p.weights.iter().zip(w) {
                assert!((a - b).abs() < 1e-9, "{method:?}: {:?}", p.weights);
            }
        }
    }

    #[test]
    fn elements_nobody_compared_are_refused() {
        let m = matrix(&[(0, 1, 3.0), (2, 3, 2.0)], 4);
        assert!(!m.connected());
        assert_eq!(
            priorities(&m, Method::Eigenvector),
            Err(AhpError::Disconnected)
        );
    }

    #[test]
    fn the_geometric_mean_of_a_complete_matrix_is_the_rows_geometric_mean() {
        let m = PairwiseMatrix::from_rows(&[
            vec![1.0, 3.0, 5.0],
            vec![1.0 / 3.0, 1.0, 3.0],
            vec![0.2, 1.0 / 3.0, 1.0],
        ])
        .unwrap();
        let p = priorities(&m, Method::GeometricMean).unwrap();
        let rows: Vec<f64> = [15.0f64, 1.0, 1.0 / 15.0]
            .iter()
            .map(|x| x.powf(1.0 / 3.0))
            .collect();
        let s: f64 = rows.iter().sum();
        for (a, b) in p.weights.iter().zip(rows) {
            assert!((a - b / s).abs() < 1e-12);
        }
    }

    #[test]
    fn an_inconsistent_judgement_is_found_with_the_value_that_fits() {
        // A > B > C, then C ≫ A: the last judgement contradicts the other two.
        let m = matrix(&[(0, 1, 3.0), (1, 2, 3.0), (0, 2, 1.0 / 5.0)], 3);
        let p = priorities(&m, Method::Eigenvector).unwrap();
        assert!(p.cr > CR_LIMIT, "{}", p.cr);
        let s = suggestions(&m, Method::Eigenvector, 3);
        assert!(!s.is_empty());
        assert!(s[0].cr_after < p.cr);
        assert!(s[0].cr_after < CR_LIMIT, "{s:?}");
        // C ≫ A was the odd one out: A over C fits the others.
        assert_eq!((s[0].i, s[0].j), (0, 2));
        assert!(s[0].suggested > 1.0, "{s:?}");
        assert!(s.windows(2).all(|w| w[0].cr_after <= w[1].cr_after));
    }

    #[test]
    fn guidance_gives_one_suggestion_and_shows_the_contradiction() {
        // A > B (3), B > C (3), but C ≫ A (5): through B, A should be well above C.
        let m = matrix(&[(0, 1, 3.0), (1, 2, 3.0), (0, 2, 1.0 / 5.0)], 3);
        let g = guidance(&m, Method::Eigenvector).unwrap();
        assert!(!g.consistent);
        let s = g.suggestion.as_ref().unwrap();
        assert_eq!((s.i, s.j), (0, 2));
        assert_eq!(g.via, Some(1), "the judgements through B contradict A ↔ C");
        assert!(!g.far_off, "one change fixes it: {g:?}");
        // Judgements that disagree everywhere (each odd step 9, each even step 1/9): no single
        // change brings the section near; it is better answered again.
        let mut wild = PairwiseMatrix::new(6);
        for i in 0..6 {
            for j in i + 1..6 {
                wild.set(i, j, Some(if (j - i) % 2 == 1 { 9.0 } else { 1.0 / 9.0 }));
            }
        }
        let g = guidance(&wild, Method::Eigenvector).unwrap();
        assert!(g.cr > 0.5, "{}", g.cr);
        assert!(g.far_off, "{g:?}");
        // A consistent section: nothing to suggest, nothing far off.
        let fine = matrix(&[(0, 1, 2.0), (1, 2, 2.0), (0, 2, 4.0)], 3);
        let g = guidance(&fine, Method::Eigenvector).unwrap();
        assert!(g.consistent && g.suggestion.is_none() && !g.far_off && g.via.is_none());
        // Nothing to compute: no guidance.
        assert!(guidance(&PairwiseMatrix::new(3), Method::Eigenvector).is_none());
    }

    #[test]
    fn a_full_matrix_is_checked() {
        assert_eq!(PairwiseMatrix::from_rows(&[]), Err(AhpError::Shape));
        assert_eq!(
            PairwiseMatrix::from_rows(&[vec![1.0, 2.0], vec![0.5]]),
            Err(AhpError::Shape)
        );
        assert_eq!(
            PairwiseMatrix::from_rows(&[vec![1.0, 2.0], vec![2.0, 1.0]]),
            Err(AhpError::NotReciprocal(0, 1))
        );
        assert_eq!(
            PairwiseMatrix::from_rows(&[vec![2.0, 2.0], vec![0.5, 1.0]]),
            Err(AhpError::Diagonal(0))
        );
        assert_eq!(
            PairwiseMatrix::from_rows(&[vec![1.0, -2.0], vec![-0.5, 1.0]]),
            Err(AhpError::NotPositive(0, 1))
        );
        assert!(PairwiseMatrix::from_rows(&[vec![1.0, 0.33], vec![3.0, 1.0]]).is_ok());
    }

    #[test]
    fn judgements_are_read_as_written() {
        assert_eq!(parse_judgement("3"), Some(3.0));
        assert_eq!(parse_judgement(" 1/5 "), Some(0.2));
        assert_eq!(parse_judgement("0,5"), Some(0.5));
        assert_eq!(parse_judgement("10"), None);
        assert_eq!(parse_judgement("1/0"), None);
        assert_eq!(parse_judgement("x"), None);
        assert_eq!(judgement_text(0.2), "1/5");
        assert_eq!(judgement_text(7.2), "7");
        assert_eq!(nearest_scale(0.3), 1.0 / 3.0);
    }

    fn any_matrix(n: usize) -> impl Strategy<Value = PairwiseMatrix> {
        proptest::collection::vec(0..SCALE.len(), n * (n - 1) / 2).prop_map(move |picks| {
            let mut m = PairwiseMatrix::new(n);
            let mut k = 0;
            for i in 0..n {
                for j in i + 1..n {
                    m.set(i, j, Some(SCALE[picks[k]]));
                    k += 1;
                }
            }
            m
        })
    }

    proptest! {
        #[test]
        fn weights_sum_to_one_and_cr_is_not_negative(m in (3usize..9).prop_flat_map(any_matrix)) {
            for method in [Method::Eigenvector, Method::GeometricMean] {
                let p = priorities(&m, method).unwrap();
                prop_assert!((p.weights.iter().sum::<f64>() - 1.0).abs() < 1e-9);
                prop_assert!(p.weights.iter().all(|w| *w > 0.0));
                prop_assert!(p.cr >= 0.0 && p.lambda_max >= m.size() as f64 - 1e-9);
            }
        }

        #[test]
        fn relabelling_the_elements_relabels_the_weights(
            m in any_matrix(5),
            perm in Just((0..5).collect::<Vec<usize>>()).prop_shuffle(),
        ) {
            let mut relabelled = PairwiseMatrix::new(5);
            for i in 0..5 {
                for j in i + 1..5 {
                    relabelled.set(perm[i], perm[j], m.get(i, j));
                }
            }
            for method in [Method::Eigenvector, Method::GeometricMean] {
                let a = priorities(&m, method).unwrap();
                let b = priorities(&relabelled, method).unwrap();
                for i in 0..5 {
                    prop_assert!((a.weights[i] - b.weights[perm[i]]).abs() < 1e-9);
                }
                prop_assert!((a.cr - b.cr).abs() < 1e-9);
            }
        }

        #[test]
        fn aggregated_judgements_stay_reciprocal(
            ms in proptest::collection::vec(any_matrix(4), 1..6),
            ws in proptest::collection::vec(0.1f64..3.0, 6),
        ) {
            let pairs: Vec<(&PairwiseMatrix, f64)> =
                ms.iter().zip(&ws).map(|(m, w)| (m, *w)).collect();
            let g = aggregate(&pairs).unwrap();
            for i in 0..4 {
                for j in 0..4 {
                    let (a, b) = (g.get(i, j).unwrap(), g.get(j, i).unwrap());
                    prop_assert!((a * b - 1.0).abs() < 1e-9);
                }
            }
            // One participant's judgements are the group's.
            let one = aggregate(&[(&ms[0], 2.0)]).unwrap();
            for i in 0..4 {
                for j in 0..4 {
                    prop_assert!((one.get(i, j).unwrap() - ms[0].get(i, j).unwrap()).abs() < 1e-9);
                }
            }
        }
    }
}
