// Parameter gradients of the template-matching levels and the class level (the G-step of EG).
//
// conv_weight_grad: dW[co,ci,dy,dx] = sum_{n,y,x} A[n,co,y,x] * B[n,ci,y+dy-pad,x+dx-pad], where A
// lives on a level's template-match map (cout x hout x wout) and B on its input (cin x hin x win).
// Both directions of the DP give this form: bottom-up, A = dL/du and B = x(l-1); top-down (the
// reconstruction paints su(l) with W(l) into the level below), A = su(l) and B = dL/d(level below).
// `mode` bit MODE_ACCUMULATE adds to dst instead of overwriting (a second contribution to the same
// templates): wgrad_reduce, conv_bias_grad, readout_grad_mu, readout_grad_bias.
// conv_bias_grad: db[co] = sum_{n,y,x} A[n,co,y,x].
// readout_backward: dL/dx(L) from dL/ds: sum_c g[n,c] mu_c (spread as 1/(H*W) over positions for
// the global-average read-out, `mode` bit MODE_DENSE clear; reshaped for dense, bit set).
// readout_grad_mu: dmu[c,j] = sum_n g[n,c] R(x_n)[j]; readout_grad_bias: db_c = sum_n g[n,c].
// Dims (params.ts): weightGradParams, the level's conv geometry and a0 = batch chunks;
// wgradReduceParams, a0 = chunks, total = weights; biasGradParams, cout x hout x wout;
// readoutBackwardParams / readoutGradMuParams / readoutGradBiasParams, n, cin x hin x win (the top
// map), classes.

@group(0) @binding(1) var<storage, read> ga: array<f32>;
@group(0) @binding(2) var<storage, read> gb: array<f32>;
@group(0) @binding(3) var<storage, read_write> dst: array<f32>;

fn put(i: u32, v: f32) {
  if ((dims.mode & MODE_ACCUMULATE) != 0u) { dst[i] += v; } else { dst[i] = v; }
}

// Blocked WB output x 4 input channels a thread (each B load feeds WB multiply-adds, each A load
// 4), and the batch split into `a0` chunks so that there are enough threads: chunk s writes its
// partial sums to dst[s * weights + w]; wgrad_reduce then adds the chunks into the gradient. WB is
// 4, or 8 where 8 divides cout (wgradPlan chooses; as conv.wgsl's CB, a4..a7 are dead code with
// WB = 4). WB is set from kernels.ts (CONV_TC, or CONV_TC_WIDE for convWeightGrad8).
// Threads: a0 x ceil(cout/WB) x ceil(cin/4) x k x k.
override WB: u32;

@compute @workgroup_size(WG)
fn conv_weight_grad(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = flat_id(gid, nwg);
  if (i >= dims.total) { return; }
  let k = dims.k;
  let dx = i % k;
  let dy = (i / k) % k;
  let cig = (dims.cin + 3u) / 4u;
  let cog = (dims.cout + WB - 1u) / WB;
  let ci0 = ((i / (k * k)) % cig) * 4u;
  let co0 = ((i / (k * k * cig)) % cog) * WB;
  let chunk = i / (k * k * cig * cog);
  let per = (dims.n + dims.a0 - 1u) / dims.a0;
  let n_lo = chunk * per;
  let n_hi = min(dims.n, n_lo + per);
  // Output rows/columns whose tap (dy, dx) lands inside the input: no bounds test in the loop.
  let y_lo = u32(max(0, i32(dims.pad) - i32(dy)));
  let y_hi = u32(clamp(i32(dims.hin) + i32(dims.pad) - i32(dy), 0, i32(dims.hout)));
  let x_lo = u32(max(0, i32(dims.pad) - i32(dx)));
  let x_hi = u32(clamp(i32(dims.win) + i32(dims.pad) - i32(dx), 0, i32(dims.wout)));
  let last = vec4u(dims.cout - 1u);
  let co = min(vec4u(co0, co0 + 1u, co0 + 2u, co0 + 3u), last);
  let cw = min(vec4u(co0 + 4u, co0 + 5u, co0 + 6u, co0 + 7u), last);
  let ci = min(vec4u(ci0, ci0 + 1u, ci0 + 2u, ci0 + 3u), vec4u(dims.cin - 1u));
  let aplane = dims.hout * dims.wout;
  let bplane = dims.hin * dims.win;
  var a0 = vec4f(0.0);
  var a1 = vec4f(0.0);
  var a2 = vec4f(0.0);
  var a3 = vec4f(0.0);
  var a4 = vec4f(0.0);
  var a5 = vec4f(0.0);
  var a6 = vec4f(0.0);
  var a7 = vec4f(0.0);
  for (var n = n_lo; n < n_hi; n++) {
    let ab = (n * dims.cout + co) * aplane;
    let aw = (n * dims.cout + cw) * aplane;
    let bb = (n * dims.cin + ci) * bplane + (dy - dims.pad) * dims.win + dx - dims.pad;
    for (var y = y_lo; y < y_hi; y++) {
      let ar = ab + y * dims.wout;
      let arw = aw + y * dims.wout;
      let br = bb + y * dims.win;
      for (var x = x_lo; x < x_hi; x++) {
        let b = vec4f(gb[br.x + x], gb[br.y + x], gb[br.z + x], gb[br.w + x]);
        a0 += ga[ar.x + x] * b;
        a1 += ga[ar.y + x] * b;
        a2 += ga[ar.z + x] * b;
        a3 += ga[ar.w + x] * b;
        if (WB == 8u) {
          a4 += ga[arw.x + x] * b;
          a5 += ga[arw.y + x] * b;
          a6 += ga[arw.z + x] * b;
          a7 += ga[arw.w + x] * b;
        }
      }
    }
  }
  let acc = array<vec4f, 8>(a0, a1, a2, a3, a4, a5, a6, a7);
  let weights = dims.cout * dims.cin * k * k;
  for (var j = 0u; j < WB; j++) {
    if (co0 + j >= dims.cout) { break; }
    for (var q = 0u; q < 4u; q++) {
      if (ci0 + q >= dims.cin) { break; }
      dst[chunk * weights + (((co0 + j) * dims.cin + ci0 + q) * k + dy) * k + dx] = acc[j][q];
    }
  }
}

