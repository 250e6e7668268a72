//! The access key and API profile lists (`v-list-access-key(s)`, `v-list-api(s)`) and the
//! answers of `v-add-access-key` and `v-check-access-key`, declared as list views.

use super::{KeyGrant, format_expiry};
use crate::cmd::common::format_arg_or_shell;
use crate::engine::{Args, Ctx};
use crate::profiles::{self, Profile};
use hearth_domain::HearthError;
use hearth_output::{self as out, Cell, Fields, Format, JsonFrame, ListView, Num, Shell, Split};
use hearth_store::AccessKey;

const KEY_LINES: &[(&str, Cell)] = &[
    ("ACCESS_KEY_ID:", Cell::Field("ACCESS_KEY_ID")),
    ("SECRET_ACCESS_KEY:", Cell::Field("SECRET_ACCESS_KEY")),
    ("USER:", Cell::Field("USER")),
    ("PERMISSIONS:", Cell::Field("PERMISSIONS")),
    ("COMMENT:", Cell::Field("COMMENT")),
    ("TIME:", Cell::Field("TIME")),
    ("DATE:", Cell::Field("DATE")),
    ("EXPIRES_IN:", Cell::When("EXPIRES_IN", &Cell::Field("EXPIRES_IN"))),
    ("IP:", Cell::When("IP", &Cell::Field("IP"))),
];

/// `v-list-access-key ACCESS_KEY_ID [FORMAT]`, and the answer of `v-add-access-key` (the only
/// one holding the secret). Plain is `ID:SECRET`; CSV writes nothing. (Not memoised, as before
/// issue 12, though it depends only on the stored keys.)
pub const LIST_ACCESS_KEY: ListView = ListView {
    command: "v-list-access-key",
    memo: false,
    json: &[
        "ACCESS_KEY_ID",
        "SECRET_ACCESS_KEY",
        "USER",
        "PERMISSIONS",
        "COMMENT",
        "TIME",
        "DATE",
        "EXPIRES_IN",
        "IP",
    ],
    json_arrays: &["PERMISSIONS", "IP"],
    json_omit_empty: &["EXPIRES_IN", "IP"],
    json_frame: JsonFrame::Object,
    plain: &["ACCESS_KEY"],
    shell: Shell::Lines {
        width: 20,
        lines: KEY_LINES,
    },
    ..ListView::BASE
};

/// `v-list-access-keys [USER] [FORMAT]`: plain and CSV write nothing. (Not memoised, as
/// before issue 12.)
pub const LIST_ACCESS_KEYS: ListView = ListView {
    command: "v-list-access-keys",
    memo: false,
    key: "ACCESS_KEY_ID",
    json: &[
        "ACCESS_KEY_ID",
        "USER",
        "PERMISSIONS",
        "COMMENT",
        "TIME",
        "DATE",
        "EXPIRES_IN",
        "IP",
    ],
    json_arrays: &["PERMISSIONS", "IP"],
    json_omit_empty: &["EXPIRES_IN", "IP"],
    json_frame: JsonFrame::ObjectLines { empty: "{}\n" },
    shell: Shell::Table {
        header: "ID USER PERMISSIONS COMMENT TIME DATE",
        dashes: "-- ------ ---- ----------- ------- ---- ----",
        cells: &[
            Cell::Field("ACCESS_KEY_ID"),
            Cell::Field("USER"),
            Cell::OrDash("PERMISSIONS"),
            Cell::OrDash("COMMENT"),
            Cell::Field("TIME"),
            Cell::Field("DATE"),
        ],
        split: Split::Whole {
            blank: &['\t'],
            keep_empty: true,
        },
    },
    ..ListView::BASE
};

/// An access key as listed: the secret only at creation (else empty), the expiry as RFC 3339
/// text, `ACCESS_KEY` the pair `ID:SECRET` (as the API's `hash` takes it).
struct KeyRow<'a> {
    key: &'a AccessKey,
    secret: &'a str,
    expires: String,
    pair: String,
}

impl<'a> KeyRow<'a> {
    fn new(key: &'a AccessKey, secret: &'a str) -> KeyRow<'a> {
        KeyRow {
            key,
            secret,
            expires: format_expiry(key.expires_at),
            pair: String::new(),
        }
    }
}

impl Fields for KeyRow<'_> {
    fn field(&self, name: &str, _hint: &mut usize) -> &str {
        let k = self.key;
        match name {
            "ACCESS_KEY_ID" => &k.id,
            "SECRET_ACCESS_KEY" => self.secret,
            "ACCESS_KEY" => &self.pair,
            "USER" => &k.user,
            "PERMISSIONS" => &k.permissions,
            "COMMENT" => &k.comment,
            "TIME" => &k.time,
            "DATE" => &k.date,
            "EXPIRES_IN" => &self.expires,
            "IP" => &k.ips,
            _ => "",
        }
    }
}

