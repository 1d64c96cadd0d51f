//! The contraction operator: the matrix product of two 2-d inputs.
//!
//! Output chunk `(i, j)` reads row block `i` of the left input and column block `j` of the
//! right one, one contracted block `k` at a time: each task evaluates the two input blocks
//! of one `k` (their elementwise producers fused in), multiplies them into its output and
//! moves on, so at most one pair of input blocks is live per task, never all of a row. The
//! products accumulate in order of `k`, so results do not depend on the thread count.

use super::{one_task_per_chunk, program_task_bytes, ChunkOp, InputRegion};
use crate::chunks::AxisChunks;
use crate::dtype::{with_numeric, ChunkData, DType, Element, Numeric};
use crate::error::{Error, Result};
use crate::eval::map::{leaves_for, map_chunk};
use crate::expr::Node;
use crate::plan::{Program, TaskCounts};
use crate::task::TaskEnv;
use ndarray::ArrayViewD;
use ndarray::{ArrayD, IxDyn};

/// `a @ b` for `a` of shape `(batch..., m, k)` and `b` of shape `(batch..., k, n)` chunked
/// alike along the contracted axis; a batch axis of length 1 in one operand is broadcast.
#[derive(Debug, Clone)]
pub(crate) struct ContractOp {
    /// The fused programs of `a` and `b`.
    pub programs: Vec<Program>,
    /// The chunks of the contracted axis (columns of `a`, rows of `b`).
    pub k: AxisChunks,
    /// The shapes of `a` and `b` (the same number of axes).
    pub shapes: [Vec<usize>; 2],
}

impl ContractOp {
    /// The number of leading batch axes.
    fn batch(&self) -> usize {
        self.shapes[0].len() - 2
    }

    /// The regions of `a` and `b` that output chunk `lin` reads for contracted block `kb`.
    fn blocks(&self, node: &Node, lin: usize, kb: usize) -> [Vec<(usize, usize)>; 2] {
        let mut idx = Vec::new();
        let mut region = Vec::new();
        node.grid.unravel(lin, &mut idx);
        node.grid.region(&idx, &mut region);
        let nb = self.batch();
        let k = (self.k.offset(kb), self.k.size(kb));
        let batch = |shape: &[usize]| -> Vec<(usize, usize)> {
            (0..nb)
                .map(|d| if shape[d] == 1 { (0, 1) } else { region[d] })
                .collect()
        };
        let mut a = batch(&self.shapes[0]);
        a.extend([region[nb], k]);
        let mut b = batch(&self.shapes[1]);
        b.extend([k, region[nb + 1]]);
        [a, b]
    }
}

impl ChunkOp for ContractOp {
    fn describe(&self) -> String {
        format!("matmul k-blocks={}", self.k.count())
    }

    fn programs(&self) -> &[Program] {
        &self.programs
    }

    fn task_counts(&self, node: &Node) -> TaskCounts {
        one_task_per_chunk(node)
    }

    fn projected_task_bytes(&self, node: &Node) -> usize {
        let nb = self.batch();
        let batch: usize = (0..nb).map(|d| node.grid.axis(d).max_size()).product();
        let [rows, cols] = [
            node.grid.axis(nb).max_size(),
            node.grid.axis(nb + 1).max_size(),
        ];
        let k = self.k.max_size();
        let size = node.dtype.size();
        let a = batch * rows * k;
        let b = batch * k * cols;
        (a + b + batch * rows * cols) * size
            + program_task_bytes(&self.programs[0], a)
            + program_task_bytes(&self.programs[1], b)
    }

    fn reads(&self, node: &Node, lin: usize, f: &mut dyn FnMut(&InputRegion)) {
        for kb in 0..self.k.count() {
            for (program, region) in self.blocks(node, lin, kb).into_iter().enumerate() {
                f(&InputRegion {
                    program,
                    region,
                    inserted_axis: None,
                });
            }
        }
    }

    fn run(&self, node: &Node, lin: usize, env: &TaskEnv<'_>) -> Result<ChunkData> {
        env.counters.add_map();
        let shape = node.grid.region_shape(lin);
        let label = || node.label();
        let nb = self.batch();
        let (rows, cols) = (shape[nb], shape[nb + 1]);
        with_numeric!(node.dtype, T => {
            let mut out = ArrayD::<T>::from_elem(IxDyn(&shape), <T as tessera_kernels::scalar::Arith>::zero());
            let Some(o) = out.as_slice_mut() else {
                return Err(Error::internal(label(), "matmul output is not contiguous"));
            };
            // Float operands read as plain views (a stored chunk, an in-memory array, a
            // transposed one) are multiplied in place with their strides, without a copy.
            let views = matches!(node.dtype, DType::F64 | DType::F32)
                && self.programs.iter().all(Program::is_identity);
            for kb in 0..self.k.count() {
                env.check()?;
                let [ra, rb] = self.blocks(node, lin, kb);
                let (pa, pb) = (&self.programs[0], &self.programs[1]);
                let shape_of = |r: &[(usize, usize)]| r.iter().map(|x| x.1).collect::<Vec<_>>();
                if views {
                    let la = leaves_for(pa, &ra, env, false)?;
                    let lb = leaves_for(pb, &rb, env, false)?;
                    let va = la[0].view::<T>(&pa.leaves[0], &shape_of(&ra))?;
                    let vb = lb[0].view::<T>(&pb.leaves[0], &shape_of(&rb))?;
                    multiply_add_batched(o, &va, &vb, nb, rows * cols).ok_or_else(|| Error::internal(label(), "matmul block is not contiguous"))?;
                    continue;
                }
                let a = map_chunk(pa, node.dtype, &ra, None, env)?;
                let b = map_chunk(pb, node.dtype, &rb, None, env)?;
                let (Some(a), Some(b)) = (T::chunk_ref(&a), T::chunk_ref(&b)) else {
                    return Err(Error::internal(label(), "matmul block of the wrong dtype"));
                };
                multiply_add_batched(o, &a.view(), &b.view(), nb, rows * cols).ok_or_else(|| Error::internal(label(), "matmul block is not contiguous"))?;
            }
            Ok(T::into_chunk(out))
        }, bool => Err(Error::internal(label(), "matmul of bool")))
    }
}

