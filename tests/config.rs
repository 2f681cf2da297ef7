//! Config: the embedded example is valid and complete; errors carry path:line:col; key overrides apply.

use chokepoint::config::{self, ConfigError};
use chokepoint::keymap::{Command, Key};

fn errors(text: &str) -> Vec<ConfigError> {
    match config::parse(text, "test.toml") {
        Ok(_) => panic!("expected errors for:\n{text}"),
        Err(e) => e,
    }
}

const MIN: &str = "[[tickers]]\nsymbol = \"AAOI\"\n";

#[test]
fn example_holds_the_whole_thesis() {
    let c = config::embedded().expect("example config parses");
    let syms: Vec<&str> = c.tickers.iter().map(|t| t.symbol.as_str()).collect();
    assert_eq!(syms, ["SIVE", "AAOI", "LITE", "COHR", "MTSI"]);
    let sive = &c.tickers[0];
    assert_eq!((sive.provider(), sive.currency.as_str()), ("SIVE.ST", "SEK"));
    assert_eq!(c.tickers[1].provider(), "AAOI");
    assert_eq!(c.catalysts.len(), 7);
    assert_eq!(c.risks.len(), 6);
    for item in c.catalysts.iter().chain(&c.risks) {
        assert!(!item.title.is_empty() && !item.why.is_empty() && !item.keywords.is_empty(), "{item:?}");
    }
    assert!(c.catalysts.iter().any(|c| c.id == "amd-lta"));
    assert!(c.risks.iter().any(|r| r.id == "lpo"));
    assert!(c.feeds.len() >= 10);
    assert!(c.feeds.iter().any(|f| f.url.contains("news.google.com/rss/search")));
    assert!(c.feeds.iter().any(|f| f.url.contains("finance.yahoo.com")));
    assert_eq!(c.quotes_every.as_secs(), 60);
    assert_eq!(c.news_every.as_secs(), 300);
    assert_eq!(c.history_cap, 5000);
    // the example's [keys] override: r and F5 refresh
    assert_eq!(
        c.keymap.keys_for(Command::Refresh),
        vec![Key::parse("r").unwrap(), Key::parse("f5").unwrap()]
    );
}

#[test]
fn minimal_config_gets_defaults() {
    let c = config::parse(MIN, "m.toml").unwrap();
    assert_eq!(c.tickers.len(), 1);
    assert_eq!(c.quotes_every.as_secs(), 60);
    let sources: Vec<(&str, &str)> =
        c.quote_sources.iter().map(|s| (s.name.as_str(), s.base_url.as_str())).collect();
    assert_eq!(
        sources,
        [("yahoo", "https://query1.finance.yahoo.com"), ("nasdaq", "https://api.nasdaq.com")]
    );
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
}

#[test]
fn unknown_key_is_located() {
    let e = errors("[refresh]\nquotes_secs = 60\nbogus = 1\n[[tickers]]\nsymbol = \"A\"\n");
    assert_eq!(e.len(), 1);
    assert_eq!((e[0].line, e[0].col), (3, 1), "{}", e[0]);
    assert!(e[0].message.contains("bogus"), "{}", e[0].message);
    assert!(e[0].to_string().starts_with("test.toml:3:1: "), "{}", e[0]);
}

#[test]
fn unknown_key_in_array_table_is_located() {
    let e = errors("[[tickers]]\nsymbol = \"A\"\nsymbl = \"B\"\n");
    assert_eq!(e[0].line, 3, "{}", e[0]);
    assert!(e[0].message.contains("symbl"));
}

#[test]
fn syntax_error_is_located() {
    let e = errors("[[tickers]]\nsymbol = \"A\n");
    assert_eq!(e[0].line, 2, "{}", e[0]);
}

#[test]
fn wrong_type_is_located() {
    let e = errors("[refresh]\nnews_secs = \"five\"\n[[tickers]]\nsymbol = \"A\"\n");
    assert_eq!((e[0].line, e[0].col), (2, 13), "{}", e[0]);
}

