r"""Reverse-mode automatic differentiation on real numbers, Section II.B.

Each operation on a :class:`Scalar` stores its parents and the local
derivatives of its output with respect to them (the atomic derivatives of
Eq. (2.5)'s decomposition table). :meth:`Scalar.backward` then multiplies
them in reverse order, as Eq. (2.6) does.
"""

# --8<-- [start:imports]
import math
import numbers

# --8<-- [end:imports]


# --8<-- [start:scalar]
class Scalar:
    r"""A real number that records the operations which produced it.

    ``data`` is the value and ``grad`` the derivative of the output of the last
    ``backward()`` calls with respect to this number. ``parents`` and ``op``
    describe the computation graph; ``local_grads[k]`` is the derivative of
    this node with respect to ``parents[k]``.

    Gradients accumulate: each ``backward()`` adds to ``grad``, as in PyTorch,
    until you set ``grad = 0.0``. Unlike PyTorch, every node of the graph
    stores its gradient, not only the leaves.

    Examples
    --------
    >>> x = Scalar(3.0)
    >>> f = (x - 5) ** 2 + 8
    >>> f.backward()
    >>> f.data, x.grad
    (12.0, -4.0)
    """

    def __init__(self, data, parents=(), op="", local_grads=(), label=""):
        if isinstance(data, bool) or not isinstance(data, numbers.Real):
            raise TypeError(
                f"data must be a real number, got {type(data).__qualname__} {data!r}"
            )
        self.data = float(data)
        self.grad = 0.0
        self.parents = tuple(parents)
        self.op = op
        self.local_grads = tuple(local_grads)
        self.label = label

    def __repr__(self):
        return f"Scalar(data={self.data:.6g}, grad={self.grad:.6g})"

    # Binary operations: the local derivatives d(out)/d(self), d(out)/d(other).
    def __add__(self, other):
        other = _lift(other)
        return Scalar(self.data + other.data, (self, other), "+", (1.0, 1.0))

    def __mul__(self, other):
        other = _lift(other)
        return Scalar(
            self.data * other.data, (self, other), "*", (other.data, self.data)
        )

    def __pow__(self, other):
        if isinstance(other, Scalar):  # d(a^b)/db = a^b log(a), needs a > 0
            _check_positive(self.data, "the base of a Scalar power")
            out = self.data**other.data
            d_base = other.data * self.data ** (other.data - 1)
            return Scalar(out, (self, other), "**", (d_base, out * math.log(self.data)))
        other = _lift(other).data
        d_base = other * self.data ** (other - 1) if other != 0 else 0.0
        return Scalar(self.data**other, (self,), f"**{other:g}", (d_base,))

    def __sub__(self, other):
        other = _lift(other)
        return Scalar(self.data - other.data, (self, other), "-", (1.0, -1.0))

    def __truediv__(self, other):
        other = _lift(other)
        out = self.data / other.data
        return Scalar(out, (self, other), "/", (1.0 / other.data, -out / other.data))

    def __neg__(self):
        return Scalar(-self.data, (self,), "neg", (-1.0,))

    # Reflected operations, for a plain number on the left: 2 * x, 1 - x.
    def __radd__(self, other):
        return _lift(other) + self

    def __rmul__(self, other):
        return _lift(other) * self

    def __rsub__(self, other):
        return _lift(other) - self

    def __rtruediv__(self, other):
        return _lift(other) / self

    def __rpow__(self, other):
        return _lift(other) ** self

    # Elementary functions and activations.
    def exp(self):
        out = math.exp(self.data)
        return Scalar(out, (self,), "exp", (out,))

    def log(self):
        _check_positive(self.data, "log")
        return Scalar(math.log(self.data), (self,), "log", (1.0 / self.data,))

    def tanh(self):
        out = math.tanh(self.data)
        return Scalar(out, (self,), "tanh", (1.0 - out**2,))

    def sigmoid(self):
        out = 0.5 * (1.0 + math.tanh(0.5 * self.data))  # never overflows
        return Scalar(out, (self,), "sigmoid", (out * (1.0 - out),))

    def relu(self):
        positive = self.data > 0
        out = self.data if positive else 0.0
        return Scalar(out, (self,), "relu", (float(positive),))

    def backward(self):
        """Add d(self)/d(node) to ``node.grad`` for every node of the graph."""
        order = topological_order(self)
        grads = {id(node): 0.0 for node in order}
        grads[id(self)] = 1.0
        for node in reversed(order):  # output first: the chain rule, Eq. (2.6)
            for parent, local in zip(node.parents, node.local_grads, strict=True):
                grads[id(parent)] += local * grads[id(node)]
        for node in order:
            node.grad += grads[id(node)]


def _lift(value):
    if isinstance(value, Scalar):
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            "operand must be a Scalar or a real number, "
            f"got {type(value).__qualname__} {value!r}"
        )
    return Scalar(value)


def _check_positive(value, name):
    if not value > 0:
        raise ValueError(f"{name} needs a positive input, got {value!r}")


def topological_order(output):
    """Return the nodes of ``output``'s graph, each one after all its parents."""
    order, visited, stack = [], set(), [(output, False)]
    while stack:  # iterative depth-first search, so deep graphs do not recurse
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
        elif id(node) not in visited:
            visited.add(id(node))
            stack.append((node, True))
            stack.extend((parent, False) for parent in node.parents)
    return order


# --8<-- [end:scalar]
