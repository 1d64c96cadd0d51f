//! Rechunk staging: a source read in a chunking that cuts across its stored chunks is read
//! once in its own chunks and stored, and the rechunk reads pieces of the stored chunks.
//!
//! A rechunk is normally fused into its reader: each task reads the region of its new chunk
//! straight from the input. For a computed input that costs nothing extra (its chunks are
//! stored and a task copies the pieces it needs), and for generated values it is the cheapest
//! plan. A store is different: a compressed chunk is decoded whole even when a task needs a
//! sliver of it, so rechunking row chunks into column chunks decodes every stored chunk once
//! per column chunk (a hundredfold for `(20000, 200)` to `(200, 20000)`).
//!
//! This pass computes that read amplification (the bytes of the input chunks each new chunk
//! touches, summed over the new chunks, over the array's bytes) for every rechunk of a source,
//! through the elementwise work between them. Above [`MAX_AMPLIFICATION`] the source becomes a
//! stage of its own: each stored chunk is decoded once and kept until its last reader. It is
//! the two-stage algorithm of rechunker with the source's own chunks as the intermediate:
//! stored chunks stay in memory while they fit the budget and are spilled to local disk beyond
//! it (never re-read, which would bring the amplification back), and the new chunks read only
//! the boxes they need from them, so no stage's task holds more than one new chunk plus its
//! pieces, and the spill files are as large as the store's chunks.

use super::{Pass, StageGraph};
use crate::chunks::{AxisChunks, ChunkGrid};
use crate::expr::{Node, NodeId, Op};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// Read amplification above which a rechunked source is staged in its own chunks.
pub(crate) const MAX_AMPLIFICATION: f64 = 2.0;

/// The rechunk-staging pass.
pub(crate) struct RechunkStaging;

impl Pass for RechunkStaging {
    fn name(&self) -> &'static str {
        "rechunk-staging"
    }

    fn run(
        &self,
        graph: &mut StageGraph,
        _stages: &[Arc<Node>],
        stage_of: &HashMap<NodeId, usize>,
    ) -> Option<String> {
        let mut what = Vec::new();
        let mut seen = HashSet::new();
        let mut stack: Vec<Arc<Node>> = graph.outputs.clone();
        while let Some(n) = stack.pop() {
            if !seen.insert(n.id) {
                continue;
            }
            stack.extend(n.inputs().into_iter().cloned());
            let Op::Rechunk(input) = &n.op else {
                continue;
            };
            for src in rechunked_sources(input, &n.shape, stage_of) {
                if graph.spill.contains(&src.id) {
                    continue;
                }
                let amp = amplification(&src.grid, &n.grid);
                if amp <= MAX_AMPLIFICATION {
                    continue;
                }
                graph.held.insert(src.id);
                graph.spill.insert(src.id);
                what.push(format!(
                    "staged {} in its chunks {} for a rechunk to {} (reading it directly \
                     would decode {amp:.1}x its bytes); spilled over the memory budget",
                    src.label(),
                    src.grid.describe(),
                    n.grid.describe()
                ));
            }
        }
        (!what.is_empty()).then(|| what.join("; "))
    }
}

/// The sources of the same shape that a rechunk of `input` reads through elementwise work
/// only (no transpose, slice or stage in between, so that their chunks line up with the
/// rechunk's coordinates).
fn rechunked_sources(
    input: &Arc<Node>,
    shape: &[usize],
    stage_of: &HashMap<NodeId, usize>,
) -> Vec<Arc<Node>> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let mut stack = vec![input.clone()];
    while let Some(n) = stack.pop() {
        if !seen.insert(n.id) || n.shape != shape {
            continue;
        }
        if matches!(n.op, Op::Source(_)) {
            out.push(n);
        } else if n.is_elementwise() && !stage_of.contains_key(&n.id) {
            stack.extend(n.inputs().into_iter().cloned());
        }
    }
    out
}