#[test]
fn semantic_errors_are_all_reported_with_positions() {
    let text = "[refresh]\nquotes_secs = 0\n[quotes]\nsource = \"bloomberg\"\n\
        [[tickers]]\nsymbol = \"A\"\n[[tickers]]\nsymbol = \"A\"\n\
        [[catalysts]]\nid = \"x\"\ntitle = \"X\"\n[[catalysts]]\nid = \"x\"\ntitle = \"Y\"\n\
        [[risks]]\nid = \"bad id\"\ntitle = \"R\"\n\
        [[feeds]]\nname = \"f\"\nurl = \"ftp://example.com/feed\"\n\
        [keys]\nfly = \"z\"\nquit = \"ctrl-nope\"\n";
    let e = errors(text);
    let lines: Vec<String> = e.iter().map(ToString::to_string).collect();
    let has = |line: usize, needle: &str| e.iter().any(|e| e.line == line && e.message.contains(needle));
    assert!(has(2, "quotes_secs"), "{lines:#?}");
    assert!(has(4, "bloomberg"), "{lines:#?}");
    assert!(has(8, "duplicate ticker"), "{lines:#?}");
    assert!(has(13, "duplicate catalyst id"), "{lines:#?}");
    assert!(has(16, "risk id"), "{lines:#?}");
    assert!(has(20, "url"), "{lines:#?}");
    assert!(has(22, "unknown action `fly`"), "{lines:#?}");
    assert!(has(23, "unknown key"), "{lines:#?}");
}

#[test]
fn missing_required_field_is_reported() {
    let e = errors("[[tickers]]\nsymbol = \"A\"\n[[catalysts]]\nid = \"x\"\n");
    assert!(e[0].message.contains("title"), "{}", e[0]);
    assert_eq!(e[0].line, 3, "the [[catalysts]] table missing it: {}", e[0]);
}

#[test]
fn no_tickers_is_an_error() {
    let e = errors("[refresh]\nquotes_secs = 60\n");
    assert!(e[0].message.contains("tickers"));
}

#[test]
fn key_overrides_move_keys_between_actions() {
    let c = config::parse(&format!("{MIN}[keys]\nquit = \"Q\"\nrefresh = [\"q\", \"ctrl-r\"]\n"), "k.toml")
        .unwrap();
    assert_eq!(c.keymap.keys_for(Command::Quit), vec![Key::parse("Q").unwrap()]);
    assert_eq!(c.keymap.keys_for(Command::Refresh).len(), 2);
    assert!(c.keymap.keys_for(Command::Refresh).contains(&Key::parse("q").unwrap()));
}

#[test]
fn load_prefers_explicit_then_default_then_embedded() {
    let dir = tempfile::tempdir().unwrap();
    let default = dir.path().join("config.toml");
    let (c, origin) = config::load(None, Some(&default)).unwrap();
    assert_eq!(origin, config::Origin::Embedded);
    assert_eq!(c.tickers.len(), 5);
    std::fs::write(&default, MIN).unwrap();
    let (c, origin) = config::load(None, Some(&default)).unwrap();
    assert_eq!(origin, config::Origin::File(default.clone()));
    assert_eq!(c.tickers.len(), 1);
    let missing = dir.path().join("nope.toml");
    let e = config::load(Some(&missing), Some(&default)).unwrap_err();
    assert!(e[0].to_string().contains("nope.toml:1:1: cannot read"), "{}", e[0]);
}

#[test]
fn a_config_over_1_mib_is_refused_without_reading_it_all() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.toml");
    let mut text = String::from(MIN);
    while text.len() <= config::MAX_CONFIG_BYTES {
        text.push_str("# padding padding padding padding padding padding padding padding\n");
    }
    std::fs::write(&big, &text).unwrap();
    let e = config::load(Some(&big), None).unwrap_err();
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(e[0].to_string().contains("big.toml:1:1: larger than 1 MiB"), "{}", e[0]);
    // An endless file: bounded, so this returns (today it reads until memory runs out).
    let e = config::load(Some(std::path::Path::new("/dev/zero")), None).unwrap_err();
    assert!(e[0].message.contains("larger than 1 MiB"), "{}", e[0]);
}

#[test]
fn invalid_utf8_is_reported_at_its_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latin1.toml");
    let mut bytes = MIN.as_bytes().to_vec();
    bytes.extend_from_slice(b"[[catalysts]]\nid = \"x\"\ntitle = \"Caf\xe9 au lait\"\n");
    std::fs::write(&path, bytes).unwrap();
    let e = config::load(Some(&path), None).unwrap_err();
    assert_eq!((e[0].line, e[0].col), (5, 13), "{}", e[0]);
    assert!(e[0].message.contains("UTF-8"), "{}", e[0]);
}

