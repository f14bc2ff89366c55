"""Linear and ReLU layers: forward, Jacobians and backward against torch (float64)."""

import re

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from vcbook.gradcheck import numerical_jacobian
from vcbook.layers import Linear, ReLU

RTOL, ATOL = 1e-7, 1e-9
FD_RTOL, FD_ATOL = 1e-3, 1e-5
SHAPES = [(1, 1, 1), (1, 4, 3), (5, 3, 4), (8, 6, 6), (2, 7, 2)]  # (N, in, out)


def torch_linear(layer):
    module = torch.nn.Linear(
        layer.in_features, layer.out_features, bias=layer.b is not None
    )
    module = module.double()
    with torch.no_grad():
        module.weight.copy_(torch.from_numpy(layer.W))
        if layer.b is not None:
            module.bias.copy_(torch.from_numpy(layer.b))
    return module


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("batch, n_in, n_out", SHAPES)
@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_linear_backward_matches_torch(batch, n_in, n_out, bias, seed):
    rng = np.random.default_rng(seed)
    layer = Linear(n_in, n_out, bias=bias, generator=rng)
    x = rng.normal(size=(batch, n_in))
    out = layer.forward(x)
    dL_dx = layer.backward(2 * out)  # the gradient of (out**2).sum()

    module = torch_linear(layer)
    tx = torch.tensor(x, requires_grad=True)
    t_out = module(tx)
    (t_out**2).sum().backward()
    assert out.shape == (batch, n_out)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, t_out.detach().numpy(), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(dL_dx, tx.grad.numpy(), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(
        layer.dL_dW, module.weight.grad.numpy(), rtol=RTOL, atol=ATOL
    )
    if bias:
        np.testing.assert_allclose(
            layer.dL_db, module.bias.grad.numpy(), rtol=RTOL, atol=ATOL
        )
    else:
        assert layer.dL_db is None


@pytest.mark.parametrize("batch, n_in, n_out", SHAPES)
def test_linear_jacobian_matches_torch(batch, n_in, n_out):
    layer = Linear(n_in, n_out, seed=batch)
    x = np.random.default_rng(0).normal(size=n_in)
    module = torch_linear(layer)
    expected = torch.autograd.functional.jacobian(module, torch.from_numpy(x)).numpy()
    assert layer.jacobian().shape == (n_out, n_in)
    np.testing.assert_allclose(layer.jacobian(), expected, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(layer.jacobian(x), expected, rtol=RTOL, atol=ATOL)


def test_linear_jacobian_matches_differences():
    layer = Linear(4, 3, seed=1)
    x = np.random.default_rng(1).normal(size=4)
    expected = numerical_jacobian(layer.forward, x)
    np.testing.assert_allclose(layer.jacobian(x), expected, rtol=FD_RTOL, atol=FD_ATOL)


def test_linear_batch_jacobian_stacks_W():
    layer = Linear(4, 3, seed=1)
    jacobian = layer.jacobian(np.ones((5, 4)))
    assert jacobian.shape == (5, 3, 4)
    np.testing.assert_array_equal(jacobian[2], layer.W)


@pytest.mark.parametrize("i, j", [(0, 0), (2, 1), (1, 3)])
def test_linear_weight_derivative_matches_torch(i, j):
    # Eq. (2.36): d f / d w_ij = delta_i x_j.
    layer = Linear(4, 3, seed=2)
    x = np.random.default_rng(2).normal(size=4)
    W = torch.tensor(layer.W, requires_grad=True)
    b = torch.from_numpy(layer.b)
    expected = torch.autograd.functional.jacobian(
        lambda w: torch.from_numpy(x) @ w.T + b, W
    )
    derivative = layer.weight_derivative(i, j, x)
    assert derivative.shape == (3,)
    np.testing.assert_allclose(
        derivative, expected[:, i, j].numpy(), rtol=RTOL, atol=ATOL
    )


def test_linear_weight_derivative_batch():
    layer = Linear(3, 2, seed=0)
    x = np.arange(6.0).reshape(2, 3)
    derivative = layer.weight_derivative(1, 2, x)
    assert derivative.tolist() == [[0.0, 2.0], [0.0, 5.0]]


def test_linear_single_sample_backward():
    layer = Linear(3, 2, seed=0)
    x = np.array([1.0, -2.0, 0.5])
    layer.forward(x)
    dL_dx = layer.backward(np.array([1.0, 2.0]))
    assert dL_dx.shape == (3,)
    np.testing.assert_allclose(layer.dL_dW, np.outer([1.0, 2.0], x), rtol=RTOL)


def test_linear_init_bounds_like_torch():
    layer = Linear(400, 50, seed=0)
    bound = 1 / np.sqrt(400)
    assert layer.W.shape == (50, 400)
    assert np.abs(layer.W).max() <= bound
    assert np.abs(layer.W).max() > 0.99 * bound
    assert np.abs(layer.b).max() <= bound


def test_linear_seed_is_deterministic():
    assert np.array_equal(Linear(3, 2, seed=7).W, Linear(3, 2, seed=7).W)
    assert not np.array_equal(Linear(3, 2, seed=7).W, Linear(3, 2, seed=8).W)


@pytest.mark.parametrize("shape", [(1, 1), (4, 5), (5,)], ids=str)
def test_relu_backward_matches_torch(shape):
    x = np.random.default_rng(3).normal(size=shape)
    layer = ReLU()
    out = layer.forward(x)
    dL_dx = layer.backward(2 * out)
    tx = torch.tensor(x, requires_grad=True)
    (torch.relu(tx) ** 2).sum().backward()
    np.testing.assert_allclose(
        out, torch.relu(tx).detach().numpy(), rtol=RTOL, atol=ATOL
    )
    np.testing.assert_allclose(dL_dx, tx.grad.numpy(), rtol=RTOL, atol=ATOL)


def test_relu_jacobian_matches_torch():
    x = np.array([1.5, -0.5, 2.0, -3.0])
    expected = torch.autograd.functional.jacobian(
        torch.relu, torch.from_numpy(x)
    ).numpy()
    np.testing.assert_array_equal(ReLU().jacobian(x), expected)
    assert ReLU().jacobian(np.stack([x, -x])).shape == (2, 4, 4)


def test_linear_input_mismatch_names_shapes():
    layer = Linear(784, 128, seed=0)
    message = "x has shape (2, 10) but W has shape (128, 784), so x needs shape (N, 784) or (784,)"
    with pytest.raises(ValueError, match=re.escape(message)):
        layer.forward(np.ones((2, 10)))


def test_linear_backward_shape_raises():
    layer = Linear(3, 2, seed=0)
    layer.forward(np.ones((4, 3)))
    message = "dL_dout has shape (4, 3) but the layer's output has shape (4, 2)"
    with pytest.raises(ValueError, match=re.escape(message)):
        layer.backward(np.ones((4, 3)))


def test_linear_backward_before_forward_raises():
    message = "backward() needs a forward() call first"
    with pytest.raises(ValueError, match=re.escape(message)):
        Linear(3, 2, seed=0).backward(np.ones(2))


def test_linear_seed_and_generator_raises():
    with pytest.raises(ValueError, match=re.escape("pass seed or generator, not both")):
        Linear(3, 2, seed=0, generator=np.random.default_rng(0))


def test_linear_bad_generator_raises():
    message = "generator must be a numpy.random.Generator, got int"
    with pytest.raises(TypeError, match=re.escape(message)):
        Linear(3, 2, generator=0)


def test_linear_zero_features_raises():
    with pytest.raises(
        ValueError, match=re.escape("in_features must be at least 1, got 0")
    ):
        Linear(0, 2)


def test_linear_weight_index_raises():
    message = "i must be in range(2) (out_features), got 2"
    with pytest.raises(ValueError, match=re.escape(message)):
        Linear(3, 2, seed=0).weight_derivative(2, 0, np.ones(3))


def test_relu_empty_input_raises():
    message = "x must have shape (N, m) or (m,) and not be empty, got (0,)"
    with pytest.raises(ValueError, match=re.escape(message)):
        ReLU().forward(np.ones(0))
