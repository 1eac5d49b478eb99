//! The transport a company deploys, end to end on loopback: IDV, Age and PoA calls through an
//! HTTP `CONNECT` proxy and a forward proxy written here, `NO_PROXY`, the proxy environment
//! variables (from a map, never the process environment), HTTPS to the emulator with a
//! private CA generated at test time, HTTP/2 by ALPN and by prior knowledge (h2c), and the
//! operation span above the HTTP span.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tracing::Subscriber;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt as _};
use tracing_subscriber::registry::LookupSpan;
use yoti::age::Verify;
use yoti::age::models::{AgeCheck, Operator};
use yoti::emulator::{Emulator, test_images};
use yoti::idv::models::SessionSpec;
use yoti::idv::models::spec::{RequestedCheck, RequiredDocument};
use yoti::poa::models::VerifyQuery;
use yoti::poa::{VerifyOutcome, timestamp_now};
use yoti::{Client, HyperClient, HyperClientBuilder, PrivateKey};

const APP: &str = "transport-app";

fn key() -> PrivateKey {
    static KEY: std::sync::OnceLock<PrivateKey> = std::sync::OnceLock::new();
    KEY.get_or_init(|| PrivateKey::generate(2048).expect("key"))
        .clone()
}

/// A private CA, and a certificate it signed for 127.0.0.1 (DER), with its key.
struct Pki {
    ca_der: Vec<u8>,
    cert_der: Vec<u8>,
    key_der: Vec<u8>,
}

fn pki() -> Pki {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair, SanType};
    let ca_key = KeyPair::generate().expect("CA key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "yoti-rs test CA");
    let ca = ca_params.self_signed(&ca_key).expect("CA cert");
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let server_key = KeyPair::generate().expect("server key");
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    params.subject_alt_names = vec![SanType::IpAddress([127, 0, 0, 1].into())];
    let cert = params.signed_by(&server_key, &issuer).expect("server cert");
    Pki {
        ca_der: ca.der().to_vec(),
        cert_der: cert.der().to_vec(),
        key_der: server_key.serialize_der(),
    }
}

async fn emulator(tls: Option<&Pki>) -> Emulator {
    let mut builder = Emulator::builder().app(APP, key().public_key());
    if let Some(pki) = tls {
        builder = builder.tls(vec![pki.cert_der.clone()], pki.key_der.clone());
    }
    builder.start().await.expect("emulator")
}

fn client(emulator: &Emulator, http: HyperClientBuilder) -> Client {
    Client::builder()
        .sdk_id(APP)
        .key(key())
        .emulator_url(&emulator.base_url())
        .http_client(http)
        .build()
        .expect("client")
}

/// One call of each service.
async fn call_each_service(yoti: &Client) {
    let spec = SessionSpec::builder()
        .requested_check(RequestedCheck::id_document_authenticity(Default::default()))
        .required_document(RequiredDocument::id_document())
        .build()
        .expect("spec");
    let created = yoti.idv().create_session(&spec).await.expect("create");
    assert!(!created.session_id.to_string().is_empty());
    let verdict = yoti
        .age()
        .age_verify(Verify::new(test_images::jpeg(600, 600, 7), 18).operator(Operator::Over))
        .await
        .expect("age verify");
    assert!(matches!(verdict.age_check, AgeCheck::Pass | AgeCheck::Fail));
    let query = VerifyQuery::new(
        format!("age_over:18#{}", fastrand::u64(..)),
        timestamp_now(),
        "till",
    );
    assert!(matches!(
        yoti.poa().verify(&query).await.expect("poa verify"),
        VerifyOutcome::Done(_)
    ));
}

// ---- a test proxy ----

/// What a test proxy saw: each request line, and each `Proxy-Authorization` value.
#[derive(Default)]
struct Seen {
    lines: Vec<String>,
    auth: Vec<Option<String>>,
}

/// A proxy on loopback: `CONNECT` tunnels (spliced both ways), and plain `http://` requests
/// in absolute form, forwarded one per connection. With `require`, a request without that
/// `Proxy-Authorization` gets 407.
struct TestProxy {
    addr: SocketAddr,
    seen: Arc<Mutex<Seen>>,
}

impl TestProxy {
    async fn start(require: Option<&'static str>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let seen = Arc::new(Mutex::new(Seen::default()));
        let shared = Arc::clone(&seen);
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let seen = Arc::clone(&shared);
                tokio::spawn(async move {
                    let _ = proxy_connection(stream, seen, require).await;
                });
            }
        });
        Self { addr, seen }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn lines(&self) -> Vec<String> {
        self.seen.lock().unwrap().lines.clone()
    }

    fn auth(&self) -> Vec<Option<String>> {
        self.seen.lock().unwrap().auth.clone()
    }
}

