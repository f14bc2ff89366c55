"""Figures of chapters 3 (optimization) and 4: training curves, L2, momentum, regularizers.

The ideas of Figs. 10 to 14 follow the figures of chapters 6, 8 and 9 of
S. J. D. Prince, *Understanding Deep Learning* (MIT Press, 2023). Here every
curve comes from a seeded training run on scikit-learn's digits or on the
1D data of ``vcbook.training.regression_1d``.
"""

import functools

import matplotlib.pyplot as plt
import numpy as np
import torch

from vcbook import optim, training
from vcbook.figures._registry import register
from vcbook.figures.style import palette, text_color

# Fig. 10: (n_train, hidden width, epochs, batch size, Adam learning rate).
CONVERGED_RUN = (None, 64, 40, 64, 3e-3)
OVERFIT_RUN = (60, 256, 150, 20, 1e-2)
# Fig. 11: strengths of the L2 penalty of Eq. (4.1), Adam steps and rate.
L2_LAMBDAS = (0.0, 1e-4, 1e-3, 1e-2)
L2_STEPS, L2_LR = 3000, 0.01
# Fig. 12: momentum values and the step size on the quadratic loss.
MOMENTA = (0.0, 0.5, 0.8)
MOMENTUM_LR, MOMENTUM_STEPS = 0.05, 60
# Figs. 13 and 14: the small training set and the shared training settings.
SMALL_TRAIN = 150
REG_EPOCHS, REG_BATCH, REG_LR = 100, 25, 0.05
LEARNING_RATES = (0.05, 0.1, 0.2, 0.5, 1.0)
BATCH_SIZES = (8, 16, 32, 64, 128)
# Fig. 14 trains every run until its training loss reaches IMPLICIT_TARGET
# (nats), so the runs differ in how they fit, not in how far they got.
IMPLICIT_TRAIN, IMPLICIT_TARGET, IMPLICIT_MAX_EPOCHS = 300, 0.05, 500
IMPLICIT_SEEDS = (0, 1)

TEXT = {
    "pt": {
        "epoch": "Época",
        "loss": "Loss (entropia cruzada, nats)",
        "train": "Treinamento",
        "val": "Validação",
        "converged": "(a) {n} imagens de treinamento",
        "overfit": "(b) {n} imagens de treinamento",
        "best": "Menor loss de validação (época {epoch})",
        "x": "Entrada $x$",
        "y": "Saída $y$",
        "data": "Dados",
        "target": "Função alvo",
        "lambda": r"$\lambda = {lam:g}$",
        "w1": "$w_1$",
        "w2": "$w_2$",
        "step": "Passo",
        "loss_value": "Loss $L(\\mathbf{{w}})$",
        "momentum": r"momento $\mu = {mu}$",
        "start": "Início",
        "test_loss": "Loss de teste (nats)",
        "test_accuracy": "Acurácia de teste",
        "methods": {
            "none": "Nenhuma",
            "l2": "L2 (weight decay)",
            "early": "Parada antecipada",
            "dropout": "Dropout",
            "shift": "Aumento de dados\n(deslocamentos)",
            "noise": "Ruído na entrada",
            "ensemble": "Ensemble (5 redes)",
        },
        "lr": "Learning rate",
        "batch": "Tamanho do batch",
        "panel_lr": "(a) Learning rate (batch {b})",
        "panel_batch": "(b) Tamanho do batch (learning rate {lr})",
        "epochs_used": "{n:.0f} épocas",
    },
    "en": {
        "epoch": "Epoch",
        "loss": "Loss (cross-entropy, nats)",
        "train": "Training",
        "val": "Validation",
        "converged": "(a) {n} training images",
        "overfit": "(b) {n} training images",
        "best": "Lowest validation loss (epoch {epoch})",
        "x": "Input $x$",
        "y": "Output $y$",
        "data": "Data",
        "target": "Target function",
        "lambda": r"$\lambda = {lam:g}$",
        "w1": "$w_1$",
        "w2": "$w_2$",
        "step": "Step",
        "loss_value": "Loss $L(\\mathbf{{w}})$",
        "momentum": r"momentum $\mu = {mu}$",
        "start": "Start",
        "test_loss": "Test loss (nats)",
        "test_accuracy": "Test accuracy",
        "methods": {
            "none": "None",
            "l2": "L2 (weight decay)",
            "early": "Early stopping",
            "dropout": "Dropout",
            "shift": "Data augmentation\n(shifts)",
            "noise": "Input noise",
            "ensemble": "Ensemble (5 networks)",
        },
        "lr": "Learning rate",
        "batch": "Batch size",
        "panel_lr": "(a) Learning rate (batch {b})",
        "panel_batch": "(b) Batch size (learning rate {lr})",
        "epochs_used": "{n:.0f} epochs",
    },
}


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
        return training.train(model, data, optimizer=optimizer, epochs=epochs,
                              batch_size=batch_size, seed=0)
