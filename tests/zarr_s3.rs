//! Zarr arrays in S3-compatible object storage (writes, reads, region writes, resumed writes),
//! against a real S3 server (moto) that the tests start on loopback. Needs the `s3` feature; the
//! tests install `moto[server]` into a virtual environment under `target/` on first use (from
//! PyPI), never touching the internet otherwise.
#![cfg(feature = "s3")]

use ndarray::{Array2, ArrayD};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tessera::zarr::s3::{self, S3Config, S3Store};
use tessera::zarr::{Compression, WriteOptions};
use tessera::{Array, Error};

/// The venv's python, created with moto[server] if missing.
fn venv_python() -> PathBuf {
    // The tests run in parallel: one of them creates the environment, the others wait.
    static CREATING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = CREATING.lock().unwrap_or_else(|e| e.into_inner());
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/s3-venv");
    let py = dir.join("bin/python");
    let marker = dir.join(".installed");
    if !marker.exists() {
        let ok = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&dir)
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        assert!(ok, "python3 -m venv failed");
        let out = Command::new(&py)
            .args(["-m", "pip", "install", "--quiet", "moto[server]>=5,<6"])
            .output()
            .expect("pip");
        assert!(
            out.status.success(),
            "pip install moto: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::write(&marker, "ok").unwrap();
    }
    py
}

