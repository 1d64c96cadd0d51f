//! `tensordot` and `einsum`: contractions over any axes, as transposes and reshapes around
//! one (batched) [`matmul`](Array::matmul).

use super::axis::resolve_axes;
use super::Array;
use crate::dtype::Numeric;
use crate::error::{Error, Result};

impl<T: Numeric> Array<T> {
    /// The tensor contraction of NumPy's `tensordot(a, b, axes=(axes_a, axes_b))`: axis
    /// `axes_a[i]` of `self` is summed against axis `axes_b[i]` of `other`; the result has
    /// the remaining axes of `self`, then those of `other`, in order.
    ///
    /// Both operands are transposed so that the contracted axes meet, reshaped into
    /// matrices and multiplied with [`matmul`](Array::matmul) (blocked, one contracted block
    /// at a time per task).
    ///
    /// ```
    /// use tessera::Array;
    /// let a = Array::<i64>::arange(0, 24, 1, 5)?.reshape(&[2, 3, 4])?;
    /// let b = Array::<i64>::arange(0, 12, 1, 5)?.reshape(&[4, 3])?;
    /// // Sum over a's axes 1 and 2 against b's axes 1 and 0.
    /// let c = a.tensordot(&b, &[1, 2], &[1, 0])?.compute()?;
    /// assert_eq!(c, ndarray::arr1(&[440, 1232]).into_dyn()); // numpy.tensordot(a, b, ([1, 2], [1, 0]))
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn tensordot(
        &self,
        other: &Array<T>,
        axes_a: &[isize],
        axes_b: &[isize],
    ) -> Result<Array<T>> {
        let op = "tensordot";
        let axes_a = &resolve_axes(op, axes_a, self.ndim())?[..];
        let axes_b = &resolve_axes(op, axes_b, other.ndim())?[..];
        let bad = |msg: String| Error::Argument { op: op.into(), msg };
        if axes_a.len() != axes_b.len() {
            return Err(bad(format!(
                "{} axes of the first operand against {} of the second",
                axes_a.len(),
                axes_b.len()
            )));
        }
        for (axes, x) in [(axes_a, self), (axes_b, other)] {
            for (i, &ax) in axes.iter().enumerate() {
                if axes[..i].contains(&ax) {
                    return Err(Error::Axis {
                        op: op.into(),
                        axis: ax as isize,
                        ndim: x.ndim(),
                    });
                }
            }
        }
        for (&i, &j) in axes_a.iter().zip(axes_b) {
            if self.shape()[i] != other.shape()[j] {
                return Err(Error::Shape {
                    op: op.into(),
                    msg: format!(
                        "axis {i} of shape {:?} has length {}, axis {j} of shape {:?} has {}",
                        self.shape(),
                        self.shape()[i],
                        other.shape(),
                        other.shape()[j]
                    ),
                });
            }
        }
        let free_a: Vec<usize> = (0..self.ndim()).filter(|a| !axes_a.contains(a)).collect();
        let free_b: Vec<usize> = (0..other.ndim()).filter(|a| !axes_b.contains(a)).collect();
        let len =
            |x: &Array<T>, axes: &[usize]| axes.iter().map(|&a| x.shape()[a]).product::<usize>();
        let (m, k, n) = (len(self, &free_a), len(self, axes_a), len(other, &free_b));
        let a = self
            .permute_axes(&[free_a.clone(), axes_a.to_vec()].concat())?
            .reshape(&[m, k])?;
        let b = other
            .permute_axes(&[axes_b.to_vec(), free_b.clone()].concat())?
            .reshape(&[k, n])?;
        let shape: Vec<usize> = free_a
            .iter()
            .map(|&a| self.shape()[a])
            .chain(free_b.iter().map(|&b| other.shape()[b]))
            .collect();
        a.matmul(&b)?.reshape(&shape)
    }
}

