//! `v-list-web-domains USER [FORMAT]` and `v-list-web-domain USER DOMAIN [FORMAT]`, declared as
//! list views, byte for byte as Hestia prints them: its quirks included (the singular plain
//! form's `,LETSENCRYPT` glued to `FTP_USER`, its CSV's `STATS"STATS_USER"`; the plural shell
//! form echoed, not aligned), since clients parse what Hestia prints.

use crate::cmd::common::{self, format_arg};
use crate::engine::{Args, Ctx};
use hearth_domain::object::{WebDomain, setting, web_domain};
use hearth_domain::validate::{DomainName, UserName, or_empty};
use hearth_domain::{HearthError, ReturnCode};
use hearth_output::{self as out, Cell, Fields, JsonFrame, ListView, Shell};
use std::borrow::Cow;

/// Hestia's `HOMEDIR`.
const HOME_DIR: &str = "/home";

/// The columns Hestia always wraps in double quotes (never escaping what is inside).
const CSV_QUOTED: &[&str] = &["ALIAS", "STATS_USER", "FTP_USER", "FTP_PATH", "AUTH_USER", "PROXY_EXT"];

/// `v-list-web-domains USER [FORMAT]`.
pub const LIST_WEB_DOMAINS: ListView = ListView {
    command: "v-list-web-domains",
    memo: false,
    key: "DOMAIN",
    json: &[
        "IP",
        "IP6",
        "DOCUMENT_ROOT",
        "U_DISK",
        "U_BANDWIDTH",
        "TPL",
        "ALIAS",
        "STATS",
        "STATS_USER",
        "SSL",
        "SSL_HOME",
        "LETSENCRYPT",
        "FTP_USER",
        "FTP_PATH",
        "AUTH_USER",
        "BACKEND",
        "PROXY",
        "PROXY_EXT",
        "SUSPENDED",
        "TIME",
        "DATE",
    ],
    json_frame: JsonFrame::Objects {
        close: "    }",
        last: "\n",
    },
    plain: DOMAINS_COLUMNS,
    csv: DOMAINS_COLUMNS,
    csv_quoted: CSV_QUOTED,
    // Hestia echoes the rows (no `column -t`): header words three blanks apart, five dashes
    // under DATE, rows joined by one blank.
    shell: Shell::Echo {
        head: "DOMAIN   IP   TPL   SSL   DISK   BW   SPND   DATE\n------   --   ---   ---   ----   --   ----   -----\n",
        cells: &[
            Cell::Field("DOMAIN"),
            Cell::Field("IP"),
            Cell::Field("TPL"),
            Cell::Field("SSL"),
            Cell::Field("U_DISK"),
            Cell::Field("U_BANDWIDTH"),
            Cell::Field("SUSPENDED"),
            Cell::Field("DATE"),
        ],
    },
    ..ListView::BASE
};

const DOMAINS_COLUMNS: &[&str] = &[
    "DOMAIN",
    "IP",
    "IP6",
    "DOCROOT",
    "U_DISK",
    "U_BANDWIDTH",
    "TPL",
    "ALIAS",
    "STATS",
    "STATS_USER",
    "SSL",
    "SSL_HOME",
    "LETSENCRYPT",
    "FTP_USER",
    "FTP_PATH",
    "AUTH_USER",
    "BACKEND",
    "PROXY",
    "PROXY_EXT",
    "SUSPENDED",
    "TIME",
    "DATE",
];

/// Shown when SSL is on (`SSL` neither empty nor `no`).
const fn ssl_on(c: &'static Cell) -> Cell {
    Cell::WhenNot("SSL", "no", c)
}

