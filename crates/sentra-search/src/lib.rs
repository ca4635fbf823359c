//! The product catalogue's search index. Derived data: every product that is published comes
//! from the database as a [`ProductDoc`]; the index can be dropped and rebuilt
//! (`sentra reindex`), and it remembers the last audit-trail sequence number it has applied, so
//! each app server's index catches up with every change after a restart.

pub mod analyzer;
mod collector;
mod rows;

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use serde::Serialize;
use tantivy::directory::MmapDirectory;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, FuzzyTermQuery, Occur, Query, TermQuery,
};
use tantivy::schema::{
    FAST, Facet, FacetOptions, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema,
    TextFieldIndexing, TextOptions, Value,
};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{
    DocAddress, Index, IndexReader, IndexWriter, ReloadPolicy, Score, Searcher, TantivyDocument,
    Term,
};

pub use analyzer::Synonyms;
use analyzer::{ANALYZER, PLAIN, analyzer, plain, terms};
use collector::CatalogCollector;
use rows::RowCache;

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("search index folder: {0}")]
    Io(#[from] std::io::Error),
    #[error("search index folder: {0}")]
    Directory(#[from] tantivy::directory::error::OpenDirectoryError),
    #[error("search index: the writer lock was poisoned")]
    Poisoned,
}

pub type Result<T, E = SearchError> = std::result::Result<T, E>;

/// What the index holds of one published product.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProductDoc {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub umkm_name: String,
    /// `makanan.keripik`.
    pub category: String,
    /// The kecamatan's code, `36.74.03`.
    pub district: String,
    pub sector: String,
    /// `pirt`, `halal`, … (valid ones).
    pub certs: Vec<String>,
    pub price: Option<u64>,
    pub price_band: Option<String>,
    pub unit: String,
    /// 0..=100: verified business, photos, description, price, stock (ranking favours it).
    pub quality: u64,
    pub ekatalog: bool,
    pub in_stock: bool,
    pub verified: bool,
    /// Unix seconds of the last change.
    pub updated: i64,
    /// The object-store key of the first photo, if any.
    pub photo: Option<String>,
}

/// How results are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Sort {
    #[default]
    Relevance,
    PriceAsc,
    PriceDesc,
    Newest,
}

impl Sort {
    pub fn parse(s: &str) -> Sort {
        match s {
            "price_asc" => Sort::PriceAsc,
            "price_desc" => Sort::PriceDesc,
            "newest" => Sort::Newest,
            _ => Sort::Relevance,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Sort::Relevance => "relevance",
            Sort::PriceAsc => "price_asc",
            Sort::PriceDesc => "price_desc",
            Sort::Newest => "newest",
        }
    }
}

/// A catalogue search: the words typed and the facets chosen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct SearchQuery {
    pub text: String,
    pub category: Option<String>,
    pub district: Option<String>,
    pub cert: Option<String>,
    pub price_band: Option<String>,
    pub sector: Option<String>,
    pub ekatalog_only: bool,
    pub sort: Sort,
    pub offset: usize,
    pub limit: usize,
}

/// One result, with what a results page shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub umkm_name: String,
    pub category: String,
    pub price: Option<u64>,
    pub unit: String,
    pub photo: Option<String>,
    pub ekatalog: bool,
}

/// Counts of the matching products per facet value, largest first.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Facets {
    pub category: Vec<(String, u64)>,
    pub district: Vec<(String, u64)>,
    pub cert: Vec<(String, u64)>,
    pub price_band: Vec<(String, u64)>,
    pub sector: Vec<(String, u64)>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SearchResults {
    pub total: usize,
    pub hits: Vec<Hit>,
    pub facets: Facets,
    /// The words were too strict together: results match some of them.
    pub relaxed: bool,
}

