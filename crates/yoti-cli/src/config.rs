//! Where the credentials and base URLs come from: a global flag, else the environment
//! variable Yoti's SDKs use, else Yoti's production URL. One [`yoti::Client`] is built from
//! them (one key parse, one transport) for every family.

use std::path::PathBuf;

use yoti::PrivateKey;
use yoti_internal::env_var;

use crate::classify;
use crate::failure::{Failure, chain};

/// The global configuration flags; each wins over its environment variable.
#[derive(Debug, Clone, Default, clap::Args)]
pub(crate) struct ConfigArgs {
    /// The application's SDK id, from Yoti Hub [env: YOTI_CLIENT_SDK_ID].
    #[arg(long, global = true, value_name = "ID")]
    sdk_id: Option<String>,
    /// The application's private key, a PEM file from Yoti Hub [env: YOTI_KEY_FILE_PATH].
    #[arg(long, global = true, value_name = "PEM")]
    key: Option<PathBuf>,
    /// The IDV base URL [env: YOTI_IDV_API_URL, or YOTI_DOC_SCAN_API_URL; default:
    /// <https://api.yoti.com/idverify/v1>].
    #[arg(long, global = true, value_name = "URL")]
    idv_url: Option<String>,
    /// The Age Estimation base URL [env: YOTI_AGE_API_URL; default: <https://api.yoti.com/ai/v1>].
    #[arg(long, global = true, value_name = "URL")]
    age_url: Option<String>,
    /// The Proof of Age base URL [env: YOTI_POA_API_URL; default: <https://api.yoti.com/poa/v1>].
    #[arg(long, global = true, value_name = "URL")]
    poa_url: Option<String>,
    /// The token endpoint of Proof of Age [env: YOTI_AUTH_URL; default:
    /// <https://auth.api.yoti.com/v1/oauth/token>].
    #[arg(long, global = true, value_name = "URL")]
    token_url: Option<String>,
}

/// The flag's value, else the first set variable of `names` (empty counts as unset).
fn setting(flag: Option<&str>, names: &[&str]) -> Option<String> {
    flag.map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .or_else(|| names.iter().find_map(|n| env_var(n)))
}

impl ConfigArgs {
    /// The IDV base URL: `--idv-url`, the environment, or production's.
    pub(crate) fn idv_url(&self) -> String {
        setting(
            self.idv_url.as_deref(),
            &[yoti::idv::ENV_BASE_URL, yoti::idv::ENV_BASE_URL_LEGACY],
        )
        .unwrap_or_else(|| yoti::idv::DEFAULT_BASE_URL.to_owned())
    }

    /// The key: `--key`, else `YOTI_KEY_FILE_PATH`.
    pub(crate) fn key(&self) -> Result<PrivateKey, Failure> {
        let (origin, path) = match &self.key {
            Some(path) => ("--key", path.clone()),
            None => (
                yoti_internal::ENV_KEY_FILE,
                env_var(yoti_internal::ENV_KEY_FILE)
                    .map(PathBuf::from)
                    .ok_or_else(|| {
                        Failure::config(format!(
                            "no private key: set --key or {} to the path of your application's PEM key, from Yoti Hub",
                            yoti_internal::ENV_KEY_FILE
                        ))
                    })?,
            ),
        };
        PrivateKey::from_pem_file(&path).map_err(|e| {
            let message = if matches!(e, yoti_auth::Error::ReadKeyFile { .. }) {
                format!("{origin}: {}", chain(&e))
            } else {
                format!("{origin}: {}: {}", path.display(), chain(&e))
            };
            Failure::config(message)
        })
    }

    /// The client of every service, over the one transport of this run.
    pub(crate) fn client(&self) -> Result<yoti::Client, Failure> {
        self.client_with(|builder| builder)
    }

    /// The client, with `more` set on its builder.
    pub(crate) fn client_with(
        &self,
        more: impl FnOnce(yoti::ClientBuilder) -> yoti::ClientBuilder,
    ) -> Result<yoti::Client, Failure> {
        let sdk_id =
            setting(self.sdk_id.as_deref(), &[yoti_internal::ENV_SDK_ID]).ok_or_else(|| {
                Failure::config(format!(
                    "no SDK id: set --sdk-id or {} to your application's SDK id, from Yoti Hub",
                    yoti_internal::ENV_SDK_ID
                ))
            })?;
        let key = self.key()?;
        let mut builder = yoti::Client::builder()
            .sdk_id(sdk_id)
            .key(key)
            .transport(crate::net::transport())
            .idv_url(self.idv_url());
        if let Some(url) = setting(self.age_url.as_deref(), &[yoti::age::ENV_BASE_URL]) {
            builder = builder.age_url(url);
        }
        if let Some(url) = setting(self.poa_url.as_deref(), &[yoti::poa::ENV_BASE_URL]) {
            builder = builder.poa_url(url);
        }
        if let Some(url) = setting(self.token_url.as_deref(), &[yoti::poa::ENV_TOKEN_URL]) {
            builder = builder.token_url(url);
        }
        more(builder).build().map_err(classify::client)
    }
}
