//! The SOQL query resource: `query?q=`, `queryAll?q=` and the
//! `nextRecordsUrl` pages of large results, served from cursors kept in
//! [`QueryState`]. The SOQL itself is parsed and run by `soql`.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::Utc;
use serde_json::{Map, Value, json};

use super::Shared;
use super::errors::ApiError;
use super::org::{Org, Record};
use super::schema::{ObjectDef, Schema};
use super::server::Caller;
use super::soql;
use crate::ids::SfId;

/// Records per batch unless `Sforce-Query-Options` asks for fewer.
const DEFAULT_BATCH: usize = 2_000;

/// The smallest batch size the `batchSize` option may ask for.
const MIN_BATCH: usize = 200;

/// How long an unused cursor stays open (documented for `queryMore`).
const CURSOR_IDLE: Duration = Duration::from_secs(15 * 60);

/// Open cursors per user; opening one more releases the least recently used
/// (documented for `queryMore`).
const CURSORS_PER_USER: usize = 10;

/// The two resources that run SOQL. The sandbox keeps no deleted records, so
/// `queryAll` answers as `query` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Resource {
    Query,
    QueryAll,
}

impl Resource {
    fn path(self) -> &'static str {
        match self {
            Self::Query => "query",
            Self::QueryAll => "queryAll",
        }
    }
}

/// One open query cursor: the whole result, rendered when the query ran, so
/// every page comes from the same snapshot.
#[derive(Debug)]
struct Cursor {
    user: usize,
    rows: Vec<Value>,
    batch: usize,
    /// When it was last used, for the idle timeout.
    used: Instant,
    /// Use order, for releasing the least recently used.
    tick: u64,
}

impl Cursor {
    fn new(user: usize, rows: Vec<Value>, batch: usize) -> Self {
        Self {
            user,
            rows,
            batch,
            used: Instant::now(),
            tick: 0,
        }
    }
}

/// Open query cursors, keyed by their `01g` locator id.
#[derive(Debug, Default)]
pub struct QueryState {
    cursors: HashMap<String, Cursor>,
    ticks: u64,
}

impl QueryState {
    /// Drops idle cursors and, past the per-user cap, the user's least
    /// recently used ones, then stores the new cursor.
    fn open(&mut self, locator: String, mut cursor: Cursor) {
        let now = Instant::now();
        self.cursors
            .retain(|_, c| now.duration_since(c.used) < CURSOR_IDLE);

        let user = cursor.user;
        loop {
            let mine = self.cursors.iter().filter(|(_, c)| c.user == user);
            if mine.clone().count() < CURSORS_PER_USER {
                break;
            }
            let oldest = mine.min_by_key(|(_, c)| c.tick).map(|(k, _)| k.clone());
            match oldest {
                Some(key) => self.cursors.remove(&key),
                None => break,
            };
        }
        self.ticks += 1;
        cursor.tick = self.ticks;
        self.cursors.insert(locator, cursor);
    }

    /// The caller's live cursor with this id, marked as just used.
    fn find(&mut self, id: &str, user: usize) -> Option<&mut Cursor> {
        let cursor = self.cursors.get_mut(id)?;
        if cursor.user != user || cursor.used.elapsed() >= CURSOR_IDLE {
            return None;
        }
        self.ticks += 1;
        cursor.used = Instant::now();
        cursor.tick = self.ticks;
        Some(cursor)
    }
}

/// The query routes (behind the API guard, which counts each page as a call).
pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/services/data/{version}/query", get(query))
        .route("/services/data/{version}/query/", get(query))
        .route("/services/data/{version}/queryAll", get(query_all))
        .route("/services/data/{version}/queryAll/", get(query_all))
        .route("/services/data/{version}/query/{locator}", get(next_page))
        .route(
            "/services/data/{version}/queryAll/{locator}",
            get(next_page_all),
        )
}

impl soql::Source for Org {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn records(&self, object: &str) -> Vec<&Record> {
        Org::records(self, object).collect()
    }

    fn lookup(&self, id: &str) -> Option<(&ObjectDef, &Record)> {
        self.record_by_id(&SfId::parse(id).ok()?)
    }
}

async fn query(
    State(org): State<Shared>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    run(&org, &caller, &headers, raw.as_deref(), Resource::Query)
}

async fn query_all(
    State(org): State<Shared>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    run(&org, &caller, &headers, raw.as_deref(), Resource::QueryAll)
}

async fn next_page(
    State(org): State<Shared>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Path((_, locator)): Path<(String, String)>,
) -> Response {
    page(&org, &caller, &headers, &locator, Resource::Query)
}

async fn next_page_all(
    State(org): State<Shared>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Path((_, locator)): Path<(String, String)>,
) -> Response {
    page(&org, &caller, &headers, &locator, Resource::QueryAll)
}

/// The `batchSize` of `Sforce-Query-Options: batchSize=N`.
///
/// NOTE: Salesforce documents 200–2,000 and that the size is a hint; how it
/// treats values outside the range is unverified. They are clamped here, and
/// an unreadable header is ignored.
fn batch_size(headers: &HeaderMap) -> Option<usize> {
    let header = headers.get("sforce-query-options")?.to_str().ok()?;
    let size = header.split(',').find_map(|option| {
        let (key, value) = option.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case("batchSize")
            .then(|| value.trim().parse::<usize>().ok())?
    })?;
    Some(size.clamp(MIN_BATCH, DEFAULT_BATCH))
}

