//! The news history: items newest first, deduplicated, capped, with each item's dedupe key and
//! case-folded text computed once when it arrives, so a refresh costs O(history) hash lookups
//! and a filter keystroke a substring search per item.

use crate::core::domain::NewsItem;
use crate::core::filter::Folded;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::ops::Deref;

/// What is derived from an item once.
#[derive(Debug, Clone, PartialEq)]
struct Keys {
    /// Hash of the normalized title for dedupe (see [`normalize_title`]); `None` when the title
    /// normalizes to nothing. A hash, not the string: it is kept for every item of the history.
    title: Option<u64>,
    folded: Folded,
}

impl Keys {
    fn new(item: &NewsItem) -> Keys {
        let normalized = normalize_title(&item.title, &item.source);
        let title = (!normalized.is_empty()).then(|| {
            let mut h = std::hash::DefaultHasher::new();
            normalized.hash(&mut h);
            h.finish()
        });
        Keys { title, folded: Folded::new(item) }
    }
}

/// One dedupe key of an item: its id, its link or its title hash; `None` when it has none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Key<'a> {
    Text(&'a str),
    Hash(u64),
}

type KeyOf = for<'a> fn(&'a NewsItem, &'a Keys) -> Option<Key<'a>>;

fn text_key(s: &str) -> Option<Key<'_>> {
    (!s.is_empty()).then_some(Key::Text(s))
}

/// News items, newest first, undated last. Reads like a slice of items.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct History {
    items: Vec<NewsItem>,
    keys: Vec<Keys>,
}

impl Deref for History {
    type Target = [NewsItem];
    fn deref(&self) -> &[NewsItem] {
        &self.items
    }
}

impl History {
    /// A history holding `items` as they are (already ordered and deduplicated).
    pub fn from_items(items: Vec<NewsItem>) -> History {
        let keys = items.iter().map(Keys::new).collect();
        History { items, keys }
    }

    /// Item `i`'s folded title and source, for [`crate::core::filter::Query::matches_folded`].
    pub fn folded(&self, i: usize) -> Option<&Folded> {
        self.keys.get(i).map(|k| &k.folded)
    }

    /// Merges `new` in: dedupe by id, then link, then normalized title (keeping the earlier item
    /// but filling a missing date), newest first with undated last (stable), capped to `cap`.
    /// Returns how many of the new items are in the history afterwards.
    pub fn merge(&mut self, new: Vec<NewsItem>, cap: usize) -> usize {
        let old = self.items.len();
        let new_keys: Vec<Keys> = new.iter().map(Keys::new).collect();
        let targets = self.dedupe(&new, &new_keys);
        let mut kept_at: Vec<usize> = Vec::new(); // kept new item -> its position in `items`
        // Exactly what is added: a doubled capacity would hold thousands of empty slots for as
        // long as the window lives (a 10,000-headline window grown by pushes holds 16,384).
        let adding = targets.iter().filter(|t| t.is_none()).count();
        self.items.reserve_exact(adding);
        self.keys.reserve_exact(adding);
        for ((item, keys), target) in new.into_iter().zip(new_keys).zip(targets) {
            match target {
                Some(Target::Old(pos)) => fill_date(&mut self.items[pos], &item),
                Some(Target::New(k)) => fill_date(&mut self.items[kept_at[k]], &item),
                None => {
                    kept_at.push(self.items.len());
                    self.items.push(item);
                    self.keys.push(keys);
                }
            }
        }
        // Stable: equal dates keep history order, then arrival order.
        let mut order: Vec<usize> = (0..self.items.len()).collect();
        order.sort_by(|&a, &b| newest_first(&self.items[a], &self.items[b]));
        order.truncate(cap);
        let fresh = order.iter().filter(|&&i| i >= old).count();
        if order.len() != self.items.len() || order.iter().enumerate().any(|(at, &i)| at != i) {
            let mut items: Vec<Option<NewsItem>> =
                std::mem::take(&mut self.items).into_iter().map(Some).collect();
            let mut keys: Vec<Option<Keys>> = std::mem::take(&mut self.keys).into_iter().map(Some).collect();
            self.items = Vec::with_capacity(order.len());
            self.keys = Vec::with_capacity(order.len());
            for i in order {
                if let (Some(item), Some(k)) = (items[i].take(), keys[i].take()) {
                    self.items.push(item);
                    self.keys.push(k);
                }
            }
        }
        fresh
    }

