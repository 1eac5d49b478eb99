//! Client assertions: the PS384 JWT an application signs with its key and exchanges at the
//! token endpoint for a bearer token (`private_key_jwt`, RFC 7523), and their verification
//! (what the token endpoint, or the emulator, does).
//!
//! JWT encoding, decoding and claim checks go through `jsonwebtoken` (aws-lc-rs backend).
//! `jsonwebtoken` 11 signs only with an `EncodingKey` holding the key's DER, through a
//! process-wide crypto provider (no per-call custom signer), so the DER is derived from the
//! [`PrivateKey`] for each assertion, zeroized on drop, and never stored.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use yoti_types::poa::{ClientAssertion, ClientAssertionClaims};

use crate::{Error, PrivateKey, PublicKey};

/// How long an assertion made by [`AssertionSigner`] is valid by default: 5 minutes (Yoti
/// accepts up to 30).
pub const DEFAULT_ASSERTION_LIFETIME: Duration = Duration::from_secs(5 * 60);

/// The longest assertion lifetime Yoti accepts: `exp` at most 30 minutes ahead.
pub const MAX_ASSERTION_LIFETIME: Duration =
    Duration::from_secs(ClientAssertionClaims::MAX_LIFETIME_SECS);

type ClockFn = dyn Fn() -> SystemTime + Send + Sync;
type JtiFn = dyn Fn() -> String + Send + Sync;

/// Makes client assertions for one application: header `{"alg": "PS384", "typ": "JWT"}`,
/// claims `iss` = `sub` = `sdk:<SDK_ID>`, `aud` = the token URL, a fresh UUID `jti`, `iat` =
/// now, `exp` = now + the lifetime (default 5 minutes).
///
/// Cheap to clone. The clock and the `jti` source are injectable for tests.
///
/// ```
/// use yoti_auth::{AssertionSigner, AssertionVerifier, PrivateKey};
///
/// # fn main() -> Result<(), yoti_auth::Error> {
/// let key = PrivateKey::generate(2048)?;
/// let url = "https://auth.api.yoti.com/v1/oauth/token";
/// let assertion = AssertionSigner::new("my-sdk-id", key.clone(), url).sign()?;
///
/// // What the token endpoint does:
/// let verified = AssertionVerifier::new().verify(assertion.expose_secret(), url, |sdk_id| {
///     (sdk_id == "my-sdk-id").then(|| key.public_key())
/// })?;
/// assert_eq!(verified.sdk_id, "my-sdk-id");
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct AssertionSigner {
    sdk_id: Arc<str>,
    key: PrivateKey,
    audience: Arc<str>,
    lifetime: Duration,
    clock: Arc<ClockFn>,
    jti: Arc<JtiFn>,
}

impl fmt::Debug for AssertionSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AssertionSigner")
            .field("sdk_id", &self.sdk_id)
            .field("key", &self.key)
            .field("audience", &self.audience)
            .field("lifetime", &self.lifetime)
            .finish_non_exhaustive()
    }
}

impl AssertionSigner {
    /// A signer for application `sdk_id` with its private key, for the token endpoint at
    /// `audience` (its full URL, e.g. `https://auth.api.yoti.com/v1/oauth/token`).
    pub fn new(sdk_id: impl Into<String>, key: PrivateKey, audience: impl Into<String>) -> Self {
        Self {
            sdk_id: sdk_id.into().into(),
            key,
            audience: audience.into().into(),
            lifetime: DEFAULT_ASSERTION_LIFETIME,
            clock: Arc::new(SystemTime::now),
            jti: Arc::new(|| uuid::Uuid::new_v4().to_string()),
        }
    }

    /// Sets how long each assertion is valid (default 5 minutes). Yoti refuses more than
    /// [`MAX_ASSERTION_LIFETIME`]; this is not clamped, so that tests can make such
    /// assertions.
    pub fn set_lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = lifetime;
        self
    }

    /// Replaces the clock (tests).
    pub fn set_clock(mut self, clock: impl Fn() -> SystemTime + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Replaces the `jti` source (tests). Every assertion needs a fresh `jti`.
    pub fn set_jti_source(mut self, jti: impl Fn() -> String + Send + Sync + 'static) -> Self {
        self.jti = Arc::new(jti);
        self
    }

    /// The application's SDK id.
    pub fn sdk_id(&self) -> &str {
        &self.sdk_id
    }

    /// The token endpoint's URL (`aud`).
    pub fn audience(&self) -> &str {
        &self.audience
    }

    /// The lifetime of each assertion.
    pub fn lifetime(&self) -> Duration {
        self.lifetime
    }

    /// Fresh claims: a new `jti`, `iat` now, `exp` now + the lifetime.
    pub fn claims(&self) -> ClientAssertionClaims {
        let now = unix_secs((self.clock)());
        ClientAssertionClaims::new(
            &self.sdk_id,
            &*self.audience,
            (self.jti)(),
            now,
            now.saturating_add(self.lifetime.as_secs()),
        )
    }

    /// Signs fresh [`claims`](Self::claims).
    ///
    /// # Errors
    /// [`Error::AssertionBuild`] if encoding or signing fails (not expected).
    pub fn sign(&self) -> Result<ClientAssertion, Error> {
        self.sign_claims(&self.claims())
    }

    /// Signs the given claims as they are (tests use it to make wrong assertions).
    ///
    /// # Errors
    /// [`Error::AssertionBuild`] if encoding or signing fails (not expected).
    pub fn sign_claims(&self, claims: &ClientAssertionClaims) -> Result<ClientAssertion, Error> {
        let der = self.key.to_pkcs1_der()?;
        // `EncodingKey` zeroizes its copy on drop, like `der`.
        let key = EncodingKey::from_rsa_der(&der);
        let header = Header::new(Algorithm::PS384);
        jsonwebtoken::encode(&header, claims, &key)
            .map(ClientAssertion::new)
            .map_err(|e| Error::AssertionBuild(Box::new(e)))
    }
}