/// A moto S3 server on a free loopback port, stopped on drop.
struct Moto {
    child: Child,
    endpoint: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_moto(bucket: &str) -> Moto {
    let py = venv_python();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(&py)
        .args([
            "-m",
            "moto.server",
            "-H",
            "127.0.0.1",
            "-p",
            &port.to_string(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start moto");
    let endpoint = format!("http://127.0.0.1:{port}");
    let moto = Moto { child, endpoint };
    let t0 = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(t0.elapsed() < Duration::from_secs(60), "moto did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    let script = format!(
        "import boto3; boto3.client('s3', endpoint_url='{}', region_name='us-east-1', \
         aws_access_key_id='testing', aws_secret_access_key='testing').create_bucket(Bucket='{bucket}')",
        moto.endpoint
    );
    let out = Command::new(&py).args(["-c", &script]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    moto
}

fn store(m: &Moto, bucket: &str, prefix: &str) -> S3Store {
    S3Store::new(&S3Config {
        bucket: bucket.into(),
        prefix: prefix.into(),
        endpoint: Some(m.endpoint.clone()),
        region: Some("us-east-1".into()),
        access_key_id: Some("testing".into()),
        secret_access_key: Some("testing".into()),
        allow_http: true,
    })
    .unwrap()
}

#[test]
fn write_read_region_and_errors_on_a_real_s3_server() {
    let moto = start_moto("tessera-test");
    let st = store(&moto, "tessera-test", "runs/one");
    let a = Array2::from_shape_fn((37, 23), |(i, j)| (i * 100 + j) as f64 * 0.25 - 7.0);
    let x = Array::from_ndarray(a.clone(), [10, 8]).unwrap();

    // Plain write and read back, storage chunks from the array's chunks (edge chunks).
    let r = s3::to_zarr(&x, &st, "temp", WriteOptions::default())
        .unwrap()
        .compute()
        .unwrap();
    assert_eq!((r.chunks_written, r.chunks_total), (12, 12));
    let y = s3::open_zarr::<f64>(&st, "temp").unwrap();
    assert_eq!(y.chunks().chunks(0), vec![10, 10, 10, 7]);
    assert_eq!(y.compute().unwrap(), a.clone().into_dyn());
    // A slice and a sum read through the lazy graph.
    let s = y
        .slice(&[5..30, 3..20])
        .unwrap()
        .sum(..)
        .unwrap()
        .compute_scalar()
        .unwrap();
    let want: f64 = a.slice(ndarray::s![5..30, 3..20]).sum();
    assert!((s - want).abs() < 1e-9 * want.abs());

    // Sharded, zstd, int32.
    let xi = Array::<i32>::arange(0, 1000, 1, 100).unwrap();
    let opts = WriteOptions::default()
        .chunks([50])
        .shards([200])
        .compression(Compression::Zstd { level: 3 });
    s3::to_zarr(&xi, &st, "nested/ints", opts)
        .unwrap()
        .compute()
        .unwrap();
    let back: ArrayD<i32> = s3::open_zarr::<i32>(&st, "nested/ints")
        .unwrap()
        .compute()
        .unwrap();
    assert_eq!(
        back.into_raw_vec_and_offset().0,
        (0..1000).collect::<Vec<i32>>()
    );

    // Region write (read-modify-write of partially covered chunks).
    let patch = Array::<f64>::full(&[4, 5], -1.0, 2).unwrap();
    s3::to_zarr_region(&patch, &st, "temp", &[8, 6])
        .unwrap()
        .compute()
        .unwrap();
    let mut want = a.clone();
    want.slice_mut(ndarray::s![8..12, 6..11]).fill(-1.0);
    assert_eq!(
        s3::open_zarr::<f64>(&st, "temp")
            .unwrap()
            .compute()
            .unwrap(),
        want.into_dyn()
    );

    // Overwrite policy, wrong dtype, missing array.
    let again = s3::to_zarr(&x, &st, "temp", WriteOptions::default())
        .unwrap()
        .compute();
    assert!(matches!(again, Err(Error::Store { .. })), "{again:?}");
    s3::to_zarr(&x, &st, "temp", WriteOptions::default().overwrite(true))
        .unwrap()
        .compute()
        .unwrap();
    assert!(matches!(
        s3::open_zarr::<f32>(&st, "temp"),
        Err(Error::Store { .. })
    ));
    match s3::open_zarr::<f64>(&st, "absent") {
        Err(Error::Store { store, .. }) => assert!(store.starts_with("s3://tessera-test/runs/one")),
        other => panic!("{other:?}"),
    }
    // The prefix isolates stores: another prefix sees nothing.
    let other = store(&moto, "tessera-test", "runs/two");
    assert!(s3::open_zarr_any(&other, "temp").is_err());
}

#[test]
fn an_unfinished_write_resumes_on_a_real_s3_server() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let moto = start_moto("tessera-resume");
    let st = store(&moto, "tessera-resume", "runs/resume");
    let a = Array2::from_shape_fn((40, 30), |(i, j)| (i * 100 + j) as f64 * 0.5 + 1.0);
    // The values, counting the blocks computed; block (2, 1) fails when asked to.
    let values = |fail: bool, calls: Arc<AtomicUsize>| {
        Array::from_ndarray(a.clone(), [10, 10])
            .unwrap()
            .map_blocks(move |v, info| {
                calls.fetch_add(1, Ordering::SeqCst);
                if fail && info.index == [2, 1] {
                    return Err(Error::Task {
                        task: String::new(),
                        msg: "fails on purpose".into(),
                    });
                }
                Ok(v.mapv(|x| x * 2.0))
            })
            .unwrap()
    };
    let opts = WriteOptions::default().compression(Compression::Zstd { level: 1 });
    let failing = values(true, Arc::new(AtomicUsize::new(0)));
    let e = s3::to_zarr(&failing, &st, "arr", opts.clone())
        .unwrap()
        .compute_with(&tessera::ComputeOptions::new().threads(1))
        .unwrap_err();
    assert!(e.to_string().contains("resume(true)"), "{e}");
    assert!(s3::open_zarr::<f64>(&st, "arr").is_err());

    // Other parameters are refused.
    let other = values(false, Arc::new(AtomicUsize::new(0)));
    let e = s3::to_zarr(
        &other,
        &st,
        "arr",
        opts.clone().chunks([20, 10]).resume(true),
    )
    .unwrap()
    .compute()
    .unwrap_err();
    assert!(e.to_string().contains("cannot resume"), "{e}");

    // The same write resumed computes only the chunks not stored.
    let calls = Arc::new(AtomicUsize::new(0));
    let x = values(false, calls.clone());
    let r = s3::to_zarr(&x, &st, "arr", opts.clone().resume(true))
        .unwrap()
        .compute()
        .unwrap();
    assert_eq!(r.chunks_total, 12);
    assert!(r.chunks_skipped > 0 && r.chunks_written < 12, "{r:?}");
    assert_eq!(r.chunks_skipped + r.chunks_written, 12);
    assert_eq!(calls.load(Ordering::SeqCst), r.chunks_written);
    let want = (a.clone() * 2.0).into_dyn();
    assert_eq!(
        s3::open_zarr::<f64>(&st, "arr").unwrap().compute().unwrap(),
        want
    );

    // Finished: nothing is written again.
    let calls = Arc::new(AtomicUsize::new(0));
    let r = s3::to_zarr(&values(false, calls.clone()), &st, "arr", opts.resume(true))
        .unwrap()
        .compute()
        .unwrap();
    assert_eq!((r.chunks_written, r.chunks_skipped), (0, 12));
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    assert_eq!(
        s3::open_zarr::<f64>(&st, "arr").unwrap().compute().unwrap(),
        want
    );
}
