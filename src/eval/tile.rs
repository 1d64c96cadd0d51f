//! The tile evaluator: runs a fused program over a chunk, a few thousand elements at a time.
//!
//! Every register holds one tile ([`TILE`] elements) of one dtype, so a program's
//! temporaries stay in L1/L2 and each leaf is read from memory once. Constant registers (scalar
//! operands and everything computed only from them) are filled once per task.

use super::leaf::LeafData;
use super::strided::{StridedSrc, TileSpec};
use crate::dtype::{with_dtype, with_float, with_numeric, DType, Element};
use crate::error::{Error, Result};
use crate::expr::{BinaryOp, UnaryOp};
use crate::plan::{Instr, Program};
use tessera_kernels::scalar::{round_half_even, Arith};
use tessera_kernels::{elementwise, math};

/// Elements per tile (64 KiB of `f64`: temporaries stay in L2, and the in-place leaf reads
/// run long enough for the hardware prefetchers). Measured at size M, 2 threads, median of
/// 3: with tiles of 2048 and 8192 elements W1 took 0.285/0.276 s, W3 0.603/0.448 s, W2
/// 0.367/0.363 s, W4 0.440/0.459 s, and `sum(x*y+1)` over 2·10^8 elements 0.171/0.112 s
/// (tiles of 32768: 0.116 s). Before leaves were read in place, 2048 beat 512 and 1024.
pub(crate) const TILE: usize = 8192;

macro_rules! reg_enum {
    ($($var:ident($t:ty)),*) => {
        /// One register: a tile of one dtype.
        pub(crate) enum Reg { $($var(Vec<$t>)),* }

        /// A tile read in place from a leaf's memory (see [`StridedSrc::borrow`]).
        #[derive(Clone, Copy)]
        pub(crate) enum RegView<'a> { $($var(&'a [$t])),* }

        impl Reg {
            fn new(dt: DType, n: usize) -> Reg {
                match dt { $(DType::$var => Reg::$var(vec![<$t>::default(); n])),* }
            }
        }

        $(impl RegElem for $t {
            #[inline]
            fn get(r: &Reg) -> &[Self] {
                match r { Reg::$var(v) => v, _ => &[] }
            }
            #[inline]
            fn get_mut(r: &mut Reg) -> &mut [Self] {
                match r { Reg::$var(v) => v, _ => &mut [] }
            }
            #[inline]
            fn in_place<'b>(v: &RegView<'b>) -> &'b [Self] {
                match *v { RegView::$var(s) => s, _ => &[] }
            }
            #[inline]
            fn wrap(s: &[Self]) -> RegView<'_> {
                RegView::$var(s)
            }
            #[inline]
            fn out<'b>(o: &'b mut Out<'_>) -> &'b mut [Self] {
                match o {
                    Out::Reg(r) => Self::get_mut(r),
                    Out::Slice(d) => d.slice::<Self>(),
                }
            }
        })*
    };
}

/// Typed access to registers.
pub(crate) trait RegElem: Element {
    /// The register's tile (empty if the register has another dtype).
    fn get(r: &Reg) -> &[Self];
    /// The register's tile, mutable.
    fn get_mut(r: &mut Reg) -> &mut [Self];
    /// The elements of a borrowed tile (empty if it has another dtype).
    fn in_place<'b>(v: &RegView<'b>) -> &'b [Self];
    /// A borrowed tile of this dtype.
    fn wrap(s: &[Self]) -> RegView<'_>;
    /// Where an instruction writes (empty if the destination has another dtype).
    fn out<'b>(o: &'b mut Out<'_>) -> &'b mut [Self];
    /// The elements of an operand.
    #[inline]
    fn src<'b>(s: Src<'b>) -> &'b [Self] {
        match s {
            Src::Reg(r) => Self::get(r),
            Src::View(v) => Self::in_place(&v),
        }
    }
}

/// Where an instruction writes: its register, or (for the program's result) the output's
/// memory directly.
pub(crate) enum Out<'b> {
    Reg(&'b mut Reg),
    Slice(OutSlice<'b>),
}

/// A typed mutable slice of output memory, erased to its dtype.
pub(crate) struct OutSlice<'b> {
    dtype: DType,
    ptr: *mut u8,
    len: usize,
    _slice: std::marker::PhantomData<&'b mut [u8]>,
}

