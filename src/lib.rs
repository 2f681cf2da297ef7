//! chokepoint: a terminal dashboard for the CW-laser / co-packaged-optics supply-chain thesis.
//!
//! Dependencies point one way: `app` and `cli` use `ui`, `io` and `config`, which use `core`;
//! `core` uses nothing of the others. The modules below are also re-exported at the crate root
//! under their short names (`chokepoint::state`, `chokepoint::providers`, ...).

pub mod app;
pub mod cli;
pub mod config;
pub mod core;
pub mod io;
pub mod panics;
pub mod ui;

pub use crate::app::runtime;
pub use crate::cli::report;
pub use crate::config::keymap;
pub use crate::core::{
    action, alerts, calendar, chart, domain, effect, evidence, filter, history, hours, journal, portfolio,
    sanitize, settings, state, tagging, update,
};
pub use crate::io::{cache, db, paths, providers, store};
