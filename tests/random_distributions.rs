//! The distributions of `tessera::random` against NumPy's `Generator`: tessera's draws and
//! NumPy's (`tests/interop/random_reference.py`, 200 000 each) must pass a two-sample test
//! at the 10^-4 level (Kolmogorov–Smirnov for continuous distributions, chi-square
//! homogeneity over the values for discrete ones); and every distribution gives the same
//! values whatever the chunking and thread count.

mod common;

use common::python::{load_f64, run_reference, TempDir};
use std::sync::OnceLock;
use tessera::{random, Array, ComputeOptions};

const N: usize = 200_000;

fn reference() -> &'static TempDir {
    static DIR: OnceLock<TempDir> = OnceLock::new();
    DIR.get_or_init(|| run_reference("random_reference.py", "random-ref"))
}

fn numpy(name: &str) -> Vec<f64> {
    load_f64(reference(), name).iter().copied().collect()
}

fn values<T: tessera::Element>(a: tessera::Result<Array<T>>) -> Vec<f64> {
    a.unwrap()
        .compute()
        .unwrap()
        .iter()
        .map(|v| v.to_f64())
        .collect()
}

/// The two-sample Kolmogorov–Smirnov statistic.
fn ks(mut a: Vec<f64>, mut b: Vec<f64>) -> f64 {
    a.sort_by(f64::total_cmp);
    b.sort_by(f64::total_cmp);
    let (mut i, mut j, mut d) = (0, 0, 0.0f64);
    while i < a.len() && j < b.len() {
        let x = a[i].min(b[j]);
        while i < a.len() && a[i] <= x {
            i += 1;
        }
        while j < b.len() && b[j] <= x {
            j += 1;
        }
        d = d.max((i as f64 / a.len() as f64 - j as f64 / b.len() as f64).abs());
    }
    d
}

/// Checks continuous draws: KS statistic under its 10^-4 critical value,
/// c(α)·sqrt((n + m) / (n m)) with c = sqrt(-ln(α/2) / 2).
fn continuous(name: &str, ours: Vec<f64>) {
    assert!(
        ours.iter().all(|v| v.is_finite()),
        "{name}: non-finite draw"
    );
    let theirs = numpy(name);
    let (n, m) = (ours.len() as f64, theirs.len() as f64);
    let crit = (-(1e-4f64 / 2.0).ln() / 2.0).sqrt() * ((n + m) / (n * m)).sqrt();
    let d = ks(ours, theirs);
    eprintln!("{name}: KS D = {d:.5} (critical {crit:.5})");
    assert!(d < crit, "{name}: KS D = {d} >= {crit}");
}

/// Checks discrete draws: chi-square homogeneity over the values (bins with fewer than 20
/// expected draws merged into their neighbour), against the 10^-4 critical value from the
/// Wilson–Hilferty approximation.
fn discrete(name: &str, ours: Vec<f64>) {
    let theirs = numpy(name);
    let lo = ours
        .iter()
        .chain(&theirs)
        .fold(f64::INFINITY, |a, &b| a.min(b)) as i64;
    let hi = ours
        .iter()
        .chain(&theirs)
        .fold(f64::NEG_INFINITY, |a, &b| a.max(b)) as i64;
    let k = (hi - lo + 1) as usize;
    let (mut a, mut b) = (vec![0f64; k], vec![0f64; k]);
    for &v in &ours {
        a[(v as i64 - lo) as usize] += 1.0;
    }
    for &v in &theirs {
        b[(v as i64 - lo) as usize] += 1.0;
    }
    // Merge sparse bins.
    let (mut bins, mut acc) = (Vec::new(), (0.0, 0.0));
    for i in 0..k {
        acc.0 += a[i];
        acc.1 += b[i];
        if acc.0 + acc.1 >= 40.0 {
            bins.push(acc);
            acc = (0.0, 0.0);
        }
    }
    if let Some(last) = bins.last_mut() {
        last.0 += acc.0;
        last.1 += acc.1;
    }
    let (na, nb) = (ours.len() as f64, theirs.len() as f64);
    let mut chi2 = 0.0;
    for &(x, y) in &bins {
        let t = x + y;
        let (ea, eb) = (t * na / (na + nb), t * nb / (na + nb));
        chi2 += (x - ea).powi(2) / ea + (y - eb).powi(2) / eb;
    }
    let df = (bins.len() - 1).max(1) as f64;
    let z = 3.719; // the standard normal quantile of 1 - 10^-4
    let crit = df * (1.0 - 2.0 / (9.0 * df) + z * (2.0 / (9.0 * df)).sqrt()).powi(3);
    eprintln!("{name}: chi2 = {chi2:.1} on {df} df (critical {crit:.1})");
    assert!(chi2 < crit, "{name}: chi2 = {chi2} >= {crit} on {df} df");
}

