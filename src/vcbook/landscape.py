r"""Loss landscapes along filter-normalized random directions (Fig. 18).

Li et al. (2018), *Visualizing the loss landscape of neural nets*, plot
$f(\alpha, \beta) = L(\theta^* + \alpha\,\delta + \beta\,\eta)$ around trained
parameters $\theta^*$, with random directions $\delta$ and $\eta$ whose filters
are rescaled to the norms of the matching filters of $\theta^*$. The rescaling
removes the scale invariance of ReLU networks, so landscapes of different
networks can be compared.
"""

# --8<-- [start:imports]
import math

import torch
from torch import nn
from torch.func import functional_call

# --8<-- [end:imports]

# --8<-- [start:filter_normalize]
# Added to a direction's filter norm so a zero filter is left at zero.
NORM_EPS = 1e-10


def filter_normalize(direction, weight):
    r"""Scale each filter of ``direction`` to the norm of the same filter of ``weight``.

    A filter is a slice along the first dimension: one output channel of a
    convolution ``(C_out, C_in, K_H, K_W)`` or one row of a linear layer
    ``(out, in)``, so $d_i \leftarrow d_i \, \|w_i\| / \|d_i\|$. Directions of
    one-dimensional parameters (biases, normalization scales) and scalars are
    set to zero, as in Li et al. (2018).

    Raises
    ------
    TypeError
        If ``direction`` or ``weight`` is not a tensor.
    ValueError
        If ``direction`` and ``weight`` have different shapes.
    """
    if not isinstance(direction, torch.Tensor) or not isinstance(weight, torch.Tensor):
        raise TypeError(
            f"direction and weight must be torch tensors, got "
            f"{type(direction).__qualname__} and {type(weight).__qualname__}"
        )
    if direction.shape != weight.shape:
        raise ValueError(
            f"direction has shape {tuple(direction.shape)} but weight has shape "
            f"{tuple(weight.shape)}; draw the direction with torch.randn_like(weight)"
        )
    if weight.dim() <= 1:
        return torch.zeros_like(direction)

    dims = tuple(range(1, weight.dim()))
    weight_norm = torch.linalg.vector_norm(weight, dim=dims, keepdim=True)
    direction_norm = torch.linalg.vector_norm(direction, dim=dims, keepdim=True)
    return direction * weight_norm / (direction_norm + NORM_EPS)


# --8<-- [end:filter_normalize]


# --8<-- [start:surface]
def random_direction(model, generator):
    """Draw one filter-normalized Gaussian direction, a dict name -> tensor."""
    direction = {}
    for name, weight in model.named_parameters():
        noise = torch.randn(weight.shape, generator=generator, dtype=weight.dtype)
        direction[name] = filter_normalize(noise, weight.detach())
    return direction


def loss_surface(model, loss_fn, inputs, targets, alphas, betas, seed=0):
    r"""Evaluate $L(\theta^* + \alpha\delta + \beta\eta)$ on a grid of (alpha, beta).

    The model's own parameters are not changed: each grid point runs
    ``functional_call`` with the shifted parameters, in evaluation mode and
    without gradients, on the fixed batch ``(inputs, targets)``.

    Shape
    -----
    returns : tensor (len(betas), len(alphas)); entry [j, i] is at
    (alphas[i], betas[j]), the layout of ``matplotlib.pyplot.contour``.
    """
    generator = torch.Generator().manual_seed(seed)
    delta = random_direction(model, generator)
    eta = random_direction(model, generator)
    center = {name: p.detach() for name, p in model.named_parameters()}
    surface = torch.empty(len(betas), len(alphas))

    was_training = model.training
    model.eval()
    with torch.no_grad():
        for j, beta in enumerate(betas):
            for i, alpha in enumerate(alphas):
                shifted = {
                    name: theta + alpha * delta[name] + beta * eta[name]
                    for name, theta in center.items()
                }
                outputs = functional_call(model, shifted, (inputs,))
                surface[j, i] = loss_fn(outputs, targets)
    model.train(was_training)
    return surface


# --8<-- [end:surface]


# --8<-- [start:deep_mlp]
class DeepMLP(nn.Module):
    r"""A deep narrow network with or without residual connections (He et al., 2016).

    A linear stem maps ``in_features`` to ``width``, then ``blocks`` blocks
    compute $h = W_2\,\mathrm{ReLU}(W_1\,\mathrm{ReLU}(\mathbf{x}))$ and a linear
    head gives the class scores. With ``residual=True`` a block returns
    $\mathbf{x} + h$, otherwise $h$, so the plain network has
    $2\,\text{blocks} + 2$ linear layers in a chain.

    All weights get He (Kaiming) normal initialization and zero biases. In the
    residual network the last layer of each block is scaled by
    $1/\sqrt{\text{blocks}}$, so the variance of the sum grows at most by a
    factor of about $e$ over all blocks instead of doubling at each block.
    """

    def __init__(
        self, in_features=64, width=16, blocks=20, num_classes=10, residual=True
    ):
        super().__init__()
        self.residual = residual
        self.stem = nn.Linear(in_features, width)
        self.blocks = nn.ModuleList(
            nn.Sequential(
                nn.ReLU(), nn.Linear(width, width), nn.ReLU(), nn.Linear(width, width)
            )
            for _ in range(blocks)
        )
        self.head = nn.Linear(width, num_classes)
        for module in self.modules():
            if isinstance(module, nn.Linear):
                nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
                nn.init.zeros_(module.bias)
        if residual:
            with torch.no_grad():
                for block in self.blocks:
                    block[-1].weight.mul_(1 / math.sqrt(blocks))

    def forward(self, x):
        x = self.stem(x)
        for block in self.blocks:
            x = x + block(x) if self.residual else block(x)
        return self.head(torch.relu(x))


# --8<-- [end:deep_mlp]
