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
# # Lab 5: a CNN for the digits and its filters
#
# In [Chapter 5](../../capitulo-5/) we trained the `DigitCNN` of `vcbook.cnn`, three stages of $3 \times 3$
# convolution with ReLU and max pooling, on scikit-learn's handwritten digits upsampled to
# $32 \times 32$.
# Here we use the images at their original size, $8 \times 8$, so that each training run takes about a
# second, and we hold out the last 397 images to measure the accuracy on data the network has not seen.
# Then we look at the filters of the first layer, the activation maps they produce and the effect of the
# width of the network (the number of channels of each stage).
#
# The cells run in the order they appear; change the values and run them again.

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import torch
from sklearn.datasets import load_digits

from vcbook.cnn import DigitCNN, layer_shapes, train_classifier

# A network this small trains faster on one thread than on several.
torch.set_num_threads(1)

digits = load_digits()
# (1797, 1, 8, 8) in [0, 1]
images = torch.tensor(digits.images, dtype=torch.float32)[:, None] / 16
labels = torch.tensor(digits.target)
x_train, y_train = images[:1400], labels[:1400]
x_test, y_test = images[1400:], labels[1400:]
print(f"train: {tuple(x_train.shape)}, test: {tuple(x_test.shape)}")

# %% [markdown]
# ## The network and the shapes of its activations
#
# With `padding=1`, each $3 \times 3$ convolution keeps the size of the image, and each pooling halves it:
# after three stages, the $8 \times 8$ image reaches the linear layer as $32$ channels of $1 \times 1$.
# `layer_shapes` lists the output of each layer without training anything:

# %%
torch.manual_seed(0)
model = DigitCNN(channels=(8, 16, 32), image_size=8)
for name, kind, shape, count in layer_shapes(model, (1, 1, 8, 8)):
    print(f"{name:12s} {kind:10s} {str(shape):16s} {count:6d} parameters")

# %% [markdown]
# ## Training
#
# `train_classifier` minimizes the cross-entropy with Adam and returns the history, one dictionary per
# epoch.

# %%
history = train_classifier(model, x_train, y_train, epochs=10, lr=3e-3)
for row in history[::3]:
    print(
        f"epoch {row['epoch']:2d}: train loss {row['train_loss']:.4f}, "
        f"train accuracy {row['train_accuracy']:.3f}"
    )

model.eval()
with torch.no_grad():
    predicted = model(x_test).argmax(1)
print(f"test accuracy: {(predicted == y_test).float().mean().item():.3f}")

# %% [markdown]
# The confusion matrix shows which digits the network mixes up: the row is the true digit and the column
# the predicted one.

# %%
confusion = torch.bincount(10 * y_test + predicted, minlength=100).reshape(10, 10)
fig, ax = plt.subplots(figsize=(4.5, 4), layout="constrained")
ax.imshow(confusion, cmap="Blues")
for true in range(10):
    for guess in range(10):
        count = int(confusion[true, guess])
        if count:
            ax.text(guess, true, count, ha="center", va="center", fontsize=8)
ax.set_xticks(range(10))
ax.set_yticks(range(10))
ax.set_xlabel("predicted digit")
ax.set_ylabel("true digit")
plt.show()

# %% [markdown]
# ## The filters of the first layer
#
# The first convolution has 8 filters of $3 \times 3$ that look at the pixels directly.
# Red marks positive weights; blue, negative ones.
# Several combine a positive and a negative region side by side: they respond to the difference between
# neighbouring pixels, like edge detectors in one direction.

# %%
first_conv = model.stages[0][0]
weights = first_conv.weight.detach()[:, 0]  # (8, 3, 3)
limit = weights.abs().max().item()
fig, axes = plt.subplots(1, 8, figsize=(10, 1.6), layout="constrained")
for index, (ax, kernel) in enumerate(zip(axes, weights)):
    ax.imshow(kernel, cmap="RdBu_r", vmin=-limit, vmax=limit)
    ax.set_title(f"filter {index}", fontsize=9)
    ax.set_axis_off()
plt.show()

# %% [markdown]
# Each filter produces an activation map (after the ReLU) of the size of the image.
# For the first test digit, the maps show at which pixels each filter responds:

# %%
with torch.no_grad():
    _, activations = model(x_test[:1], return_activations=True)
maps = activations[0][0]  # (8, 8, 8): channel, height, width
fig, axes = plt.subplots(1, 9, figsize=(11, 1.7), layout="constrained")
axes[0].imshow(x_test[0, 0], cmap="gray_r")
axes[0].set_title(f"digit {y_test[0].item()}", fontsize=9)
for index, (ax, feature_map) in enumerate(zip(axes[1:], maps)):
    ax.imshow(feature_map, cmap="magma")
    ax.set_title(f"filter {index}", fontsize=9)
for ax in axes:
    ax.set_axis_off()
plt.show()

# %% [markdown]
# ## Width of the network
#
# Doubling the channels of every stage multiplies the number of convolution parameters by about 4,
# because each filter of a stage looks at all the channels of the previous stage.
# We compare three widths with the same training:

# %%
print("channels        parameters  train acc  test acc")
for channels in [(4, 8, 16), (8, 16, 32), (16, 32, 64)]:
    torch.manual_seed(0)
    candidate = DigitCNN(channels=channels, image_size=8)
    run = train_classifier(candidate, x_train, y_train, epochs=10, lr=3e-3)
    candidate.eval()
    with torch.no_grad():
        test_accuracy = (candidate(x_test).argmax(1) == y_test).float().mean().item()
    count = sum(p.numel() for p in candidate.parameters())
    train_accuracy = run[-1]["train_accuracy"]
    print(
        f"{str(channels):15s} {count:10d} {train_accuracy:10.3f} {test_accuracy:9.3f}"
    )

# %% [markdown]
# The narrowest network does not even fit the training data well in 10 epochs.
# From $(8, 16, 32)$ on, the training accuracy is above 95%, and the test accuracy stays a few points
# below it.
#
# ## Try it
#
# - Upsample the images to $32 \times 32$, as in the chapter, with
#   `torch.nn.functional.interpolate(images, size=32, mode="bilinear")` and `image_size=32`: training
#   gets slower, and the filters of the first layer now see smoother edges.
# - Train for 30 epochs and compare the training accuracy with the test accuracy: does the gap grow?
# - Change `lr=3e-3` to `lr=3e-2` and look at the loss history.
