//! Running a defined report: validate its metadata for the caller, select,
//! sort and group the rows, and build the run result: the fact map, the
//! grouping trees and the metadata blocks (`shared/salesforce-api.md` §4.3).
//!
//! Columns the caller's profile cannot read are left out everywhere; filters,
//! sorts and groupings on them are refused as unknown columns (NOTE: refusing
//! rather than ignoring them is unverified; the seeded reports' own filters
//! use only fields both profiles read).

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::super::errors::ApiError;
use super::super::org::{Org, Record};
use super::super::schema::Profile;
use super::catalog::{Cell, Column, Kind, ReportDef};
use super::filter::{Compiled, Key, Logic};
use super::metadata::{
    Format, Grouping, Metadata, TopRows, bad_request, detail_column_info, metadata_json,
};

/// Most detail rows one run returns (Reports API limits).
pub const ROW_CAP: usize = 2_000;

/// A column with the way its values compare.
struct Resolved {
    column: &'static Column,
    kind: Kind,
}

/// A report's metadata checked against its report type and the caller.
pub struct Plan<'a> {
    org: &'a Org,
    def: &'a ReportDef,
    meta: Metadata,
    detail: Vec<Resolved>,
    filters: Vec<(Resolved, Compiled)>,
    logic: Option<Logic>,
    sort: Option<(Resolved, bool)>,
    down: Vec<(Resolved, bool)>,
    across: Vec<(Resolved, bool)>,
    top: Option<TopRows>,
}

impl<'a> Plan<'a> {
    /// Validates `meta` (the saved metadata or its overridden copy).
    ///
    /// NOTE: the wording of the 400 errors is unverified, except the two
    /// sort messages Salesforce documents ("Report Error Codes").
    pub fn new(
        org: &'a Org,
        def: &'a ReportDef,
        meta: Metadata,
        profile: Profile,
    ) -> Result<Self, ApiError> {
        let rt = def.report_type;
        let schema = &org.schema;
        let visible = |name: &str| {
            rt.column(name)
                .filter(|c| c.visible_to(schema, rt.object, profile))
        };
        let resolve = |column: &'static Column| Resolved {
            column,
            kind: column.kind(schema, rt.object),
        };

        if meta.sort_by.len() > 1 {
            return Err(bad_request("A report can only be sorted by one column."));
        }
        let (down_count, across_count) = (meta.groupings_down.len(), meta.groupings_across.len());
        let shape_ok = match meta.format {
            Format::Tabular => down_count == 0 && across_count == 0,
            Format::Summary => (1..=3).contains(&down_count) && across_count == 0,
            Format::Matrix => (1..=2).contains(&down_count) && (1..=2).contains(&across_count),
        };
        if !shape_ok {
            return Err(bad_request(format!(
                "A {} report can't have {down_count} row and {across_count} column groupings.",
                meta.format.as_str().to_lowercase()
            )));
        }

        let mut detail = Vec::new();
        for name in &meta.detail_columns {
            let Some(column) = rt.column(name) else {
                return Err(bad_request(format!(
                    "The column {name} in detailColumns is invalid."
                )));
            };
            // Field-level security: a column the caller cannot read is left
            // out of the run, which still succeeds.
            if column.visible_to(schema, rt.object, profile) {
                detail.push(resolve(column));
            }
        }

        let mut filters = Vec::new();
        for (i, filter) in meta.filters.iter().enumerate() {
            let n = i + 1;
            let Some(column) = visible(&filter.column) else {
                return Err(bad_request(format!(
                    "For the filter {n}: Specify a valid filterable column because {} is invalid.",
                    filter.column
                )));
            };
            let resolved = resolve(column);
            if !filter.operator.valid_for(&resolved.kind) {
                return Err(bad_request(format!(
                    "For the filter {n}: The operator {} isn't valid for the column {}.",
                    filter.operator.as_str(),
                    filter.column
                )));
            }
            let compiled = Compiled::new(filter, &resolved.kind)
                .map_err(|reason| bad_request(format!("For the filter {n}: {reason}.")))?;
            filters.push((resolved, compiled));
        }
        let logic = match &meta.boolean_filter {
            Some(text) if !filters.is_empty() => {
                Some(Logic::parse(text, filters.len()).map_err(bad_request)?)
            }
            _ => None,
        };

