/**
 * Our network as an ONNX model, built in code from our parameters (no file, no converter), for
 * onnxruntime-web (issue 16 item 3). Graph per level: Conv (W [C, Cin, k, k] and b, our layout and
 * cross-correlation, which is what ONNX's Conv computes; pads = pad on each side), Relu, and where
 * the level pools MaxPool 2x2 stride 2 (floor: a trailing odd row/column is dropped, as ours);
 * then the read-out, Flatten (dense) or GlobalAveragePool + Flatten (gap), Gemm with mu
 * (transB = 1) and b_c; outputs `scores` and `probs` (Softmax). The batch dimension is symbolic.
 *
 * The protobuf is written by hand: the fields of onnx.proto3 used here, by number (ModelProto
 * ir_version 1, graph 7, opset_import 8; GraphProto node 1, name 2, initializer 5, input 11,
 * output 12; NodeProto input 1, output 2, name 3, op_type 4, attribute 5; AttributeProto name 1,
 * i 3, ints 8, type 20; TensorProto dims 1, data_type 2, name 8, raw_data 9; ValueInfoProto name 1,
 * type 2; TypeProto tensor_type 1; Tensor elem_type 1, shape 2; TensorShapeProto dim 1;
 * Dimension dim_value 1, dim_param 2).
 */
import { shapesOf, type ModelParams, type ModelSpec } from '../src/engine/model';

class Writer {
  private bytes: number[] = [];
  varint(v: number): this {
    let x = BigInt(v);
    if (x < 0n) x += 1n << 64n;
    do {
      let b = Number(x & 0x7fn);
      x >>= 7n;
      if (x > 0n) b |= 0x80;
      this.bytes.push(b);
    } while (x > 0n);
    return this;
  }
  key(field: number, wire: number): this {
    return this.varint((field << 3) | wire);
  }
  int(field: number, v: number): this {
    return this.key(field, 0).varint(v);
  }
  bytesField(field: number, b: Uint8Array): this {
    this.key(field, 2).varint(b.length);
    for (const x of b) this.bytes.push(x);
    return this;
  }
  str(field: number, s: string): this {
    return this.bytesField(field, new TextEncoder().encode(s));
  }
  msg(field: number, w: Writer): this {
    return this.bytesField(field, w.done());
  }
  done(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

const FLOAT = 1;
const ATTR_INT = 2;
const ATTR_INTS = 7;

function tensor(name: string, dims: number[], data: Float32Array): Writer {
  const w = new Writer();
  for (const d of dims) w.int(1, d);
  w.int(2, FLOAT).str(8, name);
  return w.bytesField(9, new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)));
}

function attrInts(name: string, v: number[]): Writer {
  const w = new Writer().str(1, name);
  for (const x of v) w.int(8, x);
  return w.int(20, ATTR_INTS);
}

const attrInt = (name: string, v: number) => new Writer().str(1, name).int(3, v).int(20, ATTR_INT);

function node(op: string, inputs: string[], outputs: string[], name: string, attrs: Writer[] = []): Writer {
  const w = new Writer();
  for (const i of inputs) w.str(1, i);
  for (const o of outputs) w.str(2, o);
  w.str(3, name).str(4, op);
  for (const a of attrs) w.msg(5, a);
  return w;
}

/** A float tensor's value info; 'N' is the symbolic batch. */
function valueInfo(name: string, dims: (number | 'N')[]): Writer {
  const shape = new Writer();
  for (const d of dims) shape.msg(1, typeof d === 'number' ? new Writer().int(1, d) : new Writer().str(2, d));
  const tt = new Writer().int(1, FLOAT).msg(2, shape);
  return new Writer().str(1, name).msg(2, new Writer().msg(1, tt));
}

/** The ONNX model's bytes (opset 17, IR version 8). */
export function buildOnnxModel(spec: ModelSpec, params: ModelParams): Uint8Array {
  const sh = shapesOf(spec);
  const g = new Writer().str(2, 'drmm');
  const nodes: Writer[] = [];
  const inits: Writer[] = [];
  let x = 'images';
  sh.levels.forEach((l, i) => {
    const id = `l${i + 1}`;
    inits.push(tensor(`${id}.W`, [l.c, l.cin, l.k, l.k], params.weights[i]), tensor(`${id}.b`, [l.c], params.biases[i]));
    nodes.push(node('Conv', [x, `${id}.W`, `${id}.b`], [`${id}.u`], `${id}.conv`, [attrInts('kernel_shape', [l.k, l.k]), attrInts('pads', [l.pad, l.pad, l.pad, l.pad]), attrInts('strides', [1, 1])]));
    nodes.push(node('Relu', [`${id}.u`], [`${id}.r`], `${id}.relu`));
    x = `${id}.r`;
    if (l.pool) {
      nodes.push(node('MaxPool', [x], [`${id}.x`], `${id}.pool`, [attrInts('kernel_shape', [2, 2]), attrInts('strides', [2, 2])]));
      x = `${id}.x`;
    }
  });
  if (spec.readout === 'gap') {
    nodes.push(node('GlobalAveragePool', [x], ['gap'], 'gap'));
    x = 'gap';
  }
  nodes.push(node('Flatten', [x], ['feat'], 'flatten', [attrInt('axis', 1)]));
  inits.push(tensor('mu', [spec.classes, sh.templateLength], params.mu), tensor('bc', [spec.classes], params.classBias));
  nodes.push(node('Gemm', ['feat', 'mu', 'bc'], ['scores'], 'readout', [attrInt('transB', 1)]));
  nodes.push(node('Softmax', ['scores'], ['probs'], 'softmax', [attrInt('axis', 1)]));
  for (const n of nodes) g.msg(1, n);
  for (const t of inits) g.msg(5, t);
  g.msg(11, valueInfo('images', ['N', spec.input.channels, spec.input.height, spec.input.width]));
  g.msg(12, valueInfo('scores', ['N', spec.classes]));
  g.msg(12, valueInfo('probs', ['N', spec.classes]));
  return new Writer().int(1, 8).msg(7, g).msg(8, new Writer().str(1, '').int(2, 17)).done();
}
