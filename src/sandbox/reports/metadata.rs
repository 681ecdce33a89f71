//! Report metadata: the saved definition a run starts from, the overrides a
//! POST body applies to it (never saved), and its JSON forms in run results
//! and describe.

use serde_json::{Map, Value, json};

use super::super::errors::ApiError;
use super::super::schema::{Profile, Schema};
use super::catalog::{Column, ReportDef, ReportType};
use super::filter::{Filter, OPERATORS, Operator};

/// `reportFormat`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Tabular,
    Summary,
    Matrix,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Tabular => "TABULAR",
            Self::Summary => "SUMMARY",
            Self::Matrix => "MATRIX",
        }
    }

    fn parse(name: &str) -> Option<Self> {
        [Self::Tabular, Self::Summary, Self::Matrix]
            .into_iter()
            .find(|f| f.as_str() == name)
    }
}

/// One level of `groupingsDown` or `groupingsAcross`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grouping {
    pub name: String,
    pub descending: bool,
}

/// The one entry `sortBy` may hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sort {
    pub column: String,
    pub descending: bool,
}

/// `topRows`: a row limit taken from one end of the sorted rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TopRows {
    pub limit: usize,
    pub descending: bool,
}

/// The parts of report metadata a run uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metadata {
    pub format: Format,
    pub detail_columns: Vec<String>,
    pub filters: Vec<Filter>,
    pub boolean_filter: Option<String>,
    /// At most one entry once validated; kept as a list to report the error.
    pub sort_by: Vec<Sort>,
    pub groupings_down: Vec<Grouping>,
    pub groupings_across: Vec<Grouping>,
    pub top_rows: Option<TopRows>,
}

impl Metadata {
    /// Empty metadata of a format, to fill with struct update syntax.
    pub fn new(format: Format) -> Self {
        Self {
            format,
            detail_columns: Vec::new(),
            filters: Vec::new(),
            boolean_filter: None,
            sort_by: Vec::new(),
            groupings_down: Vec::new(),
            groupings_across: Vec::new(),
            top_rows: None,
        }
    }
}

/// 400 `BAD_REQUEST`, the code of report metadata errors.
pub fn bad_request(message: impl Into<String>) -> ApiError {
    ApiError::bad_request("BAD_REQUEST", message)
}

/// 400 `JSON_PARSER_ERROR` for a body whose JSON has the wrong shape.
fn shape(message: impl Into<String>) -> ApiError {
    ApiError::bad_request("JSON_PARSER_ERROR", message)
}

/// Applies the `reportMetadata` of a POST body to the saved metadata. Keys
/// left out keep their saved values; keys this sandbox does not model
/// (`aggregates`, `standardDateFilter`, `historicalSnapshotDates`, ...) are
/// ignored.
///
/// NOTE: ignoring unmodelled keys is a sandbox choice; Salesforce applies
/// them. Only `RowCount` is ever aggregated.
pub fn apply_overrides(saved: &Metadata, body: &Value) -> Result<Metadata, ApiError> {
    let Some(body) = body.as_object() else {
        return Err(shape("The request body must be a JSON object"));
    };
    let overrides = match body.get("reportMetadata") {
        None | Some(Value::Null) => return Ok(saved.clone()),
        Some(Value::Object(map)) => map,
        Some(_) => return Err(shape("reportMetadata must be a JSON object")),
    };

    let mut meta = saved.clone();
    if let Some(value) = overrides.get("reportFormat") {
        let name = value.as_str().unwrap_or_default();
        meta.format = Format::parse(name)
            .ok_or_else(|| bad_request(format!("The report format {name} is invalid.")))?;
    }
    if let Some(value) = overrides.get("detailColumns") {
        meta.detail_columns = strings(value, "detailColumns")?;
    }
    if let Some(value) = overrides.get("reportFilters") {
        meta.filters = filters(value)?;
    }
    if let Some(value) = overrides.get("reportBooleanFilter") {
        meta.boolean_filter = match value {
            Value::Null => None,
            Value::String(s) if s.trim().is_empty() => None,
            Value::String(s) => Some(s.clone()),
            _ => return Err(shape("reportBooleanFilter must be a string")),
        };
    }
    if let Some(value) = overrides.get("sortBy") {
        meta.sort_by = sorts(value)?;
    }
    if let Some(value) = overrides.get("groupingsDown") {
        meta.groupings_down = groupings(value, "groupingsDown")?;
    }
    if let Some(value) = overrides.get("groupingsAcross") {
        meta.groupings_across = groupings(value, "groupingsAcross")?;
    }
    if let Some(value) = overrides.get("topRows") {
        meta.top_rows = top_rows(value)?;
    }
    Ok(meta)
}

