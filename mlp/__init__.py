"""Backpropagation for a one-hidden-layer MLP, written as the book derives it.

Modules
-------
functions       elementwise activations, softmax and friends, with their derivatives (Part A)
network         the ReLU/softmax MLP: matrix and per-example loop versions, elastic net (Part B)
gradcheck       finite-difference gradient checks, kink-aware
symbolic        SymPy derivations that the book displays and the tests assert
data            datasets: IDX reader, Fashion-MNIST, MNIST, two circles, preprocessing
train           minibatch SGD with the six numbers per epoch; the ``train``/``gradcheck`` commands
plots           decision regions, learning curves, image grids
model_io        saving and loading trained networks (.npz, validated)
bench           epoch timings: loop, matrix, matrix products alone, PyTorch when installed
layers          a small layer stack (Dense, losses, SGD/Adam) for the MNIST lab
pca             principal component analysis by SVD
linear_softmax  the MNIST lab's linear softmax classifier
lab             data and helpers shared by the MNIST-lab chapters
cli             ``python -m mlp``
checks          argument checks shared by the modules (positive integers, finite numbers)
"""

__version__ = "0.1.0"
