//! Shared scans: reductions of one chunk grid that read a common generated or stored input
//! run their first level as one scan. The plan shows the pass, every input chunk is read
//! (generated, decoded) once, and every result is bit-identical to computing it alone and
//! close to ndarray's.

use ndarray::Axis;
use tessera::{compute_many_with, plan_many, random, Array, ComputeOptions};

fn close(a: &ndarray::ArrayD<f64>, b: &ndarray::ArrayD<f64>, tol: f64) -> bool {
    a.shape() == b.shape()
        && a.iter()
            .zip(b)
            .all(|(x, y)| (x - y).abs() <= tol * (1.0 + y.abs()))
}

#[test]
fn sibling_reductions_of_a_generated_array_scan_it_once() {
    let x = random::uniform::<f64>(&[60, 48], [16, 12], 3).unwrap();
    let (m, s) = (x.mean(0).unwrap(), x.std(1).unwrap());
    let plan = plan_many(&[&m, &s]);
    let text = plan.explain();
    assert!(text.contains("pass shared-scans"), "{text}");
    assert!(text.contains("shared scan of mean[0], std[1]"), "{text}");
    for threads in [1, 2, 4] {
        let opts = ComputeOptions::new().threads(threads);
        let (r, st) = compute_many_with(&[&m, &s], &opts).unwrap();
        // One chunk task per chunk of x (16 of them) for both reductions.
        assert_eq!(st.tasks.reduce_chunk, 16, "{text}");
        assert_eq!(st.tasks, plan.task_counts());
        // Bit for bit what each computes alone.
        assert_eq!(r[0], m.compute_with(&opts).unwrap());
        assert_eq!(r[1], s.compute_with(&opts).unwrap());
        let xn = x.compute().unwrap();
        assert!(close(&r[0], &xn.mean_axis(Axis(0)).unwrap(), 1e-13));
        assert!(close(&r[1], &xn.std_axis(Axis(1), 0.0), 1e-13));
    }
}

#[test]
fn means_of_products_of_generated_arrays_share_one_scan() {
    // W11's shape in small: three axis-0 means of u*u, v*v, u*v, u and v generated.
    let u = random::uniform::<f64>(&[10, 6, 8], [2, 6, 4], 1).unwrap();
    let v = random::uniform::<f64>(&[10, 6, 8], [2, 6, 4], 2).unwrap();
    let a = (&u * &u).mean(0).unwrap();
    let b = (&v * &v).mean(0).unwrap();
    let c = (&u * &v).mean(0).unwrap();
    let plan = plan_many(&[&a, &b, &c]);
    let text = plan.explain();
    assert!(
        text.contains("shared scan of mean[0], mean[0], mean[0]"),
        "{text}"
    );
    let (r, st) = compute_many_with(&[&a, &b, &c], &ComputeOptions::new().threads(2)).unwrap();
    assert_eq!(st.tasks.reduce_chunk, 10);
    let (un, vn) = (u.compute().unwrap(), v.compute().unwrap());
    let want = [
        (&un * &un).mean_axis(Axis(0)).unwrap(),
        (&vn * &vn).mean_axis(Axis(0)).unwrap(),
        (&un * &vn).mean_axis(Axis(0)).unwrap(),
    ];
    for ((got, want), alone) in r.iter().zip(&want).zip([&a, &b, &c]) {
        assert!(close(got, want, 1e-13));
        assert_eq!(*got, alone.compute().unwrap());
    }
}

