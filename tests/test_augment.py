"""Pixel shifts (``mlp.augment``) and training on shifted minibatches (``train(shift=...)``).

The shifted images are compared with a pixel-by-pixel definition written here; training is
replayed step by step from the same generator, so the tests see which images each step got.
"""

from __future__ import annotations

import numpy as np
import pytest

from mlp.augment import PixelShifts, background, shift_images, square_shape
from mlp.data import Splits
from mlp.data.preprocessing import Standardizer
from mlp.minibatches import minibatches
from mlp.network import MLP
from mlp.records import METRIC_NAMES
from mlp.train import evaluate, train


def shifted_by_definition(image: np.ndarray, dy: int, dx: int, fill: np.ndarray) -> np.ndarray:
    """Pixel (i, j) of the result is pixel (i - dy, j - dx) of ``image``, or ``fill[i, j]``
    when that pixel lies outside the image."""
    h, w = image.shape
    out = np.empty_like(image)
    for i in range(h):
        for j in range(w):
            inside = 0 <= i - dy < h and 0 <= j - dx < w
            out[i, j] = image[i - dy, j - dx] if inside else fill[i, j]
    return out


def image_splits(n: int = 120, side: int = 6, seed: int = 0, standardize: bool = True) -> Splits:
    """Tiny square images, 3 classes (a bright row, column or diagonal), split 80/20/20."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, size=n + 40)
    images = rng.uniform(0, 0.3, size=(n + 40, side, side))
    for k, label in enumerate(y):
        where = rng.integers(1, side - 1)
        if label == 0:
            images[k, where, :] += 0.7
        elif label == 1:
            images[k, :, where] += 0.7
        else:
            images[k][np.eye(side, dtype=bool)] += 0.7
    X = images.reshape(n + 40, side * side)
    standardizer = None
    if standardize:
        standardizer = Standardizer("pixel", dtype=np.float64).fit(X[:n])
        X = standardizer.transform(X)
    return Splits(
        X[:n], y[:n], X[n : n + 20], y[n : n + 20], X[n + 20 :], y[n + 20 :],
        standardizer=standardizer,
    )  # fmt: skip


# --- shifting images ---------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_shifted_image_is_the_image_moved_by_whole_pixels_with_background_coming_in(dtype):
    rng = np.random.default_rng(0)
    h, w = 5, 7
    X = rng.normal(size=(40, h * w)).astype(dtype)
    dy, dx = rng.integers(-3, 4, size=(2, 40))
    for fill in (0.0, -0.42, rng.normal(size=h * w)):
        fill_image = np.broadcast_to(np.asarray(fill, dtype), (h * w,)).reshape(h, w)
        shifted = shift_images(X, dy, dx, shape=(h, w), fill=fill)
        assert shifted.shape == X.shape and shifted.dtype == dtype
        for k in range(40):
            expected = shifted_by_definition(X[k].reshape(h, w), dy[k], dx[k], fill_image)
            np.testing.assert_array_equal(shifted[k].reshape(h, w), expected)


def test_a_shift_moves_down_and_right_for_positive_values_and_leaves_its_input_alone():
    image = np.arange(1.0, 10.0).reshape(1, 9)  # [[1 2 3] [4 5 6] [7 8 9]]
    before = image.copy()
    down_right = shift_images(image, 1, 1, shape=(3, 3))
    np.testing.assert_array_equal(down_right.reshape(3, 3), [[0, 0, 0], [0, 1, 2], [0, 4, 5]])
    up_left = shift_images(image, -1, -1, shape=(3, 3), fill=-1.0)
    np.testing.assert_array_equal(up_left.reshape(3, 3), [[5, 6, -1], [8, 9, -1], [-1, -1, -1]])
    np.testing.assert_array_equal(shift_images(image, 0, 0, shape=(3, 3)), image)
    np.testing.assert_array_equal(shift_images(image, 3, 0, shape=(3, 3)), np.zeros((1, 9)))
    np.testing.assert_array_equal(shift_images(image, 0, -7, shape=(3, 3)), np.zeros((1, 9)))
    np.testing.assert_array_equal(image, before)


def test_the_background_is_what_a_zero_pixel_became() -> None:
    X = np.random.default_rng(1).uniform(0, 1, size=(50, 16))
    for mode in ("global", "pixel"):
        standardizer = Standardizer(mode, dtype=np.float64).fit(X)
        splits = Splits(standardizer.transform(X), np.zeros(50, int), standardizer=standardizer)
        fill = background(splits)
        assert fill.shape == (16,)
        np.testing.assert_allclose(fill * standardizer.scale_ + standardizer.mean_, 0, atol=1e-12)
        # with one mean and scale for all pixels, a shifted standardised image is the
        # standardised shifted raw image (per pixel, only the background is)
        dy, dx = np.arange(-2, 3).repeat(10), np.tile(np.arange(-2, 3), 10)
        shifted = shift_images(splits.X_train, dy, dx, shape=(4, 4), fill=fill)
        expected = standardizer.transform(shift_images(X, dy, dx, shape=(4, 4)))
        incoming = shift_images(np.zeros_like(X), dy, dx, shape=(4, 4), fill=1.0) == 1
        np.testing.assert_allclose(shifted[incoming], expected[incoming], atol=1e-12)
        if mode == "global":
            np.testing.assert_allclose(shifted, expected, atol=1e-12)
    assert background(Splits(X, np.zeros(50, int))) == 0.0


def test_random_shifts_draw_every_move_up_to_max_shift_from_the_generator() -> None:
    shifts = PixelShifts(1, (4, 4), fill=0.0)
    X = np.random.default_rng(2).normal(size=(900, 16))
    shifted = shifts(X, np.random.default_rng(7))
    dy, dx = np.random.default_rng(7).integers(-1, 2, size=(2, 900))
    np.testing.assert_array_equal(shifted, shift_images(X, dy, dx, shape=(4, 4)))
    moves = {(a, b) for a, b in zip(dy.tolist(), dx.tolist(), strict=True)}
    assert moves == {(a, b) for a in (-1, 0, 1) for b in (-1, 0, 1)}


@pytest.mark.parametrize(
    ("call", "error", "fragment"),
    [
        (lambda: square_shape(785), ValueError, "square image, got 785"),
        (lambda: shift_images(np.zeros((2, 9)), 1, 0, shape=(4, 4)), ValueError, "16 columns"),
        (lambda: shift_images(np.zeros((2, 9)), 0.5, 0, shape=(3, 3)), TypeError, "dy must hold"),
        (
            lambda: shift_images(np.zeros((2, 9)), 1, 0, shape=(3, 3), fill=np.zeros(4)),
            ValueError,
            "fill must be a number or hold one value per pixel",
        ),
        (lambda: PixelShifts(0, (4, 4)), ValueError, "max_shift must be a positive integer"),
        (lambda: PixelShifts(4, (4, 4)), ValueError, "max_shift must be smaller than the image"),
    ],
)
def test_bad_shift_arguments_are_named(call, error, fragment) -> None:
    with pytest.raises(error, match=fragment):
        call()


# --- training on shifted minibatches -----------------------------------------------------------


class RecordingMLP(MLP):
    """An MLP that remembers the rows of every minibatch it steps on."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.batches: list[np.ndarray] = []

    def sgd_step_unchecked(self, X, y, lr, **heavy_ball):
        self.batches.append(np.array(X))
        return super().sgd_step_unchecked(X, y, lr, **heavy_ball)


