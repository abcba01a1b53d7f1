#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
# Writes the seed inputs of the vhost-user-fs harnesses (fuse/, virtq/):
# a FUSE session as the guest's virtio-fs driver sends it, in the input
# formats described in vhost-user-fs/fuzz_fuse.c and fuzz_virtq.c.
# Run from this directory; the seeds are committed, crash inputs beside them.
import struct

INIT, LOOKUP, FORGET, GETATTR, OPEN, READ, STATFS = 26, 1, 2, 3, 14, 15, 17
OPENDIR, READDIR, DESTROY, BATCH_FORGET = 27, 28, 38, 42


def ih(op, arglen, unique, nodeid):
    """struct fuse_in_header (40 bytes)."""
    return struct.pack('<IIQQIIIHH', 40 + arglen, op, unique, nodeid, 0, 0, 0, 0, 0)


READ_IN = struct.pack('<QQIIQII', 0, 0, 4096, 0, 0, 0, 0)
REQS = [
    (INIT, 0, struct.pack('<IIII', 7, 37, 65536, 0) + bytes(48)),
    (LOOKUP, 1, b'sub\0'),
    (GETATTR, 2, bytes(16)),
    (OPENDIR, 2, bytes(8)),
    (READDIR, 2, READ_IN),
    (LOOKUP, 2, b'hello\0'),
    (OPEN, 3, bytes(8)),
    (READ, 3, READ_IN),
    (STATFS, 1, b''),
    (FORGET, 3, struct.pack('<Q', 1)),
    (BATCH_FORGET, 0, struct.pack('<IIQQ', 1, 0, 2, 1)),
    (DESTROY, 0, b''),
]


def fuse_input(reqs, room_sel=12):
    out = b''
    for u, (op, node, arg) in enumerate(reqs, 1):
        r = ih(op, len(arg), u, node) + arg
        out += bytes([room_sel]) + struct.pack('<H', len(r)) + r
    return out


def virtq_input(chains, num=64):
    """Region A: descriptors at 0, avail ring at 0x1000, buffers from 0x3000."""
    mem = bytearray(0x8000)
    d, buf, heads = 0, 0x3000, []
    for chain in chains:
        heads.append(d)
        for j, part in enumerate(chain):
            flags = 0 if j == len(chain) - 1 else 1          # NEXT
            if isinstance(part, bytes):
                mem[buf:buf + len(part)] = part
                n = len(part)
            else:
                n, flags = part, flags | 2                   # WRITE
            struct.pack_into('<QIHH', mem, 16 * d, buf, n, flags, d + 1)
            buf += (n + 63) & ~63
            d += 1
    struct.pack_into('<HH', mem, 0x1000, 0, len(heads))
    for k, h in enumerate(heads):
        struct.pack_into('<H', mem, 0x1004 + 2 * k, h)
    return struct.pack('<BBBBHH', num.bit_length() - 1, 0, 0, 0, 0, 0) + bytes(mem)


def write(name, data):
    with open(name, 'wb') as f:
        f.write(data)


write('fuse/session', fuse_input(REQS))
# Reply room of only the out header (16 bytes), then 136 bytes.
write('fuse/small-rooms', fuse_input(REQS[:6], 3) + fuse_input(REQS[:3], 10))
write('fuse/accounting-bad', fuse_input(
    REQS[:2] + [(FORGET, 2, struct.pack('<Q', 1)), (GETATTR, 2, bytes(16)),
                (FORGET, 2, struct.pack('<Q', 5))]))

chains = [[ih(op, len(arg), u, node)] + ([arg] if arg else []) + [16, 256]
          for u, (op, node, arg) in enumerate(REQS[:9], 1)]
write('virtq/session', virtq_input(chains))
loop = bytearray(virtq_input([[ih(STATFS, 0, 1, 1), 16]]))
# Descriptor 1 (writable) chains to itself.
struct.pack_into('<QIHH', loop, 8 + 16, 0x3040, 16, 1 | 2, 1)
write('virtq/desc-loop', bytes(loop))

# Regression inputs: hostile requests the server must refuse without reading
# or writing beyond them (issue 15 lists them as held; a dropped check makes
# ASan report these, tests/t0720-fuzz-replay.sh shows it).
write('fuse/regress-batch-forget-count', fuse_input(
    REQS[:2] + [(BATCH_FORGET, 0, struct.pack('<IIQQ', 100000, 0, 2, 1))]))
write('fuse/regress-lookup-no-nul', fuse_input(REQS[:1] + [(LOOKUP, 1, b'sub')]))
write('fuse/regress-short-args', fuse_input(
    [(INIT, 0, struct.pack('<II', 7, 37))] + REQS[:1] +
    [(op, 1, b'') for op in (GETATTR, OPENDIR, READDIR, READ, OPEN)] +
    [(FORGET, 2, b'\1'), (BATCH_FORGET, 0, b'\1')]))
