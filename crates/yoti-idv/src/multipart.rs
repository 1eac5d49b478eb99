//! Uploads: images checked before sending, and `multipart/form-data` bodies built by hand so
//! that the exact bytes sent are the bytes signed.

use std::fmt;

use bytes::{BufMut as _, Bytes, BytesMut};
use http::HeaderValue;
use yoti_types::ValidationError;

/// The part name Yoti expects for uploaded content.
pub(crate) const BINARY_CONTENT: &str = "binary-content";

/// The format of an [`Image`], sniffed from its first bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ImageFormat {
    /// JPEG (`FF D8 FF`).
    Jpeg,
    /// PNG (`89 50 4E 47 0D 0A 1A 0A`).
    Png,
}

impl ImageFormat {
    /// The format named by the first bytes, if JPEG or PNG.
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Self::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Self::Png)
        } else {
            None
        }
    }

    /// The media type: `image/jpeg` or `image/png`.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
        }
    }

    /// The usual file extension: `jpg` or `png`.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Png => "png",
        }
    }
}

/// An image to upload (a face capture, an ID document page, a liveness frame): JPEG or PNG,
/// checked from its bytes when it is made, so that nothing else is ever sent.
///
/// The upload carries it as the `binary-content` part, with its content type and a filename
/// (Yoti refuses a part without one): `image.jpg` or `image.png` unless set with
/// [`filename`](Self::filename).
#[derive(Clone, PartialEq, Eq)]
pub struct Image {
    bytes: Bytes,
    format: ImageFormat,
    filename: String,
}

impl fmt::Debug for Image {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the content: it is a picture of a person or of their document.
        f.debug_struct("Image")
            .field("format", &self.format)
            .field("len", &self.bytes.len())
            .field("filename", &self.filename)
            .finish()
    }
}

impl Image {
    /// Wraps the bytes of a JPEG or PNG image.
    ///
    /// # Errors
    /// [`ValidationError::Invalid`] (field `binary-content`) when the bytes are empty or are
    /// neither JPEG nor PNG: the service answers 415 to anything else.
    pub fn new(bytes: impl Into<Bytes>) -> Result<Self, ValidationError> {
        let bytes = bytes.into();
        let format = ImageFormat::sniff(&bytes).ok_or_else(|| ValidationError::Invalid {
            field: BINARY_CONTENT.into(),
            reason: if bytes.is_empty() {
                "the image is empty".into()
            } else {
                "the image is neither a JPEG nor a PNG (Yoti accepts image/jpeg and image/png)"
                    .into()
            },
        })?;
        Ok(Self {
            bytes,
            format,
            filename: format!("image.{}", format.extension()),
        })
    }

    /// Sets the filename sent in the part's `Content-Disposition` (its characters other than
    /// letters, digits, `.`, `-` and `_` are replaced by `_`).
    #[must_use]
    pub fn filename(mut self, name: &str) -> Self {
        let clean = sanitize_filename(name);
        if !clean.is_empty() {
            self.filename = clean;
        }
        self
    }

    /// The format sniffed from the bytes.
    pub fn format(&self) -> ImageFormat {
        self.format
    }

    /// The filename sent.
    pub fn file_name(&self) -> &str {
        &self.filename
    }

    /// The image bytes.
    pub fn bytes(&self) -> &Bytes {
        &self.bytes
    }

    pub(crate) fn part(&self) -> Part {
        Part {
            name: BINARY_CONTENT,
            filename: Some(self.filename.clone()),
            content_type: self.format.content_type(),
            data: self.bytes.clone(),
        }
    }
}

