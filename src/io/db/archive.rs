//! The archive: every headline ever fetched (unless `archive_days` says otherwise), searchable.
//!
//! A row's id is its time: the publication second (or first-seen, for an undated item) shifted
//! left 20 bits, plus 20 bits of the key's hash. So newest-first is id order, `since:` an id
//! range, and the search index (FTS5, trigram: substrings, as the filter matches) streams
//! candidates newest first and stops at the limit.
//!
//! A refresh writes its new rows and tags in one short transaction; the search index is filled
//! right after in a second one ([`Db::index_pending`]), so the write lock another process may be
//! waiting for is held only for the rows. Until then the rows wait in `fts_pending`, which a
//! search reads too (and which the next start indexes if the process died in between).

use super::{Db, DbError, ms, shown, time};
use crate::domain::NewsItem;
use crate::filter::{Query, tag};
use crate::history::normalize_title;
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, params};
use std::collections::BTreeMap;

pub use crate::domain::SUMMARY_MAX;
/// Two headlines with the same normalized title this close in time are one story.
const TITLE_SPAN: chrono::TimeDelta = chrono::TimeDelta::days(7);
/// Bits of an id below the second.
const SUB_BITS: u32 = 20;

/// A stable 64-bit hash (FNV-1a) for keys that outlive a process.
pub fn stable_hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// The lowest id of a row dated at or after `t`.
fn id_floor(t: DateTime<Utc>) -> i64 {
    t.timestamp().max(0) << SUB_BITS
}

/// The items of a batch found new by [`Db::fresh`], and the database's version when looked.
#[derive(Debug)]
pub struct Fresh {
    items: Vec<usize>,
    version: i64,
}

/// What a search found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Found {
    /// Newest first, at most the limit.
    pub items: Vec<NewsItem>,
    /// More matched than the limit.
    pub more: bool,
}

/// The rows whose id, link or title key hashes to `?2`, from either tier of keys.
const KEYED: &str = "(SELECT id FROM seen_new WHERE h = ?2 UNION SELECT id FROM seen_old WHERE h = ?2)";

const COLUMNS: &str =
    "n.id, n.key, n.link, n.title, n.source, '', n.published, n.tickers, n.catalysts, n.risks";

/// A row as stored, not cleaned yet: a search matches it as it is (text the app wrote is clean)
/// and cleans only what it returns.
fn raw_item(r: &Row<'_>) -> rusqlite::Result<(i64, NewsItem)> {
    let list =
        |s: String| -> Vec<String> { s.split(' ').filter(|t| !t.is_empty()).map(str::to_string).collect() };
    Ok((
        r.get(0)?,
        NewsItem {
            id: r.get(1)?,
            link: r.get(2)?,
            title: r.get(3)?,
            source: r.get(4)?,
            text: None,
            published: r.get::<_, Option<i64>>(6)?.map(time),
            tickers: list(r.get(7)?),
            catalysts: list(r.get(8)?),
            risks: list(r.get(9)?),
        },
    ))
}

/// A stored item as it may be shown: every text cleaned again (the file may have been edited).
fn cleaned(item: NewsItem) -> NewsItem {
    let list = |l: Vec<String>| l.iter().map(|t| shown(t)).collect();
    NewsItem {
        id: shown(&item.id),
        link: shown(&item.link).chars().filter(|c| !c.is_whitespace()).collect(),
        title: shown(&item.title),
        source: shown(&item.source),
        text: item.text.map(|t| {
            Box::new(crate::domain::ItemText {
                summary: crate::sanitize::clean_stored(&t.summary, SUMMARY_MAX),
                body: crate::sanitize::clean_block(&t.body, crate::domain::BODY_MAX),
            })
        }),
        published: item.published,
        tickers: list(item.tickers),
        catalysts: list(item.catalysts),
        risks: list(item.risks),
    }
}

fn item_of(r: &Row<'_>) -> rusqlite::Result<(i64, NewsItem)> {
    raw_item(r).map(|(id, item)| (id, cleaned(item)))
}

/// Trigrams of one needle put in the search index's query: enough to narrow it to about the
/// rows holding it, few enough that the index's merge of their lists stays cheap.
const TRIGRAMS_PER_NEEDLE: usize = 8;
/// Entries the recent tier of keys may hold before [`Db::settle`] folds them into the big one.
const RECENT_KEYS: i64 = 20_000;
/// Entries folded per transaction (the write lock is not held long).
const SETTLE_BATCH: i64 = 5_000;

/// The tags column of a row in the search index: ` t:aaoi c:amd-lta r:lpo ` (a space each
/// side of every tag, so a tag's trigrams with the spaces match it whole). The delete trigger in
/// [`super::migrate`] spells the same expression over `old.`: the two must stay alike.
const TAGS_OF_ROW: &str = "' ' || trim(
        (CASE WHEN n.tickers = '' THEN '' ELSE 't:' || replace(n.tickers, ' ', ' t:') END) || ' ' ||
        (CASE WHEN n.catalysts = '' THEN '' ELSE 'c:' || replace(n.catalysts, ' ', ' c:') END) || ' ' ||
        (CASE WHEN n.risks = '' THEN '' ELSE 'r:' || replace(n.risks, ' ', ' r:') END)) || ' '";

impl Db {
    /// Adds the headlines not archived yet (the same item by id, link or normalized title is
    /// kept once) with their tags; returns how many were new. Their search index entries follow
    /// in [`Db::index_pending`]. [`Db::fresh`], then [`Db::keep`].
    pub fn archive(&mut self, items: &[NewsItem], now: DateTime<Utc>) -> Result<usize, DbError> {
        let fresh = self.fresh(items, now)?;
        self.keep(items, fresh, now)
    }

