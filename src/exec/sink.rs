//! Where computed output chunks go: straight into the caller's result array, or into a list
//! of chunks (for `persist`).

use crate::dtype::ChunkData;
use crate::error::{Error, Result};
use crate::eval::map::eval_into;
use crate::eval::strided::StridedDst;
use crate::eval::tile::RegElem;
use crate::plan::ops::InputRegion;
use crate::plan::Program;
use crate::task::TaskEnv;
use ndarray::{ArrayD, IxDyn};
use std::cell::UnsafeCell;
use std::mem::MaybeUninit;
use std::sync::{Arc, OnceLock};

/// Receives the chunks of one output.
pub(crate) trait OutputSink: Sync {
    /// Evaluates `program` over `input.region` straight into the output chunk at `region`.
    fn eval_into(
        &self,
        program: &Program,
        input: &InputRegion,
        region: &[(usize, usize)],
        env: &TaskEnv<'_>,
    ) -> Result<()>;
    /// Takes the computed chunk at `region`.
    fn put(&self, region: &[(usize, usize)], chunk: &Arc<ChunkData>) -> Result<()>;
    /// Whether the output chunk at `region` is already in place (a resumed write found it
    /// stored), so that it need not be computed. The scheduler culls such a chunk, and what
    /// only it reads, when every sink of its stage skips it and no other task reads it;
    /// otherwise it is computed and delivered as usual.
    fn skip(&self, _region: &[(usize, usize)]) -> bool {
        false
    }
}

/// Drops from `dst` the length-1 axis an operator inserts (`stack`), if any.
pub(crate) fn drop_inserted_axis<T: Copy>(
    dst: &mut StridedDst<T>,
    input: &InputRegion,
) -> Result<()> {
    match input.inserted_axis {
        Some(a) if !dst.drop_unit_axis(a) => Err(Error::internal(
            "output",
            format!("axis {a} of the output chunk is not of length 1"),
        )),
        _ => Ok(()),
    }
}

/// Writes the chunks of one output into memory described by a base pointer and strides:
/// the shared part of [`Assembler`] (an array it owns) and [`ViewSink`] (a caller's view).
pub(crate) struct RegionWriter<T> {
    base: *mut T,
    strides: Vec<isize>,
}

// SAFETY: tasks write disjoint regions (the chunks of one grid tile the output without
// overlap, and each chunk is delivered once) through raw pointers into memory that does not
// move and that nothing else reads or writes while the computation runs (`new`'s contract).
unsafe impl<T: Send> Sync for RegionWriter<T> {}

impl<T: RegElem> RegionWriter<T> {
    /// A writer for the output of the computation.
    ///
    /// # Safety
    /// `base` with `strides` must address, for every index inside the output's shape, an
    /// element valid for writes, that stays valid and is neither read nor written by anything
    /// else while the writer is used.
    unsafe fn new(base: *mut T, strides: Vec<isize>) -> Self {
        RegionWriter { base, strides }
    }

    fn dst(&self, region: &[(usize, usize)]) -> StridedDst<T> {
        let off: isize = region
            .iter()
            .zip(&self.strides)
            .map(|(&(s, _), &st)| s as isize * st)
            .sum();
        let shape = region.iter().map(|r| r.1).collect();
        // SAFETY: `region` lies inside the output (it is a chunk of the output's grid), so the
        // offset pointer and every in-bounds index of `shape` with the strides address
        // elements `new`'s contract makes writable; regions of distinct chunks are disjoint,
        // so this task is the only writer of these elements.
        unsafe { StridedDst::from_raw(self.base.offset(off), shape, self.strides.clone()) }
    }
}

impl<T: RegElem> OutputSink for RegionWriter<T> {
    fn eval_into(
        &self,
        program: &Program,
        input: &InputRegion,
        region: &[(usize, usize)],
        env: &TaskEnv<'_>,
    ) -> Result<()> {
        let mut dst = self.dst(region);
        drop_inserted_axis(&mut dst, input)?;
        eval_into::<T>(program, &input.region, env, &mut dst)
    }

    fn put(&self, region: &[(usize, usize)], chunk: &Arc<ChunkData>) -> Result<()> {
        let a = T::chunk_ref(chunk).ok_or_else(|| Error::Task {
            task: "output".into(),
            msg: format!(
                "chunk of dtype {} for an output of {}",
                chunk.dtype(),
                T::DTYPE
            ),
        })?;
        let mut dst = self.dst(region);
        if dst.len() != a.len() {
            return Err(Error::internal("output", "chunk does not match its region"));
        }
        dst.scatter_array(a);
        Ok(())
    }
}

/// Assembles one C-contiguous array from disjoint chunks written in parallel.
pub(crate) struct Assembler<T> {
    data: UnsafeCell<ArrayD<MaybeUninit<T>>>,
    writer: RegionWriter<T>,
}

// SAFETY: the array is only written through `writer` (see `RegionWriter`), and nothing reads
// it until `finish`, which takes self.
unsafe impl<T: Send> Sync for Assembler<T> {}

