//! Exports through the web, as users download them: filters, scope, masking, audit.

use crate::common;

use sentra_storage::AuditVerdict;

async fn audit_len(app: &common::TestApp) -> i64 {
    match app.db.verify_audit().await.unwrap() {
        AuditVerdict::Intact { entries } => entries,
        AuditVerdict::Broken { seq, reason } => panic!("audit broken at {seq}: {reason}"),
    }
}

fn csv_rows(body: &[u8]) -> Vec<Vec<String>> {
    common::csv_body_rows(body, true)
}

#[tokio::test]
async fn csv_export_follows_filters_and_scope_masks_personal_data_and_is_audited() {
    let app = common::spawn_app().await;
    app.seed(120, 5).await;
    let before = audit_len(&app).await;

    let res = app.get("/umkm/export.csv?district=36.74.03").await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(".csv")
    );
    let rows = csv_rows(&res.bytes().await.unwrap());
    assert_eq!(rows[0][1], "Nama Usaha");
    let nik = rows[0].iter().position(|h| h == "NIK").unwrap();
    let kecamatan = rows[0].iter().position(|h| h == "Kecamatan").unwrap();
    let data = &rows[1..];
    assert!(!data.is_empty());
    assert!(data.iter().all(|r| r[kecamatan] == "Pondok Aren"));
    assert!(
        data.iter().all(|r| r[nik].contains("••••••••")),
        "masked by default"
    );
    // The count matches the list page's count for the same filter.
    let html = app
        .get("/umkm?district=36.74.03")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(&format!("<strong>{} UMKM</strong>", data.len())),
        "{}",
        data.len()
    );
    assert!(html.contains("/umkm/export.csv?district=36.74.03"));
    assert_eq!(audit_len(&app).await, before + 1, "the export is audited");

    // An admin who asks for personal data gets it whole; a viewer who asks does not.
    let rows = csv_rows(
        &app.get("/umkm/export.csv?personal=1")
            .await
            .bytes()
            .await
            .unwrap(),
    );
    assert_eq!(rows.len(), 121);
    assert!(
        rows[1..]
            .iter()
            .all(|r| r[nik].len() == 16 && r[nik].bytes().all(|b| b.is_ascii_digit()))
    );
    let (viewer, _, _) = app.as_user("viewer", "36.74").await;
    let body = viewer
        .get(app.url("/umkm/export.csv?personal=1"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(
        csv_rows(&body)[1..]
            .iter()
            .all(|r| r[nik].contains("••••••••"))
    );

    // An operator of one kecamatan exports only that kecamatan, whatever the filter says.
    let (operator, _, _) = app.as_user("operator", "36.74.01").await;
    let body = operator
        .get(app.url("/umkm/export.csv"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let rows = csv_rows(&body);
    assert!(rows.len() > 1 && rows[1..].iter().all(|r| r[kecamatan] == "Serpong"));
    let res = operator
        .get(app.url("/umkm/export.csv?district=36.74.03"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        csv_rows(&res.bytes().await.unwrap()).len(),
        1,
        "outside the scope: headers only"
    );

    // A bad filter is a clear 422, not an empty file.
    let res = app.get("/umkm/export.csv?size=raksasa").await;
    assert_eq!(res.status(), 422);
}

#[tokio::test]
async fn xlsx_export_reads_back_with_the_same_rows() {
    let app = common::spawn_app().await;
    app.seed(40, 6).await;
    let res = app.get("/umkm/export.xlsx?status=verified").await;
    assert_eq!(res.status(), 200);
    let bytes = res.bytes().await.unwrap().to_vec();
    let table = sentra_sheets::read_table("x.xlsx", bytes).unwrap();
    let status = table.rows[0]
        .cells
        .iter()
        .position(|h| h == "Status")
        .unwrap();
    assert!(table.rows.len() > 1);
    let code = table.rows[0]
        .cells
        .iter()
        .position(|h| h == "Kode Status")
        .unwrap();
    // The status by name, its code in a column of its own.
    assert!(
        table.rows[1..]
            .iter()
            .all(|r| r.cells[status] == "Terverifikasi" && r.cells[code] == "verified")
    );
    let csv = csv_rows(
        &app.get("/umkm/export.csv?status=verified")
            .await
            .bytes()
            .await
            .unwrap(),
    );
    assert_eq!(table.rows.len(), csv.len());
}

/// Browsers ask for gzip: the streamed export must arrive whole, compressed.
#[tokio::test]
async fn csv_export_arrives_whole_when_compressed() {
    use std::io::Read;
    let app = common::spawn_app().await;
    app.seed(60, 7).await;
    let plain = csv_rows(&app.get("/umkm/export.csv").await.bytes().await.unwrap());
    assert_eq!(plain.len(), 61);
    let res = app
        .client
        .get(app.url("/umkm/export.csv"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["content-encoding"], "gzip");
    let gz = res.bytes().await.unwrap();
    let mut body = Vec::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_end(&mut body)
        .expect("a complete gzip stream");
    assert_eq!(csv_rows(&body), plain);
}

/// A workbook larger than a request may make is offered as a job: started with a button, its
/// page shows progress, then the file is there for its requester only.
#[tokio::test]
async fn a_large_workbook_is_made_by_a_job_for_its_requester() {
    let app = common::spawn_app().await;
    app.seed(400, 9).await;
    let offer = app.get("/umkm/export.xlsx?sector=kuliner").await;
    assert_eq!(offer.status(), 200);
    let html = offer.text().await.unwrap();
    let expected = csv_rows(
        &app.get("/umkm/export.csv?sector=kuliner")
            .await
            .bytes()
            .await
            .unwrap(),
    )
    .len()
        - 1;
    assert!(expected > 100, "enough rows for a job: {expected}");
    assert!(html.contains(&format!("{expected} UMKM")), "{html}");
    assert!(
        html.contains("name=\"query\" value=\"sector=kuliner\""),
        "{html}"
    );
    let page_path = common::run_export_job(&app, "sector=kuliner").await;
    let id = page_path.rsplit('/').next().unwrap().to_string();
    let page = app.get(&page_path).await.text().await.unwrap();
    assert!(page.contains(&format!("{page_path}/file")), "{page}");
    let file = app.get(&format!("{page_path}/file")).await;
    assert_eq!(file.status(), 200);
    let table = sentra_sheets::read_table("x.xlsx", file.bytes().await.unwrap().to_vec()).unwrap();
    assert_eq!(table.rows.len(), expected + 1);
    let sector = table.rows[0]
        .cells
        .iter()
        .position(|h| h == "Jenis Usaha")
        .unwrap();
    let code = table.rows[0]
        .cells
        .iter()
        .position(|h| h == "Kode Jenis Usaha")
        .unwrap();
    assert!(
        table.rows[1..]
            .iter()
            .all(|r| r.cells[sector] == "Kuliner" && r.cells[code] == "kuliner")
    );
    // Another user of the same region cannot open it.
    let (other, _, _) = app.as_user("admin", common::HOME).await;
    let res = other
        .get(app.url(&format!("{page_path}/file")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    // Audited in the requester's name, with the job as its origin.
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(app.test_db.direct()).await.unwrap();
    let (actor, origin): (String, String) = sqlx::query_as(
        "SELECT actor, origin FROM audit_log WHERE action = 'export' ORDER BY seq DESC LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    pool.close().await;
    assert_eq!(actor, "admin@test.id");
    assert_eq!(origin, format!("export {id}"));
}
