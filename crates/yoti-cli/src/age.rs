//! `yoti age ...`: estimate or verify an age from a face image.
//!
//! Credentials and the base URL from the global flags or the environment (`--age-url` or
//! `YOTI_AGE_API_URL`, default `https://api.yoti.com/ai/v1`). The answer is printed as JSON
//! on stdout; a failure as the CLI's one error JSON on stderr, with its exit code: an API
//! error exits with 1, an image refused by the local checks (with the code the service would
//! answer), an unreadable image file or an invalid threshold with 2.

use std::io::Read as _;
use std::path::PathBuf;

use serde_json::Value;
use yoti::age::models::{Device, Operator};
use yoti::age::{AgeClient, Error, Estimate, Verify};

use crate::Failure;
use crate::classify::age as failure;
use crate::config::ConfigArgs;
use crate::output::print_json;

/// The `yoti age` subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    /// Estimate the age of the face in IMAGE (POST /age, or /age-antispoofing).
    Estimate {
        #[command(flatten)]
        image: ImageArgs,
        /// Also run the anti-spoofing (liveness) check.
        #[arg(long)]
        antispoofing: bool,
    },
    /// Check the estimated age against a threshold (POST /age-verify, or
    /// /age-antispoofing-verify).
    Verify {
        #[command(flatten)]
        image: ImageArgs,
        /// The age threshold, in years.
        #[arg(long)]
        threshold: u32,
        /// Pass when the estimate is OVER (at least) or UNDER the threshold.
        #[arg(long, value_enum, ignore_case = true, default_value = "OVER")]
        operator: OperatorArg,
        /// Also run the anti-spoofing (liveness) check.
        #[arg(long)]
        antispoofing: bool,
    },
    /// Run the anti-spoofing (liveness) check alone (POST /antispoofing).
    Antispoofing {
        #[command(flatten)]
        image: ImageArgs,
    },
}

/// What every subcommand takes.
#[derive(Debug, clap::Args)]
pub(crate) struct ImageArgs {
    /// The image: a JPEG or PNG file, or `-` for standard input.
    image: PathBuf,
    /// Send the image without checking it locally first.
    #[arg(long)]
    no_local_checks: bool,
    /// The device that captured the image: mobile, laptop or unknown.
    #[arg(long)]
    device: Option<String>,
    /// A Terminal-Id header.
    #[arg(long)]
    terminal_id: Option<String>,
    /// A Session-Id header.
    #[arg(long)]
    session_id: Option<String>,
}

/// `--operator`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(crate) enum OperatorArg {
    /// At least the threshold.
    #[value(name = "OVER")]
    Over,
    /// Under the threshold.
    #[value(name = "UNDER")]
    Under,
}

pub(crate) async fn run(command: Command, config: &ConfigArgs) -> Result<(), Failure> {
    let yoti = config.client()?;
    let answer = execute(yoti.age(), command).await?;
    print_json(&answer)
}

/// Runs one subcommand with `client` and answers the JSON to print.
async fn execute(client: &AgeClient, command: Command) -> Result<Value, Failure> {
    match command {
        Command::Estimate {
            image,
            antispoofing,
        } => {
            let request = image.apply_estimate(Estimate::new(image.read()?))?;
            if antispoofing {
                to_json(client.age_antispoofing(request).await)
            } else {
                to_json(client.age(request).await)
            }
        }
        Command::Verify {
            image,
            threshold,
            operator,
            antispoofing,
        } => {
            let operator = match operator {
                OperatorArg::Over => Operator::Over,
                OperatorArg::Under => Operator::Under,
            };
            let request = Verify::new(image.read()?, threshold).operator(operator);
            let request = image.apply_verify(request)?;
            if antispoofing {
                to_json(client.age_antispoofing_verify(request).await)
            } else {
                to_json(client.age_verify(request).await)
            }
        }
        Command::Antispoofing { image } => {
            let request = image.apply_estimate(Estimate::new(image.read()?))?;
            to_json(client.antispoofing(request).await)
        }
    }
}

impl ImageArgs {
    fn read(&self) -> Result<Vec<u8>, Failure> {
        let mut bytes = Vec::new();
        if self.image.as_os_str() == "-" {
            std::io::stdin()
                .read_to_end(&mut bytes)
                .map_err(|e| Failure::usage(format!("cannot read the image from stdin: {e}")))?;
        } else {
            bytes = std::fs::read(&self.image).map_err(|e| {
                Failure::usage(format!(
                    "cannot read the image {}: {e}",
                    self.image.display()
                ))
            })?;
        }
        Ok(bytes)
    }

