//! Who is really calling: the client's address behind a trusted reverse proxy, and whether a
//! request came through a proxy at all. Sign-in and sign-up throttles count per real client,
//! and `/metrics` is open without its token only to the machine itself, never to the internet
//! that a proxy on the same machine relays.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;

use crate::AppState;

/// An address range a reverse proxy calls from (`127.0.0.1`, `10.0.0.0/8`, `::1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProxyRange {
    net: IpAddr,
    prefix: u8,
}

impl ProxyRange {
    /// `ADDRESS` or `ADDRESS/PREFIX`; `None` when it is neither.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p.parse::<u8>().ok()?)),
            None => (s, None),
        };
        let net: IpAddr = addr.parse().ok()?;
        let max = if net.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        (prefix <= max).then_some(ProxyRange { net, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        match (self.net, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

/// `::ffff:10.0.0.1` is the IPv4 address it wraps.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The request's client as far as the server can trust it.
#[derive(Debug, Clone, Copy)]
pub struct RealClient {
    pub ip: IpAddr,
    /// The request carried a forwarding header (`X-Forwarded-For`, `Forwarded`, `X-Real-IP`):
    /// it came through a proxy, so the peer address says nothing about the client.
    pub proxied: bool,
}

/// The addresses a request's forwarding headers name, first hop (the client) first.
fn forwarded_chain(headers: &HeaderMap) -> Vec<IpAddr> {
    let mut chain = Vec::new();
    for v in headers.get_all("forwarded") {
        let Ok(v) = v.to_str() else { continue };
        for element in v.split(',') {
            for pair in element.split(';') {
                let Some((k, val)) = pair.trim().split_once('=') else {
                    continue;
                };
                if k.trim().eq_ignore_ascii_case("for")
                    && let Some(ip) = node_address(val)
                {
                    chain.push(ip);
                }
            }
        }
    }
    if chain.is_empty() {
        for v in headers.get_all("x-forwarded-for") {
            let Ok(v) = v.to_str() else { continue };
            chain.extend(v.split(',').filter_map(node_address));
        }
    }
    chain
}

/// `203.0.113.7`, `"[2001:db8::1]:4711"`, `198.51.100.1:80` → the address.
fn node_address(raw: &str) -> Option<IpAddr> {
    let s = raw.trim().trim_matches('"');
    if let Ok(ip) = s.parse() {
        return Some(ip);
    }
    if let Some(rest) = s.strip_prefix('[') {
        return rest.split_once(']')?.0.parse().ok();
    }
    s.parse::<SocketAddr>().ok().map(|a| a.ip())
}

fn is_forwarded(headers: &HeaderMap) -> bool {
    [
        "forwarded",
        "x-forwarded-for",
        "x-real-ip",
        "x-forwarded-host",
    ]
    .iter()
    .any(|h| headers.contains_key(*h))
}

/// The client: the peer, unless the peer is a trusted proxy — then the right-most address of
/// the forwarding chain that is not itself a trusted proxy (addresses further left were
/// written by whoever called first and can be anything).
pub fn real_client(peer: IpAddr, headers: &HeaderMap, trusted: &[ProxyRange]) -> RealClient {
    let peer = canonical(peer);
    let proxied = is_forwarded(headers);
    let is_trusted = |ip: IpAddr| trusted.iter().any(|r| r.contains(ip));
    if !is_trusted(peer) {
        return RealClient { ip: peer, proxied };
    }
    let chain = forwarded_chain(headers);
    let ip = chain
        .iter()
        .rev()
        .map(|ip| canonical(*ip))
        .find(|ip| !is_trusted(*ip))
        .or_else(|| chain.first().copied())
        .unwrap_or(peer);
    RealClient { ip, proxied }
}

/// Puts the [`RealClient`] into the request's extensions for the extractors.
pub async fn identify(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    if let Some(ConnectInfo(peer)) = req.extensions().get::<ConnectInfo<SocketAddr>>().copied() {
        let client = real_client(peer.ip(), req.headers(), state.trusted_proxies());
        req.extensions_mut().insert(client);
    }
    next.run(req).await
}

/// A `Host` header's value if it is one this deployment answers to (lower case).
pub fn allowed_host<'a>(headers: &'a HeaderMap, allowed: &[String]) -> Option<&'a str> {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())?;
    allowed
        .iter()
        .any(|a| a.eq_ignore_ascii_case(host))
        .then_some(host)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn ranges_match_addresses() {
        let r = ProxyRange::parse("10.0.0.0/8").unwrap();
        assert!(r.contains("10.1.2.3".parse().unwrap()));
        assert!(r.contains("::ffff:10.1.2.3".parse().unwrap()));
        assert!(!r.contains("11.0.0.1".parse().unwrap()));
        assert!(
            ProxyRange::parse("::1")
                .unwrap()
                .contains("::1".parse().unwrap())
        );
        assert!(
            ProxyRange::parse("0.0.0.0/0")
                .unwrap()
                .contains("8.8.8.8".parse().unwrap())
        );
        for bad in ["", "10.0.0.0/33", "x", "10.0.0.0/"] {
            assert_eq!(ProxyRange::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn forwarding_headers_count_only_from_a_trusted_proxy() {
        let trusted = [ProxyRange::parse("127.0.0.1").unwrap()];
        let h = headers(&[("x-forwarded-for", "1.1.1.1, 203.0.113.9")]);
        // From the proxy: the right-most untrusted hop.
        let c = real_client("127.0.0.1".parse().unwrap(), &h, &trusted);
        assert_eq!(c.ip.to_string(), "203.0.113.9");
        assert!(c.proxied);
        // From anyone else: the header is ignored (it could say anything).
        let c = real_client("198.51.100.4".parse().unwrap(), &h, &trusted);
        assert_eq!(c.ip.to_string(), "198.51.100.4");
        // No proxy configured: the peer, but the request is still marked as proxied.
        let c = real_client("127.0.0.1".parse().unwrap(), &h, &[]);
        assert_eq!(c.ip.to_string(), "127.0.0.1");
        assert!(c.proxied);
        let f = headers(&[("forwarded", "for=\"[2001:db8::7]:4711\";proto=https")]);
        let c = real_client("127.0.0.1".parse().unwrap(), &f, &trusted);
        assert_eq!(c.ip.to_string(), "2001:db8::7");
    }
}
