r"""Convolutional networks (Section V of the notes, Figs. 15 to 20).

The module implements the convolution layer by unfolding (im2col), the
output-size formula, a VGG-style classifier with a shape report that needs no
real forward pass, receptive fields of stacked layers, a Feature Pyramid
Network and the contrastive loss of CLIP. Tensors follow PyTorch's layout:
images are ``(N, C, H, W)`` and convolution weights ``(C_out, C_in, K_H, K_W)``.
"""

# --8<-- [start:imports]
import math
import numbers

import torch
import torch.nn.functional as F
from torch import nn

# --8<-- [end:imports]


# --8<-- [start:checks]
def _pair(value, name):
    """Return ``value`` as a pair of ints, accepting an int or a pair."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value), int(value)
    if (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(
            isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in value
        )
    ):
        return int(value[0]), int(value[1])
    raise TypeError(f"{name} must be an int or a pair of ints, got {value!r}")


def _check_int(value, name, minimum):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        kind = type(value).__qualname__
        raise TypeError(f"{name} must be an int, got {kind} {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return int(value)


# --8<-- [end:checks]


# --8<-- [start:output_size]
def conv2d_output_size(size, kernel_size, stride=1, padding=0, dilation=1):
    r"""Compute the size of one spatial dimension after a convolution or pooling.

    .. math::
        H' = \left\lfloor \frac{H + 2p - d\,(K - 1) - 1}{s} \right\rfloor + 1

    with input size $H$, kernel size $K$, stride $s$, padding $p$ (pixels
    added on each side) and dilation $d$, the formula of ``torch.nn.Conv2d``.

    Raises
    ------
    TypeError
        If an argument is not an int.
    ValueError
        If a size is not positive, the padding is negative, or the dilated
        kernel is larger than the padded input, so the output would be empty.
    """
    size = _check_int(size, "size", 1)
    kernel_size = _check_int(kernel_size, "kernel_size", 1)
    stride = _check_int(stride, "stride", 1)
    padding = _check_int(padding, "padding", 0)
    dilation = _check_int(dilation, "dilation", 1)

    span = dilation * (kernel_size - 1) + 1  # extent of the dilated kernel
    padded = size + 2 * padding
    if span > padded:
        raise ValueError(
            f"the dilated kernel spans {span} pixels (kernel_size={kernel_size}, "
            f"dilation={dilation}) but the padded input has only {padded} "
            f"(size={size}, padding={padding}); the output would be empty, so "
            "use a larger input, more padding or a smaller kernel"
        )
    return (padded - span) // stride + 1


# --8<-- [end:output_size]


# --8<-- [start:conv2d]
def _check_conv_inputs(x, weight, bias):
    if not isinstance(x, torch.Tensor) or not isinstance(weight, torch.Tensor):
        raise TypeError(
            f"x and weight must be torch tensors, got {type(x).__qualname__} and "
            f"{type(weight).__qualname__}"
        )
    if x.dim() != 4:
        raise ValueError(
            f"x must have shape (N, C_in, H, W), got shape {tuple(x.shape)}; "
            "add a batch dimension with x.unsqueeze(0)"
        )
    if weight.dim() != 4:
        raise ValueError(
            "weight must have shape (C_out, C_in, K_H, K_W), "
            f"got shape {tuple(weight.shape)}"
        )
    if x.shape[1] != weight.shape[1]:
        raise ValueError(
            f"x has C_in={x.shape[1]} channels but weight expects {weight.shape[1]} "
            f"(weight.shape={tuple(weight.shape)})"
        )
    if bias is not None and (bias.dim() != 1 or bias.shape[0] != weight.shape[0]):
        raise ValueError(
            f"bias must have shape (C_out,) = ({weight.shape[0]},), "
            f"got {tuple(bias.shape)}"
        )


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    r"""2D convolution (cross-correlation) by unfolding, as in ``F.conv2d``.

    Each output pixel is the dot product of a filter with the $C_{in} \times
    K_H \times K_W$ input values under it, plus the filter's bias (Fig. 15).
    The unfolding (im2col) copies those values into the columns of a matrix,
    so that the whole layer becomes one matrix product.

    Shape
    -----
    x : (N, C_in, H, W); weight : (C_out, C_in, K_H, K_W); bias : (C_out,)
    returns : (N, C_out, H', W'), with H' and W' from conv2d_output_size.

    Raises
    ------
    TypeError
        If ``x`` or ``weight`` is not a tensor, or an option is not an int or
        a pair of ints.
    ValueError
        If the shapes do not match or the output would be empty.
    """
    _check_conv_inputs(x, weight, bias)
    stride, padding, dilation = (
        _pair(stride, "stride"),
        _pair(padding, "padding"),
        _pair(dilation, "dilation"),
    )
    n, c_in, height, width = x.shape
    c_out, _, k_h, k_w = weight.shape
    h_out = conv2d_output_size(height, k_h, stride[0], padding[0], dilation[0])
    w_out = conv2d_output_size(width, k_w, stride[1], padding[1], dilation[1])

    x = F.pad(x, (padding[1], padding[1], padding[0], padding[0]))
    columns = x.new_empty(n, c_in, k_h, k_w, h_out, w_out)
    for i in range(k_h):
        for j in range(k_w):
            top, left = i * dilation[0], j * dilation[1]
            columns[:, :, i, j] = x[
                :,
                :,
                top : top + stride[0] * (h_out - 1) + 1 : stride[0],
                left : left + stride[1] * (w_out - 1) + 1 : stride[1],
            ]
    columns = columns.reshape(n, c_in * k_h * k_w, h_out * w_out)

    out = weight.reshape(c_out, -1) @ columns  # (N, C_out, H' W')
    if bias is not None:
        out = out + bias[:, None]
    return out.reshape(n, c_out, h_out, w_out)


# --8<-- [end:conv2d]


# --8<-- [start:vgg]
# Channels of each 3x3 convolution of VGG-16; "M" is a 2x2 max pooling.
VGG16 = (
    64,
    64,
    "M",
    128,
    128,
    "M",
    256,
    256,
    256,
    "M",
    512,
    512,
    512,
    "M",
    512,
    512,
    512,
    "M",
)


class VGG(nn.Module):
    r"""VGG-style classifier of Simonyan and Zisserman (2015), Fig. 16.

    Stacks of 3x3 convolutions with padding 1 keep the spatial size, and each
    2x2 max pooling halves it, so a 224 x 224 image leaves VGG-16's last
    stage as 512 x 7 x 7. Three linear layers map the flattened 25,088 values
    to ``num_classes`` scores.
    """

    def __init__(
        self,
        config=VGG16,
        in_channels=3,
        num_classes=1000,
        image_size=224,
        hidden=4096,
        dropout=0.5,
    ):
        super().__init__()
        layers, channels, size = [], in_channels, image_size
        for item in config:
            if item == "M":
                layers.append(nn.MaxPool2d(2))
                size = conv2d_output_size(size, 2, stride=2)
            else:
                layers += [nn.Conv2d(channels, item, 3, padding=1), nn.ReLU()]
                channels = item
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(channels * size * size, hidden),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(hidden, hidden),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(hidden, num_classes),
        )

    def forward(self, x):
        return self.classifier(self.features(x))


def layer_shapes(model, input_shape):
    """List each leaf layer's name, type, output shape and parameter count.

    The input is an empty tensor on the device of the model's parameters. A
    model built under ``with torch.device("meta"):`` has parameters that carry
    shapes but no data, so even VGG-16 is traced without computing anything.
    """
    device = next(model.parameters()).device
    rows = []

    def record(module, inputs, output):
        count = sum(p.numel() for p in module.parameters(recurse=False))
        kind = type(module).__qualname__
        rows.append((names[module], kind, tuple(output.shape), count))

    names = {m: name for name, m in model.named_modules() if not list(m.children())}
    hooks = [m.register_forward_hook(record) for m in names]
    try:
        with torch.no_grad():
            model(torch.empty(input_shape, device=device))
    finally:
        for hook in hooks:
            hook.remove()
    return rows


# --8<-- [end:vgg]


# --8<-- [start:receptive_field]
def receptive_field(layers):
    r"""Compute the receptive field of the last of ``layers``: size, jump and start.

    ``layers`` lists (kernel_size, stride, padding, dilation) per layer. With
    $r$ the field size, $j$ the distance in input pixels between neighbouring
    outputs and $c$ the center of the first output, a layer maps
    $r \leftarrow r + d(K-1)j$, $c \leftarrow c + (d(K-1)/2 - p)j$,
    $j \leftarrow sj$. Output $(i, k)$ then depends on the input square of side $r$
    centered at $(c + ij, c + kj)$, in input pixels.
    """
    size, jump, start = 1, 1, 0.0
    for kernel_size, stride, padding, dilation in layers:
        span = dilation * (kernel_size - 1)
        size += span * jump
        start += (span / 2 - padding) * jump
        jump *= stride
    return size, jump, start


# --8<-- [end:receptive_field]


# --8<-- [start:fpn]
class FeaturePyramidNetwork(nn.Module):
    r"""Feature Pyramid Network of Lin et al. (2017), Fig. 19.

    A 1x1 lateral convolution brings each encoder stage $s$ to $C_{pyr}$ =
    ``out_channels`` channels. From the deepest stage up, the merged map is
    upsampled (nearest) to the size of the next lateral and added to it, and
    a 3x3 convolution smooths every merged map into a pyramid level. The
    finest level is finally interpolated (bilinear) to the image size.
    Interpolating to each lateral's own size makes odd sizes work.

    Shape
    -----
    features : list of (N, in_channels[s], H_s, W_s), finest stage first
    returns : (N, out_channels, H, W) for ``image_size=(H, W)``

    Raises
    ------
    ValueError
        If ``in_channels`` is empty or not positive ints, or ``features``
        does not have one map of ``in_channels[s]`` channels per stage.
    """

    def __init__(self, in_channels, out_channels):
        super().__init__()
        valid = all(isinstance(c, int) and c > 0 for c in in_channels)
        if not in_channels or not valid:
            raise ValueError(
                f"in_channels must be a non-empty list of positive ints (one per "
                f"encoder stage), got {in_channels!r}"
            )
        self.in_channels = list(in_channels)
        self.lateral = nn.ModuleList(nn.Conv2d(c, out_channels, 1) for c in in_channels)
        self.smooth = nn.ModuleList(
            nn.Conv2d(out_channels, out_channels, 3, padding=1) for _ in in_channels
        )

    def pyramid(self, features):
        """Return the pyramid levels, finest first, each with out_channels channels."""
        self._check_features(features)
        laterals = [conv(f) for conv, f in zip(self.lateral, features, strict=True)]
        merged = laterals[-1]
        levels = [self.smooth[-1](merged)]
        for stage in range(len(laterals) - 2, -1, -1):
            size = laterals[stage].shape[-2:]
            merged = laterals[stage] + F.interpolate(merged, size=size, mode="nearest")
            levels.insert(0, self.smooth[stage](merged))
        return levels

    def forward(self, features, image_size=None):
        finest = self.pyramid(features)[0]
        if image_size is None:
            return finest
        return F.interpolate(
            finest, size=tuple(image_size), mode="bilinear", align_corners=False
        )

    def _check_features(self, features):
        if len(features) != len(self.in_channels):
            raise ValueError(
                f"expected {len(self.in_channels)} feature maps (one per entry of "
                f"in_channels), got {len(features)}"
            )
        for stage, (f, c) in enumerate(zip(features, self.in_channels, strict=True)):
            if f.dim() != 4 or f.shape[1] != c:
                raise ValueError(
                    f"features[{stage}] must have shape (N, {c}, H, W), "
                    f"got {tuple(f.shape)}"
                )


# --8<-- [end:fpn]


# --8<-- [start:clip_loss]
def clip_loss(image_features, text_features, logit_scale):
    r"""Symmetric contrastive loss of CLIP (Radford et al., 2021), Fig. 20.

    Row $i$ of both inputs describes the same pair. After L2 normalization,
    $S = I T^\top$ contains the cosine similarities, and the logits are
    $e^{t} S$, where ``logit_scale`` $t$ is the learnable log of the inverse
    temperature, with $e^{t}$ clamped at 100 as in CLIP. The loss is the mean
    of the cross-entropies of each image over the texts (rows) and of each
    text over the images (columns), the correct class being the diagonal.

    Shape
    -----
    image_features : (N, D); text_features : (N, D); logit_scale : scalar
    returns : scalar loss in nats

    Raises
    ------
    TypeError
        If a feature matrix is not a tensor.
    ValueError
        If the features are not (N, D) matrices of the same shape, or
        ``logit_scale`` has more than one element.
    """
    _check_pairs(image_features, text_features)
    if not isinstance(logit_scale, torch.Tensor):
        logit_scale = torch.tensor(float(logit_scale))
    if logit_scale.numel() != 1:
        raise ValueError(
            f"logit_scale must be a scalar, got shape {tuple(logit_scale.shape)}"
        )

    similarity = cosine_similarity_matrix(image_features, text_features)  # (N, N)
    logits = logit_scale.exp().clamp(max=100) * similarity
    labels = torch.arange(logits.shape[0], device=logits.device)
    return (F.cross_entropy(logits, labels) + F.cross_entropy(logits.T, labels)) / 2


def cosine_similarity_matrix(image_features, text_features):
    """Compute the cosine similarity of every image with every text, (N_images, N_texts)."""
    image_features = F.normalize(image_features, dim=-1)
    text_features = F.normalize(text_features, dim=-1)
    return image_features @ text_features.T


def _check_pairs(image_features, text_features):
    pairs = (("image_features", image_features), ("text_features", text_features))
    for name, value in pairs:
        if not isinstance(value, torch.Tensor):
            raise TypeError(
                f"{name} must be a torch.Tensor, got {type(value).__qualname__}; "
                "convert it with torch.as_tensor"
            )
    if image_features.dim() != 2 or text_features.dim() != 2:
        raise ValueError(
            f"image_features and text_features must have shape (N, D), got "
            f"{tuple(image_features.shape)} and {tuple(text_features.shape)}"
        )
    if image_features.shape != text_features.shape:
        raise ValueError(
            f"image_features {tuple(image_features.shape)} and text_features "
            f"{tuple(text_features.shape)} must have the same shape: one row per "
            "image-text pair, both projected to the same dimension D"
        )


# --8<-- [end:clip_loss]


# --8<-- [start:top_patches]
def top_activating_patches(activations, images, field, count=9, inside=False):
    r"""Crop the ``count`` input patches that most activate each filter.

    For every filter, each image is scored by the filter's maximum over
    positions, and the ``count`` best images (at most one patch per image,
    as in Zeiler and Fergus, 2014) give the receptive field around their
    maximum. Pixels of the field that fall outside the image are 0. With
    ``inside=True`` only positions whose field lies inside the image count,
    so no patch shows the zero padding around the image.

    Shape
    -----
    activations : (N, C, H', W'); images : (N, H, W)
    field : (size, jump, start) from ``receptive_field``
    returns : patches (C, count, size, size) and scores (C, count)

    Raises
    ------
    ValueError
        If ``images`` does not match ``activations``, ``count`` is not
        between 1 and N, or, with ``inside=True``, no field fits the image.
    """
    n, channels, _, width_out = activations.shape
    if images.dim() != 3 or images.shape[0] != n:
        raise ValueError(
            f"images must have shape (N, H, W) with N={n} like activations, "
            f"got {tuple(images.shape)}"
        )
    if not 1 <= count <= n:
        raise ValueError(f"count must be between 1 and N={n}, got {count}")
    size, jump, start = field
    half = (size - 1) / 2
    if inside:
        activations = _mask_outside(activations, images.shape[-2:], field)

    flat = activations.flatten(2)  # (N, C, H' W')
    best, position = flat.max(dim=2)  # (N, C)
    scores, order = best.T.topk(count, dim=1)  # (C, count)
    padded = F.pad(images, (size, size, size, size))
    patches = images.new_zeros(channels, count, size, size)
    for c in range(channels):
        for k, index in enumerate(order[c].tolist()):
            row, column = divmod(int(position[index, c]), width_out)
            top = round(start + row * jump - half) + size
            left = round(start + column * jump - half) + size
            patches[c, k] = padded[index, top : top + size, left : left + size]
    return patches, scores


def _mask_outside(activations, image_size, field):
    """Set to -inf the activations whose receptive field leaves the image."""
    size, jump, start = field
    half = (size - 1) / 2
    keep = []
    for length, count in zip(image_size, activations.shape[-2:], strict=True):
        centers = start + jump * torch.arange(count)
        keep.append((centers - half >= 0) & (centers + half <= length - 1))
    if not bool(keep[0].any()) or not bool(keep[1].any()):
        raise ValueError(
            f"no receptive field of size {size} fits inside images of size "
            f"{tuple(image_size)}; use inside=False"
        )
    mask = keep[0][:, None] & keep[1][None, :]  # (H', W')
    return activations.masked_fill(~mask, float("-inf"))


# --8<-- [end:top_patches]


# --8<-- [start:digit_cnn]
class DigitCNN(nn.Module):
    """Three 3x3 convolution stages with max pooling, for 1-channel digit images."""

    def __init__(self, channels=(8, 16, 32), image_size=32, num_classes=10):
        super().__init__()
        stages, previous = [], 1
        for out in channels:
            conv = nn.Conv2d(previous, out, 3, padding=1)
            stages.append(nn.Sequential(conv, nn.ReLU()))
            previous = out
        self.stages = nn.ModuleList(stages)
        self.pool = nn.MaxPool2d(2)
        size = image_size // 2 ** len(channels)
        self.head = nn.Linear(previous * size * size, num_classes)

    def forward(self, x, return_activations=False):
        activations = []
        for stage in self.stages:
            x = stage(x)  # (N, C_s, H_s, W_s), before pooling
            activations.append(x)
            x = self.pool(x)
        logits = self.head(x.flatten(1))
        return (logits, activations) if return_activations else logits

    def fields(self):
        """Receptive field (size, jump, start) of each stage's activations."""
        layers, fields = [], []
        for _ in self.stages:
            layers.append((3, 1, 1, 1))
            fields.append(receptive_field(layers))
            layers.append((2, 2, 0, 1))
        return fields


