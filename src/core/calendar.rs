//! When a catalyst or risk is expected (`expected = "2026-H2"` in the config) and where today
//! stands against it: "due in 3m", "in window", "overdue 2w".
//!
//! A window is written as a year (`"2027"`), a half (`"2026-H2"`), a quarter (`"2027-Q1"`), a
//! month (`"2026-09"`), a span of years (`"2026-2028"`), or two dates
//! (`["2026-03-01", "2026-09-30"]`); both ends are inclusive days.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// An expected window, both ends inclusive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Written", into = "Written")]
pub struct Window {
    pub start: NaiveDate,
    pub end: NaiveDate,
    /// As the config wrote it (shown in details and the report).
    pub label: String,
}

/// A window as written: one text or two dates.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Written {
    One(String),
    Two([String; 2]),
}

impl TryFrom<Written> for Window {
    type Error = String;

    fn try_from(w: Written) -> Result<Window, String> {
        match w {
            Written::One(text) => parse(&text),
            Written::Two([a, b]) => between(&a, &b),
        }
    }
}

impl From<Window> for Written {
    fn from(w: Window) -> Written {
        match w.label.split_once(" to ") {
            Some((a, b)) => Written::Two([a.to_string(), b.to_string()]),
            None => Written::One(w.label),
        }
    }
}

const FORMS: &str = "expected must be a year (\"2027\"), a half (\"2026-H2\"), a quarter (\"2027-Q1\"), \
     a month (\"2026-09\"), years (\"2026-2028\") or two dates ([\"2026-03-01\", \"2026-09-30\"])";

/// Years a window may name (the thesis plays out over years, not centuries).
const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// Parses the one-text forms.
pub fn parse(text: &str) -> Result<Window, String> {
    let t = text.trim();
    let year = |s: &str| -> Option<i32> {
        let digits = s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit());
        s.parse().ok().filter(|y| digits && YEARS.contains(y))
    };
    let window = |start: Option<NaiveDate>, end: Option<NaiveDate>| match (start, end) {
        (Some(start), Some(end)) if start <= end => Ok(Window { start, end, label: t.to_string() }),
        _ => Err(format!("{FORMS}; `{}` is not one", crate::sanitize::clean(t))),
    };
    let months = |y: i32, first: u32, last: u32| window(first_day(y, first), last_day(y, last));
    if let Some(y) = year(t) {
        return months(y, 1, 12);
    }
    let Some((a, b)) = t.split_once('-') else { return window(None, None) };
    let Some(y) = year(a) else { return window(None, None) };
    let upper = b.to_ascii_uppercase();
    if let Some(h) = upper.strip_prefix('H') {
        return match h {
            "1" => months(y, 1, 6),
            "2" => months(y, 7, 12),
            _ => window(None, None),
        };
    }
    if let Some(q) = upper.strip_prefix('Q') {
        return match q {
            "1" => months(y, 1, 3),
            "2" => months(y, 4, 6),
            "3" => months(y, 7, 9),
            "4" => months(y, 10, 12),
            _ => window(None, None),
        };
    }
    if let Some(to) = year(b) {
        return window(first_day(y, 1), last_day(to, 12));
    }
    match (b.len(), b.parse::<u32>()) {
        (2, Ok(m @ 1..=12)) => months(y, m, m),
        _ => window(None, None),
    }
}

/// The two-dates form.
pub fn between(a: &str, b: &str) -> Result<Window, String> {
    let day =
        |s: &str| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok().filter(|d| YEARS.contains(&d.year()));
    match (day(a), day(b)) {
        (Some(start), Some(end)) if start <= end => Ok(Window {
            start,
            end,
            label: format!("{} to {}", start.format("%Y-%m-%d"), end.format("%Y-%m-%d")),
        }),
        (Some(_), Some(_)) => Err("expected: the first date must not be after the second".into()),
        _ => Err(format!("{FORMS}; the dates must be YYYY-MM-DD")),
    }
}

fn first_day(y: i32, m: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, 1)
}

fn last_day(y: i32, m: u32) -> Option<NaiveDate> {
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    NaiveDate::from_ymd_opt(ny, nm, 1).and_then(|d| d.pred_opt())
}

/// Where a day stands against a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stand {
    /// Before it: days until it opens.
    Due(i64),
    /// Within it: days until it closes (0 on its last day).
    Open(i64),
    /// After it: days since its last day.
    Overdue(i64),
}

impl Window {
    pub fn stand(&self, today: NaiveDate) -> Stand {
        if today < self.start {
            Stand::Due((self.start - today).num_days())
        } else if today <= self.end {
            Stand::Open((self.end - today).num_days())
        } else {
            Stand::Overdue((today - self.end).num_days())
        }
    }
}

