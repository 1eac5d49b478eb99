//! The two request shapes: [`Estimate`] (three endpoints) and [`Verify`] (two endpoints).

use std::fmt;
use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use http::{HeaderName, HeaderValue};
use yoti_http::{RequestOptions, RetryPolicy};
use yoti_types::ValidationError;
use yoti_types::age::{
    AgeEndpoint, AgeErrorCode, AgeRequest, Device, ImgValidationLevel, LevelOfAssurance,
    MAX_IMG_BASE64_LEN, Operator,
};

use crate::{Error, ImageCheckError, ImageLimits};

/// The `Terminal-Id` header.
pub(crate) const TERMINAL_ID: HeaderName = HeaderName::from_static("terminal-id");
/// The `Session-Id` header.
pub(crate) const SESSION_ID: HeaderName = HeaderName::from_static("session-id");

/// Base64 as the service reads it: standard alphabet; padding optional on input.
const BASE64_INPUT: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    base64::engine::GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
);

/// The image of a request: raw bytes (encoded by the SDK) or base64 received from elsewhere
/// (Yoti's face capture module), sent as given.
#[derive(Clone)]
enum Image {
    Bytes(Bytes),
    Base64(String),
}

impl fmt::Debug for Image {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Bytes(b) => write!(f, "<{} image bytes>", b.len()),
            Self::Base64(s) => write!(f, "<{} base64 chars>", s.len()),
        }
    }
}

/// What both request shapes carry besides the image.
#[derive(Clone, Default)]
struct Options {
    device: Option<Device>,
    level_of_assurance: Option<LevelOfAssurance>,
    img_validation_level: Option<ImgValidationLevel>,
    secure: Option<serde_json::Value>,
    multiframe: bool,
    terminal_id: Option<String>,
    session_id: Option<String>,
    call: RequestOptions,
    local_checks: Option<bool>,
}

impl fmt::Debug for Options {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Options")
            .field("device", &self.device)
            .field("level_of_assurance", &self.level_of_assurance)
            .field("img_validation_level", &self.img_validation_level)
            .field("secure", &self.secure.as_ref().map(|_| "[redacted]"))
            .field("multiframe", &self.multiframe)
            .field("terminal_id", &self.terminal_id)
            .field("session_id", &self.session_id)
            .field("call", &self.call)
            .field("local_checks", &self.local_checks)
            .finish()
    }
}

macro_rules! common_setters {
    () => {
        /// Sets `metadata.device`: the kind of device that captured the image.
        pub fn device(mut self, device: Device) -> Self {
            self.options.device = Some(device);
            self
        }

        /// Sets the anti-spoofing level of assurance (endpoints that run anti-spoofing).
        pub fn level_of_assurance(mut self, level: LevelOfAssurance) -> Self {
            self.options.level_of_assurance = Some(level);
            self
        }

        /// Sets relaxed image validation (`/age` and `/age-verify` only).
        pub fn img_validation_level(mut self, level: ImgValidationLevel) -> Self {
            self.options.img_validation_level = Some(level);
            self
        }

        /// Passes through the `secure` object of Yoti's face capture module, unchanged; the
        /// request is then sent with `secure=true` in the query.
        pub fn secure(mut self, secure: serde_json::Value) -> Self {
            self.options.secure = Some(secure);
            self
        }

        /// Adds `multiframe=true` to the query, for a secure capture of several frames
        /// (needs [`secure`](Self::secure)).
        pub fn multiframe(mut self, multiframe: bool) -> Self {
            self.options.multiframe = multiframe;
            self
        }

        /// Sends the `Terminal-Id` header (overrides the client's default).
        pub fn terminal_id(mut self, id: impl Into<String>) -> Self {
            self.options.terminal_id = Some(id.into());
            self
        }

        /// Sends the `Session-Id` header.
        pub fn session_id(mut self, id: impl Into<String>) -> Self {
            self.options.session_id = Some(id.into());
            self
        }

        /// Per-call option: the longest this call may take, retries and the reading of the
        /// answer included, instead of the client's deadline.
        pub fn with_timeout(mut self, timeout: Duration) -> Self {
            self.options.call = self.options.call.with_deadline(timeout);
            self
        }

        /// Per-call option: the longest wait for the next piece of the answer, instead of the
        /// client's read timeout.
        pub fn with_read_timeout(mut self, idle: Duration) -> Self {
            self.options.call = self.options.call.with_read_timeout(idle);
            self
        }

        /// Per-call option: the retry policy for this call instead of the transport's.
        pub fn with_retry(mut self, policy: RetryPolicy) -> Self {
            self.options.call = self.options.call.with_retry(policy);
            self
        }

        /// Per-call option: run the local image checks or not, whatever the client says.
        pub fn with_local_checks(mut self, enabled: bool) -> Self {
            self.options.local_checks = Some(enabled);
            self
        }
    };
}

