//! The query set: made from the published products of a Sentra database, in five classes —
//! single words, phrases, typos, inflected forms and words with a facet filter — each with the
//! name words it is meant to find, so that recall can be judged without asking any engine.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sqlx::Row;

#[derive(Debug, Clone)]
pub struct Query {
    pub class: String,
    pub text: String,
    pub category: Option<String>,
    pub district: Option<String>,
    /// The words (lower case, as in the product's name) the query is meant to find.
    pub intended: Vec<String>,
    /// How many public products have all of them in their name.
    pub relevant: usize,
}

/// Inflected forms people type, with the word of the product names they should find
/// (suffixes -an/-nya, prefixes meN-/di-/ber-/pe-).
const INFLECTIONS: &[(&str, &str)] = &[
    ("anyam", "anyaman"),
    ("menganyam", "anyaman"),
    ("ukir", "ukiran"),
    ("mengukir", "ukiran"),
    ("gantung", "gantungan"),
    ("tenunan", "tenun"),
    ("menenun", "tenun"),
    ("tulisan", "tulis"),
    ("pedasnya", "pedas"),
    ("manisnya", "manis"),
    ("bakaran", "bakar"),
    ("dibakar", "bakar"),
    ("gilingan", "giling"),
    ("digiling", "giling"),
    ("disangrai", "sangrai"),
    // Both stem to `warna` (colour, dye); a name with either is a right answer.
    ("warna", "warna|pewarna"),
    ("berwarna", "warna|pewarna"),
    ("keripiknya", "keripik"),
    ("kopinya", "kopi"),
    ("sambalnya", "sambal"),
    ("batiknya", "batik"),
    ("kuenya", "kue"),
    ("rotinya", "roti"),
    ("sablonan", "sablon"),
    ("rendangnya", "rendang"),
    ("sarungnya", "sarung"),
    ("kemejanya", "kemeja"),
    ("dompetnya", "dompet"),
    ("sepatunya", "sepatu"),
    ("berbumbu", "bumbu"),
    ("sabunnya", "sabun"),
    ("minyaknya", "minyak"),
    ("ukirannya", "ukiran"),
    ("keranjangnya", "keranjang"),
    ("selendangnya", "selendang"),
];

/// Whether a name's words hold an intended word (`a|b`: either).
pub fn holds(name_words: &[String], intended: &str) -> bool {
    intended
        .split('|')
        .any(|alt| name_words.iter().any(|w| w == alt))
}

pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

fn alphabetic(w: &str) -> bool {
    w.chars().count() >= 3 && w.chars().all(char::is_alphabetic)
}

struct Product {
    name: String,
    words: Vec<String>,
    category: String,
    district: String,
    slug: String,
}

/// One edit a hurried typist makes in a word (never its first letter): a letter left out,
/// doubled, swapped with the next or replaced.
fn typo(word: &str, rng: &mut ChaCha8Rng) -> String {
    let mut c: Vec<char> = word.chars().collect();
    let at = rng.random_range(1..c.len());
    match rng.random_range(0..4) {
        0 => {
            c.remove(at);
        }
        1 => c.insert(at, c[at]),
        2 if at + 1 < c.len() => c.swap(at, at + 1),
        _ => {
            let letters: Vec<char> = "abcdefghijklmnoprstuwy".chars().collect();
            c[at] = *letters.choose(rng).unwrap_or(&'a');
        }
    }
    c.into_iter().collect()
}