// The same gradient for levels with fewer than 4 input channels (the pixels: one channel), where
// blocking 4 input channels would compute 3 of every 4 accumulators for nothing: each thread
// blocks 4 output channels x 4 neighbouring taps dx0..dx0+3 of one row dy of the template (taps
// past k are computed, not stored), reading B with zero padding. Threads: a0 x ceil(cout/4) x
// cin x k x ceil(k/4).
fn gb_tap(row: i32, xx: i32) -> f32 {
  if (xx < 0 || xx >= i32(dims.win)) { return 0.0; }
  return gb[u32(row + xx)];
}

@compute @workgroup_size(WG)
fn conv_weight_grad_taps(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = flat_id(gid, nwg);
  if (i >= dims.total) { return; }
  let k = dims.k;
  let xb = (k + 3u) / 4u;
  let dx0 = (i % xb) * 4u;
  let dy = (i / xb) % k;
  let ci = (i / (xb * k)) % dims.cin;
  let cog = (dims.cout + 3u) / 4u;
  let co0 = ((i / (xb * k * dims.cin)) % cog) * 4u;
  let chunk = i / (xb * k * dims.cin * cog);
  let per = (dims.n + dims.a0 - 1u) / dims.a0;
  let n_lo = chunk * per;
  let n_hi = min(dims.n, n_lo + per);
  let y_lo = u32(max(0, i32(dims.pad) - i32(dy)));
  let y_hi = u32(clamp(i32(dims.hin) + i32(dims.pad) - i32(dy), 0, i32(dims.hout)));
  let co = min(vec4u(co0, co0 + 1u, co0 + 2u, co0 + 3u), vec4u(dims.cout - 1u));
  let aplane = dims.hout * dims.wout;
  let bplane = dims.hin * dims.win;
  let xoff = i32(dx0) - i32(dims.pad);
  // Input column x + xoff + q for q = 0..3 is inside [0, win) for every q when x_in <= x < x_out.
  let x_in = u32(clamp(-xoff, 0, i32(dims.wout)));
  let x_out = max(x_in, u32(clamp(i32(dims.win) - 3 - xoff, 0, i32(dims.wout))));
  var a0 = vec4f(0.0);
  var a1 = vec4f(0.0);
  var a2 = vec4f(0.0);
  var a3 = vec4f(0.0);
  for (var n = n_lo; n < n_hi; n++) {
    let ab = (n * dims.cout + co) * aplane;
    for (var y = y_lo; y < y_hi; y++) {
      let ar = ab + y * dims.wout;
      let br = i32((n * dims.cin + ci) * bplane + (y + dy - dims.pad) * dims.win);
      // Columns where all four taps land inside the input need no test: [x_in, x_out).
      for (var x = x_in; x < x_out; x++) {
        let bi = u32(br + i32(x) + xoff);
        let b = vec4f(gb[bi], gb[bi + 1u], gb[bi + 2u], gb[bi + 3u]);
        a0 += ga[ar.x + x] * b;
        a1 += ga[ar.y + x] * b;
        a2 += ga[ar.z + x] * b;
        a3 += ga[ar.w + x] * b;
      }
      // The edge columns, [0, x_in) then [x_out, wout), with the test.
      let edges = x_in + dims.wout - x_out;
      for (var e = 0u; e < edges; e++) {
        let x = select(x_out + e - x_in, e, e < x_in);
        let xx = i32(x) + xoff;
        let b = vec4f(gb_tap(br, xx), gb_tap(br, xx + 1), gb_tap(br, xx + 2), gb_tap(br, xx + 3));
        a0 += ga[ar.x + x] * b;
        a1 += ga[ar.y + x] * b;
        a2 += ga[ar.z + x] * b;
        a3 += ga[ar.w + x] * b;
      }
    }
  }
  let acc = array<vec4f, 4>(a0, a1, a2, a3);
  let weights = dims.cout * dims.cin * k * k;
  for (var j = 0u; j < 4u; j++) {
    if (co0 + j >= dims.cout) { break; }
    for (var q = 0u; q < 4u; q++) {
      if (dx0 + q >= k) { break; }
      dst[chunk * weights + (((co0 + j) * dims.cin + ci) * k + dy) * k + dx0 + q] = acc[j][q];
    }
  }
}

