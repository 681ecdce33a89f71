//! Report filters: operators, comma-separated values, how cell values compare,
//! and the boolean filter logic (`1 AND (2 OR 3)`).
//!
//! Text compares case-insensitively, as report filters do; ids compare in
//! their 15-character case-sensitive form, which for generated ids is creation
//! order, so `greaterThan` on an id column pages through a report.

use std::cmp::Ordering;

use super::catalog::{Cell, Kind};
use crate::ids::SfId;

/// The filter operators of report filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    Equals,
    NotEqual,
    LessThan,
    GreaterThan,
    LessOrEqual,
    GreaterOrEqual,
    Contains,
    NotContain,
    StartsWith,
}

/// Every operator, in the order describe lists them.
pub const OPERATORS: [Operator; 9] = [
    Operator::Equals,
    Operator::NotEqual,
    Operator::LessThan,
    Operator::GreaterThan,
    Operator::LessOrEqual,
    Operator::GreaterOrEqual,
    Operator::Contains,
    Operator::NotContain,
    Operator::StartsWith,
];

impl Operator {
    /// Parses an operator's API name (case-sensitive, as the API is).
    pub fn parse(name: &str) -> Option<Self> {
        OPERATORS.into_iter().find(|op| op.as_str() == name)
    }

    /// The API name, e.g. `greaterOrEqual`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Equals => "equals",
            Self::NotEqual => "notEqual",
            Self::LessThan => "lessThan",
            Self::GreaterThan => "greaterThan",
            Self::LessOrEqual => "lessOrEqual",
            Self::GreaterOrEqual => "greaterOrEqual",
            Self::Contains => "contains",
            Self::NotContain => "notContain",
            Self::StartsWith => "startsWith",
        }
    }

    /// The label describe shows for the operator.
    pub fn label(self) -> &'static str {
        match self {
            Self::Equals => "equals",
            Self::NotEqual => "not equal to",
            Self::LessThan => "less than",
            Self::GreaterThan => "greater than",
            Self::LessOrEqual => "less or equal",
            Self::GreaterOrEqual => "greater or equal",
            Self::Contains => "contains",
            Self::NotContain => "does not contain",
            Self::StartsWith => "starts with",
        }
    }

    /// Whether the operator compares text fragments rather than whole values.
    fn is_textual(self) -> bool {
        matches!(self, Self::Contains | Self::NotContain | Self::StartsWith)
    }

    /// Whether a comma-separated value means several values.
    fn takes_list(self) -> bool {
        matches!(
            self,
            Self::Equals | Self::NotEqual | Self::Contains | Self::NotContain | Self::StartsWith
        )
    }

    /// Operators a column of this kind accepts.
    pub fn valid_for(self, kind: &Kind) -> bool {
        !(self.is_textual() && matches!(kind, Kind::Date))
    }
}

/// A filter as report metadata holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    pub column: String,
    pub operator: Operator,
    pub value: String,
}

/// A value as filters and sorts compare it. Variants order blanks first,
/// then picklist values by position, then text.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Key {
    Null,
    Rank(usize),
    Text(String),
}

impl Key {
    /// The key of a cell of a column of this kind.
    pub fn of_cell(cell: &Cell, kind: &Kind) -> Self {
        if cell.is_empty() {
            return Self::Null;
        }
        match kind {
            Kind::Id => {
                let id = cell.value.as_str().unwrap_or_default();
                Self::Text(id.get(..15).unwrap_or(id).to_string())
            }
            Kind::Date => Self::Text(cell.value.as_str().unwrap_or_default().to_string()),
            Kind::Picklist(values) => rank(values, &cell.label),
            Kind::Text => Self::Text(cell.label.to_lowercase()),
        }
    }

    /// The key of a filter value; `Err` names what is wrong with it.
    fn of_value(value: &str, kind: &Kind) -> Result<Self, String> {
        if value.is_empty() {
            return Ok(Self::Null);
        }
        match kind {
            Kind::Id => match SfId::parse(value) {
                Ok(id) => Ok(Self::Text(id.short().to_string())),
                Err(_) => Err(format!("{value} isn't a valid ID")),
            },
            Kind::Date => match chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d") {
                Ok(date) => Ok(Self::Text(date.format("%Y-%m-%d").to_string())),
                Err(_) => Err(format!("{value} isn't a valid date; use YYYY-MM-DD")),
            },
            Kind::Picklist(values) => Ok(rank(values, value)),
            Kind::Text => Ok(Self::Text(value.to_lowercase())),
        }
    }
}

