//! Media content: `GET /sessions/{id}/media/{media_id}/content`, streamed.

use bytes::Bytes;
use tokio::io::{AsyncWrite, AsyncWriteExt as _};
use yoti_http::Body;

use crate::Error;

/// The answer of [`IdvClient::get_media`](crate::IdvClient::get_media): the two outcomes the
/// API defines (exhaustive on purpose, so that a `match` needs no catch-all).
#[derive(Debug)]
pub enum MediaContent {
    /// 204: the media exists but regulations prevent Yoti from returning its content. Not an
    /// error: there is nothing to download, and asking again will not change that.
    Withheld,
    /// 200: the content, streamed from the connection.
    Content(MediaStream),
}

impl MediaContent {
    /// Whether the content is withheld (204).
    pub fn is_withheld(&self) -> bool {
        matches!(self, Self::Withheld)
    }

    /// The stream, unless withheld.
    pub fn into_stream(self) -> Option<MediaStream> {
        match self {
            Self::Withheld => None,
            Self::Content(stream) => Some(stream),
        }
    }
}

/// Media content being received: its content type and a body read chunk by chunk, so that a
/// large media item never has to fit in memory.
///
/// Dropping it before the end closes the connection.
#[derive(Debug)]
pub struct MediaStream {
    content_type: Option<String>,
    content_length: Option<u64>,
    body: Body,
}

impl MediaStream {
    pub(crate) fn new(
        content_type: Option<String>,
        content_length: Option<u64>,
        body: Body,
    ) -> Self {
        Self {
            content_type,
            content_length,
            body,
        }
    }

    /// The `Content-Type` of the media (`image/jpeg`, `application/json`, `application/pdf`,
    /// ...), when the answer had one.
    pub fn content_type(&self) -> Option<&str> {
        self.content_type.as_deref()
    }

    /// The `Content-Length`, when the answer had one.
    pub fn content_length(&self) -> Option<u64> {
        self.content_length
    }

    /// The next chunk, or `None` at the end.
    pub async fn chunk(&mut self) -> Option<Result<Bytes, Error>> {
        self.body
            .chunk()
            .await
            .map(|chunk| chunk.map_err(Error::from_http))
    }

    /// Reads the whole content into memory.
    ///
    /// # Errors
    /// [`Error::Transport`] when reading fails.
    pub async fn bytes(self) -> Result<Bytes, Error> {
        self.body.collect().await.map_err(Error::from_http)
    }

    /// Reads the whole content into memory, failing with a
    /// [`BodyTooLarge`](yoti_http::Error::BodyTooLarge) transport error beyond `max` bytes.
    ///
    /// # Errors
    /// [`Error::Transport`] when reading fails or the content is too long.
    pub async fn bytes_limited(self, max: usize) -> Result<Bytes, Error> {
        self.body
            .collect_limited(max)
            .await
            .map_err(Error::from_http)
    }

    /// Writes the content to `writer` chunk by chunk (memory stays flat whatever the size),
    /// flushes it, and answers the number of bytes written.
    ///
    /// # Errors
    /// [`Error::Transport`] when reading fails, [`Error::Io`] when writing does.
    pub async fn copy_to<W: AsyncWrite + Unpin + ?Sized>(
        mut self,
        writer: &mut W,
    ) -> Result<u64, Error> {
        let mut written = 0_u64;
        while let Some(chunk) = self.chunk().await {
            let chunk = chunk?;
            writer.write_all(&chunk).await.map_err(write_error)?;
            written += chunk.len() as u64;
        }
        writer.flush().await.map_err(write_error)?;
        Ok(written)
    }

    /// The body itself (it implements `http_body::Body`).
    pub fn into_body(self) -> Body {
        self.body
    }
}

fn write_error(e: std::io::Error) -> Error {
    Error::Io(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn streams_collect_and_copy() {
        let stream = MediaStream::new(Some("image/png".into()), Some(3), Body::from("abc"));
        assert_eq!(stream.content_type(), Some("image/png"));
        assert_eq!(stream.content_length(), Some(3));
        assert_eq!(stream.bytes().await.unwrap(), "abc");

        let stream = MediaStream::new(None, None, Body::from("abcdef"));
        let mut out = Vec::new();
        assert_eq!(stream.copy_to(&mut out).await.unwrap(), 6);
        assert_eq!(out, b"abcdef");

        let stream = MediaStream::new(None, None, Body::from("abcdef"));
        assert!(stream.bytes_limited(5).await.is_err());
        assert!(MediaContent::Withheld.is_withheld());
        assert!(MediaContent::Withheld.into_stream().is_none());
    }
}
