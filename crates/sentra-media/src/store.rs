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
