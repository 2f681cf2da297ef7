//! State loader: `state.json` bytes either load (and then equal what serde reads, and survive a
//! JSON round trip) or are reported as an error by `store::peek`; never a panic.
#![no_main]

use chokepoint::domain::UserState;
use chokepoint::store;
use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::OnceLock;

/// One scratch file per fuzzing process.
fn scratch() -> &'static PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("chokepoint-fuzz-state-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir.join("state.json")
    })
}

fuzz_target!(|data: &[u8]| {
    let parsed = serde_json::from_slice::<UserState>(data);
    let path = scratch();
    std::fs::write(path, data).unwrap();
    let peeked = store::peek(path);
    match parsed {
        Ok(state) if state.version <= UserState::VERSION => {
            let peeked = peeked.expect("peek rejected state that serde reads");
            assert_eq!(peeked, state);
            let bytes = serde_json::to_vec_pretty(&state).unwrap();
            let again: UserState = serde_json::from_slice(&bytes).expect("saved state does not reload");
            assert_eq!(again, state);
        }
        _ => assert!(peeked.is_err(), "peek accepted bytes serde rejects (or a newer version)"),
    }
});
