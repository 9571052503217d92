"""The tensor and autograd walk-throughs of PyTorch's 60-minute blitz, run on bibun.

``python -m bibun.demo`` replays the tutorials "What is PyTorch? (Tensors)" (seed 002 of the project)
and "Autograd: Automatic Differentiation" (seed 000) as a console session: each step prints a comment
saying what it shows, then the code, then what the code returns. The code is executed as printed, so
what you read is what ran. ``--seed`` seeds ``bibun.manual_seed`` for the steps that draw random numbers.

Then it trains a small MLP on the UCI optical handwritten digits shipped inside the package
(:mod:`bibun.demo_train`): a progress bar per epoch with the loss and the train and test accuracy, then
``bibun.save`` of the model and a reload that gives the same test accuracy. ``--no-train`` skips the
training, ``--only-train`` skips the walk-throughs; ``--help`` lists the training options.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import bibun

# Each step: a comment line, then source lines run one at a time like an interactive session.
# A line that is an expression prints its value (as the Python prompt does); a statement prints
# nothing. Indented lines continue the statement above them (the ``while`` and ``with`` blocks).
Step = tuple[str, Sequence[str]]

TENSOR_STEPS: Sequence[Step] = (
    ("An uninitialised 5x3 matrix: its memory is whatever was there, so only its size is shown",
     ["x = bibun.empty(5, 3)", "x.size()"]),
    ("A randomly initialised matrix (uniform on [0, 1))", ["x = bibun.rand(5, 3)", "x"]),
    ("A matrix of zeros of dtype long", ["x = bibun.zeros(5, 3, dtype=bibun.long)", "x", "x.dtype"]),
    ("A tensor built directly from data", ["x = bibun.tensor([5.5, 3])", "x"]),
    ("new_* methods reuse the properties of an existing tensor unless told otherwise; *_like take a shape",
     ["x = x.new_ones(5, 3, dtype=bibun.double)", "x", "x = bibun.randn_like(x, dtype=bibun.float)", "x"]),
    ("size() is a bibun.Size, a tuple", ["x.size()"]),
    ("Addition, three ways: the operator, the function, and into an output tensor",
     ["y = bibun.rand(5, 3)", "x + y", "bibun.add(x, y)", "result = bibun.empty(5, 3)",
      "bibun.add(x, y, out=result)", "result"]),
    ("In place: methods ending in _ modify their tensor", ["y.add_(x)", "y"]),
    ("NumPy-like indexing; x[:, 1] is a view of the second column", ["x[:, 1]"]),
    ("view reshapes without copying; -1 is inferred from the other sizes",
     ["x = bibun.randn(4, 4)", "y = x.view(16)", "z = x.view(-1, 8)", "x.size(), y.size(), z.size()"]),
    ("item() turns a one-element tensor into a Python number", ["x = bibun.randn(1)", "x", "x.item()"]),
    ("A tensor and its numpy() array share memory: changing one changes the other",
     ["a = bibun.ones(5)", "b = a.numpy()", "a.add_(1)", "a", "b"]),
    ("from_numpy shares memory the other way round too",
     ["import numpy as np", "a = np.ones(5)", "b = bibun.from_numpy(a)", "np.add(a, 1, out=a)", "a", "b"]),
    ("bibun runs on the CPU: CUDA is never available",
     ["bibun.cuda.is_available()"]),
)

STEPS: Sequence[Step] = (
    ("Create a tensor and set requires_grad=True to track computation with it",
     ["x = bibun.ones(2, 2, requires_grad=True)", "x"]),
    ("Do a tensor operation: y is the result of an operation, so it is not a leaf",
     ["y = x + 2", "y"]),
    ("y was created by an operation, so it has a grad_fn (the node that will backpropagate)",
     ["y.grad_fn"]),
    ("More operations on y: z is elementwise, out is its mean (a scalar)",
     ["z = y * y * 3", "out = z.mean()", "z", "out"]),
    ("requires_grad_() changes an existing tensor's requires_grad flag in place (it defaults to False)",
     ["a = bibun.randn(2, 2)", "a = ((a * 3) / (a - 1))", "a.requires_grad",
      "a.requires_grad_(True)", "a.requires_grad", "b = (a * a).sum()", "b.grad_fn"]),
    ("Backprop: out is a scalar, so out.backward() means out.backward(bibun.tensor(1.))",
     ["out.backward()"]),
    ("d(out)/dx: out = 1/4 sum 3 (x_i + 2)^2, so d(out)/dx_i = 3/2 (x_i + 2) = 4.5 at x_i = 1",
     ["x.grad"]),
    ("A vector-valued y: keep doubling until its norm reaches 1000",
     ["x = bibun.randn(3, requires_grad=True)", "y = x * 2",
      "while y.data.norm() < 1000:", "    y = y * 2", "y"]),
    ("y is not a scalar: backward(v) computes the vector-Jacobian product v^T J into x.grad",
     ["v = bibun.tensor([0.1, 1.0, 0.0001], dtype=bibun.float)", "y.backward(v)", "x.grad"]),
    ("Operations on a tensor that requires grad are tracked ...",
     ["x.requires_grad", "(x ** 2).requires_grad"]),
    ("... unless they run inside `with bibun.no_grad():`",
     ["with bibun.no_grad():", "    print((x ** 2).requires_grad)"]),
    ("detach() gives a new tensor with the same content that does not require grad",
     ["x.requires_grad", "y = x.detach()", "y.requires_grad", "x.eq(y).all()"]),
)


def _blocks(lines: Sequence[str]) -> list[list[str]]:
    """Groups source lines into statements: an indented line belongs to the statement above it."""
    blocks: list[list[str]] = []
    for line in lines:
        if line.startswith((" ", "\t")) and blocks:
            blocks[-1].append(line)
        else:
            blocks.append([line])
    return blocks


def _run(block: list[str], namespace: dict[str, object]) -> None:
    """Prints one statement at a prompt and runs it; an expression's value is printed like the REPL."""
    print(">>> " + block[0])
    for line in block[1:]:
        print("... " + line)
    source = "\n".join(block)
    try:
        code = compile(source, "<demo>", "eval")
    except SyntaxError:
        exec(compile(source + "\n", "<demo>", "exec"), namespace)
        return
    value = eval(code, namespace)
    if value is not None:
        print(repr(value))


