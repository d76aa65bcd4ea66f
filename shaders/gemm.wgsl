// Template matching, its transpose and its weight gradient as implicit GEMM: each is a matrix
// product C[M, N] = sum_k A[M, K] B[K, N] whose operands are never formed; the tile loaders read
// them from the maps (im2col done inside the product). Op by op (OP, an override):
//
// GEMM_FORWARD   u[n,co,y,x] = b[co] + sum_{ci,dy,dx} W[co,ci,dy,dx] x[n,ci,y+dy-pad,x+dx-pad]:
//                M = cout, K = cin k k (kk = (ci, dy, dx)), N = positions (n, y, x);
//                A[co, kk] = W (row-major already), B[kk, p] = x at the tap, 0 outside the map.
// GEMM_TRANSPOSE out[n,ci,yy,xx] = sum_{co,dy,dx} W[co,ci,dy,dx] s[n,co,yy-dy+pad,xx-dx+pad]:
//                M = cin, K = cout k k, N = positions of the level below (n, yy, xx).
// GEMM_WGRAD     dW[co,ci,dy,dx] = sum_{n,y,x} A[n,co,y,x] B[n,ci,y+dy-pad,x+dx-pad]:
//                M = cout, N = cin k k, K = positions (n, y, x) of the chunk's images; chunk s
//                of a0 writes its partial sums to dst[s * weights + w] (wgrad_reduce adds them).
//
// Tiling. A workgroup of WG = WM x WN threads computes a BM x BN tile of C (BM = WM TM, BN = WN TN):
// thread (tm, tn) holds TM rows x TN columns in TM x TN/4 vec4 accumulators (TM <= 4, TN = 4 or
// 8). The K dimension advances BK at a time: the workgroup loads the BM x BK slice of A and the
// BK x BN slice of B into workgroup memory (As[kk][m], Bs[kk][p] as vec4 of 4 columns), each
// thread a fixed B column p (so a position, or a template tap, is decoded once, outside the K
// loop), then every thread does BK x TM x TN multiply-adds from workgroup memory: each A value
// feeds TN of them, each vec4 of B TM. Out-of-range rows, columns and K read as 0 and are not
// stored. The tile's grid is flat: workgroup w is column tile w % a1, row tile (w / a1) % a2,
// chunk w / (a1 a2) (all uniform, so the barriers are in uniform control flow).
//
// Fused epilogues of the forward product (one dispatch instead of three):
// gemm_forward       u only (the top-down pass's template matching, bias 0);
// gemm_forward_relu  u, r = max(0, u) and the a-switch [u > 0] (relu.wgsl's rule);
// gemm_forward_pool  as _relu, and the 2x2 max-pool of r with its t-switch (pool.wgsl's rule:
//                    first maximum in the order UL, UR, LL, LR). Its columns are in pool order:
//                    p = ((n WH + py) WW + px) 4 + q with WH = ceil(hout/2), WW = ceil(wout/2) and
//                    q = dy 2 + dx, so every vec4 of a thread is one window; a window over the
//                    trailing odd row/column stores u, r, a but no pooled value.
// Dims (params.ts gemmParams): the level's conv geometry; a0 = chunks (1 but for GEMM_WGRAD),
// a1 = column tiles, a2 = row tiles; mode = 1 for pool-order columns; total = threads (tiles x WG).

@group(0) @binding(1) var<storage, read> src: array<f32>;            // x / s / A (the maps)
@group(0) @binding(2) var<storage, read> aux: array<f32>;            // W / W / B (level input)
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> dst: array<f32>;      // u / out / partial dW
@group(0) @binding(5) var<storage, read_write> relu_out: array<f32>;
@group(0) @binding(6) var<storage, read_write> a_switch: array<u32>;
@group(0) @binding(7) var<storage, read_write> pooled: array<f32>;
@group(0) @binding(8) var<storage, read_write> t_switch: array<u32>;

override GEMM_FORWARD: u32;
override GEMM_TRANSPOSE: u32;
override GEMM_WGRAD: u32;
override OP: u32;
override WM: u32;
override TM: u32;
override TN: u32;
override BK: u32;
override WN: u32 = WG / WM;
override BM: u32 = WM * TM;
override BN: u32 = WN * TN;

var<workgroup> As: array<f32, BM * BK>;
var<workgroup> Bs: array<vec4f, BN * BK / 4>;

