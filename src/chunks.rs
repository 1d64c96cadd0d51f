//! Chunk grids: how an array is cut into blocks along each axis.

use crate::error::{Error, Result};

/// Default target size of an automatically chosen chunk: 128 MiB.
pub const DEFAULT_CHUNK_BYTES: usize = 128 << 20;

/// How the user asks for chunks; converted into a [`ChunkGrid`] for a given shape.
///
/// ```
/// use tessera::{ChunkGrid, ChunkSpec};
/// let g = ChunkGrid::new(&[10, 4], ChunkSpec::from([4, 4]), 8).unwrap();
/// assert_eq!(g.chunks(0), &[4, 4, 2]);
/// let g = ChunkGrid::new(&[10], ChunkSpec::from(vec![vec![3, 7]]), 8).unwrap();
/// assert_eq!(g.chunks(0), &[3, 7]);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum ChunkSpec {
    /// Chunks of about `DEFAULT_CHUNK_BYTES` (128 MiB), as square as the shape allows.
    Auto,
    /// Chunks of at most this many bytes, as square as the shape allows.
    AutoBytes(usize),
    /// The same chunk size along every axis (clipped to the axis length).
    Uniform(usize),
    /// One chunk size per axis (clipped to the axis length); the last chunk may be short.
    PerAxis(Vec<usize>),
    /// Explicit chunk sizes per axis; each list must add up to the axis length.
    Explicit(Vec<Vec<usize>>),
}

impl From<usize> for ChunkSpec {
    fn from(n: usize) -> Self {
        ChunkSpec::Uniform(n)
    }
}
impl<const N: usize> From<[usize; N]> for ChunkSpec {
    fn from(a: [usize; N]) -> Self {
        ChunkSpec::PerAxis(a.to_vec())
    }
}
impl From<&[usize]> for ChunkSpec {
    fn from(a: &[usize]) -> Self {
        ChunkSpec::PerAxis(a.to_vec())
    }
}
impl From<Vec<usize>> for ChunkSpec {
    fn from(a: Vec<usize>) -> Self {
        ChunkSpec::PerAxis(a)
    }
}
impl From<Vec<Vec<usize>>> for ChunkSpec {
    fn from(a: Vec<Vec<usize>>) -> Self {
        ChunkSpec::Explicit(a)
    }
}
impl From<&ChunkGrid> for ChunkSpec {
    fn from(g: &ChunkGrid) -> Self {
        ChunkSpec::Explicit(g.all_chunks())
    }
}

/// How one axis is cut: regular chunks (stored as two numbers, whatever the chunk count) or
/// an explicit list of sizes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AxisChunks {
    /// Chunks of `size` along an axis of length `len`; the last one may be short. An axis of
    /// length 0 has one chunk of length 0.
    Regular {
        /// Size of every chunk but the last.
        size: usize,
        /// Axis length.
        len: usize,
    },
    /// Explicit chunk sizes and their start offsets (one extra offset: the axis length).
    Explicit {
        /// Chunk sizes.
        sizes: Vec<usize>,
        /// Start offsets, followed by the axis length.
        offsets: Vec<usize>,
    },
}

impl AxisChunks {
    /// Regular chunks of `size` (at least 1) over `len`.
    pub fn regular(size: usize, len: usize) -> Self {
        AxisChunks::Regular {
            size: size.max(1).min(len.max(1)),
            len,
        }
    }

    /// Chunks with these sizes; stored compactly when they are regular.
    pub fn from_sizes(sizes: Vec<usize>) -> Self {
        let len: usize = sizes.iter().sum();
        if let Some(&first) = sizes.first() {
            let n = sizes.len();
            let regular = first > 0
                && sizes[..n - 1].iter().all(|&s| s == first)
                && sizes[n - 1] <= first
                && sizes[n - 1] > 0;
            if regular || len == 0 {
                return AxisChunks::regular(first.max(1), len);
            }
        }
        let mut offsets = Vec::with_capacity(sizes.len() + 1);
        let mut acc = 0;
        offsets.push(0);
        for &s in &sizes {
            acc += s;
            offsets.push(acc);
        }
        AxisChunks::Explicit { sizes, offsets }
    }

