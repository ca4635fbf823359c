//! Finding the same business registered twice: from two lists, or twice for aid. Exact when the
//! NIB matches; likely when the names (stripped of legal forms and generic words) are close and
//! the owner, phone, NIK or place agree. Candidates are only compared inside blocks that share a
//! key (phone, NIK, or kelurahan + a name word), so a million records take seconds, not years.

use serde::Serialize;

/// What the comparison looks at of one record: the keys of its business and owner names
/// (see [`business_name_key`]), NIK (16 digits or empty), phone (+62… or empty), kelurahan code
/// and NIB, kept in one string: a million records are compared at once, and seven strings
/// each would take three times the memory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DedupRecord {
    text: Box<str>,
    /// Where each part ends in `text`.
    ends: [u32; 6],
}

impl DedupRecord {
    /// From the values as stored or as typed.
    pub fn new(name: &str, owner: &str, nik: &str, phone: &str, village: &str, nib: &str) -> Self {
        let name = business_name_key(name);
        let owner = business_name_key(owner);
        let parts = [name.as_str(), owner.as_str(), nik, phone, village, nib];
        let mut text = String::with_capacity(parts.iter().map(|p| p.len()).sum());
        let mut ends = [0u32; 6];
        for (end, part) in ends.iter_mut().zip(parts) {
            text.push_str(part);
            *end = u32::try_from(text.len()).unwrap_or(u32::MAX);
        }
        Self {
            text: text.into_boxed_str(),
            ends,
        }
    }

    fn part(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        self.text.get(start..self.ends[i] as usize).unwrap_or("")
    }

    pub fn name_key(&self) -> &str {
        self.part(0)
    }

    pub fn owner_key(&self) -> &str {
        self.part(1)
    }

    pub fn nik(&self) -> &str {
        self.part(2)
    }

    pub fn phone(&self) -> &str {
        self.part(3)
    }

    pub fn village(&self) -> &str {
        self.part(4)
    }

    pub fn nib(&self) -> &str {
        self.part(5)
    }
}

/// One pair of records (by their index in the input) that look like one business.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DuplicatePair {
    pub a: usize,
    pub b: usize,
    /// 0..=1.
    pub score: f64,
    /// Codes of what agreed: `same_nib`, `same_nik`, `nik_one_digit`, `same_phone`,
    /// `similar_name`, `same_name`, `similar_owner`, `same_village`.
    pub reasons: Vec<&'static str>,
}

/// Pairs scoring at least this are shown for review.
pub const LIKELY: f64 = 0.75;

/// Words that say what kind of business it is rather than which one.
const GENERIC_WORDS: &[&str] = &[
    "cv", "ud", "pt", "tbk", "koperasi", "kop", "toko", "tk", "warung", "wr", "warkop", "usaha",
    "kios", "kedai", "depot", "rumah", "home", "industri", "produksi", "umkm", "ukm", "bu", "ibu",
    "pak", "bapak", "mas", "mbak", "h", "hj", "dan", "&",
];

/// `CV. Keripik "Bu Ani" Jaya` → `keripik ani jaya`.
pub fn business_name_key(name: &str) -> String {
    let lower = name.to_lowercase();
    let words: Vec<String> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && !GENERIC_WORDS.contains(w))
        .map(spelling)
        .collect();
    words.join(" ")
}

/// Old and new spellings written for the same sound: `oe` → `u`, `dj` → `j`, `tj` → `c`,
/// `j` (old `y`)… only the common, safe ones; and doubled letters once.
fn spelling(word: &str) -> String {
    let w = word
        .replace("oe", "u")
        .replace("dj", "j")
        .replace("tj", "c")
        .replace("sj", "sy");
    let mut out = String::with_capacity(w.len());
    for c in w.chars() {
        if out.ends_with(c) && c.is_alphabetic() {
            continue;
        }
        out.push(c);
    }
    out
}

/// Owners written `Siti Rahayu`, `SITI R.` or `Rahayu, Siti` agree (keys from [`business_name_key`], which drops the same honorifics).
fn owner_similarity(a: &str, b: &str) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    if a == b {
        return 1.0;
    }
    let wa: Vec<&str> = a.split(' ').collect();
    let wb: Vec<&str> = b.split(' ').collect();
    // Every word of the shorter name matches a word (or an initial) of the longer one.
    let (short, long) = if wa.len() <= wb.len() {
        (&wa, &wb)
    } else {
        (&wb, &wa)
    };
    let covered = short.iter().all(|s| {
        long.iter().any(|l| {
            l == s || (s.len() == 1 && l.starts_with(s)) || (l.len() == 1 && s.starts_with(l))
        })
    });
    if covered {
        return 0.9;
    }
    strsim::jaro_winkler(a, b)
}

