//! The REST data API: versions, resources, `/limits`, describe (also with
//! `If-Modified-Since`), single-record create/read/update/delete and sObject
//! Collections, with Salesforce's field validation (unknown and hidden fields,
//! read-only fields, lengths, restricted picklists, reference key prefixes,
//! required fields).

use axum::extract::{Extension, Path, Query, State};
use axum::http::header::IF_MODIFIED_SINCE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::Shared;
use super::errors::ApiError;
use super::org::{Org, Record};
use super::schema::{FieldDef, FieldType, ObjectDef, Profile};
use super::server::{Caller, LATEST_VERSION, OLDEST_VERSION};
use crate::ids::SfId;

/// The data routes (all behind the API guard).
pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/services/data/{version}", get(resources))
        .route("/services/data/{version}/", get(resources))
        .route("/services/data/{version}/limits", get(limits))
        .route("/services/data/{version}/limits/", get(limits))
        .route("/services/data/{version}/sobjects", get(describe_global))
        .route("/services/data/{version}/sobjects/", get(describe_global))
        .route(
            "/services/data/{version}/sobjects/{object}",
            get(object_info).post(create),
        )
        .route(
            "/services/data/{version}/sobjects/{object}/",
            get(object_info).post(create),
        )
        .route(
            "/services/data/{version}/sobjects/{object}/describe",
            get(describe),
        )
        .route(
            "/services/data/{version}/sobjects/{object}/describe/",
            get(describe),
        )
        .route(
            "/services/data/{version}/sobjects/{object}/{id}",
            get(read).patch(update).delete(delete),
        )
        .route(
            "/services/data/{version}/composite/sobjects",
            axum::routing::post(collection_create)
                .patch(collection_update)
                .delete(collection_delete),
        )
        .route(
            "/services/data/{version}/composite/sobjects/{object}",
            get(collection_read).post(collection_read_post),
        )
}

/// Any other path under a valid version: Salesforce's 404.
pub async fn unknown_resource() -> ApiError {
    ApiError::not_found()
}

/// Release name of an API version: 31.0 is Summer '14, three releases a year.
fn release_label(version: u32) -> String {
    if version == 31 {
        return "Summer '14".to_string();
    }
    let k = version - 32;
    let season = ["Winter", "Spring", "Summer"][(k % 3) as usize];
    format!("{season} '{:02}", 15 + k / 3)
}

/// `GET /services/data/`: every supported version; no session, not counted.
pub async fn versions() -> Json<Value> {
    let list: Vec<Value> = (OLDEST_VERSION..=LATEST_VERSION)
        .map(|v| {
            json!({"label": release_label(v), "url": format!("/services/data/v{v}.0"),
                   "version": format!("{v}.0")})
        })
        .collect();
    Json(Value::Array(list))
}

/// `GET /services/data/vNN.N/`: the resources of the version, and the caller's
/// identity URL as an absolute `identity` entry, as in the REST guide's "List
/// Available REST Resources" example (jsforce's `identity()` reads it when it
/// has no identity URL yet).
async fn resources(State(org): State<Shared>, Extension(caller): Extension<Caller>) -> Json<Value> {
    let base = caller.base();
    let names = [
        ("analytics", "analytics"),
        ("composite", "composite"),
        ("limits", "limits"),
        ("query", "query"),
        ("queryAll", "queryAll"),
        ("sobjects", "sobjects"),
    ];
    let mut map: Map<String, Value> = names
        .iter()
        .map(|(k, p)| ((*k).to_string(), json!(format!("{base}/{p}"))))
        .collect();
    let identity = org
        .lock()
        .expect("sandbox state lock")
        .identity_url(caller.user);
    map.insert("identity".into(), json!(identity));
    Json(Value::Object(map))
}

async fn limits(State(org): State<Shared>) -> Json<Value> {
    let org = org.lock().expect("sandbox state lock");
    let remaining = org.api.max.saturating_sub(org.api.used);
    let sync_runs = org.reports.sync_runs_last_hour();
    let fixed = |max: u64| json!({"Max": max, "Remaining": max});
    Json(json!({
        "ConcurrentAsyncGetReportInstances": fixed(200),
        "ConcurrentSyncReportRuns": fixed(20),
        "DailyApiRequests": {"Max": org.api.max, "Remaining": remaining},
        "DailyAsyncApexExecutions": fixed(250_000),
        "DailyBulkApiBatches": fixed(15_000),
        "DailyBulkV2QueryJobs": fixed(10_000),
        "DataStorageMB": fixed(1_024),
        "FileStorageMB": fixed(1_024),
        "HourlyAsyncReportRuns": fixed(1_200),
        "HourlySyncReportRuns": {"Max": 500, "Remaining": 500u64.saturating_sub(sync_runs)},
        "SingleEmail": fixed(5_000),
    }))
}

