"""Tests of mlp.pca: PCA by SVD, its optimality, principal angles, and the linear autoencoder."""

from __future__ import annotations

import numpy as np
import pytest

from mlp.fit import fit, mean_loss
from mlp.layers import Dense, Sequential
from mlp.losses import MeanSquaredError
from mlp.optimizers import SGD
from mlp.pca import PCA, principal_angles


def correlated_data(n: int = 400, d: int = 6, seed: int = 0) -> np.ndarray:
    """n points in R^d with distinct variances along random orthogonal directions."""
    rng = np.random.default_rng(seed)
    Q = np.linalg.qr(rng.normal(size=(d, d)))[0]
    scales = np.geomspace(5.0, 0.2, d)
    return (rng.normal(size=(n, d)) * scales) @ Q.T + rng.normal(size=d)


def test_components_are_the_eigenvectors_of_the_covariance_matrix() -> None:
    X = correlated_data()
    pca = PCA().fit(X)
    eigenvalues, eigenvectors = np.linalg.eigh(np.cov(X, rowvar=False))
    order = np.argsort(eigenvalues)[::-1]
    np.testing.assert_allclose(pca.explained_variance_, eigenvalues[order], rtol=1e-10)
    for component, vector in zip(pca.components_, eigenvectors[:, order].T, strict=True):
        assert abs(component @ vector) == pytest.approx(1.0, abs=1e-10)  # same up to sign
    np.testing.assert_allclose(pca.components_ @ pca.components_.T, np.eye(6), atol=1e-12)


def test_explained_variance_is_the_variance_of_the_projections_and_ratios_sum_to_one() -> None:
    X = correlated_data(seed=1)
    pca = PCA().fit(X)
    np.testing.assert_allclose(pca.transform(X).var(axis=0, ddof=1), pca.explained_variance_)
    assert pca.total_variance_ == pytest.approx(np.var(X, axis=0, ddof=1).sum())
    assert pca.explained_variance_ratio_.sum() == pytest.approx(1.0)
    assert np.all(np.diff(pca.explained_variance_) <= 0)


def test_qr_route_equals_the_direct_svd_of_the_centred_data() -> None:
    X = correlated_data(n=300, d=5, seed=2)
    pca = PCA().fit(X)
    s = np.linalg.svd(X - X.mean(axis=0), compute_uv=False)
    np.testing.assert_allclose(pca.singular_values_, s, rtol=1e-12)
    wide = correlated_data(n=4, d=9, seed=3)  # n < d: no QR, at most n - 1 non-zero variances
    pca_wide = PCA().fit(wide)
    assert pca_wide.components_.shape == (4, 9)
    assert pca_wide.explained_variance_[-1] == pytest.approx(0.0, abs=1e-12)


def test_reconstruction_with_k_components_reaches_the_eckart_young_optimum() -> None:
    X = correlated_data(seed=4)
    pca = PCA().fit(X)
    for k in range(1, 6):
        assert pca.reconstruction_mse(X, k) == pytest.approx(pca.optimal_mse(k), rel=1e-10)
    # no other rank-2 affine reconstruction does better: try random subspaces
    rng = np.random.default_rng(5)
    mu = X.mean(axis=0)
    for _ in range(200):
        basis = np.linalg.qr(rng.normal(size=(6, 2)))[0]
        other = mu + (X - mu) @ basis @ basis.T
        assert np.mean((X - other) ** 2) > pca.optimal_mse(2)
    np.testing.assert_allclose(pca.reconstruct(X, 6), X, atol=1e-10)
    np.testing.assert_allclose(pca.inverse_transform(pca.transform(X, 3)), pca.reconstruct(X, 3))


def test_component_signs_are_deterministic() -> None:
    X = correlated_data(seed=6)
    pca = PCA().fit(X)
    largest = pca.components_[np.arange(6), np.argmax(np.abs(pca.components_), axis=1)]
    assert np.all(largest > 0)
    np.testing.assert_array_equal(PCA().fit(X).components_, pca.components_)