/// A request to `/age`, `/antispoofing` or `/age-antispoofing`: an image and options.
///
/// Run it with [`AgeClient::age`](crate::AgeClient::age),
/// [`antispoofing`](crate::AgeClient::antispoofing) or
/// [`age_antispoofing`](crate::AgeClient::age_antispoofing).
///
/// `Debug` prints the image as its size and the `secure` object as `[redacted]`.
#[derive(Clone, Debug)]
#[must_use = "a request does nothing until a client runs it"]
pub struct Estimate {
    image: Image,
    options: Options,
}

impl Estimate {
    /// A request for this image (JPEG or PNG bytes; the SDK encodes them in base64).
    pub fn new(image: impl Into<Bytes>) -> Self {
        Self {
            image: Image::Bytes(image.into()),
            options: Options::default(),
        }
    }

    /// A request for an image already in base64 (as Yoti's face capture module hands it
    /// over), sent as given. The local checks decode it first.
    pub fn from_base64(image: impl Into<String>) -> Self {
        Self {
            image: Image::Base64(image.into()),
            options: Options::default(),
        }
    }

    common_setters!();

    pub(crate) fn prepare(
        self,
        endpoint: AgeEndpoint,
        checks: Checks<'_>,
    ) -> Result<Prepared, Error> {
        prepare(self.image, None, self.options, endpoint, checks)
    }
}

/// A threshold check, `/age-verify` or `/age-antispoofing-verify`: an image, an age
/// threshold and an operator (default [`Operator::Over`]).
///
/// Run it with [`AgeClient::age_verify`](crate::AgeClient::age_verify) or
/// [`age_antispoofing_verify`](crate::AgeClient::age_antispoofing_verify).
#[derive(Clone, Debug)]
#[must_use = "a request does nothing until a client runs it"]
pub struct Verify {
    image: Image,
    threshold: u32,
    operator: Operator,
    options: Options,
}

impl Verify {
    /// A check of this image (JPEG or PNG bytes) against `threshold` years, operator `OVER`.
    pub fn new(image: impl Into<Bytes>, threshold: u32) -> Self {
        Self {
            image: Image::Bytes(image.into()),
            threshold,
            operator: Operator::Over,
            options: Options::default(),
        }
    }

    /// A check of an image already in base64, sent as given.
    pub fn from_base64(image: impl Into<String>, threshold: u32) -> Self {
        Self {
            image: Image::Base64(image.into()),
            threshold,
            operator: Operator::Over,
            options: Options::default(),
        }
    }

    /// How to compare the estimate with the threshold (default `OVER`).
    pub fn operator(mut self, operator: Operator) -> Self {
        self.operator = operator;
        self
    }

    common_setters!();

    pub(crate) fn prepare(
        self,
        endpoint: AgeEndpoint,
        checks: Checks<'_>,
    ) -> Result<Prepared, Error> {
        prepare(
            self.image,
            Some((self.threshold, self.operator)),
            self.options,
            endpoint,
            checks,
        )
    }
}

/// The client's settings a request needs.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Checks<'a> {
    pub(crate) enabled: bool,
    pub(crate) limits: &'a ImageLimits,
    pub(crate) terminal_id: Option<&'a str>,
}

/// A request ready to sign: the exact body bytes, the query flags and the headers.
#[derive(Debug)]
pub(crate) struct Prepared {
    pub(crate) endpoint: AgeEndpoint,
    pub(crate) body: Bytes,
    pub(crate) secure: bool,
    pub(crate) multiframe: bool,
    pub(crate) headers: Vec<(HeaderName, HeaderValue)>,
    pub(crate) call: RequestOptions,
    pub(crate) image_len: usize,
}

