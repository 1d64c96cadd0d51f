//! The byte form of what one process sends another in a distributed computation: chunks of
//! array data and reduction partials, exactly (floats as their bits), so that a result
//! computed across processes is bit-identical to one computed in one.
//!
//! Numbers are little-endian; lengths and indices are `u64`. Decoding checks every length
//! against the bytes left and returns `None` on anything malformed, never panics.

use crate::dtype::{ChunkData, DType};
use ndarray::{ArrayD, IxDyn};
use tessera_kernels::moments::Moments;

/// A value with a byte form.
pub(crate) trait Wire: Sized {
    /// Appends the value's bytes to `out`.
    fn put(&self, out: &mut Vec<u8>);
    /// Reads a value from the front of `inp`, advancing it; `None` when malformed.
    fn take(inp: &mut &[u8]) -> Option<Self>;

    /// Appends the bytes of every value of `vals`, in order.
    fn put_all(vals: &[Self], out: &mut Vec<u8>) {
        vals.iter().for_each(|v| v.put(out));
    }

    /// Reads `n` values from the front of `inp` onto the end of `into`.
    fn take_all(inp: &mut &[u8], n: usize, into: &mut Vec<Self>) -> Option<()> {
        for _ in 0..n {
            into.push(Self::take(inp)?);
        }
        Some(())
    }
}

/// The first `n` bytes of `inp`, advancing it.
pub(crate) fn take_bytes<'a>(inp: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
    if inp.len() < n {
        return None;
    }
    let (head, rest) = inp.split_at(n);
    *inp = rest;
    Some(head)
}