impl<T: RegElem> Assembler<T> {
    /// An output of `shape`, uninitialized until every chunk has been written.
    pub(crate) fn new(shape: &[usize]) -> Result<Self> {
        // The output may be sized by untrusted metadata (a stored array's shape): fail with an
        // error rather than abort when it cannot be allocated.
        let n = shape
            .iter()
            .try_fold(1usize, |acc, &d| acc.checked_mul(d))
            .filter(|n| {
                n.checked_mul(std::mem::size_of::<T>())
                    .is_some_and(|b| b <= isize::MAX as usize)
            });
        let too_big = || Error::Shape {
            op: "compute".into(),
            msg: format!("an output of shape {shape:?} cannot be allocated"),
        };
        let n = n.ok_or_else(too_big)?;
        let mut v: Vec<MaybeUninit<T>> = Vec::new();
        v.try_reserve_exact(n).map_err(|_| too_big())?;
        // SAFETY: the capacity is at least `n`, and `MaybeUninit` elements need no
        // initialization.
        unsafe { v.set_len(n) };
        let mut data = ArrayD::from_shape_vec(IxDyn(shape), v).map_err(|_| too_big())?;
        let base = data.as_mut_ptr() as *mut T;
        advise_huge_pages(base as *mut u8, data.len() * std::mem::size_of::<T>());
        // SAFETY: the allocation does not move while `data` lives (it is only moved out in
        // `finish`, which consumes the writer too), and nothing else writes to it.
        let writer = unsafe { RegionWriter::new(base, data.strides().to_vec()) };
        Ok(Assembler {
            data: UnsafeCell::new(data),
            writer,
        })
    }

    /// Where the computation writes the chunks.
    pub(crate) fn sink(&self) -> &RegionWriter<T> {
        &self.writer
    }

    /// The finished array. Only call after every chunk was written successfully.
    pub(crate) fn finish(self) -> ArrayD<T> {
        let data = self.data.into_inner();
        // SAFETY: the computation succeeded, so every chunk of the output grid was written,
        // and the chunks cover every element of the array.
        unsafe { data.assume_init() }
    }
}

/// Writes output chunks into an array view the caller owns ([`crate::Array::compute_into`]).
pub(crate) struct ViewSink<'a, T> {
    writer: RegionWriter<T>,
    _view: std::marker::PhantomData<&'a mut T>,
}

impl<'a, T: RegElem> ViewSink<'a, T> {
    /// A sink over `view`, which must have the output's shape.
    pub(crate) fn new(view: &'a mut ndarray::ArrayViewMutD<'_, T>) -> Self {
        // SAFETY: the view is mutably borrowed for 'a, as long as this sink lives, so its
        // elements stay valid and nothing else touches them; a mutable view never aliases
        // itself, and the caller checked that its shape is the output's.
        let writer = unsafe { RegionWriter::new(view.as_mut_ptr(), view.strides().to_vec()) };
        ViewSink {
            writer,
            _view: std::marker::PhantomData,
        }
    }

    /// Where the computation writes the chunks.
    pub(crate) fn sink(&self) -> &RegionWriter<T> {
        &self.writer
    }
}

/// Collects the chunks of one output in grid order.
pub(crate) struct Collector {
    pub(crate) chunks: Vec<OnceLock<Arc<ChunkData>>>,
    grid: crate::chunks::ChunkGrid,
}

impl Collector {
    pub(crate) fn new(grid: &crate::chunks::ChunkGrid) -> Self {
        Collector {
            chunks: (0..grid.num_chunks()).map(|_| OnceLock::new()).collect(),
            grid: grid.clone(),
        }
    }
}

impl OutputSink for Collector {
    fn eval_into(
        &self,
        program: &Program,
        input: &InputRegion,
        region: &[(usize, usize)],
        env: &TaskEnv<'_>,
    ) -> Result<()> {
        let c = Arc::new(crate::eval::map::map_chunk(
            program,
            program.dtypes[program.result()],
            &input.region,
            input.inserted_axis,
            env,
        )?);
        self.put(region, &c)
    }

    fn put(&self, region: &[(usize, usize)], chunk: &Arc<ChunkData>) -> Result<()> {
        let lin = self.grid.ravel(
            &region
                .iter()
                .enumerate()
                .map(|(a, r)| self.grid.chunk_of(a, r.0))
                .collect::<Vec<_>>(),
        );
        let _ = self.chunks[lin].set(chunk.clone());
        Ok(())
    }
}

/// Asks the kernel to back a large fresh allocation with transparent huge pages (as NumPy
/// does for arrays of 4 MiB and more): 512 times fewer page faults while the output is first
/// written, and fewer TLB misses when it is read with large strides. A hint only.
fn advise_huge_pages(ptr: *mut u8, len: usize) {
    #[cfg(target_os = "linux")]
    {
        const HUGE: usize = 2 << 20;
        if len < 2 * HUGE {
            return;
        }
        let start = (ptr as usize).next_multiple_of(HUGE);
        let end = (ptr as usize + len) / HUGE * HUGE;
        if end > start {
            // SAFETY: madvise only reads the range [start, end), which lies inside the
            // allocation `ptr..ptr + len` owned by the caller; MADV_HUGEPAGE changes no
            // contents, and an error (e.g. THP disabled) is harmless and ignored.
            unsafe {
                libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (ptr, len);
}
