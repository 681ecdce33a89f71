//! Sending the outbox to Salesforce: each call becomes a Task (plus an
//! optional follow-up Task and an update of the person), exactly once.
//!
//! # How a batch goes
//!
//! 1. Claim up to 200 pending calls with a lease (two pushers never share a
//!    call; see `store::outbox`).
//! 2. Calls whose earlier create was sent without an answer being processed
//!    (`attempted`) are looked up by `CallObject`, one SOQL query for up to
//!    200 keys; Tasks found are recorded and not sent again.
//! 3. The missing Tasks go out through sObject Collections (200 records per
//!    request, `allOrNone=false`), after the calls are marked attempted;
//!    each record's result is saved as it comes: an id, or Salesforce's
//!    refusal (the call fails, the others go on).
//! 4. Person updates (Lead Status, DoNotCall) follow, one PATCH per 200.
//!
//! Connection failures, 5xx and `UNABLE_TO_LOCK_ROW` retry the batch with
//! doubling delays, starting again at step 2; when the retries run out the
//! push stops with everything still queued. Before every request the org's
//! API usage (from the last `Sforce-Limit-Info`) is compared with the
//! reserve, and a 403 `REQUEST_LIMIT_EXCEEDED` stops at once.
//!
//! # Permissions
//!
//! The Task describe says which fields this user may create. Fields they may
//! not write are left out, with one warning per push, and their values are
//! folded into the Description (so a read-only `CallDisposition` still shows
//! in the Task). `CallObject` is the exception: without it a lost answer
//! could create a duplicate, so the push refuses to run.
//!
//! # Limitations
//!
//! - A create that Salesforce is still processing when our request times out
//!   (three minutes) is invisible to the lookup and would be sent again. The
//!   first retry waits the retry delay, and Salesforce creates 200 Tasks in
//!   seconds, so this needs a request stuck for minutes on Salesforce's side.
//! - Person updates are not checked against the Contact and Lead describes
//!   (two more API calls per push); a field the user may not edit fails the
//!   call with Salesforce's message, and `push --retry-failed` retries only
//!   the update.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::header::{HeaderMap, HeaderValue, IF_MODIFIED_SINCE};
use reqwest::{Method, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::input::local_date;
use crate::exit::Exit;
use crate::queue::PersonKind;
use crate::salesforce::connection::{Connection, SalesforceError};
use crate::salesforce::limits::ApiUsage;
use crate::store::{self, OutboxCall, Progress, Store};

/// Records per sObject Collections request, Salesforce's maximum.
pub const COLLECTION_LIMIT: usize = 200;

/// `CallObject` keys per lookup query: 200 quoted UUIDs keep the query URL
/// near 10,000 characters, well under Salesforce's 16,384-character URI
/// limit.
const LOOKUP_KEYS: usize = 200;

/// How long a cached Task describe is trusted with a conditional request
/// before it is fetched again in full (a permission change does not always
/// change the object's last-modified date).
const DESCRIBE_TTL: chrono::Duration = chrono::Duration::hours(24);

/// Suffix of a follow-up Task's `CallObject`: the call's UUID plus this.
pub const FOLLOW_UP_SUFFIX: &str = ":follow-up";

/// How a push behaves, from `[sync]` and the command line.
#[derive(Debug, Clone)]
pub struct PushOptions {
    /// Stop when usage reaches this percentage of the org's allowance.
    pub reserve_percent: u8,
    /// Go on past the reserve, up to the hard limit.
    pub ignore_reserve: bool,
    /// Retries of a batch after transient failures.
    pub retries: u32,
    /// First retry delay; doubled on each retry.
    pub retry_delay: Duration,
    /// Calls claimed per batch.
    pub batch_calls: usize,
    /// How long a claim holds; renewed before each attempt.
    pub lease: chrono::Duration,
    /// This org's cached Task describe, if it may be cached.
    pub describe_cache: Option<PathBuf>,
}

impl Default for PushOptions {
    fn default() -> Self {
        Self {
            reserve_percent: 90,
            ignore_reserve: false,
            retries: 4,
            retry_delay: Duration::from_millis(500),
            batch_calls: COLLECTION_LIMIT,
            lease: chrono::Duration::minutes(10),
            describe_cache: None,
        }
    }
}

/// Progress callbacks, for the bar `push` draws on a terminal.
pub trait Observer {
    /// `total` calls are pending at the start.
    fn start(&self, total: u64);
    /// `done` more calls were settled (synced or failed).
    fn settled(&self, done: u64);
}

/// No progress display.
pub struct Quiet;

impl Observer for Quiet {
    fn start(&self, _total: u64) {}
    fn settled(&self, _done: u64) {}
}

/// A call Salesforce (or a local check) refused in this push.
#[derive(Debug, Clone, Serialize)]
pub struct Refused {
    pub id: String,
    pub prospect: String,
    pub error: String,
}

/// Why a push stopped before the outbox was empty.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Stop {
    /// Usage reached the configured reserve.
    Reserve {
        usage: ApiUsage,
        reserve_percent: u8,
    },
    /// The org's allowance is spent (403 `REQUEST_LIMIT_EXCEEDED`).
    Limit { usage: Option<ApiUsage> },
    /// Salesforce or the network failed past the retries.
    Unavailable { message: String },
    /// No usable session.
    NotLoggedIn {
        message: String,
        hint: Option<String>,
    },
    /// The user cannot write `Task.CallObject`.
    NoCallObject,
    /// Any other refusal of a whole request.
    Refused { message: String },
}

