r"""Linear regions of ReLU networks: evaluation, counting and maximum counts.

A network with ReLU activations computes a continuous piecewise-affine
function. The input space splits into *linear regions*, on each of which the
function is affine. This module evaluates shallow and deep ReLU networks
given as lists of ``(W, b)`` layers. ``W`` has shape ``(out, in)``, so a layer
computes :math:`\mathbf{x}W^T + \mathbf{b}` as ``torch.nn.Linear`` does. The
module counts the regions for 1D and 2D inputs and gives the known formulas
for the maximum number of regions:

* shallow network, :math:`D` hidden units, :math:`D_i` inputs (Zaslavsky's
  count of the regions of :math:`D` hyperplanes in general position):
  :math:`\sum_{j=0}^{D_i} \binom{D}{j}`;
* deep network, :math:`K` hidden layers of widths :math:`D_1, \ldots, D_K`:
  the upper bound of Serra, Tjandraatmadja and Ramalingam (2018, Theorem 1)
  and the lower bound of Montúfar, Pascanu, Cho and Bengio (2014, Theorem 4).

The figures of chapter 3 plot the upper bound of Serra et al.
"""

# --8<-- [start:imports]
import math

import numpy as np
import scipy.ndimage

from vcbook._validation import (
    as_array,
    check_finite,
    check_positive_int,
    check_real_scalar,
)

# --8<-- [end:imports]


# --8<-- [start:relu_network]
def _check_layers(layers, n_inputs=None):
    if not isinstance(layers, (list, tuple)) or len(layers) == 0:
        raise TypeError(
            "layers must be a non-empty list of (W, b) pairs, got "
            f"{type(layers).__qualname__}; pass e.g. [(W1, b1), (W2, b2)]"
        )
    checked = []
    previous = n_inputs
    for index, layer in enumerate(layers):
        if not isinstance(layer, (list, tuple)) or len(layer) != 2:
            raise TypeError(f"layers[{index}] must be a (W, b) pair, got {layer!r}")
        W = as_array(layer[0], f"layers[{index}] W")
        b = as_array(layer[1], f"layers[{index}] b")
        if W.ndim != 2:
            raise ValueError(
                f"layers[{index}] W must have shape (out, in), got shape {W.shape}"
            )
        if b.shape != (W.shape[0],):
            raise ValueError(
                f"layers[{index}] b must have shape ({W.shape[0]},) to match "
                f"W.shape={W.shape}, got shape {b.shape}"
            )
        if previous is not None and W.shape[1] != previous:
            raise ValueError(
                f"layers[{index}] W has {W.shape[1]} columns but its input has "
                f"{previous} features (W.shape={W.shape}); W must have shape "
                f"(out, {previous})"
            )
        check_finite(W, f"layers[{index}] W")
        check_finite(b, f"layers[{index}] b")
        checked.append((W, b))
        previous = W.shape[0]
    return checked


def relu_network(x, layers):
    r"""Evaluate a ReLU network: ReLU after every layer except the last.

    With one hidden layer, ``[(W1, b1), (W2, b2)]``, this is the shallow
    network :math:`f(\mathbf{x}) = \mathrm{ReLU}(\mathbf{x}W_1^T + \mathbf{b}_1)
    W_2^T + \mathbf{b}_2`; more pairs give a deep network.

    Parameters
    ----------
    x : array-like of shape (N, D_i), or (N,) for a scalar input
    layers : list of (W, b) pairs, W of shape (out, in) and b of shape (out,)

    Returns
    -------
    ndarray of shape (N, D_o), or (N,) when the last layer has one output

    Raises
    ------
    TypeError
        If ``layers`` is not a list of pairs or ``x`` is not numeric.
    ValueError
        If the shapes of ``x`` and the layers do not chain.
    """
    x = as_array(x, "x")
    scalar_input = x.ndim == 1
    h = x[:, None] if scalar_input else x  # (N, D_i)
    if h.ndim != 2:
        raise ValueError(f"x must have shape (N, D_i) or (N,), got shape {x.shape}")
    layers = _check_layers(layers, h.shape[1])

    for W, b in layers[:-1]:
        h = np.maximum(h @ W.T + b, 0.0)  # (N, D_k)
    W, b = layers[-1]
    out = h @ W.T + b  # (N, D_o)
    return out[:, 0] if out.shape[1] == 1 else out


# --8<-- [end:relu_network]


# --8<-- [start:count_linear_pieces]
# Probe positions inside an interval, as fractions of its width, used to test
# whether a function is affine there. Irrational-looking fractions make it
# unlikely that kinks inside the interval cancel at every probe.
_PROBES = np.array([0.1234567, 0.3819660, 0.5, 0.6180340, 0.8765432])


