//! Rate limiters, named by purpose.
//!
//! `FailedAuth`: failed authentications per client address. After [`FAILED_AUTH_LIMIT`]
//! failures within [`FAILED_AUTH_WINDOW`], the address gets 429 with `Retry-After` until the
//! window ends; other addresses are not affected.
//!
//! HTTP connections: the timeouts and caps of `hearth serve` ([`Connections`], [`BodyBytes`]).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

pub const FAILED_AUTH_LIMIT: u32 = 10;
pub const FAILED_AUTH_WINDOW: Duration = Duration::from_secs(300);

#[derive(Default)]
pub struct FailedAuth {
    by_ip: Mutex<HashMap<IpAddr, (u32, Instant)>>,
}

impl FailedAuth {
    /// Seconds to wait when `ip` is over the limit now.
    pub fn blocked(&self, ip: IpAddr) -> Option<u64> {
        let map = self.by_ip.lock().ok()?;
        let (count, start) = map.get(&ip)?;
        let elapsed = start.elapsed();
        if *count >= FAILED_AUTH_LIMIT && elapsed < FAILED_AUTH_WINDOW {
            Some((FAILED_AUTH_WINDOW - elapsed).as_secs().max(1))
        } else {
            None
        }
    }

    /// Count one failure of `ip`.
    pub fn failed(&self, ip: IpAddr) {
        let Ok(mut map) = self.by_ip.lock() else { return };
        if map.len() > 100_000 {
            map.retain(|_, (_, start)| start.elapsed() < FAILED_AUTH_WINDOW);
        }
        let e = map.entry(ip).or_insert((0, Instant::now()));
        if e.1.elapsed() >= FAILED_AUTH_WINDOW {
            *e = (0, Instant::now());
        }
        e.0 += 1;
    }
}

// ---- HTTP connections ------------------------------------------------------------------------
//
// What one client can hold, and for how long, once its TLS handshake is done. The figures are
// listed in docs/reliability.md; `hearth serve` prints the connection caps it runs with.

/// A client has this long to send a request head (HTTP/1.1), counted from when the connection
/// starts waiting for one: this is also how long an idle keep-alive connection stays open.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// A request body must be complete this long after its head arrived, else 408 (HTTP/1.1: and
/// the connection closes; HTTP/2: the stream is reset). Real calls send a few KiB; 10 s still
/// carries the largest body accepted (2 MiB) at 1.7 Mbit/s.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(10);

/// A connection with no request in flight that has sent nothing for this long is closed
/// (HTTP/2: GOAWAY; also an HTTP/1.1 connection whose client does not take its answer). It is
/// checked every half of it, so such a connection closes 1 to 1.5 times this after going quiet.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(10);

/// After an idle connection is told to close (GOAWAY / `Connection: close`), how long it has to
/// finish before it is dropped.
pub const CLOSE_GRACE: Duration = Duration::from_secs(5);

/// Open connections from one client address (IPv6: one /64); past it a new connection is
/// closed at once. Trusted proxies (`trusted_proxies`) are not counted here.
pub const CONNECTIONS_PER_ADDRESS: usize = 32;

/// Open connections in all; past it a new connection is closed at once. Lowered at start to
/// the descriptor limit less [`RESERVED_DESCRIPTORS`].
pub const MAX_CONNECTIONS: usize = 1024;

/// Descriptors kept for everything but client connections (store, logs, certificates, the
/// pipes of programs hearth runs).
pub const RESERVED_DESCRIPTORS: usize = 256;

/// HTTP/2 streams one connection may have open; a stream past it is refused (REFUSED_STREAM).
pub const H2_MAX_CONCURRENT_STREAMS: u32 = 32;

/// HTTP/2 receive window of one stream: what a client may send on it before hearth reads it.
pub const H2_STREAM_WINDOW: u32 = 64 * 1024;

/// HTTP/2 receive window of one connection: what its streams may send in all before hearth
/// reads it (so at most this much is buffered inside the HTTP/2 layer per connection).
pub const H2_CONNECTION_WINDOW: u32 = 256 * 1024;

/// HTTP/1.1 read buffer of one connection (a request head must fit in it: 431 otherwise).
pub const H1_MAX_BUFFER: usize = 64 * 1024;

/// Request-body bytes one connection may have buffered at once (all its HTTP/2 streams
/// together); a stream that would go past it waits for the others. At least the body limit,
/// so that one body of the largest accepted size always fits.
pub const BODY_BYTES_PER_CONNECTION: usize = 2 * 1024 * 1024;

/// Request-body bytes all connections together may have buffered at once; past it, bodies
/// being received wait.
pub const BODY_BYTES_TOTAL: usize = 128 * 1024 * 1024;