async fn proxy_connection(
    stream: TcpStream,
    seen: Arc<Mutex<Seen>>,
    require: Option<&'static str>,
) -> std::io::Result<()> {
    let mut client = BufReader::new(stream);
    let mut head = Vec::new();
    loop {
        let mut line = String::new();
        if client.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let done = line == "\r\n";
        head.push(line);
        if done {
            break;
        }
    }
    let request_line = head[0].trim_end().to_owned();
    let header = |name: &str| {
        head.iter().skip(1).find_map(|h| {
            let (n, v) = h.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
        })
    };
    let auth = header("proxy-authorization");
    {
        let mut seen = seen.lock().unwrap();
        seen.lines.push(request_line.clone());
        seen.auth.push(auth.clone());
    }
    if require.is_some_and(|wanted| auth.as_deref() != Some(wanted)) {
        client
            .get_mut()
            .write_all(b"HTTP/1.1 407 Proxy Authentication Required\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
            .await?;
        return Ok(());
    }
    let mut parts = request_line.split(' ');
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    if method == "CONNECT" {
        let mut upstream = TcpStream::connect(loopback_only(target)).await?;
        client
            .get_mut()
            .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
            .await?;
        let buffered = client.buffer().to_vec();
        upstream.write_all(&buffered).await?;
        let mut client = client.into_inner();
        tokio::io::copy_bidirectional(&mut client, &mut upstream).await?;
        return Ok(());
    }
    // Forward proxy: one request per connection, the upstream told to close after it.
    let authority = target
        .strip_prefix("http://")
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_default();
    let length: usize = header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    client.read_exact(&mut body).await?;
    let mut upstream = TcpStream::connect(loopback_only(authority)).await?;
    let mut out = format!("{request_line}\r\n");
    for h in &head[1..head.len() - 1] {
        let name = h.split(':').next().unwrap_or("").to_ascii_lowercase();
        if name != "proxy-authorization" && name != "connection" {
            out.push_str(h);
        }
    }
    out.push_str("connection: close\r\n\r\n");
    upstream.write_all(out.as_bytes()).await?;
    upstream.write_all(&body).await?;
    let mut client = client.into_inner();
    tokio::io::copy(&mut upstream, &mut client).await?;
    client.shutdown().await
}

/// The test proxy only ever reaches loopback.
fn loopback_only(authority: &str) -> SocketAddr {
    let addr: SocketAddr = authority.parse().expect("an IP:port authority");
    assert!(
        addr.ip().is_loopback(),
        "the test proxy reaches loopback only"
    );
    addr
}

// ---- proxies ----

#[tokio::test]
async fn https_calls_of_every_service_go_through_a_connect_tunnel_with_credentials() {
    let pki = pki();
    let emu = emulator(Some(&pki)).await;
    // "Aladdin:open sesame", percent-encoded in the URL.
    let proxy = TestProxy::start(Some("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==")).await;
    let proxy_url = format!("http://Aladdin:open%20sesame@{}", proxy.addr);
    let http = HyperClient::builder()
        .proxy(&proxy_url)
        .expect("proxy")
        .add_root_certificate(&pki.ca_der)
        .expect("CA")
        .pool_max_idle_per_host(0);
    let yoti = client(&emu, http.clone());
    assert!(!format!("{yoti:?} {http:?}").contains("sesame"));
    call_each_service(&yoti).await;

    let lines = proxy.lines();
    let connect = format!("CONNECT {} HTTP/1.1", emu.addr());
    // No pooling: one tunnel per request. IDV 1, Age 1, PoA 2 (the token, then the verify).
    assert_eq!(lines, vec![connect; 4], "{lines:?}");
    assert!(proxy.auth().iter().all(Option::is_some));

    // Wrong credentials: the tunnel is refused, the call fails as a connect error.
    let stingy = TestProxy::start(Some("Basic bm9ib2R5Og==")).await;
    let refused = client(
        &emu,
        HyperClient::builder()
            .proxy(&format!("http://Aladdin:wrong@{}", stingy.addr))
            .unwrap()
            .add_root_certificate(&pki.ca_der)
            .unwrap(),
    );
    let err = refused
        .age()
        .age_verify(Verify::new(test_images::jpeg(600, 600, 7), 18))
        .with_retry(yoti::RetryPolicy::none())
        .await
        .expect_err("407");
    assert!(!format!("{err:?} {err}").contains("wrong"), "{err:?}");
    assert_eq!(stingy.lines().len(), 1);
}

#[tokio::test]
async fn http_calls_go_to_a_forward_proxy_in_absolute_form() {
    let emu = emulator(None).await;
    let proxy = TestProxy::start(Some("Basic dTpw")).await; // u:p
    let yoti = client(
        &emu,
        HyperClient::builder()
            .proxy(&format!("http://u:p@{}", proxy.addr))
            .unwrap(),
    );
    call_each_service(&yoti).await;
    let lines = proxy.lines();
    let origin = format!("http://{}", emu.addr());
    let expected = [
        format!("POST {origin}/idverify/v1/sessions?"),
        format!("POST {origin}/ai/v1/age-verify?"),
        format!("POST {origin}/v1/oauth/token "),
        format!("POST {origin}/poa/v1/verify "),
    ];
    assert_eq!(lines.len(), expected.len(), "{lines:?}");
    for (line, prefix) in lines.iter().zip(&expected) {
        assert!(
            line.starts_with(prefix.as_str()),
            "{line} should start with {prefix}"
        );
        assert!(line.ends_with(" HTTP/1.1"), "{line}");
    }
    assert!(
        proxy
            .auth()
            .iter()
            .all(|a| a.as_deref() == Some("Basic dTpw"))
    );
}

#[tokio::test]
async fn no_proxy_names_bypass_the_proxy() {
    let emu = emulator(None).await;
    let proxy = TestProxy::start(None).await;
    for no_proxy in ["127.0.0.1", "127.0.0.0/8", "*"] {
        let yoti = client(
            &emu,
            HyperClient::builder()
                .proxy(&proxy.url())
                .unwrap()
                .no_proxy(&format!("example.com, {no_proxy}")),
        );
        call_each_service(&yoti).await;
    }
    assert_eq!(proxy.lines(), Vec::<String>::new());
    // Another name does not.
    let yoti = client(
        &emu,
        HyperClient::builder()
            .proxy(&proxy.url())
            .unwrap()
            .no_proxy("127.0.0.2, localhost"),
    );
    call_each_service(&yoti).await;
    assert_eq!(proxy.lines().len(), 4);
}

#[tokio::test]
async fn the_proxy_environment_variables_follow_curls_rules() {
    let proxy = "http://user:pw@proxy.corp:3128";
    let env = |pairs: &[(&str, &str)]| {
        HyperClient::builder()
            .proxy_env(
                pairs
                    .iter()
                    .map(|(k, v)| (*k, *v))
                    .collect::<HashMap<_, _>>(),
            )
            .build()
    };
    let via = |client: &HyperClient, url: &str| {
        client
            .proxy_for(&url.parse().unwrap())
            .map(|p| p.to_string())
    };
    let client = env(&[
        ("HTTPS_PROXY", proxy),
        ("NO_PROXY", "yoti.internal, .svc.local, 10.0.0.0/8"),
    ]);
    assert_eq!(
        via(&client, "https://api.yoti.com/idverify/v1").as_deref(),
        Some("http://proxy.corp:3128/")
    );
    assert_eq!(via(&client, "https://yoti.internal/"), None);
    assert_eq!(via(&client, "https://a.yoti.internal/"), None);
    assert_eq!(
        via(&client, "https://notyoti.internal/").as_deref(),
        Some("http://proxy.corp:3128/")
    );
    assert_eq!(via(&client, "https://x.svc.local/"), None);
    assert_eq!(via(&client, "https://10.2.3.4/"), None);
    // From the environment, loopback is never proxied: the emulator stays reachable.
    assert_eq!(via(&client, "http://127.0.0.1:8080/"), None);
    assert_eq!(via(&client, "https://localhost/"), None);
    assert!(!format!("{client:?}").contains("pw"), "{client:?}");

    // Lower-case names, ALL_PROXY as the fallback, the specific variable first.
    let client = env(&[
        ("all_proxy", "http://all:1"),
        ("https_proxy", "http://tls:2"),
    ]);
    assert_eq!(
        via(&client, "https://api.yoti.com/").as_deref(),
        Some("http://tls:2/")
    );
    let client = env(&[("ALL_PROXY", "http://all:1"), ("no_proxy", "*")]);
    assert_eq!(via(&client, "https://api.yoti.com/"), None);
    let client = env(&[("ALL_PROXY", "all:1")]);
    assert_eq!(
        via(&client, "https://api.yoti.com/").as_deref(),
        Some("http://all:1/")
    );
    // A CGI process reads no proxy (its HTTP_PROXY comes from the request: "httpoxy").
    let client = env(&[
        ("HTTP_PROXY", "http://evil:1"),
        ("HTTPS_PROXY", "http://evil:1"),
        ("REQUEST_METHOD", "GET"),
    ]);
    assert_eq!(via(&client, "https://api.yoti.com/"), None);
    // Turned off.
    let client = HyperClient::builder()
        .proxy_env([("HTTPS_PROXY", proxy)])
        .proxy_from_env(false)
        .build();
    assert_eq!(via(&client, "https://api.yoti.com/"), None);
    // A proxy on the builder wins over the environment.
    let client = HyperClient::builder()
        .proxy_env([("HTTPS_PROXY", proxy)])
        .proxy("http://explicit:9")
        .unwrap()
        .build();
    assert_eq!(
        via(&client, "https://api.yoti.com/").as_deref(),
        Some("http://explicit:9/")
    );

    // Refused before any I/O, without showing the password.
    let err = HyperClient::builder()
        .proxy("socks5://user:pw@proxy.corp:1080")
        .unwrap_err();
    assert!(matches!(err, yoti::HttpError::InvalidUrl { .. }), "{err:?}");
    assert!(!err.to_string().contains("pw"), "{err}");
}

// ---- TLS and HTTP/2 ----

#[tokio::test]
async fn https_with_a_private_ca_negotiates_http2_by_alpn() {
    let pki = pki();
    let emu = emulator(Some(&pki)).await;
    assert!(emu.base_url().starts_with("https://127.0.0.1:"));

    // The default roots do not know the private CA.
    let untrusted = client(&emu, HyperClient::builder());
    let err = untrusted
        .age()
        .age_verify(Verify::new(test_images::jpeg(600, 600, 7), 18))
        .with_retry(yoti::RetryPolicy::none())
        .await
        .expect_err("unknown CA");
    assert!(
        format!("{err:?}").to_lowercase().contains("certificate"),
        "{err:?}"
    );

    // Trusted through a whole rustls configuration (aws-lc-rs provider), or beside the
    // default roots: every service works, over HTTP/2.
    let mut roots = rustls::RootCertStore::empty();
    roots.add(pki.ca_der.clone().into()).expect("CA");
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    for http in [
        HyperClient::builder().tls_config(config),
        HyperClient::builder()
            .add_root_certificate(&pki.ca_der)
            .unwrap(),
    ] {
        let versions = versions_of(|| async {
            call_each_service(&client(&emu, http.clone())).await;
        })
        .await;
        assert_eq!(versions, vec!["2"; 4], "{versions:?}");
    }

    // HTTP/1.1 when asked.
    let versions = versions_of(|| async {
        let http = HyperClient::builder()
            .add_root_certificate(&pki.ca_der)
            .unwrap()
            .http1_only();
        call_each_service(&client(&emu, http)).await;
    })
    .await;
    assert_eq!(versions, vec!["1.1"; 4], "{versions:?}");
}

#[tokio::test]
async fn plain_http_is_http1_unless_h2c_is_asked_for() {
    let emu = emulator(None).await;
    let versions = versions_of(|| async {
        call_each_service(&client(&emu, HyperClient::builder())).await;
    })
    .await;
    assert_eq!(versions, vec!["1.1"; 4], "{versions:?}");
    let versions = versions_of(|| async {
        call_each_service(&client(
            &emu,
            HyperClient::builder().http2_prior_knowledge(),
        ))
        .await;
    })
    .await;
    assert_eq!(versions, vec!["2"; 4], "{versions:?}");
}

// ---- spans ----

/// Every span: its name, its parent's name, and its fields as text.
#[derive(Clone, Debug, Default)]
struct SpanRecord {
    name: &'static str,
    parent: Option<&'static str>,
    fields: HashMap<String, String>,
}

#[derive(Clone, Default)]
struct Capture {
    spans: Arc<Mutex<Vec<(Id, SpanRecord)>>>,
    events: Arc<Mutex<Vec<String>>>,
}

struct Fields<'a>(&'a mut HashMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl<S> Layer<S> for Capture
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut record = SpanRecord {
            name: attrs.metadata().name(),
            parent: ctx.span(id).and_then(|s| s.parent()).map(|p| p.name()),
            fields: HashMap::new(),
        };
        attrs.record(&mut Fields(&mut record.fields));
        self.spans.lock().unwrap().push((id.clone(), record));
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _ctx: Context<'_, S>) {
        let mut spans = self.spans.lock().unwrap();
        if let Some((_, record)) = spans.iter_mut().rev().find(|(i, _)| i == id) {
            values.record(&mut Fields(&mut record.fields));
        }
    }

    fn on_event(&self, event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
        let mut fields = HashMap::new();
        event.record(&mut Fields(&mut fields));
        self.events.lock().unwrap().push(format!("{fields:?}"));
    }
}

