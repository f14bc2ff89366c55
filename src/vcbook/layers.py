r"""Layers of a neural network in NumPy with their Jacobians, Section II.C.

:class:`Linear` computes :math:`\mathbf{x}W^T + \mathbf{b}` (Eq. (2.24) plus
the bias of footnote 16) with ``W`` of shape (out, in), as
``torch.nn.Linear``. Each layer gives its Jacobian with respect to the input
(Eq. (2.35) for a linear layer) and a ``backward`` that multiplies the
gradient of a loss by that Jacobian from the left, as Eq. (2.40).
"""

# --8<-- [start:imports]
import numbers

import numpy as np

from vcbook._validation import as_array, check_positive_int

# --8<-- [end:imports]


# --8<-- [start:linear]
class Linear:
    r"""Linear layer :math:`\mathbf{f}(\mathbf{x}, W) = \mathbf{x}W^T + \mathbf{b}`.

    Parameters
    ----------
    in_features : int
        Number m of inputs.
    out_features : int
        Number n of outputs (the n functions of Eq. (2.21)).
    bias : bool, default True
        Whether to add the bias vector b (footnote 16).
    seed : int, optional
        Seed of a new ``np.random.default_rng`` for the initial values.
    generator : numpy.random.Generator, optional
        Generator to draw the initial values from (instead of ``seed``).

    Attributes
    ----------
    W : ndarray of shape (out_features, in_features)
        Weights; ``W[i, j]`` is :math:`w_{ij}`, parameter j of function i.
    b : ndarray of shape (out_features,) or None
    dL_dW, dL_db : ndarray or None
        Gradients stored by the last ``backward`` call (they do not accumulate).

    Shape
    -----
    Input (N, in_features) or (in_features,); output (N, out_features) or
    (out_features,).

    Notes
    -----
    W and b start uniform in :math:`\pm 1/\sqrt{m}`, the bounds that
    ``torch.nn.Linear`` uses (its Kaiming-uniform with a = sqrt(5)).
    """

    def __init__(
        self, in_features, out_features, bias=True, *, seed=None, generator=None
    ):
        self.in_features = check_positive_int(in_features, "in_features")
        self.out_features = check_positive_int(out_features, "out_features")
        rng = _make_generator(seed, generator)
        bound = 1.0 / np.sqrt(self.in_features)
        self.W = rng.uniform(-bound, bound, size=(self.out_features, self.in_features))
        self.b = rng.uniform(-bound, bound, size=self.out_features) if bias else None
        self.x = self.dL_dW = self.dL_db = None

    def __repr__(self):
        return (
            f"Linear(in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.b is not None})"
        )

    def forward(self, x):
        r"""Compute :math:`\mathbf{x}W^T + \mathbf{b}`, storing ``x`` for backward()."""
        self.x = self._check_input(x)
        out = self.x @ self.W.T  # (N, out)
        return out + self.b if self.b is not None else out

    __call__ = forward

    def jacobian(self, x=None):
        r"""Return :math:`d\mathbf{f}/d\mathbf{x} = W`, Eq. (2.35), of shape (out, in).

        The Jacobian of a linear layer does not depend on ``x``; a batch
        ``x`` of shape (N, in) gives the stack of shape (N, out, in).
        """
        if x is None:
            return self.W.copy()
        x = self._check_input(x)
        return np.broadcast_to(self.W, x.shape[:-1] + self.W.shape).copy()

    def weight_derivative(self, i, j, x):
        r"""Return :math:`d\mathbf{f}/dw_{ij} = \boldsymbol{\delta}_i x_j`, Eq. (2.36).

        The output has the shape of ``f(x)``: zero except entry i of each
        row, which is :math:`x_j` (footnote 20).
        """
        x = self._check_input(x)
        i = _check_index(i, self.out_features, "i", "out_features")
        j = _check_index(j, self.in_features, "j", "in_features")
        derivative = np.zeros(x.shape[:-1] + (self.out_features,))
        derivative[..., i] = x[..., j]
        return derivative

    def backward(self, dL_dout):
        r"""Return dL/dx and store dL/dW and dL/db, given dL/d(output).

        With :math:`\mathbf{g} = \partial L/\partial \mathbf{f}` as rows,
        dL/dx = g W (the row vector times the Jacobian of Eq. (2.35)),
        dL/dW = gᵀ x (Eq. (2.36) summed over the batch: entry ij is
        :math:`\sum_k g_{ki} x_{kj}`) and dL/db = the sum of g over the batch.
        """
        _check_forward_done(self.x)
        g = _check_grad(dL_dout, self.x.shape[:-1] + (self.out_features,), "dL_dout")
        rows = g.reshape(-1, self.out_features)  # (N, out), also for one sample
        self.dL_dW = rows.T @ self.x.reshape(-1, self.in_features)  # (out, in)
        self.dL_db = rows.sum(axis=0) if self.b is not None else None
        return g @ self.W  # (N, in)

    def _check_input(self, x):
        x = as_array(x, "x")
        if x.ndim not in (1, 2) or x.shape[-1] != self.in_features:
            raise ValueError(
                f"x has shape {x.shape} but W has shape {self.W.shape}, so x needs "
                f"shape (N, {self.in_features}) or ({self.in_features},); flatten "
                f"images with x.reshape(N, -1)"
            )
        return x


