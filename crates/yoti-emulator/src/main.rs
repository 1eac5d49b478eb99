//! `yoti-emulator`: a local stand-in for Yoti's IDV, Age Estimation and Proof of Age services.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use yoti_emulator::{Emulator, FaultConfig};

/// A local emulator of Yoti's services, verifying request signatures like the real ones.
#[derive(Parser)] // no Debug: it holds the admin token
#[command(name = "yoti-emulator", version)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    /// An application: SDK_ID=PEM_PATH (public or private key PEM). Repeatable.
    #[arg(long = "app", value_name = "SDK_ID=PEM_PATH")]
    apps: Vec<String>,
    /// Share of requests (0.0 to 1.0) answered 503.
    #[arg(long, default_value_t = 0.0)]
    error_rate: f64,
    /// Share of requests (0.0 to 1.0) whose connection is dropped.
    #[arg(long, default_value_t = 0.0)]
    drop_rate: f64,
    /// Latency added to every answer, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// The URL clients reach the emulator at (default http://BIND): the token endpoint
    /// expects client assertions for PUBLIC_URL/v1/oauth/token.
    #[arg(long)]
    public_url: Option<String>,
    /// Require `Authorization: Bearer TOKEN` on the admin routes (/__emulator/*), which are
    /// otherwise unauthenticated.
    #[arg(long, env = "YOTI_EMULATOR_ADMIN_TOKEN", hide_env_values = true)]
    admin_token: Option<String>,
    /// How many requests the journal keeps (GET /__emulator/requests; 0: none).
    #[arg(long, default_value_t = yoti_emulator::DEFAULT_JOURNAL_CAPACITY)]
    journal_size: usize,
    /// Keep the state in FILE: loaded at start if it exists, saved on shutdown (Ctrl-C,
    /// SIGTERM) atomically. --app and --seed apply on top of what it loads.
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,
    /// A seed file (JSON): apps and their IDV response-configs, registered at start and
    /// again on every reset. Repeatable.
    #[arg(long = "seed", value_name = "FILE")]
    seeds: Vec<PathBuf>,
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("yoti-emulator: {e}");
            ExitCode::from(2)
        }
    }
}

async fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let mut builder = Emulator::builder()
        .bind(args.bind)
        .journal_capacity(args.journal_size)
        .faults(FaultConfig {
            error_rate: args.error_rate,
            drop_rate: args.drop_rate,
            latency_ms: args.latency_ms,
            ..FaultConfig::default()
        });
    if let Some(url) = args.public_url {
        builder = builder.public_url(url);
    }
    if let Some(token) = args.admin_token {
        builder = builder.admin_token(token);
    }
    if let Some(path) = args.state {
        builder = builder.state_file(path);
    }
    for seed in args.seeds {
        builder = builder.seed_file(seed);
    }
    for app in &args.apps {
        let (sdk_id, path) = app
            .split_once('=')
            .ok_or_else(|| format!("--app expects SDK_ID=PEM_PATH, got {app:?}"))?;
        let key = yoti_auth::PublicKey::from_pem_file(path).map_err(|source| {
            yoti_emulator::Error::AppKey {
                sdk_id: sdk_id.to_owned(),
                source,
            }
        })?;
        builder = builder.app(sdk_id, key);
    }
    let emulator = builder.start().await?;
    // The first line on stdout tells a script where to connect.
    println!("listening on {}", emulator.base_url());
    emulator.run_until(stop_signal()).await?;
    Ok(())
}

/// Ctrl-C, or SIGTERM (what `docker stop` and `kill` send) where there are signals.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
