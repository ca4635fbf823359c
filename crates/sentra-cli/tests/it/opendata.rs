//! Open data through the public URLs, on SQLite and PostgreSQL: per-kecamatan and
//! per-kelurahan counts as CSV and JSON with metadata, a DCAT catalogue, no personal data, and
//! no published count under the suppression threshold.

use crate::common;

use std::collections::BTreeMap;

use common::spawn_app;
use reqwest::Method;
use sqlx::{Connection, Row};

/// The CSV's header and rows.
async fn csv_rows(url: String) -> (Vec<String>, Vec<Vec<String>>) {
    let res = reqwest::get(url).await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = res.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

#[tokio::test]
async fn aggregates_are_published_without_personal_data_or_small_counts() {
    let app = spawn_app().await;
    app.seed(150, 9).await;
    // A business whose details must not appear anywhere in the open data.
    let (status, _) = app
        .send_json(Method::POST, "/api/v1/umkm", &common::valid_body())
        .await;
    assert_eq!(status, 201);

    let (header, rows) = csv_rows(app.url("/data/umkm-per-wilayah.csv")).await;
    assert_eq!(header[0], "kode_wilayah");
    assert_eq!(header.len(), 10);
    // Every count is empty (withheld), zero, or at least the threshold.
    let counts = |rows: &[Vec<String>]| {
        rows.iter()
            .flat_map(|r| r[2..].to_vec())
            .filter(|c| !c.is_empty())
            .map(|c| c.parse::<i64>().unwrap())
            .collect::<Vec<_>>()
    };
    assert!(counts(&rows).iter().all(|n| *n == 0 || *n >= 5));
    // Totals per kecamatan as SQL counts them (verified, so active; not merged).
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(app.test_db.direct())
        .await
        .unwrap();
    let expected: BTreeMap<String, i64> = sqlx::query(
        "SELECT district_code, COUNT(*) AS n FROM umkm WHERE merged_into IS NULL \
         AND status = 'verified' GROUP BY district_code",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap()
    .iter()
    .map(|r| (r.try_get("district_code").unwrap(), r.try_get("n").unwrap()))
    .collect();
    assert_eq!(rows.len(), expected.len());
    for r in &rows {
        let n = expected[&r[0]];
        if n >= 5 {
            assert_eq!(r[2], n.to_string(), "{r:?}");
            // The size classes add up when none is withheld.
            let sizes: Vec<&String> = r[3..8].iter().collect();
            if sizes.iter().all(|c| !c.is_empty()) {
                let sum: i64 = sizes.iter().map(|c| c.parse::<i64>().unwrap()).sum();
                assert_eq!(sum, n, "{r:?}");
            } else {
                // Never a single withheld cell that subtraction would reveal.
                assert!(sizes.iter().filter(|c| c.is_empty()).count() >= 2, "{r:?}");
            }
        }
    }
    // Per kelurahan the counts are small: some are withheld.
    let (_, villages) = csv_rows(app.url("/data/umkm-per-wilayah.csv?tingkat=kelurahan")).await;
    assert!(villages.len() > rows.len());
    assert!(villages.iter().any(|r| r[2..].iter().any(String::is_empty)));
    assert!(counts(&villages).iter().all(|n| *n == 0 || *n >= 5));

    // JSON: the same rows with their metadata; nothing personal in any of it.
    let json: serde_json::Value = reqwest::get(app.url("/data/umkm-per-wilayah.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let meta = &json["metadata"];
    assert!(
        meta["title"]
            .as_str()
            .unwrap()
            .contains("Kota Tangerang Selatan")
    );
    assert_eq!(
        meta["licence"],
        "https://creativecommons.org/licenses/by/4.0/"
    );
    assert_eq!(meta["region_codes"], "Kepmendagri 300.2.2-2138/2025");
    assert_eq!(meta["suppression"]["threshold"], 5);
    assert!(meta["period"]["as_of"].is_string());
    assert_eq!(json["data"].as_array().unwrap().len(), rows.len());
    let all = format!(
        "{json}{}",
        reqwest::get(app.url("/data/umkm-per-wilayah.csv?tingkat=kelurahan"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    );
    for personal in [
        "Sri Lestari",
        "3674034506900012",
        "Keripik Tempe",
        "0812",
        "Merdeka",
    ] {
        assert!(!all.contains(personal), "{personal} published");
    }

    // The DCAT catalogue a portal harvests, and the page describing it (no sign-in).
    let catalogue: serde_json::Value = reqwest::get(app.url("/data.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        catalogue["conformsTo"],
        "https://project-open-data.cio.gov/v1.1/schema"
    );
    let datasets = catalogue["dataset"].as_array().unwrap();
    // UMKM per kecamatan, per kelurahan, and the units' procurement spending.
    assert_eq!(datasets.len(), 3);
    assert!(
        datasets[2]["identifier"]
            .as_str()
            .unwrap()
            .ends_with("/data/pengadaan-per-opd")
    );
    let url = datasets[0]["distribution"][0]["downloadURL"]
        .as_str()
        .unwrap();
    assert!(
        url.starts_with("http") && url.ends_with("/data/umkm-per-wilayah.csv?tingkat=kecamatan")
    );
    let page = reqwest::get(app.url("/data")).await.unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(page.contains("CC BY 4.0"));
    assert!(
        page.contains("tingkat=kecamatan&#38;tahun=2025")
            || page.contains("tingkat=kecamatan&amp;tahun=2025"),
        "{page}"
    );
    let years: Vec<&str> = datasets[0]["distribution"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["downloadURL"].as_str().unwrap())
        .collect();
    assert!(
        years
            .iter()
            .any(|u| u.ends_with("tingkat=kecamatan&tahun=2025")),
        "{years:?}"
    );

    // Per period: the registry at the end of 2024. Half the businesses entered in 2024 (with
    // NIBs issued then), the rest this year.
    sqlx::query(
        "UPDATE umkm SET created_at = '2024-06-01T08:00:00.000Z' \
         WHERE id IN (SELECT id FROM umkm ORDER BY id LIMIT 80)",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    sqlx::query("UPDATE umkm_documents SET issued_on = '2024-07-01' WHERE kind = 'nib'")
        .execute(&mut conn)
        .await
        .unwrap();
    let by_2024: BTreeMap<String, (i64, i64)> = sqlx::query(
        "SELECT district_code, COUNT(*) AS n, \
         SUM(CASE WHEN id IN (SELECT umkm_id FROM umkm_documents WHERE kind = 'nib') \
             THEN 1 ELSE 0 END) AS nib \
         FROM umkm WHERE merged_into IS NULL AND status = 'verified' \
         AND created_at < '2025-01-01' GROUP BY district_code",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap()
    .iter()
    .map(|r| {
        (
            r.try_get("district_code").unwrap(),
            (
                r.try_get("n").unwrap(),
                r.try_get::<Option<i64>, _>("nib").unwrap().unwrap_or(0),
            ),
        )
    })
    .collect();
    let (_, past) = csv_rows(app.url("/data/umkm-per-wilayah.csv?tahun=2024")).await;
    assert_eq!(past.len(), by_2024.len());
    assert!(counts(&past).iter().all(|n| *n == 0 || *n >= 5));
    let mut checked = 0;
    for r in &past {
        let (n, nib) = by_2024[&r[0]];
        assert!(n <= expected[&r[0]]);
        if n >= 5 {
            assert_eq!(r[2], n.to_string(), "{r:?}");
            if nib >= 5 && n - nib >= 5 {
                assert_eq!(r[8], nib.to_string(), "{r:?}");
            }
            checked += 1;
        }
    }
    assert!(checked > 0, "some kecamatan published for 2024: {past:?}");
    let json: serde_json::Value = reqwest::get(app.url("/data/umkm-per-wilayah.json?tahun=2024"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(json["metadata"]["period"]["year"], 2024);
    assert_eq!(json["metadata"]["period"]["end"], "2024-12-31");
    assert!(
        json["metadata"]["title"]
            .as_str()
            .unwrap()
            .contains("akhir tahun 2024")
    );
    // A closed year is counted once and kept: a later change to the registry (here every NIB
    // withdrawn) leaves the published release as it was, on every level and format.
    let kept: i64 = sqlx::query("SELECT COUNT(*) AS n FROM year_end_counted WHERE year = 2024")
        .fetch_one(&mut conn)
        .await
        .unwrap()
        .try_get("n")
        .unwrap();
    assert_eq!(kept, 1);
    sqlx::query("DELETE FROM umkm_documents WHERE kind = 'nib'")
        .execute(&mut conn)
        .await
        .unwrap();
    let (_, again) = csv_rows(app.url("/data/umkm-per-wilayah.csv?tahun=2024")).await;
    assert_eq!(again, past);
    let (_, now) = csv_rows(app.url("/data/umkm-per-wilayah.csv")).await;
    assert!(
        now.iter().all(|r| r[8].is_empty() || r[8] == "0"),
        "{now:?}"
    );
    // Only past years are periods.
    for bad in ["2099", "tahun-lalu"] {
        let res = reqwest::get(app.url(&format!("/data/umkm-per-wilayah.csv?tahun={bad}")))
            .await
            .unwrap();
        assert_eq!(res.status(), 422, "{bad}");
    }
}

/// A CKAN Action API answer: its status and `result` (or `error`).
async fn ckan(app: &common::TestApp, action: &str, query: &str) -> (u16, serde_json::Value) {
    let res = reqwest::get(app.url(&format!("/api/3/action/{action}?{query}")))
        .await
        .unwrap();
    let status = res.status().as_u16();
    let body: serde_json::Value = res.json().await.unwrap();
    let ok = body["success"].as_bool().unwrap();
    assert_eq!(ok, status == 200, "{body}");
    (
        status,
        if ok {
            body["result"].clone()
        } else {
            body["error"].clone()
        },
    )
}

/// A published address (under the deployment's public URL) on the test server.
fn local(app: &common::TestApp, url: &str) -> String {
    let path = url.find("/data").map_or(url, |at| &url[at..]);
    app.url(path)
}

/// CKAN's own validators: names are 2–100 of `a-z0-9-_`; tags 2–100 of letters, digits,
/// spaces, `-`, `_` and `.`.
fn ckan_name_valid(name: &str) -> bool {
    (2..=100).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

fn ckan_tag_valid(tag: &str) -> bool {
    (2..=100).contains(&tag.chars().count())
        && tag
            .chars()
            .all(|c| c.is_alphanumeric() || " -_.".contains(c))
}

#[tokio::test]
async fn a_ckan_harvester_lists_shows_and_searches_every_dataset() {
    let app = spawn_app().await;
    app.seed(40, 3).await;

    let (_, status) = ckan(&app, "status_show", "").await;
    assert_eq!(status["ckan_version"], "2.10.0");
    let (_, names) = ckan(&app, "package_list", "").await;
    let names: Vec<String> = serde_json::from_value(names).unwrap();
    assert_eq!(
        names,
        [
            "pengadaan-per-opd",
            "umkm-per-kecamatan",
            "umkm-per-kelurahan"
        ]
    );
    let (_, orgs) = ckan(&app, "organization_list", "").await;
    let org = orgs[0].as_str().unwrap().to_string();
    assert!(ckan_name_valid(&org), "{org}");
    let (_, shown_org) = ckan(&app, "organization_show", &format!("id={org}")).await;
    assert_eq!(shown_org["package_count"], 3);
    assert_eq!(shown_org["packages"].as_array().unwrap().len(), 3);

    let client = reqwest::Client::new();
    for name in &names {
        let (_, p) = ckan(&app, "package_show", &format!("id={name}")).await;
        assert_eq!(p["name"], name.as_str());
        assert!(ckan_name_valid(p["name"].as_str().unwrap()));
        assert_eq!(p["license_id"], "cc-by");
        assert_eq!(p["organization"]["name"], org.as_str());
        let tags = p["tags"].as_array().unwrap();
        assert!(!tags.is_empty());
        for t in tags {
            let tag = t["name"].as_str().unwrap();
            assert!(ckan_tag_valid(tag), "CKAN would refuse the tag {tag:?}");
        }
        let resources = p["resources"].as_array().unwrap();
        assert_eq!(p["num_resources"], resources.len());
        // Every resource is shown on its own and its file answers.
        for r in resources {
            let id = r["id"].as_str().unwrap();
            let (_, shown) = ckan(&app, "resource_show", &format!("id={id}")).await;
            assert_eq!(shown["url"], r["url"]);
            assert_eq!(shown["package_id"], name.as_str());
            let file = client
                .get(local(&app, r["url"].as_str().unwrap()))
                .send()
                .await
                .unwrap();
            assert_eq!(file.status(), 200, "{}", r["url"]);
        }
    }

    // Searches as portals and harvesters write them.
    let (_, all) = ckan(&app, "package_search", "q=*:*&rows=1000").await;
    assert_eq!(all["count"], 3);
    assert_eq!(all["results"].as_array().unwrap().len(), 3);
    let (_, page) = ckan(&app, "package_search", "rows=1&start=1").await;
    assert_eq!(page["count"], 3);
    assert_eq!(page["results"][0]["name"], "umkm-per-kecamatan");
    let (_, found) = ckan(&app, "package_search", "q=pengadaan").await;
    assert_eq!(found["count"], 1);
    assert_eq!(found["results"][0]["name"], "pengadaan-per-opd");
    let (_, since) = ckan(
        &app,
        "package_search",
        "fq=metadata_modified:[2000-01-01T00:00:00Z%20TO%20*]%20res_format:CSV",
    )
    .await;
    assert_eq!(since["count"], 3);
    let (_, later) = ckan(
        &app,
        "package_search",
        "fq=metadata_modified:[2999-01-01T00:00:00Z%20TO%20*]",
    )
    .await;
    assert_eq!(later["count"], 0);
    let (_, other_org) = ckan(
        &app,
        "package_search",
        &format!("fq=-organization:{org}&facet.field=[\"tags\"]"),
    )
    .await;
    assert_eq!(other_org["count"], 0);
    let (_, tagged) = ckan(
        &app,
        "package_search",
        "fq=tags:halal&facet.field=[\"tags\",\"res_format\"]",
    )
    .await;
    assert_eq!(tagged["count"], 2);
    assert_eq!(tagged["facets"]["res_format"]["CSV"], 2);
    // ckanapi posts its parameters as JSON.
    let posted: serde_json::Value = client
        .post(app.url("/api/3/action/package_show"))
        .json(&serde_json::json!({ "id": "umkm-per-kelurahan" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(posted["result"]["name"], "umkm-per-kelurahan");
    let older: serde_json::Value = reqwest::get(app.url("/api/action/package_list"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(older["result"].as_array().unwrap().len(), 3);

    // What CKAN refuses, refused the same way.
    let (status, e) = ckan(&app, "package_show", "id=tidak-ada").await;
    assert_eq!(
        (status, e["__type"].as_str()),
        (404, Some("Not Found Error"))
    );
    let (status, e) = ckan(&app, "package_show", "").await;
    assert_eq!(status, 409);
    assert_eq!(e["id"][0], "Missing value");
    let (status, e) = ckan(&app, "package_search", "rows=lima").await;
    assert_eq!(
        (status, e["rows"][0].as_str()),
        (409, Some("Invalid integer"))
    );
    let (status, _) = ckan(&app, "package_search", "rows=100000").await;
    assert_eq!(status, 409);
    let (status, e) = ckan(&app, "package_search", "fq=password:x").await;
    assert_eq!(
        (status, e["__type"].as_str()),
        (409, Some("Search Query Error"))
    );
    let (status, _) = ckan(&app, "package_create", "").await;
    assert_eq!(status, 400);
    let (status, _) = ckan(&app, "resource_show", "id=../../etc/passwd").await;
    assert_eq!(status, 404);
    let refused = client
        .post(app.url("/api/3/action/package_show"))
        .header("content-type", "application/json")
        .body("[1, 2]")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
}

/// The DCAT-AP catalogue read as RDF: the JSON-LD and the Turtle hold the same graph, with
/// every dataset's title, contact point, landing page, period and files.
#[tokio::test]
async fn the_dcat_ap_catalogue_reads_whole_as_json_ld_and_turtle() {
    use oxrdf::{NamedNodeRef, Term, Triple};
    use std::collections::HashSet;

    let app = spawn_app().await;
    let get = |path: &'static str| {
        let url = app.url(path);
        async move {
            let res = reqwest::get(url).await.unwrap();
            assert_eq!(res.status(), 200);
            let kind = res.headers()["content-type"].to_str().unwrap().to_string();
            (kind, res.bytes().await.unwrap())
        }
    };
    let (kind, jsonld) = get("/data/katalog.jsonld").await;
    assert_eq!(kind, "application/ld+json");
    let (kind, turtle) = get("/data/katalog.ttl").await;
    assert!(kind.starts_with("text/turtle"));
    let from_jsonld: HashSet<Triple> = oxjsonld::JsonLdParser::new()
        .for_slice(&jsonld)
        .map(|q| Triple::from(q.unwrap()))
        .collect();
    let from_turtle: HashSet<Triple> = oxttl::TurtleParser::new()
        .for_slice(&turtle)
        .map(Result::unwrap)
        .collect();
    assert_eq!(from_jsonld, from_turtle);

    let dcat = |local: &str| format!("http://www.w3.org/ns/dcat#{local}");
    let dct = |local: &str| format!("http://purl.org/dc/terms/{local}");
    let objects = |s: &Term, p: &str| -> Vec<Term> {
        from_turtle
            .iter()
            .filter(|t| Term::from(t.subject.clone()) == *s && t.predicate.as_str() == p)
            .map(|t| t.object.clone())
            .collect()
    };
    let rdf_type = NamedNodeRef::new("http://www.w3.org/1999/02/22-rdf-syntax-ns#type").unwrap();
    let datasets: Vec<Term> = from_turtle
        .iter()
        .filter(|t| {
            t.predicate.as_ref() == rdf_type
                && t.object == Term::from(oxrdf::NamedNode::new(dcat("Dataset")).unwrap())
        })
        .map(|t| Term::from(t.subject.clone()))
        .collect();
    assert_eq!(datasets.len(), 3);
    for d in &datasets {
        for p in [
            dct("title"),
            dct("description"),
            dct("publisher"),
            dct("temporal"),
            dct("modified"),
            dcat("contactPoint"),
            dcat("landingPage"),
            dcat("keyword"),
        ] {
            assert!(!objects(d, &p).is_empty(), "{d} has no {p}");
        }
        let files = objects(d, &dcat("distribution"));
        assert!(files.len() >= 2, "{d}");
        for f in &files {
            let url = objects(f, &dcat("downloadURL"));
            assert_eq!(url.len(), 1, "{f}");
            assert_eq!(objects(f, &dct("license")).len(), 1);
            let Term::NamedNode(url) = &url[0] else {
                panic!("{f}: download URL is not an IRI")
            };
            let res = reqwest::get(local(&app, url.as_str())).await.unwrap();
            assert_eq!(res.status(), 200, "{url}");
        }
    }
    // The POD catalogue names a context, a contact and a landing page for each dataset.
    let pod: serde_json::Value = reqwest::get(app.url("/data.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        pod["@context"],
        "https://project-open-data.cio.gov/v1.1/schema/catalog.jsonld"
    );
    for d in pod["dataset"].as_array().unwrap() {
        assert!(d["contactPoint"]["fn"].is_string(), "{d}");
        assert!(d["landingPage"].as_str().unwrap().contains("/data#"));
        for k in d["keyword"].as_array().unwrap() {
            assert!(ckan_tag_valid(k.as_str().unwrap()), "{k}");
        }
    }
    // The page links the catalogues, each dataset at its anchor.
    let page = reqwest::get(app.url("/data"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for part in [
        "id=\"umkm-per-kecamatan\"",
        "/data/katalog.jsonld",
        "/data/katalog.ttl",
        "/api/3/action/package_list",
    ] {
        assert!(page.contains(part), "{part}");
    }
}
