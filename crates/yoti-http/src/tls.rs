//! TLS: the rustls configuration of a [`HyperClient`](crate::HyperClient) and the roots it
//! trusts.

use std::fmt;
use std::sync::Arc;

use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;

use crate::error::Error;

/// The TLS settings of a client builder.
#[derive(Clone, Default)]
pub(crate) struct TlsSettings {
    /// A whole configuration from the caller, used as it is but for ALPN.
    pub(crate) config: Option<rustls::ClientConfig>,
    /// Certificates trusted beside the default roots (a private CA).
    pub(crate) extra_roots: Vec<CertificateDer<'static>>,
}

impl fmt::Debug for TlsSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsSettings")
            .field("custom_config", &self.config.is_some())
            .field("extra_roots", &self.extra_roots.len())
            .finish()
    }
}

impl TlsSettings {
    /// Checks `der` is a certificate rustls can use as a trust anchor, and keeps it.
    pub(crate) fn add_root(&mut self, der: &[u8]) -> Result<(), Error> {
        let der = CertificateDer::from(der.to_vec());
        RootCertStore::empty()
            .add(der.clone())
            .map_err(|e| Error::InvalidCertificate(Box::new(e)))?;
        self.extra_roots.push(der);
        Ok(())
    }

    /// The configuration to connect with. ALPN is left empty: the connector sets it from the
    /// HTTP versions enabled.
    pub(crate) fn client_config(&self) -> rustls::ClientConfig {
        let mut config = match &self.config {
            Some(config) => config.clone(),
            None => {
                let mut roots = default_roots();
                for der in &self.extra_roots {
                    // Checked when added.
                    let _ = roots.add(der.clone());
                }
                builder()
                    .with_root_certificates(roots)
                    .with_no_client_auth()
            }
        };
        config.alpn_protocols.clear();
        config
    }
}

/// rustls with the aws-lc-rs provider and its safe default protocol versions (TLS 1.2 and
/// 1.3).
fn builder() -> rustls::ConfigBuilder<rustls::ClientConfig, rustls::WantsVerifier> {
    rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    // Infallible: this only fails for a provider lacking the cipher suites of every default
    // protocol version, and aws-lc-rs's default provider has them all.
    .expect("aws-lc-rs supports rustls's default protocol versions")
}

/// The bundled webpki (Mozilla) roots, or the operating system's with the `native-roots`
/// feature (falling back to the bundled ones when none loads).
fn default_roots() -> RootCertStore {
    #[cfg(feature = "native-roots")]
    {
        let loaded = rustls_native_certs::load_native_certs();
        for err in &loaded.errors {
            tracing::warn!(error = %err, "a native root certificate could not be loaded");
        }
        let mut roots = RootCertStore::empty();
        let (added, _ignored) = roots.add_parsable_certificates(loaded.certs);
        if added > 0 {
            return roots;
        }
        tracing::warn!(
            "no usable native root certificates; falling back to the bundled webpki roots"
        );
    }
    RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_config_has_roots_and_no_alpn() {
        let settings = TlsSettings::default();
        let config = settings.client_config();
        assert!(config.alpn_protocols.is_empty());
        assert!(!default_roots().is_empty());
    }

    #[test]
    fn a_custom_config_loses_its_alpn_only() {
        let mut custom = builder()
            .with_root_certificates(RootCertStore::empty())
            .with_no_client_auth();
        custom.alpn_protocols = vec![b"spdy/1".to_vec()];
        custom.enable_sni = false;
        let settings = TlsSettings {
            config: Some(custom),
            ..TlsSettings::default()
        };
        let config = settings.client_config();
        assert!(config.alpn_protocols.is_empty());
        assert!(!config.enable_sni);
    }

    #[test]
    fn garbage_is_not_a_root_certificate() {
        let mut settings = TlsSettings::default();
        let err = settings.add_root(b"not a certificate").unwrap_err();
        assert!(matches!(err, Error::InvalidCertificate(_)));
        assert!(settings.extra_roots.is_empty());
    }
}
