r"""Reverse-mode automatic differentiation on NumPy arrays.

:class:`Tensor` extends the scalar engine of :mod:`vcbook.autodiff.scalar` to
arrays: each operation records a function that maps the gradient of its
output to the gradients of its inputs (a vector-Jacobian product), and
:meth:`Tensor.backward` applies them from the output back to the leaves, as
Eqs. (2.40) and (2.41) multiply Jacobians from the left. The Jacobians
themselves are never built.
"""

import numbers

import numpy as np

from vcbook.autodiff.scalar import topological_order


class Tensor:
    r"""An array that records the operations which produced it.

    Parameters
    ----------
    data : array-like of real numbers
        Stored as a NumPy array. Floating-point arrays keep their dtype;
        integers and booleans become float64.
    requires_grad : bool, default False
        Whether ``backward()`` computes the gradient with respect to this
        tensor, as in ``torch.tensor(..., requires_grad=True)``.

    Attributes
    ----------
    grad : ndarray of the shape of ``data``, or None
        Derivative of the outputs of the ``backward()`` calls so far. It
        accumulates across calls, as in PyTorch, until you set it to None.
        Unlike PyTorch, intermediate tensors store it too.
    parents : tuple of Tensor
        The inputs of the operation that produced this tensor (empty for leaves).
    op : str
        Name of that operation.

    Examples
    --------
    >>> w = Tensor([1.0, -2.0], requires_grad=True)
    >>> loss = (w * w).sum()
    >>> loss.backward()
    >>> w.grad
    array([ 2., -4.])
    """

    # NumPy calls the reflected operators (ndarray * Tensor -> Tensor.__rmul__).
    __array_ufunc__ = None

    def __init__(self, data, requires_grad=False):
        self.data = _as_float_array(data)
        self.requires_grad = bool(requires_grad)
        self.grad = None
        self.parents = ()
        self.op = ""
        self._backward = None

    @classmethod
    def _result(cls, data, parents, op, backward):
        """Wrap an operation's output; record the graph only if a gradient is needed."""
        out = cls.__new__(cls)
        out.data, out.grad = data, None
        out.requires_grad = any(parent.requires_grad for parent in parents)
        out.parents = parents if out.requires_grad else ()
        out.op = op
        out._backward = backward if out.requires_grad else None
        return out

    shape = property(lambda self: self.data.shape)
    ndim = property(lambda self: self.data.ndim)
    dtype = property(lambda self: self.data.dtype)
    T = property(lambda self: self.transpose())

    def __repr__(self):
        return f"Tensor({self.data!r}, requires_grad={self.requires_grad})"

    # Elementwise operations with NumPy broadcasting. A broadcast input
    # receives the sum of the gradients of all the outputs it was copied to.
    def __add__(self, other):
        other = self._lift(other, "+")
        return Tensor._result(
            self.data + other.data,
            (self, other),
            "+",
            lambda g: (_unbroadcast(g, self.shape), _unbroadcast(g, other.shape)),
        )

    def __sub__(self, other):
        other = self._lift(other, "-")
        return Tensor._result(
            self.data - other.data,
            (self, other),
            "-",
            lambda g: (_unbroadcast(g, self.shape), _unbroadcast(-g, other.shape)),
        )

    def __mul__(self, other):
        other = self._lift(other, "*")
        return Tensor._result(
            self.data * other.data,
            (self, other),
            "*",
            lambda g: (
                _unbroadcast(g * other.data, self.shape),
                _unbroadcast(g * self.data, other.shape),
            ),
        )

    def __truediv__(self, other):
        other = self._lift(other, "/")
        out = self.data / other.data
        return Tensor._result(
            out,
            (self, other),
            "/",
            lambda g: (
                _unbroadcast(g / other.data, self.shape),
                _unbroadcast(-g * out / other.data, other.shape),
            ),
        )

    def __radd__(self, other):
        return self._lift(other, "+") + self

    def __rsub__(self, other):
        return self._lift(other, "-") - self

    def __rmul__(self, other):
        return self._lift(other, "*") * self

    def __rtruediv__(self, other):
        return self._lift(other, "/") / self

    def __neg__(self):
        return Tensor._result(-self.data, (self,), "neg", lambda g: (-g,))

    def __pow__(self, exponent):
        if isinstance(exponent, bool) or not isinstance(exponent, numbers.Real):
            raise TypeError(
                f"exponent must be a real number, got {type(exponent).__qualname__} "
                f"{exponent!r}; write exp(log(a) * b) for a tensor exponent"
            )
        return Tensor._result(
            self.data**exponent,
            (self,),
            f"**{exponent:g}",
            lambda g: (g * exponent * self.data ** (exponent - 1),),
        )

    def exp(self):
        out = np.exp(self.data)
        return Tensor._result(out, (self,), "exp", lambda g: (g * out,))

    def log(self):
        return Tensor._result(
            np.log(self.data), (self,), "log", lambda g: (g / self.data,)
        )

    def tanh(self):
        out = np.tanh(self.data)
        return Tensor._result(out, (self,), "tanh", lambda g: (g * (1 - out * out),))

    def sigmoid(self):
        out = 0.5 * (1 + np.tanh(0.5 * self.data))  # never overflows
        return Tensor._result(out, (self,), "sigmoid", lambda g: (g * out * (1 - out),))

    def relu(self):
        out = np.maximum(self.data, 0)
        return Tensor._result(out, (self,), "relu", lambda g: (g * (out > 0),))

    # Matrix product, with NumPy's rules for 1-D operands and batch dimensions.
    def __matmul__(self, other):
        other = self._lift(other, "@")
        _check_matmul(self.shape, other.shape)
        return Tensor._result(
            self.data @ other.data,
            (self, other),
            "@",
            lambda g: _matmul_backward(g, self, other),
        )

    def __rmatmul__(self, other):
        return self._lift(other, "@") @ self

    # Reductions and shape changes.
    def sum(self, axis=None, keepdims=False):
        def backward(g):
            if axis is not None and not keepdims:
                g = np.expand_dims(g, axis)
            return (np.broadcast_to(g, self.shape),)

        out = self.data.sum(axis=axis, keepdims=keepdims)
        return Tensor._result(np.asarray(out), (self,), "sum", backward)

    def mean(self, axis=None, keepdims=False):
        axes = range(self.ndim) if axis is None else np.atleast_1d(axis)
        count = int(np.prod([self.shape[a] for a in axes]))
        return self.sum(axis=axis, keepdims=keepdims) * (1.0 / count)

    def reshape(self, *shape):
        shape = shape[0] if len(shape) == 1 and isinstance(shape[0], tuple) else shape
        return Tensor._result(
            self.data.reshape(shape),
            (self,),
            "reshape",
            lambda g: (g.reshape(self.shape),),
        )

    def transpose(self, *axes):
        axes = axes[0] if len(axes) == 1 and isinstance(axes[0], tuple) else axes
        axes = axes or tuple(reversed(range(self.ndim)))
        inverse = tuple(np.argsort(axes))
        return Tensor._result(
            self.data.transpose(axes),
            (self,),
            "transpose",
            lambda g: (g.transpose(inverse),),
        )

    def log_softmax(self, axis=-1):
        shifted = self.data - self.data.max(axis=axis, keepdims=True)
        out = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
        return Tensor._result(
            out,
            (self,),
            "log_softmax",
            lambda g: (g - np.exp(out) * g.sum(axis=axis, keepdims=True),),
        )

    def backward(self, grad=None):
        r"""Add d(self)/d(node) to ``node.grad`` for every node that requires grad.

        ``grad`` is the gradient of a scalar loss with respect to ``self``; it
        may be omitted when ``self`` has one element (it is then 1).

        Raises
        ------
        ValueError
            If ``self`` does not require grad, or if ``grad`` is omitted for a
            tensor of several elements or has a shape other than ``self.shape``.
        """
        grad = self._check_backward(grad)
        grads, owned = {id(self): grad}, set()
        for node in reversed(topological_order(self)):
            g = grads.pop(id(node), None)
            if g is None:  # does not require grad
                continue
            if node.grad is None:
                node.grad = np.array(g, dtype=node.dtype)
            else:
                node.grad += g
            if node._backward is None:  # a leaf
                continue
            for parent, parent_grad in zip(
                node.parents, node._backward(g), strict=True
            ):
                key = id(parent)
                if not parent.requires_grad:
                    continue
                if key not in grads:
                    grads[key] = parent_grad
                elif key in owned:  # an array this loop allocated: add in place
                    grads[key] += parent_grad
                else:
                    grads[key] = grads[key] + parent_grad
                    owned.add(key)

    def _lift(self, other, op):
        if isinstance(other, Tensor):
            other_shape = other.shape
        elif isinstance(other, numbers.Real) and not isinstance(other, bool):
            # A Python number takes this tensor's dtype, so float32 stays float32.
            return Tensor(np.asarray(other, dtype=self.dtype))
        else:
            other = Tensor(other)
            other_shape = other.shape
        if op != "@":
            try:
                np.broadcast_shapes(self.shape, other_shape)
            except ValueError:
                raise ValueError(
                    f"operands of {op} have shapes {self.shape} and {other_shape}, "
                    "which do not broadcast; reshape one of them, e.g. with "
                    "reshape(1, -1) for a row"
                ) from None
        return other

    def _check_backward(self, grad):
        if not self.requires_grad:
            raise ValueError(
                "backward() needs a tensor that requires grad; create the leaves "
                "with Tensor(data, requires_grad=True)"
            )
        if grad is None:
            if self.data.size != 1:
                raise ValueError(
                    f"grad can be omitted only for a tensor of one element, got shape "
                    f"{self.shape}; pass grad=np.ones(shape) or reduce with sum() first"
                )
            return np.ones_like(self.data)
        grad = _as_float_array(grad)
        if grad.shape != self.shape:
            raise ValueError(
                f"grad has shape {grad.shape} but the tensor has shape {self.shape}; "
                "pass a gradient of the same shape"
            )
        return grad.astype(self.dtype, copy=False)


