//! Elementwise operations with NumPy broadcasting and chunk unification, and axis
//! permutations.

use super::axis::{resolve_axes, AxisIndex};
use super::Array;
use crate::chunks::{refine_axis, AxisChunks, ChunkGrid};
use crate::dtype::{DType, Element, Float, Numeric};
use crate::error::{Error, Result};
use crate::expr::{BinaryOp, Node, Op, UnaryOp};
use std::sync::Arc;

/// Something usable as an operand next to an `Array<T>`: another array (owned or borrowed)
/// or a scalar of the same type.
///
/// The trait is sealed: only tessera's arrays and element types implement it, so every
/// operand's expression node is one tessera built and checked (its dtype is `T`, its chunk
/// grid matches its shape). Neither a foreign type nor a hand-built node can pose as an
/// operand:
///
/// ```compile_fail
/// struct Fake;
/// impl tessera::Operand<f64> for Fake {} // the sealed supertrait is not implemented
/// ```
///
/// ```compile_fail
/// // The expression graph is crate-private: nodes cannot be built outside tessera.
/// use tessera::expr::Node;
/// ```
pub trait Operand<T: Element>: sealed::OperandNode<T> {}

/// Something usable next to an `Array<T>` in arithmetic, comparisons and NumPy's binary
/// functions: an array of any element type (owned or borrowed) or a scalar of the array's
/// type. Both operands are converted to [`Output`](MixedOperand::Output), the
/// type NumPy 2 promotes them to (see [`promotion`](crate::promotion)): another array by
/// [`Promote`]; a scalar has the array's type, so a literal never widens the array
/// (`x_f32.try_mul(2.0)` stays `f32`).
///
/// ```
/// use tessera::Array;
/// let i = Array::<i32>::arange(0, 3, 1, 2)?;
/// let x = Array::<f64>::full(&[3], 0.5, 2)?;
/// let s: Array<f64> = i.try_add(&x)?; // i32 with f64 gives f64
/// assert_eq!(s.compute()?.as_slice().unwrap(), &[0.5, 1.5, 2.5]);
/// # Ok::<(), tessera::Error>(())
/// ```
///
/// Like [`Operand`], the trait is sealed:
///
/// ```compile_fail
/// struct Fake;
/// impl tessera::MixedOperand<f64> for Fake { type Output = f64; }
/// ```
pub trait MixedOperand<T: Element>: sealed::PromotedNode<T> {
    /// The element type both operands are converted to.
    type Output: Element;
}

pub(crate) mod sealed {
    use crate::dtype::{DType, Element};
    use crate::error::Result;
    use crate::expr::Node;
    use std::sync::Arc;

    /// The operand's expression node (not nameable outside the crate).
    pub trait OperandNode<T: Element> {
        /// The operand's expression node.
        fn node(self) -> Arc<Node>;
    }

    /// The operand's expression node converted to a promoted type (not nameable outside
    /// the crate).
    pub trait PromotedNode<T: Element> {
        /// The operand's node converted to `out`; an error naming `op` for a weak integer
        /// scalar that `out` cannot hold.
        fn promoted_node(self, op: &str, out: DType) -> Result<Arc<Node>>;
    }
}

use crate::promotion::Promote;
use sealed::{OperandNode, PromotedNode};

/// `node` converted to `out` (itself when it already has that type).
pub(crate) fn cast_node(node: &Arc<Node>, out: DType) -> Arc<Node> {
    if node.dtype == out {
        return node.clone();
    }
    Node::new(
        out,
        node.shape.clone(),
        node.grid.clone(),
        Op::Unary(UnaryOp::Cast(out), node.clone()),
    )
}

/// A 0-d node holding `s` converted to `out`.
pub(crate) fn scalar_node<S: Element>(s: S, out: DType) -> Arc<Node> {
    crate::dtype::with_dtype!(out, O => Array::<O>::scalar(O::cast_from(s)).node)
}

impl<T: Element, U: Element> PromotedNode<T> for &Array<U> {
    fn promoted_node(self, _op: &str, out: DType) -> Result<Arc<Node>> {
        Ok(cast_node(&self.node, out))
    }
}

