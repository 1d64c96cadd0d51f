//! `qr` and `svd` of tall-and-skinny and short-and-fat arrays: TSQR (Demmel et al.,
//! "Communication-avoiding parallel and sequential QR factorizations"), as a tree of local
//! QRs whose `Q` factors are recombined.

use super::dense::{self, view2};
use super::{matrix_dims, LinalgFloat};
use crate::array::{gather, Array};
use crate::chunks::{AxisChunks, ChunkGrid};
use crate::error::{Error, Result};
use ndarray::{s, Array2, Axis};

/// The stacked `R` factors of one level are grouped into chunks of at most this many bytes
/// (and at least two factors each), so the tree's levels stay few and its tasks small.
const STACK_BYTES: usize = 32 << 20;

/// At most this many `R` factors are stacked in one chunk of a level, so a tree over many
/// row chunks keeps its parallelism.
const STACK_FANIN: usize = 16;

/// The reduced QR factorization `a = q · r` of a 2-d array, as `numpy.linalg.qr(a)`:
/// for `a` of shape `(m, n)` and `k = min(m, n)`, `q` is `(m, k)` with orthonormal columns
/// and `r` is `(k, n)` upper triangular.
///
/// `a` must have one chunk along one axis. Tall-and-skinny (one chunk along axis 1): TSQR,
/// one local QR per row chunk and a tree over the stacked `R` factors; `q` is chunked as
/// `a`'s rows (a row chunk shorter than `n` is merged into its neighbour first). Short-and-fat (one chunk along axis
/// 0, the first column chunk at least `m` wide): the QR of the first square block, and the
/// rest of `r` is `qᵀ · a`.
///
/// ```
/// use tessera::{linalg, random};
/// let a = random::normal::<f64>(&[1000, 8], [250, 8], 1, 0.0, 1.0)?;
/// let (q, r) = linalg::qr(&a)?;
/// let back = q.matmul(&r)?.compute()?;
/// let a = a.compute()?;
/// assert!((&back - &a).iter().all(|d| d.abs() < 1e-12));
/// # Ok::<(), tessera::Error>(())
/// ```
///
/// An array chunked along both axes is refused with the rechunk that would make it run.
pub fn qr<T: LinalgFloat>(a: &Array<T>) -> Result<(Array<T>, Array<T>)> {
    let op = "qr";
    let (m, n) = matrix_dims(op, a)?;
    let grid = a.chunks();
    if grid.axis(1).count() <= 1 {
        let f = tsqr(op, a)?;
        Ok((f.q()?, f.r))
    } else if grid.axis(0).count() <= 1 {
        short_and_fat_qr(op, a, m)
    } else {
        Err(one_chunk_axis_error(op, a, m, n))
    }
}

/// The reduced SVD `a = u · diag(s) · vt` of a 2-d array, as
/// `numpy.linalg.svd(a, full_matrices=False)`: for `k = min(m, n)`, `u` is `(m, k)`, `s`
/// the `k` singular values in decreasing order and `vt` is `(k, n)`.
///
/// Through TSQR: `a = q · r`, the small SVD `r = u_r · diag(s) · vt` in one task, and
/// `u = q · u_r`. A tall-and-skinny array (one chunk along axis 1) is factored directly, a
/// short-and-fat one (one chunk along axis 0) through its transpose.
///
/// ```
/// use tessera::{linalg, Array};
/// let a = Array::from_ndarray(ndarray::arr2(&[[3.0, 0.0], [0.0, 4.0], [0.0, 0.0]]), [2, 2])?;
/// let (_u, s, _vt) = linalg::svd(&a)?;
/// let s = s.compute()?;
/// assert!((s[0] - 4.0_f64).abs() < 1e-12 && (s[1] - 3.0).abs() < 1e-12);
/// # Ok::<(), tessera::Error>(())
/// ```
pub fn svd<T: LinalgFloat>(a: &Array<T>) -> Result<(Array<T>, Array<T>, Array<T>)> {
    let op = "svd";
    let (m, n) = matrix_dims(op, a)?;
    let grid = a.chunks();
    if grid.axis(1).count() <= 1 {
        tall_svd(op, a)
    } else if grid.axis(0).count() <= 1 {
        let (u, s, vt) = tall_svd(op, &a.t())?;
        Ok((vt.t(), s, u.t()))
    } else {
        Err(one_chunk_axis_error(op, a, m, n))
    }
}

/// The SVD of an array with one chunk along axis 1, through TSQR.
pub(crate) fn tall_svd<T: LinalgFloat>(
    op: &'static str,
    a: &Array<T>,
) -> Result<(Array<T>, Array<T>, Array<T>)> {
    let f = tsqr(op, a)?;
    let (u_r, s, vt) = small_svd(op, &f.r)?;
    Ok((f.q_times(Some(&u_r))?, s, vt))
}

