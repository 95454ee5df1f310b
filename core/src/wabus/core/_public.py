"""`publicize`: public names report their public module, not the private one they live in.

wabus keeps its code in private modules (``wabus.core._bus``) and re-exports the public names
from each package (``wabus.core``). Python records the defining module in ``__module__``,
which shows in ``repr``, in the last line of a traceback (``wabus.core._errors.BotConfigError:
…``), in pickles and in generated documentation. Each package's ``__init__`` ends with
``publicize(globals())``, which points every class and function of its ``__all__`` that lives
in one of the package's private modules at the package itself, so that the traceback reads
``wabus.core.BotConfigError: …`` and a pickle names the path people import.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable, MutableMapping

__all__ = ["publicize"]


def _is_private_part_of(module: str, package: str) -> bool:
    """Whether `module` is a private module inside `package` (``package._x``, ``package._x.y``
    or ``package.sub._x``)."""
    if not module.startswith(package + "."):
        return False
    return any(part.startswith("_") for part in module[len(package) + 1 :].split("."))


def publicize(
    namespace: MutableMapping[str, object],
    names: Iterable[str] | None = None,
    *,
    source: str | None = None,
) -> None:
    """Set ``__module__`` of the public classes and functions in `namespace` to its module.

    `namespace` is a package's ``globals()``; `names` defaults to its ``__all__``. A name is
    changed only when it is a class or a function defined in a private module of `source`
    (default: the namespace's own package) and exported under its own name, so
    ``module.<qualname>`` finds it again (which pickle relies on); anything else (constants,
    aliases, names from other packages, names already claimed by a public subpackage) is left
    as it is. ``__qualname__`` is never changed. `source` serves a public module that gathers
    names from its parent's private modules: ``wabus.protocol.server`` calls
    ``publicize(globals(), source="wabus.protocol")``.
    """
    package = namespace["__name__"]
    if not isinstance(package, str):
        raise TypeError(f"the namespace's __name__ must be a str, got {package!r}")
    origin = package if source is None else source
    if names is None:
        exported = namespace.get("__all__", ())
        if not isinstance(exported, list | tuple):
            raise TypeError(f"{package}.__all__ must be a list or tuple, got {exported!r}")
        names = [str(name) for name in exported]
    for name in names:
        value = namespace[name]
        if not (inspect.isclass(value) or inspect.isfunction(value)):
            continue
        module = getattr(value, "__module__", None)
        if not isinstance(module, str) or not _is_private_part_of(module, origin):
            continue
        if getattr(value, "__qualname__", None) != name:
            continue
        value.__module__ = package
