//! Evaluating a fused program over one region: map tasks and everything that writes a
//! program's values into an output.

use super::leaf::{resolve, LeafData};
use super::strided::StridedDst;
use super::tile::{RegElem, TileRunner};
use crate::dtype::{with_dtype, ChunkData, DType, Element};
use crate::error::Result;
use crate::expr::Op;
use crate::plan::Program;
use crate::task::memory::Hold;
use crate::task::TaskEnv;
use ndarray::{ArrayD, Axis, IxDyn};

/// The leaves of a program resolved for one task. The buffers they own (source reads,
/// stored chunks assembled into one region, materialized generated data) count as live
/// memory of the computation until the leaves are dropped.
pub(crate) struct Leaves<'e> {
    data: Vec<LeafData>,
    _hold: Hold<'e>,
}

impl std::ops::Deref for Leaves<'_> {
    type Target = [LeafData];
    fn deref(&self) -> &[LeafData] {
        &self.data
    }
}

/// Resolves every leaf of `program` for `region`; with `lazy`, generated leaves are left to
/// the tile evaluator (only a [`TileRunner`] may then read them).
pub(crate) fn leaves_for<'e>(
    program: &Program,
    region: &[(usize, usize)],
    env: &TaskEnv<'e>,
    lazy: bool,
) -> Result<Leaves<'e>> {
    let data = program
        .leaves
        .iter()
        .map(|l| resolve(l, region, env.fetch, lazy))
        .collect::<Result<Vec<_>>>()?;
    let owned = data
        .iter()
        .zip(&program.leaves)
        .map(|(d, l)| d.owned_bytes(l))
        .sum();
    Ok(Leaves {
        data,
        _hold: env.mem.hold(owned),
    })
}

/// Runs `program` over `region` and writes the result into `dst` (of the region's shape).
pub(crate) fn eval_into<T: RegElem>(
    program: &Program,
    region: &[(usize, usize)],
    env: &TaskEnv<'_>,
    dst: &mut StridedDst<T>,
) -> Result<()> {
    let shape: Vec<usize> = region.iter().map(|r| r.1).collect();
    let leaves = leaves_for(program, region, env, true)?;
    let mut runner = TileRunner::new(program, &leaves, &shape)?;
    let into = runner.writes_into();
    for t in runner.tiles() {
        // The last instruction writes straight into the output where the tile is adjacent
        // there, saving a copy of every tile.
        match dst.adjacent_mut(&t).filter(|_| into) {
            Some(out) => runner.run_into(&t, out),
            None => {
                runner.run(&t);
                dst.store(&t, &runner.result::<T>()[..t.len()]);
            }
        }
    }
    Ok(())
}

/// Computes `program` (whose result has dtype `dtype`) over `region` as a new array, with a
/// length-1 axis inserted at `inserted_axis` if given.
pub(crate) fn map_chunk(
    program: &Program,
    dtype: DType,
    region: &[(usize, usize)],
    inserted_axis: Option<usize>,
    env: &TaskEnv<'_>,
) -> Result<ChunkData> {
    if inserted_axis.is_none() {
        if let Some(chunk) = read_plain_source(program, dtype, region) {
            return chunk;
        }
    }
    let shape: Vec<usize> = region.iter().map(|r| r.1).collect();
    with_dtype!(dtype, T => {
        let mut out = ArrayD::<T>::default(IxDyn(&shape));
        {
            let mut dst = StridedDst::new(out.view_mut());
            eval_into::<T>(program, region, env, &mut dst)?;
        }
        if let Some(a) = inserted_axis {
            out = out.insert_axis(Axis(a));
        }
        Ok(T::into_chunk(out))
    })
}

/// When `program` only loads a source in its own layout (no transpose, step or broadcast),
/// the source's values for `region`, read straight into a new chunk (no task buffer, no
/// copy): how a held source's chunks are read.
fn read_plain_source(
    program: &Program,
    dtype: DType,
    region: &[(usize, usize)],
) -> Option<Result<ChunkData>> {
    let leaf = program.leaves.first().filter(|_| program.is_identity())?;
    let Op::Source(src) = &leaf.node.op else {
        return None;
    };
    let plain = leaf.stage.is_none()
        && leaf.node.dtype == dtype
        && leaf.axis_to_root.len() == region.len()
        && leaf.axis_to_root.iter().enumerate().all(|(p, &d)| p == d)
        && leaf.step.iter().all(|&s| s == 1)
        && !leaf.stretched.iter().any(|&s| s);
    if !plain {
        return None;
    }
    let lreg = leaf.region(region);
    let shape: Vec<usize> = lreg.iter().map(|r| r.1).collect();
    // A reused buffer: the read overwrites all of it, and a spilled chunk's buffer comes back.
    let mut out = super::pool::take(dtype, &shape);
    Some(src.read_into(&lreg, &mut out).map(|()| out))
}
