//! The demo region's flagship round (`sentra demo`): candidates, criteria, five participants
//! and their judgements, one of them inconsistent so that the guidance shows.

use super::ahp::{PairwiseMatrix, nearest_scale};
use super::round::{Group, Response, candidates_node};

/// The demo region's round: three candidates with their sectors, six of Permendagri 9/2014's
/// criteria, five FGD participants (one per group and a second business person) and their
/// judgements — each near a shared view, one with a contradiction in the main criteria that
/// makes that section inconsistent (CR above 0.10).
pub struct DemoRound {
    pub candidates: Vec<(&'static str, &'static str)>,
    pub criteria: Vec<&'static str>,
    pub participants: Vec<(&'static str, Group, &'static str)>,
    pub responses: Vec<Response>,
    /// Reference totals of UMKM per sector (a province's), for location quotients.
    pub reference: Vec<(&'static str, f64)>,
}

pub fn demo_round() -> DemoRound {
    let criteria = vec![
        "Penyerapan tenaga kerja",
        "Ketersediaan pasar",
        "Bahan baku",
        "Sektor basis ekonomi daerah",
        "Sosial budaya",
        "Teknologi",
    ];
    let shared = [0.30, 0.25, 0.15, 0.12, 0.10, 0.08];
    // Each candidate's standing under each criterion.
    let standing = [
        [0.5, 0.3, 0.2],
        [0.55, 0.3, 0.15],
        [0.4, 0.25, 0.35],
        [0.45, 0.35, 0.2],
        [0.2, 0.45, 0.35],
        [0.35, 0.4, 0.25],
    ];
    let matrix = |w: &[f64], k: usize| {
        let mut m = PairwiseMatrix::new(w.len());
        for i in 0..w.len() {
            for j in i + 1..w.len() {
                // Each participant sees it a little differently.
                let tilt = 1.0 + 0.25 * (((i * 7 + j * 3 + k * 2) % 5) as f64 - 2.0) / 2.0;
                m.set(i, j, Some(nearest_scale(w[i] / w[j] * tilt)));
            }
        }
        m
    };
    let responses = (0..5)
        .map(|k| {
            let mut r = Response::default();
            let mut main = matrix(&shared, k);
            if k == 4 {
                // Technology over jobs, strongly: against everything else they said.
                main.set(0, 5, Some(1.0 / 7.0));
                main.set(1, 5, Some(1.0 / 5.0));
            }
            r.matrices.insert(String::new(), main);
            for (c, s) in standing.iter().enumerate() {
                r.matrices
                    .insert(candidates_node(&format!("c{c}")), matrix(s, k));
            }
            r
        })
        .collect();
    DemoRound {
        candidates: vec![
            ("Keripik dan olahan pangan", "kuliner"),
            ("Batik dan tenun", "fesyen"),
            ("Kerajinan bambu dan rotan", "kriya"),
        ],
        criteria,
        participants: vec![
            (
                "Dr. Rina Wulandari",
                Group::Academic,
                "Universitas setempat",
            ),
            ("Komunitas Kreatif Kota", Group::Community, "Komunitas"),
            ("Ibu Sari Handayani", Group::Business, "Asosiasi UMKM"),
            ("Bapak Joko Santoso", Group::Business, "Paguyuban perajin"),
            ("Bappeda", Group::Government, "Pemerintah kota"),
        ],
        responses,
        reference: vec![
            ("kuliner", 420_000.0),
            ("fesyen", 95_000.0),
            ("kriya", 60_000.0),
            ("pertanian_olahan", 40_000.0),
            ("perdagangan", 210_000.0),
            ("jasa", 120_000.0),
            ("kecantikan", 25_000.0),
            ("otomotif", 30_000.0),
            ("pertanian", 55_000.0),
            ("industri", 20_000.0),
            ("digital", 15_000.0),
            ("pariwisata", 12_000.0),
            ("lainnya", 18_000.0),
        ],
    }
}

#[cfg(test)]
mod demo_tests {
    use super::*;
    use crate::flagship::ahp::{Method, priorities};
    use crate::flagship::round::{
        CandidateMode, Criterion, Hierarchy, Setup, combine, evaluate, ranking,
    };

    #[test]
    fn the_demo_round_computes_and_one_participant_needs_guidance() {
        let d = demo_round();
        let criteria = d
            .criteria
            .iter()
            .enumerate()
            .map(|(i, n)| Criterion {
                code: format!("c{i}"),
                parent: None,
                name: n.to_string(),
            })
            .collect();
        let h = Hierarchy::new(criteria).unwrap();
        let setup = Setup {
            hierarchy: &h,
            candidates: 3,
            mode: CandidateMode::Pairwise,
            method: Method::Eigenvector,
        };
        let crs: Vec<f64> = d
            .responses
            .iter()
            .map(|r| priorities(&r.matrices[""], Method::Eigenvector).unwrap().cr)
            .collect();
        assert!(crs[..4].iter().all(|c| *c < 0.10), "{crs:?}");
        assert!(crs[4] > 0.10, "{crs:?}");
        let all: Vec<(&Response, f64)> = d.responses.iter().map(|r| (r, 1.0)).collect();
        let e = evaluate(&setup, &combine(&setup, &all)).unwrap();
        assert_eq!(ranking(&e.scores)[0], 0, "{:?}", e.scores);
    }
}