def cross_entropy(logits, target):
    r"""Mean cross-entropy of integer class labels under softmax(logits), in nats.

    Computes :math:`-\frac{1}{N}\sum_k \log \mathrm{softmax}(\mathbf{z}_k)_{y_k}`,
    the average of Eq. (1.18) over a batch with one-hot :math:`\mathbf{q}`,
    as ``torch.nn.functional.cross_entropy``. Its backward is the fused
    :math:`(\mathrm{softmax}(\mathbf{z}) - \mathrm{onehot}(y))/N`.

    Parameters
    ----------
    logits : Tensor of shape (N, C)
        Unnormalized scores.
    target : array-like of int of shape (N,)
        Class of each sample, in ``range(C)``.

    Returns
    -------
    Tensor of shape ()

    Raises
    ------
    TypeError
        If ``logits`` is not a Tensor or ``target`` does not contain integers.
    ValueError
        If the shapes do not match or a class is outside ``range(C)``.
    """
    target = _check_cross_entropy(logits, target)
    count = logits.shape[0]
    rows = np.arange(count)
    shifted = logits.data - logits.data.max(axis=1, keepdims=True)
    log_sum = np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    log_probs = shifted - log_sum  # (N, C)
    loss = -log_probs[rows, target].mean()

    def backward(g):
        grad = np.exp(log_probs)
        grad[rows, target] -= 1
        grad *= g / count
        return (grad,)

    loss = np.asarray(loss, dtype=logits.dtype)
    return Tensor._result(loss, (logits,), "cross_entropy", backward)