fn rank(values: &[&str], text: &str) -> Key {
    match values.iter().position(|v| v.eq_ignore_ascii_case(text)) {
        Some(i) => Key::Rank(i),
        None => Key::Text(text.to_lowercase()),
    }
}

/// Splits a filter value on commas; double quotes keep a comma inside a
/// value (`"Acme, Inc.",Globex`).
pub fn split_values(raw: &str) -> Vec<String> {
    let mut values = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in raw.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => values.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    values.push(current);
    values.into_iter().map(|v| v.trim().to_string()).collect()
}

/// A filter ready to test cells of its column.
#[derive(Debug, Clone)]
pub struct Compiled {
    operator: Operator,
    kind: Kind,
    keys: Vec<Key>,
    /// Lowercase fragments for contains, notContain and startsWith.
    fragments: Vec<String>,
}

impl Compiled {
    /// Prepares a filter on a column of `kind`; `Err` describes a bad value.
    pub fn new(filter: &Filter, kind: &Kind) -> Result<Self, String> {
        let values = if filter.operator.takes_list() {
            split_values(&filter.value)
        } else {
            vec![filter.value.trim().to_string()]
        };

        if filter.operator.is_textual() {
            let fragments = values.iter().map(|v| v.to_lowercase()).collect();
            return Ok(Self {
                operator: filter.operator,
                kind: kind.clone(),
                keys: vec![],
                fragments,
            });
        }
        let keys = values
            .iter()
            .map(|v| Key::of_value(v, kind))
            .collect::<Result<_, _>>()?;
        Ok(Self {
            operator: filter.operator,
            kind: kind.clone(),
            keys,
            fragments: vec![],
        })
    }

    /// Whether a cell passes the filter.
    pub fn matches(&self, cell: &Cell) -> bool {
        let text = (!cell.is_empty()).then(|| cell.label.to_lowercase());
        let contains = || {
            text.as_deref()
                .is_some_and(|t| self.fragments.iter().any(|f| t.contains(f.as_str())))
        };
        match self.operator {
            Operator::Contains => contains(),
            Operator::NotContain => !contains(),
            Operator::StartsWith => text
                .as_deref()
                .is_some_and(|t| self.fragments.iter().any(|f| t.starts_with(f.as_str()))),
            Operator::Equals => {
                let key = Key::of_cell(cell, &self.kind);
                self.keys.contains(&key)
            }
            Operator::NotEqual => {
                let key = Key::of_cell(cell, &self.kind);
                !self.keys.contains(&key)
            }
            op => {
                let key = Key::of_cell(cell, &self.kind);
                let Some(bound) = self.keys.first() else {
                    return false;
                };
                if key == Key::Null {
                    return false;
                }
                let order = key.cmp(bound);
                match op {
                    Operator::LessThan => order == Ordering::Less,
                    Operator::GreaterThan => order == Ordering::Greater,
                    Operator::LessOrEqual => order != Ordering::Greater,
                    _ => order != Ordering::Less,
                }
            }
        }
    }
}

/// Boolean filter logic over 1-based filter numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Logic {
    Filter(usize),
    Not(Box<Logic>),
    And(Vec<Logic>),
    Or(Vec<Logic>),
}

impl Logic {
    /// Evaluates the logic, asking `test` for filter `n` (1-based) only when
    /// the outcome still depends on it.
    pub fn eval(&self, test: &mut impl FnMut(usize) -> bool) -> bool {
        match self {
            Self::Filter(n) => test(*n),
            Self::Not(inner) => !inner.eval(test),
            Self::And(parts) => parts.iter().all(|p| p.eval(test)),
            Self::Or(parts) => parts.iter().any(|p| p.eval(test)),
        }
    }

    fn numbers(&self, out: &mut Vec<usize>) {
        match self {
            Self::Filter(n) => out.push(*n),
            Self::Not(inner) => inner.numbers(out),
            Self::And(parts) | Self::Or(parts) => parts.iter().for_each(|p| p.numbers(out)),
        }
    }

