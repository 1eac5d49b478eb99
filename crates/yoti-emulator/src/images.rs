//! Images: generated pictures (for answers and tests) and a real decode to inspect uploads.
//!
//! The emulator reads what it receives with full decoders (`zune-jpeg`, `png`), not with
//! header peeking: it is the independent check of the SDKs' cheaper local checks. A decode
//! may take ~100 MB and a second of CPU, so handlers run it through [`decode_bounded`]: on
//! the blocking pool, at most [`MAX_CONCURRENT_DECODES`] at once, the others waiting.
//! Truncated images do not decode (the decoders alone would fill in the missing part).

use std::io::Cursor;

use zune_jpeg::JpegDecoder;
use zune_jpeg::zune_core::colorspace::ColorSpace;
use zune_jpeg::zune_core::options::DecoderOptions;

/// The image formats the emulator reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ImageFormat {
    Jpeg,
    Png,
}

/// How the pixels are stored, as the file declares it (a PNG palette is reported as the
/// colour it expands to).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Colour {
    /// Red, green, blue (JPEG YCbCr or RGB, PNG truecolour or palette).
    Rgb,
    /// RGB with alpha (PNG truecolour with alpha, or a palette with transparency).
    Rgba,
    /// One grey channel (JPEG single component, PNG greyscale).
    Grey,
    /// Grey with alpha (PNG).
    GreyAlpha,
    /// Four ink channels (JPEG CMYK or YCCK).
    Cmyk,
    /// Any other number of components.
    Other,
}

/// What [`inspect`] learnt from a full decode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ImageInfo {
    pub(crate) format: ImageFormat,
    pub(crate) width: u32,
    pub(crate) height: u32,
    /// The declared colour model.
    pub(crate) colour: Colour,
    /// The number of channels the file stores (CMYK: 4, palette: 1).
    pub(crate) channels: u8,
    /// Whether every pixel is grey: a grey colour model, or colour channels that are all
    /// equal (within 2 levels, for JPEG rounding) in every pixel.
    pub(crate) greyscale: bool,
    /// The RGB pixels (3 bytes each) of the top [`TOP_ROWS`] rows, once decoded (for the
    /// age test images' rule).
    pub(crate) top_rows: Option<Vec<u8>>,
}

/// How many rows of pixels [`inspect`] keeps.
pub(crate) const TOP_ROWS: u32 = 64;

/// The top [`TOP_ROWS`] rows of `pixels` (`stride` bytes a pixel) as RGB.
fn top_rgb(pixels: &[u8], stride: usize, width: u32) -> Vec<u8> {
    let count = width as usize * TOP_ROWS as usize;
    pixels
        .chunks_exact(stride)
        .take(count)
        .flat_map(|p| [p[0], p[1], p[2]])
        .collect()
}

/// The largest image [`inspect`] decodes, in pixels (about 100 MB of RGBA).
pub(crate) const MAX_DECODE_PIXELS: u64 = 25_000_000;

/// How many decodes run at once, in the whole process.
pub(crate) const MAX_CONCURRENT_DECODES: usize = 2;

static DECODES: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(MAX_CONCURRENT_DECODES);

/// Runs `decode` on the blocking pool once one of the [`MAX_CONCURRENT_DECODES`] slots is
/// free (the slot is held until it returns, even if the request is dropped meanwhile).
///
/// # Errors
/// A message when the decode task panicked.
pub(crate) async fn decode_bounded<T: Send + 'static>(
    decode: impl FnOnce() -> T + Send + 'static,
) -> Result<T, String> {
    let permit = DECODES
        .acquire()
        .await
        .map_err(|_| "the decoder is shut down".to_owned())?;
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        decode()
    })
    .await
    .map_err(|e| format!("the decode failed: {e}"))
}

/// Whether a JPEG ends its last scan with an end-of-image marker. Entropy-coded data
/// escapes `0xFF`, so `FF D9` after the last start-of-scan (`FF DA`) is the real marker.
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let last = |marker: u8| bytes.windows(2).rposition(|w| w == [0xFF, marker]);
    match (last(0xDA), last(0xD9)) {
        (Some(scan), Some(end)) => end > scan,
        _ => false,
    }
}

/// The format named by the first bytes, if JPEG or PNG.
pub(crate) fn sniff(bytes: &[u8]) -> Option<ImageFormat> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(ImageFormat::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(ImageFormat::Png)
    } else {
        None
    }
}