/// The SVD of a matrix computed in one task: `(u, s, vt)` sliced out of one block that
/// holds all three (`u` in the first rows, `s` in the next one, `vt` below).
pub(crate) fn small_svd<T: LinalgFloat>(
    op: &'static str,
    r: &Array<T>,
) -> Result<(Array<T>, Array<T>, Array<T>)> {
    let (k, n) = matrix_dims(op, r)?;
    let kk = k.min(n);
    let width = n.max(k);
    let rows = k + 1 + kk;
    let grid = one_block(rows, width);
    let all = gather(
        op,
        &[r],
        grid,
        move |_| vec![(0, vec![(0, k), (0, n)])],
        move |b, _| {
            let (u, s, vt) = dense::svd(op, &view2(&b[0])?)?;
            let mut out = Array2::<T>::zeros((rows, width));
            out.slice_mut(s![..k, ..kk]).assign(&u);
            out.slice_mut(s![k, ..kk]).assign(&s);
            out.slice_mut(s![k + 1.., ..n]).assign(&vt);
            Ok(out.into_dyn())
        },
    );
    Ok((
        all.slice(&[0..k, 0..kk])?,
        all.slice(&[k..k + 1, 0..kk])?.squeeze(0)?,
        all.slice(&[k + 1..rows, 0..n])?,
    ))
}

/// A grid of one block of `rows × cols`.
pub(crate) fn one_block(rows: usize, cols: usize) -> ChunkGrid {
    ChunkGrid::from_axes(vec![
        AxisChunks::from_sizes(vec![rows]),
        AxisChunks::from_sizes(vec![cols]),
    ])
}

/// The refusal of an array chunked along both axes, naming the rechunks that would work.
fn one_chunk_axis_error<T: crate::Element>(op: &str, a: &Array<T>, m: usize, n: usize) -> Error {
    let g = a.chunks();
    Error::Chunks {
        shape: vec![m, n],
        msg: format!(
            "{op} needs one chunk along axis 1 (tall-and-skinny) or axis 0 (short-and-fat), \
             got {} × {} chunks; rechunk to [{}, {n}] or [{m}, {}]",
            g.axis(0).count(),
            g.axis(1).count(),
            g.axis(0).max_size().max(n),
            g.axis(1).max_size().max(m),
        ),
    }
}

/// TSQR of `a` (one chunk along axis 1).
pub(crate) fn tsqr<T: LinalgFloat>(op: &'static str, a: &Array<T>) -> Result<Tsqr<T>> {
    let (m, n) = matrix_dims(op, a)?;
    let rows = a.chunks().axis(0).clone();
    let nb = rows.count();
    if nb <= 1 || m == 0 || n == 0 {
        return local_qr(op, a, m, n);
    }
    if (0..nb).any(|i| rows.size(i) < n) {
        // A chunk shorter than the row count of R (often the last one) joins its neighbour.
        let merged = merge_short_chunks(&rows.sizes(), n);
        let a = Array::wrap(a.rechunk_to(ChunkGrid::from_axes(vec![
            AxisChunks::from_sizes(merged),
            AxisChunks::from_sizes(vec![n]),
        ])));
        return tsqr(op, &a);
    }
    // Level 1: block i holds the local Q (m_i × n) above the local R (n × n).
    let sizes: Vec<usize> = (0..nb).map(|i| rows.size(i) + n).collect();
    let local_grid = ChunkGrid::from_axes(vec![
        AxisChunks::from_sizes(sizes),
        AxisChunks::from_sizes(vec![n]),
    ]);
    let in_rows = rows.clone();
    let local = gather(
        "tsqr-local",
        &[a],
        local_grid,
        move |ix| {
            vec![(
                0,
                vec![(in_rows.offset(ix[0]), in_rows.size(ix[0])), (0, n)],
            )]
        },
        move |b, _| Ok(dense::qr_stacked(&view2(&b[0])?).into_dyn()),
    );
    // The R factors stacked, `group` of them per chunk, factored recursively.
    let item = std::mem::size_of::<T>();
    let group = (STACK_BYTES / (n * n * item).max(1)).clamp(2, STACK_FANIN);
    let stack_sizes: Vec<usize> = (0..nb.div_ceil(group))
        .map(|j| (group.min(nb - j * group)) * n)
        .collect();
    let stack_grid = ChunkGrid::from_axes(vec![
        AxisChunks::from_sizes(stack_sizes),
        AxisChunks::from_sizes(vec![n]),
    ]);
    let local_rows = local.chunks().axis(0).clone();
    let stacked = gather(
        "tsqr-stack",
        &[&local],
        stack_grid,
        move |ix| {
            (ix[0] * group..((ix[0] + 1) * group).min(nb))
                .map(|i| {
                    let end = local_rows.offset(i) + local_rows.size(i);
                    (0, vec![(end - n, n), (0, n)])
                })
                .collect()
        },
        move |b, _| {
            let views: Vec<_> = b.iter().map(view2).collect::<Result<_>>()?;
            Ok(ndarray::concatenate(Axis(0), &views)
                .map_err(|e| Error::internal("tsqr-stack", e.to_string()))?
                .into_dyn())
        },
    );
    let next = tsqr(op, &stacked)?;
    Ok(Tsqr {
        r: next.r.clone(),
        level: Level::Tree {
            local,
            next: Box::new(next),
            rows: a.chunks().axis(0).clone(),
            n,
        },
    })
}

