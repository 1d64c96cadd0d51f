//! Joining arrays: `concatenate` along an existing axis and `stack` along a new one.

use super::axis::{resolve_axis, AxisIndex};
use super::Array;
use crate::chunks::{refine_axis, AxisChunks, ChunkGrid};
use crate::dtype::Element;
use crate::error::{Error, Result};
use crate::expr::{Node, Op};
use std::sync::Arc;

/// Joins arrays along an existing axis, like NumPy's `concatenate`.
///
/// The result's chunks along `axis` are the inputs' chunks one after another; along the other
/// axes the inputs' chunk boundaries are merged as for elementwise operands. Each chunk of
/// the result is computed from one input, with that input's elementwise work fused in.
///
/// ```
/// use tessera::{concatenate, Array};
/// let a = Array::<i32>::from_ndarray(ndarray::arr2(&[[0, 1, 2], [3, 4, 5]]), 2).unwrap();
/// let b = &a * 10;
/// let c = concatenate(&[&a, &b], 0).unwrap();
/// assert_eq!(c.shape(), &[4, 3]);
/// assert_eq!(c.chunks().chunks(0), vec![2, 2]);
/// let v = c.compute().unwrap();
/// assert_eq!(v[[3, 2]], 50);
/// ```
///
/// Errors name the offending input: an empty list, 0-d arrays, different numbers of
/// dimensions, or lengths that differ along an axis other than `axis`.
pub fn concatenate<T: Element>(arrays: &[&Array<T>], axis: impl AxisIndex) -> Result<Array<T>> {
    let op = "concatenate";
    let first = check_same(op, arrays)?;
    let nd = first.ndim();
    if nd == 0 {
        return Err(Error::Shape {
            op: op.into(),
            msg: "zero-dimensional arrays cannot be concatenated".into(),
        });
    }
    let axis = resolve_axis(op, axis, nd)?;
    for (i, a) in arrays.iter().enumerate() {
        for d in (0..nd).filter(|&d| d != axis) {
            if a.shape()[d] != first.shape()[d] {
                return Err(Error::Shape {
                    op: op.into(),
                    msg: format!(
                        "array {i} has shape {:?} but array 0 has shape {:?}: all lengths \
                         except along axis {axis} must match",
                        a.shape(),
                        first.shape()
                    ),
                });
            }
        }
    }
    // Inputs of length 0 along the axis add nothing (unless every input is empty).
    let mut inputs: Vec<Arc<Node>> = arrays
        .iter()
        .filter(|a| a.shape()[axis] > 0)
        .map(|a| a.node.clone())
        .collect();
    if inputs.is_empty() {
        inputs.push(first.node.clone());
    }
    if inputs.len() == 1 {
        return Ok(Array::wrap(inputs.remove(0)));
    }
    let mut shape = first.shape().to_vec();
    shape[axis] = inputs.iter().map(|n| n.shape[axis]).sum();
    let axes = (0..nd)
        .map(|d| {
            if d == axis {
                AxisChunks::from_sizes(inputs.iter().flat_map(|n| n.grid.chunks(d)).collect())
            } else {
                let all: Vec<&AxisChunks> = inputs.iter().map(|n| n.grid.axis(d)).collect();
                refine_axis(shape[d], &all)
            }
        })
        .collect();
    Ok(Array::wrap(Node::new(
        T::DTYPE,
        shape,
        ChunkGrid::from_axes(axes),
        Op::Concat {
            axis,
            stack: false,
            inputs,
        },
    )))
}

/// Joins arrays of one shape along a new axis at position `axis`, like NumPy's `stack`.
///
/// The new axis has one chunk per input; the other axes are chunked as for elementwise
/// operands.
///
/// ```
/// use tessera::{stack, Array};
/// let a = Array::<f64>::arange(0.0, 5.0, 1.0, 2).unwrap();
/// let b = a.sin();
/// let s = stack(&[&a, &b], 1).unwrap();
/// assert_eq!(s.shape(), &[5, 2]);
/// let v = s.compute().unwrap();
/// assert_eq!(v[[3, 0]], 3.0);
/// assert_eq!(v[[3, 1]], 3f64.sin());
/// ```
pub fn stack<T: Element>(arrays: &[&Array<T>], axis: impl AxisIndex) -> Result<Array<T>> {
    let op = "stack";
    let first = check_same(op, arrays)?;
    let nd = first.ndim() + 1;
    let axis = resolve_axis(op, axis, nd)?;
    for (i, a) in arrays.iter().enumerate() {
        if a.shape() != first.shape() {
            return Err(Error::Shape {
                op: op.into(),
                msg: format!(
                    "array {i} has shape {:?} but array 0 has shape {:?}: stacked arrays \
                     must have one shape",
                    a.shape(),
                    first.shape()
                ),
            });
        }
    }
    let inputs: Vec<Arc<Node>> = arrays.iter().map(|a| a.node.clone()).collect();
    let mut shape = first.shape().to_vec();
    shape.insert(axis, inputs.len());
    let mut axes: Vec<AxisChunks> = (0..first.ndim())
        .map(|d| {
            let all: Vec<&AxisChunks> = inputs.iter().map(|n| n.grid.axis(d)).collect();
            refine_axis(first.shape()[d], &all)
        })
        .collect();
    axes.insert(axis, AxisChunks::regular(1, inputs.len()));
    Ok(Array::wrap(Node::new(
        T::DTYPE,
        shape,
        ChunkGrid::from_axes(axes),
        Op::Concat {
            axis,
            stack: true,
            inputs,
        },
    )))
}

/// The first array, after checking that there is one and that all have its number of axes.
fn check_same<'a, T: Element>(op: &str, arrays: &[&'a Array<T>]) -> Result<&'a Array<T>> {
    let first = *arrays.first().ok_or_else(|| Error::Argument {
        op: op.into(),
        msg: "needs at least one array".into(),
    })?;
    for (i, a) in arrays.iter().enumerate() {
        if a.ndim() != first.ndim() {
            return Err(Error::Shape {
                op: op.into(),
                msg: format!(
                    "array {i} has {} dimensions but array 0 has {}",
                    a.ndim(),
                    first.ndim()
                ),
            });
        }
    }
    Ok(first)
}
