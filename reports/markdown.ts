/**
 * summary.md: the campaign summary as a human reads it after a nightly run.
 */
import type { CampaignSummary, FamilyStats } from '../harness/campaign/summary.ts';

const pct = (n: number, d: number): string => (d === 0 ? '-' : `${((100 * n) / d).toFixed(1)}%`);

function familyRow(name: string, f: FamilyStats): string {
  const kernelSeen = f.kernelAccepted + f.kernelRejected;
  const modelSeen = f.modelAccepted + f.modelRejected;
  return `| ${name} | ${f.generated} | ${pct(f.kernelAccepted, kernelSeen)} | ${pct(f.modelAccepted, modelSeen)} | ${f.vmRuns} | ${f.vmFaults} | ${f.kernelRuns} | ${f.kernelStatesChecked} | ${f.modelBudgetExhausted} |`;
}

function targetLine(name: string, t: CampaignSummary['targets']['model']): string {
  if (t.used) return `- ${name}: used${t.release ? ` (Linux ${t.release})` : ''}`;
  return `- ${name}: not used${t.reason ? `: ${t.reason}` : ''}`;
}

export function renderSummaryMarkdown(s: CampaignSummary): string {
  const out: string[] = [];
  out.push(`# verifuzz campaign, seed ${s.seed}`, '');
  out.push(`${s.programs} programs in ${(s.durationMs / 1000).toFixed(1)} s (${s.programsPerSecond.toFixed(0)} programs/s, ${s.workers} worker${s.workers === 1 ? '' : 's'}), stopped by ${s.stoppedBy}.`);
  if (s.workerCrashes > 0) out.push(`Pipeline crashes (the iteration skipped, a worker restarted): ${s.workerCrashes}.`);
  out.push('', '## Targets', '', targetLine('model', s.targets.model), targetLine('kernel', s.targets.kernel), '');
  out.push('## Generator families', '');
  out.push('| family | programs | kernel accepts | model accepts | VM runs | VM faults | kernel runs | kernel states checked | model gave up |');
  out.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const [name, f] of Object.entries(s.families).sort(([a], [b]) => a.localeCompare(b))) out.push(familyRow(name, f));
  out.push('', '## Findings', '');
  if (s.findings.length === 0) {
    out.push('None.');
  } else {
    out.push('| new | oracle | target | hits | insns | what | entry |', '| --- | --- | --- | ---: | ---: | --- | --- |');
    for (const f of s.findings) {
      const title = f.title.replace(/\|/g, '\\|');
      out.push(`| ${f.isNew ? 'yes' : ''} | ${f.oracle} | ${f.target} | ${f.hits} | ${f.insns} | ${title} | \`${f.file}\` |`);
    }
  }
  out.push('');
  return out.join('\n');
}