fn object_urls(base: &str, object: &ObjectDef) -> Value {
    json!({
        "sobject": format!("{base}/sobjects/{}", object.name),
        "describe": format!("{base}/sobjects/{}/describe", object.name),
        "rowTemplate": format!("{base}/sobjects/{}/{{ID}}", object.name),
    })
}

fn object_summary(base: &str, object: &ObjectDef) -> Value {
    json!({
        "name": object.name,
        "label": object.label,
        "labelPlural": object.label_plural,
        "keyPrefix": object.key_prefix,
        "custom": object.custom,
        "createable": object.writable,
        "updateable": object.writable,
        "deletable": object.writable,
        "queryable": true,
        "retrieveable": true,
        "searchable": true,
        "layoutable": true,
        "urls": object_urls(base, object),
    })
}

async fn describe_global(
    State(org): State<Shared>,
    Extension(caller): Extension<Caller>,
) -> Json<Value> {
    let org = org.lock().expect("sandbox state lock");
    let base = caller.base();
    let objects: Vec<Value> = org
        .schema
        .objects
        .iter()
        .map(|o| object_summary(&base, o))
        .collect();
    Json(json!({"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": objects}))
}

/// Looks an object up or answers Salesforce's 404.
fn find_object<'a>(org: &'a Org, name: &str) -> Result<&'a ObjectDef, ApiError> {
    org.schema.object(name).ok_or_else(ApiError::not_found)
}

#[derive(Deserialize)]
struct ObjectPath {
    object: String,
}

async fn object_info(
    State(org): State<Shared>,
    Extension(caller): Extension<Caller>,
    Path(path): Path<ObjectPath>,
) -> Result<Json<Value>, ApiError> {
    let org = org.lock().expect("sandbox state lock");
    let object = find_object(&org, &path.object)?;
    Json(json!({"objectDescribe": object_summary(&caller.base(), object), "recentItems": []}))
        .pipe(Ok)
}

/// Whether an `If-Modified-Since` header lets describe answer 304: the
/// REST guide ("Get Object Metadata Changes") returns 304 with no body when
/// the object's metadata has not changed since the date. The format is
/// `EEE, dd MMM yyyy HH:mm:ss z` (RFC 1123, also with a one-digit day or a
/// US zone name such as `MST`); an unreadable date is ignored.
///
/// NOTE: unverified: a date in the future still answers 304 (RFC 9110 would
/// ignore it), and the date is compared at whole seconds.
fn not_modified_since(headers: &HeaderMap, modified: DateTime<Utc>) -> bool {
    headers
        .get(IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| DateTime::parse_from_rfc2822(v.trim()).ok())
        .is_some_and(|since| since >= modified)
}

/// `GET sobjects/{object}/describe`. A conditional request whose date is at
/// or after the sandbox's start gets 304, since the schema never changes
/// while it runs.
///
/// NOTE: unverified: whether a 304 counts against the daily API limit. It
/// is counted here (it passes the guard like any call), and an unknown
/// object answers 404 even when conditional.
async fn describe(
    State(org): State<Shared>,
    Extension(caller): Extension<Caller>,
    Path(path): Path<ObjectPath>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let org = org.lock().expect("sandbox state lock");
    let object = find_object(&org, &path.object)?;
    if not_modified_since(&headers, org.started) {
        return Ok(StatusCode::NOT_MODIFIED.into_response());
    }
    let profile = caller.profile;

    // Field-level security: describe omits the fields the user cannot read and
    // reports the ones they cannot edit as neither createable nor updateable.
    let fields: Vec<Value> = object
        .fields
        .iter()
        .filter(|f| profile.can_read(object.name, f.name))
        .map(|f| f.describe(object.writable && profile.can_edit(object.name, f.name)))
        .collect();

    let mut body = object_summary(&caller.base(), object);
    body["fields"] = json!(fields);
    body["childRelationships"] = json!([]);
    body["recordTypeInfos"] = json!([]);
    Ok(Json(body).into_response())
}

