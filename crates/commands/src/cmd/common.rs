//! Checks and loaders shared by the command handlers (Hestia's `is_object_valid`, …).

use crate::engine::{Args, Ctx};
use hearth_domain::object::{User, user};
use hearth_domain::validate::{UserName, or_empty};
use hearth_domain::{HearthError, ReturnCode};
use hearth_output::Format;

/// `is_object_valid user`: the user's record, or `user X doesn't exist` (E_NOTEXIST).
pub fn user(ctx: &Ctx<'_, '_>, name: &str) -> Result<User, HearthError> {
    ctx.tx
        .user(name)?
        .ok_or_else(|| HearthError::not_exist(format!("user {name} doesn't exist")))
}

/// `is_object_valid 'user' 'USER' USER` for a user argument (`None` when it was empty, which
/// the format check lets through and no user is named): the name and the user.
pub fn user_of(ctx: &Ctx<'_, '_>, user: Option<UserName>) -> Result<(UserName, User), HearthError> {
    let rec = self::user(ctx, or_empty(&user))?;
    let user = user.ok_or_else(|| HearthError::not_exist("user  doesn't exist"))?;
    Ok((user, rec))
}

/// [`user`] without a copy: the record shared with the store's read cache.
pub fn user_shared(ctx: &Ctx<'_, '_>, name: &str) -> Result<std::sync::Arc<User>, HearthError> {
    ctx.tx
        .user_shared(name)?
        .ok_or_else(|| HearthError::not_exist(format!("user {name} doesn't exist")))
}

/// `is_object_unsuspended user`.
pub fn unsuspended(name: &str, rec: &User) -> Result<(), HearthError> {
    if rec.yes(user::SUSPENDED) {
        return Err(HearthError::new(
            ReturnCode::Suspended,
            format!("user {name} is suspended"),
        ));
    }
    Ok(())
}

/// `check_hestia_demo_mode`: in demo mode every change is refused (exit 1).
pub fn demo_mode(ctx: &Ctx<'_, '_>) -> Result<(), HearthError> {
    if ctx.tx.settings()?.demo_mode() {
        return Err(HearthError::raw(
            ReturnCode::Args,
            "ERROR: Unable to perform operation due to security restrictions that are in place.",
        ));
    }
    Ok(())
}

/// The output format of argument `i` with Hestia's `${N-shell}`.
pub fn format_arg(args: &Args, i: usize) -> Option<Format> {
    Format::from_arg(args.get(i))
}

/// The output format of argument `i` with Hestia's `${N:-shell}`.
pub fn format_arg_or_shell(args: &Args, i: usize) -> Option<Format> {
    Format::from_arg_or_shell(args.get(i))
}

/// `is_package_full`: fail with E_LIMIT when adding one more object would pass the user's
/// package limit `limit_key`, given the current count.
pub fn package_room(owner: &User, limit: user::Key, used: u64) -> Result<(), HearthError> {
    if owner.limit(limit).allows(used + 1) {
        Ok(())
    } else {
        Err(HearthError::new(
            ReturnCode::Limit,
            format!("{} limit is reached :: upgrade user package", limit.name()),
        ))
    }
}
