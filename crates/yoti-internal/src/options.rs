//! [`ClientOptions`]: what every client builder holds, and the setters they share.

use std::fmt;
use std::time::Duration;

use yoti_auth::PrivateKey;
use yoti_http::Transport;

use crate::{ClientTimeouts, EnvError};

/// What every client builder holds (IDV, Age Estimation, Proof of Age and the `yoti`
/// facade): the application's SDK id and key, a base URL, the transport and its time limits.
///
/// The builders' setters for these are written once, by [`client_options_setters!`](crate::client_options_setters), so that
/// they cannot drift apart. `Debug` never shows the key.
#[derive(Clone, Default)]
pub struct ClientOptions {
    /// The application's SDK id.
    pub sdk_id: Option<String>,
    /// The application's private key.
    pub key: Option<PrivateKey>,
    /// The service's base URL.
    pub base_url: Option<String>,
    /// The transport; the default one when unset.
    pub transport: Option<Transport>,
    /// The time limits put on the transport at `build()`.
    pub timeouts: ClientTimeouts,
}

impl fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientOptions")
            .field("sdk_id", &self.sdk_id)
            .field("key", &self.key.as_ref().map(|_| "[redacted]"))
            .field("base_url", &self.base_url)
            .field("transport", &self.transport.is_some())
            .field("timeouts", &self.timeouts)
            .finish()
    }
}

/// Which credential a builder was not given.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MissingCredential {
    /// No SDK id (or a blank one).
    #[error(
        "the SDK id is missing: set it with .sdk_id(..), or YOTI_CLIENT_SDK_ID with from_env()"
    )]
    SdkId,
    /// No private key.
    #[error(
        "the private key is missing: set it with .key(..), or YOTI_KEY_FILE_PATH with from_env()"
    )]
    Key,
}

impl ClientOptions {
    /// Sets the SDK id and key from `YOTI_CLIENT_SDK_ID` and `YOTI_KEY_FILE_PATH`, and the
    /// base URL from the first set variable of `url_vars`, else `default_url`.
    ///
    /// # Errors
    /// [`EnvError`] when a variable is missing or the key does not load.
    pub fn load_env(&mut self, url_vars: &[&str], default_url: &str) -> Result<(), EnvError> {
        self.load_credentials_env()?;
        self.base_url = Some(crate::base_url_from_env(url_vars, default_url));
        Ok(())
    }

    /// Sets the SDK id and key from `YOTI_CLIENT_SDK_ID` and `YOTI_KEY_FILE_PATH`.
    ///
    /// # Errors
    /// [`EnvError`] when a variable is missing or the key does not load.
    pub fn load_credentials_env(&mut self) -> Result<(), EnvError> {
        let (sdk_id, key) = crate::credentials_from_env()?;
        self.sdk_id = Some(sdk_id);
        self.key = Some(key);
        Ok(())
    }

    /// The SDK id, unless it is missing or blank.
    ///
    /// # Errors
    /// [`MissingCredential::SdkId`].
    pub fn sdk_id(&self) -> Result<&str, MissingCredential> {
        self.sdk_id
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .ok_or(MissingCredential::SdkId)
    }

    /// The SDK id and the key, both required.
    ///
    /// # Errors
    /// [`MissingCredential`] naming the first one missing.
    pub fn credentials(&self) -> Result<(String, PrivateKey), MissingCredential> {
        let sdk_id = self.sdk_id()?.to_owned();
        let key = self.key.clone().ok_or(MissingCredential::Key)?;
        Ok((sdk_id, key))
    }

    /// The base URL set, else `default`, checked and normalized ([`crate::checked_base_url`]).
    ///
    /// # Errors
    /// The transport's URL error.
    pub fn base_url_or(&self, default: &str) -> Result<String, yoti_http::Error> {
        crate::checked_base_url(self.base_url.as_deref().unwrap_or(default))
    }

    /// The transport set (or the default one) with the time limits applied.
    pub fn transport(&self) -> Transport {
        self.timeouts.apply(self.transport.clone())
    }

    /// Sets the deadline of every call.
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeouts.deadline = Some(timeout);
    }

    /// Sets the read timeout of every answer's body.
    pub fn set_read_timeout(&mut self, idle: Duration) {
        self.timeouts.read_timeout = Some(idle);
    }
}

/// Writes, inside a builder's `impl`, the setters every client builder shares over its
/// [`ClientOptions`] field: `sdk_id`, `key`, `transport`, `timeout` and `read_timeout`; with
/// `base_url = CONSTANT`, `base_url` too. One definition for the IDV, Age Estimation, Proof
/// of Age and facade builders, so that they name, document and treat them alike.
#[macro_export]
macro_rules! client_options_setters {
    ($field:ident) => {
        /// Sets the application's SDK id (from Yoti Hub).
        pub fn sdk_id(mut self, sdk_id: impl Into<String>) -> Self {
            self.$field.sdk_id = Some(sdk_id.into());
            self
        }

        /// Sets the application's private key (from Yoti Hub), parsed once; clones share it.
        pub fn key(mut self, key: $crate::reexports::PrivateKey) -> Self {
            self.$field.key = Some(key);
            self
        }

        /// Sets the transport: connection pool, TLS, retry policy (default: a new
        /// `Transport::default()`). Clients given clones of one transport share its pool.
        pub fn transport(mut self, transport: $crate::reexports::Transport) -> Self {
            self.$field.transport = Some(transport);
            self
        }

        /// Sets the time limit of every call, retries and the reading of the answer included
        /// (default `yoti_http::DEFAULT_DEADLINE`, 120 s); a call's `with_timeout` overrides it.
        pub fn timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.$field.set_timeout(timeout);
            self
        }

        /// Sets the longest wait for the next piece of an answer's body (default
        /// `yoti_http::DEFAULT_READ_TIMEOUT`, 30 s); a call's `with_read_timeout` overrides it.
        pub fn read_timeout(mut self, idle: ::std::time::Duration) -> Self {
            self.$field.set_read_timeout(idle);
            self
        }
    };
    ($field:ident, base_url = $default:ident) => {
        $crate::client_options_setters!($field);

        #[doc = concat!(
                    "Sets the base URL (default [`", stringify!($default), "`]): `https://`, or ",
                    "`http://` to a loopback host (the emulator)."
                )]
        pub fn base_url(mut self, url: impl Into<String>) -> Self {
            self.$field.base_url = Some(url.into());
            self
        }
    };
}
