//! Loading application keys: both PEM forms, from a path and from memory, and a distinct
//! error for each way a key can be wrong.

use std::path::PathBuf;

use yoti_auth::{Error, PrivateKey, PublicKey};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(fixture(name)).expect("fixture exists")
}

#[test]
fn pkcs1_and_pkcs8_forms_of_one_key_load_from_path_and_memory() {
    let pkcs1 = PrivateKey::from_pem_file(fixture("test-key-pkcs1.pem")).unwrap();
    let pkcs8 = PrivateKey::from_pem(read("test-key-pkcs8.pem")).unwrap();
    assert_eq!(pkcs1.bits(), 2048);
    assert_eq!(pkcs8.bits(), 2048);
    assert_eq!(pkcs1.public_key().to_pem(), pkcs8.public_key().to_pem());
}

#[test]
fn public_keys_load_from_spki_pkcs1_and_private_pem_alike() {
    let from_spki = PublicKey::from_pem(read("test-key-spki.pem")).unwrap();
    let from_pkcs1 = PublicKey::from_pem_file(fixture("test-key-rsa-public.pem")).unwrap();
    let from_private = PublicKey::from_pem(read("test-key-pkcs1.pem")).unwrap();
    assert_eq!(from_spki.to_pem(), from_pkcs1.to_pem());
    assert_eq!(from_spki.to_pem(), from_private.to_pem());
    // Our SPKI PEM is what openssl wrote, byte for byte.
    assert_eq!(
        from_spki.to_pem(),
        String::from_utf8(read("test-key-spki.pem")).unwrap()
    );
    assert_eq!(from_spki.bits(), 2048);
}

#[test]
fn input_that_is_not_pem_is_refused() {
    assert!(matches!(PrivateKey::from_pem(b"hello"), Err(Error::NotPem)));
    assert!(matches!(PrivateKey::from_pem(b""), Err(Error::NotPem)));
    assert!(matches!(
        PrivateKey::from_pem([0u8, 159, 146, 150]),
        Err(Error::NotPem)
    ));
}

#[test]
fn truncated_pem_is_refused_as_truncated() {
    let pem = read("test-key-pkcs8.pem");
    let cut = &pem[..pem.len() / 2];
    assert!(
        matches!(PrivateKey::from_pem(cut), Err(Error::TruncatedPem { .. })),
        "{:?}",
        PrivateKey::from_pem(cut)
    );
}

#[test]
fn damaged_pem_body_is_refused_as_malformed() {
    let pem = String::from_utf8(read("test-key-pkcs1.pem")).unwrap();
    let lines: Vec<&str> = pem.lines().collect();
    // Drop half of the body lines but keep BEGIN and END: base64 still decodes, DER does not.
    let mut damaged = vec![lines[0]];
    damaged.extend(&lines[1..lines.len() / 2]);
    damaged.push(lines[lines.len() - 1]);
    let err = PrivateKey::from_pem(damaged.join("\n")).unwrap_err();
    assert!(matches!(err, Error::MalformedKey { .. }), "{err:?}");
}

#[test]
fn encrypted_keys_are_refused_in_both_forms() {
    for name in ["encrypted-pkcs8.pem", "encrypted-pkcs1.pem"] {
        let err = PrivateKey::from_pem(read(name)).unwrap_err();
        assert!(matches!(err, Error::EncryptedKey), "{name}: {err:?}");
        assert!(
            err.to_string().contains("openssl pkey"),
            "the error says what to do"
        );
    }
}

#[test]
fn ec_keys_are_refused_in_both_forms() {
    for name in ["ec-p256-pkcs8.pem", "ec-p256-sec1.pem"] {
        let err = PrivateKey::from_pem(read(name)).unwrap_err();
        assert!(
            matches!(err, Error::UnsupportedKeyType { kind: "EC" }),
            "{name}: {err:?}"
        );
    }
}

#[test]
fn keys_outside_2048_to_4096_bits_are_refused_with_their_size() {
    let err = PrivateKey::from_pem(read("rsa-1024.pem")).unwrap_err();
    assert!(matches!(err, Error::KeySize { bits: 1024 }), "{err:?}");
    let err = PrivateKey::from_pem(read("rsa-4608.pem")).unwrap_err();
    assert!(matches!(err, Error::KeySize { bits: 4608 }), "{err:?}");
    assert!(err.to_string().contains("2048 to 4096"));
}

#[test]
fn a_public_key_or_certificate_is_not_a_private_key() {
    let err = PrivateKey::from_pem(read("test-key-spki.pem")).unwrap_err();
    assert!(
        matches!(err, Error::NotAPrivateKey { ref found } if found == "PUBLIC KEY"),
        "{err:?}"
    );
}

#[test]
fn a_missing_file_names_the_path() {
    let err = PrivateKey::from_pem_file("/nonexistent/key.pem").unwrap_err();
    assert!(matches!(err, Error::ReadKeyFile { .. }));
    assert!(err.to_string().contains("/nonexistent/key.pem"));
}

#[test]
fn debug_output_never_shows_key_material() {
    let key = PrivateKey::from_pem(read("test-key-pkcs8.pem")).unwrap();
    assert_eq!(format!("{key:?}"), "PrivateKey([redacted])");
    let signer = yoti_auth::RequestSigner::new("sdk", key);
    let debug = format!("{signer:?}");
    assert!(
        debug.contains("[redacted]") && !debug.contains("MII"),
        "{debug}"
    );
    let token = yoti_auth::ClientSessionToken::new("c9b4bb4b-secret");
    assert_eq!(format!("{token:?}"), "ClientSessionToken([redacted])");
}

#[test]
fn generated_keys_round_trip_through_pkcs8_pem() {
    let key = PrivateKey::generate(2048).unwrap();
    let pem = key.to_pkcs8_pem().unwrap();
    let again = PrivateKey::from_pem(pem.as_bytes()).unwrap();
    assert_eq!(key.public_key().to_pem(), again.public_key().to_pem());
    assert!(matches!(
        PrivateKey::generate(1024),
        Err(Error::KeySize { bits: 1024 })
    ));
}
