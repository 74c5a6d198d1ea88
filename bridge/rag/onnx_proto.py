"""The few messages of onnx.proto that ``e5_onnx.build_model`` writes, serialised by hand (proto2 wire
format; field numbers from onnx/onnx.proto), so building the graph needs neither the ``onnx`` package
(~20 MB more resident memory in the web process) nor a model file on disk. onnxruntime parses and checks
the result when the session is created."""

from __future__ import annotations

import struct

import numpy as np


def varint(n: int) -> bytes:
    n &= 0xFFFFFFFFFFFFFFFF
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def field(number: int, payload: bytes | str) -> bytes:
    data = payload.encode() if isinstance(payload, str) else payload
    return varint(number << 3 | 2) + varint(len(data)) + data


def int_field(number: int, value: int) -> bytes:
    return varint(number << 3) + varint(value)


_DTYPES = {np.dtype(np.float32): 1, np.dtype(np.uint8): 2, np.dtype(np.int64): 7}


def tensor(name: str, array: np.ndarray) -> bytes:  # TensorProto
    array = np.ascontiguousarray(array)
    return (b"".join(int_field(1, d) for d in array.shape) + int_field(2, _DTYPES[array.dtype])
            + field(8, name) + field(9, array.astype(array.dtype.newbyteorder("<"), copy=False).tobytes()))


def attribute(name: str, value: int | float | list[int]) -> bytes:  # AttributeProto
    if isinstance(value, list):
        return field(1, name) + b"".join(int_field(8, v) for v in value) + int_field(20, 7)
    if isinstance(value, float):
        return field(1, name) + varint(2 << 3 | 5) + struct.pack("<f", value) + int_field(20, 1)
    return field(1, name) + int_field(3, value) + int_field(20, 2)


def node(op: str, inputs: list[str], outputs: list[str], domain: str = "", **attrs) -> bytes:  # NodeProto
    return (b"".join(field(1, i) for i in inputs) + b"".join(field(2, o) for o in outputs)
            + field(3, outputs[0]) + field(4, op) + (field(7, domain) if domain else b"")
            + b"".join(field(5, attribute(k, v)) for k, v in attrs.items()))


def value_info(name: str, dims: list[int | str]) -> bytes:  # ValueInfoProto of a float tensor
    shape = b"".join(field(1, field(2, d) if isinstance(d, str) else int_field(1, d)) for d in dims)
    return field(1, name) + field(2, field(1, int_field(1, 1) + field(2, shape)))
