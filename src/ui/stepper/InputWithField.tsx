/** The input image with a unit's receptive field drawn on it as a rectangle. */
import { MapCanvas } from '../MapCanvas';
import { imageScale, upscale } from '../scales';
import type { FieldRect } from './receptiveField';
import { fieldText } from './UnitCard';

const IMAGE = imageScale();
const WIDTH = 140;

export function InputWithField({ image, height, width, field, caption }: { image: ArrayLike<number>; height: number; width: number; field: FieldRect | null; caption: string }) {
  const k = upscale(width, WIDTH);
  return (
    <div className="input-field">
      <MapCanvas data={image} height={height} width={width} scale={IMAGE} label={`Input image${field ? `; receptive field ${fieldText(field)}` : ''}`} caption={caption} displayWidth={WIDTH} kind="step-input" />
      {field && (
        <span
          className="field-rect"
          aria-hidden="true"
          data-testid="receptive-field"
          data-y0={field.y0}
          data-x0={field.x0}
          data-y1={field.y1}
          data-x1={field.x1}
          style={{ left: 1 + field.x0 * k, top: 1 + field.y0 * k, width: (field.x1 - field.x0 + 1) * k, height: (field.y1 - field.y0 + 1) * k }}
        />
      )}
    </div>
  );
}