    fn device(&self) -> Result<Option<Device>, Failure> {
        match self.device.as_deref() {
            None => Ok(None),
            Some(d @ ("mobile" | "laptop" | "unknown")) => Ok(Some(Device::from(d))),
            Some(other) => Err(Failure::usage(format!(
                "--device {other:?}: expected mobile, laptop or unknown"
            ))),
        }
    }

    fn apply_estimate(&self, mut request: Estimate) -> Result<Estimate, Failure> {
        request = request.with_local_checks(!self.no_local_checks);
        if let Some(device) = self.device()? {
            request = request.device(device);
        }
        if let Some(id) = &self.terminal_id {
            request = request.terminal_id(id);
        }
        if let Some(id) = &self.session_id {
            request = request.session_id(id);
        }
        Ok(request)
    }

    fn apply_verify(&self, mut request: Verify) -> Result<Verify, Failure> {
        request = request.with_local_checks(!self.no_local_checks);
        if let Some(device) = self.device()? {
            request = request.device(device);
        }
        if let Some(id) = &self.terminal_id {
            request = request.terminal_id(id);
        }
        if let Some(id) = &self.session_id {
            request = request.session_id(id);
        }
        Ok(request)
    }
}

fn to_json<T: serde::Serialize>(result: Result<T, Error>) -> Result<Value, Failure> {
    let answer = result.map_err(failure)?;
    serde_json::to_value(answer).map_err(|e| Failure::other(format!("cannot print: {e}")))
}

#[cfg(test)]
mod tests {
    use clap::Parser as _;
    use serde_json::json;
    use yoti::age::{PrivateKey, models::AgeErrorCode};

    use super::*;
    use crate::failure::Kind;

    #[derive(Debug, clap::Parser)]
    struct Cli {
        #[command(subcommand)]
        command: Command,
    }

    fn parse(args: &[&str]) -> Result<Command, clap::Error> {
        Cli::try_parse_from(std::iter::once("age").chain(args.iter().copied())).map(|c| c.command)
    }