impl Stop {
    /// The exit code of this stop.
    pub fn exit(&self) -> Exit {
        match self {
            Self::Reserve { .. } | Self::Limit { .. } => Exit::ApiLimit,
            Self::Unavailable { .. } => Exit::Unavailable,
            Self::NotLoggedIn { .. } => Exit::NotLoggedIn,
            Self::NoCallObject | Self::Refused { .. } => Exit::Other,
        }
    }

    /// What happened, in one sentence.
    pub fn message(&self) -> String {
        match self {
            Self::Reserve {
                usage,
                reserve_percent,
            } => format!(
                "sync stopped: the org has used {} of {} API requests today ({:.0}%), at the \
                 {reserve_percent}% reserve",
                usage.used,
                usage.max,
                usage.percent()
            ),
            Self::Limit { usage: Some(usage) } => format!(
                "sync stopped: the org's daily API limit is reached ({} of {} requests used)",
                usage.used, usage.max
            ),
            Self::Limit { usage: None } => {
                "sync stopped: the org's daily API limit is reached".to_string()
            }
            Self::Unavailable { message } => format!("sync stopped: {message}"),
            Self::NotLoggedIn { message, .. } => format!("sync stopped: {message}"),
            Self::NoCallObject => "sync stopped: this user cannot write Task.CallObject, which \
                 koncert-sf needs to send each call exactly once"
                .to_string(),
            Self::Refused { message } => format!("sync stopped: {message}"),
        }
    }

    /// What the user can do next.
    pub fn hint(&self) -> String {
        match self {
            Self::Reserve { .. } => "queued calls are kept; run `koncert-sf push` later, or \
                 `koncert-sf push --ignore-reserve` to use the reserve"
                .to_string(),
            Self::Limit { .. } => "queued calls are kept; Salesforce counts requests over a \
                 rolling 24 hours, so run `koncert-sf push` later"
                .to_string(),
            Self::Unavailable { .. } => {
                "queued calls are kept; run `koncert-sf push` when Salesforce is reachable"
                    .to_string()
            }
            Self::NotLoggedIn { hint, .. } => {
                let then = "then `koncert-sf push`; queued calls are kept";
                match hint {
                    Some(hint) => format!("{hint}, {then}"),
                    None => then.to_string(),
                }
            }
            Self::NoCallObject => "ask your Salesforce admin for edit access to the Task field \
                 Call Object Identifier (CallObject); queued calls are kept"
                .to_string(),
            Self::Refused { .. } => "queued calls are kept; run with -v for details".to_string(),
        }
    }
}

/// What a push did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// Calls fully confirmed by this push.
    pub synced: usize,
    /// Of those, calls whose Task was already in Salesforce (found by lookup).
    pub found_existing: usize,
    /// Calls refused in this push.
    pub refused: Vec<Refused>,
    /// Requests this push sent (each counts against the org's allowance).
    pub api_requests: u32,
    /// Task fields this user may not write, left out of every record.
    pub left_out_fields: Vec<String>,
    /// API usage after the push, when Salesforce reported it.
    pub usage: Option<ApiUsage>,
    /// Why the push stopped early, if it did.
    pub stop: Option<Stop>,
}

/// A failure of the local database: nothing more can be recorded safely.
#[derive(Debug, thiserror::Error)]
#[error("the local outbox could not be updated")]
pub struct OutboxError(#[from] pub store::Error);

/// One Task field, as far as the push cares.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct FieldInfo {
    name: String,
    label: String,
    #[serde(rename = "type")]
    kind: String,
    length: u64,
    createable: bool,
}

/// The cached describe of Task.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct TaskDescribe {
    fetched_at: DateTime<Utc>,
    fields: Vec<FieldInfo>,
}

impl TaskDescribe {
    fn from_body(body: &Value) -> Self {
        let fields = body["fields"]
            .as_array()
            .map(|fields| {
                fields
                    .iter()
                    .filter_map(|f| serde_json::from_value(f.clone()).ok())
                    .collect()
            })
            .unwrap_or_default();
        Self {
            fetched_at: Utc::now(),
            fields,
        }
    }
}

/// The fields of Task this user may create, with their limits.
struct Writable {
    fields: HashMap<String, FieldInfo>,
}

impl Writable {
    fn new(describe: &TaskDescribe) -> Self {
        let fields = describe
            .fields
            .iter()
            .filter(|f| f.createable)
            .map(|f| (f.name.to_ascii_lowercase(), f.clone()))
            .collect();
        Self { fields }
    }

    fn get(&self, name: &str) -> Option<&FieldInfo> {
        self.fields.get(&name.to_ascii_lowercase())
    }
}

/// Which record of a create request a result belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Task,
    FollowUp,
}

