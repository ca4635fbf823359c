//! What a search needs of each matching product besides its score, packed in one small row per
//! document: the term numbers of its category, kecamatan, sector and price band, its
//! certificates as a bit set, and its quality. A query over a hundred thousand matches then
//! reads one array instead of six fast-field columns per match; the columns' optional and
//! multi-valued indexes, and then the cache misses of wider rows, dominated the time of a
//! query with facets (measured: 10-byte rows p50 3.6 ms, 4-byte rows 3.0 ms at 900k products).
//!
//! The rows of a segment are built once, when a searcher that holds the segment is opened
//! (tantivy's `Warmer`), and dropped with the last searcher that holds it. A segment never
//! changes after it is written; deletions only hide documents, which are then never collected.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};

use tantivy::columnar::StrColumn;
use tantivy::index::SegmentId;
use tantivy::{DocId, Searcher, SearcherGeneration, SegmentReader, Warmer};

/// The `STRING | FAST` fields counted per value; their positions index [`Layout`] and the
/// values of [`SegmentRows`].
pub(crate) const FACET_FIELDS: [&str; 5] =
    ["category_code", "district", "sector", "price_band", "cert"];
pub(crate) const CATEGORY: usize = 0;
pub(crate) const DISTRICT: usize = 1;
pub(crate) const SECTOR: usize = 2;
pub(crate) const PRICE_BAND: usize = 3;
pub(crate) const CERT: usize = 4;
/// The listing's quality, 0..=100, after the facets in a row.
pub(crate) const QUALITY: usize = 5;

/// Distinct certificates a segment's bit set holds (the catalogue shows four).
pub(crate) const CERT_BITS: usize = 16;
const QUALITY_BITS: u32 = 7;

/// Where each value sits in a segment's rows: a facet's term number plus one (zero: none) in as
/// few bits as the segment's distinct values need, the certificates as a bit set, the quality.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Layout {
    shift: [u32; 6],
    mask: [u64; 6],
}

impl Layout {
    fn new(values: &[Vec<String>; 5]) -> (Self, u32) {
        let mut layout = Layout::default();
        let mut at = 0;
        for part in 0..6 {
            let width = match part {
                CERT => values[CERT].len().min(CERT_BITS) as u32,
                QUALITY => QUALITY_BITS,
                facet => u64::BITS - (values[facet].len() as u64).leading_zeros(),
            };
            layout.shift[part] = at;
            layout.mask[part] = (1u64 << width) - 1;
            at += width;
        }
        (layout, at)
    }

    /// The part of a row: a facet's term number plus one, the certificates' bits, the quality.
    #[inline]
    pub fn get(&self, row: u64, part: usize) -> u64 {
        (row >> self.shift[part]) & self.mask[part]
    }

    fn put(&self, row: &mut u64, part: usize, value: u64) {
        *row |= (value & self.mask[part]) << self.shift[part];
    }
}

/// Four bytes a product when the segment's values fit (a kabupaten's or a province's
/// catalogue), eight otherwise (the whole country's kecamatan).
enum Packed {
    Narrow(Vec<u32>),
    Wide(Vec<u64>),
}

/// The rows of one segment and, per facet, its values by term number.
pub(crate) struct SegmentRows {
    rows: Packed,
    pub layout: Layout,
    pub values: [Vec<String>; 5],
}

impl SegmentRows {
    #[inline]
    pub fn row(&self, doc: DocId) -> Option<u64> {
        match &self.rows {
            Packed::Narrow(rows) => rows.get(doc as usize).map(|r| u64::from(*r)),
            Packed::Wide(rows) => rows.get(doc as usize).copied(),
        }
    }

