//! One rate limiter for every public route of every service (the `governor` crate's GCRA: `n`
//! per minute with a burst of `n`), keyed by the client's address:
//! - the address is the TCP peer, unless the peer is a trusted proxy (`TRUSTED_PROXIES`,
//!   addresses or CIDR blocks); then the rightmost `X-Forwarded-For` hop that is not itself a
//!   trusted proxy — entries to its left are whatever the client wrote;
//! - an IPv6 client counts by its /64 (one subscriber's network);
//! - memory is bounded: addresses hash (with a per-process random key) into 2^18 slots per limit,
//!   and slots idle for a full period are dropped every minute.
//!
//! Public reads (`GET`, `HEAD`) and writes (everything else) have their own limits,
//! `READS_PER_MINUTE` (default 120) and `WRITES_PER_MINUTE` (default 30), 0 = off; staff routes
//! (`/api/v1/staff/…`, behind a token) and `/healthz`, `/readyz`, `/metrics` are not limited. Over
//! the limit: `429` problem+json with `Retry-After`.

use crate::{Lang, Problem, Settings};
use actix_web::HttpRequest;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use std::hash::{BuildHasher, Hash, RandomState};
use std::net::IpAddr;
use std::num::NonZeroU32;

/// Slots per limit: the most states one limit keeps, whatever the number of clients.
pub const SLOTS: u64 = 1 << 18;

/// One limit: `n` per period and key, or off.
pub struct Limit {
    pub name: &'static str,
    limiter: Option<DefaultKeyedRateLimiter<u32>>,
    hasher: RandomState,
}

impl Limit {
    /// `n` per minute (0 = off).
    pub fn per_minute(name: &'static str, n: u32) -> Self {
        Self::new(name, NonZeroU32::new(n).map(Quota::per_minute))
    }

    /// `n` per hour (0 = off).
    pub fn per_hour(name: &'static str, n: u32) -> Self {
        Self::new(name, NonZeroU32::new(n).map(Quota::per_hour))
    }

    fn new(name: &'static str, quota: Option<Quota>) -> Self {
        Self {
            name,
            limiter: quota.map(DefaultKeyedRateLimiter::keyed),
            hasher: RandomState::new(),
        }
    }

