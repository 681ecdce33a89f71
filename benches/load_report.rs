//! Benchmark of loading a report into the call queue (not a timed test):
//!
//!     cargo bench --bench load_report
//!
//! Starts two in-process sandboxes, one with the default 12,000 Contacts and
//! one with 100,000, and loads each "All Contacts" report the way a rep does:
//! by running the release `koncert-sf load-report` binary with
//! `KONCERT_SF_ACCESS_TOKEN`, `KONCERT_SF_INSTANCE_URL` and a fresh
//! `KONCERT_SF_HOME`. Prints rows, prospects stored, wall time, Salesforce API
//! calls (the sandbox's counter) and the loader's peak resident memory.
//!
//! Each load runs in its own helper process (this binary again, with
//! `__measure`), so `getrusage(RUSAGE_CHILDREN)` there gives the peak memory of
//! that one load and not of the sandboxes or of an earlier run. When the binary
//! has no `load-report` command (or with `--library`), the helper runs the same
//! steps through the library instead: `queue::load::load_report` then
//! `Store::save_list`.

mod common;

use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use common::{MEASURE, api_used, mint_token, queue_db};

use koncert_sf::sandbox::{self, SandboxOptions};
use koncert_sf::store::Store;
use nix::sys::resource::{UsageWho, getrusage};
use serde_json::{Value, json};

/// The koncert-sf binary cargo built with this benchmark (bench profile).
const BIN: &str = env!("CARGO_BIN_EXE_koncert-sf");

/// The name of the call list every load writes.
const LIST: &str = "bench";

/// One benchmark case: contacts seeded and how many times to load.
struct Case {
    contacts: usize,
    runs: usize,
}

const CASES: &[Case] = &[
    Case {
        contacts: sandbox::DEFAULT_CONTACTS,
        runs: 3,
    },
    Case {
        contacts: 100_000,
        runs: 1,
    },
];

/// How the measured step loads the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Loader {
    /// The `koncert-sf load-report` command, as a child process.
    Cli,
    /// `load_report` + `Store::save_list` inside the helper process.
    Library,
}

impl Loader {
    fn name(self) -> &'static str {
        match self {
            Self::Cli => "cli",
            Self::Library => "library",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        match text {
            "cli" => Some(Self::Cli),
            "library" => Some(Self::Library),
            _ => None,
        }
    }
}

/// What one measured load reports back.
#[derive(Debug, Clone)]
struct Sample {
    wall: Duration,
    /// Peak resident set size of the loading process, in KiB.
    max_rss_kib: u64,
    /// User + system CPU time of the loading process (the rest of the wall
    /// time is mostly the sandbox computing report pages).
    cpu: Duration,
}

/// Everything the measured step needs.
struct Target<'a> {
    url: &'a str,
    token: &'a str,
    report_id: &'a str,
    home: &'a Path,
}

fn main() -> ExitCode {
    common::main("load_report", bench_main, measure_main)
}