struct Fields {
    id: Field,
    slug: Field,
    name: Field,
    /// The name and the business's name as written, for typo tolerance.
    plain: Field,
    description: Field,
    umkm_name: Field,
    category: Field,
    category_code: Field,
    district: Field,
    sector: Field,
    cert: Field,
    price_band: Field,
    flags: Field,
    price: Field,
    unit: Field,
    photo: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = |stored: bool| {
        let o = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(ANALYZER)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        if stored { o.set_stored() } else { o }
    };
    let fields = Fields {
        id: b.add_text_field("id", STRING | STORED),
        slug: b.add_text_field("slug", STORED),
        name: b.add_text_field("name", text(true)),
        plain: b.add_text_field(
            "plain",
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(PLAIN)
                    .set_index_option(IndexRecordOption::WithFreqs),
            ),
        ),
        description: b.add_text_field("description", text(false)),
        umkm_name: b.add_text_field("umkm_name", text(true)),
        category: b.add_facet_field("category", FacetOptions::default()),
        category_code: b.add_text_field("category_code", STRING | FAST | STORED),
        // Flat facets: filtered by term, counted from their fast columns.
        district: b.add_text_field("district", STRING | FAST),
        sector: b.add_text_field("sector", STRING | FAST),
        cert: b.add_text_field("cert", STRING | FAST),
        price_band: b.add_text_field("price_band", STRING | FAST),
        flags: b.add_text_field("flags", STRING | STORED),
        price: b.add_u64_field("price", INDEXED | FAST | STORED),
        unit: b.add_text_field("unit", STORED),
        photo: b.add_text_field("photo", STORED),
    };
    b.add_u64_field("quality", FAST);
    b.add_i64_field("updated", FAST);
    (b.build(), fields)
}

/// Counts per category code summed into the children of `parent` (the top level without one):
/// a product of `makanan.keripik` counts for `makanan` at the top and for `makanan.keripik`
/// under `makanan`.
fn category_children(
    leaves: impl IntoIterator<Item = (String, u64)>,
    parent: Option<&str>,
) -> HashMap<String, u64> {
    let mut children: HashMap<String, u64> = HashMap::new();
    for (code, n) in leaves {
        let child = match parent {
            None => code.split('.').next(),
            Some(p) => code
                .strip_prefix(p)
                .and_then(|rest| rest.strip_prefix('.'))
                .and_then(|rest| rest.split('.').next())
                .map(|part| &code[..p.len() + 1 + part.len()]),
        };
        if let Some(child) = child.filter(|c| !c.is_empty()) {
            *children.entry(child.to_string()).or_default() += n;
        }
    }
    children
}

/// The category code as a facet path: `makanan.keripik` → `/makanan/makanan.keripik`, so that
/// the top level counts its subcategories' products.
fn category_facet(code: &str) -> Facet {
    let mut path = Vec::new();
    let mut at = String::new();
    for part in code.split('.') {
        if !at.is_empty() {
            at.push('.');
        }
        at.push_str(part);
        path.push(at.clone());
    }
    Facet::from_path(path)
}

/// The search index of one app server.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter<TantivyDocument>>,
    fields: Fields,
    analyzer: TextAnalyzer,
    plain: TextAnalyzer,
    /// Per segment, what a search counts and ranks by (kept warm by the reader).
    rows: Arc<RowCache>,
    /// Recent results by searcher generation, synonyms and query ([`SearchIndex::keep_results`]).
    results: Option<quick_cache::sync::Cache<ResultKey, Arc<SearchResults>>>,
}

type ResultKey = (u64, u64, SearchQuery);

/// One word of a query: as written, and as the index holds it (none for a stop word).
struct QueryWord {
    raw: String,
    stem: Option<String>,
}

/// A word in at least one product in this many is known (typos are not looked for).
const KNOWN_WORD_SHARE: u64 = 100_000;
/// Words a word being typed is completed to.
const COMPLETIONS: usize = 8;

/// Memory the writer may fill before it writes a segment.
const WRITER_MEMORY: usize = 64 * 1024 * 1024;

impl SearchIndex {
    /// Opens the index in `dir` (created if missing; recreated empty when it is unreadable or
    /// from another schema: it is derived data, `sentra reindex` fills it), or in memory.
    pub fn open(dir: Option<&Path>) -> Result<Self> {
        let (schema, fields) = schema();
        let index = match dir {
            None => Index::create_in_ram(schema),
            Some(dir) => {
                std::fs::create_dir_all(dir)?;
                let opened = MmapDirectory::open(dir)
                    .map_err(SearchError::from)
                    .and_then(|d| Index::open_or_create(d, schema.clone()).map_err(Into::into));
                match opened {
                    Ok(index) => index,
                    Err(_) => {
                        // Another schema or a damaged folder: start again, empty.
                        std::fs::remove_dir_all(dir)?;
                        std::fs::create_dir_all(dir)?;
                        Index::create_in_dir(dir, schema)?
                    }
                }
            }
        };
        index.tokenizers().register(ANALYZER, analyzer());
        index.tokenizers().register(PLAIN, plain());
        let rows = Arc::new(RowCache::default());
        let warmer: Arc<dyn tantivy::Warmer> = rows.clone();
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .warmers(vec![Arc::downgrade(&warmer)])
            .try_into()?;
        let writer = index.writer_with_num_threads(1, WRITER_MEMORY)?;
        Ok(Self {
            index,
            reader,
            writer: Mutex::new(writer),
            fields,
            analyzer: analyzer(),
            plain: plain(),
            rows,
            results: None,
        })
    }

