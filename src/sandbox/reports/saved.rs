//! Reports replayed from files (`--report ID=FILE`): a report-run JSON saved
//! from a real org, served verbatim under the given id, with a describe
//! derived from its metadata.
//!
//! NOTE: POST overrides (filters, sorts, columns) are ignored for these
//! reports: the file is one fixed run, and recomputing it is impossible
//! without the org's data. Only `includeDetails=false` is honoured, by
//! stripping every `rows` key.

use std::path::Path;

use serde_json::{Map, Value, json};

use super::super::Error;
use super::metadata::operators_json;
use crate::ids::SfId;

/// A report-run JSON served as a report.
#[derive(Debug)]
pub struct SavedRun {
    pub id: SfId,
    body: Value,
}

impl SavedRun {
    /// Reads and checks a `--report ID=FILE` pair.
    pub fn load(id: &str, path: &Path) -> Result<Self, Error> {
        let fail = |reason: String| Error::ReportFile {
            id: id.to_string(),
            path: path.to_path_buf(),
            reason,
        };

        let parsed = SfId::parse(id).map_err(|e| fail(format!("not a report id: {e}")))?;
        if parsed.prefix() != "00O" {
            return Err(fail(format!(
                "not a report id: `{id}` does not start with 00O"
            )));
        }
        let text = std::fs::read_to_string(path).map_err(|e| fail(format!("cannot read: {e}")))?;
        let body: Value =
            serde_json::from_str(&text).map_err(|e| fail(format!("invalid JSON: {e}")))?;
        let is_run = body.get("factMap").is_some_and(Value::is_object)
            && body.get("reportMetadata").is_some_and(Value::is_object);
        if !is_run {
            return Err(fail(
                "not a report run: expected an object with `reportMetadata` and `factMap`".into(),
            ));
        }

        Ok(Self { id: parsed, body })
    }

    fn metadata(&self, key: &str) -> Option<&str> {
        self.body.get("reportMetadata")?.get(key)?.as_str()
    }

    /// The report's name from its metadata (or attributes).
    pub fn name(&self) -> String {
        self.metadata("name")
            .or_else(|| self.body.get("attributes")?.get("reportName")?.as_str())
            .unwrap_or("Saved report")
            .to_string()
    }

    /// `reportFormat` from the metadata.
    pub fn format(&self) -> String {
        self.metadata("reportFormat")
            .unwrap_or("TABULAR")
            .to_string()
    }

    /// Detail rows in the file, over every fact map entry.
    pub fn row_count(&self) -> usize {
        self.body["factMap"].as_object().map_or(0, |m| {
            m.values()
                .filter_map(|v| v["rows"].as_array())
                .map(Vec::len)
                .sum()
        })
    }

    /// The run as saved; without details, every `rows` key is removed.
    pub fn result(&self, include_details: bool) -> Value {
        let mut body = self.body.clone();
        if !include_details {
            if let Some(map) = body.get_mut("factMap").and_then(Value::as_object_mut) {
                for entry in map.values_mut().filter_map(Value::as_object_mut) {
                    entry.remove("rows");
                }
            }
            body["hasDetailRows"] = json!(false);
        }
        body
    }

    /// Describe derived from the saved metadata: the report type lists the
    /// saved detail columns, as the file knows no others.
    pub fn describe(&self, attributes: Value) -> Value {
        let extended = self
            .body
            .get("reportExtendedMetadata")
            .cloned()
            .unwrap_or(json!({}));
        let detail = extended.get("detailColumnInfo").and_then(Value::as_object);

        let mut columns = Map::new();
        let mut data_types: Vec<String> = Vec::new();
        for (name, info) in detail.into_iter().flatten() {
            let data_type = info["dataType"].as_str().unwrap_or("string").to_string();
            if !data_types.contains(&data_type) {
                data_types.push(data_type.clone());
            }
            let mut column = info.as_object().cloned().unwrap_or_default();
            column.entry("dataType").or_insert(json!(data_type));
            column.entry("filterable").or_insert(json!(true));
            column.entry("filterValues").or_insert(json!([]));
            columns.insert(name.clone(), Value::Object(column));
        }
        let operators: Map<String, Value> = data_types
            .iter()
            .map(|dt| (dt.clone(), operators_json(dt)))
            .collect();
        let label = self.body["reportMetadata"]["reportType"]["label"]
            .as_str()
            .unwrap_or("Columns");

        json!({
            "attributes": attributes,
            "reportExtendedMetadata": extended,
            "reportMetadata": self.body["reportMetadata"],
            "reportTypeMetadata": {
                "categories": [{"columns": columns, "label": label}],
                "dataTypeFilterOperatorMap": operators,
                "divisionInfo": null,
                "scopeInfo": null,
                "standardDateFilterDurationGroups": [],
                "standardFilterInfos": {},
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn file(text: &str) -> tempfile::NamedTempFile {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(text.as_bytes()).unwrap();
        file
    }

    const RUN: &str = r#"{"attributes": {"reportName": "Saved"}, "allData": true,
        "factMap": {"T!T": {"aggregates": [{"label": "2", "value": 2}],
                            "rows": [{"dataCells": []}, {"dataCells": []}]}},
        "hasDetailRows": true,
        "reportMetadata": {"name": "Saved Run", "reportFormat": "TABULAR"},
        "reportExtendedMetadata": {
            "detailColumnInfo": {"X": {"label": "X", "dataType": "phone"}}}}"#;

    #[test]
    fn loads_and_strips_rows_without_details() {
        let f = file(RUN);
        let saved = SavedRun::load("00OR0000000K2Ue", f.path()).unwrap();
        assert_eq!(saved.id.as_str(), "00OR0000000K2UeMAK");
        assert_eq!(saved.name(), "Saved Run");
        assert_eq!(saved.row_count(), 2);
        let summary = saved.result(false);
        assert!(summary["factMap"]["T!T"].get("rows").is_none());
        assert_eq!(summary["hasDetailRows"], false);
        assert_eq!(
            saved.result(true)["factMap"]["T!T"]["rows"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
        let described = saved.describe(json!({}));
        assert_eq!(
            described["reportTypeMetadata"]["categories"][0]["columns"]["X"]["label"],
            "X"
        );
    }

    #[test]
    fn bad_files_and_ids_are_refused() {
        let good = file(RUN);
        let bad = file("{not json");
        let other = file("[1, 2]");
        assert!(SavedRun::load("00OR0000000K2Ue", bad.path()).is_err());
        assert!(SavedRun::load("00OR0000000K2Ue", other.path()).is_err());
        assert!(SavedRun::load("001R0000002Guzs", good.path()).is_err());
        assert!(SavedRun::load("00OR0000000K2UeAAA", good.path()).is_err());
        let missing = Path::new("/nonexistent/report.json");
        let error = SavedRun::load("00OR0000000K2Ue", missing).unwrap_err();
        assert!(matches!(error, Error::ReportFile { .. }));
    }
}
