/**
 * The logs table's DynamoDB stream, read as delivery-log changes: the few
 * attributes the stats need of each image (lib/core/stats.ts), taken from
 * the raw attribute values without unmarshalling the rest (attempts carry
 * response excerpts of up to 4 KB each).
 */
import type { AttributeValue, DynamoDBRecord } from 'aws-lambda';
import type { LogChange, LoggedAttempt, LogImage } from '../../core/stats.ts';

type Image = Record<string, AttributeValue>;

const text = (v: AttributeValue | undefined): string | undefined => v?.S;
const num = (v: AttributeValue | undefined): number | undefined => (v?.N === undefined ? undefined : Number(v.N));

/** How many attempts an image holds. */
function attemptCount(image: Image): number {
  const list = image.attempts?.L;
  return Array.isArray(list) ? list.length : (num(image.attemptCount) ?? 0);
}

/**
 * A stream record as a change: the old image's attempt count, and of the
 * new image the ids, the status and the attempts after the old ones (the
 * earlier ones are left empty: nothing reads them).
 *
 * @example logChangeOf(event.Records[0]) // → { old: { attemptCount: 1 }, new: { tenantId, endpointId, status, attempts: [{}, { at, durationMs, statusCode }] } }
 */
export function logChangeOf(record: DynamoDBRecord): LogChange {
  const oldImage = record.dynamodb?.OldImage as Image | undefined;
  const newImage = record.eventName === 'REMOVE' ? undefined : (record.dynamodb?.NewImage as Image | undefined);
  const change: LogChange = {};
  const before = oldImage ? attemptCount(oldImage) : 0;
  if (oldImage) change.old = { attemptCount: before };
  if (newImage) {
    const list = newImage.attempts?.L;
    const attempts: LoggedAttempt[] = (Array.isArray(list) ? list : []).map((a, i) => {
      if (i < before || !a.M) return {};
      return { at: text(a.M.at), durationMs: num(a.M.durationMs), statusCode: num(a.M.statusCode) };
    });
    const image: LogImage = { tenantId: text(newImage.tenantId), endpointId: text(newImage.endpointId), status: text(newImage.status), attemptCount: num(newImage.attemptCount), attempts };
    change.new = image;
  }
  return change;
}
