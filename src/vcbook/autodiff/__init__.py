"""Automatic differentiation in reverse mode (backpropagation), Section II.B.

``Scalar`` differentiates expressions of real numbers and reads in one screen;
``Tensor`` does the same on NumPy arrays, fast enough to train a small MLP.
"""

from vcbook.autodiff.scalar import Scalar, topological_order
from vcbook.autodiff.tensor import Tensor, cross_entropy

__all__ = ["Scalar", "Tensor", "cross_entropy", "topological_order"]
