#!/usr/bin/env python3
"""Writes the demo's one-year daily charts (made up): Yahoo v8 chart JSON as
`GET /v8/finance/chart/{symbol}?range=1y&interval=1d` answers, one bar per weekday from
2025-11-21 to 2026-11-20 (the recorded quotes' day) except the exchange's fixed holidays, each a
seeded random walk ending at the recorded quote's close. Run from this folder; deterministic.

The demo's catalyst hits (`src/io/providers/demo.rs`, HITS) are so many trading days before the
last bar; the names they move react on that bar and the four after it (REACTIONS)."""
import json, math, random, datetime as dt

# symbol, currency, exchange code, full name, UTC hour of the open (standard time), last close,
# daily volatility, seed, holidays (MM-DD, plus the year's moving ones below)
TICKERS = [
    ("SIVE.ST", "SEK", "STO", "Stockholm", 8, 8.31, 0.035, 11),
    ("AAOI", "USD", "NGM", "NasdaqGM", 14, 30.05, 0.045, 12),
    ("LITE", "USD", "NMS", "NasdaqGS", 14, 134.92, 0.03, 13),
    ("COHR", "USD", "NYQ", "NYSE", 14, 101.62, 0.028, 14),
    ("MTSI", "USD", "NMS", "NasdaqGS", 14, 132.05, 0.025, 15),
    ("SOXX", "USD", "NMS", "NasdaqGS", 14, 236.40, 0.018, 16),
]
US_HOLIDAYS = {"2025-11-27", "2025-12-25", "2026-01-01", "2026-01-19", "2026-02-16", "2026-04-03",
               "2026-05-25", "2026-06-19", "2026-07-03", "2026-09-07"}
STO_HOLIDAYS = {"2025-12-24", "2025-12-25", "2025-12-26", "2025-12-31", "2026-01-01", "2026-01-06",
                "2026-04-03", "2026-04-06", "2026-05-01", "2026-05-14", "2026-06-19"}
FIRST, LAST = dt.date(2025, 11, 21), dt.date(2026, 11, 20)
# symbol: (bars before the last one the hit lands on, daily returns from that bar on)
REACTIONS = {
    "AAOI": (40, [0.112, 0.021, -0.008, 0.017, 0.026]),      # aaoi-env-review
    "SIVE.ST": (100, [0.163, 0.034, -0.021, 0.012, 0.009]),  # sivers-position
    "SOXX": (40, [0.004, -0.003, 0.006, 0.001, 0.002]),      # the benchmark, barely moved
}

def days(holidays):
    d = FIRST
    while d <= LAST:
        if d.weekday() < 5 and d.isoformat() not in holidays:
            yield d
        d += dt.timedelta(days=1)

def f32(x):
    # Yahoo's arrays carry float32 noise.
    import struct
    return struct.unpack("f", struct.pack("f", x))[0]

for sym, cur, code, name, hour, last, vol, seed in TICKERS:
    rng = random.Random(seed)
    dates = list(days(STO_HOLIDAYS if code == "STO" else US_HOLIDAYS))
    # Walk backwards from the last close.
    closes = [last]
    hit, moves = REACTIONS.get(sym, (None, []))
    for back in range(len(dates) - 1):
        r = rng.gauss(0.0008, vol)
        if hit is not None and 0 <= hit - back < len(moves):
            r = math.log(1 + moves[hit - back])
        closes.append(closes[-1] / math.exp(r))
    closes.reverse()
    ts, o, h, l, c, v = [], [], [], [], [], []
    for d, close in zip(dates, closes):
        summer = dt.date(d.year, 3, 29) <= d < dt.date(d.year, 10, 25) if code == "STO" else \
            dt.date(d.year, 3, 8) <= d < dt.date(d.year, 11, 1)
        at = dt.datetime(d.year, d.month, d.day, hour - (1 if summer else 0), 30 if code != "STO" else 0,
                         tzinfo=dt.timezone.utc)
        ts.append(int(at.timestamp()))
        open_ = close * math.exp(rng.gauss(0, vol / 3))
        c.append(f32(round(close, 2)))
        o.append(f32(round(open_, 2)))
        h.append(f32(round(max(open_, close) * (1 + abs(rng.gauss(0, vol / 2))), 2)))
        l.append(f32(round(min(open_, close) * (1 - abs(rng.gauss(0, vol / 2))), 2)))
        v.append(int(rng.lognormvariate(13 if code == "STO" else 14, 0.5)))
    meta = {"currency": cur, "symbol": sym, "exchangeName": code, "fullExchangeName": name,
            "instrumentType": "ETF" if sym == "SOXX" else "EQUITY", "regularMarketPrice": last,
            "fiftyTwoWeekHigh": round(max(h), 2), "fiftyTwoWeekLow": round(min(l), 2),
            "chartPreviousClose": round(closes[0] * 0.98, 2), "dataGranularity": "1d", "range": "1y"}
    body = {"chart": {"result": [{"meta": meta, "timestamp": ts,
                                  "indicators": {"quote": [{"open": o, "high": h, "low": l, "close": c, "volume": v}],
                                                 "adjclose": [{"adjclose": c}]}}], "error": None}}
    with open(f"{sym}-1y.json", "w") as out:
        json.dump(body, out, separators=(",", ":"))
    print(sym, len(ts), "bars", round(min(c), 2), "-", round(max(c), 2))
