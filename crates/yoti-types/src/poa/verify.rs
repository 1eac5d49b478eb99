//! The verify query: `POST /poa/v1/verify`.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::{Timestamp, ValidationError};

string_id! {
    /// The identifier of the terminal that scanned the QR code (for example `pos-1234957`).
    pub struct TerminalId;
}

string_id! {
    /// The identifier of the store or unit the terminal belongs to.
    pub struct StoreId;
}

open_enum! {
    /// The HTTP method of the result notification (the service's default is `POST`).
    pub enum NotificationMethod {
        /// `GET`.
        Get = "GET" | "get",
        /// `POST`.
        Post = "POST" | "post",
    }
}

/// Options of [`VerifyQuery::validate`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ValidationOptions {
    /// Accept a plain `http://` notification URL when its host is a loopback address
    /// (`localhost`, `127.0.0.0/8`, `::1`): for tests against a local emulator. Off by
    /// default: otherwise only `https://` is accepted.
    pub allow_loopback_http: bool,
}

impl ValidationOptions {
    /// The default options: `https://` only.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets [`allow_loopback_http`](Self::allow_loopback_http).
    #[must_use]
    pub fn set_allow_loopback_http(mut self, allow: bool) -> Self {
        self.allow_loopback_http = allow;
        self
    }
}

/// The scanned QR code (`qr`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct QrCode {
    /// The value encoded in the QR code, as read (for example `mdoc:owBjMS4w...`). Valid for
    /// about 30 seconds after it is shown.
    pub value: String,
    /// When the terminal scanned it.
    pub scanned_at: Timestamp,
}

impl QrCode {
    /// A QR code value scanned at `scanned_at`.
    pub fn new(value: impl Into<String>, scanned_at: Timestamp) -> Self {
        Self {
            value: value.into(),
            scanned_at,
        }
    }
}

/// The terminal that scanned the QR code (`terminal`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Terminal {
    /// The terminal's identifier.
    pub id: TerminalId,
    /// The store or unit the terminal is registered to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_id: Option<StoreId>,
}

impl Terminal {
    /// A terminal without a store.
    pub fn new(id: impl Into<TerminalId>) -> Self {
        Self {
            id: id.into(),
            store_id: None,
        }
    }

    /// Sets the store.
    #[must_use]
    pub fn set_store_id(mut self, store_id: impl Into<StoreId>) -> Self {
        self.store_id = Some(store_id.into());
        self
    }
}

/// Where to deliver the result when the service answers 202 (`notification`).
///
/// On the wire `verifyTls` is camelCase and the other members snake_case (`verify_tls` is
/// accepted on input too). `Debug` prints header values as `[redacted]`: they usually
/// authenticate the notification.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Notification {
    /// The URL to call with the result.
    pub url: String,
    /// The HTTP method (the service defaults to `POST`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<NotificationMethod>,
    /// Whether the service verifies the URL's TLS certificate (the service defaults to
    /// `true`).
    #[serde(
        default,
        rename = "verifyTls",
        alias = "verify_tls",
        skip_serializing_if = "Option::is_none"
    )]
    pub verify_tls: Option<bool>,
    /// HTTP headers sent with the notification, by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
}

impl Notification {
    /// A notification to `url` with the service's defaults (`POST`, TLS verified).
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            method: None,
            verify_tls: None,
            headers: BTreeMap::new(),
        }
    }

    /// Sets the HTTP method.
    #[must_use]
    pub fn set_method(mut self, method: NotificationMethod) -> Self {
        self.method = Some(method);
        self
    }

    /// Sets whether the service verifies the TLS certificate of the URL.
    #[must_use]
    pub fn set_verify_tls(mut self, verify_tls: bool) -> Self {
        self.verify_tls = Some(verify_tls);
        self
    }

    /// Adds (or replaces) a header sent with the notification.
    #[must_use]
    pub fn set_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.insert(name.into(), value.into());
        self
    }

    fn validate(&self, options: &ValidationOptions) -> Result<(), ValidationError> {
        check_url("notification.url", &self.url, options)?;
        for (name, value) in &self.headers {
            if name.is_empty() || !name.bytes().all(is_header_name_byte) {
                return Err(ValidationError::Invalid {
                    field: "notification.headers".into(),
                    reason: Cow::Owned(format!("{name:?} is not a valid HTTP header name")),
                });
            }
            if !value.bytes().all(is_header_value_byte) {
                return Err(ValidationError::Invalid {
                    field: Cow::Owned(format!("notification.headers.{name}")),
                    reason: "an HTTP header value cannot hold control characters".into(),
                });
            }
        }
        Ok(())
    }
}

