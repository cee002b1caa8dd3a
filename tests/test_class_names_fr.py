"""The French names of the Fashion-MNIST classes: one per class, in the same order, distinct."""

from __future__ import annotations

from mlp.data.registry import FASHION_MNIST_CLASSES, FASHION_MNIST_CLASSES_FR


def test_every_class_has_one_french_name_in_the_same_order() -> None:
    assert len(FASHION_MNIST_CLASSES_FR) == len(FASHION_MNIST_CLASSES) == 10
    assert len(set(FASHION_MNIST_CLASSES_FR)) == 10 and all(FASHION_MNIST_CLASSES_FR)
    pairs = dict(zip(FASHION_MNIST_CLASSES, FASHION_MNIST_CLASSES_FR, strict=True))
    assert pairs["Shirt"] == "Chemise" and pairs["Trouser"] == "Pantalon"
    assert pairs["Ankle boot"] == "Bottine" and pairs["Coat"] == "Manteau"
