// The class level's template matching: s[n,c] = <mu_c, R(x_n)> + b_c.
//
// readout_scores: s[n,c] = <mu_c, R(x_n)> + b_c with R the global average over positions
// (`mode` bit MODE_DENSE clear: mu_c has cin entries) or the identity (bit set, dense:
// cin*hin*win entries). Dims (params.ts readoutScoresParams): n, cin, hin, win (top map),
// classes, mode; one thread a score.

@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read> mu: array<f32>;
@group(0) @binding(3) var<storage, read> cbias: array<f32>;
@group(0) @binding(4) var<storage, read_write> dst: array<f32>;

@compute @workgroup_size(WG)
fn readout_scores(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = flat_id(gid, nwg);
  if (i >= dims.total) { return; }
  let c = i % dims.classes;
  let n = i / dims.classes;
  let hw = dims.hin * dims.win;
  let base = n * dims.cin * hw;
  var s = 0.0;
  if ((dims.mode & MODE_DENSE) == 0u) {
    for (var ch = 0u; ch < dims.cin; ch++) {
      var m = 0.0;
      for (var j = 0u; j < hw; j++) { m += src[base + ch * hw + j]; }
      s += mu[c * dims.cin + ch] * (m / f32(hw));
    }
  } else {
    let len = dims.cin * hw;
    for (var j = 0u; j < len; j++) { s += mu[c * len + j] * src[base + j]; }
  }
  dst[i] = s + cbias[c];
}
