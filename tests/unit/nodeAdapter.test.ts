/**
 * How scripts/lib/nodeAdapter.ts names what Dawn reports, which decides the Node adapter (the Mesa
 * version gate cannot be met by a real old lavapipe on this machine). The strings are those Dawn
 * 0.6.2 reported here for lavapipe and SwiftShader; the others follow the same fields.
 */
import { describe, expect, it } from 'vitest';
import { classifyAdapter, lavapipeUsable } from '../../scripts/lib/nodeAdapter';

const info = (vendor: string, architecture: string, device: string, description: string) =>
  ({ vendor, architecture, device, description }) as GPUAdapterInfo;

describe('classifyAdapter', () => {
  it('names lavapipe with its Mesa major version, and accepts it from Mesa 24 on', () => {
    const lvp = classifyAdapter(info('mesa', 'software', 'llvmpipe-llvm-15-0-6-256-bits-', 'llvmpipe: Mesa 25.0.7-2~bpo12+1 (LLVM 15.0.6) 0.0.1'), true);
    expect(lvp).toEqual({ kind: 'lavapipe', mesa: 25 });
    expect(lavapipeUsable(lvp)).toBe(true);
    const old = classifyAdapter(info('mesa', 'software', 'llvmpipe', 'llvmpipe: Mesa 22.3.6 (LLVM 15.0.6)'), true);
    expect(old).toEqual({ kind: 'lavapipe', mesa: 22 });
    expect(lavapipeUsable(old)).toBe(false);
    expect(lavapipeUsable({ kind: 'lavapipe', mesa: 24 })).toBe(true);
    expect(lavapipeUsable({ kind: 'swiftshader', mesa: null })).toBe(false);
  });

  it('names SwiftShader, a hardware GPU and other software adapters', () => {
    expect(classifyAdapter(info('google', 'swiftshader', 'swiftshader-device-subzero-', 'SwiftShader driver 5.0.0'), true)).toEqual({ kind: 'swiftshader', mesa: null });
    expect(classifyAdapter(info('intel', 'gen-12lp', 'mesa-intel-xe', 'Intel open-source Mesa driver: Mesa 25.0.7'), false)).toEqual({ kind: 'gpu', mesa: 25 });
    expect(classifyAdapter(info('nvidia', 'ampere', '', 'NVIDIA: 550.54'), false)).toEqual({ kind: 'gpu', mesa: null });
    expect(classifyAdapter(info('other', 'software', '', 'some CPU driver'), true).kind).toBe('software');
  });
});
