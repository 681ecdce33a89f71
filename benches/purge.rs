//! Benchmark of `purge` on a large call history (not a timed test):
//!
//!     cargo bench --bench purge
//!
//! Builds a queue database of 1,000,000 calls to 5,000 prospects, spread over
//! 400 days and mostly pushed, straight through rusqlite (the schema comes
//! from `Store::open`, the rows from one bulk transaction). Then runs the
//! release `koncert-sf purge --json` on it three times, as cron would: a
//! `--dry-run`, the first real purge (about half the file goes, so it
//! vacuums), and the next day's purge (nothing left to delete). Prints wall
//! time, the purge's peak resident memory, rows deleted, how long the write
//! lock was held, and the file size before and after.
//!
//! Each purge runs under a helper process (this binary again, with
//! `__measure`), so `getrusage(RUSAGE_CHILDREN)` there is the peak memory of
//! that one purge.

mod common;

use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use common::MEASURE;

use chrono::{DateTime, SecondsFormat, Utc};
use koncert_sf::store::Store;
use nix::sys::resource::{UsageWho, getrusage};
use rand::{Rng as _, SeedableRng as _};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};

/// The koncert-sf binary cargo built with this benchmark (bench profile).
const BIN: &str = env!("CARGO_BIN_EXE_koncert-sf");

const CALLS: u32 = 1_000_000;
const PROSPECTS: u32 = 5_000;
const HISTORY_DAYS: f64 = 400.0;
/// Each prospect is called within this many days after it was loaded.
const CALLING_DAYS: f64 = 30.0;

fn main() -> ExitCode {
    common::main("purge", bench_main, measure_main)
}

/// The whole benchmark; it takes no options (cargo's `--bench` is ignored).
fn bench_main(_args: &[String]) -> anyhow::Result<()> {
    let home = tempfile::tempdir()?;
    let db = home.path().join("data").join("queue.db");
    let started = Instant::now();
    let built = build_database(&db)?;
    eprintln!(
        "built {} calls ({} unsynced) to {PROSPECTS} prospects in {:.1?}: {:.0} MiB",
        CALLS,
        built.unsynced,
        started.elapsed(),
        mib(file_size(&db))
    );

    println!(
        "| run | calls before | calls deleted | prospects deleted | deleting | longest lock \
         | clean-up | vacuum | file before | file after | wall time | peak RSS |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |");
    for (name, args) in [
        ("dry run", &["purge", "--dry-run", "--json"][..]),
        ("first purge", &["purge", "--json"][..]),
        ("next day", &["purge", "--json"][..]),
    ] {
        let calls_before = count_calls(&db)?;
        let size_before = file_size(&db);
        let sample = run_measured(home.path(), args)?;
        let summary = &sample.summary;
        let reclaim = &summary["reclaim"];
        let seconds = |key: &str| {
            reclaim[key]
                .as_u64()
                .map_or("-".to_string(), |ms| format!("{:.2} s", ms as f64 / 1000.0))
        };
        println!(
            "| {name} | {calls_before} | {} | {} | {} | {} | {} | {} | {:.0} MiB | {:.0} MiB \
             | {:.2} s | {:.0} MiB |",
            summary["calls_deleted"],
            summary["prospects_deleted"],
            seconds("delete_ms"),
            seconds("longest_lock_ms"),
            seconds("reclaim_ms"),
            match reclaim["vacuumed"].as_bool() {
                Some(true) => "yes",
                Some(false) => "no",
                None => "-",
            },
            mib(size_before),
            mib(file_size(&db)),
            sample.wall.as_secs_f64(),
            sample.max_rss_kib as f64 / 1024.0
        );
        eprintln!("  {name}: {summary}");
    }
    println!();
    println!(
        "{} CPUs; the cutoff is 180 days, {:.0} % of the calls were older",
        std::thread::available_parallelism().map_or(0, usize::from),
        built.older_than_180 as f64 * 100.0 / f64::from(CALLS)
    );
    Ok(())
}

struct Built {
    unsynced: u32,
    older_than_180: u32,
}

