"""Central finite differences against torch.autograd and known derivatives."""

import re

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from vcbook.gradcheck import numerical_grad, numerical_jacobian

FD_RTOL, FD_ATOL = 1e-3, 1e-5


@pytest.mark.parametrize("shape", [(1,), (4,), (2, 3)], ids=str)
@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_numerical_grad_matches_torch(shape, seed):
    x = np.random.default_rng(seed).normal(size=shape)

    def f(v):
        return (torch.tanh(v) * v).sum() + (v**2).mean().exp()

    t = torch.tensor(x, requires_grad=True)
    f(t).backward()
    grad = numerical_grad(lambda v: float(f(torch.from_numpy(v))), x)
    assert grad.shape == x.shape
    assert grad.dtype == np.float64
    np.testing.assert_allclose(grad, t.grad.numpy(), rtol=FD_RTOL, atol=FD_ATOL)


@pytest.mark.parametrize("n, m", [(1, 1), (2, 3), (4, 2)])
def test_numerical_jacobian_matches_torch(n, m):
    rng = np.random.default_rng(n * 10 + m)
    W, x = rng.normal(size=(n, m)), rng.normal(size=m)

    def f(v):
        return torch.sin(v @ torch.from_numpy(W).T) * v.sum()

    expected = torch.autograd.functional.jacobian(f, torch.from_numpy(x))
    jacobian = numerical_jacobian(lambda v: f(torch.from_numpy(v)).numpy(), x)
    assert jacobian.shape == (n, m)
    np.testing.assert_allclose(jacobian, expected.numpy(), rtol=FD_RTOL, atol=FD_ATOL)


def test_numerical_jacobian_of_linear_is_W():
    # Eq. (2.33): the Jacobian of x W^T is W.
    W = np.arange(6.0).reshape(2, 3)
    jacobian = numerical_jacobian(lambda x: x @ W.T, np.ones(3))
    np.testing.assert_allclose(jacobian, W, rtol=FD_RTOL, atol=FD_ATOL)


def test_numerical_jacobian_array_shapes():
    jacobian = numerical_jacobian(lambda x: x.T, np.ones((2, 3)))
    assert jacobian.shape == (3, 2, 2, 3)
    assert jacobian[2, 1, 1, 2] == pytest.approx(1.0)
    assert jacobian[2, 1, 0, 2] == pytest.approx(0.0)


def test_numerical_grad_leaves_input_unchanged():
    x = np.array([1.0, 2.0])
    numerical_grad(lambda v: float(v.sum()), x)
    assert x.tolist() == [1.0, 2.0]


def test_numerical_grad_vector_output_raises():
    message = "f must return a single number, got an output of shape (2,)"
    with pytest.raises(ValueError, match=re.escape(message)):
        numerical_grad(lambda v: v * 2, np.ones(2))


def test_numerical_grad_bad_eps_raises():
    message = "eps must be a positive number, got 0; the usual step is 1e-6"
    with pytest.raises(ValueError, match=re.escape(message)):
        numerical_grad(np.sum, np.ones(2), eps=0)


def test_numerical_grad_not_callable_raises():
    with pytest.raises(TypeError, match=re.escape("f must be callable, got int 3")):
        numerical_grad(3, np.ones(2))


def test_numerical_grad_nan_input_raises():
    with pytest.raises(ValueError, match=re.escape("x must be finite")):
        numerical_grad(np.sum, [1.0, float("nan")])
