"""Temporal's JSON payloads for our dataclasses, decoded and encoded without per-call reflection.

The wire format is exactly the SDK's default (`json/plain`, sorted keys, dataclasses as
objects, tuples as lists), so histories, other clients and the read model's JSON stay
compatible. What changes is the cost: the SDK's `value_to_type` calls `typing.get_type_hints`
for every dataclass on every decode and `dataclasses.asdict` deep-copies on every encode,
which was a sixth of the worker's CPU per deal. Here each type hint is compiled once into a
decoder; anything this module does not recognise goes to the SDK's own `value_to_type`.

The worker, the web's client and the read model must all use `DATA_CONVERTER` (or
`PAYLOAD_CONVERTER`), so one decoding rule holds everywhere.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import threading
import types
import typing
from collections.abc import Callable
from enum import Enum
from typing import Any

from temporalio.converter import (
    AdvancedJSONEncoder,
    CompositePayloadConverter,
    DataConverter,
    DefaultPayloadConverter,
    JSONPlainPayloadConverter,
    JSONTypeConverter,
    value_to_type,
)

Decoder = Callable[[Any], Any]
_NONE = type(None)
MAX_DECODERS = 4096


class DataclassJSONEncoder(AdvancedJSONEncoder):
    """A dataclass as the dict of its fields, one level at a time: `json` recurses into the
    values itself, so the output equals `dataclasses.asdict`'s without its deep copy."""

    def default(self, o: Any) -> Any:
        names = _field_names(type(o)) if dataclasses.is_dataclass(o) and not isinstance(o, type) else None
        if names is not None:
            return {name: getattr(o, name) for name in names}
        return super().default(o)


_names_cache: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    names = _names_cache.get(cls)
    if names is None:
        names = _names_cache[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return names


class CompiledTypeConverter(JSONTypeConverter):
    """Decodes by a per-hint function built on first use (type hints are resolved once)."""

    def __init__(self) -> None:
        self._decoders: dict[Any, Decoder] = {}
        self._compiling: dict[Any, Decoder] = {}
        # Web threads, the activity pool and the event loop decode at once; compiling is
        # serialised so no thread ever sees a half-built decoder.
        self._lock = threading.RLock()

    def to_typed_value(self, hint: type, value: Any) -> Any:
        return self.decoder(hint)(value)

    def decoder(self, hint: Any) -> Decoder:
        try:
            found = self._decoders.get(hint)
        except TypeError:  # an unhashable hint: not ours to speed up
            return self._fallback(hint)
        if found is not None:
            return found
        with self._lock:
            found = self._decoders.get(hint) or self._compiling.get(hint)
            if found is not None:
                return found
            if len(self._decoders) > MAX_DECODERS:
                # Types defined inside the workflow sandbox are new classes on every run: start
                # over rather than keep them all.
                self._decoders.clear()
            # A dataclass that refers to itself finds this stand-in while it compiles; it is
            # only called once decoding starts, when the real decoder is in place.
            self._compiling[hint] = lambda value: self.decoder(hint)(value)
            try:
                decoder = self._compile(hint)
            finally:
                del self._compiling[hint]
            self._decoders[hint] = decoder
            return decoder

    def _fallback(self, hint: Any) -> Decoder:
        return lambda value: value_to_type(hint, value)

    def _compile(self, hint: Any) -> Decoder:  # noqa: PLR0911 — one case per kind of hint
        if hint is Any:
            return lambda value: value
        if hint in _SCALARS:
            return _SCALARS[hint]
        origin = typing.get_origin(hint) or hint
        args = typing.get_args(hint)
        if origin is typing.Union or isinstance(hint, types.UnionType):
            return self._union(hint, args)
        if isinstance(hint, type) and dataclasses.is_dataclass(hint):
            return self._dataclass(hint)
        if isinstance(hint, type) and issubclass(hint, Enum) and issubclass(hint, str | int):
            return _enum(hint, str if issubclass(hint, str) else int)
        if origin in (tuple, list) and args and not isinstance(args[0], typing.TypeVar):
            return self._sequence(hint, origin, args)
        return self._fallback(hint)

    def _union(self, hint: Any, args: tuple[Any, ...]) -> Decoder:
        options = [self.decoder(arg) for arg in args]
        nullable = _NONE in args

        def decode(value: Any) -> Any:
            if value is None and nullable:
                return None
            for option in options:
                try:
                    return option(value)
                except Exception:  # noqa: BLE001, S112 — the SDK's rule: the first member that fits
                    continue
            raise TypeError(f"Failed converting to {hint} from {value}")
        return decode

    def _sequence(self, hint: Any, origin: type, args: tuple[Any, ...]) -> Decoder:
        if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
            return self._fallback(hint)  # fixed-length tuples: rare, left to the SDK
        item = self.decoder(args[0])

        def decode(value: Any) -> Any:
            if type(value) is list:
                return origin(item(v) for v in value)
            return value_to_type(hint, value)  # the SDK's own reading of anything else
        return decode

    def _dataclass(self, cls: type) -> Decoder:
        hints = typing.get_type_hints(cls)
        fields = [(f.name, f.init, self.decoder(hints[f.name])) for f in dataclasses.fields(cls)]
        missing = dataclasses.MISSING

        def decode(value: Any) -> Any:
            if not isinstance(value, dict):
                raise TypeError(f"Cannot convert to dataclass {cls}, value is {type(value)} not dict")
            given, late = {}, {}
            for name, init, field_decoder in fields:
                raw = value.get(name, missing)
                if raw is missing:
                    continue
                try:
                    converted = field_decoder(raw)
                except Exception as err:
                    raise TypeError(f"Failed converting field {name} on dataclass {cls}") from err
                (given if init else late)[name] = converted
            obj = cls(**given)
            for name, converted in late.items():
                object.__setattr__(obj, name, converted)
            return obj
        return decode


def _scalar(kind: type) -> Decoder:
    def decode(value: Any) -> Any:
        if type(value) is kind:
            return value
        return value_to_type(kind, value)  # the SDK's checks and coercions (int ↔ float, bool)
    return decode


def _datetime(value: Any) -> dt.datetime:
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value)
        except ValueError as err:
            raise TypeError(f"Failed parsing datetime string: {value}") from err
    return value_to_type(dt.datetime, value)


