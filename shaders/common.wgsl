// Shared by every kernel family: the one uniform struct of sizes and settings (written by
// src/engine/gpu/dims.ts, whose layout is tested), and the flat thread index. Every kernel runs
// one thread per output element, 64 threads a workgroup, on a 2-D grid of workgroups (a grid row
// holds at most 65535 workgroups), and returns early past `dims.total`.

struct Dims {
  n: u32,       // images in the batch
  cin: u32,     // input channels
  hin: u32,     // input height
  win: u32,     // input width
  cout: u32,    // output channels
  hout: u32,    // output height
  wout: u32,    // output width
  k: u32,       // template size (k x k)
  pad: u32,     // zero padding on each side
  classes: u32, // number of classes
  mode: u32,    // kernel-specific switch (backtrace variant, read-out kind, "possible" paths)
  total: u32,   // threads that do work
  a0: u32,      // kernel-specific extras (a unit's channel, y, x)
  a1: u32,
  a2: u32,
  a3: u32,
  f0: f32,      // kernel-specific reals (loss weights, optimizer settings)
  f1: f32,
  f2: f32,
  f3: f32,
  f4: f32,
  f5: f32,
  f6: f32,
  f7: f32,
}

@group(0) @binding(0) var<uniform> dims: Dims;

const WG: u32 = 64u;

fn flat_id(gid: vec3u, nwg: vec3u) -> u32 {
  return gid.x + gid.y * nwg.x * WG;
}
