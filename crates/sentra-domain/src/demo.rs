//! Deterministic, realistic demo data for any region: the same seed gives the same UMKM.
//! Proportions follow public figures where there are some (about 70% of UMKM with an NIB, as in
//! Kota Kupang; nearly all UMKM micro), otherwise plausible guesses.

use chrono::{Datelike, Duration, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::error::Invalid;
use crate::ids::{KbliVersion, Sex, nik_from_parts, parse_kbli};
use crate::phone::parse_phone;
use crate::region::{Region, RegionCode, RegionLevel, RegionTree};
use crate::size::classify;
use crate::umkm::{LegalDocument, LegalKind, Link, LinkKind, UmkmData, UmkmStatus};

const MALE: &[&str] = &[
    "Agus", "Budi", "Dedi", "Eko", "Fajar", "Hendra", "Iwan", "Joko", "Rudi", "Slamet", "Taufik",
    "Wahyu", "Yusuf", "Ahmad", "Bambang", "Dimas", "Gilang", "Hadi", "Irfan", "Rizky", "Sutrisno",
    "Teguh", "Arif", "Dani", "Asep", "Ujang", "Made", "Ketut", "Andi", "Muhammad",
];
const FEMALE: &[&str] = &[
    "Siti", "Sri", "Dewi", "Ani", "Rina", "Yuni", "Ratna", "Wulan", "Indah", "Lestari", "Nur",
    "Fitri", "Ayu", "Dian", "Eka", "Kartini", "Lina", "Maya", "Novi", "Putri", "Ratih", "Sari",
    "Tuti", "Wati", "Yanti", "Nining", "Euis", "Ni Luh", "Rahma", "Aisyah",
];
const FAMILY: &[&str] = &[
    "Santoso",
    "Wijaya",
    "Saputra",
    "Hidayat",
    "Kurniawan",
    "Setiawan",
    "Pratama",
    "Lestari",
    "Rahayu",
    "Susanti",
    "Nugroho",
    "Hakim",
    "Siregar",
    "Nasution",
    "Simanjuntak",
    "Gunawan",
    "Permana",
    "Hasanah",
    "Maulana",
    "Firmansyah",
    "Rahman",
    "Sembiring",
    "Wibowo",
    "Handayani",
    "Suryani",
    "Purnomo",
    "Ramadhan",
    "Syahputra",
    "Utami",
    "Halim",
];
const STREETS: &[&str] = &[
    "Merdeka",
    "Sudirman",
    "Diponegoro",
    "Kartini",
    "Melati",
    "Mawar",
    "Kenanga",
    "Pahlawan",
    "Raya",
    "Masjid",
    "Pasar",
    "Flamboyan",
    "Cempaka",
    "Anggrek",
    "Nusantara",
    "Veteran",
    "Siliwangi",
    "Pemuda",
    "Bhayangkara",
    "Cendrawasih",
];
const FOODS: &[&str] = &[
    "Keripik Singkong",
    "Keripik Pisang",
    "Kue Basah",
    "Sambal",
    "Bakso",
    "Nasi Uduk",
    "Rendang",
    "Dodol",
    "Kopi Bubuk",
    "Madu",
    "Kerupuk",
    "Rengginang",
    "Bolu",
    "Tempe",
    "Es Cendol",
    "Seblak",
    "Pempek",
    "Abon",
    "Kue Kering",
    "Jamu",
];
const CRAFTS: &[&str] = &[
    "Anyaman Bambu",
    "Ukiran Kayu",
    "Tas Rajut",
    "Gerabah",
    "Kerajinan Rotan",
    "Sulaman",
    "Kerajinan Kulit",
    "Lilin Aroma",
    "Kerajinan Eceng Gondok",
    "Souvenir",
];
const FASHION: &[&str] = &[
    "Batik",
    "Konveksi",
    "Butik",
    "Hijab",
    "Jahit",
    "Tenun",
    "Sepatu",
    "Kaos Sablon",
];
const SERVICES: &[&str] = &[
    "Laundry",
    "Bengkel",
    "Salon",
    "Servis HP",
    "Percetakan",
    "Fotokopi",
    "Katering",
    "Rental",
];
const TRADE: &[&str] = &[
    "Toko Kelontong",
    "Warung Sembako",
    "Toko Bangunan",
    "Agen Pulsa",
    "Toko Kue",
    "Toko Plastik",
];

/// Sector code, weight (per mille), name patterns and KBLI 2020 codes seen for it.
struct SectorSpec {
    code: &'static str,
    weight: u32,
    kbli: &'static [&'static str],
}

