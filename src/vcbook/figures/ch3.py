"""Figures of chapter 3: linear models, the capacity of ReLU networks, optimization.

The ideas of Figs. 4 to 12 follow the figures of chapters 2 to 4, 6, 8 and 9
of S. J. D. Prince, *Understanding Deep Learning* (MIT Press, 2023). Every
curve here is computed by vcbook: least-squares fits, region counts, and
seeded training runs on scikit-learn's digits or on the 1D data of
``vcbook.training.regression_1d``.
"""

# --8<-- [start:imports]
import functools

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.colors import ListedColormap
from threadpoolctl import threadpool_limits

from vcbook import optim, regions, regression, training

# --8<-- [end:imports]
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
NET_1 = [
    (np.ones((3, 1)), np.array([0.0, -1 / 3, -2 / 3])),
    (np.array([[3.0, -6.0, 6.0]]), np.zeros(1)),
]
NET_2 = [
    (np.ones((3, 1)), np.array([0.0, -0.3, -0.7])),
    (np.array([[3.0, -4.75, 3.75]]), np.zeros(1)),
]

# Fig. 7: a network with 2 inputs and 3 hidden units whose 3 lines cross
# inside the square [-1, 1]^2.
NET_2D = [
    (np.array([[1.0, 0.2], [-0.3, 1.0], [1.0, 1.0]]), np.array([0.0, 0.1, -0.4])),
    (np.array([[1.0, -1.0, 0.8]]), np.zeros(1)),
]
# Fig. 10: (n_train, hidden width, epochs, batch size, Adam learning rate).
CONVERGED_RUN = (None, 64, 40, 64, 3e-3)
OVERFIT_RUN = (60, 256, 150, 20, 1e-2)
# Fig. 11: strengths of the L2 penalty of Eq. (4.1), Adam steps and rate.
L2_LAMBDAS = (0.0, 1e-4, 1e-3, 1e-2)
L2_STEPS, L2_LR = 1500, 0.02
# Fig. 12: momentum values and the step size on the quadratic loss.
MOMENTA = (0.0, 0.5, 0.8)
MOMENTUM_LR, MOMENTUM_STEPS = 0.05, 60
# Widths of Fig. 8 and the dense grid on which the fits are made and scored.
WIDTHS_SHOWN = (2, 5, 12)
WIDTHS_SCORED = tuple(range(1, 65))
GRID_1D = np.linspace(0.0, 1.0, 2001)
# --8<-- [end:constants]


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
        "epoch": "Época",
        "ce_loss": "Loss (entropia cruzada, nats)",
        "train": "Treinamento",
        "val": "Validação",
        "converged": "(a) {n} imagens de treinamento",
        "overfit": "(b) {n} imagens de treinamento",
        "best": "Menor loss de validação (época {epoch})",
        "data": "Dados",
        "lambda": r"$\lambda = {lam:g}$",
        "w1": "$w_1$",
        "w2": "$w_2$",
        "step": "Passo",
        "loss_value": r"Loss $L(\mathbf{w})$",
        "momentum": r"momento $\mu = {mu}$",
        "start": "Início",
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
        "epoch": "Epoch",
        "ce_loss": "Loss (cross-entropy, nats)",
        "train": "Training",
        "val": "Validation",
        "converged": "(a) {n} training images",
        "overfit": "(b) {n} training images",
        "best": "Lowest validation loss (epoch {epoch})",
        "data": "Data",
        "lambda": r"$\lambda = {lam:g}$",
        "w1": "$w_1$",
        "w2": "$w_2$",
        "step": "Step",
        "loss_value": r"Loss $L(\mathbf{w})$",
        "momentum": r"momentum $\mu = {mu}$",
        "start": "Start",
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
    artists = ax.vlines(
        x, fit, y, linestyles="dashed", colors=text_color(), linewidth=0.8
    )
    (line,) = ax.plot(grid, phi0 + phi1 * grid, color=color, linewidth=2)
    points = ax.scatter(x, y, color=palette()[1], zorder=3, s=18)
    loss = float(regression.squared_error(phi0, phi1, x, y))
    ax.set_title(
        text["model"].format(phi0=phi0, phi1=phi1)
        + "\n"
        + text["loss"].format(loss=loss),
        fontsize=9,
    )
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
    axes[2].text(
        0.97,
        0.04,
        text["least_squares"],
        transform=axes[2].transAxes,
        ha="right",
        fontsize=9,
    )
    axes[0].set_ylabel(text["y"])
    return fig


