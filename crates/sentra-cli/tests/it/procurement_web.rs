//! Procurement through the pages a procurement officer uses, on SQLite and PostgreSQL: units
//! and budget revisions, purchases from a registered UMKM (found by name, its type from the
//! registry) or another supplier, the over-budget warning, duplicates and bad input refused
//! with nothing saved, the order's life with a stale edit refused, the business's page, the
//! realisation report, the UMKM view (e-katalog products sold and never sold, payments owed),
//! the open data per unit, spreadsheets checked then saved (re-import a no-op), and a merge
//! that moves a business's purchases.

use crate::common;

use common::{TestApp, post_form, spawn_app};
use sentra_domain::region::RegionCode;
use sentra_domain::scope::Scope;
use sqlx::{Connection, Row};

async fn conn(app: &TestApp) -> sqlx::AnyConnection {
    sqlx::any::install_default_drivers();
    sqlx::AnyConnection::connect(app.test_db.direct())
        .await
        .unwrap()
}

async fn scalar(app: &TestApp, sql: &str) -> i64 {
    sqlx::query(sql)
        .fetch_one(&mut conn(app).await)
        .await
        .unwrap()
        .try_get::<i64, _>(0)
        .unwrap()
}

/// A registered business with an NIB and a known size class: its id, name, NIB and class.
async fn registered_with_nib(app: &TestApp) -> (String, String, String, String) {
    let r = sqlx::query(
        "SELECT u.id, u.name, d.number, u.size_class FROM umkm u \
         JOIN umkm_documents d ON d.umkm_id = u.id AND d.kind = 'nib' \
         WHERE u.size_class IN ('mikro', 'kecil') ORDER BY u.id LIMIT 1",
    )
    .fetch_one(&mut conn(app).await)
    .await
    .unwrap();
    (
        r.try_get("id").unwrap(),
        r.try_get("name").unwrap(),
        r.try_get("number").unwrap(),
        r.try_get("size_class").unwrap(),
    )
}

