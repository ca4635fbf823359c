//! Exports in other systems' columns (issue 33), downloaded as users do: the ministry's single
//! UMKM data and LKPP's e-Katalog product data, from the shipped profile files — their columns
//! in order, codes translated, numbers as numbers that add up in LibreOffice, scope, masking,
//! audit, the large-workbook job; and a deployment's own profile file, refused when wrong.

use crate::common;
use crate::xlsx_numbers::{cells, column, digits, rendered_rows, with_sum_row};

use calamine::Data;
use sentra_domain::export_profile::shipped;
use sentra_domain::product::validate_product;
use sqlx::{Connection, Row};

fn csv_rows(body: &[u8]) -> Vec<Vec<String>> {
    common::csv_body_rows(body, true)
}

fn headers_of(id: &str) -> Vec<String> {
    let p = shipped()
        .into_iter()
        .find_map(|(_, p)| p.ok().filter(|p| p.id == id))
        .unwrap();
    p.headers().iter().map(|h| h.to_string()).collect()
}

async fn last_audit(app: &common::TestApp) -> (String, String, serde_json::Value) {
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(app.test_db.direct())
        .await
        .unwrap();
    let row = sqlx::query("SELECT action, entity, changes FROM audit_log ORDER BY seq DESC")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    let changes: String = row.try_get("changes").unwrap();
    (
        row.try_get("action").unwrap(),
        row.try_get("entity").unwrap(),
        serde_json::from_str(&changes).unwrap(),
    )
}

async fn csv_as(client: &reqwest::Client, app: &common::TestApp, path: &str) -> Vec<Vec<String>> {
    let res = client.get(app.url(path)).send().await.unwrap();
    assert_eq!(res.status(), 200, "{path}");
    csv_rows(&res.bytes().await.unwrap())
}

