"""NumPy's FFTs and complex arithmetic on fixed inputs, the oracle of tests/fft_numpy.rs.

Writes to the directory given as the only argument. Complex arrays are saved as two real
files, `<name>_re.npy` and `<name>_im.npy`; real ones as `<name>.npy`. Inputs: `z2` (6, 10)
and `z3` (4, 5, 8) complex128, `r2` (7, 12) float64, `w` and `v` (40,) complex128 operands
holding special values, and `z2f`/`r2f`, float32 (complex64) copies.
"""
import os
import sys

import numpy as np

out = sys.argv[1]
rng = np.random.default_rng(20261203)


def save_c(name, a):
    a = np.asarray(a)
    np.save(os.path.join(out, f"{name}_re.npy"), np.ascontiguousarray(a.real))
    np.save(os.path.join(out, f"{name}_im.npy"), np.ascontiguousarray(a.imag))


def save_r(name, a):
    np.save(os.path.join(out, f"{name}.npy"), np.ascontiguousarray(a))


z2 = rng.standard_normal((6, 10)) + 1j * rng.standard_normal((6, 10))
z3 = rng.standard_normal((4, 5, 8)) + 1j * rng.standard_normal((4, 5, 8))
r2 = rng.standard_normal((7, 12))
save_c("z2", z2)
save_c("z3", z3)
save_r("r2", r2)
z2f = z2.astype(np.complex64)
r2f = r2.astype(np.float32)
save_c("z2f", z2f)
save_r("r2f", r2f)

for norm in ("backward", "ortho", "forward"):
    for axis in (0, 1):
        for n in (None, 4, 13):
            tag = f"{norm}_{axis}_{n}"
            save_c(f"fft_z2_{tag}", np.fft.fft(z2, n=n, axis=axis, norm=norm))
            save_c(f"ifft_z2_{tag}", np.fft.ifft(z2, n=n, axis=axis, norm=norm))
            save_c(f"rfft_r2_{tag}", np.fft.rfft(r2, n=n, axis=axis, norm=norm))
            save_r(f"irfft_z2_{tag}", np.fft.irfft(z2, n=n, axis=axis, norm=norm))
            save_c(f"fft_z2f_{tag}", np.fft.fft(z2f, n=n, axis=axis, norm=norm))
            save_c(f"rfft_r2f_{tag}", np.fft.rfft(r2f, n=n, axis=axis, norm=norm))
save_c("fft2_z3", np.fft.fft2(z3))
save_c("ifft2_z3_axes02_s", np.fft.ifft2(z3, s=(3, 9), axes=(0, 2)))
save_c("fftn_z3", np.fft.fftn(z3))
save_c("fftn_z3_s", np.fft.fftn(z3, s=(6, 4)))
save_c("ifftn_z3_ortho", np.fft.ifftn(z3, norm="ortho"))
save_c("fft_r2_real", np.fft.fft(r2, axis=1))
for n, d in ((8, 1.0), (9, 0.25), (1, 2.0)):
    save_r(f"fftfreq_{n}", np.fft.fftfreq(n, d))
    save_r(f"rfftfreq_{n}", np.fft.rfftfreq(n, d))
save_c("fftshift_z3", np.fft.fftshift(z3))
save_c("ifftshift_z3_1", np.fft.ifftshift(z3, axes=(1,)))

specials = np.array([0.0, -0.0, 1.0, -2.5, 1e300, -1e-300, np.inf, -np.inf, np.nan, 3.0])
w = np.empty(40, dtype=np.complex128)
w.real, w.imag = np.repeat(specials, 4)[:40], np.tile(specials, 4)[:40]
v = np.empty(40, dtype=np.complex128)
v.real, v.imag = np.tile(specials, 4)[:40], np.repeat(specials[::-1], 4)[:40]
w[:10] = rng.standard_normal(10) + 1j * rng.standard_normal(10)
v[:10] = rng.standard_normal(10) + 1j * rng.standard_normal(10)
save_c("w", w)
save_c("v", v)
with np.errstate(all="ignore"):
    save_c("add", w + v)
    save_c("sub", w - v)
    save_c("mul", w * v)
    save_c("div", w / v)
    save_c("div_real", w / v.real)
    save_c("mul_scalar", w * (2.0 - 0.5j))
    save_r("abs", np.abs(w))
    save_r("angle", np.angle(w))
    save_c("conj", np.conj(w))
    save_c("sum_z3_1", z3.sum(axis=1))
    save_c("mean_z3", np.array(z3.mean()))
print("ok")
