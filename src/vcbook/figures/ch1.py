"""Figures of chapter 1: the die, its likelihood and the normal model."""

import functools

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Circle, FancyBboxPatch

from vcbook import mle
from vcbook.figures._registry import register
from vcbook.figures.style import palette, text_color

# Seeds and sizes shared by the figures and the chapter's examples. With
# DIE_SEED = 1, 30 of the 100 rolls come up 1, so the likelihood peaks at
# p1 = 0.3 as in the notes.
DIE_P1 = 0.3
DIE_ROLLS = 100
DIE_SEED = 1
GAUSS_MU, GAUSS_SIGMA, GAUSS_N, GAUSS_SEED = 1.5, 0.8, 100, 0
# The two candidate models of Fig. 3(b), as (mu, sigma).
CANDIDATES = ((0.5, 0.5), (2.5, 1.2))
# Learning rate of the gradient-descent example; the loss is a sum over 100
# samples, so its gradient is about 100 times that of the mean.
GD_LR = 2e-3

TEXT = {
    "pt": {
        "face": "Face",
        "frequency": "Frequência observada",
        "fair": "Dado não enviesado (1/6)",
        "rolls": "{n} jogadas, $p_1 = {p1}$",
        "p1": "Probabilidade $p_1$ do valor 1",
        "likelihood": r"$\mathcal{P}(s; p_1)$",
        "maximum": "Máximo em $p_1 = n_1/n = {value:.2f}$",
        "value": "Valor $x$",
        "count": "Contagem",
        "density": "Densidade",
        "data": "Dados",
        "candidate": r"$\mu = {mu}$, $\sigma = {sigma}$",
        "mle": r"MLE: $\mu = {mu:.2f}$, $\sigma = {sigma:.2f}$",
        "step": "Passo",
        "nll": r"$\mathcal{L}(s; \theta^*)$ (nats)",
        "path": "Trajetória do gradiente descendente",
        "start": "Início",
        "closed_form": "Solução analítica",
    },
    "en": {
        "face": "Face",
        "frequency": "Observed frequency",
        "fair": "Fair die (1/6)",
        "rolls": "{n} rolls, $p_1 = {p1}$",
        "p1": "Probability $p_1$ of face 1",
        "likelihood": r"$\mathcal{P}(s; p_1)$",
        "maximum": "Maximum at $p_1 = n_1/n = {value:.2f}$",
        "value": "Value $x$",
        "count": "Count",
        "density": "Density",
        "data": "Data",
        "candidate": r"$\mu = {mu}$, $\sigma = {sigma}$",
        "mle": r"MLE: $\mu = {mu:.2f}$, $\sigma = {sigma:.2f}$",
        "step": "Step",
        "nll": r"$\mathcal{L}(s; \theta^*)$ (nats)",
        "path": "Gradient-descent path",
        "start": "Start",
        "closed_form": "Closed form",
    },
}

PIPS = {
    1: [(0.5, 0.5)],
    2: [(0.25, 0.75), (0.75, 0.25)],
    3: [(0.25, 0.75), (0.5, 0.5), (0.75, 0.25)],
    4: [(0.25, 0.25), (0.25, 0.75), (0.75, 0.25), (0.75, 0.75)],
    5: [(0.25, 0.25), (0.25, 0.75), (0.5, 0.5), (0.75, 0.25), (0.75, 0.75)],
    6: [(0.25, 0.2), (0.25, 0.5), (0.25, 0.8), (0.75, 0.2), (0.75, 0.5), (0.75, 0.8)],
}


def die_rolls():
    """Return the 100 simulated rolls of the biased die used in chapter 1."""
    return mle.simulate_die(DIE_ROLLS, DIE_P1, seed=DIE_SEED)


def gaussian_sample():
    """Return the 100 normal samples of Fig. 3."""
    return np.random.default_rng(GAUSS_SEED).normal(GAUSS_MU, GAUSS_SIGMA, GAUSS_N)


def plot_die_face(ax, face, *, x0=0.0, y0=0.0, size=1.0):
    """Draw one die face with its pips; return the artists."""
    edge = text_color()
    body = FancyBboxPatch(
        (x0, y0),
        size,
        size,
        boxstyle=f"round,pad=0,rounding_size={0.15 * size}",
        facecolor="none",
        edgecolor=edge,
        linewidth=2,
    )
    artists = [ax.add_patch(body)]
    for px, py in PIPS[face]:
        pip = Circle((x0 + px * size, y0 + py * size), 0.08 * size, color=edge)
        artists.append(ax.add_patch(pip))
    return artists


def plot_frequencies(ax, rolls, lang):
    """Bar chart of the observed frequency of each face; return the bars."""
    text = TEXT[lang]
    counts = np.bincount(rolls, minlength=7)[1:]
    colors = [palette()[1] if face == 1 else palette()[0] for face in range(1, 7)]
    bars = ax.bar(np.arange(1, 7), counts / rolls.size, color=colors)
    ax.axhline(
        1 / 6, linestyle="--", color=text_color(), linewidth=1, label=text["fair"]
    )
    ax.set_xlabel(text["face"])
    ax.set_ylabel(text["frequency"])
    ax.set_title(text["rolls"].format(n=rolls.size, p1=DIE_P1))
    ax.legend(loc="upper right")
    return bars


