r"""Gradients of a loss for a chain of layers from products of Jacobians, Eq. (2.41).

A network :math:`\mathbf{a}_l = \mathbf{f}^l(\mathbf{a}_{l-1}, W_l)`, with
:math:`\mathbf{a}_0 = \mathbf{x}`, is a list of :class:`vcbook.layers.Linear`
and :class:`vcbook.layers.ReLU` layers. Eq. (2.40) gives the derivative of
the loss with respect to :math:`w^l_{ij}` as the row vector
:math:`\nabla_{\mathbf{a}_L}\mathcal{L}` times the Jacobians
:math:`J_L J_{L-1} \cdots J_{l+1}`, whose entry i is then multiplied by
:math:`a^{l-1}_j`. Multiplying from the left keeps every intermediate
result a row vector, so no matrix-matrix product is needed.
"""

# --8<-- [start:imports]
import numpy as np

from vcbook._validation import as_array
from vcbook.layers import Linear, ReLU

# --8<-- [end:imports]


# --8<-- [start:forward_activations]
def forward_activations(layers, x):
    r"""Return the activations :math:`\mathbf{a}_0 = \mathbf{x}, \ldots, \mathbf{a}_L`.

    Training keeps all of them, because the gradient of layer l needs its
    input :math:`\mathbf{a}_{l-1}` (Eq. (2.41)).
    """
    _check_layers(layers)
    activations = [as_array(x, "x")]
    for layer in layers:
        activations.append(layer.forward(activations[-1]))
    return activations


# --8<-- [end:forward_activations]


# --8<-- [start:jacobian_chain]
def jacobian_chain_gradients(layers, x, dL_daL):
    r"""Return (dL/dW, dL/db) of every Linear layer, by Eq. (2.41).

    Parameters
    ----------
    layers : sequence of Linear and ReLU
    x : ndarray of shape (m,) or (N, m)
        Input of the network; for a batch, the loss is a sum over samples and
        the gradients are summed.
    dL_daL : ndarray of the shape of the network's output
        :math:`\nabla_{\mathbf{a}_L}\mathcal{L}`, the gradient of the loss
        with respect to the output.

    Returns
    -------
    list of tuple (ndarray of shape (out, in), ndarray of shape (out,) or None)
        One pair per Linear layer, in the order of ``layers``.

    Raises
    ------
    TypeError
        If a layer is not a Linear or a ReLU.
    ValueError
        If ``layers`` is empty or a shape does not match.
    """
    activations = forward_activations(layers, x)
    # v is the row vector of Eq. (2.40), the gradient times J_L ... J_{l+1}.
    v = _check_output_grad(dL_daL, activations[-1].shape)
    gradients = []
    for layer, a_prev in zip(reversed(layers), reversed(activations[:-1]), strict=True):
        if isinstance(layer, Linear):
            # Entry ij of Eq. (2.41): (v delta_i^T) a_j^{l-1} = v_i a_j^{l-1}.
            rows = v.reshape(-1, layer.out_features)  # (N, out), also for one sample
            inputs = a_prev.reshape(-1, layer.in_features)  # (N, in)
            dL_db = rows.sum(axis=0) if layer.b is not None else None
            gradients.append((rows.T @ inputs, dL_db))
        J = layer.jacobian(a_prev)  # (out, in), or (N, out, in) for a batch
        # One more Jacobian in the product, on the right of v.
        v = v @ J if v.ndim == 1 else np.einsum("ki,kij->kj", v, J)
    return gradients[::-1]


# --8<-- [end:jacobian_chain]


# --8<-- [start:weight_entry]
def weight_gradient_entry(layers, x, dL_daL, layer, i, j):
    r"""Return :math:`\partial\mathcal{L}/\partial w^l_{ij}` for one sample, Eq. (2.41).

    ``layer`` is the index in ``layers`` of the Linear layer whose weight
    :math:`w_{ij}` is differentiated, and ``i``, ``j`` are 0-based. The
    Jacobians of the layers after it, :math:`J_L \cdots J_{l+1}`, are
    multiplied as matrices, then the row vector is multiplied by
    :math:`\boldsymbol{\delta}_i^T` and by :math:`a^{l-1}_j`.

    Raises
    ------
    ValueError
        If ``x`` is a batch or ``layers[layer]`` is not a Linear layer.
    """
    activations = forward_activations(layers, x)
    if activations[0].ndim != 1:
        raise ValueError(
            f"x must be one sample of shape (m,), got shape {activations[0].shape}"
        )
    if not isinstance(layers[layer], Linear):
        raise ValueError(
            f"layers[{layer}] must be a Linear layer, got {layers[layer]!r}"
        )
    product = np.eye(activations[-1].size)
    for k in range(len(layers) - 1, layer, -1):  # J_L J_{L-1} ... J_{l+1}
        product = product @ layers[k].jacobian(activations[k])
    row = _check_output_grad(dL_daL, activations[-1].shape) @ product
    delta_i = np.zeros(layers[layer].out_features)
    delta_i[i] = 1.0
    return float(row @ delta_i * activations[layer][j])


# --8<-- [end:weight_entry]


# --8<-- [start:helpers]
def _check_layers(layers):
    is_sequence = hasattr(layers, "__len__") and not isinstance(layers, (Linear, ReLU))
    if not is_sequence or not len(layers):
        raise ValueError(
            f"layers must be a non-empty list of Linear and ReLU layers, got {layers!r}"
        )
    for index, layer in enumerate(layers):
        if not isinstance(layer, (Linear, ReLU)):
            raise TypeError(
                f"layers[{index}] must be a Linear or a ReLU layer, "
                f"got {type(layer).__qualname__}"
            )


def _check_output_grad(dL_daL, shape):
    grad = as_array(dL_daL, "dL_daL")
    if grad.shape != shape:
        raise ValueError(
            f"dL_daL has shape {grad.shape} but the network's output has shape "
            f"{shape}; "
            "pass the gradient of the loss with respect to the last activation"
        )
    return grad


# --8<-- [end:helpers]
