# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Laboratório 2: dois motores de diferenciação automática e o PyTorch
#
# O [Capítulo 2](../../capitulo-2/) construiu dois motores de diferenciação automática em modo reverso:
# `Scalar`, que opera sobre números reais e cabe numa tela, e `Tensor`, que opera sobre arrays do NumPy.
# Aqui conferimos os dois contra o `torch.autograd` em expressões que você pode trocar e olhamos o grafo
# que o `Scalar` registra.
# Depois comparamos o tempo de cada motor à medida que o número de variáveis cresce e treinamos a mesma
# rede com o `Tensor` e com o PyTorch, lado a lado.
#
# As células rodam na ordem em que aparecem; altere os valores e execute de novo.

# %%
# %matplotlib inline
import math
import time

import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.datasets import load_digits

from vcbook.autodiff import Scalar, Tensor, cross_entropy, topological_order

# Small tensors: one thread avoids the cost of coordinating several.
torch.set_num_threads(1)

# %% [markdown]
# ## Uma expressão com o Scalar
#
# A função abaixo mistura soma, produto, potência, divisão, $\tanh$ e $\log$.
# Escrevemos a mesma expressão uma vez e a avaliamos com `Scalar` e com tensores do PyTorch em float64;
# as derivadas parciais devem coincidir até o erro de arredondamento.


# %%
def f(x, y):
    return (x * y + y**2).tanh() + (x / y).log() * 0.5


x, y = Scalar(1.3, label="x"), Scalar(0.7, label="y")
out = f(x, y)
out.backward()

tx = torch.tensor(1.3, dtype=torch.float64, requires_grad=True)
ty = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)
t_out = f(tx, ty)
t_out.backward()

print(f"f = {out.data:.10f} (Scalar), {t_out.item():.10f} (torch)")
print(f"df/dx = {x.grad:.10f} (Scalar), {tx.grad.item():.10f} (torch)")
print(f"df/dy = {y.grad:.10f} (Scalar), {ty.grad.item():.10f} (torch)")
difference = max(abs(x.grad - tx.grad.item()), abs(y.grad - ty.grad.item()))
assert difference < 1e-12
print("the partial derivatives agree to 1e-12")

# %% [markdown]
# O `Scalar` guarda o grafo da expressão: cada nó lembra a operação que o produziu e seus pais.
# `topological_order` lista os nós de modo que cada um venha depois dos seus pais, a ordem inversa daquela
# em que `backward` os percorre.
# Diferentemente do PyTorch, todos os nós guardam o gradiente, não só as folhas:

# %%
for node in topological_order(out):
    name = node.label or node.op or "constant"
    print(f"{name:>9s}  data = {node.data:9.5f}  grad = {node.grad:9.5f}")

# %% [markdown]
# ## Os gradientes acumulam
#
# Nos dois motores, como no PyTorch, cada chamada de `backward` soma ao gradiente que já existe.
# Chamando-a de novo sem zerar o gradiente, obtemos o dobro:

# %%
x, y = Scalar(1.3), Scalar(0.7)
f(x, y).backward()
first = x.grad
f(x, y).backward()
print(f"after one backward: {first:.6f}; after two: {x.grad:.6f}")

w = Tensor([1.0, -2.0, 3.0], requires_grad=True)
for _ in range(2):
    (w * w).sum().backward()
print("Tensor after two backward calls:", w.grad)
w.grad = None  # start over, as optimizer.zero_grad() does in PyTorch

# %% [markdown]
# ## Quanto custa cada motor
#
# Tomamos $\mathcal{L}(\mathbf{w}) = \sum_i \tanh^2(w_i/2)$ com $n$ variáveis e medimos o tempo de
# calcular o valor e o gradiente.
# O `Scalar` cria um objeto Python por operação e por variável, de modo que seu tempo cresce
# proporcionalmente a $n$.
# O `Tensor` e o PyTorch fazem uma operação por array, e até alguns milhares de variáveis o tempo deles é
# dominado pelo custo fixo de cada operação.


# %%
def scalar_gradient(values):
    w = [Scalar(value) for value in values]
    loss = sum(((wi * 0.5).tanh()) ** 2 for wi in w)
    loss.backward()
    return np.array([wi.grad for wi in w])


def tensor_gradient(values):
    w = Tensor(values, requires_grad=True)
    ((w * 0.5).tanh() ** 2).sum().backward()
    return w.grad


def torch_gradient(values):
    w = torch.tensor(values, requires_grad=True)
    ((w * 0.5).tanh() ** 2).sum().backward()
    return w.grad.numpy()


def best_time(gradient, values, repeats=3):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        gradient(values)
        times.append(time.perf_counter() - start)
    return min(times)


