//! Procurement as stored, on SQLite and PostgreSQL: government units and budget revisions,
//! purchases with the rules of Perpres 12/2021 Pasal 65 at their boundaries (exactly 40%,
//! exactly Rp15 M), duplicates refused with nothing saved, and shares equal to SQL.

use crate::common;

use chrono::NaiveDate;
use common::spawn_app;
use sentra_domain::procurement::{PurchaseInput, SupplierType, validate_purchase};
use sentra_domain::region::RegionCode;
use sentra_domain::scope::Scope;
use sentra_storage::{Actor, StorageError, Supplier};
use sqlx::{Connection, Row};

#[tokio::test]
async fn shares_of_units_follow_pasal_65_at_its_boundaries() {
    let app = spawn_app().await;
    app.seed(20, 8).await;
    let kota = RegionCode::parse("36.74").unwrap();
    let scope = Scope::region(kota.clone());
    let actor = Actor::system("test");
    let dinas = app
        .db
        .create_unit(&scope, &kota, "1.01", "Dinas Pendidikan", &actor)
        .await
        .unwrap();
    let rsud = app
        .db
        .create_unit(&scope, &kota, "1.02", "RSUD", &actor)
        .await
        .unwrap();
    // The same code twice in a region is refused; outside the scope, nothing is found.
    assert!(matches!(
        app.db
            .create_unit(&scope, &kota, "1.01", "Lain", &actor)
            .await,
        Err(StorageError::Invalid(_))
    ));
    let bandung = RegionCode::parse("32.73").unwrap();
    assert!(matches!(
        app.db.create_unit(&scope, &bandung, "9", "X", &actor).await,
        Err(StorageError::NotFound)
    ));
    // A budget and its revision: the latest counts.
    assert_eq!(
        app.db
            .set_budget(&scope, &dinas.id, 2026, 1_000_000_000, &actor)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        app.db
            .set_budget(&scope, &dinas.id, 2026, 1_200_000_000, &actor)
            .await
            .unwrap(),
        2
    );

    let umkm: String = sqlx::query("SELECT id FROM umkm ORDER BY id LIMIT 1")
        .fetch_one(
            &mut sqlx::AnyConnection::connect(app.test_db.direct())
                .await
                .unwrap(),
        )
        .await
        .unwrap()
        .try_get("id")
        .unwrap();
    let today = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
    let buy = |package: &'static str, value: &'static str, supplier: SupplierType| {
        validate_purchase(
            &PurchaseInput {
                package,
                value,
                ordered_on: "2026-03-02",
                method: "e_purchasing",
                ..PurchaseInput::default()
            },
            2026,
            Some(supplier),
            today,
        )
        .unwrap()
    };
    // Dinas: exactly 40% to a micro enterprise (Rp400 jt of Rp1 M).
    let registered = Supplier::Registered {
        umkm_id: umkm.clone(),
        product_id: None,
    };
    let other = Supplier::Other {
        name: "PT Besar".into(),
    };
    app.db
        .record_purchase(
            &scope,
            &dinas.id,
            &buy("D-1", "400 jt", SupplierType::Micro),
            &registered,
            None,
            &actor,
        )
        .await
        .unwrap();
    app.db
        .record_purchase(
            &scope,
            &dinas.id,
            &buy("D-2", "600 jt", SupplierType::Large),
            &other,
            None,
            &actor,
        )
        .await
        .unwrap();
    // RSUD: a Rp12 M package and an exactly Rp15 M one to large and medium suppliers (both
    // reserved, both flagged), a Rp15 M + Rp1 one to a large supplier (not reserved).
    for (p, v, t) in [
        ("R-1", "12 M", SupplierType::Large),
        ("R-2", "Rp 15.000.000.000", SupplierType::Medium),
        ("R-3", "Rp 15.000.000.001", SupplierType::Large),
        ("R-4", "1 M", SupplierType::Cooperative),
    ] {
        app.db
            .record_purchase(&scope, &rsud.id, &buy(p, v, t), &other, None, &actor)
            .await
            .unwrap();
    }
    // The same package again: refused, nothing saved.
    assert!(matches!(
        app.db
            .record_purchase(
                &scope,
                &rsud.id,
                &buy("R-1", "1 jt", SupplierType::Micro),
                &other,
                None,
                &actor
            )
            .await,
        Err(StorageError::Invalid(_))
    ));

    let shares = app
        .db
        .unit_shares(&scope, &kota, 2026, today)
        .await
        .unwrap();
    assert_eq!(shares.len(), 2);
    let d = &shares[0];
    assert_eq!(d.unit.code, "1.01");
    assert_eq!(
        (d.share.total, d.share.small, d.share.budget),
        (1_000_000_000, 400_000_000, Some(1_200_000_000))
    );
    assert!(
        d.share.spending_on_pace(),
        "exactly 40% of spending is on pace"
    );
    assert_eq!(
        d.share.meets_minimum(),
        Some(false),
        "but Rp400 jt of a Rp1,2 M budget is 33,3%: Pasal 65(3) is judged on the budget"
    );
    assert_eq!(
        d.reserved_breaches, 1,
        "its Rp600 jt package went to a large supplier"
    );
    let r = &shares[1];
    assert_eq!(
        r.reserved_breaches, 2,
        "Rp12 M and exactly Rp15 M to non-small suppliers"
    );
    assert!(!r.share.spending_on_pace());

    // Equal to a direct computation in SQL.
    let mut conn = sqlx::AnyConnection::connect(app.test_db.direct())
        .await
        .unwrap();
    for s in &shares {
        let row = sqlx::query(
            "SELECT CAST(SUM(value_rupiah) AS BIGINT) AS total, \
             CAST(SUM(CASE WHEN supplier_type IN ('mikro', 'kecil', 'koperasi') THEN value_rupiah ELSE 0 END) AS BIGINT) AS small \
             FROM purchases WHERE unit_id = $1 AND year = 2026",
        )
        .bind(&s.unit.id)
        .fetch_one(&mut conn)
        .await
        .unwrap();
        assert_eq!(
            s.share.total,
            i128::from(row.try_get::<i64, _>("total").unwrap())
        );
        assert_eq!(
            s.share.small,
            i128::from(row.try_get::<i64, _>("small").unwrap())
        );
    }
    // Month-to-date: before the purchases, nothing.
    let early = app
        .db
        .unit_shares(
            &scope,
            &kota,
            2026,
            NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
        )
        .await
        .unwrap();
    assert!(early.iter().all(|s| s.share.total == 0));
    // Every write is in the audit trail.
    assert_eq!(
        app.db
            .audit_for("purchase", &{
                sqlx::query("SELECT id FROM purchases WHERE package = 'D-1'")
                    .fetch_one(&mut conn)
                    .await
                    .unwrap()
                    .try_get::<String, _>("id")
                    .unwrap()
            })
            .await
            .unwrap()
            .len(),
        1
    );

    // The page: each unit against 40%, ranked, its budget gap and flagged packages.
    let html = app.page("/pengadaan?wilayah=36.74&tahun=2026").await;
    let dinas_at = html.find("1.01 Dinas Pendidikan").expect("Dinas listed");
    let rsud_at = html.find("1.02 RSUD").expect("RSUD listed");
    assert!(dinas_at < rsud_at, "ranked by share");
    let dinas_row = &html[dinas_at..html[dinas_at..].find("</tr>").unwrap() + dinas_at];
    // 40% of its spending, shown as progress; judged on the budget (Pasal 65 ayat 3): Rp400 jt
    // of Rp1,2 M is 33,3%, not met.
    assert!(dinas_row.contains(">40,0%</td>"), "{dinas_row}");
    assert!(
        dinas_row.contains("<span class=\"badge legal-missing\">33,3%</span>"),
        "{dinas_row}"
    );
    // 40% of the revised Rp1,2 M budget is Rp480 jt: Rp80 jt short.
    assert!(dinas_row.contains("Rp80.000.000"), "{dinas_row}");
    let rsud_row = &html[rsud_at..html[rsud_at..].find("</tr>").unwrap() + rsud_at];
    // No budget recorded: not judged either way.
    assert!(!rsud_row.contains("badge"), "{rsud_row}");
    assert!(
        rsud_row.ends_with("&tanda=1\">2</a></td>"),
        "the flagged packages link to the unit's list of them: {rsud_row}"
    );
    assert_eq!(app.get("/pengadaan?wilayah=32.73").await.status(), 404);
}
