//! `sentra demo` and `serve --demo`: the demo region's UMKM, products, programme activities,
//! naik-kelas reports, procurement, a flagship round, partnerships and the demo accounts.

use crate::context::today as chrono_today;
use anyhow::anyhow;
use indicatif::ProgressBar;
use indicatif::ProgressStyle;
use sentra_domain::demo::DemoGenerator;
use sentra_domain::region::RegionCode;
use sentra_domain::region::RegionTree;
use sentra_domain::scope::Scope;
use sentra_storage::Actor;
use sentra_storage::Database;
use sentra_storage::NewUmkm;
use std::time::Instant;

/// Generates `count` demo UMKM in batches, each batch one transaction.
pub(crate) async fn generate_demo(
    db: &Database,
    region: &RegionCode,
    count: u64,
    seed: u64,
    report: bool,
) -> anyhow::Result<()> {
    const BATCH: u64 = 5000;
    let tree = RegionTree::embedded();
    let today = chrono_today();
    let mut generator = DemoGenerator::new(tree, region, seed, today)
        .map_err(|e| anyhow!("cannot generate demo data for {region}: {}", e.0))?;
    let scope = Scope::region(region.clone());
    let bar = ProgressBar::new(count);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} UMKM ({per_sec}, {eta} left)",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let started = Instant::now();
    let mut done = 0;
    while done < count {
        let n = BATCH.min(count - done);
        let batch: Vec<_> = (0..n).map(|_| generator.next_umkm()).collect();
        let rows: Vec<NewUmkm<'_>> = batch
            .iter()
            .map(|d| NewUmkm {
                data: &d.data,
                status: d.status,
                verified_by: Some("demo"),
                owner: None,
            })
            .collect();
        db.insert_umkm_batch(&scope, &rows, &Actor::system("demo"))
            .await?;
        done += n;
        bar.set_position(done);
    }
    bar.finish_and_clear();
    if report {
        let secs = started.elapsed().as_secs_f64();
        println!(
            "generated {count} UMKM in {region} (seed {seed}) in {secs:.1} s ({:.0}/s) into {}",
            count as f64 / secs.max(1e-9),
            db.redacted_url()
        );
    }
    Ok(())
}

/// The demo deployment's region (Kota Tangerang Selatan), and the default of `sentra demo`.
pub(crate) const DEMO_REGION: &str = "36.74";
/// UMKM that `serve --demo` generates on first start.
pub(crate) const DEMO_UMKM: u64 = 3000;
/// Products in the demo deployment's catalogue.
pub(crate) const DEMO_PRODUCTS: u64 = 400;

/// About `count` products for the demo catalogue, one to three for each business (in id
/// order), once.
pub(crate) async fn demo_products(
    db: &Database,
    home: &RegionCode,
    count: u64,
) -> anyhow::Result<()> {
    use sentra_domain::demo_products::ProductGenerator;
    use sentra_domain::product::validate_product;
    if db.count_products().await? > 0 {
        return Ok(());
    }
    let scope = Scope::region(home.clone());
    let categories = db.product_categories().await?;
    let mut generator = ProductGenerator::new(1);
    let actor = Actor::system("demo");
    let mut made = 0;
    let mut made_this_round = 0;
    let mut after = String::new();
    while made < count {
        let Some((last, ids)) = db.umkm_ids_after(&scope, &after, 100).await? else {
            // Every verified seller has had its turn: another round until the count is made (a
            // small demo region has fewer sellers than products asked for), unless none sells.
            if made_this_round == 0 {
                break;
            }
            after.clear();
            made_this_round = 0;
            continue;
        };
        after = last;
        // One transaction per page of businesses: a million products in minutes, not hours.
        let mut batch = Vec::new();
        for (i, id) in ids.iter().enumerate() {
            for _ in 0..=(i % 3) {
                if made + batch.len() as u64 >= count {
                    break;
                }
                let input = generator.next_product();
                // The generator makes valid products; one that is not is skipped, not stored.
                if let Ok(data) = validate_product(&input, &categories) {
                    batch.push((id.clone(), data));
                }
            }
        }
        db.create_products(&scope, &batch, &actor).await?;
        made += batch.len() as u64;
        made_this_round += batch.len();
    }
    eprintln!("demo: {made} products in the catalogue");
    Ok(())
}