struct Acc {
  c00: vec4f, c01: vec4f, c10: vec4f, c11: vec4f,
  c20: vec4f, c21: vec4f, c30: vec4f, c31: vec4f,
}

struct Tile {
  m0: u32,     // first row of the tile
  n0: u32,     // first column
  chunk: u32,
  live: bool,  // false for the grid's spare workgroups past the last tile
}

fn tile_of(wg: vec3u, nwg: vec3u) -> Tile {
  let w = wg.x + wg.y * nwg.x;
  let tiles = dims.a1 * dims.a2;
  return Tile((w / dims.a1) % dims.a2 * BM, (w % dims.a1) * BN, w / tiles, w < tiles * dims.a0);
}

fn rows() -> u32 {
  if (OP == GEMM_TRANSPOSE) { return dims.cin; }
  return dims.cout;
}

// Columns per image: positions of the output map, in raster or pool order (mode 1); for the
// weight gradient, the template taps.
fn per_image() -> u32 {
  if (OP == GEMM_TRANSPOSE) { return dims.hin * dims.win; }
  if (dims.mode == 1u) { return 4u * ((dims.hout + 1u) / 2u) * ((dims.wout + 1u) / 2u); }
  return dims.hout * dims.wout;
}

fn cols() -> u32 {
  if (OP == GEMM_WGRAD) { return dims.cin * dims.k * dims.k; }
  return dims.n * per_image();
}

// A column of the forward or transposed product: image, row, column; y = -1 marks a pool-order
// slot outside the map (a trailing odd row/column's missing partner) or a column past N.
fn decode_pos(p: u32) -> vec3i {
  let per = per_image();
  let img = p / per;
  let r = p % per;
  if (img >= dims.n) { return vec3i(0, -1, 0); }
  if (OP == GEMM_TRANSPOSE) { return vec3i(i32(img), i32(r / dims.win), i32(r % dims.win)); }
  if (dims.mode == 1u) {
    let ww = (dims.wout + 1u) / 2u;
    let win = r / 4u;
    let q = r % 4u;
    let y = (win / ww) * 2u + (q >> 1u);
    let x = (win % ww) * 2u + (q & 1u);
    if (y >= dims.hout || x >= dims.wout) { return vec3i(0, -1, 0); }
    return vec3i(i32(img), i32(y), i32(x));
  }
  return vec3i(i32(img), i32(r / dims.wout), i32(r % dims.wout));
}

// The K range of a chunk: all of K, or the chunk's images' positions for the weight gradient.
fn k_range(chunk: u32) -> vec2u {
  let kk = dims.k * dims.k;
  if (OP == GEMM_FORWARD) { return vec2u(0u, dims.cin * kk); }
  if (OP == GEMM_TRANSPOSE) { return vec2u(0u, dims.cout * kk); }
  let per = (dims.n + dims.a0 - 1u) / dims.a0;
  let hw = dims.hout * dims.wout;
  let lo = min(dims.n, chunk * per);
  return vec2u(lo * hw, min(dims.n, lo + per) * hw);
}

// A[m, k], k inside the K range and m < M.
fn a_val(m: u32, k: u32) -> f32 {
  let kk = dims.k * dims.k;
  if (OP == GEMM_FORWARD) { return aux[m * dims.cin * kk + k]; }
  if (OP == GEMM_TRANSPOSE) { return aux[((k / kk) * dims.cin + m) * kk + k % kk]; }
  let hw = dims.hout * dims.wout;
  return src[((k / hw) * dims.cout + m) * hw + k % hw];
}

// What a thread's B column p fixes, decoded once: (image, y, x) of a position, or (ci, dy, dx)
// of a tap; y = -1 for a column with nothing to load.
fn b_column(p: u32) -> vec3i {
  if (OP == GEMM_WGRAD) {
    if (p >= cols()) { return vec3i(0, -1, 0); }
    let kk = dims.k * dims.k;
    return vec3i(i32(p / kk), i32((p % kk) / dims.k), i32(p % dims.k));
  }
  return decode_pos(p);
}

