//! The config rules serde's types cannot express: ranges, cross-field
//! conditions, well-formed staff credentials.
//!
//! Each rule fails with [`ConfigError::Invalid`] naming its key and the
//! allowed values, so the operator fixes the right line at the first try.
//! Upper bounds are there to catch unit mistakes (milliseconds typed into a
//! `_secs` key), not to forbid unusual but sane setups.

use super::{Config, ConfigError};
use argon2::password_hash::PasswordHash;
use std::collections::HashSet;
use std::ops::RangeInclusive;
use std::path::Path;

/// Session timeouts: long enough to read a screen, short enough that an
/// unattended open door or session is noticed.
const TIMEOUT_SECS: RangeInclusive<u64> = 5..=3600;
/// Door numbers a locker board can address in practice.
const LOCKERS: RangeInclusive<u16> = 1..=2000;
const LOAN_DAYS: RangeInclusive<u32> = 1..=365;
/// A district call holds the engine (and the patron) until it answers or
/// times out; the systemd watchdog (30 s, pinged every 15 s) must not fire
/// meanwhile during a silent outage, so the timeout stays well under 15 s.
const DISTRICT_TIMEOUT_SECS: RangeInclusive<u64> = 1..=10;
const RECEIPT_SECS: RangeInclusive<u64> = 1..=600;
const LOG_LEVELS: [&str; 6] = ["trace", "debug", "info", "warn", "error", "off"];

