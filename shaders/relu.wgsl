// The max over the ON/OFF switch a, and its top-down step.
//
// relu_forward: r = max(0, u) and the a-switch a = [u > 0] (u = 0 is OFF), saved as a u32 buffer
// that the backtrace, the path counts and the gradients read.
// relu_topdown, by `dims.mode`: VARIANT_GRADIENT, s * a (the chain rule: switches only,
// signed); VARIANT_RENDERING, max(0, s) * a (the NN-DRMM keeps every intermediate rendered
// template z(l) >= 0); VARIANT_DECONVNET, max(0, s) (Zeiler & Fergus: no a-mask).
// Dims (params.ts reluParams, reluTopDownParams): total = elements; mode.

@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<storage, read_write> switches: array<u32>;

@compute @workgroup_size(WG)
fn relu_forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = flat_id(gid, nwg);
  if (i >= dims.total) { return; }
  let u = src[i];
  let on = u > 0.0;
  out[i] = select(0.0, u, on);
  switches[i] = select(0u, 1u, on);
}

@compute @workgroup_size(WG)
fn relu_topdown(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = flat_id(gid, nwg);
  if (i >= dims.total) { return; }
  var s = src[i];
  if (dims.mode != VARIANT_GRADIENT) { s = max(s, 0.0); }
  if (dims.mode != VARIANT_DECONVNET && switches[i] == 0u) { s = 0.0; }
  out[i] = s;
}
