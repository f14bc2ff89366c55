r"""Likelihood and maximum-likelihood estimation (Section I.A of the notes).

Logarithms are natural, so negative log-likelihoods are in nats.
"""

# --8<-- [start:imports]
import math
from typing import NamedTuple

import numpy as np
import torch

from vcbook._validation import (
    as_array,
    as_tensor,
    check_finite,
    check_not_empty,
    check_positive_int,
    check_probabilities,
    check_real_scalar,
)

# --8<-- [end:imports]
# --8<-- [start:die_likelihood]
DIE_FACES = 6


def _check_rolls(rolls):
    rolls = as_array(rolls, "rolls")
    check_not_empty(rolls, "rolls")
    if rolls.ndim != 1:
        raise ValueError(
            f"rolls must be a 1D sequence of faces, got shape {rolls.shape}"
        )
    bad = (rolls != np.round(rolls)) | (rolls < 1) | (rolls > DIE_FACES)
    if bad.any():
        raise ValueError(
            f"rolls must contain die faces 1 to {DIE_FACES}, got {rolls[bad][0]:g} "
            f"at position {int(np.flatnonzero(bad)[0])}"
        )
    return rolls.astype(np.int64)


def die_likelihood(rolls, p1):
    r"""Probability of the rolls under a die whose face 1 has probability p1.

    Eq. (1.5): $\mathcal{P}(s; p_1) = p_1^{n_1} p^{n - n_1}$ with
    $p = (1 - p_1)/5$, where $n_1$ counts the rolls that came up 1.

    Parameters
    ----------
    rolls : array-like of int, shape (n,)
        Faces 1 to 6.
    p1 : float or array-like of float
        Probability of face 1, in [0, 1]. An array evaluates a grid of values.

    Returns
    -------
    float or ndarray of the shape of ``p1``
    """
    rolls = _check_rolls(rolls)
    p1 = as_array(p1, "p1")
    if ((p1 < 0) | (p1 > 1)).any():
        raise ValueError(
            f"p1 must be in [0, 1], got values from {p1.min():g} to {p1.max():g}"
        )

    n = rolls.size
    n1 = int((rolls == 1).sum())
    p = (1 - p1) / 5
    likelihood = p1**n1 * p ** (n - n1)
    return float(likelihood) if likelihood.ndim == 0 else likelihood


# --8<-- [end:die_likelihood]


def simulate_die(n, p1, *, seed=0):
    """Roll a die ``n`` times where face 1 has probability ``p1``.

    The other five faces share ``1 - p1`` equally. Returns an int64 array of
    faces 1 to 6, the same for the same ``seed``.
    """
    n = check_positive_int(n, "n")
    p1 = check_real_scalar(p1, "p1")
    if not 0 <= p1 <= 1:
        raise ValueError(f"p1 must be a probability in [0, 1], got {p1}")
    probs = np.array([p1] + [(1 - p1) / 5] * 5)
    return np.random.default_rng(seed).choice(np.arange(1, 7), size=n, p=probs)


# --8<-- [start:categorical]
def categorical_mle(counts):
    r"""Maximum-likelihood probabilities of a categorical model: $n_k / n$.

    Parameters
    ----------
    counts : array-like of shape (K,)
        Non-negative count of each outcome, with at least one count above 0.
    """
    counts = as_array(counts, "counts")
    if counts.ndim != 1:
        raise ValueError(
            f"counts must be 1D (one count per outcome), got shape {counts.shape}"
        )
    if (counts < 0).any() or not np.isfinite(counts).all():
        raise ValueError(f"counts must be finite and non-negative, got {counts}")
    total = counts.sum()
    if total == 0:
        raise ValueError("counts are all zero; the MLE needs at least one observation")

    return counts / total


def categorical_nll(counts, probs):
    r"""Negative log-likelihood of outcome counts, Eq. (1.8) grouped by outcome.

    $\mathcal{L} = -\sum_k n_k \log p_k$, with $0 \log 0 = 0$: an outcome
    that was never observed adds nothing even when its probability is 0, and
    an observed outcome of probability 0 makes the loss ``inf``.

    Parameters
    ----------
    counts : array-like of shape (K,)
    probs : array-like of shape (K,)
        Probabilities that sum to 1.

    Returns
    -------
    float, in nats
    """
    counts = as_array(counts, "counts")
    probs = as_array(probs, "probs")
    if counts.shape != probs.shape or counts.ndim != 1:
        raise ValueError(
            f"counts and probs must be 1D with one entry per outcome, got shapes "
            f"{counts.shape} and {probs.shape}"
        )
    if (counts < 0).any():
        raise ValueError(f"counts must be non-negative, got {counts}")
    check_probabilities(probs, "probs")

    observed = counts > 0
    with np.errstate(divide="ignore"):
        return float(-(counts[observed] * np.log(probs[observed])).sum())


# --8<-- [end:categorical]


