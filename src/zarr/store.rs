//! A local-filesystem Zarr store with atomic chunk writes and one sync at the end.
//!
//! Every value is written to a temporary file next to its final name and renamed over it, so
//! a reader (or a crash) sees either the old value or the whole new one, never half a chunk.
//! Temporary files are named `.<name>.tessera-tmp-<pid>-<n>`; listings skip them, and reads
//! only ever open final names, so leftovers of a crashed writer are ignored.
//!
//! Unlike `zarrs`' own filesystem store, values are not fsynced one by one (each fsync waits
//! for the disk): [`LocalStore::sync`] makes everything durable at once, and the writer calls it
//! before the metadata that marks an array complete. [`Durability::PerChunk`] restores the
//! per-file fsync for users who need each chunk durable as soon as it is written.

use std::fs;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use zarrs::storage::byte_range::{ByteRange, ByteRangeIterator};
use zarrs::storage::{
    Bytes, ListableStorageTraits, MaybeBytes, MaybeBytesIterator, ReadableStorageTraits,
    StorageError, StoreKey, StoreKeys, StoreKeysPrefixes, StorePrefix, StorePrefixes,
    WritableStorageTraits,
};

/// When written chunk files become durable (survive a power failure).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// One filesystem sync after all chunks are written, before the metadata (default).
    #[default]
    AtEnd,
    /// Every chunk file is fsynced before it is renamed into place (slower).
    PerChunk,
    /// No sync at all: the operating system writes the files back when it chooses, as
    /// zarr-python and TensorStore do. Files are still replaced atomically, and the metadata
    /// is still written last, but a power failure may lose recent chunks.
    OsDecides,
}

const TMP_MARK: &str = ".tessera-tmp-";

static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// A Zarr store in a local directory.
#[derive(Debug)]
pub struct LocalStore {
    root: PathBuf,
    durability: Durability,
}

impl LocalStore {
    /// A store rooted at `root` (which need not exist yet for writing).
    pub fn new(root: impl Into<PathBuf>, durability: Durability) -> Arc<Self> {
        Arc::new(LocalStore {
            root: root.into(),
            durability,
        })
    }

    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn key_path(&self, key: &StoreKey) -> PathBuf {
        self.root.join(key.as_str())
    }

    fn prefix_path(&self, prefix: &StorePrefix) -> PathBuf {
        self.root.join(prefix.as_str())
    }

    /// Makes everything written to the store's filesystem durable (`syncfs`).
    pub fn sync(&self) -> io::Result<()> {
        let dir = fs::File::open(&self.root)?;
        sync_filesystem(&dir)
    }

    /// Every key under `dir`, relative to the root, skipping temporary files.
    fn walk(&self, dir: &Path, out: &mut StoreKeys) -> Result<(), StorageError> {
        let entries = match fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(io_err(e)),
        };
        for entry in entries {
            let entry = entry.map_err(io_err)?;
            let path = entry.path();
            let ft = entry.file_type().map_err(io_err)?;
            if ft.is_dir() {
                self.walk(&path, out)?;
            } else if let Some(key) = self.key_of(&path) {
                out.push(key);
            }
        }
        Ok(())
    }

    fn key_of(&self, path: &Path) -> Option<StoreKey> {
        let name = path.file_name()?.to_str()?;
        if is_temporary(name) {
            return None;
        }
        let rel = path.strip_prefix(&self.root).ok()?.to_str()?;
        let rel = rel.replace(std::path::MAIN_SEPARATOR, "/");
        StoreKey::new(rel).ok()
    }
}

/// Whether a file name is one of the writer's temporary files.
pub fn is_temporary(name: &str) -> bool {
    name.starts_with('.') && name.contains(TMP_MARK)
}

