//! Resumed writes (`WriteOptions::resume`): a write killed part-way (SIGKILL, in a child
//! process, at random points) or failed part-way is finished by running it again with
//! `resume(true)`, which computes only the missing chunks and leaves a store byte-identical
//! to an uninterrupted write; a target holding another array, or other files, is refused
//! and left untouched; a finished store is not rewritten; a killed writer's temporary files
//! are removed.

mod common;

use common::python::{files_below, TempDir};
use common::Rng;
use ndarray::{ArrayD, IxDyn};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};
use tessera::zarr::{self, Compression, WriteOptions, WriteReport};
use tessera::{Array, ComputeOptions, Error};

/// Set (to the target directory) in the child process that the kill test starts.
const CHILD_ENV: &str = "TESSERA_RESUME_TEST_CHILD";

/// The input values: never 0 (the fill value), so every chunk is stored.
fn input(shape: [usize; 2]) -> ArrayD<f64> {
    ArrayD::from_shape_fn(IxDyn(&shape), |ix| {
        let (i, j) = (ix[0] as f64, ix[1] as f64);
        1.0 + i * 0.731 + j * 1.0e-3 + (i * 0.1).sin() * (j * 0.07).cos()
    })
}

/// What the stored array holds, computed in memory.
fn expected(shape: [usize; 2]) -> ArrayD<f64> {
    input(shape).mapv(|v| v * 1.5 + 0.25)
}

/// How the lazy values behave beyond what they compute.
#[derive(Clone, Default)]
struct Behaviour {
    /// Milliseconds each block sleeps (to make a write slow enough to kill).
    sleep_ms: u64,
    /// Counts the blocks computed.
    calls: Option<Arc<AtomicUsize>>,
    /// A block whose computation fails.
    fail_at: Option<Vec<usize>>,
}

/// The lazy values: `input` in blocks of `blocks`, through a `map_blocks` that applies
/// `behaviour`.
fn values(shape: [usize; 2], blocks: [usize; 2], b: Behaviour) -> Array<f64> {
    let x = Array::<f64>::from_ndarray(input(shape), blocks).unwrap();
    x.map_blocks(move |v, info| {
        if let Some(c) = &b.calls {
            c.fetch_add(1, Ordering::SeqCst);
        }
        if b.sleep_ms > 0 {
            std::thread::sleep(Duration::from_millis(b.sleep_ms));
        }
        if b.fail_at.as_deref() == Some(info.index.as_slice()) {
            return Err(Error::Task {
                task: String::new(),
                msg: format!("block {:?} fails on purpose", info.index),
            });
        }
        Ok(v.mapv(|v| v * 1.5 + 0.25))
    })
    .unwrap()
}

/// Every file below `dir` with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    files_below(dir)
        .into_iter()
        .map(|f| {
            let bytes = std::fs::read(dir.join(&f)).unwrap();
            (f, bytes)
        })
        .collect()
}

/// Every file below `dir` with its modification time.
fn mtimes(dir: &Path) -> BTreeMap<String, SystemTime> {
    files_below(dir)
        .into_iter()
        .map(|f| {
            let t = std::fs::metadata(dir.join(&f)).unwrap().modified().unwrap();
            (f, t)
        })
        .collect()
}

/// Chunk files (or shard files) stored below `dir`, not counting temporary files.
fn stored_chunks(dir: &Path) -> usize {
    files_below(dir)
        .iter()
        .filter(|f| f.starts_with("c/") && !f.contains(".tessera-tmp-"))
        .count()
}

/// Asserts `got` holds exactly the files of `want`, byte for byte.
fn assert_same_store(got: &Path, want: &Path, ctx: &str) {
    let (g, w) = (snapshot(got), snapshot(want));
    assert_eq!(
        g.keys().collect::<Vec<_>>(),
        w.keys().collect::<Vec<_>>(),
        "{ctx}: the stores hold different files"
    );
    for (f, bytes) in &w {
        assert!(
            g[f] == *bytes,
            "{ctx}: {f} differs from the uninterrupted write"
        );
    }
}