/// The push of one org's outbox.
pub struct Pusher<'a> {
    connection: &'a Connection,
    store: &'a mut Store,
    options: PushOptions,
    observer: &'a dyn Observer,
    owner: String,
    instance: String,
    report: Report,
    left_out: BTreeSet<String>,
}

impl<'a> Pusher<'a> {
    pub fn new(
        connection: &'a Connection,
        store: &'a mut Store,
        options: PushOptions,
        observer: &'a dyn Observer,
    ) -> Self {
        Self {
            instance: connection.instance_key(),
            connection,
            store,
            options,
            observer,
            owner: uuid::Uuid::new_v4().to_string(),
            report: Report::default(),
            left_out: BTreeSet::new(),
        }
    }

    /// Sends every pending call of this org. A stop (limit, outage, login)
    /// is part of the report; only a database failure is an error, and even
    /// then every call stays recorded.
    pub async fn run(mut self) -> Result<Report, OutboxError> {
        let pending = self.store.outbox_counts(&self.instance)?.pending;
        if pending == 0 {
            return Ok(self.report);
        }
        self.observer.start(u64::try_from(pending).unwrap_or(0));

        let result = self.run_batches().await;
        // Leases are given back whatever happened; an error here is logged,
        // since the leases expire on their own.
        if let Err(error) = self.store.release(&self.owner) {
            tracing::warn!(%error, "cannot release the push's claims");
        }
        self.connection.save_usage().await;
        self.report.usage = self.connection.last_usage();
        self.report.left_out_fields = self.left_out.into_iter().collect();
        result?;
        Ok(self.report)
    }

    async fn run_batches(&mut self) -> Result<(), OutboxError> {
        let mut attempt = 0;
        let writable = loop {
            match self.writable().await {
                Ok(writable) => break writable,
                Err(Stop::Unavailable { message }) if attempt < self.options.retries => {
                    tracing::info!(%message, "retrying the Task describe");
                    tokio::time::sleep(self.retry_delay(attempt)).await;
                    attempt += 1;
                }
                Err(Stop::Unavailable { message }) => {
                    self.report.stop = Some(self.gave_up(message));
                    return Ok(());
                }
                Err(stop) => {
                    self.report.stop = Some(stop);
                    return Ok(());
                }
            }
        };
        if writable.get("CallObject").is_none() {
            self.report.stop = Some(Stop::NoCallObject);
            return Ok(());
        }

        loop {
            let batch = self.store.claim(
                &self.instance,
                &self.owner,
                self.options.lease,
                self.options.batch_calls,
            )?;
            if batch.is_empty() {
                return Ok(());
            }
            tracing::debug!(calls = batch.len(), "claimed a batch");
            if let Err(stop) = self.push_batch(batch, &writable).await? {
                self.report.stop = Some(stop);
                return Ok(());
            }
            self.store.release(&self.owner)?;
        }
    }

    /// The delay before retry number `attempt + 1`: doubling each time.
    fn retry_delay(&self, attempt: u32) -> Duration {
        self.options.retry_delay * 2u32.saturating_pow(attempt)
    }

    fn gave_up(&self, message: String) -> Stop {
        Stop::Unavailable {
            message: format!("{message} (gave up after {} retries)", self.options.retries),
        }
    }

    /// The Task describe, from the cache when Salesforce says it has not
    /// changed.
    async fn writable(&mut self) -> Result<Writable, Stop> {
        let cached: Option<TaskDescribe> = self
            .options
            .describe_cache
            .as_ref()
            .and_then(|path| std::fs::read(path).ok())
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .filter(|d: &TaskDescribe| Utc::now() - d.fetched_at < DESCRIBE_TTL);

        let mut headers = HeaderMap::new();
        if let Some(cached) = &cached {
            let since = cached
                .fetched_at
                .format("%a, %d %b %Y %H:%M:%S GMT")
                .to_string();
            if let Ok(value) = HeaderValue::from_str(&since) {
                headers.insert(IF_MODIFIED_SINCE, value);
            }
        }
        let answer = self
            .request(Method::GET, "sobjects/Task/describe", None, &headers)
            .await?;
        let describe = match (answer, cached) {
            ((StatusCode::NOT_MODIFIED, _), Some(cached)) => cached,
            ((status, body), _) if status.is_success() => {
                let fresh = TaskDescribe::from_body(&body);
                self.save_describe(&fresh);
                fresh
            }
            ((status, body), _) => {
                let error = SalesforceError::from_reply(status, &body);
                return Err(Stop::Refused {
                    message: format!("cannot read the Task fields: {error}"),
                });
            }
        };
        Ok(Writable::new(&describe))
    }

    fn save_describe(&self, describe: &TaskDescribe) {
        let Some(path) = &self.options.describe_cache else {
            return;
        };
        let saved = path
            .parent()
            .map_or(Ok(()), crate::profiles::create_private_dir)
            .and_then(|()| {
                let bytes = serde_json::to_vec(describe).expect("a describe serializes");
                crate::profiles::write_private(path, &bytes)
            });
        if let Err(error) = saved {
            tracing::warn!(%error, path = %path.display(), "cannot cache the Task describe");
        }
    }

