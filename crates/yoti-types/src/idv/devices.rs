//! The answer of `GET /sessions/{id}/tracked-devices`: a JSON list of [`TrackedDeviceEvent`].

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::ResourceId;
use crate::Timestamp;

open_enum! {
    /// What a device did.
    pub enum DeviceEventType {
        /// `CONFIG_FIRST_LOADED`: the client loaded the session for the first time.
        ConfigFirstLoaded = "CONFIG_FIRST_LOADED",
        /// `RESOURCE_CREATED`: the client created a resource (see `resource_id`).
        ResourceCreated = "RESOURCE_CREATED",
        /// `CLIENT_SESSION_TOKEN_DELETED`: the client session token was deleted.
        ClientSessionTokenDeleted = "CLIENT_SESSION_TOKEN_DELETED",
    }
}

/// The device behind an event.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DeviceInfo {
    /// IP address (may be empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_address: Option<String>,
    /// Country of the IP address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_iso_country: Option<String>,
    /// Manufacturer (`Apple`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manufacture_name: Option<String>,
    /// Model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_name: Option<String>,
    /// Operating system.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os_name: Option<String>,
    /// Operating system version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os_version: Option<String>,
    /// Browser.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub browser_name: Option<String>,
    /// Browser version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub browser_version: Option<String>,
    /// Locale.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// Version of Yoti's client (may be empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_version: Option<String>,
    /// Fields this version does not model, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An event of a tracked device.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TrackedDeviceEvent {
    /// What happened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<DeviceEventType>,
    /// The resource concerned (`RESOURCE_CREATED`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_id: Option<ResourceId>,
    /// When it happened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<Timestamp>,
    /// The device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<DeviceInfo>,
    /// Fields this version does not model, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
