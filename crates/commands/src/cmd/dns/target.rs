//! What a DNS command acts on: its USER (and DOMAIN) arguments, checked in two phases as
//! Hestia checks them, and the change's own rules (demo mode, RESTART).
//!
//! 1. `UserArgs::parse` / `ZoneArgs::parse` check the formats (Hestia's `check_args` and
//!    `is_format_valid`); the command checks its own arguments' formats before or after, and
//!    RESTART's with `parse_restart` where Hestia checks it.
//! 2. `open` checks the objects: DNS_SYSTEM enabled, the user exists (and is active), the zone
//!    exists for the user (and is active), as [`Open`] says.
//! 3. `change`, right before the change: demo mode. The target then gives the RESTART flag to
//!    `publish`.
//!
//! Hestia's order decides which error a bad call gets: each command calls these where it
//! checks them, with its own checks in between.

use super::checks::{dns_system, domain_arg, zone_active, zone_of};
use crate::cmd::common;
use crate::engine::{Args, Ctx};
use hearth_domain::HearthError;
use hearth_domain::object::settings::DnsSystem;
use hearth_domain::object::{DnsZone, User};
use hearth_domain::validate::{DomainName, Restart, UserName, or_empty};

/// Demo mode for the commands that, as Hestia, check it before their arguments
/// (`v-unsuspend-dns-domain`, `v-unsuspend-dns-record`); the others call `change`.
pub(super) fn demo_first(ctx: &Ctx<'_, '_>) -> Result<(), HearthError> {
    common::demo_mode(ctx)
}

/// What [`UserArgs::open`] and [`ZoneArgs::open`] check besides the objects' existence.
#[derive(Clone, Copy)]
pub(super) struct Open {
    /// `is_system_enabled DNS_SYSTEM` first.
    system: bool,
    /// `is_object_unsuspended user`.
    active_user: bool,
    /// `is_object_unsuspended dns DOMAIN`.
    active_zone: bool,
}

impl Open {
    /// DNS_SYSTEM enabled; the user and the zone exist (suspended or not).
    pub(super) const EXISTING: Open = Open {
        system: true,
        active_user: false,
        active_zone: false,
    };
    /// DNS_SYSTEM enabled; the user and the zone exist and are active (the changes of a zone).
    pub(super) const ACTIVE: Open = Open::EXISTING.active_user().active_zone();

    /// The user must be active too.
    pub(super) const fn active_user(self) -> Open {
        Open {
            active_user: true,
            ..self
        }
    }

    /// The zone must be active too.
    pub(super) const fn active_zone(self) -> Open {
        Open {
            active_zone: true,
            ..self
        }
    }

    /// Without the DNS_SYSTEM check (the list commands, `v-delete-dns-record`).
    pub(super) const fn any_system(self) -> Open {
        Open { system: false, ..self }
    }
}

/// A command's USER argument (argument 0) and RESTART, their formats checked.
pub(super) struct UserArgs {
    user: Option<UserName>,
    restart: Option<Restart>,
}

impl UserArgs {
    /// The format of USER (argument 0).
    pub(super) fn parse(args: &Args) -> Result<UserArgs, HearthError> {
        Ok(UserArgs {
            user: args.opt(0)?,
            restart: None,
        })
    }

    /// The format of RESTART (argument `i`).
    pub(super) fn parse_restart(mut self, args: &Args, i: usize) -> Result<UserArgs, HearthError> {
        self.restart = args.opt(i)?;
        Ok(self)
    }

    /// DNS_SYSTEM (unless `open` says otherwise), then the user (`user X doesn't exist`,
    /// `user X is suspended`).
    pub(super) fn open(self, ctx: &Ctx<'_, '_>, open: Open) -> Result<UserTarget, HearthError> {
        let system = if open.system { Some(dns_system(ctx)?) } else { None };
        let (user, rec) = common::user_of(ctx, self.user)?;
        if open.active_user {
            common::unsuspended(user.as_str(), &rec)?;
        }
        Ok(UserTarget {
            user,
            rec,
            system,
            restart: self.restart,
        })
    }
}

/// The user a DNS command acts on.
pub(super) struct UserTarget {
    pub(super) user: UserName,
    pub(super) rec: User,
    /// The DNS system (when [`Open`] checked it).
    pub(super) system: Option<DnsSystem>,
    restart: Option<Restart>,
}