def linear_pieces(f, lo, hi, *, min_width=None, rtol=1e-12):
    r"""Find the maximal intervals of ``[lo, hi]`` on which ``f`` is affine.

    ``f`` is any vectorized function of one variable (an ndarray of shape
    (N,) in, shape (N,) out) that is continuous and piecewise affine, such as
    a ReLU network with a scalar input. The interval is bisected until each
    part is affine: ``f`` matches the chord through the part's ends at five
    interior probes, within ``tau = rtol * (max f - min f + 1)``. Parts that
    reach ``min_width`` (default ``1e-6 * (hi - lo)``) without being affine
    contain a joint and are dropped.

    Joints are counted as the slope changes that remain. Adjacent affine
    parts whose slopes agree are merged, so a joint that vanishes (a ReLU's
    kink cancelled by another one, a unit whose output weight is 0) or that
    lies outside ``[lo, hi]`` creates no piece. Slopes agree when they differ
    by less than ``20 * tau / w`` plus ``1e-9`` relative, where ``w`` is the
    width of the narrower part. The allowance is there because a joint that
    close to a part's end can hide from the probes and tilt that part's slope
    by about ``tau / w``. So two
    joints closer than ``min_width`` count as one, and slope changes below
    about ``20 * rtol / 1e-6`` of the function's range per unit of input are
    not seen.

    Returns
    -------
    list of (start, end, slope) tuples, sorted. They cover ``[lo, hi]``
    except for the dropped parts, each narrower than ``min_width``. The slope
    is that of the widest part merged into the piece.

    Raises
    ------
    TypeError
        If ``f`` is not callable or ``lo``/``hi`` are not numbers.
    ValueError
        If ``lo >= hi``, ``min_width`` is not positive, or ``f`` returns an
        array of the wrong shape or with NaN.
    """
    lo, hi, min_width, values_at = _check_piece_arguments(f, lo, hi, min_width)
    starts = np.linspace(lo, hi, 65)
    ends, starts = starts[1:], starts[:-1]
    tau = rtol * (np.ptp(values_at(np.linspace(lo, hi, 1025))) + 1.0)
    leaves = []

    while starts.size:
        width = ends - starts  # (M,)
        probes = starts[:, None] + width[:, None] * _PROBES  # (M, 5)
        f_start, f_end = values_at(starts), values_at(ends)
        chord = f_start[:, None] + (f_end - f_start)[:, None] * _PROBES
        error = np.abs(values_at(probes.ravel()).reshape(probes.shape) - chord)
        affine = error.max(axis=1) <= tau
        slopes = (f_end - f_start) / width
        leaves += zip(starts[affine], ends[affine], slopes[affine])

        split = ~affine & (width > min_width)
        middle = (starts[split] + ends[split]) / 2
        starts = np.concatenate([starts[split], middle])
        ends = np.concatenate([middle, ends[split]])

    leaves.sort()
    # Each piece: [start, end, slope, width of the part that gave the slope].
    pieces = [[*leaves[0], leaves[0][1] - leaves[0][0]]]
    for start, end, slope in leaves[1:]:
        last = pieces[-1]
        narrower = min(end - start, last[3])
        tolerance = 20 * tau / narrower + 1e-9 * max(abs(slope), abs(last[2]))
        if abs(slope - last[2]) <= tolerance:
            last[1] = end
            if end - start > last[3]:
                last[2], last[3] = slope, end - start
        else:
            pieces.append([start, end, slope, end - start])
    return [tuple(piece[:3]) for piece in pieces]


def count_linear_pieces(f, lo, hi, *, min_width=None, rtol=1e-12):
    """Count the maximal intervals of ``[lo, hi]`` on which ``f`` is affine.

    See :func:`linear_pieces` for how joints are found and counted.
    """
    return len(linear_pieces(f, lo, hi, min_width=min_width, rtol=rtol))


def _check_piece_arguments(f, lo, hi, min_width):
    if not callable(f):
        raise TypeError(
            f"f must be a callable taking an ndarray, got {type(f).__qualname__}"
        )
    lo = check_real_scalar(lo, "lo")
    hi = check_real_scalar(hi, "hi")
    if not lo < hi:
        raise ValueError(f"lo must be smaller than hi, got lo={lo} and hi={hi}")
    min_width = (
        1e-6 * (hi - lo)
        if min_width is None
        else check_real_scalar(min_width, "min_width")
    )
    if not min_width > 0:
        raise ValueError(f"min_width must be positive, got {min_width}")

    def values_at(points):
        values = np.asarray(f(points), dtype=np.float64)
        if values.shape != points.shape:
            raise ValueError(
                f"f must return an array of the shape of its input {points.shape}, "
                f"got shape {values.shape}; make f vectorized"
            )
        if not np.isfinite(values).all():
            raise ValueError("f returned NaN or inf inside [lo, hi]")
        return values

    return lo, hi, min_width, values_at