@register("loss-surface")
def loss_surface_figure(lang):
    """Fig. 5: the squared error over (phi0, phi1), with the models of Fig. 4."""
    text = TEXT[lang]
    x, y = line_data()
    phi0, phi1 = np.meshgrid(np.linspace(-0.5, 2.0, 201), np.linspace(-0.5, 1.8, 201))
    loss = regression.squared_error(phi0, phi1, x, y)

    fig, ax = plt.subplots(figsize=(6.5, 4.4))
    filled = ax.contourf(phi0, phi1, np.log10(loss), levels=20)
    ax.contour(
        phi0, phi1, np.log10(loss), levels=10, colors=text_color(), linewidths=0.4
    )
    colorbar = fig.colorbar(filled, ax=ax)
    colorbar.set_label(r"$\log_{10} L(\phi_0, \phi_1)$")
    # Markers and a legend below the map label the models: text drawn on the
    # color map itself would be unreadable in one of the two schemes.
    markers = ("s", "^", "o")
    colors = (palette()[3], palette()[1], palette()[2])
    for index, ((m0, m1), marker, color) in enumerate(
        zip(line_models(), markers, colors)
    ):
        ax.plot(
            m0,
            m1,
            marker,
            color=color,
            markersize=8,
            markeredgecolor=text_color(),
            label=f"({'abc'[index]}) " + text["model"].format(phi0=m0, phi1=m1),
        )
    ax.set_xlabel(text["phi0"])
    ax.set_ylabel(text["phi1"])
    fig.legend(loc="outside lower center", ncols=3, fontsize=8)
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
    return [
        regions.linear_pieces(lambda x, n=n: regions.relu_network(x, n), 0, 1)
        for n in networks
    ]


# --8<-- [end:folding]


def plot_pieces(ax, layers, pieces, *, lang, title):
    """Draw a scalar network on [0, 1], alternating colors per linear piece."""
    text = TEXT[lang]
    artists = []
    for index, (start, end, _) in enumerate(pieces):
        grid = np.linspace(start, end, 50)
        color = palette()[index % 2]
        artists += ax.plot(
            grid, regions.relu_network(grid, layers), color=color, linewidth=2
        )
    for start, _, _ in pieces[1:]:
        artists.append(
            ax.axvline(start, color=text_color(), linewidth=0.5, linestyle=":")
        )
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
    for ax, layers, found, title, (xlabel, ylabel) in zip(
        axes, networks, pieces, titles, labels
    ):
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
    lines = ax.imshow(
        boundary, origin="lower", extent=extent, cmap=edge, interpolation="none"
    )
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
    axes[0].set_title(
        text["net1"].replace("(x)", r"(\mathbf{x})")
        + "\n"
        + text["regions"].format(n=count_1),
        fontsize=9,
    )
    levels = np.linspace(y.min(), y.max(), 400)
    axes[1].plot(
        levels, regions.relu_network(levels, fold), color=palette()[0], linewidth=2
    )
    axes[1].set_xlabel("$y$")
    axes[1].set_ylabel("$y'$")
    axes[1].set_title(text["net2"], fontsize=9)
    plot_region_map(
        axes[2], labels_2, y_prime.reshape(resolution, resolution), extent=extent
    )
    axes[2].set_title(
        text["composed"].replace("(x)", r"(\mathbf{x})")
        + "\n"
        + text["regions"].format(n=count_2),
        fontsize=9,
    )
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
    # One BLAS thread: on a busy 2-core machine, OpenBLAS with 2 threads made
    # these small least-squares fits about 30 times slower (10.6 s vs 0.3 s).
    with threadpool_limits(1):
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
    ax_fit.plot(
        GRID_1D,
        training.target_1d(GRID_1D),
        color=text_color(),
        linewidth=3,
        alpha=0.35,
        label=text["target"],
    )
    for color, D in zip(colors, WIDTHS_SHOWN):
        knots, phi, _ = fits[D]
        ax_fit.plot(
            GRID_1D,
            regression.shallow_relu(GRID_1D, knots, phi),
            color=color,
            label=text["width"].format(d=D),
        )
    ax_fit.set_xlabel(text["x"])
    ax_fit.set_ylabel(text["y"])
    ax_fit.legend(fontsize=8)

    widths = np.array(WIDTHS_SCORED)
    errors = np.array([fits[D][2] for D in WIDTHS_SCORED])
    ax_error.loglog(widths, errors, "o-", color=colors[0], markersize=3)
    reference = errors[-1] * (widths / widths[-1]) ** -4.0
    ax_error.loglog(
        widths[4:],
        reference[4:],
        "--",
        color=text_color(),
        linewidth=1,
        label=text["rate"],
    )
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
        counts = [
            float(regions.max_regions_deep_upper([D] * K, n_inputs)) for D in widths
        ]
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
            palette(), max_region_curves(n_inputs, list(widths)).items()
        ):
            ax.loglog(
                parameters, counts, "-", color=color, label=text["depth"].format(k=K)
            )
        p = regions.count_parameters(n_inputs, highlight, 5)
        r = regions.max_regions_deep_upper([highlight] * 5, n_inputs)
        ax.plot(p, float(r), "o", color=text_color(), markersize=6)
        label = (
            f"{r:,}"
            if r < 10**7
            else f"{float(r):.1e}".replace("e+", r"$\times 10^{") + "}$"
        )
        ax.annotate(
            text["highlight"].format(k=5, d=highlight, p=f"{p:,}", r=label),
            (p, float(r)),
            xytext=(10, -40),
            textcoords="offset points",
            fontsize=8,
        )
        ax.set_title(text["inputs"].format(d=n_inputs), fontsize=10)
        ax.set_xlabel(text["params"])
        ax.set_ylabel(text["max_regions"])
        ax.legend(fontsize=8, loc="upper left")
    return fig


