//! OAuth 2.0 endpoints: authorize (login + consent page), token (authorization
//! code with PKCE, refresh, device flow), revoke, userinfo and the identity URL.

use axum::Router;

use super::Shared;

/// Pending authorization codes and device codes.
#[derive(Debug, Default)]
pub struct OAuthState {}

/// The OAuth routes.
pub fn routes() -> Router<Shared> {
    Router::new()
}