fn sanitize_filename(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// One part of a `multipart/form-data` body.
#[derive(Clone, Debug)]
pub(crate) struct Part {
    pub(crate) name: &'static str,
    pub(crate) filename: Option<String>,
    pub(crate) content_type: &'static str,
    pub(crate) data: Bytes,
}

/// A `multipart/form-data` body: the `Content-Type` header (with its boundary) and the exact
/// bytes to send and sign.
#[derive(Clone, Debug)]
pub(crate) struct Multipart {
    pub(crate) content_type: HeaderValue,
    pub(crate) body: Bytes,
}

/// Builds a multipart body with a random boundary that occurs in no part.
pub(crate) fn multipart(parts: &[Part]) -> Multipart {
    let mut rng = fastrand::Rng::new();
    loop {
        let boundary = format!("yoti-rs-{:032x}", rng.u128(..));
        if parts
            .iter()
            .all(|p| !contains(&p.data, boundary.as_bytes()))
        {
            return multipart_with_boundary(parts, &boundary);
        }
    }
}

/// Builds a multipart body with the given boundary (RFC 7578):
///
/// ```text
/// --BOUNDARY\r\n
/// Content-Disposition: form-data; name="binary-content"; filename="image.jpg"\r\n
/// Content-Type: image/jpeg\r\n
/// \r\n
/// <bytes>\r\n
/// --BOUNDARY--\r\n
/// ```
pub(crate) fn multipart_with_boundary(parts: &[Part], boundary: &str) -> Multipart {
    let size: usize = parts.iter().map(|p| p.data.len() + 160).sum::<usize>() + 64;
    let mut body = BytesMut::with_capacity(size);
    for part in parts {
        body.put_slice(b"--");
        body.put_slice(boundary.as_bytes());
        body.put_slice(b"\r\nContent-Disposition: form-data; name=\"");
        body.put_slice(part.name.as_bytes());
        body.put_slice(b"\"");
        if let Some(filename) = &part.filename {
            body.put_slice(b"; filename=\"");
            body.put_slice(filename.as_bytes());
            body.put_slice(b"\"");
        }
        body.put_slice(b"\r\nContent-Type: ");
        body.put_slice(part.content_type.as_bytes());
        body.put_slice(b"\r\n\r\n");
        body.put_slice(&part.data);
        body.put_slice(b"\r\n");
    }
    body.put_slice(b"--");
    body.put_slice(boundary.as_bytes());
    body.put_slice(b"--\r\n");
    let content_type = HeaderValue::try_from(format!("multipart/form-data; boundary={boundary}"))
        .unwrap_or_else(|_| HeaderValue::from_static("multipart/form-data"));
    Multipart {
        content_type,
        body: body.freeze(),
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3];
    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

    #[test]
    fn images_are_sniffed_and_others_refused() {
        assert_eq!(Image::new(JPEG).unwrap().format(), ImageFormat::Jpeg);
        let png = Image::new(PNG).unwrap();
        assert_eq!(png.format(), ImageFormat::Png);
        assert_eq!(png.file_name(), "image.png");
        for bad in [&b""[..], b"GIF89a....", b"%PDF-1.7", b"\xFF\xD8"] {
            let err = Image::new(Bytes::copy_from_slice(bad)).unwrap_err();
            assert_eq!(err.field(), "binary-content");
        }
    }

    #[test]
    fn filenames_cannot_break_the_header() {
        let image = Image::new(JPEG).unwrap().filename("my \"face\"\r\n.jpg");
        assert_eq!(image.file_name(), "my__face___.jpg");
        assert_eq!(
            Image::new(JPEG).unwrap().filename("").file_name(),
            "image.jpg"
        );
    }

    #[test]
    fn debug_never_shows_the_picture() {
        let debug = format!("{:?}", Image::new(JPEG).unwrap());
        assert_eq!(
            debug,
            r#"Image { format: Jpeg, len: 7, filename: "image.jpg" }"#
        );
    }

    #[test]
    fn multipart_bytes_are_exactly_as_specified() {
        let image = Image::new(JPEG).unwrap().filename("face.jpg");
        let descriptor = Part {
            name: "metadata",
            filename: None,
            content_type: "application/json",
            data: Bytes::from_static(br#"{"a":1}"#),
        };
        let m = multipart_with_boundary(&[descriptor, image.part()], "XyZ");
        assert_eq!(m.content_type, "multipart/form-data; boundary=XyZ");
        let mut expected = Vec::new();
        expected.extend_from_slice(
            b"--XyZ\r\nContent-Disposition: form-data; name=\"metadata\"\r\n\
              Content-Type: application/json\r\n\r\n{\"a\":1}\r\n\
              --XyZ\r\nContent-Disposition: form-data; name=\"binary-content\"; filename=\"face.jpg\"\r\n\
              Content-Type: image/jpeg\r\n\r\n",
        );
        expected.extend_from_slice(JPEG);
        expected.extend_from_slice(b"\r\n--XyZ--\r\n");
        assert_eq!(&m.body[..], &expected[..]);
    }

    #[test]
    fn random_boundaries_never_occur_in_the_content() {
        let m = multipart(&[Image::new(JPEG).unwrap().part()]);
        let ct = m.content_type.to_str().unwrap();
        let boundary = ct.strip_prefix("multipart/form-data; boundary=").unwrap();
        assert!(boundary.starts_with("yoti-rs-") && boundary.len() == 40);
        assert!(m.body.starts_with(format!("--{boundary}\r\n").as_bytes()));
        assert!(
            m.body
                .ends_with(format!("\r\n--{boundary}--\r\n").as_bytes())
        );
        let other = multipart(&[Image::new(JPEG).unwrap().part()]);
        assert_ne!(m.content_type, other.content_type);
    }

    /// Splits a body built here back into (headers, data) pairs, as a server would.
    fn parse(body: &[u8], boundary: &str) -> Vec<(String, Vec<u8>)> {
        let delimiter = format!("\r\n--{boundary}");
        let first = format!("--{boundary}\r\n");
        assert!(body.starts_with(first.as_bytes()));
        let mut rest = &body[first.len()..];
        let mut parts = Vec::new();
        loop {
            let end = rest
                .windows(delimiter.len())
                .position(|w| w == delimiter.as_bytes())
                .expect("a delimiter after each part");
            let part = &rest[..end];
            let split = part
                .windows(4)
                .position(|w| w == b"\r\n\r\n")
                .expect("a blank line after the headers");
            parts.push((
                String::from_utf8(part[..split].to_vec()).unwrap(),
                part[split + 4..].to_vec(),
            ));
            let after = &rest[end + delimiter.len()..];
            if after == b"--\r\n" {
                return parts;
            }
            rest = after.strip_prefix(b"\r\n").expect("CRLF after a delimiter");
        }
    }

    proptest::proptest! {
        #[test]
        fn every_part_comes_back_whole(
            data in proptest::collection::vec(proptest::collection::vec(proptest::num::u8::ANY, 0..300), 1..4),
            tricky in proptest::bool::ANY,
        ) {
            let parts: Vec<Part> = data
                .iter()
                .enumerate()
                .map(|(i, d)| {
                    let mut d = d.clone();
                    if tricky {
                        // Content that looks like a delimiter of ours.
                        d.extend_from_slice(b"\r\n--yoti-rs-0000\r\n\r\n");
                    }
                    Part {
                        name: if i == 0 { "descriptor" } else { BINARY_CONTENT },
                        filename: (i > 0).then(|| format!("f{i}.bin")),
                        content_type: "application/octet-stream",
                        data: Bytes::from(d),
                    }
                })
                .collect();
            let m = multipart(&parts);
            let ct = m.content_type.to_str().unwrap().to_owned();
            let boundary = ct.strip_prefix("multipart/form-data; boundary=").unwrap();
            let parsed = parse(&m.body, boundary);
            proptest::prop_assert_eq!(parsed.len(), parts.len());
            for (part, (headers, data)) in parts.iter().zip(&parsed) {
                proptest::prop_assert_eq!(&data[..], &part.data[..]);
                let expected_name = format!("name=\"{}\"", part.name);
                proptest::prop_assert!(headers.contains(&expected_name));
                proptest::prop_assert_eq!(
                    headers.contains("filename="),
                    part.filename.is_some()
                );
            }
        }
    }
}