#[test]
fn every_error_is_reported_in_line_order() {
    // Problems in three sections: serde stopped at the first, in key order (quotes before tickers).
    let text = "[[tickers]]\nsymbol = \"A\"\nbogus = 1\n[quotes]\nsourc = \"x\"\n[refresh]\nnews_secs = 1\n\
                [[tickers]]\nsymbol = \"B\"\ncolour = \"red\"\n";
    let e = errors(text);
    let at: Vec<(usize, usize)> = e.iter().map(|e| (e.line, e.col)).collect();
    assert_eq!(at, [(3, 1), (5, 1), (7, 13), (10, 1)], "{e:#?}");
    assert!(e[0].message.contains("bogus") && e[1].message.contains("sourc"), "{e:#?}");
    assert!(e[2].message.contains("news_secs") && e[3].message.contains("colour"), "{e:#?}");
    // Several syntax errors: all of them, in order.
    let e = errors("[[tickers]]\nsymbol = AAOI\nname = \"ok\"\ncurrency = USD\n");
    let at: Vec<usize> = e.iter().map(|e| e.line).collect();
    assert_eq!(at, [2, 4], "{e:#?}");
}

#[test]
fn an_unquoted_string_says_strings_need_quotes() {
    for word in ["tiingo", "falsey", "yes", "nasdaq"] {
        let e = errors(&format!("{MIN}[quotes]\nsource = {word}\n"));
        assert_eq!((e[0].line, e[0].col), (4, 10), "{}", e[0]);
        assert!(e[0].message.contains("strings need quotes"), "{word}: {}", e[0]);
        assert!(!e[0].message.contains("boolean"), "{word}: {}", e[0]);
    }
}

#[test]
fn a_key_bound_to_two_actions_is_an_error() {
    // Two remaps of one key: the second (in file order) is the error, at its line.
    let e = errors(&format!("{MIN}[keys]\nhelp = \"z\"\nquit = [\"Q\", \"z\"]\n"));
    assert_eq!(e.len(), 1, "{e:#?}");
    assert_eq!(e[0].line, 5, "{}", e[0]);
    assert!(e[0].message.contains("`z` is already bound to help"), "{}", e[0]);
    // A remap onto a key another action still has by default.
    let e = errors(&format!("{MIN}[keys]\nrefresh = \"q\"\n"));
    assert_eq!(e[0].line, 4, "{}", e[0]);
    assert!(e[0].message.contains("`q` is bound to quit by default"), "{}", e[0]);
    let e = errors(&format!("{MIN}[keys]\nsources = [\"s\", \"j\"]\n"));
    assert!(e[0].message.contains("`j` is bound to down by default"), "{}", e[0]);
    // Ctrl-C always quits.
    let e = errors(&format!("{MIN}[keys]\nhelp = \"ctrl-c\"\n"));
    assert!(e[0].message.contains("Ctrl-c always quits"), "{}", e[0]);
    // Moving the default away first is fine, and so is a key listed twice for one action.
    assert!(config::parse(&format!("{MIN}[keys]\nrefresh = \"q\"\nquit = \"Q\"\n"), "k.toml").is_ok());
    assert!(config::parse(&format!("{MIN}[keys]\nhelp = [\"h\", \"h\", \"?\"]\n"), "k.toml").is_ok());
    assert!(config::embedded().is_ok());
}

#[test]
fn a_file_full_of_errors_lists_the_first_ones_quickly() {
    // Near 1 MiB: 60,000 unquoted values (syntax errors), then as many bad entries.
    let syntax: String = (0..60_000).map(|i| format!("k{i} = b\n")).collect();
    let start = std::time::Instant::now();
    let e = errors(&syntax);
    assert_eq!(e.len(), config::MAX_ERRORS + 1, "{:?}", &e[..3]);
    assert_eq!((e[0].line, e[1].line, e[49].line), (1, 2, 50));
    assert_eq!(e[50].message, format!("… and {} more errors", 60_000 - config::MAX_ERRORS));
    let entries = format!("{MIN}{}", "[[feeds]]\nname = \"f\"\nurl = \"ftp://x\"\n".repeat(25_000));
    let e = errors(&entries);
    assert_eq!(e.len(), config::MAX_ERRORS + 1);
    assert!(e[0].message.contains("url must be http"), "{}", e[0]);
    // Locating each of them scanned the text before it: quadratic, minutes in a debug build.
    assert!(start.elapsed() < std::time::Duration::from_secs(20), "{:?}", start.elapsed());
}