impl<'b> OutSlice<'b> {
    /// Wraps a mutable slice of a register dtype.
    pub(crate) fn new<T: RegElem>(s: &'b mut [T]) -> Self {
        OutSlice {
            dtype: T::DTYPE,
            ptr: s.as_mut_ptr() as *mut u8,
            len: s.len(),
            _slice: std::marker::PhantomData,
        }
    }

    /// The slice as `T`, or an empty slice if `T` is not its dtype.
    fn slice<T: RegElem>(&mut self) -> &mut [T] {
        if T::DTYPE != self.dtype {
            return &mut [];
        }
        // SAFETY: `ptr`/`len` come from a `&'b mut [U]` with `U::DTYPE == T::DTYPE`, and
        // the sealed `Element` trait gives each dtype exactly one Rust type, so `U == T`;
        // the borrow of `self` keeps the slice exclusive for the returned lifetime.
        unsafe { std::slice::from_raw_parts_mut(self.ptr as *mut T, self.len) }
    }
}

/// An operand of an instruction: a register, or a tile read in place.
#[derive(Clone, Copy)]
pub(crate) enum Src<'b> {
    Reg(&'b Reg),
    View(RegView<'b>),
}

reg_enum!(
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
    F64(f64)
);

impl Default for Reg {
    fn default() -> Self {
        Reg::Bool(Vec::new())
    }
}

/// A leaf's tiles, whatever its dtype: copied into a register, or borrowed in place.
trait LeafTiles<'a> {
    /// Copies the elements of `tile` into `r`.
    fn load(&self, tile: &TileSpec, r: &mut Reg);
    /// The elements of `tile` in place, when they are adjacent in the leaf's memory.
    fn borrow(&self, tile: &TileSpec) -> Option<RegView<'a>>;
}

impl<'a, T: RegElem> LeafTiles<'a> for StridedSrc<'a, T> {
    fn load(&self, tile: &TileSpec, r: &mut Reg) {
        StridedSrc::load(self, tile, &mut T::get_mut(r)[..tile.len()])
    }
    fn borrow(&self, tile: &TileSpec) -> Option<RegView<'a>> {
        StridedSrc::borrow(self, tile).map(T::wrap)
    }
}

/// Runs one program over one region, tile by tile.
pub(crate) struct TileRunner<'a> {
    prog: &'a Program,
    leaves: Vec<Box<dyn LeafTiles<'a> + 'a>>,
    regs: Vec<Reg>,
    /// Per instruction, the leaf tile read in place for the current tile, if any.
    views: Vec<Option<RegView<'a>>>,
    constant: Vec<bool>,
    consts_ready: bool,
    /// Number of elements of the region.
    pub(crate) len: usize,
    /// Register length.
    cap: usize,
    shape: Vec<usize>,
    blocked: bool,
}

/// Whether leaves laid out down their columns (transposes) are read in block tiles visited
/// super-block by super-block (instead of flat runs over the whole chunk), so that a chunk
/// and its transpose both stay in L2 while their lines are reused. Measured on W4
/// (`(x + x.T).sum()`, 2 threads, inputs on huge pages), median of 3–5 runs:
///
/// | tiles | S: 4000², chunks 500² | M: 20000², chunks 2000² |
/// |---|---:|---:|
/// | flat runs over the chunk | 17 ms | 0.76 s |
/// | 16×32 blocks, row-major over the chunk | 34 ms | – |
/// | 4×128 blocks in 128² super-blocks | 26 ms | 0.67 s |
/// | 2×256 blocks in 256² super-blocks | 17 ms | 0.44 s |
/// | 1×512 rows in 512² super-blocks (chosen) | 16.5 ms | 0.44 s |
const USE_BLOCK_TILES: bool = true;

/// Rows and columns of a block tile, and the super-block side (see `USE_BLOCK_TILES`).
const BLOCK_ROWS: usize = 1;
const BLOCK_COLS: usize = TILE / BLOCK_ROWS;
/// Side of the square super-blocks whose tiles run consecutively, so that both a leaf and its
/// transpose are read in kilobyte runs and each cache line is fetched once per super-block.
const SUPER: usize = 512;

