"""Callback answers as plain JSON data, so that Dash serialises them in one orjson call.

Dash encodes every callback response with plotly's `to_json_plotly`: it first tries `orjson.dumps`
as is, and when that fails (any Dash component or Patch in the answer does), it walks the whole
answer in Python (`clean_to_json_compatible`, every list element of every figure) and tries again.
For the overview page that walk cost more than its own SQL. `plain(value)` turns components
(their `to_plotly_json()`, as Dash would) and Patches into dicts first: the first attempt succeeds
and the bytes the browser gets are the same.

Use it on what a callback returns, never on what tests inspect as components.

`make(cls, children, **props)` builds the component `cls(children, **props)` would, for tables of
hundreds of cells: Dash's constructor checks every prop of every instance (and formats an error
prefix for each, used or not), about 10 µs a component; `make` checks each set of prop names once.
"""

from __future__ import annotations

from functools import lru_cache

from dash import Patch
from dash.development.base_component import Component

_SCALARS = (str, int, float, bool, type(None))
_DATA_PROPS = frozenset({"figure"})  # plotly figure dicts: data only, never a component (not walked)


def _component(value: Component) -> dict:
    """What `value.to_plotly_json()` returns (same keys, same order), from the instance's own
    attributes: no `hasattr` per declared prop and no prefix scan per attribute."""
    attrs = value.__dict__
    names = attrs.get("_prop_names")
    wild = attrs.get("_valid_wildcard_attributes")
    if names is None or wild is None:
        return value.to_plotly_json()
    props = {k: (attrs[k] if k in _DATA_PROPS else plain(attrs[k])) for k in names if k in attrs}
    if wild:
        prefixes = tuple(wild)
        props.update({k: plain(v) for k, v in attrs.items() if k.startswith(prefixes)})
    return {"props": props, "type": value._type, "namespace": value._namespace}


def plain(value):
    """`value` with every Dash component and Patch replaced by its JSON form (dicts, lists, scalars)."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is dict:
        return {k: plain(v) for k, v in value.items()}
    if kind is list or kind is tuple:
        return [plain(v) for v in value]
    if isinstance(value, Component):
        return _component(value)
    if isinstance(value, Patch):
        return plain(value.to_plotly_json())
    return value  # dates, numpy scalars, no_update...: left as they are (plotly copes, as before)


@lru_cache(maxsize=256)
def _template(cls: type[Component], names: frozenset[str]) -> dict:
    """The attributes Dash's constructor gives a `cls` with these props (their values None), built by
    that constructor once: an unknown or misspelt prop raises its TypeError here, as it would there."""
    return dict(cls(**{n: ("id" if n == "id" else None) for n in names}).__dict__)


def make(cls: type[Component], children=None, /, **props) -> Component:
    """`cls(children, **props)` with its prop names checked once per class and set of names, not per
    instance: the same instance attributes (so tests and `plain` see no difference), for the cells
    of the long tables. Values are not checked (a component given as a non-children prop is not
    refused): use it where the props are the builder's own."""
    obj = cls.__new__(cls)
    attrs = obj.__dict__
    attrs.update(_template(cls, frozenset(props)))
    attrs["children"] = children
    attrs.update(props)
    return obj