        let levels = |list: &[Grouping]| {
            list.iter()
                .map(|g| match visible(&g.name) {
                    Some(column) => Ok((resolve(column), g.descending)),
                    None => Err(bad_request(format!(
                        "The column {} specified for grouping is invalid.",
                        g.name
                    ))),
                })
                .collect::<Result<Vec<_>, _>>()
        };
        let down = levels(&meta.groupings_down)?;
        let across = levels(&meta.groupings_across)?;

        let sort = match meta.sort_by.first() {
            None => None,
            Some(_) if meta.format == Format::Matrix => {
                return Err(bad_request(
                    "Column sorting isn’t supported for matrix reports.",
                ));
            }
            Some(sort) => {
                let mut selected = detail.iter().chain(down.iter().map(|(r, _)| r));
                let Some(found) = selected.find(|r| r.column.name == sort.column) else {
                    return Err(bad_request(
                        "The sort column name must be from a selected column.",
                    ));
                };
                Some((resolve(found.column), sort.descending))
            }
        };

        if meta.top_rows.is_some() && meta.format != Format::Tabular {
            return Err(bad_request(
                "Row limit filters are only supported for tabular reports.",
            ));
        }
        let top = meta.top_rows;

        Ok(Self {
            org,
            def,
            meta,
            detail,
            filters,
            logic,
            sort,
            down,
            across,
            top,
        })
    }

    fn cell(&self, resolved: &Resolved, record: &Record) -> Cell {
        resolved.column.cell(self.org, record, &resolved.kind)
    }

    fn passes(&self, record: &Record) -> bool {
        let mut test = |n: usize| {
            let (resolved, compiled) = &self.filters[n - 1];
            compiled.matches(&self.cell(resolved, record))
        };
        match &self.logic {
            Some(logic) => logic.eval(&mut test),
            None => (1..=self.filters.len()).all(test),
        }
    }

    /// The rows of the run: filtered, sorted, limited by `topRows`.
    ///
    /// NOTE: without a sort the rows come in creation order, and a row limit
    /// without a sort column takes the first or last created rows; Salesforce
    /// leaves the unsorted order open (unverified). With a sort column,
    /// `topRows.direction` sets its order, as the row limit's direction.
    pub fn select(&self) -> Vec<&'a Record> {
        let rt = self.def.report_type;
        let mut rows: Vec<&Record> = self
            .org
            .records(rt.object)
            .filter(|r| self.passes(r))
            .collect();

        let descending = match (self.top, &self.sort) {
            (Some(top), _) => Some(top.descending),
            (None, Some((_, descending))) => Some(*descending),
            (None, None) => None,
        };
        if let Some((resolved, _)) = &self.sort {
            let mut keyed: Vec<(Key, &Record)> = rows
                .into_iter()
                .map(|r| (Key::of_cell(&self.cell(resolved, r), &resolved.kind), r))
                .collect();
            // A stable sort keeps creation order among equal values.
            if descending == Some(true) {
                keyed.sort_by(|a, b| b.0.cmp(&a.0));
            } else {
                keyed.sort_by(|a, b| a.0.cmp(&b.0));
            }
            rows = keyed.into_iter().map(|(_, r)| r).collect();
        } else if descending == Some(true) {
            rows.reverse();
        }

        if let Some(top) = self.top {
            rows.truncate(top.limit);
        }
        rows
    }

    /// The detail columns the caller sees.
    fn detail_names(&self) -> Vec<&'static str> {
        self.detail.iter().map(|r| r.column.name).collect()
    }

    /// `reportMetadata` as run.
    pub fn metadata_json(&self) -> Value {
        metadata_json(self.def, &self.meta, &self.detail_names())
    }

    /// `reportExtendedMetadata`: detail, aggregate and grouping column info.
    pub fn extended_metadata(&self) -> Value {
        let rt = self.def.report_type;
        let schema = &self.org.schema;
        let detail: Map<String, Value> = self
            .detail
            .iter()
            .map(|r| {
                (
                    r.column.name.to_string(),
                    detail_column_info(schema, rt, r.column),
                )
            })
            .collect();
        let mut grouping = Map::new();
        for levels in [&self.down, &self.across] {
            for (level, (resolved, _)) in levels.iter().enumerate() {
                let column = resolved.column;
                grouping.insert(
                    column.name.to_string(),
                    json!({"dataType": column.data_type(schema, rt.object), "groupingLevel": level,
                           "label": column.label, "name": column.name}),
                );
            }
        }
        json!({
            "aggregateColumnInfo": {"RowCount": {"acrossGroupingContext": null,
                "dataType": "int", "downGroupingContext": null, "label": "Record Count"}},
            "detailColumnInfo": detail,
            "groupingColumnInfo": grouping,
        })
    }

    /// Runs the report: the §4.3 result with `attributes` as given.
    pub fn run(&self, attributes: Value, include_details: bool, cap: usize) -> Value {
        let rows = self.select();
        let group_keys = |levels: &[(Resolved, bool)]| -> Vec<Vec<GroupKey>> {
            rows.iter()
                .map(|record| {
                    levels
                        .iter()
                        .map(|(resolved, _)| {
                            GroupKey::new(self.cell(resolved, record), &resolved.kind)
                        })
                        .collect()
                })
                .collect()
        };
        let down_keys = group_keys(&self.down);
        let across_keys = group_keys(&self.across);
        let all: Vec<usize> = (0..rows.len()).collect();
        let down_order: Vec<bool> = self.down.iter().map(|(_, d)| *d).collect();
        let across_order: Vec<bool> = self.across.iter().map(|(_, d)| *d).collect();
        let down_tree = build_tree(&all, &down_keys, 0, &down_order, "");
        let across_tree = build_tree(&all, &across_keys, 0, &across_order, "");

        let render = |i: usize| {
            let cells: Vec<Value> = self
                .detail
                .iter()
                .map(|resolved| {
                    let cell = self.cell(resolved, rows[i]);
                    json!({"label": cell.label, "value": cell.value})
                })
                .collect();
            json!({"dataCells": cells})
        };
        let down_axis = axis(&down_tree, &all);
        let across_axis = axis(&across_tree, &all);
        let (fact_map, cut) = fact_map(
            &down_axis,
            &across_axis,
            rows.len(),
            include_details,
            cap,
            render,
        );

        json!({
            "attributes": attributes,
            "allData": !cut,
            "factMap": fact_map,
            "groupingsAcross": {"groupings": tree_json(&across_tree)},
            "groupingsDown": {"groupings": tree_json(&down_tree)},
            "hasDetailRows": include_details,
            "reportExtendedMetadata": self.extended_metadata(),
            "reportMetadata": self.metadata_json(),
        })
    }
}

