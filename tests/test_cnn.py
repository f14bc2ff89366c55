"""Tests of vcbook.cnn against torch.nn.functional and direct computations."""

import math
import re

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from vcbook import cnn

RTOL, ATOL = 1e-7, 1e-9
FD_EPS, FD_ATOL, FD_RTOL = 1e-6, 1e-5, 1e-3

CONV_CASES = [
    # (N, C_in, H, W, C_out, K_H, K_W, stride, padding, dilation, bias)
    (2, 3, 7, 9, 4, 3, 3, 1, 0, 1, True),
    (1, 2, 8, 8, 5, 3, 3, 1, 1, 1, False),
    (2, 3, 11, 10, 4, 3, 5, 2, 1, 1, True),
    (1, 1, 9, 12, 2, 2, 4, (2, 3), (1, 2), 1, True),
    (3, 2, 13, 11, 3, 3, 3, 1, 2, 2, True),
    (2, 4, 10, 15, 6, 1, 1, 3, 0, 1, False),
    (1, 3, 16, 14, 2, 5, 3, (1, 2), (2, 0), (2, 3), True),
    (2, 2, 6, 6, 3, 6, 6, 1, 0, 1, True),
]


def _conv_inputs(case, seed=0):
    n, c_in, h, w, c_out, k_h, k_w, stride, padding, dilation, has_bias = case
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(n, c_in, h, w, generator=generator, dtype=torch.float64)
    weight = torch.randn(
        c_out, c_in, k_h, k_w, generator=generator, dtype=torch.float64
    )
    bias = (
        torch.randn(c_out, generator=generator, dtype=torch.float64)
        if has_bias
        else None
    )
    return x, weight, bias, dict(stride=stride, padding=padding, dilation=dilation)


