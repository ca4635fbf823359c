//! A selection round's computation: the criteria hierarchy (criteria, optionally with
//! sub-criteria), the candidates scored under each leaf criterion (pairwise or by a direct
//! 1–9 rating), participants' judgements combined per node by weighted geometric mean (each
//! group with its weight, shared by its participants), global priorities through the
//! hierarchy, the final ranking, and how far each criterion's weight can move before the top
//! candidate changes.

// Scores are sums over candidates and criteria by index, as the formulas are written.
#![allow(clippy::needless_range_loop)]

use std::collections::BTreeMap;

use super::ahp::{
    AhpError, MAX_ELEMENTS, Method, PairwiseMatrix, Priorities, aggregate, priorities,
};
use crate::FieldErrors;

/// The most candidates a round compares (pairwise comparisons beyond 15 are beyond people).
pub const MAX_CANDIDATES: usize = MAX_ELEMENTS;

/// The most elements a participant compares in one matrix: Saaty's advice (people judge 7 ± 2
/// things at once reliably; beyond that consistency falls apart). A setup with more asks for
/// clusters, or for candidates to be rated.
pub const MAX_COMPARED: usize = 9;

/// Permendagri 9/2014 (Pasal 4) names twelve criteria for a region's flagship products.
/// Compared in one matrix they are 66 pairs, beyond anyone's consistency; grouped into four
/// clusters (our grouping, editable by the office) they are 6 + 3 + 1 + 10 + 1 = 21 pairs, no
/// matrix over five.
pub const PERMENDAGRI_9_2014: [Cluster; 4] = [
    (
        "manfaat_ekonomi",
        "Manfaat ekonomi",
        &[
            ("tenaga_kerja", "Penyerapan tenaga kerja"),
            ("kontribusi", "Sumbangan terhadap perekonomian"),
            ("sektor_basis", "Sektor basis ekonomi daerah"),
        ],
    ),
    (
        "pasar_harga",
        "Pasar dan harga",
        &[("pasar", "Ketersediaan pasar"), ("harga", "Harga")],
    ),
    (
        "sumber_daya",
        "Sumber daya produksi",
        &[
            ("bahan_baku", "Bahan baku"),
            ("modal", "Modal"),
            ("sarana", "Sarana dan prasarana produksi"),
            ("teknologi", "Teknologi"),
            ("manajemen", "Manajemen usaha"),
        ],
    ),
    (
        "keberlanjutan",
        "Keberlanjutan",
        &[
            ("terbarukan", "Dapat diperbaharui"),
            ("sosial_budaya", "Sosial budaya"),
        ],
    ),
];

/// A cluster of the template: its code, its name, its criteria as (code, name).
pub type Cluster = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

/// The template as criteria in order: each cluster followed by its criteria.
pub fn permendagri_9_2014() -> Vec<Criterion> {
    let mut out = Vec::new();
    for (code, name, under) in PERMENDAGRI_9_2014 {
        out.push(Criterion {
            code: code.into(),
            parent: None,
            name: name.into(),
        });
        for (sub, sub_name) in under {
            out.push(Criterion {
                code: (*sub).into(),
                parent: Some(code.into()),
                name: (*sub_name).into(),
            });
        }
    }
    out
}

/// A participant's group in the FGD.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Group {
    Academic,
    Community,
    Business,
    Government,
}

impl Group {
    pub const ALL: [Group; 4] = [
        Self::Academic,
        Self::Community,
        Self::Business,
        Self::Government,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Academic => "akademisi",
            Self::Community => "komunitas",
            Self::Business => "pelaku_usaha",
            Self::Government => "pemerintah",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.as_str() == s.trim())
    }
}

/// How candidates are scored under each leaf criterion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CandidateMode {
    /// Pairwise comparisons, like the criteria.
    #[default]
    Pairwise,
    /// A direct rating from 1 (poor) to 9 (excellent) per candidate.
    Rating,
}

impl CandidateMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pairwise => "pairwise",
            Self::Rating => "rating",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "pairwise" => Some(Self::Pairwise),
            "rating" => Some(Self::Rating),
            _ => None,
        }
    }
}

/// A criterion: its code, its parent (a top-level criterion) if it is a sub-criterion, its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Criterion {
    pub code: String,
    pub parent: Option<String>,
    pub name: String,
}

/// The criteria as a checked hierarchy of at most two levels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hierarchy {
    criteria: Vec<Criterion>,
}

