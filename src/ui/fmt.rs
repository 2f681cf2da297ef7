//! Small pure formatters shared by the panes: ages, prices, signed changes, text sparklines.

use chrono::{DateTime, Utc};
use unicode_width::UnicodeWidthChar;

/// Compact age: `<1m`, `5m`, `3h`, `2d`, `5w` (up to `99w`), then years `1y` … `99y` (at most three
/// cells); future times (clock skew) count as `<1m`.
pub fn age(now: DateTime<Utc>, then: DateTime<Utc>) -> String {
    const WEEK: i64 = 604_800;
    const YEAR: i64 = 31_556_952; // 365.2425 days
    let secs = (now - then).num_seconds().max(0);
    match secs {
        0..60 => "<1m".into(),
        60..3_600 => format!("{}m", secs / 60),
        3_600..86_400 => format!("{}h", secs / 3_600),
        86_400..1_209_600 => format!("{}d", secs / 86_400),
        _ if secs < 100 * WEEK => format!("{}w", secs / WEEK),
        _ => format!("{}y", (secs / YEAR).clamp(1, 99)),
    }
}

/// Widest price the Tickers pane shows (its column width).
pub const PRICE_W: usize = 9;
/// Widest change and percent (their column widths).
pub const CHANGE_W: usize = 8;

/// A price in at most [`PRICE_W`] cells: two decimals below 10,000, whole up to 999,999,999,
/// then with a suffix (`1.23B`, `4.56T`) or in scientific notation; never cut.
pub fn price(p: f64) -> String {
    let plain = if p.abs() >= 10_000.0 { format!("{p:.0}") } else { format!("{p:.2}") };
    fit(p, plain, "", PRICE_W)
}

pub fn signed(v: f64) -> String {
    fit(v, format!("{v:+.2}"), "+", CHANGE_W)
}

/// Percentage points against a benchmark, in at most [`POINTS_W`] cells: `+12.3 pp`.
pub fn points(v: f64) -> String {
    format!("{} pp", fit(v, format!("{v:+.1}"), "+", POINTS_W - 3))
}

/// An amount of money in at most [`MONEY_W`] cells: whole units with thousands separated
/// (`16,620`) from 1,000, two decimals below, a suffix when it does not fit (`1.23M`).
pub fn money(v: f64) -> String {
    fit(v, grouped(v, ""), "", MONEY_W)
}

/// [`money`] with its sign (`+900`, `-1,307`): a profit or loss.
pub fn signed_money(v: f64) -> String {
    fit(v, grouped(v, "+"), "+", MONEY_W)
}

/// Widest [`money`].
pub const MONEY_W: usize = 10;

fn grouped(v: f64, plus: &str) -> String {
    let sign = if v < 0.0 { "-" } else { plus };
    let a = v.abs();
    if !a.is_finite() || a < 1_000.0 {
        return format!("{sign}{a:.2}");
    }
    let digits = format!("{a:.0}");
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!("{sign}{out}")
}

/// Widest [`points`].
pub const POINTS_W: usize = 9;

pub fn pct(v: f64) -> String {
    let plain = format!("{v:+.2}%");
    if plain.chars().count() <= CHANGE_W || !v.is_finite() {
        return plain;
    }
    format!("{}%", compact(v, "+", CHANGE_W - 1))
}

/// `plain` when it fits `width` cells, else [`compact`].
fn fit(v: f64, plain: String, sign: &str, width: usize) -> String {
    if plain.chars().count() <= width || !v.is_finite() { plain } else { compact(v, sign, width) }
}

/// `v` in at most `width` cells with a K/M/B/T suffix (`1.23B`), else in scientific notation
/// (`1.0e308`), so a leading digit is never cut off by the column.
fn compact(v: f64, sign: &str, width: usize) -> String {
    let sign = if v < 0.0 { "-" } else { sign };
    let a = v.abs();
    for (div, suffix) in [(1e3, "K"), (1e6, "M"), (1e9, "B"), (1e12, "T")] {
        if a >= div && a / div < 1_000.0 {
            for decimals in [2, 1, 0] {
                let s = format!("{sign}{:.decimals$}{suffix}", a / div);
                if s.chars().count() <= width {
                    return s;
                }
            }
        }
    }
    let s = format!("{sign}{a:.1e}");
    if s.chars().count() <= width { s } else { format!("{sign}{a:.0e}") }
}

