//! Notifications: what the emulator POSTs to a session's `notifications.endpoint`.
//!
//! - Only subscribed topics are sent; each event is sent once (the webhook machinery retries
//!   a failed delivery with backoff, in its own task, and records it for
//!   `GET /__emulator/notifications?service=idv`).
//! - Body (WIRE-NOTES): `{"session_id", "topic", "task_id"?, "resource_id"?, "check_id"?}`,
//!   topic in lower case, `Content-Type: application/json`.
//! - `Authorization`: `Basic base64(auth_token)` (`auth_type` `BASIC`, the default) or
//!   `Bearer auth_token` (`BEARER`); no header when the session gave no `auth_token`.
//! - Targets: `http://` to a loopback host only (the create request is refused otherwise,
//!   naming `notifications.endpoint`); `https://` endpoints are accepted at creation but the
//!   emulator has no TLS client, so their deliveries are recorded as failed.

use base64::Engine as _;
use http::Method;
use yoti_types::idv::spec::{NotificationAuthType, NotificationConfig};
use yoti_types::idv::{Notification, WebhookTopic};

use super::model::Session;
use crate::state::Shared;
use crate::webhook::Delivery;

/// What a notification is about, besides its session.
#[derive(Debug, Clone, Copy)]
pub(super) enum About<'a> {
    Session,
    Resource(&'a str),
    Task(&'a str),
    Check(&'a str),
}

impl Session {
    /// Queues a notification when the session subscribed to `topic`.
    pub(super) fn emit(&mut self, topic: WebhookTopic, about: About<'_>) {
        let Some(config) = &self.spec.notifications else {
            return;
        };
        if !config.topics.contains(&topic.subscription()) {
            return;
        }
        let mut body = Notification::new(self.id.as_str(), topic.clone());
        match about {
            About::Session => {}
            About::Resource(id) => body.resource_id = Some(id.into()),
            About::Task(id) => body.task_id = Some(id.into()),
            About::Check(id) => body.check_id = Some(id.into()),
        }
        let body = match serde_json::to_vec(&body) {
            Ok(body) => body,
            Err(e) => {
                tracing::warn!(error = %e, "cannot serialize an IDV notification");
                return;
            }
        };
        self.outbox.push(Delivery {
            service: "idv",
            topic: topic.as_str().to_owned(),
            url: config.endpoint.clone(),
            method: Method::POST,
            headers: authorization(config)
                .map(|value| vec![("authorization".to_owned(), value)])
                .unwrap_or_default(),
            body: body.into(),
        });
    }
}

/// The `Authorization` value for a session's notifications, if it gave a token.
pub(super) fn authorization(config: &NotificationConfig) -> Option<String> {
    let token = config.auth_token.as_ref()?.expose_secret();
    Some(match config.auth_type.as_ref() {
        Some(NotificationAuthType::Bearer) => format!("Bearer {token}"),
        _ => format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(token)
        ),
    })
}

/// Hands queued notifications to the webhook machinery (each runs in its own task).
pub(super) fn dispatch(shared: &Shared, deliveries: Vec<Delivery>) {
    for delivery in deliveries {
        shared.webhooks.deliver(delivery);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorization_follows_auth_type() {
        let basic = NotificationConfig::new("http://127.0.0.1:1/x").auth_token("s3cret");
        assert_eq!(authorization(&basic).as_deref(), Some("Basic czNjcmV0"));
        let bearer = basic.clone().auth_type(NotificationAuthType::Bearer);
        assert_eq!(authorization(&bearer).as_deref(), Some("Bearer s3cret"));
        let explicit_basic = basic.auth_type(NotificationAuthType::Basic);
        assert_eq!(
            authorization(&explicit_basic).as_deref(),
            Some("Basic czNjcmV0")
        );
        assert_eq!(
            authorization(&NotificationConfig::new("http://127.0.0.1:1/x")),
            None
        );
    }
}