/// The schema through `Store::open`, then every row in one transaction with
/// durability off (a benchmark fixture, not the product's write path).
fn build_database(db: &Path) -> anyhow::Result<Built> {
    drop(Store::open(db)?);
    let mut conn = rusqlite::Connection::open(db)?;
    conn.execute_batch("PRAGMA synchronous = OFF; PRAGMA cache_size = -200000;")?;
    let now = Utc::now();
    let mut rng = ChaCha8Rng::seed_from_u64(6);
    let tx = conn.transaction()?;
    let list: i64 = tx.query_row(
        "INSERT INTO lists (name, report_id, loaded_at, instance_url)
         VALUES ('bench', '00OHs000000CcUpMAK', ?1, 'https://example.my.salesforce.com')
         RETURNING id",
        [sql_time(now)],
        |r| r.get(0),
    )?;

    // When each prospect was loaded, in days ago.
    let mut loaded_days = Vec::with_capacity(PROSPECTS as usize);
    let mut rows = Vec::with_capacity(PROSPECTS as usize);
    {
        let mut insert = tx.prepare(
            "INSERT INTO prospects (list_id, person_id, kind, account_id, name, title, account,
                 phone, phone_e164, first_loaded_at, updated_at)
             VALUES (?1, ?2, 'contact', ?3, ?4, 'VP Sales', ?5, ?6, ?7, ?8, ?8) RETURNING id",
        )?;
        for p in 0..PROSPECTS {
            let days = rng.random_range(0.0..HISTORY_DAYS);
            let loaded = now - days_duration(days);
            let line = 100 + p % 100;
            let row: i64 = insert.query_row(
                rusqlite::params![
                    list,
                    format!("003Hs{p:010}AAA"),
                    format!("001Hs{:010}AAA", p / 10),
                    format!("Person {p}"),
                    format!("Account {}", p / 10),
                    format!("(614) 555-0{line:03}"),
                    format!("+16145550{line:03}"),
                    sql_time(loaded),
                ],
                |r| r.get(0),
            )?;
            loaded_days.push(days);
            rows.push(row);
        }
    }

    let mut built = Built {
        unsynced: 0,
        older_than_180: 0,
    };
    {
        let mut insert = tx.prepare(
            "INSERT INTO calls (id, prospect_id, called_at, recorded_at, outcome, notes,
                 duration_seconds, task, synced_at, salesforce_id, error)
             VALUES (?1, ?2, ?3, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?;
        // Calls are recorded as they happen, so rows go in time order, as
        // they do in a rep's database (it matters: old rows share pages).
        let mut history: Vec<(f64, usize)> = (0..CALLS)
            .map(|i| {
                let p = (i % PROSPECTS) as usize;
                let days = (loaded_days[p] - rng.random_range(0.0..CALLING_DAYS)).max(0.0);
                (days, p)
            })
            .collect();
        history.sort_by(|a, b| b.0.total_cmp(&a.0));
        for (i, &(days, p)) in (0u32..).zip(&history) {
            let called = now - days_duration(days);
            let outcome = ["connected", "left-voicemail", "no-answer"][(i % 3) as usize];
            // Calls of the last two days wait for a push; one prospect in 50
            // has a record Salesforce refuses now and then.
            let failed = p % 50 == 0 && i % 10 == 0;
            let pending = days < 2.0;
            let synced = !failed && !pending;
            if !synced {
                built.unsynced += 1;
            }
            if days > 180.0 {
                built.older_than_180 += 1;
            }
            insert.execute(rusqlite::params![
                format!("{:032x}", rng.random::<u128>()),
                rows[p],
                sql_time(called),
                outcome,
                format!(
                    "call {i}: spoke about renewal {}, follow up in {} weeks",
                    rng.random_range(1000..9999),
                    i % 7
                ),
                rng.random_range(5..900),
                format!(r#"{{"Subject":"Call: {outcome}","Status":"Completed"}}"#),
                synced.then(|| sql_time(called + chrono::Duration::minutes(1))),
                synced.then(|| format!("00THs{i:010}AAA")),
                failed.then_some("FIELD_CUSTOM_VALIDATION_EXCEPTION: Phone is required"),
            ])?;
        }
    }
    tx.commit()?;
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    Ok(built)
}

fn days_duration(days: f64) -> chrono::Duration {
    chrono::Duration::milliseconds((days * 86_400_000.0) as i64)
}

fn sql_time(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn count_calls(db: &Path) -> anyhow::Result<i64> {
    let conn = rusqlite::Connection::open(db)?;
    Ok(conn.query_row("SELECT count(*) FROM calls", [], |r| r.get(0))?)
}

/// The database and its WAL, in bytes.
fn file_size(db: &Path) -> u64 {
    let mut wal = db.as_os_str().to_owned();
    wal.push("-wal");
    [db.as_os_str().to_owned(), wal]
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum()
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// What one measured purge reports back.
struct Sample {
    wall: Duration,
    /// Peak resident set size of the purge, in KiB.
    max_rss_kib: u64,
    /// The purge's `--json` output.
    summary: Value,
}

/// One purge in a fresh helper process.
fn run_measured(home: &Path, args: &[&str]) -> anyhow::Result<Sample> {
    let output = Command::new(std::env::current_exe()?)
        .arg(MEASURE)
        .arg(home)
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()?;
    if !output.status.success() {
        anyhow::bail!("the measured purge failed ({})", output.status);
    }
    let line: Value = serde_json::from_slice(&output.stdout)?;
    Ok(Sample {
        wall: Duration::from_secs_f64(line["wall_s"].as_f64().unwrap_or_default()),
        max_rss_kib: line["max_rss_kib"].as_u64().unwrap_or_default(),
        summary: line["summary"].clone(),
    })
}

/// The helper process: `__measure HOME ARGS...`. Runs `koncert-sf ARGS` the
/// way cron does (no environment but PATH and KONCERT_SF_HOME) and prints one
/// JSON line with the wall time, the peak memory and the purge's output.
fn measure_main(args: &[String]) -> anyhow::Result<()> {
    let [home, command @ ..] = args else {
        anyhow::bail!("usage: {MEASURE} HOME ARGS...");
    };
    let started = Instant::now();
    let output = Command::new(BIN)
        .args(command)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("KONCERT_SF_HOME", home)
        .stdin(Stdio::null())
        .output()?;
    let wall = started.elapsed();
    if !output.status.success() {
        anyhow::bail!(
            "koncert-sf {} failed ({}):\n{}",
            command.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let usage = getrusage(UsageWho::RUSAGE_CHILDREN)?;
    let summary: Value = serde_json::from_slice(&output.stdout)?;
    println!(
        "{}",
        json!({
            "wall_s": wall.as_secs_f64(),
            // Linux reports ru_maxrss in KiB.
            "max_rss_kib": u64::try_from(usage.max_rss()).unwrap_or(0),
            "summary": summary,
        })
    );
    Ok(())
}
