//! HTTP handlers of the Reports API and the asynchronous report instances.
//!
//! An instance is computed when it is requested (a snapshot, as Salesforce
//! keeps one), reads `Running` until `async_report_delay` has passed, then
//! `Success` with the full result. Instances live 24 hours.

use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use super::super::Shared;
use super::super::errors::ApiError;
use super::super::org::Org;
use super::super::server::Caller;
use super::metadata::{apply_overrides, report_type_metadata};
use super::run::{Plan, ROW_CAP};
use super::{Report, ReportState};
use crate::ids::SfId;

/// How long instance results are kept (Reports API limits).
const INSTANCE_TTL: Duration = Duration::from_secs(24 * 60 * 60);

/// Most instances the instance list returns.
const INSTANCE_LIST_MAX: usize = 2_000;

/// The Reports API routes (all behind the API guard).
pub fn routes() -> Router<Shared> {
    const REPORT: &str = "/services/data/{version}/analytics/reports/{id}";
    Router::new()
        .route("/services/data/{version}/analytics/reports", get(list))
        .route(REPORT, get(run_get).post(run_post))
        .route(&format!("{REPORT}/describe"), get(describe))
        .route(
            &format!("{REPORT}/instances"),
            get(list_instances).post(create_instance),
        )
        .route(
            &format!("{REPORT}/instances/{{instance}}"),
            get(instance_result).delete(delete_instance),
        )
}

/// 403 `FORBIDDEN`, observed for malformed report ids; also given for
/// reports in folders the caller cannot see.
///
/// NOTE: the status code and the folder case are unverified; the code and
/// message are the observed ones.
fn forbidden() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "FORBIDDEN",
        "You don\u{2019}t have sufficient privileges to perform this operation.",
    )
}

/// 404 for an instance id that names no instance of this report and user.
fn instance_not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        "We couldn\u{2019}t find a report instance to match the URL of your request.",
    )
}

#[derive(Deserialize)]
struct ReportPath {
    id: String,
}

#[derive(Deserialize)]
struct InstancePath {
    id: String,
    instance: String,
}

#[derive(Deserialize)]
struct DetailsQuery {
    #[serde(rename = "includeDetails")]
    include_details: Option<String>,
}

impl DetailsQuery {
    /// `includeDetails=true`; anything else (or nothing) means summary only.
    fn wanted(&self) -> bool {
        self.include_details
            .as_deref()
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }
}

impl ReportState {
    /// Finds a report the caller may run. Ids that are not report ids are
    /// refused as Salesforce refuses them, with 403; unknown report ids get
    /// 404.
    fn find(&self, raw: &str, user: usize) -> Result<&Report, ApiError> {
        let id = SfId::parse(raw).map_err(|_| forbidden())?;
        if id.prefix() != "00O" {
            return Err(forbidden());
        }
        let report = self
            .reports
            .iter()
            .find(|r| r.id() == &id)
            .ok_or_else(ApiError::not_found)?;
        if !report.accessible(user) {
            return Err(forbidden());
        }
        Ok(report)
    }

    fn prune_instances(&mut self) {
        self.instances
            .retain(|i| i.started.elapsed() < INSTANCE_TTL);
    }
}

/// `attributes` of a synchronous run.
fn report_attributes(caller: &Caller, report: &Report) -> Value {
    let url = format!("{}/analytics/reports/{}", caller.base(), report.id());
    json!({
        "describeUrl": format!("{url}/describe"),
        "instancesUrl": format!("{url}/instances"),
        "reportId": report.id().as_str(),
        "reportName": report.name(),
        "type": "Report",
    })
}

/// Runs a report for the caller, with the overrides of a POST body.
fn execute(
    org: &Org,
    caller: &Caller,
    report: &Report,
    include_details: bool,
    body: Option<&Value>,
) -> Result<Value, ApiError> {
    match report {
        Report::Saved(saved) => Ok(saved.result(include_details)),
        Report::Defined(def) => {
            let meta = match body {
                Some(body) => apply_overrides(&def.metadata, body)?,
                None => def.metadata.clone(),
            };
            let plan = Plan::new(org, def, meta, caller.profile)?;
            Ok(plan.run(report_attributes(caller, report), include_details, ROW_CAP))
        }
    }
}

/// Reads an optional JSON body; one that is present must be declared JSON.
///
/// NOTE: the 415 wording is unverified; the requirement is documented.
fn parse_body(headers: &HeaderMap, body: &Bytes) -> Result<Option<Value>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !content_type
        .to_ascii_lowercase()
        .starts_with("application/json")
    {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            format!(
                "Content-Type header specified in HTTP request is not supported: {content_type}"
            ),
        ));
    }
    serde_json::from_slice(body).map(Some).map_err(|e| {
        ApiError::bad_request(
            "JSON_PARSER_ERROR",
            format!("The request body isn't valid JSON: {e}"),
        )
    })
}

