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
# # Laboratório 3: largura, profundidade e regiões lineares
#
# Uma rede com ativações ReLU calcula uma função contínua e afim por partes: o espaço de entrada se
# divide em regiões lineares, e em cada uma delas a rede é uma função afim.
# O [Capítulo 3](../../capitulo-3/) mostrou quantas regiões uma rede pode ter no máximo.
# Aqui contamos quantas ela tem de fato, com `vcbook.regions`, variando a largura e a profundidade.
# Veremos que o máximo cresce exponencialmente com a profundidade, mas que uma rede com pesos
# aleatórios fica muito longe dele, e que uma escolha cuidadosa dos pesos chega ao crescimento
# exponencial.
#
# As células rodam na ordem em que aparecem; altere os valores e execute de novo.

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import numpy as np

from vcbook.regions import (
    count_parameters,
    max_regions_deep_upper,
    network_breakpoints,
    region_map_2d,
    relu_network,
)


def random_layers(widths, n_inputs, seed):
    """Draw the (W, b) layers of a ReLU network with He-scaled Gaussian weights."""
    rng = np.random.default_rng(seed)
    sizes = [n_inputs, *widths, 1]
    layers = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        W = rng.normal(0.0, np.sqrt(2 / fan_in), size=(fan_out, fan_in))  # (out, in)
        b = rng.normal(0.0, 0.5, size=fan_out)
        layers.append((W, b))
    return layers


# %% [markdown]
# ## Uma entrada escalar
#
# Com uma entrada, as regiões são intervalos, separados pelas quinas da função.
# `network_breakpoints` encontra as quinas exatas em $[-3, 3]$, camada por camada.
# Comparamos uma rede rasa de 12 unidades com uma profunda de três camadas de 4 unidades: as duas têm 12
# unidades ocultas.

# %%
lo, hi = -3.0, 3.0
grid = np.linspace(lo, hi, 2001)
fig, axes = plt.subplots(1, 2, figsize=(10, 3.5), layout="constrained", sharey=False)
for ax, widths in zip(axes, [[12], [4, 4, 4]]):
    layers = random_layers(widths, 1, seed=0)
    joints = network_breakpoints(layers, lo, hi)
    ax.plot(grid, relu_network(grid, layers).ravel(), linewidth=2)
    ax.plot(joints, relu_network(joints, layers).ravel(), "o", markersize=4)
    ax.set_title(f"larguras {widths}: {len(joints) + 1} regiões", fontsize=10)
    ax.set_xlabel("$x$")
axes[0].set_ylabel("$f(x)$")
plt.show()

# %% [markdown]
# ## Contagens médias e máximos
#
# Para cada arquitetura sorteamos 20 redes e contamos as regiões em $[-3, 3]$.
# A coluna `max regions` é a maior contagem entre as 20.
# A coluna `upper bound` é o limite superior de `max_regions_deep_upper` para a reta inteira, que com
# uma camada é $D + 1$.
# Todas as arquiteturas de um bloco têm o mesmo número de unidades ocultas.

# %%
print("widths            parameters  mean regions  max regions  upper bound")
for total in (24, 48):
    for depth in (1, 2, 3, 4):
        widths = [total // depth] * depth
        counts = [
            len(network_breakpoints(random_layers(widths, 1, seed), lo, hi)) + 1
            for seed in range(20)
        ]
        parameters = count_parameters(1, widths[0], depth)
        bound = max_regions_deep_upper(widths, 1)
        print(
            f"{str(widths):17s} {parameters:10d} {np.mean(counts):13.1f} "
            f"{max(counts):12d} {bound:12d}"
        )

# %% [markdown]
# O limite superior cresce depressa com a profundidade, mas a contagem das redes sorteadas não.
# Com os mesmos 24 ou 48 neurônios, as redes profundas têm em média aproximadamente tantas regiões quanto
# a rasa, isto é, perto do número de neurônios.
# O máximo exige pesos escolhidos para isso.
#
# ## Uma rede profunda que atinge o crescimento exponencial
#
# Duas unidades ReLU bastam para a função "tenda" $t(x) = 2\,\mathrm{ReLU}(x) - 4\,\mathrm{ReLU}(x - 1/2)$,
# que em $[0, 1]$ sobe de 0 a 1 e desce de volta.
# Compor a tenda $K$ vezes dobra o intervalo sobre si mesmo $K$ vezes, então a composição tem $2^K$
# regiões com apenas $2K$ neurônios.
# Uma rede rasa com $2K$ neurônios tem no máximo $2K + 1$.


# %%
def sawtooth_layers(depth):
    """Layers of the tent map composed ``depth`` times, two ReLU units per layer."""
    first = (np.array([[1.0], [1.0]]), np.array([0.0, -0.5]))
    middle = (np.array([[2.0, -4.0], [2.0, -4.0]]), np.array([0.0, -0.5]))
    last = (np.array([[2.0, -4.0]]), np.array([0.0]))
    return [first] + [middle] * (depth - 1) + [last]


for depth in range(1, 9):
    regions = len(network_breakpoints(sawtooth_layers(depth), 0.0, 1.0)) + 1
    print(
        f"K = {depth}: {2 * depth:2d} neurons, {regions:3d} regions (2^K = {2**depth})"
    )

unit = np.linspace(0, 1, 4001)
fig, ax = plt.subplots(figsize=(6, 2.8), layout="constrained")
ax.plot(unit, relu_network(unit, sawtooth_layers(4)).ravel(), linewidth=1.5)
ax.set_xlabel("$x$")
ax.set_ylabel("$f(x)$, $K = 4$")
plt.show()

# %% [markdown]
# ## Duas entradas
#
# Com duas entradas, as regiões são polígonos.
# `region_map_2d` rotula os pontos de uma grade pelo padrão de ativação (quais ReLU estão ligadas) e
# conta as regiões conexas.
# Regiões menores que o espaçamento da grade podem escapar, então a contagem é um limite inferior.

# %%
box = (-3.0, 3.0)
fig, axes = plt.subplots(1, 2, figsize=(9, 4.2), layout="constrained")
for ax, widths in zip(axes, [[12], [4, 4, 4]]):
    labels, count = region_map_2d(
        random_layers(widths, 2, seed=0), box, box, resolution=200
    )
    shuffled = np.random.default_rng(0).permutation(
        count
    )  # neighbours get distinct colors
    colors = np.where(labels >= 0, shuffled[np.maximum(labels, 0)], -1)
    ax.imshow(
        colors,
        origin="lower",
        extent=(*box, *box),
        cmap="tab20",
        interpolation="nearest",
    )
    bound = max_regions_deep_upper(widths, 2)
    ax.set_title(f"larguras {widths}: {count} regiões (limite {bound})", fontsize=10)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
plt.show()

# %% [markdown]
# Aqui também a rede profunda sorteada fica longe do seu limite superior de 1331 regiões.
#
# ## Experimente
#
# - Aumente o desvio-padrão dos vieses em `random_layers` de 0,5 para 2: as quinas se espalham e saem do
#   intervalo $[-3, 3]$?
# - Perturbe os pesos da `sawtooth_layers(6)` com ruído de desvio-padrão 0,01, 0,1 e 0,5 e conte as
#   regiões: quanto ruído basta para perder o crescimento exponencial?
# - Troque `[4, 4, 4]` por `[2, 2, 2, 2, 2, 2]` no mapa de duas entradas.