/// Asserts the store at `dir` reads back as `want` through tessera.
fn assert_reads_back(dir: &Path, want: &ArrayD<f64>, ctx: &str) {
    let back = zarr::open_zarr::<f64>(dir).unwrap().compute().unwrap();
    assert_eq!(&back, want, "{ctx}: values read back");
}

fn uninterrupted(dir: &Path, x: &Array<f64>, opts: &WriteOptions) -> WriteReport {
    zarr::to_zarr(x, dir, opts.clone())
        .unwrap()
        .compute()
        .unwrap()
}

/// The message of a store error, checking it names `target`.
fn store_message(r: tessera::Result<WriteReport>, target: &Path, ctx: &str) -> String {
    match r {
        Err(Error::Store { store, msg, .. }) => {
            assert_eq!(store, target.display().to_string(), "{ctx}: {msg}");
            msg
        }
        Err(e) => panic!("{ctx}: expected a store error, got {e}"),
        Ok(r) => panic!("{ctx}: expected an error, the write succeeded: {r:?}"),
    }
}

// ------------------------------------------------------------------------------------------
// Killed writes
// ------------------------------------------------------------------------------------------

const KILL_SHAPE: [usize; 2] = [200, 300];
const KILL_BLOCKS: [usize; 2] = [10, 15];
const KILL_TOTAL: usize = 20 * 20;

fn kill_opts() -> WriteOptions {
    WriteOptions::default()
        .attribute("title", "resume test")
        .dimension_names(["y", "x"])
}

/// The child process of `killed_writes_resume_to_an_identical_store`: a slow write of 400
/// chunks (8 ms a chunk on 4 threads), killed part-way. Does nothing when run directly.
#[test]
#[ignore = "the child process of killed_writes_resume_to_an_identical_store"]
fn child_writer() {
    let Ok(dir) = std::env::var(CHILD_ENV) else {
        return;
    };
    let x = values(
        KILL_SHAPE,
        KILL_BLOCKS,
        Behaviour {
            sleep_ms: 8,
            ..Behaviour::default()
        },
    );
    zarr::to_zarr(&x, &dir, kill_opts())
        .unwrap()
        .compute_with(&ComputeOptions::new().threads(4))
        .unwrap();
}

/// Starts the child writer on `target`; its stderr goes to `log`.
fn spawn_child(target: &Path, log: &Path) -> std::process::Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_writer",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, target)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .unwrap()
}

