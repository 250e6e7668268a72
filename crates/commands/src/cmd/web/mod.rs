//! Web domains: Hestia's `v-*-web-domain*` commands on the store. This step lists the domains
//! imported from a Hestia server (`list.rs`); adding, changing and rendering vhosts come later.

mod list;

pub use list::{LIST_WEB_DOMAIN, LIST_WEB_DOMAINS, list_web_domain, list_web_domains};
