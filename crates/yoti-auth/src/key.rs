//! Application keys: loading the RSA private key from PEM (PKCS#1 or PKCS#8), deriving or
//! loading the public key, and telling apart every way a key file can be wrong.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{self, KeyPair, ParsedPublicKey, RsaKeyPair};
use base64::Engine as _;
use rustls_pki_types::pem::{self, PemObject, SectionKind};
use zeroize::Zeroizing;

use crate::Error;

/// Smallest RSA key accepted, in bits.
pub const MIN_KEY_BITS: usize = 2048;
/// Largest RSA key accepted, in bits.
pub const MAX_KEY_BITS: usize = 4096;

/// An application's RSA private key, as issued by Yoti Hub.
///
/// Cheap to clone (shared). The key material lives inside aws-lc, which clears it when the
/// last clone is dropped; the PEM and DER bytes read on the way are zeroized. `Debug` never
/// prints key material.
#[derive(Clone)]
pub struct PrivateKey {
    inner: Arc<RsaKeyPair>,
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PrivateKey([redacted])")
    }
}

impl PrivateKey {
    /// Loads a private key from PEM bytes: PKCS#1 (`BEGIN RSA PRIVATE KEY`, what Yoti Hub
    /// issues) or PKCS#8 (`BEGIN PRIVATE KEY`), RSA 2048 to 4096 bits.
    ///
    /// # Errors
    /// A distinct [`Error`] for input that is not PEM, a truncated PEM, an encrypted key, an
    /// EC or other non-RSA key, a PEM with no private key, and a key outside the size range.
    pub fn from_pem(pem: impl AsRef<[u8]>) -> Result<Self, Error> {
        let pem = pem.as_ref();
        let label = first_label(pem)?;
        match label.as_str() {
            "ENCRYPTED PRIVATE KEY" => return Err(Error::EncryptedKey),
            "EC PRIVATE KEY" => return Err(Error::UnsupportedKeyType { kind: "EC" }),
            "RSA PRIVATE KEY" | "PRIVATE KEY" => {}
            _ => {}
        }
        if contains(pem, b"Proc-Type: 4,ENCRYPTED") {
            return Err(Error::EncryptedKey);
        }
        for section in <(SectionKind, Vec<u8>)>::pem_slice_iter(pem) {
            let (kind, der) = section.map_err(pem_error)?;
            let der = Zeroizing::new(der);
            return match kind {
                SectionKind::RsaPrivateKey => Self::from_pkcs1_der(&der),
                SectionKind::PrivateKey => Self::from_pkcs8_der(&der),
                SectionKind::EcPrivateKey => Err(Error::UnsupportedKeyType { kind: "EC" }),
                _ => continue,
            };
        }
        Err(Error::NotAPrivateKey { found: label })
    }

    /// Loads a private key from a PEM file (see [`from_pem`](Self::from_pem)).
    ///
    /// # Errors
    /// [`Error::ReadKeyFile`] when the file cannot be read, otherwise as `from_pem`.
    pub fn from_pem_file(path: impl AsRef<Path>) -> Result<Self, Error> {
        let path = path.as_ref();
        let bytes = Zeroizing::new(std::fs::read(path).map_err(|source| Error::ReadKeyFile {
            path: path.to_owned(),
            source,
        })?);
        Self::from_pem(&*bytes)
    }

    /// Parses a DER `RSAPrivateKey` (PKCS#1).
    ///
    /// # Errors
    /// When the bytes are not an RSA key of an accepted size.
    pub fn from_pkcs1_der(der: &[u8]) -> Result<Self, Error> {
        let pair = RsaKeyPair::from_der(der).map_err(|e| rejected(e, der_modulus_bits(der)))?;
        Self::checked(pair)
    }

