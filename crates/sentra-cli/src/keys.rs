//! The personal-data key file: where it is, creating it on first start, and rotation.

use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow, bail};
use sentra_storage::{Database, DatabaseUrl, Keyring, PersonalKey};

/// Where the key comes from, and whether the operator named it (then it must exist).
pub struct KeySource {
    pub path: PathBuf,
    pub explicit: bool,
}

impl KeySource {
    /// The named file, or `sentra.key` beside the SQLite file, or `sentra-data/sentra.key`.
    pub fn resolve(named: Option<String>, database_url: &str) -> KeySource {
        if let Some(p) = named {
            return KeySource {
                path: PathBuf::from(p),
                explicit: true,
            };
        }
        let dir = match DatabaseUrl::parse(database_url) {
            Ok(DatabaseUrl::Sqlite { path, .. }) => path
                .parent()
                .map(Path::to_path_buf)
                .filter(|d| !d.as_os_str().is_empty()),
            _ => None,
        };
        KeySource {
            path: dir
                .unwrap_or_else(|| PathBuf::from("sentra-data"))
                .join("sentra.key"),
            explicit: false,
        }
    }

    fn pending(&self) -> PathBuf {
        self.path.with_extension("key.new")
    }
}

/// A key to use, and its text when it is new and still has to be written.
pub struct LoadedKey {
    pub keyring: Keyring,
    pub unsaved: Option<String>,
}

pub fn load(source: &KeySource) -> anyhow::Result<LoadedKey> {
    if source.path.exists() {
        let text = std::fs::read_to_string(&source.path)
            .with_context(|| format!("cannot read key file {}", source.path.display()))?;
        let key = PersonalKey::parse(&text)
            .map_err(|e| anyhow!("key file {}: {e}", source.path.display()))?;
        let mut keyring = Keyring::new(key);
        // A rotation that stopped after its commit left the new key beside the old one.
        if let Ok(text) = std::fs::read_to_string(source.pending())
            && let Ok(new) = PersonalKey::parse(&text)
        {
            keyring = keyring.with_old(new);
        }
        return Ok(LoadedKey {
            keyring,
            unsaved: None,
        });
    }
    if source.explicit {
        bail!("key file {} does not exist", source.path.display());
    }
    let (key, text) = PersonalKey::generate();
    Ok(LoadedKey {
        keyring: Keyring::new(key),
        unsaved: Some(text),
    })
}

fn write_secret(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options
        .open(path)
        .with_context(|| format!("cannot create key file {}", path.display()))?;
    writeln!(f, "{text}")?;
    f.sync_all()?;
    Ok(())
}

/// Writes a newly made key once the database has accepted the connection.
pub fn save_if_new(source: &KeySource, loaded: &LoadedKey) -> anyhow::Result<()> {
    if let Some(text) = &loaded.unsaved {
        write_secret(&source.path, text)?;
        eprintln!(
            "created the personal-data key {} — back it up: without it the NIKs in the database cannot be read",
            source.path.display()
        );
    }
    Ok(())
}

/// Re-encrypts all personal data under a new key, then swaps the key files.
/// Order: new key written beside the old (`.key.new`), one database transaction, then renames;
/// a stop at any point leaves a readable state.
pub async fn rotate(db: &Database, source: &KeySource) -> anyhow::Result<()> {
    let pending = source.pending();
    if pending.exists() {
        std::fs::remove_file(&pending)?;
    }
    let (new, text) = PersonalKey::generate();
    write_secret(&pending, &text)?;
    let rows = db.rotate_personal_key(&new).await?;
    let old_id = std::fs::read_to_string(&source.path)
        .ok()
        .and_then(|t| PersonalKey::parse(&t).ok())
        .map(|k| k.id().to_string())
        .unwrap_or_else(|| "old".into());
    let retired = source.path.with_extension(format!("key.{old_id}.retired"));
    std::fs::rename(&source.path, &retired)?;
    std::fs::rename(&pending, &source.path)?;
    println!(
        "re-encrypted {rows} NIKs under key {}; the old key is kept as {} until your backups no longer need it",
        new.id(),
        retired.display()
    );
    Ok(())
}
