//! How a command fails: one exit-code table and one JSON shape on stderr, for every family.
//!
//! Every failure prints one line on stderr,
//! `{"error":{"kind":..,"message":..,"service":..,"status":..,"code":..,"sent":..,"body":..}}`
//! (members absent when unknown), and exits with its kind's code. Clap's own usage errors stay
//! clap's text, with exit code 2 too. A closed stdout (`yoti ... | head -c1`) ends silently.

use std::process::ExitCode;

use serde::Serialize;
use serde_json::Value;

/// What went wrong, and so the exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// The service answered an error status.
    Api,
    /// Bad flags, arguments or input files.
    Usage,
    /// Credentials or base URLs missing or unusable.
    Config,
    /// No complete answer.
    Transport,
    /// An answer that does not have the documented shape.
    Decode,
    /// The command ran, but did not reach its end in time (or a demo step failed).
    Incomplete,
    /// A local failure.
    Local,
    /// The reader of stdout went away.
    ClosedPipe,
}

impl Serialize for Kind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl Kind {
    /// Every kind that prints, in the order of the table.
    pub(crate) const ALL: [Kind; 7] = [
        Kind::Api,
        Kind::Usage,
        Kind::Config,
        Kind::Transport,
        Kind::Decode,
        Kind::Incomplete,
        Kind::Local,
    ];

    /// The process exit code.
    pub(crate) fn exit_code(self) -> u8 {
        match self {
            Kind::Api => 1,
            Kind::Usage => 2,
            Kind::Config => 3,
            Kind::Transport => 4,
            Kind::Decode => 5,
            Kind::Incomplete => 6,
            Kind::Local => 7,
            // 128 + SIGPIPE, as a shell reports a process killed by a closed pipe.
            Kind::ClosedPipe => 141,
        }
    }

    /// The `kind` member of the JSON.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Kind::Api => "api",
            Kind::Usage => "usage",
            Kind::Config => "config",
            Kind::Transport => "transport",
            Kind::Decode => "decode",
            Kind::Incomplete => "incomplete",
            Kind::Local => "local",
            Kind::ClosedPipe => "closed_pipe",
        }
    }

    /// One line of the exit-code table.
    pub(crate) fn meaning(self) -> &'static str {
        match self {
            Kind::Api => {
                "the service (or the token endpoint) answered an error status: see status, code, body"
            }
            Kind::Usage => {
                "bad flags, arguments or input files, or a request refused before it was sent"
            }
            Kind::Config => {
                "no SDK id, an unreadable or invalid key, or an unusable base URL (or RUST_LOG)"
            }
            Kind::Transport => {
                "no complete answer: connect, TLS, timeout, deadline, connection lost, body too large"
            }
            Kind::Decode => "the answer does not have the documented shape",
            Kind::Incomplete => {
                "a wait ended before the result was final (idv wait, poa verify --wait), or a demo step failed"
            }
            Kind::Local => "a local failure: writing an output file, starting the runtime",
            Kind::ClosedPipe => {
                "stdout was closed by its reader (piped into head, say): nothing printed"
            }
        }
    }
}

/// The exit-code table, as `yoti --help` shows it (the README has the same rows).
pub(crate) fn exit_codes() -> String {
    let mut text = String::from(
        "Exit codes (a failure prints one JSON line on stderr:\n\
         {\"error\":{\"kind\",\"message\",\"service\",\"status\",\"code\",\"sent\",\"body\"}}):\n  0    ok\n",
    );
    for kind in Kind::ALL {
        text.push_str(&format!(
            "  {:<4} {:<11} {}\n",
            kind.exit_code(),
            kind.as_str(),
            kind.meaning()
        ));
    }
    text.push_str(&format!(
        "  141  (silent)    {}\n\n\
         Logs: RUST_LOG=debug (or any tracing filter) writes the SDK's logs on stderr; none by\n\
         default. Keys and tokens are never logged.",
        Kind::ClosedPipe.meaning()
    ));
    text
}

/// Which API a failure is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Service {
    /// Identity Verification.
    Idv,
    /// Age Estimation.
    Age,
    /// Proof of Age.
    Poa,
    /// The token endpoint (Proof of Age's bearer tokens).
    Auth,
    /// The emulator's own routes.
    Emulator,
}

/// A failure: printed as JSON on stderr, mapped to an exit code.
#[derive(Debug, Serialize)]
pub(crate) struct Failure {
    kind: Kind,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    service: Option<Service>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<String>,
    /// For transport failures: whether the request may have left (false: it surely did not).
    #[serde(skip_serializing_if = "Option::is_none")]
    sent: Option<bool>,
    /// The raw body of an error answer: its JSON, or its text.
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<Value>,
}