#[test]
fn continuous_distributions_match_numpy() {
    let s = 77;
    let c = 30_000;
    continuous(
        "exponential_2",
        values(random::exponential::<f64>(&[N], c, s, 2.0)),
    );
    continuous(
        "gamma_0.3",
        values(random::gamma::<f64>(&[N], c, s, 0.3, 1.0)),
    );
    continuous(
        "gamma_2.5_x3",
        values(random::gamma::<f64>(&[N], c, s, 2.5, 3.0)),
    );
    continuous(
        "gamma_40",
        values(random::gamma::<f32>(&[N], c, s, 40.0, 1.0)),
    );
    continuous(
        "beta_0.5_0.7",
        values(random::beta::<f64>(&[N], c, s, 0.5, 0.7)),
    );
    continuous(
        "beta_2_5",
        values(random::beta::<f64>(&[N], c, s, 2.0, 5.0)),
    );
    continuous(
        "beta_30_4",
        values(random::beta::<f64>(&[N], c, s, 30.0, 4.0)),
    );
    continuous(
        "standard_t_3",
        values(random::standard_t::<f64>(&[N], c, s, 3.0)),
    );
    continuous(
        "standard_t_30",
        values(random::standard_t::<f64>(&[N], c, s, 30.0)),
    );
    continuous(
        "lognormal_1_0.5",
        values(random::lognormal::<f64>(&[N], c, s, 1.0, 0.5)),
    );
}

#[test]
fn discrete_distributions_match_numpy() {
    let s = 78;
    let c = 30_000;
    discrete(
        "binomial_10_0.3",
        values(random::binomial(&[N], c, s, 10, 0.3)),
    );
    discrete(
        "binomial_1000_0.2",
        values(random::binomial(&[N], c, s, 1000, 0.2)),
    );
    discrete(
        "binomial_5000_0.97",
        values(random::binomial(&[N], c, s, 5000, 0.97)),
    );
    discrete("poisson_0.7", values(random::poisson(&[N], c, s, 0.7)));
    discrete("poisson_12", values(random::poisson(&[N], c, s, 12.0)));
    discrete("poisson_400", values(random::poisson(&[N], c, s, 400.0)));
    discrete(
        "integers_-5_9",
        values(random::integers::<i16>(&[N], c, s, -5, 9)),
    );
    let p = [0.1, 0.0, 0.5, 0.15, 0.25];
    let picks = values(random::choice(5, &[N], c, s, true, Some(&p)));
    assert!(
        picks.iter().all(|&v| v != 1.0),
        "an index of probability 0 was drawn"
    );
    discrete("choice_p", picks);
}

#[test]
fn values_do_not_depend_on_chunking_or_threads() {
    let one = ComputeOptions::new().threads(1);
    let check = |name: &str, a: Array<f64>, b: Array<f64>| {
        let x = a.compute_with(&one).unwrap();
        let y = b.compute().unwrap();
        assert_eq!(x, y, "{name}");
    };
    let shape = [37, 23];
    for (c1, c2) in [([5, 7], [37, 23]), ([1, 23], [10, 3])] {
        check(
            "gamma",
            random::gamma(&shape, c1, 3, 0.7, 2.0).unwrap(),
            random::gamma(&shape, c2, 3, 0.7, 2.0).unwrap(),
        );
        check(
            "beta",
            random::beta(&shape, c1, 3, 0.4, 0.6).unwrap(),
            random::beta(&shape, c2, 3, 0.4, 0.6).unwrap(),
        );
        check(
            "t",
            random::standard_t(&shape, c1, 3, 2.0).unwrap(),
            random::standard_t(&shape, c2, 3, 2.0).unwrap(),
        );
        check(
            "binomial",
            random::binomial(&shape, c1, 3, 5000, 0.4).unwrap().astype(),
            random::binomial(&shape, c2, 3, 5000, 0.4).unwrap().astype(),
        );
        check(
            "poisson",
            random::poisson(&shape, c1, 3, 250.0).unwrap().astype(),
            random::poisson(&shape, c2, 3, 250.0).unwrap().astype(),
        );
        check(
            "integers",
            random::integers::<f64>(&shape, c1, 3, -100, 100).unwrap(),
            random::integers::<f64>(&shape, c2, 3, -100, 100).unwrap(),
        );
    }
    // A slice of a generated array is the same slice of the whole.
    let whole = random::poisson(&[1000], 100, 5, 3.5).unwrap();
    let part = whole.slice_axis(0, 250..750).unwrap().compute().unwrap();
    let all = whole.compute().unwrap();
    assert_eq!(part.as_slice().unwrap(), &all.as_slice().unwrap()[250..750]);
}

