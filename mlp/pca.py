"""Principal component analysis by the singular value decomposition of centred data.

For training data X ``(n, d)`` with column means mu, the centred matrix Xc = X - mu has the
thin SVD Xc = U S V^T. The principal components are the rows of V^T (orthonormal directions
of decreasing variance), the variance along component j is s_j^2 / (n - 1), and the best
rank-k approximation of Xc in the least-squares sense (Eckart-Young) is its projection on the
first k components: X_k = mu + (Xc V_k) V_k^T.

The SVD is computed through a QR factorisation, Xc = Q R with R ``(d, d)``, then
R = U_R S V^T: Xc and R have the same singular values and right singular vectors, and the
SVD of the small R is much faster than that of the tall Xc. Computations use float64.

``PCA.wiener_denoise`` is the optimal linear denoiser for images with white noise of known
variance sigma^2, in closed form in the PCA basis: the component along v_j is multiplied by
lambda_j / (lambda_j + sigma^2) (Wiener shrinkage).

``principal_angles`` measures how far apart two subspaces are (0 when they coincide).

How much an explained-variance ratio moves from one sample of images to another:
``ratio_standard_errors`` gives its delta-method standard error, ``subsample_ratios`` measures
it on random subsets drawn without replacement, and ``floor_from_ratios`` recovers the
rank-k floor of Eckart-Young from a printed PCA (explained variances and ratios) alone.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mlp import checks

__all__ = [
    "PCA",
    "floor_from_ratios",
    "principal_angles",
    "ratio_standard_errors",
    "subsample_ratios",
]


class PCA:
    """Principal component analysis of training data, fitted by SVD.

    ``PCA().fit(X_train)`` keeps every component (at most min(n - 1, d) of them carry
    variance). Attributes after ``fit``:

    mean_ ``(d,)``
        Column means of the training data.
    components_ ``(r, d)``
        Orthonormal principal directions as rows, by decreasing variance (r = min(n, d)).
        Each row's sign is fixed so that its entry of largest magnitude is positive.
    singular_values_ ``(r,)``
        Singular values s_j of the centred training data.
    explained_variance_ ``(r,)``
        Variance along each component, s_j^2 / (n - 1).
    total_variance_
        Sum of the variances of the d columns, ||X - mu||_F^2 / (n - 1).
    explained_variance_ratio_ ``(r,)``
        explained_variance_ / total_variance_.
    """

    def __init__(self) -> None:
        self.mean_: NDArray[np.float64] | None = None
        self.components_: NDArray[np.float64] | None = None
        self.singular_values_: NDArray[np.float64] | None = None
        self.explained_variance_: NDArray[np.float64] | None = None
        self.explained_variance_ratio_: NDArray[np.float64] | None = None
        self.total_variance_: float | None = None
        self.n_samples_: int | None = None

    def fit(self, X: ArrayLike) -> PCA:
        """Fit on training data X ``(n, d)`` with n >= 2; return self.

        Raises ValueError when X has fewer than 2 rows or zero total variance (constant
        columns). The ratios are computed from the singular values relative to the largest,
        so data of extreme magnitude give finite ratios.
        """
        X = checks.real_matrix("X", X, dtype=np.float64)
        n = X.shape[0]
        if n < 2:
            raise ValueError(f"PCA needs at least 2 examples, got {n}")
        self.mean_ = X.mean(axis=0)
        Xc = X - self.mean_
        if n > X.shape[1]:  # tall: the SVD of R from Xc = QR has the same S and V
            Xc = np.linalg.qr(Xc, mode="r")
        _, s, Vt = np.linalg.svd(Xc, full_matrices=False)
        if not s.size or s[0] == 0:
            raise ValueError(
                "X has zero total variance (every column is constant): PCA has no direction "
                "to find and no variance to explain"
            )
        largest = np.argmax(np.abs(Vt), axis=1)
        Vt *= np.sign(Vt[np.arange(len(Vt)), largest])[:, None]
        self.components_ = Vt
        self.singular_values_ = s
        with np.errstate(over="ignore"):  # inf for data beyond ~1e154: the ratios stay finite
            self.explained_variance_ = s**2 / (n - 1)
            self.total_variance_ = float(np.sum(s**2) / (n - 1))
        relative = (s / s[0]) ** 2  # scale-free: no overflow for data of extreme magnitude
        self.explained_variance_ratio_ = relative / relative.sum()
        self.n_samples_ = n
        return self

    @property
    def n_features(self) -> int:
        """Input dimension d."""
        return self._fitted()[0].shape[0]

    def _fitted(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        if self.mean_ is None or self.components_ is None:
            raise ValueError("this PCA is not fitted yet: call fit(X_train) first")
        return self.mean_, self.components_

    def _k(self, k: int | None) -> int:
        r = self._fitted()[1].shape[0]
        if k is None:
            return r
        if not 1 <= checks.positive_int("k", k) <= r:
            raise ValueError(f"k must be an integer in [1, {r}], got {k!r}")
        return int(k)

    def _data(self, X: ArrayLike) -> NDArray[np.float64]:
        X = checks.real_matrix("X", X, dtype=np.float64)
        if X.shape[1] != self.n_features:
            raise ValueError(f"X must have {self.n_features} columns, got shape {X.shape}")
        return X

    def transform(self, X: ArrayLike, k: int | None = None) -> NDArray[np.float64]:
        """Coordinates of X ``(n, d)`` on the first k components: (X - mu) V_k, ``(n, k)``."""
        mean, components = self._fitted()
        k = self._k(k)
        return (self._data(X) - mean) @ components[:k].T

    def inverse_transform(self, Z: ArrayLike) -> NDArray[np.float64]:
        """Points ``(n, d)`` with coordinates Z ``(n, k)`` on the first k components."""
        mean, components = self._fitted()
        Z = checks.real_matrix("Z", Z, dtype=np.float64)
        k = self._k(Z.shape[1])
        return Z @ components[:k] + mean

    def reconstruct(self, X: ArrayLike, k: int) -> NDArray[np.float64]:
        """Projection of X ``(n, d)`` on the first k components: mu + (X - mu) V_k V_k^T."""
        return self.inverse_transform(self.transform(X, k))

    def reconstruction_mse(self, X: ArrayLike, k: int) -> float:
        """Mean over all n d entries of (X - reconstruct(X, k))^2."""
        X = self._data(X)
        residual = X - self.reconstruct(X, k)
        return float(np.mean(residual * residual))

    def optimal_mse(self, k: int) -> float:
        """The least mean squared error of any rank-k affine reconstruction of the training data.

        By Eckart-Young it is the sum of the discarded squared singular values over n d; it
        equals ``reconstruction_mse(X_train, k)``.
        """
        k = self._k(k)
        s = self.singular_values_
        assert s is not None and self.n_samples_ is not None
        return float(np.sum(s[k:] ** 2) / (self.n_samples_ * self.n_features))

    def wiener_gains(self, noise_variance: float) -> NDArray[np.float64]:
        """The Wiener factors lambda_j / (lambda_j + sigma^2) of the r components, ``(r,)``."""
        checks.finite_number("noise_variance", noise_variance)
        self._fitted()
        assert self.explained_variance_ is not None
        lam = self.explained_variance_
        with np.errstate(invalid="ignore"):
            gains = lam / (lam + noise_variance)
        return np.where(lam > 0, gains, 0.0)

    def wiener_denoise(self, X_noisy: ArrayLike, noise_variance: float) -> NDArray[np.float64]:
        """The optimal linear estimate of clean images from X_noisy ``(n, d)``, ``(n, d)``.

        For x = s + e with s of mean mu and covariance Sigma = V diag(lambda) V^T (this PCA,
        fitted on clean data) and e white noise of variance sigma^2 = ``noise_variance`` per
        entry, independent of s, the linear map of least mean squared error is
        mu + Sigma (Sigma + sigma^2 I)^-1 (x - mu) = mu + sum_j g_j <x - mu, v_j> v_j with
        g_j = lambda_j / (lambda_j + sigma^2): each component is shrunk, none is cut off.
        Directions without a fitted component (when n <= d) have lambda = 0 and g = 0.
        """
        mean, components = self._fitted()
        gains = self.wiener_gains(noise_variance)
        return mean + ((self._data(X_noisy) - mean) @ components.T * gains) @ components


def principal_angles(A: ArrayLike, B: ArrayLike) -> NDArray[np.float64]:
    """Principal angles (radians, ascending) between the column spaces of A (d, p) and B (d, q).

    With orthonormal bases Q_A and Q_B, the cosines of the angles are the singular values of
    Q_A^T Q_B and their sines those of Q_B - Q_A Q_A^T Q_B; both are computed and combined
    with arctan2, which stays accurate for small angles (arccos alone does not). Returns
    min(p, q) angles in [0, pi/2]. A and B must have full column rank.
    """
    A = checks.real_matrix("A", A, dtype=np.float64)
    B = checks.real_matrix("B", B, dtype=np.float64)
    if A.shape[0] != B.shape[0]:
        raise ValueError(f"A and B must have the same number of rows, got {A.shape} and {B.shape}")
    if A.shape[1] < 1 or B.shape[1] < 1:
        raise ValueError("A and B must have at least one column")
    for name, M in (("A", A), ("B", B)):
        if np.linalg.matrix_rank(M) < M.shape[1]:
            raise ValueError(f"{name} does not have full column rank")
    QA, QB = np.linalg.qr(A)[0], np.linalg.qr(B)[0]
    if QA.shape[1] < QB.shape[1]:
        QA, QB = QB, QA
    cosines = np.linalg.svd(QA.T @ QB, compute_uv=False)  # descending
    sines = np.linalg.svd(QB - QA @ (QA.T @ QB), compute_uv=False)[::-1]  # ascending
    return np.arctan2(sines, np.clip(cosines, 0.0, 1.0))


def ratio_standard_errors(pca: PCA, X: ArrayLike, k: int = 2) -> NDArray[np.float64]:
    """Delta-method standard errors ``(k,)`` of the first k explained-variance ratios of the
    data X ``(n, d)`` that ``pca`` was fitted on.

    With z_ij = <x_i - mu, v_j> and t_i = ||x_i - mu||^2, ratio_j = sum_i z_ij^2 / sum_i t_i is
    a ratio of two means; to first order (the estimated direction v_j does not move the
    variance along it, being a stationary point) its standard error is
    sd_i((z_ij^2 - ratio_j t_i) / mean(t)) / sqrt(n).
    """
    X = pca._data(X)
    mean, components = pca._fitted()
    k = pca._k(k)
    if len(X) != pca.n_samples_:
        raise ValueError(
            f"X must be the {pca.n_samples_} examples the PCA was fitted on, got {len(X)}"
        )
    centred = X - mean
    t = np.einsum("ij,ij->i", centred, centred)
    z2 = (centred @ components[:k].T) ** 2  # (n, k)
    ratios = z2.sum(axis=0) / t.sum()
    influence = (z2 - ratios * t[:, None]) / t.mean()
    return influence.std(axis=0, ddof=1) / np.sqrt(len(X))


def subsample_ratios(
    X: ArrayLike, size: int, count: int, *, k: int = 2, seed: int | None = 0
) -> NDArray[np.float64]:
    """The first k explained-variance ratios ``(count, k)`` of ``count`` random subsets of
    ``size`` rows of X ``(n, d)``, drawn without replacement (each subset independently).

    Each subset's scatter matrix (d, d) is computed from Gram matrices (the subset's own, or
    the whole data's minus the left-out rows', whichever is cheaper), and the ratios from its
    eigenvalues: a subset costs a fraction of a PCA.
    """
    X = checks.real_matrix("X", X, dtype=np.float64)
    n, d = X.shape
    size, count, k = (
        checks.positive_int(a, v) for a, v in (("size", size), ("count", count), ("k", k))
    )
    if not 2 <= size <= n:
        raise ValueError(f"size must be an integer in [2, {n}], got {size}")
    if k > min(size - 1, d):
        raise ValueError(f"k must be at most min(size - 1, d) = {min(size - 1, d)}, got {k}")
    gram, total = X.T @ X, X.sum(axis=0)
    rng = np.random.default_rng(seed)
    ratios = np.empty((count, k))
    for b in range(count):
        rows = rng.choice(n, size, replace=False)
        if 2 * size <= n:
            part = X[rows]
            G, s = part.T @ part, part.sum(axis=0)
        else:
            left_out = np.ones(n, dtype=bool)
            left_out[rows] = False
            part = X[left_out]
            G, s = gram - part.T @ part, total - part.sum(axis=0)
        scatter = G - np.outer(s, s) / size
        eigenvalues = np.linalg.eigvalsh(scatter)[::-1]
        ratios[b] = eigenvalues[:k] / eigenvalues.sum()
    return ratios


def floor_from_ratios(
    explained_variance: ArrayLike, ratios: ArrayLike, n_samples: int, n_features: int
) -> float:
    """The rank-k floor of Eckart-Young from a printed PCA: the least training MSE of any
    rank-k affine reconstruction, k = len(explained_variance).

    ``explained_variance`` ``(k,)`` are the first k variances lambda_j (denominator n - 1, as
    scikit-learn and ``PCA`` print them) and ``ratios`` ``(k,)`` their explained-variance
    ratios; the total variance is lambda_1 / ratio_1, and the floor is
    (n - 1) / (n d) (total - sum_j lambda_j), as ``PCA.optimal_mse(k)`` computes it.
    """
    lam = np.asarray(explained_variance, dtype=np.float64)
    r = np.asarray(ratios, dtype=np.float64)
    if lam.ndim != 1 or r.shape != lam.shape or not lam.size:
        raise ValueError(
            f"explained_variance and ratios must be two 1-d arrays of one length, got "
            f"shapes {lam.shape} and {r.shape}"
        )
    if not (np.all(np.isfinite(lam)) and np.all(lam > 0) and np.all((r > 0) & (r <= 1))):
        raise ValueError("explained variances must be > 0 and ratios in (0, 1]")
    n = checks.positive_int("n_samples", n_samples)
    d = checks.positive_int("n_features", n_features)
    if n < 2:
        raise ValueError(f"n_samples must be at least 2, got {n}")
    totals = lam / r
    if not np.allclose(totals, totals[0], rtol=1e-4):
        raise ValueError(
            f"the printed variances and ratios imply different total variances {totals}: "
            "they do not come from one PCA"
        )
    return float((n - 1) / (n * d) * (totals[0] - lam.sum()))
