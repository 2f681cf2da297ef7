//! The user's side of the store: the journal of changes and the marks (read, seen, alerts,
//! level sides). Every process appends; the state is derived from what is there.

use super::{Db, DbError, ms, shown, time};
use crate::alerts::{Alert, MAX_KEYS};
use crate::domain::{RiskLevel, UserState};
use crate::journal::{Change, Entry, What};
use crate::portfolio::Lot;
use rusqlite::{Transaction, params};

/// Longest journal text kept (ids, notes, titles are far shorter).
const TEXT_MAX: usize = 1024;

impl Db {
    /// The user's state as every process has written it: the journal (oldest first) and what
    /// derives from it, and the marks. Text is cleaned again, as from any file.
    pub fn load_user(&self) -> Result<UserState, DbError> {
        self.read_user().map_err(|e| self.err(e))
    }

    fn read_user(&self) -> rusqlite::Result<UserState> {
        let mut user = UserState { journal: read_journal(&self.conn)?, ..UserState::default() };
        user.derive();
        let mut st = self.conn.prepare_cached("SELECT item FROM read_marks")?;
        user.read = st.query_map([], |r| r.get::<_, String>(0))?.collect::<Result<_, _>>()?;
        let mut st = self.conn.prepare_cached("SELECT key, at FROM seen")?;
        for row in st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))? {
            let (key, at) = row?;
            user.evidence_seen.insert(key, time(at));
        }
        let mut st = self.conn.prepare_cached("SELECT key FROM alerts")?;
        user.alert_keys = st.query_map([], |r| r.get::<_, String>(0))?.collect::<Result<_, _>>()?;
        let mut st = self.conn.prepare_cached(
            "SELECT key, text, at, ticker, thesis FROM
               (SELECT rowid AS n, * FROM alerts WHERE acked_at IS NULL ORDER BY at DESC, n DESC LIMIT ?1)
             ORDER BY at, n",
        )?;
        let active = st.query_map([crate::alerts::MAX_ACTIVE as i64], |r| {
            Ok(Alert {
                key: shown(&r.get::<_, String>(0)?),
                text: shown(&r.get::<_, String>(1)?),
                at: time(r.get(2)?),
                ticker: r.get::<_, Option<String>>(3)?.map(|t| shown(&t)),
                thesis: r.get::<_, Option<String>>(4)?.map(|t| shown(&t)),
            })
        })?;
        user.alerts = active.collect::<Result<_, _>>()?;
        let mut st = self.conn.prepare_cached("SELECT key, beyond FROM level_sides")?;
        for row in st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, bool>(1)?)))? {
            let (key, beyond) = row?;
            user.level_sides.insert(key, beyond);
        }
        Ok(user)
    }

    /// Writes `changes` in one transaction; a decision among them is written durably (it
    /// survives a power cut, not only a crash). Each change may be written again harmlessly:
    /// entries by their uid, marks by their key.
    pub fn record(&mut self, changes: &[Change]) -> Result<(), DbError> {
        let durable = changes.iter().any(Change::is_decision);
        self.write(durable, |tx| {
            for change in changes {
                write_change(tx, change)?;
            }
            Ok(())
        })
    }

    /// Writes entries kept by a recording (the demo's catalyst hits): each is added once, and
    /// moved to its new time while nothing else in the journal touches its target or undoes it
    /// (so the demo's hits follow its recordings as they move with the calendar, and a user's
    /// own toggle or undo of one stands).
    pub fn seed(&mut self, entries: &[Entry]) -> Result<(), DbError> {
        self.write(false, |tx| {
            for e in entries {
                write_change(tx, &Change::Journal(e.clone()))?;
                tx.prepare_cached(
                    "UPDATE journal SET at = ?2 WHERE uid = ?1 AND NOT EXISTS
                       (SELECT 1 FROM journal j WHERE j.uid != ?1 AND (j.target = journal.target OR j.target = ?1))",
                )?
                .execute(params![cap(&e.uid), ms(e.at)])?;
            }
            Ok(())
        })
    }

    /// Appends `entry` unless `check` (run in the same write transaction, on the state as it is
    /// now) refuses, returning its answer: how the CLI makes a change that depends on the
    /// current state without racing another process.
    pub fn record_if<T>(
        &mut self,
        check: impl FnOnce(&UserState) -> Result<(Entry, T), T>,
    ) -> Result<Result<T, T>, DbError> {
        self.write(true, |tx| {
            // Read inside the transaction, through the same connection: what was checked is
            // what is written against.
            let mut user = UserState { journal: read_journal(tx)?, ..UserState::default() };
            user.derive();
            Ok(match check(&user) {
                Ok((entry, answer)) => {
                    write_change(tx, &Change::Journal(entry))?;
                    Ok(answer)
                }
                Err(refusal) => Err(refusal),
            })
        })
    }
}

