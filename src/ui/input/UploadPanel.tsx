/**
 * Upload a picture of a digit (choose a file, or drop one on the panel): the original beside the
 * 28x28 it becomes. A file that cannot be used leaves the input as it was and says why.
 */
import { useEffect, useRef, useState, type ChangeEvent, type DragEvent } from 'react';
import { MapCanvas } from '../MapCanvas';
import { imageScale } from '../scales';
import { useApp } from '../store';
import { makeCustom } from './custom';
import { FIELD } from './preprocess';
import { MAX_SIDE, readUpload, type UploadedImage } from './upload';

const IMAGE = imageScale();
/** The original is shown inside a square this many CSS pixels wide. */
const SHOW = 140;

function Original({ image }: { image: UploadedImage }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const { bitmap } = image;
  const s = Math.min(1, SHOW / Math.max(bitmap.width, bitmap.height));
  const w = Math.max(1, Math.round(bitmap.width * s));
  const h = Math.max(1, Math.round(bitmap.height * s));
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    ctx.clearRect(0, 0, w, h);
    ctx.drawImage(bitmap, 0, 0, w, h);
  }, [bitmap, w, h]);
  const size = image.originalWidth ? `${image.originalWidth} x ${image.originalHeight} px` : `${bitmap.width} x ${bitmap.height} px`;
  return (
    <figure className="map upload-original">
      <canvas ref={ref} width={w} height={h} role="img" aria-label={`The uploaded picture ${image.name}`} data-kind="upload-original" />
      <figcaption>
        Original: {image.name}, {size}
        {image.originalWidth && Math.max(image.originalWidth, image.originalHeight ?? 0) > MAX_SIDE ? ` (read at ${bitmap.width} x ${bitmap.height})` : ''}
      </figcaption>
    </figure>
  );
}

export function UploadPanel() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [uploaded, setUploaded] = useState<{ image: UploadedImage; id: number } | null>(null);
  const [dragging, setDragging] = useState(false);
  const customId = useApp((s) => s.custom?.id ?? null);
  const setCustom = useApp((s) => s.setCustom);
  // The newest request wins: a slow decode that finishes after a later choice is dropped.
  const request = useRef(0);
  const shownBitmap = useRef<ImageBitmap | null>(null);
  useEffect(() => () => shownBitmap.current?.close(), []);

  const take = async (file: File | undefined) => {
    if (!file) return;
    const mine = ++request.current;
    setBusy(true);
    setError(null);
    const got = await readUpload(file);
    if (mine !== request.current) {
      if (got.ok) got.value.bitmap.close();
      return;
    }
    setBusy(false);
    if (!got.ok) {
      setError(got.message);
      return;
    }
    const custom = makeCustom('upload', got.value.name, got.value.result.pixels);
    shownBitmap.current?.close(); // the old picture's canvas keeps its pixels; its bitmap is no longer needed
    shownBitmap.current = got.value.bitmap;
    setUploaded({ image: got.value, id: custom.id });
    setCustom(custom);
  };

  const onChange = (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    e.target.value = ''; // choosing the same file again is a new choice
    void take(file);
  };
  const onDrop = (e: DragEvent<HTMLDivElement>) => {
    e.preventDefault();
    setDragging(false);
    void take(e.dataTransfer.files[0]);
  };

  const reuse = () => {
    if (!uploaded) return;
    const custom = makeCustom('upload', uploaded.image.name, uploaded.image.result.pixels);
    setUploaded({ ...uploaded, id: custom.id });
    setCustom(custom);
  };

  const r = uploaded?.image.result;
  return (
    <div
      className={dragging ? 'upload dragging' : 'upload'}
      onDragOver={(e) => {
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={onDrop}
    >
      <div className="upload-pick">
        <label className="file-label">
          Choose a picture of a digit
          <input type="file" accept="image/*" onChange={onChange} data-testid="upload-file" />
        </label>
        <p className="dim small">
          Or drop one here. Any size and any format the browser reads (PNG, JPEG, GIF: its first frame, WebP…). Dark ink on light paper is inverted
          to MNIST’s light ink on black; it is then cropped, scaled and centred as for a drawing.
        </p>
        {busy && (
          <p className="dim small" role="status">
            Reading the picture…
          </p>
        )}
        {error && (
          <p className="notice error small" role="alert" data-testid="upload-error">
            {error}
          </p>
        )}
        {uploaded && customId !== uploaded.id && (
          <button type="button" onClick={reuse}>
            Use {uploaded.image.name} again
          </button>
        )}
      </div>
      {uploaded && r && (
        <div className="upload-result" data-testid="upload-result" data-name={uploaded.image.name} data-polarity={uploaded.image.polarity}>
          <Original image={uploaded.image} />
          <span className="arrow" aria-hidden="true">
            →
          </span>
          <MapCanvas
            data={r.pixels}
            height={FIELD}
            width={FIELD}
            scale={IMAGE}
            label={`${uploaded.image.name} preprocessed to 28 x 28`}
            caption={`28 x 28 input (${uploaded.image.polarity === 'dark-on-light' ? 'dark ink on light paper, inverted' : 'light ink on dark'})`}
            displayWidth={112}
            kind="upload-preview"
          />
        </div>
      )}
    </div>
  );
}
