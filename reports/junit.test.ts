import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { renderJunit, xmlEscape } from './junit.ts';

describe('renderJunit', () => {
  it('counts failures and skips and renders each case', () => {
    const xml = renderJunit('replay', [
      { name: 'a', classname: 'corpus', timeSeconds: 0.5 },
      { name: 'b <x>', classname: 'corpus', failure: { message: 'verdict changed', detail: 'accept -> reject' } },
      { name: 'c', classname: 'corpus', skipped: 'kernel unavailable' },
    ]);
    expect(xml).toContain('<testsuites tests="3" failures="1" skipped="1">');
    expect(xml).toContain('<testcase name="a" classname="corpus" time="0.500"/>');
    expect(xml).toContain('<testcase name="b &lt;x&gt;" classname="corpus" time="0.000">');
    expect(xml).toContain('<failure message="verdict changed">accept -&gt; reject</failure>');
    expect(xml).toContain('<skipped message="kernel unavailable"/>');
  });

  it('escapes every markup character and drops control characters', () => {
    expect(xmlEscape(`a&b<c>"d'\u0001`)).toBe('a&amp;b&lt;c&gt;&quot;d&apos;');
  });

  it('never lets a name break out of its attribute (property)', () => {
    fc.assert(fc.property(fc.string(), (name) => {
      const xml = renderJunit('s', [{ name, classname: 'c' }]);
      const line = xml.split('\n').find((l) => l.includes('<testcase'))!;
      // exactly the three attributes' quotes: name, classname, time
      expect(line.match(/"/g)!.length).toBe(6);
      expect(line.slice(line.indexOf('name="') + 6)).not.toMatch(/^[^"]*</);
    }));
  });
});
