/**
 * What each step means, in plain language and probabilistically (the paper's reading of each
 * convnet operation), with the step's own numbers and links to the glossary.
 */
import { TermLink } from '../about/TermLink';
import { fmt, onFraction, tCounts, tDisplay, T_CATEGORIES } from '../scales';
import type { ViewResult } from '../store';
import type { Step } from './steps';

const pct = (f: number) => `${(100 * f).toFixed(1)}%`;

export function StepCaption({ view, step }: { view: ViewResult; step: Step }) {
  const { forward } = view.result;
  const L = view.spec.levels.length;
  const l = step.level;
  const fwd = l > 0 ? forward.levels[l - 1] : null;
  const pred = forward.pred[0];
  const c = view.startClass;

  switch (step.kind) {
    case 'match':
      return (
        <p>
          <TermLink term="template-matching">Template matching</TermLink>: each of level {l}’s {view.spec.levels[l - 1].channels} templates is
          slid over {l === 1 ? 'the image x(0)' : `x(${l - 1}), the messages of level ${l - 1},`} and scored at every position: u = W·x + b.
          Probabilistically u is the log-likelihood, up to a constant, that this <TermLink term="weights">template</TermLink> is rendered right here;
          the bias b is its log prior. These scores are the DP’s <TermLink term="feature-maps">max-sum messages</TermLink> before any switch is chosen.
        </p>
      );
    case 'relu':
      return (
        <p>
          <TermLink term="relu">ReLU = max over the ON/OFF switch a</TermLink>: a part is rendered only if it improves the fit. For each unit the DP
          compares a = 1 (score u) with a = 0 (score 0) and keeps the better: r = max(0, u) and a = [u &gt; 0]. At level {l},{' '}
          {pct(onFraction(fwd!.a))} of the switches are ON; the OFF units carry no <TermLink term="rendering-path">rendering path</TermLink>.
        </p>
      );
    case 'pool': {
      const counts = tCounts(tDisplay(fwd!.t!, fwd!.x));
      return (
        <p>
          <TermLink term="max-pool">Max-pooling = max over the translation t</TermLink>: the part may sit at any of the four positions of each 2×2
          window, so the DP keeps the best score, x({l}) = max over t of r({l}), and the t-switch records where it was (
          {T_CATEGORIES.slice(0, 4).map((k, i) => `${k.name} ${counts[i]}`).join(', ')}; {counts[4]} windows with every unit OFF, where the choice
          means nothing). The map halves: {l < L ? `level ${l + 1}’s templates` : 'the class templates'} see a coarser, shift-tolerant picture.
        </p>
      );
    }
    case 'scores':
      return (
        <p>
          <TermLink term="class-scores">Class scores</TermLink>: each class’s top-level template μ_c is matched against x({L}) (
          {view.spec.readout === 'gap' ? 'after the global average over positions' : 'at every position and channel'}), s_c = ⟨μ_c, R(x({L}))⟩ + b_c.
          This is the log-posterior of class c up to a constant, already maximised over every switch below it: the bottom-up half of the DP ends
          here. The highest score is class {pred}’s, {fmt(forward.scores[pred])}.
        </p>
      );
    case 'argmax':
      return (
        <p>
          <TermLink term="argmax">The MAP class</TermLink> ĉ = argmax s_c = {pred}, with posterior p(ĉ | I) = {pct(forward.probs[pred])} (softmax of
          the scores{view.label >= 0 ? `; the true label is ${view.label}` : ''}). ĉ is the root of the backtrace
          {c !== pred ? `, but you chose to start the backtrace from class ${c} instead: a counterfactual rendering` : ''}. The map shows where class{' '}
          {c}’s score comes from: per top-level position, the template times the messages, summed over channels.
        </p>
      );
    case 'arrive':
      return l === L ? (
        <p>
          The <TermLink term="backtrace">backtrace</TermLink> starts: class {c}’s template μ_{c} is placed on x({L}) through the read-out’s adjoint (
          {view.spec.readout === 'gap' ? 'the same value at every position, divided by their number' : 'reshaped to the map'}). From here the DP
          renders downwards, following the <TermLink term="class-templates">class template</TermLink> through exactly the switches the bottom-up
          pass chose.
        </p>
      ) : (
        <p>
          Level {l + 1}’s templates, transposed, paint their signal into x({l}): the rendering step z({l}) = Γ({l + 1}) su({l + 1}) of the
          generative model. Each value is a sum over the <TermLink term="rendering-path">active rendering paths</TermLink> from class {c} down to
          this unit.
        </p>
      );
    case 'unpool':
      return (
        <p>
          Unpooling level {l} through t({l}): each window’s signal goes back to the one position the bottom-up{' '}
          <TermLink term="max-pool">max over t</TermLink> chose; the other three positions get nothing, so sr({l}) is at most a quarter full. This is
          the “where” of the rendering: the part is drawn at the translation that explained this image best.
        </p>
      );
    case 'mask':
      return (
        <p>
          {view.variant === 'deconvnet' ? (
            <>This backtrace is the deconvnet variant: su = max(0, sr) ignores the a-switches, so OFF units pass signal too. </>
          ) : (
            <>
              Through the <TermLink term="relu">a-switches</TermLink>: an OFF part (a = 0) is not rendered, so its signal stops here
              {view.variant === 'rendering' ? (
                <>
                  ; the nonnegative rendering also clips negative signal, su = a · max(0, sr), keeping z({l}) ≥ 0 as the{' '}
                  <TermLink term="nonnegativity">NN-DRMM</TermLink> requires.
                </>
              ) : (
                <>: su = a · sr, which is exactly the gradient through the ReLU.</>
              )}{' '}
            </>
          )}
          At level {l}, {pct(onFraction(fwd!.a))} of the switches are ON.
        </p>
      );
    case 'pixels':
      return (
        <p>
          The pixels: level 1’s templates paint su(1) into the image. This is the <TermLink term="reconstruction">reconstruction</TermLink> Î,
          class {c}’s template rendered through this image’s switches: each pixel sums the active rendering paths that reach it. Compare it with
          the input on the right; where the two agree, the chosen switches explain the digit.
        </p>
      );
  }
}