impl fmt::Debug for Notification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Headers<'a>(&'a BTreeMap<String, String>);
        impl fmt::Debug for Headers<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_map()
                    .entries(self.0.keys().map(|name| (name, format_args!("[redacted]"))))
                    .finish()
            }
        }
        f.debug_struct("Notification")
            .field("url", &self.url)
            .field("method", &self.method)
            .field("verify_tls", &self.verify_tls)
            .field("headers", &Headers(&self.headers))
            .finish()
    }
}

/// The body of `POST /poa/v1/verify`.
///
/// ```json
/// {"qr": {"value": "mdoc:...", "scanned_at": "2025-07-16T16:55:12Z"},
///  "terminal": {"id": "pos-1234957", "store_id": "store-1"},
///  "notification": {"url": "https://..", "method": "POST", "verifyTls": true, "headers": {..}}}
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct VerifyQuery {
    /// The scanned QR code.
    pub qr: QrCode,
    /// The terminal that scanned it.
    pub terminal: Terminal,
    /// Where to deliver a result that is not ready at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notification: Option<Notification>,
}

impl VerifyQuery {
    /// A query for the QR code `qr_value`, scanned at `scanned_at` by terminal `terminal_id`.
    pub fn new(
        qr_value: impl Into<String>,
        scanned_at: Timestamp,
        terminal_id: impl Into<TerminalId>,
    ) -> Self {
        Self {
            qr: QrCode::new(qr_value, scanned_at),
            terminal: Terminal::new(terminal_id),
            notification: None,
        }
    }

    /// Sets the terminal's store.
    #[must_use]
    pub fn set_store_id(mut self, store_id: impl Into<StoreId>) -> Self {
        self.terminal.store_id = Some(store_id.into());
        self
    }

    /// Sets where to deliver a result that is not ready at once.
    #[must_use]
    pub fn set_notification(mut self, notification: Notification) -> Self {
        self.notification = Some(notification);
        self
    }

    /// Checks what the service would refuse, before anything is sent:
    ///
    /// - `qr.value` and `terminal.id` must not be empty (nor `terminal.store_id` when set);
    /// - `qr.scanned_at` must be an RFC 3339 date-time;
    /// - `notification.url` must be `https://` with a host (`http://` to a loopback host only
    ///   with [`ValidationOptions::allow_loopback_http`]);
    /// - `notification.headers` must be valid HTTP header names and values.
    ///
    /// # Errors
    /// The first rule broken, naming the field.
    pub fn validate(&self, options: &ValidationOptions) -> Result<(), ValidationError> {
        if self.qr.value.trim().is_empty() {
            return Err(ValidationError::Empty {
                field: "qr.value".into(),
            });
        }
        if self.qr.scanned_at.to_offset_date_time().is_err() {
            return Err(ValidationError::Pattern {
                field: "qr.scanned_at".into(),
                value: self.qr.scanned_at.as_str().to_owned(),
                pattern: "an RFC 3339 date-time such as 2025-07-16T16:55:12Z".into(),
            });
        }
        if self.terminal.id.as_str().trim().is_empty() {
            return Err(ValidationError::Empty {
                field: "terminal.id".into(),
            });
        }
        let store_id = self.terminal.store_id.as_ref();
        if store_id.is_some_and(|store_id| store_id.as_str().trim().is_empty()) {
            return Err(ValidationError::Empty {
                field: "terminal.store_id".into(),
            });
        }
        if let Some(notification) = &self.notification {
            notification.validate(options)?;
        }
        Ok(())
    }
}

/// Checks that `url` is `https://` with a host, or `http://` to a loopback host when the
/// options allow it.
fn check_url(
    field: &'static str,
    url: &str,
    options: &ValidationOptions,
) -> Result<(), ValidationError> {
    if url.trim().is_empty() {
        return Err(ValidationError::Empty {
            field: field.into(),
        });
    }
    let insecure = || ValidationError::InsecureUrl {
        field: field.into(),
        url: url.to_owned(),
    };
    if url
        .bytes()
        .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
    {
        return Err(ValidationError::Invalid {
            field: field.into(),
            reason: "a URL cannot hold spaces or control characters".into(),
        });
    }
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err(insecure());
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let host = match host_port.strip_prefix('[') {
        Some(bracketed) => bracketed.split(']').next().unwrap_or_default(),
        None => host_port.split(':').next().unwrap_or_default(),
    };
    if host.is_empty() {
        return Err(ValidationError::Invalid {
            field: field.into(),
            reason: "the URL has no host".into(),
        });
    }
    if scheme.eq_ignore_ascii_case("https") {
        return Ok(());
    }
    if scheme.eq_ignore_ascii_case("http") && options.allow_loopback_http && is_loopback(host) {
        return Ok(());
    }
    Err(insecure())
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// An RFC 9110 `tchar`.
fn is_header_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Visible characters, space, tab and obs-text; no other control characters.
fn is_header_value_byte(b: u8) -> bool {
    b == b'\t' || (b >= 0x20 && b != 0x7f)
}