/// Reads the header only: format, dimensions and declared colour (`greyscale` then says only
/// whether the colour model is grey).
///
/// # Errors
/// A message when the bytes are not a readable JPEG or PNG header.
pub(crate) fn header(bytes: &[u8]) -> Result<ImageInfo, String> {
    match sniff(bytes) {
        Some(ImageFormat::Jpeg) => {
            let mut decoder = JpegDecoder::new(bytes);
            decoder
                .decode_headers()
                .map_err(|e| format!("not a readable JPEG: {e:?}"))?;
            let info = decoder.info().ok_or("the JPEG has no frame header")?;
            let (colour, channels) = match info.components {
                1 => (Colour::Grey, 1),
                3 => (Colour::Rgb, 3),
                4 => (Colour::Cmyk, 4),
                n => (Colour::Other, n),
            };
            Ok(ImageInfo {
                format: ImageFormat::Jpeg,
                width: u32::from(info.width),
                height: u32::from(info.height),
                colour,
                channels,
                greyscale: matches!(colour, Colour::Grey),
                top_rows: None,
            })
        }
        Some(ImageFormat::Png) => {
            let mut decoder = png::Decoder::new(Cursor::new(bytes));
            let info = decoder
                .read_header_info()
                .map_err(|e| format!("not a readable PNG: {e}"))?;
            let (colour, channels) = match info.color_type {
                png::ColorType::Grayscale => (Colour::Grey, 1),
                png::ColorType::GrayscaleAlpha => (Colour::GreyAlpha, 2),
                png::ColorType::Rgb => (Colour::Rgb, 3),
                png::ColorType::Rgba => (Colour::Rgba, 4),
                // Whether a palette has transparency is only known after the header.
                png::ColorType::Indexed => (Colour::Rgb, 1),
            };
            Ok(ImageInfo {
                format: ImageFormat::Png,
                width: info.width,
                height: info.height,
                colour,
                channels,
                greyscale: matches!(colour, Colour::Grey | Colour::GreyAlpha),
                top_rows: None,
            })
        }
        None => Err("neither a JPEG nor a PNG".into()),
    }
}

/// Decodes the whole image and reports what it is, including whether its pixels are grey.
///
/// # Errors
/// A message when the bytes are not a JPEG or PNG, do not decode, or are larger than
/// [`MAX_DECODE_PIXELS`].
pub(crate) fn inspect(bytes: &[u8]) -> Result<ImageInfo, String> {
    let mut info = header(bytes)?;
    let pixels = u64::from(info.width) * u64::from(info.height);
    if pixels > MAX_DECODE_PIXELS {
        return Err(format!(
            "{}x{} is too large to decode here",
            info.width, info.height
        ));
    }
    match info.format {
        ImageFormat::Jpeg => {
            let options = DecoderOptions::default()
                .set_max_width(usize::MAX >> 1)
                .set_max_height(usize::MAX >> 1)
                .jpeg_set_out_colorspace(ColorSpace::RGB);
            let mut decoder = JpegDecoder::new_with_options(bytes, options);
            let rgb = decoder
                .decode()
                .map_err(|e| format!("the JPEG does not decode: {e:?}"))?;
            if !jpeg_is_complete(bytes) {
                return Err("the JPEG is truncated: its scan has no end-of-image marker".into());
            }
            if info.colour == Colour::Rgb {
                info.greyscale = all_grey(&rgb, 3, 2);
            }
            info.top_rows = Some(top_rgb(&rgb, 3, info.width));
        }
        ImageFormat::Png => {
            let mut decoder = png::Decoder::new(Cursor::new(bytes));
            decoder.set_transformations(png::Transformations::normalize_to_color8());
            let mut reader = decoder
                .read_info()
                .map_err(|e| format!("the PNG does not decode: {e}"))?;
            let size = reader
                .output_buffer_size()
                .ok_or("the PNG is too large to decode")?;
            let mut pixels = vec![0; size];
            let frame = reader
                .next_frame(&mut pixels)
                .map_err(|e| format!("the PNG does not decode: {e}"))?;
            let stride = match frame.color_type {
                png::ColorType::Rgb => Some(3),
                png::ColorType::Rgba => Some(4),
                _ => None,
            };
            if reader.info().color_type == png::ColorType::Indexed && stride == Some(4) {
                info.colour = Colour::Rgba;
            }
            match reader.finish() {
                Ok(()) | Err(png::DecodingError::Parameter(_)) => {}
                Err(e) => return Err(format!("the PNG is truncated: {e}")),
            }
            if let Some(stride) = stride {
                info.greyscale = all_grey(&pixels[..frame.buffer_size()], stride, 0);
                info.top_rows = Some(top_rgb(&pixels[..frame.buffer_size()], stride, info.width));
            }
        }
    }
    Ok(info)
}

/// Whether every pixel's first three channels are equal within `tolerance`.
fn all_grey(pixels: &[u8], stride: usize, tolerance: u8) -> bool {
    pixels
        .chunks_exact(stride)
        .all(|p| p[0].abs_diff(p[1]) <= tolerance && p[1].abs_diff(p[2]) <= tolerance)
}

