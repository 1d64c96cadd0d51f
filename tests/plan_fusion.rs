//! Fusion and culling, observed through plans and the statistics of computations: fused
//! elementwise work runs inside one stage and stores nothing, a reduction is one stage,
//! shared stages run once, unused branches are never planned. Every test also checks the
//! values against `ndarray`.

use ndarray::{ArrayD, Axis};
use tessera::plan::Plan;
use tessera::{
    compute_many_with, plan_many, random, Array, Axes, ComputeOptions, ComputeStats, ReduceKind,
};

fn stats<T: tessera::Element>(a: &Array<T>) -> (ArrayD<T>, ComputeStats) {
    a.compute_stats(&ComputeOptions::new()).unwrap()
}

fn reduce_kinds(p: &Plan) -> Vec<Option<ReduceKind>> {
    p.stages().iter().map(|s| s.reduction).collect()
}

/// Checks the number of combine tasks of a tree over `n` partials with fan-in at most `s`:
/// each combine merges 2 to `s` partials into one, so there are between
/// `ceil((n - 1) / (s - 1))` and `n - 1` of them; exactly one when `1 < n <= s`, and
/// `(n - 1) / (s - 1)` when `n` is a power of `s`.
fn check_combines(combines: usize, n: usize, s: usize) {
    let lo = (n - 1).div_ceil(s - 1);
    assert!(
        (lo..=n - 1).contains(&combines),
        "{combines} combines for {n} partials, split {s}"
    );
    if n > 1 && n <= s {
        assert_eq!(combines, 1, "{n} partials, split {s}");
    }
    let mut p = 1;
    while p < n {
        p *= s;
    }
    if p == n {
        assert_eq!(combines, lo, "{n} = a power of {s}");
    }
}

fn close(a: &ArrayD<f64>, b: &ArrayD<f64>, tol: f64) -> bool {
    a.shape() == b.shape()
        && a.iter()
            .zip(b)
            .all(|(x, y)| (x - y).abs() <= tol * (1.0 + y.abs()))
}

#[test]
fn fused_map_reduce_is_one_stage_and_stores_nothing() {
    let x = random::uniform::<f64>(&[1000], 100, 1).unwrap();
    let y = random::uniform::<f64>(&[1000], 100, 2).unwrap();
    let s = (x.sin() * &y + 1.0).sum(..).unwrap();
    let plan = s.plan();
    assert_eq!(plan.stages().len(), 1, "{}", s.explain());
    assert_eq!(reduce_kinds(&plan), vec![Some(ReduceKind::Sum)]);
    let (v, st) = stats(&s);
    assert_eq!(st.tasks.map, 0);
    assert_eq!(st.tasks.reduce_chunk, 10);
    check_combines(st.tasks.reduce_combine, 10, 8);
    assert_eq!(st.tasks, plan.task_counts());
    assert_eq!(st.stored_chunks, 0);
    let (xn, yn) = (x.compute().unwrap(), y.compute().unwrap());
    let want: f64 = xn.iter().zip(&yn).map(|(a, b)| a.sin() * b + 1.0).sum();
    assert!((v[[]] - want).abs() < 1e-12 * want, "{} vs {want}", v[[]]);
    assert!(s.explain().contains("total: 1 stages"), "{}", s.explain());
}

#[test]
fn a_chain_of_elementwise_ops_is_one_map_stage() {
    let x = random::uniform_range::<f64>(&[300, 200], [64, 50], 3, -1.0, 1.0).unwrap();
    let y = random::normal::<f64>(&[200], 30, 4, 0.0, 1.0).unwrap();
    let mut e = x.clone();
    for i in 0..10 {
        e = match i % 5 {
            0 => &e * 1.5,
            1 => &e + &y,
            2 => e.tanh(),
            3 => e.maximum(&x).unwrap(),
            _ => 0.5 - &e,
        };
    }
    let plan = e.plan();
    assert_eq!(plan.stages().len(), 1, "{}", e.explain());
    assert_eq!(plan.stages()[0].reduction, None);
    let chunks = e.chunks().num_chunks();
    // x's 5 row chunks times the union of x's (every 50) and y's (every 30) column bounds.
    assert_eq!(chunks, 5 * 9);
    // Two threads, so that at most two tasks' buffers are alive at once.
    let (v, st) = e.compute_stats(&ComputeOptions::new().threads(2)).unwrap();
    assert_eq!(
        (st.tasks.map, st.tasks.reduce_chunk, st.tasks.reduce_combine),
        (chunks, 0, 0)
    );
    assert_eq!(st.stored_chunks, 0);
    // No intermediate array is materialized: far less than one is ever held.
    assert!(
        st.peak_bytes < e.nbytes() / 2,
        "peak {} of {}",
        st.peak_bytes,
        e.nbytes()
    );
    let (xn, yn) = (x.compute().unwrap(), y.compute().unwrap());
    let mut w = xn.clone();
    for i in 0..10 {
        w = match i % 5 {
            0 => &w * 1.5,
            1 => &w + &yn,
            2 => w.mapv(f64::tanh),
            3 => ndarray::Zip::from(&w)
                .and(&xn)
                .map_collect(|&a, &b| a.max(b)),
            _ => w.mapv(|a| 0.5 - a),
        };
    }
    assert!(close(&v, &w, 1e-14));
}

