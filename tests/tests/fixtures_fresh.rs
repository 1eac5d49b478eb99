//! Committed generated fixtures are what their generators make today (`tests/src/recording.rs`,
//! shared with `cargo xtask fixtures`): the signature vectors, the recorded emulator answers
//! and the manifest of the generated test images. When one fails, run `cargo xtask fixtures`
//! and review the diff: a change there is a change of behaviour.

use std::path::Path;

use serde_json::Value;
use yoti_tests::recording::{
    self, AUTH_FIXTURES, EMULATOR_DIR, Fixture, RECORDINGS, Stale, VECTORS_KEY,
};

fn root() -> std::path::PathBuf {
    recording::workspace_root()
}

#[track_caller]
fn assert_fresh(what: &str, fixtures: &[Fixture]) {
    let stale = recording::stale(&root(), fixtures);
    if let Some(first) = stale.first() {
        let all: Vec<String> = stale.iter().map(ToString::to_string).collect();
        panic!(
            "{what}: {} stale (first: {}); run `cargo xtask fixtures` and review the diff\n{}",
            stale.len(),
            first.path(),
            all.join("\n")
        );
    }
}

#[test]
fn signature_vectors_are_fresh() {
    let dir = root().join(AUTH_FIXTURES);
    // Both forms of the test key sign alike, and like the committed file.
    for key in [VECTORS_KEY, "test-key-pkcs1.pem"] {
        let signer = recording::yoti_auth_signer(&dir.join(key)).expect("the test key loads");
        let fixture = recording::vectors(signer).expect("yoti-auth signs");
        assert_fresh(
            &format!("vectors signed by yoti-auth with {key}"),
            &[fixture],
        );
    }
    if recording::openssl_available() {
        let key = dir.join(VECTORS_KEY);
        let fixture =
            recording::vectors(|m| recording::openssl_sign(&key, m)).expect("openssl signs");
        assert_fresh("vectors signed by openssl", &[fixture]);
    } else {
        eprintln!("openssl not found: vectors checked with yoti-auth only");
    }
}

#[tokio::test]
async fn emulator_recordings_are_fresh() {
    let fixtures = recording::emulator_recordings()
        .await
        .unwrap_or_else(|e| panic!("recording the emulator: {e}"));
    assert_fresh("emulator recordings", &fixtures);
}

/// Independent of recording again: what is committed parses into the SDK's models, so the
/// files are also a regression suite for the models alone.
#[test]
fn committed_recordings_parse_into_the_models() {
    for r in RECORDINGS {
        let path = Path::new(EMULATOR_DIR).join(r.file);
        let text = std::fs::read_to_string(root().join(&path))
            .unwrap_or_else(|e| panic!("{}: {e}; run `cargo xtask fixtures`", path.display()));
        let body: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{}: not JSON: {e}", path.display()));
        if let Err(e) = r.model.check(&body) {
            panic!(
                "{}: does not parse into {}: {e}",
                path.display(),
                r.model.type_name()
            );
        }
    }
}

#[test]
fn image_manifest_is_fresh() {
    assert_fresh("image manifest", &[recording::image_manifest()]);
}

#[test]
fn a_stale_fixture_is_reported_with_its_path_and_line() {
    let mut fixture = recording::image_manifest();
    fixture.contents = fixture.contents.replacen("\"bytes\"", "\"byte_count\"", 1);
    let stale = recording::stale(&root(), &[fixture]);
    match stale.as_slice() {
        [Stale::Differs { path, line, .. }] => {
            assert_eq!(path, recording::IMAGE_MANIFEST);
            assert!(*line > 1);
        }
        other => panic!("expected one difference, got {other:?}"),
    }
}
