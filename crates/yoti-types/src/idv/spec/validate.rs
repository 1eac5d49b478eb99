//! What `POST /sessions` would refuse, checked before anything is sent.

use std::borrow::Cow;
use std::net::{Ipv4Addr, Ipv6Addr};

use super::SessionSpec;
use super::checks::RequestedCheck;
use super::documents::{DocumentFilter, Inclusion, RequiredDocument};
use crate::ValidationError;

/// The smallest `resources_ttl` the service accepts, in seconds.
pub const MIN_RESOURCES_TTL: u64 = 86_700;

/// The colour pattern of the reference, for error messages.
const COLOUR_PATTERN: &str = "^#([A-Fa-f0-9]{6}|[A-Fa-f0-9]{3})$";

/// How strictly [`SessionSpec::validate`] checks a specification.
///
/// The default is strict: what Yoti's service itself requires.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ValidationOptions {
    /// Accept a plain `http://` notification endpoint when its host is a loopback address
    /// (`127.0.0.0/8`, `[::1]`, `localhost`). Set it only when the client talks to a loopback
    /// emulator, which can call such an endpoint; Yoti's service cannot.
    pub allow_loopback_http: bool,
}

impl ValidationOptions {
    /// The strict default: what Yoti's service requires.
    pub const fn strict() -> Self {
        Self {
            allow_loopback_http: false,
        }
    }

    /// For a client pointed at a loopback emulator: also accepts `http://` loopback
    /// notification endpoints.
    pub const fn loopback_emulator() -> Self {
        Self {
            allow_loopback_http: true,
        }
    }
}