    /// The last audit-trail sequence number whose changes the index holds (0 when empty).
    pub fn applied_seq(&self) -> Result<i64> {
        let meta = self.index.load_metas()?;
        Ok(meta
            .payload
            .as_deref()
            .and_then(|p| p.parse().ok())
            .unwrap_or(0))
    }

    /// Number of products in the index.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn document(&self, d: &ProductDoc) -> TantivyDocument {
        let f = &self.fields;
        let schema = self.index.schema();
        let mut doc = TantivyDocument::default();
        doc.add_text(f.id, &d.id);
        doc.add_text(f.slug, &d.slug);
        doc.add_text(f.name, &d.name);
        doc.add_text(f.plain, &d.name);
        doc.add_text(f.plain, &d.umkm_name);
        doc.add_text(f.description, &d.description);
        doc.add_text(f.umkm_name, &d.umkm_name);
        doc.add_facet(f.category, category_facet(&d.category));
        doc.add_text(f.category_code, &d.category);
        if !d.district.is_empty() {
            doc.add_text(f.district, &d.district);
        }
        if !d.sector.is_empty() {
            doc.add_text(f.sector, &d.sector);
        }
        for c in &d.certs {
            doc.add_text(f.cert, c);
        }
        if let Some(b) = &d.price_band {
            doc.add_text(f.price_band, b);
        }
        for (flag, on) in [
            ("ekatalog", d.ekatalog),
            ("instock", d.in_stock),
            ("verified", d.verified),
        ] {
            if on {
                doc.add_text(f.flags, flag);
            }
        }
        if let Some(p) = d.price {
            doc.add_u64(f.price, p);
        }
        doc.add_text(f.unit, &d.unit);
        if let Some(p) = &d.photo {
            doc.add_text(f.photo, p);
        }
        if let Ok(q) = schema.get_field("quality") {
            doc.add_u64(q, d.quality.min(100));
        }
        if let Ok(u) = schema.get_field("updated") {
            doc.add_i64(u, d.updated);
        }
        doc
    }

    /// Replaces (or adds) products and removes others; visible after [`SearchIndex::commit`].
    pub fn apply(&self, upserts: &[ProductDoc], removals: &[String]) -> Result<()> {
        let writer = self.writer.lock().map_err(|_| SearchError::Poisoned)?;
        for id in removals {
            writer.delete_term(Term::from_field_text(self.fields.id, id));
        }
        for d in upserts {
            writer.delete_term(Term::from_field_text(self.fields.id, &d.id));
            writer.add_document(self.document(d))?;
        }
        Ok(())
    }

    /// Empties the index (before a rebuild).
    pub fn clear(&self) -> Result<()> {
        let writer = self.writer.lock().map_err(|_| SearchError::Poisoned)?;
        writer.delete_all_documents()?;
        Ok(())
    }

    /// Makes the changes so far durable and visible, recording the audit sequence number they
    /// reach.
    pub fn commit(&self, applied_seq: i64) -> Result<()> {
        let mut writer = self.writer.lock().map_err(|_| SearchError::Poisoned)?;
        let mut prepared = writer.prepare_commit()?;
        prepared.set_payload(&applied_seq.to_string());
        prepared.commit()?;
        drop(writer);
        self.reader.reload()?;
        Ok(())
    }

    /// Keeps the results of up to `entries` recent searches (0: none), each for as long as the
    /// index does not change: a public catalogue is asked the same few hundred things again and
    /// again (as Solr's query result cache and Typesense's search cache assume). Any change the
    /// index takes in opens a new searcher generation, which no kept result belongs to.
    pub fn keep_results(mut self, entries: usize) -> Self {
        self.results = (entries > 0).then(|| quick_cache::sync::Cache::new(entries));
        self
    }

    /// Searches the catalogue.
    pub fn search(&self, q: &SearchQuery, synonyms: &Synonyms) -> Result<SearchResults> {
        let searcher = self.reader.searcher();
        let Some(kept) = &self.results else {
            return self.search_in(&searcher, q, synonyms);
        };
        let key = (
            searcher.generation().generation_id(),
            synonyms.fingerprint(),
            q.clone(),
        );
        if let Some(found) = kept.get(&key) {
            return Ok((*found).clone());
        }
        let found = self.search_in(&searcher, q, synonyms)?;
        kept.insert(key, Arc::new(found.clone()));
        Ok(found)
    }

    fn search_in(
        &self,
        searcher: &Searcher,
        q: &SearchQuery,
        synonyms: &Synonyms,
    ) -> Result<SearchResults> {
        let words = self.query_words(&q.text);
        // The last word is still being typed unless the text ends with a space.
        let typing = !q.text.ends_with(char::is_whitespace);
        let strict = self.text_query(searcher, &words, typing, synonyms, Occur::Must)?;
        let mut results = self.run(searcher, q, strict)?;
        if results.total == 0 && words.iter().filter(|w| w.stem.is_some()).count() > 1 {
            // Too strict together: any of the words, best first.
            let loose = self.text_query(searcher, &words, typing, synonyms, Occur::Should)?;
            results = self.run(searcher, q, loose)?;
            results.relaxed = true;
        }
        Ok(results)
    }

    fn query_words(&self, text: &str) -> Vec<QueryWord> {
        let mut plain = self.plain.clone();
        let mut stem = self.analyzer.clone();
        terms(&mut plain, text)
            .into_iter()
            .map(|raw| {
                let stem = terms(&mut stem, &raw).into_iter().next();
                QueryWord { raw, stem }
            })
            .collect()
    }

    /// Each word (with its synonyms, its near spellings and, for the word being typed, the
    /// words it begins) must (or should) match the name, the description or the business.
    fn text_query(
        &self,
        searcher: &Searcher,
        words: &[QueryWord],
        typing: bool,
        synonyms: &Synonyms,
        occur: Occur,
    ) -> Result<Option<Box<dyn Query>>> {
        let f = &self.fields;
        let boosted = |q: Box<dyn Query>, boost: Score| -> (Occur, Box<dyn Query>) {
            (Occur::Should, Box::new(BoostQuery::new(q, boost)))
        };
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (i, word) in words.iter().enumerate() {
            let last = i + 1 == words.len();
            let mut alts: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            let Some(stem) = &word.stem else {
                // A function word (`dan`, `untuk`): matches nothing, required or not.
                continue;
            };
            for v in synonyms.expand(stem) {
                // The word as typed ranks above its synonyms (`tenun` before `songket`).
                let own = if &v == stem { 1.0 } else { 0.7 };
                for (field, boost) in [(f.name, 3.0), (f.umkm_name, 1.5), (f.description, 1.0)] {
                    let term = Term::from_field_text(field, &v);
                    alts.push(boosted(
                        Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs)),
                        boost * own,
                    ));
                }
            }
            // Typos, measured on the word as written against the names as written: none for
            // numbers and codes, one edit from 4 letters, two from 8; and only for a word the
            // catalogue does not know (as search engines do: Typesense's typo_tokens_threshold),
            // since a known word's near spellings rarely help and cost most of a query's time.
            let distance = typo_distance(&word.raw);
            if distance > 0 && !self.is_known(searcher, word, stem)? {
                let term = Term::from_field_text(f.plain, &word.raw);
                alts.push(boosted(
                    Box::new(FuzzyTermQuery::new(term, distance, true)),
                    1.5,
                ));
            }
            if last && typing && word.raw.chars().count() >= 2 {
                // Search as you type: the most frequent of the names' words this one begins.
                for completion in self.completions(searcher, &word.raw)? {
                    let term = Term::from_field_text(f.plain, &completion);
                    alts.push(boosted(
                        Box::new(ConstScoreQuery::new(
                            Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
                            1.0,
                        )),
                        1.0,
                    ));
                }
            }
            clauses.push((occur, Box::new(BooleanQuery::new(alts))));
        }
        if clauses.is_empty() {
            return Ok(None);
        }
        Ok(Some(Box::new(BooleanQuery::new(clauses))))
    }

    /// Whether the word is in the catalogue often enough to be taken as meant: as written in a
    /// name, or its root in a name or a description.
    fn is_known(&self, searcher: &Searcher, word: &QueryWord, stem: &str) -> Result<bool> {
        let f = &self.fields;
        let enough = (searcher.num_docs() / KNOWN_WORD_SHARE).max(1);
        let mut seen = 0;
        for term in [
            Term::from_field_text(f.plain, &word.raw),
            Term::from_field_text(f.name, stem),
            Term::from_field_text(f.description, stem),
        ] {
            seen += searcher.doc_freq(&term)?;
            if seen >= enough {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The names' words that begin with `prefix` (other than itself), most frequent first, at
    /// most [`COMPLETIONS`]: a short prefix begins thousands of words, and matching them all
    /// made a two-letter query the slowest of all.
    fn completions(&self, searcher: &Searcher, prefix: &str) -> Result<Vec<String>> {
        let mut freq: HashMap<Vec<u8>, u64> = HashMap::new();
        for segment in searcher.segment_readers() {
            let inverted = segment.inverted_index(self.fields.plain)?;
            let mut stream = inverted
                .terms()
                .range()
                .ge(prefix.as_bytes())
                .into_stream()?;
            while stream.advance() {
                let key = stream.key();
                if !key.starts_with(prefix.as_bytes()) {
                    break;
                }
                if key != prefix.as_bytes() {
                    *freq.entry(key.to_vec()).or_default() += u64::from(stream.value().doc_freq);
                }
            }
        }
        let mut ranked: Vec<(Vec<u8>, u64)> = freq.into_iter().collect();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Ok(ranked
            .into_iter()
            .take(COMPLETIONS)
            .filter_map(|(k, _)| String::from_utf8(k).ok())
            .collect())
    }

    fn run(
        &self,
        searcher: &Searcher,
        q: &SearchQuery,
        text: Option<Box<dyn Query>>,
    ) -> Result<SearchResults> {
        let f = &self.fields;
        let mut must: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        must.push((Occur::Must, text.unwrap_or_else(|| Box::new(AllQuery))));
        let facet_term = |field: Field, facet: Facet| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_facet(field, &facet),
                IndexRecordOption::Basic,
            ))
        };
        if let Some(c) = &q.category {
            must.push((Occur::Must, facet_term(f.category, category_facet(c))));
        }
        for (field, value) in [
            (f.district, &q.district),
            (f.cert, &q.cert),
            (f.price_band, &q.price_band),
            (f.sector, &q.sector),
        ] {
            if let Some(v) = value {
                must.push((
                    Occur::Must,
                    Box::new(TermQuery::new(
                        Term::from_field_text(field, v),
                        IndexRecordOption::Basic,
                    )),
                ));
            }
        }
        if q.ekatalog_only {
            must.push((
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_text(f.flags, "ekatalog"),
                    IndexRecordOption::Basic,
                )),
            ));
        }
        let query = BooleanQuery::new(must);
        let limit = q.limit.clamp(1, 100);
        let collector = CatalogCollector {
            rows: self.rows.clone(),
            sort: q.sort,
            keep: q.offset.saturating_add(limit),
        };
        let mut found = searcher.search(&query, &collector)?;
        let ordered = |values: HashMap<String, u64>| -> Vec<(String, u64)> {
            let mut v: Vec<(String, u64)> = values.into_iter().collect();
            v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            v
        };
        let mut take = |field: usize| ordered(std::mem::take(&mut found.counts[field]));
        let facets = Facets {
            category: ordered(category_children(
                take(rows::CATEGORY),
                q.category.as_deref(),
            )),
            district: take(rows::DISTRICT),
            cert: take(rows::CERT),
            price_band: take(rows::PRICE_BAND),
            sector: take(rows::SECTOR),
        };
        let total = found.total;
        let addresses = found.top.into_iter().skip(q.offset);
        let hits = addresses
            .into_iter()
            .map(|a| self.hit(searcher, a))
            .collect::<Result<Vec<_>>>()?;
        Ok(SearchResults {
            total,
            hits,
            facets,
            relaxed: false,
        })
    }

    fn hit(&self, searcher: &tantivy::Searcher, at: DocAddress) -> Result<Hit> {
        let doc: TantivyDocument = searcher.doc(at)?;
        let f = &self.fields;
        let text = |field: Field| {
            doc.get_first(field)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string()
        };
        let ekatalog = doc.get_all(f.flags).any(|v| v.as_str() == Some("ekatalog"));
        Ok(Hit {
            id: text(f.id),
            slug: text(f.slug),
            name: text(f.name),
            umkm_name: text(f.umkm_name),
            category: text(f.category_code),
            price: doc.get_first(f.price).and_then(|v| v.as_u64()),
            unit: text(f.unit),
            photo: doc
                .get_first(f.photo)
                .and_then(|v| v.as_str())
                .map(str::to_string),
            ekatalog,
        })
    }
}

/// Edits allowed for a word: none with a digit (numbers and codes are exact), one from four
/// letters, two from eight.
fn typo_distance(word: &str) -> u8 {
    let n = word.chars().count();
    if word.chars().any(|c| c.is_ascii_digit()) || n < 4 {
        0
    } else if n < 8 {
        1
    } else {
        2
    }
}

#[cfg(test)]
mod tests;
