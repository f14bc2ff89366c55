import math
import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from vcbook import losses

RTOL, ATOL = 1e-7, 1e-9


def _logits(seed, shape, scale=3.0):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(shape, generator=generator, dtype=torch.float64) * scale


def _probability_target(seed, shape):
    generator = torch.Generator().manual_seed(seed)
    return torch.softmax(
        torch.randn(shape, generator=generator, dtype=torch.float64), dim=-1
    )


def test_normalize_by_sum_is_eq_1_12():
    r = torch.tensor([7.0, 2.1, 1.2, 2.4], dtype=torch.float64)
    p = losses.normalize_by_sum(r)
    assert torch.allclose(p, r / r.sum())
    assert p.sum().item() == pytest.approx(1.0)


def test_normalize_by_sum_rejects_negative_scores():
    message = (
        "normalize_by_sum needs non-negative scores, got a minimum of -1; use softmax"
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        losses.normalize_by_sum([1.0, -1.0])


def test_normalize_by_sum_rejects_zero_row():
    with pytest.raises(ValueError, match=re.escape("a row of r sums to 0")):
        losses.normalize_by_sum([[0.0, 0.0], [1.0, 2.0]])


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(1, 5),
    classes=st.integers(1, 7),
    scale=st.sampled_from([0.1, 3.0, 100.0]),
)
def test_softmax_and_log_softmax_match_torch(seed, n, classes, scale):
    r = _logits(seed, (n, classes), scale).requires_grad_()
    reference = r.detach().clone().requires_grad_()
    ours = losses.log_softmax(r)
    expected = torch.log_softmax(reference, dim=-1)
    assert ours.shape == expected.shape
    assert torch.allclose(ours, expected, rtol=RTOL, atol=ATOL)
    assert torch.allclose(
        losses.softmax(r.detach()),
        torch.softmax(reference.detach(), -1),
        rtol=RTOL,
        atol=ATOL,
    )
    weights = _logits(seed + 1, (n, classes))
    (ours * weights).sum().backward()
    (expected * weights).sum().backward()
    assert torch.allclose(r.grad, reference.grad, rtol=RTOL, atol=ATOL)


def test_softmax_large_logits_stay_finite():
    p = losses.softmax(torch.tensor([1000.0, 0.0, -1000.0]))
    assert torch.isfinite(p).all()
    assert torch.equal(p, torch.tensor([1.0, 0.0, 0.0]))


def test_log_softmax_masked_class_gets_zero_probability():
    p = losses.softmax(torch.tensor([0.0, -math.inf, 0.0]))
    assert torch.equal(p, torch.tensor([0.5, 0.0, 0.5]))


def test_log_softmax_rejects_all_masked_row():
    with pytest.raises(ValueError, match=re.escape("a row of r is all -inf")):
        losses.log_softmax(torch.tensor([-math.inf, -math.inf]))


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_log_softmax_rejects_nan_and_positive_inf(bad):
    with pytest.raises(ValueError, match=re.escape("r contains NaN or +inf")):
        losses.log_softmax(torch.tensor([0.0, bad]))


def test_sigmoid_matches_torch_and_extremes():
    r = torch.tensor(
        [-800.0, -30.0, -2.0, 0.0, 2.0, 30.0, 800.0],
        dtype=torch.float64,
        requires_grad=True,
    )
    reference = r.detach().clone().requires_grad_()
    ours = losses.sigmoid(r)
    expected = torch.sigmoid(reference)
    assert torch.allclose(ours, expected, rtol=RTOL, atol=ATOL)
    ours.sum().backward()
    expected.sum().backward()
    assert torch.allclose(r.grad, reference.grad, rtol=RTOL, atol=ATOL)
    assert torch.isfinite(r.grad).all()


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(1, 6),
    classes=st.integers(2, 6),
    smoothing=st.sampled_from([0.0, 0.1, 0.5, 1.0]),
    reduction=st.sampled_from(losses.REDUCTIONS),
)
def test_cross_entropy_class_indices_match_torch(
    seed, n, classes, smoothing, reduction
):
    r = _logits(seed, (n, classes)).requires_grad_()
    reference = r.detach().clone().requires_grad_()
    target = torch.randint(
        0, classes, (n,), generator=torch.Generator().manual_seed(seed)
    )
    ours = losses.cross_entropy(
        r, target, label_smoothing=smoothing, reduction=reduction
    )
    expected = F.cross_entropy(
        reference, target, label_smoothing=smoothing, reduction=reduction
    )
    assert ours.shape == expected.shape
    assert ours.dtype == expected.dtype
    assert torch.allclose(ours, expected, rtol=RTOL, atol=ATOL)
    ours.sum().backward()
    expected.sum().backward()
    assert torch.allclose(r.grad, reference.grad, rtol=RTOL, atol=ATOL)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(1, 6),
    classes=st.integers(2, 6),
    smoothing=st.sampled_from([0.0, 0.2]),
    reduction=st.sampled_from(losses.REDUCTIONS),
)
def test_cross_entropy_probability_targets_match_torch(
    seed, n, classes, smoothing, reduction
):
    r = _logits(seed, (n, classes)).requires_grad_()
    reference = r.detach().clone().requires_grad_()
    q = _probability_target(seed + 1, (n, classes))
    ours = losses.cross_entropy(r, q, label_smoothing=smoothing, reduction=reduction)
    expected = F.cross_entropy(
        reference, q, label_smoothing=smoothing, reduction=reduction
    )
    assert torch.allclose(ours, expected, rtol=RTOL, atol=ATOL)
    ours.sum().backward()
    expected.sum().backward()
    assert torch.allclose(r.grad, reference.grad, rtol=RTOL, atol=ATOL)


