//! Options for reading and writing Zarr arrays.

use super::metadata::{DimensionSeparator, StoreMetadata, ZarrFormat};
use super::store::Durability;
use crate::array::AnyArray;
use crate::chunks::ChunkSpec;
use crate::dtype::Scalar;

/// What reading a chunk that is absent from the store does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MissingChunks {
    /// Read it as the array's fill value, as the Zarr format specifies (default).
    #[default]
    FillValue,
    /// Fail with an error naming the chunk key (for data that must be complete). Inner
    /// chunks of shards are checked against the shard index when the array's codecs are
    /// only `sharding_indexed` with the standard index layout (`bytes`, optionally
    /// `crc32c`); otherwise only whole shards are checked.
    Error,
}

/// Options for [`open_zarr_with`](super::open_zarr_with).
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// The chunking of the lazy array; `None` uses the storage chunks (or shards). A
    /// different chunking reads only the needed part of each stored chunk.
    pub chunks: Option<ChunkSpec>,
    /// What absent chunks read as.
    pub missing_chunks: MissingChunks,
}

impl ReadOptions {
    /// Sets the chunking of the lazy array.
    pub fn chunks(mut self, chunks: impl Into<ChunkSpec>) -> Self {
        self.chunks = Some(chunks.into());
        self
    }

    /// Sets what absent chunks read as.
    pub fn missing_chunks(mut self, m: MissingChunks) -> Self {
        self.missing_chunks = m;
        self
    }
}

/// A blosc compressor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BloscCompressor {
    /// LZ4: fastest.
    Lz4,
    /// LZ4 HC.
    Lz4hc,
    /// Zstandard: best ratio.
    Zstd,
    /// zlib.
    Zlib,
    /// blosclz.
    BloscLz,
}

impl BloscCompressor {
    /// The name Zarr v2 (numcodecs) gives the compressor.
    pub(crate) fn v2_name(self) -> &'static str {
        match self {
            BloscCompressor::Lz4 => "lz4",
            BloscCompressor::Lz4hc => "lz4hc",
            BloscCompressor::Zstd => "zstd",
            BloscCompressor::Zlib => "zlib",
            BloscCompressor::BloscLz => "blosclz",
        }
    }

    pub(crate) fn to_zarrs(self) -> zarrs::array::codec::BloscCompressor {
        use zarrs::array::codec::BloscCompressor as Z;
        match self {
            BloscCompressor::Lz4 => Z::LZ4,
            BloscCompressor::Lz4hc => Z::LZ4HC,
            BloscCompressor::Zstd => Z::Zstd,
            BloscCompressor::Zlib => Z::Zlib,
            BloscCompressor::BloscLz => Z::BloscLZ,
        }
    }
}

/// Blosc's byte reordering before compression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shuffle {
    /// No reordering.
    None,
    /// Byte shuffle (groups the n-th bytes of all elements; good for floats).
    Byte,
    /// Bit shuffle.
    Bit,
}

impl Shuffle {
    pub(crate) fn to_zarrs(self) -> zarrs::array::codec::BloscShuffleMode {
        use zarrs::array::codec::BloscShuffleMode as Z;
        match self {
            Shuffle::None => Z::NoShuffle,
            Shuffle::Byte => Z::Shuffle,
            Shuffle::Bit => Z::BitShuffle,
        }
    }
}

/// How chunks are compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Stored raw.
    None,
    /// Blosc (the default: zstd level 3 with byte shuffle).
    Blosc {
        /// The compressor inside blosc.
        compressor: BloscCompressor,
        /// Level 0–9.
        level: u8,
        /// Byte reordering.
        shuffle: Shuffle,
    },
    /// Zstandard.
    Zstd {
        /// Level (1–22; negative levels are faster).
        level: i32,
    },
    /// gzip.
    Gzip {
        /// Level 0–9.
        level: u32,
    },
}

impl Default for Compression {
    /// Blosc with zstd level 3 and byte shuffle: on smooth scientific floats it compresses
    /// about as well as plain zstd at a fraction of the time, because shuffling groups the
    /// slowly varying exponent bytes together.
    fn default() -> Self {
        Compression::Blosc {
            compressor: BloscCompressor::Zstd,
            level: 3,
            shuffle: Shuffle::Byte,
        }
    }
}

