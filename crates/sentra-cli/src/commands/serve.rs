//! `sentra serve`: the web server with its workers, until a stop signal.

use std::io::Write;

use anyhow::{Context as _, anyhow, bail};
use sentra_domain::region::{RegionCode, RegionTree};
use sentra_domain::scope::Scope;
use sentra_storage::Database;

use crate::config::{DEFAULT_LISTEN, pick};
use crate::context::{Conn, Context, DbArgs, HOME_REGION_SETTING, open};
use crate::demo;

#[derive(clap::Args)]
pub(crate) struct Args {
    /// Address and port to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "SENTRA_LISTEN")]
    listen: Option<String>,
    #[command(flatten)]
    db: DbArgs,
    /// The deployment's home region code (e.g. 36.74); the UI is scoped to it.
    /// Remembered in the database after the first start.
    #[arg(long, env = "SENTRA_HOME_REGION")]
    home_region: Option<String>,
    /// Demo mode: home region Kota Tangerang Selatan (36.74), seeded with demo UMKM on
    /// first start.
    #[arg(long, env = "SENTRA_DEMO")]
    demo: bool,
    /// Send the session cookie without `Secure`, for plain HTTP on a local network.
    /// Without it browsers only keep the cookie over HTTPS or on localhost.
    #[arg(long, env = "SENTRA_INSECURE_COOKIES")]
    insecure_cookies: bool,
    /// The deployment's public address, e.g. https://umkm.example.go.id: canonical URLs,
    /// sitemap and shared-link previews use it whatever host name a request came by.
    /// Default: the request's own host.
    #[arg(long, env = "SENTRA_PUBLIC_URL")]
    public_url: Option<String>,
    /// The e-mail address the open-data catalogues (DCAT, CKAN) name as their contact point,
    /// e.g. data@umkm.example.go.id.
    #[arg(long, env = "SENTRA_DATA_CONTACT")]
    data_contact: Option<String>,
    /// A folder of export profiles (`*.toml`, the format of data/export-profiles/): offered
    /// beside the shipped ones; a profile that cannot be read stops the start, naming the file,
    /// the column and the problem.
    #[arg(long, env = "SENTRA_EXPORT_PROFILES")]
    export_profiles: Option<std::path::PathBuf>,
    /// The SMTP server messages to owners are e-mailed through, e.g.
    /// smtp://user:password@mail.example.go.id:587?tls=required (smtps:// for TLS from the
    /// start). Without it (and without WhatsApp or SMS) messages wait for staff to send them
    /// from their own phone.
    #[arg(long, env = "SENTRA_SMTP_URL", hide_env_values = true)]
    smtp_url: Option<String>,
    /// The sender of those e-mails, e.g. "Dinas KUKM <noreply@umkm.example.go.id>".
    #[arg(long, env = "SENTRA_MAIL_FROM")]
    mail_from: Option<String>,
    /// The WhatsApp Business Cloud API's address (default https://graph.facebook.com/v21.0).
    #[arg(long, env = "SENTRA_WHATSAPP_URL")]
    whatsapp_url: Option<String>,
    /// The WhatsApp Business phone number id messages are sent from.
    #[arg(long, env = "SENTRA_WHATSAPP_PHONE_ID")]
    whatsapp_phone_id: Option<String>,
    /// The WhatsApp Business access token.
    #[arg(long, env = "SENTRA_WHATSAPP_TOKEN", hide_env_values = true)]
    whatsapp_token: Option<String>,
    /// The Meta app's secret: WhatsApp's notifications to /webhook/whatsapp (delivery
    /// statuses, STOP replies) are accepted only when signed with it.
    #[arg(long, env = "SENTRA_WHATSAPP_APP_SECRET", hide_env_values = true)]
    whatsapp_app_secret: Option<String>,
    /// The token Meta shows when it checks the webhook's subscription.
    #[arg(long, env = "SENTRA_WHATSAPP_VERIFY_TOKEN", hide_env_values = true)]
    whatsapp_verify_token: Option<String>,
    /// An SMS gateway's address with {to} and {text} in it, called with POST, e.g.
    /// https://sms.example.co.id/send?to={to}&message={text}.
    #[arg(long, env = "SENTRA_SMS_URL", hide_env_values = true)]
    sms_url: Option<String>,
    /// A bearer token for the SMS gateway.
    #[arg(long, env = "SENTRA_SMS_TOKEN", hide_env_values = true)]
    sms_token: Option<String>,
    /// A secret for the gateway's replies: it posts what owners send back (`from`, `text`) to
    /// /webhook/sms/SECRET, and a STOP there ends their SMS.
    #[arg(long, env = "SENTRA_SMS_INBOUND_SECRET", hide_env_values = true)]
    sms_inbound_secret: Option<String>,
    /// The hours (local time where the owner lives) messages may be sent, e.g. 8-20;
    /// 0-24 for any time. Default 7-21.
    #[arg(long, env = "SENTRA_SENDING_HOURS")]
    sending_hours: Option<String>,
    /// Broadcast messages an area (a kecamatan's staff together, say) may send in a day.
    #[arg(long, env = "SENTRA_BROADCAST_LIMIT")]
    broadcast_limit: Option<i64>,
    /// Messages a second this server sends per channel, e.g. `whatsapp=20,sms=5,email=10`
    /// (those defaults; 0: no limit of Sentra's own).
    #[arg(long, env = "SENTRA_MESSAGE_RATES")]
    message_rates: Option<String>,
    /// Seconds a server holds a message it sends before another server takes the send as
    /// interrupted (at least 5; a send may take half of it).
    #[arg(long, env = "SENTRA_MESSAGE_LEASE", default_value_t = sentra_web::DEFAULT_LEASE_SECONDS,
        value_parser = clap::value_parser!(i64).range(sentra_web::MIN_LEASE_SECONDS..=3600))]
    message_lease: i64,
    /// Catalogue searches whose results are kept until the catalogue changes (0: none).
    #[arg(long, env = "SENTRA_SEARCH_CACHE", default_value_t = sentra_web::DEFAULT_KEPT_SEARCHES)]
    search_cache: usize,
    /// Bearer token a Prometheus on another machine shows to read /metrics (the machine
    /// itself may always read it).
    #[arg(long, env = "SENTRA_METRICS_TOKEN", hide_env_values = true)]
    metrics_token: Option<String>,
    /// A read-only PostgreSQL replica (streaming replication) for the dashboards, reports,
    /// open data and the public catalogue; everything else uses --database.
    #[arg(long, env = "SENTRA_READ_DATABASE", hide_env_values = true)]
    read_database: Option<String>,
    /// A reverse proxy (address or range, e.g. 127.0.0.1 or 10.0.0.0/8) whose
    /// X-Forwarded-For / Forwarded headers name the real client: sign-in throttles then
    /// count per client, not per proxy. Repeat, or separate with commas.
    #[arg(
        long = "trusted-proxy",
        env = "SENTRA_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    trusted_proxies: Vec<String>,
    /// A host name the server answers to (e.g. umkm.example.go.id), for links when
    /// --public-url is not set; other Host headers are not trusted. Repeat, or separate
    /// with commas. The listening address is always allowed.
    #[arg(
        long = "allowed-host",
        env = "SENTRA_ALLOWED_HOSTS",
        value_delimiter = ','
    )]
    allowed_hosts: Vec<String>,
}

