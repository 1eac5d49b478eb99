//! Outgoing webhook deliveries (IDV notifications, Proof of Age results), shared by the
//! services: each delivery runs in its own task, with a timeout per attempt and retries with
//! backoff, so a receiver that fails or never answers never stalls the emulator. Every
//! delivery is recorded for `GET /__emulator/notifications`.
//!
//! Targets: `http://` to a loopback host only (the emulator is a local tool); `https://`
//! targets are validated by the services but not dialled (recorded as failed, with the
//! reason), since the emulator carries no TLS client.

use std::sync::Mutex;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request};
use http_body_util::Full;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde::Serialize;

/// How deliveries are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WebhookPolicy {
    /// Attempts per delivery, the first included.
    pub max_attempts: u32,
    /// The first backoff; doubled after each failed attempt.
    pub initial_backoff: Duration,
    /// How long one attempt may take before it counts as failed.
    pub attempt_timeout: Duration,
}

impl Default for WebhookPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            initial_backoff: Duration::from_millis(200),
            attempt_timeout: Duration::from_secs(5),
        }
    }
}

/// One webhook to deliver.
#[derive(Debug, Clone)]
pub(crate) struct Delivery {
    /// Which service sends it: `idv` or `poa`.
    pub(crate) service: &'static str,
    /// What it is about, e.g. `session_completion` or a PoA result id.
    pub(crate) topic: String,
    pub(crate) url: String,
    pub(crate) method: Method,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Bytes,
}

/// What happened to one delivery (as listed by the admin route).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct DeliveryRecord {
    pub(crate) id: u64,
    pub(crate) service: &'static str,
    pub(crate) topic: String,
    pub(crate) url: String,
    pub(crate) method: String,
    /// The body sent, as JSON when it is JSON.
    pub(crate) body: serde_json::Value,
    /// `pending`, `delivered` or `failed`.
    pub(crate) state: &'static str,
    pub(crate) attempts: u32,
    /// The last HTTP status received, if any.
    pub(crate) last_status: Option<u16>,
    /// Why the last attempt failed, if it did.
    pub(crate) last_error: Option<String>,
}

/// The delivery machinery and its log.
#[derive(Debug)]
pub(crate) struct Webhooks {
    client: Client<HttpConnector, Full<Bytes>>,
    policy: WebhookPolicy,
    log: Mutex<Vec<DeliveryRecord>>,
}

impl Webhooks {
    pub(crate) fn new(policy: WebhookPolicy) -> Self {
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(policy.attempt_timeout));
        Self {
            client: Client::builder(TokioExecutor::new()).build(connector),
            policy,
            log: Mutex::new(Vec::new()),
        }
    }

    /// Records the delivery and sends it in the background. Answers its record id.
    pub(crate) fn deliver(self: &std::sync::Arc<Self>, delivery: Delivery) -> u64 {
        let id = {
            let mut log = self.log.lock().unwrap_or_else(|p| p.into_inner());
            let id = log.len() as u64 + 1;
            log.push(DeliveryRecord {
                id,
                service: delivery.service,
                topic: delivery.topic.clone(),
                url: delivery.url.clone(),
                method: delivery.method.to_string(),
                body: serde_json::from_slice(&delivery.body).unwrap_or_else(|_| {
                    serde_json::Value::String(String::from_utf8_lossy(&delivery.body).into_owned())
                }),
                state: "pending",
                attempts: 0,
                last_status: None,
                last_error: None,
            });
            id
        };
        let this = self.clone();
        tokio::spawn(async move { this.run(id, delivery).await });
        id
    }

    /// Every delivery so far, oldest first.
    pub(crate) fn log(&self) -> Vec<DeliveryRecord> {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn update(&self, id: u64, f: impl FnOnce(&mut DeliveryRecord)) {
        let mut log = self.log.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(record) = log.iter_mut().find(|r| r.id == id) {
            f(record);
        }
    }

    async fn run(&self, id: u64, delivery: Delivery) {
        let uri = match target(&delivery.url) {
            Ok(uri) => uri,
            Err(reason) => {
                self.update(id, |r| {
                    r.state = "failed";
                    r.last_error = Some(reason);
                });
                return;
            }
        };
        let mut backoff = self.policy.initial_backoff;
        for attempt in 1..=self.policy.max_attempts.max(1) {
            let outcome = self.attempt(&uri, &delivery).await;
            let delivered = matches!(outcome, Ok(status) if (200..300).contains(&status));
            self.update(id, |r| {
                r.attempts = attempt;
                match &outcome {
                    Ok(status) => {
                        r.last_status = Some(*status);
                        r.last_error = None;
                    }
                    Err(e) => r.last_error = Some(e.clone()),
                }
                if delivered {
                    r.state = "delivered";
                }
            });
            if delivered {
                tracing::debug!(id, attempt, topic = %delivery.topic, "webhook delivered");
                return;
            }
            if attempt < self.policy.max_attempts {
                tokio::time::sleep(backoff).await;
                backoff = backoff.saturating_mul(2);
            }
        }
        self.update(id, |r| r.state = "failed");
        tracing::warn!(id, topic = %delivery.topic, "webhook delivery failed after all attempts");
    }

    async fn attempt(&self, uri: &http::Uri, delivery: &Delivery) -> Result<u16, String> {
        let mut request = Request::new(Full::new(delivery.body.clone()));
        *request.method_mut() = delivery.method.clone();
        *request.uri_mut() = uri.clone();
        let headers: &mut HeaderMap = request.headers_mut();
        if !delivery.body.is_empty() {
            headers.insert(
                http::header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
        }
        for (name, value) in &delivery.headers {
            let name = HeaderName::try_from(name.as_str())
                .map_err(|e| format!("bad header name {name:?}: {e}"))?;
            let mut value = HeaderValue::try_from(value.as_str())
                .map_err(|e| format!("bad header value: {e}"))?;
            value.set_sensitive(true);
            headers.insert(name, value);
        }
        match tokio::time::timeout(self.policy.attempt_timeout, self.client.request(request)).await
        {
            Ok(Ok(response)) => Ok(response.status().as_u16()),
            Ok(Err(e)) => Err(format!("request failed: {e}")),
            Err(_) => Err(format!(
                "no answer within {:?}",
                self.policy.attempt_timeout
            )),
        }
    }
}

/// The URI to dial, or why the emulator will not dial it.
fn target(url: &str) -> Result<http::Uri, String> {
    let uri: http::Uri = url
        .parse()
        .map_err(|e| format!("invalid URL {url:?}: {e}"))?;
    match uri.scheme_str() {
        Some("http") if is_loopback_host(uri.host().unwrap_or("")) => Ok(uri),
        Some("http") => Err(format!("refusing plain http to a non-loopback host: {url}")),
        Some("https") => Err("https delivery is not supported by the emulator (it has no TLS client); use an http://127.0.0.1 receiver".into()),
        _ => Err(format!("unsupported URL {url:?}")),
    }
}

/// Whether a host is loopback: `localhost`, `127.0.0.0/8` or `::1`.
pub(crate) fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_http_is_dialled() {
        assert!(target("http://127.0.0.1:9/x").is_ok());
        assert!(target("http://[::1]:9/x").is_ok());
        assert!(target("http://localhost:9/x").is_ok());
        assert!(
            target("http://example.com/x")
                .unwrap_err()
                .contains("non-loopback")
        );
        assert!(
            target("https://example.com/x")
                .unwrap_err()
                .contains("not supported")
        );
        assert!(target("::").is_err());
    }
}