/// A row's value for one grouping level.
#[derive(Debug, Clone)]
pub struct GroupKey {
    key: Key,
    /// Tells groups apart: the value (ids for name columns, so two accounts
    /// of the same name are two groups).
    ident: String,
    cell: Cell,
}

impl GroupKey {
    fn new(cell: Cell, kind: &Kind) -> Self {
        let key = Key::of_cell(&cell, kind);
        let ident = match &cell.value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        Self { key, ident, cell }
    }
}

/// A node of a grouping tree.
#[derive(Debug, Clone)]
pub struct Node {
    /// Fact map path, e.g. `0_1`.
    key: String,
    cell: Cell,
    rows: Vec<usize>,
    children: Vec<Node>,
}

/// Groups `rows` by their key at `level` and below; groups sort by value
/// (picklists in picklist order, blanks first), ascending or descending per
/// level, and keep the rows' order inside.
fn build_tree(
    rows: &[usize],
    keys: &[Vec<GroupKey>],
    level: usize,
    descending: &[bool],
    prefix: &str,
) -> Vec<Node> {
    if level >= descending.len() {
        return Vec::new();
    }

    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut buckets: Vec<(&GroupKey, Vec<usize>)> = Vec::new();
    for &row in rows {
        let group = &keys[row][level];
        let at = *index.entry(group.ident.as_str()).or_insert_with(|| {
            buckets.push((group, Vec::new()));
            buckets.len() - 1
        });
        buckets[at].1.push(row);
    }
    buckets.sort_by(|a, b| (&a.0.key, &a.0.ident).cmp(&(&b.0.key, &b.0.ident)));
    if descending[level] {
        buckets.reverse();
    }

    buckets
        .into_iter()
        .enumerate()
        .map(|(i, (group, rows))| {
            let key = if prefix.is_empty() {
                i.to_string()
            } else {
                format!("{prefix}_{i}")
            };
            let children = build_tree(&rows, keys, level + 1, descending, &key);
            Node {
                key,
                cell: group.cell.clone(),
                rows,
                children,
            }
        })
        .collect()
}