/// Einstein summation over one or two arrays, as `numpy.einsum(subscripts, *operands)`.
///
/// Each operand's axes are named by letters; letters shared by both operands and absent
/// from the output are summed over (a contraction), letters in the output are kept, and a
/// letter of one operand absent from the output is summed out first. Without `->`, the
/// output is the letters that appear once, in alphabetical order (NumPy's rule). A letter
/// repeated within one 2-d operand takes its diagonal (`ii->i`, `ii->` the trace).
/// Contractions become one batched [`matmul`](Array::matmul) (batch letters: in both
/// operands and the output).
///
/// Supported: matrix products (`ij,jk->ik`), batched products (`bij,bjk->bik`),
/// contractions over several axes (`ijk,jkl->il`), outer products (`i,j->ij`), inner
/// products, transposes (`ij->ji`), sums (`ij->i`), traces and diagonals. Ellipses, more
/// than two operands and repeated letters elsewhere are refused with an error.
///
/// ```
/// use tessera::{einsum, Array};
/// let a = Array::from_ndarray(ndarray::arr2(&[[1, 2], [3, 4]]), 1)?;
/// let b = Array::from_ndarray(ndarray::arr2(&[[5, 6], [7, 8]]), 1)?;
/// assert_eq!(einsum("ij,jk->ik", &[&a, &b])?.compute()?, ndarray::arr2(&[[19, 22], [43, 50]]).into_dyn());
/// assert_eq!(einsum("ii", &[&a])?.compute_scalar()?, 5);
/// assert_eq!(einsum("ij->j", &[&a])?.compute()?, ndarray::arr1(&[4, 6]).into_dyn());
/// # Ok::<(), tessera::Error>(())
/// ```
pub fn einsum<T: Numeric>(subscripts: &str, operands: &[&Array<T>]) -> Result<Array<T>> {
    let op = "einsum";
    let bad = |msg: String| Error::Argument { op: op.into(), msg };
    let spec: String = subscripts.chars().filter(|c| !c.is_whitespace()).collect();
    if spec.contains("...") {
        return Err(bad("ellipses ('...') are not supported".into()));
    }
    let (inputs, output) = match spec.split_once("->") {
        Some((i, o)) => (i.to_string(), Some(o.to_string())),
        None => (spec.clone(), None),
    };
    let terms: Vec<Vec<char>> = inputs.split(',').map(|t| t.chars().collect()).collect();
    if terms.len() != operands.len() {
        return Err(bad(format!(
            "{} operands for the {} terms of '{subscripts}'",
            operands.len(),
            terms.len()
        )));
    }
    if terms.is_empty() || terms.len() > 2 {
        return Err(bad(format!(
            "takes one or two operands, got {} (contract them pairwise)",
            terms.len()
        )));
    }
    for (t, x) in terms.iter().zip(operands) {
        if let Some(c) = t.iter().find(|c| !c.is_ascii_alphabetic()) {
            return Err(bad(format!("'{c}' is not a subscript letter")));
        }
        if t.len() != x.ndim() {
            return Err(bad(format!(
                "term '{}' names {} axes of an array of shape {:?}",
                t.iter().collect::<String>(),
                t.len(),
                x.shape()
            )));
        }
    }
    let all: Vec<char> = terms.concat();
    let output: Vec<char> = match output {
        Some(o) => o.chars().collect(),
        None => {
            let mut once: Vec<char> = all
                .iter()
                .copied()
                .filter(|c| all.iter().filter(|d| *d == c).count() == 1)
                .collect();
            once.sort_unstable();
            once
        }
    };
    for (i, c) in output.iter().enumerate() {
        if !all.contains(c) || output[..i].contains(c) {
            return Err(bad(format!(
                "output letter '{c}' is repeated or names no input axis"
            )));
        }
    }
    // Letters repeated within one term: the diagonal of a 2-d operand.
    let mut parts: Vec<(Vec<char>, Array<T>)> = Vec::new();
    for (t, x) in terms.iter().zip(operands) {
        let repeated = t.iter().any(|c| t.iter().filter(|d| *d == c).count() > 1);
        if !repeated {
            parts.push((t.clone(), (*x).clone()));
        } else if t.len() == 2 {
            parts.push((vec![t[0]], crate::linalg::diagonal(x, 0)?));
        } else {
            return Err(bad(format!(
                "a letter repeated within '{}' (only the diagonal of a 2-d operand, 'ii', is \
                 supported)",
                t.iter().collect::<String>()
            )));
        }
    }
    // Letters of one operand that appear nowhere else are summed out first.
    let others = |i: usize, parts: &[(Vec<char>, Array<T>)]| -> Vec<char> {
        let mut v: Vec<char> = output.clone();
        for (j, (t, _)) in parts.iter().enumerate() {
            if j != i {
                v.extend(t);
            }
        }
        v
    };
    for i in 0..parts.len() {
        let keep = others(i, &parts);
        let (t, x) = &parts[i];
        let drop: Vec<usize> = (0..t.len()).filter(|&a| !keep.contains(&t[a])).collect();
        if !drop.is_empty() {
            let summed = x.sum(drop.clone())?.astype::<T>();
            let rest: Vec<char> = (0..t.len())
                .filter(|a| !drop.contains(a))
                .map(|a| t[a])
                .collect();
            parts[i] = (rest, summed);
        }
    }
    let (letters, result) = if parts.len() == 1 {
        parts.remove(0)
    } else {
        let (tb, b) = parts.remove(1);
        let (ta, a) = parts.remove(0);
        contract_pair(&ta, &a, &tb, &b, &output)?
    };
    // Transpose to the output's order.
    let perm: Vec<usize> = output
        .iter()
        .map(|c| letters.iter().position(|d| d == c))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| Error::internal(op, "an output letter was lost"))?;
    result.permute_axes(&perm)
}

