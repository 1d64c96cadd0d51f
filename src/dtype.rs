//! Element types: the static [`Element`] trait users see, and the dynamic [`DType`] and
//! [`ChunkData`] the graph stores so that one graph can hold `f64`, `bool` and `i64` nodes.

use ndarray::{ArrayD, ArrayViewD};
use std::fmt;

/// The element type of an array, known at run time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DType {
    /// `bool`
    Bool,
    /// `i8`
    I8,
    /// `i16`
    I16,
    /// `i32`
    I32,
    /// `i64`
    I64,
    /// `u8`
    U8,
    /// `u16`
    U16,
    /// `u32`
    U32,
    /// `u64`
    U64,
    /// `f32`
    F32,
    /// `f64`
    F64,
}

impl DType {
    /// Every dtype, in declaration order.
    pub(crate) const ALL: [DType; 11] = [
        DType::Bool,
        DType::I8,
        DType::I16,
        DType::I32,
        DType::I64,
        DType::U8,
        DType::U16,
        DType::U32,
        DType::U64,
        DType::F32,
        DType::F64,
    ];

    /// Size of one element in bytes.
    pub fn size(self) -> usize {
        match self {
            DType::Bool | DType::I8 | DType::U8 => 1,
            DType::I16 | DType::U16 => 2,
            DType::I32 | DType::U32 | DType::F32 => 4,
            DType::I64 | DType::U64 | DType::F64 => 8,
        }
    }

    /// Whether this is `f32` or `f64`.
    pub fn is_float(self) -> bool {
        matches!(self, DType::F32 | DType::F64)
    }

    /// Whether this is a signed or unsigned integer type.
    pub fn is_integer(self) -> bool {
        !matches!(self, DType::Bool | DType::F32 | DType::F64)
    }

    /// The NumPy name of the type (`"float64"`, `"int32"`, `"bool"`, ...).
    pub fn name(self) -> &'static str {
        match self {
            DType::Bool => "bool",
            DType::I8 => "int8",
            DType::I16 => "int16",
            DType::I32 => "int32",
            DType::I64 => "int64",
            DType::U8 => "uint8",
            DType::U16 => "uint16",
            DType::U32 => "uint32",
            DType::U64 => "uint64",
            DType::F32 => "float32",
            DType::F64 => "float64",
        }
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Runs `$body` with the type alias `$T` bound to the Rust type of the [`DType`] `$dt`.
macro_rules! with_dtype {
    ($dt:expr, $T:ident => $body:expr) => {
        match $dt {
            $crate::dtype::DType::Bool => {
                type $T = bool;
                $body
            }
            $crate::dtype::DType::I8 => {
                type $T = i8;
                $body
            }
            $crate::dtype::DType::I16 => {
                type $T = i16;
                $body
            }
            $crate::dtype::DType::I32 => {
                type $T = i32;
                $body
            }
            $crate::dtype::DType::I64 => {
                type $T = i64;
                $body
            }
            $crate::dtype::DType::U8 => {
                type $T = u8;
                $body
            }
            $crate::dtype::DType::U16 => {
                type $T = u16;
                $body
            }
            $crate::dtype::DType::U32 => {
                type $T = u32;
                $body
            }
            $crate::dtype::DType::U64 => {
                type $T = u64;
                $body
            }
            $crate::dtype::DType::F32 => {
                type $T = f32;
                $body
            }
            $crate::dtype::DType::F64 => {
                type $T = f64;
                $body
            }
        }
    };
}
pub(crate) use with_dtype;

/// Like [`with_dtype!`] for the numeric types; `$other` runs for `bool`.
macro_rules! with_numeric {
    ($dt:expr, $T:ident => $body:expr, bool => $other:expr) => {
        match $dt {
            $crate::dtype::DType::Bool => $other,
            $crate::dtype::DType::I8 => {
                type $T = i8;
                $body
            }
            $crate::dtype::DType::I16 => {
                type $T = i16;
                $body
            }
            $crate::dtype::DType::I32 => {
                type $T = i32;
                $body
            }
            $crate::dtype::DType::I64 => {
                type $T = i64;
                $body
            }
            $crate::dtype::DType::U8 => {
                type $T = u8;
                $body
            }
            $crate::dtype::DType::U16 => {
                type $T = u16;
                $body
            }
            $crate::dtype::DType::U32 => {
                type $T = u32;
                $body
            }
            $crate::dtype::DType::U64 => {
                type $T = u64;
                $body
            }
            $crate::dtype::DType::F32 => {
                type $T = f32;
                $body
            }
            $crate::dtype::DType::F64 => {
                type $T = f64;
                $body
            }
        }
    };
}
pub(crate) use with_numeric;

/// Like [`with_dtype!`] for `f32` and `f64`; `$other` runs for every other type.
macro_rules! with_float {
    ($dt:expr, $T:ident => $body:expr, _ => $other:expr) => {
        match $dt {
            $crate::dtype::DType::F32 => {
                type $T = f32;
                $body
            }
            $crate::dtype::DType::F64 => {
                type $T = f64;
                $body
            }
            _ => $other,
        }
    };
}
pub(crate) use with_float;

/// Like [`with_dtype!`] for the integer types; `$other` runs for `bool`, `f32` and `f64`.
macro_rules! with_integer {
    ($dt:expr, $T:ident => $body:expr, _ => $other:expr) => {
        match $dt {
            $crate::dtype::DType::I8 => {
                type $T = i8;
                $body
            }
            $crate::dtype::DType::I16 => {
                type $T = i16;
                $body
            }
            $crate::dtype::DType::I32 => {
                type $T = i32;
                $body
            }
            $crate::dtype::DType::I64 => {
                type $T = i64;
                $body
            }
            $crate::dtype::DType::U8 => {
                type $T = u8;
                $body
            }
            $crate::dtype::DType::U16 => {
                type $T = u16;
                $body
            }
            $crate::dtype::DType::U32 => {
                type $T = u32;
                $body
            }
            $crate::dtype::DType::U64 => {
                type $T = u64;
                $body
            }
            _ => $other,
        }
    };
}
pub(crate) use with_integer;

/// A chunk (or whole array) of any element type.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub enum ChunkData {
    Bool(ArrayD<bool>),
    I8(ArrayD<i8>),
    I16(ArrayD<i16>),
    I32(ArrayD<i32>),
    I64(ArrayD<i64>),
    U8(ArrayD<u8>),
    U16(ArrayD<u16>),
    U32(ArrayD<u32>),
    U64(ArrayD<u64>),
    F32(ArrayD<f32>),
    F64(ArrayD<f64>),
}

