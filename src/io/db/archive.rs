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
    "n.id, n.key, n.link, n.title, n.source, n.summary, n.published, n.tickers, n.catalysts, n.risks";

fn item_of(r: &Row<'_>) -> rusqlite::Result<(i64, NewsItem)> {
    let list = |s: String| -> Vec<String> { s.split(' ').filter(|t| !t.is_empty()).map(shown).collect() };
    let link: String = r.get(2)?;
    Ok((
        r.get(0)?,
        NewsItem {
            id: shown(&r.get::<_, String>(1)?),
            link: shown(&link).chars().filter(|c| !c.is_whitespace()).collect(),
            title: shown(&r.get::<_, String>(3)?),
            source: shown(&r.get::<_, String>(4)?),
            summary: crate::sanitize::clean_stored(&r.get::<_, String>(5)?, SUMMARY_MAX),
            published: r.get::<_, Option<i64>>(6)?.map(time),
            tickers: list(r.get(7)?),
            catalysts: list(r.get(8)?),
            risks: list(r.get(9)?),
        },
    ))
}

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
                     SELECT n.id, n.title, n.source, n.summary FROM fts_pending p JOIN news n ON n.id = p.news
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
        let sql = format!("SELECT {COLUMNS} FROM news n ORDER BY n.id DESC LIMIT ?1");
        let run = || -> rusqlite::Result<Vec<NewsItem>> {
            let mut st = self.conn.prepare_cached(&sql)?;
            let rows = st.query_map([limit as i64], item_of)?;
            rows.map(|r| {
                r.map(|(_, mut item)| {
                    // The window keeps no summaries (the archive has them).
                    item.summary = String::new();
                    item
                })
            })
            .collect()
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
        let fts = fts_expression(&terms.words, &terms.sources);
        let (sql, key): (String, Option<String>) = match (&fts, terms.tags.first()) {
            (Some(expr), _) => (
                format!(
                    "SELECT {COLUMNS} FROM news_fts f JOIN news n ON n.id = f.rowid
                     WHERE news_fts MATCH ?1 AND f.rowid >= ?2 ORDER BY f.rowid DESC"
                ),
                Some(expr.clone()),
            ),
            (None, Some(tag)) => (
                format!(
                    "SELECT {COLUMNS} FROM news_tag t JOIN news n ON n.id = t.news
                     WHERE t.tag = ?1 AND t.news >= ?2 ORDER BY t.news DESC"
                ),
                Some(tag.clone()),
            ),
            (None, None) => {
                (format!("SELECT {COLUMNS} FROM news n WHERE n.id >= ?1 ORDER BY n.id DESC"), None)
            }
        };
        let mut found: Vec<(i64, NewsItem)> = Vec::new();
        let mut more = false;
        {
            let mut st = self.conn.prepare_cached(&sql)?;
            let mut rows = match &key {
                Some(k) => st.query(params![k, floor])?,
                None => st.query([floor])?,
            };
            while let Some(row) = rows.next()? {
                let (id, item) = item_of(row)?;
                if query.matches(&item, now) {
                    if found.len() == limit {
                        more = true;
                        break;
                    }
                    found.push((id, item));
                }
            }
        }
        if fts.is_some() {
            // Rows the index has not taken in yet are checked one by one.
            let sql = format!(
                "SELECT {COLUMNS} FROM fts_pending p JOIN news n ON n.id = p.news WHERE p.news >= ?1"
            );
            let mut st = self.conn.prepare_cached(&sql)?;
            for row in st.query_map([floor], item_of)? {
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
        Ok(Found { items: found.into_iter().map(|(_, item)| item).collect(), more })
    }

    /// One archived headline by its id (the feed's guid, link or title key) or by its link.
    pub fn headline(&self, key: &str) -> Result<Option<NewsItem>, DbError> {
        let sql =
            format!("SELECT {COLUMNS} FROM news n WHERE n.key = ?1 OR (n.link = ?1 AND ?1 <> '') LIMIT 1");
        let run = || self.conn.prepare_cached(&sql)?.query_row([key], item_of).optional();
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
    let mut exists = tx.prepare_cached(
        "SELECT 1 FROM news WHERE key = ?1 OR (link = ?2 AND ?2 <> '')
               OR (title_key = ?3 AND id BETWEEN ?4 AND ?5) LIMIT 1",
    )?;
    let mut taken = tx.prepare_cached("SELECT 1 FROM news WHERE id = ?1")?;
    let mut insert = tx.prepare_cached(
        "INSERT INTO news(id, key, link, title_key, title, source, summary, published, first_seen,
                              tickers, catalysts, risks)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?;
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
        if exists.exists(params![item.id, item.link, title_key, lo, hi])? {
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
            item.summary,
            item.published.map(ms),
            ms(now),
            item.tickers.join(" "),
            item.catalysts.join(" "),
            item.risks.join(" "),
        ])?;
        let tags = item.tickers.iter().map(|t| tag("t:", t));
        let tags = tags.chain(item.catalysts.iter().map(|c| tag("c:", c)));
        for t in tags.chain(item.risks.iter().map(|r| tag("r:", r))) {
            tag_row.execute(params![t, id])?;
        }
        pending.execute([id])?;
        added += 1;
    }
    Ok(added)
}

/// The FTS5 expression for the words (in title or source) and `src:` values (in source) that
/// the trigram index can look up (3 characters or more); `None` when there is none.
fn fts_expression(words: &[String], sources: &[String]) -> Option<String> {
    let quote = |w: &str| format!("\"{}\"", w.replace('"', "\"\""));
    let long = |w: &&String| w.chars().count() >= 3;
    let mut parts: Vec<String> =
        words.iter().filter(long).map(|w| format!("{{title source}} : {}", quote(w))).collect();
    parts.extend(sources.iter().filter(long).map(|s| format!("source : {}", quote(s))));
    (!parts.is_empty()).then(|| parts.join(" AND "))
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