def test_pca_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="not fitted"):
        PCA().transform(np.zeros((2, 3)))
    pca = PCA().fit(correlated_data(d=4))
    with pytest.raises(ValueError, match=r"k must be an integer in \[1, 4\]"):
        pca.reconstruct(np.zeros((2, 4)), 5)
    with pytest.raises(ValueError, match="4 columns"):
        pca.transform(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="NaN"):
        PCA().fit(np.array([[0.0, np.nan], [1.0, 2.0]]))
    with pytest.raises(ValueError, match="at least 2"):
        PCA().fit(np.zeros((1, 3)))


# --- principal angles -------------------------------------------------------------------------


def test_principal_angles_of_known_subspaces() -> None:
    t = 0.3
    e1 = np.array([[1.0], [0.0], [0.0]])
    tilted = np.array([[np.cos(t)], [np.sin(t)], [0.0]])
    np.testing.assert_allclose(principal_angles(e1, tilted), [t])
    plane = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    other_plane = np.array([[1.0, 0.0], [0.0, np.cos(t)], [0.0, np.sin(t)]])
    np.testing.assert_allclose(principal_angles(plane, other_plane), [0.0, t], atol=1e-15)
    np.testing.assert_allclose(principal_angles(e1, np.array([[0.0], [0.0], [2.0]])), [np.pi / 2])


def test_principal_angles_ignore_the_basis_and_stay_accurate_when_tiny() -> None:
    rng = np.random.default_rng(7)
    A = rng.normal(size=(10, 3))
    mixed = A @ rng.normal(size=(3, 3))  # same column space, another basis
    assert np.max(principal_angles(A, mixed)) < 1e-7
    tiny = 1e-9
    u = np.zeros((4, 1))
    u[0] = 1.0
    v = np.zeros((4, 1))
    v[0], v[1] = np.cos(tiny), np.sin(tiny)
    assert principal_angles(u, v)[0] == pytest.approx(tiny, rel=1e-6)  # arccos would give 0
    with pytest.raises(ValueError, match="full column rank"):
        principal_angles(np.ones((3, 2)), np.eye(3)[:, :2])


# --- the theorem the chapters rely on ---------------------------------------------------------


def test_a_linear_autoencoder_trained_with_sgd_finds_the_principal_subspace() -> None:
    """Baldi and Hornik: the optimum of a linear autoencoder with k hidden units is the PCA
    projection on k components; SGD from a zero encoder reaches it on centred data."""
    X = correlated_data(n=2000, d=8, seed=8).astype(np.float32)
    pca = PCA().fit(X)
    Xc = (X - pca.mean_).astype(np.float32)
    encoder = Dense(8, 2, init=0.0, seed=0)
    model = Sequential([encoder, Dense(2, 8, seed=1)])
    optimizer = SGD(model.parameters(), lr=0.02, momentum=0.9)
    fit(model, MeanSquaredError(), optimizer, Xc, Xc, epochs=60, batch_size=64)
    mse = mean_loss(model, MeanSquaredError(), Xc, Xc)
    assert mse >= pca.optimal_mse(2) * (1 - 1e-5)  # the floor
    assert mse <= pca.optimal_mse(2) * 1.01
    angles = principal_angles(encoder.W, pca.components_[:2].T)
    assert np.degrees(angles.max()) < 2.0


def test_constant_data_have_no_variance_to_explain_and_say_so() -> None:
    with pytest.raises(ValueError, match="zero total variance"):
        PCA().fit(np.ones((5, 3)))


def test_data_of_extreme_magnitude_give_finite_ratios() -> None:
    X = np.random.default_rng(0).normal(size=(50, 4)) * 1e200
    ratios = PCA().fit(X).explained_variance_ratio_
    assert np.isfinite(ratios).all() and ratios.sum() == pytest.approx(1.0)


