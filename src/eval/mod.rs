//! Chunk-level evaluation: what one task does.
//!
//! - [`leaf`]: reading a program's inputs as views of the task's region;
//! - [`tile`]: running a fused program tile by tile;
//! - [`map`]: map tasks (one output chunk each);
//! - [`reduce`], [`reducers`] and [`reduce_stage`]: the chunk traversal, the reducers and the
//!   per-output reduction tree;
//! - [`scan`]: running sums and products along an axis;
//! - [`generate`]: generated inputs (ranges, random numbers);
//! - [`strided`]: copying tiles out of and into strided views.
//!
//! Tasks see the running computation through [`crate::task::TaskEnv`]; nothing here runs
//! in parallel by itself (the scheduler owns every thread).

pub(crate) mod generate;
pub(crate) mod leaf;
pub use leaf::BlockViews;
pub(crate) mod map;
pub(crate) mod pool;
pub(crate) mod reduce;
pub(crate) mod reduce_stage;
pub(crate) mod reducers;
mod regalloc;
pub(crate) mod scan;
pub(crate) mod strided;
pub(crate) mod tile;
mod tile_fuse;
mod tile_ops;
mod ufunc_scalar;