impl<T: Element, U: Element> PromotedNode<T> for Array<U> {
    fn promoted_node(self, _op: &str, out: DType) -> Result<Arc<Node>> {
        Ok(cast_node(&self.node, out))
    }
}

impl<T: Element> PromotedNode<T> for T {
    fn promoted_node(self, _op: &str, out: DType) -> Result<Arc<Node>> {
        Ok(scalar_node(self, out))
    }
}

impl<T: Promote<U>, U: Element> MixedOperand<T> for &Array<U> {
    type Output = <T as Promote<U>>::Output;
}

impl<T: Promote<U>, U: Element> MixedOperand<T> for Array<U> {
    type Output = <T as Promote<U>>::Output;
}

impl<T: Element> MixedOperand<T> for T {
    type Output = T;
}

impl<T: Element> OperandNode<T> for &Array<T> {
    fn node(self) -> Arc<Node> {
        self.node.clone()
    }
}

impl<T: Element> OperandNode<T> for Array<T> {
    fn node(self) -> Arc<Node> {
        self.node
    }
}

impl<T: Element> OperandNode<T> for T {
    fn node(self) -> Arc<Node> {
        Array::scalar(self).node
    }
}

impl<T: Element> Operand<T> for &Array<T> {}
impl<T: Element> Operand<T> for Array<T> {}
impl<T: Element> Operand<T> for T {}

/// The broadcast shape and unified chunk grid of `inputs` (NumPy rules; chunk boundaries of
/// all non-broadcast inputs are merged along each axis, as Dask's `unify_chunks` does).
pub(crate) fn broadcast(op: &str, inputs: &[&Arc<Node>]) -> Result<(Vec<usize>, ChunkGrid)> {
    let nd = inputs.iter().map(|n| n.shape.len()).max().unwrap_or(0);
    let mut shape = vec![1usize; nd];
    for n in inputs {
        let skip = nd - n.shape.len();
        for (k, &s) in n.shape.iter().enumerate() {
            let d = &mut shape[skip + k];
            if s != 1 {
                if *d != 1 && *d != s {
                    let other = inputs
                        .iter()
                        .find(|m| {
                            let sk = nd - m.shape.len();
                            skip + k >= sk && m.shape[skip + k - sk] == *d
                        })
                        .map(|m| m.shape.clone())
                        .unwrap_or_default();
                    return Err(Error::Broadcast {
                        op: op.to_string(),
                        left: other,
                        right: n.shape.clone(),
                    });
                }
                *d = s;
            }
        }
    }
    let mut axes = Vec::with_capacity(nd);
    for (d, &len) in shape.iter().enumerate() {
        let contributing: Vec<&AxisChunks> = inputs
            .iter()
            .filter_map(|n| {
                let skip = nd - n.shape.len();
                (d >= skip && n.shape[d - skip] == len).then(|| n.grid.axis(d - skip))
            })
            .collect();
        axes.push(refine_axis(len, &contributing));
    }
    Ok((shape, ChunkGrid::from_axes(axes)))
}

impl<T: Element> Array<T> {
    pub(crate) fn unary_op<U: Element>(&self, op: UnaryOp) -> Array<U> {
        Array::wrap(Node::new(
            U::DTYPE,
            self.node.shape.clone(),
            self.node.grid.clone(),
            Op::Unary(op, self.node.clone()),
        ))
    }

    pub(crate) fn binary_op<U: Element>(&self, op: BinaryOp, other: Arc<Node>) -> Result<Array<U>> {
        let (shape, grid) = broadcast(op.name(), &[&self.node, &other])?;
        Ok(Array::wrap(Node::new(
            U::DTYPE,
            shape,
            grid,
            Op::Binary(op, self.node.clone(), other),
        )))
    }

    /// `self op other` computed in `C` (both operands converted to it), giving `R`.
    pub(crate) fn promoted<C: Element, R: Element>(
        &self,
        op: BinaryOp,
        other: impl PromotedNode<T>,
    ) -> Result<Array<R>> {
        let rhs = other.promoted_node(op.name(), C::DTYPE)?;
        self.astype::<C>().binary_op(op, rhs)
    }

