//! The pure core: domain types, the one `State`, `Action`s and `Effect`s, and
//! `update(&mut State, Action) -> Vec<Effect>`, with what it needs (news history, tagging,
//! evidence, the filter language, market hours, the alert engine, text sanitizing). No I/O: it
//! imports nothing from `io`, `app`, `ui`, `cli` or `config`, and nothing of tokio, reqwest,
//! crossterm or ratatui (`tests/structure.rs` checks).

pub mod action;
pub mod alerts;
pub mod calendar;
pub mod chart;
pub mod domain;
pub mod effect;
pub mod evidence;
pub mod filter;
pub mod history;
pub mod hours;
pub mod journal;
pub mod keys;
pub mod portfolio;
pub mod sanitize;
pub mod settings;
pub mod state;
pub mod tagging;
pub mod update;
