//! Demo data for `sentra demo` and `serve --demo`, in one place so that it tells one story:
//! UMKM registered over the last years, a catalogue where each business sells goods of its own
//! trade, an owner account that runs one of them, and the region's programme, naik-kelas
//! reports, procurement, flagship round and partnerships built on those. The records
//! themselves come from `sentra_domain`'s generators.

mod accounts;
mod flagship;
mod partnerships;
mod procurement;
mod products;
mod programme;
mod umkm;

use sentra_domain::region::RegionCode;
use sentra_storage::Database;

pub(crate) use umkm::generate;

/// The demo deployment's region (Kota Tangerang Selatan), and the default of `sentra demo`.
pub(crate) const DEMO_REGION: &str = "36.74";
/// UMKM that `serve --demo` generates on first start.
pub(crate) const DEMO_UMKM: u64 = 3000;
/// Products in the demo deployment's catalogue.
const DEMO_PRODUCTS: u64 = 400;

/// `serve --demo` after the UMKM: the accounts (passwords printed at every start), then once
/// each, the catalogue, the owner's business and the rest of the region's story.
pub(crate) async fn deployment(db: &Database, home: &RegionCode) -> anyhow::Result<()> {
    accounts::accounts(db, home).await?;
    products::products(db, home, DEMO_PRODUCTS).await?;
    accounts::owner_business(db, home).await?;
    story(db, home).await
}

/// `sentra demo --products N`: the catalogue, once.
pub(crate) async fn catalogue(
    db: &Database,
    region: &RegionCode,
    count: u64,
) -> anyhow::Result<()> {
    products::products(db, region, count).await
}

/// A city's or regency's programme across its kecamatan and kelurahan, naik-kelas reports,
/// its government units' purchases, a flagship round and partnerships; each once.
pub(crate) async fn story(db: &Database, home: &RegionCode) -> anyhow::Result<()> {
    programme::activities(db, home).await?;
    programme::growth(db, home).await?;
    procurement::procurement(db, home).await?;
    flagship::flagship(db, home).await?;
    partnerships::partnerships(db, home).await?;
    // Owners who agreed on the registration form to be contacted on WhatsApp.
    db.demo_give_consents(home).await?;
    Ok(())
}