    /// A valid face-sized image: a 300x300 RGB PNG of noise, stored without compression
    /// (this crate has no image encoder).
    fn noise_png() -> Vec<u8> {
        fn crc(bytes: &[u8]) -> u32 {
            let mut crc = !0u32;
            for &b in bytes {
                crc ^= u32::from(b);
                for _ in 0..8 {
                    crc = if crc & 1 == 1 {
                        (crc >> 1) ^ 0xEDB8_8320
                    } else {
                        crc >> 1
                    };
                }
            }
            !crc
        }
        fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
            out.extend((data.len() as u32).to_be_bytes());
            let start = out.len();
            out.extend(kind);
            out.extend(data);
            let crc = crc(&out[start..]);
            out.extend(crc.to_be_bytes());
        }
        let (w, h) = (300u32, 300u32);
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut raw = Vec::new();
        for _ in 0..h {
            raw.extend_from_slice(&[0]); // filter: none
            for _ in 0..w * 3 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                raw.push((state >> 24) as u8);
            }
        }
        let mut zlib = vec![0x78, 0x01];
        let blocks: Vec<&[u8]> = raw.chunks(65_535).collect();
        for (i, block) in blocks.iter().enumerate() {
            zlib.push(u8::from(i + 1 == blocks.len()));
            let len = block.len() as u16;
            zlib.extend(len.to_le_bytes());
            zlib.extend((!len).to_le_bytes());
            zlib.extend(*block);
        }
        let (mut a, mut b) = (1u32, 0u32);
        for &byte in &raw {
            a = (a + u32::from(byte)) % 65_521;
            b = (b + a) % 65_521;
        }
        zlib.extend(((b << 16) | a).to_be_bytes());
        let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut ihdr = Vec::new();
        ihdr.extend(w.to_be_bytes());
        ihdr.extend(h.to_be_bytes());
        ihdr.extend([8, 2, 0, 0, 0]); // 8 bits, RGB
        chunk(&mut out, b"IHDR", &ihdr);
        chunk(&mut out, b"IDAT", &zlib);
        chunk(&mut out, b"IEND", &[]);
        out
    }

    fn temp_file(name: &str, bytes: &[u8]) -> PathBuf {
        let path = std::env::temp_dir().join(format!("yoti-cli-age-{}-{name}", std::process::id()));
        std::fs::write(&path, bytes).unwrap();
        path
    }

    #[test]
    fn arguments_parse_as_documented() {
        let cmd = parse(&[
            "verify",
            "face.jpg",
            "--threshold",
            "18",
            "--operator",
            "under",
            "--antispoofing",
        ])
        .unwrap();
        assert!(matches!(
            cmd,
            Command::Verify {
                threshold: 18,
                operator: OperatorArg::Under,
                antispoofing: true,
                ..
            }
        ));
        let cmd = parse(&["estimate", "-", "--no-local-checks"]).unwrap();
        assert!(
            matches!(cmd, Command::Estimate { antispoofing: false, ref image } if image.no_local_checks)
        );
        assert!(
            parse(&["verify", "face.jpg"]).is_err(),
            "--threshold is required"
        );
        assert!(parse(&["verify", "f", "--threshold", "18", "--operator", "SIDEWAYS"]).is_err());
    }

    #[tokio::test]
    async fn commands_run_against_the_emulator() {
        let key = PrivateKey::generate(2048).unwrap();
        let emulator = yoti_emulator::Emulator::builder()
            .app("cli-sdk", key.public_key())
            .start()
            .await
            .unwrap();
        let client = AgeClient::builder()
            .sdk_id("cli-sdk")
            .key(key)
            .base_url(emulator.age_url())
            .build()
            .unwrap();
        let face = temp_file("face.png", &noise_png());
        let face_arg = face.to_str().unwrap();

        let estimate = execute(
            &client,
            parse(&["estimate", face_arg, "--device", "mobile"]).unwrap(),
        )
        .await
        .unwrap();
        let age = estimate["age"].as_f64().unwrap();
        assert!((13.0..=60.0).contains(&age), "{estimate}");

        let over = execute(
            &client,
            parse(&["verify", face_arg, "--threshold", "10"]).unwrap(),
        )
        .await
        .unwrap();
        assert_eq!(over, json!({"age_check": "pass"}));
        let both = execute(
            &client,
            parse(&[
                "verify",
                face_arg,
                "--threshold",
                "10",
                "--operator",
                "UNDER",
                "--antispoofing",
            ])
            .unwrap(),
        )
        .await
        .unwrap();
        assert_eq!(both["age"]["age_check"], "fail");
        assert_eq!(both["antispoofing"]["prediction"], "real");
        let live = execute(&client, parse(&["antispoofing", face_arg]).unwrap())
            .await
            .unwrap();
        assert_eq!(live["prediction"], "real");

        // An image refused locally (usage, exit code 2), then (checks off) by the service
        // (api, exit code 1): the same code either way.
        let tiny = temp_file("tiny.jpg", &[0xFF, 0xD8, 0xFF, 0xE0, 0, 16]);
        let tiny_arg = tiny.to_str().unwrap();
        let local = execute(&client, parse(&["estimate", tiny_arg]).unwrap())
            .await
            .unwrap_err();
        let remote = execute(
            &client,
            parse(&["estimate", tiny_arg, "--no-local-checks"]).unwrap(),
        )
        .await
        .unwrap_err();
        for (failure, kind) in [(local, Kind::Usage), (remote, Kind::Api)] {
            let text = failure.to_json();
            assert!(text.contains(r#""code":"IMAGE_SIZE_TOO_SMALL""#), "{text}");
            assert!(text.contains(r#""service":"age""#), "{text}");
            assert_eq!(failure.kind(), kind, "{text}");
            assert_eq!(
                failure.report(),
                std::process::ExitCode::from(kind.exit_code())
            );
        }

        // A forced error comes back as the API's JSON.
        emulator.force_age_error("cli-sdk", AgeErrorCode::FaceNotFound);
        let failure = execute(&client, parse(&["estimate", face_arg]).unwrap())
            .await
            .unwrap_err();
        assert!(format!("{failure:?}").contains("FACE_NOT_FOUND"));

        // Bad usage: exit code 2.
        let missing = execute(&client, parse(&["estimate", "/no/such/image.jpg"]).unwrap())
            .await
            .unwrap_err();
        assert_eq!(missing.report(), std::process::ExitCode::from(2));
        let device = execute(
            &client,
            parse(&["estimate", face_arg, "--device", "toaster"]).unwrap(),
        )
        .await
        .unwrap_err();
        assert_eq!(device.report(), std::process::ExitCode::from(2));
        let threshold = execute(
            &client,
            parse(&["verify", face_arg, "--threshold", "0"]).unwrap(),
        )
        .await
        .unwrap_err();
        assert_eq!(threshold.report(), std::process::ExitCode::from(2));

        let _ = std::fs::remove_file(face);
        let _ = std::fs::remove_file(tiny);
    }
}