    /// Axis length.
    pub fn len(&self) -> usize {
        match self {
            AxisChunks::Regular { len, .. } => *len,
            AxisChunks::Explicit { offsets, .. } => offsets[offsets.len() - 1],
        }
    }

    /// Whether the axis has length 0.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of chunks (at least 1).
    pub fn count(&self) -> usize {
        match self {
            AxisChunks::Regular { size, len } => len.div_ceil(*size).max(1),
            AxisChunks::Explicit { sizes, .. } => sizes.len(),
        }
    }

    /// Size of chunk `k`.
    pub fn size(&self, k: usize) -> usize {
        match self {
            AxisChunks::Regular { size, len } => (*size).min(len.saturating_sub(k * size)),
            AxisChunks::Explicit { sizes, .. } => sizes[k],
        }
    }

    /// Start of chunk `k` (the axis length for `k == count()`).
    pub fn offset(&self, k: usize) -> usize {
        match self {
            AxisChunks::Regular { size, len } => (k * size).min(*len),
            AxisChunks::Explicit { offsets, .. } => offsets[k],
        }
    }

    /// The largest chunk size.
    pub fn max_size(&self) -> usize {
        match self {
            AxisChunks::Regular { size, len } => (*size).min(*len),
            AxisChunks::Explicit { sizes, .. } => sizes.iter().copied().max().unwrap_or(0),
        }
    }

    /// The chunk containing element `pos` (the last chunk for `pos >= len`).
    pub fn chunk_of(&self, pos: usize) -> usize {
        match self {
            AxisChunks::Regular { size, .. } => (pos / size).min(self.count() - 1),
            AxisChunks::Explicit { sizes, offsets } => match offsets.binary_search(&pos) {
                Ok(k) => k.min(sizes.len() - 1),
                Err(k) => k - 1,
            },
        }
    }

    /// Number of chunks starting before `pos`.
    pub fn chunks_before(&self, pos: usize) -> usize {
        match self {
            AxisChunks::Regular { size, .. } => pos.div_ceil(*size).min(self.count()),
            AxisChunks::Explicit { sizes, offsets } => {
                offsets[..sizes.len()].partition_point(|&o| o < pos)
            }
        }
    }

    /// All chunk sizes (allocates one entry per chunk).
    pub fn sizes(&self) -> Vec<usize> {
        (0..self.count()).map(|k| self.size(k)).collect()
    }
}

/// The chunk sizes of an array along each axis. Every axis has at least one chunk; an axis
/// of length 0 has one chunk of length 0. Regular axes are stored as two numbers, so grids
/// of millions of chunks cost nothing to build or copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkGrid {
    axes: Vec<AxisChunks>,
}

