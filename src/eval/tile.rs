//! The tile evaluator: runs a fused program over a chunk, a few thousand elements at a time.
//!
//! Every register holds one tile ([`TILE`] or [`COMPUTE_TILE`] elements) of one dtype, so a program's
//! temporaries stay in L1/L2 and each leaf is read from memory once. Values share registers
//! by liveness, in page-aligned buffers ([`regalloc`](super::regalloc)). Each instruction is
//! resolved to its kernel once per task ([`tile_ops`]); scalar operands of arithmetic and
//! comparisons are immediates, and other constant registers (everything computed only from
//! constants) are filled once per task. A paired step ([`tile_fuse`]) writes over the
//! register of an operand it reads last, where [`assign_slots`] gave it that register.

use super::generate::GenTiles;
use super::leaf::LeafData;
use super::regalloc::{assign_slots, operands, reads_of, AlignedBuf};
use super::strided::{StridedSrc, TileSpec};
use super::tile_fuse::{self, Pair};
use super::tile_ops::{self, Step};
use crate::dtype::{with_dtype, DType, Element};
use crate::error::{Error, Result};
use crate::expr::Op;
use crate::plan::{Instr, Program};

/// Elements per tile (64 KiB of `f64`: temporaries stay in L2, and the in-place leaf reads
/// run long enough for the hardware prefetchers). Shorter tiles slow streaming programs
/// down, and longer ones gain nothing (tile-length figures in `BENCHMARKS.md`).
pub(crate) const TILE: usize = 8192;

/// Elements per tile of a program that calls a transcendental function or `**` (4 KiB of
/// `f64`, so every register stays in L1). Such a program is bound by arithmetic while a
/// pure streaming one is bound by memory; with short tiles the loads of one tile's leaves
/// overlap the arithmetic of the last. W1 (`sum(sin(x) * y + 1)`) runs fastest with 256 or
/// 512 elements and slower with 1024 or 8192 (figures in `BENCHMARKS.md`).
pub(crate) const COMPUTE_TILE: usize = 512;

/// The tile length for `prog`: [`COMPUTE_TILE`] when it calls a function that costs far
/// more than a memory access per element, [`TILE`] otherwise.
fn tile_len(prog: &Program) -> usize {
    use crate::expr::{BinaryOp, UnaryOp::*};
    let heavy = prog.instrs.iter().any(|ins| match ins {
        Instr::Unary(op, _) => matches!(
            op,
            Exp | Ln
                | Log1p
                | Expm1
                | Sin
                | Cos
                | Tan
                | Tanh
                | Arcsin
                | Arccos
                | Arctan
                | Sinh
                | Cosh
                | Arcsinh
                | Arccosh
                | Arctanh
                | Log2
                | Log10
                | Exp2
                | Cbrt
                | Sinc
        ),
        Instr::Binary(op, ..) => matches!(
            op,
            BinaryOp::Pow
                | BinaryOp::Arctan2
                | BinaryOp::Hypot
                | BinaryOp::Logaddexp
                | BinaryOp::Logaddexp2
        ),
        _ => false,
    });
    if heavy {
        COMPUTE_TILE
    } else {
        TILE
    }
}

macro_rules! reg_enum {
    ($($var:ident($t:ty)),*) => {
        /// One register: a tile of one dtype.
        pub(crate) enum Reg { $($var(AlignedBuf<$t>)),* }

        /// A tile read in place from a leaf's memory (see [`StridedSrc::borrow`]).
        #[derive(Clone, Copy)]
        pub(crate) enum RegView<'a> { $($var(&'a [$t])),* }

        impl Reg {
            fn new(dt: DType, n: usize) -> Reg {
                match dt { $(DType::$var => Reg::$var(AlignedBuf::new(n))),* }
            }
        }

        impl<'a> RegView<'a> {
            /// Elements `start..start + n` (in bounds: the tiles lie inside the region).
            #[inline]
            fn sub(self, start: usize, n: usize) -> RegView<'a> {
                match self { $(RegView::$var(s) => RegView::$var(&s[start..start + n])),* }
            }
        }

        $(impl RegElem for $t {
            #[inline]
            fn get(r: &Reg) -> &[Self] {
                match r { Reg::$var(v) => v.as_slice(), _ => &[] }
            }
            #[inline]
            fn get_mut(r: &mut Reg) -> &mut [Self] {
                match r { Reg::$var(v) => v.as_mut_slice(), _ => &mut [] }
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
            Src::Output => &[],
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
    /// The operand's values are in the instruction's own output register, which the kernel
    /// overwrites (see [`assign_slots`]). Only kernels that declare an in-place operand
    /// ([`tile_fuse`]) are given one; to others it reads as an empty tile.
    Output,
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
        Reg::Bool(AlignedBuf::default())
    }
}

/// A leaf's tiles, whatever its dtype: copied into a register, or borrowed in place.
trait LeafTiles<'a> {
    /// Copies the elements of `tile` into `r`.
    fn load(&self, tile: &TileSpec, r: &mut Reg);
    /// The elements of `tile` in place, when they are adjacent in the leaf's memory.
    fn borrow(&self, tile: &TileSpec) -> Option<RegView<'a>>;
    /// The whole leaf in place, when it is C-contiguous (flat tiles are then sub-slices).
    fn contiguous(&self) -> Option<RegView<'a>>;
}

