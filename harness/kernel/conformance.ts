/**
 * The `--target kernel` runner of ../shared/conformance/kernel-verifier.jsonl: each record is
 * loaded the way test_verifier loads it in privileged mode (fixup maps, kfunc ids from vmlinux
 * BTF, the record's program BTF and func_info, prog_flags | BPF_F_TEST_RND_HI32 |
 * BPF_F_TEST_REG_INVARIANTS, log level 4 or 2|4 for verbose_accept), and compared with the
 * expected verdict and with what this machine's kernel said when the file was made (`live_6_18`).
 *
 * Test runs: accepted records are run with BPF_PROG_TEST_RUN on each `data_hex`, but only when
 * the live kernel also accepted and ran them. This is the allowed exception to "never test_run
 * what our VM has not run": these are the kernel's own selftests with known results, already
 * run on this very kernel.
 *
 * Invariant: every fd opened for a record is closed before the next record.
 */
import path from 'node:path';
import { PROG_FLAGS, type ProgType, isProgType, progTypeId } from '../isa/program.ts';
import { closeAll } from './fd.ts';
import { OwnedFd } from './fd.ts';
import { loadBtf } from './btf/load.ts';
import { LOG_LEVEL, progLoadLogged, type ProgLoadRequest, type ProgLoadResult } from './prog-load.ts';
import { testRun } from './test-run.ts';
import { reasonFromLog, insnsProcessedFromLog } from './log-footer.ts';
import { applyFixups, recordBtf, type Owned } from './selftest/fixups.ts';
import { ATTACH_TYPES, attachBtfId } from './selftest/attach.ts';
import { type SelftestRecord, isEvaluated, recordBytes } from './selftest/record.ts';

const TESTING_FLAGS = PROG_FLAGS.BPF_F_TEST_RND_HI32 | PROG_FLAGS.BPF_F_TEST_REG_INVARIANTS;

export interface RunCheck {
  readonly errno: number;
  readonly retval: number;
  readonly liveErrno?: number;
  readonly liveRetval?: number;
  readonly expectedRetval: number | null;
  /** errno and retval equal the live run's. */
  readonly matchesLive: boolean;
}

export interface SelftestOutcome {
  readonly name: string;
  readonly source: string;
  /** Why the record was not evaluated (skipped / environment-blocked / setup failure). */
  readonly skipped?: string;
  readonly verdict?: 'accept' | 'reject';
  readonly errno?: number;
  readonly error?: string;
  readonly insnsProcessed?: number;
  readonly agreesLive?: boolean;
  readonly agreesExpect?: boolean;
  readonly errstrFound?: boolean;
  readonly runs?: readonly RunCheck[];
}

let logBuf: Buffer = Buffer.alloc(1 << 16);

/** test_verifier's cmp_str_seq: tab-separated parts of `errstr` appear in order in `log`. */
export function errstrFound(errstr: string, log: string): boolean {
  let at = 0;
  for (const part of errstr.split('\t')) {
    const i = log.indexOf(part, at);
    if (i < 0) return false;
    at = i + part.length;
  }
  return true;
}

function attachFields(rec: SelftestRecord): { expectedAttachType?: number; attachBtfId?: number } | string {
  const t = rec.expected_attach_type;
  if (!t) return {};
  const expectedAttachType = ATTACH_TYPES[t];
  if (expectedAttachType === undefined) return `unknown attach type '${t}'`;
  if ((rec.prog_type !== 'tracing' && rec.prog_type !== 'lsm') || !rec.attach_kfunc) return { expectedAttachType };
  const id = attachBtfId(t, rec.attach_kfunc);
  return id === undefined ? `attach target '${rec.attach_kfunc}' is not in vmlinux BTF` : { expectedAttachType, attachBtfId: id };
}

/**
 * Everything test_verifier does before BPF_PROG_LOAD for one record: fixup maps and kfunc ids
 * patched into the bytes, the record's BTF loaded, attach fields, flags, and the log level it
 * loads at. Returns the reason instead when the record cannot be set up. Exported for the log
 * parser's tests (harness/kernel/log/), which load the same records at other levels.
 */
