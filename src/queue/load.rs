//! Running a report against Salesforce and reading every row of it, past the
//! Reports API's 2,000-row cap, into prospects (parsing is `report`'s).
//!
//! # Paging
//!
//! The first run is a plain `GET …?includeDetails=true`: one call, and the
//! rows come in the report's own order (a call list's order matters to the
//! rep). When its `allData` is true that is all.
//!
//! Otherwise the report is read again from the beginning, sorted by its
//! record-id column, in pages: each `POST` keeps the report's own
//! `reportFilters` and adds `ID_COL greaterThan <last id seen>`, extending
//! `reportBooleanFilter` to `(orig) AND N` when the report has one
//! (`shared/field-notes.md` row 8). The restart is needed because the
//! unsorted first page gives no cursor. Pages are run as TABULAR without
//! groupings: grouped reports sort within their groups and are cut in group
//! order, so only a flat run sorted by the id column gives a cursor below
//! which every row has been seen. A report of N rows over the cap therefore
//! costs 1 + ⌈N / 2,000⌉ calls (the last page is the one with `allData`
//! true), all counted in [`Loaded::api_calls`]; each is a synchronous run
//! against the org's 500 per hour.
//!
//! The id column is the person's `id` column (`CONTACT_ID`, `LEAD_ID`) or
//! the custom record's (`CUST_ID`). A report without one gets it added
//! through a `detailColumns` override when its report type is known
//! (`ContactList` → `CONTACT_ID`, `LeadList` → `LEAD_ID`,
//! `CustomEntity$…` → `CUST_ID`): that costs no extra call, since the
//! restart is needed anyway. Otherwise the load stops with
//! [`LoadError::TooManyRows`], never a silent truncation.
//!
//! # Limitations
//!
//! - Rows whose id column is empty cannot be paged past; a page that moves
//!   the cursor no further stops the load with [`LoadError::Paging`].
//! - A saved row limit (`topRows`) and the report's other filters (standard,
//!   cross) are kept as saved; only `reportFilters` is overridden.
//! - NOTE: running a SUMMARY or MATRIX report as TABULAR through the override
//!   is what the sandbox does; Salesforce documents overriding groupings, the
//!   format change is unverified.

use std::collections::HashSet;

use phonenumber::country::Id;
use reqwest::Method;
use serde_json::{Value, json};

use super::Prospect;
use super::report::{Mapping, Page, ReportError, ReportIdError, Skip, check_report_id, parse_run};
use crate::exit::Exit;
use crate::salesforce::{Connection, SalesforceError};

/// Rows one synchronous run returns at most (Reports API limits).
pub const ROWS_CAP: usize = 2_000;

/// Told about each page as it arrives; the CLI backs it with a progress bar.
pub trait Progress: Send + Sync {
    /// `rows_so_far` detail rows read once page number `page` (1-based) is in.
    fn page(&self, rows_so_far: usize, page: usize);
}

/// Progress that reports nowhere.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn page(&self, _rows_so_far: usize, _page: usize) {}
}

/// A report read in full.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The 18-character report id.
    pub report_id: String,
    pub report_name: String,
    /// `TABULAR`, `SUMMARY` or `MATRIX` as saved.
    pub format: String,
    /// Deduplicated by person id, the first row winning.
    pub prospects: Vec<Prospect>,
    /// Rows without a person; `row` counts across the pages kept.
    pub skipped: Vec<Skip>,
    /// Detail rows in the pages kept (a restarted first run is not counted).
    pub rows: usize,
    /// Runs whose rows make up the result.
    pub pages: usize,
    /// Requests sent, including a first run that paging restarted.
    pub api_calls: u64,
    /// Mapped columns absent from the runs (hidden or not in the report).
    pub unavailable: Vec<String>,
}

/// Why a report could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The id is malformed; nothing was sent. Exit 2.
    #[error(transparent)]
    BadId(#[from] ReportIdError),
    /// Salesforce refused the run (unknown or forbidden report: its message)
    /// or could not be reached. Exit as the error says.
    #[error("report `{report_id}`: {error}")]
    Salesforce {
        report_id: String,
        error: SalesforceError,
    },
    /// The run cannot be turned into prospects. Exit 2 when the report needs
    /// changing (no phone or person column).
    #[error("report `{report_id}`: {error}")]
    Report {
        report_id: String,
        error: ReportError,
    },
    /// Over the cap without an id column to page by. Exit 2.
    #[error(
        "report `{report_id}` has more than {rows_cap} rows and no record ID column to read \
         them past Salesforce's cap of {rows_cap} rows per run"
    )]
    TooManyRows { report_id: String, rows_cap: usize },
    /// Paging stopped making progress; loading less would be a silent
    /// truncation. Exit 1.
    #[error("report `{report_id}`: paging stopped after {rows} rows: {message}")]
    Paging {
        report_id: String,
        rows: usize,
        message: String,
    },
}