def test_cross_entropy_unbatched_matches_torch():
    r = _logits(0, (5,))
    assert torch.allclose(
        losses.cross_entropy(r, torch.tensor(3)), F.cross_entropy(r, torch.tensor(3))
    )


def test_cross_entropy_uniform_guess_is_log_c():
    for classes in (2, 10, 1000):
        loss = losses.cross_entropy(
            torch.zeros(4, classes), torch.zeros(4, dtype=torch.long)
        )
        assert loss.item() == pytest.approx(math.log(classes), rel=1e-6)


def test_cross_entropy_sum_is_eq_1_16():
    r = _logits(3, (4, 3))
    y = torch.tensor([0, 2, 1, 1])
    by_hand = -torch.log(torch.softmax(r, -1)[torch.arange(4), y]).sum()
    assert losses.cross_entropy(r, y, reduction="sum").item() == pytest.approx(
        by_hand.item(), rel=RTOL
    )


def test_cross_entropy_one_hot_target_equals_indices():
    r = _logits(4, (3, 5))
    y = torch.tensor([4, 0, 2])
    q = F.one_hot(y, 5).double()
    assert torch.allclose(
        losses.cross_entropy(r, q), losses.cross_entropy(r, y), rtol=RTOL
    )


def test_cross_entropy_extreme_logits_finite_with_gradient():
    r = torch.tensor(
        [[1e4, 0.0, -1e4], [-1e4, 1e4, 0.0]], dtype=torch.float64, requires_grad=True
    )
    loss = losses.cross_entropy(r, torch.tensor([2, 1]))
    loss.backward()
    assert torch.isfinite(loss)
    assert loss.item() == pytest.approx(1e4, rel=1e-9)
    assert torch.isfinite(r.grad).all()


def test_cross_entropy_zero_probability_target_adds_nothing():
    r = torch.tensor([[2.0, -1.0, 0.5]], dtype=torch.float64, requires_grad=True)
    q = torch.tensor([[0.0, 0.0, 1.0]], dtype=torch.float64)
    loss = losses.cross_entropy(r, q)
    loss.backward()
    assert loss.item() == pytest.approx(-torch.log_softmax(r.detach(), -1)[0, 2].item())
    assert torch.isfinite(r.grad).all()


def test_cross_entropy_masked_class_with_zero_target_is_finite():
    r = torch.tensor([[2.0, -math.inf, 0.5]], dtype=torch.float64)
    q = torch.tensor([[0.5, 0.0, 0.5]], dtype=torch.float64)
    assert torch.isfinite(losses.cross_entropy(r, q))


def test_cross_entropy_accepts_array_likes():
    loss = losses.cross_entropy(np.array([[1.0, 2.0]]), [1])
    assert isinstance(loss, torch.Tensor)
    assert loss.item() == pytest.approx(math.log(1 + math.exp(-1)))


