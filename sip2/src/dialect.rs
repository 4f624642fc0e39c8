//! What differs between library systems' SIP2 servers, as settings: a named
//! dialect gives the values known for that system, and each may be
//! overridden in `[district.sip2]`. `docs/sip2.md` lists them with where
//! each value comes from.

use crate::charset::Charset;
use crate::frame::Terminator;
use crate::messages::DueDateFormat;
use serde::{Deserialize, Serialize};

/// A library system whose SIP2 server's habits are known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DialectName {
    /// The spec as written, and pysip2's toy library in the tests.
    #[default]
    Generic,
    Koha,
    Evergreen,
    Folio,
}

/// How holds ready for pickup appear in a 64.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HoldsReport {
    /// `AS` lists the holds ready for pickup (`CD` the others), by barcode.
    AvailableInAs,
    /// `AS` lists every hold; the ready ones are those not also in `CD`.
    AllInAsMinusCd,
}

/// The settings, filled from a [`DialectName`] and the overrides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dialect {
    pub charset: Charset,
    pub terminator: Terminator,
    /// Send `AY`/`AZ` and check them on answers.
    pub error_detection: bool,
    /// How `AH` due dates are written.
    pub due_date: DueDateFormat,
    pub holds: HoldsReport,
    /// Ask 63 one summary position at a time (the spec's advice) rather
    /// than `YYY` in one request.
    pub summary_one_at_a_time: bool,
    /// 18 carries the borrower (`AA`) of a charged item, so a lost
    /// checkout answer can be matched to its patron exactly.
    pub item_info_reports_patron: bool,
    /// Send 93 before anything else (when a login user is configured).
    pub login: bool,
}

impl Dialect {
    pub fn of(name: DialectName) -> Self {
        let generic = Self {
            charset: Charset::Utf8,
            terminator: Terminator::Cr,
            error_detection: true,
            due_date: DueDateFormat::Auto,
            holds: HoldsReport::AvailableInAs,
            summary_one_at_a_time: true,
            item_info_reports_patron: false,
            login: true,
        };
        match name {
            DialectName::Generic => generic,
            // Koha's C4::SIP writes due dates as 18-character SIP dates
            // and lists waiting holds in AS, the rest in CD.
            DialectName::Koha => Self { due_date: DueDateFormat::Sip18, ..generic },
            // Evergreen's SIPServer writes ISO due dates by default
            // (due_date_use_sip_date_format off) and puts titles in AS unless
            // msg64_hold_datatype is "barcode", which the kiosk needs; AS
            // lists every unfilled hold unless msg64_hold_items_available
            // is set (then override `holds = "available_in_as"`).
            DialectName::Evergreen => {
                Self { due_date: DueDateFormat::Iso, holds: HoldsReport::AllInAsMinusCd, ..generic }
            }
            // FOLIO's edge-sip2 answers 64 with every hold in AS; its
            // default character set is IBM850 (set it to UTF-8 for the kiosk).
            DialectName::Folio => Self { holds: HoldsReport::AllInAsMinusCd, ..generic },
        }
    }
}

/// `[district.sip2]`: overrides of the dialect's settings, each optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DialectOverrides {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charset: Option<Charset>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terminator: Option<Terminator>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_detection: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_date: Option<DueDateFormat>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holds: Option<HoldsReport>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary_one_at_a_time: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_info_reports_patron: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login: Option<bool>,
}

impl DialectOverrides {
    pub fn apply(&self, mut d: Dialect) -> Dialect {
        d.charset = self.charset.unwrap_or(d.charset);
        d.terminator = self.terminator.unwrap_or(d.terminator);
        d.error_detection = self.error_detection.unwrap_or(d.error_detection);
        d.due_date = self.due_date.unwrap_or(d.due_date);
        d.holds = self.holds.unwrap_or(d.holds);
        d.summary_one_at_a_time = self.summary_one_at_a_time.unwrap_or(d.summary_one_at_a_time);
        d.item_info_reports_patron = self.item_info_reports_patron.unwrap_or(d.item_info_reports_patron);
        d.login = self.login.unwrap_or(d.login);
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_change_only_what_they_name() {
        let koha = Dialect::of(DialectName::Koha);
        let o = DialectOverrides { charset: Some(Charset::EucKr), ..Default::default() };
        let d = o.apply(koha.clone());
        assert_eq!(d.charset, Charset::EucKr);
        assert_eq!(Dialect { charset: koha.charset, ..d }, koha);
    }

    #[test]
    fn overrides_parse_from_toml_with_their_names() {
        let o: DialectOverrides =
            toml::from_str("charset = \"cp949\"\nterminator = \"cr-lf\"\nholds = \"all_in_as_minus_cd\"").unwrap();
        assert_eq!(o.charset, Some(Charset::EucKr));
        assert_eq!(o.terminator, Some(Terminator::CrLf));
        assert!(toml::from_str::<DialectOverrides>("charsets = \"utf-8\"").is_err());
    }
}
