//! The demo region's government units, budgets and purchases from its UMKM.

use sentra_domain::region::RegionCode;
use sentra_domain::scope::Scope;
use sentra_storage::{Actor, Database};

/// The demo region's government units with this year's budgets and purchases (issue 9), once:
/// small packages from registered micro and small businesses, the rest from other suppliers.
pub(crate) async fn procurement(db: &Database, home: &RegionCode) -> anyhow::Result<()> {
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