impl ChunkGrid {
    /// Builds the grid for `shape` from `spec`; `elem_size` (bytes) is used by the automatic
    /// specifications.
    pub fn new(shape: &[usize], spec: ChunkSpec, elem_size: usize) -> Result<Self> {
        let err = |msg: String| Error::Chunks {
            shape: shape.to_vec(),
            msg,
        };
        let per_axis: Vec<usize> = match spec {
            ChunkSpec::Explicit(lists) => {
                if lists.len() != shape.len() {
                    return Err(err(format!(
                        "{} chunk lists given for {} axes",
                        lists.len(),
                        shape.len()
                    )));
                }
                for (ax, (l, &n)) in lists.iter().zip(shape).enumerate() {
                    let total: usize = l.iter().sum();
                    if total != n {
                        return Err(err(format!(
                            "chunks of axis {ax} add up to {total}, not {n}"
                        )));
                    }
                    if n > 0 && l.contains(&0) {
                        return Err(err(format!("axis {ax} has a chunk of size 0")));
                    }
                    if n == 0 && l.len() > 1 {
                        return Err(err(format!("axis {ax} of length 0 needs one chunk")));
                    }
                }
                return Ok(Self::from_sizes(lists));
            }
            ChunkSpec::Uniform(n) => vec![n; shape.len()],
            ChunkSpec::PerAxis(v) => {
                if v.len() != shape.len() {
                    return Err(err(format!(
                        "{} chunk sizes given for {} axes",
                        v.len(),
                        shape.len()
                    )));
                }
                v
            }
            ChunkSpec::Auto => auto_chunks(shape, DEFAULT_CHUNK_BYTES, elem_size),
            ChunkSpec::AutoBytes(b) => {
                if b == 0 {
                    return Err(err("automatic chunk size of 0 bytes".into()));
                }
                auto_chunks(shape, b, elem_size)
            }
        };
        let mut axes = Vec::with_capacity(shape.len());
        for (ax, (&c, &n)) in per_axis.iter().zip(shape).enumerate() {
            if c == 0 {
                return Err(err(format!("chunk size 0 along axis {ax}")));
            }
            axes.push(AxisChunks::regular(c, n));
        }
        Ok(ChunkGrid { axes })
    }

    /// A grid with the given chunk sizes per axis. The caller guarantees that every list is
    /// non-empty and that sizes are positive (or a single 0 for an empty axis).
    pub(crate) fn from_sizes(sizes: Vec<Vec<usize>>) -> Self {
        ChunkGrid {
            axes: sizes
                .into_iter()
                .map(|l| AxisChunks::from_sizes(if l.is_empty() { vec![0] } else { l }))
                .collect(),
        }
    }

    /// A grid from per-axis chunkings.
    pub fn from_axes(axes: Vec<AxisChunks>) -> Self {
        ChunkGrid { axes }
    }

    /// A grid with one chunk covering the whole shape.
    pub fn single(shape: &[usize]) -> Self {
        ChunkGrid {
            axes: shape.iter().map(|&n| AxisChunks::regular(n, n)).collect(),
        }
    }

    /// Number of axes.
    pub fn ndim(&self) -> usize {
        self.axes.len()
    }

    /// The array's shape.
    pub fn shape(&self) -> Vec<usize> {
        self.axes.iter().map(AxisChunks::len).collect()
    }

    /// How `axis` is cut.
    pub fn axis(&self, axis: usize) -> &AxisChunks {
        &self.axes[axis]
    }

    /// Chunk sizes along `axis` (allocates one entry per chunk).
    pub fn chunks(&self, axis: usize) -> Vec<usize> {
        self.axes[axis].sizes()
    }

    /// Chunk sizes along every axis (allocates one entry per chunk).
    pub fn all_chunks(&self) -> Vec<Vec<usize>> {
        self.axes.iter().map(AxisChunks::sizes).collect()
    }

    /// Number of chunks along each axis.
    pub fn grid_shape(&self) -> Vec<usize> {
        self.axes.iter().map(AxisChunks::count).collect()
    }

    /// Total number of chunks.
    pub fn num_chunks(&self) -> usize {
        self.axes.iter().map(AxisChunks::count).product()
    }

    /// The largest chunk's number of elements.
    pub fn max_chunk_len(&self) -> usize {
        self.axes.iter().map(AxisChunks::max_size).product()
    }

    /// The multi-index of the chunk with C-order linear index `lin`.
    pub fn unravel(&self, mut lin: usize, out: &mut Vec<usize>) {
        out.clear();
        out.resize(self.ndim(), 0);
        for ax in (0..self.ndim()).rev() {
            let n = self.axes[ax].count();
            out[ax] = lin % n;
            lin /= n;
        }
    }

    /// The C-order linear index of the chunk at `idx`.
    pub fn ravel(&self, idx: &[usize]) -> usize {
        let mut lin = 0;
        for (ax, &i) in idx.iter().enumerate() {
            lin = lin * self.axes[ax].count() + i;
        }
        lin
    }