/// `v-list-web-domain USER DOMAIN [FORMAT]`.
pub const LIST_WEB_DOMAIN: ListView = ListView {
    command: "v-list-web-domain",
    json: &[
        "IP",
        "IP6",
        "DOCUMENT_ROOT",
        "U_DISK",
        "U_BANDWIDTH",
        "TPL",
        "ALIAS",
        "STATS",
        "STATS_USER",
        "SSL",
        "SSL_FORCE",
        "SSL_HSTS",
        "SSL_HOME",
        "LETSENCRYPT",
        "FTP_USER",
        "FTP_PATH",
        "AUTH_USER",
        "BACKEND",
        "PROXY",
        "PROXY_EXT",
        "FASTCGI_CACHE",
        "FASTCGI_DURATION",
        "REDIRECT",
        "REDIRECT_CODE",
        "CUSTOM_DOCROOT",
        "SUSPENDED",
        "TIME",
        "DATE",
    ],
    // Hestia writes `SSL_HOME\t,LETSENCRYPT` and no TAB before FTP_USER: one field.
    plain: &[
        "DOMAIN",
        "IP",
        "IP6",
        "DOCROOT",
        "U_DISK",
        "U_BANDWIDTH",
        "TPL",
        "ALIAS",
        "STATS",
        "STATS_USER",
        "SSL",
        "SSL_FORCE",
        "SSL_HSTS",
        "SSL_HOME",
        LE_FTP_USER,
        "FTP_PATH",
        "AUTH_USER",
        "BACKEND",
        "PROXY",
        "PROXY_EXT",
        "SUSPENDED",
        "TIME",
        "DATE",
    ],
    csv: &[
        "DOMAIN",
        "IP",
        "IP6",
        "DOCROOT",
        "U_DISK",
        "U_BANDWIDTH",
        "TPL",
        "ALIAS",
        "STATS",
        "STATS_USER",
        "SSL",
        "SSL_FORCE",
        "SSL_HSTS",
        "SSL_HOME",
        "LETSENCRYPT",
        "FTP_USER",
        "FTP_PATH",
        "AUTH_USER",
        "BACKEND",
        "PROXY",
        "PROXY_EXT",
        "SUSPENDED",
        "TIME",
        "DATE",
    ],
    // Hestia writes `$STATS\"$STATS_USER\"`: no comma between the two values.
    csv_value_glued: Some("STATS_USER"),
    shell: Shell::Lines {
        width: 18,
        lines: &[
            ("DOMAIN:", Cell::Field("DOMAIN")),
            ("ALIAS:", Cell::Field(ALIAS_BLANKS)),
            ("IP:", Cell::Field("IP")),
            ("DOCUMENT_ROOT:", Cell::Field("DOCROOT")),
            ("IP6:", Cell::When("IP6", &Cell::Field("IP6"))),
            ("SSL:", ssl_on(&Cell::Field(SSL_HOME_LINE))),
            (
                "LETSENCRYPT:",
                ssl_on(&Cell::WhenNot("LETSENCRYPT", "no", &Cell::Field("LETSENCRYPT"))),
            ),
            (
                "SSL_FORCE:",
                ssl_on(&Cell::When("SSL_FORCE", &Cell::Field("SSL_FORCE"))),
            ),
            ("SSL_HSTS:", ssl_on(&Cell::When("SSL_HSTS", &Cell::Field("SSL_HSTS")))),
            ("TEMPLATE:", Cell::Field("TPL")),
            // Printed when the server has a WEB_BACKEND / a PROXY_SYSTEM.
            ("BACKEND:", Cell::When(WEB_BACKEND, &Cell::Field("BACKEND"))),
            ("PROXY:", Cell::When(PROXY_SYSTEM, &Cell::Field("PROXY"))),
            ("PROXY EXT:", Cell::When(PROXY_SYSTEM, &Cell::Field(PROXY_EXT_BLANKS))),
            ("STATS:", Cell::When("STATS", &Cell::Field("STATS"))),
            ("FASTCGI_CACHE:", Cell::When(FASTCGI_ON, &Cell::Field("FASTCGI_CACHE"))),
            (
                "FASTCGI_DURATION:",
                Cell::When(FASTCGI_ON, &Cell::Field("FASTCGI_DURATION")),
            ),
            ("REDIRECT:", Cell::When("REDIRECT", &Cell::Field("REDIRECT"))),
            ("REDIRECT_CODE:", Cell::When("REDIRECT", &Cell::Field("REDIRECT_CODE"))),
            (
                "CUSTOM_DOCROOT:",
                Cell::When("CUSTOM_DOCROOT", &Cell::Field("CUSTOM_DOCROOT")),
            ),
            ("STATS_USER:", Cell::When("STATS_USER", &Cell::Field("STATS_USER"))),
            ("FTP_USER:", Cell::When("FTP_USER", &Cell::Field(FTP_USER_LIST))),
            ("FTP_PATH:", Cell::When("FTP_PATH", &Cell::Field("FTP_PATH"))),
            ("HTTP_AUTH:", Cell::When("AUTH_USER", &Cell::Field("AUTH_USER"))),
            ("DISK:", Cell::Field("U_DISK")),
            ("BW:", Cell::Field("U_BANDWIDTH")),
            ("SUSPENDED:", Cell::Field("SUSPENDED")),
            ("TIME:", Cell::Field("TIME")),
            ("DATE:", Cell::Field("DATE")),
        ],
    },
    ..LIST_WEB_DOMAINS
};

// Fields the singular form computes (not keys of web.conf).
/// `,LETSENCRYPT` then FTP_USER.
const LE_FTP_USER: &str = "%LE_FTP_USER";
/// ALIAS, commas made blanks.
const ALIAS_BLANKS: &str = "%ALIAS_BLANKS";
/// PROXY_EXT, commas made blanks.
const PROXY_EXT_BLANKS: &str = "%PROXY_EXT_BLANKS";
/// FTP_USER, each comma made `, ` (Hestia's list uses `:`, so it is usually as stored).
const FTP_USER_LIST: &str = "%FTP_USER_LIST";
/// `SSL / SSL_HOME`.
const SSL_HOME_LINE: &str = "%SSL_HOME_LINE";
/// `yes` when FASTCGI_CACHE is `yes`, else empty.
const FASTCGI_ON: &str = "%FASTCGI_ON";
/// The server's WEB_BACKEND and PROXY_SYSTEM settings.
const WEB_BACKEND: &str = "%WEB_BACKEND";
const PROXY_SYSTEM: &str = "%PROXY_SYSTEM";

