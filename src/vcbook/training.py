"""Data sets, a training loop with a per-epoch history, and early stopping.

The data come from code (a noisy 1D regression problem) or from
scikit-learn's bundled digits (1,797 images of 8x8 pixels, no download).
Every function that draws random numbers takes a ``seed`` and leaves the
global torch and NumPy generators untouched, so runs are reproducible.
"""

# --8<-- [start:imports]
import contextlib
import copy

import numpy as np
import torch
from sklearn.datasets import load_digits
from torch import nn

from vcbook._validation import check_positive_int, check_real_scalar

# --8<-- [end:imports]


@contextlib.contextmanager
def torch_threads(n):
    """Run a block with ``torch.set_num_threads(n)``, then restore the old count.

    Small models train much faster on one thread when other processes share
    the cores. One step of a 64-64-10 MLP on a batch of 64 digits took 0.6 ms
    on 1 thread and 25 ms on 2 threads of a busy 2-core machine (PyTorch
    2.13, CPU, measured once).
    """
    n = check_positive_int(n, "n")
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


# --8<-- [start:data]
def target_1d(x):
    r"""Evaluate the target of the 1D examples.

    The target is :math:`\sin(2\pi x) + 0.4\sin(5\pi x)`.
    """
    return np.sin(2 * np.pi * x) + 0.4 * np.sin(5 * np.pi * x)


def regression_1d(n, *, noise=0.2, seed=0):
    """Draw ``n`` points x ~ U(0, 1) with y = target_1d(x) + N(0, noise²).

    Returns
    -------
    x, y : torch.Tensor of shape (n, 1), float32, sorted by x
    """
    n = check_positive_int(n, "n")
    noise = check_real_scalar(noise, "noise")
    if noise < 0:
        raise ValueError(f"noise must be >= 0, got {noise}")
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(0, 1, n))
    y = target_1d(x) + noise * rng.normal(size=n)
    x = torch.tensor(x, dtype=torch.float32)[:, None]  # (n, 1)
    y = torch.tensor(y, dtype=torch.float32)[:, None]  # (n, 1)
    return x, y


def digits_split(*, n_train=None, n_val=300, n_test=500, seed=0):
    """Split scikit-learn's digits into training, validation and test sets.

    Pixels are scaled from 0..16 to [0, 1] and each image is flattened to 64
    features. The split is a seeded shuffle: test first, then validation,
    then training (its first ``n_train`` images, or all of the rest).

    Returns
    -------
    dict with keys "train", "val", "test", each an (x, y) pair: x of shape
    (N, 64), float32, and y of shape (N,), int64 labels 0 to 9.

    Raises
    ------
    ValueError
        If the requested sizes add up to more than 1,797 images.
    """
    n_val = check_positive_int(n_val, "n_val")
    n_test = check_positive_int(n_test, "n_test")
    digits = load_digits()
    available = len(digits.target) - n_val - n_test
    if n_train is None:
        n_train = available
    n_train = check_positive_int(n_train, "n_train")
    if n_train > available:
        raise ValueError(
            f"n_train={n_train} is too large: with n_val={n_val} and n_test={n_test} "
            f"only {available} of the {len(digits.target)} images are left for training"
        )
    order = np.random.default_rng(seed).permutation(len(digits.target))
    x = torch.tensor(digits.data / 16.0, dtype=torch.float32)
    y = torch.tensor(digits.target, dtype=torch.int64)
    parts = {
        "test": order[:n_test],
        "val": order[n_test : n_test + n_val],
        "train": order[n_test + n_val : n_test + n_val + n_train],
    }
    return {name: (x[index], y[index]) for name, index in parts.items()}


# --8<-- [end:data]