/// The factors of TSQR: `r`, and `q` kept implicit as the tree's levels, so that `q · m`
/// is formed without `q` itself.
pub(crate) struct Tsqr<T: LinalgFloat> {
    /// The `R` factor.
    pub r: Array<T>,
    level: Level<T>,
}

/// One level of [`Tsqr`]'s `q`.
enum Level<T: LinalgFloat> {
    /// The whole `q`, from a QR in one task.
    Single(Array<T>),
    /// Row block `i` of `q` is the local `Q_i` times rows `[i·n, (i+1)·n)` of the next
    /// level's `q`.
    Tree {
        /// Block `i`: the local `Q_i` (`m_i × n`) above the local `R_i`.
        local: Array<T>,
        /// The factorization of the stacked `R_i`.
        next: Box<Tsqr<T>>,
        /// The row chunks of the factored array.
        rows: AxisChunks,
        /// The number of columns.
        n: usize,
    },
}

impl<T: LinalgFloat> Tsqr<T> {
    /// The `Q` factor, chunked as the factored array's rows.
    pub(crate) fn q(&self) -> Result<Array<T>> {
        self.q_times(None)
    }

    /// `q · m` for a matrix `m` of `n` rows (or `q` itself for `None`): each row block is
    /// the local `Q_i` times its rows of the next level's `q · m`, one product per block.
    pub(crate) fn q_times(&self, m: Option<&Array<T>>) -> Result<Array<T>> {
        match &self.level {
            Level::Single(q) => match m {
                None => Ok(q.clone()),
                Some(m) => q.matmul(m),
            },
            Level::Tree {
                local,
                next,
                rows,
                n,
            } => {
                let n = *n;
                let below = next.q_times(m)?;
                let k = below.shape()[1];
                let below = below.rechunk(vec![below.shape()[0].max(1), k.max(1)])?;
                let grid =
                    ChunkGrid::from_axes(vec![rows.clone(), AxisChunks::from_sizes(vec![k])]);
                let local_rows = local.chunks().axis(0).clone();
                Ok(gather(
                    "tsqr-q",
                    &[local, &below],
                    grid,
                    move |ix| {
                        let i = ix[0];
                        vec![
                            (
                                0,
                                vec![(local_rows.offset(i), local_rows.size(i) - n), (0, n)],
                            ),
                            (1, vec![(i * n, n), (0, k)]),
                        ]
                    },
                    move |b, _| Ok(dense::matmul(&view2(&b[0])?, &view2(&b[1])?).into_dyn()),
                ))
            }
        }
    }
}

/// The QR of a matrix in one task: `q` and `r` sliced out of one block holding `q` (padded
/// to `n` columns) above `r`.
fn local_qr<T: LinalgFloat>(op: &'static str, a: &Array<T>, m: usize, n: usize) -> Result<Tsqr<T>> {
    let k = m.min(n);
    let a = a.rechunk(vec![m.max(1), n.max(1)])?;
    let both = gather(
        op,
        &[&a],
        one_block(m + k, n),
        move |_| vec![(0, vec![(0, m), (0, n)])],
        move |b, _| Ok(dense::qr_stacked(&view2(&b[0])?).into_dyn()),
    );
    Ok(Tsqr {
        r: both.slice(&[m..m + k, 0..n])?,
        level: Level::Single(both.slice(&[0..m, 0..k])?),
    })
}

/// QR of an array with one chunk along axis 0 and `m` rows: the QR of its first `m`
/// columns gives `q`, and `r = [r_1, qᵀ · a[:, m:]]`.
fn short_and_fat_qr<T: LinalgFloat>(
    op: &'static str,
    a: &Array<T>,
    m: usize,
) -> Result<(Array<T>, Array<T>)> {
    let n = a.shape()[1];
    if m >= n {
        let f = local_qr(op, a, m, n)?;
        return Ok((f.q()?, f.r));
    }
    let f = local_qr(op, &a.slice(&[0..m, 0..m])?, m, m)?;
    let (q, r1) = (f.q()?, f.r);
    let rest = q.t().matmul(&a.slice(&[0..m, m..n])?)?;
    let r = crate::concatenate(&[&r1, &rest], 1)?;
    Ok((q, r))
}

/// Row chunk sizes with every chunk shorter than `n` merged into the chunk after it (the
/// last one into the chunk before it), so each has at least `n` rows when the total does.
fn merge_short_chunks(sizes: &[usize], n: usize) -> Vec<usize> {
    let mut out: Vec<usize> = Vec::with_capacity(sizes.len());
    let mut pending = 0;
    for &s in sizes {
        pending += s;
        if pending >= n {
            out.push(pending);
            pending = 0;
        }
    }
    if pending > 0 {
        match out.last_mut() {
            Some(last) => *last += pending,
            None => out.push(pending),
        }
    }
    out
}