/// The key of a node whose elements are compared: `""` for the criteria under the goal, a
/// criterion's code for its sub-criteria, `alt:` + a leaf's code for the candidates under it.
pub fn candidates_node(leaf: &str) -> String {
    format!("alt:{leaf}")
}

impl Hierarchy {
    /// Checks the criteria: unique codes, names given, a parent that is a top-level criterion,
    /// between 2 and 15 elements under the goal and at most 15 under a criterion.
    pub fn new(criteria: Vec<Criterion>) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::new();
        for (i, c) in criteria.iter().enumerate() {
            if c.name.trim().is_empty() {
                e.push(format!("criteria.{i}.name"), "required");
            }
            if criteria[..i].iter().any(|d| d.code == c.code) {
                e.push(format!("criteria.{i}.code"), "code_taken");
            }
            if let Some(p) = &c.parent {
                let top = criteria
                    .iter()
                    .any(|d| &d.code == p && d.parent.is_none() && d.code != c.code);
                if !top {
                    e.push(format!("criteria.{i}.parent"), "criterion_parent_invalid");
                }
            }
        }
        let h = Hierarchy { criteria };
        let top = h.children(None).len();
        if !(2..=MAX_ELEMENTS).contains(&top) {
            e.push("criteria", "criteria_count");
        }
        for c in h.children(None) {
            if h.children(Some(&c.code)).len() > MAX_ELEMENTS {
                e.push("criteria", "criteria_count");
            }
        }
        e.into_result()?;
        Ok(h)
    }

    pub fn criteria(&self) -> &[Criterion] {
        &self.criteria
    }

    /// The criteria under the goal (`None`) or under a criterion, in order.
    pub fn children(&self, parent: Option<&str>) -> Vec<&Criterion> {
        self.criteria
            .iter()
            .filter(|c| c.parent.as_deref() == parent)
            .collect()
    }

    /// Criteria without sub-criteria: where candidates are scored.
    pub fn leaves(&self) -> Vec<&Criterion> {
        self.criteria
            .iter()
            .filter(|c| self.children(Some(&c.code)).is_empty())
            .collect()
    }

    /// The nodes whose criteria are compared pairwise (those with two or more), goal first.
    pub fn criteria_nodes(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.children(None).len() >= 2 {
            out.push(String::new());
        }
        for c in self.children(None) {
            if self.children(Some(&c.code)).len() >= 2 {
                out.push(c.code.clone());
            }
        }
        out
    }

    /// The criteria nodes comparing more than [`MAX_COMPARED`] elements: `""` for the main
    /// criteria, a criterion's code for its sub-criteria. A round's setup refuses them (stored
    /// rounds made before the limit still compute).
    pub fn oversized(&self) -> Vec<String> {
        std::iter::once(String::new())
            .chain(self.children(None).iter().map(|c| c.code.clone()))
            .filter(|node| {
                self.children(Some(node.as_str()).filter(|n| !n.is_empty()))
                    .len()
                    > MAX_COMPARED
            })
            .collect()
    }

    /// The elements of a node, in order (criteria, or `n` candidates under a leaf).
    pub fn node_size(&self, node: &str, candidates: usize) -> usize {
        if node.starts_with("alt:") {
            candidates
        } else {
            self.children(Some(node).filter(|n| !n.is_empty())).len()
        }
    }
}

/// One participant's input: matrices by node, and ratings (1–9 per candidate) by leaf.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Response {
    pub matrices: BTreeMap<String, PairwiseMatrix>,
    pub ratings: BTreeMap<String, Vec<Option<f64>>>,
}

/// What a round is computed with.
#[derive(Debug, Clone, Copy)]
pub struct Setup<'a> {
    pub hierarchy: &'a Hierarchy,
    pub candidates: usize,
    pub mode: CandidateMode,
    pub method: Method,
}

impl Setup<'_> {
    /// Every node a participant fills in: the criteria nodes, then each leaf's candidates
    /// (when they are compared pairwise).
    pub fn pairwise_nodes(&self) -> Vec<String> {
        let mut out = self.hierarchy.criteria_nodes();
        if self.mode == CandidateMode::Pairwise && self.candidates >= 2 {
            out.extend(
                self.hierarchy
                    .leaves()
                    .iter()
                    .map(|l| candidates_node(&l.code)),
            );
        }
        out
    }

    pub fn node_size(&self, node: &str) -> usize {
        self.hierarchy.node_size(node, self.candidates)
    }
}

