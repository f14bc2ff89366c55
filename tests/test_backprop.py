"""Eq. (2.41): Jacobian-product gradients against backward() and torch (float64)."""

import re

import numpy as np
import pytest
import torch

from vcbook.backprop import (
    forward_activations,
    jacobian_chain_gradients,
    weight_gradient_entry,
)
from vcbook.layers import Linear, ReLU

RTOL, ATOL = 1e-7, 1e-9


def make_network(sizes, seed, relu=True, bias=True):
    rng = np.random.default_rng(seed)
    layers = []
    for k, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(Linear(n_in, n_out, bias=bias, generator=rng))
        if relu and k < len(sizes) - 2:
            layers.append(ReLU())
    return layers


def torch_gradients(layers, x, target):
    """dL/dW and dL/db of L = ((a_L - target)**2).sum() by torch.autograd."""
    params, a = [], torch.from_numpy(x)
    for layer in layers:
        if isinstance(layer, Linear):
            W = torch.tensor(layer.W, requires_grad=True)
            b = (
                torch.tensor(layer.b, requires_grad=True)
                if layer.b is not None
                else None
            )
            a = a @ W.T + (b if b is not None else 0.0)
            params.append((W, b))
        else:
            a = torch.relu(a)
    ((a - torch.from_numpy(target)) ** 2).sum().backward()
    return [(W.grad.numpy(), None if b is None else b.grad.numpy()) for W, b in params]


NETWORKS = [
    ((3, 2), True, True),
    ((4, 5, 3), True, True),
    ((6, 4, 4, 2), True, False),
    ((5, 3, 7, 1), False, True),
]


@pytest.mark.parametrize("batch", [None, 1, 6])
@pytest.mark.parametrize("sizes, relu, bias", NETWORKS, ids=str)
def test_jacobian_chain_matches_torch(sizes, relu, bias, batch):
    layers = make_network(sizes, seed=len(sizes), relu=relu, bias=bias)
    rng = np.random.default_rng(0)
    shape = (sizes[0],) if batch is None else (batch, sizes[0])
    x = rng.normal(size=shape)
    target = rng.normal(size=shape[:-1] + (sizes[-1],))
    a_L = forward_activations(layers, x)[-1]
    gradients = jacobian_chain_gradients(layers, x, 2 * (a_L - target))
    expected = torch_gradients(layers, x, target)
    assert len(gradients) == len(expected)
    for (dL_dW, dL_db), (W_grad, b_grad) in zip(gradients, expected, strict=True):
        assert dL_dW.shape == W_grad.shape
        np.testing.assert_allclose(dL_dW, W_grad, rtol=RTOL, atol=ATOL)
        if bias:
            np.testing.assert_allclose(dL_db, b_grad, rtol=RTOL, atol=ATOL)
        else:
            assert dL_db is None


@pytest.mark.parametrize("sizes, relu, bias", NETWORKS, ids=str)
def test_jacobian_chain_matches_backward(sizes, relu, bias):
    layers = make_network(sizes, seed=1, relu=relu, bias=bias)
    x = np.random.default_rng(1).normal(size=(4, sizes[0]))
    dL_daL = np.random.default_rng(2).normal(size=(4, sizes[-1]))
    gradients = jacobian_chain_gradients(layers, x, dL_daL)
    forward_activations(layers, x)
    grad = dL_daL
    for layer in reversed(layers):
        grad = layer.backward(grad)
    linear = [layer for layer in layers if isinstance(layer, Linear)]
    for (dL_dW, _), layer in zip(gradients, linear, strict=True):
        np.testing.assert_allclose(dL_dW, layer.dL_dW, rtol=RTOL, atol=ATOL)


def test_weight_entry_equals_chain():
    layers = make_network((4, 5, 3, 2), seed=3)
    x = np.random.default_rng(3).normal(size=4)
    dL_daL = np.array([0.5, -1.5])
    gradients = jacobian_chain_gradients(layers, x, dL_daL)
    for position, (dL_dW, _) in zip((0, 2, 4), gradients, strict=True):
        for i, j in np.ndindex(dL_dW.shape):
            entry = weight_gradient_entry(layers, x, dL_daL, position, i, j)
            assert entry == pytest.approx(dL_dW[i, j], rel=RTOL, abs=ATOL)


def test_forward_activations_keeps_every_layer():
    layers = make_network((3, 4, 2), seed=0)
    activations = forward_activations(layers, np.ones((5, 3)))
    assert [a.shape for a in activations] == [(5, 3), (5, 4), (5, 4), (5, 2)]


def test_jacobian_chain_empty_layers_raises():
    message = "layers must be a non-empty list of Linear and ReLU layers, got []"
    with pytest.raises(ValueError, match=re.escape(message)):
        jacobian_chain_gradients([], np.ones(3), np.ones(3))


def test_jacobian_chain_foreign_layer_raises():
    message = "layers[1] must be a Linear or a ReLU layer, got Module"
    with pytest.raises(TypeError, match=re.escape(message)):
        jacobian_chain_gradients(
            [Linear(3, 2, seed=0), torch.nn.Module()], np.ones(3), np.ones(2)
        )


def test_jacobian_chain_output_grad_shape_raises():
    message = "dL_daL has shape (3,) but the network's output has shape (2,)"
    with pytest.raises(ValueError, match=re.escape(message)):
        jacobian_chain_gradients([Linear(3, 2, seed=0)], np.ones(3), np.ones(3))


def test_weight_entry_batch_raises():
    message = "x must be one sample of shape (m,), got shape (2, 3)"
    with pytest.raises(ValueError, match=re.escape(message)):
        weight_gradient_entry(
            [Linear(3, 2, seed=0)], np.ones((2, 3)), np.ones((2, 2)), 0, 0, 0
        )


def test_weight_entry_relu_position_raises():
    layers = [Linear(3, 2, seed=0), ReLU()]
    with pytest.raises(
        ValueError, match=re.escape("layers[1] must be a Linear layer, got ReLU()")
    ):
        weight_gradient_entry(layers, np.ones(3), np.ones(2), 1, 0, 0)
