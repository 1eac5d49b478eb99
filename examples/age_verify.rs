//! Age Estimation through the `yoti` facade against the in-process emulator.
//!
//! `cargo run --example age_verify`: no configuration, no network beyond loopback. In
//! production, build the client with `yoti::Client::from_env()` (YOTI_CLIENT_SDK_ID,
//! YOTI_KEY_FILE_PATH, YOTI_AGE_API_URL) and send a real face image.

use yoti::age::{Estimate, Verify, models::Operator};
use yoti::emulator::{Emulator, test_images};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let key = yoti::PrivateKey::generate(2048)?;
    let emulator = Emulator::builder()
        .app("age-example", key.public_key())
        .start()
        .await?;
    let yoti = yoti::Client::builder()
        .sdk_id("age-example")
        .key(key)
        .emulator_url(&emulator.base_url())
        .build()?;
    let client = yoti.age();

    // A real JPEG of the size the service accepts (50 KB to 1.5 MB, 300 to 2000 px a side).
    let image = test_images::jpeg(600, 600, 42);

    let estimate = client.age(Estimate::new(image.clone())).await?;
    println!(
        "POST /age: age {:.1}, st_dev {:.1}",
        estimate.age, estimate.st_dev
    );

    for threshold in [18, 75] {
        let check = client
            .age_verify(Verify::new(image.clone(), threshold).operator(Operator::Over))
            .await?;
        println!("POST /age-verify OVER {threshold}: {}", check.age_check);
    }

    let both = client
        .age_antispoofing(Estimate::new(image.clone()))
        .await?;
    println!(
        "POST /age-antispoofing: age {:.1}, prediction {}",
        both.age.age, both.antispoofing.prediction
    );

    // Refused before sending, with the code the service would answer.
    match client
        .age(Estimate::new(test_images::png(100, 100, 1)))
        .await
    {
        Err(e) => println!(
            "a 100x100 image: {} (sent: {})",
            e.code().map_or("?", |c| c.as_str()),
            !e.is_not_sent()
        ),
        Ok(answer) => println!("unexpectedly accepted: {answer:?}"),
    }
    emulator.shutdown().await;
    Ok(())
}
