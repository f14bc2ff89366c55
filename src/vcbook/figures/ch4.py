"""Figures of chapter 4: regularization methods and implicit regularization.

The ideas of Figs. 13 and 14 follow the figures of chapter 9 of S. J. D.
Prince, *Understanding Deep Learning* (MIT Press, 2023). Here every number
comes from a seeded training run on scikit-learn's digits.
"""

# --8<-- [start:imports]
import functools

import matplotlib.pyplot as plt
import numpy as np

from vcbook import optim, training

# --8<-- [end:imports]
from vcbook.figures._registry import register
from vcbook.figures.style import palette, text_color

# --8<-- [start:constants]
# Figs. 13 and 14: the small training set and the shared training settings.
SMALL_TRAIN = 150
REG_EPOCHS, REG_BATCH, REG_LR = 100, 25, 0.05
LEARNING_RATES = (0.05, 0.1, 0.2, 0.5, 1.0)
BATCH_SIZES = (8, 16, 32, 64, 128)
# Fig. 14 trains every run until its training loss reaches IMPLICIT_TARGET
# (nats), so the runs differ in how they fit, not in how far they got.
IMPLICIT_TRAIN, IMPLICIT_TARGET, IMPLICIT_MAX_EPOCHS = 300, 0.05, 500
IMPLICIT_SEEDS = (0, 1)
# --8<-- [end:constants]

TEXT = {
    "pt": {
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


# --8<-- [start:regularizers]
def _fit_digits(data, *, seed=0, dropout=0.0, weight_decay=0.0, **options):
    """Train the MLP 64-128-10 of Fig. 13 on ``data``; return (model, history)."""
    model = training.mlp([64, 128, 10], dropout=dropout, seed=seed)
    optimizer = optim.SGD(
        model.parameters(), lr=REG_LR, momentum=0.9, weight_decay=weight_decay
    )
    history = training.train(
        model,
        data,
        optimizer=optimizer,
        epochs=REG_EPOCHS,
        batch_size=REG_BATCH,
        seed=seed,
        **options,
    )
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
        ax_accuracy.text(
            accuracy, position, f" {accuracy:.3f}", va="center", fontsize=8
        )
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
                history = training.train(
                    model,
                    data,
                    optimizer=optimizer,
                    epochs=IMPLICIT_MAX_EPOCHS,
                    batch_size=batch_size,
                    seed=seed,
                    target_train_loss=IMPLICIT_TARGET,
                )
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
    for ax, values, (scores, used) in (
        (ax_lr, LEARNING_RATES, zip(*results["lr"])),
        (ax_batch, BATCH_SIZES, zip(*results["batch"])),
    ):
        for value, score, n_epochs in zip(values, scores, used):
            ax.annotate(
                text["epochs_used"].format(n=n_epochs),
                (value, score),
                xytext=(0, 6),
                textcoords="offset points",
                ha="center",
                fontsize=7,
            )
    ax_batch.set_xticks(BATCH_SIZES, [str(b) for b in BATCH_SIZES])
    ax_batch.minorticks_off()
    ax_batch.set_xlabel(text["batch"])
    ax_batch.set_title(text["panel_batch"].format(lr=0.1), fontsize=10)
    return fig