impl Capture {
    fn spans(&self) -> Vec<SpanRecord> {
        self.spans
            .lock()
            .unwrap()
            .iter()
            .map(|(_, r)| r.clone())
            .collect()
    }
}

/// Runs `f` under a capturing subscriber; the `network.protocol.version` of each `yoti.http`
/// span, in order.
async fn versions_of<F, Fut>(f: F) -> Vec<String>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let capture = Capture::default();
    let subscriber = tracing_subscriber::registry().with(capture.clone());
    let _guard = tracing::subscriber::set_default(subscriber);
    f().await;
    capture
        .spans()
        .into_iter()
        .filter(|s| s.name == "yoti.http")
        .map(|s| {
            s.fields
                .get("network.protocol.version")
                .cloned()
                .unwrap_or_default()
        })
        .collect()
}

#[tokio::test]
async fn one_operation_span_per_call_above_the_http_span() {
    let emu = emulator(None).await;
    let yoti = client(&emu, HyperClient::builder());
    let capture = Capture::default();
    let subscriber = tracing_subscriber::registry().with(capture.clone());
    let _guard = tracing::subscriber::set_default(subscriber);

    let spec = SessionSpec::builder()
        .requested_check(RequestedCheck::id_document_authenticity(Default::default()))
        .required_document(RequiredDocument::id_document())
        .build()
        .expect("spec");
    let created = yoti.idv().create_session(&spec).await.expect("create");
    let sid = created.session_id.to_string();
    let token = created
        .client_session_token
        .as_ref()
        .expect("a token")
        .expose_secret()
        .to_owned();
    yoti.idv()
        .get_session(&created.session_id)
        .await
        .expect("get");
    let missing = yoti.idv().get_session("no-such-session").await;
    assert!(missing.is_err());

    let spans = capture.spans();
    let named = |name: &str| spans.iter().filter(|s| s.name == name).collect::<Vec<_>>();
    let create = named("yoti.idv.create_session");
    assert_eq!(create.len(), 1, "{spans:#?}");
    assert_eq!(
        create[0].fields.get("yoti.session_id"),
        Some(&sid),
        "{:?}",
        create[0]
    );
    let get = named("yoti.idv.get_session");
    assert_eq!(get.len(), 2, "{spans:#?}");
    assert_eq!(get[0].fields.get("yoti.session_id"), Some(&sid));
    assert_eq!(
        get[1].fields.get("error.type").map(String::as_str),
        Some("404"),
        "{:?}",
        get[1]
    );

    let http = named("yoti.http");
    assert_eq!(http.len(), 3, "{spans:#?}");
    let port = emu.addr().port().to_string();
    for (span, (parent, method, path, status)) in http.iter().zip([
        (
            "yoti.idv.create_session",
            "POST",
            "/idverify/v1/sessions".to_owned(),
            "201",
        ),
        (
            "yoti.idv.get_session",
            "GET",
            format!("/idverify/v1/sessions/{sid}"),
            "200",
        ),
        (
            "yoti.idv.get_session",
            "GET",
            "/idverify/v1/sessions/no-such-session".to_owned(),
            "404",
        ),
    ]) {
        let field = |name: &str| span.fields.get(name).map(String::as_str);
        assert_eq!(span.parent, Some(parent), "{span:?}");
        assert_eq!(field("http.request.method"), Some(method), "{span:?}");
        assert_eq!(
            field("url.full"),
            Some(format!("http://127.0.0.1:{port}{path}").as_str()),
            "{span:?}"
        );
        assert_eq!(field("server.address"), Some("127.0.0.1"), "{span:?}");
        assert_eq!(field("server.port"), Some(port.as_str()), "{span:?}");
        assert_eq!(field("http.response.status_code"), Some(status), "{span:?}");
        assert_eq!(field("network.protocol.version"), Some("1.1"), "{span:?}");
    }
    assert_eq!(
        http[2].fields.get("error.type").map(String::as_str),
        Some("404")
    );
    assert_eq!(http[0].fields.get("error.type"), None);

    // The token, the nonce and the signature are nowhere: not in a span, not in an event.
    let everything = format!("{spans:?} {:?}", capture.events.lock().unwrap());
    assert!(
        !everything.contains(&token),
        "the client session token leaked"
    );
    assert!(
        !everything.contains("nonce"),
        "a query string leaked: {everything}"
    );
    assert!(
        !everything.to_lowercase().contains("x-yoti-auth-digest"),
        "{everything}"
    );
}