#[test]
fn full_reductions_of_computed_values_share_one_pass() {
    let x = Array::from_ndarray(
        ndarray::Array2::from_shape_fn((40, 30), |(i, j)| ((i * 30 + j) as f64).sin()),
        [16, 10],
    )
    .unwrap();
    let y = (&x * 2.0).exp();
    let (lo, hi, sum) = (y.min(..).unwrap(), y.max(..).unwrap(), y.sum(..).unwrap());
    let text = plan_many(&[&lo, &hi, &sum]).explain();
    assert!(text.contains("shared scan of min"), "{text}");
    let (r, _) = compute_many_with(&[&lo, &hi, &sum], &ComputeOptions::new()).unwrap();
    let yn = y.compute().unwrap();
    assert_eq!(r[0][[]], yn.iter().cloned().fold(f64::MAX, f64::min));
    assert_eq!(r[1][[]], yn.iter().cloned().fold(f64::MIN, f64::max));
    assert!((r[2][[]] - yn.sum()).abs() < 1e-12 * yn.sum().abs());
}

#[test]
fn dependent_and_plain_reductions_stay_apart() {
    let x = random::normal::<f64>(&[30, 20], [10, 10], 9, 0.0, 1.0).unwrap();
    // The std reads the mean: they cannot share a scan.
    let m = x.mean(..).unwrap();
    let s = (&x - &m).std(..).unwrap();
    assert!(!plan_many(&[&m, &s]).explain().contains("shared scan"));
    // Full reductions of an in-memory array's own view gain nothing from sharing it.
    let y = Array::from_ndarray(x.compute().unwrap(), [10, 10]).unwrap();
    let (a, b) = (y.sum(..).unwrap(), y.max(..).unwrap());
    assert!(!plan_many(&[&a, &b]).explain().contains("shared scan"));
    let (r, _) = compute_many_with(&[&m, &s], &ComputeOptions::new()).unwrap();
    let xn = x.compute().unwrap();
    assert!((r[1][[]] - xn.std(0.0)).abs() < 1e-12);
}

#[test]
fn leading_and_last_axis_reductions_of_memory_share_one_pass() {
    // W2's shape: mean over axis 0 and std over axis 1 of an in-memory array, fed from one
    // pass over it, each bit for bit as alone (rows folded in the gathered order).
    let a = ndarray::Array2::from_shape_fn((50, 44), |(i, j)| ((i * 44 + j) as f64 * 0.37).cos());
    for chunks in [[16, 44], [7, 9], [50, 44]] {
        let x = Array::from_ndarray(a.clone(), chunks).unwrap();
        let (m, s) = (x.mean(0).unwrap(), x.std(1).unwrap());
        let text = plan_many(&[&m, &s]).explain();
        assert!(text.contains("shared scan of mean[0], std[1]"), "{text}");
        for threads in [1, 3] {
            let (r, _) =
                compute_many_with(&[&m, &s], &ComputeOptions::new().threads(threads)).unwrap();
            assert_eq!(r[0], m.compute().unwrap());
            assert_eq!(r[1], s.compute().unwrap());
            assert!(close(
                &r[0],
                &a.mean_axis(Axis(0)).unwrap().into_dyn(),
                1e-14
            ));
            assert!(close(&r[1], &a.std_axis(Axis(1), 0.0).into_dyn(), 1e-13));
        }
    }
}

#[test]
fn long_rows_fold_in_column_blocks_with_the_bits_of_c_order() {
    // Rows of 40 000 positions: a chunk's tiles are fed in column blocks (every row of a
    // block before the next block). Rows of 20 000 are fed in C order. The leading axis is
    // chunked alike in both, so every position folds its rows in the same order: the bits
    // must agree. Chunks of 19 rows fold in halves (runs of at most 8 rows, then merges).
    let shape = [27, 40, 1000];
    let run = |cols: usize| {
        let u = random::uniform::<f64>(&shape, [19, cols, 1000], 1).unwrap();
        let v = random::uniform::<f64>(&shape, [19, cols, 1000], 2).unwrap();
        let a = (&u * &u).mean(0).unwrap();
        let b = (&v * &v).var(0).unwrap();
        let c = (&u * &v).sum(0).unwrap();
        let alone = ((&u + 1.0) * &v).std(0).unwrap();
        let opts = ComputeOptions::new().threads(2);
        let (mut r, _) = compute_many_with(&[&a, &b, &c], &opts).unwrap();
        r.push(alone.compute_with(&opts).unwrap());
        let (un, vn) = (u.compute().unwrap(), v.compute().unwrap());
        let want = [
            (&un * &un).mean_axis(Axis(0)).unwrap(),
            (&vn * &vn).var_axis(Axis(0), 0.0),
            (&un * &vn).sum_axis(Axis(0)),
            ((&un + 1.0) * &vn).std_axis(Axis(0), 0.0),
        ];
        for (got, want) in r.iter().zip(&want) {
            assert!(close(got, want, 1e-12));
        }
        r
    };
    let blocks = run(40);
    let c_order = run(20);
    for (b, c) in blocks.iter().zip(&c_order) {
        let bits = |x: &ndarray::ArrayD<f64>| x.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(b), bits(c));
    }
}

