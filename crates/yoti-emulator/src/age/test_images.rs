//! Age test images, like a card processor's test card numbers: an image whose content (never
//! its name) asks for an outcome, so that a front end can demo every answer without the
//! admin route.
//!
//! The rule reads four 64×64 squares along the image's top edge (the middle 48×48 of each,
//! averaged, so JPEG compression does not matter):
//!
//! | square | colour | meaning |
//! |---|---|---|
//! | 1 (x 0–63) | magenta `#ff00ff` | this is a test image |
//! | 2 (x 64–127) | green `#00ff00` / red `#ff0000` / blue `#0000ff` | an age / an age, predicted `FAKE` / an error |
//! | 3 (x 128–191) | grey `20·d + 10` | the tens digit `d` of the age; for an error, its index |
//! | 4 (x 192–255) | grey `20·d + 10` | the units digit `d` of the age |
//!
//! Errors by index: 0 `FACE_NOT_FOUND`, 1 `MULTIPLE_FACES`, 2 `FACE_BOX_TOO_SMALL`,
//! 3 `FACE_TO_IMAGE_RATIO_TOO_LOW`, 4 `FACE_TO_IMAGE_RATIO_TOO_HIGH`,
//! 5 `INSUFFICIENT_AREA_AROUND_THE_FACE`, 6 `IMAGE_TOO_BRIGHT`, 7 `IMAGE_TOO_DARK`,
//! 8 `FAIL_PREDICTION`, 9 `SERVICE_UNAVAILABLE`.
//!
//! An image without the marker gets the emulator's usual estimate (derived from its bytes).
//! A forced outcome set through the admin route wins over a test image.

use yoti_types::age::AgeErrorCode;

/// The side of a square.
const SQUARE: usize = 64;
/// How far a channel may be from the colour it stands for.
const TOLERANCE: i32 = 40;

/// What a test image asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum AgeTestImage {
    /// An estimate of this age (0 to 99), predicted real.
    Age(u8),
    /// An estimate of this age (0 to 99), predicted fake by antispoofing.
    Fake(u8),
    /// This error (one of the ten listed in the emulator's README).
    Error(AgeErrorCode),
}

/// The errors a test image can ask for, by index.
pub(crate) const ERRORS: [AgeErrorCode; 10] = [
    AgeErrorCode::FaceNotFound,
    AgeErrorCode::MultipleFaces,
    AgeErrorCode::FaceBoxTooSmall,
    AgeErrorCode::FaceToImageRatioTooLow,
    AgeErrorCode::FaceToImageRatioTooHigh,
    AgeErrorCode::InsufficientAreaAroundTheFace,
    AgeErrorCode::ImageTooBright,
    AgeErrorCode::ImageTooDark,
    AgeErrorCode::FailPrediction,
    AgeErrorCode::ServiceUnavailable,
];

const MAGENTA: [i32; 3] = [255, 0, 255];
const GREEN: [i32; 3] = [0, 255, 0];
const RED: [i32; 3] = [255, 0, 0];
const BLUE: [i32; 3] = [0, 0, 255];

fn grey(digit: u8) -> [i32; 3] {
    let g = 20 * i32::from(digit.min(9)) + 10;
    [g, g, g]
}

/// The mean colour of the middle of square `index` of an RGB image.
fn mean(rgb: &[u8], width: usize, index: usize) -> [i32; 3] {
    let mut sum = [0i64; 3];
    let mut n = 0i64;
    for y in 8..SQUARE - 8 {
        for x in index * SQUARE + 8..(index + 1) * SQUARE - 8 {
            let at = (y * width + x) * 3;
            for (c, s) in sum.iter_mut().enumerate() {
                *s += i64::from(rgb[at + c]);
            }
            n += 1;
        }
    }
    sum.map(|s| i32::try_from(s / n.max(1)).unwrap_or(0))
}

fn near(colour: [i32; 3], target: [i32; 3]) -> bool {
    colour
        .iter()
        .zip(target)
        .all(|(c, t)| (c - t).abs() <= TOLERANCE)
}

fn digit(colour: [i32; 3]) -> Option<u8> {
    let spread = colour.iter().max()? - colour.iter().min()?;
    if spread > TOLERANCE {
        return None;
    }
    let g = (colour[0] + colour[1] + colour[2]) / 3;
    u8::try_from((g / 20).clamp(0, 9)).ok()
}

/// Reads the rule from the top rows of an image's RGB pixels (`width` wide, 3 bytes a pixel,
/// at least 64 rows).
pub(crate) fn read(rgb: &[u8], width: u32) -> Option<AgeTestImage> {
    let w = width as usize;
    if w < 4 * SQUARE || rgb.len() < w * SQUARE * 3 {
        return None;
    }
    if !near(mean(rgb, w, 0), MAGENTA) {
        return None;
    }
    let kind = mean(rgb, w, 1);
    let tens = digit(mean(rgb, w, 2))?;
    let units = digit(mean(rgb, w, 3))?;
    let age = tens * 10 + units;
    if near(kind, GREEN) {
        Some(AgeTestImage::Age(age))
    } else if near(kind, RED) {
        Some(AgeTestImage::Fake(age))
    } else if near(kind, BLUE) {
        Some(AgeTestImage::Error(ERRORS[usize::from(tens)].clone()))
    } else {
        None
    }
}

/// Paints the squares of `wanted` on an RGB image (at least 256 × 64).
pub(crate) fn paint(rgb: &mut [u8], width: u32, wanted: &AgeTestImage) {
    let w = width as usize;
    let (kind, tens, units) = match wanted {
        AgeTestImage::Age(a) => (GREEN, a / 10 % 10, a % 10),
        AgeTestImage::Fake(a) => (RED, a / 10 % 10, a % 10),
        AgeTestImage::Error(code) => {
            let index = ERRORS.iter().position(|e| e == code).unwrap_or(0);
            (BLUE, u8::try_from(index).unwrap_or(0), 0)
        }
    };
    for (index, colour) in [MAGENTA, kind, grey(tens), grey(units)]
        .into_iter()
        .enumerate()
    {
        for y in 0..SQUARE {
            for x in index * SQUARE..(index + 1) * SQUARE {
                let at = (y * w + x) * 3;
                if at + 2 < rgb.len() {
                    for (c, v) in colour.iter().enumerate() {
                        rgb[at + c] = u8::try_from(*v).unwrap_or(0);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_image(bytes: &[u8]) -> Option<AgeTestImage> {
        let info = crate::images::inspect(bytes).unwrap();
        read(info.top_rows.as_deref().unwrap(), info.width)
    }

    fn round_trip(wanted: AgeTestImage) {
        let jpeg = crate::images::age_test_jpeg(640, 640, &wanted);
        assert!(jpeg.len() > 50_000, "big enough for the age service");
        assert_eq!(read_image(&jpeg), Some(wanted));
    }

    #[test]
    fn the_rule_survives_jpeg() {
        for age in [0, 7, 17, 18, 21, 25, 42, 99] {
            round_trip(AgeTestImage::Age(age));
        }
        round_trip(AgeTestImage::Fake(30));
        for code in ERRORS {
            round_trip(AgeTestImage::Error(code));
        }
    }

    #[test]
    fn ordinary_images_are_not_test_images() {
        for seed in 0..5 {
            assert_eq!(read_image(&crate::images::jpeg(640, 640, seed)), None);
            assert_eq!(read_image(&crate::images::png(300, 300, seed)), None);
        }
    }
}
