use super::*;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[test]
fn exactly_forty_percent_meets_the_minimum() {
    let mut s = Share::default();
    s.add(40, SupplierType::Micro);
    s.add(60, SupplierType::Large);
    assert!(s.spending_on_pace());
    assert_eq!(s.meets_minimum(), None, "no budget: not judged");
    s.budget = Some(100);
    assert_eq!(s.meets_minimum(), Some(true), "exactly 40% of the budget");
    s.budget = Some(101);
    assert_eq!(s.meets_minimum(), Some(false));
    assert_eq!(s.of_budget_bp(), Some(3960));
    assert_eq!(s.of_spending_bp(), Some(4000));
    let mut below = Share::default();
    below.add(39_999_999, SupplierType::Cooperative);
    below.add(60_000_001, SupplierType::Medium);
    assert!(!below.spending_on_pace());
    assert_eq!(
        below.of_spending_bp(),
        Some(3999),
        "rounded down, never shown as 40%"
    );
    assert!(
        !Share::default().spending_on_pace(),
        "no spending is not a met share"
    );
    assert_eq!(Share::default().of_spending_bp(), None);
}

#[test]
fn packages_up_to_fifteen_miliar_are_reserved() {
    assert!(reserved_package_breached(
        RESERVED_PACKAGE_MAX,
        SupplierType::Large
    ));
    assert!(reserved_package_breached(
        12_000_000_000,
        SupplierType::Medium
    ));
    assert!(!reserved_package_breached(
        RESERVED_PACKAGE_MAX + 1,
        SupplierType::Large
    ));
    for ok in [
        SupplierType::Micro,
        SupplierType::Small,
        SupplierType::Cooperative,
    ] {
        assert!(!reserved_package_breached(RESERVED_PACKAGE_MAX, ok));
    }
}

#[test]
fn a_purchase_is_read_as_typed_and_its_life_in_order() {
    let today = day(2026, 11, 24);
    let p = validate_purchase(
        &PurchaseInput {
            package: " PKG-2026-001 ",
            value: "Rp 12.500.000",
            ordered_on: "02/03/2026",
            due_on: "2026-03-10",
            method: "e_purchasing",
            supplier_type: "besar",
            delivered_on: "13 Maret 2026",
            accepted_on: "2026-03-14",
            paid_on: "2026-04-20",
        },
        2026,
        Some(SupplierType::Micro),
        today,
    )
    .unwrap();
    assert_eq!(p.package, "PKG-2026-001");
    assert_eq!(p.value, 12_500_000);
    assert_eq!(p.supplier_type, SupplierType::Micro, "the registry wins");
    assert_eq!(p.days_late(), Some(3));
    assert_eq!(p.days_to_pay(), Some(37));
    assert!(!p.reserved_package_breached());
}

#[test]
fn bad_purchases_name_every_field() {
    let today = day(2026, 11, 24);
    let e = validate_purchase(
        &PurchaseInput {
            package: "",
            value: "nol",
            ordered_on: "2025-12-31",
            due_on: "2025-12-01",
            method: "lelang",
            supplier_type: "raksasa",
            delivered_on: "",
            accepted_on: "2026-01-05",
            paid_on: "2026-01-04",
        },
        2026,
        None,
        today,
    )
    .unwrap_err();
    for (field, code) in [
        ("package", "required"),
        ("value", "rupiah_invalid"),
        ("ordered_on", "outside_fiscal_year"),
        ("due_on", "date_before_previous_step"),
        ("method", "choice_invalid"),
        ("supplier_type", "choice_invalid"),
        ("delivered_on", "required"),
        ("paid_on", "date_before_previous_step"),
    ] {
        assert!(
            e.for_field(field).next().is_some(),
            "{field} ({code}) named: {e:?}"
        );
    }
    let future = validate_purchase(
        &PurchaseInput {
            package: "P1",
            value: "1 jt",
            ordered_on: "2026-12-01",
            method: "lainnya",
            supplier_type: "koperasi",
            ..PurchaseInput::default()
        },
        2026,
        None,
        today,
    )
    .unwrap_err();
    assert!(
        future
            .for_field("ordered_on")
            .any(|x| x.code == "date_in_future")
    );
}