#[test]
fn an_output_beside_reductions_of_its_input_is_kept_by_their_scan() {
    let x = random::uniform::<f64>(&[60, 48], [16, 12], 3).unwrap();
    let y = (&x * 2.0) + 1.0;
    let (m, s) = (x.mean(0).unwrap(), y.sum(..).unwrap());
    let plan = plan_many(&[&y, &m, &s]);
    let text = plan.explain();
    assert!(
        text.contains("shared scan of mean[0], sum[0, 1], 1 kept chunk outputs"),
        "{text}"
    );
    assert!(
        text.contains("chunks kept by the shared scan of stage 0"),
        "{text}"
    );
    let xn = x.compute().unwrap();
    let yn = xn.mapv(|v| v * 2.0 + 1.0);
    for threads in [1, 2, 3] {
        let opts = ComputeOptions::new().threads(threads);
        let (r, st) = compute_many_with(&[&y, &m, &s], &opts).unwrap();
        // x is generated once per chunk: one scan task per chunk, one task per kept chunk.
        assert_eq!(st.tasks.reduce_chunk, 16, "{text}");
        assert_eq!(st.tasks.map, 16, "{text}");
        assert_eq!(st.tasks, plan.task_counts());
        assert_eq!(r[0], yn);
        assert_eq!(r[1], m.compute_with(&opts).unwrap());
        assert_eq!(r[2], s.compute_with(&opts).unwrap());
        assert!(close(&r[1], &xn.mean_axis(Axis(0)).unwrap(), 1e-13));
        assert!((r[2][[]] - yn.sum()).abs() <= 1e-12 * yn.sum().abs());
    }
}

#[test]
fn outputs_that_need_a_reduction_of_the_scan_stay_apart() {
    // The anomaly reads the mean: it cannot be computed in the mean's scan.
    let x = random::uniform::<f64>(&[60, 48], [16, 12], 3).unwrap();
    let mean = x.mean(0).unwrap();
    let anomaly = x.try_sub(&mean).unwrap();
    let text = plan_many(&[&anomaly, &mean, &x.max(0).unwrap()]).explain();
    assert!(!text.contains("kept"), "{text}");
    let (r, _) = compute_many_with(&[&anomaly, &mean], &ComputeOptions::new()).unwrap();
    let xn = x.compute().unwrap();
    let want = &xn - &xn.mean_axis(Axis(0)).unwrap();
    assert!(close(&r[0], &want, 1e-13));
}