#[test]
fn subtracting_a_mean_is_two_stages() {
    let x = random::uniform::<f64>(&[40, 30], [7, 10], 5).unwrap();
    let d = &x - &x.mean(0).unwrap();
    let plan = d.plan();
    assert_eq!(
        reduce_kinds(&plan),
        vec![Some(ReduceKind::Mean), None],
        "{}",
        d.explain()
    );
    let (v, st) = stats(&d);
    assert_eq!(st.tasks.reduce_chunk, 6 * 3);
    assert_eq!(
        st.tasks.reduce_combine, 3,
        "one combine of 6 partials per output chunk"
    );
    assert_eq!(st.tasks.map, 18);
    assert_eq!(st.tasks, plan.task_counts());
    assert_eq!(
        st.stored_chunks, 3,
        "only the mean's three chunks are stored"
    );
    let xn = x.compute().unwrap();
    let want = &xn - &xn.mean_axis(Axis(0)).unwrap();
    assert!(close(&v, &want, 1e-14));
}

#[test]
fn unused_branches_are_culled() {
    let x = random::uniform::<f64>(&[50, 40], 10, 6).unwrap();
    let s = x.sum(0).unwrap();
    let unused_max = x.max(0).unwrap();
    let _unused_chain = (x.exp() + &unused_max).var(..).unwrap();
    let out = &x - &s;
    let plan = out.plan();
    assert_eq!(
        reduce_kinds(&plan),
        vec![Some(ReduceKind::Sum), None],
        "{}",
        out.explain()
    );
    assert!(!out.explain().contains("max"), "{}", out.explain());
    let (v, st) = stats(&out);
    assert_eq!(st.tasks.reduce_chunk, 20);
    assert_eq!(st.tasks.map, 20);
    let xn = x.compute().unwrap();
    assert!(close(&v, &(&xn - &xn.sum_axis(Axis(0))), 1e-13));
    // A where_ whose condition and branches all need the same single reduction.
    let pick = tessera::where_(&x.greater(&s).unwrap(), 1.0, -1.0).unwrap();
    assert_eq!(
        reduce_kinds(&pick.plan()),
        vec![Some(ReduceKind::Sum), None]
    );
    let total = pick.sum(..).unwrap();
    assert_eq!(total.plan().stages().len(), 2);
    // Every element is below its column's sum of 50 positive values.
    assert_eq!(total.compute_scalar().unwrap(), -2000.0);
}

#[test]
fn compute_many_runs_a_shared_reduction_once() {
    let x = random::normal::<f64>(&[60, 50], [16, 20], 7, 2.0, 3.0).unwrap();
    let mean = x.mean(..).unwrap();
    let a = (&x - &mean).abs().max(..).unwrap();
    let b = ((&x - &mean) * (&x - &mean)).sum(1).unwrap();
    let joint = plan_many(&[&a, &b]);
    let kinds = reduce_kinds(&joint);
    assert_eq!(
        kinds
            .iter()
            .filter(|k| **k == Some(ReduceKind::Mean))
            .count(),
        1,
        "{}",
        joint.explain()
    );
    // The mean, then one shared scan computing the chunk partials of both other reductions
    // (x is generated once per chunk for both), then their two trees.
    assert_eq!(kinds.len(), 4, "{}", joint.explain());
    assert!(
        joint.explain().contains("pass shared-scans"),
        "{}",
        joint.explain()
    );
    let (va, vb) = (a.plan().task_counts(), b.plan().task_counts());
    let m = mean.plan().task_counts();
    let (r, st) = compute_many_with(&[&a, &b], &ComputeOptions::new().threads(3)).unwrap();
    assert_eq!(st.tasks, joint.task_counts());
    assert_eq!(va.reduce_chunk + vb.reduce_chunk - m.reduce_chunk, 3 * 12);
    assert_eq!(
        st.tasks.reduce_combine,
        va.reduce_combine + vb.reduce_combine - m.reduce_combine
    );
    assert_eq!(st.tasks.reduce_chunk, 2 * 12);
    // Sharing the scan changes no bit of either result.
    assert_eq!(r[0], a.compute().unwrap());
    assert_eq!(r[1], b.compute().unwrap());
    let xn = x.compute().unwrap();
    let mu = xn.mean().unwrap();
    let want_b = xn.mapv(|v| (v - mu) * (v - mu)).sum_axis(Axis(1));
    assert!(close(&r[1], &want_b, 1e-12));
    let want_a = xn.iter().map(|v| (v - mu).abs()).fold(0.0, f64::max);
    assert!((r[0][[]] - want_a).abs() < 1e-12 * want_a);
}

