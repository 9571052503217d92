"""Train an MLP on the UCI optical handwritten digits with bibun, the way a PyTorch script would.

``python -m bibun.demo`` runs :func:`train` after the tensor and autograd walk-throughs. The data set ships
inside the package (``bibun/data/digits.csv.gz``: 1,797 images of 8x8 pixels with values 0..16, one a row,
the label 0..9 last; UCI "Optical Recognition of Handwritten Digits", E. Alpaydin and C. Kaynak (1998),
CC BY 4.0). The code below is plain PyTorch code with ``bibun`` in place of ``torch``: a seeded
train/test split with ``random_split``, a ``DataLoader`` that shuffles, an ``nn.Sequential`` of
``Linear``/``ReLU``, ``cross_entropy``, SGD with momentum or Adam, then ``bibun.save`` of the state dict
and a reload into a fresh model that must give the same test accuracy.
"""

from __future__ import annotations

import gzip
import os
import sys
import tempfile
import time
from importlib import resources
from typing import TextIO

import numpy as np

import bibun
import bibun.nn.functional as F
from bibun import nn
from bibun.utils.data import DataLoader, Generator, TensorDataset, random_split

__all__ = ["DEFAULTS", "build_model", "evaluate", "load_digits", "train"]

N_FEATURES = 64
N_CLASSES = 10
TEST_SIZE = 359  # 1,797 images: 1,438 to train on, 359 to test on (about 80/20)

# lr=None picks the default of the optimizer: 0.1 for SGD (momentum 0.9), 0.01 for Adam.
DEFAULTS = {"epochs": 20, "batch_size": 32, "lr": None, "optimizer": "sgd", "seed": 0, "hidden": 64}
DEFAULT_LR = {"sgd": 0.1, "adam": 0.01}


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """The digits shipped with bibun: pixels (1797, 64) float32 with values 0..16, labels (1797,) int64."""
    data = resources.files("bibun").joinpath("data", "digits.csv.gz").read_bytes()
    table = np.loadtxt(gzip.decompress(data).decode("ascii").splitlines(), delimiter=",", dtype=np.int64)
    return table[:, :N_FEATURES].astype(np.float32), table[:, N_FEATURES].copy()


def build_model(hidden: int = 64) -> nn.Sequential:
    """The MLP: 64 pixels -> ``hidden`` ReLU units -> 10 class scores."""
    return nn.Sequential(nn.Linear(N_FEATURES, hidden), nn.ReLU(), nn.Linear(hidden, N_CLASSES))


def _predict(model: nn.Module, x) -> np.ndarray:
    with bibun.no_grad():
        return model(x).numpy().argmax(axis=1)


def evaluate(model: nn.Module, x, y) -> float:
    """Accuracy of ``model`` on the images ``x`` with labels ``y`` (a fraction in [0, 1])."""
    return float((_predict(model, x) == y.numpy()).mean())


def _stack(subset) -> tuple:
    """All (image, label) pairs of a Subset of a TensorDataset as two tensors."""
    x, y = subset.dataset.tensors
    idx = np.asarray(subset.indices, dtype=np.int64)
    return (bibun.from_numpy(np.ascontiguousarray(x.numpy()[idx])),
            bibun.from_numpy(np.ascontiguousarray(y.numpy()[idx])))


class _ProgressBar:
    """A one-line progress bar redrawn with carriage returns, in the manner of tqdm."""

    def __init__(self, total: int, prefix: str, out: TextIO, width: int = 20) -> None:
        self.total, self.prefix, self.out, self.width = total, prefix, out, width
        self.last_len = 0

    def _draw(self, text: str, end: str = "") -> None:
        pad = " " * max(0, self.last_len - len(text))
        self.out.write("\r" + text + pad + end)
        self.out.flush()
        self.last_len = len(text)

    def update(self, done: int, info: str) -> None:
        filled = self.width * done // self.total
        bar = "#" * filled + "." * (self.width - filled)
        self._draw(f"{self.prefix} [{bar}] {done:>{len(str(self.total))}}/{self.total} {info}")

    def close(self, info: str) -> None:
        self._draw(f"{self.prefix} [{'#' * self.width}] {info}", end="\n")