impl ChunkData {
    /// The element type.
    pub fn dtype(&self) -> DType {
        match self {
            ChunkData::Bool(_) => DType::Bool,
            ChunkData::I8(_) => DType::I8,
            ChunkData::I16(_) => DType::I16,
            ChunkData::I32(_) => DType::I32,
            ChunkData::I64(_) => DType::I64,
            ChunkData::U8(_) => DType::U8,
            ChunkData::U16(_) => DType::U16,
            ChunkData::U32(_) => DType::U32,
            ChunkData::U64(_) => DType::U64,
            ChunkData::F32(_) => DType::F32,
            ChunkData::F64(_) => DType::F64,
        }
    }

    /// The shape.
    pub fn shape(&self) -> &[usize] {
        with_dtype!(self.dtype(), T => T::chunk_ref(self).map(|a| a.shape()).unwrap_or(&[]))
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.shape().iter().product()
    }

    /// Whether the chunk has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Size in bytes of the elements.
    pub fn nbytes(&self) -> usize {
        self.shape().iter().product::<usize>() * self.dtype().size()
    }
}

/// A scalar of any element type.
#[derive(Debug, Clone, Copy, PartialEq)]
#[allow(missing_docs)]
pub enum Scalar {
    Bool(bool),
    I8(i8),
    I16(i16),
    I32(i32),
    I64(i64),
    U8(u8),
    U16(u16),
    U32(u32),
    U64(u64),
    F32(f32),
    F64(f64),
}

impl Scalar {
    /// The element type.
    pub fn dtype(&self) -> DType {
        match self {
            Scalar::Bool(_) => DType::Bool,
            Scalar::I8(_) => DType::I8,
            Scalar::I16(_) => DType::I16,
            Scalar::I32(_) => DType::I32,
            Scalar::I64(_) => DType::I64,
            Scalar::U8(_) => DType::U8,
            Scalar::U16(_) => DType::U16,
            Scalar::U32(_) => DType::U32,
            Scalar::U64(_) => DType::U64,
            Scalar::F32(_) => DType::F32,
            Scalar::F64(_) => DType::F64,
        }
    }
}

