// Words for sample quality: a point's figures and what a job's scorer is doing, shared by the job page and the compare view.
import { fmtInt } from './format.js';

export const fmtFd = (x) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(2));
export const fmtIs = fmtFd;
const pct = (x) => `${(x * 100).toFixed(1)}%`;

/** "FD 12.31 · IS 8.10 · labels 97.5%" */
export function pointText(p) {
  const parts = [`FD ${fmtFd(p.fd)}`];
  if (p.is !== null) parts.push(`IS ${fmtIs(p.is)}`);
  if (p.labelAccuracy !== null) parts.push(`labels ${pct(p.labelAccuracy)}`);
  return parts.join(' · ');
}

/**
 * The scorer's state in a sentence: why there are no points yet, or what the points are measured with (the
 * classifier's held-out accuracy and the real-data reference, the figures a good generator approaches).
 */
export function scorerText(scorer, scored = 0) {
  if (!scorer) {
    return scored ? `${fmtInt(scored)} checkpoints scored` : 'Not scored yet: the first checkpoint is scored once its worker has loaded the dataset.';
  }
  const progress = scorer.progress ? ` ${fmtInt(scorer.progress.done)}/${fmtInt(scorer.progress.total)}` : '';
  switch (scorer.state) {
    case 'pending':
      return 'Classifier queued: checkpoints are scored once it is trained.';
    case 'training':
      return `Classifier training${progress}: checkpoints are scored once it is trained.`;
    case 'failed':
      return `The scorer failed: ${scorer.reason ?? 'no reason recorded'}`;
    case 'unavailable':
      return `Not scored: ${scorer.reason ?? 'no scorer for this dataset'}`;
    default: {
      const what =
        scorer.kind === 'classifier'
          ? `Classifier${scorer.heldOutAccuracy === null ? '' : ` ${pct(scorer.heldOutAccuracy)} held-out accuracy`}`
          : 'Random conv features (a weaker proxy: the dataset has no labels)';
      const ref = scorer.reference
        ? ` · real data: FD ${fmtFd(scorer.reference.fd)}${scorer.reference.is === null ? '' : `, IS ${fmtIs(scorer.reference.is)}`}`
        : '';
      return `${what}${ref}`;
    }
  }
}
