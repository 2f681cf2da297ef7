//! The journal: every change a user makes (a catalyst toggled, a note, a risk level, a pin, an
//! undo) is an entry appended to it, never edited; the thesis state is derived from it. The other
//! kept marks (read headlines, looked-at evidence, fired and acknowledged alerts, which side of a
//! level a price was on) are [`Change`]s too, written as they happen.
//!
//! A change is applied to the in-memory [`UserState`] at once and handed to the store; applying
//! one twice is harmless ([`UserState::apply`] is idempotent), so a store reload can re-apply the
//! changes it has not confirmed yet without doubling anything.

use crate::core::alerts::{Alert, MAX_ACTIVE, MAX_KEYS};
use crate::core::domain::{CatalystRecord, RiskLevel, ToggleEvent, UserState, clean_note};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashSet};

/// One user change, as the journal keeps it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Entry {
    /// Unique across every process that writes: an undo names the entry it undoes by it.
    pub uid: String,
    pub at: DateTime<Utc>,
    /// Who made it: `tui`, `cli` or `api`.
    pub by: String,
    #[serde(flatten)]
    pub what: What,
    /// The user's one-line note (for [`What::Note`], the note set; `None` clears it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// What an entry changes.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum What {
    /// Catalyst `id` marked hit (`done`) or open again.
    Catalyst { id: String, done: bool },
    /// The note on catalyst `id`'s last change is set to the entry's note.
    Note { id: String },
    /// Risk `id` set to `level`.
    Risk { id: String, level: RiskLevel },
    /// Headline `item` kept as evidence for `thesis` (`c:ID` or `r:ID`), with its title then.
    Pin { thesis: String, item: String, title: String },
    /// The pin of `item` to `thesis` removed.
    Unpin { thesis: String, item: String },
    /// Entry `uid` no longer counts.
    Undo { uid: String },
    /// A lot bought (a position).
    Lot(crate::core::portfolio::Lot),
    /// The lot added by entry `lot` removed (sold, or entered by mistake).
    #[serde(rename = "lot-rm")]
    LotRemove { lot: String },
}

impl What {
    /// The kind as the store writes it (`catalyst`, `note`, `risk`, `pin`, `unpin`, `undo`).
    pub fn kind(&self) -> &'static str {
        match self {
            What::Catalyst { .. } => "catalyst",
            What::Note { .. } => "note",
            What::Risk { .. } => "risk",
            What::Pin { .. } => "pin",
            What::Unpin { .. } => "unpin",
            What::Undo { .. } => "undo",
            What::Lot(_) => "lot",
            What::LotRemove { .. } => "lot-rm",
        }
    }

    /// One line for a timeline: "amd-lta hit", "supply-slip → elevated", "pinned to c:cpo".
    pub fn describe(&self) -> String {
        match self {
            What::Catalyst { id, done: true } => format!("{id} hit"),
            What::Catalyst { id, done: false } => format!("{id} reopened"),
            What::Note { id } => format!("note on {id}"),
            What::Risk { id, level } => format!("{id} → {}", level.label()),
            What::Pin { thesis, title, .. } => format!("pinned to {thesis}: {title}"),
            What::Unpin { thesis, item } => format!("unpinned {item} from {thesis}"),
            What::Undo { uid } => format!("undid {uid}"),
            What::Lot(l) => format!("{} {} at {} on {}", l.symbol, l.shares, l.price, l.date),
            What::LotRemove { lot } => format!("removed lot {lot}"),
        }
    }
}

/// A headline pinned to a catalyst or risk.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Pin {
    pub item: String,
    pub title: String,
    pub at: DateTime<Utc>,
    pub by: String,
}

/// Anything the store keeps for the user.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    Journal(Entry),
    /// A headline opened.
    Read {
        item: String,
        at: DateTime<Utc>,
    },
    /// A catalyst's (`c:ID`) or risk's (`r:ID`) evidence looked at.
    Seen {
        key: String,
        at: DateTime<Utc>,
    },
    /// An alert fired (its key is never fired again).
    Fired(Alert),
    /// Alerts acknowledged.
    Acked {
        keys: Vec<String>,
        at: DateTime<Utc>,
    },
    /// Which side of a level the price was on at the last reading.
    Side {
        key: String,
        beyond: bool,
    },
}

impl Change {
    /// A user's decision (worth a warning when it cannot be kept), not bookkeeping.
    pub fn is_decision(&self) -> bool {
        matches!(self, Change::Journal(_) | Change::Acked { .. })
    }
}

