//! The TUI application: the event loop, carrying out effects, and the terminal.

pub mod executor;
pub mod runtime;
pub mod terminal;
pub mod worker;