def test_each_step_trains_on_its_minibatch_shifted_by_draws_of_the_seeded_generator() -> None:
    data = image_splits()
    net = RecordingMLP(36, 5, 3, seed=0)
    train(net, data, epochs=2, batch_size=32, lr=0.1, shift=2, seed=4, progress=False)
    rng = np.random.default_rng(4)  # replay: each epoch's order, then each minibatch's shifts
    fill = background(data)
    expected = []
    for _ in range(2):
        for batch in minibatches(rng.permutation(120), 32):
            dy, dx = rng.integers(-2, 3, size=(2, len(batch)))
            expected.append(shift_images(data.X_train[batch], dy, dx, shape=(6, 6), fill=fill))
    assert len(net.batches) == len(expected) == 8
    for seen, wanted in zip(net.batches, expected, strict=True):
        np.testing.assert_array_equal(seen, wanted)
    unshifted = data.X_train[np.random.default_rng(4).permutation(120)[:32]]
    assert not np.array_equal(net.batches[0], unshifted)


def test_shifts_leave_the_training_validation_and_test_data_untouched() -> None:
    data = image_splits()
    copies = {name: np.array(getattr(data, name)) for name in ("X_train", "X_valid", "X_test")}
    net = MLP(36, 8, 3, seed=1)
    history = train(
        net, data, epochs=3, batch_size=20, lr=0.2, shift=1, momentum=0.5, restore_best=False,
        seed=0, progress=False,
    )  # fmt: skip
    for name, copy in copies.items():
        np.testing.assert_array_equal(getattr(data, name), copy)
    last = history.epochs[-1]  # measured on the images as they are, not shifted ones
    assert (last.valid_error, last.valid_loss) == pytest.approx(
        evaluate(net, data.X_valid, data.y_valid), rel=1e-12
    )
    assert (last.test_error, last.test_loss) == pytest.approx(
        evaluate(net, data.X_test, data.y_test), rel=1e-12
    )


