// The EG objective's terms, their gradients, and the running metrics (DRMM.md section 3).
//
// Normalisation (means): CE over the labelled images of the batch; the reconstruction over
// images and pixels, ||I - I_hat||^2 / (N*D); the entropy term H(p) - log C over the unlabelled
// images (minimising it sharpens their predictions); the nonnegativity penalty ||relu(-z(l))||^2
// over the images and units of each level, summed over levels; the class-balance term
// KL(pbar || u) = sum_c pbar_c log pbar_c + log C, pbar = the mean of p(c|I) over the batch's
// unlabelled images (0 without any; it pulls the aggregate prediction towards the uniform class
// prior, against the imbalance the sharpening locks in). Each weight multiplies its term.
// Labels are u32 with 0xffffffff for "unlabelled".
//
// scores_grad: dL/ds_k = (p_k - [k = y]) / N_lab for a labelled image, and
//   a_kl * (-p_k (log p_k + H)) / N_unl + a_bal * p_k (log pbar_k - sum_c p_c log pbar_c) / N_unl
//   for an unlabelled one (dH/ds_k, and dKL(pbar||u)/ds_k: the +1 of d(pbar log pbar) cancels
//   through the softmax Jacobian; log pbar guarded by max(pbar, 1e-30)). Each unlabelled thread
//   sums pbar itself over the batch (N x C reads, N <= a few hundred, C = 10): cheaper than a
//   kernel and a buffer of its own, and only when a_bal != 0, so a run without the term computes
//   exactly what it did before. Also writes the class the top-down pass starts from: the label,
//   or the predicted class (first maximal probability).
// recon_grad: dL/dI_hat = a_rc * 2 (I_hat - I) / (N*D).
// topdown_backward: through one level's top-down step su = a * relu(s) (rendering, `mode`
//   VARIANT_RENDERING) or a * s (gradient, VARIANT_GRADIENT): g_sr = g_su * a * [sr > 0 if
//   rendering], plus the penalty's -2 a_nn relu(-sr) / (N*units).
// class_start_backward: dmu from the signal's gradient at the top map, for the class each image
//   started from (`mode` bits MODE_DENSE: dense read-out; MODE_ACCUMULATE: add onto dst).
// metrics_scores (one thread): adds sum CE, N_lab, sum (H - log C), N_unl, correct labelled to
//   acc[0..4], and the batch's KL(pbar || u) to acc[a0]. metrics_sq (one workgroup): adds sum (A - B)^2 (`mode` SQ_DIFFERENCE) or sum
//   relu(-A)^2 (SQ_NEGATIVE_PART) times f1 to acc[a0]. eval_accumulate (one thread): correct and
//   seen to acc[a0], acc[a0+1].
// The contrastive rendering term (weight a_cr, margin m; only recorded when a_cr > 0, so a run
// without it dispatches exactly what it did before). With e_n(c) = ||I_n - I_hat_c||^2 / D the
// squared error of the rendering from class c through image n's own switches, y_n the start class
// (ucls above) and r_n = (y_n + 1 + k_n) mod C a rival drawn by the run (k_n in [0, C-2]):
//   L_cr = a_cr / N sum_n relu(m + e_n(y_n) - e_n(r_n)).
// Why: the RC term trains only the start class's rendering; nothing asks another class's rendering
// to fit the digit worse, so every class renders the digit about as well (all ten renderings
// through a 7's switches look like the 7). A generative classifier ranks the classes by exactly
// this error (Gaussian pixel noise: p(c|I) = softmax_c(-||I - I_hat_c||^2 / 2 sigma^2)); the hinge
// asks for that ranking by a margin, per image, with one sampled rival. Gradients, switches fixed,
// for an image whose hinge is active (h_n = m + e_n(y) - e_n(r) > 0; none otherwise):
//   dL/dI_hat_y = a_cr 2 (I_hat_y - I) / (N D),  dL/dI_hat_r = -a_cr 2 (I_hat_r - I) / (N D),
// each back through its own top-down pass into the templates and class templates.
// cr_rival: r_n from labels = y_n and fc = k_n, into ucls. cr_error (one workgroup an image):
//   dst[n] = e_n(rendering in fa). cr_hinge: dst[N + n] = relu(f0 = m + e_n - dst[n]).
// cr_recon_grad: dL/dI_hat = (f0 + f1 [fc[N + n] > 0]) 2 (I_hat - I) / (N*D): f0 = a_rc, f1 = a_cr
//   for the start class's pass (an inactive image gets a_rc's gradient exactly), f0 = 0,
//   f1 = -a_cr for the rival's. metrics_cr (one thread): f1 sum_n fa[N + n] added to dst[a0].
// Dims (params.ts): f0 the term's weight (scores_grad: a_kl, recon_grad: a_rc, topdown_backward:
// a_nn), scores_grad's f1 a_bal; total the threads, and for recon_grad and topdown_backward the mean's divisor N*D or
// N*units; metrics_sq: mode, a0 the accumulator, f1 the scale.