impl fmt::Display for Scalar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        with_dtype!(self.dtype(), T => match T::from_scalar(*self) {
            Some(v) => write!(f, "{v:?}"),
            None => write!(f, "?"),
        })
    }
}

mod sealed {
    pub trait Sealed {}
}

/// An element type tessera arrays can hold: `bool`, `i8`–`i64`, `u8`–`u64`, `f32`, `f64`.
///
/// The associated types give NumPy's result types: sums of signed integers (and of `bool`)
/// are `i64`, of unsigned integers `u64`, of floats the float itself; means, variances and
/// standard deviations of integers are `f64`.
pub trait Element:
    Copy + Send + Sync + Default + fmt::Debug + PartialOrd + 'static + sealed::Sealed
{
    /// The run-time type tag.
    const DTYPE: DType;
    /// The type of `sum` and `prod`.
    type Sum: Numeric;
    /// The type of `mean`, `var` and `std`.
    type Mean: Float;
    /// The type of true division (`/`): `f64` for integers and `bool` (NumPy's
    /// `true_divide`), the float itself for `f32` and `f64`.
    type Quotient: Float;
    /// Wraps an array into the dynamic chunk type.
    fn into_chunk(a: ArrayD<Self>) -> ChunkData;
    /// Borrows the array inside a chunk of this type.
    fn chunk_ref(c: &ChunkData) -> Option<&ArrayD<Self>>;
    /// Mutably borrows the array inside a chunk of this type.
    fn chunk_mut(c: &mut ChunkData) -> Option<&mut ArrayD<Self>>;
    /// Takes the array out of a chunk of this type.
    fn from_chunk(c: ChunkData) -> Option<ArrayD<Self>>;
    /// Wraps a value into the dynamic scalar type.
    fn to_scalar(self) -> Scalar;
    /// Takes the value out of a scalar of this type.
    fn from_scalar(s: Scalar) -> Option<Self>;
    /// Converts with Rust's `as` semantics (saturating float-to-int, NaN to 0).
    fn cast_from<U: Element>(u: U) -> Self;
    /// The value as `f64` (`as` semantics).
    fn to_f64(self) -> f64;
    /// The value from `f64` (`as` semantics).
    fn from_f64(v: f64) -> Self;
    /// The value from `i64` (`as` semantics).
    fn from_i64(v: i64) -> Self;
    /// The value from `u64` (`as` semantics).
    fn from_u64(v: u64) -> Self;
    /// A view of a chunk's data of this type, if it has this type.
    fn view(c: &ChunkData) -> Option<ArrayViewD<'_, Self>> {
        Self::chunk_ref(c).map(|a| a.view())
    }
}

/// The numeric element types (every [`Element`] but `bool`).
pub trait Numeric: Element + tessera_kernels::scalar::Arith {}

/// `f32` and `f64`.
pub trait Float:
    Numeric + num_traits::Float + Element<Quotient = Self, Mean = Self, Sum = Self>
{
}

macro_rules! element_impl {
    ($t:ty, $var:ident, $sum:ty, $mean:ty) => {
        impl sealed::Sealed for $t {}
        impl From<$t> for Scalar {
            fn from(v: $t) -> Scalar {
                Scalar::$var(v)
            }
        }
        impl Element for $t {
            const DTYPE: DType = DType::$var;
            type Sum = $sum;
            type Mean = $mean;
            type Quotient = $mean;
            #[inline]
            fn into_chunk(a: ArrayD<Self>) -> ChunkData {
                ChunkData::$var(a)
            }
            #[inline]
            fn chunk_ref(c: &ChunkData) -> Option<&ArrayD<Self>> {
                match c {
                    ChunkData::$var(a) => Some(a),
                    _ => None,
                }
            }
            #[inline]
            fn chunk_mut(c: &mut ChunkData) -> Option<&mut ArrayD<Self>> {
                match c {
                    ChunkData::$var(a) => Some(a),
                    _ => None,
                }
            }
            #[inline]
            fn from_chunk(c: ChunkData) -> Option<ArrayD<Self>> {
                match c {
                    ChunkData::$var(a) => Some(a),
                    _ => None,
                }
            }
            #[inline]
            fn to_scalar(self) -> Scalar {
                Scalar::$var(self)
            }
            #[inline]
            fn from_scalar(s: Scalar) -> Option<Self> {
                match s {
                    Scalar::$var(v) => Some(v),
                    _ => None,
                }
            }
            #[inline]
            fn cast_from<U: Element>(u: U) -> Self {
                cast_impl!(u, $var)
            }
            #[inline]
            fn to_f64(self) -> f64 {
                to_f64_impl!(self, $var)
            }
            #[inline]
            fn from_f64(v: f64) -> Self {
                from_prim_impl!(v, $t, $var)
            }
            #[inline]
            fn from_i64(v: i64) -> Self {
                from_prim_impl!(v, $t, $var)
            }
            #[inline]
            fn from_u64(v: u64) -> Self {
                from_prim_impl!(v, $t, $var)
            }
        }
    };
}

