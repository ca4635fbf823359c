//! Counting the matches per value of flat facets (kecamatan, certificate, price band, sector)
//! from their fast columns: per segment an array indexed by the value's term number, names
//! looked up only for the values that occur. Tantivy's `FacetCollector` resolves a facet path
//! per document; over a hundred thousand matches that dominated a query's time.

use std::collections::HashMap;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::StrColumn;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

/// Counts per value of each named `STRING | FAST` field.
pub struct FlatCounts {
    pub fields: Vec<&'static str>,
}

/// For each field, its values with their counts (unordered).
pub type Counts = Vec<HashMap<String, u64>>;

pub struct SegmentCounts {
    columns: Vec<Option<StrColumn>>,
    counts: Vec<Vec<u64>>,
}

impl Collector for FlatCounts {
    type Fruit = Counts;
    type Child = SegmentCounts;

    fn for_segment(
        &self,
        _segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentCounts> {
        let mut columns = Vec::with_capacity(self.fields.len());
        let mut counts = Vec::with_capacity(self.fields.len());
        for name in &self.fields {
            let column = reader.fast_fields().str(name)?;
            counts.push(vec![0; column.as_ref().map_or(0, |c| c.num_terms())]);
            columns.push(column);
        }
        Ok(SegmentCounts { columns, counts })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Counts>) -> tantivy::Result<Counts> {
        let mut merged: Counts = vec![HashMap::new(); self.fields.len()];
        for fruit in fruits {
            for (into, from) in merged.iter_mut().zip(fruit) {
                for (value, n) in from {
                    *into.entry(value).or_default() += n;
                }
            }
        }
        Ok(merged)
    }
}

impl SegmentCollector for SegmentCounts {
    type Fruit = Counts;

    fn collect(&mut self, doc: DocId, _score: Score) {
        for (column, counts) in self.columns.iter().zip(self.counts.iter_mut()) {
            if let Some(column) = column {
                for ord in column.term_ords(doc) {
                    if let Some(n) = counts.get_mut(ord as usize) {
                        *n += 1;
                    }
                }
            }
        }
    }

    fn harvest(self) -> Counts {
        let mut out = Vec::with_capacity(self.columns.len());
        for (column, counts) in self.columns.iter().zip(self.counts) {
            let mut values = HashMap::new();
            if let Some(column) = column {
                for (ord, n) in counts.into_iter().enumerate().filter(|(_, n)| *n > 0) {
                    let mut name = String::new();
                    if column.ord_to_str(ord as u64, &mut name).unwrap_or(false) {
                        values.insert(name, n);
                    }
                }
            }
            out.push(values);
        }
        out
    }
}
