//! Who is acting, for the audit trail. Until accounts exist the actor is the channel (`web` or
//! `api`); the origin is the client's address.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, OriginalUri};
use axum::http::request::Parts;
use sentra_storage::Actor;

pub struct ReqActor(pub Actor);

impl<S: Send + Sync> FromRequestParts<S> for ReqActor {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let origin = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip().to_string());
        // Inside the nested API router the path has lost its `/api` prefix; the original has it.
        let path = parts
            .extensions
            .get::<OriginalUri>()
            .map_or_else(|| parts.uri.path().to_string(), |u| u.0.path().to_string());
        let channel = if path.starts_with("/api/") {
            "api"
        } else {
            "web"
        };
        Ok(ReqActor(Actor::new(channel, origin)))
    }
}