/// Whether a create or an update is being validated.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Write {
    Create,
    Update,
}

/// Validates the fields of a create or update and returns them normalized
/// (canonical field names, 18-character ids). All errors found are returned,
/// as Salesforce lists every problem of a record at once.
fn validate(
    org: &Org,
    profile: Profile,
    object: &ObjectDef,
    body: &Map<String, Value>,
    write: Write,
) -> Result<Record, Vec<ApiError>> {
    let mut errors = Vec::new();
    let mut clean = Record::new();
    let mut read_only = Vec::new();

    for (name, value) in body {
        if name == "attributes" || (write == Write::Update && name.eq_ignore_ascii_case("Id")) {
            continue;
        }
        if name.eq_ignore_ascii_case("Id") {
            errors.push(ApiError::bad_request(
                "INVALID_FIELD",
                "The Id field should not be specified in the sobject data.",
            ));
            continue;
        }
        let Some(field) = object
            .field(name)
            .filter(|f| profile.can_read(object.name, f.name))
        else {
            errors.push(ApiError::bad_request(
                "INVALID_FIELD",
                format!("No such column '{name}' on sobject of type {}", object.name),
            ));
            continue;
        };
        let allowed = match write {
            Write::Create => field.createable,
            Write::Update => field.updateable,
        };
        if !allowed || !profile.can_edit(object.name, field.name) {
            read_only.push(field.name.to_string());
            continue;
        }
        match check_value(org, field, value) {
            Ok(v) => {
                clean.insert(field.name.to_string(), v);
            }
            Err(e) => errors.push(e),
        }
    }

    if !read_only.is_empty() {
        let message = format!(
            "Unable to create/update fields: {}. Please check the security settings of this \
             field and verify that it is read/write for your profile or permission set.",
            read_only.join(", ")
        );
        errors.push(
            ApiError::bad_request("INVALID_FIELD_FOR_INSERT_UPDATE", message)
                .with_fields(read_only),
        );
    }

    let missing: Vec<String> = object
        .fields
        .iter()
        .filter(|f| match write {
            Write::Create => f.required_on_create() && is_blank(clean.get(f.name)),
            Write::Update => {
                !f.nillable && clean.contains_key(f.name) && is_blank(clean.get(f.name))
            }
        })
        .map(|f| f.name.to_string())
        .collect();
    if !missing.is_empty() {
        let message = format!("Required fields are missing: [{}]", missing.join(", "));
        errors.push(ApiError::bad_request("REQUIRED_FIELD_MISSING", message).with_fields(missing));
    }

    if object.name == "Task" {
        check_task_relations(&clean, &mut errors);
    }

    if errors.is_empty() {
        Ok(clean)
    } else {
        Err(errors)
    }
}

fn is_blank(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.trim().is_empty(),
        Some(_) => false,
    }
}

/// A Task whose WhoId is a Lead cannot also be related to a record.
///
/// NOTE: the rule is documented; the exact message is unverified.
fn check_task_relations(task: &Record, errors: &mut Vec<ApiError>) {
    let who_is_lead = task
        .get("WhoId")
        .and_then(Value::as_str)
        .is_some_and(|id| id.starts_with("00Q"));
    if who_is_lead && !is_blank(task.get("WhatId")) {
        errors.push(
            ApiError::bad_request(
                "FIELD_INTEGRITY_EXCEPTION",
                "Related To ID: You can't associate a task with a lead and another record.",
            )
            .with_fields(vec!["WhatId".into()]),
        );
    }
}