    /// Parses a DER PKCS#8 `PrivateKeyInfo` holding an RSA key.
    ///
    /// # Errors
    /// When the bytes are not an RSA key of an accepted size.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, Error> {
        if let Some(kind) = pkcs8_non_rsa_kind(der) {
            return Err(Error::UnsupportedKeyType { kind });
        }
        let pair = RsaKeyPair::from_pkcs8(der)
            .map_err(|e| rejected(e, pkcs8_inner(der).and_then(der_modulus_bits)))?;
        Self::checked(pair)
    }

    /// Generates a fresh RSA key (for tests, the emulator's demo, and examples).
    ///
    /// # Errors
    /// When `bits` is not 2048, 3072 or 4096.
    pub fn generate(bits: usize) -> Result<Self, Error> {
        let size = match bits {
            2048 => KeySize::Rsa2048,
            3072 => KeySize::Rsa3072,
            4096 => KeySize::Rsa4096,
            _ => return Err(Error::KeySize { bits }),
        };
        let pair = RsaKeyPair::generate(size).map_err(|_| Error::Signing)?;
        Self::checked(pair)
    }

    fn checked(pair: RsaKeyPair) -> Result<Self, Error> {
        let bits = pair.public_modulus_len() * 8;
        if !(MIN_KEY_BITS..=MAX_KEY_BITS).contains(&bits) {
            return Err(Error::KeySize { bits });
        }
        Ok(Self {
            inner: Arc::new(pair),
        })
    }

    /// The key size in bits.
    pub fn bits(&self) -> usize {
        self.inner.public_modulus_len() * 8
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        // An RSA key pair's own public key always parses.
        PublicKey::from_der(self.inner.public_key().as_ref())
            .unwrap_or_else(|_| unreachable!("a key pair's public key parses"))
    }

    /// The key as PKCS#8 PEM, zeroized on drop (to hand a generated key to a file or the
    /// emulator).
    ///
    /// # Errors
    /// When aws-lc cannot serialize the key (not expected).
    pub fn to_pkcs8_pem(&self) -> Result<Zeroizing<String>, Error> {
        let der = self.inner.as_der().map_err(|_| Error::Signing)?;
        Ok(to_pem("PRIVATE KEY", der.as_ref()))
    }

    /// The key as DER PKCS#1 `RSAPrivateKey`, zeroized on drop: what `jsonwebtoken` signs
    /// with. Derived on demand from aws-lc's PKCS#8 encoding (itself zeroized on drop), so no
    /// second copy of the key lives longer than one client assertion.
    pub(crate) fn to_pkcs1_der(&self) -> Result<Zeroizing<Vec<u8>>, Error> {
        let pkcs8 = self.inner.as_der().map_err(|_| Error::Signing)?;
        let pkcs1 = pkcs8_inner(pkcs8.as_ref()).ok_or(Error::Signing)?;
        Ok(Zeroizing::new(pkcs1.to_vec()))
    }

    /// Signs `message` with RSASSA-PKCS1-v1_5 and SHA-256 (what `X-Yoti-Auth-Digest` carries).
    ///
    /// # Errors
    /// [`Error::Signing`] if aws-lc fails (not expected with a valid key).
    pub fn sign_pkcs1_sha256(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        self.sign(&signature::RSA_PKCS1_SHA256, message)
    }

    /// Signs `message` with RSASSA-PSS and SHA-384 (the `PS384` JWT algorithm).
    ///
    /// # Errors
    /// [`Error::Signing`] if aws-lc fails (not expected with a valid key).
    pub fn sign_pss_sha384(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        self.sign(&signature::RSA_PSS_SHA384, message)
    }

    fn sign(
        &self,
        alg: &'static dyn signature::RsaEncoding,
        message: &[u8],
    ) -> Result<Vec<u8>, Error> {
        let mut out = vec![0; self.inner.public_modulus_len()];
        let rng = aws_lc_rs::rand::SystemRandom::new();
        self.inner
            .sign(alg, &rng, message, &mut out)
            .map_err(|_| Error::Signing)?;
        Ok(out)
    }
}