#[tokio::test]
async fn an_officer_keeps_units_budgets_and_purchases_through_the_pages() {
    let app = spawn_app().await;
    app.seed(30, 8).await;
    let (officer, _, csrf) = app.as_user("procurement", "36.74").await;
    let year = chrono::Datelike::year(&chrono::Utc::now());
    let jan = format!("{year}-01-05");

    // A unit: bad input is named and nothing is made; then it is added.
    let (status, _, body) = post_form(
        &app,
        &officer,
        &csrf,
        "/pengadaan/opd",
        &[("region", "36.74"), ("code", "1 02"), ("name", "RS")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(body.contains("Kode OPD: Kode OPD hanya boleh"), "{body}");
    assert!(
        body.contains("Nama OPD: Teks terlalu pendek") || body.contains("Nama OPD:"),
        "{body}"
    );
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM government_units").await,
        0
    );
    let (status, location, _) = post_form(
        &app,
        &officer,
        &csrf,
        "/pengadaan/opd",
        &[
            ("region", "36.74"),
            ("code", "1.02.01"),
            ("name", "Dinas  Kesehatan"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let unit = location
        .strip_prefix("/pengadaan/opd/")
        .and_then(|r| r.split('?').next())
        .unwrap()
        .to_string();
    let unit_page = common::page_as(&officer, &app, &location).await;
    assert!(unit_page.contains("1.02.01 Dinas Kesehatan"), "{unit_page}");
    // The same code again in the region: refused.
    let (status, _, body) = post_form(
        &app,
        &officer,
        &csrf,
        "/pengadaan/opd",
        &[
            ("region", "36.74"),
            ("code", "1.02.01"),
            ("name", "Dinas Lain"),
        ],
    )
    .await;
    assert_eq!(status, 422, "{body}");

    // The budget: a bad amount is named; two revisions, the latest counts.
    let budget_path = format!("/pengadaan/opd/{unit}/pagu");
    let year_text = year.to_string();
    let (status, _, body) = post_form(
        &app,
        &officer,
        &csrf,
        &budget_path,
        &[("year", &year_text), ("amount", "banyak")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(body.contains("Pagu belanja barang/jasa:"), "{body}");
    for amount in ["800 jt", "1 M"] {
        let (status, _, _) = post_form(
            &app,
            &officer,
            &csrf,
            &budget_path,
            &[("year", &year_text), ("amount", amount)],
        )
        .await;
        assert_eq!(status, 303);
    }
    let unit_page = common::page_as(
        &officer,
        &app,
        &format!("/pengadaan/opd/{unit}?tahun={year}"),
    )
    .await;
    assert!(unit_page.contains("Rp1.000.000.000"), "{unit_page}");
    assert!(
        unit_page.contains("Rp800.000.000"),
        "the earlier revision stays listed"
    );

    // The supplier found by name; its type comes from the registry.
    let (umkm, name, _, class) = registered_with_nib(&app).await;
    let word = name.split_whitespace().last().unwrap().to_string();
    let search = common::page_as(
        &officer,
        &app,
        &format!("/pengadaan/pembelian/baru?opd={unit}&cari={word}"),
    )
    .await;
    assert!(
        search.contains(&format!("umkm={umkm}&opd={unit}")),
        "a search result picks the business: {search}"
    );
    let chosen = common::page_as(
        &officer,
        &app,
        &format!("/pengadaan/pembelian/baru?opd={unit}&umkm={umkm}"),
    )
    .await;
    assert!(
        chosen.contains(&format!("<strong>{name}</strong>")),
        "{chosen}"
    );
    assert!(
        !chosen.contains("id=\"f-supplier_name\""),
        "no name to type"
    );

    let purchase = |package: &'static str, value: &'static str| {
        vec![
            ("unit", unit.clone()),
            ("umkm", umkm.clone()),
            ("package", package.to_string()),
            ("value", value.to_string()),
            ("method", "e_purchasing".to_string()),
            ("ordered_on", jan.clone()),
            ("due_on", format!("{year}-01-15")),
        ]
    };
    let send = |fields: Vec<(&'static str, String)>| {
        let (app, officer, csrf) = (&app, &officer, &csrf);
        async move {
            let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            post_form(app, officer, csrf, "/pengadaan/pembelian", &f).await
        }
    };
    // Bad input: every field named, nothing saved.
    let (status, _, body) = send(vec![
        ("unit", unit.clone()),
        ("year", year.to_string()),
        ("supplier_name", String::new()),
        ("package", String::new()),
        ("value", "nol".into()),
        ("method", "lelang".into()),
        ("ordered_on", format!("{}-12-31", year - 1)),
    ])
    .await;
    assert_eq!(status, 422);
    for label in [
        "Nama pemasok:",
        "Nomor paket:",
        "Nilai paket:",
        "Metode pengadaan:",
        "Tanggal pesanan: Di luar tahun anggaran",
    ] {
        assert!(body.contains(label), "{label}: {body}");
    }
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM purchases").await, 0);

    let (status, location, _) = send(purchase("PKT-1", "Rp 400.000.000")).await;
    assert_eq!(status, 303, "{location}");
    assert!(location.contains("done=purchase"));
    let stored_type: String =
        sqlx::query("SELECT supplier_type FROM purchases WHERE package = 'PKT-1'")
            .fetch_one(&mut conn(&app).await)
            .await
            .unwrap()
            .try_get(0)
            .unwrap();
    assert_eq!(
        stored_type, class,
        "the registry's size class decides the type"
    );

    // The same package again: refused, nothing saved.
    let (status, _, body) = send(purchase("PKT-1", "1 jt")).await;
    assert_eq!(status, 422);
    assert!(body.contains("Nomor paket ini sudah tercatat"), "{body}");

    // Over the budget (Rp400 jt spent of Rp1 M): a warning and nothing saved until confirmed.
    let (status, _, body) = send(purchase("PKT-2", "700 jt")).await;
    assert_eq!(status, 200);
    assert!(body.contains("id=\"over-budget\""), "{body}");
    assert!(body.contains("sisa Rp600.000.000"), "{body}");
    assert!(body.contains("value=\"700 jt\""), "what was typed stays");
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM purchases").await, 1);
    let mut confirmed = purchase("PKT-2", "700 jt");
    confirmed.push(("over_budget_ok", "1".into()));
    confirmed.push(("note", "Revisi pagu menyusul".into()));
    let (status, _, _) = send(confirmed).await;
    assert_eq!(status, 303);
    // Another supplier, typed and classified by the officer: a Rp12 M package to a large one.
    let (status, _, _) = send(vec![
        ("unit", unit.clone()),
        ("supplier_name", "PT Terang Kota".into()),
        ("supplier_type", "besar".into()),
        ("package", "PJU-1".into()),
        ("value", "12 M".into()),
        ("method", "lainnya".into()),
        ("ordered_on", jan.clone()),
        ("over_budget_ok", "1".into()),
    ])
    .await;
    assert_eq!(status, 303);

    // The flagged list holds only the reserved package awarded to a large supplier.
    let flagged = common::page_as(
        &officer,
        &app,
        &format!("/pengadaan/opd/{unit}?tahun={year}&tanda=1"),
    )
    .await;
    assert!(
        flagged.contains("PJU-1") && !flagged.contains("PKT-1"),
        "{flagged}"
    );

    // The order's life: delivered late, accepted, paid; a stale form is refused.
    let id: String = sqlx::query("SELECT id FROM purchases WHERE package = 'PKT-1'")
        .fetch_one(&mut conn(&app).await)
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
    let path = format!("/pengadaan/pembelian/{id}");
    let form = common::page_as(&officer, &app, &path).await;
    assert!(form.contains("name=\"version\" value=\"1\""), "{form}");
    let life = |version: &'static str, paid: &'static str| {
        vec![
            ("version", version.to_string()),
            ("umkm", umkm.clone()),
            ("package", "PKT-1".to_string()),
            ("value", "400000000".to_string()),
            ("method", "e_purchasing".to_string()),
            ("ordered_on", jan.clone()),
            ("due_on", format!("{year}-01-15")),
            ("delivered_on", format!("{year}-01-18")),
            ("accepted_on", format!("{year}-01-19")),
            ("paid_on", paid.to_string()),
        ]
    };
    let update = |fields: Vec<(&'static str, String)>| {
        let (app, officer, csrf, path) = (&app, &officer, &csrf, path.clone());
        async move {
            let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            post_form(app, officer, csrf, &path, &f).await
        }
    };
    let (status, _, body) = update(life("1", "")).await;
    assert_eq!(status, 303, "{body}");
    let (status, _, body) = update(life("1", "")).await;
    assert_eq!(status, 409, "a form read before the last change: {body}");
    let (status, _, body) = update(life("2", "2026-13-01")).await;
    assert_eq!(status, 422);
    assert!(body.contains("Tanggal bayar:"), "{body}");
    let shown = common::page_as(&officer, &app, &path).await;
    assert!(shown.contains("terlambat 3 hari"), "{shown}");
    assert!(shown.contains("purchase-history"), "{shown}");
    assert_eq!(
        app.db.audit_for("purchase", &id).await.unwrap().len(),
        2,
        "recorded, then changed once"
    );

    // The business's page: its government sales and delivery record.
    let umkm_page = app.page(&format!("/umkm/{umkm}")).await;
    let at = umkm_page.find("id=\"government-sales\"").expect("section");
    let section = &umkm_page[at..];
    assert!(
        section.contains("PKT-1") && section.contains("PKT-2"),
        "{section}"
    );
    assert!(section.contains("Rp1.100.000.000"), "the total: {section}");
    assert!(
        section.contains("0 dari 1 pengiriman tepat waktu"),
        "{section}"
    );
    assert!(section.contains("1 menunggu pembayaran"), "{section}");

    // The share page, month to date, with its trend; the report; the UMKM view.
    let share = common::page_as(&officer, &app, &format!("/pengadaan?tahun={year}&bulan=1")).await;
    assert!(share.contains("id=\"trend-table\""), "{share}");
    assert!(
        share.contains(&format!("/pengadaan/opd/{unit}?tahun={year}")),
        "{share}"
    );
    let res = officer
        .get(app.url(&format!("/pengadaan/realisasi.xlsx?tahun={year}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let bytes = res.bytes().await.unwrap().to_vec();
    crate::xlsx_numbers::dates_are_dates(&bytes, "Pembelian", "Tanggal pesanan");
    let book = sentra_sheets::read_table("r.xlsx", bytes).unwrap();
    let unit_line = book
        .rows
        .iter()
        .find(|r| r.cells.first().is_some_and(|c| c == "1.02.01"))
        .expect("the unit's line");
    // Spent: Rp400 jt + Rp700 jt + Rp12 M, as a number.
    assert!(
        unit_line
            .cells
            .iter()
            .any(|c| c.trim_start_matches('\u{1}') == "13100000000"),
        "{unit_line:?}"
    );
    let umkm_view = common::page_as(&officer, &app, &format!("/pengadaan/umkm?tahun={year}")).await;
    assert!(umkm_view.contains("id=\"unit-payments\""), "{umkm_view}");
    assert!(
        umkm_view.contains("PKT-2") || umkm_view.contains("PKT-1"),
        "{umkm_view}"
    );

    // Open data per unit: no supplier in it.
    let csv = app
        .get("/data/pengadaan-per-opd.csv")
        .await
        .text()
        .await
        .unwrap();
    let line = csv
        .lines()
        .find(|l| l.contains("1.02.01"))
        .expect("the unit");
    assert!(
        line.contains(",13100000000,") && line.contains(",1,"),
        "{line}"
    );
    assert!(!csv.contains("PT Terang Kota") && !csv.contains(&name));
    let (_, dcat) = app.get_json("/data.json").await;
    assert!(
        dcat.to_string().contains("/data/pengadaan-per-opd"),
        "{dcat}"
    );

    // A retired unit takes no new purchase.
    let (status, _, _) = post_form(
        &app,
        &officer,
        &csrf,
        &format!("/pengadaan/opd/{unit}"),
        &[("code", "1.02.01"), ("name", "Dinas Kesehatan")],
    )
    .await;
    assert_eq!(status, 303);
    let (status, _, body) = send(purchase("PKT-3", "1 jt")).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("sudah tidak aktif"), "{body}");
}

#[tokio::test]
async fn an_ekatalog_product_is_bought_from_its_page_and_the_never_sold_are_listed() {
    let app = spawn_app().await;
    app.seed(10, 3).await;
    let city = common::city();
    let actor = sentra_storage::Actor::system("test");
    let categories = app.db.product_categories().await.unwrap();
    let data =
        sentra_domain::product::validate_product(&common::chips("published"), &categories).unwrap();
    let owner = app.first_umkm().await;
    let sold = app
        .db
        .create_product(&city, &owner.id, &data, &actor)
        .await
        .unwrap();
    let unsold = app
        .db
        .create_product(&city, &owner.id, &data, &actor)
        .await
        .unwrap();
    app.db
        .demo_list_in_ekatalog(&[sold.id.clone(), unsold.id.clone()], &actor)
        .await
        .unwrap();
    let kota = RegionCode::parse("36.74").unwrap();
    let unit = app
        .db
        .create_unit(&city, &kota, "2.17.01", "Dinas Koperasi dan UMKM", &actor)
        .await
        .unwrap();
    // The product page links government buyers to the form, which starts with its business.
    let product_page = app
        .get(&format!("/p/{}", sold.slug))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        product_page.contains(&format!("/pengadaan/pembelian/baru?produk={}", sold.id)),
        "{product_page}"
    );
    let (officer, _, csrf) = app.as_user("procurement", "36.74").await;
    let form = common::page_as(
        &officer,
        &app,
        &format!(
            "/pengadaan/pembelian/baru?produk={}&opd={}",
            sold.id, unit.id
        ),
    )
    .await;
    assert!(
        form.contains(&format!("<option value=\"{}\" selected>", sold.id)),
        "{form}"
    );
    let year = chrono::Datelike::year(&chrono::Utc::now());
    let ordered = format!("{year}-01-10");
    let (status, location, body) = post_form(
        &app,
        &officer,
        &csrf,
        "/pengadaan/pembelian",
        &[
            ("unit", &unit.id),
            ("umkm", &owner.id),
            ("product", &sold.id),
            ("package", "EK-1"),
            ("value", "Rp 2.500.000"),
            ("method", "e_purchasing"),
            ("ordered_on", &ordered),
            ("supplier_type", "mikro"),
        ],
    )
    .await;
    assert_eq!(status, 303, "{body}");
    assert!(location.starts_with(&format!("/pengadaan/opd/{}", unit.id)));
    // A product of another business cannot be named with this one.
    let other = app
        .db
        .list_umkm(
            &city,
            &sentra_storage::UmkmFilter::default(),
            sentra_storage::UmkmSort::Name,
            sentra_storage::SortDirection::Desc,
            sentra_storage::PageRequest {
                page: 1,
                per_page: 1,
            },
        )
        .await
        .unwrap()
        .items
        .remove(0);
    assert_ne!(other.id, owner.id);
    let (status, _, body) = post_form(
        &app,
        &officer,
        &csrf,
        "/pengadaan/pembelian",
        &[
            ("unit", &unit.id),
            ("umkm", &other.id),
            ("product", &sold.id),
            ("package", "EK-2"),
            ("value", "1 jt"),
            ("method", "e_purchasing"),
            ("ordered_on", &ordered),
            ("supplier_type", "mikro"),
        ],
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("bukan milik pemasok"), "{body}");

    let view = common::page_as(&officer, &app, &format!("/pengadaan/umkm?tahun={year}")).await;
    let sold_at = view.find("id=\"products-sold\"").expect("sold list");
    let never_at = view.find("id=\"products-never\"").expect("never list");
    let sold_list = &view[sold_at..never_at];
    let never_list = &view[never_at..];
    assert!(
        sold_list.contains(&format!("/p/{}", sold.slug)),
        "{sold_list}"
    );
    assert!(sold_list.contains("Rp2.500.000"), "{sold_list}");
    assert!(
        never_list.contains(&format!("/p/{}", unsold.slug)),
        "{never_list}"
    );
    assert!(
        !never_list.contains(&format!("/p/{}\"", sold.slug)),
        "{never_list}"
    );
}

fn xlsx(headers: &[&str], rows: &[Vec<String>]) -> Vec<u8> {
    let headers: Vec<String> = headers.iter().map(|s| s.to_string()).collect();
    let rows: Vec<Vec<sentra_sheets::Cell>> = rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|c| sentra_sheets::Cell::text(c.clone()))
                .collect()
        })
        .collect();
    sentra_sheets::write_xlsx("Data", &sentra_sheets::Column::texts(&headers), &rows).unwrap()
}

async fn upload(
    app: &TestApp,
    client: &reqwest::Client,
    csrf: &str,
    name: &str,
    bytes: Vec<u8>,
) -> (u16, String) {
    let form = reqwest::multipart::Form::new()
        .text("_csrf", csrf.to_string())
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
        );
    let res = client
        .post(app.url("/pengadaan/impor"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (
        status,
        res.text()
            .await
            .unwrap()
            .replace("&#38;", "&")
            .replace("&#34;", "\"")
            .replace("&amp;", "&"),
    )
}

fn upload_id(body: &str) -> String {
    let at = body
        .find("action=\"/pengadaan/impor/")
        .expect("a save form")
        + 25;
    body[at..].split('"').next().unwrap().to_string()
}

fn count(body: &str, label: &str) -> usize {
    let key = format!("<dt>{label}</dt><dd>");
    let at = body.find(&key).unwrap_or_else(|| panic!("{label}: {body}")) + key.len();
    body[at..].split('<').next().unwrap().parse().unwrap()
}

#[tokio::test]
async fn procurement_spreadsheets_are_checked_then_saved_and_reimport_changes_nothing() {
    let app = spawn_app().await;
    app.seed(30, 8).await;
    let (officer, _, csrf) = app.as_user("procurement", "36.74").await;
    let year = chrono::Datelike::year(&chrono::Utc::now());

    // Budgets, as a UKPBJ keeps them: a title row, its own headers, a unit given twice.
    let budgets = format!(
        "REKAP PAGU BELANJA BARANG/JASA {year}\n\nKode SKPD;Nama SKPD;Tahun Anggaran;Pagu (Rp)\n\
         1.01.01;Dinas Pendidikan;{year};Rp 48.000.000.000\n\
         1.02.01;Dinas Kesehatan;{year};36 M\n\
         1.02.01;Dinas Kesehatan;{year};37 M\n\
         4.01.01;;{year};30 M\n"
    );
    let (status, body) = upload(
        &app,
        &officer,
        &csrf,
        "pagu.csv",
        budgets.clone().into_bytes(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(count(&body, "baru"), 2, "{body}");
    assert_eq!(count(&body, "tidak valid"), 2, "{body}");
    assert!(
        body.contains("baris 6, kolom C \"Tahun Anggaran\": Pagu OPD dan tahun yang sama"),
        "{body}"
    );
    assert!(
        body.contains("baris 7, kolom B \"Nama SKPD\": OPD dengan kode ini belum ada"),
        "{body}"
    );
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM government_units").await,
        0,
        "a check saves nothing"
    );
    // All or nothing: nothing.
    let id = upload_id(&body);
    let (status, _, body) = post_form(
        &app,
        &officer,
        &csrf,
        &format!("/pengadaan/impor/{id}"),
        &[("mode", "all_or_nothing")],
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM government_units").await,
        0
    );
    // The valid rows.
    let (status, _, body) = post_form(
        &app,
        &officer,
        &csrf,
        &format!("/pengadaan/impor/{id}"),
        &[("mode", "valid")],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Tersimpan."), "{body}");
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM government_units").await,
        2
    );
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM unit_budgets").await, 2);
    // Saved once only.
    let (status, _, _) = post_form(
        &app,
        &officer,
        &csrf,
        &format!("/pengadaan/impor/{id}"),
        &[("mode", "valid")],
    )
    .await;
    assert_eq!(status, 409);
    // The same file again changes nothing.
    let (_, body) = upload(&app, &officer, &csrf, "pagu.csv", budgets.into_bytes()).await;
    assert_eq!(
        (count(&body, "baru"), count(&body, "tidak berubah")),
        (0, 2),
        "{body}"
    );

    // Purchases as an xlsx: a registered supplier by NIB (its type from the registry), another
    // supplier, and rows wrong in every way the reader knows.
    let (umkm, _, nib, class) = registered_with_nib(&app).await;
    let d = |m: u32, day: u32| format!("{day:02}/{m:02}/{year}");
    let row = |cells: &[&str]| cells.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let headers = [
        "Kode OPD",
        "Nomor Paket",
        "Nilai Paket (Rp)",
        "Tgl Pesanan",
        "Batas Kirim",
        "Metode Pengadaan",
        "Kualifikasi Usaha",
        "NIB Penyedia",
        "Nama Penyedia",
        "Tanggal Diterima",
        "Tanggal BAST",
        "Tanggal Bayar",
    ];
    let good = vec![
        row(&[
            "1.02.01",
            "P-1",
            "Rp 400.000.000",
            &d(1, 6),
            &d(1, 20),
            "E-Purchasing",
            "",
            &nib,
            "",
            &d(1, 19),
            &d(1, 20),
            "",
        ]),
        row(&[
            "1.02.01",
            "P-2",
            "12 M",
            &d(1, 7),
            "",
            "Lainnya",
            "Non-UMKM",
            "",
            "PT Karya",
            "",
            "",
            "",
        ]),
    ];
    let mut rows = good.clone();
    rows.push(row(&[
        "9.99",
        "P-3",
        "1 jt",
        &d(1, 8),
        "",
        "PL",
        "mikro",
        "",
        "Toko A",
        "",
        "",
        "",
    ]));
    rows.push(row(&[
        "1.02.01",
        "P-4",
        "nol",
        &d(1, 8),
        "",
        "lelang",
        "mikro",
        "",
        "Toko B",
        "",
        "",
        "",
    ]));
    rows.push(row(&[
        "1.02.01",
        "P-5",
        "1 jt",
        &d(1, 8),
        "",
        "PL",
        "",
        "9999999999999",
        "",
        "",
        "",
        "",
    ]));
    rows.push(row(&[
        "1.02.01",
        "P-1",
        "1 jt",
        &d(1, 8),
        "",
        "PL",
        "mikro",
        "",
        "Toko C",
        "",
        "",
        "",
    ]));
    let (status, body) = upload(&app, &officer, &csrf, "belanja.xlsx", xlsx(&headers, &rows)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (count(&body, "baru"), count(&body, "tidak valid")),
        (2, 4),
        "{body}"
    );
    for expected in [
        "baris 4, kolom A \"Kode OPD\": Kode OPD ini belum terdaftar",
        "baris 5, kolom C \"Nilai Paket (Rp)\":",
        "baris 5, kolom F \"Metode Pengadaan\":",
        "baris 6, kolom H \"NIB Penyedia\": NIB ini tidak ada di registri",
        "baris 7, kolom B \"Nomor Paket\": Paket yang sama",
    ] {
        assert!(body.contains(expected), "{expected}: {body}");
    }
    let id = upload_id(&body);
    let (status, _, body) = post_form(
        &app,
        &officer,
        &csrf,
        &format!("/pengadaan/impor/{id}"),
        &[("mode", "valid")],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM purchases").await, 2);
    let r = sqlx::query("SELECT umkm_id, supplier_type FROM purchases WHERE package = 'P-1'")
        .fetch_one(&mut conn(&app).await)
        .await
        .unwrap();
    assert_eq!(r.try_get::<String, _>(0).unwrap(), umkm);
    assert_eq!(r.try_get::<String, _>(1).unwrap(), class);
    // Re-importing the valid rows changes nothing; a later file with the payment updates one.
    let (_, body) = upload(&app, &officer, &csrf, "belanja.xlsx", xlsx(&headers, &good)).await;
    assert_eq!(
        (count(&body, "tidak berubah"), count(&body, "diperbarui")),
        (2, 0),
        "{body}"
    );
    let mut paid = good.clone();
    paid[0][11] = d(2, 3);
    let (_, body) = upload(&app, &officer, &csrf, "belanja.xlsx", xlsx(&headers, &paid)).await;
    assert_eq!(
        (count(&body, "tidak berubah"), count(&body, "diperbarui")),
        (1, 1),
        "{body}"
    );
    let id = upload_id(&body);
    post_form(
        &app,
        &officer,
        &csrf,
        &format!("/pengadaan/impor/{id}"),
        &[("mode", "valid")],
    )
    .await;
    let paid_on: Option<String> =
        sqlx::query("SELECT paid_on FROM purchases WHERE package = 'P-1'")
            .fetch_one(&mut conn(&app).await)
            .await
            .unwrap()
            .try_get(0)
            .unwrap();
    assert_eq!(paid_on, Some(format!("{year}-02-03")));
    // A file that is no procurement list is named as such; the template reads back.
    let (status, body) = upload(
        &app,
        &officer,
        &csrf,
        "x.csv",
        b"Nama Usaha,NIK\nA,1\n".to_vec(),
    )
    .await;
    assert_eq!(status, 422);
    assert!(body.contains("Kode OPD"), "{body}");
    let res = officer
        .get(app.url("/pengadaan/impor/templat.xlsx?jenis=pembelian"))
        .send()
        .await
        .unwrap();
    let template = res.bytes().await.unwrap().to_vec();
    let (status, body) = upload(&app, &officer, &csrf, "templat.xlsx", template).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("pembelian OPD"), "{body}");
}

#[tokio::test]
async fn a_merge_moves_a_business_s_purchases_to_the_record_kept() {
    let app = spawn_app().await;
    app.seed(6, 5).await;
    let city = common::city();
    let actor = sentra_storage::Actor::system("test");
    let list = app
        .db
        .list_umkm(
            &city,
            &sentra_storage::UmkmFilter::default(),
            sentra_storage::UmkmSort::Name,
            sentra_storage::SortDirection::Asc,
            sentra_storage::PageRequest {
                page: 1,
                per_page: 2,
            },
        )
        .await
        .unwrap()
        .items;
    let (keep, other) = (&list[0], &list[1]);
    let kota = RegionCode::parse("36.74").unwrap();
    let unit = app
        .db
        .create_unit(&city, &kota, "1", "Sekretariat Daerah", &actor)
        .await
        .unwrap();
    let year = chrono::Datelike::year(&chrono::Utc::now());
    let p = sentra_domain::procurement::validate_purchase(
        &sentra_domain::procurement::PurchaseInput {
            package: "M-1",
            value: "5 jt",
            ordered_on: &format!("{year}-01-02"),
            method: "pengadaan_langsung",
            supplier_type: "mikro",
            ..Default::default()
        },
        year,
        None,
        common::today(),
    )
    .unwrap();
    app.db
        .record_purchase(
            &city,
            &unit.id,
            &p,
            &sentra_storage::Supplier::Registered {
                umkm_id: other.id.clone(),
                product_id: None,
            },
            None,
            &actor,
        )
        .await
        .unwrap();
    // Merged through the review queue's page, keeping `keep`.
    let (a, b) = if keep.id < other.id {
        (&keep.id, &other.id)
    } else {
        (&other.id, &keep.id)
    };
    sqlx::query(
        "INSERT INTO duplicate_pairs (a_id, b_id, score, reasons, status, found_at) \
         VALUES ($1, $2, 80, '[\"similar_name\"]', 'open', '2026-01-01T00:00:00.000Z')",
    )
    .bind(a)
    .bind(b)
    .execute(&mut conn(&app).await)
    .await
    .unwrap();
    let version = |id: &String| {
        let db = app.db.clone();
        let (city, id) = (city.clone(), id.clone());
        async move { db.get_umkm(&city, &id).await.unwrap().version.to_string() }
    };
    let (va, vb) = (version(a).await, version(b).await);
    let keep_side = if a == &keep.id { "a" } else { "b" };
    let (status, location, body) = post_form(
        &app,
        &app.client,
        &app.csrf,
        &format!("/umkm/duplicates/{a}~{b}/merge"),
        &[("keep", keep_side), ("version_a", &va), ("version_b", &vb)],
    )
    .await;
    assert_eq!(status, 303, "{body}");
    assert!(location.contains(&keep.id), "{location}");
    let from_kept = app
        .db
        .purchases_from(&Scope::region(kota), &keep.id)
        .await
        .unwrap();
    assert_eq!(from_kept.len(), 1);
    assert_eq!(from_kept[0].purchase.package, "M-1");
}

#[tokio::test]
async fn sentra_procurement_import_checks_first_then_saves_and_a_second_run_changes_nothing() {
    let db = common::test_db().await;
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_sentra"))
            .env_remove("SENTRA_DATABASE")
            .env("SENTRA_LOG", "error")
            .args(args)
            .args(["--database", &db.url])
            .current_dir(dir.path())
            .output()
            .expect("run sentra");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, _, err) = run(&["migrate"]);
    assert!(ok, "{err}");
    let year = chrono::Datelike::year(&chrono::Utc::now());
    let file = dir.path().join("pagu.csv");
    std::fs::write(
        &file,
        format!(
            "Kode OPD,Nama OPD,Tahun,Pagu\n1.01.01,Dinas Pendidikan,{year},48 M\n\
             1.02.01,Dinas Kesehatan,{year},banyak\n"
        ),
    )
    .unwrap();
    let f = file.to_str().unwrap();
    let (ok, out, err) = run(&["procurement", "import", f, "--region", "36.74", "--dry-run"]);
    assert!(ok, "{err}");
    assert!(out.contains("pagu.csv: pagu OPD, 2 baris data"), "{out}");
    assert!(
        out.contains("baru: 1") && out.contains("tidak valid: 1"),
        "{out}"
    );
    assert!(
        out.contains("baris 3, kolom D \"Pagu\": "),
        "the bad amount by row and column: {out}"
    );
    assert!(out.contains("Uji coba selesai"), "{out}");
    // All or nothing: refused, non-zero exit, nothing written.
    let (ok, _, err) = run(&[
        "procurement",
        "import",
        f,
        "--region",
        "36.74",
        "--all-or-nothing",
    ]);
    assert!(!ok);
    assert!(err.contains("Tidak ada yang disimpan"), "{err}");
    let (ok, out, err) = run(&["procurement", "import", f, "--region", "36.74"]);
    assert!(ok, "{err}");
    assert!(out.contains("Tersimpan."), "{out}");
    let (ok, out, _) = run(&[
        "procurement",
        "import",
        f,
        "--region",
        "36.74",
        "--lang",
        "en",
    ]);
    assert!(ok);
    assert!(
        out.contains("new: 0") && out.contains("unchanged: 1"),
        "{out}"
    );
}

#[tokio::test]
async fn the_api_records_purchases_with_the_form_s_checks() {
    let app = spawn_app().await;
    app.seed(10, 4).await;
    let city = common::city();
    let actor = sentra_storage::Actor::system("test");
    let kota = RegionCode::parse("36.74").unwrap();
    let unit = app
        .db
        .create_unit(&city, &kota, "4.01.01", "Sekretariat Daerah", &actor)
        .await
        .unwrap();
    let year = chrono::Datelike::year(&chrono::Utc::now());
    app.db
        .set_budget(&city, &unit.id, year, 100_000_000, &actor)
        .await
        .unwrap();
    let send = |method: reqwest::Method, path: String, body: serde_json::Value| {
        let app = &app;
        async move {
            let res = app
                .api
                .request(method, app.url(&path))
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            (
                status,
                res.json::<serde_json::Value>().await.unwrap_or_default(),
            )
        }
    };
    let body = |package: &str, value: serde_json::Value| {
        serde_json::json!({
            "unit_id": unit.id,
            "package": package,
            "value": value,
            "ordered_on": format!("{year}-01-08"),
            "due_on": format!("{year}-01-20"),
            "method": "e_purchasing",
            "supplier_name": "Koperasi Maju",
            "supplier_type": "koperasi",
        })
    };
    // Bad input named by field; nothing saved.
    let (status, err) = send(
        reqwest::Method::POST,
        "/api/v1/procurement/purchases".into(),
        serde_json::json!({ "unit_id": unit.id, "value": "nol", "ordered_on": "kemarin" }),
    )
    .await;
    assert_eq!(status, 422, "{err}");
    let fields: Vec<&str> = err["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    for f in ["package", "value", "ordered_on", "method", "supplier_name"] {
        assert!(fields.contains(&f), "{f}: {err}");
    }
    let (status, created) = send(
        reqwest::Method::POST,
        "/api/v1/procurement/purchases".into(),
        body("API-1", serde_json::json!(60_000_000)),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["supplier_type"], "koperasi");
    // Over the Rp100 jt budget: refused unless confirmed.
    let (status, err) = send(
        reqwest::Method::POST,
        "/api/v1/procurement/purchases".into(),
        body("API-2", serde_json::json!("50 jt")),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(err["error"]["fields"][0]["field"], "value", "{err}");
    let mut confirmed = body("API-2", serde_json::json!("50 jt"));
    confirmed["over_budget_ok"] = true.into();
    let (status, _) = send(
        reqwest::Method::POST,
        "/api/v1/procurement/purchases".into(),
        confirmed,
    )
    .await;
    assert_eq!(status, 201);
    // A pengadaan langsung above Rp200 jt is refused, the rule named (Perpres 16/2018 Pasal 1
    // angka 40); as e-purchasing the same package is only over the budget.
    let mut direct = body("API-3", serde_json::json!("250 jt"));
    direct["method"] = "Pengadaan Langsung".into();
    direct["over_budget_ok"] = true.into();
    let (status, err) = send(
        reqwest::Method::POST,
        "/api/v1/procurement/purchases".into(),
        direct,
    )
    .await;
    assert_eq!(status, 422, "{err}");
    assert_eq!(err["error"]["fields"][0]["field"], "value", "{err}");
    assert!(err.to_string().contains("Rp200.000.000"), "{err}");
    // The order's life through PUT; a stale version is a conflict.
    let id = created["id"].as_str().unwrap().to_string();
    let mut life = body("API-1", serde_json::json!(60_000_000));
    life["version"] = 1.into();
    life["delivered_on"] = format!("{year}-01-22").into();
    let path = format!("/api/v1/procurement/purchases/{id}");
    let (status, out) = send(reqwest::Method::PUT, path.clone(), life.clone()).await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(out["days_late"], 2);
    assert_eq!(out["version"], 2);
    let (status, _) = send(reqwest::Method::PUT, path.clone(), life).await;
    assert_eq!(status, 409);
    // The purchase as read goes back with one change; its unit and worked-out figures cannot.
    let (_, mut read) = app.get_json(&path).await;
    read["accepted_on"] = format!("{year}-01-23").into();
    read["paid_on"] = format!("{year}-01-30").into();
    let (status, paid) = send(reqwest::Method::PUT, path.clone(), read.clone()).await;
    assert_eq!(status, 200, "{paid}");
    assert_eq!(paid["days_to_pay"], 7);
    let mut moved = paid.clone();
    moved["unit_id"] = "unit-lain".into();
    let (status, err) = send(reqwest::Method::PUT, path.clone(), moved).await;
    assert_eq!(status, 422, "{err}");
    assert_eq!(err["error"]["fields"][0]["field"], "unit_id");
    assert_eq!(err["error"]["fields"][0]["code"], "read_only");
    // The shares: 100% to a cooperative, over the budget.
    let (status, shares) = app
        .get_json(&format!("/api/v1/procurement/shares?tahun={year}"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(shares["units"][0]["spent"], 110_000_000);
    assert_eq!(shares["units"][0]["share_bp"], 10_000);
    assert_eq!(shares["units"][0]["meets_minimum"], true);
    let (_, list) = app
        .get_json(&format!("/api/v1/procurement/purchases?opd={}", unit.id))
        .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    // Outside the caller's region: not found.
    let (status, _) = app
        .get_json("/api/v1/procurement/shares?wilayah=32.73")
        .await;
    assert_eq!(status, 404);
}
