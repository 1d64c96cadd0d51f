//! Register assignment and register memory for the tile evaluator.
//!
//! A fused program has one value per instruction, but few of them are live at once: in
//! `sum(sin(x) * y + 1)` the sine is dead once the product is computed. [`assign_slots`]
//! maps instructions to *slots* (register buffers) by liveness, so that a chain uses as few
//! tile buffers as it has live values, and the same buffers are reused from tile to tile.
//!
//! Every buffer starts on a 4 KiB boundary ([`AlignedBuf`]). Full `f64` tiles (512 or 8192
//! elements) are a whole number of pages, so an instruction's output and its register
//! operands sit at the same offset within a page: a load of an operand then never waits on a
//! recent store of the output that only matches it in the low address bits (4K aliasing),
//! and vector loads and stores do not split cache lines. This matters for L1-sized tiles,
//! where one step's loads closely follow the previous step's stores; programs run with the
//! default tile are bound by memory, and the alignment does not show in their times.

use crate::dtype::DType;
use crate::plan::{Instr, Program};

/// Alignment of register buffers, in bytes (see the module docs).
const REG_ALIGN: usize = 4096;

/// A buffer of `len` elements starting on a [`REG_ALIGN`] boundary, carved out of an
/// over-allocated `Vec` (no unsafe code: the offset is found once, at creation).
#[derive(Default)]
pub(crate) struct AlignedBuf<T> {
    buf: Vec<T>,
    off: usize,
    len: usize,
}

impl<T: Copy + Default> AlignedBuf<T> {
    /// `len` default values, page-aligned (zero-sized `T` is not a register type).
    pub(crate) fn new(len: usize) -> Self {
        let size = std::mem::size_of::<T>().max(1);
        let slack = REG_ALIGN / size;
        let buf = vec![T::default(); len + slack];
        let addr = buf.as_ptr() as usize;
        let off = ((REG_ALIGN - addr % REG_ALIGN) % REG_ALIGN) / size;
        AlignedBuf { buf, off, len }
    }

    /// The elements.
    #[inline]
    pub(crate) fn as_slice(&self) -> &[T] {
        &self.buf[self.off..self.off + self.len]
    }

    /// The elements, mutable.
    #[inline]
    pub(crate) fn as_mut_slice(&mut self) -> &mut [T] {
        &mut self.buf[self.off..self.off + self.len]
    }
}

/// Which slot holds each instruction's value, and each slot's dtype.
pub(crate) struct Slots {
    /// Per instruction, its slot.
    pub(crate) of: Vec<usize>,
    /// Per slot, the dtype of its buffer.
    pub(crate) dtypes: Vec<DType>,
}

/// Assigns every instruction of `prog` a slot. `reads[i]` lists the values instruction `i`
/// reads when it runs: its operands ([`reads_of`]), or, for a pair of instructions run as
/// one step ([`tile_fuse`](super::tile_fuse)), nothing for the first and both instructions'
/// operands for the second. `constant` marks the instructions computed once per task: each
/// has a slot of its own. Any other slot is reused by a later instruction of the same dtype
/// once every reader of its value has run. An instruction never shares a slot with a value it
/// reads, so its output can be borrowed mutably beside them, except where `in_place[i]` is
/// `Some(k)`: instruction `i`'s kernel can overwrite operand `k` (read once, by `i` alone
/// among the operands' slots), and when `k` dies at `i` (is not a constant or the result)
/// `i` takes `k`'s slot. One tile buffer less is then touched per tile, which keeps the
/// working set of an L1-sized tile smaller.
pub(crate) fn assign_slots(
    prog: &Program,
    constant: &[bool],
    reads: &[Vec<usize>],
    in_place: &[Option<usize>],
) -> Slots {
    let n = prog.instrs.len();
    let mut last_use: Vec<usize> = (0..n).collect();
    for (i, r) in reads.iter().enumerate() {
        for &k in r {
            last_use[k] = last_use[k].max(i);
        }
    }
    let mut of = vec![0; n];
    let mut dtypes: Vec<DType> = Vec::new();
    let mut free: Vec<usize> = Vec::new();
    for i in 0..n {
        let dt = prog.dtypes[i];
        // A constant is computed once, before the first tile, and read in every tile, so
        // its slot is its own: not one that earlier instructions use again in the next tile.
        let over = in_place.get(i).copied().flatten().filter(|&k| {
            !constant[i]
                && !constant[k]
                && !prog.is_output(k)
                && last_use[k] == i
                && prog.dtypes[k] == dt
                && reads[i].iter().filter(|&&r| r == k).count() == 1
        });
        let reuse = if constant[i] {
            None
        } else {
            free.iter().position(|&s| dtypes[s] == dt)
        };
        of[i] = match (over, reuse) {
            (Some(k), _) => of[k],
            (None, Some(p)) => free.swap_remove(p),
            (None, None) => {
                dtypes.push(dt);
                dtypes.len() - 1
            }
        };
        // Values whose last reader is this instruction (or that nothing reads) are dead
        // now; their slots serve later instructions. Constants and the result stay.
        let mut dead = reads[i].clone();
        dead.push(i);
        dead.sort_unstable();
        dead.dedup();
        for k in dead {
            if last_use[k] == i && !constant[k] && !prog.is_output(k) && (k == i || of[k] != of[i])
            {
                free.push(of[k]);
            }
        }
    }
    Slots { of, dtypes }
}

