//! Benchmark of pushing logged calls to Salesforce (not a timed test):
//!
//!     cargo bench --bench push
//!     cargo bench --bench push -- --full-baseline
//!
//! For 1,000 and 10,000 calls it starts an in-process sandbox that waits
//! 100 ms before every Salesforce answer, loads its "All Contacts" report
//! with the release `koncert-sf load-report` binary into a fresh
//! `KONCERT_SF_HOME`, and records one pending "no-answer" call for each of
//! the first N prospects straight through `Store::record_call` (logging
//! 10,000 calls through the binary would time process starts, not the
//! push; the seeding time is printed but is not part of the result).
//!
//! The measured step is `koncert-sf push --json`, run by a helper process
//! (this binary again, with `__measure`) so that `getrusage(RUSAGE_CHILDREN)`
//! there gives the push's own peak memory. It reports the wall time, the API
//! requests the sandbox counted (checked against the push's own
//! `push.api_requests`) and the peak RSS; the bench fails unless every call
//! is synced.
//!
//! The baseline is the naive client: one `POST sobjects/Task` per call, in
//! sequence, against a second fresh sandbox with the same latency and the
//! same Task fields. At 100 ms a request, 10,000 of them take about 17
//! minutes, so by default the 10,000-call baseline is extrapolated from the
//! measured 1,000-call time per record (and labelled so); `--full-baseline`
//! runs it for real.

mod common;

use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use common::{MEASURE, api_used, mint_token, queue_db};

use chrono::{Local, Utc};
use koncert_sf::sandbox::{self, SandboxOptions, ThreadedSandbox};
use koncert_sf::store::{NewCall, QueueRow, Status, Store};
use nix::sys::resource::{UsageWho, getrusage};
use serde_json::{Map, Value, json};

/// The koncert-sf binary cargo built with this benchmark (bench profile).
const BIN: &str = env!("CARGO_BIN_EXE_koncert-sf");

/// The call list the report is loaded into.
const LIST: &str = "bench";

/// Calls pushed per case, smallest first: the baseline of the first case
/// is measured, and the larger ones are extrapolated from it.
const SIZES: &[usize] = &[1_000, 10_000];

/// Delay the sandbox adds before every Salesforce answer.
const LATENCY: Duration = Duration::from_millis(100);

/// The largest baseline run for real unless `--full-baseline` is given.
const MEASURED_BASELINE: usize = 1_000;

/// What one measured push reports back.
#[derive(Debug, Clone)]
struct Sample {
    wall: Duration,
    /// Peak resident set size of the push, in KiB.
    max_rss_kib: u64,
    /// The push's `--json` output.
    output: Value,
}

/// How a row of the table sent the calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    Push,
    /// One `POST sobjects/Task` per call, measured.
    PerRecord,
    /// The same, computed from a measured run's time per record.
    PerRecordExtrapolated,
}

/// One line of the result table.
struct Row {
    calls: usize,
    method: Method,
    wall: Duration,
    /// Requests the sandbox counted (or, extrapolated, one per call).
    requests: u64,
    /// Requests the push says it sent, when it differs from the count.
    reported: Option<u64>,
    max_rss_kib: Option<u64>,
}

fn main() -> ExitCode {
    common::main("push", bench_main, measure_main)
}

