//! A spreadsheet as offices hand them in, generated: demo businesses written the way people
//! write them, with a share of invalid rows and of the same business entered again with small
//! differences. For trying the importer and for the import and duplicate benchmarks, which need
//! to know which rows are which.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::demo::DemoGenerator;
use crate::money::format_rupiah;
use crate::region::{RegionCode, RegionTree};
use crate::umkm::{LegalKind, UmkmData};

pub const DEMO_FILE_HEADERS: [&str; 14] = [
    "No",
    "Nama Usaha",
    "Nama Pemilik",
    "NIK",
    "No. HP/WA",
    "Alamat",
    "Kecamatan",
    "Kelurahan",
    "Jenis Usaha",
    "Modal",
    "Omzet/Tahun",
    "Tenaga Kerja L",
    "Tenaga Kerja P",
    "NIB",
];

/// What a generated row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    Valid,
    /// Broken on purpose (a short NIK, letters in the phone, an unknown kelurahan, …).
    Invalid,
    /// The business of data row `of` (0-based) again, written differently.
    Duplicate {
        of: u64,
    },
}

pub struct DemoFileGenerator<'a> {
    demo: DemoGenerator<'a>,
    tree: &'a RegionTree,
    rng: ChaCha8Rng,
    invalid_per_mille: u32,
    duplicate_per_mille: u32,
    /// Recent valid rows, to copy duplicates from.
    recent: Vec<(u64, Vec<String>)>,
    next: u64,
    /// NIKs given out so far: a NIK belongs to one person, and random serials collide.
    niks: std::collections::HashSet<String>,
}

const RECENT: usize = 5000;

impl<'a> DemoFileGenerator<'a> {
    pub fn new(
        tree: &'a RegionTree,
        region: &RegionCode,
        seed: u64,
        today: chrono::NaiveDate,
        invalid_per_mille: u32,
        duplicate_per_mille: u32,
    ) -> Result<Self, crate::Invalid> {
        Ok(Self {
            demo: DemoGenerator::new(tree, region, seed, today)?,
            tree,
            rng: ChaCha8Rng::seed_from_u64(seed ^ 0x5eed_f11e),
            invalid_per_mille,
            duplicate_per_mille,
            recent: Vec::new(),
            next: 0,
            niks: std::collections::HashSet::new(),
        })
    }

    pub fn next_row(&mut self) -> (Vec<String>, RowKind) {
        let index = self.next;
        self.next += 1;
        let roll = self.rng.random_range(0..1000);
        if roll < self.duplicate_per_mille && !self.recent.is_empty() {
            let pick = self.rng.random_range(0..self.recent.len());
            let (of, original) = self.recent[pick].clone();
            let mut cells = self.vary(original);
            cells[0] = (index + 1).to_string();
            return (cells, RowKind::Duplicate { of });
        }
        let data = self.demo.next_umkm().data;
        let mut cells = self.cells(&data);
        cells[3] = self.unique_nik(&cells[3]);
        cells[0] = (index + 1).to_string();
        if roll < self.duplicate_per_mille + self.invalid_per_mille {
            self.break_row(&mut cells);
            return (cells, RowKind::Invalid);
        }
        if self.recent.len() < RECENT {
            self.recent.push((index, cells.clone()));
        } else {
            let slot = self.rng.random_range(0..RECENT);
            self.recent[slot] = (index, cells.clone());
        }
        (cells, RowKind::Valid)
    }

    /// The record as an office clerk types it: local phone numbers, amounts in several styles.
    fn cells(&mut self, d: &UmkmData) -> Vec<String> {
        let lineage = self.tree.lineage(&d.village_code);
        let name_at = |i: usize| lineage.get(i).map_or(String::new(), |r| r.name.clone());
        // One number per business, as in life: the demo generator's random numbers collide
        // at a million rows, which would make the duplicate benchmark measure the generator.
        let prefixes = crate::phone::MOBILE_PREFIXES;
        let unique = format!(
            "+62{}{:08}",
            prefixes[usize::try_from(self.next).unwrap_or(0) % prefixes.len()],
            (self.next * 7919) % 100_000_000
        );
        let phone = d.phone.as_ref().map_or(String::new(), |_| {
            let p = &unique;
            let local = format!("0{}", &p[3..]);
            match self.rng.random_range(0..3) {
                0 => local,
                1 => p.clone(),
                _ => format!("{}-{}-{}", &local[..4], &local[4..8], &local[8..]),
            }
        });
        let amount = |rng: &mut ChaCha8Rng, v: Option<i64>| match v {
            None => String::new(),
            Some(v) if v % 1_000_000 == 0 && rng.random_bool(0.3) => {
                format!("{} jt", v / 1_000_000)
            }
            Some(v) if rng.random_bool(0.5) => format_rupiah(v),
            Some(v) => v.to_string(),
        };
        let nib = d
            .documents
            .iter()
            .find(|x| x.kind == LegalKind::Nib)
            .map_or(String::new(), |x| x.number.clone());
        vec![
            String::new(),
            d.name.clone(),
            d.owner_name.clone(),
            d.nik.as_str().to_string(),
            phone,
            d.address.clone().unwrap_or_default(),
            name_at(2),
            name_at(3),
            d.sector.clone(),
            amount(&mut self.rng, d.modal),
            amount(&mut self.rng, d.annual_sales),
            d.employees_male.map_or(String::new(), |v| v.to_string()),
            d.employees_female.map_or(String::new(), |v| v.to_string()),
            nib,
        ]
    }