/// What a successful [`AssertionVerifier::verify`] learned.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifiedAssertion {
    /// The application's SDK id (from `iss`).
    pub sdk_id: String,
    /// The verified claims.
    pub claims: ClientAssertionClaims,
}

/// Checks client assertions as Yoti's token endpoint does (the emulator uses it).
///
/// In order: a JWT with header `alg` `PS384` and `typ` `JWT`; `iss` of the form
/// `sdk:<SDK_ID>` naming a known application; the PS384 signature with that application's
/// key; `sub` equal to `iss`; `aud` equal to the token URL; `exp` not past and at most 30
/// minutes ahead; `iat`, when present, not in the future; `jti` of 16 to 128 bytes and not
/// seen before from the same issuer. Clock checks allow a small leeway (default 5 s).
///
/// A `jti` is remembered once the assertion verified (so forged assertions cannot poison the
/// cache) until its `exp` is past, which bounds memory.
pub struct AssertionVerifier {
    max_lifetime: Duration,
    leeway: Duration,
    clock: Arc<ClockFn>,
    seen: Mutex<JtiCache>,
}

#[derive(Default)]
struct JtiCache {
    /// `iss` + NUL + `jti` -> `exp`.
    seen: HashMap<Box<str>, u64>,
    inserts_since_purge: usize,
}

impl fmt::Debug for AssertionVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AssertionVerifier")
            .field("max_lifetime", &self.max_lifetime)
            .field("leeway", &self.leeway)
            .finish_non_exhaustive()
    }
}

impl Default for AssertionVerifier {
    fn default() -> Self {
        Self::new()
    }
}

impl AssertionVerifier {
    /// The default clock leeway: 5 seconds.
    pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(5);

    /// A verifier with Yoti's limits, the default leeway and the system clock.
    pub fn new() -> Self {
        Self {
            max_lifetime: MAX_ASSERTION_LIFETIME,
            leeway: Self::DEFAULT_LEEWAY,
            clock: Arc::new(SystemTime::now),
            seen: Mutex::new(JtiCache::default()),
        }
    }

    /// Sets the clock leeway.
    pub fn set_leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// Sets how far ahead `exp` may be (default 30 minutes).
    pub fn set_max_lifetime(mut self, max_lifetime: Duration) -> Self {
        self.max_lifetime = max_lifetime;
        self
    }

