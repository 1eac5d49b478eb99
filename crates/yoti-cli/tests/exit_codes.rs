//! The same failure gives the same exit code and the same error JSON in every family, run
//! through the real `yoti` binary against a real emulator on loopback.

mod support;

use std::collections::BTreeSet;
use std::process::Command;

use serde_json::Value;
use support::{Emu, Run, run, temp_file};

/// One command of each family that reaches its service: (family, service it names, args).
fn families(image: &str) -> Vec<(&'static str, Vec<String>)> {
    let args = |a: &[&str]| a.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    vec![
        ("idv", args(&["idv", "get-session", "no-such-session"])),
        (
            "age",
            args(&["age", "estimate", image, "--no-local-checks"]),
        ),
        ("poa", args(&["poa", "result", "no-such-result"])),
    ]
}

/// The member names of an error.
fn members(error: &Value) -> BTreeSet<String> {
    error
        .as_object()
        .expect("an object")
        .keys()
        .cloned()
        .collect()
}

struct Case {
    name: &'static str,
    /// The exit code and kind every family must give.
    code: i32,
    kind: &'static str,
    /// Changes the command of one family.
    setup: Box<dyn Fn(&mut Command)>,
    /// The `service` each family's error names (None: no service member).
    service: fn(&str) -> Option<&'static str>,
}

#[test]
fn the_same_failure_gives_the_same_code_and_json_in_every_family() {
    let emu = Emu::start();
    let tiny = temp_file("tiny.jpg", &[0xFF, 0xD8, 0xFF, 0xE0, 0, 16]);
    let not_a_key = temp_file("not-a-key.pem", b"this is not a key\n");
    // A loopback port with nothing listening.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    let same_service: fn(&str) -> Option<&'static str> = |family| match family {
        "idv" => Some("idv"),
        "age" => Some("age"),
        _ => Some("poa"),
    };
    let none: fn(&str) -> Option<&'static str> = |_| None;
    let not_a_key_env = not_a_key.clone();
    let not_a_key_flag = not_a_key.clone();
    let cases = vec![
        Case {
            name: "missing sdk id",
            code: 3,
            kind: "config",
            setup: Box::new(|c| {
                c.env_remove("YOTI_CLIENT_SDK_ID");
            }),
            service: none,
        },
        Case {
            name: "key file that is not a key (environment)",
            code: 3,
            kind: "config",
            setup: Box::new(move |c| {
                c.env("YOTI_KEY_FILE_PATH", &not_a_key_env);
            }),
            service: none,
        },
        Case {
            name: "key file that is not a key (--key)",
            code: 3,
            kind: "config",
            setup: Box::new(move |c| {
                c.arg("--key").arg(&not_a_key_flag);
            }),
            service: none,
        },
        Case {
            name: "missing key file",
            code: 3,
            kind: "config",
            setup: Box::new(|c| {
                c.env("YOTI_KEY_FILE_PATH", "/nonexistent/yoti-cli-key.pem");
            }),
            service: none,
        },
        Case {
            name: "unreachable URL (flags win over the environment)",
            code: 4,
            kind: "transport",
            setup: Box::new(move |c| {
                c.args(["--idv-url", &format!("{closed}/idverify/v1")])
                    .args(["--age-url", &format!("{closed}/ai/v1")])
                    .args(["--poa-url", &closed])
                    .args(["--token-url", &format!("{closed}/v1/oauth/token")]);
            }),
            // PoA's first request is for its bearer token.
            service: |family| match family {
                "idv" => Some("idv"),
                "age" => Some("age"),
                _ => Some("auth"),
            },
        },
        Case {
            name: "API 4xx",
            code: 1,
            kind: "api",
            setup: Box::new(|_| {}),
            service: same_service,
        },
        Case {
            name: "insecure base URL",
            code: 3,
            kind: "config",
            setup: Box::new(|c| {
                c.env("YOTI_AGE_API_URL", "http://example.com/ai/v1");
            }),
            // One client for every service: any refused URL stops every family.
            service: |_| Some("age"),
        },
    ];

    // Unchanged, every family succeeds (so each failure below is the case's own).
    let face = temp_file("face.jpg", &yoti_emulator::test_images::jpeg(400, 400, 7));
    for args in [
        &["idv", "supported-documents"][..],
        &["age", "estimate", face.to_str().unwrap()],
        &[
            "poa",
            "verify",
            "--qr",
            "age_over:18#ok",
            "--terminal-id",
            "pos-1",
        ],
    ] {
        run(emu.yoti().args(args)).ok();
    }

    for case in &cases {
        let mut seen: Vec<(&str, Run, Value)> = Vec::new();
        for (family, args) in families(tiny.to_str().unwrap()) {
            let mut command = emu.yoti();
            command.args(&args);
            (case.setup)(&mut command);
            let out = run(&mut command);
            let error = out.error();
            assert_eq!(out.stderr.lines().count(), 1, "{}: {out:#?}", case.name);
            assert_eq!(
                out.code,
                Some(case.code),
                "{}: {family}: {out:#?}",
                case.name
            );
            assert_eq!(
                error["kind"], case.kind,
                "{}: {family}: {out:#?}",
                case.name
            );
            assert_eq!(
                error["service"].as_str(),
                (case.service)(family),
                "{}: {family}: {out:#?}",
                case.name
            );
            seen.push((family, out, error));
        }
        let (first, first_out, first_error) = &seen[0];
        for (family, out, error) in &seen[1..] {
            assert_eq!(
                members(error),
                members(first_error),
                "{}: {family} and {first} differ:\n{out:#?}\n{first_out:#?}",
                case.name
            );
            if case.kind == "config" {
                // Nothing of the family shows in a configuration failure: the same bytes.
                assert_eq!(out.stderr, first_out.stderr, "{}: {family}", case.name);
            }
            if case.kind == "api" {
                let status = error["status"].as_u64().expect("a status");
                assert!((400..500).contains(&status), "{}: {out:#?}", case.name);
                assert!(error["code"].is_string(), "{}: {out:#?}", case.name);
                assert!(error["body"].is_object(), "{}: {out:#?}", case.name);
            }
            if case.kind == "transport" {
                assert_eq!(error["sent"], false, "a refused connection sent nothing");
            }
        }
    }
}