export function prepareSelftestLoad(rec: SelftestRecord, dir: string, owned: Owned): { req: ProgLoadRequest; level: number } | string {
  if (!isProgType(rec.prog_type)) return `unknown program type '${rec.prog_type}'`;
  const attach = attachFields(rec);
  if (typeof attach === 'string') return attach;
  const insns = recordBytes(rec, dir);
  applyFixups(rec, insns, owned);
  const btfBytes = recordBtf(rec);
  const btf = btfBytes ? loadBtf(btfBytes) : undefined;
  if (btf) owned.fds.push(btf);
  const level = rec.verbose_accept ? LOG_LEVEL.LEVEL2 | LOG_LEVEL.STATS : LOG_LEVEL.STATS;
  const req: ProgLoadRequest = {
    progType: progTypeId(rec.prog_type as ProgType), insns, progFlags: (rec.prog_flags | TESTING_FLAGS) >>> 0,
    ...attach,
    ...(btf ? { btfFd: btf.fd, funcInfo: (rec.func_info ?? []).map(([insnOff, typeId]) => ({ insnOff, typeId })) } : {}),
  };
  return { req, level };
}

function load(rec: SelftestRecord, dir: string, owned: Owned): ProgLoadResult | string {
  const prep = prepareSelftestLoad(rec, dir, owned);
  if (typeof prep === 'string') return prep;
  const { result, buf } = progLoadLogged(prep.req, prep.level, logBuf);
  logBuf = buf;
  return result;
}

function runChecks(rec: SelftestRecord, progFd: number): RunCheck[] {
  const live = rec.live_6_18.test_runs ?? [];
  return (rec.test_runs ?? []).map((tr, i) => {
    const data = Buffer.from(tr.data_hex, 'hex');
    // test_verifier's data_out is 4x the input (programs may grow the packet: LWT_XMIT headroom).
    const r = testRun({ progFd, data, repeat: 1, dataOutSize: data.length * 4 });
    const l = live[i];
    const matchesLive = l !== undefined && l.errno === r.errno && (r.errno !== 0 || l.retval === r.retval);
    return {
      errno: r.errno, retval: r.retval, expectedRetval: tr.retval, matchesLive,
      ...(l ? { liveErrno: l.errno, liveRetval: l.retval } : {}),
    };
  });
}

/** Load (and maybe run) one record. */
export function runSelftestRecord(rec: SelftestRecord, dir: string): SelftestOutcome {
  const base = { name: rec.name, source: rec.source };
  if (rec.live_6_18.skipped) return { ...base, skipped: `live: ${rec.live_6_18.skipped}` };
  if (rec.live_6_18.environment_blocked) return { ...base, skipped: 'live: environment_blocked (EPERM before the verifier ran)' };
  const owned: Owned = { fds: [] };
  try {
    const r = load(rec, dir, owned);
    if (typeof r === 'string') return { ...base, skipped: r };
    const verdict = r.fd >= 0 ? 'accept' : 'reject';
    if (r.fd >= 0) owned.fds.push(new OwnedFd(r.fd));
    const error = verdict === 'reject' ? reasonFromLog(r.log) : undefined;
    const insnsProcessed = insnsProcessedFromLog(r.log);
    const liveRan = rec.live_6_18.verdict === 'accept' && (rec.live_6_18.test_runs?.length ?? 0) > 0;
    return {
      ...base, verdict, errno: r.errno,
      ...(error !== undefined ? { error } : {}),
      ...(insnsProcessed !== undefined ? { insnsProcessed } : {}),
      agreesLive: verdict === rec.live_6_18.verdict, agreesExpect: verdict === rec.expect,
      ...(rec.errstr ? { errstrFound: errstrFound(rec.errstr, r.log) } : {}),
      ...(verdict === 'accept' && liveRan ? { runs: runChecks(rec, r.fd) } : {}),
    };
  } catch (e) {
    return { ...base, skipped: `setup failed: ${(e as Error).message}` };
  } finally {
    closeAll(owned.fds);
  }
}

export interface SelftestSummary {
  readonly total: number;
  readonly evaluated: number;
  readonly agreeLive: number;
  readonly agreeExpect: number;
  readonly errstrChecked: number;
  readonly errstrFound: number;
  /** Runs whose retval is checked (not POINTER_VALUE: those return kernel addresses). */
  readonly runs: number;
  readonly runsMatchLive: number;
  /** Runs with a pointer retval ("don't check"): only errno is compared. */
  readonly pointerRuns: number;
  readonly retvalsExpected: number;
  readonly retvalsMatchExpected: number;
  /** Reason -> count for the records not evaluated. */
  readonly skipped: Readonly<Record<string, number>>;
  readonly disagreements: readonly SelftestOutcome[];
}

