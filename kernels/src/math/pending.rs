//! Functions not yet vectorized: scalar loops over the standard library.

macro_rules! std_loop {
    ($($name:ident, $t:ty, $f:ident);* $(;)?) => {$(
        #[doc = concat!("`out[i] = x[i].", stringify!($f), "()` for `i < min(len)`.")]
        pub fn $name(x: &[$t], out: &mut [$t]) {
            for (o, &v) in out.iter_mut().zip(x) {
                *o = v.$f();
            }
        }
    )*};
}

std_loop!(
    exp, f64, exp; ln, f64, ln; log1p, f64, ln_1p; expm1, f64, exp_m1; tan, f64, tan;
    tanh, f64, tanh;
    exp_f32, f32, exp; ln_f32, f32, ln; log1p_f32, f32, ln_1p; expm1_f32, f32, exp_m1;
    sin_f32, f32, sin; cos_f32, f32, cos; tan_f32, f32, tan; tanh_f32, f32, tanh;
);
