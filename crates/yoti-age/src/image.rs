//! Local image checks: what the service would refuse, found before any byte is sent.
//!
//! Only headers are read (the signature for the format, `imagesize` for the dimensions, the
//! JPEG frame header or PNG `IHDR` for the colour model), never the pixels, so a check costs microseconds
//! whatever the image size. The price: an image stored as RGB whose pixels are all grey passes
//! here and is refused by the service (`IMAGE_GRAYSCALE_NOT_SUPPORTED`); so does an image whose
//! header is fine but whose data is corrupt (`UNSUPPORTED_IMAGE_FORMAT`).

use std::fmt;

use yoti_types::age::AgeErrorCode;

/// An image format the service accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ImageFormat {
    /// JPEG (any SOF: baseline, progressive, ...).
    Jpeg,
    /// PNG.
    Png,
}

/// How an image stores its pixels, as its header declares it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ColourType {
    /// Red, green, blue: a 3-component JPEG (YCbCr or RGB) or a truecolour PNG.
    Rgb,
    /// RGB with alpha: a truecolour PNG with alpha.
    Rgba,
    /// A palette PNG: expands to RGB or RGBA, accepted.
    Palette,
    /// One grey channel: a 1-component JPEG or a greyscale PNG.
    Grey,
    /// Grey with alpha (PNG).
    GreyAlpha,
    /// A 4-component JPEG: CMYK or YCCK.
    Cmyk,
    /// A JPEG with another number of components.
    Other {
        /// The number of components.
        components: u8,
    },
}

impl ColourType {
    /// Whether this is a colour model the service accepts: RGB, RGBA or a palette.
    pub fn is_rgb(self) -> bool {
        matches!(self, Self::Rgb | Self::Rgba | Self::Palette)
    }

    /// Whether this is a grey model (with or without alpha).
    pub fn is_greyscale(self) -> bool {
        matches!(self, Self::Grey | Self::GreyAlpha)
    }
}

/// What the header of an image says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ImageInfo {
    /// The format.
    pub format: ImageFormat,
    /// The size of the file, in bytes.
    pub byte_len: usize,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// The colour model.
    pub colour: ColourType,
}

impl ImageInfo {
    /// Reads the header of a JPEG or PNG.
    ///
    /// # Errors
    /// `IMAGE_NOT_PROVIDED` for no bytes, `UNSUPPORTED_IMAGE_FORMAT` for anything that is not
    /// a JPEG or PNG with a readable header.
    pub fn read(bytes: &[u8]) -> Result<Self, ImageCheckError> {
        let format = sniff(bytes)?;
        read_header(bytes, format)
    }

    /// Width times height.
    pub fn pixels(&self) -> u64 {
        u64::from(self.width) * u64::from(self.height)
    }
}

/// The limits the local checks apply. [`Default`] is Yoti's reference table; change a field
/// if Yoti changes a limit, or to relax one on purpose.
///
/// KB and MB are decimal (the 2 MB body limit leaves room for a 1,500,000-byte image, in
/// base64, in JSON; a 1.5 MiB one would not fit).
///
/// ```
/// use yoti_age::ImageLimits;
///
/// let limits = ImageLimits::default();
/// assert_eq!((limits.min_bytes, limits.max_bytes), (50_000, 1_500_000));
/// assert_eq!((limits.min_width, limits.max_width), (300, 2000));
/// assert_eq!((limits.min_pixels, limits.max_pixels), (90_000, 2_100_000));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ImageLimits {
    /// Smallest file, bytes (`IMAGE_SIZE_TOO_SMALL` below it).
    pub min_bytes: usize,
    /// Largest file, bytes (`IMAGE_SIZE_TOO_BIG` above it).
    pub max_bytes: usize,
    /// Smallest height, pixels (`MIN_HEIGHT`).
    pub min_height: u32,
    /// Largest height, pixels (`MAX_HEIGHT`).
    pub max_height: u32,
    /// Smallest width, pixels (`MIN_WIDTH`).
    pub min_width: u32,
    /// Largest width, pixels (`MAX_WIDTH`).
    pub max_width: u32,
    /// Fewest pixels (`MIN_PIXELS`). With the default side limits this one cannot fail:
    /// 300 x 300 is exactly 90,000.
    pub min_pixels: u64,
    /// Most pixels (`MAX_PIXELS`).
    pub max_pixels: u64,
}

impl Default for ImageLimits {
    fn default() -> Self {
        Self::REFERENCE
    }
}

impl ImageLimits {
    /// The limits of Yoti's reference table.
    pub const REFERENCE: Self = Self {
        min_bytes: 50_000,
        max_bytes: 1_500_000,
        min_height: 300,
        max_height: 2000,
        min_width: 300,
        max_width: 2000,
        min_pixels: 90_000,
        max_pixels: 2_100_000,
    };

