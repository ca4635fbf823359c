//! The demo catalogue: each public business sells products of its own trade (a weaver sells
//! cloth, a food stall snacks and sauces), as its sector and its name say.

use sentra_domain::demo_products::ProductGenerator;
use sentra_domain::product::{ProductInput, validate_product};
use sentra_domain::region::RegionCode;
use sentra_domain::scope::Scope;
use sentra_storage::{Actor, Database, DemoSeller};

/// Products drawn from the generator before a seller with a narrow trade is passed over (one
/// kind among the generator's eleven, one base among five: about sixty draws on average).
const DRAWS_PER_PRODUCT: usize = 2000;

/// What a seller makes: product categories, and when its name is narrower than a category
/// (a shoemaker among the clothes makers), words one of which the product's name holds.
#[derive(Debug, PartialEq)]
struct Trade {
    categories: &'static [&'static str],
    words: &'static [&'static str],
}

const fn trade(categories: &'static [&'static str]) -> Trade {
    Trade {
        categories,
        words: &[],
    }
}

/// Leather goods: the generator's clothing variants include cloth ones (`Dompet Kulit Voal`).
const LEATHER: Trade = Trade {
    categories: &["fesyen.pakaian"],
    words: &[
        "Dompet Kulit Hitam",
        "Dompet Kulit Cokelat",
        "Sepatu Kulit Hitam",
        "Sepatu Kulit Cokelat",
        "Sepatu Kulit Ukuran",
    ],
};
/// A shoemaker's: leather shoes only.
const SHOES: Trade = Trade {
    categories: &["fesyen.pakaian"],
    words: &[
        "Sepatu Kulit Hitam",
        "Sepatu Kulit Cokelat",
        "Sepatu Kulit Ukuran",
    ],
};

/// A seller's trade, from its sector and the kind of business its name begins with (the
/// demo names are "<kind> <place or owner>", see `sentra_domain::demo`); `None` for
/// businesses whose goods the generator does not make (services, shops, workshops, potters).
fn trade_of(sector: &str, name: &str) -> Option<Trade> {
    let has = |words: &[&str]| words.iter().any(|w| name.contains(w));
    let t = match sector {
        "kuliner" | "pertanian_olahan" => {
            if has(&["Kopi"]) {
                trade(&["minuman.kopi"])
            } else if has(&["Jamu", "Es Cendol", "Madu"]) {
                trade(&["minuman.herbal"])
            } else if has(&["Sambal", "Rendang", "Abon"]) {
                trade(&["makanan.sambal"])
            } else if has(&["Keripik", "Kerupuk", "Rengginang", "Tempe"]) {
                trade(&["makanan.keripik"])
            } else if has(&["Kue", "Bolu", "Dodol"]) {
                trade(&["makanan.kue"])
            } else {
                // Meals (bakso, pempek, nasi uduk) are not shipped: their kitchens sell
                // snacks, cakes and sauces to take home.
                trade(&["makanan.keripik", "makanan.kue", "makanan.sambal"])
            }
        }
        "fesyen" => {
            if has(&["Batik"]) {
                trade(&["kerajinan.batik"])
            } else if has(&["Tenun"]) {
                trade(&["kerajinan.tenun"])
            } else if has(&["Sepatu"]) {
                SHOES
            } else if has(&["Hijab"]) {
                Trade {
                    categories: &["fesyen.pakaian"],
                    words: &["Kerudung", "Gamis"],
                }
            } else if has(&["Kaos"]) {
                Trade {
                    categories: &["fesyen.pakaian"],
                    words: &["Kaos"],
                }
            } else {
                // Tailors, garment makers and boutiques: clothes, not leather goods.
                Trade {
                    categories: &["fesyen.pakaian"],
                    words: &["Kerudung", "Gamis", "Kaos"],
                }
            }
        }
        "kriya" => {
            if has(&["Anyaman", "Rotan", "Eceng Gondok", "Rajut"]) {
                trade(&["kerajinan.anyaman"])
            } else if has(&["Lilin"]) {
                Trade {
                    categories: &["kecantikan"],
                    words: &["Lilin"],
                }
            } else if has(&["Kulit"]) {
                LEATHER
            } else if has(&["Sulaman"]) {
                Trade {
                    categories: &["fesyen.pakaian"],
                    words: &["Kerudung", "Gamis"],
                }
            } else if has(&["Ukiran Kayu", "Souvenir"]) {
                trade(&["kerajinan.kayu"])
            } else {
                // Potters: the generator makes no pottery.
                return None;
            }
        }
        // Of the beauty businesses (named as services) only salons sell their own care goods.
        "kecantikan" if has(&["Salon"]) => Trade {
            categories: &["kecantikan"],
            words: &["Sabun", "Lulur", "Minyak"],
        },
        _ => return None,
    };
    Some(t)
}