/// Checks one value against its field's type and limits.
fn check_value(org: &Org, field: &FieldDef, value: &Value) -> Result<Value, ApiError> {
    let label = field.label;
    let type_error = || {
        ApiError::bad_request(
            "JSON_PARSER_ERROR",
            format!(
                "Cannot deserialize instance of {} from {value}",
                field.kind.as_str()
            ),
        )
        .with_fields(vec![field.name.to_string()])
    };

    if value.is_null() {
        return Ok(Value::Null);
    }

    match field.kind {
        kind if kind.is_text() => {
            let text = value.as_str().ok_or_else(type_error)?;
            let length = text.chars().count();
            if length > field.length as usize {
                return Err(ApiError::bad_request(
                    "STRING_TOO_LONG",
                    format!(
                        "{label}: data value too large: {text} (max length={})",
                        field.length
                    ),
                )
                .with_fields(vec![field.name.to_string()]));
            }
            if field.restricted_picklist && !field.picklist.iter().any(|(v, _)| *v == text) {
                return Err(ApiError::bad_request(
                    "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                    format!("{label}: bad value for restricted picklist field: {text}"),
                )
                .with_fields(vec![field.name.to_string()]));
            }
            if kind == FieldType::Email && !text.is_empty() && !looks_like_email(text) {
                return Err(ApiError::bad_request(
                    "INVALID_EMAIL_ADDRESS",
                    format!("{label}: invalid email address: {text}"),
                )
                .with_fields(vec![field.name.to_string()]));
            }
            Ok(json!(text))
        }
        FieldType::Boolean => value.as_bool().map(Value::Bool).ok_or_else(type_error),
        FieldType::Int => value.as_i64().map(|n| json!(n)).ok_or_else(type_error),
        FieldType::Double => value.as_f64().map(|n| json!(n)).ok_or_else(type_error),
        FieldType::Date => {
            let text = value.as_str().ok_or_else(type_error)?;
            chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| type_error())?;
            Ok(json!(text))
        }
        FieldType::Datetime => {
            let text = value.as_str().ok_or_else(type_error)?;
            let parsed = chrono::DateTime::parse_from_rfc3339(text)
                .or_else(|_| chrono::DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f%z"))
                .map_err(|_| type_error())?;
            Ok(json!(super::org::sf_datetime(
                parsed.with_timezone(&chrono::Utc)
            )))
        }
        FieldType::Reference | FieldType::Id => check_reference(org, field, value),
        _ => Err(type_error()),
    }
}

fn looks_like_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !text.contains(' ')
}

/// A reference must be a well-formed id of an allowed object that exists.
///
/// NOTE: codes follow Salesforce (MALFORMED_ID, FIELD_INTEGRITY_EXCEPTION,
/// INVALID_CROSS_REFERENCE_KEY); exact message wording is unverified.
fn check_reference(org: &Org, field: &FieldDef, value: &Value) -> Result<Value, ApiError> {
    let fields = vec![field.name.to_string()];
    let raw = value.as_str().unwrap_or_default();
    if raw.is_empty() {
        return Ok(Value::Null);
    }
    let Ok(id) = SfId::parse(raw) else {
        return Err(ApiError::bad_request(
            "MALFORMED_ID",
            format!("{}: id value of incorrect type: {raw}", field.label),
        )
        .with_fields(fields));
    };
    let target = org.schema.object_for_prefix(id.prefix());
    if !target.is_some_and(|t| field.reference_to.contains(&t.name)) {
        return Err(ApiError::bad_request(
            "FIELD_INTEGRITY_EXCEPTION",
            format!("{}: id value of incorrect type: {raw}", field.label),
        )
        .with_fields(fields));
    }
    if org.record_by_id(&id).is_none() {
        return Err(ApiError::bad_request(
            "INVALID_CROSS_REFERENCE_KEY",
            format!("invalid cross reference id: {raw}"),
        )
        .with_fields(fields));
    }
    Ok(json!(id.as_str()))
}

fn check_writable(object: &ObjectDef) -> Result<(), ApiError> {
    if object.writable {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "INSUFFICIENT_ACCESS_OR_READONLY",
            format!("insufficient access rights on object {}", object.name),
        ))
    }
}

/// Errors of one record as a single-record endpoint returns them: an array.
fn error_array(errors: &[ApiError]) -> Response {
    let entries: Vec<Value> = errors.iter().map(|e| e.entry("errorCode")).collect();
    (StatusCode::BAD_REQUEST, Json(Value::Array(entries))).into_response()
}

fn body_object(body: &Value) -> Result<&Map<String, Value>, ApiError> {
    body.as_object().ok_or_else(|| {
        ApiError::bad_request(
            "JSON_PARSER_ERROR",
            "Cannot deserialize instance of an sObject from a non-object value",
        )
    })
}

