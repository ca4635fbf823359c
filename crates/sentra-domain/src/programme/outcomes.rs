//! What changed for a UMKM after a programme reached it: documents obtained, a size class moved
//! up or down (PP 7/2021 Pasal 35), products listed. Read from the registry's audit trail, so
//! the changes are the ones recorded, dated when they were recorded.

use serde::Serialize;

use crate::size::SizeClass;
use crate::umkm::LegalKind;

/// One recorded change of a UMKM record, as far as outcomes go.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Change {
    /// When it was recorded (Unix seconds).
    pub at: i64,
    /// The document kinds before and after, when the documents changed.
    pub documents: Option<(Vec<LegalKind>, Vec<LegalKind>)>,
    /// The size class before and after, when it changed.
    pub size: Option<(Option<SizeClass>, Option<SizeClass>)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Outcome {
    /// A document the business did not have before (NIB, P-IRT, halal …).
    Document(LegalKind),
    /// The size class changed (from none, when it was not known).
    SizeMoved {
        from: Option<SizeClass>,
        to: SizeClass,
    },
    /// Products added to the catalogue.
    Products(u32),
}

/// The outcomes among a record's changes made at or after `since`, and the products added since
/// then (`products`: when each was added). Dated, oldest first; the products as one outcome
/// dated at the last of them.
pub fn outcomes_after(since: i64, changes: &[Change], products: &[i64]) -> Vec<(i64, Outcome)> {
    let mut out = Vec::new();
    for c in changes.iter().filter(|c| c.at >= since) {
        if let Some((before, after)) = &c.documents {
            for k in after.iter().filter(|k| !before.contains(k)) {
                out.push((c.at, Outcome::Document(*k)));
            }
        }
        if let Some((from, Some(to))) = c.size.filter(|(from, to)| from != to) {
            out.push((c.at, Outcome::SizeMoved { from, to }));
        }
    }
    let added: Vec<i64> = products.iter().copied().filter(|t| *t >= since).collect();
    if let Some(last) = added.iter().max() {
        out.push((*last, Outcome::Products(added.len() as u32)));
    }
    out.sort_by_key(|(at, _)| *at);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use LegalKind::{Nib, Npwp};
    use SizeClass::{Kecil, Mikro};

    #[test]
    fn documents_obtained_and_classes_moved_after_the_programme_count() {
        let docs = |at, before: Vec<LegalKind>, after: Vec<LegalKind>| Change {
            at,
            documents: Some((before, after)),
            size: None,
        };
        let sized = |at, from, to| Change {
            at,
            documents: None,
            size: Some((from, to)),
        };
        let changes = vec![
            // Before the clinic: not its outcome.
            docs(50, vec![], vec![Npwp]),
            docs(150, vec![Npwp], vec![Npwp, Nib]),
            sized(200, Some(Mikro), Some(Kecil)),
            sized(210, Some(Kecil), Some(Kecil)),
            sized(220, Some(Kecil), None),
        ];
        let got = outcomes_after(100, &changes, &[90, 160, 300]);
        assert_eq!(
            got,
            [
                (150, Outcome::Document(Nib)),
                (
                    200,
                    Outcome::SizeMoved {
                        from: Some(Mikro),
                        to: Kecil
                    }
                ),
                (300, Outcome::Products(2)),
            ]
        );
        assert!(outcomes_after(1000, &changes, &[90]).is_empty());
    }
}
