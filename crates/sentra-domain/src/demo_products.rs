//! Deterministic demo products, as UMKM of each sector list them: for the demo deployment's
//! catalogue and for the search benchmark's million products.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::product::ProductInput;

/// Kinds of product with their category, price range (rupiah), unit and whether food.
struct Kind {
    base: &'static [&'static str],
    variants: &'static [&'static str],
    category: &'static str,
    price: (i64, i64),
    unit: &'static str,
    food: bool,
}

const KINDS: &[Kind] = &[
    Kind {
        base: &[
            "Keripik Singkong",
            "Keripik Tempe",
            "Keripik Pisang",
            "Kripik Talas",
            "Keripik Kentang",
            "Kerupuk Udang",
            "Rempeyek Kacang",
        ],
        variants: &[
            "Pedas",
            "Original",
            "Balado",
            "Manis",
            "Bawang",
            "Jagung Bakar",
            "Pedas Daun Jeruk",
        ],
        category: "makanan.keripik",
        price: (8_000, 35_000),
        unit: "pcs",
        food: true,
    },
    Kind {
        base: &[
            "Kue Bolu",
            "Bolu Pandan",
            "Lapis Legit",
            "Nastar",
            "Kastengel",
            "Roti Sobek",
            "Bakpia",
        ],
        variants: &[
            "Keju",
            "Cokelat",
            "Pandan",
            "Nanas",
            "Kacang Hijau",
            "Original",
        ],
        category: "makanan.kue",
        price: (25_000, 180_000),
        unit: "box",
        food: true,
    },
    Kind {
        base: &[
            "Sambal Bawang",
            "Sambal Roa",
            "Sambal Cumi",
            "Sambal Teri",
            "Bumbu Rendang",
            "Sambal Matah",
        ],
        variants: &[
            "Pedas",
            "Extra Pedas",
            "Original",
            "Botol 150 ml",
            "Botol 250 ml",
        ],
        category: "makanan.sambal",
        price: (18_000, 65_000),
        unit: "botol",
        food: true,
    },
    Kind {
        base: &[
            "Kopi Bubuk Robusta",
            "Kopi Arabika",
            "Kopi Luwak",
            "Teh Melati",
            "Teh Rosella",
            "Kopi Susu Gula Aren",
        ],
        variants: &[
            "200 gram",
            "500 gram",
            "Sachet",
            "Biji Sangrai",
            "Giling Halus",
        ],
        category: "minuman.kopi",
        price: (20_000, 250_000),
        unit: "pak",
        food: true,
    },
    Kind {
        base: &[
            "Jamu Kunyit Asam",
            "Wedang Jahe",
            "Beras Kencur",
            "Sirup Markisa",
            "Sari Buah Mangga",
        ],
        variants: &["Botol 250 ml", "Botol 1 liter", "Instan", "Tanpa Gula"],
        category: "minuman.herbal",
        price: (10_000, 60_000),
        unit: "botol",
        food: true,
    },
    Kind {
        base: &[
            "Kain Tenun Ikat",
            "Songket",
            "Kain Tenun Sumba",
            "Selendang Tenun",
            "Sarung Tenun",
        ],
        variants: &[
            "Motif Kuda",
            "Motif Bunga",
            "Pewarna Alam",
            "Benang Katun",
            "Benang Sutra",
        ],
        category: "kerajinan.tenun",
        price: (150_000, 2_500_000),
        unit: "lembar",
        food: false,
    },
    Kind {
        base: &[
            "Batik Tulis",
            "Batik Cap",
            "Kemeja Batik",
            "Kain Batik",
            "Wastra Batik",
        ],
        variants: &[
            "Motif Parang",
            "Motif Mega Mendung",
            "Motif Kawung",
            "Pewarna Alam",
            "Lengan Panjang",
        ],
        category: "kerajinan.batik",
        price: (85_000, 1_500_000),
        unit: "pcs",
        food: false,
    },
    Kind {
        base: &[
            "Tas Anyaman Pandan",
            "Keranjang Rotan",
            "Tikar Mendong",
            "Topi Anyaman Bambu",
            "Tas Purun",
        ],
        variants: &["Kecil", "Sedang", "Besar", "Motif Etnik", "Warna Alami"],
        category: "kerajinan.anyaman",
        price: (35_000, 450_000),
        unit: "pcs",
        food: false,
    },
    Kind {
        base: &[
            "Gantungan Kunci Kayu",
            "Ukiran Kayu Jati",
            "Talenan Kayu",
            "Patung Kayu",
        ],
        variants: &["Ukiran Tangan", "Finishing Natural", "Custom Nama"],
        category: "kerajinan.kayu",
        price: (15_000, 900_000),
        unit: "pcs",
        food: false,
    },
    Kind {
        base: &[
            "Kerudung Segi Empat",
            "Gamis",
            "Kaos Sablon",
            "Sepatu Kulit",
            "Dompet Kulit",
        ],
        variants: &["Katun", "Voal", "Ukuran M", "Ukuran L", "Hitam", "Cokelat"],
        category: "fesyen.pakaian",
        price: (45_000, 450_000),
        unit: "pcs",
        food: false,
    },
    Kind {
        base: &[
            "Sabun Herbal",
            "Lulur Tradisional",
            "Minyak Kelapa Murni",
            "Lilin Aromaterapi",
        ],
        variants: &["Sereh", "Lavender", "Kopi", "Zaitun", "100 ml"],
        category: "kecantikan",
        price: (12_000, 95_000),
        unit: "pcs",
        food: false,
    },
];

