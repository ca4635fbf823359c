//! The keyed audit chain (docs/decisions/0028-keyed-audit-chain.md) through an attacker's
//! hands: someone who can write to the database edits entries and recomputes the chain as the
//! unkeyed code hashed it; someone who also holds the key file recomputes it keyed; heads
//! published with `sentra audit head` catch what the chain alone cannot.

use crate::common;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Connection, Row};

fn run(args: &[&str], dir: &std::path::Path) -> (bool, String, String) {
    let out = common::sentra_in(dir)
        .args(args)
        .output()
        .expect("run sentra");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// One audit entry (`bulk_create`) per run.
fn demo(db: &common::TestDb, dir: &std::path::Path, seed: u32) {
    let (ok, _, err) = run(
        &[
            "demo",
            "--umkm",
            "20",
            "--seed",
            &seed.to_string(),
            "--database",
            &db.url,
        ],
        dir,
    );
    assert!(ok, "{err}");
}

fn verify(db: &common::TestDb, dir: &std::path::Path, head: Option<&str>) -> (bool, String) {
    let mut args = vec!["audit", "verify", "--database", &db.url];
    if let Some(head) = head {
        args.extend(["--head", head]);
    }
    let (ok, out, err) = run(&args, dir);
    (ok, format!("{out}{err}"))
}

fn publish_head(db: &common::TestDb, dir: &std::path::Path) -> String {
    let (ok, out, err) = run(&["audit", "head", "--database", &db.url], dir);
    assert!(ok, "{err}");
    assert!(err.contains("keep this line outside the database"), "{err}");
    let line = out.trim().to_string();
    assert!(line.starts_with("sentra-audit-head v1 "), "{out}");
    assert_eq!(line.lines().count(), 1, "one line: {out}");
    line
}

async fn connect(db: &common::TestDb) -> AnyConnection {
    sqlx::any::install_default_drivers();
    AnyConnection::connect(db.direct()).await.unwrap()
}

/// The key file `sentra` created: beside a SQLite file, else under `cwd/sentra-data/`.
fn master_key(db: &common::TestDb, dir: &std::path::Path) -> Vec<u8> {
    let path = match db.url.strip_prefix("sqlite://") {
        Some(file) => std::path::Path::new(file)
            .parent()
            .unwrap()
            .join("sentra.key"),
        None => dir.join("sentra-data/sentra.key"),
    };
    let text = std::fs::read_to_string(path).unwrap();
    let text = text.trim();
    (0..32)
        .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

fn hmac(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap();
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The audit chain key of a deployment whose key was never rotated, as the decision records it.
fn chain_key(db: &common::TestDb, dir: &std::path::Path) -> Vec<u8> {
    hmac(&master_key(db, dir), b"sentra audit chain v1")
}

struct Entry {
    seq: i64,
    at: String,
    actor: String,
    origin: Option<String>,
    action: String,
    entity: String,
    entity_id: Option<String>,
    changes: String,
}

async fn entries(conn: &mut AnyConnection) -> Vec<Entry> {
    sqlx::query(
        "SELECT seq, at, actor, origin, action, entity, entity_id, changes FROM audit_log \
         ORDER BY seq",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap()
    .iter()
    .map(|r| Entry {
        seq: r.get("seq"),
        at: r.get("at"),
        actor: r.get("actor"),
        origin: r.get("origin"),
        action: r.get("action"),
        entity: r.get("entity"),
        entity_id: r.get("entity_id"),
        changes: r.get("changes"),
    })
    .collect()
}

/// The fields an entry's hash covers, length-prefixed, after the previous hash.
fn hashed_text(prev: &str, e: &Entry) -> Vec<u8> {
    let mut text = Vec::new();
    for part in [
        prev,
        &e.seq.to_string(),
        &e.at,
        &e.actor,
        e.origin.as_deref().unwrap_or(""),
        &e.action,
        &e.entity,
        e.entity_id.as_deref().unwrap_or(""),
        &e.changes,
    ] {
        text.extend_from_slice(&(part.len() as u64).to_le_bytes());
        text.extend_from_slice(part.as_bytes());
    }
    text
}

/// The hash the unkeyed code wrote: plain SHA-256.
fn unkeyed_hash(prev: &str, e: &Entry) -> String {
    hex(&Sha256::digest(hashed_text(prev, e)))
}

/// Rewrites the links and hashes of every entry from `from` on with `hash`, then the stored
/// head: all that the old `sentra audit verify` looked at.
async fn rechain(conn: &mut AnyConnection, from: i64, hash: impl Fn(&str, &Entry) -> String) {
    let mut prev = if from == 1 {
        "genesis".to_string()
    } else {
        sqlx::query("SELECT hash FROM audit_log WHERE seq = $1")
            .bind(from - 1)
            .fetch_one(&mut *conn)
            .await
            .unwrap()
            .get("hash")
    };
    let mut last = from - 1;
    for e in entries(conn).await.into_iter().filter(|e| e.seq >= from) {
        let h = hash(&prev, &e);
        sqlx::query("UPDATE audit_log SET prev_hash = $1, hash = $2 WHERE seq = $3")
            .bind(&prev)
            .bind(&h)
            .bind(e.seq)
            .execute(&mut *conn)
            .await
            .unwrap();
        prev = h;
        last = e.seq;
    }
    sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
        .bind(last)
        .bind(&prev)
        .execute(&mut *conn)
        .await
        .unwrap();
}

/// The unkeyed code's check, line for line: contiguous, linked, hashes and head match.
async fn unkeyed_verify(conn: &mut AnyConnection) -> bool {
    let links = sqlx::query("SELECT prev_hash, hash FROM audit_log ORDER BY seq")
        .fetch_all(&mut *conn)
        .await
        .unwrap();
    let mut prev = "genesis".to_string();
    let mut expected = 1;
    for (e, r) in entries(conn).await.iter().zip(&links) {
        let (stored_prev, stored): (String, String) = (r.get("prev_hash"), r.get("hash"));
        if e.seq != expected || stored_prev != prev || unkeyed_hash(&prev, e) != stored {
            return false;
        }
        prev = stored;
        expected += 1;
    }
    let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    head.get::<i64, _>("seq") == expected - 1 && head.get::<String, _>("hash") == prev
}

async fn set_actor(conn: &mut AnyConnection, seq: i64, actor: &str) {
    sqlx::query("UPDATE audit_log SET actor = $1 WHERE seq = $2")
        .bind(actor)
        .bind(seq)
        .execute(&mut *conn)
        .await
        .unwrap();
}

/// The attack the unkeyed chain let through: edit an entry, recompute the chain and the head
/// exactly as the old code hashed them. The old check passes; the keyed one does not.
#[tokio::test]
async fn an_edit_rechained_as_the_unkeyed_code_did_is_caught() {
    let db = common::test_db().await;
    let dir = tempfile::tempdir().unwrap();
    for seed in 1..=3 {
        demo(&db, dir.path(), seed);
    }
    let (ok, out) = verify(&db, dir.path(), None);
    assert!(ok && out.contains("intact: 3 entries"), "{out}");
    assert!(!out.contains("predate"), "all entries keyed: {out}");

    let mut conn = connect(&db).await;
    set_actor(&mut conn, 2, "someone else").await;
    rechain(&mut conn, 2, unkeyed_hash).await;
    let (ok, out) = verify(&db, dir.path(), None);
    assert!(!ok, "{out}");
    assert!(out.contains("broken at entry 2: entry altered"), "{out}");

    // Marking the forged entries as written before the chain was keyed does not help.
    sqlx::query("UPDATE audit_log SET hash_version = 1 WHERE seq >= 2")
        .execute(&mut conn)
        .await
        .unwrap();
    let (ok, out) = verify(&db, dir.path(), None);
    assert!(!ok, "{out}");
    assert!(
        out.contains("broken at entry 2: unkeyed entry after keyed ones"),
        "{out}"
    );

    // The whole chain recomputed as the old code hashed it: its check passes, this one not.
    rechain(&mut conn, 1, unkeyed_hash).await;
    assert!(
        unkeyed_verify(&mut conn).await,
        "the forgery passes the unkeyed code's check"
    );
    let (ok, out) = verify(&db, dir.path(), None);
    assert!(!ok, "{out}");
    assert!(out.contains("broken at entry 1: entry altered"), "{out}");
    sqlx::query("UPDATE audit_log SET hash_version = 1 WHERE seq = 1")
        .execute(&mut conn)
        .await
        .unwrap();
    // The whole trail passed off as older than the keyed chain is consistent by itself (what
    // a published head is for, below); verify says that every entry is unkeyed.
    let (ok, out) = verify(&db, dir.path(), None);
    assert!(ok, "{out}");
    assert!(
        out.contains("3 entries predate the keyed audit chain"),
        "{out}"
    );
}

#[tokio::test]
async fn a_published_head_still_verifies_after_more_writes_and_a_key_rotation() {
    let db = common::test_db().await;
    let dir = tempfile::tempdir().unwrap();
    demo(&db, dir.path(), 1);
    demo(&db, dir.path(), 2);
    let head = publish_head(&db, dir.path());
    assert!(head.starts_with("sentra-audit-head v1 2 "), "{head}");
    assert_eq!(head, publish_head(&db, dir.path()), "same trail, same line");

    demo(&db, dir.path(), 3);
    let (ok, out, err) = run(&["key", "rotate", "--database", &db.url], dir.path());
    assert!(ok, "{err}");
    assert!(out.contains("re-encrypted 60 NIKs"), "{out}");
    demo(&db, dir.path(), 4);

    // demo, demo, demo, the rotation, demo.
    let (ok, out) = verify(&db, dir.path(), Some(&head));
    assert!(ok, "{out}");
    assert!(out.contains("intact: 5 entries"), "{out}");
    assert!(
        out.contains("holds the published head unchanged: entry 2"),
        "{out}"
    );
    let mut conn = connect(&db).await;
    let rotation = sqlx::query("SELECT action, hash_version FROM audit_log WHERE seq = 4")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(rotation.get::<String, _>("action"), "rotate_key");
    assert_eq!(rotation.get::<i64, _>("hash_version"), 2);

    // The line as kept: inside a saved mail, read from a file.
    let mail = dir.path().join("kepala-audit.txt");
    std::fs::write(
        &mail,
        format!("Kepada Inspektorat,\n\nkepala jejak audit hari ini:\n{head}\n\nSalam\n"),
    )
    .unwrap();
    let (ok, out) = verify(&db, dir.path(), Some(mail.to_str().unwrap()));
    assert!(ok, "{out}");
    // A head taken after the rotation verifies too: one chain key throughout.
    let later = publish_head(&db, dir.path());
    assert!(later.starts_with("sentra-audit-head v1 5 "), "{later}");
    let (ok, out) = verify(&db, dir.path(), Some(&later));
    assert!(ok, "{out}");
}

/// Without the key, entries can still be cut off the end (the head row rewritten to match):
/// the chain alone cannot tell. A head published before catches it.
#[tokio::test]
async fn entries_deleted_before_a_published_head_are_caught() {
    let db = common::test_db().await;
    let dir = tempfile::tempdir().unwrap();
    for seed in 1..=3 {
        demo(&db, dir.path(), seed);
    }
    let head = publish_head(&db, dir.path());
    demo(&db, dir.path(), 4);

    let mut conn = connect(&db).await;
    sqlx::query("DELETE FROM audit_log WHERE seq > 2")
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::query(
        "UPDATE audit_head SET seq = 2, hash = (SELECT hash FROM audit_log WHERE seq = 2) \
         WHERE id = 1",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    let (ok, out) = verify(&db, dir.path(), None);
    assert!(ok && out.contains("intact: 2 entries"), "{out}");
    let (ok, out) = verify(&db, dir.path(), Some(&head));
    assert!(!ok, "{out}");
    assert!(
        out.contains("broken at entry 3: the trail is shorter than the published head"),
        "{out}"
    );
    // Nor does a new head launder it: the old one still fails.
    demo(&db, dir.path(), 5);
    let (ok, out) = verify(&db, dir.path(), Some(&head));
    assert!(!ok, "{out}");
    assert!(
        out.contains("the entry differs from the published head"),
        "{out}"
    );
}

/// Someone with the database and the key file can recompute a keyed chain: `verify` alone
/// passes, a head published before the rewritten entry does not.
#[tokio::test]
async fn history_rewritten_with_the_key_before_a_published_head_is_caught() {
    let db = common::test_db().await;
    let dir = tempfile::tempdir().unwrap();
    for seed in 1..=3 {
        demo(&db, dir.path(), seed);
    }
    let head = publish_head(&db, dir.path());
    demo(&db, dir.path(), 4);
    let (ok, out) = verify(&db, dir.path(), Some(&head));
    assert!(ok, "{out}");

    let key = chain_key(&db, dir.path());
    let mut conn = connect(&db).await;
    set_actor(&mut conn, 2, "someone else").await;
    rechain(&mut conn, 1, |prev, e| {
        hex(&hmac(&key, &hashed_text(prev, e)))
    })
    .await;
    let (ok, out) = verify(&db, dir.path(), None);
    assert!(
        ok && out.contains("intact: 4 entries"),
        "the key holder's chain: {out}"
    );
    let (ok, out) = verify(&db, dir.path(), Some(&head));
    assert!(!ok, "{out}");
    assert!(
        out.contains(
            "broken at entry 3: the entry differs from the published head: history rewritten"
        ),
        "{out}"
    );

    // Rewritten as a trail older than the keyed chain: the same.
    set_actor(&mut conn, 2, "demo").await;
    sqlx::query("UPDATE audit_log SET hash_version = 1")
        .execute(&mut conn)
        .await
        .unwrap();
    rechain(&mut conn, 1, unkeyed_hash).await;
    let (ok, out) = verify(&db, dir.path(), None);
    assert!(ok, "{out}");
    let (ok, out) = verify(&db, dir.path(), Some(&head));
    assert!(!ok, "{out}");
    assert!(out.contains("history rewritten"), "{out}");
}

#[tokio::test]
async fn a_forged_or_altered_head_line_is_refused() {
    let db = common::test_db().await;
    let dir = tempfile::tempdir().unwrap();
    demo(&db, dir.path(), 1);
    demo(&db, dir.path(), 2);
    let head = publish_head(&db, dir.path());
    let fields: Vec<&str> = head.split(' ').collect();

    // Pointing the head at an earlier entry (its real hash) without the key.
    let mut conn = connect(&db).await;
    let first: String = sqlx::query("SELECT hash, at FROM audit_log WHERE seq = 1")
        .fetch_one(&mut conn)
        .await
        .unwrap()
        .get("hash");
    let moved = format!("sentra-audit-head v1 1 {} {first} {}", fields[3], fields[5]);
    let (ok, out) = verify(&db, dir.path(), Some(&moved));
    assert!(!ok, "{out}");
    assert!(
        out.contains("not signed with this deployment's key, or was altered"),
        "{out}"
    );
    // Another deployment's key does not vouch for this one's trail.
    let other = dir.path().join("other");
    std::fs::create_dir(&other).unwrap();
    let elsewhere = common::test_db().await;
    demo(&elsewhere, &other, 1);
    demo(&elsewhere, &other, 2);
    let foreign = publish_head(&elsewhere, &other);
    let (ok, out) = verify(&db, dir.path(), Some(&foreign));
    assert!(!ok && out.contains("not signed"), "{out}");

    let (ok, out) = verify(&db, dir.path(), Some("sentra-audit-head v1 dua"));
    assert!(!ok && out.contains("no valid audit head line"), "{out}");
    let (ok, out) = verify(&db, dir.path(), Some("/nonexistent/kepala.txt"));
    assert!(
        !ok && out.contains("cannot read the audit head file"),
        "{out}"
    );
    let (ok, out) = verify(&db, dir.path(), Some(&head));
    assert!(ok, "{out}");
}

/// A deployment upgraded with a trail the unkeyed code wrote: it verifies as before, and goes
/// on keyed.
#[tokio::test]
async fn a_trail_written_by_the_unkeyed_code_still_verifies_and_continues_keyed() {
    let db = common::test_db().await;
    let dir = tempfile::tempdir().unwrap();
    demo(&db, dir.path(), 1);
    demo(&db, dir.path(), 2);
    // The database as the code before migration 0028 left it.
    let mut conn = connect(&db).await;
    sqlx::query("ALTER TABLE audit_log DROP COLUMN hash_version")
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::query("DELETE FROM _sqlx_migrations WHERE version = 28")
        .execute(&mut conn)
        .await
        .unwrap();
    rechain(&mut conn, 1, unkeyed_hash).await;
    assert!(unkeyed_verify(&mut conn).await);

    let (ok, out) = verify(&db, dir.path(), None);
    assert!(ok, "{out}");
    assert!(out.contains("intact: 2 entries"), "{out}");
    assert!(
        out.contains("2 entries predate the keyed audit chain"),
        "{out}"
    );
    demo(&db, dir.path(), 3);
    let head = publish_head(&db, dir.path());
    let (ok, out) = verify(&db, dir.path(), Some(&head));
    assert!(ok && out.contains("intact: 3 entries"), "{out}");
    let versions: Vec<i64> = sqlx::query("SELECT hash_version FROM audit_log ORDER BY seq")
        .fetch_all(&mut conn)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(versions, [1, 1, 2]);

    // An old entry edited without recomputing is still caught, as before.
    set_actor(&mut conn, 1, "someone else").await;
    let (ok, out) = verify(&db, dir.path(), None);
    assert!(!ok, "{out}");
    assert!(out.contains("broken at entry 1: entry altered"), "{out}");
}

/// Products added in batches (the demo's catalogue) are audited one entry each, chained as if
/// added one by one: the trail verifies, and a changed entry inside the batch is caught.
#[tokio::test]
async fn a_batch_of_products_is_audited_product_by_product() {
    let db = common::test_db().await;
    let dir = tempfile::tempdir().unwrap();
    let (ok, _, err) = run(
        &[
            "demo",
            "--umkm",
            "300",
            "--products",
            "150",
            "--database",
            &db.url,
        ],
        dir.path(),
    );
    assert!(ok, "{err}");
    let mut conn = connect(&db).await;
    let entries: Vec<(String, String)> = sqlx::query(
        "SELECT entity_id, changes FROM audit_log WHERE action = 'create' AND entity = 'product' \
         ORDER BY seq",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get("entity_id"), r.get("changes")))
    .collect();
    let products: Vec<(String, String)> = sqlx::query("SELECT id, slug FROM products ORDER BY id")
        .fetch_all(&mut conn)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get("id"), r.get("slug")))
        .collect();
    assert_eq!(products.len(), 150);
    let mut audited: Vec<&String> = entries.iter().map(|(id, _)| id).collect();
    audited.sort();
    assert_eq!(
        audited,
        products.iter().map(|(id, _)| id).collect::<Vec<_>>(),
        "one entry per product"
    );
    for (id, slug) in &products {
        let (_, changes) = entries.iter().find(|(e, _)| e == id).unwrap();
        let summary: serde_json::Value = serde_json::from_str(changes).unwrap();
        assert_eq!(
            summary["slug"],
            slug.as_str(),
            "the entry holds the product as stored"
        );
    }
    let stores: i64 = sqlx::query(
        "SELECT COUNT(DISTINCT u.id) AS n FROM umkm u JOIN products p ON p.umkm_id = u.id \
         WHERE u.store_slug IS NOT NULL",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap()
    .get("n");
    let sellers: i64 = sqlx::query("SELECT COUNT(DISTINCT umkm_id) AS n FROM products")
        .fetch_one(&mut conn)
        .await
        .unwrap()
        .get("n");
    assert_eq!(stores, sellers, "every seller has its storefront name");
    let (ok, out) = verify(&db, dir.path(), None);
    assert!(ok, "{out}");

    // A product's entry in the middle of a batch, altered: the chain breaks there.
    let middle = &entries[entries.len() / 2].0;
    sqlx::query("UPDATE audit_log SET changes = '{}' WHERE entity_id = $1")
        .bind(middle.as_str())
        .execute(&mut conn)
        .await
        .unwrap();
    let (ok, out) = verify(&db, dir.path(), None);
    assert!(!ok, "{out}");
}