#[test]
fn killed_writes_resume_to_an_identical_store() {
    let dir = TempDir::new("resume-kill");
    let reference = dir.join("reference");
    let fast = values(KILL_SHAPE, KILL_BLOCKS, Behaviour::default());
    let r = uninterrupted(&reference, &fast, &kill_opts());
    assert_eq!((r.chunks_written, r.chunks_total), (KILL_TOTAL, KILL_TOTAL));
    assert_eq!(stored_chunks(&reference), KILL_TOTAL);
    let want = expected(KILL_SHAPE);

    // Kill points: random delays after the start (some before the child wrote anything,
    // some after it may have finished), then one kill once a few chunks are stored, which
    // lands in the middle of the write however slow the machine.
    let mut rng = Rng::new(0x5EED_4B11);
    let mut kills: Vec<Option<u64>> = (0..6).map(|_| Some(rng.range(20, 1400) as u64)).collect();
    kills.push(None);
    let mut partial = 0;
    for (it, kill) in kills.into_iter().enumerate() {
        let target = dir.join(format!("killed-{it}"));
        let log = dir.join(format!("child-{it}.log"));
        let mut child = spawn_child(&target, &log);
        let t0 = Instant::now();
        let ctx = format!("iteration {it} (kill after {kill:?} ms)");
        let exited_early = match kill {
            Some(ms) => {
                std::thread::sleep(Duration::from_millis(ms));
                child.try_wait().unwrap()
            }
            None => loop {
                if let Some(st) = child.try_wait().unwrap() {
                    break Some(st);
                }
                if stored_chunks(&target) >= 20 {
                    break None;
                }
                assert!(
                    t0.elapsed() < Duration::from_secs(120),
                    "{ctx}: the child wrote nothing in 120 s"
                );
                std::thread::sleep(Duration::from_millis(2));
            },
        };
        let status = match exited_early {
            Some(st) => st,
            None => {
                child.kill().unwrap(); // SIGKILL
                child.wait().unwrap()
            }
        };
        use std::os::unix::process::ExitStatusExt;
        let killed = status.signal() == Some(9);
        assert!(
            killed || status.success(),
            "{ctx}: the child failed ({status:?}): {}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        if killed {
            assert!(
                !target.join("zarr.json").exists(),
                "{ctx}: a killed write left metadata"
            );
            assert!(zarr::open_zarr::<f64>(&target).is_err(), "{ctx}: it opens");
        }
        let present = stored_chunks(&target);
        if present > 0 && !killed {
            assert_eq!(present, KILL_TOTAL, "{ctx}");
        }
        if killed && present > 0 {
            assert!(
                target.join(".tessera-pending.json").is_file(),
                "{ctx}: chunks but no record of the unfinished write"
            );
        }
        if killed && present > 0 && present < KILL_TOTAL {
            partial += 1;
        }
        if kill.is_none() {
            assert!(
                killed && present > 0 && present < KILL_TOTAL,
                "{ctx}: the kill did not land part-way ({present} chunks stored, killed: {killed})"
            );
        }

        // Resume in this process (without the sleeps: the values are the same).
        let r = zarr::to_zarr(&fast, &target, kill_opts().resume(true))
            .unwrap()
            .compute()
            .unwrap();
        assert_eq!(r.chunks_total, KILL_TOTAL, "{ctx}");
        assert_eq!(r.chunks_skipped, present, "{ctx}: {r:?}");
        assert_eq!(r.chunks_written, KILL_TOTAL - present, "{ctx}: {r:?}");
        assert_eq!(r.chunks_skipped + r.chunks_written, r.chunks_total, "{ctx}");
        assert_same_store(&target, &reference, &ctx);
        assert_reads_back(&target, &want, &ctx);
    }
    assert!(partial >= 1, "no kill landed part-way through a write");
}

// ------------------------------------------------------------------------------------------
// Failed writes, other targets
// ------------------------------------------------------------------------------------------

const SHAPE: [usize; 2] = [120, 180];
const BLOCKS: [usize; 2] = [10, 15];
/// Blocks of the values (12 x 12); the stored chunks hold 2 x 2 blocks each.
const NBLOCKS: usize = 12 * 12;
const CHUNKS: [usize; 2] = [20, 30];
const TOTAL: usize = 6 * 6;

fn opts() -> WriteOptions {
    WriteOptions::default()
        .chunks(CHUNKS)
        .compression(Compression::Zstd { level: 3 })
        .attribute("units", "K")
}

/// A write of `opts` to `target` that fails at block (7, 8) (stored chunk c/3/4), leaving an
/// unfinished store; returns how many chunks it stored.
fn failed_write(target: &Path, opts: &WriteOptions) -> usize {
    let x = values(
        SHAPE,
        BLOCKS,
        Behaviour {
            fail_at: Some(vec![7, 8]),
            ..Behaviour::default()
        },
    );
    let e = zarr::to_zarr(&x, target, opts.clone())
        .unwrap()
        .compute_with(&ComputeOptions::new().threads(2))
        .unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("fails on purpose"), "{msg}");
    assert!(
        msg.contains("resume(true)"),
        "the error suggests resuming: {msg}"
    );
    assert!(!target.join("zarr.json").exists());
    assert!(target.join(".tessera-pending.json").is_file());
    assert!(
        !target.join("c/3/4").exists(),
        "the failing chunk was stored"
    );
    stored_chunks(target)
}