/// Combines participants' responses (each with its weight) node by node: judgements by
/// weighted geometric mean, ratings likewise.
pub fn combine(setup: &Setup, responses: &[(&Response, f64)]) -> Response {
    let mut out = Response::default();
    for node in setup.pairwise_nodes() {
        let given: Vec<(&PairwiseMatrix, f64)> = responses
            .iter()
            .filter_map(|(r, w)| r.matrices.get(&node).map(|m| (m, *w)))
            .filter(|(m, _)| m.size() == setup.node_size(&node))
            .collect();
        if let Some(m) = aggregate(&given) {
            out.matrices.insert(node, m);
        }
    }
    if setup.mode == CandidateMode::Rating {
        for leaf in setup.hierarchy.leaves() {
            let ratings = (0..setup.candidates)
                .map(|a| {
                    let (mut sum, mut weight) = (0.0, 0.0);
                    for (r, w) in responses {
                        if let Some(Some(v)) = r.ratings.get(&leaf.code).and_then(|l| l.get(a)) {
                            sum += w * v.ln();
                            weight += w;
                        }
                    }
                    (weight > 0.0).then(|| (sum / weight).exp())
                })
                .collect();
            out.ratings.insert(leaf.code.clone(), ratings);
        }
    }
    out
}

/// Why a round cannot be computed (yet).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EvalError {
    /// A node nobody judged, or judged too sparsely.
    #[error("node {0:?}: {1}")]
    Node(String, AhpError),
    /// A candidate without a rating under a leaf.
    #[error("criterion {0}: a candidate is not rated")]
    Unrated(String),
}

/// A computed round (for the group, a group, or a participant).
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// Per criterion (in the hierarchy's order): its local and global weight.
    pub weights: Vec<(String, f64, f64)>,
    /// Per candidate: the final score (summing to 1).
    pub scores: Vec<f64>,
    /// The top-level criteria's weights, in the hierarchy's order.
    pub top_weights: Vec<f64>,
    /// Per top-level criterion: each candidate's score within it (`contributions[c][a]`), so
    /// that `scores[a] = Σ_c top_weights[c] × contributions[c][a]`.
    pub contributions: Vec<Vec<f64>>,
    /// Each pairwise node's consistency.
    pub nodes: BTreeMap<String, Priorities>,
}

/// Computes the hierarchy's weights and the candidates' scores from one (combined) response.
pub fn evaluate(setup: &Setup, response: &Response) -> Result<Evaluation, EvalError> {
    let h = setup.hierarchy;
    let mut nodes = BTreeMap::new();
    for node in setup.pairwise_nodes() {
        let size = setup.node_size(&node);
        let m = response
            .matrices
            .get(&node)
            .filter(|m| m.size() == size)
            .cloned()
            .unwrap_or_else(|| PairwiseMatrix::new(size));
        let p = priorities(&m, setup.method).map_err(|e| EvalError::Node(node.clone(), e))?;
        nodes.insert(node, p);
    }
    let local =
        |node: &str, index: usize| -> f64 { nodes.get(node).map_or(1.0, |p| p.weights[index]) };
    // Weights through the hierarchy.
    let mut weights = Vec::new();
    for (i, top) in h.children(None).iter().enumerate() {
        let w = local("", i);
        weights.push((top.code.clone(), w, w));
        for (j, sub) in h.children(Some(&top.code)).iter().enumerate() {
            let l = local(&top.code, j);
            weights.push((sub.code.clone(), l, w * l));
        }
    }
    let global = |code: &str| {
        weights
            .iter()
            .find(|(c, _, _)| c == code)
            .map_or(0.0, |w| w.2)
    };
    // The candidates under each leaf.
    let mut under: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for leaf in h.leaves() {
        let p = match setup.mode {
            CandidateMode::Pairwise if setup.candidates >= 2 => {
                nodes[&candidates_node(&leaf.code)].weights.clone()
            }
            CandidateMode::Pairwise => vec![1.0; setup.candidates],
            CandidateMode::Rating => {
                let r = response
                    .ratings
                    .get(&leaf.code)
                    .filter(|r| r.len() == setup.candidates && r.iter().all(Option::is_some))
                    .ok_or_else(|| EvalError::Unrated(leaf.code.clone()))?;
                let values: Vec<f64> = r.iter().map(|v| v.unwrap_or(0.0)).collect();
                let sum: f64 = values.iter().sum();
                values
                    .iter()
                    .map(|v| v / sum.max(f64::MIN_POSITIVE))
                    .collect()
            }
        };
        under.insert(leaf.code.clone(), p);
    }
    let mut scores = vec![0.0; setup.candidates];
    let mut contributions = Vec::new();
    let mut top_weights = Vec::new();
    for top in h.children(None) {
        let w = global(&top.code);
        let mut within = vec![0.0; setup.candidates];
        let leaves: Vec<&Criterion> = if h.children(Some(&top.code)).is_empty() {
            vec![top]
        } else {
            h.children(Some(&top.code))
        };
        for leaf in leaves {
            let share = if w > 0.0 { global(&leaf.code) / w } else { 0.0 };
            for (a, p) in under[&leaf.code].iter().enumerate() {
                within[a] += share * p;
            }
        }
        for a in 0..setup.candidates {
            scores[a] += w * within[a];
        }
        contributions.push(within);
        top_weights.push(w);
    }
    Ok(Evaluation {
        weights,
        scores,
        top_weights,
        contributions,
        nodes,
    })
}

