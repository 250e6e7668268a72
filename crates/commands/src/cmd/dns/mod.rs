//! DNS zones and records: Hestia's `v-*-dns-*` commands on the store, rendered as BIND zones.
//!
//! One file per concern: `checks.rs` (what every command shares), `target.rs` (the user and
//! zone a command acts on: its arguments checked in Hestia's order, demo mode, RESTART),
//! `list.rs`, `zones.rs` (add, delete, change), `records.rs`, `suspend.rs`, `publish.rs` (the
//! host side: zone files, the include file, reload; the rebuild and restart commands) and
//! `insert.rs` (the cluster's slave side). The commands are re-exported here: the registry
//! calls `dns::NAME`; the kinds' declarations (`cmd::kinds`) name the user cascade's functions.

mod checks;
mod insert;
mod list;
mod publish;
mod records;
mod suspend;
mod target;
mod zones;

pub use checks::{format_domain, parent_zones_owner, zone, zone_name_allowed};
pub use insert::{insert_dns_domain, insert_dns_record, insert_dns_records};
pub use list::{
    LIST_DNS_DOMAIN, LIST_DNS_DOMAINS, LIST_DNS_RECORDS, LIST_DNS_TEMPLATES, list_dns_domain, list_dns_domains,
    list_dns_records, list_dns_templates,
};
pub use publish::{
    publish, publish_rebuild, rebuild_dns_domain, rebuild_dns_domains, rebuild_user_zones, restart_dns, unpublish_user,
};
pub use records::{add_dns_record, change_dns_record, change_dns_record_id, delete_dns_record};
pub use suspend::{
    set_user_zones_suspended, suspend_dns_domain, suspend_dns_domains, suspend_dns_record, unsuspend_dns_domain,
    unsuspend_dns_domains, unsuspend_dns_record,
};
pub use zones::{
    add_dns_domain, change_dns_domain_exp, change_dns_domain_ip, change_dns_domain_soa, change_dns_domain_tpl,
    change_dns_domain_ttl, delete_dns_domain, delete_dns_domains, delete_dns_domains_src, user_zones_deleted,
};
