//! The user lists: `v-list-user`, `v-list-users` (declared views) and `v-list-user-log`.

use super::*;
use hearth_output::{Num, Split, insert_after, key_first};
use hearth_store::HistoryEntry;

mod stored;
use std::cell::RefCell;
#[cfg(test)]
use stored::borrowed_pairs;
use stored::{Fields, Plan, StoredKeys};

const LIST_USER_JSON: &[&str] = &[
    "NAME",
    "PACKAGE",
    "WEB_TEMPLATE",
    "BACKEND_TEMPLATE",
    "PROXY_TEMPLATE",
    "DNS_TEMPLATE",
    "WEB_DOMAINS",
    "WEB_ALIASES",
    "DNS_DOMAINS",
    "DNS_RECORDS",
    "MAIL_DOMAINS",
    "MAIL_ACCOUNTS",
    "DATABASES",
    "CRON_JOBS",
    "DISK_QUOTA",
    "BANDWIDTH",
    "HOME",
    "NS",
    "SHELL",
    "BACKUPS",
    "CONTACT",
    "CRON_REPORTS",
    "RKEY",
    "TWOFA",
    "QRCODE",
    "ROLE",
    "SUSPENDED",
    "SUSPENDED_USERS",
    "SUSPENDED_WEB",
    "SUSPENDED_DNS",
    "SUSPENDED_MAIL",
    "SUSPENDED_DB",
    "SUSPENDED_CRON",
    "IP_AVAIL",
    "IP_OWNED",
    "U_USERS",
    "U_DISK",
    "U_DISK_DIRS",
    "U_DISK_WEB",
    "U_DISK_MAIL",
    "U_DISK_DB",
    "U_BANDWIDTH",
    "U_WEB_DOMAINS",
    "U_WEB_SSL",
    "U_WEB_ALIASES",
    "U_DNS_DOMAINS",
    "U_DNS_RECORDS",
    "U_MAIL_DOMAINS",
    "U_MAIL_DKIM",
    "U_MAIL_ACCOUNTS",
    "U_DATABASES",
    "U_CRON_JOBS",
    "U_BACKUPS",
    "BACKUPS_INCREMENTAL",
    "LANGUAGE",
    "THEME",
    "NOTIFICATIONS",
    "PREF_UI_SORT",
    "LOGIN_DISABLED",
    "LOGIN_USE_IPLIST",
    "LOGIN_ALLOW_IPS",
    "PHPCLI",
    "TIME",
    "DATE",
];

const LIST_USER_PLAIN: &[&str] = &[
    "USER",
    "NAME",
    "PACKAGE",
    "WEB_TEMPLATE",
    "BACKEND_TEMPLATE",
    "PROXY_TEMPLATE",
    "DNS_TEMPLATE",
    "WEB_DOMAINS",
    "WEB_ALIASES",
    "DNS_DOMAINS",
    "DNS_RECORDS",
    "MAIL_DOMAINS",
    "MAIL_ACCOUNTS",
    "DATABASES",
    "CRON_JOBS",
    "DISK_QUOTA",
    "BANDWIDTH",
    "NS",
    "HOME",
    "SHELL",
    "BACKUPS",
    "CONTACT",
    "CRON_REPORTS",
    "RKEY",
    "SUSPENDED",
    "SUSPENDED_USERS",
    "SUSPENDED_WEB",
    "SUSPENDED_DNS",
    "SUSPENDED_MAIL",
    "SUSPENDED_DB",
    "SUSPENDED_CRON",
    "IP_AVAIL",
    "IP_OWNED",
    "U_USERS",
    "U_DISK",
    "U_DISK_DIRS",
    "U_DISK_WEB",
    "U_DISK_MAIL",
    "U_DISK_DB",
    "U_BANDWIDTH",
    "U_WEB_DOMAINS",
    "U_WEB_SSL",
    "U_WEB_ALIASES",
    "U_DNS_DOMAINS",
    "U_DNS_RECORDS",
    "U_MAIL_DOMAINS",
    "U_MAIL_DKIM",
    "U_MAIL_ACCOUNTS",
    "U_DATABASES",
    "U_CRON_JOBS",
    "U_BACKUPS",
    "LANGUAGE",
    "THEME",
    "TIME",
    "DATE",
];

/// `v-list-user csv` columns: the plain ones with NOTIFICATIONS before TIME.
const LIST_USER_CSV: [&str; LIST_USER_PLAIN.len() + 1] = insert_after(LIST_USER_PLAIN, "THEME", "NOTIFICATIONS");

