"""A replication moves every seed and the BLAS thread count (``mlp.replication``), and the
chapters whose claims depend on a draw are the ones ``make replicate`` executes again."""

from __future__ import annotations

import pytest
from build_book import chapter_metadata, toc_chapters
from chapter_runs import read_chapter
from conftest import ROOT

from mlp import replication


def test_the_book_draw_keeps_the_seeds_and_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(replication.VARIABLE, raising=False)
    assert replication.seeds(3) == (0, 1, 2) and replication.seed(7) == 7
    assert replication.blas_threads(1) == 1 and replication.blas_threads(2) == 2
    assert replication.describe() == ""


def test_a_replication_moves_every_seed_and_changes_the_threads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(replication.VARIABLE, "2")
    offset = 2 * replication.SEED_OFFSET
    assert replication.seeds(3, start=1) == (offset + 1, offset + 2, offset + 3)
    assert replication.blas_threads(1) == 2 and replication.blas_threads(2) == 1
    assert "replication 2" in replication.describe()


@pytest.mark.parametrize("value", ["-1", "one", "1.5"])
def test_a_bad_replication_number_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv(replication.VARIABLE, value)
    with pytest.raises(ValueError, match="MLP_REPLICATION must be an integer >= 0"):
        replication.seed(0)


STATISTICAL = {
    "book/practice/c03_two_circles.md",
    "book/practice/c06_epoch_timing.md",
    "book/practice/c07_fashion_mnist.md",
    "book/practice/c08_one_hidden_layer.md",
    "book/mnist_lab/m02_linear_softmax.md",
    "book/mnist_lab/m03_pca.md",
    "book/mnist_lab/m04_linear_autoencoder.md",
    "book/mnist_lab/m05_wider_autoencoder.md",
    "book/mnist_lab/m06_denoising_autoencoder.md",
    "book/mnist_lab/m07_binary_cross_entropy.md",
}
"""The chapters whose claims rest on training runs, random draws or timings."""


def test_every_statistical_chapter_is_replicated_and_takes_its_seeds_from_the_replication() -> None:
    marked = {
        str(path.relative_to(ROOT))
        for path in toc_chapters(ROOT / "_toc.yml")
        if (nb := read_chapter(path)) is not None and chapter_metadata(nb).get("replicate")
    }
    assert marked >= STATISTICAL, sorted(STATISTICAL - marked)
    for name in sorted(marked):
        text = (ROOT / name).read_text()
        assert "replication" in text, f"{name} is replicated but never reads mlp.replication"