def _as_float_array(data):
    if isinstance(data, Tensor):
        raise TypeError("data is already a Tensor; pass tensor.data to copy its values")
    if isinstance(data, (str, bytes)) or data is None:
        raise TypeError(
            f"data must be an array-like of numbers, got {type(data).__qualname__} {data!r}"
        )
    array = np.asarray(data)
    if np.issubdtype(array.dtype, np.floating):
        return array
    if np.issubdtype(array.dtype, np.integer) or array.dtype == np.bool_:
        return array.astype(np.float64)
    raise TypeError(
        f"data must contain real numbers, got NumPy dtype {array.dtype}; "
        "pass a list or array of floats"
    )


def _unbroadcast(grad, shape):
    """Sum ``grad`` over the axes that broadcasting added or stretched to reach it."""
    if grad.shape == shape:
        return grad
    grad = grad.sum(axis=tuple(range(grad.ndim - len(shape))))
    stretched = tuple(
        axis for axis, size in enumerate(shape) if size == 1 and grad.shape[axis] != 1
    )
    return grad.sum(axis=stretched, keepdims=True) if stretched else grad


def _check_matmul(a_shape, b_shape):
    if not a_shape or not b_shape:
        raise ValueError(
            f"matmul needs operands of at least one dimension, got shapes {a_shape} "
            f"and {b_shape}; use * for a product by a scalar"
        )
    inner_b = b_shape[0] if len(b_shape) == 1 else b_shape[-2]
    if a_shape[-1] != inner_b:
        raise ValueError(
            f"matmul shape mismatch: {a_shape} @ {b_shape}; the last dimension of the "
            f"left operand ({a_shape[-1]}) must equal the "
            f"{'only' if len(b_shape) == 1 else 'second-to-last'} dimension of the "
            f"right operand ({inner_b})"
        )
    try:
        np.broadcast_shapes(a_shape[:-2], b_shape[:-2])
    except ValueError:
        raise ValueError(
            f"matmul batch dimensions of {a_shape} and {b_shape} do not broadcast"
        ) from None