/// An application's RSA public key, used to verify what its private key signed.
#[derive(Clone)]
pub struct PublicKey {
    pkcs1: Arc<ParsedPublicKey>,
    pss384: Arc<ParsedPublicKey>,
    spki: Arc<[u8]>,
    bits: usize,
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicKey")
            .field("bits", &self.bits)
            .finish_non_exhaustive()
    }
}

impl PublicKey {
    /// Loads a public key from PEM: SPKI (`BEGIN PUBLIC KEY`), PKCS#1 (`BEGIN RSA PUBLIC KEY`),
    /// or derived from a private key PEM.
    ///
    /// # Errors
    /// As [`PrivateKey::from_pem`], or [`Error::NotAPublicKey`] for a PEM holding neither.
    pub fn from_pem(pem: impl AsRef<[u8]>) -> Result<Self, Error> {
        let pem = pem.as_ref();
        let label = first_label(pem)?;
        match label.as_str() {
            "PUBLIC KEY" => {
                let (_, der) = <(SectionKind, Vec<u8>)>::pem_slice_iter(pem)
                    .find(|s| matches!(s, Ok((SectionKind::PublicKey, _)) | Err(_)))
                    .unwrap_or(Err(pem::Error::NoItemsFound))
                    .map_err(pem_error)?;
                Self::from_der(&der)
            }
            "RSA PUBLIC KEY" => Self::from_der(&decode_pem_body(pem, "RSA PUBLIC KEY")?),
            "RSA PRIVATE KEY" | "PRIVATE KEY" | "ENCRYPTED PRIVATE KEY" | "EC PRIVATE KEY" => {
                Ok(PrivateKey::from_pem(pem)?.public_key())
            }
            _ => Err(Error::NotAPublicKey { found: label }),
        }
    }

    /// Loads a public key from a PEM file (see [`from_pem`](Self::from_pem)).
    ///
    /// # Errors
    /// [`Error::ReadKeyFile`] when the file cannot be read, otherwise as `from_pem`.
    pub fn from_pem_file(path: impl AsRef<Path>) -> Result<Self, Error> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|source| Error::ReadKeyFile {
            path: path.to_owned(),
            source,
        })?;
        Self::from_pem(bytes)
    }

    /// Parses a DER public key, PKCS#1 `RSAPublicKey` or SPKI.
    ///
    /// # Errors
    /// When the bytes are not an RSA public key of an accepted size.
    pub fn from_der(der: &[u8]) -> Result<Self, Error> {
        let malformed = |e: aws_lc_rs::error::KeyRejected| Error::MalformedKey {
            detail: format!("not an RSA public key ({})", e.description_()),
        };
        let pkcs1 =
            ParsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, der).map_err(malformed)?;
        let pss384 =
            ParsedPublicKey::new(&signature::RSA_PSS_2048_8192_SHA384, der).map_err(malformed)?;
        let bits = spki_modulus_bits(der).unwrap_or(0);
        if !(MIN_KEY_BITS..=MAX_KEY_BITS).contains(&bits) {
            return Err(Error::KeySize { bits });
        }
        Ok(Self {
            pkcs1: Arc::new(pkcs1),
            pss384: Arc::new(pss384),
            spki: to_spki(der).into(),
            bits,
        })
    }

    /// The key size in bits.
    pub fn bits(&self) -> usize {
        self.bits
    }

    /// The key as SPKI PEM (`BEGIN PUBLIC KEY`).
    pub fn to_pem(&self) -> String {
        to_pem("PUBLIC KEY", &self.spki).to_string()
    }

    /// The key as DER SubjectPublicKeyInfo.
    pub fn to_spki_der(&self) -> &[u8] {
        &self.spki
    }

    /// Verifies an RSASSA-PKCS1-v1_5 / SHA-256 signature.
    ///
    /// # Errors
    /// [`Error::BadSignature`] when it does not match.
    pub fn verify_pkcs1_sha256(&self, message: &[u8], signature: &[u8]) -> Result<(), Error> {
        self.pkcs1
            .verify_sig(message, signature)
            .map_err(|_| Error::BadSignature)
    }

    /// Verifies an RSASSA-PSS / SHA-384 signature (JWT `PS384`).
    ///
    /// # Errors
    /// [`Error::BadSignature`] when it does not match.
    pub fn verify_pss_sha384(&self, message: &[u8], signature: &[u8]) -> Result<(), Error> {
        self.pss384
            .verify_sig(message, signature)
            .map_err(|_| Error::BadSignature)
    }
}

