//! PostgreSQL URLs that name several hosts, as libpq reads them and as `pg_autoctl show uri`
//! prints them: `postgres://user@h1:5432,h2:5432/db?target_session_attrs=read-write`.
//!
//! sqlx 0.8 connects to one host only. So that a pool follows a failover, it connects to a
//! forwarder on loopback that hands each new connection to the host that has the wanted role
//! now (`pg_is_in_recovery()`), found again whenever a host refuses a connection, turns out to
//! have the wrong role, or stops answering the watcher. Connections to a primary that died
//! break with it; the pool replaces them through the forwarder, which by then points at the
//! promoted standby. Bytes pass through unchanged, so authentication is the server's own.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use sqlx::{Connection, Row};
use tokio::net::{TcpListener, TcpStream};

/// Which server a connection wants, with libpq's names for `target_session_attrs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionAttrs {
    Any,
    /// `read-write`: a server that takes writes now. A standby promoted by pg_auto_failover
    /// stays read-only until the old primary is known to be down: not yet.
    ReadWrite,
    /// `primary`: a server out of recovery, writable or not.
    Primary,
    /// `read-only`: a server that refuses writes (a standby, or a primary set read-only).
    ReadOnly,
    /// `standby`: a server in recovery.
    Standby,
    /// A standby when one answers, else any (for dashboards and the public catalogue).
    PreferStandby,
}

/// What a server is now, as libpq asks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerRole {
    /// `pg_is_in_recovery()`: a standby.
    pub in_recovery: bool,
    /// `transaction_read_only`: writes are refused.
    pub read_only: bool,
}

impl ServerRole {
    /// Asks the server on the other end of `conn`.
    pub async fn of(conn: &mut sqlx::AnyConnection) -> sqlx::Result<ServerRole> {
        let row = sqlx::query(
            "SELECT pg_is_in_recovery(), current_setting('transaction_read_only') = 'on'",
        )
        .fetch_one(conn)
        .await?;
        Ok(ServerRole {
            in_recovery: row.try_get(0)?,
            read_only: row.try_get(1)?,
        })
    }
}

impl SessionAttrs {
    fn parse(value: &str) -> Option<Self> {
        match value {
            "any" => Some(Self::Any),
            "read-write" => Some(Self::ReadWrite),
            "primary" => Some(Self::Primary),
            "read-only" => Some(Self::ReadOnly),
            "standby" => Some(Self::Standby),
            "prefer-standby" => Some(Self::PreferStandby),
            _ => None,
        }
    }

    /// Whether a server in this role will do.
    pub fn accepts(self, role: ServerRole) -> bool {
        match self {
            Self::Any | Self::PreferStandby => true,
            Self::ReadWrite => !role.read_only,
            Self::Primary => !role.in_recovery,
            Self::ReadOnly => role.read_only,
            Self::Standby => role.in_recovery,
        }
    }
}

/// A PostgreSQL URL with more than one host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MultiHostUrl {
    pub hosts: Vec<(String, u16)>,
    pub attrs: SessionAttrs,
    /// `postgres://user:password@`
    prefix: String,
    /// `/db?other=params`, without `target_session_attrs`.
    suffix: String,
}

