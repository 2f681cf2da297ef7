//! Criterion benches for the pure core: one frame, a filter keystroke, feed parsing, a refresh
//! merged into a full history, and the cache write. Run with `cargo bench --bench core`;
//! `scripts/bench` turns the results into the README's table.

mod support;

use chokepoint::action::{Action, Pane};
use chokepoint::domain::UserState;
use chokepoint::history::History;
use chokepoint::providers::feed;
use chokepoint::state::State;
use chokepoint::update::update;
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use ratatui::{Terminal, backend::TestBackend};
use std::hint::black_box;
use tui_input::InputRequest;

/// A state holding `n` news items restored from a cache, sized `w`x`h`, as the TUI starts.
fn loaded_state(n: usize, w: u16, h: u16) -> State {
    let config = support::config(n.max(100));
    let mut state = State::new(&config, UserState::default(), support::now(), false);
    update(&mut state, Action::Restore(support::cache(&config, n)));
    update(&mut state, Action::Resize(w, h));
    update(&mut state, Action::Focus(Pane::News));
    assert_eq!(state.news().len(), n, "history holds every generated item");
    state
}

fn terminal(w: u16, h: u16) -> Terminal<TestBackend> {
    match Terminal::new(TestBackend::new(w, h)) {
        Ok(t) => t,
        Err(e) => panic!("test backend: {e}"),
    }
}

fn draw(term: &mut Terminal<TestBackend>, state: &State) {
    if let Err(e) = term.draw(|f| chokepoint::ui::render(state, f)) {
        panic!("draw: {e}");
    }
}

fn render(c: &mut Criterion) {
    let mut g = c.benchmark_group("render");
    for (w, h) in [(200u16, 60u16), (120, 40)] {
        let state = loaded_state(10_000, w, h);
        let mut term = terminal(w, h);
        g.bench_function(format!("frame_{w}x{h}_10k"), |b| b.iter(|| draw(&mut term, black_box(&state))));
    }
    // Scrolled deep into the list: only the visible rows may cost anything.
    let mut state = loaded_state(10_000, 200, 60);
    update(&mut state, Action::Bottom);
    let mut term = terminal(200, 60);
    g.bench_function("frame_200x60_10k_bottom", |b| b.iter(|| draw(&mut term, black_box(&state))));
    g.finish();
}

/// One keystroke in the filter (type a character, then take it back) and the frame after it.
fn filter(c: &mut Criterion) {
    let mut g = c.benchmark_group("filter");
    for (name, prefix) in [("word", "optic"), ("empty", ""), ("tag", "c:cpo las")] {
        let mut state = loaded_state(10_000, 200, 60);
        update(&mut state, Action::FilterStart);
        for ch in prefix.chars() {
            update(&mut state, Action::FilterEdit(InputRequest::InsertChar(ch)));
        }
        let mut term = terminal(200, 60);
        g.bench_function(format!("keystroke_and_frame_10k_{name}"), |b| {
            b.iter_custom(|iters| {
                let start = std::time::Instant::now();
                for i in 0..iters {
                    let req =
                        if i % 2 == 0 { InputRequest::InsertChar('s') } else { InputRequest::DeletePrevChar };
                    update(&mut state, Action::FilterEdit(req));
                    draw(&mut term, &state);
                }
                if iters % 2 == 1 {
                    update(&mut state, Action::FilterEdit(InputRequest::DeletePrevChar));
                }
                start.elapsed()
            })
        });
    }
    g.finish();
}

fn parse(c: &mut Criterion) {
    let mut g = c.benchmark_group("parse");
    g.sample_size(20);
    let fixtures: [(&str, &[u8]); 3] = [
        ("cloudblog_rss", include_bytes!("../tests/fixtures/real-world/rsparser-cloudblog.rss")),
        ("dcrainmaker_rss", include_bytes!("../tests/fixtures/real-world/rsparser-dcrainmaker.xml")),
        ("4fsodonline_atom", include_bytes!("../tests/fixtures/real-world/rsparser-4fsodonline.atom")),
    ];
    for (name, bytes) in fixtures {
        let big = support::inflated_fixture(bytes, 5 << 20);
        assert!(feed::parse_feed(&big, name, None).is_ok_and(|items| !items.is_empty()), "{name} parses");
        g.throughput(Throughput::Bytes(big.len() as u64));
        g.bench_function(format!("{name}_5MB"), |b| b.iter(|| feed::parse_feed(black_box(&big), name, None)));
    }
    let generated = support::generated_feed(10_000, 7);
    g.throughput(Throughput::Bytes(generated.len() as u64));
    g.bench_function("generated_10k_items", |b| {
        b.iter(|| feed::parse_feed(black_box(&generated), "g", None))
    });
    g.finish();
}

