//! Test images, generated at test time: JPEG or PNG of a given size, colour model and, when
//! asked, an exact byte length.
//!
//! Content is a soft gradient plus seeded noise of a chosen amplitude: the amplitude sets how
//! well the image compresses (0: a few KB; 255: about as large as raw pixels). An exact byte
//! length is reached by padding: JPEG with APP15 segments, PNG with a private ancillary chunk
//! (`paDd`), both of which every decoder skips, as it skips EXIF or ICC data.

/// The container format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// JPEG (baseline, quality 90).
    Jpeg,
    /// PNG (8 bits per channel).
    Png,
}

/// How the pixels are stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Colour {
    /// Three colour channels (JPEG YCbCr, PNG truecolour).
    Rgb,
    /// RGB with alpha (PNG; a JPEG drops the alpha and is RGB).
    Rgba,
    /// A PNG palette of 256 colours.
    Palette,
    /// One grey channel (JPEG 1 component, PNG greyscale).
    Grey,
    /// Grey with alpha (PNG).
    GreyAlpha,
    /// Four ink channels (JPEG only, Adobe CMYK).
    Cmyk,
    /// Three colour channels whose values are equal in every pixel: colour storage, grey
    /// content.
    GreyInRgb,
}

/// What to generate.
#[derive(Clone, Copy, Debug)]
pub struct Spec {
    /// The format.
    pub format: Format,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// The colour model.
    pub colour: Colour,
    /// Noise amplitude, 0..=255.
    pub noise: u8,
    /// Pad to exactly this many bytes (panics if the image is already larger).
    pub len: Option<usize>,
    /// Seeds the content.
    pub seed: u64,
}

impl Spec {
    /// A low-noise RGB JPEG of `width` x `height`, unpadded.
    pub fn jpeg(width: u32, height: u32) -> Self {
        Self {
            format: Format::Jpeg,
            width,
            height,
            colour: Colour::Rgb,
            noise: 6,
            len: None,
            seed: 1,
        }
    }

    /// A low-noise RGB PNG of `width` x `height`, unpadded.
    pub fn png(width: u32, height: u32) -> Self {
        Self {
            format: Format::Png,
            ..Self::jpeg(width, height)
        }
    }

    /// Sets the colour model.
    pub fn colour(mut self, colour: Colour) -> Self {
        self.colour = colour;
        self
    }

    /// Sets the noise amplitude.
    pub fn noise(mut self, noise: u8) -> Self {
        self.noise = noise;
        self
    }

    /// Pads to exactly `len` bytes.
    pub fn len(mut self, len: usize) -> Self {
        self.len = Some(len);
        self
    }

    /// Sets the seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The image.
    pub fn build(self) -> Vec<u8> {
        generate(self)
    }
}

/// xorshift64*: enough randomness for noise, no dependency.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn byte(&mut self) -> u8 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 56) as u8
    }
}

/// `channels` bytes per pixel of content.
fn pixels(spec: &Spec, channels: usize) -> Vec<u8> {
    let (w, h) = (spec.width as usize, spec.height as usize);
    let mut rng = Rng::new(spec.seed);
    let mut out = Vec::with_capacity(w * h * channels);
    let noise = |rng: &mut Rng| {
        if spec.noise == 0 {
            0
        } else {
            rng.byte() % spec.noise.saturating_add(1).max(1)
        }
    };
    for y in 0..h {
        for x in 0..w {
            let ramp = (x * 150 / w.max(1) + y * 90 / h.max(1)) as u8;
            match spec.colour {
                Colour::Grey | Colour::GreyAlpha | Colour::GreyInRgb => {
                    let v = ramp.wrapping_add(40).wrapping_add(noise(&mut rng));
                    let grey_channels = match spec.colour {
                        Colour::GreyInRgb => 3,
                        _ => 1,
                    };
                    out.extend(std::iter::repeat_n(v, grey_channels));
                    if spec.colour == Colour::GreyAlpha {
                        out.push(255 - (ramp / 4));
                    }
                }
                Colour::Palette => out.push(ramp.wrapping_add(noise(&mut rng))),
                _ => {
                    for c in 0..3u8 {
                        let v = ramp
                            .wrapping_add(c.wrapping_mul(70))
                            .wrapping_add(noise(&mut rng));
                        out.push(v);
                    }
                    if channels == 4 {
                        out.push(match spec.colour {
                            Colour::Cmyk => 30u8.wrapping_add(noise(&mut rng)),
                            _ => 255 - (ramp / 4),
                        });
                    }
                }
            }
        }
    }
    out
}