/// Fields Hestia's CSV wraps in double quotes.
const CSV_QUOTED: &[&str] = &["NAME", "NS", "RKEY"];

/// `v-list-user USER [FORMAT]`.
pub const LIST_USER: ListView = ListView {
    command: "v-list-user",
    memo: true,
    key: "USER",
    json: LIST_USER_JSON,
    json_tight: &[],
    json_frame: JsonFrame::Objects {
        close: "        }",
        last: "\n",
    },
    plain: LIST_USER_PLAIN,
    plain_trailing_tab: false,
    csv: &LIST_USER_CSV,
    csv_quoted: CSV_QUOTED,
    csv_header_glued: Some("U_CRON_JOBS"),
    shell: Shell::Lines {
        width: 15,
        lines: &[
            ("USERNAME:", Cell::Field("USER")),
            ("FULL NAME:", Cell::Field("NAME")),
            ("EMAIL:", Cell::Field("CONTACT")),
            ("LANGUAGE:", Cell::Field("LANGUAGE")),
            ("THEME:", Cell::Field("THEME")),
            ("SUSPENDED:", Cell::Field("SUSPENDED")),
            ("PACKAGE:", Cell::Field("PACKAGE")),
            ("SHELL:", Cell::Field("SHELL")),
            ("WEB DOMAINS:", Cell::Ratio("U_WEB_DOMAINS", "WEB_DOMAINS")),
            ("WEB ALIASES:", Cell::Ratio("U_WEB_ALIASES", "WEB_ALIASES")),
            ("DNS DOMAINS:", Cell::Ratio("U_DNS_DOMAINS", "DNS_DOMAINS")),
            ("DNS RECORDS:", Cell::Ratio("U_DNS_RECORDS", "DNS_RECORDS")),
            ("MAIL DOMAINS:", Cell::Ratio("U_MAIL_DOMAINS", "MAIL_DOMAINS")),
            ("MAIL ACCOUNTS:", Cell::Ratio("U_MAIL_ACCOUNTS", "MAIL_ACCOUNTS")),
            ("BACKUPS:", Cell::Ratio("U_BACKUPS", "BACKUPS")),
            ("DATABASES:", Cell::Ratio("U_DATABASES", "DATABASES")),
            ("CRON_JOBS:", Cell::Ratio("U_CRON_JOBS", "CRON_JOBS")),
            ("DISK:", Cell::Ratio("U_DISK", "DISK_QUOTA")),
            ("BANDWIDTH:", Cell::Ratio("U_BANDWIDTH", "BANDWIDTH")),
            ("IP ADDRESSES", Cell::Ratio("IP_AVAIL", "IP_OWNED")),
            ("TIME:", Cell::Field("TIME")),
            ("DATE:", Cell::Field("DATE")),
        ],
    },
    ..ListView::BASE
};

/// A user as the list commands show it: `USER` and `HOME` are derived; the root user's
/// `U_USERS`/`SUSPENDED_USERS` come from the store (Hestia keeps counters that drift), and
/// through the API the secrets of a user's login (password-reset key, 2FA) are blank (Hestia
/// gives them to any billing key; the CLI, root on the host, still sees them).
struct UserRow<'a> {
    name: &'a str,
    rec: Fields<'a>,
    home: &'a str,
    counts: Option<&'a (String, String)>,
    hide: bool,
    /// Where a listing's keys are, kept from row to row (none: each is looked up).
    plan: Option<&'a RefCell<Plan<Source>>>,
}

/// What [`UserRow::field`] gives for a key, with the key's place among the stored fields.
#[derive(Clone, Copy)]
enum Source {
    Name,
    Home,
    Users(Option<usize>),
    SuspendedUsers(Option<usize>),
    Secret(Option<usize>),
    Stored(Option<usize>),
}

impl Source {
    fn of(key: &str, place: Option<usize>) -> Source {
        match key {
            "USER" => Source::Name,
            "HOME" => Source::Home,
            "U_USERS" => Source::Users(place),
            "SUSPENDED_USERS" => Source::SuspendedUsers(place),
            "RKEY" | "TWOFA" | "QRCODE" => Source::Secret(place),
            _ => Source::Stored(place),
        }
    }
}

impl UserRow<'_> {
    fn value(&self, source: Source) -> &str {
        match (source, self.counts) {
            (Source::Name, _) => self.name,
            (Source::Home, _) => self.home,
            (Source::Users(_), Some((users, _))) => users,
            (Source::SuspendedUsers(_), Some((_, suspended))) => suspended,
            (Source::Secret(_), _) if self.hide => "",
            (Source::Users(at) | Source::SuspendedUsers(at) | Source::Secret(at) | Source::Stored(at), _) => {
                self.rec.at(at)
            }
        }
    }
}

