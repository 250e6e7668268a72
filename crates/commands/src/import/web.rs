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
    super::each_object_line(&dir.join("web.conf"), p, |at, rec, p| {
        let Some(domain) = super::domain_of(&rec, at, p) else {
            return;
        };
        let mut web = WebDomain::from(rec);
        if !check_fields(web.record(), &WEB_DOMAIN, at, None, p) {
            return;
        }
        if !seen.insert(domain.clone()) {
            p.invalid(format!("web domain {domain} is listed twice ({at})"));
            return;
        }
        web.remove(web_domain::DOMAIN);
        out.push((user.to_string(), domain, web));
    });
}
