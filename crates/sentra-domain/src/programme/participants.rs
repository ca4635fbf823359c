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
    /// When it was last put on any activity's list, come or not (Unix seconds): the rotation.
    pub last_listed: Option<i64>,
    /// In one of the target sectors (or the activity is for every sector).
    pub sector_match: bool,
    /// A phone number is on record (an invitation can go by WhatsApp).
    pub has_phone: bool,
}

/// Orders candidates for an activity aimed at `targets` (sector codes; empty: every sector):
/// those of a target sector first; among them the never reached, then the least often reached,
/// then those reached longest ago, then those put on a list longest ago (the rotation: who
/// was invited last time waits behind who was not). Ties are drawn by lot, seeded by `seed`
/// (the activity): the same list every time for one activity, another order for the next, so
/// that no name is favoured by its first letter (issue 31: ties by alphabet left late letters
/// out of every activity).
pub fn rank(mut candidates: Vec<Candidate>, targets: &[String], seed: &str) -> Vec<Candidate> {
    for c in &mut candidates {
        c.sector_match = targets.is_empty() || targets.contains(&c.sector);
    }
    candidates.sort_by_cached_key(|c| {
        (
            !c.sector_match,
            c.reached,
            c.last_reached.unwrap_or(i64::MIN),
            c.last_listed.unwrap_or(i64::MIN),
            lot(seed, &c.umkm_id),
            c.umkm_id.clone(),
        )
    });
    candidates
}

/// A draw that depends only on the seed and the candidate (FNV-1a, 64 bits): stable across
/// servers and restarts, unrelated to the name.
pub fn lot(seed: &str, id: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in seed.bytes().chain([0]).chain(id.bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
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
            last_listed: last,
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
            "activity-1",
        );
        let order: Vec<&str> = ranked.iter().map(|c| c.umkm_id.as_str()).collect();
        assert_eq!(order, ["c", "e", "d", "a", "b"]);
        assert!(ranked[0].sector_match && !ranked[4].sector_match);
        // For every sector: all match, the never reached first.
        let all = rank(
            vec![c("a", "kuliner", 2, Some(1)), c("b", "kriya", 0, None)],
            &[],
            "activity-1",
        );
        assert_eq!(all[0].umkm_id, "b");
        assert!(all.iter().all(|c| c.sector_match));
    }

    #[test]
    fn ties_are_drawn_by_lot_not_by_the_alphabet_and_the_last_listed_wait() {
        // 26 never-reached businesses, A to Z: over 40 activities of 5 places each, the
        // letters late in the alphabet are chosen as often as the early ones.
        let all: Vec<Candidate> = (b'a'..=b'z')
            .map(|l| c(&(l as char).to_string(), "kuliner", 0, None))
            .collect();
        let mut chosen = std::collections::HashMap::<String, u32>::new();
        for n in 0..40 {
            for x in rank(all.clone(), &[], &format!("activity-{n}"))
                .iter()
                .take(5)
            {
                *chosen.entry(x.umkm_id.clone()).or_default() += 1;
            }
        }
        let early: u32 = ["a", "b", "c", "d", "e"]
            .iter()
            .map(|k| chosen.get(*k).copied().unwrap_or(0))
            .sum();
        let late: u32 = ["v", "w", "x", "y", "z"]
            .iter()
            .map(|k| chosen.get(*k).copied().unwrap_or(0))
            .sum();
        assert!(
            late >= 20 && early <= 60,
            "early {early}, late {late}: {chosen:?}"
        );
        // One activity's order is the same every time it is read.
        assert_eq!(rank(all.clone(), &[], "x"), rank(all.clone(), &[], "x"));
        // Put on a list last time (not come): behind one that was not.
        let mut listed = c("a", "kuliner", 0, None);
        listed.last_listed = Some(1_000);
        let ranked = rank(vec![listed, c("b", "kuliner", 0, None)], &[], "seed");
        assert_eq!(ranked[0].umkm_id, "b");
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
