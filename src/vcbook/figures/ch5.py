"""Figures of chapter 5: convolution, VGG, receptive fields, loss landscapes, FPN, CLIP.

Every diagram takes its shapes from a real torch module, and every trained
model is trained here, seeded and on one thread, so renders are identical.
"""

import contextlib
import functools
import math

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Polygon, Rectangle
from sklearn.datasets import load_digits
from torch import nn

from vcbook import cnn, landscape
from vcbook.figures._registry import register
from vcbook.figures.style import palette, text_color

# Fig. 15: the layer drawn and the input it is applied to.
CONV_IN, CONV_OUT, CONV_KERNEL, CONV_BATCH, CONV_SIZE = 3, 4, (3, 3), 2, (6, 8)
# Fig. 17: images are upsampled from 8x8 to 32x32 before the CNN.
PATCH_IMAGE_SIZE, PATCH_FILTERS, PATCH_EPOCHS = 32, 4, 6
# Fig. 18: the grid of (alpha, beta) and the networks compared.
LANDSCAPE_STEPS, LANDSCAPE_RANGE, LANDSCAPE_SAMPLES, LANDSCAPE_BATCH = (
    21,
    1.0,
    1024,
    512,
)
LANDSCAPE_BLOCKS, LANDSCAPE_WIDTH, LANDSCAPE_EPOCHS = 20, 16, 20
# Fig. 19: an image of odd size and a four-stage encoder.
FPN_IMAGE, FPN_CHANNELS, FPN_PYRAMID = (97, 129), (16, 32, 64, 128), 32
# Fig. 20: the tiny CLIP, trained on the first CLIP_TRAIN digits.
CLIP_TRAIN, CLIP_STEPS, CLIP_LR = 1500, 600, 3e-3

DIGIT_NAMES = {
    "pt": [
        "zero",
        "um",
        "dois",
        "três",
        "quatro",
        "cinco",
        "seis",
        "sete",
        "oito",
        "nove",
    ],
    "en": [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
    ],
}
CAPTION_TEMPLATES = {
    "pt": ["o número {}", "o dígito {}", "imagem do dígito {}", "{} escrito à mão"],
    "en": [
        "the number {}",
        "the digit {}",
        "image of the digit {}",
        "{} written by hand",
    ],
}

# Labels of Fig. 15 that are the same in both languages: symbols and code.
SHAPE_LABELS = {
    "input_shape": r"$N \times C_{{in}} \times H \times W$" + "\n= {shape}",
    "weight_shape": r"$C_{{out}} \times C_{{in}} \times K_H \times K_W$"
    + "\n= {shape}",
    "bias_shape": r"$C_{{out}}$ = {shape}",
    "output_shape": r"$N \times C_{{out}} \times H' \times W'$" + "\n= {shape}",
    "layer": "nn.Conv2d({c_in}, {c_out}, kernel_size={k}): stride 1, padding 0",
}

TEXT = {
    "pt": {
        "input": "Entrada",
        "filters": "Filtros",
        "bias": "Bias",
        "output": "Saída",
        "image": "imagem {i}",
        "conv": "conv 3×3",
        "pool": "max pool",
        "linear": "linear",
        "params": "{value} parâm.",
        "total": "VGG-16: {total} parâmetros; convoluções {convs}, camadas lineares {linear}",
        "layer_title": "Camada {l} (campo receptivo {r}×{r})",
        "landscape_plain": "(a) sem caminhos residuais",
        "landscape_residual": "(b) com caminhos residuais",
        "accuracy": "acurácia de treino {value:.0%}",
        "loss": r"$\log_{10}$ loss (loss em nats)",
        "encoder": "Codificador",
        "pyramid": "Pirâmide",
        "image_label": "imagem",
        "lateral": "conv 1×1",
        "top_down": "interpolação\n+ soma",
        "smooth": "conv 3×3",
        "final": "interpolação para\no tamanho da imagem",
        "image_encoder": "Codificador\nde imagens",
        "text_encoder": "Codificador\nde texto",
        "images": "imagens",
        "texts": "textos",
        "before": "(a) antes do treino",
        "after": "(b) depois do treino",
        "caption_axis": "texto: “{caption}”",
        "image_axis": "imagem (dígito)",
        "cosine": "similaridade de cosseno",
    },
    "en": {
        "input": "Input",
        "filters": "Filters",
        "bias": "Bias",
        "output": "Output",
        "image": "image {i}",
        "conv": "conv 3×3",
        "pool": "max pool",
        "linear": "linear",
        "params": "{value} params",
        "total": "VGG-16: {total} parameters; convolutions {convs}, linear layers {linear}",
        "layer_title": "Layer {l} (receptive field {r}×{r})",
        "landscape_plain": "(a) without residual connections",
        "landscape_residual": "(b) with residual connections",
        "accuracy": "training accuracy {value:.0%}",
        "loss": r"$\log_{10}$ loss (loss in nats)",
        "encoder": "Encoder",
        "pyramid": "Pyramid",
        "image_label": "image",
        "lateral": "1×1 conv",
        "top_down": "interpolation\n+ sum",
        "smooth": "3×3 conv",
        "final": "interpolation to\nthe image size",
        "image_encoder": "Image\nencoder",
        "text_encoder": "Text\nencoder",
        "images": "images",
        "texts": "texts",
        "before": "(a) before training",
        "after": "(b) after training",
        "caption_axis": "text: “{caption}”",
        "image_axis": "image (digit)",
        "cosine": "cosine similarity",
    },
}