impl<'a> TileRunner<'a> {
    /// Prepares the program for the region of shape `shape`, with leaf data `leaves`.
    pub(crate) fn new(prog: &'a Program, leaves: &'a [LeafData], shape: &[usize]) -> Result<Self> {
        let mut tiles: Vec<Box<dyn LeafTiles<'a> + 'a>> = Vec::with_capacity(leaves.len());
        let mut blocked = false;
        for (ld, leaf) in leaves.iter().zip(&prog.leaves) {
            with_dtype!(leaf.node.dtype, T => {
                let src = StridedSrc::new(ld.view::<T>(leaf, shape)?);
                blocked |= USE_BLOCK_TILES && src.prefers_blocks();
                tiles.push(Box::new(src));
            });
        }
        // Registers as long as a tile, or as the whole region when it is smaller (tiny
        // chunks then cost no more than their size).
        let len: usize = shape.iter().product();
        let cap = TILE.min(len).max(1);
        let mut constant = vec![false; prog.instrs.len()];
        for (i, ins) in prog.instrs.iter().enumerate() {
            constant[i] = match *ins {
                Instr::Leaf(_) => false,
                Instr::Const(_) => true,
                Instr::Unary(_, a) => constant[a],
                Instr::Binary(_, a, b) => constant[a] && constant[b],
                Instr::Where(c, a, b) => constant[c] && constant[a] && constant[b],
            };
        }
        Ok(TileRunner {
            prog,
            leaves: tiles,
            regs: prog.dtypes.iter().map(|&d| Reg::new(d, cap)).collect(),
            views: vec![None; prog.instrs.len()],
            cap,
            constant,
            consts_ready: false,
            len,
            shape: shape.to_vec(),
            blocked,
        })
    }

    /// The tiles covering the region, in a fixed order: flat C-order ranges, or blocks of
    /// the last two axes when a leaf is laid out down its columns (a transpose), so that
    /// every leaf is read in cache-line-sized runs.
    pub(crate) fn tiles(&self) -> Vec<TileSpec> {
        let mut v = Vec::new();
        if self.blocked {
            let nd = self.shape.len();
            let (rows, cols) = (self.shape[nd - 2], self.shape[nd - 1]);
            let outer: usize = self.shape[..nd - 2].iter().product();
            for o in 0..outer {
                for sr in (0..rows).step_by(SUPER) {
                    for sc in (0..cols).step_by(SUPER) {
                        let c_end = (sc + SUPER).min(cols);
                        for r0 in (sr..(sr + SUPER).min(rows)).step_by(BLOCK_ROWS) {
                            for c0 in (sc..c_end).step_by(BLOCK_COLS) {
                                v.push(TileSpec::Block {
                                    outer: o,
                                    r0,
                                    nr: BLOCK_ROWS.min(rows - r0),
                                    c0,
                                    nc: BLOCK_COLS.min(c_end - c0),
                                });
                            }
                        }
                    }
                }
            }
        } else {
            let mut start = 0;
            while start < self.len {
                let n = TILE.min(self.len - start);
                v.push(TileSpec::Flat { start, n });
                start += n;
            }
        }
        v
    }

    /// Evaluates the program for the elements of `tile` (at most `TILE` of them).
    pub(crate) fn run(&mut self, tile: &TileSpec) -> Result<()> {
        self.run_first(tile, self.prog.instrs.len())
    }

    /// Runs the first `count` instructions for `tile`; constants only on the first call.
    fn run_first(&mut self, tile: &TileSpec, count: usize) -> Result<()> {
        let n = tile.len();
        for (i, ins) in self.prog.instrs.iter().enumerate().take(count) {
            if self.constant[i] {
                if self.consts_ready {
                    continue;
                }
                // Constants are computed over the whole tile once.
                let full = TileSpec::Flat {
                    start: 0,
                    n: self.cap,
                };
                self.exec(i, ins, &full, self.cap)?;
            } else {
                self.exec(i, ins, tile, n)?;
            }
        }
        self.consts_ready = true;
        Ok(())
    }

    fn exec(&mut self, i: usize, ins: &Instr, tile: &TileSpec, n: usize) -> Result<()> {
        if let Instr::Leaf(l) = *ins {
            // Read the tile in place when its elements are adjacent in the leaf's memory.
            self.views[i] = self.leaves[l].borrow(tile);
            if self.views[i].is_none() {
                self.leaves[l].load(tile, &mut self.regs[i]);
            }
            return Ok(());
        }
        let mut reg = std::mem::take(&mut self.regs[i]);
        let r = self.compute(ins, &mut Out::Reg(&mut reg), n);
        self.regs[i] = reg;
        r
    }

