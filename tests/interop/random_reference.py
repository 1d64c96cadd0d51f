"""Samples of NumPy's Generator, the oracle of tests/random_distributions.rs.

For each case, N draws of numpy.random.default_rng(12345).<method>(...) are saved as
<case>.npy (float64) in the directory given as the only argument; the test compares
tessera's draws with them by a two-sample test (Kolmogorov–Smirnov for continuous
distributions, chi-square homogeneity for discrete ones).
"""
import os
import sys

import numpy as np

out = sys.argv[1]
N = 200_000
rng = np.random.default_rng(12345)
CASES = {
    "exponential_2": lambda: rng.exponential(2.0, N),
    "gamma_0.3": lambda: rng.gamma(0.3, 1.0, N),
    "gamma_2.5_x3": lambda: rng.gamma(2.5, 3.0, N),
    "gamma_40": lambda: rng.gamma(40.0, 1.0, N),
    "beta_0.5_0.7": lambda: rng.beta(0.5, 0.7, N),
    "beta_2_5": lambda: rng.beta(2.0, 5.0, N),
    "beta_30_4": lambda: rng.beta(30.0, 4.0, N),
    "standard_t_3": lambda: rng.standard_t(3.0, N),
    "standard_t_30": lambda: rng.standard_t(30.0, N),
    "lognormal_1_0.5": lambda: rng.lognormal(1.0, 0.5, N),
    "binomial_10_0.3": lambda: rng.binomial(10, 0.3, N),
    "binomial_1000_0.2": lambda: rng.binomial(1000, 0.2, N),
    "binomial_5000_0.97": lambda: rng.binomial(5000, 0.97, N),
    "poisson_0.7": lambda: rng.poisson(0.7, N),
    "poisson_12": lambda: rng.poisson(12.0, N),
    "poisson_400": lambda: rng.poisson(400.0, N),
    "integers_-5_9": lambda: rng.integers(-5, 9, N),
    "choice_p": lambda: rng.choice(5, N, p=[0.1, 0.0, 0.5, 0.15, 0.25]),
}
for name, draw in CASES.items():
    np.save(os.path.join(out, f"{name}.npy"), np.asarray(draw(), dtype=np.float64))
print("ok")
