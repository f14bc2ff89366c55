"""The Scalar and Tensor engines against torch.autograd (float64) and finite differences."""

import math
import re

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from vcbook.autodiff import Scalar, Tensor, cross_entropy, topological_order
from vcbook.gradcheck import numerical_grad

RTOL, ATOL = 1e-7, 1e-9
FD_RTOL, FD_ATOL = 1e-3, 1e-5
EXAMPLES = settings(max_examples=30, deadline=None)

values = st.floats(-3.0, 3.0, allow_nan=False)
positive = st.floats(0.2, 3.0)
seeds = st.integers(0, 2**32 - 1)


def torch_leaf(value):
    return torch.tensor(value, dtype=torch.float64, requires_grad=True)


def assert_matches(ours, theirs):
    """Compare an ndarray with a float64 torch tensor: shape, dtype, then values."""
    theirs = theirs.detach().numpy()
    assert np.shape(ours) == theirs.shape
    assert np.asarray(ours).dtype == theirs.dtype
    np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=ATOL)


# Scalar ---------------------------------------------------------------

SCALAR_UNARY = {
    "exp": (lambda v: v.exp(), torch.exp, values),
    "log": (lambda v: v.log(), torch.log, positive),
    "tanh": (lambda v: v.tanh(), torch.tanh, values),
    "sigmoid": (lambda v: v.sigmoid(), torch.sigmoid, values),
    "relu": (lambda v: v.relu(), torch.relu, values.filter(lambda v: abs(v) > 1e-3)),
    "neg": (lambda v: -v, torch.neg, values),
    "square": (lambda v: v**2, lambda t: t**2, values),
    "cube": (lambda v: v**3, lambda t: t**3, values),
    "sqrt": (lambda v: v**0.5, torch.sqrt, positive),
    "inverse": (lambda v: 1 / v, lambda t: 1 / t, positive),
}


@pytest.mark.parametrize("name", sorted(SCALAR_UNARY))
def test_scalar_unary_matches_torch(name):
    ours_fn, torch_fn, strategy = SCALAR_UNARY[name]

    @EXAMPLES
    @given(strategy)
    def check(value):
        x = Scalar(value)
        out = ours_fn(x)
        out.backward()
        t = torch_leaf(value)
        t_out = torch_fn(t)
        t_out.backward()
        assert math.isclose(out.data, t_out.item(), rel_tol=RTOL, abs_tol=ATOL)
        assert math.isclose(x.grad, t.grad.item(), rel_tol=RTOL, abs_tol=ATOL)

    check()


SCALAR_BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a**b,
}


@pytest.mark.parametrize("name", sorted(SCALAR_BINARY))
@EXAMPLES
@given(a=positive, b=positive)
def test_scalar_binary_matches_torch(name, a, b):
    op = SCALAR_BINARY[name]
    x, y = Scalar(a), Scalar(b)
    out = op(x, y)
    out.backward()
    tx, ty = torch_leaf(a), torch_leaf(b)
    t_out = op(tx, ty)
    t_out.backward()
    assert math.isclose(out.data, t_out.item(), rel_tol=RTOL, abs_tol=ATOL)
    assert math.isclose(x.grad, tx.grad.item(), rel_tol=RTOL, abs_tol=ATOL)
    assert math.isclose(y.grad, ty.grad.item(), rel_tol=RTOL, abs_tol=ATOL)


@pytest.mark.parametrize("name", sorted(SCALAR_BINARY))
@EXAMPLES
@given(a=positive, number=positive)
def test_scalar_reflected_number_matches_torch(name, a, number):
    op = SCALAR_BINARY[name]
    x = Scalar(a)
    out = op(number, x) + op(x, number)
    out.backward()
    t = torch_leaf(a)
    t_out = op(number, t) + op(t, number)
    t_out.backward()
    assert math.isclose(out.data, t_out.item(), rel_tol=RTOL, abs_tol=ATOL)
    assert math.isclose(x.grad, t.grad.item(), rel_tol=RTOL, abs_tol=ATOL)


def reused_graph(x, y):
    """An expression that uses x, y and the intermediate a several times."""
    a = x * y + x
    b = a * a - y / (a * a + 1)
    return (b * a).tanh() + a.sigmoid() * x + (b**2 + 1).log()


