//! What an array opened from a store carries from its metadata (format, attributes, fill
//! value, dimension names), and exact fill-value conversions.

use crate::dtype::{with_dtype, DType, Element, Scalar};
use crate::expr::{Node, Op};
use serde_json::{Map, Value};
use std::sync::Arc;
use zarrs::array::Array as ZArray;
use zarrs::storage::ReadableStorageTraits;

/// The attribute in which Zarr v2 stores written by xarray keep their dimension names
/// (Zarr v2 has no `dimension_names` field). tessera reads and writes it.
pub const V2_DIMENSIONS_ATTRIBUTE: &str = "_ARRAY_DIMENSIONS";

/// The version of the Zarr format an array is stored in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ZarrFormat {
    /// Zarr v2: `.zarray` and `.zattrs`, one compressor per array, no sharding.
    V2,
    /// Zarr v3: `zarr.json`, a codec pipeline, sharding (the default).
    #[default]
    V3,
}

/// The character between the chunk indices of a chunk's key (`0.3` or `0/3`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DimensionSeparator {
    /// `.`: Zarr v2's default (every chunk file in the array's directory).
    Dot,
    /// `/`: Zarr v3's default (one directory level per axis).
    Slash,
}

impl DimensionSeparator {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            DimensionSeparator::Dot => ".",
            DimensionSeparator::Slash => "/",
        }
    }
}

/// What an array opened from a Zarr store carries from the store's metadata; see
/// [`Array::store_metadata`](crate::Array::store_metadata) and
/// [`WriteOptions::like`](super::WriteOptions::like).
///
/// ```
/// use tessera::zarr::{self, WriteOptions, ZarrFormat};
/// use tessera::{Array, Scalar};
/// let dir = std::env::temp_dir().join(format!("tessera-doc-meta-{}", std::process::id()));
/// let x = Array::<u64>::zeros(&[4, 6], [2, 3])?;
/// let opts = WriteOptions::default()
///     .fill_value(u64::MAX - 1)
///     .dimension_names(["y", "x"])
///     .attribute("units", "counts")
///     .overwrite(true);
/// zarr::to_zarr(&x, &dir, opts)?.compute()?;
/// let back = zarr::open_zarr::<u64>(&dir)?;
/// let meta = back.store_metadata().expect("opened from a store");
/// assert_eq!(meta.format, ZarrFormat::V3);
/// assert_eq!(meta.fill_value, Scalar::U64(u64::MAX - 1)); // not rounded through f64
/// assert_eq!(meta.dimension_names, Some(vec![Some("y".into()), Some("x".into())]));
/// assert_eq!(meta.attributes["units"], "counts");
/// # std::fs::remove_dir_all(&dir).ok();
/// # Ok::<(), tessera::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct StoreMetadata {
    /// The format the array is stored in.
    pub format: ZarrFormat,
    /// The user attributes (without the v2 dimension-name attribute, which is read into
    /// `dimension_names`).
    pub attributes: Map<String, Value>,
    /// The fill value, of the array's element type.
    pub fill_value: Scalar,
    /// The dimension names, if stored (v3 `dimension_names`, or v2's
    /// [`_ARRAY_DIMENSIONS`](V2_DIMENSIONS_ATTRIBUTE) attribute).
    pub dimension_names: Option<Vec<Option<String>>>,
}

impl StoreMetadata {
    /// Reads what an opened zarrs array's metadata holds.
    pub(crate) fn of(array: &ZArray<dyn ReadableStorageTraits>, dtype: DType) -> StoreMetadata {
        let format = match array.metadata() {
            zarrs::metadata::ArrayMetadata::V2(_) => ZarrFormat::V2,
            zarrs::metadata::ArrayMetadata::V3(_) => ZarrFormat::V3,
        };
        let mut attributes = array.attributes().clone();
        let mut dimension_names = array.dimension_names().clone();
        if format == ZarrFormat::V2 && dimension_names.is_none() {
            let names = attributes.get(V2_DIMENSIONS_ATTRIBUTE).and_then(|v| {
                let list = v.as_array()?;
                let names: Option<Vec<Option<String>>> = list
                    .iter()
                    .map(|n| n.as_str().map(|s| Some(s.to_string())))
                    .collect();
                names.filter(|n| n.len() == array.dimensionality())
            });
            if names.is_some() {
                attributes.remove(V2_DIMENSIONS_ATTRIBUTE);
                dimension_names = names;
            }
        }
        StoreMetadata {
            format,
            attributes,
            fill_value: scalar_from_ne_bytes(dtype, array.fill_value().as_ne_bytes()),
            dimension_names,
        }
    }

