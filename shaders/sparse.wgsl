// The transposed convolution and the weight gradient of a pooled level, read from the COARSE
// signal and the t-switch ("sparse" kernel variant).
//
// At a level that max-pools 2x2, every signal the backward products consume on the level's
// template-match map (hout x wout) comes through `unpool`: it is nonzero at one position of each
// 2x2 window, the one the t-switch t[p] names, fine(p, t) = (2 py + (t >> 1), 2 px + (t & 1)),
// and then masked (the a-switch and, in the rendering, the ReLU) at that position only; the
// trailing odd row/column is never reached. So instead of unpooling and looping over every fine
// position, these kernels take s_c[n,c,p], the signal's value at fine(p, t) (the coarse map of
// switch_mask below, or pool_gather of a fine map already masked), and do a quarter of the
// multiply-adds:
//
// sparse_transpose: out[n,ci,yy,xx] = sum_{co, p} W[co,ci,dy,dx] * s_c[n,co,p] with
//   (dy, dx) = (yy, xx) + pad - fine(p, t[n,co,p]) and 0 <= dy, dx < k: a gather per output
//   pixel over the coarse windows whose switched position lies in its k x k neighbourhood (no
//   two threads write the same element, no atomics).
// sparse_weight_grad: dW[c,ci,dy,dx] = sum_{n, p} s_c[n,c,p] * B[n,ci, fine(p,t) + (dy,dx) - pad]
//   (B = the level's input x(l-1) bottom-up, the gradient below top-down; zero padding), as
//   partial sums per batch chunk that grad.wgsl's wgrad_reduce adds.
// switch_mask: s_c[p] = g[p] * [a(fine(p, t[p])) on]: unpool, then the chain rule's a-mask
//   (relu_topdown's VARIANT_GRADIENT), restricted to the positions that can be nonzero.
//
// Blocking, for CPU-backed adapters (lavapipe, SwiftShader) first: no workgroup memory, no
// barriers, accumulators in registers. sparse_transpose blocks CB output channels x TX
// neighbouring x-positions as conv_transpose does; the switched position is a property of the
// SOURCE channel co, so it is the same for the thread's CB channels and every coarse value read
// feeds CB multiply-adds per x-position it reaches. sparse_weight_grad keeps one output channel c
// (its switches), IB input channels x 4 neighbouring taps of one template row: each coarse
// value feeds 4 IB multiply-adds. A zero coarse value (a unit the ReLU or the a-switch turned off)
// is skipped; in sparse_weight_grad neighbouring threads share (n, c, p), so the test is mostly
// uniform across a SIMD group. Sums run in a different order from the direct kernels: results
// differ by float rounding only.
// Dims (params.ts sparseConvParams, sparseWgradParams, switchMaskParams): the level's conv
// geometry (n, cin x hin x win the input, cout x hout x wout the template-match map, k, pad);
// a0 x a1 the coarse map (floor(hout/2) x floor(wout/2)); a2 = batch chunks (weight gradient);
// total = the plan's threads (kernels.ts sparseTransposePlan, sparseWgradPlan). switch_mask: as
// unpool (cout = channels, hin x win fine, hout x wout coarse), one thread a coarse unit.

@group(0) @binding(1) var<storage, read> sig: array<f32>;      // coarse signal s_c (or g)
@group(0) @binding(2) var<storage, read> sw: array<u32>;       // t-switch, one per coarse unit
@group(0) @binding(3) var<storage, read> mat: array<f32>;      // W (transpose) or B (weight gradient)
@group(0) @binding(4) var<storage, read_write> dst: array<f32>;
@group(0) @binding(5) var<storage, read> amask: array<u32>;    // a-switch on the fine map (switch_mask)

override TX: u32;  // x-positions a sparse_transpose thread computes (the 4 lanes of its accumulators)
override CB: u32;  // channels a sparse_transpose thread computes: 1 (the pixels), 4 or 8
override IB: u32;  // input channels a sparse_weight_grad thread computes: 1 or 4

// The weights W[co, c + j, dy, dx] of the thread's channels j = 0..3 (offsets `ch`, clamped to
// the last channel) at `wi` = co cin k k + dy k + dx; with CB = 1 only the first is loaded.
fn wq(wi: u32, ch: vec4u) -> vec4f {
  if (CB == 1u) { return vec4f(mat[ch.x + wi]); }
  return vec4f(mat[ch.x + wi], mat[ch.y + wi], mat[ch.z + wi], mat[ch.w + wi]);
}