fn nik_one_digit_apart(a: &str, b: &str) -> bool {
    a.len() == 16 && b.len() == 16 && a.bytes().zip(b.bytes()).filter(|(x, y)| x != y).count() == 1
}

/// How alike two records are, and why.
pub fn compare(x: &DedupRecord, y: &DedupRecord) -> (f64, Vec<&'static str>) {
    let mut reasons = Vec::new();
    let (nib_x, nik_x, phone_x) = (x.nib(), x.nik(), x.phone());
    let (nib_y, nik_y, phone_y) = (y.nib(), y.nik(), y.phone());
    if !nib_x.is_empty() && nib_x == nib_y {
        return (1.0, vec!["same_nib"]);
    }
    let (nx, ny) = (x.name_key(), y.name_key());
    let name = if nx.is_empty() || ny.is_empty() {
        0.0
    } else if nx == ny {
        reasons.push("same_name");
        1.0
    } else {
        let s = strsim::jaro_winkler(nx, ny).max(token_overlap(nx, ny));
        if s >= 0.85 {
            reasons.push("similar_name");
        }
        s
    };
    let owner = owner_similarity(x.owner_key(), y.owner_key());
    if owner >= 0.85 {
        reasons.push("similar_owner");
    }
    let mut identity: f64 = 0.0;
    if !nik_x.is_empty() && nik_x == nik_y {
        reasons.push("same_nik");
        identity = identity.max(1.0);
    } else if nik_one_digit_apart(nik_x, nik_y) {
        reasons.push("nik_one_digit");
        identity = identity.max(0.7);
    }
    if !phone_x.is_empty() && phone_x == phone_y {
        reasons.push("same_phone");
        identity = identity.max(0.9);
    }
    let place = if !x.village().is_empty() && x.village() == y.village() {
        reasons.push("same_village");
        1.0
    } else {
        0.0
    };
    // The name carries most weight: one owner may run several businesses (same NIK and
    // phone, other names), and two shops may share a generic name in one kelurahan.
    let mut score = 0.5 * name + 0.15 * owner + 0.25 * identity + 0.1 * place;
    // Both NIKs and both phones known and different: two people who share a common name (and
    // a common business name) in one kelurahan, more likely than one person twice.
    // A NIK one digit apart alone is weak: neighbours born on the same day in one kecamatan
    // have NIKs that differ only in the serial.
    let known_apart = |a: &str, b: &str| !a.is_empty() && !b.is_empty() && a != b;
    if known_apart(nik_x, nik_y) && known_apart(phone_x, phone_y) {
        score -= 0.1;
    }
    (score, reasons)
}

/// Share of the shorter name's words found in the longer one: `keripik tempe rina` and
/// `keripik tempe rina jaya` agree.
fn token_overlap(a: &str, b: &str) -> f64 {
    let wa: Vec<&str> = a.split(' ').collect();
    let wb: Vec<&str> = b.split(' ').collect();
    let (short, long) = if wa.len() <= wb.len() {
        (&wa, &wb)
    } else {
        (&wb, &wa)
    };
    if short.is_empty() {
        return 0.0;
    }
    let found = short.iter().filter(|w| long.contains(w)).count();
    // Scaled so that a full overlap of a one-word name does not decide alone.
    let share = found as f64 / short.len() as f64;
    if short.len() == 1 {
        share * 0.9
    } else {
        share * 0.97
    }
}

/// Blocks bigger than this are skipped: a key that common says little, and comparing all its
/// pairs would be quadratic. Identity keys (NIB, NIK, phone, the whole name in a kelurahan)
/// are rarely shared; single name words often are, so their blocks are kept small.
const MAX_BLOCK: usize = 200;
const MAX_WORD_BLOCK: usize = 40;