    /// For each new item: the kept item it duplicates, if any. The history is scanned once, looking
    /// its keys up in maps of the (small) batch; earlier kept items of the batch count too.
    fn dedupe(&self, new: &[NewsItem], new_keys: &[Keys]) -> Vec<Option<Target>> {
        let by: [KeyOf; 3] =
            [|n, _| text_key(&n.id), |n, _| text_key(&n.link), |_, k| k.title.map(Key::Hash)];
        // First history position holding each batch key, per kind (id, link, title).
        let mut old: [HashMap<Key, Option<usize>>; 3] =
            by.map(|f| new.iter().zip(new_keys).filter_map(|(n, k)| Some((f(n, k)?, None))).collect());
        for (pos, (item, keys)) in self.items.iter().zip(&self.keys).enumerate() {
            for (map, f) in old.iter_mut().zip(by) {
                if let Some(slot @ None) = f(item, keys).and_then(|key| map.get_mut(&key)) {
                    *slot = Some(pos);
                }
            }
        }
        let mut kept: [HashMap<Key, usize>; 3] = Default::default();
        let mut count = 0;
        let mut out = Vec::with_capacity(new.len());
        for (item, keys) in new.iter().zip(new_keys) {
            let hit = (0..3).find_map(|kind| {
                let key = by[kind](item, keys)?;
                let old_hit = old[kind].get(&key).copied().flatten().map(Target::Old);
                old_hit.or_else(|| kept[kind].get(&key).map(|&k| Target::New(k)))
            });
            if hit.is_none() {
                for (map, f) in kept.iter_mut().zip(by) {
                    if let Some(key) = f(item, keys) {
                        map.entry(key).or_insert(count);
                    }
                }
                count += 1;
            }
            out.push(hit);
        }
        out
    }
}

/// Where a duplicate points: an item already in the history, or the k-th kept item of the batch.
#[derive(Debug, Clone, Copy)]
enum Target {
    Old(usize),
    New(usize),
}

fn fill_date(kept: &mut NewsItem, dup: &NewsItem) {
    if kept.published.is_none() {
        kept.published = dup.published;
    }
}

/// History order: newest first, undated last (use with a stable sort).
pub fn newest_first(a: &NewsItem, b: &NewsItem) -> std::cmp::Ordering {
    match (a.published, b.published) {
        (Some(x), Some(y)) => y.cmp(&x),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    }
}

/// The title without a trailing ` - <source>` (Google News appends the publisher to every title).
pub fn strip_publisher<'a>(title: &'a str, source: &str) -> &'a str {
    let base = title.trim();
    if let Some(cut) = base.len().checked_sub(source.len() + 3)
        && cut > 0
        && !source.is_empty()
        && base.is_char_boundary(cut)
        && let Some(name) = base[cut..].strip_prefix(" - ")
        && name.eq_ignore_ascii_case(source)
    {
        return base[..cut].trim_end();
    }
    base
}

