//! # tessera: lazy, chunked, parallel N-dimensional arrays
//!
//! tessera does for Rust what Dask Array does for Python: an [`Array`] is cut into chunks,
//! operations on it are recorded lazily, and [`Array::compute`] runs them on every core,
//! chunk by chunk, fusing chains of elementwise operations into single passes over memory.
//!
//! ```
//! use tessera::{random, Array};
//!
//! // Two random vectors of 1e6 values in chunks of 1e5, generated on the fly.
//! let x = random::uniform::<f64>(&[1_000_000], 100_000, 1)?;
//! let y = random::uniform::<f64>(&[1_000_000], 100_000, 2)?;
//! // sum(sin(x) * y + 1): one pass over x and y, nothing materialized but partial sums.
//! let s = (x.sin() * &y + 1.0).sum(..)?;
//! let value = s.compute_scalar()?;
//! assert!(value > 1_000_000.0);
//! # Ok::<(), tessera::Error>(())
//! ```
//!
//! The layers (see `docs/ARCHITECTURE.md`): [`Array`] builds an expression graph
//! (`expr`, crate-private); [`plan`] lowers it to array-level stages with fused programs
//! (public as a read-only summary: [`Array::explain`], [`plan::Plan::stages`]); the scheduler
//! (`exec`) runs chunk tasks, one dependency-counted graph across stages, on a pool of
//! worker threads; `eval` holds what one task does, calling the
//! `tessera-kernels` crate for per-chunk numeric kernels.
#![warn(missing_docs)]

mod array;
pub mod chunks;
#[cfg(feature = "mpi")]
pub mod cluster;
pub mod complex;
pub mod dtype;
mod error;
mod eval;
mod exec;
pub(crate) mod expr;
pub mod linalg;
pub mod plan;
pub mod promotion;
pub mod random;
mod task;
pub mod zarr;

/// The per-chunk kernels (SIMD dispatch, vectorized math, reductions); see
/// [`kernels::dispatch`] to force an instruction-set level.
pub use tessera_kernels as kernels;

pub use array::{
    block, blockwise, choose, compute_many, compute_many_with, concatenate, dstack, einsum,
    extract, histogram2d, histogramdd, hstack, indices, intersect1d, map_blocks, meshgrid,
    plan_many, select, setdiff1d, stack, union1d, vstack, where_, AnyArray, AnyNdArray, AnyOperand,
    Array, Axes, AxisIndex, BlockInfo, Boundary, Idx, Logical, MixedOperand, Operand, PadMode,
    QuantileMethod, Side, Unique,
};
pub use chunks::{ChunkGrid, ChunkSpec, DEFAULT_CHUNK_BYTES};
pub use complex::fft::{fftfreq, rfftfreq, FftNorm};
pub use complex::{Complex, ComplexArray, ComplexOperand};
pub use dtype::{DType, Element, Float, Integer, Numeric, Scalar};
pub use error::{Error, Result};
pub use exec::{parse_memory_size, peak_rss, ComputeOptions, ComputeStats, Progress};
pub use expr::{BinaryOp, ReduceKind, ScanKind, UnaryOp};
pub use promotion::Promote;
pub use task::memory::MemoryTracker;

/// The names most programs need.
pub mod prelude {
    pub use crate::{
        compute_many, concatenate, random, stack, where_, Array, Axes, ChunkSpec, ComputeOptions,
        Idx,
    };
}
