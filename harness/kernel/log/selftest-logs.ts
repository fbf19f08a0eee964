/**
 * Real verifier logs to test the parser against: each record of kernel-verifier.jsonl loaded the
 * way the kernel target's conformance runner loads it (prepareSelftestLoad: fixups, program BTF,
 * attach fields), at the log levels asked for, returning the log text of every load.
 *
 * Invariant: every fd opened for a record (maps, BTF, accepted programs) is closed before the
 * function returns. Nothing here runs a program.
 */
import path from 'node:path';
import { closeAll, OwnedFd } from '../fd.ts';
import { progLoadLogged } from '../prog-load.ts';
import { prepareSelftestLoad } from '../conformance.ts';
import type { Owned } from '../selftest/fixups.ts';
import { type SelftestRecord, isEvaluated } from '../selftest/record.ts';

export interface RecordLog {
  readonly level: number;
  readonly errno: number;
  readonly log: string;
}

export interface RecordLogs {
  readonly name: string;
  /** The program after fixups (map fds and kfunc ids patched in), as loaded. */
  readonly insns?: Buffer;
  readonly logs: readonly RecordLog[];
  /** Why the record was not loaded. */
  readonly skipped?: string;
}

let logBuf: Buffer = Buffer.alloc(1 << 20);

function loadAtLevels(rec: SelftestRecord, dir: string, levels: readonly number[], owned: Owned): RecordLogs {
  const prep = prepareSelftestLoad(rec, dir, owned);
  if (typeof prep === 'string') return { name: rec.name, logs: [], skipped: prep };
  const logs = levels.map((level) => {
    const { result, buf } = progLoadLogged(prep.req, level, logBuf);
    logBuf = buf;
    if (result.fd >= 0) owned.fds.push(new OwnedFd(result.fd));
    return { level, errno: result.errno, log: result.log };
  });
  return { name: rec.name, insns: Buffer.from(prep.req.insns), logs };
}

/** Load one record at each of `levels`; `file` is the path of kernel-verifier.jsonl. */
export function selftestRecordLogs(rec: SelftestRecord, file: string, levels: readonly number[]): RecordLogs {
  if (!isEvaluated(rec)) return { name: rec.name, logs: [], skipped: 'not evaluated on 6.18 (skipped / environment-blocked)' };
  const owned: Owned = { fds: [] };
  try {
    return loadAtLevels(rec, path.dirname(file), levels, owned);
  } catch (e) {
    return { name: rec.name, logs: [], skipped: `setup failed: ${(e as Error).message}` };
  } finally {
    closeAll(owned.fds);
  }
}
