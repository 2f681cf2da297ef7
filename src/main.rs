//! CLI entry: parse arguments, then run the TUI, a snapshot, check, init, or a scripted state change.

use chokepoint::cli::{self, Failure};
use chokepoint::db::Db;
use chokepoint::paths::Paths;
use chokepoint::{runtime, store};
use clap::{Parser, Subcommand};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "chokepoint",
    version,
    about = "Watch the CW-laser / co-packaged-optics supply-chain thesis"
)]
struct Cli {
    /// Config file (default: <config dir>/config.toml, else the built-in thesis).
    #[arg(long, global = true, value_name = "PATH")]
    config: Option<PathBuf>,
    /// Offline recorded sample data (own database: demo.db).
    #[arg(long, global = true)]
    demo: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Refresh once, print and exit.
    Snapshot {
        /// JSON instead of text.
        #[arg(long)]
        json: bool,
        /// News filter, same language as `/` in the TUI.
        #[arg(long, value_name = "QUERY")]
        filter: Option<String>,
        /// Use cached data, no network.
        #[arg(long)]
        offline: bool,
    },
    /// The thesis at a glance for sharing: quotes, catalysts with evidence, risks, alerts, headlines.
    Report {
        #[arg(long, value_enum, default_value_t = ReportFormat::Md)]
        format: ReportFormat,
        /// Use cached data, no network.
        #[arg(long)]
        offline: bool,
    },
    /// Validate the config; errors print as path:line:col and exit 2.
    Check,
    /// Write the example config to the config dir (never overwrites).
    Init,
    /// Mark a catalyst done or undo it.
    Catalyst {
        #[command(subcommand)]
        op: CatalystOp,
    },
    /// Set a risk's level.
    Risk {
        #[command(subcommand)]
        op: RiskOp,
    },
    /// Search every archived headline (the filter language of `/`), newest first.
    Search {
        /// The query: words, "phrases", $SYM, c:ID, r:ID, src:NAME, since:30d, /regex/, -negation.
        query: String,
        /// JSON instead of text.
        #[arg(long)]
        json: bool,
        /// Most matches printed.
        #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=100_000))]
        limit: u32,
        /// Only headlines since D: a duration (90d, 12w) or a date (2026-06-01).
        #[arg(long, value_name = "D")]
        since: Option<String>,
    },
    /// A ticker's price history: the stored series while it is good (until the next close),
    /// else fetched from the quote sources and kept.
    History {
        /// A configured ticker or the `[thesis] benchmark`.
        symbol: String,
        /// 1d, 5d, 1m, 6m, 1y, 5y or start (since `[thesis] started`).
        #[arg(long, default_value = "1y")]
        range: String,
        #[arg(long, value_enum, default_value_t = HistoryFormat::Csv)]
        format: HistoryFormat,
        /// Only what the store has; no request.
        #[arg(long)]
        offline: bool,
    },
    /// Positions: lots held per ticker (the config's `[[positions]]` and those added here or in
    /// the TUI), valued at the stored quotes.
    Position {
        #[command(subcommand)]
        op: PositionOp,
    },
    /// Pin an archived headline (its id or link, as `search` prints them) to a catalyst or risk.
    Pin(PinArgs),
    /// Remove a pin.
    Unpin(PinArgs),
}