macro_rules! to_f64_impl {
    ($v:expr, Bool) => {
        if $v {
            1.0
        } else {
            0.0
        }
    };
    ($v:expr, $var:ident) => {
        $v as f64
    };
}

macro_rules! from_prim_impl {
    ($v:expr, $t:ty, Bool) => {
        ($v as f64) != 0.0
    };
    ($v:expr, $t:ty, $var:ident) => {
        $v as $t
    };
}

/// Converts any element `u` to the type named by the variant, with `as` semantics.
macro_rules! cast_impl {
    ($u:expr, $var:ident) => {{
        let s = $u.to_scalar();
        match s {
            Scalar::Bool(b) => from_prim_impl!(b as u8, _, $var),
            Scalar::I8(v) => from_prim_impl!(v, _, $var),
            Scalar::I16(v) => from_prim_impl!(v, _, $var),
            Scalar::I32(v) => from_prim_impl!(v, _, $var),
            Scalar::I64(v) => from_prim_impl!(v, _, $var),
            Scalar::U8(v) => from_prim_impl!(v, _, $var),
            Scalar::U16(v) => from_prim_impl!(v, _, $var),
            Scalar::U32(v) => from_prim_impl!(v, _, $var),
            Scalar::U64(v) => from_prim_impl!(v, _, $var),
            Scalar::F32(v) => from_prim_impl!(v, _, $var),
            Scalar::F64(v) => from_prim_impl!(v, _, $var),
        }
    }};
}

element_impl!(bool, Bool, i64, f64);
element_impl!(i8, I8, i64, f64);
element_impl!(i16, I16, i64, f64);
element_impl!(i32, I32, i64, f64);
element_impl!(i64, I64, i64, f64);
element_impl!(u8, U8, u64, f64);
element_impl!(u16, U16, u64, f64);
element_impl!(u32, U32, u64, f64);
element_impl!(u64, U64, u64, f64);
element_impl!(f32, F32, f32, f32);
element_impl!(f64, F64, f64, f64);

macro_rules! numeric_impl {
    ($($t:ty),*) => {$( impl Numeric for $t {} )*};
}
numeric_impl!(i8, i16, i32, i64, u8, u16, u32, u64, f32, f64);
impl Float for f32 {}
impl Float for f64 {}

/// The integer element types (`i8`–`i64`, `u8`–`u64`): bitwise operations, shifts, `gcd`
/// and `lcm`.
pub trait Integer: Numeric {}
macro_rules! integer_impl {
    ($($t:ty),*) => {$( impl Integer for $t {} )*};
}
integer_impl!(i8, i16, i32, i64, u8, u16, u32, u64);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn casts_follow_as_semantics() {
        assert_eq!(<u8 as Element>::cast_from(300i32), 44);
        assert_eq!(<i32 as Element>::cast_from(f64::NAN), 0);
        assert_eq!(<i8 as Element>::cast_from(1e10f64), 127);
        assert!(<bool as Element>::cast_from(0.5f32));
        assert!(!<bool as Element>::cast_from(0u64));
        assert_eq!(<f64 as Element>::cast_from(true), 1.0);
    }

    #[test]
    fn chunk_roundtrip() {
        let a = ndarray::ArrayD::<i16>::zeros(ndarray::IxDyn(&[2, 3]));
        let c = i16::into_chunk(a.clone());
        assert_eq!(c.dtype(), DType::I16);
        assert_eq!(c.shape(), &[2, 3]);
        assert_eq!(c.nbytes(), 12);
        assert_eq!(i16::from_chunk(c), Some(a));
        assert!(
            f64::chunk_ref(&ChunkData::I8(ndarray::ArrayD::zeros(ndarray::IxDyn(&[1])))).is_none()
        );
    }
}
