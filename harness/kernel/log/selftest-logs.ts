/**
 * Real verifier logs to test the parser against: each record of kernel-verifier.jsonl loaded the
 * way the kernel target's conformance runner loads it (its fixups, program BTF and attach fields,
 * from harness/kernel/), at the log levels asked for, returning the log text of every load.
 *
 * Invariant: every fd opened for a record (maps, BTF, accepted programs) is closed before the
 * function returns. Nothing here runs a program.
 */
import path from 'node:path';
import { type ProgType, isProgType, progTypeId, PROG_FLAGS } from '../../isa/program.ts';
import { closeAll, OwnedFd } from '../fd.ts';
import { loadBtf } from '../btf/load.ts';
import { progLoadLogged } from '../prog-load.ts';
import { applyFixups, recordBtf, type Owned } from '../selftest/fixups.ts';
import { ATTACH_TYPES, attachBtfId } from '../selftest/attach.ts';
import { type SelftestRecord, isEvaluated, recordBytes } from '../selftest/record.ts';

const TESTING_FLAGS = PROG_FLAGS.BPF_F_TEST_RND_HI32 | PROG_FLAGS.BPF_F_TEST_REG_INVARIANTS;

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

function attachFields(rec: SelftestRecord): { expectedAttachType?: number; attachBtfId?: number } | string {
  const t = rec.expected_attach_type;
  if (!t) return {};
  const expectedAttachType = ATTACH_TYPES[t];
  if (expectedAttachType === undefined) return `unknown attach type '${t}'`;
  if ((rec.prog_type !== 'tracing' && rec.prog_type !== 'lsm') || !rec.attach_kfunc) return { expectedAttachType };
  const id = attachBtfId(t, rec.attach_kfunc);
  return id === undefined ? `attach target '${rec.attach_kfunc}' is not in vmlinux BTF` : { expectedAttachType, attachBtfId: id };
}

function loadAtLevels(rec: SelftestRecord, dir: string, levels: readonly number[], owned: Owned): RecordLogs {
  const name = rec.name;
  if (!isProgType(rec.prog_type)) return { name, logs: [], skipped: `unknown program type '${rec.prog_type}'` };
  const attach = attachFields(rec);
  if (typeof attach === 'string') return { name, logs: [], skipped: attach };
  const insns = recordBytes(rec, dir);
  applyFixups(rec, insns, owned);
  const btfBytes = recordBtf(rec);
  const btf = btfBytes ? loadBtf(btfBytes) : undefined;
  if (btf) owned.fds.push(btf);
  const req = {
    progType: progTypeId(rec.prog_type as ProgType), insns, progFlags: (rec.prog_flags | TESTING_FLAGS) >>> 0,
    ...attach,
    ...(btf ? { btfFd: btf.fd, funcInfo: (rec.func_info ?? []).map(([insnOff, typeId]) => ({ insnOff, typeId })) } : {}),
  };
  const logs = levels.map((level) => {
    const { result, buf } = progLoadLogged(req, level, logBuf);
    logBuf = buf;
    if (result.fd >= 0) owned.fds.push(new OwnedFd(result.fd));
    return { level, errno: result.errno, log: result.log };
  });
  return { name, insns, logs };
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
