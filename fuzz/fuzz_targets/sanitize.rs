//! Sanitizer: output never holds controls, escapes, bidi or zero-width characters; cleaning
//! output without markup left is a no-op; capping respects the cap. Input: cap byte + text.
#![no_main]

use chokepoint::sanitize;
use chokepoint_fuzz::assert_safe;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&cap, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let clean = sanitize::clean(text);
    assert_safe("clean", &clean);
    assert_safe("clean_url", &sanitize::clean_url(text));
    for line in sanitize::clean_multiline(text).split('\n') {
        assert_safe("clean_multiline", line);
    }
    // Entities decode once by design (`&amp;amp;` -> `&amp;`), so only output without `&`/`<`
    // must be a fixed point.
    if !clean.contains(['&', '<']) {
        assert_eq!(sanitize::clean(&clean), clean, "clean is not idempotent on {text:?}");
    }
    let cap = usize::from(cap);
    let capped = sanitize::clean_capped(text, cap);
    assert!(capped.chars().count() <= cap + 1, "{capped:?} longer than {cap} + 1");
    assert_safe("clean_capped", &capped);
});
