//! Personal data at rest (UU 27/2022, PDP): the owner's NIK is stored encrypted
//! (XChaCha20-Poly1305, a fresh random nonce per value) with a keyed hash (HMAC-SHA256) beside
//! it for exact look-ups and duplicate checks. The key comes from configuration (a key file),
//! never from the database, and is never logged.

use std::collections::HashMap;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD as B64;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::StorageError;

/// One 32-byte master key, with the keys derived from it.
#[derive(Clone)]
pub struct PersonalKey {
    id: String,
    encryption: [u8; 32],
    hashing: [u8; 32],
    /// The audit chain's MAC key when this key started the chain (audit.rs): derived, so the
    /// key file stays the one secret to keep apart from the database.
    audit_chain: [u8; 32],
}

impl std::fmt::Debug for PersonalKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PersonalKey({})", self.id)
    }
}

fn derive(master: &[u8; 32], label: &str) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(master)
        .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    mac.update(label.as_bytes());
    mac.finalize().into_bytes().into()
}

impl PersonalKey {
    pub fn from_bytes(master: [u8; 32]) -> Self {
        let digest = Sha256::digest(master);
        let id: String = digest.iter().take(4).map(|b| format!("{b:02x}")).collect();
        PersonalKey {
            id,
            encryption: derive(&master, "sentra personal data encryption v1"),
            hashing: derive(&master, "sentra personal data lookup hash v1"),
            audit_chain: derive(&master, "sentra audit chain v1"),
        }
    }

    /// A new random key and its text form (64 hex digits) for a key file.
    pub fn generate() -> (Self, String) {
        let raw: [u8; 32] = rand::random();
        let text: String = raw.iter().map(|b| format!("{b:02x}")).collect();
        (Self::from_bytes(raw), text)
    }

    /// Reads the text of a key file: 64 hex digits (surrounding white space ignored).
    pub fn parse(text: &str) -> Result<Self, StorageError> {
        let t = text.trim();
        if t.len() != 64 || !t.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(StorageError::Key(
                "a key file must hold 64 hexadecimal digits".into(),
            ));
        }
        let mut raw = [0u8; 32];
        for (i, byte) in raw.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&t[2 * i..2 * i + 2], 16)
                .map_err(|_| StorageError::Key("bad hex".into()))?;
        }
        Ok(Self::from_bytes(raw))
    }

    /// Short public fingerprint, stored with each value to tell which key encrypted it.
    pub fn id(&self) -> &str {
        &self.id
    }

    pub(crate) fn audit_chain_key(&self) -> [u8; 32] {
        self.audit_chain
    }

    pub fn encrypt(&self, plain: &str) -> String {
        format!("v1.{}.{}", self.id, B64.encode(self.seal(plain.as_bytes())))
    }

    /// A whole file (an uploaded spreadsheet full of NIKs): `v1.<key id>.` then the sealed bytes.
    pub fn encrypt_bytes(&self, plain: &[u8]) -> Vec<u8> {
        let mut out = format!("v1.{}.", self.id).into_bytes();
        out.extend_from_slice(&self.seal(plain));
        out
    }

    /// A fresh random nonce, then the ciphertext with its tag.
    fn seal(&self, plain: &[u8]) -> Vec<u8> {
        let cipher = XChaCha20Poly1305::new((&self.encryption).into());
        let nonce_bytes: [u8; 24] = rand::random();
        let nonce = XNonce::from_slice(&nonce_bytes);
        // Encryption only fails for plaintexts beyond 256 GiB.
        let sealed = cipher.encrypt(nonce, plain).unwrap_or_default();
        let mut blob = nonce_bytes.to_vec();
        blob.extend_from_slice(&sealed);
        blob
    }

    fn open(&self, blob: &[u8]) -> Result<Vec<u8>, StorageError> {
        if blob.len() < 24 {
            return Err(StorageError::Corrupt("encrypted value too short".into()));
        }
        let (nonce, sealed) = blob.split_at(24);
        let cipher = XChaCha20Poly1305::new((&self.encryption).into());
        cipher
            .decrypt(XNonce::from_slice(nonce), sealed)
            .map_err(|_| StorageError::Key(format!("value does not decrypt with key {}", self.id)))
    }

    fn decrypt(&self, blob_b64: &str) -> Result<String, StorageError> {
        let blob = B64
            .decode(blob_b64)
            .map_err(|_| StorageError::Corrupt("encrypted value is not base64".into()))?;
        String::from_utf8(self.open(&blob)?)
            .map_err(|_| StorageError::Corrupt("decrypted value is not UTF-8".into()))
    }

    /// Keyed hash for exact look-ups: equal NIKs give equal hashes under one key, and nothing
    /// can be learnt from it without the key.
    pub fn lookup_hash(&self, plain: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.hashing)
            .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
        mac.update(plain.as_bytes());
        mac.finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// The current key (encrypts and hashes) and older ones (only decrypt), for rotation.
