//! Naik kelas through the pages, on SQLite and PostgreSQL: yearly reports move a business
//! between size classes (recorded as events, rebuilt when a report is back-dated), milestones
//! are reached, bad reports change nothing, and the dashboard's figures lead to the businesses
//! behind them.

use crate::common;

use common::spawn_app;
use reqwest::Method;
use sqlx::Connection;

#[tokio::test]
async fn reports_record_class_changes_and_milestones_that_the_dashboard_counts() {
    let app = spawn_app().await;
    // Bu Sri registered with Rp1,5 juta of modal: mikro. Her NIB was issued in 2021.
    let (status, sri) = app
        .send_json(Method::POST, "/api/v1/umkm", &common::valid_body())
        .await;
    assert_eq!(status, 201, "{sri}");
    let sri = sri["id"].as_str().unwrap().to_string();
    // Verified: the naik-kelas figures count verified businesses (docs/counting-rules.md).
    let (status, body) = app
        .send_json(
            Method::POST,
            &format!("/api/v1/umkm/{sri}/status"),
            &serde_json::json!({"status": "verified"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    // Registered in January 2023: the reports below come after it.
    let registered = chrono::NaiveDate::from_ymd_opt(2023, 1, 2)
        .unwrap()
        .and_hms_opt(9, 0, 0)
        .unwrap();
    app.db
        .demo_set_registered(&[(sri.clone(), registered, registered)])
        .await
        .unwrap();
    let report = |fields: Vec<(&str, &str)>| {
        let mut form = vec![("_csrf", app.csrf.as_str())];
        form.extend(fields);
        let req = app
            .client
            .post(app.url(&format!("/umkm/{sri}/naik-kelas")))
            .form(&form);
        async move { req.send().await.unwrap() }
    };

    // Bad input: each field named, nothing saved.
    let res = report(vec![
        ("year", "2999"),
        ("quarter", "5"),
        ("sales", "banyak"),
        ("employees", "-2"),
    ])
    .await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    for label in ["Tahun", "Triwulan", "Omzet pada periode", "Tenaga kerja"] {
        assert!(body.contains(label), "{label} named in {body}");
    }
    let res = report(vec![("year", "2025")]).await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Isi setidaknya satu angka")
    );
    assert!(app.db.growth_reports(&sri).await.unwrap().is_empty());

    // 2024: still mikro. 2025: Rp1,2 miliar of modal makes her kecil; she sold online and
    // took on two more people.
    let res = report(vec![
        ("year", "2024"),
        ("modal", "Rp 800.000.000"),
        ("sales", "1,1 M"),
        ("employees", "3"),
    ])
    .await;
    assert_eq!(res.status(), 303);
    let res = report(vec![
        ("year", "2025"),
        ("modal", "1,2 miliar"),
        ("employees", "5"),
        ("online", "1"),
    ])
    .await;
    assert_eq!(res.status(), 303);
    let html = app.page(&format!("/umkm/{sri}")).await;
    assert!(html.contains("id=\"growth-reports\""), "{html}");
    assert!(
        html.contains("2025: Mikro → Kecil (modal usaha) · naik kelas"),
        "{html}"
    );
    for m in [
        "2021: Mendapat NIB (formal)",
        "2025: Pertama jual online",
        "2025: Menambah tenaga kerja",
        "2025: Naik kelas usaha",
    ] {
        assert!(html.contains(m), "{m} in {html}");
    }
    // The registry record carries the latest figures; the change is in the audit trail.
    let (_, record) = app.get_json(&format!("/api/v1/umkm/{sri}")).await;
    assert_eq!(record["size_class"], "kecil", "{record}");
    assert_eq!(record["modal"], 1_200_000_000_i64, "{record}");
    let trail = app.db.audit_for("umkm", &sri).await.unwrap();
    assert_eq!(
        trail.iter().filter(|e| e.action == "growth_report").count(),
        2
    );

    // The dashboard of 2025 counts her, and each figure opens the list with her in it.
    let dash = app.page("/dasbor?tahun=2025").await;
    for (param, label) in [
        ("class_up:2025", "Naik kelas usaha"),
        ("first_online:2025", "Pertama jual online"),
        ("reported:2025", "Melapor"),
    ] {
        let href = format!(
            "/umkm?regency=36.74&naik_kelas={}&status=verified",
            param.replace(':', "%3A")
        );
        assert!(
            dash.contains(&format!(
                "{label}</th><td data-label=\"UMKM\"><a href=\"{href}\">1</a></td><td data-label=\"%\">100,0%</td>"
            )),
            "{param} in {dash}"
        );
        let list = app.page(&href).await;
        assert!(list.contains(">1 UMKM<"), "{list}");
        assert!(list.contains("Keripik Tempe Bu Sri"));
    }
    // The year's progress report per kecamatan: her line, and the total, as the dashboard.
    let progress = app
        .page("/laporan?wilayah=36.74&jenis=kemajuan&tahun=2025")
        .await;
    assert!(
        progress.contains("Kemajuan UMKM per kecamatan, Kota Tangerang Selatan, tahun 2025"),
        "{progress}"
    );
    let line = progress
        .split("<tr>")
        .find(|l| l.contains("<th scope=\"row\">36.74.03</th>"))
        .expect("Pondok Aren's line");
    // Active, reached, % reached, reported, NIB issued, online, e-katalog, financing,
    // employees added, class up.
    let cells: Vec<&str> = line
        .split("class=\"num\">")
        .skip(1)
        .map(|c| &c[..c.find('<').unwrap()])
        .collect();
    assert_eq!(
        cells,
        ["1", "0", "0,0%", "1", "0", "1", "0", "0", "1", "1"],
        "{line}"
    );
    let res = app
        .get("/laporan?wilayah=36.74&jenis=kemajuan&tahun=dua")
        .await;
    assert_eq!(res.status(), 422);
    let res = app
        .get("/laporan/laporan.xlsx?wilayah=36.74&jenis=kemajuan&tahun=2025")
        .await;
    assert_eq!(res.status(), 200);

    // Year by year: her NIB in 2021, as far back as the chart goes from 2026 — counted while
    // her record is verified (docs/counting-rules.md: a draft is beside the totals).
    let dash = app.page("/dasbor?tahun=2026").await;
    let formalised = "href=\"/umkm?regency=36.74&naik_kelas=formalised%3A2021&status=verified\"";
    assert!(dash.contains(&format!("{formalised}>1</a>")), "{dash}");
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(app.test_db.direct())
        .await
        .unwrap();
    let set_status = |status: &'static str| {
        sqlx::query("UPDATE umkm SET status = $1 WHERE id = $2")
            .bind(status)
            .bind(sri.clone())
    };
    set_status("draft").execute(&mut conn).await.unwrap();
    let dash = app.page("/dasbor?tahun=2026").await;
    assert!(dash.contains(&format!("{formalised}>0</a>")), "{dash}");
    let dash25 = app.page("/dasbor?tahun=2025").await;
    let class_up = "href=\"/umkm?regency=36.74&naik_kelas=class_up%3A2025&status=verified\"";
    assert!(dash25.contains(&format!("{class_up}>0</a>")), "{dash25}");
    set_status("verified").execute(&mut conn).await.unwrap();
    let dash = app.page("/dasbor?tahun=2026").await;
    assert!(dash.contains(&format!("{formalised}>1</a>")), "{dash}");
    assert!(dash.contains("id=\"trend-table\""));

    // A back-dated 2023 report with Rp2 M of modal rewrites the history after it: up in 2023,
    // down in 2024, up again in 2025.
    let res = report(vec![("year", "2023"), ("modal", "2 M")]).await;
    assert_eq!(res.status(), 303);
    let events = app.db.size_events_of(&sri).await.unwrap();
    let years: Vec<(i32, bool)> = events.iter().map(|e| (e.period.year, e.is_up())).collect();
    assert_eq!(years, vec![(2023, true), (2024, false), (2025, true)]);
    let list = app.page("/umkm?naik_kelas=class_down:2024").await;
    assert!(list.contains(">1 UMKM<"), "{list}");
    // The same period again replaces its report rather than adding one.
    let res = report(vec![("year", "2023"), ("modal", "900 jt")]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(app.db.growth_reports(&sri).await.unwrap().len(), 3);
    assert_eq!(app.db.size_events_of(&sri).await.unwrap().len(), 1);
    // A filter that does not parse is named.
    let res = app.get("/umkm?naik_kelas=terbang:2025").await;
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("Naik kelas"));
}

/// An owner's report on a verified business is kept as she reported it, but the record's
/// modal, sales and class — which procurement takes a supplier's type from — change only when
/// an operator approves them; a report for a year before the business was registered is
/// history, not a movement from the class the registry gave it.
#[tokio::test]
async fn an_owners_figures_wait_for_approval_and_an_old_report_is_no_movement() {
    let app = spawn_app().await;
    // Registered today as kecil: Rp1,2 miliar of modal.
    let mut body = common::valid_body();
    body["modal"] = serde_json::json!(1_200_000_000_i64);
    let (status, created) = app.send_json(Method::POST, "/api/v1/umkm", &body).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_string();
    let (status, _) = app
        .send_json(
            Method::POST,
            &format!("/api/v1/umkm/{id}/status"),
            &serde_json::json!({"status": "verified"}),
        )
        .await;
    assert_eq!(status, 200);
    let (_, record) = app.get_json(&format!("/api/v1/umkm/{id}")).await;
    assert_eq!(record["size_class"], "kecil", "{record}");
    // The operator hands the business to its owner, who signs in.
    let (ops, _, op_csrf) = app.as_user("operator", "36.74.03").await;
    let (_, _, html) = common::post_form(
        &app,
        &ops,
        &op_csrf,
        &format!("/umkm/{id}/owner"),
        &[("phone", "")],
    )
    .await;
    let (owner, csrf) = common::owner_from_hand_over(&app, &html, "+6281234567890").await;
    let year = chrono::Datelike::year(&chrono::Utc::now()) - 1;
    let last_year = year.to_string();

    // Last year's figures, reported after the registration today: Rp300 juta of modal is
    // mikro, but that was before the registry's "kecil" — history, not a drop.
    let (status, location, _) = common::post_form(
        &app,
        &ops,
        &op_csrf,
        &format!("/umkm/{id}/naik-kelas"),
        &[("year", &last_year), ("modal", "300 jt")],
    )
    .await;
    assert_eq!(status, 303);
    assert!(location.contains("done=reported"), "{location}");
    assert_eq!(app.db.growth_reports(&id).await.unwrap().len(), 1);
    assert!(app.db.size_events_of(&id).await.unwrap().is_empty());
    let (_, record) = app.get_json(&format!("/api/v1/umkm/{id}")).await;
    assert_eq!(record["size_class"], "kecil", "{record}");
    assert_eq!(record["modal"], 1_200_000_000_i64, "{record}");
    let list = app
        .page(&format!("/umkm?naik_kelas=class_down:{last_year}"))
        .await;
    assert!(list.contains(">0 UMKM<"), "{list}");

    // Say it was registered at the start of the year before: last year's report is news.
    let registered = chrono::NaiveDate::from_ymd_opt(year - 1, 1, 2)
        .unwrap()
        .and_hms_opt(9, 0, 0)
        .unwrap();
    app.db
        .demo_set_registered(&[(id.clone(), registered, registered)])
        .await
        .unwrap();
    // The owner reports last year again: Rp6 miliar of modal would make her menengah.
    let (status, location, _) = common::post_form(
        &app,
        &owner,
        &csrf,
        &format!("/umkm/{id}/naik-kelas"),
        &[("year", &last_year), ("modal", "6 M"), ("sales", "9 M")],
    )
    .await;
    assert_eq!(status, 303);
    // The report is kept as reported (it replaces the period's) …
    let reports = app.db.growth_reports(&id).await.unwrap();
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].modal, Some(6_000_000_000));
    let (_, record) = app.get_json(&format!("/api/v1/umkm/{id}")).await;
    assert_eq!(record["size_class"], "kecil", "{record}");
    assert_eq!(record["modal"], 1_200_000_000_i64, "{record}");
    // The owner is told that an officer decides; the officer sees the change to decide.
    assert!(location.contains("done=proposed"), "{location}");
    let page = common::page_as(&owner, &app, &location).await;
    assert!(page.contains("menunggu persetujuan petugas"), "{page}");
    let html = common::page_as(&ops, &app, &format!("/umkm/{id}")).await;
    assert!(
        html.contains(
            "Modal usaha (di luar tanah dan bangunan): Rp1.200.000.000 → Rp6.000.000.000; \
             Skala usaha: Kecil → Menengah"
        ),
        "the operator sees the proposed figures: {html}"
    );
    let request = html
        .split("name=\"request\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let (status, _, _) = common::post_form(
        &app,
        &ops,
        &op_csrf,
        &format!("/umkm/{id}/changes"),
        &[("request", &request), ("decision", "approve")],
    )
    .await;
    assert_eq!(status, 303);
    let (_, record) = app.get_json(&format!("/api/v1/umkm/{id}")).await;
    assert_eq!(record["modal"], 6_000_000_000_i64, "{record}");
    assert_eq!(record["size_class"], "menengah", "{record}");
    let actions: Vec<String> = app
        .db
        .audit_for("umkm", &id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    for a in ["growth_report", "request_change", "approve_change"] {
        assert!(actions.contains(&a.to_string()), "{a} in {actions:?}");
    }

    // An operator's report still updates the record at once.
    let (status, location, _) = common::post_form(
        &app,
        &ops,
        &op_csrf,
        &format!("/umkm/{id}/naik-kelas"),
        &[("year", &last_year), ("modal", "2 M")],
    )
    .await;
    assert_eq!(status, 303, "{location}");
    assert!(location.contains("done=reported"), "{location}");
    let (_, record) = app.get_json(&format!("/api/v1/umkm/{id}")).await;
    assert_eq!(record["modal"], 2_000_000_000_i64, "{record}");
    assert_eq!(record["size_class"], "kecil", "{record}");
}
