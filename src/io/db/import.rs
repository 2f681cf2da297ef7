//! The first start after the upgrade: `state.json` (catalyst changes with their times, authors
//! and notes, risk levels, read marks, evidence looks, alerts with their keys, level sides) and
//! `cache.json` (quotes, headlines, feed times) come into the store in one transaction, and the
//! files are then renamed `*.imported`. A failed import changes nothing: the transaction is rolled
//! back, the files stay where they are, and the next start tries again. Running it twice adds
//! nothing twice (entries have fixed uids, headlines and marks their keys).

use super::archive::archive_in;
use super::quotes::{set_fetched_in, store_quotes_in};
use super::user::write_change;
use super::{Db, DbError};
use crate::domain::{Cache, UserState};
use crate::journal::{Change, Entry, What};
use chrono::{DateTime, Utc};
use std::path::{Path, PathBuf};

/// What an import did, for the user.
#[derive(Debug, Default, PartialEq)]
pub struct Imported {
    pub notices: Vec<String>,
    /// The files renamed to `*.imported`.
    pub renamed: Vec<PathBuf>,
}

/// The journal entries and marks of a `state.json`.
pub fn changes_of(user: &UserState, now: DateTime<Utc>) -> Vec<Change> {
    let mut out = Vec::new();
    for (id, rec) in &user.catalysts {
        for (i, ev) in rec.history.iter().enumerate() {
            out.push(Change::Journal(Entry {
                uid: format!("import:{id}:{}:{i}", ev.at.timestamp_millis()),
                at: ev.at,
                by: if ev.by.is_empty() { "tui".into() } else { ev.by.clone() },
                what: What::Catalyst { id: id.clone(), done: ev.done },
                note: ev.note.clone(),
            }));
        }
        // A record without history (written by the earliest versions) still says done or not.
        if rec.history.is_empty() && rec.done {
            let at = rec.done_at.unwrap_or(now);
            out.push(Change::Journal(Entry {
                uid: format!("import:{id}:{}:done", at.timestamp_millis()),
                at,
                by: "tui".into(),
                what: What::Catalyst { id: id.clone(), done: true },
                note: None,
            }));
        }
    }
    for (id, level) in &user.risks {
        out.push(Change::Journal(Entry {
            uid: format!("import:risk:{id}:{}", level.label()),
            at: now,
            by: "import".into(),
            what: What::Risk { id: id.clone(), level: *level },
            note: None,
        }));
    }
    out.extend(user.read.iter().map(|item| Change::Read { item: item.clone(), at: now }));
    out.extend(user.evidence_seen.iter().map(|(key, at)| Change::Seen { key: key.clone(), at: *at }));
    // Every fired key is kept; the ones no longer in the list were acknowledged.
    out.extend(user.alerts.iter().cloned().map(Change::Fired));
    let active: std::collections::HashSet<&str> = user.alerts.iter().map(|a| a.key.as_str()).collect();
    let acked: Vec<String> =
        user.alert_keys.iter().filter(|k| !active.contains(k.as_str())).cloned().collect();
    for key in &acked {
        out.push(Change::Fired(crate::alerts::Alert {
            key: key.clone(),
            text: String::new(),
            at: now,
            ticker: None,
            thesis: None,
        }));
    }
    if !acked.is_empty() {
        out.push(Change::Acked { keys: acked, at: now });
    }
    out.extend(
        user.level_sides.iter().map(|(key, beyond)| Change::Side { key: key.clone(), beyond: *beyond }),
    );
    out
}

impl Db {
    /// Imports `state` (a `state.json`'s path) and `cache` (a `cache.json`'s), those that exist,
    /// then renames them `*.imported`. A state file that cannot be parsed is moved aside to
    /// `*.corrupt-<stamp>` (it was never the app's to lose) and not imported; so is a cache file.
    pub fn import_legacy(&mut self, state: &Path, cache: Option<&Path>, now: DateTime<Utc>) -> Imported {
        let mut out = Imported::default();
        let user = match crate::store::peek(state) {
            Ok(Some(user)) => Some(user),
            Ok(None) => None,
            Err(e) => {
                aside(state, &e.to_string(), &mut out);
                None
            }
        };
        let cached = match cache.map(crate::cache::load) {
            Some(Ok(found)) => found,
            Some(Err(e)) => {
                if let Some(path) = cache {
                    aside(path, &e, &mut out);
                }
                None
            }
            None => None,
        };
        if user.is_none() && cached.is_none() {
            return out;
        }
        match self.import(user.as_ref(), cached.as_ref(), now) {
            Ok(()) => {
                let files = [user.as_ref().map(|_| state), cached.as_ref().and(cache)];
                for path in files.into_iter().flatten() {
                    match rename_imported(path) {
                        Ok(to) => out.renamed.push(to),
                        Err(e) => out.notices.push(format!(
                            "imported {} but could not rename it ({e}); importing it again changes nothing",
                            path.display()
                        )),
                    }
                }
                let what: Vec<String> = out.renamed.iter().map(|p| p.display().to_string()).collect();
                if !what.is_empty() {
                    out.notices.push(format!(
                        "imported your earlier data into {}; kept the files as {}",
                        self.path.display(),
                        what.join(", ")
                    ));
                }
            }
            Err(e) => out.notices.push(format!(
                "could not import {}: {e}; it was left as it was and will be imported at the next start",
                [user.as_ref().map(|_| state), cached.as_ref().and(cache)]
                    .into_iter()
                    .flatten()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(" and ")
            )),
        }
        out
    }