/// Parses a request body as JSON the way the API does: a bad body is a 400.
fn parse_json(bytes: &[u8]) -> Result<Value, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| {
        ApiError::bad_request("JSON_PARSER_ERROR", format!("Unexpected character: {e}"))
    })
}

async fn create(
    State(org): State<Shared>,
    Extension(caller): Extension<Caller>,
    Path(path): Path<ObjectPath>,
    body: axum::body::Bytes,
) -> Response {
    let body = match parse_json(&body) {
        Ok(v) => v,
        Err(e) => return e.into_response(),
    };
    let mut org = org.lock().expect("sandbox state lock");
    let object = match find_object(&org, &path.object) {
        Ok(o) => o.clone(),
        Err(e) => return e.into_response(),
    };
    if let Err(e) = check_writable(&object) {
        return e.into_response();
    }
    let fields = match body_object(&body) {
        Ok(f) => f,
        Err(e) => return e.into_response(),
    };

    match validate(&org, caller.profile, &object, fields, Write::Create) {
        Ok(clean) => {
            let id = org.insert(object.name, clean, caller.user);
            let body = json!({"id": id.as_str(), "success": true, "errors": []});
            (StatusCode::CREATED, Json(body)).into_response()
        }
        Err(errors) => error_array(&errors),
    }
}

#[derive(Deserialize)]
struct RecordPath {
    object: String,
    id: String,
}

#[derive(Deserialize)]
struct FieldsQuery {
    fields: Option<String>,
}

/// Resolves a record path, answering 404 the way Salesforce does.
fn find_record<'a>(
    org: &'a Org,
    path: &RecordPath,
) -> Result<(&'a ObjectDef, SfId, &'a Record), ApiError> {
    let object = find_object(org, &path.object)?;
    let Ok(id) = SfId::parse(&path.id) else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            format!(
                "Provided external ID field does not exist or is not accessible: {}",
                path.id
            ),
        ));
    };
    let record = org
        .record(object.name, &id)
        .ok_or_else(ApiError::not_found)?;
    Ok((object, id, record))
}

/// A record as the API returns it: `attributes` first, then the fields the
/// caller's profile may read (or the requested subset).
pub fn render_record(
    caller: &Caller,
    object: &ObjectDef,
    record: &Record,
    only: Option<&[String]>,
) -> Result<Value, ApiError> {
    let id = record.get("Id").and_then(Value::as_str).unwrap_or_default();
    let mut out = Map::new();
    out.insert(
        "attributes".into(),
        json!({"type": object.name, "url": format!("{}/sobjects/{}/{id}", caller.base(), object.name)}),
    );

    let names: Vec<&'static str> = match only {
        None => object
            .fields
            .iter()
            .filter(|f| caller.profile.can_read(object.name, f.name))
            .map(|f| f.name)
            .collect(),
        Some(list) => {
            let mut names = Vec::new();
            for name in list {
                let field = object
                    .field(name)
                    .filter(|f| caller.profile.can_read(object.name, f.name))
                    .ok_or_else(|| {
                        ApiError::bad_request(
                            "INVALID_FIELD",
                            format!("No such column '{name}' on entity '{}'", object.name),
                        )
                    })?;
                names.push(field.name);
            }
            names
        }
    };
    for name in names {
        out.insert(
            name.to_string(),
            record.get(name).cloned().unwrap_or(Value::Null),
        );
    }
    Ok(Value::Object(out))
}

fn split_fields(raw: Option<&str>) -> Option<Vec<String>> {
    raw.map(|s| {
        s.split(',')
            .map(|f| f.trim().to_string())
            .filter(|f| !f.is_empty())
            .collect()
    })
}

async fn read(
    State(org): State<Shared>,
    Extension(caller): Extension<Caller>,
    Path(path): Path<RecordPath>,
    Query(query): Query<FieldsQuery>,
) -> Result<Json<Value>, ApiError> {
    let org = org.lock().expect("sandbox state lock");
    let (object, _, record) = find_record(&org, &path)?;
    let only = split_fields(query.fields.as_deref());
    render_record(&caller, object, record, only.as_deref()).map(Json)
}

