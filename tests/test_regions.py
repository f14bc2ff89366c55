import math
import re

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from vcbook import regions

RTOL, ATOL = 1e-10, 1e-12

# The two shallow networks of Fig. 6, 3 hidden units each, fold [0, 1] into
# 3 pieces; the tests check the figure's own networks.
from vcbook.figures.ch3 import NET_1, NET_2  # noqa: E402


def _random_network(widths, seed):
    rng = np.random.default_rng(seed)
    return [
        (rng.normal(size=(n_out, n_in)), rng.normal(size=n_out))
        for n_in, n_out in zip(widths[:-1], widths[1:])
    ]


def _torch_network(layers):
    modules = []
    for W, b in layers:
        linear = torch.nn.Linear(W.shape[1], W.shape[0]).double()
        with torch.no_grad():
            linear.weight.copy_(torch.tensor(W))
            linear.bias.copy_(torch.tensor(b))
        modules += [linear, torch.nn.ReLU()]
    return torch.nn.Sequential(*modules[:-1])


@pytest.mark.parametrize(
    "widths, n", [([1, 3, 1], 1), ([2, 3, 1], 5), ([2, 5, 4, 3], 7)]
)
def test_relu_network_matches_torch(widths, n):
    layers = _random_network(widths, seed=n)
    x = np.random.default_rng(0).normal(size=(n, widths[0]))
    out = regions.relu_network(x, layers)
    expected = _torch_network(layers)(torch.tensor(x)).detach().numpy()
    expected = expected[:, 0] if widths[-1] == 1 else expected
    assert out.shape == expected.shape
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, expected, rtol=RTOL, atol=ATOL)


def test_relu_network_scalar_input_shape():
    out = regions.relu_network(np.linspace(0, 1, 11), NET_1)
    assert out.shape == (11,)


def test_relu_network_rejects_bad_width():
    layers = [(np.ones((3, 2)), np.zeros(3)), (np.ones((1, 3)), np.zeros(1))]
    message = "layers[0] W has 2 columns but its input has 1 features (W.shape=(3, 2))"
    with pytest.raises(ValueError, match=re.escape(message)):
        regions.relu_network(np.zeros(4), layers)


def test_relu_network_rejects_bad_bias():
    layers = [(np.ones((3, 1)), np.zeros(2))]
    message = "layers[0] b must have shape (3,) to match W.shape=(3, 1), got shape (2,)"
    with pytest.raises(ValueError, match=re.escape(message)):
        regions.relu_network(np.zeros(4), layers)


def test_relu_network_rejects_non_list():
    with pytest.raises(
        TypeError, match=re.escape("layers must be a non-empty list of (W, b)")
    ):
        regions.relu_network(np.zeros(4), np.ones(3))


def test_pieces_of_folding_networks():
    f = lambda x: regions.relu_network(x, NET_1)  # noqa: E731
    g = lambda x: regions.relu_network(x, NET_2)  # noqa: E731
    composed = lambda x: g(f(x))  # noqa: E731
    assert regions.count_linear_pieces(f, 0, 1) == 3
    assert regions.count_linear_pieces(g, 0, 1) == 3
    assert regions.count_linear_pieces(composed, 0, 1) == 9


def test_pieces_slopes_and_ends():
    pieces = regions.linear_pieces(lambda x: regions.relu_network(x, NET_1), 0, 1)
    slopes = [slope for _, _, slope in pieces]
    np.testing.assert_allclose(slopes, [3.0, -3.0, 3.0], rtol=1e-9)
    assert pieces[0][0] == 0.0
    assert pieces[-1][1] == 1.0
    assert pieces[1][0] == pytest.approx(1 / 3, abs=1e-5)


def test_pieces_joint_outside_interval():
    # The kink of relu(x) at 0 is an end of [0, 1] but inside [-1, 2].
    f = lambda x: regions.relu_network(x, NET_1)  # noqa: E731
    assert regions.count_linear_pieces(f, -1, 2) == 4


def test_pieces_vanishing_joint_merged():
    # relu(x) - relu(x - 0.5) + relu(x - 0.5): the kink at 0.5 cancels.
    layers = [
        (np.ones((3, 1)), np.array([0.0, -0.5, -0.5])),
        (np.array([[1.0, -1.0, 1.0]]), np.zeros(1)),
    ]
    f = lambda x: regions.relu_network(x, layers)  # noqa: E731
    assert regions.count_linear_pieces(f, -1, 1) == 2
    assert regions.network_breakpoints(layers, -1, 1).tolist() == [0.0]


def test_pieces_zero_output_weight_merged():
    layers = [
        (np.ones((2, 1)), np.array([0.0, -0.5])),
        (np.array([[1.0, 0.0]]), np.zeros(1)),
    ]
    assert (
        regions.count_linear_pieces(lambda x: regions.relu_network(x, layers), -1, 1)
        == 2
    )


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), depth=st.integers(1, 3), width=st.integers(1, 6))
def test_pieces_match_exact_breakpoints(seed, depth, width):
    layers = _random_network([1] + [width] * depth + [1], seed)
    counted = regions.count_linear_pieces(
        lambda x: regions.relu_network(x, layers), -3, 3
    )
    exact = regions.network_breakpoints(layers, -3, 3)
    # Joints closer than the default min_width (6e-6 here) may merge.
    separate = 1 + int(np.sum(np.diff(exact) > 1e-5)) if exact.size else 1
    assert counted in (exact.size + 1, separate)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), depth=st.integers(1, 3), width=st.integers(1, 5))