/// `GET .../analytics/reports`.
async fn list(State(org): State<Shared>, Extension(caller): Extension<Caller>) -> Json<Value> {
    let org = org.lock().expect("sandbox state lock");
    let base = caller.base();
    let items: Vec<Value> = org
        .reports
        .reports
        .iter()
        .filter(|r| r.accessible(caller.user))
        .map(|r| {
            let url = format!("{base}/analytics/reports/{}", r.id());
            json!({
                "describeUrl": format!("{url}/describe"),
                "id": r.id().as_str(),
                "instancesUrl": format!("{url}/instances"),
                "name": r.name(),
                "url": url,
            })
        })
        .collect();
    Json(Value::Array(items))
}

/// A synchronous run, logged for `HourlySyncReportRuns` when it succeeds.
fn run_sync(
    org: &Shared,
    caller: &Caller,
    id: &str,
    include_details: bool,
    body: Option<&Value>,
) -> Result<Json<Value>, ApiError> {
    let mut org = org.lock().expect("sandbox state lock");
    let result = {
        let org: &Org = &org;
        let report = org.reports.find(id, caller.user)?;
        execute(org, caller, report, include_details, body)?
    };
    org.reports.record_sync_run();
    Ok(Json(result))
}

/// `GET .../reports/{id}[?includeDetails=true]`.
async fn run_get(
    State(org): State<Shared>,
    Extension(caller): Extension<Caller>,
    Path(path): Path<ReportPath>,
    Query(query): Query<DetailsQuery>,
) -> Result<Json<Value>, ApiError> {
    run_sync(&org, &caller, &path.id, query.wanted(), None)
}

/// `POST .../reports/{id}[?includeDetails=true]` with metadata overrides.
async fn run_post(
    State(org): State<Shared>,
    Extension(caller): Extension<Caller>,
    Path(path): Path<ReportPath>,
    Query(query): Query<DetailsQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let body = parse_body(&headers, &body)?;
    run_sync(&org, &caller, &path.id, query.wanted(), body.as_ref())
}

/// `GET .../reports/{id}/describe`.
async fn describe(
    State(org): State<Shared>,
    Extension(caller): Extension<Caller>,
    Path(path): Path<ReportPath>,
) -> Result<Json<Value>, ApiError> {
    let org = org.lock().expect("sandbox state lock");
    let report = org.reports.find(&path.id, caller.user)?;
    let attributes = report_attributes(&caller, report);
    let body = match report {
        Report::Saved(saved) => saved.describe(attributes),
        Report::Defined(def) => {
            let plan = Plan::new(&org, def, def.metadata.clone(), caller.profile)?;
            json!({
                "attributes": attributes,
                "reportExtendedMetadata": plan.extended_metadata(),
                "reportMetadata": plan.metadata_json(),
                "reportTypeMetadata":
                    report_type_metadata(&org.schema, def.report_type, caller.profile),
            })
        }
    };
    Ok(Json(body))
}

/// An asynchronous run of a report.
#[derive(Debug)]
pub struct Instance {
    id: SfId,
    report: SfId,
    report_name: String,
    owner: usize,
    include_details: bool,
    requested: DateTime<Utc>,
    started: Instant,
    /// The run result, computed when the run was requested.
    result: Value,
}

/// ISO-8601 in UTC with seconds, as instance dates are shown.
fn iso(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

impl Instance {
    fn done(&self, delay: Duration) -> bool {
        self.started.elapsed() >= delay
    }

    fn completion(&self, delay: Duration) -> Value {
        let finished = chrono::Duration::from_std(delay)
            .ok()
            .map(|d| self.requested + d);
        match finished {
            Some(at) if self.done(delay) => json!(iso(at)),
            _ => Value::Null,
        }
    }

    fn status(&self, delay: Duration) -> &'static str {
        if self.done(delay) {
            "Success"
        } else {
            "Running"
        }
    }

    /// The instance as POST and the instance list show it.
    fn summary(&self, org: &Org, caller: &Caller, status: &str) -> Value {
        let delay = org.options.async_report_delay;
        json!({
            "id": self.id.as_str(),
            "requestDate": iso(self.requested),
            "status": status,
            "url": format!("{}/analytics/reports/{}/instances/{}",
                           caller.base(), self.report, self.id),
            "ownerId": org.users[self.owner].id.as_str(),
            "queryable": false,
            "hasDetailRows": self.include_details,
            "completionDate": self.completion(delay),
        })
    }

    /// `attributes` of an instance result.
    fn attributes(&self, org: &Org) -> Value {
        let delay = org.options.async_report_delay;
        json!({
            "completionDate": self.completion(delay),
            "id": self.id.as_str(),
            "ownerId": org.users[self.owner].id.as_str(),
            "reportId": self.report.as_str(),
            "reportName": self.report_name,
            "requestDate": iso(self.requested),
            "status": self.status(delay),
            "type": "ReportInstance",
        })
    }
}