// B[k, p] for the column decoded as c, k inside the K range; 0 outside the map (zero padding).
fn b_val(k: u32, c: vec3i) -> f32 {
  let ki = i32(dims.k);
  let pad = i32(dims.pad);
  if (OP == GEMM_WGRAD) {
    let hw = dims.hout * dims.wout;
    let img = k / hw;
    let r = k % hw;
    let yy = i32(r / dims.wout) + c.y - pad;
    let xx = i32(r % dims.wout) + c.z - pad;
    if (yy < 0 || yy >= i32(dims.hin) || xx < 0 || xx >= i32(dims.win)) { return 0.0; }
    return aux[((img * dims.cin + u32(c.x)) * dims.hin + u32(yy)) * dims.win + u32(xx)];
  }
  let kk = dims.k * dims.k;
  let ch = k / kk;
  let dy = i32((k % kk) / dims.k);
  let dx = i32(k % dims.k);
  if (OP == GEMM_FORWARD) {
    let yy = c.y + dy - pad;
    let xx = c.z + dx - pad;
    if (yy < 0 || yy >= i32(dims.hin) || xx < 0 || xx >= i32(dims.win)) { return 0.0; }
    return src[((u32(c.x) * dims.cin + ch) * dims.hin + u32(yy)) * dims.win + u32(xx)];
  }
  let y = c.y + pad - dy;
  let x = c.z + pad - dx;
  if (y < 0 || y >= i32(dims.hout) || x < 0 || x >= i32(dims.wout)) { return 0.0; }
  return src[((u32(c.x) * dims.cout + ch) * dims.hout + u32(y)) * dims.wout + u32(x)];
}

// The main loop: this thread's TM x TN block of the tile (rows t.m0 + tm TM + i, columns
// t.n0 + tn TN + j), summed over the chunk's K range in BK steps in the order k = 0, 1, 2, ...
fn product(t: Tile, lt: u32) -> Acc {
  var acc: Acc;
  let M = rows();
  let kr = k_range(t.chunk);
  let tm = lt / WN;
  let tn = lt % WN;
  // This thread's B column (WG % BN == 0: the same for every load) and first B row.
  let bp = lt % BN;
  let bcol = b_column(t.n0 + bp);
  let bk0 = lt / BN;
  for (var k0 = kr.x; k0 < kr.y; k0 += BK) {
    for (var e = lt; e < BM * BK; e += WG) {
      let kk = e % BK;
      let m = e / BK;
      var v = 0.0;
      if (t.m0 + m < M && k0 + kk < kr.y) { v = a_val(t.m0 + m, k0 + kk); }
      As[kk * BM + m] = v;
    }
    for (var kk = bk0; kk < BK; kk += WG / BN) {
      var v = 0.0;
      if (bcol.y >= 0 && k0 + kk < kr.y) { v = b_val(k0 + kk, bcol); }
      Bs[(kk * BN + bp) / 4u][bp % 4u] = v;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < BK; kk++) {
      let b0 = Bs[(kk * BN + tn * TN) / 4u];
      var b1 = vec4f(0.0);
      if (TN == 8u) { b1 = Bs[(kk * BN + tn * TN) / 4u + 1u]; }
      let ai = kk * BM + tm * TM;
      let a0 = As[ai];
      acc.c00 += a0 * b0;
      if (TN == 8u) { acc.c01 += a0 * b1; }
      if (TM > 1u) {
        let a1 = As[ai + 1u];
        acc.c10 += a1 * b0;
        if (TN == 8u) { acc.c11 += a1 * b1; }
      }
      if (TM > 2u) {
        let a2 = As[ai + 2u];
        acc.c20 += a2 * b0;
        if (TN == 8u) { acc.c21 += a2 * b1; }
      }
      if (TM > 3u) {
        let a3 = As[ai + 3u];
        acc.c30 += a3 * b0;
        if (TN == 8u) { acc.c31 += a3 * b1; }
      }
    }
    workgroupBarrier();
  }
  return acc;
}

// Accumulator block (row i, column group j) of a thread.
fn acc_at(a: Acc, i: u32, j: u32) -> vec4f {
  switch (i * 2u + j) {
    case 0u: { return a.c00; }
    case 1u: { return a.c01; }
    case 2u: { return a.c10; }
    case 3u: { return a.c11; }
    case 4u: { return a.c20; }
    case 5u: { return a.c21; }
    case 6u: { return a.c30; }
    default: { return a.c31; }
  }
}