    /// Which of `items` are not archived yet, read without the write lock (in WAL mode a
    /// reader waits for no one), so the write transaction holds the lock only for the rows.
    pub fn fresh(&self, items: &[NewsItem], now: DateTime<Utc>) -> Result<Fresh, DbError> {
        let read = || -> rusqlite::Result<Fresh> {
            let tx = self.conn.unchecked_transaction()?;
            let version: i64 = tx.query_row("PRAGMA data_version", [], |r| r.get(0))?;
            Ok(Fresh { items: fresh_items(&tx, items, now)?, version })
        };
        read().map_err(|e| self.err(e))
    }

    /// Writes the rows [`Db::fresh`] found new, in one transaction; returns how many. If
    /// another process wrote in between, the lookups are made again inside it.
    pub fn keep(&mut self, items: &[NewsItem], fresh: Fresh, now: DateTime<Utc>) -> Result<usize, DbError> {
        if fresh.items.is_empty() {
            return Ok(0);
        }
        self.write(false, |tx| {
            let version: i64 = tx.query_row("PRAGMA data_version", [], |r| r.get(0))?;
            let new = if version == fresh.version { fresh.items } else { fresh_items(tx, items, now)? };
            insert_fresh(tx, items, &new, now)
        })
    }

    /// Indexes up to `max` archived rows still waiting for the search index, in one
    /// transaction; returns how many (0 when none wait).
    pub fn index_pending(&mut self, max: usize) -> Result<usize, DbError> {
        self.write(false, |tx| {
            // Newest first: the index's rowids (minus the ids) then arrive in ascending order.
            let n = tx
                .prepare_cached(&format!(
                    "INSERT INTO news_find(rowid, title, source, summary, tags)
                     SELECT -n.id, n.title, n.source, coalesce(t.summary, ''), {TAGS_OF_ROW}
                     FROM fts_pending p JOIN news n ON n.id = p.news LEFT JOIN news_text t ON t.id = p.news
                     ORDER BY p.news DESC LIMIT ?1"
                ))?
                .execute([max as i64])?;
            tx.prepare_cached(
                "DELETE FROM fts_pending WHERE news IN (SELECT news FROM fts_pending ORDER BY news DESC LIMIT ?1)",
            )?
            .execute([max as i64])?;
            Ok(n)
        })
    }

    /// Folds the recent tier of de-duplication keys into the settled one once it has grown past
    /// [`RECENT_KEYS`], a batch per transaction; returns how many keys moved. The tiers are
    /// what keep a refresh's commit small: its keys land on the few pages of the recent tier
    /// instead of pages all over the settled one, which this pays for once per many refreshes.
    pub fn settle(&mut self) -> Result<usize, DbError> {
        self.settle_past(RECENT_KEYS)
    }

