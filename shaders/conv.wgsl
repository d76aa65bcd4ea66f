// Template matching and its adjoint.
//
// conv_forward: u[n,co,y,x] = b[co] + sum_{ci,dy,dx} W[co,ci,dy,dx] * x[n,ci,y+dy-pad,x+dx-pad],
// the log-likelihood (up to constants) of template co rendered at (y, x): the DRMM's bottom-up
// "convolution". Positions outside the input read as 0 (zero padding).
// conv_transpose: the top-down painting step, out[n,ci,yy,xx] = sum_{co,dy,dx} W[co,ci,dy,dx] *
// s[n,co,yy-dy+pad,xx-dx+pad], i.e. every top-down value paints its template into the level below
// (Gamma(l) in the generative model). Written as a gather so that no two threads write the same
// element. Bias takes no part: it only chooses the switches.
// Dims (params.ts convParams): n, cin, hin, win (level input), cout, hout, wout (template-match
// map), k, pad; total = the threads of the kernel's plan (kernels.ts convForwardPlan /
// convTransposePlan).

@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read> weights: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> dst: array<f32>;

// Register blocking: each thread computes CB channels x TX neighbouring x-positions, so each
// input load feeds CB multiply-adds and each weight load TX of them. CB is 4, or 8 where 8 divides
// the channels (the engine's convForwardPlan / convTransposePlan choose): on the CPU-backed
// software adapter the loads, not the arithmetic, bound these kernels, and the wider block runs
// about 1.4x faster there. With CB = 4 the accumulators a4..a7 are dead code (CB is fixed when the
// pipeline is made, so the compiler drops them). Channels past the last are clamped to it
// (computed, then not stored). TX, TR and CB are set from kernels.ts (CONV_TX, CONV_TR, CONV_TC
// or CONV_TC_WIDE), whose plans size the dispatch with them; TX and TR are the 4 lanes of the
// vec4 accumulators.
override TX: u32;
override CB: u32;

// Reads map[row + x] with zero padding outside 0 <= x < width.
fn tap(row: u32, x: i32, width: u32) -> f32 {
  if (x < 0 || x >= i32(width)) { return 0.0; }
  return src[row + u32(x)];
}

// Weight offsets of channels c0..c0+3 and c0+4..c0+7 (clamped to the last channel), each channel
// `stride` floats apart.
fn chan4(c0: u32, last: u32, stride: u32) -> vec4u {
  return min(vec4u(c0, c0 + 1u, c0 + 2u, c0 + 3u), vec4u(last)) * stride;
}