#[derive(clap::Args)]
#[group(skip)]
#[command(group(clap::ArgGroup::new("target").required(true).args(["catalyst", "risk"])))]
struct PinArgs {
    /// The headline's id or link.
    item: String,
    /// The catalyst to pin it to.
    #[arg(long, value_name = "ID")]
    catalyst: Option<String>,
    /// The risk to pin it to.
    #[arg(long, value_name = "ID")]
    risk: Option<String>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum HistoryFormat {
    Csv,
    Json,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ReportFormat {
    Md,
    Json,
}

#[derive(Subcommand)]
enum CatalystOp {
    /// Mark catalyst ID as hit (now).
    Done {
        id: String,
        /// A one-line note kept with the change.
        #[arg(long)]
        note: Option<String>,
    },
    /// Mark catalyst ID as not hit.
    Undo {
        id: String,
        /// A one-line note kept with the change.
        #[arg(long)]
        note: Option<String>,
    },
    /// Set the note on catalyst ID's last change ("" clears it).
    Note { id: String, text: String },
}

#[derive(Subcommand)]
enum PositionOp {
    /// Add a lot: SHARES of SYMBOL bought at PRICE (the ticker's currency) on DATE.
    Add {
        symbol: String,
        #[arg(long)]
        shares: f64,
        #[arg(long)]
        price: f64,
        /// YYYY-MM-DD; today without it.
        #[arg(long)]
        date: Option<String>,
        /// Paid on top, in the ticker's currency.
        #[arg(long, default_value_t = 0.0)]
        fees: f64,
        /// A one-line note kept with the change.
        #[arg(long)]
        note: Option<String>,
    },
    /// Remove the lot with ID (as `position list` prints it).
    Rm { id: String },
    /// The lots and each holding's value and P&L (stored quotes), with the totals in the base
    /// currency.
    List {
        /// JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum RiskOp {
    /// Set risk ID to LEVEL (watch, elevated, materialized).
    Level { id: String, level: String },
}

fn main() -> ExitCode {
    chokepoint::io::tune_allocator();
    // The TUI installs its own (terminal-restoring) hook; this one covers the CLI commands.
    chokepoint::panics::install(|| {}, |_| false);
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Usage errors echo the arguments: print them plain and sanitized (help goes to stdout).
            let text = chokepoint::sanitize::clean_multiline(&e.render().to_string());
            if e.use_stderr() {
                let _ = writeln!(std::io::stderr(), "{text}");
            } else if emit(&text) != ExitCode::SUCCESS {
                return ExitCode::from(1);
            }
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    match run(cli) {
        Ok(Some(out)) => emit(&out),
        Ok(None) => ExitCode::SUCCESS,
        Err(f) => {
            let _ = writeln!(std::io::stderr(), "{}", chokepoint::sanitize::clean_multiline(&f.message));
            ExitCode::from(u8::try_from(f.code).unwrap_or(1))
        }
    }
}

/// Prints a command's output and exits. A write error (disk full, I/O error) is a failure with a
/// message and exit 1; a closed pipe (`| head`) ends quietly, as UNIX tools do.
fn emit(out: &str) -> ExitCode {
    match print(out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            let _ = writeln!(std::io::stderr(), "{}", f.message);
            ExitCode::from(1)
        }
    }
}

/// Writes `out` and a newline to stdout; a closed pipe is not an error (see [`emit`]).
fn print(out: &str) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    match writeln!(stdout, "{out}").and_then(|()| stdout.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure::new(1, format!("chokepoint: cannot write to stdout: {e}"))),
    }
}

fn need_paths(paths: Option<&Paths>) -> Result<&Paths, Failure> {
    paths.ok_or_else(|| Failure::new(1, "cannot find a home directory for config and state files"))
}

