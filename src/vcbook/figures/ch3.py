"""Figures of chapter 3: linear models, their loss, and the capacity of ReLU networks.

The ideas of Figs. 4 to 9 follow the figures of chapters 2 to 4 of S. J. D.
Prince, *Understanding Deep Learning* (MIT Press, 2023); every curve here is
computed by vcbook.
"""

import functools

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap

from vcbook import regions, regression, training
from vcbook.figures._registry import register
from vcbook.figures.style import palette, text_color

# --8<-- [start:constants]
# Data of Figs. 4 and 5: y = 0.4 + 0.7 x + noise at 12 points.
LINE_SEED, LINE_N = 3, 12
# The three models of Fig. 4 as (phi0, phi1); the last one is replaced by the
# least-squares fit.
LINE_MODELS = ((1.6, -0.1), (0.0, 1.3))

# Fig. 6: two shallow networks with 3 hidden units, each folding [0, 1] into 3
# linear pieces. Hidden unit d computes ReLU(x - k_d); the output weights are
# the slope changes at the joints.
NET_1 = [(np.ones((3, 1)), np.array([0.0, -1 / 3, -2 / 3])),
         (np.array([[3.0, -6.0, 6.0]]), np.zeros(1))]
NET_2 = [(np.ones((3, 1)), np.array([0.0, -0.3, -0.7])),
         (np.array([[3.0, -4.75, 3.75]]), np.zeros(1))]

# Fig. 7: a network with 2 inputs and 3 hidden units whose 3 lines cross
# inside the square [-1, 1]^2.
NET_2D = [(np.array([[1.0, 0.2], [-0.3, 1.0], [1.0, 1.0]]), np.array([0.0, 0.1, -0.4])),
          (np.array([[1.0, -1.0, 0.8]]), np.zeros(1))]
# --8<-- [end:constants]

# Widths of Fig. 8 and the dense grid on which the fits are made and scored.
WIDTHS_SHOWN = (2, 5, 12)
WIDTHS_SCORED = tuple(range(1, 65))
GRID_1D = np.linspace(0.0, 1.0, 2001)

TEXT = {
    "pt": {
        "x": "Entrada $x$",
        "y": "Saída $y$",
        "model": r"$\phi_0 = {phi0:.2f}$, $\phi_1 = {phi1:.2f}$",
        "loss": "$L = {loss:.2f}$",
        "least_squares": "mínimos quadrados",
        "phi0": r"Coeficiente linear $\phi_0$",
        "phi1": r"Coeficiente angular $\phi_1$",
        "minimum": "Mínimo",
        "net1": "Sub-rede 1: $y = f_1(x)$",
        "net2": "Sub-rede 2: $y' = f_2(y)$",
        "composed": "Composição: $y' = f_2(f_1(x))$",
        "pieces": "{n} regiões lineares",
        "x1": "$x_1$",
        "x2": "$x_2$",
        "y_prime": "Saída $y'$",
        "regions": "{n} regiões",
        "target": "Função alvo",
        "width": "{d} neurônios ocultos",
        "hidden": "Número de neurônios ocultos $D$",
        "mse": "Erro quadrático médio",
        "rate": r"$\propto D^{-4}$",
        "params": "Número de parâmetros",
        "max_regions": "Número máximo de regiões lineares",
        "depth": "$K = {k}$",
        "inputs": "$D_i = {d}$ entrada(s)",
        "highlight": "$K={k}$, $D={d}$: {p} parâmetros,\n{r} regiões",
    },
    "en": {
        "x": "Input $x$",
        "y": "Output $y$",
        "model": r"$\phi_0 = {phi0:.2f}$, $\phi_1 = {phi1:.2f}$",
        "loss": "$L = {loss:.2f}$",
        "least_squares": "least squares",
        "phi0": r"Intercept $\phi_0$",
        "phi1": r"Slope $\phi_1$",
        "minimum": "Minimum",
        "net1": "Network 1: $y = f_1(x)$",
        "net2": "Network 2: $y' = f_2(y)$",
        "composed": "Composition: $y' = f_2(f_1(x))$",
        "pieces": "{n} linear regions",
        "x1": "$x_1$",
        "x2": "$x_2$",
        "y_prime": "Output $y'$",
        "regions": "{n} regions",
        "target": "Target function",
        "width": "{d} hidden units",
        "hidden": "Number of hidden units $D$",
        "mse": "Mean squared error",
        "rate": r"$\propto D^{-4}$",
        "params": "Number of parameters",
        "max_regions": "Maximum number of linear regions",
        "depth": "$K = {k}$",
        "inputs": "$D_i = {d}$ input(s)",
        "highlight": "$K={k}$, $D={d}$: {p} parameters,\n{r} regions",
    },
}