fn prepare(
    image: Image,
    verify: Option<(u32, Operator)>,
    options: Options,
    endpoint: AgeEndpoint,
    checks: Checks<'_>,
) -> Result<Prepared, Error> {
    let check = options.local_checks.unwrap_or(checks.enabled);
    let image_len = match &image {
        Image::Bytes(bytes) => {
            if check {
                checks.limits.check(bytes)?;
            }
            bytes.len()
        }
        Image::Base64(text) => {
            if check {
                let bytes = BASE64_INPUT.decode(text.as_bytes()).map_err(|e| {
                    ImageCheckError::new(
                        AgeErrorCode::InvalidB64Image,
                        format!("the image is not valid base64: {e}"),
                    )
                })?;
                checks.limits.check(&bytes)?;
                bytes.len()
            } else {
                text.len() / 4 * 3
            }
        }
    };

    // Every field but the image goes through the yoti-types model and its rules. Raw bytes
    // are encoded straight into the body afterwards (see `splice_body`); until then `img`
    // holds a stand-in, and the two rules about `img` are applied to its encoded length.
    let (img, raw) = match image {
        Image::Bytes(bytes) => {
            let encoded = base64::encoded_len(bytes.len(), true).unwrap_or(usize::MAX);
            check_img_len(encoded)?;
            ("A".to_owned(), Some(bytes))
        }
        Image::Base64(text) => (text, None),
    };
    let mut request = AgeRequest::new(img);
    if let Some((threshold, operator)) = verify {
        request = request.set_threshold(threshold).set_operator(operator);
    }
    if let Some(device) = options.device {
        request = request.set_device(device);
    }
    if let Some(level) = options.level_of_assurance {
        request = request.set_level_of_assurance(level);
    }
    if let Some(level) = options.img_validation_level {
        request = request.set_img_validation_level(level);
    }
    if let Some(secure) = options.secure {
        request = request.set_secure(secure);
    }
    request.validate_for(endpoint)?;
    let secure = request.is_secure();
    if options.multiframe && !secure {
        return Err(ValidationError::Invalid {
            field: "multiframe".into(),
            reason: "only a secure capture (with a `secure` object) is multi-frame".into(),
        }
        .into());
    }

    let mut headers = Vec::new();
    let terminal_id = options.terminal_id.as_deref().or(checks.terminal_id);
    for (name, field, value) in [
        (TERMINAL_ID, "terminal_id", terminal_id),
        (SESSION_ID, "session_id", options.session_id.as_deref()),
    ] {
        if let Some(value) = value {
            let value = HeaderValue::try_from(value).map_err(|_| ValidationError::Invalid {
                field: field.into(),
                reason: "not a valid HTTP header value".into(),
            })?;
            headers.push((name, value));
        }
    }

    let body = match raw {
        Some(bytes) => splice_body(request, &bytes)?,
        None => to_json(&request)?,
    };
    Ok(Prepared {
        endpoint,
        body: Bytes::from(body),
        secure,
        multiframe: options.multiframe,
        headers,
        call: options.call,
        image_len,
    })
}

/// The rules [`AgeRequest::validate_for`] applies to `img`, on the length of its base64.
fn check_img_len(encoded: usize) -> Result<(), ValidationError> {
    if encoded == 0 {
        return Err(ValidationError::Empty {
            field: "img".into(),
        });
    }
    if encoded > MAX_IMG_BASE64_LEN {
        return Err(ValidationError::OutOfRange {
            field: "img".into(),
            value: format!("{encoded} base64 characters"),
            expected: "at most 2 MiB of base64 (the service refuses bodies over 2 MB)".into(),
        });
    }
    Ok(())
}

/// The JSON body, with the image's base64 written in place: one allocation, no copy of the
/// 2 MB string, no escaping scan (base64 never needs escaping). Byte-identical to
/// `serde_json::to_vec` of the request with `img` set (a unit test pins it).
fn splice_body(mut request: AgeRequest, image: &[u8]) -> Result<Vec<u8>, Error> {
    const HEAD: &[u8] = br#"{"img":""#;
    let encoded = base64::encoded_len(image.len(), true).unwrap_or(usize::MAX);
    request.img = String::new();
    let rest = to_json(&request)?;
    match rest.strip_prefix(HEAD) {
        Some(rest) if rest.starts_with(b"\"") => {
            let mut body = Vec::with_capacity(HEAD.len() + encoded + rest.len());
            body.extend_from_slice(HEAD);
            let at = body.len();
            body.resize(at + encoded, 0);
            let written = BASE64_INPUT
                .encode_slice(image, &mut body[at..])
                .map_err(|e| ValidationError::Invalid {
                    field: "img".into(),
                    reason: format!("cannot be encoded: {e}").into(),
                })?;
            body.truncate(at + written);
            body.extend_from_slice(rest);
            Ok(body)
        }
        // Not the shape expected (the model changed): the plain way.
        _ => {
            request.img = BASE64_INPUT.encode(image);
            to_json(&request)
        }
    }
}

