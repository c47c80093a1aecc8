//! Encryption for card fields that must wait in the database between webhooks.
//!
//! A caller keys the card number, expiry, security code and ZIP in separate
//! steps, each arriving as its own webhook, possibly at a different instance or
//! after a restart. So the fields held so far are sealed together, as one blob,
//! with AES-256-GCM under a [`DataKey`] from configuration, and stored on the
//! call's row; the instance answering the next webhook opens them. When the card
//! is confirmed the blob moves to the payment's row (sealed again, bound to the
//! payment) until the charge is settled, so a crash mid-charge can be
//! reconciled; it is wiped as soon as the charge is decided, the card is
//! restarted, the call ends, or its time is up (PCI DSS does not allow keeping
//! the security code after authorisation).
//!
//! Sealed format, version 1: `0x01 || nonce (12 bytes) || ciphertext || tag (16 bytes)`.
//! The version byte leaves room for a later format (e.g. one naming a key id
//! for rotation) without guessing.
//!
//! The associated data (`aad`) is authenticated but not stored: the call id (or
//! `"{call id}/payment/{attempt}"` for a payment's card), so a blob copied to
//! another call or payment fails to open.

use std::fmt;

use aes_gcm::Aes256Gcm;
use aes_gcm::aead::{AeadInOut, KeyInit};
use base64::Engine;
use rand::TryRng;
use rand::rngs::SysRng;
use zeroize::Zeroizing;

/// Format version written as the first byte of every sealed blob.
const FORMAT_V1: u8 = 1;
const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
/// Card fields are a few dozen bytes; refusing large input keeps far away from
/// AES-GCM's per-message limit and catches misuse.
const MAX_PLAINTEXT: usize = 64 * 1024;

/// What went wrong sealing or opening. Messages never contain key material or
/// plaintext.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum VaultError {
    /// The configured key is not 32 bytes as 64 hex digits or base64.
    #[error("the data key must be 32 bytes, given as 64 hex digits or base64")]
    BadKey,
    /// The blob is too short or of a format version we do not know.
    #[error("the sealed data is malformed")]
    Malformed,
    /// Authentication failed: wrong key, wrong associated data (another call's
    /// blob), or tampered. AES-GCM cannot tell these apart, by design.
    #[error("the sealed data could not be opened")]
    CannotOpen,
    /// More plaintext than a card field could ever be.
    #[error("the data to seal is too large")]
    TooLarge,
    /// The operating system's random source failed.
    #[error("no randomness available from the operating system")]
    NoRandomness,
}

/// A 256-bit key for sealing card fields. Its `Debug` prints nothing of it and
/// its bytes are wiped on drop.
pub struct DataKey {
    /// Raw key bytes. The cipher is built per call rather than kept, because
    /// aes-gcm's key schedule is only wiped on drop with its `zeroize` feature.
    key: Zeroizing<[u8; KEY_LEN]>,
}