/// The open connections, counted in all and per client address.
pub struct Connections {
    max_total: usize,
    total: AtomicUsize,
    by_address: Mutex<HashMap<IpAddr, usize>>,
    /// The request-body bytes of all connections ([`BODY_BYTES_TOTAL`]).
    pub body_bytes: Semaphore,
    refused: AtomicU64,
    warned: Mutex<Option<Instant>>,
}

/// At most one warning about refused connections per this long (an attack would flood the log).
pub const REFUSAL_WARNING_EVERY: Duration = Duration::from_secs(60);

/// One admitted connection; released when dropped.
pub struct Slot {
    connections: Arc<Connections>,
    key: Option<IpAddr>,
}

/// The key a client address is counted under: IPv4 (IPv4-mapped folded) as is, IPv6 by /64
/// (one host or site gets a /64 and can pick any address inside it).
pub fn address_key(a: IpAddr) -> IpAddr {
    match a {
        IpAddr::V4(_) => a,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let bits = u128::from(v6) & !((1u128 << 64) - 1);
                IpAddr::V6(std::net::Ipv6Addr::from(bits))
            }
        },
    }
}

impl Connections {
    /// Counters for at most `max_total` connections in all.
    pub fn new(max_total: usize) -> Arc<Connections> {
        Arc::new(Connections {
            max_total: max_total.max(1),
            total: AtomicUsize::new(0),
            by_address: Mutex::new(HashMap::new()),
            body_bytes: Semaphore::new(BODY_BYTES_TOTAL),
            refused: AtomicU64::new(0),
            warned: Mutex::new(None),
        })
    }

    /// The cap in all.
    pub fn max_total(&self) -> usize {
        self.max_total
    }

    /// Connections open now.
    pub fn open(&self) -> usize {
        self.total.load(Ordering::Relaxed)
    }

    /// Count a refused connection: the number refused so far when a warning is due (the first
    /// refusal, then at most one per [`REFUSAL_WARNING_EVERY`]).
    pub fn note_refused(&self) -> Option<u64> {
        let n = self.refused.fetch_add(1, Ordering::Relaxed) + 1;
        let mut warned = self.warned.lock().unwrap_or_else(|p| p.into_inner());
        if warned.is_some_and(|t| t.elapsed() < REFUSAL_WARNING_EVERY) {
            return None;
        }
        *warned = Some(Instant::now());
        Some(n)
    }

    /// Admit a connection from `peer` (`counted`: false for a trusted proxy, which only counts
    /// in all); `None` when a cap is reached.
    pub fn admit(self: &Arc<Self>, peer: IpAddr, counted: bool) -> Option<Slot> {
        if self.total.fetch_add(1, Ordering::Relaxed) >= self.max_total {
            self.total.fetch_sub(1, Ordering::Relaxed);
            return None;
        }
        let mut slot = Slot {
            connections: self.clone(),
            key: None,
        };
        if counted {
            let key = address_key(peer);
            let mut map = self.by_address.lock().unwrap_or_else(|p| p.into_inner());
            let n = map.entry(key).or_insert(0);
            if *n >= CONNECTIONS_PER_ADDRESS {
                // Dropping `slot` gives the place in all back.
                return None;
            }
            *n += 1;
            slot.key = Some(key);
        }
        Some(slot)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Some(key) = self.key {
            let mut map = self.connections.by_address.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(n) = map.get_mut(&key) {
                *n -= 1;
                if *n == 0 {
                    map.remove(&key);
                }
            }
        }
        self.connections.total.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Request-body bytes held by one request, taken from its connection's and the global
/// allowance and given back when dropped.
pub struct BodyBytes<'a> {
    connection: &'a Semaphore,
    global: &'a Semaphore,
    from_connection: usize,
    from_global: usize,
}

impl<'a> BodyBytes<'a> {
    pub fn new(connection: &'a Semaphore, global: &'a Semaphore) -> BodyBytes<'a> {
        BodyBytes {
            connection,
            global,
            from_connection: 0,
            from_global: 0,
        }
    }

    /// Take `n` more bytes, waiting while either allowance is used up. Cancel-safe: what was
    /// taken before a cancellation is counted and given back on drop.
    pub async fn take(&mut self, n: usize) -> Result<(), ()> {
        let k = u32::try_from(n).map_err(|_| ())?;
        if k == 0 {
            return Ok(());
        }
        self.connection.acquire_many(k).await.map_err(|_| ())?.forget();
        self.from_connection += n;
        self.global.acquire_many(k).await.map_err(|_| ())?.forget();
        self.from_global += n;
        Ok(())
    }
}

impl Drop for BodyBytes<'_> {
    fn drop(&mut self) {
        if self.from_connection > 0 {
            self.connection.add_permits(self.from_connection);
        }
        if self.from_global > 0 {
            self.global.add_permits(self.from_global);
        }
    }
}