/// The demo region's programme (see `sentra_domain::programme::demo`), once: the past
/// activities with their participants (most attended, a few absent), the coming ones planned.
pub(crate) async fn demo_activities(db: &Database, home: &RegionCode) -> anyhow::Result<()> {
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
pub(crate) async fn demo_growth(db: &Database, home: &RegionCode) -> anyhow::Result<()> {
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
                db.save_growth_report(&scope, &b.id, &r, &actor).await?;
            }
            reported += 1;
        }
    }
    eprintln!("demo: naik-kelas reports for {reported} UMKM");
    Ok(())
}

/// The demo region's government units with this year's budgets and purchases (issue 9), once:
/// small packages from registered micro and small businesses, the rest from other suppliers.
pub(crate) async fn demo_procurement(db: &Database, home: &RegionCode) -> anyhow::Result<()> {
    use sentra_domain::procurement::{DEMO_UNITS, DemoSupplier, SupplierType, demo_purchases};
    use sentra_storage::{PageRequest, SortDirection, Supplier, UmkmFilter, UmkmSort};
    let scope = Scope::region(home.clone());
    let today = chrono::Utc::now().date_naive();
    let year = chrono::Datelike::year(&today);
    if !db.unit_shares(&scope, home, year, today).await?.is_empty() {
        return Ok(());
    }
    let small = db
        .list_umkm(
            &scope,
            &UmkmFilter {
                size: Some(sentra_domain::size::SizeClass::Mikro),
                ..UmkmFilter::default()
            },
            UmkmSort::Name,
            SortDirection::Asc,
            PageRequest::new(1, PageRequest::MAX_PER_PAGE),
        )
        .await?
        .items;
    if small.is_empty() {
        return Ok(());
    }
    let actor = Actor::system("demo");
    // Businesses with catalogue products (micro or small ones) sell some of them: those
    // products go into the e-katalog lokal, with a dozen more that no unit buys.
    let (catalogue, _) = db.products_in_scope(&scope, 400, 0).await?;
    let mut sellers: Vec<(String, String, SupplierType)> = Vec::new();
    for (p, _) in &catalogue {
        if sellers.iter().any(|s| s.0 == p.umkm_id) {
            continue;
        }
        let class = db.supplier(&scope, &p.umkm_id).await?.size_class;
        let kind = class.map_or(SupplierType::Micro, SupplierType::of_size);
        if kind.counts_for_share() {
            sellers.push((p.umkm_id.clone(), p.id.clone(), kind));
        }
    }
    let mut listed: Vec<String> = Vec::new();
    let mut purchases = 0;
    for (i, (code, name, budget)) in DEMO_UNITS.iter().enumerate() {
        let unit = db.create_unit(&scope, home, code, name, &actor).await?;
        db.set_budget(&scope, &unit.id, year, *budget, &actor)
            .await?;
        for (mut p, supplier) in demo_purchases(i, year, today) {
            let supplier = match supplier {
                DemoSupplier::Registered(n) if n % 2 == 0 && !sellers.is_empty() => {
                    let (umkm, product, kind) = &sellers[(n / 2) % sellers.len()];
                    p.supplier_type = *kind;
                    if !listed.contains(product) {
                        listed.push(product.clone());
                    }
                    Supplier::Registered {
                        umkm_id: umkm.clone(),
                        product_id: Some(product.clone()),
                    }
                }
                DemoSupplier::Registered(n) => {
                    let b = &small[n % small.len()];
                    p.supplier_type = b
                        .size_class
                        .map_or(SupplierType::Micro, SupplierType::of_size);
                    Supplier::Registered {
                        umkm_id: b.id.clone(),
                        product_id: None,
                    }
                }
                DemoSupplier::Other(_, name) => Supplier::Other { name: name.into() },
            };
            db.record_purchase(&scope, &unit.id, &p, &supplier, None, &actor)
                .await?;
            purchases += 1;
        }
    }
    let never_bought = catalogue
        .iter()
        .map(|(p, _)| p.id.clone())
        .filter(|id| !listed.contains(id))
        .take(12);
    listed.extend(never_bought.collect::<Vec<_>>());
    db.demo_list_in_ekatalog(&listed, &actor).await?;
    eprintln!(
        "demo: {} government units, {purchases} purchases",
        DEMO_UNITS.len()
    );
    Ok(())
}