/// Removes the temporary files a killed writer left anywhere below `dir` (a resumed write
/// starts with this); returns how many there were.
pub(crate) fn remove_temporaries(dir: &Path) -> io::Result<usize> {
    let mut removed = 0;
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let ft = entry.file_type()?;
        if ft.is_dir() {
            removed += remove_temporaries(&entry.path())?;
        } else if entry.file_name().to_str().is_some_and(is_temporary) {
            match fs::remove_file(entry.path()) {
                Ok(()) => removed += 1,
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
    }
    Ok(removed)
}

fn io_err(e: io::Error) -> StorageError {
    StorageError::IOError(Arc::new(e))
}

/// Starts writing the file's data to disk without waiting, so that the final sync finds most
/// of it already written (the disk works while the next chunks are compressed). A hint only.
#[cfg(target_os = "linux")]
fn start_writeback(f: &fs::File) {
    use std::os::fd::AsRawFd;
    // SAFETY: `f` is an open file, so its descriptor is valid for the call; the flag only
    // initiates write-out of dirty pages and changes no data. Errors are ignored (a hint).
    unsafe {
        libc::sync_file_range(f.as_raw_fd(), 0, 0, libc::SYNC_FILE_RANGE_WRITE);
    }
}

#[cfg(not(target_os = "linux"))]
fn start_writeback(_f: &fs::File) {}

#[cfg(target_os = "linux")]
fn sync_filesystem(dir: &fs::File) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    // SAFETY: `dir` is an open file, so its descriptor is valid for the duration of the call;
    // syncfs only reads the descriptor.
    let r = unsafe { libc::syncfs(dir.as_raw_fd()) };
    if r == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn sync_filesystem(_dir: &fs::File) -> io::Result<()> {
    // Without syncfs, flush what the OS offers for the whole system.
    // SAFETY: `sync` takes no arguments and cannot fail.
    unsafe { libc::sync() };
    Ok(())
}

impl ReadableStorageTraits for LocalStore {
    fn get(&self, key: &StoreKey) -> Result<MaybeBytes, StorageError> {
        let mut file = match fs::File::open(self.key_path(key)) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_err(e)),
        };
        let len = file.metadata().map_err(io_err)?.len();
        // Read into a reused buffer (a chunk file read into fresh memory pays a page fault
        // per page); it goes back to the pool when the decoder drops the bytes.
        let mut v = crate::eval::pool::take_bytes(usize::try_from(len).unwrap_or(0));
        file.read_to_end(&mut v).map_err(io_err)?;
        Ok(Some(Bytes::from_owner(PooledBytes(v))))
    }

    fn get_partial_many<'a>(
        &'a self,
        key: &StoreKey,
        byte_ranges: ByteRangeIterator<'a>,
    ) -> Result<MaybeBytesIterator<'a>, StorageError> {
        let mut file = match fs::File::open(self.key_path(key)) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_err(e)),
        };
        let size = file.metadata().map_err(io_err)?.len();
        let mut out = Vec::new();
        for range in byte_ranges {
            out.push(read_range(&mut file, size, range));
        }
        Ok(Some(Box::new(out.into_iter())))
    }

    fn size_key(&self, key: &StoreKey) -> Result<Option<u64>, StorageError> {
        match fs::metadata(self.key_path(key)) {
            Ok(m) => Ok(Some(m.len())),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_err(e)),
        }
    }

    fn supports_get_partial(&self) -> bool {
        true
    }
}

fn read_range(file: &mut fs::File, size: u64, range: ByteRange) -> Result<Bytes, StorageError> {
    let (start, end) = (range.start(size), range.end(size));
    if start > end || end > size {
        return Err(StorageError::Other(format!(
            "byte range {start}..{end} is outside a value of {size} bytes"
        )));
    }
    file.seek(SeekFrom::Start(start)).map_err(io_err)?;
    // The length is bounded by the file's actual size.
    let mut buf = vec![0u8; (end - start) as usize];
    file.read_exact(&mut buf).map_err(io_err)?;
    Ok(Bytes::from(buf))
}

