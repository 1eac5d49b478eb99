//! Webhook bodies: what Yoti POSTs to a session's `notifications.endpoint`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::spec::NotificationTopic;
use super::{CheckId, ResourceId, SessionId, TaskId};

open_enum! {
    /// The topic of a webhook body, in lower case (the session specification subscribes to
    /// them in upper case: [`NotificationTopic`]).
    pub enum WebhookTopic {
        /// `resource_update`.
        ResourceUpdate = "resource_update",
        /// `task_completion` (with `task_id`).
        TaskCompletion = "task_completion",
        /// `check_completion` (with `check_id`).
        CheckCompletion = "check_completion",
        /// `session_completion`.
        SessionCompletion = "session_completion",
        /// `new_pdf_supplied`.
        NewPdfSupplied = "new_pdf_supplied",
        /// `instructions_email_requested`.
        InstructionsEmailRequested = "instructions_email_requested",
        /// `client_session_token_deleted`.
        ClientSessionTokenDeleted = "client_session_token_deleted",
        /// `thank_you_email_requested`.
        ThankYouEmailRequested = "thank_you_email_requested",
    }
}

impl WebhookTopic {
    /// The subscription topic this webhook topic answers (same name, upper case).
    pub fn subscription(&self) -> NotificationTopic {
        NotificationTopic::from(self.as_str().to_ascii_uppercase())
    }
}

impl From<&NotificationTopic> for WebhookTopic {
    fn from(topic: &NotificationTopic) -> Self {
        Self::from(topic.as_str().to_ascii_lowercase())
    }
}

/// A webhook body: `{"session_id", "topic", "task_id"?, "resource_id"?, "check_id"?}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Notification {
    /// The session concerned.
    pub session_id: SessionId,
    /// What happened.
    pub topic: WebhookTopic,
    /// The task concerned (`task_completion`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_id: Option<TaskId>,
    /// The resource concerned (`resource_update`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_id: Option<ResourceId>,
    /// The check concerned (`check_completion`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_id: Option<CheckId>,
    /// Fields this version does not model, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Notification {
    /// A body about a session, with no task, resource or check.
    pub fn new(session_id: impl Into<SessionId>, topic: WebhookTopic) -> Self {
        Self {
            session_id: session_id.into(),
            topic,
            task_id: None,
            resource_id: None,
            check_id: None,
            extra: Map::new(),
        }
    }
}