pub(super) fn validate(c: &Config, file: &Path) -> Result<(), ConfigError> {
    let fail = |key: &str, message: String| Err(ConfigError::invalid(file, key, message));

    // [kiosk]
    let id = &c.kiosk.id;
    if id.is_empty()
        || id.len() > 64
        || !id.chars().all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '.' | '_' | '-'))
    {
        return fail("kiosk.id", format!("must be 1 to 64 of A-Z, a-z, 0-9, `.`, `_`, `-` (got {id:?})"));
    }
    if c.kiosk.name.trim().is_empty() {
        return fail("kiosk.name", "must not be empty (it is shown on the attract screen)".into());
    }
    match c.kiosk.state_dir.to_str() {
        None => return fail("kiosk.state_dir", "must be valid UTF-8".into()),
        Some("") => return fail("kiosk.state_dir", "must not be empty".into()),
        Some(_) => {}
    }
    if let Some(n) = c.kiosk.patron_pin_length
        && !(4..=8).contains(&n)
    {
        return fail("kiosk.patron_pin_length", format!("must be 4 to 8 digits (got {n})"));
    }
    let prefix = &c.kiosk.qr_prefix;
    if prefix.is_empty() || prefix.trim() != prefix {
        // The scanner's text is trimmed before matching, so edge spaces never match.
        return fail(
            "kiosk.qr_prefix",
            format!("must be non-empty without leading or trailing spaces (got {prefix:?})"),
        );
    }

    // [policy]
    let p = &c.policy;
    at_least(file, "policy.kiosk_limit", p.kiosk_limit.into(), 1)?;
    at_least(file, "policy.district_quota", p.district_quota.into(), 1)?;
    within(file, "policy.loan_days", p.loan_days, LOAN_DAYS)?;
    within(file, "policy.dispense_timeout_secs", p.dispense_timeout_secs, TIMEOUT_SECS)?;
    within(file, "policy.return_timeout_secs", p.return_timeout_secs, TIMEOUT_SECS)?;
    within(file, "policy.inactivity_timeout_secs", p.inactivity_timeout_secs, TIMEOUT_SECS)?;
    if p.countdown_secs < super::MIN_COUNTDOWN_SECS || p.countdown_secs >= p.inactivity_timeout_secs {
        return fail(
            "policy.countdown_secs",
            format!(
                "must be at least {} (the time WCAG 2.2.1 gives to ask for more) and less than \
                 policy.inactivity_timeout_secs ({}) (got {})",
                super::MIN_COUNTDOWN_SECS,
                p.inactivity_timeout_secs,
                p.countdown_secs
            ),
        );
    }
    within(file, "policy.receipt_secs", p.receipt_secs, RECEIPT_SECS)?;

    // [offline]: the caps only matter when offline lending is on.
    let o = &c.offline;
    if o.loans_allowed {
        at_least(file, "offline.seen_within_hours", o.seen_within_hours.into(), 1)?;
        at_least(file, "offline.per_patron", o.per_patron.into(), 1)?;
        if o.per_outage < o.per_patron {
            return fail(
                "offline.per_outage",
                format!(
                    "must be at least offline.per_patron ({}) (got {}); \
                     set offline.loans_allowed = false to lend nothing offline",
                    o.per_patron, o.per_outage
                ),
            );
        }
        at_least(file, "offline.max_outage_hours", o.max_outage_hours.into(), 1)?;
    }

    // [hardware]
    let h = &c.hardware;
    within(file, "hardware.lockers", h.lockers, LOCKERS)?;
    if h.return_bin_slot <= h.lockers {
        return fail(
            "hardware.return_bin_slot",
            format!(
                "must be above hardware.lockers ({}) so it is no locker's number (got {})",
                h.lockers, h.return_bin_slot
            ),
        );
    }
    at_least(file, "hardware.return_bin_capacity", h.return_bin_capacity.into(), 1)?;
    super::devices::validate(h, file)?;

    // [district]
    let d = &c.district;
    within(file, "district.timeout_secs", d.timeout_secs, DISTRICT_TIMEOUT_SECS)?;
    // Which keys each kind takes, and which it needs, serde checked
    // (`DistrictBackend`); what is left is their values.
    match &d.backend {
        super::DistrictBackend::Http(http) => {
            crate::district::http::check_url(&http.url)
                .map_err(|e| ConfigError::invalid(file, "district.url", e.to_string()))?;
        }
        super::DistrictBackend::Sim {} => {
            if !cfg!(feature = "demo") {
                return fail(
                    "district.kind",
                    "\"sim\" (the simulated district) is in the demo build only; this kiosk talks to a real \
                     district: \"http\" (a district server) or \"sip2\" (a library system)"
                        .into(),
                );
            }
        }
        super::DistrictBackend::Sip2(sip2) => {
            if sip2.host.trim().is_empty() {
                return fail("district.host", "must be set when district.kind = \"sip2\" (the SIP2 server)".into());
            }
            if sip2.port == 0 {
                return fail("district.port", "must be 1 to 65535 when district.kind = \"sip2\" (often 6001)".into());
            }
            if sip2.institution_id.trim().is_empty() {
                return fail(
                    "district.institution_id",
                    "must be set when district.kind = \"sip2\" (the AO the library system expects)".into(),
                );
            }
            if sip2.login_user.is_some() != sip2.password_file.is_some() {
                let key = if sip2.login_user.is_some() { "district.password_file" } else { "district.login_user" };
                return fail(key, "district.login_user and district.password_file go together".into());
            }
            for (key, value) in [
                ("institution_id", Some(sip2.institution_id.as_str())),
                ("location_code", sip2.location_code.as_deref()),
                ("login_user", sip2.login_user.as_deref()),
            ] {
                if value.is_some_and(|v| v.contains(['|', '\r', '\n'])) {
                    return fail(&format!("district.{key}"), "must not contain |, CR or LF (SIP2 delimiters)".into());
                }
            }
            within(file, "district.keepalive_secs", sip2.keepalive_secs, 5..=3600)?;
        }
    }
    within(file, "district.sync_interval_secs", d.sync_interval_secs, 1..=3600)?;
    within(file, "district.heartbeat_secs", d.heartbeat_secs, 10..=86_400)?;
    within(file, "district.batch_size", d.batch_size, 1..=100)?;
    within(file, "district.retry_min_secs", d.retry_min_secs, 1..=3600)?;
    if d.retry_max_secs < d.retry_min_secs || d.retry_max_secs > 86_400 {
        return fail(
            "district.retry_max_secs",
            format!("must be from district.retry_min_secs ({}) to 86400 (got {})", d.retry_min_secs, d.retry_max_secs),
        );
    }
    within(file, "district.inventory_refresh_secs", d.inventory_refresh_secs, 60..=86_400)?;
    within(file, "district.cover_cache_mib", d.cover_cache_mib, 1..=4096)?;

    // [display]
    let panel = &c.display;
    within(file, "display.panel_height_mm", panel.panel_height_mm, 100..=2500)?;
    within(file, "display.bottom_edge_mm", panel.bottom_edge_mm, 0..=2500)?;
    if panel.share_in_reach() < super::display::MIN_SHARE_IN_REACH {
        return fail(
            "display.bottom_edge_mm",
            format!(
                "puts less than {:.0}% of the panel ({} to {} mm above the floor) within a wheelchair user's \
                 reach ({} to {} mm), too little for \"controls lower\" to hold a screen's controls: mount the \
                 panel lower, or give its real height in display.panel_height_mm",
                super::display::MIN_SHARE_IN_REACH * 100.0,
                panel.bottom_edge_mm,
                panel.top_edge_mm(),
                super::REACH_LOW_MM,
                super::REACH_HIGH_MM,
            ),
        );
    }

    // [logging]
    // [accessibility]
    within(file, "accessibility.rate", c.accessibility.rate, 80..=450)?;
    within(file, "accessibility.volume", c.accessibility.volume, 10..=200)?;
    within(file, "accessibility.key_acceptance_ms", c.accessibility.key_acceptance_ms, 0..=2000)?;
    if c.accessibility.espeak.as_os_str().is_empty() {
        return fail("accessibility.espeak", "must name the espeak-ng program".into());
    }
    c.accessibility
        .keys
        .check()
        .map_err(|(key, message)| ConfigError::invalid(file, format!("accessibility.keys.{key}"), message))?;
    check_log_level(&c.logging.level).map_err(|message| ConfigError::invalid(file, "logging.level", message))?;

    // [[staff]]
    let mut ids = HashSet::new();
    let mut cards = HashSet::new();
    for (i, s) in c.staff.iter().enumerate() {
        if s.id.trim().is_empty() {
            return fail(&format!("staff[{i}].id"), "must not be empty".into());
        }
        if !ids.insert(s.id.as_str()) {
            return fail(
                &format!("staff[{i}].id"),
                format!("`{}` is used by an earlier staff entry; ids must be unique", s.id),
            );
        }
        if s.card_sha256.len() != 64 || !s.card_sha256.chars().all(|ch| ch.is_ascii_hexdigit()) {
            return fail(
                &format!("staff[{i}].card_sha256"),
                "must be 64 hex characters: the SHA-256 of \"card:\" + the card UID, never the UID itself".into(),
            );
        }
        if !cards.insert(s.card_sha256.to_ascii_lowercase()) {
            return fail(&format!("staff[{i}].card_sha256"), "the same card is given to an earlier staff entry".into());
        }
        if !is_argon2_phc(&s.pin_argon2) {
            return fail(
                &format!("staff[{i}].pin_argon2"),
                "must be an Argon2 PHC string like `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>` (from `bookstation hash-pin`)"
                    .into(),
            );
        }
    }
    Ok(())
}