impl<'a, T: RegElem> LeafTiles<'a> for StridedSrc<'a, T> {
    fn load(&self, tile: &TileSpec, r: &mut Reg) {
        StridedSrc::load(self, tile, &mut T::get_mut(r)[..tile.len()])
    }
    fn borrow(&self, tile: &TileSpec) -> Option<RegView<'a>> {
        StridedSrc::borrow(self, tile).map(T::wrap)
    }
    fn contiguous(&self) -> Option<RegView<'a>> {
        StridedSrc::contiguous(self).map(T::wrap)
    }
}

impl<'a, T: RegElem> LeafTiles<'a> for GenTiles<T> {
    fn load(&self, tile: &TileSpec, r: &mut Reg) {
        GenTiles::load(self, tile, &mut T::get_mut(r)[..tile.len()])
    }
    fn borrow(&self, _tile: &TileSpec) -> Option<RegView<'a>> {
        None
    }
    fn contiguous(&self) -> Option<RegView<'a>> {
        None
    }
}

/// What lowering a program for the tile evaluator gives, independent of any task's data:
/// computed once per program, so once per stage, and shared by all its tasks.
pub(crate) struct Lowered {
    /// Per instruction, whether it is computed once per task (constants and what only
    /// depends on them).
    constant: Vec<bool>,
    /// Per instruction, its kernel (pairs of instructions run as one step).
    steps: Vec<Step>,
    /// Per instruction, its register slot, and each slot's dtype.
    slot: Vec<usize>,
    slot_dtypes: Vec<DType>,
    /// Per instruction, the operand whose slot it writes over.
    over: Vec<Option<usize>>,
}

/// The lowering of `prog`, cached in the program ([`Program::lowered`]).
fn lowered(prog: &Program) -> Result<std::sync::Arc<Lowered>> {
    if let Some(l) = prog.lowered.get() {
        return Ok(l.clone());
    }
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
    let mut steps = resolve_steps(prog, &constant)?;
    let reads = pair_steps(prog, &constant, &mut steps);
    let mut over: Vec<Option<usize>> = steps.iter().map(|s| overwritable(prog, s)).collect();
    let slots = assign_slots(prog, &constant, &reads, &over);
    // Keep the operands whose slot the instruction did take.
    for (i, k) in over.iter_mut().enumerate() {
        *k = k.filter(|&k| slots.of[k] == slots.of[i]);
    }
    let l = std::sync::Arc::new(Lowered {
        constant,
        steps,
        slot: slots.of,
        slot_dtypes: slots.dtypes,
        over,
    });
    Ok(prog.lowered.get_or_init(|| l).clone())
}

/// Runs one program over one region, tile by tile.
pub(crate) struct TileRunner<'a> {
    prog: &'a Program,
    /// Per instruction, its kernel (resolved once, in `new`).
    steps: Vec<Step>,
    leaves: Vec<Box<dyn LeafTiles<'a> + 'a>>,
    /// Per instruction, the whole leaf in place when the instruction reads a C-contiguous
    /// leaf and every tile is flat: its tiles are sub-slices, taken where an operand is read
    /// (the instruction is not run per tile).
    direct: Vec<Option<RegView<'a>>>,
    /// Start of the current tile (flat tiles).
    start: usize,
    /// Register buffers, shared by instructions whose values are not live at once.
    regs: Vec<Reg>,
    /// Per instruction, the index of its register in `regs` ([`assign_slots`]).
    slot: Vec<usize>,
    /// Per instruction, the operand whose register it writes over (it took the operand's
    /// slot): that operand is passed as [`Src::Output`] unless it was read in place.
    over: Vec<Option<usize>>,
    /// The instructions run for every tile, in order (not constants, not folded into a pair).
    per_tile: Vec<usize>,
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
/// and its transpose both stay in L2 while their lines are reused. Rows of 512 elements in
/// 512² super-blocks ([`BLOCK_ROWS`], [`SUPER`]) are the fastest layout on W4
/// (`(x + x.T).sum()`); flat runs over the whole chunk and narrower blocks are slower
/// (figures in `BENCHMARKS.md`).
const USE_BLOCK_TILES: bool = true;