# --8<-- [start:mlp]
def mlp(sizes, *, dropout=0.0, seed=0):
    """Build a multilayer perceptron, ReLU (and dropout) between linear layers.

    ``sizes`` lists the widths from input to output, e.g. ``[64, 128, 10]``.
    The initial weights are PyTorch's defaults drawn with ``seed``.
    """
    if len(sizes) < 2:
        raise ValueError(
            f"sizes must list at least an input and an output width, got {sizes}"
        )
    sizes = [check_positive_int(size, "each size") for size in sizes]
    if not 0 <= dropout < 1:
        raise ValueError(f"dropout must be in [0, 1), got {dropout}")
    layers = []
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            layers += [nn.Linear(n_in, n_out), nn.ReLU()]
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
    trailing = 2 if dropout > 0 else 1  # no activation after the output layer
    return nn.Sequential(*layers[:-trailing])


# --8<-- [end:mlp]


# --8<-- [start:evaluate]
def default_loss(y):
    """Cross-entropy for integer labels, mean squared error for real targets."""
    return nn.CrossEntropyLoss() if y.dtype == torch.int64 else nn.MSELoss()


@torch.no_grad()
def evaluate(model, x, y, loss_fn=None):
    """Return (loss, accuracy) of ``model`` on (x, y) in eval mode.

    The accuracy is the fraction of correct argmax predictions for integer
    labels, and None for real targets. The model's train/eval mode is restored.
    """
    loss_fn = default_loss(y) if loss_fn is None else loss_fn
    was_training = model.training
    model.eval()
    out = model(x)
    model.train(was_training)
    loss = float(loss_fn(out, y))
    if y.dtype != torch.int64:
        return loss, None
    return loss, float((out.argmax(dim=1) == y).float().mean())


@torch.no_grad()
def evaluate_ensemble(models, x, y):
    """Return (loss, accuracy) of the average of the models' softmax outputs.

    The loss is the cross-entropy (nats) of the averaged probabilities.
    """
    if not models:
        raise ValueError("models is empty; pass at least one trained model")
    probabilities = []
    for model in models:
        was_training = model.training
        model.eval()
        probabilities.append(torch.softmax(model(x), dim=1))
        model.train(was_training)
    p = torch.stack(probabilities).mean(dim=0)  # (N, C)
    loss = float(-torch.log(p[torch.arange(len(y)), y]).mean())
    return loss, float((p.argmax(dim=1) == y).float().mean())


# --8<-- [end:evaluate]


# --8<-- [start:augment]
def shift_digits(x, generator):
    """Shift each 8x8 digit by -1, 0 or +1 pixel along each axis, zero-filled.

    Parameters
    ----------
    x : torch.Tensor of shape (N, 64)
    generator : torch.Generator

    Returns
    -------
    torch.Tensor of shape (N, 64)
    """
    images = x.reshape(-1, 1, 8, 8)
    padded = nn.functional.pad(images, (1, 1, 1, 1))  # (N, 1, 10, 10)
    shifts = torch.randint(0, 3, (len(x), 2), generator=generator)
    rows = shifts[:, 0, None] + torch.arange(8)  # (N, 8)
    columns = shifts[:, 1, None] + torch.arange(8)  # (N, 8)
    index = torch.arange(len(x))[:, None, None]
    shifted = padded[index, 0, rows[:, :, None], columns[:, None, :]]  # (N, 8, 8)
    return shifted.reshape(len(x), 64)


# --8<-- [end:augment]


# --8<-- [start:early_stopping]
class EarlyStopping:
    """Stop when the validation loss has not improved for ``patience`` epochs.

    With ``restore_best=True``, :meth:`restore` loads the weights of the best
    epoch back into the model.
    """

    def __init__(self, patience=10, min_delta=0.0, restore_best=True):
        self.patience = check_positive_int(patience, "patience")
        self.min_delta = check_real_scalar(min_delta, "min_delta")
        self.restore_best = restore_best
        self.best_loss = float("inf")
        self.best_epoch = None
        self.best_state = None
        self.bad_epochs = 0

    def update(self, epoch, val_loss, model):
        """Record one epoch's validation loss; return True if training should stop."""
        if val_loss < self.best_loss - self.min_delta:
            self.best_loss, self.best_epoch, self.bad_epochs = val_loss, epoch, 0
            if self.restore_best:
                self.best_state = copy.deepcopy(model.state_dict())
            return False
        self.bad_epochs += 1
        return self.bad_epochs >= self.patience

    def restore(self, model):
        """Load the best epoch's weights into ``model`` (if they were kept)."""
        if self.best_state is not None:
            model.load_state_dict(self.best_state)