/// A web domain as listed: `DOMAIN` is its name, `DOCROOT` (`DOCUMENT_ROOT` in JSON) its
/// CUSTOM_DOCROOT or `/home/USER/web/DOMAIN/public_html/`.
struct WebRow<'a> {
    domain: &'a str,
    rec: &'a WebDomain,
    docroot: Cow<'a, str>,
}

impl<'a> WebRow<'a> {
    fn new(user: &str, domain: &'a str, rec: &'a WebDomain) -> WebRow<'a> {
        let docroot = match rec.get(web_domain::CUSTOM_DOCROOT) {
            "" => format!("{HOME_DIR}/{user}/web/{domain}/public_html/").into(),
            custom => custom.into(),
        };
        WebRow { domain, rec, docroot }
    }
}

impl Fields for WebRow<'_> {
    fn field(&self, key: &str, hint: &mut usize) -> &str {
        match key {
            "DOMAIN" => self.domain,
            "DOCROOT" | "DOCUMENT_ROOT" => &self.docroot,
            k => self.rec.record().get_near(k, hint),
        }
    }
}

/// The singular form's row: the computed fields too.
struct OneRow<'a> {
    row: WebRow<'a>,
    le_ftp_user: String,
    alias: String,
    proxy_ext: String,
    ftp_user: String,
    ssl_home: String,
    fastcgi_on: &'static str,
    web_backend: &'a str,
    proxy_system: &'a str,
}

impl Fields for OneRow<'_> {
    fn field(&self, key: &str, hint: &mut usize) -> &str {
        match key {
            LE_FTP_USER => &self.le_ftp_user,
            ALIAS_BLANKS => &self.alias,
            PROXY_EXT_BLANKS => &self.proxy_ext,
            FTP_USER_LIST => &self.ftp_user,
            SSL_HOME_LINE => &self.ssl_home,
            FASTCGI_ON => self.fastcgi_on,
            WEB_BACKEND => self.web_backend,
            PROXY_SYSTEM => self.proxy_system,
            k => self.row.field(k, hint),
        }
    }
}

/// `v-list-web-domains USER [FORMAT]`
pub fn list_web_domains(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let user: Option<UserName> = args.opt(0)?;
    let (user, _) = common::user_of(ctx, user)?;
    let domains = ctx.tx.web_domains(user.as_str())?;
    let mut o = String::new();
    if let Some(format) = format_arg(args, 1) {
        let rows: Vec<WebRow<'_>> = domains
            .iter()
            .map(|(domain, rec)| WebRow::new(user.as_str(), domain, rec))
            .collect();
        out::render(&LIST_WEB_DOMAINS, format, &rows, &mut o);
    }
    Ok(o)
}

/// `v-list-web-domain USER DOMAIN [FORMAT]`: the formats of USER and DOMAIN (as given), then
/// the user, then the user's domain (`web domain D doesn't exist`).
pub fn list_web_domain(ctx: &mut Ctx<'_, '_>, args: &Args) -> Result<String, HearthError> {
    let user: Option<UserName> = args.opt(0)?;
    let domain: Option<DomainName> = args.opt(1)?;
    let (user, _) = common::user_of(ctx, user)?;
    let name = or_empty(&domain);
    let rec = match ctx.tx.web_domain(name)? {
        Some((owner, rec)) if !name.is_empty() && owner == user.as_str() => rec,
        _ => {
            return Err(HearthError::new(
                ReturnCode::NotExist,
                format!("web domain {name} doesn't exist"),
            ));
        }
    };
    let mut o = String::new();
    if let Some(format) = format_arg(args, 2) {
        let settings = ctx.tx.settings()?;
        let get = |k| rec.get(k);
        let row = OneRow {
            row: WebRow::new(user.as_str(), name, &rec),
            le_ftp_user: format!(",{}{}", get(web_domain::LETSENCRYPT), get(web_domain::FTP_USER)),
            alias: get(web_domain::ALIAS).replace(',', " "),
            proxy_ext: get(web_domain::PROXY_EXT).replace(',', " "),
            ftp_user: get(web_domain::FTP_USER).replace(',', ", "),
            ssl_home: format!("{} / {}", get(web_domain::SSL), get(web_domain::SSL_HOME)),
            fastcgi_on: if rec.yes(web_domain::FASTCGI_CACHE) { "yes" } else { "" },
            web_backend: settings.get(setting::WEB_BACKEND),
            proxy_system: settings.get(setting::PROXY_SYSTEM),
        };
        out::render(&LIST_WEB_DOMAIN, format, &[row], &mut o);
    }
    Ok(o)
}