/// The demo region's flagship product round (issue 10), once: three candidates, six criteria,
/// five FGD participants who answered (one inconsistently), published.
pub(crate) async fn demo_flagship(db: &Database, home: &RegionCode) -> anyhow::Result<()> {
    use sentra_domain::flagship::ahp::Method;
    use sentra_domain::flagship::lq::Measure;
    use sentra_domain::flagship::round::{CandidateMode, candidates_node, demo_round};
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

/// The demo region's partnerships (issue 11), once: a hotel asking for 200 tenun scarves in six
/// weeks (the best matches shortlisted, one ordered), a past curated exhibition with its
/// results, and the gallery's consignment over last month and this one (last month paid out).
pub(crate) async fn demo_partnerships(db: &Database, home: &RegionCode) -> anyhow::Result<()> {
    use chrono::Datelike;
    use sentra_domain::gallery::{Movement, Payment, Terms};
    use sentra_domain::partnership::{
        ExhibitionInput, Offer, Outcome, PartnerKind, RequestInput, shortlist, validate_exhibition,
        validate_request,
    };
    use sentra_storage::NewPartner;
    let scope = Scope::region(home.clone());
    if !db.partners(&scope, None).await?.is_empty() {
        return Ok(());
    }
    let actor = Actor::system("demo");
    let today = chrono::Utc::now().date_naive();
    let day = |d: i64| today + chrono::Duration::days(d);
    let partner = |name: &str, kind: PartnerKind, login: Option<&str>| NewPartner {
        region: home.clone(),
        name: name.to_string(),
        kind,
        contact_name: Some("Bagian pembelian".into()),
        contact_phone: None,
        contact_email: None,
        notes: None,
        user_login: login.map(str::to_string),
    };
    let hotel = db
        .create_partner(
            &scope,
            &partner(
                "Hotel Serpong Asri",
                PartnerKind::Hotel,
                Some("partner@demo.sentra.id"),
            ),
            &actor,
        )
        .await?;
    db.create_partner(
        &scope,
        &partner("Smesco Indonesia", PartnerKind::Smesco, None),
        &actor,
    )
    .await?;
    let request = validate_request(
        &RequestInput {
            title: "Selendang tenun untuk kamar hotel".into(),
            category: "kerajinan".into(),
            keywords: "selendang tenun".into(),
            quantity: "200".into(),
            deliver_by: day(42).to_string(),
            price_max: "400000".into(),
            packaging: "kotak hotel".into(),
            ..RequestInput::default()
        },
        today,
    )
    .map_err(|e| anyhow!("demo request: {e}"))?;
    let request_id = db
        .create_request(&scope, &hotel, &request, None, &actor)
        .await?;
    let offers = db.offers(&scope, home).await?;
    let plain: Vec<Offer> = offers.iter().map(|o| o.offer.clone()).collect();
    for (k, m) in shortlist(&request, &plain, today, None)
        .iter()
        .take(2)
        .enumerate()
    {
        let o = &offers[m.offer];
        db.shortlist_product(&scope, &request_id, &o.product_id, &actor)
            .await?;
        let (outcome, value) = if k == 0 {
            (Outcome::Ordered, o.offer.price.map(|p| p * 120))
        } else {
            (Outcome::SampleSent, None)
        };
        if value.is_some() || outcome == Outcome::SampleSent {
            db.set_outcome(
                &scope,
                &request_id,
                &o.product_id,
                outcome,
                value,
                None,
                &actor,
            )
            .await?;
        }
    }
    // A curated exhibition three weeks ago, published with what it sold.
    let x = validate_exhibition(&ExhibitionInput {
        title: "Pekan Tenun dan Kriya Kota".into(),
        theme: "tenun dan kriya".into(),
        kind: "offline".into(),
        venue: "Galeri UMKM Kota".into(),
        starts_on: day(-22).to_string(),
        ends_on: day(-18).to_string(),
        description: "Tenun, anyaman dan kerajinan tangan pilihan kurator Dekranasda.".into(),
    })
    .map_err(|e| anyhow!("demo exhibition: {e}"))?;
    let exhibition = db.create_exhibition(&scope, home, &x, &actor).await?;
    let crafts: Vec<&sentra_storage::OfferRecord> = offers
        .iter()
        .filter(|o| o.offer.category.starts_with("kerajinan"))
        .take(6)
        .collect();
    let mut results = Vec::new();
    for o in offers
        .iter()
        .filter(|o| o.offer.category.starts_with("kerajinan"))
    {
        if results.len() == 6 {
            break;
        }
        match db
            .curate_into(
                &scope,
                &exhibition,
                &o.product_id,
                Some("Dipilih untuk kerapian dan motif khas daerah."),
                &actor,
            )
            .await
        {
            Ok(()) => {}
            // Not public (a business not yet verified): not in a public exhibition.
            Err(sentra_storage::StorageError::Invalid(_)) => continue,
            Err(e) => return Err(e.into()),
        }
        let sold = (results.len() % 4) as i64 + 1;
        results.push((
            o.product_id.clone(),
            Some(8),
            Some(sold),
            o.offer.price.map(|p| p * sold),
        ));
    }
    db.record_exhibition(&scope, &exhibition, true, Some(380), &results, &actor)
        .await?;
    // The gallery: items received at the start of last month, sold through both months.
    let last_month = (today.with_day(1).unwrap_or(today) - chrono::Duration::days(1))
        .with_day(1)
        .unwrap_or(today);
    let mut items = Vec::new();
    for o in crafts.iter().take(4) {
        let price = o.offer.price.unwrap_or(100_000).max(10_000);
        let terms = Terms {
            consignment_price: price * 8 / 10,
            gallery_price: price,
        };
        let item = db
            .consign(
                &scope,
                &o.umkm_id,
                Some(&o.product_id),
                &o.offer.name,
                12,
                terms,
                last_month,
                &actor,
            )
            .await?;
        items.push(item);
    }
    for (k, item) in items.iter().enumerate() {
        for (d, q) in [(3, 2), (10, 1), (24, 3)] {
            let on = last_month + chrono::Duration::days(d);
            let pay = [Payment::Cash, Payment::Qris, Payment::Transfer][(k + d as usize) % 3];
            db.take_out(
                &scope,
                &item.id,
                Movement::Sale,
                q,
                item.terms.gallery_price,
                Some(pay),
                on,
                None,
                &actor,
            )
            .await?;
        }
        if today.day() > 2 {
            db.take_out(
                &scope,
                &item.id,
                Movement::Sale,
                1,
                item.terms.gallery_price,
                Some(Payment::Cash),
                today.with_day(2).unwrap_or(today),
                None,
                &actor,
            )
            .await?;
        }
    }
    let (y, m) = (last_month.year(), last_month.month());
    for umkm in items
        .iter()
        .map(|i| i.umkm_id.clone())
        .collect::<std::collections::BTreeSet<_>>()
    {
        db.pay_out(
            &scope,
            &umkm,
            y,
            m,
            today.with_day(1).unwrap_or(today),
            &actor,
        )
        .await?;
    }
    eprintln!(
        "demo: 2 partners with a request, an exhibition, {} gallery items",
        items.len()
    );
    Ok(())
}

/// One account per role for the demo region, with fresh passwords printed at every start.
pub(crate) async fn demo_accounts(db: &Database, home: &RegionCode) -> anyhow::Result<()> {
    use sentra_domain::account::{NewAccount, Role};
    let cli = Actor::system("demo");
    let pondok_aren = RegionCode::parse("36.74.03")
        .ok()
        .filter(|k| k.is_within(home));
    let existing = db.list_users(None).await?;
    println!("Akun demo / demo accounts (passwords change at every start):");
    for role in Role::ALL {
        let login = format!("{}@demo.sentra.id", role.as_str());
        // The operator works in one kecamatan, to show region scope.
        let scope = match (role, &pondok_aren) {
            (Role::Operator, Some(k)) => k.clone(),
            _ => home.clone(),
        };
        let password = sentra_storage::new_secret()[..16].to_string();
        if existing.iter().any(|u| u.login == login) {
            db.reset_password(None, &login, &password, &cli).await?;
        } else {
            let account = NewAccount {
                name: format!("Demo {}", role.as_str()),
                login: login.clone(),
                role,
                scope: scope.clone(),
            };
            db.create_user(&account, &password, &cli).await?;
        }
        println!("  {:<28} {password}  ({}, {scope})", login, role.as_str());
    }
    Ok(())
}