# --8<-- [end:count_linear_pieces]


def network_breakpoints(layers, lo, hi):
    r"""Return the exact joints in ``(lo, hi)`` of a ReLU network with a scalar input.

    Each layer's pre-activations are affine in :math:`x` on every piece found
    so far. The zeros of those affine functions split the pieces, layer after
    layer. A joint is kept only if the slopes of the output on its two sides
    differ (relative tolerance 1e-9), so joints that vanish are dropped.

    Parameters
    ----------
    layers : list of (W, b) pairs, the first W of shape (D_1, 1), the last of shape (1, D_K)
    lo, hi : float
        Ends of the input interval, ``lo < hi``.

    Returns
    -------
    ndarray of shape (n_joints,), sorted; the function has ``n_joints + 1`` linear pieces.

    Raises
    ------
    ValueError
        If the network does not map a scalar to a scalar or ``lo >= hi``.
    """
    layers = _check_layers(layers, 1)
    lo = check_real_scalar(lo, "lo")
    hi = check_real_scalar(hi, "hi")
    if not lo < hi:
        raise ValueError(f"lo must be smaller than hi, got lo={lo} and hi={hi}")
    if layers[-1][0].shape[0] != 1:
        raise ValueError(
            f"the last layer must have one output, got W.shape={layers[-1][0].shape}"
        )

    # Each piece: (start, end, slope, intercept) of the current hidden vector h = slope*x + c.
    pieces = [(lo, hi, np.ones(1), np.zeros(1))]
    for W, b in layers[:-1]:
        next_pieces = []
        for start, end, slope, intercept in pieces:
            z_slope, z_intercept = W @ slope, W @ intercept + b  # (D_k,)
            with np.errstate(divide="ignore", invalid="ignore"):
                zeros = -z_intercept / z_slope
            cuts = np.unique(zeros[(zeros > start) & (zeros < end)])
            edges = np.concatenate([[start], cuts, [end]])
            for left, right in zip(edges[:-1], edges[1:]):
                active = (z_slope * (left + right) / 2 + z_intercept) > 0
                next_pieces.append(
                    (left, right, z_slope * active, z_intercept * active)
                )
        pieces = next_pieces

    W, b = layers[-1]
    slopes = np.array([float(W[0] @ slope) for _, _, slope, _ in pieces])
    joints = []
    for index in range(1, len(pieces)):
        left, right = slopes[index - 1], slopes[index]
        if abs(left - right) > 1e-9 * max(abs(left), abs(right), 1.0):
            joints.append(pieces[index][0])
    return np.array(joints)


# --8<-- [start:count_regions_2d]
def activation_pattern(x, layers):
    """Return which hidden ReLUs are active at each input.

    Parameters
    ----------
    x : array-like of shape (N, D_i)
    layers : list of (W, b) pairs, as in :func:`relu_network`

    Returns
    -------
    ndarray of bool, shape (N, total number of hidden units)
    """
    h = as_array(x, "x")
    if h.ndim != 2:
        raise ValueError(f"x must have shape (N, D_i), got shape {h.shape}")
    layers = _check_layers(layers, h.shape[1])
    patterns = []
    for W, b in layers[:-1]:
        z = h @ W.T + b  # (N, D_k)
        patterns.append(z > 0)
        h = np.maximum(z, 0.0)
    return np.concatenate(patterns, axis=1)


def region_map_2d(layers, xlim, ylim, resolution=400, min_size=4):
    """Label the linear regions of a 2-input ReLU network on a grid.

    A region is a connected set of grid points (4-neighbours) that share one
    activation pattern, so the network is affine on it. Sets of fewer than
    ``min_size`` points are not counted and get the label -1: they are grid
    points that rounding puts on the wrong side of a boundary near a corner.
    Regions narrower than a few grid spacings can be missed, so the count is
    a lower bound on the regions inside the box.

    Parameters
    ----------
    layers : list of (W, b) pairs, the first W of shape (D_1, 2)
    xlim, ylim : (float, float)
        Ranges of the two inputs.
    resolution : int
        Grid points along each axis.

    Returns
    -------
    labels : ndarray of int, shape (resolution, resolution)
        Region index of each grid point, from 0, or -1 for the small sets. Row i
        is the i-th grid position along ``ylim``.
    n_regions : int
    """
    resolution = check_positive_int(resolution, "resolution")
    grid_x = np.linspace(*xlim, resolution)
    grid_y = np.linspace(*ylim, resolution)
    x1, x2 = np.meshgrid(grid_x, grid_y)
    points = np.column_stack([x1.ravel(), x2.ravel()])  # (resolution**2, 2)
    pattern = activation_pattern(points, layers)
    _, pattern_id = np.unique(pattern, axis=0, return_inverse=True)
    pattern_id = pattern_id.reshape(resolution, resolution)

    labels = np.full((resolution, resolution), -1, dtype=np.int64)
    n_regions = 0
    for value in np.unique(pattern_id):
        components, count = scipy.ndimage.label(pattern_id == value)
        sizes = np.bincount(components.ravel(), minlength=count + 1)
        for component in np.flatnonzero(sizes[1:] >= min_size) + 1:
            labels[components == component] = n_regions
            n_regions += 1
    return labels, n_regions