# --8<-- [end:curves]


def plot_history(ax, history, *, lang):
    """Draw the training and validation losses of a history; return the lines."""
    text = TEXT[lang]
    epochs = [record["epoch"] for record in history]
    lines = ax.plot(epochs, [record["train_loss"] for record in history],
                    color=palette()[0], label=text["train"])
    lines += ax.plot(epochs, [record["val_loss"] for record in history],
                     color=palette()[1], label=text["val"])
    ax.set_yscale("log")
    ax.set_xlabel(text["epoch"])
    ax.set_ylabel(text["loss"])
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
    axes[1].axvline(best["epoch"], color=text_color(), linestyle="--", linewidth=1,
                    label=text["best"].format(epoch=best["epoch"]))
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
        ax.plot(grid[:, 0], training.target_1d(grid[:, 0].numpy()), color=text_color(),
                alpha=0.35, linewidth=3, label=text["target"])
        ax.plot(grid[:, 0], fitted[:, 0], color=palette()[0], linewidth=2)
        ax.scatter(x[:, 0], y[:, 0], color=palette()[1], s=14, zorder=3, label=text["data"])
        ax.set_title(text["lambda"].format(lam=lam), fontsize=10)
        ax.set_xlabel(text["x"])
        ax.set_ylim(-2.2, 2.2)
    axes[0].set_ylabel(text["y"])
    axes[0].legend(fontsize=7, loc="lower left")
    return fig


# --8<-- [start:momentum]
# A quadratic loss with curvatures 0.2 and 4 along axes rotated by 30 degrees.
_ROTATION = np.array([[np.cos(np.pi / 6), -np.sin(np.pi / 6)],
                      [np.sin(np.pi / 6), np.cos(np.pi / 6)]])
HESSIAN = _ROTATION @ np.diag([0.2, 4.0]) @ _ROTATION.T


def quadratic_loss(w):
    r"""Loss :math:`L(\mathbf{w}) = \frac{1}{2}\mathbf{w}^T A \mathbf{w}`, minimum at 0."""
    A = torch.as_tensor(HESSIAN, dtype=w.dtype)
    return 0.5 * w @ A @ w


def momentum_path(momentum, start=(-4.0, 2.0)):
    """Run vcbook.optim.SGD on quadratic_loss; return the (steps + 1, 2) path and losses."""
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

    fig, (ax_path, ax_loss) = plt.subplots(1, 2, figsize=(8.5, 3.4), width_ratios=[1.3, 1])
    ax_path.contour(w1, w2, surface, levels=np.geomspace(0.05, 40, 12),
                    colors=text_color(), linewidths=0.4, alpha=0.6)
    for color, mu in zip(palette(), MOMENTA):
        path, losses = momentum_path(mu)
        label = text["momentum"].format(mu=mu)
        ax_path.plot(path[:, 0], path[:, 1], "o-", color=color, markersize=2.5, linewidth=1,
                     label=label)
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


# --8<-- [start:regularizers]
def _fit_digits(data, *, seed=0, dropout=0.0, weight_decay=0.0, **options):
    """Train the MLP 64-128-10 of Fig. 13 on ``data``; return (model, history)."""
    model = training.mlp([64, 128, 10], dropout=dropout, seed=seed)
    optimizer = optim.SGD(model.parameters(), lr=REG_LR, momentum=0.9,
                          weight_decay=weight_decay)
    history = training.train(model, data, optimizer=optimizer, epochs=REG_EPOCHS,
                             batch_size=REG_BATCH, seed=seed, **options)
    return model, history


@functools.cache
def regularizer_results():
    """Test (loss, accuracy) of each regularization method of Fig. 13.

    Every method trains the same MLP 64-128-10 from the same start on the
    same SMALL_TRAIN digits, for REG_EPOCHS epochs of SGD with momentum 0.9.
    """
    with training.torch_threads(1):
        data = training.digits_split(n_train=SMALL_TRAIN, seed=0)
        test = data["test"]
        setups = {
            "none": {},
            "l2": {"weight_decay": 5e-3},
            "early": {"early_stopping": training.EarlyStopping(patience=10)},
            "dropout": {"dropout": 0.5},
            "shift": {"augment": training.shift_digits},
            "noise": {"input_noise": 0.3},
        }
        results = {}
        for name, options in setups.items():
            model, _ = _fit_digits(data, **options)
            results[name] = training.evaluate(model, *test)
        members = [_fit_digits(data, seed=seed)[0] for seed in range(5)]
        results["ensemble"] = training.evaluate_ensemble(members, *test)
    return results