/// Rows of a block tile; its columns fill the rest of a tile (see `USE_BLOCK_TILES`).
const BLOCK_ROWS: usize = 1;
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
                match &leaf.node.op {
                    Op::Generate(g) if ld.lazy => {
                        tiles.push(Box::new(GenTiles::<T>::new(g, leaf, ld.sub(), shape)));
                    }
                    _ => {
                        let src = StridedSrc::new(ld.view::<T>(leaf, shape)?);
                        blocked |= USE_BLOCK_TILES && src.prefers_blocks();
                        tiles.push(Box::new(src));
                    }
                }
            });
        }
        // Registers as long as a tile, or as the whole region when it is smaller (tiny
        // chunks then cost no more than their size).
        let len: usize = shape.iter().product();
        let cap = tile_len(prog).min(len).max(1);
        let lowered = lowered(prog)?;
        let Lowered {
            constant,
            steps,
            slot,
            slot_dtypes,
            over,
        } = &*lowered;
        let (constant, steps, over) = (constant.clone(), steps.clone(), over.clone());
        let direct: Vec<Option<RegView<'a>>> = steps
            .iter()
            .map(|s| match *s {
                Step::Leaf(l) if !blocked => tiles[l].contiguous(),
                _ => None,
            })
            .collect();
        let per_tile = (0..steps.len())
            .filter(|&i| !constant[i] && !matches!(steps[i], Step::Folded) && direct[i].is_none())
            .collect();
        Ok(TileRunner {
            prog,
            steps,
            direct,
            start: 0,
            leaves: tiles,
            regs: slot_dtypes.iter().map(|&d| Reg::new(d, cap)).collect(),
            slot: slot.clone(),
            over,
            per_tile,
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
    /// every leaf is read in cache-line-sized runs. Generated lazily: a list of every tile
    /// of a large chunk would be a fresh allocation of hundreds of kilobytes per task, and
    /// fresh memory costs a page fault per page.
    pub(crate) fn tiles(&self) -> Box<dyn Iterator<Item = TileSpec>> {
        let tile = self.cap;
        if !self.blocked {
            let len = self.len;
            return Box::new((0..len).step_by(tile).map(move |start| TileSpec::Flat {
                start,
                n: tile.min(len - start),
            }));
        }
        let nd = self.shape.len();
        let (rows, cols) = (self.shape[nd - 2], self.shape[nd - 1]);
        let outer: usize = self.shape[..nd - 2].iter().product();
        let block_cols = (tile / BLOCK_ROWS).max(1);
        let supers = move |o: usize| {
            (0..rows)
                .step_by(SUPER)
                .flat_map(move |sr| (0..cols).step_by(SUPER).map(move |sc| (o, sr, sc)))
        };
        Box::new((0..outer).flat_map(supers).flat_map(move |(o, sr, sc)| {
            let c_end = (sc + SUPER).min(cols);
            (sr..(sr + SUPER).min(rows))
                .step_by(BLOCK_ROWS)
                .flat_map(move |r0| {
                    (sc..c_end)
                        .step_by(block_cols)
                        .map(move |c0| TileSpec::Block {
                            outer: o,
                            r0,
                            nr: BLOCK_ROWS.min(rows - r0),
                            c0,
                            nc: block_cols.min(c_end - c0),
                        })
                })
        }))
    }

    /// The tiles of a flat region in column blocks: for each block of `cap` positions of a
    /// row (a row being everything after the leading axis), that block of every row in
    /// turn. Reductions over the leading axis then finish a block's accumulators while they
    /// are in cache. Only for flat tiles ([`flat_tiles`](Self::flat_tiles)).
    pub(crate) fn tiles_by_column_blocks(&self) -> Box<dyn Iterator<Item = TileSpec>> {
        let tile = self.cap;
        let rows = self.shape.first().copied().unwrap_or(1).max(1);
        let row_len = self.len / rows;
        Box::new((0..row_len).step_by(tile.max(1)).flat_map(move |c0| {
            (0..rows).map(move |r| TileSpec::Flat {
                start: r * row_len + c0,
                n: tile.min(row_len - c0),
            })
        }))
    }

    /// The most elements a tile holds.
    pub(crate) fn cap(&self) -> usize {
        self.cap
    }

    /// Evaluates the program for the elements of `tile` (at most `TILE` of them).
    pub(crate) fn run(&mut self, tile: &TileSpec) {
        self.run_first(tile, self.steps.len())
    }

    /// Runs the first `count` instructions for `tile`; constants only on the first call.
    fn run_first(&mut self, tile: &TileSpec, count: usize) {
        if !self.consts_ready {
            // Constants are computed over the whole register once.
            let full = TileSpec::Flat {
                start: 0,
                n: self.cap,
            };
            for i in 0..self.steps.len() {
                if self.constant[i] {
                    self.exec(i, &full, self.cap, None);
                }
            }
            self.consts_ready = true;
        }
        let n = tile.len();
        if let TileSpec::Flat { start, .. } = *tile {
            self.start = start;
        }
        for k in 0..self.per_tile.len() {
            let i = self.per_tile[k];
            if i >= count {
                break;
            }
            self.exec(i, tile, n, None);
        }
    }

    /// Runs instruction `i` for `tile` (`n` elements), into its register or into `into`.
    #[inline]
    fn exec(&mut self, i: usize, tile: &TileSpec, n: usize, into: Option<&mut Out<'_>>) {
        if let Step::Folded = self.steps[i] {
            return;
        }
        if let Step::Leaf(l) = self.steps[i] {
            // Read the tile in place when its elements are adjacent in the leaf's memory.
            self.views[i] = self.leaves[l].borrow(tile);
            if self.views[i].is_none() {
                self.leaves[l].load(tile, &mut self.regs[self.slot[i]]);
            }
            return;
        }
        let at = Operands {
            direct: &self.direct,
            views: &self.views,
            slot: &self.slot,
            start: self.start,
            n,
        };
        let regs = &self.regs;
        if let Some(out) = into {
            // The result goes to `out`: every operand is read from where it is.
            apply(self.steps[i], |k| at.src(k, regs, None), out, n);
            return;
        }
        // The instruction's register is none of its operands' but the one it overwrites
        // (`assign_slots`), so it can be taken out while they are read, and put back after.
        // The overwritten operand's values are then in it, unless the operand was read in
        // place.
        let over = self.over[i];
        let mut reg = std::mem::take(&mut self.regs[self.slot[i]]);
        let regs = &self.regs;
        apply(
            self.steps[i],
            |k| at.src(k, regs, over),
            &mut Out::Reg(&mut reg),
            n,
        );
        self.regs[self.slot[i]] = reg;
    }

    /// Whether the tiles are flat C-order runs of the region (not blocks of the last two
    /// axes, which transposed leaves get).
    pub(crate) fn flat_tiles(&self) -> bool {
        !self.blocked
    }

    /// Whether [`run_into`](Self::run_into) can write the result straight to the output:
    /// the result is computed per tile (not a leaf or a constant).
    pub(crate) fn writes_into(&self) -> bool {
        let r = self.prog.result();
        !self.constant[r] && !matches!(self.prog.instrs[r], Instr::Leaf(_))
    }

    /// [`run`](Self::run), with the result written into `out` (`tile.len()` elements of the
    /// result's dtype) instead of its register: one pass less over the tile.
    pub(crate) fn run_into<T: RegElem>(&mut self, tile: &TileSpec, out: &mut [T]) {
        // The result is the last instruction and, by `writes_into`, not a constant, so the
        // instructions before it include every constant.
        debug_assert!(self.writes_into());
        let r = self.prog.result();
        self.run_first(tile, r);
        let n = tile.len();
        self.exec(r, tile, n, Some(&mut Out::Slice(OutSlice::new(out))));
    }

    /// The result of the last [`run`](Self::run), as a typed tile.
    pub(crate) fn result<T: RegElem>(&self) -> &[T] {
        T::src(self.src(self.prog.result()))
    }

    /// The value of output instruction `i` (see [`Program::build_many`]) for the last
    /// [`run`](Self::run), as a typed tile.
    pub(crate) fn output<T: RegElem>(&self, i: usize) -> &[T] {
        T::src(self.src(i))
    }

    /// Instruction `i`'s value for the current tile.
    #[inline]
    fn src(&self, i: usize) -> Src<'_> {
        let at = Operands {
            direct: &self.direct,
            views: &self.views,
            slot: &self.slot,
            start: self.start,
            n: self.cap.min(self.len - self.start),
        };
        at.src(i, &self.regs, None)
    }
}

