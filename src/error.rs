//! The error type of tessera.

use crate::dtype::DType;

/// Everything that can go wrong when building or computing an array expression.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Two shapes cannot be broadcast together (NumPy's rules).
    #[error("{op}: shapes {left:?} and {right:?} cannot be broadcast together")]
    Broadcast {
        /// The operation being built.
        op: String,
        /// Shape of the left operand.
        left: Vec<usize>,
        /// Shape of the right operand.
        right: Vec<usize>,
    },
    /// A shape does not match what the operation needs.
    #[error("{op}: {msg}")]
    Shape {
        /// The operation being built.
        op: String,
        /// What is wrong.
        msg: String,
    },
    /// An axis does not exist or is repeated.
    #[error("{op}: axis {axis} is out of range for an array of {ndim} dimensions or repeated")]
    Axis {
        /// The operation being built.
        op: String,
        /// The offending axis, as given (negative counts from the end).
        axis: isize,
        /// The number of dimensions of the array.
        ndim: usize,
    },
    /// A chunk specification does not fit the array's shape.
    #[error("invalid chunks for shape {shape:?}: {msg}")]
    Chunks {
        /// The array's shape.
        shape: Vec<usize>,
        /// What is wrong.
        msg: String,
    },
    /// The element type does not support the operation.
    #[error("{op} is not defined for dtype {dtype}")]
    DType {
        /// The operation being built.
        op: String,
        /// The element type.
        dtype: DType,
    },
    /// An argument is out of its domain (for example `split_every < 2`).
    #[error("{op}: {msg}")]
    Argument {
        /// The operation being built.
        op: String,
        /// What is wrong.
        msg: String,
    },
    /// A linear-algebra routine met a matrix it cannot factor or invert (singular, not
    /// positive definite, no convergence).
    #[error("{op}: {msg}")]
    LinAlg {
        /// The routine.
        op: String,
        /// What is wrong with the matrix.
        msg: String,
    },
    /// A task failed while computing; no result was produced.
    #[error("task {task} failed: {msg}")]
    Task {
        /// The task: stage, operation and chunk index.
        task: String,
        /// What went wrong (the panic message for a panicking task).
        msg: String,
    },
    /// Another process of a distributed computation failed (with an error other than a
    /// task's, which arrives as [`Error::Task`] naming the rank); every rank stops.
    #[error("rank {rank} of the distributed computation failed: {msg}")]
    Rank {
        /// The rank that failed.
        rank: usize,
        /// Its error.
        msg: String,
    },
    /// The computation was cancelled because another task failed first. `compute` never
    /// returns it when a real failure is known: it returns that failure.
    #[error("cancelled because another task failed")]
    Cancelled,
    /// A broken invariant inside tessera: a bug, not a problem with the input. The message
    /// names where it was detected.
    #[error("internal error in {op}: {msg} (this is a bug in tessera)")]
    Internal {
        /// Where the invariant broke (a stage, an operation, a chunk).
        op: String,
        /// What was found.
        msg: String,
    },
    /// A task of the plan needs more memory than the computation's memory limit allows, so
    /// the plan was refused before anything ran.
    #[error(
        "{op}: a task on chunks of shape {chunk:?} needs about {projected} bytes, over the memory limit of {budget} bytes; {hint}"
    )]
    MemoryLimit {
        /// The operation whose tasks do not fit.
        op: String,
        /// The chunk shape one task works on.
        chunk: Vec<usize>,
        /// The projected bytes of one task.
        projected: usize,
        /// The memory limit.
        budget: usize,
        /// What would make it fit (a rechunk, a larger limit).
        hint: String,
    },
    /// Writing or reading back a chunk spilled to local disk failed (the spill directory is
    /// missing, full or not writable).
    #[error("spill file {}: {msg}", path.display())]
    Spill {
        /// The spill file or directory.
        path: std::path::PathBuf,
        /// What went wrong.
        msg: String,
    },
    /// Reading or writing a Zarr store failed (bad path, corrupt metadata or chunk, I/O).
    #[error("zarr store {store}{}{}: {msg}", array_part(array), chunk_part(chunk))]
    Store {
        /// The store (a directory or URL).
        store: String,
        /// The array or group path inside the store (`/` for the root).
        array: String,
        /// The chunk key(s) involved, if any.
        chunk: Option<String>,
        /// What went wrong.
        msg: String,
    },
}

fn array_part(array: &str) -> String {
    if array.is_empty() || array == "/" {
        String::new()
    } else {
        format!(", array {array}")
    }
}

fn chunk_part(chunk: &Option<String>) -> String {
    chunk
        .as_ref()
        .map(|c| format!(", chunk {c}"))
        .unwrap_or_default()
}

impl Error {
    /// An [`Error::Internal`] detected in `op`.
    pub(crate) fn internal(op: impl Into<String>, msg: impl Into<String>) -> Error {
        Error::Internal {
            op: op.into(),
            msg: msg.into(),
        }
    }
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