impl UserTarget {
    /// The format of RESTART (argument `i`), for a command that checks it after the user.
    pub(super) fn parse_restart(mut self, args: &Args, i: usize) -> Result<UserTarget, HearthError> {
        self.restart = args.opt(i)?;
        Ok(self)
    }

    /// The user's zone `domain` (`dns domain D doesn't exist`; `dns D is suspended` when
    /// `active`).
    pub(super) fn zone(
        self,
        ctx: &Ctx<'_, '_>,
        domain: Option<DomainName>,
        active: bool,
    ) -> Result<ZoneTarget, HearthError> {
        let (domain, zone) = zone_of(ctx, &self.user, domain)?;
        if active {
            zone_active(&domain, &zone)?;
        }
        Ok(ZoneTarget {
            user: self.user,
            rec: self.rec,
            domain,
            zone,
            restart: self.restart,
        })
    }

    /// Right before the change: demo mode refuses it.
    pub(super) fn change(&self, ctx: &Ctx<'_, '_>) -> Result<(), HearthError> {
        common::demo_mode(ctx)
    }

    /// RESTART as given (empty when absent): only `no` holds the reload back.
    pub(super) fn restart(&self) -> &str {
        or_empty(&self.restart)
    }
}

/// A command's USER and DOMAIN arguments (0 and 1) and RESTART, their formats checked.
pub(super) struct ZoneArgs {
    user: UserArgs,
    domain: Option<DomainName>,
}

impl ZoneArgs {
    /// The formats of USER and DOMAIN (after Hestia's `format_domain`).
    pub(super) fn parse(args: &Args) -> Result<ZoneArgs, HearthError> {
        let user = UserArgs::parse(args)?;
        let domain = domain_arg(args, 1)?;
        Ok(ZoneArgs { user, domain })
    }

    /// The formats of USER and DOMAIN, the domain as given (no `format_domain`: the rebuild,
    /// insert and list commands).
    pub(super) fn parse_as_given(args: &Args) -> Result<ZoneArgs, HearthError> {
        let user = UserArgs::parse(args)?;
        let domain = args.opt(1)?;
        Ok(ZoneArgs { user, domain })
    }

    /// The format of RESTART (argument `i`).
    pub(super) fn parse_restart(mut self, args: &Args, i: usize) -> Result<ZoneArgs, HearthError> {
        self.user = self.user.parse_restart(args, i)?;
        Ok(self)
    }

    /// DNS_SYSTEM, the user, then the zone, as `open` says.
    pub(super) fn open(self, ctx: &Ctx<'_, '_>, open: Open) -> Result<ZoneTarget, HearthError> {
        let (user, domain) = self.open_user(ctx, open)?;
        user.zone(ctx, domain, open.active_zone)
    }

    /// DNS_SYSTEM and the user only, for a command with a check of its own before the zone's:
    /// the user and the domain to open with [`UserTarget::zone`].
    pub(super) fn open_user(
        self,
        ctx: &Ctx<'_, '_>,
        open: Open,
    ) -> Result<(UserTarget, Option<DomainName>), HearthError> {
        Ok((self.user.open(ctx, open)?, self.domain))
    }
}

/// The zone a DNS command acts on, and its user.
pub(super) struct ZoneTarget {
    pub(super) user: UserName,
    pub(super) rec: User,
    pub(super) domain: DomainName,
    pub(super) zone: DnsZone,
    restart: Option<Restart>,
}

impl ZoneTarget {
    /// The format of RESTART (argument `i`), for a command that checks it after the zone.
    pub(super) fn parse_restart(mut self, args: &Args, i: usize) -> Result<ZoneTarget, HearthError> {
        self.restart = args.opt(i)?;
        Ok(self)
    }

    /// Right before the change: demo mode refuses it.
    pub(super) fn change(&self, ctx: &Ctx<'_, '_>) -> Result<(), HearthError> {
        common::demo_mode(ctx)
    }

    /// RESTART as given (empty when absent): only `no` holds the reload back.
    pub(super) fn restart(&self) -> &str {
        or_empty(&self.restart)
    }
}