    fn import(
        &mut self,
        user: Option<&UserState>,
        cache: Option<&Cache>,
        now: DateTime<Utc>,
    ) -> Result<(), DbError> {
        let changes = user.map(|u| changes_of(u, now)).unwrap_or_default();
        let quotes: Vec<(String, &crate::domain::Quote, chrono::NaiveDate)> = cache
            .map(|c| {
                c.quotes
                    .iter()
                    .filter_map(|q| Some((serde_json::to_string(q).ok()?, q, q.as_of.date_naive())))
                    .collect()
            })
            .unwrap_or_default();
        self.write(true, |tx| {
            for change in &changes {
                write_change(tx, change)?;
            }
            if let Some(c) = cache {
                store_quotes_in(tx, &quotes)?;
                archive_in(tx, &c.news, c.saved_at.unwrap_or(now))?;
                for (url, at) in &c.fetched {
                    set_fetched_in(tx, url, *at)?;
                }
            }
            Ok(())
        })?;
        // The search index takes the imported headlines in batches, as after any refresh.
        while self.index_pending(2_000)? > 0 {}
        Ok(())
    }
}

/// Moves a file that could not be read aside, saying so.
fn aside(path: &Path, why: &str, out: &mut Imported) {
    match crate::store::aside_name(path, "corrupt").and_then(|to| std::fs::rename(path, &to).map(|()| to)) {
        Ok(to) => out.notices.push(format!("{why}; moved it to {} (not imported)", to.display())),
        Err(e) => out.notices.push(format!("{why}; could not move it aside either ({e}); not imported")),
    }
}