# --8<-- [end:regularizers]


@register("regularization-methods")
def regularization_methods_figure(lang):
    """Fig. 13: test loss and accuracy of six regularizers against none."""
    text = TEXT[lang]
    results = regularizer_results()
    names = list(results)
    labels = [text["methods"][name] for name in names]
    positions = np.arange(len(names))
    colors = [text_color() if name == "none" else palette()[0] for name in names]

    fig, (ax_loss, ax_accuracy) = plt.subplots(1, 2, figsize=(9.0, 3.6), sharey=True)
    ax_loss.barh(positions, [results[name][0] for name in names], color=colors)
    ax_accuracy.barh(positions, [results[name][1] for name in names], color=colors)
    for position, name in zip(positions, names):
        loss, accuracy = results[name]
        ax_loss.text(loss, position, f" {loss:.3f}", va="center", fontsize=8)
        ax_accuracy.text(accuracy, position, f" {accuracy:.3f}", va="center", fontsize=8)
    ax_loss.set_yticks(positions, labels)
    ax_loss.invert_yaxis()
    ax_loss.set_xlabel(text["test_loss"])
    ax_accuracy.set_xlabel(text["test_accuracy"])
    low = min(accuracy for _, accuracy in results.values())
    ax_accuracy.set_xlim(max(0.0, low - 0.05), 1.0)
    ax_loss.set_xlim(0, 1.25 * max(loss for loss, _ in results.values()))
    return fig


# --8<-- [start:implicit]
@functools.cache
def implicit_results():
    """Test accuracy for each learning rate and each batch size of Fig. 14.

    Plain SGD (no momentum) trains the MLP 64-128-10 on IMPLICIT_TRAIN digits
    until the training loss reaches IMPLICIT_TARGET (at most
    IMPLICIT_MAX_EPOCHS epochs). Panel (a) varies the learning rate at batch
    size 32, panel (b) the batch size at learning rate 0.1. Each value is the
    mean over IMPLICIT_SEEDS of (test accuracy, epochs used).
    Returns {"lr": [...], "batch": [...]}.
    """
    with training.torch_threads(1):
        data = training.digits_split(n_train=IMPLICIT_TRAIN, seed=0)

        def test_accuracy(lr, batch_size):
            scores, epochs = [], []
            for seed in IMPLICIT_SEEDS:
                model = training.mlp([64, 128, 10], seed=seed)
                optimizer = optim.SGD(model.parameters(), lr=lr)
                history = training.train(model, data, optimizer=optimizer,
                                         epochs=IMPLICIT_MAX_EPOCHS, batch_size=batch_size,
                                         seed=seed, target_train_loss=IMPLICIT_TARGET)
                scores.append(training.evaluate(model, *data["test"])[1])
                epochs.append(len(history))
            return float(np.mean(scores)), float(np.mean(epochs))

        return {
            "lr": [test_accuracy(lr, 32) for lr in LEARNING_RATES],
            "batch": [test_accuracy(0.1, batch) for batch in BATCH_SIZES],
        }
# --8<-- [end:implicit]


@register("implicit-regularization")
def implicit_regularization_figure(lang):
    """Fig. 14: test accuracy against the learning rate and the batch size."""
    text = TEXT[lang]
    results = implicit_results()
    fig, (ax_lr, ax_batch) = plt.subplots(1, 2, figsize=(8.5, 3.2), sharey=True)
    accuracy_lr = [accuracy for accuracy, _ in results["lr"]]
    accuracy_batch = [accuracy for accuracy, _ in results["batch"]]
    ax_lr.semilogx(LEARNING_RATES, accuracy_lr, "o-", color=palette()[0])
    ax_lr.set_xlabel(text["lr"])
    ax_lr.set_ylabel(text["test_accuracy"])
    ax_lr.set_title(text["panel_lr"].format(b=32), fontsize=10)
    ax_batch.semilogx(BATCH_SIZES, accuracy_batch, "o-", color=palette()[1])
    for ax, values, (scores, used) in ((ax_lr, LEARNING_RATES, zip(*results["lr"])),
                                       (ax_batch, BATCH_SIZES, zip(*results["batch"]))):
        for value, score, n_epochs in zip(values, scores, used):
            ax.annotate(text["epochs_used"].format(n=n_epochs), (value, score),
                        xytext=(0, 6), textcoords="offset points", ha="center", fontsize=7)
    ax_batch.set_xticks(BATCH_SIZES, [str(b) for b in BATCH_SIZES])
    ax_batch.minorticks_off()
    ax_batch.set_xlabel(text["batch"])
    ax_batch.set_title(text["panel_batch"].format(lr=0.1), fontsize=10)
    return fig
