//! Outgoing webhook deliveries (IDV notifications, Proof of Age results), shared by the
//! services: each delivery runs in its own task, with a timeout per attempt and retries with
//! backoff, so a receiver that fails or never answers never stalls the emulator. Every
//! delivery is recorded for `GET /__emulator/notifications`: the most recent 10 000, in a
//! ring (the totals per service count them all).
//!
//! Targets: `http://` to a loopback host only (the emulator is a local tool); `https://`
//! targets are validated by the services but not dialled (recorded as failed, with the
//! reason), since the emulator carries no TLS client.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request};
use http_body_util::Full;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde::Serialize;
use yoti_types::{Backoff, Jitter};

/// How deliveries are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WebhookPolicy {
    /// Attempts per delivery, the first included.
    pub max_attempts: u32,
    /// The first backoff; doubled after each failed attempt (a [`Backoff`] without jitter:
    /// deliveries are repeatable, tests count on their timing).
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

/// Deliveries of one service since the start, whether still in the log or not.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Totals {
    pub(crate) sent: u64,
    pub(crate) delivered: u64,
    pub(crate) failed: u64,
    pub(crate) attempts: u64,
}

/// The most recent deliveries (ids are consecutive, oldest first) and the totals.
#[derive(Debug, Default)]
struct Log {
    records: VecDeque<DeliveryRecord>,
    last_id: u64,
    totals: HashMap<&'static str, Totals>,
}

impl Log {
    fn get_mut(&mut self, id: u64) -> Option<&mut DeliveryRecord> {
        let first = self.records.front()?.id;
        let index = usize::try_from(id.checked_sub(first)?).ok()?;
        self.records.get_mut(index)
    }
}

/// The delivery machinery and its log.
#[derive(Debug)]
pub(crate) struct Webhooks {
    client: Client<HttpConnector, Full<Bytes>>,
    policy: WebhookPolicy,
    log: Mutex<Log>,
}

impl Webhooks {
    pub(crate) fn new(policy: WebhookPolicy) -> Self {
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(policy.attempt_timeout));
        Self {
            client: Client::builder(TokioExecutor::new()).build(connector),
            policy,
            log: Mutex::new(Log::default()),
        }
    }

    /// Records the delivery and sends it in the background. Answers its record id.
    pub(crate) fn deliver(self: &std::sync::Arc<Self>, delivery: Delivery) -> u64 {
        let id = {
            let mut log = self.log.lock().unwrap_or_else(|p| p.into_inner());
            log.last_id += 1;
            let id = log.last_id;
            log.totals.entry(delivery.service).or_default().sent += 1;
            if log.records.len() >= crate::limits::MAX_DELIVERY_LOG {
                log.records.pop_front();
            }
            log.records.push_back(DeliveryRecord {
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

    /// The most recent deliveries (10 000 at most), oldest first.
    pub(crate) fn log(&self) -> Vec<DeliveryRecord> {
        let log = self.log.lock().unwrap_or_else(|p| p.into_inner());
        log.records.iter().cloned().collect()
    }

    /// Forgets every delivery and the totals (a reset); deliveries under way finish unlogged.
    pub(crate) fn clear_log(&self) {
        let mut log = self.log.lock().unwrap_or_else(|p| p.into_inner());
        let last_id = log.last_id;
        *log = Log {
            last_id,
            ..Log::default()
        };
    }

    /// The totals of a service's deliveries since the start.
    pub(crate) fn totals(&self, service: &str) -> Totals {
        let log = self.log.lock().unwrap_or_else(|p| p.into_inner());
        log.totals.get(service).copied().unwrap_or_default()
    }

    /// Changes a delivery's record (if still in the log) and counts the change in the
    /// service's totals (whether the record is still there or not).
    fn update(
        &self,
        id: u64,
        service: &'static str,
        count: impl FnOnce(&mut Totals),
        f: impl FnOnce(&mut DeliveryRecord),
    ) {
        let mut log = self.log.lock().unwrap_or_else(|p| p.into_inner());
        count(log.totals.entry(service).or_default());
        if let Some(record) = log.get_mut(id) {
            f(record);
        }
    }

    async fn run(&self, id: u64, delivery: Delivery) {
        let uri = match target(&delivery.url) {
            Ok(uri) => uri,
            Err(reason) => {
                let failed = |t: &mut Totals| t.failed += 1;
                self.update(id, delivery.service, failed, |r| {
                    r.state = "failed";
                    r.last_error = Some(reason);
                });
                return;
            }
        };
        let backoff =
            Backoff::new(self.policy.initial_backoff, Duration::MAX).with_jitter(Jitter::None);
        for attempt in 1..=self.policy.max_attempts.max(1) {
            let outcome = self.attempt(&uri, &delivery).await;
            let delivered = matches!(outcome, Ok(status) if (200..300).contains(&status));
            let count = |t: &mut Totals| {
                t.attempts += 1;
                t.delivered += u64::from(delivered);
            };
            self.update(id, delivery.service, count, |r| {
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
                tokio::time::sleep(backoff.delay(attempt)).await;
            }
        }
        let failed = |t: &mut Totals| t.failed += 1;
        self.update(id, delivery.service, failed, |r| r.state = "failed");
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

    #[tokio::test]
    async fn the_log_keeps_the_most_recent_and_the_totals_count_all() {
        let webhooks = std::sync::Arc::new(Webhooks::new(WebhookPolicy::default()));
        let extra = 5;
        for n in 0..crate::limits::MAX_DELIVERY_LOG + extra {
            webhooks.deliver(Delivery {
                service: "poa",
                topic: n.to_string(),
                // Never dialled: failed at once.
                url: "https://example.com/hook".into(),
                method: Method::POST,
                headers: Vec::new(),
                body: Bytes::new(),
            });
        }
        let log = webhooks.log();
        assert_eq!(log.len(), crate::limits::MAX_DELIVERY_LOG);
        assert_eq!(log[0].topic, extra.to_string(), "the oldest went first");
        let totals = webhooks.totals("poa");
        assert_eq!(
            totals.sent,
            (crate::limits::MAX_DELIVERY_LOG + extra) as u64
        );
        for _ in 0..200 {
            if webhooks.totals("poa").failed == totals.sent {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("every delivery fails: {:?}", webhooks.totals("poa"));
    }
}