/// Resumes the write of `opts` to `target`, counting the blocks computed.
fn resume(target: &Path, opts: &WriteOptions) -> (WriteReport, usize) {
    let calls = Arc::new(AtomicUsize::new(0));
    let x = values(
        SHAPE,
        BLOCKS,
        Behaviour {
            calls: Some(calls.clone()),
            ..Behaviour::default()
        },
    );
    let r = zarr::to_zarr(&x, target, opts.clone().resume(true))
        .unwrap()
        .compute()
        .unwrap();
    (r, calls.load(Ordering::SeqCst))
}

#[test]
fn a_failed_write_resumes_computing_only_missing_chunks() {
    let dir = TempDir::new("resume-failed");
    let reference = dir.join("reference");
    let r = uninterrupted(
        &reference,
        &values(SHAPE, BLOCKS, Behaviour::default()),
        &opts(),
    );
    assert_eq!((r.chunks_written, r.chunks_skipped), (TOTAL, 0));

    let target = dir.join("target");
    let present = failed_write(&target, &opts());
    assert!(present < TOTAL);
    // Without resume, the unfinished store is an existing target.
    let x = values(SHAPE, BLOCKS, Behaviour::default());
    let msg = store_message(
        zarr::to_zarr(&x, &target, opts()).unwrap().compute(),
        &target,
        "plain write over an unfinished one",
    );
    assert!(msg.contains("resume(true)"), "{msg}");

    let (r, calls) = resume(&target, &opts());
    assert_eq!(r.chunks_skipped, present, "{r:?}");
    assert_eq!(r.chunks_written, TOTAL - present, "{r:?}");
    // Skipped chunks are not computed, nor are the blocks only they read (each stored
    // chunk reads 2 x 2 blocks).
    assert_eq!(
        calls,
        4 * (TOTAL - present),
        "blocks computed by the resumed write"
    );
    assert_same_store(&target, &reference, "resumed after a failure");
    assert_reads_back(&target, &expected(SHAPE), "resumed after a failure");

    // A resumed write onto nothing is a whole write.
    let fresh = dir.join("fresh");
    let (r, calls) = resume(&fresh, &opts());
    assert_eq!((r.chunks_written, r.chunks_skipped), (TOTAL, 0));
    assert_eq!(calls, NBLOCKS);
    assert_same_store(&fresh, &reference, "resumed onto nothing");
    // ... and so onto an empty directory.
    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let (r, _) = resume(&empty, &opts());
    assert_eq!((r.chunks_written, r.chunks_skipped), (TOTAL, 0));
    assert_same_store(&empty, &reference, "resumed onto an empty directory");
}

#[test]
fn a_sharded_write_resumes() {
    let dir = TempDir::new("resume-sharded");
    let sharded = opts().shards([40, 60]); // 3 x 3 shards of 2 x 2 chunks
    let reference = dir.join("reference");
    let r = uninterrupted(
        &reference,
        &values(SHAPE, BLOCKS, Behaviour::default()),
        &sharded,
    );
    assert_eq!(r.chunks_total, 9);
    let target = dir.join("target");
    let x = values(
        SHAPE,
        BLOCKS,
        Behaviour {
            fail_at: Some(vec![7, 8]), // in shard c/1/2
            ..Behaviour::default()
        },
    );
    assert!(zarr::to_zarr(&x, &target, sharded.clone())
        .unwrap()
        .compute_with(&ComputeOptions::new().threads(2))
        .is_err());
    assert!(!target.join("c/1/2").exists());
    let present = stored_chunks(&target);
    let (r, calls) = resume(&target, &sharded);
    assert_eq!((r.chunks_skipped, r.chunks_written), (present, 9 - present));
    assert_eq!(
        calls,
        16 * (9 - present),
        "blocks computed by the resumed write"
    );
    assert_same_store(&target, &reference, "sharded");
    assert_reads_back(&target, &expected(SHAPE), "sharded");
}

