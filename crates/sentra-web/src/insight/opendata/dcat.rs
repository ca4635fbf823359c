//! The catalogue for harvesters: Project Open Data v1.1 at `/data.json` (what CKAN's data.json
//! harvester and Satu Data portals read), and the same datasets as a DCAT-AP 3 graph
//! (`/data/katalog.jsonld`, `/data/katalog.ttl`) that RDF tools and ckanext-dcat's parser read
//! whole. Decision 0041 names the vocabularies and why both are served.

use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use oxrdf::vocab::{rdf, xsd};
use oxrdf::{GraphNameRef, Literal, NamedNode, Term, Triple};

use super::LICENCE;
use super::catalog::{Catalogue, catalogue};
use crate::AppState;
use crate::catalogue::public::site_base;
use crate::error::ApiError;

const DCAT: &str = "http://www.w3.org/ns/dcat#";
const DCT: &str = "http://purl.org/dc/terms/";
const FOAF: &str = "http://xmlns.com/foaf/0.1/";
const VCARD: &str = "http://www.w3.org/2006/vcard/ns#";
const SKOS: &str = "http://www.w3.org/2004/02/skos/core#";
/// The EU's authority tables that DCAT-AP names for languages, file types and frequencies.
const EU_LANGUAGE_IND: &str = "http://publications.europa.eu/resource/authority/language/IND";
const EU_FILE_TYPE: &str = "http://publications.europa.eu/resource/authority/file-type/";
const EU_FREQUENCY_CONTINUOUS: &str =
    "http://publications.europa.eu/resource/authority/frequency/UPDATE_CONT";
const IANA_MEDIA: &str = "http://www.iana.org/assignments/media-types/";
const PREFIXES: [(&str, &str); 6] = [
    ("dcat", DCAT),
    ("dct", DCT),
    ("foaf", FOAF),
    ("vcard", VCARD),
    ("skos", SKOS),
    ("xsd", "http://www.w3.org/2001/XMLSchema#"),
];

/// The Project Open Data catalogue, one dataset per series with its files.
pub(super) async fn pod(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let cat = catalogue(&state, &site_base(&state, &headers));
    let base = &cat.base;
    let mut contact = serde_json::json!({ "@type": "vcard:Contact", "fn": cat.publisher });
    if let Some(email) = &cat.contact_email {
        contact["hasEmail"] = format!("mailto:{email}").into();
    }
    let datasets: Vec<serde_json::Value> = cat
        .datasets
        .iter()
        .map(|d| {
            let distribution: Vec<serde_json::Value> = d
                .resources
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "@type": "dcat:Distribution",
                        "title": r.title,
                        "mediaType": r.media_type,
                        "format": r.format,
                        "downloadURL": r.url,
                    })
                })
                .collect();
            let mut o = serde_json::json!({
                "@type": "dcat:Dataset",
                "identifier": d.identifier,
                "title": d.title,
                "description": d.description,
                "keyword": d.keywords,
                "modified": d.modified,
                "publisher": { "@type": "org:Organization", "name": cat.publisher },
                "contactPoint": contact,
                "accessLevel": "public",
                "license": LICENCE,
                "landingPage": d.landing_page(base),
                "spatial": format!("{} ({})", cat.publisher, cat.region_code),
                "language": ["id"],
                "temporal": format!("{}/{}", d.start, d.end),
                "accrualPeriodicity": "R/P1D",
                "distribution": distribution,
            });
            if let Some(c) = d.conforms_to {
                o["conformsTo"] = c.into();
            }
            o
        })
        .collect();
    axum::Json(serde_json::json!({
        "@context": "https://project-open-data.cio.gov/v1.1/schema/catalog.jsonld",
        "@id": format!("{base}/data.json"),
        "@type": "dcat:Catalog",
        "conformsTo": "https://project-open-data.cio.gov/v1.1/schema",
        "describedBy": "https://project-open-data.cio.gov/v1.1/schema/catalog.json",
        "dataset": datasets,
    }))
    .into_response()
}

/// The DCAT-AP graph as JSON-LD (its prefixes in the `@context`: nothing to fetch to read it).
pub(super) async fn jsonld(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let cat = catalogue(&state, &site_base(&state, &headers));
    respond(write_jsonld(&cat), "application/ld+json")
}

