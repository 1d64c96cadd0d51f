//! A Python interpreter with zarr-python (>= 3) and NumPy, for the interop tests; a small
//! reader of the `.npy` files the Python scripts write; and what the Zarr test binaries
//! share: arrays of any element type as little-endian bytes (compared bit for bit), and
//! self-deleting temporary directories.
//!
//! The virtual environment lives in `<target dir>/interop-venv` (the target dir is
//! `$CARGO_TARGET_DIR`, else `target/` in the crate) and is created once: the first test
//! process to need it takes a lock file (`interop-venv.lock`, created with `create_new`),
//! builds the environment, writes a marker file and removes the lock; other processes wait
//! for the marker. A lock left by a process that died is taken over after a timeout. Set
//! `TESSERA_INTEROP_PYTHON` to use an existing interpreter instead.

use ndarray::ArrayD;
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime};
use tessera::{AnyArray, DType, Element};

/// What the environment holds; the marker records it, so changing it rebuilds the venv.
const REQUIREMENTS: &[&str] = &["zarr>=3,<4", "numpy"];

/// A lock older than this belongs to a process that died (an install takes well under it).
const STALE_LOCK: Duration = Duration::from_secs(15 * 60);

/// The crate root.
pub fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The directory of the interop scripts (`tests/interop`).
pub fn scripts_dir() -> PathBuf {
    manifest_dir().join("tests").join("interop")
}

/// The path of the interop script `name` (in `tests/interop`).
pub fn script(name: &str) -> PathBuf {
    scripts_dir().join(name)
}

fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(d) if !d.is_empty() => {
            let d = PathBuf::from(d);
            if d.is_absolute() {
                d
            } else {
                manifest_dir().join(d)
            }
        }
        _ => manifest_dir().join("target"),
    }
}

fn venv_python(venv: &Path) -> PathBuf {
    if cfg!(windows) {
        venv.join("Scripts").join("python.exe")
    } else {
        venv.join("bin").join("python")
    }
}

fn marker_contents() -> String {
    format!("{}\n", REQUIREMENTS.join("\n"))
}

fn ready(marker: &Path) -> bool {
    fs::read_to_string(marker).is_ok_and(|s| s == marker_contents())
}

/// The Python interpreter of the interop virtual environment, created on first use.
///
/// Panics (with the installer's output) if the environment cannot be created.
pub fn python() -> PathBuf {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON
        .get_or_init(|| {
            if let Some(p) = std::env::var_os("TESSERA_INTEROP_PYTHON") {
                return PathBuf::from(p);
            }
            let target = target_dir();
            fs::create_dir_all(&target)
                .unwrap_or_else(|e| panic!("creating {}: {e}", target.display()));
            let venv = target.join("interop-venv");
            ensure_venv(&venv);
            venv_python(&venv)
        })
        .clone()
}

fn ensure_venv(venv: &Path) {
    let marker = venv.join(".tessera-interop-ready");
    let lock = venv.with_extension("lock");
    let start = Instant::now();
    loop {
        if ready(&marker) {
            return;
        }
        match OpenOptions::new().write(true).create_new(true).open(&lock) {
            Ok(mut f) => {
                let _ = writeln!(f, "{}", std::process::id());
                drop(f);
                // Another process may have finished between our check and taking the lock.
                let result = if ready(&marker) {
                    Ok(())
                } else {
                    build_venv(venv, &marker)
                };
                let _ = fs::remove_file(&lock);
                if let Err(msg) = result {
                    panic!("creating the interop virtual environment failed:\n{msg}");
                }
                return;
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let age = fs::metadata(&lock)
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| SystemTime::now().duration_since(t).ok());
                if age.is_some_and(|a| a > STALE_LOCK) {
                    // Its owner died; take over (at worst two processes race to remove it,
                    // and create_new lets only one of them in next time round).
                    let _ = fs::remove_file(&lock);
                    continue;
                }
                if start.elapsed() > STALE_LOCK + Duration::from_secs(60) {
                    panic!(
                        "timed out waiting for another process to create {} (lock {})",
                        venv.display(),
                        lock.display()
                    );
                }
                std::thread::sleep(Duration::from_millis(250));
            }
            Err(e) => panic!("creating the lock file {}: {e}", lock.display()),
        }
    }
}

/// Creates the venv from scratch and installs the requirements; writes the marker last.
fn build_venv(venv: &Path, marker: &Path) -> Result<(), String> {
    if venv.exists() {
        fs::remove_dir_all(venv).map_err(|e| format!("removing {}: {e}", venv.display()))?;
    }
    let base = std::env::var_os("PYTHON3").unwrap_or_else(|| "python3".into());
    let mut cmd = Command::new(&base);
    cmd.arg("-m").arg("venv").arg(venv);
    run_quiet(cmd, "python3 -m venv")?;
    let mut cmd = Command::new(venv_python(venv));
    cmd.args(["-m", "pip", "install", "--quiet"])
        .args(REQUIREMENTS)
        .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
        .env("PIP_NO_INPUT", "1");
    run_quiet(cmd, "pip install")?;
    fs::write(marker, marker_contents()).map_err(|e| format!("writing the marker: {e}"))
}

