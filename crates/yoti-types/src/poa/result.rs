//! Proof of Age results: the answer of `POST /poa/v1/verify` (200) and
//! `GET /poa/v1/verify/{id}`, the body of the result notification, and the 202 answer.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::Timestamp;

string_id! {
    /// The identifier of a verify query and of its result (for example
    /// `Yzt0sbVOSauDWPwMQvumjQ`; not a UUID).
    pub struct VerificationId;
}

open_enum! {
    /// Where a Proof of Age check stands.
    pub enum PoaStatus {
        /// Verified: the outcome is in `result`.
        Success = "SUCCESS",
        /// Not verified: why is in `failure`.
        Failure = "FAILURE",
        /// Not decided yet (only from `GET /poa/v1/verify/{id}`): see `waiting_on`.
        Pending = "PENDING",
    }
}

open_enum! {
    /// Who issued the Proof of Age credential.
    ///
    /// Yoti's reference also lists `A_PROVIDER_NAME`, a placeholder: like any other new value
    /// it parses into [`Unknown`](Self::Unknown).
    pub enum Provider {
        /// Yoti.
        Yoti = "YOTI",
        /// GOV.UK.
        GovUk = "GOV_UK",
    }
}

open_enum! {
    /// A check done on the credential.
    pub enum PoaCheck {
        /// The provider is on the UK digital verification services (DVS) register.
        ProviderOnDvsRegister = "PROVIDER_ON_DVS_REGISTER",
        /// The credential's signature was verified.
        SignatureVerified = "SIGNATURE_VERIFIED",
    }
}

open_enum! {
    /// Why a Proof of Age check failed.
    pub enum FailureReason {
        /// The credential's signature could not be verified.
        UnableToVerifySignature = "UNABLE_TO_VERIFY_SIGNATURE",
        /// The QR code expired (QR values are valid for about 30 seconds).
        PresentationExpired = "PRESENTATION_EXPIRED",
        /// The QR code was already used.
        PresentationAlreadyUsed = "PRESENTATION_ALREADY_USED",
        /// The QR code's payload is not supported.
        UnsupportedPayload = "UNSUPPORTED_PAYLOAD",
        /// The provider is excluded for this organisation.
        ExcludedProvider = "EXCLUDED_PROVIDER",
        /// The provider is not known.
        UnknownProvider = "UNKNOWN_PROVIDER",
        /// The user did not consent to share their age.
        UserDidNotConsent = "USER_DID_NOT_CONSENT",
    }
}

open_enum! {
    /// What a `PENDING` check is waiting for.
    pub enum WaitingOn {
        /// The user's consent in their app.
        UserConsent = "USER_CONSENT",
    }
}

/// The outcome of a successful check (`result`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AgeOverResult {
    /// The highest age the user is known to be over or equal to: 21 means 21+.
    pub age_over: u32,
    /// Whether the check is valid for the sale of alcohol.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_for_alcohol: Option<bool>,
    /// The checks done on the credential.
    #[serde(default)]
    pub checks: Vec<PoaCheck>,
    /// Members this crate does not model, kept as received.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl AgeOverResult {
    /// An outcome of `age_over`+, without checks.
    pub fn new(age_over: u32) -> Self {
        Self {
            age_over,
            valid_for_alcohol: None,
            checks: Vec::new(),
            extra: Map::new(),
        }
    }

    /// Sets whether the check is valid for the sale of alcohol.
    #[must_use]
    pub fn set_valid_for_alcohol(mut self, valid: bool) -> Self {
        self.valid_for_alcohol = Some(valid);
        self
    }

    /// Sets the checks done on the credential.
    #[must_use]
    pub fn set_checks(mut self, checks: impl IntoIterator<Item = PoaCheck>) -> Self {
        self.checks = checks.into_iter().collect();
        self
    }
}

/// Why a check failed (`failure`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Failure {
    /// The reason.
    pub reason: FailureReason,
    /// Members this crate does not model, kept as received.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Failure {
    /// A failure for `reason`.
    pub fn new(reason: FailureReason) -> Self {
        Self {
            reason,
            extra: Map::new(),
        }
    }
}