/// A refresh bringing 100 items (half of them new) into a full 5,000-item history, and the cache
/// write it triggers.
fn refresh(c: &mut Criterion) {
    let mut g = c.benchmark_group("refresh");
    let config = support::config(5_000);
    let history = History::from_items(support::items(&config, 5_000, 1));
    let mut fresh = support::items(&config, 50, 99);
    fresh.extend(history[..50].iter().cloned());
    g.bench_function("merge_100_into_5000", |b| {
        b.iter_batched(
            || (history.clone(), fresh.clone()),
            |(mut h, new)| h.merge(new, 5_000),
            BatchSize::LargeInput,
        )
    });
    let cache = support::cache(&config, 5_000);
    g.bench_function("cache_serialize_5000", |b| b.iter(|| serde_json::to_vec(black_box(&cache))));
    g.finish();
}

/// Five years of daily bars (1,260) for AAOI, as the store hands them back, ending now.
fn five_years() -> chokepoint::chart::Series {
    let bars = (0..1_260)
        .map(|i| {
            let close = 20.0 + 10.0 * ((i as f64) / 37.0).sin() + i as f64 / 100.0;
            chokepoint::chart::Bar {
                t: support::now() - chrono::TimeDelta::days(((1_260 - i) * 7 / 5) as i64),
                close,
                open: Some(close - 0.2),
                high: Some(close + 0.5),
                low: Some(close - 0.5),
                volume: Some(1_000_000 + (i as u64 * 7_919) % 500_000),
            }
        })
        .collect();
    chokepoint::chart::Series {
        symbol: "AAOI".into(),
        span: chokepoint::chart::Span::Y5,
        interval: "1d".into(),
        currency: "USD".into(),
        bars,
        fetched_at: support::now(),
        source: "yahoo".into(),
        year_range: Some((10.0, 40.0)),
    }
}

/// The ticker detail view with five years of daily bars cached: Enter, the store's answer, the
/// first frame (200x60); and one more frame of it.
fn detail(c: &mut Criterion) {
    let mut g = c.benchmark_group("detail");
    let series = five_years();
    let opened = |state: &mut State| {
        // Every ticker's and the benchmark's since-start bars are in (the relative strength
        // columns and the detail view's line).
        let symbols: Vec<String> =
            state.tickers().iter().chain(state.benchmark()).map(|t| t.symbol.clone()).collect();
        for symbol in symbols {
            let mut since = series.clone();
            since.symbol = symbol.clone();
            since.span = chokepoint::chart::Span::Thesis;
            let since = Some(Box::new(since));
            update(
                state,
                Action::SeriesStored { symbol, span: chokepoint::chart::Span::Thesis, series: since },
            );
        }
        update(state, Action::Focus(Pane::Tickers));
        update(state, Action::Move(1));
        update(state, Action::OpenLink);
        update(state, Action::DetailRange(1)); // 1Y -> 5Y: the store is asked
    };
    let mut term = terminal(200, 60);
    g.bench_function("open_first_frame_5y", |b| {
        b.iter_batched(
            || {
                let mut s = loaded_state(5_000, 200, 60);
                opened(&mut s);
                s
            },
            |mut s| {
                let fx = update(
                    &mut s,
                    Action::SeriesStored {
                        symbol: "AAOI".into(),
                        span: chokepoint::chart::Span::Y5,
                        series: Some(Box::new(series.clone())),
                    },
                );
                assert!(
                    !fx.iter().any(|e| matches!(e, chokepoint::effect::Effect::FetchSeries { .. })),
                    "fresh: no request"
                );
                draw(&mut term, &s);
                s
            },
            BatchSize::LargeInput,
        )
    });
    let mut s = loaded_state(5_000, 200, 60);
    opened(&mut s);
    update(
        &mut s,
        Action::SeriesStored {
            symbol: "AAOI".into(),
            span: chokepoint::chart::Span::Y5,
            series: Some(Box::new(series)),
        },
    );
    g.bench_function("frame_200x60_5y", |b| b.iter(|| draw(&mut term, black_box(&s))));
    g.finish();
}

criterion_group!(benches, render, filter, parse, refresh, detail);
criterion_main!(benches);