impl DataKey {
    /// Reads a key given as 64 hex digits or as base64 (standard or URL-safe,
    /// padded or not) of 32 bytes. Surrounding whitespace, such as the newline
    /// at the end of a key file, is ignored.
    ///
    /// # Errors
    /// [`VaultError::BadKey`] for anything that does not decode to 32 bytes.
    pub fn parse(text: &str) -> Result<DataKey, VaultError> {
        let text = text.trim();
        let decoded = if text.len() == KEY_LEN * 2 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            hex::decode(text).map(Zeroizing::new).ok()
        } else {
            [
                &base64::engine::general_purpose::STANDARD_PAD_INDIFFERENT,
                &base64::engine::general_purpose::URL_SAFE_PAD_INDIFFERENT,
            ]
            .into_iter()
            .find_map(|engine| engine.decode(text).map(Zeroizing::new).ok())
        };
        let decoded = decoded.ok_or(VaultError::BadKey)?;
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        if decoded.len() != KEY_LEN {
            return Err(VaultError::BadKey);
        }
        key.copy_from_slice(&decoded);
        Ok(DataKey { key })
    }

    /// A fresh random key from the operating system's random source.
    ///
    /// # Errors
    /// [`VaultError::NoRandomness`] if the OS cannot provide randomness.
    pub fn generate() -> Result<DataKey, VaultError> {
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        SysRng
            .try_fill_bytes(key.as_mut())
            .map_err(|_| VaultError::NoRandomness)?;
        Ok(DataKey { key })
    }

    /// The key as 64 hex digits, for putting a generated key into configuration.
    /// Treat the result as the secret it is.
    pub fn expose_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(self.key.as_ref()))
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(&(*self.key).into())
    }

    /// Encrypts `plaintext`, binding it to `aad` (the call id), under a fresh
    /// random nonce. Sealing the same plaintext twice gives different blobs.
    ///
    /// # Errors
    /// [`VaultError::TooLarge`] over 64 KiB; [`VaultError::NoRandomness`].
    pub fn seal(&self, plaintext: &[u8], aad: &[u8]) -> Result<Vec<u8>, VaultError> {
        if plaintext.len() > MAX_PLAINTEXT {
            return Err(VaultError::TooLarge);
        }
        let mut nonce = [0u8; NONCE_LEN];
        // Random 96-bit nonces are safe for far more messages than card fields
        // will ever see under one key (NIST SP 800-38D: 2^32).
        SysRng
            .try_fill_bytes(&mut nonce)
            .map_err(|_| VaultError::NoRandomness)?;

        // One allocation of the final size: the plaintext is copied in once and
        // encrypted in place, so no unencrypted copy is left in a freed buffer.
        let mut sealed = Vec::with_capacity(1 + NONCE_LEN + plaintext.len() + TAG_LEN);
        sealed.push(FORMAT_V1);
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(plaintext);
        let tag = self
            .cipher()
            .encrypt_inout_detached(&nonce.into(), aad, sealed[1 + NONCE_LEN..].as_mut().into())
            // Only fails past AES-GCM's length limits, which MAX_PLAINTEXT rules out.
            .map_err(|_| VaultError::TooLarge)?;
        sealed.extend_from_slice(&tag);
        Ok(sealed)
    }

    /// Decrypts a blob made by [`DataKey::seal`] with the same key and `aad`.
    /// The plaintext comes back in a buffer that is wiped when dropped.
    ///
    /// # Errors
    /// [`VaultError::Malformed`] for a truncated blob or unknown version;
    /// [`VaultError::CannotOpen`] for a wrong key, wrong `aad` or any tampering.
    pub fn open(&self, sealed: &[u8], aad: &[u8]) -> Result<Zeroizing<Vec<u8>>, VaultError> {
        let (&version, rest) = sealed.split_first().ok_or(VaultError::Malformed)?;
        if version != FORMAT_V1 || rest.len() < NONCE_LEN + TAG_LEN {
            return Err(VaultError::Malformed);
        }
        let (nonce, rest) = rest.split_at(NONCE_LEN);
        let (ciphertext, tag) = rest.split_at(rest.len() - TAG_LEN);
        let nonce = aes_gcm::aead::Nonce::<Aes256Gcm>::try_from(nonce)
            .map_err(|_| VaultError::Malformed)?;
        let tag =
            aes_gcm::aead::Tag::<Aes256Gcm>::try_from(tag).map_err(|_| VaultError::Malformed)?;

        let mut plaintext = Zeroizing::new(ciphertext.to_vec());
        self.cipher()
            .decrypt_inout_detached(&nonce, aad, plaintext.as_mut_slice().into(), &tag)
            .map_err(|_| VaultError::CannotOpen)?;
        Ok(plaintext)
    }
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DataKey(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX_KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    fn key() -> DataKey {
        DataKey::parse(HEX_KEY).unwrap()
    }

    #[test]
    fn round_trip() {
        let k = key();
        let sealed = k.seal(b"4242424242424242", b"CA123").unwrap();
        assert_eq!(sealed[0], FORMAT_V1);
        assert_eq!(sealed.len(), 1 + NONCE_LEN + 16 + TAG_LEN);
        assert!(!sealed.windows(4).any(|w| w == b"4242"));
        let opened = k.open(&sealed, b"CA123").unwrap();
        assert_eq!(opened.as_slice(), b"4242424242424242");
    }

    #[test]
    fn empty_plaintext_round_trips() {
        let k = key();
        let sealed = k.seal(b"", b"CA1").unwrap();
        assert_eq!(k.open(&sealed, b"CA1").unwrap().as_slice(), b"");
    }

    #[test]
    fn same_plaintext_seals_differently() {
        let k = key();
        assert_ne!(
            k.seal(b"123", b"CA1").unwrap(),
            k.seal(b"123", b"CA1").unwrap()
        );
    }

    #[test]
    fn blob_cannot_move_to_another_call() {
        let k = key();
        let sealed = k.seal(b"4242424242424242", b"CA123").unwrap();
        assert_eq!(k.open(&sealed, b"CA124"), Err(VaultError::CannotOpen));
        assert_eq!(k.open(&sealed, b""), Err(VaultError::CannotOpen));
    }

    #[test]
    fn tampering_is_detected_anywhere() {
        let k = key();
        let sealed = k.seal(b"4242424242424242", b"CA123").unwrap();
        for i in 1..sealed.len() {
            let mut bad = sealed.clone();
            bad[i] ^= 0x01;
            assert_eq!(k.open(&bad, b"CA123"), Err(VaultError::CannotOpen), "{i}");
        }
    }

    #[test]
    fn wrong_key_cannot_open() {
        let sealed = key().seal(b"123", b"CA1").unwrap();
        let other = DataKey::generate().unwrap();
        assert_eq!(other.open(&sealed, b"CA1"), Err(VaultError::CannotOpen));
    }

    #[test]
    fn truncated_or_unknown_version_is_malformed() {
        let k = key();
        let sealed = k.seal(b"123", b"CA1").unwrap();
        assert_eq!(k.open(&[], b"CA1"), Err(VaultError::Malformed));
        assert_eq!(
            k.open(&sealed[..1 + NONCE_LEN + TAG_LEN - 1], b"CA1"),
            Err(VaultError::Malformed)
        );
        // Cutting into the ciphertext leaves a well-formed but inauthentic blob.
        assert_eq!(
            k.open(&sealed[..sealed.len() - 1], b"CA1"),
            Err(VaultError::CannotOpen)
        );
        let mut v2 = sealed.clone();
        v2[0] = 2;
        assert_eq!(k.open(&v2, b"CA1"), Err(VaultError::Malformed));
    }

    #[test]
    fn oversized_plaintext_is_refused() {
        let big = vec![0u8; MAX_PLAINTEXT + 1];
        assert_eq!(key().seal(&big, b"CA1"), Err(VaultError::TooLarge));
    }

    #[test]
    fn key_parses_from_hex_and_base64_alike() {
        let from_hex = DataKey::parse(HEX_KEY).unwrap();
        let raw: Vec<u8> = (0u8..32).collect();
        let std_b64 = base64::engine::general_purpose::STANDARD.encode(&raw);
        let url_nopad = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&raw);
        for text in [
            std_b64.clone(),
            url_nopad,
            format!("{std_b64}\n"),
            HEX_KEY.to_uppercase(),
        ] {
            let k = DataKey::parse(&text).unwrap();
            // Same key: what one seals, the other opens.
            let sealed = k.seal(b"x", b"a").unwrap();
            assert_eq!(from_hex.open(&sealed, b"a").unwrap().as_slice(), b"x");
        }
    }

    #[test]
    fn bad_keys_are_refused() {
        let short_b64 = base64::engine::general_purpose::STANDARD.encode([0u8; 16]);
        for text in ["", "zz", &HEX_KEY[..62], &short_b64, "not a key at all!"] {
            assert_eq!(
                DataKey::parse(text).unwrap_err(),
                VaultError::BadKey,
                "{text}"
            );
        }
    }

    #[test]
    fn debug_and_errors_hide_the_key() {
        let k = key();
        assert_eq!(format!("{k:?}"), "DataKey(***)");
        let err = DataKey::parse("00112233").unwrap_err().to_string();
        assert!(!err.contains("00112233"));
    }

    #[test]
    fn generated_keys_export_and_reload() {
        let k = DataKey::generate().unwrap();
        let hex = k.expose_hex();
        assert_eq!(hex.len(), 64);
        let again = DataKey::parse(&hex).unwrap();
        let sealed = k.seal(b"5", b"c").unwrap();
        assert_eq!(again.open(&sealed, b"c").unwrap().as_slice(), b"5");
    }
}
