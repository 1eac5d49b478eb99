//! The invariants of docs/ARCHITECTURE.md that a machine can check, read from `cargo metadata`.

use std::collections::BTreeMap;
use std::process::Command;

use serde_json::Value;

/// Each workspace crate's normal (non-dev) dependencies, by name.
fn normal_deps() -> BTreeMap<String, Vec<String>> {
    let out = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: Value = serde_json::from_slice(&out.stdout).expect("metadata is JSON");
    meta["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|p| {
            let deps = p["dependencies"]
                .as_array()
                .expect("dependencies")
                .iter()
                .filter(|d| d["kind"].is_null())
                .map(|d| d["name"].as_str().expect("name").to_owned())
                .collect();
            (p["name"].as_str().expect("name").to_owned(), deps)
        })
        .collect()
}

fn yoti_deps(deps: &[String]) -> Vec<&str> {
    deps.iter()
        .map(String::as_str)
        .filter(|d| d.starts_with("yoti-"))
        .collect()
}

#[test]
fn yoti_types_does_no_io_and_no_crypto() {
    let deps = &normal_deps()["yoti-types"];
    for banned in [
        "tokio",
        "hyper",
        "http",
        "aws-lc-rs",
        "yoti-auth",
        "yoti-http",
    ] {
        assert!(
            !deps.iter().any(|d| d == banned),
            "yoti-types depends on {banned}"
        );
    }
    assert!(
        yoti_deps(deps).is_empty(),
        "yoti-types depends on {:?}",
        yoti_deps(deps)
    );
}

#[test]
fn yoti_auth_does_no_http() {
    let deps = &normal_deps()["yoti-auth"];
    // tokio's sync primitives are fine (the token cache); sockets and HTTP stacks are not.
    for banned in [
        "hyper",
        "hyper-util",
        "hyper-rustls",
        "reqwest",
        "axum",
        "yoti-http",
    ] {
        assert!(
            !deps.iter().any(|d| d == banned),
            "yoti-auth depends on {banned}"
        );
    }
}

#[test]
fn service_crates_do_not_expose_hyper() {
    // Not depending on hyper directly is the simplest guarantee that no hyper type can
    // appear in a service crate's public API.
    let all = normal_deps();
    for service in ["yoti-idv", "yoti-age", "yoti-poa"] {
        let deps = &all[service];
        for banned in ["hyper", "hyper-util", "hyper-rustls"] {
            assert!(
                !deps.iter().any(|d| d == banned),
                "{service} depends on {banned}"
            );
        }
    }
}

#[test]
fn yoti_http_knows_nothing_of_yoti() {
    // yoti-types alone, for its one I/O-free helper every retry loop shares (`Backoff`):
    // no service, no auth, no pipeline.
    let deps = &normal_deps()["yoti-http"];
    let yoti: Vec<_> = yoti_deps(deps)
        .into_iter()
        .filter(|d| *d != "yoti-types")
        .collect();
    assert!(yoti.is_empty(), "yoti-http depends on {yoti:?}");
}

#[test]
fn the_emulator_depends_on_types_and_auth_only() {
    let deps = &normal_deps()["yoti-emulator"];
    for dep in yoti_deps(deps) {
        assert!(
            matches!(dep, "yoti-types" | "yoti-auth"),
            "yoti-emulator depends on {dep}"
        );
    }
}

/// The graph as cargo builds it here (features resolved), not the lockfile, which also lists
/// optional dependencies nothing activates (rustls-webpki's optional `ring`).
///
/// Host platform only, and offline: this test must need nothing that `cargo test --workspace`
/// has not already fetched, so that the README's test command passes on a machine with an
/// empty cargo registry (`--target all` would want every other platform's crates). The other
/// platforms' graphs are checked by `cargo deny check bans` in `.ci/run`, where `deny.toml`
/// bans the same crates.
#[test]
fn no_crate_uses_another_crypto_library() {
    let out = Command::new(env!("CARGO"))
        .args(["tree", "--workspace", "--offline", "--prefix", "none"])
        .args(["--edges", "normal,build,dev", "--format", "{p}"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo tree runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tree = String::from_utf8_lossy(&out.stdout);
    assert!(
        tree.lines().any(|l| l.starts_with("aws-lc-rs ")),
        "aws-lc-rs is in the graph"
    );
    for banned in ["rsa", "ring", "openssl"] {
        let prefix = format!("{banned} v");
        assert!(
            !tree.lines().any(|l| l.starts_with(&prefix)),
            "the build graph contains {banned}"
        );
    }
}

#[test]
fn every_crate_forbids_unsafe_code() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let manifest = std::fs::read_to_string(format!("{root}/Cargo.toml")).expect("root manifest");
    assert!(
        manifest.contains("unsafe_code = \"forbid\""),
        "workspace lints forbid unsafe"
    );
    for (name, _) in normal_deps() {
        let dir = if name == "yoti-tests" {
            "tests".to_owned()
        } else if name == "xtask" {
            "xtask".to_owned()
        } else {
            format!("crates/{name}")
        };
        let member = std::fs::read_to_string(format!("{root}/{dir}/Cargo.toml"))
            .unwrap_or_else(|e| panic!("{dir}/Cargo.toml: {e}"));
        assert!(
            member.contains("[lints]\nworkspace = true"),
            "{name} does not use the workspace lints"
        );
    }
}
