//! Zarr arrays in S3-compatible object storage (feature `s3`).
//!
//! An [`S3Store`] wraps zarrs' `object_store` adapter (asynchronous) in a synchronous store
//! driven by its own small tokio runtime, so scheduler tasks read and write objects exactly
//! as they read and write local chunk files. Every object is written with one PUT, which S3
//! makes visible atomically, so there are no temporary objects; the metadata is still written
//! last.
//!
//! ```no_run
//! use tessera::zarr::s3::{S3Config, S3Store};
//! use tessera::zarr::{self, WriteOptions};
//! use tessera::Array;
//! let store = S3Store::new(&S3Config {
//!     bucket: "climate".into(),
//!     prefix: "runs/2026".into(),
//!     endpoint: Some("http://127.0.0.1:9000".into()),
//!     allow_http: true,
//!     ..S3Config::default()
//! })?;
//! let x = Array::<f64>::ones(&[1000, 1000], 250)?;
//! zarr::s3::to_zarr(&x, &store, "ones", WriteOptions::default())?.compute()?;
//! let y = zarr::s3::open_zarr::<f64>(&store, "ones")?;
//! assert_eq!(y.sum(..)?.compute_scalar()?, 1e6);
//! # Ok::<(), tessera::Error>(())
//! ```

use super::write::{Target, ZarrWrite};
use super::{read, store_error, ReadOptions, WriteOptions};
use crate::array::AnyArray;
use crate::dtype::Element;
use crate::error::Result;
use crate::Array;
use object_store::aws::AmazonS3Builder;
use object_store::prefix::PrefixStore;
use std::future::Future;
use std::sync::Arc;
use zarrs::storage::storage_adapter::async_to_sync::{
    AsyncToSyncBlockOn, AsyncToSyncStorageAdapter,
};
use zarrs::storage::{ReadableStorageTraits, ReadableWritableListableStorageTraits};
use zarrs_object_store::AsyncObjectStore;

/// Where an S3 store is and how to reach it. Unset credentials and region are taken from
/// the usual `AWS_*` environment variables.
#[derive(Debug, Clone, Default)]
pub struct S3Config {
    /// The bucket.
    pub bucket: String,
    /// A key prefix inside the bucket under which the store lives (may be empty).
    pub prefix: String,
    /// A custom endpoint (MinIO, Ceph, a local test server), e.g. `http://127.0.0.1:9000`.
    pub endpoint: Option<String>,
    /// Region (default: `AWS_REGION`, else `us-east-1`).
    pub region: Option<String>,
    /// Access key id.
    pub access_key_id: Option<String>,
    /// Secret access key.
    pub secret_access_key: Option<String>,
    /// Allow plain HTTP (for local servers).
    pub allow_http: bool,
}

/// Runs the adapter's futures on a private tokio runtime.
struct TokioBlockOn(tokio::runtime::Runtime);

impl AsyncToSyncBlockOn for TokioBlockOn {
    fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.0.block_on(future)
    }
}

type Inner = AsyncToSyncStorageAdapter<
    AsyncObjectStore<PrefixStore<object_store::aws::AmazonS3>>,
    TokioBlockOn,
>;

/// A Zarr store in an S3-compatible bucket.
pub struct S3Store {
    storage: Arc<Inner>,
    label: String,
}

impl std::fmt::Debug for S3Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "S3Store({})", self.label)
    }
}

impl S3Store {
    /// Connects (lazily: no request is made until something is read or written).
    pub fn new(cfg: &S3Config) -> Result<S3Store> {
        let label = format!("s3://{}/{}", cfg.bucket, cfg.prefix.trim_matches('/'));
        let err = |m: String| store_error(&label, "/", None, m);
        let mut b = AmazonS3Builder::from_env()
            .with_bucket_name(&cfg.bucket)
            .with_allow_http(cfg.allow_http);
        if let Some(e) = &cfg.endpoint {
            b = b.with_endpoint(e);
        }
        let region = cfg
            .region
            .clone()
            .or_else(|| std::env::var("AWS_REGION").ok())
            .unwrap_or_else(|| "us-east-1".into());
        b = b.with_region(region);
        if let Some(k) = &cfg.access_key_id {
            b = b.with_access_key_id(k);
        }
        if let Some(k) = &cfg.secret_access_key {
            b = b.with_secret_access_key(k);
        }
        let s3 = b.build().map_err(|e| err(e.to_string()))?;
        let prefixed = PrefixStore::new(s3, cfg.prefix.trim_matches('/'));
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| err(format!("starting the I/O runtime: {e}")))?;
        let storage = Arc::new(AsyncToSyncStorageAdapter::new(
            Arc::new(AsyncObjectStore::new(prefixed)),
            TokioBlockOn(rt),
        ));
        Ok(S3Store { storage, label })
    }

    fn target(&self, path: &str) -> Target {
        Target::Remote {
            storage: self.storage.clone() as Arc<dyn ReadableWritableListableStorageTraits>,
            label: self.label.clone(),
            path: normalize(path),
        }
    }

    fn opened(&self, path: &str) -> Result<read::Opened> {
        let readable: Arc<dyn ReadableStorageTraits> = self.storage.clone();
        read::open_in(readable, self.label.clone(), &normalize(path))
    }
}

/// `a/b` → `/a/b` (zarrs node paths are absolute).
fn normalize(path: &str) -> String {
    format!("/{}", path.trim_matches('/'))
}

/// Opens the array at `path` in `store` as a lazy `Array<T>`.
pub fn open_zarr<T: Element>(store: &S3Store, path: &str) -> Result<Array<T>> {
    open_zarr_with(store, path, &ReadOptions::default())
}

/// [`open_zarr`] with options.
pub fn open_zarr_with<T: Element>(
    store: &S3Store,
    path: &str,
    opts: &ReadOptions,
) -> Result<Array<T>> {
    let opened = store.opened(path)?;
    read::typed(opened, opts)
}

/// Opens the array at `path` in `store` whatever its element type.
pub fn open_zarr_any(store: &S3Store, path: &str) -> Result<AnyArray> {
    read::lazy(store.opened(path)?, &ReadOptions::default())
}

/// Records a write of `array` to a new array at `path` in `store` (see
/// [`super::to_zarr`]).
pub fn to_zarr(
    array: &(impl Clone + Into<AnyArray>),
    store: &S3Store,
    path: &str,
    opts: WriteOptions,
) -> Result<ZarrWrite> {
    ZarrWrite::new(&array.clone().into(), store.target(path), opts)
}

/// Records a write of `array` into the region at `offset` of the existing array at `path`.
pub fn to_zarr_region(
    array: &(impl Clone + Into<AnyArray>),
    store: &S3Store,
    path: &str,
    offset: &[usize],
) -> Result<ZarrWrite> {
    ZarrWrite::new_region(&array.clone().into(), store.target(path), offset)
}