@register("die")
def die_figure(lang):
    """Fig. 1: a six-sided die and the frequencies of 100 rolls of a biased one."""
    fig, (ax_die, ax_freq) = plt.subplots(
        1, 2, figsize=(7.5, 3.0), width_ratios=[1, 1.6]
    )
    for index, face in enumerate((1, 2, 3, 4, 5, 6)):
        row, column = divmod(index, 3)
        plot_die_face(ax_die, face, x0=column * 1.25, y0=(1 - row) * 1.25)
    ax_die.set_xlim(-0.1, 3.6)
    ax_die.set_ylim(-0.1, 2.35)
    ax_die.set_aspect("equal")
    ax_die.axis("off")

    plot_frequencies(ax_freq, die_rolls(), lang)
    return fig


@register("likelihood")
def likelihood_figure(lang):
    """Fig. 2: P(s; p1) of 100 rolls as a function of p1, maximum at n1/n."""
    text = TEXT[lang]
    rolls = die_rolls()
    p1 = np.linspace(0, 1, 1001)
    likelihood = mle.die_likelihood(rolls, p1)
    peak = (rolls == 1).mean()

    fig, ax = plt.subplots(figsize=(6, 3.2))
    ax.plot(p1, likelihood, color=palette()[0])
    ax.axvline(
        peak,
        linestyle="--",
        color=palette()[1],
        label=text["maximum"].format(value=peak),
    )
    ax.plot([peak], [mle.die_likelihood(rolls, peak)], "o", color=palette()[1])
    ax.set_xlabel(text["p1"])
    ax.set_ylabel(text["likelihood"])
    ax.set_xlim(0, 0.7)
    ax.legend()
    return fig


def plot_histogram(ax, x, lang, *, density=False):
    """Histogram of the samples; return the bar container."""
    text = TEXT[lang]
    _, _, bars = ax.hist(
        x, bins=15, density=density, color=palette()[0], alpha=0.45, label=text["data"]
    )
    ax.set_xlabel(text["value"])
    ax.set_ylabel(text["density"] if density else text["count"])
    return bars


@register("gaussian")
def gaussian_figure(lang):
    """Fig. 3: (a) a histogram of 100 values; (b) two candidates and the MLE fit."""
    text = TEXT[lang]
    x = gaussian_sample()
    grid = np.linspace(x.min() - 1.5, x.max() + 1.5, 400)

    fig, (ax_a, ax_b) = plt.subplots(1, 2, figsize=(8, 3.2), sharex=True)
    plot_histogram(ax_a, x, lang)
    ax_a.set_title("(a)")

    plot_histogram(ax_b, x, lang, density=True)
    for index, (mu, sigma) in enumerate(CANDIDATES, start=1):
        ax_b.plot(
            grid,
            mle.gaussian_pdf(grid, mu, sigma),
            "--",
            color=palette()[index],
            label=text["candidate"].format(mu=mu, sigma=sigma),
        )
    mu, sigma = mle.fit_gaussian(x)
    ax_b.plot(
        grid,
        mle.gaussian_pdf(grid, mu, sigma),
        color=palette()[3],
        linewidth=2,
        label=text["mle"].format(mu=mu, sigma=sigma),
    )
    ax_b.set_title("(b)")
    ax_b.legend(fontsize=8, loc="upper left")
    return fig


@functools.cache
def _gd_data(steps):
    x = gaussian_sample()
    fit = mle.fit_gaussian_gd(x, lr=GD_LR, steps=steps)
    mus = np.linspace(-0.5, 2.5, 60)
    sigmas = np.linspace(0.3, 2.0, 60)
    loss = np.array([[mle.gaussian_nll(x, m, s) for m in mus] for s in sigmas])
    return fit, mus, sigmas, loss


@register("gaussian-gd")
def gaussian_gd_figure(lang):
    """Gradient descent on Eq. (1.8): the loss per step and the path of (mu, sigma)."""
    text = TEXT[lang]
    steps = 300
    fit, mus, sigmas, loss = _gd_data(steps)
    path_mu, path_sigma = zip(*fit.path, (fit.mu, fit.sigma), strict=True)
    mu_hat, sigma_hat = mle.fit_gaussian(gaussian_sample())

    fig, (ax_loss, ax_path) = plt.subplots(1, 2, figsize=(8, 3.2))
    ax_loss.plot(np.arange(steps), fit.history, color=palette()[0])
    ax_loss.set_xlabel(text["step"])
    ax_loss.set_ylabel(text["nll"])

    ax_path.contour(
        mus, sigmas, np.log(loss), levels=20, cmap="viridis", linewidths=0.8
    )
    ax_path.plot(
        path_mu, path_sigma, ".-", color=palette()[1], markersize=3, label=text["path"]
    )
    ax_path.plot([0], [1], "s", color=palette()[1], label=text["start"])
    ax_path.plot(
        [mu_hat],
        [sigma_hat],
        "*",
        color=palette()[3],
        markersize=12,
        label=text["closed_form"],
    )
    ax_path.set_xlabel(r"$\mu$")
    ax_path.set_ylabel(r"$\sigma$")
    ax_path.legend(fontsize=8)
    return fig
