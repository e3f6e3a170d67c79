"""What a board's replies must hold, per message (hal/board_protocol.md, "Messages"): field kinds and the
ranges the doc gives, checked into one sentence per problem."""

import math

FLOAT, BOOL, UINT, TEXT, TEXTS, MAP, BIN = "number", "bool", "uint", "str", "[str]", "map", "bin"
"""Field kinds; ("floats", n) is a list of n finite numbers, ("switches", k) a list of k 0/1 ints."""
_UNIT_NORM_TOLERANCE = 1e-3


def floats(n: int) -> tuple[str, int]:
    return ("floats", n)


def switches(k: int) -> tuple[str, int]:
    return ("switches", k)


def _is_uint(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def kind_problem(value: object, kind: object) -> str | None:
    """Why `value` is not of `kind` (a sentence fragment), or None if it is."""
    if isinstance(kind, tuple):
        what, n = kind
        if what == "floats":
            ok = isinstance(value, list) and len(value) == n and all(_is_number(x) for x in value)
            return None if ok else f"must be {n} finite numbers, got {_short(value)}"
        ok = isinstance(value, list) and len(value) == n and all(x in (0, 1) and _is_uint(x) for x in value)
        return None if ok else f"must be {n} switch states (0 or 1), got {_short(value)}"
    checks = {
        FLOAT: (_is_number, "a finite number"),
        BOOL: (lambda v: isinstance(v, bool), "true or false"),
        UINT: (_is_uint, "an unsigned integer"),
        TEXT: (lambda v: isinstance(v, str), "a string"),
        TEXTS: (lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v), "a list of strings"),
        MAP: (lambda v: isinstance(v, dict), "a map"),
        BIN: (lambda v: isinstance(v, bytes), "bytes (msgpack bin)"),
    }
    check, what = checks[kind]
    return None if check(value) else f"must be {what}, got {_short(value)}"


def reply_problem(request: str, reply: dict | None, schema: dict[str, object]) -> str | None:
    """Why `reply` is not the `<msg>.ok` of `request` ("dev.msg") with exactly `schema`'s fields, or None."""
    dev, msg = request.split(".")
    if reply is None:
        return f"{request}: no reply"
    if reply.get("msg") == "error":
        return f"{request}: refused ({reply.get('code')}: {reply.get('text')})"
    if reply.get("msg") != f"{msg}.ok" or reply.get("dev") != dev:
        return f"{request}: answered {reply.get('dev')}.{reply.get('msg')}, not {dev}.{msg}.ok"
    fields = {k: v for k, v in reply.items() if k not in ("dev", "msg", "seq")}
    for name, kind in schema.items():
        if name not in fields:
            return f"{request}: reply lacks {name}"
        problem = kind_problem(fields[name], kind)
        if problem is not None:
            return f"{request}: {name} {problem}"
    extra = sorted(set(fields) - set(schema))
    if extra:
        return f"{request}: reply has undocumented field {extra[0]}"
    return None


def unit_problem(request: str, name: str, vector: list[float]) -> str | None:
    """Why `vector` (a valid reading's unit vector or quaternion) is not of unit length, or None."""
    norm = math.sqrt(sum(x * x for x in vector))
    if abs(norm - 1.0) > _UNIT_NORM_TOLERANCE:
        return f"{request}: {name} of a valid reading must have unit length, got |{name}| = {norm:.6g}"
    return None


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


BOARD_IDENTITY = {"identity": TEXT, "board_id": TEXT, "protocol": UINT, "devices": TEXTS}
BOARD_STATUS = {
    "configured": BOOL,
    "watchdog_s": FLOAT,
    "watchdog_tripped": BOOL,
    "watchdog_trips": UINT,
    "config_mismatches": UINT,
}
