//! [`Call`]: what every client method returns, and the plumbing that sends requests.

use bytes::Bytes;
use http::{HeaderValue, Method, Response, StatusCode};
use serde::de::DeserializeOwned;
use yoti_auth::{ClientSessionToken, RequestSigner, SdkIdPlacement, headers};
use yoti_http::{Body, Endpoint, RequestOptions, Transport};

use crate::Error;

pub use yoti_internal::BoxFuture;

/// Per-call options: how long the call may take, how it is retried.
pub(crate) type CallOptions = RequestOptions;

/// A call to the IDV service, ready to run: `.await` it (or call `send`). The one
/// [`Call`](yoti_internal::Call) of every service client, with the IDV [`Error`].
///
/// Per-call options use the `with_` prefix, so that they can never clash with a field of a
/// request:
///
/// ```no_run
/// # async fn f(client: yoti_idv::IdvClient) -> Result<(), yoti_idv::Error> {
/// use std::time::Duration;
/// let session = client
///     .get_session("SESSION_ID")
///     .with_timeout(Duration::from_secs(5))
///     .with_retry(yoti_http::RetryPolicy::none())
///     .await?;
/// # Ok(()) }
/// ```
///
/// Nothing happens until it is awaited; dropping it, or dropping the future it turns into,
/// cancels the call and leaves nothing running. The future owns what it needs (`'static`), so
/// it can also be spawned.
pub type Call<T> = yoti_internal::Call<T, Error>;

/// A request to send: method, path relative to the base URL, query, body.
#[derive(Debug, Clone)]
pub(crate) struct Req {
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) query: Vec<(&'static str, String)>,
    pub(crate) body: Option<(HeaderValue, Bytes)>,
}

impl Req {
    pub(crate) fn new(method: Method, path: String) -> Self {
        Self {
            method,
            path,
            query: Vec::new(),
            body: None,
        }
    }

    pub(crate) fn query(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.query.push((name, value.into()));
        self
    }

    pub(crate) fn json(self, value: &impl serde::Serialize) -> Result<Self, Error> {
        let bytes = serde_json::to_vec(value).map_err(|e| Error::Config {
            reason: format!("cannot serialize the request body: {e}"),
        })?;
        Ok(self.body(HeaderValue::from_static("application/json"), bytes))
    }

    pub(crate) fn body(mut self, content_type: HeaderValue, body: impl Into<Bytes>) -> Self {
        self.body = Some((content_type, body.into()));
        self
    }
}

/// How a request is authenticated.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Auth<'a> {
    /// Signed (`X-Yoti-Auth-Digest`), with the SDK id where given.
    Signed(&'a RequestSigner, SdkIdPlacement),
    /// The client session token (`X-Yoti-Auth-Token`), no signature.
    Token(&'a ClientSessionToken),
}

/// Sends `req` to `base_url` through `transport` (signed afresh for each attempt) and answers
/// the response head with its streaming body.
pub(crate) async fn execute(
    transport: &Transport,
    base_url: &str,
    auth: Auth<'_>,
    req: &Req,
    options: &CallOptions,
) -> Result<Response<Body>, Error> {
    let options = &options.clone().with_classifier(crate::retry::classifier());
    let outcome = match auth {
        Auth::Signed(signer, placement) => {
            let mut builder = signer
                .request(req.method.clone(), base_url, &req.path)
                .sdk_id(placement);
            for (name, value) in &req.query {
                builder = builder.query(name, value);
            }
            if let Some((content_type, body)) = &req.body {
                builder = builder.body(content_type.clone(), body.clone());
            }
            transport.execute_with(options, |_| builder.build()).await
        }
        Auth::Token(token) => {
            let header = token.header_value().map_err(Error::signing)?;
            let uri = token_request_uri(base_url, req)?;
            transport
                .execute_with(options, |_| {
                    let body = req
                        .body
                        .as_ref()
                        .map(|(_, b)| b.clone())
                        .unwrap_or_default();
                    let mut request = http::Request::new(body);
                    *request.method_mut() = req.method.clone();
                    *request.uri_mut() = uri.clone();
                    let h = request.headers_mut();
                    h.insert(headers::AUTH_TOKEN, header.clone());
                    yoti_auth::apply_sdk_headers(
                        h,
                        req.body.as_ref().map(|(content_type, _)| content_type),
                    );
                    Ok::<_, std::convert::Infallible>(request)
                })
                .await
        }
    };
    outcome.map_err(|e| {
        let endpoint = Endpoint::under(req.method.clone(), base_url, &req.path);
        Error::from_http_at(e, Some(endpoint))
    })
}

fn token_request_uri(base_url: &str, req: &Req) -> Result<http::Uri, Error> {
    let mut uri = String::with_capacity(base_url.len() + req.path.len() + 32);
    uri.push_str(base_url.trim_end_matches('/'));
    uri.push_str(&req.path);
    for (i, (name, value)) in req.query.iter().enumerate() {
        uri.push(if i == 0 { '?' } else { '&' });
        uri.push_str(name);
        uri.push('=');
        uri.push_str(&yoti_auth::encode_path_segment(value));
    }
    http::Uri::try_from(uri).map_err(|e| Error::Config {
        reason: format!("the request URL is invalid: {e}"),
    })
}

/// Reads a whole (bounded) body.
pub(crate) async fn read_body(body: Body) -> Result<Bytes, Error> {
    body.collect_limited(yoti_internal::MAX_JSON_BODY)
        .await
        .map_err(Error::from_http)
}

/// Maps an error status to [`Error::Api`] (reading its body); passes a success through.
pub(crate) async fn check_status(response: Response<Body>) -> Result<Response<Body>, Error> {
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    let endpoint = response.extensions().get::<Endpoint>().cloned();
    let body = read_body(response.into_body()).await?;
    Err(Error::api_at(status, &body, endpoint))
}

/// A success answer decoded from JSON.
pub(crate) async fn json<T: DeserializeOwned>(response: Response<Body>) -> Result<T, Error> {
    let response = check_status(response).await?;
    let status = response.status();
    let body = read_body(response.into_body()).await?;
    yoti_internal::decode(&body).map_err(|source| Error::Decode { status, source })
}

/// A success answer whose body, if any, does not matter.
pub(crate) async fn empty(response: Response<Body>) -> Result<StatusCode, Error> {
    let response = check_status(response).await?;
    let status = response.status();
    // Read it to the end so that the connection goes back to the pool.
    read_body(response.into_body()).await?;
    Ok(status)
}
