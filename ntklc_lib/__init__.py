"""ntklc_lib: kernels, closed forms and compression for the NTK-LC book.

Modules: ``data`` (Gaussian mixtures, statistics, normalization), ``activations`` (activations and their
Gaussian moments), ``coefficients`` (alpha/beta recursions), ``kernels`` (closed-form, limit and
empirical CK/NTK), ``spectra`` (eigenvalues, errors), ``compress`` (activation solving, ternary weights),
``networks`` / ``readout`` / ``baselines`` / ``memory`` (compressed random-feature nets, trained readouts,
pruning baselines, bit counts and packed files), ``datasets`` / ``preprocess`` (MNIST, CIFAR-10),
``results`` (figures for the book), ``text`` (wording of glued numbers), ``checks`` (argument
validation).  ``features`` (CIFAR-10 CNN features, cached on disk), ``equivalence`` (the spectral
experiments) and ``comparison`` (the accuracy comparison of the compression chapters) serve the chapters.
"""
from . import (activations, baselines, checks, coefficients, comparison, compress, data, datasets,  # noqa: F401
               equivalence, features, kernels, memory, networks, preprocess, readout, results, spectra, text)

__all__ = ["activations", "baselines", "checks", "coefficients", "comparison", "compress", "data", "datasets",
           "equivalence", "features", "kernels", "memory", "networks", "preprocess", "readout", "results", "spectra",
           "text"]