    /// The element ranges `(start, len)` of the chunk at `idx`, per axis.
    pub fn region(&self, idx: &[usize], out: &mut Vec<(usize, usize)>) {
        out.clear();
        for (ax, &i) in idx.iter().enumerate() {
            out.push((self.axes[ax].offset(i), self.axes[ax].size(i)));
        }
    }

    /// The shape of the chunk with C-order linear index `lin`.
    pub fn region_shape(&self, lin: usize) -> Vec<usize> {
        let mut idx = Vec::new();
        self.unravel(lin, &mut idx);
        idx.iter()
            .enumerate()
            .map(|(ax, &i)| self.axes[ax].size(i))
            .collect()
    }

    /// The index of the chunk containing element `pos` along `axis` (the last chunk for
    /// `pos == len`).
    pub fn chunk_of(&self, axis: usize, pos: usize) -> usize {
        self.axes[axis].chunk_of(pos)
    }

    /// The first and last chunk index (inclusive, per axis) that `region` ((start, len) per
    /// axis) touches; an empty axis counts the chunk at its start.
    pub fn chunk_box(&self, region: &[(usize, usize)]) -> (Vec<usize>, Vec<usize>) {
        let first: Vec<usize> = region
            .iter()
            .enumerate()
            .map(|(ax, &(s, _))| self.chunk_of(ax, s))
            .collect();
        let last = region
            .iter()
            .enumerate()
            .map(|(ax, &(s, l))| self.chunk_of(ax, (s + l).max(s + 1) - 1).max(first[ax]))
            .collect();
        (first, last)
    }

    /// Whether every chunk but the last has the same size along every axis.
    pub fn is_regular(&self) -> bool {
        self.axes
            .iter()
            .all(|a| matches!(a, AxisChunks::Regular { .. }))
    }

    /// A short description, e.g. `[1000000×10, 3×4+2]`.
    pub fn describe(&self) -> String {
        let parts: Vec<String> = self
            .axes
            .iter()
            .map(|a| match a {
                AxisChunks::Regular { size, len } => {
                    let n = a.count();
                    let last = a.size(n - 1);
                    if n == 1 {
                        format!("{len}")
                    } else if last == *size {
                        format!("{n}×{size}")
                    } else {
                        format!("{}×{size}+{last}", n - 1)
                    }
                }
                AxisChunks::Explicit { sizes, .. } if sizes.len() <= 6 => format!("{sizes:?}"),
                AxisChunks::Explicit { sizes, .. } => format!("{} irregular", sizes.len()),
            })
            .collect();
        format!("[{}]", parts.join(", "))
    }
}

/// Chunk sizes of at most `bytes` per chunk: halve the largest chunk dimension until the chunk
/// fits (so chunks stay as square as the shape allows).
fn auto_chunks(shape: &[usize], bytes: usize, elem: usize) -> Vec<usize> {
    let mut c: Vec<usize> = shape.iter().map(|&n| n.max(1)).collect();
    let max_elems = (bytes / elem.max(1)).max(1);
    while c.iter().product::<usize>() > max_elems {
        let (ax, _) = c
            .iter()
            .enumerate()
            .max_by_key(|&(_, &v)| v)
            .unwrap_or((0, &1));
        if c[ax] <= 1 {
            break;
        }
        c[ax] = c[ax].div_ceil(2);
    }
    c
}

