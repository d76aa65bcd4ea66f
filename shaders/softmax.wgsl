// The class posterior p(c|I) = softmax(s) (computed once: exp(s_c - max) / sum) and the MAP
// class, the first maximal score. One thread per image. Dims (params.ts softmaxParams): n,
// classes, total = n.

@group(0) @binding(1) var<storage, read> scores: array<f32>;
@group(0) @binding(2) var<storage, read_write> probs: array<f32>;
@group(0) @binding(3) var<storage, read_write> pred: array<u32>;

@compute @workgroup_size(WG)
fn softmax_argmax(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let n = flat_id(gid, nwg);
  if (n >= dims.total) { return; }
  let base = n * dims.classes;
  var m = scores[base];
  var arg = 0u;
  for (var c = 1u; c < dims.classes; c++) {
    let v = scores[base + c];
    if (v > m) { m = v; arg = c; }
  }
  var z = 0.0;
  for (var c = 0u; c < dims.classes; c++) { z += exp(scores[base + c] - m); }
  for (var c = 0u; c < dims.classes; c++) { probs[base + c] = exp(scores[base + c] - m) / z; }
  pred[n] = arg;
}