#[test]
fn the_budget_share_and_projection() {
    let mut s = Share {
        budget: Some(1_000_000_000),
        ..Share::default()
    };
    s.add(100_000_000, SupplierType::Small);
    s.add(150_000_000, SupplierType::Large);
    assert_eq!(s.of_budget_bp(), Some(1000));
    assert_eq!(s.budget_gap(), Some(300_000_000));
    // A quarter of the year gone (1 January – 1 April 2026 is 91 of 365 days).
    let (projected, bp) = project_year_end(&s, 2026, day(2026, 4, 1)).unwrap();
    assert_eq!(projected, 100_000_000 * 365 / 91);
    assert_eq!(i128::from(bp), projected * 10_000 / 1_000_000_000);
    assert_eq!(project_year_end(&s, 2027, day(2026, 4, 1)), None);
    assert!(over_budget(1_000, 900, 101));
    assert!(!over_budget(1_000, 900, 100));
}

#[test]
fn a_share_past_i64_stays_exact_and_positive() {
    // A million purchases of Rp10 triliun (money::MAX_RUPIAH) each, half from small
    // suppliers: 10^19, past i64::MAX.
    let mut s = Share {
        budget: Some(crate::money::MAX_RUPIAH),
        ..Share::default()
    };
    for i in 0..1_000_000 {
        let supplier = if i % 2 == 0 {
            SupplierType::Small
        } else {
            SupplierType::Large
        };
        s.add(crate::money::MAX_RUPIAH, supplier);
    }
    assert_eq!(s.total, 10_000_000_000_000_000_000);
    assert_eq!(s.of_spending_bp(), Some(5000));
    assert!(s.spending_on_pace());
    assert_eq!(s.meets_minimum(), Some(true));
    assert_eq!(s.of_budget_bp(), Some(5_000_000_000));
    assert_eq!(s.budget_gap(), Some(0));
    assert!(over_budget(crate::money::MAX_RUPIAH, s.total, 1));
}

#[test]
fn demo_purchases_meet_the_share_in_some_units_and_flag_the_lamps() {
    let today = day(2026, 11, 24);
    let mut met = 0;
    for unit in 0..DEMO_UNITS.len() {
        let mut s = Share::default();
        for (p, _) in demo_purchases(unit, 2026, today) {
            assert!(p.ordered_on <= today && p.ordered_on.year() == 2026);
            s.add(p.value, p.supplier_type);
        }
        met += usize::from(s.spending_on_pace());
    }
    assert!(
        met > 0 && met < DEMO_UNITS.len(),
        "{met} of the units meet 40%"
    );
    let works = demo_purchases(3, 2026, today);
    assert!(
        works
            .iter()
            .any(|(p, _)| p.value == 12_000_000_000 && p.reserved_package_breached())
    );
    assert!(demo_purchases(0, 2027, today).is_empty());
}

#[test]
fn a_budget_is_read_as_typed() {
    assert_eq!(
        validate_budget("2026", "Rp 2,5 M").unwrap(),
        (2026, 2_500_000_000)
    );
    let e = validate_budget("26", "-5").unwrap_err();
    assert!(e.for_field("year").next().is_some());
    assert!(e.for_field("amount").next().is_some());
}

#[test]
fn methods_and_supplier_types_are_read_as_offices_write_them() {
    assert_eq!(Method::parse("E-Purchasing"), Some(Method::EPurchasing));
    assert_eq!(
        Method::parse("katalog elektronik"),
        Some(Method::EPurchasing)
    );
    assert_eq!(Method::parse("PL"), Some(Method::Direct));
    assert_eq!(Method::parse("Bela Pengadaan"), Some(Method::Marketplace));
    assert_eq!(Method::parse("pengadaan_langsung"), Some(Method::Direct));
    assert_eq!(Method::parse("lelang cepat"), None);
    assert_eq!(
        SupplierType::parse("Usaha Kecil"),
        Some(SupplierType::Small)
    );
    assert_eq!(
        SupplierType::parse("KOPERASI"),
        Some(SupplierType::Cooperative)
    );
    assert_eq!(SupplierType::parse("besar"), Some(SupplierType::Large));
    assert_eq!(SupplierType::parse("Non-UMKM"), Some(SupplierType::Large));
    assert_eq!(
        SupplierType::parse("UMK"),
        None,
        "micro or small: not guessed"
    );
}