/// `POST .../reports/{id}/instances[?includeDetails=true]`.
///
/// NOTE: whether Salesforce answers 200 or 201 is unverified; 200 is used.
async fn create_instance(
    State(org): State<Shared>,
    Extension(caller): Extension<Caller>,
    Path(path): Path<ReportPath>,
    Query(query): Query<DetailsQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let body = parse_body(&headers, &body)?;
    let include_details = query.wanted();
    let mut org = org.lock().expect("sandbox state lock");

    let (report, report_name, result) = {
        let org: &Org = &org;
        let report = org.reports.find(&path.id, caller.user)?;
        let result = execute(org, &caller, report, include_details, body.as_ref())?;
        (report.id().clone(), report.name(), result)
    };
    let instance = Instance {
        id: org.next_id("0LG"),
        report,
        report_name,
        owner: caller.user,
        include_details,
        requested: Utc::now(),
        started: Instant::now(),
        result,
    };
    let summary = instance.summary(&org, &caller, "New");
    org.reports.prune_instances();
    org.reports.instances.push(instance);
    Ok(Json(summary))
}

/// `GET .../reports/{id}/instances`: the caller's instances, newest first.
///
/// NOTE: listing only the caller's own instances is unverified; the docs
/// speak of the runs "you requested".
async fn list_instances(
    State(org): State<Shared>,
    Extension(caller): Extension<Caller>,
    Path(path): Path<ReportPath>,
) -> Result<Json<Value>, ApiError> {
    let mut org = org.lock().expect("sandbox state lock");
    org.reports.prune_instances();
    let org: &Org = &org;
    let report = org.reports.find(&path.id, caller.user)?.id();
    let delay = org.options.async_report_delay;
    let items: Vec<Value> = org
        .reports
        .instances
        .iter()
        .rev()
        .filter(|i| &i.report == report && i.owner == caller.user)
        .take(INSTANCE_LIST_MAX)
        .map(|i| i.summary(org, &caller, i.status(delay)))
        .collect();
    Ok(Json(Value::Array(items)))
}

/// Finds the caller's instance of a report.
fn find_instance<'a>(
    org: &'a Org,
    caller: &Caller,
    path: &InstancePath,
) -> Result<(usize, &'a Instance), ApiError> {
    let report = org.reports.find(&path.id, caller.user)?.id();
    let id = SfId::parse(&path.instance).map_err(|_| instance_not_found())?;
    org.reports
        .instances
        .iter()
        .enumerate()
        .find(|(_, i)| i.id == id && &i.report == report && i.owner == caller.user)
        .ok_or_else(instance_not_found)
}

/// `GET .../instances/{instanceId}`: the result, once the run is done.
///
/// NOTE: while running, the answer carries the instance `attributes` and the
/// metadata with a `null` fact map and groupings; that shape is unverified.
async fn instance_result(
    State(org): State<Shared>,
    Extension(caller): Extension<Caller>,
    Path(path): Path<InstancePath>,
) -> Result<Json<Value>, ApiError> {
    let mut org = org.lock().expect("sandbox state lock");
    org.reports.prune_instances();
    let org: &Org = &org;
    let (_, instance) = find_instance(org, &caller, &path)?;

    let attributes = instance.attributes(org);
    if instance.done(org.options.async_report_delay) {
        let mut result = instance.result.clone();
        result["attributes"] = attributes;
        return Ok(Json(result));
    }
    Ok(Json(json!({
        "attributes": attributes,
        "allData": false,
        "factMap": null,
        "groupingsAcross": null,
        "groupingsDown": null,
        "hasDetailRows": false,
        "reportExtendedMetadata": instance.result["reportExtendedMetadata"],
        "reportMetadata": instance.result["reportMetadata"],
    })))
}

/// `DELETE .../instances/{instanceId}`: 204 once the run is done.
///
/// NOTE: the docs allow deleting only finished (Success or Error) instances;
/// the error for a running one is unverified.
async fn delete_instance(
    State(org): State<Shared>,
    Extension(caller): Extension<Caller>,
    Path(path): Path<InstancePath>,
) -> Response {
    let mut org = org.lock().expect("sandbox state lock");
    org.reports.prune_instances();
    let (index, done) = match find_instance(&org, &caller, &path) {
        Ok((index, instance)) => (index, instance.done(org.options.async_report_delay)),
        Err(e) => return e.into_response(),
    };
    if !done {
        return ApiError::bad_request(
            "BAD_REQUEST",
            "The report instance can\u{2019}t be deleted while it\u{2019}s running.",
        )
        .into_response();
    }
    org.reports.instances.remove(index);
    StatusCode::NO_CONTENT.into_response()
}
