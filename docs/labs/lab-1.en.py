# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lab 1: the learning rate in the normal fit
#
# In [Chapter 1](../../capitulo-1/) we fitted a normal distribution to 100 samples by minimizing the
# negative log-likelihood $\mathcal{L}(s; \mu, \sigma)$ of Equation (1.8) with gradient descent, using
# `vcbook.mle.fit_gaussian_gd`.
# Here we vary the learning rate $lr$ and look at the loss history: with too small an $lr$ the fit is
# slow, with too large an $lr$ it oscillates or diverges.
# At the end of the lab we compute the boundary between the two regimes from the curvature of
# $\mathcal{L}$.
#
# The cells run in the order they appear; change the values and run them again.

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import numpy as np
import torch

from vcbook.mle import fit_gaussian, fit_gaussian_gd, gaussian_nll

x = np.random.default_rng(0).normal(1.5, 0.8, 100)
mu_hat, sigma_hat = fit_gaussian(x)
loss_min = gaussian_nll(x, mu_hat, sigma_hat)
print(f"closed form: mu = {mu_hat:.4f}, sigma = {sigma_hat:.4f}, L = {loss_min:.4f}")

# %% [markdown]
# ## Four learning rates
#
# Every fit starts from $(\mu^*, \sigma^*) = (0, 1)$ and takes 200 steps.
# The table shows where each fit ended and how much its final loss still exceeds the minimum
# $\mathcal{L}(s; \hat\mu, \hat\sigma)$ of the closed-form solution.

# %%
learning_rates = [1e-4, 5e-4, 2e-3, 8e-3]
steps = 200
fits = {lr: fit_gaussian_gd(x, lr=lr, steps=steps) for lr in learning_rates}

print("      lr       mu    sigma   L - L_min")
for lr, fit in fits.items():
    excess = fit.history[-1] - loss_min
    print(f"{lr:8.0e} {fit.mu:8.4f} {fit.sigma:8.4f} {excess:11.2e}")

# %% [markdown]
# The left plot shows the excess loss $\mathcal{L} - \mathcal{L}_{\min}$ at each step, on a log scale;
# the right plot shows the path of $(\mu^*, \sigma^*)$ towards the closed-form solution (the star).

# %%
fig, (ax_loss, ax_path) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
for lr, fit in fits.items():
    excess = np.maximum(np.array(fit.history) - loss_min, 1e-12)
    ax_loss.semilogy(excess, label=f"lr = {lr:g}")
    path = np.array(fit.path)
    ax_path.plot(path[:, 0], path[:, 1], ".-", markersize=3, label=f"lr = {lr:g}")
ax_path.plot(mu_hat, sigma_hat, "*", color="black", markersize=14, label="MLE")
ax_loss.set_xlabel("step")
ax_loss.set_ylabel(r"$\mathcal{L} - \mathcal{L}_{\min}$ (nats)")
ax_loss.legend()
ax_path.set_xlabel(r"$\mu^*$")
ax_path.set_ylabel(r"$\sigma^*$")
ax_path.legend()
plt.show()

# %% [markdown]
# With $lr = 10^{-4}$, 200 steps are not enough to reach the minimum.
# With $lr = 5 \cdot 10^{-4}$ and $lr = 2 \cdot 10^{-3}$ the loss falls to the limit of numerical
# precision, faster with the larger rate.
# With $lr = 8 \cdot 10^{-3}$, four times larger, $\mu^*$ reaches the mean but $\sigma^*$ keeps
# oscillating around $\hat\sigma$ without converging.
#
# ## Where the boundary lies
#
# Near the minimum, $\mathcal{L}$ is close to a quadratic whose Hessian matrix $H$ has, differentiating
# Equation (1.8) twice and using Equations (1.10) and (1.11),
#
# $$
# \frac{\partial^2 \mathcal{L}}{\partial \mu^2} = \frac{n}{\hat\sigma^2}, \qquad
# \frac{\partial^2 \mathcal{L}}{\partial \sigma^2} = \frac{2n}{\hat\sigma^2}, \qquad
# \frac{\partial^2 \mathcal{L}}{\partial \mu \, \partial \sigma} = 0.
# $$
#
# Gradient descent on a quadratic converges if $lr < 2/\lambda_{\max}$, where $\lambda_{\max}$ is the
# largest eigenvalue of $H$; here $\lambda_{\max} = 2n/\hat\sigma^2$ and the bound is
# $lr < \hat\sigma^2/n$.
# We check the Hessian with `torch.autograd.functional.hessian`:

