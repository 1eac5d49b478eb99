//! `notifications`: where and how Yoti calls back about a session.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::idv::SecretString;

open_enum! {
    /// A topic a session subscribes to, as written in the session specification (upper case).
    ///
    /// Webhook bodies spell the same topics in lower case: see
    /// [`WebhookTopic`](crate::idv::notification::WebhookTopic).
    pub enum NotificationTopic {
        /// `RESOURCE_UPDATE`: a resource was created or updated.
        ResourceUpdate = "RESOURCE_UPDATE",
        /// `TASK_COMPLETION`: a task finished.
        TaskCompletion = "TASK_COMPLETION",
        /// `CHECK_COMPLETION`: a check finished.
        CheckCompletion = "CHECK_COMPLETION",
        /// `SESSION_COMPLETION`: the whole session finished.
        SessionCompletion = "SESSION_COMPLETION",
        /// `NEW_PDF_SUPPLIED`: a new PDF was supplied.
        NewPdfSupplied = "NEW_PDF_SUPPLIED",
        /// `INSTRUCTIONS_EMAIL_REQUESTED`: the user asked for the instructions by email.
        InstructionsEmailRequested = "INSTRUCTIONS_EMAIL_REQUESTED",
        /// `CLIENT_SESSION_TOKEN_DELETED`: the client session token was deleted (checks were
        /// triggered or the token expired).
        ClientSessionTokenDeleted = "CLIENT_SESSION_TOKEN_DELETED",
        /// `THANK_YOU_EMAIL_REQUESTED`: a thank-you email was requested.
        ThankYouEmailRequested = "THANK_YOU_EMAIL_REQUESTED",
    }
}

open_enum! {
    /// How Yoti authenticates itself when it calls the notification endpoint.
    pub enum NotificationAuthType {
        /// `BASIC` (the default): `Authorization: Basic base64(auth_token)`.
        Basic = "BASIC",
        /// `BEARER`: `Authorization: Bearer auth_token`.
        Bearer = "BEARER",
    }
}

/// The `notifications` object of a session specification.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NotificationConfig {
    /// The URL Yoti POSTs to. Must be `https://` (see
    /// [`ValidationOptions`](super::ValidationOptions) for the loopback exception).
    #[serde(default)]
    pub endpoint: String,
    /// The topics to be notified about.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub topics: Vec<NotificationTopic>,
    /// A token Yoti sends back in the `Authorization` header of each notification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_token: Option<SecretString>,
    /// How `auth_token` is sent (`BASIC` when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_type: Option<NotificationAuthType>,
    /// Fields this version does not model, sent as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl NotificationConfig {
    /// Notifications to `endpoint`, with no topic yet.
    pub fn new(endpoint: impl Into<String>) -> Self {
        Self {
            endpoint: endpoint.into(),
            ..Self::default()
        }
    }

    /// Subscribes to one more topic.
    #[must_use]
    pub fn topic(mut self, topic: NotificationTopic) -> Self {
        self.topics.push(topic);
        self
    }

    /// Subscribes to several more topics.
    #[must_use]
    pub fn topics(mut self, topics: impl IntoIterator<Item = NotificationTopic>) -> Self {
        self.topics.extend(topics);
        self
    }

    /// Sets the token Yoti sends back in the `Authorization` header.
    #[must_use]
    pub fn auth_token(mut self, token: impl Into<SecretString>) -> Self {
        self.auth_token = Some(token.into());
        self
    }

    /// Sets how the token is sent.
    #[must_use]
    pub fn auth_type(mut self, auth_type: NotificationAuthType) -> Self {
        self.auth_type = Some(auth_type);
        self
    }
}