@EXAMPLES
@given(a=values, b=values)
def test_scalar_reused_node_matches_torch(a, b):
    x, y = Scalar(a), Scalar(b)
    out = reused_graph(x, y)
    out.backward()
    tx, ty = torch_leaf(a), torch_leaf(b)
    t_out = reused_graph(tx, ty)
    t_out.backward()
    assert math.isclose(out.data, t_out.item(), rel_tol=RTOL, abs_tol=ATOL)
    assert math.isclose(x.grad, tx.grad.item(), rel_tol=RTOL, abs_tol=ATOL)
    assert math.isclose(y.grad, ty.grad.item(), rel_tol=RTOL, abs_tol=ATOL)


@EXAMPLES
@given(a=values, b=values)
def test_scalar_reused_node_matches_differences(a, b):
    x, y = Scalar(a), Scalar(b)
    reused_graph(x, y).backward()
    expected = numerical_grad(
        lambda v: reused_graph(Scalar(v[0]), Scalar(v[1])).data, [a, b]
    )
    np.testing.assert_allclose([x.grad, y.grad], expected, rtol=FD_RTOL, atol=FD_ATOL)


def test_scalar_backward_twice_accumulates_like_torch():
    x, y = Scalar(0.7), Scalar(-1.3)
    out = reused_graph(x, y)
    out.backward()
    out.backward()
    tx, ty = torch_leaf(0.7), torch_leaf(-1.3)
    t_out = reused_graph(tx, ty)
    t_out.backward(retain_graph=True)
    t_out.backward()
    assert math.isclose(x.grad, tx.grad.item(), rel_tol=RTOL)
    assert math.isclose(y.grad, ty.grad.item(), rel_tol=RTOL)


def test_scalar_zeroed_grad_restarts():
    x = Scalar(2.0)
    out = x * x * x
    out.backward()
    x.grad = 0.0
    out.backward()
    assert x.grad == 12.0


def test_scalar_eq_2_6_chain():
    # Eq. (2.5) and (2.6): da4/dx = 2 q4 w3 w2 w1.
    x, w1, b1, w2, b2, w3, b3, w4 = 2.0, 3.0, -1.0, 0.5, 2.0, -1.0, 4.0, 1.0
    xs = Scalar(x)
    a3 = w3 * (w2 * (w1 * xs + b1) + b2) + b3
    a4 = (a3 - w4) ** 2
    a4.backward()
    q4 = a3.data - w4
    assert xs.grad == 2 * q4 * w3 * w2 * w1


def test_scalar_graph_exposes_parents_and_op():
    x, y = Scalar(1.0, label="x"), Scalar(2.0, label="y")
    out = x * y + x
    assert out.op == "+"
    assert out.parents[0].op == "*"
    assert out.parents[0].parents == (x, y)


def test_topological_order_parents_first():
    x = Scalar(1.0)
    a = x * 2
    out = a * a + x
    order = topological_order(out)
    position = {id(node): k for k, node in enumerate(order)}
    for node in order:
        for parent in node.parents:
            assert position[id(parent)] < position[id(node)]


def test_scalar_deep_chain_no_recursion_error():
    x = Scalar(1.0)
    out = x
    for _ in range(5000):
        out = out * 1.0 + 0.0
    out.backward()
    assert x.grad == 1.0


def test_scalar_log_nonpositive_raises():
    with pytest.raises(
        ValueError, match=re.escape("log needs a positive input, got -1.0")
    ):
        Scalar(-1.0).log()


def test_scalar_text_operand_raises():
    message = "operand must be a Scalar or a real number, got str 'a'"
    with pytest.raises(TypeError, match=re.escape(message)):
        Scalar(1.0) + "a"


def test_scalar_text_data_raises():
    with pytest.raises(
        TypeError, match=re.escape("data must be a real number, got str '1'")
    ):
        Scalar("1")


# Tensor ---------------------------------------------------------------

BROADCAST_SHAPES = [
    ((3, 4), (3, 4)),
    ((3, 1), (1, 4)),
    ((2, 3, 4), (4,)),
    ((4,), (2, 3, 4)),
    ((), (2, 3)),
    ((1,), (5,)),
    ((1, 1), (1, 1)),
]
TENSOR_BINARY = dict(SCALAR_BINARY)
del TENSOR_BINARY["pow"]