# %%
n = x.size
x_tensor = torch.tensor(x)


def loss_of(theta):
    return gaussian_nll(x_tensor, theta[0], theta[1])


theta_hat = torch.tensor([mu_hat, sigma_hat], dtype=torch.float64)
H = torch.autograd.functional.hessian(loss_of, theta_hat)
H_formula = torch.tensor(
    [[n / sigma_hat**2, 0.0], [0.0, 2 * n / sigma_hat**2]], dtype=torch.float64
)
print(f"max difference to the formula: {(H - H_formula).abs().max().item():.1e}")
lr_limit = 2 / torch.linalg.eigvalsh(H).max().item()
print(f"lr limit = 2 / lambda_max = {lr_limit:.6f}")
print(f"sigma_hat^2 / n = {sigma_hat**2 / n:.6f}")

# %% [markdown]
# A little below the bound the fit converges, slowly along $\sigma$; a little above it, the
# oscillations of $\sigma^*$ do not shrink.
# This time we start from the closed-form solution with $\sigma^*$ moved by 0.05, to stay in the region
# where the quadratic approximation holds:

# %%
fig, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
for factor in (0.9, 1.1):
    lr = factor * lr_limit
    fit = fit_gaussian_gd(x, lr=lr, steps=150, mu0=mu_hat, sigma0=sigma_hat + 0.05)
    sigmas = np.array(fit.path)[:, 1]
    ax.plot(sigmas - sigma_hat, label=f"lr = {factor:g} x bound")
    gap = abs(sigmas[-1] - sigma_hat)
    print(f"lr = {lr:.5f}: |sigma - sigma_hat| after 150 steps = {gap:.1e}")
ax.set_xlabel("step")
ax.set_ylabel(r"$\sigma^* - \hat\sigma$")
ax.legend()
plt.show()

# %% [markdown]
# Since $\mathcal{L}$ is a sum over the samples, the bound $\hat\sigma^2/n$ falls as the number of
# samples grows: the rate $lr = 2 \cdot 10^{-3}$, which worked well with 100 samples, is above the bound
# with 1000, and the very first step throws $\sigma^*$ far from the solution.

# %%
for n_samples in (100, 1000):
    x_n = np.random.default_rng(0).normal(1.5, 0.8, n_samples)
    fit = fit_gaussian_gd(x_n, lr=2e-3, steps=200)
    limit = fit_gaussian(x_n)[1] ** 2 / n_samples
    print(
        f"n = {n_samples:4d}: limit = {limit:.2e}, "
        f"after 200 steps mu = {fit.mu:.3f}, sigma = {fit.sigma:.3f}"
    )

# %% [markdown]
# When a step makes $\sigma^*$ negative, `fit_gaussian_gd` stops the fit with a message that suggests
# a smaller rate:

# %%
try:
    fit_gaussian_gd(x, lr=0.03, steps=200)
except ValueError as error:
    print(error)

# %% [markdown]
# ## Try it
#
# - Change the mean of the normal from 1.5 to 10 and see how many steps each rate takes to reach
#   $\hat\mu$.
# - Divide the learning rate by $n$ (that is, minimize the mean loss instead of the sum) and check that
#   the same $lr$ then works for 100 and for 1000 samples.
# - Start from $\sigma^* = 0.1$: the first gradient is huge; what is the largest rate that still works?