/// A complete Argon2 PHC string: known variant, valid parameters, salt and
/// hash present. `PasswordHash::new` alone accepts `$argon2id$junk`, which
/// would then refuse every PIN at the kiosk instead of failing at start-up.
fn is_argon2_phc(phc: &str) -> bool {
    let Ok(hash) = PasswordHash::new(phc) else { return false };
    phc.starts_with("$argon2")
        && argon2::Algorithm::try_from(hash.algorithm).is_ok()
        && argon2::Params::try_from(&hash).is_ok()
        && hash.salt.is_some()
        && hash.hash.is_some()
}

fn at_least(file: &Path, key: &str, value: u64, min: u64) -> Result<(), ConfigError> {
    if value < min {
        return Err(ConfigError::invalid(file, key, format!("must be at least {min} (got {value})")));
    }
    Ok(())
}

fn within<T: PartialOrd + std::fmt::Display>(
    file: &Path,
    key: &str,
    value: T,
    range: RangeInclusive<T>,
) -> Result<(), ConfigError> {
    if !range.contains(&value) {
        let message = format!("must be from {} to {} (got {value})", range.start(), range.end());
        return Err(ConfigError::invalid(file, key, message));
    }
    Ok(())
}

/// A level name, or `target=level` directives separated by commas. Checked
/// by hand first because `EnvFilter` reads a lone typo like `infoo` as a
/// target name and would silently log nothing useful.
fn check_log_level(level: &str) -> Result<(), String> {
    let allowed = "a level (trace, debug, info, warn, error, off) or directives like `info,bookstation::engine=debug`";
    for directive in level.split(',').map(str::trim) {
        let is_level = LOG_LEVELS.iter().any(|l| l.eq_ignore_ascii_case(directive));
        if !is_level && !directive.contains('=') {
            return Err(format!("must be {allowed} (got {level:?})"));
        }
    }
    tracing_subscriber::EnvFilter::try_new(level)
        .map(drop)
        .map_err(|e| format!("must be {allowed}: {e} (got {level:?})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_levels_and_directives_pass_typos_do_not() {
        for ok in ["info", "DEBUG", "off", "info,bookstation::engine=debug", "bookstation=trace"] {
            assert_eq!(check_log_level(ok), Ok(()), "{ok}");
        }
        for bad in ["", "infoo", "info,", "bookstation=loud", "info,,debug"] {
            assert!(check_log_level(bad).is_err(), "{bad}");
        }
    }
}