def run_demo(seed: int = 0) -> None:
    """Runs every step of the walk-through, printing comment, code and result."""
    namespace: dict[str, object] = {"bibun": bibun}
    print(f"# bibun {bibun.__version__}: PyTorch's tensor and autograd tutorials, with `import bibun`")
    _run([f"bibun.manual_seed({seed})"], namespace)
    for title, steps in (("Tensors", TENSOR_STEPS), ("Autograd", STEPS)):
        print()
        print(f"# ===== {title} =====")
        for number, (comment, lines) in enumerate(steps, start=1):
            print()
            print(f"# {number}. {comment}")
            for block in _blocks(lines):
                _run(block, namespace)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m bibun.demo``."""
    from bibun import demo_train

    defaults = demo_train.DEFAULTS
    parser = argparse.ArgumentParser(
        prog="python -m bibun.demo",
        description="Walk through PyTorch's tensor and autograd tutorials (60-minute blitz) step by step on "
                    "bibun, then train an MLP on the UCI optical handwritten digits (shipped with bibun), "
                    "save it and reload it.",
    )
    parser.add_argument("--seed", type=int, default=defaults["seed"],
                        help="seed passed to bibun.manual_seed before the steps that draw random numbers, and "
                             "seed of the training's initial weights, train/test split and shuffling "
                             f"(default: {defaults['seed']})")
    training = parser.add_argument_group("training")
    training.add_argument("--epochs", type=int, default=defaults["epochs"],
                          help=f"passes over the training images (default: {defaults['epochs']})")
    training.add_argument("--batch-size", type=int, default=defaults["batch_size"],
                          help=f"images per optimizer step (default: {defaults['batch_size']})")
    training.add_argument("--lr", type=float, default=defaults["lr"],
                          help="learning rate (default: "
                               + ", ".join(f"{v:g} for {k}" for k, v in demo_train.DEFAULT_LR.items()) + ")")
    training.add_argument("--optimizer", choices=sorted(demo_train.DEFAULT_LR), default=defaults["optimizer"],
                          help=f"sgd (momentum 0.9) or adam (default: {defaults['optimizer']})")
    training.add_argument("--hidden", type=int, default=defaults["hidden"],
                          help=f"hidden units of the MLP (default: {defaults['hidden']})")
    which = training.add_mutually_exclusive_group()
    which.add_argument("--no-train", action="store_true", help="run only the walk-throughs, skip the training")
    which.add_argument("--only-train", action="store_true", help="run only the training, skip the walk-throughs")
    args = parser.parse_args(argv)
    for name in ("epochs", "batch_size", "hidden"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.lr is not None and not args.lr > 0:
        parser.error("--lr must be positive")
    if not args.only_train:
        run_demo(args.seed)
    if not args.no_train:
        if not args.only_train:
            print()
            print("# ===== Training =====")
            print()
        demo_train.train(epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, optimizer=args.optimizer,
                         seed=args.seed, hidden=args.hidden)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