/// The journal, oldest first (by time, then by order of writing), its text cleaned again.
fn read_journal(conn: &rusqlite::Connection) -> rusqlite::Result<Vec<Entry>> {
    let mut st = conn.prepare_cached(
        "SELECT uid, at, by, kind, target, value, title, note FROM journal ORDER BY at, id",
    )?;
    let rows = st.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, String>(5)?,
            r.get::<_, String>(6)?,
            r.get::<_, Option<String>>(7)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (uid, at, by, kind, target, value, title, note) = row?;
        // A kind from a newer chokepoint is not understood, so not applied.
        let Some(what) = what_of(&kind, target, value, title) else { continue };
        let note = note
            .map(|n| crate::sanitize::clean_stored(&n, crate::domain::NOTE_MAX))
            .filter(|n| !n.is_empty());
        out.push(Entry { uid, at: time(at), by: shown(&by), what, note });
    }
    Ok(out)
}

/// An entry's `What` from its stored columns; `None` for a kind this version does not know.
fn what_of(kind: &str, target: String, value: String, title: String) -> Option<What> {
    Some(match kind {
        "catalyst" => What::Catalyst { id: shown(&target), done: value == "done" },
        "note" => What::Note { id: shown(&target) },
        "risk" => What::Risk { id: shown(&target), level: RiskLevel::parse(&value)? },
        "pin" => What::Pin { thesis: shown(&target), item: shown(&value), title: shown(&title) },
        "unpin" => What::Unpin { thesis: shown(&target), item: shown(&value) },
        "undo" => What::Undo { uid: target },
        // The lot as written (JSON); a value that does not read as a lot is not applied.
        "lot" => What::Lot(serde_json::from_str::<Lot>(&value).ok().map(|mut l| {
            l.symbol = shown(&l.symbol);
            l
        })?),
        "lot-rm" => What::LotRemove { lot: target },
        _ => return None,
    })
}

fn cap(text: &str) -> &str {
    crate::sanitize::cap_raw(text, TEXT_MAX)
}