    /// The metadata of `node` when it is an array opened from a store, possibly rechunked
    /// or sliced (operations after which the attributes, fill value and dimension names
    /// still describe the values); `None` for anything else.
    pub(crate) fn of_node(node: &Arc<Node>) -> Option<Arc<StoreMetadata>> {
        match &node.op {
            Op::Source(src) => src.store_metadata(),
            Op::Rechunk(input) => Self::of_node(input),
            Op::Slice { input, .. } if input.shape.len() == node.shape.len() => {
                Self::of_node(input)
            }
            _ => None,
        }
    }
}

/// The value of `dtype` whose native-endian bytes are `bytes` (zero when they are too
/// short, which zarrs' validated fill values never are).
fn scalar_from_ne_bytes(dtype: DType, bytes: &[u8]) -> Scalar {
    macro_rules! read {
        ($t:ty) => {{
            const N: usize = std::mem::size_of::<$t>();
            let mut b = [0u8; N];
            if bytes.len() >= N {
                b.copy_from_slice(&bytes[..N]);
            }
            <$t>::from_ne_bytes(b).to_scalar()
        }};
    }
    match dtype {
        DType::Bool => Scalar::Bool(bytes.first().is_some_and(|&b| b != 0)),
        DType::I8 => read!(i8),
        DType::I16 => read!(i16),
        DType::I32 => read!(i32),
        DType::I64 => read!(i64),
        DType::U8 => read!(u8),
        DType::U16 => read!(u16),
        DType::U32 => read!(u32),
        DType::U64 => read!(u64),
        DType::F32 => read!(f32),
        DType::F64 => read!(f64),
    }
}

/// `v` as a value of `dtype`, when it is exactly representable there (floats may round to
/// the nearest `f32`, as NumPy does; integers and booleans must fit). `None` otherwise.
pub(crate) fn fill_as(v: Scalar, dtype: DType) -> Option<Scalar> {
    /// The value as an exact integer, or as a float.
    enum Num {
        Int(i128),
        Float(f64),
    }
    let n = match v {
        Scalar::Bool(b) => Num::Int(b as i128),
        Scalar::I8(x) => Num::Int(x.into()),
        Scalar::I16(x) => Num::Int(x.into()),
        Scalar::I32(x) => Num::Int(x.into()),
        Scalar::I64(x) => Num::Int(x.into()),
        Scalar::U8(x) => Num::Int(x.into()),
        Scalar::U16(x) => Num::Int(x.into()),
        Scalar::U32(x) => Num::Int(x.into()),
        Scalar::U64(x) => Num::Int(x.into()),
        Scalar::F32(x) => Num::Float(x.into()),
        Scalar::F64(x) => Num::Float(x),
    };
    // A float that holds an integer converts like one; others only to floats.
    let n = match n {
        Num::Float(f) if f.fract() == 0.0 && f.abs() < 2f64.powi(120) && !dtype.is_float() => {
            Num::Int(f as i128)
        }
        n => n,
    };
    let int = |i: i128| -> Option<Scalar> {
        Some(match dtype {
            DType::Bool => match i {
                0 => Scalar::Bool(false),
                1 => Scalar::Bool(true),
                _ => return None,
            },
            DType::I8 => Scalar::I8(i.try_into().ok()?),
            DType::I16 => Scalar::I16(i.try_into().ok()?),
            DType::I32 => Scalar::I32(i.try_into().ok()?),
            DType::I64 => Scalar::I64(i.try_into().ok()?),
            DType::U8 => Scalar::U8(i.try_into().ok()?),
            DType::U16 => Scalar::U16(i.try_into().ok()?),
            DType::U32 => Scalar::U32(i.try_into().ok()?),
            DType::U64 => Scalar::U64(i.try_into().ok()?),
            DType::F32 => Scalar::F32(i as f32),
            DType::F64 => Scalar::F64(i as f64),
        })
    };
    match n {
        Num::Int(i) => int(i),
        Num::Float(f) => match dtype {
            DType::F32 => Some(Scalar::F32(f as f32)),
            DType::F64 => Some(Scalar::F64(f)),
            _ => None,
        },
    }
}