/// Options for [`to_zarr`](super::to_zarr).
///
/// ```
/// use tessera::zarr::{Compression, WriteOptions};
/// let o = WriteOptions::default()
///     .chunks([256, 256])
///     .compression(Compression::Zstd { level: 5 })
///     .dimension_names(["lat", "lon"])
///     .attribute("units", "K")
///     .overwrite(true)
///     .resume(true);
/// assert_eq!(o.chunks, Some(vec![256, 256]));
/// ```
#[derive(Debug, Clone, Default)]
pub struct WriteOptions {
    /// Storage chunk shape (the inner chunks when sharding). Default: the array's chunks if
    /// they are regular, else automatic chunks of about 128 MiB.
    pub chunks: Option<Vec<usize>>,
    /// Shard shape (a multiple of `chunks`): one file per shard holding many chunks.
    pub shards: Option<Vec<usize>>,
    /// Compression of each chunk.
    pub compression: Compression,
    /// The Zarr format written (default v3).
    pub format: ZarrFormat,
    /// The separator in chunk keys; default `.` for v2 and `/` for v3, as zarr-python.
    pub dimension_separator: Option<DimensionSeparator>,
    /// Names of the dimensions (`None` entries are unnamed). Zarr v2 stores them in the
    /// `_ARRAY_DIMENSIONS` attribute, as xarray does.
    pub dimension_names: Option<Vec<Option<String>>>,
    /// User attributes (JSON).
    pub attributes: serde_json::Map<String, serde_json::Value>,
    /// Replace an existing, non-empty target (default: error).
    pub overwrite: bool,
    /// When chunk files become durable.
    pub durability: Durability,
    /// The fill value; default 0 / `false`. It must be exactly representable in the
    /// element type (an integer fill of a float array, or a float holding an integer for an
    /// integer array, converts), else the write is refused.
    pub fill_value: Option<Scalar>,
    /// Finish an interrupted write of the same array instead of starting over (default:
    /// `false`); see [`WriteOptions::resume`].
    pub resume: bool,
}

impl WriteOptions {
    /// Sets the storage chunk shape.
    pub fn chunks(mut self, c: impl Into<Vec<usize>>) -> Self {
        self.chunks = Some(c.into());
        self
    }

    /// Sets the shard shape.
    pub fn shards(mut self, s: impl Into<Vec<usize>>) -> Self {
        self.shards = Some(s.into());
        self
    }

    /// Sets the compression.
    pub fn compression(mut self, c: Compression) -> Self {
        self.compression = c;
        self
    }

    /// Sets the dimension names.
    pub fn dimension_names<S: Into<String>>(mut self, n: impl IntoIterator<Item = S>) -> Self {
        self.dimension_names = Some(n.into_iter().map(|s| Some(s.into())).collect());
        self
    }

    /// Sets the Zarr format written.
    ///
    /// Zarr v2 writes `.zarray` (and `.zattrs` when there are attributes) with one
    /// compressor: blosc, zstd, gzip or none, as [`compression`](WriteOptions::compression)
    /// says. Shards need v3.
    ///
    /// ```
    /// use tessera::zarr::{self, DimensionSeparator, WriteOptions, ZarrFormat};
    /// use tessera::Array;
    /// let dir = std::env::temp_dir().join(format!("tessera-doc-v2-{}", std::process::id()));
    /// let x = Array::<f32>::arange(0.0, 12.0, 1.0, 5)?;
    /// let opts = WriteOptions::default()
    ///     .format(ZarrFormat::V2)
    ///     .dimension_separator(DimensionSeparator::Slash)
    ///     .overwrite(true);
    /// zarr::to_zarr(&x, &dir, opts)?.compute()?;
    /// assert!(dir.join(".zarray").is_file());
    /// let back = zarr::open_zarr::<f32>(&dir)?;
    /// assert_eq!(back.sum(..)?.compute_scalar()?, 66.0);
    /// # std::fs::remove_dir_all(&dir).ok();
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn format(mut self, f: ZarrFormat) -> Self {
        self.format = f;
        self
    }

    /// Sets the separator in chunk keys.
    pub fn dimension_separator(mut self, s: DimensionSeparator) -> Self {
        self.dimension_separator = Some(s);
        self
    }

    /// These options with the attributes, fill value, dimension names and format of the
    /// store `array` was opened from (see
    /// [`Array::store_metadata`](crate::Array::store_metadata)), so that a rewrite keeps
    /// them; an array not opened from a store leaves the options as they are. Attributes
    /// already set are kept unless the store has the same key; call the setters after
    /// `like` to change what it copied.
    ///
    /// ```
    /// use tessera::zarr::{self, WriteOptions};
    /// let dir = std::env::temp_dir().join(format!("tessera-doc-like-{}", std::process::id()));
    /// # std::fs::remove_dir_all(&dir).ok();
    /// let x = tessera::Array::<i64>::zeros(&[6], 3)?;
    /// let first = WriteOptions::default().attribute("units", "m").fill_value(-9i64);
    /// zarr::to_zarr(&x, dir.join("a"), first)?.compute()?;
    /// let a = zarr::open_zarr::<i64>(dir.join("a"))?;
    /// let doubled = &a * 2;
    /// // `doubled` is computed, not opened: take the metadata from `a`.
    /// zarr::to_zarr(&doubled, dir.join("b"), WriteOptions::default().like(&a))?.compute()?;
    /// let b = zarr::open_zarr::<i64>(dir.join("b"))?;
    /// let meta = b.store_metadata().unwrap();
    /// assert_eq!(meta.attributes["units"], "m");
    /// assert_eq!(meta.fill_value, tessera::Scalar::I64(-9));
    /// # std::fs::remove_dir_all(&dir).ok();
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn like(self, array: &(impl Clone + Into<AnyArray>)) -> Self {
        match array.clone().into().store_metadata() {
            Some(m) => self.like_metadata(&m),
            None => self,
        }
    }