@pytest.mark.parametrize("case", CONV_CASES)
def test_conv2d_matches_torch_forward(case):
    x, weight, bias, options = _conv_inputs(case)
    expected = F.conv2d(x, weight, bias, **options)
    out = cnn.conv2d(x, weight, bias, **options)
    assert out.shape == expected.shape
    assert out.dtype == torch.float64
    torch.testing.assert_close(out, expected, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("case", CONV_CASES)
def test_conv2d_matches_torch_backward(case):
    x, weight, bias, options = _conv_inputs(case, seed=1)
    leaves = [x, weight] + ([bias] if bias is not None else [])
    for leaf in leaves:
        leaf.requires_grad_(True)
    ours = torch.autograd.grad(
        (cnn.conv2d(x, weight, bias, **options) ** 2).sum(), leaves
    )
    theirs = torch.autograd.grad(
        (F.conv2d(x, weight, bias, **options) ** 2).sum(), leaves
    )
    for got, expected in zip(ours, theirs, strict=True):
        torch.testing.assert_close(got, expected, rtol=RTOL, atol=ATOL)


def test_conv2d_gradcheck_finite_differences():
    x, weight, bias, options = _conv_inputs(CONV_CASES[3], seed=2)
    inputs = tuple(t.requires_grad_(True) for t in (x, weight, bias))
    assert torch.autograd.gradcheck(
        lambda a, b, c: cnn.conv2d(a, b, c, **options),
        inputs,
        eps=FD_EPS,
        atol=FD_ATOL,
        rtol=FD_RTOL,
    )


def test_conv2d_matches_nn_conv2d_module():
    torch.manual_seed(0)
    layer = nn.Conv2d(3, 8, kernel_size=(3, 5), stride=2, padding=(1, 2), dilation=1)
    x = torch.randn(2, 3, 17, 20)
    out = cnn.conv2d(x, layer.weight, layer.bias, stride=2, padding=(1, 2))
    torch.testing.assert_close(out, layer(x), rtol=1e-5, atol=1e-6)


@settings(max_examples=30, deadline=None)
@given(
    size=st.integers(1, 40),
    kernel_size=st.integers(1, 7),
    stride=st.integers(1, 4),
    padding=st.integers(0, 3),
    dilation=st.integers(1, 3),
)
def test_output_size_matches_torch_property(
    size, kernel_size, stride, padding, dilation
):
    if dilation * (kernel_size - 1) + 1 > size + 2 * padding:
        with pytest.raises(ValueError, match="the output would be empty"):
            cnn.conv2d_output_size(size, kernel_size, stride, padding, dilation)
        return
    x = torch.zeros(1, 1, size, 1)
    weight = torch.zeros(1, 1, kernel_size, 1)
    expected = F.conv2d(
        x, weight, stride=(stride, 1), padding=(padding, 0), dilation=(dilation, 1)
    ).shape[2]
    assert (
        cnn.conv2d_output_size(size, kernel_size, stride, padding, dilation) == expected
    )


def test_output_size_known_values():
    assert cnn.conv2d_output_size(224, 3, padding=1) == 224
    assert cnn.conv2d_output_size(224, 2, stride=2) == 112
    assert cnn.conv2d_output_size(7, 3, stride=2) == 3
    assert cnn.conv2d_output_size(10, 3, dilation=2) == 6


def test_output_size_empty_raises():
    message = (
        "the dilated kernel spans 7 pixels (kernel_size=4, dilation=2) but the padded "
        "input has only 6 (size=4, padding=1); the output would be empty"
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        cnn.conv2d_output_size(4, 4, padding=1, dilation=2)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ((0, 3), "size must be at least 1, got 0"),
        ((5, 3, 0), "stride must be at least 1, got 0"),
        ((5, 3, 1, -1), "padding must be at least 0, got -1"),
        ((5, 3, 1, 0, 0), "dilation must be at least 1, got 0"),
    ],
)
def test_output_size_invalid_values_raise(arguments, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        cnn.conv2d_output_size(*arguments)


def test_output_size_float_raises_type_error():
    with pytest.raises(
        TypeError, match=re.escape("size must be an int, got float 5.0")
    ):
        cnn.conv2d_output_size(5.0, 3)


def test_conv2d_channel_mismatch_raises():
    x, weight = torch.zeros(1, 3, 5, 5), torch.zeros(2, 4, 3, 3)
    message = "x has C_in=3 channels but weight expects 4 (weight.shape=(2, 4, 3, 3))"
    with pytest.raises(ValueError, match=re.escape(message)):
        cnn.conv2d(x, weight)


def test_conv2d_unbatched_input_raises():
    message = "x must have shape (N, C_in, H, W), got shape (3, 5, 5)"
    with pytest.raises(ValueError, match=re.escape(message)):
        cnn.conv2d(torch.zeros(3, 5, 5), torch.zeros(2, 3, 3, 3))


def test_conv2d_bias_shape_raises():
    message = "bias must have shape (C_out,) = (2,), got (3,)"
    with pytest.raises(ValueError, match=re.escape(message)):
        cnn.conv2d(torch.zeros(1, 3, 5, 5), torch.zeros(2, 3, 3, 3), torch.zeros(3))


def test_conv2d_kernel_larger_than_input_raises():
    with pytest.raises(ValueError, match=re.escape("the output would be empty")):
        cnn.conv2d(torch.zeros(1, 1, 4, 4), torch.zeros(1, 1, 5, 5))


def test_conv2d_bad_stride_type_raises():
    message = "stride must be an int or a pair of ints, got (1, 2, 3)"
    with pytest.raises(TypeError, match=re.escape(message)):
        cnn.conv2d(torch.zeros(1, 1, 4, 4), torch.zeros(1, 1, 2, 2), stride=(1, 2, 3))


def test_vgg16_parameter_count_known():
    with torch.device("meta"):
        model = cnn.VGG()
    # VGG-16 with 1,000 classes has 138,357,544 parameters (Simonyan and Zisserman, 2015).
    assert sum(p.numel() for p in model.parameters()) == 138_357_544


def test_vgg16_layer_shapes_follow_formula():
    with torch.device("meta"):
        model = cnn.VGG()
    rows = cnn.layer_shapes(model, (1, 3, 224, 224))
    size, channels = 224, 3
    convs = [row for row in rows if row[1] == "Conv2d"]
    assert len(convs) == 13
    for name, kind, shape, count in rows:
        if kind == "Conv2d":
            out_channels = shape[1]
            assert count == out_channels * channels * 9 + out_channels
            channels = out_channels
        elif kind == "MaxPool2d":
            size = cnn.conv2d_output_size(size, 2, stride=2)
        if kind in ("Conv2d", "ReLU", "MaxPool2d") and name.startswith("features"):
            assert shape == (1, channels, size, size)
    assert (channels, size) == (512, 7)
    assert rows[-1][2] == (1, 1000)


def test_layer_shapes_match_real_forward():
    torch.manual_seed(0)
    config = (4, "M", 8, 8, "M", 16, "M")
    model = cnn.VGG(config, in_channels=1, num_classes=10, image_size=32, hidden=20)
    shapes = []
    hooks = [
        m.register_forward_hook(lambda m, i, o: shapes.append(tuple(o.shape)))
        for m in model.modules()
        if not list(m.children())
    ]
    model.eval()
    model(torch.randn(2, 1, 32, 32))
    for hook in hooks:
        hook.remove()
    rows = cnn.layer_shapes(model, (2, 1, 32, 32))
    assert [row[2] for row in rows] == shapes


def test_receptive_field_known_values():
    # Two 3x3 convolutions see 5x5; a 2x2 pooling of stride 2 then a 3x3 conv see 8x8.
    assert cnn.receptive_field([(3, 1, 1, 1), (3, 1, 1, 1)]) == (5, 1, 0.0)
    assert cnn.receptive_field([(3, 1, 1, 1), (2, 2, 0, 1), (3, 1, 1, 1)]) == (
        8,
        2,
        0.5,
    )


def test_receptive_field_matches_gradient_support():
    layers = [(3, 1, 1, 1), (2, 2, 0, 1), (3, 1, 1, 2), (3, 2, 1, 1)]
    model = nn.Sequential(
        nn.Conv2d(1, 1, 3, padding=1),
        nn.AvgPool2d(2),
        nn.Conv2d(1, 1, 3, padding=1, dilation=2),
        nn.Conv2d(1, 1, 3, stride=2, padding=1),
    )
    for module in model:
        if isinstance(module, nn.Conv2d):
            nn.init.constant_(module.weight, 1.0)
    x = torch.zeros(1, 1, 40, 40, requires_grad=True)
    out = model(x)
    i, k = 3, 4
    out[0, 0, i, k].backward()
    rows, columns = torch.nonzero(x.grad[0, 0], as_tuple=True)
    size, jump, start = cnn.receptive_field(layers)
    assert int(rows.max() - rows.min()) + 1 == size
    assert float(rows.min() + rows.max()) / 2 == start + i * jump
    assert float(columns.min() + columns.max()) / 2 == start + k * jump


def _fpn_reference(fpn, features, image_size):
    laterals = [
        F.conv2d(f, c.weight, c.bias)
        for c, f in zip(fpn.lateral, features, strict=True)
    ]
    merged = laterals[-1]
    for stage in reversed(range(len(laterals) - 1)):
        merged = laterals[stage] + F.interpolate(
            merged, size=laterals[stage].shape[-2:], mode="nearest"
        )
    finest = F.conv2d(merged, fpn.smooth[0].weight, fpn.smooth[0].bias, padding=1)
    return F.interpolate(finest, size=image_size, mode="bilinear", align_corners=False)


@pytest.mark.parametrize(
    ("image_size", "sizes"),
    [
        ((64, 64), [(32, 32), (16, 16), (8, 8)]),
        ((75, 97), [(38, 49), (19, 25), (10, 13), (5, 7)]),
        ((33, 20), [(33, 20), (17, 10)]),
    ],
)
def test_fpn_output_matches_reference(image_size, sizes):
    torch.manual_seed(0)
    in_channels = [3 * (s + 1) for s in range(len(sizes))]
    fpn = cnn.FeaturePyramidNetwork(in_channels, 6).double()
    features = [
        torch.randn(2, c, *size, dtype=torch.float64)
        for c, size in zip(in_channels, sizes, strict=True)
    ]
    out = fpn(features, image_size)
    assert out.shape == (2, 6, *image_size)
    torch.testing.assert_close(
        out, _fpn_reference(fpn, features, image_size), rtol=RTOL, atol=ATOL
    )


def test_fpn_pyramid_level_shapes():
    fpn = cnn.FeaturePyramidNetwork([4, 8, 16], 5)
    sizes = [(15, 21), (8, 11), (4, 6)]
    features = [torch.randn(1, c, *s) for c, s in zip([4, 8, 16], sizes, strict=True)]
    levels = fpn.pyramid(features)
    assert [tuple(level.shape) for level in levels] == [(1, 5, *s) for s in sizes]


def test_fpn_without_image_size_returns_finest():
    fpn = cnn.FeaturePyramidNetwork([2, 3], 4)
    out = fpn([torch.randn(1, 2, 9, 9), torch.randn(1, 3, 5, 5)])
    assert out.shape == (1, 4, 9, 9)


def test_fpn_wrong_number_of_maps_raises():
    fpn = cnn.FeaturePyramidNetwork([2, 3], 4)
    message = "expected 2 feature maps (one per entry of in_channels), got 1"
    with pytest.raises(ValueError, match=re.escape(message)):
        fpn([torch.randn(1, 2, 9, 9)])


def test_fpn_wrong_channels_raises():
    fpn = cnn.FeaturePyramidNetwork([2, 3], 4)
    message = "features[1] must have shape (N, 3, H, W), got (1, 4, 5, 5)"
    with pytest.raises(ValueError, match=re.escape(message)):
        fpn([torch.randn(1, 2, 9, 9), torch.randn(1, 4, 5, 5)])


def test_fpn_empty_in_channels_raises():
    message = "in_channels must be a non-empty list of positive ints (one per encoder stage), got []"
    with pytest.raises(ValueError, match=re.escape(message)):
        cnn.FeaturePyramidNetwork([], 4)


def _clip_reference(image_features, text_features, logit_scale):
    n = image_features.shape[0]
    scale = min(math.exp(float(logit_scale)), 100.0)
    total = 0.0
    for i in range(n):
        image = image_features[i] / image_features[i].norm()
        rows = [scale * float(image @ (t / t.norm())) for t in text_features]
        total -= rows[i] - math.log(sum(math.exp(v) for v in rows))
    for j in range(n):
        text = text_features[j] / text_features[j].norm()
        columns = [scale * float((im / im.norm()) @ text) for im in image_features]
        total -= columns[j] - math.log(sum(math.exp(v) for v in columns))
    return total / (2 * n)


@pytest.mark.parametrize(
    ("n", "d", "logit_scale"), [(1, 3, 0.5), (4, 5, math.log(1 / 0.07)), (6, 2, 6.0)]
)
def test_clip_loss_matches_direct_computation(n, d, logit_scale):
    generator = torch.Generator().manual_seed(n)
    images = torch.randn(n, d, generator=generator, dtype=torch.float64)
    texts = torch.randn(n, d, generator=generator, dtype=torch.float64)
    loss = cnn.clip_loss(images, texts, torch.tensor(logit_scale, dtype=torch.float64))
    assert loss.shape == ()
    assert loss.dtype == torch.float64
    assert abs(float(loss) - _clip_reference(images, texts, logit_scale)) < 1e-10


def test_clip_loss_scale_clamped_at_100():
    generator = torch.Generator().manual_seed(0)
    images = torch.randn(3, 4, generator=generator, dtype=torch.float64)
    texts = torch.randn(3, 4, generator=generator, dtype=torch.float64)
    high = cnn.clip_loss(images, texts, torch.tensor(8.0, dtype=torch.float64))
    at_limit = cnn.clip_loss(
        images, texts, torch.tensor(math.log(100.0), dtype=torch.float64)
    )
    torch.testing.assert_close(high, at_limit, rtol=RTOL, atol=ATOL)


def test_clip_loss_gradcheck():
    generator = torch.Generator().manual_seed(3)
    inputs = (
        torch.randn(4, 3, generator=generator, dtype=torch.float64, requires_grad=True),
        torch.randn(4, 3, generator=generator, dtype=torch.float64, requires_grad=True),
        torch.tensor(1.2, dtype=torch.float64, requires_grad=True),
    )
    assert torch.autograd.gradcheck(
        cnn.clip_loss, inputs, eps=FD_EPS, atol=FD_ATOL, rtol=FD_RTOL
    )


def test_clip_loss_shape_mismatch_raises():
    message = "image_features (4, 8) and text_features (4, 6) must have the same shape"
    with pytest.raises(ValueError, match=re.escape(message)):
        cnn.clip_loss(torch.zeros(4, 8), torch.zeros(4, 6), 1.0)


def test_clip_loss_not_matrix_raises():
    message = (
        "image_features and text_features must have shape (N, D), got (8,) and (8,)"
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        cnn.clip_loss(torch.zeros(8), torch.zeros(8), 1.0)


def test_clip_loss_vector_scale_raises():
    message = "logit_scale must be a scalar, got shape (2,)"
    with pytest.raises(ValueError, match=re.escape(message)):
        cnn.clip_loss(torch.ones(2, 3), torch.ones(2, 3), torch.zeros(2))


def test_top_patches_crop_receptive_field():
    images = torch.arange(2 * 10 * 10, dtype=torch.float32).reshape(2, 10, 10)
    activations = torch.zeros(2, 1, 10, 10)
    activations[1, 0, 4, 6] = 5.0
    activations[0, 0, 2, 3] = 1.0
    field = (3, 1, 0.0)  # a 3x3 convolution with padding 1
    patches, scores = cnn.top_activating_patches(activations, images, field, count=2)
    assert patches.shape == (1, 2, 3, 3)
    assert scores.tolist() == [[5.0, 1.0]]
    assert torch.equal(patches[0, 0], images[1, 3:6, 5:8])
    assert torch.equal(patches[0, 1], images[0, 1:4, 2:5])


def test_top_patches_outside_image_zero():
    images = torch.ones(1, 4, 4)
    activations = torch.zeros(1, 1, 4, 4)
    activations[0, 0, 0, 0] = 1.0
    patches, _ = cnn.top_activating_patches(activations, images, (3, 1, 0.0), count=1)
    assert float(patches[0, 0, 0].sum()) == 0.0
    assert float(patches[0, 0, 1:, 1:].sum()) == 4.0


def test_top_patches_count_too_large_raises():
    with pytest.raises(
        ValueError, match=re.escape("count must be between 1 and N=2, got 9")
    ):
        cnn.top_activating_patches(
            torch.zeros(2, 1, 3, 3), torch.zeros(2, 3, 3), (1, 1, 0.0)
        )


def test_top_patches_image_shape_raises():
    message = (
        "images must have shape (N, H, W) with N=2 like activations, got (3, 3, 3)"
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        cnn.top_activating_patches(
            torch.zeros(2, 1, 3, 3), torch.zeros(3, 3, 3), (1, 1, 0.0), count=1
        )


def test_digit_cnn_activation_shapes_fields():
    model = cnn.DigitCNN(image_size=32)
    logits, activations = model(torch.zeros(2, 1, 32, 32), return_activations=True)
    assert logits.shape == (2, 10)
    assert [tuple(a.shape) for a in activations] == [
        (2, 8, 32, 32),
        (2, 16, 16, 16),
        (2, 32, 8, 8),
    ]
    assert [field[:2] for field in model.fields()] == [(3, 1), (8, 2), (18, 4)]


def test_train_classifier_history_and_progress():
    torch.manual_seed(0)
    x = torch.randn(64, 1, 8, 8)
    y = (x.mean((1, 2, 3)) > 0).long()
    model = cnn.DigitCNN(channels=(4,), image_size=8, num_classes=2)
    history = cnn.train_classifier(model, x, y, epochs=5, lr=1e-2, batch_size=16)
    assert [entry["epoch"] for entry in history] == [0, 1, 2, 3, 4]
    assert history[-1]["train_loss"] < history[0]["train_loss"]


def test_word_tokenizer_pads_with_zero():
    tokenizer = cnn.WordTokenizer(["the digit seven", "seven"])
    tokens = tokenizer(["seven", "the digit seven"])
    assert tokens.shape == (2, 3)
    assert tokens[0].tolist() == [tokenizer.vocabulary["seven"], 0, 0]
    assert sorted(tokenizer.vocabulary.values()) == [1, 2, 3]


def test_word_tokenizer_unknown_word_raises():
    tokenizer = cnn.WordTokenizer(["the digit seven"])
    message = "caption 'the digit eight' has words outside the vocabulary: ['eight']"
    with pytest.raises(ValueError, match=re.escape(message)):
        tokenizer(["the digit eight"])


def test_tiny_clip_loss_matches_encoders():
    torch.manual_seed(0)
    tokenizer = cnn.WordTokenizer(["o número sete", "o número oito", "sete", "oito"])
    model = cnn.TinyCLIP(len(tokenizer.vocabulary))
    images = torch.randn(2, 1, 8, 8)
    tokens = tokenizer(["o número sete", "oito"])
    loss = model(images, tokens)
    image_features = model.encode_image(images)
    text_features = model.encode_text(tokens)
    assert image_features.shape == (2, 16)
    assert text_features.shape == (2, 16)
    expected = cnn.clip_loss(image_features, text_features, model.logit_scale)
    torch.testing.assert_close(loss, expected)
    torch.testing.assert_close(model.logit_scale.exp(), torch.tensor(1 / 0.07))


def test_top_patches_inside_skips_border():
    images = torch.rand(1, 6, 6)
    activations = torch.zeros(1, 1, 6, 6)
    activations[0, 0, 0, 0] = 9.0  # its 3x3 field leaves the image
    activations[0, 0, 3, 2] = 1.0
    patches, scores = cnn.top_activating_patches(
        activations, images, (3, 1, 0.0), count=1, inside=True
    )
    assert scores.tolist() == [[1.0]]
    assert torch.equal(patches[0, 0], images[0, 2:5, 1:4])


def test_top_patches_inside_too_small_raises():
    message = "no receptive field of size 7 fits inside images of size (4, 4); use inside=False"
    with pytest.raises(ValueError, match=re.escape(message)):
        cnn.top_activating_patches(
            torch.zeros(1, 1, 4, 4),
            torch.zeros(1, 4, 4),
            (7, 1, 0.0),
            count=1,
            inside=True,
        )


def test_conv2d_array_input_raises_type_error():
    message = "x and weight must be torch tensors, got list and Tensor"
    with pytest.raises(TypeError, match=re.escape(message)):
        cnn.conv2d([[1.0]], torch.zeros(1, 1, 1, 1))


def test_clip_loss_array_input_raises_type_error():
    message = "text_features must be a torch.Tensor, got list; convert it with torch.as_tensor"
    with pytest.raises(TypeError, match=re.escape(message)):
        cnn.clip_loss(torch.zeros(2, 3), [[0.0] * 3] * 2, 1.0)
