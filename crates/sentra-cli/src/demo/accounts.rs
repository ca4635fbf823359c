//! The demo accounts, one per role, and the business the owner account runs.

use sentra_domain::region::RegionCode;
use sentra_domain::scope::Scope;
use sentra_storage::{Actor, Database};

/// One account per role for the demo region, with fresh passwords printed at every start.
pub(crate) async fn accounts(db: &Database, home: &RegionCode) -> anyhow::Result<()> {
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

/// The demo owner account runs a business, as an owner would after an operator met them: a
/// public one with products, so that its storefront shows. Once; the link stays across starts.
pub(crate) async fn owner_business(db: &Database, home: &RegionCode) -> anyhow::Result<()> {
    use sentra_domain::account::Role;
    let login = format!("{}@demo.sentra.id", Role::Owner.as_str());
    let Some(owner) = db.user_by_login(&login).await? else {
        return Ok(());
    };
    let actor = Actor::system("demo");
    let scope = Scope::region(home.clone());
    let owns = Scope::owned_by(home.clone(), owner.id.clone());
    if db.count_umkm(&owns).await? > 0 {
        return Ok(());
    }
    // The first public business in id order that has a published product.
    let (products, _) = db.products_in_scope(&scope, 1000, 0).await?;
    let selling: std::collections::HashSet<&str> = products
        .iter()
        .filter(|(p, _)| p.data.status == sentra_domain::product::ProductStatus::Published)
        .map(|(p, _)| p.umkm_id.as_str())
        .collect();
    let mut after = String::new();
    while let Some((last, sellers)) = db.demo_sellers_after(&scope, &after, 100).await? {
        if let Some(seller) = sellers.iter().find(|s| selling.contains(s.id.as_str())) {
            // Linked only once the holder is known, as an operator's link is.
            db.confirm_account_holder(&owner.id, &actor).await?;
            db.assign_owner(&scope, &seller.id, &owner.id, &actor)
                .await?;
            eprintln!("demo: the owner account runs {}", seller.name);
            return Ok(());
        }
        after = last;
    }
    Ok(())
}
