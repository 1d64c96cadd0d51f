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

/// `a @ b` for 2-d `a` and `b` chunked alike along the contracted axis.
#[derive(Debug, Clone)]
pub(crate) struct ContractOp {
    /// The fused programs of `a` and `b`.
    pub programs: Vec<Program>,
    /// The chunks of the contracted axis (columns of `a`, rows of `b`).
    pub k: AxisChunks,
}

impl ContractOp {
    /// The regions of `a` and `b` that output chunk `lin` reads for contracted block `kb`.
    fn blocks(&self, node: &Node, lin: usize, kb: usize) -> [Vec<(usize, usize)>; 2] {
        let mut idx = Vec::new();
        let mut region = Vec::new();
        node.grid.unravel(lin, &mut idx);
        node.grid.region(&idx, &mut region);
        let k = (self.k.offset(kb), self.k.size(kb));
        [vec![region[0], k], vec![k, region[1]]]
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
        let [rows, cols] = [node.grid.axis(0).max_size(), node.grid.axis(1).max_size()];
        let k = self.k.max_size();
        let size = node.dtype.size();
        let a = rows * k;
        let b = k * cols;
        (a + b + rows * cols) * size
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
        with_numeric!(node.dtype, T => {
            let mut out = ArrayD::<T>::from_elem(IxDyn(&shape), <T as tessera_kernels::scalar::Arith>::zero());
            let Some(o) = out.as_slice_mut() else {
                return Err(Error::internal(label(), "matmul output is not contiguous"));
            };
            // Float operands read as plain views (a stored chunk, an in-memory array, a
            // transposed one) go to faer with their strides, without a copy.
            let views = matches!(node.dtype, DType::F64 | DType::F32)
                && self.programs.iter().all(Program::is_identity);
            for kb in 0..self.k.count() {
                env.check()?;
                let [ra, rb] = self.blocks(node, lin, kb);
                let (pa, pb) = (&self.programs[0], &self.programs[1]);
                if views {
                    let la = leaves_for(pa, &ra, env, false)?;
                    let lb = leaves_for(pb, &rb, env, false)?;
                    let va = la[0].view::<T>(&pa.leaves[0], &[ra[0].1, ra[1].1])?;
                    let vb = lb[0].view::<T>(&pb.leaves[0], &[rb[0].1, rb[1].1])?;
                    multiply_add(o, &va, &vb).ok_or_else(|| Error::internal(label(), "matmul block is not contiguous"))?;
                    continue;
                }
                let a = map_chunk(pa, node.dtype, &ra, None, env)?;
                let b = map_chunk(pb, node.dtype, &rb, None, env)?;
                let (Some(a), Some(b)) = (T::chunk_ref(&a), T::chunk_ref(&b)) else {
                    return Err(Error::internal(label(), "matmul block of the wrong dtype"));
                };
                multiply_add(o, &a.view(), &b.view()).ok_or_else(|| Error::internal(label(), "matmul block is not contiguous"))?;
            }
            Ok(T::into_chunk(out))
        }, bool => Err(Error::internal(label(), "matmul of bool")))
    }
}

/// `out += a · b` for a row-major `out` (m × n) and 2-d views `a` (m × k) and `b` (k × n):
/// faer's blocked kernels for floats (any strides), an exact loop (NumPy's wrapping integer
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
