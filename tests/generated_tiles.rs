//! Generated leaves read tile by tile inside fused programs give exactly the values of the
//! materialized generator, through identity, transposed, stepped, reversed and broadcast
//! reads, at every thread count.

use ndarray::{s, Axis};
use tessera::{random, Array, ComputeOptions, Idx};

#[test]
fn per_tile_values_equal_the_materialized_ones() {
    for x in [
        random::uniform::<f64>(&[37, 29], [10, 7], 4).unwrap(),
        random::normal::<f64>(&[37, 29], [16, 29], 8, -1.0, 3.0).unwrap(),
    ] {
        // An identity reduction reads the materialized chunk; `x * 1.0` is fused, so its
        // tiles are generated where they are read.
        let direct = x.max(0).unwrap().compute().unwrap();
        let tiled = (&x * 1.0).max(0).unwrap().compute().unwrap();
        assert_eq!(direct, tiled);
        let xn = x.compute().unwrap();
        assert_eq!(
            xn.map_axis(Axis(0), |c| c.iter().cloned().fold(f64::MIN, f64::max)),
            direct
        );
        for threads in [1, 3] {
            let opts = ComputeOptions::new().threads(threads);
            // Transposed (block tiles), stepped and reversed, broadcast against a column.
            let t = (x.t() + 0.0).compute_with(&opts).unwrap();
            assert_eq!(t, xn.t().to_owned());
            let st = (x
                .index(&[Idx::slice(1, None, 3), Idx::slice(0, None, -2)])
                .unwrap()
                * 1.0)
                .compute_with(&opts)
                .unwrap();
            assert_eq!(st, xn.slice(s![1..;3, ..;-2]).to_owned().into_dyn());
            let col = x.slice_axis(1, 4..5).unwrap();
            let b = (&col + Array::<f64>::zeros(&[37, 6], 5).unwrap())
                .compute_with(&opts)
                .unwrap();
            let want = xn
                .slice(s![.., 4..5])
                .broadcast((37, 6))
                .unwrap()
                .to_owned();
            assert_eq!(b, want.into_dyn());
        }
    }
}

#[test]
fn generated_integers_and_ranges_per_tile() {
    let r = Array::<i64>::arange(-50, 250, 3, 17).unwrap();
    let got = (&r * 1).compute().unwrap();
    let want: Vec<i64> = (-50..250).step_by(3).collect();
    assert_eq!(got.as_slice().unwrap(), want.as_slice());
    let e = Array::<f64>::eye(7, 9, 1, 3).unwrap();
    let got = (&e + 0.0).compute().unwrap();
    for ((i, j), v) in got
        .view()
        .into_dimensionality::<ndarray::Ix2>()
        .unwrap()
        .indexed_iter()
    {
        assert_eq!(*v, f64::from(u8::from(j as i64 - i as i64 == 1)));
    }
}