impl MultiHostUrl {
    /// `Ok(None)` for a URL with one host: sqlx connects to it itself.
    pub fn parse(url: &str) -> Result<Option<Self>, String> {
        let Some((scheme, rest)) = url.split_once("://") else {
            return Ok(None);
        };
        let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(authority_end);
        let (userinfo, hostlist) = match authority.rfind('@') {
            Some(at) => (&authority[..=at], &authority[at + 1..]),
            None => ("", authority),
        };
        if !hostlist.contains(',') {
            return Ok(None);
        }
        let hosts = hostlist
            .split(',')
            .map(parse_host)
            .collect::<Result<Vec<_>, _>>()?;
        let (path, query) = tail.split_once('?').unwrap_or((tail, ""));
        let mut attrs = SessionAttrs::Any;
        let mut kept = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            match pair.split_once('=') {
                Some(("target_session_attrs", value)) => {
                    attrs = SessionAttrs::parse(value).ok_or_else(|| {
                        format!(
                            "target_session_attrs={value} is not one of any, read-write, primary, \
                             read-only, standby, prefer-standby"
                        )
                    })?;
                }
                _ => kept.push(pair),
            }
        }
        let suffix = if kept.is_empty() {
            path.to_string()
        } else {
            format!("{path}?{}", kept.join("&"))
        };
        Ok(Some(Self {
            hosts,
            attrs,
            prefix: format!("{scheme}://{userinfo}"),
            suffix,
        }))
    }

    /// The same URL for one host.
    pub fn url_for(&self, host: &str, port: u16) -> String {
        let host = if host.contains(':') {
            format!("[{host}]")
        } else {
            host.to_string()
        };
        format!("{}{host}:{port}{}", self.prefix, self.suffix)
    }
}

fn parse_host(entry: &str) -> Result<(String, u16), String> {
    let (host, port) = if let Some(rest) = entry.strip_prefix('[') {
        // [::1]:5432
        let (host, after) = rest
            .split_once(']')
            .ok_or_else(|| format!("host {entry} lacks its closing ]"))?;
        (host, after.strip_prefix(':'))
    } else {
        match entry.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (entry, None),
        }
    };
    if host.is_empty() {
        return Err("an empty host in the host list".to_string());
    }
    let port = match port {
        None | Some("") => 5432,
        Some(p) => p
            .parse()
            .map_err(|_| format!("port {p} of host {host} is not a number"))?,
    };
    Ok((host.to_string(), port))
}

const PROBE_TIMEOUT: Duration = Duration::from_secs(3);
const WATCH_EVERY: Duration = Duration::from_secs(2);
/// After a round found no host, callers within this time are answered without a new round.
const NEGATIVE_CACHE: Duration = Duration::from_millis(500);

#[derive(Default)]
struct Choice {
    current: Option<usize>,
    last_round: Option<Instant>,
    /// The host chosen last, kept when `current` is dropped: to count changes.
    last_chosen: Option<usize>,
}

/// Knows which host to send new connections to.
pub struct Router {
    url: MultiHostUrl,
    choice: Mutex<Choice>,
    round: tokio::sync::Mutex<()>,
    /// How often the chosen host changed (failovers, switchovers), for `/metrics`.
    host_changes: std::sync::atomic::AtomicU64,
}

impl Router {
    pub fn attrs(&self) -> SessionAttrs {
        self.url.attrs
    }