    fn settle_past(&mut self, threshold: i64) -> Result<usize, DbError> {
        let recent: i64 = self
            .conn
            .query_row("SELECT count(*) FROM seen_new", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        if recent <= threshold {
            return Ok(0);
        }
        let mut moved = 0;
        loop {
            let n = self.write(false, |tx| {
                let n = tx
                    .prepare_cached(
                        "INSERT OR IGNORE INTO seen_old(h, id) SELECT h, id FROM seen_new ORDER BY h, id LIMIT ?1",
                    )?
                    .execute([SETTLE_BATCH])?;
                tx.prepare_cached(
                    "DELETE FROM seen_new WHERE (h, id) IN (SELECT h, id FROM seen_new ORDER BY h, id LIMIT ?1)",
                )?
                .execute([SETTLE_BATCH])?;
                let left: i64 = tx.query_row("SELECT count(*) FROM seen_new", [], |r| r.get(0))?;
                Ok((n, left))
            })?;
            moved += n.0;
            if n.1 == 0 {
                return Ok(moved);
            }
        }
    }

    /// The newest `limit` headlines in the News pane's order (the window at start).
    pub fn window(&self, limit: usize) -> Result<Vec<NewsItem>, DbError> {
        self.window_page(0, limit)
    }

    /// The window's headlines after the newest `skip`, at most `limit`, in the News pane's
    /// order: the start reads a screenful, the store's thread the rest.
    pub fn window_page(&self, skip: usize, limit: usize) -> Result<Vec<NewsItem>, DbError> {
        // The window keeps no summaries (they are apart, in `news_text`): not even read.
        let sql = format!("SELECT {COLUMNS} FROM news n ORDER BY n.id DESC LIMIT ?1 OFFSET ?2");
        let run = || -> rusqlite::Result<Vec<NewsItem>> {
            let mut st = self.conn.prepare_cached(&sql)?;
            let rows = st.query_map([limit as i64, skip as i64], item_of)?;
            rows.map(|r| r.map(|(_, item)| item)).collect()
        };
        let mut items = run().map_err(|e| self.err(e))?;
        // The News pane's order: newest first, undated last.
        items.sort_by(crate::history::newest_first);
        Ok(items)
    }

    /// Headlines matching `query` (the filter language, evaluated exactly as on the window),
    /// newest first, at most `limit`. The search index narrows the candidates (every positive
    /// word, source and tag in one query of it, read newest first); every candidate is then
    /// checked with the query itself.
    pub fn search(&self, query: &Query, now: DateTime<Utc>, limit: usize) -> Result<Found, DbError> {
        self.search_rows(query, now, limit).map_err(|e| self.err(e))
    }

    fn search_rows(&self, query: &Query, now: DateTime<Utc>, limit: usize) -> rusqlite::Result<Found> {
        let terms = query.index_terms(now);
        let floor = terms.since.map_or(0, id_floor);
        let expr = index_query(&terms);
        let mut found: Vec<(i64, NewsItem)> = Vec::new();
        let mut more = false;
        {
            let (mut st, key) = match &expr {
                Some(expr) => (
                    self.conn.prepare_cached(&format!(
                        "SELECT {COLUMNS} FROM news_find f CROSS JOIN news n ON n.id = -f.rowid
                         WHERE news_find MATCH ?1 AND f.rowid <= ?2 ORDER BY f.rowid"
                    ))?,
                    Some(expr.as_str()),
                ),
                None => (
                    self.conn.prepare_cached(&format!(
                        "SELECT {COLUMNS} FROM news n WHERE n.id >= ?1 ORDER BY n.id DESC"
                    ))?,
                    None,
                ),
            };
            let mut rows = match key {
                Some(k) => st.query(params![k, -floor])?,
                None => st.query([floor])?,
            };
            while let Some(row) = rows.next()? {
                let (id, item) = raw_item(row)?;
                if query.matches(&item, now) {
                    if found.len() == limit {
                        more = true;
                        break;
                    }
                    found.push((id, item));
                }
            }
        }
        if expr.is_some() {
            // Rows the index has not taken in yet are checked one by one.
            let sql = format!(
                "SELECT {COLUMNS} FROM fts_pending p CROSS JOIN news n ON n.id = p.news WHERE p.news >= ?1"
            );
            let mut st = self.conn.prepare_cached(&sql)?;
            let before = found.len();
            for row in st.query_map([floor], raw_item)? {
                let (id, item) = row?;
                if query.matches(&item, now) {
                    found.push((id, item));
                }
            }
            if found.len() > before {
                found.sort_by_key(|f| std::cmp::Reverse(f.0));
                if found.len() > limit {
                    found.truncate(limit);
                    more = true;
                }
            }
        }
        // Summaries are read for the matches only (the matcher does not look at them).
        let mut summary = self.conn.prepare_cached("SELECT summary FROM news_text WHERE id = ?1")?;
        let mut items = Vec::with_capacity(found.len());
        for (id, mut item) in found {
            item.set_text(
                summary.query_row([id], |r| r.get(0)).optional()?.unwrap_or_default(),
                String::new(),
            );
            items.push(cleaned(item));
        }
        Ok(Found { items, more })
    }

    /// One archived headline by its id (the feed's guid, link or title key) or by its link.
    pub fn headline(&self, key: &str) -> Result<Option<NewsItem>, DbError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM {KEYED} s
             JOIN news n ON n.id = s.id WHERE n.key = ?1 OR n.link = ?1 ORDER BY n.key = ?1 DESC LIMIT 1"
        );
        let hash = stable_hash(key) as i64;
        let run = || self.conn.prepare_cached(&sql)?.query_row(params![key, hash], item_of).optional();
        run().map(|r| r.map(|(_, item)| item)).map_err(|e| self.err(e))
    }

    /// What the reader shows of the headline with id `key` (the feed's guid, link or title
    /// key): its summary line and its text, each cleaned again (the file may have been edited);
    /// empty when the feed gave none or no such headline is kept.
    pub fn reader_text(&self, key: &str) -> Result<(String, String), DbError> {
        let sql = format!(
            "SELECT t.summary, t.body FROM {KEYED} s
             JOIN news n ON n.id = s.id JOIN news_text t ON t.id = n.id
             WHERE n.key = ?1 ORDER BY n.id DESC LIMIT 1"
        );
        let hash = stable_hash(key) as i64;
        let run = || {
            self.conn
                .prepare_cached(&sql)?
                .query_row(params![key, hash], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
                })
                .optional()
        };
        let (summary, body) = run().map_err(|e| self.err(e))?.unwrap_or_default();
        Ok((
            crate::sanitize::clean_stored(&summary, SUMMARY_MAX),
            crate::sanitize::clean_block(&body.unwrap_or_default(), crate::domain::BODY_MAX),
        ))
    }

    /// How many archived headlines each catalyst (`c:ID`) and risk (`r:ID`) has.
    pub fn evidence_counts(&self) -> Result<BTreeMap<String, usize>, DbError> {
        let run = || -> rusqlite::Result<BTreeMap<String, usize>> {
            let mut st = self.conn.prepare_cached(
                "SELECT tag, n FROM tag_count WHERE n > 0 AND (tag >= 'c:' AND tag < 'c;' OR tag >= 'r:' AND tag < 'r;')",
            )?;
            let rows = st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
            rows.map(|r| r.map(|(t, n)| (t, n.max(0) as usize))).collect()
        };
        run().map_err(|e| self.err(e))
    }

    /// How many headlines are archived.
    pub fn archived(&self) -> Result<usize, DbError> {
        let n: i64 =
            self.conn.query_row("SELECT count(*) FROM news", [], |r| r.get(0)).map_err(|e| self.err(e))?;
        Ok(n.max(0) as usize)
    }

    /// Drops headlines dated before `cutoff`, except pinned ones, with their keys; returns how
    /// many.
    pub fn prune(&mut self, cutoff: DateTime<Utc>) -> Result<usize, DbError> {
        self.write(false, |tx| {
            let floor = id_floor(cutoff);
            const GOING: &str =
                "FROM news WHERE id < ?1 AND key NOT IN (SELECT value FROM journal WHERE kind = 'pin')";
            let mut counts: BTreeMap<String, i64> = BTreeMap::new();
            let mut going = 0;
            {
                let mut st = tx.prepare(&format!("SELECT tickers, catalysts, risks {GOING}"))?;
                let mut rows = st.query([floor])?;
                while let Some(r) = rows.next()? {
                    going += 1;
                    let mut tags = Vec::new();
                    for (i, prefix) in ["t:", "c:", "r:"].into_iter().enumerate() {
                        let list: String = r.get(i)?;
                        tags.extend(list.split(' ').filter(|t| !t.is_empty()).map(|t| tag(prefix, t)));
                    }
                    tags.sort();
                    tags.dedup();
                    for t in tags {
                        *counts.entry(t).or_default() -= 1;
                    }
                }
            }
            if going == 0 {
                return Ok(0);
            }
            counts.insert("*".into(), -going);
            tx.execute(&format!("DELETE {GOING}"), [floor])?;
            // Their keys too (a key whose row is gone finds nothing, but takes room).
            for tier in ["seen_new", "seen_old"] {
                tx.execute(
                    &format!("DELETE FROM {tier} WHERE id < ?1 AND NOT EXISTS (SELECT 1 FROM news n WHERE n.id = {tier}.id)"),
                    [floor],
                )?;
            }
            count_tags(tx, &counts)?;
            Ok(going as usize)
        })
    }
}

