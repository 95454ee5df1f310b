"""Generate ``wabus/protocol/_tokens.py`` from the protocol's ``tokens.json``.

    python protocol/tools/gen_tokens.py ../shared/wire/tokens.json \
        > protocol/src/wabus/protocol/_tokens.py

(`make tokens` does exactly that.) The output is deterministic, so a test can regenerate it and
compare it with the committed module.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HEADER = '''"""The protocol's token dictionaries (dictionary version 3), generated from tokens.json.

Do not edit: regenerate with `make tokens` (protocol/tools/gen_tokens.py). A test checks that
this module and tokens.json agree.

`SINGLE_BYTE[i]` is the token for tag byte ``i`` (1..235; index 0 is the empty string and is
never used as a token). `DOUBLE_BYTE[d][i]` is the token for tag byte ``236 + d`` followed by
index byte ``i``.
"""

from typing import Final

__all__ = ["DICT_VERSION", "DOUBLE_BYTE", "SINGLE_BYTE"]

DICT_VERSION: Final = 3
'''


def render(tokens: dict[str, object]) -> str:
    """The module text for a parsed tokens.json."""
    single = tokens["single_byte"]
    double = tokens["double_byte"]
    if not isinstance(single, list) or not isinstance(double, list):
        raise ValueError("tokens.json must have list values 'single_byte' and 'double_byte'")
    if len(single) != 236 or single[0] != "":
        raise ValueError(f"expected 236 single-byte tokens starting with '', got {len(single)}")
    if len(double) != 4 or any(len(d) != 256 for d in double):
        raise ValueError("expected 4 double-byte dictionaries of 256 tokens")
    everything = single[1:] + [t for d in double for t in d]
    if len(set(everything)) != len(everything):
        raise ValueError("tokens.json has duplicate tokens")
    lines = [HEADER, "SINGLE_BYTE: Final[tuple[str, ...]] = ("]
    lines += [f"    {json.dumps(token)}," for token in single]
    lines.append(")")
    lines.append("")
    lines.append("DOUBLE_BYTE: Final[tuple[tuple[str, ...], ...]] = (")
    for dictionary in double:
        lines.append("    (")
        lines += [f"        {json.dumps(token)}," for token in dictionary]
        lines.append("    ),")
    lines.append(")")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    sys.stdout.write(render(json.loads(Path(argv[1]).read_text())))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
