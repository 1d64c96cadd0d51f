//! Computing arrays on several ranks at once (see `exec::distributed`): the array-level
//! entry points that `tessera::cluster` and the tests call.

use super::Array;
use crate::dtype::{ChunkData, Element};
use crate::error::{Error, Result};
use crate::exec::distributed::{execute_ranked, Gather, Peers};
use crate::exec::sink::OutputSink;
use crate::exec::{ComputeOptions, ComputeStats};
use crate::expr::Node;
use crate::plan::ops::InputRegion;
use crate::plan::{Plan, Program};
use crate::task::TaskEnv;
use ndarray::ArrayD;
use std::sync::Arc;

/// An output this rank does not return: its chunks are computed here and sent on.
struct Discard;

impl OutputSink for Discard {
    fn eval_into(
        &self,
        _program: &Program,
        _input: &InputRegion,
        _region: &[(usize, usize)],
        _env: &TaskEnv<'_>,
    ) -> Result<()> {
        Err(Error::internal(
            "distributed compute",
            "an output chunk evaluated into a rank that does not return it",
        ))
    }

    fn put(&self, _region: &[(usize, usize)], _chunk: &Arc<ChunkData>) -> Result<()> {
        Ok(())
    }
}

/// Computes `arrays` on all ranks of `peers` together. With `all`, every rank returns the
/// results; otherwise rank 0 does and the others return `None`.
pub(crate) fn compute_ranked<T: Element>(
    arrays: &[&Array<T>],
    opts: &ComputeOptions,
    peers: &Peers,
    all: bool,
) -> Result<(Option<Vec<ArrayD<T>>>, ComputeStats)> {
    let nodes: Vec<Arc<Node>> = arrays.iter().map(|a| a.node.clone()).collect();
    let plan = Plan::build_for(&nodes, opts.limit());
    let gather = if all { Gather::All } else { Gather::Root };
    if !all && peers.rank() != 0 {
        let sinks: Vec<&dyn OutputSink> = arrays.iter().map(|_| &Discard as _).collect();
        let stats = execute_ranked(&plan, &sinks, opts, peers, gather)?;
        return Ok((None, stats));
    }
    let (out, stats) = super::assembled(arrays, |sinks| {
        execute_ranked(&plan, sinks, opts, peers, gather)
    })?;
    Ok((Some(out), stats))
}

#[cfg(test)]
mod tests;
