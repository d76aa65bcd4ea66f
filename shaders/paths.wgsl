// Counting active rendering paths: a DP over the levels, carried as log10 because the counts
// overflow any float (a 4-level model has ~10^40 paths to a pixel). NONE (-1e30) stands for
// log10(0), "no path".
//
// A path runs start -> ... -> a r(l) unit -> an x(l-1) unit inside its template's support ->
// ... -> a pixel. A r(l) unit passes paths only if its a-switch is ON; an x(l) unit of a pooling
// level connects to the one r(l) unit its t-switch chose. With `mode` PATHS_POSSIBLE every
// switch counts as ON and all four window positions connect (PATHS_ACTIVE: through the switches).
// paths_down_conv: down_r(l)[u] = log10 sum over the template's support of 10^down_x(l-1), for
//   ON units (down over pixels is log10 1 = 0); one thread a position, shared by its channels.
// paths_down_pool: down_x(l) = down_r(l) at the chosen position (or all four, when possible).
// paths_start: up on the start's map: 0 everywhere for a class start (`a3` 0), or 0 at unit
//   (a0, a1, a2) and NONE elsewhere (`a3` 1).
// paths_up_unpool: up_r(l) = up_x(l) at the chosen position, NONE at the others.
// paths_up_conv: up_x(l-1)[v] = log10 sum over the ON r(l) units whose template covers v of
//   10^up_r(l) (a gather: one thread a position below, shared by its channels).
// paths_active: per image, log10 of the paths reaching the ON units of a map (sum of 10^up), and
//   the number of ON units; dst[2n] and dst[2n+1]. Bindings: src (f32), sw (switches), dst.
// Dims (params.ts paths*Params): the level's conv geometry (down_conv, up_conv) or its pool
// geometry (down_pool, up_unpool) as the inference kernels; the map counted as cout x hout x wout
// (start, active); mode; a0..a3 the unit start.

@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read> sw: array<u32>;
@group(0) @binding(3) var<storage, read_write> dst: array<f32>;

const NONE: f32 = -1e30;
const NONE_BELOW: f32 = -1e29;

fn is_on(j: u32) -> bool {
  return dims.mode == PATHS_POSSIBLE || sw[j] != 0u;
}

// One thread per position (n, y, x): the sum over the template's support does not depend on the
// output channel, so it is computed once and written to every channel whose switch is ON.
@compute @workgroup_size(WG)
fn paths_down_conv(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = flat_id(gid, nwg);
  if (i >= dims.total) { return; }
  let x = i % dims.wout;
  let y = (i / dims.wout) % dims.hout;
  let n = i / (dims.wout * dims.hout);
  let k = dims.k;
  // Two passes (max, then sum of 10^(v - max)) keep the log-sum exact and free of overflow.
  var m = NONE;
  var total = NONE;
  for (var ph = 0u; ph < 2u; ph++) {
    var acc = 0.0;
    for (var ci = 0u; ci < dims.cin; ci++) {
      for (var dy = 0u; dy < k; dy++) {
        let yy = i32(y + dy) - i32(dims.pad);
        if (yy < 0 || yy >= i32(dims.hin)) { continue; }
        for (var dx = 0u; dx < k; dx++) {
          let xx = i32(x + dx) - i32(dims.pad);
          if (xx < 0 || xx >= i32(dims.win)) { continue; }
          let v = src[((n * dims.cin + ci) * dims.hin + u32(yy)) * dims.win + u32(xx)];
          if (ph == 0u) { m = max(m, v); } else if (v > NONE_BELOW) { acc += pow(10.0, v - m); }
        }
      }
    }
    if (ph == 0u && m <= NONE_BELOW) { break; }
    if (ph == 1u) { total = m + log(acc) / log(10.0); }
  }
  let plane = dims.hout * dims.wout;
  for (var co = 0u; co < dims.cout; co++) {
    let j = (n * dims.cout + co) * plane + y * dims.wout + x;
    dst[j] = select(NONE, total, is_on(j));
  }
}

