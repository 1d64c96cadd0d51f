//! `pow(x, y)`.

/// `out[i] = x[i].powf(y[i])` for `i < min(len)`.
pub fn pow(x: &[f64], y: &[f64], out: &mut [f64]) {
    for ((o, &a), &b) in out.iter_mut().zip(x).zip(y) {
        *o = a.powf(b);
    }
}

/// `out[i] = x[i].powf(y[i])` for `i < min(len)`.
pub fn pow_f32(x: &[f32], y: &[f32], out: &mut [f32]) {
    for ((o, &a), &b) in out.iter_mut().zip(x).zip(y) {
        *o = a.powf(b);
    }
}
