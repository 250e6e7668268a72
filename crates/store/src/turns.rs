//! Writers of one process take turns in arrival order before they ask SQLite for its write
//! lock. SQLite's own wait for a busy lock is a sleep with back-off (up to 100 ms a try), which
//! serves no one in order: under a stream of writes (the API's groups, its audit lines, the
//! host applier) a writer could wait for seconds. Writers of other processes (the CLI) still
//! meet at SQLite's lock.

use std::sync::{Condvar, Mutex};

/// A ticket lock: each writer takes a number and waits for it to be served.
pub(crate) struct Turns {
    state: Mutex<(u64, u64)>,
    served: Condvar,
}

pub(crate) static WRITERS: Turns = Turns {
    state: Mutex::new((0, 0)),
    served: Condvar::new(),
};

/// A writer's turn: the next one is served when it is dropped.
pub(crate) struct Turn(&'static Turns);

impl Turns {
    pub(crate) fn take(&'static self) -> Turn {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let ticket = s.0;
        s.0 += 1;
        while s.1 != ticket {
            s = self.served.wait(s).unwrap_or_else(|p| p.into_inner());
        }
        Turn(self)
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        let mut s = self.0.state.lock().unwrap_or_else(|p| p.into_inner());
        s.1 += 1;
        drop(s);
        self.0.served.notify_all();
    }
}