pub(super) fn write_change(tx: &Transaction<'_>, change: &Change) -> rusqlite::Result<()> {
    match change {
        Change::Journal(e) => {
            let lot_json;
            let (target, value, title) = match &e.what {
                What::Catalyst { id, done } => (id.as_str(), if *done { "done" } else { "open" }, ""),
                What::Note { id } => (id.as_str(), "", ""),
                What::Risk { id, level } => (id.as_str(), level.label(), ""),
                What::Pin { thesis, item, title } => (thesis.as_str(), item.as_str(), title.as_str()),
                What::Unpin { thesis, item } => (thesis.as_str(), item.as_str(), ""),
                What::Undo { uid } => (uid.as_str(), "", ""),
                What::Lot(lot) => {
                    lot_json = serde_json::to_string(lot).unwrap_or_default();
                    (lot.symbol.as_str(), lot_json.as_str(), "")
                }
                What::LotRemove { lot } => (lot.as_str(), "", ""),
            };
            tx.prepare_cached(
                "INSERT OR IGNORE INTO journal(uid, at, by, kind, target, value, title, note)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                cap(&e.uid),
                ms(e.at),
                cap(&e.by),
                e.what.kind(),
                cap(target),
                cap(value),
                cap(title),
                e.note.as_deref().map(cap)
            ])?;
        }
        Change::Read { item, at } => {
            tx.prepare_cached("INSERT OR IGNORE INTO read_marks(item, at) VALUES (?1, ?2)")?
                .execute(params![cap(item), ms(*at)])?;
        }
        Change::Seen { key, at } => {
            tx.prepare_cached(
                "INSERT INTO seen(key, at) VALUES (?1, ?2)
                 ON CONFLICT(key) DO UPDATE SET at = max(at, excluded.at)",
            )?
            .execute(params![cap(key), ms(*at)])?;
        }
        Change::Fired(a) => {
            let fresh = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO alerts(key, text, at, ticker, thesis) VALUES (?1, ?2, ?3, ?4, ?5)",
                )?
                .execute(params![
                    cap(&a.key),
                    cap(&a.text),
                    ms(a.at),
                    a.ticker.as_deref(),
                    a.thesis.as_deref()
                ])?;
            if fresh > 0 {
                // Keys start with their date: the oldest acknowledged ones go first.
                tx.prepare_cached(
                    "DELETE FROM alerts WHERE acked_at IS NOT NULL AND key IN
                       (SELECT key FROM alerts WHERE acked_at IS NOT NULL ORDER BY key
                        LIMIT max(0, (SELECT count(*) FROM alerts) - ?1))",
                )?
                .execute([MAX_KEYS as i64])?;
            }
        }
        Change::Acked { keys, at } => {
            let mut st =
                tx.prepare_cached("UPDATE alerts SET acked_at = ?2 WHERE key = ?1 AND acked_at IS NULL")?;
            for key in keys {
                st.execute(params![cap(key), ms(*at)])?;
            }
        }
        Change::Side { key, beyond } => {
            tx.prepare_cached(
                "INSERT INTO level_sides(key, beyond) VALUES (?1, ?2)
                 ON CONFLICT(key) DO UPDATE SET beyond = excluded.beyond",
            )?
            .execute(params![cap(key), beyond])?;
        }
    }
    Ok(())
}

impl Db {
    /// How many entries the journal holds.
    pub fn journal_count(&self) -> Result<i64, DbError> {
        self.conn.query_row("SELECT count(*) FROM journal", [], |r| r.get(0)).map_err(|e| self.err(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, TimeZone, Utc};

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 9, day, 17, 0, 0).unwrap()
    }

    fn seed(day: u32) -> Entry {
        let what = What::Catalyst { id: "aaoi-env-review".into(), done: true };
        Entry { uid: "demo:aaoi-env-review".into(), at: at(day), by: "demo".into(), what, note: None }
    }

    #[test]
    fn a_seeded_entry_is_written_once_and_follows_its_recording_until_the_user_acts_on_it() {
        let tmp = tempfile::tempdir().unwrap();
        let mut db = Db::open(&tmp.path().join("demo.db")).unwrap().db;
        db.seed(&[seed(1)]).unwrap();
        db.seed(&[seed(2)]).unwrap();
        let user = db.load_user().unwrap();
        assert_eq!(user.journal.len(), 1, "written once");
        assert_eq!(user.catalysts["aaoi-env-review"].done_at, Some(at(2)), "moved to its new time");
        // The user undoes it: the undo stands, and the seed no longer moves past it.
        let undo = Entry {
            uid: "s-1".into(),
            at: at(20),
            by: "tui".into(),
            what: What::Undo { uid: "demo:aaoi-env-review".into() },
            note: None,
        };
        db.record(&[Change::Journal(undo)]).unwrap();
        db.seed(&[seed(25)]).unwrap();
        let user = db.load_user().unwrap();
        assert_eq!(user.journal.len(), 2);
        assert_eq!(user.journal[0].at, at(2));
        assert!(!user.catalysts.get("aaoi-env-review").is_some_and(|c| c.done), "still undone");
    }
}
