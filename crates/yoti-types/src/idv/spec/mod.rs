//! The session specification: the body of `POST /sessions`.
//!
//! Build one with [`SessionSpec::builder`]; [`SessionSpecBuilder::build`] refuses, before any
//! I/O, what the service would refuse (see [`SessionSpec::validate`]). A specification read
//! from a file (it is `Deserialize`, leniently) is checked with the same
//! [`SessionSpec::validate`].
//!
//! ```
//! use yoti_types::idv::spec::{
//!     ManualCheck, NotificationConfig, NotificationTopic, RequestedCheck, RequestedTask,
//!     RequiredDocument, SdkConfig, SessionSpec, LivenessConfig, IdDocumentTextExtractionConfig,
//! };
//! use yoti_types::idv::LivenessType;
//!
//! let spec = SessionSpec::builder()
//!     .client_session_token_ttl(900)
//!     .resources_ttl(90_000)
//!     .user_tracking_id("user-123")
//!     .notifications(
//!         NotificationConfig::new("https://example.com/yoti").topic(NotificationTopic::SessionCompletion),
//!     )
//!     .requested_check(RequestedCheck::liveness(LivenessConfig::new(LivenessType::Zoom).max_retries(3)))
//!     .requested_check(RequestedCheck::id_document_face_match(ManualCheck::Fallback))
//!     .requested_task(RequestedTask::id_document_text_data_extraction(
//!         IdDocumentTextExtractionConfig::new(ManualCheck::Fallback),
//!     ))
//!     .required_document(RequiredDocument::id_document())
//!     .sdk_config(SdkConfig::new().primary_colour("#2d9fff").locale("en-GB"))
//!     .build()?;
//! assert_eq!(serde_json::to_value(&spec)?["resources_ttl"], 90_000);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod checks;
mod documents;
mod identity_profile;
mod notifications;
mod sdk_config;
mod tasks;
mod validate;

pub use checks::{
    CaAccountType, CaMatchingStrategy, CaMatchingStrategyType, CaSources, CaSourcesType,
    DocumentSchemeValidityConfig, EmptyConfig, IdDocumentAuthenticityConfig,
    IssuingAuthoritySubCheck, LivenessConfig, ManualCheck, ManualCheckConfig, RequestedCheck,
    WatchlistAdvancedCaConfig, WatchlistCategory, WatchlistScreeningConfig,
};
pub use documents::{
    CountryRestriction, DocumentFilter, DocumentRestriction, DocumentRestrictionsFilter, Inclusion,
    Objective, ObjectiveType, OrthogonalRestrictionsFilter, RequiredDocument, RequiredIdDocument,
    RequiredSupplementaryDocument, TypeRestriction,
};
pub use identity_profile::{
    AdvancedIdentityProfile, AdvancedIdentityProfileRequirements, IbvOptions, IbvSupport,
    IdentityProfileRequirements, IdentityProfileScheme, ImportTokenConfig, SchemeType, Subject,
    TrustFramework,
};
pub use notifications::{NotificationAuthType, NotificationConfig, NotificationTopic};
pub use sdk_config::{
    AllowedCaptureMethods, AttemptsConfiguration, BiometricConsentFlow, DarkMode, SdkConfig,
};
pub use tasks::{
    ChipData, IdDocumentTextExtractionConfig, RequestedTask,
    SupplementaryDocumentTextExtractionConfig,
};
pub use validate::{MIN_RESOURCES_TTL, ValidationOptions};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::serde_util::opt_u64_lenient;
use crate::{Timestamp, ValidationError};

/// The body of `POST /sessions`.
///
/// Every field is optional; only the fields set are sent. Construct it with
/// [`SessionSpec::builder`] (which validates) or read it from JSON (then call
/// [`validate`](Self::validate)). Integers written as numeric strings
/// (`"resources_ttl": "90000"`, as in some of Yoti's examples) are accepted on input and sent
/// as numbers.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SessionSpec {
    /// Seconds the user has to complete the flow (Yoti's default: 600). Not with
    /// `session_deadline`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_u64_lenient"
    )]
    pub client_session_token_ttl: Option<u64>,
    /// The point in time (RFC 3339) by which the user must complete the flow. Not with
    /// `client_session_token_ttl`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_deadline: Option<Timestamp>,
    /// Seconds uploaded documents and images are kept: at least 86700 (Yoti's default: 87000).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_u64_lenient"
    )]
    pub resources_ttl: Option<u64>,
    /// Your id to track the same user across sessions (no personal data).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_tracking_id: Option<String>,
    /// Whether to block the collection of biometric consent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block_biometric_consent: Option<bool>,
    /// Where Yoti calls back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notifications: Option<NotificationConfig>,
    /// Checks to perform.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requested_checks: Vec<RequestedCheck>,
    /// Tasks to perform.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requested_tasks: Vec<RequestedTask>,
    /// Documents the user must provide.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub required_documents: Vec<RequiredDocument>,
    /// How the client looks and behaves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sdk_config: Option<SdkConfig>,
    /// A required identity profile (instead of checks, tasks and documents).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_profile_requirements: Option<IdentityProfileRequirements>,
    /// Required advanced identity profiles (instead of checks, tasks and documents).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advanced_identity_profile_requirements: Option<AdvancedIdentityProfileRequirements>,
    /// Who the identity profile is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Subject>,
    /// Ask for an import token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub import_token: Option<ImportTokenConfig>,
    /// In-branch verification options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ibv_options: Option<IbvOptions>,
    /// Whether to create an identity profile preview.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_identity_profile_preview: Option<bool>,
    /// Fields this version does not model, sent as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl SessionSpec {
    /// Starts building a specification. Nothing is required; see the setters of
    /// [`SessionSpecBuilder`].
    pub fn builder() -> SessionSpecBuilder {
        SessionSpecBuilder::default()
    }
}