def test_pieces_within_upper_bound(seed, depth, width):
    layers = _random_network([1] + [width] * depth + [1], seed)
    exact = regions.network_breakpoints(layers, -100, 100)
    assert exact.size + 1 <= regions.max_regions_deep_upper([width] * depth, 1)


def test_breakpoints_shallow_are_kinks():
    joints = regions.network_breakpoints(NET_1, -1, 2)
    np.testing.assert_allclose(joints, [0.0, 1 / 3, 2 / 3], rtol=RTOL, atol=ATOL)


def test_pieces_rejects_empty_interval():
    with pytest.raises(
        ValueError, match=re.escape("lo must be smaller than hi, got lo=1.0 and hi=1.0")
    ):
        regions.count_linear_pieces(np.abs, 1, 1)


def test_pieces_rejects_non_callable():
    with pytest.raises(
        TypeError, match=re.escape("f must be a callable taking an ndarray, got int")
    ):
        regions.count_linear_pieces(3, 0, 1)


def test_pieces_rejects_unvectorized_f():
    message = "f must return an array of the shape of its input (1025,), got shape (); make f vectorized"
    with pytest.raises(ValueError, match=re.escape(message)):
        regions.count_linear_pieces(lambda x: 1.0, 0, 1)


def test_pieces_rejects_nan():
    message = "f returned NaN or inf inside [lo, hi]"
    with np.errstate(invalid="ignore", divide="ignore"):
        with pytest.raises(ValueError, match=re.escape(message)):
            regions.count_linear_pieces(np.log, -1, 1)


def test_region_map_shallow_seven_regions():
    # Three lines in general position crossing inside the square.
    W = np.array([[1.0, 0.2], [-0.3, 1.0], [1.0, 1.0]])
    b = np.array([0.0, 0.1, -0.4])
    layers = [(W, b), (np.ones((1, 3)), np.zeros(1))]
    labels, n_regions = regions.region_map_2d(layers, (-1, 1), (-1, 1), resolution=300)
    assert labels.shape == (300, 300)
    assert n_regions == regions.max_regions_shallow(3, 2)
    assert labels.max() + 1 == n_regions
    assert labels.min() >= -1


def test_region_map_parallel_lines():
    W = np.array([[1.0, 0.0], [1.0, 0.0]])
    b = np.array([0.0, -0.5])
    layers = [(W, b), (np.ones((1, 2)), np.zeros(1))]
    assert regions.region_map_2d(layers, (-1, 1), (-1, 1), resolution=101)[1] == 3


def test_activation_pattern_shape():
    layers = _random_network([2, 4, 3, 1], seed=0)
    pattern = regions.activation_pattern(np.zeros((5, 2)), layers)
    assert pattern.shape == (5, 7)
    assert pattern.dtype == bool


@pytest.mark.parametrize(
    "D, D_i, expected", [(3, 1, 4), (3, 2, 7), (3, 3, 8), (10, 10, 1024)]
)
def test_max_regions_shallow_values(D, D_i, expected):
    assert regions.max_regions_shallow(D, D_i) == expected


@pytest.mark.parametrize("D, D_i", [(1, 1), (3, 2), (8, 3), (5, 10)])
def test_deep_bounds_reduce_to_shallow(D, D_i):
    assert regions.max_regions_deep_upper([D], D_i) == regions.max_regions_shallow(
        D, D_i
    )


def test_deep_upper_scalar_input_closed_form():
    # With one input, every j_l is 0 or 1, so the bound is (D + 1) ** K.
    assert regions.max_regions_deep_upper([10] * 5, 1) == 11**5


def test_deep_upper_by_enumeration():
    widths, n_0 = [3, 2, 4], 2
    total = 0
    for j1 in range(4):
        for j2 in range(3):
            for j3 in range(5):
                if (
                    j1 <= min(n_0, 3)
                    and j2 <= min(n_0, 3 - j1, 2)
                    and j3 <= min(n_0, 3 - j1, 2 - j2, 4)
                ):
                    total += math.comb(3, j1) * math.comb(2, j2) * math.comb(4, j3)
    assert regions.max_regions_deep_upper(widths, n_0) == total


@pytest.mark.parametrize(
    "widths, D_i", [([10] * 5, 1), ([20, 20, 20], 10), ([4, 6], 2)]
)
def test_deep_lower_below_upper(widths, D_i):
    lower = regions.max_regions_deep_lower(widths, D_i)
    assert lower <= regions.max_regions_deep_upper(widths, D_i)


def test_deep_lower_value():
    assert regions.max_regions_deep_lower([10] * 5, 1) == 10**4 * 11


def test_deep_lower_rejects_narrow_layer():
    message = "the bound of Montúfar et al. needs every width >= n_inputs=3, got widths=[2, 5]"
    with pytest.raises(ValueError, match=re.escape(message)):
        regions.max_regions_deep_lower([2, 5], 3)


def test_deep_upper_rejects_int_widths():
    with pytest.raises(
        TypeError,
        match=re.escape("widths must be a list of hidden-layer widths, got 5"),
    ):
        regions.max_regions_deep_upper(5, 1)


def test_count_parameters_matches_torch():
    layers = _random_network([10, 50, 50, 50, 50, 50, 1], seed=0)
    torch_count = sum(p.numel() for p in _torch_network(layers).parameters())
    assert regions.count_parameters(10, 50, 5) == torch_count
    assert regions.count_parameters(1, 10, 5) == 471