impl Trade {
    fn makes(&self, p: &ProductInput) -> bool {
        self.categories.contains(&p.category.as_str())
            && (self.words.is_empty() || self.words.iter().any(|w| p.name.contains(w)))
    }
}

/// House brands the product generator may end a name with (`… Bu Siti`, `… Dapur Mama Lena`);
/// on another business's product they would name someone else.
const HOUSE_BRANDS: &[&str] = &[
    "Bu", "Mak", "Mama", "Pak", "Dapur", "Rumah", "Omah", "Kedai",
];

/// The product without a house brand that is not its seller's, in its name and description.
fn without_house_brand(mut p: ProductInput) -> ProductInput {
    let words: Vec<&str> = p.name.split(' ').collect();
    if words.len() > 3 && HOUSE_BRANDS.contains(&words[words.len() - 2]) {
        let name = words[..words.len() - 2].join(" ");
        // The description opens with the name (`sentra_domain::demo_products`).
        if let Some(rest) = p.description.strip_prefix(p.name.as_str()) {
            p.description = format!("{name}{rest}");
        }
        p.name = name;
    }
    p
}

/// The next product the seller makes, from the generator's sequence; `None` when none came
/// within the draws allowed.
fn next_product_for(generator: &mut ProductGenerator, trade: &Trade) -> Option<ProductInput> {
    (0..DRAWS_PER_PRODUCT)
        .map(|_| generator.next_product())
        .find(|p| trade.makes(p))
        .map(without_house_brand)
}

/// About `count` products for the demo catalogue, one to three for each public business with
/// goods to sell (in id order, round after round until the count is made), once.
pub(crate) async fn products(db: &Database, home: &RegionCode, count: u64) -> anyhow::Result<()> {
    if db.count_products().await? > 0 {
        return Ok(());
    }
    let scope = Scope::region(home.clone());
    let categories = db.product_categories().await?;
    let mut generator = ProductGenerator::new(1);
    let actor = Actor::system("demo");
    let mut made = 0;
    let mut made_this_round = 0;
    let mut after = String::new();
    while made < count {
        let Some((last, sellers)) = db.demo_sellers_after(&scope, &after, 100).await? else {
            // Every seller has had its turn: another round until the count is made (a small
            // demo region has fewer sellers than products asked for), unless none sells.
            if made_this_round == 0 {
                break;
            }
            after.clear();
            made_this_round = 0;
            continue;
        };
        after = last;
        // One transaction per page of businesses: a million products in minutes, not hours.
        let mut batch = Vec::new();
        for (i, DemoSeller { id, name, sector }) in sellers.iter().enumerate() {
            let Some(trade) = trade_of(sector, name) else {
                continue;
            };
            for _ in 0..=(i % 3) {
                if made + batch.len() as u64 >= count {
                    break;
                }
                // The generator makes valid products; one that is not is skipped, not stored.
                if let Some(input) = next_product_for(&mut generator, &trade)
                    && let Ok(data) = validate_product(&input, &categories)
                {
                    batch.push((id.clone(), data));
                }
            }
        }
        db.create_products(&scope, &batch, &actor).await?;
        made += batch.len() as u64;
        made_this_round += batch.len();
    }
    eprintln!("demo: {made} products in the catalogue");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sentra_domain::product::default_categories;

    #[test]
    fn each_seller_gets_products_of_its_own_trade() {
        let weaver = trade_of("fesyen", "Tenun Dewi").unwrap();
        let food = trade_of("kuliner", "Pempek Aisyah").unwrap();
        let shoes = trade_of("fesyen", "Sepatu Budi").unwrap();
        let mut g = ProductGenerator::new(1);
        for _ in 0..50 {
            let p = next_product_for(&mut g, &weaver).unwrap();
            assert_eq!(p.category, "kerajinan.tenun", "{p:?}");
            let p = next_product_for(&mut g, &food).unwrap();
            assert!(p.category.starts_with("makanan."), "{p:?}");
            let p = next_product_for(&mut g, &shoes).unwrap();
            assert!(p.name.starts_with("Sepatu"), "{p:?}");
        }
        assert_eq!(trade_of("jasa", "Laundry Siti"), None);
        assert_eq!(trade_of("kecantikan", "Bengkel Siti"), None);
    }

    #[test]
    fn products_keep_no_other_makers_house_brand_and_stay_valid() {
        let categories = default_categories();
        let any = trade(&[
            "makanan.keripik",
            "makanan.kue",
            "kerajinan.tenun",
            "fesyen.pakaian",
        ]);
        let mut g = ProductGenerator::new(3);
        for _ in 0..300 {
            let p = next_product_for(&mut g, &any).unwrap();
            let words: Vec<&str> = p.name.split(' ').collect();
            assert!(
                !HOUSE_BRANDS.contains(&words[words.len() - 2]),
                "{}",
                p.name
            );
            assert!(p.description.starts_with(&format!("{}. ", p.name)), "{p:?}");
            assert!(validate_product(&p, &categories).is_ok(), "{p:?}");
        }
    }
}
