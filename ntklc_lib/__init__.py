"""ntklc_lib: kernels, closed forms and compression for the NTK-LC book.

Modules: ``data`` (Gaussian mixtures, statistics, normalization), ``activations`` (activations and their
Gaussian moments), ``coefficients`` (alpha/beta recursions), ``kernels`` (closed-form, limit and
empirical CK/NTK), ``spectra`` (eigenvalues, errors), ``checks`` (argument validation).
"""
from . import activations, checks, coefficients, compress, data, datasets, kernels, results, spectra  # noqa: F401

__all__ = ["activations", "checks", "coefficients", "compress", "data", "datasets", "kernels", "results", "spectra"]
