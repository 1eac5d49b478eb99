//! Media download of 50 MB: the peak memory growth of the SDK's process while it streams the
//! content to a sink, against collecting the same content in memory, measured in the same
//! run. Prints the ratio. Target: under 8 MB when streamed.
//!
//! `cargo bench -p yoti-tests --bench media` (Linux: reads `/proc/self/status`).
//!
//! How memory is measured: the peak resident set (`VmHWM`), reset before each download by
//! writing `5` to `/proc/self/clear_refs`; the growth is the peak after the download minus the
//! resident set at the reset. It counts everything the process touched (heap, buffers,
//! stacks), not only what an allocator hands out, and needs no `unsafe` global allocator.
//!
//! So that the figure is the SDK's alone, the emulator holding the media runs in a **child
//! process** (this benchmark's own executable, started with `YOTI_BENCH_MEDIA_CHILD=1`): it
//! registers the application's public key, stores a 50 MiB media item in the session the
//! parent created (`Emulator::put_media`, a test aid) and serves it over loopback. The parent
//! downloads it with `IdvClient::get_media` on a current-thread runtime:
//! - streamed: `MediaStream::copy_to(&mut tokio::io::sink())`, twice (the first download on
//!   a cold process, the second warm); the figure is the larger growth of the two;
//! - collected, for contrast: `MediaStream::bytes()`.

#[expect(dead_code, reason = "each benchmark uses part of it")]
mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use yoti_emulator::Emulator;
use yoti_idv::models::SessionSpec;
use yoti_idv::models::spec::{ManualCheck, RequestedCheck};
use yoti_idv::{IdvClient, MediaContent, MediaStream};

use common::{SDK_ID, keys};

/// The media size: 50 MiB (a little over 50 MB).
const MEDIA_LEN: usize = 50 * 1024 * 1024;
/// The target: streamed growth under 8 MB.
const TARGET_BYTES: u64 = 8_000_000;

const CHILD_ENV: &str = "YOTI_BENCH_MEDIA_CHILD";
const PUBLIC_KEY_ENV: &str = "YOTI_BENCH_MEDIA_PUBLIC_KEY";

fn main() {
    if std::env::var_os(CHILD_ENV).is_some() {
        serve();
    } else {
        measure();
    }
}

// ----- the child: the emulator -----------------------------------------------------------------

/// Starts the emulator, says where it listens, stores the media in the session named on
/// stdin, says its id, then serves until stdin closes.
fn serve() {
    let public = std::env::var(PUBLIC_KEY_ENV).expect("the public key");
    let public = yoti_auth::PublicKey::from_pem(public).expect("a public key PEM");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let emu: Emulator = rt.block_on(async {
        Emulator::builder()
            .app(SDK_ID, public)
            .start()
            .await
            .expect("emulator starts")
    });
    println!("LISTENING {}", emu.base_url());
    let mut lines = std::io::stdin().lock().lines();
    let sid = lines.next().expect("a session id").expect("stdin");
    // Not all zeros, not compressible by accident: a counter pattern.
    let content: Vec<u8> = (0..MEDIA_LEN).map(|i| (i % 251) as u8).collect();
    let media = emu
        .put_media(&sid, "application/octet-stream", content)
        .expect("the session exists");
    println!("MEDIA {media}");
    std::io::stdout().flush().expect("stdout");
    for _ in lines {} // until the parent closes stdin
    rt.block_on(emu.shutdown());
}

/// The child process; killed if the parent stops early.
struct Server {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
}

impl Server {
    fn start(public_pem: &str) -> Self {
        let mut child = Command::new(std::env::current_exe().expect("this executable"))
            .env(CHILD_ENV, "1")
            .env(PUBLIC_KEY_ENV, public_pem)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the emulator process starts");
        let stdin = child.stdin.take();
        let stdout = BufReader::new(child.stdout.take().expect("stdout"));
        Self {
            child,
            stdin,
            stdout,
        }
    }

    /// The next line the child prints, after `prefix `.
    fn expect(&mut self, prefix: &str) -> String {
        let mut line = String::new();
        self.stdout.read_line(&mut line).expect("the child answers");
        line.trim_end()
            .strip_prefix(prefix)
            .and_then(|rest| rest.strip_prefix(' '))
            .unwrap_or_else(|| panic!("expected {prefix:?} from the emulator, got {line:?}"))
            .to_owned()
    }

