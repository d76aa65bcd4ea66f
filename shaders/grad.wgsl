// Parameter gradients of the template-matching levels and the class level (the G-step of EG).
//
// conv_weight_grad: dW[co,ci,dy,dx] = sum_{n,y,x} A[n,co,y,x] * B[n,ci,y+dy-pad,x+dx-pad], where A
// lives on a level's template-match map (cout x hout x wout) and B on its input (cin x hin x win).
// Both directions of the DP give this form: bottom-up, A = dL/du and B = x(l-1); top-down (the
// reconstruction paints su(l) with W(l) into the level below), A = su(l) and B = dL/d(level below).
// One thread per weight; `mode` bit 0 set adds to dst instead of overwriting (a second
// contribution to the same templates).
// conv_bias_grad: db[co] = sum_{n,y,x} A[n,co,y,x].
// readout_backward: dL/dx(L) from dL/ds: sum_c g[n,c] mu_c (spread as 1/(H*W) over positions for
// the global-average read-out, `mode` bit 1 clear; reshaped for dense, bit 1 set).
// readout_grad_mu: dmu[c,j] = sum_n g[n,c] R(x_n)[j]; readout_grad_bias: db_c = sum_n g[n,c].
// Dims: as the matching forward kernel; classes for the read-out kernels.

@group(0) @binding(1) var<storage, read> ga: array<f32>;
@group(0) @binding(2) var<storage, read> gb: array<f32>;
@group(0) @binding(3) var<storage, read_write> dst: array<f32>;

fn put(i: u32, v: f32) {
  if ((dims.mode & 1u) != 0u) { dst[i] += v; } else { dst[i] = v; }
}

@compute @workgroup_size(WG)
fn conv_weight_grad(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = flat_id(gid, nwg);
  if (i >= dims.total) { return; }
  let k = dims.k;
  let dx = i % k;
  let dy = (i / k) % k;
  let ci = (i / (k * k)) % dims.cin;
  let co = i / (k * k * dims.cin);
  // Output rows/columns whose tap (dy, dx) lands inside the input: no bounds test in the loop.
  let y_lo = u32(max(0, i32(dims.pad) - i32(dy)));
  let y_hi = u32(clamp(i32(dims.hin) + i32(dims.pad) - i32(dy), 0, i32(dims.hout)));
  let x_lo = u32(max(0, i32(dims.pad) - i32(dx)));
  let x_hi = u32(clamp(i32(dims.win) + i32(dims.pad) - i32(dx), 0, i32(dims.wout)));
  var s = 0.0;
  for (var n = 0u; n < dims.n; n++) {
    let abase = (n * dims.cout + co) * dims.hout;
    let bbase = (n * dims.cin + ci) * dims.hin;
    for (var y = y_lo; y < y_hi; y++) {
      let arow = (abase + y) * dims.wout;
      let brow = (bbase + y + dy - dims.pad) * dims.win + dx - dims.pad;
      for (var x = x_lo; x < x_hi; x++) {
        s += ga[arow + x] * gb[brow + x];
      }
    }
  }
  put(i, s);
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
  if ((dims.mode & 2u) == 0u) {
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
  let dense = (dims.mode & 2u) != 0u;
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
