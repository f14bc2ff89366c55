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
# # Lab 4: the strength of regularization
#
# [Chapter 4](../../capitulo-4/) added the penalty $\lambda \sum_i w_i^2$ of Equation (4.1) to the loss,
# which in gradient descent becomes weight decay.
# Here we check that equivalence numerically with `vcbook.optim`, and then vary the strength of the
# regularization while training, with `vcbook.training`, a network on the digits with few training
# images: without regularization the network memorizes the training set, with too much it does not
# learn.
#
# The cells run in the order they appear; change the values and run them again.

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import torch

from vcbook.optim import SGD, l2_penalty
from vcbook.training import digits_split, mlp, regression_1d, target_1d, train

# Small models train faster on one thread than on several.
torch.set_num_threads(1)

# %% [markdown]
# ## L2 penalty and weight decay
#
# The gradient of $E + \lambda \sum_i w_i^2$ is $\nabla E + 2\lambda \mathbf{w}$ (Equation 4.2), so a
# step with the penalty in the loss is the same as a step of `SGD(weight_decay=2 * lam)` on $E$.
# We take one step each way, from the same weights, and compare:

# %%
lam, lr = 0.05, 0.1
torch.manual_seed(0)
x, y = torch.randn(16, 5), torch.randn(16, 1)

penalized = torch.nn.Linear(5, 1)
decayed = torch.nn.Linear(5, 1)
decayed.load_state_dict(penalized.state_dict())

loss = torch.nn.functional.mse_loss(penalized(x), y) + l2_penalty(
    penalized.parameters(), lam
)
loss.backward()
SGD(penalized.parameters(), lr=lr).step()

torch.nn.functional.mse_loss(decayed(x), y).backward()
SGD(decayed.parameters(), lr=lr, weight_decay=2 * lam).step()

difference = max(
    (a - b).abs().max().item()
    for a, b in zip(penalized.parameters(), decayed.parameters())
)
assert difference < 1e-6
print(f"max difference after one step: {difference:.1e} (float32)")

# %% [markdown]
# ## Few training digits
#
# With only 200 training images, a $64 \to 128 \to 10$ network has more than enough parameters to
# memorize them.
# We train the same network, from the same initial weights, with six values of weight decay, and follow
# the loss on the 300 validation images.

# %%
data = digits_split(n_train=200)
decays = [0.0, 1e-4, 1e-3, 3e-3, 1e-2, 3e-2]
histories, norms = {}, {}
for weight_decay in decays:
    model = mlp([64, 128, 10], seed=0)
    optimizer = SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=weight_decay)
    histories[weight_decay] = train(
        model, data, optimizer=optimizer, epochs=100, batch_size=32
    )
    weights = [p for name, p in model.named_parameters() if name.endswith("weight")]
    norms[weight_decay] = torch.sqrt(sum((w**2).sum() for w in weights)).item()

print("weight decay  train loss  val loss  best val loss (epoch)  val accuracy  ||W||")
for weight_decay, history in histories.items():
    last = history[-1]
    best = min(history, key=lambda row: row["val_loss"])
    print(
        f"{weight_decay:12g} {last['train_loss']:11.4f} {last['val_loss']:9.4f} "
        f"{best['val_loss']:13.4f} ({best['epoch']:3d}) {last['val_accuracy']:13.3f} "
        f"{norms[weight_decay]:6.2f}"
    )

# %%
fig, (ax_curves, ax_sweep) = plt.subplots(1, 2, figsize=(10, 3.8), layout="constrained")
for weight_decay in (0.0, 1e-3, 3e-2):
    history = histories[weight_decay]
    epochs = [row["epoch"] for row in history]
    ax_curves.plot(
        epochs, [row["val_loss"] for row in history], label=f"wd = {weight_decay:g}"
    )
    ax_curves.plot(epochs, [row["train_loss"] for row in history], ":", color="gray")
ax_curves.set_yscale("log")
ax_curves.set_xlabel("epoch")
ax_curves.set_ylabel("validation loss (training dotted)")
ax_curves.legend()

positive = decays[1:]
ax_sweep.semilogx(
    positive,
    [histories[wd][-1]["val_loss"] for wd in positive],
    "o-",
    label="validation",
)
ax_sweep.semilogx(
    positive,
    [histories[wd][-1]["train_loss"] for wd in positive],
    "s--",
    label="training",
)
no_decay = histories[0.0][-1]["val_loss"]
ax_sweep.axhline(no_decay, color="gray", linewidth=1, label="validation, wd = 0")
ax_sweep.set_xlabel("weight decay")
ax_sweep.set_ylabel("loss after 100 epochs (nats)")
ax_sweep.legend()
plt.show()

# %% [markdown]
# Without weight decay, the validation loss reaches its minimum around epoch 20 and then rises, while
# the training loss keeps falling: the network starts to memorize the 200 images.
# With $10^{-3}$, the validation loss keeps falling until the end and ends below the minimum of the
# unregularized network, with weights of smaller norm.
# From $10^{-2}$ on the penalty dominates, and the training and validation losses rise together.
#
# ## The effect on a curve
#
# In one dimension we can see what regularization does to the learned function.
# We fit 15 noisy points of $\sin(2\pi x) + 0.4 \sin(5\pi x)$ with a $1 \to 64 \to 64 \to 1$ network.

# %%
curve_data = {"train": regression_1d(15, noise=0.3, seed=0)}
grid = torch.linspace(0, 1, 400)[:, None]
fig, ax = plt.subplots(figsize=(6.5, 3.8), layout="constrained")
ax.plot(grid, target_1d(grid.numpy()), color="black", linewidth=1, label="target")
ax.plot(*curve_data["train"], "o", color="black", markersize=4)
for weight_decay in (0.0, 1e-2, 1e-1):
    model = mlp([1, 64, 64, 1], seed=0)
    optimizer = SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=weight_decay)
    train(model, curve_data, optimizer=optimizer, epochs=800, batch_size=15)
    with torch.no_grad():
        ax.plot(grid, model(grid), label=f"wd = {weight_decay:g}")
ax.set_xlabel("$x$")
ax.set_ylabel("$y$")
ax.legend()
plt.show()

# %% [markdown]
# Without regularization the curve follows the points closely; with $10^{-2}$ it reduces to a few
# almost straight pieces, and with $10^{-1}$ it becomes almost a line and loses the shape of the target.
#
# ## Try it
#
# - Train with `n_train=1000` instead of 200: does weight decay still help?
# - Replace weight decay by early stopping: stop each run at the epoch of lowest validation loss in the
#   table and compare the accuracies.
# - Pass `dropout=0.3` to `mlp` and compare with a weight decay of $10^{-3}$.