#[test]
fn persisted_arrays_are_reused_without_recomputing() {
    let x = random::uniform::<f64>(&[30, 20], [8, 6], 8).unwrap();
    let expensive = (x.exp() * 3.0 + 1.0).sqrt();
    let p = expensive.persist().unwrap();
    assert_eq!(p.shape(), expensive.shape());
    assert_eq!(p.chunks(), expensive.chunks());
    assert_eq!(p.compute().unwrap(), expensive.compute().unwrap());
    let s = p.sum(1).unwrap();
    let plan = s.plan();
    assert_eq!(plan.stages().len(), 1);
    assert!(s.explain().contains("persisted"), "{}", s.explain());
    assert!(!s.explain().contains("exp"), "{}", s.explain());
    let (v1, st) = stats(&s);
    assert_eq!(st.tasks.reduce_chunk, 4 * 4);
    let (v2, _) = stats(&s);
    assert_eq!(v1, v2);
    assert_eq!(v1, expensive.sum(1).unwrap().compute().unwrap());
    let xn = x.compute().unwrap();
    let want = xn.mapv(|v| (v.exp() * 3.0 + 1.0).sqrt()).sum_axis(Axis(1));
    assert!(close(&v1, &want, 1e-13));
    // A persisted reduction feeds later expressions as an ordinary input.
    let m = x.mean(0).unwrap().persist().unwrap();
    let d = &x - &m;
    assert_eq!(reduce_kinds(&d.plan()), vec![None]);
    assert!(close(
        &d.compute().unwrap(),
        &(&xn - &xn.mean_axis(Axis(0)).unwrap()),
        1e-14
    ));
}

#[test]
fn tree_task_counts_follow_split_every() {
    for (n, chunk) in [(1000, 1000), (1000, 100), (1000, 10), (999, 7), (64, 1)] {
        let x = Array::<f64>::ones(&[n], chunk).unwrap();
        let chunks = n.div_ceil(chunk);
        for s in [2, 3, 8, 100] {
            let r = x.sum(Axes::all().split_every(s)).unwrap();
            let (v, st) = stats(&r);
            assert_eq!(v[[]], n as f64);
            assert_eq!(st.tasks.reduce_chunk, chunks);
            check_combines(st.tasks.reduce_combine, chunks, s);
            assert_eq!(st.tasks, r.plan().task_counts());
        }
    }
    // Two reduced axes: a 4 x 4 grid with split_every 16 is one combine per output.
    let y = Array::<f64>::ones(&[8, 8, 3], [2, 2, 1]).unwrap();
    let r = y.sum(Axes::from([0, 1]).split_every(16)).unwrap();
    let (v, st) = stats(&r);
    assert_eq!(v.into_raw_vec_and_offset().0, vec![64.0; 3]);
    assert_eq!((st.tasks.reduce_chunk, st.tasks.reduce_combine), (48, 3));
}

#[test]
fn stored_stages_are_read_through_broadcasts_and_transposes() {
    let x = random::uniform::<f64>(&[40, 30], [7, 10], 5).unwrap();
    let xn = x.compute().unwrap();
    let m0k = x.mean(Axes::from(0).keepdims()).unwrap(); // [1, 30], 3 chunks
    let m1 = x.mean(1).unwrap(); // [40], 6 chunks
    let m1k = x.mean(Axes::from(1).keepdims()).unwrap(); // [40, 1], 6 chunks
    let e3 = (&x - &m1k).t() * (&x.t() - &m1) + &m0k.t();
    // e3 is fused into both stages that read it; only the reductions are stored.
    let e4 = (&e3 - &e3.sum(..).unwrap()).max(1).unwrap();
    let (mu0, mu1) = (
        xn.mean_axis(Axis(0)).unwrap(),
        xn.mean_axis(Axis(1)).unwrap(),
    );
    let w3 = (&xn - &mu1.clone().insert_axis(Axis(1))).t().to_owned() * (&xn.t() - &mu1)
        + &mu0.clone().insert_axis(Axis(0)).t();
    let total = w3.sum();
    let w4 = w3.map_axis(Axis(1), |r| {
        r.iter().map(|v| v - total).fold(f64::MIN, f64::max)
    });
    for threads in [1, 4] {
        let opts = ComputeOptions::new().threads(threads);
        let (v, st) = (&x - &m0k).compute_stats(&opts).unwrap();
        assert_eq!(st.stored_chunks, 3);
        assert!(close(&v, &(&xn - &mu0), 1e-14));
        let (v, st) = (&x.t() - &m1).compute_stats(&opts).unwrap();
        assert_eq!(st.stored_chunks, 6);
        assert!(close(&v, &(&xn.t() - &mu1), 1e-14));
        // The three means of the generated x share one scan (x is generated once per chunk
        // for all three), which stores its 18 chunks of partials beside the 15 mean chunks.
        let (v, st) = e3.compute_stats(&opts).unwrap();
        assert_eq!(st.stored_chunks, 15 + 18);
        assert!(close(&v, &w3, 1e-13));
        let (v, st) = e4.compute_stats(&opts).unwrap();
        assert_eq!(st.stored_chunks, 16 + 18);
        assert_eq!(
            reduce_kinds(&e4.plan())
                .iter()
                .filter(|k| k.is_some())
                .count(),
            5
        );
        assert!(close(&v, &w4, 1e-12));
    }
}