/// Per instruction of `prog`, its operands: what [`assign_slots`] takes when no
/// instructions are paired.
pub(crate) fn reads_of(prog: &Program) -> Vec<Vec<usize>> {
    prog.instrs.iter().map(operands).collect()
}

/// The instructions of `sum(sin(x) * y + 1)` (W1) before the sum: x, sin, y, mul, 1.0, add.
#[cfg(test)]
pub(crate) fn w1_instrs() -> Vec<Instr> {
    use crate::dtype::Scalar;
    use crate::expr::{BinaryOp, UnaryOp};
    vec![
        Instr::Leaf(0),
        Instr::Unary(UnaryOp::Sin, 0),
        Instr::Leaf(1),
        Instr::Binary(BinaryOp::Mul, 1, 2),
        Instr::Const(Scalar::F64(1.0)),
        Instr::Binary(BinaryOp::Add, 3, 4),
    ]
}

/// The instructions `ins` reads.
pub(crate) fn operands(ins: &Instr) -> Vec<usize> {
    match *ins {
        Instr::Leaf(_) | Instr::Const(_) => Vec::new(),
        Instr::Unary(_, a) => vec![a],
        Instr::Binary(_, a, b) => vec![a, b],
        Instr::Where(c, a, b) => vec![c, a, b],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dtype::Scalar;
    use crate::expr::{BinaryOp, UnaryOp};
    use proptest::prelude::*;

    fn program(instrs: Vec<Instr>, dtypes: Vec<DType>) -> Program {
        Program {
            instrs,
            dtypes,
            leaves: Vec::new(),
            outputs: Vec::new(),
            lowered: Default::default(),
        }
    }

    fn constants(p: &Program) -> Vec<bool> {
        let mut c = vec![false; p.instrs.len()];
        for (i, ins) in p.instrs.iter().enumerate() {
            let ops = operands(ins);
            c[i] = matches!(ins, Instr::Const(_))
                || (!ops.is_empty() && !matches!(ins, Instr::Leaf(_)) && ops.iter().all(|&k| c[k]));
        }
        c
    }

    /// The slot invariants the evaluator relies on: an instruction's slot is none of its
    /// operands', no value is overwritten while a later instruction still reads it, and a
    /// constant's slot belongs to it alone.
    fn check(p: &Program) -> Slots {
        check_reading(p, &reads_of(p))
    }

    /// [`check`] with the reads of paired instructions.
    fn check_reading(p: &Program, reads: &[Vec<usize>]) -> Slots {
        check_in_place(p, reads, &[])
    }

    /// [`check_reading`] where instruction `i` may overwrite operand `in_place[i]`.
    #[allow(clippy::needless_range_loop)] // i indexes instructions, slots and constants alike
    fn check_in_place(p: &Program, reads: &[Vec<usize>], in_place: &[Option<usize>]) -> Slots {
        let c = constants(p);
        let s = assign_slots(p, &c, reads, in_place);
        let n = p.instrs.len();
        for i in 0..n {
            assert_eq!(s.dtypes[s.of[i]], p.dtypes[i], "slot dtype of {i}");
            let over = in_place.get(i).copied().flatten();
            for &k in &reads[i] {
                if s.of[i] == s.of[k] {
                    // Only the operand the kernel overwrites, read once, dead after i.
                    assert_eq!(over, Some(k), "{i} shares a slot with operand {k}");
                    assert_eq!(reads[i].iter().filter(|&&r| r == k).count(), 1);
                    assert!(
                        !(i + 1..n).any(|j| reads[j].contains(&k)),
                        "{k} read after {i}"
                    );
                    assert!(!p.is_output(k) && !c[k]);
                }
            }
            // Between a value's definition and its last reader, nothing else writes its slot.
            let last = (i..n).filter(|&j| reads[j].contains(&i)).max().unwrap_or(i);
            // Outputs (the result and any other) live to the end of the tile.
            let last = if p.is_output(i) { n - 1 } else { last };
            for j in i + 1..=last {
                // The last reader may write over the value in place.
                let over = in_place.get(j).copied().flatten() == Some(i) && j == last;
                assert!(
                    over || s.of[j] != s.of[i],
                    "{j} overwrites {i} before its last use"
                );
            }
            if c[i] {
                for j in 0..n {
                    assert!(j == i || s.of[j] != s.of[i], "constant {i} shares its slot");
                }
            }
        }
        s
    }

    #[test]
    fn a_chain_reuses_dead_registers() {
        // sum(sin(x) * y + 1): x, sin, y, mul, 1.0, add.
        let f = DType::F64;
        let p = program(w1_instrs(), vec![f; 6]);
        let s = check(&p);
        // x's slot serves y; sin's slot serves the sum; the constant has its own.
        assert_eq!(s.of, vec![0, 1, 0, 2, 3, 1]);
        assert_eq!(s.dtypes.len(), 4);
    }

    #[test]
    fn a_paired_step_keeps_the_first_instructions_operands() {
        // sin(x) * y + 1 with the product and the sum run as one step: the step reads sin
        // and y (not the product), so neither may share its slot.
        let f = DType::F64;
        let p = program(w1_instrs(), vec![f; 6]);
        let reads = vec![vec![], vec![0], vec![], vec![], vec![], vec![1, 2, 4]];
        let s = check_reading(&p, &reads);
        assert!(s.of[5] != s.of[1] && s.of[5] != s.of[2]);
        // When the paired kernel may overwrite the sine, it takes the sine's slot: one
        // buffer less is touched per tile.
        let mut over = vec![None; 6];
        over[5] = Some(1);
        let t = check_in_place(&p, &reads, &over);
        assert_eq!(t.of[5], t.of[1]);
        assert_ne!(t.of[5], t.of[2]);
        // Not when the sine is read again later (a seventh instruction reads it).
        let mut q = p.clone();
        q.instrs.push(Instr::Binary(BinaryOp::Add, 5, 1));
        q.dtypes.push(f);
        let mut reads7 = reads.clone();
        reads7.push(vec![1, 5]);
        over.push(None);
        let u = check_in_place(&q, &reads7, &over);
        assert_ne!(u.of[5], u.of[1]);
    }

    #[test]
    fn slots_hold_one_dtype() {
        // where(x > 0, x, 0) with a bool condition between f64 values.
        let p = program(
            vec![
                Instr::Leaf(0),
                Instr::Const(Scalar::F64(0.0)),
                Instr::Binary(BinaryOp::Gt, 0, 1),
                Instr::Where(2, 0, 1),
            ],
            vec![DType::F64, DType::F64, DType::Bool, DType::F64],
        );
        let s = check(&p);
        assert_eq!(
            s.dtypes,
            vec![DType::F64, DType::F64, DType::Bool, DType::F64]
        );
    }

    fn arb_program() -> impl Strategy<Value = Program> {
        // Random DAGs: each instruction reads earlier ones; dtypes alternate between two.
        proptest::collection::vec((0u8..5, any::<u16>(), any::<u16>(), any::<u16>()), 1..24)
            .prop_map(|spec| {
                let mut instrs = Vec::new();
                let mut dtypes = Vec::new();
                for (i, (kind, a, b, c)) in spec.into_iter().enumerate() {
                    let pick = |r: u16| r as usize % i.max(1);
                    let ins = match (kind, i) {
                        (_, 0) | (0, _) => Instr::Leaf(i),
                        (1, _) => Instr::Const(Scalar::F64(1.0)),
                        (2, _) => Instr::Unary(UnaryOp::Sin, pick(a)),
                        (3, _) => Instr::Binary(BinaryOp::Mul, pick(a), pick(b)),
                        _ => Instr::Where(pick(a), pick(b), pick(c)),
                    };
                    dtypes.push(if (a ^ b) % 3 == 0 {
                        DType::F32
                    } else {
                        DType::F64
                    });
                    instrs.push(ins);
                }
                let mut p = program(instrs, dtypes);
                // Some instructions are outputs besides the result (shared scans).
                let n = p.instrs.len();
                p.outputs = (0..n).filter(|i| (i * 7 + n).is_multiple_of(5)).collect();
                p
            })
    }

    proptest! {
        #[test]
        fn slot_invariants_hold_for_any_program(p in arb_program()) {
            check(&p);
        }

        #[test]
        fn slot_invariants_hold_when_first_operands_may_be_overwritten(p in arb_program()) {
            let reads = reads_of(&p);
            let over: Vec<Option<usize>> = reads.iter().map(|r| r.first().copied()).collect();
            check_in_place(&p, &reads, &over);
        }
    }
}