def random_pair(seed, shape_a, shape_b, low=0.5, high=2.0):
    rng = np.random.default_rng(seed)
    signs = rng.choice([-1.0, 1.0], size=shape_a)
    return signs * rng.uniform(low, high, size=shape_a), rng.uniform(
        low, high, size=shape_b
    )


@pytest.mark.parametrize("shapes", BROADCAST_SHAPES, ids=str)
@pytest.mark.parametrize("name", sorted(TENSOR_BINARY))
@settings(max_examples=10, deadline=None)
@given(seed=seeds)
def test_tensor_binary_broadcast_matches_torch(name, shapes, seed):
    op = TENSOR_BINARY[name]
    a, b = random_pair(seed, *shapes)
    x, y = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
    out = op(x, y)
    (out * out).sum().backward()
    tx, ty = torch_leaf(a), torch_leaf(b)
    t_out = op(tx, ty)
    (t_out * t_out).sum().backward()
    assert_matches(out.data, t_out)
    assert_matches(x.grad, tx.grad)
    assert_matches(y.grad, ty.grad)


@pytest.mark.parametrize("name", sorted(TENSOR_BINARY))
def test_tensor_reflected_array_matches_torch(name):
    op = TENSOR_BINARY[name]
    a, b = random_pair(0, (3, 4), (4,))
    x = Tensor(a, requires_grad=True)
    out = op(b, x) + op(x, 2.5) + op(1.5, x)
    out.sum().backward()
    t = torch_leaf(a)
    t_out = op(torch.tensor(b), t) + op(t, 2.5) + op(1.5, t)
    t_out.sum().backward()
    assert isinstance(out, Tensor)
    assert_matches(out.data, t_out)
    assert_matches(x.grad, t.grad)


TENSOR_UNARY = {
    "exp": (lambda v: v.exp(), torch.exp),
    "log": (lambda v: (v * v).log(), lambda t: (t * t).log()),
    "tanh": (lambda v: v.tanh(), torch.tanh),
    "sigmoid": (lambda v: v.sigmoid(), torch.sigmoid),
    "relu": (lambda v: v.relu(), torch.relu),
    "neg": (lambda v: -v, torch.neg),
    "pow3": (lambda v: v**3, lambda t: t**3),
    "pow_half": (lambda v: (v * v) ** 0.5, lambda t: (t * t) ** 0.5),
    "log_softmax0": (lambda v: v.log_softmax(axis=0), lambda t: t.log_softmax(0)),
    "log_softmax1": (lambda v: v.log_softmax(axis=-1), lambda t: t.log_softmax(-1)),
}


@pytest.mark.parametrize("name", sorted(TENSOR_UNARY))
@pytest.mark.parametrize("shape", [(1, 1), (1, 5), (4, 3)], ids=str)
@settings(max_examples=10, deadline=None)
@given(seed=seeds)
def test_tensor_unary_matches_torch(name, shape, seed):
    ours_fn, torch_fn = TENSOR_UNARY[name]
    a, weights = random_pair(seed, shape, shape)
    x = Tensor(a, requires_grad=True)
    (ours_fn(x) * weights).sum().backward()
    t = torch_leaf(a)
    t_out = torch_fn(t)
    (t_out * torch.tensor(weights)).sum().backward()
    assert_matches(ours_fn(Tensor(a)).data, t_out)
    assert_matches(x.grad, t.grad)


MATMUL_SHAPES = [
    ((1, 3), (3, 2)),
    ((4, 3), (3, 5)),
    ((5, 5), (5, 5)),
    ((3,), (3, 4)),
    ((4, 3), (3,)),
    ((3,), (3,)),
    ((2, 4, 3), (3, 5)),
    ((4, 3), (2, 3, 5)),
    ((2, 1, 4, 3), (3, 3, 2)),
]


@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
@settings(max_examples=10, deadline=None)
@given(seed=seeds)
def test_tensor_matmul_matches_torch(shapes, seed):
    a, b = random_pair(seed, *shapes)
    x, y = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
    out = x @ y
    (out * out).sum().backward()
    tx, ty = torch_leaf(a), torch_leaf(b)
    t_out = tx @ ty
    (t_out * t_out).sum().backward()
    assert_matches(out.data, t_out)
    assert_matches(x.grad, tx.grad)
    assert_matches(y.grad, ty.grad)


