//! Age test images: the image's content (not its name) decides the Age Estimation answer,
//! through the SDK against the emulator, like a card processor's test card numbers.

use yoti_age::{
    Estimate, Verify,
    models::{AgeErrorCode, Operator, Prediction},
};
use yoti_emulator::test_images::{AgeTestImage, age};
use yoti_tests::{age_client, emulator};

#[tokio::test]
async fn test_images_yield_their_age_fake_or_error() {
    let (emu, _) = emulator().await;
    let client = age_client(&emu);

    for years in [12u8, 17, 18, 25, 64] {
        let estimate = client
            .age(Estimate::new(age(&AgeTestImage::Age(years))))
            .await
            .unwrap();
        assert_eq!(estimate.age, f64::from(years));
        assert_eq!(estimate.st_dev, 1.0);
    }
    // A threshold check follows the chosen age.
    let seventeen = age(&AgeTestImage::Age(17));
    let over_18 = client
        .age_verify(Verify::new(seventeen, 18).operator(Operator::Over))
        .await
        .unwrap();
    assert_eq!(serde_json::to_value(&over_18).unwrap()["age_check"], "fail");

    let fake = client
        .age_antispoofing(Estimate::new(age(&AgeTestImage::Fake(30))))
        .await
        .unwrap();
    assert_eq!(fake.antispoofing.prediction, Prediction::Fake);
    assert_eq!(fake.age.age, 30.0);

    for code in [
        AgeErrorCode::FaceNotFound,
        AgeErrorCode::MultipleFaces,
        AgeErrorCode::ImageTooDark,
        AgeErrorCode::FailPrediction,
    ] {
        let err = client
            .age(Estimate::new(age(&AgeTestImage::Error(code.clone()))))
            .await
            .unwrap_err();
        assert_eq!(err.code(), Some(&code), "{err}");
    }
}
