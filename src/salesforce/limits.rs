//! The `Sforce-Limit-Info` header Salesforce puts on every counted REST
//! response (`api-usage=USED/MAX`, sometimes with `per-app-api-usage=` and
//! `api-bursts=` parts), parsed so commands can stop before the org's daily
//! allowance runs out instead of after.

use serde::Serialize;

/// Name of the response header that carries API usage.
pub const HEADER: &str = "sforce-limit-info";

/// Requests used and allowed in one of Salesforce's API counters. `used` can
/// exceed `max`: Salesforce lets an org overshoot before it refuses requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ApiUsage {
    pub used: u64,
    pub max: u64,
}

impl ApiUsage {
    /// The org-wide `api-usage=USED/MAX` part of a `Sforce-Limit-Info` value,
    /// or `None` when the header has no such part (or a garbled one).
    pub fn parse(header: &str) -> Option<Self> {
        LimitInfo::parse(header).api
    }

    /// Usage in percent of the allowance (100 when `max` is 0, since nothing
    /// may be spent then).
    pub fn percent(&self) -> f64 {
        if self.max == 0 {
            return 100.0;
        }
        self.used as f64 * 100.0 / self.max as f64
    }

    /// Whether the allowance is used up, the point past which Salesforce
    /// answers `REQUEST_LIMIT_EXCEEDED`.
    pub fn is_exhausted(&self) -> bool {
        self.used >= self.max
    }
}

/// A connected app's own slice of the allowance (`per-app-api-usage`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppUsage {
    pub usage: ApiUsage,
    /// The connected app's name, when the header names it.
    pub app: Option<String>,
}

/// Every counter a `Sforce-Limit-Info` value carries. Parts that are missing
/// or cannot be read are `None`; unknown parts are ignored, so a new counter
/// added by Salesforce does not hide the ones we know.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LimitInfo {
    /// `api-usage=USED/MAX`: the org's rolling 24-hour allowance.
    pub api: Option<ApiUsage>,
    /// `per-app-api-usage=USED/MAX(appName=NAME)`.
    pub per_app: Option<AppUsage>,
    /// `api-bursts=USED/MAX`, seen in older documentation.
    pub bursts: Option<ApiUsage>,
}

impl LimitInfo {
    /// Parses a header value such as
    /// `api-usage=18/5000; per-app-api-usage=17/250(appName=sample)`.
    pub fn parse(header: &str) -> Self {
        let mut info = Self::default();
        // Parts are separated by `;` in every sample; a comma is accepted too
        // because HTTP joins repeated headers with one.
        for part in header.split([';', ',']) {
            let Some((name, value)) = part.trim().split_once('=') else {
                continue;
            };
            match name.trim().to_ascii_lowercase().as_str() {
                "api-usage" => info.api = info.api.or(parse_pair(value)),
                "api-bursts" => info.bursts = info.bursts.or(parse_pair(value)),
                "per-app-api-usage" => info.per_app = info.per_app.or(parse_app(value)),
                _ => {}
            }
        }
        info
    }
}

/// `USED/MAX` with optional spaces.
fn parse_pair(value: &str) -> Option<ApiUsage> {
    let (used, max) = value.trim().split_once('/')?;
    Some(ApiUsage {
        used: used.trim().parse().ok()?,
        max: max.trim().parse().ok()?,
    })
}

/// `USED/MAX(appName=NAME)`, the parenthesis being optional.
fn parse_app(value: &str) -> Option<AppUsage> {
    let value = value.trim();
    let (pair, rest) = match value.find('(') {
        Some(i) => (&value[..i], Some(&value[i + 1..])),
        None => (value, None),
    };
    let app = rest
        .map(|r| r.trim_end().trim_end_matches(')'))
        .and_then(|r| r.trim().strip_prefix("appName="))
        .map(|name| name.trim().to_string())
        .filter(|name| !name.is_empty());
    Some(AppUsage {
        usage: parse_pair(pair)?,
        app,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usage(used: u64, max: u64) -> ApiUsage {
        ApiUsage { used, max }
    }

    #[test]
    fn plain_api_usage() {
        assert_eq!(ApiUsage::parse("api-usage=18/5000"), Some(usage(18, 5000)));
        assert_eq!(
            ApiUsage::parse(" api-usage = 10018 / 100000 "),
            Some(usage(10018, 100_000))
        );
        let info = LimitInfo::parse("api-usage=18/5000");
        assert_eq!(info.per_app, None);
        assert_eq!(info.bursts, None);
    }

    #[test]
    fn per_app_variant_does_not_shadow_the_org_counter() {
        let header = "api-usage=18/5000; per-app-api-usage=17/250(appName=sample-connected-app)";
        let info = LimitInfo::parse(header);
        assert_eq!(info.api, Some(usage(18, 5000)));
        let app = info.per_app.expect("per-app part");
        assert_eq!(app.usage, usage(17, 250));
        assert_eq!(app.app.as_deref(), Some("sample-connected-app"));

        // The per-app part first, or alone: `per-app-api-usage` must never be
        // read as the org-wide `api-usage`.
        let swapped = "per-app-api-usage=17/250(appName=x); api-usage=18/5000";
        assert_eq!(ApiUsage::parse(swapped), Some(usage(18, 5000)));
        assert_eq!(ApiUsage::parse("per-app-api-usage=17/250(appName=x)"), None);
        let bare = LimitInfo::parse("per-app-api-usage=3/9");
        assert_eq!(
            bare.per_app.map(|a| (a.usage, a.app)),
            Some((usage(3, 9), None))
        );
    }

    #[test]
    fn bursts_variant_and_usage_past_the_limit() {
        let info = LimitInfo::parse("api-usage=110018/100000; api-bursts=1/750");
        let api = info.api.expect("api part");
        assert_eq!(api, usage(110_018, 100_000));
        assert!(api.is_exhausted());
        assert!(api.percent() > 110.0);
        assert_eq!(info.bursts, Some(usage(1, 750)));
    }

    #[test]
    fn garbage_is_none_not_a_guess() {
        for header in [
            "",
            "api-usage",
            "api-usage=",
            "api-usage=12",
            "api-usage=a/b",
            "x=1/2",
        ] {
            assert_eq!(ApiUsage::parse(header), None, "{header:?}");
        }
        assert_eq!(
            ApiUsage::parse("future-thing=9; api-usage=1/2"),
            Some(usage(1, 2))
        );
    }

    #[test]
    fn percent_and_exhaustion() {
        assert_eq!(usage(45, 90).percent(), 50.0);
        assert!(!usage(89, 90).is_exhausted());
        assert!(usage(90, 90).is_exhausted());
        assert_eq!(usage(0, 0).percent(), 100.0);
    }
}
