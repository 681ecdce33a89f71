//! Who a token belongs to: `/services/oauth2/userinfo` (§1.9), the identity
//! URL `/id/{orgId}/{userId}` (§1.10), and the OIDC discovery document.
//!
//! These endpoints answer a bad token with 403 and the plain-text body
//! `Bad_OAuth_Token`, not the REST API's 401 (Mobile SDK issue #3398 and
//! pull request #2430, jsforce pull request #736, and nforce's handling of a
//! plain-string `Bad_OAuth_Token` body).

use axum::Json;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{APP_SCOPES, Params};
use crate::ids::SfId;
use crate::sandbox::Shared;
use crate::sandbox::org::Org;
use crate::sandbox::server::{LATEST_VERSION, bearer};

/// UTC offset of the seeded users' time zone (America/New_York, standard
/// time) in milliseconds. NOTE: daylight saving time is ignored.
const UTC_OFFSET_MS: i64 = -5 * 60 * 60 * 1000;

/// `GET|POST /services/oauth2/userinfo`: OIDC claims of the token's user.
pub(super) async fn userinfo(State(org): State<Shared>, request: Request) -> Response {
    let mut org = org.lock().expect("sandbox state lock");
    let Some(user) = token_user(&mut org, &request) else {
        return plain(StatusCode::FORBIDDEN, "Bad_OAuth_Token");
    };
    let version = version(&request);

    // NOTE: every claim is returned whatever the token's scopes; Salesforce
    // filters `email`, `address` and `phone` claims by scope (unverified how).
    let u = &org.users[user];
    let photo = format!("{}/profilephoto/005/F", org.base_url);
    let thumbnail = format!("{}/profilephoto/005/T", org.base_url);
    let body = json!({
        "sub": org.identity_url(user),
        "user_id": u.id.as_str(),
        "organization_id": org.org_id.as_str(),
        "preferred_username": u.username,
        "nickname": nickname(&u.username),
        "name": u.name(),
        "email": u.email,
        "email_verified": true,
        "given_name": u.first_name,
        "family_name": u.last_name,
        "zoneinfo": time_zone(&org, user),
        "photos": {"picture": photo, "thumbnail": thumbnail},
        "profile": format!("{}/{}", org.base_url, u.id.as_str()),
        "picture": photo,
        "address": {"country": "US"},
        "is_salesforce_integration_user": false,
        "urls": urls(&org, user, &version),
        "active": true,
        "user_type": "STANDARD",
        "language": "en_US",
        "locale": "en_US",
        "utcOffset": UTC_OFFSET_MS,
        "updated_at": updated_at(&org, user),
        "is_app_installed": true,
    });
    Json(body).into_response()
}

/// `GET /id/{orgId}/{userId}`: the identity of any user of the token's org;
/// `asserted_user` says whether it is the token's own user.
pub(super) async fn identity(
    State(org): State<Shared>,
    Path((org_id, user_id)): Path<(String, String)>,
    request: Request,
) -> Response {
    let mut org = org.lock().expect("sandbox state lock");
    // The identity URL takes the token in the Authorization header or in an
    // `oauth_token` parameter (help `remoteaccess_using_openid.htm`, "Identity
    // URL Request Parameters"); jsforce's `identity()` sends both.
    let token = bearer(&request).or_else(|| {
        Params::from_query(request.uri().query())
            .get("oauth_token")
            .map(str::to_string)
    });
    let Some(caller) = token.and_then(|t| token_owner(&mut org, &t)) else {
        return plain(StatusCode::FORBIDDEN, "Bad_OAuth_Token");
    };

    // NOTE: `Bad_Id` (404) and `Wrong_Org` (403) are the codes Salesforce's
    // identity URL documentation lists as recalled; unverified here.
    let Ok(org_id) = SfId::parse(&org_id) else {
        return plain(StatusCode::NOT_FOUND, "Bad_Id");
    };
    if org_id != org.org_id {
        return plain(StatusCode::FORBIDDEN, "Wrong_Org");
    }
    let user_id = SfId::parse(&user_id).ok();
    let Some(user) = org
        .users
        .iter()
        .position(|u| Some(&u.id) == user_id.as_ref())
    else {
        return plain(StatusCode::NOT_FOUND, "Bad_Id");
    };

    let version = version(&request);
    let u = &org.users[user];
    let photo = format!("{}/profilephoto/005/F", org.base_url);
    let thumbnail = format!("{}/profilephoto/005/T", org.base_url);
    let last_modified = org
        .record("User", &u.id)
        .and_then(|r| r.get("LastModifiedDate").cloned())
        .unwrap_or(Value::Null);
    let body = json!({
        "id": org.identity_url(user),
        "asserted_user": user == caller,
        "user_id": u.id.as_str(),
        "organization_id": org.org_id.as_str(),
        "username": u.username,
        "nick_name": nickname(&u.username),
        "display_name": u.name(),
        "email": u.email,
        "email_verified": true,
        "first_name": u.first_name,
        "last_name": u.last_name,
        "timezone": time_zone(&org, user),
        "photos": {"picture": photo, "thumbnail": thumbnail},
        "addr_street": null,
        "addr_city": null,
        "addr_state": null,
        "addr_country": "US",
        "addr_zip": null,
        "mobile_phone": null,
        "mobile_phone_verified": false,
        "is_lightning_login_user": false,
        "status": {"created_date": null, "body": null},
        "urls": urls(&org, user, &version),
        "active": true,
        "user_type": "STANDARD",
        "language": "en_US",
        "locale": "en_US",
        "utcOffset": UTC_OFFSET_MS,
        "last_modified_date": last_modified,
        "is_app_installed": true,
    });
    Json(body).into_response()
}

