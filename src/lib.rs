//! chokepoint: a terminal dashboard for the CW-laser / co-packaged-optics supply-chain thesis.

pub mod action;
pub mod alerts;
pub mod cache;
pub mod cli;
pub mod config;
pub mod domain;
pub mod effect;
pub mod evidence;
pub mod filter;
pub mod history;
pub mod hours;
pub mod keymap;
pub mod panics;
pub mod paths;
pub mod providers;
pub mod report;
pub mod runtime;
pub mod sanitize;
pub mod state;
pub mod store;
pub mod tagging;
pub mod ui;
pub mod update;