    /// How often new connections were sent to another host than before.
    pub fn host_changes(&self) -> u64 {
        self.host_changes.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn current(&self) -> Option<usize> {
        self.choice
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .current
    }

    /// Drops the current choice (it refused a connection or has the wrong role now).
    pub fn forget(&self) {
        self.choice
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .current = None;
    }

    fn forget_if(&self, host: usize) {
        let mut choice = self.choice.lock().unwrap_or_else(PoisonError::into_inner);
        if choice.current == Some(host) {
            choice.current = None;
        }
    }

    /// The role of a host that answers; `None` from one that does not.
    async fn role(&self, host: usize) -> Option<ServerRole> {
        let (name, port) = &self.url.hosts[host];
        let url = self.url.url_for(name, *port);
        let ask = async {
            let mut conn = sqlx::AnyConnection::connect(&url).await.ok()?;
            let role = ServerRole::of(&mut conn).await.ok()?;
            let _ = conn.close().await;
            Some(role)
        };
        tokio::time::timeout(PROBE_TIMEOUT, ask)
            .await
            .ok()
            .flatten()
    }

    /// The host to use, asking each in order when none is chosen (libpq's order).
    async fn target(&self) -> Option<usize> {
        if let Some(host) = self.current() {
            return Some(host);
        }
        let _one_round_at_a_time = self.round.lock().await;
        {
            let choice = self.choice.lock().unwrap_or_else(PoisonError::into_inner);
            if choice.current.is_some() {
                return choice.current;
            }
            if choice
                .last_round
                .is_some_and(|at| at.elapsed() < NEGATIVE_CACHE)
            {
                return None;
            }
        }
        let mut found = None;
        let mut fallback = None;
        for host in 0..self.url.hosts.len() {
            let Some(role) = self.role(host).await else {
                continue;
            };
            if self.url.attrs == SessionAttrs::PreferStandby && !role.in_recovery {
                fallback.get_or_insert(host);
                continue;
            }
            if self.url.attrs.accepts(role) {
                found = Some(host);
                break;
            }
        }
        let found = found.or(fallback);
        let mut choice = self.choice.lock().unwrap_or_else(PoisonError::into_inner);
        choice.current = found;
        choice.last_round = Some(Instant::now());
        if let Some(host) = found {
            if choice.last_chosen.is_some_and(|last| last != host) {
                self.host_changes
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            choice.last_chosen = Some(host);
        }
        match found {
            Some(host) => {
                let (name, port) = &self.url.hosts[host];
                tracing::info!(host = %name, port, attrs = ?self.url.attrs, "PostgreSQL host chosen");
            }
            None => {
                tracing::warn!(attrs = ?self.url.attrs, "no PostgreSQL host has the wanted role");
            }
        }
        found
    }

    async fn forward(&self, mut client: TcpStream) {
        // A second try covers a chosen host that died since it was chosen.
        for _ in 0..2 {
            let Some(host) = self.target().await else {
                return;
            };
            let (name, port) = &self.url.hosts[host];
            match tokio::time::timeout(PROBE_TIMEOUT, TcpStream::connect((name.as_str(), *port)))
                .await
            {
                Ok(Ok(mut server)) => {
                    let _ = client.set_nodelay(true);
                    let _ = server.set_nodelay(true);
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    return;
                }
                _ => self.forget_if(host),
            }
        }
    }

    /// Checks the chosen host's role now and then: a primary demoted to standby while its
    /// connections lived, or a replica appearing for a `prefer-standby` pool.
    async fn watch(&self) {
        // One connection kept to the chosen host, not a new one every tick (which would fill a
        // server's log with connections when `log_connections` is on).
        let mut watching: Option<(usize, sqlx::AnyConnection)> = None;
        loop {
            tokio::time::sleep(WATCH_EVERY).await;
            let Some(host) = self.current() else {
                watching = None;
                continue;
            };
            if watching.as_ref().is_none_or(|(h, _)| *h != host) {
                let (name, port) = &self.url.hosts[host];
                let url = self.url.url_for(name, *port);
                let connect = sqlx::AnyConnection::connect(&url);
                watching = match tokio::time::timeout(PROBE_TIMEOUT, connect).await {
                    Ok(Ok(conn)) => Some((host, conn)),
                    _ => None,
                };
            }
            let role = match watching.as_mut() {
                Some((_, conn)) => tokio::time::timeout(PROBE_TIMEOUT, ServerRole::of(conn))
                    .await
                    .ok()
                    .and_then(|r| r.ok()),
                None => None,
            };
            let still_right = match role {
                None => false,
                Some(role) if self.url.attrs == SessionAttrs::PreferStandby => role.in_recovery,
                Some(role) => self.url.attrs.accepts(role),
            };
            if !still_right {
                watching = None;
                self.forget_if(host);
            }
        }
    }
}

/// The loopback forwarder of one pool; stops when dropped.
pub struct Forwarder {
    pub router: Arc<Router>,
    pub local: SocketAddr,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for Forwarder {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

impl Forwarder {
    pub async fn start(url: MultiHostUrl) -> std::io::Result<Forwarder> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let local = listener.local_addr()?;
        let router = Arc::new(Router {
            url,
            choice: Mutex::new(Choice::default()),
            round: tokio::sync::Mutex::new(()),
            host_changes: std::sync::atomic::AtomicU64::new(0),
        });
        let accepting = {
            let router = router.clone();
            tokio::spawn(async move {
                loop {
                    match listener.accept().await {
                        Ok((client, _)) => {
                            let router = router.clone();
                            tokio::spawn(async move { router.forward(client).await });
                        }
                        // Out of file descriptors and the like: wait instead of spinning.
                        Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
                    }
                }
            })
        };
        let watching = {
            let router = router.clone();
            tokio::spawn(async move { router.watch().await })
        };
        Ok(Forwarder {
            router,
            local,
            tasks: vec![accepting, watching],
        })
    }

    /// The URL a pool uses: the original one pointed at this forwarder.
    pub fn pool_url(&self) -> String {
        self.router
            .url
            .url_for(&self.local.ip().to_string(), self.local.port())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_host_is_left_to_sqlx() {
        assert_eq!(
            MultiHostUrl::parse("postgres://u:p@db:5432/sentra"),
            Ok(None)
        );
    }

    #[test]
    fn hosts_ports_and_the_wanted_role_are_read() {
        let url = MultiHostUrl::parse(
            "postgres://u:p@127.0.0.1:6001,db2,[::1]:6003/sentra?sslmode=disable&target_session_attrs=read-write",
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            url.hosts,
            vec![
                ("127.0.0.1".to_string(), 6001),
                ("db2".to_string(), 5432),
                ("::1".to_string(), 6003)
            ]
        );
        assert_eq!(url.attrs, SessionAttrs::ReadWrite);
        assert_eq!(
            url.url_for("127.0.0.1", 7000),
            "postgres://u:p@127.0.0.1:7000/sentra?sslmode=disable"
        );
        assert_eq!(
            url.url_for("::1", 7000),
            "postgres://u:p@[::1]:7000/sentra?sslmode=disable"
        );
    }

    #[test]
    fn without_attrs_any_host_will_do() {
        let url = MultiHostUrl::parse("postgresql://h1,h2/db")
            .unwrap()
            .unwrap();
        assert_eq!(url.attrs, SessionAttrs::Any);
        assert_eq!(url.url_for("h2", 5432), "postgresql://h2:5432/db");
    }

    #[test]
    fn bad_lists_are_named() {
        assert!(
            MultiHostUrl::parse("postgres://h1,h2:x/db")
                .unwrap_err()
                .contains("port x")
        );
        assert!(
            MultiHostUrl::parse("postgres://h1,/db")
                .unwrap_err()
                .contains("empty host")
        );
        assert!(
            MultiHostUrl::parse("postgres://h1,h2/db?target_session_attrs=fast")
                .unwrap_err()
                .contains("target_session_attrs=fast")
        );
    }

    #[test]
    fn roles_follow_libpq() {
        let primary = ServerRole {
            in_recovery: false,
            read_only: false,
        };
        let standby = ServerRole {
            in_recovery: true,
            read_only: true,
        };
        // Promoted by pg_auto_failover, before the old primary is known to be down.
        let promoted_not_yet_writable = ServerRole {
            in_recovery: false,
            read_only: true,
        };
        assert!(SessionAttrs::ReadWrite.accepts(primary));
        assert!(!SessionAttrs::ReadWrite.accepts(standby));
        assert!(!SessionAttrs::ReadWrite.accepts(promoted_not_yet_writable));
        assert!(SessionAttrs::Primary.accepts(promoted_not_yet_writable));
        assert!(!SessionAttrs::Primary.accepts(standby));
        assert!(SessionAttrs::ReadOnly.accepts(standby));
        assert!(SessionAttrs::ReadOnly.accepts(promoted_not_yet_writable));
        assert!(!SessionAttrs::ReadOnly.accepts(primary));
        assert!(SessionAttrs::Standby.accepts(standby));
        assert!(!SessionAttrs::Standby.accepts(promoted_not_yet_writable));
        assert!(SessionAttrs::PreferStandby.accepts(primary));
        assert!(SessionAttrs::Any.accepts(standby));
    }
}
