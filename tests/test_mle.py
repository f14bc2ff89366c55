import math
import re

import numpy as np
import pytest
import torch

from vcbook import mle

RTOL, ATOL = 1e-10, 1e-12


def _f64(value):
    return torch.tensor(value, dtype=torch.float64)


def test_die_likelihood_matches_product_of_factors():
    rolls = [2, 1, 1, 3, 5, 6, 1, 3]
    p1 = 0.3
    p = (1 - p1) / 5
    factors = [p1 if roll == 1 else p for roll in rolls]
    assert math.isclose(mle.die_likelihood(rolls, p1), math.prod(factors), rel_tol=RTOL)


def test_die_likelihood_fair_die_is_six_to_minus_n():
    rolls = mle.simulate_die(40, 1 / 6, seed=3)
    assert math.isclose(mle.die_likelihood(rolls, 1 / 6), 6.0**-40, rel_tol=1e-9)


def test_die_likelihood_grid_peaks_at_fraction_of_ones():
    rolls = mle.simulate_die(100, 0.3, seed=1)
    grid = np.linspace(0, 1, 1001)
    values = mle.die_likelihood(rolls, grid)
    assert values.shape == grid.shape
    assert grid[values.argmax()] == pytest.approx((rolls == 1).mean())


def test_simulate_die_is_seeded():
    first = mle.simulate_die(50, 0.4, seed=7)
    assert first.dtype == np.int64
    assert np.array_equal(first, mle.simulate_die(50, 0.4, seed=7))
    assert set(np.unique(first)) <= set(range(1, 7))


@pytest.mark.parametrize(
    "rolls, p1, error, message",
    [
        ([], 0.3, ValueError, "rolls is empty; pass at least one sample"),
        (
            [1, 7],
            0.3,
            ValueError,
            "rolls must contain die faces 1 to 6, got 7 at position 1",
        ),
        (
            [1, 2.5],
            0.3,
            ValueError,
            "rolls must contain die faces 1 to 6, got 2.5 at position 1",
        ),
        ([1, 2], 1.5, ValueError, "p1 must be in [0, 1], got values from 1.5 to 1.5"),
        (
            "1, 2",
            0.3,
            TypeError,
            "rolls must be a number or an array-like of numbers, got str",
        ),
    ],
)
def test_die_likelihood_rejects_bad_input(rolls, p1, error, message):
    with pytest.raises(error, match=re.escape(message)):
        mle.die_likelihood(rolls, p1)


def test_categorical_mle_is_counts_over_total():
    counts = np.array([3, 0, 5, 2])
    assert np.allclose(mle.categorical_mle(counts), counts / 10)


def test_categorical_mle_maximizes_likelihood():
    counts = np.array([30, 12, 13, 13, 20, 12])
    best = mle.categorical_nll(counts, mle.categorical_mle(counts))
    rng = np.random.default_rng(0)
    for _ in range(200):
        other = rng.dirichlet(np.ones(6))
        assert mle.categorical_nll(counts, other) >= best


def test_categorical_nll_zero_count_zero_probability():
    assert mle.categorical_nll([2, 0], [1.0, 0.0]) == 0.0


def test_categorical_nll_observed_zero_probability_is_inf():
    assert mle.categorical_nll([2, 1], [1.0, 0.0]) == math.inf


def test_categorical_nll_matches_torch_categorical():
    counts = np.array([4, 1, 0, 3])
    probs = np.array([0.4, 0.1, 0.2, 0.3])
    outcomes = torch.repeat_interleave(torch.arange(4), torch.as_tensor(counts))
    reference = (
        -torch.distributions.Categorical(probs=torch.tensor(probs))
        .log_prob(outcomes)
        .sum()
    )
    assert mle.categorical_nll(counts, probs) == pytest.approx(
        reference.item(), rel=RTOL
    )