// Adds the a0 chunks' partial sums (ga, laid out [chunk][weight]) into the gradient dst.
@compute @workgroup_size(WG)
fn wgrad_reduce(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let w = flat_id(gid, nwg);
  if (w >= dims.total) { return; }
  var s = 0.0;
  for (var c = 0u; c < dims.a0; c++) { s += ga[c * dims.total + w]; }
  put(w, s);
}

@compute @workgroup_size(WG)
fn conv_bias_grad(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let co = flat_id(gid, nwg);
  if (co >= dims.total) { return; }
  let hw = dims.hout * dims.wout;
  var s = 0.0;
  for (var n = 0u; n < dims.n; n++) {
    let base = (n * dims.cout + co) * hw;
    for (var j = 0u; j < hw; j++) { s += ga[base + j]; }
  }
  put(co, s);
}

// ga = dL/ds [n, classes], gb = mu; one thread per element of x(L) (n, cin, hin, win).
@compute @workgroup_size(WG)
fn readout_backward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = flat_id(gid, nwg);
  if (i >= dims.total) { return; }
  let hw = dims.hin * dims.win;
  let per = dims.cin * hw;
  let n = i / per;
  let j = i % per;
  var s = 0.0;
  if ((dims.mode & MODE_DENSE) == 0u) {
    let ch = j / hw;
    for (var c = 0u; c < dims.classes; c++) { s += ga[n * dims.classes + c] * gb[c * dims.cin + ch]; }
    s = s / f32(hw);
  } else {
    for (var c = 0u; c < dims.classes; c++) { s += ga[n * dims.classes + c] * gb[c * per + j]; }
  }
  dst[i] = s;
}

// ga = dL/ds, gb = x(L); one thread per entry of mu (classes x template length).
@compute @workgroup_size(WG)
fn readout_grad_mu(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = flat_id(gid, nwg);
  if (i >= dims.total) { return; }
  let hw = dims.hin * dims.win;
  let per = dims.cin * hw;
  let dense = (dims.mode & MODE_DENSE) != 0u;
  let len = select(dims.cin, per, dense);
  let c = i / len;
  let j = i % len;
  var s = 0.0;
  for (var n = 0u; n < dims.n; n++) {
    var feat = 0.0;
    if (dense) {
      feat = gb[n * per + j];
    } else {
      for (var q = 0u; q < hw; q++) { feat += gb[n * per + j * hw + q]; }
      feat = feat / f32(hw);
    }
    s += ga[n * dims.classes + c] * feat;
  }
  put(i, s);
}

@compute @workgroup_size(WG)
fn readout_grad_bias(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let c = flat_id(gid, nwg);
  if (c >= dims.total) { return; }
  var s = 0.0;
  for (var n = 0u; n < dims.n; n++) { s += ga[n * dims.classes + c]; }
  put(c, s);
}