/// Compact volume: `950`, `12.3K`, `4.56M`, `1.2B`.
pub fn volume(v: u64) -> String {
    let f = v as f64;
    match v {
        0..1_000 => v.to_string(),
        1_000..1_000_000 => format!("{:.1}K", f / 1e3),
        1_000_000..1_000_000_000 => format!("{:.2}M", f / 1e6),
        _ => format!("{:.1}B", f / 1e9),
    }
}

/// A one-line sparkline of `width` cells from the series (resampled by averaging buckets).
pub fn sparkline(series: &[f64], width: usize) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let values: Vec<f64> = series.iter().copied().filter(|v| v.is_finite()).collect();
    if values.is_empty() || width == 0 {
        return String::new();
    }
    let n = width.min(values.len());
    let buckets: Vec<f64> = (0..n)
        .map(|i| {
            let (a, b) = (i * values.len() / n, ((i + 1) * values.len() / n).max(i * values.len() / n + 1));
            let slice = &values[a..b.min(values.len())];
            slice.iter().sum::<f64>() / slice.len() as f64
        })
        .collect();
    let (lo, hi) = buckets.iter().fold((f64::MAX, f64::MIN), |(l, h), &v| (l.min(v), h.max(v)));
    buckets
        .iter()
        .map(|&v| if hi > lo { BARS[(((v - lo) / (hi - lo)) * 7.0).round() as usize] } else { BARS[3] })
        .collect()
}

