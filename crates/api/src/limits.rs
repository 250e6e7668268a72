//! Rate limiters, named by purpose.
//!
//! `FailedAuth`: failed authentications per client address. After [`FAILED_AUTH_LIMIT`]
//! failures within [`FAILED_AUTH_WINDOW`], the address gets 429 with `Retry-After` until the
//! window ends; other addresses are not affected.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

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
}