engines = {
    "Scalar": scalar_gradient,
    "Tensor": tensor_gradient,
    "torch": torch_gradient,
}
sizes = [10, 30, 100, 300, 1000, 3000]
values = np.random.default_rng(0).normal(size=sizes[-1])
reference = torch_gradient(values)
for name, gradient in engines.items():
    error = np.abs(gradient(values) - reference).max()
    print(f"{name:6s}: max difference to torch = {error:.1e}")

timings = {
    name: [best_time(g, values[:n]) for n in sizes] for name, g in engines.items()
}

fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
for name, seconds in timings.items():
    ax.loglog(sizes, np.array(seconds) * 1e3, "o-", label=name)
ax.set_xlabel("número de variáveis $n$")
ax.set_ylabel("tempo do valor e do gradiente (ms)")
ax.legend()
plt.show()

# %% [markdown]
# Os tempos dependem da máquina em que a página foi gerada, mas a forma das curvas não: a do `Scalar` é
# uma reta de inclinação 1 no gráfico log-log, e as outras duas são quase horizontais.
#
# ## A mesma rede treinada pelos dois lados
#
# Treinamos uma rede $64 \to 32 \to 10$ com ReLU nos dígitos de $8 \times 8$ pixels do scikit-learn, com
# gradiente descendente e os mesmos pesos iniciais, uma vez com o `Tensor` e outra com o PyTorch.
# Se os dois motores calculam o mesmo gradiente, as duas trajetórias da perda coincidem passo a passo.

# %%
digits = load_digits()
x_data, y_data = digits.data / 16.0, digits.target  # pixels in [0, 1]
rng = np.random.default_rng(0)
initial = [
    rng.uniform(-1 / 8, 1 / 8, size=(32, 64)),
    np.zeros(32),
    rng.uniform(-1 / math.sqrt(32), 1 / math.sqrt(32), size=(10, 32)),
    np.zeros(10),
]
lr, steps = 0.5, 60

params = [Tensor(value.copy(), requires_grad=True) for value in initial]
tensor_losses = []
for _ in range(steps):
    W1, b1, W2, b2 = params
    loss = cross_entropy((Tensor(x_data) @ W1.T + b1).relu() @ W2.T + b2, y_data)
    for p in params:
        p.grad = None
    loss.backward()
    tensor_losses.append(float(loss.data))
    for p in params:
        p.data -= lr * p.grad

torch_params = [torch.tensor(value, requires_grad=True) for value in initial]
x_torch, y_torch = torch.from_numpy(x_data), torch.from_numpy(y_data)
torch_losses = []
for _ in range(steps):
    W1, b1, W2, b2 = torch_params
    logits = torch.relu(x_torch @ W1.T + b1) @ W2.T + b2
    loss = torch.nn.functional.cross_entropy(logits, y_torch)
    for p in torch_params:
        p.grad = None
    loss.backward()
    torch_losses.append(loss.item())
    with torch.no_grad():
        for p in torch_params:
            p -= lr * p.grad

gap = np.abs(np.array(tensor_losses) - np.array(torch_losses))
print(f"loss after {steps} steps: {tensor_losses[-1]:.4f} (Tensor), ", end="")
print(f"{torch_losses[-1]:.4f} (torch)")
print(f"largest difference between the two trajectories: {gap.max():.1e}")

fig, (ax_loss, ax_gap) = plt.subplots(1, 2, figsize=(10, 3.5), layout="constrained")
ax_loss.plot(tensor_losses, label="Tensor", linewidth=3)
ax_loss.plot(torch_losses, "--", label="torch")
ax_loss.set_xlabel("passo")
ax_loss.set_ylabel("entropia cruzada (nats)")
ax_loss.legend()
ax_gap.semilogy(np.maximum(gap, 1e-17))
ax_gap.set_xlabel("passo")
ax_gap.set_ylabel("|diferença| (nats)")
plt.show()

# %% [markdown]
# As curvas da esquerda se sobrepõem; à direita, a diferença é zero (desenhada no piso de $10^{-17}$) ou
# da ordem de $10^{-16}$ em todos os passos, o erro de arredondamento do float64: os dois motores somam
# os mesmos termos em ordens um pouco diferentes.
#
# ## Experimente
#
# - Troque `f` por outra expressão, por exemplo `(x**y).exp() - x.sigmoid()`, e confira as derivadas.
# - Meça o tempo do `Tensor` e do PyTorch para $n = 10^6$ variáveis (sem o `Scalar`!): a partir de que
#   tamanho o PyTorch passa à frente?
# - Passe os dados em float32 (`x_data.astype(np.float32)`) para os dois motores e veja como a diferença
#   entre as trajetórias muda.
