r"""Central finite differences, to check derivatives computed by other means.

For a step :math:`\epsilon` the central difference
:math:`(f(x + \epsilon) - f(x - \epsilon)) / 2\epsilon` has an error of order
:math:`\epsilon^2` plus rounding of order :math:`u/\epsilon` (:math:`u` is the
float64 unit roundoff), so ``eps=1e-6`` gives about 1e-8 to 1e-10 of
absolute error on well-scaled functions, as ``torch.autograd.gradcheck``.
"""

# --8<-- [start:imports]
import numpy as np

from vcbook._validation import as_array, check_finite

# --8<-- [end:imports]


# --8<-- [start:numerical_grad]
def numerical_grad(f, x, eps=1e-6):
    r"""Gradient of a scalar function of an array by central differences.

    Parameters
    ----------
    f : callable
        Maps a float64 array of the shape of ``x`` to a real number.
    x : array-like
        Point where the gradient is evaluated.
    eps : float, default 1e-6
        Step, in the units of ``x``.

    Returns
    -------
    ndarray of the shape of ``x``
        Entry k is :math:`(f(x + \epsilon e_k) - f(x - \epsilon e_k)) / 2\epsilon`.

    Raises
    ------
    TypeError
        If ``f`` is not callable or ``x`` does not contain numbers.
    ValueError
        If ``eps`` is not positive, ``x`` is not finite or ``f`` does not
        return a single number.

    Examples
    --------
    >>> import numpy as np
    >>> g = numerical_grad(lambda v: (v**2).sum(), np.array([1.0, -2.0]))
    >>> np.round(g, 6)
    array([ 2., -4.])
    """
    x, eps = _check_inputs(f, x, eps)
    grad = np.empty_like(x)
    for index in np.ndindex(x.shape):
        grad[index] = _central_difference(f, x, index, eps, _scalar_output)
    return grad


# --8<-- [end:numerical_grad]


# --8<-- [start:numerical_jacobian]
def numerical_jacobian(f, x, eps=1e-6):
    r"""Jacobian of an array function of an array by central differences, Eq. (2.32).

    Parameters
    ----------
    f : callable
        Maps a float64 array of the shape of ``x`` to an array-like.
    x : array-like
        Point where the Jacobian is evaluated.
    eps : float, default 1e-6
        Step, in the units of ``x``.

    Returns
    -------
    ndarray of shape ``f(x).shape + x.shape``
        Entry ``[i..., j...]`` is :math:`\partial f_i / \partial x_j`: for a
        vector function of a vector, row i is the gradient of output i, as in
        Eq. (2.32), and ``torch.autograd.functional.jacobian``.

    Raises
    ------
    TypeError
        If ``f`` is not callable or ``x`` does not contain numbers.
    ValueError
        If ``eps`` is not positive or ``x`` is not finite.

    Examples
    --------
    >>> import numpy as np
    >>> W = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    >>> np.round(numerical_jacobian(lambda x: x @ W.T, np.ones(3)), 6)
    array([[1., 2., 3.],
           [4., 5., 6.]])
    """
    x, eps = _check_inputs(f, x, eps)
    out_shape = _array_output(f(x.copy())).shape
    jacobian = np.empty(out_shape + x.shape)
    for index in np.ndindex(x.shape):
        column = _central_difference(f, x, index, eps, _array_output)
        jacobian[(Ellipsis,) + index] = column
    return jacobian


# --8<-- [end:numerical_jacobian]


# --8<-- [start:helpers]
def _central_difference(f, x, index, eps, convert):
    forward, backward = x.copy(), x.copy()
    forward[index] += eps
    backward[index] -= eps
    return (convert(f(forward)) - convert(f(backward))) / (2 * eps)


def _scalar_output(value):
    array = np.asarray(value, dtype=np.float64)
    if array.size != 1:
        raise ValueError(
            f"f must return a single number, got an output of shape {array.shape}; "
            "use numerical_jacobian for functions with several outputs"
        )
    return float(array.reshape(()))


def _array_output(value):
    return np.asarray(value, dtype=np.float64)


def _check_inputs(f, x, eps):
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__qualname__} {f!r}")
    x = as_array(x, "x")
    check_finite(x, "x")
    if isinstance(eps, bool) or not isinstance(eps, (int, float)) or not eps > 0:
        raise ValueError(
            f"eps must be a positive number, got {eps!r}; the usual step is 1e-6"
        )
    return x, float(eps)


# --8<-- [end:helpers]