# --8<-- [start:curves]
@functools.cache
def training_curves(n_train, width, epochs, batch_size, lr):
    """Train an MLP 64-width-10 on digits with Adam; return its history.

    ``n_train=None`` uses all 997 training images of the split.
    """
    with training.torch_threads(1):
        data = training.digits_split(n_train=n_train, seed=0)
        model = training.mlp([64, width, 10], seed=0)
        optimizer = torch.optim.Adam(model.parameters(), lr=lr)
        return training.train(
            model,
            data,
            optimizer=optimizer,
            epochs=epochs,
            batch_size=batch_size,
            seed=0,
        )


# --8<-- [end:curves]


def plot_history(ax, history, *, lang):
    """Draw the training and validation losses of a history; return the lines."""
    text = TEXT[lang]
    epochs = [record["epoch"] for record in history]
    lines = ax.plot(
        epochs,
        [record["train_loss"] for record in history],
        color=palette()[0],
        label=text["train"],
    )
    lines += ax.plot(
        epochs,
        [record["val_loss"] for record in history],
        color=palette()[1],
        label=text["val"],
    )
    ax.set_yscale("log")
    ax.set_xlabel(text["epoch"])
    ax.set_ylabel(text["ce_loss"])
    return lines


@register("training-curves")
def training_curves_figure(lang):
    """Fig. 10: a run that converges and a run that overfits."""
    text = TEXT[lang]
    converged = training_curves(*CONVERGED_RUN)
    overfit = training_curves(*OVERFIT_RUN)
    fig, axes = plt.subplots(1, 2, figsize=(8.5, 3.3))
    plot_history(axes[0], converged, lang=lang)
    axes[0].set_title(text["converged"].format(n=1797 - 800), fontsize=10)
    plot_history(axes[1], overfit, lang=lang)
    best = min(overfit, key=lambda record: record["val_loss"])
    axes[1].axvline(
        best["epoch"],
        color=text_color(),
        linestyle="--",
        linewidth=1,
        label=text["best"].format(epoch=best["epoch"]),
    )
    axes[1].set_title(text["overfit"].format(n=OVERFIT_RUN[0]), fontsize=10)
    for ax in axes:
        ax.legend(fontsize=8)
    return fig


# --8<-- [start:l2_fit]
@functools.cache
def l2_fit(lam, seed=0):
    """Fit an MLP 1-64-64-1 to 15 noisy points with loss MSE + lam * sum(W**2).

    The penalty is Eq. (4.1) on the weight matrices (not the biases); Adam
    runs L2_STEPS full-batch steps. Returns the fitted model.
    """
    with training.torch_threads(1), torch.enable_grad():
        x, y = training.regression_1d(15, noise=0.2, seed=seed)
        model = training.mlp([1, 64, 64, 1], seed=seed)
        weights = [p for name, p in model.named_parameters() if name.endswith("weight")]
        optimizer = torch.optim.Adam(model.parameters(), lr=L2_LR)
        for _ in range(L2_STEPS):
            optimizer.zero_grad()
            loss = ((model(x) - y) ** 2).mean() + optim.l2_penalty(weights, lam)
            loss.backward()
            optimizer.step()
    return model


# --8<-- [end:l2_fit]


