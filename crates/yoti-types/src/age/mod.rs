//! Age Estimation models: requests and answers of the five endpoints, error codes.
//!
//! The service lives under `https://api.yoti.com/ai/v1` and has five `POST` endpoints, named
//! by [`AgeEndpoint`]. All take the same JSON body, [`AgeRequest`]; what they answer depends
//! on the endpoint:
//!
//! | endpoint | answer |
//! |---|---|
//! | `/age` | [`AgeEstimate`] `{"age": 43.2, "st_dev": 4.4}` |
//! | `/antispoofing` | [`AntispoofingResponse`] `{"prediction": "real"}` |
//! | `/age-antispoofing` | [`AgeAntispoofingResponse`] `{"age": {..}, "antispoofing": {..}}` |
//! | `/age-verify` | [`AgeCheckResult`] `{"age_check": "pass"}` |
//! | `/age-antispoofing-verify` | [`AgeAntispoofingVerifyResponse`] `{"age": {"age_check": ..}, "antispoofing": {..}}` |
//!
//! Failures answer [`AgeErrorBody`] with an [`AgeErrorCode`].
//!
//! ```
//! use yoti_types::age::{AgeEndpoint, AgeRequest, Device, Operator};
//!
//! let request = AgeRequest::verify("/9j/4AAQSkZJRg...", 18, Operator::Over)
//!     .set_device(Device::Mobile);
//! request.validate_for(AgeEndpoint::AgeVerify)?;
//! assert_eq!(
//!     serde_json::to_string(&request)?,
//!     r#"{"img":"/9j/4AAQSkZJRg...","threshold":18,"operator":"OVER","metadata":{"device":"mobile"}}"#,
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod error;
mod request;
mod response;

pub use error::{AgeErrorBody, AgeErrorCode};
pub use request::{
    AGE_THRESHOLD_RANGE, AgeEndpoint, AgeRequest, Device, ImgValidationLevel, LevelOfAssurance,
    MAX_IMG_BASE64_LEN, Metadata, Operator,
};
pub use response::{
    AgeAntispoofingResponse, AgeAntispoofingVerifyResponse, AgeCheck, AgeCheckResult, AgeEstimate,
    AgeVerifyResponse, AntispoofingResponse, AntispoofingResult, LegacyAgeEstimate, Prediction,
};
