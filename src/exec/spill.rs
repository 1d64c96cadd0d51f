//! Spill files: stored chunks that do not fit the memory budget wait on local disk.
//!
//! A computation that spills gets its own directory, `tessera-spill-<pid>-<n>` under the spill
//! directory of its [`ComputeOptions`](super::ComputeOptions) (the system's temporary
//! directory by default), created with the first spilled chunk. Each chunk is one file of its
//! raw little-endian values in C order (no compression: writing and reading back run at the
//! speed of the page cache or the disk, and a reader can fetch any box of the chunk by
//! offset without decoding the rest). A file is written under a temporary name and renamed
//! into place, removed when its last reader is done with it, and the whole directory is removed when the
//! [`SpillDir`] is dropped: after success, after an error, while unwinding from a panic.

use crate::dtype::{ChunkData, DType};
use crate::error::{Error, Result};
use ndarray::{ArrayD, IxDyn};
use std::fs::{self, File};
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

/// One computation's spill directory, created on first use and removed on drop.
#[derive(Debug)]
pub(crate) struct SpillDir {
    parent: PathBuf,
    dir: OnceLock<std::result::Result<PathBuf, String>>,
    next: AtomicUsize,
    /// Chunks written.
    pub chunks: AtomicUsize,
    /// Bytes written.
    pub bytes: AtomicUsize,
}

/// A chunk stored in a spill file.
#[derive(Debug)]
pub(crate) struct SpilledChunk {
    path: PathBuf,
    dtype: DType,
    shape: Vec<usize>,
}

/// The file goes with the last handle on it: a reader that took a chunk's last read
/// removes it only after every earlier reader, still reading on another thread, is done.
impl Drop for SpilledChunk {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

impl SpilledChunk {
    /// The chunk's shape.
    pub(crate) fn shape(&self) -> &[usize] {
        &self.shape
    }
}

impl SpillDir {
    /// A spill directory to be created under `parent` when the first chunk spills.
    pub(crate) fn new(parent: PathBuf) -> Self {
        SpillDir {
            parent,
            dir: OnceLock::new(),
            next: AtomicUsize::new(0),
            chunks: AtomicUsize::new(0),
            bytes: AtomicUsize::new(0),
        }
    }

    fn err(&self, path: &Path, msg: impl std::fmt::Display) -> Error {
        Error::Spill {
            path: path.to_path_buf(),
            msg: msg.to_string(),
        }
    }

    /// The directory, created on the first call.
    fn dir(&self) -> Result<&Path> {
        let made = self.dir.get_or_init(|| {
            static SEQ: AtomicUsize = AtomicUsize::new(0);
            fs::create_dir_all(&self.parent).map_err(|e| e.to_string())?;
            for _ in 0..1000 {
                let n = SEQ.fetch_add(1, Ordering::Relaxed);
                let p = self
                    .parent
                    .join(format!("tessera-spill-{}-{n}", std::process::id()));
                match fs::create_dir(&p) {
                    Ok(()) => return Ok(p),
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                    Err(e) => return Err(e.to_string()),
                }
            }
            Err("no free directory name".into())
        });
        made.as_deref().map_err(|m| self.err(&self.parent, m))
    }

    /// Writes `chunk` to a new spill file.
    pub(crate) fn write(&self, chunk: &ChunkData) -> Result<SpilledChunk> {
        let dir = self.dir()?;
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let path = dir.join(format!("chunk-{n}"));
        let tmp = dir.join(format!(".chunk-{n}.tmp"));
        let written = File::create(&tmp)
            .and_then(|mut f| write_raw(chunk, &mut f))
            .and_then(|n| fs::rename(&tmp, &path).map(|()| n));
        let n = match written {
            Ok(n) => n,
            Err(e) => {
                let _ = fs::remove_file(&tmp);
                return Err(self.err(&path, format!("writing a spilled chunk: {e}")));
            }
        };
        self.chunks.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(n, Ordering::Relaxed);
        Ok(SpilledChunk {
            path,
            dtype: chunk.dtype(),
            shape: chunk.shape().to_vec(),
        })
    }