    fn send(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin");
        writeln!(stdin, "{line}").expect("the child reads");
    }

    fn stop(mut self) {
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.stdin.is_some() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

// ----- the parent: the SDK -----------------------------------------------------------------------

/// A `kB` line of `/proc/self/status`, in bytes.
fn status_bytes(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|rest| rest.trim().strip_suffix("kB"))
        .and_then(|kb| kb.trim().parse::<u64>().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/self/status"))
        * 1024
}

/// Resets the peak resident set to the current one; answers the current one.
fn reset_peak() -> u64 {
    std::fs::write("/proc/self/clear_refs", "5").expect("/proc/self/clear_refs");
    status_bytes("VmRSS:")
}

/// The growth of the peak resident set while `f` runs, and how long it took.
fn peak_growth<T>(f: impl FnOnce() -> T) -> (u64, Duration, T) {
    let base = reset_peak();
    let start = Instant::now();
    let out = f();
    let elapsed = start.elapsed();
    (status_bytes("VmHWM:").saturating_sub(base), elapsed, out)
}

fn measure() {
    let (key, _) = keys();
    let mut server = Server::start(&key.public_key().to_pem());
    let base_url = server.expect("LISTENING");

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let client = IdvClient::builder()
        .sdk_id(SDK_ID)
        .key(key)
        .base_url(format!("{base_url}{}", yoti_emulator::mounts::IDV))
        .build()
        .expect("client");
    let spec = SessionSpec::builder()
        .requested_check(RequestedCheck::face_comparison(ManualCheck::Never))
        .build()
        .expect("spec");
    let sid = rt
        .block_on(client.create_session(&spec).send())
        .expect("session")
        .session_id
        .to_string();
    server.send(&sid);
    let media = server.expect("MEDIA");

    let open = || async {
        match client.get_media(&sid, &media).await.expect("get_media") {
            MediaContent::Content(stream) => stream,
            MediaContent::Withheld => panic!("the media is withheld"),
        }
    };
    let stream_to_sink = |stream: MediaStream| async move {
        stream
            .copy_to(&mut tokio::io::sink())
            .await
            .expect("streams")
    };

    let (cold, cold_time, n) =
        peak_growth(|| rt.block_on(async { stream_to_sink(open().await).await }));
    assert_eq!(n, MEDIA_LEN as u64);
    let (collected, collected_time, bytes) =
        peak_growth(|| rt.block_on(async { open().await.bytes().await.expect("collects") }));
    assert_eq!(bytes.len(), MEDIA_LEN);
    drop(bytes);
    let (warm, warm_time, n) =
        peak_growth(|| rt.block_on(async { stream_to_sink(open().await).await }));
    assert_eq!(n, MEDIA_LEN as u64);
    server.stop();

    let streamed = cold.max(warm);
    let mb = |b: u64| b as f64 / 1e6;
    let rate = |d: Duration| MEDIA_LEN as f64 / 1e6 / d.as_secs_f64();
    let ratio = streamed as f64 / collected as f64;
    let met = streamed < TARGET_BYTES;
    println!(
        "media: GET .../media/{{id}}/content of {MEDIA_LEN} bytes (50 MiB) over loopback from an \
         emulator in a child process; peak RSS growth of the SDK's process (VmHWM after a reset)"
    );
    println!(
        "  streamed to a sink, cold:  {:>7.2} MB  ({:>6.0} MB/s)",
        mb(cold),
        rate(cold_time)
    );
    println!(
        "  streamed to a sink, warm:  {:>7.2} MB  ({:>6.0} MB/s)",
        mb(warm),
        rate(warm_time)
    );
    println!(
        "  collected in memory:       {:>7.2} MB  ({:>6.0} MB/s)",
        mb(collected),
        rate(collected_time)
    );
    println!(
        "  ratio streamed / collected: {ratio:.3}; streamed under {} MB: {}",
        TARGET_BYTES / 1_000_000,
        if met { "met" } else { "NOT met" }
    );
    println!(
        "BENCH name=media-download-50mb value={:.2} unit=MB ratio={ratio:.3} target=value<8 \
         | peak RSS growth streaming 50 MiB to a sink (worse of cold and warm) / collecting \
         it in memory ({:.1} MB)",
        mb(streamed),
        mb(collected)
    );
}