/// Title key for dedupe: drop a trailing ` - <source>` (Google News), lowercase, and collapse
/// punctuation and whitespace to single spaces.
pub fn normalize_title(title: &str, source: &str) -> String {
    let base = strip_publisher(title, source);
    let mut out = String::with_capacity(base.len());
    let mut push = |c: char| {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with(' ') {
            out.push(' ');
        }
    };
    for c in base.chars() {
        if c.is_ascii() {
            push(c.to_ascii_lowercase()); // what to_lowercase gives, without the table lookup
        } else {
            c.to_lowercase().for_each(&mut push);
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, TimeZone, Utc};

    fn h(items: Vec<NewsItem>) -> History {
        History::from_items(items)
    }

    fn merge(history: &mut History, new: Vec<NewsItem>, cap: usize) -> usize {
        let added = history.merge(new, cap);
        assert_eq!(history.keys.len(), history.items.len(), "keys stay parallel to items");
        for (item, keys) in history.items.iter().zip(&history.keys) {
            assert_eq!(keys, &Keys::new(item), "keys belong to their item");
        }
        added
    }

    fn titles(items: &[NewsItem]) -> Vec<&str> {
        items.iter().map(|i| i.title.as_str()).collect()
    }

    fn item(id: &str, title: &str, link: &str, source: &str, published: Option<DateTime<Utc>>) -> NewsItem {
        NewsItem {
            id: id.into(),
            title: title.into(),
            link: link.into(),
            source: source.into(),
            text: None,
            published,
            tickers: Vec::new(),
            catalysts: Vec::new(),
            risks: Vec::new(),
        }
    }

    fn day(d: u32) -> Option<DateTime<Utc>> {
        Some(Utc.with_ymd_and_hms(2024, 3, d, 12, 0, 0).unwrap())
    }

    /// The window holds its headlines for the whole session: merges must not leave it with the
    /// empty slots of doubled arrays (10,000 headlines pushed in batches had 16,384).
    #[test]
    fn merges_leave_no_doubled_capacity() {
        let mut history = History::default();
        for batch in 0..20u32 {
            let new: Vec<NewsItem> = (0..500u32)
                .map(|i| {
                    let n = batch * 500 + i;
                    // Older batches arrive later, so some merges reorder and some only append.
                    let at = Utc.with_ymd_and_hms(2024, 3, 1, 0, 0, 0).unwrap()
                        + chrono::Duration::minutes(i64::from(if batch % 2 == 0 { n } else { 20_000 - n }));
                    item(&format!("id{n}"), &format!("Story {n}"), &format!("http://x/{n}"), "S", Some(at))
                })
                .collect();
            merge(&mut history, new, 10_000);
            assert!(
                history.items.capacity() <= history.items.len() + 500,
                "{batch}: {}",
                history.items.capacity()
            );
            assert!(history.keys.capacity() <= history.keys.len() + 500, "{batch}");
        }
        assert_eq!(history.len(), 10_000);
        assert!(history.items.capacity() < 10_500, "{}", history.items.capacity());
    }

    #[test]
    fn merge_dedupes_by_id() {
        let mut history = h(vec![item("a", "Old title", "http://x/1", "S", day(1))]);
        let added = merge(&mut history, vec![item("a", "Edited title", "http://x/other", "S", day(2))], 10);
        assert_eq!(added, 0);
        assert_eq!(titles(&history), ["Old title"]);
        assert_eq!(history[0].published, day(1));
    }

    #[test]
    fn merge_dedupes_by_link() {
        let mut history = h(vec![item("a", "One", "http://x/1", "S", day(1))]);
        assert_eq!(merge(&mut history, vec![item("b", "Two", "http://x/1", "T", day(2))], 10), 0);
        assert_eq!(titles(&history), ["One"]);
    }

    #[test]
    fn merge_dedupes_by_normalized_title() {
        let mut history = h(vec![item("a", "Lumentum Raises Guidance!", "http://x/1", "S", day(1))]);
        let new = vec![
            item("b", "lumentum  raises guidance", "http://y/1", "T", day(2)),
            item("c", "Lumentum — raises, guidance", "http://z/1", "U", day(3)),
        ];
        assert_eq!(merge(&mut history, new, 10), 0);
        assert_eq!(history.len(), 1);
    }

    #[test]
    fn merge_dedupes_google_publisher_suffix() {
        let mut history =
            h(vec![item("y1", "AAOI wins hyperscaler order", "http://yahoo/1", "Yahoo Finance", day(1))]);
        let google = vec![
            item("g1", "AAOI wins hyperscaler order - Reuters", "http://news.google/1", "Reuters", day(1)),
            item("g2", "AAOI wins hyperscaler order - Reuters", "http://news.google/2", "Bloomberg", day(1)),
        ];
        assert_eq!(merge(&mut history, google, 10), 1);
        assert_eq!(
            titles(&history),
            ["AAOI wins hyperscaler order", "AAOI wins hyperscaler order - Reuters"]
        );
        assert_eq!(normalize_title("Foo - Reuters", "reuters"), "foo");
        assert_eq!(normalize_title("光模块 - 新浪", "新浪"), "光模块");
        assert_eq!(normalize_title(" - Reuters", "Reuters"), "reuters");
    }

    #[test]
    fn merge_keeps_earlier_item_but_fills_missing_date() {
        let mut history = h(vec![item("a", "Undated", "http://x/1", "S", None)]);
        merge(&mut history, vec![item("a", "Dated copy", "http://x/1", "S", day(5))], 10);
        assert_eq!(titles(&history), ["Undated"]);
        assert_eq!(history[0].published, day(5));
    }

    #[test]
    fn merge_dedupes_within_new_batch() {
        let mut history = History::default();
        let new = vec![item("a", "X", "http://x/1", "S", day(1)), item("a", "X", "http://x/1", "S", day(1))];
        assert_eq!(merge(&mut history, new, 10), 1);
        assert_eq!(history.len(), 1);
    }

    #[test]
    fn merge_sorts_newest_first_undated_last_stable() {
        let mut history = h(vec![item("u1", "U1", "", "S", None), item("d2", "D2", "", "S", day(2))]);
        let new = vec![
            item("u2", "U2", "", "S", None),
            item("d9", "D9", "", "S", day(9)),
            item("d2b", "D2b", "", "S", day(2)),
            item("d5", "D5", "", "S", day(5)),
        ];
        assert_eq!(merge(&mut history, new, 10), 4);
        assert_eq!(titles(&history), ["D9", "D5", "D2", "D2b", "U1", "U2"]);
    }

    #[test]
    fn merge_caps_and_counts_only_surviving_new_items() {
        let mut history =
            h((1..=5).map(|d| item(&format!("h{d}"), &format!("H{d}"), "", "S", day(10 + d))).collect());
        let new = vec![
            item("n1", "N1", "", "S", day(20)),
            item("n2", "N2", "", "S", day(1)),
            item("n3", "N3", "", "S", None),
        ];
        assert_eq!(merge(&mut history, new, 4), 1);
        assert_eq!(titles(&history), ["N1", "H5", "H4", "H3"]);
        assert_eq!(merge(&mut history, Vec::new(), 0), 0);
        assert!(history.is_empty());
    }

    #[test]
    fn merge_with_empty_keys_does_not_collide() {
        let mut history = h(vec![item("a", "First story", "", "S", day(1))]);
        assert_eq!(merge(&mut history, vec![item("b", "Second story", "", "S", day(2))], 10), 1);
        assert_eq!(history.len(), 2);
    }
}
