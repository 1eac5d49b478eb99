//! Base URL checks: `https://` everywhere, plain `http://` only on loopback.

use std::net::IpAddr;

use http::Uri;

use crate::error::{Error, without_query};

/// Parses and checks a service base URL such as `https://api.yoti.com/idverify/v1`.
///
/// - The scheme must be `https`, or `http` when the host is a loopback address
///   (`127.0.0.0/8`, `[::1]` or `localhost`, see [`is_loopback`]): that is how a test points a
///   client at the emulator. Any other `http://` URL gives [`Error::InsecureUrl`].
/// - A query string, a fragment or credentials (`user:pass@`) give [`Error::InvalidUrl`], as
///   does anything that does not parse or has no host.
/// - Trailing slashes of the path are removed, so that `https://api.yoti.com/idverify/v1/`
///   and `https://api.yoti.com/idverify/v1` are the same base. (A base without a path keeps
///   the `/` that [`Uri`] always shows; [`join_url`] handles both.)
///
/// ```
/// let base = yoti_http::check_base_url("https://api.yoti.com/idverify/v1/")?;
/// assert_eq!(base.to_string(), "https://api.yoti.com/idverify/v1");
/// assert!(yoti_http::check_base_url("http://127.0.0.1:8080").is_ok());
/// assert!(yoti_http::check_base_url("http://api.yoti.com").is_err());
/// # Ok::<(), yoti_http::Error>(())
/// ```
pub fn check_base_url(url: &str) -> Result<Uri, Error> {
    if url.contains('#') {
        return Err(Error::invalid_url(url, "a base URL cannot have a fragment"));
    }
    let uri: Uri = url.parse().map_err(|source| Error::InvalidUrl {
        url: without_query(url).to_owned(),
        reason: "not a valid absolute URL",
        source: Some(Box::new(source)),
    })?;
    let Some(scheme) = uri.scheme_str() else {
        return Err(Error::invalid_url(url, "no scheme: expected https://"));
    };
    let Some(authority) = uri.authority() else {
        return Err(Error::invalid_url(url, "no host"));
    };
    if authority.as_str().contains('@') {
        return Err(Error::invalid_url(
            url,
            "credentials are not allowed in a URL",
        ));
    }
    if authority.host().is_empty() {
        return Err(Error::invalid_url(url, "no host"));
    }
    if uri.query().is_some() {
        return Err(Error::invalid_url(
            url,
            "a base URL cannot have a query string",
        ));
    }
    if scheme.eq_ignore_ascii_case("http") {
        if !is_loopback(&uri) {
            return Err(Error::InsecureUrl {
                url: url.to_owned(),
            });
        }
    } else if !scheme.eq_ignore_ascii_case("https") {
        return Err(Error::invalid_url(
            url,
            "unsupported scheme: expected https:// (or http:// for a loopback host)",
        ));
    }

    let path = uri.path().trim_end_matches('/');
    let path = if path.is_empty() { "/" } else { path };
    Uri::builder()
        .scheme(scheme)
        .authority(authority.clone())
        .path_and_query(path)
        .build()
        .map_err(|source| Error::InvalidUrl {
            url: url.to_owned(),
            reason: "not a valid absolute URL",
            source: Some(Box::new(source)),
        })
}

/// Whether the URI's host is a loopback address: an IPv4 address in `127.0.0.0/8`, `::1`
/// (also in its IPv4-mapped form `::ffff:127.x.y.z`) or the name `localhost`.
///
/// ```
/// use http::Uri;
/// assert!(yoti_http::is_loopback(&Uri::from_static("http://[::1]:8080/")));
/// assert!(!yoti_http::is_loopback(&Uri::from_static("http://10.0.0.1/")));
/// ```
pub fn is_loopback(uri: &Uri) -> bool {
    let Some(host) = uri.host() else {
        return false;
    };
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    if host.eq_ignore_ascii_case("localhost") || host.eq_ignore_ascii_case("localhost.") {
        return true;
    }
    match host.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => v4.is_loopback(),
        Ok(IpAddr::V6(v6)) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
        Err(_) => false,
    }
}

/// Appends a path (and optional query) to a base URL from [`check_base_url`]:
/// `join_url("https://api.yoti.com/idverify/v1", "/sessions?sdkId=..")` is
/// `https://api.yoti.com/idverify/v1/sessions?sdkId=..`.
///
/// `path_and_query` must start with `/`; it is used byte for byte, so that the URL sent is
/// exactly the one that was signed.
///
/// ```
/// let base = yoti_http::check_base_url("https://api.yoti.com/idverify/v1/")?;
/// let url = yoti_http::join_url(&base, "/sessions/abc?nonce=1")?;
/// assert_eq!(url, "https://api.yoti.com/idverify/v1/sessions/abc?nonce=1");
/// # Ok::<(), yoti_http::Error>(())
/// ```
pub fn join_url(base: &Uri, path_and_query: &str) -> Result<Uri, Error> {
    if !path_and_query.starts_with('/') {
        return Err(Error::invalid_url(
            path_and_query,
            "a path must start with `/`",
        ));
    }
    let (Some(scheme), Some(authority)) = (base.scheme_str(), base.authority()) else {
        return Err(Error::invalid_url(
            &base.to_string(),
            "a base URL must be absolute",
        ));
    };
    let base_path = base.path().trim_end_matches('/');
    let url = format!("{scheme}://{authority}{base_path}{path_and_query}");
    url.parse().map_err(|source| Error::InvalidUrl {
        url: without_query(&url).to_owned(),
        reason: "not a valid absolute URL",
        source: Some(Box::new(source)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts() {
        for url in [
            "http://127.0.0.1/",
            "http://127.255.0.9:80/",
            "http://localhost/",
            "http://LOCALHOST:1/",
            "http://[::1]:2/",
            "http://[::ffff:127.0.0.1]/",
        ] {
            assert!(is_loopback(&url.parse().unwrap()), "{url}");
        }
        for url in [
            "http://128.0.0.1/",
            "http://10.0.0.1/",
            "http://[::2]/",
            "http://localhost.example.com/",
            "http://example.com/",
            "/relative",
        ] {
            assert!(!is_loopback(&url.parse().unwrap()), "{url}");
        }
    }

    #[test]
    fn base_url_without_path_keeps_root() {
        let base = check_base_url("https://api.yoti.com").unwrap();
        assert_eq!(base.path(), "/");
        assert_eq!(
            join_url(&base, "/poa/v1/verify").unwrap(),
            "https://api.yoti.com/poa/v1/verify"
        );
    }

    #[test]
    fn join_refuses_relative_paths() {
        let base = check_base_url("https://api.yoti.com/ai/v1").unwrap();
        assert!(matches!(
            join_url(&base, "age").unwrap_err(),
            Error::InvalidUrl { .. }
        ));
        assert_eq!(
            join_url(&base, "/age-verify").unwrap(),
            "https://api.yoti.com/ai/v1/age-verify"
        );
    }

    #[test]
    fn credentials_are_refused() {
        assert!(matches!(
            check_base_url("https://user:pw@api.yoti.com/").unwrap_err(),
            Error::InvalidUrl { .. }
        ));
    }
}
