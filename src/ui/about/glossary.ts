/**
 * The dictionary between convnet and DRMM terms: the paper's Table 2 (Appendix), repeated in the
 * lecture slides ("Unifying Neural Network and Probabilistic Perspectives"), with one plain-
 * language line each. Captions everywhere link here by id (TermLink), so the ids are stable.
 */
export const TERM_IDS = [
  'weights', 'layers', 'filters', 'class-templates', 'forward-pass', 'feature-maps', 'template-matching',
  'max-pool', 'relu', 'class-scores', 'argmax', 'backtrace', 'rendering-path', 'saliency', 'reconstruction',
  'nonnegativity', 'sgd', 'eg', 'semi-supervised',
] as const;
export type TermId = (typeof TERM_IDS)[number];

export interface GlossaryEntry {
  id: TermId;
  /** The convnet's name for it. */
  convnet: string;
  /** The DRMM's name for it (the paper's probabilistic perspective). */
  drmm: string;
  /** What it means, in one or two plain sentences. */
  meaning: string;
}

export const GLOSSARY: GlossaryEntry[] = [
  { id: 'weights', convnet: 'Weights and biases of the filters at a layer', drmm: 'Partial rendering templates Γ at one abstraction level', meaning: 'Each filter is a small picture the model can paint into the level below; the bias is the log prior of using it.' },
  { id: 'layers', convnet: 'Number of layers', drmm: 'Number of abstraction levels', meaning: 'Each level renders the one below it, from the class at the top down to the pixels.' },
  { id: 'filters', convnet: 'Number of filters in a layer', drmm: 'Number of clusters (templates) at a level', meaning: 'How many different parts the model can choose from at that scale.' },
  { id: 'class-templates', convnet: 'Implicit in the weights (product of weights, or activity maximisation)', drmm: 'Category prototypes, finely detailed versions of coarser super-category prototypes', meaning: 'A class is rendered by choosing switches level by level; its template is the sum over the chosen paths.' },
  { id: 'forward-pass', convnet: 'Forward propagation through the convnet', drmm: 'Exact bottom-up inference by max-sum message passing (max-product for the nuisances)', meaning: 'The forward pass is the first half of a dynamic program that finds the most probable class and switches.' },
  { id: 'feature-maps', convnet: 'Input and output feature maps', drmm: 'Probabilistic max-sum messages (real-valued functions of the latent variables)', meaning: 'Each unit holds the score of the best way to explain the pixels under it, given that unit’s part is present.' },
  { id: 'template-matching', convnet: 'Convolution (template matching at a layer)', drmm: 'Local computation at a factor node: the log-likelihood of the measurements', meaning: 'u = W·x + b scores how well each template, placed at each position, explains the level below.' },
  { id: 'max-pool', convnet: 'Max-pooling over a local region', drmm: 'Max-marginalisation over the latent translation t', meaning: 'The part may sit at any of the window’s positions; the max keeps the best one and the t-switch records which.' },
  { id: 'relu', convnet: 'Rectified linear unit (sparsifies the activations)', drmm: 'Max-marginalisation over the ON/OFF switch a (a low prior of being ON)', meaning: 'max(0, u) = max over a ∈ {0, 1} of a·u: a part is rendered (a = 1) only when it improves the fit.' },
  { id: 'class-scores', convnet: 'Logits of the last layer', drmm: 'Log-posterior of the class, up to a constant: ⟨μ_c, x(L)⟩ + b_c', meaning: 'How well each class’s top-level template explains the top-level messages.' },
  { id: 'argmax', convnet: 'The predicted label', drmm: 'The MAP class ĉ, the root of the DP’s backtrace', meaning: 'The most probable class; the backtrace starts from it (or from any class you choose).' },
  { id: 'backtrace', convnet: 'Guided backpropagation / deconvnet', drmm: 'The top-down half of the DP: follow the saved switches from the class to the pixels', meaning: 'Start at the class and render downwards, using exactly the a and t switches the bottom-up pass chose.' },
  { id: 'rendering-path', convnet: 'A chain of connections through the network', drmm: 'A rendering path from the class to a pixel; active when every switch on it is ON and chosen', meaning: 'Each pixel is a sum over paths of the product of the weights along them; only a sparse set is active.' },
  { id: 'saliency', convnet: 'Saliency map (gradient of a score with respect to the input)', drmm: 'The task-relevant pixels: those the active paths reach', meaning: 'Where the chosen class or unit found the evidence it used.' },
  { id: 'reconstruction', convnet: 'No counterpart', drmm: 'The rendered image Î: the class template drawn through the chosen switches', meaning: 'What the model thinks the image looks like; its distance to the input is the reconstruction loss.' },
  { id: 'nonnegativity', convnet: 'No counterpart', drmm: 'The NN-DRMM’s constraint z(l) ≥ 0 that makes the max-sum DP exact', meaning: 'Where the top-down signal goes negative, the forward pass is only a relaxation of exact MAP inference.' },
  { id: 'sgd', convnet: 'Stochastic gradient descent on the cross-entropy', drmm: 'Batch discriminative EM: a fine-to-coarse E-step and a gradient M-step, with no coarse-to-fine pass', meaning: 'Back-propagation is EM with the generative half left out.' },
  { id: 'eg', convnet: 'No counterpart', drmm: 'The EG algorithm: a hard E-step (the DP), then a gradient G-step on the full objective', meaning: 'Training that uses the reconstruction as well as the labels, so unlabelled images help too.' },
  { id: 'semi-supervised', convnet: 'No counterpart (labels are required)', drmm: 'Unlabelled images contribute through the reconstruction and the entropy of q(c | I)', meaning: 'With 100 labels and 59,900 unlabelled images, the DRMM still learns the classes.' },
];

export const GLOSSARY_BY_ID: Record<TermId, GlossaryEntry> = Object.fromEntries(GLOSSARY.map((e) => [e.id, e])) as Record<TermId, GlossaryEntry>;
