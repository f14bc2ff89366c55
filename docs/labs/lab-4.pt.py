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
# # Laboratório 4: a força da regularização
#
# O [Capítulo 4](../../capitulo-4/) somou à perda a penalidade $\lambda \sum_i w_i^2$ da Equação (4.1),
# que no gradiente descendente vira o *weight decay*.
# Aqui conferimos essa equivalência numericamente com `vcbook.optim`, e depois variamos a força da
# regularização ao treinar, com `vcbook.training`, uma rede nos dígitos com poucas imagens de
# treino: sem regularização a rede decora o treino, com regularização demais ela não aprende.
#
# As células rodam na ordem em que aparecem; altere os valores e execute de novo.

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import torch

from vcbook.optim import SGD, l2_penalty
from vcbook.training import digits_split, mlp, regression_1d, target_1d, train

# Small models train faster on one thread than on several.
torch.set_num_threads(1)

# %% [markdown]
# ## Penalidade L2 e *weight decay*
#
# O gradiente de $E + \lambda \sum_i w_i^2$ é $\nabla E + 2\lambda \mathbf{w}$ (Equação 4.2), de modo que
# um passo com a penalidade na perda é o mesmo que um passo de `SGD(weight_decay=2 * lam)` sobre $E$.
# Damos um passo de cada jeito, a partir dos mesmos pesos, e comparamos:

# %%
lam, lr = 0.05, 0.1
torch.manual_seed(0)
x, y = torch.randn(16, 5), torch.randn(16, 1)

penalized = torch.nn.Linear(5, 1)
decayed = torch.nn.Linear(5, 1)
decayed.load_state_dict(penalized.state_dict())

loss = torch.nn.functional.mse_loss(penalized(x), y) + l2_penalty(
    penalized.parameters(), lam
)
loss.backward()
SGD(penalized.parameters(), lr=lr).step()

torch.nn.functional.mse_loss(decayed(x), y).backward()
SGD(decayed.parameters(), lr=lr, weight_decay=2 * lam).step()

difference = max(
    (a - b).abs().max().item()
    for a, b in zip(penalized.parameters(), decayed.parameters())
)
assert difference < 1e-6
print(f"max difference after one step: {difference:.1e} (float32)")

# %% [markdown]
# ## Poucos dígitos de treino
#
# Com só 200 imagens de treino, uma rede $64 \to 128 \to 10$ tem parâmetros de sobra para decorá-las.
# Treinamos a mesma rede, a partir dos mesmos pesos iniciais, com seis valores de *weight decay*, e
# acompanhamos a perda nas 300 imagens de validação.

# %%
data = digits_split(n_train=200)
decays = [0.0, 1e-4, 1e-3, 3e-3, 1e-2, 3e-2]
histories, norms = {}, {}
for weight_decay in decays:
    model = mlp([64, 128, 10], seed=0)
    optimizer = SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=weight_decay)
    histories[weight_decay] = train(
        model, data, optimizer=optimizer, epochs=100, batch_size=32
    )
    weights = [p for name, p in model.named_parameters() if name.endswith("weight")]
    norms[weight_decay] = torch.sqrt(sum((w**2).sum() for w in weights)).item()

print("weight decay  train loss  val loss  best val loss (epoch)  val accuracy  ||W||")
for weight_decay, history in histories.items():
    last = history[-1]
    best = min(history, key=lambda row: row["val_loss"])
    print(
        f"{weight_decay:12g} {last['train_loss']:11.4f} {last['val_loss']:9.4f} "
        f"{best['val_loss']:13.4f} ({best['epoch']:3d}) {last['val_accuracy']:13.3f} "
        f"{norms[weight_decay]:6.2f}"
    )

# %%
fig, (ax_curves, ax_sweep) = plt.subplots(1, 2, figsize=(10, 3.8), layout="constrained")
for weight_decay in (0.0, 1e-3, 3e-2):
    history = histories[weight_decay]
    epochs = [row["epoch"] for row in history]
    ax_curves.plot(
        epochs, [row["val_loss"] for row in history], label=f"wd = {weight_decay:g}"
    )
    ax_curves.plot(epochs, [row["train_loss"] for row in history], ":", color="gray")
ax_curves.set_yscale("log")
ax_curves.set_xlabel("época")
ax_curves.set_ylabel("perda de validação (treino pontilhado)")
ax_curves.legend()

positive = decays[1:]
ax_sweep.semilogx(
    positive,
    [histories[wd][-1]["val_loss"] for wd in positive],
    "o-",
    label="validação",
)
ax_sweep.semilogx(
    positive,
    [histories[wd][-1]["train_loss"] for wd in positive],
    "s--",
    label="treino",
)
no_decay = histories[0.0][-1]["val_loss"]
ax_sweep.axhline(no_decay, color="gray", linewidth=1, label="validação, wd = 0")
ax_sweep.set_xlabel("weight decay")
ax_sweep.set_ylabel("perda após 100 épocas (nats)")
ax_sweep.legend()
plt.show()

# %% [markdown]
# Sem *weight decay*, a perda de validação chega ao mínimo por volta da época 20 e depois sobe, enquanto
# a de treino continua caindo: a rede passa a decorar as 200 imagens.
# Com $10^{-3}$, a perda de validação segue caindo até o fim e termina abaixo do mínimo da rede sem
# regularização, com pesos de norma menor.
# De $10^{-2}$ em diante a penalidade domina, e as perdas de treino e de validação sobem juntas.
#
# ## O efeito numa curva
#
# Em uma dimensão dá para ver o que a regularização faz com a função aprendida.
# Ajustamos 15 pontos ruidosos de $\sin(2\pi x) + 0{,}4 \sin(5\pi x)$ com uma rede $1 \to 64 \to 64 \to 1$.

# %%
curve_data = {"train": regression_1d(15, noise=0.3, seed=0)}
grid = torch.linspace(0, 1, 400)[:, None]
fig, ax = plt.subplots(figsize=(6.5, 3.8), layout="constrained")
ax.plot(grid, target_1d(grid.numpy()), color="black", linewidth=1, label="alvo")
ax.plot(*curve_data["train"], "o", color="black", markersize=4)
for weight_decay in (0.0, 1e-2, 1e-1):
    model = mlp([1, 64, 64, 1], seed=0)
    optimizer = SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=weight_decay)
    train(model, curve_data, optimizer=optimizer, epochs=800, batch_size=15)
    with torch.no_grad():
        ax.plot(grid, model(grid), label=f"wd = {weight_decay:g}")
ax.set_xlabel("$x$")
ax.set_ylabel("$y$")
ax.legend()
plt.show()

# %% [markdown]
# Sem regularização a curva segue os pontos de perto; com $10^{-2}$ ela se reduz a poucos trechos quase
# retos, e com $10^{-1}$ vira quase uma reta e perde a forma do alvo.
#
# ## Experimente
#
# - Treine com `n_train=1000` em vez de 200: o *weight decay* ainda ajuda?
# - Troque o *weight decay* por *early stopping*: pare cada treino na época de menor perda de validação
#   da tabela e compare as acurácias.
# - Passe `dropout=0.3` para `mlp` e compare com o *weight decay* de $10^{-3}$.