/// Where each instruction's value for the current tile is: a sub-slice of a leaf read
/// directly, a leaf tile borrowed in place, or a register.
#[derive(Clone, Copy)]
struct Operands<'r, 'a> {
    direct: &'r [Option<RegView<'a>>],
    views: &'r [Option<RegView<'a>>],
    slot: &'r [usize],
    start: usize,
    n: usize,
}

impl<'r> Operands<'r, '_> {
    /// Instruction `k`'s value, or [`Src::Output`] when it is `over`, the operand whose
    /// register is the output's (unless that operand is read in place).
    #[inline(always)]
    fn src(self, k: usize, regs: &'r [Reg], over: Option<usize>) -> Src<'r> {
        if let Some(whole) = self.direct[k] {
            return Src::View(whole.sub(self.start, self.n));
        }
        match self.views[k] {
            Some(v) => Src::View(v),
            None if over == Some(k) => Src::Output,
            None => Src::Reg(&regs[self.slot[k]]),
        }
    }
}

/// Runs one resolved instruction (not a leaf) over `n` elements, reading operands from `src`.
#[inline]
fn apply<'s>(step: Step, src: impl Fn(usize) -> Src<'s>, out: &mut Out<'_>, n: usize) {
    match step {
        Step::Leaf(_) => {}
        Step::Fill(s) => {
            with_dtype!(s.dtype(), T => T::out(out)[..n].fill(T::from_scalar(s).unwrap_or_default()))
        }
        Step::Unary(f, a) => f(src(a), out, n),
        Step::Binary(f, a, b) => f(src(a), src(b), out, n),
        Step::Scalar(f, a, s) => f(src(a), s, out, n),
        Step::Where(f, c, a, b) => f(src(c), src(a), src(b), out, n),
        Step::Folded => {}
        Step::Fused(Pair::BinaryThen(f, a, b, s)) => f(src(a), src(b), s, out, n),
        Step::Fused(Pair::ScalarThen(f, a, s1, s2)) => f(src(a), s1, s2, out, n),
    }
}

