//! Indonesian text analysis for the catalogue: words split on anything not a letter or digit,
//! lower-cased, accents folded, common function words dropped, and each word reduced to its
//! root by the Snowball Indonesian stemmer (`pelatihan` → `latih`, `berjualan` → `jual`), except
//! the words where the root means something else (`kerajinan`, handicraft, is not `rajin`,
//! diligent).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::mem;
use std::sync::Arc;

use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RemoveLongFilter, SimpleTokenizer, StopWordFilter,
    TextAnalyzer, Token, TokenFilter, TokenStream, Tokenizer,
};

/// The analyzer's name in the index's tokenizer manager.
pub const ANALYZER: &str = "id_stem";
/// Words as written (lower case, accents folded, not stemmed): what typos are measured against,
/// since a misspelt word stems unpredictably (`kerduung` loses a `ke-` prefix it never had).
pub const PLAIN: &str = "id_plain";

/// The analyzer for words as written.
pub fn plain() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// Function words that say nothing about a product (a short list: a long one removes words
/// sellers use in names, such as `ada` or `baru`).
pub const STOP_WORDS: &[&str] = &[
    "yang", "dan", "di", "ke", "dari", "untuk", "dengan", "ini", "itu", "atau", "pada", "dalam",
    "adalah", "juga", "akan", "oleh", "sebagai", "serta", "para", "bagi", "per", "tanpa", "sangat",
    "lebih", "the", "and", "of", "for", "with",
];

/// Words whose stem would mean something else, or merge with an unrelated word; kept whole.
/// (The Snowball stemmer strips `ke-…-an`, `pe-`, `-i` and friends by rule, without a
/// dictionary.)
pub const PROTECTED_WORDS: &[&str] = &[
    "kerajinan", // handicraft ≠ rajin (diligent)
    "perajin",
    "pengrajin",
    "kerupuk",
    "keripik",
    "kripik",
    "pedas",
    "pedes",
    "kopi",
    "teri",
    "terasi",
    "tenun",
    "batik",
    "bakpia",
    "perak",
    "permen",
    "pepes",
    "peci",
    "kemeja",
    "kebaya",
    "kecap",
    "keju",
    "kelapa",
    "kedelai",
    "kemiri",
    "kenari",
    "kerang",
    "kering",
    "mete",
    "madu",
    "sari",
    "jahe",
    "dodol",
    "bawang",
    "manisan",
    "asinan",
    "lapis",
    "legit",
    "makanan",
    "minuman",
    "pakaian",
    "kerudung",
    "selendang",
    "sepatu",
    "sandal",
    "tas",
    "gerabah",
    "keranjang", // basket ≠ ranjang (bed)
];

/// Verbs of making whose meN- prefix the stemmer cannot undo (`menenun` could come from `tenun`
/// or `nenun`): the root a buyer means.
pub const ROOT_OVERRIDES: &[(&str, &str)] = &[
    ("menenun", "tenun"),
    ("ditenun", "tenun"),
    ("menulis", "tulis"),
    ("menempa", "tempa"),
    ("menanam", "tanam"),
    ("menumbuk", "tumbuk"),
    ("menggoreng", "goreng"),
];

/// Particles and possessives (`kopilah`, `keripiknya`).
const PARTICLES: &[&str] = &["lah", "kah", "tah", "pun"];
const POSSESSIVES: &[&str] = &["nya", "ku", "mu"];

/// The Indonesian stemmer as a tantivy token filter, with the protected words kept whole.
#[derive(Clone)]
pub struct IndonesianStem {
    protected: Arc<HashSet<String>>,
    overrides: Arc<HashMap<String, String>>,
}

impl IndonesianStem {
    pub fn new(protected: &[&str]) -> Self {
        Self {
            protected: Arc::new(protected.iter().map(|w| (*w).to_string()).collect()),
            overrides: Arc::new(
                ROOT_OVERRIDES
                    .iter()
                    .map(|(w, r)| ((*w).to_string(), (*r).to_string()))
                    .collect(),
            ),
        }
    }
}

impl TokenFilter for IndonesianStem {
    type Tokenizer<T: Tokenizer> = StemFilter<T>;