/// Cuts `s` to at most `width` terminal cells, adding `…` when cut (wide chars counted as 2).
pub fn truncate(s: &str, width: usize) -> String {
    let total: usize = s.chars().map(|c| c.width().unwrap_or(0)).sum();
    if total <= width {
        return s.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    if width > 0 {
        out.push('…');
    }
    out
}

/// `text` in lines of at most `width` cells, broken at spaces (a longer word is split), every
/// line after the first starting with `indent`.
pub fn wrap(text: &str, width: usize, indent: &str) -> Vec<String> {
    let indent_w = indent.chars().map(|c| c.width().unwrap_or(0)).sum::<usize>();
    let width = width.max(indent_w + 8);
    let mut lines = Vec::new();
    let lead = text.len() - text.trim_start_matches(' ').len();
    let mut line = " ".repeat(lead);
    let mut used = lead;
    let mut at_start = true;
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let w: usize = word.chars().map(|c| c.width().unwrap_or(0)).sum();
        if !at_start && used + 1 + w > width {
            lines.push(std::mem::take(&mut line));
            line.push_str(indent);
            used = indent_w;
        } else if !at_start {
            line.push(' ');
            used += 1;
        }
        at_start = false;
        for c in word.chars() {
            let cw = c.width().unwrap_or(0);
            if used + cw > width {
                lines.push(std::mem::take(&mut line));
                line.push_str(indent);
                used = indent_w;
            }
            line.push(c);
            used += cw;
        }
    }
    lines.push(line);
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn money_is_grouped_and_fits_its_column() {
        assert_eq!(money(16620.0), "16,620");
        assert_eq!(money(999.5), "999.50");
        assert_eq!(money(1234567.0), "1,234,567");
        assert_eq!(money(123456789.0), "123.46M");
        assert_eq!(signed_money(900.0), "+900.00");
        assert_eq!(signed_money(-1307.4), "-1,307");
        assert_eq!(signed_money(-98765432.0), "-98.77M");
        assert!(money(f64::MAX).chars().count() <= MONEY_W);
        assert!(signed_money(-f64::MAX).chars().count() <= MONEY_W);
    }

    #[test]
    fn ages() {
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap();
        assert_eq!(age(now, now), "<1m");
        assert_eq!(age(now, now - chrono::Duration::minutes(5)), "5m");
        assert_eq!(age(now, now - chrono::Duration::hours(3)), "3h");
        assert_eq!(age(now, now - chrono::Duration::days(2)), "2d");
        assert_eq!(age(now, now - chrono::Duration::days(30)), "4w");
        // Past 99 weeks, years: never a fourth cell for the column to cut (`100w` showed `100`).
        assert_eq!(age(now, now - chrono::Duration::weeks(99)), "99w");
        assert_eq!(age(now, now - chrono::Duration::weeks(100)), "1y");
        assert_eq!(age(now, now - chrono::Duration::weeks(105)), "2y");
        assert_eq!(age(now, now - chrono::Duration::days(365 * 40)), "39y");
        assert_eq!(age(now, Utc.with_ymd_and_hms(1, 1, 1, 0, 0, 0).unwrap()), "99y");
        for days in (0..20_000).step_by(7) {
            assert!(age(now, now - chrono::Duration::days(days)).chars().count() <= 3, "{days}");
        }
        assert_eq!(age(now, now + chrono::Duration::minutes(5)), "<1m");
    }

    #[test]
    fn prices_fit_their_column_and_keep_their_leading_digits() {
        assert_eq!(price(8.31), "8.31");
        assert_eq!(price(12_345.6), "12346");
        assert_eq!(price(999_999_999.0), "999999999");
        assert_eq!(price(1e9), "1.00B");
        assert_eq!(price(2.5e12), "2.50T");
        assert_eq!(price(-3e9), "-3.00B");
        assert_eq!(price(1e308), "1.0e308", "not `223118336`");
        assert_eq!(price(-1e308), "-1.0e308");
        assert_eq!(signed(0.45), "+0.45");
        assert_eq!(signed(12_345.67), "+12.35K");
        assert_eq!(signed(-1e308), "-1.0e308");
        assert_eq!(pct(5.73), "+5.73%");
        assert_eq!(pct(123_456.0), "+123.5K%");
        assert_eq!(pct(1e308), "+1e308%");
        for v in [1.0, 1e3, 1e6, 1e9, 1e12, 1e15, 1e18, 1e100, 1e308, f64::MAX] {
            for v in [v, -v, v * 7.77] {
                assert!(price(v).chars().count() <= PRICE_W, "{v}: {}", price(v));
                assert!(signed(v).chars().count() <= CHANGE_W, "{v}: {}", signed(v));
                assert!(pct(v).chars().count() <= CHANGE_W, "{v}: {}", pct(v));
            }
        }
    }

    #[test]
    fn volumes() {
        assert_eq!(volume(950), "950");
        assert_eq!(volume(12_345), "12.3K");
        assert_eq!(volume(4_560_000), "4.56M");
        assert_eq!(volume(1_200_000_000), "1.2B");
    }

    #[test]
    fn sparkline_shapes() {
        assert_eq!(sparkline(&[1.0, 2.0, 3.0], 3), "▁▅█");
        assert_eq!(sparkline(&[5.0, 5.0], 4), "▄▄");
        assert_eq!(sparkline(&[], 4), "");
        assert_eq!(sparkline(&(0..100).map(f64::from).collect::<Vec<_>>(), 10).chars().count(), 10);
    }

    #[test]
    fn wrap_breaks_at_spaces_and_indents() {
        assert_eq!(wrap("one two three", 20, "  "), ["one two three"]);
        assert_eq!(wrap("one two three four", 9, "  "), ["one two", "  three", "  four"]);
        assert_eq!(wrap("abcdefghijklmnop", 10, ""), ["abcdefghij", "klmnop"]);
        assert_eq!(wrap("  lead kept", 20, ""), ["  lead kept"]);
        assert_eq!(wrap("光通信光通信", 8, ""), ["光通信光", "通信"]);
        for line in wrap(&"word ".repeat(50), 23, "    ") {
            assert!(line.chars().count() <= 23, "{line}");
        }
    }

    #[test]
    fn truncate_counts_wide_chars() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("光通信光通信", 5), "光通…");
        assert_eq!(truncate("ok", 4), "ok");
        assert_eq!(truncate("abc", 0), "");
    }
}