impl UserState {
    /// Applies `change`; a second application of the same change changes nothing.
    pub fn apply(&mut self, change: &Change) {
        match change {
            Change::Journal(entry) => {
                if !self.journal.iter().rev().any(|e| e.uid == entry.uid) {
                    self.journal.push(entry.clone());
                    self.derive();
                }
            }
            Change::Read { item, .. } => {
                self.read.insert(item.clone());
            }
            Change::Seen { key, at } => {
                let seen = self.evidence_seen.entry(key.clone()).or_insert(*at);
                *seen = (*seen).max(*at);
            }
            Change::Fired(alert) => {
                // Known by its key, or still listed (its key may have been trimmed from the
                // oldest end of the remembered keys since).
                if self.alerts.iter().any(|a| a.key == alert.key) {
                    return;
                }
                if self.alert_keys.insert(alert.key.clone()) {
                    while self.alert_keys.len() > MAX_KEYS {
                        self.alert_keys.pop_first();
                    }
                    self.alerts.push(alert.clone());
                    if self.alerts.len() > MAX_ACTIVE {
                        self.alerts.remove(0);
                    }
                }
            }
            Change::Acked { keys, .. } => self.alerts.retain(|a| !keys.contains(&a.key)),
            Change::Side { key, beyond } => {
                self.level_sides.insert(key.clone(), *beyond);
            }
        }
    }

    /// Recomputes the catalysts, risks and pins from the journal, in order: an entry counts
    /// unless an undo that counts names it (an undo can itself be undone).
    pub fn derive(&mut self) {
        let mut undone: HashSet<&str> = HashSet::new();
        let mut counts = vec![false; self.journal.len()];
        for (i, e) in self.journal.iter().enumerate().rev() {
            if undone.contains(e.uid.as_str()) {
                continue;
            }
            counts[i] = true;
            if let What::Undo { uid } = &e.what {
                undone.insert(uid);
            }
        }
        let mut catalysts: BTreeMap<String, CatalystRecord> = BTreeMap::new();
        let mut risks = BTreeMap::new();
        let mut pins: BTreeMap<String, Vec<Pin>> = BTreeMap::new();
        let mut lots: Vec<crate::core::portfolio::Held> = Vec::new();
        for e in self.journal.iter().zip(counts).filter(|(_, c)| *c).map(|(e, _)| e) {
            match &e.what {
                What::Catalyst { id, done } => {
                    let rec = catalysts.entry(id.clone()).or_default();
                    rec.done = *done;
                    rec.done_at = done.then_some(e.at);
                    rec.history.push(ToggleEvent {
                        done: *done,
                        at: e.at,
                        by: e.by.clone(),
                        note: e.note.clone(),
                    });
                }
                What::Note { id } => {
                    if let Some(last) = catalysts.get_mut(id).and_then(|r| r.history.last_mut()) {
                        last.note = e.note.clone();
                    }
                }
                What::Risk { id, level } => {
                    risks.insert(id.clone(), *level);
                }
                What::Pin { thesis, item, title } => {
                    let list = pins.entry(thesis.clone()).or_default();
                    if !list.iter().any(|p| &p.item == item) {
                        list.push(Pin {
                            item: item.clone(),
                            title: title.clone(),
                            at: e.at,
                            by: e.by.clone(),
                        });
                    }
                }
                What::Unpin { thesis, item } => {
                    if let Some(list) = pins.get_mut(thesis) {
                        list.retain(|p| &p.item != item);
                    }
                }
                What::Lot(lot) => {
                    lots.push(crate::core::portfolio::Held {
                        id: e.uid.clone(),
                        from_config: false,
                        lot: lot.clone(),
                    });
                }
                What::LotRemove { lot } => lots.retain(|l| &l.id != lot),
                What::Undo { .. } => {}
            }
        }
        pins.retain(|_, list| !list.is_empty());
        self.catalysts = catalysts;
        self.risks = risks;
        self.pins = pins;
        self.lots = lots;
    }

    /// Whether `item` is pinned to `thesis`.
    pub fn pinned(&self, thesis: &str, item: &str) -> bool {
        self.pins.get(thesis).is_some_and(|l| l.iter().any(|p| p.item == item))
    }

    /// The catalysts, pins and risks every headline `item` is pinned to.
    pub fn pins_of<'a>(&'a self, item: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.pins.iter().filter(move |(_, l)| l.iter().any(|p| p.item == item)).map(|(t, _)| t.as_str())
    }
}