// The generators are the API the IDV emulator reuses for its media; only tests use them yet.

/// Deterministic RGB pixels: a soft diagonal gradient whose hues depend on `seed`, with a
/// little noise so that the picture compresses like a photograph rather than a flat fill.
fn pixels(width: u32, height: u32, seed: u64) -> Vec<u8> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let base = [rng.u8(..), rng.u8(..), rng.u8(..)];
    let (w, h) = (width.max(1) as usize, height.max(1) as usize);
    let mut out = Vec::with_capacity(w * h * 3);
    for y in 0..h {
        for x in 0..w {
            let ramp = ((x * 160 / w) + (y * 96 / h)) as u8;
            for (c, b) in base.iter().enumerate() {
                let noise = rng.u8(..16);
                let shift = [0u8, 64, 128][c];
                out.push(b.wrapping_add(ramp.wrapping_add(shift)).wrapping_add(noise));
            }
        }
    }
    out
}

/// A colour JPEG of `width` x `height` (each at most 65,535) whose content depends on `seed`.
pub(crate) fn jpeg(width: u32, height: u32, seed: u64) -> Vec<u8> {
    let (w, h) = (
        u16::try_from(width).unwrap_or(u16::MAX),
        u16::try_from(height).unwrap_or(u16::MAX),
    );
    let data = pixels(u32::from(w), u32::from(h), seed);
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 90)
        .encode(&data, w, h, jpeg_encoder::ColorType::Rgb)
        .expect("a valid RGB buffer encodes");
    out
}

/// A colour JPEG of `width` x `height` (at least 256 x 64) that asks the age service for
/// `wanted` (the rule in `crate::age::test_images`).
pub(crate) fn age_test_jpeg(
    width: u32,
    height: u32,
    wanted: &crate::age::test_images::AgeTestImage,
) -> Vec<u8> {
    let (w, h) = (
        u16::try_from(width).unwrap_or(u16::MAX),
        u16::try_from(height).unwrap_or(u16::MAX),
    );
    let mut data = pixels(u32::from(w), u32::from(h), 7);
    crate::age::test_images::paint(&mut data, u32::from(w), wanted);
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 90)
        .encode(&data, w, h, jpeg_encoder::ColorType::Rgb)
        .expect("a valid RGB buffer encodes");
    out
}

/// A colour (RGB) PNG of `width` x `height` whose content depends on `seed`.
pub(crate) fn png(width: u32, height: u32, seed: u64) -> Vec<u8> {
    let data = pixels(width, height, seed);
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, width.max(1), height.max(1));
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().expect("writing to a Vec");
        writer
            .write_image_data(&data)
            .expect("a valid RGB buffer encodes");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_images_inspect_as_what_they_are() {
        let jpeg = jpeg(320, 240, 7);
        let info = inspect(&jpeg).unwrap();
        assert_eq!(
            (info.format, info.width, info.height),
            (ImageFormat::Jpeg, 320, 240)
        );
        assert_eq!((info.colour, info.greyscale), (Colour::Rgb, false));
        assert_eq!(jpeg, super::jpeg(320, 240, 7), "deterministic");
        assert_ne!(jpeg, super::jpeg(320, 240, 8), "seeded");

        let png = png(300, 301, 1);
        let info = inspect(&png).unwrap();
        assert_eq!(
            (
                info.format,
                info.width,
                info.height,
                info.colour,
                info.channels
            ),
            (ImageFormat::Png, 300, 301, Colour::Rgb, 3)
        );
        assert!(!info.greyscale);
    }

    #[test]
    fn grey_content_in_colour_channels_is_seen() {
        let grey: Vec<u8> = (0..64 * 64).flat_map(|i| [(i % 251) as u8; 3]).collect();
        let mut out = Vec::new();
        jpeg_encoder::Encoder::new(&mut out, 95)
            .encode(&grey, 64, 64, jpeg_encoder::ColorType::Rgb)
            .unwrap();
        let info = inspect(&out).unwrap();
        assert_eq!((info.colour, info.greyscale), (Colour::Rgb, true));

        let mut luma = Vec::new();
        jpeg_encoder::Encoder::new(&mut luma, 95)
            .encode(&[128; 64 * 64], 64, 64, jpeg_encoder::ColorType::Luma)
            .unwrap();
        let info = inspect(&luma).unwrap();
        assert_eq!(
            (info.colour, info.channels, info.greyscale),
            (Colour::Grey, 1, true)
        );
    }

    #[test]
    fn other_bytes_are_refused() {
        assert!(inspect(b"GIF89a....").is_err());
        assert!(inspect(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 2]).is_err());
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n"), Some(ImageFormat::Png));
    }
}