    /// Counts one request of `key`; `Err(seconds to wait)` when over the limit.
    pub fn check<K: Hash>(&self, key: &K) -> Result<(), u64> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        let slot = u32::try_from(self.hasher.hash_one(key) % SLOTS).unwrap_or(0);
        limiter.check_key(&slot).map_err(|not_until| {
            not_until
                .wait_time_from(DefaultClock::default().now())
                .as_secs()
                .max(1)
        })
    }

    /// Drops the states of keys idle for a full period.
    pub fn shrink(&self) {
        if let Some(l) = &self.limiter {
            l.retain_recent();
            l.shrink_to_fit();
        }
    }

    /// Keys held now (at most [`SLOTS`]).
    pub fn len(&self) -> usize {
        self.limiter.as_ref().map_or(0, |l| l.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Addresses and CIDR blocks of the proxies in front of the services (`TRUSTED_PROXIES`,
/// comma-separated, e.g. `10.0.0.0/8, 127.0.0.1`).
#[derive(Debug, Clone, Default)]
pub struct Proxies(Vec<(IpAddr, u8)>);

impl Proxies {
    pub fn parse(list: &str) -> anyhow::Result<Self> {
        let mut blocks = Vec::new();
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (addr, bits) = match item.split_once('/') {
                Some((a, b)) => (a, Some(b)),
                None => (item, None),
            };
            let addr: IpAddr = addr.parse().map_err(|_| {
                anyhow::anyhow!("setting TRUSTED_PROXIES: {item:?} is not an address or CIDR block")
            })?;
            let max = if addr.is_ipv4() { 32 } else { 128 };
            let bits = match bits {
                None => max,
                Some(b) => b.parse::<u8>().ok().filter(|b| *b <= max).ok_or_else(|| {
                    anyhow::anyhow!(
                        "setting TRUSTED_PROXIES: {item:?} has an invalid prefix length"
                    )
                })?,
            };
            blocks.push((addr, bits));
        }
        Ok(Self(blocks))
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = unmapped(ip);
        self.0.iter().any(|&(net, bits)| match (net, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => prefix(
                u128::from(u32::from(n)) << 96,
                u128::from(u32::from(a)) << 96,
                bits,
            ),
            (IpAddr::V6(n), IpAddr::V6(a)) => prefix(u128::from(n), u128::from(a), bits),
            _ => false,
        })
    }
}

fn prefix(net: u128, addr: u128, bits: u8) -> bool {
    bits == 0 || (net ^ addr) >> (128 - u32::from(bits)) == 0
}

fn unmapped(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The client's address, as the key of the rate limits and the idempotency scope (see the
/// module documentation).
pub fn client_address(req: &HttpRequest, proxies: &Proxies) -> IpAddr {
    let peer = req
        .peer_addr()
        .map_or(IpAddr::from([0, 0, 0, 0]), |a| unmapped(a.ip()));
    let mut client = peer;
    if proxies.contains(peer) {
        let hops: Vec<&str> = req
            .headers()
            .get_all("x-forwarded-for")
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .collect();
        for hop in hops.iter().rev() {
            let Ok(ip) = hop.trim().parse::<IpAddr>() else {
                break;
            };
            client = unmapped(ip);
            if !proxies.contains(client) {
                break;
            }
        }
    }
    subscriber(client)
}

/// An IPv6 address cut to its /64; an IPv4 address as it is.
fn subscriber(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::from([s[0], s[1], s[2], s[3], 0, 0, 0, 0])
        }
        v4 => v4,
    }
}

/// The public limits of one service.
pub struct PublicLimits {
    pub reads: Limit,
    pub writes: Limit,
    pub proxies: Proxies,
}

impl PublicLimits {
    pub fn from_settings(s: &Settings) -> anyhow::Result<Self> {
        Ok(Self {
            reads: Limit::per_minute("public_reads", s.parse("READS_PER_MINUTE", 120)?),
            writes: Limit::per_minute("public_writes", s.parse("WRITES_PER_MINUTE", 30)?),
            proxies: Proxies::parse(&s.string("TRUSTED_PROXIES", ""))?,
        })
    }

    /// The limit a request counts against, if any.
    fn limit_for(&self, method: &actix_web::http::Method, path: &str) -> Option<&Limit> {
        if crate::endpoint::is_staff(path) || matches!(path, "/healthz" | "/readyz" | "/metrics") {
            return None;
        }
        Some(
            if matches!(
                *method,
                actix_web::http::Method::GET | actix_web::http::Method::HEAD
            ) {
                &self.reads
            } else {
                &self.writes
            },
        )
    }

    /// Drops idle states (the service calls it every minute).
    pub fn shrink(&self) {
        self.reads.shrink();
        self.writes.shrink();
    }
}

/// The middleware: counts each public request against its limit, or answers 429.
pub async fn limit_public(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if let Some(core) = req.app_data::<actix_web::web::Data<crate::Core>>()
        && let Some(limit) = core.limits.limit_for(req.method(), req.path())
    {
        let ip = client_address(req.request(), &core.limits.proxies);
        if let Err(wait) = limit.check(&ip) {
            core.rate_limited.with_label_values(&[limit.name]).inc();
            let lang = Lang::of(req.request());
            return Err(Problem::too_many_requests(lang, wait).into());
        }
    }
    next.call(req).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn requests_over_the_limit_are_refused_per_key() {
        let l = Limit::per_minute("t", 3);
        for _ in 0..3 {
            assert!(l.check(&"a").is_ok());
        }
        let wait = l.check(&"a").unwrap_err();
        assert!((1..=60).contains(&wait), "{wait}");
        assert!(l.check(&"b").is_ok());
        let off = Limit::per_minute("off", 0);
        assert!((0..1000).all(|_| off.check(&"a").is_ok()));
    }

    #[test]
    fn memory_is_bounded_by_the_slots() {
        let l = Limit::per_minute("t", 1);
        for i in 0..(SLOTS * 2) {
            let _ = l.check(&i);
        }
        assert!(l.len() as u64 <= SLOTS, "{}", l.len());
    }

    #[test]
    fn the_client_is_the_rightmost_hop_that_is_not_a_trusted_proxy() {
        let proxies = Proxies::parse("10.0.0.0/8, 192.0.2.1").unwrap();
        let req = |peer: &str, xff: &str| {
            TestRequest::default()
                .peer_addr(format!("{peer}:5000").parse().unwrap())
                .insert_header(("X-Forwarded-For", xff))
                .to_http_request()
        };
        // Through two trusted proxies: the client wrote a fake leftmost entry.
        let r = req("10.1.1.1", "6.6.6.6, 203.0.113.7, 10.2.2.2");
        assert_eq!(
            client_address(&r, &proxies),
            "203.0.113.7".parse::<IpAddr>().unwrap()
        );
        // An untrusted peer's X-Forwarded-For is ignored.
        let r = req("198.51.100.4", "6.6.6.6");
        assert_eq!(
            client_address(&r, &proxies),
            "198.51.100.4".parse::<IpAddr>().unwrap()
        );
        // No proxies configured: the peer, always.
        let r = req("10.1.1.1", "6.6.6.6");
        assert_eq!(
            client_address(&r, &Proxies::default()),
            "10.1.1.1".parse::<IpAddr>().unwrap()
        );
        // IPv6 counts by its /64.
        let r = req("192.0.2.1", "2001:db8:1:2:aaaa:bbbb:cccc:dddd");
        assert_eq!(
            client_address(&r, &proxies),
            "2001:db8:1:2::".parse::<IpAddr>().unwrap()
        );
    }

    #[test]
    fn bad_proxy_settings_are_refused() {
        assert!(Proxies::parse("10.0.0.0/33").is_err());
        assert!(Proxies::parse("proxy.local").is_err());
        assert!(Proxies::parse("").unwrap().0.is_empty());
        let p = Proxies::parse("::ffff:0:0/96, 2001:db8::/32").unwrap();
        assert!(p.contains("2001:db8:5::1".parse().unwrap()));
        assert!(!p.contains("2001:db9::1".parse().unwrap()));
    }
}