fn run_quiet(mut cmd: Command, what: &str) -> Result<(), String> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{what}: could not start {cmd:?}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{what} failed ({}):\nstdout:\n{}\nstderr:\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// Runs `script` with the interop interpreter and returns its standard output; panics with
/// its standard error if it fails.
pub fn run_py<S: AsRef<std::ffi::OsStr>>(script: impl AsRef<Path>, args: &[S]) -> String {
    let script = script.as_ref();
    let out = Command::new(python())
        .arg(script)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", script.display()));
    if !out.status.success() {
        panic!(
            "{} {:?} failed ({}):\nstderr:\n{}\nstdout:\n{}",
            script.display(),
            args.iter().map(|a| a.as_ref()).collect::<Vec<_>>(),
            out.status,
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        );
    }
    String::from_utf8(out.stdout).expect("script output is not UTF-8")
}

/// The contents of a `.npy` file: the NumPy type string (e.g. `<f8`, `|b1`), the shape, and
/// the values' bytes in C order.
#[derive(Debug, Clone, PartialEq)]
pub struct Npy {
    pub descr: String,
    pub shape: Vec<usize>,
    pub data: Vec<u8>,
}

impl Npy {
    /// Bytes per element.
    pub fn elem_size(&self) -> usize {
        self.descr[2..].parse().expect("element size in descr")
    }
}

/// Reads a `.npy` file (format 1.0 to 3.0) holding a little-endian (or single-byte),
/// C-order array of a simple type. Panics on anything else.
pub fn read_npy(path: impl AsRef<Path>) -> Npy {
    let path = path.as_ref();
    let bytes = fs::read(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    assert!(
        bytes.len() >= 10 && &bytes[..6] == b"\x93NUMPY",
        "{} is not a .npy file",
        path.display()
    );
    let (header_len, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 => (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        ),
        v => panic!("{}: unsupported .npy version {v}", path.display()),
    };
    let header =
        std::str::from_utf8(&bytes[start..start + header_len]).expect("npy header is not UTF-8");
    let field = |key: &str| -> &str {
        let at = header
            .find(&format!("'{key}':"))
            .unwrap_or_else(|| panic!("npy header lacks {key}: {header}"));
        header[at + key.len() + 3..].trim_start()
    };
    let descr_field = field("descr");
    let descr = descr_field[1..descr_field[1..].find('\'').unwrap() + 1].to_string();
    assert!(
        descr.starts_with('<') || descr.starts_with('|'),
        "{}: only little-endian or single-byte types are supported, not {descr}",
        path.display()
    );
    assert!(
        field("fortran_order").starts_with("False"),
        "{}: Fortran-order .npy files are not supported",
        path.display()
    );
    let shape_field = field("shape");
    let shape_str = &shape_field[1..shape_field.find(')').unwrap()];
    let shape: Vec<usize> = shape_str
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().expect("shape entry"))
        .collect();
    let data = bytes[start + header_len..].to_vec();
    let npy = Npy { descr, shape, data };
    assert_eq!(
        npy.data.len(),
        npy.shape.iter().product::<usize>() * npy.elem_size(),
        "{}: data length does not match the header",
        path.display()
    );
    npy
}

impl Npy {
    /// The values of the box `ranges` (one range per axis), in C order.
    pub fn slice(&self, ranges: &[Range<usize>]) -> Npy {
        assert_eq!(ranges.len(), self.shape.len());
        let es = self.elem_size();
        let shape: Vec<usize> = ranges.iter().map(|r| r.end - r.start).collect();
        let n: usize = shape.iter().product();
        let mut data = Vec::with_capacity(n * es);
        let mut idx = vec![0usize; shape.len()];
        for lin in 0..n {
            let mut rem = lin;
            for ax in (0..shape.len()).rev() {
                idx[ax] = ranges[ax].start + rem % shape[ax];
                rem /= shape[ax];
            }
            let mut src = 0;
            for (ax, &i) in idx.iter().enumerate() {
                src = src * self.shape[ax] + i;
            }
            data.extend_from_slice(&self.data[src * es..(src + 1) * es]);
        }
        Npy {
            descr: self.descr.clone(),
            shape,
            data,
        }
    }
}

/// Element types as little-endian bytes (`bool` as one byte, 0 or 1), as NumPy stores them.
pub trait LeBytes: Element {
    /// Appends the value's bytes.
    fn put_le(self, out: &mut Vec<u8>);
}