#[test]
fn keywords_that_can_match_nothing_are_errors() {
    let text = r#"
[[tickers]]
symbol = "AAOI"
name = "Applied Optoelectronics"

[[catalysts]]
id = "amd-lta"
title = "AMD LTA"
keywords = ["AMD & supply agreement", "AMD & ", " "]
"#;
    let errors = config::parse(text, "k.toml").expect_err("bad keywords");
    let shown: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    assert!(shown.iter().any(|e| e.contains("keyword `AMD & ` has an empty term")), "{shown:?}");
    assert!(shown.iter().any(|e| e.contains("keyword ` ` is empty")), "{shown:?}");
    assert!(!shown.iter().any(|e| e.contains("supply agreement")), "{shown:?}");
}

#[test]
fn the_thesis_calendar_and_benchmark_are_read_and_checked() {
    let c = config::embedded().unwrap();
    assert_eq!(c.thesis_started, chrono::NaiveDate::from_ymd_opt(2025, 12, 1));
    assert_eq!(c.benchmark.as_ref().map(|b| b.symbol.as_str()), Some("SOXX"));
    let texas = c.catalysts.iter().find(|x| x.id == "aaoi-texas").unwrap();
    assert_eq!(texas.expected.as_ref().map(|w| w.label.as_str()), Some("2027-H1"));
    assert_eq!(
        (texas.slips.as_deref(), texas.tickers.as_slice()),
        (Some("supply-slip"), &["AAOI".to_string()][..])
    );
    assert!(c.risks.iter().any(|r| r.id == "cpo-delay" && r.expected.is_some()));

    // Ids as the config defines them, whatever case the reference used.
    let ok = format!(
        "{MIN}[thesis]\nbenchmark = \"soxx\"\n[[catalysts]]\nid = \"c1\"\ntitle = \"t\"\nexpected = [\"2026-03-01\", \"2026-09-30\"]\ntickers = [\"aaoi\", \"SOXX\"]\nslips = \"R1\"\n[[risks]]\nid = \"r1\"\ntitle = \"r\"\n"
    );
    let c = config::parse(&ok, "t.toml").unwrap();
    assert_eq!(c.catalysts[0].tickers, ["AAOI", "SOXX"]);
    assert_eq!(c.catalysts[0].slips.as_deref(), Some("r1"));
    assert_eq!(c.catalysts[0].expected.as_ref().map(|w| w.label.as_str()), Some("2026-03-01 to 2026-09-30"));

    let bad = format!(
        "{MIN}[thesis]\nstarted = \"last year\"\n[[catalysts]]\nid = \"c1\"\ntitle = \"t\"\nslips = \"nope\"\ntickers = [\"ZZZ\"]\n[[risks]]\nid = \"r1\"\ntitle = \"r\"\nslips = \"r1\"\n"
    );
    let e = errors(&bad);
    let has = |line: usize, needle: &str| e.iter().any(|e| e.line == line && e.message.contains(needle));
    assert!(has(4, "thesis.started must be a date"), "{e:?}");
    assert!(has(8, "slips names no risk (`nope`)"), "{e:?}");
    assert!(has(9, "unknown ticker `ZZZ`"), "{e:?}");
    assert!(has(10, "risk `r1`: `slips` is for catalysts"), "{e:?}");

    let e = errors(&format!("{MIN}[[catalysts]]\nid = \"c1\"\ntitle = \"t\"\nexpected = \"2026-H3\"\n"));
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(e[0].line, 6, "{}", e[0]);
    assert!(e[0].message.contains("expected must be a year"), "{}", e[0]);
}

