//! Options for reading and writing Zarr arrays.

use super::store::Durability;
use crate::chunks::ChunkSpec;

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
    /// Names of the dimensions.
    pub dimension_names: Option<Vec<String>>,
    /// User attributes (JSON).
    pub attributes: serde_json::Map<String, serde_json::Value>,
    /// Replace an existing, non-empty target (default: error).
    pub overwrite: bool,
    /// When chunk files become durable.
    pub durability: Durability,
    /// The fill value (converted to the element type); default 0 / `false`.
    pub fill_value: Option<f64>,
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
        self.dimension_names = Some(n.into_iter().map(Into::into).collect());
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

    /// Sets the fill value.
    pub fn fill_value(mut self, v: f64) -> Self {
        self.fill_value = Some(v);
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
    /// write used [`Durability::PerChunk`](super::Durability::PerChunk). Region writes
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
