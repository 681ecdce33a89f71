//! `/services/oauth2/authorize`: checks the authorization request, shows the
//! login + consent page, and redirects back to the client with a code or an
//! error (web server flow, §1.3 and §10 item 1).

use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::header::LOCATION;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::{
    APP_NAME, Params, attr, error_page, is_known_client, is_registered_callback, padded_opaque,
    page, parse_scopes, scope_list, text, user_datalist,
};
use crate::sandbox::Shared;
use crate::sandbox::org::Org;

/// An authorization code waiting to be exchanged at the token endpoint.
#[derive(Debug, Clone)]
pub(super) struct AuthCode {
    /// Index of the approving user in `Org::users`.
    pub user: usize,
    pub client_id: String,
    /// The `redirect_uri` of the authorize request; the exchange must repeat it.
    pub redirect_uri: String,
    pub scopes: Vec<String>,
    /// The PKCE `code_challenge` (always S256), if the client sent one.
    pub challenge: Option<String>,
    pub issued: Instant,
}

/// A checked authorization request.
struct AuthRequest {
    client_id: String,
    redirect_uri: String,
    scopes: Vec<String>,
    state: Option<String>,
    challenge: Option<String>,
    /// Other parameters carried through the form unchanged.
    passthrough: Vec<(&'static str, String)>,
    login_hint: Option<String>,
}

/// Parameters passed through the consent form without being interpreted.
const PASSTHROUGH: [&str; 4] = ["prompt", "display", "nonce", "code_challenge_method"];

/// `GET`: the login + consent page, or an error.
pub(super) async fn show(State(org): State<Shared>, RawQuery(query): RawQuery) -> Response {
    let params = Params::from_query(query.as_deref());
    let org = org.lock().expect("sandbox state lock");

    let request = match check(&org, &params) {
        Ok(request) => request,
        Err(response) => return *response,
    };

    // NOTE: the sandbox remembers no approvals, so `immediate=true` always
    // fails, as it does at Salesforce before the first approval. The
    // description wording is unverified.
    let immediate = params
        .get("immediate")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    if immediate {
        let description = "user has not yet approved this consumer";
        return redirect_error(&request, "immediate_unsuccessful", description);
    }
    consent_page(&org, &request, None)
}

/// `POST`: the consent form's answer. Allow with a known username redirects
/// with a code; Deny redirects with `access_denied`; anything else shows the
/// page again with a message.
pub(super) async fn submit(
    State(org): State<Shared>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = Params::from_form(&headers, &body)
        .unwrap_or_default()
        .or(Params::from_query(query.as_deref()));
    let mut org = org.lock().expect("sandbox state lock");

    // The hidden fields come back from the browser, so they are checked again.
    let request = match check(&org, &params) {
        Ok(request) => request,
        Err(response) => return *response,
    };

    match params.get("action") {
        Some("deny") => redirect_error(&request, "access_denied", "end-user denied authorization"),
        Some("allow") => {
            let found = params.get("username").and_then(|u| org.user_by_username(u));
            let Some(user) = found else {
                let message = "Unknown username. Use one of the sandbox's users.";
                return consent_page(&org, &request, Some(message));
            };
            let code = issue_code(&mut org, user, &request);
            let state = request.state.as_deref();
            redirect(&request.redirect_uri, &[("code", &code)], state)
        }
        _ => consent_page(&org, &request, Some("Choose Allow or Deny.")),
    }
}

/// Validates an authorization request. Problems with the client or its
/// callback show an error page, since redirecting to an unverified URL would
/// be unsafe (RFC 6749 §4.1.2.1); the others redirect with an error. The
/// refusal is boxed to keep the `Result` small.
fn check(org: &Org, params: &Params) -> Result<AuthRequest, Box<Response>> {
    let client_id = params.get("client_id");
    if !is_known_client(client_id) {
        let page = error_page("invalid_client_id", "client identifier invalid");
        return Err(Box::new(page));
    }

    // NOTE: the description is the one Salesforce is widely reported to show;
    // the page around it is the sandbox's own.
    let callback = params
        .get("redirect_uri")
        .filter(|u| is_registered_callback(org, u));
    let Some(redirect_uri) = callback else {
        let page = error_page(
            "redirect_uri_mismatch",
            "redirect_uri must match configuration",
        );
        return Err(Box::new(page));
    };

    let mut request = AuthRequest {
        client_id: client_id.unwrap_or_default().to_string(),
        redirect_uri: redirect_uri.to_string(),
        scopes: Vec::new(),
        state: params.get("state").map(str::to_string),
        challenge: None,
        passthrough: PASSTHROUGH
            .iter()
            .filter_map(|&name| params.get(name).map(|v| (name, v.to_string())))
            .collect(),
        login_hint: params.get("login_hint").map(str::to_string),
    };
    let refuse = |request: &AuthRequest, error: &str, description: &str| {
        Err(Box::new(redirect_error(request, error, description)))
    };

    // NOTE: the descriptions of these redirect errors are unverified.
    if params.get("response_type") != Some("code") {
        return refuse(
            &request,
            "unsupported_response_type",
            "response type not supported",
        );
    }

    request.scopes = match parse_scopes(params.get("scope")) {
        Ok(scopes) => scopes,
        Err(e) => return refuse(&request, e.error, &e.description),
    };

    // Salesforce advertises only S256, and jsforce and sfdx-core send the
    // challenge without a method, so an absent method means S256.
    let method = params.get("code_challenge_method");
    if method.is_some_and(|m| m != "S256") {
        return refuse(
            &request,
            "invalid_request",
            "code challenge method not supported",
        );
    }
    match params.get("code_challenge") {
        Some(challenge) if is_pkce_value(challenge) => {
            request.challenge = Some(challenge.to_string());
        }
        Some(_) => return refuse(&request, "invalid_request", "invalid code challenge"),
        None if method.is_some() => {
            return refuse(&request, "invalid_request", "missing code challenge");
        }
        None => {}
    }

    Ok(request)
}

/// Whether a PKCE verifier or challenge has RFC 7636's form: 43 to 128
/// characters of `[A-Za-z0-9-._~]`.
pub(super) fn is_pkce_value(value: &str) -> bool {
    (43..=128).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}

/// Stores a new code for an approved request, dropping expired ones.
fn issue_code(org: &mut Org, user: usize, request: &AuthRequest) -> String {
    let ttl = org.options.code_ttl;
    org.oauth.codes.retain(|_, c| c.issued.elapsed() <= ttl);

    let code = padded_opaque();
    let pending = AuthCode {
        user,
        client_id: request.client_id.clone(),
        redirect_uri: request.redirect_uri.clone(),
        scopes: request.scopes.clone(),
        challenge: request.challenge.clone(),
        issued: Instant::now(),
    };
    org.oauth.codes.insert(code.clone(), pending);
    code
}

/// 302 to the client's callback with `error` and `error_description`.
fn redirect_error(request: &AuthRequest, error: &str, description: &str) -> Response {
    let pairs = [("error", error), ("error_description", description)];
    redirect(&request.redirect_uri, &pairs, request.state.as_deref())
}

/// 302 to `uri` with the pairs (and `state`, when the client sent one) added to
/// its query, form-encoded as Salesforce does (`==` becomes `%3D%3D`).
fn redirect(uri: &str, pairs: &[(&str, &str)], state: Option<&str>) -> Response {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in pairs {
        query.append_pair(name, value);
    }
    if let Some(state) = state {
        query.append_pair("state", state);
    }

    let separator = if uri.contains('?') { '&' } else { '?' };
    let location = format!("{uri}{separator}{}", query.finish());
    super::no_store((StatusCode::FOUND, [(LOCATION, location)]).into_response())
}

/// The login + consent page. The form posts back to this endpoint with the
/// request's parameters in hidden fields.
fn consent_page(org: &Org, request: &AuthRequest, error: Option<&str>) -> Response {
    let mut hidden = vec![
        ("response_type", "code".to_string()),
        ("client_id", request.client_id.clone()),
        ("redirect_uri", request.redirect_uri.clone()),
        ("scope", request.scopes.join(" ")),
    ];
    if let Some(state) = &request.state {
        hidden.push(("state", state.clone()));
    }
    if let Some(challenge) = &request.challenge {
        hidden.push(("code_challenge", challenge.clone()));
    }
    if let Some(hint) = &request.login_hint {
        hidden.push(("login_hint", hint.clone()));
    }
    hidden.extend(request.passthrough.iter().cloned());
    let hidden: String = hidden
        .iter()
        .map(|(name, value)| {
            format!(
                "<input type=\"hidden\" name=\"{name}\" value=\"{}\">\n",
                attr(value)
            )
        })
        .collect();

    let error = error
        .map(|e| format!("<p class=\"error\">{}</p>\n", text(e)))
        .unwrap_or_default();
    let username = request.login_hint.as_deref().unwrap_or_default();
    let body = format!(
        "{error}<p><strong>{app}</strong> is asking to:</p>\n{scopes}\
         <form method=\"post\" action=\"/services/oauth2/authorize\">\n{hidden}\
         <label for=\"username\">Username</label>\n\
         <input type=\"text\" id=\"username\" name=\"username\" value=\"{username}\" \
         list=\"sandbox-users\" autocomplete=\"username\" autofocus>\n{datalist}\
         <p class=\"hint\">Sandbox users sign in without a password.</p>\n\
         <div class=\"buttons\">\n\
         <button type=\"submit\" name=\"action\" value=\"allow\">Allow</button>\n\
         <button type=\"submit\" name=\"action\" value=\"deny\">Deny</button>\n\
         </div>\n</form>\n\
         <p class=\"fine\">{org_name} &middot; returns to <code>{uri}</code></p>\n",
        app = text(APP_NAME),
        scopes = scope_list(&request.scopes),
        username = attr(username),
        datalist = user_datalist(org),
        org_name = text(&org.org_name),
        uri = text(&request.redirect_uri),
    );
    page(StatusCode::OK, "Allow Access?", &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_values_follow_rfc_7636() {
        assert!(is_pkce_value(&"a".repeat(43)));
        assert!(is_pkce_value(&"-._~".repeat(32)));
        assert!(!is_pkce_value(&"a".repeat(42)));
        assert!(!is_pkce_value(&"a".repeat(129)));
        assert!(!is_pkce_value(&format!("{}+", "a".repeat(43))));
    }

    #[test]
    fn redirects_append_to_an_existing_query() {
        let response = redirect("http://h/cb?x=1", &[("code", "ab==")], Some("s t"));
        let location = response.headers()[LOCATION].to_str().unwrap().to_string();
        assert_eq!(location, "http://h/cb?x=1&code=ab%3D%3D&state=s+t");
        assert_eq!(response.status(), StatusCode::FOUND);
    }
}