async fn update(
    State(org): State<Shared>,
    Extension(caller): Extension<Caller>,
    Path(path): Path<RecordPath>,
    body: axum::body::Bytes,
) -> Response {
    let body = match parse_json(&body) {
        Ok(v) => v,
        Err(e) => return e.into_response(),
    };
    let mut org = org.lock().expect("sandbox state lock");
    let (object, id) = match find_record(&org, &path) {
        Ok((object, id, _)) => (object.clone(), id),
        Err(e) => return e.into_response(),
    };
    if let Err(e) = check_writable(&object) {
        return e.into_response();
    }
    let fields = match body_object(&body) {
        Ok(f) => f,
        Err(e) => return e.into_response(),
    };
    match validate(&org, caller.profile, &object, fields, Write::Update) {
        Ok(clean) => {
            org.update(object.name, &id, clean, caller.user);
            StatusCode::NO_CONTENT.into_response()
        }
        Err(errors) => error_array(&errors),
    }
}

async fn delete(State(org): State<Shared>, Path(path): Path<RecordPath>) -> Response {
    let mut org = org.lock().expect("sandbox state lock");
    let (object, id) = match find_record(&org, &path) {
        Ok((object, id, _)) => (object.clone(), id),
        Err(e) => return e.into_response(),
    };
    if let Err(e) = check_writable(&object) {
        return e.into_response();
    }
    org.delete(object.name, &id);
    StatusCode::NO_CONTENT.into_response()
}

/// Most records one sObject Collections request may carry.
const COLLECTION_LIMIT: usize = 200;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CollectionBody {
    #[serde(default)]
    all_or_none: bool,
    records: Vec<Value>,
}

fn parse_collection(bytes: &[u8]) -> Result<CollectionBody, ApiError> {
    let body: CollectionBody = serde_json::from_value(parse_json(bytes)?).map_err(|e| {
        ApiError::bad_request(
            "JSON_PARSER_ERROR",
            format!("Cannot deserialize the request: {e}"),
        )
    })?;
    if body.records.len() > COLLECTION_LIMIT {
        return Err(ApiError::bad_request(
            "EXCEEDED_ID_LIMIT",
            "record limit reached. cannot submit more than 200 records into this call",
        ));
    }
    Ok(body)
}

/// One record of a collection request, validated but not yet written.
enum Planned {
    Create(&'static str, Record),
    Update(&'static str, SfId, Record),
    Failed(Vec<ApiError>),
}

fn plan_record(org: &Org, caller: &Caller, raw: &Value, write: Write) -> Planned {
    let fail = |code: &'static str, message: &str| {
        Planned::Failed(vec![ApiError::bad_request(code, message.to_string())])
    };
    let Some(fields) = raw.as_object() else {
        return fail("JSON_PARSER_ERROR", "Each record must be a JSON object");
    };
    let kind = fields
        .get("attributes")
        .and_then(|a| a.get("type"))
        .and_then(Value::as_str);
    let Some(object) = kind.and_then(|k| org.schema.object(k)) else {
        return fail("INVALID_TYPE", "Must send a concrete entity type.");
    };
    if !object.writable {
        return fail(
            "INSUFFICIENT_ACCESS_OR_READONLY",
            "insufficient access rights on object",
        );
    }

    let id = fields
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("Id"))
        .map(|(_, v)| v);
    let target = match (write, id) {
        (Write::Create, Some(_)) => {
            return fail("INVALID_FIELD", "Cannot specify Id in an insert call");
        }
        (Write::Create, None) => None,
        (Write::Update, None) => {
            return fail("MISSING_ARGUMENT", "Id not specified in an update call");
        }
        (Write::Update, Some(raw_id)) => {
            let parsed = raw_id.as_str().and_then(|s| SfId::parse(s).ok());
            match parsed.filter(|id| org.record(object.name, id).is_some()) {
                Some(id) => Some(id),
                None => return fail("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id"),
            }
        }
    };

    match (validate(org, caller.profile, object, fields, write), target) {
        (Err(errors), _) => Planned::Failed(errors),
        (Ok(clean), None) => Planned::Create(object.name, clean),
        (Ok(clean), Some(id)) => Planned::Update(object.name, id, clean),
    }
}

fn failure(errors: &[ApiError]) -> Value {
    let entries: Vec<Value> = errors.iter().map(|e| e.entry("statusCode")).collect();
    json!({"success": false, "errors": entries})
}