/// The soft limit on open descriptors of this process (`/proc/self/limits`), if known.
pub fn descriptor_limit() -> Option<usize> {
    let text = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = text.lines().find(|l| l.starts_with("Max open files"))?;
    let soft = line.trim_start_matches("Max open files").split_whitespace().next()?;
    if soft == "unlimited" {
        return Some(usize::MAX);
    }
    soft.parse().ok()
}

/// The connection cap in all for a descriptor limit.
pub fn connection_cap(descriptors: Option<usize>) -> usize {
    match descriptors {
        Some(d) => MAX_CONNECTIONS.min(d.saturating_sub(RESERVED_DESCRIPTORS)).max(1),
        None => MAX_CONNECTIONS,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_blocks_only_its_address() {
        let l = FailedAuth::default();
        let a: IpAddr = "192.0.2.1".parse().expect("ip");
        let b: IpAddr = "192.0.2.2".parse().expect("ip");
        for _ in 0..FAILED_AUTH_LIMIT - 1 {
            l.failed(a);
        }
        assert!(l.blocked(a).is_none());
        l.failed(a);
        assert!(l.blocked(a).is_some_and(|s| s > 0));
        assert!(l.blocked(b).is_none());
    }

    #[test]
    fn connections_are_capped_per_address_and_in_all() {
        let c = Connections::new(40);
        let a: IpAddr = "192.0.2.1".parse().expect("ip");
        let b: IpAddr = "192.0.2.2".parse().expect("ip");
        let mut held: Vec<Slot> = (0..CONNECTIONS_PER_ADDRESS)
            .map(|_| c.admit(a, true).expect("under the cap"))
            .collect();
        assert!(c.admit(a, true).is_none(), "over the per-address cap");
        // The same address as an IPv4-mapped IPv6 address is the same client.
        assert!(c.admit("::ffff:192.0.2.1".parse().expect("ip"), true).is_none());
        // A trusted proxy only counts in all.
        let proxied: Vec<Slot> = (0..4).map(|_| c.admit(a, false).expect("proxy")).collect();
        assert_eq!(c.open(), CONNECTIONS_PER_ADDRESS + 4);
        let others: Vec<Slot> = (0..40 - CONNECTIONS_PER_ADDRESS - 4)
            .map(|_| c.admit(b, true).expect("in all"))
            .collect();
        assert!(
            c.admit("192.0.2.3".parse().expect("ip"), true).is_none(),
            "over the cap in all"
        );
        assert_eq!(c.note_refused(), Some(1), "the first refusal is reported");
        assert_eq!(c.note_refused(), None, "then not again at once");
        assert_eq!(c.open(), 40, "a refusal gives its place back");
        held.pop();
        assert!(c.admit(a, true).is_some(), "a released place is free again");
        drop((held, proxied, others));
        assert_eq!(c.open(), 0);
        assert!(c.by_address.lock().expect("lock").is_empty());
    }

    #[test]
    fn ipv6_clients_are_counted_by_64() {
        let a = address_key("2001:db8:1:2:aaaa::1".parse().expect("ip"));
        assert_eq!(a, address_key("2001:db8:1:2:ffff::9".parse().expect("ip")));
        assert_ne!(a, address_key("2001:db8:1:3::1".parse().expect("ip")));
        assert_eq!(
            address_key("::ffff:10.0.0.1".parse().expect("ip")),
            "10.0.0.1".parse::<IpAddr>().expect("ip")
        );
    }

    #[test]
    fn body_bytes_are_given_back_even_when_waiting_is_cancelled() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async {
            let conn = Semaphore::new(100);
            let global = Semaphore::new(1000);
            let mut first = BodyBytes::new(&conn, &global);
            first.take(60).await.expect("take");
            assert_eq!((conn.available_permits(), global.available_permits()), (40, 940));
            {
                let mut second = BodyBytes::new(&conn, &global);
                second.take(30).await.expect("take");
                // Over the connection's allowance: waits, and is given up.
                let waited = tokio::time::timeout(Duration::from_millis(20), second.take(30)).await;
                assert!(waited.is_err());
            }
            assert_eq!((conn.available_permits(), global.available_permits()), (40, 940));
            drop(first);
            assert_eq!((conn.available_permits(), global.available_permits()), (100, 1000));
        });
    }

    #[test]
    fn the_connection_cap_stays_below_the_descriptor_limit() {
        assert_eq!(connection_cap(Some(1024)), 1024 - RESERVED_DESCRIPTORS);
        assert_eq!(connection_cap(Some(4096)), MAX_CONNECTIONS);
        assert_eq!(connection_cap(Some(usize::MAX)), MAX_CONNECTIONS);
        assert_eq!(connection_cap(Some(10)), 1);
        assert_eq!(connection_cap(None), MAX_CONNECTIONS);
        assert!(descriptor_limit().is_some_and(|d| d > 0));
    }
}
