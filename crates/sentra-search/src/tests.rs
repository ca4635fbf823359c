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