@group(0) @binding(1) var<storage, read> fa: array<f32>;
@group(0) @binding(2) var<storage, read> fb: array<f32>;
@group(0) @binding(3) var<storage, read> labels: array<u32>;
@group(0) @binding(4) var<storage, read_write> dst: array<f32>;
@group(0) @binding(5) var<storage, read_write> ucls: array<u32>;

// The contrastive term's per-image reals (its kernels only): the rival offsets, or h_n.
@group(0) @binding(6) var<storage, read> fc: array<f32>;

const UNLABELLED: u32 = 0xffffffffu;

fn count_labelled() -> u32 {
  var c = 0u;
  for (var n = 0u; n < dims.n; n++) { if (labels[n] != UNLABELLED) { c++; } }
  return c;
}

fn argmax_probs(n: u32) -> u32 {
  let base = n * dims.classes;
  var m = fa[base];
  var arg = 0u;
  for (var c = 1u; c < dims.classes; c++) { if (fa[base + c] > m) { m = fa[base + c]; arg = c; } }
  return arg;
}

fn entropy(n: u32) -> f32 {
  var h = 0.0;
  for (var c = 0u; c < dims.classes; c++) {
    let p = fa[n * dims.classes + c];
    if (p > 0.0) { h -= p * log(p); }
  }
  return h;
}

// pbar_c: the mean of p(c|I) over the batch's unlabelled images (0 when it has none).
fn pbar(c: u32) -> f32 {
  var s = 0.0;
  var nu = 0u;
  for (var n = 0u; n < dims.n; n++) {
    if (labels[n] == UNLABELLED) { s += fa[n * dims.classes + c]; nu++; }
  }
  return s / f32(max(nu, 1u));
}

fn log_pbar(c: u32) -> f32 { return log(max(pbar(c), 1e-30)); }

// fa = probs; one thread per image.
@compute @workgroup_size(WG)
fn scores_grad(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let n = flat_id(gid, nwg);
  if (n >= dims.total) { return; }
  let nl = count_labelled();
  let y = labels[n];
  let base = n * dims.classes;
  if (y != UNLABELLED) {
    for (var c = 0u; c < dims.classes; c++) {
      dst[base + c] = (fa[base + c] - select(0.0, 1.0, c == y)) / f32(nl);
    }
    ucls[n] = y;
  } else {
    let h = entropy(n);
    let nu = f32(dims.n - nl);
    for (var c = 0u; c < dims.classes; c++) {
      let p = fa[base + c];
      var g = 0.0;
      if (p > 0.0) { g = -p * (log(p) + h); }
      dst[base + c] = dims.f0 * g / nu;
    }
    if (dims.f1 != 0.0) {
      // mean_c = sum_c p_c log pbar_c, over this image's p.
      var mean = 0.0;
      for (var c = 0u; c < dims.classes; c++) { mean += fa[base + c] * log_pbar(c); }
      for (var c = 0u; c < dims.classes; c++) {
        dst[base + c] += dims.f1 * fa[base + c] * (log_pbar(c) - mean) / nu;
      }
    }
    ucls[n] = argmax_probs(n);
  }
}

// fa = I_hat, fb = I; one thread per pixel value.
@compute @workgroup_size(WG)
fn recon_grad(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = flat_id(gid, nwg);
  if (i >= dims.total) { return; }
  dst[i] = dims.f0 * 2.0 * (fa[i] - fb[i]) / f32(dims.total);
}

// fa = dL/dsu (from the level below), fb = sr, ucls = the level's a-switches.
@compute @workgroup_size(WG)
fn topdown_backward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = flat_id(gid, nwg);
  if (i >= dims.total) { return; }
  let s = fb[i];
  var g = 0.0;
  if (ucls[i] != 0u && (dims.mode == VARIANT_GRADIENT || s > 0.0)) { g = fa[i]; }
  g -= dims.f0 * 2.0 * max(-s, 0.0) / f32(dims.total);
  dst[i] = g;
}

// fa = dL/d(top map) (n, cout, hout, wout), ucls = start classes; one thread per entry of mu.
@compute @workgroup_size(WG)
fn class_start_backward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = flat_id(gid, nwg);
  if (i >= dims.total) { return; }
  let hw = dims.hout * dims.wout;
  let per = dims.cout * hw;
  let dense = (dims.mode & MODE_DENSE) != 0u;
  let len = select(dims.cout, per, dense);
  let c = i / len;
  let j = i % len;
  var s = 0.0;
  for (var n = 0u; n < dims.n; n++) {
    if (ucls[n] != c) { continue; }
    if (dense) {
      s += fa[n * per + j];
    } else {
      for (var q = 0u; q < hw; q++) { s += fa[n * per + j * hw + q]; }
    }
  }
  if (!dense) { s = s / f32(hw); }
  if ((dims.mode & MODE_ACCUMULATE) != 0u) { dst[i] += s; } else { dst[i] = s; }
}