fn rejected(e: aws_lc_rs::error::KeyRejected, bits: Option<usize>) -> Error {
    match e.description_() {
        "TooSmall" | "TooLarge" => Error::KeySize {
            bits: bits.unwrap_or(0),
        },
        other => Error::MalformedKey {
            detail: format!("not a valid RSA private key ({other})"),
        },
    }
}

fn pem_error(e: pem::Error) -> Error {
    match e {
        pem::Error::MissingSectionEnd { .. } => Error::TruncatedPem {
            detail: "the END line is missing".into(),
        },
        pem::Error::Base64Decode(detail) => Error::MalformedKey { detail },
        pem::Error::IllegalSectionStart { .. } => Error::MalformedKey {
            detail: "illegal BEGIN line".into(),
        },
        other => Error::MalformedKey {
            detail: other.to_string(),
        },
    }
}

/// The label of the first `-----BEGIN <label>-----` line, checking that its END line exists.
fn first_label(pem: &[u8]) -> Result<String, Error> {
    const BEGIN: &[u8] = b"-----BEGIN ";
    let start = find(pem, BEGIN).ok_or(Error::NotPem)?;
    let rest = &pem[start + BEGIN.len()..];
    let end = find(rest, b"-----").ok_or(Error::NotPem)?;
    let label = std::str::from_utf8(&rest[..end])
        .map_err(|_| Error::NotPem)?
        .to_owned();
    let end_line = format!("-----END {label}-----");
    if !contains(rest, end_line.as_bytes()) {
        return Err(Error::TruncatedPem {
            detail: format!("no `{end_line}` line"),
        });
    }
    Ok(label)
}

/// Decodes the body of a PEM block that rustls-pki-types does not know (`RSA PUBLIC KEY`).
fn decode_pem_body(pem: &[u8], label: &str) -> Result<Vec<u8>, Error> {
    let text = std::str::from_utf8(pem).map_err(|_| Error::NotPem)?;
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let body = text
        .split_once(&begin)
        .and_then(|(_, rest)| rest.split_once(&end))
        .map(|(body, _)| body)
        .ok_or_else(|| Error::TruncatedPem {
            detail: format!("no `{end}` line"),
        })?;
    let compact: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact)
        .map_err(|e| Error::MalformedKey {
            detail: format!("bad base64: {e}"),
        })
}

fn to_pem(label: &str, der: &[u8]) -> Zeroizing<String> {
    let b64 = Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(der));
    let mut out = Zeroizing::new(String::with_capacity(b64.len() + b64.len() / 64 + 64));
    out.push_str(&format!("-----BEGIN {label}-----\n"));
    for chunk in b64.as_bytes().chunks(64) {
        // base64 output is ASCII, so every chunk is valid UTF-8.
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    find(haystack, needle).is_some()
}

// --- A minimal DER walk, only to report the size of a rejected key and the algorithm of a
// --- PKCS#8 key. aws-lc does the real parsing.