#[test]
fn our_own_usage_errors_exit_2_with_the_json_shape() {
    let emu = Emu::start();
    let commands: [&[&str]; 4] = [
        &["idv", "create-session", "--spec", "/nonexistent/spec.json"],
        &["age", "estimate", "/nonexistent/face.jpg"],
        &["poa", "verify", "--qr", "", "--terminal-id", "pos-1"],
        &["sign", "--path", "no-leading-slash"],
    ];
    for args in commands {
        let out = run(emu.yoti().args(args));
        let error = out.error();
        assert_eq!(out.stderr.lines().count(), 1, "{args:?}: {out:#?}");
        assert_eq!(out.code, Some(2), "{args:?}: {out:#?}");
        assert_eq!(error["kind"], "usage", "{args:?}: {out:#?}");
    }
    // Clap's own usage errors stay clap's text, with the same exit code.
    let out = run(emu.yoti().args(["idv", "no-such-command"]));
    assert_eq!(out.code, Some(2), "{out:#?}");
    assert!(out.stderr.contains("error:"), "{out:#?}");
    assert_eq!(emu.emulator.requests().len(), 0, "nothing was sent");
}

#[test]
fn a_wait_that_ends_before_the_result_is_final_exits_6_in_idv_and_poa() {
    let emu = Emu::start();
    let spec = temp_file(
        "wait-spec.json",
        br#"{"requested_checks": [{"type": "ID_DOCUMENT_AUTHENTICITY", "config": {}}],
             "required_documents": [{"type": "ID_DOCUMENT"}]}"#,
    );
    let created = run(emu
        .yoti()
        .args(["idv", "create-session", "--spec"])
        .arg(&spec))
    .ok();
    let session = created["session_id"].as_str().expect("a session id");
    // Nobody plays the user: the session stays unfinished.
    let idv = run(emu.yoti().args([
        "idv",
        "wait",
        session,
        "--timeout",
        "1",
        "--interval-ms",
        "100",
    ]));
    let poa = run(emu.yoti().args([
        "poa",
        "verify",
        "--qr",
        "async:age_over:21#wait",
        "--terminal-id",
        "pos-1",
        "--wait",
        "--timeout",
        "0",
    ]));
    for (out, service) in [(idv, "idv"), (poa, "poa")] {
        let error = out.error();
        assert_eq!(out.code, Some(6), "{out:#?}");
        assert_eq!(error["kind"], "incomplete", "{out:#?}");
        assert_eq!(error["service"], service, "{out:#?}");
    }
}

#[test]
fn help_ends_with_the_exit_code_table() {
    let out = run(support::clean_yoti().arg("--help"));
    assert_eq!(out.code, Some(0), "{out:#?}");
    for line in [
        "  0    ok",
        "  1    api ",
        "  2    usage ",
        "  3    config ",
        "  4    transport ",
        "  5    decode ",
        "  6    incomplete ",
        "  7    local ",
        "  141  (silent) ",
        "RUST_LOG",
    ] {
        assert!(
            out.stdout.contains(line),
            "{line:?} missing:\n{}",
            out.stdout
        );
    }
    // The global configuration flags, with their environment variables.
    for flag in [
        "--sdk-id",
        "--key",
        "--idv-url",
        "--age-url",
        "--poa-url",
        "--token-url",
    ] {
        assert!(out.stdout.contains(flag), "{flag} missing:\n{}", out.stdout);
    }
    assert!(out.stdout.contains("YOTI_CLIENT_SDK_ID"));
    // Global: shown (and accepted) after a subcommand too.
    let sub = run(support::clean_yoti().args(["poa", "result", "--help"]));
    assert!(sub.stdout.contains("--token-url"), "{sub:#?}");
}