#[test]
fn resuming_with_other_parameters_is_refused_and_changes_nothing() {
    let dir = TempDir::new("resume-other");
    let target = dir.join("target");
    failed_write(&target, &opts());
    let before = snapshot(&target);
    let times = mtimes(&target);

    let plain = values(SHAPE, BLOCKS, Behaviour::default());
    let cases: Vec<(&str, tessera::AnyArray, WriteOptions, &[&str])> = vec![
        (
            "chunks",
            plain.clone().into(),
            opts().chunks([40, 30]),
            &["chunk_grid", "[20,30]", "[40,30]"],
        ),
        (
            "dtype",
            plain.astype::<f32>().into(),
            opts(),
            &["data_type", "float64", "float32"],
        ),
        (
            "codec",
            plain.clone().into(),
            opts().compression(Compression::Gzip { level: 5 }),
            &["codecs", "zstd", "gzip"],
        ),
        (
            "shape",
            plain.slice(&[0..100, 0..180]).unwrap().into(),
            opts(),
            &["shape", "[120,180]", "[100,180]"],
        ),
        (
            "fill value",
            plain.clone().into(),
            opts().fill_value(-1.0),
            &["fill_value"],
        ),
        (
            "attributes",
            plain.clone().into(),
            opts().attribute("units", "degC"),
            &["attributes", "degC"],
        ),
        (
            "shards",
            plain.clone().into(),
            opts().shards([40, 60]),
            &["codecs", "sharding_indexed"],
        ),
    ];
    for (what, x, o, words) in cases {
        let msg = store_message(
            zarr::to_zarr(&x, &target, o.resume(true))
                .unwrap()
                .compute(),
            &target,
            what,
        );
        assert!(msg.contains("cannot resume"), "{what}: {msg}");
        assert!(msg.contains("unfinished write"), "{what}: {msg}");
        for w in words {
            assert!(msg.contains(w), "{what}: the message lacks {w:?}: {msg}");
        }
        assert_eq!(snapshot(&target), before, "{what}: the store changed");
        assert_eq!(mtimes(&target), times, "{what}: a file was rewritten");
    }

    // A finished store of another array is refused the same way.
    let done = dir.join("done");
    uninterrupted(&done, &plain, &opts());
    let before = snapshot(&done);
    let msg = store_message(
        zarr::to_zarr(&plain, &done, opts().chunks([40, 30]).resume(true))
            .unwrap()
            .compute(),
        &done,
        "finished store, other chunks",
    );
    assert!(
        msg.contains("different finished array") && msg.contains("chunk_grid"),
        "{msg}"
    );
    assert_eq!(snapshot(&done), before);

    // Files that are not a tessera write are never touched.
    let other = dir.join("other");
    std::fs::create_dir_all(other.join("c/0")).unwrap();
    std::fs::write(other.join("notes.txt"), b"keep me").unwrap();
    std::fs::write(other.join("c/0/0"), b"not a chunk of this array").unwrap();
    let before = snapshot(&other);
    let msg = store_message(
        zarr::to_zarr(&plain, &other, opts().resume(true))
            .unwrap()
            .compute(),
        &other,
        "foreign files",
    );
    assert!(msg.contains("not an unfinished tessera write"), "{msg}");
    assert_eq!(snapshot(&other), before);
    // A file in place of the directory neither.
    let file = dir.join("file");
    std::fs::write(&file, b"a file").unwrap();
    let msg = store_message(
        zarr::to_zarr(&plain, &file, opts().resume(true))
            .unwrap()
            .compute(),
        &file,
        "a file",
    );
    assert!(msg.contains("not a directory"), "{msg}");
    assert_eq!(std::fs::read(&file).unwrap(), b"a file");

    // With overwrite as well, a target that cannot be resumed is replaced.
    let r = zarr::to_zarr(&plain, &other, opts().resume(true).overwrite(true))
        .unwrap()
        .compute()
        .unwrap();
    assert_eq!((r.chunks_written, r.chunks_skipped), (TOTAL, 0));
    assert!(!other.join("notes.txt").exists());
    assert_reads_back(&other, &expected(SHAPE), "overwritten");

    // The unfinished write itself still resumes with its own parameters.
    let (r, _) = resume(&target, &opts());
    assert_eq!(r.chunks_skipped + r.chunks_written, TOTAL);
    assert_same_store(&target, &done, "resumed after the refusals");
}

