//! A source for the passes' tests that counts what it reads.

use crate::chunks::{ChunkGrid, ChunkSpec};
use crate::dtype::{ChunkData, DType, Element};
use crate::error::Result;
use crate::expr::{ChunkSource, Node, Op};
use crate::Array;
use ndarray::{ArrayD, IxDyn, Slice};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// An in-memory source that counts the elements it is asked for, and the elements of its
/// stored chunks a compressed store would decode for those reads.
#[derive(Debug)]
pub(crate) struct Counting {
    pub data: ArrayD<f64>,
    pub grid: ChunkGrid,
    /// Elements asked for.
    pub read: AtomicUsize,
    /// Elements of the stored chunks the reads touched.
    pub decoded: AtomicUsize,
}

impl ChunkSource for Counting {
    fn label(&self) -> String {
        "counting".into()
    }
    fn dtype(&self) -> DType {
        DType::F64
    }
    fn read_into(&self, region: &[(usize, usize)], out: &mut ChunkData) -> Result<()> {
        let view = self.data.slice_each_axis(|a| {
            Slice::from(
                region[a.axis.index()].0..region[a.axis.index()].0 + region[a.axis.index()].1,
            )
        });
        self.read.fetch_add(view.len(), Ordering::Relaxed);
        let decoded: usize = region
            .iter()
            .enumerate()
            .map(|(ax, &(s, l))| {
                let a = self.grid.axis(ax);
                if l == 0 {
                    return 0;
                }
                let (first, last) = (a.chunk_of(s), a.chunk_of(s + l - 1));
                a.offset(last + 1) - a.offset(first)
            })
            .product();
        self.decoded.fetch_add(decoded, Ordering::Relaxed);
        if let Some(o) = f64::chunk_mut(out) {
            o.assign(&view);
        }
        Ok(())
    }
}

/// A counting source of `shape` stored in `chunks`, with values `(i * 37) % 101` in C order.
pub(crate) fn source(shape: &[usize], chunks: &[usize]) -> (Array<f64>, Arc<Counting>) {
    let n: usize = shape.iter().product();
    let data = ArrayD::from_shape_vec(
        IxDyn(shape),
        (0..n).map(|i| ((i * 37) % 101) as f64).collect(),
    )
    .unwrap();
    let grid = ChunkGrid::new(shape, ChunkSpec::PerAxis(chunks.to_vec()), 8).unwrap();
    let src = Arc::new(Counting {
        data,
        grid: grid.clone(),
        read: AtomicUsize::new(0),
        decoded: AtomicUsize::new(0),
    });
    let node = Node::new(DType::F64, shape.to_vec(), grid, Op::Source(src.clone()));
    (Array::wrap(node), src)
}
