//! Objects hearth reads only from a Hestia tree (`hearth import-hestia`): a line of a user's
//! `history.log`, and an access key file (`data/access-keys/ID`).

/// A line of `data/users/USER/history.log`.
pub mod history {
    crate::object_keys!(ID, DATE, TIME, LEVEL, CATEGORY, MESSAGE);
}

/// An access key file. `EXPIRES_IN` and `IP` are read when present (a tree hearth exported).
pub mod access_key {
    crate::object_keys!(
        ACCESS_KEY_ID,
        SECRET_ACCESS_KEY,
        USER,
        PERMISSIONS,
        COMMENT,
        TIME,
        DATE,
        EXPIRES_IN,
        IP
    );
}

/// A history line as read.
pub type HistoryLine = super::Obj<history::Key>;

/// An access key file as read.
pub type AccessKeyFile = super::Obj<access_key::Key>;
