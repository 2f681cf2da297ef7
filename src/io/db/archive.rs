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

/// What a search found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Found {
    /// Newest first, at most the limit.
    pub items: Vec<NewsItem>,
    /// More matched than the limit.
    pub more: bool,
}

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
            summary: r.get(5)?,
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
        summary: crate::sanitize::clean_stored(&item.summary, SUMMARY_MAX),
        published: item.published,
        tickers: list(item.tickers),
        catalysts: list(item.catalysts),
        risks: list(item.risks),
    }
}

fn item_of(r: &Row<'_>) -> rusqlite::Result<(i64, NewsItem)> {
    raw_item(r).map(|(id, item)| (id, cleaned(item)))
}

/// How a search reaches its candidates, newest first.
enum Path {
    /// Every row from the newest back: for a query that many rows match, the limit comes soon.
    Scan,
    /// The rows carrying a tag.
    Tag(String),
    /// The rows the search index has for these trigrams (all must occur).
    Index(String),
}

/// A search through an index pays off when at most one row in this many can match; with more,
/// the newest rows fill the limit sooner than the index can be read.
const DENSE: usize = 16;
/// Trigrams of a word looked up in the index: its rarest ones.
const TRIGRAMS_PER_WORD: usize = 2;

impl Db {
    /// Adds the headlines not archived yet (the same item by id, link or normalized title is
    /// kept once) with their tags, in one transaction; returns how many were new. Their search
    /// index entries follow in [`Db::index_pending`].
    pub fn archive(&mut self, items: &[NewsItem], now: DateTime<Utc>) -> Result<usize, DbError> {
        self.write(false, |tx| archive_in(tx, items, now))
    }

    /// Indexes up to `max` archived rows still waiting for the search index, in one
    /// transaction; returns how many (0 when none wait).
    pub fn index_pending(&mut self, max: usize) -> Result<usize, DbError> {
        self.write(false, |tx| {
            let n = tx
                .prepare_cached(
                    "INSERT INTO news_fts(rowid, title, source, summary)
                     SELECT n.id, n.title, n.source, coalesce(t.summary, '') FROM fts_pending p
                     JOIN news n ON n.id = p.news LEFT JOIN news_text t ON t.id = p.news
                     ORDER BY p.news LIMIT ?1",
                )?
                .execute([max as i64])?;
            tx.prepare_cached(
                "DELETE FROM fts_pending WHERE news IN (SELECT news FROM fts_pending ORDER BY news LIMIT ?1)",
            )?
            .execute([max as i64])?;
            Ok(n)
        })
    }

    /// The newest `limit` headlines in the News pane's order (the window at start).
    pub fn window(&self, limit: usize) -> Result<Vec<NewsItem>, DbError> {
        // The window keeps no summaries (they are apart, in `news_text`): not even read.
        let sql = format!("SELECT {COLUMNS} FROM news n ORDER BY n.id DESC LIMIT ?1");
        let run = || -> rusqlite::Result<Vec<NewsItem>> {
            let mut st = self.conn.prepare_cached(&sql)?;
            let rows = st.query_map([limit as i64], item_of)?;
            rows.map(|r| r.map(|(_, item)| item)).collect()
        };
        let mut items = run().map_err(|e| self.err(e))?;
        // The News pane's order: newest first, undated last.
        items.sort_by(crate::history::newest_first);
        Ok(items)
    }

    /// Headlines matching `query` (the filter language, evaluated exactly as on the window),
    /// newest first, at most `limit`. The index narrows the candidates; every candidate is then
    /// checked with the query itself.
    pub fn search(&self, query: &Query, now: DateTime<Utc>, limit: usize) -> Result<Found, DbError> {
        self.search_rows(query, now, limit).map_err(|e| self.err(e))
    }

