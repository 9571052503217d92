"""bibun.demo_train: the digits MLP of ``python -m bibun.demo`` trains, saves and reloads; matches PyTorch."""

import io
import re
import subprocess
import sys

import bibun
import bibun.nn.functional as F
import numpy as np
import pytest
from bibun import demo_train


def quiet_train(**kwargs):
    out = io.StringIO()
    result = demo_train.train(out=out, **kwargs)
    return result, out.getvalue()


def test_digits_load_with_1797_rows_of_64_pixels_and_labels_0_to_9():
    pixels, labels = demo_train.load_digits()
    assert pixels.shape == (1797, 64) and pixels.dtype == np.float32
    assert labels.shape == (1797,) and labels.dtype == np.int64
    assert pixels.min() == 0 and pixels.max() == 16
    assert sorted(set(labels.tolist())) == list(range(10))
    assert min(np.bincount(labels)) > 150  # about 180 images of each digit


def test_default_training_reaches_95_percent_test_accuracy_and_reloads_the_same():
    result, out = quiet_train()
    assert result["epochs"] == demo_train.DEFAULTS["epochs"]
    assert result["test_acc"] >= 0.95
    assert result["train_acc"] >= 0.95
    assert result["losses"][-1] < result["losses"][0] / 5
    assert result["reloaded_test_acc"] == result["test_acc"]
    assert result["same_predictions"]
    assert result["seconds"] < 30
    # progress bar: redrawn with carriage returns, one finished line per epoch
    final_lines = re.findall(r"epoch +(\d+)/(\d+) \[#+\] loss [0-9.]+  train acc +[0-9.]+%  test acc +[0-9.]+%  "
                             r"[0-9.]+s\n", out)
    assert [int(e) for e, _ in final_lines] == list(range(1, result["epochs"] + 1))
    assert out.count("\r") > result["epochs"] * 10
    assert "same as the trained model" in out


def test_adam_trains_too():
    result, _ = quiet_train(epochs=4, optimizer="adam", hidden=32)
    assert result["optimizer"] == "adam" and result["lr"] == demo_train.DEFAULT_LR["adam"]
    assert result["test_acc"] >= 0.9
    assert result["same_predictions"]


def test_training_is_repeatable_with_a_seed():
    a, _ = quiet_train(epochs=2, seed=5)
    b, _ = quiet_train(epochs=2, seed=5)
    c, _ = quiet_train(epochs=2, seed=6)
    assert a["losses"] == b["losses"] and a["test_accs"] == b["test_accs"]
    assert a["losses"] != c["losses"]


def test_saved_state_dict_reloads_to_identical_predictions(tmp_path):
    path = tmp_path / "mlp.bibun"
    result, out = quiet_train(epochs=2, save_path=path)
    assert path.exists() and str(path) in out
    model = result["model"]
    fresh = demo_train.build_model(demo_train.DEFAULTS["hidden"])
    fresh.load_state_dict(bibun.load(path))
    pixels, _ = demo_train.load_digits()
    x = bibun.from_numpy(pixels / np.float32(16))
    with bibun.no_grad():
        np.testing.assert_array_equal(fresh(x).numpy(), model(x).numpy())


def test_unknown_optimizer_is_rejected():
    with pytest.raises(ValueError, match="optimizer"):
        quiet_train(epochs=1, optimizer="lbfgs")


def test_demo_only_train_runs_the_training_alone():
    done = subprocess.run([sys.executable, "-m", "bibun.demo", "--only-train", "--epochs", "2", "--hidden", "16",
                           "--optimizer", "adam", "--lr", "0.02"], capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert "=====" not in done.stdout and ">>>" not in done.stdout
    assert "MLP 64-16-10" in done.stdout and "adam lr=0.02" in done.stdout
    assert re.search(r"epoch 2/2 \[#+\] loss .* test acc", done.stdout)
    assert "same as the trained model" in done.stdout


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_mlp_losses_match_pytorch_step_by_step(optimizer):
    torch = pytest.importorskip("torch")
    pixels, labels = demo_train.load_digits()
    x_all, y_all = pixels / np.float32(16), labels
    rng = np.random.default_rng(0)
    batches = [rng.choice(len(x_all), size=32, replace=False) for _ in range(20)]

    bibun.manual_seed(0)
    model = demo_train.build_model(64)
    ref = torch.nn.Sequential(torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 10))
    with torch.no_grad():
        for (name, p), (ref_name, q) in zip(model.named_parameters(), ref.named_parameters()):
            assert name == ref_name
            q.copy_(torch.from_numpy(p.detach().numpy().copy()))
    if optimizer == "sgd":
        opt = bibun.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        ref_opt = torch.optim.SGD(ref.parameters(), lr=0.1, momentum=0.9)
    else:
        opt = bibun.optim.Adam(model.parameters(), lr=0.01)
        ref_opt = torch.optim.Adam(ref.parameters(), lr=0.01)

    losses, ref_losses = [], []
    for idx in batches:
        x, y = np.ascontiguousarray(x_all[idx]), np.ascontiguousarray(y_all[idx])
        opt.zero_grad()
        loss = F.cross_entropy(model(bibun.from_numpy(x)), bibun.from_numpy(y))
        loss.backward()
        opt.step()
        losses.append(loss.item())
        ref_opt.zero_grad()
        ref_loss = torch.nn.functional.cross_entropy(ref(torch.from_numpy(x)), torch.from_numpy(y))
        ref_loss.backward()
        ref_opt.step()
        ref_losses.append(ref_loss.item())
    np.testing.assert_allclose(losses, ref_losses, rtol=0, atol=1e-5)
    assert np.mean(losses[-5:]) < 0.75 * np.mean(losses[:5])  # and it is learning
