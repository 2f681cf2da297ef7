//! Schema versions: `PRAGMA user_version` is the number of steps applied. Each step runs in
//! its own transaction with the version bump, so a crash leaves the database at a whole version.
//! Steps are only ever appended; a database from a newer chokepoint is refused, not touched.

use rusqlite::Connection;

/// The steps, in order: step `i` brings version `i` to `i + 1`.
pub const STEPS: &[&str] = &[
    // 1: the journal and the user's marks; the archive of headlines with its search index and
    // tags; quotes, their history, and when each feed last answered.
    r#"
    CREATE TABLE journal(
        id INTEGER PRIMARY KEY,
        uid TEXT NOT NULL UNIQUE,
        at INTEGER NOT NULL,
        by TEXT NOT NULL,
        kind TEXT NOT NULL,
        target TEXT NOT NULL,
        value TEXT NOT NULL DEFAULT '',
        title TEXT NOT NULL DEFAULT '',
        note TEXT
    );
    CREATE INDEX journal_at ON journal(at, id);
    CREATE TABLE read_marks(item TEXT PRIMARY KEY, at INTEGER NOT NULL) WITHOUT ROWID;
    CREATE TABLE seen(key TEXT PRIMARY KEY, at INTEGER NOT NULL) WITHOUT ROWID;
    CREATE TABLE alerts(
        key TEXT PRIMARY KEY,
        text TEXT NOT NULL,
        at INTEGER NOT NULL,
        ticker TEXT,
        thesis TEXT,
        acked_at INTEGER
    );
    CREATE TABLE level_sides(key TEXT PRIMARY KEY, beyond INTEGER NOT NULL) WITHOUT ROWID;

    CREATE TABLE news(
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL,
        key_hash INTEGER NOT NULL,
        link TEXT NOT NULL,
        link_hash INTEGER,
        title_key INTEGER,
        title TEXT NOT NULL,
        source TEXT NOT NULL,
        published INTEGER,
        first_seen INTEGER NOT NULL,
        tickers TEXT NOT NULL DEFAULT '',
        catalysts TEXT NOT NULL DEFAULT '',
        risks TEXT NOT NULL DEFAULT ''
    );
    -- Looked up by 8-byte hashes (the text compared after): small indexes stay in the cache.
    CREATE INDEX news_key ON news(key_hash);
    CREATE INDEX news_link ON news(link_hash) WHERE link_hash IS NOT NULL;
    CREATE INDEX news_title_key ON news(title_key, id);
    CREATE TABLE news_tag(tag TEXT NOT NULL, news INTEGER NOT NULL, PRIMARY KEY(tag, news)) WITHOUT ROWID;
    CREATE INDEX news_tag_news ON news_tag(news);
    CREATE TABLE tag_count(tag TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
    CREATE TRIGGER news_tag_counted AFTER INSERT ON news_tag BEGIN
        INSERT INTO tag_count(tag, n) VALUES (new.tag, 1)
            ON CONFLICT(tag) DO UPDATE SET n = n + 1;
    END;
    CREATE TRIGGER news_tag_uncounted AFTER DELETE ON news_tag BEGIN
        UPDATE tag_count SET n = n - 1 WHERE tag = old.tag;
    END;
    CREATE TRIGGER news_deleted AFTER DELETE ON news BEGIN
        UPDATE tag_count SET n = n - 1 WHERE tag = '*';
        DELETE FROM news_tag WHERE news = old.id;
        INSERT INTO news_fts(news_fts, rowid, title, source, summary)
            SELECT 'delete', old.id, old.title, old.source,
                   coalesce((SELECT summary FROM news_text WHERE id = old.id), '')
            WHERE NOT EXISTS (SELECT 1 FROM fts_pending WHERE news = old.id);
        DELETE FROM fts_pending WHERE news = old.id;
        DELETE FROM news_text WHERE id = old.id;
    END;
    -- Summaries apart, so the rows a search or the window walks stay small.
    CREATE TABLE news_text(id INTEGER PRIMARY KEY, summary TEXT NOT NULL);
    CREATE VIEW news_content AS
        SELECT n.id AS id, n.title AS title, n.source AS source, coalesce(t.summary, '') AS summary
        FROM news n LEFT JOIN news_text t ON t.id = n.id;
    CREATE VIRTUAL TABLE news_fts USING fts5(
        title, source, summary,
        content = 'news_content', content_rowid = 'id',
        tokenize = 'trigram remove_diacritics 1',
        detail = none,
        columnsize = 0
    );
    CREATE VIRTUAL TABLE news_vocab USING fts5vocab(news_fts, 'row');
    CREATE TRIGGER news_counted AFTER INSERT ON news BEGIN
        INSERT INTO tag_count(tag, n) VALUES ('*', 1) ON CONFLICT(tag) DO UPDATE SET n = n + 1;
    END;
    CREATE TABLE fts_pending(news INTEGER PRIMARY KEY);

    CREATE TABLE quotes(symbol TEXT PRIMARY KEY, json TEXT NOT NULL, at INTEGER NOT NULL) WITHOUT ROWID;
    CREATE TABLE quote_ticks(
        symbol TEXT NOT NULL,
        at INTEGER NOT NULL,
        price REAL NOT NULL,
        PRIMARY KEY(symbol, at)
    ) WITHOUT ROWID;
    CREATE TABLE daily_close(
        symbol TEXT NOT NULL,
        day TEXT NOT NULL,
        close REAL NOT NULL,
        final INTEGER NOT NULL,
        PRIMARY KEY(symbol, day)
    ) WITHOUT ROWID;
    CREATE TABLE feed_fetched(url TEXT PRIMARY KEY, at INTEGER NOT NULL) WITHOUT ROWID;
    CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
    "#,
    // 2: a search index read newest first (its rowid is minus the row's id, so a search streams
    // in its natural order and stops at the limit), with column filters (detail=column) and the
    // tags in it; the keys a refresh de-duplicates by in two tiers, a small recent one its
    // inserts stay in and a settled one maintenance folds them into (three hash indexes on
    // `news` dirtied pages all over the file per refresh); tags counted by the code, per
    // refresh, instead of a row per tag and a trigger per row. The old index is rebuilt from
    // the rows in the background, batch by batch, as after any refresh.
    r#"
    DROP TRIGGER news_deleted;
    DROP TRIGGER news_counted;
    DROP TRIGGER news_tag_counted;
    DROP TRIGGER news_tag_uncounted;
    DROP TABLE news_vocab;
    DROP TABLE news_fts;
    DROP VIEW news_content;
    DROP TABLE news_tag;
    DROP INDEX news_key;
    DROP INDEX news_link;
    DROP INDEX news_title_key;
    CREATE VIRTUAL TABLE news_find USING fts5(
        title, source, summary, tags,
        content = '',
        tokenize = 'trigram remove_diacritics 1',
        detail = column,
        columnsize = 0
    );
    -- (hash of a key, a link or a normalized title; the row): looked up, then checked on the row.
    CREATE TABLE seen_new(h INTEGER NOT NULL, id INTEGER NOT NULL, PRIMARY KEY(h, id)) WITHOUT ROWID;
    CREATE TABLE seen_old(h INTEGER NOT NULL, id INTEGER NOT NULL, PRIMARY KEY(h, id)) WITHOUT ROWID;
    INSERT OR IGNORE INTO seen_old(h, id)
        SELECT h, id FROM (
            SELECT key_hash AS h, id FROM news
            UNION ALL SELECT link_hash, id FROM news WHERE link_hash IS NOT NULL
            UNION ALL SELECT title_key, id FROM news WHERE title_key IS NOT NULL)
        ORDER BY h, id;
    INSERT OR IGNORE INTO fts_pending(news) SELECT id FROM news;
    CREATE TRIGGER news_deleted AFTER DELETE ON news BEGIN
        INSERT INTO news_find(news_find, rowid, title, source, summary, tags)
            SELECT 'delete', -old.id, old.title, old.source,
                   coalesce((SELECT summary FROM news_text WHERE id = old.id), ''),
                   ' ' || trim(
                       (CASE WHEN old.tickers = '' THEN '' ELSE 't:' || replace(old.tickers, ' ', ' t:') END) || ' ' ||
                       (CASE WHEN old.catalysts = '' THEN '' ELSE 'c:' || replace(old.catalysts, ' ', ' c:') END) || ' ' ||
                       (CASE WHEN old.risks = '' THEN '' ELSE 'r:' || replace(old.risks, ' ', ' r:') END)) || ' '
            WHERE NOT EXISTS (SELECT 1 FROM fts_pending WHERE news = old.id);
        DELETE FROM fts_pending WHERE news = old.id;
        DELETE FROM news_text WHERE id = old.id;
    END;
    "#,
    // 3: price series of the ticker detail view, per symbol and range, as fetched (JSON: at
    // most 5,000 bars), so re-opening a range after the last close asks no source.
    r#"
    CREATE TABLE series(
        symbol TEXT NOT NULL,
        span TEXT NOT NULL,
        json TEXT NOT NULL,
        fetched_at INTEGER NOT NULL,
        PRIMARY KEY(symbol, span)
    ) WITHOUT ROWID;
    "#,
    // 4: the last rate of each currency to the portfolio's base currency (the positions' FX).
    r#"
    CREATE TABLE fx(
        currency TEXT NOT NULL,
        base TEXT NOT NULL,
        rate REAL NOT NULL,
        as_of INTEGER NOT NULL,
        source TEXT NOT NULL,
        PRIMARY KEY(currency, base)
    ) WITHOUT ROWID;
    "#,
    // 5: the reader's text of a headline (its summary or full text as lines of plain text),
    // where it says more than the summary; read when the reader opens, not searched.
    r#"
    ALTER TABLE news_text ADD COLUMN body TEXT;
    "#,
];

/// The version a fully migrated database has.
pub const LATEST: i64 = STEPS.len() as i64;

#[derive(Debug)]
pub enum Error {
    Newer { found: i64, known: i64 },
    Sqlite(rusqlite::Error),
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Error {
        Error::Sqlite(e)
    }
}

/// Applies the steps this database has not had yet.
pub fn migrate(conn: &mut Connection) -> Result<(), Error> {
    migrate_to(conn, LATEST)
}

/// Applies steps up to version `target` (tests build older versions with it).
pub fn migrate_to(conn: &mut Connection, target: i64) -> Result<(), Error> {
    loop {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        // Read inside the write transaction: two processes starting at once apply a step once.
        let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version > LATEST {
            return Err(Error::Newer { found: version, known: LATEST });
        }
        if version >= target {
            return Ok(());
        }
        tx.execute_batch(STEPS[version as usize])?;
        tx.execute_batch(&format!("PRAGMA user_version = {}", version + 1))?;
        tx.commit()?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every version upgrades to the latest with what it held intact: a database is built at
    /// each older version, given data, and opened by the current code.
    #[test]
    fn every_version_upgrades_to_the_latest_keeping_its_data() {
        for from in 0..LATEST {
            let tmp = tempfile::tempdir().unwrap();
            let path = tmp.path().join("chokepoint.db");
            let mut conn = Connection::open(&path).unwrap();
            migrate_to(&mut conn, from).unwrap();
            let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
            assert_eq!(version, from);
            if from >= 1 {
                conn.execute(
                    "INSERT INTO journal(uid, at, by, kind, target, value) VALUES ('u1', 1, 'cli', 'catalyst', 'amd', 'done')",
                    [],
                )
                .unwrap();
            }
            if from == 1 {
                // A headline as version 1 kept it: row, tag, search index entry.
                use crate::db::archive::stable_hash;
                let (key, link) = ("g1", "https://example.com/a");
                let title_key =
                    stable_hash(&crate::history::normalize_title("CW laser order", "Wire")) as i64;
                conn.execute(
                    "INSERT INTO news(id, key, key_hash, link, link_hash, title_key, title, source, published,
                                      first_seen, catalysts)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'CW laser order', 'Wire', ?7, ?7, 'cpo')",
                    rusqlite::params![
                        1_700_000_000_i64 << 20,
                        key,
                        stable_hash(key) as i64,
                        link,
                        stable_hash(link) as i64,
                        title_key,
                        1_700_000_000_000_i64
                    ],
                )
                .unwrap();
                conn.execute(
                    "INSERT INTO news_tag(tag, news) VALUES ('c:cpo', ?1)",
                    [1_700_000_000_i64 << 20],
                )
                .unwrap();
                conn.execute(
                    "INSERT INTO news_fts(rowid, title, source, summary) VALUES (?1, 'CW laser order', 'Wire', '')",
                    [1_700_000_000_i64 << 20],
                )
                .unwrap();
                conn.execute(
                    "INSERT INTO news_text(id, summary) VALUES (?1, 'An order of lasers.')",
                    [1_700_000_000_i64 << 20],
                )
                .unwrap();
            }
            drop(conn);
            let opened = super::super::Db::open(&path).unwrap();
            assert_eq!(opened.db.schema_version().unwrap(), LATEST);
            assert_eq!(opened.db.integrity().unwrap(), "ok");
            if from >= 1 {
                let user = opened.db.load_user().unwrap();
                assert!(user.catalysts["amd"].done, "upgrade from {from} kept the journal");
            }
            if from == 1 {
                // The headline is kept, counted, found by its key and link, known when it comes
                // again, and searchable once the index has taken the old rows in again.
                let mut db = opened.db;
                assert_eq!(db.evidence_counts().unwrap()["c:cpo"], 1);
                assert!(
                    db.headline("g1").unwrap().is_some()
                        && db.headline("https://example.com/a").unwrap().is_some()
                );
                let now = chrono::DateTime::from_timestamp(1_700_000_100, 0).unwrap();
                let again = crate::domain::NewsItem {
                    id: "g1".into(),
                    title: "CW laser order".into(),
                    link: "https://example.com/a".into(),
                    source: "Wire".into(),
                    text: None,
                    published: chrono::DateTime::from_timestamp(1_700_000_000, 0),
                    tickers: Vec::new(),
                    catalysts: vec!["cpo".into()],
                    risks: Vec::new(),
                };
                // Its summary is the reader's text (kept before texts were).
                assert_eq!(db.reader_text("g1").unwrap(), ("An order of lasers.".into(), String::new()));
                assert_eq!(db.archive(&[again], now).unwrap(), 0);
                assert_eq!(db.index_pending(100).unwrap(), 1);
                for q in ["laser", "c:cpo", "src:wire"] {
                    let found = db.search(&crate::filter::parse(q).unwrap(), now, 10).unwrap();
                    assert_eq!(found.items.len(), 1, "{q} after the upgrade");
                }
                assert_eq!(db.integrity().unwrap(), "ok");
            }
        }
    }

    #[test]
    fn two_openers_apply_each_step_once() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("chokepoint.db");
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let path = path.clone();
                std::thread::spawn(move || {
                    super::super::Db::open(&path).map(|o| o.db.schema_version().unwrap())
                })
            })
            .collect();
        for t in threads {
            assert_eq!(t.join().unwrap().unwrap(), LATEST);
        }
    }
}