@register("l2-fits")
def l2_fits_figure(lang):
    """Fig. 11: the same network fitted with growing L2 strength."""
    text = TEXT[lang]
    x, y = training.regression_1d(15, noise=0.2, seed=0)
    grid = torch.linspace(0, 1, 400)[:, None]
    fig, axes = plt.subplots(1, len(L2_LAMBDAS), figsize=(9.0, 2.8), sharey=True)
    for ax, lam in zip(axes, L2_LAMBDAS):
        model = l2_fit(lam)
        with torch.no_grad():
            fitted = model(grid)
        ax.plot(
            grid[:, 0],
            training.target_1d(grid[:, 0].numpy()),
            color=text_color(),
            alpha=0.35,
            linewidth=3,
            label=text["target"],
        )
        ax.plot(grid[:, 0], fitted[:, 0], color=palette()[0], linewidth=2)
        ax.scatter(
            x[:, 0], y[:, 0], color=palette()[1], s=14, zorder=3, label=text["data"]
        )
        ax.set_title(text["lambda"].format(lam=lam), fontsize=10)
        ax.set_xlabel(text["x"])
        ax.set_ylim(-2.2, 2.2)
    axes[0].set_ylabel(text["y"])
    axes[0].legend(fontsize=7, loc="lower left")
    return fig


# --8<-- [start:momentum]
# A quadratic loss with curvatures 0.2 and 4 along axes rotated by 30 degrees.
_ROTATION = np.array(
    [[np.cos(np.pi / 6), -np.sin(np.pi / 6)], [np.sin(np.pi / 6), np.cos(np.pi / 6)]]
)
HESSIAN = _ROTATION @ np.diag([0.2, 4.0]) @ _ROTATION.T


def quadratic_loss(w):
    r"""Evaluate the loss :math:`\frac{1}{2}\mathbf{w}^T A \mathbf{w}`, minimum at 0."""
    A = torch.as_tensor(HESSIAN, dtype=w.dtype)
    return 0.5 * w @ A @ w


def momentum_path(momentum, start=(-4.0, 2.0)):
    """Run vcbook.optim.SGD on quadratic_loss.

    Returns the path, shape (MOMENTUM_STEPS + 1, 2), and the loss at each point.
    """
    w = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    optimizer = optim.SGD([w], lr=MOMENTUM_LR, momentum=momentum)
    path, losses = [w.detach().clone()], [float(quadratic_loss(w.detach()))]
    for _ in range(MOMENTUM_STEPS):
        optimizer.zero_grad()
        quadratic_loss(w).backward()
        optimizer.step()
        path.append(w.detach().clone())
        losses.append(float(quadratic_loss(w.detach())))
    return torch.stack(path).numpy(), np.array(losses)


# --8<-- [end:momentum]


@register("momentum-paths")
def momentum_paths_figure(lang):
    """Fig. 12: gradient descent paths for several momentum values."""
    text = TEXT[lang]
    w1, w2 = np.meshgrid(np.linspace(-5, 5, 201), np.linspace(-3.5, 3.5, 161))
    points = np.stack([w1, w2], axis=-1)
    surface = 0.5 * np.einsum("...i,ij,...j->...", points, HESSIAN, points)

    fig, (ax_path, ax_loss) = plt.subplots(
        1, 2, figsize=(8.5, 3.4), width_ratios=[1.3, 1]
    )
    ax_path.contour(
        w1,
        w2,
        surface,
        levels=np.geomspace(0.05, 40, 12),
        colors=text_color(),
        linewidths=0.4,
        alpha=0.6,
    )
    for color, mu in zip(palette(), MOMENTA):
        path, losses = momentum_path(mu)
        label = text["momentum"].format(mu=mu)
        ax_path.plot(
            path[:, 0],
            path[:, 1],
            "o-",
            color=color,
            markersize=2.5,
            linewidth=1,
            label=label,
        )
        ax_loss.semilogy(np.arange(len(losses)), losses, color=color, label=label)
    ax_path.plot(-4.0, 2.0, "s", color=text_color(), label=text["start"])
    ax_path.plot(0.0, 0.0, "*", color=text_color(), markersize=10)
    ax_path.set_xlabel(text["w1"])
    ax_path.set_ylabel(text["w2"])
    ax_path.set_aspect("equal")
    ax_path.legend(fontsize=7, loc="lower right")
    ax_loss.set_xlabel(text["step"])
    ax_loss.set_ylabel(text["loss_value"])
    ax_loss.legend(fontsize=7)
    return fig
