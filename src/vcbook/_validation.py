"""Argument checks shared by the public functions of vcbook.

Each helper raises ``TypeError`` or ``ValueError`` with a message that names
the argument, shows the value received and gives the fix, so that a bad
call fails at the call site instead of deep inside NumPy or torch.
"""

import numbers

import numpy as np
import torch

# Tolerance for "sums to 1" checks on probability vectors given in float64;
# float32 inputs are checked with a looser tolerance scaled to their epsilon.
SUM_TOL_FLOAT64 = 1e-6


def _short(value, limit=60):
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def as_tensor(value, name, *, dtype=None):
    """Convert an array-like to a floating-point torch tensor.

    Tensors keep their dtype when it is floating point; other inputs become
    ``torch.get_default_dtype()`` unless ``dtype`` is given.
    """
    if isinstance(value, torch.Tensor):
        if dtype is not None:
            return value.to(dtype)
        if not value.is_floating_point():
            return value.to(torch.get_default_dtype())
        return value
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(
            f"{name} must be a number, an array-like or a torch.Tensor, "
            f"got {type(value).__name__} {_short(value)}"
        )
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as error:
        raise TypeError(
            f"{name} must be a number, an array-like or a torch.Tensor, "
            f"got {type(value).__name__} {_short(value)} ({error})"
        ) from None
    if array.dtype == object or not np.issubdtype(array.dtype, np.number):
        raise TypeError(
            f"{name} must contain numbers, got {_short(value)} "
            f"(NumPy dtype {array.dtype}); pass a list or array of floats"
        )
    if dtype is None:
        dtype = (
            torch.float64 if array.dtype == np.float64 else torch.get_default_dtype()
        )
    return torch.as_tensor(array, dtype=dtype)


def as_array(value, name):
    """Convert an array-like of real numbers to a float64 NumPy array."""
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(
            f"{name} must be a number or an array-like of numbers, "
            f"got {type(value).__name__} {_short(value)}"
        )
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as error:
        raise TypeError(
            f"{name} must be a number or an array-like of numbers, "
            f"got {_short(value)} ({error})"
        ) from None
    if array.dtype == object or not (
        np.issubdtype(array.dtype, np.number) or array.dtype == np.bool_
    ):
        raise TypeError(
            f"{name} must contain numbers, got {_short(value)} "
            f"(NumPy dtype {array.dtype})"
        )
    return array.astype(np.float64)


def check_finite(x, name):
    """Raise ValueError if a tensor or array contains NaN or infinity."""
    finite = (
        torch.isfinite(x).all() if isinstance(x, torch.Tensor) else np.isfinite(x).all()
    )
    if not bool(finite):
        raise ValueError(
            f"{name} must be finite, got {_short(x)} with NaN or inf entries"
        )


def check_not_empty(x, name):
    """Raise ValueError if a tensor or array has no elements."""
    size = x.numel() if isinstance(x, torch.Tensor) else np.size(x)
    if size == 0:
        raise ValueError(f"{name} is empty; pass at least one sample")


def check_real_scalar(value, name):
    """Return ``value`` as a float, raising TypeError for non-numbers."""
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        return float(value.item())
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{name} must be a real number, got {type(value).__name__} {_short(value)}"
        )
    return float(value)


def check_positive_int(value, name):
    """Return ``value`` if it is an int greater than 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{name} must be an int, got {type(value).__name__} {_short(value)}"
        )
    if value <= 0:
        raise ValueError(f"{name} must be at least 1, got {value}")
    return int(value)


def check_probabilities(p, name, *, dim=-1, normalized=True):
    """Check that ``p`` contains probabilities in [0, 1] summing to 1 along ``dim``.

    ``p`` is a NumPy array or a torch tensor. With ``normalized=False`` only
    the range is checked.
    """
    is_tensor = isinstance(p, torch.Tensor)
    values = p.detach() if is_tensor else p
    if bool((values != values).any()):
        raise ValueError(f"{name} contains NaN: {_short(p)}")
    if bool((values < 0).any()) or bool((values > 1).any()):
        low = float(values.min())
        high = float(values.max())
        raise ValueError(
            f"{name} must contain probabilities in [0, 1], got values from {low:.6g} "
            f"to {high:.6g}; apply softmax or sigmoid to scores first"
        )
    if not normalized:
        return
    sums = values.sum(dim) if is_tensor else values.sum(axis=dim)
    if is_tensor and values.dtype != torch.float64:
        tol = max(SUM_TOL_FLOAT64, 100 * torch.finfo(values.dtype).eps)
    else:
        tol = SUM_TOL_FLOAT64
    error = (sums - 1).abs() if is_tensor else np.abs(sums - 1)
    if bool((error > tol).any()):
        worst = float(sums.flatten()[int(error.argmax())])
        raise ValueError(
            f"{name} must sum to 1 along dimension {dim}, but one sum is {worst:.6g}; "
            f"divide by the sum (normalize_by_sum) or use softmax"
        )


def check_choice(value, name, choices):
    """Raise ValueError unless ``value`` is one of ``choices``."""
    if value not in choices:
        allowed = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{name} must be one of {allowed}, got {_short(value)}")
    return value


REDUCTIONS = ("mean", "sum", "none")


def check_logits(r, name="r"):
    """Convert logits to a tensor, rejecting NaN and +inf (-inf masks a class)."""
    r = as_tensor(r, name)
    values = r.detach()
    if bool(torch.isnan(values).any()) or bool(torch.isposinf(values).any()):
        raise ValueError(
            f"{name} contains NaN or +inf; logits must be finite (or -inf to mask a class)"
        )
    return r


def reduce_loss(loss, reduction):
    """Apply a PyTorch-style reduction: "mean", "sum" or "none"."""
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def check_class_indices(target, n_classes, batch_shape):
    """Check an integer target of shape ``batch_shape`` with classes in [0, n_classes)."""
    if target.is_floating_point() or target.dtype == torch.bool:
        raise TypeError(
            f"class-index target must be an integer tensor, got dtype {target.dtype}"
        )
    if tuple(target.shape) != tuple(batch_shape):
        raise ValueError(
            f"target of class indices must have shape {tuple(batch_shape)} (one class per row "
            f"of logits), got {tuple(target.shape)}"
        )
    bad = (target < 0) | (target >= n_classes)
    if bool(bad.any()):
        value = int(target[bad].flatten()[0])
        raise ValueError(
            f"target contains class {value}, out of range for C={n_classes} classes; "
            f"classes are numbered 0 to {n_classes - 1} (subtract 1 from 1-based labels)"
        )