def _matmul_backward(g, left, right):
    # Promote 1-D operands to matrices as np.matmul does, then apply
    # dL/dA = G B^T and dL/dB = A^T G and sum over broadcast batch dimensions.
    # A product is skipped for an operand that does not require grad: for the
    # input batch of a network, it would cost as much as the forward product.
    a, b = left.data, right.data
    a2 = a[None, :] if a.ndim == 1 else a
    b2 = b[:, None] if b.ndim == 1 else b
    batch = np.broadcast_shapes(a2.shape[:-2], b2.shape[:-2])
    g2 = g.reshape(batch + (a2.shape[-2], b2.shape[-1]))
    grad_a = grad_b = None
    if left.requires_grad:
        grad_a = _unbroadcast(g2 @ np.swapaxes(b2, -1, -2), a2.shape).reshape(a.shape)
    if right.requires_grad:
        grad_b = _unbroadcast(np.swapaxes(a2, -1, -2) @ g2, b2.shape).reshape(b.shape)
    return grad_a, grad_b


def _check_cross_entropy(logits, target):
    if not isinstance(logits, Tensor):
        raise TypeError(f"logits must be a Tensor, got {type(logits).__qualname__}")
    if logits.ndim != 2:
        raise ValueError(
            f"logits must have shape (N, C), got {logits.shape}; use reshape(1, -1) "
            "for a single sample"
        )
    target = np.asarray(target)
    if not np.issubdtype(target.dtype, np.integer):
        raise TypeError(
            f"target must contain integer class labels, got NumPy dtype {target.dtype}"
        )
    if target.shape != logits.shape[:1]:
        raise ValueError(
            f"target has shape {target.shape} but logits has shape {logits.shape}; "
            f"pass one label per row, shape ({logits.shape[0]},)"
        )
    classes = logits.shape[1]
    if target.size and (target.min() < 0 or target.max() >= classes):
        raise ValueError(
            f"target must be in range({classes}), got labels from {target.min()} "
            f"to {target.max()}"
        )
    return target
