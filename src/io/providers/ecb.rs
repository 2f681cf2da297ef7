//! The European Central Bank's daily euro reference rates: keyless XML, one working day's rates
//! of about thirty currencies against the euro, set around 16:00 CET. The second FX source after
//! Yahoo's `SEKUSD=X` pairs: a rate between two other currencies is crossed through the euro.

use super::http::Http;
use super::quotes::Failure;
use crate::domain::SourceError;
use crate::portfolio::FxRate;
use chrono::{NaiveDate, TimeZone, Utc};
use quick_xml::events::Event;
use std::collections::BTreeMap;

/// Where the daily rates are published (`[portfolio] ecb_url` points elsewhere).
pub use crate::core::settings::ECB_URL as DEFAULT_URL;

/// Most currencies read from one answer (the ECB publishes about thirty).
const CURRENCIES_MAX: usize = 100;

/// One day's rates: units of each currency per euro (the euro itself is 1).
#[derive(Debug, Clone, PartialEq)]
pub struct Rates {
    pub day: NaiveDate,
    pub per_euro: BTreeMap<String, f64>,
}

impl Rates {
    /// One unit of `currency` in `base`, through the euro; None if either is not published.
    pub fn rate(&self, currency: &str, base: &str) -> Option<FxRate> {
        let (from, to) = (self.per_euro.get(currency)?, self.per_euro.get(base)?);
        // Set at 16:00 Frankfurt time (14:00 or 15:00 UTC); 15:00 UTC is near enough to date it.
        let as_of = Utc.from_utc_datetime(&self.day.and_hms_opt(15, 0, 0)?);
        Some(FxRate {
            currency: currency.into(),
            base: base.into(),
            rate: to / from,
            as_of,
            source: "ecb".into(),
        })
    }
}

/// Reads the `<Cube time="…"><Cube currency="…" rate="…"/>…</Cube>` of the daily file (the
/// envelope around it ignored); linear in the input, bounded in what it keeps.
pub fn parse(body: &[u8]) -> Result<Rates, String> {
    let mut reader = quick_xml::Reader::from_reader(body);
    let mut day = None;
    let mut per_euro = BTreeMap::from([("EUR".to_string(), 1.0)]);
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == "Cube" => {
                let (mut time, mut currency, mut rate) = (None, None, None);
                for a in e.attributes().flatten() {
                    let value = a.value.to_string();
                    match a.key.local_name().as_ref() {
                        "time" => time = Some(value),
                        "currency" => currency = Some(value),
                        "rate" => rate = Some(value),
                        _ => {}
                    }
                }
                if let Some(t) = time {
                    day = NaiveDate::parse_from_str(t.trim(), "%Y-%m-%d").ok();
                }
                if let (Some(c), Some(r)) = (currency, rate) {
                    let c = c.trim().to_ascii_uppercase();
                    let r: f64 = r.trim().parse().map_err(|_| format!("ecb: rate of {c} is not a number"))?;
                    let code = c.len() == 3 && c.chars().all(|x| x.is_ascii_alphabetic());
                    if code && r.is_finite() && r > 0.0 && per_euro.len() < CURRENCIES_MAX {
                        per_euro.insert(c, r);
                    }
                }
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => return Err(format!("ecb: not the daily rates file ({e})")),
        }
        buf.clear();
    }
    let day = day.ok_or("ecb: no day's rates in the answer")?;
    if per_euro.len() < 2 {
        return Err("ecb: no rates in the answer".into());
    }
    Ok(Rates { day, per_euro })
}

/// The day's rates, from `url`.
pub async fn fetch(http: &Http, url: &str) -> Result<Rates, Failure> {
    let body = http.get(url).await?;
    parse(&body.bytes).map_err(|e| SourceError::parse(e).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAILY: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
	<gesmes:subject>Reference rates</gesmes:subject>
	<gesmes:Sender><gesmes:name>European Central Bank</gesmes:name></gesmes:Sender>
	<Cube>
		<Cube time='2026-12-02'>
			<Cube currency='USD' rate='1.0550'/>
			<Cube currency='SEK' rate='11.0800'/>
			<Cube currency='TWD' rate='34.120'/>
		</Cube>
	</Cube>
</gesmes:Envelope>"#;

    #[test]
    fn a_rate_is_crossed_through_the_euro() {
        let r = parse(DAILY.as_bytes()).unwrap();
        assert_eq!(r.day, NaiveDate::from_ymd_opt(2026, 12, 2).unwrap());
        let sek = r.rate("SEK", "USD").unwrap();
        assert!((sek.rate - 1.055 / 11.08).abs() < 1e-12, "{sek:?}");
        assert_eq!(
            (sek.source.as_str(), sek.as_of.to_rfc3339().as_str()),
            ("ecb", "2026-12-02T15:00:00+00:00")
        );
        assert!((r.rate("EUR", "USD").unwrap().rate - 1.055).abs() < 1e-12);
        assert!((r.rate("USD", "EUR").unwrap().rate - 1.0 / 1.055).abs() < 1e-12);
        assert_eq!(r.rate("XYZ", "USD"), None);
    }

    #[test]
    fn what_is_not_the_daily_file_is_refused() {
        assert!(parse(b"<html><body>maintenance</body></html>").is_err());
        assert!(parse(b"").is_err());
        assert!(
            parse(b"<Cube><Cube time='2026-12-02'><Cube currency='USD' rate='abc'/></Cube></Cube>").is_err()
        );
        // Bad codes and rates are dropped, not kept.
        let r = parse(b"<Cube><Cube time='2026-12-02'><Cube currency='US D' rate='1'/><Cube currency='SEK' rate='-1'/><Cube currency='USD' rate='1.05'/></Cube></Cube>").unwrap();
        assert_eq!(r.per_euro.keys().collect::<Vec<_>>(), ["EUR", "USD"]);
    }
}