REDUCTIONS = [
    (None, False),
    (0, False),
    (1, True),
    (-1, False),
    ((0, 2), False),
    ((0, 2), True),
]


@pytest.mark.parametrize("axis, keepdims", REDUCTIONS, ids=str)
@pytest.mark.parametrize("name", ["sum", "mean"])
def test_tensor_reduction_matches_torch(name, axis, keepdims):
    a, weights = random_pair(7, (2, 3, 4), (2, 3, 4))
    x = Tensor(a, requires_grad=True)
    out = getattr(x, name)(axis=axis, keepdims=keepdims)
    (out * out).sum().backward()
    t = torch_leaf(a)
    dim = () if axis is None else axis
    t_out = (
        getattr(t, name)(dim=dim, keepdim=keepdims)
        if axis is not None
        else getattr(t, name)()
    )
    (t_out * t_out).sum().backward()
    assert_matches(out.data, t_out)
    assert_matches(x.grad, t.grad)


def test_tensor_reshape_transpose_match_torch():
    a, weights = random_pair(3, (2, 3, 4), (4, 6))
    x = Tensor(a, requires_grad=True)
    out = x.transpose((2, 0, 1)).reshape(4, 6) * weights + x.reshape(6, 4).T
    out.sum().backward()
    t = torch_leaf(a)
    t_out = t.permute(2, 0, 1).reshape(4, 6) * torch.tensor(weights) + t.reshape(6, 4).T
    t_out.sum().backward()
    assert_matches(out.data, t_out)
    assert_matches(x.grad, t.grad)


@pytest.mark.parametrize("count, classes", [(1, 3), (5, 4), (8, 10)])
def test_tensor_cross_entropy_matches_torch(count, classes):
    rng = np.random.default_rng(count)
    logits = rng.normal(scale=3.0, size=(count, classes))
    target = rng.integers(0, classes, size=count)
    z = Tensor(logits, requires_grad=True)
    loss = cross_entropy(z, target)
    (loss * 3.0).backward()
    t = torch_leaf(logits)
    t_loss = torch.nn.functional.cross_entropy(t, torch.from_numpy(target))
    (t_loss * 3.0).backward()
    assert_matches(loss.data, t_loss)
    assert_matches(z.grad, t.grad)


def test_cross_entropy_uniform_is_log_classes():
    loss = cross_entropy(Tensor(np.zeros((4, 10))), [0, 3, 9, 2])
    assert math.isclose(float(loss.data), math.log(10), rel_tol=1e-12)


def tensor_reused_graph(x, W):
    hidden = (x @ W.T).relu()
    shared = hidden * hidden + hidden
    return (shared.sum(axis=1, keepdims=True) * hidden).mean() + (
        x * x
    ).sum() / shared.mean()


@pytest.mark.parametrize("batch", [1, 4])
def test_tensor_reused_node_matches_torch(batch):
    rng = np.random.default_rng(batch)
    a, w = rng.normal(size=(batch, 3)), rng.normal(size=(5, 3))
    x, W = Tensor(a, requires_grad=True), Tensor(w, requires_grad=True)
    out = tensor_reused_graph(x, W)
    out.backward()
    tx, tw = torch_leaf(a), torch_leaf(w)
    t_out = tensor_reused_graph(tx, tw)
    t_out.backward()
    assert_matches(out.data, t_out)
    assert_matches(x.grad, tx.grad)
    assert_matches(W.grad, tw.grad)


def test_tensor_reused_node_matches_differences():
    rng = np.random.default_rng(11)
    a, w = rng.normal(size=(3, 3)), rng.normal(size=(4, 3))
    W = Tensor(w, requires_grad=True)
    tensor_reused_graph(Tensor(a), W).backward()
    expected = numerical_grad(
        lambda v: float(tensor_reused_graph(Tensor(a), Tensor(v)).data), w
    )
    np.testing.assert_allclose(W.grad, expected, rtol=FD_RTOL, atol=FD_ATOL)


