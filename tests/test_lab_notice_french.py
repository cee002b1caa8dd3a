"""The lab's dataset box in the French edition (``mlp.lab.notice(..., "fr")``): the same kind of
box and the same facts as the English one, in French, numbers written the French way, the
reasons for a fallback quoted as the program wrote them, the home folder never shown."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mlp import data, lab

NNBSP = "\u202f"


def splits(name: str, n: int = 1_200, unavailable: dict[str, str] | None = None) -> data.Splits:
    """Splits of ``name`` with n training, 2 validation and 3 test images, read from a folder
    under the home folder."""
    X = np.zeros((n, 784), np.float32)
    y = np.zeros(n, np.int64)
    return data.Splits(
        X,
        y,
        X[:2],
        y[:2],
        X[:3],
        y[:3],
        name=name,
        title=data.DATASET_TITLES[name],
        classes=tuple("0123456789"),
        source=f"{name} from {Path.home() / 'data'} (user cache), checksums verified",
        files={"digits": Path.home() / "data" / name / "digits.npz"},
        unavailable=unavailable or {},
    )


def test_the_french_box_is_the_english_box_in_french() -> None:
    for name, kind in (("mnist", "note"), ("mnist-subset", "note"), ("fashion-mnist", "warning")):
        english, french = lab.notice(splits(name)), lab.notice(splits(name), "fr")
        assert english.startswith(f":::{{{kind}}}") and french.startswith(f":::{{{kind}}}")
        assert french.endswith(":::\n") and english != french
        assert "Données" in french and "Dataset" not in french
        # the sizes, with a narrow no-break space between thousands
        assert f"1{NNBSP}200 images d'entraînement, 2 de validation et 3 de test" in french
        assert "sommes de contrôle vérifiées" in french
        assert str(Path.home()) + "/" not in french and f"~/data/{name}" in french
    assert "MNIST (sous-ensemble de 10\u202f000 chiffres)" in lab.notice(
        splits("mnist-subset"), "fr"
    )
    assert "et non MNIST" in lab.notice(splits("fashion-mnist"), "fr")
    assert "ne sont pas vérifiés" in lab.notice(splits("fashion-mnist"), "fr")


def test_the_french_box_quotes_why_a_dataset_was_not_used() -> None:
    reason = f"MNIST is not available: no network (looked in {Path.home() / '.cache'})"
    subset = lab.notice(splits("mnist-subset", unavailable={"mnist": reason}), "fr")
    assert "Pourquoi pas le MNIST complet\u00a0: \u00ab\u00a0MNIST is not available" in subset
    assert "(message du programme)" in subset and "~/.cache" in subset
    fallback = lab.notice(splits("fashion-mnist", unavailable={"mnist": reason}), "fr")
    assert "Pourquoi\u00a0: \u00ab" in fallback
    assert "Pourquoi" not in lab.notice(splits("mnist-subset"), "fr")  # nothing to explain


def test_the_english_box_is_unchanged_by_the_language_argument() -> None:
    data_ = splits("mnist-subset")
    assert lab.notice(data_) == lab.notice(data_, "en") and lab.notice(data_).isascii()


def test_a_box_in_another_language_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="language"):
        lab.notice(splits("mnist"), "de")


def test_glue_notice_glues_both_boxes_as_markdown(monkeypatch) -> None:
    import myst_nb

    glued: dict[str, object] = {}

    def record(key: str, value: object, display: bool = True) -> None:
        assert display is False
        glued[key] = value

    monkeypatch.setattr(myst_nb, "glue", record)
    data_ = splits("mnist-subset")
    lab.glue_notice("m03_notice", data_)
    assert list(glued) == ["m03_notice", "m03_notice__fr"]
    assert glued["m03_notice"].data == lab.notice(data_)  # IPython Markdown objects
    assert glued["m03_notice__fr"].data == lab.notice(data_, "fr")
    with pytest.raises(TypeError, match="key must be a non-empty string"):
        lab.glue_notice("", data_)