    /// Converts every element to `U` with Rust's `as` semantics (float to integer saturates,
    /// NaN becomes 0; non-zero becomes `true`).
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::<f64>::arange(0.0, 3.0, 1.0, 2).unwrap();
    /// let b = x.astype::<bool>().astype::<i32>();
    /// assert_eq!(b.compute().unwrap().into_raw_vec_and_offset().0, vec![0, 1, 1]);
    /// ```
    pub fn astype<U: Element>(&self) -> Array<U> {
        if U::DTYPE == T::DTYPE {
            return Array::wrap(self.node.clone());
        }
        self.unary_op(UnaryOp::Cast(U::DTYPE))
    }

    /// Elementwise `==`, giving an `Array<bool>`.
    pub fn equal<O: MixedOperand<T>>(&self, other: O) -> Result<Array<bool>> {
        self.promoted::<O::Output, bool>(BinaryOp::Eq, other)
    }
    /// Elementwise `!=`.
    pub fn not_equal<O: MixedOperand<T>>(&self, other: O) -> Result<Array<bool>> {
        self.promoted::<O::Output, bool>(BinaryOp::Ne, other)
    }
    /// Elementwise `<`.
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::<i32>::arange(0, 5, 1, 2).unwrap();
    /// let n = x.less(2).unwrap().astype::<i32>().sum(..).unwrap();
    /// assert_eq!(n.compute_scalar().unwrap(), 2);
    /// ```
    pub fn less<O: MixedOperand<T>>(&self, other: O) -> Result<Array<bool>> {
        self.promoted::<O::Output, bool>(BinaryOp::Lt, other)
    }
    /// Elementwise `<=`.
    pub fn less_equal<O: MixedOperand<T>>(&self, other: O) -> Result<Array<bool>> {
        self.promoted::<O::Output, bool>(BinaryOp::Le, other)
    }
    /// Elementwise `>`.
    pub fn greater<O: MixedOperand<T>>(&self, other: O) -> Result<Array<bool>> {
        self.promoted::<O::Output, bool>(BinaryOp::Gt, other)
    }
    /// Elementwise `>=`.
    pub fn greater_equal<O: MixedOperand<T>>(&self, other: O) -> Result<Array<bool>> {
        self.promoted::<O::Output, bool>(BinaryOp::Ge, other)
    }

    /// Permutes the axes: axis `i` of the result is axis `axes[i]` of `self`.
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::<f64>::zeros(&[2, 3, 4], 2).unwrap();
    /// assert_eq!(x.permute_axes(&[2, 0, 1]).unwrap().shape(), &[4, 2, 3]);
    /// assert!(x.permute_axes(&[0, 0, 1]).is_err());
    /// ```
    pub fn permute_axes<A: AxisIndex>(&self, axes: &[A]) -> Result<Array<T>> {
        let nd = self.ndim();
        let mut seen = vec![false; nd];
        if axes.len() != nd {
            return Err(Error::Shape {
                op: "permute_axes".into(),
                msg: format!(
                    "{} axes given for an array of {} dimensions",
                    axes.len(),
                    nd
                ),
            });
        }
        let axes = resolve_axes("permute_axes", axes, nd)?;
        let axes = axes.as_slice();
        for &a in axes {
            if seen[a] {
                return Err(Error::Axis {
                    op: "permute_axes".into(),
                    axis: a as isize,
                    ndim: nd,
                });
            }
            seen[a] = true;
        }
        let shape = axes.iter().map(|&a| self.node.shape[a]).collect();
        let grid = ChunkGrid::from_axes(
            axes.iter()
                .map(|&a| self.node.grid.axis(a).clone())
                .collect(),
        );
        Ok(Array::wrap(Node::new(
            T::DTYPE,
            shape,
            grid,
            Op::Transpose(axes.to_vec(), self.node.clone()),
        )))
    }

    /// Reverses the order of the axes (NumPy's `transpose()` without arguments).
    pub fn transpose(&self) -> Array<T> {
        let axes: Vec<usize> = (0..self.ndim()).rev().collect();
        match self.permute_axes(&axes) {
            Ok(a) => a,
            Err(_) => self.clone(),
        }
    }

