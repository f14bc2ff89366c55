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
# # Lab 2: two automatic differentiation engines and PyTorch
#
# [Chapter 2](../../capitulo-2/) built two reverse-mode automatic differentiation engines: `Scalar`,
# which works on real numbers and fits in one screen, and `Tensor`, which works on NumPy arrays.
# Here we check both against `torch.autograd` on expressions you can change and look at the graph that
# `Scalar` records.
# Then we compare the time of each engine as the number of variables grows, and train the same network
# with `Tensor` and with PyTorch, side by side.
#
# The cells run in the order they appear; change the values and run them again.

# %%
# %matplotlib inline
import math
import time

import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.datasets import load_digits

from vcbook.autodiff import Scalar, Tensor, cross_entropy, topological_order

# Small tensors: one thread avoids the cost of coordinating several.
torch.set_num_threads(1)

# %% [markdown]
# ## An expression with Scalar
#
# The function below mixes sum, product, power, division, $\tanh$ and $\log$.
# We write the expression once and evaluate it with `Scalar` and with float64 PyTorch tensors; the
# partial derivatives must agree up to rounding error.


# %%
def f(x, y):
    return (x * y + y**2).tanh() + (x / y).log() * 0.5


x, y = Scalar(1.3, label="x"), Scalar(0.7, label="y")
out = f(x, y)
out.backward()

tx = torch.tensor(1.3, dtype=torch.float64, requires_grad=True)
ty = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)
t_out = f(tx, ty)
t_out.backward()

print(f"f = {out.data:.10f} (Scalar), {t_out.item():.10f} (torch)")
print(f"df/dx = {x.grad:.10f} (Scalar), {tx.grad.item():.10f} (torch)")
print(f"df/dy = {y.grad:.10f} (Scalar), {ty.grad.item():.10f} (torch)")
difference = max(abs(x.grad - tx.grad.item()), abs(y.grad - ty.grad.item()))
assert difference < 1e-12
print("the partial derivatives agree to 1e-12")

# %% [markdown]
# `Scalar` keeps the graph of the expression: each node remembers the operation that produced it and
# its parents.
# `topological_order` lists the nodes so that each comes after its parents, the reverse of the order in
# which `backward` visits them.
# Unlike PyTorch, every node stores its gradient, not only the leaves:

# %%
for node in topological_order(out):
    name = node.label or node.op or "constant"
    print(f"{name:>9s}  data = {node.data:9.5f}  grad = {node.grad:9.5f}")

# %% [markdown]
# ## Gradients accumulate
#
# In both engines, as in PyTorch, each call of `backward` adds to the gradient already there.
# Calling it again without resetting the gradient doubles it:

# %%
x, y = Scalar(1.3), Scalar(0.7)
f(x, y).backward()
first = x.grad
f(x, y).backward()
print(f"after one backward: {first:.6f}; after two: {x.grad:.6f}")

w = Tensor([1.0, -2.0, 3.0], requires_grad=True)
for _ in range(2):
    (w * w).sum().backward()
print("Tensor after two backward calls:", w.grad)
w.grad = None  # start over, as optimizer.zero_grad() does in PyTorch

# %% [markdown]
# ## What each engine costs
#
# We take $\mathcal{L}(\mathbf{w}) = \sum_i \tanh^2(w_i/2)$ with $n$ variables and time the
# computation of the value and the gradient.
# `Scalar` creates one Python object per operation and per variable, so its time grows in proportion to
# $n$.
# `Tensor` and PyTorch run one operation per array, and up to a few thousand variables their time is
# dominated by the fixed cost of each operation.


# %%
def scalar_gradient(values):
    w = [Scalar(value) for value in values]
    loss = sum(((wi * 0.5).tanh()) ** 2 for wi in w)
    loss.backward()
    return np.array([wi.grad for wi in w])


def tensor_gradient(values):
    w = Tensor(values, requires_grad=True)
    ((w * 0.5).tanh() ** 2).sum().backward()
    return w.grad


def torch_gradient(values):
    w = torch.tensor(values, requires_grad=True)
    ((w * 0.5).tanh() ** 2).sum().backward()
    return w.grad.numpy()


def best_time(gradient, values, repeats=3):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        gradient(values)
        times.append(time.perf_counter() - start)
    return min(times)