fn bench_main(args: &[String]) -> anyhow::Result<()> {
    let loader = if args.iter().any(|a| a == "--library") {
        Loader::Library
    } else if cli_has_load_report() {
        Loader::Cli
    } else {
        eprintln!("note: `koncert-sf load-report` is missing; measuring the library calls instead");
        Loader::Library
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let http = reqwest::Client::new();

    println!(
        "loading the \"All Contacts\" report through: {} ({BIN})",
        match loader {
            Loader::Cli => "koncert-sf load-report",
            Loader::Library => "queue::load::load_report + Store::save_list",
        }
    );
    let mut table = Vec::new();
    for case in CASES {
        let started = Instant::now();
        let sandbox = sandbox::start_in_thread(SandboxOptions {
            contacts: case.contacts,
            ..SandboxOptions::default()
        })?;
        eprintln!(
            "sandbox with {} contacts started in {:.2?}",
            case.contacts,
            started.elapsed()
        );
        let report = sandbox
            .info()
            .reports
            .iter()
            .find(|r| r.name == "All Contacts")
            .ok_or_else(|| anyhow::anyhow!("the sandbox has no All Contacts report"))?
            .clone();
        let token = runtime.block_on(mint_token(&http, &sandbox))?;

        let mut samples = Vec::new();
        let mut calls = Vec::new();
        let mut stored = Vec::new();
        for run in 1..=case.runs {
            let home = tempfile::tempdir()?;
            let target = Target {
                url: sandbox.url(),
                token: &token,
                report_id: &report.id,
                home: home.path(),
            };
            let before = runtime.block_on(api_used(&http, &sandbox))?;
            let sample = run_measured(loader, &target)?;
            let after = runtime.block_on(api_used(&http, &sandbox))?;
            let prospects = stored_prospects(home.path())?;
            eprintln!(
                "  run {run}/{}: {} rows, {prospects} prospects, {:.2?} (loader CPU {:.2?}), {} API calls, {} MiB",
                case.runs,
                report.rows,
                sample.wall,
                sample.cpu,
                after - before,
                sample.max_rss_kib / 1024
            );
            samples.push(sample);
            calls.push(after - before);
            stored.push(prospects);
        }
        samples.sort_by_key(|s| s.wall);
        let median = samples[samples.len() / 2].clone();
        table.push(Row {
            contacts: case.contacts,
            rows: report.rows,
            prospects: stored.iter().copied().max().unwrap_or(0),
            runs: case.runs,
            wall: median.wall,
            cpu: median.cpu,
            calls: calls.iter().copied().max().unwrap_or(0),
            max_rss_kib: samples.iter().map(|s| s.max_rss_kib).max().unwrap_or(0),
        });
        drop(sandbox);
    }
    print_table(loader, &table);
    Ok(())
}

/// One line of the result table.
struct Row {
    contacts: usize,
    rows: usize,
    prospects: i64,
    runs: usize,
    wall: Duration,
    cpu: Duration,
    calls: u64,
    max_rss_kib: u64,
}

fn print_table(loader: Loader, rows: &[Row]) {
    println!();
    println!(
        "| contacts | report rows | prospects stored | wall time | loader CPU | API calls | peak RSS |"
    );
    println!("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for row in rows {
        println!(
            "| {} | {} | {} | {:.2} s (median of {}) | {:.2} s | {} | {:.0} MiB |",
            row.contacts,
            row.rows,
            row.prospects,
            row.wall.as_secs_f64(),
            row.runs,
            row.cpu.as_secs_f64(),
            row.calls,
            row.max_rss_kib as f64 / 1024.0
        );
    }
    println!();
    println!(
        "loader: {}; {} CPUs",
        loader.name(),
        std::thread::available_parallelism().map_or(0, usize::from)
    );
}

/// Whether the built binary has the `load-report` command yet.
fn cli_has_load_report() -> bool {
    Command::new(BIN)
        .args(["load-report", "--help"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Prospects in the call list a load wrote under `home`.
fn stored_prospects(home: &Path) -> anyhow::Result<i64> {
    let store = Store::open(&queue_db(home)?)?;
    Ok(store
        .lists()?
        .iter()
        .find(|l| l.name == LIST)
        .map_or(0, |l| l.prospects))
}

/// The measured step: one load in a fresh helper process.
fn run_measured(loader: Loader, target: &Target<'_>) -> anyhow::Result<Sample> {
    let output = Command::new(std::env::current_exe()?)
        .args([
            MEASURE,
            loader.name(),
            target.url,
            target.report_id,
            &target.home.display().to_string(),
        ])
        .env("KONCERT_SF_ACCESS_TOKEN", target.token)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()?;
    if !output.status.success() {
        anyhow::bail!("the measured load failed ({})", output.status);
    }
    let line: Value = serde_json::from_slice(&output.stdout)?;
    Ok(Sample {
        wall: Duration::from_secs_f64(line["wall_s"].as_f64().unwrap_or_default()),
        max_rss_kib: line["max_rss_kib"].as_u64().unwrap_or_default(),
        cpu: Duration::from_secs_f64(line["cpu_s"].as_f64().unwrap_or_default()),
    })
}

/// The helper process: `__measure LOADER URL REPORT_ID HOME`, token in the
/// environment. Prints one JSON line with the wall time and peak memory.
fn measure_main(args: &[String]) -> anyhow::Result<()> {
    let [loader, url, report_id, home] = args else {
        anyhow::bail!("usage: {MEASURE} cli|library URL REPORT_ID HOME");
    };
    let loader = Loader::parse(loader).ok_or_else(|| anyhow::anyhow!("unknown loader"))?;
    let token = std::env::var("KONCERT_SF_ACCESS_TOKEN")?;
    let target = Target {
        url,
        token: &token,
        report_id,
        home: Path::new(home),
    };
    let started = Instant::now();
    let who = match loader {
        Loader::Cli => {
            load_with_cli(&target)?;
            UsageWho::RUSAGE_CHILDREN
        }
        Loader::Library => {
            load_with_library(&target)?;
            UsageWho::RUSAGE_SELF
        }
    };
    let wall = started.elapsed();
    let usage = getrusage(who)?;
    let cpu = duration(usage.user_time()) + duration(usage.system_time());
    println!(
        "{}",
        json!({
            "wall_s": wall.as_secs_f64(),
            "cpu_s": cpu.as_secs_f64(),
            // Linux reports ru_maxrss in KiB.
            "max_rss_kib": u64::try_from(usage.max_rss()).unwrap_or(0),
        })
    );
    Ok(())
}

fn duration(time: nix::sys::time::TimeVal) -> Duration {
    let micros = time.tv_sec() * 1_000_000 + time.tv_usec();
    Duration::from_micros(u64::try_from(micros).unwrap_or(0))
}

/// `koncert-sf load-report ID --list bench`, as a rep runs it.
fn load_with_cli(target: &Target<'_>) -> anyhow::Result<()> {
    let output = Command::new(BIN)
        .args(["load-report", target.report_id, "--list", LIST])
        .env("KONCERT_SF_ACCESS_TOKEN", target.token)
        .env("KONCERT_SF_INSTANCE_URL", target.url)
        .env("KONCERT_SF_HOME", target.home)
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .output()?;
    if !output.status.success() {
        anyhow::bail!(
            "koncert-sf load-report failed ({}):\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(())
}

/// The same steps through the library: connect, load every row, save.
fn load_with_library(target: &Target<'_>) -> anyhow::Result<()> {
    use koncert_sf::queue::load::{NoProgress, load_report};
    use koncert_sf::queue::report::Mapping;
    use koncert_sf::salesforce::{Connection, Source};

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let loaded = runtime.block_on(async {
        let connection = Connection::open(Source::Env {
            access_token: target.token.to_string().into(),
            instance_url: url::Url::parse(target.url)?,
        })
        .await?;
        let loaded = load_report(
            &connection,
            target.report_id,
            &Mapping::default(),
            phonenumber::country::Id::US,
            &NoProgress,
        )
        .await?;
        anyhow::Ok(loaded)
    })?;
    let db = queue_db(target.home)?;
    if let Some(dir) = db.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut store = Store::open(&db)?;
    store.save_list(LIST, &loaded.report_id, None, &loaded.prospects, false)?;
    Ok(())
}
