//! The operation enums of the expression graph.

use crate::dtype::DType;

/// Elementwise operations of one operand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum UnaryOp {
    Neg,
    Abs,
    Sign,
    Sqrt,
    Exp,
    Ln,
    Log1p,
    Expm1,
    Sin,
    Cos,
    Tan,
    Tanh,
    Floor,
    Ceil,
    Round,
    Not,
    IsNan,
    IsFinite,
    /// Conversion to another element type (`as` semantics).
    Cast(DType),
}

impl UnaryOp {
    /// The NumPy-style name.
    pub fn name(self) -> &'static str {
        match self {
            UnaryOp::Neg => "negative",
            UnaryOp::Abs => "abs",
            UnaryOp::Sign => "sign",
            UnaryOp::Sqrt => "sqrt",
            UnaryOp::Exp => "exp",
            UnaryOp::Ln => "log",
            UnaryOp::Log1p => "log1p",
            UnaryOp::Expm1 => "expm1",
            UnaryOp::Sin => "sin",
            UnaryOp::Cos => "cos",
            UnaryOp::Tan => "tan",
            UnaryOp::Tanh => "tanh",
            UnaryOp::Floor => "floor",
            UnaryOp::Ceil => "ceil",
            UnaryOp::Round => "round",
            UnaryOp::Not => "logical_not",
            UnaryOp::IsNan => "isnan",
            UnaryOp::IsFinite => "isfinite",
            UnaryOp::Cast(_) => "astype",
        }
    }

    /// The result type for an operand of type `input`, or `None` if not defined for it.
    pub fn result_dtype(self, input: DType) -> Option<DType> {
        use UnaryOp::*;
        match self {
            Neg | Abs | Sign => (input != DType::Bool).then_some(input),
            Sqrt | Exp | Ln | Log1p | Expm1 | Sin | Cos | Tan | Tanh | Floor | Ceil | Round => {
                input.is_float().then_some(input)
            }
            Not => (input == DType::Bool).then_some(DType::Bool),
            IsNan | IsFinite => input.is_float().then_some(DType::Bool),
            Cast(to) => Some(to),
        }
    }
}

/// Elementwise operations of two operands (of the same type).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    Pow,
    Maximum,
    Minimum,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
    Xor,
}

impl BinaryOp {
    /// The NumPy-style name.
    pub fn name(self) -> &'static str {
        match self {
            BinaryOp::Add => "add",
            BinaryOp::Sub => "subtract",
            BinaryOp::Mul => "multiply",
            BinaryOp::Div => "divide",
            BinaryOp::Rem => "remainder",
            BinaryOp::Pow => "power",
            BinaryOp::Maximum => "maximum",
            BinaryOp::Minimum => "minimum",
            BinaryOp::Eq => "equal",
            BinaryOp::Ne => "not_equal",
            BinaryOp::Lt => "less",
            BinaryOp::Le => "less_equal",
            BinaryOp::Gt => "greater",
            BinaryOp::Ge => "greater_equal",
            BinaryOp::And => "logical_and",
            BinaryOp::Or => "logical_or",
            BinaryOp::Xor => "logical_xor",
        }
    }

    /// Whether the result is `bool` (comparisons and logical operations).
    pub fn is_predicate(self) -> bool {
        use BinaryOp::*;
        matches!(self, Eq | Ne | Lt | Le | Gt | Ge | And | Or | Xor)
    }

    /// The result type for operands of type `input`, or `None` if not defined for it.
    pub fn result_dtype(self, input: DType) -> Option<DType> {
        use BinaryOp::*;
        match self {
            Add | Sub | Mul | Div | Rem | Pow | Maximum | Minimum => {
                (input != DType::Bool).then_some(input)
            }
            Eq | Ne | Lt | Le | Gt | Ge => Some(DType::Bool),
            And | Or | Xor => (input == DType::Bool).then_some(DType::Bool),
        }
    }
}

/// What a reduction computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum ReduceKind {
    Sum,
    Prod,
    Mean,
    Var,
    Std,
    Min,
    Max,
    ArgMin,
    ArgMax,
    Any,
    All,
    CountNonzero,
    NanSum,
    NanMean,
    NanMin,
    NanMax,
    NanVar,
    NanStd,
    NanArgMin,
    NanArgMax,
}

impl ReduceKind {
    /// The NumPy-style name.
    pub fn name(self) -> &'static str {
        use ReduceKind::*;
        match self {
            Sum => "sum",
            Prod => "prod",
            Mean => "mean",
            Var => "var",
            Std => "std",
            Min => "min",
            Max => "max",
            ArgMin => "argmin",
            ArgMax => "argmax",
            Any => "any",
            All => "all",
            CountNonzero => "count_nonzero",
            NanSum => "nansum",
            NanMean => "nanmean",
            NanMin => "nanmin",
            NanMax => "nanmax",
            NanVar => "nanvar",
            NanStd => "nanstd",
            NanArgMin => "nanargmin",
            NanArgMax => "nanargmax",
        }
    }

    /// Whether the reduction has no identity (an empty reduced axis is an error).
    pub fn needs_nonempty(self) -> bool {
        use ReduceKind::*;
        matches!(
            self,
            Min | Max | ArgMin | ArgMax | NanMin | NanMax | NanArgMin | NanArgMax
        )
    }

    /// Whether this is an arg-reduction (one axis or all axes flattened).
    pub fn is_arg(self) -> bool {
        use ReduceKind::*;
        matches!(self, ArgMin | ArgMax | NanArgMin | NanArgMax)
    }
}

/// What a scan (cumulative operation along an axis) computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScanKind {
    /// Running sum (`cumsum`).
    Sum,
    /// Running product (`cumprod`).
    Prod,
    /// Running sum with NaN counted as zero (`nancumsum`).
    NanSum,
    /// Running product with NaN counted as one (`nancumprod`).
    NanProd,
}

impl ScanKind {
    /// The NumPy-style name.
    pub fn name(self) -> &'static str {
        match self {
            ScanKind::Sum => "cumsum",
            ScanKind::Prod => "cumprod",
            ScanKind::NanSum => "nancumsum",
            ScanKind::NanProd => "nancumprod",
        }
    }
}
