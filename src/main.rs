//! CLI entry: parse arguments, then run the TUI, a snapshot, check, init, or a scripted state change.

use chokepoint::cli::{self, Failure};
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
    /// Offline recorded sample data (own state file: demo-state.json).
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
}

#[derive(Subcommand)]
enum RiskOp {
    /// Set risk ID to LEVEL (watch, elevated, materialized).
    Level { id: String, level: String },
}

fn main() -> ExitCode {
    // The TUI installs its own (terminal-restoring) hook; this one covers the CLI commands.
    chokepoint::panics::install(|| {}, |_| false);
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Usage errors echo the arguments: print them plain and sanitized (help goes to stdout).
            let text = chokepoint::sanitize::clean_multiline(&e.render().to_string());
            let _ = if e.use_stderr() {
                writeln!(std::io::stderr(), "{text}")
            } else {
                writeln!(std::io::stdout(), "{text}")
            };
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    match run(cli) {
        Ok(Some(out)) => {
            // A closed pipe or terminal is not worth a panic.
            let _ = writeln!(std::io::stdout(), "{out}");
            ExitCode::SUCCESS
        }
        Ok(None) => ExitCode::SUCCESS,
        Err(f) => {
            let _ = writeln!(std::io::stderr(), "{}", chokepoint::sanitize::clean_multiline(&f.message));
            ExitCode::from(u8::try_from(f.code).unwrap_or(1))
        }
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
            let file = need_paths(paths.as_ref())?.state_file(cli.demo);
            match op {
                CatalystOp::Done { id, note } => {
                    cli::set_catalyst(&config, &file, &id, true, note.as_deref())
                }
                CatalystOp::Undo { id, note } => {
                    cli::set_catalyst(&config, &file, &id, false, note.as_deref())
                }
            }
            .map(Some)
        }
        Some(Command::Risk { op: RiskOp::Level { id, level } }) => {
            let config = cli::load_config(explicit, paths.as_ref(), cli.demo)?;
            let file = need_paths(paths.as_ref())?.state_file(cli.demo);
            cli::set_risk(&config, &file, &id, &level).map(Some)
        }
        Some(Command::Snapshot { json, filter, offline }) => {
            let mut state = collect_state(explicit, paths.as_ref(), cli.demo, offline)?;
            if let Some(q) = filter {
                cli::apply_filter(&mut state, &q)?;
            }
            if json { to_json(&cli::snapshot_json(&state)) } else { Ok(Some(cli::snapshot_text(&state))) }
        }
        Some(Command::Report { format, offline }) => {
            let state = collect_state(explicit, paths.as_ref(), cli.demo, offline)?;
            let report = chokepoint::report::build(&state);
            match format {
                ReportFormat::Md => Ok(Some(chokepoint::report::markdown(&report))),
                ReportFormat::Json => to_json(&report),
            }
        }
        None => tui(explicit, paths.as_ref(), cli.demo).map(|()| None),
    }
}

/// The thesis state after one refresh (or from the cache with `offline`), as `snapshot` and
/// `report` print it.
fn collect_state(
    explicit: Option<&std::path::Path>,
    paths: Option<&Paths>,
    demo: bool,
    offline: bool,
) -> Result<chokepoint::state::State, Failure> {
    let config = cli::load_config(explicit, paths, demo)?;
    let user = match paths {
        Some(p) => store::peek(&p.state_file(demo)).map_err(|e| Failure::new(1, e.to_string()))?,
        None => Default::default(),
    };
    let rt = runtime_builder()?;
    let cache_dir = paths.filter(|_| !demo).map(|p| p.cache_dir.clone());
    rt.block_on(cli::collect(&config, user, demo, offline, cache_dir.as_deref()))
}

fn to_json(value: &impl serde::Serialize) -> Result<Option<String>, Failure> {
    serde_json::to_string_pretty(value).map(Some).map_err(|e| Failure::new(1, format!("json: {e}")))
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
    init_logging(paths);
    let opened = store::Store::open(&paths.state_file(demo)).map_err(|e| Failure::new(1, e.to_string()))?;
    let cache_dir = (!demo).then(|| paths.cache_dir.clone());
    let launch = runtime::Launch {
        config,
        demo,
        cache_dir,
        store: opened.store,
        user: opened.state,
        notices: opened.notices,
    };
    let rt = runtime_builder()?;
    rt.block_on(runtime::run(launch)).map_err(|e| Failure::new(1, format!("terminal error: {e}")))
}

/// Logs go to `<data_dir>/chokepoint.log`, never to the screen. `CHOKEPOINT_LOG` sets the level.
fn init_logging(paths: &Paths) {
    let path = paths.log_file();
    if std::fs::create_dir_all(&paths.data_dir).is_err() {
        return;
    }
    let Ok(file) = std::fs::OpenOptions::new().create(true).append(true).open(&path) else { return };
    let filter = tracing_subscriber::EnvFilter::try_from_env("CHOKEPOINT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_writer(std::sync::Mutex::new(file))
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init();
}