    fn build(reader: &SegmentReader) -> tantivy::Result<Self> {
        let fast = reader.fast_fields();
        let mut columns: Vec<Option<StrColumn>> = Vec::with_capacity(FACET_FIELDS.len());
        let mut values: [Vec<String>; 5] = Default::default();
        for (name, values) in FACET_FIELDS.iter().zip(values.iter_mut()) {
            let column = fast.str(name)?;
            if let Some(c) = &column {
                for ord in 0..c.num_terms() as u64 {
                    let mut value = String::new();
                    c.ord_to_str(ord, &mut value)?;
                    values.push(value);
                }
            }
            columns.push(column);
        }
        let quality = fast.u64("quality").ok().map(|c| c.first_or_default_col(0));
        let (layout, bits) = Layout::new(&values);
        let rows = (0..reader.max_doc()).map(|doc| {
            let mut row = 0u64;
            for facet in [CATEGORY, DISTRICT, SECTOR, PRICE_BAND] {
                let number = columns[facet]
                    .as_ref()
                    .and_then(|c| c.term_ords(doc).next())
                    .map_or(0, |ord| ord + 1);
                layout.put(&mut row, facet, number);
            }
            let certs = columns[CERT].as_ref().map_or(0, |c| {
                c.term_ords(doc)
                    .filter(|ord| (*ord as usize) < CERT_BITS)
                    .fold(0u64, |bits, ord| bits | 1 << ord)
            });
            layout.put(&mut row, CERT, certs);
            let q = quality.as_ref().map_or(0, |q| q.get_val(doc).min(100));
            layout.put(&mut row, QUALITY, q);
            row
        });
        let rows = if bits <= u32::BITS {
            Packed::Narrow(rows.map(|r| r as u32).collect())
        } else {
            Packed::Wide(rows.collect())
        };
        Ok(Self {
            rows,
            layout,
            values,
        })
    }
}

/// The rows of every segment of the searchers in use.
#[derive(Default)]
pub(crate) struct RowCache {
    segments: RwLock<HashMap<SegmentId, Arc<SegmentRows>>>,
}

impl RowCache {
    /// The segment's rows, built now if no searcher has warmed them (an index opened before
    /// the cache was registered).
    pub fn rows(&self, reader: &SegmentReader) -> tantivy::Result<Arc<SegmentRows>> {
        let id = reader.segment_id();
        if let Some(rows) = self.segments.read().ok().and_then(|s| s.get(&id).cloned()) {
            return Ok(rows);
        }
        let rows = Arc::new(SegmentRows::build(reader)?);
        if let Ok(mut segments) = self.segments.write() {
            segments.insert(id, rows.clone());
        }
        Ok(rows)
    }
}

impl Warmer for RowCache {
    fn warm(&self, searcher: &Searcher) -> tantivy::Result<()> {
        for reader in searcher.segment_readers() {
            self.rows(reader)?;
        }
        Ok(())
    }

    fn garbage_collect(&self, live: &[&SearcherGeneration]) {
        let live: HashSet<SegmentId> = live
            .iter()
            .flat_map(|g| g.segments().keys().copied())
            .collect();
        if let Ok(mut segments) = self.segments.write() {
            segments.retain(|id, _| live.contains(id));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(sizes: [usize; 5]) -> [Vec<String>; 5] {
        sizes.map(|n| (0..n).map(|i| i.to_string()).collect())
    }

    #[test]
    fn a_kabupaten_fits_four_bytes_and_the_country_needs_eight() {
        // 60 categories, 7 kecamatan, 12 sectors, 5 price bands, 4 certificates: 6+3+4+3+4+7.
        let (layout, bits) = Layout::new(&values([60, 7, 12, 5, 4]));
        assert_eq!(bits, 27);
        let mut row = 0;
        layout.put(&mut row, DISTRICT, 7);
        layout.put(&mut row, CERT, 0b1010);
        layout.put(&mut row, QUALITY, 100);
        assert_eq!(
            (0..6).map(|p| layout.get(row, p)).collect::<Vec<_>>(),
            [0, 7, 0, 0, 0b1010, 100]
        );
        // 7,300 kecamatan: 13 bits for them alone.
        let (_, bits) = Layout::new(&values([60, 7300, 12, 5, 4]));
        assert!(bits > 32, "{bits}");
    }
}