macro_rules! le_bytes {
    ($($t:ty),*) => {$(
        impl LeBytes for $t {
            fn put_le(self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
        }
    )*};
}
le_bytes!(i8, i16, i32, i64, u8, u16, u32, u64, f32, f64);

impl LeBytes for bool {
    fn put_le(self, out: &mut Vec<u8>) {
        out.push(u8::from(self));
    }
}

/// NumPy's type string of an element type.
pub fn npy_descr(d: DType) -> &'static str {
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

/// An in-memory array as an [`Npy`] (C order, little-endian).
pub fn nd_to_npy<T: LeBytes>(a: &ArrayD<T>) -> Npy {
    let mut data = Vec::with_capacity(a.len() * T::DTYPE.size());
    for &v in a.iter() {
        v.put_le(&mut data);
    }
    Npy {
        descr: npy_descr(T::DTYPE).to_string(),
        shape: a.shape().to_vec(),
        data,
    }
}

/// Runs `$body` with `$x` bound to the typed array inside an [`AnyArray`].
#[macro_export]
macro_rules! with_any {
    ($any:expr, $x:ident => $body:expr) => {
        match $any {
            tessera::AnyArray::Bool($x) => $body,
            tessera::AnyArray::I8($x) => $body,
            tessera::AnyArray::I16($x) => $body,
            tessera::AnyArray::I32($x) => $body,
            tessera::AnyArray::I64($x) => $body,
            tessera::AnyArray::U8($x) => $body,
            tessera::AnyArray::U16($x) => $body,
            tessera::AnyArray::U32($x) => $body,
            tessera::AnyArray::U64($x) => $body,
            tessera::AnyArray::F32($x) => $body,
            tessera::AnyArray::F64($x) => $body,
        }
    };
}

/// Computes an array of any element type into an [`Npy`].
pub fn compute_npy(a: &AnyArray) -> tessera::Result<Npy> {
    with_any!(a, x => x.compute().map(|v| nd_to_npy(&v)))
}

/// The box `ranges` of an array of any element type.
pub fn slice_any(a: &AnyArray, ranges: &[Range<usize>]) -> tessera::Result<AnyArray> {
    with_any!(a, x => x.slice(ranges).map(AnyArray::from))
}

/// Asserts that two arrays have the same type, shape and bytes; on a mismatch, names the
/// first differing element by its index.
pub fn assert_npy_eq(got: &Npy, want: &Npy, ctx: &str) {
    assert_eq!(got.descr, want.descr, "{ctx}: element type");
    assert_eq!(got.shape, want.shape, "{ctx}: shape");
    if got.data == want.data {
        return;
    }
    let es = want.elem_size();
    let n = want.data.len() / es;
    let first = (0..n)
        .find(|&i| got.data[i * es..(i + 1) * es] != want.data[i * es..(i + 1) * es])
        .unwrap_or(0);
    let mut idx = vec![0usize; want.shape.len()];
    let mut rem = first;
    for ax in (0..want.shape.len()).rev() {
        idx[ax] = rem % want.shape[ax];
        rem /= want.shape[ax];
    }
    let differing = (0..n)
        .filter(|&i| got.data[i * es..(i + 1) * es] != want.data[i * es..(i + 1) * es])
        .count();
    panic!(
        "{ctx}: {differing} of {n} elements differ; first at {idx:?}: got bytes {:02x?}, want {:02x?}",
        &got.data[first * es..(first + 1) * es],
        &want.data[first * es..(first + 1) * es]
    );
}

/// A fresh directory under the system temporary directory, removed when dropped.
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    /// A new empty directory whose name holds `tag`, the process id and a counter.
    pub fn new(tag: &str) -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("tessera-test-{tag}-{}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("creating {}: {e}", dir.display()));
        TempDir(dir)
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.0
    }

    /// A path inside the directory.
    pub fn join(&self, p: impl AsRef<Path>) -> PathBuf {
        self.0.join(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Every file below `dir` (relative paths with `/`), sorted.
pub fn files_below(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(root, &p, out);
            } else if let Ok(rel) = p.strip_prefix(root) {
                out.push(
                    rel.to_string_lossy()
                        .replace(std::path::MAIN_SEPARATOR, "/"),
                );
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// Runs the NumPy oracle script `script_name` (in `tests/interop`) once into a new
/// temporary directory tagged `tag`, where it saves its `.npy` files; the script prints
/// `ok` when done.
pub fn run_reference(script_name: &str, tag: &str) -> TempDir {
    let dir = TempDir::new(tag);
    let out = run_py(script(script_name), &[dir.path()]);
    assert_eq!(out.trim(), "ok", "{script_name}");
    dir
}

/// The `float64` array saved as `name.npy` in `dir`.
pub fn load_f64(dir: &TempDir, name: &str) -> ArrayD<f64> {
    let npy = read_npy(dir.join(format!("{name}.npy")));
    assert_eq!(npy.descr, "<f8", "{name}");
    let values: Vec<f64> = npy
        .data
        .chunks_exact(8)
        .map(|b| f64::from_le_bytes(b.try_into().unwrap()))
        .collect();
    ArrayD::from_shape_vec(ndarray::IxDyn(&npy.shape), values).unwrap()
}

/// The `float32` array saved as `name.npy` in `dir`.
pub fn load_f32(dir: &TempDir, name: &str) -> ArrayD<f32> {
    let npy = read_npy(dir.join(format!("{name}.npy")));
    assert_eq!(npy.descr, "<f4", "{name}");
    let values: Vec<f32> = npy
        .data
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
        .collect();
    ArrayD::from_shape_vec(ndarray::IxDyn(&npy.shape), values).unwrap()
}