// Threads: n x ceil(cin/CB) x hin x ceil(win/TX). Accumulators b_j (and e_j for channels 4..7)
// are vec4s over the channels at x-position x0 + j.
@compute @workgroup_size(WG)
fn sparse_transpose(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = flat_id(gid, nwg);
  if (i >= dims.total) { return; }
  let xg = (dims.win + TX - 1u) / TX;
  let cg = (dims.cin + CB - 1u) / CB;
  let x0 = (i % xg) * TX;
  let yy = (i / xg) % dims.hin;
  let c0 = ((i / (xg * dims.hin)) % cg) * CB;
  let n = i / (xg * dims.hin * cg);
  let k = dims.k;
  let ki = i32(k);
  let kk = k * k;
  let hp = dims.a0;
  let wp = dims.a1;
  let last = dims.cin - 1u;
  let cha = min(vec4u(c0, c0 + 1u, c0 + 2u, c0 + 3u), vec4u(last)) * kk;
  let chb = min(vec4u(c0 + 4u, c0 + 5u, c0 + 6u, c0 + 7u), vec4u(last)) * kk;
  // Fine rows fy with dy = yy + pad - fy in [0, k), fine columns reaching x0 .. x0 + TX - 1: the
  // coarse windows [py_lo, py_hi) x [px_lo, px_hi) that can hold them.
  let ytop = i32(yy + dims.pad);
  let py_lo = u32(max(ytop - ki + 1, 0)) / 2u;
  let py_hi = min(u32(ytop) / 2u + 1u, hp);
  let xl = i32(x0 + dims.pad);
  let px_lo = u32(max(xl - ki + 1, 0)) / 2u;
  let px_hi = min((x0 + TX - 1u + dims.pad) / 2u + 1u, wp);
  var b0 = vec4f(0.0);
  var b1 = vec4f(0.0);
  var b2 = vec4f(0.0);
  var b3 = vec4f(0.0);
  var e0 = vec4f(0.0);
  var e1 = vec4f(0.0);
  var e2 = vec4f(0.0);
  var e3 = vec4f(0.0);
  for (var co = 0u; co < dims.cout; co++) {
    let wco = co * dims.cin * kk;
    let plane = (n * dims.cout + co) * hp;
    for (var py = py_lo; py < py_hi; py++) {
      let row = (plane + py) * wp;
      for (var px = px_lo; px < px_hi; px++) {
        let v = sig[row + px];
        if (v == 0.0) { continue; }
        let q = sw[row + px];
        let dy = ytop - i32(2u * py + (q >> 1u));
        if (dy < 0 || dy >= ki) { continue; }
        // x-position x0 + j takes the tap dx = dx0 + j.
        let dx0 = xl - i32(2u * px + (q & 1u));
        let wr = wco + u32(dy) * k;
        if (dx0 >= 0 && dx0 < ki) {
          let w = wr + u32(dx0);
          b0 += wq(w, cha) * v;
          if (CB == 8u) { e0 += wq(w, chb) * v; }
        }
        if (dx0 + 1 >= 0 && dx0 + 1 < ki) {
          let w = wr + u32(dx0 + 1);
          b1 += wq(w, cha) * v;
          if (CB == 8u) { e1 += wq(w, chb) * v; }
        }
        if (dx0 + 2 >= 0 && dx0 + 2 < ki) {
          let w = wr + u32(dx0 + 2);
          b2 += wq(w, cha) * v;
          if (CB == 8u) { e2 += wq(w, chb) * v; }
        }
        if (dx0 + 3 >= 0 && dx0 + 3 < ki) {
          let w = wr + u32(dx0 + 3);
          b3 += wq(w, cha) * v;
          if (CB == 8u) { e3 += wq(w, chb) * v; }
        }
      }
    }
  }
  let acc = array<vec4f, 8>(b0, b1, b2, b3, e0, e1, e2, e3);
  for (var c = 0u; c < CB; c++) {
    if (c0 + c >= dims.cin) { break; }
    let base = ((n * dims.cin + c0 + c) * dims.hin + yy) * dims.win;
    for (var j = 0u; j < TX; j++) {
      if (x0 + j < dims.win) { dst[base + x0 + j] = acc[(c / 4u) * 4u + j][c % 4u]; }
    }
  }
}