#[test]
fn permutations_choices_and_shuffles() {
    for n in [1usize, 2, 5, 64, 1000, 1023, 1025] {
        let p: Vec<i64> = random::permutation(n, 37, 4)
            .unwrap()
            .compute()
            .unwrap()
            .iter()
            .copied()
            .collect();
        let mut sorted = p.clone();
        sorted.sort();
        assert_eq!(sorted, (0..n as i64).collect::<Vec<_>>(), "n = {n}");
    }
    // Without replacement: distinct indices, each index about equally often over seeds.
    let mut hits = [0usize; 10];
    for seed in 0..2000 {
        let c = random::choice(10, &[3], 2, seed, false, None)
            .unwrap()
            .compute()
            .unwrap();
        let v: Vec<i64> = c.iter().copied().collect();
        assert!(v[0] != v[1] && v[0] != v[2] && v[1] != v[2], "{v:?}");
        for &i in &v {
            hits[i as usize] += 1;
        }
    }
    for h in hits {
        assert!((500..700).contains(&h), "{hits:?}");
    }
    // Weighted without replacement: never a zero-weight index; the heavy one almost always.
    let p = [0.0, 0.05, 0.9, 0.05];
    let mut first_heavy = 0;
    for seed in 0..500 {
        let c = random::choice(4, &[2], 2, seed, false, Some(&p))
            .unwrap()
            .compute()
            .unwrap();
        assert!(c.iter().all(|&i| i != 0) && c[0] != c[1]);
        first_heavy += usize::from(c.iter().any(|&i| i == 2));
    }
    assert!(first_heavy > 480, "{first_heavy}");
    // A shuffle reorders whole slices along the axis.
    let x = Array::<i64>::arange(0, 60, 1, 7)
        .unwrap()
        .reshape(&[5, 12])
        .unwrap();
    let y = random::shuffle(&x, -1, 8).unwrap().compute().unwrap();
    let x = x.compute().unwrap();
    let mut sources: Vec<usize> = (0..12)
        .map(|col| {
            let c = y.column_of(col);
            (0..12)
                .find(|&j| x.column_of(j) == c)
                .expect("a column of x")
        })
        .collect();
    assert_ne!(sources, (0..12).collect::<Vec<_>>(), "the order changed");
    sources.sort();
    assert_eq!(sources, (0..12).collect::<Vec<_>>(), "every column once");
}

/// Columns of a 2-d `ndarray`.
trait ColumnOf {
    fn column_of(&self, j: usize) -> Vec<i64>;
}

impl ColumnOf for ndarray::ArrayD<i64> {
    fn column_of(&self, j: usize) -> Vec<i64> {
        (0..self.shape()[0]).map(|i| self[[i, j]]).collect()
    }
}

#[test]
fn bad_parameters_are_refused() {
    assert!(random::gamma::<f64>(&[4], 2, 1, 0.0, 1.0).is_err());
    assert!(random::beta::<f64>(&[4], 2, 1, 1.0, -1.0).is_err());
    assert!(random::binomial(&[4], 2, 1, 10, 1.5).is_err());
    assert!(random::poisson(&[4], 2, 1, f64::NAN).is_err());
    assert!(random::integers::<u8>(&[4], 2, 1, 0, 300).is_err());
    assert!(random::integers::<i32>(&[4], 2, 1, 5, 5).is_err());
    assert!(random::choice(3, &[4], 2, 1, false, None).is_err());
    assert!(random::choice(3, &[2], 2, 1, true, Some(&[0.5, 0.5])).is_err());
    assert!(random::choice(3, &[2], 2, 1, true, Some(&[0.5, 0.6, -0.1])).is_err());
    assert!(random::choice(3, &[2], 2, 1, false, Some(&[1.0, 0.0, 0.0])).is_err());
}
