"""The stored snippets are the seeds' own, and every one of them is run by a test."""

from __future__ import annotations

import pytest

from tests.seeds import test_gateway_seed, test_livechat_seed, test_wechaty_seed
from tests.seeds.snippets import SEEDS, SHARED_SEEDS, adapt, extract, fixture_names, snippet

COVERED = {
    test_wechaty_seed.SEED: test_wechaty_seed.COVERS,
    test_gateway_seed.SEED: test_gateway_seed.COVERS | set(test_gateway_seed.NOT_OURS),
    test_livechat_seed.SEED: test_livechat_seed.COVERS,
}


@pytest.mark.parametrize("seed", sorted(SEEDS))
def test_the_fixtures_are_the_seeds_snippets_verbatim(seed: str) -> None:
    path = SHARED_SEEDS / f"{seed}.txt"
    if not path.is_file():
        pytest.skip(f"the seeds are not beside the checkout ({SHARED_SEEDS})")
    found = extract(path.read_text(encoding="utf-8"))
    assert sorted(found) == fixture_names(seed)
    for name, code in found.items():
        assert snippet(seed, name) == code, name


@pytest.mark.parametrize("seed", sorted(SEEDS))
def test_every_snippet_is_run_by_a_test(seed: str) -> None:
    assert set(fixture_names(seed)) == COVERED.get(seed, set())


def test_the_extractor_skips_placeholders_and_comments() -> None:
    text = """\
## shown
```js
api.on('a', x => x)
```
<!--## hidden
```js
api.on('b', x => x)
```
-->
### `scan`: QR code
<TabItem value="py">

```py
# TODO: Pull Request is welcome!
```

</TabItem>
<TabItem value="ts">

```ts
bot.on('scan', f)
```
"""
    assert extract(text) == {"shown.js": "api.on('a', x => x)\n", "scan.ts": "bot.on('scan', f)\n"}


def test_adapt_changes_only_the_sdk_import() -> None:
    code = "from wechaty import Contact, Message\nbot.on('login', print)\n"
    assert adapt(code) == (
        "from wabus.handlers.dialects.wechaty import Contact, Message\nbot.on('login', print)\n"
    )