/// The search index's query for `terms`: every positive word's trigrams in the title or the
/// source, every `src:` value's in the source, every tag's (spaces around) in the tags; None
/// when nothing can be looked up (only short words, `since:`, negations, regexes).
fn index_query(terms: &crate::filter::IndexTerms) -> Option<String> {
    let mut parts = Vec::new();
    let mut group = |columns: &str, needle: &str| {
        let grams = trigrams(needle);
        if !grams.is_empty() {
            let quoted: Vec<String> =
                grams.iter().map(|g| format!("\"{}\"", g.replace('"', "\"\""))).collect();
            parts.push(format!("{columns} : ({})", quoted.join(" AND ")));
        }
    };
    for word in &terms.words {
        group("{title source}", word);
    }
    for source in &terms.sources {
        group("source", source);
    }
    for tag in &terms.tags {
        group("tags", &format!(" {tag} "));
    }
    (!parts.is_empty()).then(|| parts.join(" AND "))
}

/// The trigrams of a folded needle the index can be asked for, at most
/// [`TRIGRAMS_PER_NEEDLE`] spread over it. Only trigrams of characters the index folds as the
/// filter does (ASCII, and characters without case that are not combining marks, such as CJK):
/// the index folds case and strips diacritics its own way (`É` is `e` there, `ς` is not `σ`), so
/// a trigram with such a character might be missing from a row the filter matches. The
/// candidates are a superset of the matches either way.
fn trigrams(needle: &str) -> Vec<String> {
    let chars: Vec<char> = needle.chars().collect();
    let mut grams: Vec<String> = Vec::new();
    for w in chars.windows(3) {
        if w.iter().all(|&c| indexable(c)) {
            let gram: String = w.iter().collect();
            if !grams.contains(&gram) {
                grams.push(gram);
            }
        }
    }
    if grams.len() > TRIGRAMS_PER_NEEDLE {
        let n = grams.len();
        let picked: Vec<String> = (0..TRIGRAMS_PER_NEEDLE)
            .map(|i| grams[i * (n - 1) / (TRIGRAMS_PER_NEEDLE - 1)].clone())
            .collect();
        grams = picked;
    }
    grams
}

/// A character the search index and the filter fold alike.
fn indexable(c: char) -> bool {
    let combining = matches!(c as u32, 0x300..=0x36F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F);
    c.is_ascii() && !c.is_ascii_control()
        || !combining && !c.is_control() && c.to_lowercase().eq([c]) && c.to_uppercase().eq([c])
}

/// [`Db::archive`] within a transaction (the import shares it).
pub(super) fn archive_in(
    tx: &rusqlite::Transaction<'_>,
    items: &[NewsItem],
    now: DateTime<Utc>,
) -> rusqlite::Result<usize> {
    let fresh = fresh_items(tx, items, now)?;
    insert_fresh(tx, items, &fresh, now)
}

/// An item's keys for de-duplication: the hashes of its id, its link and its normalized title.
struct Keys {
    key: i64,
    link: Option<i64>,
    title: Option<i64>,
    /// When it happened (its date, or `now` for an undated item).
    at: DateTime<Utc>,
}

impl Keys {
    fn new(item: &NewsItem, now: DateTime<Utc>) -> Keys {
        let normalized = normalize_title(&item.title, &item.source);
        Keys {
            key: stable_hash(&item.id) as i64,
            link: (!item.link.is_empty()).then(|| stable_hash(&item.link) as i64),
            title: (!normalized.is_empty()).then(|| stable_hash(&normalized) as i64),
            at: item.published.filter(|p| *p <= now).unwrap_or(now),
        }
    }

    /// The id range a title match must fall in: the same title is the same story within a week
    /// (wire copies, Google News); a generic title months apart ("Stocks to watch") is another.
    fn title_span(&self) -> (i64, i64) {
        (id_floor(self.at - TITLE_SPAN), id_floor(self.at + TITLE_SPAN))
    }
}

