//! Map tasks: evaluate a stage's fused program over one output chunk.

use super::leaf::{resolve, LeafData};
use super::strided::StridedDst;
use super::tile::{RegElem, TileRunner};
use super::TaskEnv;
use crate::dtype::{with_dtype, ChunkData, Element};
use crate::error::Result;
use crate::plan::Stage;
use ndarray::{ArrayD, IxDyn};

/// Resolves every leaf of `stage`'s program for `region`.
pub(crate) fn leaves_for(
    stage: &Stage,
    region: &[(usize, usize)],
    env: &TaskEnv<'_>,
) -> Result<Vec<LeafData>> {
    stage
        .program
        .leaves
        .iter()
        .map(|l| resolve(l, region, env.fetch))
        .collect()
}

/// Runs the program over `region` and writes the result into `dst`.
pub(crate) fn eval_into<T: RegElem>(
    stage: &Stage,
    region: &[(usize, usize)],
    env: &TaskEnv<'_>,
    dst: &mut StridedDst<T>,
) -> Result<()> {
    let shape: Vec<usize> = region.iter().map(|r| r.1).collect();
    let leaves = leaves_for(stage, region, env)?;
    let owned: usize = leaves
        .iter()
        .zip(&stage.program.leaves)
        .map(|(d, l)| d.owned_bytes(l))
        .sum();
    let _hold = env.mem.hold(owned);
    let mut runner = TileRunner::new(&stage.program, &leaves, &shape)?;
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

/// Computes the chunk of `stage` covering `region` as a new array.
pub(crate) fn map_chunk(
    stage: &Stage,
    region: &[(usize, usize)],
    env: &TaskEnv<'_>,
) -> Result<ChunkData> {
    let shape: Vec<usize> = region.iter().map(|r| r.1).collect();
    with_dtype!(stage.node.dtype, T => {
        let mut out = ArrayD::<T>::default(IxDyn(&shape));
        {
            let mut dst = StridedDst::new(out.view_mut());
            eval_into::<T>(stage, region, env, &mut dst)?;
        }
        Ok(T::into_chunk(out))
    })
}
