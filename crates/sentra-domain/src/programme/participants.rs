//! Who is invited to an activity, and how far each participant got. Fair reach: the invitee list
//! puts first the UMKM of the target sectors that no programme has reached yet, then those
//! reached least often and longest ago, so the same people are not trained again and again.

use serde::Serialize;

macro_rules! states {
    ($($variant:ident = $code:literal),+ $(,)?) => {
        /// A participant's state.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
        pub enum ParticipantState { $($variant),+ }

        impl ParticipantState {
            pub const ALL: &'static [ParticipantState] = &[$(ParticipantState::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $(ParticipantState::$variant => $code),+ }
            }

            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|x| x.as_str() == s.trim())
            }
        }
    };
}

states!(
    Registered = "registered",
    Waitlisted = "waitlisted",
    Attended = "attended",
    Completed = "completed",
    Absent = "absent",
);

impl ParticipantState {
    /// Whether the UMKM was reached (came), which is what fair reach counts.
    pub fn reached(self) -> bool {
        matches!(
            self,
            ParticipantState::Attended | ParticipantState::Completed
        )
    }

    /// Holds one of the activity's places.
    pub fn takes_place(self) -> bool {
        !matches!(
            self,
            ParticipantState::Waitlisted | ParticipantState::Absent
        )
    }
}

/// A UMKM that could be invited, with its programme history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Candidate {
    pub umkm_id: String,
    pub name: String,
    pub sector: String,
    pub village_code: String,
    /// Activities it attended.
    pub reached: u32,
    /// When it last attended one (Unix seconds).
    pub last_reached: Option<i64>,
    /// In one of the target sectors (or the activity is for every sector).
    pub sector_match: bool,
    /// A phone number is on record (an invitation can go by WhatsApp).
    pub has_phone: bool,
}

/// Orders candidates for an activity aimed at `targets` (sector codes; empty: every sector):
/// those of a target sector first; among them the never reached, then the least often reached,
/// then those reached longest ago; then by name.
pub fn rank(mut candidates: Vec<Candidate>, targets: &[String]) -> Vec<Candidate> {
    for c in &mut candidates {
        c.sector_match = targets.is_empty() || targets.contains(&c.sector);
    }
    candidates.sort_by(|a, b| {
        b.sector_match
            .cmp(&a.sector_match)
            .then(a.reached.cmp(&b.reached))
            .then(
                a.last_reached
                    .unwrap_or(i64::MIN)
                    .cmp(&b.last_reached.unwrap_or(i64::MIN)),
            )
            .then_with(|| a.name.cmp(&b.name))
            .then_with(|| a.umkm_id.cmp(&b.umkm_id))
    });
    candidates
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(id: &str, sector: &str, reached: u32, last: Option<i64>) -> Candidate {
        Candidate {
            umkm_id: id.into(),
            name: format!("Usaha {id}"),
            sector: sector.into(),
            village_code: "36.74.03.1001".into(),
            reached,
            last_reached: last,
            sector_match: false,
            has_phone: true,
        }
    }

    #[test]
    fn the_never_reached_of_the_right_sector_come_first() {
        let ranked = rank(
            vec![
                c("a", "kuliner", 3, Some(300)),
                c("b", "kriya", 0, None),
                c("c", "kuliner", 0, None),
                c("d", "kuliner", 1, Some(100)),
                c("e", "kuliner", 1, Some(50)),
            ],
            &["kuliner".to_string()],
        );
        let order: Vec<&str> = ranked.iter().map(|c| c.umkm_id.as_str()).collect();
        assert_eq!(order, ["c", "e", "d", "a", "b"]);
        assert!(ranked[0].sector_match && !ranked[4].sector_match);
        // For every sector: all match, the never reached first.
        let all = rank(
            vec![c("a", "kuliner", 2, Some(1)), c("b", "kriya", 0, None)],
            &[],
        );
        assert_eq!(all[0].umkm_id, "b");
        assert!(all.iter().all(|c| c.sector_match));
    }

    #[test]
    fn states_read_and_count() {
        assert_eq!(
            ParticipantState::parse("attended"),
            Some(ParticipantState::Attended)
        );
        assert!(ParticipantState::Completed.reached());
        assert!(!ParticipantState::Registered.reached());
        assert!(!ParticipantState::Waitlisted.takes_place());
    }
}
