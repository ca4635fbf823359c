//! The planner's statistics (issue 30): SQLite gathers none by itself, and without them it
//! chose to walk every published product for one storefront (8 requests a second at a
//! province's scale). `sentra demo`, large imports and every start keep them; the hot
//! statements then use their indexes. On both engines.

use crate::common;

use sqlx::{AnyConnection, Connection, Row};

/// The plan of `sql` as text, on either engine.
async fn plan(conn: &mut AnyConnection, postgres: bool, sql: &str, bind: &str) -> String {
    let explain = if postgres {
        format!("EXPLAIN {sql}")
    } else {
        format!("EXPLAIN QUERY PLAN {sql}")
    };
    let rows = sqlx::query(&explain)
        .bind(bind)
        .fetch_all(conn)
        .await
        .unwrap();
    rows.iter()
        .map(|r| {
            r.try_get::<String, _>(if postgres { 0 } else { 3 })
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn after_a_demo_load_the_hot_statements_use_their_indexes() {
    let db = common::test_db().await;
    let dir = tempfile::tempdir().unwrap();
    let out = common::sentra_in(dir.path())
        .args([
            "demo",
            "--region",
            "36.74",
            "--umkm",
            "3000",
            "--products",
            "4000",
            "--database",
            &db.url,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    sqlx::any::install_default_drivers();
    let mut conn = AnyConnection::connect(db.direct()).await.unwrap();
    let postgres = db.url.starts_with("postgres");
    let stats = if postgres {
        "SELECT COUNT(*) AS n FROM pg_stats WHERE tablename = 'products'"
    } else {
        "SELECT COUNT(*) AS n FROM sqlite_stat1 WHERE tbl = 'products'"
    };
    let n: i64 = sqlx::query(stats)
        .fetch_one(&mut conn)
        .await
        .unwrap()
        .try_get("n")
        .unwrap();
    assert!(n > 0, "the products table has statistics");
    if postgres {
        // At a test's few thousand rows PostgreSQL rightly prefers reading the whole small
        // table (its plans at scale are measured by bench/province.sh); here it is asked
        // whether an index can serve each list's order at all: with sorts and table scans
        // priced out, a plan still sorts only when no index holds the order.
        for sql in [
            "SET enable_sort = off",
            "SET enable_seqscan = off",
            "SET enable_bitmapscan = off",
        ] {
            sqlx::query(sql).execute(&mut conn).await.unwrap();
        }
        for (sql, index) in [
            (
                "SELECT u.id FROM umkm u WHERE u.province_code = $1 AND u.merged_into IS NULL \
                 AND u.sector_code = 'kuliner' \
                 ORDER BY u.annual_sales_rupiah DESC NULLS LAST, u.id DESC LIMIT 25",
                "umkm_province_sales_desc",
            ),
            (
                "SELECT u.id FROM umkm u WHERE u.province_code = $1 AND u.merged_into IS NULL \
                 ORDER BY u.modal_rupiah DESC NULLS LAST, u.id DESC LIMIT 25",
                "umkm_province_modal_desc",
            ),
            (
                "SELECT u.id FROM umkm u WHERE u.province_code = $1 AND u.merged_into IS NULL \
                 ORDER BY u.annual_sales_rupiah ASC NULLS LAST, u.id ASC LIMIT 25",
                "umkm_province_sales",
            ),
        ] {
            let list = plan(&mut conn, postgres, sql, "36").await;
            // On a partitioned `umkm` (`sentra partition`) each partition's copy of the index
            // has a generated name; what matters is that an index gives the order unsorted.
            let by_index = list.contains(&format!("{index} on"))
                || (list.contains("Index Scan using umkm_p") && list.contains("_idx"));
            assert!(by_index && !list.contains("Sort"), "{sql}: {list}");
        }
        return;
    }
    let seller: String = sqlx::query("SELECT umkm_id FROM products LIMIT 1")
        .fetch_one(&mut conn)
        .await
        .unwrap()
        .try_get("umkm_id")
        .unwrap();
    // A storefront's products (`Database::public_store`): by the business's index, not by
    // walking the published products (without statistics SQLite picks `products_status`).
    let storefront = plan(
        &mut conn,
        postgres,
        "SELECT p.id, p.name FROM products p WHERE p.umkm_id = $1 AND p.status = 'published' \
         ORDER BY p.name, p.id",
        &seller,
    )
    .await;
    assert!(storefront.contains("products_umkm"), "{storefront}");
    // The registry list of a kabupaten/kota sorted by a column (migration 0040): read in the
    // order of the region's index for that column, not a sort of the region.
    for (sql, index) in [
        (
            "SELECT u.id FROM umkm u WHERE u.regency_code = $1 AND u.merged_into IS NULL \
             AND u.sector_code = 'kuliner' \
             ORDER BY u.annual_sales_rupiah DESC NULLS LAST, u.id DESC LIMIT 25",
            "umkm_regency_sales",
        ),
        (
            "SELECT u.id FROM umkm u WHERE u.regency_code = $1 AND u.merged_into IS NULL \
             ORDER BY u.updated_at DESC, u.id DESC LIMIT 25",
            "umkm_regency_updated",
        ),
        (
            "SELECT u.id FROM umkm u WHERE u.regency_code = $1 AND u.merged_into IS NULL \
             ORDER BY u.modal_rupiah DESC NULLS LAST, u.id DESC LIMIT 25",
            "umkm_regency_modal",
        ),
    ] {
        let list = plan(&mut conn, postgres, sql, "36.74").await;
        assert!(
            list.contains(index) && !list.contains("TEMP B-TREE"),
            "{sql}: {list}"
        );
    }
}
