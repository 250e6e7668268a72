//! A double of the DNS service's programs, for tests of the pipeline's failure paths without
//! named or named-checkzone: it refuses zone texts that hold a chosen marker, fails reloads on
//! demand, and counts what it was asked.

use super::DnsTools;
use crate::home::Home;
use hearth_domain::{HearthError, ReturnCode};
use hearth_host::Host;
use hearth_host::dns::CheckVerdict;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

#[derive(Debug, Default)]
pub struct DnsDouble {
    /// A zone text holding one of these is refused, with the marker as the reason.
    refuse: Mutex<Vec<String>>,
    fail_reload: AtomicBool,
    checks: AtomicUsize,
    reloads: AtomicUsize,
}

impl DnsDouble {
    /// Refuse every zone text that holds `marker`.
    pub fn refuse(&self, marker: &str) {
        self.refuse
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(marker.to_string());
    }

    /// Make reloads fail (or succeed again).
    pub fn fail_reloads(&self, on: bool) {
        self.fail_reload.store(on, Ordering::SeqCst);
    }

    /// Zone texts checked so far.
    pub fn checks(&self) -> usize {
        self.checks.load(Ordering::SeqCst)
    }

    /// Reloads that succeeded so far.
    pub fn reloads(&self) -> usize {
        self.reloads.load(Ordering::SeqCst)
    }
}

impl DnsTools for DnsDouble {
    fn check(&self, _host: &Host, _domain: &str, text: &str) -> Result<Option<CheckVerdict>, HearthError> {
        self.checks.fetch_add(1, Ordering::SeqCst);
        let refuse = self.refuse.lock().unwrap_or_else(|p| p.into_inner());
        let reasons: Vec<String> = refuse
            .iter()
            .filter(|m| text.contains(m.as_str()))
            .map(|m| format!("refused by the double: {m}"))
            .collect();
        Ok(Some(if reasons.is_empty() {
            CheckVerdict::default()
        } else {
            CheckVerdict::refused(reasons, Some("double: the zone holds a refused marker".into()))
        }))
    }

    fn reload(&self, _home: &Home, _host: &Host) -> Result<bool, HearthError> {
        if self.fail_reload.load(Ordering::SeqCst) {
            return Err(HearthError::new(ReturnCode::Restart, "bind9 restart failed"));
        }
        self.reloads.fetch_add(1, Ordering::SeqCst);
        Ok(true)
    }
}
