/**
 * JUnit XML for CI systems: one <testsuite> of <testcase>s, failures with a message and detail.
 * Pure: cases in, XML text out.
 */

export interface JunitCase {
  readonly name: string;
  readonly classname: string;
  readonly timeSeconds?: number;
  /** Present when the case failed. */
  readonly failure?: { readonly message: string; readonly detail?: string };
  /** Present when the case was skipped (with the reason). */
  readonly skipped?: string;
}

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Escape text for an XML attribute or element, dropping characters XML 1.0 cannot carry. */
export function xmlEscape(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '').replace(/[&<>"']/g, (c) => XML_ESCAPES[c]!);
}

export function renderJunit(suiteName: string, cases: readonly JunitCase[]): string {
  const failures = cases.filter((c) => c.failure).length;
  const skipped = cases.filter((c) => c.skipped !== undefined && !c.failure).length;
  const time = cases.reduce((t, c) => t + (c.timeSeconds ?? 0), 0);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites tests="${cases.length}" failures="${failures}" skipped="${skipped}">`,
    `  <testsuite name="${xmlEscape(suiteName)}" tests="${cases.length}" failures="${failures}" skipped="${skipped}" time="${time.toFixed(3)}">`,
  ];
  for (const c of cases) {
    const head = `    <testcase name="${xmlEscape(c.name)}" classname="${xmlEscape(c.classname)}" time="${(c.timeSeconds ?? 0).toFixed(3)}"`;
    if (c.failure) {
      lines.push(`${head}>`);
      lines.push(`      <failure message="${xmlEscape(c.failure.message)}">${xmlEscape(c.failure.detail ?? '')}</failure>`);
      lines.push('    </testcase>');
    } else if (c.skipped !== undefined) {
      lines.push(`${head}>`, `      <skipped message="${xmlEscape(c.skipped)}"/>`, '    </testcase>');
    } else {
      lines.push(`${head}/>`);
    }
  }
  lines.push('  </testsuite>', '</testsuites>', '');
  return lines.join('\n');
}