impl out::Fields for UserRow<'_> {
    fn field(&self, key: &str, hint: &mut usize) -> &str {
        match (key, self.counts) {
            ("USER", _) => self.name,
            ("HOME", _) => self.home,
            ("U_USERS", Some((users, _))) => users,
            ("SUSPENDED_USERS", Some((_, suspended))) => suspended,
            ("RKEY" | "TWOFA" | "QRCODE", _) if self.hide => "",
            (k, _) => self.rec.get(k, hint),
        }
    }

    fn each_value(&self, keys: &[&str], hint: &mut usize, f: &mut dyn FnMut(&str)) {
        match self.plan.and_then(|plan| self.rec.plan(plan, keys, Source::of)) {
            Some(steps) => steps.iter().for_each(|&s| f(self.value(s))),
            None => keys.iter().for_each(|k| f(self.field(k, hint))),
        }
    }

    fn json_verbatim(&self) -> bool {
        // The derived fields: the name (and the home made of it) and the counts (digits).
        self.rec.verbatim() && out::json_verbatim(self.name)
    }
}

/// (users, suspended users) as the root user's record shows them.
fn root_counts(ctx: &Ctx<'_, '_>) -> Result<(String, String), HearthError> {
    let (users, suspended) = ctx.tx.user_counts()?;
    Ok((users.to_string(), suspended.to_string()))
}

pub fn list_user(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let user = args.s(0);
    check(Kind::User, user)?;
    let shared = common::user_shared(ctx, user)?;
    let Some(format) = format_arg(args, 1) else {
        return Ok(String::new());
    };
    // `v-list-user` shows the root user's counters for every user (Hestia reads them from the
    // root user's file).
    let counts = root_counts(ctx)?;
    let home = format!("/home/{user}");
    let row = UserRow {
        name: user,
        rec: Fields::Shared(shared.record()),
        home: &home,
        counts: Some(&counts),
        hide: !ctx.caller.sees_login_secrets(),
        plan: None,
    };
    let mut o = String::with_capacity(4096);
    out::render(&LIST_USER, format, &[row], &mut o);
    Ok(o)
}

const LIST_USERS_JSON: &[&str] = &[
    "NAME",
    "PACKAGE",
    "WEB_TEMPLATE",
    "BACKEND_TEMPLATE",
    "PROXY_TEMPLATE",
    "DNS_TEMPLATE",
    "WEB_DOMAINS",
    "WEB_ALIASES",
    "DNS_DOMAINS",
    "DNS_RECORDS",
    "MAIL_DOMAINS",
    "MAIL_ACCOUNTS",
    "DATABASES",
    "CRON_JOBS",
    "DISK_QUOTA",
    "CPU_QUOTA",
    "CPU_QUOTA_PERIOD",
    "MEMORY_LIMIT",
    "SWAP_LIMIT",
    "BANDWIDTH",
    "NS",
    "SHELL",
    "BACKUPS",
    "CONTACT",
    "CRON_REPORTS",
    "RKEY",
    "ROLE",
    "SUSPENDED",
    "SUSPENDED_USERS",
    "SUSPENDED_WEB",
    "SUSPENDED_DNS",
    "SUSPENDED_MAIL",
    "SUSPENDED_DB",
    "SUSPENDED_CRON",
    "IP_AVAIL",
    "IP_OWNED",
    "U_USERS",
    "U_DISK",
    "U_DISK_DIRS",
    "U_DISK_WEB",
    "U_DISK_MAIL",
    "U_DISK_DB",
    "U_BANDWIDTH",
    "U_WEB_DOMAINS",
    "U_WEB_SSL",
    "U_WEB_ALIASES",
    "U_DNS_DOMAINS",
    "U_DNS_RECORDS",
    "U_MAIL_DOMAINS",
    "U_MAIL_DKIM",
    "U_MAIL_ACCOUNTS",
    "U_DATABASES",
    "U_CRON_JOBS",
    "U_BACKUPS",
    "LANGUAGE",
    "TIME",
    "DATE",
];

/// `v-list-users` plain columns: USER, then the JSON members.
const LIST_USERS_PLAIN: [&str; LIST_USERS_JSON.len() + 1] = key_first("USER", LIST_USERS_JSON);