/// The entry that sets the note on catalyst `id`'s last change (`text` blank clears it), or
/// `None` when the catalyst has no change to note.
pub fn note_entry(
    user: &UserState,
    uid: String,
    id: &str,
    text: &str,
    at: DateTime<Utc>,
    by: &str,
) -> Option<Entry> {
    user.catalysts.get(id)?.history.last()?;
    Some(Entry { uid, at, by: by.into(), what: What::Note { id: id.into() }, note: clean_note(text) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 12, min, 0).unwrap()
    }

    fn entry(uid: &str, min: u32, what: What) -> Entry {
        Entry { uid: uid.into(), at: at(min), by: "tui".into(), what, note: None }
    }

    fn catalyst(id: &str, done: bool) -> What {
        What::Catalyst { id: id.into(), done }
    }

    fn apply(user: &mut UserState, e: Entry) {
        user.apply(&Change::Journal(e));
    }

    #[test]
    fn the_state_is_derived_from_the_journal_and_undo_removes_an_entry() {
        let mut user = UserState::default();
        apply(&mut user, entry("a", 1, catalyst("amd", true)));
        apply(&mut user, entry("b", 2, What::Risk { id: "lpo".into(), level: RiskLevel::Elevated }));
        let mut noted = entry("c", 3, What::Note { id: "amd".into() });
        noted.note = Some("signed".into());
        apply(&mut user, noted);
        assert!(user.catalysts["amd"].done);
        assert_eq!(user.catalysts["amd"].done_at, Some(at(1)));
        assert_eq!(user.catalysts["amd"].history[0].note.as_deref(), Some("signed"));
        assert_eq!(user.risks["lpo"], RiskLevel::Elevated);

        // Undoing the note brings back the note-less change; undoing the toggle the open state.
        apply(&mut user, entry("d", 4, What::Undo { uid: "c".into() }));
        assert_eq!(user.catalysts["amd"].history[0].note, None);
        apply(&mut user, entry("e", 5, What::Undo { uid: "a".into() }));
        assert!(!user.catalysts.contains_key("amd"));
        // An undo undone: the toggle counts again.
        apply(&mut user, entry("f", 6, What::Undo { uid: "e".into() }));
        assert!(user.catalysts["amd"].done);
        assert_eq!(user.journal.len(), 6, "nothing is removed from the journal");
    }

    #[test]
    fn applying_twice_changes_nothing() {
        let mut user = UserState::default();
        let alert = Alert { key: "k".into(), text: "t".into(), at: at(0), ticker: None, thesis: None };
        let changes = [
            Change::Journal(entry("a", 1, catalyst("amd", true))),
            Change::Read { item: "n1".into(), at: at(1) },
            Change::Seen { key: "c:amd".into(), at: at(2) },
            Change::Fired(alert),
            Change::Side { key: "AAOI|above|40".into(), beyond: true },
        ];
        for c in &changes {
            user.apply(c);
        }
        let once = user.clone();
        for c in &changes {
            user.apply(c);
        }
        assert_eq!(user, once);
        // An older look never moves the mark back.
        user.apply(&Change::Seen { key: "c:amd".into(), at: at(0) });
        assert_eq!(user.evidence_seen["c:amd"], at(2));
        user.apply(&Change::Acked { keys: vec!["k".into()], at: at(3) });
        assert!(user.alerts.is_empty() && user.alert_keys.contains("k"));
    }

    #[test]
    fn pins_follow_pin_unpin_and_undo() {
        let mut user = UserState::default();
        let pin = |uid: &str, item: &str| {
            entry(uid, 1, What::Pin { thesis: "c:amd".into(), item: item.into(), title: format!("t {item}") })
        };
        apply(&mut user, pin("a", "n1"));
        apply(&mut user, pin("b", "n2"));
        apply(&mut user, pin("c", "n1")); // pinned twice: listed once
        assert_eq!(user.pins["c:amd"].len(), 2);
        assert!(user.pinned("c:amd", "n1"));
        assert_eq!(user.pins_of("n2").collect::<Vec<_>>(), ["c:amd"]);
        apply(&mut user, entry("d", 2, What::Unpin { thesis: "c:amd".into(), item: "n1".into() }));
        assert!(!user.pinned("c:amd", "n1"));
        apply(&mut user, entry("e", 3, What::Undo { uid: "d".into() }));
        assert!(user.pinned("c:amd", "n1"));
        apply(&mut user, entry("f", 4, What::Unpin { thesis: "c:amd".into(), item: "n2".into() }));
        apply(&mut user, entry("g", 5, What::Unpin { thesis: "c:amd".into(), item: "n1".into() }));
        assert!(user.pins.is_empty());
    }

    #[test]
    fn a_note_needs_a_change_to_go_on() {
        let mut user = UserState::default();
        assert!(note_entry(&user, "n".into(), "amd", "x", at(0), "cli").is_none());
        apply(&mut user, entry("a", 1, catalyst("amd", true)));
        let e = note_entry(&user, "n".into(), "amd", "  \u{1b}[31mred\u{1b}[0m  ", at(2), "cli").unwrap();
        assert_eq!(e.note.as_deref(), Some("red"));
        assert_eq!(note_entry(&user, "n".into(), "amd", "   ", at(2), "cli").unwrap().note, None);
    }
}