    /// Runs an arithmetic instruction (not a leaf) into `out`.
    fn compute(&self, ins: &Instr, out: &mut Out<'_>, n: usize) -> Result<()> {
        let dts = &self.prog.dtypes;
        match *ins {
            Instr::Leaf(_) => Ok(()),
            Instr::Const(s) => {
                with_dtype!(s.dtype(), T => {
                    let v = T::from_scalar(s).unwrap_or_default();
                    T::out(out)[..n].fill(v);
                });
                Ok(())
            }
            Instr::Unary(op, a) => unary(op, dts[a], self.src(a), out, n),
            Instr::Binary(op, a, b) => binary(op, dts[a], self.src(a), self.src(b), out, n),
            Instr::Where(c, a, b) => {
                with_dtype!(dts[a], T => {
                    let (c, x, y) = (bool::src(self.src(c)), T::src(self.src(a)), T::src(self.src(b)));
                    elementwise::select(&c[..n], &x[..n], &y[..n], &mut T::out(out)[..n]);
                });
                Ok(())
            }
        }
    }

    /// Whether [`run_into`](Self::run_into) can write the result straight to the output:
    /// the result is computed per tile (not a leaf or a constant).
    pub(crate) fn writes_into(&self) -> bool {
        let r = self.prog.result();
        !self.constant[r] && !matches!(self.prog.instrs[r], Instr::Leaf(_))
    }

    /// [`run`](Self::run), with the result written into `out` (`tile.len()` elements of the
    /// result's dtype) instead of its register: one pass less over the tile.
    pub(crate) fn run_into<T: RegElem>(&mut self, tile: &TileSpec, out: &mut [T]) -> Result<()> {
        // The result is the last instruction and, by `writes_into`, not a constant, so the
        // instructions before it include every constant.
        debug_assert!(self.writes_into());
        let r = self.prog.result();
        self.run_first(tile, r)?;
        self.compute(
            &self.prog.instrs[r],
            &mut Out::Slice(OutSlice::new(out)),
            tile.len(),
        )
    }

    /// The result of the last [`run`](Self::run), as a typed tile.
    pub(crate) fn result<T: RegElem>(&self) -> &[T] {
        T::src(self.src(self.prog.result()))
    }

    /// Instruction `i`'s value for the current tile.
    #[inline]
    fn src(&self, i: usize) -> Src<'_> {
        match self.views[i] {
            Some(v) => Src::View(v),
            None => Src::Reg(&self.regs[i]),
        }
    }
}

#[inline]
fn map<A: RegElem, B: RegElem>(a: Src<'_>, out: &mut Out<'_>, n: usize, f: impl Fn(A) -> B) {
    elementwise::map(&A::src(a)[..n], &mut B::out(out)[..n], f);
}

#[inline]
fn zip<A: RegElem, B: RegElem>(
    a: Src<'_>,
    b: Src<'_>,
    out: &mut Out<'_>,
    n: usize,
    f: impl Fn(A, A) -> B,
) {
    elementwise::zip(&A::src(a)[..n], &A::src(b)[..n], &mut B::out(out)[..n], f);
}

/// A slice-to-slice math kernel applied to a register.
#[inline]
fn math_f<F: RegElem>(a: Src<'_>, out: &mut Out<'_>, n: usize, f: fn(&[F], &mut [F])) {
    f(&F::src(a)[..n], &mut F::out(out)[..n]);
}

fn bad(op: &str, dt: DType) -> Result<()> {
    Err(Error::DType {
        op: op.to_string(),
        dtype: dt,
    })
}

