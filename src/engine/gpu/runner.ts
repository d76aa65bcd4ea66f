/**
 * The one path by which kernels run. Pipelines and shader modules are cached per device; a
 * `Step` is one dispatch site of a kernel with its buffers fixed: it owns its uniform buffer and
 * bind group (built once), takes its parameters from a builder of params.ts and encodes one
 * dispatch. Nothing here reads back from the GPU.
 */
import { DIMS_BYTES, writeDims } from './dims';
import { GRID_ROW, KERNELS, WORKGROUP, familySource, pipelineConstants, type KernelDesc } from './kernels';
import type { KernelParams } from './params';
import { StagingPool } from './staging';

interface DeviceCache {
  modules: Map<string, GPUShaderModule>;
  layouts: Map<string, GPUBindGroupLayout>;
  pipelines: Map<string, GPUComputePipeline>;
}

const caches = new WeakMap<GPUDevice, DeviceCache>();

function cacheFor(device: GPUDevice): DeviceCache {
  let c = caches.get(device);
  if (!c) {
    c = { modules: new Map(), layouts: new Map(), pipelines: new Map() };
    caches.set(device, c);
  }
  return c;
}

function moduleFor(device: GPUDevice, family: string): GPUShaderModule {
  const c = cacheFor(device);
  let m = c.modules.get(family);
  if (!m) {
    m = device.createShaderModule({ label: `drmm.${family}.wgsl`, code: familySource(family) });
    c.modules.set(family, m);
  }
  return m;
}

function layoutFor(device: GPUDevice, desc: KernelDesc): GPUBindGroupLayout {
  const c = cacheFor(device);
  let l = c.layouts.get(desc.name);
  if (!l) {
    l = device.createBindGroupLayout({
      label: `drmm.${desc.name}.layout`,
      entries: [
        { binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform' } },
        ...desc.bindings.map((a, i) => ({
          binding: i + 1,
          visibility: GPUShaderStage.COMPUTE,
          buffer: { type: a === 'read' ? ('read-only-storage' as const) : ('storage' as const) },
        })),
      ],
    });
    c.layouts.set(desc.name, l);
  }
  return l;
}

function pipelineDescriptor(device: GPUDevice, desc: KernelDesc): GPUComputePipelineDescriptor {
  return {
    label: `drmm.${desc.name}`,
    layout: device.createPipelineLayout({ label: `drmm.${desc.name}.pipelineLayout`, bindGroupLayouts: [layoutFor(device, desc)] }),
    compute: { module: moduleFor(device, desc.family), entryPoint: desc.entry, constants: pipelineConstants(desc) },
  };
}

export function pipelineFor(device: GPUDevice, desc: KernelDesc): GPUComputePipeline {
  const c = cacheFor(device);
  let p = c.pipelines.get(desc.name);
  if (!p) {
    p = device.createComputePipeline(pipelineDescriptor(device, desc));
    c.pipelines.set(desc.name, p);
  }
  return p;
}

/** Compiles kernels' pipelines (default: the whole table) without blocking (createComputePipelineAsync), once per device. */
export async function preparePipelines(device: GPUDevice, descs: readonly KernelDesc[] = Object.values(KERNELS)): Promise<void> {
  const c = cacheFor(device);
  await Promise.all(
    descs.map(async (desc) => {
      if (c.pipelines.has(desc.name)) return;
      const p = await device.createComputePipelineAsync(pipelineDescriptor(device, desc));
      c.pipelines.set(desc.name, p);
    }),
  );
}

/** Workgroup grid for `total` threads: WORKGROUP threads a group, at most GRID_ROW groups a row, as many rows as needed. */
export function gridFor(total: number): [number, number] {
  const groups = Math.max(1, Math.ceil(total / WORKGROUP));
  const x = Math.min(groups, GRID_ROW);
  return [x, Math.ceil(groups / x)];
}

export class Step {
  readonly desc: KernelDesc;
  private readonly device: GPUDevice;
  private readonly uniform: GPUBuffer;
  private readonly bindGroup: GPUBindGroup;
  private readonly pipeline: GPUComputePipeline;
  private readonly words = new Uint32Array(DIMS_BYTES / 4);
  private last = '';
  private total = 0;

  constructor(device: GPUDevice, desc: KernelDesc, buffers: GPUBuffer[], label: string) {
    if (buffers.length !== desc.bindings.length)
      throw new Error(`${desc.name}: expected ${desc.bindings.length} buffers, got ${buffers.length}`);
    this.device = device;
    this.desc = desc;
    this.pipeline = pipelineFor(device, desc);
    this.uniform = device.createBuffer({ label: `${label}.dims`, size: DIMS_BYTES, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    this.bindGroup = device.createBindGroup({
      label: `${label}.bindGroup`,
      layout: layoutFor(device, desc),
      entries: [{ binding: 0, resource: { buffer: this.uniform } }, ...buffers.map((b, i) => ({ binding: i + 1, resource: { buffer: b } }))],
    });
  }

  /**
   * Sets the parameters for the next submit (a queue write, ordered before that submit): built by
   * the params.ts builder of this kernel's kind, any other is refused.
   */
  setDims(p: KernelParams): this {
    if (p.kind !== this.desc.params) throw new Error(`${this.desc.name} takes ${this.desc.params} parameters, not ${p.kind}`);
    const d = p.dims;
    writeDims(d, this.words);
    const key = this.words.join(',');
    if (key !== this.last) {
      this.device.queue.writeBuffer(this.uniform, 0, this.words);
      this.last = key;
    }
    this.total = d.total;
    return this;
  }

  encode(pass: GPUComputePassEncoder): void {
    if (this.total === 0) return;
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, this.bindGroup);
    const [x, y] = this.desc.single ? [1, 1] : gridFor(this.total);
    pass.dispatchWorkgroups(x, y);
  }

  destroy(): void {
    this.uniform.destroy();
  }
}

/** Creates a labelled storage buffer (size rounded up to 4 bytes, at least 4). */
export function storageBuffer(device: GPUDevice, label: string, bytes: number, extraUsage = 0): GPUBuffer {
  return device.createBuffer({
    label,
    size: Math.max(4, Math.ceil(bytes / 4) * 4),
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST | extraUsage,
  });
}

/**
 * The GPU objects one owner (an engine, a trainer) creates: labelled buffers, kernel steps and a
 * staging pool for read-back, all released by one `destroy()`.
 */
export class GpuOwner {
  readonly staging: StagingPool;
  private readonly buffers: GPUBuffer[] = [];
  private readonly steps: Step[] = [];
  private released = false;

  constructor(readonly device: GPUDevice, readonly label: string) {
    this.staging = new StagingPool(device, `${label}.staging`);
  }

  /** A labelled storage buffer of `elems` 32-bit values. */
  buffer(name: string, elems: number): GPUBuffer {
    const b = storageBuffer(this.device, `${this.label}.${name}`, elems * 4);
    this.buffers.push(b);
    return b;
  }

  step(desc: KernelDesc, buffers: GPUBuffer[], name: string): Step {
    const s = new Step(this.device, desc, buffers, `${this.label}.${name}`);
    this.steps.push(s);
    return s;
  }

  get destroyed(): boolean {
    return this.released;
  }

  destroy(): void {
    if (this.released) return;
    this.released = true;
    for (const s of this.steps) s.destroy();
    for (const b of this.buffers) b.destroy();
    this.staging.destroy();
  }
}