// Threads: n x ceil(cout/CB) x hout x ceil(wout/TX).
@compute @workgroup_size(WG)
fn conv_forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = flat_id(gid, nwg);
  if (i >= dims.total) { return; }
  let xg = (dims.wout + TX - 1u) / TX;
  let cg = (dims.cout + CB - 1u) / CB;
  let x0 = (i % xg) * TX;
  let y = (i / xg) % dims.hout;
  let c0 = ((i / (xg * dims.hout)) % cg) * CB;
  let n = i / (xg * dims.hout * cg);
  let k = dims.k;
  let last = dims.cout - 1u;
  let wa = chan4(c0, last, dims.cin * k * k);
  let wb = chan4(c0 + 4u, last, dims.cin * k * k);
  var a0 = vec4f(bias[min(c0, last)]);
  var a1 = vec4f(bias[min(c0 + 1u, last)]);
  var a2 = vec4f(bias[min(c0 + 2u, last)]);
  var a3 = vec4f(bias[min(c0 + 3u, last)]);
  var a4 = vec4f(0.0);
  var a5 = vec4f(0.0);
  var a6 = vec4f(0.0);
  var a7 = vec4f(0.0);
  if (CB == 8u) {
    a4 = vec4f(bias[min(c0 + 4u, last)]);
    a5 = vec4f(bias[min(c0 + 5u, last)]);
    a6 = vec4f(bias[min(c0 + 6u, last)]);
    a7 = vec4f(bias[min(c0 + 7u, last)]);
  }
  let xs = i32(x0) - i32(dims.pad);
  for (var ci = 0u; ci < dims.cin; ci++) {
    for (var dy = 0u; dy < k; dy++) {
      let yy = i32(y + dy) - i32(dims.pad);
      if (yy < 0 || yy >= i32(dims.hin)) { continue; }
      let row = ((n * dims.cin + ci) * dims.hin + u32(yy)) * dims.win;
      for (var dx = 0u; dx < k; dx++) {
        let xx = xs + i32(dx);
        let v = vec4f(tap(row, xx, dims.win), tap(row, xx + 1, dims.win), tap(row, xx + 2, dims.win), tap(row, xx + 3, dims.win));
        let wi = (ci * k + dy) * k + dx;
        a0 += weights[wa.x + wi] * v;
        a1 += weights[wa.y + wi] * v;
        a2 += weights[wa.z + wi] * v;
        a3 += weights[wa.w + wi] * v;
        if (CB == 8u) {
          a4 += weights[wb.x + wi] * v;
          a5 += weights[wb.y + wi] * v;
          a6 += weights[wb.z + wi] * v;
          a7 += weights[wb.w + wi] * v;
        }
      }
    }
  }
  let acc = array<vec4f, 8>(a0, a1, a2, a3, a4, a5, a6, a7);
  for (var c = 0u; c < CB; c++) {
    if (c0 + c >= dims.cout) { break; }
    let base = ((n * dims.cout + c0 + c) * dims.hout + y) * dims.wout;
    for (var j = 0u; j < TX; j++) {
      if (x0 + j < dims.wout) { dst[base + x0 + j] = acc[c][j]; }
    }
  }
}

// The transpose as a gather, blocked like conv_forward: each thread computes CB input channels x
// TX neighbouring x-positions of the level below; `src` holds the signal on the template-match
// map (n, cout, hout, wout). Threads: n x ceil(cin/CB) x hin x ceil(win/TX).
@compute @workgroup_size(WG)
fn conv_transpose(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = flat_id(gid, nwg);
  if (i >= dims.total) { return; }
  let xg = (dims.win + TX - 1u) / TX;
  let cg = (dims.cin + CB - 1u) / CB;
  let x0 = (i % xg) * TX;
  let yy = (i / xg) % dims.hin;
  let c0 = ((i / (xg * dims.hin)) % cg) * CB;
  let n = i / (xg * dims.hin * cg);
  let k = dims.k;
  let kk = k * k;
  let last = dims.cin - 1u;
  let wa = chan4(c0, last, kk);
  let wb = chan4(c0 + 4u, last, kk);
  var a0 = vec4f(0.0);
  var a1 = vec4f(0.0);
  var a2 = vec4f(0.0);
  var a3 = vec4f(0.0);
  var a4 = vec4f(0.0);
  var a5 = vec4f(0.0);
  var a6 = vec4f(0.0);
  var a7 = vec4f(0.0);
  let xs = i32(x0) + i32(dims.pad);
  for (var co = 0u; co < dims.cout; co++) {
    let wco = co * dims.cin * kk;
    for (var dy = 0u; dy < k; dy++) {
      let y = i32(yy + dims.pad) - i32(dy);
      if (y < 0 || y >= i32(dims.hout)) { continue; }
      let row = ((n * dims.cout + co) * dims.hout + u32(y)) * dims.wout;
      for (var dx = 0u; dx < k; dx++) {
        let x = xs - i32(dx);
        let v = vec4f(tap(row, x, dims.wout), tap(row, x + 1, dims.wout), tap(row, x + 2, dims.wout), tap(row, x + 3, dims.wout));
        let wi = wco + dy * k + dx;
        a0 += weights[wa.x + wi] * v;
        a1 += weights[wa.y + wi] * v;
        a2 += weights[wa.z + wi] * v;
        a3 += weights[wa.w + wi] * v;
        if (CB == 8u) {
          a4 += weights[wb.x + wi] * v;
          a5 += weights[wb.y + wi] * v;
          a6 += weights[wb.z + wi] * v;
          a7 += weights[wb.w + wi] * v;
        }
      }
    }
  }
  let acc = array<vec4f, 8>(a0, a1, a2, a3, a4, a5, a6, a7);
  for (var c = 0u; c < CB; c++) {
    if (c0 + c >= dims.cin) { break; }
    let base = ((n * dims.cin + c0 + c) * dims.hin + yy) * dims.win;
    for (var j = 0u; j < TX; j++) {
      if (x0 + j < dims.win) { dst[base + x0 + j] = acc[c][j]; }
    }
  }
}

