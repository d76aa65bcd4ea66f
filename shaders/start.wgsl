// Where a backtrace starts: the top-down signal placed on a level's map before the descent.
//
// class_start: the read-out's adjoint applied to mu_c for class cls[n] of each image: mu_c / (H*W)
// at every position of the top map for a global-average read-out (`mode` bit MODE_DENSE clear),
// mu_c reshaped to the top map for a dense one (bit set). cls[] is either the classes the caller wrote or the argmax
// buffer pred[] of the forward pass itself, so a "predicted class" start needs no read-back.
// unit_start: a one-hot on unit (channel a0, y a1, x a2) of every image's map, the start of that
// unit's saliency. Dims (params.ts classStartParams, unitStartParams): n, cout, hout, wout (the
// map), mode (class_start), a0..a2 (unit_start).

@group(0) @binding(1) var<storage, read> mu: array<f32>;
@group(0) @binding(2) var<storage, read> cls: array<u32>;
@group(0) @binding(3) var<storage, read_write> dst: array<f32>;

@compute @workgroup_size(WG)
fn class_start(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = flat_id(gid, nwg);
  if (i >= dims.total) { return; }
  let hw = dims.hout * dims.wout;
  let j = i % hw;
  let ch = (i / hw) % dims.cout;
  let n = i / (hw * dims.cout);
  let c = cls[n];
  if ((dims.mode & MODE_DENSE) == 0u) {
    dst[i] = mu[c * dims.cout + ch] / f32(hw);
  } else {
    dst[i] = mu[c * dims.cout * hw + ch * hw + j];
  }
}

@compute @workgroup_size(WG)
fn unit_start(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = flat_id(gid, nwg);
  if (i >= dims.total) { return; }
  let x = i % dims.wout;
  let y = (i / dims.wout) % dims.hout;
  let ch = (i / (dims.wout * dims.hout)) % dims.cout;
  let hit = ch == dims.a0 && y == dims.a1 && x == dims.a2;
  dst[i] = select(0.0, 1.0, hit);
}