impl LoadError {
    /// The exit code of this failure.
    pub fn exit(&self) -> Exit {
        match self {
            Self::BadId(_) | Self::TooManyRows { .. } => Exit::Usage,
            Self::Salesforce { error, .. } => error.exit(),
            Self::Report { error, .. } => match error {
                ReportError::NoPhoneColumn { .. } | ReportError::NoPersonColumn { .. } => {
                    Exit::Usage
                }
                ReportError::Shape { .. } => Exit::Other,
            },
            Self::Paging { .. } => Exit::Other,
        }
    }

    /// What the user can do about it, when there is something.
    pub fn hint(&self) -> Option<String> {
        match self {
            Self::BadId(_) => Some(
                "copy the id from the report's URL: it starts with 00O and has 15 or 18 \
                 characters"
                    .to_string(),
            ),
            Self::Salesforce { error, .. } => match error {
                SalesforceError::Api { status, .. } if [403, 404].contains(status) => Some(
                    "check the report id, and that the report's folder is shared with you"
                        .to_string(),
                ),
                other => other.hint(),
            },
            Self::Report { error, .. } => error.hint(),
            Self::TooManyRows { .. } => Some(
                "add the record ID column to the report (Contact ID or Lead ID, or the custom \
                 object's ID), or narrow it with filters to under 2,000 rows"
                    .to_string(),
            ),
            Self::Paging { .. } => None,
        }
    }
}

/// The id column a report type offers for its base records, to add when the
/// report shows none.
fn known_id_column(report_type: &str) -> Option<&'static str> {
    match report_type {
        "ContactList" => Some("CONTACT_ID"),
        "LeadList" => Some("LEAD_ID"),
        t if t.starts_with("CustomEntity$") => Some("CUST_ID"),
        _ => None,
    }
}

/// The POST body of one sorted page: `overrides` (format, groupings, sort,
/// the report's own `reportFilters` and `reportBooleanFilter`) plus, past
/// the first page, `id_column greaterThan cursor` as filter N, joined to
/// the report's filter logic as `(logic) AND N`.
fn page_body(overrides: &Value, id_column: &str, cursor: Option<&str>) -> Value {
    let mut metadata = overrides.clone();
    if let Some(last) = cursor {
        let mut filters = metadata["reportFilters"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        filters.push(json!({"column": id_column, "operator": "greaterThan", "value": last}));
        let n = filters.len();
        metadata["reportFilters"] = json!(filters);
        let logic = metadata["reportBooleanFilter"]
            .as_str()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| format!("({s}) AND {n}"));
        metadata["reportBooleanFilter"] = json!(logic);
    }
    json!({"reportMetadata": metadata})
}

/// Runs one page and parses it, counting the call.
struct Runner<'a> {
    conn: &'a Connection,
    report_id: String,
    path: String,
    mapping: &'a Mapping,
    country: Id,
    calls: u64,
}

impl Runner<'_> {
    async fn run(&mut self, body: Option<&Value>) -> Result<(Value, Page), LoadError> {
        let method = if body.is_some() {
            Method::POST
        } else {
            Method::GET
        };
        self.calls += 1;
        let fail = |error| LoadError::Salesforce {
            report_id: self.report_id.clone(),
            error,
        };
        let (status, reply) = self
            .conn
            .send(method, &self.path, body)
            .await
            .map_err(fail)?;
        if !status.is_success() {
            return Err(fail(SalesforceError::from_reply(status, &reply)));
        }
        let page =
            parse_run(&reply, self.mapping, self.country).map_err(|error| LoadError::Report {
                report_id: self.report_id.clone(),
                error,
            })?;
        tracing::debug!(
            report = %self.report_id, rows = page.rows, all_data = page.all_data,
            "report page read"
        );
        Ok((reply, page))
    }
}

/// What pages add up to.
#[derive(Default)]
struct Sum {
    seen: HashSet<String>,
    prospects: Vec<Prospect>,
    skipped: Vec<Skip>,
    rows: usize,
    pages: usize,
    unavailable: Vec<String>,
}

impl Sum {
    fn add(&mut self, page: Page) {
        for skip in page.skipped {
            self.skipped.push(Skip {
                row: self.rows + skip.row,
                reason: skip.reason,
            });
        }
        for prospect in page.prospects {
            if self.seen.insert(prospect.person_id.clone()) {
                self.prospects.push(prospect);
            }
        }
        for column in page.unavailable {
            if !self.unavailable.contains(&column) {
                self.unavailable.push(column);
            }
        }
        self.rows += page.rows;
        self.pages += 1;
    }
}

