//! Distributed computations under MPI: `cargo test` runs this file as a launcher, which
//! starts itself under `mpirun -np 2` and `-np 3` (oversubscribed, on loopback). Each rank
//! then runs every case and checks its result against the same array computed in one
//! process (bit for bit); the launcher reads the Zarr store the ranks wrote together with
//! zarr-python.

mod common;

use ndarray::ArrayD;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use tessera::cluster::{Cluster, ResultsOn};
use tessera::zarr::{self, WriteOptions};
use tessera::{random, Array, ComputeOptions, Error};

fn main() {
    if std::env::var_os("OMPI_COMM_WORLD_SIZE").is_some() || std::env::var_os("PMI_SIZE").is_some()
    {
        rank_main();
    } else {
        launcher();
    }
}

/// The directory the ranks write their store under, per rank count.
fn store_dir(np: usize) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("mpi-store-{np}"))
}

/// The array the ranks write.
fn stored() -> Array<f64> {
    let x = random::uniform::<f64>(&[90, 70], [20, 30], 77).unwrap();
    (&x * 2.0 - 1.0).rechunk([30, 35]).unwrap()
}

fn launcher() {
    let exe = std::env::current_exe().expect("the test's own path");
    for np in [2usize, 3] {
        let dir = store_dir(np);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let out = Command::new("mpirun")
            .args(["--allow-run-as-root", "--oversubscribe", "--timeout", "900"])
            .args(["-np", &np.to_string()])
            .arg(&exe)
            .env("TESSERA_MPI_DIR", &dir)
            .env("OMPI_MCA_btl_vader_single_copy_mechanism", "none")
            .stdin(Stdio::null())
            .output()
            .expect("running mpirun (install Open MPI: scripts/test does)");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "mpirun -np {np} failed ({}):\n{stdout}\n{stderr}",
            out.status
        );
        // Every rank reported every case.
        for rank in 0..np {
            assert!(
                stdout.contains(&format!("rank {rank} of {np}: all cases passed")),
                "rank {rank} of {np} did not finish:\n{stdout}\n{stderr}"
            );
        }
        // zarr-python reads the store written by all the ranks as the single-process result.
        let npy = dir.join("npy");
        std::fs::create_dir_all(&npy).unwrap();
        let store = dir.join("w.zarr");
        common::python::run_py(
            common::python::script("check_store.py"),
            &[npy.as_os_str(), store.as_os_str()],
        );
        let got = common::python::read_npy(npy.join("0.npy"));
        let want = stored().compute().unwrap();
        assert_eq!(got.shape, want.shape());
        let want_bytes: Vec<u8> = want.iter().flat_map(|v| v.to_le_bytes()).collect();
        assert!(
            got.data == want_bytes,
            "the store written by {np} ranks differs"
        );
        println!("mpirun -np {np}: ok");
    }
}

/// Fails this rank with a message naming the case.
fn check(ok: bool, rank: usize, case: &str, what: impl std::fmt::Display) {
    if !ok {
        eprintln!("rank {rank}: case {case} failed: {what}");
        std::process::exit(1);
    }
}

fn bits(a: &ArrayD<f64>) -> Vec<u64> {
    a.iter().map(|v| v.to_bits()).collect()
}

/// Builds the arrays of one case.
type Build = Box<dyn Fn() -> Vec<Array<f64>>>;

