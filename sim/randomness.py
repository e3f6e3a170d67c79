"""Seeding: one generator per model, derived from the scenario seed and the model's name.

Deriving by name (not by creation order) means that adding a device never shifts the draws of another.
"""

import hashlib

import numpy as np

from native import ffi, lib


def model_seed(seed: int, name: str) -> np.random.SeedSequence:
    """The seed sequence of the model called `name` in a run seeded with `seed`."""
    key = int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "little")
    return np.random.SeedSequence(entropy=seed, spawn_key=(key,))


def seed_generator(rng, seq: np.random.SeedSequence) -> None:
    """Seed a C `zk_rng` (a struct member or pointer) from a numpy seed sequence."""
    state = ffi.new("uint64_t[4]", [int(x) for x in seq.generate_state(4, np.uint64)])
    target = rng if ffi.typeof(rng).kind == "pointer" else ffi.addressof(rng)
    lib.zk_rng_seed(target, state)
