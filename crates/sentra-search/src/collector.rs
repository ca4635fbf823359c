//! One pass over the matches of a catalogue search: the count, the counts per facet value and
//! the best `offset + limit` products in the chosen order. One collector instead of four behind
//! tantivy's `MultiCollector` saves a dynamic call per collector per match, and the facets come
//! from the segment's packed [`rows`](crate::rows).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::Arc;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

use crate::Sort;
use crate::rows::{
    CATEGORY, CERT, CERT_BITS, DISTRICT, FACET_FIELDS, PRICE_BAND, QUALITY, RowCache, SECTOR,
    SegmentRows,
};

pub(crate) struct CatalogCollector {
    pub rows: Arc<RowCache>,
    pub sort: Sort,
    /// `offset + limit`.
    pub keep: usize,
}

/// A ranked match: larger keys first, then the earlier document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Ranked {
    key: u64,
    at: Reverse<(SegmentOrdinal, DocId)>,
}

#[derive(Debug, Default)]
pub(crate) struct Collected {
    pub total: usize,
    /// Best first.
    pub top: Vec<DocAddress>,
    /// Per facet of [`FACET_FIELDS`], its values with their counts.
    pub counts: [HashMap<String, u64>; 5],
    ranked: Vec<Ranked>,
}

pub(crate) struct SegmentCatalog {
    segment: SegmentOrdinal,
    rows: Arc<SegmentRows>,
    sort: Sort,
    price: Option<Column<u64>>,
    updated: Option<Column<i64>>,
    keep: usize,
    total: usize,
    counts: [Vec<u64>; 4],
    certs: [u64; CERT_BITS],
    /// The worst of the best so far at the top.
    best: BinaryHeap<Reverse<Ranked>>,
}

impl Collector for CatalogCollector {
    type Fruit = Collected;
    type Child = SegmentCatalog;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentCatalog> {
        let rows = self.rows.rows(reader)?;
        let fast = reader.fast_fields();
        let (price, updated) = match self.sort {
            Sort::PriceAsc | Sort::PriceDesc => (fast.u64("price").ok(), None),
            Sort::Newest => (None, fast.i64("updated").ok()),
            Sort::Relevance => (None, None),
        };
        let counts =
            [CATEGORY, DISTRICT, SECTOR, PRICE_BAND].map(|f| vec![0; rows.values[f].len()]);
        Ok(SegmentCatalog {
            segment,
            rows,
            sort: self.sort,
            price,
            updated,
            keep: self.keep,
            total: 0,
            counts,
            certs: [0; CERT_BITS],
            best: BinaryHeap::with_capacity(self.keep + 1),
        })
    }

    fn requires_scoring(&self) -> bool {
        self.sort == Sort::Relevance
    }

    fn merge_fruits(&self, fruits: Vec<Collected>) -> tantivy::Result<Collected> {
        let mut merged = Collected::default();
        for fruit in fruits {
            merged.total += fruit.total;
            merged.ranked.extend(fruit.ranked);
            for (into, from) in merged.counts.iter_mut().zip(fruit.counts) {
                for (value, n) in from {
                    *into.entry(value).or_default() += n;
                }
            }
        }
        merged.ranked.sort_unstable_by(|a, b| b.cmp(a));
        merged.ranked.truncate(self.keep);
        merged.top = merged
            .ranked
            .iter()
            .map(|r| DocAddress::new(r.at.0.0, r.at.0.1))
            .collect();
        Ok(merged)
    }
}

impl SegmentCatalog {
    /// Larger is better; a product without the sorted value comes last either way.
    fn key(&self, doc: DocId, score: Score, quality: u8) -> u64 {
        match self.sort {
            // BM25 raised by the listing's quality (verified, complete, in stock). A
            // non-negative float's bits order as the float does.
            Sort::Relevance => {
                u64::from((score.max(0.0) * (1.0 + Score::from(quality) / 100.0)).to_bits())
            }
            Sort::PriceAsc => self
                .price
                .as_ref()
                .and_then(|c| c.first(doc))
                .map_or(0, |p| u64::MAX - p),
            Sort::PriceDesc => self
                .price
                .as_ref()
                .and_then(|c| c.first(doc))
                .map_or(0, |p| p.saturating_add(1)),
            Sort::Newest => self
                .updated
                .as_ref()
                .and_then(|c| c.first(doc))
                // Two's complement with the sign bit flipped orders as the signed number.
                .map_or(0, |t| (t as u64 ^ 1 << 63).max(1)),
        }
    }
}

impl SegmentCollector for SegmentCatalog {
    type Fruit = Collected;

    fn collect(&mut self, doc: DocId, score: Score) {
        let Some(row) = self.rows.row(doc) else {
            return;
        };
        let layout = &self.rows.layout;
        self.total += 1;
        for facet in [CATEGORY, DISTRICT, SECTOR, PRICE_BAND] {
            let number = layout.get(row, facet) as usize;
            if let Some(n) = number
                .checked_sub(1)
                .and_then(|i| self.counts[facet].get_mut(i))
            {
                *n += 1;
            }
        }
        let mut certs = layout.get(row, CERT);
        while certs != 0 {
            self.certs[certs.trailing_zeros() as usize] += 1;
            certs &= certs - 1;
        }
        if self.keep == 0 {
            return;
        }
        let quality = layout.get(row, QUALITY) as u8;
        let ranked = Ranked {
            key: self.key(doc, score, quality),
            at: Reverse((self.segment, doc)),
        };
        if self.best.len() < self.keep {
            self.best.push(Reverse(ranked));
        } else if self.best.peek().is_some_and(|worst| ranked > worst.0) {
            self.best.pop();
            self.best.push(Reverse(ranked));
        }
    }

    fn harvest(self) -> Collected {
        let mut counts: [HashMap<String, u64>; 5] = Default::default();
        let named = [CATEGORY, DISTRICT, SECTOR, PRICE_BAND]
            .into_iter()
            .zip(self.counts)
            .chain(std::iter::once((CERT, self.certs.to_vec())));
        for (field, per_ord) in named {
            for (ord, n) in per_ord.into_iter().enumerate().filter(|(_, n)| *n > 0) {
                if let Some(value) = self.rows.values[field].get(ord) {
                    counts[field].insert(value.clone(), n);
                }
            }
        }
        debug_assert_eq!(counts.len(), FACET_FIELDS.len());
        Collected {
            total: self.total,
            top: Vec::new(),
            counts,
            ranked: self.best.into_iter().map(|r| r.0).collect(),
        }
    }
}