/// The DCAT-AP graph as Turtle.
pub(super) async fn turtle(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let cat = catalogue(&state, &site_base(&state, &headers));
    respond(write_turtle(&cat), "text/turtle; charset=utf-8")
}

fn respond(body: Result<Vec<u8>, ApiError>, media: &'static str) -> Response {
    match body {
        Ok(bytes) => ([(header::CONTENT_TYPE, media)], bytes).into_response(),
        Err(e) => e.into_response_in(crate::lang::Lang::Id),
    }
}

fn write_turtle(cat: &Catalogue) -> Result<Vec<u8>, ApiError> {
    let mut s = oxttl::TurtleSerializer::new();
    for (p, iri) in PREFIXES {
        s = s.with_prefix(p, iri).map_err(internal)?;
    }
    let mut w = s.for_writer(Vec::new());
    for t in graph(cat)? {
        w.serialize_triple(t.as_ref()).map_err(internal)?;
    }
    w.finish().map_err(internal)
}

fn write_jsonld(cat: &Catalogue) -> Result<Vec<u8>, ApiError> {
    let mut s = oxjsonld::JsonLdSerializer::new();
    for (p, iri) in PREFIXES {
        s = s.with_prefix(p, iri).map_err(internal)?;
    }
    let mut w = s.for_writer(Vec::new());
    for t in graph(cat)? {
        w.serialize_quad(t.as_ref().in_graph(GraphNameRef::DefaultGraph))
            .map_err(internal)?;
    }
    w.finish().map_err(internal)
}

fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::Internal(e.to_string())
}

/// Triples, grouped by subject (the serialisers write each subject once).
struct Graph {
    triples: Vec<Triple>,
}

impl Graph {
    fn iri(iri: &str) -> Result<NamedNode, ApiError> {
        NamedNode::new(iri).map_err(|e| ApiError::Internal(format!("{iri}: {e}")))
    }

    fn add(&mut self, s: &NamedNode, p: &str, o: impl Into<Term>) {
        self.triples
            .push(Triple::new(s.clone(), NamedNode::new_unchecked(p), o));
    }

    /// Text in Indonesian.
    fn text(&mut self, s: &NamedNode, p: &str, value: &str) {
        self.add(
            s,
            p,
            Literal::new_language_tagged_literal_unchecked(value, "id"),
        );
    }

    fn plain(&mut self, s: &NamedNode, p: &str, value: &str) {
        self.add(s, p, Literal::new_simple_literal(value));
    }

    fn date(&mut self, s: &NamedNode, p: &str, value: &str) {
        self.add(s, p, Literal::new_typed_literal(value, xsd::DATE));
    }

    fn link(&mut self, s: &NamedNode, p: &str, iri: &str) -> Result<(), ApiError> {
        let o = Self::iri(iri)?;
        self.add(s, p, o);
        Ok(())
    }

    fn kind(&mut self, s: &NamedNode, class: &str) {
        self.triples.push(Triple::new(
            s.clone(),
            rdf::TYPE,
            NamedNode::new_unchecked(class),
        ));
    }
}

fn v(ns: &str, local: &str) -> String {
    format!("{ns}{local}")
}