fn bench_main(args: &[String]) -> anyhow::Result<()> {
    // Cargo passes `--bench`; everything but our flag is ignored.
    let full_baseline = args.iter().any(|a| a == "--full-baseline");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let http = reqwest::Client::new();
    println!(
        "pushing with {BIN}; sandbox latency {} ms per request",
        LATENCY.as_millis()
    );

    let mut table = Vec::new();
    let mut per_record: Option<(usize, Duration)> = None;
    for &calls in SIZES {
        let (sample, counted, people) = run_push(&runtime, &http, calls)?;
        let reported = sample.output["push"]["api_requests"].as_u64();
        table.push(Row {
            calls,
            method: Method::Push,
            wall: sample.wall,
            requests: counted,
            reported: reported.filter(|&r| r != counted),
            max_rss_kib: Some(sample.max_rss_kib),
        });

        if calls <= MEASURED_BASELINE || full_baseline {
            let (wall, counted) = run_baseline(&runtime, &http, &people)?;
            table.push(Row {
                calls,
                method: Method::PerRecord,
                wall,
                requests: counted,
                reported: None,
                max_rss_kib: None,
            });
            per_record = Some((calls, wall / u32::try_from(calls)?));
        } else {
            let Some((measured, each)) = per_record else {
                anyhow::bail!("no measured baseline to extrapolate {calls} calls from");
            };
            eprintln!(
                "  baseline for {calls} calls: extrapolated from the {measured}-call run \
                 ({:.1} ms per record)",
                each.as_secs_f64() * 1000.0
            );
            table.push(Row {
                calls,
                method: Method::PerRecordExtrapolated,
                wall: each * u32::try_from(calls)?,
                requests: calls as u64,
                reported: None,
                max_rss_kib: None,
            });
        }
    }
    print_table(&table);
    Ok(())
}

/// One case of the push: a fresh sandbox and home, the report loaded,
/// `calls` calls recorded, then the measured push. Returns the sample, the
/// requests the sandbox counted during the push, and the prospects called
/// (for the baseline).
fn run_push(
    runtime: &tokio::runtime::Runtime,
    http: &reqwest::Client,
    calls: usize,
) -> anyhow::Result<(Sample, u64, Vec<QueueRow>)> {
    let sandbox = start_sandbox()?;
    let report_id = sandbox
        .info()
        .reports
        .iter()
        .find(|r| r.name == "All Contacts")
        .ok_or_else(|| anyhow::anyhow!("the sandbox has no All Contacts report"))?
        .id
        .clone();
    let token = runtime.block_on(mint_token(http, &sandbox))?;
    let home = tempfile::tempdir()?;

    let started = Instant::now();
    load_report(sandbox.url(), &token, &report_id, home.path())?;
    eprintln!("{calls} calls: report loaded in {:.2?}", started.elapsed());
    let started = Instant::now();
    let people = record_calls(home.path(), calls)?;
    eprintln!(
        "  {calls} calls recorded through Store::record_call in {:.2?} (not measured)",
        started.elapsed()
    );

    let before = runtime.block_on(api_used(http, &sandbox))?;
    let sample = run_measured(sandbox.url(), &token, home.path())?;
    let after = runtime.block_on(api_used(http, &sandbox))?;
    let counted = after - before;
    let push = &sample.output["push"];
    let synced = push["synced"].as_u64().unwrap_or(0);
    eprintln!(
        "  push: {synced} synced in {:.2?}, {counted} API requests counted ({} reported by \
         the push), {} MiB",
        sample.wall,
        push["api_requests"],
        sample.max_rss_kib / 1024
    );
    if synced != calls as u64 {
        anyhow::bail!(
            "the push synced {synced} of {calls} calls:\n{}",
            serde_json::to_string_pretty(&sample.output)?
        );
    }
    Ok((sample, counted, people))
}

/// The naive client: one `POST sobjects/Task` per call, one after the
/// other, against a fresh sandbox. Returns the wall time and the requests
/// the sandbox counted.
fn run_baseline(
    runtime: &tokio::runtime::Runtime,
    http: &reqwest::Client,
    people: &[QueueRow],
) -> anyhow::Result<(Duration, u64)> {
    let sandbox = start_sandbox()?;
    let token = runtime.block_on(mint_token(http, &sandbox))?;
    let url = format!(
        "{}/services/data/v{}/sobjects/Task",
        sandbox.url(),
        koncert_sf::salesforce::connection::API_VERSION
    );
    let before = runtime.block_on(api_used(http, &sandbox))?;
    let started = Instant::now();
    runtime.block_on(async {
        for (n, row) in people.iter().enumerate() {
            let answer = http
                .post(&url)
                .bearer_auth(&token)
                .json(&baseline_task(row))
                .send()
                .await?;
            let status = answer.status();
            let body: Value = answer.json().await?;
            if status != reqwest::StatusCode::CREATED || body["success"] != json!(true) {
                anyhow::bail!(
                    "the baseline create of row {} failed ({status}): {body}",
                    row.row
                );
            }
            if (n + 1) % 1_000 == 0 {
                eprintln!("  baseline: {} of {} Tasks created", n + 1, people.len());
            }
        }
        anyhow::Ok(())
    })?;
    let wall = started.elapsed();
    let counted = runtime.block_on(api_used(http, &sandbox))? - before;
    eprintln!(
        "  baseline: {} Tasks in {:.2?}, {counted} API requests counted",
        people.len(),
        wall
    );
    if counted != people.len() as u64 {
        anyhow::bail!(
            "the baseline sent {counted} requests for {} calls",
            people.len()
        );
    }
    Ok((wall, counted))
}

