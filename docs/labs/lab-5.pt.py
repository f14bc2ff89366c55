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
# # Laboratório 5: uma CNN para os dígitos e seus filtros
#
# No [Capítulo 5](../../capitulo-5/) treinamos a `DigitCNN` de `vcbook.cnn`, três estágios de convolução
# $3 \times 3$ com ReLU e *max pooling*, nos dígitos manuscritos do scikit-learn ampliados para
# $32 \times 32$.
# Aqui usamos as imagens no tamanho original, $8 \times 8$, para que cada treinamento leve cerca de um
# segundo, e separamos as últimas 397 imagens para medir a acurácia em dados que a rede não viu.
# Depois olhamos os filtros da primeira camada, os mapas de ativação que eles produzem e o efeito da
# largura da rede (o número de canais de cada estágio).
#
# As células rodam na ordem em que aparecem; altere os valores e execute de novo.

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import torch
from sklearn.datasets import load_digits

from vcbook.cnn import DigitCNN, layer_shapes, train_classifier

# A network this small trains faster on one thread than on several.
torch.set_num_threads(1)

digits = load_digits()
# (1797, 1, 8, 8) in [0, 1]
images = torch.tensor(digits.images, dtype=torch.float32)[:, None] / 16
labels = torch.tensor(digits.target)
x_train, y_train = images[:1400], labels[:1400]
x_test, y_test = images[1400:], labels[1400:]
print(f"train: {tuple(x_train.shape)}, test: {tuple(x_test.shape)}")

# %% [markdown]
# ## A rede e as formas das ativações
#
# Com `padding=1`, cada convolução $3 \times 3$ preserva o tamanho da imagem, e cada *pooling* o divide por
# 2: com três estágios, a imagem $8 \times 8$ chega à camada linear como $32$ canais de $1 \times 1$.
# `layer_shapes` lista a saída de cada camada sem treinar nada:

# %%
torch.manual_seed(0)
model = DigitCNN(channels=(8, 16, 32), image_size=8)
for name, kind, shape, count in layer_shapes(model, (1, 1, 8, 8)):
    print(f"{name:12s} {kind:10s} {str(shape):16s} {count:6d} parameters")

# %% [markdown]
# ## Treinamento
#
# `train_classifier` minimiza a entropia cruzada com Adam e devolve o histórico, um dicionário por época.

# %%
history = train_classifier(model, x_train, y_train, epochs=10, lr=3e-3)
for row in history[::3]:
    print(
        f"epoch {row['epoch']:2d}: train loss {row['train_loss']:.4f}, "
        f"train accuracy {row['train_accuracy']:.3f}"
    )

model.eval()
with torch.no_grad():
    predicted = model(x_test).argmax(1)
print(f"test accuracy: {(predicted == y_test).float().mean().item():.3f}")

# %% [markdown]
# A matriz de confusão mostra quais dígitos a rede troca entre si: a linha é o dígito verdadeiro e a
# coluna, o previsto.

# %%
confusion = torch.bincount(10 * y_test + predicted, minlength=100).reshape(10, 10)
fig, ax = plt.subplots(figsize=(4.5, 4), layout="constrained")
ax.imshow(confusion, cmap="Blues")
for true in range(10):
    for guess in range(10):
        count = int(confusion[true, guess])
        if count:
            ax.text(guess, true, count, ha="center", va="center", fontsize=8)
ax.set_xticks(range(10))
ax.set_yticks(range(10))
ax.set_xlabel("dígito previsto")
ax.set_ylabel("dígito verdadeiro")
plt.show()

# %% [markdown]
# ## Os filtros da primeira camada
#
# A primeira convolução tem 8 filtros de $3 \times 3$ que olham diretamente os pixels.
# Em vermelho, pesos positivos; em azul, negativos.
# Vários combinam uma região positiva e uma negativa lado a lado: respondem à diferença entre pixels
# vizinhos, como detectores de borda numa direção.

# %%
first_conv = model.stages[0][0]
weights = first_conv.weight.detach()[:, 0]  # (8, 3, 3)
limit = weights.abs().max().item()
fig, axes = plt.subplots(1, 8, figsize=(10, 1.6), layout="constrained")
for index, (ax, kernel) in enumerate(zip(axes, weights)):
    ax.imshow(kernel, cmap="RdBu_r", vmin=-limit, vmax=limit)
    ax.set_title(f"filtro {index}", fontsize=9)
    ax.set_axis_off()
plt.show()

# %% [markdown]
# Cada filtro produz um mapa de ativação (depois da ReLU) do tamanho da imagem.
# Para o primeiro dígito de teste, os mapas mostram em que pixels cada filtro responde:

# %%
with torch.no_grad():
    _, activations = model(x_test[:1], return_activations=True)
maps = activations[0][0]  # (8, 8, 8): channel, height, width
fig, axes = plt.subplots(1, 9, figsize=(11, 1.7), layout="constrained")
axes[0].imshow(x_test[0, 0], cmap="gray_r")
axes[0].set_title(f"dígito {y_test[0].item()}", fontsize=9)
for index, (ax, feature_map) in enumerate(zip(axes[1:], maps)):
    ax.imshow(feature_map, cmap="magma")
    ax.set_title(f"filtro {index}", fontsize=9)
for ax in axes:
    ax.set_axis_off()
plt.show()

# %% [markdown]
# ## Largura da rede
#
# Dobrar os canais de cada estágio multiplica o número de parâmetros das convoluções por cerca de 4,
# porque cada filtro de um estágio olha todos os canais do estágio anterior.
# Comparamos três larguras com o mesmo treinamento:

# %%
print("channels        parameters  train acc  test acc")
for channels in [(4, 8, 16), (8, 16, 32), (16, 32, 64)]:
    torch.manual_seed(0)
    candidate = DigitCNN(channels=channels, image_size=8)
    run = train_classifier(candidate, x_train, y_train, epochs=10, lr=3e-3)
    candidate.eval()
    with torch.no_grad():
        test_accuracy = (candidate(x_test).argmax(1) == y_test).float().mean().item()
    count = sum(p.numel() for p in candidate.parameters())
    train_accuracy = run[-1]["train_accuracy"]
    print(
        f"{str(channels):15s} {count:10d} {train_accuracy:10.3f} {test_accuracy:9.3f}"
    )

# %% [markdown]
# A rede mais estreita não chega a ajustar bem nem os dados de treino em 10 épocas.
# A partir de $(8, 16, 32)$, a acurácia de treino passa de 95%, e a de teste fica alguns pontos abaixo
# dela.
#
# ## Experimente
#
# - Amplie as imagens para $32 \times 32$, como no capítulo, com
#   `torch.nn.functional.interpolate(images, size=32, mode="bilinear")` e `image_size=32`: o treino
#   fica mais lento, e os filtros da primeira camada passam a ver bordas mais suaves.
# - Treine por 30 épocas e compare a acurácia de treino com a de teste: a diferença cresce?
# - Troque `lr=3e-3` por `lr=3e-2` e veja o histórico da perda.