@compute @workgroup_size(WG)
fn paths_down_pool(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = flat_id(gid, nwg);
  if (i >= dims.total) { return; }
  let x = i % dims.wout;
  let y = (i / dims.wout) % dims.hout;
  let nc = i / (dims.wout * dims.hout);
  let base = (nc * dims.hin + 2u * y) * dims.win + 2u * x;
  if (dims.mode != PATHS_POSSIBLE) {
    let q = sw[i];
    dst[i] = src[base + (q >> 1u) * dims.win + (q & 1u)];
    return;
  }
  var m = NONE;
  for (var q = 0u; q < 4u; q++) { m = max(m, src[base + (q >> 1u) * dims.win + (q & 1u)]); }
  if (m <= NONE_BELOW) { dst[i] = NONE; return; }
  var acc = 0.0;
  for (var q = 0u; q < 4u; q++) {
    let v = src[base + (q >> 1u) * dims.win + (q & 1u)];
    if (v > NONE_BELOW) { acc += pow(10.0, v - m); }
  }
  dst[i] = m + log(acc) / log(10.0);
}

@compute @workgroup_size(WG)
fn paths_start(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = flat_id(gid, nwg);
  if (i >= dims.total) { return; }
  if (dims.a3 == 0u) { dst[i] = 0.0; return; }
  let x = i % dims.wout;
  let y = (i / dims.wout) % dims.hout;
  let ch = (i / (dims.wout * dims.hout)) % dims.cout;
  dst[i] = select(NONE, 0.0, ch == dims.a0 && y == dims.a1 && x == dims.a2);
}

@compute @workgroup_size(WG)
fn paths_up_unpool(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = flat_id(gid, nwg);
  if (i >= dims.total) { return; }
  let x = i % dims.win;
  let y = (i / dims.win) % dims.hin;
  let nc = i / (dims.win * dims.hin);
  let py = y / 2u;
  let px = x / 2u;
  var v = NONE;
  if (py < dims.hout && px < dims.wout) {
    let j = (nc * dims.hout + py) * dims.wout + px;
    if (dims.mode == PATHS_POSSIBLE || sw[j] == (y & 1u) * 2u + (x & 1u)) { v = src[j]; }
  }
  dst[i] = v;
}

// One thread per position (n, yy, xx) of the level below: the paths reaching an input unit come
// from the ON r(l) units whose template covers its position, whatever its channel, so the sum is
// computed once and written to every input channel. src holds up_r on the template-match map
// (n, cout, hout, wout) and sw its a-switches.
@compute @workgroup_size(WG)
fn paths_up_conv(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = flat_id(gid, nwg);
  if (i >= dims.total) { return; }
  let xx = i % dims.win;
  let yy = (i / dims.win) % dims.hin;
  let n = i / (dims.win * dims.hin);
  let k = dims.k;
  var m = NONE;
  var total = NONE;
  for (var ph = 0u; ph < 2u; ph++) {
    var acc = 0.0;
    for (var co = 0u; co < dims.cout; co++) {
      for (var dy = 0u; dy < k; dy++) {
        let y = i32(yy + dims.pad) - i32(dy);
        if (y < 0 || y >= i32(dims.hout)) { continue; }
        for (var dx = 0u; dx < k; dx++) {
          let x = i32(xx + dims.pad) - i32(dx);
          if (x < 0 || x >= i32(dims.wout)) { continue; }
          let j = ((n * dims.cout + co) * dims.hout + u32(y)) * dims.wout + u32(x);
          if (!is_on(j)) { continue; }
          let v = src[j];
          if (ph == 0u) { m = max(m, v); } else if (v > NONE_BELOW) { acc += pow(10.0, v - m); }
        }
      }
    }
    if (ph == 0u && m <= NONE_BELOW) { break; }
    if (ph == 1u) { total = m + log(acc) / log(10.0); }
  }
  let plane = dims.hin * dims.win;
  for (var ci = 0u; ci < dims.cin; ci++) { dst[(n * dims.cin + ci) * plane + yy * dims.win + xx] = total; }
}

// One thread per image; units = cout * hout * wout per image.
@compute @workgroup_size(WG)
fn paths_active(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let n = flat_id(gid, nwg);
  if (n >= dims.total) { return; }
  let units = dims.cout * dims.hout * dims.wout;
  let base = n * units;
  var m = NONE;
  var on = 0u;
  for (var j = 0u; j < units; j++) {
    if (sw[base + j] != 0u) { on++; }
    if (is_on(base + j)) { m = max(m, src[base + j]); }
  }
  var total = NONE;
  if (m > NONE_BELOW) {
    var acc = 0.0;
    for (var j = 0u; j < units; j++) {
      let v = src[base + j];
      if (is_on(base + j) && v > NONE_BELOW) { acc += pow(10.0, v - m); }
    }
    total = m + log(acc) / log(10.0);
  }
  dst[2u * n] = total;
  dst[2u * n + 1u] = f32(on);
}
