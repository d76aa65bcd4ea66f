// Adam (Kingma & Ba), with optional decoupled weight decay (AdamW), one thread per parameter:
//   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
//   p -= lr_t * m / (sqrt(v) + eps_t) + lr * wd * p,
// with the bias corrections folded into lr_t = lr * sqrt(1 - b2^t) / (1 - b1^t) and
// eps_t = eps * sqrt(1 - b2^t) (computed on the CPU for step t by params.ts adamParams). Dims f0
// lr_t, f1 b1, f2 b2, f3 eps_t, f4 lr * wd; total = parameter count. With mode ADAM_NONNEGATIVE
// the updated parameter is projected onto p >= 0 (projected gradient: the nonnegative DRMM's
// top-down templates, so that the rendering's signal stays nonnegative at every level).

@group(0) @binding(1) var<storage, read> grad: array<f32>;
@group(0) @binding(2) var<storage, read_write> param: array<f32>;
@group(0) @binding(3) var<storage, read_write> m1: array<f32>;
@group(0) @binding(4) var<storage, read_write> m2: array<f32>;

@compute @workgroup_size(WG)
fn adam_step(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = flat_id(gid, nwg);
  if (i >= dims.total) { return; }
  let g = grad[i];
  let m = dims.f1 * m1[i] + (1.0 - dims.f1) * g;
  let v = dims.f2 * m2[i] + (1.0 - dims.f2) * g * g;
  m1[i] = m;
  m2[i] = v;
  var p = param[i] - dims.f0 * m / (sqrt(v) + dims.f3) - dims.f4 * param[i];
  if (dims.mode == ADAM_NONNEGATIVE) { p = max(p, 0.0); }
  param[i] = p;
}
