//! `blockwise`: a block function over inputs aligned by named indices, as Dask's
//! `blockwise(func, out_ind, *args, concatenate=True)`.

use super::{gather, Array, BlockInfo};
use crate::chunks::{refine_axis, AxisChunks, ChunkGrid};
use crate::dtype::Element;
use crate::error::{Error, Result};
use ndarray::{ArrayD, ArrayViewD};
use std::collections::BTreeMap;

/// Applies `f` block by block to inputs whose axes are named by letters, as Dask's
/// `blockwise(f, out_index, x, "ij", y, "jk", concatenate=True)`.
///
/// Axes with the same letter are aligned (their chunks unified, as elementwise operands'
/// are) and must have the same length. Output block `b` gets, from each input, the block
/// over the output letters' chunks of `b` and the whole of every contracted letter (a
/// letter absent from `out_index`: its blocks concatenated, Dask's `concatenate=True`).
/// `f` returns the output block, whose axes are `out_index`'s letters in order.
///
/// ```
/// use tessera::{blockwise, Array};
/// let a = Array::from_ndarray(ndarray::arr2(&[[1.0, 2.0], [3.0, 4.0]]), 1)?;
/// let b = Array::from_ndarray(ndarray::arr2(&[[5.0, 6.0], [7.0, 8.0]]), 1)?;
/// // A matrix product by blocks: j is contracted, so each block sees whole rows of a and
/// // whole columns of b.
/// let c = blockwise("ik", &[(&a, "ij"), (&b, "jk")], |x, _| {
///     let (x, y) = (x[0].view().into_dimensionality::<ndarray::Ix2>().unwrap(),
///                   x[1].view().into_dimensionality::<ndarray::Ix2>().unwrap());
///     Ok(x.dot(&y).into_dyn())
/// })?;
/// assert_eq!(c.compute()?, ndarray::arr2(&[[19.0, 22.0], [43.0, 50.0]]).into_dyn());
/// # Ok::<(), tessera::Error>(())
/// ```
pub fn blockwise<T, U, F>(out_index: &str, inputs: &[(&Array<T>, &str)], f: F) -> Result<Array<U>>
where
    T: Element,
    U: Element,
    F: Fn(&[ArrayViewD<'_, T>], &BlockInfo) -> Result<ArrayD<U>> + Send + Sync + 'static,
{
    let op = "blockwise";
    let bad = |msg: String| Error::Argument { op: op.into(), msg };
    let out: Vec<char> = out_index.chars().collect();
    let mut lens: BTreeMap<char, usize> = BTreeMap::new();
    let mut axes_of: BTreeMap<char, Vec<AxisChunks>> = BTreeMap::new();
    let mut names: Vec<Vec<char>> = Vec::with_capacity(inputs.len());
    for (x, index) in inputs {
        let letters: Vec<char> = index.chars().collect();
        if letters.len() != x.ndim() {
            return Err(bad(format!(
                "index '{index}' names {} axes of an array of shape {:?}",
                letters.len(),
                x.shape()
            )));
        }
        for (a, &c) in letters.iter().enumerate() {
            if letters[..a].contains(&c) {
                return Err(bad(format!("letter '{c}' repeated in '{index}'")));
            }
            let len = x.shape()[a];
            if let Some(&l) = lens.get(&c) {
                if l != len {
                    return Err(Error::Shape {
                        op: op.into(),
                        msg: format!("letter '{c}' has lengths {l} and {len}"),
                    });
                }
            }
            lens.insert(c, len);
            axes_of
                .entry(c)
                .or_default()
                .push(x.chunks().axis(a).clone());
        }
        names.push(letters);
    }
    for (i, c) in out.iter().enumerate() {
        if !lens.contains_key(c) || out[..i].contains(c) {
            return Err(bad(format!(
                "output letter '{c}' is repeated or names no input axis"
            )));
        }
    }
    if inputs.is_empty() {
        return Err(bad("needs at least one input".into()));
    }
    // The chunks of each output letter: every input's chunks of it, unified.
    let chunks: BTreeMap<char, AxisChunks> = out
        .iter()
        .map(|&c| {
            let from: Vec<&AxisChunks> = axes_of[&c].iter().collect();
            (c, refine_axis(lens[&c], &from))
        })
        .collect();
    let aligned: Vec<Array<T>> = inputs
        .iter()
        .zip(&names)
        .map(|((x, _), letters)| {
            let axes = letters
                .iter()
                .enumerate()
                .map(|(a, c)| {
                    chunks
                        .get(c)
                        .cloned()
                        .unwrap_or_else(|| x.chunks().axis(a).clone())
                })
                .collect();
            Array::wrap(x.rechunk_to(ChunkGrid::from_axes(axes)))
        })
        .collect();
    let grid = ChunkGrid::from_axes(out.iter().map(|c| chunks[c].clone()).collect());
    let (out_r, lens_r) = (out.clone(), lens.clone());
    let reads = move |index: &[usize]| {
        let block: BTreeMap<char, (usize, usize)> = out_r
            .iter()
            .zip(index)
            .map(|(c, &i)| (*c, (chunks[c].offset(i), chunks[c].size(i))))
            .collect();
        names
            .iter()
            .enumerate()
            .map(|(k, letters)| {
                let region = letters
                    .iter()
                    .map(|c| block.get(c).copied().unwrap_or((0, lens_r[c])))
                    .collect();
                (k, region)
            })
            .collect()
    };
    let refs: Vec<&Array<T>> = aligned.iter().collect();
    Ok(gather(op, &refs, grid, reads, move |blocks, info| {
        let out = f(blocks, info)?;
        if out.shape() != info.out_shape.as_slice() {
            return Err(Error::Shape {
                op: op.into(),
                msg: format!(
                    "the function returned a block of shape {:?} for block {:?}, whose shape \
                     is {:?}",
                    out.shape(),
                    info.index,
                    info.out_shape
                ),
            });
        }
        Ok(out)
    }))
}