@pytest.mark.parametrize(
    "logits, target, kwargs, error, message",
    [
        (
            torch.zeros(2, 3),
            torch.tensor([0, 3]),
            {},
            ValueError,
            "target contains class 3, out of range for C=3 classes; classes are numbered 0 to 2",
        ),
        (
            torch.zeros(2, 3),
            torch.tensor([0, -1]),
            {},
            ValueError,
            "target contains class -1",
        ),
        (
            torch.zeros(2, 3),
            torch.tensor([0, 1, 2]),
            {},
            ValueError,
            "target of class indices must have shape (2,) (one class per row of logits), got (3,)",
        ),
        (
            torch.zeros(2, 3),
            torch.full((2, 3), 0.5),
            {},
            ValueError,
            "target must sum to 1 along dimension -1, but one sum is 1.5",
        ),
        (
            torch.zeros(2, 3),
            torch.tensor([[1.2, -0.2, 0.0], [1.0, 0.0, 0.0]]),
            {},
            ValueError,
            "target must contain probabilities in [0, 1], got values from -0.2 to 1.2",
        ),
        (
            torch.zeros(2, 3),
            torch.full((2, 2), 0.5),
            {},
            ValueError,
            "probability target must have the shape of logits (2, 3), got (2, 2)",
        ),
        (
            torch.zeros(2, 3),
            torch.tensor([0, 1]),
            {"label_smoothing": 1.5},
            ValueError,
            "label_smoothing must be in [0, 1], got 1.5",
        ),
        (
            torch.zeros(2, 3),
            torch.tensor([0, 1]),
            {"reduction": "avg"},
            ValueError,
            "reduction must be one of 'mean', 'sum', 'none', got 'avg'",
        ),
        (
            torch.zeros(2, 3, 4),
            torch.tensor([0, 1]),
            {},
            ValueError,
            "logits must have shape (N, C) or (C,), got (2, 3, 4)",
        ),
        (
            torch.zeros(2, 3),
            torch.tensor([True, False]),
            {},
            TypeError,
            "class-index target must be an integer tensor, got dtype torch.bool",
        ),
        (
            "logits",
            torch.tensor([0]),
            {},
            TypeError,
            "logits must be a number, an array-like or a torch.Tensor, got str",
        ),
    ],
)
def test_cross_entropy_rejects_bad_input(logits, target, kwargs, error, message):
    with pytest.raises(error, match=re.escape(message)):
        losses.cross_entropy(logits, target, **kwargs)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    shape=st.sampled_from([(1,), (4,), (3, 5), (2, 3, 2)]),
    scale=st.sampled_from([0.5, 5.0, 300.0]),
    reduction=st.sampled_from(losses.REDUCTIONS),
)
def test_binary_cross_entropy_matches_torch(seed, shape, scale, reduction):
    r = _logits(seed, shape, scale).requires_grad_()
    reference = r.detach().clone().requires_grad_()
    generator = torch.Generator().manual_seed(seed + 1)
    t = torch.rand(shape, generator=generator, dtype=torch.float64)
    ours = losses.binary_cross_entropy_with_logits(r, t, reduction=reduction)
    expected = F.binary_cross_entropy_with_logits(reference, t, reduction=reduction)
    assert ours.shape == expected.shape
    assert torch.allclose(ours, expected, rtol=RTOL, atol=ATOL)
    ours.sum().backward()
    expected.sum().backward()
    assert torch.allclose(r.grad, reference.grad, rtol=RTOL, atol=ATOL)


def test_binary_cross_entropy_gradient_at_zero_logit():
    r = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    t = torch.tensor([0.0, 0.3, 1.0], dtype=torch.float64)
    losses.binary_cross_entropy_with_logits(r, t, reduction="sum").backward()
    assert torch.allclose(r.grad, 0.5 - t, rtol=RTOL, atol=ATOL)


def test_binary_cross_entropy_extreme_logit_is_exact():
    loss = losses.binary_cross_entropy_with_logits(
        torch.tensor([200.0]), torch.tensor([0.0])
    )
    assert loss.item() == pytest.approx(200.0)


def test_binary_cross_entropy_is_two_class_cross_entropy():
    r = _logits(5, (6,))
    t = torch.tensor([1.0, 0.0, 1.0, 1.0, 0.0, 0.0], dtype=torch.float64)
    two_class = losses.cross_entropy(
        torch.stack([torch.zeros_like(r), r], dim=1), t.long()
    )
    assert losses.binary_cross_entropy_with_logits(r, t).item() == pytest.approx(
        two_class.item(), rel=RTOL
    )


@pytest.mark.parametrize(
    "logits, target, message",
    [
        (
            torch.zeros(3),
            torch.zeros(2),
            "target must have the shape of logits (3,), got (2,)",
        ),
        (
            torch.zeros(2),
            torch.tensor([0.5, 1.5]),
            "target must contain probabilities in [0, 1], got values from 0.5 to 1.5",
        ),
        (
            torch.tensor([0.0, -math.inf]),
            torch.zeros(2),
            "logits must be finite for binary cross-entropy",
        ),
    ],
)
def test_binary_cross_entropy_rejects_bad_input(logits, target, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        losses.binary_cross_entropy_with_logits(logits, target)