function skipKey(reason: string): string {
  return reason.replace(/'[^']*'/g, "'…'").replace(/kfunc \S+ not in/, 'kfunc … not in');
}

export function summarize(outcomes: readonly SelftestOutcome[]): SelftestSummary {
  const evaluated = outcomes.filter((o) => o.verdict !== undefined);
  const skipped: Record<string, number> = {};
  for (const o of outcomes) if (o.skipped) skipped[skipKey(o.skipped)] = (skipped[skipKey(o.skipped)] ?? 0) + 1;
  const allRuns = evaluated.flatMap((o) => o.runs ?? []);
  const runs = allRuns.filter((r) => r.expectedRetval !== null);
  const expected = runs.filter((r) => r.expectedRetval !== null && r.liveErrno === 0);
  return {
    total: outcomes.length, evaluated: evaluated.length,
    agreeLive: evaluated.filter((o) => o.agreesLive).length,
    agreeExpect: evaluated.filter((o) => o.agreesExpect).length,
    errstrChecked: evaluated.filter((o) => o.errstrFound !== undefined).length,
    errstrFound: evaluated.filter((o) => o.errstrFound).length,
    runs: runs.length, runsMatchLive: runs.filter((r) => r.matchesLive).length,
    pointerRuns: allRuns.length - runs.length,
    retvalsExpected: expected.length,
    retvalsMatchExpected: expected.filter((r) => r.errno === 0 && r.retval === (r.expectedRetval! >>> 0)).length,
    skipped, disagreements: evaluated.filter((o) => !o.agreesLive),
  };
}

/** Run every record of the file (or those whose name matches `filter`). */
export function runSelftestSuite(records: readonly SelftestRecord[], file: string, filter?: RegExp): SelftestOutcome[] {
  const dir = path.dirname(file);
  return records.filter((r) => !filter || filter.test(r.name)).map((r) => runSelftestRecord(r, dir));
}

export { isEvaluated };

/** Printable report of a run: one line per disagreement or retval mismatch, then the totals. */
export function formatSelftestReport(outcomes: readonly SelftestOutcome[], s: SelftestSummary): string[] {
  const lines: string[] = [];
  for (const d of s.disagreements) lines.push(`DISAGREE ${d.source}: ${d.name}: kernel ${d.verdict}${d.error ? ` (${d.error})` : ''}, live_6_18 differs`);
  for (const o of outcomes) {
    for (const r of o.runs ?? []) {
      if (r.expectedRetval !== null && !r.matchesLive) lines.push(`RUN MISMATCH ${o.source}: ${o.name}: errno ${r.errno} retval ${r.retval}, live errno ${r.liveErrno} retval ${r.liveRetval}`);
    }
  }
  for (const [reason, n] of Object.entries(s.skipped)) lines.push(`not evaluated: ${n} x ${reason}`);
  const pct = (a: number, b: number): string => (b ? ((100 * a) / b).toFixed(2) : '0.00');
  lines.push(
    `${s.evaluated} of ${s.total} records evaluated`,
    `verdict agrees with live_6_18: ${s.agreeLive}/${s.evaluated} (${pct(s.agreeLive, s.evaluated)}%)`,
    `verdict agrees with expect: ${s.agreeExpect}/${s.evaluated} (${pct(s.agreeExpect, s.evaluated)}%)`,
    `errstr found in the log: ${s.errstrFound}/${s.errstrChecked}`,
    `test_run equals live_6_18: ${s.runsMatchLive}/${s.runs} (+${s.pointerRuns} pointer-valued runs not compared)`,
    `retval equals the expected value: ${s.retvalsMatchExpected}/${s.retvalsExpected}`,
  );
  return lines;
}

/** True when the run reproduces the live kernel exactly (verdicts and retvals). */
export function selftestPassed(s: SelftestSummary): boolean {
  return s.agreeLive === s.evaluated && s.runsMatchLive === s.runs && s.retvalsMatchExpected === s.retvalsExpected;
}