const SECTORS: &[SectorSpec] = &[
    SectorSpec {
        code: "kuliner",
        weight: 400,
        kbli: &["56102", "10792", "56103", "10710", "10794"],
    },
    SectorSpec {
        code: "perdagangan",
        weight: 200,
        kbli: &["47111", "47112", "47191"],
    },
    SectorSpec {
        code: "jasa",
        weight: 100,
        kbli: &["96200", "95230", "18111", "96111"],
    },
    SectorSpec {
        code: "fesyen",
        weight: 80,
        kbli: &["14111", "13134", "15201"],
    },
    SectorSpec {
        code: "kriya",
        weight: 60,
        kbli: &["16292", "32909", "23931"],
    },
    SectorSpec {
        code: "pertanian_olahan",
        weight: 50,
        kbli: &["10399", "10750", "10130"],
    },
    SectorSpec {
        code: "kecantikan",
        weight: 30,
        kbli: &["96112", "20232"],
    },
    SectorSpec {
        code: "otomotif",
        weight: 30,
        kbli: &["45201", "45405"],
    },
    SectorSpec {
        code: "pertanian",
        weight: 20,
        kbli: &["01134", "03221", "01461"],
    },
    SectorSpec {
        code: "industri",
        weight: 10,
        kbli: &["25920", "31001"],
    },
    SectorSpec {
        code: "digital",
        weight: 10,
        kbli: &["62019", "73100"],
    },
    SectorSpec {
        code: "pariwisata",
        weight: 5,
        kbli: &["55900", "79121"],
    },
    SectorSpec {
        code: "lainnya",
        weight: 5,
        kbli: &[],
    },
];

/// One generated record with the status it should be stored with.
pub struct DemoUmkm {
    pub data: UmkmData,
    pub status: UmkmStatus,
}

pub struct DemoGenerator<'a> {
    rng: ChaCha8Rng,
    villages: Vec<&'a Region>,
    districts: Vec<&'a Region>,
    today: NaiveDate,
    serial: u16,
}