/// The fill value `v` (already of the element type `T`) as zarrs' fill value.
pub(crate) fn zarrs_fill<T: Element>(v: Scalar) -> zarrs::array::FillValue {
    with_dtype!(T::DTYPE, U => {
        let x: U = U::from_scalar(v).unwrap_or_default();
        zarrs::array::FillValue::from(x)
    })
}

/// The fill value `v` as Zarr v2 JSON (`"NaN"` and `"Infinity"` for the special floats).
pub(crate) fn v2_fill_json(v: Scalar) -> Value {
    let float = |f: f64| {
        if f.is_nan() {
            Value::from("NaN")
        } else if f == f64::INFINITY {
            Value::from("Infinity")
        } else if f == f64::NEG_INFINITY {
            Value::from("-Infinity")
        } else {
            Value::from(f)
        }
    };
    match v {
        Scalar::Bool(b) => Value::from(b),
        Scalar::I8(x) => Value::from(x),
        Scalar::I16(x) => Value::from(x),
        Scalar::I32(x) => Value::from(x),
        Scalar::I64(x) => Value::from(x),
        Scalar::U8(x) => Value::from(x),
        Scalar::U16(x) => Value::from(x),
        Scalar::U32(x) => Value::from(x),
        Scalar::U64(x) => Value::from(x),
        Scalar::F32(x) => float(x.into()),
        Scalar::F64(x) => float(x),
    }
}

/// The Zarr v2 `dtype` string of an element type (little-endian).
pub(crate) fn v2_dtype(d: DType) -> &'static str {
    match d {
        DType::Bool => "|b1",
        DType::I8 => "|i1",
        DType::I16 => "<i2",
        DType::I32 => "<i4",
        DType::I64 => "<i8",
        DType::U8 => "|u1",
        DType::U16 => "<u2",
        DType::U32 => "<u4",
        DType::U64 => "<u8",
        DType::F32 => "<f4",
        DType::F64 => "<f8",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_conversions_are_exact_or_refused() {
        assert_eq!(
            fill_as(Scalar::U64(u64::MAX - 1), DType::U64),
            Some(Scalar::U64(u64::MAX - 1))
        );
        assert_eq!(fill_as(Scalar::F64(-1.0), DType::I8), Some(Scalar::I8(-1)));
        assert_eq!(fill_as(Scalar::F64(-1.0), DType::U8), None);
        assert_eq!(fill_as(Scalar::F64(1.5), DType::I32), None);
        assert_eq!(fill_as(Scalar::F64(f64::NAN), DType::I32), None);
        assert_eq!(fill_as(Scalar::I32(300), DType::U8), None);
        assert_eq!(
            fill_as(Scalar::I32(1), DType::Bool),
            Some(Scalar::Bool(true))
        );
        assert_eq!(
            fill_as(Scalar::Bool(true), DType::F32),
            Some(Scalar::F32(1.0))
        );
        let nan = fill_as(Scalar::F64(f64::NAN), DType::F32);
        assert!(matches!(nan, Some(Scalar::F32(x)) if x.is_nan()));
    }

    #[test]
    fn fill_bytes_roundtrip() {
        let b = (-7i16).to_ne_bytes();
        assert_eq!(scalar_from_ne_bytes(DType::I16, &b), Scalar::I16(-7));
        let b = (u64::MAX).to_ne_bytes();
        assert_eq!(scalar_from_ne_bytes(DType::U64, &b), Scalar::U64(u64::MAX));
        assert_eq!(scalar_from_ne_bytes(DType::Bool, &[1]), Scalar::Bool(true));
        assert_eq!(v2_fill_json(Scalar::F64(f64::NEG_INFINITY)), "-Infinity");
        assert_eq!(v2_fill_json(Scalar::U64(u64::MAX)), Value::from(u64::MAX));
    }
}
