//! Keeping this server's search index in step with the database: a follower reads the audit
//! trail from the sequence number the index last applied and re-reads the products it names
//! (within a second of a change, on every server of a deployment); a rebuild reads every
//! product again (`sentra reindex`).

use std::sync::Arc;
use std::time::Duration;

use sentra_domain::product::{CertStatus, certifications, price_band};
use sentra_search::{ProductDoc, SearchIndex, Synonyms};
use sentra_storage::{CatalogEntry, Database, StorageError};

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Search(#[from] sentra_search::SearchError),
}

/// How a catalogue entry is indexed; `None` when it is not public (removed from the index).
pub fn to_doc(e: &CatalogEntry, today: chrono::NaiveDate) -> Option<ProductDoc> {
    if !e.is_public() {
        return None;
    }
    let p = &e.product.data;
    let verified = e.umkm_status == sentra_domain::umkm::UmkmStatus::Verified;
    let in_stock = p.stock.is_none_or(|s| s > 0);
    let described = p
        .description
        .as_ref()
        .is_some_and(|d| d.chars().count() >= 30);
    // Ranking favours verified, complete, in-stock listings (issue 6).
    let quality = [
        (verified, 30),
        (e.photos > 0, 20),
        (described, 15),
        (p.price.is_some(), 15),
        (in_stock, 10),
        (e.product.listed(), 10),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .map(|(_, points)| points)
    .sum();
    let updated = chrono::DateTime::parse_from_rfc3339(&e.product.updated_at)
        .map(|t| t.timestamp())
        .unwrap_or(0);
    Some(ProductDoc {
        id: e.product.id.clone(),
        slug: e.product.slug.clone(),
        name: p.name.clone(),
        description: p.description.clone().unwrap_or_default(),
        umkm_name: e.umkm_name.clone(),
        category: p.category.clone(),
        district: e.district_code.clone(),
        sector: e.sector.clone(),
        certs: certifications(&e.documents, today)
            .into_iter()
            .filter(|(_, s)| *s != CertStatus::Expired)
            .map(|(k, _)| k.as_str().to_string())
            .collect(),
        price: p.price.and_then(|x| u64::try_from(x).ok()),
        price_band: p.price.map(|x| price_band(x).to_string()),
        unit: p.unit.as_str().to_string(),
        quality,
        ekatalog: e.product.listed(),
        in_stock,
        verified,
        updated,
        photo: e.photo.clone(),
    })
}

/// Reads these products again and puts them in (or takes them out of) the index.
async fn refresh(db: &Database, index: &SearchIndex, ids: &[String]) -> Result<(), IndexError> {
    let today = crate::clock::today();
    let entries = db.catalog_entries(ids).await?;
    let mut upserts = Vec::new();
    let mut removals: Vec<String> = ids
        .iter()
        .filter(|id| !entries.iter().any(|e| &e.product.id == *id))
        .cloned()
        .collect();
    for e in &entries {
        match to_doc(e, today) {
            Some(doc) => upserts.push(doc),
            None => removals.push(e.product.id.clone()),
        }
    }
    index.apply(&upserts, &removals)?;
    Ok(())
}

/// Applies every change since the index's sequence number; the number of products re-read.
pub async fn catch_up(db: &Database, index: &SearchIndex) -> Result<usize, IndexError> {
    let mut done = 0;
    loop {
        let from = index.applied_seq()?;
        let changes = db.catalog_changes_since(from, 2000).await?;
        if changes.last_seq == from {
            return Ok(done);
        }
        for part in changes.product_ids.chunks(500) {
            refresh(db, index, part).await?;
        }
        done += changes.product_ids.len();
        index.commit(changes.last_seq)?;
    }
}

/// Empties the index and reads every product again; `progress(done, total)` after each page.
pub async fn rebuild(
    db: &Database,
    index: &SearchIndex,
    mut progress: impl FnMut(u64, u64),
) -> Result<u64, IndexError> {
    // Changes made while the rebuild runs are picked up by the catch-up after it.
    let head = db.audit_head_seq().await?;
    let total = u64::try_from(db.count_products().await?).unwrap_or(0);
    index.clear()?;
    let mut after = String::new();
    let mut done = 0;
    loop {
        let ids = db.product_ids_after(&after, 1000).await?;
        let Some(last) = ids.last() else {
            break;
        };
        after = last.clone();
        refresh(db, index, &ids).await?;
        done += ids.len() as u64;
        progress(done, total);
    }
    index.commit(head)?;
    catch_up(db, index).await?;
    Ok(done)
}

/// The search synonyms shared by this server's pages and its follower.
pub type SharedSynonyms = Arc<std::sync::RwLock<Arc<Synonyms>>>;

pub(crate) fn replace_synonyms(shared: &SharedSynonyms, synonyms: Synonyms) {
    let synonyms = Arc::new(synonyms);
    match shared.write() {
        Ok(mut s) => *s = synonyms,
        Err(poisoned) => *poisoned.into_inner() = synonyms,
    }
}

/// Follows the audit trail for as long as the server runs: woken by changes made on this server,
/// and every half second for changes made on others. The admins' synonyms are read again each
/// time too (one row), so an edit on any server applies on all.
pub async fn run_follower(
    db: Database,
    index: Arc<SearchIndex>,
    wake: Arc<tokio::sync::Notify>,
    synonyms: SharedSynonyms,
) {
    let mut in_force: Option<String> = None;
    loop {
        if let Err(e) = catch_up(&db, &index).await {
            tracing::error!(error = %e, "search index catch-up failed");
        }
        match db
            .catalog_setting(crate::catalogue::synonyms::SYNONYMS_KEY)
            .await
        {
            Ok(saved) if saved != in_force => {
                let parsed = saved
                    .as_deref()
                    .map_or_else(Synonyms::defaults, Synonyms::parse);
                replace_synonyms(&synonyms, parsed);
                in_force = saved;
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "reading the search synonyms failed"),
        }
        let _ = tokio::time::timeout(Duration::from_millis(500), wake.notified()).await;
    }
}