impl<'a> DemoGenerator<'a> {
    /// A generator for businesses inside `region` (any level that has villages below it).
    pub fn new(
        tree: &'a RegionTree,
        region: &RegionCode,
        seed: u64,
        today: NaiveDate,
    ) -> Result<Self, Invalid> {
        if tree.get(region).is_none() {
            return Err(Invalid("region_unknown"));
        }
        let inside = |level| {
            tree.all()
                .iter()
                .filter(move |r| r.level == level && r.code.is_within(region))
        };
        let villages: Vec<&Region> = inside(RegionLevel::Village).collect();
        let districts: Vec<&Region> = inside(RegionLevel::District).collect();
        if villages.is_empty() {
            return Err(Invalid("region_not_village"));
        }
        Ok(Self {
            rng: ChaCha8Rng::seed_from_u64(seed),
            villages,
            districts,
            today,
            serial: 0,
        })
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.rng.random_range(0..items.len())]
    }

    fn chance(&mut self, per_mille: u32) -> bool {
        self.rng.random_range(0..1000) < per_mille
    }

    fn sector(&mut self) -> &'static SectorSpec {
        let total: u32 = SECTORS.iter().map(|s| s.weight).sum();
        let mut n = self.rng.random_range(0..total);
        for s in SECTORS {
            if n < s.weight {
                return s;
            }
            n -= s.weight;
        }
        &SECTORS[0]
    }

    fn business_name(&mut self, sector: &str, owner_first: &str) -> (String, Option<String>) {
        let place = self.pick(&[
            "Berkah",
            "Barokah",
            "Jaya",
            "Sejahtera",
            "Makmur",
            "Mandiri",
            "Sentosa",
            "Lancar",
            "Abadi",
            "Sumber Rejeki",
        ]);
        let name = match sector {
            "kuliner" | "pertanian_olahan" => {
                let food = self.pick(FOODS);
                if self.chance(500) {
                    format!("{food} {owner_first}")
                } else {
                    format!("{food} {place}")
                }
            }
            "kriya" => format!("{} {place}", self.pick(CRAFTS)),
            "fesyen" => format!("{} {owner_first}", self.pick(FASHION)),
            "jasa" | "kecantikan" | "otomotif" => format!("{} {owner_first}", self.pick(SERVICES)),
            "perdagangan" => format!("{} {place}", self.pick(TRADE)),
            _ => format!("UD {place} {owner_first}"),
        };
        let brand = self.chance(350).then(|| {
            let syllables = ["ka", "ri", "mu", "sa", "to", "na", "li", "wa", "ra", "de"];
            let a = self.pick(&syllables);
            let b = self.pick(&syllables);
            let mut s = format!("{a}{b}");
            if let Some(first) = s.get(..1) {
                s = first.to_uppercase() + s.get(1..).unwrap_or("");
            }
            format!("{s}ku")
        });
        (name, brand)
    }

    /// Modal and sales in rupiah, mostly micro (PP 7/2021 Pasal 35 bands), some unknown.
    fn money(&mut self) -> (Option<i64>, Option<i64>) {
        let juta = 1_000_000i64;
        let band = self.rng.random_range(0..1000);
        let modal = match band {
            0..=899 => self.rng.random_range(2..300) * juta,
            900..=979 => self.rng.random_range(300..1000) * juta,
            980..=994 => self.rng.random_range(1001..5000) * juta,
            995..=998 => self.rng.random_range(5001..10_000) * juta,
            _ => self.rng.random_range(10_001..20_000) * juta,
        };
        let sales = modal / 2 + self.rng.random_range(0..=modal * 2);
        match self.rng.random_range(0..100) {
            0..=2 => (None, None),
            3..=12 => (None, Some(sales)),
            13..=40 => (Some(modal), None),
            _ => (Some(modal), Some(sales)),
        }
    }

    fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.rng.random_range(0..10u8)))
            .collect()
    }

    fn date_between(&mut self, from: NaiveDate, to: NaiveDate) -> NaiveDate {
        let days = (to - from).num_days().max(1);
        from + Duration::days(self.rng.random_range(0..days))
    }

    fn documents(&mut self, sector: &str, started: NaiveDate) -> Vec<LegalDocument> {
        let mut docs = Vec::new();
        // About 70% hold an NIB (Kota Kupang: 12,000 of 17,000).
        if !self.chance(700) {
            return docs;
        }
        let today = self.today;
        let nib_issued = self.date_between(
            started.max(NaiveDate::from_ymd_opt(2018, 7, 1).unwrap_or(started)),
            today,
        );
        docs.push(LegalDocument {
            kind: LegalKind::Nib,
            number: format!(
                "{}{}",
                self.pick(&["91", "81", "02", "12"]),
                self.digits(11)
            ),
            issued_on: Some(nib_issued),
            expires_on: None,
        });
        if self.chance(450) {
            docs.push(LegalDocument {
                kind: LegalKind::Npwp,
                number: format!("0{}", self.digits(15)),
                issued_on: None,
                expires_on: None,
            });
        }
        let food = matches!(sector, "kuliner" | "pertanian_olahan");
        if food && self.chance(400) {
            let issued = self.date_between(nib_issued, today);
            let expires = issued + Duration::days(5 * 365);
            // P-IRT (Peraturan BPOM 22/2018): last two digits are the year it expires.
            let yy = expires.year() % 100;
            docs.push(LegalDocument {
                kind: LegalKind::Pirt,
                number: format!("{}{:02}", self.digits(13), yy),
                issued_on: Some(issued),
                expires_on: Some(expires),
            });
        }
        if food && self.chance(300) {
            let issued = self.date_between(nib_issued, today);
            docs.push(LegalDocument {
                kind: LegalKind::Halal,
                number: format!("ID{}", self.digits(15)),
                issued_on: Some(issued),
                expires_on: None,
            });
        }
        if food && self.chance(30) {
            docs.push(LegalDocument {
                kind: LegalKind::Bpom,
                number: format!("MD{}", self.digits(12)),
                issued_on: None,
                expires_on: None,
            });
        }
        if self.chance(30) {
            docs.push(LegalDocument {
                kind: LegalKind::Hki,
                number: format!("IDM{}", self.digits(9)),
                issued_on: Some(self.date_between(nib_issued, today)),
                expires_on: None,
            });
        }
        docs
    }

    pub fn next_umkm(&mut self) -> DemoUmkm {
        let village = self.villages[self.rng.random_range(0..self.villages.len())];
        let sex = if self.chance(560) {
            Sex::Female
        } else {
            Sex::Male
        };
        let first = match sex {
            Sex::Female => self.pick(FEMALE),
            Sex::Male => self.pick(MALE),
        };
        let owner_name = format!("{first} {}", self.pick(FAMILY));
        let birth_from = NaiveDate::from_ymd_opt(1960, 1, 1).unwrap_or(self.today);
        let birth_to = NaiveDate::from_ymd_opt(2004, 12, 31).unwrap_or(self.today);
        let birth = self.date_between(birth_from, birth_to);
        // Most owners were first registered in the district they live in.
        let nik_district = if self.chance(850) || self.districts.is_empty() {
            village
                .code
                .parent()
                .map(|c| c.as_str().to_string())
                .unwrap_or_default()
        } else {
            let d = self.districts[self.rng.random_range(0..self.districts.len())];
            d.code.as_str().to_string()
        };
        self.serial = self.serial % 9999 + 1;
        let serial = self.serial;
        let nik = nik_from_parts(&nik_district, birth, sex, serial)
            .or_else(|| nik_from_parts("36.74.01", birth, sex, serial));
        let spec = self.sector();
        let (name, brand) = self.business_name(spec.code, first);
        let year_started = self.rng.random_range(1995..=self.today.year());
        let started = NaiveDate::from_ymd_opt(year_started, 1, 1).unwrap_or(self.today);
        let (modal, annual_sales) = self.money();
        let phone_text = format!(
            "08{}{}",
            self.pick(&["12", "13", "21", "52", "56", "57", "77", "78", "95", "96"]),
            self.digits(7)
        );
        let phone = parse_phone(&phone_text).ok();
        let kbli = if spec.kbli.is_empty() || self.chance(300) {
            None
        } else {
            parse_kbli(self.pick(spec.kbli), KbliVersion::V2020).ok()
        };
        let documents = self.documents(spec.code, started);
        let mut links = Vec::new();
        if let Some(p) = &phone
            && self.chance(600)
        {
            links.push(Link {
                kind: LinkKind::Whatsapp,
                url: p.whatsapp_link(),
            });
        }
        if self.chance(250) {
            let handle: String = name
                .to_lowercase()
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect();
            links.push(Link {
                kind: LinkKind::Instagram,
                url: format!("https://instagram.com/{handle}"),
            });
        }
        let employees = self.rng.random_range(0..=4i64);
        let women = self.rng.random_range(0..=employees);
        let status = match self.rng.random_range(0..100) {
            0..=59 => UmkmStatus::Verified,
            60..=94 => UmkmStatus::Draft,
            _ => UmkmStatus::Inactive,
        };
        let street = self.pick(STREETS);
        let address = format!(
            "Jl. {street} No. {}, RT {:03}/RW {:03}",
            self.rng.random_range(1..200),
            self.rng.random_range(1..15),
            self.rng.random_range(1..10)
        );
        let data = UmkmData {
            name,
            brand,
            owner_name,
            owner_sex: sex,
            owner_birth_date: Some(birth),
            // nik_from_parts only fails for a malformed district code, which region data rules out.
            nik: match nik {
                Some(n) => n,
                None => return self.next_umkm(),
            },
            phone,
            address: Some(address),
            village_code: village.code.clone(),
            coordinates: None,
            sector: spec.code.to_string(),
            kbli,
            year_started: Some(year_started),
            size: classify(modal, annual_sales),
            modal,
            annual_sales,
            employees_male: Some(employees - women),
            employees_female: Some(women),
            documents,
            links,
        };
        DemoUmkm { data, status }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::parse_nik;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    #[test]
    fn same_seed_same_data() {
        let tree = RegionTree::embedded();
        let region = RegionCode::parse("36.74").unwrap();
        let mut a = DemoGenerator::new(tree, &region, 7, today()).unwrap();
        let mut b = DemoGenerator::new(tree, &region, 7, today()).unwrap();
        for _ in 0..200 {
            assert_eq!(a.next_umkm().data, b.next_umkm().data);
        }
    }

    #[test]
    fn records_are_consistent_and_plausible() {
        let tree = RegionTree::embedded();
        let region = RegionCode::parse("36.74").unwrap();
        let mut g = DemoGenerator::new(tree, &region, 1, today()).unwrap();
        let n = 5000;
        let mut with_nib = 0;
        let mut mikro = 0;
        for _ in 0..n {
            let u = g.next_umkm().data;
            assert!(u.village_code.is_within(&region));
            let nik = parse_nik(u.nik.as_str()).unwrap();
            assert_eq!(nik.sex(), u.owner_sex);
            assert_eq!(nik.birth_date(today()), u.owner_birth_date);
            if u.documents.iter().any(|d| d.kind == LegalKind::Nib) {
                with_nib += 1;
            }
            if u.size.map(|s| s.class) == Some(crate::size::SizeClass::Mikro) {
                mikro += 1;
            }
            for d in &u.documents {
                assert_eq!(
                    d.kind.normalise_number(&d.number).as_deref(),
                    Ok(d.number.as_str()),
                    "{d:?}"
                );
            }
        }
        let nib_share = f64::from(with_nib) / f64::from(n);
        assert!((0.66..0.74).contains(&nib_share), "{nib_share}");
        assert!(f64::from(mikro) / f64::from(n) > 0.85);
    }
}
