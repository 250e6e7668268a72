//! Small shared helpers: the clock as Hestia prints it, secrets from the OS generator, hashing.

use hearth_domain::{HearthError, ReturnCode};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Date and time as Hestia writes them (`YYYY-MM-DD`, `HH:MM:SS`, local time).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Now {
    pub date: String,
    pub time: String,
    pub unix: i64,
}

impl Now {
    /// The current second, formatted once per second and thread (the API asks on every call).
    pub fn current() -> Now {
        thread_local! {
            static LAST: std::cell::RefCell<Option<Now>> = const { std::cell::RefCell::new(None) };
        }
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        LAST.with(|last| {
            let mut last = last.borrow_mut();
            match &*last {
                Some(n) if n.unix == secs => n.clone(),
                _ => {
                    let n = Now::compute();
                    *last = Some(n.clone());
                    n
                }
            }
        })
    }

    fn compute() -> Now {
        let t = chrono::Local::now();
        Now {
            date: t.format("%Y-%m-%d").to_string(),
            time: t.format("%H:%M:%S").to_string(),
            unix: t.timestamp(),
        }
    }
}

/// Alphabet of access key ids (Hestia: 62 symbols).
pub const KEY_ID_ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/// Alphabet of access key secrets (Hestia: 65 symbols).
pub const SECRET_ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-=";
/// Alphabet of legacy API keys (`tr -dc _A-Z-a-z-0-9`).
pub const LEGACY_ALPHABET: &[u8] = b"_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-0123456789";

/// `len` characters drawn uniformly from `alphabet` with the OS generator (rejection sampling,
/// so no modulo bias).
pub fn random_string(alphabet: &[u8], len: usize) -> Result<String, HearthError> {
    let n = alphabet.len();
    debug_assert!(n > 0 && n <= 256);
    let limit = 256 - (256 % n);
    let mut out = String::with_capacity(len);
    let mut buf = [0u8; 64];
    while out.len() < len {
        getrandom::fill(&mut buf)
            .map_err(|e| HearthError::new(ReturnCode::Disk, format!("random generator failed: {e}")))?;
        for b in buf {
            if (b as usize) < limit {
                out.push(alphabet[b as usize % n] as char);
                if out.len() == len {
                    break;
                }
            }
        }
    }
    Ok(out)
}

pub fn sha256(data: &[u8]) -> Vec<u8> {
    Sha256::digest(data).to_vec()
}

/// Constant-time equality of two byte strings.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

/// The longest history message kept whole (a message echoes arguments; the history is shown
/// by `v-list-user-log` on terminals and in answers).
pub const HISTORY_MESSAGE_MAX: usize = 1024;

/// Hestia's `log_history` replaces `'` by `´` in messages; hearth also escapes control
/// characters (a carriage return would rewrite a row on the admin's screen) and cuts a message
/// longer than [`HISTORY_MESSAGE_MAX`] bytes.
pub fn history_text(s: &str) -> String {
    hearth_domain::text::for_log(s, HISTORY_MESSAGE_MAX).replace('\'', "´")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_messages_are_one_clean_line() {
        assert_eq!(history_text("it's"), "it´s");
        assert_eq!(history_text("a\rb\u{1b}[2J"), "a\\rb\\e[2J");
        let long = history_text(&"x".repeat(5000));
        assert!(long.len() < HISTORY_MESSAGE_MAX + 32 && long.ends_with("(5000 bytes)"));
    }

    #[test]
    fn random_strings_use_the_alphabet() {
        let s = random_string(SECRET_ALPHABET, 40).expect("rng");
        assert_eq!(s.len(), 40);
        assert!(s.bytes().all(|b| SECRET_ALPHABET.contains(&b)));
        assert_ne!(s, random_string(SECRET_ALPHABET, 40).expect("rng"));
    }

    #[test]
    fn ct_eq_compares() {
        assert!(ct_eq(b"abc", b"abc"));
        assert!(!ct_eq(b"abc", b"abd"));
        assert!(!ct_eq(b"abc", b"ab"));
    }
}
