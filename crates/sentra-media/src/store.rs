//! Where photos are kept: an object store (the `object_store` crate), a local folder by default,
//! any S3-compatible service (AWS, MinIO, Ceph, Cloudflare R2, …) when configured with an
//! `s3://bucket/prefix` URL and the usual `AWS_*` variables (`AWS_ENDPOINT` for a non-AWS
//! service). Several app servers share one bucket.

use std::path::Path as FsPath;
use std::sync::Arc;

use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("object store: {0}")]
    Store(#[from] object_store::Error),
    #[error("object store path: {0}")]
    Path(#[from] object_store::path::Error),
    #[error("object store URL: {0}")]
    Url(#[from] url::ParseError),
    #[error("object store folder: {0}")]
    Io(#[from] std::io::Error),
}

/// What [`MediaStore::copy_into`] did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct CopyOutcome {
    pub copied: u64,
    pub bytes: u64,
    /// Objects the target held already (an earlier, stopped copy).
    pub already_there: u64,
}

#[derive(Clone)]
pub struct MediaStore {
    inner: Arc<dyn ObjectStore>,
    prefix: Path,
    describe: String,
}

impl std::fmt::Debug for MediaStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe)
    }
}

impl MediaStore {
    /// A local folder (created when missing).
    pub fn local(dir: &FsPath) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir)?;
        Ok(Self {
            inner: Arc::new(LocalFileSystem::new_with_prefix(dir)?),
            prefix: Path::default(),
            describe: dir.display().to_string(),
        })
    }

    /// An object store by URL: `s3://bucket/prefix` (credentials and endpoint from the `AWS_*`
    /// environment variables), `file:///absolute/folder` or `memory:///`.
    pub fn from_url(url: &str) -> Result<Self, StoreError> {
        let parsed = url::Url::parse(url)?;
        let (inner, prefix) = object_store::parse_url_opts(&parsed, std::env::vars())?;
        Ok(Self {
            inner: Arc::from(inner),
            prefix,
            describe: url.to_string(),
        })
    }

    /// In memory, for tests.
    pub fn memory() -> Self {
        Self {
            inner: Arc::new(InMemory::new()),
            prefix: Path::default(),
            describe: "memory".into(),
        }
    }

    fn path(&self, key: &str) -> Result<Path, StoreError> {
        let mut path = self.prefix.clone();
        for part in Path::parse(key)?.parts() {
            path = path.join(part);
        }
        Ok(path)
    }

    pub async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), StoreError> {
        self.inner
            .put(&self.path(key)?, PutPayload::from(bytes))
            .await?;
        Ok(())
    }

    /// The object's bytes, or `None` when there is none under the key.
    pub async fn get(&self, key: &str) -> Result<Option<bytes::Bytes>, StoreError> {
        match self.inner.get(&self.path(key)?).await {
            Ok(found) => Ok(Some(found.bytes().await?)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Every object's key (relative to the store's prefix) and size, in key order.
    pub async fn list(&self) -> Result<Vec<(String, u64)>, StoreError> {
        use futures_util::TryStreamExt;
        let prefix = (!self.prefix.as_ref().is_empty()).then_some(&self.prefix);
        let metas: Vec<object_store::ObjectMeta> = self.inner.list(prefix).try_collect().await?;
        let mut found: Vec<(String, u64)> = metas
            .into_iter()
            .map(|meta| {
                let key = match meta.location.prefix_match(&self.prefix) {
                    Some(parts) => parts.map(|p| p.as_ref().to_string()).collect::<Vec<_>>(),
                    None => meta
                        .location
                        .parts()
                        .map(|p| p.as_ref().to_string())
                        .collect(),
                };
                (key.join("/"), meta.size)
            })
            .collect();
        found.sort();
        Ok(found)
    }

    /// The object's size, or `None` when there is none under the key.
    pub async fn size(&self, key: &str) -> Result<Option<u64>, StoreError> {
        match self.inner.head(&self.path(key)?).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Copies every object into `target` (another store: a folder to a bucket, say). An object
    /// the target already holds at the same size is left alone, so a stopped copy resumes.
    /// `progress(done, of)` after each object.
    pub async fn copy_into(
        &self,
        target: &MediaStore,
        mut progress: impl FnMut(u64, u64),
    ) -> Result<CopyOutcome, StoreError> {
        let objects = self.list().await?;
        let of = objects.len() as u64;
        let mut outcome = CopyOutcome::default();
        for (done, (key, size)) in objects.into_iter().enumerate() {
            if target.size(&key).await? == Some(size) {
                outcome.already_there += 1;
            } else if let Some(bytes) = self.get(&key).await? {
                target.put(&key, bytes.to_vec()).await?;
                outcome.copied += 1;
                outcome.bytes += size;
            }
            progress(done as u64 + 1, of);
        }
        Ok(outcome)
    }

    /// The keys whose object in `target` is missing or differs byte for byte from this store's.
    pub async fn differences(&self, target: &MediaStore) -> Result<Vec<String>, StoreError> {
        let mut differing = Vec::new();
        for (key, _) in self.list().await? {
            if self.get(&key).await? != target.get(&key).await? {
                differing.push(key);
            }
        }
        Ok(differing)
    }

    /// Removes the object; a key with no object is not an error.
    pub async fn delete(&self, key: &str) -> Result<(), StoreError> {
        match self.inner.delete(&self.path(key)?).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::MediaStore;

    #[tokio::test]
    async fn a_local_folder_keeps_puts_and_forgets_deletes() {
        let dir = std::env::temp_dir().join(format!("sentra-media-{}", std::process::id()));
        let store = match MediaStore::local(&dir) {
            Ok(s) => s,
            Err(e) => panic!("{e}"),
        };
        let key = "produk/p1/f1-md.jpg";
        assert!(matches!(store.get(key).await, Ok(None)));
        assert!(store.put(key, b"jpeg".to_vec()).await.is_ok());
        assert!(dir.join("produk/p1/f1-md.jpg").is_file());
        assert_eq!(
            store.get(key).await.ok().flatten().as_deref(),
            Some(&b"jpeg"[..])
        );
        assert!(store.put("lapangan/u1/a.jpg", b"jp".to_vec()).await.is_ok());
        assert_eq!(
            store.list().await.ok(),
            Some(vec![
                ("lapangan/u1/a.jpg".to_string(), 2),
                (key.to_string(), 4)
            ])
        );
        assert_eq!(store.size(key).await.ok(), Some(Some(4)));
        assert_eq!(store.size("produk/none.jpg").await.ok(), Some(None));
        let copy = MediaStore::memory();
        assert!(copy.put(key, b"jpeg".to_vec()).await.is_ok());
        let outcome = store.copy_into(&copy, |_, _| {}).await.ok();
        assert_eq!(outcome.map(|o| (o.copied, o.already_there)), Some((1, 1)));
        assert_eq!(store.differences(&copy).await.ok(), Some(Vec::new()));
        assert!(copy.put(key, b"JPEG".to_vec()).await.is_ok());
        assert_eq!(
            store.differences(&copy).await.ok(),
            Some(vec![key.to_string()])
        );
        assert!(store.delete(key).await.is_ok());
        assert!(
            store.delete(key).await.is_ok(),
            "deleting twice is not an error"
        );
        assert!(matches!(store.get(key).await, Ok(None)));
        assert!(store.get("produk/../../etc/passwd").await.is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