    /// Checks an image as the service would, in the service's order, and answers its header
    /// or the first rule broken:
    ///
    /// 1. not empty (`IMAGE_NOT_PROVIDED`);
    /// 2. JPEG or PNG (`UNSUPPORTED_IMAGE_FORMAT`);
    /// 3. byte size (`IMAGE_SIZE_TOO_BIG`, `IMAGE_SIZE_TOO_SMALL`);
    /// 4. a readable header (`UNSUPPORTED_IMAGE_FORMAT`);
    /// 5. height, then width (`MIN_HEIGHT`, `MAX_HEIGHT`, `MIN_WIDTH`, `MAX_WIDTH`);
    /// 6. pixel count (`MIN_PIXELS`, `MAX_PIXELS`);
    /// 7. RGB or RGBA: a CMYK/YCCK or other JPEG fails (`IMAGE_WRONG_CHANNELS`);
    /// 8. not a grey model (`IMAGE_GRAYSCALE_NOT_SUPPORTED`).
    ///
    /// # Errors
    /// The first rule broken, with the code the service answers for it.
    pub fn check(&self, bytes: &[u8]) -> Result<ImageInfo, ImageCheckError> {
        let format = sniff(bytes)?;
        if let Some(e) = self.size_violation(bytes.len()) {
            return Err(e);
        }
        let info = read_header(bytes, format)?;
        match self.violations(&info).into_iter().next() {
            Some(e) => Err(e),
            None => Ok(info),
        }
    }

    /// Every rule from step 3 of [`check`](Self::check) on that `info` breaks, in order.
    pub fn violations(&self, info: &ImageInfo) -> Vec<ImageCheckError> {
        use AgeErrorCode as C;
        let mut out = Vec::new();
        out.extend(self.size_violation(info.byte_len));
        let (w, h) = (info.width, info.height);
        let side = |code: C, what: &str, value: u32, bound: u32| {
            ImageCheckError::new(
                code,
                format!("the image is {value} px {what}; the limit is {bound} px"),
            )
        };
        if h < self.min_height {
            out.push(side(C::MinHeight, "high", h, self.min_height));
        }
        if h > self.max_height {
            out.push(side(C::MaxHeight, "high", h, self.max_height));
        }
        if w < self.min_width {
            out.push(side(C::MinWidth, "wide", w, self.min_width));
        }
        if w > self.max_width {
            out.push(side(C::MaxWidth, "wide", w, self.max_width));
        }
        let pixels = info.pixels();
        let count = |code: C, bound: u64| {
            ImageCheckError::new(
                code,
                format!("the image has {pixels} pixels ({w}x{h}); the limit is {bound}"),
            )
        };
        if pixels < self.min_pixels {
            out.push(count(C::MinPixels, self.min_pixels));
        }
        if pixels > self.max_pixels {
            out.push(count(C::MaxPixels, self.max_pixels));
        }
        if !info.colour.is_rgb() && !info.colour.is_greyscale() {
            out.push(ImageCheckError::new(
                C::ImageWrongChannels,
                format!(
                    "the image is {}; the service takes RGB or RGBA",
                    describe(info.colour)
                ),
            ));
        }
        if info.colour.is_greyscale() {
            out.push(ImageCheckError::new(
                C::ImageGrayscaleNotSupported,
                format!(
                    "the image is {}; the service takes colour images only",
                    describe(info.colour)
                ),
            ));
        }
        out
    }

    fn size_violation(&self, len: usize) -> Option<ImageCheckError> {
        let message = |bound: usize| {
            format!(
                "the image is {len} bytes; the service accepts {} to {} bytes (limit: {bound})",
                self.min_bytes, self.max_bytes
            )
        };
        if len > self.max_bytes {
            Some(ImageCheckError::new(
                AgeErrorCode::ImageSizeTooBig,
                message(self.max_bytes),
            ))
        } else if len < self.min_bytes {
            Some(ImageCheckError::new(
                AgeErrorCode::ImageSizeTooSmall,
                message(self.min_bytes),
            ))
        } else {
            None
        }
    }
}

fn describe(colour: ColourType) -> String {
    match colour {
        ColourType::Rgb => "RGB".into(),
        ColourType::Rgba => "RGBA".into(),
        ColourType::Palette => "a palette image".into(),
        ColourType::Grey => "greyscale".into(),
        ColourType::GreyAlpha => "greyscale with alpha".into(),
        ColourType::Cmyk => "CMYK (4 components)".into(),
        ColourType::Other { components } => format!("a {components}-component JPEG"),
    }
}

/// An image the service would refuse, found locally: the code the service would answer and
/// what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ImageCheckError {
    code: AgeErrorCode,
    message: String,
}

