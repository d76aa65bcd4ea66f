/**
 * Read-back on request only: copies ranges of several buffers into one pooled MAP_READ staging
 * buffer inside one command encoder, maps it once and returns a copy of each range. Staging
 * buffers are reused (grown when too small) and destroyed with the pool.
 */
export interface ReadRange {
  buffer: GPUBuffer;
  /** Byte offset and byte length; both multiples of 4. */
  offset: number;
  size: number;
}

export class StagingPool {
  private free: GPUBuffer[] = [];
  private all = new Set<GPUBuffer>();
  constructor(private readonly device: GPUDevice, private readonly label = 'drmm.staging') {}

  private acquire(size: number): GPUBuffer {
    const i = this.free.findIndex((b) => b.size >= size);
    if (i >= 0) return this.free.splice(i, 1)[0];
    const b = this.device.createBuffer({ label: `${this.label}.${this.all.size}`, size: Math.max(256, size), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    this.all.add(b);
    return b;
  }

  async read(ranges: ReadRange[]): Promise<ArrayBuffer[]> {
    let total = 0;
    const offsets = ranges.map((r) => {
      if (r.offset % 4 || r.size % 4) throw new Error('read ranges must be multiples of 4 bytes');
      const o = total;
      total += r.size;
      return o;
    });
    const staging = this.acquire(Math.max(4, total));
    const enc = this.device.createCommandEncoder({ label: `${this.label}.copy` });
    ranges.forEach((r, i) => {
      if (r.size > 0) enc.copyBufferToBuffer(r.buffer, r.offset, staging, offsets[i], r.size);
    });
    this.device.queue.submit([enc.finish()]);
    try {
      await staging.mapAsync(GPUMapMode.READ, 0, Math.max(4, total));
      const mapped = staging.getMappedRange(0, Math.max(4, total));
      const out = ranges.map((r, i) => mapped.slice(offsets[i], offsets[i] + r.size));
      staging.unmap();
      this.free.push(staging);
      return out;
    } catch (e) {
      this.all.delete(staging);
      staging.destroy();
      throw e;
    }
  }

  destroy(): void {
    for (const b of this.all) b.destroy();
    this.all.clear();
    this.free = [];
  }
}