fn run(cli: Cli) -> Result<Option<String>, Failure> {
    let paths = Paths::discover();
    let explicit = cli.config.as_deref();
    match cli.command {
        Some(Command::Check) => cli::check(explicit, paths.as_ref()).map(Some),
        Some(Command::Init) => cli::init(need_paths(paths.as_ref())?).map(Some),
        Some(Command::Catalyst { op }) => {
            let config = cli::load_config(explicit, paths.as_ref(), cli.demo)?;
            let db = &mut cli::command_store(need_paths(paths.as_ref())?, cli.demo)?;
            match op {
                CatalystOp::Done { id, note } => cli::set_catalyst(&config, db, &id, true, note.as_deref()),
                CatalystOp::Undo { id, note } => cli::set_catalyst(&config, db, &id, false, note.as_deref()),
                CatalystOp::Note { id, text } => cli::note_catalyst(&config, db, &id, &text),
            }
            .map(Some)
        }
        Some(Command::Risk { op: RiskOp::Level { id, level } }) => {
            let config = cli::load_config(explicit, paths.as_ref(), cli.demo)?;
            let db = &mut cli::command_store(need_paths(paths.as_ref())?, cli.demo)?;
            cli::set_risk(&config, db, &id, &level).map(Some)
        }
        Some(Command::Search { query, json, limit, since }) => {
            let db = cli::command_store(need_paths(paths.as_ref())?, cli.demo)?;
            cli::search(&db, &query, since.as_deref(), limit as usize, json).map(Some)
        }
        Some(Command::History { symbol, range, format, offline }) => {
            let config = cli::load_config(explicit, paths.as_ref(), cli.demo)?;
            let span = chokepoint::chart::Span::parse(&range).ok_or_else(|| {
                Failure::new(
                    2,
                    format!(
                        "unknown range `{}` (1d, 5d, 1m, 6m, 1y, 5y, start)",
                        chokepoint::sanitize::clean(&range)
                    ),
                )
            })?;
            let mut db = cli::command_store(need_paths(paths.as_ref())?, cli.demo)?;
            let rt = runtime_builder()?;
            let cache_dir = paths.as_ref().filter(|_| !cli.demo).map(|p| p.cache_dir.clone());
            let series = rt.block_on(cli::history(
                &config,
                &mut db,
                &symbol,
                span,
                cli.demo,
                offline,
                cache_dir.as_deref(),
            ))?;
            match format {
                HistoryFormat::Csv => Ok(Some(cli::history_csv(&series))),
                HistoryFormat::Json => to_json(&series).map(Some),
            }
        }
        Some(Command::Position { op }) => {
            let config = cli::load_config(explicit, paths.as_ref(), cli.demo)?;
            let mut db = cli::command_store(need_paths(paths.as_ref())?, cli.demo)?;
            match op {
                PositionOp::Add { symbol, shares, price, date, fees, note } => {
                    let lot = cli::LotArgs { symbol, shares, price, date, fees, note };
                    cli::position_add(&config, &mut db, lot)
                }
                PositionOp::Rm { id } => cli::position_rm(&mut db, &id),
                PositionOp::List { json } => {
                    let rt = runtime_builder()?;
                    // The stored quotes (the demo's recordings need no network: fetched).
                    let offline = !cli.demo;
                    let state = rt.block_on(cli::collect(&config, Some(&mut db), cli.demo, offline, None))?;
                    cli::position_list(&state, json)
                }
            }
            .map(Some)
        }
        Some(Command::Pin(args)) => pin(explicit, paths.as_ref(), cli.demo, args, false),
        Some(Command::Unpin(args)) => pin(explicit, paths.as_ref(), cli.demo, args, true),
        Some(Command::Snapshot { json, filter, offline }) => {
            let mut state = collect_state(explicit, paths.as_ref(), cli.demo, offline)?;
            if let Some(q) = filter {
                cli::apply_filter(&mut state, &q)?;
            }
            let out = if json { to_json(&cli::snapshot_json(&state))? } else { cli::snapshot_text(&state) };
            with_data(out, &state, offline)
        }
        Some(Command::Report { format, offline }) => {
            let mut state = collect_state(explicit, paths.as_ref(), cli.demo, offline)?;
            // Price history for the since-start table and the reactions (the store's, or fetched).
            if let Some(p) = paths.as_ref()
                && let Ok(mut db) = cli::command_store(p, cli.demo)
            {
                let config = cli::load_config(explicit, paths.as_ref(), cli.demo)?;
                let cache_dir = (!cli.demo).then(|| p.cache_dir.clone());
                let rt = runtime_builder()?;
                rt.block_on(cli::load_series(
                    &config,
                    &mut db,
                    &mut state,
                    cli.demo,
                    offline,
                    cache_dir.as_deref(),
                ));
            }
            let report = chokepoint::report::build(&state);
            let out = match format {
                ReportFormat::Md => chokepoint::report::markdown(&report),
                ReportFormat::Json => to_json(&report)?,
            };
            with_data(out, &state, offline)
        }
        None => tui(explicit, paths.as_ref(), cli.demo).map(|()| None),
    }
}

/// `chokepoint pin|unpin ITEM --catalyst ID | --risk ID`.
fn pin(
    explicit: Option<&std::path::Path>,
    paths: Option<&Paths>,
    demo: bool,
    args: PinArgs,
    unpin: bool,
) -> Result<Option<String>, Failure> {
    let config = cli::load_config(explicit, paths, demo)?;
    let db = &mut cli::command_store(need_paths(paths)?, demo)?;
    let thesis = match (&args.catalyst, &args.risk) {
        (Some(id), _) => ("c:", id.as_str()),
        (_, Some(id)) => ("r:", id.as_str()),
        (None, None) => return Err(Failure::new(2, "give --catalyst ID or --risk ID")),
    };
    cli::pin(&config, db, &args.item, thesis, unpin).map(Some)
}

/// The thesis state after one refresh (or from the store with `offline`), as `snapshot` and
/// `report` print it.
fn collect_state(
    explicit: Option<&std::path::Path>,
    paths: Option<&Paths>,
    demo: bool,
    offline: bool,
) -> Result<chokepoint::state::State, Failure> {
    let config = cli::load_config(explicit, paths, demo)?;
    // What is fetched is printed even when the store cannot be opened (it is only not kept).
    let mut db: Option<Db> = match paths.map(|p| cli::command_store(p, demo)) {
        Some(Ok(db)) => Some(db),
        Some(Err(f)) if !offline => {
            let why = chokepoint::sanitize::clean_multiline(&f.message);
            let _ = writeln!(std::io::stderr(), "chokepoint: warning: {why}; going on without the store");
            None
        }
        Some(Err(f)) => return Err(f),
        None => None,
    };
    let rt = runtime_builder()?;
    let cache_dir = paths.filter(|_| !demo).map(|p| p.cache_dir.clone());
    rt.block_on(cli::collect(&config, db.as_mut(), demo, offline, cache_dir.as_deref()))
}