// Stores the forward product u = acc + b with r and a, and, for epi = 2, the pooled map and t.
fn store_forward(t: Tile, lt: u32, acc: Acc, epi: u32) {
  let tm = lt / WN;
  let tn = lt % WN;
  let hp = dims.hout / 2u;
  let wp = dims.wout / 2u;
  for (var i = 0u; i < TM; i++) {
    let m = t.m0 + tm * TM + i;
    if (m >= dims.cout) { break; }
    let b = bias[m];
    for (var j = 0u; j < TN / 4u; j++) {
      let p0 = t.n0 + tn * TN + 4u * j;
      let u = acc_at(acc, i, j) + vec4f(b);
      var best = -1.0;
      var arg = 0u;
      for (var q = 0u; q < 4u; q++) {
        let pos = decode_pos(p0 + q);
        if (pos.y < 0) { continue; }
        let idx = ((u32(pos.x) * dims.cout + m) * dims.hout + u32(pos.y)) * dims.wout + u32(pos.z);
        dst[idx] = u[q];
        let on = u[q] > 0.0;
        let r = select(0.0, u[q], on);
        relu_out[idx] = r;
        a_switch[idx] = select(0u, 1u, on);
        if (q == 0u || r > best) { best = r; arg = q; }
      }
      if (epi == 2u) {
        // Pool order: this vec4 is window p0 / 4 of its image.
        let per = per_image();
        let img = p0 / per;
        let w = (p0 % per) / 4u;
        let ww = (dims.wout + 1u) / 2u;
        let py = w / ww;
        let px = w % ww;
        if (img < dims.n && py < hp && px < wp) {
          let o = ((img * dims.cout + m) * hp + py) * wp + px;
          pooled[o] = best;
          t_switch[o] = arg;
        }
      }
    }
  }
}

@compute @workgroup_size(WG)
fn gemm_forward(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lt: u32) {
  let t = tile_of(wg, nwg);
  if (!t.live) { return; }
  let acc = product(t, lt);
  // u only (no ReLU or pool bindings are used, so none need binding).
  let tm = lt / WN;
  let tn = lt % WN;
  for (var i = 0u; i < TM; i++) {
    let m = t.m0 + tm * TM + i;
    if (m >= dims.cout) { break; }
    for (var j = 0u; j < TN / 4u; j++) {
      let u = acc_at(acc, i, j) + vec4f(bias[m]);
      for (var q = 0u; q < 4u; q++) {
        let pos = decode_pos(t.n0 + tn * TN + 4u * j + q);
        if (pos.y < 0) { continue; }
        dst[((u32(pos.x) * dims.cout + m) * dims.hout + u32(pos.y)) * dims.wout + u32(pos.z)] = u[q];
      }
    }
  }
}

// (_relu statically uses the pool bindings too: a level without pooling binds spare buffers there.)
@compute @workgroup_size(WG)
fn gemm_forward_relu(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lt: u32) {
  let t = tile_of(wg, nwg);
  if (!t.live) { return; }
  store_forward(t, lt, product(t, lt), 1u);
}

@compute @workgroup_size(WG)
fn gemm_forward_pool(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lt: u32) {
  let t = tile_of(wg, nwg);
  if (!t.live) { return; }
  store_forward(t, lt, product(t, lt), 2u);
}

// The transpose and the weight gradient store the plain product.
@compute @workgroup_size(WG)
fn gemm_store(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lt: u32) {
  let t = tile_of(wg, nwg);
  if (!t.live) { return; }
  let acc = product(t, lt);
  let M = rows();
  let N = cols();
  let tm = lt / WN;
  let tn = lt % WN;
  let weights = dims.cout * dims.cin * dims.k * dims.k;
  for (var i = 0u; i < TM; i++) {
    let m = t.m0 + tm * TM + i;
    if (m >= M) { break; }
    for (var j = 0u; j < TN / 4u; j++) {
      let v = acc_at(acc, i, j);
      for (var q = 0u; q < 4u; q++) {
        let p = t.n0 + tn * TN + 4u * j + q;
        if (p >= N) { break; }
        if (OP == GEMM_WGRAD) {
          dst[t.chunk * weights + m * N + p] = v[q];
        } else {
          let pos = decode_pos(p);
          dst[((u32(pos.x) * dims.cin + m) * dims.hin + u32(pos.y)) * dims.win + u32(pos.z)] = v[q];
        }
      }
    }
  }
}
