"""Tests of vcbook.landscape: filter normalization and loss surfaces."""

import re

import pytest
import torch
from torch import nn

from vcbook import landscape

RTOL, ATOL = 1e-7, 1e-9


@pytest.mark.parametrize("shape", [(4, 3, 3, 3), (5, 2, 1, 3), (6, 7), (1, 9)])
def test_filter_normalize_matches_filter_norms(shape):
    generator = torch.Generator().manual_seed(0)
    weight = torch.randn(shape, generator=generator, dtype=torch.float64)
    direction = torch.randn(shape, generator=generator, dtype=torch.float64)
    out = landscape.filter_normalize(direction, weight)
    assert out.shape == weight.shape
    assert out.dtype == torch.float64
    for d_i, w_i, original in zip(out, weight, direction, strict=True):
        torch.testing.assert_close(d_i.norm(), w_i.norm(), rtol=RTOL, atol=ATOL)
        # Each filter keeps its direction: it is a positive multiple of the original.
        torch.testing.assert_close(
            d_i / d_i.norm(), original / original.norm(), rtol=RTOL, atol=ATOL
        )


@pytest.mark.parametrize("shape", [(7,), ()])
def test_filter_normalize_zeroes_biases(shape):
    out = landscape.filter_normalize(torch.ones(shape), torch.ones(shape))
    assert out.shape == torch.Size(shape)
    assert bool((out == 0).all())


def test_filter_normalize_zero_filter_stays_zero():
    weight = torch.ones(2, 3)
    direction = torch.tensor([[0.0, 0.0, 0.0], [1.0, 2.0, 2.0]])
    out = landscape.filter_normalize(direction, weight)
    assert bool((out[0] == 0).all())
    torch.testing.assert_close(out[1], direction[1] * 3**0.5 / 3)


def test_filter_normalize_shape_mismatch_raises():
    message = "direction has shape (3, 2) but weight has shape (2, 3)"
    with pytest.raises(ValueError, match=re.escape(message)):
        landscape.filter_normalize(torch.zeros(3, 2), torch.zeros(2, 3))


def test_loss_surface_center_is_model_loss():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 3, 3), nn.ReLU(), nn.Flatten(), nn.Linear(12, 2))
    inputs, targets = torch.randn(5, 1, 4, 4), torch.tensor([0, 1, 1, 0, 1])
    loss_fn = nn.functional.cross_entropy
    alphas = torch.linspace(-1, 1, 5)
    betas = torch.linspace(-1, 1, 3)
    surface = landscape.loss_surface(model, loss_fn, inputs, targets, alphas, betas)
    assert surface.shape == (3, 5)
    expected = loss_fn(model(inputs), targets).detach()
    # alphas[2] and betas[1] are 0, the trained parameters themselves.
    torch.testing.assert_close(surface[1, 2], expected, rtol=1e-6, atol=1e-7)


def test_loss_surface_matches_shifted_model():
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    inputs, targets = torch.randn(6, 3), torch.tensor([0, 1, 0, 1, 1, 0])
    loss_fn = nn.functional.cross_entropy
    alpha, beta = 0.3, -0.7
    surface = landscape.loss_surface(
        model, loss_fn, inputs, targets, [alpha], [beta], seed=4
    )
    generator = torch.Generator().manual_seed(4)
    delta = landscape.random_direction(model, generator)
    eta = landscape.random_direction(model, generator)
    shifted = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    with torch.no_grad():
        for (name, p), q in zip(
            model.named_parameters(), shifted.parameters(), strict=True
        ):
            q.copy_(p + alpha * delta[name] + beta * eta[name])
    expected = loss_fn(shifted(inputs), targets)
    torch.testing.assert_close(surface[0, 0], expected.detach(), rtol=1e-6, atol=1e-7)


def test_loss_surface_leaves_model_unchanged():
    torch.manual_seed(2)
    model = nn.Linear(3, 2)
    before = [p.detach().clone() for p in model.parameters()]
    model.train()
    landscape.loss_surface(
        model,
        nn.functional.cross_entropy,
        torch.randn(4, 3),
        torch.tensor([0, 1, 1, 0]),
        [1.0, 2.0],
        [1.0],
    )
    assert model.training
    for p, q in zip(model.parameters(), before, strict=True):
        assert torch.equal(p.detach(), q)


def test_random_direction_biases_are_zero():
    model = nn.Linear(3, 2)
    direction = landscape.random_direction(model, torch.Generator().manual_seed(0))
    assert bool((direction["bias"] == 0).all())
    torch.testing.assert_close(
        direction["weight"].norm(dim=1), model.weight.detach().norm(dim=1)
    )


def test_deep_mlp_plain_is_chain():
    torch.manual_seed(0)
    model = landscape.DeepMLP(
        in_features=5, width=4, blocks=3, num_classes=2, residual=False
    )
    x = torch.randn(6, 5)
    h = model.stem(x)
    for block in model.blocks:
        h = block(h)
    torch.testing.assert_close(model(x), model.head(torch.relu(h)))


def test_deep_mlp_residual_adds_input():
    torch.manual_seed(0)
    model = landscape.DeepMLP(
        in_features=5, width=4, blocks=3, num_classes=2, residual=True
    )
    x = torch.randn(6, 5)
    h = model.stem(x)
    for block in model.blocks:
        h = h + block(h)
    torch.testing.assert_close(model(x), model.head(torch.relu(h)))


def test_deep_mlp_residual_branch_scaled():
    torch.manual_seed(0)
    plain = landscape.DeepMLP(blocks=4, residual=False)
    torch.manual_seed(0)
    residual = landscape.DeepMLP(blocks=4, residual=True)
    torch.testing.assert_close(
        residual.blocks[0][-1].weight, plain.blocks[0][-1].weight / 2
    )
    torch.testing.assert_close(residual.blocks[0][1].weight, plain.blocks[0][1].weight)


def test_filter_normalize_array_raises_type_error():
    message = "direction and weight must be torch tensors, got list and Tensor"
    with pytest.raises(TypeError, match=re.escape(message)):
        landscape.filter_normalize([1.0, 2.0], torch.zeros(2))