#[test]
fn positions_and_the_portfolio_are_read_and_checked() {
    let ok = format!(
        "{MIN}[[tickers]]\nsymbol = \"SIVE\"\ncurrency = \"SEK\"\n[portfolio]\nbase_currency = \"eur\"\nmax_weight = {{ aaoi = 10, SIVE = 5.5 }}\n[[positions]]\nsymbol = \"sive\"\nshares = 2000\nprice = 6.10\ndate = \"2026-03-02\"\nfees = 39\n[[positions]]\nsymbol = \"AAOI\"\nshares = 10.5\nprice = 21\ndate = \"2026-07-01\"\n"
    );
    let c = config::parse(&ok, "t.toml").unwrap();
    assert_eq!(c.base_currency, "EUR");
    assert_eq!(
        c.max_weight.iter().map(|(k, v)| (k.as_str(), *v)).collect::<Vec<_>>(),
        [("AAOI", 10.0), ("SIVE", 5.5)]
    );
    assert_eq!(c.positions.len(), 2);
    assert_eq!(
        (c.positions[0].symbol.as_str(), c.positions[0].shares, c.positions[0].fees),
        ("SIVE", 2000.0, 39.0)
    );
    assert_eq!((c.positions[1].shares, c.positions[1].fees), (10.5, 0.0));
    // Without a [portfolio]: no lots, totals in USD.
    let c = config::parse(MIN, "t.toml").unwrap();
    assert_eq!((c.base_currency.as_str(), c.positions.len()), ("USD", 0));

    let bad = format!(
        "{MIN}[portfolio]\nbase_currency = \"dollars\"\nmax_weight = {{ ZZZ = 10, AAOI = 150 }}\n[[positions]]\nsymbol = \"ZZZ\"\nshares = 1\nprice = 1\ndate = \"2026-01-01\"\n[[positions]]\nsymbol = \"AAOI\"\nshares = -1\nprice = 1\ndate = \"2026-01-01\"\n[[positions]]\nsymbol = \"AAOI\"\nshares = 1\nprice = 1\ndate = \"first of May\"\n[[positions]]\nsymbol = \"AAOI\"\nshares = 1\nprice = 1\ndate = \"2999-01-01\"\n"
    );
    let e = errors(&bad);
    let has = |line: usize, needle: &str| e.iter().any(|e| e.line == line && e.message.contains(needle));
    assert!(has(4, "base_currency must be a three-letter"), "{e:?}");
    assert!(has(5, "max_weight: `ZZZ` is not a listed ticker"), "{e:?}");
    assert!(has(5, "max_weight must be a percent"), "{e:?}");
    assert!(has(7, "positions[0]: `ZZZ` is not a listed ticker"), "{e:?}");
    assert!(has(13, "positions[1]: shares must be a positive number"), "{e:?}");
    assert!(has(20, "positions[2]: date must be YYYY-MM-DD"), "{e:?}");
    assert!(has(25, "positions[3]: date 2999-01-01 is in the future"), "{e:?}");
}

#[test]
fn the_notify_command_is_argv_and_checked() {
    let c = config::parse(
        &format!("{MIN}[notify]\ncommand = [\"ntfy\", \"publish\", \"t\"]\nper_minute = 3\n"),
        "t.toml",
    )
    .unwrap();
    assert_eq!(
        (c.notify_command.as_slice(), c.notify_per_minute),
        (&["ntfy".to_string(), "publish".into(), "t".into()][..], 3)
    );
    assert!(config::parse(MIN, "t.toml").unwrap().notify_command.is_empty());
    let e = errors(&format!("{MIN}[notify]\ncommand = []\nper_minute = 0\n"));
    let has = |line: usize, needle: &str| e.iter().any(|e| e.line == line && e.message.contains(needle));
    assert!(has(4, "notify.command must name a program"), "{e:?}");
    assert!(has(5, "notify.per_minute must be between 1 and 60"), "{e:?}");
    let e = errors(&format!("{MIN}[notify]\ncommand = \"ntfy publish t\"\n"));
    assert!(e.iter().any(|e| e.line == 4), "a string, not a list: {e:?}");
}

#[test]
fn the_mouse_is_on_unless_turned_off() {
    assert!(config::parse(MIN, "t.toml").unwrap().mouse);
    assert!(!config::parse(&format!("{MIN}[ui]\nmouse = false\n"), "t.toml").unwrap().mouse);
    let e = errors(&format!("{MIN}[ui]\nmouse = \"no\"\n"));
    assert_eq!(e[0].line, 4, "{e:?}");
}

#[test]
fn the_theme_is_named_and_checked() {
    use chokepoint::settings::Theme;
    assert_eq!(config::parse(MIN, "t.toml").unwrap().theme, Theme::Default);
    let c = config::parse(&format!("{MIN}[theme]\nname = \"colorblind\"\n"), "t.toml").unwrap();
    assert_eq!(c.theme, Theme::ColorBlind);
    let c = config::parse(&format!("{MIN}[theme]\nname = \"Light\"\n"), "t.toml").unwrap();
    assert_eq!(c.theme, Theme::Light);
    let e = errors(&format!("{MIN}[theme]\nname = \"neon\"\n"));
    assert!(e[0].line == 4 && e[0].message.contains("theme.name must be"), "{e:?}");
}
