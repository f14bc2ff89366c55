import re

import pytest
import torch
from sklearn.datasets import load_digits

from vcbook import training
from vcbook.optim import SGD

RTOL, ATOL = 1e-6, 1e-7


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    # Tiny models run many times faster on one thread on a shared machine.
    with training.torch_threads(1):
        yield


@pytest.fixture(scope="module")
def small_digits():
    return training.digits_split(n_train=120, n_val=60, n_test=60, seed=0)


def test_digits_split_shapes(small_digits):
    for name, size in (("train", 120), ("val", 60), ("test", 60)):
        x, y = small_digits[name]
        assert x.shape == (size, 64)
        assert x.dtype == torch.float32
        assert y.dtype == torch.int64


def test_digits_split_covers_all_scaled():
    data = training.digits_split(seed=3)
    labels = torch.cat([data[name][1] for name in ("train", "val", "test")])
    assert len(data["train"][0]) == 1797 - 300 - 500
    expected = torch.bincount(torch.tensor(load_digits().target))
    assert torch.equal(torch.bincount(labels), expected)
    assert float(data["train"][0].max()) == 1.0
    assert float(data["train"][0].min()) == 0.0


def test_digits_split_seeded():
    first = training.digits_split(n_train=50, seed=1)["train"][1]
    second = training.digits_split(n_train=50, seed=1)["train"][1]
    other = training.digits_split(n_train=50, seed=2)["train"][1]
    assert torch.equal(first, second)
    assert not torch.equal(first, other)