/// Runs a report and reads every row into prospects, paging past the cap
/// (see the module docs). `report_id` is checked first, so a malformed id
/// sends nothing.
pub async fn load_report(
    conn: &Connection,
    report_id: &str,
    mapping: &Mapping,
    default_country: Id,
    progress: &dyn Progress,
) -> Result<Loaded, LoadError> {
    let report_id = check_report_id(report_id)?;
    let mut runner = Runner {
        conn,
        path: format!("analytics/reports/{report_id}?includeDetails=true"),
        report_id: report_id.clone(),
        mapping,
        country: default_country,
        calls: 0,
    };

    let (first, mut page) = runner.run(None).await?;
    let meta = &first["reportMetadata"];
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let report_name = first["attributes"]["reportName"]
        .as_str()
        .map_or_else(|| text(&meta["name"]), str::to_string);
    let format = text(&meta["reportFormat"]);
    let mut sum = Sum::default();

    if !page.all_data {
        // Page by the id column, adding the report type's one if needed.
        let too_many = || LoadError::TooManyRows {
            report_id: report_id.clone(),
            rows_cap: ROWS_CAP,
        };
        let mut overrides = json!({
            "reportFormat": "TABULAR",
            "groupingsDown": [],
            "groupingsAcross": [],
        });
        let id_column = match &page.id_column {
            Some(column) => column.clone(),
            None => {
                let shown: Vec<&str> = meta["detailColumns"]
                    .as_array()
                    .map(|a| a.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                let added = known_id_column(meta["reportType"]["type"].as_str().unwrap_or(""))
                    .filter(|c| !shown.contains(c))
                    .ok_or_else(too_many)?;
                let mut columns: Vec<&str> = shown.clone();
                columns.push(added);
                overrides["detailColumns"] = json!(columns);
                tracing::debug!(report = %report_id, column = added, "adding an id column");
                added.to_string()
            }
        };
        overrides["sortBy"] = json!([{"sortColumn": id_column, "sortOrder": "Asc"}]);
        for key in ["reportFilters", "reportBooleanFilter"] {
            if !meta[key].is_null() {
                overrides[key] = meta[key].clone();
            }
        }

        let mut cursor: Option<String> = None;
        loop {
            let body = page_body(&overrides, &id_column, cursor.as_deref());
            let (_, next) = runner.run(Some(&body)).await?;
            page = next;

            if page.id_column.as_deref() != Some(id_column.as_str()) {
                return Err(too_many());
            }
            let done = page.all_data;
            let moved = page.last_id.is_some() && page.last_id != cursor;
            let last = page.last_id.clone();
            sum.add(page);
            progress.page(sum.rows, sum.pages);
            if done {
                break;
            }
            if !moved {
                return Err(LoadError::Paging {
                    report_id: report_id.clone(),
                    rows: sum.rows,
                    message: format!("a page sorted by {id_column} did not move past the last id"),
                });
            }
            cursor = last;
        }
    } else {
        sum.add(page);
        progress.page(sum.rows, sum.pages);
    }

    Ok(Loaded {
        report_id,
        report_name,
        format,
        prospects: sum.prospects,
        skipped: sum.skipped,
        rows: sum.rows,
        pages: sum.pages,
        api_calls: runner.calls,
        unavailable: sum.unavailable,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_pages_add_the_cursor_to_the_report_s_filters_and_logic() {
        let overrides = json!({
            "sortBy": [{"sortColumn": "LEAD_ID", "sortOrder": "Asc"}],
            "reportFilters": [{"column": "STATE", "operator": "equals", "value": "OH"},
                              {"column": "LEAD_SOURCE", "operator": "equals", "value": "Web"},
                              {"column": "LEAD_SOURCE", "operator": "equals", "value": "Other"}],
            "reportBooleanFilter": "1 AND (2 OR 3)",
        });
        let first = page_body(&overrides, "LEAD_ID", None);
        assert_eq!(first["reportMetadata"], overrides);

        let next = &page_body(&overrides, "LEAD_ID", Some("00QR0000000XyZ1AAA"))["reportMetadata"];
        assert_eq!(next["reportBooleanFilter"], "(1 AND (2 OR 3)) AND 4");
        assert_eq!(
            next["reportFilters"][3],
            json!({"column": "LEAD_ID", "operator": "greaterThan", "value": "00QR0000000XyZ1AAA"})
        );
        assert_eq!(next["sortBy"], overrides["sortBy"]);

        // Without logic the filters are ANDed anyway.
        let plain = json!({"reportFilters": [], "reportBooleanFilter": null});
        let next = &page_body(&plain, "CONTACT_ID", Some("x"))["reportMetadata"];
        assert_eq!(next["reportBooleanFilter"], Value::Null);
        assert_eq!(next["reportFilters"].as_array().unwrap().len(), 1);
    }
}
