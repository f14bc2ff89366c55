r"""Normalizations and cross-entropy losses (Section I.C of the notes).

Every function takes torch tensors or array-likes and returns torch tensors
that stay differentiable. They follow PyTorch's definitions
(``torch.softmax``, ``F.cross_entropy``, ``F.binary_cross_entropy_with_logits``)
and are stable for large logits. Class indices start at 0, as in PyTorch,
where the notes number classes from 1 to C.
"""

# --8<-- [start:imports]
import torch

from vcbook._validation import (
    REDUCTIONS,
    as_tensor,
    check_choice,
    check_class_indices,
    check_logits,
    check_probabilities,
    check_real_scalar,
    reduce_loss,
)


def _minus_abs(r):
    # -|r| with the derivative of the branch r >= 0 at r = 0, where
    # torch's abs() has derivative 0 and would zero the gradient there.
    return torch.where(r >= 0, -r, r)


# --8<-- [end:imports]


# --8<-- [start:normalize]
def normalize_by_sum(r, dim=-1):
    r"""Divide non-negative scores by their sum, Eq. (1.12).

    $p(i) = r(i) / \sum_j r(j)$ along ``dim``.
    """
    r = as_tensor(r, "r")
    if bool((r.detach() < 0).any()):
        raise ValueError(
            "normalize_by_sum needs non-negative scores, got a minimum of "
            f"{float(r.min()):g}; use softmax for scores of any sign"
        )
    total = r.sum(dim, keepdim=True)
    if bool((total.detach() == 0).any()):
        raise ValueError(
            "a row of r sums to 0, so it cannot be normalized; use softmax instead"
        )

    return r / total


def log_softmax(r, dim=-1):
    r"""Logarithm of Eq. (1.13), computed as $r(i) - m - \log\sum_j e^{r(j) - m}$.

    Subtracting the maximum $m$ keeps every exponent at most 0, so large
    logits do not overflow. Entries of ``-inf`` get probability 0.
    """
    r = check_logits(r)
    m = r.detach().amax(dim, keepdim=True)
    if bool(torch.isneginf(m).any()):
        raise ValueError(
            "a row of r is all -inf, so no class has a probability; unmask one class"
        )

    shifted = r - m
    return shifted - torch.log(torch.exp(shifted).sum(dim, keepdim=True))


def softmax(r, dim=-1):
    r"""Softmax, Eq. (1.13): $p(i) = e^{r(i)} / \sum_j e^{r(j)}$.

    Computed as ``exp(log_softmax(r))``, so it is stable for large logits.
    """
    return torch.exp(log_softmax(r, dim))


def sigmoid(r):
    r"""Logistic sigmoid, Eq. (1.14): $p_1 = 1 / (1 + e^{-r_1})$.

    Both branches use $e^{-|r|} \le 1$, so no exponential overflows.
    """
    r = check_logits(r)

    e = torch.exp(_minus_abs(r))
    return torch.where(r >= 0, 1 / (1 + e), e / (1 + e))


# --8<-- [end:normalize]


# --8<-- [start:cross_entropy]
def cross_entropy(logits, target, label_smoothing=0.0, reduction="mean"):
    r"""Cross-entropy between softmax(logits) and a target, Eqs. (1.15) to (1.18).

    With class indices $y_i$, the loss of row $i$ is Eq. (1.15),
    $E_i = -\log p_i(y_i)$. With a probability target $q_i$ it is the general
    form, Eq. (1.18), $E_i = -\sum_c q_i(c)\log p_i(c)$. Label smoothing
    $\varepsilon$ first replaces the target by $(1 - \varepsilon)q_i + \varepsilon/C$.

    Parameters
    ----------
    logits : tensor or array-like of shape (N, C) or (C,)
        Scores $\mathbf{r}$ before softmax.
    target : int tensor of shape (N,) or (), or float tensor of the logits' shape
        Class indices in [0, C), or probabilities that sum to 1 over classes.
    label_smoothing : float in [0, 1]
    reduction : {"mean", "sum", "none"}
        "sum" is Eq. (1.16); "mean" divides it by N; "none" returns each $E_i$.

    Returns
    -------
    Tensor, in nats
    """
    logits = check_logits(logits, "logits")
    target = target if isinstance(target, torch.Tensor) else torch.as_tensor(target)
    label_smoothing = check_real_scalar(label_smoothing, "label_smoothing")
    if not 0 <= label_smoothing <= 1:
        raise ValueError(f"label_smoothing must be in [0, 1], got {label_smoothing}")
    check_choice(reduction, "reduction", REDUCTIONS)
    if logits.ndim not in (1, 2):
        raise ValueError(
            f"logits must have shape (N, C) or (C,), got {tuple(logits.shape)}"
        )
    n_classes = logits.shape[-1]

    if target.is_floating_point():
        if target.shape != logits.shape:
            raise ValueError(
                "probability target must have the shape of logits "
                f"{tuple(logits.shape)}, "
                f"got {tuple(target.shape)}"
            )
        check_probabilities(target, "target")
        q = target.to(logits.dtype)
    else:
        check_class_indices(target, n_classes, logits.shape[:-1])
        q = torch.nn.functional.one_hot(target, n_classes).to(logits.dtype)
    q = (1 - label_smoothing) * q + label_smoothing / n_classes

    log_p = log_softmax(logits, dim=-1)
    terms = torch.where(q > 0, q * log_p, torch.zeros_like(log_p))  # 0 log 0 = 0
    loss = -terms.sum(-1)
    return reduce_loss(loss, reduction)


# --8<-- [end:cross_entropy]


# --8<-- [start:binary_cross_entropy]
def binary_cross_entropy_with_logits(logits, target, reduction="mean"):
    r"""Binary cross-entropy of sigmoid(logits), Eq. (1.14) inside Eq. (1.18).

    $E_i = -t_i \log \sigma(r_i) - (1 - t_i)\log(1 - \sigma(r_i))$, computed
    as $\max(r_i, 0) - r_i t_i + \log(1 + e^{-|r_i|})$, which never takes the
    log of 0. Each entry is an independent yes/no label, so the same function
    covers multi-label classification.

    Parameters
    ----------
    logits : tensor or array-like of any shape
    target : tensor or array-like of the same shape, values in [0, 1]
    reduction : {"mean", "sum", "none"}
    """
    logits = check_logits(logits, "logits")
    if not bool(torch.isfinite(logits.detach()).all()):
        raise ValueError(
            "logits must be finite for binary cross-entropy, got -inf entries"
        )
    target = as_tensor(target, "target", dtype=logits.dtype)
    check_choice(reduction, "reduction", REDUCTIONS)
    if target.shape != logits.shape:
        raise ValueError(
            f"target must have the shape of logits {tuple(logits.shape)}, "
            f"got {tuple(target.shape)}"
        )
    check_probabilities(target, "target", normalized=False)

    loss = (
        logits.clamp(min=0)
        - logits * target
        + torch.log1p(torch.exp(_minus_abs(logits)))
    )
    return reduce_loss(loss, reduction)


# --8<-- [end:binary_cross_entropy]