    /// Replaces the clock (tests).
    pub fn set_clock(mut self, clock: impl Fn() -> SystemTime + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Verifies `assertion` for the token endpoint at `audience`; `key_for` answers the
    /// public key of an SDK id, or `None` for an unknown application.
    ///
    /// # Errors
    /// One variant per failure (`Assertion*`, [`Error::UnknownClient`]);
    /// [`Error::oauth_code`] gives the OAuth code for each. Messages never quote the
    /// assertion.
    pub fn verify(
        &self,
        assertion: &str,
        audience: &str,
        key_for: impl FnOnce(&str) -> Option<PublicKey>,
    ) -> Result<VerifiedAssertion, Error> {
        let header = jsonwebtoken::decode_header(assertion).map_err(malformed)?;
        if header.alg != Algorithm::PS384 {
            return Err(Error::AssertionAlgorithm {
                found: format!("{:?}", header.alg),
            });
        }
        if header.typ.as_deref() != Some("JWT") {
            return Err(Error::AssertionMalformed {
                reason: "the header's `typ` must be \"JWT\"".into(),
                source: None,
            });
        }

        // Which application? Read `iss` before the signature is checked, only to pick the key.
        #[derive(serde::Deserialize)]
        struct Issuer {
            iss: Option<String>,
        }
        let unverified: Issuer =
            jsonwebtoken::dangerous::insecure_decode_claims(assertion).map_err(malformed)?;
        let issuer = unverified.iss.ok_or(Error::AssertionClaim {
            claim: "iss",
            reason: "missing".into(),
        })?;
        let sdk_id = issuer
            .strip_prefix(ClientAssertionClaims::ISSUER_PREFIX)
            .filter(|id| !id.is_empty())
            .ok_or_else(|| Error::AssertionClaim {
                claim: "iss",
                reason: format!("{issuer:?} is not of the form \"sdk:<SDK_ID>\"").into(),
            })?
            .to_owned();
        let key = key_for(&sdk_id).ok_or_else(|| Error::UnknownClient {
            sdk_id: sdk_id.clone(),
        })?;

        let mut validation = Validation::new(Algorithm::PS384);
        validation.set_required_spec_claims(&["exp", "iss", "sub", "aud"]);
        validation.set_issuer(&[&issuer]);
        validation.set_audience(&[audience]);
        validation.sub = Some(issuer.clone());
        // Time is checked below, against this verifier's clock.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        let decoding_key = DecodingKey::from_rsa_der(key.to_spki_der());
        let data =
            jsonwebtoken::decode::<ClientAssertionClaims>(assertion, &decoding_key, &validation)
                .map_err(|e| match e.kind() {
                    ErrorKind::InvalidSignature => Error::AssertionSignature {
                        issuer: issuer.clone(),
                    },
                    ErrorKind::InvalidAudience => Error::AssertionClaim {
                        claim: "aud",
                        reason: format!("must be the token endpoint's URL, {audience}").into(),
                    },
                    ErrorKind::InvalidSubject => Error::AssertionClaim {
                        claim: "sub",
                        reason: "must be the same as `iss`".into(),
                    },
                    ErrorKind::InvalidIssuer => Error::AssertionClaim {
                        claim: "iss",
                        reason: "must be \"sdk:<SDK_ID>\"".into(),
                    },
                    ErrorKind::MissingRequiredClaim(claim) => Error::AssertionClaim {
                        claim: claim_name(claim),
                        reason: "missing".into(),
                    },
                    _ => malformed(e),
                })?;
        let claims = data.claims;

        let now = unix_secs((self.clock)());
        let leeway = self.leeway.as_secs();
        if claims.exp.saturating_add(leeway) < now {
            return Err(Error::AssertionExpired {
                secs_ago: now - claims.exp,
            });
        }
        let ahead = claims.exp.saturating_sub(now);
        if ahead > self.max_lifetime.as_secs().saturating_add(leeway) {
            return Err(Error::AssertionLifetime {
                secs: ahead,
                max_secs: self.max_lifetime.as_secs(),
            });
        }
        if claims
            .iat
            .is_some_and(|iat| iat > now.saturating_add(leeway))
        {
            return Err(Error::AssertionClaim {
                claim: "iat",
                reason: "is in the future: check the clock".into(),
            });
        }
        let jti_len = claims.jti.len();
        if !(ClientAssertionClaims::MIN_JTI_BYTES..=ClientAssertionClaims::MAX_JTI_BYTES)
            .contains(&jti_len)
        {
            return Err(Error::AssertionClaim {
                claim: "jti",
                reason: format!(
                    "is {jti_len} bytes long, but must be {} to {} bytes",
                    ClientAssertionClaims::MIN_JTI_BYTES,
                    ClientAssertionClaims::MAX_JTI_BYTES
                )
                .into(),
            });
        }
        self.remember(&claims, now)?;
        Ok(VerifiedAssertion { sdk_id, claims })
    }

    /// Records `iss || jti`; refuses one already seen.
    fn remember(&self, claims: &ClientAssertionClaims, now: u64) -> Result<(), Error> {
        let mut cache = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        cache.inserts_since_purge += 1;
        if cache.inserts_since_purge >= 256 {
            cache.inserts_since_purge = 0;
            let horizon = now.saturating_sub(self.leeway.as_secs());
            cache.seen.retain(|_, exp| *exp >= horizon);
        }
        let key: Box<str> = format!("{}\u{0}{}", claims.iss, claims.jti).into();
        if cache.seen.contains_key(&key) {
            return Err(Error::AssertionReplayed);
        }
        cache.seen.insert(key, claims.exp);
        Ok(())
    }
}

fn malformed(e: jsonwebtoken::errors::Error) -> Error {
    let reason: Cow<'static, str> = match e.kind() {
        ErrorKind::InvalidToken => "expected three base64url parts joined by '.'".into(),
        ErrorKind::Base64(_) => "a part is not base64url".into(),
        ErrorKind::Json(_) => "the header or the claims are not the expected JSON".into(),
        ErrorKind::Utf8(_) => "a part is not UTF-8".into(),
        ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => {
            "the header's `alg` is not PS384".into()
        }
        ErrorKind::InvalidClaimFormat(claim) => format!("the `{claim}` claim is malformed").into(),
        _ => "it does not decode".into(),
    };
    Error::AssertionMalformed {
        reason,
        source: Some(Box::new(e)),
    }
}

fn claim_name(claim: &str) -> &'static str {
    match claim {
        "iss" => "iss",
        "sub" => "sub",
        "aud" => "aud",
        "exp" => "exp",
        "nbf" => "nbf",
        _ => "unknown",
    }
}

fn unix_secs(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