/// The shipped export profiles, then those of `folder` in file-name order; a profile id twice
/// (a deployment's file replacing a shipped one by mistake, say) is refused.
fn export_profiles(
    folder: Option<&std::path::Path>,
) -> anyhow::Result<Vec<sentra_domain::export_profile::Profile>> {
    use sentra_domain::export_profile::{Profile, shipped};
    let mut profiles = Vec::new();
    for (file, profile) in shipped() {
        profiles.push(profile.map_err(|e| anyhow!("shipped export profile {file}: {e}"))?);
    }
    if let Some(dir) = folder {
        let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
            .with_context(|| format!("--export-profiles {}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        files.sort();
        for path in files {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let profile = Profile::parse(&text).map_err(|e| anyhow!("{}: {e}", path.display()))?;
            if profiles.iter().any(|p: &Profile| p.id == profile.id) {
                bail!(
                    "{}: export profile id {} is given twice",
                    path.display(),
                    profile.id
                );
            }
            profiles.push(profile);
        }
    }
    Ok(profiles)
}

/// How the web server behaves toward its users (from `serve`'s flags).
struct ServeOptions {
    secure_cookies: bool,
    public_url: Option<String>,
    data_contact: Option<String>,
    export_profiles: Vec<sentra_domain::export_profile::Profile>,
    messaging: sentra_web::MessagingConfig,
    search_cache: usize,
    metrics_token: Option<String>,
    read_database: Option<String>,
    trusted_proxies: Vec<sentra_web::ProxyRange>,
    allowed_hosts: Vec<String>,
}

pub(crate) async fn run(args: Args, cx: &Context) -> anyhow::Result<()> {
    let listen = pick(args.listen, cx.file.listen.clone(), DEFAULT_LISTEN);
    let home = args.home_region.or(cx.file.home_region.clone());
    let public_url = match args.public_url.or(cx.file.public_url.clone()) {
        None => None,
        Some(url) => Some(sentra_web::parse_public_url(&url).ok_or_else(|| {
            anyhow!("--public-url {url} is not an http(s) address, e.g. https://umkm.example.go.id")
        })?),
    };
    let data_contact = match args.data_contact.or(cx.file.data_contact.clone()) {
        None => None,
        Some(email) => {
            let email = email.trim().to_string();
            let ok = email.split_once('@').is_some_and(|(user, host)| {
                !user.is_empty() && host.contains('.') && !email.contains(char::is_whitespace)
            });
            if !ok {
                bail!(
                    "--data-contact {email} is not an e-mail address, e.g. data@umkm.example.go.id"
                );
            }
            Some(email)
        }
    };
    let export_profiles = export_profiles(
        args.export_profiles
            .or(cx.file.export_profiles.clone().map(Into::into))
            .as_deref(),
    )?;
    let file = &cx.file;
    let whatsapp = match (
        args.whatsapp_phone_id.or(file.whatsapp_phone_id.clone()),
        args.whatsapp_token.or(file.whatsapp_token.clone()),
    ) {
        (Some(phone_number_id), Some(token)) => Some(sentra_web::WhatsappConfig {
            base_url: args
                .whatsapp_url
                .or(file.whatsapp_url.clone())
                .unwrap_or_else(|| "https://graph.facebook.com/v21.0".into()),
            phone_number_id,
            token,
            app_secret: args
                .whatsapp_app_secret
                .or(file.whatsapp_app_secret.clone()),
            verify_token: args
                .whatsapp_verify_token
                .or(file.whatsapp_verify_token.clone()),
        }),
        (None, None) => None,
        _ => bail!("--whatsapp-phone-id and --whatsapp-token are given together"),
    };
    let messaging = sentra_web::MessagingConfig {
        smtp_url: args.smtp_url.or(file.smtp_url.clone()),
        mail_from: args.mail_from.or(file.mail_from.clone()),
        whatsapp,
        sms: args
            .sms_url
            .or(file.sms_url.clone())
            .map(|url| sentra_web::SmsConfig {
                url,
                token: args.sms_token.or(file.sms_token.clone()),
                inbound_secret: args.sms_inbound_secret.or(file.sms_inbound_secret.clone()),
            }),
        hours: Default::default(),
        rates: Default::default(),
        lease_seconds: args.message_lease,
        broadcast_daily_limit: args
            .broadcast_limit
            .or(file.broadcast_limit)
            .unwrap_or(sentra_web::DEFAULT_BROADCAST_LIMIT),
        ..Default::default()
    };
    let hours = args.sending_hours.or(file.sending_hours.clone());
    let rates = args.message_rates.or(file.message_rates.clone());
    let messaging = sentra_web::MessagingConfig {
        rates: match rates {
            None => Default::default(),
            Some(r) => sentra_domain::messaging::ChannelRates::parse(&r).ok_or_else(|| {
                anyhow!(
                    "--message-rates {r} is not a list of channel=messages a second, e.g. whatsapp=20,sms=5,email=10"
                )
            })?,
        },
        hours: match hours {
            None => Default::default(),
            Some(h) => sentra_domain::messaging::SendingHours::parse(&h).ok_or_else(|| {
                anyhow!("--sending-hours {h} is not a span of hours, e.g. 7-21 (0-24: any time)")
            })?,
        },
        ..messaging
    };
    messaging.check().map_err(|e| anyhow!(e))?;
    let options = ServeOptions {
        messaging,
        secure_cookies: !args.insecure_cookies,
        public_url,
        data_contact,
        export_profiles,
        search_cache: args.search_cache,
        metrics_token: args.metrics_token,
        read_database: args.read_database,
        trusted_proxies: args
            .trusted_proxies
            .iter()
            .filter(|p| !p.trim().is_empty())
            .map(|p| {
                sentra_web::ProxyRange::parse(p).ok_or_else(|| {
                    anyhow!("--trusted-proxy {p} is not an address or range, e.g. 127.0.0.1 or 10.0.0.0/8")
                })
            })
            .collect::<anyhow::Result<_>>()?,
        allowed_hosts: args
            .allowed_hosts
            .into_iter()
            .map(|h| h.trim().to_string())
            .filter(|h| !h.is_empty())
            .collect(),
    };
    serve(&listen, &cx.conn(&args.db), home, args.demo, options).await
}

async fn serve(
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
        (None, true) => Some(demo::DEMO_REGION.to_string()),
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
                "demo: generating {} UMKM in {} …",
                demo::DEMO_UMKM,
                tree.get(&home).map_or(home.as_str(), |r| r.name.as_str())
            );
            demo::generate(&db, &home, demo::DEMO_UMKM, 1, false).await?;
        }
        demo::deployment(&db, &home).await?;
    }
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let bound = listener.local_addr().context("listener address")?;
    let region_name = tree.get(&home).map_or(String::new(), |r| r.name.clone());
    println!(
        "Sentra siap / ready: http://{bound}/  ({region_name}, {}, database {})",
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
        .with_data_contact(options.data_contact)
        .with_export_profiles(options.export_profiles)
        .with_messaging(options.messaging)
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

async fn shutdown_signal() {
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
