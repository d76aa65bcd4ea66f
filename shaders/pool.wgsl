// The max over the translation t, and unpooling through the saved t-switch.
//
// maxpool_forward: in each 2x2 window (stride 2; a trailing odd row/column is dropped) keep the
// largest value and write the winner's position t = dy*2 + dx (0 UL, 1 UR, 2 LL, 3 LR), scanning
// in that order with a strict ">" so that the first maximum wins a tie: exactly one t per window.
// unpool: the top-down step, one thread per element of the fine map: it receives the coarse value
// if it is the window's chosen position, else 0 (so no clearing pass is needed). The same kernel
// is max-pool's backward pass (the gradient flows only to the winner).
// Dims (params.ts maxPoolParams, unpoolParams, poolGatherParams): n, cout = channels, hin, win =
// fine map, hout, wout = coarse map.

@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<storage, read_write> switches: array<u32>;

@compute @workgroup_size(WG)
fn maxpool_forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = flat_id(gid, nwg);
  if (i >= dims.total) { return; }
  let x = i % dims.wout;
  let y = (i / dims.wout) % dims.hout;
  let nc = i / (dims.wout * dims.hout);
  let base = (nc * dims.hin + 2u * y) * dims.win + 2u * x;
  var best = src[base];
  var arg = 0u;
  let v1 = src[base + 1u];
  if (v1 > best) { best = v1; arg = 1u; }
  let v2 = src[base + dims.win];
  if (v2 > best) { best = v2; arg = 2u; }
  let v3 = src[base + dims.win + 1u];
  if (v3 > best) { best = v3; arg = 3u; }
  out[i] = best;
  switches[i] = arg;
}

@compute @workgroup_size(WG)
fn unpool(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = flat_id(gid, nwg);
  if (i >= dims.total) { return; }
  let x = i % dims.win;
  let y = (i / dims.win) % dims.hin;
  let nc = i / (dims.win * dims.hin);
  let py = y / 2u;
  let px = x / 2u;
  var v = 0.0;
  if (py < dims.hout && px < dims.wout) {
    let j = (nc * dims.hout + py) * dims.wout + px;
    if (switches[j] == (y & 1u) * 2u + (x & 1u)) { v = src[j]; }
  }
  out[i] = v;
}

// pool_gather: the adjoint of unpool, one thread per coarse unit: it takes the fine map's value
// at the position its t-switch chose (the top-down backward step through the translation).
@compute @workgroup_size(WG)
fn pool_gather(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = flat_id(gid, nwg);
  if (i >= dims.total) { return; }
  let x = i % dims.wout;
  let y = (i / dims.wout) % dims.hout;
  let nc = i / (dims.wout * dims.hout);
  let q = switches[i];
  out[i] = src[(nc * dims.hin + 2u * y + (q >> 1u)) * dims.win + 2u * x + (q & 1u)];
}
