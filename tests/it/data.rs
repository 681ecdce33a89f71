//! The REST data API: versions, sessions, limits, describe, records, collections.

use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn describe_contact_for_the_full_rep() {
    let sb = start().await;
    let token = rep_token(&sb).await;
    let (status, limit, body) = get_json(&api(&sb, "/sobjects/Contact/describe"), &token).await;
    assert_eq!(status, 200);
    assert_eq!(limit.as_deref(), Some("api-usage=1/15000"));
    assert_eq!(body["keyPrefix"], "003");
    assert!(body["fields"].as_array().unwrap().iter().any(|f| f["name"] == "MobilePhone"));
    let _ = json!({});
}
