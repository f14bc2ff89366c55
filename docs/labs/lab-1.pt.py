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
# # Laboratório 1: a taxa de aprendizado no ajuste da normal
#
# No [Capítulo 1](../../capitulo-1/) ajustamos uma distribuição normal a 100 amostras minimizando a
# *negative log-likelihood* $\mathcal{L}(s; \mu, \sigma)$ da Equação (1.8) por gradiente descendente, com
# `vcbook.mle.fit_gaussian_gd`.
# Aqui variamos a taxa de aprendizado $lr$ e olhamos o histórico da perda: com $lr$ pequeno demais o
# ajuste é lento, com $lr$ grande demais ele oscila ou diverge.
# No fim do laboratório calculamos o limite entre os dois regimes a partir da curvatura de $\mathcal{L}$.
#
# As células rodam na ordem em que aparecem; altere os valores e execute de novo.

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
# ## Quatro taxas de aprendizado
#
# Partimos sempre de $(\mu^*, \sigma^*) = (0, 1)$ e damos 200 passos.
# A tabela mostra onde cada ajuste terminou e quanto a perda final ainda excede o mínimo
# $\mathcal{L}(s; \hat\mu, \hat\sigma)$ da solução analítica.

# %%
learning_rates = [1e-4, 5e-4, 2e-3, 8e-3]
steps = 200
fits = {lr: fit_gaussian_gd(x, lr=lr, steps=steps) for lr in learning_rates}

print("      lr       mu    sigma   L - L_min")
for lr, fit in fits.items():
    excess = fit.history[-1] - loss_min
    print(f"{lr:8.0e} {fit.mu:8.4f} {fit.sigma:8.4f} {excess:11.2e}")

# %% [markdown]
# O gráfico da esquerda mostra o excesso de perda $\mathcal{L} - \mathcal{L}_{\min}$ a cada passo, em
# escala logarítmica; o da direita, o caminho de $(\mu^*, \sigma^*)$ até a solução analítica (a estrela).

# %%
fig, (ax_loss, ax_path) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
for lr, fit in fits.items():
    excess = np.maximum(np.array(fit.history) - loss_min, 1e-12)
    ax_loss.semilogy(excess, label=f"lr = {lr:g}")
    path = np.array(fit.path)
    ax_path.plot(path[:, 0], path[:, 1], ".-", markersize=3, label=f"lr = {lr:g}")
ax_path.plot(mu_hat, sigma_hat, "*", color="black", markersize=14, label="MLE")
ax_loss.set_xlabel("passo")
ax_loss.set_ylabel(r"$\mathcal{L} - \mathcal{L}_{\min}$ (nats)")
ax_loss.legend()
ax_path.set_xlabel(r"$\mu^*$")
ax_path.set_ylabel(r"$\sigma^*$")
ax_path.legend()
plt.show()

# %% [markdown]
# Com $lr = 10^{-4}$ os 200 passos não bastam para chegar ao mínimo.
# Com $lr = 5 \cdot 10^{-4}$ e $lr = 2 \cdot 10^{-3}$ a perda cai até o limite da precisão numérica,
# mais depressa com a taxa maior.
# Com $lr = 8 \cdot 10^{-3}$, quatro vezes maior, $\mu^*$ chega à média mas $\sigma^*$ fica oscilando
# em torno de $\hat\sigma$ sem convergir.
#
# ## Onde fica o limite
#
# Perto do mínimo, $\mathcal{L}$ é aproximadamente uma quadrática, cuja matriz hessiana $H$ tem, derivando
# a Equação (1.8) duas vezes e usando as Equações (1.10) e (1.11),
#
# $$
# \frac{\partial^2 \mathcal{L}}{\partial \mu^2} = \frac{n}{\hat\sigma^2}, \qquad
# \frac{\partial^2 \mathcal{L}}{\partial \sigma^2} = \frac{2n}{\hat\sigma^2}, \qquad
# \frac{\partial^2 \mathcal{L}}{\partial \mu \, \partial \sigma} = 0.
# $$
#
# O gradiente descendente numa quadrática converge se $lr < 2/\lambda_{\max}$, onde $\lambda_{\max}$ é o
# maior autovalor de $H$; aqui $\lambda_{\max} = 2n/\hat\sigma^2$ e o limite é $lr < \hat\sigma^2/n$.
# Conferimos a hessiana com `torch.autograd.functional.hessian`:

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
# Um pouco abaixo do limite o ajuste converge, devagar na direção de $\sigma$; um pouco acima, as
# oscilações de $\sigma^*$ não diminuem.
# Partimos agora da própria solução analítica com $\sigma^*$ deslocado em 0,05, para ficar na região
# onde a aproximação quadrática vale:

# %%
fig, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
for factor in (0.9, 1.1):
    lr = factor * lr_limit
    fit = fit_gaussian_gd(x, lr=lr, steps=150, mu0=mu_hat, sigma0=sigma_hat + 0.05)
    sigmas = np.array(fit.path)[:, 1]
    ax.plot(sigmas - sigma_hat, label=f"lr = {factor:g} x limite")
    gap = abs(sigmas[-1] - sigma_hat)
    print(f"lr = {lr:.5f}: |sigma - sigma_hat| after 150 steps = {gap:.1e}")
ax.set_xlabel("passo")
ax.set_ylabel(r"$\sigma^* - \hat\sigma$")
ax.legend()
plt.show()

# %% [markdown]
# Como $\mathcal{L}$ é uma soma sobre as amostras, o limite $\hat\sigma^2/n$ cai quando o número de
# amostras cresce: a taxa $lr = 2 \cdot 10^{-3}$, que funcionou bem com 100 amostras, fica acima do limite
# com 1000, e o primeiro passo já lança $\sigma^*$ para longe da solução.

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
# Quando um passo deixa $\sigma^*$ negativo, `fit_gaussian_gd` interrompe o ajuste com uma mensagem que
# sugere uma taxa menor:

# %%
try:
    fit_gaussian_gd(x, lr=0.03, steps=200)
except ValueError as error:
    print(error)

# %% [markdown]
# ## Experimente
#
# - Troque a média da normal de 1,5 para 10 e veja quantos passos cada taxa leva para chegar a $\hat\mu$.
# - Divida a taxa de aprendizado por $n$ (isto é, minimize a perda média em vez da soma) e confira que o
#   mesmo $lr$ passa a servir para 100 e para 1000 amostras.
# - Parta de $\sigma^* = 0{,}1$: o primeiro gradiente é enorme; qual a maior taxa que ainda funciona?