fn rank_main() {
    let cluster = Cluster::init().expect("MPI initializes");
    let (rank, n) = (cluster.rank(), cluster.size());
    let dir = PathBuf::from(std::env::var_os("TESSERA_MPI_DIR").expect("TESSERA_MPI_DIR"));
    let one = ComputeOptions::new().threads(1);
    let two = ComputeOptions::new().threads(2);

    let cases: Vec<(&str, Build)> = vec![
        (
            "W1 sum(sin(x) * y + 1)",
            Box::new(|| {
                let x = random::uniform::<f64>(&[200_000], 10_000, 1).unwrap();
                let y = random::uniform::<f64>(&[200_000], 10_000, 2).unwrap();
                vec![((&x.sin() * &y) + 1.0).sum(..).unwrap()]
            }),
        ),
        (
            "W2 mean(0) and std(1)",
            Box::new(|| {
                let x = random::uniform::<f64>(&[400, 400], [40, 40], 3).unwrap();
                vec![x.mean(0).unwrap(), x.std(1).unwrap()]
            }),
        ),
        (
            "W3 (x - x.mean(0)).std()",
            Box::new(|| {
                let x = random::uniform::<f64>(&[400, 400], [40, 40], 4).unwrap();
                vec![(&x - &x.mean(0).unwrap()).std(..).unwrap()]
            }),
        ),
        (
            "W11 means of u*u, v*v, u*v",
            Box::new(|| {
                let u = random::uniform::<f64>(&[20, 50, 60], [2, 50, 30], 5).unwrap();
                let v = random::uniform::<f64>(&[20, 50, 60], [2, 50, 30], 6).unwrap();
                vec![
                    (&u * &u).mean(0).unwrap(),
                    (&v * &v).mean(0).unwrap(),
                    (&u * &v).mean(0).unwrap(),
                ]
            }),
        ),
        (
            "rechunk from rows to columns",
            Box::new(|| {
                let x = random::uniform::<f64>(&[240, 180], [10, 180], 7).unwrap();
                let y = x.map_blocks(|b, _| Ok(b.mapv(|v| v * v))).unwrap();
                vec![y.rechunk([240, 15]).unwrap()]
            }),
        ),
        (
            "contraction",
            Box::new(|| {
                let a = random::uniform::<f64>(&[120, 90], [30, 45], 8).unwrap();
                let b = random::uniform::<f64>(&[90, 60], [45, 20], 9).unwrap();
                vec![a.matmul(&b).unwrap()]
            }),
        ),
        (
            "an output kept by the scan of reductions beside it",
            Box::new(|| {
                let u = random::uniform::<f64>(&[40, 60], [8, 20], 12).unwrap();
                vec![&u * 3.0, u.mean(0).unwrap(), (&u * &u).sum(..).unwrap()]
            }),
        ),
        (
            "fewer chunks than ranks",
            Box::new(|| {
                let x = random::uniform::<f64>(&[10, 4], [10, 4], 10).unwrap();
                let y = random::uniform::<f64>(&[8], 4, 11).unwrap();
                vec![x.sum(0).unwrap(), &y + 1.0, y.max(..).unwrap()]
            }),
        ),
    ];
    for (name, build) in &cases {
        let arrays = build();
        let refs: Vec<&Array<f64>> = arrays.iter().collect();
        let want = tessera::compute_many_with(&refs, &two).unwrap().0;
        for (opts, all) in [(&one, false), (&two, true)] {
            let on = if all {
                ResultsOn::EveryRank
            } else {
                ResultsOn::Root
            };
            let got = cluster.compute_many_with(&refs, opts, on);
            let got = match got {
                Ok(g) => g.0,
                Err(e) => {
                    check(false, rank, name, e);
                    unreachable!()
                }
            };
            match got {
                Some(out) => {
                    check(
                        all || rank == 0,
                        rank,
                        name,
                        "a result on a rank other than 0",
                    );
                    for (o, w) in out.iter().zip(&want) {
                        check(bits(o) == bits(w), rank, name, "differs from one process");
                    }
                }
                None => check(!all && rank != 0, rank, name, "no result"),
            }
        }
    }

    // A task failing on the last rank ends the computation on every rank with its error.
    let x = random::uniform::<f64>(&[100, 10], [10, 10], 12).unwrap();
    let bad = x
        .map_blocks(|b, info| {
            if info.index[0] == 9 {
                Err(Error::Argument {
                    op: "test".into(),
                    msg: "block 9 is bad".into(),
                })
            } else {
                Ok(b.to_owned())
            }
        })
        .unwrap();
    match cluster.compute_with(&bad.sum(0).unwrap(), &one) {
        Ok(_) => check(false, rank, "failing task", "succeeded"),
        Err(e) => check(
            e.to_string().contains("block 9 is bad"),
            rank,
            "failing task",
            &e,
        ),
    }
    // The ranks go on computing after a failure.
    let s = cluster.compute_all(&x.sum(..).unwrap()).unwrap();
    let want = x.sum(..).unwrap().compute().unwrap();
    check(bits(&s) == bits(&want), rank, "after a failure", "differs");

    // A store written by every rank, read back here and (by the launcher) by zarr-python.
    let path = dir.join("w.zarr");
    let w = zarr::to_zarr(&stored(), &path, WriteOptions::default().overwrite(true)).unwrap();
    let report = cluster.write_with(&w, &two);
    check(report.is_ok(), rank, "zarr write", format!("{report:?}"));
    let back = zarr::open_zarr::<f64>(&path).unwrap().compute().unwrap();
    check(
        bits(&back) == bits(&stored().compute().unwrap()),
        rank,
        "zarr write",
        "the store differs",
    );
    // Two arrays written in one pass, with a reduction of the same input beside them.
    let (p1, p2) = (dir.join("a.zarr"), dir.join("b.zarr"));
    let y = random::uniform::<f64>(&[60, 50], [15, 25], 13).unwrap();
    let wa = zarr::to_zarr(&(&y + 1.0), &p1, WriteOptions::default().overwrite(true)).unwrap();
    let wb = zarr::to_zarr(
        &y.sum(0).unwrap(),
        &p2,
        WriteOptions::default().overwrite(true),
    )
    .unwrap();
    let reports = cluster.write_all(&[&wa, &wb], &one);
    check(reports.is_ok(), rank, "write_all", format!("{reports:?}"));
    let a = zarr::open_zarr::<f64>(&p1).unwrap().compute().unwrap();
    let b = zarr::open_zarr::<f64>(&p2).unwrap().compute().unwrap();
    check(
        bits(&a) == bits(&(&y + 1.0).compute().unwrap())
            && bits(&b) == bits(&y.sum(0).unwrap().compute().unwrap()),
        rank,
        "write_all",
        "the stores differ",
    );
    // A write that fails on one rank leaves no metadata.
    let failing = zarr::to_zarr(&bad, dir.join("bad.zarr"), WriteOptions::default()).unwrap();
    let r = cluster.write(&failing);
    check(r.is_err(), rank, "failing write", "succeeded");
    cluster.barrier();
    check(
        zarr::open_zarr::<f64>(dir.join("bad.zarr")).is_err(),
        rank,
        "failing write",
        "the store opens",
    );
    println!("rank {rank} of {n}: all cases passed");
}