/// Where a product is from, as sellers write it (`Khas Kupang`).
const ORIGINS: &[&str] = &[
    "Kupang",
    "Sumba",
    "Flores",
    "Tangerang",
    "Banten",
    "Garut",
    "Bandung",
    "Jogja",
    "Solo",
    "Malang",
    "Lombok",
    "Bali",
    "Padang",
    "Palembang",
    "Makassar",
    "Manado",
    "Medan",
    "Aceh",
    "Pontianak",
    "Ambon",
];

/// House brands: who makes it (`Dapur Mama Lena`, `Bu Siti`).
const MAKERS: &[&str] = &[
    "Bu", "Mak", "Mama", "Pak", "Dapur", "Rumah", "Omah", "Kedai",
];
const MAKER_NAMES: &[&str] = &[
    "Siti",
    "Ani",
    "Rina",
    "Lena",
    "Yuli",
    "Dewi",
    "Ijah",
    "Nur",
    "Sri",
    "Wati",
    "Tini",
    "Yanti",
    "Maria",
    "Agustina",
    "Yohana",
    "Fransiska",
    "Rahmat",
    "Budi",
    "Joko",
    "Agus",
    "Hendra",
    "Yosef",
    "Markus",
    "Daeng",
    "Ucok",
    "Asep",
    "Ujang",
    "Nyoman",
    "Ketut",
    "Made",
];

const DESCRIBE: &[&str] = &[
    "Dibuat dari bahan pilihan oleh perajin lokal.",
    "Tanpa pengawet dan pewarna buatan.",
    "Cocok untuk oleh-oleh dan hampers.",
    "Dikemas rapi, tahan lama dalam pengiriman.",
    "Produksi rumahan dengan resep turun-temurun.",
    "Menerima pesanan partai besar untuk kantor dan hotel.",
];

/// Generates demo products in a fixed order for a seed.
pub struct ProductGenerator {
    rng: ChaCha8Rng,
}

impl ProductGenerator {
    pub fn new(seed: u64) -> Self {
        Self {
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    /// The next product, mostly published; a tenth are drafts.
    pub fn next_product(&mut self) -> ProductInput {
        let r = &mut self.rng;
        let kind = &KINDS[r.random_range(0..KINDS.len())];
        let base = kind.base[r.random_range(0..kind.base.len())];
        let variant = kind.variants[r.random_range(0..kind.variants.len())];
        let mut name = format!("{base} {variant}");
        if r.random_bool(0.25) {
            name.push_str(" Khas ");
            name.push_str(ORIGINS[r.random_range(0..ORIGINS.len())]);
        }
        if r.random_bool(0.6) {
            name.push(' ');
            name.push_str(MAKERS[r.random_range(0..MAKERS.len())]);
            name.push(' ');
            name.push_str(MAKER_NAMES[r.random_range(0..MAKER_NAMES.len())]);
        }
        let (lo, hi) = kind.price;
        let price = (r.random_range(lo..=hi) / 500) * 500;
        let mut description = format!("{name}. ");
        for _ in 0..r.random_range(1..=3) {
            description.push_str(DESCRIBE[r.random_range(0..DESCRIBE.len())]);
            description.push(' ');
        }
        let published = r.random_range(0..10) > 0;
        ProductInput {
            name,
            description: description.trim().to_string(),
            category: kind.category.to_string(),
            price: price.max(500).to_string(),
            unit: kind.unit.to_string(),
            min_order: if r.random_bool(0.3) {
                r.random_range(2..=24).to_string()
            } else {
                String::new()
            },
            capacity_per_month: (r.random_range(1..=200) * 10).to_string(),
            stock: if r.random_bool(0.1) {
                "0".into()
            } else {
                r.random_range(5..=500).to_string()
            },
            weight_grams: r.random_range(50..=2000).to_string(),
            packaging: if r.random_bool(0.7) {
                [
                    "Standing pouch",
                    "Kotak karton",
                    "Botol kaca",
                    "Plastik vakum",
                    "Kantong kain",
                ][r.random_range(0..5)]
                .to_string()
            } else {
                String::new()
            },
            shelf_life_days: if kind.food {
                r.random_range(7..=365).to_string()
            } else {
                String::new()
            },
            status: if published { "published" } else { "draft" }.into(),
            ..ProductInput::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::product::{default_categories, validate_product};

    #[test]
    fn demo_products_are_valid_and_repeatable() {
        let categories = default_categories();
        let mut a = ProductGenerator::new(3);
        let mut b = ProductGenerator::new(3);
        for _ in 0..500 {
            let p = a.next_product();
            assert_eq!(p, b.next_product());
            assert!(validate_product(&p, &categories).is_ok(), "{p:?}");
        }
    }
}