#[derive(Clone, Debug)]
pub struct Keyring {
    current: Arc<PersonalKey>,
    by_id: HashMap<String, Arc<PersonalKey>>,
}

impl Keyring {
    pub fn new(current: PersonalKey) -> Self {
        let current = Arc::new(current);
        let by_id = HashMap::from([(current.id.clone(), current.clone())]);
        Keyring { current, by_id }
    }

    pub fn with_old(mut self, old: PersonalKey) -> Self {
        self.by_id
            .entry(old.id.clone())
            .or_insert_with(|| Arc::new(old));
        self
    }

    pub fn current(&self) -> &PersonalKey {
        &self.current
    }

    pub fn is_encrypted(stored: &str) -> bool {
        stored.starts_with("v1.")
    }

    /// The id of the key that encrypted `stored`.
    pub fn key_id(stored: &str) -> Option<&str> {
        stored.strip_prefix("v1.")?.split('.').next()
    }

    /// The bytes sealed by [`PersonalKey::encrypt_bytes`].
    pub fn decrypt_bytes(&self, stored: &[u8]) -> Result<Vec<u8>, StorageError> {
        let rest = stored
            .strip_prefix(b"v1.")
            .ok_or_else(|| StorageError::Corrupt("file stored unencrypted".into()))?;
        let dot = rest
            .iter()
            .position(|b| *b == b'.')
            .ok_or_else(|| StorageError::Corrupt("malformed encrypted file".into()))?;
        let id = String::from_utf8_lossy(&rest[..dot]);
        let key = self.by_id.get(id.as_ref()).ok_or_else(|| {
            StorageError::Key(format!(
                "data was encrypted with key {id}, which is not configured"
            ))
        })?;
        key.open(&rest[dot + 1..])
    }

    pub fn decrypt(&self, stored: &str) -> Result<String, StorageError> {
        let rest = stored
            .strip_prefix("v1.")
            .ok_or_else(|| StorageError::Corrupt("personal data stored unencrypted".into()))?;
        let (id, blob) = rest
            .split_once('.')
            .ok_or_else(|| StorageError::Corrupt("malformed encrypted value".into()))?;
        let key = self.by_id.get(id).ok_or_else(|| {
            StorageError::Key(format!(
                "data was encrypted with key {id}, which is not configured"
            ))
        })?;
        key.decrypt(blob)
    }
}

