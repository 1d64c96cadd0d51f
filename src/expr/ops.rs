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
    Arcsin,
    Arccos,
    Arctan,
    Sinh,
    Cosh,
    Arcsinh,
    Arccosh,
    Arctanh,
    Log2,
    Log10,
    Exp2,
    Cbrt,
    /// `x * x` (integers wrap).
    Square,
    /// `1 / x` (floats).
    Reciprocal,
    IsInf,
    IsPosInf,
    IsNegInf,
    SignBit,
    Trunc,
    /// Radians to degrees.
    Degrees,
    /// Degrees to radians.
    Radians,
    /// The normalized sinc, `sin(πx) / (πx)`.
    Sinc,
    /// Bitwise not of an integer (`~x`).
    Invert,
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
            UnaryOp::Arcsin => "arcsin",
            UnaryOp::Arccos => "arccos",
            UnaryOp::Arctan => "arctan",
            UnaryOp::Sinh => "sinh",
            UnaryOp::Cosh => "cosh",
            UnaryOp::Arcsinh => "arcsinh",
            UnaryOp::Arccosh => "arccosh",
            UnaryOp::Arctanh => "arctanh",
            UnaryOp::Log2 => "log2",
            UnaryOp::Log10 => "log10",
            UnaryOp::Exp2 => "exp2",
            UnaryOp::Cbrt => "cbrt",
            UnaryOp::Square => "square",
            UnaryOp::Reciprocal => "reciprocal",
            UnaryOp::IsInf => "isinf",
            UnaryOp::IsPosInf => "isposinf",
            UnaryOp::IsNegInf => "isneginf",
            UnaryOp::SignBit => "signbit",
            UnaryOp::Trunc => "trunc",
            UnaryOp::Degrees => "degrees",
            UnaryOp::Radians => "radians",
            UnaryOp::Sinc => "sinc",
            UnaryOp::Invert => "invert",
            UnaryOp::Cast(_) => "astype",
        }
    }

    /// The result type for an operand of type `input`, or `None` if not defined for it.
    pub fn result_dtype(self, input: DType) -> Option<DType> {
        use UnaryOp::*;
        match self {
            Neg | Abs | Sign | Square | Reciprocal | Trunc => {
                (input != DType::Bool).then_some(input)
            }
            Sqrt | Exp | Ln | Log1p | Expm1 | Sin | Cos | Tan | Tanh | Floor | Ceil | Round
            | Arcsin | Arccos | Arctan | Sinh | Cosh | Arcsinh | Arccosh | Arctanh | Log2
            | Log10 | Exp2 | Cbrt | Degrees | Radians | Sinc => input.is_float().then_some(input),
            Not => (input == DType::Bool).then_some(DType::Bool),
            Invert => (input.is_integer()).then_some(input),
            IsNan | IsFinite | IsInf | IsPosInf | IsNegInf | SignBit => {
                input.is_float().then_some(DType::Bool)
            }
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
    /// `atan2(a, b)`.
    Arctan2,
    Hypot,
    /// The magnitude of `a` with the sign of `b`.
    Copysign,
    /// The next representable value after `a` towards `b`.
    Nextafter,
    /// Truncated remainder (C's `fmod`; the sign of the dividend).
    Fmod,
    /// Maximum ignoring NaN.
    Fmax,
    /// Minimum ignoring NaN.
    Fmin,
    /// `ln(e^a + e^b)`.
    Logaddexp,
    /// `log2(2^a + 2^b)`.
    Logaddexp2,
    /// The Heaviside step of `a`, `b` at zero.
    Heaviside,
    /// Floored division (NumPy's `//`).
    FloorDivide,
    /// Bitwise and of integers.
    BitAnd,
    /// Bitwise or of integers.
    BitOr,
    /// Bitwise exclusive or of integers.
    BitXor,
    LeftShift,
    RightShift,
    Gcd,
    Lcm,
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
            BinaryOp::Arctan2 => "arctan2",
            BinaryOp::Hypot => "hypot",
            BinaryOp::Copysign => "copysign",
            BinaryOp::Nextafter => "nextafter",
            BinaryOp::Fmod => "fmod",
            BinaryOp::Fmax => "fmax",
            BinaryOp::Fmin => "fmin",
            BinaryOp::Logaddexp => "logaddexp",
            BinaryOp::Logaddexp2 => "logaddexp2",
            BinaryOp::Heaviside => "heaviside",
            BinaryOp::FloorDivide => "floor_divide",
            BinaryOp::BitAnd => "bitwise_and",
            BinaryOp::BitOr => "bitwise_or",
            BinaryOp::BitXor => "bitwise_xor",
            BinaryOp::LeftShift => "left_shift",
            BinaryOp::RightShift => "right_shift",
            BinaryOp::Gcd => "gcd",
            BinaryOp::Lcm => "lcm",
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
            Add | Sub | Mul | Div | Rem | Pow | Maximum | Minimum | Fmod | Fmax | Fmin
            | FloorDivide => (input != DType::Bool).then_some(input),
            Arctan2 | Hypot | Copysign | Nextafter | Logaddexp | Logaddexp2 | Heaviside => {
                input.is_float().then_some(input)
            }
            BitAnd | BitOr | BitXor | LeftShift | RightShift | Gcd | Lcm => {
                input.is_integer().then_some(input)
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
