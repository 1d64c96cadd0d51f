//! Distributed computations on ranks played by threads: every result bit-identical to the
//! single-process one, for any number of ranks.

use super::compute_ranked;
use crate::exec::distributed::local::connect;
use crate::exec::distributed::Peers;
use crate::{random, Array, ComputeOptions, Error, Result};
use ndarray::ArrayD;
use proptest::prelude::*;

/// Runs `f` on `n` ranks (one thread each), returning each rank's result.
fn on_ranks<R: Send>(n: usize, f: impl Fn(&Peers) -> R + Sync) -> Vec<R> {
    let ends = connect(n);
    std::thread::scope(|s| {
        let handles: Vec<_> = ends
            .into_iter()
            .map(|t| {
                let f = &f;
                s.spawn(move || f(&Peers::new(Box::new(t))))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

fn bits(a: &ArrayD<f64>) -> Vec<u64> {
    a.iter().map(|v| v.to_bits()).collect()
}

/// Checks that the arrays `build` makes (built again on every rank, as every process of a
/// distributed program does) compute on 1 to 4 ranks to the single-process result, bit for
/// bit: gathered on rank 0 and on every rank.
fn check(build: impl Fn() -> Vec<Array<f64>> + Sync) {
    let opts = ComputeOptions::new().threads(2);
    let arrays = build();
    let refs: Vec<&Array<f64>> = arrays.iter().collect();
    let (want, stats) = crate::compute_many_with(&refs, &opts).unwrap();
    for n in 1..=4 {
        for all in [false, true] {
            let got = on_ranks(n, |p| {
                let arrays = build();
                let refs: Vec<&Array<f64>> = arrays.iter().collect();
                compute_ranked(&refs, &ComputeOptions::new().threads(1), p, all)
            });
            // Every task ran once, on one rank.
            let tasks: usize = got
                .iter()
                .map(|r| r.as_ref().map_or(0, |(_, s)| s.tasks.total()))
                .sum();
            assert_eq!(tasks, stats.tasks.total(), "{n} ranks");
            for (rank, r) in got.into_iter().enumerate() {
                let r = r
                    .map(|r| r.0)
                    .unwrap_or_else(|e| panic!("{n} ranks, rank {rank}: {e}"));
                match r {
                    Some(out) => {
                        assert!(all || rank == 0, "rank {rank} of {n} returned a result");
                        for (o, w) in out.iter().zip(&want) {
                            assert_eq!(o.shape(), w.shape());
                            assert_eq!(bits(o), bits(w), "{n} ranks, rank {rank}, all={all}");
                        }
                    }
                    None => assert!(!all && rank != 0, "rank {rank} of {n} returned nothing"),
                }
            }
        }
    }
}

#[test]
fn w1_fused_sum_matches_one_process() {
    check(|| {
        let x = random::uniform::<f64>(&[20_000], 1500, 1).unwrap();
        let y = random::uniform::<f64>(&[20_000], 1500, 2).unwrap();
        vec![((&x.sin() * &y) + 1.0).sum(..).unwrap()]
    });
}

#[test]
fn w2_mean_and_std_along_axes_match_one_process() {
    check(|| {
        let x = random::uniform::<f64>(&[300, 260], [40, 50], 3).unwrap();
        vec![x.mean(0).unwrap(), x.std(1).unwrap()]
    });
}

#[test]
fn w3_anomaly_std_matches_one_process() {
    check(|| {
        let x = random::uniform::<f64>(&[200, 180], [30, 40], 4).unwrap();
        let m = x.mean(0).unwrap();
        vec![(&x - &m).std(..).unwrap()]
    });
}

#[test]
fn w11_shared_means_match_one_process() {
    check(|| {
        let u = random::uniform::<f64>(&[20, 30, 40], [4, 30, 20], 5).unwrap();
        let v = random::uniform::<f64>(&[20, 30, 40], [4, 30, 20], 6).unwrap();
        vec![
            (&u * &u).mean(0).unwrap(),
            (&v * &v).mean(0).unwrap(),
            (&u * &v).mean(0).unwrap(),
        ]
    });
}

#[test]
fn outputs_kept_by_a_shared_scan_match_one_process() {
    // The scan's payloads (partials and kept chunks) travel between ranks.
    check(|| {
        let u = random::uniform::<f64>(&[20, 30, 40], [4, 30, 20], 5).unwrap();
        vec![&u * 3.0, u.mean(0).unwrap(), (&u * &u).sum(..).unwrap()]
    });
}

#[test]
fn row_to_column_rechunk_and_contraction_match_one_process() {
    check(|| {
        let a =
            ndarray::Array2::from_shape_fn((120, 90), |(i, j)| ((i * 7 + j * 3) % 11) as f64 - 5.0);
        let x = Array::from_ndarray(a, [10, 90]).unwrap();
        // A computed stage read back in column chunks: chunks travel between ranks.
        let y = x.map_blocks(|b, _| Ok(b.mapv(|v| v * 0.5 + 1.0))).unwrap();
        let cols = y.rechunk([120, 20]).unwrap();
        let b = ndarray::Array2::from_shape_fn((90, 70), |(i, j)| ((i + 2 * j) % 5) as f64 * 0.25);
        let w = Array::from_ndarray(b, [30, 35]).unwrap();
        vec![
            (&cols * 3.0).sum(0).unwrap(),
            cols.clone(),
            y.matmul(&w).unwrap(),
        ]
    });
}

#[test]
fn scans_and_joins_match_one_process() {
    check(|| {
        let x = random::uniform::<f64>(&[50, 40], [7, 9], 8).unwrap();
        let y = random::uniform::<f64>(&[20, 40], [20, 13], 9).unwrap();
        let j = crate::concatenate(&[&x, &y], 0).unwrap();
        vec![j.cumsum(0).unwrap(), j.max(1).unwrap()]
    });
}

#[test]
fn fewer_chunks_than_ranks() {
    // One chunk, two chunks, and a reduction over one chunk, on up to four ranks.
    check(|| {
        let x = random::uniform::<f64>(&[10], 10, 10).unwrap();
        let y = random::uniform::<f64>(&[6, 4], [3, 4], 11).unwrap();
        vec![x.sum(..).unwrap(), &y * 2.0, y.mean(0).unwrap()]
    });
}

#[test]
fn a_failing_task_fails_every_rank_with_its_error() {
    for n in [2, 3] {
        let got: Vec<Result<_>> = on_ranks(n, |p| {
            let x = random::uniform::<f64>(&[100, 10], [10, 10], 12).unwrap();
            let y = x
                .map_blocks(|b, info| {
                    if info.index[0] == 7 {
                        Err(Error::Argument {
                            op: "test".into(),
                            msg: "block 7 is bad".into(),
                        })
                    } else {
                        Ok(b.to_owned())
                    }
                })
                .unwrap();
            let s = y.sum(0).unwrap();
            compute_ranked(&[&s], &ComputeOptions::new().threads(1), p, false).map(|r| r.0)
        });
        for (rank, r) in got.into_iter().enumerate() {
            let e = r
                .err()
                .unwrap_or_else(|| panic!("rank {rank} of {n} succeeded"));
            assert!(e.to_string().contains("block 7 is bad"), "rank {rank}: {e}");
        }
    }
}

#[test]
fn ranks_with_different_plans_refuse_to_run() {
    let got = on_ranks(2, |p| {
        let len = 100 + p.rank(); // a program that differs between ranks
        let x = Array::<f64>::ones(&[len], 10).unwrap();
        compute_ranked(
            &[&x.sum(..).unwrap()],
            &ComputeOptions::new().threads(1),
            p,
            false,
        )
        .map(|r| r.0)
    });
    for r in got {
        let e = r.unwrap_err();
        assert!(e.to_string().contains("different plan"), "{e}");
    }
}

#[test]
fn consecutive_computations_keep_their_messages_apart() {
    // Rank 1 runs ahead into the next computation while rank 0 is still in the first.
    let got = on_ranks(3, |p| {
        let mut out = Vec::new();
        for k in 0..5 {
            let x = random::uniform::<f64>(&[400], 25, k).unwrap();
            let r = compute_ranked(
                &[&x.sum(..).unwrap()],
                &ComputeOptions::new().threads(1),
                p,
                true,
            )
            .unwrap()
            .0
            .unwrap();
            out.push(r[0][[]].to_bits());
        }
        out
    });
    let want: Vec<u64> = (0..5)
        .map(|k| {
            random::uniform::<f64>(&[400], 25, k)
                .unwrap()
                .sum(..)
                .unwrap()
                .compute_scalar()
                .unwrap()
                .to_bits()
        })
        .collect();
    for r in got {
        assert_eq!(r, want);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn results_do_not_depend_on_the_rank_count(
        rows in 1usize..60, cols in 1usize..40, cr in 1usize..20, cc in 1usize..20,
        ranks in 1usize..5, axis in 0usize..3, seed in 0u64..1000,
    ) {
        let build = || {
            let x = random::uniform::<f64>(&[rows, cols], [cr, cc], seed).unwrap();
            match axis {
                0 => x.sum(0).unwrap(),
                1 => x.var(1).unwrap(),
                _ => x.max(..).unwrap(),
            }
        };
        let want = build().compute_with(&ComputeOptions::new().threads(3)).unwrap();
        let got = on_ranks(ranks, |p| {
            compute_ranked(&[&build()], &ComputeOptions::new().threads(2), p, true)
        });
        for r in got {
            let out = r.unwrap().0.unwrap();
            prop_assert_eq!(bits(&out[0]), bits(&want));
        }
    }
}

#[test]
fn the_memory_limit_holds_on_every_rank() {
    // Row chunks of a computed stage read back as column chunks: every column task reads
    // every row chunk (320 kB in all), some made on another rank, over a 200 kB limit.
    let build = || {
        let a = ndarray::Array2::from_shape_fn((200, 200), |(i, j)| (i * 200 + j) as f64);
        let x = Array::from_ndarray(a, [10, 200]).unwrap();
        let y = x.map_blocks(|b, _| Ok(b.mapv(|v| v * 2.0))).unwrap();
        y.rechunk([200, 10]).unwrap().sum(0).unwrap()
    };
    let want = build().compute().unwrap();
    let dir = std::env::temp_dir().join(format!("tessera-ranked-spill-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for n in [2, 3] {
        let opts = ComputeOptions::new()
            .threads(1)
            .memory_limit(200_000)
            .spill_dir(&dir);
        let got = on_ranks(n, |p| compute_ranked(&[&build()], &opts, p, true));
        let mut spilled = 0;
        for r in got {
            let (out, stats) = r.unwrap();
            assert_eq!(bits(&out.unwrap()[0]), bits(&want), "{n} ranks");
            assert_eq!(stats.memory_limit, 200_000);
            spilled += stats.spilled_chunks;
        }
        assert!(spilled > 0, "{n} ranks: nothing was spilled");
    }
    // Every rank's spill directory is gone.
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
    std::fs::remove_dir(&dir).unwrap();
}