impl crate::Database {
    /// Fails when stored personal data was encrypted with a key this process does not have,
    /// so a wrong key file stops the server at start instead of mixing keys in the data.
    pub async fn check_personal_key(&self) -> Result<(), StorageError> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT owner_nik_enc FROM umkm ORDER BY id LIMIT 1")
                .fetch_optional(&self.pool)
                .await?;
        match row {
            Some((stored,)) => self.keyring.decrypt(&stored).map(|_| ()),
            None => Ok(()),
        }
    }

    /// Re-encrypts and re-hashes every NIK under `new`, in one transaction: after a crash the
    /// data is wholly under the old key or wholly under the new one. Returns the rows changed.
    /// The audit chain keeps its key (sealed anew under `new`, audit.rs) and records the
    /// rotation.
    pub async fn rotate_personal_key(&self, new: &PersonalKey) -> Result<u64, StorageError> {
        let mut tx = self.pool.begin().await?;
        crate::accounts::audit::begin_write(&mut tx).await?;
        crate::accounts::audit::reseal_chain_key(&mut tx, &self.audit_chain, new).await?;
        let rows: Vec<(String, String)> = sqlx::query_as("SELECT id, owner_nik_enc FROM umkm")
            .fetch_all(&mut *tx)
            .await?;
        let mut changed = 0;
        for (id, stored) in rows {
            let plain = self.keyring.decrypt(&stored)?;
            sqlx::query("UPDATE umkm SET owner_nik_enc = $1, owner_nik_hash = $2 WHERE id = $3")
                .bind(new.encrypt(&plain))
                .bind(new.lookup_hash(&plain))
                .bind(id)
                .execute(&mut *tx)
                .await?;
            changed += 1;
        }
        crate::accounts::audit::append(
            &mut tx,
            &self.audit_chain,
            &crate::Actor::system("sentra key rotate"),
            "rotate_key",
            "personal_key",
            Some(new.id()),
            &serde_json::json!({ "from": self.keyring.current().id(), "to": new.id(), "rows": changed }),
        )
        .await?;
        tx.commit().await?;
        Ok(changed)
    }

    /// Ids of records whose owner has this NIK (exact match through the keyed hash).
    pub async fn umkm_ids_by_nik(
        &self,
        scope: &sentra_domain::scope::Scope,
        nik: &str,
    ) -> Result<Vec<String>, StorageError> {
        let hash = self.keyring.current().lookup_hash(nik);
        let mut ids = Vec::new();
        for (id, village) in sqlx::query_as::<_, (String, String)>(
            "SELECT id, village_code FROM umkm WHERE owner_nik_hash = $1 ORDER BY id",
        )
        .bind(hash)
        .fetch_all(&self.pool)
        .await?
        {
            if sentra_domain::region::RegionCode::parse(&village).is_ok_and(|c| scope.contains(&c))
            {
                ids.push(id);
            }
        }
        Ok(ids)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_no_clear_text() {
        let (key, text) = PersonalKey::generate();
        let ring = Keyring::new(PersonalKey::parse(&text).unwrap());
        let sealed = key.encrypt("3674034506900012");
        assert!(!sealed.contains("3674034506900012"));
        assert_ne!(
            sealed,
            key.encrypt("3674034506900012"),
            "fresh nonce each time"
        );
        assert_eq!(ring.decrypt(&sealed).unwrap(), "3674034506900012");
        assert_eq!(
            key.lookup_hash("3674034506900012"),
            ring.current().lookup_hash("3674034506900012")
        );
    }

    #[test]
    fn files_round_trip_sealed() {
        let (key, _) = PersonalKey::generate();
        let file = b"Nama Usaha;NIK\nKeripik Bu Ani;3674034506900012\n".to_vec();
        let sealed = key.encrypt_bytes(&file);
        assert!(!sealed.windows(16).any(|w| w == b"3674034506900012"));
        let ring = Keyring::new(key.clone());
        assert_eq!(ring.decrypt_bytes(&sealed).unwrap(), file);
        let mut tampered = sealed.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert!(ring.decrypt_bytes(&tampered).is_err());
        assert!(
            Keyring::new(PersonalKey::generate().0)
                .decrypt_bytes(&sealed)
                .is_err()
        );
        assert!(
            ring.decrypt_bytes(&file).is_err(),
            "plain bytes are refused"
        );
    }

    #[test]
    fn wrong_or_tampered_key_fails() {
        let (a, _) = PersonalKey::generate();
        let (b, _) = PersonalKey::generate();
        let sealed = a.encrypt("3674034506900012");
        assert!(Keyring::new(b.clone()).decrypt(&sealed).is_err());
        assert_eq!(
            Keyring::new(b)
                .with_old(a.clone())
                .decrypt(&sealed)
                .unwrap(),
            "3674034506900012"
        );
        let mut tampered = sealed.clone();
        tampered.pop();
        tampered.push(if sealed.ends_with('A') { 'B' } else { 'A' });
        assert!(Keyring::new(a).decrypt(&tampered).is_err());
        assert!(PersonalKey::parse("nothex").is_err());
    }
}