/// The operand whose register `step` may write over: the first computed (not a leaf, whose
/// tiles are mostly read in place) of a [`Step::Fused`] pair's operands, whose kernels accept
/// [`Src::Output`]; `None` for every other step.
fn overwritable(prog: &Program, step: &Step) -> Option<usize> {
    let leaf = |k: usize| matches!(prog.instrs[k], Instr::Leaf(_));
    match *step {
        Step::Fused(Pair::BinaryThen(_, a, b, _)) if a != b => {
            Some(if leaf(a) && !leaf(b) { b } else { a })
        }
        Step::Fused(Pair::ScalarThen(_, a, _, _)) => Some(a),
        _ => None,
    }
}

/// Runs pairs of float arithmetic instructions as one step where [`tile_fuse::pair`]
/// allows (the first becomes [`Step::Folded`], the second [`Step::Fused`]), and returns what
/// each step reads, for [`assign_slots`].
fn pair_steps(prog: &Program, constant: &[bool], steps: &mut [Step]) -> Vec<Vec<usize>> {
    let mut reads = reads_of(prog);
    let mut readers = vec![0usize; prog.instrs.len()];
    for r in &reads {
        for &k in r {
            readers[k] += 1;
        }
    }
    // Per-tile instructions in order; constants between two of them run before the first
    // tile, so they do not separate a pair.
    let per_tile: Vec<usize> = (0..steps.len()).filter(|&i| !constant[i]).collect();
    let mut k = 0;
    while k + 1 < per_tile.len() {
        let (i, j) = (per_tile[k], per_tile[k + 1]);
        match tile_fuse::pair(prog, constant, &readers, i, j) {
            Some(p) => {
                steps[i] = Step::Folded;
                steps[j] = Step::Fused(p);
                let mut both = std::mem::take(&mut reads[i]);
                both.extend(reads[j].iter().copied().filter(|&r| r != i));
                both.sort_unstable();
                both.dedup();
                reads[j] = both;
                k += 2;
            }
            None => k += 1,
        }
    }
    reads
}

