//! What building and signing an Age Estimation request costs, for a 1.5 MB JPEG, against the
//! least any client must spend on those bytes: base64 plus SHA-256.
//!
//! `cargo bench -p yoti-age`. Prints medians of several runs and the ratio (target <= 1.3).
//!
//! The SDK's cost, `signed_estimate`: the local image checks (headers only), base64 of the
//! image, the JSON body, and the signature, which by Yoti's protocol covers
//! `POST&/age?nonce=..&timestamp=..&BASE64(body)`: a second base64 (of the 2 MB body) and a
//! SHA-256 of the 2.67 MB message, then one RSA-2048 operation. The breakdown shows each
//! part measured alone, so the ratio can be read against the protocol's own floor.

use std::hint::black_box;
use std::time::{Duration, Instant};

use base64::Engine as _;
use yoti_age::{AgeClient, Estimate, PrivateKey, models::AgeEndpoint};

const IMAGE_LEN: usize = 1_500_000;
const RUNS: usize = 41;

/// A 1.5 MB JPEG: 960x800 pixels of noise (about 1.4 MB of real entropy at quality 90),
/// padded to exactly 1,500,000 bytes with an APP15 segment as EXIF data would be.
fn jpeg() -> Vec<u8> {
    let (w, h) = (960u16, 800u16);
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let pixels: Vec<u8> = (0..usize::from(w) * usize::from(h) * 3)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 32) as u8
        })
        .collect();
    let encode = |pad: usize| {
        let mut out = Vec::new();
        let mut encoder = jpeg_encoder::Encoder::new(&mut out, 90);
        let mut left = pad;
        while left > 0 {
            let take = left.min(65_537);
            encoder
                .add_app_segment(15, vec![0; take - 4])
                .expect("segment");
            left -= take;
        }
        encoder
            .encode(&pixels, w, h, jpeg_encoder::ColorType::Rgb)
            .expect("encodes");
        out
    };
    let natural = encode(0);
    assert!(natural.len() + 4 <= IMAGE_LEN, "{}", natural.len());
    let image = encode(IMAGE_LEN - natural.len());
    assert_eq!(image.len(), IMAGE_LEN);
    image
}

fn median(mut f: impl FnMut()) -> Duration {
    for _ in 0..3 {
        f();
    }
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[RUNS / 2]
}

fn ms(d: Duration) -> String {
    if d < Duration::from_micros(100) {
        format!("{:8.3} µs", d.as_secs_f64() * 1e6)
    } else {
        format!("{:8.3} ms", d.as_secs_f64() * 1e3)
    }
}

fn main() {
    // `cargo test --benches` runs this once as a smoke test; keep that fast.
    let quick = std::env::args().any(|a| a == "--test");
    let image = bytes::Bytes::from(jpeg());
    let key = PrivateKey::generate(2048).expect("key");
    let client = AgeClient::builder()
        .sdk_id("bench-sdk-id")
        .key(key.clone())
        .build()
        .expect("client");
    let b64 = base64::engine::general_purpose::STANDARD;

    // Same output as the SDK's: check it once.
    let request = client
        .signed_estimate(AgeEndpoint::Age, Estimate::new(image.clone()))
        .expect("signs");
    let body_len = request.body().len();
    if quick {
        println!("bench sign: ok (body {body_len} bytes)");
        return;
    }

    let sdk = median(|| {
        let request = client
            .signed_estimate(AgeEndpoint::Age, Estimate::new(image.clone()))
            .expect("signs");
        black_box(request);
    });
    let baseline = median(|| {
        let encoded = b64.encode(&image);
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &image);
        black_box((encoded, digest));
    });

    // The parts, alone.
    let body = request.body().clone();
    let message_len = 64 + body.len().div_ceil(3) * 4;
    let b64_image = median(|| {
        black_box(b64.encode(&image));
    });
    let sha_image = median(|| {
        black_box(aws_lc_rs::digest::digest(
            &aws_lc_rs::digest::SHA256,
            &image,
        ));
    });
    let b64_body = median(|| {
        black_box(b64.encode(&body));
    });
    let message = vec![b'A'; message_len];
    let sha_message = median(|| {
        black_box(aws_lc_rs::digest::digest(
            &aws_lc_rs::digest::SHA256,
            &message,
        ));
    });
    let rsa = median(|| {
        black_box(
            key.sign_pkcs1_sha256(b"POST&/age?nonce=x&timestamp=1")
                .expect("signs"),
        );
    });
    let checks = median(|| {
        black_box(
            yoti_age::ImageLimits::default()
                .check(&image)
                .expect("valid"),
        );
    });
    let floor = b64_image + b64_body + sha_message + rsa;

    println!("Age Estimation: build + sign a request for a {IMAGE_LEN}-byte JPEG");
    println!(
        "  (medians of {RUNS} runs; body {body_len} bytes; signed message {message_len} bytes)"
    );
    println!();
    println!(
        "  SDK, signed_estimate (checks + base64 + JSON + sign) {}",
        ms(sdk)
    );
    println!(
        "  baseline, base64 + SHA-256 of the image alone       {}",
        ms(baseline)
    );
    println!(
        "  ratio SDK / baseline                                 {:8.2}   (target <= 1.3)",
        ratio(sdk, baseline)
    );
    println!();
    println!("  breakdown, each part alone:");
    println!(
        "    local image checks (headers)                       {}",
        ms(checks)
    );
    println!(
        "    base64 of the image (1.5 MB)                       {}",
        ms(b64_image)
    );
    println!(
        "    SHA-256 of the image (1.5 MB)                      {}",
        ms(sha_image)
    );
    println!(
        "    base64 of the body, for the signed message (2 MB)  {}",
        ms(b64_body)
    );
    println!(
        "    SHA-256 of the signed message (2.67 MB)            {}",
        ms(sha_message)
    );
    println!(
        "    RSA-2048 PKCS#1 v1.5 signature                     {}",
        ms(rsa)
    );
    println!(
        "  protocol floor (the four parts any client must do)   {}",
        ms(floor)
    );
    println!(
        "  ratio SDK / protocol floor                           {:8.2}",
        ratio(sdk, floor)
    );
    // The machine-readable summary `cargo xtask bench` collects.
    println!(
        "BENCH name=age-sign value={:.3} unit=ms ratio={:.3} target=ratio<=1.3 \
         | SDK signed_estimate of a 1.5 MB JPEG / base64 + SHA-256 of the image (medians)",
        sdk.as_secs_f64() * 1e3,
        ratio(sdk, baseline)
    );
    println!(
        "BENCH name=age-sign-vs-floor value={:.3} unit=ms ratio={:.3} target=none \
         | SDK signed_estimate / the protocol floor (base64 of image and body, SHA-256 of the \
         signed message, one RSA-2048 signature)",
        sdk.as_secs_f64() * 1e3,
        ratio(sdk, floor)
    );
}

fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64()
}
