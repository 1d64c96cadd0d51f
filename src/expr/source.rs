//! External chunk sources: where the values of a stored array come from.

use crate::dtype::{ChunkData, DType};
use crate::error::Result;
use std::fmt;

/// A source of array values that tasks read region by region (a Zarr array, for example).
///
/// The scheduler calls [`read_into`](ChunkSource::read_into) from many threads at once, one
/// call per task, with the region that task needs. The region may cover part of one stored
/// chunk or parts of several; a source must return exactly the requested elements.
pub trait ChunkSource: Send + Sync + fmt::Debug {
    /// A short name for plans and error messages (for example the store path).
    fn label(&self) -> String;

    /// The element type of the values.
    fn dtype(&self) -> DType;

    /// The local directory the values are read from, if any (lets a writer refuse to
    /// replace the data it is reading).
    fn local_root(&self) -> Option<std::path::PathBuf> {
        None
    }

    /// The metadata of the store the values come from, if any (Zarr sources).
    fn store_metadata(&self) -> Option<std::sync::Arc<crate::zarr::StoreMetadata>> {
        None
    }

    /// Fills `out` (of the source's dtype, C order, shape = the region's lengths) with the
    /// values of `region`, given as `(start, len)` per axis.
    fn read_into(&self, region: &[(usize, usize)], out: &mut ChunkData) -> Result<()>;
}
