r"""Stochastic gradient descent with momentum and weight decay, from scratch.

:class:`SGD` follows the update of ``torch.optim.SGD`` (PyTorch 2.x
documentation), step by step, so the two give the same trajectories. It is a
``torch.optim.Optimizer`` subclass, so ``param_groups``, ``state_dict`` and
the learning-rate schedulers of ``torch.optim.lr_scheduler`` work with it.

Weight decay and the L2 penalty of Eq. (4.1): ``weight_decay=wd`` adds
``wd * w`` to the gradient, which is the gradient of the penalty
:math:`(wd / 2) \sum_i w_i^2`. The loss :math:`E + \lambda \sum_i w_i^2` of
Eq. (4.1) has gradient :math:`\nabla E + 2 \lambda \mathbf{w}` (Eq. 4.2), so
it corresponds to ``weight_decay = 2 * lam``.
"""

# --8<-- [start:imports]
import torch

from vcbook._validation import check_real_scalar

# --8<-- [end:imports]


# --8<-- [start:l2_penalty]
def l2_penalty(params, lam):
    r"""Return the L2 penalty :math:`\lambda \sum_i w_i^2` of Eq. (4.1).

    Parameters
    ----------
    params : iterable of torch.Tensor
        The parameters to penalize (usually the weights, not the biases).
    lam : float
        The constant :math:`\lambda \ge 0`.

    Returns
    -------
    torch.Tensor, a scalar, differentiable with respect to ``params``.

    Raises
    ------
    ValueError
        If ``lam`` is negative or ``params`` is empty.
    """
    params = list(params)
    if not params:
        raise ValueError("params is empty; pass the tensors to penalize")
    lam = check_real_scalar(lam, "lam")
    if not lam >= 0:
        raise ValueError(f"lam must be >= 0, got {lam}")
    return lam * sum((w**2).sum() for w in params)


# --8<-- [end:l2_penalty]


# --8<-- [start:sgd]
class SGD(torch.optim.Optimizer):
    r"""Gradient descent with momentum, dampening, weight decay and Nesterov.

    For each parameter :math:`\theta` with gradient :math:`g`, a step does

    .. math::

        g &\leftarrow g + \text{weight\_decay}\,\theta \\
        v &\leftarrow \mu v + (1 - \text{dampening})\, g
            \quad (v = g \text{ on the first step}) \\
        d &= g + \mu v \text{ if nesterov, else } d = v \\
        \theta &\leftarrow \theta - \text{lr}\, d

    with :math:`\mu` = ``momentum``; without momentum :math:`d = g`, which is
    Eq. (4.3). This is the heavy-ball method of Polyak (1964); the Nesterov
    variant is written as in Sutskever et al. (2013).

    Raises
    ------
    ValueError
        If ``lr``, ``momentum``, ``dampening`` or ``weight_decay`` is
        negative, or ``nesterov=True`` with ``momentum <= 0`` or
        ``dampening != 0``.
    """

    def __init__(
        self, params, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False
    ):
        for name, value in (
            ("lr", lr),
            ("momentum", momentum),
            ("dampening", dampening),
            ("weight_decay", weight_decay),
        ):
            value = check_real_scalar(value, name)
            if not value >= 0:
                raise ValueError(f"{name} must be >= 0, got {value}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError(
                "nesterov=True needs momentum > 0 and dampening = 0, got "
                f"momentum={momentum} and dampening={dampening}"
            )
        defaults = dict(
            lr=lr,
            momentum=momentum,
            dampening=dampening,
            weight_decay=weight_decay,
            nesterov=nesterov,
        )
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure=None):
        """Update every parameter that has a gradient; return closure's loss."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            mu = group["momentum"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                d = p.grad
                if group["weight_decay"] != 0:
                    d = d + group["weight_decay"] * p
                if mu != 0:
                    state = self.state[p]
                    if "momentum_buffer" not in state:
                        state["momentum_buffer"] = d.clone()
                    else:
                        v = state["momentum_buffer"]
                        v.mul_(mu).add_(d, alpha=1 - group["dampening"])
                    v = state["momentum_buffer"]
                    d = d + mu * v if group["nesterov"] else v
                p.add_(d, alpha=-group["lr"])
        return loss


# --8<-- [end:sgd]
