//! The pure core stays pure: nothing under `src/core/` names the other layers (`io`, `app`, `ui`,
//! `cli`, `config`, or their old root aliases) or the I/O and terminal crates (tokio, reqwest,
//! crossterm, ratatui). Reads every code line (comments skipped) of every file there.

use std::path::{Path, PathBuf};

const LAYERS: [&str; 13] = [
    "io",
    "app",
    "ui",
    "cli",
    "config",
    "providers",
    "runtime",
    "store",
    "cache",
    "paths",
    "report",
    "keymap",
    "panics",
];
const CRATES: [&str; 4] = ["tokio", "reqwest", "crossterm", "ratatui"];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Whether `line` uses `name` as the first segment of a path (`name::`), not inside a longer word.
fn names(line: &str, name: &str) -> bool {
    line.match_indices(&format!("{name}::")).any(|(at, _)| {
        let before = line[..at].chars().next_back();
        !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}

#[test]
fn the_core_imports_no_other_layer_and_no_io_or_terminal_crate() {
    let mut files = Vec::new();
    rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src/core"), &mut files);
    assert!(files.len() >= 15, "{files:?}");
    let mut found = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            for layer in LAYERS {
                if code.contains(&format!("crate::{layer}::")) || code.contains(&format!("crate::{layer};")) {
                    found.push(format!("{}:{}: {}", file.display(), n + 1, code));
                }
            }
            for krate in CRATES {
                if names(code, krate) || code.contains(&format!("extern crate {krate}")) {
                    found.push(format!("{}:{}: {}", file.display(), n + 1, code));
                }
            }
        }
    }
    assert!(found.is_empty(), "the core reaches outside itself:\n{}", found.join("\n"));
}

#[test]
fn the_check_itself_sees_a_violation() {
    assert!(names("use crossterm::event::KeyCode;", "crossterm"));
    assert!(names("    let x = tokio::spawn(f);", "tokio"));
    assert!(!names("use my_crossterm::x;", "crossterm"));
}