# --8<-- [start:line_data]
def line_data():
    """Return the 12 points (x, y) of Figs. 4 and 5."""
    rng = np.random.default_rng(LINE_SEED)
    x = np.sort(rng.uniform(0, 2, LINE_N))
    y = 0.4 + 0.7 * x + 0.25 * rng.normal(size=LINE_N)
    return x, y


def line_models():
    """Return the three (phi0, phi1) of Fig. 4, the least-squares fit last."""
    x, y = line_data()
    return (*LINE_MODELS, regression.fit_line(x, y))
# --8<-- [end:line_data]


def plot_line_model(ax, x, y, phi, *, lang, color):
    """Draw the data, the line phi0 + phi1 x and the dashed residuals; return the artists."""
    text = TEXT[lang]
    phi0, phi1 = phi
    grid = np.linspace(0, 2, 2)
    fit = phi0 + phi1 * x
    artists = ax.vlines(x, fit, y, linestyles="dashed", colors=text_color(), linewidth=0.8)
    line, = ax.plot(grid, phi0 + phi1 * grid, color=color, linewidth=2)
    points = ax.scatter(x, y, color=palette()[1], zorder=3, s=18)
    loss = float(regression.squared_error(phi0, phi1, x, y))
    ax.set_title(text["model"].format(phi0=phi0, phi1=phi1) + "\n"
                 + text["loss"].format(loss=loss), fontsize=9)
    return [artists, line, points]


@register("linear-models")
def linear_models_figure(lang):
    """Fig. 4: three lines on the same data, with their residuals."""
    text = TEXT[lang]
    x, y = line_data()
    fig, axes = plt.subplots(1, 3, figsize=(8.5, 3.0), sharey=True)
    for index, (ax, phi) in enumerate(zip(axes, line_models())):
        plot_line_model(ax, x, y, phi, lang=lang, color=palette()[0])
        ax.set_xlabel(text["x"])
        ax.text(0.03, 0.95, f"({'abc'[index]})", transform=ax.transAxes, va="top")
        ax.set_xlim(0, 2)
        ax.set_ylim(-0.2, 2.6)
    axes[2].text(0.97, 0.04, text["least_squares"], transform=axes[2].transAxes,
                 ha="right", fontsize=9)
    axes[0].set_ylabel(text["y"])
    return fig


@register("loss-surface")
def loss_surface_figure(lang):
    """Fig. 5: the squared error over (phi0, phi1), with the models of Fig. 4."""
    text = TEXT[lang]
    x, y = line_data()
    phi0, phi1 = np.meshgrid(np.linspace(-0.5, 2.0, 201), np.linspace(-0.5, 1.8, 201))
    loss = regression.squared_error(phi0, phi1, x, y)

    fig, ax = plt.subplots(figsize=(5.5, 4.0))
    filled = ax.contourf(phi0, phi1, np.log10(loss), levels=20)
    ax.contour(phi0, phi1, np.log10(loss), levels=10, colors=text_color(), linewidths=0.4)
    colorbar = fig.colorbar(filled, ax=ax)
    colorbar.set_label(r"$\log_{10} L(\phi_0, \phi_1)$")
    for index, (m0, m1) in enumerate(line_models()):
        ax.plot(m0, m1, "o", color=palette()[3], markersize=7, markeredgecolor="white")
        ax.annotate(f"({'abc'[index]})", (m0, m1), xytext=(6, 6), textcoords="offset points",
                    color="white", fontweight="bold")
    ax.set_xlabel(text["phi0"])
    ax.set_ylabel(text["phi1"])
    return fig


# --8<-- [start:folding]
def compose(*layer_lists):
    """Return the layers of the deep network that applies each network in turn.

    The output layer of one network and the first layer of the next are
    both linear, so they merge into one layer: W = W_next W_out and
    b = W_next b_out + b_next.
    """
    layers = list(layer_lists[0])
    for following in layer_lists[1:]:
        W_out, b_out = layers.pop()
        W_next, b_next = following[0]
        layers.append((W_next @ W_out, W_next @ b_out + b_next))
        layers += following[1:]
    return layers


def folding_pieces():
    """Count the linear pieces on [0, 1] of NET_1, NET_2 and their composition."""
    networks = (NET_1, NET_2, compose(NET_1, NET_2))
    return [regions.linear_pieces(lambda x, n=n: regions.relu_network(x, n), 0, 1)
            for n in networks]
# --8<-- [end:folding]