    /// One request, after the reserve check; the API error kinds become
    /// stops. Other answers (2xx, 304, 4xx) come back to the caller.
    async fn request(
        &mut self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        headers: &HeaderMap,
    ) -> Result<(StatusCode, Value), Stop> {
        if let Some(usage) = self.connection.last_usage() {
            if usage.is_exhausted() {
                return Err(Stop::Limit { usage: Some(usage) });
            }
            let reserve = f64::from(self.options.reserve_percent);
            if !self.options.ignore_reserve && usage.percent() >= reserve {
                return Err(Stop::Reserve {
                    usage,
                    reserve_percent: self.options.reserve_percent,
                });
            }
        }
        self.report.api_requests += 1;
        self.connection
            .send_with(method, path, body, headers)
            .await
            .map_err(stop_of)
    }

    /// Pushes one claimed batch to the end, retrying transient failures.
    /// `Ok(Err(stop))` is a stop; the calls not done stay queued.
    async fn push_batch(
        &mut self,
        mut batch: Vec<OutboxCall>,
        writable: &Writable,
    ) -> Result<Result<(), Stop>, OutboxError> {
        // Local checks first: a call that cannot be valid is failed now.
        let mut settled = 0;
        batch.retain(|call| match local_problem(call, writable) {
            Some(problem) => {
                self.report.refused.push(Refused {
                    id: call.id.clone(),
                    prospect: call.prospect_name.clone(),
                    error: problem.clone(),
                });
                let failed = Progress {
                    id: call.id.clone(),
                    error: Some(problem),
                    ..Progress::default()
                };
                if let Err(error) = self.store.save_progress(&[failed]) {
                    tracing::warn!(%error, "cannot save a local refusal");
                }
                settled += 1;
                false
            }
            None => true,
        });
        self.observer.settled(settled);

        let mut attempt = 0;
        loop {
            self.store.renew(&self.owner, self.options.lease)?;
            let step = self.attempt_batch(&mut batch, writable).await?;
            let done: Vec<usize> = (0..batch.len())
                .filter(|&i| is_done(&batch[i]) || batch[i].failed())
                .collect();
            self.observer.settled(done.len() as u64);
            for &i in done.iter().rev() {
                let call = batch.remove(i);
                if is_done(&call) {
                    self.report.synced += 1;
                }
            }
            match step {
                Step::Stop(stop) => return Ok(Err(stop)),
                Step::Done if batch.is_empty() => return Ok(Ok(())),
                Step::Done | Step::Retry(_) => {}
            }
            if attempt >= self.options.retries {
                let message = match step {
                    Step::Retry(message) => message,
                    _ => "some records stayed locked in Salesforce".to_string(),
                };
                return Ok(Err(self.gave_up(message)));
            }
            let delay = self.retry_delay(attempt);
            tracing::info!(
                delay_ms = delay.as_millis() as u64,
                left = batch.len(),
                "retrying"
            );
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    /// One pass over the batch: lookup, creates, person updates.
    async fn attempt_batch(
        &mut self,
        batch: &mut [OutboxCall],
        writable: &Writable,
    ) -> Result<Step, OutboxError> {
        match self.look_up(batch).await? {
            Step::Done => {}
            other => return Ok(other),
        }
        let created = self.create(batch, writable).await?;
        if let Step::Stop(_) | Step::Retry(_) = created {
            return Ok(created);
        }
        let updated = self.update_people(batch).await?;
        Ok(match (created, updated) {
            (_, Step::Stop(stop)) => Step::Stop(stop),
            (_, Step::Retry(message)) | (Step::Retry(message), _) => Step::Retry(message),
            _ => Step::Done,
        })
    }

    /// One sObject Collections request (POST creates, PATCH updates), each
    /// record on its own (`allOrNone=false`).
    async fn collection(
        &mut self,
        method: Method,
        records: Vec<Value>,
    ) -> Result<(StatusCode, Value), Stop> {
        let body = json!({"allOrNone": false, "records": records});
        let path = "composite/sobjects";
        self.request(method, path, Some(&body), &HeaderMap::new())
            .await
    }

    /// Finds the Tasks of calls whose earlier create has no known answer.
    async fn look_up(&mut self, batch: &mut [OutboxCall]) -> Result<Step, OutboxError> {
        let mut keys: Vec<(usize, Part, String)> = Vec::new();
        for (i, call) in batch.iter().enumerate() {
            if !call.attempted {
                continue;
            }
            if call.task_id.is_none() {
                keys.push((i, Part::Task, call.id.clone()));
            }
            if call.follow_up.is_some() && call.follow_up_id.is_none() {
                keys.push((i, Part::FollowUp, format!("{}{FOLLOW_UP_SUFFIX}", call.id)));
            }
        }
        for chunk in keys.chunks(LOOKUP_KEYS) {
            let quoted: Vec<String> = chunk.iter().map(|(_, _, k)| soql_quote(k)).collect();
            let soql = format!(
                "SELECT Id, CallObject FROM Task WHERE CallObject IN ({})",
                quoted.join(",")
            );
            let path = format!("query?q={}", urlencode(&soql));
            let (status, body) = match self
                .request(Method::GET, &path, None, &HeaderMap::new())
                .await
            {
                Ok(answer) => answer,
                Err(Stop::Unavailable { message }) => return Ok(Step::Retry(message)),
                Err(stop) => return Ok(Step::Stop(stop)),
            };
            if !status.is_success() {
                let error = SalesforceError::from_reply(status, &body);
                return Ok(Step::Stop(Stop::Refused {
                    message: format!("cannot look up calls sent earlier: {error}"),
                }));
            }
            let found: HashMap<String, String> = body["records"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|r| Some((r["CallObject"].as_str()?.into(), r["Id"].as_str()?.into())))
                .collect();
            let mut progress = Vec::new();
            for (i, part, key) in chunk {
                let call = &mut batch[*i];
                let id = found.get(key).cloned();
                match part {
                    Part::Task => {
                        if id.is_some() {
                            self.report.found_existing += 1;
                        }
                        call.task_id.clone_from(&id);
                    }
                    Part::FollowUp => call.follow_up_id.clone_from(&id),
                }
                call.attempted = false;
                progress.push(Progress {
                    id: call.id.clone(),
                    task_id: if *part == Part::Task {
                        id.clone()
                    } else {
                        None
                    },
                    follow_up_id: if *part == Part::FollowUp { id } else { None },
                    attempted: Some(false),
                    ..Progress::default()
                });
            }
            self.store.save_progress(&progress)?;
        }
        Ok(Step::Done)
    }

    /// Creates the missing Tasks and follow-ups.
    async fn create(
        &mut self,
        batch: &mut [OutboxCall],
        writable: &Writable,
    ) -> Result<Step, OutboxError> {
        let mut records: Vec<(usize, Part, Value)> = Vec::new();
        for (i, call) in batch.iter().enumerate() {
            if call.failed() {
                continue;
            }
            if call.task_id.is_none() {
                let record = task_record(call, writable, &mut self.left_out);
                records.push((i, Part::Task, record));
            }
            if call.follow_up.is_some() && call.follow_up_id.is_none() {
                let record = follow_up_record(call, writable, &mut self.left_out);
                records.push((i, Part::FollowUp, record));
            }
        }

        let mut retry = None;
        for chunk in records.chunks(COLLECTION_LIMIT) {
            let ids: BTreeSet<usize> = chunk.iter().map(|(i, _, _)| *i).collect();
            let call_ids: Vec<String> = ids.iter().map(|&i| batch[i].id.clone()).collect();
            let mark = |attempted| -> Vec<Progress> {
                call_ids
                    .iter()
                    .map(|id| Progress {
                        id: id.clone(),
                        attempted: Some(attempted),
                        ..Progress::default()
                    })
                    .collect()
            };
            // Durable before the request leaves: if the answer is lost, the
            // next attempt (or push) knows to look these calls up.
            self.store.save_progress(&mark(true))?;
            for &i in &ids {
                batch[i].attempted = true;
            }

            let records = chunk.iter().map(|(_, _, r)| r.clone()).collect();
            let answer = self.collection(Method::POST, records).await;
            let (status, results) = match answer {
                Ok(answer) => answer,
                Err(Stop::Unavailable { message }) => return Ok(Step::Retry(message)),
                Err(stop) => {
                    // Refused before processing (limit, login): nothing was created.
                    self.store.save_progress(&mark(false))?;
                    for &i in &ids {
                        batch[i].attempted = false;
                    }
                    return Ok(Step::Stop(stop));
                }
            };

            let mut progress: BTreeMap<usize, Progress> = ids
                .iter()
                .map(|&i| {
                    let p = Progress {
                        id: batch[i].id.clone(),
                        attempted: Some(false),
                        ..Progress::default()
                    };
                    (i, p)
                })
                .collect();
            let results = per_record(status, &results, chunk.len());
            for ((i, part, _), result) in chunk.iter().zip(&results) {
                let call = &mut batch[*i];
                let entry = progress.get_mut(i).expect("every chunk call has progress");
                call.attempted = false;
                if result["success"].as_bool() == Some(true) {
                    let id = result["id"].as_str().map(str::to_string);
                    match part {
                        Part::Task => {
                            call.task_id.clone_from(&id);
                            entry.task_id = id;
                        }
                        Part::FollowUp => {
                            call.follow_up_id.clone_from(&id);
                            entry.follow_up_id = id;
                        }
                    }
                    continue;
                }
                let (transient, message) = record_errors(result);
                if transient {
                    retry = Some(message);
                    continue;
                }
                let what = match part {
                    Part::Task => "Task",
                    Part::FollowUp => "follow-up Task",
                };
                let error = format!("{what}: {message}");
                call.error = Some(error.clone());
                entry.error = Some(error.clone());
                self.report.refused.push(Refused {
                    id: call.id.clone(),
                    prospect: call.prospect_name.clone(),
                    error,
                });
            }
            let progress: Vec<Progress> = progress.into_values().collect();
            self.store.save_progress(&progress)?;
        }
        Ok(match retry {
            Some(message) => Step::Retry(message),
            None => Step::Done,
        })
    }

    /// Applies the person updates of calls whose Task exists.
    async fn update_people(&mut self, batch: &mut [OutboxCall]) -> Result<Step, OutboxError> {
        // One record per person: a later call's values win, and Salesforce
        // refuses the same id twice in one request.
        let mut people: BTreeMap<String, PersonUpdate> = BTreeMap::new();
        for (i, call) in batch.iter().enumerate() {
            let Some(update) = &call.person_update else {
                continue;
            };
            if call.person_updated || call.task_id.is_none() || call.failed() {
                continue;
            }
            let entry = people
                .entry(call.person_id.clone())
                .or_insert_with(|| (call.kind, Map::new(), Vec::new()));
            entry.1.extend(update.clone());
            entry.2.push(i);
        }
        let people: Vec<(String, PersonUpdate)> = people.into_iter().collect();

        let mut retry = None;
        for chunk in people.chunks(COLLECTION_LIMIT) {
            let records: Vec<Value> = chunk
                .iter()
                .map(|(id, (kind, fields, _))| {
                    let mut record = Map::new();
                    record.insert("attributes".into(), json!({"type": kind.object()}));
                    record.insert("Id".into(), json!(id));
                    record.extend(fields.clone());
                    Value::Object(record)
                })
                .collect();
            let answer = self.collection(Method::PATCH, records).await;
            let (status, results) = match answer {
                Ok(answer) => answer,
                Err(Stop::Unavailable { message }) => return Ok(Step::Retry(message)),
                Err(stop) => return Ok(Step::Stop(stop)),
            };
            let results = per_record(status, &results, chunk.len());
            let mut progress = Vec::new();
            for ((person, (kind, _, calls)), result) in chunk.iter().zip(&results) {
                let ok = result["success"].as_bool() == Some(true);
                let (transient, message) = if ok {
                    (false, String::new())
                } else {
                    record_errors(result)
                };
                if transient {
                    retry = Some(message);
                    continue;
                }
                for &i in calls {
                    let call = &mut batch[i];
                    if ok {
                        call.person_updated = true;
                        progress.push(Progress {
                            id: call.id.clone(),
                            person_updated: true,
                            ..Progress::default()
                        });
                    } else {
                        let error = format!("update of {} {person}: {message}", kind.object());
                        call.error = Some(error.clone());
                        progress.push(Progress {
                            id: call.id.clone(),
                            error: Some(error.clone()),
                            ..Progress::default()
                        });
                        self.report.refused.push(Refused {
                            id: call.id.clone(),
                            prospect: call.prospect_name.clone(),
                            error,
                        });
                    }
                }
            }
            self.store.save_progress(&progress)?;
        }
        Ok(match retry {
            Some(message) => Step::Retry(message),
            None => Step::Done,
        })
    }
}

/// One person's merged update: their kind, the fields, and the batch
/// positions of the calls asking for it.
type PersonUpdate = (PersonKind, Map<String, Value>, Vec<usize>);

/// How one pass over a batch ended.
enum Step {
    /// Every call of the pass is settled (or waits for nothing).
    Done,
    /// A transient failure; the batch is retried after a delay.
    Retry(String),
    /// The push must stop.
    Stop(Stop),
}

impl OutboxCall {
    fn failed(&self) -> bool {
        self.error.is_some()
    }
}

/// Whether every write the call needs is confirmed.
fn is_done(call: &OutboxCall) -> bool {
    !call.failed()
        && call.task_id.is_some()
        && (call.follow_up.is_none() || call.follow_up_id.is_some())
        && (call.person_update.is_none() || call.person_updated)
}

fn stop_of(error: SalesforceError) -> Stop {
    match error {
        SalesforceError::LimitReached { usage } => Stop::Limit { usage },
        SalesforceError::Unavailable { .. } => Stop::Unavailable {
            message: error.to_string(),
        },
        SalesforceError::NotLoggedIn { .. } | SalesforceError::Store(_) => Stop::NotLoggedIn {
            hint: error.hint(),
            message: error.to_string(),
        },
        SalesforceError::Api { .. } => Stop::Refused {
            message: error.to_string(),
        },
    }
}

/// A collection answer as one result per record. A refusal of the whole
/// request becomes the same failure for every record, since resending the
/// same request cannot help.
fn per_record(status: StatusCode, body: &Value, records: usize) -> Vec<Value> {
    match (status.is_success(), body.as_array()) {
        (true, Some(results)) if results.len() == records => results.clone(),
        _ => {
            let error = SalesforceError::from_reply(status, body).to_string();
            vec![json!({"success": false, "errors": [{"message": error}]}); records]
        }
    }
}

/// The message of a failed collection result, and whether it is the
/// transient lock error that a retry fixes.
fn record_errors(result: &Value) -> (bool, String) {
    let errors: Vec<&Value> = result["errors"].as_array().into_iter().flatten().collect();
    let transient = errors
        .iter()
        .any(|e| e["statusCode"].as_str() == Some("UNABLE_TO_LOCK_ROW"));
    let message = errors
        .iter()
        .map(|e| {
            let code = e["statusCode"].as_str().unwrap_or_default();
            let text = e["message"].as_str().unwrap_or("refused");
            if code.is_empty() {
                text.to_string()
            } else {
                format!("{code}: {text}")
            }
        })
        .collect::<Vec<_>>()
        .join("; ");
    let message = if message.is_empty() {
        "refused without a reason".to_string()
    } else {
        message
    };
    (transient, message)
}

/// The Task fields every call sets itself, around the workflow's fields.
fn base_task(call: &OutboxCall) -> Map<String, Value> {
    let mut record = Map::new();
    record.insert("attributes".into(), json!({"type": "Task"}));
    record.extend(call.task.clone());
    record.insert("TaskSubtype".into(), json!("Call"));
    record.insert("WhoId".into(), json!(call.person_id));
    // Salesforce refuses a Task related to a Lead and to another record.
    if call.kind == PersonKind::Contact
        && let Some(what) = call.related_id.as_ref().or(call.account_id.as_ref())
    {
        record.insert("WhatId".into(), json!(what));
    }
    record.insert(
        "ActivityDate".into(),
        json!(local_date(call.called_at).to_string()),
    );
    if let Some(seconds) = call.duration_seconds {
        record.insert("CallDurationInSeconds".into(), json!(seconds));
    }
    if let Some(notes) = &call.notes {
        record.insert("Description".into(), json!(notes));
    }
    record.insert("CallObject".into(), json!(call.id));
    record
}

/// The call's Task as sent: unwritable fields left out and folded into the
/// Description.
fn task_record(call: &OutboxCall, writable: &Writable, left_out: &mut BTreeSet<String>) -> Value {
    let mut record = base_task(call);
    let mut folded = Vec::new();
    record.retain(|name, value| {
        if name == "attributes" || writable.get(name).is_some() {
            return true;
        }
        left_out.insert(name.clone());
        let label = if name == "CallDisposition" {
            "Call result".to_string()
        } else {
            name.clone()
        };
        match value {
            Value::Null => {}
            Value::String(text) => folded.push(format!("{label}: {text}")),
            other => folded.push(format!("{label}: {other}")),
        }
        false
    });
    if !folded.is_empty() && writable.get("Description").is_some() {
        let notes = record
            .get("Description")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let mut description = folded.join("\n");
        if !notes.is_empty() {
            description.push_str("\n\n");
            description.push_str(notes);
        }
        record.insert("Description".into(), json!(description));
    }
    Value::Object(record)
}

/// The follow-up Task: the workflow's fields, the same person and record,
/// and a `CallObject` derived from the call's, for the lookup.
fn follow_up_record(
    call: &OutboxCall,
    writable: &Writable,
    left_out: &mut BTreeSet<String>,
) -> Value {
    let mut record = follow_up_fields(call);
    record.retain(|name, _| {
        let keep = name == "attributes" || writable.get(name).is_some();
        if !keep {
            left_out.insert(name.clone());
        }
        keep
    });
    Value::Object(record)
}

/// The follow-up Task before permissions apply.
fn follow_up_fields(call: &OutboxCall) -> Map<String, Value> {
    let mut record = Map::new();
    record.insert("attributes".into(), json!({"type": "Task"}));
    record.extend(call.follow_up.clone().unwrap_or_default());
    let base = base_task(call);
    for field in ["WhoId", "WhatId"] {
        if let Some(value) = base.get(field) {
            record.insert(field.into(), value.clone());
        }
    }
    let key = format!("{}{FOLLOW_UP_SUFFIX}", call.id);
    record.insert("CallObject".into(), json!(key));
    record
}

/// The records a call would send, before fields this user may not write
/// are left out (that needs the org's describe): for `push --dry-run`.
pub fn preview(call: &OutboxCall) -> Vec<Value> {
    let mut records = Vec::new();
    if call.task_id.is_none() {
        records.push(Value::Object(base_task(call)));
    }
    if call.follow_up.is_some() && call.follow_up_id.is_none() {
        records.push(Value::Object(follow_up_fields(call)));
    }
    if let (Some(fields), false) = (&call.person_update, call.person_updated) {
        let mut record = Map::new();
        record.insert("attributes".into(), json!({"type": call.kind.object()}));
        record.insert("Id".into(), json!(call.person_id));
        record.extend(fields.clone());
        records.push(Value::Object(record));
    }
    records
}

/// A reason the call's records cannot be valid in this org: a text value
/// longer than its field allows (Salesforce would refuse it anyway).
fn local_problem(call: &OutboxCall, writable: &Writable) -> Option<String> {
    let mut scratch = BTreeSet::new();
    let mut records = Vec::new();
    if call.task_id.is_none() {
        records.push(("Task", task_record(call, writable, &mut scratch)));
    }
    if call.follow_up.is_some() && call.follow_up_id.is_none() {
        records.push((
            "follow-up Task",
            follow_up_record(call, writable, &mut scratch),
        ));
    }
    for (what, record) in records {
        for (name, value) in record.as_object().into_iter().flatten() {
            let (Some(field), Some(text)) = (writable.get(name), value.as_str()) else {
                continue;
            };
            let length = text.chars().count() as u64;
            let is_text = matches!(
                field.kind.as_str(),
                "string" | "textarea" | "combobox" | "phone" | "url" | "email" | "picklist"
            );
            if is_text && field.length > 0 && length > field.length {
                return Some(format!(
                    "{what}: {} ({name}) is {length} characters; this org allows {} (shorten the \
                     value in the workflow of outcome `{}`)",
                    field.label, field.length, call.outcome
                ));
            }
        }
    }
    None
}

/// A SOQL string literal.
fn soql_quote(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn writable(names: &[(&str, u64)]) -> Writable {
        let fields = names
            .iter()
            .map(|(name, length)| FieldInfo {
                name: (*name).to_string(),
                label: format!("{name} label"),
                kind: if *length > 0 { "string" } else { "reference" }.to_string(),
                length: *length,
                createable: true,
            })
            .collect();
        Writable::new(&TaskDescribe {
            fetched_at: Utc::now(),
            fields,
        })
    }

    fn call(kind: PersonKind) -> OutboxCall {
        let task = json!({"Subject": "Call: Connected", "CallDisposition": "Connected"});
        OutboxCall {
            id: "6f1c8a4e-0000-4000-8000-000000000001".into(),
            called_at: "2026-05-01T12:00:00Z".parse().unwrap(),
            outcome: "connected".into(),
            notes: Some("Asked for pricing".into()),
            duration_seconds: Some(250),
            task: task.as_object().unwrap().clone(),
            follow_up: None,
            person_update: None,
            task_id: None,
            follow_up_id: None,
            person_updated: false,
            attempted: false,
            error: None,
            person_id: "003Hs00000AAAAAAAA".into(),
            kind,
            related_id: None,
            account_id: Some("001Hs00000AAAAAAAA".into()),
            prospect_name: "Ada".into(),
            list: "l".into(),
        }
    }

    const ALL: &[(&str, u64)] = &[
        ("Subject", 255),
        ("CallDisposition", 255),
        ("TaskSubtype", 40),
        ("WhoId", 0),
        ("WhatId", 0),
        ("ActivityDate", 0),
        ("CallDurationInSeconds", 0),
        ("Description", 32000),
        ("CallObject", 255),
    ];

    #[test]
    fn a_contact_call_becomes_a_complete_task() {
        let mut left_out = BTreeSet::new();
        let record = task_record(&call(PersonKind::Contact), &writable(ALL), &mut left_out);
        assert_eq!(record["TaskSubtype"], "Call");
        assert_eq!(record["WhatId"], "001Hs00000AAAAAAAA");
        assert_eq!(record["CallObject"], "6f1c8a4e-0000-4000-8000-000000000001");
        assert_eq!(record["CallDurationInSeconds"], 250);
        assert_eq!(record["Description"], "Asked for pricing");
        assert!(left_out.is_empty());
    }

    #[test]
    fn a_lead_task_has_no_related_record() {
        let record = task_record(
            &call(PersonKind::Lead),
            &writable(ALL),
            &mut BTreeSet::new(),
        );
        assert!(record.get("WhatId").is_none());
    }

    #[test]
    fn an_unwritable_disposition_folds_into_the_description() {
        let fields: Vec<(&str, u64)> = ALL
            .iter()
            .copied()
            .filter(|(n, _)| *n != "CallDisposition")
            .collect();
        let mut left_out = BTreeSet::new();
        let record = task_record(
            &call(PersonKind::Contact),
            &writable(&fields),
            &mut left_out,
        );
        assert!(record.get("CallDisposition").is_none());
        assert_eq!(
            record["Description"],
            "Call result: Connected\n\nAsked for pricing"
        );
        assert_eq!(left_out, BTreeSet::from(["CallDisposition".to_string()]));
    }

    #[test]
    fn over_long_values_are_refused_locally_with_the_limit() {
        let mut long = call(PersonKind::Contact);
        long.task.insert("Subject".into(), json!("x".repeat(256)));
        let problem = local_problem(&long, &writable(ALL)).unwrap();
        assert!(
            problem.contains("256 characters; this org allows 255"),
            "{problem}"
        );
        assert!(local_problem(&call(PersonKind::Contact), &writable(ALL)).is_none());
    }

    #[test]
    fn soql_literals_are_escaped() {
        assert_eq!(soql_quote("a'b\\c"), "'a\\'b\\\\c'");
    }

    #[test]
    fn transient_lock_errors_are_recognised() {
        let locked = json!({"success": false, "errors": [
            {"statusCode": "UNABLE_TO_LOCK_ROW", "message": "unable to obtain exclusive access"}
        ]});
        assert!(record_errors(&locked).0);
        let invalid = json!({"success": false, "errors": [
            {"statusCode": "STRING_TOO_LONG", "message": "too long", "fields": ["X"]}
        ]});
        assert_eq!(
            record_errors(&invalid),
            (false, "STRING_TOO_LONG: too long".to_string())
        );
    }
}
