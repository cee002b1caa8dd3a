"""How much an explained-variance ratio moves from one sample to another (``mlp.pca``): the
delta-method standard error matches the spread of the ratio over fresh samples, the subsets'
ratios are those of a PCA of each subset, and the floor recovered from a printed PCA is the
floor of the PCA that printed it."""

from __future__ import annotations

import numpy as np
import pytest

from mlp.pca import PCA, floor_from_ratios, ratio_standard_errors, subsample_ratios


def population_sample(n: int, seed: int) -> np.ndarray:
    """n points in R^8 of a fixed heavy-tailed distribution with distinct variances, the
    first well apart (the same directions and scales for every seed)."""
    d = 8
    Q = np.linalg.qr(np.random.default_rng(99).normal(size=(d, d)))[0]
    scales = np.array([3.0, 1.6, 1.0, 0.8, 0.7, 0.6, 0.5, 0.4])
    rng = np.random.default_rng(seed)
    Z = rng.standard_t(df=10, size=(n, d))  # not Gaussian: the formula must not assume it
    return (Z * scales) @ Q.T + 1.0


def test_ratio_standard_error_is_the_spread_of_the_ratio_over_fresh_samples() -> None:
    n = 500
    ratios = np.array(
        [PCA().fit(population_sample(n, s)).explained_variance_ratio_[:2] for s in range(300)]
    )
    spread = ratios.std(axis=0, ddof=1)  # known to about 4 % from 300 samples
    X = population_sample(n, 1000)
    se = ratio_standard_errors(PCA().fit(X), X, 2)
    np.testing.assert_allclose(se, spread, rtol=0.25)
    # the t-term matters: without it (the variance of z^2 alone), the error is far too large
    pca = PCA().fit(X)
    z2 = ((X - pca.mean_) @ pca.components_[0]) ** 2
    t = np.sum((X - pca.mean_) ** 2, axis=1)
    naive = np.std(z2 / t.mean(), ddof=1) / np.sqrt(n)
    assert naive > 1.5 * spread[0]


def test_ratio_standard_errors_need_the_fitted_data() -> None:
    X = population_sample(50, 0)
    pca = PCA().fit(X)
    with pytest.raises(ValueError, match="the 50 examples the PCA was fitted on"):
        ratio_standard_errors(pca, X[:40], 2)
    with pytest.raises(ValueError, match="k must be a positive integer"):
        ratio_standard_errors(pca, X, 0)


@pytest.mark.parametrize("size", [30, 160])  # a small subset, and one that is most of the data
def test_subsample_ratios_are_the_ratios_of_a_pca_of_each_subset(size: int) -> None:
    X = population_sample(200, 3)
    ratios = subsample_ratios(X, size, 4, k=3, seed=7)
    rng = np.random.default_rng(7)
    for row in ratios:
        rows = rng.choice(len(X), size, replace=False)
        expected = PCA().fit(X[rows]).explained_variance_ratio_[:3]
        np.testing.assert_allclose(row, expected, rtol=1e-9)


def test_subsample_ratios_reject_impossible_sizes() -> None:
    X = population_sample(20, 0)
    with pytest.raises(ValueError, match=r"size must be an integer in \[2, 20\]"):
        subsample_ratios(X, 21, 3)
    with pytest.raises(ValueError, match="k must be at most"):
        subsample_ratios(X, 3, 3, k=3)
    with pytest.raises(TypeError, match="count must be a positive integer"):
        subsample_ratios(X, 10, 2.0)


def test_floor_from_a_printed_pca_is_the_floor_of_that_pca() -> None:
    X = population_sample(300, 5)
    pca = PCA().fit(X)
    for k in (1, 2, 3):
        printed = floor_from_ratios(
            pca.explained_variance_[:k], pca.explained_variance_ratio_[:k], len(X), X.shape[1]
        )
        assert printed == pytest.approx(pca.optimal_mse(k), rel=1e-10)
        assert printed == pytest.approx(pca.reconstruction_mse(X, k), rel=1e-8)


def test_floor_from_ratios_of_the_lab_printout() -> None:
    # the lab's printed PCA of MNIST: total variance 53.903347 / 0.0970372 = 555.49
    floor = floor_from_ratios([53.903347, 39.41201], [0.0970372, 0.07094979], 60_000, 784)
    assert floor == pytest.approx(
        (555.4902 - 53.903347 - 39.41201) / 784 * 59_999 / 60_000, rel=1e-5
    )


def test_floor_from_ratios_refuses_figures_of_two_pcas() -> None:
    with pytest.raises(ValueError, match="different total variances"):
        floor_from_ratios([50.0, 40.0], [0.1, 0.1], 100, 10)
    with pytest.raises(ValueError, match="one length"):
        floor_from_ratios([50.0, 40.0], [0.1], 100, 10)
    with pytest.raises(ValueError, match="ratios in"):
        floor_from_ratios([50.0], [1.5], 100, 10)
