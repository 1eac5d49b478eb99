//! Quick start: the emulator in-process, and a signed request to it over real HTTP.
//!
//! `cargo run --example quickstart`: no configuration, no network beyond loopback.
//!
//! It generates an application key, starts the emulator on a free loopback port with that
//! application registered, and fetches the IDV supported documents through yoti-auth
//! (signing) and yoti-http (transport, retries), exactly as a service client does.

use http::Method;
use yoti_auth::{PrivateKey, RequestSigner, SdkIdPlacement};
use yoti_emulator::Emulator;
use yoti_http::Transport;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sdk_id = uuid_like();
    let key = PrivateKey::generate(2048)?;
    let emulator = Emulator::builder()
        .app(&sdk_id, key.public_key())
        .start()
        .await?;
    println!("emulator listening on {}", emulator.base_url());

    let signer = RequestSigner::new(&sdk_id, key);
    let request = signer
        .request(Method::GET, &emulator.idv_url(), "/supported-documents")
        .sdk_id(SdkIdPlacement::Omit)
        .query("includeNonLatin", "true");
    let transport = Transport::default();
    let response = transport.execute(|_| request.build()).await?;
    let status = response.status();
    let body: serde_json::Value = serde_json::from_slice(&response.into_body().collect().await?)?;
    println!("GET /supported-documents -> {status}");
    for country in body["supported_countries"].as_array().into_iter().flatten() {
        let docs: Vec<&str> = country["supported_documents"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|d| d["type"].as_str())
            .collect();
        println!(
            "  {}: {}",
            country["code"].as_str().unwrap_or("?"),
            docs.join(", ")
        );
    }
    let stats = emulator.stats();
    println!(
        "emulator verified {} signed request(s), rejected {}",
        stats.verified, stats.rejected
    );
    emulator.shutdown().await;
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("unexpected status {status}").into())
    }
}

/// A fresh SDK id for this run.
fn uuid_like() -> String {
    format!("quickstart-{:08x}", fastrand::u32(..))
}
