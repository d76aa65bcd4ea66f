// Shared by every kernel family: the one uniform struct of sizes and settings (written by
// src/engine/gpu/dims.ts, whose layout is tested; filled only by the builders of
// src/engine/gpu/params.ts, one a kernel, which say what each kernel's slots hold), the constants
// every pipeline is given, and the flat thread index. Every kernel runs one thread per output
// element, WG threads a workgroup, on a 2-D grid of workgroups (a grid row holds at most
// GRID_ROW = 65535 workgroups, runner.ts's gridFor), and returns early past `dims.total`.

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
  mode: u32,    // kernel-specific switch: one of the MODE values below (each kernel says which)
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

// Set for every pipeline from src/engine/gpu/kernels.ts (WORKGROUP and MODE), the one place
// their values are written; no defaults here, so a pipeline without them fails to build.
override WG: u32;                 // threads a workgroup (the grid of gridFor is sized for it)
// Bits of `mode`:
override MODE_ACCUMULATE: u32;    // add into dst instead of overwriting it (gradient kernels)
override MODE_DENSE: u32;         // the read-out kind: dense (mu_c spans the whole top map, C x H x W
                                  // entries) when set, else the global average (mu_c has C entries)
// Values of `mode`:
override VARIANT_GRADIENT: u32;   // top-down step: the chain rule, s * a
override VARIANT_RENDERING: u32;  // top-down step: the NN-DRMM's rendering, max(0, s) * a
override VARIANT_DECONVNET: u32;  // top-down step: max(0, s), no a-mask
override SQ_DIFFERENCE: u32;      // metrics_sq: sum (A - B)^2
override ADAM_NONNEGATIVE: u32;  // adam_step: project the updated parameter onto p >= 0
override SQ_NEGATIVE_PART: u32;   // metrics_sq: sum relu(-A)^2
override PATHS_ACTIVE: u32;       // path DP through the switches
override PATHS_POSSIBLE: u32;     // path DP with every switch ON and every window position

fn flat_id(gid: vec3u, nwg: vec3u) -> u32 {
  return gid.x + gid.y * nwg.x * WG;
}
