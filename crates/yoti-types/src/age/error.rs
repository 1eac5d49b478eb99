//! The error body of the Age Estimation endpoints and its codes.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Declares [`AgeErrorCode`] from one table, so that the variants, their HTTP statuses and
/// their messages cannot drift apart.
macro_rules! age_error_codes {
    ($( $variant:ident = $wire:literal => $status:literal, $message:literal; )+) => {
        open_enum! {
            /// The `error_code` of an Age Estimation error body.
            ///
            /// Every code of Yoti's reference table is a variant; any other code (the service
            /// has `SECURE_*` codes beyond the table) parses into
            /// [`Unknown`](Self::Unknown) and keeps its string.
            pub enum AgeErrorCode {
                $(
                    #[doc = concat!("`", $wire, "` (HTTP ", stringify!($status), "): ", $message)]
                    $variant = $wire,
                )+
            }
        }

        impl AgeErrorCode {
            /// The HTTP status the service answers with this code, from Yoti's reference
            /// table; `None` for a code this crate does not know.
            pub fn http_status(&self) -> Option<u16> {
                match self {
                    $( Self::$variant => Some($status), )+
                    Self::Unknown(_) => None,
                }
            }

            /// The message Yoti's reference gives for this code (worded by us where the
            /// table leaves it blank); `None` for a code this crate does not know.
            pub fn default_message(&self) -> Option<&'static str> {
                match self {
                    $( Self::$variant => Some($message), )+
                    Self::Unknown(_) => None,
                }
            }
        }
    };
}

age_error_codes! {
    AppNotFound = "APP_NOT_FOUND" => 404, "Application app_id not found.";
    InvalidXYotiAuthId = "INVALID_X_YOTI_AUTH_ID" => 401,
        "X-Yoti-Auth-Id header not provided, or not a valid UUID.";
    InvalidAppId = "INVALID_APP_ID" => 400, "Application id cannot be empty.";
    InvalidPublicKey = "INVALID_PUBLIC_KEY" => 400, "Application public key cannot be empty.";
    DisabledAppState = "DISABLED_APP_STATE" => 403, "Application must be enabled.";
    InvalidOrgId = "INVALID_ORG_ID" => 400, "Organisation id cannot be empty.";
    InvalidBillingSourceId = "INVALID_BILLING_SOURCE_ID" => 400,
        "Application billing source id cannot be empty.";
    OrgNotFound = "ORG_NOT_FOUND" => 404, "Organisation org_id not found.";
    InvalidYotiAuthDigest = "INVALID_YOTI_AUTH_DIGEST" => 401,
        "X-Yoti-Auth-Digest header missing, or not base64 encoded.";
    InvalidNonce = "INVALID_NONCE" => 401, "Nonce missing, or not a valid UUID.";
    InvalidTimestamp = "INVALID_TIMESTAMP" => 401,
        "Timestamp missing, or not a valid Unix timestamp.";
    InvalidPublicKeyEncoding = "INVALID_PUBLIC_KEY_ENCODING" => 401,
        "Failed to load public key. key is not der encoded.";
    UnsupportedAlgorithm = "UNSUPPORTED_ALGORITHM" => 401,
        "Serialised key is of a type that is not supported by the backend.";
    InvalidSignature = "INVALID_SIGNATURE" => 401, "Failed to verify signature.";
    InvalidOrgStatus = "INVALID_ORG_STATUS" => 403, "Organisation has an invalid status.";
    InvalidMetadataDevice = "INVALID_METADATA_DEVICE" => 404, "Invalid device metadata provided.";
    InvalidBodyEncoding = "INVALID_BODY_ENCODING" => 400, "Request body should be a valid JSON.";
    InvalidEndpoint = "INVALID_ENDPOINT" => 404, "The endpoint request is invalid.";
    PayloadTooLarge = "PAYLOAD_TOO_LARGE" => 413, "Payload too large.";
    ImageNotProvided = "IMAGE_NOT_PROVIDED" => 400, "Image has not been provided.";
    InvalidB64Image = "INVALID_B64_IMAGE" => 400, "Cannot read the base64 image.";
    UnsupportedImageFormat = "UNSUPPORTED_IMAGE_FORMAT" => 400,
        "Image format not supported. Please use JPEGs (95 to 100 quality) and PNGs.";
    ImageSizeTooBig = "IMAGE_SIZE_TOO_BIG" => 400,
        "Image size too big, the maximum size is 1.5MB.";
    ImageSizeTooSmall = "IMAGE_SIZE_TOO_SMALL" => 400,
        "Image size too small, the minimum size is 50KB.";
    MinHeight = "MIN_HEIGHT" => 400,
        "The image height is incorrect. Image minimum height required is 300 pixels.";
    MaxHeight = "MAX_HEIGHT" => 400,
        "The image height is incorrect. Image maximum height required is 2000 pixels.";
    MinWidth = "MIN_WIDTH" => 400,
        "The image width is incorrect. Image minimum width required is 300 pixels.";
    MaxWidth = "MAX_WIDTH" => 400,
        "The image width is incorrect. Image maximum width required is 2000 pixels.";
    MinPixels = "MIN_PIXELS" => 400,
        "To process the image the minimum number of pixels required is 90,000 pixels.";
    MaxPixels = "MAX_PIXELS" => 400,
        "To process the image the maximum number of pixels required is 2,100,000 pixels.";
    ImageWrongChannels = "IMAGE_WRONG_CHANNELS" => 400,
        "Missing colour channel, the input image must be RGB or RGBA.";
    ImageGrayscaleNotSupported = "IMAGE_GRAYSCALE_NOT_SUPPORTED" => 400,
        "Grayscale images not supported.";
    ServiceUnavailable = "SERVICE_UNAVAILABLE" => 503, "The service is temporarily unavailable.";
    FaceNotFound = "FACE_NOT_FOUND" => 400, "Face not found.";
    MultipleFaces = "MULTIPLE_FACES" => 400, "Multiple faces in the image provided.";
    FaceBoxTooSmall = "FACE_BOX_TOO_SMALL" => 400, "The face in the image provided is too small.";
    FaceToImageRatioTooLow = "FACE_TO_IMAGE_RATIO_TOO_LOW" => 400,
        "Face ratio is lower than the minimum ratio.";
    FaceToImageRatioTooHigh = "FACE_TO_IMAGE_RATIO_TOO_HIGH" => 400,
        "Face ratio is bigger than the maximum ratio.";
    InsufficientAreaAroundTheFace = "INSUFFICIENT_AREA_AROUND_THE_FACE" => 400,
        "Insufficient area around the face in the image provided.";
    ImageTooBright = "IMAGE_TOO_BRIGHT" => 400, "Image too bright.";
    ImageTooDark = "IMAGE_TOO_DARK" => 400, "Image too dark.";
    InvalidLevelOfAssurance = "INVALID_LEVEL_OF_ASSURANCE" => 400,
        "Invalid antispoofing level of assurance provided.";
    InvalidRequestBody = "INVALID_REQUEST_BODY" => 400,
        "Request body is invalid, '-' field is invalid.";
    InvalidImgValidationLevel = "INVALID_IMG_VALIDATION_LEVEL" => 400,
        "The image validation level is invalid.";
    Unauthorized = "UNAUTHORIZED" => 401,
        "The X-Yoti-Auth-Id provided isn't authorized to access this resource.";
    FailPrediction = "FAIL_PREDICTION" => 500, "The prediction failed.";
    UnspecifiedError = "UNSPECIFIED_ERROR" => 500, "An internal server error occurred.";
    SecureRequestIsEmpty = "SECURE_REQUEST_IS_EMPTY" => 400, "Secure request field is empty.";
    SecureSessionNotFound = "SECURE_SESSION_NOT_FOUND" => 400, "Secure session not found.";
    SecureSignatureNotFound = "SECURE_SIGNATURE_NOT_FOUND" => 400, "Secure signature not found.";
    SecureVersionNotFound = "SECURE_VERSION_NOT_FOUND" => 400, "Secure version not found.";
    InvalidSecureSignature = "INVALID_SECURE_SIGNATURE" => 400,
        "Failed to verify secure session signature.";
    SecureVerificationNotFound = "SECURE_VERIFICATION_NOT_FOUND" => 400,
        "Secure verification not found.";
    UntrustedSecureSession = "UNTRUSTED_SECURE_SESSION" => 400, "Untrusted secure session.";
    InvalidSecureSession = "INVALID_SECURE_SESSION" => 401, "Invalid secure session token.";
}