    /// Reads box `part` ((start, len) per axis, inside the chunk) of a spilled chunk.
    pub(crate) fn read(&self, s: &SpilledChunk, part: &[(usize, usize)]) -> Result<ChunkData> {
        let fail = |e: std::io::Error| self.err(&s.path, format!("reading a spilled chunk: {e}"));
        if part.len() != s.shape.len() || part.iter().zip(&s.shape).any(|(&(a, l), &n)| a + l > n) {
            return Err(Error::internal(
                "spill",
                format!(
                    "box {part:?} outside a spilled chunk of shape {:?}",
                    s.shape
                ),
            ));
        }
        let file = File::open(&s.path).map_err(fail)?;
        let shape: Vec<usize> = part.iter().map(|p| p.1).collect();
        let total: usize = shape.iter().product();
        let size = s.dtype.size();
        #[cfg(target_endian = "little")]
        {
            macro_rules! direct {
                ($t:ty, $v:ident) => {{
                    let mut vals = vec![<$t>::default(); total];
                    // SAFETY: `vals` is an initialized, exclusively borrowed vector of
                    // `total` integers or floats; viewing its memory as bytes is valid (u8
                    // has alignment 1, the types have no padding) and every byte pattern
                    // written through the view is a valid value of the type. The file holds
                    // little-endian values, the machine's order here.
                    let bytes = unsafe {
                        std::slice::from_raw_parts_mut(
                            vals.as_mut_ptr().cast::<u8>(),
                            std::mem::size_of_val(vals.as_slice()),
                        )
                    };
                    read_box(&file, &s.shape, part, size, bytes).map_err(fail)?;
                    return Ok(ChunkData::$v(
                        ArrayD::from_shape_vec(IxDyn(&shape), vals).map_err(|e| {
                            Error::internal("spill", format!("spilled box of the wrong size: {e}"))
                        })?,
                    ));
                }};
            }
            match s.dtype {
                DType::Bool => {}
                DType::I8 => direct!(i8, I8),
                DType::I16 => direct!(i16, I16),
                DType::I32 => direct!(i32, I32),
                DType::I64 => direct!(i64, I64),
                DType::U8 => direct!(u8, U8),
                DType::U16 => direct!(u16, U16),
                DType::U32 => direct!(u32, U32),
                DType::U64 => direct!(u64, U64),
                DType::F32 => direct!(f32, F32),
                DType::F64 => direct!(f64, F64),
            }
        }
        let mut buf = vec![0u8; total * size];
        read_box(&file, &s.shape, part, size, &mut buf).map_err(fail)?;
        from_raw(s.dtype, &shape, &buf)
    }