    /// The transpose (NumPy's `.T`): the axes in reverse order.
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::<f64>::arange(0.0, 6.0, 1.0, 4).unwrap();
    /// # let x = x; // 1-d: `t()` is the identity
    /// assert_eq!(x.t().shape(), &[6]);
    /// ```
    pub fn t(&self) -> Array<T> {
        self.transpose()
    }

    /// The transpose, spelled as in NumPy (`x.T`); same as [`t`](Array::t).
    #[allow(non_snake_case)]
    pub fn T(&self) -> Array<T> {
        self.transpose()
    }
}

impl<T: Numeric> Array<T> {
    /// Elementwise `self + other` with broadcasting; an error if shapes do not broadcast.
    pub fn try_add<O: MixedOperand<T>>(&self, other: O) -> Result<Array<O::Output>> {
        self.promoted::<O::Output, O::Output>(BinaryOp::Add, other)
    }
    /// Elementwise `self - other`.
    pub fn try_sub<O: MixedOperand<T>>(&self, other: O) -> Result<Array<O::Output>> {
        self.promoted::<O::Output, O::Output>(BinaryOp::Sub, other)
    }
    /// Elementwise `self * other`.
    pub fn try_mul<O: MixedOperand<T>>(&self, other: O) -> Result<Array<O::Output>> {
        self.promoted::<O::Output, O::Output>(BinaryOp::Mul, other)
    }
    /// Elementwise true division `self / other` (NumPy's `true_divide`): integers divide as
    /// `f64`; for floored division of integers, [`floor_divide`](Array::floor_divide).
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::<i32>::arange(0, 4, 1, 2)?;
    /// let q: Array<f64> = x.try_div(2)?;
    /// assert_eq!(q.compute()?.as_slice().unwrap(), &[0.0, 0.5, 1.0, 1.5]);
    /// # Ok::<(), tessera::Error>(())
    /// ```
    pub fn try_div<O: MixedOperand<T>>(
        &self,
        other: O,
    ) -> Result<Array<<O::Output as Element>::Quotient>> {
        type Q<O, T> = <<O as MixedOperand<T>>::Output as Element>::Quotient;
        self.promoted::<Q<O, T>, Q<O, T>>(BinaryOp::Div, other)
    }
    /// Elementwise floored remainder (the sign of the divisor, as NumPy's `%`).
    pub fn try_rem<O: MixedOperand<T>>(&self, other: O) -> Result<Array<O::Output>> {
        self.promoted::<O::Output, O::Output>(BinaryOp::Rem, other)
    }
    /// Elementwise power.
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::<i64>::arange(0, 4, 1, 2).unwrap();
    /// assert_eq!(x.pow(2).unwrap().sum(..).unwrap().compute_scalar().unwrap(), 14);
    /// ```
    pub fn pow<O: MixedOperand<T>>(&self, other: O) -> Result<Array<O::Output>> {
        self.promoted::<O::Output, O::Output>(BinaryOp::Pow, other)
    }
    /// Elementwise maximum (NaN propagates).
    pub fn maximum<O: MixedOperand<T>>(&self, other: O) -> Result<Array<O::Output>> {
        self.promoted::<O::Output, O::Output>(BinaryOp::Maximum, other)
    }
    /// Elementwise minimum (NaN propagates).
    pub fn minimum<O: MixedOperand<T>>(&self, other: O) -> Result<Array<O::Output>> {
        self.promoted::<O::Output, O::Output>(BinaryOp::Minimum, other)
    }
    /// Limits values to `[lo, hi]` (NaN stays NaN), like NumPy's `clip`; for one side only,
    /// [`clip_min`](Array::clip_min) and [`clip_max`](Array::clip_max).
    ///
    /// ```
    /// use tessera::Array;
    /// let x = Array::<i32>::arange(0, 6, 1, 4).unwrap();
    /// let c = x.clip(1, 3).unwrap();
    /// assert_eq!(c.compute().unwrap().into_raw_vec_and_offset().0, vec![1, 1, 2, 3, 3, 3]);
    /// ```
    pub fn clip(&self, lo: impl Operand<T>, hi: impl Operand<T>) -> Result<Array<T>> {
        self.binary_op::<T>(BinaryOp::Maximum, lo.node())?
            .binary_op(BinaryOp::Minimum, hi.node())
    }
    /// Elementwise negation (integers wrap).
    pub fn neg(&self) -> Array<T> {
        self.unary_op(UnaryOp::Neg)
    }
    /// Elementwise absolute value.
    pub fn abs(&self) -> Array<T> {
        self.unary_op(UnaryOp::Abs)
    }
    /// Elementwise sign: -1, 0 or 1 (NaN stays NaN).
    pub fn sign(&self) -> Array<T> {
        self.unary_op(UnaryOp::Sign)
    }
}