fn generate(spec: Spec) -> Vec<u8> {
    // A padding shorter than a segment header cannot be written: nudge the content.
    for attempt in 0..16u64 {
        let spec = Spec {
            seed: spec.seed.wrapping_add(attempt * 7919),
            ..spec
        };
        let natural = encode(&spec, 0);
        let Some(len) = spec.len else {
            return natural;
        };
        assert!(
            natural.len() <= len,
            "{spec:?}: the image is already {} bytes; lower the noise or the size",
            natural.len()
        );
        let pad = len - natural.len();
        let min = match spec.format {
            Format::Jpeg => 4,
            Format::Png => 12,
        };
        if pad == 0 {
            return natural;
        }
        if pad >= min {
            let padded = encode(&spec, pad);
            assert_eq!(padded.len(), len, "{spec:?}");
            return padded;
        }
    }
    panic!("{spec:?}: cannot reach the exact length");
}

fn encode(spec: &Spec, pad: usize) -> Vec<u8> {
    match spec.format {
        Format::Jpeg => encode_jpeg(spec, pad),
        Format::Png => encode_png(spec, pad),
    }
}

fn encode_jpeg(spec: &Spec, pad: usize) -> Vec<u8> {
    use jpeg_encoder::ColorType;
    let (colour, channels) = match spec.colour {
        Colour::Rgb | Colour::GreyInRgb => (ColorType::Rgb, 3),
        Colour::Rgba => (ColorType::Rgba, 4),
        Colour::Grey => (ColorType::Luma, 1),
        Colour::Cmyk => (ColorType::Cmyk, 4),
        Colour::Palette | Colour::GreyAlpha => {
            panic!("JPEG has no {:?} model", spec.colour)
        }
    };
    let data = pixels(spec, channels);
    let mut out = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut out, 90);
    if pad > 0 {
        // Segments of marker (2) + length (2) + up to 65,533 data bytes.
        let segments = pad.div_ceil(65_537);
        let mut data_left = pad - 4 * segments;
        for i in 0..segments {
            let take = data_left / (segments - i);
            data_left -= take;
            encoder
                .add_app_segment(15, vec![0x5A; take])
                .expect("a valid APP15 segment");
        }
    }
    let (w, h) = (
        u16::try_from(spec.width).expect("JPEG width"),
        u16::try_from(spec.height).expect("JPEG height"),
    );
    encoder.encode(&data, w, h, colour).expect("JPEG encodes");
    out
}

fn encode_png(spec: &Spec, pad: usize) -> Vec<u8> {
    let (colour, channels) = match spec.colour {
        Colour::Rgb | Colour::GreyInRgb => (png::ColorType::Rgb, 3),
        Colour::Rgba => (png::ColorType::Rgba, 4),
        Colour::Palette => (png::ColorType::Indexed, 1),
        Colour::Grey => (png::ColorType::Grayscale, 1),
        Colour::GreyAlpha => (png::ColorType::GrayscaleAlpha, 2),
        Colour::Cmyk => panic!("PNG has no CMYK model"),
    };
    let data = pixels(spec, channels);
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, spec.width, spec.height);
        encoder.set_color(colour);
        encoder.set_depth(png::BitDepth::Eight);
        if colour == png::ColorType::Indexed {
            let palette: Vec<u8> = (0..=255u8)
                .flat_map(|i| [i, i.wrapping_mul(3), 255 - i])
                .collect();
            encoder.set_palette(palette);
        }
        let mut writer = encoder.write_header().expect("PNG header");
        if pad > 0 {
            writer
                .write_chunk(png::chunk::ChunkType(*b"paDd"), &vec![0x5A; pad - 12])
                .expect("a padding chunk");
        }
        writer.write_image_data(&data).expect("PNG encodes");
    }
    out
}

/// A valid image for Age Estimation: a 640x480 RGB JPEG of exactly 120,000 bytes.
pub fn valid_jpeg() -> Vec<u8> {
    Spec::jpeg(640, 480).len(120_000).build()
}

/// A valid RGB JPEG of 640x480 whose content depends on `seed` (so its estimate does too).
pub fn valid_jpeg_seeded(seed: u64) -> Vec<u8> {
    Spec::jpeg(640, 480).seed(seed).len(120_000).build()
}

