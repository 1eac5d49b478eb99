//! `cargo xtask fixtures [--check] [--new-keys]`: regenerates the generated test fixtures.
//!
//! What is generated, and how, lives in `yoti_tests::recording` (`tests/src/recording.rs`),
//! which the staleness test `tests/tests/fixtures_fresh.rs` runs too: one implementation.
//! This command adds what only a developer does: signing the vectors with `openssl` (the
//! committed file says they are made with it), writing files, and `--new-keys`.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

use yoti_tests::recording::{self, AUTH_FIXTURES, Fixture, Stale, VECTORS_KEY};

pub(crate) const USAGE: &str = "fixtures [--check] [--new-keys]";

const HELP: &str = "\
cargo xtask fixtures [--check] [--new-keys]

Regenerates every generated test fixture, deterministically:
  crates/yoti-auth/tests/fixtures/vectors.json  the signature vectors, signed by openssl
                                                with the committed test key
  tests/fixtures/emulator/*.json                answers of the in-process emulator to a
                                                fixed IDV, age and PoA flow (volatile values
                                                replaced by placeholders), and their index
  tests/fixtures/images.json                    length, SHA-256 and header of each
                                                generated test image

  --check     write nothing: list the stale files and exit 1 if there are any
              (without openssl, the vectors are checked with yoti-auth's signer)
  --new-keys  first regenerate the labelled test keys of crates/yoti-auth/tests/fixtures
              with openssl (then the vectors are signed with the new key)";

const NO_OPENSSL: &str = "`openssl` was not found on PATH: `cargo xtask fixtures` signs the \
     vectors (and makes keys) with it. Install it (e.g. `apt-get install openssl`, `brew install \
     openssl`) and run again; `cargo xtask fixtures --check` works without it.";

#[derive(Debug, Default)]
struct Options {
    check: bool,
    new_keys: bool,
}

pub(crate) fn run(args: &[String]) -> ExitCode {
    let mut options = Options::default();
    for arg in args {
        match arg.as_str() {
            "--check" => options.check = true,
            "--new-keys" => options.new_keys = true,
            "-h" | "--help" => {
                println!("{HELP}");
                return ExitCode::SUCCESS;
            }
            other => {
                eprintln!("xtask fixtures: unknown option `{other}`\n\n{HELP}");
                return ExitCode::from(2);
            }
        }
    }
    if options.check && options.new_keys {
        eprintln!("xtask fixtures: --check writes nothing, --new-keys writes keys: pick one");
        return ExitCode::from(2);
    }
    match generate(&options) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("xtask fixtures: {e}");
            ExitCode::FAILURE
        }
    }
}

fn generate(options: &Options) -> Result<ExitCode, String> {
    let root = recording::workspace_root();
    let keys = root.join(AUTH_FIXTURES);
    let openssl = recording::openssl_available();
    if options.new_keys {
        if !openssl {
            return Err(NO_OPENSSL.to_owned());
        }
        new_keys(&keys)?;
        println!("new keys written to {AUTH_FIXTURES}");
    }

    let key = keys.join(VECTORS_KEY);
    let vectors = if openssl {
        recording::vectors(|message| recording::openssl_sign(&key, message))?
    } else if options.check {
        eprintln!("note: openssl not found: checking the vectors with yoti-auth's signer");
        recording::vectors(recording::yoti_auth_signer(&key)?)?
    } else {
        return Err(NO_OPENSSL.to_owned());
    };

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start a tokio runtime: {e}"))?;
    let recorded = runtime
        .block_on(recording::emulator_recordings())
        .map_err(|e| format!("recording the emulator: {e}"))?;

    let mut fixtures = vec![vectors];
    fixtures.extend(recorded);
    fixtures.push(recording::image_manifest());
    let stale = recording::stale(&root, &fixtures);

    if options.check {
        if stale.is_empty() {
            println!("fixtures: all {} up to date", fixtures.len());
            return Ok(ExitCode::SUCCESS);
        }
        eprintln!("fixtures: {} stale:", stale.len());
        for s in &stale {
            eprintln!("  {s}");
        }
        eprintln!("run `cargo xtask fixtures` and review the diff");
        return Ok(ExitCode::FAILURE);
    }
    write(&root, &fixtures, &stale)?;
    println!(
        "fixtures: {} generated, {} updated",
        fixtures.len(),
        stale.len()
    );
    Ok(ExitCode::SUCCESS)
}

/// Writes the stale fixtures and removes the files no longer generated.
fn write(root: &Path, fixtures: &[Fixture], stale: &[Stale]) -> Result<(), String> {
    for s in stale {
        let path = root.join(s.path());
        match s {
            Stale::Unexpected { .. } => {
                std::fs::remove_file(&path)
                    .map_err(|e| format!("removing {}: {e}", path.display()))?;
                println!("  removed {}", s.path());
            }
            Stale::Missing { .. } | Stale::Differs { .. } => {
                let fixture = fixtures
                    .iter()
                    .find(|f| f.path == s.path())
                    .ok_or_else(|| format!("{}: not generated", s.path()))?;
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)
                        .map_err(|e| format!("creating {}: {e}", dir.display()))?;
                }
                std::fs::write(&path, &fixture.contents)
                    .map_err(|e| format!("writing {}: {e}", path.display()))?;
                println!("  wrote {}", s.path());
            }
        }
    }
    Ok(())
}

// ----- --new-keys ----------------------------------------------------------------------------

/// Each labelled key: its file, the first line openssl writes, and how it is made (run in
/// the folder of the new keys, in this order).
const KEYS: &[(&str, &str, &[&str])] = &[
    (
        "test-key-pkcs8.pem",
        "-----BEGIN PRIVATE KEY-----",
        &[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
        ],
    ),
    (
        "test-key-pkcs1.pem",
        "-----BEGIN RSA PRIVATE KEY-----",
        &["rsa", "-in", "test-key-pkcs8.pem", "-traditional"],
    ),
    (
        "test-key-spki.pem",
        "-----BEGIN PUBLIC KEY-----",
        &["pkey", "-in", "test-key-pkcs8.pem", "-pubout"],
    ),
    (
        "test-key-rsa-public.pem",
        "-----BEGIN RSA PUBLIC KEY-----",
        &["rsa", "-in", "test-key-pkcs8.pem", "-RSAPublicKey_out"],
    ),
    (
        "rsa-1024.pem",
        "-----BEGIN PRIVATE KEY-----",
        &[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:1024",
        ],
    ),
    (
        "rsa-4608.pem",
        "-----BEGIN PRIVATE KEY-----",
        &[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:4608",
        ],
    ),
    (
        "ec-p256-pkcs8.pem",
        "-----BEGIN PRIVATE KEY-----",
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
        ],
    ),
    (
        "ec-p256-sec1.pem",
        "-----BEGIN EC PRIVATE KEY-----",
        &["ec", "-in", "ec-p256-pkcs8.pem"],
    ),
    (
        "encrypted-pkcs8.pem",
        "-----BEGIN ENCRYPTED PRIVATE KEY-----",
        &[
            "pkcs8",
            "-topk8",
            "-in",
            "test-key-pkcs8.pem",
            "-v2",
            "aes-256-cbc",
            "-passout",
            "pass:test",
        ],
    ),
    (
        "encrypted-pkcs1.pem",
        "-----BEGIN RSA PRIVATE KEY-----",
        &[
            "rsa",
            "-in",
            "test-key-pkcs8.pem",
            "-traditional",
            "-aes128",
            "-passout",
            "pass:test",
        ],
    ),
];

/// Runs `openssl ARGS -out FILE` in `dir`; OpenSSL 1.1 has no `-traditional` (its `rsa`
/// writes PKCS#1 anyway), so a failure with it is retried without it.
fn openssl_to(dir: &Path, args: &[&str], file: &str) -> Result<(), String> {
    let attempt = |args: &[&str]| {
        Command::new("openssl")
            .args(args)
            .args(["-out", file])
            .current_dir(dir)
            .stdin(Stdio::null())
            .output()
    };
    let out = attempt(args).map_err(|e| format!("cannot run openssl: {e}"))?;
    if out.status.success() {
        return Ok(());
    }
    if args.contains(&"-traditional") {
        let without: Vec<&str> = args
            .iter()
            .copied()
            .filter(|a| *a != "-traditional")
            .collect();
        if attempt(&without).is_ok_and(|o| o.status.success()) {
            return Ok(());
        }
    }
    Err(format!(
        "openssl {} -out {file} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr).trim()
    ))
}

/// Makes every labelled key in a scratch folder, checks each is what its label says (with
/// yoti-auth), then copies them into `dest`: a failure leaves the committed keys alone.
fn new_keys(dest: &Path) -> Result<(), String> {
    let scratch = std::env::temp_dir().join(format!("yoti-xtask-keys-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).map_err(|e| format!("{}: {e}", scratch.display()))?;
    let made = make_keys(&scratch).and_then(|()| check_keys(&scratch));
    let copied = made.and_then(|()| {
        for (file, _, _) in KEYS {
            std::fs::copy(scratch.join(file), dest.join(file))
                .map_err(|e| format!("copying {file}: {e}"))?;
        }
        Ok(())
    });
    let _ = std::fs::remove_dir_all(&scratch);
    copied
}

fn make_keys(dir: &Path) -> Result<(), String> {
    for (file, first_line, args) in KEYS {
        openssl_to(dir, args, file)?;
        let pem = std::fs::read_to_string(dir.join(file)).map_err(|e| format!("{file}: {e}"))?;
        if pem.lines().next() != Some(*first_line) {
            return Err(format!(
                "openssl wrote {file} starting with {:?}, expected {first_line:?}",
                pem.lines().next().unwrap_or_default()
            ));
        }
    }
    Ok(())
}

/// The labels of the fixtures README, checked with yoti-auth.
fn check_keys(dir: &Path) -> Result<(), String> {
    use yoti_auth::{PrivateKey, PublicKey};
    let path = |file: &str| -> PathBuf { dir.join(file) };
    let private = |file: &str| PrivateKey::from_pem_file(path(file));
    let public = |file: &str| {
        PublicKey::from_pem_file(path(file))
            .map(|k| k.to_pem())
            .map_err(|e| format!("{file}: {e}"))
    };
    let pkcs8 = private("test-key-pkcs8.pem").map_err(|e| format!("test-key-pkcs8.pem: {e}"))?;
    let pkcs1 = private("test-key-pkcs1.pem").map_err(|e| format!("test-key-pkcs1.pem: {e}"))?;
    if pkcs8.bits() != 2048 {
        return Err(format!("test-key-pkcs8.pem has {} bits", pkcs8.bits()));
    }
    let expected = pkcs8.public_key().to_pem();
    if pkcs1.public_key().to_pem() != expected
        || public("test-key-spki.pem")? != expected
        || public("test-key-rsa-public.pem")? != expected
    {
        return Err("the forms of the test key are not one key".to_owned());
    }
    for refused in [
        "rsa-1024.pem",
        "rsa-4608.pem",
        "ec-p256-pkcs8.pem",
        "ec-p256-sec1.pem",
        "encrypted-pkcs8.pem",
        "encrypted-pkcs1.pem",
    ] {
        if private(refused).is_ok() {
            return Err(format!(
                "yoti-auth accepts {refused}, which must be refused"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Slow (RSA 4608 generation) and needs openssl: `cargo test -p xtask -- --ignored`.
    #[test]
    #[ignore = "generates RSA keys with openssl"]
    fn new_keys_are_what_their_labels_say() {
        assert!(recording::openssl_available(), "needs openssl");
        let dir = std::env::temp_dir().join(format!("yoti-xtask-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        make_keys(&dir).unwrap();
        check_keys(&dir).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