impl SessionSpec {
    /// Checks what the service would refuse, and returns the first rule broken.
    ///
    /// The rules:
    /// - `session_deadline` and `client_session_token_ttl` are mutually exclusive
    ///   ([`MutuallyExclusive`](ValidationError::MutuallyExclusive));
    /// - `resources_ttl` is at least [`MIN_RESOURCES_TTL`]
    ///   ([`OutOfRange`](ValidationError::OutOfRange));
    /// - identity profile requirements (simple or advanced) exclude requested checks,
    ///   requested tasks and required documents
    ///   ([`MutuallyExclusive`](ValidationError::MutuallyExclusive));
    /// - `sdk_config` colours are `#rgb` or `#rrggbb`
    ///   ([`Pattern`](ValidationError::Pattern)); its locale is not blank
    ///   ([`Empty`](ValidationError::Empty));
    /// - the notification endpoint is set ([`Empty`](ValidationError::Empty)) and is
    ///   `https://` ([`InsecureUrl`](ValidationError::InsecureUrl)), except `http://` to a
    ///   loopback host when `options.allow_loopback_http`;
    /// - every document filter can match some document
    ///   ([`EmptyFilter`](ValidationError::EmptyFilter)), and its inclusions are `INCLUDE` or
    ///   `EXCLUDE` ([`Invalid`](ValidationError::Invalid)).
    ///
    /// Each error names the offending field by its JSON path, for example
    /// `required_documents[0].filter.country_restriction.country_codes`.
    ///
    /// # Errors
    /// The first rule broken, in the order above.
    pub fn validate(&self, options: &ValidationOptions) -> Result<(), ValidationError> {
        match self.validation_errors(options).into_iter().next() {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }

    /// Every rule broken (see [`validate`](Self::validate)), in order; empty when valid.
    pub fn validation_errors(&self, options: &ValidationOptions) -> Vec<ValidationError> {
        let mut errors = Vec::new();
        if self.session_deadline.is_some() && self.client_session_token_ttl.is_some() {
            errors.push(ValidationError::MutuallyExclusive {
                field: "session_deadline".into(),
                other: "client_session_token_ttl".into(),
            });
        }
        if let Some(ttl) = self.resources_ttl.filter(|&ttl| ttl < MIN_RESOURCES_TTL) {
            errors.push(ValidationError::OutOfRange {
                field: "resources_ttl".into(),
                value: ttl.to_string(),
                expected: "at least 86700 (seconds)".into(),
            });
        }
        self.check_identity_profile_exclusivity(&mut errors);
        self.check_sdk_config(&mut errors);
        self.check_notifications(options, &mut errors);
        self.check_filters(&mut errors);
        errors
    }

    fn check_identity_profile_exclusivity(&self, errors: &mut Vec<ValidationError>) {
        let profile = if self.identity_profile_requirements.is_some() {
            Some("identity_profile_requirements")
        } else if self.advanced_identity_profile_requirements.is_some() {
            Some("advanced_identity_profile_requirements")
        } else {
            None
        };
        let Some(profile) = profile else { return };
        let others = [
            ("requested_checks", self.requested_checks.is_empty()),
            ("requested_tasks", self.requested_tasks.is_empty()),
            ("required_documents", self.required_documents.is_empty()),
        ];
        for (other, empty) in others {
            if !empty {
                errors.push(ValidationError::MutuallyExclusive {
                    field: profile.into(),
                    other: other.into(),
                });
            }
        }
    }

    fn check_sdk_config(&self, errors: &mut Vec<ValidationError>) {
        let Some(config) = &self.sdk_config else {
            return;
        };
        let colours = [
            ("sdk_config.primary_colour", &config.primary_colour),
            (
                "sdk_config.primary_colour_dark_mode",
                &config.primary_colour_dark_mode,
            ),
            ("sdk_config.secondary_colour", &config.secondary_colour),
            ("sdk_config.font_colour", &config.font_colour),
        ];
        for (field, colour) in colours {
            if let Some(colour) = colour.as_ref().filter(|c| !is_hex_colour(c)) {
                errors.push(ValidationError::Pattern {
                    field: field.into(),
                    value: colour.clone(),
                    pattern: COLOUR_PATTERN.into(),
                });
            }
        }
        if config
            .locale
            .as_ref()
            .is_some_and(|locale| locale.trim().is_empty())
        {
            errors.push(ValidationError::Empty {
                field: "sdk_config.locale".into(),
            });
        }
    }

    fn check_notifications(&self, options: &ValidationOptions, errors: &mut Vec<ValidationError>) {
        let Some(notifications) = &self.notifications else {
            return;
        };
        let endpoint = notifications.endpoint.as_str();
        if endpoint.trim().is_empty() {
            errors.push(ValidationError::Empty {
                field: "notifications.endpoint".into(),
            });
        } else if !endpoint_allowed(endpoint, options.allow_loopback_http) {
            errors.push(ValidationError::InsecureUrl {
                field: "notifications.endpoint".into(),
                url: endpoint.to_owned(),
            });
        }
    }

    fn check_filters(&self, errors: &mut Vec<ValidationError>) {
        for (i, document) in self.required_documents.iter().enumerate() {
            let path = format!("required_documents[{i}]");
            match document {
                RequiredDocument::IdDocument(d) => {
                    if let Some(filter) = &d.filter {
                        check_filter(filter, &format!("{path}.filter"), errors);
                    }
                }
                RequiredDocument::SupplementaryDocument(d) => {
                    if let Some(filter) = &d.filter {
                        check_filter(filter, &format!("{path}.filter"), errors);
                    }
                    for (name, list) in [
                        ("country_codes", &d.country_codes),
                        ("document_types", &d.document_types),
                    ] {
                        if list.as_ref().is_some_and(Vec::is_empty) {
                            errors.push(ValidationError::EmptyFilter {
                                field: format!("{path}.{name}").into(),
                                reason:
                                    "an empty list allows no document (leave it out to allow any)"
                                        .into(),
                            });
                        }
                    }
                }
                RequiredDocument::Other { .. } => {}
            }
        }
        for (i, check) in self.requested_checks.iter().enumerate() {
            if let RequestedCheck::IdDocumentAuthenticity {
                config: Some(config),
            } = check
            {
                let filter = config
                    .issuing_authority_sub_check
                    .as_ref()
                    .and_then(|s| s.filter.as_ref());
                if let Some(filter) = filter {
                    let path =
                        format!("requested_checks[{i}].config.issuing_authority_sub_check.filter");
                    check_filter(filter, &path, errors);
                }
            }
        }
    }
}

fn check_inclusion(inclusion: &Inclusion, path: String, errors: &mut Vec<ValidationError>) {
    if inclusion.is_unknown() {
        errors.push(ValidationError::Invalid {
            field: path.into(),
            reason: Cow::Owned(format!(
                "{:?} is neither INCLUDE nor EXCLUDE (nor WHITELIST / BLACKLIST)",
                inclusion.as_str()
            )),
        });
    }
}

fn check_filter(filter: &DocumentFilter, path: &str, errors: &mut Vec<ValidationError>) {
    match filter {
        DocumentFilter::OrthogonalRestrictions(f) => {
            if let Some(r) = &f.country_restriction {
                let at = format!("{path}.country_restriction");
                check_inclusion(&r.inclusion, format!("{at}.inclusion"), errors);
                if r.inclusion == Inclusion::Include && r.country_codes.is_empty() {
                    errors.push(ValidationError::EmptyFilter {
                        field: format!("{at}.country_codes").into(),
                        reason: "an INCLUDE restriction with no country code allows no country"
                            .into(),
                    });
                }
            }
            if let Some(r) = &f.type_restriction {
                let at = format!("{path}.type_restriction");
                check_inclusion(&r.inclusion, format!("{at}.inclusion"), errors);
                if r.inclusion == Inclusion::Include && r.document_types.is_empty() {
                    errors.push(ValidationError::EmptyFilter {
                        field: format!("{at}.document_types").into(),
                        reason: "an INCLUDE restriction with no document type allows no document"
                            .into(),
                    });
                }
            }
        }
        DocumentFilter::DocumentRestrictions(f) => {
            check_inclusion(&f.inclusion, format!("{path}.inclusion"), errors);
            if f.inclusion == Inclusion::Include {
                let matches_something = f.documents.iter().any(|d| {
                    !d.country_codes.as_ref().is_some_and(Vec::is_empty)
                        && !d.document_types.as_ref().is_some_and(Vec::is_empty)
                });
                if !matches_something {
                    let reason = if f.documents.is_empty() {
                        "an INCLUDE filter with no document allows no document"
                    } else {
                        "every entry has an empty country_codes or document_types list, so none \
                         allows a document"
                    };
                    errors.push(ValidationError::EmptyFilter {
                        field: format!("{path}.documents").into(),
                        reason: reason.into(),
                    });
                }
            }
        }
        DocumentFilter::Other { .. } => {}
    }
}

/// `#rgb` or `#rrggbb`, hexadecimal digits in any case.
fn is_hex_colour(value: &str) -> bool {
    match value.strip_prefix('#') {
        Some(digits) => {
            (digits.len() == 3 || digits.len() == 6)
                && digits.bytes().all(|b| b.is_ascii_hexdigit())
        }
        None => false,
    }
}

/// `^https://.+$`, or `http://` to a loopback host when allowed.
fn endpoint_allowed(url: &str, allow_loopback_http: bool) -> bool {
    if let Some(rest) = url.strip_prefix("https://") {
        return !rest.is_empty();
    }
    match url.strip_prefix("http://") {
        Some(rest) if allow_loopback_http => is_loopback_authority(rest),
        _ => false,
    }
}

/// Whether the authority at the start of `rest` (what follows `scheme://`) names a loopback
/// host: `localhost`, an IPv4 address in `127.0.0.0/8`, or `[::1]`.
fn is_loopback_authority(rest: &str) -> bool {
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    // Userinfo (`user:pass@`) is not the host: `http://localhost@evil.example` goes to
    // evil.example.
    let host_port = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    if let Some(bracketed) = host_port.strip_prefix('[') {
        let Some((host, after)) = bracketed.split_once(']') else {
            return false;
        };
        return valid_port_suffix(after)
            && host.parse::<Ipv6Addr>().is_ok_and(|ip| ip.is_loopback());
    }
    let (host, after) = match host_port.find(':') {
        Some(i) => host_port.split_at(i),
        None => (host_port, ""),
    };
    valid_port_suffix(after)
        && (host.eq_ignore_ascii_case("localhost")
            || host.parse::<Ipv4Addr>().is_ok_and(|ip| ip.is_loopback()))
}

/// Empty, or `:` followed by a port number.
fn valid_port_suffix(after: &str) -> bool {
    match after.strip_prefix(':') {
        None => after.is_empty(),
        Some(port) => !port.is_empty() && port.parse::<u16>().is_ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours() {
        for ok in ["#fff", "#FFF", "#2d9fff", "#A0b1C2"] {
            assert!(is_hex_colour(ok), "{ok}");
        }
        for bad in [
            "", "#", "fff", "#ffff", "#12345g", "#1234567", "##fff", " #fff", "#fff ",
        ] {
            assert!(!is_hex_colour(bad), "{bad}");
        }
    }

    #[test]
    fn endpoints() {
        for ok in ["https://x", "https://example.com/hook?a=1"] {
            assert!(endpoint_allowed(ok, false), "{ok}");
        }
        for bad in [
            "https://",
            "http://example.com",
            "HTTPS://x",
            "ftp://x",
            "example.com",
        ] {
            assert!(!endpoint_allowed(bad, false), "{bad}");
            assert!(!endpoint_allowed(bad, true), "{bad}");
        }
        for loopback in [
            "http://localhost",
            "http://LOCALHOST:8080/hook",
            "http://127.0.0.1:3000/x",
            "http://127.8.9.10",
            "http://[::1]:9000/x",
            "http://[0:0:0:0:0:0:0:1]/",
            "http://user:pw@localhost:1/x",
        ] {
            assert!(endpoint_allowed(loopback, true), "{loopback}");
            assert!(!endpoint_allowed(loopback, false), "{loopback}");
        }
        for not_loopback in [
            "http://localhost.example.com",
            "http://localhost@evil.example",
            "http://128.0.0.1",
            "http://[::2]",
            "http://[::1",
            "http://127.0.0.1:notaport",
            "http://127.0.0.1:",
            "http://10.0.0.1",
            "http://",
        ] {
            assert!(!endpoint_allowed(not_loopback, true), "{not_loopback}");
        }
    }
}
