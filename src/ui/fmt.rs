//! Small pure formatters shared by the panes: ages, prices, signed changes, text sparklines.

use chrono::{DateTime, Utc};
use unicode_width::UnicodeWidthChar;

/// Compact age: `<1m`, `5m`, `3h`, `2d`, `5w`; future times (clock skew) count as `<1m`.
pub fn age(now: DateTime<Utc>, then: DateTime<Utc>) -> String {
    let secs = (now - then).num_seconds().max(0);
    match secs {
        0..60 => "<1m".into(),
        60..3_600 => format!("{}m", secs / 60),
        3_600..86_400 => format!("{}h", secs / 3_600),
        86_400..1_209_600 => format!("{}d", secs / 86_400),
        _ => format!("{}w", secs / 604_800),
    }
}

pub fn price(p: f64) -> String {
    if p.abs() >= 10_000.0 { format!("{p:.0}") } else { format!("{p:.2}") }
}

pub fn signed(v: f64) -> String {
    format!("{v:+.2}")
}

pub fn pct(v: f64) -> String {
    format!("{v:+.2}%")
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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn ages() {
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap();
        assert_eq!(age(now, now), "<1m");
        assert_eq!(age(now, now - chrono::Duration::minutes(5)), "5m");
        assert_eq!(age(now, now - chrono::Duration::hours(3)), "3h");
        assert_eq!(age(now, now - chrono::Duration::days(2)), "2d");
        assert_eq!(age(now, now - chrono::Duration::days(30)), "4w");
        assert_eq!(age(now, now + chrono::Duration::minutes(5)), "<1m");
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
    fn truncate_counts_wide_chars() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("光通信光通信", 5), "光通…");
        assert_eq!(truncate("ok", 4), "ok");
        assert_eq!(truncate("abc", 0), "");
    }
}