/// Which of `items` are not archived yet (by id, link or normalized title), nor repeated earlier
/// in `items`: their indexes. Reads only, so it may run before the write lock is taken.
fn fresh_items(
    conn: &rusqlite::Connection,
    items: &[NewsItem],
    now: DateTime<Utc>,
) -> rusqlite::Result<Vec<usize>> {
    // Each tier answers on its own primary key; the row is then compared, so a hash collision
    // costs a lookup, never a headline.
    let lookup = |tier: &str, check: &str| {
        format!("SELECT 1 FROM {tier} s JOIN news n ON n.id = s.id WHERE s.h = ?1 AND {check} LIMIT 1")
    };
    let mut tiers = Vec::new();
    for tier in ["seen_new", "seen_old"] {
        tiers.push((
            conn.prepare_cached(&lookup(tier, "n.key = ?2"))?,
            conn.prepare_cached(&lookup(tier, "n.link = ?2"))?,
            conn.prepare_cached(&lookup(tier, "n.title_key = ?1 AND s.id BETWEEN ?2 AND ?3"))?,
        ));
    }
    let mut fresh = Vec::new();
    let mut batch_keys: std::collections::HashSet<(bool, &str)> = std::collections::HashSet::new();
    let mut batch_titles: Vec<(i64, i64)> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let keys = Keys::new(item, now);
        let (lo, hi) = keys.title_span();
        let mut known = batch_keys.contains(&(false, item.id.as_str()))
            || (keys.link.is_some() && batch_keys.contains(&(true, item.link.as_str())))
            || keys
                .title
                .is_some_and(|t| batch_titles.iter().any(|&(h, at)| h == t && (lo..=hi).contains(&at)));
        for (by_key, by_link, by_title) in &mut tiers {
            if known {
                break;
            }
            known = by_key.exists(params![keys.key, item.id])?
                || match keys.link {
                    Some(h) => by_link.exists(params![h, item.link])?,
                    None => false,
                }
                || match keys.title {
                    Some(h) => by_title.exists(params![h, lo, hi])?,
                    None => false,
                };
        }
        if known {
            continue;
        }
        batch_keys.insert((false, item.id.as_str()));
        if keys.link.is_some() {
            batch_keys.insert((true, item.link.as_str()));
        }
        if let Some(t) = keys.title {
            batch_titles.push((t, id_floor(keys.at)));
        }
        fresh.push(i);
    }
    Ok(fresh)
}