// fa = probs; dst = accumulators. One thread.
@compute @workgroup_size(1)
fn metrics_scores() {
  var ce = 0.0;
  var ent = 0.0;
  var nl = 0.0;
  var correct = 0.0;
  let logc = log(f32(dims.classes));
  for (var n = 0u; n < dims.n; n++) {
    let y = labels[n];
    if (y != UNLABELLED) {
      ce -= log(max(fa[n * dims.classes + y], 1e-30));
      nl += 1.0;
      if (argmax_probs(n) == y) { correct += 1.0; }
    } else {
      ent += entropy(n) - logc;
    }
  }
  dst[0] += ce;
  dst[1] += nl;
  dst[2] += ent;
  dst[3] += f32(dims.n) - nl;
  dst[4] += correct;
  // KL(pbar || u) = sum_c pbar_c log pbar_c + log C, 0 for a batch without unlabelled images.
  if (f32(dims.n) > nl) {
    var bal = logc;
    for (var c = 0u; c < dims.classes; c++) { let q = pbar(c); bal += q * log(max(q, 1e-30)); }
    dst[dims.a0] += bal;
  }
}

var<workgroup> partial: array<f32, WG>;

// The sum of every thread's s over the workgroup, by a tree in workgroup memory (log2 WG halvings),
// returned to every thread. Call it from uniform control flow: it holds barriers.
fn reduce_partial(li: u32, s: f32) -> f32 {
  partial[li] = s;
  workgroupBarrier();
  for (var w = WG / 2u; w > 0u; w = w / 2u) {
    if (li < w) { partial[li] += partial[li + w]; }
    workgroupBarrier();
  }
  return partial[0];
}

// One workgroup of WG threads (a power of two) over `total` elements; the sum times f1 is added
// to dst[a0].
@compute @workgroup_size(WG)
fn metrics_sq(@builtin(local_invocation_index) li: u32) {
  var s = 0.0;
  for (var i = li; i < dims.total; i += WG) {
    var d = 0.0;
    if (dims.mode == SQ_DIFFERENCE) { d = fa[i] - fb[i]; } else { d = max(-fa[i], 0.0); }
    s += d * d;
  }
  let total = reduce_partial(li, s);
  if (li == 0u) { dst[dims.a0] += total * dims.f1; }
}

// fa = probs, labels = true labels: adds correct and seen images to dst[a0], dst[a0 + 1].
@compute @workgroup_size(1)
fn eval_accumulate() {
  var correct = 0.0;
  for (var n = 0u; n < dims.n; n++) { if (argmax_probs(n) == labels[n]) { correct += 1.0; } }
  dst[dims.a0] += correct;
  dst[dims.a0 + 1u] += f32(dims.n);
}

// labels = y_n (the start classes), fc = k_n; ucls = r_n. One thread an image.
@compute @workgroup_size(WG)
fn cr_rival(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let n = flat_id(gid, nwg);
  if (n >= dims.total) { return; }
  ucls[n] = (labels[n] + 1u + u32(fc[n])) % dims.classes;
}

// sum_d (fa - fb)^2 over image `img`'s a0 = D values, by its workgroup (every thread gets it).
fn image_sq(img: u32, li: u32) -> f32 {
  var s = 0.0;
  let base = img * dims.a0;
  for (var d = li; d < dims.a0; d += WG) {
    let v = fa[base + d] - fb[base + d];
    s += v * v;
  }
  return reduce_partial(li, s);
}

// The image of a workgroup (a uniform value: the barriers stay in uniform control flow).
fn image_of(wid: vec3u, nwg: vec3u) -> u32 { return wid.x + wid.y * nwg.x; }

// fa = I_hat (the rival's rendering), fb = I; dst[n] = e_n(r). One workgroup an image.
@compute @workgroup_size(WG)
fn cr_error(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32) {
  let img = image_of(wid, nwg);
  if (img >= dims.n) { return; }
  let s = image_sq(img, li);
  if (li == 0u) { dst[img] = s / f32(dims.a0); }
}

// fa = I_hat (the start class's rendering), fb = I, dst[n] = e_n(r); dst[N + n] = h_n. One workgroup an image.
@compute @workgroup_size(WG)
fn cr_hinge(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32) {
  let img = image_of(wid, nwg);
  if (img >= dims.n) { return; }
  let s = image_sq(img, li);
  if (li == 0u) { dst[dims.n + img] = max(dims.f0 + s / f32(dims.a0) - dst[img], 0.0); }
}

// fa = I_hat, fb = I, fc[N + n] = h_n; one thread a pixel value (total = N*D, the mean's divisor).
@compute @workgroup_size(WG)
fn cr_recon_grad(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = flat_id(gid, nwg);
  if (i >= dims.total) { return; }
  let img = i / (dims.total / dims.n);
  let on = select(0.0, 1.0, fc[dims.n + img] > 0.0);
  dst[i] = (dims.f0 + dims.f1 * on) * 2.0 * (fa[i] - fb[i]) / f32(dims.total);
}

// fa[N + n] = h_n; adds f1 sum_n h_n to dst[a0]. One thread.
@compute @workgroup_size(1)
fn metrics_cr() {
  var s = 0.0;
  for (var n = 0u; n < dims.n; n++) { s += fa[dims.n + n]; }
  dst[dims.a0] += s * dims.f1;
}
