/**
 * How a campaign examines its programs: containment on, the kernel's own states checked on a
 * sample, the model's exploration budget. Shared by the campaign thread and its workers.
 */
import type { ExamineOptions } from './pipeline.ts';

export interface CampaignExamine {
  readonly containment?: boolean;
  /** 1 program in N gets its kernel states checked; 0: none. */
  readonly kernelStatesEvery?: number;
  readonly modelInsnBudget?: number;
  readonly dmesg?: () => string[];
}

/**
 * A campaign checks the kernel's own states on 1 program in 10: a level-2 load and its parse cost
 * several plain loads, and every tenth program still checks thousands of steps a minute.
 */
export const DEFAULT_KERNEL_STATES_EVERY = 10;
/**
 * The model gives up on a program after 50,000 processed instructions (the most it needed for
 * any program it accepted in a sample of 20,000 generated ones was 29,648): at 4-10 us an
 * instruction, the kernel's 1,000,000 would stall a campaign for 4-10 s on one program, and even
 * 50,000 costs a few tenths of a second. Such programs are counted (modelBudgetExhausted) and not
 * judged by the model.
 */
export const DEFAULT_MODEL_INSN_BUDGET = 50_000;

/** ExamineOptions with every campaign setting resolved. */
export type CampaignExamineOptions = ExamineOptions & Required<Pick<ExamineOptions, 'containment' | 'kernelStatesEvery' | 'modelInsnBudget'>>;

/** The examine options of a campaign's programs. */
export function campaignExamineOptions(o: CampaignExamine): CampaignExamineOptions {
  return {
    containment: o.containment ?? true,
    kernelStatesEvery: o.kernelStatesEvery ?? DEFAULT_KERNEL_STATES_EVERY,
    modelInsnBudget: o.modelInsnBudget ?? DEFAULT_MODEL_INSN_BUDGET,
    ...(o.dmesg ? { dmesg: o.dmesg } : {}),
  };
}
