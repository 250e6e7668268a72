//! The store's write generation: a counter in a small file beside the database, moved by
//! every write transaction of every hearth process, so that a connection can tell in one
//! `pread` whether what it cached is still current — without starting an SQLite read
//! transaction (which costs two `fcntl` locks and three statements).
//!
//! A writer makes the counter odd before it changes anything (inside its write lock) and even
//! again after it committed (or rolled back). Readers only cache while the counter is even,
//! and drop their cache when it differs from the value they filled it at. A writer killed
//! between the two steps leaves the counter odd: readers then simply stop caching until the
//! next write completes. Changes made to the database by other programs than hearth are not
//! seen by this counter: caches are also dropped after [`MAX_AGE`] for that case.

use std::fs::File;
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::Path;
use std::time::Duration;

/// The longest a cache lives without a write having been seen.
pub const MAX_AGE: Duration = Duration::from_secs(1);

pub struct Generation {
    file: File,
}

impl Generation {
    pub fn open(db: &Path) -> std::io::Result<Generation> {
        let mut name = db.as_os_str().to_owned();
        name.push("-gen");
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(name)?;
        Ok(Generation { file })
    }

    /// The current value (0 for a new file).
    pub fn current(&self) -> std::io::Result<u64> {
        let mut b = [0u8; 8];
        let n = self.file.read_at(&mut b, 0)?;
        if n < 8 {
            return Ok(0);
        }
        Ok(u64::from_le_bytes(b))
    }

    /// Move to the next odd value: a write is under way.
    pub fn begin_write(&self) -> std::io::Result<()> {
        self.bump(|g| if g % 2 == 0 { g + 1 } else { g + 2 })
    }

    /// Move to the next even value: the write is over.
    pub fn end_write(&self) -> std::io::Result<()> {
        self.bump(|g| if g % 2 == 0 { g + 2 } else { g + 1 })
    }

    fn bump(&self, next: impl FnOnce(u64) -> u64) -> std::io::Result<()> {
        // Writers of all processes take turns (the counter only moves forward).
        self.file.lock()?;
        let r = self
            .current()
            .and_then(|g| self.file.write_all_at(&next(g).to_le_bytes(), 0));
        let unlocked = self.file.unlock();
        r.and(unlocked)
    }
}