impl ImageCheckError {
    /// A failed check.
    pub fn new(code: AgeErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// The code the service would answer (`IMAGE_SIZE_TOO_SMALL`, `MAX_WIDTH`, ...).
    pub fn code(&self) -> &AgeErrorCode {
        &self.code
    }

    /// What is wrong, with the figures.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ImageCheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for ImageCheckError {}

fn sniff(bytes: &[u8]) -> Result<ImageFormat, ImageCheckError> {
    if bytes.is_empty() {
        return Err(ImageCheckError::new(
            AgeErrorCode::ImageNotProvided,
            "the image is empty",
        ));
    }
    // The signature decides, as in the emulator: a few bytes of JPEG are a JPEG (then too
    // small), not an unknown format.
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Ok(ImageFormat::Jpeg);
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Ok(ImageFormat::Png);
    }
    Err(unsupported(match imagesize::image_type(bytes) {
        Ok(other) => format!("the image is {other:?}; the service takes JPEG or PNG"),
        Err(_) => "the bytes are not an image format the service takes (JPEG or PNG)".into(),
    }))
}

fn unsupported(message: String) -> ImageCheckError {
    ImageCheckError::new(AgeErrorCode::UnsupportedImageFormat, message)
}

fn read_header(bytes: &[u8], format: ImageFormat) -> Result<ImageInfo, ImageCheckError> {
    let size = imagesize::blob_size(bytes)
        .map_err(|e| unsupported(format!("the image header cannot be read: {e}")))?;
    let colour = match format {
        ImageFormat::Jpeg => jpeg_colour(bytes)?,
        ImageFormat::Png => png_colour(bytes)?,
    };
    let side = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    Ok(ImageInfo {
        format,
        byte_len: bytes.len(),
        width: side(size.width),
        height: side(size.height),
        colour,
    })
}

/// The colour type byte of the `IHDR` chunk, which the PNG format puts first.
fn png_colour(bytes: &[u8]) -> Result<ColourType, ImageCheckError> {
    if bytes.get(12..16) != Some(b"IHDR") {
        return Err(unsupported(
            "the PNG does not start with its IHDR chunk".into(),
        ));
    }
    match bytes.get(25) {
        Some(0) => Ok(ColourType::Grey),
        Some(2) => Ok(ColourType::Rgb),
        Some(3) => Ok(ColourType::Palette),
        Some(4) => Ok(ColourType::GreyAlpha),
        Some(6) => Ok(ColourType::Rgba),
        Some(other) => Err(unsupported(format!(
            "the PNG colour type {other} is invalid"
        ))),
        None => Err(unsupported("the PNG header is truncated".into())),
    }
}

/// The number of components in the JPEG frame header (SOFn), found by walking the marker
/// segments before it.
fn jpeg_colour(bytes: &[u8]) -> Result<ColourType, ImageCheckError> {
    let truncated = || unsupported("the JPEG ends before its frame header".into());
    let mut at = 2; // after SOI
    loop {
        // A marker: one or more 0xFF, then its code.
        if bytes.get(at) != Some(&0xFF) {
            return Err(unsupported(
                "the JPEG has data where a marker is expected".into(),
            ));
        }
        while bytes.get(at) == Some(&0xFF) {
            at += 1;
        }
        let marker = *bytes.get(at).ok_or_else(truncated)?;
        at += 1;
        match marker {
            // Markers without a length.
            0x01 | 0xD0..=0xD8 => continue,
            0xD9 | 0xDA => {
                return Err(unsupported(
                    "the JPEG has no frame header before its data".into(),
                ));
            }
            _ => {}
        }
        let len = bytes
            .get(at..at + 2)
            .map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])))
            .ok_or_else(truncated)?;
        if len < 2 {
            return Err(unsupported("the JPEG has a malformed segment".into()));
        }
        // SOF0..SOF15, except DHT (C4), JPG (C8) and DAC (CC).
        if matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
            // length(2) precision(1) height(2) width(2) components(1)
            let components = *bytes.get(at + 7).ok_or_else(truncated)?;
            return Ok(match components {
                1 => ColourType::Grey,
                3 => ColourType::Rgb,
                4 => ColourType::Cmyk,
                n => ColourType::Other { components: n },
            });
        }
        at += len;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_images_are_unsupported_and_empty_is_not_provided() {
        let code = |b: &[u8]| ImageLimits::default().check(b).unwrap_err().code;
        assert_eq!(code(b""), AgeErrorCode::ImageNotProvided);
        assert_eq!(
            code(b"hello world, not an image"),
            AgeErrorCode::UnsupportedImageFormat
        );
        assert_eq!(
            code(b"GIF89a\x01\0\x01\0\0\0\0"),
            AgeErrorCode::UnsupportedImageFormat
        );
        assert_eq!(
            code(&[0xFF, 0xD8, 0xFF, 0xE0]),
            AgeErrorCode::ImageSizeTooSmall
        );
        // A JPEG start with no frame header, large enough to pass the size rule.
        let mut junk = vec![0xFF, 0xD8, 0xFF, 0xDA, 0, 4, 0, 0];
        junk.resize(60_000, 0);
        assert_eq!(code(&junk), AgeErrorCode::UnsupportedImageFormat);
    }

    #[test]
    fn jpeg_markers_are_walked_to_the_frame_header() {
        // SOI, APP0 (len 4), COM (len 3), fill byte, SOF2 with 4 components.
        let bytes = [
            0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 1, 2, 0xFF, 0xFE, 0, 3, 9, 0xFF, 0xFF, 0xC2, 0, 14, 8, 1,
            44, 1, 144, 4,
        ];
        assert_eq!(jpeg_colour(&bytes).unwrap(), ColourType::Cmyk);
        assert!(jpeg_colour(&bytes[..20]).is_err());
    }
}
