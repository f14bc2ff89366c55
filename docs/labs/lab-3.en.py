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
# # Lab 3: width, depth and linear regions
#
# A network with ReLU activations computes a continuous piecewise-affine function: the input space
# splits into linear regions, and on each of them the network is an affine function.
# [Chapter 3](../../capitulo-3/) showed how many regions a network can have at most.
# Here we count how many it actually has, with `vcbook.regions`, while varying the width and the depth.
# We will see that the maximum grows exponentially with depth, that a network with random weights stays
# far below it, and that a careful choice of weights does reach the exponential growth.
#
# The cells run in the order they appear; change the values and run them again.

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import numpy as np

from vcbook.regions import (
    count_parameters,
    max_regions_deep_upper,
    network_breakpoints,
    region_map_2d,
    relu_network,
)


def random_layers(widths, n_inputs, seed):
    """Draw the (W, b) layers of a ReLU network with He-scaled Gaussian weights."""
    rng = np.random.default_rng(seed)
    sizes = [n_inputs, *widths, 1]
    layers = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        W = rng.normal(0.0, np.sqrt(2 / fan_in), size=(fan_out, fan_in))  # (out, in)
        b = rng.normal(0.0, 0.5, size=fan_out)
        layers.append((W, b))
    return layers


# %% [markdown]
# ## A scalar input
#
# With one input, the regions are intervals, separated by the kinks of the function.
# `network_breakpoints` finds the exact kinks in $[-3, 3]$, layer by layer.
# We compare a shallow network of 12 units with a deep one of three layers of 4 units: both have 12
# hidden units.

# %%
lo, hi = -3.0, 3.0
grid = np.linspace(lo, hi, 2001)
fig, axes = plt.subplots(1, 2, figsize=(10, 3.5), layout="constrained", sharey=False)
for ax, widths in zip(axes, [[12], [4, 4, 4]]):
    layers = random_layers(widths, 1, seed=0)
    joints = network_breakpoints(layers, lo, hi)
    ax.plot(grid, relu_network(grid, layers).ravel(), linewidth=2)
    ax.plot(joints, relu_network(joints, layers).ravel(), "o", markersize=4)
    ax.set_title(f"widths {widths}: {len(joints) + 1} regions", fontsize=10)
    ax.set_xlabel("$x$")
axes[0].set_ylabel("$f(x)$")
plt.show()

# %% [markdown]
# ## Mean counts and maxima
#
# For each architecture we draw 20 networks and count their regions in $[-3, 3]$.
# The column `max regions` is the largest count among the 20.
# The column `upper bound` is the upper bound of `max_regions_deep_upper` for the whole line, which with
# one layer is $D + 1$.
# All the architectures of a block have the same number of hidden units.

# %%
print("widths            parameters  mean regions  max regions  upper bound")
for total in (24, 48):
    for depth in (1, 2, 3, 4):
        widths = [total // depth] * depth
        counts = [
            len(network_breakpoints(random_layers(widths, 1, seed), lo, hi)) + 1
            for seed in range(20)
        ]
        parameters = count_parameters(1, widths[0], depth)
        bound = max_regions_deep_upper(widths, 1)
        print(
            f"{str(widths):17s} {parameters:10d} {np.mean(counts):13.1f} "
            f"{max(counts):12d} {bound:12d}"
        )

# %% [markdown]
# The upper bound grows fast with depth, but the count of the random networks does not.
# With the same 24 or 48 neurons, the deep networks have on average about as many regions as the
# shallow one, that is, close to the number of neurons.
# Reaching the maximum takes weights chosen for it.
#
# ## A deep network that reaches the exponential growth
#
# Two ReLU units are enough for the "tent" function
# $t(x) = 2\,\mathrm{ReLU}(x) - 4\,\mathrm{ReLU}(x - 1/2)$, which on $[0, 1]$ rises from 0 to 1 and falls
# back.
# Composing the tent $K$ times folds the interval onto itself $K$ times, so the composition has $2^K$
# regions with only $2K$ neurons.
# A shallow network with $2K$ neurons has at most $2K + 1$.


# %%
def sawtooth_layers(depth):
    """Layers of the tent map composed ``depth`` times, two ReLU units per layer."""
    first = (np.array([[1.0], [1.0]]), np.array([0.0, -0.5]))
    middle = (np.array([[2.0, -4.0], [2.0, -4.0]]), np.array([0.0, -0.5]))
    last = (np.array([[2.0, -4.0]]), np.array([0.0]))
    return [first] + [middle] * (depth - 1) + [last]


for depth in range(1, 9):
    regions = len(network_breakpoints(sawtooth_layers(depth), 0.0, 1.0)) + 1
    print(
        f"K = {depth}: {2 * depth:2d} neurons, {regions:3d} regions (2^K = {2**depth})"
    )

unit = np.linspace(0, 1, 4001)
fig, ax = plt.subplots(figsize=(6, 2.8), layout="constrained")
ax.plot(unit, relu_network(unit, sawtooth_layers(4)).ravel(), linewidth=1.5)
ax.set_xlabel("$x$")
ax.set_ylabel("$f(x)$, $K = 4$")
plt.show()

# %% [markdown]
# ## Two inputs
#
# With two inputs, the regions are polygons.
# `region_map_2d` labels the points of a grid by their activation pattern (which ReLUs are on) and
# counts the connected regions.
# Regions smaller than the grid spacing can be missed, so the count is a lower bound.

# %%
box = (-3.0, 3.0)
fig, axes = plt.subplots(1, 2, figsize=(9, 4.2), layout="constrained")
for ax, widths in zip(axes, [[12], [4, 4, 4]]):
    labels, count = region_map_2d(
        random_layers(widths, 2, seed=0), box, box, resolution=200
    )
    shuffled = np.random.default_rng(0).permutation(
        count
    )  # neighbours get distinct colors
    colors = np.where(labels >= 0, shuffled[np.maximum(labels, 0)], -1)
    ax.imshow(
        colors,
        origin="lower",
        extent=(*box, *box),
        cmap="tab20",
        interpolation="nearest",
    )
    bound = max_regions_deep_upper(widths, 2)
    ax.set_title(f"widths {widths}: {count} regions (bound {bound})", fontsize=10)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
plt.show()

# %% [markdown]
# Here too the random deep network stays far below its upper bound of 1331 regions.
#
# ## Try it
#
# - Raise the standard deviation of the biases in `random_layers` from 0.5 to 2: do the kinks spread out
#   and leave the interval $[-3, 3]$?
# - Perturb the weights of `sawtooth_layers(6)` with noise of standard deviation 0.01, 0.1 and 0.5 and
#   count the regions: how much noise is enough to lose the exponential growth?
# - Replace `[4, 4, 4]` by `[2, 2, 2, 2, 2, 2]` in the two-input map.