/// A blocking key: the kind of key and its parts, hashed. Two records share a block when their
/// keys hash alike; a rare hash collision only costs a comparison, never a wrong pair.
fn block_key(kind: u8, parts: &[&str]) -> u64 {
    use std::hash::Hasher;
    let mut h = std::hash::DefaultHasher::new();
    h.write_u8(kind);
    for p in parts {
        h.write(p.as_bytes());
        h.write_u8(0xff);
    }
    // The top bit tells name-word blocks (kept smaller) from the others.
    let word = u64::from(kind == b'w') << 63;
    (h.finish() & !(1 << 63)) | word
}

/// Every pair scoring at least `threshold`, each pair once, sorted by score (highest first).
/// Blocks are found by sorting (key, record) entries rather than in a map of lists: a million
/// records make a few million 12-byte entries instead of as many small allocations.
pub fn find_duplicates(records: &[DedupRecord], threshold: f64) -> Vec<DuplicatePair> {
    let mut entries: Vec<(u64, u32)> = Vec::with_capacity(records.len() * 6);
    for (i, r) in records.iter().enumerate() {
        let i = i as u32;
        for (kind, key) in [(b'b', r.nib()), (b'n', r.nik()), (b'p', r.phone())] {
            if !key.is_empty() {
                entries.push((block_key(kind, &[key]), i));
            }
        }
        let (village, name) = (r.village(), r.name_key());
        entries.push((block_key(b'v', &[village, name]), i));
        // Each name word with the kelurahan: a typo in one word still shares the others.
        for w in name.split(' ').filter(|w| w.len() >= 3) {
            entries.push((block_key(b'w', &[village, w]), i));
        }
    }
    entries.sort_unstable();
    entries.dedup();
    let live = |block: &[(u64, u32)]| {
        let limit = if block[0].0 >> 63 == 1 {
            MAX_WORD_BLOCK
        } else {
            MAX_BLOCK
        };
        (2..=limit).contains(&block.len())
    };
    // Each record's blocks that are compared, in key order (compact rows of one array). A pair
    // that shares several blocks is compared in the first of them only: a set of the pairs
    // already compared would hold tens of millions of them for a million records.
    let mut start = vec![0u32; records.len() + 1];
    for block in entries.chunk_by(|x, y| x.0 == y.0).filter(|b| live(b)) {
        for &(_, i) in block {
            start[i as usize + 1] += 1;
        }
    }
    for i in 0..records.len() {
        start[i + 1] += start[i];
    }
    let mut fill: Vec<u32> = start[..records.len()].to_vec();
    let mut keys = vec![0u64; start[records.len()] as usize];
    for block in entries.chunk_by(|x, y| x.0 == y.0).filter(|b| live(b)) {
        for &(k, i) in block {
            keys[fill[i as usize] as usize] = k;
            fill[i as usize] += 1;
        }
    }
    drop(fill);
    let blocks_of = |i: u32| &keys[start[i as usize] as usize..start[i as usize + 1] as usize];
    let mut pairs = Vec::new();
    for block in entries.chunk_by(|x, y| x.0 == y.0).filter(|b| live(b)) {
        let key = block[0].0;
        for (n, &(_, a)) in block.iter().enumerate() {
            for &(_, b) in &block[n + 1..] {
                if first_common(blocks_of(a), blocks_of(b)) != Some(key) {
                    continue;
                }
                let (x, y) = (a.min(b) as usize, a.max(b) as usize);
                let (score, reasons) = compare(&records[x], &records[y]);
                if score >= threshold {
                    pairs.push(DuplicatePair {
                        a: x,
                        b: y,
                        score,
                        reasons,
                    });
                }
            }
        }
    }
    pairs.sort_by(|p, q| {
        q.score
            .total_cmp(&p.score)
            .then(p.a.cmp(&q.a))
            .then(p.b.cmp(&q.b))
    });
    pairs
}