/// The catalogue as DCAT-AP 3: the catalogue, its publisher and contact point, each dataset
/// with its period, place and landing page, and each file as a distribution.
fn graph(cat: &Catalogue) -> Result<Vec<Triple>, ApiError> {
    let mut g = Graph {
        triples: Vec::new(),
    };
    let base = &cat.base;
    let catalog = Graph::iri(&format!("{base}/data/katalog"))?;
    let publisher = Graph::iri(&format!("{base}/data/katalog#penerbit"))?;
    let contact = Graph::iri(&format!("{base}/data/katalog#kontak"))?;
    let place = Graph::iri(&format!("{base}/data/katalog#wilayah"))?;
    let licence = Graph::iri(LICENCE)?;

    g.kind(&catalog, &v(DCAT, "Catalog"));
    g.text(&catalog, &v(DCT, "title"), &cat.title);
    g.text(&catalog, &v(DCT, "description"), &cat.description);
    g.add(&catalog, &v(DCT, "publisher"), publisher.clone());
    g.link(&catalog, &v(FOAF, "homepage"), &cat.landing_page())?;
    g.link(&catalog, &v(DCT, "language"), EU_LANGUAGE_IND)?;
    g.add(&catalog, &v(DCT, "license"), licence.clone());
    g.date(&catalog, &v(DCT, "modified"), &cat.modified);
    g.add(&catalog, &v(DCT, "spatial"), place.clone());
    for d in &cat.datasets {
        g.link(&catalog, &v(DCAT, "dataset"), &d.uri(base))?;
    }

    g.kind(&publisher, &v(FOAF, "Agent"));
    g.kind(&publisher, &v(FOAF, "Organization"));
    g.text(&publisher, &v(FOAF, "name"), &cat.publisher);
    g.plain(&publisher, &v(DCT, "identifier"), &cat.region_code);

    g.kind(&contact, &v(VCARD, "Organization"));
    g.text(&contact, &v(VCARD, "fn"), &cat.publisher);
    if let Some(email) = &cat.contact_email {
        g.link(&contact, &v(VCARD, "hasEmail"), &format!("mailto:{email}"))?;
    }
    g.link(&contact, &v(VCARD, "hasURL"), &cat.landing_page())?;

    g.kind(&place, &v(DCT, "Location"));
    g.text(&place, &v(SKOS, "prefLabel"), &cat.publisher);
    g.plain(&place, &v(DCT, "identifier"), &cat.region_code);

    for d in &cat.datasets {
        let ds = Graph::iri(&d.uri(base))?;
        let period = Graph::iri(&format!("{}#periode", d.uri(base)))?;
        g.kind(&ds, &v(DCAT, "Dataset"));
        g.plain(&ds, &v(DCT, "identifier"), &d.identifier);
        g.text(&ds, &v(DCT, "title"), &d.title);
        g.text(&ds, &v(DCT, "description"), &d.description);
        for k in &d.keywords {
            g.text(&ds, &v(DCAT, "keyword"), k);
        }
        g.add(&ds, &v(DCT, "publisher"), publisher.clone());
        g.add(&ds, &v(DCAT, "contactPoint"), contact.clone());
        g.link(&ds, &v(DCAT, "landingPage"), &d.landing_page(base))?;
        g.date(&ds, &v(DCT, "modified"), &d.modified);
        g.link(&ds, &v(DCT, "language"), EU_LANGUAGE_IND)?;
        g.add(&ds, &v(DCT, "spatial"), place.clone());
        g.add(&ds, &v(DCT, "temporal"), period.clone());
        g.link(&ds, &v(DCT, "accrualPeriodicity"), EU_FREQUENCY_CONTINUOUS)?;
        g.plain(&ds, &v(DCT, "accessRights"), "public");
        if let Some(standard) = d.conforms_to {
            let s = Graph::iri(&format!("{}#kode-wilayah", d.uri(base)))?;
            g.add(&ds, &v(DCT, "conformsTo"), s.clone());
            g.kind(&s, &v(DCT, "Standard"));
            g.text(&s, &v(DCT, "title"), standard);
        }
        for r in &d.resources {
            g.link(
                &ds,
                &v(DCAT, "distribution"),
                &format!("{}/{}", d.uri(base), r.id),
            )?;
        }

        g.kind(&period, &v(DCT, "PeriodOfTime"));
        g.date(&period, &v(DCAT, "startDate"), &d.start);
        g.date(&period, &v(DCAT, "endDate"), &d.end);

        for r in &d.resources {
            let dist = Graph::iri(&format!("{}/{}", d.uri(base), r.id))?;
            g.kind(&dist, &v(DCAT, "Distribution"));
            g.plain(&dist, &v(DCT, "identifier"), &r.id);
            g.text(&dist, &v(DCT, "title"), &r.title);
            g.link(&dist, &v(DCAT, "accessURL"), &r.url)?;
            g.link(&dist, &v(DCAT, "downloadURL"), &r.url)?;
            g.link(
                &dist,
                &v(DCAT, "mediaType"),
                &format!("{IANA_MEDIA}{}", r.media_type),
            )?;
            g.link(
                &dist,
                &v(DCT, "format"),
                &format!("{EU_FILE_TYPE}{}", r.format),
            )?;
            g.add(&dist, &v(DCT, "license"), licence.clone());
        }
    }
    Ok(g.triples)
}