impl Stand {
    /// "due in 3m", "in window", "overdue 2w".
    pub fn label(self) -> String {
        match self {
            Stand::Due(days) => format!("due in {}", span(days)),
            Stand::Open(_) => "in window".into(),
            Stand::Overdue(days) => format!("overdue {}", span(days)),
        }
    }
}

/// A number of days, roughly, in the largest unit that reads well: 5d, 3w, 4m, 2y.
pub fn span(days: i64) -> String {
    let days = days.max(0);
    match days {
        0..=13 => format!("{}d", days.max(1)),
        14..=62 => format!("{}w", days / 7),
        63..=729 => format!("{}m", days * 12 / 365),
        _ => format!("{}y", days / 365),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn every_written_form_is_a_window_of_whole_days() {
        for (text, start, end) in [
            ("2027", d(2027, 1, 1), d(2027, 12, 31)),
            ("2026-H1", d(2026, 1, 1), d(2026, 6, 30)),
            ("2026-H2", d(2026, 7, 1), d(2026, 12, 31)),
            ("2027-q1", d(2027, 1, 1), d(2027, 3, 31)),
            ("2028-Q1", d(2028, 1, 1), d(2028, 3, 31)),
            ("2024-Q4", d(2024, 10, 1), d(2024, 12, 31)),
            ("2028-02", d(2028, 2, 1), d(2028, 2, 29)),
            ("2027-02", d(2027, 2, 1), d(2027, 2, 28)),
            ("2026-2028", d(2026, 1, 1), d(2028, 12, 31)),
            (" 2026-H2 ", d(2026, 7, 1), d(2026, 12, 31)),
        ] {
            let w = parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!((w.start, w.end), (start, end), "{text}");
        }
        let w = between("2026-03-01", "2026-09-30").unwrap();
        assert_eq!(
            (w.start, w.end, w.label.as_str()),
            (d(2026, 3, 1), d(2026, 9, 30), "2026-03-01 to 2026-09-30")
        );
        assert_eq!(between("2026-03-01", "2026-03-01").unwrap().end, d(2026, 3, 1));
    }

    #[test]
    fn anything_else_is_refused_with_the_forms_named() {
        for text in [
            "",
            "H2",
            "2026-H3",
            "2026-Q5",
            "2026-Q0",
            "2026-Q01",
            "2026-13",
            "2026-1",
            "26-H2",
            "2028-2026",
            "1999",
            "2101-H1",
            "soon",
            "2026-H2x",
            "２０２６",
            "2026-\u{202E}H2",
        ] {
            let e = parse(text).unwrap_err();
            assert!(e.starts_with("expected must be a year"), "{text}: {e}");
            assert!(!e.contains('\u{202E}'), "the echo is cleaned: {e}");
        }
        assert!(between("2026-09-30", "2026-03-01").unwrap_err().contains("not be after"));
        assert!(between("2026-02-30", "2026-03-01").is_err());
        assert!(between("next year", "2026-03-01").is_err());
    }

    #[test]
    fn where_today_stands_reads_in_the_largest_fitting_unit() {
        let w = parse("2026-H2").unwrap();
        let stand = |day| w.stand(day).label();
        assert_eq!(stand(d(2026, 3, 31)), "due in 3m");
        assert_eq!(stand(d(2026, 6, 20)), "due in 11d");
        assert_eq!(stand(d(2026, 6, 30)), "due in 1d");
        assert_eq!(stand(d(2026, 7, 1)), "in window");
        assert_eq!(stand(d(2026, 12, 31)), "in window");
        assert_eq!(w.stand(d(2026, 12, 31)), Stand::Open(0));
        assert_eq!(stand(d(2027, 1, 1)), "overdue 1d");
        assert_eq!(stand(d(2027, 1, 15)), "overdue 2w");
        assert_eq!(stand(d(2027, 5, 1)), "overdue 3m");
        assert_eq!(stand(d(2029, 6, 1)), "overdue 2y");
    }

    #[test]
    fn a_window_goes_back_to_config_as_it_was_written() {
        for text in ["\"2026-H2\"", "[\"2026-03-01\", \"2026-09-30\"]"] {
            let w: Window = serde_json::from_str(text).unwrap();
            let again: Window = serde_json::from_str(&serde_json::to_string(&w).unwrap()).unwrap();
            assert_eq!(w, again);
        }
        assert!(serde_json::from_str::<Window>("\"2026-H3\"").is_err());
        assert!(serde_json::from_str::<Window>("[\"2026-01-01\"]").is_err());
    }
}
