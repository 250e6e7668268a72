//! A user's `web.conf`: its web domains, each field checked with the rule of the command that
//! sets it ([`web_rule`]). Only the data: the vhosts are not rendered (hearth does not run a
//! web server yet).

use super::*;
use hearth_domain::object::{WebDomain, web_domain};

/// (user, domain, the domain's record without `DOMAIN`)
pub(super) type WebPlan = (String, String, WebDomain);

/// Read `DIR/web.conf` (if any) into `out`; a domain listed twice on the server (`seen`) or a
/// bad field is a problem.
pub(super) fn plan_web(dir: &Path, user: &str, out: &mut Vec<WebPlan>, seen: &mut HashSet<String>, p: &mut Problems) {
    let conf_path = dir.join("web.conf");
    let Some(text) = conf_path.is_file().then(|| read(&conf_path, p)).flatten() else {
        return;
    };
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let at = At {
            file: &conf_path,
            line: Some(i + 1),
        };
        let pairs = match kv::parse_object_line(line) {
            Ok(pairs) => pairs,
            Err(e) => {
                p.parse(format!("{at}: {e}"));
                continue;
            }
        };
        let mut web = WebDomain::from(Record::from_pairs(pairs));
        let domain = web.get(web_domain::DOMAIN).to_string();
        if domain.is_empty() || check(Kind::Domain, &domain).is_err() || domain.chars().any(char::is_control) {
            p.invalid(format!("invalid domain format :: {domain} (DOMAIN in {at})"));
            continue;
        }
        if !check_fields(web.record(), &WEB_DOMAIN, at, None, p) {
            continue;
        }
        if !seen.insert(domain.clone()) {
            p.invalid(format!("web domain {domain} is listed twice ({at})"));
            continue;
        }
        web.remove(web_domain::DOMAIN);
        out.push((user.to_string(), domain, web));
    }
}