#[test]
fn resuming_a_finished_store_rewrites_nothing() {
    let dir = TempDir::new("resume-finished");
    let target = dir.join("target");
    let x = values(SHAPE, BLOCKS, Behaviour::default());
    uninterrupted(&target, &x, &opts());
    assert!(!target.join(".tessera-pending.json").exists());
    let before = snapshot(&target);
    let times = mtimes(&target);
    // Coarse file times would hide a rewrite.
    std::thread::sleep(Duration::from_millis(20));
    let (r, calls) = resume(&target, &opts());
    assert_eq!(
        (r.chunks_written, r.chunks_skipped, r.chunks_total),
        (0, TOTAL, TOTAL)
    );
    assert_eq!(calls, 0, "blocks computed");
    assert_eq!(snapshot(&target), before);
    assert_eq!(mtimes(&target), times, "a file was rewritten");
    assert_reads_back(&target, &expected(SHAPE), "finished");

    // Killed after the metadata was written but before its record was removed: complete.
    std::fs::write(
        target.join(".tessera-pending.json"),
        std::fs::read(target.join("zarr.json")).unwrap(),
    )
    .unwrap();
    let (r, calls) = resume(&target, &opts());
    assert_eq!((r.chunks_written, calls), (0, 0));
    assert_eq!(snapshot(&target), before, "the record is removed");
}

#[test]
fn temporary_files_of_a_killed_writer_are_ignored_and_removed() {
    let dir = TempDir::new("resume-tmp");
    let reference = dir.join("reference");
    uninterrupted(
        &reference,
        &values(SHAPE, BLOCKS, Behaviour::default()),
        &opts(),
    );
    let target = dir.join("target");
    let present = failed_write(&target, &opts());
    // A chunk being written when the writer was killed: its temporary file holds part of
    // the chunk (the start of the real chunk's bytes), never renamed into place. Also a
    // metadata file being written, and a chunk whose directory did not exist yet.
    let real = std::fs::read(reference.join("c/3/4")).unwrap();
    std::fs::create_dir_all(target.join("c/3")).unwrap();
    std::fs::write(
        target.join("c/3/.4.tessera-tmp-999999-17"),
        &real[..real.len() / 2],
    )
    .unwrap();
    std::fs::write(
        target.join(".zarr.json.tessera-tmp-999999-18"),
        b"{\"zarr_fo",
    )
    .unwrap();
    let missing = (0..6)
        .flat_map(|i| (0..6).map(move |j| format!("c/{i}/{j}")))
        .find(|k| !target.join(k).exists() && k != "c/3/4")
        .unwrap_or_else(|| "c/3/4".to_string());
    let (d, f) = missing.rsplit_once('/').unwrap();
    std::fs::create_dir_all(target.join(d)).unwrap();
    std::fs::write(target.join(format!("{d}/.{f}.tessera-tmp-999999-19")), b"x").unwrap();
    assert_eq!(
        stored_chunks(&target),
        present,
        "temporary files are not chunks"
    );

    let (r, calls) = resume(&target, &opts());
    assert_eq!(
        (r.chunks_skipped, r.chunks_written),
        (present, TOTAL - present)
    );
    assert_eq!(calls, 4 * (TOTAL - present));
    let tmp: Vec<String> = files_below(&target)
        .into_iter()
        .filter(|f| f.contains(".tessera-tmp-"))
        .collect();
    assert!(tmp.is_empty(), "temporary files left: {tmp:?}");
    assert_same_store(&target, &reference, "with temporary files");
    assert_reads_back(&target, &expected(SHAPE), "with temporary files");
}
