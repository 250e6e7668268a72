//! Password hashing in crypt(3) formats, so that the system's libcrypt (PAM, sshd, `su`)
//! verifies what hearth writes into `/etc/shadow`, and hearth verifies what the system wrote.

use hearth_domain::ReturnCode;
use sha_crypt::ShaCrypt;
use yescrypt::{PasswordHasher, PasswordVerifier, Yescrypt};

use crate::error::{HostError, Result};

/// Salt length in bytes: libxcrypt's `crypt_gensalt` uses 16 random bytes for yescrypt
/// (22 characters once encoded).
const SALT_LEN: usize = 16;

/// Hash a password with yescrypt, Debian's default (`$y$j9T$<salt>$<hash>`: N=4096, r=32, p=1,
/// the parameters of libxcrypt's default cost 5), with a fresh 16-byte salt from the OS
/// random source.
///
/// The result is accepted by `crypt(3)`/PAM and by [`verify_password`]. Errors never contain
/// the password.
pub fn hash_password(password: &str) -> Result<String> {
    let mut salt = [0u8; SALT_LEN];
    getrandom::fill(&mut salt).map_err(|e| {
        HostError::new(ReturnCode::Disk, "password hashing failed").with_detail(format!("random source: {e}"))
    })?;
    let hash = Yescrypt::default()
        .hash_password_with_salt(password.as_bytes(), &salt)
        .map_err(|e| HostError::new(ReturnCode::Invalid, "password hashing failed").with_detail(e.to_string()))?;
    Ok(hash.as_str().to_owned())
}

/// Check a password against a crypt(3) hash as found in field 2 of `/etc/shadow`.
///
/// Supports yescrypt (`$y$`), SHA-512-crypt (`$6$`) and SHA-256-crypt (`$5$`, with or without
/// `rounds=`); the final comparison is constant-time in both libraries. Returns `false` for a
/// locked hash (leading `!`), a disabled one (`*`), an empty one, any other or malformed
/// format, and hashes whose cost exceeds sane bounds (yescrypt memory over 256 MiB, SHA-crypt
/// `rounds=` over 1,000,000), so that a forged hash cannot exhaust the machine.
pub fn verify_password(password: &str, hash: &str) -> bool {
    if hash.starts_with("$y$") {
        yescrypt_cost_ok(hash) && Yescrypt::default().verify_password(password.as_bytes(), hash).is_ok()
    } else if hash.starts_with("$6$") || hash.starts_with("$5$") {
        sha_crypt_rounds_ok(hash) && ShaCrypt::SHA512.verify_password(password.as_bytes(), hash).is_ok()
    } else {
        false
    }
}

/// Largest yescrypt memory cost (128·N·r bytes) [`verify_password`] accepts: 256 MiB, 16 times
/// Debian's default, so that a forged hash cannot make it allocate without bound.
const MAX_YESCRYPT_MEMORY: u128 = 256 << 20;

fn yescrypt_cost_ok(hash: &str) -> bool {
    hash.split('$')
        .nth(2)
        .and_then(|p| p.parse::<yescrypt::Params>().ok())
        .is_some_and(|p| 128 * u128::from(p.n()) * u128::from(p.r()) <= MAX_YESCRYPT_MEMORY)
}

/// Largest `rounds=` of SHA-crypt [`verify_password`] accepts (the default is 5000).
const MAX_SHA_CRYPT_ROUNDS: u64 = 1_000_000;

fn sha_crypt_rounds_ok(hash: &str) -> bool {
    match hash.split('$').nth(2).and_then(|f| f.strip_prefix("rounds=")) {
        Some(n) => n.parse::<u64>().is_ok_and(|n| n <= MAX_SHA_CRYPT_ROUNDS),
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yescrypt_round_trip_and_format() {
        let h = hash_password("s3cret pass").expect("hash");
        assert!(h.starts_with("$y$j9T$"), "{h}");
        let parts: Vec<&str> = h.split('$').collect();
        assert_eq!(parts.len(), 5, "{h}");
        assert_eq!(parts[3].len(), 22, "salt of 16 bytes: {h}");
        assert!(verify_password("s3cret pass", &h));
        assert!(!verify_password("s3cret pasS", &h));
        assert!(!verify_password("", &h));
        let h2 = hash_password("s3cret pass").expect("hash");
        assert_ne!(h, h2, "salts differ");
    }

    #[test]
    fn locked_unknown_and_malformed_hashes_never_verify() {
        let h = hash_password("pw123456").expect("hash");
        assert!(!verify_password("pw123456", &format!("!{h}")));
        assert!(!verify_password("pw123456", "!"));
        assert!(!verify_password("pw123456", "*"));
        assert!(!verify_password("", ""));
        assert!(!verify_password("pw123456", "$1$abcdefgh$0123456789abcdefghijkl"));
        assert!(!verify_password("pw123456", "$y$j9T$"));
        assert!(!verify_password("pw123456", "$6$$"));
        assert!(!verify_password("pw123456", "plain"));
        // N = 2^17, r = 32 (512 MiB, valid for libcrypt): refused before any allocation.
        assert!(!yescrypt_cost_ok("$y$jET$abcdefghijklmnop$TndVtKqn3u0b4CwX"));
        assert!(!verify_password("x", "$y$jET$abcdefghijklmnop$TndVtKqn3u0b4CwX"));
        assert!(yescrypt_cost_ok("$y$jDT$abcdefghijklmnop$x"));
        assert!(yescrypt_cost_ok(&h));
        assert!(!verify_password("x", "$6$rounds=999999999$salt$abc"));
        assert!(sha_crypt_rounds_ok("$6$rounds=5000$salt$abc"));
        assert!(sha_crypt_rounds_ok("$6$salt$abc"));
    }

    #[test]
    fn sha512_crypt_known_vectors() {
        // Vectors from Ulrich Drepper's SHA-crypt specification.
        assert!(verify_password(
            "Hello world!",
            "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1"
        ));
        assert!(verify_password(
            "Hello world!",
            "$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v."
        ));
        assert!(!verify_password(
            "Hello world?",
            "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1"
        ));
        assert!(verify_password(
            "Hello world!",
            "$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5"
        ));
    }
}