// The transpose for levels with fewer than 4 input channels (the pixels: one channel), where
// channel blocking would compute 3 of every 4 accumulators for nothing. Each thread computes TR
// neighbouring rows x TX neighbouring x-positions of one input channel instead. For a template
// column dx, output rows y0..y0+TR-1 read the k + TR - 1 map rows y0 + pad - (k-1) .. y0 + pad +
// TR - 1, each loaded once and used by every (row, dy) pair it serves: output row y0 + r takes map
// row q (counted from the first) with dy = r + k - 1 - q. Columns outside the map read a clamped
// address times a 0/1 mask, fixed per dx, instead of a test per load.
// Threads: n x cin x ceil(hin/TR) x ceil(win/TX).
override TR: u32;

@compute @workgroup_size(WG)
fn conv_transpose_rows(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = flat_id(gid, nwg);
  if (i >= dims.total) { return; }
  let xg = (dims.win + TX - 1u) / TX;
  let yg = (dims.hin + TR - 1u) / TR;
  let x0 = (i % xg) * TX;
  let y0 = ((i / xg) % yg) * TR;
  let c = (i / (xg * yg)) % dims.cin;
  let n = i / (xg * yg * dims.cin);
  let k = dims.k;
  let ki = i32(k);
  let kk = k * k;
  var a0 = vec4f(0.0);
  var a1 = vec4f(0.0);
  var a2 = vec4f(0.0);
  var a3 = vec4f(0.0);
  let xs = i32(x0) + i32(dims.pad);
  let ytop = i32(y0 + dims.pad) - (ki - 1);
  let wlast = vec4i(i32(dims.wout) - 1);
  for (var co = 0u; co < dims.cout; co++) {
    let wc = (co * dims.cin + c) * kk;
    let plane = (n * dims.cout + co) * dims.hout;
    for (var dx = 0u; dx < k; dx++) {
      let xv = vec4i(xs - i32(dx)) + vec4i(0, 1, 2, 3);
      let m = select(vec4f(0.0), vec4f(1.0), (xv >= vec4i(0)) & (xv <= wlast));
      let cx = vec4u(clamp(xv, vec4i(0), wlast));
      for (var q = 0; q < ki + i32(TR) - 1; q++) {
        let y = ytop + q;
        if (y < 0 || y >= i32(dims.hout)) { continue; }
        let row = (plane + u32(y)) * dims.wout;
        let v = m * vec4f(src[row + cx.x], src[row + cx.y], src[row + cx.z], src[row + cx.w]);
        // Output row r uses this map row with dy = r + k - 1 - q.
        let d0 = ki - 1 - q;
        if (d0 >= 0 && d0 < ki) { a0 += weights[wc + u32(d0) * k + dx] * v; }
        if (d0 + 1 >= 0 && d0 + 1 < ki) { a1 += weights[wc + u32(d0 + 1) * k + dx] * v; }
        if (d0 + 2 >= 0 && d0 + 2 < ki) { a2 += weights[wc + u32(d0 + 2) * k + dx] * v; }
        if (d0 + 3 >= 0 && d0 + 3 < ki) { a3 += weights[wc + u32(d0 + 3) * k + dx] * v; }
      }
    }
  }
  let acc = array<vec4f, 4>(a0, a1, a2, a3);
  for (var r = 0u; r < TR; r++) {
    if (y0 + r >= dims.hin) { break; }
    let base = ((n * dims.cin + c) * dims.hin + y0 + r) * dims.win;
    for (var j = 0u; j < TX; j++) {
      if (x0 + j < dims.win) { dst[base + x0 + j] = acc[r][j]; }
    }
  }
}