/// A Proof of Age result: the 200 answer of `POST /poa/v1/verify`, the answer of
/// `GET /poa/v1/verify/{id}`, and the body of the result notification.
///
/// ```json
/// {"id": "Yzt0sbVOSauDWPwMQvumjQ", "status": "SUCCESS", "timestamp": "2025-07-16T15:47:22Z",
///  "provider": "GOV_UK", "result": {"age_over": 21, "valid_for_alcohol": true,
///  "checks": ["SIGNATURE_VERIFIED", "PROVIDER_ON_DVS_REGISTER"]}}
/// ```
///
/// `waiting_on` is read at the top level, next to `status` (the reference's layout leaves
/// its place ambiguous; it describes the whole check, which `PENDING` leaves without a
/// `result`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PoaResult {
    /// The identifier of the result and of the query behind it.
    pub id: VerificationId,
    /// Where the check stands.
    pub status: PoaStatus,
    /// When the result (or failure) was determined.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<Timestamp>,
    /// Who issued the credential.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<Provider>,
    /// The outcome (with `SUCCESS`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<AgeOverResult>,
    /// Why the check failed (with `FAILURE`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<Failure>,
    /// What the check waits for (with `PENDING`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting_on: Option<WaitingOn>,
    /// Members this crate does not model, kept as received.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl PoaResult {
    /// A bare result with `status` and nothing else.
    pub fn new(id: impl Into<VerificationId>, status: PoaStatus) -> Self {
        Self {
            id: id.into(),
            status,
            timestamp: None,
            provider: None,
            result: None,
            failure: None,
            waiting_on: None,
            extra: Map::new(),
        }
    }

    /// A `SUCCESS` result.
    pub fn success(
        id: impl Into<VerificationId>,
        timestamp: Timestamp,
        provider: Provider,
        result: AgeOverResult,
    ) -> Self {
        Self {
            timestamp: Some(timestamp),
            provider: Some(provider),
            result: Some(result),
            ..Self::new(id, PoaStatus::Success)
        }
    }

    /// A `FAILURE` result.
    pub fn failure(
        id: impl Into<VerificationId>,
        timestamp: Timestamp,
        reason: FailureReason,
    ) -> Self {
        Self {
            timestamp: Some(timestamp),
            failure: Some(Failure::new(reason)),
            ..Self::new(id, PoaStatus::Failure)
        }
    }

    /// A `PENDING` result waiting on `waiting_on`.
    pub fn pending(id: impl Into<VerificationId>, waiting_on: WaitingOn) -> Self {
        Self {
            waiting_on: Some(waiting_on),
            ..Self::new(id, PoaStatus::Pending)
        }
    }

    /// The age the user is over, when the check succeeded.
    pub fn age_over(&self) -> Option<u32> {
        match self.status {
            PoaStatus::Success => self.result.as_ref().map(|result| result.age_over),
            _ => None,
        }
    }

    /// The failure reason, when the check failed.
    pub fn failure_reason(&self) -> Option<&FailureReason> {
        self.failure.as_ref().map(|failure| &failure.reason)
    }

    /// Whether the result is final (not `PENDING`).
    pub fn is_final(&self) -> bool {
        !matches!(self.status, PoaStatus::Pending)
    }
}

/// The 202 answer of `POST /poa/v1/verify`: the result will come later, to the query's
/// notification URL and from `GET /poa/v1/verify/{id}`.
///
/// Yoti does not document this body; it is modelled leniently: the `id` to poll, and a
/// `status` (expected `PENDING`) when present. A 202 answer that carries a whole result parses
/// here too, its other members kept in `extra`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct VerifyAccepted {
    /// The identifier to poll with `GET /poa/v1/verify/{id}`.
    pub id: VerificationId,
    /// The status, when the body has one (expected `PENDING`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<PoaStatus>,
    /// Members this crate does not model, kept as received.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl VerifyAccepted {
    /// An accepted answer, `{"id": .., "status": "PENDING"}`.
    pub fn new(id: impl Into<VerificationId>) -> Self {
        Self {
            id: id.into(),
            status: Some(PoaStatus::Pending),
            extra: Map::new(),
        }
    }
}