def test_training_with_shifts_and_momentum_is_deterministic_given_the_seed() -> None:
    data = image_splits()
    options = {"epochs": 3, "batch_size": 16, "lr": 0.05, "momentum": 0.9, "shift": 1}

    def run(seed: int) -> tuple[list, dict]:
        net = MLP(36, 8, 3, seed=2, dtype=np.float32)
        history = train(net, data, seed=seed, progress=False, **options)
        return history.column("train_loss").tolist(), net.params()

    first, second, other = run(3), run(3), run(4)
    assert first[0] == second[0]
    for name in ("W1", "b1", "W2", "b2"):
        np.testing.assert_array_equal(first[1][name], second[1][name])
    assert first[0] != other[0]  # another seed: other orders and other shifts


def test_shift_zero_trains_on_the_images_as_they_are_and_shift_one_on_others() -> None:
    data = image_splits()
    plain = train(MLP(36, 8, 3, seed=2), data, epochs=2, batch_size=16, lr=0.1, progress=False)
    zero = train(
        MLP(36, 8, 3, seed=2), data, epochs=2, batch_size=16, lr=0.1, shift=0, progress=False
    )
    shifted = train(
        MLP(36, 8, 3, seed=2), data, epochs=2, batch_size=16, lr=0.1, shift=1, progress=False
    )
    for name in METRIC_NAMES:  # bit for bit
        assert zero.column(name).tolist() == plain.column(name).tolist(), name
    assert shifted.column("train_loss").tolist() != plain.column("train_loss").tolist()
    assert (plain.config["shift"], shifted.config["shift"]) == (0, 1)


def test_shifts_need_square_images_and_a_shift_smaller_than_them() -> None:
    circles = Splits(np.zeros((10, 2)), np.zeros(10, int), np.zeros((4, 2)), np.zeros(4, int))
    with pytest.raises(ValueError, match="d must be the number of pixels of a square image"):
        train(MLP(2, 3, 2), circles, epochs=1, batch_size=5, lr=0.1, shift=1)
    with pytest.raises(ValueError, match="shift must be an integer >= 0"):
        train(MLP(36, 3, 3), image_splits(), epochs=1, batch_size=5, lr=0.1, shift=-1)
    with pytest.raises(ValueError, match="max_shift must be smaller than the image"):
        train(MLP(36, 3, 3), image_splits(), epochs=1, batch_size=5, lr=0.1, shift=6)