fn to_json(request: &AgeRequest) -> Result<Vec<u8>, Error> {
    serde_json::to_vec(request).map_err(|e| {
        Error::Validation(ValidationError::Invalid {
            field: "body".into(),
            reason: format!("cannot be serialized: {e}").into(),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unchecked() -> Checks<'static> {
        Checks {
            enabled: false,
            limits: &ImageLimits::REFERENCE,
            terminal_id: Some("default-terminal"),
        }
    }

    #[test]
    fn the_spliced_body_is_exactly_what_serde_writes() {
        let image = vec![0xFFu8, 0xD8, 0xFF, 1, 2, 3, 250, 251];
        let prepared = Verify::new(image.clone(), 21)
            .operator(Operator::Under)
            .device(Device::Laptop)
            .prepare(AgeEndpoint::AgeAntispoofingVerify, unchecked())
            .unwrap();
        let expected = AgeRequest::verify(BASE64_INPUT.encode(&image), 21, Operator::Under)
            .set_device(Device::Laptop);
        assert_eq!(prepared.body, serde_json::to_vec(&expected).unwrap());
        assert_eq!(
            std::str::from_utf8(&prepared.body).unwrap(),
            r#"{"img":"/9j/AQID+vs=","threshold":21,"operator":"UNDER","metadata":{"device":"laptop"}}"#
        );
        assert_eq!(prepared.headers[0].1, "default-terminal");
        assert!(!prepared.secure && !prepared.multiframe);
    }

    #[test]
    fn base64_input_is_sent_as_given_and_escaped_if_needed() {
        let prepared = Estimate::from_base64("ab\"c")
            .terminal_id("t")
            .session_id("s")
            .prepare(AgeEndpoint::Age, unchecked())
            .unwrap();
        assert_eq!(&prepared.body[..], br#"{"img":"ab\"c"}"#);
        let names: Vec<_> = prepared.headers.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["terminal-id", "session-id"]);
    }

    #[test]
    fn rules_are_checked_before_anything_is_sent() {
        let e = Estimate::new(vec![1u8])
            .multiframe(true)
            .prepare(AgeEndpoint::Age, unchecked())
            .unwrap_err();
        assert!(matches!(e, Error::Validation(_)), "{e:?}");
        let e = Verify::new(vec![1u8], 0)
            .prepare(AgeEndpoint::AgeVerify, unchecked())
            .unwrap_err();
        assert!(matches!(e, Error::Validation(_)), "{e:?}");
        let e = Estimate::new(vec![1u8])
            .session_id("bad\nvalue")
            .prepare(AgeEndpoint::Age, unchecked())
            .unwrap_err();
        assert!(matches!(e, Error::Validation(_)), "{e:?}");
        let e = Estimate::new(vec![0u8; 1_600_000])
            .prepare(AgeEndpoint::Age, unchecked())
            .unwrap_err();
        assert!(
            matches!(e, Error::Validation(ValidationError::OutOfRange { .. })),
            "{e:?}"
        );
        let e = Estimate::new(Vec::<u8>::new())
            .prepare(AgeEndpoint::Age, unchecked())
            .unwrap_err();
        assert!(
            matches!(e, Error::Validation(ValidationError::Empty { .. })),
            "{e:?}"
        );
        let e = Estimate::from_base64("!!not base64!!")
            .with_local_checks(true)
            .prepare(AgeEndpoint::Age, unchecked())
            .unwrap_err();
        assert_eq!(e.code(), Some(&AgeErrorCode::InvalidB64Image));
    }

    #[test]
    fn secure_captures_set_the_query_flags_and_debug_hides_secrets() {
        let request = Estimate::new(vec![1u8, 2, 3])
            .secure(serde_json::json!({"version": "1", "token": "tok-secret"}))
            .multiframe(true);
        let debug = format!("{request:?}");
        assert!(
            !debug.contains("tok-secret") && debug.contains("<3 image bytes>"),
            "{debug}"
        );
        let prepared = request.prepare(AgeEndpoint::Age, unchecked()).unwrap();
        assert!(prepared.secure && prepared.multiframe);
    }
}