# --8<-- [start:gaussian]
def _gaussian_inputs(x, mu, sigma):
    tensors = [v for v in (x, mu, sigma) if isinstance(v, torch.Tensor)]
    dtype = (
        tensors[0].dtype
        if tensors and tensors[0].is_floating_point()
        else torch.float64
    )
    x = as_tensor(x, "x", dtype=dtype)
    mu = as_tensor(mu, "mu", dtype=dtype)
    sigma = as_tensor(sigma, "sigma", dtype=dtype)
    check_not_empty(x, "x")
    check_finite(x.detach(), "x")
    if not bool((sigma.detach() > 0).all()):
        raise ValueError(f"sigma must be > 0, got {sigma.detach().tolist()}")
    return x, mu, sigma, bool(tensors)


def gaussian_pdf(x, mu, sigma):
    r"""Normal density, Eq. (1.9).

    $f(x; \mu, \sigma) = \frac{1}{\sqrt{2\pi\sigma^2}}
    \exp\left(-\frac{(x - \mu)^2}{2\sigma^2}\right)$.
    Returns a tensor when any argument is a tensor, otherwise a NumPy array
    (a float for scalar input).
    """
    x, mu, sigma, any_tensor = _gaussian_inputs(x, mu, sigma)

    density = torch.exp(-((x - mu) ** 2) / (2 * sigma**2)) / torch.sqrt(
        2 * math.pi * sigma**2
    )

    if any_tensor:
        return density
    return density.item() if density.ndim == 0 else density.numpy()


def gaussian_nll(x, mu, sigma):
    r"""Negative log-likelihood of samples under a normal model, Eq. (1.8).

    $\mathcal{L}(s; \mu, \sigma) = -\sum_i \log f(x_i; \mu, \sigma)
    = \frac{n}{2}\log(2\pi\sigma^2) + \sum_i \frac{(x_i - \mu)^2}{2\sigma^2}$,
    computed from the log directly so that it stays finite far from the mean.
    Returns a 0-dim tensor, differentiable in ``mu`` and ``sigma``, when any
    argument is a tensor, otherwise a float (nats).
    """
    x, mu, sigma, any_tensor = _gaussian_inputs(x, mu, sigma)

    log_f = -0.5 * torch.log(2 * math.pi * sigma**2) - (x - mu) ** 2 / (2 * sigma**2)
    loss = -log_f.sum()

    return loss if any_tensor else loss.item()


def fit_gaussian(x):
    r"""Closed-form maximum-likelihood normal fit, Eqs. (1.10) and (1.11).

    Returns ``(mu, sigma)`` with $\mu = \frac{1}{n}\sum x_i$ and
    $\sigma^2 = \frac{1}{n}\sum (x_i - \mu)^2$: the MLE divides by $n$,
    not by $n - 1$ as ``numpy.std(ddof=1)`` does.
    """
    x = as_array(x, "x").ravel()
    check_not_empty(x, "x")
    check_finite(x, "x")

    mu = x.mean()
    sigma = np.sqrt(((x - mu) ** 2).mean())

    if sigma == 0:
        raise ValueError(
            f"all {x.size} samples equal {mu:g}, so the MLE has sigma = 0 "
            "and no density; pass samples that vary"
        )
    return float(mu), float(sigma)


# --8<-- [end:gaussian]


# --8<-- [start:fit_gaussian_gd]
class GaussianFit(NamedTuple):
    mu: float
    sigma: float
    history: list  # loss (Eq. 1.8, nats) before each update
    path: list  # (mu, sigma) before each update


def fit_gaussian_gd(x, lr, steps, *, mu0=0.0, sigma0=1.0):
    r"""Fit a normal model by gradient descent on Eq. (1.8), as Algorithm 1.

    Each step evaluates $\mathcal{L}(s; \theta^*)$, calls ``.backward()``
    for $\nabla_{\theta^*}\mathcal{L}$ and updates
    $\theta^* \leftarrow \theta^* - lr\,\nabla_{\theta^*}\mathcal{L}$,
    starting from $\theta^* = (\mu_0, \sigma_0)$.

    Raises
    ------
    ValueError
        If a step makes sigma non-positive or the loss non-finite, which
        means ``lr`` is too large for this data.
    """
    x = as_tensor(x, "x", dtype=torch.float64)
    lr = check_real_scalar(lr, "lr")
    if lr <= 0:
        raise ValueError(f"lr must be > 0, got {lr}")
    steps = check_positive_int(steps, "steps")
    mu = torch.tensor(
        check_real_scalar(mu0, "mu0"), dtype=torch.float64, requires_grad=True
    )
    sigma = torch.tensor(
        check_real_scalar(sigma0, "sigma0"), dtype=torch.float64, requires_grad=True
    )
    history, path = [], []

    for step in range(steps):
        loss = gaussian_nll(x, mu, sigma)  # steps 2 and 3
        loss.backward()  # step 4
        history.append(loss.item())
        path.append((mu.item(), sigma.item()))
        with torch.no_grad():  # step 5
            mu -= lr * mu.grad
            sigma -= lr * sigma.grad
        mu.grad = None
        sigma.grad = None
        if not (sigma.item() > 0 and math.isfinite(loss.item())):
            raise ValueError(
                f"gradient descent diverged at step {step} "
                f"(sigma = {sigma.item():.4g}, "
                f"loss = {loss.item():.4g}); lr={lr} is too large, try lr={lr / 10:g}"
            )

    return GaussianFit(mu.item(), sigma.item(), history, path)


# --8<-- [end:fit_gaussian_gd]
