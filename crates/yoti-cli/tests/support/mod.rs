//! The `yoti` binary against a real emulator on loopback, with a real generated key.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;
use yoti_auth::PrivateKey;
use yoti_emulator::Emulator;

/// An emulator with one application, its key in a PEM file, and a runtime serving it.
pub(crate) struct Emu {
    pub(crate) emulator: Emulator,
    pub(crate) sdk_id: String,
    pub(crate) key_file: PathBuf,
    /// Serves the emulator for as long as this lives.
    _runtime: tokio::runtime::Runtime,
}

impl Emu {
    pub(crate) fn start() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let runtime = tokio::runtime::Runtime::new().expect("a runtime");
        let key = PrivateKey::generate(2048).expect("a key");
        let sdk_id = format!("cli-test-{n}");
        let emulator = runtime.block_on(async {
            Emulator::builder()
                .app(&sdk_id, key.public_key())
                .start()
                .await
                .expect("the emulator starts")
        });
        let key_file = temp_file(
            &format!("key-{n}.pem"),
            key.to_pkcs8_pem().unwrap().as_bytes(),
        );
        Self {
            emulator,
            sdk_id,
            key_file,
            _runtime: runtime,
        }
    }

    /// `yoti` with a clean environment holding this emulator's configuration.
    pub(crate) fn yoti(&self) -> Command {
        let mut command = clean_yoti();
        command
            .env("YOTI_CLIENT_SDK_ID", &self.sdk_id)
            .env("YOTI_KEY_FILE_PATH", &self.key_file)
            .env("YOTI_IDV_API_URL", self.emulator.idv_url())
            .env("YOTI_AGE_API_URL", self.emulator.age_url())
            .env("YOTI_POA_API_URL", self.emulator.poa_url())
            .env("YOTI_AUTH_URL", self.emulator.token_url());
        command
    }
}

/// `yoti` with no environment at all: no YOTI_* variable, no RUST_LOG.
pub(crate) fn clean_yoti() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_yoti"));
    command.env_clear();
    command
}

/// A file in the temporary directory, unique to this process.
pub(crate) fn temp_file(name: &str, bytes: &[u8]) -> PathBuf {
    let path = std::env::temp_dir().join(format!("yoti-cli-{}-{name}", std::process::id()));
    std::fs::write(&path, bytes).expect("write a temporary file");
    path
}

/// What a run of `yoti` printed.
#[derive(Debug)]
pub(crate) struct Run {
    pub(crate) code: Option<i32>,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Run {
    /// The JSON on stdout of a run that succeeded.
    pub(crate) fn ok(&self) -> Value {
        assert_eq!(self.code, Some(0), "{self:#?}");
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{e}: {self:#?}"))
    }

    /// The `error` member of the JSON line that ends stderr of a run that failed (progress
    /// lines, as `idv wait` prints, may come before it).
    pub(crate) fn error(&self) -> Value {
        assert_ne!(self.code, Some(0), "{self:#?}");
        assert!(self.stdout.is_empty(), "{self:#?}");
        let last = self.stderr.lines().last().unwrap_or_default();
        assert_eq!(
            self.stderr.matches("{\"error\":{\"kind\":").count(),
            1,
            "one error: {self:#?}"
        );
        let json: Value = serde_json::from_str(last).unwrap_or_else(|e| panic!("{e}: {self:#?}"));
        let error = json["error"].clone();
        assert!(error.is_object(), "{self:#?}");
        assert!(
            error["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{self:#?}"
        );
        error
    }
}

pub(crate) fn run(command: &mut Command) -> Run {
    let Output {
        status,
        stdout,
        stderr,
    } = command.output().expect("yoti runs");
    Run {
        code: status.code(),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}