    /// Parses `reportBooleanFilter` for `count` filters.
    ///
    /// NOTE: the messages are those of the report builder's filter logic
    /// check; their wording in API errors is unverified.
    pub fn parse(text: &str, count: usize) -> Result<Self, String> {
        let tokens = tokenize(text)?;
        let mut parser = Parser { tokens, at: 0 };
        let logic = parser.expression()?;
        if parser.at < parser.tokens.len() {
            return Err(SYNTAX.to_string());
        }

        let mut used = Vec::new();
        logic.numbers(&mut used);
        if let Some(n) = used.iter().find(|n| **n == 0 || **n > count) {
            return Err(format!(
                "The filter logic references an undefined filter: {n}."
            ));
        }
        if (1..=count).any(|n| !used.contains(&n)) {
            return Err(
                "Some filter conditions are defined but not referenced in your filter logic."
                    .to_string(),
            );
        }
        Ok(logic)
    }
}

const SYNTAX: &str = "The filter logic has a syntax error.";

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Number(usize),
    And,
    Or,
    Not,
    Open,
    Close,
}

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c == '(' || c == ')' {
            tokens.push(if c == '(' { Token::Open } else { Token::Close });
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && chars[i].is_ascii_alphanumeric() {
            i += 1;
        }
        let word: String = chars[start..i].iter().collect();
        let token = match word.to_ascii_uppercase().as_str() {
            "" => return Err(SYNTAX.to_string()),
            "AND" => Token::And,
            "OR" => Token::Or,
            "NOT" => Token::Not,
            number => Token::Number(number.parse().map_err(|_| SYNTAX.to_string())?),
        };
        tokens.push(token);
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    /// Operands joined by one kind of operator; mixing AND and OR without
    /// parentheses is an error, as in the report builder.
    fn expression(&mut self) -> Result<Logic, String> {
        let mut parts = vec![self.operand()?];
        let mut joiner = None;
        while let Some(token) = self.peek().cloned() {
            if token != Token::And && token != Token::Or {
                break;
            }
            if joiner.is_some_and(|j| j != token) {
                return Err(
                    "The filter logic must use parentheses around successive AND and OR \
                     expressions."
                        .to_string(),
                );
            }
            joiner = Some(token);
            self.at += 1;
            parts.push(self.operand()?);
        }
        Ok(match joiner {
            None => parts.pop().expect("an expression has one operand"),
            Some(Token::And) => Logic::And(parts),
            Some(_) => Logic::Or(parts),
        })
    }

    fn operand(&mut self) -> Result<Logic, String> {
        match self.next() {
            Some(Token::Number(n)) => Ok(Logic::Filter(n)),
            Some(Token::Not) => Ok(Logic::Not(Box::new(self.operand()?))),
            Some(Token::Open) => {
                let inner = self.expression()?;
                match self.next() {
                    Some(Token::Close) => Ok(inner),
                    _ => Err(SYNTAX.to_string()),
                }
            }
            _ => Err(SYNTAX.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn text(s: &str) -> Cell {
        Cell {
            label: s.to_string(),
            value: json!(s),
        }
    }

    fn compiled(op: Operator, value: &str, kind: Kind) -> Compiled {
        let filter = Filter {
            column: "C".into(),
            operator: op,
            value: value.into(),
        };
        Compiled::new(&filter, &kind).unwrap()
    }

    #[test]
    fn equals_takes_comma_separated_alternatives_case_insensitively() {
        let f = compiled(Operator::Equals, "OH,tx", Kind::Text);
        assert!(f.matches(&text("oh")));
        assert!(f.matches(&text("TX")));
        assert!(!f.matches(&text("CA")));
        assert!(!f.matches(&Cell::empty()));

        let f = compiled(Operator::NotEqual, "OH,TX", Kind::Text);
        assert!(!f.matches(&text("TX")));
        assert!(f.matches(&text("CA")));
        assert!(f.matches(&Cell::empty()));
    }

    #[test]
    fn empty_value_matches_blank_cells() {
        let f = compiled(Operator::Equals, "", Kind::Text);
        assert!(f.matches(&Cell::empty()));
        assert!(!f.matches(&text("x")));
        let f = compiled(Operator::NotEqual, "", Kind::Text);
        assert!(f.matches(&text("x")));
    }

    #[test]
    fn text_operators_look_at_fragments() {
        let f = compiled(Operator::Contains, "acme,globex", Kind::Text);
        assert!(f.matches(&text("The ACME Corp")));
        assert!(!f.matches(&text("Initech")));
        let f = compiled(Operator::NotContain, "acme", Kind::Text);
        assert!(f.matches(&text("Initech")));
        assert!(f.matches(&Cell::empty()));
        let f = compiled(Operator::StartsWith, "(614", Kind::Text);
        assert!(f.matches(&text("(614) 555-0100")));
        assert!(!f.matches(&text("614-555-0100")));
    }

    #[test]
    fn ids_compare_case_sensitively_in_15_character_form() {
        let low = SfId::generate("003", "Hs", 3_007_919);
        let high = SfId::generate("003", "Hs", 3_015_838);
        let cell = |id: &SfId| Cell {
            label: id.short().into(),
            value: json!(id.as_str()),
        };

        let after_low = compiled(Operator::GreaterThan, low.as_str(), Kind::Id);
        assert!(after_low.matches(&cell(&high)));
        assert!(!after_low.matches(&cell(&low)));
        let after_low_15 = compiled(Operator::GreaterThan, low.short(), Kind::Id);
        assert!(after_low_15.matches(&cell(&high)));
        let at_most = compiled(Operator::LessOrEqual, low.short(), Kind::Id);
        assert!(at_most.matches(&cell(&low)));
        assert!(!at_most.matches(&Cell::empty()));

        // Case matters: `a` sorts after `Z` in the 15-character form.
        let upper = Key::of_value("003Hs000000000Z", &Kind::Id).unwrap();
        let lower = Key::of_value("003Hs000000000a", &Kind::Id).unwrap();
        assert!(upper < lower);
    }

    #[test]
    fn bad_id_and_date_values_are_rejected() {
        let filter = |v: &str| Filter {
            column: "C".into(),
            operator: Operator::Equals,
            value: v.into(),
        };
        assert!(Compiled::new(&filter("not-an-id"), &Kind::Id).is_err());
        assert!(Compiled::new(&filter("2026-13-01"), &Kind::Date).is_err());
        assert!(Compiled::new(&filter("2026-12-01"), &Kind::Date).is_ok());
    }

    #[test]
    fn picklists_compare_by_position() {
        let kind = Kind::Picklist(vec!["Hot", "Warm", "Cold"]);
        let f = compiled(Operator::LessThan, "Cold", kind.clone());
        assert!(f.matches(&text("Hot")));
        assert!(f.matches(&text("Warm")));
        assert!(!f.matches(&text("Cold")));
        let f = compiled(Operator::Equals, "warm", kind);
        assert!(f.matches(&text("Warm")));
    }

    #[test]
    fn values_split_on_commas_outside_quotes() {
        assert_eq!(split_values("a,b"), ["a", "b"]);
        assert_eq!(
            split_values("\"Acme, Inc.\",Globex"),
            ["Acme, Inc.", "Globex"]
        );
        assert_eq!(split_values(""), [""]);
    }

    #[test]
    fn logic_parses_and_evaluates() {
        let logic = Logic::parse("1 AND (2 OR 3)", 3).unwrap();
        let truth = |v: [bool; 3]| logic.eval(&mut |n| v[n - 1]);
        assert!(truth([true, false, true]));
        assert!(truth([true, true, false]));
        assert!(!truth([true, false, false]));
        assert!(!truth([false, true, true]));

        let logic = Logic::parse("not 1 or 2", 2).unwrap();
        assert!(logic.eval(&mut |n| n == 2));
        assert!(!logic.eval(&mut |n| n == 1));
    }

    #[test]
    fn logic_errors_are_reported() {
        assert!(
            Logic::parse("1 AND 2 OR 3", 3)
                .unwrap_err()
                .contains("parentheses")
        );
        assert!(
            Logic::parse("1 AND 4", 2)
                .unwrap_err()
                .contains("undefined filter: 4")
        );
        assert!(Logic::parse("1", 2).unwrap_err().contains("not referenced"));
        assert!(Logic::parse("1 AND (2", 2).unwrap_err().contains("syntax"));
        assert!(Logic::parse("1 XOR 2", 2).is_err());
        assert!(Logic::parse("", 0).is_err());
    }

    #[test]
    fn logic_short_circuits() {
        let logic = Logic::parse("1 OR 2", 2).unwrap();
        let mut asked = Vec::new();
        assert!(logic.eval(&mut |n| {
            asked.push(n);
            true
        }));
        assert_eq!(asked, [1]);
    }
}
