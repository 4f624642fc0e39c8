//! Dates as a patron reads them, in the screen's language: "12월 17일(목)",
//! "Thu 17 Dec". The engine and the district speak `YYYY-MM-DD`; only what
//! is shown is turned into words.

use super::Language;
use chrono::{Datelike, NaiveDate, Weekday};

/// `YYYY-MM-DD` in the patron's form; the text as given when it is not a date.
pub fn display_date(iso: &str, language: Language) -> String {
    match NaiveDate::parse_from_str(iso, "%Y-%m-%d") {
        Ok(date) => format_date(date, language),
        Err(_) => iso.to_owned(),
    }
}

/// A date in the patron's form, without the year (loans and holds are weeks away).
pub fn format_date(date: NaiveDate, language: Language) -> String {
    let (m, d) = (date.month(), date.day());
    let i = date.weekday().num_days_from_monday() as usize;
    match language {
        Language::Ko => format!("{m}월 {d}일({})", ["월", "화", "수", "목", "금", "토", "일"][i]),
        Language::Ja => format!("{m}月{d}日({})", ["月", "火", "水", "木", "金", "土", "日"][i]),
        Language::Zh => format!("{m}月{d}日(周{})", ["一", "二", "三", "四", "五", "六", "日"][i]),
        Language::En => format!("{} {d} {}", english_weekday(date.weekday()), english_month(m)),
    }
}

fn english_weekday(w: Weekday) -> &'static str {
    ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][w.num_days_from_monday() as usize]
}

fn english_month(m: u32) -> &'static str {
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    MONTHS[(m.clamp(1, 12) - 1) as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_due_date_reads_as_each_language_writes_it() {
        // 2026-12-17 is a Thursday.
        assert_eq!(display_date("2026-12-17", Language::Ko), "12월 17일(목)");
        assert_eq!(display_date("2026-12-17", Language::En), "Thu 17 Dec");
        assert_eq!(display_date("2026-12-17", Language::Ja), "12月17日(木)");
        assert_eq!(display_date("2026-12-17", Language::Zh), "12月17日(周四)");
        assert_eq!(display_date("2027-01-03", Language::En), "Sun 3 Jan");
    }

    #[test]
    fn what_is_not_a_date_is_shown_as_given() {
        assert_eq!(display_date("soon", Language::Ko), "soon");
        assert_eq!(display_date("", Language::En), "");
    }
}