    /// The directory, if it was created.
    #[cfg(test)]
    pub(crate) fn path(&self) -> Option<&Path> {
        self.dir.get().and_then(|d| d.as_deref().ok())
    }
}

impl Drop for SpillDir {
    fn drop(&mut self) {
        if let Some(Ok(dir)) = self.dir.get() {
            let _ = fs::remove_dir_all(dir);
        }
    }
}

/// Reads box `part` of a C-order file of `shape` with `size`-byte elements into `dst` (the
/// box's bytes in C order): one positioned read per run of elements that are contiguous in
/// the file (the innermost axes the box covers whole, and the part of the axis before them).
fn read_box(
    file: &File,
    shape: &[usize],
    part: &[(usize, usize)],
    size: usize,
    dst: &mut [u8],
) -> std::io::Result<()> {
    if dst.is_empty() {
        return Ok(());
    }
    let mut k = part.len();
    while k > 0 && part[k - 1] == (0, shape[k - 1]) {
        k -= 1;
    }
    let inner: usize = shape[k..].iter().product();
    let (run_axis, run) = if k == 0 {
        (None, inner)
    } else {
        (Some(k - 1), part[k - 1].1 * inner)
    };
    let outer = &part[..run_axis.unwrap_or(0)];
    let mut idx: Vec<usize> = outer.iter().map(|p| p.0).collect();
    let mut at = 0;
    loop {
        let mut elem = 0;
        for (ax, &n) in shape.iter().enumerate() {
            let i = if ax < idx.len() {
                idx[ax]
            } else if Some(ax) == run_axis {
                part[ax].0
            } else {
                0
            };
            elem = elem * n + i;
        }
        file.read_exact_at(&mut dst[at..at + run * size], (elem * size) as u64)?;
        at += run * size;
        // Next index of the outer axes, in C order.
        let mut ax = idx.len();
        loop {
            if ax == 0 {
                return Ok(());
            }
            ax -= 1;
            idx[ax] += 1;
            if idx[ax] < outer[ax].0 + outer[ax].1 {
                break;
            }
            idx[ax] = outer[ax].0;
        }
    }
}

/// Writes the values of a chunk to `w` as little-endian bytes in C order, through a small
/// buffer (no copy of the whole chunk); returns the bytes written.
fn write_raw(chunk: &ChunkData, w: &mut impl Write) -> std::io::Result<usize> {
    #[cfg(target_endian = "little")]
    {
        macro_rules! direct {
            ($a:expr) => {
                if let Some(vals) = $a.as_slice() {
                    // SAFETY: `vals` is an initialized slice of integers or floats, which have
                    // no padding; viewing its memory as bytes (alignment 1) for the duration
                    // of this borrow is valid. They are little-endian here, the file's order.
                    let bytes = unsafe {
                        std::slice::from_raw_parts(
                            vals.as_ptr().cast::<u8>(),
                            std::mem::size_of_val(vals),
                        )
                    };
                    w.write_all(bytes)?;
                    return Ok(bytes.len());
                }
            };
        }
        match chunk {
            ChunkData::Bool(_) => {}
            ChunkData::I8(a) => direct!(a),
            ChunkData::I16(a) => direct!(a),
            ChunkData::I32(a) => direct!(a),
            ChunkData::I64(a) => direct!(a),
            ChunkData::U8(a) => direct!(a),
            ChunkData::U16(a) => direct!(a),
            ChunkData::U32(a) => direct!(a),
            ChunkData::U64(a) => direct!(a),
            ChunkData::F32(a) => direct!(a),
            ChunkData::F64(a) => direct!(a),
        }
    }
    const BLOCK: usize = 1 << 16;
    let mut buf: Vec<u8> = Vec::with_capacity(BLOCK + 8);
    let mut total = 0;
    let mut put = |bytes: &[u8], w: &mut dyn Write, flush: bool| -> std::io::Result<()> {
        buf.extend_from_slice(bytes);
        if buf.len() >= BLOCK || flush {
            w.write_all(&buf)?;
            total += buf.len();
            buf.clear();
        }
        Ok(())
    };
    macro_rules! le {
        ($a:expr) => {
            for v in $a.iter() {
                put(&v.to_le_bytes(), w, false)?;
            }
        };
    }
    match chunk {
        ChunkData::Bool(a) => {
            for &b in a.iter() {
                put(&[u8::from(b)], w, false)?;
            }
        }
        ChunkData::I8(a) => le!(a),
        ChunkData::I16(a) => le!(a),
        ChunkData::I32(a) => le!(a),
        ChunkData::I64(a) => le!(a),
        ChunkData::U8(a) => le!(a),
        ChunkData::U16(a) => le!(a),
        ChunkData::U32(a) => le!(a),
        ChunkData::U64(a) => le!(a),
        ChunkData::F32(a) => le!(a),
        ChunkData::F64(a) => le!(a),
    }
    put(&[], w, true)?;
    Ok(total)
}

/// A chunk of `shape` from little-endian bytes in C order.
fn from_raw(dtype: DType, shape: &[usize], b: &[u8]) -> Result<ChunkData> {
    macro_rules! de {
        ($t:ty, $v:ident) => {{
            const N: usize = std::mem::size_of::<$t>();
            let vals: Vec<$t> = b
                .chunks_exact(N)
                .map(|c| {
                    let mut a = [0u8; N];
                    a.copy_from_slice(c);
                    <$t>::from_le_bytes(a)
                })
                .collect();
            ChunkData::$v(ArrayD::from_shape_vec(IxDyn(shape), vals).map_err(|e| {
                Error::internal("spill", format!("spilled chunk of the wrong size: {e}"))
            })?)
        }};
    }
    Ok(match dtype {
        DType::Bool => ChunkData::Bool(
            ArrayD::from_shape_vec(IxDyn(shape), b.iter().map(|&v| v != 0).collect()).map_err(
                |e| Error::internal("spill", format!("spilled chunk of the wrong size: {e}")),
            )?,
        ),
        DType::I8 => de!(i8, I8),
        DType::I16 => de!(i16, I16),
        DType::I32 => de!(i32, I32),
        DType::I64 => de!(i64, I64),
        DType::U8 => de!(u8, U8),
        DType::U16 => de!(u16, U16),
        DType::U32 => de!(u32, U32),
        DType::U64 => de!(u64, U64),
        DType::F32 => de!(f32, F32),
        DType::F64 => de!(f64, F64),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dtype::Element;

    #[test]
    fn a_spill_file_lasts_until_its_last_reader_is_done() {
        // The store hands each reader a handle; the reader that takes the last read must
        // not remove the file under one still reading it on another thread.
        let a = ndarray::Array::from_shape_fn((6, 5), |(i, j)| (i * 10 + j) as f64).into_dyn();
        let d = SpillDir::new(std::env::temp_dir());
        let first = std::sync::Arc::new(d.write(&f64::into_chunk(a.clone())).unwrap());
        let path = first.path.clone();
        let last = first.clone();
        drop(last); // the last read finished first
        assert!(path.exists());
        let got = d.read(&first, &[(1, 2), (0, 5)]).unwrap();
        assert_eq!(
            f64::chunk_ref(&got).unwrap(),
            &a.slice(ndarray::s![1..3, ..]).into_dyn()
        );
        drop(first);
        assert!(!path.exists());
    }

    #[test]
    fn boxes_of_spilled_chunks_read_back_exactly() {
        let a = ndarray::Array::from_shape_fn((5, 4, 3), |(i, j, k)| (i * 100 + j * 10 + k) as f64)
            .into_dyn();
        let d = SpillDir::new(std::env::temp_dir());
        let s = d.write(&f64::into_chunk(a.clone())).unwrap();
        let dir = d.path().unwrap().to_path_buf();
        assert!(dir.exists());
        let parts: [[(usize, usize); 3]; 5] = [
            [(0, 5), (0, 4), (0, 3)],
            [(1, 2), (0, 4), (0, 3)],
            [(1, 3), (2, 2), (0, 3)],
            [(0, 5), (1, 2), (1, 1)],
            [(4, 1), (3, 1), (2, 1)],
        ];
        for p in parts {
            let got = d.read(&s, &p).unwrap();
            let want = a.slice(ndarray::s![
                p[0].0..p[0].0 + p[0].1,
                p[1].0..p[1].0 + p[1].1,
                p[2].0..p[2].0 + p[2].1
            ]);
            assert_eq!(f64::chunk_ref(&got).unwrap(), &want.into_dyn(), "{p:?}");
        }
        assert!(d.read(&s, &[(0, 6), (0, 4), (0, 3)]).is_err());
        let b = ndarray::arr2(&[[true, false], [false, true]]).into_dyn();
        let sb = d.write(&bool::into_chunk(b.clone())).unwrap();
        let got = d.read(&sb, &[(0, 2), (1, 1)]).unwrap();
        assert_eq!(
            bool::chunk_ref(&got).unwrap(),
            &b.slice(ndarray::s![.., 1..2]).into_dyn()
        );
        // Other element types, and a transposed (not C-contiguous) chunk.
        let i = ndarray::Array::from_shape_fn((3, 4), |(r, c)| (r * 4 + c) as i16 - 5).into_dyn();
        let si = d.write(&i16::into_chunk(i.clone())).unwrap();
        let got = d.read(&si, &[(1, 2), (0, 4)]).unwrap();
        assert_eq!(
            i16::chunk_ref(&got).unwrap(),
            &i.slice(ndarray::s![1..3, ..]).into_dyn()
        );
        let t = ndarray::Array::from_shape_fn((4, 3), |(r, c)| r as f32 * 0.5 - c as f32)
            .reversed_axes()
            .into_dyn();
        let st = d.write(&f32::into_chunk(t.clone())).unwrap();
        let got = d.read(&st, &[(0, 3), (1, 2)]).unwrap();
        assert_eq!(
            f32::chunk_ref(&got).unwrap(),
            &t.slice(ndarray::s![.., 1..3]).into_dyn()
        );
        assert_eq!(d.chunks.load(Ordering::Relaxed), 4);
        drop(d);
        assert!(!dir.exists(), "the spill directory is removed on drop");
    }
}
