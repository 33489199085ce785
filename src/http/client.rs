//! The client's address, behind proxies the operator trusts.
//!
//! The TCP peer is the client unless it is one of `GONGKAI_TRUSTED_PROXIES`: then the address
//! is read from `Forwarded` (RFC 7239) or, without it, `X-Forwarded-For`, walking the list of
//! hops from the right (the hop nearest to us) and skipping trusted proxies: the first hop that
//! is not trusted is the client. Anything a client writes to the left of that hop is its own
//! claim and is ignored. From any other peer the headers are ignored: a client cannot choose
//! the address its rate limits and audit entries are keyed on.

use std::net::IpAddr;

use actix_web::http::header::HeaderMap;
use ipnet::IpNet;

/// The proxies whose forwarding headers are believed (app data; empty: none).
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(pub Vec<IpNet>);

impl TrustedProxies {
    /// Parses a list of addresses or CIDR blocks separated by commas.
    pub fn parse(list: &str) -> Result<Self, String> {
        crate::config::parse_networks(list).map(Self)
    }

    pub fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|net| net.contains(&ip))
    }
}

/// IPv4 addresses mapped into IPv6 (`::ffff:a.b.c.d`) as IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The client's address for a request from `peer` with these headers.
pub fn client_address(
    peer: Option<IpAddr>,
    headers: &HeaderMap,
    trusted: &TrustedProxies,
) -> IpAddr {
    let peer = canonical(peer.unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED)));
    if !trusted.trusts(peer) {
        return peer;
    }
    let hops = forwarded_hops(headers);
    // From the nearest hop outwards: the first one we do not trust is the client. A list of
    // trusted hops only (all internal) leaves the outermost; no usable list leaves the peer.
    let mut client = peer;
    for hop in hops.into_iter().rev() {
        match hop {
            Some(ip) => {
                client = ip;
                if !trusted.trusts(ip) {
                    return ip;
                }
            }
            // A hop we cannot read (`unknown`, an obfuscated name) ends what we can believe.
            None => return client,
        }
    }
    client
}

/// The `for` addresses of `Forwarded`, or else the addresses of `X-Forwarded-For`, leftmost
/// first; `None` for a hop that is not an address.
fn forwarded_hops(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let values = |name: &str| -> Vec<String> {
        headers
            .get_all(name)
            .filter_map(|v| v.to_str().ok())
            .map(str::to_owned)
            .collect()
    };
    let forwarded = values("forwarded");
    if !forwarded.is_empty() {
        return forwarded
            .iter()
            .flat_map(|v| v.split(','))
            .filter_map(|element| {
                element.split(';').find_map(|pair| {
                    let (k, v) = pair.split_once('=')?;
                    k.trim()
                        .eq_ignore_ascii_case("for")
                        .then(|| parse_node(v.trim()))
                })
            })
            .collect();
    }
    values("x-forwarded-for")
        .iter()
        .flat_map(|v| v.split(','))
        .map(|s| parse_node(s.trim()))
        .collect()
}

/// A node as RFC 7239 writes it (`192.0.2.1`, `"[2001:db8::1]:4711"`, `192.0.2.1:80`).
fn parse_node(raw: &str) -> Option<IpAddr> {
    let s = raw.trim_matches('"');
    if let Some(rest) = s.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok().map(canonical);
    }
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    // An IPv4 address with a port.
    s.rsplit_once(':')
        .and_then(|(host, _)| host.parse::<std::net::Ipv4Addr>().ok())
        .map(IpAddr::V4)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                HeaderName::from_static(k),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn headers_from_an_untrusted_peer_are_ignored() {
        let t = TrustedProxies::parse("10.0.0.0/8").unwrap();
        let h = headers(&[("x-forwarded-for", "203.0.113.9")]);
        assert_eq!(
            client_address(Some(ip("198.51.100.7")), &h, &t),
            ip("198.51.100.7")
        );
        let none = TrustedProxies::default();
        assert_eq!(
            client_address(Some(ip("10.1.1.1")), &h, &none),
            ip("10.1.1.1")
        );
    }

    #[test]
    fn the_rightmost_untrusted_hop_is_the_client() {
        let t = TrustedProxies::parse("10.0.0.0/8, 192.168.1.1").unwrap();
        // The client claims 1.2.3.4; the edge proxy (192.168.1.1) saw 203.0.113.9.
        let h = headers(&[("x-forwarded-for", "1.2.3.4, 203.0.113.9, 192.168.1.1")]);
        assert_eq!(
            client_address(Some(ip("10.0.0.2")), &h, &t),
            ip("203.0.113.9")
        );
        // Several header lines are one list.
        let h = headers(&[
            ("x-forwarded-for", "1.2.3.4"),
            ("x-forwarded-for", "203.0.113.9"),
        ]);
        assert_eq!(
            client_address(Some(ip("10.0.0.2")), &h, &t),
            ip("203.0.113.9")
        );
        // Only trusted hops: the outermost.
        let h = headers(&[("x-forwarded-for", "10.9.9.9, 10.0.0.3")]);
        assert_eq!(client_address(Some(ip("10.0.0.2")), &h, &t), ip("10.9.9.9"));
        // No header: the proxy itself.
        assert_eq!(
            client_address(Some(ip("10.0.0.2")), &HeaderMap::new(), &t),
            ip("10.0.0.2")
        );
    }

    #[test]
    fn forwarded_is_read_first_with_its_quoting() {
        let t = TrustedProxies::parse("127.0.0.1").unwrap();
        let h = headers(&[
            (
                "forwarded",
                "for=198.51.100.1;proto=https, for=\"[2001:db8::7]:4711\"",
            ),
            ("x-forwarded-for", "203.0.113.9"),
        ]);
        assert_eq!(
            client_address(Some(ip("127.0.0.1")), &h, &t),
            ip("2001:db8::7")
        );
        let h = headers(&[("forwarded", "for=192.0.2.60:8080")]);
        assert_eq!(
            client_address(Some(ip("127.0.0.1")), &h, &t),
            ip("192.0.2.60")
        );
        // An obfuscated hop stops the walk at what was believed so far.
        let h = headers(&[("forwarded", "for=203.0.113.5, for=_hidden")]);
        assert_eq!(
            client_address(Some(ip("127.0.0.1")), &h, &t),
            ip("127.0.0.1")
        );
    }

    #[test]
    fn mapped_addresses_are_ipv4_and_bad_lists_are_refused() {
        let t = TrustedProxies::parse("127.0.0.1").unwrap();
        let h = headers(&[("x-forwarded-for", "203.0.113.9")]);
        assert_eq!(
            client_address(Some(ip("::ffff:127.0.0.1")), &h, &t),
            ip("203.0.113.9")
        );
        assert!(TrustedProxies::parse("10.0.0.0/8, nonsense").is_err());
        assert_eq!(TrustedProxies::parse(" ").unwrap().0.len(), 0);
    }
}