def train(
    epochs: int = DEFAULTS["epochs"],
    batch_size: int = DEFAULTS["batch_size"],
    lr: float | None = DEFAULTS["lr"],
    optimizer: str = DEFAULTS["optimizer"],
    seed: int = DEFAULTS["seed"],
    hidden: int = DEFAULTS["hidden"],
    *,
    out: TextIO | None = None,
    save_path: str | os.PathLike | None = None,
) -> dict:
    """Trains the MLP on the digits, prints a progress bar per epoch, saves and reloads the model.

    Returns a dict with ``train_acc``, ``test_acc`` (after the last epoch), ``reloaded_test_acc`` (the model
    reloaded from the saved state dict), ``same_predictions`` (reloaded model predicts the same classes on the
    test set), ``losses`` (mean training loss per epoch), ``test_accs`` (per epoch), ``seconds`` (training
    time), ``lr``, ``optimizer`` and ``model``. ``out`` receives the printed lines (default: stdout);
    ``save_path`` is where the state dict goes (default: a temporary file, removed afterwards).
    """
    out = sys.stdout if out is None else out
    optimizer = optimizer.lower()
    if optimizer not in DEFAULT_LR:
        raise ValueError(f"optimizer must be one of {sorted(DEFAULT_LR)}, not {optimizer!r}")
    if lr is None:
        lr = DEFAULT_LR[optimizer]

    bibun.manual_seed(seed)  # the initial weights
    pixels, labels = load_digits()
    dataset = TensorDataset(bibun.from_numpy(pixels / np.float32(16.0)), bibun.from_numpy(labels))
    train_set, test_set = random_split(
        dataset, [len(dataset) - TEST_SIZE, TEST_SIZE], generator=Generator().manual_seed(seed))
    loader = DataLoader(train_set, batch_size=batch_size, shuffle=True,
                        generator=Generator().manual_seed(seed + 1))
    x_train, y_train = _stack(train_set)
    x_test, y_test = _stack(test_set)

    model = build_model(hidden)
    if optimizer == "sgd":
        opt = bibun.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    else:
        opt = bibun.optim.Adam(model.parameters(), lr=lr)

    print(f"# MLP 64-{hidden}-10 on the UCI optical digits: {len(train_set):,} images to train on, "
          f"{len(test_set):,} to test on; {optimizer} lr={lr:g}, batch size {batch_size}, seed {seed}", file=out)
    losses: list[float] = []
    test_accs: list[float] = []
    started = time.perf_counter()
    train_acc = test_acc = 0.0
    for epoch in range(1, epochs + 1):
        epoch_start = time.perf_counter()
        bar = _ProgressBar(len(loader), f"epoch {epoch:>{len(str(epochs))}}/{epochs}", out)
        model.train()
        total, seen = 0.0, 0
        for step, (x, y) in enumerate(loader, start=1):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            total += loss.item() * len(y)
            seen += len(y)
            bar.update(step, f"loss {total / seen:.4f}")
        model.eval()
        train_acc = evaluate(model, x_train, y_train)
        test_acc = evaluate(model, x_test, y_test)
        losses.append(total / seen)
        test_accs.append(test_acc)
        bar.close(f"loss {total / seen:.4f}  train acc {100 * train_acc:5.1f}%  test acc {100 * test_acc:5.1f}%  "
                  f"{time.perf_counter() - epoch_start:.2f}s")
    seconds = time.perf_counter() - started
    print(f"# trained in {seconds:.1f}s: test accuracy {100 * test_acc:.1f}%", file=out)

    with tempfile.TemporaryDirectory() as tmp:
        path = os.fspath(save_path) if save_path is not None else os.path.join(tmp, "digits_mlp.bibun")
        bibun.save(model.state_dict(), path)
        size = os.path.getsize(path)
        reloaded = build_model(hidden)
        reloaded.load_state_dict(bibun.load(path))
    reloaded.eval()
    reloaded_acc = evaluate(reloaded, x_test, y_test)
    same = bool((_predict(reloaded, x_test) == _predict(model, x_test)).all())
    where = path if save_path is not None else "a temporary file"
    print(f"# bibun.save(model.state_dict(), ...) wrote {size:,} bytes to {where}; reloaded into a fresh "
          f"model: test accuracy {100 * reloaded_acc:.1f}% "
          f"({'same' if same and reloaded_acc == test_acc else 'DIFFERENT'} as the trained model)", file=out)
    return {
        "train_acc": train_acc,
        "test_acc": test_acc,
        "reloaded_test_acc": reloaded_acc,
        "same_predictions": same,
        "losses": losses,
        "test_accs": test_accs,
        "seconds": seconds,
        "epochs": epochs,
        "lr": lr,
        "optimizer": optimizer,
        "model": model,
    }


if __name__ == "__main__":
    train()