fn start_sandbox() -> anyhow::Result<ThreadedSandbox> {
    Ok(sandbox::start_in_thread(SandboxOptions {
        latency: LATENCY,
        ..SandboxOptions::default()
    })?)
}

/// The workflow's fields of a "no-answer" call, as `log-call` freezes them.
fn task_fields() -> Map<String, Value> {
    let fields = json!({
        "Subject": "Call: No Answer",
        "Status": "Completed",
        "CallDisposition": "No Answer",
        "CallType": "Outbound",
        "Priority": "Normal",
    });
    fields.as_object().expect("an object").clone()
}

fn notes(row: i64) -> String {
    format!("Benchmark call to row {row}: no answer after six rings, no voicemail left.")
}

const DURATION_SECONDS: u32 = 65;

/// The Task the push would build for a call to `row` (see `base_task` in
/// `calls::push`), sent on its own.
fn baseline_task(row: &QueueRow) -> Value {
    let mut task = task_fields();
    task.insert("TaskSubtype".into(), json!("Call"));
    task.insert("WhoId".into(), json!(row.prospect.person_id));
    if let Some(account) = &row.prospect.account_id {
        task.insert("WhatId".into(), json!(account));
    }
    task.insert(
        "ActivityDate".into(),
        json!(Local::now().date_naive().to_string()),
    );
    task.insert("CallDurationInSeconds".into(), json!(DURATION_SECONDS));
    task.insert("Description".into(), json!(notes(row.row)));
    task.insert("CallObject".into(), json!(uuid::Uuid::new_v4().to_string()));
    Value::Object(task)
}

/// Records one pending call for each of the first `calls` prospects of the
/// list, and returns those prospects. `record_call` commits each call on
/// its own, as `log-call` does; the store has no batch insert.
fn record_calls(home: &Path, calls: usize) -> anyhow::Result<Vec<QueueRow>> {
    let mut store = Store::open(&queue_db(home)?)?;
    let people = store.queue(Some(LIST), Status::All, Some(calls))?;
    if people.len() != calls {
        anyhow::bail!(
            "the list has {} prospects, fewer than {calls}",
            people.len()
        );
    }
    let task = task_fields();
    for person in &people {
        store.record_call(&NewCall {
            id: uuid::Uuid::new_v4().to_string(),
            prospect_row: person.row,
            called_at: Utc::now(),
            outcome: "no-answer".into(),
            notes: Some(notes(person.row)),
            duration_seconds: Some(DURATION_SECONDS),
            follow_up_on: None,
            task: task.clone(),
            follow_up: None,
            person_update: None,
        })?;
    }
    Ok(people)
}