// B at input row `row` (an offset), column bx, for the thread's IB input channels (plane offsets
// `ci`), zero outside 0 <= bx < win.
fn bq(row: u32, bx: i32, ci: vec4u) -> vec4f {
  if (bx < 0 || bx >= i32(dims.win)) { return vec4f(0.0); }
  let o = row + u32(bx);
  if (IB == 1u) { return vec4f(mat[ci.x + o], 0.0, 0.0, 0.0); }
  return vec4f(mat[ci.x + o], mat[ci.y + o], mat[ci.z + o], mat[ci.w + o]);
}

// Threads: a2 chunks x cout x ceil(cin/IB) x k x ceil(k/4); a thread owns the taps
// (dy, dx0 .. dx0+3) of input channels ci0 .. ci0+IB-1 (accumulator g_j: the IB channels at tap
// dx0 + j; taps past k are computed, not stored).
@compute @workgroup_size(WG)
fn sparse_weight_grad(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = flat_id(gid, nwg);
  if (i >= dims.total) { return; }
  let k = dims.k;
  let xb = (k + 3u) / 4u;
  let cig = (dims.cin + IB - 1u) / IB;
  let dx0 = (i % xb) * 4u;
  let dy = (i / xb) % k;
  let ci0 = ((i / (xb * k)) % cig) * IB;
  let c = (i / (xb * k * cig)) % dims.cout;
  let chunk = i / (xb * k * cig * dims.cout);
  let per = (dims.n + dims.a2 - 1u) / dims.a2;
  let n_lo = chunk * per;
  let n_hi = min(dims.n, n_lo + per);
  let hp = dims.a0;
  let wp = dims.a1;
  let bplane = dims.hin * dims.win;
  let cio = min(vec4u(ci0, ci0 + 1u, ci0 + 2u, ci0 + 3u), vec4u(dims.cin - 1u)) * bplane;
  let yoff = i32(dy) - i32(dims.pad);
  let xoff = i32(dx0) - i32(dims.pad);
  var g0 = vec4f(0.0);
  var g1 = vec4f(0.0);
  var g2 = vec4f(0.0);
  var g3 = vec4f(0.0);
  for (var n = n_lo; n < n_hi; n++) {
    let plane = (n * dims.cout + c) * hp;
    let bn = n * dims.cin * bplane;
    for (var py = 0u; py < hp; py++) {
      let row = (plane + py) * wp;
      for (var px = 0u; px < wp; px++) {
        let v = sig[row + px];
        if (v == 0.0) { continue; }
        let q = sw[row + px];
        let by = i32(2u * py + (q >> 1u)) + yoff;
        if (by < 0 || by >= i32(dims.hin)) { continue; }
        let br = bn + u32(by) * dims.win;
        let bx = i32(2u * px + (q & 1u)) + xoff;
        g0 += bq(br, bx, cio) * v;
        g1 += bq(br, bx + 1, cio) * v;
        g2 += bq(br, bx + 2, cio) * v;
        g3 += bq(br, bx + 3, cio) * v;
      }
    }
  }
  let acc = array<vec4f, 4>(g0, g1, g2, g3);
  let weights = dims.cout * dims.cin * k * k;
  for (var j = 0u; j < 4u; j++) {
    if (dx0 + j >= k) { break; }
    for (var q = 0u; q < IB; q++) {
      if (ci0 + q >= dims.cin) { break; }
      dst[chunk * weights + ((c * dims.cin + ci0 + q) * k + dy) * k + dx0 + j] = acc[j][q];
    }
  }
}

@compute @workgroup_size(WG)
fn switch_mask(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = flat_id(gid, nwg);
  if (i >= dims.total) { return; }
  let x = i % dims.wout;
  let y = (i / dims.wout) % dims.hout;
  let nc = i / (dims.wout * dims.hout);
  let q = sw[i];
  let f = (nc * dims.hin + 2u * y + (q >> 1u)) * dims.win + 2u * x + (q & 1u);
  dst[i] = select(0.0, sig[i], amask[f] != 0u);
}