/// Resolves every instruction of `prog` to its kernel; `constant` marks the instructions
/// computed once per task. A constant operand of a binary instruction computed per tile
/// becomes an immediate where [`tile_ops::scalar`] has a kernel for the operation.
fn resolve_steps(prog: &Program, constant: &[bool]) -> Result<Vec<Step>> {
    let dts = &prog.dtypes;
    let scalar_of = |k: usize| match prog.instrs[k] {
        Instr::Const(s) => Some(s),
        _ => None,
    };
    let mut steps = Vec::with_capacity(prog.instrs.len());
    for (i, ins) in prog.instrs.iter().enumerate() {
        if operands(ins).iter().any(|&k| k >= i) {
            return Err(Error::Internal {
                op: String::new(),
                msg: format!("instruction {i} reads a later instruction"),
            });
        }
        steps.push(match *ins {
            Instr::Leaf(l) => Step::Leaf(l),
            Instr::Const(s) => Step::Fill(s),
            Instr::Unary(op, a) => Step::Unary(tile_ops::unary(op, dts[a])?, a),
            Instr::Binary(op, a, b) => {
                let imm = if constant[i] {
                    None
                } else if let Some(s) = scalar_of(b) {
                    tile_ops::scalar(op, dts[a], false).map(|f| Step::Scalar(f, a, s))
                } else if let Some(s) = scalar_of(a) {
                    tile_ops::scalar(op, dts[b], true).map(|f| Step::Scalar(f, b, s))
                } else {
                    None
                };
                match imm {
                    Some(step) => step,
                    None => Step::Binary(tile_ops::binary(op, dts[a])?, a, b),
                }
            }
            Instr::Where(c, a, b) => Step::Where(tile_ops::select(dts[a]), c, a, b),
        });
    }
    Ok(steps)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dtype::Scalar;
    use crate::expr::BinaryOp;

    /// The steps of `prog` after pairing, with what each reads.
    fn paired(instrs: Vec<Instr>, dtypes: Vec<DType>) -> (Vec<Step>, Vec<Vec<usize>>) {
        let prog = Program {
            instrs,
            dtypes,
            leaves: Vec::new(),
            outputs: Vec::new(),
            lowered: Default::default(),
        };
        let constant: Vec<bool> = prog
            .instrs
            .iter()
            .map(|i| matches!(i, Instr::Const(_)))
            .collect();
        let mut steps = resolve_steps(&prog, &constant).unwrap();
        let reads = pair_steps(&prog, &constant, &mut steps);
        (steps, reads)
    }

    #[test]
    fn w1_pairs_the_product_with_the_sum() {
        // sin(x) * y + 1: the constant between the product and the sum does not separate
        // them.
        let f = DType::F64;
        let (steps, reads) = paired(crate::eval::regalloc::w1_instrs(), vec![f; 6]);
        assert!(matches!(steps[3], Step::Folded));
        assert!(matches!(
            steps[5],
            Step::Fused(Pair::BinaryThen(_, 1, 2, _))
        ));
        assert_eq!(reads[3], Vec::<usize>::new());
        assert_eq!(reads[5], vec![1, 2, 4]);
    }

    #[test]
    fn shared_or_integer_values_are_not_paired() {
        let f = DType::F64;
        // t = x * y read twice: (t + 1) * t.
        let (steps, _) = paired(
            vec![
                Instr::Leaf(0),
                Instr::Leaf(1),
                Instr::Binary(BinaryOp::Mul, 0, 1),
                Instr::Const(Scalar::F64(1.0)),
                Instr::Binary(BinaryOp::Add, 2, 3),
                Instr::Binary(BinaryOp::Mul, 4, 2),
            ],
            vec![f; 6],
        );
        assert!(!steps.iter().any(|s| matches!(s, Step::Folded)));
        // Integer arithmetic keeps one step per instruction.
        let i = DType::I64;
        let (steps, _) = paired(
            vec![
                Instr::Leaf(0),
                Instr::Const(Scalar::I64(2)),
                Instr::Binary(BinaryOp::Mul, 0, 1),
                Instr::Const(Scalar::I64(1)),
                Instr::Binary(BinaryOp::Add, 2, 3),
            ],
            vec![i; 5],
        );
        assert!(!steps.iter().any(|s| matches!(s, Step::Folded)));
    }
}