# --8<-- [end:linear]


# --8<-- [start:relu]
class ReLU:
    r"""Rectified linear unit :math:`\max(x, 0)`, elementwise.

    Shape
    -----
    Input (N, m) or (m,); output of the same shape.
    """

    def __init__(self):
        self.x = None

    def __repr__(self):
        return "ReLU()"

    def forward(self, x):
        """Return max(x, 0) and store ``x`` for ``backward``."""
        self.x = _check_features(x)
        return np.maximum(self.x, 0.0)

    __call__ = forward

    def jacobian(self, x):
        r"""Return the diagonal matrix diag(x > 0), of shape (m, m) or (N, m, m).

        The derivative at 0 is taken as 0, as PyTorch does.
        """
        x = _check_features(x)
        return (x > 0)[..., None] * np.eye(x.shape[-1])

    def backward(self, dL_dout):
        """Return dL/dx = dL/d(output) * (x > 0), given dL/d(output)."""
        _check_forward_done(self.x)
        g = _check_grad(dL_dout, self.x.shape, "dL_dout")
        return g * (self.x > 0)


# --8<-- [end:relu]


# --8<-- [start:helpers]
def _make_generator(seed, generator):
    if seed is not None and generator is not None:
        raise ValueError("pass seed or generator, not both")
    if generator is not None:
        if not isinstance(generator, np.random.Generator):
            raise TypeError(
                "generator must be a numpy.random.Generator, got "
                f"{type(generator).__qualname__}; create one with "
                "np.random.default_rng(seed)"
            )
        return generator
    return np.random.default_rng(seed)


def _check_index(value, size, name, size_name):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        kind = type(value).__qualname__
        raise TypeError(f"{name} must be an int, got {kind} {value!r}")
    if not 0 <= value < size:
        raise ValueError(f"{name} must be in range({size}) ({size_name}), got {value}")
    return int(value)


def _check_features(x):
    x = as_array(x, "x")
    if x.ndim not in (1, 2) or x.size == 0:
        raise ValueError(
            f"x must have shape (N, m) or (m,) and not be empty, got {x.shape}"
        )
    return x


def _check_forward_done(x):
    if x is None:
        raise ValueError(
            "backward() needs a forward() call first, to store the input x"
        )


def _check_grad(grad, shape, name):
    grad = as_array(grad, name)
    if grad.shape != shape:
        raise ValueError(
            f"{name} has shape {grad.shape} but the layer's output has shape {shape}; "
            "pass the gradient of the loss with respect to the output of forward()"
        )
    return grad


# --8<-- [end:helpers]