/// Bytes of `from`'s chunks that the chunks of `to` touch, summed over `to`'s chunks, over
/// the array's bytes (1 when the grids line up or `to` is coarser).
pub(crate) fn amplification(from: &ChunkGrid, to: &ChunkGrid) -> f64 {
    (0..from.ndim())
        .map(|ax| {
            let (f, t) = (from.axis(ax), to.axis(ax));
            let len = f.offset(f.count());
            if len == 0 {
                return 1.0;
            }
            let touched: usize = (0..t.count())
                .map(|j| covered(f, t.offset(j), t.offset(j + 1)))
                .sum();
            touched as f64 / len as f64
        })
        .product()
}

/// The length of the chunks of `axis` that overlap `start..end`.
fn covered(axis: &AxisChunks, start: usize, end: usize) -> usize {
    if start >= end {
        return 0;
    }
    let (a, b) = (axis.chunk_of(start), axis.chunk_of(end - 1));
    axis.offset(b + 1) - axis.offset(a)
}

#[cfg(test)]
mod tests {
    use super::amplification;
    use crate::chunks::{ChunkGrid, ChunkSpec};
    use crate::plan::optimize::test_source::source;
    use crate::ComputeOptions;
    use ndarray::Axis;
    use std::sync::atomic::Ordering;

    #[test]
    fn a_rechunked_store_is_decoded_once_even_when_spilled() {
        for (limit, spills) in [(None, false), (Some(6_000), true)] {
            for threads in [1, 3] {
                let (x, src) = source(&[40, 40], &[40, 4]); // column chunks of 1280 bytes
                let rows = x.rechunk([4, 40]).unwrap();
                let s = rows.sum(1).unwrap();
                let text = s.explain();
                assert!(
                    text.contains("pass rechunk-staging: staged counting in its chunks")
                        && text.contains("decode 10.0x its bytes"),
                    "{text}"
                );
                let mut opts = ComputeOptions::new().threads(threads);
                if let Some(l) = limit {
                    opts = opts.memory_limit(l);
                }
                let (got, stats) = s.compute_stats(&opts).unwrap();
                assert_eq!(got, src.data.sum_axis(Axis(1)));
                // Every stored chunk decoded once, although each row chunk reads all of them.
                assert_eq!(src.decoded.load(Ordering::Relaxed), 1600);
                assert_eq!(stats.spilled_chunks > 0, spills, "{stats:?}");
                assert_eq!(stats.dropped_chunks, 0);
                assert!(stats.peak_bytes <= opts.limit(), "{stats:?}");
            }
        }
    }

    #[test]
    fn aligned_or_coarser_rechunks_read_the_store_directly() {
        let (x, src) = source(&[40, 40], &[10, 10]);
        let y = x.rechunk([20, 40]).unwrap().sum(..).unwrap();
        assert!(!y.explain().contains("rechunk-staging"), "{}", y.explain());
        assert_eq!(y.compute_scalar().unwrap(), src.data.sum());
        assert_eq!(src.decoded.load(Ordering::Relaxed), 1600);
    }

    fn grid(shape: &[usize], chunks: &[usize]) -> ChunkGrid {
        ChunkGrid::new(shape, ChunkSpec::from(chunks.to_vec()), 8).unwrap()
    }

    #[test]
    fn amplification_counts_the_stored_chunks_each_new_chunk_decodes() {
        let rows = grid(&[20000, 20000], &[20000, 200]);
        let cols = grid(&[20000, 20000], &[200, 20000]);
        assert_eq!(amplification(&rows, &cols), 100.0);
        assert_eq!(amplification(&cols, &rows), 100.0);
        // Coarser or aligned new chunks decode each stored chunk once.
        assert_eq!(
            amplification(&rows, &grid(&[20000, 20000], &[20000, 400])),
            1.0
        );
        assert_eq!(amplification(&rows, &rows), 1.0);
        // Misaligned by half a chunk: each new chunk touches two stored ones.
        let a = grid(&[100], &[10]);
        let halves = vec![vec![5, 10, 10, 10, 10, 10, 10, 10, 10, 10, 5]];
        let b = ChunkGrid::new(&[100], ChunkSpec::from(halves), 8).unwrap();
        assert_eq!(amplification(&a, &b), 2.0);
    }
}