/// The candidates from best to worst (ties keep their order).
pub fn ranking(scores: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| {
        scores[b]
            .partial_cmp(&scores[a])
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    order
}

/// How far a top-level criterion's weight can move (the others rescaled in proportion) with
/// the same candidate on top, and the scores along its whole range for a chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Sensitivity {
    pub weight: f64,
    /// The top candidate stays on top for weights in `low..=high`.
    pub low: f64,
    pub high: f64,
    /// Scores at weights 0, 0.05, …, 1: `curve[step][candidate]`.
    pub curve: Vec<Vec<f64>>,
}

/// Sensitivity of each top-level criterion of an evaluation.
pub fn sensitivity(e: &Evaluation) -> Vec<Sensitivity> {
    let n = e.scores.len();
    let Some(&top) = ranking(&e.scores).first() else {
        return Vec::new();
    };
    e.contributions
        .iter()
        .zip(&e.top_weights)
        .map(|(within, &wc)| {
            // score_a(t) = t·s_a + (1 − t)/(1 − wc) · (S_a − wc·s_a)
            let at = |a: usize, t: f64| {
                let rest = e.scores[a] - wc * within[a];
                let scale = if wc < 1.0 {
                    (1.0 - t) / (1.0 - wc)
                } else {
                    0.0
                };
                t * within[a] + scale * rest
            };
            let (mut low, mut high) = (0.0f64, 1.0f64);
            for b in (0..n).filter(|&b| b != top) {
                // diff(t) = at(top, t) − at(b, t) is linear in t.
                let (d0, d1) = (at(top, 0.0) - at(b, 0.0), at(top, 1.0) - at(b, 1.0));
                if (d1 - d0).abs() < 1e-15 {
                    continue;
                }
                let root = d0 / (d0 - d1);
                if (0.0..=1.0).contains(&root) {
                    if root < wc {
                        low = low.max(root);
                    } else {
                        high = high.min(root);
                    }
                }
            }
            Sensitivity {
                weight: wc,
                low,
                high,
                curve: (0..=20)
                    .map(|s| (0..n).map(|a| at(a, s as f64 / 20.0)).collect())
                    .collect(),
            }
        })
        .collect()
}