def test_digits_split_rejects_large_train():
    message = (
        "n_train=1500 is too large: with n_val=300 and n_test=500 only 997 of the 1797"
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        training.digits_split(n_train=1500)


def test_regression_1d_shapes_sorted():
    x, y = training.regression_1d(20, seed=0)
    assert x.shape == (20, 1)
    assert y.shape == (20, 1)
    assert bool((x[1:] >= x[:-1]).all())


def test_regression_1d_rejects_negative_noise():
    with pytest.raises(ValueError, match=re.escape("noise must be >= 0, got -0.1")):
        training.regression_1d(5, noise=-0.1)


def test_mlp_layers_and_seed():
    model = training.mlp([64, 32, 10], dropout=0.2, seed=5)
    kinds = [type(module).__name__ for module in model]
    assert kinds == ["Linear", "ReLU", "Dropout", "Linear"]
    again = training.mlp([64, 32, 10], dropout=0.2, seed=5)
    assert torch.equal(model[0].weight, again[0].weight)


def test_mlp_rejects_bad_dropout():
    with pytest.raises(
        ValueError, match=re.escape("dropout must be in [0, 1), got 1.0")
    ):
        training.mlp([4, 2], dropout=1.0)


def test_train_history_keys_and_length(small_digits):
    model = training.mlp([64, 16, 10], seed=0)
    history = training.train(
        model,
        small_digits,
        optimizer=SGD(model.parameters(), lr=0.1),
        epochs=3,
        batch_size=32,
    )
    assert [record["epoch"] for record in history] == [1, 2, 3]
    assert set(history[0]) == {
        "epoch",
        "train_loss",
        "train_accuracy",
        "val_loss",
        "val_accuracy",
    }


def test_train_reduces_loss(small_digits):
    model = training.mlp([64, 32, 10], seed=0)
    optimizer = SGD(model.parameters(), lr=0.2, momentum=0.9)
    history = training.train(
        model, small_digits, optimizer=optimizer, epochs=15, batch_size=16
    )
    assert history[-1]["train_loss"] < 0.5 * history[0]["train_loss"]
    assert history[-1]["val_accuracy"] > 0.7


def test_train_is_deterministic(small_digits):
    runs = []
    for _ in range(2):
        model = training.mlp([64, 16, 10], dropout=0.3, seed=1)
        runs.append(
            training.train(
                model,
                small_digits,
                optimizer=SGD(model.parameters(), lr=0.1),
                epochs=2,
                batch_size=32,
                seed=4,
                input_noise=0.1,
            )
        )
    assert runs[0] == runs[1]


def test_train_leaves_global_rng(small_digits):
    torch.manual_seed(123)
    expected = torch.rand(1)
    torch.manual_seed(123)
    model = training.mlp([64, 8, 10], dropout=0.5, seed=0)
    training.train(
        model,
        small_digits,
        optimizer=SGD(model.parameters(), lr=0.1),
        epochs=1,
        batch_size=32,
    )
    assert torch.equal(torch.rand(1), expected)


@pytest.mark.parametrize("steps", [2, 3, 7])
def test_accumulation_equals_full_batch(small_digits, steps):
    data = {"train": (small_digits["train"][0][:40], small_digits["train"][1][:40])}
    weights = []
    for accumulation_steps in (1, steps):
        model = training.mlp([64, 16, 10], seed=2).double()
        x, y = data["train"]
        optimizer = SGD(model.parameters(), lr=0.5, momentum=0.5)
        training.train(
            model,
            {"train": (x.double(), y)},
            optimizer=optimizer,
            epochs=2,
            batch_size=40,
            accumulation_steps=accumulation_steps,
        )
        weights.append(torch.cat([p.detach().flatten() for p in model.parameters()]))
    assert weights[0].shape == weights[1].shape
    torch.testing.assert_close(weights[0], weights[1], rtol=1e-12, atol=1e-14)


def test_accumulation_uneven_micro_batches():
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(10, 3, generator=generator, dtype=torch.float64)
    y = torch.randn(10, 1, generator=generator, dtype=torch.float64)
    results = []
    for accumulation_steps in (1, 4):
        model = torch.nn.Linear(3, 1).double()
        with torch.no_grad():
            model.weight.fill_(0.1)
            model.bias.fill_(0.0)
        training.train(
            model,
            {"train": (x, y)},
            optimizer=SGD(model.parameters(), lr=0.1),
            epochs=1,
            batch_size=10,
            accumulation_steps=accumulation_steps,
        )
        results.append(model.weight.detach().clone())
    torch.testing.assert_close(results[0], results[1], rtol=1e-12, atol=1e-14)


def test_early_stopping_stops_and_restores(small_digits):
    data = {
        "train": (small_digits["train"][0][:30], small_digits["train"][1][:30]),
        "val": small_digits["val"],
    }
    model = training.mlp([64, 64, 10], seed=0)
    stopper = training.EarlyStopping(patience=3)
    history = training.train(
        model,
        data,
        optimizer=SGD(model.parameters(), lr=0.3, momentum=0.9),
        epochs=200,
        batch_size=10,
        early_stopping=stopper,
    )
    assert len(history) < 200
    assert len(history) == stopper.best_epoch + 3
    restored = training.evaluate(model, *data["val"])[0]
    assert restored == pytest.approx(
        history[stopper.best_epoch - 1]["val_loss"], rel=RTOL
    )


def test_early_stopping_needs_validation(small_digits):
    model = training.mlp([64, 4, 10])
    with pytest.raises(
        ValueError, match=re.escape("early_stopping needs a validation set")
    ):
        training.train(
            model,
            {"train": small_digits["train"]},
            optimizer=SGD(model.parameters(), lr=0.1),
            epochs=1,
            batch_size=8,
            early_stopping=training.EarlyStopping(),
        )


def test_evaluate_matches_cross_entropy(small_digits):
    model = training.mlp([64, 8, 10], seed=0)
    x, y = small_digits["val"]
    loss, accuracy = training.evaluate(model, x, y)
    out = model(x).detach()
    assert loss == pytest.approx(
        float(torch.nn.functional.cross_entropy(out, y)), rel=RTOL
    )
    assert accuracy == pytest.approx(float((out.argmax(1) == y).float().mean()))


def test_ensemble_of_one_equals_model(small_digits):
    model = training.mlp([64, 8, 10], seed=0)
    x, y = small_digits["val"]
    single = training.evaluate(model, x, y)
    ensemble = training.evaluate_ensemble([model], x, y)
    assert ensemble[0] == pytest.approx(single[0], rel=1e-5)
    assert ensemble[1] == single[1]


def test_ensemble_rejects_empty():
    with pytest.raises(ValueError, match=re.escape("models is empty")):
        training.evaluate_ensemble(
            [], torch.zeros(1, 64), torch.zeros(1, dtype=torch.int64)
        )


def test_shift_digits_moves_pixels():
    x = torch.zeros(1, 64)
    x[0, 3 * 8 + 4] = 1.0
    shifted = training.shift_digits(x.repeat(50, 1), torch.Generator().manual_seed(0))
    assert shifted.shape == (50, 64)
    positions = {int(row.argmax()) for row in shifted}
    expected = {(3 + dr) * 8 + 4 + dc for dr in (-1, 0, 1) for dc in (-1, 0, 1)}
    assert positions == expected
    assert bool((shifted.sum(dim=1) == 1).all())


def test_threads_context_restores():
    before = torch.get_num_threads()
    with training.torch_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