/// An image the service refuses for exactly one reason, and the code it answers.
#[derive(Debug)]
pub struct Failing {
    /// The code the service answers (as its wire string).
    pub code: &'static str,
    /// What is wrong, for messages.
    pub what: &'static str,
    /// The image.
    pub bytes: Vec<u8>,
}

/// One failing image per rule of Yoti's table that a header shows, each breaking that rule
/// only (`MIN_PIXELS` is not among them: with 300 px sides at least, an image has 90,000
/// pixels at least, so it cannot fail alone).
pub fn failing() -> Vec<Failing> {
    let case = |code, what, bytes| Failing { code, what, bytes };
    let mut gif = b"GIF89a\x90\x01\x90\x01\x80\0\0".to_vec();
    gif.resize(60_000, 0);
    vec![
        case("IMAGE_NOT_PROVIDED", "no bytes", Vec::new()),
        case("UNSUPPORTED_IMAGE_FORMAT", "a GIF of 60 KB", gif),
        case(
            "IMAGE_SIZE_TOO_BIG",
            "an 800x600 JPEG of 1,500,001 bytes",
            Spec::jpeg(800, 600).len(1_500_001).build(),
        ),
        case(
            "IMAGE_SIZE_TOO_SMALL",
            "a 640x480 JPEG of 49,999 bytes",
            Spec::jpeg(640, 480).noise(0).len(49_999).build(),
        ),
        case(
            "MIN_HEIGHT",
            "a 640x299 JPEG",
            Spec::jpeg(640, 299).len(80_000).build(),
        ),
        case(
            "MAX_HEIGHT",
            "a 400x2001 JPEG",
            Spec::jpeg(400, 2001).len(250_000).build(),
        ),
        case(
            "MIN_WIDTH",
            "a 299x640 PNG",
            Spec::png(299, 640).len(400_000).build(),
        ),
        case(
            "MAX_WIDTH",
            "a 2001x400 JPEG",
            Spec::jpeg(2001, 400).len(250_000).build(),
        ),
        case(
            "MAX_PIXELS",
            "a 1500x1500 JPEG (2,250,000 pixels)",
            Spec::jpeg(1500, 1500).len(600_000).build(),
        ),
        case(
            "IMAGE_WRONG_CHANNELS",
            "a 640x480 CMYK JPEG",
            Spec::jpeg(640, 480)
                .colour(Colour::Cmyk)
                .len(120_000)
                .build(),
        ),
        case(
            "IMAGE_GRAYSCALE_NOT_SUPPORTED",
            "a 640x480 greyscale JPEG",
            Spec::jpeg(640, 480)
                .colour(Colour::Grey)
                .len(120_000)
                .build(),
        ),
        case(
            "IMAGE_GRAYSCALE_NOT_SUPPORTED",
            "a 400x400 grey+alpha PNG",
            Spec::png(400, 400)
                .colour(Colour::GreyAlpha)
                .len(400_000)
                .build(),
        ),
    ]
}

/// Images the service accepts, at and inside every limit.
pub fn valid() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("a 640x480 JPEG of 120,000 bytes", valid_jpeg()),
        (
            "a 300x300 JPEG of exactly 50,000 bytes (both minimums)",
            Spec::jpeg(300, 300).len(50_000).build(),
        ),
        (
            "a 2000x1050 JPEG of exactly 1,500,000 bytes (max side, max pixels, max bytes)",
            Spec::jpeg(2000, 1050).len(1_500_000).build(),
        ),
        (
            "a 900x800 JPEG of pure noise (about 1.3 MB of real entropy, unpadded)",
            Spec::jpeg(900, 800).noise(255).build(),
        ),
        (
            "a 400x400 RGB PNG",
            Spec::png(400, 400).noise(40).len(500_000).build(),
        ),
        (
            "a 400x400 RGBA PNG",
            Spec::png(400, 400)
                .colour(Colour::Rgba)
                .noise(40)
                .len(600_000)
                .build(),
        ),
        (
            "a 400x400 palette PNG",
            Spec::png(400, 400)
                .colour(Colour::Palette)
                .noise(40)
                .len(200_000)
                .build(),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_lengths_are_reached() {
        for len in [50_000, 50_003, 120_000, 200_001] {
            assert_eq!(Spec::jpeg(320, 320).len(len).build().len(), len);
            assert_eq!(
                Spec::png(320, 320).len(len + 200_000).build().len(),
                len + 200_000
            );
        }
    }
}
