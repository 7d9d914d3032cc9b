"""ntklc_lib: kernels, closed forms and compression for the NTK-LC book.

Modules: ``data`` (Gaussian mixtures, statistics, normalization), ``activations`` (activations and their
Gaussian moments), ``coefficients`` (alpha/beta recursions), ``kernels`` (closed-form, limit and
empirical CK/NTK), ``spectra`` (eigenvalues, errors), ``compress`` (activation solving, ternary weights),
``networks`` / ``readout`` / ``baselines`` / ``memory`` (compressed random-feature nets, trained readouts,
pruning baselines, bit counts and packed files), ``datasets`` / ``preprocess`` (MNIST, CIFAR-10),
``results`` (figures for the book), ``checks`` (argument validation).  ``features`` (CIFAR-10 CNN
features, cached on disk) and ``equivalence`` (the spectral experiments) serve the chapters.
"""
from . import (activations, baselines, checks, coefficients, compress, data, datasets, equivalence,  # noqa: F401
               features, kernels, memory, networks, preprocess, readout, results, spectra)

__all__ = ["activations", "baselines", "checks", "coefficients", "compress", "data", "datasets", "equivalence", "features",
           "kernels", "memory",
           "networks", "preprocess", "readout", "results", "spectra"]
