// Template matching and its adjoint.
//
// conv_forward: u[n,co,y,x] = b[co] + sum_{ci,dy,dx} W[co,ci,dy,dx] * x[n,ci,y+dy-pad,x+dx-pad],
// the log-likelihood (up to constants) of template co rendered at (y, x): the DRMM's bottom-up
// "convolution". Positions outside the input read as 0 (zero padding).
// conv_transpose: the top-down painting step, out[n,ci,yy,xx] = sum_{co,dy,dx} W[co,ci,dy,dx] *
// s[n,co,yy-dy+pad,xx-dx+pad], i.e. every top-down value paints its template into the level below
// (Gamma(l) in the generative model). Written as a gather (one thread per output) so that no two
// threads write the same element. Bias takes no part: it only chooses the switches.
// Dims: n, cin, hin, win (level input), cout, hout, wout (template-match map), k, pad.

@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read> weights: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> dst: array<f32>;

@compute @workgroup_size(WG)
fn conv_forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = flat_id(gid, nwg);
  if (i >= dims.total) { return; }
  let x = i % dims.wout;
  let y = (i / dims.wout) % dims.hout;
  let co = (i / (dims.wout * dims.hout)) % dims.cout;
  let n = i / (dims.wout * dims.hout * dims.cout);
  let k = dims.k;
  var s = bias[co];
  for (var ci = 0u; ci < dims.cin; ci++) {
    let xbase = (n * dims.cin + ci) * dims.hin;
    let wbase = (co * dims.cin + ci) * k * k;
    for (var dy = 0u; dy < k; dy++) {
      let yy = i32(y + dy) - i32(dims.pad);
      if (yy < 0 || yy >= i32(dims.hin)) { continue; }
      let row = (xbase + u32(yy)) * dims.win;
      for (var dx = 0u; dx < k; dx++) {
        let xx = i32(x + dx) - i32(dims.pad);
        if (xx < 0 || xx >= i32(dims.win)) { continue; }
        s += weights[wbase + dy * k + dx] * src[row + u32(xx)];
      }
    }
  }
  dst[i] = s;
}

// One thread per element of the level below (n, ci, yy, xx); `src` holds the signal on the
// template-match map (n, cout, hout, wout).
@compute @workgroup_size(WG)
fn conv_transpose(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = flat_id(gid, nwg);
  if (i >= dims.total) { return; }
  let xx = i % dims.win;
  let yy = (i / dims.win) % dims.hin;
  let ci = (i / (dims.win * dims.hin)) % dims.cin;
  let n = i / (dims.win * dims.hin * dims.cin);
  let k = dims.k;
  var s = 0.0;
  for (var co = 0u; co < dims.cout; co++) {
    let sbase = (n * dims.cout + co) * dims.hout;
    let wbase = (co * dims.cin + ci) * k * k;
    for (var dy = 0u; dy < k; dy++) {
      let y = i32(yy + dims.pad) - i32(dy);
      if (y < 0 || y >= i32(dims.hout)) { continue; }
      let row = (sbase + u32(y)) * dims.wout;
      for (var dx = 0u; dx < k; dx++) {
        let x = i32(xx + dims.pad) - i32(dx);
        if (x < 0 || x >= i32(dims.wout)) { continue; }
        s += weights[wbase + dy * k + dx] * src[row + u32(x)];
      }
    }
  }
  dst[i] = s;
}
