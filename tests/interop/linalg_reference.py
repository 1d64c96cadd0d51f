"""NumPy's linear algebra on fixed test matrices, the oracle of tests/linalg_oracle.rs.

Writes each input matrix and each NumPy result as a .npy file into the directory given as
the only argument.
"""
import os
import sys

import numpy as np

out = sys.argv[1]
rng = np.random.default_rng(20261203)


def save(name, a):
    np.save(os.path.join(out, name + ".npy"), np.array(a, dtype=np.float64, order="C"))


def orthonormal(m, n):
    return np.linalg.qr(rng.standard_normal((m, n)))[0]


inputs = {
    "tall": rng.standard_normal((300, 12)),
    "illcond": orthonormal(200, 10) @ np.diag(np.logspace(0, -10, 10)) @ orthonormal(10, 10).T,
    "rankdef": rng.standard_normal((240, 6)) @ rng.standard_normal((6, 10)),
    "wide": rng.standard_normal((12, 300)),
}
square = rng.standard_normal((40, 40))
m = rng.standard_normal((40, 40))
inputs["square"] = square
inputs["illsq"] = orthonormal(30, 30) @ np.diag(np.logspace(0, -10, 30)) @ orthonormal(30, 30).T
inputs["spd"] = m @ m.T + 40 * np.eye(40)
inputs["sym"] = (m + m.T) / 2
inputs["rhs"] = rng.standard_normal((40, 3))
inputs["rhs_tall"] = rng.standard_normal((300, 2))
inputs["rhs_rankdef"] = rng.standard_normal((240, 2))
for name, a in inputs.items():
    save(name, a)

for name in ["tall", "illcond", "rankdef", "wide", "square"]:
    a = inputs[name]
    save(name + "_sv", np.linalg.svd(a, compute_uv=False))
    for ord_name, ord_ in [("fro", "fro"), ("nuc", "nuc"), ("1", 1), ("-1", -1), ("2", 2),
                           ("-2", -2), ("inf", np.inf), ("-inf", -np.inf)]:
        save(f"{name}_norm_{ord_name}", np.linalg.norm(a, ord_))
    for ord_name, ord_ in [("1", 1), ("2", 2), ("3", 3), ("0", 0), ("inf", np.inf),
                           ("-inf", -np.inf), ("0.5", 0.5)]:
        save(f"{name}_vnorm0_{ord_name}", np.linalg.norm(a, ord_, axis=0))
    for offset in [-3, 0, 2]:
        save(f"{name}_diag_{offset}", np.diagonal(a, offset))
        save(f"{name}_trace_{offset}", np.trace(a, offset))
    save(name + "_pinv", np.linalg.pinv(a))

sq, spd, sym, rhs = inputs["square"], inputs["spd"], inputs["sym"], inputs["rhs"]
save("square_det", np.linalg.det(sq))
ill = inputs["illsq"]
save("illsq_det", np.linalg.det(ill))
save("illsq_slogdet", np.array(np.linalg.slogdet(ill)))
save("illsq_sv", np.linalg.svd(ill, compute_uv=False))
sign, logdet = np.linalg.slogdet(sq)
save("square_slogdet", np.array([sign, logdet]))
save("spd_slogdet", np.array(np.linalg.slogdet(spd)))
save("square_inv", np.linalg.inv(sq))
save("square_solve", np.linalg.solve(sq, rhs))
save("square_solve_vec", np.linalg.solve(sq, rhs[:, 0]))
save("square_power_3", np.linalg.matrix_power(sq, 3))
save("square_power_-2", np.linalg.matrix_power(sq, -2))
save("spd_cholesky", np.linalg.cholesky(spd))
save("sym_eigvalsh", np.linalg.eigvalsh(sym))
w, v = np.linalg.eigh(sym)
save("sym_eigh_w", w)
save("lower_solve", np.linalg.solve(np.tril(spd), rhs))
save("upper_solve", np.linalg.solve(np.triu(spd), rhs))
for name, b in [("tall", "rhs_tall"), ("illcond", "rhs_tall"), ("rankdef", "rhs_rankdef")]:
    a = inputs[name]
    rows = a.shape[0]
    x, res, rank, s = np.linalg.lstsq(a, inputs[b][:rows], rcond=None)
    save(name + "_lstsq_x", x)
    save(name + "_lstsq_rank", np.array(rank))
print("ok")
