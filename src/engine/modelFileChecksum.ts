/**
 * The model file's checksums (docs/MODEL_FORMAT.md, "Checksums"): CRC-32 over the tensor data, and
 * the header's own CRC-32 in its two versions.
 *
 * Version 2 (written now) checksums the header's bytes exactly as they stand in the file, so that a
 * reader in any language reproduces it without a JSON library that spells numbers as JavaScript
 * does. The header starts with the fixed 23 bytes `{"checksum":{"header":"`, then the CRC as 8
 * lowercase hex digits, then `"`. The CRC is taken over all H header bytes with those 8 digits
 * read as eight ASCII "0" (0x30): the field's own value is a fixed-width placeholder while it is
 * computed, and is written into the same 8 bytes afterwards, so no byte moves.
 *
 * Version 1 (older files, still read) checksummed `JSON.stringify(header)` with `checksum.header`
 * left out: a JavaScript re-serialisation, which other languages spell differently (Python writes
 * 0.0000625 as 6.25e-05). It is kept only to read those files.
 */

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE 802.3, as zip, PNG and Python's zlib.crc32): detects any burst error up to 32 bits. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** The first bytes of every version-2 header; the header CRC's 8 hex digits follow, then `"`. */
export const HEADER_CRC_LEAD = '{"checksum":{"header":"';
/** Header-relative offset of the 8 hex digits (file offset 16 + 23 = 39). */
export const HEADER_CRC_AT = HEADER_CRC_LEAD.length;
export const HEADER_CRC_DIGITS = 8;
const ZERO = 0x30;

/** The CRC as stored: 8 lowercase hex digits, most significant first. */
export const crcHex = (crc: number): string => (crc >>> 0).toString(16).padStart(HEADER_CRC_DIGITS, '0');

/**
 * Whether raw header bytes have the version-2 lead: `{"checksum":{"header":"`, 8 lowercase hex
 * digits, `"`. Returns the digits, or null.
 */
export function storedHeaderCrc(raw: Uint8Array): string | null {
  const end = HEADER_CRC_AT + HEADER_CRC_DIGITS;
  if (raw.length < end + 1) return null;
  for (let i = 0; i < HEADER_CRC_AT; i++) if (raw[i] !== HEADER_CRC_LEAD.charCodeAt(i)) return null;
  let digits = '';
  for (let i = HEADER_CRC_AT; i < end; i++) {
    const c = raw[i];
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return null;
    digits += String.fromCharCode(c);
  }
  return raw[end] === 0x22 ? digits : null;
}

/** Version-2 header CRC: CRC-32 of the raw header bytes with the 8 stored digits read as "0". */
export function headerCrc(raw: Uint8Array): number {
  // A copy (new Uint8Array, not slice(): a Node Buffer's slice() is a view of the same bytes, and
  // zeroing the digits in it would change the caller's file).
  const copy = new Uint8Array(raw);
  copy.fill(ZERO, HEADER_CRC_AT, HEADER_CRC_AT + HEADER_CRC_DIGITS);
  return crc32(copy);
}

/**
 * Writes the header CRC into header bytes that have the version-2 lead (any 8 digits in place,
 * e.g. "00000000"); returns a sealed copy. Throws if the lead is missing.
 */
export function sealHeader(raw: Uint8Array): Uint8Array {
  if (storedHeaderCrc(raw) === null) throw new Error(`a version-2 header must begin with ${HEADER_CRC_LEAD} and 8 hex digits`);
  const out = new Uint8Array(raw);
  const hex = crcHex(headerCrc(raw));
  for (let i = 0; i < HEADER_CRC_DIGITS; i++) out[HEADER_CRC_AT + i] = hex.charCodeAt(i);
  return out;
}

/**
 * Version-1 header CRC: CRC-32 of the UTF-8 of JSON.stringify(header) with checksum.header left
 * out, keys in the file's order. For the files this app wrote, that text is the stored header with
 * `,"header":N` cut from the checksum object (what the Python verifier does).
 */
export function legacyHeaderChecksum(header: Record<string, unknown>): number {
  const { header: _omit, ...rest } = header.checksum as Record<string, unknown>;
  return crc32(new TextEncoder().encode(JSON.stringify({ ...header, checksum: rest })));
}
