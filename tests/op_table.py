"""The op table: every op's row, gathered from the per-area files ``tests/op_table_*.py``.

``tests/test_op_table.py`` checks each row against PyTorch; ``tests/op_info.py`` says what a row is.
An area adds its file's ``OPS`` list here.
"""

from __future__ import annotations

import op_table_api_gaps
import op_table_binary
import op_table_conv
import op_table_indexing
import op_table_reduction
import op_table_shape
import op_table_nn
import op_table_linalg
import op_table_unary
from op_info import ALL_DTYPES, FLOATS, INTS, OpInfo, Sample, gradcheck, gradgradcheck, samples_of  # noqa: F401

OPS: list[OpInfo] = [*op_table_unary.OPS, *op_table_linalg.OPS, *op_table_binary.OPS, *op_table_reduction.OPS, *op_table_shape.OPS, *op_table_nn.OPS, *op_table_indexing.OPS, *op_table_conv.OPS, *op_table_api_gaps.OPS]

_names = [op.name for op in OPS]
assert len(_names) == len(set(_names)), "an op appears twice in the table"