fn to_json(value: &impl serde::Serialize) -> Result<String, Failure> {
    serde_json::to_string_pretty(value).map_err(|e| Failure::new(1, format!("json: {e}")))
}

/// `out` when there is any data; with none (no quote, no headline, fetched or cached) it is
/// printed all the same and the command fails with [`cli::NO_DATA`], saying why.
fn with_data(
    out: String,
    state: &chokepoint::state::State,
    offline: bool,
) -> Result<Option<String>, Failure> {
    if chokepoint::report::has_data(state) {
        return Ok(Some(out));
    }
    print(&out)?;
    Err(Failure::new(cli::NO_DATA, cli::no_data_message(state, offline)))
}

fn runtime_builder() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::new(1, format!("cannot start the async runtime: {e}")))
}

fn tui(explicit: Option<&std::path::Path>, paths: Option<&Paths>, demo: bool) -> Result<(), Failure> {
    let config = cli::load_config(explicit, paths, demo)?;
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(Failure::new(
            1,
            "chokepoint needs a terminal; for scripts use `chokepoint snapshot [--json]`",
        ));
    }
    if std::env::var_os("TERM").is_some_and(|t| t == "dumb") {
        // A dumb terminal prints escape sequences as garbage: say so before sending any.
        return Err(Failure::new(
            1,
            "chokepoint's dashboard needs a terminal that understands escape sequences, and \
             TERM=dumb says this one does not; run it in a terminal emulator (TERM=xterm-256color \
             or similar), or use `chokepoint snapshot` or `chokepoint report` for plain text",
        ));
    }
    let paths = need_paths(paths)?;
    let mut notices: Vec<String> = init_logging(paths).into_iter().collect();
    // A store that cannot be opened (a symlink there, an unwritable dir, a newer schema) is said
    // on screen; the app runs without one, changes lasting until quit.
    let (db, found) = match cli::open_store(paths, demo) {
        Ok((db, found)) => (Some(db), found),
        Err(e) => (None, vec![format!("{e}: running without a database, changes last until you quit")]),
    };
    notices.extend(found);
    let load = |db: &Db| -> Result<_, chokepoint::db::DbError> {
        Ok((
            db.load_user()?,
            db.cached(runtime::FIRST_SCREEN.min(config.history_cap))?,
            db.evidence_counts()?,
        ))
    };
    let (mut user, cached, counts) = match db.as_ref().map(load).transpose() {
        Ok(Some((user, cached, counts))) => {
            if let Some(db) = &db {
                db.release_memory();
            }
            (user, Some(cached), Some(counts))
        }
        Ok(None) => Default::default(),
        Err(e) => return Err(Failure::new(1, format!("reading the store: {e}"))),
    };
    if demo {
        // Without a store, or one that could not take them (a full disk), the demo's catalyst
        // hits last the session.
        cli::demo_hits_over(&mut user);
    }
    // What `check` warns about (an older key that still works) is said once in the TUI too.
    match config.warnings.as_slice() {
        [] => {}
        [one] => notices.push(format!("config: {one}")),
        [first, rest @ ..] => notices.push(format!(
            "config: {} warnings (`chokepoint check` lists them); first: {first}",
            rest.len() + 1
        )),
    }
    let cache_dir = (!demo).then(|| paths.cache_dir.clone());
    // A full screenful read: the window's older headlines follow from the store's thread.
    let older = match &cached {
        Some(c) if c.news.len() == runtime::FIRST_SCREEN => {
            config.history_cap.saturating_sub(runtime::FIRST_SCREEN)
        }
        _ => 0,
    };
    let launch = runtime::Launch { config, demo, cache_dir, db, user, cached, older, counts, notices };
    let rt = runtime_builder()?;
    let result = rt.block_on(runtime::run(launch));
    // Quit means quit: fetches, timers and feed parses still running are abandoned, not waited
    // for (every change was written before `run` returned).
    rt.shutdown_timeout(std::time::Duration::from_millis(100));
    result.map_err(|e| Failure::new(1, format!("terminal error: {e}")))
}

/// Logs go to `<data_dir>/chokepoint.log`, never to the screen. `CHOKEPOINT_LOG` sets the level.
/// A log that cannot be opened safely (a symlink, not a plain file) is a notice, not a crash.
fn init_logging(paths: &Paths) -> Option<String> {
    let path = paths.log_file();
    store::create_private_dir(&paths.data_dir).ok()?;
    let file = match store::open_own(&path, std::fs::OpenOptions::new().append(true)) {
        Ok(file) => file,
        Err(e) => return Some(format!("not logging: {}: {e}", path.display())),
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("CHOKEPOINT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_writer(std::sync::Mutex::new(file))
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init();
    None
}