# --- the Wiener denoiser -----------------------------------------------------------------------


def test_wiener_denoiser_equals_the_brute_force_linear_mmse_formula() -> None:
    X = correlated_data(n=300, d=6)
    pca = PCA().fit(X)
    rng = np.random.default_rng(5)
    sigma2 = 0.7
    noisy = X[:50] + np.sqrt(sigma2) * rng.normal(size=(50, 6))
    Sigma = np.cov(X, rowvar=False)  # the same sample covariance, computed directly
    M = Sigma @ np.linalg.inv(Sigma + sigma2 * np.eye(6))
    brute = X.mean(axis=0) + (noisy - X.mean(axis=0)) @ M.T
    np.testing.assert_allclose(pca.wiener_denoise(noisy, sigma2), brute, rtol=1e-10, atol=1e-12)
    gains = pca.wiener_gains(sigma2)
    np.testing.assert_allclose(gains, pca.explained_variance_ / (pca.explained_variance_ + 0.7))
    assert np.all(np.diff(gains) <= 0) and 0 < gains.min() and gains.max() < 1


def test_wiener_denoiser_is_the_best_linear_map_learned_from_many_noisy_pairs() -> None:
    # Least squares from noisy to clean inputs over many examples converges to the Wiener map.
    rng = np.random.default_rng(1)
    d, sigma2 = 5, 0.5
    Q = np.linalg.qr(rng.normal(size=(d, d)))[0]
    clean = (rng.normal(size=(200_000, d)) * np.array([3.0, 2.0, 1.0, 0.5, 0.2])) @ Q.T + 1.0
    noisy = clean + np.sqrt(sigma2) * rng.normal(size=clean.shape)
    design = np.hstack([noisy, np.ones((len(noisy), 1))])
    coef = np.linalg.lstsq(design, clean, rcond=None)[0]  # the best affine map, fitted
    probe = clean[:1000] + np.sqrt(sigma2) * rng.normal(size=(1000, d))
    fitted = np.hstack([probe, np.ones((1000, 1))]) @ coef
    wiener = PCA().fit(clean).wiener_denoise(probe, sigma2)
    assert np.abs(fitted - wiener).max() < 0.02
    # and it beats every truncation of the PCA basis on these noisy inputs
    pca = PCA().fit(clean)
    truth = clean[:1000]
    best_truncation = min(
        np.mean((pca.reconstruct(probe, k) - truth) ** 2) for k in range(1, d + 1)
    )
    assert np.mean((wiener - truth) ** 2) < best_truncation


def test_wiener_denoiser_limits_and_arguments() -> None:
    X = correlated_data()
    pca = PCA().fit(X)
    np.testing.assert_allclose(pca.wiener_denoise(X[:5], 0.0), X[:5], atol=1e-10)  # no noise
    far = pca.wiener_denoise(X[:5], 1e12)  # only noise: the mean image
    np.testing.assert_allclose(far, np.tile(pca.mean_, (5, 1)), atol=1e-8)
    few = PCA().fit(X[:3])  # 3 points in R^6 span a plane: 3 components, the last of variance 0
    assert few.wiener_gains(0.1).shape == (3,) and few.wiener_gains(0.1)[-1] < 1e-12
    outside = np.linalg.svd(few.components_)[2][-1]  # orthogonal to the 3 components
    np.testing.assert_allclose(few.wiener_denoise(few.mean_ + outside[None], 0.1)[0], few.mean_)
    with pytest.raises(ValueError, match="noise_variance must be a finite number >= 0"):
        pca.wiener_denoise(X[:5], -1.0)
    with pytest.raises(TypeError, match="noise_variance"):
        pca.wiener_denoise(X[:5], "0.1")
    with pytest.raises(ValueError, match="not fitted"):
        PCA().wiener_denoise(X[:5], 0.1)