# --8<-- [end:digit_cnn]


# --8<-- [start:train]
def train_classifier(model, x, y, *, epochs, lr, batch_size=64, seed=0):
    """Train ``model`` with Adam on cross-entropy; return the per-epoch history."""
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    history = []
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(x), generator=generator)
        total = 0.0
        for start in range(0, len(x), batch_size):
            batch = order[start : start + batch_size]
            loss = F.cross_entropy(model(x[batch]), y[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(batch)
        model.eval()
        with torch.no_grad():
            accuracy = float((model(x).argmax(1) == y).float().mean())
        history.append(
            {"epoch": epoch, "train_loss": total / len(x), "train_accuracy": accuracy}
        )
    return history


# --8<-- [end:train]


# --8<-- [start:tiny_clip]
class WordTokenizer:
    """Map the words of a fixed set of captions to indices; index 0 is padding."""

    def __init__(self, captions):
        words = sorted({word for caption in captions for word in caption.split()})
        self.vocabulary = {word: index for index, word in enumerate(words, start=1)}

    def __call__(self, captions):
        """Return a (len(captions), max_words) tensor of word indices.

        Raises ValueError if a caption has a word outside the vocabulary.
        """
        rows = []
        for caption in captions:
            unknown = [w for w in caption.split() if w not in self.vocabulary]
            if unknown:
                raise ValueError(
                    f"caption {caption!r} has words outside the vocabulary: {unknown}; "
                    "build the tokenizer from every caption it will see"
                )
            rows.append([self.vocabulary[w] for w in caption.split()])
        length = max(len(row) for row in rows)
        return torch.tensor([row + [0] * (length - len(row)) for row in rows])


class TinyCLIP(nn.Module):
    """A CLIP for 8x8 digits: a small CNN and a bag-of-words text encoder.

    Both encoders end in a linear projection to ``dim`` features, the image
    features and the text features that ``clip_loss`` compares.
    """

    def __init__(self, vocabulary_size, dim=16, width=32):
        super().__init__()
        self.image_encoder = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),  # (N, 16, 4, 4)
            nn.Conv2d(16, 32, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),  # (N, 32, 2, 2)
            nn.Flatten(),
            nn.Linear(128, dim),
        )
        self.embedding = nn.EmbeddingBag(
            vocabulary_size + 1, width, mode="mean", padding_idx=0
        )
        self.text_projection = nn.Sequential(nn.ReLU(), nn.Linear(width, dim))
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))

    def encode_image(self, images):
        return self.image_encoder(images)  # (N, dim)

    def encode_text(self, tokens):
        return self.text_projection(self.embedding(tokens))  # (N, dim)

    def forward(self, images, tokens):
        image_features = self.encode_image(images)
        text_features = self.encode_text(tokens)
        return clip_loss(image_features, text_features, self.logit_scale)


# --8<-- [end:tiny_clip]
