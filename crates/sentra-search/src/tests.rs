use super::*;

fn doc(id: &str, name: &str, category: &str, price: u64) -> ProductDoc {
    ProductDoc {
        id: id.into(),
        slug: format!("{id}-slug"),
        name: name.into(),
        description: format!("{name}, produk UMKM Kota Tangerang Selatan."),
        umkm_name: "UD Sumber Rejeki".into(),
        category: category.into(),
        district: "36.74.03".into(),
        sector: "kuliner".into(),
        certs: vec!["pirt".into()],
        price: Some(price),
        price_band: Some(if price < 25_000 { "lt25k" } else { "25k_100k" }.into()),
        unit: "pcs".into(),
        quality: 50,
        ekatalog: false,
        in_stock: true,
        verified: true,
        updated: 1_700_000_000,
        photo: None,
    }
}

fn index() -> SearchIndex {
    let Ok(ix) = SearchIndex::open(None) else {
        panic!("index");
    };
    let mut tenun = doc("p3", "Kain Tenun Ikat Sumba", "kerajinan.tenun", 750_000);
    tenun.certs.clear();
    tenun.district = "36.74.05".into();
    tenun.sector = "kriya".into();
    tenun.ekatalog = true;
    let docs = [
        doc("p1", "Keripik Singkong Pedas", "makanan.keripik", 15_000),
        doc("p2", "Keripik Tempe Original", "makanan.keripik", 12_000),
        tenun,
        doc("p4", "Kopi Bubuk Robusta", "minuman.kopi", 45_000),
        doc(
            "p5",
            "Pelatihan Kerajinan Anyaman (paket)",
            "kerajinan.anyaman",
            30_000,
        ),
    ];
    let ok = ix.apply(&docs, &[]).and_then(|_| ix.commit(7));
    assert!(ok.is_ok(), "{ok:?}");
    ix
}