#[test]
fn units_are_checked_as_typed() {
    assert_eq!(
        validate_unit(" 1.02.01 ", "  Dinas   Kesehatan ").unwrap(),
        ("1.02.01".to_string(), "Dinas Kesehatan".to_string())
    );
    let e = validate_unit("1 02", "RS").unwrap_err();
    assert!(e.for_field("code").any(|x| x.code == "unit_code_invalid"));
    assert!(e.for_field("name").any(|x| x.code == "text_too_short"));
    let e = validate_unit("", "").unwrap_err();
    assert_eq!(e.0.len(), 2);
}

#[test]
fn a_delivery_record_counts_late_and_payment_days() {
    let base = Purchase {
        package: "P".into(),
        value: 10,
        ordered_on: day(2026, 3, 1),
        due_on: Some(day(2026, 3, 10)),
        method: Method::EPurchasing,
        supplier_type: SupplierType::Micro,
        delivered_on: Some(day(2026, 3, 10)),
        accepted_on: Some(day(2026, 3, 11)),
        paid_on: Some(day(2026, 3, 21)),
    };
    let mut r = DeliveryRecord::default();
    r.add(&base);
    r.add(&Purchase {
        delivered_on: Some(day(2026, 3, 14)),
        accepted_on: Some(day(2026, 3, 15)),
        paid_on: None,
        ..base.clone()
    });
    r.add(&Purchase {
        due_on: None,
        delivered_on: None,
        accepted_on: None,
        paid_on: None,
        ..base.clone()
    });
    assert_eq!((r.packages, r.value, r.judged, r.on_time), (3, 30, 2, 1));
    assert_eq!(r.average_days_late(), Some(4));
    assert_eq!(r.average_days_to_pay(), Some(10));
    assert_eq!(r.awaiting_payment, 1);
    assert_eq!(
        days_awaiting_payment(
            &Purchase {
                paid_on: None,
                ..base.clone()
            },
            day(2026, 4, 10)
        ),
        Some(30)
    );
    assert_eq!(days_awaiting_payment(&base, day(2026, 4, 10)), None);
    assert_eq!(DeliveryRecord::default().average_days_late(), None);
}

#[test]
fn the_year_adds_up_month_by_month() {
    let mut months = [(0, 0); 12];
    months[0] = (100, 50);
    months[2] = (100, 0);
    let c = cumulative_by_month(&months);
    assert_eq!((c[0].total, c[0].small), (100, 50));
    assert_eq!((c[1].total, c[1].small), (100, 50));
    assert_eq!((c[2].total, c[2].small), (200, 50));
    assert_eq!(c[11], c[2]);
    assert!(c[0].spending_on_pace() && !c[2].spending_on_pace());
}

/// Pasal 65 ayat (3) allocates the budget: 54,6% of spending is not 40% of a budget when only
/// 4,9% of the budget went to small suppliers.
#[test]
fn the_minimum_is_judged_against_the_budget_not_the_spending() {
    let mut s = Share::default();
    s.add(49_000_000, SupplierType::Small);
    s.add(40_700_000, SupplierType::Large);
    s.budget = Some(1_000_000_000);
    assert_eq!(s.of_spending_bp(), Some(5462));
    assert!(s.spending_on_pace());
    assert_eq!(s.of_budget_bp(), Some(490));
    assert_eq!(s.meets_minimum(), Some(false));
}

#[test]
fn a_direct_purchase_above_its_ceiling_is_refused() {
    let input = |value: &'static str, method: &'static str| PurchaseInput {
        package: "Snack rapat",
        value,
        ordered_on: "2026-03-02",
        method,
        supplier_type: "mikro",
        ..PurchaseInput::default()
    };
    let today = day(2026, 6, 1);
    let check = |value, method| validate_purchase(&input(value, method), 2026, None, today);
    assert!(check("200.000.000", "pengadaan_langsung").is_ok());
    let e = check("200.000.001", "Pengadaan Langsung").unwrap_err();
    let codes: Vec<_> = e.for_field("value").map(|f| f.code).collect();
    assert_eq!(codes, ["direct_purchase_over_ceiling"]);
    assert!(check("250.000.000", "e_purchasing").is_ok());
}
