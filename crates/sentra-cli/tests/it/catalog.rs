//! The public catalogue over HTTP, on SQLite and PostgreSQL: a product saved in the database
//! is found by the server's search index within a second (however it is typed), with facets;
//! its page carries what a shared link needs; drafts and archived products stay out.

use crate::common;

use std::time::{Duration, Instant};

use common::{HOME, spawn_app};
use sentra_domain::product::{ProductInput, validate_product};
use sentra_domain::region::RegionCode;
use sentra_domain::scope::Scope;
use sentra_storage::Actor;

/// Cassava chips with a Shopee link.
fn chips(status: &str) -> ProductInput {
    let mut p = common::chips(status);
    p.links = vec![(
        "shopee".into(),
        "https://shopee.co.id/keripik-bu-rina".into(),
    )];
    p
}

/// Waits until the catalogue page for `q` satisfies `done`; how long it took.
async fn until(app: &common::TestApp, q: &str, done: impl Fn(&str) -> bool) -> (Duration, String) {
    let started = Instant::now();
    loop {
        let body = app
            .get(&format!("/katalog?q={q}"))
            .await
            .text()
            .await
            .unwrap();
        if done(&body) || started.elapsed() > Duration::from_secs(10) {
            return (started.elapsed(), body);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn the_catalogue_finds_what_was_saved_and_its_page_previews() {
    let app = spawn_app().await;
    app.seed(2, 5).await;
    let home = Scope::region(RegionCode::parse(HOME).unwrap());
    let first = app.first_umkm().await;
    let umkm = &first;
    // Only a verified business's products are public (DESIGN.md, "Public means verified").
    app.db
        .set_umkm_status(
            &common::city(),
            &umkm.id,
            sentra_domain::umkm::UmkmStatus::Verified,
            &Actor::system("test"),
        )
        .await
        .unwrap();
    let categories = app.db.product_categories().await.unwrap();
    let actor = Actor::system("kurator");
    let draft = app
        .db
        .create_product(
            &home,
            &umkm.id,
            &validate_product(&chips("draft"), &categories).unwrap(),
            &actor,
        )
        .await
        .unwrap();
    let mut tenun = chips("published");
    tenun.name = "Kain Tenun Ikat".into();
    tenun.description = "Tenun ikat tangan dari benang katun, motif Sumba.".into();
    tenun.category = "kerajinan.tenun".into();
    tenun.price = "750.000".into();
    tenun.shelf_life_days = String::new();
    let published = app
        .db
        .update_product(
            &home,
            &draft.id,
            1,
            &validate_product(&chips("published"), &categories).unwrap(),
            &actor,
        )
        .await
        .unwrap();
    app.db
        .create_product(
            &home,
            &umkm.id,
            &validate_product(&tenun, &categories).unwrap(),
            &actor,
        )
        .await
        .unwrap();

    // Found within a second of the change, by typo, by the other spelling, in any order.
    let (took, body) = until(&app, "kerpik", |b| b.contains("Keripik Singkong Pedas")).await;
    assert!(body.contains("Keripik Singkong Pedas"), "{body}");
    assert!(took < Duration::from_secs(1), "indexed after {took:?}");
    for typed in ["kripik+singkong", "pedas+singkong", "keripik+singk"] {
        let body = app
            .get(&format!("/katalog?q={typed}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(body.contains("Keripik Singkong Pedas"), "{typed}: {body}");
        assert!(!body.contains("Kain Tenun Ikat"), "{typed}");
    }
    // Facets with counts; a facet link narrows the results.
    let all = app.get("/katalog").await.text().await.unwrap();
    assert!(all.contains("2 produk"), "{all}");
    assert!(
        all.contains("Makanan</a> <span class=\"hint\">1</span>"),
        "{all}"
    );
    let crafts = app
        .get("/katalog?kategori=kerajinan")
        .await
        .text()
        .await
        .unwrap();
    assert!(crafts.contains("Kain Tenun Ikat") && !crafts.contains("Keripik Singkong"));
    // The filter in force is a chip, by its label, whose link takes it off; the facets behind
    // the phone's Filter button say how many are chosen.
    assert!(
        crafts.contains(
            "<a href=\"/katalog\" aria-label=\"Hapus filter Kategori: Kerajinan\">Kategori: Kerajinan"
        ),
        "{crafts}"
    );
    assert!(crafts.contains("Filter (1)</summary>"), "{crafts}");
    assert!(
        !all.contains("class=\"chips\""),
        "no chips without a filter"
    );
    // Sectors are named, never shown as their codes.
    let sector_links: Vec<(&str, &str)> = all
        .split("href=\"/katalog?sektor=")
        .skip(1)
        .filter_map(|rest| {
            let (code, after) = rest.split_once('"')?;
            let label = after.strip_prefix('>')?.split('<').next()?;
            Some((code, label))
        })
        .collect();
    assert!(!sector_links.is_empty(), "{all}");
    for (code, label) in sector_links {
        assert_ne!(code, label, "sector shown as its code");
        assert!(
            label.chars().next().is_some_and(char::is_uppercase),
            "{label}"
        );
    }
    // Government buyers narrow to the e-katalog lokal (none of these is listed yet), from
    // their own menu.
    assert!(all.contains("Hanya produk e-katalog lokal"), "{all}");
    let listed_only = app.get("/katalog?ekatalog=1").await.text().await.unwrap();
    assert!(listed_only.contains("0 produk"), "{listed_only}");
    let (buyer, _, _) = app.as_user("procurement", HOME).await;
    let menu = buyer
        .get(app.url("/katalog"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(menu.contains("href=\"/katalog?ekatalog=1\""), "{menu}");

    // The product page: price, seller, canonical URL, OpenGraph, schema.org Product.
    let res = app.get(&format!("/p/{}", published.slug)).await;
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    for want in [
        "Rp15.000 / pcs",
        &umkm.name,
        "<meta property=\"og:title\" content=\"Keripik Singkong Pedas\">",
        &format!("/p/{}\">", published.slug),
        "\"@type\":\"Product\"",
        "\"priceCurrency\":\"IDR\"",
        "https://shopee.co.id/keripik-bu-rina",
    ] {
        assert!(page.contains(want), "missing {want}: {page}");
    }
    // No personal data of the owner on a public page.
    assert!(!page.contains(&umkm.owner_name), "owner's name shown");

    // The business's storefront at a short link, with its products and a printable QR code.
    let store_href = page
        .split("href=\"/toko/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(|slug| format!("/toko/{slug}"))
        .expect("a link to the storefront");
    let store = app.get(&store_href).await.text().await.unwrap();
    for want in [
        umkm.name.as_str(),
        "Keripik Singkong Pedas",
        "Kain Tenun Ikat",
        "\"@type\":\"LocalBusiness\"",
        "/qr.svg",
    ] {
        assert!(store.contains(want), "missing {want}: {store}");
    }
    let qr = app.get(&format!("{store_href}/qr.svg")).await;
    assert_eq!(qr.headers()["content-type"], "image/svg+xml");
    assert!(qr.text().await.unwrap().contains("<svg"));
    // The printable sign for the counter: name, the QR code, the short link as people type
    // it, the WhatsApp number when the business gave one; A6 by default, A4 on request.
    assert!(
        store.contains(&format!("href=\"{store_href}/cetak\"")),
        "{store}"
    );
    let sheet = app.get(&format!("{store_href}/cetak")).await;
    assert_eq!(sheet.status(), 200);
    let sheet = sheet.text().await.unwrap();
    let canonical = store
        .split("<link rel=\"canonical\" href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the storefront's canonical address");
    let short = canonical
        .trim_start_matches("https://")
        .trim_start_matches("http://");
    assert!(short.ends_with(&store_href), "{short}");
    for want in [
        "class=\"qr-sheet a6\"",
        umkm.name.as_str(),
        &format!("{store_href}/qr.svg"),
        &format!("<p class=\"short\">{short}</p>"),
        "?ukuran=a4\">Ukuran kertas A4",
    ] {
        assert!(sheet.contains(want), "missing {want}: {sheet}");
    }
    let has_whatsapp = app
        .db
        .get_umkm(&home, &umkm.id)
        .await
        .unwrap()
        .links
        .iter()
        .any(|l| l.kind == sentra_domain::umkm::LinkKind::Whatsapp);
    assert_eq!(
        sheet.contains("WhatsApp: <strong>0"),
        has_whatsapp,
        "{sheet}"
    );
    let a4 = app
        .get(&format!("{store_href}/cetak?ukuran=a4"))
        .await
        .text()
        .await
        .unwrap();
    assert!(a4.contains("class=\"qr-sheet a4\""), "{a4}");

    // Search engines find the products and the storefront through the sitemap.
    let index = app.get("/sitemap.xml").await.text().await.unwrap();
    assert!(index.contains("/sitemap/toko.xml") && index.contains("/sitemap/produk-1.xml"));
    assert!(!index.contains("produk-2.xml"), "{index}");
    let part = app.get("/sitemap/produk-1.xml").await.text().await.unwrap();
    assert!(
        part.contains(&format!("/p/{}</loc>", published.slug)),
        "{part}"
    );
    assert_eq!(part.matches("<url>").count(), 2, "{part}");
    let stores = app.get("/sitemap/toko.xml").await.text().await.unwrap();
    assert!(stores.contains(&format!("{store_href}</loc>")), "{stores}");
    assert_eq!(app.get("/sitemap/produk-0.xml").await.status(), 404);
    let robots = app.get("/robots.txt").await.text().await.unwrap();
    assert!(robots.contains("Sitemap: ") && robots.contains("Disallow: /\n"));
    // Read as a crawler does (RFC 9309): public pages and open data allowed, an FGD link and
    // what is behind sign-in not.
    for (path, allowed) in [
        ("/", true),
        ("/katalog?q=keripik", true),
        ("/data/umkm-per-wilayah.csv?tingkat=kelurahan", true),
        ("/data.json", true),
        ("/agenda", true),
        ("/pameran/bazar-umkm", true),
        ("/unggulan/0193/publik", true),
        ("/unggulan/0193", false),
        ("/fgd/abc123", false),
        ("/umkm", false),
        ("/login", false),
    ] {
        assert_eq!(robots_allow(&robots, path), allowed, "{path}\n{robots}");
    }

    // Archived: out of the catalogue, and its page is gone.
    let mut archived = chips("archived");
    archived.links.clear();
    app.db
        .update_product(
            &home,
            &published.id,
            published.version,
            &validate_product(&archived, &categories).unwrap(),
            &actor,
        )
        .await
        .unwrap();
    let (_, body) = until(&app, "keripik", |b| !b.contains("Keripik Singkong Pedas")).await;
    assert!(!body.contains("Keripik Singkong Pedas"), "{body}");
    assert_eq!(
        app.get(&format!("/p/{}", published.slug)).await.status(),
        404
    );
}

/// Whether `path` may be crawled under `robots` for every agent, as RFC 9309 reads it: the
/// longest matching rule wins (`*` any characters, `$` the end), Allow on a tie.
fn robots_allow(robots: &str, path: &str) -> bool {
    fn matches(pattern: &str, path: &str) -> bool {
        let (pattern, anchored) = match pattern.strip_suffix('$') {
            Some(p) => (p, true),
            None => (pattern, false),
        };
        let parts: Vec<&str> = pattern.split('*').collect();
        let Some(rest) = path.strip_prefix(parts[0]) else {
            return false;
        };
        let mut rest = rest;
        for part in &parts[1..] {
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
        !anchored || rest.is_empty() || parts.len() > 1 && parts.last() == Some(&"")
    }
    let mut best: Option<(usize, bool)> = None;
    for line in robots.lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let allow = match key.trim().to_ascii_lowercase().as_str() {
            "allow" => true,
            "disallow" => false,
            _ => continue,
        };
        let pattern = value.trim();
        if matches(pattern, path) {
            let len = pattern.len();
            if best.is_none_or(|(l, a)| len > l || (len == l && allow && !a)) {
                best = Some((len, allow));
            }
        }
    }
    best.is_none_or(|(_, allow)| allow)
}