fn tree_json(nodes: &[Node]) -> Value {
    let items: Vec<Value> = nodes
        .iter()
        .map(|n| {
            json!({"groupings": tree_json(&n.children), "key": n.key,
                   "label": n.cell.label, "value": n.cell.value})
        })
        .collect();
    Value::Array(items)
}

/// One position on a fact map axis: a grouping path or the total `T`.
#[derive(Debug, Clone, PartialEq)]
struct AxisEntry {
    key: String,
    rows: Vec<usize>,
    /// Whether detail rows live here: the deepest groups, or `T` when the
    /// axis has no groupings.
    leaf: bool,
}

/// The tree's nodes in order (each before its children), then `T`.
fn axis(tree: &[Node], all: &[usize]) -> Vec<AxisEntry> {
    fn walk(nodes: &[Node], out: &mut Vec<AxisEntry>) {
        for node in nodes {
            let leaf = node.children.is_empty();
            out.push(AxisEntry {
                key: node.key.clone(),
                rows: node.rows.clone(),
                leaf,
            });
            walk(&node.children, out);
        }
    }
    let mut out = Vec::new();
    walk(tree, &mut out);
    out.push(AxisEntry {
        key: "T".to_string(),
        rows: all.to_vec(),
        leaf: tree.is_empty(),
    });
    out
}