impl AgeErrorCode {
    /// Whether a retry of the same request may succeed: `SERVICE_UNAVAILABLE` ("the service
    /// is temporarily unavailable") only. The reference does not say that repeating a
    /// `FAIL_PREDICTION` or an `UNSPECIFIED_ERROR` can succeed, and a prediction that failed
    /// for an image fails again for the same image; every other code is about the request.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::ServiceUnavailable)
    }
}

/// The error body of the Age Estimation endpoints:
/// `{"error_code": "FACE_NOT_FOUND", "error_message": "Face not found."}`.
///
/// Parsed leniently: `code` and `message` are accepted for `error_code` and `error_message`,
/// either may be missing (a proxy in front of the service may answer `{"message": ".."}`),
/// and other members are kept in `extra`. It serializes with the documented names.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AgeErrorBody {
    /// The error code.
    #[serde(default, alias = "code", skip_serializing_if = "Option::is_none")]
    pub error_code: Option<AgeErrorCode>,
    /// The human-readable message.
    #[serde(default, alias = "message", skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    /// Members this crate does not model, kept as received.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl AgeErrorBody {
    /// A body with `code` and its default message (none for an unknown code).
    pub fn new(code: AgeErrorCode) -> Self {
        Self {
            error_message: code.default_message().map(str::to_owned),
            error_code: Some(code),
            extra: Map::new(),
        }
    }

    /// Replaces the message.
    #[must_use]
    pub fn set_error_message(mut self, message: impl Into<String>) -> Self {
        self.error_message = Some(message.into());
        self
    }

    /// The error code, if the body has one.
    pub fn code(&self) -> Option<&AgeErrorCode> {
        self.error_code.as_ref()
    }

    /// The message, if the body has one.
    pub fn message(&self) -> Option<&str> {
        self.error_message.as_deref()
    }
}
