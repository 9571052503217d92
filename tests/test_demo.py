"""python -m bibun.demo: runs both walk-throughs and prints PyTorch's results."""

import re
import subprocess
import sys


def run_demo(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "bibun.demo", *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    out = re.sub(r"0x[0-9a-f]+", "0x...", done.stdout)  # object addresses differ run to run
    return re.sub(r"\b\d+\.\d+s\b", "N.NNs", out)  # and so do the training's timings


def test_demo_walks_through_tensors_and_autograd_with_pytorchs_results():
    out = run_demo()
    assert "# ===== Tensors =====" in out and "# ===== Autograd =====" in out
    # deterministic results of the tutorials, as PyTorch prints them
    assert "tensor([5.5000, 3.0000])" in out
    assert "tensor([[3., 3.],\n        [3., 3.]], grad_fn=<AddBackward0>)" in out
    assert "tensor(27., grad_fn=<MeanBackward0>)" in out
    assert "tensor([[4.5000, 4.5000],\n        [4.5000, 4.5000]])" in out
    assert "tensor([2., 2., 2., 2., 2.])\n>>> b\narray([2., 2., 2., 2., 2.], dtype=float32)" in out
    assert "array([2., 2., 2., 2., 2.])\n>>> b\ntensor([2., 2., 2., 2., 2.], dtype=bibun.float64)" in out
    assert "Traceback" not in out


def test_demo_seed_option_makes_random_steps_repeatable():
    assert run_demo("--seed", "3") == run_demo("--seed", "3")
    assert run_demo("--seed", "3") != run_demo("--seed", "4")


def test_demo_help_lists_its_options():
    out = run_demo("--help")
    for option in ("--seed", "--epochs", "--batch-size", "--lr", "--optimizer", "--hidden", "--no-train",
                   "--only-train"):
        assert option in out


def test_demo_trains_the_digits_mlp_after_the_walk_throughs():
    out = run_demo()
    assert out.index("# ===== Autograd =====") < out.index("# ===== Training =====")
    accuracies = [float(a) for a in re.findall(r"test acc +([0-9.]+)%  N\.NNs\n", out)]
    assert len(accuracies) == 20 and accuracies[-1] >= 95
    assert "(same as the trained model)" in out


def test_demo_no_train_prints_only_the_walk_throughs():
    out = run_demo("--no-train")
    assert out.rstrip().endswith("tensor(True)")
    assert "Training" not in out and "epoch" not in out