/// Each participant's weight in the group: with group weights, each group counts its weight,
/// shared equally by its participants who answered; without, everyone counts 1.
pub fn participant_weights(
    groups: &[Group],
    group_weights: Option<&BTreeMap<Group, f64>>,
) -> Vec<f64> {
    match group_weights {
        None => vec![1.0; groups.len()],
        Some(gw) => groups
            .iter()
            .map(|g| {
                let members = groups.iter().filter(|x| *x == g).count() as f64;
                gw.get(g).copied().unwrap_or(0.0).max(0.0) / members
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crit(code: &str, parent: Option<&str>) -> Criterion {
        Criterion {
            code: code.into(),
            parent: parent.map(Into::into),
            name: code.to_uppercase(),
        }
    }

    fn m(n: usize, upper: &[(usize, usize, f64)]) -> PairwiseMatrix {
        let mut x = PairwiseMatrix::new(n);
        for &(i, j, v) in upper {
            x.set(i, j, Some(v));
        }
        x
    }

    #[test]
    fn a_hierarchy_is_checked() {
        assert!(
            Hierarchy::new(vec![
                crit("a", None),
                crit("b", None),
                crit("b1", Some("b"))
            ])
            .is_ok()
        );
        let e = Hierarchy::new(vec![crit("a", None), crit("a", None)]).unwrap_err();
        assert!(e.iter().any(|x| x.code == "code_taken"));
        let e = Hierarchy::new(vec![crit("a", None), crit("b", Some("x"))]).unwrap_err();
        assert!(e.iter().any(|x| x.code == "criterion_parent_invalid"));
        // Three levels are not allowed: a sub-criterion cannot be a parent.
        let e = Hierarchy::new(vec![
            crit("a", None),
            crit("b", None),
            crit("b1", Some("b")),
            crit("b11", Some("b1")),
        ])
        .unwrap_err();
        assert!(e.iter().any(|x| x.code == "criterion_parent_invalid"));
        assert!(
            Hierarchy::new(vec![crit("a", None)]).is_err(),
            "one criterion compares nothing"
        );
    }

    /// The leader example as a round: four criteria, three candidates, one participant.
    #[test]
    fn a_round_reproduces_the_leader_example() {
        let h = Hierarchy::new(
            ["exp", "edu", "cha", "age"]
                .iter()
                .map(|c| crit(c, None))
                .collect(),
        )
        .unwrap();
        let setup = Setup {
            hierarchy: &h,
            candidates: 3,
            mode: CandidateMode::Pairwise,
            method: Method::Eigenvector,
        };
        let mut r = Response::default();
        r.matrices.insert(
            String::new(),
            m(
                4,
                &[
                    (0, 1, 4.0),
                    (0, 2, 3.0),
                    (0, 3, 7.0),
                    (1, 2, 1.0 / 3.0),
                    (1, 3, 3.0),
                    (2, 3, 5.0),
                ],
            ),
        );
        for (leaf, judgements) in [
            ("exp", [0.25, 4.0, 9.0]),
            ("edu", [3.0, 0.2, 1.0 / 7.0]),
            ("cha", [5.0, 9.0, 4.0]),
            ("age", [1.0 / 3.0, 5.0, 9.0]),
        ] {
            let [a, b, c] = judgements;
            r.matrices.insert(
                candidates_node(leaf),
                m(3, &[(0, 1, a), (0, 2, b), (1, 2, c)]),
            );
        }
        let e = evaluate(&setup, &r).unwrap();
        for (got, want) in e.scores.iter().zip([0.358, 0.493, 0.149]) {
            assert!((got - want).abs() < 0.001, "{:?}", e.scores);
        }
        assert_eq!(ranking(&e.scores), vec![1, 0, 2]);
        assert!((e.scores.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        // Sensitivity: Dick stays on top while experience weighs enough; at its current
        // weight the range holds it.
        let s = sensitivity(&e);
        assert_eq!(s.len(), 4);
        for x in &s {
            assert!(x.low <= x.weight && x.weight <= x.high, "{x:?}");
            assert_eq!(x.curve.len(), 21);
        }
        // Charisma favours Tom: weighed enough, Tom overtakes Dick.
        assert!(s[2].high < 1.0, "{:?}", s[2]);
        let beyond = s[2].high + 0.01;
        let step = (beyond * 20.0).ceil() as usize;
        let at = &s[2].curve[step.min(20)];
        assert!(at[0] > at[1], "Tom ahead past the bound: {at:?}");
    }

    #[test]
    fn the_permendagri_template_is_a_hierarchy_people_can_judge() {
        let criteria = permendagri_9_2014();
        let h = Hierarchy::new(criteria.clone()).unwrap();
        assert_eq!(h.leaves().len(), 12, "all twelve criteria of Pasal 4");
        assert!(h.oversized().is_empty());
        let setup = Setup {
            hierarchy: &h,
            candidates: 3,
            mode: CandidateMode::Rating,
            method: Method::Eigenvector,
        };
        let pairs: usize = setup
            .pairwise_nodes()
            .iter()
            .map(|n| {
                let k = setup.node_size(n);
                k * (k - 1) / 2
            })
            .sum();
        assert_eq!(pairs, 21, "instead of 66 in one matrix");
        // Twelve in one matrix are refused by the setup, named by node.
        let flat: Vec<Criterion> = criteria
            .iter()
            .filter(|c| c.parent.is_some())
            .map(|c| crit(&c.code, None))
            .collect();
        assert_eq!(
            Hierarchy::new(flat).unwrap().oversized(),
            vec![String::new()]
        );
        let mut wide = vec![crit("a", None), crit("b", None)];
        wide.extend((0..10).map(|k| crit(&format!("a{k}"), Some("a"))));
        assert_eq!(
            Hierarchy::new(wide).unwrap().oversized(),
            vec!["a".to_string()]
        );
    }

    #[test]
    fn sub_criteria_split_their_parent_s_weight() {
        let h = Hierarchy::new(vec![
            crit("pasar", None),
            crit("bahan", None),
            crit("lokal", Some("pasar")),
            crit("ekspor", Some("pasar")),
        ])
        .unwrap();
        let setup = Setup {
            hierarchy: &h,
            candidates: 2,
            mode: CandidateMode::Rating,
            method: Method::Eigenvector,
        };
        assert_eq!(
            setup.pairwise_nodes(),
            vec!["".to_string(), "pasar".to_string()]
        );
        let mut r = Response::default();
        r.matrices.insert(String::new(), m(2, &[(0, 1, 3.0)]));
        r.matrices.insert("pasar".into(), m(2, &[(0, 1, 1.0)]));
        r.ratings.insert("lokal".into(), vec![Some(9.0), Some(3.0)]);
        r.ratings
            .insert("ekspor".into(), vec![Some(1.0), Some(1.0)]);
        r.ratings.insert("bahan".into(), vec![Some(2.0), Some(6.0)]);
        let e = evaluate(&setup, &r).unwrap();
        let w = |c: &str| e.weights.iter().find(|x| x.0 == c).unwrap().2;
        assert!((w("pasar") - 0.75).abs() < 1e-9);
        assert!((w("lokal") - 0.375).abs() < 1e-9 && (w("ekspor") - 0.375).abs() < 1e-9);
        // A: 0.375·0.75 + 0.375·0.5 + 0.25·0.25 = 0.53125.
        assert!((e.scores[0] - 0.53125).abs() < 1e-9, "{:?}", e.scores);
        // A missing rating is named.
        r.ratings.insert("bahan".into(), vec![Some(2.0), None]);
        assert_eq!(
            evaluate(&setup, &r),
            Err(EvalError::Unrated("bahan".into()))
        );
    }

    #[test]
    fn group_weights_are_shared_by_the_group_s_participants() {
        let groups = [Group::Academic, Group::Academic, Group::Business];
        assert_eq!(participant_weights(&groups, None), vec![1.0, 1.0, 1.0]);
        let gw: BTreeMap<Group, f64> = [(Group::Academic, 2.0), (Group::Business, 1.0)].into();
        assert_eq!(participant_weights(&groups, Some(&gw)), vec![1.0, 1.0, 1.0]);
        let gw: BTreeMap<Group, f64> = [(Group::Academic, 1.0), (Group::Business, 1.0)].into();
        assert_eq!(participant_weights(&groups, Some(&gw)), vec![0.5, 0.5, 1.0]);
    }

    #[test]
    fn participants_combine_into_the_group_s_judgements() {
        let h = Hierarchy::new(vec![crit("a", None), crit("b", None)]).unwrap();
        let setup = Setup {
            hierarchy: &h,
            candidates: 2,
            mode: CandidateMode::Pairwise,
            method: Method::Eigenvector,
        };
        let one = |v: f64| {
            let mut r = Response::default();
            r.matrices.insert(String::new(), m(2, &[(0, 1, v)]));
            r.matrices.insert(candidates_node("a"), m(2, &[(0, 1, v)]));
            r.matrices
                .insert(candidates_node("b"), m(2, &[(0, 1, 1.0 / v)]));
            r
        };
        let (x, y) = (one(4.0), one(1.0 / 4.0));
        let g = combine(&setup, &[(&x, 1.0), (&y, 1.0)]);
        assert!((g.matrices[""].get(0, 1).unwrap() - 1.0).abs() < 1e-12);
        let g = combine(&setup, &[(&x, 3.0), (&y, 1.0)]);
        // 4^(3/4) · (1/4)^(1/4) = 4^(1/2) = 2.
        assert!((g.matrices[""].get(0, 1).unwrap() - 2.0).abs() < 1e-12);
        // A node nobody judged cannot be computed.
        let empty = Response::default();
        assert!(matches!(evaluate(&setup, &empty), Err(EvalError::Node(..))));
    }
}