fn print_table(rows: &[Row]) {
    println!();
    println!("| calls | method | wall time | API requests | requests per 1,000 calls | peak RSS |");
    println!("| ---: | --- | ---: | ---: | ---: | ---: |");
    for row in rows {
        let method = match row.method {
            Method::Push => "koncert-sf push",
            Method::PerRecord => "one request per record",
            Method::PerRecordExtrapolated => "one request per record (extrapolated)",
        };
        let requests = match row.reported {
            Some(reported) => format!("{} (push reported {reported})", thousands(row.requests)),
            None => thousands(row.requests),
        };
        // Requests per 1,000 calls, in tenths.
        let tenths = (row.requests * 10_000 + row.calls as u64 / 2) / row.calls as u64;
        let per_thousand = format!("{}.{}", thousands(tenths / 10), tenths % 10);
        let rss = row.max_rss_kib.map_or("-".to_string(), |kib| {
            format!("{:.0} MiB", kib as f64 / 1024.0)
        });
        println!(
            "| {} | {method} | {} | {requests} | {per_thousand} | {rss} |",
            thousands(row.calls as u64),
            wall_time(row.wall),
        );
    }
    println!();
    for pair in rows.chunks(2) {
        if let [push, baseline] = pair {
            println!(
                "{} calls: the push is {:.0}x faster and sends {:.0}x fewer requests",
                thousands(push.calls as u64),
                baseline.wall.as_secs_f64() / push.wall.as_secs_f64(),
                baseline.requests as f64 / push.requests as f64
            );
        }
    }
    println!(
        "{} CPUs",
        std::thread::available_parallelism().map_or(0, usize::from)
    );
}

/// `12345` as `12,345`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

fn wall_time(wall: Duration) -> String {
    let seconds = wall.as_secs_f64();
    if seconds < 10.0 {
        format!("{seconds:.2} s")
    } else if seconds < 120.0 {
        format!("{seconds:.1} s")
    } else {
        let whole = thousands(seconds.round() as u64);
        format!("{whole} s ({:.1} min)", seconds / 60.0)
    }
}

/// Runs the release binary with the env session and `home`; fails with its
/// output when it fails. Returns its stdout.
fn koncert_sf(args: &[&str], url: &str, token: &str, home: &Path) -> anyhow::Result<Vec<u8>> {
    let output = Command::new(BIN)
        .args(args)
        .env("KONCERT_SF_ACCESS_TOKEN", token)
        .env("KONCERT_SF_INSTANCE_URL", url)
        .env("KONCERT_SF_HOME", home)
        .env_remove("KONCERT_SF_LOG")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .output()?;
    if !output.status.success() {
        anyhow::bail!(
            "koncert-sf {} failed ({}):\n{}{}",
            args.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(output.stdout)
}

/// `koncert-sf load-report ID --list bench`, as a rep runs it.
fn load_report(url: &str, token: &str, report_id: &str, home: &Path) -> anyhow::Result<()> {
    koncert_sf(
        &["load-report", report_id, "--list", LIST],
        url,
        token,
        home,
    )?;
    Ok(())
}

/// The measured step: one push in a fresh helper process.
fn run_measured(url: &str, token: &str, home: &Path) -> anyhow::Result<Sample> {
    let output = Command::new(std::env::current_exe()?)
        .args([MEASURE, url, &home.display().to_string()])
        .env("KONCERT_SF_ACCESS_TOKEN", token)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()?;
    if !output.status.success() {
        anyhow::bail!("the measured push failed ({})", output.status);
    }
    let line: Value = serde_json::from_slice(&output.stdout)?;
    Ok(Sample {
        wall: Duration::from_secs_f64(line["wall_s"].as_f64().unwrap_or_default()),
        max_rss_kib: line["max_rss_kib"].as_u64().unwrap_or_default(),
        output: line["output"].clone(),
    })
}

/// The helper process: `__measure URL HOME`, token in the environment.
/// Runs `koncert-sf push --json` and prints one JSON line with the wall
/// time, the push's peak memory and its output.
fn measure_main(args: &[String]) -> anyhow::Result<()> {
    let [url, home] = args else {
        anyhow::bail!("usage: {MEASURE} URL HOME");
    };
    let token = std::env::var("KONCERT_SF_ACCESS_TOKEN")?;
    let started = Instant::now();
    let stdout = koncert_sf(&["push", "--json"], url, &token, Path::new(home))?;
    let wall = started.elapsed();
    let usage = getrusage(UsageWho::RUSAGE_CHILDREN)?;
    let output: Value = serde_json::from_slice(&stdout)?;
    println!(
        "{}",
        json!({
            "wall_s": wall.as_secs_f64(),
            // Linux reports ru_maxrss in KiB.
            "max_rss_kib": u64::try_from(usage.max_rss()).unwrap_or(0),
            "output": output,
        })
    );
    Ok(())
}