/// The smallest key in both sorted lists.
fn first_common(a: &[u64], b: &[u64]) -> Option<u64> {
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => return Some(a[i]),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(name: &str, owner: &str, nik: &str, phone: &str, village: &str) -> DedupRecord {
        DedupRecord::new(name, owner, nik, phone, village, "")
    }

    #[test]
    fn names_lose_legal_forms_generic_words_and_old_spelling() {
        assert_eq!(
            business_name_key("CV. Keripik \"Bu Ani\" Jaya"),
            "keripik ani jaya"
        );
        assert_eq!(business_name_key("TOKO  Soedjono"), "sujono");
        assert_eq!(business_name_key("Warung Sate Pak Budi"), "sate budi");
        assert_eq!(business_name_key("Kopi Tjap Doea"), "kopi cap dua");
    }

    #[test]
    fn the_same_business_from_two_lists_is_found() {
        let a = rec(
            "Keripik Tempe Bu Rina",
            "Rina Marlina",
            "3674035506900002",
            "+6281211112222",
            "36.74.03.1010",
        );
        let b = rec(
            "UD Keripik Tempe Rina",
            "RINA M.",
            "3674035506900002",
            "+6281211112222",
            "36.74.03.1010",
        );
        let (score, reasons) = compare(&a, &b);
        assert!(score >= LIKELY, "{score} {reasons:?}");
        assert!(reasons.contains(&"same_nik") && reasons.contains(&"same_name"));
        // A typo in the NIK and another phone format do not hide it.
        let c = rec(
            "Keripik Tempe Bu Rina",
            "Rina Marlina",
            "3674035506900003",
            "",
            "36.74.03.1010",
        );
        assert!(compare(&a, &c).0 >= LIKELY, "{:?}", compare(&a, &c));
    }

    #[test]
    fn one_owner_with_two_businesses_is_not_a_duplicate() {
        let a = rec(
            "Keripik Tempe Bu Rina",
            "Rina Marlina",
            "3674035506900002",
            "+6281211112222",
            "36.74.03.1010",
        );
        let b = rec(
            "Laundry Kilat",
            "Rina Marlina",
            "3674035506900002",
            "+6281211112222",
            "36.74.03.1010",
        );
        assert!(compare(&a, &b).0 < LIKELY, "{:?}", compare(&a, &b));
    }

    #[test]
    fn two_shops_with_a_generic_name_in_one_kelurahan_are_not_duplicates() {
        let a = rec(
            "Warung Sembako Berkah",
            "Ahmad",
            "3674031203850001",
            "+6281300000001",
            "36.74.03.1004",
        );
        let b = rec(
            "Toko Sembako Berkah",
            "Yuliani",
            "3674034404880002",
            "+6281300000002",
            "36.74.03.1004",
        );
        assert!(compare(&a, &b).0 < LIKELY, "{:?}", compare(&a, &b));
    }

    #[test]
    fn namesakes_with_other_nik_and_phone_are_not_duplicates() {
        let a = rec(
            "Pempek Teguh",
            "Teguh Syahputra",
            "3674010903602366",
            "+628788690361",
            "v",
        );
        let b = rec(
            "Pempek Teguh",
            "Teguh Syahputra",
            "3674040107787983",
            "+628565008895",
            "v",
        );
        assert!(compare(&a, &b).0 < LIKELY, "{:?}", compare(&a, &b));
        // Without the phones to tell them apart, the pair is worth a look.
        let c = rec(
            "Pempek Teguh",
            "Teguh Syahputra",
            "3674040107787983",
            "",
            "v",
        );
        assert!(compare(&a, &c).0 >= LIKELY, "{:?}", compare(&a, &c));
    }

    #[test]
    fn a_record_keeps_its_parts_apart() {
        let r = DedupRecord::new(
            "CV Kopi Tjap",
            "Bu Siti",
            "3674035506900002",
            "+62812",
            "36.74",
            "9",
        );
        assert_eq!(
            [
                r.name_key(),
                r.owner_key(),
                r.nik(),
                r.phone(),
                r.village(),
                r.nib()
            ],
            [
                "kopi cap",
                "siti",
                "3674035506900002",
                "+62812",
                "36.74",
                "9"
            ]
        );
        let empty = DedupRecord::new("", "", "", "", "", "");
        assert_eq!([empty.name_key(), empty.nib()], ["", ""]);
    }

    #[test]
    fn same_nib_is_exact_and_pairs_come_once() {
        let a = DedupRecord::new("A", "X", "", "", "v", "1234567890123");
        let b = DedupRecord::new("B", "Y", "", "", "w", "1234567890123");
        let c = rec("Keripik Rina", "Rina", "3674035506900002", "+62812", "v");
        let d = rec("Keripik Rina", "Rina", "3674035506900002", "+62812", "v");
        let pairs = find_duplicates(&[a, b, c, d], LIKELY);
        assert_eq!(pairs.len(), 2, "{pairs:?}");
        assert_eq!(
            (pairs[0].a, pairs[0].b, pairs[0].reasons.clone()),
            (0, 1, vec!["same_nib"])
        );
        assert_eq!((pairs[1].a, pairs[1].b), (2, 3));
    }
}
