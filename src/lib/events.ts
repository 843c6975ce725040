import { and, eq, sql } from 'drizzle-orm';
import { rowsOf } from '../db/client.ts';
import { webhookEndpoints } from '../db/schema/index.ts';
import type { Scoped } from '../db/scoped.ts';
import { newMessageId } from './webhook-signing.ts';

const crud = (resource: string) => [`${resource}.created`, `${resource}.updated`, `${resource}.deleted`, `${resource}.imported`];

/** Every event type an endpoint may subscribe to (GET /api/webhooks/event-types); `*` subscribes to all. */
export const eventTypes = [
  ...crud('lead'),
  'lead.converted',
  ...crud('contact'),
  ...crud('account'),
  ...crud('deal').filter((t) => t !== 'deal.imported'),
  'deal.stage_changed',
  'deal.won',
  'deal.lost',
  'activity.created',
  'activity.updated',
  'activity.deleted',
  'webhook.test',
] as const;
export type EventType = (typeof eventTypes)[number];

/**
 * Records an event in the outbox inside the caller's transaction, so it
 * exists exactly when the change commits, with one pending delivery per
 * enabled endpoint subscribed to it. One statement; nothing is stored when no
 * endpoint listens. `onlyEndpoint` targets one endpoint whatever it subscribes
 * to (the test event). Returns the event id, or null when nothing was recorded.
 */
export async function emitEvent(s: Scoped, type: EventType, data: unknown, onlyEndpoint?: string): Promise<string | null> {
  const { id, statement } = outboxStatement(s, type, data, onlyEndpoint);
  return rowsOf(await statement).length ? id : null;
}

/** emitEvent for callers that do not need the event id: the statement goes out with COMMIT (s.defer). */
export function deferEvent(s: Scoped, type: EventType, data: unknown): void {
  s.defer(outboxStatement(s, type, data).statement);
}

function outboxStatement(s: Scoped, type: EventType, data: unknown, onlyEndpoint?: string) {
  const id = newMessageId();
  const payload = JSON.stringify({ type, timestamp: new Date().toISOString(), data });
  const listening = s.where(
    webhookEndpoints,
    onlyEndpoint
      ? eq(webhookEndpoints.id, onlyEndpoint)
      : and(eq(webhookEndpoints.enabled, true), sql`(${type} = any(${webhookEndpoints.eventTypes}) or '*' = any(${webhookEndpoints.eventTypes}))`),
  );
  const statement = s.q.execute<{ event_id: string }>(sql`
    with event as (
      insert into webhook_events (id, tenant_id, type, payload)
      select ${id}, ${s.tenantId}, ${type}, ${payload}::jsonb
       where exists (select 1 from ${webhookEndpoints} where ${listening})
      returning id
    )
    insert into webhook_deliveries (tenant_id, event_id, endpoint_id)
    select ${s.tenantId}, event.id, ${webhookEndpoints.id} from event, ${webhookEndpoints} where ${listening}
    returning event_id`);
  return { id, statement };
}
