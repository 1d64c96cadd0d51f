use tessera::{Array, Axes};
#[test]
fn a() {
    let inf = f64::INFINITY;
    let v = ndarray::array![[1.0, 2.0], [inf, 3.0], [4.0, f64::NAN]];
    for c in [1usize, 2, 3] {
        let x = Array::from_ndarray(v.clone(), c).unwrap();
        eprintln!(
            "c={c}: var0 {:?} var1 {:?} varnone {:?} nanvarnone {:?} stdnone {:?}",
            x.var(0)
                .unwrap()
                .compute()
                .unwrap()
                .into_raw_vec_and_offset()
                .0,
            x.var(1)
                .unwrap()
                .compute()
                .unwrap()
                .into_raw_vec_and_offset()
                .0,
            x.var(Axes::new(vec![]))
                .unwrap()
                .compute()
                .unwrap()
                .into_raw_vec_and_offset()
                .0,
            x.nanvar(Axes::new(vec![]))
                .unwrap()
                .compute()
                .unwrap()
                .into_raw_vec_and_offset()
                .0,
            x.std(Axes::new(vec![]))
                .unwrap()
                .compute()
                .unwrap()
                .into_raw_vec_and_offset()
                .0
        );
    }
    let y = Array::from_ndarray(ndarray::array![1.0, inf, 2.0], 1).unwrap();
    eprintln!("1d var {:?}", y.var(0).unwrap().compute());
    let s = Array::scalar(f64::NAN);
    eprintln!("0d NaN var {:?}", s.var(..).unwrap().compute_scalar());
}