macro_rules! wire_number {
    ($($t:ty),*) => {$(
        impl Wire for $t {
            #[inline]
            fn put(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
            #[inline]
            fn take(inp: &mut &[u8]) -> Option<Self> {
                let b = take_bytes(inp, std::mem::size_of::<$t>())?;
                Some(<$t>::from_le_bytes(b.try_into().ok()?))
            }
            // Whole slices in fixed-size pieces, which compile to plain copies.
            fn put_all(vals: &[Self], out: &mut Vec<u8>) {
                const SIZE: usize = std::mem::size_of::<$t>();
                let start = out.len();
                out.resize(start + vals.len() * SIZE, 0);
                for (dst, v) in out[start..].chunks_exact_mut(SIZE).zip(vals) {
                    dst.copy_from_slice(&v.to_le_bytes());
                }
            }
            fn take_all(inp: &mut &[u8], n: usize, into: &mut Vec<Self>) -> Option<()> {
                const SIZE: usize = std::mem::size_of::<$t>();
                let b = take_bytes(inp, n.checked_mul(SIZE)?)?;
                into.extend(b.chunks_exact(SIZE).map(|c| {
                    let mut a = [0u8; SIZE];
                    a.copy_from_slice(c);
                    <$t>::from_le_bytes(a)
                }));
                Some(())
            }
        }
    )*};
}
wire_number!(i8, i16, i32, i64, u8, u16, u32, u64, f32, f64);

impl Wire for bool {
    fn put(&self, out: &mut Vec<u8>) {
        out.push(u8::from(*self));
    }
    fn take(inp: &mut &[u8]) -> Option<Self> {
        match u8::take(inp)? {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }
}

impl Wire for usize {
    fn put(&self, out: &mut Vec<u8>) {
        (*self as u64).put(out);
    }
    fn take(inp: &mut &[u8]) -> Option<Self> {
        usize::try_from(u64::take(inp)?).ok()
    }
}

impl<T: Wire> Wire for Option<T> {
    fn put(&self, out: &mut Vec<u8>) {
        match self {
            None => out.push(0),
            Some(v) => {
                out.push(1);
                v.put(out);
            }
        }
    }
    fn take(inp: &mut &[u8]) -> Option<Self> {
        match u8::take(inp)? {
            0 => Some(None),
            1 => Some(Some(T::take(inp)?)),
            _ => None,
        }
    }
}

impl<A: Wire, B: Wire> Wire for (A, B) {
    fn put(&self, out: &mut Vec<u8>) {
        self.0.put(out);
        self.1.put(out);
    }
    fn take(inp: &mut &[u8]) -> Option<Self> {
        Some((A::take(inp)?, B::take(inp)?))
    }
}

impl Wire for Moments {
    fn put(&self, out: &mut Vec<u8>) {
        self.count.put(out);
        self.mean.put(out);
        self.m2.put(out);
    }
    fn take(inp: &mut &[u8]) -> Option<Self> {
        Some(Moments {
            count: f64::take(inp)?,
            mean: f64::take(inp)?,
            m2: f64::take(inp)?,
        })
    }
}

impl<T: Wire> Wire for Vec<T> {
    fn put(&self, out: &mut Vec<u8>) {
        self.len().put(out);
        T::put_all(self, out);
    }
    fn take(inp: &mut &[u8]) -> Option<Self> {
        let n = usize::take(inp)?;
        // Every value takes at least one byte: a length beyond the bytes left is malformed.
        if n > inp.len() {
            return None;
        }
        let mut v = Vec::with_capacity(n);
        T::take_all(inp, n, &mut v)?;
        Some(v)
    }
}

/// The values of `a` in logical (C) order.
fn put_values<T: Wire + Clone>(a: &ArrayD<T>, out: &mut Vec<u8>) {
    a.shape().to_vec().put(out);
    out.reserve(a.len() * std::mem::size_of::<T>());
    match a.as_slice() {
        Some(s) => T::put_all(s, out),
        None => a.iter().for_each(|v| v.put(out)),
    }
}

fn take_values<T: Wire>(inp: &mut &[u8]) -> Option<ArrayD<T>> {
    let shape = Vec::<usize>::take(inp)?;
    let n = shape
        .iter()
        .try_fold(1usize, |acc, &l| acc.checked_mul(l))?;
    if n > inp.len() {
        return None;
    }
    let mut vals = Vec::with_capacity(n);
    T::take_all(inp, n, &mut vals)?;
    ArrayD::from_shape_vec(IxDyn(&shape), vals).ok()
}

/// The dtypes of chunk data, by their tag in the byte form.
const DTYPES: [DType; 11] = DType::ALL;

/// The tag of a dtype in the byte form.
fn dtype_tag(d: DType) -> u8 {
    DTYPES.iter().position(|&x| x == d).unwrap_or(0) as u8
}

impl Wire for ChunkData {
    fn put(&self, out: &mut Vec<u8>) {
        out.push(dtype_tag(self.dtype()));
        match self {
            ChunkData::Bool(a) => put_values(a, out),
            ChunkData::I8(a) => put_values(a, out),
            ChunkData::I16(a) => put_values(a, out),
            ChunkData::I32(a) => put_values(a, out),
            ChunkData::I64(a) => put_values(a, out),
            ChunkData::U8(a) => put_values(a, out),
            ChunkData::U16(a) => put_values(a, out),
            ChunkData::U32(a) => put_values(a, out),
            ChunkData::U64(a) => put_values(a, out),
            ChunkData::F32(a) => put_values(a, out),
            ChunkData::F64(a) => put_values(a, out),
        }
    }
    fn take(inp: &mut &[u8]) -> Option<Self> {
        let d = *DTYPES.get(u8::take(inp)? as usize)?;
        Some(match d {
            DType::Bool => ChunkData::Bool(take_values(inp)?),
            DType::I8 => ChunkData::I8(take_values(inp)?),
            DType::I16 => ChunkData::I16(take_values(inp)?),
            DType::I32 => ChunkData::I32(take_values(inp)?),
            DType::I64 => ChunkData::I64(take_values(inp)?),
            DType::U8 => ChunkData::U8(take_values(inp)?),
            DType::U16 => ChunkData::U16(take_values(inp)?),
            DType::U32 => ChunkData::U32(take_values(inp)?),
            DType::U64 => ChunkData::U64(take_values(inp)?),
            DType::F32 => ChunkData::F32(take_values(inp)?),
            DType::F64 => ChunkData::F64(take_values(inp)?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip<T: Wire + PartialEq + std::fmt::Debug>(v: T) {
        let mut b = Vec::new();
        v.put(&mut b);
        let mut s = b.as_slice();
        assert_eq!(T::take(&mut s).as_ref(), Some(&v));
        assert!(s.is_empty());
        // Every strict prefix is malformed.
        for cut in 0..b.len() {
            let mut s = &b[..cut];
            assert!(T::take(&mut s).is_none() || !s.is_empty() || cut == b.len());
        }
    }

    #[test]
    fn values_round_trip_bit_exactly() {
        round_trip(-0.0f64);
        round_trip(f64::MIN_POSITIVE / 3.0);
        round_trip(Some((1.5f32, -7i64)));
        round_trip(None::<(f64, i64)>);
        round_trip(vec![(0.25f64, 3.0f64), (f64::INFINITY, 0.0)]);
        round_trip(vec![true, false]);
        round_trip(u64::MAX);
        let m = Moments {
            count: 3.0,
            mean: 0.1,
            m2: 1e-300,
        };
        let mut b = Vec::new();
        m.put(&mut b);
        let back = Moments::take(&mut b.as_slice()).unwrap();
        assert_eq!(
            (back.count, back.mean.to_bits(), back.m2),
            (3.0, 0.1f64.to_bits(), 1e-300)
        );
        let nan = f64::from_bits(0x7ff8_0000_dead_beef);
        let mut b = Vec::new();
        nan.put(&mut b);
        assert_eq!(
            f64::take(&mut b.as_slice()).unwrap().to_bits(),
            nan.to_bits()
        );
    }

    #[test]
    fn chunks_round_trip_in_logical_order() {
        let a = ndarray::Array2::from_shape_fn((3, 4), |(i, j)| (i * 4 + j) as f64 - 0.5);
        // A transposed (non-standard layout) view is sent in logical order.
        let c = ChunkData::F64(a.t().to_owned().into_dyn());
        let mut b = Vec::new();
        ChunkData::F64(a.t().into_owned().into_dyn()).put(&mut b);
        match ChunkData::take(&mut b.as_slice()).unwrap() {
            ChunkData::F64(x) => match &c {
                ChunkData::F64(y) => assert_eq!(&x, y),
                _ => unreachable!(),
            },
            other => panic!("wrong dtype {:?}", other.dtype()),
        }
        let i = ChunkData::I32(ndarray::arr0(-4).into_dyn());
        let mut b = Vec::new();
        i.put(&mut b);
        assert!(
            matches!(ChunkData::take(&mut b.as_slice()), Some(ChunkData::I32(x)) if x[[]] == -4)
        );
    }

    #[test]
    fn malformed_bytes_are_refused() {
        assert!(bool::take(&mut &[2u8][..]).is_none());
        assert!(<Option<f64> as Wire>::take(&mut &[7u8][..]).is_none());
        // A length larger than the bytes left.
        let mut b = Vec::new();
        (1usize << 40).put(&mut b);
        assert!(Vec::<f64>::take(&mut b.as_slice()).is_none());
        // A shape whose element count overflows.
        let mut b = vec![dtype_tag(DType::F64)];
        vec![usize::MAX, 3].put(&mut b);
        assert!(ChunkData::take(&mut b.as_slice()).is_none());
        assert!(ChunkData::take(&mut &[200u8][..]).is_none());
    }
}