fn array<'a>(value: &'a Value, key: &str) -> Result<&'a [Value], ApiError> {
    match value {
        Value::Null => Ok(&[]),
        Value::Array(items) => Ok(items),
        _ => Err(shape(format!("{key} must be a JSON array"))),
    }
}

fn strings(value: &Value, key: &str) -> Result<Vec<String>, ApiError> {
    array(value, key)?
        .iter()
        .map(|v| {
            v.as_str()
                .map(str::to_string)
                .ok_or_else(|| shape(format!("{key} holds strings")))
        })
        .collect()
}

/// Text of a scalar JSON value, as filter values may be sent unquoted.
fn scalar(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

fn filters(value: &Value) -> Result<Vec<Filter>, ApiError> {
    let mut out = Vec::new();
    for (i, item) in array(value, "reportFilters")?.iter().enumerate() {
        let n = i + 1;
        let Some(item) = item.as_object() else {
            return Err(shape("reportFilters holds JSON objects"));
        };
        let column = scalar(item.get("column"));
        let name = scalar(item.get("operator"));
        // NOTE: the wording of filter errors is unverified; Salesforce
        // prefixes them with the filter's number ("For the filter 1: ...").
        let operator = Operator::parse(&name).ok_or_else(|| {
            let known = OPERATORS.map(Operator::as_str).join(", ");
            bad_request(format!(
                "For the filter {n}: {name} isn't a valid operator for the column {column}. \
                 Use one of: {known}."
            ))
        })?;
        out.push(Filter {
            column,
            operator,
            value: scalar(item.get("value")),
        });
    }
    Ok(out)
}

fn order(value: Option<&Value>) -> Result<bool, ApiError> {
    match value.and_then(Value::as_str) {
        None => Ok(false),
        Some(s) if s.eq_ignore_ascii_case("asc") => Ok(false),
        Some(s) if s.eq_ignore_ascii_case("desc") => Ok(true),
        Some(s) => Err(bad_request(format!(
            "The sort order {s} is invalid. Use Asc or Desc."
        ))),
    }
}

fn sorts(value: &Value) -> Result<Vec<Sort>, ApiError> {
    let items = array(value, "sortBy")?;
    if items.len() > 1 {
        return Err(bad_request("A report can only be sorted by one column."));
    }
    items
        .iter()
        .map(|item| {
            let column = item
                .get("sortColumn")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if column.is_empty() {
                return Err(bad_request("The sort column name can’t be null."));
            }
            let descending = order(item.get("sortOrder"))?;
            Ok(Sort {
                column: column.to_string(),
                descending,
            })
        })
        .collect()
}

fn groupings(value: &Value, key: &str) -> Result<Vec<Grouping>, ApiError> {
    array(value, key)?
        .iter()
        .map(|item| {
            let name = item.get("name").and_then(Value::as_str).unwrap_or_default();
            let descending = order(item.get("sortOrder"))?;
            Ok(Grouping {
                name: name.to_string(),
                descending,
            })
        })
        .collect()
}

fn top_rows(value: &Value) -> Result<Option<TopRows>, ApiError> {
    if value.is_null() {
        return Ok(None);
    }
    let limit = value
        .get("rowLimit")
        .and_then(Value::as_u64)
        .filter(|n| *n > 0);
    let Some(limit) = limit else {
        return Err(bad_request(
            "The row limit in topRows must be a positive whole number.",
        ));
    };
    let descending = order(value.get("direction"))?;
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    Ok(Some(TopRows { limit, descending }))
}

fn sort_order(descending: bool) -> &'static str {
    if descending { "Desc" } else { "Asc" }
}

fn groupings_json(list: &[Grouping]) -> Value {
    let items: Vec<Value> = list
        .iter()
        .map(|g| {
            json!({"dateGranularity": "None", "name": g.name, "sortAggregate": null,
                   "sortOrder": sort_order(g.descending)})
        })
        .collect();
    Value::Array(items)
}

