import { asc, eq, type SQL } from 'drizzle-orm';
import { accounts, contacts, type deals, pipelines, stages } from '../../../db/schema/index.ts';
import type { Scoped } from '../../../db/scoped.ts';
import { ApiError } from '../../../lib/errors.ts';
import { assertReferences } from '../shared/references.ts';

type Input = Record<string, unknown>;
type DealRow = typeof deals.$inferSelect;

const invalid = (field: string, message: string) => new ApiError('validation_error', `${field} ${message}`, [{ field, message }]);

/**
 * The stage a deal is put in, locked (KEY SHARE) until the transaction ends so
 * a concurrent pipeline edit cannot remove it under the deal; see
 * pipelines.handlers.ts for the other side.
 */
async function lockStage(s: Scoped, where: SQL) {
  const [stage] = await s.select(stages, { where, orderBy: [asc(stages.position)], limit: 1, lock: 'key share' });
  return stage;
}

/** Where the deal sits: the stage must belong to the (new or current) pipeline; defaults are the default pipeline's first stage. */
async function placement(s: Scoped, input: Input, existing: DealRow | null): Promise<Input> {
  const pipelineId = input.pipelineId as string | undefined;
  const stageId = input.stageId as string | undefined;
  if (stageId) {
    const stage = await lockStage(s, eq(stages.id, stageId));
    if (!stage) throw invalid('stageId', 'does not exist');
    const target = pipelineId ?? existing?.pipelineId ?? stage.pipelineId;
    if (stage.pipelineId !== target) throw invalid('stageId', 'is not a stage of the deal’s pipeline');
    return { pipelineId: target, stageId };
  }
  if (existing && (pipelineId === undefined || pipelineId === existing.pipelineId)) return {};
  let target = pipelineId;
  if (!target) {
    const [fallback] = await s.select(pipelines, { where: eq(pipelines.isDefault, true), limit: 1 });
    if (!fallback) throw invalid('pipelineId', 'is required: this tenant has no default pipeline');
    target = fallback.id;
  }
  const first = await lockStage(s, eq(stages.pipelineId, target));
  if (!first) throw invalid('pipelineId', 'has no stages');
  return { pipelineId: target, stageId: first.id };
}

/** Status rules: a lost deal needs a reason and only a lost deal has one; closedAt is stamped when a deal is won or lost. */
function closing(input: Input, existing: DealRow | null): Input {
  const status = (input.status ?? existing?.status ?? 'open') as DealRow['status'];
  const out: Input = {};
  if (status === 'lost') {
    const reason = input.lostReason !== undefined ? input.lostReason : existing?.lostReason;
    if (!reason) throw invalid('lostReason', 'is required when a deal is lost');
  } else {
    if (input.lostReason) throw invalid('lostReason', 'applies only to lost deals');
    out.lostReason = null;
  }
  if (status !== existing?.status) out.closedAt = status === 'open' ? null : new Date();
  return out;
}

/**
 * The deals factory's `prepare` hook, also used by lead conversion: references, pipeline/stage placement and
 * status rules. The reference checks and the stage lookup go out together; the references are read first.
 */
export async function prepareDeal({ s, input, existing }: { s: Scoped; input: Input; existing: DealRow | null }): Promise<Input> {
  const references = assertReferences(s, [
    ['pipelineId', pipelines, input.pipelineId as string | undefined],
    ['contactId', contacts, input.contactId as string | null | undefined],
    ['accountId', accounts, input.accountId as string | null | undefined],
  ]);
  const placed = placement(s, input, existing);
  placed.catch(() => {});
  await references;
  return { ...input, ...(await placed), ...closing(input, existing) };
}