# --8<-- [end:count_regions_2d]


# --8<-- [start:max_regions]
def _check_widths(widths):
    if isinstance(widths, (int, np.integer)) or not hasattr(widths, "__iter__"):
        raise TypeError(
            f"widths must be a list of hidden-layer widths, got {widths!r}; "
            "pass e.g. [10, 10]"
        )
    widths = [check_positive_int(width, "each width") for width in widths]
    if not widths:
        raise ValueError("widths is empty; pass at least one hidden-layer width")
    return widths


def max_regions_shallow(n_hidden, n_inputs):
    r"""Maximum number of linear regions of a shallow ReLU network.

    :math:`D` hidden units define :math:`D` hyperplanes in the
    :math:`D_i`-dimensional input space. In general position they make
    :math:`\sum_{j=0}^{D_i} \binom{D}{j}` regions (Zaslavsky, 1975); with
    :math:`D_i = 1` this is :math:`D + 1`.

    Returns
    -------
    int (exact, arbitrary precision)
    """
    D = check_positive_int(n_hidden, "n_hidden")
    D_i = check_positive_int(n_inputs, "n_inputs")
    return sum(math.comb(D, j) for j in range(D_i + 1))


def max_regions_deep_upper(widths, n_inputs):
    r"""Upper bound on the linear regions of a deep ReLU network.

    Serra, Tjandraatmadja and Ramalingam (2018, Theorem 1): with hidden
    widths :math:`n_1, \ldots, n_K` and :math:`n_0` inputs, the number of
    regions is at most :math:`\sum_{(j_1, \ldots, j_K) \in J} \prod_l
    \binom{n_l}{j_l}`, where :math:`0 \le j_l \le \min(n_0, n_1 - j_1,
    \ldots, n_{l-1} - j_{l-1}, n_l)`. The sum is computed by dynamic
    programming over the running minimum.

    Returns
    -------
    int (exact, arbitrary precision)
    """
    widths = _check_widths(widths)
    n_0 = check_positive_int(n_inputs, "n_inputs")
    # ways[m]: summed products over the layers so far whose running minimum is m.
    ways = {n_0: 1}
    for n_l in widths:
        next_ways = {}
        for bound, total in ways.items():
            for j in range(min(bound, n_l) + 1):
                key = min(bound, n_l - j)
                next_ways[key] = next_ways.get(key, 0) + total * math.comb(n_l, j)
        ways = next_ways
    return sum(ways.values())


def max_regions_deep_lower(widths, n_inputs):
    r"""Lower bound on the maximum linear regions of a deep ReLU network.

    Montúfar, Pascanu, Cho and Bengio (2014, Theorem 4), for widths
    :math:`n_l \ge n_0`: :math:`\left(\prod_{l=1}^{K-1} \lfloor n_l / n_0
    \rfloor^{n_0}\right) \sum_{j=0}^{n_0} \binom{n_K}{j}`.

    Raises
    ------
    ValueError
        If a width is smaller than ``n_inputs``, where the bound does not apply.
    """
    widths = _check_widths(widths)
    n_0 = check_positive_int(n_inputs, "n_inputs")
    if min(widths) < n_0:
        raise ValueError(
            f"the bound of Montúfar et al. needs every width >= n_inputs={n_0}, "
            f"got widths={widths}"
        )
    product = math.prod((n_l // n_0) ** n_0 for n_l in widths[:-1])
    return product * max_regions_shallow(widths[-1], n_0)


def count_parameters(n_inputs, n_hidden, n_layers, n_outputs=1):
    """Count the weights and biases of a network of ``n_layers`` hidden layers.

    Every hidden layer has ``n_hidden`` units; the input has ``n_inputs``
    features and the output ``n_outputs``.
    """
    D_i = check_positive_int(n_inputs, "n_inputs")
    D = check_positive_int(n_hidden, "n_hidden")
    K = check_positive_int(n_layers, "n_layers")
    D_o = check_positive_int(n_outputs, "n_outputs")
    return (D_i + 1) * D + (K - 1) * (D + 1) * D + (D + 1) * D_o


# --8<-- [end:max_regions]
