//! The demo region's partners, a buyer's request, an exhibition and the gallery's consignment.

use anyhow::anyhow;
use sentra_domain::region::RegionCode;
use sentra_domain::scope::Scope;
use sentra_storage::{Actor, Database};

/// The demo region's partnerships (issue 11), once: a hotel asking for 200 tenun scarves in six
/// weeks (the best matches shortlisted, one ordered), a past curated exhibition with its
/// results, and the gallery's consignment over last month and this one (last month paid out).
pub(crate) async fn partnerships(db: &Database, home: &RegionCode) -> anyhow::Result<()> {
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
