//! Evidence: the news items the tagger linked to each catalyst and risk (word-aware keyword
//! matches on the title), counted once per news change, and whether an open catalyst has news
//! the user has not looked at yet.

use crate::core::domain::NewsItem;
use chrono::{DateTime, TimeDelta, Utc};
use std::collections::BTreeMap;

/// Matching news newer than this (and newer than the last look) counts as new evidence.
pub const NEW_WINDOW: TimeDelta = TimeDelta::hours(72);

/// Catalyst or risk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Catalyst,
    Risk,
}

impl Kind {
    /// The filter prefix (`c:` / `r:`), also the prefix of its key in `UserState::evidence_seen`.
    pub fn prefix(self) -> &'static str {
        match self {
            Kind::Catalyst => "c:",
            Kind::Risk => "r:",
        }
    }

    fn ids(self, item: &NewsItem) -> &[String] {
        match self {
            Kind::Catalyst => &item.catalysts,
            Kind::Risk => &item.risks,
        }
    }
}

/// How much news backs one catalyst or risk.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Evidence {
    pub count: usize,
    /// Publication time of the newest dated match.
    pub newest: Option<DateTime<Utc>>,
}

impl Evidence {
    /// News newer than both the last look (`seen`) and `now - NEW_WINDOW`.
    pub fn is_new(&self, seen: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
        let since = seen.map_or(now - NEW_WINDOW, |s| s.max(now - NEW_WINDOW));
        self.newest.is_some_and(|n| n > since)
    }
}

/// Evidence per catalyst id and per risk id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Index {
    catalysts: BTreeMap<String, Evidence>,
    risks: BTreeMap<String, Evidence>,
}

impl Index {
    pub fn build(news: &[NewsItem]) -> Index {
        let mut index = Index::default();
        for item in news {
            for (kind, map) in [(Kind::Catalyst, &mut index.catalysts), (Kind::Risk, &mut index.risks)] {
                for id in kind.ids(item) {
                    let e = map.entry(id.clone()).or_default();
                    e.count += 1;
                    e.newest = e.newest.max(item.published);
                }
            }
        }
        index
    }

    pub fn get(&self, kind: Kind, id: &str) -> Evidence {
        let map = match kind {
            Kind::Catalyst => &self.catalysts,
            Kind::Risk => &self.risks,
        };
        map.get(id).copied().unwrap_or_default()
    }
}

/// The news items linked to `id`, in history order (newest first).
pub fn items<'a>(news: &'a [NewsItem], kind: Kind, id: &'a str) -> impl Iterator<Item = &'a NewsItem> + 'a {
    news.iter().filter(move |n| kind.ids(n).iter().any(|i| i == id))
}

/// The key under which the last look at `id`'s evidence is kept.
pub fn seen_key(kind: Kind, id: &str) -> String {
    format!("{}{id}", kind.prefix())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 20, h, 0, 0).unwrap()
    }

    fn item(id: &str, catalysts: &[&str], risks: &[&str], published: Option<DateTime<Utc>>) -> NewsItem {
        NewsItem {
            id: id.into(),
            title: id.into(),
            link: String::new(),
            source: String::new(),
            text: None,
            published,
            tickers: vec![],
            catalysts: catalysts.iter().map(|s| s.to_string()).collect(),
            risks: risks.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn counts_and_newest_per_catalyst_and_risk() {
        let news = [
            item("a", &["cpo"], &["lpo"], Some(at(9))),
            item("b", &["cpo", "amd"], &[], Some(at(12))),
            item("c", &["cpo"], &[], None),
        ];
        let index = Index::build(&news);
        assert_eq!(index.get(Kind::Catalyst, "cpo"), Evidence { count: 3, newest: Some(at(12)) });
        assert_eq!(index.get(Kind::Catalyst, "amd"), Evidence { count: 1, newest: Some(at(12)) });
        assert_eq!(index.get(Kind::Risk, "lpo"), Evidence { count: 1, newest: Some(at(9)) });
        assert_eq!(index.get(Kind::Risk, "cpo"), Evidence::default(), "kinds are separate");
        let ids: Vec<&str> = items(&news, Kind::Catalyst, "cpo").map(|n| n.id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "c"]);
    }

    #[test]
    fn new_means_newer_than_the_last_look_and_the_window() {
        let e = Evidence { count: 1, newest: Some(at(12)) };
        let now = at(18);
        assert!(e.is_new(None, now), "never looked at, recent");
        assert!(e.is_new(Some(at(11)), now), "arrived after the look");
        assert!(!e.is_new(Some(at(12)), now), "seen");
        assert!(!e.is_new(None, at(12) + NEW_WINDOW), "too old to be news");
        assert!(!Evidence::default().is_new(None, now));
        assert!(!Evidence { count: 2, newest: None }.is_new(None, now), "undated never counts as new");
    }
}
