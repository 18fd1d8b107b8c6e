/** The event-type catalogue: list, define (PUT) and drop (DELETE). */
import { deleteEventType, listEventTypes, putEventType } from '../../app/event-types.ts';
import type { AppDeps } from '../../app/deps.ts';
import { memberTexts } from '../../core/json-text.ts';
import { API } from '../../contract/index.ts';
import { implement, type Route } from '../router.ts';

export const eventTypeRoutes = (deps: () => Promise<AppDeps>): Route[] => [
  implement(API.listEventTypes, async () => listEventTypes(await deps())),
  implement(API.putEventType, async ({ params, body, bodyText }) => {
    // The schema and the example are kept as the text sent (minified): an example's numbers reach receivers as written.
    const texts = memberTexts(bodyText);
    const schemaJson = texts.get('schema');
    const exampleJson = texts.get('example');
    return putEventType(await deps(), params.type, {
      description: body.description,
      ...(schemaJson !== undefined ? { schemaJson } : {}),
      ...(exampleJson !== undefined ? { exampleJson } : {}),
    });
  }),
  implement(API.deleteEventType, async ({ params }) => deleteEventType(await deps(), params.type)),
];