    fn transform<T: Tokenizer>(self, inner: T) -> StemFilter<T> {
        StemFilter {
            inner,
            protected: self.protected,
            overrides: self.overrides,
        }
    }
}

#[derive(Clone)]
pub struct StemFilter<T> {
    inner: T,
    protected: Arc<HashSet<String>>,
    overrides: Arc<HashMap<String, String>>,
}

impl<T: Tokenizer> Tokenizer for StemFilter<T> {
    type TokenStream<'a> = StemStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        StemStream {
            tail: self.inner.token_stream(text),
            stemmer: frostem::Stemmer::new(frostem::Algorithm::Indonesian),
            protected: &self.protected,
            overrides: &self.overrides,
            buffer: String::new(),
        }
    }
}

pub struct StemStream<'a, S> {
    tail: S,
    stemmer: frostem::Stemmer,
    protected: &'a HashSet<String>,
    overrides: &'a HashMap<String, String>,
    buffer: String,
}

/// The protected word `word` is, perhaps with a particle (-lah) or a possessive (-nya) or both
/// attached, as the stemmer strips them first.
fn protected_root(protected: &HashSet<String>, word: &str) -> Option<String> {
    let strip = |w: &str, endings: &[&str]| -> Option<String> {
        endings
            .iter()
            .find_map(|e| w.strip_suffix(e))
            .filter(|rest| rest.chars().count() >= 3)
            .map(str::to_string)
    };
    let no_particle = strip(word, PARTICLES);
    let base = no_particle.as_deref().unwrap_or(word);
    let no_possessive = strip(base, POSSESSIVES);
    [Some(word.to_string()), no_particle, no_possessive]
        .into_iter()
        .flatten()
        .find(|w| protected.contains(w))
}

impl<S: TokenStream> TokenStream for StemStream<'_, S> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        // Numbers and codes (anything with a digit) stay as written; protected words keep
        // their whole form.
        if token.text.bytes().any(|b| b.is_ascii_digit()) {
            return true;
        }
        if let Some(root) = protected_root(self.protected, &token.text)
            .or_else(|| self.overrides.get(&token.text).cloned())
        {
            token.text = root;
            return true;
        }
        match self.stemmer.stem(&token.text) {
            Cow::Owned(stemmed) => token.text = stemmed,
            Cow::Borrowed(stemmed) => {
                if stemmed.len() != token.text.len() {
                    self.buffer.clear();
                    self.buffer.push_str(stemmed);
                    mem::swap(&mut token.text, &mut self.buffer);
                }
            }
        }
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

/// The analyzer used for product text, at indexing and at query time.
pub fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(StopWordFilter::remove(
            STOP_WORDS.iter().map(|w| (*w).to_string()),
        ))
        .filter(IndonesianStem::new(PROTECTED_WORDS))
        .build()
}

/// The words of a text as the index holds them.
pub fn terms(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while stream.advance() {
        out.push(stream.token().text.clone());
    }
    out
}

/// Groups of words that mean the same to a buyer (`keripik`, `kripik`; `batik`, `wastra`),
/// editable by an admin. Applied when a query is read, so an edit takes effect at once, without
/// reindexing: each query word also matches the other words of its group.
#[derive(Debug, Clone, Default)]
pub struct Synonyms {
    /// Each analysed word to the analysed words of its group (itself included).
    groups: HashMap<String, Vec<String>>,
    /// Equal for equal groups (within this process): kept search results name the synonyms
    /// they were found with.
    fingerprint: u64,
}

/// Most groups an admin may keep (each is looked up at every query).
pub const MAX_SYNONYM_LINES: usize = 1000;

/// The groups a deployment starts with.
pub const DEFAULT_SYNONYMS: &[&[&str]] = &[
    &["keripik", "kripik"],
    &["kerupuk", "krupuk"],
    &["batik", "wastra"],
    &["pedas", "pedes"],
    &["sambal", "sambel"],
    &["kopi", "coffee"],
    &["tenun", "songket"],
    &["oleh oleh", "buah tangan", "souvenir"],
    &["tas", "bag"],
    &["madu", "honey"],
];

