#!/usr/bin/env python3
"""Checks a .drmm model file's two CRC-32s (docs/MODEL_FORMAT.md). Standard library only.
Usage: python3 scripts/verify-model.py FILE...  (exit status 1 if any file fails)"""
import json, re, struct, sys, zlib

LEAD = b'{"checksum":{"header":"'  # a version-2 header starts with these 23 bytes, then 8 hex digits, then '"'

def verify(b):
    if b[:8] != b'DRMMODEL':
        raise ValueError('not a DRMM model file (magic)')
    version, h = struct.unpack_from('<II', b, 8)
    raw = b[16:16 + h]
    header = json.loads(raw.decode('utf-8'))
    ck = header['checksum']
    if version == 2:  # CRC-32 of the header bytes as stored, its own 8 digits read as "00000000"
        if raw[:23] != LEAD or raw[31:32] != b'"' or not re.fullmatch(rb'[0-9a-f]{8}', raw[23:31]):
            raise ValueError('version-2 header does not begin with the checksum lead')
        said, got = int(raw[23:31], 16), zlib.crc32(raw[:23] + b'00000000' + raw[31:])
    elif version == 1:  # CRC-32 of JSON.stringify(header) without checksum.header; for files this
        # app wrote, that is the stored text with ',"header":N' cut from the checksum object
        m = re.search(rb'"checksum":\{"algorithm":"crc32","value":\d+(,"header":\d+)\}', raw)
        if not m:
            raise ValueError('version-1 header not as this app writes it: verify with the app')
        said, got = ck['header'], zlib.crc32(raw[:m.start(1)] + raw[m.end(1):])
    else:
        raise ValueError(f'unknown version {version}')
    if got != said:
        raise ValueError(f'header CRC-32 is {got:08x}, the header says {said:08x}')
    data = b[16 + (h + 3) // 4 * 4:]
    if zlib.crc32(data) != ck['value'] or len(data) != 4 * sum(t['length'] for t in header['tensors']):
        raise ValueError('tensor data does not match its CRC-32 or its declared size')
    return version, header, got

if __name__ == '__main__':
    failed = 0
    for path in sys.argv[1:]:
        try:
            version, header, crc = verify(open(path, 'rb').read())
            print(f"{path}: ok, version {version}, kind {header.get('kind', 'drmm')}, "
                  f"{len(header['tensors'])} tensors, header CRC-32 {crc:08x}")
        except (ValueError, KeyError, TypeError, UnicodeDecodeError, struct.error) as e:
            failed = 1
            print(f'{path}: FAILED: {e}')
    sys.exit(failed)