@pytest.mark.parametrize(
    "counts, probs, message",
    [
        (
            [1, 2],
            [0.5, 0.6],
            "probs must sum to 1 along dimension -1, but one sum is 1.1",
        ),
        (
            [1, 2],
            [1.5, -0.5],
            "probs must contain probabilities in [0, 1], got values from -0.5 to 1.5",
        ),
        (
            [1, 2, 3],
            [0.5, 0.5],
            "counts and probs must be 1D with one entry per outcome, got shapes (3,) and (2,)",
        ),
        ([-1, 2], [0.5, 0.5], "counts must be non-negative"),
    ],
)
def test_categorical_nll_rejects_bad_input(counts, probs, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        mle.categorical_nll(counts, probs)


def test_categorical_mle_rejects_all_zero_counts():
    with pytest.raises(ValueError, match=re.escape("counts are all zero")):
        mle.categorical_mle([0, 0, 0])


def test_gaussian_pdf_matches_torch_normal():
    x = np.linspace(-4, 6, 41)
    reference = (
        torch.distributions.Normal(_f64(1.0), _f64(2.0))
        .log_prob(torch.tensor(x))
        .exp()
        .numpy()
    )
    assert np.allclose(mle.gaussian_pdf(x, 1.0, 2.0), reference, rtol=RTOL, atol=ATOL)


def test_gaussian_pdf_scalar_returns_float():
    value = mle.gaussian_pdf(0.0, 0.0, 1.0)
    assert isinstance(value, float)
    assert value == pytest.approx(1 / math.sqrt(2 * math.pi))


def test_gaussian_nll_matches_torch_log_prob():
    x = torch.randn(
        100, generator=torch.Generator().manual_seed(0), dtype=torch.float64
    )
    reference = -torch.distributions.Normal(_f64(0.3), _f64(1.7)).log_prob(x).sum()
    assert mle.gaussian_nll(x, 0.3, 1.7).item() == pytest.approx(
        reference.item(), rel=RTOL
    )


def test_gaussian_nll_finite_far_from_mean():
    # exp(-(1e4)^2 / 2) underflows to 0, but the log-density is finite.
    assert math.isfinite(mle.gaussian_nll([1e4], 0.0, 1.0))


def test_gaussian_nll_gradients_match_closed_form():
    x = (
        torch.randn(30, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
        * 2
        + 1
    )
    mu = torch.tensor(0.4, dtype=torch.float64, requires_grad=True)
    sigma = torch.tensor(1.3, dtype=torch.float64, requires_grad=True)
    mle.gaussian_nll(x, mu, sigma).backward()
    n = x.numel()
    dL_dmu = -((x - mu) / sigma**2).sum()
    dL_dsigma = n / sigma - ((x - mu) ** 2).sum() / sigma**3
    assert torch.allclose(mu.grad, dL_dmu.detach(), rtol=RTOL)
    assert torch.allclose(sigma.grad, dL_dsigma.detach(), rtol=RTOL)


def test_gaussian_nll_gradients_match_finite_differences():
    x = np.random.default_rng(2).normal(0.5, 1.2, 20)
    eps = 1e-6
    mu = torch.tensor(0.1, dtype=torch.float64, requires_grad=True)
    sigma = torch.tensor(0.9, dtype=torch.float64, requires_grad=True)
    mle.gaussian_nll(torch.tensor(x), mu, sigma).backward()
    numeric_mu = (
        mle.gaussian_nll(x, 0.1 + eps, 0.9) - mle.gaussian_nll(x, 0.1 - eps, 0.9)
    ) / (2 * eps)
    numeric_sigma = (
        mle.gaussian_nll(x, 0.1, 0.9 + eps) - mle.gaussian_nll(x, 0.1, 0.9 - eps)
    ) / (2 * eps)
    assert mu.grad.item() == pytest.approx(numeric_mu, rel=1e-3, abs=1e-5)
    assert sigma.grad.item() == pytest.approx(numeric_sigma, rel=1e-3, abs=1e-5)


@pytest.mark.parametrize(
    "x, mu, sigma, message",
    [
        ([1.0, 2.0], 0.0, 0.0, "sigma must be > 0, got 0.0"),
        ([1.0, 2.0], 0.0, -1.0, "sigma must be > 0, got -1.0"),
        ([], 0.0, 1.0, "x is empty; pass at least one sample"),
        ([1.0, float("nan")], 0.0, 1.0, "x must be finite"),
    ],
)
def test_gaussian_nll_rejects_bad_input(x, mu, sigma, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        mle.gaussian_nll(x, mu, sigma)


def test_fit_gaussian_is_mean_and_biased_std():
    x = np.random.default_rng(3).normal(-2.0, 0.5, 1000)
    mu, sigma = mle.fit_gaussian(x)
    assert mu == pytest.approx(x.mean(), rel=RTOL)
    assert sigma == pytest.approx(x.std(ddof=0), rel=RTOL)


def test_fit_gaussian_rejects_constant_samples():
    with pytest.raises(
        ValueError, match=re.escape("all 3 samples equal 2, so the MLE has sigma = 0")
    ):
        mle.fit_gaussian([2.0, 2.0, 2.0])


def test_fit_gaussian_rejects_empty_samples():
    with pytest.raises(ValueError, match=re.escape("x is empty")):
        mle.fit_gaussian([])


def test_fit_gaussian_gd_converges_to_closed_form():
    x = np.random.default_rng(0).normal(1.5, 0.8, 100)
    fit = mle.fit_gaussian_gd(x, lr=2e-3, steps=300)
    mu, sigma = mle.fit_gaussian(x)
    assert fit.mu == pytest.approx(mu, abs=1e-6)
    assert fit.sigma == pytest.approx(sigma, abs=1e-6)
    assert len(fit.history) == 300
    assert len(fit.path) == 300
    assert fit.path[0] == (0.0, 1.0)
    assert all(
        a >= b - 1e-9 for a, b in zip(fit.history, fit.history[1:], strict=False)
    )


def test_fit_gaussian_gd_first_step_follows_gradient():
    x = np.random.default_rng(4).normal(0.0, 1.0, 10)
    lr = 1e-3
    fit = mle.fit_gaussian_gd(x, lr=lr, steps=1, mu0=0.5, sigma0=2.0)
    n = x.size
    dL_dmu = -((x - 0.5) / 4.0).sum()
    dL_dsigma = n / 2.0 - ((x - 0.5) ** 2).sum() / 8.0
    assert fit.mu == pytest.approx(0.5 - lr * dL_dmu, rel=RTOL)
    assert fit.sigma == pytest.approx(2.0 - lr * dL_dsigma, rel=RTOL)


def test_fit_gaussian_gd_rejects_diverging_learning_rate():
    x = np.random.default_rng(0).normal(1.5, 0.8, 100)
    message = "gradient descent diverged at step 12 (sigma = -0.1437, loss = 131.1); lr=0.03 is too large, try lr=0.003"
    with pytest.raises(ValueError, match=re.escape(message)):
        mle.fit_gaussian_gd(x, lr=0.03, steps=20)


@pytest.mark.parametrize(
    "lr, steps, error, message",
    [
        (0.0, 10, ValueError, "lr must be > 0, got 0.0"),
        (1e-3, 0, ValueError, "steps must be at least 1, got 0"),
        (1e-3, 2.5, TypeError, "steps must be an int, got float 2.5"),
        ("fast", 10, TypeError, "lr must be a real number, got str 'fast'"),
    ],
)
def test_fit_gaussian_gd_rejects_bad_arguments(lr, steps, error, message):
    with pytest.raises(error, match=re.escape(message)):
        mle.fit_gaussian_gd([1.0, 2.0], lr=lr, steps=steps)