def plot_pieces(ax, layers, pieces, *, lang, title):
    """Draw a scalar network on [0, 1], alternating colors per linear piece."""
    text = TEXT[lang]
    artists = []
    for index, (start, end, _) in enumerate(pieces):
        grid = np.linspace(start, end, 50)
        color = palette()[index % 2]
        artists += ax.plot(grid, regions.relu_network(grid, layers), color=color, linewidth=2)
    for start, _, _ in pieces[1:]:
        artists.append(ax.axvline(start, color=text_color(), linewidth=0.5, linestyle=":"))
    ax.set_title(title + "\n" + text["pieces"].format(n=len(pieces)), fontsize=9)
    return artists


@register("folding-1d")
def folding_figure(lang):
    """Fig. 6: two shallow networks of 3 units and their 9-piece composition."""
    text = TEXT[lang]
    pieces = folding_pieces()
    fig, axes = plt.subplots(1, 3, figsize=(8.5, 3.0))
    networks = (NET_1, NET_2, compose(NET_1, NET_2))
    titles = (text["net1"], text["net2"], text["composed"])
    labels = ((text["x"], "$y$"), ("$y$", "$y'$"), (text["x"], "$y'$"))
    for ax, layers, found, title, (xlabel, ylabel) in zip(axes, networks, pieces, titles, labels):
        plot_pieces(ax, layers, found, lang=lang, title=title)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.set_xlim(0, 1)
    return fig


# --8<-- [start:regions_2d]
@functools.cache
def regions_2d(resolution=500):
    """Region maps on [-1, 1]^2 of NET_2D and of NET_2D followed by a fold.

    The second network folds the output y of NET_2D with joints at its
    quartiles, so every linear region that y crosses is cut again.
    Returns (labels, count) of both networks and the second network's layers.
    """
    box = (-1.0, 1.0)
    labels_1, count_1 = regions.region_map_2d(NET_2D, box, box, resolution)
    grid = np.linspace(*box, resolution)
    points = np.column_stack([a.ravel() for a in np.meshgrid(grid, grid)])
    y = regions.relu_network(points, NET_2D)
    knots = np.quantile(y, [0.25, 0.5, 0.75])
    fold = [(np.ones((3, 1)), -knots), (np.array([[1.0, -2.0, 2.0]]), np.zeros(1))]
    deep = compose(NET_2D, fold)
    labels_2, count_2 = regions.region_map_2d(deep, box, box, resolution)
    return (labels_1, count_1), (labels_2, count_2), fold
# --8<-- [end:regions_2d]


def plot_region_map(ax, labels, values, *, extent):
    """Draw the output as an image and the region boundaries on top; return the artists."""
    image = ax.imshow(values, origin="lower", extent=extent, cmap="viridis")
    boundary = np.zeros(labels.shape, dtype=bool)
    boundary[:, 1:] |= labels[:, 1:] != labels[:, :-1]
    boundary[1:, :] |= labels[1:, :] != labels[:-1, :]
    edge = ListedColormap(["none", text_color()])
    lines = ax.imshow(boundary, origin="lower", extent=extent, cmap=edge, interpolation="none")
    return [image, lines]


@register("regions-2d")
def regions_2d_figure(lang):
    """Fig. 7: 7 regions of a shallow 2D network and many more after one more fold."""
    text = TEXT[lang]
    (labels_1, count_1), (labels_2, count_2), fold = regions_2d()
    resolution = labels_1.shape[0]
    grid = np.linspace(-1, 1, resolution)
    points = np.column_stack([a.ravel() for a in np.meshgrid(grid, grid)])
    y = regions.relu_network(points, NET_2D)
    y_prime = regions.relu_network(y, fold)
    extent = (-1, 1, -1, 1)

    fig, axes = plt.subplots(1, 3, figsize=(9.0, 3.2), width_ratios=[1, 1.1, 1])
    plot_region_map(axes[0], labels_1, y.reshape(resolution, resolution), extent=extent)
    axes[0].set_title(text["net1"].replace("(x)", r"(\mathbf{x})") + "\n"
                      + text["regions"].format(n=count_1), fontsize=9)
    levels = np.linspace(y.min(), y.max(), 400)
    axes[1].plot(levels, regions.relu_network(levels, fold), color=palette()[0], linewidth=2)
    axes[1].set_xlabel("$y$")
    axes[1].set_ylabel("$y'$")
    axes[1].set_title(text["net2"], fontsize=9)
    plot_region_map(axes[2], labels_2, y_prime.reshape(resolution, resolution), extent=extent)
    axes[2].set_title(text["composed"].replace("(x)", r"(\mathbf{x})") + "\n"
                      + text["regions"].format(n=count_2), fontsize=9)
    for ax in (axes[0], axes[2]):
        ax.set_xlabel(text["x1"])
        ax.set_ylabel(text["x2"])
    return fig