/// `v-list-users` CSV columns: the plain ones with HOME after NS. compat: Hestia prints the
/// process's $HOME there; hearth prints the user's home.
const LIST_USERS_CSV: [&str; LIST_USERS_PLAIN.len() + 1] = insert_after(&LIST_USERS_PLAIN, "NS", "HOME");

/// `v-list-users [FORMAT]`.
pub const LIST_USERS: ListView = ListView {
    command: "v-list-users",
    memo: true,
    key: "USER",
    json: LIST_USERS_JSON,
    json_tight: &[],
    json_frame: JsonFrame::Objects {
        close: "        }",
        last: "",
    },
    plain: &LIST_USERS_PLAIN,
    plain_trailing_tab: true,
    csv: &LIST_USERS_CSV,
    csv_quoted: CSV_QUOTED,
    csv_header_glued: Some("U_CRON_JOBS"),
    shell: Shell::Table {
        header: "USER ROLE PKG WEB DNS MAIL DB DISK BW SPND DATE",
        dashes: "---- ---- --- --- --- --- -- ---- -- ---- ----",
        cells: &[
            Cell::Field("USER"),
            Cell::Field("ROLE"),
            Cell::Field("PACKAGE"),
            Cell::Field("U_WEB_DOMAINS"),
            Cell::Field("U_DNS_DOMAINS"),
            Cell::Field("U_MAIL_DOMAINS"),
            Cell::Field("U_DATABASES"),
            Cell::Field("U_DISK"),
            Cell::Field("U_BANDWIDTH"),
            Cell::Field("SUSPENDED"),
            Cell::Field("DATE"),
        ],
        split: BLANKS,
    },
    ..ListView::BASE
};

/// How much of a long answer is made before it is written (see `Ctx::take_output`).
const FLUSH_AT: usize = 64 * 1024;

pub fn list_users(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let format = args.get(0);
    let root = ctx.root_user()?;
    let mut o = String::new();
    if format == Some("list") {
        ctx.tx.each_user_json(|name, _| {
            o.push_str(name);
            o.push('\n');
            Ok(())
        })?;
        return Ok(o);
    }
    let Some(format) = Format::from_arg(format) else {
        return Ok(o);
    };
    // `v-list-users` shows the store's counters for the root user only.
    let counts = root_counts(ctx)?;
    let hide = !ctx.caller.sees_login_secrets();
    // Each user is rendered as it is read: no row outlives its turn. Through the CLI the
    // answer is written as it grows (17 MB of JSON for 10,000 users would otherwise be held
    // whole: a fresh page of memory for every 4 KB); else the user count sizes the buffer (a
    // JSON object is about 1,800 bytes).
    let mut output = ctx.take_output();
    o.reserve(if output.streams() {
        2 * FLUSH_AT
    } else {
        counts.0.parse::<usize>().unwrap_or(0).saturating_mul(2048)
    });
    let mut stream = out::Stream::start(&LIST_USERS, format, &mut o);
    let mut home = String::new();
    let mut keys = StoredKeys::default();
    let plan = RefCell::new(Plan::default());
    ctx.tx.each_user_json(|name, json| {
        home.clear();
        home.push_str("/home/");
        home.push_str(name);
        let row = UserRow {
            name,
            rec: keys.read(json)?,
            home: &home,
            counts: (name == root).then_some(&counts),
            hide,
            plan: Some(&plan),
        };
        stream.row(&row, &mut o);
        if o.len() >= FLUSH_AT {
            output.flush(&mut o);
        }
        Ok(())
    })?;
    stream.finish(&mut o);
    Ok(o)
}

const LOG_JSON: &[&str] = &["DATE", "TIME", "LEVEL", "CATEGORY", "MESSAGE"];
const LOG_COLUMNS: [&str; LOG_JSON.len() + 1] = key_first("ID", LOG_JSON);

/// `v-list-user-log USER [FORMAT]` (the history: not memoised).
pub const LIST_USER_LOG: ListView = ListView {
    command: "v-list-user-log",
    memo: false,
    key: "ID",
    json: LOG_JSON,
    json_frame: JsonFrame::Objects {
        close: "    }",
        last: "\n",
    },
    plain: &LOG_COLUMNS,
    // compat: Hestia's header (ID,MESSAGE,TIME,DATE) does not match its rows, whose quoting is
    // broken; hearth prints the six columns it has.
    csv: &LOG_COLUMNS,
    csv_quoted: LOG_JSON,
    shell: Shell::Table {
        header: "ID DATE TIME LEVEL CATEGORY MESSAGE",
        dashes: "---- ---- ---- ----- -------- -------",
        cells: &[
            Cell::Field("ID"),
            Cell::Field("DATE"),
            Cell::Field("TIME"),
            Cell::Field("LEVEL"),
            Cell::Field("CATEGORY"),
            Cell::Field("MESSAGE"),
        ],
        split: Split::On(&['~']),
    },
    ..ListView::BASE
};