/// The common refinement of several chunkings of one axis of length `n`: the union of their
/// chunk boundaries (what Dask's `unify_chunks` does). Equal regular chunkings stay regular
/// without enumerating their chunks.
pub(crate) fn refine_axis(n: usize, inputs: &[&AxisChunks]) -> AxisChunks {
    if n == 0 {
        return AxisChunks::regular(1, 0);
    }
    match inputs.first() {
        None => return AxisChunks::regular(n, n),
        Some(first) if inputs.iter().all(|a| a == first) => return (*first).clone(),
        _ => {}
    }
    let mut all: Vec<usize> = inputs
        .iter()
        .flat_map(|a| (0..=a.count()).map(move |k| a.offset(k)))
        .collect();
    all.push(0);
    all.push(n);
    all.sort_unstable();
    all.dedup();
    AxisChunks::from_sizes(all.windows(2).map(|w| w[1] - w[0]).collect())
}

/// Steps `idx` to the next index in C order inside the box `[first, last]` (inclusive);
/// returns `false`, with `idx` back at `first`, once the box is exhausted.
pub(crate) fn next_in_box<T: num_traits::PrimInt>(idx: &mut [T], first: &[T], last: &[T]) -> bool {
    for ax in (0..idx.len()).rev() {
        if idx[ax] < last[ax] {
            idx[ax] = idx[ax] + T::one();
            return true;
        }
        idx[ax] = first[ax];
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regular_and_edge_chunks() {
        let g = ChunkGrid::new(&[10, 3, 0], ChunkSpec::Uniform(4), 8).unwrap();
        assert_eq!(g.all_chunks(), &[vec![4, 4, 2], vec![3], vec![0]]);
        assert_eq!(g.num_chunks(), 3);
        assert_eq!((g.axis(0).offset(1), g.axis(0).offset(3)), (4, 10));
        assert_eq!(g.axis(0).chunks_before(5), 2);
        assert_eq!(g.describe(), "[2×4+2, 3, 0]");
        assert_eq!(g.chunk_of(0, 7), 1);
        assert_eq!(g.chunk_of(0, 8), 2);
        assert!(g.is_regular());
        let mut idx = Vec::new();
        g.unravel(2, &mut idx);
        assert_eq!(idx, vec![2, 0, 0]);
        assert_eq!(g.ravel(&idx), 2);
    }

    #[test]
    fn bad_specs_are_errors() {
        assert!(ChunkGrid::new(&[10], ChunkSpec::Uniform(0), 8).is_err());
        assert!(ChunkGrid::new(&[10], ChunkSpec::from(vec![vec![3, 3]]), 8).is_err());
        assert!(ChunkGrid::new(&[10], ChunkSpec::from(vec![vec![10, 0]]), 8).is_err());
        assert!(ChunkGrid::new(&[10, 2], ChunkSpec::from([5]), 8).is_err());
        let e = ChunkGrid::new(&[10], ChunkSpec::from(vec![vec![3, 3]]), 8).unwrap_err();
        assert!(e.to_string().contains("add up to 6, not 10"), "{e}");
    }

    #[test]
    fn auto_fits_budget() {
        let g = ChunkGrid::new(&[10_000, 10_000], ChunkSpec::AutoBytes(1 << 20), 8).unwrap();
        assert!(g.max_chunk_len() * 8 <= 1 << 20);
        assert!(g.chunks(0)[0] >= 256 && g.chunks(1)[0] >= 256);
    }

    #[test]
    fn refinement_is_union_of_boundaries() {
        let (a, b) = (AxisChunks::regular(4, 10), AxisChunks::regular(5, 10));
        assert_eq!(refine_axis(10, &[&a, &b]).sizes(), vec![4, 1, 3, 2]);
        assert_eq!(refine_axis(10, &[&a, &a]), a);
        assert_eq!(refine_axis(0, &[&a]).sizes(), vec![0]);
        let big = AxisChunks::regular(10, 10_000_000);
        assert_eq!(big.count(), 1_000_000);
        assert!(matches!(
            refine_axis(10_000_000, &[&big, &big]),
            AxisChunks::Regular { .. }
        ));
        let irregular = AxisChunks::from_sizes(vec![3, 7]);
        assert_eq!(irregular.chunk_of(3), 1);
        assert_eq!(irregular.chunks_before(4), 2);
    }
}