impl Synonyms {
    pub fn new(groups: &[Vec<String>]) -> Self {
        let mut a = analyzer();
        let mut map: HashMap<String, Vec<String>> = HashMap::new();
        for group in groups {
            // Only one-word members take part in expansion (a phrase member, such as
            // `oleh oleh`, is matched as its words).
            let words: Vec<String> = group
                .iter()
                .filter_map(|w| match terms(&mut a, w).as_slice() {
                    [one] => Some(one.clone()),
                    _ => None,
                })
                .collect();
            for w in &words {
                let entry = map.entry(w.clone()).or_default();
                for other in &words {
                    if !entry.contains(other) {
                        entry.push(other.clone());
                    }
                }
            }
        }
        let mut sorted: Vec<(&String, &Vec<String>)> = map.iter().collect();
        sorted.sort();
        let mut hasher = std::hash::DefaultHasher::new();
        sorted.hash(&mut hasher);
        let fingerprint = hasher.finish();
        Self {
            groups: map,
            fingerprint,
        }
    }

    pub fn fingerprint(&self) -> u64 {
        self.fingerprint
    }

    pub fn defaults() -> Self {
        let groups: Vec<Vec<String>> = DEFAULT_SYNONYMS
            .iter()
            .map(|g| g.iter().map(|w| (*w).to_string()).collect())
            .collect();
        Self::new(&groups)
    }

    /// The analysed word and the other words of its group.
    pub fn expand(&self, term: &str) -> Vec<String> {
        match self.groups.get(term) {
            Some(group) => group.clone(),
            None => vec![term.to_string()],
        }
    }

    /// Parses the admin's text: one group per line, words separated by commas or slashes.
    /// The built-in groups as an admin edits them: one group per line, words by commas.
    pub fn default_text() -> String {
        DEFAULT_SYNONYMS
            .iter()
            .map(|g| g.join(", "))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Checks an admin's text: the (1-based) numbers of lines that hold a single word (a group
    /// needs two), or more than [`MAX_SYNONYM_LINES`] lines (reported as line 0).
    pub fn problems(text: &str) -> Vec<usize> {
        let lines: Vec<&str> = text.lines().collect();
        if lines.len() > MAX_SYNONYM_LINES {
            return vec![0];
        }
        lines
            .iter()
            .enumerate()
            .filter(|(_, l)| {
                let words = l
                    .split([',', '/', ';'])
                    .filter(|w| !w.trim().is_empty())
                    .count();
                words == 1
            })
            .map(|(i, _)| i + 1)
            .collect()
    }

    pub fn parse(text: &str) -> Self {
        let groups: Vec<Vec<String>> = text
            .lines()
            .map(|l| {
                l.split([',', '/', ';'])
                    .map(|w| w.trim().to_string())
                    .filter(|w| !w.is_empty())
                    .collect::<Vec<_>>()
            })
            .filter(|g| g.len() >= 2)
            .collect();
        Self::new(&groups)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stems(text: &str) -> Vec<String> {
        terms(&mut analyzer(), text)
    }

    #[test]
    fn indonesian_words_are_reduced_to_their_roots() {
        assert_eq!(
            stems("Pelatihan pemasaran produk berjualan"),
            ["latih", "pasar", "produk", "jual"]
        );
    }

    #[test]
    fn protected_words_numbers_and_stop_words() {
        assert_eq!(stems("Kerajinan tangan"), ["kerajinan", "tangan"]);
        assert_eq!(
            stems("Keripik singkong pedas dan kopi"),
            ["keripik", "singkong", "pedas", "kopi"]
        );
        // Codes keep their digits; accents fold.
        assert_eq!(
            stems("P-IRT 2123374010123 Café"),
            ["p", "irt", "2123374010123", "cafe"]
        );
    }

    #[test]
    fn synonyms_expand_both_ways() {
        let s = Synonyms::defaults();
        assert_eq!(s.expand("kripik"), ["keripik", "kripik"]);
        assert_eq!(s.expand("keripik"), ["keripik", "kripik"]);
        assert_eq!(s.expand("singkong"), ["singkong"]);
        let edited = Synonyms::parse("batik, wastra\nsingle\n");
        assert_eq!(edited.expand("wastra"), ["batik", "wastra"]);
    }
}
