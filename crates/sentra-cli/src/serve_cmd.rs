//! `sentra serve`: the web server with its workers, until a stop signal.

use crate::Conn;
use crate::DEMO_REGION;
use crate::DEMO_UMKM;
use crate::HOME_REGION_SETTING;
use crate::demo_cmd::DEMO_PRODUCTS;
use crate::demo_cmd::demo_accounts;
use crate::demo_cmd::demo_activities;
use crate::demo_cmd::demo_flagship;
use crate::demo_cmd::demo_growth;
use crate::demo_cmd::demo_partnerships;
use crate::demo_cmd::demo_procurement;
use crate::demo_cmd::demo_products;
use crate::demo_cmd::generate_demo;
use crate::open;
use anyhow::Context;
use anyhow::anyhow;
use anyhow::bail;
use sentra_domain::region::RegionCode;
use sentra_domain::region::RegionTree;
use sentra_domain::scope::Scope;
use sentra_storage::Database;
use std::io::Write;

/// How the web server behaves toward its users (from `serve`'s flags).
pub(crate) struct ServeOptions {
    pub(crate) secure_cookies: bool,
    pub(crate) public_url: Option<String>,
    pub(crate) search_cache: usize,
    pub(crate) metrics_token: Option<String>,
    pub(crate) read_database: Option<String>,
    pub(crate) trusted_proxies: Vec<sentra_web::ProxyRange>,
    pub(crate) allowed_hosts: Vec<String>,
}

pub(crate) async fn serve(
    listen: &str,
    conn: &Conn,
    home: Option<String>,
    demo: bool,
    options: ServeOptions,
) -> anyhow::Result<()> {
    let addr: std::net::SocketAddr = listen
        .parse()
        .map_err(|_| anyhow!("--listen {listen} is not ADDRESS:PORT, e.g. 127.0.0.1:8080"))?;
    let db = open(conn).await?;
    let tree = RegionTree::embedded();
    let home = match (home, demo) {
        (Some(h), _) => Some(h),
        (None, true) => Some(DEMO_REGION.to_string()),
        (None, false) => db.setting(HOME_REGION_SETTING).await?,
    };
    let Some(home) = home else {
        bail!(
            "no home region: start with --home-region CODE (e.g. 36.74), set home_region in sentra.toml, or try --demo"
        );
    };
    let home = RegionCode::parse(&home)
        .ok()
        .filter(|c| tree.get(c).is_some())
        .ok_or_else(|| anyhow!("home region '{home}' is not a Kemendagri 2025 region code"))?;
    db.set_setting(HOME_REGION_SETTING, home.as_str()).await?;
    if demo {
        let existing = db.count_umkm(&Scope::region(home.clone())).await?;
        if existing == 0 {
            eprintln!(
                "demo: generating {DEMO_UMKM} UMKM in {} …",
                tree.get(&home).map_or(home.as_str(), |r| r.name.as_str())
            );
            generate_demo(&db, &home, DEMO_UMKM, 1, false).await?;
        }
    }
    if demo {
        demo_accounts(&db, &home).await?;
        demo_products(&db, &home, DEMO_PRODUCTS).await?;
        demo_activities(&db, &home).await?;
        demo_growth(&db, &home).await?;
        demo_procurement(&db, &home).await?;
        demo_flagship(&db, &home).await?;
        demo_partnerships(&db, &home).await?;
    }
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let bound = listener.local_addr().context("listener address")?;
    let region_name = tree.get(&home).map_or(String::new(), |r| r.name.clone());
    println!(
        "Sentra siap / ready: http://{bound}/umkm  ({region_name}, {}, database {})",
        home,
        db.redacted_url()
    );
    let _ = std::io::stdout().flush();
    // The catalogue's index on disk; the follower brings it up to date from where it stopped.
    let index = sentra_search::SearchIndex::open(Some(&conn.search_dir))
        .with_context(|| format!("search index in {}", conn.search_dir.display()))?
        .keep_results(options.search_cache);
    let media = open_media(&conn.media)?;
    // The replica is only read: no migrations there (they arrive by replication).
    let replica = match &options.read_database {
        Some(url) => Some(
            Database::connect(url, db.keyring())
                .await
                .context("--read-database")?,
        ),
        None => None,
    };
    // Links are built from the public URL, else from a host on this list: the listening
    // address first, then the names given.
    let mut allowed_hosts = vec![bound.to_string()];
    if bound.ip().is_loopback() {
        allowed_hosts.push(format!("localhost:{}", bound.port()));
    }
    allowed_hosts.extend(options.allowed_hosts.iter().cloned());
    if options.public_url.is_none() && options.allowed_hosts.is_empty() {
        eprintln!(
            "catatan / note: --public-url is not set: links in pages, the sitemap and previews use {} \
             (requests for other host names are not trusted); set --public-url https://… or --allowed-host",
            allowed_hosts[0]
        );
    }
    let state = sentra_web::AppState::new(db.clone(), home)
        .with_trusted_proxies(options.trusted_proxies)
        .with_allowed_hosts(allowed_hosts)
        .with_read_database(replica)
        .with_secure_cookies(options.secure_cookies)
        .with_public_url(options.public_url)
        .with_metrics_token(options.metrics_token)
        .with_search_index(index)
        .with_media(media);
    sentra_web::serve(listener, state, shutdown_signal())
        .await
        .context("server")?;
    db.close().await;
    Ok(())
}

/// The photo store: an object store URL (`s3://…`, `file://…`) or a local folder.
pub(crate) fn open_media(spec: &str) -> anyhow::Result<sentra_media::MediaStore> {
    let store = if spec.contains("://") {
        sentra_media::MediaStore::from_url(spec)
    } else {
        sentra_media::MediaStore::local(std::path::Path::new(spec))
    };
    store.with_context(|| format!("photo store {spec}"))
}

pub(crate) async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