/// A history line as the log lists it.
struct LogRow<'a> {
    id: Num,
    entry: &'a HistoryEntry,
}

impl out::Fields for LogRow<'_> {
    fn field(&self, key: &str, _hint: &mut usize) -> &str {
        let e = self.entry;
        match key {
            "ID" => self.id.as_str(),
            "DATE" => &e.date,
            "TIME" => &e.time,
            "LEVEL" => &e.level,
            "CATEGORY" => &e.category,
            "MESSAGE" => &e.message,
            _ => "",
        }
    }
}

pub fn list_user_log(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let user = args.s(0);
    check(Kind::User, user)?;
    if user != "system" {
        common::user(ctx, user)?;
    }
    let entries = ctx.tx.history(user)?;
    let mut o = String::new();
    if let Some(format) = format_arg(args, 1) {
        let rows: Vec<LogRow<'_>> = entries
            .iter()
            .map(|entry| LogRow {
                id: Num::new(entry.id),
                entry,
            })
            .collect();
        out::render(&LIST_USER_LOG, format, &rows, &mut o);
    }
    Ok(o)
}

#[cfg(test)]
mod list_tests {
    use super::*;
    use hearth_domain::record::Record;
    use out::Fields as _;

    #[test]
    fn a_row_hands_over_the_values_each_key_gives() {
        let base = Record::from_pairs([
            ("NAME", "Ann"),
            ("PACKAGE", "default"),
            ("RKEY", "secret"),
            ("U_USERS", "7"),
            ("SUSPENDED_USERS", "1"),
            ("TIME", "10:00:00"),
        ]);
        let other = Record::from_pairs([("TIME", "11:00:00"), ("NAME", "Bob"), ("QRCODE", "q"), ("X", "1")]);
        let twice = Record::from_pairs([("NAME", "A"), ("PACKAGE", "p"), ("NAME", "B"), ("RKEY", "r")]);
        let escaped = Record::from_pairs([("NAME", "say \"hi\""), ("RKEY", "k")]);
        let texts: Vec<String> = [&base, &base, &other, &base, &twice, &base, &escaped, &other]
            .iter()
            .map(|r| r.to_json())
            .collect();
        let asks: [&[&str]; 4] = [
            LIST_USERS_JSON,
            &LIST_USERS_PLAIN,
            &LIST_USERS_CSV,
            &["NAME", "NAME", "ZZ", "USER"],
        ];
        let counts = ("10".to_string(), "2".to_string());
        let mut keys = StoredKeys::default();
        let plan = RefCell::new(Plan::default());
        for (i, t) in texts.iter().enumerate() {
            for hide in [false, true] {
                let row = UserRow {
                    name: "ann",
                    rec: keys.read(t).expect("read"),
                    home: "/home/ann",
                    counts: (i % 3 == 0).then_some(&counts),
                    hide,
                    plan: Some(&plan),
                };
                for ask in asks {
                    let mut got = Vec::new();
                    row.each_value(ask, &mut 0, &mut |v| got.push(v.to_string()));
                    let mut hint = 0;
                    let want: Vec<String> = ask.iter().map(|k| row.field(k, &mut hint).to_string()).collect();
                    assert_eq!(got, want, "{t} {ask:?}");
                }
            }
        }
    }

    #[test]
    fn stored_pairs_are_borrowed_unless_escaped() {
        let rec = Record::from_pairs([("NAME", "Bob B"), ("NS", "a,b"), ("E", "")]);
        let json = rec.to_json();
        assert_eq!(
            borrowed_pairs(&json),
            Some(vec![("NAME", "Bob B"), ("NS", "a,b"), ("E", "")])
        );
        assert_eq!(borrowed_pairs(" [ ] "), Some(vec![]));
        let esc = Record::from_pairs([("NAME", "say \"hi\"")]).to_json();
        assert_eq!(borrowed_pairs(&esc), None);
        for bad in [
            "",
            "[",
            "[[\"A\"]]",
            "[[\"A\",\"b\"]",
            "[[\"A\",\"b\"]]x",
            "[[\"A\",\"b\"],]",
        ] {
            assert_eq!(borrowed_pairs(bad), None, "{bad}");
        }
    }
}