# --8<-- [end:early_stopping]


# --8<-- [start:train]
def train(
    model,
    data,
    *,
    optimizer,
    epochs,
    batch_size,
    loss_fn=None,
    seed=0,
    accumulation_steps=1,
    early_stopping=None,
    input_noise=0.0,
    augment=None,
    scheduler=None,
    target_train_loss=None,
):
    """Train ``model`` with mini-batches and return the per-epoch history.

    Parameters
    ----------
    model : torch.nn.Module
    data : dict with "train" and optionally "val", each an (x, y) pair
    optimizer : torch.optim.Optimizer over the model's parameters, e.g. vcbook.optim.SGD
    epochs, batch_size : int
    loss_fn : callable(out, y), default cross-entropy or MSE (see default_loss)
    seed : int
        Seeds the shuffling, dropout, noise and augmentation.
    accumulation_steps : int
        Split each batch into this many micro-batches and sum their
        gradients, each scaled by its share of the batch, before one
        optimizer step. For a mean-reduced loss without dropout, this gives
        the gradient of the whole batch.
    early_stopping : EarlyStopping or None
        Needs data["val"]; the best weights are restored at the end.
    input_noise : float
        Standard deviation of the Gaussian noise added to the training inputs.
    augment : callable(x, generator) -> x, or None
        Applied to each training batch (e.g. shift_digits).
    scheduler : a torch.optim.lr_scheduler object, stepped once per epoch, or None
    target_train_loss : float or None
        Stop after the first epoch whose training loss is at most this value,
        so that runs with different settings can be compared at the same fit.

    Returns
    -------
    list of dict, one per epoch: "epoch", "train_loss", "train_accuracy",
    "val_loss", "val_accuracy" (the validation keys only with data["val"]),
    evaluated in eval mode at the end of the epoch.
    """
    epochs = check_positive_int(epochs, "epochs")
    batch_size = check_positive_int(batch_size, "batch_size")
    accumulation_steps = check_positive_int(accumulation_steps, "accumulation_steps")
    if early_stopping is not None and "val" not in data:
        raise ValueError(
            "early_stopping needs a validation set: add data['val'] = (x, y)"
        )
    x_train, y_train = data["train"]
    loss_fn = default_loss(y_train) if loss_fn is None else loss_fn
    generator = torch.Generator().manual_seed(seed)
    history = []

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        for epoch in range(1, epochs + 1):
            model.train()
            order = torch.randperm(len(x_train), generator=generator)
            for batch in order.split(batch_size):
                x, y = x_train[batch], y_train[batch]
                if augment is not None:
                    x = augment(x, generator)
                if input_noise > 0:
                    x = x + input_noise * torch.randn(x.shape, generator=generator)
                optimizer.zero_grad()
                for x_micro, y_micro in zip(
                    x.tensor_split(accumulation_steps),
                    y.tensor_split(accumulation_steps),
                ):
                    if len(y_micro) > 0:
                        share = len(y_micro) / len(y)
                        (loss_fn(model(x_micro), y_micro) * share).backward()
                optimizer.step()
            if scheduler is not None:
                scheduler.step()

            record = {"epoch": epoch}
            record["train_loss"], record["train_accuracy"] = evaluate(
                model, x_train, y_train, loss_fn
            )
            if "val" in data:
                record["val_loss"], record["val_accuracy"] = evaluate(
                    model, *data["val"], loss_fn
                )
            history.append(record)
            has_target = target_train_loss is not None
            if has_target and record["train_loss"] <= target_train_loss:
                break
            if early_stopping is not None and early_stopping.update(
                epoch, record["val_loss"], model
            ):
                break

    if early_stopping is not None:
        early_stopping.restore(model)
    return history


# --8<-- [end:train]