/// `out[p] += a[p] · b[p]` for every element `p` of the leading `batch` axes of `out`
/// (C order, `each` elements per product); an operand's batch axis of length 1 is
/// broadcast.
fn multiply_add_batched<T: Numeric>(
    out: &mut [T],
    a: &ArrayViewD<'_, T>,
    b: &ArrayViewD<'_, T>,
    batch: usize,
    each: usize,
) -> Option<()> {
    if batch == 0 {
        return multiply_add(out, a, b);
    }
    let outer: Vec<usize> = (0..batch).map(|d| a.shape()[d].max(b.shape()[d])).collect();
    let mut index = vec![0usize; batch];
    for piece in out.chunks_mut(each.max(1)) {
        let (va, vb) = (batch_element(a, &index), batch_element(b, &index));
        multiply_add(piece, &va, &vb)?;
        // The next batch element, in C order.
        for d in (0..batch).rev() {
            index[d] += 1;
            if index[d] < outer[d] {
                break;
            }
            index[d] = 0;
        }
    }
    Some(())
}

/// The 2-d view of batch element `index` of `v` (whose leading axes are the batch axes; one
/// of length 1 is broadcast).
fn batch_element<'a, T>(v: &ArrayViewD<'a, T>, index: &[usize]) -> ArrayViewD<'a, T> {
    let mut v = v.clone();
    for &i in index {
        let i = if v.shape()[0] == 1 { 0 } else { i };
        v.index_axis_inplace(ndarray::Axis(0), i);
    }
    v
}

/// `out += a · b` for a row-major `out` (m × n) and 2-d views `a` (m × k) and `b` (k × n):
/// OpenBLAS (feature `openblas`, where it takes the operands' strides) or faer's blocked
/// kernels (any strides) for floats, an exact loop (NumPy's wrapping integer
/// arithmetic) over C-contiguous operands otherwise; `None` for integer operands that are
/// not C-contiguous.
fn multiply_add<T: Numeric>(
    out: &mut [T],
    a: &ArrayViewD<'_, T>,
    b: &ArrayViewD<'_, T>,
) -> Option<()> {
    if crate::linalg::gemm_add(out, a, b) {
        return Some(());
    }
    let (m, k, n) = (a.shape()[0], a.shape()[1], b.shape()[1]);
    let (sa, sb) = (a.strides(), b.strides());
    macro_rules! faer_f {
        ($t:ty) => {
            if let Some(out) = cast_mut::<T, $t>(out) {
                // SAFETY: `T` is `$t` (checked by `cast_mut`), and the two views address
                // m × k and k × n valid elements with these strides for as long as they are
                // borrowed, which outlives the product; faer only reads through them.
                let (a, b) = unsafe {
                    (
                        faer::MatRef::<$t>::from_raw_parts(a.as_ptr().cast(), m, k, sa[0], sa[1]),
                        faer::MatRef::<$t>::from_raw_parts(b.as_ptr().cast(), k, n, sb[0], sb[1]),
                    )
                };
                // Row-major `out = a · b` is column-major `outᵀ = bᵀ · aᵀ`: faer's native
                // layout, with unit strides down its columns.
                faer::linalg::matmul::matmul(
                    faer::MatMut::from_column_major_slice_mut(out, n, m),
                    faer::Accum::Add,
                    b.transpose(),
                    a.transpose(),
                    1.0,
                    faer::Par::Seq,
                );
                return Some(());
            }
        };
    }
    match T::DTYPE {
        DType::F64 => faer_f!(f64),
        DType::F32 => faer_f!(f32),
        _ => {}
    }
    let (a, b) = (a.as_slice()?, b.as_slice()?);
    for i in 0..m {
        let row = &mut out[i * n..(i + 1) * n];
        for (p, &aip) in a[i * k..(i + 1) * k].iter().enumerate() {
            for (o, &bpj) in row.iter_mut().zip(&b[p * n..(p + 1) * n]) {
                *o = tessera_kernels::scalar::Arith::add(*o, aip.mul(bpj));
            }
        }
    }
    Some(())
}

/// `s` as a mutable slice of `U` when `T` is `U`.
fn cast_mut<T: 'static, U: 'static>(s: &mut [T]) -> Option<&mut [U]> {
    if std::any::TypeId::of::<T>() == std::any::TypeId::of::<U>() {
        // SAFETY: `T` and `U` are the same type (checked just above), so the slice's layout,
        // length and validity are unchanged; the borrow is carried over.
        Some(unsafe { std::slice::from_raw_parts_mut(s.as_mut_ptr().cast::<U>(), s.len()) })
    } else {
        None
    }
}