impl WritableStorageTraits for LocalStore {
    fn set(&self, key: &StoreKey, value: Bytes) -> Result<(), StorageError> {
        let path = self.key_path(key);
        let dir = path.parent().unwrap_or(&self.root).to_path_buf();
        fs::create_dir_all(&dir).map_err(io_err)?;
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| StorageError::Other(format!("invalid key {key}")))?;
        let n = TMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        let tmp = dir.join(format!(".{name}{TMP_MARK}{}-{n}", std::process::id()));
        let write = || -> io::Result<()> {
            let mut f = fs::File::create(&tmp)?;
            f.write_all(&value)?;
            match self.durability {
                Durability::PerChunk => f.sync_all()?,
                Durability::AtEnd => start_writeback(&f),
                Durability::OsDecides => {}
            }
            drop(f);
            fs::rename(&tmp, &path)?;
            if self.durability == Durability::PerChunk {
                // Make the rename itself durable.
                fs::File::open(&dir)?.sync_all()?;
            }
            Ok(())
        };
        write().map_err(|e| {
            let _ = fs::remove_file(&tmp);
            io_err(e)
        })
    }

    fn set_partial_many(
        &self,
        _key: &StoreKey,
        _offset_values: zarrs::storage::OffsetBytesIterator,
    ) -> Result<(), StorageError> {
        Err(StorageError::Unsupported(
            "partial writes are not supported: values are replaced atomically".into(),
        ))
    }

    fn erase(&self, key: &StoreKey) -> Result<(), StorageError> {
        match fs::remove_file(self.key_path(key)) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io_err(e)),
        }
    }

    fn erase_prefix(&self, prefix: &StorePrefix) -> Result<(), StorageError> {
        match fs::remove_dir_all(self.prefix_path(prefix)) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io_err(e)),
        }
    }

    fn supports_set_partial(&self) -> bool {
        false
    }
}

impl ListableStorageTraits for LocalStore {
    fn list(&self) -> Result<StoreKeys, StorageError> {
        let mut out = Vec::new();
        self.walk(&self.root, &mut out)?;
        out.sort();
        Ok(out)
    }

    fn list_prefix(&self, prefix: &StorePrefix) -> Result<StoreKeys, StorageError> {
        let mut out = Vec::new();
        self.walk(&self.prefix_path(prefix), &mut out)?;
        out.sort();
        Ok(out)
    }

    fn list_dir(&self, prefix: &StorePrefix) -> Result<StoreKeysPrefixes, StorageError> {
        let dir = self.prefix_path(prefix);
        let mut keys = Vec::new();
        let mut prefixes: StorePrefixes = Vec::new();
        let entries = match fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Ok(StoreKeysPrefixes::new(keys, prefixes))
            }
            Err(e) => return Err(io_err(e)),
        };
        for entry in entries {
            let entry = entry.map_err(io_err)?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if entry.file_type().map_err(io_err)?.is_dir() {
                if let Ok(p) = StorePrefix::new(format!("{}{name}/", prefix.as_str())) {
                    prefixes.push(p);
                }
            } else if !is_temporary(name) {
                if let Ok(k) = StoreKey::new(format!("{}{name}", prefix.as_str())) {
                    keys.push(k);
                }
            }
        }
        keys.sort();
        prefixes.sort();
        Ok(StoreKeysPrefixes::new(keys, prefixes))
    }

    fn size_prefix(&self, prefix: &StorePrefix) -> Result<u64, StorageError> {
        let keys = self.list_prefix(prefix)?;
        let mut total = 0;
        for k in keys {
            total += self.size_key(&k)?.unwrap_or(0);
        }
        Ok(total)
    }
}

/// A file's bytes in a pooled buffer, handed back to the pool when dropped.
struct PooledBytes(Vec<u8>);

impl AsRef<[u8]> for PooledBytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl Drop for PooledBytes {
    fn drop(&mut self) {
        crate::eval::pool::give_bytes(std::mem::take(&mut self.0));
    }
}