#[test]
fn a_write_and_reductions_of_a_stored_array_read_each_chunk_once() {
    use tessera::zarr::{self, WriteOptions};
    let dir = std::env::temp_dir().join(format!("tessera-kept-{}", std::process::id()));
    let src = dir.join("x");
    let x = random::uniform::<f64>(&[50, 40], [20, 40], 9).unwrap();
    let xn = x.compute().unwrap();
    zarr::to_zarr(&x, &src, WriteOptions::default().overwrite(true))
        .unwrap()
        .compute()
        .unwrap();
    let stored = zarr::open_zarr::<f64>(&src).unwrap();
    let scaled = &stored * 0.5;
    let (lo, mean) = (stored.min(..).unwrap(), stored.mean(1).unwrap());
    let w = zarr::to_zarr(
        &scaled,
        dir.join("scaled"),
        WriteOptions::default().overwrite(true),
    )
    .unwrap();
    let text = plan_many(&[&scaled, &lo, &mean]).explain();
    assert!(text.contains("1 kept chunk outputs"), "{text}");
    // One program of the plan reads the store: the scan's.
    assert_eq!(text.matches(": zarr(").count(), 1, "{text}");
    let (reports, r) =
        zarr::write_and_compute(&[&w], &[&lo, &mean], &ComputeOptions::new().threads(2)).unwrap();
    assert_eq!(reports[0].chunks_written, 3);
    assert_eq!(r[0][[]], xn.iter().cloned().fold(f64::MAX, f64::min));
    assert!(close(&r[1], &xn.mean_axis(Axis(1)).unwrap(), 1e-13));
    let back = zarr::open_zarr::<f64>(dir.join("scaled"))
        .unwrap()
        .compute()
        .unwrap();
    assert_eq!(back, xn.mapv(|v| v * 0.5));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_kept_output_read_by_a_member_comes_after_its_scan() {
    let x = random::uniform::<f64>(&[60, 48], [16, 12], 3).unwrap();
    let y = (&x * 2.0) + 1.0;
    // The reduction of y comes first: the walk meets y inside the scan's inputs.
    let (s, m) = (y.sum(..).unwrap(), x.mean(0).unwrap());
    let plan = plan_many(&[&s, &m, &y]);
    let stages = plan.stages();
    let scan = stages
        .iter()
        .position(|st| st.operator.starts_with("shared scan"))
        .unwrap();
    let kept = stages
        .iter()
        .position(|st| st.operator.starts_with("chunks kept"))
        .unwrap();
    assert!(scan < kept, "{}", plan.explain());
    let (r, _) = compute_many_with(&[&s, &m, &y], &ComputeOptions::new().threads(2)).unwrap();
    let xn = x.compute().unwrap();
    let yn = xn.mapv(|v| v * 2.0 + 1.0);
    assert_eq!(r[2], yn);
    assert!((r[0][[]] - yn.sum()).abs() <= 1e-12 * yn.sum().abs());
}

#[test]
fn scans_that_would_wait_for_each_other_are_not_both_formed() {
    // r1 reads r2p and r2 reads r1p: sharing {r1p, r1} and {r2p, r2} would make each scan
    // wait for the other.
    let x = random::uniform::<f64>(&[24, 18], [8, 6], 1).unwrap();
    let z = random::uniform::<f64>(&[24, 18], [8, 6], 2).unwrap();
    let (r1p, r2p) = (x.max(0).unwrap(), z.sum(0).unwrap());
    let r1 = x.try_sub(&r2p).unwrap().sum(0).unwrap();
    let r2 = z.try_sub(&r1p).unwrap().sum(0).unwrap();
    let (r, _) =
        compute_many_with(&[&r1p, &r1, &r2p, &r2], &ComputeOptions::new().threads(2)).unwrap();
    let (xn, zn) = (x.compute().unwrap(), z.compute().unwrap());
    let r1pn = xn.fold_axis(Axis(0), f64::MIN, |a, &b| a.max(b));
    let r2pn = zn.sum_axis(Axis(0));
    assert_eq!(r[0], r1pn.clone().into_dyn());
    assert!(close(&r[1], &(&xn - &r2pn).sum_axis(Axis(0)), 1e-12));
    assert!(close(&r[2], &r2pn, 1e-12));
    assert!(close(&r[3], &(&zn - &r1pn).sum_axis(Axis(0)), 1e-12));
}

#[test]
fn write_and_compute_reports_a_failing_computation_and_refuses_reading_a_target() {
    use tessera::zarr::{self, WriteOptions};
    let dir = std::env::temp_dir().join(format!("tessera-wc-err-{}", std::process::id()));
    // No writes, a failing array: the array's own error.
    let x = random::uniform::<f64>(&[10, 10], [5, 5], 1).unwrap();
    let bad = x
        .map_blocks(
            |b: ndarray::ArrayViewD<'_, f64>, info: &tessera::BlockInfo| {
                if info.index.iter().all(|&i| i == 1) {
                    Err(tessera::Error::Argument {
                        op: "test block".into(),
                        msg: "refused".into(),
                    })
                } else {
                    Ok(b.to_owned())
                }
            },
        )
        .unwrap();
    let err = zarr::write_and_compute(&[], &[&bad], &ComputeOptions::new()).unwrap_err();
    assert!(err.to_string().contains("refused"), "{err}");
    assert!(!err.to_string().contains("write failed"), "{err}");
    // An array computed beside a write may not read the write's target.
    let target = dir.join("t");
    zarr::to_zarr(&x, &target, WriteOptions::default().overwrite(true))
        .unwrap()
        .compute()
        .unwrap();
    let stored = zarr::open_zarr::<f64>(&target).unwrap();
    let w = zarr::to_zarr(
        &(&x * 2.0),
        &target,
        WriteOptions::default().overwrite(true),
    )
    .unwrap();
    let mean = stored.mean(..).unwrap();
    let err = zarr::write_and_compute(&[&w], &[&mean], &ComputeOptions::new()).unwrap_err();
    assert!(err.to_string().contains("read from this store"), "{err}");
    // The store is untouched.
    assert_eq!(
        zarr::open_zarr::<f64>(&target).unwrap().compute().unwrap(),
        x.compute().unwrap()
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn two_writes_of_one_store_decode_it_once() {
    use tessera::zarr::{self, WriteOptions};
    let dir = std::env::temp_dir().join(format!("tessera-kept2-{}", std::process::id()));
    let x = random::uniform::<f64>(&[30, 20], [10, 20], 4).unwrap();
    let xn = x.compute().unwrap();
    zarr::to_zarr(&x, dir.join("x"), WriteOptions::default().overwrite(true))
        .unwrap()
        .compute()
        .unwrap();
    let stored = zarr::open_zarr::<f64>(dir.join("x")).unwrap();
    let (a, b) = (&stored * 2.0, (&stored + 1.0).sqrt());
    let plan = plan_many(&[&a, &b]);
    let text = plan.explain();
    assert!(
        text.contains("shared scan of 2 kept chunk outputs"),
        "{text}"
    );
    assert_eq!(text.matches(": zarr(").count(), 1, "{text}");
    // Three scan tasks and three tasks per kept output, all counted as chunk tasks.
    assert_eq!(plan.task_counts().map, 9, "{text}");
    assert_eq!(plan.task_counts().reduce_chunk, 0, "{text}");
    let wa = zarr::to_zarr(&a, dir.join("a"), WriteOptions::default().overwrite(true)).unwrap();
    let wb = zarr::to_zarr(&b, dir.join("b"), WriteOptions::default().overwrite(true)).unwrap();
    let reports = zarr::write_all(&[&wa, &wb], &ComputeOptions::new().threads(2)).unwrap();
    assert_eq!(reports[0].chunks_written, 3);
    let back_a = zarr::open_zarr::<f64>(dir.join("a"))
        .unwrap()
        .compute()
        .unwrap();
    let back_b = zarr::open_zarr::<f64>(dir.join("b"))
        .unwrap()
        .compute()
        .unwrap();
    assert_eq!(back_a, xn.mapv(|v| v * 2.0));
    assert_eq!(back_b, xn.mapv(|v| (v + 1.0).sqrt()));
    std::fs::remove_dir_all(&dir).ok();
}