/// `GET /.well-known/openid-configuration`, pointing at this sandbox.
pub(super) async fn discovery(State(org): State<Shared>) -> Json<Value> {
    let base = org.lock().expect("sandbox state lock").base_url.clone();
    Json(json!({
        "issuer": base,
        "authorization_endpoint": format!("{base}/services/oauth2/authorize"),
        "token_endpoint": format!("{base}/services/oauth2/token"),
        "revocation_endpoint": format!("{base}/services/oauth2/revoke"),
        "userinfo_endpoint": format!("{base}/services/oauth2/userinfo"),
        "jwks_uri": format!("{base}/id/keys"),
        "scopes_supported": APP_SCOPES,
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "display_values_supported": ["page", "popup", "touch"],
        "token_endpoint_auth_methods_supported": ["none"],
        "grant_types_supported": ["authorization_code", "refresh_token", "device"],
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": [
            "active", "address", "email", "email_verified", "family_name", "given_name",
            "is_app_installed", "language", "locale", "name", "nickname", "organization_id",
            "photos", "picture", "preferred_username", "profile", "sub", "updated_at",
            "urls", "user_id", "user_type", "zoneinfo",
        ],
    }))
}

/// `GET /id/keys`: the sandbox signs no id tokens, so the key set is empty.
pub(super) async fn keys() -> Json<Value> {
    Json(json!({"keys": []}))
}

/// The user of the request's bearer token, resetting its inactivity timer.
fn token_user(org: &mut Org, request: &Request) -> Option<usize> {
    token_owner(org, &bearer(request)?)
}

/// The user of a live access token, which counts as a use of it.
fn token_owner(org: &mut Org, token: &str) -> Option<usize> {
    let ttl = org.options.session_ttl;
    org.sessions.authenticate(token, ttl).ok().map(|s| s.user)
}

/// A plain-text answer, the form of these endpoints' errors.
fn plain(status: StatusCode, body: &'static str) -> Response {
    (status, [(CONTENT_TYPE, "text/plain;charset=UTF-8")], body).into_response()
}

/// The `version` parameter: `NN.N`, or `latest` for the newest version.
/// Without one (or with one the sandbox cannot read) URLs keep the literal
/// `{version}`. NOTE: Salesforce's answer to a malformed version is unverified.
fn version(request: &Request) -> String {
    let params = Params::from_query(request.uri().query());
    match params.get("version") {
        Some("latest") => format!("{LATEST_VERSION}.0"),
        Some(v) if is_version(v) => v.to_string(),
        _ => "{version}".to_string(),
    }
}

fn is_version(raw: &str) -> bool {
    let Some((major, minor)) = raw.split_once('.') else {
        return false;
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    digits(major) && digits(minor)
}

/// The `urls` object; REST URLs use `v{version}`, SOAP URLs `{version}` and
/// the 15-character org id.
fn urls(org: &Org, user: usize, version: &str) -> Value {
    let base = &org.base_url;
    let org15 = org.org_id.short();
    let rest = format!("{base}/services/data/v{version}");
    json!({
        "enterprise": format!("{base}/services/Soap/c/{version}/{org15}"),
        "metadata": format!("{base}/services/Soap/m/{version}/{org15}"),
        "partner": format!("{base}/services/Soap/u/{version}/{org15}"),
        "rest": format!("{rest}/"),
        "sobjects": format!("{rest}/sobjects/"),
        "search": format!("{rest}/search/"),
        "query": format!("{rest}/query/"),
        "recent": format!("{rest}/recent/"),
        "tooling_soap": format!("{base}/services/Soap/T/{version}/{org15}"),
        "tooling_rest": format!("{rest}/tooling/"),
        "profile": format!("{base}/{}", org.users[user].id.as_str()),
        "feeds": format!("{rest}/chatter/feeds"),
        "groups": format!("{rest}/chatter/groups"),
        "users": format!("{rest}/chatter/users"),
        "feed_items": format!("{rest}/chatter/feed-items"),
        "feed_elements": format!("{rest}/chatter/feed-elements"),
        "custom_domain": base,
    })
}

/// A community nickname in Salesforce's default form: the username's local part.
fn nickname(username: &str) -> &str {
    username.split('@').next().unwrap_or(username)
}

fn time_zone(org: &Org, user: usize) -> String {
    org.record("User", &org.users[user].id)
        .and_then(|r| r.get("TimeZoneSidKey"))
        .and_then(Value::as_str)
        .unwrap_or("America/New_York")
        .to_string()
}

/// `updated_at` in OIDC's ISO 8601 form, from the User record's
/// `LastModifiedDate` (`2026-12-03T13:08:09.000+0000` → `2026-12-03T13:08:09Z`).
fn updated_at(org: &Org, user: usize) -> Value {
    org.record("User", &org.users[user].id)
        .and_then(|r| r.get("LastModifiedDate"))
        .and_then(Value::as_str)
        .and_then(|d| d.get(..19))
        .map_or(Value::Null, |d| json!(format!("{d}Z")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_major_dot_minor() {
        assert!(is_version("67.0"));
        assert!(!is_version("67"));
        assert!(!is_version("v67.0"));
        assert!(!is_version("67."));
    }

    #[test]
    fn nicknames_are_the_local_part() {
        assert_eq!(nickname("rep@koncert-sandbox.example"), "rep");
    }
}