/// Reads one DER TLV at the start of `input`: (tag, content, rest).
fn tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&len0, mut rest) = rest.split_first()?;
    let len = if len0 < 0x80 {
        usize::from(len0)
    } else {
        let n = usize::from(len0 & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        rest = &rest[n..];
        len
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

fn integer_bits(content: &[u8]) -> usize {
    let trimmed: &[u8] = match content.iter().position(|b| *b != 0) {
        Some(i) => &content[i..],
        None => &[],
    };
    match trimmed.first() {
        Some(first) => (trimmed.len() - 1) * 8 + (8 - first.leading_zeros() as usize),
        None => 0,
    }
}

/// Modulus size of a PKCS#1 `RSAPrivateKey` (version, n, ...).
fn der_modulus_bits(der: &[u8]) -> Option<usize> {
    let (0x30, seq, _) = tlv(der)? else {
        return None;
    };
    let (0x02, _version, rest) = tlv(seq)? else {
        return None;
    };
    let (0x02, n, _) = tlv(rest)? else {
        return None;
    };
    Some(integer_bits(n))
}

/// Modulus size of an SPKI or PKCS#1 `RSAPublicKey`.
fn spki_modulus_bits(der: &[u8]) -> Option<usize> {
    let (0x30, seq, _) = tlv(der)? else {
        return None;
    };
    match tlv(seq)? {
        // PKCS#1 RSAPublicKey: SEQUENCE { n INTEGER, e INTEGER }
        (0x02, n, _) => Some(integer_bits(n)),
        // SPKI: SEQUENCE { algid SEQUENCE, BIT STRING { RSAPublicKey } }
        (0x30, _algid, rest) => {
            let (0x03, bits, _) = tlv(rest)? else {
                return None;
            };
            spki_modulus_bits(bits.get(1..)?)
        }
        _ => None,
    }
}

/// The `privateKey` OCTET STRING of a PKCS#8 `PrivateKeyInfo`.
fn pkcs8_inner(der: &[u8]) -> Option<&[u8]> {
    let (0x30, seq, _) = tlv(der)? else {
        return None;
    };
    let (0x02, _version, rest) = tlv(seq)? else {
        return None;
    };
    let (0x30, _algid, rest) = tlv(rest)? else {
        return None;
    };
    let (0x04, inner, _) = tlv(rest)? else {
        return None;
    };
    Some(inner)
}

/// Names the key type of a PKCS#8 key that is not RSA, from its algorithm OID.
fn pkcs8_non_rsa_kind(der: &[u8]) -> Option<&'static str> {
    const RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
    const RSA_PSS: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a];
    const EC: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
    const ED25519: &[u8] = &[0x2b, 0x65, 0x70];
    let (0x30, seq, _) = tlv(der)? else {
        return None;
    };
    let (0x02, _version, rest) = tlv(seq)? else {
        return None;
    };
    let (0x30, algid, _) = tlv(rest)? else {
        return None;
    };
    let (0x06, oid, _) = tlv(algid)? else {
        return None;
    };
    match oid {
        o if o == RSA || o == RSA_PSS => None,
        o if o == EC => Some("EC"),
        o if o == ED25519 => Some("Ed25519"),
        _ => Some("non-RSA"),
    }
}

/// Wraps a PKCS#1 `RSAPublicKey` into an SPKI `SubjectPublicKeyInfo`; SPKI input is kept.
fn to_spki(der: &[u8]) -> Vec<u8> {
    let is_pkcs1 =
        matches!(tlv(der), Some((0x30, seq, _)) if matches!(tlv(seq), Some((0x02, _, _))));
    if !is_pkcs1 {
        return der.to_vec();
    }
    // AlgorithmIdentifier { rsaEncryption, NULL }
    const ALGID: &[u8] = &[
        0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
    ];
    let mut bit_string = vec![0u8];
    bit_string.extend_from_slice(der);
    let mut body = ALGID.to_vec();
    push_tlv(&mut body, 0x03, &bit_string);
    let mut out = Vec::with_capacity(body.len() + 4);
    push_tlv(&mut out, 0x30, &body);
    out
}

fn push_tlv(out: &mut Vec<u8>, tag: u8, content: &[u8]) {
    out.push(tag);
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_integer_bits() {
        assert_eq!(integer_bits(&[0x00, 0x80]), 8);
        assert_eq!(integer_bits(&[0x01, 0x00]), 9);
        assert_eq!(integer_bits(&[]), 0);
    }
}