/// The per-record error of a row Salesforce could not lock in time, which
/// clients retry. `id` is the record being updated, empty for a create.
///
/// NOTE: the message follows the commonly reported wording; its exact text
/// (and which id a create names, often a parent's) is unverified.
fn lock_error(id: &str) -> ApiError {
    ApiError::bad_request(
        "UNABLE_TO_LOCK_ROW",
        format!("unable to obtain exclusive access to this record or 1 records: {id}"),
    )
    .with_fields(Vec::new())
}

/// Applies the `lock_rows_next` fault: the next valid records that would be
/// written fail with [`lock_error`] instead. It runs before the all-or-none
/// decision, so a locked record rolls the others back as a real one would.
fn lock_rows(org: &mut Org, plans: Vec<Planned>) -> Vec<Planned> {
    plans
        .into_iter()
        .map(|plan| {
            if matches!(plan, Planned::Failed(_)) || org.faults.lock_rows_next == 0 {
                return plan;
            }
            org.faults.lock_rows_next -= 1;
            let id = match &plan {
                Planned::Update(_, id, _) => id.as_str(),
                _ => "",
            };
            Planned::Failed(vec![lock_error(id)])
        })
        .collect()
}

/// Writes a planned collection: all or nothing when asked, otherwise every
/// valid record. Results keep the request order.
fn apply_collection(
    org: &mut Org,
    caller: &Caller,
    plans: Vec<Planned>,
    all_or_none: bool,
) -> Value {
    let plans = lock_rows(org, plans);
    let any_failed = plans.iter().any(|p| matches!(p, Planned::Failed(_)));
    let rolled_back = ApiError::bad_request(
        "ALL_OR_NONE_OPERATION_ROLLED_BACK",
        "Record rolled back because not all records were valid and the request was using \
         AllOrNone header",
    )
    .with_fields(Vec::new());

    let results: Vec<Value> = plans
        .into_iter()
        .map(|plan| match plan {
            Planned::Failed(errors) => failure(&errors),
            _ if all_or_none && any_failed => failure(std::slice::from_ref(&rolled_back)),
            Planned::Create(object, clean) => {
                let id = org.insert(object, clean, caller.user);
                json!({"id": id.as_str(), "success": true, "errors": []})
            }
            Planned::Update(object, id, clean) => {
                org.update(object, &id, clean, caller.user);
                json!({"id": id.as_str(), "success": true, "errors": []})
            }
        })
        .collect();
    Value::Array(results)
}