/// Runs the `q` parameter and answers its first batch, opening a cursor
/// when more remain.
fn run(
    org: &Shared,
    caller: &Caller,
    headers: &HeaderMap,
    raw: Option<&str>,
    resource: Resource,
) -> Response {
    let q = raw.and_then(|raw| {
        url::form_urlencoded::parse(raw.as_bytes())
            .find(|(k, _)| k == "q")
            .map(|(_, v)| v)
    });
    let Some(q) = q else {
        return ApiError::bad_request("MALFORMED_QUERY", "A query string has to be specified")
            .into_response();
    };
    if q.trim().is_empty() {
        return ApiError::bad_request("MALFORMED_QUERY", "SOQL statements cannot be empty or null")
            .into_response();
    }

    let base = caller.base();
    let batch = batch_size(headers).unwrap_or(DEFAULT_BATCH);
    let mut org = org.lock().expect("sandbox state lock");
    let ctx = soql::Context {
        profile: caller.profile,
        base: &base,
        now: Utc::now(),
    };
    let outcome = match soql::run(&*org, &q, &ctx) {
        Ok(outcome) => outcome,
        Err(e) => return ApiError::bad_request(e.code, e.message).into_response(),
    };

    if outcome.rows.len() <= batch {
        return axum::Json(body(outcome.total, outcome.rows, None)).into_response();
    }

    let locator = org.next_id("01g").to_string();
    let first = outcome.rows[..batch].to_vec();
    let next = format!("{base}/{}/{locator}-{batch}", resource.path());
    org.queries
        .open(locator, Cursor::new(caller.user, outcome.rows, batch));
    axum::Json(body(outcome.total, first, Some(next))).into_response()
}

/// Answers the batch of a `nextRecordsUrl`: `{locator}-{offset}`.
///
/// NOTE: unverified choices: a locator may be fetched again (a client can
/// retry a lost page), only by the user who opened it, at any offset inside
/// the result; pages keep the first request's batch size unless the page
/// request sends its own `Sforce-Query-Options`; and the next URL names the
/// resource (`query` or `queryAll`) the page was fetched from.
fn page(
    org: &Shared,
    caller: &Caller,
    headers: &HeaderMap,
    locator: &str,
    resource: Resource,
) -> Response {
    let invalid =
        || ApiError::bad_request("INVALID_QUERY_LOCATOR", "invalid query locator").into_response();
    let Some((id, offset)) = locator.rsplit_once('-') else {
        return invalid();
    };
    let Ok(offset) = offset.parse::<usize>() else {
        return invalid();
    };

    let mut org = org.lock().expect("sandbox state lock");
    let Some(cursor) = org.queries.find(id, caller.user) else {
        return invalid();
    };
    if offset >= cursor.rows.len() {
        return invalid();
    }

    let batch = batch_size(headers).unwrap_or(cursor.batch);
    let end = (offset + batch).min(cursor.rows.len());
    let rows = cursor.rows[offset..end].to_vec();
    let total = cursor.rows.len();
    let next = (end < total).then(|| format!("{}/{}/{id}-{end}", caller.base(), resource.path()));
    axum::Json(body(total, rows, next)).into_response()
}

/// The query response, keys in Salesforce's order.
fn body(total: usize, records: Vec<Value>, next: Option<String>) -> Value {
    let mut out = Map::new();
    out.insert("totalSize".into(), json!(total));
    out.insert("done".into(), json!(next.is_none()));
    if let Some(next) = next {
        out.insert("nextRecordsUrl".into(), json!(next));
    }
    out.insert("records".into(), Value::Array(records));
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            "sforce-query-options",
            HeaderValue::from_str(value).unwrap(),
        );
        headers
    }

    #[test]
    fn batch_size_reads_and_clamps_the_option() {
        assert_eq!(batch_size(&HeaderMap::new()), None);
        assert_eq!(batch_size(&headers("batchSize=500")), Some(500));
        assert_eq!(batch_size(&headers("foo=1, BATCHSIZE = 300")), Some(300));
        assert_eq!(batch_size(&headers("batchSize=10")), Some(MIN_BATCH));
        assert_eq!(batch_size(&headers("batchSize=5000")), Some(DEFAULT_BATCH));
        assert_eq!(batch_size(&headers("batchSize=lots")), None);
    }

    #[test]
    fn bodies_name_the_next_page_only_when_not_done() {
        let done = body(1, vec![json!({})], None);
        let keys: Vec<&String> = done.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["totalSize", "done", "records"]);
        assert_eq!(done["done"], true);

        let more = body(3, vec![json!({})], Some("/next".into()));
        let keys: Vec<&String> = more.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["totalSize", "done", "nextRecordsUrl", "records"]);
        assert_eq!(more["done"], false);
    }

    #[test]
    fn cursors_are_capped_per_user() {
        let mut state = QueryState::default();
        let cursor = |user| Cursor::new(user, Vec::new(), DEFAULT_BATCH);
        for n in 0..CURSORS_PER_USER + 2 {
            state.open(format!("c{n}"), cursor(0));
        }
        state.open("other".into(), cursor(1));
        assert_eq!(
            state.cursors.values().filter(|c| c.user == 0).count(),
            CURSORS_PER_USER
        );
        assert!(state.find("c0", 0).is_none());
        assert!(
            state
                .find(&format!("c{}", CURSORS_PER_USER + 1), 0)
                .is_some()
        );
        assert!(state.find("other", 0).is_none());
        assert!(state.find("other", 1).is_some());
    }
}
