//! Verifying signed requests, as the service does (used by the emulator).

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use percent_encoding::percent_decode_str;

use crate::{Error, PublicKey, string_to_sign};

/// The parts of a received request that its signature covers.
#[derive(Debug, Clone, Copy)]
pub struct SignedParts<'a> {
    /// The HTTP method, upper case.
    pub method: &'a str,
    /// The path after the service's mount prefix, e.g. `/sessions/abc`.
    pub path: &'a str,
    /// The raw query string as received (without `?`), if any.
    pub query: Option<&'a str>,
    /// The raw body bytes as received.
    pub body: &'a [u8],
    /// The `X-Yoti-Auth-Digest` header value, if present.
    pub digest: Option<&'a str>,
}

/// What a successful verification learned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The request's nonce (now remembered until its timestamp leaves the window).
    pub nonce: String,
    /// The request's timestamp, in milliseconds since the Unix epoch.
    pub timestamp_ms: i64,
}

type ClockFn = dyn Fn() -> SystemTime + Send + Sync;

/// Checks signatures, timestamps and nonces of signed requests.
///
/// Nonces are remembered until their timestamp leaves the window, so a replay within the
/// window is refused and memory stays bounded.
pub struct Verifier {
    window: Duration,
    clock: Arc<ClockFn>,
    nonces: Mutex<NonceCache>,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("window", &self.window)
            .finish_non_exhaustive()
    }
}

impl Default for Verifier {
    fn default() -> Self {
        Self::new()
    }
}

#[derive(Default)]
struct NonceCache {
    seen: HashMap<Box<str>, i64>,
    inserts_since_purge: usize,
}

impl Verifier {
    /// The default window: 10 minutes either way of the server's clock.
    pub const DEFAULT_WINDOW: Duration = Duration::from_secs(600);

    /// A verifier with the default window and the system clock.
    pub fn new() -> Self {
        Self {
            window: Self::DEFAULT_WINDOW,
            clock: Arc::new(SystemTime::now),
            nonces: Mutex::new(NonceCache::default()),
        }
    }

    /// Sets the accepted timestamp window (either way).
    pub fn set_window(mut self, window: Duration) -> Self {
        self.window = window;
        self
    }

    /// Replaces the clock (tests).
    pub fn set_clock(mut self, clock: impl Fn() -> SystemTime + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Verifies a request signed with the private key matching `key`.
    ///
    /// Checks, in order: digest present and base64, nonce and timestamp present, timestamp
    /// within the window (milliseconds or seconds accepted), signature, nonce not seen. A
    /// nonce is remembered only once the signature is valid, so forged requests cannot
    /// poison the cache.
    ///
    /// # Errors
    /// One variant per failure; [`Error::yoti_code`] gives Yoti's code for each.
    pub fn verify(&self, key: &PublicKey, parts: &SignedParts<'_>) -> Result<Verified, Error> {
        let digest = parts
            .digest
            .filter(|d| !d.is_empty())
            .ok_or(Error::MissingDigest)?;
        let signature = base64::engine::general_purpose::STANDARD
            .decode(digest.trim())
            .map_err(|_| Error::MalformedDigest)?;
        let query = parts.query.unwrap_or("");
        let nonce = query_param(query, "nonce")
            .filter(|n| !n.is_empty())
            .ok_or(Error::MissingNonce)?;
        let timestamp = query_param(query, "timestamp").ok_or(Error::MissingTimestamp)?;
        let timestamp_ms = parse_timestamp(&timestamp)?;
        let now_ms = (self.clock)()
            .duration_since(UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        let window_ms = i64::try_from(self.window.as_millis()).unwrap_or(i64::MAX);
        let skew = now_ms.saturating_sub(timestamp_ms);
        if skew.abs() > window_ms {
            return Err(Error::StaleTimestamp {
                skew_secs: skew / 1000,
                window_secs: self.window.as_secs(),
            });
        }

        let path_and_query = match parts.query {
            Some(q) => format!("{}?{}", parts.path, q),
            None => parts.path.to_owned(),
        };
        let message = string_to_sign(parts.method, &path_and_query, parts.body);
        key.verify_pkcs1_sha256(&message, &signature)?;

        let mut cache = self.nonces.lock().unwrap_or_else(|p| p.into_inner());
        if cache.inserts_since_purge >= 1024 {
            cache.seen.retain(|_, expiry| *expiry >= now_ms);
            cache.inserts_since_purge = 0;
        }
        match cache.seen.get(&*nonce) {
            Some(expiry) if *expiry >= now_ms => return Err(Error::ReplayedNonce),
            _ => {}
        }
        cache.seen.insert(
            nonce.clone().into_owned().into_boxed_str(),
            timestamp_ms + window_ms,
        );
        cache.inserts_since_purge += 1;
        Ok(Verified {
            nonce: nonce.into_owned(),
            timestamp_ms,
        })
    }
}

/// Reads a timestamp in milliseconds, or in seconds (the reference text's unit): values
/// under 10^11 are taken as seconds.
fn parse_timestamp(value: &str) -> Result<i64, Error> {
    let n: i64 = value
        .trim()
        .parse()
        .map_err(|_| Error::MalformedTimestamp)?;
    if n < 0 {
        return Err(Error::MalformedTimestamp);
    }
    Ok(if n < 100_000_000_000 {
        n.saturating_mul(1000)
    } else {
        n
    })
}

/// The first value of a query parameter in a raw query string, percent-decoded.
pub fn query_param<'a>(raw_query: &'a str, name: &str) -> Option<Cow<'a, str>> {
    raw_query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (percent_decode_str(k).decode_utf8_lossy() == name)
            .then(|| percent_decode_str(v).decode_utf8_lossy())
    })
}
