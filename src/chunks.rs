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
        ChunkSpec::Explicit(g.sizes.clone())
    }
}

/// The chunk sizes of an array along each axis. Every axis has at least one chunk; an axis
/// of length 0 has one chunk of length 0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkGrid {
    sizes: Vec<Vec<usize>>,
    /// offsets[axis][k] is where chunk k starts; one extra entry holds the axis length.
    offsets: Vec<Vec<usize>>,
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
                let lists = lists
                    .into_iter()
                    .map(|l| if l.is_empty() { vec![0] } else { l })
                    .collect();
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
        let mut sizes = Vec::with_capacity(shape.len());
        for (ax, (&c, &n)) in per_axis.iter().zip(shape).enumerate() {
            if c == 0 {
                return Err(err(format!("chunk size 0 along axis {ax}")));
            }
            sizes.push(regular(n, c));
        }
        Ok(Self::from_sizes(sizes))
    }

    /// A grid with the given chunk sizes per axis. The caller guarantees that every list is
    /// non-empty and that sizes are positive (or a single 0 for an empty axis).
    pub(crate) fn from_sizes(sizes: Vec<Vec<usize>>) -> Self {
        let offsets = sizes
            .iter()
            .map(|l| {
                let mut o = Vec::with_capacity(l.len() + 1);
                let mut acc = 0;
                o.push(0);
                for &s in l {
                    acc += s;
                    o.push(acc);
                }
                o
            })
            .collect();
        ChunkGrid { sizes, offsets }
    }

    /// A grid with one chunk covering the whole shape.
    pub fn single(shape: &[usize]) -> Self {
        Self::from_sizes(shape.iter().map(|&n| vec![n]).collect())
    }

    /// Number of axes.
    pub fn ndim(&self) -> usize {
        self.sizes.len()
    }

    /// The array's shape.
    pub fn shape(&self) -> Vec<usize> {
        self.offsets.iter().map(|o| o[o.len() - 1]).collect()
    }

    /// Chunk sizes along `axis`.
    pub fn chunks(&self, axis: usize) -> &[usize] {
        &self.sizes[axis]
    }

    /// Chunk sizes along every axis.
    pub fn all_chunks(&self) -> &[Vec<usize>] {
        &self.sizes
    }

    /// Chunk start offsets along `axis`, followed by the axis length.
    pub fn offsets(&self, axis: usize) -> &[usize] {
        &self.offsets[axis]
    }

    /// Number of chunks along each axis.
    pub fn grid_shape(&self) -> Vec<usize> {
        self.sizes.iter().map(|l| l.len()).collect()
    }

    /// Total number of chunks.
    pub fn num_chunks(&self) -> usize {
        self.sizes.iter().map(|l| l.len()).product()
    }

    /// The largest chunk's number of elements.
    pub fn max_chunk_len(&self) -> usize {
        self.sizes
            .iter()
            .map(|l| l.iter().copied().max().unwrap_or(0))
            .product()
    }

    /// The multi-index of the chunk with C-order linear index `lin`.
    pub fn unravel(&self, mut lin: usize, out: &mut Vec<usize>) {
        out.clear();
        out.resize(self.ndim(), 0);
        for ax in (0..self.ndim()).rev() {
            let n = self.sizes[ax].len();
            out[ax] = lin % n;
            lin /= n;
        }
    }

    /// The C-order linear index of the chunk at `idx`.
    pub fn ravel(&self, idx: &[usize]) -> usize {
        let mut lin = 0;
        for (ax, &i) in idx.iter().enumerate() {
            lin = lin * self.sizes[ax].len() + i;
        }
        lin
    }

    /// The element ranges `(start, len)` of the chunk at `idx`, per axis.
    pub fn region(&self, idx: &[usize], out: &mut Vec<(usize, usize)>) {
        out.clear();
        for (ax, &i) in idx.iter().enumerate() {
            out.push((self.offsets[ax][i], self.sizes[ax][i]));
        }
    }

    /// The shape of the chunk with C-order linear index `lin`.
    pub fn region_shape(&self, lin: usize) -> Vec<usize> {
        let mut idx = Vec::new();
        self.unravel(lin, &mut idx);
        idx.iter()
            .enumerate()
            .map(|(ax, &i)| self.sizes[ax][i])
            .collect()
    }

    /// The index of the chunk containing element `pos` along `axis` (the last chunk for
    /// `pos == len`).
    pub fn chunk_of(&self, axis: usize, pos: usize) -> usize {
        let o = &self.offsets[axis];
        match o.binary_search(&pos) {
            Ok(k) => k.min(self.sizes[axis].len() - 1),
            Err(k) => k - 1,
        }
    }

    /// Whether every chunk but the last has the same size along every axis.
    pub fn is_regular(&self) -> bool {
        self.sizes.iter().all(|l| {
            l.len() <= 1 || (l[..l.len() - 1].iter().all(|&s| s == l[0]) && l[l.len() - 1] <= l[0])
        })
    }
}

/// Chunks of size `c` along an axis of length `n` (the last one may be short).
fn regular(n: usize, c: usize) -> Vec<usize> {
    if n == 0 {
        return vec![0];
    }
    let c = c.min(n);
    let mut v = vec![c; n / c];
    if n % c != 0 {
        v.push(n % c);
    }
    v
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

/// The common refinement of several grids along one axis of length `n`: the union of their
/// chunk boundaries (what Dask's `unify_chunks` does).
pub(crate) fn refine_axis(n: usize, boundaries: &[&[usize]]) -> Vec<usize> {
    if n == 0 {
        return vec![0];
    }
    let mut all: Vec<usize> = boundaries.iter().flat_map(|b| b.iter().copied()).collect();
    all.push(0);
    all.push(n);
    all.sort_unstable();
    all.dedup();
    all.windows(2).map(|w| w[1] - w[0]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regular_and_edge_chunks() {
        let g = ChunkGrid::new(&[10, 3, 0], ChunkSpec::Uniform(4), 8).unwrap();
        assert_eq!(g.all_chunks(), &[vec![4, 4, 2], vec![3], vec![0]]);
        assert_eq!(g.num_chunks(), 3);
        assert_eq!(g.offsets(0), &[0, 4, 8, 10]);
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
        assert_eq!(
            refine_axis(10, &[&[0, 4, 8, 10], &[0, 5, 10]]),
            vec![4, 1, 3, 2]
        );
        assert_eq!(refine_axis(0, &[&[0, 0]]), vec![0]);
    }
}