@contextlib.contextmanager
def _one_thread():
    """Run torch on one thread: small models train faster, and in the same order."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def _shape_text(shape):
    return " × ".join(str(s) for s in shape)


def _format_count(value, lang):
    """Format a parameter count as 1.8 M or 38.7 k, with a decimal comma in Portuguese."""
    if value >= 1e6:
        text = f"{value / 1e6:.1f} M"
    elif value >= 1e3:
        text = f"{value / 1e3:.1f} k"
    else:
        text = str(value)
    return text.replace(".", ",") if lang == "pt" else text


def _format_int(value, lang):
    text = f"{value:,}"
    return text.replace(",", ".") if lang == "pt" else text


def plot_cuboid(ax, x, y, width, height, depth, *, color, alpha=0.35, slant=0.6):
    """Draw a box seen from the front right: front face at (x, y), depth going back.

    Return the three face patches.
    """
    dx, dy = (
        depth * slant * math.cos(math.pi / 4),
        depth * slant * math.sin(math.pi / 4),
    )
    edge = text_color()
    top = Polygon(
        [
            (x, y + height),
            (x + dx, y + height + dy),
            (x + width + dx, y + height + dy),
            (x + width, y + height),
        ]
    )
    side = Polygon(
        [
            (x + width, y),
            (x + width + dx, y + dy),
            (x + width + dx, y + height + dy),
            (x + width, y + height),
        ]
    )
    front = Rectangle((x, y), width, height)
    faces = []
    for face, shade in ((top, 0.8), (side, 0.6), (front, 1.0)):
        face.set_facecolor(color)
        face.set_alpha(alpha * shade + 0.2)
        face.set_edgecolor(edge)
        face.set_linewidth(0.8)
        faces.append(ax.add_patch(face))
    return faces


def _arrow(ax, start, end, **kwargs):
    options = dict(arrowstyle="-|>", mutation_scale=10, color=text_color(), linewidth=1)
    options.update(kwargs)
    return ax.add_patch(FancyArrowPatch(start, end, **options))


def _box(ax, x, y, width, height, text, color, fontsize=9):
    patch = FancyBboxPatch(
        (x, y),
        width,
        height,
        boxstyle="round,pad=0.02",
        facecolor=color,
        alpha=0.3,
        edgecolor=text_color(),
    )
    ax.add_patch(patch)
    label = ax.text(
        x + width / 2, y + height / 2, text, ha="center", va="center", fontsize=fontsize
    )
    return patch, label


# ---------------------------------------------------------------------------
# Fig. 15: a convolution layer


def conv_layer_shapes():
    """Shapes of input, weight, bias and output of the Fig. 15 layer, from torch."""
    torch.manual_seed(0)
    layer = nn.Conv2d(CONV_IN, CONV_OUT, kernel_size=CONV_KERNEL)
    x = torch.zeros(CONV_BATCH, CONV_IN, *CONV_SIZE)
    with torch.no_grad():
        out = layer(x)
    return {
        "input": tuple(x.shape),
        "weight": tuple(layer.weight.shape),
        "bias": tuple(layer.bias.shape),
        "output": tuple(out.shape),
    }


def plot_batch(ax, x0, shape, unit, spacing, highlight, *, color, lang):
    """Draw a batch (N, C, H, W) as N boxes, one above the other; return the boxes.

    A rectangle of ``highlight`` = (rows, columns) pixels marks the top-left
    corner of the first image: the filter's window on an input, or the pixel
    it produces on an output.
    """
    n, channels, height, width = shape
    boxes = []
    for i in range(n):
        y0 = 0.6 + (n - 1 - i) * spacing
        boxes.append(
            plot_cuboid(
                ax, x0, y0, width * unit, height * unit, channels * 0.5, color=color
            )
        )
        ax.text(
            x0 + width * unit / 2,
            y0 - 0.25,
            TEXT[lang]["image"].format(i=i + 1),
            ha="center",
            va="top",
            fontsize=8,
        )
        if i == 0:
            rows, columns = highlight
            corner = Rectangle(
                (x0, y0 + (height - rows) * unit),
                columns * unit,
                rows * unit,
                facecolor=palette()[1],
                alpha=0.7,
                edgecolor=text_color(),
            )
            ax.add_patch(corner)
    return boxes


def _plot_column_labels(ax, x, title, shape_text):
    ax.text(x, 6.9, title, ha="center", fontsize=10, weight="bold")
    ax.text(x, -0.5, shape_text, ha="center", va="top", fontsize=8)


@register("conv-layer")
def conv_layer_figure(lang):
    """Fig. 15: a batch of 2 images, the filters with their biases, and the output."""
    text = {**TEXT[lang], **SHAPE_LABELS}
    shapes = conv_layer_shapes()
    n, c_in, height, width = shapes["input"]
    c_out, _, k_h, k_w = shapes["weight"]
    _, _, h_out, w_out = shapes["output"]
    colors = palette()
    unit = 0.32

    fig, ax = plt.subplots(figsize=(8.5, 4.2))
    spacing = height * unit + 1.3
    # Input images, one above the other, with the filter's window on the first.
    plot_batch(
        ax, 0.0, shapes["input"], unit, spacing, (k_h, k_w), color=colors[0], lang=lang
    )
    _plot_column_labels(
        ax,
        width * unit / 2 + 0.3,
        text["input"],
        text["input_shape"].format(shape=_shape_text(shapes["input"])),
    )

    # Filters with their biases.
    x_filters = 4.6
    for k in range(c_out):
        y0 = 0.7 + (c_out - 1 - k) * 1.45
        plot_cuboid(
            ax,
            x_filters,
            y0,
            k_w * unit,
            k_h * unit,
            c_in * 0.5,
            color=colors[1] if k == 0 else colors[2],
        )
        bias = Rectangle(
            (x_filters + 1.6, y0 + 0.2),
            0.4,
            0.4,
            facecolor=colors[3],
            alpha=0.5,
            edgecolor=text_color(),
        )
        ax.add_patch(bias)
        ax.text(x_filters + 2.2, y0 + 0.4, f"$b_{k + 1}$", va="center", fontsize=8)
    _plot_column_labels(
        ax,
        x_filters + 0.9,
        f"{text['filters']} + {text['bias']}",
        text["weight_shape"].format(shape=_shape_text(shapes["weight"]))
        + "\n"
        + text["bias_shape"].format(shape=_shape_text(shapes["bias"])),
    )

    # Output images: C_out channels each, smaller than the input without padding.
    x_out = 8.6
    plot_batch(
        ax, x_out, shapes["output"], unit, spacing, (1, 1), color=colors[4], lang=lang
    )
    _plot_column_labels(
        ax,
        x_out + w_out * unit / 2 + 0.3,
        text["output"],
        text["output_shape"].format(shape=_shape_text(shapes["output"])),
    )

    top_image = 0.6 + (n - 1) * (height * unit + 1.3)
    _arrow(
        ax,
        (k_w * unit, top_image + height * unit - 0.3),
        (x_filters - 0.2, 5.4),
        color=colors[1],
    )
    _arrow(
        ax,
        (x_filters + 2.5, 5.4),
        (x_out, top_image + h_out * unit - 0.15),
        color=colors[1],
    )
    ax.set_title(
        text["layer"].format(c_in=c_in, c_out=c_out, k=(k_h, k_w)),
        fontsize=9,
        family="DejaVu Sans Mono",
    )
    ax.set_xlim(-0.6, 12.4)
    ax.set_ylim(-1.8, 7.3)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig


# ---------------------------------------------------------------------------
# Fig. 16: a VGG-style classifier


@functools.cache
def vgg_rows():
    """Layer rows (name, type, output shape, parameters) of VGG-16 traced on meta."""
    with torch.device("meta"):
        model = cnn.VGG()
    return tuple(cnn.layer_shapes(model, (1, 3, 224, 224)))


def vgg_stages(rows):
    """Group the rows into convolution stages and linear layers.

    Return a list of dicts with keys kind ("conv" or "linear"), shape,
    layers (number of layers) and params.
    """
    stages, current = [], None
    for _, kind, shape, count in rows:
        if kind == "Conv2d":
            if current is None:
                current = {"kind": "conv", "shape": shape, "layers": 0, "params": 0}
            current["layers"] += 1
            current["params"] += count
            current["shape"] = shape
        elif kind == "MaxPool2d":
            stages.append(current)
            stages.append(
                {"kind": "pool", "shape": shape, "layers": 1, "params": count}
            )
            current = None
        elif kind == "Linear":
            stages.append(
                {"kind": "linear", "shape": shape, "layers": 1, "params": count}
            )
    return stages


@register("vgg")
def vgg_figure(lang):
    """Fig. 16: the stages of VGG-16 down to 7 x 7 x 512 and its three linear layers."""
    text = TEXT[lang]
    rows = vgg_rows()
    stages = vgg_stages(rows)
    colors = palette()

    fig, ax = plt.subplots(figsize=(9, 3.8))
    x = 0.0
    previous_end = None
    for index, stage in enumerate(stages):
        if stage["kind"] == "conv":
            _, channels, size, _ = stage["shape"]
            height = 0.9 + 3.1 * size / 224
            depth = 0.5 + 0.55 * math.log2(channels / 32)
            width = 0.25 * stage["layers"]
            plot_cuboid(ax, x, -height / 2, width, height, depth, color=colors[0])
            label = f"{size}×{size}×{channels}"
            ax.text(
                x + width / 2,
                -height / 2 - 0.25,
                label,
                ha="center",
                va="top",
                fontsize=8,
            )
            ax.text(
                x + width / 2,
                -height / 2 - 0.75,
                f"{stage['layers']}× {text['conv']}",
                ha="center",
                va="top",
                fontsize=7,
            )
            ax.text(
                x + width / 2,
                2.55,
                text["params"].format(value=_format_count(stage["params"], lang)),
                ha="center",
                fontsize=7,
                rotation=30,
            )
            x = x + width + depth * 0.42
        elif stage["kind"] == "pool":
            _arrow(ax, (x + 0.05, 0), (x + 0.65, 0), color=colors[1])
            ax.text(
                x + 0.35,
                0.12,
                text["pool"],
                ha="center",
                va="bottom",
                fontsize=6,
                rotation=90,
            )
            x += 0.8
            if index + 1 < len(stages) and stages[index + 1]["kind"] == "linear":
                _, channels, size, _ = stage["shape"]
                depth = 0.5 + 0.55 * math.log2(channels / 32)
                plot_cuboid(ax, x, -0.55, 0.12, 1.1, depth, color=colors[0])
                ax.text(
                    x + 0.1,
                    -0.8,
                    f"{size}×{size}×{channels}",
                    ha="center",
                    va="top",
                    fontsize=8,
                )
                previous_end = x + 0.12 + depth * 0.42
                # The flattened map is the input of the first linear layer.
                ax.text(
                    previous_end + 0.35,
                    0.12,
                    _format_int(channels * size * size, lang),
                    ha="center",
                    va="bottom",
                    fontsize=6,
                )
                x = previous_end + 0.7
        else:
            features = stage["shape"][1]
            height = 0.9 + 0.75 * math.log10(features)
            ax.add_patch(
                Rectangle(
                    (x, -height / 2),
                    0.28,
                    height,
                    facecolor=colors[2],
                    alpha=0.5,
                    edgecolor=text_color(),
                )
            )
            ax.text(
                x + 0.14,
                -height / 2 - 0.25,
                f"{features}",
                ha="center",
                va="top",
                fontsize=8,
            )
            ax.text(
                x + 0.14,
                2.55,
                text["params"].format(value=_format_count(stage["params"], lang)),
                ha="center",
                fontsize=7,
                rotation=30,
            )
            if previous_end is not None:
                _arrow(ax, (previous_end + 0.05, 0), (x - 0.05, 0))
            previous_end = x + 0.28
            x += 0.9
    ax.text(x - 1.6, -2.6, text["linear"], ha="center", fontsize=8)

    convs = sum(s["params"] for s in stages if s["kind"] == "conv")
    linear = sum(s["params"] for s in stages if s["kind"] == "linear")
    ax.set_title(
        text["total"].format(
            total=_format_int(convs + linear, lang),
            convs=_format_count(convs, lang),
            linear=_format_count(linear, lang),
        ),
        fontsize=9,
    )
    ax.set_xlim(-0.3, x + 0.2)
    ax.set_ylim(-3.1, 3.3)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig


# ---------------------------------------------------------------------------
# Fig. 17: input patches that most activate filters of each layer


def digits_tensors():
    """Load the 1,797 digits of scikit-learn as (N, 1, 8, 8) float32 in [0, 1] and labels."""
    digits = load_digits()
    images = torch.tensor(digits.images, dtype=torch.float32)[:, None] / 16
    return images, torch.tensor(digits.target)


@functools.cache
def trained_digit_cnn():
    """Train the Fig. 17 CNN on the digits upsampled to 32 x 32; return it and the images."""
    images, labels = digits_tensors()
    images = F.interpolate(
        images, size=PATCH_IMAGE_SIZE, mode="bilinear", align_corners=False
    )
    with _one_thread():
        torch.manual_seed(0)
        model = cnn.DigitCNN(image_size=PATCH_IMAGE_SIZE)
        history = cnn.train_classifier(
            model, images, labels, epochs=PATCH_EPOCHS, lr=3e-3
        )
    return model, images, history


@functools.cache
def top_patches():
    """For each CNN stage: the receptive field size and the 9 best patches of chosen filters."""
    model, images, _ = trained_digit_cnn()
    with _one_thread(), torch.no_grad():
        _, activations = model(images, return_activations=True)
        layers = []
        for maps, field in zip(activations, model.fields(), strict=True):
            patches, scores = cnn.top_activating_patches(
                maps, images[:, 0], field, inside=True
            )
            # Among the filters that respond to at least 9 images, keep those whose
            # mean patch varies most: they detect a pattern (an edge, a stroke),
            # where the others respond to uniform ink.
            structure = torch.from_numpy(patches.mean(1).flatten(1).std(1).numpy())
            structure[scores[:, -1] <= 0] = -1.0
            chosen = structure.argsort(descending=True)[:PATCH_FILTERS]
            layers.append((field[0], patches[chosen.sort().values].numpy()))
    return layers


def plot_patch_grid(ax, patches):
    """Draw filters side by side, each as a 3 x 3 mosaic of its patches; return the image."""
    filters, count, size, _ = patches.shape
    side = int(math.isqrt(count))
    gap = max(1, size // 6)
    block = side * size + (side - 1) * gap
    mosaic = np.full((block, filters * block + (filters - 1) * 2 * gap), np.nan)
    for f in range(filters):
        for k in range(count):
            row, column = divmod(k, side)
            top = row * (size + gap)
            left = f * (block + 2 * gap) + column * (size + gap)
            mosaic[top : top + size, left : left + size] = patches[f, k]
            # A frame shows where a patch ends, since blank pixels match the page.
            ax.add_patch(
                Rectangle(
                    (left - 0.5, top - 0.5),
                    size,
                    size,
                    fill=False,
                    edgecolor=text_color(),
                    linewidth=0.4,
                )
            )
    image = ax.imshow(mosaic, cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
    ax.axis("off")
    return image


@register("top-patches")
def top_patches_figure(lang):
    """Fig. 17: the 9 patches that most activate 4 filters of each layer of a digit CNN."""
    text = TEXT[lang]
    layers = top_patches()

    fig, axes = plt.subplots(len(layers), 1, figsize=(7, 6.2))
    for index, (ax, (size, patches)) in enumerate(
        zip(axes, layers, strict=True), start=1
    ):
        plot_patch_grid(ax, patches)
        ax.set_title(text["layer_title"].format(l=index, r=size), fontsize=9)
    return fig


# ---------------------------------------------------------------------------
# Fig. 18: loss landscapes with and without residual connections


@functools.cache
def landscapes():
    """Train both deep networks and evaluate their loss on the same (alpha, beta) grid."""
    digits = load_digits()
    x = torch.tensor(digits.data[:LANDSCAPE_SAMPLES], dtype=torch.float32) / 16
    y = torch.tensor(digits.target[:LANDSCAPE_SAMPLES])
    alphas = torch.linspace(-LANDSCAPE_RANGE, LANDSCAPE_RANGE, LANDSCAPE_STEPS)
    results = {}
    with _one_thread():
        for residual in (False, True):
            torch.manual_seed(0)
            model = landscape.DeepMLP(
                width=LANDSCAPE_WIDTH, blocks=LANDSCAPE_BLOCKS, residual=residual
            )
            history = cnn.train_classifier(
                model, x, y, epochs=LANDSCAPE_EPOCHS, lr=1e-3
            )
            surface = landscape.loss_surface(
                model,
                F.cross_entropy,
                x[:LANDSCAPE_BATCH],
                y[:LANDSCAPE_BATCH],
                alphas,
                alphas,
                seed=0,
            )
            results[residual] = (surface.numpy(), history[-1]["train_accuracy"])
    return alphas.numpy(), results


@register("loss-landscape")
def loss_landscape_figure(lang):
    """Fig. 18: loss around the trained parameters of a plain and a residual network."""
    text = TEXT[lang]
    alphas, results = landscapes()
    logs = {residual: np.log10(surface) for residual, (surface, _) in results.items()}
    levels = np.linspace(
        min(v.min() for v in logs.values()), max(v.max() for v in logs.values()), 30
    )

    fig, axes = plt.subplots(1, 2, figsize=(8, 3.8), sharey=True)
    for ax, residual in zip(axes, (False, True), strict=True):
        accuracy = results[residual][1]
        filled = ax.contourf(
            alphas, alphas, logs[residual], levels=levels, cmap="viridis"
        )
        ax.contour(
            alphas,
            alphas,
            logs[residual],
            levels=levels[::3],
            colors=text_color(),
            linewidths=0.4,
            alpha=0.6,
        )
        ax.plot([0], [0], "*", color=palette()[3], markersize=10)
        title = text["landscape_residual" if residual else "landscape_plain"]
        ax.set_title(f"{title}\n{text['accuracy'].format(value=accuracy)}", fontsize=9)
        ax.set_xlabel(r"$\alpha$")
        ax.set_aspect("equal")
    axes[0].set_ylabel(r"$\beta$")
    bar = fig.colorbar(filled, ax=axes, shrink=0.8)
    bar.set_label(text["loss"])
    return fig


# ---------------------------------------------------------------------------
# Fig. 19: a Feature Pyramid Network


def fpn_encoder():
    """Build a four-stage encoder: each stage is a 3x3 convolution of stride 2 and a ReLU."""
    layers, previous = [], 3
    for channels in FPN_CHANNELS:
        layers.append(
            nn.Sequential(
                nn.Conv2d(previous, channels, 3, stride=2, padding=1), nn.ReLU()
            )
        )
        previous = channels
    return nn.ModuleList(layers)


@functools.cache
def fpn_shapes():
    """Run the encoder and the FPN on one image; return the shapes of every map."""
    torch.manual_seed(0)
    encoder = fpn_encoder()
    fpn = cnn.FeaturePyramidNetwork(list(FPN_CHANNELS), FPN_PYRAMID)
    x = torch.randn(1, 3, *FPN_IMAGE)
    with torch.no_grad():
        features = []
        for stage in encoder:
            x = stage(x)
            features.append(x)
        levels = fpn.pyramid(features)
        output = fpn(features, FPN_IMAGE)
    return {
        "image": (3, *FPN_IMAGE),
        "features": [tuple(f.shape[1:]) for f in features],
        "levels": [tuple(level.shape[1:]) for level in levels],
        "output": tuple(output.shape[1:]),
    }


def _map_rect(ax, x_center, y_center, shape, scale, color):
    _, height, width = shape
    rect = Rectangle(
        (x_center - width * scale / 2, y_center - height * scale / 2),
        width * scale,
        height * scale,
        facecolor=color,
        alpha=0.35,
        edgecolor=text_color(),
    )
    ax.add_patch(rect)
    return rect


@register("fpn")
def fpn_figure(lang):
    """Fig. 19: encoder maps, 1x1 laterals, top-down sums, 3x3 smoothing, final resize."""
    text = TEXT[lang]
    shapes = fpn_shapes()
    colors = palette()
    scale = 0.028
    stages = len(shapes["features"])
    rows = [1.0 + 2.1 * s for s in range(stages)]  # finest stage at the bottom
    x_encoder, x_pyramid, x_output = 1.2, 5.2, 8.6

    fig, ax = plt.subplots(figsize=(8.5, 5.6))
    for s, (feature, level, y) in enumerate(
        zip(shapes["features"], shapes["levels"], rows, strict=True)
    ):
        rect = _map_rect(ax, x_encoder, y, feature, scale, colors[0])
        ax.text(
            x_encoder - rect.get_width() / 2 - 0.1,
            y,
            _shape_text(feature),
            ha="right",
            va="center",
            fontsize=7,
        )
        level_rect = _map_rect(ax, x_pyramid, y, level, scale, colors[2])
        ax.text(
            x_pyramid + level_rect.get_width() / 2 + 0.12,
            y,
            f"{text['smooth']}\n{_shape_text(level)}",
            va="center",
            fontsize=7,
        )
        _arrow(
            ax,
            (x_encoder + rect.get_width() / 2 + 0.1, y - 0.15),
            (x_pyramid - level_rect.get_width() / 2 - 0.1, y - 0.15),
            color=colors[1],
        )
        ax.text(
            (x_encoder + x_pyramid) / 2 + 0.25,
            y - 0.05,
            text["lateral"],
            ha="center",
            va="bottom",
            fontsize=7,
        )
        if s > 0:
            below = rows[s - 1] + shapes["levels"][s - 1][1] * scale / 2
            _arrow(
                ax,
                (x_pyramid, y - level[1] * scale / 2 - 0.05),
                (x_pyramid, below + 0.05),
                color=colors[3],
            )
    ax.text(
        x_pyramid - 0.75,
        (rows[0] + rows[1]) / 2,
        text["top_down"],
        ha="right",
        va="center",
        fontsize=7,
        color=colors[3],
    )
    # Encoder arrows from the image upward.
    for s in range(1, stages):
        _arrow(
            ax,
            (x_encoder, rows[s - 1] + shapes["features"][s - 1][1] * scale / 2 + 0.05),
            (x_encoder, rows[s] - shapes["features"][s][1] * scale / 2 - 0.05),
        )
    image_y = -1.6
    _map_rect(ax, x_encoder, image_y, shapes["image"], scale * 0.55, colors[4])
    ax.text(
        x_encoder,
        image_y - 0.05 - FPN_IMAGE[0] * scale * 0.55 / 2,
        f"{text['image_label']} {_shape_text(shapes['image'])}",
        ha="center",
        va="top",
        fontsize=7,
    )
    _arrow(
        ax,
        (x_encoder, image_y + FPN_IMAGE[0] * scale * 0.55 / 2 + 0.05),
        (x_encoder, rows[0] - shapes["features"][0][1] * scale / 2 - 0.05),
    )
    output_rect = _map_rect(
        ax, x_output, image_y, shapes["output"], scale * 0.55, colors[2]
    )
    ax.text(
        x_output,
        image_y - 0.05 - output_rect.get_height() / 2,
        _shape_text(shapes["output"]),
        ha="center",
        va="top",
        fontsize=7,
    )
    _arrow(
        ax,
        (x_pyramid + 0.3, rows[0] - shapes["levels"][0][1] * scale / 2 - 0.05),
        (x_output - 0.3, image_y + output_rect.get_height() / 2 + 0.05),
        color=colors[3],
    )
    ax.text(
        (x_pyramid + x_output) / 2 + 0.9,
        (rows[0] + image_y) / 2 + 0.2,
        text["final"],
        ha="center",
        va="center",
        fontsize=7,
    )
    ax.text(
        x_encoder,
        rows[-1] + 1.0,
        text["encoder"],
        ha="center",
        fontsize=10,
        weight="bold",
    )
    ax.text(
        x_pyramid,
        rows[-1] + 1.0,
        text["pyramid"] + r" ($C_{pyr}$ = " + f"{FPN_PYRAMID})",
        ha="center",
        fontsize=10,
        weight="bold",
    )
    ax.set_xlim(-1.2, 10.6)
    ax.set_ylim(-3.0, rows[-1] + 1.5)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig


# ---------------------------------------------------------------------------
# Fig. 20: CLIP


def captions(lang):
    """List every caption of the tiny CLIP in ``lang``: each template with each digit name."""
    return [
        t.format(name) for name in DIGIT_NAMES[lang] for t in CAPTION_TEMPLATES[lang]
    ]


def _clip_eval_indices(labels):
    """Return the index of the first held-out image of each digit, in digit order."""
    held_out = torch.arange(CLIP_TRAIN, len(labels))
    return torch.stack([held_out[labels[held_out] == c][0] for c in range(10)])


def _clip_similarity(model, tokenizer, images, lang):
    texts = [CAPTION_TEMPLATES[lang][0].format(name) for name in DIGIT_NAMES[lang]]
    with torch.no_grad():
        return cnn.cosine_similarity_matrix(
            model.encode_image(images), model.encode_text(tokenizer(texts))
        ).numpy()


@functools.cache
def trained_clip(lang):
    """Train the tiny CLIP on digit images and captions in ``lang``.

    Each step draws one training image of each digit and a random caption
    template for each, so the 10 pairs of a batch have 10 different digits.
    Return the similarity matrix of 10 held-out images with the 10 captions
    "o número ..." / "the number ..." before and after training, and the
    held-out zero-shot accuracy.
    """
    images, labels = digits_tensors()
    tokenizer = cnn.WordTokenizer(captions(lang))
    templates = CAPTION_TEMPLATES[lang]
    by_class = [torch.nonzero(labels[:CLIP_TRAIN] == c)[:, 0] for c in range(10)]
    eval_images = images[_clip_eval_indices(labels)]
    with _one_thread():
        torch.manual_seed(0)
        generator = torch.Generator().manual_seed(0)
        model = cnn.TinyCLIP(len(tokenizer.vocabulary))
        before = _clip_similarity(model, tokenizer, eval_images, lang)
        optimizer = torch.optim.Adam(model.parameters(), lr=CLIP_LR)
        for _ in range(CLIP_STEPS):
            picks = torch.randint(10**6, (10,), generator=generator)
            batch = torch.stack(
                [
                    members[p % len(members)]
                    for members, p in zip(by_class, picks.tolist(), strict=True)
                ]
            )
            choice = torch.randint(len(templates), (10,), generator=generator).tolist()
            texts = [
                templates[k].format(DIGIT_NAMES[lang][c]) for c, k in enumerate(choice)
            ]
            loss = model(images[batch], tokenizer(texts))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        after = _clip_similarity(model, tokenizer, eval_images, lang)
        held_out = torch.arange(CLIP_TRAIN, len(labels))
        texts = [templates[0].format(name) for name in DIGIT_NAMES[lang]]
        with torch.no_grad():
            similarity = cnn.cosine_similarity_matrix(
                model.encode_image(images[held_out]),
                model.encode_text(tokenizer(texts)),
            )
        accuracy = float((similarity.argmax(1) == labels[held_out]).float().mean())
    return before, after, accuracy


def plot_clip_diagram(ax, lang):
    """Draw the two encoders, their feature vectors and the similarity matrix."""
    text = TEXT[lang]
    colors = palette()
    n = 4

    _box(ax, 0.0, 2.6, 1.2, 0.8, text["images"], colors[0])
    _box(ax, 0.0, 0.2, 1.2, 0.8, text["texts"], colors[1])
    _box(ax, 1.8, 2.5, 1.6, 1.0, text["image_encoder"], colors[0])
    _box(ax, 1.8, 0.1, 1.6, 1.0, text["text_encoder"], colors[1])
    _arrow(ax, (1.25, 3.0), (1.75, 3.0))
    _arrow(ax, (1.25, 0.6), (1.75, 0.6))

    # Feature vectors I_i of the images (a column) and T_j of the texts (a row),
    # and the matrix of their products with the diagonal highlighted.
    x0, y0, cell = 5.0, 0.0, 0.55
    for i in range(n):
        ax.add_patch(
            Rectangle(
                (4.1, y0 + (n - 1 - i) * cell),
                0.5,
                cell * 0.9,
                facecolor=colors[0],
                alpha=0.45,
                edgecolor=text_color(),
            )
        )
        ax.text(
            4.35,
            y0 + (n - 1 - i) * cell + 0.25,
            f"$I_{i + 1}$",
            ha="center",
            va="center",
            fontsize=8,
        )
        ax.add_patch(
            Rectangle(
                (x0 + i * cell, 2.45),
                cell * 0.9,
                0.5,
                facecolor=colors[1],
                alpha=0.45,
                edgecolor=text_color(),
            )
        )
        ax.text(
            x0 + i * cell + 0.25,
            2.7,
            f"$T_{i + 1}$",
            ha="center",
            va="center",
            fontsize=8,
        )
        for j in range(n):
            diagonal = i == j
            ax.add_patch(
                Rectangle(
                    (x0 + j * cell, y0 + (n - 1 - i) * cell),
                    cell * 0.9,
                    cell * 0.9,
                    facecolor=colors[2] if diagonal else "none",
                    alpha=0.6 if diagonal else 1.0,
                    edgecolor=text_color(),
                    linewidth=0.6,
                )
            )
            ax.text(
                x0 + j * cell + 0.25,
                y0 + (n - 1 - i) * cell + 0.25,
                f"$I_{i + 1}\\cdot T_{j + 1}$",
                ha="center",
                va="center",
                fontsize=5.5,
            )

    _arrow(ax, (3.45, 3.0), (4.3, y0 + n * cell + 0.05))
    _arrow(ax, (3.45, 0.6), (x0 - 0.05, 2.7))
    ax.set_xlim(-0.1, 7.4)
    ax.set_ylim(-0.2, 3.7)
    ax.set_aspect("equal")
    ax.axis("off")


@register("clip")
def clip_figure(lang):
    """Fig. 20: the CLIP diagram and a tiny CLIP's similarity matrix before and after."""
    text = TEXT[lang]
    before, after, _ = trained_clip(lang)
    names = DIGIT_NAMES[lang]

    fig = plt.figure(figsize=(8, 7.2))
    grid = fig.add_gridspec(2, 2, height_ratios=[1, 1.35])
    plot_clip_diagram(fig.add_subplot(grid[0, :]), lang)
    axes = [fig.add_subplot(grid[1, 0]), fig.add_subplot(grid[1, 1])]
    for ax, matrix, title in zip(
        axes, (before, after), (text["before"], text["after"]), strict=True
    ):
        image = ax.imshow(matrix, cmap="viridis", vmin=-1, vmax=1)
        ax.set_xticks(range(10), names, rotation=60, fontsize=7)
        ax.set_yticks(range(10), [str(c) for c in range(10)], fontsize=7)
        caption = CAPTION_TEMPLATES[lang][0].format("…")
        ax.set_xlabel(text["caption_axis"].format(caption=caption), fontsize=8)
        ax.set_title(title, fontsize=9)
    axes[0].set_ylabel(text["image_axis"], fontsize=8)
    bar = fig.colorbar(image, ax=axes, shrink=0.8)
    bar.set_label(text["cosine"])
    return fig
