//! The demo region's published flagship product round.

use anyhow::anyhow;
use sentra_domain::region::RegionCode;
use sentra_domain::scope::Scope;
use sentra_storage::{Actor, Database};

/// The demo region's flagship product round (issue 10), once: three candidates, six criteria,
/// five FGD participants who answered (one inconsistently), published.
pub(crate) async fn flagship(db: &Database, home: &RegionCode) -> anyhow::Result<()> {
    use sentra_domain::flagship::ahp::Method;
    use sentra_domain::flagship::demo::demo_round;
    use sentra_domain::flagship::lq::Measure;
    use sentra_domain::flagship::round::{CandidateMode, candidates_node};
    use sentra_domain::flagship::text::parse_criteria;
    use sentra_storage::{CandidateRow, RoundSettings, RoundStatus};
    let scope = Scope::region(home.clone());
    if !db.rounds(&scope).await?.is_empty() {
        return Ok(());
    }
    let d = demo_round();
    let actor = Actor::system("demo");
    let year = chrono::Datelike::year(&chrono::Utc::now());
    let title = format!("Pemilihan produk unggulan daerah {year}");
    let id = db.create_round(&scope, home, year, &title, &actor).await?;
    let version = db.round(&scope, &id).await?.version;
    let criteria =
        parse_criteria(&d.criteria.join("\n"), &[]).map_err(|e| anyhow!("demo criteria: {e}"))?;
    let candidates: Vec<CandidateRow> = d
        .candidates
        .iter()
        .map(|(name, sector)| CandidateRow {
            name: name.to_string(),
            sector: Some(sector.to_string()),
        })
        .collect();
    let reference: Vec<(String, f64)> = d
        .reference
        .iter()
        .map(|(s, v)| (s.to_string(), *v))
        .collect();
    let settings = RoundSettings {
        title,
        purpose: Some(
            "Menetapkan produk yang diprioritaskan dalam pembinaan, promosi dan pengadaan daerah."
                .into(),
        ),
        year,
        mode: CandidateMode::Pairwise,
        method: Method::Eigenvector,
        measure: Measure::Count,
        reference_region: None,
        group_weights: None,
    };
    db.update_round(
        &scope,
        &id,
        version,
        &settings,
        &candidates,
        &criteria,
        &reference,
        &actor,
    )
    .await?;
    let mut people = Vec::new();
    for (name, group, organisation) in &d.participants {
        let (p, _) = db
            .add_participant(&scope, &id, name, *group, Some(organisation), &actor)
            .await?;
        people.push(p);
    }
    db.set_round_status(&scope, &id, RoundStatus::Open, &actor)
        .await?;
    for (p, response) in people.iter().zip(&d.responses) {
        for (node, m) in &response.matrices {
            // The demo's candidate nodes are named by the criteria's places (c0, c1, …).
            let node = match node
                .strip_prefix("alt:c")
                .and_then(|i| i.parse::<usize>().ok())
            {
                Some(i) => candidates_node(&criteria[i].code),
                None => node.clone(),
            };
            let mut given = Vec::new();
            for i in 0..m.size() {
                for j in i + 1..m.size() {
                    if let Some(v) = m.get(i, j) {
                        given.push((i, j, v));
                    }
                }
            }
            db.save_judgements(p, &node, &given).await?;
        }
        db.submit_answers(p).await?;
    }
    db.set_round_status(&scope, &id, RoundStatus::Closed, &actor)
        .await?;
    db.set_round_status(&scope, &id, RoundStatus::Published, &actor)
        .await?;
    eprintln!(
        "demo: a flagship product round with {} participants",
        people.len()
    );
    Ok(())
}