#[tokio::test]
async fn the_ministry_profile_writes_the_registry_in_its_columns_masked_scoped_and_audited() {
    let app = common::spawn_app().await;
    app.seed(60, 33).await;
    let headers = headers_of("kemenumkm-data-umkm");

    let rows = csv_as(
        &app.client,
        &app,
        "/umkm/ekspor/kemenumkm-data-umkm.csv?district=36.74.03",
    )
    .await;
    assert_eq!(rows[0], headers, "the profile's columns, in its order");
    let at = |h: &str| headers.iter().position(|x| x == h).unwrap();
    let data = &rows[1..];
    let listed = app.page("/umkm?district=36.74.03").await;
    assert!(
        listed.contains(&format!("<strong>{} UMKM</strong>", data.len())),
        "as many rows as the list counts: {}",
        data.len()
    );
    for r in data {
        assert_eq!(r[at("KECAMATAN")], "Pondok Aren");
        assert_eq!(r[at("KODE KECAMATAN")], "36.74.03");
        assert_eq!(r[at("KODE PROVINSI")], "36");
        assert_eq!(r[at("PROVINSI")], "Banten");
        assert_eq!(r[at("KABUPATEN/KOTA")], "Kota Tangerang Selatan");
        assert!(r[at("KODE DESA/KELURAHAN")].starts_with("36.74.03."));
        assert!(
            ["Laki-laki", "Perempuan"].contains(&r[at("JENIS KELAMIN")].as_str()),
            "{}",
            r[at("JENIS KELAMIN")]
        );
        assert!(
            ["Mikro", "Kecil", "Menengah", "Besar", "Belum diketahui"]
                .contains(&r[at("SKALA USAHA")].as_str()),
            "a name from the code list, not a code: {}",
            r[at("SKALA USAHA")]
        );
        assert!(["Ya", "Tidak"].contains(&r[at("PEMASARAN ONLINE")].as_str()));
        assert!(r[at("NIK")].contains("••••"), "masked unless asked");
        assert_eq!(r[at("TANGGAL LAHIR")], "", "masked unless asked");
        // The day first, as the profile says.
        let day = &r[at("TANGGAL PENDATAAN")];
        assert!(
            chrono::NaiveDate::parse_from_str(day, "%d-%m-%Y").is_ok(),
            "{day}"
        );
        if !r[at("JUMLAH TENAGA KERJA")].is_empty() {
            let n = |h: &str| r[at(h)].parse::<i64>().unwrap_or(0);
            assert_eq!(
                n("JUMLAH TENAGA KERJA"),
                n("TENAGA KERJA LAKI-LAKI") + n("TENAGA KERJA PEREMPUAN")
            );
        }
    }
    let (action, entity, summary) = last_audit(&app).await;
    assert_eq!((action.as_str(), entity.as_str()), ("export", "umkm"));
    assert_eq!(summary["profile"], "kemenumkm-data-umkm");
    assert_eq!(summary["count"], data.len());
    assert_eq!(summary["personal_data"], false);

    // Asked in full by an admin: whole NIK and birth date, audited as such.
    let rows = csv_as(
        &app.client,
        &app,
        "/umkm/ekspor/kemenumkm-data-umkm.csv?district=36.74.03&personal=1",
    )
    .await;
    for r in &rows[1..] {
        assert!(
            r[at("NIK")].len() == 16 && r[at("NIK")].bytes().all(|b| b.is_ascii_digit()),
            "{}",
            r[at("NIK")]
        );
        assert!(chrono::NaiveDate::parse_from_str(&r[at("TANGGAL LAHIR")], "%d-%m-%Y").is_ok());
    }
    assert_eq!(last_audit(&app).await.2["personal_data"], true);

    // A viewer who asks gets them masked; an operator of Serpong gets Serpong only.
    let (viewer, _, _) = app.as_user("viewer", "36.74").await;
    let rows = csv_as(
        &viewer,
        &app,
        "/umkm/ekspor/kemenumkm-data-umkm.csv?personal=1",
    )
    .await;
    assert_eq!(rows.len(), 61);
    assert!(rows[1..].iter().all(|r| r[at("NIK")].contains("••••")));
    let (operator, _, _) = app.as_user("operator", "36.74.01").await;
    let rows = csv_as(&operator, &app, "/umkm/ekspor/kemenumkm-data-umkm.csv").await;
    assert!(rows.len() > 1);
    assert!(rows[1..].iter().all(|r| r[at("KECAMATAN")] == "Serpong"));
    let rows = csv_as(
        &operator,
        &app,
        "/umkm/ekspor/kemenumkm-data-umkm.csv?district=36.74.03",
    )
    .await;
    assert_eq!(rows.len(), 1, "another kecamatan: the header only");

    // A partner may not export the registry; an unknown profile or format is 404; a bad
    // filter is named.
    let (partner, _, _) = app.as_user("partner", "36.74").await;
    let res = partner
        .get(app.url("/umkm/ekspor/kemenumkm-data-umkm.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(app.get("/umkm/ekspor/tidak-ada.csv").await.status(), 404);
    assert_eq!(
        app.get("/umkm/ekspor/kemenumkm-data-umkm.pdf")
            .await
            .status(),
        404
    );
    assert_eq!(
        app.get("/umkm/ekspor/kemenumkm-data-umkm.csv?size=raksasa")
            .await
            .status(),
        422
    );
}

#[tokio::test]
async fn the_ministry_workbook_adds_up_in_libreoffice_and_a_large_one_is_a_job() {
    let app = common::spawn_app().await;
    app.seed(80, 34).await;
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(app.test_db.direct())
        .await
        .unwrap();
    let row = sqlx::query(
        "SELECT COUNT(*) AS n, CAST(SUM(annual_sales_rupiah) AS BIGINT) AS sales FROM umkm \
         WHERE status = 'verified'",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    let (n, sales): (i64, i64) = (row.try_get("n").unwrap(), row.try_get("sales").unwrap());
    conn.close().await.unwrap();
    assert!(n > 0 && n <= 100, "{n}: within the tests' inline limit");

    let res = app
        .get("/umkm/ekspor/kemenumkm-data-umkm.xlsx?status=verified")
        .await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("kemenumkm-data-umkm-")
    );
    let bytes = res.bytes().await.unwrap().to_vec();
    let range = cells(bytes.clone());
    assert_eq!(range.height() as i64, n + 1);
    let sales_col = column(&range, "OMZET PER TAHUN (RP)");
    let stored: f64 = (1..range.height())
        .filter_map(|r| match range.get((r, sales_col)) {
            Some(Data::Float(v)) => Some(*v),
            Some(Data::Empty) | None => None,
            other => panic!("sales are a number, not {other:?}"),
        })
        .sum();
    assert_eq!(stored as i64, sales);
    let year_col = column(&range, "TAHUN MULAI USAHA");
    assert!(matches!(
        range.get((1, year_col)),
        Some(Data::Float(_) | Data::Empty)
    ));
    let lat_col = column(&range, "LINTANG");
    assert!(matches!(
        range.get((1, lat_col)),
        Some(Data::Float(_) | Data::Empty)
    ));
    let dir = tempfile::tempdir().unwrap();
    if let Some(rows) = rendered_rows(&with_sum_row(&bytes, sales_col, n as usize), dir.path()) {
        let total = rows[n as usize + 1][sales_col].clone();
        assert_eq!(digits(&total), sales, "SUM in LibreOffice: {total}");
    }

    // More rows than a request writes (100 in the tests): the export worker makes it, under the
    // profile's name.
    app.seed(40, 35).await;
    let res = app.get("/umkm/ekspor/kemenumkm-data-umkm.xlsx").await;
    assert_eq!(res.status(), 200);
    let offer = res.text().await.unwrap();
    assert!(offer.contains("profil=kemenumkm-data-umkm"), "{offer}");
    let page_path = common::run_export_job(&app, "profil=kemenumkm-data-umkm").await;
    let file = app.get(&format!("{page_path}/file")).await;
    assert_eq!(file.status(), 200);
    assert!(
        file.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("kemenumkm-data-umkm-")
    );
    let range = cells(file.bytes().await.unwrap().to_vec());
    assert_eq!(range.height(), 121);
    assert_eq!(
        range.get((0, 0)),
        Some(&Data::String("NIK".into())),
        "the profile's columns"
    );
}

#[tokio::test]
async fn the_lkpp_profile_writes_published_products_with_their_provider() {
    let app = common::spawn_app().await;
    app.seed(6, 35).await;
    let umkm = app.first_umkm().await;
    let categories = app.db.product_categories().await.unwrap();
    let actor = sentra_storage::Actor::system("kurator");
    let mut made = Vec::new();
    for (name, status) in [
        ("Keripik Singkong Pedas", "published"),
        ("Keripik Pisang Manis", "published"),
        ("Keripik Talas", "draft"),
    ] {
        let mut input = common::chips(status);
        input.name = name.into();
        input.length_cm = "12,5".into();
        input.width_cm = "5".into();
        input.height_cm = "3".into();
        let data = validate_product(&input, &categories).unwrap();
        made.push(
            app.db
                .create_product(&common::city(), &umkm.id, &data, &actor)
                .await
                .unwrap(),
        );
    }
    // The first is in the e-katalog lokal (listed by a curator once ready; set here directly,
    // the readiness rules are the products tests' subject).
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(app.test_db.direct())
        .await
        .unwrap();
    sqlx::query(&format!(
        "UPDATE products SET ekatalog_listed_at = '2026-12-01T00:00:00Z', \
         ekatalog_listed_by = 'kurator' WHERE id = '{}'",
        made[0].id
    ))
    .execute(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();

    let headers = headers_of("lkpp-katalog-produk");
    let at = |h: &str| headers.iter().position(|x| x == h).unwrap();
    let rows = csv_as(&app.client, &app, "/umkm/ekspor/lkpp-katalog-produk.csv").await;
    assert_eq!(rows[0], headers);
    let names: Vec<&str> = rows[1..]
        .iter()
        .map(|r| r[at("Nama Produk")].as_str())
        .collect();
    assert_eq!(names.len(), 2, "published only: {names:?}");
    assert!(!names.contains(&"Keripik Talas"));
    let row = rows[1..]
        .iter()
        .find(|r| r[at("Nama Produk")] == "Keripik Singkong Pedas")
        .unwrap();
    assert_eq!(row[at("Harga Satuan (Rp)")], "15000");
    assert_eq!(row[at("Satuan")], "Buah");
    assert_eq!(row[at("Status PDN")], "PDN");
    assert_eq!(row[at("Kode KBKI")], "", "not kept: to fill at upload");
    assert_eq!(row[at("Tercantum di e-Katalog Lokal")], "Ya");
    assert_eq!(row[at("Panjang (cm)")], "12.5");
    assert_eq!(
        row[at("Spesifikasi")],
        "Berat 250 g; Ukuran 12,5 × 5 × 3 cm; Kemasan: Standing pouch; Masa simpan 180 hari"
    );
    assert_eq!(row[at("Nama Penyedia")], umkm.name);
    assert_eq!(row[at("No. Produk Penyedia")], made[0].slug);
    assert!(
        row[at("Tautan Produk")].starts_with("http")
            && row[at("Tautan Produk")].ends_with(&format!("/p/{}", made[0].slug)),
        "{}",
        row[at("Tautan Produk")]
    );
    let (_, entity, summary) = last_audit(&app).await;
    assert_eq!(entity, "products");
    assert_eq!(summary["count"], 2);

    // Only what is listed in the e-katalog lokal, when asked.
    let rows = csv_as(
        &app.client,
        &app,
        "/umkm/ekspor/lkpp-katalog-produk.csv?ekatalog=1",
    )
    .await;
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1][at("Nama Produk")], "Keripik Singkong Pedas");

    // The business's owner scope and another kecamatan's operator.
    let district = &umkm.village_code[..8];
    let other = if district == "36.74.01" {
        "36.74.02"
    } else {
        "36.74.01"
    };
    let (operator, _, _) = app.as_user("operator", other).await;
    let rows = csv_as(&operator, &app, "/umkm/ekspor/lkpp-katalog-produk.csv").await;
    assert_eq!(rows.len(), 1, "another kecamatan's products are not theirs");
    let (own, _, _) = app.as_user("operator", district).await;
    let rows = csv_as(&own, &app, "/umkm/ekspor/lkpp-katalog-produk.csv").await;
    assert_eq!(rows.len(), 3);

    // The workbook: prices are numbers, centimetres with one decimal.
    let range = cells(
        app.get("/umkm/ekspor/lkpp-katalog-produk.xlsx")
            .await
            .bytes()
            .await
            .unwrap()
            .to_vec(),
    );
    assert_eq!(range.height(), 3);
    let price = column(&range, "Harga Satuan (Rp)");
    assert_eq!(range.get((1, price)), Some(&Data::Float(15_000.0)));
    let length = column(&range, "Panjang (cm)");
    assert_eq!(range.get((1, length)), Some(&Data::Float(12.5)));
}

#[tokio::test]
async fn the_profiles_page_offers_each_format_with_the_lists_filters_and_sources() {
    let app = common::spawn_app().await;
    app.seed(20, 36).await;
    let page = app
        .page("/umkm/ekspor?sector=kuliner&page=2")
        .await
        .replace("&#38;", "&");
    assert!(
        page.contains("Kementerian UMKM — data tunggal UMKM"),
        "{page}"
    );
    assert!(page.contains("LKPP Katalog Elektronik — data produk penyedia"));
    assert!(page.contains("/umkm/ekspor/kemenumkm-data-umkm.xlsx?sector=kuliner"));
    assert!(page.contains("/umkm/ekspor/lkpp-katalog-produk.csv?sector=kuliner&ekatalog=1"));
    assert!(
        page.contains("personal=1"),
        "an admin may ask for personal data"
    );
    assert!(
        !page.contains(".xlsx?sector=kuliner&page=2"),
        "the list's page is not passed on"
    );
    assert!(page.contains("https://www.pasal.id/peraturan/permen/perukm-no-8-tahun-2025"));
    // The list links to it with its filters.
    let list = app.page("/umkm?sector=kuliner").await;
    assert!(list.contains("/umkm/ekspor?sector=kuliner"), "{list}");
    // A viewer is told personal data is masked and is not offered it whole.
    let (viewer, _, _) = app.as_user("viewer", "36.74").await;
    let page = common::page_as(&viewer, &app, "/umkm/ekspor").await;
    assert!(!page.contains("personal=1"));
    assert!(page.contains("disamarkan untuk peran Anda"));
    // In English.
    let page = app.page("/umkm/ekspor?lang=en").await;
    assert!(
        page.contains("Ministry of MSMEs — single MSME data"),
        "{page}"
    );
}

#[test]
fn a_wrong_profile_file_stops_the_start_naming_the_file_column_and_problem() {
    let dir = tempfile::tempdir().unwrap();
    let profiles = dir.path().join("profil");
    std::fs::create_dir(&profiles).unwrap();
    std::fs::write(
        profiles.join("dinas-kuliner.toml"),
        r#"
id = "kemenumkm-data-umkm"
subject = "umkm"
sheet = "Kuliner"
title = { id = "Daftar kuliner", en = "Food businesses" }
[[sources]]
title = "Permintaan Dinas"
url = "https://example.go.id/surat"
[[columns]]
header = "Nama"
field = "nama_usaha"
"#,
    )
    .unwrap();
    let run = |args: &[&str]| {
        let out = common::sentra_in(dir.path()).args(args).output().unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let folder = profiles.to_str().unwrap();
    let (ok, err) = run(&["serve", "--export-profiles", folder]);
    assert!(!ok);
    assert!(
        err.contains("dinas-kuliner.toml: columns[1] \"Nama\": no field \"nama_usaha\" for umkm"),
        "{err}"
    );
    std::fs::write(
        profiles.join("dinas-kuliner.toml"),
        std::fs::read_to_string(profiles.join("dinas-kuliner.toml"))
            .unwrap()
            .replace("nama_usaha", "name"),
    )
    .unwrap();
    let (ok, err) = run(&["serve", "--export-profiles", folder]);
    assert!(!ok);
    assert!(
        err.contains("export profile id kemenumkm-data-umkm is given twice"),
        "{err}"
    );
    assert!(
        !dir.path().join("sentra-data").exists(),
        "refused before anything is made"
    );
}

#[tokio::test]
async fn a_deployments_own_profile_is_offered_beside_the_shipped_ones() {
    use sentra_domain::export_profile::Profile;
    let own = Profile::parse(
        r#"
id = "dinas-kuliner"
subject = "umkm"
sheet = "Kuliner"
title = { id = "Daftar usaha kuliner Dinas", en = "The office's food businesses" }
[[sources]]
title = "Permintaan Dinas"
url = "https://example.go.id/surat"
[[columns]]
header = "Nama"
field = "name"
[[columns]]
header = "Kelurahan"
field = "village_name"
[[columns]]
header = "Omzet"
field = "annual_sales"
type = "text"
"#,
    )
    .unwrap();
    let mut profiles: Vec<Profile> = shipped().into_iter().map(|(_, p)| p.unwrap()).collect();
    profiles.push(own);
    let app = common::spawn_app_with(
        common::test_db().await,
        sentra_storage::Keyring::new(sentra_storage::PersonalKey::generate().0),
        |s| s.with_export_profiles(profiles),
    )
    .await;
    app.seed(10, 37).await;
    let page = app.page("/umkm/ekspor").await;
    assert!(page.contains("Daftar usaha kuliner Dinas"), "{page}");
    assert!(page.contains("Kementerian UMKM"), "the shipped ones stay");
    let rows = csv_as(
        &app.client,
        &app,
        "/umkm/ekspor/dinas-kuliner.csv?sector=kuliner",
    )
    .await;
    assert_eq!(rows[0], ["Nama", "Kelurahan", "Omzet"]);
    assert!(
        rows[1..]
            .iter()
            .all(|r| r[2].is_empty() || r[2].bytes().all(|b| b.is_ascii_digit())),
        "an amount as plain digits where the profile asks for text: {rows:?}"
    );
}
