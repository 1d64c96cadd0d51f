//! Scans along one axis of a chunk: the running sums and products of `cumsum`, `cumprod`,
//! `nancumsum`, `nancumprod`, each lane accumulated in order.
//!
//! A lane starts from its carry (the accumulated totals of the chunks before it along the
//! axis) or, in the first chunk, from its first element, so the first two chunks of a float
//! scan match a sequential scan bit for bit; later chunks add the chunk totals in order, as
//! Dask does, which may differ in the last bits. The order depends only on the chunking, so
//! results are the same for any thread count.

use crate::dtype::{with_dtype, ChunkData, Element};
use crate::error::{Error, Result};
use crate::expr::ScanKind;
use ndarray::{ArrayD, ArrayViewD, Axis};
use tessera_kernels::scalar::Arith;

/// One accumulation step; `acc` is `None` before the first element of a lane.
#[inline]
fn step<S: Element + Arith>(kind: ScanKind, acc: Option<S>, x: S) -> S {
    let x = match kind {
        ScanKind::NanSum if x.is_nan() => S::zero(),
        ScanKind::NanProd if x.is_nan() => S::one(),
        _ => x,
    };
    match (acc, kind) {
        (None, _) => x,
        (Some(a), ScanKind::Sum | ScanKind::NanSum) => a.add(x),
        (Some(a), ScanKind::Prod | ScanKind::NanProd) => a.mul(x),
    }
}

/// Scans `input` (any dtype) along `axis` into a new chunk of the result dtype, starting
/// every lane from the matching element of `carry` (the input's shape with length 1 along
/// `axis`, already of the result dtype) when given. With `totals_only`, returns only each
/// lane's last value (length 1 along `axis`).
pub(crate) fn scan(
    kind: ScanKind,
    axis: usize,
    input: &ChunkData,
    carry: Option<&ChunkData>,
    totals_only: bool,
) -> Result<ChunkData> {
    with_dtype!(input.dtype(), T => {
        let a = T::view(input).ok_or_else(|| Error::internal(kind.name(), "input of another dtype"))?;
        scan_typed::<T, <T as Element>::Sum>(kind, axis, a, carry, totals_only)
    })
}

fn scan_typed<T: Element, S: Element + Arith>(
    kind: ScanKind,
    axis: usize,
    a: ArrayViewD<'_, T>,
    carry: Option<&ChunkData>,
    totals_only: bool,
) -> Result<ChunkData> {
    let carry = match carry {
        Some(c) => {
            Some(S::view(c).ok_or_else(|| Error::internal(kind.name(), "carry of another dtype"))?)
        }
        None => None,
    };
    let mut shape = a.shape().to_vec();
    if totals_only {
        shape[axis] = 1;
    }
    let mut out = ArrayD::<S>::default(ndarray::IxDyn(&shape));
    let n = a.shape()[axis];
    // The lanes of the input, the output and the carry (same shape but along `axis`) come in
    // the same order.
    let mut carries = carry.as_ref().map(|c| c.lanes(Axis(axis)).into_iter());
    for (src, mut dst) in a
        .lanes(Axis(axis))
        .into_iter()
        .zip(out.lanes_mut(Axis(axis)))
    {
        let mut acc: Option<S> = carries.as_mut().and_then(|c| c.next()).map(|l| l[0]);
        for i in 0..n {
            let v = step(kind, acc, S::cast_from(src[i]));
            acc = Some(v);
            if !totals_only {
                dst[i] = v;
            }
        }
        if let (true, Some(v)) = (totals_only, acc) {
            dst[0] = v;
        }
    }
    Ok(S::into_chunk(out))
}

/// The carry of the chunk after `totals` (the totals of the preceding chunks along `axis`,
/// in order): their accumulation, lane by lane, as a chunk of length 1 along `axis`.
pub(crate) fn carry(kind: ScanKind, axis: usize, totals: &ChunkData) -> Result<ChunkData> {
    // Totals are of the result dtype, and those of the NaN-skipping kinds hold no NaN, so
    // accumulating them is a scan that keeps each lane's last value.
    scan(kind, axis, totals, None, true)
}