/// `state.json` -> `state.json.imported` (or `state.json.imported-<stamp>` if that is taken).
fn rename_imported(path: &Path) -> std::io::Result<PathBuf> {
    let plain = super::with_suffix(path, ".imported");
    let to = if std::fs::symlink_metadata(&plain).is_err() {
        plain
    } else {
        crate::store::aside_name(path, "imported")?
    };
    std::fs::rename(path, &to)?;
    Ok(to)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{CatalystRecord, RiskLevel, ToggleEvent};
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 3, 12, 0, 0).unwrap()
    }

    fn legacy() -> UserState {
        let at = |d| Utc.with_ymd_and_hms(2026, 11, d, 9, 0, 0).unwrap();
        let mut user = UserState::default();
        user.catalysts.insert(
            "amd-lta".into(),
            CatalystRecord {
                done: true,
                done_at: Some(at(20)),
                history: vec![
                    ToggleEvent { done: true, at: at(10), by: "tui".into(), note: None },
                    ToggleEvent { done: false, at: at(11), by: "cli".into(), note: Some("too early".into()) },
                    ToggleEvent { done: true, at: at(20), by: "cli".into(), note: Some("signed".into()) },
                ],
            },
        );
        user.risks.insert("lpo".into(), RiskLevel::Elevated);
        user.read.insert("n1".into());
        user.evidence_seen.insert("c:amd-lta".into(), at(21));
        let alert = |key: &str| crate::alerts::Alert {
            key: key.into(),
            text: format!("alert {key}"),
            at: at(22),
            ticker: Some("AAOI".into()),
            thesis: None,
        };
        user.alerts = vec![alert("2026-11-22|move|AAOI|8")];
        user.alert_keys = ["2026-11-22|move|AAOI|8", "2026-11-01|move|LITE|8"].map(String::from).into();
        user.level_sides.insert("AAOI|above|40".into(), true);
        user
    }

    /// A hand-edited file listing one alert key twice: it fired once, the first listed.
    #[test]
    fn an_alert_listed_twice_comes_in_once_the_first_listed() {
        let tmp = tempfile::tempdir().unwrap();
        let state = tmp.path().join("state.json");
        let mut user = legacy();
        let mut again = user.alerts[0].clone();
        again.text = "listed again".into();
        user.alerts.push(again);
        std::fs::write(&state, serde_json::to_vec(&user).unwrap()).unwrap();
        let mut db = Db::open(&tmp.path().join("chokepoint.db")).unwrap().db;
        assert_eq!(db.import_legacy(&state, None, now()).renamed.len(), 1);
        assert_eq!(db.load_user().unwrap().alerts, legacy().alerts);
    }

    fn files(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn state_and_cache_come_in_whole_and_the_files_are_kept_as_imported() {
        let tmp = tempfile::tempdir().unwrap();
        let state = tmp.path().join("state.json");
        std::fs::write(&state, serde_json::to_vec(&legacy()).unwrap()).unwrap();
        let cache_dir = tmp.path().join("cache");
        std::fs::create_dir(&cache_dir).unwrap();
        let news = crate::domain::NewsItem {
            id: "n1".into(),
            title: "AMD signs optics supply deal".into(),
            link: "https://e/n1".into(),
            source: "Wire".into(),
            text: None,
            published: Some(now()),
            tickers: vec![],
            catalysts: vec!["amd-lta".into()],
            risks: vec![],
        };
        let cache = Cache {
            version: Cache::VERSION,
            saved_at: Some(now()),
            quotes: vec![],
            news: vec![news],
            fetched: [("https://feed".to_string(), now())].into(),
            fx: vec![],
        };
        crate::store::write_atomic(&crate::cache::file(&cache_dir), &serde_json::to_vec(&cache).unwrap())
            .unwrap();

        let mut db = Db::open(&tmp.path().join("chokepoint.db")).unwrap().db;
        let done = db.import_legacy(&state, Some(&crate::cache::file(&cache_dir)), now());
        assert_eq!(done.renamed.len(), 2, "{done:?}");
        assert!(done.notices[0].starts_with("imported your earlier data"), "{:?}", done.notices);
        assert!(files(tmp.path()).contains(&"state.json.imported".to_string()));
        assert_eq!(files(&cache_dir), ["cache.json.imported"]);

        let user = db.load_user().unwrap();
        let original = legacy();
        assert_eq!(user.catalysts, original.catalysts, "every change with its time, author and note");
        assert_eq!(user.risks, original.risks);
        assert_eq!(user.read, original.read);
        assert_eq!(user.evidence_seen, original.evidence_seen);
        assert_eq!(user.alerts, original.alerts);
        assert_eq!(user.alert_keys, original.alert_keys);
        assert_eq!(user.level_sides, original.level_sides);
        let cached = db.cached(10).unwrap();
        assert_eq!(cached.news.len(), 1);
        assert_eq!(cached.fetched["https://feed"], now());
        assert_eq!(db.evidence_counts().unwrap()["c:amd-lta"], 1);

        // Once more (a rename that failed): nothing doubles.
        std::fs::write(&state, serde_json::to_vec(&legacy()).unwrap()).unwrap();
        let again = db.import_legacy(&state, None, now());
        assert_eq!(again.renamed.len(), 1);
        assert!(again.renamed[0].display().to_string().contains("state.json.imported-"), "{again:?}");
        assert_eq!(db.load_user().unwrap().catalysts, original.catalysts);
        assert_eq!(db.journal_count().unwrap(), 4);
    }

    #[test]
    fn a_failed_import_leaves_the_files_and_the_database_untouched() {
        let tmp = tempfile::tempdir().unwrap();
        let state = tmp.path().join("state.json");
        let mut big = legacy();
        big.read.extend((0..5000).map(|i| format!("https://example.com/news/{i}")));
        let bytes = serde_json::to_vec(&big).unwrap();
        std::fs::write(&state, &bytes).unwrap();
        let mut db = Db::open(&tmp.path().join("chokepoint.db")).unwrap().db;
        db.limit_growth(0).unwrap(); // the disk is full
        let out = db.import_legacy(&state, None, now());
        assert!(out.renamed.is_empty());
        let [notice] = out.notices.as_slice() else { panic!("{out:?}") };
        assert!(notice.starts_with("could not import") && notice.contains("next start"), "{notice}");
        assert_eq!(std::fs::read(&state).unwrap(), bytes);
        assert_eq!(db.journal_count().unwrap(), 0);
    }

    #[test]
    fn an_unreadable_state_file_is_moved_aside_not_lost() {
        let tmp = tempfile::tempdir().unwrap();
        let state = tmp.path().join("state.json");
        std::fs::write(&state, "{\"catalysts\": {").unwrap();
        let mut db = Db::open(&tmp.path().join("chokepoint.db")).unwrap().db;
        let out = db.import_legacy(&state, None, now());
        assert!(out.notices[0].contains("not valid") && out.notices[0].contains(".corrupt-"), "{out:?}");
        assert!(!state.exists());
        let aside: Vec<String> =
            files(tmp.path()).into_iter().filter(|n| n.starts_with("state.json.corrupt-")).collect();
        assert_eq!(std::fs::read_to_string(tmp.path().join(&aside[0])).unwrap(), "{\"catalysts\": {");
    }
}