fn unary(op: UnaryOp, dt: DType, a: Src<'_>, out: &mut Out<'_>, n: usize) -> Result<()> {
    use UnaryOp::*;
    match op {
        Cast(to) => {
            with_dtype!(dt, A => with_dtype!(to, B => map::<A, B>(a, out, n, B::cast_from)));
            Ok(())
        }
        Not => {
            map::<bool, bool>(a, out, n, |x| !x);
            Ok(())
        }
        Neg | Abs | Sign => with_numeric!(dt, T => {
            match op {
                Neg => map::<T, T>(a, out, n, Arith::neg),
                Abs => map::<T, T>(a, out, n, Arith::abs),
                _ => map::<T, T>(a, out, n, Arith::sign),
            }
            Ok(())
        }, bool => bad(op.name(), dt)),
        IsNan | IsFinite => with_float!(dt, F => {
            if op == IsNan {
                map::<F, bool>(a, out, n, |x| x.is_nan());
            } else {
                map::<F, bool>(a, out, n, |x| x.is_finite());
            }
            Ok(())
        }, _ => bad(op.name(), dt)),
        Exp | Ln | Log1p | Expm1 | Sin | Cos | Tan | Tanh => {
            match dt {
                DType::F64 => math_f::<f64>(
                    a,
                    out,
                    n,
                    match op {
                        Exp => math::exp,
                        Ln => math::ln,
                        Log1p => math::log1p,
                        Expm1 => math::expm1,
                        Sin => math::sin,
                        Cos => math::cos,
                        Tan => math::tan,
                        _ => math::tanh,
                    },
                ),
                DType::F32 => math_f::<f32>(
                    a,
                    out,
                    n,
                    match op {
                        Exp => math::exp_f32,
                        Ln => math::ln_f32,
                        Log1p => math::log1p_f32,
                        Expm1 => math::expm1_f32,
                        Sin => math::sin_f32,
                        Cos => math::cos_f32,
                        Tan => math::tan_f32,
                        _ => math::tanh_f32,
                    },
                ),
                _ => return bad(op.name(), dt),
            }
            Ok(())
        }
        _ => with_float!(dt, F => {
            match op {
                Sqrt => map::<F, F>(a, out, n, F::sqrt),
                Floor => map::<F, F>(a, out, n, F::floor),
                Ceil => map::<F, F>(a, out, n, F::ceil),
                _ => map::<F, F>(a, out, n, round_half_even),
            }
            Ok(())
        }, _ => bad(op.name(), dt)),
    }
}

// The comparisons are generic over every element type, `bool` included, where `x < y` is
// the intended ordering (false < true).
#[allow(clippy::bool_comparison)]
fn binary(
    op: BinaryOp,
    dt: DType,
    a: Src<'_>,
    b: Src<'_>,
    out: &mut Out<'_>,
    n: usize,
) -> Result<()> {
    use BinaryOp::*;
    match op {
        Eq | Ne | Lt | Le | Gt | Ge => {
            with_dtype!(dt, T => match op {
                Eq => zip::<T, bool>(a, b, out, n, |x, y| x == y),
                Ne => zip::<T, bool>(a, b, out, n, |x, y| x != y),
                Lt => zip::<T, bool>(a, b, out, n, |x, y| x < y),
                Le => zip::<T, bool>(a, b, out, n, |x, y| x <= y),
                Gt => zip::<T, bool>(a, b, out, n, |x, y| x > y),
                _ => zip::<T, bool>(a, b, out, n, |x, y| x >= y),
            });
            Ok(())
        }
        And => {
            zip::<bool, bool>(a, b, out, n, |x, y| x & y);
            Ok(())
        }
        Or => {
            zip::<bool, bool>(a, b, out, n, |x, y| x | y);
            Ok(())
        }
        Xor => {
            zip::<bool, bool>(a, b, out, n, |x, y| x ^ y);
            Ok(())
        }
        _ => with_numeric!(dt, T => {
            match op {
                Add => zip::<T, T>(a, b, out, n, Arith::add),
                Sub => zip::<T, T>(a, b, out, n, Arith::sub),
                Mul => zip::<T, T>(a, b, out, n, Arith::mul),
                Div => zip::<T, T>(a, b, out, n, Arith::div),
                Rem => zip::<T, T>(a, b, out, n, Arith::rem),
                Pow => match dt {
                    DType::F64 => math::pow(&f64::src(a)[..n], &f64::src(b)[..n], &mut f64::out(out)[..n]),
                    DType::F32 => math::pow_f32(&f32::src(a)[..n], &f32::src(b)[..n], &mut f32::out(out)[..n]),
                    _ => zip::<T, T>(a, b, out, n, Arith::pow),
                },
                Maximum => zip::<T, T>(a, b, out, n, Arith::maximum),
                _ => zip::<T, T>(a, b, out, n, Arith::minimum),
            }
            Ok(())
        }, bool => bad(op.name(), dt)),
    }
}
