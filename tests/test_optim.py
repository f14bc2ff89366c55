import itertools
import re

import pytest
import torch

from vcbook.optim import SGD, l2_penalty

RTOL, ATOL = 1e-12, 1e-14
STEPS = 6

COMBOS = [
    (momentum, dampening, weight_decay, nesterov)
    for momentum, dampening, weight_decay, nesterov in itertools.product(
        (0.0, 0.9), (0.0, 0.3), (0.0, 0.05), (False, True)
    )
    if not (nesterov and (momentum == 0 or dampening != 0))
]
INVALID_NESTEROV = [(0.0, 0.0), (0.0, 0.3), (0.9, 0.3)]


def _loss(W, b, x, y):
    return ((x @ W.T + b - y) ** 2).mean() + (W**4).sum() * 0.01


def _trajectory(optimizer_class, **options):
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(8, 3, generator=generator, dtype=torch.float64)
    y = torch.randn(8, 2, generator=generator, dtype=torch.float64)
    W = torch.randn(2, 3, generator=generator, dtype=torch.float64, requires_grad=True)
    b = torch.randn(2, generator=generator, dtype=torch.float64, requires_grad=True)
    optimizer = optimizer_class([W, b], lr=0.05, **options)
    path = []
    for _ in range(STEPS):
        optimizer.zero_grad()
        _loss(W, b, x, y).backward()
        optimizer.step()
        path.append(torch.cat([W.detach().flatten(), b.detach()]).clone())
    return torch.stack(path)


@pytest.mark.parametrize("momentum, dampening, weight_decay, nesterov", COMBOS)
def test_sgd_matches_torch_trajectory(momentum, dampening, weight_decay, nesterov):
    options = dict(
        momentum=momentum,
        dampening=dampening,
        weight_decay=weight_decay,
        nesterov=nesterov,
    )
    ours = _trajectory(SGD, **options)
    reference = _trajectory(torch.optim.SGD, **options)
    assert ours.shape == reference.shape
    assert ours.dtype == reference.dtype
    torch.testing.assert_close(ours, reference, rtol=RTOL, atol=ATOL)


def test_sgd_combos_cover_all_valid():
    assert len(COMBOS) == 16 - 6


@pytest.mark.parametrize("momentum, dampening", INVALID_NESTEROV)
def test_sgd_rejects_invalid_nesterov(momentum, dampening):
    with pytest.raises(ValueError):
        torch.optim.SGD(
            [torch.zeros(1, requires_grad=True)],
            lr=0.1,
            momentum=momentum,
            dampening=dampening,
            nesterov=True,
        )
    message = (
        "nesterov=True needs momentum > 0 and dampening = 0, got "
        f"momentum={momentum} and dampening={dampening}"
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        SGD(
            [torch.zeros(1, requires_grad=True)],
            lr=0.1,
            momentum=momentum,
            dampening=dampening,
            nesterov=True,
        )


@pytest.mark.parametrize("name", ["lr", "momentum", "dampening", "weight_decay"])
def test_sgd_rejects_negative_option(name):
    options = {"lr": 0.1, name: -0.5}
    with pytest.raises(ValueError, match=re.escape(f"{name} must be >= 0, got -0.5")):
        SGD([torch.zeros(1, requires_grad=True)], **options)


def test_sgd_rejects_non_number_lr():
    with pytest.raises(
        TypeError, match=re.escape("lr must be a real number, got str '0.1'")
    ):
        SGD([torch.zeros(1, requires_grad=True)], lr="0.1")


def test_sgd_works_with_lr_scheduler():
    w = torch.ones(1, requires_grad=True)
    optimizer = SGD([w], lr=1.0)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    rates = []
    for _ in range(3):
        w.grad = torch.ones(1)
        optimizer.step()
        rates.append(optimizer.param_groups[0]["lr"])
        scheduler.step()
    assert rates == [1.0, 0.5, 0.25]
    assert float(w.detach()) == pytest.approx(1 - 1.0 - 0.5 - 0.25)


def test_sgd_skips_params_without_grad():
    w = torch.ones(2, requires_grad=True)
    SGD([w], lr=0.1, momentum=0.9).step()
    assert torch.equal(w.detach(), torch.ones(2))


def test_sgd_step_returns_closure_loss():
    w = torch.tensor([2.0], requires_grad=True)
    optimizer = SGD([w], lr=0.25)

    def closure():
        optimizer.zero_grad()
        loss = (w**2).sum()
        loss.backward()
        return loss

    loss = optimizer.step(closure)
    assert float(loss.detach()) == 4.0
    assert float(w.detach()) == pytest.approx(2.0 - 0.25 * 4.0)


def test_sgd_param_groups_own_lr():
    a = torch.ones(1, requires_grad=True)
    b = torch.ones(1, requires_grad=True)
    optimizer = SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)
    a.grad, b.grad = torch.ones(1), torch.ones(1)
    optimizer.step()
    assert float(a.detach()) == pytest.approx(0.9)
    assert float(b.detach()) == pytest.approx(0.5)


def test_l2_penalty_gradient_is_two_lambda_w():
    generator = torch.Generator().manual_seed(1)
    w = torch.randn(3, 4, generator=generator, dtype=torch.float64, requires_grad=True)
    lam = 0.3
    l2_penalty([w], lam).backward()
    torch.testing.assert_close(w.grad, 2 * lam * w.detach(), rtol=RTOL, atol=ATOL)


def test_weight_decay_equals_penalty_factor_two():
    """SGD(weight_decay=2*lam) on E equals SGD on E + lam * sum(w**2), Eqs. (4.1)-(4.4)."""
    lam = 0.05
    generator = torch.Generator().manual_seed(2)
    x = torch.randn(10, 3, generator=generator, dtype=torch.float64)
    y = torch.randn(10, 1, generator=generator, dtype=torch.float64)
    w0 = torch.randn(1, 3, generator=generator, dtype=torch.float64)
    paths = []
    for weight_decay, penalty in ((2 * lam, 0.0), (0.0, lam)):
        w = w0.clone().requires_grad_()
        optimizer = SGD([w], lr=0.1, weight_decay=weight_decay)
        for _ in range(5):
            optimizer.zero_grad()
            loss = ((x @ w.T - y) ** 2).mean() + l2_penalty([w], penalty)
            loss.backward()
            optimizer.step()
        paths.append(w.detach())
    torch.testing.assert_close(paths[0], paths[1], rtol=RTOL, atol=ATOL)


def test_l2_penalty_rejects_negative_lambda():
    with pytest.raises(ValueError, match=re.escape("lam must be >= 0, got -1.0")):
        l2_penalty([torch.ones(2)], -1.0)


def test_l2_penalty_rejects_empty_params():
    with pytest.raises(
        ValueError, match=re.escape("params is empty; pass the tensors")
    ):
        l2_penalty([], 0.1)