def test_tensor_backward_twice_accumulates_like_torch():
    rng = np.random.default_rng(5)
    a, w = rng.normal(size=(2, 3)), rng.normal(size=(4, 3))
    x, W = Tensor(a, requires_grad=True), Tensor(w, requires_grad=True)
    out = tensor_reused_graph(x, W)
    out.backward()
    out.backward()
    tx, tw = torch_leaf(a), torch_leaf(w)
    t_out = tensor_reused_graph(tx, tw)
    t_out.backward(retain_graph=True)
    t_out.backward()
    assert_matches(x.grad, tx.grad)
    assert_matches(W.grad, tw.grad)


def test_tensor_without_requires_grad_has_no_grad():
    x = Tensor([1.0, 2.0])
    w = Tensor([3.0, 4.0], requires_grad=True)
    (x * w).sum().backward()
    assert x.grad is None
    assert w.grad.tolist() == [1.0, 2.0]


def test_tensor_float32_stays_float32():
    x = Tensor(np.ones((2, 3), dtype=np.float32), requires_grad=True)
    out = (x * 2.5 + 1.0).relu() @ np.ones((3, 1), dtype=np.float32)
    out.sum().backward()
    assert out.dtype == np.float32
    assert x.grad.dtype == np.float32


def test_tensor_graph_exposes_parents_and_op():
    x = Tensor([1.0], requires_grad=True)
    out = (x * 2.0).exp()
    assert out.op == "exp"
    assert out.parents[0].op == "*"
    assert out.parents[0].parents[0] is x


def test_tensor_mlp_training_lowers_loss():
    from sklearn.datasets import load_digits

    digits = load_digits()
    x, y = digits.data[:300] / 16.0, digits.target[:300]
    rng = np.random.default_rng(0)
    params = [
        Tensor(rng.uniform(-0.125, 0.125, size=(32, 64)), requires_grad=True),
        Tensor(np.zeros(32), requires_grad=True),
        Tensor(rng.uniform(-0.18, 0.18, size=(10, 32)), requires_grad=True),
        Tensor(np.zeros(10), requires_grad=True),
    ]
    losses = []
    for _ in range(60):
        W1, b1, W2, b2 = params
        loss = cross_entropy((Tensor(x) @ W1.T + b1).relu() @ W2.T + b2, y)
        for p in params:
            p.grad = None
        loss.backward()
        for p in params:
            p.data -= 0.5 * p.grad
        losses.append(float(loss.data))
    assert losses[0] > 2.0
    assert losses[-1] < 0.5


def test_tensor_matmul_mismatch_names_shapes():
    x, W = Tensor(np.ones((2, 3))), Tensor(np.ones((4, 5)))
    message = "matmul shape mismatch: (2, 3) @ (4, 5)"
    with pytest.raises(ValueError, match=re.escape(message)):
        x @ W


def test_tensor_matmul_scalar_operand_raises():
    message = "matmul needs operands of at least one dimension, got shapes () and (3,)"
    with pytest.raises(ValueError, match=re.escape(message)):
        Tensor(2.0) @ Tensor(np.ones(3))


def test_tensor_broadcast_mismatch_names_shapes():
    message = "operands of + have shapes (2, 3) and (4,), which do not broadcast"
    with pytest.raises(ValueError, match=re.escape(message)):
        Tensor(np.ones((2, 3))) + np.ones(4)


def test_tensor_backward_nonscalar_raises():
    x = Tensor(np.ones(3), requires_grad=True)
    message = "grad can be omitted only for a tensor of one element, got shape (3,)"
    with pytest.raises(ValueError, match=re.escape(message)):
        (x * 2.0).backward()


def test_tensor_backward_grad_shape_raises():
    x = Tensor(np.ones(3), requires_grad=True)
    message = "grad has shape (2,) but the tensor has shape (3,)"
    with pytest.raises(ValueError, match=re.escape(message)):
        (x * 2.0).backward(np.ones(2))


def test_tensor_backward_without_grad_raises():
    message = "backward() needs a tensor that requires grad"
    with pytest.raises(ValueError, match=re.escape(message)):
        Tensor([1.0]).sum().backward()


def test_tensor_text_data_raises():
    message = "data must contain real numbers, got NumPy dtype <U1"
    with pytest.raises(TypeError, match=re.escape(message)):
        Tensor(["a"])