/// The product of two operands named by distinct letters each (every letter is in the
/// other operand or the output): batch letters (both operands and the output) lead, then
/// the kept letters of `a`, then those of `b`.
fn contract_pair<T: Numeric>(
    ta: &[char],
    a: &Array<T>,
    tb: &[char],
    b: &Array<T>,
    output: &[char],
) -> Result<(Vec<char>, Array<T>)> {
    let batch: Vec<char> = ta
        .iter()
        .copied()
        .filter(|c| tb.contains(c) && output.contains(c))
        .collect();
    let summed: Vec<char> = ta
        .iter()
        .copied()
        .filter(|c| tb.contains(c) && !output.contains(c))
        .collect();
    let keep_a: Vec<char> = ta.iter().copied().filter(|c| !tb.contains(c)).collect();
    let keep_b: Vec<char> = tb.iter().copied().filter(|c| !ta.contains(c)).collect();
    let pos = |t: &[char], c: &char| t.iter().position(|d| d == c).unwrap_or(0);
    let len = |t: &[char], x: &Array<T>, cs: &[char]| {
        cs.iter().map(|c| x.shape()[pos(t, c)]).product::<usize>()
    };
    for c in batch.iter().chain(&summed) {
        let (la, lb) = (a.shape()[pos(ta, c)], b.shape()[pos(tb, c)]);
        if la != lb {
            return Err(Error::Shape {
                op: "einsum".into(),
                msg: format!("letter '{c}' has length {la} in one operand and {lb} in the other"),
            });
        }
    }
    let order = |t: &[char], groups: [&[char]; 3]| -> Vec<usize> {
        groups
            .iter()
            .flat_map(|g| g.iter().map(|c| pos(t, c)))
            .collect()
    };
    let batch_shape: Vec<usize> = batch.iter().map(|c| a.shape()[pos(ta, c)]).collect();
    let (m, k, n) = (
        len(ta, a, &keep_a),
        len(ta, a, &summed),
        len(tb, b, &keep_b),
    );
    let a2 = a
        .permute_axes(&order(ta, [&batch, &keep_a, &summed]))?
        .reshape(&[batch_shape.clone(), vec![m, k]].concat())?;
    let b2 = b
        .permute_axes(&order(tb, [&batch, &summed, &keep_b]))?
        .reshape(&[batch_shape.clone(), vec![k, n]].concat())?;
    let shape: Vec<usize> = batch_shape
        .iter()
        .copied()
        .chain(keep_a.iter().map(|c| a.shape()[pos(ta, c)]))
        .chain(keep_b.iter().map(|c| b.shape()[pos(tb, c)]))
        .collect();
    let product = a2.matmul(&b2)?.reshape(&shape)?;
    let letters = [batch, keep_a, keep_b].concat();
    Ok((letters, product))
}