/// Builds a [`SessionSpec`]: chainable setters, then [`build`](Self::build) (strict
/// validation) or [`build_with`](Self::build_with) (validation with options).
#[derive(Clone, Debug, Default)]
#[must_use]
pub struct SessionSpecBuilder {
    spec: SessionSpec,
}

impl SessionSpecBuilder {
    /// Sets `client_session_token_ttl` (seconds).
    pub fn client_session_token_ttl(mut self, seconds: u64) -> Self {
        self.spec.client_session_token_ttl = Some(seconds);
        self
    }

    /// Sets `session_deadline` (for example from a `time::OffsetDateTime`).
    pub fn session_deadline(mut self, deadline: impl Into<Timestamp>) -> Self {
        self.spec.session_deadline = Some(deadline.into());
        self
    }

    /// Sets `resources_ttl` (seconds, at least [`MIN_RESOURCES_TTL`]).
    pub fn resources_ttl(mut self, seconds: u64) -> Self {
        self.spec.resources_ttl = Some(seconds);
        self
    }

    /// Sets `user_tracking_id`.
    pub fn user_tracking_id(mut self, id: impl Into<String>) -> Self {
        self.spec.user_tracking_id = Some(id.into());
        self
    }

    /// Sets `block_biometric_consent`.
    pub fn block_biometric_consent(mut self, block: bool) -> Self {
        self.spec.block_biometric_consent = Some(block);
        self
    }

    /// Sets `notifications`.
    pub fn notifications(mut self, notifications: NotificationConfig) -> Self {
        self.spec.notifications = Some(notifications);
        self
    }

    /// Adds a check to `requested_checks`.
    pub fn requested_check(mut self, check: RequestedCheck) -> Self {
        self.spec.requested_checks.push(check);
        self
    }

    /// Adds checks to `requested_checks`.
    pub fn requested_checks(mut self, checks: impl IntoIterator<Item = RequestedCheck>) -> Self {
        self.spec.requested_checks.extend(checks);
        self
    }

    /// Adds a task to `requested_tasks`.
    pub fn requested_task(mut self, task: RequestedTask) -> Self {
        self.spec.requested_tasks.push(task);
        self
    }

    /// Adds tasks to `requested_tasks`.
    pub fn requested_tasks(mut self, tasks: impl IntoIterator<Item = RequestedTask>) -> Self {
        self.spec.requested_tasks.extend(tasks);
        self
    }

    /// Adds a document to `required_documents`.
    pub fn required_document(mut self, document: RequiredDocument) -> Self {
        self.spec.required_documents.push(document);
        self
    }

    /// Adds documents to `required_documents`.
    pub fn required_documents(
        mut self,
        documents: impl IntoIterator<Item = RequiredDocument>,
    ) -> Self {
        self.spec.required_documents.extend(documents);
        self
    }

    /// Sets `sdk_config`.
    pub fn sdk_config(mut self, sdk_config: SdkConfig) -> Self {
        self.spec.sdk_config = Some(sdk_config);
        self
    }

    /// Sets `identity_profile_requirements`.
    pub fn identity_profile_requirements(
        mut self,
        requirements: IdentityProfileRequirements,
    ) -> Self {
        self.spec.identity_profile_requirements = Some(requirements);
        self
    }

    /// Sets `advanced_identity_profile_requirements`.
    pub fn advanced_identity_profile_requirements(
        mut self,
        requirements: AdvancedIdentityProfileRequirements,
    ) -> Self {
        self.spec.advanced_identity_profile_requirements = Some(requirements);
        self
    }

    /// Sets `subject`.
    pub fn subject(mut self, subject: Subject) -> Self {
        self.spec.subject = Some(subject);
        self
    }

    /// Sets `import_token`.
    pub fn import_token(mut self, import_token: ImportTokenConfig) -> Self {
        self.spec.import_token = Some(import_token);
        self
    }

    /// Sets `ibv_options`.
    pub fn ibv_options(mut self, ibv_options: IbvOptions) -> Self {
        self.spec.ibv_options = Some(ibv_options);
        self
    }

    /// Sets `create_identity_profile_preview`.
    pub fn create_identity_profile_preview(mut self, create: bool) -> Self {
        self.spec.create_identity_profile_preview = Some(create);
        self
    }

    /// Adds a top-level field this version does not model, sent as given.
    pub fn other_field(mut self, name: impl Into<String>, value: Value) -> Self {
        self.spec.extra.insert(name.into(), value);
        self
    }

    /// Validates with the strict default options and returns the specification.
    ///
    /// # Errors
    /// The first rule broken: see [`SessionSpec::validate`].
    pub fn build(self) -> Result<SessionSpec, ValidationError> {
        self.build_with(&ValidationOptions::default())
    }

    /// Validates with `options` and returns the specification.
    ///
    /// # Errors
    /// The first rule broken: see [`SessionSpec::validate`].
    pub fn build_with(self, options: &ValidationOptions) -> Result<SessionSpec, ValidationError> {
        self.spec.validate(options)?;
        Ok(self.spec)
    }
}