/// `reportMetadata` of a run or describe; `detail` are the detail columns the
/// caller may see.
pub fn metadata_json(def: &ReportDef, meta: &Metadata, detail: &[&str]) -> Value {
    let filters: Vec<Value> = meta
        .filters
        .iter()
        .map(|f| {
            json!({"column": f.column, "filterType": "fieldValue", "isRunPageEditable": true,
                   "operator": f.operator.as_str(), "value": f.value})
        })
        .collect();
    let sort_by: Vec<Value> = meta
        .sort_by
        .iter()
        .map(|s| json!({"sortColumn": s.column, "sortOrder": sort_order(s.descending)}))
        .collect();
    let top_rows = meta.top_rows.map_or(
        Value::Null,
        |t| json!({"direction": sort_order(t.descending), "rowLimit": t.limit}),
    );
    let rt = def.report_type;

    json!({
        "aggregates": ["RowCount"],
        "buckets": [],
        "chart": null,
        "crossFilters": [],
        "currency": null,
        "description": def.description,
        "detailColumns": detail,
        "developerName": def.developer_name,
        "division": null,
        "folderId": def.folder_id.as_str(),
        "groupingsAcross": groupings_json(&meta.groupings_across),
        "groupingsDown": groupings_json(&meta.groupings_down),
        "hasDetailRows": true,
        "hasRecordCount": true,
        "historicalSnapshotDates": [],
        "id": def.id.as_str(),
        "name": def.name,
        "presentationOptions": {"hasStackedSummaries": true},
        "reportBooleanFilter": meta.boolean_filter,
        "reportFilters": filters,
        "reportFormat": meta.format.as_str(),
        "reportType": {"label": rt.label, "type": rt.name},
        "scope": "organization",
        "showGrandTotal": true,
        "showSubtotals": true,
        "sortBy": sort_by,
        "standardDateFilter": {"column": rt.date_column, "durationValue": "CUSTOM",
                               "endDate": null, "startDate": null},
        "standardFilters": null,
        "supportsRoleHierarchy": false,
        "topRows": top_rows,
        "userOrHierarchyFilterId": null,
    })
}

/// `filterValues` of a column: its picklist values, else none.
fn filter_values(schema: &Schema, rt: &ReportType, column: &Column) -> Value {
    let values: Vec<Value> = match column.field(schema, rt.object) {
        Some((_, field)) if !column.is_lookup() => field
            .picklist
            .iter()
            .map(|(v, _)| json!({"apiName": v, "label": v, "name": v}))
            .collect(),
        _ => Vec::new(),
    };
    Value::Array(values)
}

/// An entry of `detailColumnInfo`.
pub fn detail_column_info(schema: &Schema, rt: &ReportType, column: &Column) -> Value {
    let entity = column.entity_column_name(schema, rt.object);
    json!({
        "dataType": column.data_type(schema, rt.object),
        "entityColumnName": entity,
        "filterValues": filter_values(schema, rt, column),
        "filterable": true,
        "fullyQualifiedName": column.name,
        "inactiveFilterValues": [],
        "isLookup": column.is_lookup(),
        "label": column.label,
        "uniqueCountable": true,
    })
}