/// One key as `v-list-access-key` shows it (`secret`: only at creation).
pub(super) fn render_key(k: &AccessKey, secret: Option<&str>, format: Option<Format>) -> String {
    let mut o = String::new();
    if let Some(format) = format {
        let secret = secret.unwrap_or("");
        let mut row = KeyRow::new(k, secret);
        row.pair = format!("{}:{secret}", k.id);
        out::render(&LIST_ACCESS_KEY, format, &[row], &mut o);
    }
    o
}

pub fn list_access_key(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let key = super::key_of(ctx, &args.req(0)?)?;
    Ok(render_key(&key, None, format_arg_or_shell(args, 1)))
}

pub fn list_access_keys(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let user = args.s(0);
    let keys = ctx.tx.access_keys(if user.is_empty() { None } else { Some(user) })?;
    let mut o = String::new();
    if let Some(format) = format_arg_or_shell(args, 1) {
        let rows: Vec<KeyRow<'_>> = keys.iter().map(|k| KeyRow::new(k, "")).collect();
        out::render(&LIST_ACCESS_KEYS, format, &rows, &mut o);
    }
    Ok(o)
}

/// The answer of `v-check-access-key` when the key is good: plain and CSV write nothing.
pub const CHECK_ACCESS_KEY: ListView = ListView {
    command: "v-check-access-key",
    memo: false,
    json: &["USER", "USER_ARG_POSITION"],
    json_bare: &["USER_ARG_POSITION"],
    json_frame: JsonFrame::ObjectLine,
    shell: Shell::Lines {
        width: 20,
        lines: &[
            ("USER:", Cell::Field("USER")),
            ("USER_ARG_POSITION:", Cell::Field("USER_ARG_POSITION")),
        ],
    },
    ..ListView::BASE
};

struct GrantRow<'a> {
    user: &'a str,
    position: Num,
}

impl Fields for GrantRow<'_> {
    fn field(&self, name: &str, _hint: &mut usize) -> &str {
        match name {
            "USER" => self.user,
            "USER_ARG_POSITION" => self.position.as_str(),
            _ => "",
        }
    }
}

/// `grant` as `v-check-access-key` answers it.
pub(super) fn render_grant(grant: &KeyGrant, format: Option<Format>) -> String {
    let mut o = String::new();
    if let Some(format) = format {
        let row = GrantRow {
            user: &grant.user,
            position: Num::new(grant.user_arg_position as i64),
        };
        out::render(&CHECK_ACCESS_KEY, format, &[row], &mut o);
    }
    o
}

/// `v-list-apis [FORMAT]` (the profiles are files: not memoised). Plain and CSV write nothing.
pub const LIST_APIS: ListView = ListView {
    command: "v-list-apis",
    memo: false,
    key: "API",
    json: &["COMMANDS", "ROLE"],
    json_arrays: &["COMMANDS"],
    json_frame: JsonFrame::ObjectLines { empty: "{\n\n}\n" },
    shell: Shell::Table {
        header: "API ROLE COMMANDS",
        dashes: "--- ---- --------",
        cells: &[Cell::Field("API"), Cell::Field("ROLE"), Cell::Field("COMMANDS")],
        split: Split::On(&['\t']),
    },
    ..ListView::BASE
};

/// `v-list-api API [FORMAT]` (a file: not memoised). Plain and CSV write nothing.
pub const LIST_API: ListView = ListView {
    command: "v-list-api",
    memo: false,
    json: &["API", "ROLE", "COMMANDS"],
    json_arrays: &["COMMANDS"],
    json_frame: JsonFrame::Object,
    shell: Shell::Lines {
        width: 15,
        lines: &[
            ("API:", Cell::Field("API")),
            ("ROLE:", Cell::Field("ROLE")),
            ("COMMANDS:", Cell::Field("COMMANDS")),
        ],
    },
    ..ListView::BASE
};

/// A profile as listed: `COMMANDS` joined by commas.
struct ApiRow<'a> {
    profile: &'a Profile,
    commands: String,
}

impl<'a> ApiRow<'a> {
    fn new(profile: &'a Profile) -> ApiRow<'a> {
        ApiRow {
            profile,
            commands: profile.commands.join(","),
        }
    }
}

impl Fields for ApiRow<'_> {
    fn field(&self, name: &str, _hint: &mut usize) -> &str {
        match name {
            "API" => &self.profile.name,
            "ROLE" => &self.profile.role,
            "COMMANDS" => &self.commands,
            _ => "",
        }
    }
}

pub fn list_apis(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let all = profiles::all(ctx.home);
    let mut o = String::new();
    if let Some(format) = format_arg_or_shell(args, 0) {
        let rows: Vec<ApiRow<'_>> = all.iter().map(ApiRow::new).collect();
        out::render(&LIST_APIS, format, &rows, &mut o);
    }
    Ok(o)
}

pub fn list_api(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let name = args.s(0);
    let p = profiles::load(ctx.home, name).ok_or_else(|| HearthError::invalid(format!("API {name} doesn't exist")))?;
    let mut o = String::new();
    if let Some(format) = format_arg_or_shell(args, 1) {
        out::render(&LIST_API, format, &[ApiRow::new(&p)], &mut o);
    }
    Ok(o)
}