def _enum(cls: type[Enum], base: type) -> Decoder:
    def decode(value: Any) -> Any:
        if not isinstance(value, base) or (base is int and isinstance(value, bool)):
            return value_to_type(cls, value)
        return cls(value)
    return decode


def _none(value: Any) -> None:
    if value is not None:
        raise TypeError(f"Expected None, got value of type {type(value)}")


_SCALARS: dict[Any, Decoder] = {
    str: _scalar(str), int: _scalar(int), float: _scalar(float), bool: _scalar(bool),
    dt.datetime: _datetime, _NONE: _none,
}


class TradepactPayloadConverter(CompositePayloadConverter):
    """The SDK's default converters, with the JSON one encoding and decoding as above."""

    def __init__(self) -> None:
        super().__init__(*(
            JSONPlainPayloadConverter(encoder=DataclassJSONEncoder, custom_type_converters=[_TYPES])
            if isinstance(converter, JSONPlainPayloadConverter) else converter
            for converter in DefaultPayloadConverter.default_encoding_payload_converters
        ))


_TYPES = CompiledTypeConverter()
DATA_CONVERTER = dataclasses.replace(DataConverter.default, payload_converter_class=TradepactPayloadConverter)
PAYLOAD_CONVERTER = DATA_CONVERTER.payload_converter


def to_json_value(value: Any) -> Any:
    """`value` as the plain JSON structure its payload holds (for storing it in a JSON column)."""
    return json.loads(to_json_text(value))


def to_json_text(value: Any) -> str:
    """`value` as the JSON text its payload holds (for a statement that casts it to jsonb itself)."""
    return json.dumps(value, cls=DataclassJSONEncoder, separators=(",", ":"), sort_keys=True)


def from_json_value(hint: type, value: Any) -> Any:
    return _TYPES.to_typed_value(hint, value)
