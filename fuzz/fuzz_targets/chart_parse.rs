//! Quote parsers: Yahoo chart JSON and Stooq CSV parse or error; a parsed quote has a finite,
//! positive price and no NaN in its series.
#![no_main]

use chokepoint::providers::{stooq, yahoo};
use chokepoint_fuzz::{assert_quote, now, spec};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(q) = yahoo::parse_chart(data, &spec(), "yahoo", now()) {
        assert_quote(&q);
    }
    if let Ok(q) = stooq::parse_quote(data, &spec(), now()) {
        assert_quote(&q);
    }
});
