use super::*;
use crate::phone::parse_phone;

fn input() -> ProductInput {
    ProductInput {
        name: "Keripik Singkong Pedas".into(),
        description: "Keripik singkong renyah dengan bumbu cabai asli, tanpa pengawet.".into(),
        category: "makanan.keripik".into(),
        price: "Rp 15.000".into(),
        unit: "pcs".into(),
        capacity_per_month: "2.000".into(),
        weight_grams: "250".into(),
        length_cm: "20".into(),
        width_cm: "12,5".into(),
        height_cm: "4".into(),
        packaging: "Standing pouch dengan zipper".into(),
        shelf_life_days: "180".into(),
        status: "published".into(),
        links: vec![(
            "shopee".into(),
            "https://shopee.co.id/keripik-bu-rina".into(),
        )],
        ..ProductInput::default()
    }
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
}

#[test]
fn a_product_as_typed_is_read() {
    let p = validate_product(&input(), &default_categories()).map_err(|e| format!("{e:?}"));
    let p = p.as_ref().map_err(String::as_str);
    let Ok(p) = p else {
        panic!("{p:?}");
    };
    assert_eq!(p.price, Some(15_000));
    assert_eq!(p.capacity_per_month, Some(2_000));
    assert_eq!(p.dimensions_mm, Some([200, 125, 40]));
    assert_eq!(p.min_order, 1);
    assert_eq!(p.unit, PriceUnit::Pcs);
    assert_eq!(p.links.len(), 1);
    // What the edit form shows reads back to the same product.
    assert_eq!(
        validate_product(&p.to_input(), &default_categories())
            .ok()
            .as_ref(),
        Some(p)
    );
}

#[test]
fn problems_are_named_by_field() {
    let mut i = input();
    i.name = " ".into();
    i.category = "makanan.tidak_ada".into();
    i.price = "15.000".into();
    i.price_max = "10.000".into();
    i.width_cm = String::new();
    i.shelf_life_days = String::new();
    i.links = vec![("instagram".into(), "https://instagram.com/x".into())];
    let Err(e) = validate_product(&i, &default_categories()) else {
        panic!("accepted");
    };
    let got: Vec<(String, &str)> = e.iter().map(|x| (x.field.clone(), x.code)).collect();
    for want in [
        ("name", "required"),
        ("category", "category_unknown"),
        ("price_max", "price_max_below_price"),
        ("width_cm", "dimensions_incomplete"),
        ("links.0", "choice_invalid"),
    ] {
        assert!(
            got.iter().any(|(f, c)| f == want.0 && *c == want.1),
            "{want:?} in {got:?}"
        );
    }
}

#[test]
fn published_food_needs_a_shelf_life_but_a_draft_does_not() {
    let mut i = input();
    i.shelf_life_days = String::new();
    let Err(e) = validate_product(&i, &default_categories()) else {
        panic!("accepted");
    };
    assert_eq!(
        e.for_field("shelf_life_days").next().map(|x| x.code),
        Some("required_for_food")
    );
    i.status = "draft".into();
    assert!(validate_product(&i, &default_categories()).is_ok());
}

#[test]
fn readiness_names_what_is_missing() {
    let Ok(mut p) = validate_product(&input(), &default_categories()) else {
        panic!("invalid");
    };
    let nib = LegalDocument {
        kind: LegalKind::Nib,
        number: "1234567890123".into(),
        issued_on: None,
        expires_on: None,
    };
    let pirt = LegalDocument {
        kind: LegalKind::Pirt,
        number: "2123374010123-30".into(),
        issued_on: None,
        expires_on: Some(day("2026-01-01")),
    };
    let docs = [nib, pirt];
    let facts = ReadinessFacts {
        business_docs: &docs,
        photos: 0,
        food: true,
        today: day("2026-11-23"),
    };
    p.packaging = None;
    let missing: Vec<&str> = readiness(&p, &facts)
        .into_iter()
        .filter(|i| !i.met)
        .map(|i| i.code)
        .collect();
    // The P-IRT expired in January; no halal certificate; no photo; no packaging.
    assert_eq!(missing, ["food_permit", "halal", "photo", "packaging"]);
}

#[test]
fn certificates_have_a_state() {
    let today = day("2026-11-23");
    assert_eq!(cert_status(None, today), CertStatus::Valid);
    assert_eq!(
        cert_status(Some(day("2027-01-10")), today),
        CertStatus::Expiring
    );
    assert_eq!(
        cert_status(Some(day("2026-11-22")), today),
        CertStatus::Expired
    );
    assert_eq!(
        cert_status(Some(day("2028-01-01")), today),
        CertStatus::Valid
    );
}

#[test]
fn slugs_links_and_bands() {
    assert_eq!(
        slugify("Keripik Singkong \"Pedas\"!"),
        "keripik-singkong-pedas"
    );
    assert_eq!(slugify("!!!"), "produk");
    let Ok(phone) = parse_phone("0812-1111-2222") else {
        panic!("phone");
    };
    assert_eq!(
        whatsapp_order_link(&phone, "Keripik & Kopi", "https://x.id/p/1"),
        "https://wa.me/6281211112222?text=Halo%2C%20saya%20ingin%20memesan%20Keripik%20%26%20Kopi.%20https%3A%2F%2Fx.id%2Fp%2F1"
    );
    assert_eq!(price_band(24_999), "lt25k");
    assert_eq!(price_band(25_000), "25k_100k");
    assert_eq!(price_band(2_000_000), "gte1m");
    assert_eq!(PriceUnit::parse("Dus"), Some(PriceUnit::Box));
}
