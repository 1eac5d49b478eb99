//! Every error the SDK answers becomes a [`Failure`] here: one function per error type, each
//! reading the error's own methods (`status()`, `code()`, `message()`, `body()`,
//! `is_not_sent()`), so that the same failure has the same kind, exit code and JSON in every
//! family.

use yoti::{age, idv, poa};

use crate::failure::{Failure, Kind, Service, chain};

/// A transport error (or a refused URL) of `service`.
pub(crate) fn http(error: &yoti::HttpError, service: Service) -> Failure {
    http_kind(error, chain(error), !error.is_connect()).service(service)
}

/// The kind of a transport error, with `message`; `sent`: whether the request may have left.
fn http_kind(error: &yoti::HttpError, message: String, sent: bool) -> Failure {
    use yoti::HttpError as E;
    match error {
        E::InvalidUrl { .. } | E::InsecureUrl { .. } => Failure::config(message),
        E::Build(_) => Failure::usage(message),
        _ => Failure::transport(message).sent(sent),
    }
}

/// The kind of a token endpoint error (Proof of Age's bearer tokens), with `message`.
fn auth_kind(error: &yoti_auth::Error, message: String) -> Failure {
    use yoti_auth::Error as E;
    match error {
        E::TokenRefresh { source, .. } => auth_kind(source, message),
        E::TokenRejected { status, .. } => {
            let oauth = error.oauth_error();
            Failure::new(Kind::Api, message)
                .status(*status)
                .code(oauth.map(|b| b.error.as_str().to_owned()))
                .body(oauth.and_then(|b| serde_json::to_string(b).ok()).as_deref())
        }
        E::TokenUnavailable {
            status: Some(status),
            ..
        } => Failure::new(Kind::Api, message).status(*status),
        E::TokenUnavailable { status: None, .. } => Failure::transport(message).sent(false),
        E::TokenInterrupted(_) => Failure::transport(message).sent(true),
        E::TokenInvalidResponse { .. } => Failure::new(Kind::Decode, message),
        E::InvalidRequest { .. } => Failure::usage(message),
        _ if error.is_key_error() => Failure::config(message),
        E::Signing | E::AssertionBuild(_) => Failure::config(message),
        _ => Failure::other(message),
    }
}

/// An Identity Verification error.
pub(crate) fn idv(error: idv::Error) -> Failure {
    use idv::Error as E;
    let message = chain(&error);
    let failure = match &error {
        E::Api(_) => Failure::new(Kind::Api, message),
        E::Validation(_) | E::Notification(_) => Failure::usage(message),
        E::Config { .. } | E::BaseUrl(_) | E::Env(_) | E::Signing(_) => Failure::config(message),
        E::Transport(e, _) => http_kind(e, message, !error.is_not_sent()),
        E::Decode { .. } => Failure::new(Kind::Decode, message),
        E::WaitTimeout { .. } => Failure::new(Kind::Incomplete, message),
        _ => Failure::other(message),
    };
    with_answer(
        failure,
        error.status().map(|s| s.as_u16()),
        error.code().map(|c| c.as_str().to_owned()),
        error.body(),
    )
    .service(Service::Idv)
}

/// An Age Estimation error. An image refused by the local checks is a usage error that
/// carries the code the service would have answered.
pub(crate) fn age(error: age::Error) -> Failure {
    use age::Error as E;
    let message = chain(&error);
    let failure = match &error {
        E::Api(_) => Failure::new(Kind::Api, message),
        E::Validation(_) | E::ImageCheck(_) => Failure::usage(message),
        E::Config { .. } | E::BaseUrl(_) | E::Env(_) | E::Signing(_) => Failure::config(message),
        E::Transport(e, _) => http_kind(e, message, !error.is_not_sent()),
        E::Decode { .. } => Failure::new(Kind::Decode, message),
        _ => Failure::other(message),
    };
    with_answer(
        failure,
        error.status().map(|s| s.as_u16()),
        error.code().map(|c| c.as_str().to_owned()),
        error.body(),
    )
    .service(Service::Age)
}

/// A Proof of Age error; a failure to get a bearer token is the token endpoint's.
pub(crate) fn poa(error: poa::Error) -> Failure {
    use poa::Error as E;
    let message = chain(&error);
    let failure = match &error {
        E::Token(e) => return auth_kind(e, message).service(Service::Auth),
        E::Api(_) => Failure::new(Kind::Api, message),
        E::Validation(_) | E::WebhookHeader { .. } | E::WebhookBody { .. } => {
            Failure::usage(message)
        }
        E::Config { .. } | E::Env(_) => Failure::config(message),
        E::Transport(e, _) => http_kind(e, message, !error.is_not_sent()),
        E::Decode { .. } => Failure::new(Kind::Decode, message),
        E::StillPending { .. } => Failure::new(Kind::Incomplete, message),
        _ => Failure::other(message),
    };
    with_answer(
        failure,
        error.status().map(|s| s.as_u16()),
        error.code().map(|c| c.as_str().to_owned()),
        error.body(),
    )
    .service(Service::Poa)
}

/// The facade's refusal to build a client: a configuration failure, whichever service
/// refused.
pub(crate) fn client(error: yoti::Error) -> Failure {
    match error {
        yoti::Error::Idv(e) => idv(e),
        yoti::Error::Age(e) => age(e),
        yoti::Error::Poa(e) => poa(e),
        other => Failure::config(chain(&other)),
    }
}

/// `failure` with what the answer said.
fn with_answer(
    failure: Failure,
    status: Option<u16>,
    code: Option<String>,
    body: Option<&str>,
) -> Failure {
    let failure = match status {
        Some(status) => failure.status(status),
        None => failure,
    };
    failure.code(code).body(body)
}