engines = {
    "Scalar": scalar_gradient,
    "Tensor": tensor_gradient,
    "torch": torch_gradient,
}
sizes = [10, 30, 100, 300, 1000, 3000]
values = np.random.default_rng(0).normal(size=sizes[-1])
reference = torch_gradient(values)
for name, gradient in engines.items():
    error = np.abs(gradient(values) - reference).max()
    print(f"{name:6s}: max difference to torch = {error:.1e}")

timings = {
    name: [best_time(g, values[:n]) for n in sizes] for name, g in engines.items()
}

fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
for name, seconds in timings.items():
    ax.loglog(sizes, np.array(seconds) * 1e3, "o-", label=name)
ax.set_xlabel("number of variables $n$")
ax.set_ylabel("time of value and gradient (ms)")
ax.legend()
plt.show()

# %% [markdown]
# The times depend on the machine that built this page, but the shape of the curves does not: the
# `Scalar` curve is a line of slope 1 on the log-log plot, and the other two are almost flat.
#
# ## The same network trained on both sides
#
# We train a $64 \to 32 \to 10$ network with ReLU on scikit-learn's $8 \times 8$ pixel digits, with
# gradient descent and the same initial weights, once with `Tensor` and once with PyTorch.
# If the two engines compute the same gradient, the two loss trajectories agree step by step.

# %%
digits = load_digits()
x_data, y_data = digits.data / 16.0, digits.target  # pixels in [0, 1]
rng = np.random.default_rng(0)
initial = [
    rng.uniform(-1 / 8, 1 / 8, size=(32, 64)),
    np.zeros(32),
    rng.uniform(-1 / math.sqrt(32), 1 / math.sqrt(32), size=(10, 32)),
    np.zeros(10),
]
lr, steps = 0.5, 60

params = [Tensor(value.copy(), requires_grad=True) for value in initial]
tensor_losses = []
for _ in range(steps):
    W1, b1, W2, b2 = params
    loss = cross_entropy((Tensor(x_data) @ W1.T + b1).relu() @ W2.T + b2, y_data)
    for p in params:
        p.grad = None
    loss.backward()
    tensor_losses.append(float(loss.data))
    for p in params:
        p.data -= lr * p.grad

torch_params = [torch.tensor(value, requires_grad=True) for value in initial]
x_torch, y_torch = torch.from_numpy(x_data), torch.from_numpy(y_data)
torch_losses = []
for _ in range(steps):
    W1, b1, W2, b2 = torch_params
    logits = torch.relu(x_torch @ W1.T + b1) @ W2.T + b2
    loss = torch.nn.functional.cross_entropy(logits, y_torch)
    for p in torch_params:
        p.grad = None
    loss.backward()
    torch_losses.append(loss.item())
    with torch.no_grad():
        for p in torch_params:
            p -= lr * p.grad

gap = np.abs(np.array(tensor_losses) - np.array(torch_losses))
print(f"loss after {steps} steps: {tensor_losses[-1]:.4f} (Tensor), ", end="")
print(f"{torch_losses[-1]:.4f} (torch)")
print(f"largest difference between the two trajectories: {gap.max():.1e}")

fig, (ax_loss, ax_gap) = plt.subplots(1, 2, figsize=(10, 3.5), layout="constrained")
ax_loss.plot(tensor_losses, label="Tensor", linewidth=3)
ax_loss.plot(torch_losses, "--", label="torch")
ax_loss.set_xlabel("step")
ax_loss.set_ylabel("cross-entropy (nats)")
ax_loss.legend()
ax_gap.semilogy(np.maximum(gap, 1e-17))
ax_gap.set_xlabel("step")
ax_gap.set_ylabel("|difference| (nats)")
plt.show()

# %% [markdown]
# The curves on the left overlap; on the right, the difference is zero (drawn at the floor of
# $10^{-17}$) or of the order of $10^{-16}$ at every step, the rounding error of float64: the two
# engines add the same terms in slightly different orders.
#
# ## Try it
#
# - Replace `f` by another expression, for example `(x**y).exp() - x.sigmoid()`, and check the
#   derivatives.
# - Time `Tensor` and PyTorch for $n = 10^6$ variables (without `Scalar`!): from what size on is PyTorch
#   faster?
# - Pass the data as float32 (`x_data.astype(np.float32)`) to both engines and see how the difference
#   between the trajectories changes.
