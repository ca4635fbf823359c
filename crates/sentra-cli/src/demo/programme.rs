//! The demo region's programme activities with their participants, and naik-kelas reports.

use sentra_domain::region::{RegionCode, RegionTree};
use sentra_domain::scope::Scope;
use sentra_storage::{Actor, Database, RegistryFigures};

/// The demo region's programme (see `sentra_domain::programme::demo`), once: the past
/// activities with their participants (most attended, a few absent), the coming ones planned.
pub(crate) async fn activities(db: &Database, home: &RegionCode) -> anyhow::Result<()> {
    use sentra_domain::programme::activity::{
        ActivityContext, sessions, validate_activity, validate_repeat,
    };
    use sentra_domain::programme::participants::ParticipantState;
    if !db
        .activities_between(home, i64::MIN, i64::MAX)
        .await?
        .is_empty()
    {
        return Ok(());
    }
    let scope = Scope::region(home.clone());
    let actor = Actor::system("demo");
    let topics: Vec<String> = db.active_topic_codes().await?;
    let sectors: Vec<String> = db.sectors().await?.into_iter().map(|s| s.code).collect();
    let food = if sectors.iter().any(|s| s == "kuliner") {
        "kuliner"
    } else {
        ""
    };
    let ctx = ActivityContext {
        tree: RegionTree::embedded(),
        topics: &topics,
        sectors: &sectors,
    };
    let today = chrono::Utc::now().date_naive();
    let now = chrono::Utc::now().timestamp();
    let mut planned = 0;
    for input in sentra_domain::programme::demo::demo_programme(ctx.tree, home, today, food) {
        // The demo's own inputs are valid; one that is not (another home region) is skipped.
        let Ok(first) = validate_activity(&input, &ctx) else {
            continue;
        };
        let Ok((repeat, n)) = validate_repeat(&input, &first) else {
            continue;
        };
        let mut all = sessions(&first, repeat, n);
        // A series' past sessions were held, its coming ones planned.
        for s in all.iter_mut().filter(|_| n > 1) {
            if s.start > now {
                s.status = sentra_domain::programme::activity::ActivityStatus::Planned;
            } else {
                s.status = sentra_domain::programme::activity::ActivityStatus::Done;
            }
        }
        // Conflicts are left for the coordinators to see on the board.
        for saved in db.create_activities(&scope, &all, None, &actor).await? {
            planned += 1;
            if saved.data.start > now {
                continue;
            }
            let invited: Vec<String> = db
                .invitees(&scope, &saved, 20)
                .await?
                .into_iter()
                .map(|c| c.umkm_id)
                .collect();
            db.register_participants(&scope, &saved.id, &invited, &actor)
                .await?;
            for (i, id) in invited.iter().enumerate() {
                let state = if i % 7 == 6 {
                    ParticipantState::Absent
                } else {
                    ParticipantState::Attended
                };
                db.set_participant_state(&scope, &saved.id, id, state, None, &actor)
                    .await?;
            }
        }
    }
    eprintln!("demo: {planned} programme activities");
    Ok(())
}

/// Naik-kelas reports for the last two years of one business in five (the first 1,000 by
/// name), once, so that the dashboard's naik-kelas figures and the businesses' pages show
/// something.
pub(crate) async fn growth(db: &Database, home: &RegionCode) -> anyhow::Result<()> {
    use sentra_storage::{PageRequest, SortDirection, UmkmFilter, UmkmSort};
    let scope = Scope::region(home.clone());
    let filter = UmkmFilter {
        growth: Some(sentra_storage::GrowthFilter::Reported(
            chrono::Datelike::year(&chrono::Utc::now()) - 1,
        )),
        ..UmkmFilter::default()
    };
    let page = PageRequest::new(1, 1);
    if db
        .list_umkm(&scope, &filter, UmkmSort::Name, SortDirection::Asc, page)
        .await?
        .total
        > 0
    {
        return Ok(());
    }
    let actor = Actor::system("demo");
    let last_year = chrono::Datelike::year(&chrono::Utc::now()) - 1;
    let mut reported = 0;
    for n in 1..=5 {
        let page = db
            .list_umkm(
                &scope,
                &UmkmFilter::default(),
                UmkmSort::Name,
                SortDirection::Asc,
                PageRequest::new(n, PageRequest::MAX_PER_PAGE),
            )
            .await?;
        for (i, b) in page.items.iter().enumerate() {
            let seq = (n as usize - 1) * PageRequest::MAX_PER_PAGE as usize + i;
            if !seq.is_multiple_of(5) {
                continue;
            }
            for r in
                sentra_domain::growth::demo_reports(seq / 5, b.modal, b.annual_sales, last_year)
            {
                db.save_growth_report(&scope, &b.id, &r, RegistryFigures::Apply, &actor)
                    .await?;
            }
            reported += 1;
        }
    }
    eprintln!("demo: naik-kelas reports for {reported} UMKM");
    Ok(())
}
