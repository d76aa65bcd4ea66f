/**
 * An uploaded picture, from File to the 28x28 input: checked (size, type), decoded by the browser
 * at a capped size, turned into ink (ink.ts) and preprocessed as MNIST was (preprocess.ts). Every
 * failure is a message; the caller keeps the input it had.
 *
 * Why the size is capped before decoding: createImageBitmap decodes straight to the requested
 * size, so a 20000 x 20000 picture costs a 1024-pixel bitmap rather than 1.6 GB and a frozen tab.
 * The size comes from the file's header (imageSize.ts); only one side is given to the decoder, so
 * the aspect ratio survives an EXIF rotation. An animated GIF decodes to its first frame.
 */
import { fmtBytes } from '../scales';
import { rgbaToInk, type Polarity } from './ink';
import { HEADER_BYTES, cappedSize, readImageHeader, type ImageHeader } from './imageSize';
import { preprocess, type Preprocessed } from './preprocess';

export const MAX_FILE_BYTES = 50 * 1024 * 1024;
/** The longest side a picture is decoded at. */
export const MAX_SIDE = 1024;

export interface UploadedImage {
  name: string;
  /** The decoded picture (at most MAX_SIDE on its longer side), for showing the original. */
  bitmap: ImageBitmap;
  /** The file's own pixel size (null when its header was not one we read). */
  originalWidth: number | null;
  originalHeight: number | null;
  polarity: Polarity;
  result: Preprocessed;
}

export type UploadResult = { ok: true; value: UploadedImage } | { ok: false; message: string };

const RESIZE_QUALITY: ImageBitmapOptions['resizeQuality'] = 'high';

/** Options that cap the longer side at maxSide (only that side is named: the other follows the aspect ratio). */
function capOptions(width: number, height: number, maxSide: number): ImageBitmapOptions {
  const c = cappedSize(width, height, maxSide);
  if (!c.scaled) return {};
  return width >= height ? { resizeWidth: c.width, resizeQuality: RESIZE_QUALITY } : { resizeHeight: c.height, resizeQuality: RESIZE_QUALITY };
}

/** Formats createImageBitmap cannot take as a Blob (SVG): decoded through an <img> instead. */
async function decodeViaImageElement(file: File, maxSide: number): Promise<ImageBitmap> {
  const url = URL.createObjectURL(file);
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    if (!img.naturalWidth || !img.naturalHeight) throw new Error('no intrinsic size');
    return await createImageBitmap(img, capOptions(img.naturalWidth, img.naturalHeight, maxSide));
  } finally {
    URL.revokeObjectURL(url);
  }
}

async function decode(file: File, width: number | null, height: number | null, maxSide: number): Promise<ImageBitmap> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file, width && height ? capOptions(width, height, maxSide) : {});
  } catch (e) {
    if (width && height) throw e; // a known raster format that the browser cannot decode: broken
    bitmap = await decodeViaImageElement(file, maxSide);
  }
  // A header we could not read, or an EXIF rotation that swapped the sides: cap what came out.
  if (Math.max(bitmap.width, bitmap.height) > maxSide) {
    const capped = await createImageBitmap(bitmap, capOptions(bitmap.width, bitmap.height, maxSide));
    bitmap.close();
    bitmap = capped;
  }
  return bitmap;
}

/** The bitmap's RGBA bytes. */
function pixelsOf(bitmap: ImageBitmap): Uint8ClampedArray {
  const { width, height } = bitmap;
  const canvas = typeof OffscreenCanvas !== 'undefined' ? new OffscreenCanvas(width, height) : Object.assign(document.createElement('canvas'), { width, height });
  const ctx = canvas.getContext('2d', { willReadFrequently: true }) as CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null;
  if (!ctx) throw new Error('no 2D canvas to read the picture with');
  ctx.drawImage(bitmap, 0, 0);
  return ctx.getImageData(0, 0, width, height).data;
}

/**
 * The file's format and size from its header. A JPEG's frame header comes after its APPn
 * segments, and a CMYK print file's embedded ICC profile alone is often larger than HEADER_BYTES
 * (a 0.5 to 1 MB profile in 64 KB APP2 chunks); when a JPEG's first HEADER_BYTES end before its
 * frame header, the whole file (at most MAX_FILE_BYTES) is read for it, so that such a picture's
 * decode is still capped.
 */
export async function readFileHeader(file: Blob): Promise<ImageHeader | null> {
  const head = new Uint8Array(await file.slice(0, HEADER_BYTES).arrayBuffer());
  const header = readImageHeader(head);
  const jpeg = head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff;
  if (header || !jpeg || file.size <= head.length || file.size > MAX_FILE_BYTES) return header;
  return readImageHeader(new Uint8Array(await file.arrayBuffer()));
}

/** The whole path from a chosen file to the model's 28x28 input. */
export async function readUpload(file: File, maxSide = MAX_SIDE): Promise<UploadResult> {
  const name = file.name || 'The file';
  const fail = (why: string): UploadResult => ({ ok: false, message: `${name}: ${why} The current input is kept.` });
  if (file.size === 0) return fail('the file is empty (0 bytes).');
  if (file.size > MAX_FILE_BYTES) return fail(`the file is ${fmtBytes(file.size)}; pictures up to ${fmtBytes(MAX_FILE_BYTES)} are accepted.`);
  // No type, or the generic one, says nothing: the decoder decides. Any other non-image type is refused.
  if (file.type && file.type !== 'application/octet-stream' && !file.type.startsWith('image/')) return fail(`this is not an image (its type is ${file.type}). Choose a PNG, JPEG, GIF or WebP picture.`);

  const header = await readFileHeader(file);
  let bitmap: ImageBitmap;
  try {
    bitmap = await decode(file, header?.width ?? null, header?.height ?? null, maxSide);
  } catch {
    return fail(header ? `the ${header.format.toUpperCase()} data is damaged: the browser could not decode it.` : 'the browser could not decode this file as a picture.');
  }
  let rgba: Uint8ClampedArray;
  try {
    rgba = pixelsOf(bitmap);
  } catch (e) {
    bitmap.close();
    return fail(`the picture could not be read (${e instanceof Error ? e.message : String(e)}).`);
  }
  const ink = rgbaToInk(rgba, bitmap.width, bitmap.height);
  const pre = ink.ok ? preprocess(ink.value.ink, bitmap.width, bitmap.height, { stretch: true }) : ink;
  if (!ink.ok || !pre.ok) {
    bitmap.close();
    return fail(!ink.ok ? ink.message : !pre.ok ? pre.message : '');
  }
  return {
    ok: true,
    value: { name: file.name || 'upload', bitmap, originalWidth: header?.width ?? null, originalHeight: header?.height ?? null, polarity: ink.value.polarity, result: pre.value },
  };
}
