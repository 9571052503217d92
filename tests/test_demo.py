"""python -m bibun.demo: runs both walk-throughs and prints PyTorch's results."""

import re
import subprocess
import sys


def run_demo(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "bibun.demo", *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return re.sub(r"0x[0-9a-f]+", "0x...", done.stdout)  # object addresses differ run to run


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
    assert "--seed" in out