# --8<-- [start:width_fits]
@functools.cache
def width_fits():
    """Fit shallow ReLU networks of each width in WIDTHS_SCORED to target_1d.

    The D joints are evenly spaced, from 0 on, so the network has D linear
    pieces on [0, 1]. The output layer is the least-squares fit on GRID_1D.
    Returns {D: (knots, phi, mean squared error)}.
    """
    y = training.target_1d(GRID_1D)
    fits = {}
    for D in WIDTHS_SCORED:
        knots = np.arange(D) / D
        phi = regression.fit_shallow_relu(GRID_1D, y, knots)
        error = np.mean((regression.shallow_relu(GRID_1D, knots, phi) - y) ** 2)
        fits[D] = (knots, phi, float(error))
    return fits
# --8<-- [end:width_fits]


@register("width-approximation")
def width_approximation_figure(lang):
    """Fig. 8: fits of growing width and their error against the width."""
    text = TEXT[lang]
    fits = width_fits()
    colors = palette()
    fig, (ax_fit, ax_error) = plt.subplots(1, 2, figsize=(8.5, 3.3))
    ax_fit.plot(GRID_1D, training.target_1d(GRID_1D), color=text_color(), linewidth=3,
                alpha=0.35, label=text["target"])
    for color, D in zip(colors, WIDTHS_SHOWN):
        knots, phi, _ = fits[D]
        ax_fit.plot(GRID_1D, regression.shallow_relu(GRID_1D, knots, phi), color=color,
                    label=text["width"].format(d=D))
    ax_fit.set_xlabel(text["x"])
    ax_fit.set_ylabel(text["y"])
    ax_fit.legend(fontsize=8)

    widths = np.array(WIDTHS_SCORED)
    errors = np.array([fits[D][2] for D in WIDTHS_SCORED])
    ax_error.loglog(widths, errors, "o-", color=colors[0], markersize=3)
    reference = errors[-1] * (widths / widths[-1]) ** -4.0
    ax_error.loglog(widths[4:], reference[4:], "--", color=text_color(), linewidth=1,
                    label=text["rate"])
    ax_error.set_xlabel(text["hidden"])
    ax_error.set_ylabel(text["mse"])
    ax_error.legend()
    return fig


# --8<-- [start:max_regions_curves]
def max_region_curves(n_inputs, widths, depths=(1, 2, 3, 4, 5)):
    """Return {K: (parameters, maximum regions)} for each depth K, as float arrays.

    The maximum is the upper bound of Serra et al. (2018), which equals the
    exact shallow count for K = 1.
    """
    curves = {}
    for K in depths:
        parameters = [regions.count_parameters(n_inputs, D, K) for D in widths]
        counts = [float(regions.max_regions_deep_upper([D] * K, n_inputs)) for D in widths]
        curves[K] = (np.array(parameters, dtype=float), np.array(counts))
    return curves
# --8<-- [end:max_regions_curves]


@register("max-regions")
def max_regions_figure(lang):
    """Fig. 9: maximum linear regions against parameters for depths K = 1..5."""
    text = TEXT[lang]
    settings = ((1, range(1, 51), 10), (10, range(10, 101, 10), 50))
    fig, axes = plt.subplots(1, 2, figsize=(8.5, 3.5))
    for ax, (n_inputs, widths, highlight) in zip(axes, settings):
        for color, (K, (parameters, counts)) in zip(
                palette(), max_region_curves(n_inputs, list(widths)).items()):
            ax.loglog(parameters, counts, "-", color=color, label=text["depth"].format(k=K))
        p = regions.count_parameters(n_inputs, highlight, 5)
        r = regions.max_regions_deep_upper([highlight] * 5, n_inputs)
        ax.plot(p, float(r), "o", color=text_color(), markersize=6)
        label = f"{r:,}" if r < 10**7 else f"{float(r):.1e}".replace("e+", r"$\times 10^{") + "}$"
        ax.annotate(text["highlight"].format(k=5, d=highlight, p=f"{p:,}", r=label), (p, float(r)),
                    xytext=(10, -40), textcoords="offset points", fontsize=8)
        ax.set_title(text["inputs"].format(d=n_inputs), fontsize=10)
        ax.set_xlabel(text["params"])
        ax.set_ylabel(text["max_regions"])
        ax.legend(fontsize=8, loc="upper left")
    return fig
