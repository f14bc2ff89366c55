r"""Least-squares fits of chapter 3: the line of Fig. 4 and shallow ReLU networks.

The linear model is :math:`y = \phi_0 + \phi_1 x` and its loss is the sum of
squared residuals :math:`L(\phi_0, \phi_1) = \sum_i (\phi_0 + \phi_1 x_i - y_i)^2`.
"""

# --8<-- [start:imports]
import numpy as np

from vcbook._validation import as_array

# --8<-- [end:imports]


# --8<-- [start:line]
def _check_xy(x, y):
    x = as_array(x, "x")
    y = as_array(y, "y")
    if x.ndim != 1 or y.shape != x.shape:
        raise ValueError(
            "x and y must be 1D arrays of the same length, got shapes "
            f"{x.shape} and {y.shape}"
        )
    if x.size < 2:
        raise ValueError(f"x must have at least 2 points for a line fit, got {x.size}")
    return x, y


def squared_error(phi0, phi1, x, y):
    r"""Sum of squared residuals :math:`\sum_i (\phi_0 + \phi_1 x_i - y_i)^2`.

    ``phi0`` and ``phi1`` may be arrays of the same shape (e.g. a grid from
    ``np.meshgrid``); the result has that shape.
    """
    x, y = _check_xy(x, y)
    phi0 = np.asarray(phi0, dtype=np.float64)[..., None]  # (..., 1)
    phi1 = np.asarray(phi1, dtype=np.float64)[..., None]
    return ((phi0 + phi1 * x - y) ** 2).sum(axis=-1)


def fit_line(x, y):
    r"""Return the least-squares :math:`(\phi_0, \phi_1)`, where L has zero gradient."""
    x, y = _check_xy(x, y)
    phi1 = ((x - x.mean()) * (y - y.mean())).sum() / ((x - x.mean()) ** 2).sum()
    return y.mean() - phi1 * x.mean(), phi1


# --8<-- [end:line]


# --8<-- [start:shallow_fit]
def relu_features(x, knots):
    r"""Hidden activations :math:`\mathrm{ReLU}(x - k_d)` of a shallow network.

    Each hidden unit has weight 1 and bias :math:`-k_d`, so its joint is at
    :math:`x = k_d`. Returns an array of shape (N, D).
    """
    x = as_array(x, "x")
    knots = as_array(knots, "knots")
    return np.maximum(x[:, None] - knots[None, :], 0.0)


def fit_shallow_relu(x, y, knots):
    r"""Fit the output layer of a shallow ReLU network by least squares.

    The network is :math:`f(x) = \phi_0 + \sum_d \phi_d\,\mathrm{ReLU}(x - k_d)`
    with the hidden layer fixed by ``knots`` (D hidden units). Returns the
    output weights, an array of shape (D + 1,) with :math:`\phi_0` first.
    """
    x, y = _check_xy(x, y)
    design = np.column_stack([np.ones_like(x), relu_features(x, knots)])  # (N, D + 1)
    return np.linalg.lstsq(design, y, rcond=None)[0]


def shallow_relu(x, knots, phi):
    """Evaluate the network fitted by :func:`fit_shallow_relu` at ``x``."""
    return phi[0] + relu_features(x, knots) @ phi[1:]


# --8<-- [end:shallow_fit]
