"""Backpropagation for a one-hidden-layer MLP, written as the book derives it.

Modules
-------
functions  elementwise activations, softmax and friends, with their derivatives
network    the ReLU/softmax MLP (matrix and per-example loop versions)
gradcheck  finite-difference gradient checks
symbolic   SymPy derivations that the book displays and the tests assert
data       datasets: IDX reader, Fashion-MNIST, MNIST, two circles, preprocessing
"""

__version__ = "0.1.0"