    /// These options with the attributes, fill value, dimension names and format of `m`.
    pub fn like_metadata(mut self, m: &StoreMetadata) -> Self {
        for (k, v) in &m.attributes {
            self.attributes.insert(k.clone(), v.clone());
        }
        self.fill_value = Some(m.fill_value);
        self.dimension_names = m.dimension_names.clone();
        self.format = m.format;
        self
    }

    /// Adds one user attribute.
    pub fn attribute(mut self, key: &str, value: impl Into<serde_json::Value>) -> Self {
        self.attributes.insert(key.to_string(), value.into());
        self
    }

    /// Sets whether an existing target is replaced.
    pub fn overwrite(mut self, yes: bool) -> Self {
        self.overwrite = yes;
        self
    }

    /// Sets when chunk files become durable.
    pub fn durability(mut self, d: Durability) -> Self {
        self.durability = d;
        self
    }

    /// Sets the fill value (any element type: `0.5`, `-1i64`, `u64::MAX`, `f64::NAN`).
    pub fn fill_value(mut self, v: impl Into<Scalar>) -> Self {
        self.fill_value = Some(v.into());
        self
    }

    /// Sets whether the write finishes an interrupted write of the same array (one that
    /// failed, or whose process was killed) instead of starting over.
    ///
    /// Every new array's write first records the metadata it will write, under the hidden
    /// key `.tessera-pending.json` of the array, and replaces that record by `zarr.json`
    /// once every chunk is stored. A resumed write never empties the target; it looks at what
    /// the target holds:
    ///
    /// - nothing (or no directory): it writes the array from scratch;
    /// - the record of an unfinished write whose metadata equals this write's (shape,
    ///   chunks, shards, data type, codecs, fill value, dimension names, attributes): it
    ///   computes and stores only the chunks that are not stored yet, then writes the
    ///   metadata. Chunk files are replaced atomically, so a stored chunk is a complete one;
    ///   temporary files a killed writer left behind are removed;
    /// - the finished array with this write's metadata: it writes nothing;
    /// - anything else (another array, or files that are not a tessera write): an error that
    ///   names the target and what differs, and nothing is touched, unless
    ///   [`overwrite`](WriteOptions::overwrite) is also set, which then replaces the target.
    ///
    /// [`WriteReport::chunks_skipped`](super::WriteReport::chunks_skipped) says how many
    /// chunks were found already stored. The values must be the ones the interrupted write
    /// was computing (the metadata is checked, the stored chunks' contents are not), and no
    /// other writer may be writing to the target meanwhile. After a power failure (rather
    /// than a killed process), chunk files are only known to be complete when the first
    /// write used [`Durability::PerChunk`]. Region writes
    /// ([`to_zarr_region`](super::to_zarr_region)) update an existing array and have no
    /// resume.
    ///
    /// ```
    /// use tessera::zarr::{self, WriteOptions};
    /// use tessera::Array;
    /// let dir = std::env::temp_dir().join(format!("tessera-doc-resume-{}", std::process::id()));
    /// # std::fs::remove_dir_all(&dir).ok();
    /// let x = Array::<f64>::arange(0.0, 100.0, 1.0, 10)?;
    /// let opts = WriteOptions::default().resume(true);
    /// // Nothing there yet: a whole write.
    /// let r = zarr::to_zarr(&x, &dir, opts.clone())?.compute()?;
    /// assert_eq!((r.chunks_written, r.chunks_skipped), (10, 0));
    /// // Already complete: nothing is written again.
    /// let r = zarr::to_zarr(&x, &dir, opts.clone())?.compute()?;
    /// assert_eq!((r.chunks_written, r.chunks_skipped), (0, 10));
    /// // Another array at the same place is refused, and the store is left as it is.
    /// let y = Array::<f64>::arange(0.0, 100.0, 1.0, 20)?;
    /// assert!(zarr::to_zarr(&y, &dir, opts)?.compute().is_err());
    /// assert_eq!(zarr::open_zarr::<f64>(&dir)?.sum(..)?.compute_scalar()?, 4950.0);
    /// # std::fs::remove_dir_all(&dir).ok();
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn resume(mut self, yes: bool) -> Self {
        self.resume = yes;
        self
    }
}