    /// The NIK, or the next free serial after it (serials 0001–9999 of the same birth date).
    fn unique_nik(&mut self, nik: &str) -> String {
        let (head, serial) = nik.split_at(12);
        let mut n: u32 = serial.parse().unwrap_or(1);
        let mut candidate = nik.to_string();
        while self.niks.contains(&candidate) {
            n = n % 9999 + 1;
            candidate = format!("{head}{n:04}");
        }
        self.niks.insert(candidate.clone());
        candidate
    }

    fn break_row(&mut self, cells: &mut [String]) {
        match self.rng.random_range(0..5) {
            0 => cells[3].truncate(12),
            1 => cells[4] = "0812-abc-999".into(),
            2 => cells[7] = "Kelurahan Antah Berantah".into(),
            3 => cells[9] = "banyak".into(),
            _ => cells[2].clear(),
        }
    }

    /// The same business, entered by someone else: the name with a legal form, in capitals or
    /// with a typo; the owner abbreviated; the phone in another format; sometimes a NIK digit
    /// mistyped; the NIB often left out.
    fn vary(&mut self, mut cells: Vec<String>) -> Vec<String> {
        let name = cells[1].clone();
        cells[1] = match self.rng.random_range(0..4) {
            0 => format!(
                "{} {name}",
                ["CV", "UD", "Toko"][self.rng.random_range(0..3)]
            ),
            1 => name.to_uppercase(),
            2 => typo(&name, &mut self.rng),
            _ => format!("{name} "),
        };
        if self.rng.random_bool(0.4) {
            let owner = cells[2].clone();
            let words: Vec<&str> = owner.split(' ').collect();
            cells[2] = match words.as_slice() {
                [first, last, ..] => format!("{first} {}.", &last[..1]),
                _ => owner.to_uppercase(),
            };
        }
        if let Some(digits) = Some(
            cells[4]
                .chars()
                .filter(char::is_ascii_digit)
                .collect::<String>(),
        )
        .filter(|d| d.len() > 8)
        {
            let national = digits
                .trim_start_matches("62")
                .trim_start_matches('0')
                .to_string();
            cells[4] = match self.rng.random_range(0..3) {
                0 => format!("0{national}"),
                1 => format!("+62 {national}"),
                _ => format!("62{national}"),
            };
        }
        if self.rng.random_bool(0.2) && cells[3].len() == 16 {
            // A mistyped serial digit, still a well-formed NIK (serials start at 0001).
            let mut nik: Vec<u8> = cells[3].bytes().collect();
            nik[14] = if nik[14] == b'9' { b'1' } else { nik[14] + 1 };
            cells[3] = String::from_utf8_lossy(&nik).into_owned();
        }
        if self.rng.random_bool(0.5) {
            cells[13].clear();
        }
        cells
    }
}

/// Two neighbouring letters swapped in the longest word.
fn typo(name: &str, rng: &mut ChaCha8Rng) -> String {
    let words: Vec<&str> = name.split(' ').collect();
    let Some((i, w)) = words
        .iter()
        .enumerate()
        .max_by_key(|(_, w)| w.chars().count())
    else {
        return name.to_string();
    };
    let mut chars: Vec<char> = w.chars().collect();
    if chars.len() < 4 {
        return name.to_string();
    }
    let at = rng.random_range(1..chars.len() - 1);
    chars.swap(at, at + 1);
    let mut out: Vec<String> = words.iter().map(|s| s.to_string()).collect();
    out[i] = chars.into_iter().collect();
    out.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_come_in_the_asked_shares_and_repeat_with_the_seed() {
        let tree = RegionTree::embedded();
        let region = RegionCode::parse("36.74").unwrap();
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let run = || {
            let mut g = DemoFileGenerator::new(tree, &region, 4, today, 20, 10).unwrap();
            (0..20_000).map(|_| g.next_row()).collect::<Vec<_>>()
        };
        let rows = run();
        assert_eq!(rows, run(), "deterministic");
        let invalid = rows.iter().filter(|r| r.1 == RowKind::Invalid).count();
        let dups = rows
            .iter()
            .filter(|r| matches!(r.1, RowKind::Duplicate { .. }))
            .count();
        assert!((300..500).contains(&invalid), "{invalid}");
        assert!((120..280).contains(&dups), "{dups}");
        for (i, (cells, kind)) in rows.iter().enumerate() {
            assert_eq!(cells.len(), DEMO_FILE_HEADERS.len());
            assert_eq!(cells[0], (i + 1).to_string());
            if let RowKind::Duplicate { of } = kind {
                assert!((*of as usize) < i);
                assert_eq!(rows[*of as usize].1, RowKind::Valid);
            }
        }
    }
}