/// Writes `items[fresh]` (found new by [`fresh_items`]): rows, summaries, their keys in the
/// recent tier, the search index's queue, and the tag counts (once per tag, not per row).
fn insert_fresh(
    tx: &rusqlite::Transaction<'_>,
    items: &[NewsItem],
    fresh: &[usize],
    now: DateTime<Utc>,
) -> rusqlite::Result<usize> {
    let mut insert = tx.prepare_cached(
        "INSERT OR IGNORE INTO news(id, key, link, title_key, title, source, published, first_seen,
                                    tickers, catalysts, risks, key_hash, link_hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?;
    let mut text = tx.prepare_cached("INSERT INTO news_text(id, summary, body) VALUES (?1, ?2, ?3)")?;
    let mut seen = tx.prepare_cached("INSERT OR IGNORE INTO seen_new(h, id) VALUES (?1, ?2)")?;
    let mut pending = tx.prepare_cached("INSERT OR IGNORE INTO fts_pending(news) VALUES (?1)")?;
    let mut counts: BTreeMap<String, i64> = BTreeMap::new();
    for item in fresh.iter().filter_map(|&i| items.get(i)) {
        let keys = Keys::new(item, now);
        let mut id = id_floor(keys.at) | (keys.key & ((1 << SUB_BITS) - 1));
        // Two items in the same second with the same low hash bits: the next free id.
        while insert.execute(params![
            id,
            item.id,
            item.link,
            keys.title,
            item.title,
            item.source,
            item.published.map(ms),
            ms(now),
            item.tickers.join(" "),
            item.catalysts.join(" "),
            item.risks.join(" "),
            keys.key,
            keys.link,
        ])? == 0
        {
            id += 1;
        }
        for h in [Some(keys.key), keys.link, keys.title].into_iter().flatten() {
            seen.execute(params![h, id])?;
        }
        if let Some(t) = &item.text {
            let body = (!t.body.is_empty()).then_some(t.body.as_str());
            text.execute(params![id, t.summary, body])?;
        }
        pending.execute([id])?;
        let tags = item.tickers.iter().map(|t| tag("t:", t));
        let tags = tags.chain(item.catalysts.iter().map(|c| tag("c:", c)));
        let mut tags: Vec<String> = tags.chain(item.risks.iter().map(|r| tag("r:", r))).collect();
        tags.sort();
        tags.dedup();
        for t in tags {
            *counts.entry(t).or_default() += 1;
        }
    }
    if !fresh.is_empty() {
        counts.insert("*".into(), fresh.len() as i64);
    }
    count_tags(tx, &counts)?;
    Ok(fresh.len())
}

/// Adds `by` to each tag's count (negative when rows go).
fn count_tags(tx: &rusqlite::Transaction<'_>, by: &BTreeMap<String, i64>) -> rusqlite::Result<()> {
    let mut st = tx.prepare_cached(
        "INSERT INTO tag_count(tag, n) VALUES (?1, ?2) ON CONFLICT(tag) DO UPDATE SET n = n + excluded.n",
    )?;
    for (tag, n) in by {
        st.execute(params![tag, n])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 3, 12, 0, 0).unwrap()
    }

    fn item(id: &str, title: &str, days_ago: i64) -> NewsItem {
        NewsItem {
            id: id.into(),
            title: title.into(),
            link: format!("https://example.com/{id}"),
            source: "Wire".into(),
            text: None,
            published: Some(now() - chrono::Duration::days(days_ago)),
            tickers: Vec::new(),
            catalysts: Vec::new(),
            risks: Vec::new(),
        }
    }

    fn open() -> (tempfile::TempDir, Db) {
        let tmp = tempfile::tempdir().unwrap();
        let db = Db::open(&tmp.path().join("c.db")).unwrap().db;
        (tmp, db)
    }

    fn titles(found: &Found) -> Vec<&str> {
        found.items.iter().map(|i| i.title.as_str()).collect()
    }

    #[test]
    fn headlines_are_kept_once_newest_first_and_found_by_the_filter_language() {
        let (_tmp, mut db) = open();
        let mut cw = item("a", "Sivers ships CW laser order", 200);
        cw.tickers = vec!["SIVE".into()];
        cw.catalysts = vec!["sivers-position".into()];
        let mut lpo = item("b", "LPO threatens high-power lasers", 3);
        lpo.risks = vec!["lpo".into()];
        let other = item("c", "Rates stay high", 1);
        assert_eq!(db.archive(&[cw.clone(), lpo.clone(), other.clone()], now()).unwrap(), 3);
        // Again, and the same story under another id or link: nothing new.
        let mut same_title = item("d", "Sivers ships CW laser order", 198);
        same_title.link = "https://elsewhere/x".into();
        assert_eq!(db.archive(&[cw.clone(), same_title], now()).unwrap(), 0);
        db.index_pending(1000).unwrap();

        let q = |text: &str| db.search(&crate::filter::parse(text).unwrap(), now(), 50).unwrap();
        assert_eq!(
            titles(&q("")),
            ["Rates stay high", "LPO threatens high-power lasers", "Sivers ships CW laser order"]
        );
        assert_eq!(titles(&q("laser")), ["LPO threatens high-power lasers", "Sivers ships CW laser order"]);
        assert_eq!(titles(&q("\"cw laser\"")), ["Sivers ships CW laser order"]);
        assert_eq!(titles(&q("ser -lpo")), ["Sivers ships CW laser order"]);
        assert_eq!(titles(&q("$sive")), ["Sivers ships CW laser order"]);
        assert_eq!(titles(&q("c:sivers-position")), ["Sivers ships CW laser order"]);
        assert_eq!(titles(&q("r:LPO")), ["LPO threatens high-power lasers"]);
        assert_eq!(titles(&q("laser since:1w")), ["LPO threatens high-power lasers"]);
        assert_eq!(titles(&q("src:wire high")), ["Rates stay high", "LPO threatens high-power lasers"]);
        assert_eq!(titles(&q("/cw.+order/")), ["Sivers ships CW laser order"]);
        let limited = db.search(&crate::filter::parse("").unwrap(), now(), 2).unwrap();
        assert!(limited.more && limited.items.len() == 2);
        assert_eq!(
            db.evidence_counts().unwrap(),
            BTreeMap::from([("c:sivers-position".into(), 1), ("r:lpo".into(), 1)])
        );
        assert_eq!(db.window(2).unwrap().iter().map(|i| i.id.as_str()).collect::<Vec<_>>(), ["c", "b"]);
    }

    /// The reader's text is kept apart from the row and read by the headline's id, from either
    /// tier of keys; a summary alone is kept without one; an edited file's text is cleaned again.
    #[test]
    fn the_readers_text_is_kept_and_read_back_by_id() {
        let (_tmp, mut db) = open();
        let mut long = item("a", "Sivers ships CW laser order", 2);
        long.set_text("Sivers ships an order.".into(), "Sivers ships an order.\n\n* 1310 nm\n* 70 mW".into());
        let mut short = item("b", "Rates stay high", 1);
        short.set_text("Rates stay high, says the bank.".into(), String::new());
        let bare = item("c", "No text", 1);
        assert_eq!(db.archive(&[long.clone(), short.clone(), bare], now()).unwrap(), 3);
        let text = |db: &Db, id: &str| db.reader_text(id).unwrap();
        assert_eq!(text(&db, "a"), (long.summary().to_string(), long.body().to_string()));
        assert_eq!(text(&db, "b"), (short.summary().to_string(), String::new()));
        assert_eq!(text(&db, "c"), (String::new(), String::new()));
        assert_eq!(text(&db, "unknown"), (String::new(), String::new()));
        db.settle().unwrap();
        assert_eq!(text(&db, "a").1, long.body());
        // The window never carries them.
        assert!(db.window(10).unwrap().iter().all(|i| i.text.is_none()));
        db.conn.execute("UPDATE news_text SET body = 'edited\x1b[31m\u{202e}\n\n\n\nkept'", []).unwrap();
        assert_eq!(text(&db, "a").1, "edited\n\nkept");
    }

    /// Keys in either tier find their rows: before and after [`Db::settle`] folds the recent
    /// tier in, a headline again (by id, by link, by title within a week) is not new; pruning
    /// takes the keys of the rows it drops.
    #[test]
    fn both_tiers_of_keys_find_duplicates_and_pruning_takes_keys_along() {
        let (_tmp, mut db) = open();
        let keys = |db: &Db| -> (i64, i64) {
            let n =
                |t: &str| db.conn.query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0)).unwrap();
            (n("seen_new"), n("seen_old"))
        };
        let first = [item("a", "Laser order one", 30), item("b", "Laser order two", 400)];
        assert_eq!(db.archive(&first, now()).unwrap(), 2);
        assert_eq!(keys(&db), (6, 0));
        let mut by_link = item("other-id", "Another title", 30);
        by_link.link = first[0].link.clone();
        let mut by_title = item("third-id", "Laser order one", 27);
        by_title.link = "https://elsewhere/1".into();
        let mut title_later = item("fourth-id", "Laser order one", 10);
        title_later.link = "https://elsewhere/2".into();
        for tiered in [false, true] {
            assert_eq!(db.archive(&first, now()).unwrap(), 0, "settled: {tiered}");
            assert_eq!(
                db.archive(&[by_link.clone(), by_title.clone()], now()).unwrap(),
                0,
                "settled: {tiered}"
            );
            assert_eq!(db.headline("b").unwrap().map(|i| i.title), Some("Laser order two".into()));
            if !tiered {
                assert_eq!(db.settle().unwrap(), 0, "few keys stay recent");
                assert_eq!(db.settle_past(0).unwrap(), 6);
                assert_eq!(keys(&db), (0, 6));
            }
        }
        // The same title three weeks later is another story.
        assert_eq!(db.archive(&[title_later], now()).unwrap(), 1);
        assert_eq!(keys(&db), (3, 6));
        assert_eq!(db.prune(now() - chrono::Duration::days(365)).unwrap(), 1);
        assert_eq!(keys(&db), (3, 3));
        assert_eq!(
            db.archive(&[item("b", "Laser order two", 400)], now()).unwrap(),
            1,
            "pruned, so new again"
        );
        assert_eq!(db.integrity().unwrap(), "ok");
    }

    /// Another process archiving the same headlines between the lookups (no lock held) and the
    /// write: the write looks again, and nothing is kept twice.
    #[test]
    fn a_write_in_between_is_seen_by_the_second_look() {
        let (tmp, mut db) = open();
        let mut other = Db::open(&tmp.path().join("c.db")).unwrap().db;
        let items = [item("a", "Laser order", 1), item("b", "Fab news", 2)];
        let fresh = db.fresh(&items, now()).unwrap();
        assert_eq!(other.archive(&items[..1], now()).unwrap(), 1);
        assert_eq!(db.keep(&items, fresh, now()).unwrap(), 1);
        assert_eq!(db.archived().unwrap(), 2);
        assert_eq!(db.evidence_counts().unwrap(), BTreeMap::new());
        let total: i64 =
            db.conn.query_row("SELECT n FROM tag_count WHERE tag = '*'", [], |r| r.get(0)).unwrap();
        assert_eq!(total, 2);
    }

    #[test]
    fn rows_waiting_for_the_index_are_searched_too() {
        let (_tmp, mut db) = open();
        db.archive(&[item("a", "Old laser news", 30)], now()).unwrap();
        db.index_pending(1000).unwrap();
        db.archive(&[item("b", "Fresh laser news", 0)], now()).unwrap();
        let found = db.search(&crate::filter::parse("laser").unwrap(), now(), 10).unwrap();
        assert_eq!(titles(&found), ["Fresh laser news", "Old laser news"]);
        assert_eq!(db.index_pending(1000).unwrap(), 1);
        assert_eq!(db.index_pending(1000).unwrap(), 0);
        let found = db.search(&crate::filter::parse("laser").unwrap(), now(), 10).unwrap();
        assert_eq!(titles(&found), ["Fresh laser news", "Old laser news"]);
    }

    #[test]
    fn pruning_keeps_pinned_headlines_and_keeps_counts_right() {
        let (_tmp, mut db) = open();
        let mut old = item("old", "Old CPO story", 400);
        old.catalysts = vec!["cpo".into()];
        let mut pinned = item("pinned", "Pinned CPO story", 500);
        pinned.catalysts = vec!["cpo".into()];
        let mut new = item("new", "New CPO story", 1);
        new.catalysts = vec!["cpo".into()];
        db.archive(&[old, pinned, new], now()).unwrap();
        db.index_pending(10).unwrap();
        use crate::journal::{Change, Entry, What};
        let pin =
            What::Pin { thesis: "c:cpo".into(), item: "pinned".into(), title: "Pinned CPO story".into() };
        db.record(&[Change::Journal(Entry {
            uid: "p".into(),
            at: now(),
            by: "cli".into(),
            what: pin,
            note: None,
        })])
        .unwrap();
        assert_eq!(db.prune(now() - chrono::Duration::days(365)).unwrap(), 1);
        assert_eq!(db.evidence_counts().unwrap()["c:cpo"], 2);
        let found = db.search(&crate::filter::parse("cpo").unwrap(), now(), 10).unwrap();
        assert_eq!(titles(&found), ["New CPO story", "Pinned CPO story"]);
        assert_eq!(db.integrity().unwrap(), "ok");
        // The search index forgot the dropped row exactly (its delete gave the same tokens the
        // row was indexed with, tags and summary included): with every row gone, no term is left.
        let mut last = item("last", "Last story", 2);
        last.set_text("With a summary".into(), String::new());
        last.tickers = vec!["SIVE".into(), "AAOI".into()];
        last.risks = vec!["lpo".into()];
        db.archive(&[last], now()).unwrap();
        db.index_pending(10).unwrap();
        db.conn.execute("DELETE FROM journal", []).unwrap();
        assert_eq!(db.prune(now() + chrono::Duration::days(1)).unwrap(), 3);
        db.conn
            .execute_batch("CREATE VIRTUAL TABLE temp.terms USING fts5vocab(main, news_find, 'row')")
            .unwrap();
        let left: i64 = db.conn.query_row("SELECT count(*) FROM temp.terms", [], |r| r.get(0)).unwrap();
        assert_eq!(left, 0, "terms left in the search index");
        assert_eq!(db.evidence_counts().unwrap(), BTreeMap::new());
    }

    /// Whatever path a search takes (the index for rare words and tags, the newest rows for
    /// common ones), it finds exactly what checking every row with the matcher finds.
    #[test]
    fn every_path_finds_what_the_matcher_finds() {
        let (_tmp, mut db) = open();
        let words = ["laser", "optics", "supply", "order", "fab", "yield", "ramp", "demand"];
        let mut rng = fastrand::Rng::with_seed(12);
        let mut all = Vec::new();
        for i in 0..600 {
            let mut title: Vec<&str> = (0..6).map(|_| words[rng.usize(..words.len())]).collect();
            if i % 97 == 0 {
                title.push("hyperscaler");
            }
            if i % 151 == 0 {
                title.push("Zürich");
            }
            // Text the index folds its own way: case, diacritics (precomposed and not), Greek
            // final sigma, the Kelvin sign, dotted capital I, CJK.
            let odd =
                ["ZÜRICH", "Zu\u{308}rich", "Σχέδιος", "5 \u{212A}m", "İstanbul", "共封装光学", "Ⅻ Ωmega"];
            if i % 7 == 0 {
                title.push(odd[(i / 7) as usize % odd.len()]);
            }
            let mut it = item(&format!("n{i}"), &title.join(" "), 0);
            it.published = Some(now() - chrono::Duration::hours(i));
            if i % 50 == 0 {
                it.tickers = vec!["SIVE".into()];
            }
            if i % 3 == 0 {
                it.catalysts = vec!["cpo".into()];
            }
            all.push(it);
        }
        db.archive(&all, now()).unwrap();
        db.index_pending(10_000).unwrap();
        for (q, expect_index) in [
            ("hyperscaler", true),
            ("yperscal", true),
            ("zürich", true),
            ("ürich", true),
            ("züri", false),
            ("$sive", true),
            ("$sive laser", true),
            ("laser", true),
            ("c:cpo", true),
            ("c:cp", true),
            ("c:cpo hyperscaler", true),
            ("laser since:3d", true),
            ("since:3d", false),
            ("hyperscaler -laser", true),
            ("src:wire hyperscaler", true),
            ("src:wir", true),
            ("qqq", true),
            ("la", false),
            ("-laser", false),
            ("rich", true),
            ("u\u{308}ric", true),
            ("σχέδιος", false),
            ("\"5 km\"", true),
            ("\"5 \u{212A}m\"", true),
            ("stanbul", true),
            ("istanbul", true),
            ("封装光学", true),
            ("\"ⅻ ωm\"", false),
            ("\"ser yie\"", true),
        ] {
            let query = crate::filter::parse(q).unwrap();
            let indexed = index_query(&query.index_terms(now())).is_some();
            assert_eq!(indexed, expect_index, "{q}: the path chosen");
            let found = db.search(&query, now(), 1_000).unwrap();
            let expected: Vec<&str> =
                all.iter().filter(|n| query.matches(n, now())).map(|n| n.id.as_str()).collect();
            let got: Vec<&str> = found.items.iter().map(|n| n.id.as_str()).collect();
            assert_eq!(got, expected, "{q}");
        }
    }

    /// The plans of the statements a refresh and a search run per row or per query: each finds
    /// its rows through an index (a scan of `news` per inserted headline was quadratic).
    #[test]
    fn lookups_use_their_indexes() {
        let (_tmp, db) = open();
        let plan = |sql: &str| -> String {
            let mut st = db.conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
            let rows = st.query_map([], |r| r.get::<_, String>(3)).unwrap();
            rows.map(Result::unwrap).collect::<Vec<_>>().join("; ")
        };
        for sql in [
            "SELECT 1 FROM seen_new s JOIN news n ON n.id = s.id WHERE s.h = 1 AND n.key = 'k' LIMIT 1",
            "SELECT 1 FROM seen_old s JOIN news n ON n.id = s.id WHERE s.h = 1 AND n.title_key = 1 AND s.id BETWEEN 1 AND 2 LIMIT 1",
            "SELECT n.id FROM news_find f CROSS JOIN news n ON n.id = -f.rowid WHERE news_find MATCH '\"abc\"' AND f.rowid <= 0 ORDER BY f.rowid",
            "SELECT n.id FROM fts_pending p CROSS JOIN news n ON n.id = p.news WHERE p.news >= 5",
            "SELECT n.id FROM news n WHERE n.id >= 5 ORDER BY n.id DESC",
        ] {
            let p = plan(sql);
            assert!(
                !p.contains("SCAN news") && !p.contains("SCAN n ") && !p.ends_with("SCAN n"),
                "{sql}: {p}"
            );
            assert!(!p.contains("TEMP B-TREE"), "{sql} sorts: {p}");
        }
    }

    #[test]
    fn text_read_back_is_cleaned_again() {
        let (_tmp, mut db) = open();
        db.archive(&[item("a", "plain", 0)], now()).unwrap();
        db.conn
            .execute("UPDATE news SET title = 'x\u{1b}]52;c;QQ==\u{7}y \u{202E}z', link = 'https://a b'", [])
            .unwrap();
        let shown = &db.window(1).unwrap()[0];
        assert_eq!(shown.title, "xy z");
        assert_eq!(shown.link, "https://ab");
    }
}