macro_rules! float_unary {
    ($($name:ident => $op:ident, $doc:literal;)*) => {
        impl<T: Float> Array<T> {
            $(
                #[doc = $doc]
                pub fn $name(&self) -> Array<T> {
                    self.unary_op(UnaryOp::$op)
                }
            )*
        }
    };
}

float_unary! {
    sqrt => Sqrt, "Elementwise square root.";
    exp => Exp, "Elementwise `e^x`.";
    ln => Ln, "Elementwise natural logarithm.";
    log => Ln, "Elementwise natural logarithm (NumPy's name; same as `ln`).";
    log1p => Log1p, "Elementwise `ln(1 + x)`, accurate for small `x`.";
    expm1 => Expm1, "Elementwise `e^x - 1`, accurate for small `x`.";
    sin => Sin, "Elementwise sine.";
    cos => Cos, "Elementwise cosine.";
    tan => Tan, "Elementwise tangent.";
    tanh => Tanh, "Elementwise hyperbolic tangent.";
    floor => Floor, "Elementwise floor.";
    ceil => Ceil, "Elementwise ceiling.";
    round => Round, "Elementwise rounding, half to even (as NumPy's `round`); to a number of decimals, [`around`](Array::around).";
}

impl<T: Float> Array<T> {
    /// Elementwise test for NaN.
    pub fn isnan(&self) -> Array<bool> {
        self.unary_op(UnaryOp::IsNan)
    }
    /// Elementwise test for finite values.
    pub fn isfinite(&self) -> Array<bool> {
        self.unary_op(UnaryOp::IsFinite)
    }
}

impl Array<bool> {
    /// Elementwise logical and.
    pub fn logical_and(&self, other: impl Operand<bool>) -> Result<Array<bool>> {
        self.binary_op(BinaryOp::And, other.node())
    }
    /// Elementwise logical or.
    pub fn logical_or(&self, other: impl Operand<bool>) -> Result<Array<bool>> {
        self.binary_op(BinaryOp::Or, other.node())
    }
    /// Elementwise logical exclusive or.
    pub fn logical_xor(&self, other: impl Operand<bool>) -> Result<Array<bool>> {
        self.binary_op(BinaryOp::Xor, other.node())
    }
    /// Elementwise logical not.
    pub fn logical_not(&self) -> Array<bool> {
        self.unary_op(UnaryOp::Not)
    }
}

/// `a` where `cond` is true, `b` elsewhere, with broadcasting (NumPy's `where`).
///
/// ```
/// use tessera::{where_, Array};
/// let x = Array::<f64>::arange(-2.0, 3.0, 1.0, 2).unwrap();
/// let relu = where_(&x.greater(0.0).unwrap(), &x, 0.0).unwrap();
/// assert_eq!(relu.compute().unwrap().into_raw_vec_and_offset().0, vec![0.0, 0.0, 0.0, 1.0, 2.0]);
/// ```
pub fn where_<T: Element>(
    cond: &Array<bool>,
    a: impl Operand<T>,
    b: impl Operand<T>,
) -> Result<Array<T>> {
    let (a, b) = (a.node(), b.node());
    let (shape, grid) = broadcast("where", &[&cond.node, &a, &b])?;
    Ok(Array::wrap(Node::new(
        T::DTYPE,
        shape,
        grid,
        Op::Where(cond.node.clone(), a, b),
    )))
}