    fn search_rows(&self, query: &Query, now: DateTime<Utc>, limit: usize) -> rusqlite::Result<Found> {
        let terms = query.index_terms(now);
        let floor = terms.since.map_or(0, id_floor);
        let (path, nothing) = self.plan(&terms)?;
        if nothing {
            return Ok(Found::default()); // a trigram no headline has: nothing can match
        }
        let (sql, key) = match &path {
            Path::Index(expr) => (
                format!(
                    "SELECT {COLUMNS} FROM news_fts f JOIN news n ON n.id = f.rowid
                     WHERE news_fts MATCH ?1 AND f.rowid >= ?2 ORDER BY f.rowid DESC"
                ),
                Some(expr.as_str()),
            ),
            Path::Tag(tag) => (
                format!(
                    "SELECT {COLUMNS} FROM news_tag t JOIN news n ON n.id = t.news
                     WHERE t.tag = ?1 AND t.news >= ?2 ORDER BY t.news DESC"
                ),
                Some(tag.as_str()),
            ),
            Path::Scan => (format!("SELECT {COLUMNS} FROM news n WHERE n.id >= ?1 ORDER BY n.id DESC"), None),
        };
        let mut found: Vec<(i64, NewsItem)> = Vec::new();
        let mut more = false;
        {
            let mut st = self.conn.prepare_cached(&sql)?;
            let mut rows = match key {
                Some(k) => st.query(params![k, floor])?,
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
        if matches!(path, Path::Index(_)) {
            // Rows the index has not taken in yet are checked one by one.
            let sql = format!(
                "SELECT {COLUMNS} FROM fts_pending p JOIN news n ON n.id = p.news WHERE p.news >= ?1"
            );
            let mut st = self.conn.prepare_cached(&sql)?;
            for row in st.query_map([floor], raw_item)? {
                let (id, item) = row?;
                if query.matches(&item, now) {
                    found.push((id, item));
                }
            }
            found.sort_by_key(|f| std::cmp::Reverse(f.0));
            if found.len() > limit {
                found.truncate(limit);
                more = true;
            }
        }
        // Summaries are read for the matches only (the matcher does not look at them).
        let mut summary = self.conn.prepare_cached("SELECT summary FROM news_text WHERE id = ?1")?;
        let mut items = Vec::with_capacity(found.len());
        for (id, mut item) in found {
            item.summary = summary.query_row([id], |r| r.get(0)).optional()?.unwrap_or_default();
            items.push(cleaned(item));
        }
        Ok(Found { items, more })
    }

    /// The cheapest way to the candidates: the rarest tag or the rarest trigrams of the words
    /// (the index's own counts say how rare), unless the whole query, its terms taken as
    /// independent, would match one row in [`DENSE`] or more: then the newest rows one by one
    /// reach the limit soonest. Also whether a trigram no row has makes the answer empty.
    fn plan(&self, terms: &crate::filter::IndexTerms) -> rusqlite::Result<(Path, bool)> {
        let count = |tag: &str| -> rusqlite::Result<usize> {
            let n: Option<i64> = self
                .conn
                .prepare_cached("SELECT n FROM tag_count WHERE tag = ?1")?
                .query_row([tag], |r| r.get(0))
                .optional()?;
            Ok(n.unwrap_or(0).max(0) as usize)
        };
        let total = count("*")?.max(1);
        // The share of rows the query can match, each term taken as independent of the others.
        let mut share = 1.0_f64;
        let mut best: Option<(usize, Path)> = None;
        for tag in &terms.tags {
            let n = count(tag)?;
            share *= n as f64 / total as f64;
            if best.as_ref().is_none_or(|(b, _)| n < *b) {
                best = Some((n, Path::Tag(tag.clone())));
            }
        }
        let mut chosen: Vec<String> = Vec::new();
        let mut index_share = 1.0_f64;
        for word in terms.words.iter().chain(&terms.sources) {
            let chars: Vec<char> = word.chars().collect();
            if chars.len() < 3 {
                continue; // too short for the index: the matcher checks it
            }
            let mut grams: Vec<(usize, String)> = Vec::new();
            for w in chars.windows(3) {
                let gram: String = w.iter().collect();
                if grams.iter().any(|(_, g)| *g == gram) {
                    continue;
                }
                // The index keeps ASCII as the filter folds it; other text it folds its own way,
                // so its count is not looked up (and it is never taken as missing).
                let docs = if gram.is_ascii() {
                    let n: Option<i64> = self
                        .conn
                        .prepare_cached("SELECT doc FROM news_vocab WHERE term = ?1")?
                        .query_row([&gram], |r| r.get(0))
                        .optional()?;
                    n.unwrap_or(0).max(0) as usize
                } else {
                    total
                };
                if docs == 0 {
                    return Ok((Path::Scan, true));
                }
                grams.push((docs, gram));
            }
            grams.sort();
            if let Some((rarest, _)) = grams.first() {
                let f = *rarest as f64 / total as f64;
                share *= f;
                index_share *= f;
            }
            for (_, gram) in grams.into_iter().take(TRIGRAMS_PER_WORD) {
                chosen.push(format!("\"{}\"", gram.replace('"', "\"\"")));
            }
        }
        if !chosen.is_empty() {
            let n = (index_share * total as f64) as usize;
            if best.as_ref().is_none_or(|(b, _)| n < *b) {
                best = Some((n, Path::Index(chosen.join(" AND "))));
            }
        }
        let dense = share * DENSE as f64 >= 1.0;
        Ok((best.filter(|_| !dense).map_or(Path::Scan, |(_, path)| path), false))
    }

    /// One archived headline by its id (the feed's guid, link or title key) or by its link.
    pub fn headline(&self, key: &str) -> Result<Option<NewsItem>, DbError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM news n WHERE n.key_hash = ?2 AND n.key = ?1
             UNION ALL SELECT {COLUMNS} FROM news n WHERE n.link_hash = ?2 AND n.link = ?1 LIMIT 1"
        );
        let hash = stable_hash(key) as i64;
        let run = || self.conn.prepare_cached(&sql)?.query_row(params![key, hash], item_of).optional();
        run().map(|r| r.map(|(_, item)| item)).map_err(|e| self.err(e))
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

    /// Drops headlines dated before `cutoff`, except pinned ones; returns how many.
    pub fn prune(&mut self, cutoff: DateTime<Utc>) -> Result<usize, DbError> {
        self.write(false, |tx| {
            tx.prepare_cached(
                "DELETE FROM news WHERE id < ?1 AND key NOT IN (SELECT value FROM journal WHERE kind = 'pin')",
            )?
            .execute([id_floor(cutoff)])
        })
    }
}

/// [`Db::archive`] within a transaction (the import shares it).
pub(super) fn archive_in(
    tx: &rusqlite::Transaction<'_>,
    items: &[NewsItem],
    now: DateTime<Utc>,
) -> rusqlite::Result<usize> {
    // Three lookups, each on its own index (an OR of them would scan the table).
    let mut by_key = tx.prepare_cached("SELECT 1 FROM news WHERE key_hash = ?1 AND key = ?2")?;
    let mut by_link = tx.prepare_cached("SELECT 1 FROM news WHERE link_hash = ?1 AND link = ?2")?;
    let mut by_title =
        tx.prepare_cached("SELECT 1 FROM news WHERE title_key = ?1 AND id BETWEEN ?2 AND ?3")?;
    let mut taken = tx.prepare_cached("SELECT 1 FROM news WHERE id = ?1")?;
    let mut insert = tx.prepare_cached(
        "INSERT INTO news(id, key, link, title_key, title, source, published, first_seen,
                              tickers, catalysts, risks, key_hash, link_hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?;
    let mut text = tx.prepare_cached("INSERT INTO news_text(id, summary) VALUES (?1, ?2)")?;
    let mut tag_row = tx.prepare_cached("INSERT OR IGNORE INTO news_tag(tag, news) VALUES (?1, ?2)")?;
    let mut pending = tx.prepare_cached("INSERT OR IGNORE INTO fts_pending(news) VALUES (?1)")?;
    let mut added = 0;
    for item in items {
        let normalized = normalize_title(&item.title, &item.source);
        let title_key = (!normalized.is_empty()).then(|| stable_hash(&normalized) as i64);
        let at = item.published.filter(|p| *p <= now).unwrap_or(now);
        // The same title is the same story within a week (wire copies, Google News);
        // a generic title months apart ("Stocks to watch") is another one.
        let (lo, hi) = (id_floor(at - TITLE_SPAN), id_floor(at + TITLE_SPAN));
        let key_hash = stable_hash(&item.id) as i64;
        let link_hash = (!item.link.is_empty()).then(|| stable_hash(&item.link) as i64);
        let known = by_key.exists(params![key_hash, item.id])?
            || match link_hash {
                Some(h) => by_link.exists(params![h, item.link])?,
                None => false,
            }
            || match title_key {
                Some(k) => by_title.exists(params![k, lo, hi])?,
                None => false,
            };
        if known {
            continue;
        }
        let mut id = id_floor(at) | (stable_hash(&item.id) & ((1 << SUB_BITS) - 1)) as i64;
        while taken.exists([id])? {
            id += 1;
        }
        insert.execute(params![
            id,
            item.id,
            item.link,
            title_key,
            item.title,
            item.source,
            item.published.map(ms),
            ms(now),
            item.tickers.join(" "),
            item.catalysts.join(" "),
            item.risks.join(" "),
            key_hash,
            link_hash,
        ])?;
        let tags = item.tickers.iter().map(|t| tag("t:", t));
        let tags = tags.chain(item.catalysts.iter().map(|c| tag("c:", c)));
        for t in tags.chain(item.risks.iter().map(|r| tag("r:", r))) {
            tag_row.execute(params![t, id])?;
        }
        if !item.summary.is_empty() {
            text.execute(params![id, item.summary])?;
        }
        pending.execute([id])?;
        added += 1;
    }
    Ok(added)
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
            summary: String::new(),
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
            ("$sive", true),
            ("$sive laser", true),
            ("laser", false),
            ("c:cpo", false),
            ("c:cpo hyperscaler", true),
            ("laser since:3d", false),
            ("hyperscaler -laser", true),
            ("qqq", false),
            ("la", false),
        ] {
            let query = crate::filter::parse(q).unwrap();
            let (path, _) = db.plan(&query.index_terms(now())).unwrap();
            assert_eq!(!matches!(path, Path::Scan), expect_index, "{q}: the path chosen");
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
            "SELECT 1 FROM news WHERE key_hash = 1 AND key = 'k'",
            "SELECT 1 FROM news WHERE link_hash = 1 AND link = 'l'",
            "SELECT 1 FROM news WHERE title_key = 1 AND id BETWEEN 1 AND 2",
            "SELECT n.id FROM news_tag t JOIN news n ON n.id = t.news WHERE t.tag = 'c:x' AND t.news >= 0 ORDER BY t.news DESC",
            "SELECT n.id FROM news_fts f JOIN news n ON n.id = f.rowid WHERE news_fts MATCH '\"abc\" AND \"bcd\"' AND f.rowid >= 0 ORDER BY f.rowid DESC",
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