pub async fn write(db: &str, out: &Path, per_class: usize, seed: u64) -> anyhow::Result<()> {
    let pool = sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect(db)
        .await?;
    let rows = sqlx::query(
        "SELECT p.name, p.category_code, u.district_code, p.slug FROM products p \
         JOIN umkm u ON u.id = p.umkm_id \
         WHERE p.status = 'published' AND u.merged_into IS NULL",
    )
    .fetch_all(&pool)
    .await?;
    let mut products = Vec::with_capacity(rows.len());
    for r in rows {
        let name: String = r.try_get(0)?;
        products.push(Product {
            words: words(&name),
            name,
            category: r.try_get(1)?,
            district: r.try_get(2)?,
            slug: r.try_get(3)?,
        });
    }
    anyhow::ensure!(!products.is_empty(), "no published products in {db}");
    eprintln!("{} public products", products.len());

    // Distinct names with their counts: relevance is judged on them.
    let mut names: HashMap<&str, usize> = HashMap::new();
    for p in &products {
        *names.entry(p.name.as_str()).or_default() += 1;
    }
    let names: Vec<(Vec<String>, usize)> = names.into_iter().map(|(n, c)| (words(n), c)).collect();
    let relevant = |intended: &[String]| -> usize {
        names
            .iter()
            .filter(|(w, _)| intended.iter().all(|i| holds(w, i)))
            .map(|(_, c)| c)
            .sum()
    };

    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut queries = Vec::new();
    let pick =
        |rng: &mut ChaCha8Rng| -> &Product { &products[rng.random_range(0..products.len())] };
    // A run of one to three alphabetic words of a name.
    let phrase = |p: &Product, rng: &mut ChaCha8Rng, max: usize| -> Vec<String> {
        let ok: Vec<usize> = (0..p.words.len())
            .filter(|i| alphabetic(&p.words[*i]))
            .collect();
        let Some(&start) = ok.choose(rng) else {
            return Vec::new();
        };
        let len = rng.random_range(1..=max);
        p.words[start..]
            .iter()
            .take_while(|w| alphabetic(w))
            .take(len)
            .cloned()
            .collect()
    };
    let mut add = |class: &str,
                   text: String,
                   intended: Vec<String>,
                   filter: (Option<String>, Option<String>)| {
        let relevant = relevant(&intended);
        queries.push(Query {
            class: class.into(),
            text,
            category: filter.0,
            district: filter.1,
            intended,
            relevant,
        });
    };

    for _ in 0..per_class {
        let w = phrase(pick(&mut rng), &mut rng, 1);
        add("word", w.join(" "), w, (None, None));
    }
    let mut made = 0;
    while made < per_class {
        let w = phrase(pick(&mut rng), &mut rng, 3);
        if w.len() >= 2 {
            add("phrase", w.join(" "), w, (None, None));
            made += 1;
        }
    }
    made = 0;
    while made < per_class {
        let w = phrase(pick(&mut rng), &mut rng, 2);
        let Some(longest) = w
            .iter()
            .enumerate()
            .filter(|(_, x)| x.chars().count() >= 5)
            .max_by_key(|(_, x)| x.chars().count())
            .map(|(i, _)| i)
        else {
            continue;
        };
        let mut typed = w.clone();
        typed[longest] = typo(&w[longest], &mut rng);
        if typed[longest] == w[longest] {
            continue;
        }
        add("typo", typed.join(" "), w, (None, None));
        made += 1;
    }
    let by_word: HashMap<&str, Vec<usize>> = INFLECTIONS
        .iter()
        .map(|(_, root)| {
            let holders = products
                .iter()
                .enumerate()
                .filter(|(_, p)| holds(&p.words, root))
                .map(|(i, _)| i)
                .collect();
            (*root, holders)
        })
        .collect();
    let usable: Vec<&(&str, &str)> = INFLECTIONS
        .iter()
        .filter(|(_, root)| by_word.get(root).is_some_and(|h| !h.is_empty()))
        .collect();
    anyhow::ensure!(
        !usable.is_empty(),
        "no product name holds an inflectable word"
    );
    for _ in 0..per_class {
        let (form, root) = **usable.choose(&mut rng).unwrap_or(&&INFLECTIONS[0]);
        let holders = &by_word[root];
        let p = &products[holders[rng.random_range(0..holders.len())]];
        let other = p
            .words
            .iter()
            .filter(|w| alphabetic(w) && !holds(std::slice::from_ref(w), root))
            .collect::<Vec<_>>()
            .choose(&mut rng)
            .map(|w| (*w).clone());
        match other.filter(|_| rng.random_bool(0.5)) {
            Some(o) => add(
                "inflected",
                format!("{form} {o}"),
                vec![root.to_string(), o],
                (None, None),
            ),
            None => add(
                "inflected",
                form.to_string(),
                vec![root.to_string()],
                (None, None),
            ),
        }
    }
    for _ in 0..per_class {
        let p = pick(&mut rng);
        let w = phrase(p, &mut rng, 2);
        let filter = match rng.random_range(0..3) {
            0 => (p.category.split('.').next().map(str::to_string), None),
            1 => (Some(p.category.clone()), None),
            _ => (None, Some(p.district.clone())),
        };
        add("filtered", w.join(" "), w, filter);
    }

    std::fs::create_dir_all(out)?;
    let mut tsv = std::io::BufWriter::new(std::fs::File::create(out.join("queries.tsv"))?);
    let mut paths = std::io::BufWriter::new(std::fs::File::create(out.join("search-paths.txt"))?);
    for q in &queries {
        writeln!(
            tsv,
            "{}\t{}\t{}\t{}\t{}\t{}",
            q.class,
            q.text,
            q.category.as_deref().unwrap_or(""),
            q.district.as_deref().unwrap_or(""),
            q.intended.join(" "),
            q.relevant
        )?;
        let mut url = url::Url::parse("http://x/katalog")?;
        {
            let mut pairs = url.query_pairs_mut();
            pairs.append_pair("q", &q.text);
            if let Some(c) = &q.category {
                pairs.append_pair("kategori", c);
            }
            if let Some(d) = &q.district {
                pairs.append_pair("kecamatan", d);
            }
        }
        writeln!(paths, "{}?{}", url.path(), url.query().unwrap_or(""))?;
    }
    tsv.flush()?;
    paths.flush()?;
    let mut slugs = std::io::BufWriter::new(std::fs::File::create(out.join("product-paths.txt"))?);
    for _ in 0..2000 {
        writeln!(slugs, "/p/{}", pick(&mut rng).slug)?;
    }
    slugs.flush()?;
    eprintln!("{} queries in {}", queries.len(), out.display());
    Ok(())
}

pub fn read(path: &Path) -> anyhow::Result<Vec<Query>> {
    let text = std::fs::read_to_string(path)?;
    let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
    text.lines()
        .map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            anyhow::ensure!(f.len() == 6, "bad query line: {line}");
            Ok(Query {
                class: f[0].into(),
                text: f[1].into(),
                category: opt(f[2]),
                district: opt(f[3]),
                intended: f[4].split_whitespace().map(str::to_string).collect(),
                relevant: f[5].parse()?,
            })
        })
        .collect()
}