def test_tensor_pow_tensor_exponent_raises():
    message = "exponent must be a real number, got Tensor"
    with pytest.raises(TypeError, match=re.escape(message)):
        Tensor([1.0]) ** Tensor([2.0])


def test_cross_entropy_target_out_of_range_raises():
    message = "target must be in range(3), got labels from 0 to 3"
    with pytest.raises(ValueError, match=re.escape(message)):
        cross_entropy(Tensor(np.zeros((2, 3))), [0, 3])


def test_cross_entropy_target_shape_raises():
    message = "target has shape (3,) but logits has shape (2, 4)"
    with pytest.raises(ValueError, match=re.escape(message)):
        cross_entropy(Tensor(np.zeros((2, 4))), [0, 1, 2])


def test_cross_entropy_float_target_raises():
    message = "target must contain integer class labels, got NumPy dtype float64"
    with pytest.raises(TypeError, match=re.escape(message)):
        cross_entropy(Tensor(np.zeros((2, 4))), [0.0, 1.0])


def test_tensor_matmul_constant_operand_gets_no_grad():
    x = Tensor(np.ones((2, 3)))
    W = Tensor(np.arange(12.0).reshape(4, 3), requires_grad=True)
    (x @ W.T).sum().backward()
    assert x.grad is None
    assert W.grad.tolist() == [[2.0, 2.0, 2.0]] * 4


@pytest.mark.parametrize("name", sorted(SCALAR_UNARY))
def test_scalar_unary_matches_differences(name):
    ours_fn, _, _ = SCALAR_UNARY[name]
    for value in (0.4, 1.3, 2.2):
        x = Scalar(value)
        ours_fn(x).backward()
        expected = numerical_grad(lambda v: ours_fn(Scalar(float(v[0]))).data, [value])
        assert math.isclose(x.grad, expected[0], rel_tol=FD_RTOL, abs_tol=FD_ATOL)


@pytest.mark.parametrize("name", sorted(SCALAR_BINARY))
def test_scalar_binary_matches_differences(name):
    op = SCALAR_BINARY[name]
    x, y = Scalar(1.7), Scalar(0.6)
    op(x, y).backward()
    expected = numerical_grad(lambda v: op(Scalar(v[0]), Scalar(v[1])).data, [1.7, 0.6])
    np.testing.assert_allclose([x.grad, y.grad], expected, rtol=FD_RTOL, atol=FD_ATOL)


TENSOR_DIFFERENCE_CASES = {
    **{f"unary_{name}": (fn, (3, 4)) for name, (fn, _) in TENSOR_UNARY.items()},
    **{
        f"binary_{name}": (
            lambda v, op=op: op(v, Tensor(np.linspace(0.5, 2.0, 4))),
            (3, 4),
        )
        for name, op in TENSOR_BINARY.items()
    },
    "matmul": (lambda v: v @ Tensor(np.linspace(-1.0, 1.0, 12).reshape(4, 3)), (2, 4)),
    "rmatmul": (lambda v: np.linspace(-1.0, 1.0, 6).reshape(3, 2) @ v, (2, 4)),
    "sum_axis": (lambda v: v.sum(axis=0, keepdims=True) * v, (3, 4)),
    "mean_axis": (lambda v: v.mean(axis=1) ** 2, (3, 4)),
    "reshape": (lambda v: v.reshape(4, 3) * np.arange(12.0).reshape(4, 3), (3, 4)),
    "transpose": (lambda v: v.T * np.arange(12.0).reshape(4, 3), (3, 4)),
    "cross_entropy": (lambda v: cross_entropy(v, [0, 3, 1]), (3, 4)),
}


@pytest.mark.parametrize("name", sorted(TENSOR_DIFFERENCE_CASES))
def test_tensor_op_matches_differences(name):
    fn, shape = TENSOR_DIFFERENCE_CASES[name]
    a, weights = random_pair(13, shape, fn(Tensor(np.ones(shape))).shape)

    def loss(v):
        return (fn(v) * weights).sum()

    x = Tensor(a, requires_grad=True)
    loss(x).backward()
    expected = numerical_grad(lambda v: float(loss(Tensor(v)).data), a)
    np.testing.assert_allclose(x.grad, expected, rtol=FD_RTOL, atol=FD_ATOL)