async fn collection_write(org: Shared, caller: Caller, bytes: &[u8], write: Write) -> Response {
    let body = match parse_collection(bytes) {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    let mut org = org.lock().expect("sandbox state lock");
    let plans: Vec<Planned> = body
        .records
        .iter()
        .map(|r| plan_record(&org, &caller, r, write))
        .collect();
    Json(apply_collection(&mut org, &caller, plans, body.all_or_none)).into_response()
}

async fn collection_create(
    State(org): State<Shared>,
    Extension(caller): Extension<Caller>,
    body: axum::body::Bytes,
) -> Response {
    collection_write(org, caller, &body, Write::Create).await
}

async fn collection_update(
    State(org): State<Shared>,
    Extension(caller): Extension<Caller>,
    body: axum::body::Bytes,
) -> Response {
    collection_write(org, caller, &body, Write::Update).await
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct IdsQuery {
    ids: Option<String>,
    fields: Option<String>,
    #[serde(default)]
    all_or_none: Option<String>,
}

async fn collection_delete(State(org): State<Shared>, Query(query): Query<IdsQuery>) -> Response {
    let ids: Vec<String> = split_fields(query.ids.as_deref()).unwrap_or_default();
    if ids.len() > COLLECTION_LIMIT {
        return ApiError::bad_request("EXCEEDED_ID_LIMIT", "record limit reached").into_response();
    }
    let all_or_none = query.all_or_none.as_deref() == Some("true");
    let mut org = org.lock().expect("sandbox state lock");

    let found: Vec<Option<(&'static str, SfId)>> = ids
        .iter()
        .map(|raw| {
            let id = SfId::parse(raw).ok()?;
            let (object, _) = org.record_by_id(&id)?;
            object.writable.then_some((object.name, id))
        })
        .collect();
    let any_missing = found.iter().any(Option::is_none);

    let results: Vec<Value> = ids
        .iter()
        .zip(found)
        .map(|(raw, target)| match target {
            None => json!({"id": raw, "success": false, "errors": [
                {"statusCode": "ENTITY_IS_DELETED", "message": "entity is deleted", "fields": []}]}),
            Some(_) if all_or_none && any_missing => json!({"id": raw, "success": false, "errors": [
                {"statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
                 "message": "Record rolled back because not all records were valid and the \
                             request was using AllOrNone header", "fields": []}]}),
            Some((object, id)) => {
                org.delete(object, &id);
                json!({"id": id.as_str(), "success": true, "errors": []})
            }
        })
        .collect();
    Json(Value::Array(results)).into_response()
}

async fn collection_read(
    State(org): State<Shared>,
    Extension(caller): Extension<Caller>,
    Path(path): Path<ObjectPath>,
    Query(query): Query<IdsQuery>,
) -> Result<Json<Value>, ApiError> {
    let ids = split_fields(query.ids.as_deref()).unwrap_or_default();
    let fields = split_fields(query.fields.as_deref());
    read_collection(&org, &caller, &path.object, ids, fields)
}

/// The body of `POST /composite/sobjects/{object}`.
#[derive(Deserialize)]
struct IdsBody {
    #[serde(default)]
    ids: Vec<String>,
    fields: Option<Vec<String>>,
}

/// `POST /composite/sobjects/{object}` with `{"ids": [...], "fields": [...]}`:
/// the same retrieve as the GET, for id lists too long for a URL (REST guide
/// "Get Records With a Request Body Using sObject Collections"; jsforce's
/// `retrieve` of an array uses it).
async fn collection_read_post(
    State(org): State<Shared>,
    Extension(caller): Extension<Caller>,
    Path(path): Path<ObjectPath>,
    body: axum::body::Bytes,
) -> Result<Json<Value>, ApiError> {
    let body: IdsBody = serde_json::from_value(parse_json(&body)?).map_err(|e| {
        ApiError::bad_request(
            "JSON_PARSER_ERROR",
            format!("Cannot deserialize the request: {e}"),
        )
    })?;
    read_collection(&org, &caller, &path.object, body.ids, body.fields)
}

/// The records of `ids` in order, `null` for ids that match nothing.
fn read_collection(
    org: &Shared,
    caller: &Caller,
    object: &str,
    ids: Vec<String>,
    fields: Option<Vec<String>>,
) -> Result<Json<Value>, ApiError> {
    let org = org.lock().expect("sandbox state lock");
    let object = find_object(&org, object)?;
    let fields = fields.ok_or_else(|| {
        ApiError::bad_request("MISSING_ARGUMENT", "The fields parameter is required")
    })?;
    let mut out = Vec::new();
    for raw in ids {
        let record = SfId::parse(&raw)
            .ok()
            .and_then(|id| org.record(object.name, &id));
        match record {
            Some(r) => out.push(render_record(caller, object, r, Some(&fields))?),
            None => out.push(Value::Null),
        }
    }
    Ok(Json(Value::Array(out)))
}

/// `value.pipe(f)`: keeps short handlers readable.
trait Pipe: Sized {
    fn pipe<T>(self, f: impl FnOnce(Self) -> T) -> T {
        f(self)
    }
}
impl<T> Pipe for T {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_labels_follow_the_three_release_cycle() {
        assert_eq!(release_label(31), "Summer '14");
        assert_eq!(release_label(32), "Winter '15");
        assert_eq!(release_label(62), "Winter '25");
        assert_eq!(release_label(67), "Summer '26");
        assert_eq!(release_label(68), "Winter '27");
    }

    #[test]
    fn if_modified_since_reads_the_documented_date_forms() {
        let at = |v: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(IF_MODIFIED_SINCE, v.parse().unwrap());
            headers
        };
        let modified = DateTime::parse_from_rfc3339("2026-12-02T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let unchanged = |v: &str| not_modified_since(&at(v), modified);
        assert!(unchanged("Wed, 02 Dec 2026 10:00:00 GMT"));
        assert!(unchanged("Wed, 2 Dec 2026 03:00:01 MST"));
        assert!(!unchanged("Wed, 02 Dec 2026 09:59:59 GMT"));
        assert!(!unchanged("Wed, 3 Jul 2013 19:43:31 GMT"));
        assert!(!unchanged("yesterday"));
        assert!(!not_modified_since(&HeaderMap::new(), modified));
    }
}