impl Failure {
    /// A failure of `kind` with `message`.
    pub(crate) fn new(kind: Kind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            service: None,
            status: None,
            code: None,
            sent: None,
            body: None,
        }
    }

    /// Bad usage: exit code 2.
    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Self::new(Kind::Usage, message)
    }

    /// Missing or unusable configuration: exit code 3.
    pub(crate) fn config(message: impl Into<String>) -> Self {
        Self::new(Kind::Config, message)
    }

    /// No complete answer: exit code 4.
    pub(crate) fn transport(message: impl Into<String>) -> Self {
        Self::new(Kind::Transport, message)
    }

    /// A local failure: exit code 7.
    pub(crate) fn other(message: impl Into<String>) -> Self {
        Self::new(Kind::Local, message)
    }

    /// The reader of stdout went away: nothing printed, exit code 141.
    pub(crate) fn closed_pipe() -> Self {
        Self::new(Kind::ClosedPipe, "")
    }

    /// An error answer with `status` and its raw `body` (code and message read from it when
    /// it is Yoti's error JSON).
    pub(crate) fn answer(status: u16, body: &[u8]) -> Self {
        let body = raw_body(body);
        let code = body
            .as_ref()
            .and_then(|b| b.get("code").or_else(|| b.get("error")))
            .and_then(Value::as_str)
            .map(str::to_owned);
        let message = body
            .as_ref()
            .and_then(|b| b.get("message").or_else(|| b.get("error_description")))
            .and_then(Value::as_str)
            .map_or_else(
                || format!("the service answered {status}"),
                |m| format!("the service answered {status}: {m}"),
            );
        let mut failure = Self::new(Kind::Api, message).status(status);
        failure.code = code;
        failure.body = body;
        failure
    }

    /// The kind.
    #[cfg(test)]
    pub(crate) fn kind(&self) -> Kind {
        self.kind
    }

    /// Sets the service.
    pub(crate) fn service(mut self, service: Service) -> Self {
        self.service = Some(service);
        self
    }

    /// Puts `prefix` before the message: `prefix: message`.
    pub(crate) fn message_prefix(mut self, prefix: &str) -> Self {
        self.message = format!("{prefix}: {}", self.message);
        self
    }

    /// Sets the HTTP status.
    pub(crate) fn status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    /// Sets the Yoti (or OAuth) error code.
    pub(crate) fn code(mut self, code: Option<String>) -> Self {
        self.code = code;
        self
    }

    /// Sets whether the request may have left.
    pub(crate) fn sent(mut self, sent: bool) -> Self {
        self.sent = Some(sent);
        self
    }

    /// Sets the raw body of an error answer.
    pub(crate) fn body(mut self, body: Option<&str>) -> Self {
        self.body = body.and_then(|b| raw_body(b.as_bytes()));
        self
    }

    /// The JSON printed on stderr.
    pub(crate) fn to_json(&self) -> String {
        #[derive(Serialize)]
        struct Printed<'a> {
            error: &'a Failure,
        }
        serde_json::to_string(&Printed { error: self })
            .unwrap_or_else(|e| format!(r#"{{"error":{{"kind":"local","message":"{e}"}}}}"#))
    }

    /// Prints the failure on stderr (nothing for a closed pipe) and answers the exit code.
    pub(crate) fn report(self) -> ExitCode {
        if self.kind != Kind::ClosedPipe {
            use std::io::Write as _;
            let _ = writeln!(std::io::stderr().lock(), "{}", self.to_json());
        }
        ExitCode::from(self.kind.exit_code())
    }
}

/// A raw error body: its JSON when it is JSON, else its text (at most 4 KiB); `None` when
/// empty.
fn raw_body(body: &[u8]) -> Option<Value> {
    const MAX_TEXT: usize = 4096;
    if body.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    if let Ok(json) = serde_json::from_slice::<Value>(body) {
        return Some(json);
    }
    let text = String::from_utf8_lossy(body);
    let mut end = text.len().min(MAX_TEXT);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    Some(Value::String(text[..end].to_owned()))
}

/// An error and its sources on one line, `a: b: c`. Errors never repeat their source in their
/// own message (a test in every crate walks the chains), so each cause shows once.
pub(crate) fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        text.push_str(": ");
        text.push_str(&e.to_string());
        source = e.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_in_help_and_readme_lists_every_kind_with_its_code() {
        let readme = include_str!("../README.md");
        let help = exit_codes();
        assert!(help.contains("\n  0    ok\n"), "{help}");
        assert!(readme.contains("| 0 | (none) | ok |"), "the README lacks 0");
        for kind in Kind::ALL {
            let code = kind.exit_code();
            let name = kind.as_str();
            let meaning = kind.meaning();
            let line = format!("  {code:<4} {name:<11} {meaning}\n");
            assert!(help.contains(&line), "--help lacks {line:?}:\n{help}");
            let row = format!("| {code} | `{name}` | {meaning} |");
            assert!(readme.contains(&row), "the README lacks {row:?}");
        }
        let closed = Kind::ClosedPipe;
        assert!(help.contains(&format!("  141  (silent)    {}\n", closed.meaning())));
        assert!(readme.contains(&format!("| 141 | (none) | {} |", closed.meaning())));
    }

    #[test]
    fn members_are_absent_when_unknown() {
        let json = Failure::config("no SDK id").to_json();
        assert_eq!(json, r#"{"error":{"kind":"config","message":"no SDK id"}}"#);
        let answer =
            Failure::answer(422, br#"{"code":"BAD","message":"no"}"#).service(Service::Idv);
        let json: Value = serde_json::from_str(&answer.to_json()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"error": {"kind": "api", "message": "the service answered 422: no",
                "service": "idv", "status": 422, "code": "BAD", "body": {"code": "BAD", "message": "no"}}})
        );
        let text = Failure::answer(502, b"<html>bad gateway</html>");
        assert!(
            text.to_json()
                .contains(r#""body":"<html>bad gateway</html>""#)
        );
    }
}
