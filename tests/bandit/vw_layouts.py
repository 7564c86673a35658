"""Hand-made Vowpal Wabbit model headers in the layouts VW 7, 8 and 9 read, around a real
model's weights: what an attacker who can write a checkpoint row would try."""

from __future__ import annotations

import struct


def _string(text: bytes) -> bytes:
    return struct.pack("<I", len(text)) + text


def _blocks(model: bytes) -> tuple[int, int, int]:
    """Where a VW 9 model's version block ends, its id block ends, and its header ends."""
    (version_length,) = struct.unpack_from("<I", model, 0)
    after_version = 4 + version_length
    (id_length,) = struct.unpack_from("<I", model, after_version)
    after_id = after_version + 4 + id_length
    at = after_id + 1 + 8 + 16
    (options_length,) = struct.unpack_from("<I", model, at)
    return after_version, after_id, at + 4 + options_length + 4  # and the checksum


def weights(model: bytes) -> bytes:
    """The model without its header: what the reductions read."""
    return model[_blocks(model)[2] :]


def layout_9(
    model: bytes, options: str, *, version: bytes = b"9.10.0", model_id: bytes = b""
) -> bytes:
    """VW 8.0.3+ and 9's layout (version, id, 'm', labels, bits, lda, ngrams, skips,
    options, checksum). The checksum is left as it was: a reader that skips it would not
    notice."""
    _, after_id, end = _blocks(model)
    fixed = model[after_id : after_id + 1 + 8 + 16]
    return (
        _string(version + b"\0")
        + _string(model_id + b"\0")
        + fixed
        + _string(options.encode() + b"\0")
        + model[end - 4 : end]
        + weights(model)
    )


def layout_7(model: bytes, options: str, *, version: bytes = b"7.6.0") -> bytes:
    """VW 7.6-7.8's layout: no id, pairs and triples listed, rank in the header, no
    checksum."""
    header = _string(version + b"\0") + b"m" + struct.pack("<ff", 0.0, 0.0)
    header += struct.pack("<IIIIIII", 18, 0, 0, 0, 0, 0, 0)  # bits, pairs, triples, rank, lda, ...
    return header + _string(options.encode() + b"\0") + weights(model)


def polyglot(model: bytes, options: str) -> bytes:
    """One blob, two readings: VW reads a 7.6 header carrying ``options``; a reader of VW 9's
    layout that trusts it sees the 9 header of ``model``, harmless, hidden in what VW 7.6
    reads as the rest of its options string (after the NUL that ends them for VW).

    Both start with the version; VW 9's id length is then read from the 7.6 header's 'm'
    and the three zero bytes after it: 109 bytes of 'id' that hold the 7.6 header's fields
    and the start of its options."""
    version = _string(b"7.6.0\0")
    old = b"m" + struct.pack("<ff", 0.0, 0.0) + struct.pack("<IIIIIII", 18, 0, 0, 0, 0, 0, 0)
    assert old[:4] == b"m\0\0\0"  # 9's id length: 0x6d = 109
    _, after_id, end = _blocks(model)
    nine = model[after_id:end]
    evil = options.encode() + b"\0"
    filler = len(version) + 4 + 109 - (len(version) + len(old) + 4) - len(evil)
    assert filler >= 0, "options too long to hide in the id"
    block = evil + b"\0" * filler + nine
    return version + old + _string(block) + weights(model)