/// `reportTypeMetadata` of describe: the columns of the report type the
/// caller may see, by category, and the operators of each data type.
pub fn report_type_metadata(schema: &Schema, rt: &ReportType, profile: Profile) -> Value {
    let mut categories: Vec<(&str, Map<String, Value>)> = Vec::new();
    let mut data_types: Vec<&str> = Vec::new();
    for column in rt
        .columns
        .iter()
        .filter(|c| c.visible_to(schema, rt.object, profile))
    {
        let data_type = column.data_type(schema, rt.object);
        if !data_types.contains(&data_type) {
            data_types.push(data_type);
        }
        let custom = column
            .field(schema, rt.object)
            .is_some_and(|(_, f)| f.custom);
        let info = json!({
            "allowedInCustomDetailFormula": true,
            "bucketable": false,
            "dataType": data_type,
            "entityColumnName": column.entity_column_name(schema, rt.object),
            "fieldToFieldFilterable": false,
            "filterValues": filter_values(schema, rt, column),
            "filterable": true,
            "inactiveFilterValues": [],
            "isCustom": custom,
            "isLookup": column.is_lookup(),
            "label": column.label,
            "maxLength": null,
            "uniqueCountable": true,
        });
        match categories
            .iter_mut()
            .find(|(label, _)| *label == column.category)
        {
            Some((_, columns)) => {
                columns.insert(column.name.to_string(), info);
            }
            None => {
                let mut columns = Map::new();
                columns.insert(column.name.to_string(), info);
                categories.push((column.category, columns));
            }
        }
    }

    let categories: Vec<Value> = categories
        .into_iter()
        .map(|(label, columns)| json!({"columns": columns, "label": label}))
        .collect();
    let operators: Map<String, Value> = data_types
        .into_iter()
        .map(|dt| (dt.to_string(), operators_json(dt)))
        .collect();
    let plural = schema
        .object(rt.object)
        .map_or(rt.label, |o| o.label_plural);
    json!({
        "categories": categories,
        "dataTypeFilterOperatorMap": operators,
        "divisionInfo": null,
        "scopeInfo": {"defaultValue": "organization", "values": [
            {"allowsDivision": false, "label": format!("All {}", plural.to_lowercase()),
             "value": "organization"}]},
        "standardDateFilterDurationGroups": [],
        "standardFilterInfos": {},
    })
}

/// The operators a data type accepts, as `dataTypeFilterOperatorMap` lists them.
pub fn operators_json(data_type: &str) -> Value {
    let ops: Vec<Value> = OPERATORS
        .into_iter()
        .filter(|op| {
            data_type != "date" || !matches!(op.as_str(), "contains" | "notContain" | "startsWith")
        })
        .map(|op| json!({"label": op.label(), "name": op.as_str()}))
        .collect();
    Value::Array(ops)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn saved() -> Metadata {
        Metadata {
            detail_columns: vec!["A".into(), "B".into()],
            filters: vec![Filter {
                column: "A".into(),
                operator: Operator::Equals,
                value: "x".into(),
            }],
            ..Metadata::new(Format::Tabular)
        }
    }

    #[test]
    fn overrides_replace_only_the_keys_given() {
        let body = json!({"reportMetadata": {
            "reportFilters": [{"column": "B", "operator": "greaterThan", "value": 5}],
            "sortBy": [{"sortColumn": "B", "sortOrder": "Desc"}],
            "topRows": {"rowLimit": 5, "direction": "Asc"},
            "aggregates": ["s!AMOUNT"],
        }});
        let meta = apply_overrides(&saved(), &body).unwrap();
        assert_eq!(meta.detail_columns, ["A", "B"]);
        assert_eq!(meta.filters[0].operator, Operator::GreaterThan);
        assert_eq!(meta.filters[0].value, "5");
        assert_eq!(
            meta.sort_by,
            [Sort {
                column: "B".into(),
                descending: true
            }]
        );
        assert_eq!(
            meta.top_rows,
            Some(TopRows {
                limit: 5,
                descending: false
            })
        );
        assert_eq!(apply_overrides(&saved(), &json!({})).unwrap(), saved());
    }

    #[test]
    fn two_sort_columns_are_refused() {
        let body = json!({"reportMetadata": {"sortBy": [
            {"sortColumn": "A", "sortOrder": "Asc"}, {"sortColumn": "B", "sortOrder": "Asc"}]}});
        let error = apply_overrides(&saved(), &body).unwrap_err();
        assert_eq!(error.code, "BAD_REQUEST");
        assert_eq!(error.message, "A report can only be sorted by one column.");
    }

    #[test]
    fn unknown_operators_and_bad_shapes_are_refused() {
        let body = json!({"reportMetadata": {"reportFilters": [
            {"column": "A", "operator": "like", "value": "x"}]}});
        let error = apply_overrides(&saved(), &body).unwrap_err();
        assert!(
            error.message.starts_with("For the filter 1: like"),
            "{}",
            error.message
        );
        assert!(apply_overrides(&saved(), &json!([])).is_err());
        assert!(apply_overrides(&saved(), &json!({"reportMetadata": 3})).is_err());
        let zero = json!({"reportMetadata": {"topRows": {"rowLimit": 0}}});
        assert!(apply_overrides(&saved(), &zero).is_err());
    }
}