fn ids(ix: &SearchIndex, text: &str) -> Vec<String> {
    let q = SearchQuery {
        text: text.into(),
        limit: 10,
        ..SearchQuery::default()
    };
    match ix.search(&q, &Synonyms::defaults()) {
        Ok(r) => r.hits.into_iter().map(|h| h.id).collect(),
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn a_newcomer_finds_the_chips_however_they_type() {
    let ix = index();
    for typed in [
        "keripik singkong pedas",
        "kripik singkong",
        "kerpik",
        "pedas singkong",
        "Keripik singk",
    ] {
        let found = ids(&ix, typed);
        assert_eq!(
            found.first().map(String::as_str),
            Some("p1"),
            "{typed}: {found:?}"
        );
    }
    // `kerpik` (a typo) finds both kinds of keripik, `kerajinan` is not `rajin`.
    assert_eq!(ids(&ix, "kerpik").len(), 2);
    assert_eq!(ids(&ix, "kerajinan"), ["p5"]);
    assert_eq!(ids(&ix, "latih"), ["p5"]);
}

#[test]
fn synonyms_and_numbers() {
    let ix = index();
    // `songket` is a synonym of `tenun`.
    assert_eq!(ids(&ix, "songket sumba"), ["p3"]);
    assert_eq!(ids(&ix, "coffee "), ["p4"]);
    // A code is exact: no typo tolerance for digits.
    assert!(ids(&ix, "36743 ").is_empty());
}

#[test]
fn facets_count_and_filter() {
    let ix = index();
    let all = SearchQuery {
        limit: 10,
        ..SearchQuery::default()
    };
    let Ok(r) = ix.search(&all, &Synonyms::defaults()) else {
        panic!("search");
    };
    assert_eq!(r.total, 5);
    let top: Vec<(&str, u64)> = r
        .facets
        .category
        .iter()
        .map(|(c, n)| (c.as_str(), *n))
        .collect();
    assert_eq!(top, [("kerajinan", 2), ("makanan", 2), ("minuman", 1)]);
    let keripik = SearchQuery {
        category: Some("makanan".into()),
        sort: Sort::PriceAsc,
        limit: 10,
        ..SearchQuery::default()
    };
    let Ok(r) = ix.search(&keripik, &Synonyms::defaults()) else {
        panic!("search");
    };
    assert_eq!(
        r.hits.iter().map(|h| h.id.as_str()).collect::<Vec<_>>(),
        ["p2", "p1"]
    );
    assert_eq!(r.facets.category, vec![("makanan.keripik".to_string(), 2)]);
    let listed = SearchQuery {
        ekatalog_only: true,
        limit: 10,
        ..SearchQuery::default()
    };
    let Ok(r) = ix.search(&listed, &Synonyms::defaults()) else {
        panic!("search");
    };
    assert_eq!(r.hits.len(), 1);
    assert!(r.hits[0].ekatalog);
    assert_eq!(r.facets.district, vec![("36.74.05".to_string(), 1)]);
}

#[test]
fn changes_replace_and_remove_and_the_sequence_is_kept() {
    let ix = index();
    assert_eq!(ix.applied_seq().ok(), Some(7));
    let renamed = doc("p1", "Keripik Pisang Manis", "makanan.keripik", 15_000);
    assert!(ix.apply(&[renamed], &["p4".into()]).is_ok());
    assert!(ix.commit(9).is_ok());
    assert_eq!(ix.applied_seq().ok(), Some(9));
    assert_eq!(ix.len(), 4);
    assert_eq!(ids(&ix, "pisang"), ["p1"]);
    assert!(ids(&ix, "robusta").is_empty());
}

#[test]
fn inflected_and_misspelt_forms_find_their_product() {
    let Ok(ix) = SearchIndex::open(None) else {
        panic!("index");
    };
    let docs = [
        doc("a", "Tas Anyaman Pandan", "kerajinan.anyaman", 85_000),
        doc(
            "b",
            "Kemeja Batik Lengan Panjang",
            "fesyen.pakaian",
            150_000,
        ),
        doc("c", "Keranjang Rotan Besar", "kerajinan.anyaman", 120_000),
        doc("d", "Sarung Tenun Motif Kuda", "kerajinan.tenun", 400_000),
        doc("e", "Kerudung Segi Empat", "fesyen.pakaian", 60_000),
        doc("f", "Songket Benang Sutra", "kerajinan.tenun", 900_000),
    ];
    let ok = ix.apply(&docs, &[]).and_then(|_| ix.commit(1));
    assert!(ok.is_ok(), "{ok:?}");
    // Suffixes and prefixes: the root finds the derived word and back.
    assert_eq!(ids(&ix, "menganyam "), ["a"]);
    // A particle on a protected word: `kemejanya` is `kemeja`, not `meja`.
    assert_eq!(ids(&ix, "kemejanya "), ["b"]);
    // `keranjang` (basket) is not `ranjang` (bed), with or without -nya.
    assert_eq!(ids(&ix, "keranjangnya "), ["c"]);
    // meN- before t: `menenun` is `tenun`; the word typed ranks above its synonym `songket`.
    assert_eq!(ids(&ix, "menenun ").first().map(String::as_str), Some("d"));
    assert_eq!(ids(&ix, "tenun "), ["d", "f"]);
    // A typo is measured on the word as written (`kerduung` would stem to `rduung`).
    assert_eq!(ids(&ix, "kerduung "), ["e"]);
}

#[test]
fn orders_pages_and_counts_across_segments_and_deletions() {
    let ix = index();
    // A second segment: a newer, dearer product with two certificates, a three-level category,
    // and a replaced product whose old version must no longer count.
    let mut kopi = doc("p6", "Kopi Luwak Bubuk", "minuman.kopi.luwak", 250_000);
    kopi.certs = vec!["halal".into(), "pirt".into()];
    kopi.updated = 1_800_000_000;
    let mut tempe = doc("p2", "Keripik Tempe Original", "makanan.keripik", 12_000);
    tempe.certs.clear();
    let ok = ix.apply(&[kopi, tempe], &[]).and_then(|_| ix.commit(8));
    assert!(ok.is_ok(), "{ok:?}");
    let search = |q: SearchQuery| match ix.search(&q, &Synonyms::defaults()) {
        Ok(r) => r,
        Err(e) => panic!("{e}"),
    };
    let ids = |r: &SearchResults| r.hits.iter().map(|h| h.id.clone()).collect::<Vec<_>>();
    let by = |sort: Sort, offset: usize, limit: usize| SearchQuery {
        sort,
        offset,
        limit,
        ..SearchQuery::default()
    };
    let all = search(by(Sort::PriceDesc, 0, 10));
    assert_eq!(all.total, 6);
    assert_eq!(ids(&all), ["p3", "p6", "p4", "p5", "p1", "p2"]);
    assert_eq!(ids(&search(by(Sort::PriceDesc, 2, 2))), ["p4", "p5"]);
    assert_eq!(ids(&search(by(Sort::PriceAsc, 4, 10))), ["p6", "p3"]);
    assert_eq!(ids(&search(by(Sort::Newest, 0, 1))), ["p6"]);
    // p2's old version (a P-IRT) is deleted; p6 brings halal and a second P-IRT.
    assert_eq!(
        all.facets.cert,
        [("pirt".to_string(), 4), ("halal".to_string(), 1)]
    );
    assert_eq!(
        all.facets.category,
        [
            ("kerajinan".to_string(), 2),
            ("makanan".to_string(), 2),
            ("minuman".to_string(), 2)
        ]
    );
    let drinks = search(SearchQuery {
        category: Some("minuman".into()),
        limit: 10,
        ..SearchQuery::default()
    });
    assert_eq!(drinks.facets.category, [("minuman.kopi".to_string(), 2)]);
    let coffee = search(SearchQuery {
        category: Some("minuman.kopi".into()),
        limit: 10,
        ..SearchQuery::default()
    });
    assert_eq!(coffee.total, 2);
    assert_eq!(
        coffee.facets.category,
        [("minuman.kopi.luwak".to_string(), 1)]
    );
    assert_eq!(coffee.facets.sector, [("kuliner".to_string(), 2)]);
    assert_eq!(coffee.facets.price_band, [("25k_100k".to_string(), 2)]);
}

#[test]
fn a_national_catalogue_packs_wide_rows_and_counts_them_right() {
    let Ok(ix) = SearchIndex::open(None) else {
        panic!("index");
    };
    // 5,000 kecamatan and 1,000 categories need 13 + 10 bits: with the rest, more than 32.
    let docs: Vec<ProductDoc> = (0..5000)
        .map(|i| {
            let mut d = doc(&format!("p{i}"), "Keripik Singkong", "x", 10_000 + i);
            d.category = format!("makanan.k{:04}", i % 1000);
            d.district = format!("d{i:05}");
            d.quality = i % 101;
            d
        })
        .collect();
    let ok = ix.apply(&docs, &[]).and_then(|_| ix.commit(1));
    assert!(ok.is_ok(), "{ok:?}");
    let search = |q: SearchQuery| match ix.search(&q, &Synonyms::defaults()) {
        Ok(r) => r,
        Err(e) => panic!("{e}"),
    };
    let all = search(SearchQuery {
        text: "keripik".into(),
        limit: 10,
        ..SearchQuery::default()
    });
    assert_eq!(all.total, 5000);
    assert_eq!(all.facets.district.len(), 5000);
    assert!(all.facets.district.iter().all(|(_, n)| *n == 1));
    assert_eq!(all.facets.category, [("makanan".to_string(), 5000)]);
    assert_eq!(all.facets.cert, [("pirt".to_string(), 5000)]);
    // Equal text scores: the best quality (100) first.
    assert_eq!(all.hits[0].id, "p100");
    let one = search(SearchQuery {
        text: "keripik".into(),
        district: Some("d04242".into()),
        category: Some("makanan".into()),
        limit: 10,
        ..SearchQuery::default()
    });
    assert_eq!(one.total, 1);
    assert_eq!(one.facets.district, [("d04242".to_string(), 1)]);
    assert_eq!(one.facets.category, [("makanan.k0242".to_string(), 1)]);
}

#[test]
fn near_spellings_only_for_unknown_words_and_completions_by_frequency() {
    let Ok(ix) = SearchIndex::open(None) else {
        panic!("index");
    };
    let docs = [
        doc("b1", "Kain Batik Tulis", "kerajinan.batik", 300_000),
        doc("b2", "Batok Kelapa Ukir", "kerajinan.ukir", 50_000),
        doc("k1", "Kerupuk Kulit", "makanan.kerupuk", 20_000),
        doc("k2", "Kerupuk Ikan", "makanan.kerupuk", 20_000),
        doc("k3", "Keramik Hias", "kerajinan.keramik", 80_000),
    ];
    let ok = ix.apply(&docs, &[]).and_then(|_| ix.commit(1));
    assert!(ok.is_ok(), "{ok:?}");
    // `batik` is a word of the catalogue: meant as typed, `batok` is not offered for it.
    assert_eq!(ids(&ix, "batik "), ["b1"]);
    // `batek` is nobody's word: its near spellings are.
    let mut near = ids(&ix, "batek ");
    near.sort();
    assert_eq!(near, ["b1", "b2"]);
    // Typing `ker`: the names' words it begins.
    let mut typed = ids(&ix, "ker");
    typed.sort();
    assert_eq!(typed, ["k1", "k2", "k3"]);
    // Finished (a space after it), `ker` is a word of its own, which nothing has.
    assert!(ids(&ix, "ker ").is_empty());
}

#[test]
fn kept_results_last_until_the_index_or_the_synonyms_change() {
    let Ok(ix) = SearchIndex::open(None).map(|ix| ix.keep_results(10)) else {
        panic!("index");
    };
    let ok = ix
        .apply(&[doc("b1", "Kain Batik Tulis", "kerajinan.batik", 1)], &[])
        .and_then(|_| ix.commit(1));
    assert!(ok.is_ok(), "{ok:?}");
    let q = SearchQuery {
        text: "wastra ".into(),
        limit: 10,
        ..SearchQuery::default()
    };
    let found = |synonyms: &Synonyms| match ix.search(&q, synonyms) {
        Ok(r) => r.hits.into_iter().map(|h| h.id).collect::<Vec<_>>(),
        Err(e) => panic!("{e}"),
    };
    let defaults = Synonyms::defaults();
    assert_eq!(found(&defaults), ["b1"]);
    assert_eq!(found(&defaults), ["b1"]);
    // Another product: the next search sees it.
    let ok = ix
        .apply(&[doc("b2", "Batik Cap Kawung", "kerajinan.batik", 2)], &[])
        .and_then(|_| ix.commit(2));
    assert!(ok.is_ok(), "{ok:?}");
    assert_eq!(found(&defaults).len(), 2);
    // Without the `batik`/`wastra` group, `wastra` finds nothing.
    assert!(found(&Synonyms::parse("kopi, coffee")).is_empty());
    assert_eq!(found(&defaults).len(), 2);
}