/// Thousands separators, as the en_US `label` of a count shows them.
pub fn format_count(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Builds the fact map: one entry per down × across position with its
/// `RowCount`, and, with details, the rows of leaf × leaf cells up to `cap`
/// rows in all. Returns the map and whether rows were cut.
///
/// NOTE: aggregates count every matching row even when detail rows are cut
/// at the cap; Salesforce's totals past the cap are unverified.
fn fact_map(
    down: &[AxisEntry],
    across: &[AxisEntry],
    n: usize,
    include_details: bool,
    cap: usize,
    mut render: impl FnMut(usize) -> Value,
) -> (Map<String, Value>, bool) {
    let masks: Vec<Vec<bool>> = across
        .iter()
        .map(|a| {
            let mut mask = vec![false; n];
            a.rows.iter().for_each(|&r| mask[r] = true);
            mask
        })
        .collect();

    let mut map = Map::new();
    let mut budget = cap;
    let mut cut = false;
    for d in down {
        for (a, mask) in across.iter().zip(&masks) {
            let rows: Vec<usize> = d.rows.iter().copied().filter(|&r| mask[r]).collect();
            let count = rows.len();
            let mut entry = Map::new();
            entry.insert(
                "aggregates".into(),
                json!([{"label": format_count(count), "value": count}]),
            );
            if include_details {
                let rendered: Vec<Value> = if d.leaf && a.leaf {
                    let take = count.min(budget);
                    budget -= take;
                    cut |= take < count;
                    rows.into_iter().take(take).map(&mut render).collect()
                } else {
                    Vec::new()
                };
                entry.insert("rows".into(), Value::Array(rendered));
            }
            map.insert(format!("{}!{}", d.key, a.key), Value::Object(entry));
        }
    }
    (map, cut)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(text: &str) -> GroupKey {
        let cell = if text.is_empty() {
            Cell::empty()
        } else {
            Cell {
                label: text.into(),
                value: json!(text),
            }
        };
        GroupKey::new(cell, &Kind::Text)
    }

    /// Six rows grouped by state then status.
    fn sample() -> (Vec<usize>, Vec<Vec<GroupKey>>) {
        let data = [
            ("TX", "b"),
            ("OH", "a"),
            ("TX", "a"),
            ("OH", "a"),
            ("", "b"),
            ("TX", "b"),
        ];
        let keys = data.iter().map(|(s, t)| vec![key(s), key(t)]).collect();
        ((0..data.len()).collect(), keys)
    }

    #[test]
    fn trees_sort_groups_and_number_keys_by_path() {
        let (all, keys) = sample();
        let tree = build_tree(&all, &keys, 0, &[false, false], "");
        let labels: Vec<&str> = tree.iter().map(|n| n.cell.label.as_str()).collect();
        assert_eq!(labels, ["-", "OH", "TX"]);
        assert_eq!(tree[0].cell.value, Value::Null);
        assert_eq!(tree[2].key, "2");
        assert_eq!(tree[2].children[1].key, "2_1");
        assert_eq!(tree[2].children[1].rows, [0, 5]);
        assert_eq!(tree[1].children.len(), 1);

        let desc = build_tree(&all, &keys, 0, &[true, false], "");
        assert_eq!(desc[0].cell.label, "TX");
    }

    #[test]
    fn summary_rows_live_under_leaf_keys_and_sum_to_the_total() {
        let (all, keys) = sample();
        let tree = build_tree(&all, &keys, 0, &[false, false], "");
        let down = axis(&tree, &all);
        let across = axis(&[], &all);
        let (map, cut) = fact_map(&down, &across, all.len(), true, 100, |i| json!(i));
        assert!(!cut);

        assert_eq!(map["T!T"]["rows"], json!([]));
        assert_eq!(map["T!T"]["aggregates"][0]["value"], 6);
        assert_eq!(map["2!T"]["rows"], json!([]));
        assert_eq!(map["2!T"]["aggregates"][0]["value"], 3);
        assert_eq!(map["2_1!T"]["rows"], json!([0, 5]));
        let leaf_rows: usize = map
            .iter()
            .filter(|(k, _)| k.contains('_'))
            .map(|(_, v)| v["rows"].as_array().unwrap().len())
            .sum();
        assert_eq!(leaf_rows, 6);
    }

    #[test]
    fn matrix_cells_cover_every_combination() {
        let (all, keys) = sample();
        let down_keys: Vec<Vec<GroupKey>> = keys.iter().map(|k| vec![k[0].clone()]).collect();
        let across_keys: Vec<Vec<GroupKey>> = keys.iter().map(|k| vec![k[1].clone()]).collect();
        let down = axis(&build_tree(&all, &down_keys, 0, &[false], ""), &all);
        let across = axis(&build_tree(&all, &across_keys, 0, &[false], ""), &all);
        let (map, _) = fact_map(&down, &across, all.len(), false, 100, |i| json!(i));

        // 3 states and T, 2 statuses and T.
        assert_eq!(map.len(), 4 * 3);
        assert!(map.values().all(|v| v.get("rows").is_none()));
        let count = |k: &str| map[k]["aggregates"][0]["value"].as_u64().unwrap();
        assert_eq!(count("0!0"), 0);
        assert_eq!(count("2!1"), 2);
        assert_eq!(count("T!1"), 3);
        assert_eq!(count("2!T"), 3);
        let cells: u64 = (0..3)
            .flat_map(|d| (0..2).map(move |a| (d, a)))
            .map(|(d, a)| count(&format!("{d}!{a}")))
            .sum();
        assert_eq!(cells, count("T!T"));
    }

    #[test]
    fn detail_rows_stop_at_the_cap() {
        let all: Vec<usize> = (0..5).collect();
        let down = axis(&[], &all);
        let (map, cut) = fact_map(&down, &down, 5, true, 3, |i| json!(i));
        assert!(cut);
        assert_eq!(map["T!T"]["rows"], json!([0, 1, 2]));
        assert_eq!(
            map["T!T"]["aggregates"][0],
            json!({"label": "5", "value": 5})
        );

        let (_, cut) = fact_map(&down, &down, 5, true, 5, |i| json!(i));
        assert!(!cut);
    }

    #[test]
    fn counts_get_thousands_separators() {
        assert_eq!(format_count(0), "0");
        assert_eq!(format_count(999), "999");
        assert_eq!(format_count(12_000), "12,000");
        assert_eq!(format_count(1_234_567), "1,234,567");
    }
}
